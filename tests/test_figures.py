"""Figures agree with the formulas: both come from the index map, and these tests hold them to it."""

from __future__ import annotations

from hypothesis import given, settings

from symconv import ConvSpec, derive
from symconv.layers.base import DocStep
from symconv.network import as_network
from symconv.rendering.figures import picture, svg

from .strategies import conv_specs


def _figure(spec: ConvSpec, key: str):
    """The figure the convolution layer draws beside tensor `key` (out: the window, in: the feeds), or None."""
    net = as_network(spec)
    shapes = net.shapes
    drawn = net.layers[0].figures(DocStep(None, shapes[0], shapes[1], {"in": "x", "out": "y", "K": "k"}))
    return drawn[key][0] if key in drawn else None


def window_figure(spec: ConvSpec):
    return _figure(spec, "out")


def feeds_figure(spec: ConvSpec):
    return _figure(spec, "in")


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


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=1))
def test_the_feeds_figure_marks_the_outputs_that_read_the_input_entry(spec):
    grid = feeds_figure(spec)
    d = derive(spec)
    i, j = (spec.input[0] - 1) // 2 + 1, (spec.input[1] - 1) // 2 + 1
    hits = {(r + 1, s + 1): f"k_1_1_{label.sub.replace(',', '_')}" for r, s, label, role in grid.cells if role == "hit"}
    # dL/dx_{i,j} sums g_{r,s} k_{p,q} over exactly the marked outputs, with the kernel entry marked.
    pairs = set()
    terms = d["dL/dX"].terms
    flat = (i - 1) * spec.input[1] + (j - 1)
    for k in range(terms.start[flat], terms.start[flat + 1]):
        g, kern = d.symbols[terms.first[k]].name, d.symbols[terms.second[k]].name
        pairs.add((tuple(int(n) for n in g.split("_")[3:]), kern))
    assert pairs == set(hits.items())


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
    (grid,) = net.layers[1].figures(DocStep(2, shapes[1], shapes[2], {"in": "a", "out": "a"}))["out"]
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
