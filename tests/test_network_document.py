"""A network's document (issue 13, item 6): its rules in tensor form first, representative entries
(every entry with all_entries), the input's gradient only when asked, its title, its length."""

from __future__ import annotations

import re
import subprocess
from itertools import product
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network, render
from symconv.layers import LAYER_TYPES, layer_from_fields
from symconv.layers.base import DocStep
from symconv.example import worked_example
from symconv.rendering.document import context, representative

from .conftest import need_latex, need_poppler
from .test_layer_kinds import SAMPLES

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("shape, expected", [
    ((2, 6, 6), [0, 14]),  # the first channel's corner and middle (3, 3), as the figures and the worked example
    ((2, 1, 3, 3), [0, 4]),  # a kernel: the first channel pair
    ((3, 2), [0, 3]),  # a dense layer's weights: (1, 1), (2, 2)
    ((10,), [0, 4]),
    ((1,), [0]), ((1, 1, 1), [0]),
    ((1, 2, 2), [0, 3]),  # 2 x 2: the middle is the last
])
def test_representative_entries(shape, expected):
    assert representative(shape) == expected


@pytest.mark.parametrize("counts, expected", [
    ({0: 2, 14: 18}, [0, 14]),  # a corner with fewer terms (the full convolution's): both
    ({0: 9, 14: 9}, [0]),  # every entry alike (a valid convolution's output): the first says it all
    ({0: 4, 14: 3}, [0]),
])
def test_the_middle_entry_is_shown_only_where_the_first_has_fewer_terms(counts, expected):
    assert representative((2, 6, 6), counts.__getitem__) == expected


def _rows(ctx) -> dict[str, int]:
    return {s.name: sum(len(b.rows) for b in s.blocks) for s in ctx["sections"]}


def test_a_network_shows_representative_entries_and_all_of_them_when_asked():
    d = derive(load_network(EXAMPLES / "three_layer_cnn.toml"))
    few, every = _rows(context(d)), _rows(context(d, all_entries=True, input_gradient=True))
    assert every["A[1]"] == 72 and few["A[1]"] == 1  # 2 x 6 x 6, a valid convolution: every entry has 9 terms
    assert every["dL/dK[1]"] == 18 and few["dL/dK[1]"] == 1
    assert every["dL/dX"] == 64 and "dL/dX" not in few  # training does not need it
    # y-hat and the loss are said by its rule (review r15 item 7); every entry asked for, the loss's row too
    assert few["A[9]"] == 0 and every["A[9]"] == 1
    # The full convolution's corner has fewer terms than its interior: both are shown.
    assert _rows(context(d, input_gradient=True))["dL/dX"] == 2
    # Which entries are shown is said once, at the start of the forward pass, and never again (issue 24).
    ctx = context(d)
    partial = [s for s in ctx["sections"] if s.blocks and _rows(ctx)[s.name] < every[s.name]]
    assert partial and "the sections below write out the first entry of each tensor (channel 1, row 1, column 1)" in ctx["shown_note"]
    assert "the sections below write out the first entry of each tensor (channel 1, row 1, column 1)" not in context(d, all_entries=True)["shown_note"]
    md = render(d, ("md",)).files["derivation.md"].decode()
    assert md.count("the sections below write out the first entry of each tensor (channel 1, row 1, column 1)") == 1 and "Shown:" not in md
    # A relu's and a flatten's outputs only clip or move numbers: their rule says it, no entries listed.
    sections = {s.name: s for s in ctx["sections"]}
    assert [n for n, layer in enumerate(d.network.layers, start=1) if layer.type in ("relu", "flatten")]
    assert all(not sections[r.output].blocks for r in d.records if r.layer.type == "relu")
    # A flatten's forward pass shows its index map (review r7: the walk no longer jumps over it), no entries.
    flat = [r for r in d.records if r.layer.type == "flatten"]
    assert flat and all(sections[r.output].formula and not sections[r.output].blocks for r in flat)
    assert "dL/dX" in _rows(context(d, input_gradient=True))


def test_a_single_layer_shows_every_entry():
    from symconv import ConvSpec

    d = derive(ConvSpec(input=5, kernel=2))
    assert _rows(context(d)) == _rows(context(d, all_entries=True)) and _rows(context(d))["dL/dX"] == 25


def test_every_kind_writes_its_rules_in_tensor_form():
    for kind, (fields, shape) in SAMPLES.items():
        layer = layer_from_fields({"type": kind, **fields})
        letters = {"in": "a", "out": layer.output_letter or "a", **{p.key: p.letter for p in layer.params(shape)}}
        # A join reads a^{[1]} and the network's input x.
        sources = (("a", 1, False, shape[0]), ("x", None, False, shape[0])) if not layer.arity else ()
        lines = layer.rules(DocStep(2, shape, layer.output_shape(shape), letters, r"\delta", sources=sources))
        assert lines and all("&=" in line or "&" in line for line in lines), kind
        # Every rule names the layer's input gradient, delta^{[1]} (what the layer sends back).
        # (a convolution boxes its results from the alignment point, "&\boxed{lhs = rhs}", review r11 item 2)
        lhs = lambda line: re.sub(r"^&(\\boxed\{)?", "", line).split("=")[0]
        assert any(r"\delta^{[1]" in lhs(line) for line in lines), kind


def test_the_overview_defines_the_notation_its_rules_use():
    ctx = context(derive(load_network(EXAMPLES / "three_layer_cnn.toml")))
    assert [s.title for s in ctx["rules"]][0].startswith("Layer 1: convolution")
    # one item per symbol, each a sentence starting with the symbol (a lecturer could not find the rules in one paragraph)
    notation = ctx["rules_notation"]
    for mark in (r"\odot", r"\star", r"\operatorname{full}", r"\oslash"):
        assert sum(item.startswith("$" + mark) for item in notation) == 1, mark
    # rot180 is defined by its entries where the input's gradient first turns the kernel: not again (review r15 item 7)
    assert not any(item.startswith(r"$\operatorname{rot}_{180}") for item in notation)
    assert any("is the kernel turned by 180 degrees" in s.intro for s in ctx["sections"])
    assert all(item.endswith(".") for item in notation)
    # no stride in this network: spread is said only among the general forms' operators (review r11 item 4), once
    assert sum(r"\operatorname{spread}" in item for item in notation) == 1
    assert sum(item.startswith(r"$\operatorname{spread}_S(\cdot)$") for item in notation) == 1
    assert "left out" in ctx["shown_note"]


def test_the_title_comes_from_the_title_field_or_the_file_name(tmp_path):
    assert context(derive(load_network(EXAMPLES / "three_layer_cnn.toml")))["title"] == \
        "Back-propagation through a three-layer CNN"
    path = tmp_path / "lenet_small.toml"
    path.write_text('input = [1, 4, 4]\n[[layer]]\ntype = "relu"\n[[layer]]\ntype = "flatten"\n')
    assert context(derive(load_network(path)))["title"] == "Back-propagation through the network lenet small"


# Issue 24's limits: the CNN's document at most 8 pages, every other example's at most 12; those below as measured
# (a network's document is set at 10pt: it holds its rules, a worked example through every layer and each layer's
# entries; pytorch_semantics took its 12th page when the worked example moved after the backward pass, where it
# starts a fresh page; resnet_basic_block its 9th when the rules' symbols became a list, one per line, and the further
# reading gained d2l and addresses; the CNN took a 9th when its answers started a page of their own (review r14 A12),
# and is back to 8 (review r15 item 7): its answers follow the reading, the worked example flows on from the rules, no
# entry is listed that its rule's line above gives (the softmax's and the dense layer's vectors, the loss), the worked
# lines' left sides are slashed, the answers' gradient after a max pooling is said in words, not a matrix of zeros; the
# 8th page holds the exercises, the reading and the answers). Its answers start a page of their own again (review r16
# item 1), the 8th, with the reading after them: the exercises set small, the bias's two lines and the softmax's last
# two steps merged, the dense layer's d z / d W said in words.
PAGES = {"conv_relu_maxpool_dense": 8, "resnet_basic_block": 8, "unet_decoder": 10,
         "three_layer_cnn": 9}


@pytest.mark.parametrize("name, most", [(path.stem, PAGES.get(path.stem, 12))
                                        for path in sorted(EXAMPLES.glob("*.toml"))])
def test_the_example_networks_stay_short(name, most, tmp_path):
    need_latex()
    need_poppler("pdfinfo")
    pdf = tmp_path / "d.pdf"
    pdf.write_bytes(render(derive(load_network(EXAMPLES / f"{name}.toml")), ("pdf",)).files["derivation.pdf"])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    assert pages <= most


def test_the_cnn_shows_the_input_gradient_as_the_full_convolution_with_entries_and_its_figure():
    """The lecture's core result in the CNN document (issue 24): its file asks for the input's gradient,
    which its first layer, a convolution, computes as the full convolution with the kernel."""
    net = load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")
    assert net.input_gradient
    ctx = context(derive(net))
    section = next(s for s in ctx["sections"] if s.name == "dL/dX")
    assert sum(len(b.rows) for b in section.blocks) == 2  # a corner (two terms) and the interior (all of them)
    assert any(f.svg_file == "figure-full-layer-1.svg" for f in section.figures)
    assert r"the full convolution with $K^{[1](m,1)}$" in section.intro and "rotated" in section.intro
    assert section.formula and "no term" in section.after


@pytest.mark.parametrize("order", ["row", "column"])
@pytest.mark.parametrize("shape", [(2, 2, 2), (3, 2, 4), (1, 3, 2)])
def test_the_flatten_rule_in_symbols_puts_each_entry_where_the_layer_does(order, shape, tmp_path):
    """The rule prints the vector's index in H and W (any channel size; a lecturer read the sizes' numbers as the
    only case): put this channel size in and every (m, r, s) lands where the layer's forward pass puts it."""
    import re
    from sympy import Symbol
    from sympy.parsing.sympy_parser import implicit_multiplication, parse_expr, standard_transformations
    from symconv.layers.flatten import flatten_order
    from symconv.naming import Naming
    c_n, h, w = shape
    net = f'input = [{c_n}, {h}, {w}]\n[[layer]]\ntype = "relu"\n[[layer]]\ntype = "flatten"\norder = "{order}"\n'
    path = tmp_path / "net.toml"
    path.write_text(net)
    d = derive(load_network(path))
    record = d.records[1]
    line = record.layer.index_map(Naming(d.network.names).doc_step(record, None))
    # the channel's size as n_h x n_w (H and W are the network input's, W^{[l]} a dense layer's weights, and h, w the
    # subscripts of rows and columns)
    index = re.search(r"_\{((?:[^{}]|\{[^{}]*\})*)\} &=", line).group(1)
    assert rf"(n_h \times n_w = {h} \times {w})" in line
    index = index.replace("n_h", "h").replace("n_w", "w")
    expr = parse_expr(index.replace("h w", "h*w"), transformations=standard_transformations + (implicit_multiplication,))
    at = {n: k for k, n in enumerate(flatten_order(order, shape))}  # flat row-major position -> vector index
    for m, r, s in product(range(1, c_n + 1), range(1, h + 1), range(1, w + 1)):
        vector = int(expr.subs({Symbol("h"): h, Symbol("w"): w, Symbol("m"): m, Symbol("r"): r, Symbol("s"): s}))
        assert vector - 1 == at[((m - 1) * h + r - 1) * w + s - 1], (m, r, s)


def test_the_notation_paragraph_defines_each_name_once_and_says_an_activation_has_its_own_delta():
    """A lecturer found a^{[l]} defined twice in one garbled paragraph ('a^{[l]} is the output of layer l ...; x is the
    input. a^{[l]} is the whole of layer l's output, a capital ...'), and delta^{[l]} = dL/da^{[l]} unflagged beside
    the delta = dL/dz of Nielsen and Ng: an activation is a layer of its own, with its own delta."""
    cnn = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    intro = cnn[cnn.index("Indices are 1-based"):cnn.index("## Forward pass")]
    assert intro.count("the output of layer $l$") == 1 and "is the whole of" not in intro
    assert "$x$ is the input and $a^{[l]}$ the output of layer $l$, as Figure 1 draws them." in intro
    assert "A capital letter is one channel as a matrix" in intro
    assert "an activation is a\nlayer of its own here, with its own $\\delta^{[l]}$" in intro
    # no activation layer, no word of one
    path = EXAMPLES.parent / "tests" / "notes" / "heldout11" / "07_net.toml"
    plain = render(load_network(path), ("md",)).files["derivation.md"].decode()
    assert "Indices are 1-based" in plain and "an activation is a" not in plain


def test_a_convolutions_rules_write_one_channel_as_a_capital_as_the_notation_says():
    """The notation paragraph says a capital is one channel as a matrix, and the worked example writes X and A^{[1](1)}:
    the rules and their general forms did too little of it (x star K, dL/dx; a lecturer's B4)."""
    md = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    rules = md[md.index("## The rules"):md.index("## A worked example")]
    assert r"&A^{[1](m)} = b^{[1]}_m + X \star K^{[1](m,1)}" in rules
    assert r"\boxed{\frac{\partial L}{\partial X} = \sum_m \operatorname{full}" in rules  # boxed (review r11 item 2)
    assert r"\operatorname{pad}_P(X^{(c)}) \star_D" in rules  # the general forms: any input channel c (review r15 item 2)
    assert r"\frac{\partial L}{\partial X^{(c)}} &= \operatorname{crop}\Bigl(\sum_m" in rules
    assert r"x \star" not in rules and r"\partial x}" not in rules


def test_the_cnn_document_defines_and_says_what_it_shows():
    """review24: C_out defined before the formula sums to it, and C_in after the display whose general line sums to it
    even with the CNN's one input channel (review r15 item 2; review r14 A4 had C_in defined and unused); full(.) says
    how many zeros it adds; the switch figure's caption points at its own numbers, not at a worked
    example that leaves A^{[2]} out (drawn in the worked example, after A^{[2]}'s numbers: "above", review r16 item 1);
    the note on which entries are shown says that relu and flatten get no entries;
    no tiny fraction in a display; no dangling "as PyTorch's" and a grammatical flatten sentence."""
    tex = render(derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")), ("tex",)).files["derivation.tex"].decode()
    defined = tex.index(r"$C_{\mathrm{in}}$ and $C_{\mathrm{out}}$ are the numbers of input and output channels")
    assert defined < tex.index(r"\sum_{m=1}^{C_{\mathrm{out}}}")
    # C_in in the note right after the display whose first line sums to it, as rho_h(r, p) is
    assert tex.rindex(r"\sum_{c=1}^{C_{\mathrm{in}}}", 0, defined) > tex.rindex(r"\begin{align*}", 0, defined)
    # said once, for any dilation (review r11 item 4): full_D, which is full at D = 1
    assert (r"$\operatorname{full}_D(\cdot)$ adds $D_h (K_h - 1)$ rows and $D_w (K_w - 1)$ columns of zeros on every "
            r"side ($\operatorname{full}$ at $D = 1$): just enough") in tex
    assert "in the worked example below" not in tex and "values of $A^{[2]}$ above, written in its cells" in tex
    assert tex.index("values of $A^{[2]}$ above") > tex.index(r"\section*{A worked example}")
    # review r7 defect 11: no tie in the figure, so its caption does not stress the first maximum
    assert "the switch: the maximum" in tex and "its maximum; the others get 0" in tex
    assert "A ReLU or a flatten, which only clips or moves entries, is given by its rule alone." in tex
    assert r"\tfrac" not in tex
    assert "(as PyTorch's)" not in tex and "flatten does and only moves" not in tex


def test_the_max_pooling_rule_carries_the_channel_of_a_layer_with_channels():
    """review24c defect 7: max pooling's entry rule wrote a^{[3]}_{r,s} = max a^{[2]}_{i,j} without the channel, where
    the layer has 2 channels and every other formula writes a^{[l](m)}."""
    md = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    rules = md[md.index("## The rules"):md.index("## A worked example")]
    assert r"a^{[3](m)}_{r,s} &= \max_{(i,j) \in \Omega_{r,s}} a^{[2](m)}_{i,j}" in rules
    assert r"\bigl(\delta^{[2](m)}\bigr)_{i,j} &= \sum_{(r,s):\ (i,j) \in \Omega_{r,s}} \bigl(\delta^{[3](m)}\bigr)_{r,s}" in rules


def test_the_walk_gives_relu_and_flatten_their_rules_both_ways():
    """review r7 defect 1: the forward pass jumped from layer 1 to 3 and 3 to 5 (relu's and flatten's rules only in
    the summary) and both layers' backward sections were prose only: each now has its entry rule in maths, forward
    and backward, where the document walks the network."""
    md = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    forward = md[md.index("## Forward pass"):md.index("## Backward pass")]
    backward = md[md.index("## Backward pass"):md.index("## The rules")]
    assert "### Layer 2: ReLU" in forward and "### Layer 4: flatten" in forward
    assert r"a^{[2](m)}_{r,s} &= \max(0, a^{[1](m)}_{r,s})" in forward
    assert r"a^{[4]}_{n_h n_w (m - 1) + n_w (r - 1) + s} &= a^{[3](m)}_{r,s}" in forward
    assert r"\partial L / \partial a^{[1](m)}_{r,s} &= \delta^{[2](m)}_{r,s}\, \mathbb{1}[a^{[1](m)}_{r,s} > 0]" in backward
    assert r"\partial L / \partial a^{[3](m)}_{r,s} &= \delta^{[4]}_{n_h n_w (m - 1) + n_w (r - 1) + s}" in backward


def test_the_walks_backward_rules_write_the_gradient_they_give_as_the_pooling_does():
    """review r8 defect 7: the pooling's entry read dL/da^{[2](1)}_{1,1} = delta^{[3](1)}_{1,1} ..., the relu's rule
    delta^{[1](m)}_{r,s} = delta^{[2](m)}_{r,s} ...: every layer of the walk now gives dL/da from the upstream delta."""
    md = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    backward = md[md.index("## Backward pass"):md.index("## The rules")]
    lhs = [line.split("&=")[0].strip() for line in backward.splitlines() if "&=" in line]
    assert lhs and not [side for side in lhs if side.startswith(r"\delta")], lhs


def test_the_reading_conventions_come_before_their_first_use_and_the_objectives_define_their_symbols():
    """review r7 defect 13: "Where a formula is written more than once ..." came after the first such display, the
    objectives used y-hat - t before y-hat and t were defined, and the forward pass opened with "the first of its first
    channel (and the middle one too ...)"."""
    from symconv.rendering.document import GENERAL_LEAD
    for d in (derive(ConvSpec(bias=True)), derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))):
        md = render(d, ("md",)).files["derivation.md"].decode()
        assert md.index(GENERAL_LEAD) < md.index(r"\rho_h(r, p)") if r"\rho_h(r, p)" in md else GENERAL_LEAD in md
    md = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    assert r"sends back its probabilities $\hat{y}$ less the one-hot target $t$" in md
    assert "the first of its first channel" not in md and "the first entry of each tensor (channel 1, row 1, column 1)" in md


def test_a_convolution_with_one_output_channel_writes_its_bias_without_a_channel_index():
    # a^{[1]}_{r,s} = b^{[1]}_{m} + ... named an m that the entry on the left has not: check could not read it
    from symconv import check

    d = derive(load_network(EXAMPLES / "single_conv.toml"))
    md = render(d, ("md",)).files["derivation.md"].decode()
    assert r"a^{[1]}_{r,s} &= b^{[1]} + " in md and r"b^{[1]}_{m}" not in md
    assert not [v for v in check(md, d) if "index m has no range" in (v.reason or "")]
    two = render(derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")), ("md",)).files["derivation.md"].decode()
    assert r"b^{[1]}_{m}" in two  # two output channels: the channel m is on the left too


def test_k_is_only_the_kernel_in_the_cnn_document():
    """review r9 clash 1: k was a kernel entry, the softmax's class index (y_k, t_k) and the dense layer's input index
    (W_{j,k}). The classes are now the dense layer's outputs j (j' where a sum runs over them) and its input index
    is i (W_{j,i}); k is the kernel's alone, in every format and in the handout."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    for handout in (False, True):
        for name, data in render(d, ("tex", "md", "html"), handout=handout).files.items():
            text = data.decode(errors="replace")
            for bad in (r"\hat{y}_k", "t_k", "f_k", "{j,k}", "_{k'}", "[j = k]", r"\sum_k", "<mi>k</mi><mo>&#x0002C;</mo><msup><mi>k"):
                assert bad not in text, (name, bad)
            if name == "derivation.md":
                assert "_{j,i}" in text and r"\hat{y}_j" in text and "its input $i$ to its output $j$" in text


def test_w_is_only_the_dense_layers_weights_in_the_cnn_document():
    """review r15 item 1: W was the input's width (H x W, W_o, 1 <= rho_w <= W) and the dense layer's weights W^{[5]}.
    A network writes a layer's sizes n_h x n_w (its input) and o_h x o_w (a convolution's output), in every format;
    every W left is a weight: W^{[5]}, or the weights of the gradient-descent step W <- W - eta dL/dW."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    files = {name: data.decode() for name, data in render(d, ("tex", "md", "html")).files.items()
             if name.startswith("derivation.")}
    for name in ("derivation.tex", "derivation.md"):
        text = files[name]
        for size in (r"$n_h \times n_w$", r"o_h &= \left\lfloor \frac{n_h + 2 P_h", r"\sum_{r=1}^{o_h} \sum_{s=1}^{o_w}",
                     r"1 \le \rho_w(s, q) \le n_w"):
            assert size in text, (name, size)
        bare = [text[m.start() - 30:m.end() + 12] for m in re.finditer(r"(?<![A-Za-z\\])W(?![A-Za-z])", text)
                if not text.startswith("^{[", m.end())]
        assert bare and all(r"\leftarrow W" in b or r"W \leftarrow" in b or r"\partial W" in b for b in bare), (name, bare)
    html = files["derivation.html"]
    assert "<msub><mi>W</mi><mi>o</mi></msub>" not in html
    assert "<mi>H</mi><mo>&#x000D7;</mo><mi>W</mi>" not in html and "<mi>H</mi><mo>×</mo><mi>W</mi>" not in html
    assert "<msub><mi>n</mi><mi>w</mi></msub>" in html


def test_the_cnns_general_rules_sum_over_the_input_channels_and_its_one_channel_is_said_once():
    """review r15 item 2: the CNN's conv rules never wrote the sum over the input channels c. The rules in symbols (the
    entry-wise general formulas and the general tensor forms beside the rules) sum over c, the kernel K^{(m,c)}; where
    the layer's input has one channel, one sentence says that its own lines leave that sum's one term unsummed, in
    every format."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    files = render(d, ("tex", "md", "html")).files
    md, tex = files["derivation.md"].decode(), files["derivation.tex"].decode()
    one = (r"This layer's input has a single channel, so wherever its own sizes are put in, the sum over $c$ is its one "
           r"term $c = 1$, written without the sum ($x$ without a channel, the kernel $k^{[1](m,1)}$)")
    for text in (md, tex):
        assert text.count(one) == 1
        assert (r"a^{[1](m)}_{r,s} &= b^{[1]}_{m} + \sum_{c=1}^{C_{\mathrm{in}}} \sum_{p=1}^{K_h} \sum_{q=1}^{K_w} "
                r"x^{(c)}_{\rho_h(r, p),\, \rho_w(s, q)}\, k^{[1](m,c)}_{p,q}") in text
        assert r"\frac{\partial L}{\partial k^{[1](m,c)}_{p,q}} &= \sum_{r=1}^{o_h}" in text
        assert r"\frac{\partial L}{\partial x^{(c)}_{i,j}} &= \sum_{m=1}^{C_{\mathrm{out}}}" in text
        assert r"\frac{\partial L}{\partial K^{[1](m,c)}} &= \operatorname{pad}_P(X^{(c)}) \star_D" in text
        assert r"\frac{\partial L}{\partial X^{(c)}} &= \operatorname{crop}\Bigl(\sum_m" in text
        assert text.index(one) < text.index(r"a^{[1](1)}_{1,1} &= b^{[1]}_{1} + x_{1,1}")  # said before the first entry
    assert "single channel, so wherever its own sizes are put in" in files["derivation.html"].decode()
    # a layer with several input channels writes the sum in its own lines and needs no such sentence
    three = render(derive(load_network(EXAMPLES / "three_layer_cnn.toml")), ("md",)).files["derivation.md"].decode()
    assert r"\sum_c A^{[" in three and three.count("single channel, so wherever") == 1  # its first layer's alone


def test_the_switch_figure_shows_the_worked_examples_numbers_only_after_they_are_given():
    """review r15 item 4: Figure 3, the max pooling's switches drawn at the worked example's values of A^{[2]}, stood in
    the backward pass, pages before the worked example gives its numbers. It is drawn in the worked example, after the
    numbers it shows (A^{[1]}, whose ReLU A^{[2]} is), numbered after the passes' figures, and referred to there, where it
    is drawn: the pooling's words in the backward pass no longer point ahead to "Figure 5 (in the worked example)"
    (review r16 item 1). In every format."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    ctx = context(d, example=worked_example(d))
    pool = next(s for s in ctx["sections"] if s.name == "dL/dA[2]")
    assert not pool.figures and "Figure" not in pool.intro and "in the worked example" not in pool.intro
    shown = [s for s in ctx["closing"] if s.figures]
    assert [s.name for s in shown] == ["example-figures"] and shown[0].figures[0].number == 5
    assert shown[0].intro == ("Figure 5 shows where each window's gradient goes, at the values of $A^{[2]}$ above, "
                              "written in its cells.")
    assert [s.name for s in ctx["closing"]].index("example-figures") > [s.name for s in ctx["closing"]].index("example-results")
    files = {name: data.decode() for name, data in render(d, ("tex", "md", "html")).files.items()
             if name.startswith("derivation.")}
    for name, given, figure in (("derivation.tex", r"\section*{A worked example}", r"\textbf{Figure 5.} The switches"),
                                ("derivation.md", "## A worked example", "![figure](figure-switch-layer-3.svg)"),
                                ("derivation.html", ">A worked example</h2>", "<b>Figure 5.</b> The switches")):
        text = files[name]
        assert text.count(figure) == 1 and text.index(figure) > text.index(given), name
        numbers = text.index("A^{[1](1)} = {\\begin{bmatrix} 9") if name != "derivation.html" else text.index("<mn>11</mn>")
        assert text.index(figure) > numbers, name
    assert "figure-switch-layer-3.svg" in render(d, ("md",)).files  # the Markdown's figure beside it, written


def test_the_cnns_worked_entries_are_the_entries_its_sections_write_out_and_its_numbers_keep_one_rounding_rule():
    """review r15 item 5: the worked example worked a^{[1](2)}_{1,1}, dL/dk_{1,2} and dL/dx_{3,4} where the sections
    wrote a^{[1](1)}_{1,1}, dL/dk_{1,1} and dL/dx_{1,1}, x_{3,3}; and its numbers were rounded to three, four or five
    places. Each worked entry is one its tensor's section writes out in symbols, and every decimal of the worked
    example, the exercises and the answers is exact (given tenths, a rate) or rounded to four places, as said once."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    ctx = context(d, example=worked_example(d, 0, input_gradient=True))
    rows = {s.name: {r.lhs for b in s.blocks for r in b.rows} for s in ctx["sections"]}
    worked = next(s for s in ctx["closing"] if s.name == "example-worked").steps
    # the worked lines' left sides slashed (review r15 item 7), the sections' as fractions
    lhs = {re.sub(r"^\\partial L / \\partial (.*)$", r"\\frac{\\partial L}{\\partial \1}", line.split("&=")[0].strip())
           for line in worked if "&=" in line and line.split("&=")[0].strip()}
    with_rows = {name: shown for name, shown in rows.items() if shown}
    checked = [left for left in lhs if any(left in shown for shown in with_rows.values())]
    assert {r"a^{[1](1)}_{1,1}", r"\frac{\partial L}{\partial k^{[1](1,1)}_{1,1}}",
            r"\frac{\partial L}{\partial x_{3,3}}"} <= set(checked)
    # dL/dW^{[5]}_{1,1} is worked where its section gives every entry by the rule delta_j a_i (no entry listed)
    weights = next(s for s in ctx["sections"] if s.name == "dL/dW[5]")
    assert r"\frac{\partial L}{\partial W^{[5]}_{1,1}}" in lhs and not weights.blocks
    assert any(r"= \delta^{[5]}_{j}\, a^{[4]}_{i}" in line for line in weights.steps)
    for name, shown in with_rows.items():  # a worked entry of a tensor whose section lists its entries is one of them
        labels = set(d[name].labels)
        assert not (lhs & labels and labels & shown) or lhs & labels <= shown, (name, lhs & labels, shown)
    md = render(d, ("md",)).files["derivation.md"].decode()
    numbers = md[md.index("## A worked example"):md.index("Further reading")] + md[md.index("## Answers"):]
    assert md.count("decimals that are not exact are rounded to four places") == 1
    decimals = re.findall(r"(?<![\d.])-?\d+\.(\d+)", numbers)
    assert decimals and {len(places) for places in decimals} <= {1, 3, 4}  # tenths, four places, the rate 0.001
    assert set(re.findall(r"(?<![\d.])-?\d+\.\d{3}(?!\d)", numbers)) == {"0.001"}


def test_the_cnns_sections_list_no_entry_the_line_above_gives_and_its_answers_start_a_page_the_reading_after_them():
    """review r15 item 7 (the CNN in 8 pages without cramming): a vector of entries that repeats the rule just above it
    (the softmax's dL/df_j = y-hat_j - t_j, a dense layer's dL/dW_{j,i} = delta_j a_i and dL/db = delta, the loss L), is
    not listed, nor is the worked example's dL/db^{[5]}, the same numbers as dL/da^{[5]}. A network's answers start a
    page of their own, as a single layer's do, so that the pages before them can be handed out; its further reading
    follows them on their page, and its exercises are set small (review r16 item 1)."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    ctx = context(d, example=worked_example(d, 0, input_gradient=True))
    sections = {s.name: s for s in ctx["sections"]}
    for name in ("dL/dW[5]", "dL/db[5]", "dL/dA[5]", "A[6]"):
        assert not sections[name].blocks and not sections[name].overview, name
    assert sections["dL/dA[4]"].blocks  # a sum over the outputs: its entry is shown
    results = next(s for s in ctx["closing"] if s.name == "example-results")
    assert not any(r"\partial b^{[5]}}" in line for line in results.formula)
    worked = next(s for s in ctx["closing"] if s.name == "example-worked")
    assert r"$\partial L / \partial b^{[5]}$ is $\partial L / \partial a^{[5]}$ by its rule, not listed again." in worked.after
    tex = render(d, ("tex",)).files["derivation.tex"].decode()
    reading, answers = tex.index(r"\subsection*{Further reading}"), tex.index(r"\section*{Answers}")
    assert answers < reading and tex.count(r"\subsection*{Further reading}") == 1
    assert tex[:answers].rstrip().endswith(r"\clearpage")
    assert "the answers are on a page of their own." in tex and "the answers are in the last section." not in tex
    exercises = tex[tex.index(r"\section*{Exercises}"):answers]
    assert r"{\small" in exercises
    single = render(derive(ConvSpec(bias=True)), ("tex",)).files["derivation.tex"].decode()
    assert r"\clearpage" in single[single.index(r"\subsection*{Further reading}"):single.index(r"\section*{Answers}")]
