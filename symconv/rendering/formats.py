"""Render a Derivation to the requested formats, in memory, ready to be written together."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field

from ..derivation import Derivation
from ..example import Example
from ..size import DOCUMENT_FORMATS
from .document import context, render_text
from .json_format import to_json
from .files import FILENAMES, FORMATS
from .handout import answers, exercise
from .options import DocumentOptions
from .pdf import LatexFailed, LatexMissing, compile_pdf

@dataclass
class Rendered:
    """The files of one render (file name -> bytes) and what could not be made, with why."""

    files: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    latex_log: str = ""
    errors: list[str] = field(default_factory=list)  # files asked for that failed (LaTeX), one line each


def render(derivation: Derivation, formats: tuple[str, ...] = FORMATS,
           options: DocumentOptions = DocumentOptions(), example: Example | None = None) -> Rendered:
    """Render to each format; a PDF without LaTeX installed becomes a note, not an error.

    With `options.handout`, the documents are an exercise sheet (exercise.*, chosen entries blank)
    and its answer sheet (answers.*) instead of derivation.*; the JSON is the same. The worked
    `example` (symconv.example), if given, follows the results (a single layer's: its backward pass, with exercises
    on its numbers).

    A LaTeX failure leaves the PDF out, with the reason in `errors`.
    """
    out = Rendered()
    documents: dict[str, dict] = {}
    if DOCUMENT_FORMATS & set(formats):
        ctx = context(derivation, options.all_entries, options.input_gradient, example, options.upstream,
                      matrices=not options.handout, exercises=options.exercises)
        documents = ({"exercise": exercise(ctx), "answers": answers(ctx)} if options.handout
                     else {"derivation": ctx})
    render_documents(out, documents, formats)
    if "json" in formats:
        out.files[FILENAMES["json"]] = to_json(derivation).encode()
    return out


def render_documents(out: Rendered, documents: dict[str, dict], formats: tuple[str, ...]) -> None:
    """Each document context as stem.tex, .pdf, .md and .html (those asked for) into `out`, with the SVG
    figures the Markdown shows."""
    for stem, doc in documents.items():
        _document(out, stem, "document", doc, formats)
    if "md" in formats:
        # The Markdown shows its figures from SVG files beside it.
        for doc in documents.values():
            for drawn in figures_of(doc):
                out.files[drawn.svg_file] = drawn.svg.encode()


def embed_figures(markdown: str, files: dict[str, bytes]) -> str:
    """Markdown whose figure links point at SVG files of a render, with the SVGs embedded as data URIs,
    for places with no files beside the text (a notebook, standard output)."""

    def embed(match: re.Match) -> str:
        data = files.get(match.group(1))
        if data is None:
            return match.group(0)
        return f"![figure](data:image/svg+xml;base64,{base64.b64encode(data).decode()})"

    return re.sub(r"!\[figure\]\(([^)]+\.svg)\)", embed, markdown)


def figures_of(ctx: dict) -> list:
    """Every figure a document context holds: the network diagram, then the sections' figures."""
    found = [ctx["diagram"]] if ctx.get("diagram") is not None else []
    return found + [drawn for section in ctx["sections"] for drawn in section.figures]


def _document(out: Rendered, stem: str, template: str, ctx: dict, formats: tuple[str, ...]) -> None:
    """stem.tex, stem.pdf, stem.md and stem.html, those asked for, from one context."""
    if "tex" in formats or "pdf" in formats:
        tex = render_text(f"{template}.tex.j2", ctx)
        if "tex" in formats:
            out.files[f"{stem}.tex"] = tex.encode()
        if "pdf" in formats:
            try:
                pdf, out.latex_log = compile_pdf(tex)
                out.files[f"{stem}.pdf"] = pdf
            except LatexMissing as missing:
                if str(missing) not in out.notes:
                    out.notes.append(str(missing))
            except LatexFailed as failed:  # the other formats are still written
                out.errors.append(f"{stem}.pdf not written: {failed}")
    if "md" in formats:
        out.files[f"{stem}.md"] = render_text(f"{template}.md.j2", ctx).encode()
    if "html" in formats:
        out.files[f"{stem}.html"] = render_text(f"{template}.html.j2", ctx).encode()
