"""A loss given by its formula in a (the prediction) and t (the target), summed over the entries: a Huber
loss, a hinge, this year's exam's. Always last, like the squared error.

l_k = f(a_k, t_k) is the layer's output, L = c sum_k l_k with c = 1/n ("mean", as PyTorch's losses),
1 ("sum") or 1/2 ("half_sum"); dL/da_k = c df/da(a_k, t_k), by sympy.diff of the formula. The
references compute with the formula itself (NumPy by central differences, PyTorch by autograd).

A loss of the difference a - t is differentiated in u = a - t, so that its kinks are numbers and take
the activation's convention (the slope from the left, symconv.kinks); a loss that is not one keeps
SymPy's value at a kink (Heaviside(0) = 0, sign(0) = 0), where no random test point falls.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from math import prod
from typing import ClassVar

import sympy
from sympy import Add, Expr, Rational, Symbol

from .. import domain
from ..formula import evaluate, parse_formula
from ..kinks import reference_kinks
from ..spec import check_choice
from .base import DocStep, Layer, Param, Shape, Step, Words, Work, batch_mean_weight
from .formula_activation import derivative_of, fixed_params, formula_work, param_tex, tex
from .mse import REDUCTIONS, scale, scale_latex

A, T, U = Symbol("a", real=True), Symbol("t", real=True), Symbol("u", real=True)


@dataclass(frozen=True)
class FormulaLoss(Layer):
    """L = c sum_k f(a_k, t_k) for a formula f in a and t, with named numeric parameters."""

    formula: str
    constants: tuple = ()
    reduction: str = "mean"
    type: ClassVar[str] = "loss"
    aliases: ClassVar[dict[str, str]] = {"params": "constants"}
    is_loss: ClassVar[bool] = True
    output_letter: ClassVar[str] = r"\ell"
    output_title: ClassVar[str] = "loss of each entry"
    backward_title: ClassVar[str] = "the loss's step: its formula's derivative in a"

    def __post_init__(self) -> None:
        if isinstance(self.formula, sympy.Basic):  # the API takes a SymPy expression too: read back as text
            object.__setattr__(self, "formula", str(self.formula))
        object.__setattr__(self, "constants", fixed_params(self.constants))
        check_choice(self.reduction, "reduction", REDUCTIONS)
        self.expression  # noqa: B018  (parses, or raises SpecError naming what is wrong)

    def as_fields(self) -> dict[str, object]:
        return {"type": self.type, "formula": self.formula, "params": dict(self.constants), "reduction": self.reduction}

    @cached_property
    def expression(self) -> Expr:
        parsed = parse_formula(self.formula, ("a", "t"), dict(self.constants))
        return parsed.xreplace({Symbol("a", real=True): A, Symbol("t", real=True): T})

    @cached_property
    def derivative(self) -> Expr:
        """df/da, through u = a - t when f is a function of the difference (its kinks are then numbers)."""
        of_u = self.expression.xreplace({A: U + T})
        if T not in of_u.free_symbols:
            return derivative_of(of_u, U).xreplace({U: A - T})
        return derivative_of(self.expression, A)

    def _scale(self, shape: Shape) -> Rational:
        return scale(self.reduction, prod(shape))

    def batch_weight(self, examples: int) -> Rational:
        return batch_mean_weight(self.reduction, examples)

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def params(self, shape: Shape) -> tuple[Param, ...]:
        return (Param("t", "t", "input", shape, "target", trained=False, after=True),
                Param("L", "L", "output", (1,), f"loss ({self.reduction.replace('_', ' ')})", trained=False, after=True))

    def work(self, shape: Shape) -> Work:
        return formula_work(self.expression, 3 * prod(shape), in_output=False)

    def forward(self, step: Step) -> dict:
        out = [self.expression.xreplace({A: a, T: t}) for a, t in zip(step.inp, step.params["t"])]
        return {"out": out, "L": [self._scale(step.shape_in) * Add(*step.out)]}

    def backward(self, step: Step) -> dict:
        c = self._scale(step.shape_in)
        return {"in": [c * self.derivative.xreplace({A: a, T: t}) for a, t in zip(step.inp, step.params["t"])]}

    def numpy_forward(self, np, a, params: dict):
        loss = np.asarray(evaluate(self.expression, {A: a, T: params["t"]}, "numpy"), dtype=float) * np.ones_like(a)
        params["L"] = np.array([float(self._scale(a.shape)) * loss.sum()])
        return loss, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """Central differences in a, Richardson-extrapolated; one-sided within 2h of a kink in a - t (from
        the left at it)."""
        t = params["t"]
        f = lambda x: np.asarray(evaluate(self.expression, {A: x, T: t}, "numpy"), dtype=float) * np.ones_like(x)
        h = 1e-3
        central = lambda s: (f(a + s) - f(a - s)) / (2 * s)
        slope = (4 * central(h / 2) - central(h)) / 3
        u = a - t  # the kinks of a loss of the difference
        low, high = (float(np.min(u)) - 2 * h, float(np.max(u)) + 2 * h) if np.size(u) else (0.0, 0.0)
        for k in reference_kinks(self.expression.xreplace({A: U + T}).xreplace({T: 0}), U, low, high):
            near = np.abs(u - k) < 2 * h
            if near.any():
                s = 1e-6 * np.where(u > k, 1.0, -1.0)
                slope = np.where(near, (-3 * f(a) + 4 * f(a + s) - f(a + 2 * s)) / (2 * s), slope)
        return float(self._scale(a.shape)) * slope, {}

    def torch_forward(self, torch, a, params: dict):
        loss = evaluate(self.expression, {A: a, T: params["t"]}, "torch") * torch.ones_like(a)
        if A not in self.expression.free_symbols:  # a loss of the target alone stays in autograd's graph
            loss = loss + 0 * a
        scale = {"mean": 1 / loss.numel(), "sum": 1.0, "half_sum": 0.5}[self.reduction]
        return loss, scale * loss.sum()

    def inside(self, np, a, t):
        """Where the references can test the formula: inside its domain and away from its poles (in a - t
        for a loss of the difference)."""
        of_u = self.expression.xreplace({A: U + T})
        if T not in of_u.free_symbols:
            return domain.inside(of_u, U, np.asarray(a) - np.asarray(t))
        return domain.inside(self.expression, A, a, {T: np.asarray(t)})

    def describe(self) -> str:
        return f"loss from its formula, {self.reduction.replace('_', ' ')}"

    def noun(self) -> str:
        return "loss"

    def objectives(self) -> list[str]:
        return ["differentiate a loss given by its formula in the prediction and the target"]

    def _c(self, step: DocStep) -> str:
        return scale_latex(self.reduction, step)

    def words(self, step: DocStep) -> Words:
        a = step.symbol("in")
        params = ", ".join(rf"${param_tex(name)} = {value}$" for name, value in self.constants)
        return Words(rf"Each entry's loss is $\ell_k = f({a}_k, t_k)$ with $f(a, t) = {tex(self.expression)}$"
                     + (f" ({params})" if params else "") + rf", and $L = {self._c(step)}\sum_k \ell_k$.",
                     {"in": rf"SymPy differentiates the formula in $a$: $\partial f / \partial a = {tex(self.derivative)}$, "
                            rf"so $\partial L / \partial {a}_k = {self._c(step)}\, \partial f / \partial a\,({a}_k, t_k)$."})

    def rules(self, step: DocStep) -> list[str]:
        a = step.symbol("in")
        return [rf"\ell_k &= f({a}_k, t_k), \quad f(a, t) = {tex(self.expression)}, \qquad L = {self._c(step)}\sum_k \ell_k",
                rf"{step.delta('in')}_k &= {self._c(step)}\frac{{\partial f}}{{\partial a}}({a}_k, t_k), \quad "
                rf"\frac{{\partial f}}{{\partial a}} = {tex(self.derivative)}"]
