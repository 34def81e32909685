"""Batch normalization in eval mode (issue 25): the running statistics are constants of the layer (numbers,
or symbols when the file leaves them out); hand-written values, sympy.diff of the definition, NumPy and
PyTorch (F.batch_norm and the modules BatchNorm1d/2d in eval mode) over random configurations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, Rational, Symbol, diff, sqrt

from symconv import derive
from symconv.network import NetworkSpec
from symconv.spec import SpecError


def net(table: dict, shape, batch=None) -> NetworkSpec:
    return NetworkSpec.from_dict({"input": list(shape), "batch": batch, "layer": [{"type": "batchnorm", "training": False,
                                                                                    **table}]})


def test_hand_written_values():
    # One channel of two entries, running mean 1 and variance 0.25 (eps 1e-5 added), gamma 2, beta 0.5:
    # y = 2 (x - 1) / sqrt(0.25001) + 0.5, so x = (3, 1) gives y = (4 / sqrt(0.25001) + 0.5, 0.5).
    d = derive(net({"running_mean": [1.0], "running_var": [0.25]}, (1, 1, 2)))
    x, gamma, beta = d["X"].symbols, d["gamma[1]"].symbols, d["beta[1]"].symbols
    point = {x[0]: 3, x[1]: 1, gamma[0]: 2, beta[0]: Rational(1, 2)}
    root = math.sqrt(0.25001)
    assert [float(e.xreplace(point)) for e in d["A[1]"].entries] == pytest.approx([4 / root + 0.5, 0.5], abs=1e-12)
    g = d["dL/dA[1]"].symbols
    point.update({g[0]: 1, g[1]: -3})
    # dL/dx = g gamma / sqrt(var + eps); dL/dgamma = sum g (x - mu) / sqrt(var + eps); dL/dbeta = sum g.
    assert [float(e.xreplace(point)) for e in d["dL/dX"].entries] == pytest.approx([2 / root, -6 / root], abs=1e-12)
    assert float(d["dL/dgamma[1]"].entries[0].xreplace(point)) == pytest.approx(2 / root, abs=1e-12)
    assert d["dL/dbeta[1]"].entries[0].xreplace(point) == -2


@pytest.mark.parametrize("shape, batch, affine", [((2, 1, 2), None, True), ((2,), 3, True), ((1, 2, 1), 2, False)])
def test_every_entry_is_sympy_diff_of_the_definition(shape, batch, affine):
    """With the statistics left out (symbols), L = sum g y written from PyTorch's definition here,
    differentiated by SymPy, gives every gradient entry exactly."""
    d = derive(net({"affine": affine}, shape, batch))
    eps = Rational(1, 100000)
    x, g, y = d["X"].symbols, d["dL/dA[1]"].symbols, []
    mu, var = d["mu[1]"].symbols, d["var[1]"].symbols
    gamma = d["gamma[1]"].symbols if affine else [1] * shape[0]
    beta = d["beta[1]"].symbols if affine else [0] * shape[0]
    per_channel = int(np.prod(shape[1:]))
    for f, xf in enumerate(x):
        c = (f // per_channel) % shape[0]
        y.append(gamma[c] * (xf - mu[c]) / sqrt(var[c] + eps) + beta[c])
    assert all((a - b).expand() == 0 for a, b in zip(d["A[1]"].entries, y))
    loss = Add(*(gf * yf for gf, yf in zip(g, y)))
    for name, leaves in (("X", x), *((("gamma[1]", gamma), ("beta[1]", beta)) if affine else ())):
        assert all((diff(loss, s) - e).expand() == 0 for s, e in zip(leaves, d[f"dL/d{name}"].entries)), name


@settings(max_examples=12)
@given(channels=st.integers(1, 3), image=st.booleans(), batch=st.sampled_from([None, 2]), affine=st.booleans(),
       given_mean=st.booleans(), given_var=st.booleans(), eps=st.sampled_from([1e-5, 1e-3, 0.1]), seed=st.integers(0, 99))
def test_random_layers_match_numpy_and_pytorch(channels, image, batch, affine, given_mean, given_var, eps, seed):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    rng = np.random.default_rng(seed)
    table = {"affine": affine, "eps": eps}
    if given_mean:
        table["running_mean"] = rng.normal(size=channels).tolist()
    if given_var:
        table["running_var"] = (rng.random(channels) * 3).tolist()
    shape = (channels, 2, 1) if image else (channels,)
    report = verify(derive(net(table, shape, batch)), seed=seed, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@pytest.mark.parametrize("dims", [1, 2])
def test_pytorch_eval_modules_imported_match_the_module_itself(dims):
    """BatchNorm1d after a Linear and BatchNorm2d after a Conv2d, in eval mode with trained-looking running
    statistics: imported, derived and compared with the module's own output and gradients."""
    from .conftest import need_torch
    from .test_torch_import import compare, randomized

    need_torch()
    import torch

    nn = torch.nn
    if dims == 1:
        module = nn.Sequential(nn.Flatten(), nn.Linear(4, 3), nn.BatchNorm1d(3), nn.Tanh())
    else:
        module = nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2, eps=1e-3), nn.ReLU())
    module = randomized(module, seed=dims)
    bn = module[2] if dims == 1 else module[1]
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(bn.num_features, dtype=torch.float64))
        bn.running_var.copy_(torch.rand(bn.num_features, dtype=torch.float64) + 0.2)
    module.eval()
    for batch in (None, 2):
        compare(module, (1, 2, 2) if dims == 1 else (1, 3, 3), batch=batch, seed=dims)


def test_the_import_writes_the_running_statistics():
    from .conftest import need_torch

    need_torch()
    import torch

    from symconv.torch_import import from_torch

    bn = torch.nn.BatchNorm2d(2)
    bn.running_mean.copy_(torch.tensor([0.25, -1.5]))
    spec = from_torch(torch.nn.Sequential(bn).eval(), (2, 2, 2))
    assert spec.layers[0].as_fields() == {"type": "batchnorm", "eps": 1e-5, "affine": True, "training": False,
                                          "running_mean": [0.25, -1.5], "running_var": [1.0, 1.0]}
    assert from_torch(torch.nn.Sequential(bn).train(), (2, 2, 2), batch=2).layers[0].training


@pytest.mark.parametrize("table, shape, message", [
    ({"training": True, "running_mean": [0.0]}, (1,), "running_mean is used in eval mode only: give training = false"),
    ({"running_var": [1.0, -1.0]}, (2,), "running_var [1.0, -1.0] is not valid: give a list of numbers from 0"),
    ({"running_mean": [0.0]}, (2, 1, 1), "layer 1 (batchnorm): running_mean has 1 values, but the input has 2 channels"),
    ({"running_mean": "0"}, (1,), "running_mean '0' is not valid"),
    ({"running_mean": [True]}, (1,), "running_mean [True] is not valid"),
    ({"training": "false"}, (1,), "training 'false' is not valid: give true"),
])
def test_bad_running_statistics_are_one_line(table, shape, message):
    with pytest.raises(SpecError) as error:
        NetworkSpec.from_dict({"input": list(shape), "layer": [{"type": "batchnorm", "training": False, **table}]})
    assert message in str(error.value) and "\n" not in str(error.value)


def test_given_statistics_are_numbers_in_the_entries_and_the_spec_echoes_them():
    d = derive(net({"running_mean": [0.5], "running_var": [2.0]}, (1, 1, 2)))
    assert d.spec.as_dict()["layers"][0]["running_var"] == [2.0]
    assert d["A[1]"].entries[0].free_symbols == {d["X"].symbols[0], d["gamma[1]"].symbols[0], d["beta[1]"].symbols[0]}


def test_check_grades_a_claim_with_the_symbolic_statistics():
    """The grader tests the running variance at positive values: the right formula is right, and eps
    written wrong is wrong."""
    from symconv import check

    d = derive(net({}, (2,)))
    claim = r"a^{[1]}_{1} = \gamma^{[1]}_{1} (x_{1} - \mu^{[1]}_{1}) / \sqrt{{\sigma^2}^{[1]}_{1} + %s} + \beta^{[1]}_{1}"
    assert check(None, d, claims=[claim % "0.00001"])[0].status == "right"
    assert check(None, d, claims=[claim % "0.001"])[0].status == "wrong"
    gradient = r"\frac{\partial L}{\partial x_{2}} = \frac{\partial L}{\partial a^{[1]}_{2}} \gamma^{[1]}_{2} / \sqrt{{\sigma^2}^{[1]}_{2} + 0.00001}"
    assert check(None, d, claims=[gradient])[0].status == "right"
