"""Expand one convolution layer and its gradients entry by entry, structurally, from the index map."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from itertools import product
from operator import itemgetter

from sympy import Add, Mul, S

from .derivation import Derivation, LazyEntries, Tensor, Terms
from .indexmap import IndexMap, group
from .size import check_size
from .spec import ConvSpec
from .symbols import SymbolTensor, entry_latex, make_tensor, upstream_latex


@contextmanager
def _gc_paused():
    # Building hundreds of thousands of objects triggers collections that find nothing to free.
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def leaves(spec: ConvSpec) -> dict[str, SymbolTensor]:
    """The symbol tensors of a layer, in the JSON order: X, K, (b), Y, dL/dY."""
    n = spec.names
    c_in, c_out = spec.in_channels, spec.out_channels
    many_in, many_out = c_in > 1, c_out > 1
    kernel_channels = 2 if (many_in or many_out) else 0
    out_name = lambda idx: entry_latex(n.output, idx if many_out else idx[1:], int(many_out))
    tensors = {
        "X": make_tensor("input", n.input, (c_in, *spec.input),
                         lambda idx: entry_latex(n.input, idx if many_in else idx[1:], int(many_in))),
        "K": make_tensor("kernel", n.kernel, (c_out, c_in, *spec.kernel),
                         lambda idx: entry_latex(n.kernel, idx if kernel_channels else idx[2:], kernel_channels)),
    }
    if spec.bias:
        tensors["b"] = make_tensor("bias", "b", (c_out,), lambda idx: f"b_{{{idx[0]}}}" if many_out else "b")
    tensors["Y"] = make_tensor("output", n.output, (c_out, *spec.output), out_name)
    tensors["dL/dY"] = make_tensor("upstream", f"dL_d{n.output}", (c_out, *spec.output),
                                   lambda idx: upstream_latex(out_name(idx)))
    return tensors


def term_tables(spec: ConvSpec, offset: dict[str, int]) -> dict[str, list[list[tuple[int, int]]]]:
    """Per derived tensor, per entry, its terms as pairs of global symbol positions, in written order.

    Y[m,r,s] = b[m] + sum over taps of X[c,i,j] K[m,c,p,q]         (input before kernel)
    dL/dK[m,c,p,q] = sum_{r,s} G[m,r,s] X[c,i,j]                    (upstream first)
    dL/dX[c,i,j] = sum over (m, r, s) reading it of G[m,r,s] K[m,c,p,q]
    dL/db[m] = sum_{r,s} G[m,r,s]
    where G = dL/dY, and (r, p, i), (s, q, j) range over the row and column taps of the index map.
    """
    index = IndexMap(spec)
    c_in, c_out = spec.in_channels, spec.out_channels
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    X, K, G = offset["X"], offset["K"], offset["dL/dY"]
    # Flat positions split into per-axis parts, computed once per tap rather than once per term:
    # a row tap (r, p, i) adds (r wo, krow(p) kw, i w) to the (G, K, X) positions, a column tap
    # (s, q, j) adds (s, kcol(q), j); the kernel part is the stored (flipped, for convolution) entry.
    row_part = lambda tap: (tap[0] * wo, index.kernel_row(tap[1]) * kw, tap[2] * w)
    col_part = lambda tap: (tap[0], index.kernel_col(tap[1]), tap[2])
    grouped = lambda taps, by, size, part: [[part(t) for t in g] for g in group(taps, by, size)]
    x_base = [X + c * h * w for c in range(c_in)]
    k_base = [[K + (m * c_in + c) * kh * kw for c in range(c_in)] for m in range(c_out)]
    g_base = [G + m * ho * wo for m in range(c_out)]

    rows_by_r, cols_by_s = grouped(index.rows, 0, ho, row_part), grouped(index.cols, 0, wo, col_part)
    forward = []
    for m, r, s in product(range(c_out), range(ho), range(wo)):
        bias = [(offset["b"] + m, -1)] if spec.bias else []
        forward.append(bias + [
            (xb + xr + xc, kb + kr + kc)
            for xb, kb in zip(x_base, k_base[m]) for (_, kr, xr) in rows_by_r[r] for (_, kc, xc) in cols_by_s[s]
        ])

    rows_by_p, cols_by_q = grouped(index.rows, 1, kh, row_part), grouped(index.cols, 1, kw, col_part)
    grad_k: list = [None] * (c_out * c_in * kh * kw)
    for m, c, p, q in product(range(c_out), range(c_in), range(kh), range(kw)):
        # The tap (p, q) reads the stored kernel entry (krow(p), kcol(q)): flipped for convolution.
        position = k_base[m][c] + index.kernel_row(p) * kw + index.kernel_col(q)
        gb, xb = g_base[m], x_base[c]
        grad_k[position - K] = [(gb + gr + gc, xb + xr + xc) for (gr, _, xr) in rows_by_p[p] for (gc, _, xc) in cols_by_q[q]]

    rows_by_i, cols_by_j = grouped(index.rows, 2, h, row_part), grouped(index.cols, 2, w, col_part)
    grad_x = [
        [(gb + gr + gc, kb[c] + kr + kc)
         for gb, kb in zip(g_base, k_base) for (gr, kr, _) in rows_by_i[i] for (gc, kc, _) in cols_by_j[j]]
        for c, i, j in product(range(c_in), range(h), range(w))
    ]
    tables = {"Y": forward, "dL/dX": grad_x, "dL/dK": grad_k}
    if spec.bias:
        tables["dL/db"] = [[(g_base[m] + r * wo + s, -1) for r in range(ho) for s in range(wo)] for m in range(c_out)]
    return tables


def entries_from_terms(terms: Terms, symbols: tuple, rank: list[int]) -> tuple:
    """SymPy entries equal (==) to Add(*terms) with Mul(a, b) terms, built without SymPy's flattening.

    SymPy orders the arguments of a sum or product of symbols by name; `rank` is each symbol's place
    in that order, so the canonical argument order is found by sorting integers.
    """
    entries = []
    n = len(rank)
    new_mul, new_add = Mul._from_args, Add._from_args
    start, first, second = terms.start, terms.first, terms.second
    with _gc_paused():
        for e in range(len(start) - 1):
            keyed = []
            for a, b in zip(first[start[e] : start[e + 1]], second[start[e] : start[e + 1]]):
                if b < 0:
                    keyed.append((rank[a] - n, symbols[a]))  # lone symbols sort before every product
                elif rank[a] < rank[b]:
                    keyed.append((rank[a] * n + rank[b], new_mul((symbols[a], symbols[b]), True)))
                else:
                    keyed.append((rank[b] * n + rank[a], new_mul((symbols[b], symbols[a]), True)))
            if not keyed:
                entries.append(S.Zero)
            elif len(keyed) == 1:
                entries.append(keyed[0][1])
            else:
                keyed.sort(key=itemgetter(0))
                entries.append(new_add(tuple(t for _, t in keyed), True))
    return tuple(entries)


def entries_and_terms(table: list[list[tuple[int, int]]], symbols: tuple, rank: list[int]) -> tuple[tuple, Terms]:
    """A term table's SymPy entries, built at once (networks, whose tables are small), and its Terms."""
    terms = _terms(table)
    return entries_from_terms(terms, symbols, rank), terms


def _terms(table: list[list[tuple[int, int]]]) -> Terms:
    start = [0]
    for terms in table:
        start.append(start[-1] + len(terms))
    pairs = [pair for terms in table for pair in terms]
    return Terms(tuple(start), tuple(a for a, _ in pairs), tuple(b for _, b in pairs))


def derive_conv(spec: ConvSpec, force: bool = False, jacobians: bool = False) -> Derivation:
    """Derive Y, dL/dX, dL/dK and dL/db of one layer in terms of the upstream symbols dL/dY.

    Terms that touch only padding are absent; an input entry that no output reads is exactly 0.
    Every gradient entry equals sympy.diff(sum(G * Y), symbol), structurally (==). With
    `jacobians`, the tensors dvecY/dvecK, dvecY/dvecX (and dvecY/db) follow (see jacobian_tensors).

    Raises:
        SpecError: when the derivation is too large to hold (see size.check_size), unless forced.
    """
    check_size(spec, frozenset(), force=force, jacobians=jacobians)
    leaf = leaves(spec)
    symbols: list = []
    offset: dict[str, int] = {}
    for name, t in leaf.items():
        offset[name] = len(symbols)
        symbols.extend(t.symbols)
    symbols_t = tuple(symbols)
    by_name = sorted(range(len(symbols)), key=lambda i: symbols[i].name)
    rank = [0] * len(symbols)
    for place, i in enumerate(by_name):
        rank[i] = place

    with _gc_paused():
        terms = {name: _terms(table) for name, table in term_tables(spec, offset).items()}
    # The term tables are the derivation; the SymPy objects are built from them when first used
    # (LaTeX, JSON and the numeric check read the tables and never need them).
    entries = {name: LazyEntries(len(t.start) - 1, partial(entries_from_terms, t, symbols_t, rank))
               for name, t in terms.items()}

    def tensor(name: str, title: str) -> Tensor:
        t = leaf[name]
        return Tensor(name, t.shape, t.symbols, entries.get(name), tuple(t.latex[s] for s in t.symbols), title,
                      terms.get(name))

    def gradient(of: str, title: str) -> Tensor:
        t, name = leaf[of], f"dL/d{of}"
        labels = tuple(upstream_latex(t.latex[s]) for s in t.symbols)
        return Tensor(name, t.shape, None, entries[name], labels, title, terms[name])

    tensors = [tensor("X", "input"), tensor("K", "kernel")]
    if spec.bias:
        tensors.append(tensor("b", "bias"))
    tensors += [
        tensor("Y", "output"),
        tensor("dL/dY", "upstream gradient"),
        gradient("X", "gradient with respect to the input"),
        gradient("K", "gradient with respect to the kernel"),
    ]
    if spec.bias:
        tensors.append(gradient("b", "gradient with respect to the bias"))
    latex_names, order = {}, {}
    for t in leaf.values():
        latex_names.update(t.latex)
        order.update(t.keys)
    derivation = Derivation(spec, tuple(tensors), latex_names, order, symbols_t)
    if jacobians:
        derivation = replace(derivation, tensors=derivation.tensors + jacobian_tensors(derivation))
    return derivation


def jacobian_tensors(derivation: Derivation) -> tuple[Tensor, ...]:
    r"""The Jacobians of vec(Y) as dense tensors for the JSON: "dvecY/dvecK", "dvecY/dvecX", "dvecY/db".

    Shape [len vec(Y), len vec(K)] and so on, rows and columns in vec order (MATH.md); entry (a, b)
    is labelled \frac{\partial (vec Y)_a}{\partial (vec K)_b} with the entries' own names.
    """
    out = []
    for wrt in ("K", "X", "b"):
        if wrt not in derivation.names():
            continue
        j = derivation.jacobian(wrt)
        labels = tuple(rf"\frac{{\partial {r}}}{{\partial {c}}}" for r in j.rows for c in j.columns)
        name = f"dvecY/d{wrt}" if wrt == "b" else f"dvecY/dvec{wrt}"
        out.append(Tensor(name, j.shape, None, tuple(j.dense()), labels, f"d vec(Y) / d vec({wrt})"))
    return tuple(out)
