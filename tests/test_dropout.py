"""Dropout in evaluation mode (issue 25, item 5): the identity, its rate p accepted and recorded."""

from __future__ import annotations

import pytest
from sympy import Add, diff, symbols

from symconv import derive, load_network
from symconv.layers import Conv, Dense, Dropout, Flatten, SoftmaxCrossEntropy
from symconv.network import NetworkSpec
from symconv.numeric.verify import verify
from symconv.spec import SpecError

from .conftest import need_torch
from .layer_steps import rules


def test_it_passes_values_and_gradients_unchanged():
    z, g = symbols("z1:4"), symbols("g1:4")
    forward, backward = rules(Dropout(0.3), z, z, g, (3,))
    assert forward["out"] == list(z) and backward == list(g)
    loss = Add(*(gi * a for gi, a in zip(g, forward["out"])))
    assert [diff(loss, zi) for zi in z] == backward


@pytest.mark.parametrize("p, message", [(1.5, "p 1.5 is not valid"), (-0.1, "p -0.1 is not valid"),
                                        (True, "p True is not valid"), ("0.5", "p '0.5' is not valid")])
def test_a_bad_rate_is_one_line(p, message):
    with pytest.raises(SpecError, match=message):
        Dropout(p)


def test_a_network_file_records_p(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [4]\n[[layer]]\ntype = "dropout"\np = 0.2\n[[layer]]\ntype = "dropout"\n')
    net = load_network(path)
    assert [layer["p"] for layer in net.as_dict()["layers"]] == [0.2, 0.5]
    assert net.layers[1].describe() == "dropout (p = 0.5), evaluation mode"


def test_a_classifier_with_dropout_matches_pytorch_in_eval_mode():
    """p = 0.9 would change every value in training mode: PyTorch's eval mode gives the identity."""
    need_torch()
    net = NetworkSpec((1, 4, 4), (Conv(2, 2, bias=True), Dropout(0.9), Flatten(), Dense(3, bias=True), Dropout(0.5),
                                  SoftmaxCrossEntropy()))
    report = verify(derive(net), seed=1, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}


def test_the_document_says_evaluation_mode():
    from symconv import render

    net = NetworkSpec((3,), (Dropout(0.25), Dense(2)))
    text = render(derive(net), ("md",)).files["derivation.md"].decode()
    assert "dropout (p = 0.25), evaluation mode" in text and "in evaluation mode (PyTorch's eval())" in text
