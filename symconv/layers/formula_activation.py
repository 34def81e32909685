"""An activation given by its formula in z (swish, GELU, softplus, leaky relu, ELU, this year's exam's),
differentiated by SymPy.

a = f(z) entry by entry; dL/dz = g f'(z), with f' = sympy.diff(f, z) simplified, and written with the
layer's own output a where that is a polynomial of degree 2 at most in a (as the sigmoid's a(1 - a)).
Where f has no derivative (a kink of Max, Min, Abs, sign, Heaviside or Piecewise), the entries take the
slope from the left, as frameworks take relu's derivative at 0 (symconv.kinks): Heaviside(0) is taken
as 0, and where SymPy's f' has another value at an exact kink, a first piece {slope if z = k} says so.
The document states the value at each kink. The references compute with the formula itself: NumPy by
central finite differences (one-sided beside a kink, from the left at it), PyTorch by autograd.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from functools import cached_property
from math import prod
from typing import ClassVar

import sympy
from sympy import Expr, Heaviside, Symbol, diff

from .. import domain
from ..formula import MAX_TERMS, evaluate, expanded_terms, parse_formula
from ..kinks import exact_kinks, kinks, one_sided, reference_kinks, from_the_left
from ..spec import SpecError, shown
from .base import BYTES_PER_EXPRESSION, DocStep, Layer, Shape, Step, Words, Work

Z, A = Symbol("z", real=True), Symbol("a", real=True)
LONG = 90  # characters of LaTeX that fit on a line of the page
PIECES = (sympy.Piecewise, sympy.Max, sympy.Min, sympy.Abs, Heaviside, sympy.sign)  # no derivative in the output
SIMPLIFY_OPS = 400  # a derivative of more operations than this is not rewritten (factor_terms, together)


def fixed_params(params: object) -> tuple[tuple[str, float], ...]:
    """A table of named numbers ({alpha = 0.01}) as a sorted tuple of pairs (a frozen field)."""
    if isinstance(params, dict):
        params = tuple(sorted(params.items()))
    if not isinstance(params, tuple) or not all(isinstance(p, tuple) and len(p) == 2 for p in params):
        raise SpecError(f"params {shown(params)} is not valid: give a table of numbers, e.g. {{ alpha = 0.01 }}")
    return params


def pin_heaviside(expr: Expr) -> Expr:
    """Heaviside(x) (SymPy's value 1/2 at 0) as Heaviside(x, 0): the derivative of relu and of max is 0
    at the tie, as frameworks take it."""
    return expr.replace(lambda e: e.func is Heaviside and (len(e.args) == 1 or e.args[1] == sympy.S.Half),
                        lambda e: Heaviside(e.args[0], 0))


def tex(expr: Expr, names: dict | None = None) -> str:
    """LaTeX of a formula's expression in one line (no cases environment, which an aligned display and
    the HTML's MathML would split): a Piecewise as {v if c; w otherwise}, Heaviside(x, 0) as 1[x > 0]."""
    names = dict(names or {})
    pieces: dict = {}

    def inline(e):
        key = Symbol(f"piecewise{len(pieces)}")
        parts = [tex(v, names) + (r" \text{ otherwise}" if c == sympy.true else rf" \text{{ if }} {tex(c, names)}")
                 for v, c in e.args]
        pieces[key] = r"\{\, " + r";\ ".join(parts) + r" \,\}"
        return key
    flat = expr.replace(lambda e: isinstance(e, sympy.Piecewise), inline)
    text = sympy.latex(flat, symbol_names={**names, **pieces})
    return re.sub(r"\\theta\\left\((.+?), 0\\right\)", r"\\mathbb{1}[\1 > 0]", text)


def param_tex(name: str) -> str:
    """LaTeX of a parameter's name: SymPy's for a plain name (alpha, beta_1), otherwise the name itself in
    italics, its underscores escaped (__class__ would otherwise be read as subscripts)."""
    if name.count("_") <= 1 and not name.startswith("_") and not name.endswith("_"):
        return tex(Symbol(name))
    return r"\mathit{" + name.replace("_", r"\_") + "}"


def derivative_of(expr: Expr, var: Symbol) -> Expr:
    """sympy.diff of a formula where it exists, in its shortest of a few cheap forms, with the kink
    convention: a DiracDelta (the derivative of a jump) is dropped, Heaviside(0) is 0 and every exact
    kink takes the slope from the left. The rewrites are tried only on a derivative of a bounded size
    (sympy.simplify can take minutes on GELU's derivative, and is never called)."""
    d = diff(expr, var).replace(lambda e: e.func is sympy.DiracDelta, lambda e: sympy.S.Zero)
    if sympy.count_ops(d) <= SIMPLIFY_OPS:
        d = min([d, sympy.factor_terms(d), sympy.together(d)], key=lambda e: (sympy.count_ops(e), len(str(e))))
    return from_the_left(pin_heaviside(d), var, exact_kinks(expr, var))


# What deriving a formula layer costs, measured (CPU time, derive + JSON + tex + md, 1 to 16 entries, 30 to
# 100 layers): a fixed part per layer (the derivative and the kinks, 1 to 5 ms; and the search for the
# derivative in the layer's output, which formulas with pieces skip: 51 ms for swish, 74 ms for
# tanh-GELU) and a part per term (0.25 ms for leaky relu, 1.05 ms for swish, 6.3 ms for tanh-GELU), both
# growing with the formula's operations.
LAYER_SECONDS = 5e-3
IN_OUTPUT_SECONDS_PER_OP, IN_OUTPUT_SECONDS_MOST = 1.2e-2, 8e-2
TERM_SECONDS_PER_OP = 1.5e-4  # times 1 + 3 ops (about the derivative's operations)


def formula_work(expr: Expr, terms: int, in_output: bool) -> Work:
    """The size estimate of a formula layer with `terms` terms: per layer (with the search for the
    derivative in the output if `in_output`) and per term, by the formula's operations."""
    ops = sympy.count_ops(expr)
    layer = LAYER_SECONDS + (min(IN_OUTPUT_SECONDS_MOST, IN_OUTPUT_SECONDS_PER_OP * ops) if in_output else 0.0)
    return Work(terms, layer + terms * TERM_SECONDS_PER_OP * (1 + 3 * ops), terms * BYTES_PER_EXPRESSION)


def expanded(expr: Expr) -> Expr:
    """`expr` multiplied out, if that stays within MAX_TERMS terms; else as it is."""
    return sympy.expand(expr) if expanded_terms(expr) <= MAX_TERMS else expr


@dataclass(frozen=True)
class FormulaActivation(Layer):
    """a = f(z), entry by entry, for a formula f in z with named numeric parameters."""

    formula: str
    constants: tuple = ()  # the file's params table: named numbers the formula uses
    type: ClassVar[str] = "activation"
    entrywise_activation: ClassVar[bool] = True
    aliases: ClassVar[dict[str, str]] = {"params": "constants"}

    def __post_init__(self) -> None:
        if isinstance(self.formula, sympy.Basic):  # the API takes a SymPy expression too: read back as text
            object.__setattr__(self, "formula", str(self.formula))
        object.__setattr__(self, "constants", fixed_params(self.constants))
        self.expression  # noqa: B018  (parses, or raises SpecError naming what is wrong)

    def as_fields(self) -> dict[str, object]:
        return {"type": self.type, "formula": self.formula, "params": dict(self.constants)}

    @cached_property
    def expression(self) -> Expr:
        return parse_formula(self.formula, ("z",), dict(self.constants)).xreplace({Symbol("z", real=True): Z})

    @cached_property
    def derivative(self) -> Expr:
        """sympy.diff of the formula, in its shortest of a few cheap forms, left-continuous at kinks."""
        return derivative_of(self.expression, Z)

    @cached_property
    def in_output(self) -> Expr | None:
        """f' as a polynomial of degree 2 at most in a = f(z), if it is one (the sigmoid's a - a^2)."""
        f, d = self.expression, self.derivative
        if d.free_symbols != {Z} or f.has(*PIECES):
            return None
        import numpy as np  # here, not at import time: the CLI's start stays quick

        rng = random.Random(0)
        points = [sympy.Rational(rng.randint(-300, 300), 100) for _ in range(3)]
        try:
            rows = [[1, float(f.subs(Z, p)), float(f.subs(Z, p)) ** 2] for p in points]
            target = [float(d.subs(Z, p)) for p in points]
            coef = np.linalg.solve(np.array(rows), np.array(target))
            if not np.all(np.isfinite(rows)) or not np.all(np.abs(rows) < 1e100):
                return None
        except (TypeError, ValueError, ArithmeticError, np.linalg.LinAlgError):
            return None
        guess = sum(sympy.nsimplify(round(c, 9), rational=True) * A**k for k, c in enumerate(coef))
        if guess.free_symbols != {A}:
            return None
        # Equal to 40 digits at eight other points: a polynomial in f that agrees there is f' itself.
        checks = [sympy.Rational(rng.randint(-500, 500), 97) for _ in range(8)]
        gap = lambda p: abs((guess.subs(A, f) - d).subs(Z, p).evalf(60))
        return guess if all(gap(p) < sympy.Float("1e-40") for p in checks) else None

    def _local(self, z, a) -> Expr:
        return self.in_output.xreplace({A: a}) if self.in_output is not None else self.derivative.xreplace({Z: z})

    # -- shapes and size --
    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def work(self, shape: Shape) -> Work:
        return formula_work(self.expression, 2 * prod(shape), not self.expression.has(*PIECES))

    # -- the derivation --
    def forward(self, step: Step) -> dict:
        return {"out": [self.expression.xreplace({Z: z}) for z in step.inp]}

    def backward(self, step: Step) -> dict:
        # A long derivative (GELU's) is multiplied out term by term, so that its entries break into lines.
        long = len(str(self.derivative)) > LONG
        times = lambda g, local: sympy.Add(*(g * t for t in sympy.Add.make_args(expanded(local)))) if long else g * local
        return {"in": [times(g, self._local(z, a)) for z, a, g in zip(step.inp, step.out, step.upstream)]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        return [(n, n, self._local(z, a)) for n, (z, a) in enumerate(zip(step.inp, step.out))]

    # -- the references: the formula itself --
    def numpy_forward(self, np, a, params: dict):
        return np.asarray(evaluate(self.expression, {Z: a}, "numpy"), dtype=float) * np.ones_like(a), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """Central differences, Richardson-extrapolated (error of order h^4); one-sided, away from a kink,
        for an entry within 2h of one: from the right just right of it, from the left at it and left of
        it (the convention at a kink)."""
        f = lambda x: np.asarray(evaluate(self.expression, {Z: x}, "numpy"), dtype=float) * np.ones_like(x)
        h = 1e-3
        central = lambda step: (f(a + step) - f(a - step)) / (2 * step)
        slope = (4 * central(h / 2) - central(h)) / 3
        low, high = (float(np.min(a)) - 2 * h, float(np.max(a)) + 2 * h) if np.size(a) else (0.0, 0.0)
        for k in reference_kinks(self.expression, Z, low, high):
            near = np.abs(a - k) < 2 * h
            if near.any():
                side = np.where(a > k, 1.0, -1.0)
                s = 1e-6 * side
                one = (-3 * f(a) + 4 * f(a + s) - f(a + 2 * s)) / (2 * s)
                slope = np.where(near, one, slope)
        return g * slope, {}

    def torch_forward(self, torch, a, params: dict):
        value = evaluate(self.expression, {Z: a}, "torch") * torch.ones_like(a)
        return value if Z in self.expression.free_symbols else value + 0 * a  # a constant stays in autograd's graph

    def inside(self, np, a, t=None):
        """Where the references can test the formula: inside its domain and away from its poles."""
        return domain.inside(self.expression, Z, a)

    # -- words --
    def describe(self) -> str:
        return "activation from its formula"

    def noun(self) -> str:
        return "activation"

    def objectives(self) -> list[str]:
        return ["differentiate an activation given by its formula, and write the derivative with the layer's own "
                "output where that is shorter"]

    def _kink_words(self) -> str:
        points = kinks(self.expression, Z)
        if not points:
            return ""
        said = []
        for k in points:
            left, right = one_sided(self.derivative, Z, k, -1), one_sided(self.derivative, Z, k, 1)
            if k.is_Float:  # found numerically: its sides to 6 digits, and no value claimed at it
                left, right = sympy.Float(left, 6), sympy.Float(right, 6)
                if left != right:
                    said.append(rf"at $z \approx {tex(k)}$ the slopes on either side differ (about ${tex(left)}$ "
                                rf"and ${tex(right)}$), so $f$ has no derivative there")
                continue
            if left == right:
                continue
            value = self.derivative.subs(Z, k)
            said.append(rf"at $z = {tex(k)}$ the slopes on either side differ (${tex(left)}$ and "
                        rf"${tex(right)}$), so $f$ has no derivative there; the entries take "
                        rf"$f'({tex(k)}) = {tex(value)}$, the slope from the left (as frameworks take "
                        "ReLU's derivative at 0)")
        text = "; ".join(said)
        return (" " + text[:1].upper() + text[1:] + ".") if said else ""

    def _display(self, lhs: str, expr: Expr) -> list[str]:
        """`lhs = expr` as aligned lines short enough for the page: a long sum is broken after its terms."""
        terms = [tex(t) for t in sympy.Add.make_args(expanded(expr))] if len(tex(expr)) > LONG else [tex(expr)]
        lines, line = [], ""
        for k, term in enumerate(terms):
            piece = term if k == 0 else (f"- {term[1:]}" if term.startswith("-") else f"+ {term}")
            if line and len(line) + len(piece) > LONG:
                lines.append(line)
                line = piece
            else:
                line = f"{line} {piece}".strip()
        lines.append(line)
        return [rf"{lhs} &= {lines[0]}"] + [rf"&\quad {rest}" for rest in lines[1:]]

    def words(self, step: DocStep) -> Words:
        z, a = step.symbol("in"), step.symbol("out")
        f, d = tex(self.expression), tex(self.derivative)
        params = ", ".join(rf"${param_tex(name)} = {value}$" for name, value in self.constants)
        shorter = (rf" In terms of the layer's own output, $f'(z) = {tex(self.in_output)}$ with $a = f(z)$, "
                   "which is what the entries write." if self.in_output is not None else "")
        raw = tex(pin_heaviside(diff(self.expression, Z).replace(lambda e: e.func is sympy.DiracDelta,
                                                                  lambda e: sympy.S.Zero)))
        if len(d) <= LONG and raw != d and len(raw) <= LONG:  # SymPy's step, then the shorter form
            said, formulas = " (as the differentiation rules give it, then rewritten):", {
                "in": [rf"f'(z) &= {raw}", rf"&= {d}"]}
        elif len(d) <= LONG:
            said, formulas = rf": $f'(z) = {d}$.", {}
        else:
            said, formulas = " (below).", {"in": self._display("f'(z)", self.derivative)}
        return Words(rf"${a} = f({z})$ entry by entry, with $f(z) = {f}$" + (f" ({params})" if params else "") + ".",
                     {"in": rf"SymPy differentiates the formula{said}{shorter}{self._kink_words()} Each "
                            rf"entry of the upstream gradient is multiplied by $f'$ at its own input."}, formulas)

    def rules(self, step: DocStep) -> list[str]:
        z, a = step.symbol("in"), step.symbol("out")
        names = {Z: z, A: a}
        local = tex(self.in_output if self.in_output is not None else self.derivative, names)
        shown = rf", \quad f' = {local}" if len(local) <= LONG else r" \quad (f' \text{ in its section})"
        return [rf"{a} &= f({z}), \quad f(z) = {tex(self.expression)}",
                rf"{step.delta('in')} &= {step.delta('out')} \odot f'({z}){shown}"]
