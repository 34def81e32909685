"""The JSON evaluates without symconv: a process that only has SymPy reproduces every value of a network."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import derive
from symconv.network import load_network
from symconv.numeric import reference_network, torch_reference
from symconv.numeric.verify import random_leaves
from symconv.rendering.json_format import to_json

from .conftest import REQUIRE_TORCH
from .strategies import batchnorm_networks, branching_networks, conv_transpose_networks, networks, upsamplings

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.toml"))
WORKER = Path(__file__).with_name("plain_sympy_json.py")


def _references(records, leaves) -> list[dict[str, np.ndarray]]:
    refs = [reference_network.forward_backward(records, leaves)]
    if torch_reference.available():
        refs.append(torch_reference.network_with_grads(records, leaves))
    elif REQUIRE_TORCH:
        pytest.fail("PyTorch is required (SYMCONV_REQUIRE_TORCH=1) but is not installed")
    return refs


def _check(net, evaluate, seed: int) -> None:
    d = derive(net)
    leaves = random_leaves(d, seed)
    got = evaluate(to_json(d), leaves)
    derived = [t.name for t in d.tensors if t.entries is not None]
    assert set(derived) <= set(got)
    for ref in _references(d.records, leaves):
        compared = [name for name in derived if name in ref]
        # The loss, every layer's output and every gradient.
        assert {f"A[{l}]" for l in range(1, len(net.layers) + 1)} | {"dL/dX"} <= set(compared)
        assert net.has_loss <= ("L" in compared)
        for name in compared:
            np.testing.assert_allclose(got[name], np.ravel(ref[name]), rtol=1e-9, atol=1e-9, err_msg=name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_example_json_evaluates_with_plain_sympy(path, plain_sympy):
    _check(load_network(path), plain_sympy, seed=0)


@settings(max_examples=12)
@given(networks())
def test_random_network_json_evaluates_with_plain_sympy(plain_sympy, net):
    _check(net, plain_sympy, seed=1)


@settings(max_examples=15, deadline=None)
@given(conv_transpose_networks())
def test_random_transposed_convolution_json_evaluates_with_plain_sympy(plain_sympy, net):
    _check(net, plain_sympy, seed=2)


@settings(max_examples=10, deadline=None)
@given(batchnorm_networks())
def test_random_batchnorm_json_evaluates_with_plain_sympy(plain_sympy, net):
    _check(net, plain_sympy, seed=5)


@settings(max_examples=12, deadline=None)
@given(branching_networks())
def test_random_branching_network_json_evaluates_with_plain_sympy(plain_sympy, net):
    _check(net, plain_sympy, seed=4)


@settings(max_examples=10, deadline=None)
@given(networks(), st.integers(1, 3))
def test_random_batched_network_json_evaluates_with_plain_sympy(plain_sympy, net, batch):
    _check(dataclasses.replace(net, batch=batch), plain_sympy, seed=3)


@settings(max_examples=12, deadline=None)
@given(upsamplings())
def test_random_upsampling_json_evaluates_with_plain_sympy(plain_sympy, net):
    """Nearest with any scale or a size and bilinear: weights as exact fractions that plain SymPy reads."""
    from symconv.layers import Conv
    from symconv.network import NetworkSpec

    _check(NetworkSpec(net.input, (*net.layers, Conv(1, 1, bias=True))), plain_sympy, seed=6)


def test_the_evaluator_never_imports_symconv():
    code = f"import runpy, sys; runpy.run_path({str(WORKER)!r}); assert 'symconv' not in sys.modules"
    assert subprocess.run([sys.executable, "-I", "-c", code], input="", capture_output=True, text=True).returncode == 0
