"""A worked example: small integers for the given tensors, and every derived tensor computed exactly from
the derivation's own entries (symconv.numeric.example checks them against each kind's NumPy code).

Small whole numbers a student can multiply in their head: the input from -2 to 3, parameters from -2
to 2, a bias from -1 to 1 and the upstream gradient from -1 to 2, drawn from a seed so that the same
seed gives the same example. Only derivations whose values come out as whole numbers or fractions
(sums of products, pooling) have one: an exponential would make the numbers unreadable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sympy import S, Integer, Rational

from .derivation import Derivation, Terms

# Above this many entries in all, the example's matrices would take more room than they teach.
EXAMPLE_ENTRIES = 250
RANGES = {"input": (-2, 3), "kernel": (-2, 2), "bias": (-1, 1), "upstream": (-1, 2)}


@dataclass(frozen=True)
class Values:
    """One tensor's numbers, flat in row-major order; for a derived tensor with a term table, the entry
    worked out term by term (the first with the most terms: a border entry has fewer) and the
    (first factor, second factor or None) values of its terms, in written order."""

    name: str
    shape: tuple[int, ...]
    values: tuple[Rational, ...]
    terms: tuple[tuple[Rational, Rational | None], ...] = ()
    worked: int = 0


@dataclass(frozen=True)
class Example:
    seed: int
    given: tuple[Values, ...]  # the input, the parameters and the upstream gradient
    derived: tuple[Values, ...]  # every output and gradient, in the derivation's order


def _role(derivation: Derivation, name: str) -> str:
    """Which range a given tensor's numbers come from: by what it is to its layer."""
    if name.startswith("dL/d"):
        return "upstream"
    for record in derivation.records:
        for p in record.layer.params(record.shape_in):
            if record.params[p.key] == name:
                return "bias" if p.role == "bias" else "kernel"
    return "input"


def worked_example(derivation: Derivation, seed: int = 0) -> Example | None:
    """The example at `seed`, or None when the derivation is too large for one or its values are not
    rational (or it needs a target: a loss's probabilities are not whole numbers)."""
    # The layers' tensors and their gradients (not the Jacobians, which --jacobians adds).
    names = {name for r in derivation.records for name in (r.input, r.output, *r.params.values())}
    tensors = [t for t in derivation.tensors if t.name in names or t.name.removeprefix("dL/d") in names]
    if sum(len(t.values) for t in tensors) > EXAMPLE_ENTRIES or derivation.network.has_loss:
        return None
    rng = random.Random(seed)
    subs: dict = {}
    given, derived = [], []
    for t in tensors:
        if t.entries is None:
            low, high = RANGES[_role(derivation, t.name)]
            values = tuple(Integer(rng.randint(low, high)) for _ in t.symbols)
            given.append(Values(t.name, t.shape, values))
        else:
            value = lambda at: subs[derivation.symbols[at]]
            values = tuple(e.xreplace(subs) for e in t.entries) if t.terms is None else _from_terms(t.terms, value)
            if not all(v.is_Rational for v in values):
                return None
            terms, worked = (), 0
            if t.terms is not None:
                start = t.terms.start
                worked = max(range(len(values)), key=lambda n: (start[n + 1] - start[n], -n))
                pairs = zip(t.terms.first[start[worked]:start[worked + 1]], t.terms.second[start[worked]:start[worked + 1]])
                terms = tuple((value(a), value(b) if b >= 0 else None) for a, b in pairs)
            derived.append(Values(t.name, t.shape, values, terms, worked))
        if t.symbols is not None:
            subs.update(zip(t.symbols, values))
    return Example(seed, tuple(given), tuple(derived))


def _from_terms(terms: Terms, value) -> tuple[Rational, ...]:
    """Each entry's number, summed from its term table (`value(i)` is symbol i's number): the entries'
    SymPy sums are never built."""
    out = []
    start, first, second = terms.start, terms.first, terms.second
    for n in range(len(start) - 1):
        total = S.Zero
        for a, b in zip(first[start[n]:start[n + 1]], second[start[n]:start[n + 1]]):
            total += value(a) if b < 0 else value(a) * value(b)
        out.append(total)
    return tuple(out)
