"""Issue 24, "Exact wording": the phrases a lecturer would otherwise correct in front of a class, in every
format (LaTeX, Markdown, HTML), the handout and the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network, render

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
        # The results' note, the figure's caption and the sentence that refers to the figure.
        assert text.count(PHRASE) >= 3, fmt
        assert not OLD.search(text), (fmt, OLD.search(text))
        assert "recognise them as a correlation with the input and the full correlation with the kernel rotated by " \
               "180 degrees, that is the full convolution with the kernel" in text
    page = mathml_free(docs["html"])
    assert page.count("the full correlation with <math/>, that is the full convolution with <math/>") >= 3
    assert not OLD.search(page)


def test_the_phrase_uses_the_documents_letters_and_turns_round_with_the_convolution_convention():
    named = documents(ConvSpec(names="X,F,O"), ("tex",))["tex"]
    assert rf"the full correlation with ${ROT}(F)$, that is the full convolution with $F$" in named
    flipped = documents(ConvSpec(convention="convolution"), ("tex",))["tex"]
    # The layer slides rot180(K): the backward pass slides K itself, the full convolution with rot180(K).
    assert rf"the full correlation with $K$, that is the full convolution with ${ROT}(K)$" in flipped
    assert "the full correlation with the kernel as stored, that is the full convolution with the kernel rotated" in flipped
    dilated = documents(ConvSpec(input=5, kernel=2, dilation=2), ("tex",))["tex"]
    assert (rf"the full correlation with ${ROT}(\operatorname{{dilate}}(K))$, that is the full convolution with "
            r"$\operatorname{dilate}(K)$") in dilated


def test_the_handout_and_the_networks_rules_say_it_too():
    files = render(ConvSpec(), ("tex", "md"), handout=True).files
    for name in ("exercise.tex", "answers.tex", "exercise.md", "answers.md"):
        text = files[name].decode()
        assert PHRASE in text and not OLD.search(text), name
    network = documents(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("tex",))["tex"]
    assert rf"\star {ROT}(K)$ is the full correlation with ${ROT}(K)$, that is the full convolution with $K$" in network
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
        assert r"\mathbb{1}\big[(i,j) \text{ is the first maximum of } W_{r,s}\big]" in text  # the rule
        assert r"\mathbb{1}\left[a^{[2](1)}_{1,1} \text{ is the first maximum of } (a^{[2](1)}_{1,1}, a^{[2](1)}_{1,2}, " \
               r"a^{[2](1)}_{2,1}, a^{[2](1)}_{2,2})\right]" in text  # an entry, its window in reading order
        assert not TIED_INDICATOR.search(text)  # [a = max(window)] would send a tie to every tied entry
        assert "only the first of them in the window's reading order (row by row, left to right) gets it" in text
    # In MathML the rule and each of the three entries shown (spaces written as no-break spaces).
    assert docs["html"].count("<mtext>&#x000A0;is&#x000A0;the&#x000A0;first&#x000A0;maximum&#x000A0;of&#x000A0;</mtext>") == 4
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
