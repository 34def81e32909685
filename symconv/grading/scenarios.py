"""Primed names as another instance of the same network: an exercise's G' (another upstream gradient), t' (another
target) given as numbers, and L', g', \\delta' the quantities it gives.

Notes that give a primed name numbers ("Let another loss L' send back G' = [2 -1; 2 0]") mean the same layer with
that given value changed: each claim that writes names with so many primes is read with the primes taken off, at
the given values the primed ones replace (grade.py keeps one set of given values per prime count). A prime on an
index (x_{i'}) or on a function before its argument (\\sigma'(z), f'(a)) is not such a prime.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .notation import _in_script

# a name with primes: a letter or a command (\delta'), not followed by an argument (f'(z) is a derivative)
_PRIMED_NAME = re.compile(r"(?<![A-Za-z\\])(\\[A-Za-z]+|[A-Za-z])('+)(?!\s*(?:\(|\\left|\\bigl?\b|\\Bigl?\b))")
_NUMBER = re.compile(r"\s*-?\s*\d+(?:\.\d+)?\s*")


def _primed(text: str, indices: set[str] = frozenset()) -> list[re.Match]:
    """The primed names of a text: not in a subscript or superscript, not a letter the notes prime as an index."""
    return [m for m in _PRIMED_NAME.finditer(text) if not _in_script(text, m.start()) and m[1] not in indices]


# G' = 2, (G')_{1,2} = -1, {G'}^{(1)}_{1,1} = 2, t'_2 = 1: one entry of a primed name given a number
_GIVEN_ENTRY = re.compile(r"\s*\(?\s*\{?\s*(?P<name>\\[A-Za-z]+|[A-Za-z])(?P<primes>'+)\s*\}?\s*(?:\^\s*\{[^{}]*\})?\s*\)?"
                          r"\s*(?:_\s*(?:\{[^{}]*\}|\w))?\s*")
_DEFINED = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z])\s*=")  # G = \frac{\partial L}{\partial Y}: a name the notes define


def counts(claims, given: set[str], indices: set[str]) -> set[int]:
    """The prime counts the notes give numbers to, on a name of a given value of the network (`given`: the input,
    a parameter, a target, an upstream gradient) or one the notes define unprimed (G = dL/dY): G' = [...],
    (G'')_{1,1} = 1, t'_2 = 1; not a value the network computes (\\delta' of worked numbers), a size or an index
    (Dumoulin's i' = 2; `indices`, the letters the notes prime as indices)."""
    # a name defined by a formula, not a number (s = 1, a size or a constant, whose s' = 1 is Dumoulin's transposed stride)
    given = {*given, *(m[1] for c in claims if (m := _DEFINED.match(c.text)) and not _NUMBER.fullmatch(c.text[m.end():]))}
    found = set()
    for claim in claims:
        left, equals, right = claim.text.partition("=")
        named = _GIVEN_ENTRY.fullmatch(left)
        if equals and named and "=" not in right and _NUMBER.fullmatch(right) and named["name"] not in indices and (
                named["name"] in given or named["name"].lower() in given):
            found.add(len(named["primes"]))
    return found


def unprimed(claim, given: set[int], indices: set[str]):
    """The claim with its names' primes taken off, and the prime count it is read at (0: as written), the claim
    as written kept (`primed`). A claim that writes names with two different prime counts, or a count no numbers
    are given for, is kept as written."""
    found = {len(m[2]) for m in _primed(claim.text, indices)} | {len(m[2]) for m in _primed(claim.range, indices)}
    if len(found) != 1 or not found <= given:
        return claim
    strip = lambda text: "".join(_pieces(text, indices))
    return replace(claim, text=strip(claim.text), range=strip(claim.range), scenario=found.pop(),
                   primed=(claim.text, claim.range))


def _pieces(text: str, indices: set[str]):
    at = 0
    for m in _primed(text, indices):
        yield text[at:m.start()] + m[1]
        at = m.end()
    yield text[at:]
