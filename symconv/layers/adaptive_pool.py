"""Adaptive average and max pooling (PyTorch's AdaptiveAvgPool2d and AdaptiveMaxPool2d) to a given output size.

Output row r (0-based) of h reads input rows floor(r H / h) to ceil((r + 1) H / h) - 1, likewise the columns:
where h does not divide H the windows differ in size and may overlap.
avg: A = (1/|W|) sum_W I,  dL/dI = sum over windows holding I of g / |W|
max: A = max_W I,          dL/dI = sum over windows holding I of g [I is the window's first maximum]
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import ClassVar

from sympy import Add, Max, Rational

from ..figure import MAX_CELLS, Grid, Label, example_values
from ..spec import SpecError, as_pair, fmt_pair, shown
from ..words import entry, size
from .base import DocStep, Layer, Shape, Step, Words, Work, image
from .pool import switch

KINDS = ("avg", "max")
NAMES = {"avg": "average", "max": "max"}


def bins(n: int, m: int) -> list[tuple[int, int]]:
    """The m windows of an axis of n entries, as PyTorch's adaptive pooling: (start, end), 0-based, end
    excluded; start = floor(r n / m), end = ceil((r + 1) n / m)."""
    return [((r * n) // m, -(-((r + 1) * n) // m)) for r in range(m)]


@dataclass(frozen=True)
class AdaptivePool(Layer):
    """Average or max pooling to output_size (h, w), whatever the input's size, with PyTorch's windows."""

    kind: str
    output_size: tuple[int, int]
    fixed: ClassVar[tuple[str, ...]] = ("kind",)
    SECONDS_PER_TERM: ClassVar[dict[str, float]] = {"avg": 2e-4, "max": 2e-3}

    @property
    def type(self) -> str:  # type: ignore[override]
        return f"adaptive_{self.kind}pool"

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in KINDS:
            raise SpecError(f"adaptive pooling {shown(self.kind)} is not known: use one of {', '.join(KINDS)}")
        out = as_pair(self.output_size, "output_size")
        if min(out) < 1:
            raise SpecError(f"output_size {fmt_pair(out)} is not valid: each value must be 1 or more")
        object.__setattr__(self, "output_size", out)

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        return (image(shape, self.type)[0], *self.output_size)

    def work(self, shape: Shape) -> Work:
        """A term per window cell, forward and backward."""
        c, h, w = shape
        rows = sum(e - s for s, e in bins(h, self.output_size[0]))
        cols = sum(e - s for s, e in bins(w, self.output_size[1]))
        return Work.of(2 * c * rows * cols, self.SECONDS_PER_TERM[self.kind])

    def windows(self, shape_in: Shape) -> list[list[int]]:
        """Per output entry (row-major, channels first), the flat input positions of its window, row-major."""
        c_n, h, w = shape_in
        rows, cols = bins(h, self.output_size[0]), bins(w, self.output_size[1])
        return [[(c * h + i) * w + j for i in range(*rows[r]) for j in range(*cols[s])]
                for c, r, s in product(range(c_n), range(len(rows)), range(len(cols)))]

    # -- the derivation --
    def forward(self, step: Step) -> dict:
        windows = step.cache["windows"] = self.windows(step.shape_in)
        if self.kind == "avg":
            return {"out": [Rational(1, len(cells)) * Add(*(step.inp[n] for n in cells)) for cells in windows]}
        return {"out": [Max(*(step.inp[n] for n in cells)) for cells in windows]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """(output entry, input entry, dA/dI): 1 / |W| for the average, the switch for the max."""
        windows = step.cache.get("windows") or self.windows(step.shape_in)
        local = []
        for o, cells in enumerate(windows):
            window = [step.inp[n] for n in cells]
            for k, n in enumerate(cells, start=1):
                local.append((o, n, Rational(1, len(cells)) if self.kind == "avg" else switch(k, window)))
        return local

    def backward(self, step: Step) -> dict:
        terms: list[list] = [[] for _ in step.inp]
        for o, n, local in self.local_jacobian(step):
            terms[n].append(step.upstream[o] * local)
        return {"in": [Add(*t) for t in terms]}

    # -- the independent references --
    def numpy_forward(self, np, a, params: dict):
        """The windows by PyTorch's formulas in floating point: floor(r H / h) to ceil((r + 1) H / h)."""
        c, h, w = a.shape
        oh, ow = self.output_size
        span = lambda r, n, m: range(int(np.floor(r * n / m)), int(np.ceil((r + 1) * n / m)))
        cells = {(r, s): (span(r, h, oh), span(s, w, ow)) for r in range(oh) for s in range(ow)}
        out = np.zeros((c, oh, ow))
        for (r, s), (rows, cols) in cells.items():
            block = a[:, rows.start:rows.stop, cols.start:cols.stop].reshape(c, -1)
            out[:, r, s] = block.mean(axis=1) if self.kind == "avg" else block.max(axis=1)
        return out, cells

    def numpy_backward(self, np, g, a, y, params: dict, cells):
        gx = np.zeros_like(a)
        for (r, s), (rows, cols) in cells.items():
            block = a[:, rows.start:rows.stop, cols.start:cols.stop].reshape(a.shape[0], -1)
            share = np.zeros_like(block)
            if self.kind == "avg":
                share[:] = 1 / block.shape[1]
            else:
                share[np.arange(block.shape[0]), block.argmax(axis=1)] = 1  # the first maximum, row-major
            gx[:, rows.start:rows.stop, cols.start:cols.stop] += (g[:, r, s, None] * share).reshape(
                a.shape[0], len(rows), len(cols))
        return gx, {}

    def torch_forward(self, torch, a, params: dict):
        F = torch.nn.functional
        pool = F.adaptive_avg_pool2d if self.kind == "avg" else F.adaptive_max_pool2d
        return pool(a[None], self.output_size)[0]

    # -- words and figures --
    def describe(self) -> str:
        return f"adaptive {NAMES[self.kind]} pooling to {size(*self.output_size)}"

    def _ranges(self, shape_in: Shape) -> tuple[str, bool]:
        """The windows' rows and columns in words (1-based, inclusive), and whether they are uneven."""
        _, h, w = shape_in
        said, uneven = [], False
        for what, n, m in (("rows", h, self.output_size[0]), ("columns", w, self.output_size[1])):
            spans = bins(n, m)
            uneven |= len({e - s for s, e in spans}) > 1 or any(spans[k][1] > spans[k + 1][0] for k in range(m - 1))
            said.append(f"{what} " + ", ".join(f"{s + 1}" if e - s == 1 else f"{s + 1} to {e}" for s, e in spans))
        return "; ".join(said), uneven

    def rules(self, step: DocStep) -> list[str]:
        _, h, w = step.shape_in
        oh, ow = self.output_size
        a, z = step.symbol("out"), step.symbol("in")
        d, d_in = rf"\bigl({step.delta('out')}\bigr)", rf"\bigl({step.delta('in')}\bigr)"
        holding = r"\sum_{(r,s):\ (i,j) \in \Omega_{r,s}}"
        window = (rf"\Omega_{{r,s}} &= \Big\{{(i,j) : \Big\lfloor \frac{{(r - 1) \cdot {h}}}{{{oh}}} \Big\rfloor < i \le "
                  rf"\Big\lceil \frac{{r \cdot {h}}}{{{oh}}} \Big\rceil,\ \Big\lfloor \frac{{(s - 1) \cdot {w}}}{{{ow}}} \Big\rfloor "
                  rf"< j \le \Big\lceil \frac{{s \cdot {w}}}{{{ow}}} \Big\rceil \Big\}}")
        if self.kind == "avg":
            return [window, rf"{a}_{{r,s}} &= \frac{{1}}{{|\Omega_{{r,s}}|}} \sum_{{(i,j) \in \Omega_{{r,s}}}} {z}_{{i,j}}",
                    rf"{d_in}_{{i,j}} &= {holding} \frac{{{d}_{{r,s}}}}{{|\Omega_{{r,s}}|}}"]
        return [window, rf"{a}_{{r,s}} &= \max_{{(i,j) \in \Omega_{{r,s}}}} {z}_{{i,j}}",
                rf"{d_in}_{{i,j}} &= {holding} {d}_{{r,s}}\, \mathbb{{1}}\big[(i,j) \text{{ is the first maximum of }} "
                rf"\Omega_{{r,s}}\big]"]

    def words(self, step: DocStep) -> Words:
        _, h, w = step.shape_in
        oh, ow = self.output_size
        ranges, uneven = self._ranges(step.shape_in)
        bins_said = (rf"The output has {size(oh, ow)} entries whatever the input's size: output row $r$ reads input rows "
                     rf"$\lfloor (r - 1) H / h \rfloor + 1$ to $\lceil r H / h \rceil$ with $H = {h}$, $h = {oh}$ "
                     rf"(PyTorch's bins), and likewise the columns with $W = {w}$, $w = {ow}$. Here the windows span "
                     f"{ranges}" + (": they are uneven, and where a division leaves a remainder neighbouring windows "
                                    "share a row or column." if uneven else ", all of one size."))
        forward = {"avg": "Each output entry is the mean of its window, whose size varies from window to window. ",
                   "max": "Each output entry is the largest entry of its window. "}[self.kind] + bins_said
        backward = {"avg": r"Every entry of a window gets the window's upstream gradient divided by that window's size "
                           r"$|\Omega_{r,s}|$; an entry in two windows adds what each sends.",
                    "max": "The window's upstream gradient goes to its first maximum in reading order (row by row, left "
                           "to right), as PyTorch computes; an entry in two windows can receive from both."}[self.kind]
        return Words(forward, {"in": backward})

    def objectives(self) -> list[str]:
        return ["find adaptive pooling's windows from the input and output sizes, and send each window's gradient "
                "back through them"]

    def figures(self, step: DocStep) -> dict[str, list[Grid]]:
        grid = self._windows_figure(step)
        return {"out": [grid]} if grid is not None else {}

    def _windows_figure(self, step: DocStep) -> Grid | None:
        """Channel 1 of the input with the uneven windows shaded as a checkerboard (cells two windows share
        marked), from the same windows as the derivation; max pooling's with example values and switches."""
        _, h, w = step.shape_in
        if h > MAX_CELLS or w > MAX_CELLS:
            return None
        oh, ow = self.output_size
        windows = self.windows((1, h, w))
        held: dict[int, set[int]] = {n: set() for n in range(h * w)}
        for number, cells in enumerate(windows):
            for n in cells:
                held[n].add(number)
        role = {}
        for n, numbers in held.items():
            colours = {"window" if (k // ow + k % ow) % 2 == 0 else "second" for k in numbers}
            role[n] = "cell" if not numbers else "both" if len(numbers) > 1 else colours.pop()
        values = example_values(h, w)
        if self.kind == "max":
            for cells in windows:
                role[max(cells, key=lambda n: (values[n], -cells.index(n)))] = "chosen"
        letter, sup = step.entry("in")
        cells = tuple((n // w, n % w, Label(str(values[n]), "") if self.kind == "max"
                       else Label(letter, f"{n // w + 1},{n % w + 1}", sup), role[n]) for n in range(h * w))
        legend = [("window", "a window"), ("second", "the next window")]
        if any(r == "both" for r in role.values()):
            legend.append(("both", "in two or more windows"))
        if self.kind == "max":
            legend.append(("chosen", "a switch: its window's first maximum"))
        which = "this layer" if step.number is None else f"layer {step.number}"
        ranges, _ = self._ranges(step.shape_in)
        out_letter, out_sup = step.entry("out")
        example = entry(out_letter, out_sup, 1, 1)
        caption = (f"The {oh * ow} windows of {which}, adaptive pooling from {size(h, w)} to {size(oh, ow)}"
                   + (" (channel 1)" if step.shape_in[0] > 1 else "") + f": {ranges}; {example} reads the top-left one. "
                   + ("Each entry of a window receives the window's upstream gradient divided by that window's size."
                      if self.kind == "avg" else "At these example values each window's gradient goes to its marked "
                      "entry, the first maximum in reading order; where a switch lies in two windows it gets both."))
        return Grid(f"adaptive-layer-{step.number or 1}", h, w, cells, caption, tuple(legend),
                    "the uneven windows of adaptive pooling")
