"""Activations and losses from their formulas (issue 16): PyTorch's own modules reproduced, the built-in
activations equal to their formulas, the derivative in the layer's own output, kinks stated, and
malicious formulas refused in one line within a second."""

from __future__ import annotations

import subprocess
import sys
import time

import numpy as np
import pytest

from symconv import derive
from symconv.layers import Activation, Dense, FormulaActivation, FormulaLoss
from symconv.layers.activation import ACTIVATIONS
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

from .conftest import need_torch

HUBER = "Piecewise((0.5*(a - t)**2, Abs(a - t) < delta), (delta*(Abs(a - t) - 0.5*delta), True))"
# Each formula as a course writes it, and PyTorch's own module for it.
MODULES = {
    "swish": ("z / (1 + exp(-z))", {}, lambda nn: nn.SiLU()),
    "gelu-tanh": ("0.5*z*(1 + tanh(sqrt(2/pi)*(z + 0.044715*z**3)))", {}, lambda nn: nn.GELU(approximate="tanh")),
    "softplus": ("log(1 + exp(z))", {}, lambda nn: nn.Softplus()),
    "leaky-relu": ("Piecewise((z, z > 0), (alpha*z, True))", {"alpha": 0.01}, lambda nn: nn.LeakyReLU(0.01)),
    "elu": ("Piecewise((z, z > 0), (alpha*(exp(z) - 1), True))", {"alpha": 1.0}, lambda nn: nn.ELU(1.0)),
}


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_activation_matches_pytorchs_own_module(name):
    need_torch()
    import torch

    formula, params, module = MODULES[name]
    d = derive(NetworkSpec((2, 3, 3), (FormulaActivation(formula, params),)))
    rng = np.random.default_rng(1)
    x, g = 2 * rng.standard_normal((2, 3, 3)), rng.standard_normal((2, 3, 3))
    ours = evaluate(d, {"X": x, "dL/dA[1]": g})
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    y = module(torch.nn)(xt)
    (y * torch.tensor(g)).sum().backward()
    np.testing.assert_allclose(ours["A[1]"], y.detach().numpy(), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(ours["dL/dX"], xt.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_huber_matches_pytorchs_huber_loss(reduction):
    need_torch()
    import torch

    net = NetworkSpec((4,), (Dense(3, True), FormulaLoss(HUBER, {"delta": 1.0}, reduction)), batch=2)
    d = derive(net)
    rng = np.random.default_rng(2)
    leaves = {"X": rng.standard_normal((2, 4)), "W[1]": rng.standard_normal((3, 4)), "b[1]": rng.standard_normal(3),
              "t": 2 * rng.standard_normal((2, 3))}
    ours = evaluate(d, leaves)
    a = torch.tensor(ours["A[1]"], requires_grad=True)
    loss = torch.nn.HuberLoss(reduction=reduction, delta=1.0)(a, torch.tensor(leaves["t"]))
    loss.backward()
    assert ours["L"][0] == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(ours["dL/dA[1]"], a.grad.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind, formula", [("relu", "Max(0, z)"), ("sigmoid", "1/(1 + exp(-z))"), ("tanh", "tanh(z)"),
                                           ("identity", "z")])
def test_each_built_in_activation_equals_its_formula(kind, formula):
    """The hand-written rules and the formula path give the same entries (at random points, and at 0
    where relu has its kink: both take 0)."""
    assert set(ACTIVATIONS) == {"relu", "sigmoid", "tanh", "identity"}
    built, by_formula = (derive(NetworkSpec((1, 2, 3), (layer,))) for layer in (Activation(kind), FormulaActivation(formula)))
    rng = np.random.default_rng(3)
    x = rng.standard_normal((1, 2, 3))
    x[0, 0, 0] = 0.0
    leaves = {"X": x, "dL/dA[1]": rng.standard_normal((1, 2, 3))}
    one, two = evaluate(built, leaves), evaluate(by_formula, leaves)
    for name in ("A[1]", "dL/dX"):
        np.testing.assert_allclose(one[name], two[name], rtol=1e-13, atol=1e-13, err_msg=name)


def test_the_derivative_is_written_with_the_output_where_shorter():
    assert str(FormulaActivation("1/(1 + exp(-z))").in_output) == "-a**2 + a"
    assert str(FormulaActivation("tanh(z)").in_output) == "1 - a**2"
    assert str(FormulaActivation("exp(z)").in_output) == "a"
    assert FormulaActivation("z / (1 + exp(-z))").in_output is None


def test_a_kink_is_stated_with_the_value_taken_there():
    from symconv.layers.base import DocStep

    words = FormulaActivation("Piecewise((z, z > 0), (alpha*z, True))", {"alpha": 0.01}).words(
        DocStep(2, (3,), (3,), {"in": "a", "out": "a"}, r"\delta")).backward["in"]
    assert "At $z = 0$ the slopes on either side differ" in words and r"f'(0) = \frac{1}{100}" in words


MALICIOUS = ["__import__('os').system('true')", "z.__class__", "(lambda q: q)(z)", "'z'", "(" * 10000 + "z" + ")" * 10000,
             "z" + " + z" * 350000, "exec('1')", "open('/etc/passwd')", "[c for c in z]", "9**9**9**9"]


@pytest.mark.parametrize("formula", MALICIOUS, ids=range(len(MALICIOUS)))
def test_malicious_formulas_are_one_line_and_quick(formula, tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [2]\n[[layer]]\ntype = "activation"\nformula = ' + repr(formula).replace("\\'", "'") + "\n")
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "symconv", "render", "--network", str(path), "--format", "json",
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    # The parse itself: one line and well under a second (the process start is Python's and SymPy's import).
    assert done.returncode == 2 and len(done.stderr.strip().splitlines()) == 1, done.stderr[:500]
    assert "formula" in done.stderr and not (tmp_path / "out").exists()
    t = time.perf_counter()
    with pytest.raises(SpecError):
        FormulaActivation(formula)
    assert time.perf_counter() - t < 5  # evaluating any of them would not end: a bound, not a benchmark
    assert time.perf_counter() - start < 30


def test_bad_params_are_one_line():
    with pytest.raises(SpecError, match="parameter 'z' is not valid"):
        FormulaActivation("z", {"z": 1.0})
    with pytest.raises(SpecError, match="parameter alpha = 'x' is not valid"):
        FormulaActivation("alpha*z", {"alpha": "x"})
    with pytest.raises(SpecError, match="the name 'beta'"):
        FormulaActivation("beta*z", {"alpha": 1.0})


@pytest.mark.parametrize("name", sorted(MODULES))
def test_each_formula_renders_without_an_overfull_box(name):
    from symconv import render
    from symconv.rendering.pdf import overfull_boxes

    from .conftest import need_latex

    need_latex()
    formula, params, _ = MODULES[name]
    net = NetworkSpec((3,), (Dense(2, True), FormulaActivation(formula, params), Dense(2, True),
                             FormulaLoss(HUBER, {"delta": 1.0})))
    rendered = render(derive(net), ("pdf",))
    assert not rendered.errors and overfull_boxes(rendered.latex_log) == []


def test_the_api_takes_a_sympy_expression():
    from sympy import Symbol, exp

    z = Symbol("z")
    layer = FormulaActivation(z / (1 + exp(-z)))
    assert layer == FormulaActivation("z/(1 + exp(-z))") and layer.expression == FormulaActivation("z / (1 + exp(-z))").expression
