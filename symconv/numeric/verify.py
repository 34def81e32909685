"""Compare every derived entry, at random numbers, with the independent references."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derivation import Derivation
from . import reference_network, torch_reference
from .sampling import fit_leaves
from .evaluate import evaluate

TOLERANCE = 1e-9
# Up to this many terms, verify walks the SymPy expressions themselves; above it, their term tables
# (the same terms: tests prove the two agree), which is 20x faster at 28x28.
SYMPY_WALK_LIMIT = 50_000


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
    unchecked: tuple[str, ...] = ()  # derived tensors no reference computes: never silently "ok"
    tolerance: float = TOLERANCE
    untestable: str = ""  # a formula layer with no random test points in its domain: never "ok" either

    @property
    def ok(self) -> bool:
        return not self.unchecked and not self.untestable and all(c.ok for c in self.comparisons)


def random_leaves(derivation: Derivation, seed: int) -> dict[str, np.ndarray]:
    """Standard normal values for every leaf tensor (input, parameters, upstream gradient); a random
    one-hot vector for a target that must be one (softmax with cross-entropy's t)."""
    rng = np.random.default_rng(seed)
    values = {t.name: rng.standard_normal(t.shape) for t in derivation.tensors if t.entries is None}
    for r in derivation.records:
        for p in r.layer.params(r.shape_in):
            if p.one_hot:  # one per example, with a batch
                name, n = r.params[p.key], int(np.prod(p.shape))
                rows = values[name].size // n
                values[name] = np.eye(n)[rng.integers(n, size=rows)].reshape(values[name].shape)
    return values


def _references(derivation: Derivation, leaves: dict[str, np.ndarray], use_torch: bool) -> dict[str, dict]:
    """The independent results each reference gives, by reference name and tensor name."""
    records = derivation.records
    refs = {"numpy": reference_network.forward_backward(records, leaves)}
    if use_torch:
        refs["torch"] = torch_reference.network_with_grads(records, leaves)
    record, names = records[-1], set(derivation.names())
    if derivation.jacobian_name(record.output, record.input) in names:  # the Jacobian tensors of a single layer
        for ref, module in (("numpy", reference_network), ("torch", torch_reference)):
            if ref in refs:
                for wrt, m in module.jacobians(record, leaves).items():
                    refs[ref][derivation.jacobian_name(record.output, wrt)] = m
    return refs


def verify(derivation: Derivation, seed: int = 0, use_torch: bool | None = None, from_sympy: bool | None = None) -> Report:
    """Evaluate the derivation at random values and compare it with NumPy (and PyTorch if installed).
    Values that put a formula layer outside its domain or near a pole are redrawn (numeric.sampling).

    `from_sympy` evaluates the SymPy expressions rather than the term tables; by default it does
    so up to SYMPY_WALK_LIMIT terms.
    """
    leaves, untestable = fit_leaves(derivation, random_leaves(derivation, seed), seed,
                                    lambda k: random_leaves(derivation, seed + 7919 * k))
    if untestable:  # the formula has no real value at any point drawn: nothing to compare
        return Report((), False, bool(from_sympy), untestable=untestable)
    if from_sympy is None:
        from_sympy = sum(len(t.terms.first) for t in derivation.tensors if t.terms is not None) <= SYMPY_WALK_LIMIT
    ours = evaluate(derivation, leaves, from_sympy=from_sympy)
    if use_torch is None:
        use_torch = torch_reference.available()
    refs = _references(derivation, leaves, use_torch)
    derived = [t.name for t in derivation.tensors if t.entries is not None]
    comparisons = tuple(
        Comparison(name, ref, float(np.max(np.abs(ours[name] - np.reshape(values[name], ours[name].shape)), initial=0.0)))
        for ref, values in refs.items()
        for name in derived
        if name in values
    )
    unchecked = tuple(name for name in derived if all(name not in values for values in refs.values()))
    return Report(comparisons, use_torch, from_sympy, unchecked, untestable=untestable)
