"""Global average pooling, the kind added as one module and one registry line: every formula checked."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sympy import Rational, Symbol, diff, symbols

from symconv import derive, render
from symconv.grading import check_claim
from symconv.layers import Activation, Conv, Dense, GlobalAvgPool, SoftmaxCrossEntropy
from symconv.network import NetworkSpec, load_network
from symconv.numeric.verify import verify
from symconv.spec import SpecError

from .conftest import need_torch
from .layer_steps import rules

NET = NetworkSpec((1, 4, 4), (Conv(2, 2, bias=True), Activation("relu"), GlobalAvgPool(), Dense(3, bias=True),
                              SoftmaxCrossEntropy()))


def test_hand_written_means_and_their_gradient():
    x = symbols("x1:9")  # 2 channels of 2x2
    g = symbols("g1:3")
    forward, backward = rules(GlobalAvgPool(), x, symbols("a1:3"), g, (2, 2, 2), (2,))
    assert forward["out"] == [(x[0] + x[1] + x[2] + x[3]) / 4, (x[4] + x[5] + x[6] + x[7]) / 4]
    assert backward == [g[0] / 4] * 4 + [g[1] / 4] * 4


def test_the_backward_rule_is_sympy_diff_of_the_definition():
    x = symbols("z1:13")  # 1 channel of 3x4
    g = Symbol("g")
    forward, backward = rules(GlobalAvgPool(), x, (Symbol("a"),), (g,), (1, 3, 4), (1,))
    loss = g * forward["out"][0]
    assert [diff(loss, xi) for xi in x] == backward and backward[0] == g * Rational(1, 12)


def test_a_network_with_it_matches_numpy_and_pytorch():
    need_torch()
    report = verify(derive(NET), seed=3, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}
    assert {c.tensor for c in report.comparisons} >= {"A[3]", "dL/dA[2]", "dL/dK[1]", "L"}


def test_its_jacobian_is_a_block_of_equal_shares():
    d = derive(NET)
    j = d.jacobian("A[2]")  # d vec(A[3]) / d vec(A[2]): 2 x 18, each row 1/9 over its own channel
    assert j.shape == (2, 18)
    dense = np.array(j.dense(), dtype=float).reshape(j.shape)
    np.testing.assert_array_equal(dense, np.kron(np.eye(2), np.full((1, 9), 1 / 9)))


def test_from_a_network_file_with_its_errors_in_one_line(tmp_path: Path):
    good = tmp_path / "gap.toml"
    good.write_text('input = [2, 3, 3]\n[[layer]]\ntype = "global_avgpool"\n[[layer]]\ntype = "dense"\nout_features = 2\n')
    assert load_network(good).shapes == [(2, 3, 3), (2,), (2,)]
    bad = tmp_path / "bad.toml"
    bad.write_text('input = [2, 3, 3]\n[[layer]]\ntype = "global_avgpool"\nwindow = 2\n')
    with pytest.raises(SpecError, match=r"layer 1: field 'window' is not known for global_avgpool: it takes no fields"):
        load_network(bad)
    vector = tmp_path / "vector.toml"
    vector.write_text('input = [1, 2, 2]\n[[layer]]\ntype = "flatten"\n[[layer]]\ntype = "global_avgpool"\n')
    with pytest.raises(SpecError, match=r"layer 2 \(global_avgpool\): global_avgpool needs an image"):
        load_network(vector)


def test_it_is_rendered_and_graded_like_any_layer():
    d = derive(NetworkSpec((1, 2, 2), (GlobalAvgPool(),)))
    files = render(d, ("md", "json")).files
    assert "global average pooling" in files["derivation.md"].decode()
    right = check_claim(r"a^{[1]}_{1} = \frac{1}{4}\left(x_{1,1} + x_{1,2} + x_{2,1} + x_{2,2}\right)", d)
    wrong = check_claim(r"a^{[1]}_{1} = \frac{1}{2}\left(x_{1,1} + x_{1,2} + x_{2,1} + x_{2,2}\right)", d)
    gradient = check_claim(r"\frac{\partial L}{\partial x_{2,1}} = \frac{1}{4} \frac{\partial L}{\partial a^{[1]}_{1}}", d)
    assert (right.status, wrong.status, gradient.status) == ("right", "wrong", "right")
