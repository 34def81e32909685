"""Numeric checks: the index-array evaluation, the NumPy reference, PyTorch, and the JSON read back."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from hypothesis import given, settings
from sympy import Symbol, lambdify, sympify

from symconv import derive
from symconv.layers import Conv
from symconv.numeric.evaluate import evaluate
from symconv.numeric.verify import random_leaves, verify
from symconv.rendering.json_format import to_json
from symconv.spec import ConvSpec

from .conftest import need_torch
from .strategies import conv_specs

LAYERS = [
    ConvSpec(),
    ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), padding=(1, 0),
             dilation=(1, 2), bias=True),
    ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True, convention="convolution"),
    ConvSpec(input=5, kernel=1, stride=3, padding=2),
]


@pytest.mark.parametrize("spec", LAYERS)
def test_index_arrays_agree_with_lambdify(spec):
    d = derive(spec)
    leaves = random_leaves(d, seed=1)
    ours = evaluate(d, leaves)
    leaf_syms = [s for t in d.tensors if t.entries is None for s in t.symbols]
    leaf_vals = np.concatenate([leaves[t.name].ravel() for t in d.tensors if t.entries is None])
    for t in d.tensors:
        if t.entries is None:
            continue
        fn = lambdify(leaf_syms, list(t.entries), "numpy")
        expected = np.broadcast_to(np.array(fn(*leaf_vals), dtype=float), (len(t.entries),)).reshape(t.shape)
        np.testing.assert_allclose(ours[t.name], expected, rtol=0, atol=1e-12)


def test_numpy_reference_on_a_hand_computed_case():
    # 3x3 input 1..9, 2x2 kernel [[1, 0], [0, -1]]: y_{r,s} = x_{r,s} - x_{r+1,s+1} = -4 everywhere.
    x = np.arange(1.0, 10.0).reshape(1, 3, 3)
    k = np.array([[[[1.0, 0.0], [0.0, -1.0]]]])
    layer, params = Conv(1, 2, bias=True), {"K": k, "b": np.zeros(1)}
    y, cache = layer.numpy_forward(np, x, params)
    np.testing.assert_array_equal(y, np.full((1, 2, 2), -4.0))
    g = np.ones((1, 2, 2))
    gx, grads = layer.numpy_backward(np, g, x, y, params, cache)
    gk, gb = grads["K"], grads["b"]
    np.testing.assert_array_equal(gk[0, 0], [[1 + 2 + 4 + 5, 2 + 3 + 5 + 6], [4 + 5 + 7 + 8, 5 + 6 + 8 + 9]])
    np.testing.assert_array_equal(gx[0], [[1, 1, 0], [1, 0, -1], [0, -1, -1]])
    np.testing.assert_array_equal(gb, [4.0])


@settings(max_examples=60)
@given(conv_specs())
def test_random_layers_verify_against_numpy(spec):
    report = verify(derive(spec), seed=3, use_torch=False)
    assert report.ok, report.comparisons


def _replace(d, name, **changes):
    return dataclasses.replace(d, tensors=tuple(dataclasses.replace(t, **changes) if t.name == name else t for t in d.tensors))


def test_verify_catches_a_wrong_sympy_entry():
    d = derive(ConvSpec(input=4, kernel=2, bias=True))
    dk = d["dL/dK"]
    broken = dk.entries[:1] + (dk.entries[1] + Symbol("x_1_4_4") * Symbol("dL_dy_1_1_1"),) + dk.entries[2:]
    report = verify(_replace(d, "dL/dK", entries=broken), use_torch=False, from_sympy=True)
    assert {c.tensor for c in report.comparisons if not c.ok} == {"dL/dK"}


def test_verify_catches_a_wrong_term_table():
    d = derive(ConvSpec(input=4, kernel=2, bias=True))
    terms = d["dL/dX"].terms
    second = (terms.second[0] + 1,) + terms.second[1:]  # one kernel index off by one
    report = verify(_replace(d, "dL/dX", terms=dataclasses.replace(terms, second=second)), use_torch=False, from_sympy=False)
    assert {c.tensor for c in report.comparisons if not c.ok} == {"dL/dX"}


@settings(max_examples=30)
@given(conv_specs(max_input=6, max_kernel=3))
def test_term_tables_and_sympy_entries_evaluate_alike(spec):
    d = derive(spec)
    leaves = random_leaves(d, seed=11)
    tables, walked = evaluate(d, leaves), evaluate(d, leaves, from_sympy=True)
    for name in tables:
        np.testing.assert_allclose(tables[name], walked[name], rtol=0, atol=1e-12, err_msg=name)


def evaluate_json(text: str, leaves: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Read symconv-derivation/1 top to bottom with SymPy alone: the way another tool would."""
    doc = json.loads(text)
    assert doc["format"] == "symconv-derivation/1"
    env: dict[str, float] = {}
    out = {}
    for t in doc["tensors"]:
        shape = tuple(t["shape"])
        if t["entries"] is None:
            names = np.array(t["symbols"], dtype=object).ravel()
            values = leaves[t["name"]].ravel()
            env.update(zip(names, values))
            out[t["name"]] = leaves[t["name"]]
            continue
        exprs = [sympify(e) for e in np.array(t["entries"], dtype=object).ravel()]
        values = np.array([float(e.subs({Symbol(n): v for n, v in env.items() if Symbol(n) in e.free_symbols}))
                           for e in exprs]).reshape(shape)
        if t["symbols"] is not None:
            env.update(zip(np.array(t["symbols"], dtype=object).ravel(), values.ravel()))
        out[t["name"]] = values
    return out


@settings(max_examples=25)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_json_evaluated_top_to_bottom_matches_pytorch(spec):
    need_torch()
    from symconv.numeric.torch_reference import network_with_grads

    d = derive(spec)
    leaves = random_leaves(d, seed=5)
    got = evaluate_json(to_json(d), leaves)
    want = network_with_grads(d.records, leaves)  # PyTorch's conv2d and autograd
    for name, value in want.items():
        np.testing.assert_allclose(got[name], value, rtol=0, atol=1e-9, err_msg=name)


@settings(max_examples=30)
@given(conv_specs())
def test_random_layers_verify_against_pytorch(spec):
    need_torch()
    report = verify(derive(spec), seed=7, use_torch=True)
    assert report.torch_used and report.ok, report.comparisons


def test_verify_hands_over_each_reference_as_soon_as_it_is_done():
    need_torch()
    d = derive(ConvSpec(input=4, kernel=2, bias=True))
    seen = []
    report = verify(d, progress=lambda checked: seen.append((checked.reference, len(checked.comparisons))))
    assert seen == [("numpy", 4), ("torch", 4)]
    assert [reference for reference, _ in report.seconds] == ["numpy", "torch"]
    assert all(seconds >= 0 for _, seconds in report.seconds) and report.ok
