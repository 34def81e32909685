"""What a claim means: its value as a function of the derivation's leaves, evaluated at random points.

Every symbol of a derivation is either a leaf (the input, the parameters, a target, and a single
layer's given upstream gradient) or a name for a derived value (a layer's output, a batch mean, a
gradient dL/da^{[l]}), whose entry says what it is in terms of earlier symbols. A claim that writes
a value by another name, in its layer's output (a(1 - a) for the sigmoid's derivative), with an
upstream gradient substituted, or with the softmax's sum_k t_k kept, is the same function of the
leaves as the truth. Two expressions are equal in meaning when they agree at several random points
where every definition holds: random leaves, each one-hot target a probability vector (its entries
sum to 1, as the loss's p - t assumes; a softmax target = "any" is positive numbers of any sum), every
derived value computed from them (a point where one is undefined, such as the log of a sigmoid that
saturated to 1 at the working precision, is drawn again). At random real points no
relu, max or indicator sits on its kink, so a claim is never judged by the value it takes there.
"""

from __future__ import annotations

import operator

import random
from fractions import Fraction
import weakref
from collections.abc import Iterable

import mpmath
from mpmath import libmp
from sympy import Abs, Add, Expr, Float, Heaviside, Max, Min, Mul, Piecewise, Pow, Rational, S, Symbol, exp, log, nan, sign, tanh, zoo
from sympy.core.numbers import dps_to_prec

from ..derivation import Derivation

POINTS = 4  # random points a meaning is compared at
PIECEWISE_POINTS = 48  # where relu, max or an indicator branches: enough that each branch is met
DIGITS = 40  # the precision of the evaluation
TOLERANCE = 10 ** -(DIGITS - 15)  # relative: far below any difference a claim's terms can make
SEED = 20261205  # fixed, so that the same notes get the same verdicts
REDRAWS = 20  # draws of one point at most, until every derived value is defined there
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

    def __init__(self, derivation: Derivation, fixed: dict | None = None):
        self.d = derivation
        self._fixed = fixed or {}  # leaves at a value the notes fix (a target given whole), at every point
        self._points: list[dict[Symbol, Expr]] = []
        self._rng = random.Random(SEED)
        self._branches: bool | None = None
        self._redraw = True  # whether a point where a value is undefined is drawn again (points)
        self._targets = {r.params[p.key] for r in derivation.records for p in r.layer.params(r.shape_in) if p.one_hot}
        # A running variance: positive values, never shifted below zero.
        self._positive = {r.params[p.key] for r in derivation.records for p in r.layer.params(r.shape_in) if p.positive}
        self._definitions: dict[Symbol, Expr] | None = None
        self._values: dict[tuple[Expr, int], Expr | None] = {}  # (expression, point) -> its number there
        self._mp_points: list[dict] = []  # each point's numbers as mpmath's (_fast), made on first use

    def points(self, count: int = POINTS) -> list[dict[Symbol, Expr]]:
        """The first `count` points (made on first use). After the first POINTS, each leaf tensor is
        shifted as a whole by a random amount, so that a relu's or a max's every branch is met: a whole
        channel below zero, a bias that dominates."""
        while len(self._points) < count:
            # a point where a value is undefined (a sigmoid saturated to 1 under a log) is drawn again, unless a point
            # has already been drawn REDRAWS times in vain (a value undefined nearly everywhere: no use drawing more)
            draws = REDRAWS if self._redraw else 1
            for n in range(draws):
                point, defined = self._draw(len(self._points) >= POINTS, whole=n == draws - 1)
                if defined:
                    break
            else:
                self._redraw = False
            self._points.append(point)
        return self._points[:count]

    def _draw(self, shifted: bool, whole: bool = True) -> tuple[dict[Symbol, Expr], bool]:
        """Random leaves and every derived value at them; whether every derived value is defined there (unless
        `whole`, the point is left unfinished at the first tensor with an undefined value: it is drawn again)."""
        point: dict[Symbol, Expr] = {}
        numbers: dict = {}  # its numbers as mpmath's (_fast)
        defined = True
        for tensor in self.d.tensors:
            if tensor.symbols is None:
                continue
            if tensor.entries is None:  # a leaf
                shift = Float(self._rng.uniform(-4, 4), DIGITS) if shifted else 0
                target = tensor.name in self._targets
                values = _leaf(self._rng, len(tensor.symbols), tensor.shape[-1], target)
                if tensor.name in self._positive:
                    values, target = [abs(v) + Float("0.1", DIGITS) for v in values], True
                point.update(zip(tensor.symbols, (self._fixed.get(sym, v if target else v + shift)
                                                  for sym, v in zip(tensor.symbols, values))))
            else:  # a derived value: what its entries are at this point
                for sym, entry in zip(tensor.symbols, tensor.entries):
                    point[sym] = _defined(entry, point, numbers)
                    defined = defined and point[sym] is not nan
                if not defined and not whole:
                    return point, False
        return point, defined

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
            while len(self._mp_points) <= point:
                self._mp_points.append({})
            found = self._values[key] = _at(expr, self._points[point], self._mp_points[point])
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


def _defined(entry: Expr, point: dict, numbers: dict) -> Expr:
    """A derived value at a point: a number, or nan where it is undefined (then nothing that uses it agrees)."""
    number = _at(entry, point, numbers)
    return nan if number is None else number


def _at(expr: Expr, point: dict, numbers: dict) -> Expr | None:
    """_number(expr.xreplace(point)), worked out with mpmath where that gives the very number SymPy's own arithmetic
    gives (_fast), else by SymPy."""
    try:
        value = _fast(expr, point, numbers, {})
    except _Slow:
        return _number(expr.xreplace(point))
    if isinstance(value, Fraction):  # exact, as SymPy keeps it: then to DIGITS (0 stays 0)
        return _number(Rational(value.numerator, value.denominator))
    if not _MP.isfinite(value):
        return _number(expr.xreplace(point))
    return Float._new(value._mpf_, _PREC)


# The numbers of a point in SymPy's own arithmetic: SymPy evaluates a Float expression operation by operation at the
# Floats' precision (each result rounded to nearest, an exact zero a zero); mpmath does the same operations with the
# same rounding, without building an expression at each step (ten times faster). Whatever could come out otherwise
# (an exact number that SymPy keeps symbolic, such as sqrt(2), a complex or undefined value, a function not listed)
# is left to SymPy (_Slow).
_PREC = dps_to_prec(DIGITS)
_MP = mpmath.MPContext()
_MP.prec = _PREC
_RND = libmp.round_nearest


class _Slow(Exception):  # noqa: N818
    """An expression whose number is SymPy's to work out."""


def _fast(expr, point: dict, numbers: dict, memo: dict):
    """The expression's number at the point, as an mpmath number (an mpf), or a Python Fraction while it is exact (an
    expression of Integers and Rationals only, as SymPy keeps it)."""
    value = numbers.get(expr)  # a symbol's, worked out before
    if value is not None:
        return value
    evaluate = _KINDS.get(expr.__class__)
    if evaluate is not None:
        value = memo.get(expr)
        if value is None:
            value = memo[expr] = evaluate(expr, point, numbers, memo)
        return value
    if expr.is_Symbol:
        given = point.get(expr)
        if given is None or not (given.is_Float or given.is_Rational):  # not given, or undefined (nan): SymPy's
            raise _Slow
        value = numbers[expr] = (_MP.make_mpf(given._mpf_) if given.is_Float
                                 else Fraction(int(given.p), int(given.q)))
        return value
    if expr.is_Float:
        return _MP.make_mpf(expr._mpf_)
    if expr.is_Rational:
        return Fraction(int(expr.p), int(expr.q))
    raise _Slow


def _float(value):
    """A number as SymPy's Float arithmetic would take it: a Fraction rounded to the precision."""
    if isinstance(value, Fraction):
        return _MP.make_mpf(libmp.from_rational(value.numerator, value.denominator, _PREC, _RND))
    return value


def _exact_zero(value):
    """A Float result of zero is SymPy's exact 0."""
    return Fraction(0) if not isinstance(value, Fraction) and not value else value


def _folded(expr, point, numbers, memo, op):
    """A sum or a product of the arguments' values, in SymPy's order: exact while they are fractions."""
    total = None
    for arg in expr.args:
        value = _fast(arg, point, numbers, memo)
        if total is None:
            total = value
        elif isinstance(total, Fraction) and isinstance(value, Fraction):
            total = op(total, value)
        else:
            total = _exact_zero(op(_float(total), _float(value)))
    return total


def _add(expr, point, numbers, memo):
    return _folded(expr, point, numbers, memo, operator.add)


def _mul(expr, point, numbers, memo):
    return _folded(expr, point, numbers, memo, operator.mul)


def _pow(expr, point, numbers, memo):
    base, power = expr.args
    if not power.is_Rational:
        raise _Slow
    value = _fast(base, point, numbers, memo)
    if isinstance(value, Fraction):
        if power.q != 1 or not value and power.p < 0:  # sqrt(2), 1/0: SymPy's
            raise _Slow
        return value ** int(power.p)
    if not value:
        raise _Slow
    if power.q == 1:
        return _exact_zero(_MP.make_mpf(libmp.mpf_pow_int(value._mpf_, int(power.p), _PREC, _RND)))
    if value < 0:  # a complex root: SymPy's
        raise _Slow
    exponent = libmp.from_rational(int(power.p), int(power.q), _PREC, _RND)
    return _exact_zero(_MP.make_mpf(libmp.mpf_pow(value._mpf_, exponent, _PREC, _RND)))


def _function(function):
    """exp, log or tanh of a Float, as SymPy evaluates it (of an exact number SymPy keeps it, save at 0 or 1)."""
    def evaluate(expr, point, numbers, memo):
        (arg,) = expr.args
        value = _fast(arg, point, numbers, memo)
        if isinstance(value, Fraction):
            raise _Slow
        return _exact_zero(function(value))
    return evaluate


# SymPy evaluates a function of a Float at 4 more bits (evalf), exp rounding down (evalf_pow), then rounds to nearest
def _exp(value):
    return _MP.make_mpf(libmp.mpf_pos(libmp.mpf_exp(value._mpf_, _PREC + 4, libmp.round_down), _PREC, _RND))


def _log(value):
    if value <= 0:
        raise _Slow
    number = libmp.mpf_log(value._mpf_, _PREC + 4, _RND)
    if number == libmp.fzero or number[2] + number[3] < -8:  # near 1, where evalf_log works 1 + x out anew: SymPy's
        raise _Slow
    return _MP.make_mpf(libmp.mpf_pos(number, _PREC, _RND))


def _tanh(value):
    return _MP.make_mpf(libmp.mpf_pos(libmp.mpf_tanh(value._mpf_, _PREC + 4, _RND), _PREC, _RND))


def _exact(value) -> Fraction:
    """A number as the exact fraction it is (an mpf is one: its mantissa times a power of 2), to compare exactly."""
    if isinstance(value, Fraction):
        return value
    sign, mantissa, exponent, _ = value._mpf_
    if not mantissa and exponent:  # inf, nan: no fraction (never a number here: SymPy's)
        raise _Slow
    mantissa = -int(mantissa) if sign else int(mantissa)
    return Fraction(mantissa * 2**exponent) if exponent >= 0 else Fraction(mantissa, 2**-exponent)


def _extreme(pick):
    def evaluate(expr, point, numbers, memo):
        values = [_fast(arg, point, numbers, memo) for arg in expr.args]
        best = values[0]
        for value in values[1:]:
            if _exact(value) == _exact(best):  # a tie: which one SymPy keeps is SymPy's
                raise _Slow
            if pick(_exact(value), _exact(best)):
                best = value
        return best
    return evaluate


def _heaviside(expr, point, numbers, memo):
    arg, at_zero = expr.args
    value = _fast(arg, point, numbers, memo)
    if not value or not at_zero.is_Rational:
        raise _Slow
    return Fraction(1) if value > 0 else Fraction(0)


def _abs(expr, point, numbers, memo):
    value = _fast(expr.args[0], point, numbers, memo)
    return abs(value)


def _sign(expr, point, numbers, memo):
    value = _fast(expr.args[0], point, numbers, memo)
    return Fraction((value > 0) - (value < 0))


def _piecewise(expr, point, numbers, memo):
    for pair in expr.args:
        value, condition = pair.args
        if _holds(condition, point, numbers, memo):
            return _fast(value, point, numbers, memo)
    raise _Slow


_RELATIONS = {"StrictGreaterThan": lambda a, b: a > b, "GreaterThan": lambda a, b: a >= b,
              "StrictLessThan": lambda a, b: a < b, "LessThan": lambda a, b: a <= b,
              "Equality": lambda a, b: a == b, "Unequality": lambda a, b: a != b}


def _holds(condition, point, numbers, memo) -> bool:
    """Whether a condition of a Piecewise holds at the point (a comparison of numbers, And, Or, Not)."""
    if condition is S.true:
        return True
    if condition is S.false:
        return False
    kind = type(condition).__name__
    if kind in _RELATIONS:
        left, right = (_fast(arg, point, numbers, memo) for arg in condition.args)
        if isinstance(left, Fraction) != isinstance(right, Fraction) and _exact(left) == _exact(right):
            raise _Slow  # an exact number equal to a Float: SymPy's
        return _RELATIONS[kind](_exact(left), _exact(right))
    if kind == "And":
        return all(_holds(c, point, numbers, memo) for c in condition.args)
    if kind == "Or":
        return any(_holds(c, point, numbers, memo) for c in condition.args)
    if kind == "Not":
        return not _holds(condition.args[0], point, numbers, memo)
    raise _Slow


_KINDS = {Add: _add, Mul: _mul, Pow: _pow, exp: _function(_exp), log: _function(_log), tanh: _function(_tanh),
          Max: _extreme(lambda a, b: a > b), Min: _extreme(lambda a, b: a < b), Heaviside: _heaviside,
          Abs: _abs, sign: _sign, Piecewise: _piecewise}


def _number(value: Expr) -> Expr | None:
    """The value as a number at DIGITS precision (a formula's log of a negative is complex), or None
    where it is undefined (a division by zero) or not a number (a symbol the point does not give)."""
    value = value.evalf(DIGITS)
    if not value.is_number or value.has(nan, zoo) or not value.is_finite:
        return None
    return value
