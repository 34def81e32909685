"""The three pipelines timed: symconv's, the straightforward SymPy one, and plain text (the floor)."""

from __future__ import annotations

import time

import numpy as np
import sympy

from symconv import ConvSpec
from symconv.api import derive
from symconv.indexmap import IndexMap, group
from symconv.layers import Conv
from symconv.numeric.verify import verify
from symconv.rendering.document import context, render_text
from symconv.rendering.json_format import to_json
from symconv.rendering.latex import width
from symconv.symbols import make_tensor


def leaves(spec: ConvSpec) -> dict:
    """The symbol tensors X, K and dL/dY of a single layer, named as symconv names them."""
    c_in, c_out = spec.in_channels, spec.out_channels
    return {name: make_tensor(role, prefix, shape, str) for name, role, prefix, shape in (
        ("X", "input", "x", (c_in, *spec.input)), ("K", "kernel", "k", (c_out, c_in, *spec.kernel)),
        ("dL/dY", "upstream", "dL_dy", (c_out, *spec.output)))}


def symconv_stages(spec: ConvSpec) -> dict[str, float]:
    """Seconds per stage of symconv's own pipeline, in process."""
    width.cache_clear()  # each run measures a cold render: no widths left over from the run before
    t0 = time.perf_counter()
    d = derive(spec, force=True)
    t1 = time.perf_counter()
    render_text("document.tex.j2", context(d))
    t2 = time.perf_counter()
    to_json(d)
    t3 = time.perf_counter()
    report = verify(d, use_torch=False)
    t4 = time.perf_counter()
    if not report.ok:
        raise AssertionError(f"symconv's derivation failed its check: {report.comparisons}")
    # Not part of the pipeline (its stages read the term tables): what building every SymPy entry
    # costs a user who asks for all of them.
    t5 = time.perf_counter()
    for t in d.tensors:
        if t.entries is not None:
            len(t.entries[:])
    t6 = time.perf_counter()
    return {"derive": t1 - t0, "latex": t2 - t1, "json": t3 - t2, "verify": t4 - t3, "objects": t6 - t5}


def straightforward(spec: ConvSpec) -> dict[str, float]:
    """The pipeline one writes first: Matrix arithmetic, sympy.latex, srepr, lambdify.

    Stride 1, no padding, no dilation (the benchmark's layers), with identifier-safe names, which
    already spares lambdify its slowest path.
    """
    assert spec.stride == (1, 1) and spec.padding == (0, 0) and spec.dilation == (1, 1)
    t0 = time.perf_counter()
    leaf = leaves(spec)
    c_in, c_out = spec.in_channels, spec.out_channels
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    X = [sympy.Matrix(h, w, leaf["X"].symbols[c * h * w : (c + 1) * h * w]) for c in range(c_in)]
    K = [[sympy.Matrix(kh, kw, leaf["K"].symbols[(m * c_in + c) * kh * kw : (m * c_in + c + 1) * kh * kw])
          for c in range(c_in)] for m in range(c_out)]
    G = [sympy.Matrix(ho, wo, leaf["dL/dY"].symbols[m * ho * wo : (m + 1) * ho * wo]) for m in range(c_out)]
    total = lambda matrices: sympy.Add(*(e for M in matrices for e in M))  # Python's sum() is quadratic
    Y = [sympy.Matrix(ho, wo, lambda r, s: total(
        X[c][r : r + kh, s : s + kw].multiply_elementwise(K[m][c]) for c in range(c_in))) for m in range(c_out)]
    dK = [[sympy.Matrix(kh, kw, lambda p, q: total([G[m].multiply_elementwise(X[c][p : p + ho, q : q + wo])]))
           for c in range(c_in)] for m in range(c_out)]
    Gp = [sympy.zeros(ho + 2 * (kh - 1), wo + 2 * (kw - 1)) for _ in range(c_out)]
    for m in range(c_out):
        Gp[m][kh - 1 : kh - 1 + ho, kw - 1 : kw - 1 + wo] = G[m]
    rot = [[K[m][c][::-1, ::-1] for c in range(c_in)] for m in range(c_out)]
    dX = [sympy.Matrix(h, w, lambda i, j: total(
        Gp[m][i : i + kh, j : j + kw].multiply_elementwise(rot[m][c]) for m in range(c_out))) for c in range(c_in)]
    entries = [e for M in Y for e in M] + [e for row in dK for M in row for e in M] + [e for M in dX for e in M]
    t1 = time.perf_counter()
    for e in entries:
        sympy.latex(e)
    t2 = time.perf_counter()
    for e in entries:
        sympy.srepr(e)
    t3 = time.perf_counter()
    syms = list(leaf["X"].symbols + leaf["K"].symbols + leaf["dL/dY"].symbols)
    fn = sympy.lambdify(syms, entries, "numpy")
    rng = np.random.default_rng(0)
    x, k, g = rng.standard_normal((c_in, h, w)), rng.standard_normal((c_out, c_in, kh, kw)), rng.standard_normal((c_out, ho, wo))
    values = np.array(fn(*np.concatenate([x.ravel(), k.ravel(), g.ravel()])), dtype=float)
    y, _ = Conv.of_spec(spec).numpy_forward(np, x, {"K": k})
    assert np.allclose(values[: y.size], y.ravel(), atol=1e-9)
    t4 = time.perf_counter()
    return {"derive": t1 - t0, "latex": t2 - t1, "json": t3 - t2, "verify": t4 - t3}


def plain_text(spec: ConvSpec) -> dict[str, float]:
    """Only the output itself: every term of Y, dL/dK and dL/dX written as text, no mathematics."""
    t0 = time.perf_counter()
    index = IndexMap(spec)
    c_in, c_out = spec.in_channels, spec.out_channels
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    out = []
    by_r, by_s = group(index.rows, 0, ho), group(index.cols, 0, wo)
    for m in range(c_out):
        for r in range(ho):
            for s in range(wo):
                out.append(" + ".join(f"x_{c}_{i}_{j}*k_{m}_{c}_{p}_{q}" for c in range(c_in)
                                      for (_, p, i) in by_r[r] for (_, q, j) in by_s[s]))
    by_p, by_q = group(index.rows, 1, kh), group(index.cols, 1, kw)
    for m in range(c_out):
        for c in range(c_in):
            for p in range(kh):
                for q in range(kw):
                    out.append(" + ".join(f"g_{m}_{r}_{s}*x_{c}_{i}_{j}" for (r, _, i) in by_p[p] for (s, _, j) in by_q[q]))
    by_i, by_j = group(index.rows, 2, h), group(index.cols, 2, w)
    for c in range(c_in):
        for i in range(h):
            for j in range(w):
                out.append(" + ".join(f"g_{m}_{r}_{s}*k_{m}_{c}_{p}_{q}" for m in range(c_out)
                                      for (r, p, _) in by_i[i] for (s, q, _) in by_j[j]))
    return {"text": time.perf_counter() - t0}


PIPELINES = {"symconv": symconv_stages, "sympy": straightforward, "text": plain_text}
