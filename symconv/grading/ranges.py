"""Read the range written after a claim: "for i = 2, 3 and j = 1, 2, 3", "\\forall r, s", "1 \\le i \\le 3"."""

from __future__ import annotations

import re

from .extract import wrapped
from .notation import ParseError, is_number

ALL = None  # the whole range of the index, from the entry it indexes
CONDITIONS = "conditions"  # the key of (i, equal, k) relations between two indices, in what parse_range returns
_INDEX_RELATION = re.compile(r"([a-z])\s*(=|\\neq?(?![A-Za-z])|!=)\s*([a-z])")
MAX_VALUES = 10_000  # values one index may take in a range
MAX_TEXT = 400  # characters of a range

WORDS = re.compile(r"\\(?:text|mbox|mathrm|textrm)\s*\{([^{}]*)\}")
_DOTS = re.compile(r"\\(?:ldots|dots|cdots|dotsc)(?![A-Za-z])|\.\.\.?")
_RELATION = re.compile(r"(\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|<=|>=|<|>)")
_NEW_PART = re.compile(r",\s*(?=[a-z](?:\s*,\s*[a-z])*\s*(?:=|\\in(?![A-Za-z])|<|>|\\[lg]eq?(?![A-Za-z]))"
                       r"|\d+\s*(?:\\[lg]eq?(?![A-Za-z])|<|>)|\()")
_TUPLE = re.compile(r"\(\s*([a-z](?:\s*,\s*[a-z])*)\s*\)\s*=\s*\(\s*(\d+(?:\s*,\s*\d+)*)\s*\)")


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
    """Each index named in the range, with its values, or ALL for "\\forall i" / "for all i"; under the key
    CONDITIONS, the relations between two indices ("i = k", "i \\neq k") as (i, equal, k).

    Raises:
        ParseError: naming the part that cannot be read.
    """
    if len(text) > MAX_TEXT:
        raise ParseError(f"the range is {len(text):,} characters long: write it shorter, e.g. 1 \\le i \\le 3")
    text = WORDS.sub(r" \1 ", text)
    text = re.sub(r"\\(?:[,;:! ]|q?quad(?![A-Za-z]))", " ", text)
    text = re.sub(r"\\forall(?![A-Za-z])|(?<![A-Za-z])(?:for|all|every|where|with|if|at|when|pour|tout|toute|tous|toutes|für|"
                  r"alle|para|todo|toda|todos|todas)(?![A-Za-z])", " ", text)
    # (i, j) \in \{1, 2, 3\}^2: each index in the set
    text = re.sub(r"\(\s*([a-z])\s*,\s*([a-z])\s*\)\s*\\in\s*(\\\{[^{}]*\\\})\s*\^\s*\{?\s*2\s*\}?", r"\1 \\in \3 ; \2 \\in \3", text)
    # (i, j) = (1, 2): each index its value
    text = _TUPLE.sub(lambda m: "; ".join(f"{v} = {n}" for v, n in zip(m[1].split(","), m[2].split(","), strict=False)), text)
    text = text.replace("$", " ").strip().rstrip(".").strip()
    if wrapped(text):
        text = text[1:-1]  # "(1 \\le i \\le 3, 1 \\le j \\le 2)"
    ranges: dict[str, list[int] | None] = {}
    if not text:
        return ranges
    for part in re.split(r"(?<![A-Za-z])and(?![A-Za-z])|;", text):
        pieces: list[str] = []
        for piece in _NEW_PART.split(part):
            # "i, j = 1, 2" splits before "j =": "i" has no values yet, so it shares the next piece's.
            # "1 \\le i, j < 2" too: "1 \\le i" ends with an index, so it goes on.
            if pieces and (not re.search(r"=|\\in(?![A-Za-z])", pieces[-1]) and not _RELATION.search(pieces[-1])
                           or _RELATION.search(pieces[-1]) and re.search(r"[a-z]\s*$", pieces[-1])):
                pieces[-1] += ", " + piece
            else:
                pieces.append(piece)
        for piece in pieces:
            piece = piece.strip().strip(",").strip()
            if not piece:
                continue
            related = _INDEX_RELATION.fullmatch(piece)
            if related:  # i = k, i \neq k: a condition between two indices ("if i = k")
                ranges.setdefault(CONDITIONS, []).append((related[1], related[2] == "=", related[3]))
                continue
            if _RELATION.search(piece):
                for name, values in _inequality(piece).items():
                    ranges[name] = values
                continue
            match = re.match(r"(.*?)(?:=|\\in(?![A-Za-z]))(.*)", piece)
            if match is None:
                for name in _variables(piece):
                    ranges[name] = ALL
                continue
            *names, given = piece.split("=") if "=" in piece else (match.group(1), match.group(2))
            values = _values(given)
            for name in (v for group in names for v in _variables(group)):  # i = j = 1: both
                ranges[name] = values
    return ranges


def _inequality(piece: str) -> dict[str, list[int]]:
    """'1 \\le i \\le 3', '0 < i < 3', 'i < 3' (from 1), '3 > i \\ge 1' into each index's values."""
    parts = [p.strip() for p in _RELATION.split(piece)]
    ops = ["<=" if op in ("\\le", "\\leq", "<=") else ">=" if op in ("\\ge", "\\geq", ">=") else op
           for op in parts[1::2]]
    terms = parts[0::2]
    if any(op in (">", ">=") for op in ops):
        if not all(op in (">", ">=") for op in ops):
            raise ParseError(f"cannot read the range {piece!r}: write e.g. 1 \\le i \\le 3")
        terms, ops = terms[::-1], [{">": "<", ">=": "<="}[op] for op in ops[::-1]]
    if len(terms) == 2 and is_number(terms[1]):  # i < 3: indices start at 1
        terms, ops = ["1", *terms], ["<=", *ops]
    if len(terms) != 3 or not (is_number(terms[0]) and is_number(terms[2])):
        raise ParseError(f"cannot read the range {piece!r}: write e.g. 1 \\le i \\le 3")
    low = int(terms[0]) + (ops[0] == "<")
    high = int(terms[2]) - (ops[1] == "<")
    values = list(_span(low, high, piece))
    return {name: values for name in _variables(terms[1])}
