"""What a claim means: its value as a function of the derivation's leaves, evaluated at random points.

Every symbol of a derivation is either a leaf (the input, the parameters, a target, and a single
layer's given upstream gradient) or a name for a derived value (a layer's output, a batch mean, a
gradient dL/da^{[l]}), whose entry says what it is in terms of earlier symbols. A claim that writes
a value by another name, in its layer's output (a(1 - a) for the sigmoid's derivative), with an
upstream gradient substituted, or with the softmax's sum_k t_k kept, is the same function of the
leaves as the truth. Two expressions are equal in meaning when they agree at several random points
where every definition holds: random leaves, each one-hot target a probability vector (its entries
sum to 1, as the loss's p - t assumes; a softmax target = "any" is positive numbers of any sum), every
derived value computed from them. At random real points no
relu, max or indicator sits on its kink, so a claim is never judged by the value it takes there.
"""

from __future__ import annotations

import random
import weakref
from collections.abc import Iterable

from sympy import Abs, Expr, Float, Heaviside, Max, Min, Piecewise, Symbol, nan, sign, zoo

from ..derivation import Derivation

POINTS = 4  # random points a meaning is compared at
PIECEWISE_POINTS = 24  # where relu, max or an indicator branches: enough that each branch is met
DIGITS = 40  # the precision of the evaluation
TOLERANCE = 10 ** -(DIGITS - 15)  # relative: far below any difference a claim's terms can make
SEED = 20261205  # fixed, so that the same notes get the same verdicts
MAX_REMEMBERED = 20_000  # values at points kept (the truth of a claim is compared with each reading of its names)


_SHARED: dict[int, tuple[weakref.ref, "Meaning"]] = {}  # by id: a Derivation is not hashable


def meaning_of(derivation: Derivation) -> "Meaning":
    """The one Meaning of a derivation: its points are made once, however many graders read it."""
    held = _SHARED.get(id(derivation))
    if held is None or held[0]() is not derivation:
        held = (weakref.ref(derivation, _forget), Meaning(derivation))
        _SHARED[id(derivation)] = held
    return held[1]


def _forget(ref: weakref.ref, shared: dict = _SHARED) -> None:
    """A derivation is gone: its points go too (only its own entry, whatever id a newer one has). The
    table is bound as a default, so that this still works while the interpreter shuts down."""
    for key, held in list(shared.items()):
        if held[0] is ref:
            del shared[key]


class Meaning:
    """Values of every symbol of a derivation at POINTS random points (computed on first use)."""

    def __init__(self, derivation: Derivation):
        self.d = derivation
        self._points: list[dict[Symbol, Expr]] = []
        self._rng = random.Random(SEED)
        self._branches: bool | None = None
        self._targets = {r.params[p.key] for r in derivation.records for p in r.layer.params(r.shape_in) if p.one_hot}
        # A running variance: positive values, never shifted below zero.
        self._positive = {r.params[p.key] for r in derivation.records for p in r.layer.params(r.shape_in) if p.positive}
        self._definitions: dict[Symbol, Expr] | None = None
        self._values: dict[tuple[Expr, int], Expr | None] = {}  # (expression, point) -> its number there

    def points(self, count: int = POINTS) -> list[dict[Symbol, Expr]]:
        """The first `count` points (made on first use). After the first POINTS, each leaf tensor is
        shifted as a whole by a random amount, so that a relu's or a max's every branch is met: a whole
        channel below zero, a bias that dominates."""
        while len(self._points) < count:
            shifted = len(self._points) >= POINTS
            point: dict[Symbol, Expr] = {}
            for tensor in self.d.tensors:
                if tensor.symbols is None:
                    continue
                if tensor.entries is None:  # a leaf
                    shift = Float(self._rng.uniform(-4, 4), DIGITS) if shifted else 0
                    target = tensor.name in self._targets
                    values = _leaf(self._rng, len(tensor.symbols), tensor.shape[-1], target)
                    if tensor.name in self._positive:
                        values, target = [abs(v) + Float("0.1", DIGITS) for v in values], True
                    point.update(zip(tensor.symbols, (v if target else v + shift for v in values)))
                else:  # a derived value: what its entries are at this point
                    point.update((sym, _defined(entry.xreplace(point)))
                                 for sym, entry in zip(tensor.symbols, tensor.entries))
            self._points.append(point)
        return self._points[:count]

    @property
    def branches(self) -> bool:
        """Whether any value of the derivation branches (a relu, a max pooling): then every comparison needs
        the points that meet each branch, as the names in a claim may hide them."""
        if self._branches is None:
            self._branches = any(_branches(entry) for t in self.d.tensors if t.entries is not None for entry in t.entries)
        return self._branches

    def equal(self, claimed: Expr, truth: Expr, points: int | None = None) -> bool:
        """Whether the two agree at every point (a value that is undefined at a point agrees with nothing):
        POINTS of them, or PIECEWISE_POINTS where either has branches (relu, max, an indicator)."""
        if points is None:
            points = PIECEWISE_POINTS if self.branches or _branches(claimed) or _branches(truth) else POINTS
        for at in range(points):
            a, b = self.at(claimed, at), self.at(truth, at)
            if a is None or b is None or abs(a - b) > TOLERANCE * max(1, abs(a), abs(b)):
                return False
        return True

    def at(self, expr: Expr, point: int) -> Expr | None:
        """The expression's number at the point-th point (_number), worked out once: a claim's truth is the
        same for every reading of the names the notes give it, and a reading's sides often repeat."""
        key = (expr, point)
        found = self._values.get(key, self)
        if found is self:
            if len(self._values) >= MAX_REMEMBERED:
                self._values.clear()
            self.points(point + 1)
            found = self._values[key] = _number(expr.xreplace(self._points[point]))
        return found

    def in_terms_of(self, truth: Expr, claimed: Expr, rounds: int = 3) -> Expr:
        """The truth written with the names the claim uses: each derived name the claim does not use is
        replaced by what it is (a few rounds, while the expression stays short), so that a report of the
        terms that differ compares like with like."""
        if self._definitions is None:
            self._definitions = {sym: entry for t in self.d.tensors if t.symbols is not None and t.entries is not None
                                 for sym, entry in zip(t.symbols, t.entries)}
        used = claimed.free_symbols
        for _ in range(rounds):
            foreign = {sym: self._definitions[sym] for sym in truth.free_symbols - used if sym in self._definitions}
            if not foreign:
                break
            rewritten = truth.xreplace(foreign)
            if rewritten.count_ops() > 200:
                break
            truth = rewritten
        return truth


def _branches(expr: Expr) -> bool:
    return expr.has(Heaviside, Piecewise, Max, Min, Abs, sign)


def _leaf(rng: random.Random, count: int, last: int, target: bool) -> Iterable[Expr]:
    """Random values for a leaf: uniform in [-2, 2], or, for a target, rows that are probability vectors."""
    if not target:
        return [Float(rng.uniform(-2, 2), DIGITS) for _ in range(count)]
    out = []
    for _ in range(count // last):
        row = [Float(rng.uniform(0.1, 1), DIGITS) for _ in range(last)]
        total = sum(row)
        out += [v / total for v in row]
    return out


def _defined(value: Expr) -> Expr:
    """A derived value at a point: a number, or nan where it is undefined (then nothing that uses it agrees)."""
    number = _number(value)
    return nan if number is None else number


def _number(value: Expr) -> Expr | None:
    """The value as a number at DIGITS precision (a formula's log of a negative is complex), or None
    where it is undefined (a division by zero) or not a number (a symbol the point does not give)."""
    value = value.evalf(DIGITS)
    if not value.is_number or value.has(nan, zoo) or not value.is_finite:
        return None
    return value
