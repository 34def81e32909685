"""Relations the notes state between indices ("x = x' - a", so "a = x' - x"), and the indices they bind.

An index written on one side of a claim and not on the other is free on one side only: the notes mean
it as the last relation that gives it (a letter alone on the left) says, as Gwardys' \\sum_{x'} \\delta_{x'}
w_{a} after "a = x' - x". Such a claim is read again with the index replaced by its value in the other
letters (and judged right only if it holds so); read as written, it is wrong with any value of that index.
"""

from __future__ import annotations

import re

from .notation import ParseError, _linear_sum

Linear = tuple[dict[str, int], int]  # {letter (primes kept): coefficient}, constant

_TOKENS = re.compile(r"\d+|[a-z]'*|[+\-()]")


def _linear(text: str) -> Linear | None:
    source = re.sub(r"\^\s*\{?\s*\\prime\s*\}?", "'", text).replace(" ", "")
    if not source or not re.fullmatch(r"(?:\d+|[a-z]'*|[+\-()])+", source):
        return None
    tokens = _TOKENS.findall(source)
    try:
        (coefs, const), end = _linear_sum(tokens, 0, 0)
    except (IndexError, ValueError, ParseError):
        return None
    return (coefs, const) if end == len(tokens) else None


def read(text: str) -> tuple[str, str] | None:
    """The letter a claim such as "a = x' - x" (or "y = 2") gives a value, and that value in the other letters; None
    when it is not a letter set to a linear expression of others or to a whole number."""
    sides = text.split("=")
    if len(sides) != 2:
        return None
    letter, value = sides[0].strip(), " ".join(sides[1].split())
    found = _linear(value)
    # a letter set to a whole number is a relation too: "the true class is $y = 2$" makes z_y the entry z_2
    if not re.fullmatch(r"[a-z]", letter) or found is None or letter in found[0] or not found[0] and found[1] < 0:
        return None
    return letter, value


_SUBSCRIPT = re.compile(r"_\s*\{([^{}]*)\}|_\s*([a-z])(?![a-z'])")


def substitute(side: str, values: dict[str, str]) -> str:
    """The side with each index letter in `values` replaced, where it stands alone as an index of an entry
    (w_{a,b}, w_a), never in a sum's subscript."""
    def entry(found: re.Match) -> str:
        if side[max(0, found.start() - 5):found.start()].endswith("\\sum"):
            return found.group()
        written = found[1] if found[1] is not None else found[2]
        # \delta_{ky}: letters written together are one index each
        parts = written.split(",") if "," in written or not re.fullmatch(r"[a-z]{2,3}", written.strip()) else list(written.strip())
        if not any(part.strip() in values for part in parts):
            return found.group()
        return "_{" + ",".join(values.get(part.strip(), part) for part in parts) + "}"
    return _SUBSCRIPT.sub(entry, side)
