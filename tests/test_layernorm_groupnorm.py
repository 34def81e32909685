"""Layer and group normalization (issue 25): each example normalized on its own, derived in the steps batch
normalization uses; hand-written values, sympy.diff of the definition (every gradient and the local
Jacobian), NumPy and PyTorch over random configurations, PyTorch's modules imported, and bad fields."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import Add, Rational, diff, sqrt

from symconv import derive
from symconv.network import NetworkSpec
from symconv.spec import SpecError

EPS = Rational(1, 100000)


def net(table: dict, shape, batch=None) -> NetworkSpec:
    return NetworkSpec.from_dict({"input": list(shape), "batch": batch, "layer": [table]})


def _leaves_only(d) -> dict:
    """Every stage symbol (mean, variance, normalized input and their gradients) -> its entry in the leaves."""
    values = {}
    for t in d.tensors:
        if t.symbols is not None and t.entries is not None:
            values.update({s: e.xreplace(values) for s, e in zip(t.symbols, t.entries)})
    return values


def test_layer_norm_hand_written_values():
    # x = (1, 3): mean 2, variance 1, normalized (-1, 1) / sqrt(1 + eps); gamma (2, 1), beta (0, 1).
    d = derive(net({"type": "layernorm"}, (2,)))
    x, gamma, beta = d["X"].symbols, d["gamma[1]"].symbols, d["beta[1]"].symbols
    values = _leaves_only(d)
    point = {x[0]: 1, x[1]: 3, gamma[0]: 2, gamma[1]: 1, beta[0]: 0, beta[1]: 1}
    root = math.sqrt(1 + 1e-5)
    assert [float(e.xreplace(values).xreplace(point)) for e in d["A[1]"].entries] == pytest.approx(
        [-2 / root, 1 / root + 1], abs=1e-12)
    assert [float(d["mu[1]"].entries[0].xreplace(point)), float(d["var[1]"].entries[0].xreplace(values).xreplace(point))] \
        == [2.0, 1.0]


def test_group_norm_hand_written_values():
    # Two channels of two entries in one group: x = (0, 2 | 4, 6), mean 3, variance 5, gamma (1, 2), beta 0.
    d = derive(net({"type": "groupnorm", "groups": 1}, (2, 1, 2)))
    x, gamma, beta = d["X"].symbols, d["gamma[1]"].symbols, d["beta[1]"].symbols
    values = _leaves_only(d)
    point = {**dict(zip(x, (0, 2, 4, 6))), gamma[0]: 1, gamma[1]: 2, beta[0]: 0, beta[1]: 0}
    root = math.sqrt(5 + 1e-5)
    assert [float(e.xreplace(values).xreplace(point)) for e in d["A[1]"].entries] == pytest.approx(
        [-3 / root, -1 / root, 2 / root, 6 / root], abs=1e-12)


def _definition(kind: str, x, gamma, beta, shape, size: int, scale_of):
    """y written from PyTorch's definition, group by group (groups of `size` consecutive entries)."""
    y = []
    for f, xf in enumerate(x):
        group = x[f // size * size:(f // size + 1) * size]
        mu = Add(*group) / size
        var = Add(*((v - mu) ** 2 for v in group)) / size
        y.append(gamma[scale_of(f)] * (xf - mu) / sqrt(var + EPS) + beta[scale_of(f)])
    return y


@pytest.mark.parametrize("table, shape, batch, size, scale_of", [
    ({"type": "layernorm"}, (1, 1, 3), None, 3, lambda f: f % 3),
    ({"type": "layernorm", "normalized_shape": [2]}, (2, 1, 2), None, 2, lambda f: f % 2),
    ({"type": "layernorm", "affine": False}, (2,), 2, 2, None),
    ({"type": "groupnorm", "groups": 2}, (2, 1, 2), None, 2, lambda f: f // 2),
    ({"type": "groupnorm", "groups": 1}, (2, 1, 2), None, 4, lambda f: f // 2),
    ({"type": "groupnorm", "groups": 1}, (3,), 2, 3, lambda f: f),
])
def test_every_entry_is_sympy_diff_of_the_definition(table, shape, batch, size, scale_of):
    """L = sum g y, y written from the definition here; SymPy's derivative by every input and parameter entry,
    and the local Jacobian, equal the derivation's entries (its steps substituted back) exactly."""
    d = derive(net(table, shape, batch))
    affine = table.get("affine", True)
    values = _leaves_only(d)
    x, g = d["X"].symbols, d["dL/dA[1]"].symbols
    gamma = d["gamma[1]"].symbols if affine else None
    beta = d["beta[1]"].symbols if affine else None
    per = int(np.prod(shape))
    y = []
    for n in range(batch or 1):  # each example on its own
        xs = x[n * per:(n + 1) * per]
        y += _definition(table["type"], xs, gamma or [1] * per, beta or [0] * per, shape, size,
                         scale_of if affine else (lambda f: f))
    assert all((a.xreplace(values) - b).simplify() == 0 for a, b in zip(d["A[1]"].entries, y))
    loss = Add(*(gf * yf for gf, yf in zip(g, y)))
    checks = [("X", x)] + ([("gamma[1]", gamma), ("beta[1]", beta)] if affine else [])
    for name, leaves in checks:
        for s, e in zip(leaves, d[f"dL/d{name}"].entries):
            assert (diff(loss, s) - e.xreplace(values).xreplace(values)).simplify() == 0, (name, s)
    if batch is None:
        jac = d.jacobian("X")
        assert jac.shape == (per, per)
        from symconv.vec import vec_order

        rows, cols = vec_order(d["A[1]"].shape), vec_order(d["X"].shape)
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                assert (jac.matrix[a, b].xreplace(values).xreplace(values) - diff(y[r], x[c])).simplify() == 0


@settings(max_examples=16)
@given(kind=st.sampled_from(["layernorm", "groupnorm"]), channels=st.integers(1, 4), h=st.integers(1, 2),
       w=st.integers(1, 3), vector=st.booleans(), batch=st.sampled_from([None, 2]), affine=st.booleans(),
       eps=st.sampled_from([1e-5, 1e-2]), data=st.data())
def test_random_layers_match_numpy_and_pytorch(kind, channels, h, w, vector, batch, affine, eps, data):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    shape = (channels * h * w,) if vector else (channels, h, w)
    table = {"type": kind, "affine": affine, "eps": eps}
    if kind == "layernorm":
        k = data.draw(st.integers(1, len(shape)))
        table["normalized_shape"] = list(shape[len(shape) - k:])
        size = int(np.prod(shape[len(shape) - k:]))
    else:
        table["groups"] = data.draw(st.sampled_from([g for g in range(1, shape[0] + 1) if shape[0] % g == 0]))
        size = int(np.prod(shape)) // table["groups"]
    if size < 2:
        with pytest.raises(SpecError, match="groups of a single value"):
            net(table, shape, batch)
        return
    report = verify(derive(net(table, shape, batch)), seed=data.draw(st.integers(0, 99)), use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report
    assert {"mu[1]", "var[1]", "xhat[1]", "dL/dmu[1]", "dL/dvar[1]", "dL/dxhat[1]"} <= {c.tensor for c in report.comparisons}


def test_pytorch_modules_imported_match_the_module_itself(plain_sympy):
    """A conv net with GroupNorm, LayerNorm over (C, H, W) and over the last dimension, and a vector LayerNorm,
    imported from PyTorch and compared with the module's own output and gradients (from the plain-SymPy JSON
    for one example, from symconv's SymPy entries for a batch)."""
    from .conftest import need_torch
    from .test_torch_import import compare, randomized

    need_torch()
    import torch

    nn = torch.nn
    module = randomized(nn.Sequential(
        nn.Conv2d(1, 4, 2), nn.GroupNorm(2, 4), nn.ReLU(), nn.Conv2d(4, 2, 1), nn.LayerNorm([2, 2, 2]), nn.Tanh(),
        nn.LayerNorm(2, eps=1e-3), nn.Flatten(), nn.Linear(8, 3), nn.LayerNorm(3, elementwise_affine=False)), seed=7)
    from symconv.rendering.json_format import to_json

    compare(module, (1, 3, 3), seed=7, evaluate=lambda d, leaves: plain_sympy(to_json(d), leaves))
    compare(module, (1, 3, 3), batch=2, seed=7)


def test_the_import_writes_their_fields():
    from .conftest import need_torch

    need_torch()
    import torch

    from symconv.torch_import import from_torch

    spec = from_torch(torch.nn.Sequential(torch.nn.GroupNorm(2, 4, eps=1e-3), torch.nn.LayerNorm([2, 2])), (4, 2, 2))
    assert [layer.as_fields() for layer in spec.layers] == [
        {"type": "groupnorm", "groups": 2, "eps": 1e-3, "affine": True},
        {"type": "layernorm", "normalized_shape": [2, 2], "eps": 1e-5, "affine": True}]


def test_pytorchs_own_field_names_are_read_too():
    spec = NetworkSpec.from_dict({"input": [4, 1, 1], "layer": [{"type": "groupnorm", "num_groups": 2},
                                                              {"type": "layernorm", "elementwise_affine": False}]})
    assert (spec.layers[0].groups, spec.layers[1].affine) == (2, False)


@pytest.mark.parametrize("table, shape, message", [
    ({"type": "layernorm", "normalized_shape": [3]}, (2, 2, 2), "normalized_shape [3] is not the trailing dimensions of "
                                                                 "the input [2, 2, 2]"),
    ({"type": "layernorm", "normalized_shape": [2, 2, 2, 2]}, (2, 2, 2), "normalized_shape [2, 2, 2, 2] is not valid"),
    ({"type": "layernorm", "normalized_shape": "2"}, (2,), "normalized_shape '2' is not valid"),
    ({"type": "layernorm", "normalized_shape": [1]}, (2, 2, 1), "would normalize groups of a single value"),
    ({"type": "layernorm", "eps": 0}, (2,), "eps 0 is not valid"),
    ({"type": "groupnorm", "groups": 3}, (4, 1, 1), "groups 3 does not divide the input's 4 channels"),
    ({"type": "groupnorm", "groups": 2}, (2, 1, 1), "would normalize groups of a single value"),
    ({"type": "groupnorm", "groups": 0}, (2, 1, 1), "groups 0 is not valid"),
    ({"type": "groupnorm"}, (2, 1, 1), "field 'groups' is missing"),
    ({"type": "groupnorm", "groups": 1, "affine": "yes"}, (2, 1, 1), "affine 'yes' is not valid"),
])
def test_bad_fields_are_one_line(table, shape, message):
    with pytest.raises(SpecError) as error:
        net(table, shape)
    assert message in str(error.value) and "\n" not in str(error.value)


def test_the_document_writes_the_groups(tmp_path):
    from symconv import render

    d = derive(net({"type": "groupnorm", "groups": 2}, (4, 1, 2), batch=2))
    md = render(d, ("md",)).files["derivation.md"].decode()
    assert "splits the 4 channels into 2 groups of 2" in md and r"c \in G_g" in md
    d = derive(net({"type": "layernorm", "normalized_shape": [2]}, (2, 1, 2)))
    md = render(d, ("md",)).files["derivation.md"].decode()
    assert "over its width (2 entries), once for each $c,i$" in md and r"\mu^{[1]}_{c,i}" in md


@pytest.mark.parametrize("table, shape, claim, status", [
    ({"type": "layernorm"}, (3,), r"\mu^{[1]} = \frac{1}{3} (x_{1} + x_{2} + x_{3})", "right"),
    ({"type": "layernorm"}, (3,), r"a^{[1]}_{1} = \gamma^{[1]}_{1} \hat{x}^{[1]}_{1} + \beta^{[1]}_{1}", "right"),
    ({"type": "layernorm"}, (3,), r"\frac{\partial L}{\partial \gamma^{[1]}_{2}} = \frac{\partial L}{\partial a^{[1]}_{2}} "
                                  r"\hat{x}^{[1]}_{2}", "right"),
    ({"type": "layernorm"}, (3,), r"\frac{\partial L}{\partial \beta^{[1]}_{2}} = 2 \frac{\partial L}{\partial a^{[1]}_{2}}",
     "wrong"),
    ({"type": "groupnorm", "groups": 2}, (4, 1, 1), r"\mu^{[1]}_{1} = \frac{1}{2} (x^{(1)}_{1,1} + x^{(2)}_{1,1})", "right"),
    ({"type": "groupnorm", "groups": 2}, (4, 1, 1), r"\mu^{[1]}_{2} = \frac{1}{2} (x^{(1)}_{1,1} + x^{(2)}_{1,1})", "wrong"),
])
def test_check_grades_claims_about_them(table, shape, claim, status):
    from symconv import check

    assert check(None, derive(net(table, shape)), claims=[claim])[0].status == status
