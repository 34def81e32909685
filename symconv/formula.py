"""Formulas a user writes (an activation in z, a loss in a and t), parsed into SymPy safely.

The text is read by Python's own parser into a syntax tree, and that tree is walked here node by
node: numbers, the allowed variables and parameters, + - * / ** (and ^ for a power), comparisons
for Piecewise's conditions, and calls of a fixed list of functions. Nothing is ever evaluated as
Python: there is no eval, no attribute access, no lambda, no string, no name outside the lists.

Every step's work is bounded before it is done, so that no formula of MAX_CHARS characters makes
SymPy run for minutes: each number the formula computes (exp(exp(100)), 9**64) is evaluated as soon
as it is built and must be a finite real float64, so the next function never sees a larger one; a
power's exponent is at most MAX_EXPONENT; and the formula multiplied out has at most MAX_TERMS terms
(the documents break long derivatives into their terms). What has no value (nan, inf, 0**-1, log(0),
log(-1), Max(), a Piecewise with no last piece (value, True), a relation where a value belongs,
(-1)**z) is refused in one line.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Mapping

import sympy
from sympy import Expr, Symbol

from .spec import SpecError, shown

MAX_CHARS = 2000  # a formula longer than this is no activation a course writes
MAX_DEPTH = 60  # nesting of calls and operators
MAX_EXPONENT = 64  # z**64 is the largest power a formula may take (z**10**10 would hang SymPy's printing)
MAX_TERMS = 2000  # terms of the formula (or of its derivative) multiplied out

# name: (SymPy's function, least and most arguments); the lowercase Abs, Max and Min are Python's spelling.
FUNCTIONS = {
    "exp": (sympy.exp, 1, 1), "log": (sympy.log, 1, 1), "sqrt": (sympy.sqrt, 1, 1),
    "sin": (sympy.sin, 1, 1), "cos": (sympy.cos, 1, 1), "tan": (sympy.tan, 1, 1), "atan": (sympy.atan, 1, 1),
    "sinh": (sympy.sinh, 1, 1), "cosh": (sympy.cosh, 1, 1), "tanh": (sympy.tanh, 1, 1),
    "asinh": (sympy.asinh, 1, 1), "acosh": (sympy.acosh, 1, 1), "atanh": (sympy.atanh, 1, 1),
    "erf": (sympy.erf, 1, 1), "erfc": (sympy.erfc, 1, 1), "sign": (sympy.sign, 1, 1),
    "Abs": (sympy.Abs, 1, 1), "abs": (sympy.Abs, 1, 1), "Max": (sympy.Max, 1, 8), "max": (sympy.Max, 1, 8),
    "Min": (sympy.Min, 1, 8), "min": (sympy.Min, 1, 8), "Heaviside": (sympy.Heaviside, 1, 2),
    "Piecewise": (sympy.Piecewise, 1, 8),
}
ALLOWED = [name for name in FUNCTIONS if name not in ("abs", "max", "min")]
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
_BINARY = {ast.Add: sympy.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sympy.Mul, ast.Div: lambda a, b: a / b,
           ast.Pow: sympy.Pow, ast.BitXor: sympy.Pow}
_COMPARE = {ast.Gt: sympy.Gt, ast.GtE: sympy.Ge, ast.Lt: sympy.Lt, ast.LtE: sympy.Le}
_NO_VALUE = (sympy.S.NaN, sympy.S.ComplexInfinity, sympy.S.Infinity, sympy.S.NegativeInfinity, sympy.I)


def expanded_terms(expr: Expr, limit: int = MAX_TERMS) -> int:
    """How many terms `expr` has multiplied out (sympy.expand, which goes into functions' arguments too),
    counted from its tree without expanding: an upper estimate, and no more than limit + 1."""
    def terms(e: Expr) -> int:
        if e.is_Add:
            return min(limit + 1, sum(terms(a) for a in e.args))
        if e.is_Mul:
            return min(limit + 1, math.prod(terms(a) for a in e.args))
        if e.is_Pow and e.exp.is_Integer and 0 < e.exp <= MAX_EXPONENT:
            return min(limit + 1, math.comb(terms(e.base) + int(e.exp) - 1, int(e.exp)))
        return 1
    total = terms(expr)
    for node in sympy.preorder_traversal(expr):
        if isinstance(node, sympy.Function) or isinstance(node, sympy.Piecewise):
            total += sum(terms(a) for a in node.args if isinstance(a, Expr))
        if total > limit:
            return limit + 1
    return min(total, limit + 1)


def parse_formula(text: object, variables: tuple[str, ...], params: Mapping[str, float] | None = None) -> Expr:
    """The SymPy expression of `text` in the given variables (and named numeric parameters, put in as
    exact numbers where they are written exactly).

    Raises:
        SpecError: in one line, naming what is not allowed (an unknown name, a construct, the length, a
            number with no finite real value, a power or an expansion too large) and what is.
    """
    params = dict(params or {})
    if not isinstance(text, str):
        raise SpecError(f"formula {shown(text)} is not valid: give it as text, e.g. \"z / (1 + exp(-z))\"")
    if len(text) > MAX_CHARS:
        raise SpecError(f"formula of {len(text):,} characters is too long: give one of at most {MAX_CHARS:,}")
    for name, value in params.items():
        if not isinstance(name, str) or not name.isidentifier() or name in FUNCTIONS or name in CONSTANTS \
                or name in variables:
            raise SpecError(f"parameter {shown(name)} is not valid: give a new name such as alpha")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SpecError(f"parameter {name} = {shown(value)} is not valid: give a number")
        if not math.isfinite(value) or abs(value) > 1e300:
            raise SpecError(f"parameter {name} = {shown(value)} is not valid: give a finite number (at most 1e300 in size)")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as error:
        raise SpecError(f"formula {shown(text)} is not valid: {getattr(error, 'msg', str(error))}") from None
    except (RecursionError, MemoryError):
        raise SpecError(f"formula {shown(text)} is nested too deeply: at most {MAX_DEPTH} levels") from None
    symbols = {name: Symbol(name, real=True) for name in variables}
    values = {name: sympy.nsimplify(value, rational=True) if isinstance(value, float) else sympy.Integer(value)
              for name, value in params.items()}
    reader = _Reader(text, symbols, values)
    expr = reader.read(tree.body, 0)
    if not isinstance(expr, Expr):
        raise reader.fail(f"a condition ({expr}) where a value belongs", "a value, such as Piecewise((z, z > 0), (0, True))")
    if expr.has(*_NO_VALUE):
        raise reader.wrong(f"it is {shown(str(expr), 30)}, with no finite real value", "give a formula that is finite and real")
    large = [n for n in expr.atoms(sympy.Number) if abs(n) > 1e308]
    if large:
        raise reader.wrong(f"it has the number {shown(large[0])}, larger than 1e308", "give numbers of at most about 1e308")
    if expanded_terms(expr) > MAX_TERMS:
        raise reader.fail(f"a formula of more than {MAX_TERMS:,} terms multiplied out", "a shorter one")
    return expr


class _Reader:
    def __init__(self, text: str, symbols: dict[str, Symbol], params: dict[str, Expr]):
        self.text, self.symbols, self.params = text, symbols, params

    def fail(self, what: str, instead: str = "") -> SpecError:
        """The refusal: what is not allowed, and what is (by default, the names and functions)."""
        allowed = ", ".join([*self.symbols, *self.params, *ALLOWED, "pi", "E"])
        return SpecError(f"formula {shown(self.text)}: {what} is not allowed: "
                         + (instead if instead else f"use numbers, + - * / **, and {allowed}"))

    def wrong(self, what: str, instead: str) -> SpecError:
        """The refusal of something the formula says that has no meaning (a number with no value)."""
        return SpecError(f"formula {shown(self.text)}: {what}: {instead}")

    def source(self, node: ast.AST) -> str:
        return shown(ast.get_source_segment(self.text.strip(), node) or ast.unparse(node))

    def number(self, value: Expr, node: ast.AST) -> Expr:
        """A number the formula computes, checked at once: a finite real float64, so that nothing built
        on it grows further (exp(exp(exp(100))) is refused at exp(exp(100)), before SymPy compares it)."""
        if isinstance(value, Expr) and value.is_number and not value.is_Rational:
            if value.has(*_NO_VALUE):
                approx = value
            else:
                approx = value.evalf(15)
            if not approx.is_Float or not math.isfinite(float(approx)):
                what = ("larger than 1e308" if approx.is_Float else "not real" if approx.has(sympy.I)
                        else f"{approx}, not a finite real number")
                raise self.wrong(f"{self.source(node)} is {what}", "give numbers that are finite and real (at most about 1e308)")
        elif isinstance(value, Expr) and value.is_Rational and abs(value) > 1e308:
            raise self.wrong(f"{self.source(node)} is larger than 1e308", "give numbers of at most about 1e308")
        return value

    def read(self, node: ast.AST, depth: int, condition: bool = False) -> Expr:
        if depth > MAX_DEPTH:
            raise SpecError(f"formula {shown(self.text)} is nested too deeply: at most {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"the constant {shown(node.value)}")
            if isinstance(node.value, float) and not math.isfinite(node.value):
                raise self.wrong(f"the number {self.source(node)} is not finite", "give numbers of at most about 1e308")
            value = sympy.nsimplify(node.value, rational=True) if isinstance(node.value, float) else sympy.Integer(node.value)
            return self.number(value, node)
        if isinstance(node, ast.Name):
            if node.id in self.symbols:
                return self.symbols[node.id]
            if node.id in self.params:
                return self.params[node.id]
            if node.id in CONSTANTS:
                return CONSTANTS[node.id]
            raise self.fail(f"the name {node.id!r}")
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left, right = self.read(node.left, depth + 1), self.read(node.right, depth + 1)
            if isinstance(node.op, (ast.Pow, ast.BitXor)):
                self.check_power(left, right, node)
            return self.number(_BINARY[type(node.op)](left, right), node)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.read(node.operand, depth + 1)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Compare):
            if not condition:
                raise self.fail(f"the comparison {self.source(node)} outside a Piecewise condition",
                                "compare only in Piecewise's conditions, e.g. Piecewise((z, z > 0), (0, True))")
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARE:
                raise self.fail(f"the comparison {self.source(node)}", "compare two values with one of < <= > >=")
            return _COMPARE[type(node.ops[0])](self.read(node.left, depth + 1), self.read(node.comparators[0], depth + 1))
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS or node.keywords:
                raise self.fail(f"the call {ast.unparse(node.func) if name is None else repr(name)}")
            function, least, most = FUNCTIONS[name]
            if not least <= len(node.args) <= most:
                count = f"{least}" if least == most else f"{least} to {most}"
                raise self.fail(f"{self.source(node)} with {len(node.args)} arguments", f"give {name} {count}")
            if name == "Piecewise":
                return self.piecewise(node, depth)
            value = function(*(self.read(arg, depth + 1) for arg in node.args))
            return self.number(value, node)
        raise self.fail(f"the construct {type(node).__name__}")

    def check_power(self, base: Expr, exponent: Expr, node: ast.AST) -> None:
        """A power SymPy can work with: no exponent above MAX_EXPONENT in size (z**10**10 would take hours
        to print), no numbers too large to write, and no negative number to a power in a variable
        ((-1)**z is real only at whole z)."""
        if exponent.is_number and abs(exponent.evalf(15)) > MAX_EXPONENT:
            raise self.fail(f"the power {self.source(node)}, with an exponent above {MAX_EXPONENT}",
                            f"give exponents of at most {MAX_EXPONENT} in size")
        if base.is_number and exponent.is_number and abs(base.evalf(15)) > 10**6:
            raise self.fail(f"the power {self.source(node)} of a number this large", "give a base of at most 10**6")
        if base.is_number and not exponent.is_number and not base.evalf(15) > 0:
            raise self.fail(f"the power {self.source(node)}, which is not real at most values",
                            "raise only a positive number to a power in a variable, e.g. 2**z")

    def piecewise(self, node: ast.Call, depth: int) -> Expr:
        """Piecewise((value, condition), ..., (value, True)): each condition a comparison, the last True,
        so that the formula has a value at every point."""
        pieces = []
        for k, arg in enumerate(node.args):
            if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
                raise self.fail("a Piecewise argument that is not a pair (value, condition)")
            value, cond = self.read(arg.elts[0], depth + 1), arg.elts[1]
            if isinstance(cond, ast.Constant) and cond.value is True:
                condition = sympy.true
            else:
                condition = self.read(cond, depth + 1, condition=True)
                if not isinstance(condition, (sympy.core.relational.Relational, sympy.logic.boolalg.BooleanAtom)):
                    raise self.fail(f"the condition {self.source(cond)}", "give a comparison such as z > 0, or True")
            pieces.append((value, condition))
            if condition == sympy.true:
                if k != len(node.args) - 1:
                    raise self.fail("a Piecewise piece after one with condition True", "end with (value, True)")
                return sympy.Piecewise(*pieces)
        raise self.fail(f"{self.source(node)} with no last piece (value, True), which leaves it with no value at some points",
                        "end the pieces with (value, True)")


def evaluate(expr: Expr, env: Mapping[Symbol, object], lib: str):
    """The value of a parsed formula at arrays (NumPy, lib "numpy") or tensors (PyTorch, lib "torch"),
    walking its tree: the independent references compute with the formula itself, not with symconv's
    entries. `env` gives each variable's array."""
    if lib == "numpy":
        import numpy as xp
        where, maximum, minimum = xp.where, xp.maximum, xp.minimum
        erf = xp.vectorize(math.erf, otypes=[float])
        erfc = xp.vectorize(math.erfc, otypes=[float])
        inverse = {"atan": xp.arctan, "asinh": xp.arcsinh, "acosh": xp.arccosh, "atanh": xp.arctanh}
        heaviside = lambda x, h: xp.heaviside(x, h)
    else:
        import torch as xp
        # torch's binary functions take tensors (they broadcast them): a number becomes a 0-d tensor.
        tensor = lambda v: v if xp.is_tensor(v) else xp.tensor(float(v), dtype=xp.float64)
        where = lambda c, a, b: xp.where(c, tensor(a), tensor(b))
        maximum = lambda a, b: xp.maximum(tensor(a), tensor(b))
        minimum = lambda a, b: xp.minimum(tensor(a), tensor(b))
        erf, erfc = xp.erf, xp.erfc
        inverse = {"atan": xp.atan, "asinh": xp.asinh, "acosh": xp.acosh, "atanh": xp.atanh}
        heaviside = lambda x, h: xp.heaviside(x, tensor(h))

    def go(e):
        if e in env:
            return env[e]
        if isinstance(e, Expr) and e.is_number:  # exp(2), sqrt(2), pi: finite and real (parse_formula checks)
            return float(e)
        if e.func is sympy.Piecewise:  # the first piece whose condition holds
            value = None
            for piece, cond in reversed(e.args):
                v = go(piece)
                value = v if value is None or cond == sympy.true else where(go(cond), v, value)
            return value
        args = [go(a) for a in e.args]
        if e.is_Add:
            total = args[0]
            for a in args[1:]:
                total = total + a
            return total
        if e.is_Mul:
            total = args[0]
            for a in args[1:]:
                total = total * a
            return total
        if e.is_Pow:
            return args[0] ** args[1]
        simple = {sympy.exp: xp.exp, sympy.log: xp.log, sympy.sin: xp.sin, sympy.cos: xp.cos, sympy.tan: xp.tan,
                  sympy.sinh: xp.sinh, sympy.cosh: xp.cosh, sympy.tanh: xp.tanh, sympy.atan: inverse["atan"],
                  sympy.asinh: inverse["asinh"], sympy.acosh: inverse["acosh"], sympy.atanh: inverse["atanh"],
                  sympy.Abs: xp.abs, sympy.sign: xp.sign, sympy.erf: erf, sympy.erfc: erfc}
        if e.func in simple:
            return simple[e.func](args[0])
        if e.func is sympy.Max or e.func is sympy.Min:
            total = args[0]
            for a in args[1:]:
                total = (maximum if e.func is sympy.Max else minimum)(total, a)
            return total
        if e.func is sympy.Heaviside:
            return heaviside(args[0], 0.5 if len(args) == 1 else args[1])
        if isinstance(e, sympy.core.relational.Relational):
            ops = {sympy.StrictGreaterThan: lambda a, b: a > b, sympy.GreaterThan: lambda a, b: a >= b,
                   sympy.StrictLessThan: lambda a, b: a < b, sympy.LessThan: lambda a, b: a <= b}
            return ops[type(e)](args[0], args[1])
        if e == sympy.true:
            return True
        raise ValueError(f"cannot evaluate {e.func.__name__} in a formula")
    return go(expr)
