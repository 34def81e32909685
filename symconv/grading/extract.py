"""Find the claims in a student's notes: math in display and inline delimiters, split into claims,
each with the line it is written on and its range.

Math is read from $$...$$, \\[...\\], the equation, align, gather and multline environments (starred
or not) and, in sentences, $...$ and \\(...\\) (an inline formula is a claim only when it holds an
'='). Inside display math, aligned, gathered, split and array are read through. A block holds one
claim or several, separated by \\\\, \\quad or commas outside braces; a claim may end with its range
("\\text{for } i = 2, 3", "\\forall r, s", "\\qquad i, j = 1, 2", "\\quad (i = 1)"). A matrix on the
right of "=" (pmatrix, bmatrix, ...) becomes one claim per entry. Everything is scanned in linear
time: notes are untrusted text.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass

MAX_RANGE = 300  # characters of a range written without a word after a claim

_DISPLAY_ENVS = "equation|align|alignat|gather|multline|eqnarray|flalign|displaymath|math"
# Environments read through: their rows are claims like the rows of align.
_INNER_ENVS = "aligned|alignedat|gathered|split|array|subarray"
# Environments kept whole inside a claim: their \\ and & belong to the matrix.
_MATRIX_ENVS = "matrix|pmatrix|bmatrix|Bmatrix|vmatrix|Vmatrix|smallmatrix|cases|Array"
# An array in brackets, \left[\begin{array}{ccc} ... \end{array}\right], is a matrix ("Array" inside)
_BRACKETED_ARRAY = re.compile(r"(?P<open>(?:\\left\s*)?[\[(]\s*)\\begin\{array\}(?P<cols>\s*\{[^{}]*\})(?P<body>.*?)\\end\{array\}",
                              re.DOTALL)

# Delimiters in one pass; "\\" and "\$" are read first so that "\\[2pt]" and "\$" are not delimiters.
_DELIMITER = re.compile(
    r"\\\\|\\\$|\$\$|\$|\\\[|\\\]|\\\(|\\\)"
    r"|\\begin\{(?P<open>(?:" + _DISPLAY_ENVS + r")\*?)\}|\\end\{(?P<close>(?:" + _DISPLAY_ENVS + r")\*?)\}"
)
_CLOSER = {"$$": "$$", "$": "$", "\\[": "\\]", "\\(": "\\)"}
_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
_LATEX_FILE = re.compile(r"\\documentclass|\\begin\{document\}|\\(?:sub)*section\*?\{|^\s*%", re.MULTILINE)
_BLANKED = re.compile(
    r"\\(?:label|tag\*?|eqref|intertext|shortintertext)\s*\{[^{}]*\}|\\(?:nonumber|notag)(?![A-Za-z])"
    r"|\\(?:begin\{(?:" + _INNER_ENVS + r")\*?\}(?:\s*\[[a-z]\])?(?:\s*\{[^{}]*\})?|end\{(?:" + _INNER_ENVS + r")\*?\})"
)
# What the scanner of a block meets: environments, braces, row and column separators, \quad.
_STRUCTURE = re.compile(
    r"\\begin\{(?P<begin>[A-Za-z]+\*?)\}|\\end\{(?P<end>[A-Za-z]+\*?)\}|\\\\(?:\s*\[[^\]\n]*\])?|\\[{}]"
    r"|\\q?quad(?![A-Za-z])|[{}&]"
)
_MATRIX = re.compile(r"\\begin\{(?:" + _MATRIX_ENVS.replace("|cases", "") + r")\}")  # cases is no matrix
# Where a range starts: \forall, or "for" / "where" as a word (inside \text{...} or not).
_RANGE = re.compile(r"\\forall(?![A-Za-z])|(?:\\(?:text|mbox|mathrm|textrm)\s*\{\s*)?(?<![A-Za-z\\])(?:for|where)(?![A-Za-z])",
                    re.ASCII)
# A range written without a word: "i, j = 1, 2, 3", "(i = 1)", "1 \le i \le 3", "i \in \{1, 2\}".
_NUMBERS = r"(?:\\\{)?\s*\d+(?:\s*,\s*(?:\d+|\\[lcd]?dots[cb]?|\.\.\.?))*\s*(?:\\\})?"
_RANGE_PART = (r"(?:[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z]))\s*" + _NUMBERS
               + r"|\d+\s*(?:\\leq?|<=|<)\s*[a-z](?:\s*,\s*[a-z])*\s*(?:\\leq?|<=|<)\s*\d+)")
_BARE_RANGE = re.compile(r"\s*\(?\s*" + _RANGE_PART + r"(?:\s*(?:,|;|\\text\{\s*and\s*\}|and|\\[,;: ])\s*(?:\\[,;: ]\s*)*" + _RANGE_PART
                         + r")*\s*\)?\s*[.,;]?\s*", re.ASCII)
_RANGE_START = re.compile(r"\s*\(?\s*(?:[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z]))\s*(?:\\\{)?\s*\d|\d+\s*(?:\\le|<))",
                          re.ASCII)


_PROSE = re.compile(r"(?:\\(?:text|textrm|mbox|textit)\s*\{[^{}]*\}\s*[.,;:]?\s*)+")
_CLAIM_SIGN = re.compile(r"=|\\(?:equiv|coloneqq|eqqcolon|triangleq|doteq)(?![A-Za-z])")


@dataclass(frozen=True)
class Claim:
    """One claim as written: its text, the line it is written on (1-based) and its range text.

    `problem` is set when the notes hold something that is not a readable claim (an unclosed \\[, a
    matrix of the wrong form): the grader reports it as not understood, with that reason.
    """

    line: int
    text: str
    range: str = ""
    problem: str = ""


class _Lines:
    """Line numbers of offsets in a text, by bisection (linear in the text, not in the claims)."""

    def __init__(self, text: str):
        self.newlines = [m.start() for m in re.finditer("\n", text)]

    def __call__(self, offset: int) -> int:
        return bisect_left(self.newlines, offset) + 1


def _blank(text: str, start: int, end: int) -> str:
    """The text with [start, end) replaced by spaces (newlines kept), so offsets and lines stay."""
    return text[:start] + re.sub(r"[^\n]", " ", text[start:end]) + text[end:]


def _blank_all(pattern: re.Pattern, text: str) -> str:
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)


def _blocks(notes: str) -> list[tuple[int, int, bool] | tuple[int, str]]:
    """(start, end, display) of every math block in order, or (offset, problem) for an opener never closed."""
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
        if text == "$" and closer is not None:
            # Inline math does not run across a blank line: that $ is a dollar sign, not math.
            p = bisect_right(paragraphs, start)
            if p < len(paragraphs) and paragraphs[p] < tokens[closer][0]:
                closer = None
        if closer is None:
            if text != "$":
                out.append((start, f"{text} is never closed: the math that follows it is not read"))
            n += 1
            continue
        out.append((end, tokens[closer][0], text != "$" and text != "\\("))
        n = closer + 1
    return out


def extract(notes: str) -> list[Claim]:
    """Every claim of a Markdown or LaTeX text, in order."""
    if _LATEX_FILE.search(notes):
        notes = _blank_all(_COMMENT, notes)  # LaTeX: a % starts a comment anywhere
    lines = _Lines(notes)
    claims: list[Claim] = []
    named = None  # the last inline formula without "=": "Let $A$ be $B$" makes A := B
    for block in _blocks(notes):
        if len(block) == 2:
            claims.append(Claim(lines(block[0]), notes[block[0]:block[0] + 2].strip(), problem=block[1]))
            continue
        start, end, display = block
        found = split_block(notes, start, end, lines)
        if not display:  # inline: only formulas with "=" are claims; "$x_{11}$" in a sentence is not
            formula = " ".join(notes[start:end].split())
            if named is not None and not _CLAIM_SIGN.search(formula):
                claims += _prose_definition(notes, named, (start, end, formula), lines)
            named = (start, end, formula)
            found = [c for c in found if _CLAIM_SIGN.search(c.text) or c.problem]
        claims += found
    return claims


# "Let $A$ be $B$", "write $A$ for $B$", "$A$ denotes $B$", "denote $B$ by $A$": a name defined in words
_BEFORE = re.compile(r"(?:\b(?:let|write|denote|call)\s*)$", re.IGNORECASE)
_BETWEEN = re.compile(r"\s*(?P<word>be|for|denotes?|stands? for|means?|by|is)\s*(?:the\s+(?:upstream\s+)?gradient\s*)?",
                      re.IGNORECASE)


def _prose_definition(notes: str, first: tuple, second: tuple, lines: _Lines) -> list[Claim]:
    between = notes[first[1]:second[0]].strip("$\\() \n")
    before = notes[max(0, first[0] - 12):first[0]].rstrip("$\\( ")
    word = _BETWEEN.fullmatch(between)
    if word is None or "\\partial" not in first[2] + second[2] and "\\nabla" not in first[2] + second[2]:
        return []
    if word["word"].lower() in ("be", "for") and not _BEFORE.search(before):
        return []
    name, meaning = (second, first) if word["word"].lower() == "by" else (first, second)
    return [Claim(lines(first[0]), f"{name[2]} := {meaning[2]}")]


def split_block(notes: str, start: int, end: int, lines: _Lines) -> list[Claim]:
    """The claims of the math in notes[start:end], each with the range written after it."""
    text = _BRACKETED_ARRAY.sub(lambda m: m["open"] + "\\begin{Array}" + " " * len(m["cols"]) + m["body"] + "\\end{Array}",
                                _blank_all(_COMMENT, notes[start:end]))
    text = _blank_all(_BLANKED, text)  # offsets as in the block
    separators: list[tuple[int, int]] = []
    depth = 0  # braces and matrices
    chars = list(text)
    for m in _STRUCTURE.finditer(text):
        token = m.group()
        if m.group("begin") or m.group("end"):
            if re.fullmatch(_MATRIX_ENVS, (m.group("begin") or m.group("end")).rstrip("*")):
                depth += 1 if m.group("begin") else -1
        elif token in ("{", "}"):
            depth += 1 if token == "{" else -1
        elif depth <= 0 and (token.startswith("\\\\") or token.startswith("\\q")):
            separators.append((m.start(), m.end()))
        elif depth <= 0 and token == "&":
            chars[m.start()] = " "
    text = "".join(chars)

    pieces: list[list] = []  # [start, end, range text]
    pos = 0
    for sep_start, sep_end in [*separators, (len(text), len(text))]:
        span_start, span_end, pos = pos, sep_start, sep_end
        piece = text[span_start:span_end]
        stripped = _strip(piece)
        if not stripped or _PROSE.fullmatch(stripped):  # empty, or words in \text{...}
            continue
        found = _RANGE.search(piece)
        colon = piece.find(":", found.end()) if found else -1
        if found and not _strip(piece[: found.start()]) and colon > 0 and "=" in piece[colon:]:
            # "\forall m, n: y_{mn} = ...": the range first, then the claim
            pieces.append([span_start + colon + 1, span_end, _clean(piece[found.start():colon])])
        elif found:
            if not _strip(piece[: found.start()]) and pieces:
                pieces[-1][2] = _clean(piece[found.start():])
            else:
                pieces.append([span_start, span_start + found.start(), _clean(piece[found.start():])])
        elif pieces and _BARE_RANGE.fullmatch(piece):
            pieces[-1][2] = _clean(_unparen(piece))
        elif pieces and not pieces[-1][2] and stripped[:1] in ("+", "-", "="):
            pieces[-1][1] = span_end  # a row that continues a sum or a chain
        else:
            pieces.append([span_start, span_end, ""])

    claims = []
    for p_start, p_end, range_text in pieces:
        body = _without_separators(text, p_start, p_end, separators)
        for sub_start, sub_end, sub_range in _comma_split(body):
            raw = body[sub_start:sub_end]
            claim_text = _strip(raw)
            if claim_text:
                lead = len(raw) - len(raw.lstrip())
                at = start + p_start + sub_start + lead  # offset in the notes
                claims += _matrix_claims(Claim(lines(at), " ".join(claim_text.split()), sub_range or range_text),
                                         raw, start + p_start + sub_start, lines)
    return claims


def _without_separators(text: str, start: int, end: int, separators: list[tuple[int, int]]) -> str:
    """text[start:end] with the separators inside it blanked (a sum continued over several rows)."""
    parts, pos = [], start
    for s, e in separators[bisect_left(separators, (start, start)):]:
        if e > end:
            break
        parts += [text[pos:s], " " * (e - s)]
        pos = e
    return "".join(parts) + text[pos:end]


def _comma_split(body: str) -> list[tuple[int, int, str]]:
    """Split at commas outside braces, brackets and parentheses; a bare range after a comma
    ("..., i = 1, 2") is the range of the claims before it. (start, end, range) in the body."""
    out, depth, begin = [], 0, 0
    cut, range_text = len(body), ""
    for pos, ch in enumerate(body):
        if ch in "{([":
            depth += 1
        elif ch in "})]":
            depth = max(0, depth - 1)
        elif ch == "," and depth == 0 and not body.endswith("\\", 0, pos):  # "\," is a thin space
            if len(body) - pos < MAX_RANGE and _RANGE_START.match(body, pos + 1) and _BARE_RANGE.fullmatch(body, pos + 1):
                cut, range_text = pos, _clean(_unparen(body[pos + 1:]))
                break
            out.append((begin, pos, ""))
            begin = pos + 1
    out.append((begin, cut, ""))
    return [(s, e, range_text) for s, e, _ in out]


def _matrix_claims(claim: Claim, raw: str, offset: int, lines: _Lines) -> list[Claim]:
    """A claim "LHS = \\begin{pmatrix} ... \\end{pmatrix}" as one claim per entry, "(LHS)_{i,j} = entry",
    each on the line of its row; any other claim as it is. `raw` is the claim as written, at `offset`."""
    if not _MATRIX.search(claim.text):
        return [claim]
    match = _MATRIX_CLAIM.fullmatch(raw.strip().rstrip(".,;"))
    if not match or "\\begin{" in match.group("body"):
        return [Claim(claim.line, claim.text, claim.range, problem="a matrix is read only as the whole "
                      "right-hand side, e.g. \\nabla_K L = \\begin{pmatrix} ... \\end{pmatrix}")]
    lhs = " ".join(match.group("lhs").split())
    body, body_at = match.group("body"), offset + len(raw) - len(raw.lstrip()) + match.start("body")
    out, row_start = [], 0
    for i, row_end in enumerate([*(m for m in _ROW.finditer(body)), None], start=1):
        row = body[row_start:row_end.start() if row_end else len(body)]
        if row.strip() or i == 1:
            line = lines(body_at + row_start + len(row) - len(row.lstrip()))
            for j, cell in enumerate(row.split("&"), start=1):
                out.append(Claim(line, f"({lhs})_{{{i},{j}}} = {' '.join(cell.split())}", claim.range))
        row_start = row_end.end() if row_end else len(body)
    return out


_MATRIX_CLAIM = re.compile(r"(?P<lhs>[^=]+?)=\s*(?:\\left\s*)?[(\[]?\s*\\begin\{(?P<env>[A-Za-z]+)\}(?P<body>.*)"
                           r"\\end\{(?P=env)\}\s*(?:\\right\s*)?[)\]]?", re.DOTALL)
_ROW = re.compile(r"\\\\(?:\s*\[[^\]]*\])?")


def _unparen(text: str) -> str:
    text = text.strip().strip(".,;").strip()
    return text[1:-1] if text.startswith("(") and text.endswith(")") else text


def _clean(range_text: str) -> str:
    return " ".join(_strip(range_text).split())


def _strip(text: str) -> str:
    return text.strip().rstrip(".,;").strip()
