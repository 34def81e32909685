"""Render a Derivation to the requested formats, in memory, ready to be written together."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field

from ..derivation import Derivation
from ..example import Example
from ..size import DOCUMENT_FORMATS
from .json_format import to_json
from .files import FILENAMES, FORMATS
from .options import DocumentOptions
from .pdf import LatexFailed, LatexMissing, pdf_compiling

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
        # The documents' code (NumPy, Jinja, the figures) loads only when a document is asked for: the
        # JSON alone does not pay its import.
        from .document import context
        from .handout import answers, exercise

        ctx = context(derivation, options.all_entries, options.input_gradient, example, options.upstream,
                      matrices=not options.handout, exercises=options.exercises)
        documents = ({"exercise": exercise(ctx), "answers": answers(ctx)} if options.handout
                     else {"derivation": ctx})
    # The JSON is written while LaTeX typesets the documents.
    json = (lambda: {FILENAMES["json"]: to_json(derivation).encode()}) if "json" in formats else None
    render_documents(out, documents, formats, json)
    return out


def _text(template: str, doc: dict) -> str:
    from .document import render_text  # loaded with the first document (see render)

    return render_text(template, doc)


def render_documents(out: Rendered, documents: dict[str, dict], formats: tuple[str, ...],
                     also: Callable[[], dict[str, bytes]] | None = None) -> None:
    """Each document context as stem.tex, .pdf, .md and .html (those asked for) into `out`, with the SVG
    figures the Markdown shows, then the files `also` makes (the JSON).

    LaTeX runs in the background, one process per document, while the Markdown, the HTML and `also`
    are rendered; the files go into `out` in the same order whichever finishes first.
    """
    texts = {stem: _text("document.tex.j2", doc) for stem, doc in documents.items()
             if "tex" in formats or "pdf" in formats}
    with ExitStack() as latex:
        running = {stem: _start_pdf(out, latex, tex) for stem, tex in texts.items()} if "pdf" in formats else {}
        pages = {stem: {f"{stem}.{kind}": _text(f"document.{kind}.j2", doc).encode()
                        for kind in ("md", "html") if kind in formats}
                 for stem, doc in documents.items()}
        if "html" in formats and documents:
            from .mathml import save_conversions

            save_conversions()
        extra = also() if also is not None else {}
        for stem in documents:
            if stem in texts and "tex" in formats:
                out.files[f"{stem}.tex"] = texts[stem].encode()
            if running.get(stem) is not None:
                _finish_pdf(out, stem, running[stem])
            out.files.update(pages[stem])
    if "md" in formats:
        # The Markdown shows its figures from SVG files beside it.
        for doc in documents.values():
            for drawn in figures_of(doc):
                out.files[drawn.svg_file] = drawn.svg.encode()
    out.files.update(extra)


def _start_pdf(out: Rendered, latex: ExitStack, tex: str) -> Callable[[], tuple[bytes, str]] | None:
    """LaTeX started on `tex` within `latex`; None, with a note, when LaTeX is not installed."""
    try:
        return latex.enter_context(pdf_compiling(tex))
    except LatexMissing as missing:
        if str(missing) not in out.notes:
            out.notes.append(str(missing))
        return None


def _finish_pdf(out: Rendered, stem: str, finish: Callable[[], tuple[bytes, str]]) -> None:
    """stem.pdf into `out` once LaTeX is done; a LaTeX failure goes to `errors` (the other formats are
    still written)."""
    try:
        pdf, out.latex_log = finish()
        out.files[f"{stem}.pdf"] = pdf
    except LatexFailed as failed:
        out.errors.append(f"{stem}.pdf not written: {failed}")


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
    """Every figure a document context holds: the network diagram, then the sections' figures, those of the passes
    and those of the closing sections (a max pooling's switches, drawn with the worked example's numbers)."""
    found = [ctx["diagram"]] if ctx.get("diagram") is not None else []
    return found + [drawn for section in ctx["sections"] + ctx.get("closing", []) for drawn in section.figures]
