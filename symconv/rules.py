"""Each non-convolution layer's forward expansion and, beside it, its local backward rule.

Every rule takes the symbols of the layer's input, of its output (its forward values) and of its
upstream gradient g = dL/d(output) (None for the forward pass only), and returns
(forward entries, backward entries): "upstream times local", never the composed loss.
"""

from __future__ import annotations

from itertools import product

from sympy import Add, And, Heaviside, Integer, Max, Piecewise, Rational, S, exp, log, sqrt, tanh
from sympy.core.relational import GreaterThan, LessThan, StrictGreaterThan, StrictLessThan

from .layers import Pool, Shape


def activation_rules(kind: str, z, a, g):
    """a = f(z) element-wise; dL/dz = g f'(z), written with the forward value a where that is shorter.

    relu: f'(z) = [z > 0] (0 at z = 0, as frameworks); sigmoid: a (1 - a); tanh: 1 - a^2; identity: 1.
    """
    forward = {
        "relu": lambda zi: Max(0, zi),
        "sigmoid": lambda zi: 1 / (1 + exp(-zi)),
        "tanh": tanh,
        "identity": lambda zi: zi,
    }[kind]
    local = {
        "relu": lambda zi, ai: Heaviside(zi, 0),
        "sigmoid": lambda zi, ai: ai * (1 - ai),
        "tanh": lambda zi, ai: 1 - ai**2,
        "identity": lambda zi, ai: Integer(1),
    }[kind]
    entries = [forward(zi) for zi in z]
    backward = None if g is None else [gi * local(zi, ai) for zi, ai, gi in zip(z, a, g)]
    return entries, backward


def switch(k: int, window) -> object:
    """Max pooling's switch: 1 where w_k is the window's first maximum in row-major order, else 0.

    switch = Piecewise((1, w_k > w_j for every j < k and w_k >= w_j for every j > k), (0, True)),
    ties going to the first maximal entry as in PyTorch; k is 1-based. Plain SymPy, so that anyone
    can evaluate it. Built directly in the form SymPy's evaluation gives (each inequality with its
    arguments in SymPy's canonical order, the Piecewise unevaluated), since evaluating it would
    compare every pair of inequalities: about 1 ms per window entry.
    """
    wk = window[k - 1]
    conditions = []
    for j, wj in enumerate(window, start=1):
        if j == k:
            continue
        if wk.sort_key() <= wj.sort_key():
            conditions.append((StrictGreaterThan if j < k else GreaterThan)(wk, wj, evaluate=False))
        else:
            conditions.append((StrictLessThan if j < k else LessThan)(wj, wk, evaluate=False))
    if not conditions:
        return Integer(1)
    return Piecewise((S.One, And(*conditions)), (S.Zero, S.true), evaluate=False)


def pool_windows(layer: Pool, shape_in: Shape, shape_out: Shape) -> list[list[tuple[int, int, int]]]:
    """For each output entry (row-major), the flat input positions of its window in row-major order,
    with the window position (1-based, row-major over the full window) of each; padding left out."""
    c_n, h, w = shape_in
    _, ho, wo = shape_out
    (kh, kw), (sh, sw), (ph, pw) = layer.window, layer.stride, layer.padding
    windows = []
    for c, r, s in product(range(c_n), range(ho), range(wo)):
        cells = []
        for p, q in product(range(kh), range(kw)):
            i, j = r * sh + p - ph, s * sw + q - pw
            if 0 <= i < h and 0 <= j < w:
                cells.append(((c * h + i) * w + j, p, q))
        windows.append(cells)
    return windows


def pool_rules(layer: Pool, shape_in: Shape, shape_out: Shape, inp, out, g):
    """Pooling over each window W (padding left out; average divides by the full window, as PyTorch).

    avg: A = (1/(kh kw)) sum_W I,  dL/dI = sum over windows holding I of g / (kh kw)
    max: A = max_W I,             dL/dI = sum over windows holding I of g [I is the window's first maximum]
    l2:  A = sqrt(sum_W I^2),      dL/dI = sum over windows holding I of g I / A
    """
    windows = pool_windows(layer, shape_in, shape_out)
    size = layer.window[0] * layer.window[1]
    forward = []
    for cells in windows:
        entries = [inp[n] for n, _, _ in cells]
        if layer.kind == "avg":
            forward.append(Rational(1, size) * Add(*entries))
        elif layer.kind == "max":
            forward.append(Max(*entries))
        else:
            forward.append(sqrt(Add(*(e**2 for e in entries))))
    if g is None:
        return forward, None
    terms: list[list] = [[] for _ in inp]
    for o, n, local in pool_local(layer, windows, inp, out):
        terms[n].append(g[o] * local)
    return forward, [Add(*t) for t in terms]


def pool_local(layer: Pool, windows: list[list[tuple[int, int, int]]], inp, out) -> list[tuple[int, int, object]]:
    """(output entry, input entry, dA/dI) for every input entry of every window: the local derivatives.

    avg: 1 / (kh kw);  max: [I is the window's first maximum];  l2: I / A.
    """
    size = layer.window[0] * layer.window[1]
    local = []
    for o, cells in enumerate(windows):
        window = [inp[n] for n, _, _ in cells]
        for k, (n, _, _) in enumerate(cells, start=1):
            if layer.kind == "avg":
                local.append((o, n, Rational(1, size)))
            elif layer.kind == "max":
                local.append((o, n, switch(k, window)))
            else:
                local.append((o, n, inp[n] / out[o]))
    return local


def flatten_order(order: str, shape_in: Shape) -> list[int]:
    """Flat (row-major) input positions in the order the vector lists them.

    column: vec of each channel (down the columns), channels stacked; row: as PyTorch's flatten.
    """
    c_n, h, w = shape_in
    if order == "row":
        return list(range(c_n * h * w))
    return [(c * h + i) * w + j for c in range(c_n) for j in range(w) for i in range(h)]


def flatten_rules(order: str, shape_in: Shape, inp, g):
    """a_n = I[position n]; dL/dI[position n] = g_n: flatten only moves entries."""
    positions = flatten_order(order, shape_in)
    forward = [inp[n] for n in positions]
    if g is None:
        return forward, None
    backward = [Integer(0)] * len(inp)
    for k, n in enumerate(positions):
        backward[n] = g[k]
    return forward, backward


def dense_tables(n_out: int, n_in: int, a: int, w: int, b: int | None, g: int) -> dict:
    """Term tables of z = W a + b (W is n_out x n_in), as global symbol positions, in written order.

    z_o = b_o + sum_i W_{o,i} a_i;  dL/dW_{o,i} = g_o a_i;  dL/da_i = sum_o g_o W_{o,i};  dL/db_o = g_o.
    """
    bias = lambda o: [(b + o, -1)] if b is not None else []
    return {
        "forward": [bias(o) + [(w + o * n_in + i, a + i) for i in range(n_in)] for o in range(n_out)],
        "dW": [[(g + o, a + i)] for o in range(n_out) for i in range(n_in)],
        "da": [[(g + o, w + o * n_in + i) for o in range(n_out)] for i in range(n_in)],
        "db": [[(g + o, -1)] for o in range(n_out)],
    }


def softmax_rules(f, p, t, loss_symbol, backward: bool = False):
    """p_k = exp(f_k) / sum_j exp(f_j), L = -sum_k t_k log p_k; backward: dL/df_k = p_k - t_k.

    The backward step holds because sum_k t_k = 1 for a one-hot target: dL/df_k = -t_k + p_k sum_j t_j.
    """
    if backward:
        return [pk - tk for pk, tk in zip(p, t)]
    total = Add(*(exp(fj) for fj in f))
    return [exp(fk) / total for fk in f], -Add(*(tk * log(pk) for tk, pk in zip(t, p)))
