"""Figures agree with the formulas: both come from the index map, and these tests hold them to it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from symconv import ConvSpec, derive
from symconv.layers.base import DocStep
from symconv.network import as_network
from symconv.rendering.figures import picture, svg

from .strategies import conv_specs


def _figure(spec: ConvSpec, key: str):
    """The figure the convolution layer draws beside tensor `key` (out: the window, K: the upstream gradient
    sliding over the input, in: the full convolution), or None."""
    net = as_network(spec)
    shapes = net.shapes
    drawn = net.layers[0].figures(DocStep(None, shapes[0], shapes[1], {"in": "x", "out": "y", "K": "k"}))
    return drawn[key][0] if key in drawn else None


def window_figure(spec: ConvSpec):
    return _figure(spec, "out")


def full_figure(spec: ConvSpec):
    return _figure(spec, "in")


def slide_figure(spec: ConvSpec):
    return _figure(spec, "K")


def _entry_positions(d, name: str, index: tuple[int, ...]) -> set:
    """The (tensor, row, column) of every symbol an entry's term table uses (1-based rows and columns)."""
    t = d[name]
    flat = 0
    for i, n in zip(index, t.shape):
        flat = flat * n + i
    terms = t.terms
    used = set()
    for k in range(terms.start[flat], terms.start[flat + 1]):
        for position in (terms.first[k], terms.second[k]):
            if position >= 0:
                used.add(d.symbols[position].name)
    return used


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=1))
def test_the_window_figure_marks_the_entries_y11_reads(spec):
    grid = window_figure(spec)
    d = derive(spec)
    marked = {(r - spec.padding[0] + 1, c - spec.padding[1] + 1) for r, c, label, role in grid.cells
              if role in ("window", "both") and label.base}
    read = {tuple(int(n) for n in name.split("_")[2:]) for name in _entry_positions(d, "Y", (0, 0, 0))
            if name.startswith("x_")}
    assert marked == read
    # The window cells of y_{1,1} are kernel-sized, inside the padded input: the dilation spreads them.
    window = [(r, c) for r, c, _, role in grid.cells if role in ("window", "both")]
    assert len(window) == spec.kernel[0] * spec.kernel[1]


def _pairs(d, name: str, flat: int) -> set:
    """(first factor, second factor) symbol names of an entry's terms."""
    terms = d[name].terms
    return {(d.symbols[terms.first[k]].name, d.symbols[terms.second[k]].name)
            for k in range(terms.start[flat], terms.start[flat + 1])}


def _upstream(label) -> str:
    return "dL_dy_1_" + label.sub.replace(",", "_")


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=1))
def test_the_full_convolution_figure_holds_the_terms_of_its_input_entrys_gradient(spec):
    """dL/dx_{i,j} is the sum of g_{r,s} k_{p,q} over exactly the green cells: the upstream entry in the
    cell, the rotated kernel's entry in its corner."""
    grid = full_figure(spec)
    if grid is None:
        return
    d = derive(spec)
    labels = {(r, c): label for r, c, label, role in grid.cells if role == "hit"}
    # The entry is named in the caption: x_{i,j} (full_convolution_entry: near the border, its window on the padding).
    i, j = (int(n) - 1 for n in grid.caption.split("x_{")[1].split("}")[0].split(","))
    marks = {(r, c): mark for r, c, mark in grid.marks}
    drawn = {(_upstream(labels[at]), "k_1_1_" + marks[at].sub.replace(",", "_")) for at in labels}
    assert drawn == _pairs(d, "dL/dX", i * spec.input[1] + j)
    # Every mark sits in the window (the rotated kernel), one per tap, and only the taps are marked.
    window = {(r, c) for r, c, _, role in grid.cells if role in ("window", "hit")}
    assert set(marks) <= window and len(marks) == spec.kernel[0] * spec.kernel[1]


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=1))
def test_the_sliding_gradient_figure_holds_the_terms_of_the_first_kernel_entrys_gradient(spec):
    """dL/dk_{1,1} is the sum of g_{r,s} x_{i,j} over the green cells: the input entry in the cell, the
    upstream entry in its corner; padding cells the window lies on are no term."""
    grid = slide_figure(spec)
    if grid is None:
        return
    d = derive(spec)
    labels = {(r, c): label for r, c, label, role in grid.cells}
    marks = {(r, c): mark for r, c, mark in grid.marks}
    # Green: the input entries k_{1,1} multiplied; a mark on a grey padding cell is a term left out.
    assert {at for at, label in labels.items() if label.base and at in marks} == \
        {(r, c) for r, c, _, role in grid.cells if role == "hit"}
    drawn = {(_upstream(marks[at]), "x_1_" + labels[at].sub.replace(",", "_")) for at in marks if labels[at].base}
    first = (spec.kernel[0] - 1) * spec.kernel[1] + spec.kernel[1] - 1 if spec.convention == "convolution" else 0
    assert drawn == _pairs(d, "dL/dK", first)


def test_large_layers_have_no_grid_and_both_formats_draw_every_cell():
    assert window_figure(ConvSpec(input=20, kernel=3)) is None
    grid = window_figure(ConvSpec(input=3, kernel=2, padding=1))
    assert picture(grid).count(r"\framebox") == 25 + len(grid.legend)
    assert svg(grid).count("<rect") == 25 + len(grid.legend)


def test_the_switch_figure_marks_where_the_derived_switch_is_one():
    from sympy import Integer

    from symconv import Conv, NetworkSpec, Pool
    from symconv.figure import example_values

    net = NetworkSpec((1, 5, 6), (Conv(1, 1), Pool("max", 2, stride=(2, 1), padding=(1, 0))))
    d = derive(net)
    shapes = net.shapes
    (grid,) = net.layers[1].figures(DocStep(2, shapes[1], shapes[2], {"in": "a", "out": "a"}))["in"]
    chosen = {(r, c) for r, c, _, role in grid.cells if role == "chosen"}
    # The switches in the derivation's own backward entries, at the same example values.
    h, w = shapes[1][1:]
    values = dict(zip(d["A[1]"].symbols, map(Integer, example_values(h, w))))
    ones = d["dL/dA[2]"].symbols
    marked = set()
    for n, entry in enumerate(d["dL/dA[1]"].entries):
        at = entry.subs(values)
        if any(at.coeff(g) == 1 for g in ones):
            marked.add((n // w, n % w))
    assert chosen == marked and len(chosen) >= 1


def test_the_switch_figure_points_out_ties():
    """Example values with a tie in a window: the caption says which window and who gets the gradient."""
    from symconv import load_network
    from symconv.rendering.document import context

    ctx = context(derive(load_network(__import__("pathlib").Path(__file__).parents[1] / "examples"
                                      / "conv_relu_maxpool_dense.toml")))
    (caption,) = [f.caption for s in ctx["sections"] for f in s.figures if f.svg_file.startswith("figure-switch")]
    assert "Ties: the window of $a^{[3](1)}_{2,1}$ has its maximum 9 in 2 entries; only the first" in caption


@pytest.mark.parametrize("name", ["two_layer_sigmoid_mse", "batch_linear_regression", "formula_layers"])
def test_a_dense_layer_draws_its_connections_as_the_derivation_has_them(name):
    """Issue 24: the networks without a convolution had no figure but the chain. Each dense layer draws its
    connections, in every format: the green edges into the first output are exactly the weights its entry
    reads, and those out of the first input (where its gradient is shown) the weights its gradient reads."""
    from pathlib import Path

    from symconv import load_network
    from symconv.figure import Graph
    from symconv.naming import Naming
    from symconv.rendering.document import context
    from symconv.rendering.formats import render as render_formats

    d = derive(load_network(Path(__file__).parents[1] / "examples" / f"{name}.toml"))
    names = d.latex_names
    dense = [r for r in d.records if r.layer.type == "dense"]
    assert dense
    for r in dense:
        prev = d.records[r.number - 2].layer if r.number > 1 else None
        graphs = r.layer.figures(Naming(d.network.names).doc_step(r, prev))
        into, out_of = graphs["out"][0], graphs["in"][0]
        assert isinstance(into, Graph) and len(into.left) == r.shape_in[0] and len(into.right) == r.shape_out[0]
        first = d[r.output].entries[0]  # (of the first example, in a batch)
        read = {names[s] for s in first.free_symbols if s in set(d[r.params["W"]].symbols)}
        assert {label.latex().strip("$") for *_, label in into.chosen} == read
        gradient = d[f"dL/d{r.input}"].entries[0]
        back = {names[s] for s in gradient.free_symbols if s in set(d[r.params["W"]].symbols)}
        assert {label.latex().strip("$") for *_, label in out_of.chosen} == back
    ctx = context(d)
    drawn = [f for s in ctx["sections"] for f in s.figures]
    # A layer of the same kind, settings and size as an earlier one (two_layer_sigmoid_mse's second dense layer)
    # is said in a sentence in the forward pass: its connections are the earlier one's.
    same = lambda r, e: (type(e.layer), e.layer.describe(), e.shape_in, e.shape_out) == \
        (type(r.layer), r.layer.describe(), r.shape_in, r.shape_out)
    repeats = [r for r in dense if any(same(r, e) for e in d.records[:r.number - 1])]
    assert [f.svg_file for f in drawn if f.svg_file.startswith("figure-dense-layer-")] == \
        [f"figure-dense-layer-{r.number}.svg" for r in dense if r not in repeats]
    for r in repeats:
        (said,) = next(g for g in ctx["forward"] if g.title.startswith(f"Layer {r.number}:")).sections
        assert said.intro.startswith("The same kind, settings and size as layer ") and not said.blocks
    files = render_formats(d, ("tex", "md", "html")).files
    tex, md, html = (files[f"derivation.{fmt}"].decode() for fmt in ("tex", "md", "html"))
    for f in drawn:
        assert f"Figure {f.number}." in tex and f"({f.svg_file})" in md and f.svg.split("\n")[0] in html
    # Every connection drawn: in the SVG and in the PDF's picture (a curve each).
    edges = {f"figure-dense{back}-layer-{r.number}.svg": r.shape_in[0] * r.shape_out[0] for r in dense for back in ("", "-back")}
    shown = [f for f in drawn if f.svg_file in edges]
    assert all(f.svg.count("<line") == edges[f.svg_file] for f in shown)
    assert tex.count(r"\qbezier") == sum(edges[f.svg_file] for f in shown) > 0


def _cnn():
    from pathlib import Path

    from symconv import load_network

    return derive(load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml"))


def test_the_chains_arrow_labels_stand_clear_of_its_boxes():
    r"""Figure 1 of a network (a lecturer's review): the labels a^{[l]} and \delta^{[l]} between two boxes
    overlapped the boxes' frames and lost the tops of their superscripts. In the SVG each label, from the top
    of its superscript (about 15px above its 12px baseline) to the foot of its subscript (about 5px below),
    lies in its gap between the boxes with room to spare; in LaTeX no gap row is pulled up into the box
    above (a negative \\[-4pt]) and each is held open by a strut taller than a^{[1]} (about 9.5pt) and deeper
    than \partial L / \partial x."""
    import re

    from symconv.rendering.document import context

    diagram = context(_cnn())["diagram"]
    boxes = [(float(y), float(y) + float(h)) for y, h in re.findall(r'<rect x="1" y="([\d.]+)" width="\d+" '
                                                                    r'height="([\d.]+)"', diagram.svg)]
    labels = [float(y) for y in re.findall(r'<text x="[\d.]+" y="([\d.]+)"[^>]*font-size="12"', diagram.svg)]
    assert len(boxes) == 7 and len(labels) == 2 * 6  # the value passed down and its gradient, in each gap
    for y in labels:
        above = max(bottom for top, bottom in boxes if bottom <= y)
        below = min(top for top, bottom in boxes if top >= y)
        assert y - 15 >= above + 2 and y + 5 <= below - 2
    gaps = [row for row in diagram.latex.split("\n") if r"\downarrow" in row]
    assert len(gaps) == 6 and r"\\[-" not in diagram.latex
    for row in gaps:
        depth, height = (float(n) for n in re.match(r"\\rule\[-([\d.]+)pt\]\{0pt\}\{([\d.]+)pt\}", row).groups())
        assert height - depth >= 11 and depth >= 4


# LaTeX's math sizes (fontmath.ltx): the size of the sub- and superscripts of text set at each size, in pt.
SCRIPT_PT = {5: 5, 6: 5, 7: 5, 8: 6, 9: 6, 10: 7, 10.95: 8, 12: 8}


def _grid_figures(d):
    from symconv.rendering.document import context

    return [f for s in context(d)["sections"] for f in s.figures
            if f.svg_file.split("-")[1].removesuffix(".svg") in ("window", "slide", "full")]


@pytest.mark.parametrize("which", ["default", "cnn", "three_layer_cnn"])
def test_every_label_of_a_convolutions_grids_prints_at_least_7pt(which):
    r"""The kernel's and the input's gradient figures (a lecturer's review): labels such as
    \delta^{[1](1)}_{1,1} and k^{[1](1,1)}_{3,3} were set \tiny, their indices 5pt, unreadable in print. Every
    label and corner mark is now set at an explicit size whose scripts (the indices) are at least 7pt in the
    PDF and 7.5pt (10px) in the SVG, its letters larger; a superscript the caption states once is left out of
    the cells; and the grid, with its legend beside it, stays within the text width (17cm)."""
    import re

    from pathlib import Path

    from symconv import load_network

    d = (derive(ConvSpec(bias=True)) if which == "default" else _cnn() if which == "cnn" else
         derive(load_network(Path(__file__).parents[1] / "examples" / f"{which}.toml")))
    figures = _grid_figures(d)
    assert {f.svg_file.split("-")[1].removesuffix(".svg") for f in figures} == {"window", "slide", "full"}
    if which == "three_layer_cnn":  # layer 4 reads a^{[3]}: its cells write a_{i,j}, its captions say for what
        window = next(f for f in figures if f.svg_file == "figure-window-layer-4.svg")
        assert r"The cells write $a_{i,j}$ for $a^{[3](1)}_{i,j}$." in window.caption
    for f in figures:
        puts = [line for line in f.latex.split("\n") if r"\makebox(0,0)" in line and "$" in line]
        assert puts and not any(r"\tiny" in line or r"\scriptsize" in line for line in puts)
        for line in puts:
            size = float(re.search(r"\\fontsize\{([\d.]+)\}", line).group(1))
            assert SCRIPT_PT[size] >= 7 and "^{" not in line, line
        unit = float(re.search(r"\\setlength\{\\unitlength\}\{([\d.]+)cm\}", f.latex).group(1))
        cols = int(re.search(r"\\begin\{picture\}\((\d+),", f.latex).group(1))
        assert cols * unit + (0.6 + f.side if f.legend else 0) <= 17.0
        labels = re.findall(r'<text [^>]*font-size="(\d+)"[^>]*font-style="italic">(.*?)</text>', f.svg)
        assert labels
        for letters, inner in labels:
            scripts = [int(n) for n in re.findall(r'font-size="(\d+)"', inner)]
            assert int(letters) >= 14 and scripts and min(scripts) * 0.75 >= 7.5


def _padding_under_the_window(grid) -> set:
    """The drawn cells that are padding zeros under the rotated kernel: taps (blue) outside the rows and columns
    the upstream gradient spans (its entries are the labelled cells)."""
    entries = [(r, c) for r, c, label, _ in grid.cells if label.base]
    rows = range(min(r for r, _ in entries), max(r for r, _ in entries) + 1)
    cols = range(min(c for _, c in entries), max(c for _, c in entries) + 1)
    return {(r, c) for r, c, _, role in grid.cells if role == "window" and (r not in rows or c not in cols)}


@settings(max_examples=60)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=1))
def test_the_full_convolution_figure_shows_an_entry_whose_window_reaches_the_padding(spec):
    """A lecturer's review: the figure showed the middle entry, whose window never reaches the zero padding, so
    its legend's "zeros: the full padding" played no role. The entry drawn is one whose window has a tap on the
    padding (where any entry's has), with two terms or more where such an entry exists, the first of those in
    reading order; the caption says the size it is padded to and which rows of zeros, if any, are not drawn, and
    those are rows of zeros the window shown does not reach."""
    import re

    from symconv.layers.conv_document import _full_taps, _on_full_padding, _spread_upstream, result_sizes

    grid = full_figure(spec)
    if grid is None:
        return
    i, j = (int(n) - 1 for n in grid.caption.split("x_{")[1].split("}")[0].split(","))
    at = set(_spread_upstream(spec))
    h, w = spec.input
    reaching = {(a, b): len(_full_taps(spec, a, b) & at) for a in range(h) for b in range(w)
                if _on_full_padding(spec, _full_taps(spec, a, b))}
    terms = sum(role == "hit" for *_, role in grid.cells)
    if any(n for n in reaching.values()):
        assert (i, j) in reaching and _padding_under_the_window(grid)
        best = 2 if any(n >= 2 for n in reaching.values()) else 1
        assert terms >= best and (i, j) == min(ij for ij, n in reaching.items() if n >= best)
    rows, cols = result_sizes(spec)["padded upstream"]
    left_out = sum(int(n) if n else 1 for n in re.findall(r"the (?:first|last) (?:(\d+) rows|row)", grid.caption))
    assert grid.cols == cols and grid.rows + left_out == rows
    if spec.kernel_span != (1, 1):
        assert f"to ${rows} \\times {cols}$" in grid.caption
    # Neither the first nor the last drawn row is zeros alone (those are the rows left out; a stride's rows of
    # zeros between the gradient's stay); every cell of the drawn rows is there.
    assert all(any(role != "pad" for r, _, _, role in grid.cells if r == row) for row in (0, grid.rows - 1))
    assert len(grid.cells) == grid.rows * grid.cols


@pytest.mark.parametrize("which", ["default", "cnn"])
def test_the_input_gradient_figure_and_the_text_name_the_same_entry_and_kernel(which):
    """The single layer's Figure 3 and the CNN's Figure 5 show an input entry on the border whose window reaches
    the padding (x_{1,2}: two terms, the other taps on zeros); the sentence that refers to the figure, its
    legend and its caption name that entry, and the caption names the kernel drawn (K^{[1](1,1)} in the CNN,
    not K^{[1]})."""
    d = derive(ConvSpec(bias=True)) if which == "default" else _cnn()
    from symconv.rendering.document import context

    sections = context(d)["sections"]
    (section,) = [s for s in sections if any(f.svg_file.startswith("figure-full") for f in s.figures)]
    (figure,) = [f for f in section.figures if f.svg_file.startswith("figure-full")]
    assert f"Figure {figure.number} shows this for input entry $x_{{1,2}}$" in section.intro
    assert "a kernel entry over a padding zero stands for an output entry that does not exist" in section.intro
    assert r"\partial L / \partial x_{1,2}" in figure.caption and "x_{1,2}" in figure.latex + figure.legend
    assert "x_{2,2}" not in figure.caption and "x_{3,3}" not in figure.caption
    grid = next(g for r in d.records if r.layer.type == "conv" for g in _conv_grids(d, r) if g.name.startswith("full"))
    assert len(_padding_under_the_window(grid)) >= 2 and sum(role == "hit" for *_, role in grid.cells) == 2
    kernel = "K" if which == "default" else "K^{[1](1,1)}"
    # the kernel drawn, by name; the operation's name (the full correlation with it) is the sentence's beside it
    assert rf"and $\operatorname{{rot}}_{{180}}({kernel})$ sliding over it" in figure.caption
    assert "full convolution" not in figure.caption and "full correlation" not in figure.caption
    if which == "cnn":
        assert "(drawn without" not in figure.caption and "the last 2 rows, zeros this window does not reach, not drawn" \
            in figure.caption and grid.rows == 6 and grid.cols == 8


def _conv_grids(d, record):
    from symconv.naming import Naming

    prev = d.records[record.number - 2].layer if record.number > 1 else None
    step = Naming(d.network.names).doc_step(record, prev) if len(d.records) > 1 else \
        DocStep(None, record.shape_in, record.shape_out, {"in": "x", "out": "y", "K": "k", "b": "b"})
    return [g for grids in record.layer.figures(step).values() for g in grids]


def test_the_switch_figure_says_which_channel_of_how_many_it_draws():
    """Review r17 item 2: the CNN's max-pooling switch figure draws channel 1 only and said "(channel 1)": its caption
    says channel 1 of the layer's 2 (a single channel's says none)."""
    from pathlib import Path

    from symconv import derive as derive_net, load_network
    from symconv.rendering.formats import render as render_formats

    net = load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml")
    tex = render_formats(derive_net(net), ("tex",)).files["derivation.tex"].decode()
    assert "of layer 3 (channel 1 of 2)" in tex and "(channel 1)" not in tex
