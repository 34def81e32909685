"""Which input and kernel entries feed which output entry: the one index map everything reads."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from .spec import ConvSpec

# A tap is (output index, kernel index, input index) along one axis, all 0-based, input index
# counted in the unpadded input. Taps that land in the padding are left out.
Tap = tuple[int, int, int]


def padded_position(r: int, p: int, stride: int, dil: int) -> int:
    """Where tap p of output r lands in the padded input (0-based): r stride + p dil."""
    return r * stride + p * dil


def source(i: int, n: int, mode: str) -> int | None:
    """The input entry (0-based) that position i of an axis of n entries reads, i counted from the
    input's first entry (negative in the top or left padding): itself inside the input; in the padding
    None for zeros, the mirror image across the border entry for reflect (-1 reads 1), the border
    entry for replicate, and i mod n for circular (the input repeated)."""
    if 0 <= i < n:
        return i
    if mode == "zeros":
        return None
    if mode == "reflect":
        return -i if i < 0 else 2 * (n - 1) - i
    if mode == "replicate":
        return 0 if i < 0 else n - 1
    return i % n


def axis_taps(n_in: int, n_out: int, k: int, stride: int, pad: int, dil: int, mode: str = "zeros") -> tuple[Tap, ...]:
    """All (r, p, i) with i = r stride + p dil - pad inside 0 <= i < n_in, in row-major order; with a
    padding mode other than zeros, every tap, i the entry its padded position reads (see `source`)."""
    taps = []
    for r in range(n_out):
        for p in range(k):
            i = source(padded_position(r, p, stride, dil) - pad, n_in, mode)
            if i is not None:
                taps.append((r, p, i))
    return tuple(taps)


def _floor_sum(n: int, m: int, a: int, b: int) -> int:
    """sum_{i=0}^{n-1} floor((a i + b) / m) for n, a, b >= 0 and m >= 1, in O(log) steps."""
    total = 0
    while n > 0:
        if a >= m:
            total += (n - 1) * n // 2 * (a // m)
            a %= m
        if b >= m:
            total += n * (b // m)
            b %= m
        top = a * n + b
        if top < m:
            break
        n, b, m, a = top // m, top % m, a, m
    return total


def _taps_up_to(t: int, n_out: int, k: int, stride: int, dil: int) -> int:
    """#{(r, p) : 0 <= r < n_out, 0 <= p < k, r stride + p dil <= t}."""
    if t < 0:
        return 0
    last = min(k - 1, t // dil)  # the taps p that fit at r = 0
    full = min(last, (t - (n_out - 1) * stride) // dil) if t >= (n_out - 1) * stride else -1  # every r fits
    rest = last - full  # p = last - i for i < rest: r runs to floor((t - p dil) / stride)
    return n_out * (full + 1) + rest + _floor_sum(rest, stride, dil, t - last * dil)


def tap_count(n_in: int, n_out: int, k: int, stride: int, pad: int, dil: int, mode: str = "zeros") -> int:
    """len(axis_taps(...)) in closed form, without listing them: the taps that land inside the input
    (every tap, with a padding mode that reads the input there)."""
    if mode != "zeros":
        return n_out * k
    return _taps_up_to(pad + n_in - 1, n_out, k, stride, dil) - _taps_up_to(pad - 1, n_out, k, stride, dil)


@dataclass(frozen=True)
class IndexMap:
    """The layer's index map, kept separable: rows and columns are independent.

    Output (m, r, s) reads input (c, i, j) through kernel entry (m, c, p, q) exactly when (r, p, i)
    is a row tap and (s, q, j) a column tap. With the `convolution` convention the kernel entry
    used is the flipped one, (kh - 1 - p, kw - 1 - q).
    """

    spec: ConvSpec
    output: tuple[int, int] | None = None  # the outputs to list, if not the spec's own

    @property
    def shape(self) -> tuple[int, int]:
        return self.output or self.spec.output

    @cached_property
    def rows(self) -> tuple[Tap, ...]:
        s = self.spec
        return axis_taps(s.input[0], self.shape[0], s.kernel[0], s.stride[0], s.padding[0], s.dilation[0], s.padding_mode)

    @cached_property
    def cols(self) -> tuple[Tap, ...]:
        s = self.spec
        return axis_taps(s.input[1], self.shape[1], s.kernel[1], s.stride[1], s.padding[1], s.dilation[1], s.padding_mode)

    def kernel_row(self, p: int) -> int:
        return self.spec.kernel[0] - 1 - p if self.spec.flipped else p

    def kernel_col(self, q: int) -> int:
        return self.spec.kernel[1] - 1 - q if self.spec.flipped else q

    @cached_property
    def products(self) -> int:
        """Two-factor terms in Y (and, as many, in dL/dK and in dL/dX), counted without listing the taps."""
        s = self.spec
        (ho, wo) = self.shape
        rows = tap_count(s.input[0], ho, s.kernel[0], s.stride[0], s.padding[0], s.dilation[0], s.padding_mode)
        cols = tap_count(s.input[1], wo, s.kernel[1], s.stride[1], s.padding[1], s.dilation[1], s.padding_mode)
        return s.out_channels * s.in_per_group * rows * cols


def group(taps: tuple[Tap, ...], by: int, size: int) -> list[list[Tap]]:
    """The taps sorted into `size` lists by position `by` (0: output, 1: kernel, 2: input)."""
    groups: list[list[Tap]] = [[] for _ in range(size)]
    for tap in taps:
        groups[tap[by]].append(tap)
    return groups


def affine(terms: list[tuple[int, str]], constant: int) -> str:
    """a r + b p + c written as people write it: 2r + p - 3, r - 1, p."""
    out = ""
    for coef, name in terms:
        if coef == 0:
            continue
        size = "" if abs(coef) == 1 else str(abs(coef))
        out += (("-" if coef < 0 else "") if not out else (" - " if coef < 0 else " + ")) + size + name
    if constant or not out:
        out += (f" - {-constant}" if constant < 0 else f" + {constant}") if out else str(constant)
    return out


def general_index(axis: int, out: str, tap: str, flipped: bool = False) -> str:
    """index_rule in symbols, for any size, stride, padding and dilation: S_h (r - 1) + D_h (p - 1) + 1 - P_h
    (rows; w for columns), the tap counted from the kernel's end, D_h (K_h - p), for the convolution convention.
    The stride, padding and dilation are capitals (as CS231n writes S and P): the indices r, s, p, q are lower case."""
    a = "hw"[axis]
    taps = f"D_{a} (k_{a} - {tap})" if flipped else f"D_{a} ({tap} - 1)"
    return f"S_{a} ({out} - 1) + {taps} + 1 - P_{a}"


def index_rule(spec: ConvSpec, axis: int, out: str, tap: str) -> str:
    """The input index (1-based) that output index `out` meets through kernel index `tap` on one axis.

    i = (r - 1) s + (p' - 1) d + 1 - pad, with p' = p, or kh + 1 - p for the convolution convention.
    """
    s, d, pad, k = spec.stride[axis], spec.dilation[axis], spec.padding[axis], spec.kernel[axis]
    if spec.flipped:  # p' = k + 1 - p
        return affine([(s, out), (-d, tap)], -s + d * k + 1 - pad)
    return affine([(s, out), (d, tap)], 1 - s - d - pad)
