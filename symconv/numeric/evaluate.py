"""Evaluate every derived entry at numbers: one pass over the SymPy terms into index arrays."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sympy import Expr, lambdify

from ..derivation import Derivation, Tensor


@dataclass(frozen=True)
class Compiled:
    """A tensor's entries as monomials: entry[t] += coef[t] * prod(values[factors[t, :]])."""

    size: int
    entry: np.ndarray
    coef: np.ndarray
    factors: np.ndarray


def _monomial(term: Expr, pos: dict) -> tuple[float, list[int]] | None:
    """(coefficient, factor positions) of a product of symbols and integer powers, else None."""
    if term in pos:
        return 1.0, [pos[term]]
    if term.is_Number:
        return float(term), []
    if not term.is_Mul:
        if term.is_Pow and term.exp.is_Integer and term.exp > 0 and term.base in pos:
            return 1.0, [pos[term.base]] * int(term.exp)
        return None
    coef, factors = 1.0, []
    for f in term.args:
        part = _monomial(f, pos)
        if part is None:
            return None
        coef *= part[0]
        factors += part[1]
    return coef, factors


def compile_tensor(tensor: Tensor, pos: dict, one: int) -> Compiled | tuple:
    """Walk the tensor's entries once into monomial index arrays; `one` is a slot that holds 1.0.

    A tensor with an entry that is not a sum of monomials (exp, max, a switch...) is lambdified as
    a whole instead: returns (function, positions of its arguments).
    """
    entry_idx, coefs, rows = [], [], []
    for n, expr in enumerate(tensor.entries):
        for term in expr.args if expr.is_Add else (expr,):
            mono = _monomial(term, pos)
            if mono is None:
                syms = sorted(set().union(*(e.free_symbols for e in tensor.entries)), key=lambda s: s.name)
                return lambdify(syms, list(tensor.entries), "numpy"), [pos[s] for s in syms]
            entry_idx.append(n)
            coefs.append(mono[0])
            rows.append(mono[1])
    width = max((len(r) for r in rows), default=0)
    factors = np.full((len(rows), max(width, 1)), one, dtype=np.intp)
    for t, r in enumerate(rows):
        factors[t, : len(r)] = r
    return Compiled(len(tensor.entries), np.asarray(entry_idx, dtype=np.intp), np.asarray(coefs, dtype=float), factors)


def _from_terms(tensor: Tensor, values: np.ndarray) -> np.ndarray:
    """Entries from the term table: one gather per factor and one bincount, no SymPy."""
    t = tensor.terms
    start = np.asarray(t.start, dtype=np.intp)
    entry = np.repeat(np.arange(len(start) - 1), np.diff(start))
    # values[-1] holds 1.0, so a missing second factor (-1) multiplies by one.
    products = values[np.asarray(t.first, dtype=np.intp)] * values[np.asarray(t.second, dtype=np.intp)]
    return np.bincount(entry, weights=products, minlength=len(start) - 1)


def evaluate(derivation: Derivation, leaf_values: dict[str, np.ndarray], from_sympy: bool = False) -> dict[str, np.ndarray]:
    """Numbers for every tensor: leaves from `leaf_values` (by tensor name), the rest from their entries.

    Entries are read from their term tables when they have one, else (or with `from_sympy`) from
    the SymPy expressions. A derived tensor that has symbols of its own (the output Y) lends its
    values to later entries.
    """
    # Term tables index derivation.symbols; every tensor's own symbols are among them.
    symbols = derivation.symbols or tuple(s for t in derivation.tensors if t.symbols is not None for s in t.symbols)
    pos = {s: n for n, s in enumerate(symbols)}
    one = len(symbols)
    values = np.zeros(one + 1)
    values[one] = 1.0
    out: dict[str, np.ndarray] = {}
    for t in derivation.tensors:
        if t.entries is None:
            data = np.asarray(leaf_values[t.name], dtype=float)
            if data.shape != t.shape:
                raise ValueError(f"values for {t.name} have shape {data.shape}, expected {t.shape}")
        elif t.terms is not None and not from_sympy:
            data = _from_terms(t, values).reshape(t.shape)
        else:
            c = compile_tensor(t, pos, one)
            if isinstance(c, Compiled):
                products = c.coef * np.prod(values[c.factors], axis=1)
                flat = np.bincount(c.entry, weights=products, minlength=c.size)
            else:
                fn, args = c
                flat = np.array(fn(*values[args]), dtype=float)
            data = flat.reshape(t.shape)
        if t.symbols is not None:
            values[[pos[s] for s in t.symbols]] = data.ravel()
        out[t.name] = data
    return out
