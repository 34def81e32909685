"""Names the notes define for a quantity of their own: s_d = (\\sigma^2_d + \\epsilon)^{-1/2},
\\text{xmu}_{nd} = x_{nd} - \\mu_d.

A claim "name_{indices} = expression" whose name no value of the network is (no reading makes it hold)
and whose expression reads with the names already known defines a shorthand: the claims after it are
read with the expression in its place, its indices renamed to those written (s_2 is the expression at
d = 2).
"""

from __future__ import annotations

import re

from .notation import JACOBIAN_J, _jacobian_j

_OPEN = r"\\(?:text|mathrm|operatorname|mathit)\s*\{\s*"
_WRAP = rf"(?:{_OPEN})?"
# a channel written as a letter in a superscript, K^{(m)}_{uv}: an index of the name's, before its subscript's
_SUPERSCRIPT = r"(?:\s*\^\s*\{\s*\(?\s*(?P<sup>[a-z](?:\s*,\s*[a-z])*)\s*\)?\s*\})?"
_DEFINED = re.compile(rf"\s*{_WRAP}(?P<name>[A-Za-z][A-Za-z0-9]*|\\[A-Za-z]+)\s*\}}?{_SUPERSCRIPT}\s*(?:_\s*(?:\{{(?P<braced>[a-z0-9 ,]*)\}}|(?P<one>[a-z0-9])))?"
                      # z(x) = \log y(x): the name written as a function of the input
                      r"(?:\s*\(\s*(?P<args>[A-Za-z](?:\s*,\s*[A-Za-z])*)\s*\))?"
                      r"\s*(?::=|=|\\coloneqq)\s*(?P<rhs>(?:[^={}]|\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\})+?)\s*")


_JACOBIAN_NAME = r"[A-Za-z](?:\s*\^\s*\{[^{}]*\})?"  # p, a^{[1]}
_JACOBIAN = re.compile(rf"\s*(?:\\frac\s*\{{\s*\\partial\s*(?P<top>{_JACOBIAN_NAME})\s*\}}\s*\{{\s*\\partial\s*(?P<wrt>{_JACOBIAN_NAME})\s*\}}"
                       rf"|\\partial\s*(?P<top2>{_JACOBIAN_NAME})\s*/\s*\\partial\s*(?P<wrt2>{_JACOBIAN_NAME}))\s*")


def _index_parts(written: str) -> tuple[str, ...]:
    """A subscript's indices: "n, d" and "n d" by their separator, "nd" and "12" a character each."""
    return tuple(written.replace(",", " ").split()) if "," in written or " " in written else tuple(written)


def name_of(text: str, unknown: str) -> str:
    """The name a claim defines, as written: \\text{dxmu1} where the parser stopped at dxmu; else `unknown`."""
    found = _DEFINED.fullmatch(text)
    return found["name"] if found and re.fullmatch(re.escape(unknown) + r"\d+", found["name"]) else unknown


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
    if found["args"]:  # y(x) in the expression of z(x): the value y, a function of the same input
        arguments = "".join(found["args"].replace(",", " ").split())
        rhs = re.sub(rf"(?<=[A-Za-z}}])\s*\(\s*[{arguments}]\s*\)", "", found["rhs"])
        found = {"braced": found["braced"], "one": found["one"], "rhs": rhs, "sup": found["sup"]}
    indices = _index_parts(found["braced"] if found["braced"] is not None else found["one"] or "")
    if found["sup"]:  # K^{(m)}_{uv}: m before u and v, marked as a superscript's (SUPERSCRIPT)
        if any(i.isdigit() for i in indices):
            return None
        indices = tuple(SUPERSCRIPT + letter for letter in found["sup"].replace(",", " ").split()) + indices
    if any(i.isdigit() for i in indices):  # q_1 = w_{1,1} x_{1,1}, q_2 = ...: one entry at a time (a circuit's gates)
        if not all(i.isdigit() for i in indices):
            return None
        return ENTRIES, {indices: found["rhs"]}
    return indices, found["rhs"]


# The indices of an expression of whole tensors that is computed entry by entry (z = \log y, h = \tanh(a)): its
# tensors' names are written with ENTRY after them, which a use of the name with indices (z_i) replaces by them.
ENTRYWISE = ("*",)
ENTRIES = ("#",)  # a name defined one entry at a time: its expressions by the indices written (numbers)
ENTRY = "_{\\#}"
SUPERSCRIPT = "^"  # before an index letter: the name writes it in its superscript (K^{(m)}_{uv})


def letters(indices: tuple[str, ...]) -> tuple[str, ...]:
    """The index letters of a shorthand, a superscript's as the others."""
    return tuple(i.removeprefix(SUPERSCRIPT) for i in indices)


def entrywise(rhs: str, names) -> str:
    """The expression with each whole tensor's name (a letter the notes use for one) marked by ENTRY."""
    return re.sub(r"(?<![A-Za-z\\])(\\hat\s*\{\s*[A-Za-z]\s*\}|[A-Za-z])(?![A-Za-z_^{])",
                  lambda m: m[1] + ENTRY if " ".join(m[1].split()) in names else m[1], rhs)


def is_entrywise(node) -> bool:
    """Whether a tree of whole tensors is computed entry by entry: functions, sums and powers of them, and products
    with at most one tensor in each (y y^T is a matrix product)."""
    def whole(n) -> bool:
        return n[0] == "whole" or any(isinstance(c, tuple) and whole(c) for c in _children(n))

    def ok(n) -> bool:
        kind = n[0]
        if kind == "whole":
            return not n[2]
        if not whole(n):
            return kind not in ("entry", "deriv", "sum", "op", "jacobian")
        if kind == "mul" and sum(whole(c) for c in n[1]) > 1:
            return False
        return kind in ("fn", "add", "mul", "div", "pow") and all(ok(c) for c in _children(n))
    return whole(node) and ok(node)


def _children(node) -> list:
    kind = node[0]
    if kind == "add":
        return [n for _, n in node[1]]
    if kind == "mul":
        return list(node[1])
    if kind == "fn":
        return list(node[2])
    if kind in ("div", "pow"):
        return [n for n in node[1:] if isinstance(n, tuple)]
    return []


def expand(text: str, shorthands: dict[str, tuple[tuple[str, ...], str]]) -> str:
    """The text with each shorthand written out, its indices renamed to those it is written with."""
    text = JACOBIAN_J.sub(_jacobian_j, text)  # J_x z with z a shorthand: the Jacobian of what z stands for
    for name, (indices, rhs) in shorthands.items():
        # \text{xmu}_{nd} with its closing brace, a bare name without one: {\Sigma} keeps its own
        raised = isinstance(indices, tuple) and indices not in (ENTRIES, ENTRYWISE) and any(
            i.startswith(SUPERSCRIPT) for i in indices)
        pattern = re.compile(rf"(?<![A-Za-z\\])(?:{_OPEN}{re.escape(name)}\s*\}}|{re.escape(name)}(?![A-Za-z0-9]))"
                             + (r"\s*\^\s*\{\s*\(?\s*(?P<sup>[^{}()]*?)\s*\)?\s*\}" if raised else "")
                             + r"(?:\s*_\s*(?:\{(?P<braced>[^{}]*)\}|(?P<one>[A-Za-z0-9])))?"
                             + (r"(?P<argument>\s*\(\s*[a-z]\s*\))?" if indices == ENTRYWISE else "(?P<argument>)"))

        def written(found: re.Match, indices=indices, rhs=rhs) -> str:
            given = found["braced"] if found["braced"] is not None else found["one"] or ""
            if indices == ENTRIES:  # q_3: the expression given for that entry, if one was
                key = _index_parts(given)
                return rf"\left({rhs[key]}\right)" if key in rhs else found[0]
            if indices == ENTRYWISE:  # z = \log y, an entry-by-entry expression: z_i is \log y_i
                entry = rhs.replace(ENTRY, f"_{{{given}}}" if given else "")
                return rf"\left({entry}\right)"  # z_i(x): the argument written after it dropped with it
            parts = [p.strip() for p in given.split(",")] if "," in given else list(given.replace(" ", ""))
            if found.groupdict().get("sup") is not None:  # K^{(1)}_{-1,0}: the superscript's indices first
                parts = [p.strip() for p in found["sup"].split(",")] + parts
            if len(parts) != len(indices):
                return found[0]
            # a negative number in place of a letter (K_{-1,0} of K_{uv} = w_{2-u,2-v}) in parentheses: 2-(-1)
            renamed = {old: f"({new})" if new.startswith("-") else new for old, new in zip(letters(indices), parts)}
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
