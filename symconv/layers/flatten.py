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
from .base import DocStep, Exercise, Layer, Shape, Step, Words, Work, image

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
        # the index map is the walk's (where the forward pass goes through the layer): here the tensor form alone
        return [rf"{step.symbol('out')} &= {how}({step.symbol('in')})",
                rf"{step.delta('in')} &= {how}^{{-1}}({step.delta('out')})"]

    def index_map(self, step: DocStep, numbers: bool = False) -> str:
        """Where entry (r, s) of channel m lands in the vector, in the symbols n_h and n_w of a channel's rows and
        columns (this one's beside it; subscripts h, w are rows and columns throughout): column-major
        a_{n_h n_w (m-1) + n_h (s-1) + r} = a^{(m)}_{r,s}; row-major (PyTorch's) a_{n_h n_w (m-1) + n_w (r-1) + s}.
        With `numbers`, this layer's sizes put in (the walk's line: 4 (m - 1) + 2 (r - 1) + s)."""
        return self._index_line(step, numbers)[0]

    def _index(self, step: DocStep, numbers: bool) -> str:
        c_n, h, w = step.shape_in
        H, W = ("n_h", "n_w") if not numbers else (str(h), str(w))
        slow, fast, along = ("s", "r", H) if self.order == "column" else ("r", "s", W)
        size = f"{H} {W}" if not numbers else str(h * w)
        index = (f"{size} (m - 1) + " if c_n > 1 else "") + (f"{along} ({slow} - 1) + {fast}" if along != "1" else fast)
        return index

    def _index_line(self, step: DocStep, numbers: bool) -> tuple[str, str]:
        """The forward index map and the backward one (the gradient moves back to its entry's place)."""
        c_n, h, w = step.shape_in
        (out, out_sup), (inp, in_sup) = step.entry("out"), step.entry("in", "m" if c_n > 1 else "")
        index = self._index(step, numbers)
        sup_out = f"^{{{out_sup}}}" if out_sup else ""
        sup_in = f"^{{{in_sup}}}" if in_sup else ""
        size = "" if numbers else rf" \quad (n_h \times n_w = {h} \times {w})"
        forward = rf"{latex_base(out)}{sup_out}_{{{index}}} &= {latex_base(inp)}{sup_in}_{{r,s}}{size}"
        # the gradient it gives written dL/da, as every layer's entry writes it; the upstream one delta (review r8 defect 7)
        backward = rf"\partial L / \partial {latex_base(inp)}{sup_in}_{{r,s}} &= {step.delta('out')}_{{{index}}}"
        return forward, backward

    def words(self, step: DocStep) -> Words:
        order = ("each channel column by column (PyTorch's flatten goes row by row: the same entries in another "
                 "order)" if self.order == "column" else
                 "each channel row by row, as PyTorch's flatten does")
        forward, backward = self._index_line(step, numbers=False)
        if step.number is not None:  # the walk's line says the size in words before it
            forward = forward.split(r" \quad")[0]
            c_n, h, w = step.shape_in
            how = "row by row" if self.order == "row" else "column by column"
            lead = (f"Each channel's $n_h \\times n_w$ entries (${h} \\times {w}$ here) are listed {how}"
                    + (", channel after channel:" if c_n > 1 else ":"))
        else:
            lead = ""
        return Words(lead, {"in": "It only moves entries, so each gradient moves back to its entry's place:"
                          if step.number is not None else
                          f"Flattening lists {order}; it only moves entries, so each gradient moves back to "
                          "its entry's place."},
                     formulas={"out": [forward], "in": [backward]} if step.number is not None else {})

    def exercises(self, step: DocStep) -> list[Exercise]:
        """In a network's sheet: where one entry of the last channel (its first row, last column) lands in the
        vector, and so where its gradient comes from (review r10 item 3: the sheet had no task on a flatten)."""
        if step.number is None or len(step.shape_in) != 3:
            return []
        c_n, h, w = step.shape_in
        m, r, s = c_n, 1, w
        k = flatten_order(self.order, step.shape_in).index(((m - 1) * h + (r - 1)) * w + (s - 1)) + 1
        (out, out_sup), (inp, in_sup) = step.entry("out"), step.entry("in", str(m) if c_n > 1 else "")
        a_in = latex_base(inp) + (f"^{{{in_sup}}}" if in_sup else "") + f"_{{{r},{s}}}"
        a_out = latex_base(out) + (f"^{{{out_sup}}}" if out_sup else "") + f"_{{{k}}}"
        d_out = step.delta("out")
        d_k = (d_out + f"_{{{k}}}") if not d_out.startswith(r"\frac") else rf"\frac{{\partial L}}{{\partial {a_out}}}"
        # the index map's sum, this entry's numbers put in: the channels before it, the rows (or columns) before it
        before = [f"{h * w} \\cdot {m - 1}"] if c_n > 1 else []
        before.append(f"{w} \\cdot {r - 1} + {s}" if self.order == "row" else f"{h} \\cdot {s - 1} + {r}")
        how = "row by row" if self.order == "row" else "column by column"
        rule = self._index(step, numbers=False)
        return [Exercise(
            f"(Layer {step.number}.) Which entry of ${step.symbol('out')}$ is ${a_in}$? Write "
            f"$\\partial L / \\partial {a_in}$ in terms of ${d_out}$.",
            [rf"{a_out} &= {a_in}", rf"\frac{{\partial L}}{{\partial {a_in}}} &= {d_k}"],
            f"The layer lists each channel's entries {how}" + (", channel after channel" if c_n > 1 else "")
            + f": entry $(r, s)$" + (" of channel $m$" if c_n > 1 else "") + f" is entry ${rule}$ of the vector "
            f"($n_h \\times n_w = {h} \\times {w}$, a channel's size), here ${' + '.join(before)} = {k}$. It only moves entries, so the gradient of ${a_in}$ is that of the "
            "entry it became.", 2, layer=step.number)]

