"""Networks that branch (issue 15): a value read by several layers gets the sum of their parts of its
gradient; add and concat join branches. Hand-written values, the examples and random branching
networks against PyTorch, its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from symconv import derive, load_network
from symconv.derivation import contribution
from symconv.layers import Add, Concat, Conv
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate

from .strategies import branching_networks

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_a_value_read_twice_gets_the_sum_of_both_parts():
    """a1 = k x (a 1x1 convolution), a2 = x + a1. With x = (3, 4), k = 2 and the upstream gradient
    g = (1, 10): through the sum x gets g itself, through the convolution k g = (2, 20), and its
    gradient is their sum (3, 30); k's gradient is g . x = 43."""
    d = derive(NetworkSpec((1, 1, 2), (Conv(1, 1), Add()), inputs=((0,), (0, 1))))
    values = evaluate(d, {"X": np.array([[[3.0, 4.0]]]), "K[1]": np.array([[[[2.0]]]]),
                          "dL/dA[2]": np.array([[[1.0, 10.0]]])})
    assert values[contribution("X", 2)].tolist() == [[[1.0, 10.0]]]
    assert values[contribution("X", 1)].tolist() == [[[2.0, 20.0]]]
    assert values["dL/dX"].tolist() == [[[3.0, 30.0]]]
    assert values["dL/dK[1]"].tolist() == [[[[43.0]]]]
    # The sum is written with each reader's part by name, as the document shows it.
    total = d["dL/dX"].entries[0]
    assert total.free_symbols == {d[contribution("X", 1)].symbols[0], d[contribution("X", 2)].symbols[0]}


def test_concat_splits_the_gradient_back():
    d = derive(NetworkSpec((1, 1, 2), (Conv(1, 1), Conv(2, 1), Concat()), inputs=((0,), (0,), (1, 2))))
    assert d["A[3]"].shape == (3, 1, 2)
    g = np.arange(6.0).reshape(3, 1, 2)
    values = evaluate(d, {"X": np.ones((1, 1, 2)), "K[1]": np.ones((1, 1, 1, 1)), "K[2]": np.ones((2, 1, 1, 1)),
                          "dL/dA[3]": g})
    assert values["dL/dA[1]"].tolist() == g[:1].tolist() and values["dL/dA[2]"].tolist() == g[1:].tolist()


@pytest.mark.parametrize("name", ["inception_concat"])
def test_the_examples_match_numpy_and_pytorch(name):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(load_network(EXAMPLES / f"{name}.toml")), seed=4, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@settings(max_examples=20, deadline=None)
@given(branching_networks())
def test_random_branching_networks_match_numpy_and_pytorch(net):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(net), seed=5, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@pytest.mark.parametrize("body, message", [
    ('[[layer]]\ntype = "relu"\ninputs = ["later"]\n[[layer]]\ntype = "relu"\nname = "later"\n',
     "layer 1: input 'later' is not known: a layer reads input or the name of a layer before it"),
    ('[[layer]]\ntype = "relu"\ninputs = ["nowhere"]\n', "input 'nowhere' is not known"),
    ('[[layer]]\ntype = "relu"\nname = "a"\n[[layer]]\ntype = "relu"\ninputs = ["input"]\n',
     "layer 1 (relu, 'a'): its output is never read"),
    ('[[layer]]\ntype = "conv"\nname = "a"\nout_channels = 2\nkernel = 1\n[[layer]]\ntype = "add"\n'
     'inputs = ["input", "a"]\n', "add needs inputs of the same shape"),
    ('[[layer]]\ntype = "relu"\nname = "a"\n[[layer]]\ntype = "add"\ninputs = ["a"]\n', "give it two or more inputs"),
    ('[[layer]]\ntype = "relu"\nname = "a"\n[[layer]]\ntype = "relu"\ninputs = ["input", "a"]\n',
     "it reads 2 inputs, but a relu layer reads 1"),
    ('[[layer]]\ntype = "relu"\nname = "a"\n[[layer]]\ntype = "add"\ninputs = ["a", "a"]\n', "reads the same value twice"),
    ('[[layer]]\ntype = "relu"\nname = "input"\n', "name 'input' is not valid"),
])
def test_bad_wiring_is_one_line_naming_the_layer(body, message, tmp_path, capsys):
    from symconv.cli import main

    path = tmp_path / "net.toml"
    path.write_text("input = [1, 2, 2]\n" + body)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--network", str(path), "--format", "md", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    assert not (tmp_path / "out").exists()


def test_the_document_shows_the_fork():
    """The diagram draws the skip, the rules write the sum of the parts, and a section gives the sum's
    entries after the parts."""
    from symconv.rendering.document import context

    d = derive(load_network(EXAMPLES / "inception_concat.toml"))
    ctx = context(d, input_gradient=True)
    assert "Arrows on the left" in ctx["diagram"].caption and r"\line(0,-1)" in ctx["diagram"].latex
    fork = [s for s in ctx["rules"] if s.name == "rules-fork-0"]
    assert fork and r"\leftarrow 1" in fork[0].formula[0] and r"\leftarrow 2" in fork[0].formula[0]
    titles = [g.title for g in ctx["backward"]]
    assert any("the sum over the layers that read it" in t for t in titles)
    names = [s.name for s in ctx["sections"]]
    assert names.index(contribution("X", 1)) < names.index("dL/dX") and names.index(contribution("X", 2)) < names.index("dL/dX")


def test_check_grades_a_fork_claim():
    """A student who writes both paths is right; one who forgets the skip is wrong, and told which part."""
    from symconv.grading import check_claim

    d = derive(NetworkSpec((1, 1, 2), (Conv(1, 1), Add()), inputs=((0,), (0, 1))))
    both = (r"\frac{\partial L}{\partial x_{1,1}} = \frac{\partial L}{\partial a^{[2]}_{1,1}} + "
            r"\frac{\partial L}{\partial a^{[1]}_{1,1}} k^{[1]}_{1,1}")
    assert check_claim(both, d).status == "right"
    one = check_claim(r"\frac{\partial L}{\partial x_{1,1}} = \frac{\partial L}{\partial a^{[1]}_{1,1}} k^{[1]}_{1,1}", d)
    assert one.status == "wrong"


def test_a_joins_later_input_is_named_as_itself():
    """Concat of a forked value (layer 1) and the layer before it (layer 2): the gradient of its second input
    is dL/dA^{[2]}, not the first input's name (as the U-Net example wrote it before)."""
    from symconv import derive, render
    from symconv.layers import Activation, Concat, Conv
    from symconv.network import NetworkSpec

    net = NetworkSpec((1, 2, 2), (Conv(1, 1), Activation("relu"), Concat()), inputs=((0,), (1,), (1, 2)))
    text = render(derive(net), ("md",)).files["derivation.md"].decode()
    part = text[text.index("#### Gradient with respect to $a^{[2]}$"):]
    first = part.split("$$")[1].replace(r"\begin{aligned}", "").strip()  # a matrix, or its entries listed
    assert first.startswith((r"\frac{\partial L}{\partial A^{[2]}} = ", r"\frac{\partial L}{\partial a^{[2]}_{1,1}} &= ")), first


@pytest.mark.parametrize("join", ["add", "concat"])
def test_a_worked_example_through_a_fork_after_a_layer(join):
    """A hidden layer's output read by two layers (a residual over a relu): the worked example sums the two parts of
    its gradient (render checks every number against NumPy) instead of failing on their unset symbols."""
    from symconv import derive, render
    from symconv.layers import Activation, Add, Concat, Conv
    from symconv.network import NetworkSpec

    net = NetworkSpec((1, 2, 2), (Conv(1, 1), Activation("relu"), Add() if join == "add" else Concat()),
                      inputs=((0,), (1,), (1, 2)))
    assert "## A worked example" in render(derive(net), ("md",)).files["derivation.md"].decode()
