"""Where a formula has a kink, what slopes it has beside one, and the convention the derivation and
the NumPy reference share there: at a kink the derivative takes the slope from the left (relu's 0 at
0 and leaky relu's alpha, as frameworks take them).

Every step is bounded: a kink is solved exactly only where its piece changes at a zero of a
polynomial of degree 2 at most (SymPy's solveset on anything else can run for minutes, or not at
all: sin(z) = z/2); other kinks are found numerically, on a grid, where they are needed (the
reference's data, or the window the document speaks of). The slopes beside a point are the pieces
that hold there, evaluated at it: no sympy.limit.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Heaviside, Symbol

STATED = 4  # kinks the document names, at most
WINDOW = 10.0  # the document looks for numeric kinks in [-WINDOW, WINDOW]
GRID = 4001  # points of the grid a numeric kink is looked for on
BESIDE = sympy.Rational(1, 10**9)  # how far beside a kink its sides are taken


def arguments(expr: Expr, var: Symbol) -> list[Expr]:
    """The expressions whose zeros in `var` are where a piece of `expr` changes: Piecewise conditions,
    Abs, sign and Heaviside arguments, differences of Max and Min arguments."""
    found = []
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.core.relational.Relational):
            found.append(node.lhs - node.rhs)
        elif node.func in (sympy.Abs, Heaviside, sympy.sign):
            found.append(node.args[0])
        elif node.func in (sympy.Max, sympy.Min):
            found += [a - b for k, a in enumerate(node.args) for b in node.args[k + 1:]]
    return [arg for arg in dict.fromkeys(found) if var in arg.free_symbols]


def _exact(arg: Expr, var: Symbol) -> list[Expr] | None:
    """The real zeros of a polynomial of degree 2 at most in `var` (numeric coefficients), else None."""
    if arg.free_symbols != {var} or not arg.is_polynomial(var):
        return None
    poly = sympy.Poly(arg, var)
    if poly.degree() > 2 or poly.degree() < 1:
        return None
    return [r for r in sympy.solveset(arg, var, sympy.S.Reals)]


def numeric_zeros(arg: Expr, var: Symbol, low: float, high: float, points: int = GRID) -> list[float]:
    """Zeros of `arg` in [low, high] where it changes sign, found on a grid and refined by bisection:
    a fixed amount of work, whatever the expression."""
    import numpy as np

    from .formula import evaluate

    value = lambda x: np.asarray(evaluate(arg, {var: x}, "numpy"), dtype=float) * np.ones_like(x)
    with np.errstate(all="ignore"):
        x = np.linspace(low, high, points)
        y = value(x)
        zeros = list(x[y == 0])
        change = np.nonzero(np.isfinite(y[:-1]) & np.isfinite(y[1:]) & (np.sign(y[:-1]) * np.sign(y[1:]) < 0))[0]
        left, right = x[change], x[change + 1]
        sign_left = np.sign(y[change])
        for _ in range(60):
            middle = (left + right) / 2
            same = np.sign(value(middle)) == sign_left
            left, right = np.where(same, middle, left), np.where(same, right, middle)
    return sorted(zeros + list((left + right) / 2))


def exact_kinks(expr: Expr, var: Symbol) -> list[Expr]:
    """Every kink of `expr` that is a zero of a polynomial of degree 2 at most (exact numbers), in order."""
    found: set = set()
    for arg in arguments(expr, var):
        found |= set(_exact(arg, var) or [])
    return sorted(found, key=float)


def kinks(expr: Expr, var: Symbol, stated: int = STATED) -> list[Expr]:
    """The points where a piece of `expr` changes (where its derivative may not exist): exact where the
    piece changes at a zero of a polynomial of degree 2 at most, else numbers (Floats, 6 digits) found
    in [-WINDOW, WINDOW]; the `stated` nearest 0, in order."""
    found = set(exact_kinks(expr, var))
    for arg in arguments(expr, var):
        if _exact(arg, var) is None and arg.free_symbols == {var}:
            found |= {sympy.Float(z, 6) for z in numeric_zeros(arg, var, -WINDOW, WINDOW)}
    nearest = sorted(found, key=lambda k: (abs(float(k)), float(k)))[:stated]
    return sorted(nearest, key=float)


def reference_kinks(expr: Expr, var: Symbol, low: float, high: float) -> list[float]:
    """Every kink in [low, high] the NumPy reference must not difference across: the exact ones as
    floats (a data point at an exact kink is recognized as at it), the others numerically."""
    found = []
    for arg in arguments(expr, var):
        exact = _exact(arg, var)
        if exact is not None:
            found += [float(k) for k in exact if low <= float(k) <= high]
        elif arg.free_symbols == {var}:
            found += numeric_zeros(arg, var, low, high, max(GRID, int(200 * (high - low))))
    return sorted(set(found))


def _positive(value: Expr) -> bool:
    return bool(value.evalf(30) > 0)


def beside(expr: Expr, var: Symbol, point: Expr, side: int) -> Expr:
    """`expr` with each piece that changes at `point` replaced by the one that holds just beside it
    (side -1: left, +1: right): a Piecewise by its piece, Heaviside and sign by their values. What is
    left is continuous at the point."""
    near = point + side * BESIDE

    def holds(condition) -> bool:
        return condition == sympy.true or bool(condition.subs(var, near))

    def piece(e):
        if isinstance(e, sympy.Piecewise):
            return next(beside(p, var, point, side) for p, c in e.args if holds(c))
        if e.func is Heaviside and var in e.args[0].free_symbols:
            return sympy.Integer(1 if _positive(e.args[0].subs(var, near)) else 0)
        if e.func is sympy.sign and var in e.args[0].free_symbols:
            return sympy.Integer(1 if _positive(e.args[0].subs(var, near)) else -1)
        return None
    return expr.replace(lambda e: piece(e) is not None, piece) if expr.has(sympy.Piecewise, Heaviside, sympy.sign) else expr


def one_sided(expr: Expr, var: Symbol, point: Expr, side: int) -> Expr:
    """The value `expr` approaches at `point` from one side: its pieces beside the point, at the point."""
    return beside(expr, var, point, side).subs(var, point)


def from_the_left(derivative: Expr, var: Symbol, points: list[Expr]) -> Expr:
    """The derivative with the shared convention at each exact kink: where its value at the point is not
    the slope from the left, a first piece says so ({slope if z = k; ... otherwise})."""
    pieces = []
    for k in points:
        left, value = one_sided(derivative, var, k, -1), derivative.subs(var, k)
        if left.free_symbols or value.free_symbols:
            continue  # a loss's kink in a that moves with t: SymPy's value stands (see the loss's docstring)
        if abs(sympy.N(left - value, 30)) > 1e-20:
            pieces.append((left, sympy.Eq(var, k)))
    return sympy.Piecewise(*pieces, (derivative, True)) if pieces else derivative
