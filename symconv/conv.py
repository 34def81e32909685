"""Expand one convolution layer and its gradients entry by entry, structurally, from the index map."""

from __future__ import annotations

import gc
from contextlib import contextmanager
from itertools import product

from sympy import Add, Mul, S, Symbol

from .derivation import Derivation, Tensor
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


def _mul(a: Symbol, b: Symbol) -> Mul:
    # SymPy orders the factors of a product of symbols by name; building in that order directly
    # gives the same object Mul(a, b) would, without its flattening pass.
    return Mul._from_args((a, b) if a.name < b.name else (b, a), is_commutative=True)


def _canonical_key(term) -> tuple:
    return (0, term.name) if term.is_Symbol else (1, term.args[0].name, term.args[1].name)


def _add(terms: list):
    """Add(*terms) for distinct symbols and products of two symbols, built in canonical order."""
    if not terms:
        return S.Zero
    if len(terms) == 1:
        return terms[0]
    terms.sort(key=_canonical_key)
    return Add._from_args(tuple(terms), is_commutative=True)


def leaves(spec: ConvSpec) -> dict[str, SymbolTensor]:
    """The symbol tensors a layer starts from: input, kernel, bias, output and upstream gradient."""
    n = spec.names
    c_in, c_out = spec.in_channels, spec.out_channels
    many_in, many_out = c_in > 1, c_out > 1
    kernel_channels = 2 if (many_in or many_out) else 0
    ho, wo = spec.output
    out_name = lambda idx: entry_latex(n.output, idx[1:] if not many_out else idx, int(many_out))
    tensors = {
        "X": make_tensor("input", n.input, (c_in, *spec.input),
                         lambda idx: entry_latex(n.input, idx if many_in else idx[1:], int(many_in))),
        "K": make_tensor("kernel", n.kernel, (c_out, c_in, *spec.kernel),
                         lambda idx: entry_latex(n.kernel, idx if kernel_channels else idx[2:], kernel_channels)),
        "Y": make_tensor("output", n.output, (c_out, ho, wo), out_name),
        "dL/dY": make_tensor("upstream", f"dL_d{n.output}", (c_out, ho, wo),
                             lambda idx: upstream_latex(out_name(idx))),
    }
    if spec.bias:
        tensors["b"] = make_tensor("bias", "b", (c_out,), lambda idx: f"b_{{{idx[0]}}}" if many_out else "b")
    return tensors


def derive_conv(spec: ConvSpec, force: bool = False) -> Derivation:
    """Derive Y, dL/dX, dL/dK and dL/db of one layer in terms of the upstream symbols dL/dY.

    Y[m,r,s] = b[m] + sum_{c,p,q} X[c,i,j] K[m,c,p,q] over the taps of the index map;
    dL/dK[m,c,p,q] = sum_{r,s} G[m,r,s] X[c,i,j];  dL/dX[c,i,j] = sum_{m,p,q,r,s} G[m,r,s] K[m,c,p,q];
    dL/db[m] = sum_{r,s} G[m,r,s], where G = dL/dY. Terms that touch only padding are absent.

    Raises:
        SpecError: when the derivation is too large to hold (see size.check_size), unless forced.
    """
    check_size(spec, frozenset(), force=force)
    index = IndexMap(spec)
    leaf = leaves(spec)
    X, K, Y, G = leaf["X"], leaf["K"], leaf["Y"], leaf["dL/dY"]
    c_in, c_out = spec.in_channels, spec.out_channels
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    krow, kcol = index.kernel_row, index.kernel_col
    x, k, g = X.at, K.at, G.at

    with _gc_paused():
        rows_by_r, cols_by_s = group(index.rows, 0, ho), group(index.cols, 0, wo)
        forward = []
        for m, r, s in product(range(c_out), range(ho), range(wo)):
            terms = [leaf["b"].at(m)] if spec.bias else []
            terms += [
                _mul(x(c, i, j), k(m, c, krow(p), kcol(q)))
                for c in range(c_in) for (_, p, i) in rows_by_r[r] for (_, q, j) in cols_by_s[s]
            ]
            forward.append(_add(terms))

        rows_by_p, cols_by_q = group(index.rows, 1, kh), group(index.cols, 1, kw)
        grad_k = [S.Zero] * (c_out * c_in * kh * kw)
        for m, c, p, q in product(range(c_out), range(c_in), range(kh), range(kw)):
            terms = [_mul(g(m, r, s), x(c, i, j)) for (r, _, i) in rows_by_p[p] for (s, _, j) in cols_by_q[q]]
            grad_k[((m * c_in + c) * kh + krow(p)) * kw + kcol(q)] = _add(terms)

        rows_by_i, cols_by_j = group(index.rows, 2, h), group(index.cols, 2, w)
        grad_x = [
            _add([
                _mul(g(m, r, s), k(m, c, krow(p), kcol(q)))
                for m in range(c_out) for (r, p, _) in rows_by_i[i] for (s, q, _) in cols_by_j[j]
            ])
            for c, i, j in product(range(c_in), range(h), range(w))
        ]
        grad_b = [_add([g(m, r, s) for r in range(ho) for s in range(wo)]) for m in range(c_out)]

    def leaf_tensor(name: str, title: str, entries=None) -> Tensor:
        t = leaf[name]
        return Tensor(name, t.shape, t.symbols, entries, tuple(t.latex[s] for s in t.symbols), title)

    def grad_tensor(of: str, title: str, entries: list) -> Tensor:
        t = leaf[of]
        labels = tuple(upstream_latex(t.latex[s]) for s in t.symbols)
        return Tensor(f"dL/d{of}", t.shape, None, tuple(entries), labels, title)

    tensors = [leaf_tensor("X", "input"), leaf_tensor("K", "kernel")]
    if spec.bias:
        tensors.append(leaf_tensor("b", "bias"))
    tensors += [
        leaf_tensor("Y", "output", tuple(forward)),
        leaf_tensor("dL/dY", "upstream gradient"),
        grad_tensor("X", "gradient with respect to the input", grad_x),
        grad_tensor("K", "gradient with respect to the kernel", grad_k),
    ]
    if spec.bias:
        tensors.append(grad_tensor("b", "gradient with respect to the bias", grad_b))
    latex_names, order = {}, {}
    for t in leaf.values():
        latex_names.update(t.latex)
        order.update(t.keys)
    return Derivation(spec, tuple(tensors), latex_names, order)
