"""What the documents show of a transposed convolution: its rule in words (a scatter, the transpose of
a convolution's matrix, a convolution of the spread and padded input), its general index formulas, its
rules in tensor form, and the figure of the zero-inserted input with the first output entry's window."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..figure import MAX_CELLS, Grid, Label
from ..indexmap import general_index, index_rule
from ..symbols import latex_base
from ..words import entry, matrix_name, plural, size
from .base import DocStep, Sizes, Words

if TYPE_CHECKING:
    from .conv_transpose import ConvTranspose


def _channels(layer: ConvTranspose, step: DocStep) -> tuple[str, str, str, str, str]:
    """(input channel c, output channel o, kernel pair, sum over c, sum over o) as the formulas write them;
    with groups, the sums run over the channels of one group and the kernel's second index is o's
    place in its group, o - n_o floor((c - 1) / n_i)."""
    c_in, c_out, g = step.shape_in[0], layer.out_channels, layer.groups
    c = "c" if c_in > 1 else ""
    o = "o" if c_out > 1 else ""
    n_in, n_out = c_in // g, c_out // g
    if g == 1:
        pair = f"{c or 1},{o or 1}" if c or o else ""
        return c, o, pair, (rf"\sum_{{c=1}}^{{{c_in}}} " if c else ""), (rf"\sum_{{o=1}}^{{{c_out}}} " if o else "")
    second = "o - o_c" if n_out > 1 else "1"
    return c, o, f"c,{second}", r"\sum_{c \in \mathcal{C}_o} " if n_in > 1 else "", \
        r"\sum_{o \in \mathcal{O}_c} " if n_out > 1 else ""


def _groups_sentence(layer: ConvTranspose, step: DocStep) -> str:
    g = layer.groups
    if g == 1:
        return ""
    n_in, n_out = step.shape_in[0] // g, layer.out_channels // g
    return (f" The channels form {g} groups: input channel $c$ writes only the {plural(n_out, 'output channel')} of its "
            rf"group, $\mathcal{{O}}_c$, from $o_c + 1$ to $o_c + {n_out}$ with $o_c = {n_out if n_out > 1 else ''}"
            rf"\lfloor (c - 1) / {n_in} \rfloor$; $\mathcal{{C}}_o$ are the input channels of output channel $o$'s "
            "group.")


def words(layer: ConvTranspose, step: DocStep) -> Words:
    sh, sw = layer.stride
    c, o, pair, over_c, over_o = _channels(layer, step)
    (h, w), (ho, wo) = step.shape_in[1:], step.shape_out[1:]
    z = step.sizes
    extra = plural(sh - 1, "zero") + (f" (and {sw - 1} across)" if sw != sh else "")
    full = tuple(d * (k - 1) - p for d, k, p in zip(layer.dilation, layer.kernel, layer.padding))
    forward = (
        rf"Each input entry scatters a copy of the kernel, scaled by the entry, onto the output: input entry $(i, j)$ "
        rf"adds its value times $k_{{p,q}}$ to the output entry at row $S_h (i - 1) + D_h (p - 1) + 1 - P_h$ and the "
        rf"matching column ($S$, $P$, $D$ the stride, padding and dilation), "
        rf"every $S$ rows and columns apart for neighbouring inputs, and where copies overlap they "
        rf"add. The output is ${z.ho} = ({z.h} - 1) S_h - 2 P_h + D_h (K_h - 1) + \mathit{{op}}_h + 1 = {ho}$ rows by "
        rf"${z.wo} = {wo}$ "
        rf"columns ($\mathit{{op}}_h$: the output padding). "
        rf"It is the transpose of a convolution: let $M$ be the matrix of the convolution with the same kernel, "
        rf"stride, padding and dilation that takes a ${ho} \times {wo}$ image $Z$ to ${h} \times {w}$, "
        rf"$\operatorname{{vec}}(\operatorname{{conv}}(Z)) = M \operatorname{{vec}}(Z)$; then, with $X$ this layer's "
        rf"${h} \times {w}$ input and $Y$ its ${ho} \times {wo}$ output, "
        rf"$\operatorname{{vec}}(Y) = M^{{\mathsf{{T}}}} \operatorname{{vec}}(X)$: the input is the small side, the "
        rf"output the large one. Seen as a convolution, it puts "
        rf"{extra} between neighbouring input entries (the stride), pads the result with "
        + (rf"${full[0]}$" if full[0] == full[1] else rf"${full[0]} \times {full[1]}$")
        + (" zero" if full == (1, 1) else " zeros") + r" on every side ($d (k - 1) - p$)"
        + (" and the output padding at the bottom and right" if layer.output_padding != (0, 0) else "")
        + r", and correlates that with the kernel rotated by 180 degrees."
        + (r" With output padding, $\operatorname{crop}(\cdot)$ in the rules keeps that many more rows and columns at "
           r"the bottom and right, and $\operatorname{pad}(\cdot)$ of the gradient adds that many fewer there."
           if layer.output_padding != (0, 0) else "")
        + (" The kernel's indices are (input channel, output channel), in PyTorch's layout for a transposed "
           "convolution's weight." if pair else "")
        + _groups_sentence(layer, step))
    backward = {
        "in": "The input's gradient is the convolution's forward pass: each input entry reaches the output entries "
              "its copy of the kernel covers, one per kernel entry, so its gradient is the upstream gradient "
              "there correlated with the kernel at the stride.",
        "K": "A kernel entry meets every input entry once, in the output entry where its copy of that input lands, so "
             "its gradient sums input entry times the upstream gradient there.",
        "b": "The bias of an output channel is added to each of its entries, so its gradient is the sum of the "
             "channel's upstream gradient.",
    }
    return Words(forward, backward, _formulas(layer, step), general=_formulas(layer, step, general=True),
                 general_note=general_note(step.sizes))


def general_note(z: Sizes) -> str:
    """Where the general formulas' indices run and which of their terms exist, with the output row and column they
    write, rho_h(i, p) and rho_w(j, q): said once per kind, in the document's size letters."""
    return (
        rf"Here $\rho_h(i, p) = {general_index(0, 'i', 'p')}$ and $\rho_w(j, q) = {general_index(1, 'j', 'q')}$ are "
        rf"the output row and column that input entry $(i, j)$ reaches through kernel entry $(p, q)$; $1 \le i \le {z.h}$, "
        rf"$1 \le j \le {z.w}$ (${z.h} \times {z.w}$ the input's size), $1 \le p \le K_h$, $1 \le q \le K_w$, and the "
        rf"output has ${z.ho} = ({z.h} - 1) S_h - 2 P_h + D_h (K_h - 1) + \mathit{{op}}_h + 1$ rows and ${z.wo}$ columns "
        rf"alike; a term exists only where $1 \le \rho_h(i, p) \le {z.ho}$ and $1 \le \rho_w(j, q) \le {z.wo}$ (else "
        r"it lands outside the output, in the border it crops off).")


def _formulas(layer: ConvTranspose, step: DocStep, general: bool = False) -> dict[str, list[str]]:
    """The general index formulas: the output as a sum over the input entries and taps that land on it,
    the input's gradient as a correlation at the stride, the kernel's gradient as a sum over the input. With
    `general`, the same in symbols for any size, stride, padding and dilation (the output row and column
    rho_h(i, p), rho_w(j, q) that general_note defines, sums up to the input's and output's sizes and K_h, K_w)."""
    adjoint = layer.adjoint(step.shape_in)  # its index rule, output i and tap p, is where x_i's tap p lands
    c, o, pair, over_c, over_o = _channels(layer, step)
    rows, cols = index_rule(adjoint, 0, "i", "p"), index_rule(adjoint, 1, "j", "q")
    (h, w), (kh, kw) = step.shape_in[1:], layer.kernel
    (ho, wo) = step.shape_out[1:]
    if general:
        rows, cols = r"\rho_h(i, p)", r"\rho_w(j, q)"
        (h, w, ho, wo), (kh, kw) = step.sizes, ("K_h", "K_w")

    def name(which: str, channel: str, sub: str) -> str:
        letter, layer_sup = step.entry(which)
        sup = layer_sup + (f"({channel})" if channel else "")
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{sub}}}"

    d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
    over = lambda index, n: rf"\sum_{{{index}=1}}^{{{n}}} "
    x, k = name("in", c, "i,j"), name("K", pair, "p,q")
    y = name("out", o, "u,v")
    g_at = step.gradient_entry(o, rf"{rows},\, {cols}")
    bias = ""
    if layer.bias:
        bias = step.symbol("b") + ("_{o}" if o or step.number is not None else "") + " + "
    out = {
        "out": [rf"{y} &= {bias}{over_c}\sum_{{{rows} = u}} \ \sum_{{{cols} = v}} {x}\, {k}" if general else
                rf"{y} &= {bias}{over_c}\sum_{{(i,p):\ {rows} = u}} \ \sum_{{(j,q):\ {cols} = v}} {x}\, {k}"],
        "in": [rf"{d(x)} &= {over_o}{over('p', kh)}{over('q', kw)}{g_at}\, {k}"],
        "K": [rf"{d(k)} &= {over('i', h)}{over('j', w)}{g_at}\, {x}"],
    }
    if layer.bias:
        out["b"] = [rf"{d(bias.removesuffix(' + '))} &= {over('u', ho)}{over('v', wo)}"
                    rf"{step.gradient_entry(o, 'u,v')}"]
    return out


def rules(layer: ConvTranspose, step: DocStep) -> list[str]:
    r"""In tensor form: the output a full convolution of the spread input with the rotated kernel (the
    convolution's input-gradient rule), the input's gradient the convolution's forward rule, the kernel's
    a correlation of the padded gradient with the spread input."""
    c, o, pair, _, _ = _channels(layer, step)
    K = matrix_name(*step.entry("K", pair))
    ex = step.example  # over a batch, example n's channels: (n,c)
    a_in, a_out = step.symbol("in", ex(c)), step.symbol("out", ex(o))
    d_in, d_out = step.delta("in", ex(c)), step.delta("out", ex(o))
    over_c = (r"\sum_c " if layer.groups == 1 else r"\sum_{c \in \mathcal{C}_o} ") if c else ""
    over_o = (r"\sum_o " if layer.groups == 1 else r"\sum_{o \in \mathcal{O}_c} ") if o else ""
    strided, padded = layer.stride != (1, 1), layer.padding != (0, 0)
    spread = rf"\operatorname{{spread}}({a_in})" if strided else a_in
    kernel = K if layer.dilation == (1, 1) else rf"\operatorname{{dilate}}({K})"
    sh, sw = layer.stride
    stride = "" if not strided else f"_{{{sh}}}" if sh == sw else f"_{{({sh},{sw})}}"
    d_pad = rf"\operatorname{{pad}}({d_out})" if padded else d_out
    scatter = rf"\operatorname{{full}}\bigl({spread}\bigr) \star \operatorname{{rot}}_{{180}}({kernel})"
    bias = (step.symbol("b") + ("_o" if o or step.number is not None else "") + " + ") if layer.bias else ""
    dh, dw = layer.dilation
    taps = "" if (dh, dw) == (1, 1) else f"_{{{dh}}}" if dh == dw else f"_{{({dh},{dw})}}"
    lines = [rf"{a_out} &= {bias}{over_c}" + (rf"\operatorname{{crop}}\Bigl({scatter}\Bigr)" if padded else scatter),
             rf"{d_in} &= {over_o}{d_pad} \star{stride} {kernel}",
             rf"\frac{{\partial L}}{{\partial {K}}} &= {step.over_batch}{d_pad} \star{taps} {spread}"]
    if layer.bias:
        lines.append(rf"\frac{{\partial L}}{{\partial {bias.removesuffix(' + ')}}} &= "
                     rf"{step.over_batch}\sum_{{u,v}} \bigl({d_out}\bigr)_{{u,v}}")
    return lines


def figures(layer: ConvTranspose, step: DocStep) -> dict[str, list[Grid]]:
    grid = _zero_inserted_figure(layer, step)
    return {"out": [grid]} if grid is not None else {}


def _zero_inserted_figure(layer: ConvTranspose, step: DocStep) -> Grid | None:
    """The input (one channel) spread by the stride and padded with d (k - 1) - p zeros (and the output
    padding), with the rotated kernel's window over the first output entry; none where the padding
    exceeds d (k - 1) (the border is cropped, not padded) or the grid is too large to draw."""
    (h, w), (sh, sw), (dh, dw), (kh, kw) = step.shape_in[1:], layer.stride, layer.dilation, layer.kernel
    border = [d * (k - 1) - p for d, k, p in zip(layer.dilation, layer.kernel, layer.padding)]
    if min(border) < 0:
        return None
    (ho, wo) = step.shape_out[1:]
    span = (dh * (kh - 1) + 1, dw * (kw - 1) + 1)
    rows, cols = ho + span[0] - 1, wo + span[1] - 1  # what a valid correlation of this size needs
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    at = {(border[0] + sh * i, border[1] + sw * j): (i, j) for i in range(h) for j in range(w)}
    base, sup = step.entry("in")
    _, pair, *_ = _channels(layer, step)[1:]
    kernel, ksup = step.entry("K", "1,1" if pair else "")
    cells, marks = [], []
    for r in range(rows):
        for s in range(cols):
            tap = r < span[0] and s < span[1] and r % dh == 0 and s % dw == 0
            label = Label(base, f"{at[r, s][0] + 1},{at[r, s][1] + 1}", sup) if (r, s) in at else Label()
            role = "hit" if tap and (r, s) in at else "window" if tap else "cell" if (r, s) in at else "pad"
            cells.append((r, s, label, role))
            if tap:  # the window's tap (r, s) meets the rotated kernel: stored entry (kh - r/dh, kw - s/dw)
                marks.append((r, s, Label(kernel, f"{kh - r // dh},{kw - s // dw}", ksup)))
    y11 = entry(*step.entry("out", "1" if layer.out_channels > 1 else ""), 1, 1)
    present = {role for *_, role in cells}
    legend = [(role, text) for role, text in (
        ("hit", f"a term of {y11}: the input entry times the kernel entry in its corner"),
        ("window", "a tap of the rotated kernel over an inserted zero"),
        ("pad", "an inserted zero: between entries (the stride) or around them (the padding)")) if role in present]
    zeros = [plural(n - 1, f"zero {noun}") for n, noun in ((sh, "row"), (sw, "column")) if n > 1]
    caption = (f"The input ({size(h, w)}" + (", channel 1" if step.shape_in[0] > 1 else "") + ")"
               + (f" with {' and '.join(zeros)} between its entries (the stride)" if zeros else "")
               + f", padded to {size(rows, cols)}"
               + (" (the last rows and columns include the output padding)" if layer.output_padding != (0, 0) else "")
               + ": the transposed convolution is the valid correlation of this grid with the kernel rotated by 180 "
               f"degrees. The window shown gives {y11}"
               + (" from input channel 1 (each other input channel adds the same with its own kernel)"
                  if step.shape_in[0] > 1 else "")
               + (", plus the bias" if layer.bias else "")
               + "; it moves one cell for each output entry, so every output entry sums the input entries its window "
               "covers times the kernel entries in their corners.")
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"zero-inserted{suffix}", rows, cols, tuple(cells), caption, tuple(legend),
                "the transposed convolution as a correlation of the zero-inserted input with the rotated kernel",
                tuple(marks))
