"""The convolution layer: fields, index map, term tables, references, words and figures, in one place.

Y[m,r,s] = b[m] + sum over taps of X[c,i,j] K[m,c,p,q], where (r, p, i) and (s, q, j) are the row and
column taps of the index map: i = r s_h + p d_h - p_h (likewise j), inside the input.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from typing import ClassVar

from ..figure import MAX_CELLS, Grid, Label
from ..indexmap import IndexMap, affine, group, index_rule, padded_position
from ..spec import CONVENTIONS, ConvSpec, as_pair, check_bias, check_choice, fmt_pair, whole
from ..symbols import latex_base
from ..words import entry, plural, size
from .base import BYTES_PER_PRODUCT, SECONDS_PER_PRODUCT, DocStep, Layer, Param, Shape, Step, Table, Words, Work, image


def term_tables(spec: ConvSpec, offset: dict[str, int]) -> dict[str, list[list[tuple[int, int]]]]:
    """Per derived tensor, per entry, its terms as pairs of global symbol positions, in written order.

    Y[m,r,s] = b[m] + sum over taps of X[c,i,j] K[m,c,p,q]         (input before kernel)
    dL/dK[m,c,p,q] = sum_{r,s} G[m,r,s] X[c,i,j]                    (upstream first)
    dL/dX[c,i,j] = sum over (m, r, s) reading it of G[m,r,s] K[m,c,p,q]
    dL/db[m] = sum_{r,s} G[m,r,s]
    where G = dL/dY, and (r, p, i), (s, q, j) range over the row and column taps of the index map.
    """
    index = IndexMap(spec)
    c_in, c_out = spec.in_channels, spec.out_channels
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    X, K, G = offset["X"], offset["K"], offset["dL/dY"]
    # Flat positions split into per-axis parts, computed once per tap rather than once per term:
    # a row tap (r, p, i) adds (r wo, krow(p) kw, i w) to the (G, K, X) positions, a column tap
    # (s, q, j) adds (s, kcol(q), j); the kernel part is the stored (flipped, for convolution) entry.
    row_part = lambda tap: (tap[0] * wo, index.kernel_row(tap[1]) * kw, tap[2] * w)
    col_part = lambda tap: (tap[0], index.kernel_col(tap[1]), tap[2])
    grouped = lambda taps, by, size, part: [[part(t) for t in g] for g in group(taps, by, size)]
    x_base = [X + c * h * w for c in range(c_in)]
    k_base = [[K + (m * c_in + c) * kh * kw for c in range(c_in)] for m in range(c_out)]
    g_base = [G + m * ho * wo for m in range(c_out)]

    rows_by_r, cols_by_s = grouped(index.rows, 0, ho, row_part), grouped(index.cols, 0, wo, col_part)
    forward = []
    for m, r, s in product(range(c_out), range(ho), range(wo)):
        bias = [(offset["b"] + m, -1)] if spec.bias else []
        forward.append(bias + [
            (xb + xr + xc, kb + kr + kc)
            for xb, kb in zip(x_base, k_base[m]) for (_, kr, xr) in rows_by_r[r] for (_, kc, xc) in cols_by_s[s]
        ])

    rows_by_p, cols_by_q = grouped(index.rows, 1, kh, row_part), grouped(index.cols, 1, kw, col_part)
    grad_k: list = [None] * (c_out * c_in * kh * kw)
    for m, c, p, q in product(range(c_out), range(c_in), range(kh), range(kw)):
        # The tap (p, q) reads the stored kernel entry (krow(p), kcol(q)): flipped for convolution.
        position = k_base[m][c] + index.kernel_row(p) * kw + index.kernel_col(q)
        gb, xb = g_base[m], x_base[c]
        grad_k[position - K] = [(gb + gr + gc, xb + xr + xc) for (gr, _, xr) in rows_by_p[p] for (gc, _, xc) in cols_by_q[q]]

    rows_by_i, cols_by_j = grouped(index.rows, 2, h, row_part), grouped(index.cols, 2, w, col_part)
    grad_x = [
        [(gb + gr + gc, kb[c] + kr + kc)
         for gb, kb in zip(g_base, k_base) for (gr, kr, _) in rows_by_i[i] for (gc, kc, _) in cols_by_j[j]]
        for c, i, j in product(range(c_in), range(h), range(w))
    ]
    tables = {"Y": forward, "dL/dX": grad_x, "dL/dK": grad_k}
    if spec.bias:
        tables["dL/db"] = [[(g_base[m] + r * wo + s, -1) for r in range(ho) for s in range(wo)] for m in range(c_out)]
    return tables


@dataclass(frozen=True)
class Conv(Layer):
    """A convolution layer (see ConvSpec): out_channels kernels of kernel size."""

    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    bias: bool = False
    convention: str = "correlation"
    type: ClassVar[str] = "conv"

    def __post_init__(self) -> None:
        for attr in ("kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, attr, as_pair(getattr(self, attr), attr))
        whole(self.out_channels, "out_channels")
        check_bias(self.bias)
        check_choice(self.convention, "convention", CONVENTIONS)

    @classmethod
    def of_spec(cls, spec: ConvSpec) -> Conv:
        """The layer a single-layer spec describes (its input shape aside)."""
        return cls(spec.out_channels, spec.kernel, spec.stride, spec.padding, spec.dilation, spec.bias, spec.convention)

    def conv_spec(self, shape: Shape) -> ConvSpec:
        c, h, w = image(shape, "conv")
        return ConvSpec(input=(h, w), kernel=self.kernel, in_channels=c, out_channels=self.out_channels,
                        stride=self.stride, padding=self.padding, dilation=self.dilation, bias=self.bias,
                        convention=self.convention)

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        return (self.out_channels, *self.conv_spec(shape).output)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        kernel = Param("K", "k", "kernel", (self.out_channels, shape[0], *self.kernel), "kernel", lead=2)
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
    def _geometry(self):
        return self.stride, self.padding, self.dilation, self.convention == "convolution"

    def numpy_forward(self, np, a, params: dict):
        """Y = b + sum over taps of K[:, :, p, q] applied to the tap's slice of the padded input."""
        (sh, sw), (ph, pw), (dh, dw), flip = self._geometry()
        k = params["K"][:, :, ::-1, ::-1] if flip else params["K"]
        xp = np.pad(a, ((0, 0), (ph, ph), (pw, pw)))
        kh, kw = k.shape[2:]
        ho = (xp.shape[1] - dh * (kh - 1) - 1) // sh + 1
        wo = (xp.shape[2] - dw * (kw - 1) - 1) // sw + 1
        y = np.zeros((k.shape[0], ho, wo))
        for p, q in product(range(kh), range(kw)):
            y += np.einsum("mc,chw->mhw", k[:, :, p, q], self._window(xp, p, q, (ho, wo)))
        if self.bias:
            y += params["b"][:, None, None]
        return y, None

    def _window(self, xp, p: int, q: int, out: tuple[int, int]):
        """The slice of the padded input that kernel tap (p, q) meets at every output position."""
        (ho, wo), (sh, sw), (dh, dw) = out, self.stride, self.dilation
        return xp[:, p * dh : p * dh + sh * (ho - 1) + 1 : sh, q * dw : q * dw + sw * (wo - 1) + 1 : sw]

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """dL/dK[:, :, p, q] = G against tap (p, q)'s slice; dL/dX scatters K[:, :, p, q]^T G back into it."""
        _, (ph, pw), _, flip = self._geometry()
        k = params["K"][:, :, ::-1, ::-1] if flip else params["K"]
        xp = np.pad(a, ((0, 0), (ph, ph), (pw, pw)))
        gxp, gk = np.zeros_like(xp), np.zeros_like(k)
        for p, q in product(range(k.shape[2]), range(k.shape[3])):
            gk[:, :, p, q] = np.einsum("mhw,chw->mc", g, self._window(xp, p, q, g.shape[1:]))
            self._window(gxp, p, q, g.shape[1:])[...] += np.einsum("mc,mhw->chw", k[:, :, p, q], g)
        grads = {"K": gk[:, :, ::-1, ::-1] if flip else gk}
        if self.bias:
            grads["b"] = g.sum(axis=(1, 2))
        return gxp[:, ph : ph + a.shape[1], pw : pw + a.shape[2]], grads

    def torch_forward(self, torch, a, params: dict):
        weight = torch.flip(params["K"], dims=(2, 3)) if self.convention == "convolution" else params["K"]
        return torch.nn.functional.conv2d(a[None], weight, params.get("b"), stride=self.stride, padding=self.padding,
                                          dilation=self.dilation)[0]

    # -- words and figures --
    def describe(self) -> str:
        extra = "".join(f", {name} {fmt_pair(v)}" for name, v, default in (
            ("stride", self.stride, (1, 1)), ("padding", self.padding, (0, 0)), ("dilation", self.dilation, (1, 1)))
            if v != default)
        return (f"convolution, {plural(self.out_channels, 'kernel')} of {fmt_pair(self.kernel)}{extra}"
                f"{', bias' if self.bias else ''}{', flipped kernel' if self.convention == 'convolution' else ''}")

    def settings(self, step: DocStep) -> list[tuple[str, str]]:
        """The settings table of a single layer's document."""
        spec = self.conv_spec(step.shape_in)
        return [
            ("input", f"{plural(spec.in_channels, 'channel')} of {size(*spec.input)}"),
            ("kernel", f"{plural(spec.out_channels * spec.in_channels, 'kernel')} of {size(*spec.kernel)}"
                       + ("" if spec.out_channels * spec.in_channels == 1 else
                          f", one for each pair of output channel (of {spec.out_channels}) and input channel "
                          f"(of {spec.in_channels})")),
            ("stride", size(*spec.stride)),
            ("padding", size(*spec.padding)),
            ("dilation", size(*spec.dilation)),
            ("bias", "yes" if spec.bias else "no"),
            ("convention", spec.convention + (" (flipped kernel)" if spec.flipped else " (as deep-learning frameworks compute)")),
            ("names", f"input ${_plain(*step.entry('in'))}$, kernel ${_plain(*step.entry('K'))}$, "
                      f"output ${_plain(*step.entry('out'))}$"),
            ("output", f"{plural(spec.out_channels, 'channel')} of {size(*spec.output)}"),
        ]

    def words(self, step: DocStep) -> Words:
        return Words(
            "Each output entry is the bias (if any) plus the sum, over the input channels and the kernel "
            "window, of input entry times kernel entry. Entries of the window that fall in the zero padding "
            "contribute nothing and are left out.",
            {"K": "A kernel entry multiplies one input entry in every output entry, so its gradient sums the upstream "
                  "gradient of each output entry times the input entry it met there.",
             "in": "An input entry reaches every output entry whose window covers it, through one kernel entry each, "
                   "so its gradient sums upstream gradient times that kernel entry. An input entry that no window "
                   "covers has gradient 0.",
             "b": "The bias of an output channel is added to each of its entries, so its gradient is the sum of the "
                  "channel's upstream gradient."},
            _formulas(self.conv_spec(step.shape_in), step),
        )

    def steps(self, step: DocStep) -> dict[str, tuple[str, list[str]]]:
        """The output-size formula for both axes, with the numbers put in."""
        spec = self.conv_spec(step.shape_in)
        lines = []
        for axis, big, small in ((0, "H", "h"), (1, "W", "w")):
            n, k = spec.input[axis], spec.kernel[axis]
            s, p, d = spec.stride[axis], spec.padding[axis], spec.dilation[axis]
            lines.append(
                rf"{big}_o &= \left\lfloor \frac{{{big} + 2 p_{small} - d_{small} (k_{small} - 1) - 1}}{{s_{small}}} \right\rfloor + 1"
                rf" = \left\lfloor \frac{{{n} + 2 \cdot {p} - {d} \cdot ({k} - 1) - 1}}{{{s}}} \right\rfloor + 1"
                rf" = {spec.output[axis]}"
            )
        return {"out": ("Output size", lines)}

    def figures(self, step: DocStep) -> dict[str, list[Grid]]:
        """The window figure goes with the output, the figure of where an input entry goes with dL/d(input)."""
        spec = self.conv_spec(step.shape_in)
        found = {"out": _window_figure(spec, step), "in": _feeds_figure(spec, step)}
        return {key: [grid] for key, grid in found.items() if grid is not None}


def _formulas(spec: ConvSpec, step: DocStep) -> dict[str, list[str]]:
    """The general index formulas at this stride, padding and dilation (MATH.md), in the document's
    letters, indices written out as `check` reads them: x_{2r + p - 3, ...}; an index outside its
    tensor (the zero padding) is a term that does not exist."""
    many_in, many_out = spec.in_channels > 1, spec.out_channels > 1
    (kh, kw), (ho, wo) = spec.kernel, spec.output

    def name(which: str, channel: str, sub: str) -> str:
        letter, layer = step.entry(which)
        sup = layer + (f"({channel})" if channel else "")
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{sub}}}"

    rows, cols = index_rule(spec, 0, "r", "p"), index_rule(spec, 1, "s", "q")
    x_at = name("in", "c" if many_in else "", rf"{rows},\, {cols}")
    # The kernel's channel pair is written whenever either count is above one; a count of one is 1.
    pair = f"{'m' if many_out else 1},{'c' if many_in else 1}" if many_in or many_out else ""
    k = name("K", pair, "p,q")
    y = name("out", "m" if many_out else "", "r,s")
    g = rf"\frac{{\partial L}}{{\partial {y}}}"
    d = lambda entry: rf"\frac{{\partial L}}{{\partial {entry}}}"
    over = lambda index, n: rf"\sum_{{{index}=1}}^{{{n}}} "
    over_c = over("c", spec.in_channels) if many_in else ""
    over_m = over("m", spec.out_channels) if many_out else ""
    over_rs = over("r", ho) + over("s", wo)
    bias = _bias(step, many_out)
    out = {
        "out": [rf"{y} &= {bias}{over_c}{over('p', kh)}{over('q', kw)}{x_at}\, {k}"],
        "K": [rf"{d(k)} &= {over_rs}{g}\, {x_at}"],
    }
    x = name("in", "c" if many_in else "", "i,j")
    if spec.dilation == (1, 1):  # the kernel tap that joins (r, s) to (i, j), as a full convolution
        k_at = name("K", pair, rf"{_tap(spec, 0, 'i', 'r')},\, {_tap(spec, 1, 'j', 's')}")
        out["in"] = [rf"{d(x)} &= {over_m}{over_rs}{g}\, {k_at}"]
    else:  # taps spaced by the dilation: only some (r, p) meet row i
        out["in"] = [rf"{d(x)} &= {over_m}\sum_{{(r,p):\ {rows} = i}} \ \sum_{{(s,q):\ {cols} = j}} {g}\, {k}"]
    if spec.bias:
        out["b"] = [rf"{d(bias.removesuffix(' + '))} &= {over_rs}{g}"]
    return out


def _tap(spec: ConvSpec, axis: int, given: str, out: str) -> str:
    """The kernel index (1-based) through which output index `out` meets input index `given`, without
    dilation: p = i - s (r - 1) + pad, or its mirror kh + 1 - p for the convolution convention."""
    s, pad, k = spec.stride[axis], spec.padding[axis], spec.kernel[axis]
    if spec.flipped:
        return affine([(-1, given), (s, out)], k + 1 - s - pad)
    return affine([(1, given), (-s, out)], s + pad)


def _bias(step: DocStep, many_out: bool) -> str:
    """b, b_{m} or b^{[l]}_{m} followed by " + ", as the entries write the bias; "" without one."""
    if "b" not in step.letters:
        return ""
    letter, layer = step.entry("b")
    sub = "_{m}" if many_out or layer else ""
    return letter + (f"^{{{layer}}}" if layer else "") + sub + " + "


def _first(shape: Shape, axes: int = 1) -> str:
    """The channel a figure shows, written when the tensor has several: "1", "1,1", or ""."""
    return ",".join("1" for _ in range(axes)) if any(n > 1 for n in shape[:axes]) else ""


def _plain(letter: str, sup: str) -> str:
    """A tensor's letter with its layer, as math: a^{[1]}."""
    return letter + (f"^{{{sup}}}" if sup else "")


def _window_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """The padded input (one channel) with the taps of output (1, 1) and (1, 2) marked."""
    (ph, pw), (h, w) = spec.padding, spec.input
    rows, cols = h + 2 * ph, w + 2 * pw
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    (sh, sw), (dh, dw), (kh, kw) = spec.stride, spec.dilation, spec.kernel
    window = lambda r, s: {(padded_position(r, p, sh, dh), padded_position(s, q, sw, dw))
                           for p in range(kh) for q in range(kw)}
    first = window(0, 0)
    second = window(0, 1) if spec.output[1] > 1 else set()
    base, sup = step.entry("in")  # the channel is in the caption: labels stay short enough for a cell
    cells = []
    for r in range(rows):
        for c in range(cols):
            inside = ph <= r < ph + h and pw <= c < pw + w
            label = Label(base, f"{r - ph + 1},{c - pw + 1}", sup) if inside else Label()
            role = "both" if (r, c) in first and (r, c) in second else (
                "window" if (r, c) in first else "second" if (r, c) in second else "cell" if inside else "pad")
            cells.append((r, c, label, role))
    out = step.entry("out")
    legend = [("window", f"the window of {entry(*out, 1, 1)}")]
    if second:
        legend.append(("second", f"the window of {entry(*out, 1, 2)}, {plural(sw, 'column')} further (the stride)"))
        if first & second:
            legend.append(("both", "in both windows"))
    if ph or pw:
        legend.append(("pad", "zero padding"))
    what = f"The padded input ({size(rows, cols)})" if ph or pw else f"The input ({size(rows, cols)})"
    channel = "channel 1" if _first(step.shape_in) else "one channel"
    spacing = (f" The taps are {plural(dh, 'row')} and {plural(dw, 'column')} apart (the dilation)."
               if (dh, dw) != (1, 1) else "")
    neighbour = " and of its right-hand neighbour" if second else ""
    caption = (f"{what} of {channel}: the {size(kh, kw)} window of the first output entry{neighbour}; "
               f"stride {size(sh, sw)}.{spacing}")
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"window{suffix}", rows, cols, tuple(cells), caption, tuple(legend))


def _feeds_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """The output grid, with the entries that one input entry feeds, each marked with the kernel entry."""
    (ho, wo), (h, w) = spec.output, spec.input
    if ho > MAX_CELLS or wo > MAX_CELLS:
        return None
    i, j = (h - 1) // 2, (w - 1) // 2  # the input entry nearest the middle (0-based)
    index = IndexMap(spec)
    rows = {r: index.kernel_row(p) for r, p, ii in index.rows if ii == i}
    cols = {s: index.kernel_col(q) for s, q, jj in index.cols if jj == j}
    kernel, ksup = step.entry("K")
    out, osup = step.entry("out")
    cells = []
    for r in range(ho):
        for s in range(wo):
            if r in rows and s in cols:
                cells.append((r, s, Label(kernel, f"{rows[r] + 1},{cols[s] + 1}", ksup), "hit"))
            else:
                cells.append((r, s, Label(out, f"{r + 1},{s + 1}", osup), "cell"))
    name = entry(*step.entry("in"), i + 1, j + 1)
    channels = (" (output channel 1, input channel 1)" if _first((spec.out_channels, spec.in_channels), 2) else "")
    gradient = rf"$\partial L / \partial {name.strip('$')}$"
    caption = (f"The output ({size(ho, wo)}){channels}: the entries that read input entry {name} show the kernel entry "
               f"through which they read it. {gradient} sums the upstream gradient of each times that kernel entry.")
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"feeds{suffix}", ho, wo, tuple(cells), caption, (("hit", f"reads {name}; the kernel entry used"),))
