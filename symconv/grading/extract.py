"""Find the claims in a student's notes: display math blocks, split into claims, each with its line and range.

Math is read from $$...$$, \\[...\\] and equation, align, gather and multline environments (starred
or not). A block holds one claim or several, separated by \\\\, \\quad or commas outside braces; a
claim may end with its range ("\\text{for } i = 2, 3", "\\forall r, s").
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass

_ENVS = "equation|align|alignat|gather|multline|eqnarray|flalign"
_BLOCK = re.compile(
    r"\$\$(?P<a>.*?)\$\$|\\\[(?P<b>.*?)\\\]|\\begin\{(?P<env>(?:" + _ENVS + r")\*?)\}(?P<c>.*?)\\end\{(?P=env)\}",
    re.DOTALL,
)
# Where a range starts: \forall, or "for" / "where" as a word (inside \text{...} or not).
_RANGE = re.compile(r"\\forall(?![A-Za-z])|(?:\\(?:text|mbox|mathrm|textrm)\{\s*)?(?<![A-Za-z\\])(?:for|where)(?![A-Za-z])")
_SPLIT = re.compile(r"\\\\|\\q?quad(?![A-Za-z])")


@dataclass(frozen=True)
class Claim:
    """One claim as written: its text, its first line in the notes (1-based) and its range text."""

    line: int
    text: str
    range: str = ""


def _top_level_split(text: str, sep: str = ",") -> list[tuple[int, str]]:
    """Split at `sep` outside braces, brackets and parentheses; (offset, piece) pairs."""
    out, depth, start = [], 0, 0
    for pos, ch in enumerate(text):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif ch == sep and depth == 0 and not text.endswith("\\", 0, pos):  # "\," is a thin space
            out.append((start, text[start:pos]))
            start = pos + 1
    out.append((start, text[start:]))
    return out


def _strip(text: str) -> str:
    text = re.sub(r"\\(?:label|tag|nonumber|notag)(?:\{[^{}]*\})?", " ", text)
    return text.replace("&", " ").strip().rstrip(".,;").strip()


def _pieces(body: str) -> list[tuple[int, str]]:
    """The block cut at \\\\ and \\quad; a piece that continues a sum or a chain (it starts with +, - or =,
    as aligned lines do) is joined to the piece before it."""
    pieces: list[tuple[int, str]] = []
    pos = 0
    for match in [*_SPLIT.finditer(body), None]:
        end = match.start() if match else len(body)
        piece = body[pos:end]
        if not _strip(piece):
            pass
        elif pieces and _strip(piece)[:1] in ("+", "-", "="):
            start, before = pieces[-1]
            pieces[-1] = (start, before + " " + piece)
        else:
            pieces.append((pos, piece))
        pos = match.end() if match else end
    return pieces


def split_block(body: str, first_line: int) -> list[Claim]:
    """The claims of one math block, each with the range written after it (in its piece, or in the
    piece that follows when that piece holds only a range)."""
    merged: list[tuple[int, str, str]] = []
    for offset, piece in _pieces(body):
        found = _RANGE.search(piece)
        head, tail = (piece[: found.start()], piece[found.start() :]) if found else (piece, "")
        if tail and not _strip(head) and merged:
            start, text, _ = merged[-1]
            merged[-1] = (start, text, tail)
        else:
            merged.append((offset, head, tail))
    claims = []
    for offset, head, tail in merged:
        for sub, raw in _top_level_split(head):
            text = _strip(raw)
            if text:
                lead = len(raw) - len(raw.lstrip())
                line = first_line + body.count("\n", 0, offset + sub + lead)
                claims.append(Claim(line, " ".join(text.split()), " ".join(_strip(tail).split())))
    return claims


def extract(notes: str) -> list[Claim]:
    """Every claim of a Markdown or LaTeX text, in order."""
    newlines = [m.start() for m in re.finditer("\n", notes)]
    claims = []
    for match in _BLOCK.finditer(notes):
        group = next(g for g in ("a", "b", "c") if match.group(g) is not None)
        start = match.start(group)
        claims += split_block(match.group(group), bisect_right(newlines, start - 1) + 1)
    return claims
