"""Find the math in a student's notes: display and inline blocks, with what no reader sees as math
(comments, code, verbatim) left out. Offsets and lines are kept, and every scan is linear in the
notes: they are untrusted text, and an opener that is never closed must not be searched for again.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterator
from functools import lru_cache

_DISPLAY_ENVS = "equation|align|alignat|gather|multline|eqnarray|flalign|displaymath|math"
# Delimiters in one pass; "\\" and "\$" are read first so that "\\[2pt]" and "\$" are not delimiters.
_DELIMITER = re.compile(
    r"\\\\|\\\$|\$\$|\$|\\\[|\\\]|\\\(|\\\)"
    r"|\\begin\{(?P<open>(?:" + _DISPLAY_ENVS + r")\*?)\}|\\end\{(?P<close>(?:" + _DISPLAY_ENVS + r")\*?)\}"
)
_CLOSER = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}
COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_LATEX_FILE = re.compile(r"\\documentclass|\\begin\{document\}|\\(?:sub)*section\*?\{|^\s*%", re.MULTILINE)
# LaTeX that is never typeset: verbatim and comment environments, \iffalse ... \fi.
_LATEX_SKIPPED = re.compile(r"\\begin\{(verbatim\*?|comment|lstlisting|minted)\}|\\iffalse(?![A-Za-z])")
# Markdown that is not rendered as math: fenced code (```math is display math), HTML comments, inline code.
_FENCE = re.compile(r"^(?P<fence>`{3,}|~{3,})(?P<info>[^\n]*)$", re.MULTILINE)
_HTML_COMMENT = re.compile(r"<!--")
_INLINE_CODE = re.compile(r"(?<!`)`[^`\n]+`(?!`)")


class Lines:
    """Line numbers of offsets in a text, by bisection."""

    def __init__(self, text: str):
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect_left(self.newlines, offset) + 1


def blanked(text: str) -> str:
    """Spaces in place of the text, newlines kept."""
    return re.sub(r"[^\n]", " ", text)


def blank_all(pattern: re.Pattern, text: str) -> str:
    return pattern.sub(lambda m: blanked(m.group()), text)


def blank_spans(text: str, spans: list[tuple[int, int]]) -> str:
    """The text with each (start, end) span blanked, in one pass."""
    parts, pos = [], 0
    for start, end in spans:
        parts += [text[pos:start], blanked(text[start:end])]
        pos = end
    return "".join(parts) + text[pos:]


def paired(text: str, opener: re.Pattern, closer_of: Callable[[re.Match], re.Pattern]) -> Iterator[tuple[re.Match, re.Match]]:
    """Each opener with the first closer after it, left to right, spans not overlapping. A closer that
    is not found is not searched for again, so unclosed openers by the thousand cost one scan."""
    pos, absent = 0, set()
    for start in opener.finditer(text):
        closer = closer_of(start)
        if start.start() < pos or closer.pattern in absent:
            continue
        end = closer.search(text, start.end())
        if end is None:
            absent.add(closer.pattern)
            continue
        yield start, end
        pos = end.end()


def is_latex(notes: str) -> bool:
    return bool(_LATEX_FILE.search(notes))


def without_unrendered(notes: str, latex: bool) -> str:
    """The notes with what a reader never sees as math blanked (offsets and lines kept)."""
    if latex:
        notes = blank_all(COMMENT, notes)
        return blank_spans(notes, [(s.start(), e.end()) for s, e in paired(notes, _LATEX_SKIPPED, _latex_closer)])
    notes = _fences(notes)
    notes = blank_spans(notes, [(s.start(), e.end()) for s, e in paired(notes, _HTML_COMMENT, lambda _: _HTML_CLOSE)])
    return _mathjax_scripts(blank_all(_INLINE_CODE, notes))


# MathJax 2's script tags, as Jekyll posts of its time write maths: <script type="math/tex; mode=display">...</script>
_MATH_SCRIPT = re.compile(r"<script\s+type\s*=\s*[\"']math/tex(?P<display>\s*;\s*mode\s*=\s*display)?[\"']\s*>"
                          r"(?P<body>.*?)</script\s*>", re.DOTALL | re.IGNORECASE)


def _mathjax_scripts(notes: str) -> str:
    """Each MathJax script tag as the $$ (display) or $ (inline) it stands for, padded with spaces so that
    offsets and lines stay as written."""
    def delimited(found: re.Match) -> str:
        mark = "$$" if found["display"] else "$"
        opening = found.start("body") - found.start()
        closing = found.end() - found.end("body")
        return mark.ljust(opening) + found["body"] + mark.rjust(closing)
    return _MATH_SCRIPT.sub(delimited, notes) if "<script" in notes.lower() else notes


_HTML_CLOSE = re.compile(r"-->")
_END_FI = re.compile(r"\\fi(?![A-Za-z])")


@lru_cache(maxsize=16)
def _end_of(env: str) -> re.Pattern:
    return re.compile(re.escape(f"\\end{{{env}}}"))


def _latex_closer(start: re.Match) -> re.Pattern:
    return _end_of(start.group(1)) if start.group(1) else _END_FI


def _fences(notes: str) -> str:
    """Fenced code blanked and ```math blocks turned into $$ ... $$ (same length), line by line: a fence
    closes at a line of at least as many of its characters; one never closed runs to the end."""
    parts, pos, open_fence = [], 0, None
    for line in _FENCE.finditer(notes):
        fence, info = line["fence"], line["info"].strip()
        if open_fence is None:
            open_fence = (line, fence)
        elif fence[0] == open_fence[1][0] and len(fence) >= len(open_fence[1]) and not info:
            start, math = open_fence[0], open_fence[0]["info"].strip() == "math"
            parts.append(notes[pos:start.start()])
            if math:
                parts += ["$$" + " " * (len(start.group()) - 2), notes[start.end():line.start()],
                          "$$" + " " * (len(line.group()) - 2)]
            else:
                parts.append(blanked(notes[start.start():line.end()]))
            pos, open_fence = line.end(), None
    if open_fence is not None:
        parts += [notes[pos:open_fence[0].start()], blanked(notes[open_fence[0].start():])]
        pos = len(notes)
    return "".join(parts) + notes[pos:]


def math_blocks(notes: str, markdown: bool) -> list[tuple]:
    """(start, end, opener) of every math block in order, or (offset, opener, problem) for an opener
    never closed. In Markdown, $...$ and $$...$$ do not run across a blank line."""
    tokens = [(m.start(), m.end(), m.group(), m.group("open"), m.group("close")) for m in _DELIMITER.finditer(notes)]
    by_kind: dict[str, list[int]] = {}
    for n, (_, _, text, _, close) in enumerate(tokens):
        by_kind.setdefault(f"end:{close}" if close else text, []).append(n)
    paragraphs = [m.start() for m in re.finditer(r"\n[ \t]*\n", notes)]
    out: list = []
    n = 0
    while n < len(tokens):
        start, end, text, env, _ = tokens[n]
        kind = f"end:{env}" if env else _CLOSER.get(text)
        if kind is None:  # a closer or "\\" outside math: prose
            n += 1
            continue
        later = by_kind.get(kind, [])
        k = bisect_right(later, n)
        closer = later[k] if k < len(later) else None
        if closer is not None and (text == "$" or (text == "$$" and markdown)):
            # A paragraph break ends inline math (that $ is a dollar sign), and in Markdown display math too.
            p = bisect_right(paragraphs, start)
            if p < len(paragraphs) and paragraphs[p] < tokens[closer][0]:
                closer = None
        if closer is None:
            if text != "$":
                out.append((start, text, f"{text} is never closed: the math that follows it is not read"))
            n += 1
            continue
        out.append((end, tokens[closer][0], text))
        n = closer + 1
    return out
