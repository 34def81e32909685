"""Issue 24's length and clutter in network documents: what is said once, what adds nothing and is left out,
what a degenerate figure would not show; and the exercises' headings alike in every document."""

from __future__ import annotations

from pathlib import Path

from symconv import ConvSpec, derive, load_network, render
from symconv.rendering.document import GENERAL_LEAD, context

EXAMPLES = Path(__file__).parents[1] / "examples"


def _net(name: str):
    return derive(load_network(EXAMPLES / f"{name}.toml"))


def _group(ctx, which: str, number: int):
    return next(g for g in ctx[which] if g.title.startswith(f"Layer {number}:"))


def test_a_layer_like_one_shown_before_is_said_in_a_sentence():
    """ResNet's block repeats its convolution, batch normalization and relu at the same settings and size: the
    forward pass shows the first of each in full, the backward pass the last (it comes first there); the other
    says whose entries its are, with which symbols for which, and shows only what the first has not (none)."""
    d = _net("resnet_basic_block")
    ctx = context(d)
    for number, first in ((4, 1), (5, 2)):
        (said,) = _group(ctx, "forward", number).sections
        assert said.intro.startswith(f"The same kind, settings and size as layer {first}: its entries are layer "
                                     f"{first}'s with the superscript $[{number}]$ for $[{first}]$") and not said.blocks
    assert r"$a^{[3]}$ for $x$" in _group(ctx, "forward", 4).sections[0].intro
    for number, last in ((3, 7), (2, 5), (1, 4)):
        (said,) = _group(ctx, "backward", number).sections
        assert said.intro.startswith(f"The same kind, settings and size as layer {last}: its gradients are") \
            and not said.blocks and not said.figures
    # The first (forward) or last (backward) of each is shown in full, its figures with it.
    assert any(s.figures for s in _group(ctx, "forward", 1).sections)
    assert any(s.blocks for s in _group(ctx, "backward", 4).sections)
    # A convolution at other settings is not a repeat: three_layer_cnn's two convolutions are both shown.
    other = context(_net("three_layer_cnn"))
    assert all(any(s.blocks for s in _group(other, "forward", n).sections) for n in (1, 4))


def test_a_repeats_sentence_names_the_symbols_it_swaps():
    """Two dense layers alike (two_layer_sigmoid_mse): the first's gradients are the second's with its layer's
    superscript and its input x for the second's a^{[2]}, the input's gradient too when it is asked for."""
    d = _net("two_layer_sigmoid_mse")
    for ctx in (context(d), context(d, input_gradient=True)):
        (said,) = _group(ctx, "backward", 1).sections
        assert said.intro == ("The same kind, settings and size as layer 3: its gradients are layer 3's with the "
                              "superscript $[1]$ for $[3]$ and $x$ for $a^{[2]}$.")


def test_words_already_said_for_the_same_kind_are_not_repeated():
    """A section's words that an earlier layer of the same kind said (but for its layer numbers) are "As for
    layer m."; what two formulas' lines are is said once in a document, however many kinds have them."""
    ctx = context(_net("three_layer_cnn"))
    kernel = next(s for s in _group(ctx, "backward", 1).sections if s.name == "dL/dK[1]")
    assert kernel.intro.startswith("As for layer 4.")  # the backward pass meets layer 4 first
    assert kernel.figures and f"Figure {kernel.figures[0].number} shows" in kernel.intro
    first = next(s for s in _group(ctx, "backward", 4).sections if s.name == "dL/dK[4]")
    assert first.intro.startswith("A kernel entry multiplies one input entry")
    md = render(_net("conv_transpose_decoder"), ("md",)).files["derivation.md"].decode()
    assert md.count(GENERAL_LEAD) == 1
    assert md.count(r"\rho_h(r, p)") and md.count(r"\rho_h(i, p)")  # both kinds' formulas in symbols


def test_entries_that_only_repeat_a_rule_are_left_out():
    """In a network, the gradients relu, flatten and dropout pass back are said by their words (no entry: it
    would be the rule at index (1, 1)); a relu's forward pass is its one-line rule (review r7: the walk no longer
    jumps over it), no entries and no sentence repeating it; a convolution's bias gradient is its formula, the
    channel's sum, without that sum written out."""
    d = _net("conv_relu_maxpool_dense")
    ctx = context(d)
    sections = {s.name: s for s in ctx["sections"]}
    relu_forward = [s for g in ctx["forward"] if g.title.startswith("Layer 2:") for s in g.sections]
    assert [len(s.formula) for s in relu_forward] == [1] and not any(s.intro or s.blocks for s in relu_forward)
    assert any(g.title.startswith("Layer 2:") for g in ctx["backward"])
    relu, flatten = sections["dL/dA[1]"], sections["dL/dA[3]"]
    assert relu.intro and flatten.intro and not relu.blocks and not flatten.blocks
    bias = sections["dL/db[1]"]
    # at this size on the line of the sum in symbols, after it (review r16 item 1)
    assert not bias.formula and r" = \sum_{r=1}^{4}" in bias.general[0] and not bias.blocks
    pytorch = context(_net("pytorch_semantics"))
    dropout = [r for r in _net("pytorch_semantics").records if r.layer.type == "dropout"]
    assert dropout
    named = {s.name: s for s in pytorch["sections"]}
    for r in dropout:
        assert not named[f"dL/d{r.input}"].blocks and named[r.output].intro and not named[r.output].blocks
    # A single layer still shows every entry of its bias's gradient.
    single = {s.name: s for s in context(derive(ConvSpec(input=3, kernel=2, bias=True)))["sections"]}
    assert sum(r"\partial b" in line.split("&=")[0] for line in single["dL/db"].formula) == 2  # the formula, the entry


def test_an_objective_is_said_once():
    """pytorch_semantics has a convolution with a bias and one without: one objective on their gradients."""
    objectives = context(_net("pytorch_semantics"))["objectives"]
    derive_kernel = [o for o in objectives if o.startswith("derive the gradients of the kernel")]
    assert derive_kernel == [o for o in derive_kernel if "the input and the bias" in o] and len(derive_kernel) == 1
    assert len(objectives) == len(set(objectives))


def test_a_one_by_one_kernel_draws_no_full_convolution():
    """With a 1 x 1 kernel at stride 1 the full convolution pads nothing and turns nothing: no figure of it (it
    would show a 1-cell window on the upstream gradient as it is), and the words say why nothing turns."""
    d = _net("depthwise_separable")
    (pointwise,) = [r for r in d.records if r.layer.type == "conv" and r.layer.kernel == (1, 1)]
    section = next(s for s in context(d)["sections"] if s.name == f"dL/d{pointwise.input}")
    assert not section.figures and "nothing to turn" in section.intro and "rotated by 180 degrees sliding" not in section.intro
    # At a stride, the zeros it spreads between the gradient's entries are worth a figure.
    strided = derive(ConvSpec(input=5, kernel=1, stride=2))
    assert any(f.svg_file == "figure-full.svg" for s in context(strided)["sections"] for f in s.figures)


def test_exercise_headings_are_alike_in_a_single_layers_document_and_a_networks():
    single = render(ConvSpec(input=3, kernel=2), ("md",)).files["derivation.md"].decode()
    network = render(_net("conv_relu_maxpool_dense"), ("md",)).files["derivation.md"].decode()
    for md in (single, network):
        assert "#### Exercise 1\n" in md and "#### Answer 1\n" in md and "Exercise 1." not in md


def test_the_networks_diagram_is_a_float():
    """Where the diagram does not fit under the table of layers, the text fills the page (pytorch_semantics'
    first page was a third empty)."""
    tex = render(_net("pytorch_semantics"), ("tex",)).files["derivation.tex"].decode()
    start = tex.index(r"\textbf{Figure 1.}")
    assert tex.rindex(r"\begin{figure}[!htbp]", 0, start) > tex.index(r"\end{tabular}")
