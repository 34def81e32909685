"""The batch axis (issue 14): a published worked example over a batch, the shapes and the sums, the
loss's reductions against PyTorch, random batched networks against NumPy and PyTorch, its errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, Rational, simplify

from symconv import ConvSpec, derive
from symconv.layers import Dense, MeanSquaredError, SoftmaxCrossEntropy
from symconv.network import NetworkSpec, load_network
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

from .strategies import networks

EXAMPLES = Path(__file__).parents[1] / "examples"

# E. Stevens, L. Antiga, T. Viehmann, Deep Learning with PyTorch (Manning, 2020), chapter 5, "The
# mechanics of learning"; the book's code: github.com/deep-learning-with-pytorch/dlwpt-code,
# p1ch5/1_parameter_estimation.ipynb and p1ch5/2_autograd.ipynb.
T_C = [0.5, 14.0, 15.0, 28.0, 11.0, 8.0, 3.0, -4.0, 6.0, 13.0, 21.0]
T_U = [35.7, 55.9, 58.2, 81.9, 56.3, 48.9, 33.9, 21.8, 48.4, 60.4, 68.4]


def _thermometer(scale: float) -> dict[str, np.ndarray]:
    d = derive(load_network(EXAMPLES / "batch_linear_regression.toml"))
    return evaluate(d, {"X": scale * np.array(T_U)[:, None], "W[1]": np.array([[1.0]]), "b[1]": np.array([0.0]),
                        "t": np.array(T_C)[:, None]})


def test_stevens_antiga_viehmann_batch_example():
    """The book's model w t_u + b at w = 1, b = 0 on all 11 readings at once, loss the mean of the
    squared errors. The book prints PyTorch's float32 results to four decimals: loss 1763.8846 and
    gradient [4517.2969, 82.6000]; with the inputs scaled by 0.1, loss 80.364342 and gradient
    [-77.6140, -10.6400]. The bias's gradients (the mean error, times 2) are exact in float32 too."""
    values = _thermometer(1.0)
    assert values["dL/db[1]"][0] == pytest.approx(82.6, abs=1e-8)
    assert values["L"][0] == pytest.approx(1763.8846, rel=1e-7)  # float32, printed to 4 decimals
    assert values["dL/dW[1]"][0, 0] == pytest.approx(4517.2969, rel=2e-7)
    scaled = _thermometer(0.1)
    assert scaled["dL/db[1]"][0] == pytest.approx(-10.64, abs=1e-8)
    assert scaled["L"][0] == pytest.approx(80.364342, rel=1e-7)
    assert scaled["dL/dW[1]"][0, 0] == pytest.approx(-77.6140, rel=1e-6)


def test_the_book_formulas_in_float64():
    """To 1e-8, against the book's own hand-written gradient (its grad_fn: dL/dt_p = 2 (t_p - t_c) / N,
    dL/dw = sum dL/dt_p t_u, dL/db = sum dL/dt_p) evaluated in float64 here."""
    t_u, t_c = np.array(T_U), np.array(T_C)
    for scale in (1.0, 0.1):
        values = _thermometer(scale)
        t_p = scale * t_u
        dl_dtp = 2 * (t_p - t_c) / t_u.size
        assert values["L"][0] == pytest.approx(((t_p - t_c) ** 2).mean(), abs=1e-8)
        assert values["dL/dW[1]"][0, 0] == pytest.approx((dl_dtp * scale * t_u).sum(), abs=1e-8)
        assert values["dL/db[1]"][0] == pytest.approx(dl_dtp.sum(), abs=1e-8)


def test_shapes_and_the_sums_written_out():
    """X, every activation, the target and their gradients get the batch axis; the parameters do not.
    A shared weight's gradient holds one term per example; the mean's 1/N reaches every example."""
    d = derive(NetworkSpec((2,), (Dense(1), MeanSquaredError()), batch=3))
    assert d["X"].shape == (3, 2) and d["A[1]"].shape == (3, 1) and d["t"].shape == (3, 1)
    assert d["W[1]"].shape == (1, 2) and d["dL/dW[1]"].shape == (1, 2) and d["L"].shape == (1,)
    x, e, g = d["X"].symbols, d["A[2]"].symbols, d["dL/dA[1]"].symbols
    # dL/dW_{1,1} = sum_n delta^{(n)} x^{(n)}_1 with delta^{(n)} = (2/3) e^{(n)}; L = (1/3) sum_n e^{(n)2}
    assert simplify(d["dL/dW[1]"].entries[0] - Add(*(g[n] * x[2 * n] for n in range(3)))) == 0
    assert list(d["dL/dA[1]"].entries) == [Rational(2, 3) * v for v in e]
    assert simplify(d["L"].entries[0] - Rational(1, 3) * Add(*(v**2 for v in e))) == 0
    assert d["X"].labels[0] == "x^{(1)}_{1}" and d["A[1]"].labels[-1] == "a^{[1](3)}_{1}"


def test_a_batch_of_one_is_one_example():
    """Every entry of a batch of one equals the unbatched derivation's (symbols renamed aside)."""
    net = load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")
    one, plain = derive(dataclasses.replace(net, batch=1)), derive(net)
    leaves = {t.name: np.random.default_rng(0).standard_normal(t.shape) for t in plain.tensors if t.entries is None}
    leaves["t"] = np.eye(leaves["t"].size)[1]
    a = evaluate(plain, leaves)
    b = evaluate(one, {k: v[None] if k in ("X", "t") else v for k, v in leaves.items()})
    for name, value in a.items():
        np.testing.assert_allclose(np.reshape(b[name], value.shape), value, rtol=1e-12, atol=1e-12, err_msg=name)


@pytest.mark.parametrize("loss", [MeanSquaredError("mean"), MeanSquaredError("sum"), MeanSquaredError("half_sum"),
                                  SoftmaxCrossEntropy("mean"), SoftmaxCrossEntropy("sum")], ids=repr)
def test_every_reduction_over_a_batch_matches_pytorch(loss):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(NetworkSpec((3,), (Dense(2, True), loss), batch=4)), seed=6, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@settings(max_examples=12, deadline=None)
@given(networks(), st.integers(1, 3))
def test_random_batched_networks_match_numpy_and_pytorch(net, batch):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(dataclasses.replace(net, batch=batch)), seed=batch, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@pytest.mark.parametrize("value", [0, -1, True, 2.5, "4"])
def test_a_bad_batch_is_one_line(value):
    with pytest.raises(SpecError, match=f"batch {value!r} is not valid" if not isinstance(value, bool) else "batch"):
        NetworkSpec((2,), (Dense(1),), batch=value)
    with pytest.raises(SpecError, match="batch"):
        ConvSpec(batch=value)


def test_batch_in_a_network_file_and_on_the_command_line(tmp_path, capsys):
    from symconv.cli import main

    path = tmp_path / "net.toml"
    path.write_text('batch = 0\ninput = [2]\n[[layer]]\ntype = "dense"\nout_features = 1\n')
    with pytest.raises(SystemExit) as stop:
        main(["render", "--network", str(path), "--format", "json", "--out", str(tmp_path / "a")])
    assert stop.value.code == 2 and "batch 0 is not valid" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        main(["render", "--batch", "2", "--format", "json", "--out", str(tmp_path / "b")])
    assert stop.value.code == 0
    import json

    data = json.loads((tmp_path / "b" / "derivation.json").read_text())
    shapes = {t["name"]: t["shape"] for t in data["tensors"]}
    assert shapes["X"] == [2, 1, 3, 3] and shapes["K"] == [1, 1, 2, 2] and shapes["dL/dK"] == [1, 1, 2, 2]


def test_check_grades_claims_about_a_batch():
    """A claim that forgets the sum over the examples is wrong, with the missing example's terms."""
    from symconv.grading import check_claim

    d = derive(ConvSpec(input=3, kernel=2, batch=2))
    full = (r"\frac{\partial L}{\partial k_{1,1}} = \sum_{n=1}^{2}\sum_{r=1}^{2}\sum_{s=1}^{2} "
            r"\frac{\partial L}{\partial y^{(n,1)}_{r,s}} x^{(n,1)}_{r,s}")
    assert check_claim(full, d).status == "right"
    one = check_claim(full.replace(r"\sum_{n=1}^{2}", "").replace("(n,1)", "(1,1)"), d)
    assert one.status == "wrong" and any("y^{(2,1)}_{1,1}" in term for term in one.missing)
    forward = r"y^{(2,1)}_{1,1} = x^{(2,1)}_{1,1} k_{1,1} + x^{(2,1)}_{1,2} k_{1,2} + x^{(2,1)}_{2,1} k_{2,1} + x^{(2,1)}_{2,2} k_{2,2}"
    assert check_claim(forward, d).status == "right"
