"""Names the notes define for a quantity of their own: s_d = (\\sigma^2_d + \\epsilon)^{-1/2},
\\text{xmu}_{nd} = x_{nd} - \\mu_d.

A claim "name_{indices} = expression" whose name no value of the network is (no reading makes it hold)
and whose expression reads with the names already known defines a shorthand: the claims after it are
read with the expression in its place, its indices renamed to those written (s_2 is the expression at
d = 2).
"""

from __future__ import annotations

import re

_OPEN = r"\\(?:text|mathrm|operatorname|mathit)\s*\{\s*"
_WRAP = rf"(?:{_OPEN})?"
_DEFINED = re.compile(rf"\s*{_WRAP}(?P<name>[A-Za-z][A-Za-z0-9]*|\\[A-Za-z]+)\s*\}}?\s*(?:_\s*(?:\{{(?P<braced>[a-z ,]*)\}}|(?P<one>[a-z])))?"
                      r"\s*(?::=|=|\\coloneqq)\s*(?P<rhs>(?:[^={}]|\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\})+?)\s*")


_JACOBIAN_NAME = r"[A-Za-z](?:\s*\^\s*\{[^{}]*\})?"  # p, a^{[1]}
_JACOBIAN = re.compile(rf"\s*(?:\\frac\s*\{{\s*\\partial\s*(?P<top>{_JACOBIAN_NAME})\s*\}}\s*\{{\s*\\partial\s*(?P<wrt>{_JACOBIAN_NAME})\s*\}}"
                       rf"|\\partial\s*(?P<top2>{_JACOBIAN_NAME})\s*/\s*\\partial\s*(?P<wrt2>{_JACOBIAN_NAME}))\s*")


def read(text: str, name: str) -> tuple[tuple[str, ...], str] | None:
    """(the index letters, the expression) when the claim defines `name` as an expression; else None."""
    found = _DEFINED.fullmatch(text)
    if found is None or found["name"] != name:
        return None
    jacobian = _JACOBIAN.fullmatch(found["rhs"])
    if jacobian and not (found["braced"] or found["one"]):
        top, wrt = jacobian["top"] or jacobian["top2"], jacobian["wrt"] or jacobian["wrt2"]
        if top not in "LEJC":  # J = \partial p / \partial z names the Jacobian: J_{12} is dp_1/dz_2 (numerator layout)
            return ("i", "j"), rf"\frac{{\partial {top}_{{i}}}}{{\partial {wrt}_{{j}}}}"
    if re.fullmatch(r"\s*(?:\\frac\s*\{\s*)?\\partial[^+\-]*", found["rhs"]) and "vec" not in found["rhs"]:
        return None  # a name for a gradient: the definitions' (definitions.py), not an expression's (a vec Jacobian is one)
    letters = found["braced"] if found["braced"] is not None else found["one"] or ""
    indices = tuple(letters.replace(",", " ").split()) if "," in letters or " " in letters else tuple(letters)
    return indices, found["rhs"]


def expand(text: str, shorthands: dict[str, tuple[tuple[str, ...], str]]) -> str:
    """The text with each shorthand written out, its indices renamed to those it is written with."""
    for name, (indices, rhs) in shorthands.items():
        # \text{xmu}_{nd} with its closing brace, a bare name without one: {\Sigma} keeps its own
        pattern = re.compile(rf"(?<![A-Za-z\\])(?:{_OPEN}{re.escape(name)}\s*\}}|{re.escape(name)}(?![A-Za-z0-9]))"
                             r"(?:\s*_\s*(?:\{(?P<braced>[^{}]*)\}|(?P<one>[A-Za-z0-9])))?")

        def written(found: re.Match, indices=indices, rhs=rhs) -> str:
            given = found["braced"] if found["braced"] is not None else found["one"] or ""
            parts = [p.strip() for p in given.split(",")] if "," in given else list(given.replace(" ", ""))
            if len(parts) != len(indices):
                return found[0]
            renamed = {old: new for old, new in zip(indices, parts)}
            return rf"\left({_renamed(rhs, renamed)}\right)"

        text = pattern.sub(written, text)
    return text


_SUBSCRIPT = re.compile(r"_\s*(?:\{[^{}]*\}|[A-Za-z0-9])")


def _renamed(text: str, renamed: dict[str, str]) -> str:
    """The indices renamed: every such letter in a subscript (x_{nd}), and standing alone elsewhere."""
    def letters(piece: str, alone: bool) -> str:
        pattern = r"(?<![A-Za-z\\])([a-z])(?![A-Za-z])" if alone else r"(?<!\\)([a-z])"
        return re.sub(pattern, lambda m: renamed.get(m[1], m[1]), piece)

    out, last = [], 0
    for sub in _SUBSCRIPT.finditer(text):
        out += [letters(text[last:sub.start()], True), letters(sub[0], False)]
        last = sub.end()
    return "".join(out) + letters(text[last:], True)
