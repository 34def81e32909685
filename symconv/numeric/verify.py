"""Compare every derived entry, at random numbers, with the independent references."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derivation import Derivation
from . import reference, torch_reference
from .evaluate import evaluate

TOLERANCE = 1e-9
# Up to this many terms, verify walks the SymPy expressions themselves; above it, their term tables
# (the same terms: tests prove the two agree), which is 20x faster at 28x28.
SYMPY_WALK_LIMIT = 50_000
CHECKED = ("Y", "dL/dX", "dL/dK", "dL/db")


@dataclass(frozen=True)
class Comparison:
    tensor: str
    reference: str  # "numpy" or "torch"
    max_abs_error: float

    @property
    def ok(self) -> bool:
        return self.max_abs_error <= TOLERANCE


@dataclass(frozen=True)
class Report:
    comparisons: tuple[Comparison, ...]
    torch_used: bool
    from_sympy: bool
    tolerance: float = TOLERANCE

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.comparisons)


def random_leaves(derivation: Derivation, seed: int) -> dict[str, np.ndarray]:
    """Standard normal values for every leaf tensor (input, kernel, bias, upstream gradient)."""
    rng = np.random.default_rng(seed)
    return {t.name: rng.standard_normal(t.shape) for t in derivation.tensors if t.entries is None}


def verify(derivation: Derivation, seed: int = 0, use_torch: bool | None = None, from_sympy: bool | None = None) -> Report:
    """Evaluate the derivation at random values and compare it with NumPy (and PyTorch if installed).

    `from_sympy` evaluates the SymPy expressions rather than the term tables; by default it does
    so up to SYMPY_WALK_LIMIT terms.
    """
    s = derivation.spec
    leaves = random_leaves(derivation, seed)
    if from_sympy is None:
        from_sympy = sum(len(t.terms.first) for t in derivation.tensors if t.terms is not None) <= SYMPY_WALK_LIMIT
    ours = evaluate(derivation, leaves, from_sympy=from_sympy)
    x, k, b, g = leaves["X"], leaves["K"], leaves.get("b"), leaves["dL/dY"]
    geometry = (s.stride, s.padding, s.dilation, s.flipped)
    refs = {"numpy": {"Y": reference.conv2d(x, k, b, *geometry)}}
    gx, gk, gb = reference.conv2d_backward(g, x, k, *geometry)
    refs["numpy"].update({"dL/dX": gx, "dL/dK": gk, "dL/db": gb})
    if use_torch is None:
        use_torch = torch_reference.available()
    if use_torch:
        refs["torch"] = torch_reference.conv2d_with_grads(x, k, b, g, *geometry)
    comparisons = tuple(
        Comparison(name, ref, float(np.max(np.abs(ours[name] - values[name]), initial=0.0)))
        for ref, values in refs.items()
        for name in CHECKED
        if name in ours
    )
    return Report(comparisons, use_torch, from_sympy)
