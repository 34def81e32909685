"""Issue 24, "Exact wording": the phrases a lecturer would otherwise correct in front of a class, in every
format (LaTeX, Markdown, HTML), the handout and the README."""

from __future__ import annotations

import re
from itertools import product
from pathlib import Path

import pytest
from sympy import Integer, symbols
from sympy.parsing.sympy_parser import implicit_multiplication, parse_expr, standard_transformations

from symconv import ConvSpec, derive, load_network, render
from symconv.rendering.document import context

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
ROT = r"\operatorname{rot}_{180}"


def documents(spec, formats=("tex", "md", "html")) -> dict[str, str]:
    files = render(derive(spec), formats).files
    return {fmt: files[f"derivation.{fmt}"].decode() for fmt in formats}


def mathml_free(text: str) -> str:
    """An HTML page's prose with each <math> element replaced by a marker, so that words around math read."""
    return re.sub(r"<math\b.*?</math>", "<math/>", text, flags=re.S)


# --- the full correlation with rot180(K), that is the full convolution with K ----------------------------

PHRASE = rf"the full correlation with ${ROT}(K)$, that is the full convolution with $K$"
OLD = re.compile(r"(full )?convolution with (the kernel|\$?K\$?) rotated", re.I)


@pytest.mark.parametrize("spec", [ConvSpec(), ConvSpec(input=5, kernel=3, stride=2, padding=1, bias=True)], ids=str)
def test_every_format_names_the_input_gradient_as_the_full_correlation_with_the_rotated_kernel(spec):
    docs = documents(spec)
    for fmt in ("tex", "md"):
        text = docs[fmt]
        # Once, in the sentence beside the figure that explains why the kernel turns up rotated: not again in the
        # figure's caption nor in the results' definitions (readers counted it four times, each saying the same)
        assert text.count(PHRASE) == 1, fmt
        assert text.count("full convolution with") == 2, fmt  # that sentence and the objectives'
        why = text.index("Why the kernel turns up rotated")
        assert why < text.index(PHRASE) < why + 800, fmt
        assert not OLD.search(text), (fmt, OLD.search(text))
        assert "recognise the kernel's as a correlation of the input with the upstream gradient, the input's as the " \
               "full correlation of the upstream gradient with the kernel rotated by 180 degrees, that is the full " \
               "convolution with the kernel" in text
    page = mathml_free(docs["html"])
    assert page.count("the full correlation with <math/>, that is the full convolution with <math/>") == 1
    assert page.count("full convolution with") == 2
    assert not OLD.search(page)


def test_the_phrase_uses_the_documents_letters_and_turns_round_with_the_convolution_convention():
    named = documents(ConvSpec(names="X,F,O"), ("tex",))["tex"]
    assert rf"the full correlation with ${ROT}(F)$, that is the full convolution with $F$" in named
    flipped = documents(ConvSpec(convention="convolution"), ("tex",))["tex"]
    # The layer slides rot180(K): the backward pass slides K itself, the full convolution with rot180(K).
    assert rf"the full correlation with $K$, that is the full convolution with ${ROT}(K)$" in flipped
    assert "the full correlation of the upstream gradient with the kernel as stored, that is the full convolution " \
           "with the kernel rotated" in flipped
    dilated = documents(ConvSpec(input=5, kernel=2, dilation=2), ("tex",))["tex"]
    assert (rf"the full correlation with ${ROT}(\operatorname{{dilate}}(K))$, that is the full convolution with "
            r"$\operatorname{dilate}(K)$") in dilated


def test_the_handout_and_the_networks_rules_say_it_too():
    files = render(ConvSpec(), ("tex", "md"), handout=True).files
    for name in ("exercise.tex", "answers.tex", "exercise.md", "answers.md"):
        text = files[name].decode()
        # the sheet names no rotation (review r7 defect 3: it answered the matrix-form task); the key says it
        assert (PHRASE in text) == name.startswith("answers") and not OLD.search(text), name
    network = documents(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("tex",))["tex"]
    # said once, beside the input's figure; the rules' full(.) only points to it
    assert network.count(rf"the full correlation with ${ROT}(K^{{[1](m,1)}})$, that is the full convolution with $K^{{[1](m,1)}}$") == 1
    assert r"meet each entry at each of its taps (the full correlation)" in network
    assert not OLD.search(network)


def test_the_readme_says_it_the_same_way():
    readme = (ROOT / "README.md").read_text()
    assert readme.count("the full correlation with\nrot180(K), that is the full convolution with K") \
        + readme.count("the full correlation with rot180(K), that is the full convolution with K") \
        + readme.count("the full correlation\nwith rot180(K), that is the full convolution with K") >= 3
    assert not OLD.search(readme.replace("\n", " "))


# --- max pooling: the first maximum gets the gradient ------------------------------------------------------

TIED_INDICATOR = re.compile(r"\\mathbb\{1\}\\left\[[^\]]*= \\max\(")


def test_max_pooling_says_the_first_maximum_gets_the_gradient_as_symconv_computes():
    net = load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")
    d = derive(net)
    docs = documents(net)
    for fmt in ("tex", "md"):
        text = docs[fmt]
        assert r"\mathbb{1}\big[(i,j) \text{ is the first maximum of } \Omega_{r,s}\big]" in text  # the rule
        assert r"\mathbb{1}\left[a^{[2](1)}_{1,1} \text{ is the first maximum of } (a^{[2](1)}_{1,1}, a^{[2](1)}_{1,2}, " \
               r"a^{[2](1)}_{2,1}, a^{[2](1)}_{2,2})\right]" in text  # an entry, its window in reading order
        assert not TIED_INDICATOR.search(text)  # [a = max(window)] would send a tie to every tied entry
        assert "only the first of them in the window's reading order (row by row, left to right) gets it" in text
    # In MathML the rule and the one entry shown (every window alike: spaces written as no-break spaces).
    assert docs["html"].count("<mtext>&#x000A0;is&#x000A0;the&#x000A0;first&#x000A0;maximum&#x000A0;of&#x000A0;</mtext>") == 2
    assert "reading order" in mathml_free(docs["html"]) and "= max(" not in mathml_free(docs["html"])
    # What symconv computes is what the words say: at a four-way tie only the window's first entry (the
    # first in reading order) gets the window's gradient.
    entries = d["dL/dA[2]"].entries
    names = {name: symbol for symbol, name in d.latex_names.items()}
    window = [names[f"a^{{[2](1)}}_{{{i},{j}}}"] for i, j in ((1, 1), (1, 2), (2, 1), (2, 2))]
    tie = {a: 3 for a in window}
    upstream = [s for s in entries[0].free_symbols if s not in window]
    assert len(upstream) == 1
    got = [entries[n].subs(tie).subs(upstream[0], 7) for n in (0, 1, 4, 5)]  # a 4 x 4 channel, row-major
    assert got == [7, 0, 0, 0]


# --- which terms of a sum exist, said where the sum is written --------------------------------------------

SPECS = [ConvSpec(), ConvSpec(input=(4, 5), kernel=(3, 2), stride=(2, 1), padding=(1, 0)),
         ConvSpec(input=4, kernel=3, padding=2, convention="convolution"), ConvSpec(input=(3, 4), kernel=(2, 3), stride=2)]


def section(spec, name):
    (found,) = [s for s in context(derive(spec))["sections"] if s.name == name]
    return found


@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_the_input_gradients_sum_says_a_kernel_index_outside_the_kernel_is_no_term(spec):
    """The note after dL/dx_{i,j} = sum_{r,s} g_{r,s} k_{tap(i,r), tap(j,s)}: its ranges, instantiated at every
    entry, give exactly the derivation's terms."""
    d = derive(spec)
    found = section(spec, "dL/dX")
    assert found.after.startswith("In this sum a term exists only where the kernel index lies in the kernel")
    (p, kh), (q, kw) = re.findall(r"\$1 \\le (.+?) \\le (\d+)\$", found.after)
    assert (int(kh), int(kw)) == spec.kernel
    p, q = (parse_expr(t, transformations=standard_transformations + (implicit_multiplication,)) for t in (p, q))
    symbol = {name: s for s, name in d.latex_names.items()}
    (ho, wo), (h, w) = spec.output, spec.input
    i, j, r, s = symbols("i j r s")
    for a in range(1, h + 1):
        for b in range(1, w + 1):
            terms = [(p.subs({i: a, r: rr}), q.subs({j: b, s: ss})) for rr in range(1, ho + 1) for ss in range(1, wo + 1)]
            expected = sum((symbol[rf"\frac{{\partial L}}{{\partial y_{{{rr},{ss}}}}}"] * symbol[f"k_{{{pp},{qq}}}"]
                            for (rr, ss), (pp, qq) in zip(product(range(1, ho + 1), range(1, wo + 1)), terms)
                            if 1 <= pp <= spec.kernel[0] and 1 <= qq <= spec.kernel[1]), Integer(0))
            assert d["dL/dX"][0, a - 1, b - 1] == expected, (a, b)


def test_the_note_stands_right_after_the_sum_in_every_format():
    docs = documents(ConvSpec())
    # The formula in symbols, then the same at this layer, then the note on the latter's terms.
    general = (r"\frac{\partial L}{\partial x^{(c)}_{i,j}} &= \sum_{(r,p):\ \rho_h(r, p) = i} \ \sum_{(s,q):\ \rho_w(s, q) = j} "
               r"g_{r,s}\, k^{(1,c)}_{p,q}")  # of input channel c (review r15 item 2)
    formula = r"\frac{\partial L}{\partial x_{i,j}} &= \sum_{r=1}^{2} \sum_{s=1}^{2} g_{r,s}\, k_{i - r + 1,\, j - s + 1}"
    note = r"In this sum a term exists only where the kernel index lies in the kernel, $1 \le i - r + 1 \le 2$"
    for fmt in ("tex", "md"):
        text = docs[fmt]
        start = text.index(formula)
        assert text.index(general) < start
        assert text.index(note) > start and not text[start:text.index(note)].count(r"\frac{\partial L}{\partial X} =")
    page = mathml_free(docs["html"])
    assert re.search(r"<math/>\s*<p>In this sum a term exists only where the kernel index lies in the kernel, <math/>", page)


def test_with_padding_the_forward_and_kernel_sums_say_padding_terms_are_none():
    spec = ConvSpec(input=4, kernel=3, padding=1)
    for name in ("Y", "dL/dK"):
        assert section(spec, name).after == (r"A term exists only where the input index lies in the input, "
                                              r"$1 \le r + p - 2 \le 4$ and $1 \le s + q - 2 \le 4$: any other falls in "
                                              "the zero padding and gives no term.")
    assert section(ConvSpec(), "Y").after == ""  # no padding: every term of the window exists


# --- why the kernel turns up rotated, in the derivation beside its figure ---------------------------------

@pytest.mark.parametrize("spec", SPECS, ids=str)
def test_the_derivation_explains_the_rotation_beside_the_figure(spec):
    text = documents(spec, ("tex",))["tex"]
    backward = text[text.index(r"\section*{Backward pass}"):]
    part = backward[backward.index(r"\subsection*{Gradient with respect to the input}"):]
    turns = "as stored" if spec.flipped else "rotated"
    why = part.index(f"Why the kernel turns up {turns}: output row $r$ reads input row $")
    assert why < part.index(r"\begin{figure}") and "Figure 3 shows this for input entry" in part[why:part.index(r"\begin{figure}")]
    # The index rule it argues from is the forward formula's.
    row = re.search(r"reads input row \$(.+?)\$ through kernel row \$p\$", part).group(1)
    assert re.search(rf"x_{{{re.escape(row)},\\, ", text)
    assert ("from the last to the first on both axes" in part) != spec.flipped
    # The handout's answer is the same explanation, said once in the key (the entries' answers leave it to the
    # task that asks for it), without the heading that repeats the question.
    key = render(spec, ("tex",), handout=True).files["answers.tex"].decode()
    lead = f"Why the kernel turns up {turns}: "
    body = part[why + len(lead):why + 300]
    assert key.count(body[:1].upper() + body[1:]) == 1 and lead not in key


# --- every symbol defined before use; the forward rule before the worked example --------------------------

@pytest.mark.parametrize("fmt", ["tex", "md", "html"])
def test_the_forward_rule_and_its_symbols_come_before_the_results_and_the_worked_example(fmt):
    text = render(ConvSpec(), (fmt,)).files[f"derivation.{fmt}"].decode()
    text = mathml_free(text) if fmt == "html" else text
    # The derivation first, then its results in matrix form, boxed, as a summary (issue 24: readers wanted the
    # derivation before the results), and the results in a network; the worked example after the results it checks,
    # just before the exercises on its numbers and their answers, before the reading.
    order = [text.index(heading) for heading in ("Forward pass", "Backward pass", "The results", "In a network",
                                                 "A worked example", "Exercises", "Further reading", "Answers")]
    assert order == sorted(order)
    assert "proved entry by entry at this size in the sections above" in text
    if fmt != "html":  # H, W, k, S, P, D are said before the output-size formula writes them
        defined = text.index(r"The input has $H \times W$ entries per channel and the kernel $K_h \times K_w$")
        # the padding P said to be added on each side where P is first defined (review r16 item 3)
        assert defined < text.index(r"and $S$, $P$, $D$ are the stride, the zero padding added on each side and the "
                                    "dilation")
        assert defined < text.index(r"H + 2 P_h - D_h (K_h - 1) - 1") < text.index(r"y_{r,s} &= \sum_{c=1}^{C_{\mathrm{in}}}")
        assert text.index(r"y_{r,s} &= \sum_{p=1}^{2}") < text.index("Given these small whole numbers")
    else:
        assert text.index("<p>The input has <math/> entries per channel") < text.index("A worked example")


def test_the_objectives_name_each_gradients_form_the_bias_only_when_there_is_one():
    with_bias = documents(ConvSpec(bias=True), ("md",))["md"]
    without = documents(ConvSpec(bias=False), ("md",))["md"]
    assert "and the bias's as the sum of the upstream gradient's entries" in with_bias
    assert "bias's as the sum" not in without and "the kernel and the input by the chain rule" in without


@pytest.mark.parametrize("fmt", ["tex", "md", "html"])
def test_a_networks_rules_sum_up_the_derivation_after_it_as_a_single_layers_results_do(fmt):
    """The CNN's rules came before its forward pass, a single layer's results between its passes: both now come after
    the derivation, before the worked example that checks them. What the sections show is said before the forward
    pass, and the indicator, which the derivation's sums use, is defined before them (in the notation paragraph), not
    in the rules' list after them."""
    text = documents(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), (fmt,))[fmt]
    text = mathml_free(text) if fmt == "html" else text
    order = [text.index(heading) for heading in ("Forward pass", "Backward pass", "The rules, layer by layer",
                                                 "A worked example", "Exercises")]
    assert order == sorted(order)
    assert "The sections above derived each layer" in text and "rules entry by entry at this size" in text
    shown = text.index("the sections below write out the first entry")
    assert text.index("Forward pass") < shown < text.index("Layer 1: convolution")
    if fmt != "html":
        defined = text.index(r"$\mathbb{1}[\cdot]$ is 1 where its condition holds and 0 elsewhere.")
        assert defined < text.index("Forward pass") and text.count("is 1 where its condition holds") == 1
        assert defined < text.index(r"\mathbb{1}", defined + 20) < text.index("The rules, layer by layer")


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), ConvSpec(in_channels=2, out_channels=2, bias=True)])
def test_the_channel_symbols_of_the_general_formula_are_defined_before_it(spec):
    """review r16 item 4: the default's first formula in symbols wrote x^{(c)}, k^{(1,c)} and C_in, C_in defined only
    in the note after it and the other two never. Said before the display, in the words that lead to it."""
    tex = render(spec, ("tex",)).files["derivation.tex"].decode()
    display = tex.index(r"\sum_{c=1}^{C_{\mathrm{in}}}")
    start = tex.rindex(r"\begin{align*}", 0, display)
    words = tex[:start]
    # the kernel's first index said too: the output channel m, or the one output channel 1 (a fresh review: "the 1 of
    # k^{(1,c)} is unexplained until page 4")
    kernel = ("$k^{(m,c)}$ the kernel output channel $m$" if spec.out_channels > 1
              else "$k^{(1,c)}$ the part of the kernel of output channel 1")
    for said in (r"$C_{\mathrm{in}}$", "$x^{(c)}$ is input channel $c$", kernel):
        assert said in words and words.index(said) > words.index("Where a formula is written more than once"), said
    assert r"$C_{\mathrm{in}}$" not in tex[display:tex.index(r"\section*{Backward pass}")].split(r"\end{align*}", 1)[1]
