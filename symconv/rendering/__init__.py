"""Rendering a Derivation: LaTeX, Markdown, JSON and PDF; the only layer that touches Jinja and files."""
