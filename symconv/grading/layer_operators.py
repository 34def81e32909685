"""The operators of a convolution's general rules, at the layer's own stride S, padding P and dilation D.

symconv's documents print, for any stride, padding and dilation (MATH.md, "At any stride"):

    dL/dK = pad_P(X) \\star_D spread_S(G)
    dL/dX = crop( full_D(spread_S(G)) \\star rot180(dilate_D(K)) )

- pad_P adds P_h rows and P_w columns of zeros on every side;
- spread_S puts S_h - 1 zero rows and S_w - 1 zero columns between entries (dilate_D likewise, D - 1, for a
  kernel's taps);
- full_D adds D_h (K_h - 1) rows and D_w (K_w - 1) columns of zeros on every side (full at D = 1);
- (U \\star_D V)_{p,q} = sum_{r,s} u_{D_h (p-1) + r, D_w (q-1) + s} v_{r,s} for 1 <= p <= K_h, 1 <= q <= K_w;
- crop keeps rows P_h + 1 to P_h + H and columns P_w + 1 to P_w + W, 0 past the correlation's end.

The letters are the layer's: the layer is the convolution whose kernel the claim names, else the one whose input
or output it names, else the network's only convolution. With a number (pad_1, spread_2) the amount is written.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from sympy import Add, S

from . import arrays
from .notation import ParseError
from .tree import walk

LETTERS = {"pad": "P", "spread": "S", "dilate": "D", "full": "D"}  # each operator's amount, as the documents letter it
WHOLE = ("spread", "dilate", "crop")  # the operators that take the layer's amount even when written without a letter
WORDS = {"P": "padding", "S": "stride", "D": "dilation"}


def takes_layer(name: str) -> bool:
    """Whether a function the parser read is one of these operators (pad:P, spread, full:D, crop), evaluated with
    the claim's layer rather than entry by entry."""
    return name.partition(":")[0] in WHOLE or name.endswith((":P", ":S", ":D"))


def layer(sides, d):
    """The convolution (or transposed convolution) a claim's lettered operators are about: its stride, padding,
    dilation and kernel, or ParseError naming why no one layer is meant."""
    convs = [(r, amounts) for r in d.records if (amounts := r.layer.sliding_amounts(r.shape_in)) is not None]
    keys = {n[1] for side in sides for n in walk(side) if n[0] in ("whole", "entry") and isinstance(n[1], str)}
    chosen = [c for c in convs if keys & set(c[0].params.values())]
    if not chosen:
        chosen = [c for c in convs if keys & {*c[0].inputs, c[0].output}]
    if len(chosen) != 1 and len(convs) == 1:
        chosen = convs
    if len(chosen) != 1:
        raise ParseError("pad_P, spread_S, dilate_D, \\star_D and crop take the letters of one convolution with zero "
                         "padding alike on every side: name its kernel in the claim, or write the amounts as numbers "
                         "(pad_1, spread_2)")
    return Amounts(*chosen[0][1])


class Amounts(NamedTuple):
    """A convolution's stride S, padding P, dilation D and kernel size, (rows, columns) each."""
    stride: tuple[int, int]
    padding: tuple[int, int]
    dilation: tuple[int, int]
    kernel: tuple[int, int]


def apply(name: str, a, conv: Amounts, target: tuple[int, int] | None):
    """pad_P, spread_S, dilate_D, full_D or crop of a whole tensor at this layer's amounts (spread, dilate and crop
    written without a letter are the layer's too); a numeric amount (spread:2,2) as written. crop cuts to the
    target size, the claim's left side's."""
    a = a if arrays.is_array(a) else np.array([[a]], dtype=object)  # a 1 x 1 kernel's one entry
    a = arrays.plain(a)
    if a.ndim < 2:
        raise ParseError(f"{name.partition(':')[0]} acts on a matrix: its rows and columns")
    word, _, said = name.partition(":")
    said = said or {"spread": "S", "dilate": "D", "crop": "P"}.get(word, "")  # the layer's, where no amount is written
    rows, columns = ({"P": conv.padding, "S": conv.stride, "D": conv.dilation}[said] if said in ("P", "S", "D")
                     else tuple(map(int, said.split(","))))
    if word == "pad":
        return arrays.Marked(arrays.padded(a, rows, columns), "valid")
    if word in ("spread", "dilate"):
        return spread(a, rows, columns)
    if word == "full":  # D (K - 1) zeros on every side: the full correlation with the dilated kernel
        kh, kw = conv.kernel
        return arrays.Marked(arrays.padded(a, rows * (kh - 1), columns * (kw - 1)), "valid")
    if word == "crop":
        if target is None:
            raise ParseError("crop cuts a matrix to the size of the claim's left-hand side, a matrix")
        return crop(a, rows, columns, target)
    raise ParseError(f"cannot evaluate {word}")


def spread(a: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """rows - 1 zero rows and columns - 1 zero columns between the entries of a matrix (or of each channel)."""
    if rows < 1 or columns < 1:
        raise ParseError("a stride or dilation is at least 1")
    h, w = a.shape[-2:]
    out = np.full((*a.shape[:-2], (h - 1) * rows + 1, (w - 1) * columns + 1), S.Zero, dtype=object)
    out[..., ::rows, ::columns] = a
    return out


def crop(a: np.ndarray, rows: int, columns: int, size: tuple[int, int]) -> np.ndarray:
    """Rows P_h + 1 to P_h + H and columns P_w + 1 to P_w + W of a matrix (H x W the size), 0 where it has none."""
    if a.shape[-2] <= rows or a.shape[-1] <= columns:
        raise ParseError("crop keeps the rows and columns past the padding, and this matrix has none")
    out = np.full((*a.shape[:-2], *size), S.Zero, dtype=object)
    kept = a[..., rows:rows + size[0], columns:columns + size[1]]
    out[..., :kept.shape[-2], :kept.shape[-1]] = kept
    return out


def correlate(u, v, conv: Amounts) -> np.ndarray:
    """(U \\star_D V)_{p,q} = sum_{r,s} u_{D_h (p-1) + r, D_w (q-1) + s} v_{r,s}, p and q over the kernel's size."""
    if not (arrays.is_array(u) and arrays.is_array(v)):
        raise ParseError("\\star_D is between two matrices, e.g. pad_P(X) \\star_D spread_S(G)")
    u, v = arrays.plain(u.array if isinstance(u, arrays.Marked) else u), arrays.plain(v)
    if u.ndim != 2 or v.ndim != 2:
        raise ParseError("\\star_D is read between two matrices (one channel of each), e.g. pad_P(X^{(c)}) "
                         "\\star_D spread_S(G^{(m)})")
    (dh, dw), (kh, kw) = conv.dilation, conv.kernel
    out = np.full((kh, kw), S.Zero, dtype=object)
    for p in range(kh):
        for q in range(kw):
            out[p, q] = Add(*(u[dh * p + r, dw * q + s] * v[r, s] for r in range(v.shape[0]) for s in range(v.shape[1])
                              if dh * p + r < u.shape[0] and dw * q + s < u.shape[1]))
    return out
