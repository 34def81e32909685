"""The squared-error loss (issue 14) and vector inputs: a published worked example reproduced, every
reduction against PyTorch, its backward rule against sympy.diff, its errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sympy import Add, diff, simplify

from symconv import derive
from symconv.network import NetworkSpec, load_network
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

EXAMPLE = Path(__file__).parents[1] / "examples" / "two_layer_sigmoid_mse.toml"


def test_mazurs_step_by_step_example_is_reproduced():
    """M. Mazur, "A Step by Step Backpropagation Example" (2015),
    https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/ : inputs 0.05, 0.10;
    hidden weights w1..w4 = 0.15, 0.20, 0.25, 0.30 with bias 0.35 on both hidden neurons; output
    weights w5..w8 = 0.40, 0.45, 0.50, 0.55 with bias 0.60; targets 0.01, 0.99; sigmoids and
    E = 1/2 sum (target - out)^2. Its published numbers, to the nine decimals it gives."""
    d = derive(load_network(EXAMPLE))
    values = evaluate(d, {
        "X": np.array([0.05, 0.10]),
        "W[1]": np.array([[0.15, 0.20], [0.25, 0.30]]), "b[1]": np.array([0.35, 0.35]),
        "W[3]": np.array([[0.40, 0.45], [0.50, 0.55]]), "b[3]": np.array([0.60, 0.60]),
        "t": np.array([0.01, 0.99]),
    })
    assert values["A[2]"][0] == pytest.approx(0.593269992, abs=1e-8)  # out_h1
    assert values["A[2]"][1] == pytest.approx(0.596884378, abs=1e-8)  # out_h2
    assert values["A[4]"] == pytest.approx([0.75136507, 0.772928465], abs=1e-8)  # out_o1, out_o2
    assert values["L"][0] == pytest.approx(0.298371109, abs=1e-8)  # E_total
    assert values["dL/dW[3]"][0, 0] == pytest.approx(0.082167041, abs=1e-8)  # dE/dw5
    assert values["dL/dW[1]"][0, 0] == pytest.approx(0.000438568, abs=1e-8)  # dE/dw1
    # Her updated weights, with learning rate 0.5.
    assert 0.40 - 0.5 * values["dL/dW[3]"][0, 0] == pytest.approx(0.35891648, abs=1e-8)  # w5+
    assert 0.45 - 0.5 * values["dL/dW[3]"][0, 1] == pytest.approx(0.408666186, abs=1e-8)  # w6+
    assert 0.50 - 0.5 * values["dL/dW[3]"][1, 0] == pytest.approx(0.511301270, abs=1e-8)  # w7+
    assert 0.55 - 0.5 * values["dL/dW[3]"][1, 1] == pytest.approx(0.561370121, abs=1e-8)  # w8+
    assert 0.15 - 0.5 * values["dL/dW[1]"][0, 0] == pytest.approx(0.149780716, abs=1e-8)  # w1+
    assert 0.20 - 0.5 * values["dL/dW[1]"][0, 1] == pytest.approx(0.19956143, abs=1e-8)  # w2+
    assert 0.25 - 0.5 * values["dL/dW[1]"][1, 0] == pytest.approx(0.24975114, abs=1e-8)  # w3+
    assert 0.30 - 0.5 * values["dL/dW[1]"][1, 1] == pytest.approx(0.29950229, abs=1e-8)  # w4+


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
def test_every_reduction_matches_pytorch_and_is_the_derivative_of_its_loss(reduction):
    from symconv.layers import Dense, MeanSquaredError
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    d = derive(NetworkSpec((3,), (Dense(2, True), MeanSquaredError(reduction))))
    need_torch()
    report = verify(d, seed=3, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report
    # dL/da_k, written with the error e, is diff(L, a_k) with e put back.
    record = d.records[-1]
    e = dict(zip(d[record.output].symbols, d[record.output].entries))
    loss = d["L"].entries[0].subs(e)
    for a, gradient in zip(d[record.input].symbols, d[f"dL/d{record.input}"].entries):
        assert simplify(gradient.subs(e) - diff(loss, a)) == 0


@pytest.mark.parametrize("text, message", [
    ('input = [2]\n[[layer]]\ntype = "mse"\nreduction = "avg"\n', "reduction 'avg' is not valid: use one of mean, sum, half_sum"),
    ('input = [2]\n[[layer]]\ntype = "mse"\n[[layer]]\ntype = "relu"\n', "layer 1 (mse): the loss must be the last layer"),
    ("input = [0]\n", "input size"),
    ("input = [2, 3]\n", "give [channels, height, width] for an image or [n] for a vector"),
])
def test_bad_fields_are_one_line(text, message, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text(text + ('[[layer]]\ntype = "relu"\n' if "layer" not in text else ""))
    with pytest.raises(SpecError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        load_network(path)


def test_a_vector_network_renders_and_check_reads_it():
    from symconv import check, render

    spec = load_network(EXAMPLE)
    md = render(spec, "md").files["derivation.md"].decode()
    assert "squared error, half the sum" in md and r"e = a^{[4]} - t" in md
    verdicts = check(None, spec, claims=[r"\frac{\partial L}{\partial a^{[4]}_{1}} = e_{1}",
                                         r"\frac{\partial L}{\partial a^{[4]}_{1}} = 2 e_{1}"])
    assert [v.status for v in verdicts] == ["right", "wrong"]
