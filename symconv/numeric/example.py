"""The worked example's numbers against each kind's independent NumPy forward and backward code."""

from __future__ import annotations

import numpy as np

from ..derivation import Derivation
from ..example import Example
from .reference_network import forward_backward


def check(derivation: Derivation, example: Example, on_module=None) -> None:
    """Every derived number equals what the kinds' own NumPy code gives from the same given numbers, and, with
    `on_module` (a PyTorch module's runner, symconv.torch_import.ModuleValues.run), what PyTorch running the
    module itself gives for each tensor it computes (its output or loss, every gradient of a parameter).

    Raises:
        AssertionError: naming the tensor that differs (a defect in symconv, never expected).
    """
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    references = [("NumPy", forward_backward(derivation.records, leaves))]
    if on_module is not None:
        references.append(("PyTorch on the module", on_module(leaves)))
    for v in example.derived:
        got = np.array([float(x) for x in v.values])
        for name, reference in references:
            if v.name in reference:
                expected = np.reshape(reference[v.name], -1)
                assert np.allclose(got, expected, rtol=1e-9, atol=1e-9), f"worked example: {v.name} differs from {name}"
