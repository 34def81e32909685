"""What the documents show of a convolution layer: its settings, its rules in words, the general
index formulas and the results in matrix form, the output-size step, and its figures (the window and
where an input entry goes), all from the layer's index map and in the document's letters."""

from __future__ import annotations

import re
from dataclasses import replace
from typing import NamedTuple

from ..figure import MAX_CELLS, Grid, Label
from ..indexmap import IndexMap, affine, general_index, index_rule, padded_position, source
from ..spec import ConvSpec, SpecError
from ..symbols import latex_base
from ..words import entry, matrix_name, padding_per_side, per_axis, plural, size
from ..words import spacing as spacing_of
from .base import DocStep, Exercise, Shape, Sizes, Words
from .operators import NOTATION, crop_words, general_operators


class Channels(NamedTuple):
    """How the formulas write the channels a kernel joins, ungrouped or in groups (each a LaTeX piece)."""

    x: str  # the input channel kernel (m, c) reads: c, m (depthwise), o_m + c; "" with one channel
    pair: str  # the kernel's channels in the forward formula: m,c; 1,c; m,1; "" for one of each
    over_c: str  # the sum over the kernel's input channels, or ""
    readers: str  # the sum over the output channels that read input channel c, or ""
    back_pair: str  # the kernel's channels seen from input channel c: m,c; m,c - o_m; c,1
    g: str  # the upstream gradient's channel seen from input channel c: m, c (depthwise) or ""
    defined: str  # a sentence defining o_m and M_c, or ""


def channels(spec: ConvSpec, general: bool = False) -> Channels:
    """The channel notation of the formulas, rules and results. With groups, output channel m reads the
    input channels o_m + 1 to o_m + C_in/g, o_m = (C_in/g) floor((m - 1) / (C_out/g)); depthwise (one
    input and one output channel per group) reads channel m alone. With `general`, the sums over the channels
    run to C_in and C_out (without groups), as a formula for any size writes them, and the input channel c is written
    even where this layer has one (review r15 item 2: the general rule sums over the input channels)."""
    over = lambda index, n: rf"\sum_{{{index}=1}}^{{{n}}} "
    many_in, many_out = spec.in_channels > 1 or (general and spec.groups == 1), spec.out_channels > 1
    if spec.groups == 1:
        pair = f"{'m' if many_out else 1},{'c' if many_in else 1}" if many_in or many_out else ""
        c_in, c_out = (r"C_{\mathrm{in}}", r"C_{\mathrm{out}}") if general else (spec.in_channels, spec.out_channels)
        return Channels("c" if many_in else "", pair, over("c", c_in) if many_in else "",
                        over("m", c_out) if many_out else "", pair, "m" if many_out else "", "")
    n_in, n_out, g = spec.in_per_group, spec.out_per_group, spec.groups
    if n_in == 1 and n_out == 1:  # depthwise: channel m of the input gives channel m of the output
        return Channels("m", "m,1", "", "", "c,1", "c",
                        f"The {g} groups are the channels themselves (a depthwise convolution): output channel $m$ "
                        f"reads input channel $m$ alone, through its one kernel $K^{{(m,1)}}$.")
    c = "c" if n_in > 1 else "1"
    return Channels(f"o_m + {c}", f"m,{c}", over("c", n_in) if n_in > 1 else "", r"\sum_{m \in \mathcal{M}_c} ",
                    "m,c - o_m" if n_in > 1 else "m,1", "m",
                    f"The channels form $g = {g}$ groups of {plural(n_in, 'input channel')} and "
                    f"{plural(n_out, 'output channel')} each: output channel $m$ reads only the input channels of its "
                    rf"group, $o_m + 1$ to $o_m + {n_in}$, where $o_m = \frac{{C_{{\mathrm{{in}}}}}}{{g}} \lfloor (m - 1) / "
                    rf"\frac{{C_{{\mathrm{{out}}}}}}{{g}} \rfloor = {n_in if n_in > 1 else ''}\lfloor (m - 1) / {n_out} \rfloor$ "
                    r"counts the input channels before its group. In a kernel $K^{(m,c)}$ the second index $c$ counts "
                    rf"within the group (1 to {n_in}), and $K^{{(m,c)}}$ reads input channel $o_m + c$; "
                    rf"$\mathcal{{M}}_c$ is the set of the {plural(n_out, 'output channel')} in the group of input "
                    "channel $c$.")


def full_phrase(kernel: str, flipped: bool = False) -> str:
    r"""How the documents name the operation that gives dL/dX, in symconv's own vocabulary (--convention:
    a correlation slides the kernel as it is, a convolution slides it rotated): the full correlation with
    rot180(K), that is the full convolution with K; with the convolution convention the layer has
    already rotated its kernel, so the full correlation with K, that is the full convolution with
    rot180(K). `kernel` is LaTeX (K, \tilde{K}, \operatorname{dilate}(K))."""
    rotated = rf"$\operatorname{{rot}}_{{180}}({kernel})$"
    if flipped:
        return f"the full correlation with ${kernel}$, that is the full convolution with {rotated}"
    return f"the full correlation with {rotated}, that is the full convolution with ${kernel}$"


def _kernel_symbol(spec: ConvSpec, step: DocStep, pair: str = "") -> str:
    """The kernel as the backward pass slides it: K, or dilate(K) with a dilation (one channel pair); with
    `pair` ("1,1"), that pair's kernel by name, K^{[1](1,1)}, as a figure draws it."""
    K = matrix_name(*step.entry("K", pair))
    return K if spec.dilation == (1, 1) else rf"\operatorname{{dilate}}({K})"


def why_rotated(spec: ConvSpec, step: DocStep, answer: bool = False) -> str:
    """Why the kernel turns up rotated in dL/dX (or, with the convolution convention, as stored), from
    the index rule the forward pass uses: a few sentences beside the figure; as the handout's `answer`, to a
    question that already names the operation, without the heading and the closing sentence that repeat it."""
    if answer:
        text = why_rotated(spec, step)
        text = re.sub(r"^Why the kernel turns up (rotated|as stored): ", "", text)
        text = text.split(" So the gradient is ")[0]  # the question has just said what it is
        return text[:1].upper() + text[1:]
    rows = index_rule(spec, 0, "r", "p")
    # the kernel of one channel pair, as the formulas write it (K^{[1](m,1)}): rot180 turns a matrix, not the 4-D K
    pair = channels(spec).back_pair
    phrase = full_phrase(_kernel_symbol(spec, step, pair), spec.flipped)
    summed = ", summed over the output channels $m$" if channels(spec).readers else ""
    if spec.kernel_span == (1, 1):
        return ("A $1 \\times 1$ kernel has nothing to turn: each output entry reads only the input entry at its own "
                "place, so an input entry's gradient is the upstream gradient there times the kernel entry"
                + (", summed over the output channels" if spec.out_per_group > 1 else "")
                + f": here {phrase}, is just that product.")
    if spec.flipped:
        return (f"Why the kernel turns up as stored: output row $r$ reads input row ${rows}$ through kernel row $p$ "
                "(the layer applies the kernel rotated), so the later the output row, the later the kernel row through "
                "which it meets a given input row, on both axes: gathering the upstream gradient around an input entry "
                "meets the kernel's entries in their stored order (the backward pass's rotation undoes the layer's), "
                f"and the gradient is {phrase}{summed}.")
    # rot180 and the full correlation defined where they are first named, before the gradient is said to be one
    return (f"Why the kernel turns up rotated: output row $r$ reads input row ${rows}$ through kernel row $p$, so the "
            "later the output row, the earlier the kernel row through which it meets a given input row, and likewise "
            "for the columns. Gathering the upstream gradient around an input entry therefore meets the kernel's "
            f"entries from the last to the first on both axes: {rotated_defined(spec, step, pair)}. "
            f"So the gradient is {phrase}{summed}; full means that the kernel slides wherever it overlaps the upstream "
            f"gradient, and {full_zeros(spec)}.")


def rotated_defined(spec: ConvSpec, step: DocStep, pair: str = "") -> str:
    """rot180 of one channel pair's kernel, by its entries: the kernel turned by 180 degrees."""
    letter, sup = step.entry("K", pair)
    K, k = matrix_name(letter, sup), latex_base(letter) + (f"^{{{sup}}}" if sup else "")
    if spec.dilation != (1, 1):
        K = rf"\operatorname{{dilate}}({K})"
        return (rf"they are the entries of $\operatorname{{rot}}_{{180}}({K})$, the dilated kernel turned by 180 "
                "degrees")
    return (rf"in the order of $\operatorname{{rot}}_{{180}}({K})$, where "
            rf"$\operatorname{{rot}}_{{180}}({K})_{{p,q}} = {k}_{{K_h+1-p,\,K_w+1-q}}$ is the kernel turned by 180 degrees")


def full_zeros(spec: ConvSpec) -> str:
    """What makes the correlation full, said where it is named: the zeros around the upstream gradient."""
    span = result_sizes(spec)["rotated kernel"]
    return (f"the upstream gradient gets {_full_border(spec)} of zeros on every side (here {span[0] - 1} and "
            f"{span[1] - 1}), so that the kernel meets each input entry at each of its taps")


def _notes(spec: ConvSpec, step: DocStep) -> dict[str, str]:
    """What the general index formulas leave to the reader, said right after them: which terms of each sum
    exist (a kernel index outside 1..k, or an input index in the zero padding, means no term)."""
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    rows, cols = index_rule(spec, 0, "r", "p"), index_rule(spec, 1, "s", "q")
    out = {}
    if spec.copies:
        out["out"] = copies_note(spec, step)
        # the kernel's gradient reads the same entries: said in full once, beside the output's formula
        out["K"] = (r"As in the output's formula, an input index outside the input reads the entry the padding copies "
                    rf"there ($\rho_H$ and $\rho_W$ as above): every term exists, ${rows}$ and ${cols}$ running over "
                    "the padded rows and columns.")
        out["in"] = (rf"Here $\rho_H$ and $\rho_W$ are as above, and $r$ runs from 1 to {ho}, $p$ from 1 to {kh}, $s$ from "
                     rf"1 to {wo} and $q$ from 1 to {kw}: a tap whose input index falls in the padding gives its term to "
                     "the entry the padding copies there, so an entry near the border collects the terms of its own "
                     "windows and those of each of its copies.")
        return out
    if spec.has_padding:
        padding = (rf"A term exists only where the input index lies in the input, $1 \le {rows} \le {h}$ and "
                   rf"$1 \le {cols} \le {w}$: any other falls in the zero padding and gives no term.")
        out["out"] = out["K"] = padding
    if spec.dilation == (1, 1):
        p, q = _tap(spec, 0, "i", "r"), _tap(spec, 1, "j", "s")
        out["in"] = (rf"In this sum a term exists only where the kernel index lies in the kernel, "
                     rf"$1 \le {p} \le {kh}$ and $1 \le {q} \le {kw}$: an $(r, s)$ whose kernel index falls outside "
                     + (f"1 to {kh}" if kh == kw else f"1 to {kh} (rows) or 1 to {kw} (columns)")
                     + " gives no term (the kernel has no such entry).")
    else:
        out["in"] = (rf"In these sums $r$ runs from 1 to {ho} and $p$ from 1 to {kh}, $s$ from 1 to {wo} and $q$ from 1 "
                     rf"to {kw}: only the pairs whose input index is $i$ (and $j$) give a term, and a kernel index "
                     rf"outside these ranges gives none.")
    return out


def star_d_words(verb: str = "is") -> str:
    """What the kernel's gradient's correlation at dilation D is, exactly: taken at entries D apart and only as many
    as the kernel has (at a stride that leaves the padded input's last rows unread, the whole correlation is larger)."""
    return (rf"$\star_D$ {verb} the correlation taken at entries $D$ apart and cut to the kernel's size, "
            r"$(U \star_D V)_{p,q} = \sum_{r,s} u_{D_h (p-1) + r,\, D_w (q-1) + s}\, v_{r,s}$ for $1 \le p \le K_h$, "
            r"$1 \le q \le K_w$ (the letters of a definition are the operator's own placeholders)")


# The operators of a convolution's results, defined by formula before the boxes that use them (in a single layer's
# document rot180 was defined before, with the input's gradient: STAR_ONLY).
STAR_ONLY = (r"Here $\star$ is the valid cross-correlation (stride 1, no padding, dilation 1), "
             r"$(U \star V)_{r,s} = \sum_{p,q} u_{r+p-1,\,s+q-1}\, v_{p,q}$ "
             r"summed over the entries of $V$, at every $(r, s)$ where $V$ fits inside $U$")
STAR = STAR_ONLY + r"; $\operatorname{rot}_{180}(K)_{p,q} = k_{K_h+1-p,\,K_w+1-q}$ is the kernel turned by 180 degrees."


# What each padding mode copies into the padding, in words (PyTorch's padding_mode).
MODE_WORDS = {
    "reflect": "the input reflected across its border entries: the padded row next to the first row copies the "
               "second row, the one after it the third, and likewise at every border",
    "replicate": "the input's border entries repeated: every padded row above the input copies its first row, "
                 "and likewise at every border",
    "circular": "the input repeated as if it wrapped around: the padded rows above the input copy its last rows, "
                "those below it its first rows, and likewise for the columns",
}


def rho(spec: ConvSpec, axis: int) -> str:
    r"""Where index i of one axis (1-based, in the padding outside 1..N) reads, as prose with math:
    $\rho_H(i) = 2 - i$ for $i < 1$, ... for reflect padding."""
    big, n = ("H", spec.input[0]) if axis == 0 else ("W", spec.input[1])
    below, above = {"reflect": ("2 - i", f"{2 * n} - i"), "replicate": ("1", str(n)),
                    "circular": (f"i + {n}", f"i - {n}")}[spec.padding_mode]
    return rf"$\rho_{big}(i) = {below}$ for $i < 1$, ${above}$ for $i > {n}$ and $i$ otherwise"


def copies_note(spec: ConvSpec, step: DocStep) -> str:
    """How the general formulas read an index in the padding, when the padding copies the input."""
    rows, cols = index_rule(spec, 0, "r", "p"), index_rule(spec, 1, "s", "q")
    x = step.symbol("in")
    return (rf"The padding ({spec.padding_mode}) is {MODE_WORDS[spec.padding_mode]}. So an input index outside the "
            rf"input reads the entry copied there: ${x}_{{i,j}}$ with $i$ or $j$ outside the input means "
            rf"${x}_{{\rho_H(i), \rho_W(j)}}$, where {rho(spec, 0)}, and likewise {rho(spec, 1)}. Every term of the "
            rf"sum exists: ${rows}$ and ${cols}$ run over the padded rows and columns.")


def padding_words(padding) -> str:
    """The padding as a layer's one-line description says it (", padding 1", ", padding same"), or "" for none."""
    if isinstance(padding, str):
        return f", padding {padding}"
    if isinstance(padding[0], tuple):
        (top, bottom), (left, right) = padding
        return f", padding {top} top, {bottom} bottom, {left} left, {right} right"
    return f", padding {spacing_of(padding)}" if padding != (0, 0) else ""


def _same_reason(spec: ConvSpec) -> str:
    """Why the sides differ when they are what padding "same" gives: PyTorch's split of an odd total."""
    total = [d * (k - 1) for d, k in zip(spec.dilation, spec.kernel)]
    same = spec.stride == (1, 1) and spec.padding == tuple(t // 2 for t in total) and \
        spec.end_padding == tuple(t - t // 2 for t in total)
    return (": padding same pads $D (k - 1)$ rows and columns in all, so that the output keeps the input's size, and "
            "where that number is odd PyTorch puts the extra row at the bottom and the extra column on the right"
            if same else "")


def padding_setting(spec: ConvSpec) -> str:
    """The settings table's padding: 0, 1 on every side, 1 top and bottom, 2 left and right, or each side when
    the two ends of an axis differ."""
    if spec.symmetric:
        return padding_per_side(spec.padding)
    (top, left), (bottom, right) = spec.padding, spec.end_padding
    return f"{top} top, {bottom} bottom, {left} left, {right} right" + (" (same)" if _same_reason(spec) else "")


def settings(spec: ConvSpec, step: DocStep) -> list[tuple[str, str]]:
    """The settings table of a single layer's document."""
    n_in = spec.in_per_group
    grouped = (f", in {spec.groups} groups ({n_in} per output channel)" if spec.groups > 1 else "")
    return [
        ("input", f"{plural(spec.in_channels, 'channel')} of {size(*spec.input)}"),
        ("kernel", f"{plural(spec.out_channels * n_in, 'kernel')} of {size(*spec.kernel)}"
                   + (grouped or ("" if spec.out_channels * spec.in_channels == 1 else
                      f", one for each pair of output channel (of {spec.out_channels}) and input channel "
                      f"(of {spec.in_channels})"))),
        ("stride", per_axis(spec.stride)),
        ("padding", padding_setting(spec) + (f", {spec.padding_mode} (copies of the input)" if spec.copies else "")),
        ("dilation", per_axis(spec.dilation)),
        ("bias", "yes" if spec.bias else "no"),
        ("convention", spec.convention + (" (flipped kernel)" if spec.flipped else " (as deep-learning frameworks compute)")),
        ("names", f"input ${step.symbol('in')}$, kernel ${step.symbol('K')}$, output ${step.symbol('out')}$"),
        ("output", f"{plural(spec.out_channels, 'channel')} of {size(*spec.output)}"),
    ]


def words(spec: ConvSpec, step: DocStep) -> Words:
    """The forward and backward rules in words, and the general index formulas."""
    over = ("over the kernel window" if spec.in_per_group == 1 else "over its group's input channels and the kernel "
            "window" if spec.groups > 1 else "over the input channels and the kernel window")
    bias = "its channel's bias plus " if spec.bias else ""
    return Words(
        f"Each output entry is {bias}the sum, {over}, of input entry times kernel entry."
        + (f" The padding is {MODE_WORDS[spec.padding_mode]} (padding mode {spec.padding_mode}): an entry of the "
           "window that falls in it reads the input entry copied there." if spec.copies else
           " Entries of the window that fall in the zero padding contribute nothing and are left out."
           if spec.has_padding else "")
        + (" " + channels(spec).defined if spec.groups > 1 else ""),
        {"K": "A kernel entry multiplies one input entry in every output entry"
              + (" (or a padding " + ("copy" if spec.copies else "zero") + ")" if spec.has_padding else "")
              + ", so its gradient sums the upstream gradient of each output entry times the input entry it met there.",
         "in": "An input entry reaches every output entry whose window covers it, through one kernel entry each, "
               "so its gradient sums upstream gradient times that kernel entry (0 where no window covers it). "
               + ("The padding copies input entries, so an entry also gets the terms of "
                                            "every padded position that copies it. " if spec.copies else "")
               + why_rotated(spec, step)
               # said inside the sentence above where the kernel turns up rotated; else here, for a network too
               + (" " + full_defined(spec, step) if spec.flipped or spec.kernel_span == (1, 1) else ""),
         "b": "The bias of an output channel is added to each of its entries, so its gradient is the sum of the "
              "channel's upstream gradient."},
        _formulas(spec, step),
        _notes(spec, step),
        # in symbols, for zero padding: a padding that copies entries is said at this layer's size only
        {} if spec.copies else _formulas(spec, step, general=True),
        "" if spec.copies else general_note(spec, step),
        {} if spec.copies else {"K": general_kernel_note(step.sizes)},
        general_symbols(spec, step),
    )


def general_kernel_note(sizes: Sizes) -> str:
    """The range of the kernel's gradient's sum in symbols, said after it as the output's is (review r14 A6): it reads
    the input at the same rho_h(r, p), rho_w(s, q), which may fall in the zero padding."""
    return (rf"As in the output's formula, a term exists only where $1 \le \rho_h(r, p) \le {sizes.h}$ and "
            rf"$1 \le \rho_w(s, q) \le {sizes.w}$.")


def general_note(spec: ConvSpec, step: DocStep) -> str:
    """Where the general formulas' indices run and which of their terms exist, with the input row and column
    they read, rho_h(r, p) and rho_w(s, q), written out: said once per kind."""
    sizes = step.sizes
    rows, cols = general_index(0, "r", "p", spec.flipped), general_index(1, "s", "q", spec.flipped)
    return (rf"Here $\rho_h(r, p) = {rows}$ and $\rho_w(s, q) = {cols}$ are the input row and column that output "
            r"entry $(r, s)$ reads through kernel entry $(p, q)$"
            + (" (the kernel counted from its end: the convolution convention)" if spec.flipped else "")
            + rf"; $1 \le r \le {sizes.ho}$, $1 \le s \le {sizes.wo}$ (${sizes.ho} \times {sizes.wo}$ the output's size, "
            r"as above), $1 \le p \le K_h$, $1 \le q \le K_w$; a term exists "
            rf"only where $1 \le \rho_h(r, p) \le {sizes.h}$ and $1 \le \rho_w(s, q) \le {sizes.w}$ (else it falls in "
            r"the zero padding)"
            + _channel_counts(spec, step) + ".")


def _channel_counts(spec: ConvSpec, step: DocStep) -> str:
    """The channel counts the general formulas sum to (channels(general=True)), defined after them: C_in, which they
    always sum to (review r15 item 2), and C_out where there are several output channels (review r14 A4: a count
    defined and never used); where this layer's input has one channel, said once that its own lines leave the sum over
    c out, its one term c = 1 (rather than dropping it unsaid). A network's document says them here, after the first
    formula in symbols (a single layer's before it: general_symbols)."""
    if spec.groups != 1 or step.number is None:
        return ""
    counts = (r"; $C_{\mathrm{in}}$ and $C_{\mathrm{out}}$ are the numbers of input and output channels"
              if spec.out_channels > 1 else r"; $C_{\mathrm{in}}$ is the number of input channels")
    if spec.in_channels > 1:
        return counts
    pair = channels(spec).pair  # the kernel as this layer's lines write it: k^{[1](m,1)}, or k with one of each
    kernel = f", the kernel ${step.symbol('K', pair)}$"
    return (counts + rf". This layer's input has a single channel, so wherever its own sizes are put in, the sum over "
            rf"$c$ is its one term $c = 1$, written without the sum (${step.symbol('in')}$ without a channel{kernel})")


def general_symbols(spec: ConvSpec, step: DocStep) -> str:
    """The channel symbols the general formulas use, defined before the first of them (review r16 item 4: x^{(c)},
    k^{(1,c)} and C_in stood in the default's first formula, C_in defined only after it, the others never): C_in,
    which they always sum to (review r15 item 2), C_out where there are several output channels (review r14 A4: a
    count defined and never used), the input's channel and the kernel that reads it; where this layer's input has one
    channel, that its own lines leave the sum over c out, its one term c = 1 (rather than dropping it unsaid). A
    single layer's document only: a network's says them after the formula (_channel_counts), its pages limited."""
    if spec.groups != 1 or spec.copies or step.number is not None:
        return ""
    ch = channels(spec, general=True)
    out = spec.out_channels > 1
    counts = (r"$C_{\mathrm{in}}$ and $C_{\mathrm{out}}$ count the input and output channels" if out
              else r"$C_{\mathrm{in}}$ counts the input channels")
    kernel = step.symbol("K", ch.pair)
    said = (f"In the lines in symbols, {counts}, ${step.symbol('in', ch.x)}$ is input channel $c$ and ${kernel}$ the "
            + (r"kernel output channel $m$ applies to it" if out else "part of the kernel of output channel 1 (the only one) applied to it"))
    if spec.in_channels > 1:
        return said + "."
    pair = channels(spec).pair  # the kernel as this layer's lines write it: k^{[1](m,1)}, or k with one of each
    return (said + rf" (here $C_{{\mathrm{{in}}}} = 1$: the lines at this layer's sizes write the sum over $c$ as its "
            rf"one term, ${step.symbol('in')}$ without a channel and ${step.symbol('K', pair)}$).")


def steps(spec: ConvSpec, sizes: Sizes) -> dict[str, tuple[str, list[str], str]]:
    """The output-size formula for both axes, with the numbers put in, after the sentence that defines
    its symbols (before any formula uses them), in the document's size letters."""
    lines = []
    for axis, (n_in, n_out), small in ((0, (sizes.h, sizes.ho), "h"), (1, (sizes.w, sizes.wo), "w")):
        n, k = spec.input[axis], spec.kernel[axis]
        s, p, e, d = spec.stride[axis], spec.padding[axis], spec.end_padding[axis], spec.dilation[axis]
        if spec.symmetric:
            pads, numbers = f"2 P_{small}", rf"2 \cdot {p}"
        else:  # each side its own: top and bottom (t, b), left and right (l, r)
            first, last = ("t", "b") if axis == 0 else ("l", "r")
            pads, numbers = f"P_{first} + P_{last}", f"{p} + {e}"
        lines.append(
            rf"{n_out} &= \left\lfloor \frac{{{n_in} + {pads} - D_{small} (K_{small} - 1) - 1}}{{S_{small}}} \right\rfloor + 1"
            rf" = \left\lfloor \frac{{{n} + {numbers} - {d} \cdot ({k} - 1) - 1}}{{{s}}} \right\rfloor + 1"
            rf" = {spec.output[axis]}"
        )
    padding = ("the padding on each side" if spec.symmetric else
               r"the stride and dilation, $P_t$, $P_b$, $P_l$ and $P_r$ the padding at the top, bottom, left and right")
    # Settings are capitals and sizes carry h and w (the kernel K is K_h x K_w): an entry's indices are the small
    # letters r, s, p, q (k_{p,q}).
    said = (rf"The input has ${sizes.h} \times {sizes.w}$ entries per channel and the kernel $K_h \times K_w$, and $S$, "
            rf"$P$, $D$ are the stride, the {'zero ' if spec.padding_mode == 'zeros' else ''}padding added on each side "
            r"and the dilation, their subscripts $h$ and $w$ for rows and columns. The "
            rf"output has ${sizes.ho} \times {sizes.wo}$ entries per channel:") if spec.symmetric else (
            rf"The input has ${sizes.h} \times {sizes.w}$ entries per channel and the kernel $K_h \times K_w$, $S$ and "
            rf"$D$ are {padding} (the two sides differ{_same_reason(spec)}); the subscripts $h$ and $w$ are for rows "
            rf"and columns. The output has ${sizes.ho} \times {sizes.wo}$ entries per channel:")
    return {"out": ("Output size", lines, said)}


def figures(spec: ConvSpec, step: DocStep) -> dict[str, list[Grid]]:
    """The window goes with the output, the upstream gradient sliding over the input with dL/dK, the full
    convolution with the rotated kernel with dL/d(input)."""
    found = {"out": [_window_figure(spec, step)], "K": [_groups_figure(spec, step), _sliding_gradient_figure(spec, step)],
             "in": [_full_convolution_figure(spec, step)]}
    return {key: [grid for grid in grids if grid is not None] for key, grids in found.items()
            if any(grid is not None for grid in grids)}


def _formulas(spec: ConvSpec, step: DocStep, general: bool = False) -> dict[str, list[str]]:
    """The general index formulas at this stride, padding and dilation (MATH.md), in the document's
    letters, indices written out as `check` reads them: x_{2r + p - 3, ...}; an index outside its
    tensor (the zero padding) is a term that does not exist. With `general`, the same in symbols for any
    size, stride, padding and dilation (x_{rho_h(r, p), rho_w(s, q)}, general_note defining rho), the input's
    gradient as the sum over the pairs that reach (i, j), and the bias's over H_o x W_o."""
    many_out = spec.out_channels > 1
    (kh, kw), (ho, wo) = spec.kernel, spec.output
    if general:
        (kh, kw), (ho, wo) = ("K_h", "K_w"), step.sizes[2:]
    ch = channels(spec, general)

    def name(which: str, channel: str, sub: str) -> str:
        letter, layer = step.entry(which)
        sup = layer + (f"({channel})" if channel else "")
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{sub}}}"

    rows, cols = index_rule(spec, 0, "r", "p"), index_rule(spec, 1, "s", "q")
    if general:  # the input row and column read, as the note defines them
        rows, cols = r"\rho_h(r, p)", r"\rho_w(s, q)"
    x_at = name("in", ch.x, rf"{rows},\, {cols}")
    # The kernel's channel pair is written whenever either count is above one; a count of one is 1.
    k = name("K", ch.pair, "p,q")
    y = name("out", "m" if many_out else "", "r,s")
    g = step.gradient_entry("m" if many_out else "", "r,s")
    d = lambda entry: rf"\frac{{\partial L}}{{\partial {entry}}}"
    over = lambda index, n: rf"\sum_{{{index}=1}}^{{{n}}} "
    over_rs = over("r", ho) + over("s", wo)
    bias = _bias(step, many_out)
    out = {
        "out": [rf"{y} &= {bias}{ch.over_c}{over('p', kh)}{over('q', kw)}{x_at}\, {k}"],
        "K": [rf"{d(k)} &= {step.over_batch}{over_rs}{g}\, {x_at}"],
    }
    x = name("in", "c" if spec.in_channels > 1 or (general and spec.groups == 1) else "", "i,j")
    g_back = step.gradient_entry(ch.g, "r,s")
    if spec.copies and not general:  # the taps whose padded position copies (i, j)
        k_back = name("K", ch.back_pair, "p,q")
        out["in"] = [rf"{d(x)} &= {ch.readers}\sum_{{(r,p):\ \rho_H({rows}) = i}} \ \sum_{{(s,q):\ \rho_W({cols}) = j}} "
                     rf"{g_back}\, {k_back}"]
    elif spec.dilation == (1, 1) and not general:  # the kernel tap that joins (r, s) to (i, j), as a full convolution
        k_at = name("K", ch.back_pair, rf"{_tap(spec, 0, 'i', 'r')},\, {_tap(spec, 1, 'j', 's')}")
        out["in"] = [rf"{d(x)} &= {ch.readers}{over_rs}{g_back}\, {k_at}"]
    else:  # taps spaced by the dilation: only some (r, p) meet row i
        k_back = name("K", ch.back_pair, "p,q")
        pairs = rf"\sum_{{(r,p):\ {rows} = i}} \ \sum_{{(s,q):\ {cols} = j}}"  # the indices summed, named
        out["in"] = [rf"{d(x)} &= {ch.readers}{pairs} {g_back}\, {k_back}"]
    if spec.bias:
        out["b"] = [rf"{d(bias.removesuffix(' + '))} &= {step.over_batch}{over_rs}{g}"]
    return out


def _input_gradient(step: DocStep, channel: str = "") -> str:
    """The gradient of the layer's input as the rules write it: its delta, or, for the network's input, which has
    none, dL/d of one channel as a matrix (dL/dX, as the rules write X)."""
    d_in = step.delta("in", channel)
    return (rf"\frac{{\partial L}}{{\partial {matrix_name(*step.entry('in', channel))}}}" if d_in.startswith(r"\frac")
            else d_in)


def rules(spec: ConvSpec, step: DocStep) -> list[str]:
    r"""The forward rule and the three backward results per channel (pair), in a network's overview:
    correlation with the input, full convolution with the rotated kernel, sum. Padding is written
    pad(.), the stride's zeros between the gradient's entries spread(.), as MATH.md defines them."""
    many_in, many_out = spec.in_channels > 1, spec.out_channels > 1
    c, m = ("c" if many_in else ""), ("m" if many_out else "")
    ch = channels(spec)
    K = matrix_name(*step.entry("K", ch.pair))
    K_back = matrix_name(*step.entry("K", ch.back_pair))
    ex = step.example  # over a batch, example n's channels: (n,c)
    # one channel of the input and the output as matrices, capitals, as the notation paragraph says (X, A^{[1](m)})
    a_in, a_out = matrix_name(*step.entry("in", ex(ch.x))), matrix_name(*step.entry("out", ex(m)))
    d_in, d_out = _input_gradient(step, ex(c)), step.delta("out", ex(m))
    d_back = step.delta("out", ex(ch.g))
    over_c = r"\sum_c " if ch.over_c else ""
    over_m = "" if not ch.readers else r"\sum_m " if spec.groups == 1 else ch.readers
    padded = (rf"\operatorname{{{spec.padding_mode}}}({a_in})" if spec.copies else
              rf"\operatorname{{pad}}({a_in})" if spec.has_padding else a_in)
    crop = r"\operatorname{fold}" if spec.copies else r"\operatorname{crop}"
    # cropped to the input: its padding, and the rows and columns a stride leaves unread (0 in the gradient)
    cropped = spec.has_padding or result_sizes(spec)["full"] != spec.padded_input
    spread = rf"\operatorname{{spread}}({d_out})" if spec.stride != (1, 1) else d_out
    spread_back = rf"\operatorname{{spread}}({d_back})" if spec.stride != (1, 1) else d_back
    kernel = K if spec.dilation == (1, 1) else rf"\operatorname{{dilate}}({K})"
    kernel_back = K_back if spec.dilation == (1, 1) else rf"\operatorname{{dilate}}({K_back})"
    sh, sw = spec.stride
    stride = "" if (sh, sw) == (1, 1) else f"_{{{sh}}}" if sh == sw else f"_{{({sh},{sw})}}"
    weights = rf"\operatorname{{rot}}_{{180}}({kernel})" if spec.flipped else kernel
    gradient = rf"{padded} \star {spread}"
    if spec.dilation != (1, 1):  # the kernel's taps are d apart: so are the entries of its gradient
        dh, dw = spec.dilation
        gradient = rf"{padded} \star_{{{dh if dh == dw else f'({dh},{dw})'}}} {spread}"
    lines = [rf"{a_out} &= " + (step.symbol("b") + ("_m" if many_out or step.number is not None else "") + " + "
                                if spec.bias else "") + rf"{over_c}{padded} \star{stride} {weights}",
             rf"\frac{{\partial L}}{{\partial {K}}} &= {step.over_batch}"
             + (rf"\operatorname{{rot}}_{{180}}\bigl({gradient}\bigr)" if spec.flipped else gradient),
             rf"{d_in} &= {over_m}" + (crop + r"\Bigl(" if cropped else "")
             + (r"\operatorname{full}_D" if spec.dilation != (1, 1) else r"\operatorname{full}")
             + rf"\bigl({spread_back}\bigr) \star "
             + (kernel_back if spec.flipped else rf"\operatorname{{rot}}_{{180}}({kernel_back})")
             + (r"\Bigr)" if cropped else "")]
    if spec.bias:
        b = step.symbol("b") + ("_m" if many_out or step.number is not None else "")
        lines.append(rf"\frac{{\partial L}}{{\partial {b}}} &= {step.over_batch}\sum_{{r,s}} \bigl({d_out}\bigr)_{{r,s}}")
    # The three results boxed, as a single layer's document boxes them (review r11 item 2); every line starts at the
    # alignment point, as there, the forward rule with them.
    lhs_rhs = [line.split(" &= ", 1) for line in lines]
    return ([f"&{lhs_rhs[0][0]} = {lhs_rhs[0][1]}"]
            + [rf"&\boxed{{{lhs} = {rhs}}}" for lhs, rhs in lhs_rhs[1:]])


def bias_note(spec: ConvSpec, step: DocStep) -> str:
    """The words after a network's rules whose forward rule adds a bias, a number, to a matrix (rules above): it is
    added to every entry (review r14 A7); "" without a bias."""
    if not spec.bias:
        return ""
    m = "m" if spec.out_channels > 1 else ""
    b = step.symbol("b") + ("_m" if spec.out_channels > 1 or step.number is not None else "")
    a_out = matrix_name(*step.entry("out", step.example(m)))
    return rf"The bias ${b}$ is added to every entry of ${a_out}$."


def general_rules(spec: ConvSpec, step: DocStep) -> tuple[str, list[str], list[str]] | None:
    """In a network's overview, once, beside a convolution whose rules hold only at stride 1 without padding or
    dilation: the same rules at any stride S and padding P, as the single layer's document states them
    (intro, align lines); None for any other convolution (its rules already carry its stride and padding)."""
    if (spec.stride != (1, 1) or spec.has_padding or spec.dilation != (1, 1) or spec.copies or spec.flipped
            or spec.groups != 1):
        return None
    n = step.number
    # The channels as a rule for any size writes them (review r15 item 2): input channel c, even where this layer has
    # one, output channel m, kernel (m, c); the input's gradient sums over the output channels m that read it.
    ch = channels(spec, general=True)
    ex = step.example
    sup_of = lambda which, channel: step.entry(which, ex(channel))[1]
    with_sup = lambda letter, sup: letter + (f"^{{{sup}}}" if sup else "")
    x_in = with_sup(matrix_name(step.letters["in"]), sup_of("in", ch.x))
    up_letter = step.upstream or r"\Delta"
    upstream, upstream_back = (with_sup(up_letter, sup_of("out", which)) for which in
                               ("m" if spec.out_channels > 1 else "", ch.g))
    K = matrix_name(*step.entry("K", ch.pair))
    K_back = matrix_name(*step.entry("K", ch.back_pair))
    d_in = _input_gradient(step, ex("c"))
    over_m = "" if not ch.readers else r"\sum_m "
    # The operators each said once, in a list (review r11 item 4), as the single layer's document says them.
    intro = (f"Layer {n}'s rules hold at its stride 1 without padding or dilation. At any stride $S$, padding $P$ "
             rf"and dilation $D$ (an input of $C_{{\mathrm{{in}}}}$ channels of ${step.sizes.h} \times {step.sizes.w}$), "
             "with the operators listed above, they read:")
    lines = [rf"\frac{{\partial L}}{{\partial {K}}} &= {step.over_batch}\operatorname{{pad}}_P({x_in}) \star_D "
             rf"\operatorname{{spread}}_S({upstream})",
             rf"{d_in} &= \operatorname{{crop}}\Bigl({over_m}\operatorname{{full}}_D\bigl(\operatorname{{spread}}_S"
             rf"({upstream_back})\bigr) \star \operatorname{{rot}}_{{180}}\bigl(\operatorname{{dilate}}_D({K_back})\bigr)\Bigr)"]
    return intro, lines, general_operators(step.sizes)


def result_sizes(spec: ConvSpec) -> dict[str, tuple[int, int]]:
    """The sizes of the matrices the closed forms are computed from (identities.py), per channel."""
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    (sh, sw) = spec.stride
    span = spec.kernel_span
    dilated = (sh * (ho - 1) + 1, sw * (wo - 1) + 1)
    padded_upstream = (dilated[0] + 2 * (span[0] - 1), dilated[1] + 2 * (span[1] - 1))
    return {
        "padded input": spec.padded_input,
        "dilated upstream": dilated,
        "kernel gradient": (kh, kw),
        "padded upstream": padded_upstream,
        "rotated kernel": span,
        "full": (padded_upstream[0] - span[0] + 1, padded_upstream[1] - span[1] + 1),
        "input": (h, w),
    }


def _full_border(spec: ConvSpec) -> str:
    """As many rows and columns as the (dilated) kernel reaches beyond one entry: k - 1, or D (k - 1)."""
    return ("$K_h - 1$ rows and $K_w - 1$ columns" if spec.dilation == (1, 1) else
            "$D_h (K_h - 1)$ rows and $D_w (K_w - 1)$ columns")


def full_defined(spec: ConvSpec, step: DocStep) -> str:
    """rot180 and the full correlation, defined in a single layer's document where the input's gradient first
    names them (the results after it use them without saying them again)."""
    K, k = matrix_name(step.letters["K"]), latex_base(step.letters["K"])
    span = result_sizes(spec)["rotated kernel"]
    return (rf"Here $\operatorname{{rot}}_{{180}}({K})_{{p,q}} = {k}_{{K_h+1-p,\,K_w+1-q}}$ is the kernel turned by 180 "
            rf"degrees, and the upstream gradient gets {_full_border(spec)} of zeros on every side (here {span[0] - 1} "
            f"and {span[1] - 1}), so that the kernel meets each input entry at each of its taps.")


def matrices_named(spec: ConvSpec, step: DocStep, gradients: bool = True) -> str:
    """The sentence that names the matrices a single layer's document writes whole (Y's entries, dL/dK, the
    results): said once, before the first of them, so no matrix is used before it is defined."""
    Y, X, K = (matrix_name(step.letters[which]) for which in ("out", "in", "K"))
    x, k, y = (latex_base(step.letters[which]) for which in ("in", "K", "out"))
    g = step.gradient_entry("", "r,s")
    return (rf"${X}$, ${K}$ and ${Y}$ are the input, the kernel and the output as matrices (entries ${x}_{{i,j}}$, "
            rf"${k}_{{p,q}}$ and ${y}_{{r,s}}$), $G = \partial L / \partial {Y}$ is the upstream gradient as a "
            rf"matrix, its entries ${g}$" + (" (in each channel)" if spec.in_channels > 1 or spec.out_channels > 1 else "")
            + (rf", and a gradient such as $\partial L / \partial {K}$ is the matrix of its entries' gradients"
               if gradients else "") + ".")


def results(spec: ConvSpec, step: DocStep, said: bool = False) -> tuple[str, list[str], str]:
    """The sentence naming the matrices, the three results boxed in matrix form, as identities.py computes them,
    and the prose that defines their terms and checks their shapes with this layer's sizes. A matrix is decorated only
    where it differs from the plain one: X~ padded, G~ spread by the stride, K~ dilated (or, with the
    convolution convention, the stored kernel rotated); crop only where there is padding to remove."""
    many_in, many_out = spec.in_channels > 1, spec.out_channels > 1
    sizes = result_sizes(spec)
    ch = channels(spec)
    sup = lambda channel: f"^{{({step.example(channel)})}}" if step.example(channel) else ""
    c = sup("c" if many_in else "")
    m = sup("m" if many_out else "")
    x_c = sup(ch.x)
    mc = f"^{{({ch.pair})}}" if ch.pair else ""
    mc_back = f"^{{({ch.back_pair})}}" if ch.back_pair else ""
    m_back = sup(ch.g)
    over_m = "" if not ch.readers else r"\sum_m " if spec.groups == 1 else ch.readers
    (sh, sw), (dh, dw), (ph, pw) = spec.stride, spec.dilation, spec.padding
    (kh, kw) = spec.kernel
    padded_in, spread_g = spec.has_padding, (sh, sw) != (1, 1)
    dilated_k = (dh, dw) != (1, 1) or spec.flipped
    X, K = (matrix_name(step.letters[which]) for which in ("in", "K"))
    Xt = rf"\tilde{{{X}}}" if padded_in else X
    Gt = r"\tilde{G}" if spread_g else "G"
    Kt = rf"\tilde{{{K}}}" if dilated_k else K
    correlation = rf"{Xt}{x_c} \star {Gt}{m}"
    if spec.flipped:  # the layer used the kernel rotated: so is its gradient
        correlation = rf"\operatorname{{rot}}_{{180}}\bigl({correlation}\bigr)"
    # The upstream gradient padded for the full correlation is written full(.), the one notation of a network's rules
    # and of the general forms (review r12: the default had a hat-G of its own).
    full_op = r"\operatorname{full}_D" if (dh, dw) != (1, 1) else r"\operatorname{full}"
    full_conv = rf"{over_m}{full_op}({Gt}{m_back}) \star \operatorname{{rot}}_{{180}}\bigl({Kt}{mc_back}\bigr)"
    if step.batch is not None:  # the kernel is shared by the examples: its gradient sums theirs
        correlation = rf"\sum_n {correlation}"
    lines = [
        rf"&\boxed{{\frac{{\partial L}}{{\partial {K}{mc}}} = {correlation}}}",
        rf"&\boxed{{\frac{{\partial L}}{{\partial {X}{c}}} = "
        + (rf"\operatorname{{{'fold' if spec.copies else 'crop'}}}\Bigl({full_conv}\Bigr)}}" if padded_in else rf"{full_conv}}}"),
    ]
    if spec.bias:
        lines.append(rf"&\boxed{{\frac{{\partial L}}{{\partial b{'_m' if many_out else ''}}} = {step.over_batch}\sum_{{r,s}} "
                     rf"{step.gradient_entry(step.example('m' if many_out else ''), 'r,s')}}}")
    full, padded = sizes["full"], sizes["padded input"]
    taps = (f", taken at positions {plural(dh, 'row')} and {plural(dw, 'column')} apart," if (dh, dw) != (1, 1) else "")
    corr = tuple((n - g) // d + 1 for n, g, d in zip(padded, sizes["dilated upstream"], spec.dilation))
    defined = []
    if spec.copies:
        defined.append(rf"$\tilde{{{X}}}$ is the input padded ({padding_setting(spec)}) with {MODE_WORDS[spec.padding_mode]} "
                       rf"({size(*padded)})")
    elif padded_in:
        if spec.symmetric:
            defined.append(rf"$\tilde{{{X}}}$ is the input with $P_h$ rows and $P_w$ columns of zeros on every side "
                           rf"(here {ph} and {pw}: {size(*padded)})")
        else:
            (bottom, right) = spec.end_padding
            defined.append(rf"$\tilde{{{X}}}$ is the input with {plural(ph, 'row')} of zeros above it, {bottom} below, "
                           rf"{plural(pw, 'column')} on the left and {right} on the right ({size(*padded)})")
    if spread_g:
        defined.append(rf"$\tilde{{G}}$ is $G$ dilated by the stride, $S_h - 1$ zero rows and $S_w - 1$ zero columns "
                       rf"between its entries (here {sh - 1} and {sw - 1}: {size(*sizes['dilated upstream'])})")
    kernel_part = (f"is {size(kh, kw)}, the kernel's shape" if corr == (kh, kw) else
                   f"is {size(*corr)}; its first {size(kh, kw)}, one entry per kernel entry, is the kernel's gradient")
    span = sizes["rotated kernel"]
    dilation = (rf"; ${Kt}$ is the kernel with $D_h - 1$ zero rows and $D_w - 1$ zero columns between its taps "
                rf"(here {dh - 1} and {dw - 1}: {size(*span)})" if (dh, dw) != (1, 1) else "")
    border = _full_border(spec)
    # Every matrix the boxes use is named before them (the sentence before the boxes); after them, the sizes. In a
    # single layer's document (`said`) the matrices and the full correlation's zeros were defined where first used.
    # Named as the network's rules name it: full(.) pads for the full correlation (review r7 defect 12).
    padded_g = (rf"${full_op}({Gt})$ is ${Gt}$ padded for the full correlation" + (
        rf" (here {size(*sizes['padded upstream'])})" if said else
        rf", by one row and column fewer than the kernel spans: {border} of zeros on every side (here {span[0] - 1} "
        rf"and {span[1] - 1}: {size(*sizes['padded upstream'])})"))
    rest = "; ".join(defined + [padded_g]) + dilation + "."
    names = (rest[:1].upper() + rest[1:] if said else
             matrices_named(spec, step, gradients=False)[:-1] + "; " + rest)
    note = (
        rf"The correlation of ${Xt}$ with ${Gt}${taps} {kernel_part}. Sliding $\operatorname{{rot}}_{{180}}({Kt})$ over "
        rf"${full_op}({Gt})$ gives a {size(*full)} matrix{_reach(full, padded, spec.has_padding, spec.input, spec.copies)}."
    )
    if padded_in and not spec.copies:
        names += (" " + crop_words(step.sizes) + "." if spec.symmetric else
                  r" $\operatorname{crop}(\cdot)$ removes the padding's rows and columns again, and gives 0 to the rows "
                  "and columns that the stride leaves unread.")
    if step.batch is not None:
        note += (f" $n$ numbers the examples (1 to {step.batch}): the kernel is shared by them, so its gradient is the "
                 "sum of each example's correlation, and each example's input gets its own gradient.")
    if spec.groups > 1:
        note += " " + ch.defined
    elif many_in or many_out:
        which = [f"$m$ numbers the output channels (1 to {spec.out_channels})" if many_out else "",
                 f"$c$ the input channels (1 to {spec.in_channels})" if many_in else ""]
        note += (" " + "; ".join(w for w in which if w)
                 + rf"; ${K}{mc}$ is the kernel that takes input channel "
                 + ("$c$" if many_in else "1") + " to output channel " + ("$m$" if many_out else "1") + ".")
    if spec.flipped:
        note += (rf" With the convolution convention the layer's kernel is already rotated, so $\tilde{{{K}}}$ is the "
                 rf"kernel as stored, rotated, and $\partial L / \partial {K}$ is the correlation rotated back.")
    return names, lines, note


def _reach(full: tuple[int, int], padded: tuple[int, int], padding: bool, shape: tuple[int, int], copies: bool = False) -> str:
    """How the full convolution's size becomes the input's: rows no window reaches, then the padding."""
    whose = "the padded input's" if padding else "the input's"
    reach = "" if full == padded else (f", the top-left of {whose} {size(*padded)}: the rows and columns after it "
                                       "meet no window and get 0")
    if not padding:
        return reach + ("" if reach else ", the input's shape")
    if copies:
        return reach + (f"; it is the gradient of the padded input, and folding it (each padded entry's gradient "
                        f"added to the input entry copied there) leaves {size(*shape)}, the input's shape")
    return reach + f"; cropping the padding leaves {size(*shape)}, the input's shape"


def _tap(spec: ConvSpec, axis: int, given: str, out: str) -> str:
    """The kernel index (1-based) through which output index `out` meets input index `given`, without
    dilation: p = i - s (r - 1) + pad, or its mirror kh + 1 - p for the convolution convention."""
    s, pad, k = spec.stride[axis], spec.padding[axis], spec.kernel[axis]
    if spec.flipped:
        return affine([(-1, given), (s, out)], k + 1 - s - pad)
    return affine([(1, given), (-s, out)], s + pad)


def _bias(step: DocStep, many_out: bool) -> str:
    """b, b_{m} or b^{[l]}_{m} followed by " + ", as the entries write the bias; "" without one. With one output
    channel no m: the output's entry a_{r,s} names no channel for m to be (check: "index m has no range")."""
    if "b" not in step.letters:
        return ""
    sub = "_{m}" if many_out else ""
    return step.symbol("b") + sub + " + "


def _first(shape: Shape, axes: int = 1) -> str:
    """The channel a figure shows, written when the tensor has several: "1", "1,1", or ""."""
    return ",".join("1" for _ in range(axes)) if any(n > 1 for n in shape[:axes]) else ""


def _padded_label(spec: ConvSpec, base: str, sup: str, r: int, c: int) -> Label:
    """The label of cell (r, c) of the padded input: the input entry it holds or, where the padding copies
    the input, the entry it copies; none in zero padding."""
    (ph, pw), (h, w) = spec.padding, spec.input
    i, j = source(r - ph, h, spec.padding_mode), source(c - pw, w, spec.padding_mode)
    return Label(base, f"{i + 1},{j + 1}", sup) if i is not None and j is not None else Label()


def _short(label: Label) -> Label:
    """A figure's cell label without its superscript (the layer, the channel), which the caption states
    once (_written_for): the labels stay short enough to be set as large as the text's own math."""
    return replace(label, sup="")


def _input_sup(step: DocStep) -> str:
    """The superscript of the input entries a figure draws, with their channel where there are several
    (a^{[3](1)}), as the caption's note on the short names writes them (the text writes them so too)."""
    return step.entry("in", _first(step.shape_in))[1]


def _written_for(*names: tuple[str, str, str]) -> str:
    r"""The caption's sentence on the labels that drop their superscripts (_short): " The cells write
    $\delta_{r,s}$ for $\delta^{[1](1)}_{r,s}$ and $k_{p,q}$ for $k^{[1](1,1)}_{p,q}$." from (letter,
    superscript, indices); "" where no name has a superscript."""
    said = [f"${letter}_{{{index}}}$ for ${letter}^{{{sup}}}_{{{index}}}$" for letter, sup, index in names if sup]
    return f" The cells write {' and '.join(said)}." if said else ""


def _window_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """The padded input (one channel) with the taps of output (1, 1) and (1, 2) marked."""
    (ph, pw), (h, w) = spec.padding, spec.input
    rows, cols = spec.padded_input
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    (sh, sw), (dh, dw), (kh, kw) = spec.stride, spec.dilation, spec.kernel
    window = lambda r, s: {(padded_position(r, p, sh, dh), padded_position(s, q, sw, dw))
                           for p in range(kh) for q in range(kw)}
    first = window(0, 0)
    second = window(0, 1) if spec.output[1] > 1 else set()
    base, sup = step.entry("in")  # the channel is in the caption, the layer too (_written_for)
    cells = []
    for r in range(rows):
        for c in range(cols):
            inside = ph <= r < ph + h and pw <= c < pw + w
            label = _short(_padded_label(spec, base, sup, r, c))
            role = "both" if (r, c) in first and (r, c) in second else (
                "window" if (r, c) in first else "second" if (r, c) in second else "cell" if inside else
                "copy" if spec.copies else "pad")
            cells.append((r, c, label, role))
    out = step.entry("out", _first((spec.out_channels,)))  # the output entry in its channel, as the text writes it
    legend = [("window", f"the window of {entry(*out, 1, 1)}")]
    if second:
        legend.append(("second", f"the window of {entry(*out, 1, 2)}, {plural(sw, 'column')} further (the stride)"))
        if first & second:
            legend.append(("both", "in both windows"))
    if spec.copies:
        legend.append(("copy", f"{spec.padding_mode} padding: a copy of the input entry it names"))
    elif spec.has_padding:
        legend.append(("pad", "zero padding"))
    what = f"The padded input ({size(rows, cols)})" if spec.has_padding else f"The input ({size(rows, cols)})"
    channel = "channel 1" if _first(step.shape_in) else "one channel"
    spacing = (f" The taps are {plural(dh, 'row')} and {plural(dw, 'column')} apart (the dilation)."
               if (dh, dw) != (1, 1) else "")
    neighbour = " and of its right-hand neighbour" if second else ""
    caption = (f"{what} of {channel}: the {size(kh, kw)} window of the first output entry{neighbour}; "
               f"stride {spacing_of((sh, sw))}.{spacing}" + _written_for((base, _input_sup(step), "i,j")))
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"window{suffix}", rows, cols, tuple(cells), caption, tuple(legend),
                "the input entries that the first output entry reads" + (" and those its neighbour reads" if second else ""))


def _groups_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """With groups, which kernels exist: a row per output channel, a column per input channel, the
    groups the blocks on the diagonal; none without groups."""
    c_out, c_in, n_in = spec.out_channels, spec.in_channels, spec.in_per_group
    if spec.groups == 1 or c_out > MAX_CELLS or c_in > MAX_CELLS:
        return None
    K = matrix_name(step.letters["K"])
    layer = "" if step.number is None else f"[{step.number}]"
    cells = []
    for m in range(c_out):
        for c in range(c_in):
            own = spec.group_of(m) == c // n_in
            label = Label(K, "", f"{layer}({m + 1},{c % n_in + 1})") if own else Label()
            cells.append((m, c, label, "hit" if own else "pad"))
    caption = (f"The kernels of a convolution in {spec.groups} groups: row $m$ is an output channel, column $c$ an input "
               f"channel. Output channel $m$ reads only the input channels of its group, through the kernel in the cell, "
               f"whose second index counts within the group; "
               f"the groups are the {plural(spec.groups, 'block')} on the diagonal, and the gradient of each kernel and "
               f"of each input channel stays inside its block.")
    legend = (("hit", "a kernel, in the group's block"), ("pad", "no kernel: another group's input channel"))
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"groups{suffix}", c_out, c_in, tuple(cells), caption, legend,
                "which input channels each output channel reads: the groups as blocks of the kernel")


def _upstream_label(step: DocStep, channel: str, r: int, s: int) -> Label:
    """An upstream gradient entry as a figure's cell writes it: g_{r,s}, \\delta^{[2]}_{r,s}, with its channel
    where there are several, as the text writes it: \\delta^{[1](1)}_{r,s}."""
    _, sup = step.entry("out", channel)
    return Label(step.upstream or "g", f"{r + 1},{s + 1}", sup)


def _sliding_gradient_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """The padded input (one channel) with the upstream gradient laid over it as a sliding window: the
    entries that kernel entry (1, 1) multiplied, each marked with the gradient it meets there."""
    (ph, pw), (h, w), (ho, wo) = spec.padding, spec.input, spec.output
    rows, cols = spec.padded_input
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    (sh, sw) = spec.stride
    channel = _first((spec.out_channels,))
    over = {(sh * r, sw * s): (r, s) for r in range(ho) for s in range(wo)}  # tap (1, 1): p = q = 0
    base, sup = step.entry("in")
    cells, marks = [], []
    for i in range(rows):
        for j in range(cols):
            inside = ph <= i < ph + h and pw <= j < pw + w
            label = _short(_padded_label(spec, base, sup, i, j))
            outside = "copy" if spec.copies else "pad"
            term = (i, j) in over and (inside or spec.copies)  # zero padding's terms are left out
            cells.append((i, j, label, "hit" if term else "cell" if inside else outside))
            if (i, j) in over:
                marks.append((i, j, _short(_upstream_label(step, channel, *over[i, j]))))
    kernel, ksup = step.entry("K", _first((spec.out_channels, spec.in_channels), 2))
    k11 = entry(kernel, ksup, *((spec.kernel[0], spec.kernel[1]) if spec.flipped else (1, 1)))
    g = _upstream_label(step, channel, 0, 0)
    g_name = f"${g.base}_{{r,s}}$"  # as the corners write it: the caption gives its superscript
    legend = [("hit", f"multiplied by {k11}; the corner shows the {g_name} it meets")]
    if spec.copies:
        legend.append(("copy", f"{spec.padding_mode} padding: a copy of the input entry it names"))
    elif spec.has_padding:
        legend.append(("pad", "zero padding: a term that falls there is left out"))
    (dh, dw), (kh, kw) = spec.dilation, spec.kernel
    steps = [f"for {entry(kernel, ksup, 1, 2)} it moves {plural(dw, 'column')} right"] if kw > 1 else []
    steps += [f"for {entry(kernel, ksup, 2, 1)} {plural(dh, 'row')} down"] if kh > 1 else []
    moves = (" " + " and ".join(steps).capitalize() + ".") if steps and not spec.flipped else ""
    channels = " (output channel 1 and input channel 1)" if spec.out_channels > 1 or spec.in_channels > 1 else ""
    gaps = [plural(n - 1, noun) for n, noun in ((sh, "row"), (sw, "column")) if n > 1]
    spread = f", its entries {' and '.join(gaps)} apart (the stride)" if gaps else ""
    caption = (f"The upstream gradient ({size(ho, wo)}) laid over the {'padded ' if spec.has_padding else ''}input as a "
               f"window{spread}{channels}: $\\partial L / \\partial {k11.strip('$')}$ is the sum of each green entry "
               f"times the gradient in its corner.{moves}"
               + _written_for((base, _input_sup(step), "i,j"), (g.base, g.sup, "r,s")))
    suffix = "" if step.number is None else f"-layer-{step.number}"
    return Grid(f"slide{suffix}", rows, cols, tuple(cells), caption, tuple(legend),
                "the upstream gradient sliding over the input as a window, the correlation that gives the kernel's "
                "gradient", tuple(marks))


def _full_convolution_figure(spec: ConvSpec, step: DocStep) -> Grid | None:
    """The upstream gradient spread by the stride and padded for the full convolution (one channel), with
    the kernel rotated by 180 degrees over the window that gives the gradient of one input entry: one near
    the border, whose window reaches into the zero padding (full_convolution_entry), so that the figure shows
    what the padding is for. Every column is drawn, and every row but those of zeros this window does not reach, as
    the caption says."""
    rows, cols = result_sizes(spec)["padded upstream"]
    picked = figure_entry(spec)
    if picked is None:
        return None
    (ho, wo), (sh, sw), (ph, pw) = spec.output, spec.stride, spec.padding
    (kh, kw), (dh, dw) = spec.kernel, spec.dilation
    span = spec.kernel_span
    channel = _first((spec.out_channels,))
    at = _spread_upstream(spec)
    i, j = picked
    top, left = i + ph, j + pw  # the window of padded-input entry (top, left) in the full convolution
    kernel, ksup = step.entry("K", _first((spec.out_channels, spec.in_channels), 2))
    g = _upstream_label(step, channel, 0, 0)
    cells, marks = [], []
    for a in range(rows):
        for b in range(cols):
            u, v = a - top, b - left  # the place in the rotated (dilated) kernel
            tap = 0 <= u < span[0] and 0 <= v < span[1] and (span[0] - 1 - u) % dh == 0 and (span[1] - 1 - v) % dw == 0
            label = _short(_upstream_label(step, channel, *at[a, b])) if (a, b) in at else Label()
            # A tap on a zero (the padding, or the stride's) is part of the window but no term; between a
            # dilated kernel's taps the window reads nothing.
            role = "hit" if tap and (a, b) in at else "window" if tap else "cell" if (a, b) in at else "pad"
            cells.append((a, b, label, role))
            if tap:
                p, q = (span[0] - 1 - u) // dh, (span[1] - 1 - v) // dw
                p, q = (kh - 1 - p, kw - 1 - q) if spec.flipped else (p, q)
                marks.append((a, b, Label(kernel, f"{p + 1},{q + 1}")))
    # Rows of zeros that neither the window nor the gradient reaches are not drawn (the figure stays short on the
    # page); every column is, so each side's padding shows.
    used = [a for a, _, _, role in cells if role != "pad"]
    r0, r1 = min(used), max(used)
    cells = [(a - r0, b, label, role) for a, b, label, role in cells if r0 <= a <= r1]
    marks = [(a - r0, b, label) for a, b, label in marks]
    left_out = " and ".join(f"the {where} {plural(n, 'row')}" if n > 1 else f"the {where} row"
                            for where, n in (("first", r0), ("last", rows - 1 - r1)) if n)
    name = entry(*step.entry("in"), i + 1, j + 1)
    present = {role for *_, role in cells}
    zeros = "the stride's and the full padding" if (sh, sw) != (1, 1) else "the full padding"
    legend = [(role, text) for role, text in (
        ("hit", f"a term of $\\partial L / \\partial {name.strip('$')}$: the corner shows the kernel entry it meets"),
        ("window", "the rotated kernel over a zero: no term"),
        ("pad", f"zeros: {zeros}"))
        if role in present]
    many = spec.out_channels > 1
    pair = _first((spec.out_channels, spec.in_channels), 2)
    # The caption names the kernel drawn (K^{[1](1,1)} in a network); the phrase that names the operation, the full
    # correlation with rot180(K), is the sentence's beside the figure (why_rotated), said there once.
    drawn = _kernel_symbol(spec, step, pair)
    turned = f"the kernel as stored, ${drawn}$," if spec.flipped else rf"$\operatorname{{rot}}_{{180}}({drawn})$"
    rings = _zero_rings(spec)
    padded = f"padded with {rings} of zeros on each side to {size(rows, cols)}" if rings else f"a {size(1, 1)} kernel needs no padding"
    if left_out:
        padded += f" ({left_out}, zeros this window does not reach, not drawn)"
    reaches = bool(_on_full_padding(spec, _full_taps(spec, i, j)))
    caption = (f"The input's gradient: the upstream gradient ({size(ho, wo)}"
               + (", output channel 1" if many else "") + ")"
               + (" spread by the stride" if (sh, sw) != (1, 1) else "")
               + f", {padded}, and {turned} sliding over it. "
               f"At the window shown it gives $\\partial L / \\partial {name.strip('$')}$: each green entry "
               f"times the kernel entry in its corner, summed"
               + ((" (each other output channel of its group adds the same with its own gradient and kernel)."
                   if spec.groups > 1 else " (each other output channel adds the same with its own gradient and kernel).")
                  if many and spec.out_per_group > 1 else ".")
               + (f" With {spec.padding_mode} padding this is the gradient of the padded input's entry at that place; "
                  "each padded entry that copies it adds its own window's sum in the same way (the fold)."
                  if spec.copies else "")
               + _written_for((g.base, g.sup, "r,s"), (kernel, ksup, "p,q")))
    suffix = "" if step.number is None else f"-layer-{step.number}"
    # (the caption says what slides over what)
    shows = f"this for input entry {name}"
    if reaches:  # what the padding is for, where the figure shows it
        shows += "; a kernel entry over a padding zero stands for an output entry that does not exist"
    return Grid(f"full{suffix}", r1 - r0 + 1, cols, tuple(cells), caption, tuple(legend), shows, tuple(marks))


def _spread_upstream(spec: ConvSpec) -> dict[tuple[int, int], tuple[int, int]]:
    """Where each upstream gradient entry (r, s) sits in the padded upstream gradient of the full convolution
    (0-based): spread by the stride, after span - 1 rows and columns of padding."""
    span, (sh, sw), (ho, wo) = spec.kernel_span, spec.stride, spec.output
    return {(span[0] - 1 + sh * r, span[1] - 1 + sw * s): (r, s) for r in range(ho) for s in range(wo)}


def _full_taps(spec: ConvSpec, i: int, j: int) -> set[tuple[int, int]]:
    """The cells of the padded upstream gradient under the rotated kernel's taps when it gives input entry
    (i, j) (0-based): its window's top left is the entry's place in the padded input."""
    (ph, pw), (dh, dw), span = spec.padding, spec.dilation, spec.kernel_span
    return {(i + ph + u, j + pw + v) for u in range(0, span[0], dh) for v in range(0, span[1], dw)}


def _on_full_padding(spec: ConvSpec, cells) -> set[tuple[int, int]]:
    """Those of `cells` that lie in the full convolution's zero padding: outside the rows and columns the
    spread upstream gradient spans (the stride's zeros between its entries are not padding)."""
    span, (sh, sw), (ho, wo) = spec.kernel_span, spec.stride, spec.output
    rows = range(span[0] - 1, span[0] + sh * (ho - 1))
    cols = range(span[1] - 1, span[1] + sw * (wo - 1))
    return {(a, b) for a, b in cells if a not in rows or b not in cols}


def full_convolution_entry(spec: ConvSpec) -> tuple[int, int] | None:
    """The input entry (0-based) the full convolution figure shows: the first, in reading order, whose rotated
    kernel's window has a tap on the zero padding and at least two on gradient entries (two terms); else the
    first with a tap on the padding and one term; else (a forward padding as deep as the full one: no window
    reaches it) the entry nearest the middle that some output reads. None where no output reads any entry."""
    h, w = spec.input
    at = set(_spread_upstream(spec))
    taps = {(i, j): _full_taps(spec, i, j) for i in range(h) for j in range(w)}
    terms = {ij: len(cells & at) for ij, cells in taps.items()}
    for least in (2, 1):
        found = [ij for ij, cells in taps.items() if terms[ij] >= least and _on_full_padding(spec, cells)]
        if found:
            return found[0]  # the dict keeps reading order
    read = [ij for ij, n in terms.items() if n]
    if not read:
        return None
    middle = ((h - 1) / 2, (w - 1) / 2)
    return min(read, key=lambda ij: (abs(ij[0] - middle[0]) + abs(ij[1] - middle[1]), ij))


def figure_entry(spec: ConvSpec) -> tuple[int, int] | None:
    """The input entry (0-based) whose gradient the input's figure works out (full_convolution_entry), or None
    where there is no such figure: a padded upstream gradient too large to draw, or a 1 x 1 kernel at stride 1
    (no padding, no turn: the window is one entry). A single layer's worked example works out the same entry."""
    rows, cols = result_sizes(spec)["padded upstream"]
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    if spec.kernel_span == (1, 1) and spec.stride == (1, 1):
        return None
    return full_convolution_entry(spec)  # (a stride may leave entries that no output reads)


def _zero_rings(spec: ConvSpec) -> str:
    """How deep the full convolution pads the upstream gradient, in words: "2 rows and columns", "1 row and
    column", "1 row and 2 columns", "2 columns"; "" for a 1 x 1 kernel (no padding)."""
    rows, cols = spec.kernel_span[0] - 1, spec.kernel_span[1] - 1
    if rows == cols:
        return f"{plural(rows, 'row')} and {'column' if rows == 1 else 'columns'}" if rows else ""
    return " and ".join(plural(n, noun) for n, noun in ((rows, "row"), (cols, "column")) if n)


def exercises(spec: ConvSpec, step: DocStep) -> list[Exercise]:
    """The handout's tasks only a convolution sets: its output size (first), its results in matrix form,
    the same input entry's gradient at another stride, and why the kernel turns up rotated."""
    _, sizes, _ = steps(spec, step.sizes)["out"]
    # In a network the sheet has no settings table: the question gives what the size needs beyond the network's
    # table (its input, its kernel).
    given = ("" if step.number is None else f": stride {per_axis(spec.stride)}, padding {padding_setting(spec)}, "
             f"dilation {per_axis(spec.dilation)}")
    out = [Exercise(f"Work out the output size of the layer from its settings{given}.", sizes,
                    (f"The padded input has ${step.sizes.h} + 2P_h$ rows" if spec.symmetric else
                     f"The padded input has ${step.sizes.h} + P_t + P_b$ rows") + " and a window spans $D_h(K_h - 1) + 1$ of them; windows "
                    "start every $S_h$ rows, so the floor counts the positions a window fits in, and the same for "
                    "the columns.", 2, first=True, asks_output=True)]
    out.append(_matrix_case(spec, step))
    # In a network the sheet spreads its tasks over the layers (a task per later layer): the stride case, a second
    # entry of the same gradient, is a single layer's.
    stride_case = _stride_case(spec, step) if step.number is None else None
    if stride_case is not None:
        out.append(stride_case)
    # The question names no matrix and no rotation: the matrix-form task asks which matrix is rotated (review r7
    # defect 3: a task's text must not answer another task).
    happens = ("the convolution convention's forward pass rotates the kernel, yet one matrix does not turn up rotated"
               if spec.flipped else "the forward pass rotates nothing, yet one matrix turns up rotated")
    out.append(Exercise(
        f"{happens[0].upper() + happens[1:]} in the matrix form {MATRIX_TASK} asks for. Explain why in two or three sentences.",
        [], why_rotated(spec, step, answer=True), 2, asks=why_rotated(spec, step)))
    if step.number is not None:  # in a network, say which layer each task is about
        out = [replace(e, question=f"(Layer {step.number}.) {e.question}", layer=step.number) for e in out]
    return out


# How the why-rotated task refers to the matrix-form task: the handout puts in its number ("Task 5").
MATRIX_TASK = "the matrix-form task"
MATRIX_QUESTION = ("Write the gradients in matrix form: each as one operation (a correlation, a convolution, a sum) on "
                   "whole matrices. Which matrix is rotated, and by how much?")


def rotated_sentence(lines: list[str], kernel: str) -> str:
    r"""The answer to "which matrix is rotated, and by how much?" in words, read off the matrix-form lines: each
    \operatorname{rot}_{180} argument, the kernel named as such (review24b defect 10)."""
    text, args = " ".join(lines), []
    for found in re.finditer(r"\\operatorname\{rot\}_\{180\}(\\bigl)?\(", text):
        depth, n = 1, found.end()
        while depth and n < len(text):  # to the bracket that closes this one
            depth += {"(": 1, ")": -1}.get(text[n], 0)
            n += 1
        arg = text[found.end():n - 1]
        args.append(arg[:-len(r"\bigr")] if found.group(1) and arg.endswith(r"\bigr") else arg)
    args = list(dict.fromkeys(args))
    if not args:
        return "No matrix is rotated."
    named = [f"the kernel, ${a}$" if kernel in a and r"\star" not in a else f"${a}$" for a in args]
    if len(named) == 1:
        return f"The matrix rotated is {named[0]}, by 180 degrees."
    return f"The matrices rotated, each by 180 degrees, are {', '.join(named[:-1])} and {named[-1]}."


def _matrix_case(spec: ConvSpec, step: DocStep) -> Exercise:
    """The task that asks for the results in matrix form, answered in the notation of the document the handout
    comes from, every symbol of the answer defined in its reasoning (the sheet has no section that defines them):
    a single layer's boxes, with X, K, G and G^ named and the correlation defined; in a network, the layer's rules
    as its document's overview writes them (K^{[1](m,1)}, delta^{[1](m)}), with the operators they use."""
    # the key names the operation, as the document does (the why-rotated task's question no longer quotes it)
    named = (f" So $\\partial L / \\partial {matrix_name(*step.entry('in'))}$ is "
             f"{full_phrase(_kernel_symbol(spec, step), spec.flipped)}.")
    if step.number is None:
        names, lines, note = results(spec, step)
        # rot180 and the full correlation's zeros are defined here, in this answer: the entries' answers, which
        # quote the document's words, leave that sentence to it (said once in the key)
        return Exercise(MATRIX_QUESTION, lines, f"{names} {STAR} {note} "
                        + rotated_sentence(lines, matrix_name(step.letters["K"])) + named, 4,
                        asks=full_defined(spec, step))
    lines = rules(spec, step)[1:]  # the forward rule is on the sheet
    text = " ".join(lines)
    said = [words for key, words in NOTATION if key in text and key not in (r"\star_{",)]
    K = matrix_name(*step.entry("K", channels(spec).pair))
    which = []
    if spec.out_channels > 1:
        which.append(f"$m$ numbers the output channels (1 to {spec.out_channels})")
    if spec.in_channels > 1:
        which.append(f"$c$ the input channels (1 to {spec.in_channels})")
    channel_words = ("; ".join(which) + f"; ${K}$ is the kernel that takes input channel " + ("$c$" if spec.in_channels > 1
                     else "1") + " to output channel " + ("$m$" if spec.out_channels > 1 else "1") + ". ") if which else ""
    note = ("Here " + "; ".join(said) + ". " + channel_words
            + f"Each gradient has the shape of what it is the gradient of: {size(*spec.kernel)} for a kernel, the "
            + f"input's {size(*spec.input)} for the input. " + rotated_sentence(lines, matrix_name(step.letters["K"]))
            + named)
    return Exercise(MATRIX_QUESTION, lines, note, 4)


def _stride_case(spec: ConvSpec, step: DocStep) -> Exercise | None:
    """The middle input entry's gradient if the stride were 2 (or 1, for a layer with a stride): which
    upstream entries still reach it, and through which kernel entries."""
    other = (2, 2) if spec.stride == (1, 1) else (1, 1)
    try:
        variant = replace(spec, stride=other)
        variant.output  # noqa: B018  (a stride that leaves no output is no exercise)
    except SpecError:
        return None
    if min(variant.output) < 1:
        return None
    index = IndexMap(variant)
    (h, w) = spec.input
    i, j = (h - 1) // 2, (w - 1) // 2
    rows = [(r, index.kernel_row(p)) for r, p, ii in index.rows if ii == i]
    cols = [(s, index.kernel_col(q)) for s, q, jj in index.cols if jj == j]
    many = spec.out_channels > 1 or spec.in_channels > 1
    letter, _ = step.entry("K")

    def kernel(m: int, p: int, q: int) -> str:
        _, sup = step.entry("K", f"{m + 1},1" if many else "")
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{p + 1},{q + 1}}}"

    # Input channel 1, from every output channel.
    terms = [rf"{step.gradient_entry(str(m + 1) if spec.out_channels > 1 else '', f'{r + 1},{s + 1}')}\, {kernel(m, p, q)}"
             for m in range(spec.out_per_group) for r, p in rows for s, q in cols]
    x = entry(*step.entry("in", "1" if spec.in_channels > 1 else ""), i + 1, j + 1).strip("$")
    which = ""
    stride = "2" if other == (2, 2) else "1"
    return Exercise(
        f"Suppose the stride were {stride} instead, with the same input, kernel, padding and dilation: the output "
        f"would be {size(*variant.output)}. Write $\\partial L / \\partial {x}${which} at that stride.",
        [rf"\frac{{\partial L}}{{\partial {x}}} &= {' + '.join(terms) if terms else '0'}"],
        _stride_words(spec, stride, x, len(rows) * len(cols)), 3)


def _stride_words(spec: ConvSpec, stride: str, x: str, outputs: int) -> str:
    """Why the stride case's entry keeps the terms it does: the windows that cover it, `outputs` of them per
    output channel, each meeting it through one kernel entry."""
    start = (f"At stride {stride} output $(r, s)$ starts its window at input row $(r - 1) \\cdot {stride} + 1$"
             + (" less the padding" if spec.has_padding else "") + ", and column likewise, so "
             + ("fewer" if stride == "2" else "more") + f" windows cover ${x}$: ")
    each = f" in each of the {spec.out_per_group} output channels" if spec.out_per_group > 1 else ""
    terms = spec.out_per_group * outputs
    if outputs == 0:
        return start + "none does, so its gradient is 0."
    if outputs == 1:
        return (start + f"only the window of one output entry{each} covers it, through the kernel entry that lies on "
                f"${x}$, so its sum has {plural(terms, 'term')}.")
    return (start + f"those of {outputs} output entries{each}, each through the kernel entry that lies on ${x}$, so its "
            f"sum has {plural(terms, 'term')}.")


def general_results(spec: ConvSpec, step: DocStep) -> tuple[str, list[str], str, list[str]] | None:
    """Beside boxes written without a stride, padding or dilation (stride 1, no padding, dilation 1: where they
    are exact), the same results for any stride and padding, in words and math (intro, align lines, after);
    None for a layer whose boxes already carry its own stride, padding and dilation."""
    plain = (spec.stride == (1, 1) and not spec.has_padding and spec.dilation == (1, 1) and not spec.copies
             and not spec.flipped)
    if not plain:
        return None
    X, K = (matrix_name(step.letters[which]) for which in ("in", "K"))
    # The operators each said once, in a list (review r11 item 4): the intro ends with it, the template sets it.
    intro = ("These boxed forms hold at stride 1 with no padding and dilation 1, as in this layer. At any stride $S$, "
             "padding $P$ and dilation $D$ they read as below, with these operators:")
    # The channels as the boxes write them (results): kernel (m, c), input channel c, output channel m.
    ch = channels(spec)
    sup = lambda channel: f"^{{({step.example(channel)})}}" if step.example(channel) else ""
    c, m, x_c, m_back = (sup("c" if spec.in_channels > 1 else ""), sup("m" if spec.out_channels > 1 else ""), sup(ch.x),
                         sup(ch.g))
    mc, mc_back = (f"^{{({ch.pair})}}" if ch.pair else ""), (f"^{{({ch.back_pair})}}" if ch.back_pair else "")
    over_m = "" if not ch.readers else r"\sum_m " if spec.groups == 1 else ch.readers
    over_n = r"\sum_n " if step.batch is not None else ""
    lines = [rf"\frac{{\partial L}}{{\partial {K}{mc}}} &= {over_n}\operatorname{{pad}}_P({X}{x_c}) \star_D "
             rf"\operatorname{{spread}}_S(G{m})",
             rf"\frac{{\partial L}}{{\partial {X}{c}}} &= \operatorname{{crop}}\Bigl({over_m}\operatorname{{full}}_D"
             rf"\bigl(\operatorname{{spread}}_S(G{m_back})\bigr) \star "
             rf"\operatorname{{rot}}_{{180}}\bigl(\operatorname{{dilate}}_D({K}{mc_back})\bigr)\Bigr)"]
    after = (r"At $S = 1$, $P = 0$ and $D = 1$ the operators $\operatorname{pad}_P$, $\operatorname{spread}_S$ and "
             r"$\operatorname{dilate}_D$ change nothing, $\operatorname{full}_D$ is $\operatorname{full}$ and $\star_D$ is "
             r"$\star$: the boxes above. With a dilation, or a stride that leaves the padded input's last "
             r"rows or columns unread, the whole correlation is larger than the kernel: only its entries $D$ apart, "
             r"$K_h \times K_w$ of them, are the kernel's gradient, and the input entries no window reads get 0 from "
             "the crop.")
    return intro, lines, after, general_operators(step.sizes)


def in_network(spec: ConvSpec, step: DocStep) -> list[tuple[str, list[str], str]]:
    """How a single layer's results serve in a network (intro, align lines, after, per display): the upstream
    gradient comes from the next layer and the input's goes to the one before; with channels, per channel
    pair; over a batch, summed; then a step of gradient descent. In the document's letters, with the
    decorations of the layer's own boxes (padding, stride, dilation)."""
    X, K, Y = (matrix_name(step.letters[which]) for which in ("in", "K", "out"))
    b = step.symbol("b") if spec.bias else ""
    Xt = rf"\tilde{{{X}}}" if spec.has_padding else X
    Gt = r"\tilde{G}" if spec.stride != (1, 1) else "G"
    Kt = rf"\tilde{{{K}}}" if spec.dilation != (1, 1) or spec.flipped else K
    d = lambda what: rf"\frac{{\partial L}}{{\partial {what}}}"
    ds = lambda what: rf"\partial L / \partial {what}"  # in running text, slashed
    full_op = r"\operatorname{full}_D" if spec.dilation != (1, 1) else r"\operatorname{full}"  # as the boxes above
    # In groups, kernel (m, c) reads input channel o_m + c (depthwise: m), and input channel c is read by its group's.
    ch = channels(spec) if spec.groups > 1 else Channels("c", "m,c", "", r"\sum_{m=1}^{C_{\mathrm{out}}} ", "m,c", "m", "")
    pair = f"^{{({ch.pair})}}"

    def forms(batched: bool) -> list[str]:
        """The results per channel (pair), of one example or summed over a batch's (example n's channels: n,c)."""
        n = "n," if batched else ""
        over_n = r"\sum_{n=1}^{N} " if batched else ""
        correlation = rf"{Xt}^{{({n}{ch.x})}} \star {Gt}^{{({n}m)}}"
        if spec.flipped:
            correlation = rf"\operatorname{{rot}}_{{180}}\bigl({correlation}\bigr)"
        full = rf"{ch.readers}{full_op}({Gt}^{{({n}{ch.g})}}) \star \operatorname{{rot}}_{{180}}\bigl({Kt}^{{({ch.back_pair})}}\bigr)"
        if spec.has_padding:
            full = rf"\operatorname{{{'fold' if spec.copies else 'crop'}}}\Bigl({full}\Bigr)"
        lines = [rf"{d(K + pair)} &= {over_n}{correlation}"]
        if not batched and spec.groups == 1 and not spec.flipped:  # the forward rule the results are of, first
            sh, sw = spec.stride
            stride = "" if (sh, sw) == (1, 1) else f"_{{{sh}}}" if sh == sw else f"_{{({sh},{sw})}}"
            kernel = K if spec.dilation == (1, 1) else rf"\tilde{{{K}}}"
            lines.insert(0, rf"{Y}^{{(m)}} &= " + (f"{b}_m + " if b else "")
                         + rf"\sum_{{c=1}}^{{C_{{\mathrm{{in}}}}}} {Xt}^{{(c)}} \star{stride} {kernel}^{{(m,c)}}")
        lines += [] if batched and step.batch is None else [rf"{d(X + f'^{{({n}c)}}')} &= {full}"]
        if b:
            lines.append(rf"{d(b + '_m')} &= {over_n}\sum_{{r,s}} {step.gradient_entry(n + 'm', 'r,s')}")
        return lines

    batched = step.batch is not None  # this layer's own results sum over its batch: so do these
    # written with the plain star: exact only at stride 1 without padding or dilation, which says so (review r8 defect 1)
    plain = (spec.stride == (1, 1) and not spec.has_padding and spec.dilation == (1, 1) and not spec.copies
             and not spec.flipped)
    intro = (rf"In a network this layer is one link of the chain rule. Its upstream gradient $G = {ds(Y)}$ arrives "
             rf"from the next layer, the one that reads ${Y}$, and the input's gradient ${ds(X)}$ it computes becomes the "
             "upstream gradient of the layer before, which passes it on in turn. A layer of such a network has "
             rf"$C_{{\mathrm{{in}}}}$ input and $C_{{\mathrm{{out}}}}$ output channels, and a kernel ${K}^{{(m,c)}}$ for each output channel "
             "$m$ and input channel $c$"
             + ("" if batched else rf" (a superscript in parentheses is a channel: ${X}^{{(c)}}$ is the input's channel $c$, "
                rf"${Y}^{{(m)}}$ the output's channel $m$)")
             + ("; at this layer's stride 1, without padding or dilation, channel by channel " if plain else
                "; at this layer's stride, padding and dilation, channel by channel ")
             + ("and summed over this layer's batch of $N$ examples (the kernels" + (" and biases" if b else "")
                + " are shared by them, while each example's input gets its own gradient), " if batched else "")
             + "the layer and its results read:")
    # the forward rule adds the number b_m to a matrix: said to be added to every entry (review r14 A7)
    bias_said = (rf"The bias ${b}_m$ is added to every entry of ${Y}^{{(m)}}$. "
                 if b and not batched and spec.groups == 1 and not spec.flipped else "")
    after = (bias_said + ("The channels' groups are those of the results above. " if spec.groups > 1 else "")
             + "Each input channel collects the full convolutions of every output channel that reads it"
             + (r"; $\tilde{G}^{(m)}$ is made from $G^{(m)}$ as above." if Gt != "G" else ".")
             + (rf" These hold at stride 1 without padding or dilation; at any other stride, padding or dilation the "
                "gradients are, channel by channel, the general forms above." if plain else ""))
    out = [(intro, forms(batched), after)]
    if not batched:
        out.append((rf"Over a batch of $N$ examples (the parentheses then hold the example first: ${X}^{{(n,c)}}$ is "
                    rf"channel $c$ of example $n$, $G^{{(n,m)}}$ its upstream gradient; a mean loss puts its $1/N$ into each) the shared kernels" + (" and biases" if b else "") + " sum their gradients "
                    "over the examples:", forms(True), ""))
    step_lines = [rf"{K}^{{(m,c)}} &\leftarrow {K}^{{(m,c)}} - \eta \, {d(K + '^{(m,c)}')}"]
    if b:
        step_lines.append(rf"{b}_m &\leftarrow {b}_m - \eta \, {d(b + '_m')}")
    out.append((r"A step of stochastic gradient descent with learning rate $\eta$ then moves each parameter against "
                "its gradient:", step_lines,
                rf"The input's gradient ${ds(X)}$ updates nothing here: it only carries the chain rule on to the layer "
                "before."))
    return out
