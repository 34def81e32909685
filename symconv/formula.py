"""Formulas a user writes (an activation in z, a loss in a and t), parsed into SymPy safely.

The text is read by Python's own parser into a syntax tree, and that tree is walked here node by
node: numbers, the allowed variables and parameters, + - * / ** (and ^ for a power), comparisons
for Piecewise's conditions, and calls of a fixed list of functions. Nothing is ever evaluated as
Python: there is no eval, no attribute access, no lambda, no string, no name outside the lists.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping

import sympy
from sympy import Expr, Symbol

from .spec import SpecError, shown

MAX_CHARS = 2000  # a formula longer than this is no activation a course writes
MAX_DEPTH = 60  # nesting of calls and operators

FUNCTIONS = {
    "exp": sympy.exp, "log": sympy.log, "tanh": sympy.tanh, "sqrt": sympy.sqrt, "erf": sympy.erf,
    "Abs": sympy.Abs, "abs": sympy.Abs, "Max": sympy.Max, "max": sympy.Max, "Min": sympy.Min, "min": sympy.Min,
    "Heaviside": sympy.Heaviside, "sin": sympy.sin, "cos": sympy.cos, "Piecewise": sympy.Piecewise,
}
CONSTANTS = {"pi": sympy.pi, "E": sympy.E}
_BINARY = {ast.Add: sympy.Add, ast.Sub: lambda a, b: a - b, ast.Mult: sympy.Mul, ast.Div: lambda a, b: a / b,
           ast.Pow: sympy.Pow, ast.BitXor: sympy.Pow}
_COMPARE = {ast.Gt: sympy.Gt, ast.GtE: sympy.Ge, ast.Lt: sympy.Lt, ast.LtE: sympy.Le}


def parse_formula(text: object, variables: tuple[str, ...], params: Mapping[str, float] | None = None) -> Expr:
    """The SymPy expression of `text` in the given variables (and named numeric parameters, put in as
    exact numbers where they are written exactly).

    Raises:
        SpecError: in one line, naming what is not allowed (an unknown name, a construct, the length).
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
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError) as error:
        raise SpecError(f"formula {shown(text)} is not valid: {getattr(error, 'msg', str(error))}") from None
    except (RecursionError, MemoryError):
        raise SpecError(f"formula {shown(text)} is nested too deeply: at most {MAX_DEPTH} levels") from None
    symbols = {name: Symbol(name, real=True) for name in variables}
    values = {name: sympy.nsimplify(value, rational=True) if isinstance(value, float) else sympy.Integer(value)
              for name, value in params.items()}
    return _Reader(text, symbols, values).read(tree.body, 0)


class _Reader:
    def __init__(self, text: str, symbols: dict[str, Symbol], params: dict[str, Expr]):
        self.text, self.symbols, self.params = text, symbols, params

    def fail(self, what: str) -> SpecError:
        allowed = ", ".join([*self.symbols, *self.params, *sorted({k for k in FUNCTIONS if k[0].islower()} - {"abs", "max", "min"}),
                             "Abs", "Max", "Min", "Piecewise", "Heaviside"])
        return SpecError(f"formula {shown(self.text)}: {what} is not allowed: use numbers, + - * / **, and {allowed}")

    def read(self, node: ast.AST, depth: int) -> Expr:
        if depth > MAX_DEPTH:
            raise SpecError(f"formula {shown(self.text)} is nested too deeply: at most {MAX_DEPTH} levels")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise self.fail(f"the constant {shown(node.value)}")
            return sympy.nsimplify(node.value, rational=True) if isinstance(node.value, float) else sympy.Integer(node.value)
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
            if isinstance(node.op, (ast.Pow, ast.BitXor)) and left.is_number and right.is_number \
                    and (abs(right) > 64 or abs(left) > 10**6):  # 9**9**9 would take SymPy hours
                raise self.fail("a power of numbers this large")
            return _BINARY[type(node.op)](left, right)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.read(node.operand, depth + 1)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
            return _COMPARE[type(node.ops[0])](self.read(node.left, depth + 1), self.read(node.comparators[0], depth + 1))
        if isinstance(node, ast.Call):
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if name not in FUNCTIONS or node.keywords:
                raise self.fail(f"the call {ast.unparse(node.func) if name is None else repr(name)}")
            if name == "Piecewise":
                pieces = []
                for arg in node.args:
                    if not isinstance(arg, ast.Tuple) or len(arg.elts) != 2:
                        raise self.fail("a Piecewise argument that is not a pair (value, condition)")
                    value = self.read(arg.elts[0], depth + 1)
                    cond = arg.elts[1]
                    condition = sympy.true if isinstance(cond, ast.Constant) and cond.value is True \
                        else self.read(cond, depth + 1)
                    pieces.append((value, condition))
                return sympy.Piecewise(*pieces)
            return FUNCTIONS[name](*(self.read(arg, depth + 1) for arg in node.args))
        raise self.fail(f"the construct {type(node).__name__}")


def evaluate(expr: Expr, env: Mapping[Symbol, object], lib: str):
    """The value of a parsed formula at arrays (NumPy, lib "numpy") or tensors (PyTorch, lib "torch"),
    walking its tree: the independent references compute with the formula itself, not with symconv's
    entries. `env` gives each variable's array."""
    if lib == "numpy":
        import numpy as xp
        where, maximum, minimum = xp.where, xp.maximum, xp.minimum
        erf = xp.vectorize(__import__("math").erf, otypes=[float])
        heaviside = lambda x, h: xp.heaviside(x, h)
    else:
        import torch as xp
        # torch's binary functions take tensors (they broadcast them): a number becomes a 0-d tensor.
        tensor = lambda v: v if xp.is_tensor(v) else xp.tensor(float(v), dtype=xp.float64)
        where = lambda c, a, b: xp.where(c, tensor(a), tensor(b))
        maximum = lambda a, b: xp.maximum(tensor(a), tensor(b))
        minimum = lambda a, b: xp.minimum(tensor(a), tensor(b))
        erf = xp.erf
        heaviside = lambda x, h: xp.heaviside(x, tensor(h))

    def go(e):
        if e in env:
            return env[e]
        if e.is_Number or e in (sympy.pi, sympy.E):
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
        simple = {sympy.exp: xp.exp, sympy.log: xp.log, sympy.tanh: xp.tanh, sympy.sin: xp.sin, sympy.cos: xp.cos,
                  sympy.Abs: xp.abs, sympy.erf: erf}
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
