"""Index functions the notes define and write inside indices: symconv's own general formulas write
x_{\\rho_h(r, p), \\rho_w(s, q)} and then "\\rho_h(r, p) = S_h (r - 1) + D_h (p - 1) + 1 - P_h"; a student may
write i(r, p) = 2r + p - 2.

A claim that says what such a function is, a name applied to index letters set to a linear expression in them and
the layer's size letters (k_h, S_h, P_h, D_h, H, W: one convolution's numbers), defines it for the whole notes, as
the documents define it after the formula that uses it. Each call inside a claim is replaced by its body at the
call's arguments, so the claim reads as if written with the index expression.
"""

from __future__ import annotations

import re

from .notation import ParseError, parse_index

# \rho_h(r, p) = ...: a command or a letter, with a one-letter subscript, applied to index letters
_DEFINED = re.compile(r"\s*(?P<name>(?:\\[A-Za-z]+|[a-z])(?:\s*_\s*(?:\{\s*[a-z]\s*\}|[a-z]))?)\s*\(\s*"
                      r"(?P<params>[a-z](?:\s*,\s*[a-z])*)\s*\)\s*=\s*(?P<body>[^=]+?)\s*")
_SIZE = re.compile(r"(?<![A-Za-z\\])([A-Za-z])\s*_\s*(?:\{\s*([a-z0-9])\s*\}|([a-z0-9]))(?![A-Za-z0-9])|(?<![A-Za-z\\_])([HW])(?![A-Za-z_])")


def _key(name: str) -> str:
    """A function's name as one string: \\rho_{h} and \\rho_h alike."""
    return re.sub(r"[\s{}]", "", name)


def _numbers(body: str, sizes: dict[str, int]) -> str:
    """The body with the size letters' numbers put in."""
    def number(m: re.Match) -> str:
        name = f"{m[1]}_{m[2] or m[3]}" if m[1] else m[4]
        return f"({sizes[name]})" if name in sizes else m[0]

    return _SIZE.sub(number, body)


def definition(text: str, sizes: dict[str, int]) -> tuple[str, tuple[str, ...], str] | None:
    """(name, parameters, body as written) when the claim defines an index function, else None. The body must be a
    linear index expression in the parameters once the sizes are put in."""
    found = _DEFINED.fullmatch(text)
    if found is None or not sizes:
        return None
    params = tuple(p.strip() for p in found["params"].split(","))
    try:
        index = parse_index(_numbers(found["body"], sizes))
    except ParseError:
        return None
    if not index.coefs or any(letter not in params for letter, _ in index.coefs):
        return None
    return _key(found["name"]), params, found["body"]


def read(texts: list[str], sizes: dict[str, int]) -> dict[str, tuple[tuple[str, ...], str]]:
    """The index functions the claims define: {name: (parameters, body as written)}."""
    out = {}
    for text in texts:
        defined = definition(text, sizes)
        if defined is not None:
            out[defined[0]] = defined[1:]
    return out


_KERNEL_LAYER = re.compile(r"(?<![A-Za-z\\])[kK]\s*\^\s*\{\s*\[\s*(\d+)\s*\]")
_LAYER = re.compile(r"\^\s*\{\s*\[\s*(\d+)\s*\]")


def sizes_of(text: str, tables: dict[int, dict[str, int]]) -> dict[str, int] | None:
    """The size letters' numbers a claim's index functions are read with: the one convolution's, or, where the
    network's convolutions differ, that of the layer whose kernel the claim names (k^{[2]}), else of the only
    convolution among the layers it names; None when no one layer is meant."""
    distinct = {tuple(sorted(t.items())) for t in tables.values()}
    if len(distinct) == 1:
        return next(iter(tables.values()))
    for pattern in (_KERNEL_LAYER, _LAYER):
        named = {int(n) for n in pattern.findall(text)} & set(tables)
        if len(named) == 1:
            return tables[named.pop()]
    return None


def expand(text: str, functions: dict[str, tuple[tuple[str, ...], str]], sizes: dict[str, int]) -> str:
    """The claim with each call of an index function replaced by its body at the call's arguments, the size
    letters at these numbers."""
    for name, (params, body) in functions.items():
        body = _numbers(body, sizes)
        base, _, sub = name.partition("_")
        written = re.escape(base) + (rf"\s*_\s*(?:\{{\s*{re.escape(sub)}\s*\}}|{re.escape(sub)})" if sub else "")
        call = re.compile(rf"(?<![A-Za-z\\]){written}\s*\(\s*([^(),]+(?:,[^(),]+)*)\s*\)")

        def put(m: re.Match) -> str:
            args = [a.strip() for a in m[1].split(",")]
            if len(args) != len(params):
                return m[0]
            table = dict(zip(params, args))
            return "(" + re.sub(r"(?<![A-Za-z\\])([a-z])(?![A-Za-z])", lambda v: f"({table[v[1]]})" if v[1] in table
                                else v[0], body) + ")"

        text = call.sub(put, text)
    return text
