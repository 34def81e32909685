"""A side of a claim as a number at one of the meaning's points, worked out without SymPy.

While symconv reads the names the notes give (binding.py), it tries each value a name may stand for,
first at one point; most readings fail there. Building each reading's SymPy expression costs ten
times more than its number, so the grader first works the number out here, with mpmath at the
meaning's precision, and turns a reading down without the expression only when the two numbers
differ plainly (far beyond any rounding). Whatever this module does not read (a whole tensor, an
operator, a branch such as relu or max) is evaluated as the grader evaluates it and then taken at
the point, so that this reading never says more than the grader would.
"""

from __future__ import annotations

from itertools import product

import mpmath

import numpy as np

from . import arrays
from .meaning import DIGITS, MAX_REMEMBERED

_CONTEXT = mpmath.MPContext()
_CONTEXT.dps = DIGITS + 5
_FUNCTIONS = {"exp": _CONTEXT.exp, "log": _CONTEXT.log, "tanh": _CONTEXT.tanh, "sqrt": _CONTEXT.sqrt,
              "sigmoid": lambda z: 1 / (1 + _CONTEXT.exp(-z)),
              "dsigmoid": lambda z: _CONTEXT.exp(-z) / (1 + _CONTEXT.exp(-z)) ** 2,
              "dtanh": lambda z: 1 - _CONTEXT.tanh(z) ** 2}
HUGE = _CONTEXT.mpf(10) ** 250  # an argument this large: SymPy's own reading decides (evaluate.py refuses 10^300)
_ARRAYS = (np.ndarray, arrays.Marked, arrays.Ones, arrays.Repeated)  # what arrays.is_array tells apart
PLAINLY = 10 ** -12  # relative: two numbers this far apart differ at the meaning's precision whatever the rounding


class Unread(Exception):  # noqa: N818
    """Something this module does not work out: the grader's own evaluation decides."""


def plainly_unequal(grader, lhs_value, side, env: dict[str, int]) -> bool:
    """Whether the side is plainly not the left-hand side's value (`lhs_value`, as the grader works it out) at
    the meaning's first point, entry by entry for a whole tensor, as the grader compares them (_check_arrays);
    False whenever that cannot be told here."""
    try:
        truth = _leaf(grader, lhs_value)
        claimed = _number(grader, side, env)
        if not (arrays.is_array(truth) or arrays.is_array(claimed)):
            return _apart(claimed, truth)
        if not arrays.is_array(truth):
            truth = arrays.array_of([truth], (1,))
        if not arrays.is_array(claimed):
            claimed = np.full(truth.shape, claimed, dtype=object)
        a, b = arrays.squeezed(claimed), arrays.squeezed(truth)
        if b.size == 1 and a.size > 1 or a.shape != b.shape:
            return True  # the grader refuses to compare them (arrays.entries_equal): the claim does not hold
        return any(_apart(a[index], b[index]) for index in np.ndindex(b.shape))
    except Exception:  # noqa: BLE001 -- anything this reading cannot tell (Unread, an entry outside its tensor, ...)
        return False


def _apart(claimed, truth) -> bool:
    return bool(abs(claimed - truth) > PLAINLY * max(1, abs(claimed), abs(truth)))


def _leaf(grader, value):
    """A value the grader worked out at the first point, as mpmath reads it (an array entry by entry)."""
    if isinstance(value, np.ndarray):
        return arrays.elementwise(lambda v: _leaf(grader, v), value)
    if arrays.is_array(value):
        raise Unread
    known = grader.first_numbers.get(value)
    if known is None:
        if len(grader.first_numbers) >= MAX_REMEMBERED:
            grader.first_numbers.clear()
        number = grader.meaning.at(value, 0)
        known = grader.first_numbers[value] = Unread if number is None else _CONTEXT.convert(number._to_mpmath(_CONTEXT.prec))
    if known is Unread:
        raise Unread
    return _finite(known)


def _number(grader, node, env: dict[str, int]):
    kind = node[0]
    if kind == "num":
        return _CONTEXT.mpf(node[1].numerator) / node[1].denominator
    # (numbers on their own are worked out as arrays.elementwise works them out, without it: the same operations)
    if kind == "add":
        values = [(plus, _number(grader, n, env)) for plus, n in node[1]]
        total = 0
        if not any(isinstance(v, _ARRAYS) for _, v in values):
            for plus, v in values:
                total = total + plus * v
            return total
        for plus, v in values:
            total = arrays.elementwise(lambda a, b, plus=plus: a + plus * b, total, v)
        return total
    if kind == "mul":
        values = [_number(grader, n, env) for n in node[1]]
        out = values[0]
        if not any(isinstance(v, _ARRAYS) for v in values):
            for v in values[1:]:
                out = out * v
            return out
        for v in values[1:]:
            out = _product(out, v)
        return out
    if kind == "div":
        num, den = _number(grader, node[1], env), _number(grader, node[2], env)
        if not isinstance(num, _ARRAYS) and not isinstance(den, _ARRAYS):
            return _divide(num, den)
        return arrays.elementwise(_divide, num, den)
    if kind == "pow":
        power = node[2] if isinstance(node[2], int) else _CONTEXT.mpf(node[2].numerator) / node[2].denominator
        base = _number(grader, node[1], env)
        if not isinstance(base, _ARRAYS):
            return _power(base, power)
        return arrays.elementwise(lambda b: _power(b, power), base)
    if kind == "fn" and node[1] in _FUNCTIONS:
        if len(node[2]) != 1:
            raise Unread
        arg = _number(grader, node[2][0], env)
        if not isinstance(arg, _ARRAYS):
            return _function(node[1], arg)
        return arrays.elementwise(lambda z: _function(node[1], z), arg)
    if kind == "sum":
        ranges = [grader._sum_range(var, low, high, node[2], env) for var, low, high in node[1]]
        names = [var for var, _, _ in node[1]]
        excluded = node[3] if len(node) > 3 else ()
        if any(other not in env for _, other in excluded):
            raise Unread
        total = 0
        for choice in product(*ranges):
            inner = {**env, **dict(zip(names, choice))}
            if not any(inner[var] == env[other] for var, other in excluded):
                value = _number(grader, node[2], inner)
                if isinstance(total, _ARRAYS) or isinstance(value, _ARRAYS):
                    total = arrays.elementwise(lambda a, b: a + b, total, value)
                else:
                    total = total + value
        return total
    if kind in ("op", "pieces", "ind", "idxrel"):
        raise Unread
    if kind == "entry":  # an entry inside its tensor is its symbol, whatever else the grader holds: its number kept
        key = (node, tuple(env.items()), grader.base)
        known = grader.entry_numbers.get(key)
        if known is None:
            value = grader.value(node, env)
            known = _leaf(grader, value)
            if getattr(value, "is_Symbol", False):
                if len(grader.entry_numbers) >= MAX_REMEMBERED:
                    grader.entry_numbers.clear()
                grader.entry_numbers[key] = known
        return known
    # an entry, a whole tensor, a derivative, a branch (relu, max): as the grader reads it, then at the point
    return _leaf(grader, grader.value(node, env))


def _product(a, b):
    """a times b as arrays.product reads the shapes, of numbers."""
    if not arrays.is_array(a) or not arrays.is_array(b):
        return arrays.elementwise(lambda u, v: u * v, a, b)
    left, right = arrays.column(a), arrays.column(b)
    if left.ndim == 2 and right.ndim == 2 and left.shape[1] == right.shape[0]:
        out = np.empty((left.shape[0], right.shape[1]), dtype=object)
        for i in range(left.shape[0]):
            for j in range(right.shape[1]):
                out[i, j] = _CONTEXT.fsum(left[i, k] * right[k, j] for k in range(left.shape[1]))
        return out
    if a.shape == b.shape or arrays.squeezed(a).shape == arrays.squeezed(b).shape:
        return arrays.elementwise(lambda u, v: u * v, arrays.squeezed(a), arrays.squeezed(b)).reshape(a.shape)
    raise Unread


def _divide(num, den):
    if den == 0:
        raise Unread
    return num / den


def _power(base, power):
    if base == 0:
        raise Unread
    return _finite(base ** power)


def _function(name: str, arg):
    if abs(arg) > HUGE:
        raise Unread
    return _finite(_FUNCTIONS[name](arg))


def _finite(value):
    if not _CONTEXT.isfinite(value):
        raise Unread
    return value
