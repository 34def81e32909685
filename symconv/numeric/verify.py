"""Compare every derived entry, at random numbers, with the independent references."""

from __future__ import annotations

import time
from collections.abc import Callable
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
    reference: str  # "numpy", "torch", or "module" (PyTorch running the user's module itself)
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
    seconds: tuple[tuple[str, float], ...] = ()  # (reference, seconds it took), in the order they ran
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
            if p.positive and p.key in r.params:  # a running variance: positive values
                values[r.params[p.key]] = np.abs(values[r.params[p.key]]) + 0.1
            if p.one_hot:  # one per example, with a batch
                name, n = r.params[p.key], int(np.prod(p.shape))
                rows = values[name].size // n
                values[name] = np.eye(n)[rng.integers(n, size=rows)].reshape(values[name].shape)
    return values


REFERENCES = {"numpy": reference_network, "torch": torch_reference}


@dataclass(frozen=True)
class Checked:
    """One reference's comparisons, and the seconds it took to compute (PyTorch's import included)."""

    reference: str
    comparisons: tuple[Comparison, ...]
    seconds: float


def _reference(derivation: Derivation, leaves: dict[str, np.ndarray], reference: str) -> dict[str, np.ndarray]:
    """The independent results one reference gives, by tensor name (a single layer's Jacobian tensors
    too, when the derivation holds them)."""
    records, module = derivation.records, REFERENCES[reference]
    values = (reference_network.forward_backward(records, leaves) if reference == "numpy"
              else torch_reference.network_with_grads(records, leaves))
    record = records[-1]
    if derivation.jacobian_name(record.output, record.input) in set(derivation.names()):
        for wrt, m in module.jacobians(record, leaves).items():
            values[derivation.jacobian_name(record.output, wrt)] = m
    return values


def verify(derivation: Derivation, seed: int = 0, use_torch: bool | None = None, from_sympy: bool | None = None,
           progress: Callable[[Checked], None] | None = None, fixed: dict[str, np.ndarray] | None = None,
           on_module: Callable[[dict], dict] | None = None) -> Report:
    """Evaluate the derivation at random values and compare it with NumPy (and PyTorch if installed).
    Values that put a formula layer outside its domain or near a pole are redrawn (numeric.sampling).

    `from_sympy` evaluates the SymPy expressions rather than the term tables; by default it does
    so up to SYMPY_WALK_LIMIT terms. `progress`, if given, is called with each reference's
    comparisons as soon as they are made: NumPy's first, then PyTorch's (whose import alone takes
    over a second).

    `fixed` gives some leaves' values instead of random ones (a PyTorch module's own parameters), and
    `on_module`, given leaves, what PyTorch running the module itself computes (by tensor name): a last
    reference, "module".
    """
    fixed = fixed or {}
    draw = lambda k: {**random_leaves(derivation, seed + 7919 * k), **fixed}
    leaves, untestable = fit_leaves(derivation, draw(0), seed, draw)
    if untestable:  # the formula has no real value at any point drawn: nothing to compare
        return Report((), False, bool(from_sympy), untestable=untestable)
    if from_sympy is None:
        from_sympy = sum(len(t.terms.first) for t in derivation.tensors if t.terms is not None) <= SYMPY_WALK_LIMIT
    ours = evaluate(derivation, leaves, from_sympy=from_sympy)
    asked, use_torch = use_torch, torch_reference.available() if use_torch is None else use_torch
    derived = [t.name for t in derivation.tensors if t.entries is not None]
    checked, computed = [], set()
    for reference in ("numpy", "torch", "module") if use_torch else ("numpy", "module"):
        if reference == "module" and on_module is None:
            continue
        start = time.perf_counter()
        try:
            values = on_module(leaves) if reference == "module" else _reference(derivation, leaves, reference)
        except ImportError:  # PyTorch installed but broken: by default, NumPy alone as without it
            if reference != "torch" or asked is not None:
                raise
            use_torch = False
            break
        seconds = time.perf_counter() - start
        comparisons = tuple(
            Comparison(name, reference,
                       float(np.max(np.abs(ours[name] - np.reshape(values[name], ours[name].shape)), initial=0.0)))
            for name in derived if name in values)
        computed |= set(values)
        checked.append(Checked(reference, comparisons, seconds))
        if progress is not None:
            progress(checked[-1])
    unchecked = tuple(name for name in derived if name not in computed)
    return Report(tuple(c for one in checked for c in one.comparisons), use_torch, from_sympy, unchecked,
                  seconds=tuple((one.reference, one.seconds) for one in checked), untestable=untestable)
