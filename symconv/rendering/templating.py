"""The one Jinja environment: LaTeX-safe delimiters, LaTeX and HTML escaping filters, MathML, user folders first."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import jinja2
from markupsafe import escape

from .mathml import mathml, rows

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
}
_SPECIAL_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))


def escape_latex(text: object) -> str:
    """Plain text made safe to place in a LaTeX document (every special character escaped)."""
    return _SPECIAL_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], str(text))


def escape_html(text: object) -> str:
    """Plain text made safe to place in HTML."""
    return str(escape(str(text)))


def builtin_templates() -> Path:
    """The folder of templates shipped with the package."""
    return Path(str(files("symconv.templates")))


@lru_cache(maxsize=8)
def environment(user_dirs: tuple[str, ...] = ()) -> jinja2.Environment:
    """Templates from `user_dirs` (searched first), then the built-in ones.

    Delimiters are ((* block *)), ((( variable ))) and ((= comment =)), which LaTeX never writes.
    No autoescaping: HTML escaping is wrong for LaTeX; plain text goes through `escape_latex`.
    """
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([*user_dirs, str(builtin_templates())]),
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
    env.filters["escape_latex"] = escape_latex
    env.filters["escape_html"] = escape_html
    env.filters["mathml"] = mathml
    env.filters["mathml_rows"] = rows
    return env
