"""The one Jinja environment: LaTeX-safe delimiters, LaTeX and HTML escaping filters, MathML, user folders first."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import import_module
from pathlib import Path

import jinja2
from markupsafe import escape

from ..words import split
from .mathml import mathml, rows
from .template_cache import template_cache

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    # The default (OT1) text font has no < > |: it would print the glyphs in their slots, "z ¿ 0".
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
}
# Accents every LaTeX text font can put on a letter (NFD combining mark -> accent command), and the
# letters OT1 has of its own. Anything else outside ASCII (a CJK file name) has no glyph in
# pdfLaTeX's fonts and would stop the run: it is written as its code point.
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=", "\u0306": "u", "\u0307": ".",
            "\u0308": '"', "\u030a": "r", "\u030b": "H", "\u030c": "v", "\u0327": "c"}
_LETTERS = {"ß": r"\ss{}", "æ": r"\ae{}", "Æ": r"\AE{}", "ø": r"\o{}", "Ø": r"\O{}", "œ": r"\oe{}",
            "Œ": r"\OE{}", "ł": r"\l{}", "Ł": r"\L{}", "ı": r"\i{}"}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL) + r"|[^\x20-\x7e\n]")


def _latex_char(ch: str) -> str:
    if ch in _LATEX_SPECIAL:
        return _LATEX_SPECIAL[ch]
    if ch in _LETTERS:
        return _LETTERS[ch]
    base, *marks = unicodedata.normalize("NFD", ch)
    if base.isascii() and base.isalpha() and marks and all(m in _ACCENTS for m in marks):
        out = r"\i" if base == "i" else base  # the accent replaces the dot of i
        for mark in marks:
            out = rf"\{_ACCENTS[mark]}{{{out}}}"
        return out
    return rf"\texttt{{U+{ord(ch):04X}}}"


def sentence(text: object) -> str:
    """The text with its first letter upper case and the rest as written (Jinja's capitalize lowers
    the rest: "Channel 1 of layer 3 (conv)" but also "dL/dK" as "Dl/dk")."""
    text = str(text)
    return text[:1].upper() + text[1:]


def escape_latex(text: object) -> str:
    """Plain text made safe to place in a LaTeX document: every special character escaped, accented
    letters as accent commands, and any other character outside ASCII as its code point."""
    return _SPECIAL_RE.sub(lambda m: _latex_char(m.group()), str(text))


# A layer kind's two- or three-word name (max pooling, batch normalization, transposed convolution): a title
# breaking inside it reads as two words, so LaTeX keeps it on one line.
_KIND_NAME_RE = re.compile(r"\b(?:(?:global )?(?:max|min|average|avg|adaptive|sum)|batch|layer|group|instance|transposed"
                           r"|bilinear|nearest-neighbou?r) (?:pooling|normali[sz]ation|norm|convolution|upsampling)\b")


def latex_title(text: object) -> str:
    """A title for LaTeX: escaped, with the words of each layer kind's name tied by non-breaking spaces
    (review24: the CNN's title broke "max / pooling" across lines); Markdown and HTML keep the text as it is."""
    return _KIND_NAME_RE.sub(lambda m: m.group().replace(" ", "~"), escape_latex(text))


# Characters that start Markdown (CommonMark/GFM) constructs inside a line, math ($) included.
# Control characters (C0, DEL, C1) and the format characters that reorder or hide text.
_CONTROL_RE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff]")
_MARKDOWN_RE = re.compile(r"([\\`*_\[\]<>&|$~#])")


def visible(text: object) -> str:
    """The text with each control character (an escape sequence's ESC, a bell, a bidi override) written
    as its code point, U+001B: shown, never acted on by a terminal or a browser."""
    return _CONTROL_RE.sub(lambda m: f"U+{ord(m.group()):04X}", str(text))


def escape_markdown(text: object) -> str:
    """Plain text made safe to place in Markdown: each character that could start a construct
    (emphasis, link, code, HTML, table cell, math...) backslash-escaped, which shows it as itself;
    control characters as their code points."""
    return _MARKDOWN_RE.sub(r"\\\1", visible(" ".join(str(text).split("\n"))))


def escape_html(text: object) -> str:
    """Plain text made safe to place in HTML (control characters as their code points)."""
    return str(escape(visible(text)))


def math_latex(math: str) -> str:
    """Math made safe for pdfLaTeX: a Greek letter written as itself (a parameter named α) as its
    command, \\alpha; any other character outside ASCII, which pdfLaTeX's math fonts lack, as its code point."""
    return _NON_ASCII_RE.sub(lambda m: _greek_command(m.group()) or rf"\text{{\texttt{{U+{ord(m.group()):04X}}}}}", math)


def _greek_command(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    match = re.fullmatch(r"GREEK (SMALL|CAPITAL) LETTER ([A-Z]+)", name)
    if match is None:
        return None
    word = match.group(2).lower()
    if word == "omicron":  # LaTeX has no command for it: it is the Latin letter
        return "o" if match.group(1) == "SMALL" else r"\mathrm{O}"
    word = {"lamda": "lambda"}.get(word, word)
    if match.group(1) == "CAPITAL":
        word = word.capitalize()
        if word not in _GREEK_CAPITALS:  # Alpha, Beta...: the Latin letter's shape
            return "\\mathrm{" + _LATIN_LOOKALIKE.get(word, word[0]) + "}"
    return f"{{\\{word}}}"


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")
_GREEK_CAPITALS = {"Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_LATIN_LOOKALIKE = {"Alpha": "A", "Beta": "B", "Epsilon": "E", "Zeta": "Z", "Eta": "H", "Iota": "I", "Kappa": "K",
                    "Mu": "M", "Nu": "N", "Omicron": "O", "Rho": "P", "Tau": "T", "Chi": "X"}


def rich_latex(text: object) -> str:
    """Prose with $math$: the prose escaped for LaTeX, the math kept as math (made safe for pdfLaTeX)."""
    return "".join(f"${math_latex(part)}$" if math else escape_latex(part) for math, part in split(str(text)))


def rich_markdown(text: object) -> str:
    """Prose with $math$ for Markdown: the prose escaped, the math kept between $ signs."""
    return "".join(f"${part}$" if math else escape_markdown(part) for math, part in split(str(text)))


def rich_html(text: object) -> str:
    """Prose with $math$ for HTML: the prose escaped, the math as inline MathML."""
    return "".join(mathml(part, display=False) if math else escape_html(part) for math, part in split(str(text)))


def builtin_templates() -> Path:
    """The folder of templates shipped with the package: the folder of its templates package (Jinja's
    FileSystemLoader reads a folder; importlib.resources.files would say the same of one, and costs its
    readers' imports, zipfile's among them, on every render)."""
    return Path(import_module("symconv.templates").__file__).parent


@lru_cache(maxsize=8)
def environment(user_dirs: tuple[str, ...] = ()) -> jinja2.Environment:
    """Templates from `user_dirs` (searched first), then the built-in ones.

    Delimiters are ((* block *)), ((( variable ))) and ((= comment =)), which LaTeX never writes.
    No autoescaping: HTML escaping is wrong for LaTeX; plain text goes through `escape_latex`.
    Compiled templates are kept in the user's cache folder (template_cache), keyed by their source.
    """
    options = dict(
        block_start_string="((*",
        block_end_string="*))",
        variable_start_string="(((",
        variable_end_string=")))",
        comment_start_string="((=",
        comment_end_string="=))",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,
    )
    env = jinja2.Environment(loader=jinja2.FileSystemLoader([*user_dirs, str(builtin_templates())]),
                             bytecode_cache=template_cache(options), **options)
    env.filters["sentence"] = sentence
    env.filters["escape_latex"] = escape_latex
    env.filters["latex_title"] = latex_title
    env.filters["escape_html"] = escape_html
    env.filters["escape_markdown"] = escape_markdown
    env.filters["rich_latex"] = rich_latex
    env.filters["rich_markdown"] = rich_markdown
    env.filters["rich_html"] = rich_html
    env.filters["mathml"] = mathml
    env.filters["mathml_rows"] = rows
    return env
