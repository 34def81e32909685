"""The macros notes define for themselves (\\newcommand, \\def, \\DeclareMathOperator), expanded in claims.

Expansion is bounded (a macro that expands to itself, or to more than a claim can hold, stops with
the text as far as it got): notes are untrusted text.
"""

from __future__ import annotations

import re

from .notation import MAX_CLAIM, ParseError, read_group

MAX_EXPANSIONS = 200  # macro uses expanded in one claim

_NEWCOMMAND = re.compile(r"\\(?:re)?newcommand\*?\s*(?:\{\s*(\\[A-Za-z]+)\s*\}|(\\[A-Za-z]+))\s*(?:\[\s*(\d)\s*\])?\s*(?:\[[^\]]*\])?\s*\{")
_DEF = re.compile(r"\\[gex]?def\s*(\\[A-Za-z]+)\s*((?:#\d)*)\s*\{")
_OPERATOR = re.compile(r"\\DeclareMathOperator\*?\s*\{\s*(\\[A-Za-z]+)\s*\}\s*\{([^{}]*)\}")
# TeX's own programming in a body (\ifx ... \else ... \fi, \def, \let): the preamble's typesetting machinery, such
# as symconv's \renewcommand{\mathbb} that draws a double-struck 1 without a font, never notation to expand
_MACHINERY = re.compile(r"\\(?:if[a-z]*|else|fi|def|edef|gdef|let|expandafter|csname|endcsname|relax)(?![A-Za-z])")


def macros(notes: str) -> dict[str, tuple[int, str]]:
    """Each macro the notes define: its name, how many arguments it takes and its body (not one whose body is TeX's
    programming: _MACHINERY)."""
    out: dict[str, tuple[int, str]] = {}
    for found in _NEWCOMMAND.finditer(notes):
        body = _body(notes, found.end() - 1)
        if body is not None and not _MACHINERY.search(body):
            out[found.group(1) or found.group(2)] = (int(found.group(3) or 0), body)
    for found in _DEF.finditer(notes):
        body = _body(notes, found.end() - 1)
        if body is not None and not _MACHINERY.search(body):
            out[found.group(1)] = (len(found.group(2)) // 2, body)
    for found in _OPERATOR.finditer(notes):
        out[found.group(1)] = (0, rf"\operatorname{{{found.group(2)}}}")
    return out


def _body(notes: str, brace: int) -> str | None:
    try:
        return read_group(notes, brace)[0]
    except ParseError:
        return None


def expand(text: str, defined: dict[str, tuple[int, str]]) -> str:
    """The claim with the notes' macros replaced by what they stand for."""
    if not defined or "\\" not in text:
        return text
    pattern = re.compile("|".join(re.escape(name) + r"(?![A-Za-z])" for name in sorted(defined, key=len, reverse=True)))
    for _ in range(MAX_EXPANSIONS):
        found = pattern.search(text)
        if found is None:
            return text
        count, body = defined[found.group()]
        end, args = found.end(), []
        try:
            for _ in range(count):
                arg, end = read_group(text, end)
                args.append(arg)
        except ParseError:
            return text
        for k, arg in enumerate(args, start=1):
            body = body.replace(f"#{k}", arg)
        if re.search(r"[+\-=]", body):  # a sum stays one factor where the macro stands
            body = "{" + body + "}"
        text = text[:found.start()] + body + text[end:]
        if len(text) > MAX_CLAIM:
            return text[:MAX_CLAIM + 1]
    return text
