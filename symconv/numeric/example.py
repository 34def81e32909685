"""The worked example's numbers against each kind's independent NumPy forward and backward code."""

from __future__ import annotations

import numpy as np

from ..derivation import Derivation
from ..example import Example
from .reference_network import forward_backward


def check(derivation: Derivation, example: Example) -> None:
    """Every derived number equals what the kinds' own NumPy code gives from the same given numbers.

    Raises:
        AssertionError: naming the tensor that differs (a defect in symconv, never expected).
    """
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    reference = forward_backward(derivation.records, leaves)
    for v in example.derived:
        expected = reference[v.name].reshape(-1)
        got = np.array([float(x) for x in v.values])
        assert np.allclose(got, expected, rtol=0, atol=1e-9), f"worked example: {v.name} differs from NumPy"
