"""Math in the documents' prose is typeset: no plain-text formulas, no "(s)" plurals (issue 13, item 5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, render
from symconv.network import load_network
from symconv.rendering.figures import svg_math, svg_text
from symconv.rendering.templating import rich_html, rich_latex, rich_markdown
from symconv.words import entry, plural, size, split

from .conftest import need_latex
from .test_text_escaping import pdf_text_and_fonts

EXAMPLES = Path(__file__).parents[1] / "examples"
# What a plain-text formula leaves in the PDF's text: a "(s)" plural, dL/dx, x(2,2), sum_k, 3 x 3, 3x3.
PLAIN_MATH = re.compile(r"\(s\)|dL/d|\b[xy]\(\d|sum_|\d x \d|\b\d+x\d+\b")


@pytest.mark.parametrize("n, noun, expected", [(1, "channel", "1 channel"), (2, "channel", "2 channels"),
                                               (3, "entry", "3 entries"), (2, "day", "2 days"), (0, "row", "0 rows")])
def test_plural(n, noun, expected):
    assert plural(n, noun) == expected


def test_sizes_entries_and_the_split_of_prose_and_math():
    assert size(3, 4) == r"$3 \times 4$" and size(1, 8, 8) == r"$1 \times 8 \times 8$"
    assert entry("a", "[1]", 1, 2) == "$a^{[1]}_{1,2}$" and entry("x", "", 2, 2) == "$x_{2,2}$"
    assert split("a $x$ b") == [(False, "a "), (True, "x"), (False, " b")]
    with pytest.raises(ValueError, match="unbalanced"):
        split("costs $5")


def test_prose_is_escaped_and_its_math_kept_in_every_format():
    text = r"50% of $x_{1,2} < \frac{1}{2}$ & more"
    assert rich_latex(text) == r"50\% of $x_{1,2} < \frac{1}{2}$ \& more"
    assert rich_markdown(text) == r"50% of $x_{1,2} < \frac{1}{2}$ \& more"
    html = rich_html(text)
    assert html.startswith("50% of <math") and html.endswith("</math> &amp; more") and "$" not in html


def test_svg_writes_entries_with_shifted_scripts_and_symbols():
    assert svg_math(r"3 \times 4") == '<tspan font-style="italic">3 × 4</tspan>'
    assert svg_math("a^{[1]}_{1,2}") == ('<tspan font-style="italic">a</tspan><tspan baseline-shift="super" '
                                         'font-size="70%">[1]</tspan><tspan baseline-shift="sub" font-size="70%">1,2'
                                         '</tspan>')
    assert svg_text("reads $x_{2,2}$ & <more>").endswith(" &amp; &lt;more&gt;")


CASES = {
    "default": lambda: ConvSpec(),
    "default handout": lambda: ConvSpec(),
    "3x4 padded": lambda: ConvSpec(input=(3, 4), kernel=2, padding=1, stride=(1, 2)),
    "5x5 channels": lambda: ConvSpec(input=5, kernel=3, stride=2, padding=1, in_channels=2, out_channels=2, bias=True),
    **{path.stem: (lambda path=path: load_network(path)) for path in sorted(EXAMPLES.glob("*.toml"))},
}


@pytest.mark.parametrize("name", CASES)
def test_the_pdf_text_has_no_plain_text_math(name, tmp_path):
    need_latex()
    rendered = render(derive(CASES[name]()), ("pdf",), handout=name.endswith("handout"))
    for pdf in rendered.files.values():
        text, _ = pdf_text_and_fonts(pdf, tmp_path)
        assert not PLAIN_MATH.search(text), PLAIN_MATH.search(text).group(0)
    assert "tests" not in text  # no word about the tool's own tests in a student's text


@pytest.mark.parametrize("name", [n for n in CASES if not n.endswith("handout")])
def test_every_figure_is_numbered_in_order_and_referred_to_from_the_text(name):
    from symconv.rendering.document import context
    from symconv.rendering.formats import figures_of

    ctx = context(derive(CASES[name]()))
    numbers = [drawn.number for drawn in figures_of(ctx)]
    assert numbers == list(range(1, len(numbers) + 1)) and numbers
    markdown = render(derive(CASES[name]()), ("md",)).files["derivation.md"].decode()
    for n in numbers:
        captions = markdown.count(f"**Figure {n}.**")
        assert captions == 1 and markdown.count(f"Figure {n} ") >= 1, n  # its caption, and a sentence naming it


def test_documents_open_with_what_a_student_learns_and_end_with_further_reading():
    layer = render(derive(ConvSpec()), ("md",)).files["derivation.md"].decode()
    network = render(derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")), ("md",)).files["derivation.md"].decode()
    for doc in (layer, network):
        head, _, _ = doc.partition("## The ")
        assert "After working through this document you can:" in head and "rotated by 180 degrees" in head
        assert doc.rstrip().splitlines()[-5] == "## Further reading" and "Dumoulin and F. Visin" in doc.rpartition("## Further")[2]
    assert "- apply the chain rule one layer at a time" in network and "switch" in network.partition("## The ")[0]
    assert "chain rule one layer at a time" not in layer.partition("## The ")[0]
