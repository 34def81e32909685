"""Flatten: vec of each channel (column-major, as MATH.md; or row-major, as PyTorch), channels stacked.

a_n = I[position n];  dL/dI[position n] = g_n: flatten only moves entries.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Integer

from ..spec import SpecError, shown
from ..symbols import latex_base
from .base import DocStep, Layer, Shape, Step, Words, Work, image

FLATTEN_ORDERS = ("column", "row")


def flatten_order(order: str, shape_in: Shape) -> list[int]:
    """Flat (row-major) input positions in the order the vector lists them.

    column: vec of each channel (down the columns), channels stacked; row: as PyTorch's flatten.
    """
    c_n, h, w = shape_in
    if order == "row":
        return list(range(c_n * h * w))
    return [(c * h + i) * w + j for c in range(c_n) for j in range(w) for i in range(h)]


@dataclass(frozen=True)
class Flatten(Layer):
    """vec of each channel (column-major by default, as MATH.md; row-major as PyTorch), channels stacked."""

    order: str = "column"
    type: ClassVar[str] = "flatten"
    example_output: ClassVar[bool] = False  # the numbers of its input, in a column
    example_input_gradient: ClassVar[bool] = False  # the numbers of its output's gradient, in its input's shape

    def __post_init__(self) -> None:
        if not isinstance(self.order, str) or self.order not in FLATTEN_ORDERS:
            raise SpecError(f"order {shown(self.order)} is not valid: use column (vec, the default) or row (as PyTorch)")

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = image(shape, "flatten")
        return (c * h * w,)

    def work(self, shape: Shape) -> Work:
        """Entries only move: a symbol per entry each way."""
        return Work.of(2 * prod(shape), 1e-5)

    def forward(self, step: Step) -> dict:
        return {"out": [step.inp[n] for n in flatten_order(self.order, step.shape_in)]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """A permutation: 1 at (n, position n)."""
        return [(k, n, Integer(1)) for k, n in enumerate(flatten_order(self.order, step.shape_in))]

    def backward(self, step: Step) -> dict:
        backward = [Integer(0)] * len(step.inp)
        for k, n in enumerate(flatten_order(self.order, step.shape_in)):
            backward[n] = step.upstream[k]
        return {"in": backward}

    def _fortran(self) -> str:
        return "F" if self.order == "column" else "C"

    def numpy_forward(self, np, a, params: dict):
        return np.concatenate([ch.ravel(order=self._fortran()) for ch in a]), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        c_n, h, w = a.shape
        return np.stack([g[c * h * w : (c + 1) * h * w].reshape((h, w), order=self._fortran()) for c in range(c_n)]), {}

    def torch_forward(self, torch, a, params: dict):
        return a.transpose(1, 2).reshape(-1) if self.order == "column" else a.reshape(-1)

    def describe(self) -> str:
        return "flatten, " + ("column by column (vec)" if self.order == "column" else "row by row (as PyTorch)")

    def rules(self, step: DocStep) -> list[str]:
        how = r"\operatorname{vec}" if self.order == "column" else r"\operatorname{flatten}"
        return [rf"{step.symbol('out')} &= {how}({step.symbol('in')})", self.index_map(step),
                rf"{step.delta('in')} &= {how}^{{-1}}({step.delta('out')})"]

    def index_map(self, step: DocStep) -> str:
        """Where entry (r, s) of channel m lands in the vector, in the symbols h and w of a channel's size (this one's
        beside it): column-major a_{hw(m-1) + h(s-1) + r} = a^{(m)}_{r,s}; row-major (PyTorch's) a_{hw(m-1) + w(r-1) + s}."""
        c_n, h, w = step.shape_in
        (out, out_sup), (inp, in_sup) = step.entry("out"), step.entry("in", "m" if c_n > 1 else "")
        # the channel's size in small letters: H and W are the network input's, W^{[l]} a dense layer's weights
        H, W = "h", "w"
        slow, fast, along = ("s", "r", H) if self.order == "column" else ("r", "s", W)
        index = (f"{H} {W} (m - 1) + " if c_n > 1 else "") + f"{along} ({slow} - 1) + {fast}"
        sup_out = f"^{{{out_sup}}}" if out_sup else ""
        sup_in = f"^{{{in_sup}}}" if in_sup else ""
        return (rf"{latex_base(out)}{sup_out}_{{{index}}} &= {latex_base(inp)}{sup_in}_{{r,s}} "
                rf"\quad ({H} \times {W} = {h} \times {w})")

    def words(self, step: DocStep) -> Words:
        order = ("each channel column by column (PyTorch's flatten goes row by row: the same entries in another "
                 "order)" if self.order == "column" else
                 "each channel row by row, as PyTorch's flatten does")
        return Words("", {"in": f"Flattening lists {order}; it only moves entries, so each gradient moves back to "
                                "its entry's place."})
