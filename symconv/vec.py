"""vec and the Jacobians of vec() in numerator layout, read off a layer's term table or index map.

vec stacks the columns of each channel (column-major), then the channels in order. In numerator
layout d vec(Y) / d vec(K) has one row per entry of vec(Y) and one column per entry of vec(K):
entry (a, b) is d (vec Y)_a / d (vec K)_b.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import Mapping, Sequence

from sympy import Expr, ImmutableMatrix, ImmutableSparseMatrix, Integer, S, Symbol

from .layers.base import Step


def vec_order(shape: tuple[int, ...]) -> list[int]:
    """Row-major flat positions listed in vec order.

    Axes before the last two are channel axes, taken outermost in row-major order; within a channel
    the entries go down each column, column after column. A vector (one axis) stays as it is.
    """
    if len(shape) < 2:
        return list(range(shape[0] if shape else 1))
    *channels, h, w = shape
    out = []
    for lead in product(*(range(n) for n in channels)):
        base = 0
        for i, n in zip(lead, channels):
            base = base * n + i
        out += [(base * h + i) * w + j for j in range(w) for i in range(h)]
    return out


def vec(values: Sequence[Expr], shape: tuple[int, ...]) -> ImmutableMatrix:
    """vec of a tensor given flat in row-major order, as a column."""
    return ImmutableMatrix([values[n] for n in vec_order(shape)])


def unvec(column: Sequence[Expr], shape: tuple[int, ...]) -> list[Expr]:
    """The row-major flat entries of the tensor of `shape` whose vec is `column` (the inverse of vec)."""
    flat = [S.Zero] * len(column)
    for a, n in enumerate(vec_order(shape)):
        flat[n] = column[a]
    return flat


@dataclass(frozen=True)
class Jacobian:
    r"""d vec(of) / d vec(wrt) in numerator layout: a sparse matrix and the names to display it.

    `entries` maps (row, column) of the nonzero entries to their SymPy value; `rows` and `columns`
    are the LaTeX names of vec(of) and vec(wrt), in vec order.
    """

    of: str
    wrt: str
    shape: tuple[int, int]
    entries: Mapping[tuple[int, int], Expr]
    rows: tuple[str, ...]
    columns: tuple[str, ...]
    latex_names: Mapping[Symbol, str]
    order: Mapping[Symbol, tuple]  # the written order of symbols, for printing (rendering.notebook)

    @property
    def matrix(self) -> ImmutableSparseMatrix:
        return ImmutableSparseMatrix(*self.shape, dict(self.entries))

    def dense(self) -> list[Expr]:
        """Every entry, row by row (zeros included)."""
        flat = [S.Zero] * (self.shape[0] * self.shape[1])
        for (a, b), value in self.entries.items():
            flat[a * self.shape[1] + b] = value
        return flat


def from_terms(
    start: Sequence[int], first: Sequence[int], second: Sequence[int], out_shape: tuple[int, ...],
    wrt_offset: int, wrt_shape: tuple[int, ...], symbols: Sequence[Symbol],
) -> dict[tuple[int, int], Expr]:
    """Nonzero entries of d vec(out) / d vec(wrt) for a tensor whose entries are term tables.

    A term u v of entry n (both symbols) contributes v at (row of n, column of u) when u belongs to
    `wrt` (symbols wrt_offset onwards); a lone symbol u contributes 1. Terms that land on one entry
    add up: a padding that copies the input (reflect, replicate, circular) puts an input entry into
    one output entry's window more than once, through different kernel entries.
    """
    row_of = {flat: a for a, flat in enumerate(vec_order(out_shape))}
    col_of = {wrt_offset + flat: b for b, flat in enumerate(vec_order(wrt_shape))}
    entries: dict[tuple[int, int], Expr] = {}
    for n in range(len(start) - 1):
        a = row_of[n]
        for t in range(start[n], start[n + 1]):
            u, v = first[t], second[t]
            if v < 0:
                if u in col_of:
                    key, value = (a, col_of[u]), Integer(1)
                else:
                    continue
            elif u in col_of:
                key, value = (a, col_of[u]), symbols[v]
            elif v in col_of:
                key, value = (a, col_of[v]), symbols[u]
            else:
                continue
            entries[key] = entries[key] + value if key in entries else value
    return entries


def from_local(
    local: Sequence[tuple[int, int, Expr]], out_shape: tuple[int, ...], in_shape: tuple[int, ...],
) -> dict[tuple[int, int], Expr]:
    """Nonzero entries of d vec(out) / d vec(in) from (output flat, input flat, local derivative)."""
    row_of = {flat: a for a, flat in enumerate(vec_order(out_shape))}
    col_of = {flat: b for b, flat in enumerate(vec_order(in_shape))}
    return {(row_of[o], col_of[n]): value for o, n, value in local}


def _record(derivation, of: str):
    """The record of the layer that computes tensor `of`."""
    for record in derivation.records:
        if record.output == of:
            return record
    outputs = ", ".join(r.output for r in derivation.records)
    raise KeyError(f"no layer output {of!r}: the outputs are {outputs}")


def default_of(derivation, wrt: str) -> str:
    """The tensor a Jacobian is of when only `wrt` is named: the output of the layer that reads it
    (Y for a single layer; A[l] for K[l], W[l], b[l] and A[l-1]; A[1] for X)."""
    for record in derivation.records:
        if wrt in record.inputs or wrt in record.params.values():
            return record.output
    raise KeyError(f"no tensor {wrt!r} to differentiate by: name a layer's input or parameter "
                   f"({', '.join(r.input for r in derivation.records)}, ...)")


def jacobian(derivation, wrt: str, of: str | None = None) -> Jacobian:
    """d vec(of) / d vec(wrt) in numerator layout, from the layer's own structure (never sympy.diff).

    A layer whose output is a term table (convolution, dense) has it read off the table; any other
    gives its local derivatives (pooling: 1/(kh kw), the switch or I/A; an activation: diagonal;
    flatten: a permutation).

    Raises:
        KeyError: when `of` is not a layer output or `wrt` is not something that layer reads.
        ValueError: for a layer whose Jacobian symconv does not form (the softmax with cross-entropy).
    """
    of = of or default_of(derivation, wrt)
    record = _record(derivation, of)
    reads = [*record.inputs, *(name for name in record.params.values() if derivation[name].entries is None)]
    if wrt not in reads:
        raise KeyError(f"{of} does not read {wrt!r}: it is computed from {', '.join(reads)}")
    out, leaf = derivation[of], derivation[wrt]
    if out.terms is not None:
        t = out.terms
        offset = derivation.symbols.index(leaf.symbols[0])
        entries = from_terms(t.start, t.first, t.second, out.shape, offset, leaf.shape, derivation.symbols)
    else:
        # A join's local derivatives run over all its inputs, one after the other: keep wrt's columns.
        joined = [derivation[name] for name in record.inputs] if wrt in record.inputs else [leaf]
        start = sum(len(t.symbols) for t in joined[:[t.name for t in joined].index(wrt)])
        inp = tuple(s for t in joined for s in t.symbols)
        # Its steps' values too (a batch norm's variance and normalized input), and shapes as it reads them.
        params = {key: derivation[name].symbols for key, name in record.params.items() if derivation[name].symbols}
        step = Step(record.number, leaf.shape if record.layer.whole_batch else record.shape_in, out.shape if
                    record.layer.whole_batch else record.shape_out, inp, out.symbols, params, None, {},
                    shapes_in=tuple(t.shape for t in joined))
        local = [(o, n - start, v) for o, n, v in record.layer.local_jacobian(step) if start <= n < start + len(leaf.symbols)]
        entries = from_local(local, out.shape, leaf.shape)
    rows = [out.symbols[n] if out.symbols else None for n in vec_order(out.shape)]
    cols = [leaf.symbols[n] for n in vec_order(leaf.shape)]
    names = derivation.latex_names
    return Jacobian(of, wrt, (len(rows), len(cols)), entries,
                    tuple(names[s] if s is not None else "" for s in rows), tuple(names[s] for s in cols), names,
                    derivation.order)
