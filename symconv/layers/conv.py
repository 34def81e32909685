"""The convolution layer: fields, shapes, term tables, references and size; what its documents show
is in conv_document.py beside it.

Y[m,r,s] = b[m] + sum over taps of X[c,i,j] K[m,c,p,q], where (r, p, i) and (s, q, j) are the row and
column taps of the index map: i = r s_h + p d_h - p_h (likewise j), inside the input.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from itertools import product
from typing import ClassVar

from ..figure import Grid
from ..indexmap import IndexMap, group
from ..spec import CONVENTIONS, PADDING_MODES, PADDING_WORDS, ConvSpec, as_padding, as_pair, check_bias, check_choice, check_groups, whole
from ..words import plural, size, spacing
from . import conv_document as document
from .base import BYTES_PER_PRODUCT, SECONDS_PER_PRODUCT, DocStep, Exercise, Layer, Param, Shape, Step, Table, Words, Work, image


def term_tables(spec: ConvSpec, offset: dict[str, int], output: tuple[int, int] | None = None
                ) -> dict[str, list[list[tuple[int, int]]]]:
    """Per derived tensor, per entry, its terms as pairs of global symbol positions, in written order.

    Y[m,r,s] = b[m] + sum over taps of X[c,i,j] K[m,c,p,q]         (input before kernel)
    dL/dK[m,c,p,q] = sum_{r,s} G[m,r,s] X[c,i,j]                    (upstream first)
    dL/dX[c,i,j] = sum over (m, r, s) reading it of G[m,r,s] K[m,c,p,q]
    dL/db[m] = sum_{r,s} G[m,r,s]
    where G = dL/dY, and (r, p, i), (s, q, j) range over the row and column taps of the index map.
    With groups, c runs over the input channels of m's group and the kernel holds C_in / g of them.
    `output` overrides the output's size (a transposed convolution's input, which output padding may
    leave smaller than the convolution's own output).
    """
    index = IndexMap(spec, output)
    c_in, c_out, n_in = spec.in_channels, spec.out_channels, spec.in_per_group
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, output or spec.output
    X, K, G = offset["X"], offset["K"], offset["dL/dY"]
    # Flat positions split into per-axis parts, computed once per tap rather than once per term:
    # a row tap (r, p, i) adds (r wo, krow(p) kw, i w) to the (G, K, X) positions, a column tap
    # (s, q, j) adds (s, kcol(q), j); the kernel part is the stored (flipped, for convolution) entry.
    row_part = lambda tap: (tap[0] * wo, index.kernel_row(tap[1]) * kw, tap[2] * w)
    col_part = lambda tap: (tap[0], index.kernel_col(tap[1]), tap[2])
    grouped = lambda taps, by, size, part: [[part(t) for t in g] for g in group(taps, by, size)]
    # The input channels output channel m reads, and its kernels, in the same order.
    x_base = [[X + (spec.group_of(m) * n_in + c) * h * w for c in range(n_in)] for m in range(c_out)]
    k_base = [[K + (m * n_in + c) * kh * kw for c in range(n_in)] for m in range(c_out)]
    g_base = [G + m * ho * wo for m in range(c_out)]

    rows_by_r, cols_by_s = grouped(index.rows, 0, ho, row_part), grouped(index.cols, 0, wo, col_part)
    cols_by_s = [[(xc, kc) for (_, kc, xc) in taps] for taps in cols_by_s]
    forward = []
    for m, r in product(range(c_out), range(ho)):
        bias = [(offset["b"] + m, -1)] if spec.bias else []
        # The (X, K) positions of output row r's taps in every input channel, then each column's.
        row = [(xb + xr, kb + kr) for xb, kb in zip(x_base[m], k_base[m]) for (_, kr, xr) in rows_by_r[r]]
        for s in range(wo):
            forward.append(bias + [(xa + xc, ka + kc) for xa, ka in row for xc, kc in cols_by_s[s]])

    rows_by_p, cols_by_q = grouped(index.rows, 1, kh, row_part), grouped(index.cols, 1, kw, col_part)
    cols_by_q = [[(gc, xc) for (gc, _, xc) in taps] for taps in cols_by_q]
    grad_k: list = [None] * (c_out * n_in * kh * kw)
    for m, c, p in product(range(c_out), range(n_in), range(kh)):
        gb, xb = g_base[m], x_base[m][c]
        row = [(gb + gr, xb + xr) for (gr, _, xr) in rows_by_p[p]]
        for q in range(kw):
            # The tap (p, q) reads the stored kernel entry (krow(p), kcol(q)): flipped for convolution.
            position = k_base[m][c] + index.kernel_row(p) * kw + index.kernel_col(q)
            grad_k[position - K] = [(ga + gc, xa + xc) for ga, xa in row for gc, xc in cols_by_q[q]]

    rows_by_i, cols_by_j = grouped(index.rows, 2, h, row_part), grouped(index.cols, 2, w, col_part)
    n_out = spec.out_per_group  # input channel c reaches the output channels of its group
    readers = lambda c: range(c // n_in * n_out, (c // n_in + 1) * n_out)
    cols_by_j = [[(gc, kc) for (gc, kc, _) in taps] for taps in cols_by_j]
    grad_x = []
    for c, i in product(range(c_in), range(h)):
        row = [(g_base[m] + gr, k_base[m][c % n_in] + kr) for m in readers(c) for (gr, kr, _) in rows_by_i[i]]
        grad_x.extend([(ga + gc, ka + kc) for ga, ka in row for gc, kc in cols_by_j[j]] for j in range(w))
    tables = {"Y": forward, "dL/dX": grad_x, "dL/dK": grad_k}
    if spec.bias:
        tables["dL/db"] = [[(g_base[m] + r * wo + s, -1) for r in range(ho) for s in range(wo)] for m in range(c_out)]
    return tables


# the bias's part of a convolution's objective (document._unbiased takes it out again)
BIAS_OBJECTIVE = ", and the bias's as the sum of the upstream gradient's entries"


@dataclass(frozen=True)
class Conv(Layer):
    """A convolution layer (see ConvSpec): out_channels kernels of kernel size."""

    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    # As PyTorch's Conv2d takes it: a pair (both sides alike), "same", "valid", or ((top, bottom), (left, right)).
    padding: tuple[int, int] | str | tuple[tuple[int, int], tuple[int, int]] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    bias: bool = False
    convention: str = "correlation"
    groups: int = 1
    padding_mode: str = "zeros"  # PyTorch's: zeros, reflect, replicate or circular
    type: ClassVar[str] = "conv"
    kernel_slides: ClassVar[bool] = True
    later_fields: ClassVar[dict[str, object]] = {"padding_mode": "zeros"}

    def __post_init__(self) -> None:
        for attr in ("kernel", "stride", "dilation"):
            object.__setattr__(self, attr, as_pair(getattr(self, attr), attr, single=attr != "kernel"))
        span = tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel))
        start, end = as_padding(self.padding, span, self.stride)  # "same" with a stride, a bad value: refused here
        word = self.padding.strip().lower() if isinstance(self.padding, str) else None
        sides = ((start[0], end[0]), (start[1], end[1]))
        padding = word if word in PADDING_WORDS else start if start == end else sides
        object.__setattr__(self, "padding", padding)
        whole(self.out_channels, "out_channels")
        check_bias(self.bias)
        check_choice(self.convention, "convention", CONVENTIONS)
        check_groups(self.groups, self.groups, self.out_channels)  # the input's channels are checked with it
        check_choice(self.padding_mode, "padding_mode", PADDING_MODES)  # against the input's size in conv_spec

    @classmethod
    def of_spec(cls, spec: ConvSpec) -> Conv:
        """The layer a single-layer spec describes (its input shape aside)."""
        padding = spec.padding if spec.symmetric else tuple(zip(spec.padding, spec.end_padding))
        return cls(spec.out_channels, spec.kernel, spec.stride, padding, spec.dilation, spec.bias, spec.convention,
                   spec.groups, spec.padding_mode)

    def conv_spec(self, shape: Shape) -> ConvSpec:
        c, h, w = image(shape, "conv")
        return ConvSpec(input=(h, w), kernel=self.kernel, in_channels=c, out_channels=self.out_channels,
                        stride=self.stride, padding=self.padding, dilation=self.dilation, bias=self.bias,
                        convention=self.convention, groups=self.groups, padding_mode=self.padding_mode)

    def figure_entry(self, shape: Shape) -> int | None:
        spec = self.conv_spec(shape)
        picked = document.figure_entry(spec)
        return None if picked is None else picked[0] * spec.input[1] + picked[1]

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        return (self.out_channels, *self.conv_spec(shape).output)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        kernel = Param("K", "k", "kernel", (self.out_channels, shape[0] // self.groups, *self.kernel), "kernel", lead=2,
                       axes=("output channel", "input channel of its group" if self.groups > 1 else "input channel"))
        return (kernel, Param("b", "b", "bias", (self.out_channels,), "bias")) if self.bias else (kernel,)

    def work(self, shape: Shape) -> Work:
        """3 products per tap (Y, dL/dK, dL/dX), and a bias term per output in Y and in dL/db."""
        spec = self.conv_spec(shape)
        products = 3 * IndexMap(spec).products
        bias = 2 * self.out_channels * spec.output[0] * spec.output[1] if self.bias else 0
        return Work.of(products + bias, SECONDS_PER_PRODUCT, BYTES_PER_PRODUCT, products)

    # -- the derivation --
    def forward(self, step: Step) -> dict:
        offset = {"X": step.position["in"], "K": step.position["K"], "dL/dY": step.position["upstream"]}
        if self.bias:
            offset["b"] = step.position["b"]
        tables = step.cache["tables"] = term_tables(self.conv_spec(step.shape_in), offset)
        return {"out": Table(tables["Y"])}

    def backward(self, step: Step) -> dict:
        tables = step.cache["tables"]
        out = {"in": Table(tables["dL/dX"]), "K": Table(tables["dL/dK"])}
        if self.bias:
            out["b"] = Table(tables["dL/db"])
        return out

    # -- the independent references --
    def _geometry(self, shape: Shape):
        spec = self.conv_spec(shape)
        sides = tuple(zip(spec.padding, spec.end_padding))  # ((top, bottom), (left, right))
        return self.stride, sides, self.dilation, self.convention == "convolution"

    def numpy_forward(self, np, a, params: dict):
        """Y = b + sum over taps of K[:, :, p, q] applied to the tap's slice of the padded input."""
        (sh, sw), sides, (dh, dw), flip = self._geometry(a.shape)
        rows, cols = self._reads(np, a.shape, sides)
        k = params["K"][:, :, ::-1, ::-1] if flip else params["K"]
        xp = a[:, rows[:, None], cols[None, :]] if rows is not None else np.pad(a, ((0, 0), *sides))
        kh, kw = k.shape[2:]
        ho = (xp.shape[1] - dh * (kh - 1) - 1) // sh + 1
        wo = (xp.shape[2] - dw * (kw - 1) - 1) // sw + 1
        y = np.zeros((k.shape[0], ho, wo))
        for (ms, cs), p, q in product(self._groups(k), range(kh), range(kw)):
            y[ms] += np.einsum("mc,chw->mhw", k[ms, :, p, q], self._window(xp[cs], p, q, (ho, wo)))
        if self.bias:
            y += params["b"][:, None, None]
        return y, None

    def _groups(self, k) -> list[tuple[slice, slice]]:
        """Per group, its output channels and the input channels they read."""
        n_out, n_in = k.shape[0] // self.groups, k.shape[1]
        return [(slice(g * n_out, (g + 1) * n_out), slice(g * n_in, (g + 1) * n_in)) for g in range(self.groups)]

    def _window(self, xp, p: int, q: int, out: tuple[int, int]):
        """The slice of the padded input that kernel tap (p, q) meets at every output position."""
        (ho, wo), (sh, sw), (dh, dw) = out, self.stride, self.dilation
        return xp[:, p * dh : p * dh + sh * (ho - 1) + 1 : sh, q * dw : q * dw + sw * (wo - 1) + 1 : sw]

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """dL/dK[:, :, p, q] = G against tap (p, q)'s slice; dL/dX scatters K[:, :, p, q]^T G back into it."""
        _, sides, _, flip = self._geometry(a.shape)
        (ph, _), (pw, _) = sides
        rows, cols = self._reads(np, a.shape, sides)
        k = params["K"][:, :, ::-1, ::-1] if flip else params["K"]
        xp = a[:, rows[:, None], cols[None, :]] if rows is not None else np.pad(a, ((0, 0), *sides))
        gxp, gk = np.zeros_like(xp), np.zeros_like(k)
        for (ms, cs), p, q in product(self._groups(k), range(k.shape[2]), range(k.shape[3])):
            gk[ms, :, p, q] = np.einsum("mhw,chw->mc", g[ms], self._window(xp[cs], p, q, g.shape[1:]))
            self._window(gxp[cs], p, q, g.shape[1:])[...] += np.einsum("mc,mhw->chw", k[ms, :, p, q], g[ms])
        grads = {"K": gk[:, :, ::-1, ::-1] if flip else gk}
        if self.bias:
            grads["b"] = g.sum(axis=(1, 2))
        if rows is None:
            return gxp[:, ph : ph + a.shape[1], pw : pw + a.shape[2]], grads
        gx = np.zeros_like(a)  # each padded entry's gradient goes to the entry it copies
        np.add.at(gx, (slice(None), rows[:, None], cols[None, :]), gxp)
        return gx, grads

    def _reads(self, np, shape, sides):
        """With a padding mode, the input row and column each padded row and column copies, as NumPy's own
        np.pad computes them (reflect, edge, wrap) on the indices; (None, None) for zeros."""
        if self.padding_mode == "zeros":
            return None, None
        mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[self.padding_mode]
        return tuple(np.pad(np.arange(n), side, mode=mode) for n, side in zip(shape[1:], sides))

    def torch_forward(self, torch, a, params: dict):
        """PyTorch's conv2d with the padding as PyTorch takes it: "same" and "valid" as they are (PyTorch
        splits "same" itself), a side that differs from its opposite padded first with F.pad."""
        F = torch.nn.functional
        weight = torch.flip(params["K"], dims=(2, 3)) if self.convention == "convolution" else params["K"]
        padding, x = self.padding, a[None]
        uneven = not isinstance(padding, str) and isinstance(padding[0], tuple)
        if self.padding_mode != "zeros" and not uneven:  # PyTorch's own module pads in its mode, "same" split its way
            module = torch.nn.Conv2d(a.shape[0], self.out_channels, self.kernel, self.stride, padding, self.dilation,
                                     self.groups, self.bias, self.padding_mode, dtype=a.dtype)
            return module._conv_forward(x, weight, params.get("b"))[0]
        if self.padding_mode != "zeros":  # each side its own, which nn.Conv2d does not take: F.pad in the mode
            (top, bottom), (left, right) = padding
            x, padding = F.pad(x, (left, right, top, bottom), mode=self.padding_mode), 0
        elif uneven:
            (top, bottom), (left, right) = padding
            x, padding = F.pad(x, (left, right, top, bottom)), 0
        with warnings.catch_warnings():  # "same" with an odd total: PyTorch says it pads a copy, as it should
            warnings.filterwarnings("ignore", message="Using padding='same'")
            return F.conv2d(x, weight, params.get("b"), stride=self.stride, padding=padding, dilation=self.dilation,
                            groups=self.groups)[0]

    # -- words and figures --
    def describe(self) -> str:
        extra = "".join(f", {name} {spacing(v)}" for name, v, default in (("stride", self.stride, (1, 1)),)
                        if v != default)
        extra += document.padding_words(self.padding) + (f" ({self.padding_mode})" if self.padding_mode != "zeros" else "")
        extra += "".join(f", {name} {spacing(v)}" for name, v, default in (("dilation", self.dilation, (1, 1)),)
                         if v != default)
        if self.groups > 1:
            extra += f", {self.groups} groups"
        return (f"convolution, {plural(self.out_channels, 'kernel')} of {size(*self.kernel)}{extra}"
                f"{', bias' if self.bias else ''}{', flipped kernel' if self.convention == 'convolution' else ''}")

    def objectives(self) -> list[str]:
        grouped = (["see a convolution in groups as separate convolutions, one per group, whose gradients stay inside "
                    "their group"]
                   if self.groups > 1 else [])
        return grouped + ["compute a convolution's output size from its stride, padding and dilation",
                "write each output entry as a sum of input entries times kernel entries",
                f"derive the gradients of the kernel{', the input and the bias' if self.bias else ' and the input'} by the "
                "chain rule, and recognise the kernel's as a correlation of the input with the upstream gradient, the "
                "input's as "
                + ("the full correlation of the upstream gradient with the kernel as stored, that is the full convolution "
                   "with the kernel rotated by 180 degrees" if self.convention == "convolution" else
                   "the full correlation of the upstream gradient with the kernel rotated by 180 degrees, that is the "
                   "full convolution with the kernel")
                + (BIAS_OBJECTIVE if self.bias else "")]

    def settings(self, step: DocStep) -> list[tuple[str, str]]:
        return document.settings(self.conv_spec(step.shape_in), step)

    def words(self, step: DocStep) -> Words:
        return document.words(self.conv_spec(step.shape_in), step)

    def results(self, step: DocStep, said: bool = False) -> tuple[str, list[str], str]:
        """dL/dK a correlation of the padded input with the stride-dilated upstream gradient, dL/dX the
        full correlation of that gradient with rot180(K), that is its full convolution with K; dL/db a sum."""
        return document.results(self.conv_spec(step.shape_in), step, said)

    def pads_input(self, shape_in: tuple[int, ...]) -> bool:
        return self.conv_spec(shape_in).has_padding

    def sliding_amounts(self, shape_in: tuple[int, ...]) -> tuple[tuple[int, int], ...] | None:
        spec = self.conv_spec(shape_in)
        if spec.padding_mode != "zeros" or not spec.symmetric:  # reflect, circular, each side its own: not pad_P
            return None
        return spec.stride, spec.padding, spec.dilation, spec.kernel

    def matrices_named(self, step: DocStep) -> str:
        return document.matrices_named(self.conv_spec(step.shape_in), step)

    def steps(self, step: DocStep) -> dict[str, tuple[str, list[str], str]]:
        return document.steps(self.conv_spec(step.shape_in), step.sizes)

    def general_results(self, step: DocStep) -> tuple[str, list[str], str, list[str]] | None:
        return document.general_results(self.conv_spec(step.shape_in), step)

    def general_rules(self, step: DocStep) -> tuple[str, list[str], list[str]] | None:
        return document.general_rules(self.conv_spec(step.shape_in), step)

    def in_network(self, step: DocStep) -> list[tuple[str, list[str], str]]:
        return document.in_network(self.conv_spec(step.shape_in), step)

    def rules(self, step: DocStep) -> list[str]:
        return document.rules(self.conv_spec(step.shape_in), step)

    def bias_note(self, step: DocStep) -> str:
        return document.bias_note(self.conv_spec(step.shape_in), step)

    def exercises(self, step: DocStep) -> list[Exercise]:
        return document.exercises(self.conv_spec(step.shape_in), step)

    def figures(self, step: DocStep) -> dict[str, list[Grid]]:
        return document.figures(self.conv_spec(step.shape_in), step)
