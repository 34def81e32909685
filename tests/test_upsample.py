"""Upsampling (issues 14 and 25): nearest by whole factors, PyTorch's nearest with any scale or a size, bilinear
with align_corners true and false; hand-written values, sympy.diff, NumPy and PyTorch, its errors, its documents."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, diff, expand

from symconv import derive, load_network
from symconv.layers import Conv, Flatten, Upsample
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate
from symconv.numeric.verify import verify
from symconv.spec import SpecError

from .conftest import need_torch
from .layer_steps import rules
from .strategies import upsamplings

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_hand_written_values():
    """A 1 x 2 input upsampled by 2 x 1: each entry copied down a column; the gradient of an entry is
    the sum of the upstream gradient over its two copies."""
    d = derive(NetworkSpec((1, 1, 2), (Upsample((2, 1)),)))
    values = evaluate(d, {"X": np.array([[[3.0, -1.0]]]), "dL/dA[1]": np.array([[[1.0, 2.0], [10.0, 20.0]]])})
    assert values["A[1]"].tolist() == [[[3.0, -1.0], [3.0, -1.0]]]
    assert values["dL/dX"].tolist() == [[[11.0, 22.0]]]


@pytest.mark.parametrize("scale, message", [(0, "scale 0 is not valid"), ([2, 0], r"scale \[2, 0\] is not valid"),
                                            (True, "scale True is not valid")])
def test_bad_scales_are_one_line(scale, message):
    with pytest.raises(SpecError, match=message):
        Upsample(scale)


def test_upsample_needs_an_image():
    with pytest.raises(SpecError, match="upsample needs an image"):
        NetworkSpec((4,), (Upsample(),)).shapes


def test_the_example_matches_numpy_and_pytorch():
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(load_network(EXAMPLES / "conv_upsample_conv.toml")), seed=2, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


# -- issue 25: PyTorch's nearest with any scale or a size, and bilinear with align_corners true and false --

def _one_row(layer, n):
    """The entries of a 1 x n input upsampled along its row, with symbols z1..zn."""
    from sympy import symbols

    z = symbols(f"z1:{n + 1}")
    out = layer.output_shape((1, 1, n))
    forward, _ = rules(layer, z, symbols(f"a1:{out[2] + 1}"), None, (1, 1, n), out)
    return z, forward["out"]


def test_hand_written_bilinear_rows():
    """2 -> 4 entries: the centres line up (align_corners false) and the border entries are copied; or the
    corners coincide (true), each output at a third of the way."""
    from sympy import Rational as R

    z, out = _one_row(Upsample(scale=(1, 2), mode="bilinear"), 2)
    assert out == [z[0], R(3, 4) * z[0] + R(1, 4) * z[1], R(1, 4) * z[0] + R(3, 4) * z[1], z[1]]
    z, out = _one_row(Upsample(size=(1, 4), mode="bilinear", align_corners=True), 2)
    assert out == [z[0], R(2, 3) * z[0] + R(1, 3) * z[1], R(1, 3) * z[0] + R(2, 3) * z[1], z[1]]
    z, out = _one_row(Upsample(scale=(1, 0.5), mode="bilinear"), 4)  # downsampling: x = 2(d + 1/2) - 1/2
    assert out == [(z[0] + z[1]) / 2, (z[2] + z[3]) / 2]


def test_hand_written_nearest_rows():
    """PyTorch's nearest: output d copies input floor(d r): 2 -> 3 at scale 1.5 (r = 2/3) copies 1, 1, 2;
    3 -> 5 by size (r = 3/5) copies 1, 1, 2, 2, 3; scale 1.2 keeps 3 entries and copies them as they are."""
    z, out = _one_row(Upsample(scale=(1, 1.5)), 2)
    assert out == [z[0], z[0], z[1]]
    z, out = _one_row(Upsample(size=(1, 5)), 3)
    assert out == [z[0], z[0], z[1], z[1], z[2]]
    z, out = _one_row(Upsample(scale=(1, 1.2)), 3)
    assert out == list(z)
    z, out = _one_row(Upsample(scale=(1, 0.5)), 5)  # floor(5 / 2) = 2 outputs: entries 1 and 3
    assert out == [z[0], z[2]]


@pytest.mark.parametrize("fields, message", [
    ({"mode": "bicubic"}, "mode 'bicubic' is not valid: use one of nearest, bilinear"),
    ({"align_corners": True}, "align_corners is a setting of bilinear upsampling"),
    ({"scale": 2, "size": [3, 3]}, "give scale or size, not both"),
    ({"size": [0, 2]}, r"size 0x2 is not valid"),
    ({"scale": -1.5}, "scale -1.5 is not valid"),
    ({"scale": float("nan")}, "scale nan is not valid"),
    ({"mode": "bilinear", "align_corners": "yes"}, "align_corners 'yes' is not valid"),
])
def test_bad_fields_are_one_line(fields, message):
    with pytest.raises(SpecError, match=message):
        Upsample(**fields)


def test_a_scale_that_leaves_no_row_is_refused():
    with pytest.raises(SpecError, match=r"scale \[0.4, 1\] makes the 2x2 input 0x2"):
        NetworkSpec((1, 2, 2), (Upsample(scale=(0.4, 1)),)).shapes


def test_network_files_name_it_as_pytorch(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [1, 2, 3]\n[[layer]]\ntype = "upsample"\nscale = 1.5\n'
                    '[[layer]]\ntype = "upsample"\nmode = "bilinear"\nsize = [4, 7]\nalign_corners = true\n')
    net = load_network(path)
    assert list(net.shapes[1:]) == [(1, 3, 4), (1, 4, 7)]
    assert net.as_dict()["layers"][0]["scale"] == [1.5, 1.5]
    assert {k: v for k, v in net.as_dict()["layers"][1].items() if k not in ("name", "inputs")} == {
        "type": "upsample", "size": [4, 7], "mode": "bilinear", "align_corners": True}


def test_an_old_file_keeps_its_folder():
    """Fields added later are left out of the digest at their defaults: scale = [2, 2] names the folder it did."""
    assert Upsample((2, 2)).identity_fields() == {"type": "upsample", "scale": [2, 2]}


@settings(max_examples=40, deadline=None)
@given(upsamplings())
def test_entries_are_weighted_sums_and_their_sympy_diff(net):
    """Each output entry is a weighted sum of its channel's inputs with weights summing to 1 (an interpolation),
    at PyTorch's weights computed in floating point apart from the index map; the input's gradient is
    sympy.diff of sum(g * a)."""
    layer = net.layers[0]
    d = derive(net)
    X, A, G = d["X"], list(d["A[1]"].entries), d["dL/dA[1]"]
    c, h, w = net.input
    R, C = layer._numpy_matrices(np, h, w)
    for n, a in enumerate(A):
        ch, i, j = np.unravel_index(n, net.shapes[1])
        coeffs = {x: float(a.coeff(x)) for x in X.symbols}
        expected = {X[ch, p, q]: R[i, p] * C[j, q] for p in range(h) for q in range(w)}
        assert all(abs(coeffs[x] - expected.get(x, 0.0)) < 1e-12 for x in X.symbols)
        assert a.subs({x: 1 for x in X.symbols}) == 1
    loss = Add(*(g * a for g, a in zip(G.symbols, A)))
    assert all(expand(e - diff(loss, x)) == 0 for e, x in zip(d["dL/dX"].entries, X.symbols))


@settings(max_examples=40, deadline=None)
@given(upsamplings(), st.booleans())
def test_random_sizes_and_scales_match_numpy_and_pytorch(net, conv_first):
    need_torch()
    if conv_first:  # a decoder's step: a convolution, then the upsampling
        net = NetworkSpec(net.input, (Conv(2, 1, bias=True), *net.layers))
    report = verify(derive(net), seed=5, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report.comparisons


@pytest.mark.parametrize("fields", [{"scale": 1.5}, {"size": (5, 3)}, {"mode": "bilinear", "scale": (1.7, 0.6)},
                                    {"mode": "bilinear", "size": (5, 3), "align_corners": True}])
def test_the_jacobian_is_pytorchs(fields):
    need_torch()
    import torch

    layer = Upsample(**fields)
    d = derive(NetworkSpec((1, 3, 4), (layer,)))
    J = np.array(d.jacobian("X").matrix.tolist(), dtype=float)  # constant weights: no symbols left
    _, ho, wo = layer.output_shape((1, 3, 4))
    x = torch.tensor(np.random.default_rng(1).normal(size=(1, 3, 4)))
    theirs = torch.autograd.functional.jacobian(lambda t: layer.torch_forward(torch, t, {}), x).numpy()
    theirs = theirs.transpose(0, 2, 1, 3, 5, 4).reshape(ho * wo, 12)  # vec stacks columns
    np.testing.assert_allclose(J, theirs, atol=1e-12)


def test_the_bilinear_document_shows_its_weights():
    from symconv import render

    net = NetworkSpec((1, 3, 3), (Upsample(scale=2, mode="bilinear"), Flatten()))
    d = derive(net)
    text = render(d, ("md",)).files["derivation.md"].decode()
    assert r"a^{[1]}_{i,j} = \sum_{p,q} R_{i,p} C_{j,q}\, x_{p,q}" in text and r"align\_corners = false" in text
    from symconv.naming import Naming

    grid = Upsample(scale=2, mode="bilinear").figures(Naming(d.network.names).doc_step(d.records[0], None))["out"][0]
    marks = {(r, c): mark.base for r, c, mark in grid.marks}
    # a^{[1]}_{3,3} sits at row and column 3/4 (0-based): a quarter of x_{1,1}'s row and column, three of x_{2,2}'s
    assert marks == {(0, 0): "1/16", (0, 1): "3/16", (1, 0): "3/16", (1, 1): "9/16"}
    assert r"$a^{[1]}_{3,3} = \frac{1}{16}\, x_{1,1} + \frac{3}{16}\, x_{1,2}" in grid.caption


def test_the_nearest_document_defines_its_index_maps_and_its_diagram_keeps_math_whole():
    """scale 1.5 x 1.3 on 2 x 3: rows copy 1, 1, 2 (r = 2/3) and the columns keep their number (3.9 -> 3), which
    PyTorch copies; the network diagram wraps its long box text without breaking $1.5 \\times 1.3$ apart."""
    from symconv import render

    net = NetworkSpec((1, 2, 3), (Upsample(scale=(1.5, 1.3)), Conv(1, 2)))
    files = render(derive(net), ("md",)).files
    text = files["derivation.md"].decode()
    assert r"\sigma(i) &= \min\bigl(\lfloor (i - 1) \cdot \frac{2}{3} \rfloor,\ 1\bigr) + 1" in text
    assert "copy input rows 1, 1, 2; columns 1, 2, 3" in text
    assert "$r = 1$ for the columns, which keep their number (PyTorch copies such an axis)" in text
    assert "1.5 × 1.3" in files["figure-network.svg"].decode()


@pytest.mark.parametrize("layers", [
    (Upsample(scale=(1.5, 1.3)), Conv(1, 2)),
    (Conv(1, 2), Upsample(scale=2, mode="bilinear"), Conv(1, 2, bias=True)),
    (Conv(1, 1), Upsample(size=(4, 5), mode="bilinear", align_corners=True), Flatten()),
], ids=["nearest-1.5", "bilinear", "bilinear-corners"])
def test_check_never_judges_its_own_upsampling_documents_wrong(layers):
    from symconv import api

    d = api.derive(NetworkSpec((1, 3, 3), layers))
    verdicts = api.check(api.render(d, formats=("md",)).files["derivation.md"].decode(), d)
    assert not [v.claim for v in verdicts if v.status == "wrong"] and sum(v.status == "right" for v in verdicts) > 40
