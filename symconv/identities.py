"""The closed forms of a convolution layer's gradients, performed on symbol matrices."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from sympy import Add, Matrix, zeros

from .derivation import Derivation, Tensor
from .indexmap import source


# --- the closed forms, computed by doing the operations on symbol matrices -----------------------


def channel(tensor: Tensor, *lead: int) -> Matrix:
    """The H x W matrix of a tensor at the given leading (channel) indices."""
    h, w = tensor.shape[-2:]
    base = 0
    for i, n in zip(lead, tensor.shape[:-2]):
        base = base * n + i
    values = tensor.values
    return Matrix(h, w, lambda i, j: values[(base * h + i) * w + j])


def zero_pad(m: Matrix, rows: int, cols: int, end: tuple[int, int] | None = None) -> Matrix:
    """rows zero rows above and below, cols zero columns left and right; `end` the rows below and the
    columns on the right where they differ."""
    below, right = end or (rows, cols)
    out = zeros(m.rows + rows + below, m.cols + cols + right)
    out[rows : rows + m.rows, cols : cols + m.cols] = m
    return out


def pad(m: Matrix, spec) -> Matrix:
    """The layer's padding of one channel: zeros, or the entries its padding mode copies there."""
    (top, left), (rows, cols) = spec.padding, spec.padded_input
    return Matrix(rows, cols, lambda a, b: _copied(m, spec, a, b, top, left))


def _copied(m: Matrix, spec, a: int, b: int, top: int, left: int):
    i, j = source(a - top, m.rows, spec.padding_mode), source(b - left, m.cols, spec.padding_mode)
    return m[i, j] if i is not None and j is not None else 0


def fold(padded: Matrix, spec) -> Matrix:
    """The gradient of the input from that of its padded copy: each padded entry's gradient added to the
    entry it copies (crop, for zero padding)."""
    (top, left), (h, w) = spec.padding, spec.input
    parts: dict[tuple[int, int], list] = {(i, j): [] for i in range(h) for j in range(w)}
    for a, b in product(range(padded.rows), range(padded.cols)):
        i, j = source(a - top, h, spec.padding_mode), source(b - left, w, spec.padding_mode)
        if i is not None and j is not None:
            parts[i, j].append(padded[a, b])
    return Matrix(h, w, lambda i, j: Add(*parts[i, j]))


def dilate(m: Matrix, rows: int, cols: int) -> Matrix:
    """rows - 1 zero rows and cols - 1 zero columns inserted between neighbouring entries."""
    out = zeros((m.rows - 1) * rows + 1, (m.cols - 1) * cols + 1)
    for i, j in product(range(m.rows), range(m.cols)):
        out[i * rows, j * cols] = m[i, j]
    return out


def rot180(m: Matrix) -> Matrix:
    return m[::-1, ::-1]


def correlate(image: Matrix, kernel: Matrix, step: tuple[int, int] = (1, 1), size: tuple[int, int] | None = None) -> Matrix:
    """Valid cross-correlation: out[p, q] = sum_{u,v} kernel[u, v] image[p step_h + u, q step_w + v]."""
    rows = size[0] if size else (image.rows - kernel.rows) // step[0] + 1
    cols = size[1] if size else (image.cols - kernel.cols) // step[1] + 1
    # Add(*terms) once per entry: summing one term at a time would rebuild the sum at every step.
    return Matrix(rows, cols, lambda p, q: Add(*(
        kernel[u, v] * image[p * step[0] + u, q * step[1] + v]
        for u in range(kernel.rows) for v in range(kernel.cols) if kernel[u, v] != 0)))


@dataclass(frozen=True)
class Identities:
    """The closed forms at this size, each with the intermediate matrices a student can check."""

    padded_input: dict       # c -> Xpad
    dilated_upstream: dict   # m -> G dilated by the stride
    grad_kernel: dict        # (m, c) -> corr(Xpad, G dilated), flipped back for the convolution convention
    padded_upstream: dict    # m -> G dilated by the stride and zero-padded by the kernel span - 1
    rotated_kernel: dict     # (m, c) -> the effective kernel, dilated, rotated by 180 degrees
    grad_input: dict         # c -> sum_m full convolution, cropped by the padding
    grad_bias: dict          # m -> sum of G's channel


def identities(derivation: Derivation) -> Identities:
    """dL/dK, dL/dX and dL/db of a convolution layer by the closed forms of MATH.md, performed on matrices.

    dL/dK[m,c] = Xpad[c] correlated with G[m] dilated by the stride, taps spaced by the dilation;
    dL/dX[c] = sum_m (G[m] dilated by the stride, padded by the kernel span - 1) correlated with the
    dilated kernel rotated by 180 degrees, cropped by the padding; dL/db[m] = sum of G[m].
    """
    s = derivation.spec
    (sh, sw), (dh, dw) = s.stride, s.dilation
    kh, kw = s.kernel
    span = s.kernel_span
    X, K, G = derivation["X"], derivation["K"], derivation["dL/dY"]
    xpad = {c: pad(channel(X, c), s) for c in range(s.in_channels)}
    gd = {m: dilate(channel(G, m), sh, sw) for m in range(s.out_channels)}
    grad_k, gpad, rot, grad_x = {}, {}, {}, {}
    n_in, n_out = s.in_per_group, s.out_per_group  # with groups, kernel (m, c) reads input channel m's group's c
    for m, c in product(range(s.out_channels), range(n_in)):
        corr = correlate(xpad[s.group_of(m) * n_in + c], gd[m], step=(dh, dw), size=(kh, kw))
        grad_k[m, c] = rot180(corr) if s.flipped else corr
        effective = rot180(channel(K, m, c)) if s.flipped else channel(K, m, c)
        rot[m, c] = rot180(dilate(effective, dh, dw))
    for m in range(s.out_channels):
        gpad[m] = zero_pad(gd[m], span[0] - 1, span[1] - 1)
    for c in range(s.in_channels):
        full = zeros(*s.padded_input)
        for m in range(c // n_in * n_out, (c // n_in + 1) * n_out):  # the output channels of c's group
            part = correlate(gpad[m], rot[m, c % n_in])
            full[: part.rows, : part.cols] = full[: part.rows, : part.cols] + part
        grad_x[c] = fold(full, s)
    grad_b = {m: Add(*channel(G, m)) for m in range(s.out_channels)}
    return Identities(xpad, gd, grad_k, gpad, rot, grad_x, grad_b)
