"""Where a formula can be tested numerically: inside its domain (sqrt and log of positive numbers,
acosh above 1, atanh between -1 and 1) and away from its poles (1/z near 0, tan near pi/2), where
finite differences are accurate to the tolerance verify asks for.

The edges are found from the formula's tree (a denominator, the argument of log, of a root, of acosh
or atanh, cos under tan), their zeros numerically near the data (symconv.kinks.numeric_zeros): a
bounded amount of work for any formula.
"""

from __future__ import annotations

import sympy
from sympy import Expr, Symbol

from .formula import evaluate
from .kinks import numeric_zeros

MARGIN = 0.5  # how far from an edge of the domain a test point stays (1/z's finite differences: 1e-11)


def edges(expr: Expr, var: Symbol) -> list[Expr]:
    """Expressions whose zeros are poles of `expr` or edges of its domain."""
    found = []
    for node in sympy.preorder_traversal(expr):
        if node.is_Pow and node.exp.is_number and not (node.exp.is_Integer and node.exp > 0):
            found.append(node.base)  # 1/x, sqrt(x), x**(-1/2), x**2.5
        elif node.is_Pow and not node.exp.is_number:
            found.append(node.base)  # x**z: real for x > 0
        elif node.func is sympy.log:
            found.append(node.args[0])
        elif node.func is sympy.acosh:
            found.append(node.args[0] - 1)
        elif node.func is sympy.atanh:
            found += [node.args[0] - 1, node.args[0] + 1]
        elif node.func is sympy.tan:
            found.append(sympy.cos(node.args[0]))
    return [e for e in dict.fromkeys(found) if var in e.free_symbols]


def inside(expr: Expr, var: Symbol, x, env: dict | None = None):
    """True for each entry of `x` where `expr` is finite and real and every edge of its domain is at
    least MARGIN away (other variables' arrays in `env`; their edges are not looked for)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    with np.errstate(all="ignore"):
        value = np.asarray(evaluate(expr, {var: x, **(env or {})}, "numpy")) * np.ones_like(x)
        ok = np.isfinite(value) & np.isreal(value)
        if x.size == 0:
            return ok
        low, high = float(np.nanmin(x)) - 2 * MARGIN, float(np.nanmax(x)) + 2 * MARGIN
        for edge in edges(expr, var):
            if edge.free_symbols == {var}:
                for zero in numeric_zeros(edge, var, low, high):
                    ok &= np.abs(x - zero) >= MARGIN
    return ok
