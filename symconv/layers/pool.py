"""Max, average and L2-norm pooling: windows, the switch, local derivatives, references, words, figure.

avg: A = (1/n) sum_W I,         dL/dI = sum over windows holding I of g / n
max: A = max_W I,             dL/dI = sum over windows holding I of g [I is the window's first maximum]
l2:  A = sqrt(sum_W I^2),      dL/dI = sum over windows holding I of g I / A
Padding is left out of every window. The average's divisor n is PyTorch's AvgPool2d's: the window's
cells inside the padded input (count_include_pad, the default: kh kw unless ceil_mode lets the last
window hang over the padding), only those inside the input (count_include_pad = false), or
divisor_override. With ceil_mode the output size rounds up, as PyTorch's, but a window must still
start inside the input or its left (top) padding. Max pooling takes PyTorch's dilation: window tap (p, q)
of output (r, s) reads padded position (r sh + p dh, s sw + q dw), the taps d apart; the output size and
the padding rule are PyTorch's (padding at most half the window kh, kw, not the dilated span).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import ClassVar

from sympy import Add, And, Integer, Max, Piecewise, Rational, S, sqrt
from sympy.core.relational import GreaterThan, LessThan, StrictGreaterThan, StrictLessThan

from ..figure import MAX_CELLS, Grid, Label, example_values
from ..words import entry, matrix_name, size, spacing
from ..indexmap import tap_count
from ..spec import LARGEST, SpecError, as_pair, fmt_pair, shown
from .base import DocStep, Layer, Shape, Step, Words, Work, image

POOL_KINDS = ("max", "avg", "l2")
NAMES = {"max": "max", "avg": "average", "l2": "L2-norm"}


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


@dataclass(frozen=True)
class Pool(Layer):
    """Max, average or L2-norm pooling over windows; the stride defaults to the window."""

    kind: str
    window: tuple[int, int]
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)
    ceil_mode: bool = False  # PyTorch's: the output size rounds up (max and average pooling)
    count_include_pad: bool = True  # average pooling: the padding counts in the divisor
    divisor_override: int | None = None  # average pooling: divide every window's sum by this
    dilation: tuple[int, int] = (1, 1)  # max pooling: the window's taps this far apart (PyTorch's MaxPool2d)
    fixed: ClassVar[tuple[str, ...]] = ("kind",)
    later_fields: ClassVar[dict[str, object]] = {"ceil_mode": False, "count_include_pad": True, "divisor_override": None,
                                                   "dilation": (1, 1)}
    # Per term: avg and l2 build a fraction or a quotient, max a switch over the whole window.
    SECONDS_PER_TERM: ClassVar[dict[str, float]] = {"avg": 2e-4, "l2": 2e-4, "max": 2e-3}

    def pads_input(self, shape_in: tuple[int, ...]) -> bool:
        return any(self.padding)

    @property
    def type(self) -> str:  # type: ignore[override]
        return f"{self.kind}pool"

    @property
    def routes_to_maximum(self) -> bool:  # type: ignore[override]
        return self.kind == "max"

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in POOL_KINDS:
            raise SpecError(f"pooling {shown(self.kind)} is not known: use one of {', '.join(POOL_KINDS)}")
        # PyTorch's one-element lists ([n] for (n, n)) and its empty stride ([]: the window) too
        window = as_pair(self.window, "window", single=True)
        stride = window if self.stride is None or (isinstance(self.stride, (list, tuple)) and not self.stride) else (
            as_pair(self.stride, "stride", single=True))
        padding = as_pair(self.padding, "padding", single=True)
        dilation = as_pair(self.dilation, "dilation", single=True)
        if min(window) < 1 or min(stride) < 1:
            raise SpecError(f"window {fmt_pair(window)} and stride {fmt_pair(stride)} must be 1 or more")
        if min(dilation) < 1:
            raise SpecError(f"dilation {fmt_pair(dilation)} is not valid: each value must be 1 or more")
        if self.kind != "max" and dilation != (1, 1):
            raise SpecError(f"dilation is a setting of max pooling (PyTorch's MaxPool2d), not of {self.type}: leave it out")
        if min(padding) < 0 or any(2 * p > k for p, k in zip(padding, window)):
            raise SpecError(f"padding {fmt_pair(padding)} is not valid: from 0 to half the window {fmt_pair(window)}")
        for attr, value in (("window", window), ("stride", stride), ("padding", padding), ("dilation", dilation)):
            object.__setattr__(self, attr, value)
        for attr in ("ceil_mode", "count_include_pad"):
            if not isinstance(getattr(self, attr), bool):
                raise SpecError(f"{attr} {shown(getattr(self, attr))} is not valid: give true or false (a boolean)")
        if self.divisor_override is not None:  # PyTorch's rule: any whole number but 0
            d = self.divisor_override
            if isinstance(d, bool) or not isinstance(d, int) or d == 0 or abs(d) > LARGEST:
                raise SpecError(f"divisor_override {shown(d)} is not valid: give a whole number other than 0 (PyTorch's "
                                "rule)")
        if self.kind != "avg" and (not self.count_include_pad or self.divisor_override is not None):
            field = "count_include_pad" if not self.count_include_pad else "divisor_override"
            raise SpecError(f"{field} is a setting of average pooling (PyTorch's AvgPool2d), not of {self.type}: "
                            "leave it out")
        if self.kind == "l2" and self.ceil_mode:
            raise SpecError("ceil_mode is not supported for l2pool (PyTorch's LPPool2d scales a partial window as a "
                            "whole one): leave it out, or use maxpool or avgpool")

    def as_fields(self) -> dict[str, object]:
        """The file's fields, each kind's own: ceil_mode for max and average pooling, count_include_pad
        and divisor_override for average pooling only."""
        out = super().as_fields()
        if self.kind != "avg":
            del out["count_include_pad"], out["divisor_override"]
        if self.kind != "max":
            del out["dilation"]
        if self.kind == "l2":
            del out["ceil_mode"]
        return out

    # -- shapes and size --
    @property
    def span(self) -> tuple[int, int]:
        """The rows and columns a window covers: d (k - 1) + 1 (the window itself without dilation)."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.window))  # type: ignore[return-value]

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = image(shape, self.type)
        padded = (h + 2 * self.padding[0], w + 2 * self.padding[1])
        if self.span[0] > padded[0] or self.span[1] > padded[1]:
            dilated = f" (dilated by {fmt_pair(self.dilation)}: {fmt_pair(self.span)})" if self.dilation != (1, 1) else ""
            raise SpecError(f"window {fmt_pair(self.window)}{dilated} is larger than the padded input {fmt_pair(padded)}")
        counts = tuple(self._count(n, k, s, p) for n, k, s, p in zip((h, w), self.span, self.stride, self.padding))
        empty_is_undefined = self.kind == "max" or (self.kind == "avg" and not self.count_include_pad
                                                     and self.divisor_override is None)
        for axis, (n, count) in enumerate(zip((h, w), counts) if empty_is_undefined else ()):
            for r in range(count):  # a window whose taps all fall in the padding has nothing to pool
                start = r * self.stride[axis] - self.padding[axis]
                taps = [start + q * self.dilation[axis] for q in range(self.window[axis])]
                if all(not 0 <= t < n for t in taps):
                    which = ("row", "column")[axis]
                    raise SpecError(f"window {fmt_pair(self.window)} with padding {fmt_pair(self.padding)} and dilation "
                                    f"{fmt_pair(self.dilation)}: output {which} {r + 1} reads only padding (PyTorch "
                                    "gives -inf or 0/0 there); use less padding or dilation")
        return (c, *counts)

    def _count(self, n: int, k: int, s: int, p: int) -> int:
        """Windows along an axis of n entries, k the window's span: floor((n + 2p - k) / s) + 1, or with
        ceil_mode the ceiling, less a last window that would start past the input and its left (top) padding
        (PyTorch's rule)."""
        if not self.ceil_mode:
            return (n + 2 * p - k) // s + 1
        out = -(-(n + 2 * p - k) // s) + 1
        return out - 1 if (out - 1) * s >= n + p else out

    def divisors(self, shape_in: Shape) -> list[int]:
        """Average pooling's divisor per output entry of one channel (row-major), as PyTorch's AvgPool2d:
        divisor_override; or the window's cells inside the padded input (count_include_pad); or its cells
        inside the input."""
        _, h, w = shape_in
        _, ho, wo = self.output_shape(shape_in)
        (kh, kw), (sh, sw), (ph, pw) = self.window, self.stride, self.padding
        if self.divisor_override is not None:
            return [self.divisor_override] * (ho * wo)
        low, high = ((-ph, -pw), (h + ph, w + pw)) if self.count_include_pad else ((0, 0), (h, w))
        inside = lambda start, k, lo, hi: sum(1 for t in range(start, start + k) if lo <= t < hi)
        return [inside(r * sh - ph, kh, low[0], high[0]) * inside(s * sw - pw, kw, low[1], high[1])
                for r in range(ho) for s in range(wo)]

    def work(self, shape: Shape) -> Work:
        """A term per window cell inside the input, forward and backward."""
        c, h, w = shape
        _, ho, wo = self.output_shape(shape)
        (kh, kw), (sh, sw), (ph, pw) = self.window, self.stride, self.padding
        (dh, dw) = self.dilation
        cells = c * tap_count(h, ho, kh, sh, ph, dh) * tap_count(w, wo, kw, sw, pw, dw)
        return Work.of(2 * cells, self.SECONDS_PER_TERM[self.kind])

    def windows(self, shape_in: Shape, shape_out: Shape) -> list[list[tuple[int, int, int]]]:
        """For each output entry (row-major), the flat input positions of its window in row-major order,
        with the window position (p, q) of each; padding left out."""
        c_n, h, w = shape_in
        _, ho, wo = shape_out
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = self.window, self.stride, self.padding, self.dilation
        windows = []
        for c, r, s in product(range(c_n), range(ho), range(wo)):
            cells = []
            for p, q in product(range(kh), range(kw)):
                i, j = r * sh + p * dh - ph, s * sw + q * dw - pw
                if 0 <= i < h and 0 <= j < w:
                    cells.append(((c * h + i) * w + j, p, q))
            windows.append(cells)
        return windows

    # -- the derivation --
    def forward(self, step: Step) -> dict:
        windows = step.cache["windows"] = self.windows(step.shape_in, step.shape_out)
        divisors = self.divisors(step.shape_in) if self.kind == "avg" else []
        per_channel = step.shape_out[1] * step.shape_out[2]
        rule = {"avg": lambda o, e: Rational(1, divisors[o % per_channel]) * Add(*e), "max": lambda o, e: Max(*e),
                "l2": lambda o, e: sqrt(Add(*(v**2 for v in e)))}[self.kind]
        return {"out": [rule(o, [step.inp[n] for n, _, _ in cells]) for o, cells in enumerate(windows)]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """(output entry, input entry, dA/dI) for every input entry of every window.

        avg: 1 / (kh kw);  max: [I is the window's first maximum];  l2: I / A.
        """
        windows = step.cache.get("windows") or self.windows(step.shape_in, step.shape_out)
        divisors = self.divisors(step.shape_in) if self.kind == "avg" else []
        per_channel = step.shape_out[1] * step.shape_out[2]
        local = []
        for o, cells in enumerate(windows):
            window = [step.inp[n] for n, _, _ in cells]
            for k, (n, _, _) in enumerate(cells, start=1):
                value = {"avg": lambda: Rational(1, divisors[o % per_channel]), "max": lambda: switch(k, window),
                         "l2": lambda: step.inp[n] / step.out[o]}[self.kind]()
                local.append((o, n, value))
        return local

    def backward(self, step: Step) -> dict:
        terms: list[list] = [[] for _ in step.inp]
        for o, n, local in self.local_jacobian(step):
            terms[n].append(step.upstream[o] * local)
        return {"in": [Add(*t) for t in terms]}

    # -- the independent references --
    def _cells(self, shape):
        """Per output entry (c, r, s), the (i, j) of its window inside the input, row-major, and its
        divisor, transcribed from PyTorch's avg_pool2d kernel: the window clipped to the padded input
        gives pool_size, then to the input."""
        c_n, h, w = shape
        (kh, kw), (sh, sw), (ph, pw) = self.window, self.stride, self.padding
        _, ho, wo = self.output_shape(shape)
        cells, divisor = {}, {}
        if self.kind == "max":  # PyTorch's max_pool2d kernel: start at the first tap inside, step by the dilation
            (dh, dw) = self.dilation
            for c, r, s in product(range(c_n), range(ho), range(wo)):
                h0, w0 = r * sh - ph, s * sw - pw
                h1, w1 = min(h0 + (kh - 1) * dh + 1, h), min(w0 + (kw - 1) * dw + 1, w)
                while h0 < 0:
                    h0 += dh
                while w0 < 0:
                    w0 += dw
                cells[c, r, s] = [(i, j) for i in range(h0, h1, dh) for j in range(w0, w1, dw)]
            return cells, divisor, (c_n, ho, wo)
        for c, r, s in product(range(c_n), range(ho), range(wo)):
            hstart, wstart = r * sh - ph, s * sw - pw
            hend, wend = min(hstart + kh, h + ph), min(wstart + kw, w + pw)
            pool_size = (hend - hstart) * (wend - wstart)
            hstart, wstart, hend, wend = max(hstart, 0), max(wstart, 0), min(hend, h), min(wend, w)
            cells[c, r, s] = [(i, j) for i in range(hstart, hend) for j in range(wstart, wend)]
            divisor[c, r, s] = (self.divisor_override or (pool_size if self.count_include_pad
                                                          else (hend - hstart) * (wend - wstart)))
        return cells, divisor, (c_n, ho, wo)

    def numpy_forward(self, np, a, params: dict):
        cells, divisor, shape = self._cells(a.shape)
        out = np.zeros(shape)
        for (c, r, s), idx in cells.items():
            vals = np.array([a[c, i, j] for i, j in idx])
            out[c, r, s] = {"avg": lambda: vals.sum() / divisor[c, r, s],  # padding counts as 0
                            "max": lambda: vals.max(), "l2": lambda: np.sqrt((vals**2).sum())}[self.kind]()
        return out, (cells, divisor)

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        cells, divisor = cache
        gx = np.zeros_like(a)
        for (c, r, s), idx in cells.items():
            vals = np.array([a[c, i, j] for i, j in idx])
            for n, (i, j) in enumerate(idx):
                local = {"avg": lambda: 1 / divisor[c, r, s], "max": lambda: float(n == int(np.argmax(vals))),
                         "l2": lambda: a[c, i, j] / y[c, r, s]}[self.kind]()
                gx[c, i, j] += g[c, r, s] * local
        return gx, {}

    def torch_forward(self, torch, a, params: dict):
        F = torch.nn.functional
        args = dict(kernel_size=self.window, stride=self.stride, padding=self.padding, ceil_mode=self.ceil_mode)
        if self.kind == "max":
            return F.max_pool2d(a[None], dilation=self.dilation, **args)[0]
        if self.kind == "avg":
            return F.avg_pool2d(a[None], count_include_pad=self.count_include_pad, divisor_override=self.divisor_override,
                                **args)[0]
        return torch.sqrt(F.avg_pool2d((a * a)[None], count_include_pad=True, **args)[0] * (self.window[0] * self.window[1]))

    # -- words and figures --
    def describe(self) -> str:
        stride = f", stride {spacing(self.stride)}" if self.stride != self.window else ""
        padding = f", padding {spacing(self.padding)}" if self.padding != (0, 0) else ""
        dilation = f", dilation {spacing(self.dilation)}" if self.dilation != (1, 1) else ""
        extra = dilation + (", ceil mode" if self.ceil_mode else "") + (
            ", padding not counted" if not self.count_include_pad and self.padding != (0, 0) else "") + (
            f", divided by {self.divisor_override}" if self.divisor_override is not None else "")
        return f"{NAMES[self.kind]} pooling, window {size(*self.window)}{stride}{padding}{extra}"

    def _divisor(self, shape_in: Shape) -> tuple[str, str]:
        """Average pooling's divisor as the rules write it (a number where every window has the same, else
        n_{r,s}) and the sentence that says what it is."""
        divisors = set(self.divisors(shape_in))
        n = self.window[0] * self.window[1]
        if self.divisor_override is not None:
            return str(self.divisor_override), (f" Every window's sum is divided by {self.divisor_override} "
                                                "(divisor_override), whatever its size.")
        counted = "the padded input" if self.count_include_pad else "the input"
        if len(divisors) == 1:
            d = divisors.pop()
            if d == n and not (self.padding != (0, 0) and not self.count_include_pad):
                return str(n), ""
            return str(d), f" Every window has ${d}$ cells inside {counted}, its divisor."
        return "n_{r,s}", (rf" The divisor $n_{{r,s}}$ is the number of cells of window $\Omega_{{r,s}}$ inside {counted}"
                           + (" (zero padding counts; the part of a window past the padding, which ceil mode "
                              "allows, does not)" if self.count_include_pad else " (padding does not count)")
                           + f", as PyTorch's AvgPool2d divides: here from {min(divisors)} to {max(divisors)}.")

    def rules(self, step: DocStep) -> list[str]:
        """Per channel: the window Omega_{r,s} of output (r, s), and what an input entry gets from each window
        that holds it."""
        # with channels, each channel m pooled alone: written with its channel, as the entries are
        m = step.example("m" if step.shape_in[0] > 1 else "")
        a, z = step.symbol("out", m), step.symbol("in", m)
        d, d_in = rf"\bigl({step.delta('out', m)}\bigr)", rf"\bigl({step.delta('in', m)}\bigr)"
        n = self._divisor(step.shape_in)[0] if self.kind == "avg" else ""
        holding = r"\sum_{(r,s):\ (i,j) \in \Omega_{r,s}}"
        forward, back = {
            "max": (rf"\max_{{(i,j) \in \Omega_{{r,s}}}} {z}_{{i,j}}",
                    rf"{holding} {d}_{{r,s}}\, \mathbb{{1}}\big[(i,j) \text{{ is the first maximum of }} \Omega_{{r,s}}\big]"),
            "avg": (rf"\frac{{1}}{{{n}}} \sum_{{(i,j) \in \Omega_{{r,s}}}} {z}_{{i,j}}", rf"{holding} \frac{{{d}_{{r,s}}}}{{{n}}}"
                    if n == "n_{r,s}" else rf"\frac{{1}}{{{n}}} {holding} {d}_{{r,s}}"),
            "l2": (rf"\Bigl(\sum_{{(i,j) \in \Omega_{{r,s}}}} ({z}_{{i,j}})^2\Bigr)^{{1/2}}",
                   rf"{holding} {d}_{{r,s}}\, \frac{{{z}_{{i,j}}}}{{{a}_{{r,s}}}}"),
        }[self.kind]
        return [rf"{a}_{{r,s}} &= {forward}", rf"{d_in}_{{i,j}} &= {back}"]

    def words(self, step: DocStep) -> Words:
        return Words(
            {"max": "Each output entry is the largest entry of its window.",
             "avg": ("Each output entry is the mean of its window" + (
                 "; zero padding counts in the mean, as PyTorch does." if self.padding != (0, 0) and self.count_include_pad
                 else "; only the window's entries inside the input count (count_include_pad false)."
                 if self.padding != (0, 0) else ".") if self.divisor_override is None else
                 "Each output entry is the sum of its window divided by a fixed number.")
             + self._divisor(step.shape_in)[1] + self._ceil_words(step.shape_in),
             "l2": "Each output entry is the square root of the sum of the squares of its window."}[self.kind]
            + (self._dilation_words() + self._ceil_words(step.shape_in) if self.kind == "max" else "")
            + self._size_words(step),
            {"in": {"max": "Only the maximal entry of a window affects its output, so the window's upstream gradient "
                           "goes to that entry alone, the switch. Where several entries tie for the maximum, only the "
                           "first of them in the window's reading order (row by row, left to right) gets it, as "
                           "PyTorch computes; its indicator says so.",
                    "avg": "Every entry of a window gets the window's upstream gradient divided by the window's divisor"
                           + (" (the same for every window)." if self._divisor(step.shape_in)[0] != "n_{r,s}" else
                              " $n_{r,s}$, so an entry near the border may get more from a smaller window."),
                    "l2": r"The derivative of $A = \sqrt{\sum_W I^2}$ with respect to an entry $I$ of its window $W$ "
                          "is $I / A$."
                    }[self.kind]},
        )

    def _size_words(self, step: DocStep) -> str:
        """The stride the window moves by and the output's size, with its arithmetic where the window has no
        padding, dilation or ceil mode."""
        _, h, w = step.shape_in
        _, ho, wo = step.shape_out
        (kh, kw), (sh, sw) = self.window, self.stride
        apart = (", so the windows do not overlap" if sh >= kh and sw >= kw else ", so neighbouring windows overlap")
        text = (f" The window moves by the stride {spacing(self.stride)}{apart}; the output has {size(ho, wo)} "
                "entries per channel")
        if self.padding == (0, 0) and self.dilation == (1, 1) and not self.ceil_mode:
            # in symbols first: a window of F_h x F_w entries moved by S_h, S_w (these are the pooling's own)
            z = step.sizes
            text = (r" For a window of $F_h \times F_w$ entries moved by the stride $S_h$, $S_w$, output entry $(r, s)$ "
                    r"reads $\Omega_{r,s} = \{(i, j) \mid S_h (r - 1) < i \le S_h (r - 1) + F_h,\ S_w (s - 1) < j \le "
                    rf"S_w (s - 1) + F_w\}}$, and an input of ${z.h} \times {z.w}$ gives "
                    rf"$\lfloor ({z.h} - F_h) / S_h \rfloor + 1$ rows and $\lfloor ({z.w} - F_w) / S_w \rfloor + 1$ "
                    "columns." + text)
            rows = rf"$\lfloor ({h} - {kh}) / {sh} \rfloor + 1 = {ho}$"
            cols = rf"$\lfloor ({w} - {kw}) / {sw} \rfloor + 1 = {wo}$"
            text += f", {rows} rows and {cols} columns" if rows != cols else f", {rows} rows and as many columns"
        return text + "."

    def _dilation_words(self) -> str:
        """What the dilation does to a window, if it has one."""
        if self.dilation == (1, 1):
            return ""
        (kh, kw), (dh, dw), (sh, sw) = self.window, self.dilation, self.span
        return (f" The window is dilated by {spacing(self.dilation)}, as PyTorch's MaxPool2d: its {kh * kw} entries are "
                f"{dh} rows and {dw} columns apart, spanning {size(sh, sw)} entries of the input, and the entries "
                "between them are not in the window.")

    def _ceil_words(self, shape_in: Shape) -> str:
        """What ceil mode changes here: the windows that hang over the input's far border, if any."""
        if not self.ceil_mode:
            return ""
        _, h, w = shape_in
        (kh, kw), (sh, sw), (ph, pw) = self.span, self.stride, self.padding
        _, ho, wo = self.output_shape(shape_in)
        over = [axis for axis, n, k, s, p, o in (("rows", h, kh, sh, ph, ho), ("columns", w, kw, sw, pw, wo))
                if (o - 1) * s + k > n + 2 * p]
        if not over:
            return " Ceil mode rounds the output size up; here every window fits, so it changes nothing."
        return (f" Ceil mode rounds the output size up, as PyTorch does: the last window of the {' and of the '.join(over)} "
                "hangs over the input's far border (each window must still start inside the input or its padding), "
                "and only its cells inside the input are read.")

    def objectives(self) -> list[str]:
        return {"max": ["send the gradient of max pooling to each window's maximum, the switch"],
                "avg": ["share the gradient of average pooling evenly over each window"],
                "l2": ["differentiate an L2-norm pooling window"]}[self.kind]

    def figures(self, step: DocStep, values: list | None = None) -> dict[str, list[Grid]]:
        """The windows figure; `values` (the worked example's input to the layer, channel 1, row-major) fill a
        max pooling's in place of its own example numbers."""
        grid = self._windows_figure(step, values)
        return {"in": [grid]} if grid is not None else {}

    def _windows_figure(self, step: DocStep, given: list | None = None) -> Grid | None:
        """Channel 1 of the layer's input with its windows shaded, from the same windows as the rules.

        Max pooling fills it with example numbers and marks each window's switch, found with the same
        rule (the first maximum in row-major order) as the derivation's; average and L2 pooling name
        the entries and say what each receives.
        """
        _, h, w = step.shape_in
        if h > MAX_CELLS or w > MAX_CELLS:
            return None
        values = example_values(h, w) if given is None else list(given)
        windows = self.windows((1, h, w), (1, *step.shape_out[1:]))
        role = {n: "cell" for n in range(h * w)}
        wo = step.shape_out[2]
        for number, cells in enumerate(windows):
            for n, _, _ in cells:
                if role[n] == "cell":  # neighbouring windows alternate, as a checkerboard of windows
                    role[n] = "window" if (number // wo + number % wo) % 2 == 0 else "second"
        which = "this layer" if step.number is None else f"layer {step.number}"
        legend = (("window", "a window"), ("second", "the next window")) if len(windows) > 1 else (("window", "the window"),)
        # one channel drawn, and the caption says which of how many (review r17 item 2)
        channel = f" (channel 1 of {step.shape_in[0]})" if step.shape_in[0] > 1 else ""
        if self.kind != "max":
            letter, sup = step.entry("in")
            cells = tuple((n // w, n % w, Label(letter, f"{n // w + 1},{n % w + 1}", sup), role[n]) for n in range(h * w))
            divisor = self._divisor(step.shape_in)[0] if self.kind == "avg" else ""
            receives = ((f"divided by the window size, ${divisor}$" if divisor == str(self.window[0] * self.window[1])
                         else f"divided by ${divisor}$" if divisor != "n_{r,s}" else
                         "divided by its divisor $n_{r,s}$, the number of its cells " + (
                             "inside the padded input" if self.count_include_pad else "inside the input"))
                        if self.kind == "avg" else "times the entry's value over the window's output")
            padding = ", entries in the zero padding left out" if self.padding != (0, 0) else ""
            overlap = (" An entry in several windows adds up what each sends."
                       if any(s < k for s, k in zip(self.stride, self.window)) else "")
            caption = (f"The windows of {which}{channel}{padding}. Each entry of a window receives the window's "
                       f"upstream gradient {receives}.{overlap}")
            return Grid(f"windows-layer-{step.number or 1}", h, w, cells, caption, legend,
                        "the windows and what each entry receives from them")
        ties = []
        for number, cells in enumerate(windows):
            best = max(cells, key=lambda cell: (values[cell[0]], -cells.index(cell)))  # first maximum, row-major
            role[best[0]] = "chosen"
            count = sum(values[n] == values[best[0]] for n, _, _ in cells)
            if count > 1:
                ties.append((number // wo + 1, number % wo + 1, values[best[0]], count))
        cells = tuple((n // w, n % w, Label(str(values[n]), ""), role[n]) for n in range(h * w))
        out_letter, out_sup = step.entry("out", "1" if step.shape_in[0] > 1 else "")  # channel 1, as the text writes it
        tied = "; ".join(f"the window of {entry(out_letter, out_sup, r, s)} has its maximum {v} in {n} entries"
                         for r, s, v, n in ties)
        letter, sup = step.entry("in")
        # where the numbers come from, said where the figure first shows them (review r7 defect 11: they were listed
        # only pages later); and the first maximum named only where a window has a tie
        # drawn with them in the worked example, after its numbers (review r16 item 1)
        at = ("example values" if given is None else f"the values of ${matrix_name(letter, sup)}$ above, written in "
              "its cells")
        caption = (f"The switches of {which}{channel}: each window's upstream gradient goes to its marked entry, "
                   + ("its first maximum in reading order (row by row, left to right)" if ties else "its maximum")
                   + "; the others get 0 from it."
                   + (f" Ties: {tied}; only the first of them gets the gradient, as in PyTorch." if ties else ""))
        return Grid(f"switch-layer-{step.number or 1}", h, w, cells, caption,
                    (*legend, ("chosen", "the switch: the first maximum" if ties else "the switch: the maximum")),
                    f"where each window's gradient goes, at {at}")
