"""Read the range written after a claim: "for i = 2, 3 and j = 1, 2, 3", "\\forall r, s", "1 \\le i \\le 3"."""

from __future__ import annotations

import re

from .notation import ParseError, is_number

ALL = None  # the whole range of the index, from the entry it indexes
MAX_VALUES = 10_000  # values one index may take in a range
MAX_TEXT = 400  # characters of a range

_WORDS = re.compile(r"\\(?:text|mbox|mathrm|textrm)\s*\{([^{}]*)\}")
_DOTS = re.compile(r"\\(?:ldots|dots|cdots|dotsc)(?![A-Za-z])|\.\.\.?")
_LE = re.compile(r"\\leq?(?![A-Za-z])|<=|<")
_NEW_PART = re.compile(r",\s*(?=[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z]))|\d+\s*(?:\\leq?(?![A-Za-z])|<))")


def _span(low: int, high: int, text: str) -> range:
    if high - low + 1 > MAX_VALUES:
        raise ParseError(f"the range {text.strip()!r} has {high - low + 1:,} values, more than the {MAX_VALUES:,} checked")
    return range(low, high + 1)


def _values(text: str) -> list[int]:
    """'2, 3', '1, ..., 3', '1..3', '\\{1, 2\\}' into the listed whole numbers."""
    written = " ".join(text.split())
    text = text.replace("\\{", " ").replace("\\}", " ").replace("{", " ").replace("}", " ")
    text = _DOTS.sub(",...,", text)
    items = [item.strip() for item in text.split(",") if item.strip()]
    out: list[int] = []
    for n, item in enumerate(items):
        if item == "...":
            if not out or n + 1 >= len(items) or not is_number(items[n + 1]):
                raise ParseError(f"cannot read the range {written!r}: write e.g. 1, ..., 3")
            out += _span(out[-1] + 1, int(items[n + 1]) - 1, written)
        elif is_number(item):
            out.append(int(item))
        else:
            raise ParseError(f"cannot read {item!r} in the range: write whole numbers, e.g. i = 1, 2, 3")
        if len(out) > MAX_VALUES:
            raise ParseError(f"the range {written!r} has more than the {MAX_VALUES:,} values checked")
    return out


def _variables(text: str) -> list[str]:
    names = [v for v in re.split(r"[,\s]+", text.strip()) if v]
    if not names or not all(re.fullmatch(r"[a-z]", v) for v in names):
        raise ParseError(f"cannot read the indices {text.strip()!r} of the range: single letters, e.g. i, j")
    return names


def parse_range(text: str) -> dict[str, list[int] | None]:
    """Each index named in the range, with its values, or ALL for "\\forall i" / "for all i".

    Raises:
        ParseError: naming the part that cannot be read.
    """
    if len(text) > MAX_TEXT:
        raise ParseError(f"the range is {len(text):,} characters long: write it shorter, e.g. 1 \\le i \\le 3")
    text = _WORDS.sub(r" \1 ", text)
    text = re.sub(r"\\(?:[,;:! ]|q?quad(?![A-Za-z]))", " ", text)
    text = re.sub(r"\\forall(?![A-Za-z])|(?<![A-Za-z])(?:for|all|every|where|with)(?![A-Za-z])", " ", text)
    text = text.replace("$", " ").strip().rstrip(".").strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1]  # "(1 \\le i \\le 3, 1 \\le j \\le 2)"
    ranges: dict[str, list[int] | None] = {}
    if not text:
        return ranges
    for part in re.split(r"(?<![A-Za-z])and(?![A-Za-z])|;", text):
        pieces: list[str] = []
        for piece in _NEW_PART.split(part):
            # "i, j = 1, 2" splits before "j =": "i" has no values yet, so it shares the next piece's.
            if pieces and not re.search(r"=|\\in(?![A-Za-z])|\\le|<", pieces[-1]):
                pieces[-1] += ", " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            piece = piece.strip().strip(",").strip()
            if not piece:
                continue
            bounds = _LE.split(piece)
            if len(bounds) == 3:  # 1 <= i <= 3
                low, var, high = (b.strip() for b in bounds)
                if not (is_number(low) and is_number(high)):
                    raise ParseError(f"cannot read the range {piece!r}: write e.g. 1 \\le i \\le 3")
                for name in _variables(var):
                    ranges[name] = list(_span(int(low), int(high), piece))
                continue
            match = re.match(r"(.*?)(?:=|\\in(?![A-Za-z]))(.*)", piece)
            if match is None:
                for name in _variables(piece):
                    ranges[name] = ALL
                continue
            values = _values(match.group(2))
            for name in _variables(match.group(1)):
                ranges[name] = values
    return ranges
