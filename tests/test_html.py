"""The HTML page: self-contained, every formula as MathML, and it renders in headless Chromium."""

from __future__ import annotations

import html as html_lib
import json
import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network, render

from .conftest import ARTIFACTS, need_chromium

EXAMPLES = Path(__file__).parents[1] / "examples"
# Every kind of page: a layer with its results, worked example and figures; one with channels, a
# stride and padding; the matrix view; both networks; a handout's exercise sheet and answer key.
PAGES = {
    "layer": (lambda: ConvSpec(bias=True), {}, "derivation"),
    "layer-channels": (lambda: ConvSpec(input=5, kernel=3, stride=2, padding=1, in_channels=2, out_channels=2,
                                        bias=True), {}, "derivation"),
    "layer-jacobians": (lambda: derive(ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True), jacobians=True),
                        {}, "derivation"),
    "three-layer-cnn": (lambda: load_network(EXAMPLES / "three_layer_cnn.toml"), {}, "derivation"),
    "maxpool-network": (lambda: load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), {}, "derivation"),
    "sigmoid-network": (lambda: load_network(EXAMPLES / "two_layer_sigmoid_mse.toml"), {}, "derivation"),
    "exercise-sheet": (lambda: ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True), {"handout": True},
                       "exercise"),
    "answer-key": (lambda: ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True), {"handout": True}, "answers"),
}
WIDTH = 1100  # the window's width in CSS pixels, for the screenshot and the layout report

# Appended to a copy of the page for the test only (the page itself has no script): after layout,
# it lists what sticks out of the page or out of its own box, and math tokens that are a bare "&"
# or line breaks (what latex2mathml makes of an aligned block it cannot read).
LAYOUT_REPORT = """<script>
const root = document.documentElement, report = {page: [root.scrollWidth, root.clientWidth], wide: [], stray: []};
for (const el of document.querySelectorAll("body *")) {
  const box = el.getBoundingClientRect();
  const own = el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible";
  if (box.right > root.clientWidth + 1 || box.left < -1 || own)
    report.wide.push(el.tagName + ": " + (el.textContent || "").slice(0, 60));
}
// Text drawn over a box of a figure (a layer of the network diagram, a cell) stays inside it, and no text
// runs past its figure's edge (a legend line cut off, issue 24).
for (const svg of document.querySelectorAll("svg")) {
  const boxes = [...svg.querySelectorAll("rect")].map(r => r.getBoundingClientRect());
  const edge = svg.getBoundingClientRect();
  for (const text of svg.querySelectorAll("text")) {
    const b = text.getBoundingClientRect(), x = (b.left + b.right) / 2, y = (b.top + b.bottom) / 2;
    if (b.right > edge.right + 1 || b.left < edge.left - 1) report.wide.push("svg text cut off: " + text.textContent);
    const under = boxes.filter(r => r.left <= x && x <= r.right && r.top <= y && y <= r.bottom);
    if (under.length && !under.some(r => b.left >= r.left - 1 && b.right <= r.right + 1))
      report.wide.push("svg text: " + text.textContent);
  }
}
for (const el of document.querySelectorAll("mi, mo, mn, mtext, mspace[linebreak]"))
  if (el.textContent.trim() === "&" || el.hasAttribute("linebreak"))
    report.stray.push(el.outerHTML + " in " + el.closest("math").textContent.slice(0, 60));
const out = document.createElement("pre");
out.id = "layout-report";
out.textContent = JSON.stringify(report);
document.body.append(out);
</script>"""


def page(name: str) -> str:
    what, options, stem = PAGES[name]
    return render(what(), "html", **options).files[f"{stem}.html"].decode()


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_self_contained_and_has_no_raw_latex(name):
    html = page(name)
    assert html.startswith("<!DOCTYPE html>") and html.count("<math") > 10
    assert "\\" not in html and "$$" not in html  # every formula became MathML
    assert not re.search(r"<(script|link|img)\b", html)  # nothing loaded from elsewhere
    assert re.search(r"src=|href=", html) is None


@pytest.mark.parametrize("name", PAGES)
def test_aligned_blocks_are_tables_without_a_literal_ampersand(name):
    html = page(name)
    assert "<mi>&</mi>" not in html and "linebreak" not in html
    if name == "layer-jacobians":  # the output size: H_o and W_o, each in its own row of two cells
        # (after the sentence that defines its symbols)
        block = re.search(r"<h\d>Output size</h\d>\s*<p>The input has .*?</p>\s*<math display=\"block\"><mtable class=\"rows\" displaystyle=\"true\">(.*?)</mtable>",
                          html, flags=re.S)
        assert block and block.group(1).count("<mtr>") == 2 and block.group(1).count('<mtd displaystyle="true">') == 4


def test_the_layer_page_draws_its_figures_inline():
    html = page("layer-jacobians")
    # The legend's entry name is typeset in the SVG: y, then 1,1 as a subscript.
    assert html.count("<svg") == 3 and ('the window of <tspan font-style="italic">y</tspan>'
                                        '<tspan baseline-shift="sub" font-size="70%">1,1</tspan>') in html


def test_rows_keep_every_term():
    html = page("layer-jacobians")
    # y_{2,2} = b + four products: four <mo>+</mo> in its row.
    # (The worked example writes y_{2,2} at numbers first: the row of symbols is the one with x in it.)
    rows = re.findall(r"<mtr><mtd displaystyle=\"true\"><mrow><msub><mi>y</mi><mrow><mn>2</mn><mo>&#x0002C;</mo><mn>2</mn></mrow></msub>"
                      r"</mrow></mtd>(.*?)</mtr>", html)
    row = next(r for r in rows if "<mi>x</mi>" in r)
    assert row.count("<mo>+</mo>") == 4 and row.count("<mi>x</mi>") == 4


@pytest.mark.parametrize("name", PAGES)
def test_the_page_renders_in_headless_chromium(name):
    chromium = need_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "derivation.html")
        source.write_text(page(name).replace("</body>", LAYOUT_REPORT + "\n</body>"), encoding="utf-8")
        flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={work}/profile", "--enable-logging=stderr", "--v=0"]
        shot = ARTIFACTS / f"html-{name}.png"
        # One run takes the screenshot and dumps the DOM after the page's layout (with its report).
        run = subprocess.run([*flags, f"--screenshot={shot}", f"--window-size={WIDTH},2400", "--dump-dom",
                              source.as_uri()], capture_output=True, text=True, timeout=120)
        assert shot.exists() and shot.stat().st_size > 20_000, run.stderr[-2000:]
    assert run.stdout.count("<math") > 10 and "$$" not in run.stdout
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
    report = json.loads(html_lib.unescape(re.search(r'<pre id="layout-report">(.*?)</pre>', run.stdout, re.S).group(1)))
    # Nothing wider than the page, no formula that scrolls inside its box, no & printed as a symbol.
    assert report["page"][0] <= report["page"][1] > WIDTH - 50, report["page"]  # less a scroll bar
    assert report["wide"] == [] and report["stray"] == [], report


def test_math_is_spaced_as_latex_spaces_it():
    """Issue 24: the HTML printed "logp" (no space between a function and its argument) and "rot180 ( K )"
    (an operator name and its parentheses spaced as relations)."""
    from symconv.rendering.mathml import convert

    assert '<mi>log</mi><mspace width="0.1667em"/><mi>p</mi>' in convert(r"-t^{\mathsf{T}} \log p")
    rot = convert(r"\operatorname{rot}_{180}\bigl(K\bigr)")  # a sized pair (review r17 item 1b): fence="true" too
    assert "<mi>rot</mi>" in rot and rot.count('lspace="0" rspace="0"') == 2
    for name in ("layer", "maxpool-network"):
        html = page(name)
        assert "<mo>rot</mo>" not in html and not re.search(r"<mi>(log|exp)</mi><m[in]>", html)
        assert not re.search(r'<mo(?: (?:stretchy|fence|minsize|maxsize)="[^"]*")*>(?:\(|\)|&#x00028;|&#x00029;)</mo>',
                             html)


def test_display_math_is_set_as_latex_sets_it():
    """A display's fractions and sums at display size, a sum's and max's limits under and over them, the
    indicator's double-struck one as its character (Chromium ignores mathvariant on a number), and a minus
    sign, never a hyphen, between a sum's terms."""
    from symconv.rendering.mathml import convert, mathml

    table = mathml(r"\begin{aligned}\frac{a}{b} &= \sum_{r=1}^{2} x - y\end{aligned}")
    assert '<mtable class="rows" displaystyle="true">' in table and '<mtd displaystyle="true">' in table
    assert '<munderover><mo movablelimits="true">&#x02211;</mo>' in table and "<msubsup>" not in table
    maximum = convert(r"a = \max_{(i,j) \in \Omega_{r,s}} b_{i,j}")
    assert '<munder><mo movablelimits="true" lspace="0.1667em" rspace="0.1667em">max</mo>' in maximum
    assert "<mspace" not in maximum.split("<munder>")[1].split("</munder>")[0][:80]
    assert '<mi mathvariant="normal">&#x1D7D9;</mi>' in convert(r"\mathbb{1}[a > 0]")
    html = page("three-layer-cnn")
    assert "<mo>-</mo>" not in html and 'mathvariant="double-struck"' not in html


def test_the_align_columns_rule_reaches_no_matrix_inside_a_display():
    """The right/left alignment of a display's lhs and rhs columns is for the display's own cells (child
    combinators): as a descendant rule it left-aligned every matrix's last column and right-aligned its first, so a
    lecturer saw minus signs out of line in every matrix (LaTeX's bmatrix centres its columns)."""
    from symconv import ConvSpec, derive, render
    page = render(derive(ConvSpec()), ("html",)).files["derivation.html"].decode()
    assert "mtable.rows > mtr > mtd:first-child { text-align: right; }" in page
    assert not re.search(r"mtable\.rows mtd", page)


def test_mathml_sets_a_transposed_vector_a_sign_and_a_prime_as_latex_does():
    """A lecturer's reading of the HTML: vectors [..]^T in tiny type with the T on the baseline (the script element
    had the brackets and the table as three bases), '( - 1)' spaced as a subtraction, and primes set apart."""
    from symconv.rendering.mathml import convert
    vector = convert(r"\begin{bmatrix} 0.1 & -0.2 \end{bmatrix}^{\mathsf{T}}")
    base = re.search(r"<msup>(.*)</msup>", vector).group(1)
    assert base.startswith("<mrow><mo>&#x0005B;</mo><mtable>") and "</mtable><mo>&#x0005D;</mo></mrow><mrow>" in base
    signs = convert(r"(-1) \cdot 2 \approx -0.5 - 3")
    assert signs.count('<mo lspace="0" rspace="0">&#x02212;</mo>') == 2  # the two signs
    assert signs.count("<mo>&#x02212;</mo>") == 1  # the subtraction keeps its spaces
    primed = convert(r"\partial L' + t''")
    assert "<msup>" not in primed and '<mi>L</mi><mo lspace="0" rspace="0">&#x02032;</mo>' in primed


# After layout: each sized delimiter's drawn height, by its size (minsize) and character.
PAREN_REPORT = """<script>
const heights = {};
for (const mo of document.querySelectorAll("mo[minsize]")) {
  const key = mo.getAttribute("minsize") + " " + mo.textContent.trim();
  (heights[key] = heights[key] || []).push(Math.round(mo.getBoundingClientRect().height));
}
const out = document.createElement("pre");
out.id = "paren-report";
out.textContent = JSON.stringify(heights);
document.body.append(out);
</script>"""


@pytest.mark.parametrize("name", ["layer", "maxpool-network"])
def test_a_sized_parenthesis_keeps_its_size_where_a_script_follows_it(name):
    """A reader saw (d y^ / d a^{[5]})^T with a tall "(" and a small ")" in the HTML: latex2mathml made the closing
    delimiter the base of its script, and Chromium set it at its normal size. Every closing delimiter of a size is as
    tall as the opening ones of that size, script or not."""
    html = page(name)
    assert not re.search(r"<(msup|msub|msubsup)><mo [^>]*minsize=", html)
    chromium = need_chromium()
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "derivation.html")
        source.write_text(html.replace("</body>", PAREN_REPORT + "\n</body>"), encoding="utf-8")
        run = subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                              f"--user-data-dir={work}/profile", f"--window-size={WIDTH},2400", "--dump-dom",
                              source.as_uri()], capture_output=True, text=True, timeout=120)
    heights = json.loads(html_lib.unescape(re.search(r'<pre id="paren-report">(.*?)</pre>', run.stdout, re.S).group(1)))
    pairs = [(size, heights[f"{size} ("], heights.get(f"{size} )", []))
             for size in {key.split()[0] for key in heights} if f"{size} (" in heights]
    assert pairs and any(closing for _, _, closing in pairs)
    for size, opening, closing in pairs:
        assert max(opening) - min(opening) <= 1 and all(abs(h - opening[0]) <= 1 for h in closing), (size, opening, closing)
