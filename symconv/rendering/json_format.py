"""The symconv-derivation/1 JSON format: the spec, then every tensor, each using only earlier symbols."""

from __future__ import annotations

import json

from sympy import srepr

from ..derivation import Derivation, Tensor
from ..network import NetworkSpec
from .layer_table import summary

FORMAT = "symconv-derivation/1"


def fast_srepr(expr) -> str:
    """sympy.srepr for sums of products of symbols, written directly; anything else via srepr."""
    if expr.is_Symbol:
        return f"Symbol('{expr.name}')"
    if expr.is_Mul and all(a.is_Symbol for a in expr.args):
        return "Mul(" + ", ".join(f"Symbol('{a.name}')" for a in expr.args) + ")"
    if expr.is_Add:
        return "Add(" + ", ".join(fast_srepr(a) for a in expr.args) + ")"
    return srepr(expr)


class _Plain(list):
    """A row of strings known to need no escaping in JSON (printable ASCII, no quote or backslash)."""


def _plain(text: str) -> bool:
    """Whether json.dumps writes the string as it is, between quotes."""
    return text.isascii() and text.isprintable() and '"' not in text and "\\" not in text


def _nest(flat: list, shape: tuple[int, ...], plain: bool = False) -> list:
    """A flat row-major list as nested lists of the given shape (rows as _Plain where `plain`)."""
    if len(shape) <= 1:
        return _Plain(flat) if plain else list(flat)
    step = len(flat) // shape[0]
    return [_nest(flat[i * step : (i + 1) * step], shape[1:], plain) for i in range(shape[0])]


def _entries_from_terms(t: Tensor, sym: list[str], mul: list[str], end: list[str]) -> list[str]:
    """srepr text of each entry, written from the term table (terms in written order); a product is
    mul[a] + end[b]: "Mul(" + sym[a] + ", " and sym[b] + ")", made once per symbol, not once per term."""
    terms, out = t.terms, []
    first, second, start = terms.first, terms.second, terms.start
    for n in range(len(start) - 1):
        lo, hi = start[n], start[n + 1]
        parts = [sym[a] if b < 0 else mul[a] + end[b] for a, b in zip(first[lo:hi], second[lo:hi])]
        out.append("Integer(0)" if not parts else parts[0] if len(parts) == 1 else "Add(" + ", ".join(parts) + ")")
    return out


def _tensor(t: Tensor, sym: list[str], plain: bool, mul: list[str], end: list[str]) -> dict:
    """A tensor as JSON values; `plain` when every symbol's name needs no escaping, and with it every
    entry written from a term table (its names, parentheses, commas and spaces)."""
    if t.entries is None:
        entries = None
    elif t.terms is not None:
        entries = _entries_from_terms(t, sym, mul, end)
    else:
        entries = [fast_srepr(e) for e in t.entries]
    return {
        "name": t.name,
        "shape": list(t.shape),
        "symbols": None if t.symbols is None else _nest([s.name for s in t.symbols], t.shape, plain),
        "entries": None if entries is None else _nest(entries, t.shape, plain and t.terms is not None),
    }


def _write(value, indent: str, out: list[str]) -> None:
    """`value` as JSON with one line per innermost list (a row of a tensor) and per short object,
    appended to `out` in pieces that are joined once: a large layer's JSON is tens of megabytes, which
    joining level by level would copy once per level of nesting."""
    inner = indent + " "
    if isinstance(value, dict) and any(isinstance(v, (dict, list)) and _deep(v) for v in value.values()):
        out.append("{\n")
        for n, (k, v) in enumerate(value.items()):
            out.append((",\n" if n else "") + f"{inner}{json.dumps(k)}: ")
            _write(v, inner, out)
        out.append("\n" + indent + "}")
    elif isinstance(value, list) and value and isinstance(value[0], (list, dict)):
        out.append("[\n")
        for n, v in enumerate(value):
            out.append(",\n" + inner if n else inner)
            _write(v, inner, out)
        out.append("\n" + indent + "]")
    else:
        out.append(_flat(value))


def _flat(value) -> str:
    """json.dumps(value); a row of strings that need no escaping is joined directly, the same text."""
    if type(value) is _Plain and value:
        return '["' + '", "'.join(value) + '"]'
    return json.dumps(value)


def _deep(value) -> bool:
    return isinstance(value, dict) or any(isinstance(v, list) for v in value)


def to_json(derivation: Derivation) -> str:
    """The derivation as symconv-derivation/1 text (deterministic: same derivation, same bytes).

    Entries are srepr strings that sympy.sympify reads back as the derived entries; sums list their
    terms in the order people write them.
    """
    sym = [f"Symbol('{s.name}')" for s in derivation.symbols]
    mul, end = ["Mul(" + s + ", " for s in sym], [s + ")" for s in sym]  # a product's two halves
    plain = all(_plain(s.name) for s in derivation.symbols)
    doc = {
        "format": FORMAT,
        "spec": derivation.spec.as_dict(),
        "tensors": [_tensor(t, sym, plain, mul, end) for t in derivation.tensors],
    }
    if isinstance(derivation.spec, NetworkSpec):  # the layer table that opens a network's document, as data
        doc = {"format": doc["format"], "spec": doc["spec"], "summary": summary(derivation.spec),
               "tensors": doc["tensors"]}
    out: list[str] = []
    _write(doc, "", out)
    out.append("\n")
    return "".join(out)
