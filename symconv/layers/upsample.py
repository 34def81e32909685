"""Upsampling as PyTorch's `nn.Upsample` / `F.interpolate` defines it: nearest or bilinear, to a scale or a size.

Every output entry is a weighted sum of input entries of its channel, with constant weights read off an index
map per axis (rows and columns apart): a_{c,i,j} = sum_{p,q} R[i,p] C[j,q] z_{c,p,q}, so
dL/dz_{c,p,q} = sum_{i,j} R[i,p] C[j,q] dL/da_{c,i,j}.

nearest (PyTorch's `nearest`, 0-based): output index d copies input index min(floor(d * r), n - 1), r = 1/s
    for a scale s and n/m for a size m, rounded to single precision as PyTorch computes it; an output of the
    input's size copies it, one of twice its size takes d // 2 (PyTorch's two exact cases).
bilinear: output index d sits at the source coordinate x = r (d + 1/2) - 1/2, at least 0 (align_corners
    false: r = 1/s or n/m; r = 1 where m = n, as PyTorch copies such an axis), or x = d (n - 1)/(m - 1) (align_corners true); it reads floor(x) with weight
    1 - lambda and the next index with weight lambda = x - floor(x), clamped at the last index.
The output has floor(n s) entries along an axis for a scale s (in double precision, as PyTorch), m for a size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from itertools import product
from math import prod
from typing import ClassVar

from sympy import Add, Integer, Rational, latex

from ..figure import MAX_CELLS, Grid, Label
from ..spec import LARGEST, SpecError, as_pair, fmt_pair, shown
from ..words import entry, plural, size, spacing
from .base import DocStep, Layer, Shape, Step, Words, Work, image

MODES = ("nearest", "bilinear")


def _number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scale(value: object) -> tuple:
    """A scale as PyTorch's scale_factor: a positive number or a pair of them; whole floats become ints."""
    pair = value if isinstance(value, (list, tuple)) else (value, value)
    if len(pair) != 2 or not all(_number(v) for v in pair):
        raise SpecError(f"scale {shown(value)} is not valid: give a positive number or a pair of them, e.g. 2 or "
                        "[1.5, 2]")
    if not all(math.isfinite(v) and 0 < v <= LARGEST for v in pair):
        raise SpecError(f"scale {shown(value)} is not valid: each value must be a positive number, e.g. 2 or 1.5")
    return tuple(int(v) if float(v).is_integer() else float(v) for v in pair)


def output_length(n: int, scale: float | None, size: int | None) -> int:
    """The output's length along an axis of n entries: the size, or floor(n s) in double precision (PyTorch)."""
    return size if size is not None else math.floor(float(n) * scale)


def nearest_sources(n: int, m: int, scale: float | None) -> list[int]:
    """PyTorch's nearest: the input index (0-based) each of the m output indices copies."""
    import numpy as np  # single-precision arithmetic, as PyTorch's kernel

    if m == n:
        return list(range(m))
    if m == 2 * n:
        return [d // 2 for d in range(m)]
    ratio = np.float32(1.0 / scale) if scale is not None else np.float32(n) / np.float32(m)
    return [min(int(math.floor(np.float32(d) * ratio)), n - 1) for d in range(m)]


def _exact(value: float | int) -> Rational:
    """A number as written (1.3 is 13/10): bilinear weights are exact fractions of the scale the user gave."""
    return Rational(Fraction(repr(value)) if isinstance(value, float) else value)


def source_coordinate(d: int, n: int, m: int, scale, align_corners: bool) -> Rational:
    """Bilinear: where output index d (0-based) sits in the input, 0-based, exact (PyTorch's rule)."""
    if align_corners:
        return Rational(d * (n - 1), m - 1) if m > 1 else Integer(0)
    ratio = 1 / _exact(scale) if scale is not None and m != n else Rational(n, m)  # PyTorch copies an axis of n
    return max(ratio * (d + Rational(1, 2)) - Rational(1, 2), Integer(0))


def linear_weights(n: int, m: int, scale, align_corners: bool) -> list[list[tuple[int, Rational]]]:
    """Bilinear along one axis: per output index, (input index, weight) of each input it reads, 0-based."""
    out = []
    for d in range(m):
        x = source_coordinate(d, n, m, scale, align_corners)
        low = min(math.floor(x), n - 1)
        lam = min(max(x - low, Integer(0)), Integer(1))
        high = low + 1 if low < n - 1 else low
        weights: dict[int, Rational] = {}
        for index, weight in ((low, 1 - lam), (high, lam)):
            weights[index] = weights.get(index, Integer(0)) + weight
        out.append([(index, weight) for index, weight in weights.items() if weight != 0])
    return out


@dataclass(frozen=True)
class Upsample(Layer):
    """PyTorch's Upsample / interpolate: `mode` nearest or bilinear (`align_corners`), by `scale` or to `size`."""

    scale: tuple | None = None  # scale_factor: (sh, sw), positive numbers; (2, 2) when no size is given
    size: tuple[int, int] | None = None  # the output's (h, w) instead of a scale
    mode: str = "nearest"
    align_corners: bool = False  # bilinear only: the corners of input and output coincide
    type: ClassVar[str] = "upsample"
    later_fields: ClassVar[dict[str, object]] = {"mode": "nearest", "align_corners": False}

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise SpecError(f"mode {shown(self.mode)} is not valid: use one of {', '.join(MODES)}")
        if not isinstance(self.align_corners, bool):
            raise SpecError(f"align_corners {shown(self.align_corners)} is not valid: give true or false (a boolean)")
        if self.align_corners and self.mode == "nearest":
            raise SpecError("align_corners is a setting of bilinear upsampling, not of nearest (PyTorch's rule): "
                            "leave it out, or give mode = \"bilinear\"")
        if self.scale is not None and self.size is not None:
            raise SpecError("give scale or size, not both (PyTorch's rule)")
        if self.size is not None:
            out = as_pair(self.size, "size")
            if min(out) < 1:
                raise SpecError(f"size {fmt_pair(out)} is not valid: each value must be 1 or more")
            object.__setattr__(self, "size", out)
        else:
            object.__setattr__(self, "scale", _scale(2 if self.scale is None else self.scale))

    def as_fields(self) -> dict[str, object]:
        """scale or size (whichever is given), the mode, and align_corners for bilinear only."""
        out: dict[str, object] = {"type": self.type}
        out["size" if self.size is not None else "scale"] = list(self.size or self.scale)
        out["mode"] = self.mode
        if self.mode == "bilinear":
            out["align_corners"] = self.align_corners
        return out

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = image(shape, "upsample")
        scales = self.scale or (None, None)
        sizes = self.size or (None, None)
        out = tuple(output_length(n, s, m) for n, s, m in zip((h, w), scales, sizes))
        if min(out) < 1:
            raise SpecError(f"scale {shown(list(self.scale))} makes the {h}x{w} input {out[0]}x{out[1]}: give a scale "
                            "whose output has at least one row and one column")
        if max(out) > LARGEST:
            raise SpecError(f"scale {shown(list(self.scale))} is too large for the {h}x{w} input")
        return (c, *out)

    def work(self, shape: Shape) -> Work:
        """A term per weight of each output entry, forward and backward."""
        per_entry = 1 if self.mode == "nearest" else 4
        return Work.of(2 * per_entry * prod(self.output_shape(shape)), 1e-4)

    def axis_weights(self, shape_in: Shape) -> tuple[list, list]:
        """Per axis (rows, columns), per output index, [(input index, weight)], 0-based: the index map."""
        _, h, w = shape_in
        _, ho, wo = self.output_shape(shape_in)
        scales = self.scale or (None, None)
        if self.mode == "nearest":
            return tuple([[(p, Integer(1))] for p in nearest_sources(n, m, s)]
                         for n, m, s in zip((h, w), (ho, wo), scales))
        return tuple(linear_weights(n, m, s, self.align_corners) for n, m, s in zip((h, w), (ho, wo), scales))

    def _weights(self, shape_in: Shape) -> list[list[tuple[int, Rational]]]:
        """Per output entry (flat, row-major, channels first), [(flat input entry, weight)]."""
        c_n, h, w = shape_in
        rows, cols = self.axis_weights(shape_in)
        return [[((c * h + p) * w + q, a * b) for p, a in rows[i] for q, b in cols[j]]
                for c, i, j in product(range(c_n), range(len(rows)), range(len(cols)))]

    # -- the derivation --
    def forward(self, step: Step) -> dict:
        weights = step.cache["weights"] = self._weights(step.shape_in)
        return {"out": [Add(*(wt * step.inp[n] for n, wt in cells)) for cells in weights]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """The weight from each output entry to each input entry it reads."""
        weights = step.cache.get("weights") or self._weights(step.shape_in)
        return [(o, n, wt) for o, cells in enumerate(weights) for n, wt in cells]

    def backward(self, step: Step) -> dict:
        terms: list[list] = [[] for _ in step.inp]
        for o, n, wt in self.local_jacobian(step):
            terms[n].append(wt * step.upstream[o])
        return {"in": [Add(*t) for t in terms]}

    # -- the independent references --
    def _numpy_matrices(self, np, h: int, w: int):
        """The row and column interpolation matrices (output x input), from PyTorch's rules in floating point."""
        _, ho, wo = self.output_shape((1, h, w))
        mats = []
        for n, m, s in zip((h, w), (ho, wo), self.scale or (None, None)):
            M = np.zeros((m, n))
            d = np.arange(m)
            if self.mode == "nearest":
                if m == n or m == 2 * n:
                    src = d * n // m
                else:
                    ratio = np.float32(1.0 / s) if s is not None else np.float32(n) / np.float32(m)
                    src = np.minimum(np.floor(d.astype(np.float32) * ratio).astype(int), n - 1)
                M[d, src] = 1.0
            else:
                if self.align_corners:
                    x = d * ((n - 1) / (m - 1) if m > 1 else 0.0)
                else:
                    x = np.maximum(((1.0 / s) if s is not None and m != n else n / m) * (d + 0.5) - 0.5, 0.0)
                low = np.minimum(np.floor(x).astype(int), n - 1)
                lam = np.clip(x - low, 0.0, 1.0)
                high = np.where(low < n - 1, low + 1, low)
                np.add.at(M, (d, low), 1.0 - lam)
                np.add.at(M, (d, high), lam)
            mats.append(M)
        return mats

    def numpy_forward(self, np, a, params: dict):
        R, C = self._numpy_matrices(np, *a.shape[1:])
        return np.einsum("ip,cpq,jq->cij", R, a, C), (R, C)

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        R, C = cache
        return np.einsum("ip,cij,jq->cpq", R, g, C), {}

    def torch_forward(self, torch, a, params: dict):
        kwargs = {"size": tuple(self.size)} if self.size is not None else {
            "scale_factor": tuple(float(s) for s in self.scale)}
        if self.mode == "bilinear":
            kwargs["align_corners"] = self.align_corners
        return torch.nn.functional.interpolate(a[None], mode=self.mode, **kwargs)[0]

    # -- words and figures --
    def _integer_scale(self) -> bool:
        return self.mode == "nearest" and self.scale is not None and all(isinstance(s, int) for s in self.scale)

    def describe(self) -> str:
        how = (f"scale {spacing(self.scale)}" if self.scale is not None else f"to {size(*self.size)}")
        if self.mode == "nearest":
            return f"nearest-neighbour upsampling, {how}"
        return f"bilinear upsampling, {how}" + (", corners aligned" if self.align_corners else "")

    def objectives(self) -> list[str]:
        if self.mode == "nearest":
            return ["send the gradient of a copied entry back as the sum over its copies"]
        return ["read bilinear upsampling as fixed weights on the input, and send each output's gradient back "
                "with the same weights"]

    def _ratio(self, axis: int, n: int, m: int) -> str:
        """The ratio r of an axis as math: 1/s for a scale, n/m for a size."""
        if self.scale is not None and m != n:
            return latex(1 / _exact(self.scale[axis]))
        return latex(Rational(n, m))

    def _copies(self, shape_in: Shape) -> str:
        """Which input row and column each output row and column copies (1-based), in words."""
        rows, cols = self.axis_weights(shape_in)
        said = lambda axis: ", ".join(str(cells[0][0] + 1) for cells in axis)
        return f"rows {said(rows)}; columns {said(cols)}"

    def words(self, step: DocStep) -> Words:
        if self._integer_scale():
            sh, sw = self.scale
            return Words(f"Each input entry is copied into a block of ${sh} \\times {sw}$ output entries.",
                         {"in": f"Each of the ${sh * sw}$ copies of an input entry sends back its upstream gradient, "
                                f"so the input entry's gradient is the sum over its block ({plural(sh * sw, 'term')})."})
        _, h, w = step.shape_in
        _, ho, wo = step.shape_out
        if self.mode == "nearest":
            forward = ("Each output entry copies one input entry, PyTorch's nearest rule: output row $i$ copies input "
                       r"row $\min(\lfloor (i - 1)\, r \rfloor, H - 1) + 1$ (computed in single precision, as PyTorch "
                       r"does; likewise the columns) with " + self._ratio_words(h, w, ho, wo)
                       + f". Here the output's rows and columns copy input {self._copies(step.shape_in)}.")
            backward = ("Each copy of an input entry sends back its upstream gradient, so an input entry's gradient "
                        "is the sum over its copies (0 for an entry no output copies).")
            return Words(forward, {"in": backward})
        where = (r"$u_i = 1 + (i - 1)\frac{H - 1}{h - 1}$, so the corner entries of input and output coincide"
                 if self.align_corners else
                 r"$u_i = \max\bigl((i - \tfrac{1}{2})\, r + \tfrac{1}{2},\ 1\bigr)$ with " + self._ratio_words(h, w, ho, wo)
                 + " (the centres of the entries line up, PyTorch's align_corners = false)")
        forward = ("Each output entry is a weighted mean of at most four neighbouring input entries, the weights "
                   "fixed numbers that depend only on the sizes. Output row $i$ sits at row " + where + r"; it reads "
                   r"input rows $\lfloor u_i \rfloor$ with weight $1 - \lambda_i$ and $\lfloor u_i \rfloor + 1$ with "
                   r"weight $\lambda_i = u_i - \lfloor u_i \rfloor$ (the last row alone at the border), and likewise "
                   r"the columns: $R_{i,p}$ and $C_{j,q}$ are these weights, and "
                   rf"${step.symbol('out')}_{{i,j}} = \sum_{{p,q}} R_{{i,p}} C_{{j,q}}\, {step.symbol('in')}_{{p,q}}$.")
        backward = (r"The layer is linear with constant weights, so each output entry sends its upstream gradient back "
                    r"to the input entries it reads, times the same weights: per channel, $R^\top \delta C$.")
        return Words(forward, {"in": backward})

    def _ratio_words(self, h: int, w: int, ho: int, wo: int) -> str:
        """The ratio r of rows and columns in words: 1/s for a scale, H/h for a size, 1 for an axis that keeps
        its length (PyTorch copies it)."""
        said = []
        for k, (what, n, m) in enumerate((("rows", h, ho), ("columns", w, wo))):
            if m == n:
                said.append(f"$r = 1$ for the {what}, which keep their number (PyTorch copies such an axis)")
            elif self.scale is not None:
                said.append(f"$r = 1/s = {self._ratio(k, n, m)}$ for the {what}")
            else:
                said.append(f"$r = {'H/h' if k == 0 else 'W/w'} = {n}/{m}$ for the {what}")
        if said[0].replace("rows", "columns") == said[1]:
            said = [said[0].replace(" for the rows", "")]
        return " and ".join(said)

    def rules(self, step: DocStep) -> list[str]:
        z, a = step.symbol("in"), step.symbol("out")
        d_in, d_out = rf"\bigl({step.delta('in')}\bigr)", rf"\bigl({step.delta('out')}\bigr)"
        if self._integer_scale():
            sh, sw = self.scale
            return [rf"{a}_{{i,j}} &= {z}_{{\lceil i/{sh} \rceil,\, \lceil j/{sw} \rceil}}",
                    rf"{d_in}_{{p,q}} &= \sum_{{i=({sh}(p-1)+1)}}^{{{sh}p}} \ "
                    rf"\sum_{{j=({sw}(q-1)+1)}}^{{{sw}q}} {d_out}_{{i,j}}"]
        _, h, w = step.shape_in
        _, ho, wo = step.shape_out
        rh, rw = self._ratio(0, h, ho), self._ratio(1, w, wo)
        if self.mode == "nearest":
            return [rf"\sigma(i) &= \min\bigl(\lfloor (i - 1) \cdot {rh} \rfloor,\ {h - 1}\bigr) + 1, \quad "
                    rf"\tau(j) = \min\bigl(\lfloor (j - 1) \cdot {rw} \rfloor,\ {w - 1}\bigr) + 1",
                    rf"{a}_{{i,j}} &= {z}_{{\sigma(i),\, \tau(j)}}",
                    rf"{d_in}_{{p,q}} &= \sum_{{i:\ \sigma(i) = p}} \ \sum_{{j:\ \tau(j) = q}} {d_out}_{{i,j}}"]
        if self.align_corners:
            u = rf"u_i &= 1 + (i - 1) \cdot {latex(Rational(h - 1, ho - 1)) if ho > 1 else 0}"
        else:
            u = rf"u_i &= \max\bigl((i - \tfrac{{1}}{{2}}) \cdot {rh} + \tfrac{{1}}{{2}},\ 1\bigr)"
        return [u + r", \quad \lambda_i = u_i - \lfloor u_i \rfloor",
                rf"R_{{i,p}} &= (1 - \lambda_i)\, [p = \lfloor u_i \rfloor] + \lambda_i\, [p = \lfloor u_i \rfloor + 1]"
                rf" \quad (\text{{row }} {h + 1} \text{{ read as row }} {h}\text{{; the columns' }} C_{{j,q}} "
                r"\text{ likewise})",
                rf"{a}_{{i,j}} &= \sum_{{p,q}} R_{{i,p}}\, C_{{j,q}}\, {z}_{{p,q}}",
                rf"{d_in}_{{p,q}} &= \sum_{{i,j}} R_{{i,p}}\, C_{{j,q}}\, {d_out}_{{i,j}}"]

    def figures(self, step: DocStep) -> dict[str, list[Grid]]:
        grid = self._weight_map(step) if self.mode == "bilinear" else None
        return {"out": [grid]} if grid is not None else {}

    def _weight_map(self, step: DocStep) -> Grid | None:
        """Channel 1 of the input, each entry marked with the weight it has in one output entry (an interior
        one that reads four entries where there is one), from the same index map as the derivation."""
        _, h, w = step.shape_in
        if h > MAX_CELLS or w > MAX_CELLS:
            return None
        rows, cols = self.axis_weights(step.shape_in)
        pick = lambda axis: max(range(len(axis)), key=lambda i: (len(axis[i]), -abs(2 * i - (len(axis) - 1))))
        i, j = pick(rows), pick(cols)
        weights = {(p, q): a * b for p, a in rows[i] for q, b in cols[j]}
        letter, sup = step.entry("in")
        cells = tuple((p, q, Label(letter, f"{p + 1},{q + 1}", sup), "hit" if (p, q) in weights else "cell")
                      for p in range(h) for q in range(w))
        marks = tuple((p, q, Label(str(wt))) for (p, q), wt in sorted(weights.items()))
        out_letter, out_sup = step.entry("out")
        which = "this layer" if step.number is None else f"layer {step.number}"
        terms = " + ".join(rf"{latex(wt)}\, {letter}" + (f"^{{{sup}}}" if sup else "") + f"_{{{p + 1},{q + 1}}}"
                           for (p, q), wt in sorted(weights.items()))
        target = entry(out_letter, out_sup, i + 1, j + 1)
        caption = (f"The bilinear weights of {which}" + (" (channel 1)" if step.shape_in[0] > 1 else "")
                   + f": {target[:-1]} = {terms}$, the weights (in the corners) summing to 1. In the backward pass "
                   f"{target} sends its upstream gradient back to the same entries with the same weights.")
        return Grid(f"bilinear-layer-{step.number or 1}", h, w, cells, caption,
                    (("hit", f"an entry {target} reads, its weight in the corner"),),
                    "the weights with which one output entry reads the input", marks)
