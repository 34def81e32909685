"""Adaptive average and max pooling with PyTorch's bins (issue 25, item 4): start = floor(r H / h), end =
ceil((r + 1) H / h), so windows differ in size and may overlap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, Max, Rational, diff, expand

from symconv import derive, load_network
from symconv.layers import AdaptivePool, Conv, Flatten
from symconv.layers.adaptive_pool import bins
from symconv.network import NetworkSpec
from symconv.numeric.verify import verify
from symconv.spec import SpecError

from .conftest import need_torch
from .layer_steps import rules


def test_pytorchs_bins_by_hand():
    assert bins(5, 3) == [(0, 2), (1, 4), (3, 5)]  # uneven, overlapping: rows 1-2, 2-4, 4-5
    assert bins(4, 2) == [(0, 2), (2, 4)]
    assert bins(3, 5) == [(0, 1), (0, 2), (1, 2), (1, 3), (2, 3)]  # more outputs than inputs


def test_hand_written_means_and_maxima_of_one_row():
    from sympy import symbols

    x, g = symbols("x1:6"), symbols("g1:4")
    forward, backward = rules(AdaptivePool("avg", (1, 3)), x, symbols("a1:4"), g, (1, 1, 5), (1, 1, 3))
    assert forward["out"] == [(x[0] + x[1]) / 2, (x[1] + x[2] + x[3]) / 3, (x[3] + x[4]) / 2]
    assert backward[1] == g[0] / 2 + g[1] / 3 and backward[3] == g[1] / 3 + g[2] / 2
    forward, _ = rules(AdaptivePool("max", (1, 3)), x, symbols("a1:4"), g, (1, 1, 5), (1, 1, 3))
    assert forward["out"] == [Max(x[0], x[1]), Max(x[1], x[2], x[3]), Max(x[3], x[4])]


@pytest.mark.parametrize("make, message", [
    (lambda: AdaptivePool("avg", 0), "output_size 0x0 is not valid"),
    (lambda: AdaptivePool("avg", [2, "a"]), "output_size"),
    (lambda: NetworkSpec((4,), (AdaptivePool("max", 2),)).shapes, "adaptive_maxpool needs an image"),
])
def test_bad_input_is_one_line(make, message):
    with pytest.raises(SpecError, match=message):
        make()


def test_network_files_name_it_as_pytorch(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [2, 5, 7]\n[[layer]]\ntype = "adaptive_avgpool"\noutput_size = [3, 2]\n'
                    '[[layer]]\ntype = "adaptive_maxpool"\noutput_size = [2, 2]\n')
    net = load_network(path)
    assert list(net.shapes[1:]) == [(2, 3, 2), (2, 2, 2)]
    layers = net.as_dict()["layers"]
    assert [(layer["type"], layer["output_size"]) for layer in layers] == [("adaptive_avgpool", [3, 2]),
                                                                           ("adaptive_maxpool", [2, 2])]


@st.composite
def adaptive_networks(draw):
    kind = draw(st.sampled_from(["avg", "max"]))
    shape = (draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7)))
    return NetworkSpec(shape, (AdaptivePool(kind, (draw(st.integers(1, 8)), draw(st.integers(1, 8)))),))


@settings(max_examples=40)
@given(adaptive_networks())
def test_entries_are_the_definition_and_its_sympy_diff(net):
    """The windows by PyTorch's formulas in floating point (math.floor, math.ceil), apart from `bins`."""
    layer, (c, h, w) = net.layers[0], net.input
    d = derive(net)
    X, G = d["X"], d["dL/dA[1]"]
    oh, ow = layer.output_size
    span = lambda r, n, m: range(math.floor(r * n / m), math.ceil((r + 1) * n / m))
    A = []
    for ch in range(c):
        for r in range(oh):
            for s in range(ow):
                cells = [X[ch, i, j] for i in span(r, h, oh) for j in span(s, w, ow)]
                A.append(Rational(1, len(cells)) * Add(*cells) if layer.kind == "avg" else Max(*cells))
    assert list(d["A[1]"].entries) == A
    if layer.kind == "avg":  # Max's derivative is the switch; its values are checked against PyTorch below
        loss = Add(*(g * a for g, a in zip(G.symbols, A)))
        assert all(expand(e - diff(loss, x)) == 0 for e, x in zip(d["dL/dX"].entries, X.symbols))


@settings(max_examples=40)
@given(adaptive_networks(), st.booleans())
def test_random_sizes_match_numpy_and_pytorch(net, conv_first):
    need_torch()
    if conv_first:  # after a convolution, as in VGG's classifier head
        net = NetworkSpec(net.input, (Conv(2, 1, bias=True), *net.layers, Flatten()))
    report = verify(derive(net), seed=11, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report.comparisons


@pytest.mark.parametrize("kind", ["avg", "max"])
def test_the_jacobian_is_pytorchs(kind):
    need_torch()
    import torch

    net = NetworkSpec((1, 5, 4), (AdaptivePool(kind, (3, 3)),))
    d = derive(net)
    rng = np.random.default_rng(3)
    x = rng.normal(size=(1, 5, 4))
    values = dict(zip(d["X"].symbols, x.flatten()))
    J = np.array(d.jacobian("X").matrix.subs(values).tolist(), dtype=float)
    pool = torch.nn.functional.adaptive_avg_pool2d if kind == "avg" else torch.nn.functional.adaptive_max_pool2d
    # vec stacks columns: the rows and columns of PyTorch's Jacobian taken in column-major order
    theirs = torch.autograd.functional.jacobian(lambda t: pool(t[None], (3, 3))[0], torch.tensor(x)).numpy()
    theirs = theirs.transpose(0, 2, 1, 3, 5, 4).reshape(9, 20)
    np.testing.assert_allclose(J, theirs, atol=1e-12)


def test_the_document_shows_the_uneven_windows():
    from symconv import render
    from symconv.layers.adaptive_pool import AdaptivePool as Kind

    net = NetworkSpec((1, 5, 5), (AdaptivePool("avg", (3, 2)), Flatten()))
    d = derive(net)
    text = render(d, ("md",)).files["derivation.md"].decode()
    assert "rows 1 to 2, 2 to 4, 4 to 5; columns 1 to 3, 3 to 5: they are uneven" in text
    assert r"\Big\lfloor \frac{(r - 1) \cdot 5}{3} \Big\rfloor" in text
    from symconv.naming import Naming

    grid = Kind("avg", (3, 2)).figures(Naming(d.network.names).doc_step(d.records[0], None))["out"][0]
    roles = {(r, c): role for r, c, _, role in grid.cells}
    assert (roles[1, 2], roles[0, 0], roles[4, 4]) == ("both", "window", "second")  # (1, 2) is in four windows
    assert ("both", "in two or more windows") in grid.legend
