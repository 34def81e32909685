"""Render a Derivation to the requested formats, in memory, ready to be written together."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..derivation import Derivation
from ..network import NetworkSpec
from .document import context, render_text
from .json_format import to_json
from .network_document import network_context
from .files import FILENAMES, FORMATS
from .pdf import LatexMissing, compile_pdf

@dataclass
class Rendered:
    """The files of one render (file name -> bytes) and what could not be made, with why."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    latex_log: str = ""


def render(derivation: Derivation, formats: tuple[str, ...] = FORMATS) -> Rendered:
    """Render to each format; a PDF without LaTeX installed becomes a note, not an error.

    Raises:
        LatexFailed: when LaTeX is installed but fails on the document.
    """
    out = Rendered()
    network = isinstance(derivation.spec, NetworkSpec)
    template = "network" if network else "derivation"
    if {"tex", "pdf", "md", "html"} & set(formats):
        ctx = network_context(derivation) if network else context(derivation)
    if "tex" in formats or "pdf" in formats:
        tex = render_text(f"{template}.tex.j2", ctx)
        if "tex" in formats:
            out.files[FILENAMES["tex"]] = tex.encode()
        if "pdf" in formats:
            try:
                pdf, out.latex_log = compile_pdf(tex)
                out.files[FILENAMES["pdf"]] = pdf
            except LatexMissing as missing:
                out.notes.append(str(missing))
    if "md" in formats:
        out.files[FILENAMES["md"]] = render_text(f"{template}.md.j2", ctx).encode()
        # The Markdown shows its figures from SVG files beside it.
        for section in ctx["sections"] if not network else ():
            if section.figure is not None:
                out.files[section.figure.svg_file] = section.figure.svg.encode()
    if "html" in formats:
        out.files[FILENAMES["html"]] = render_text(f"{template}.html.j2", ctx).encode()
    if "json" in formats:
        out.files[FILENAMES["json"]] = to_json(derivation).encode()
    return out
