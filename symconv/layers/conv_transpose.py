"""The transposed convolution (PyTorch's ConvTranspose2d): each input entry scatters a copy of the
kernel, scaled by it, onto the output at the stride.

With the kernel K[c, o', p, q] (input channel c, output channel o' of c's group), 0-based,

    Y[o, u, v] = b[o] + sum over c, (i, p), (j, q) with u = i s_h + p d_h - p_h, v = j s_w + q d_w - p_w
                 of X[c, i, j] K[c, o', p, q],

and the output is Ho = (H - 1) s_h - 2 p_h + d_h (K_h - 1) + op_h + 1 (op: the output padding), likewise
Wo. Its index map is the convolution's with input and output swapped: the convolution of the same
kernel, stride, padding, dilation and groups from Ho x Wo (C_out channels) to H x W (C_in channels),
its adjoint. So the transposed convolution's output is that convolution's input gradient, its input
gradient is that convolution's output, and the term tables are the convolution's (conv.term_tables)
read the other way round; its documents are in conv_transpose_document.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import ClassVar

from ..figure import Grid
from ..indexmap import IndexMap
from ..spec import ConvSpec, SpecError, as_pair, check_bias, check_groups, fmt_pair, whole
from ..words import plural, size, spacing
from . import conv_transpose_document as document
from .base import BYTES_PER_PRODUCT, SECONDS_PER_PRODUCT, DocStep, Layer, Param, Shape, Step, Table, Words, Work, image
from .conv import term_tables


@dataclass(frozen=True)
class ConvTranspose(Layer):
    """A transposed convolution: out_channels, a kernel of kernel size per (input channel, output channel
    of its group), PyTorch's stride, padding, output padding, dilation and groups."""

    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    output_padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    groups: int = 1
    bias: bool = False
    type: ClassVar[str] = "conv_transpose"

    def pads_input(self, shape_in: tuple[int, ...]) -> bool:
        return any(self.padding)

    def sliding_amounts(self, shape_in: tuple[int, ...]) -> tuple[tuple[int, int], ...] | None:
        return self.stride, self.padding, self.dilation, self.kernel

    def __post_init__(self) -> None:
        for attr, least in (("kernel", 1), ("stride", 1), ("padding", 0), ("output_padding", 0), ("dilation", 1)):
            pair = as_pair(getattr(self, attr), attr, single=attr != "kernel")
            if min(pair) < least:
                raise SpecError(f"{attr} {fmt_pair(pair)} is not valid: each value must be {least} or more")
            object.__setattr__(self, attr, pair)
        whole(self.out_channels, "out_channels")
        check_bias(self.bias)
        check_groups(self.groups, self.groups, self.out_channels)  # the input's channels are checked with it
        for op, s, d in zip(self.output_padding, self.stride, self.dilation):
            if op >= max(s, d):  # PyTorch's rule: smaller than the stride or the dilation
                raise SpecError(f"output_padding {fmt_pair(self.output_padding)} is not valid: each value must be "
                                f"smaller than the stride {fmt_pair(self.stride)} or the dilation "
                                f"{fmt_pair(self.dilation)} on its axis")

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = image(shape, "conv_transpose")
        check_groups(self.groups, c, self.out_channels)
        out = tuple((n - 1) * s - 2 * p + d * (k - 1) + op + 1 for n, s, p, d, k, op in
                    zip((h, w), self.stride, self.padding, self.dilation, self.kernel, self.output_padding))
        if min(out) < 1:
            raise SpecError(f"the output would be {fmt_pair(out)} (input {fmt_pair((h, w))}, padding "
                            f"{fmt_pair(self.padding)} cropped from each side): use less padding or a larger kernel")
        return (self.out_channels, *out)

    def adjoint(self, shape: Shape) -> ConvSpec:
        """The convolution this layer transposes: from the layer's output shape to its input's."""
        _, ho, wo = self.output_shape(shape)
        return ConvSpec(input=(ho, wo), kernel=self.kernel, in_channels=self.out_channels, out_channels=shape[0],
                        stride=self.stride, padding=self.padding, dilation=self.dilation, groups=self.groups)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        kernel = Param("K", "k", "kernel", (shape[0], self.out_channels // self.groups, *self.kernel), "kernel", lead=2,
                       axes=("input channel", "output channel of its group" if self.groups > 1 else "output channel"))
        return (kernel, Param("b", "b", "bias", (self.out_channels,), "bias")) if self.bias else (kernel,)

    def work(self, shape: Shape) -> Work:
        """3 products per tap of the adjoint convolution, and a bias term per output in Y and in dL/db."""
        products = 3 * IndexMap(self.adjoint(shape), tuple(shape[1:])).products
        _, ho, wo = self.output_shape(shape)
        bias = 2 * self.out_channels * ho * wo if self.bias else 0
        return Work.of(products + bias, SECONDS_PER_PRODUCT, BYTES_PER_PRODUCT, products)

    # -- the derivation: the adjoint convolution's tables, read the other way round --
    def forward(self, step: Step) -> dict:
        # The adjoint's input is this layer's output: its gradient G stands for this layer's upstream
        # gradient; its upstream gradient stands for this layer's input.
        offset = {"X": step.position["upstream"], "K": step.position["K"], "dL/dY": step.position["in"]}
        tables = step.cache["tables"] = term_tables(self.adjoint(step.shape_in), offset, tuple(step.shape_in[1:]))
        out = tables["dL/dX"]  # x times k, input before kernel
        if self.bias:
            b, size_ = step.position["b"], step.shape_out[1] * step.shape_out[2]
            out = [[(b + n // size_, -1)] + terms for n, terms in enumerate(out)]
        return {"out": Table(out)}

    def backward(self, step: Step) -> dict:
        tables = step.cache["tables"]
        # dL/dK: the adjoint's kernel gradient, its terms x g written upstream first, g x.
        out = {"in": Table(tables["Y"]), "K": Table([[(g, x) for x, g in terms] for terms in tables["dL/dK"]])}
        if self.bias:
            _, ho, wo = step.shape_out
            g = step.position["upstream"]
            out["b"] = Table([[(g + o * ho * wo + n, -1) for n in range(ho * wo)] for o in range(self.out_channels)])
        return out

    # -- the independent references: the scatter itself, written directly --
    def _full(self, shape: Shape) -> tuple[int, int]:
        """Rows and columns the scatter reaches before the padding is cropped (and the output padding added)."""
        return tuple((n - 1) * s + d * (k - 1) + 1 + op for n, s, d, k, op in
                     zip(shape[1:], self.stride, self.dilation, self.kernel, self.output_padding))

    def _slice(self, p: int, q: int, h: int, w: int):
        """Where tap (p, q) puts the input's h x w entries in the uncropped output."""
        (sh, sw), (dh, dw) = self.stride, self.dilation
        return slice(p * dh, p * dh + sh * (h - 1) + 1, sh), slice(q * dw, q * dw + sw * (w - 1) + 1, sw)

    def _groups(self, c_in: int):
        n_in, n_out = c_in // self.groups, self.out_channels // self.groups
        return [(slice(g * n_in, (g + 1) * n_in), slice(g * n_out, (g + 1) * n_out)) for g in range(self.groups)]

    def numpy_forward(self, np, a, params: dict):
        """Each tap (p, q) adds K[:, :, p, q]^T times the input at its place; then the padding is cropped."""
        k = params["K"]
        c_in, h, w = a.shape
        (ph, pw), ho, wo = self.padding, *self.output_shape(a.shape)[1:]
        full = np.zeros((self.out_channels, *self._full(a.shape)))
        for (cs, os), p, q in product(self._groups(c_in), range(k.shape[2]), range(k.shape[3])):
            full[(os, *self._slice(p, q, h, w))] += np.einsum("co,chw->ohw", k[cs, :, p, q], a[cs])
        y = full[:, ph : ph + ho, pw : pw + wo]
        if self.bias:
            y = y + params["b"][:, None, None]
        return y, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """Each input entry gathers the upstream gradient where its taps put it, times the kernel entry."""
        k = params["K"]
        c_in, h, w = a.shape
        (ph, pw), (_, ho, wo) = self.padding, g.shape
        gfull = np.zeros((self.out_channels, *self._full(a.shape)))
        gfull[:, ph : ph + ho, pw : pw + wo] = g
        ga, gk = np.zeros_like(a), np.zeros_like(k)
        for (cs, os), p, q in product(self._groups(c_in), range(k.shape[2]), range(k.shape[3])):
            part = gfull[(os, *self._slice(p, q, h, w))]
            ga[cs] += np.einsum("co,ohw->chw", k[cs, :, p, q], part)
            gk[cs, :, p, q] = np.einsum("chw,ohw->co", a[cs], part)
        grads = {"K": gk}
        if self.bias:
            grads["b"] = g.sum(axis=(1, 2))
        return ga, grads

    def torch_forward(self, torch, a, params: dict):
        return torch.nn.functional.conv_transpose2d(a[None], params["K"], params.get("b"), stride=self.stride,
                                                    padding=self.padding, output_padding=self.output_padding,
                                                    groups=self.groups, dilation=self.dilation)[0]

    # -- words and figures --
    def describe(self) -> str:
        extra = "".join(f", {name} {spacing(v)}" for name, v in (
            ("stride", self.stride), ("padding", self.padding), ("output padding", self.output_padding),
            ("dilation", self.dilation)) if v != ((1, 1) if name in ("stride", "dilation") else (0, 0)))
        if self.groups > 1:
            extra += f", {self.groups} groups"
        return (f"transposed convolution, {plural(self.out_channels, 'output channel')}, kernel {size(*self.kernel)}"
                f"{extra}{', bias' if self.bias else ''}")

    def objectives(self) -> list[str]:
        return ["read a transposed convolution as each input entry scattering a scaled copy of the kernel, and as the "
                "transpose of a convolution's matrix",
                "recognise its input gradient as the forward pass of that convolution, and its kernel gradient as a "
                "correlation"]

    def words(self, step: DocStep) -> Words:
        return document.words(self, step)

    def rules(self, step: DocStep) -> list[str]:
        return document.rules(self, step)

    def figures(self, step: DocStep) -> dict[str, list[Grid]]:
        return document.figures(self, step)
