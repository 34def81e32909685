"""Batch normalization (issue 15): derived in steps, the compact three-term formula proved equal to the
steps by SymPy at several sizes, random layers against PyTorch, its errors and the ResNet block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from sympy import Add, Rational, simplify, sqrt

from symconv import derive, load_network
from symconv.layers import BatchNorm
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

from .strategies import batchnorm_networks

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("shape, batch, affine", [((2,), 3, True), ((1, 2, 2), 2, True), ((2, 1, 2), 2, False),
                                                  ((3,), 2, False)])
def test_the_compact_formula_equals_the_steps(shape, batch, affine):
    """dL/dx from the steps (through x-hat, the variance and the mean, each step's symbols replaced by
    its entries) minus the compact formula gamma / (m sqrt(var + eps)) (m g - sum g - xhat sum g xhat),
    written here from its textbook form, simplifies to exactly 0 for every entry."""
    d = derive(NetworkSpec(shape, (BatchNorm(affine=affine),), batch=batch))
    eps = Rational(1, 100000)
    x, g = d["X"].symbols, d["dL/dA[1]"].symbols
    # The steps, substituted back to the leaves: forward stages first, then the backward ones.
    values = {}
    for name in ("mu[1]", "var[1]", "xhat[1]", "dL/dxhat[1]", "dL/dvar[1]", "dL/dmu[1]"):
        t = d[name]
        values.update({s: e.xreplace(values) for s, e in zip(t.symbols, t.entries)})
    steps = [e.xreplace(values) for e in d["dL/dX"].entries]
    c_n = shape[0]
    size = int(np.prod(shape[1:]))
    channel = lambda f: (f // size) % c_n
    members = [[f for f in range(len(x)) if channel(f) == c] for c in range(c_n)]
    m = len(members[0])
    gamma = d["gamma[1]"].symbols if affine else [1] * c_n
    for f in range(len(x)):
        c, group = channel(f), members[channel(f)]
        mu = Add(*(x[k] for k in group)) / m
        var = Add(*((x[k] - mu) ** 2 for k in group)) / m
        xhat = lambda k: (x[k] - mu) / sqrt(var + eps)
        compact = gamma[c] / (m * sqrt(var + eps)) * (m * g[f] - Add(*(g[k] for k in group))
                                                       - xhat(f) * Add(*(g[k] * xhat(k) for k in group)))
        assert simplify(steps[f] - compact) == 0, f


def _check(net, seed):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(net), seed=seed, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@settings(max_examples=20, deadline=None)
@given(batchnorm_networks())
def test_random_batchnorm_layers_match_numpy_and_pytorch(net):
    _check(net, 7)


def test_the_resnet_basic_block_matches_numpy_and_pytorch():
    _check(load_network(EXAMPLES / "resnet_basic_block.toml"), 3)


def test_hand_written_values():
    """Two examples of one feature, 1 and 3: mean 2, biased variance 1, normalized -1/sqrt(1 + eps) and
    +1/sqrt(1 + eps); with gamma = 2, beta = 5 the outputs are 5 -+ 2/sqrt(1 + eps). An upstream gradient
    of (1, 1) gives dL/dx = 0 (a shift of every input changes nothing), dL/dbeta = 2, dL/dgamma = 0."""
    d = derive(NetworkSpec((1,), (BatchNorm(),), batch=2))
    v = evaluate(d, {"X": np.array([[1.0], [3.0]]), "gamma[1]": np.array([2.0]), "beta[1]": np.array([5.0]),
                     "dL/dA[1]": np.array([[1.0], [1.0]])})
    s = 1 / np.sqrt(1 + 1e-5)
    assert v["mu[1]"].tolist() == [2.0] and v["var[1]"].tolist() == [1.0]
    np.testing.assert_allclose(v["A[1]"].ravel(), [5 - 2 * s, 5 + 2 * s], rtol=0, atol=1e-12)
    np.testing.assert_allclose(v["dL/dX"].ravel(), [0.0, 0.0], atol=1e-12)
    assert v["dL/dbeta[1]"].tolist() == [2.0]
    np.testing.assert_allclose(v["dL/dgamma[1]"], [0.0], atol=1e-12)


@pytest.mark.parametrize("text, message", [
    ('input = [2]\n[[layer]]\ntype = "batchnorm"\n', "it normalizes over a batch, and the network has none"),
    ('batch = 2\ninput = [2]\n[[layer]]\ntype = "batchnorm"\neps = 0\n', "eps 0 is not valid"),
    ('batch = 2\ninput = [2]\n[[layer]]\ntype = "batchnorm"\naffine = "yes"\n', "affine 'yes' is not valid"),
])
def test_bad_fields_are_one_line(text, message, tmp_path, capsys):
    from symconv.cli import main

    path = tmp_path / "net.toml"
    path.write_text(text)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--network", str(path), "--format", "md", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and message in err, err
    with pytest.raises(SpecError, match="normalizes over a batch"):
        NetworkSpec((2,), (BatchNorm(),))


@pytest.mark.parametrize("shape, batch", [((2,), 3), ((1, 2, 2), 2)])
def test_the_jacobian_is_sympy_diff_of_the_forward_pass(shape, batch):
    """d vec(y) / d vec(x) from the layer's closed form equals sympy.diff of the outputs written out in x
    (the mean, the variance and the normalized input substituted), at random values."""
    from random import Random

    from sympy import Float, diff

    from symconv.vec import vec_order

    d = derive(NetworkSpec(shape, (BatchNorm(),), batch=batch))
    values = {}
    for name in ("mu[1]", "var[1]", "xhat[1]"):
        t = d[name]
        values.update({s: e.xreplace(values) for s, e in zip(t.symbols, t.entries)})
    outputs = [e.xreplace(values) for e in d["A[1]"].entries]
    x = d["X"].symbols
    j = d.jacobian("X", "A[1]")
    rows, cols = vec_order(d["A[1]"].shape), vec_order(d["X"].shape)
    rng = Random(1)
    at = {s: Float(rng.uniform(-2, 2)) for s in [*x, *d["gamma[1]"].symbols, *d["beta[1]"].symbols]}
    for a in range(len(rows)):
        for b in range(len(cols)):
            ours = j.matrix[a, b].xreplace(values).xreplace(at)
            truth = diff(outputs[rows[a]], x[cols[b]]).xreplace(at)
            assert abs(float(ours) - float(truth)) < 1e-10, (a, b)


def test_check_reads_claims_about_the_steps():
    """A student's claims about batch normalization's steps, in the documents' notation, are graded."""
    from symconv.grading import check_claim

    d = derive(NetworkSpec((1,), (BatchNorm(),), batch=2))
    right = [r"a^{[1](1)}_{1} = \gamma^{[1]}_{1} \hat{x}^{[1](1)}_{1} + \beta^{[1]}_{1}",
             r"\mu^{[1]}_{1} = \frac{1}{2} x^{(1)}_{1} + \frac{1}{2} x^{(2)}_{1}",
             r"\frac{\partial L}{\partial \beta^{[1]}_{1}} = \frac{\partial L}{\partial a^{[1](1)}_{1}} + \frac{\partial L}{\partial a^{[1](2)}_{1}}"]
    for claim in right:
        verdict = check_claim(claim, d)
        assert verdict.status == "right", (claim, verdict.reason)
    assert check_claim(r"\mu^{[1]}_{1} = x^{(1)}_{1} + x^{(2)}_{1}", d).status == "wrong"
