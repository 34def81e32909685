"""Squared error, a loss layer (always last): the error e = a - t against the target t, and
L = c sum_k e_k^2 with c = 1/n ("mean", PyTorch's MSELoss), 1 ("sum") or 1/2 ("half_sum", the textbook
form). Backward: dL/da_k = 2 c e_k, written with the layer's own output e.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Add, Rational

from ..spec import check_choice
from .base import DocStep, Layer, Param, Shape, Step, Words, Work, batch_mean_weight

REDUCTIONS = ("mean", "sum", "half_sum")


def scale(reduction: str, count: int) -> Rational:
    """c in L = c sum_k l_k over `count` entries: 1/count for a mean, 1 for a sum, 1/2 for half the sum."""
    return {"mean": Rational(1, count), "sum": Rational(1), "half_sum": Rational(1, 2)}[reduction]


def entries(step: DocStep) -> int:
    """The entries a mean divides by, as a document states it: every entry of every example."""
    return prod(step.shape_in) * (step.batch or 1)


def scale_latex(reduction: str, step: DocStep) -> str:
    """c as the documents write it before a sum (nothing for 1)."""
    n = entries(step)
    return {"mean": rf"\frac{{1}}{{{n}}} " if n > 1 else "", "sum": "", "half_sum": r"\frac{1}{2} "}[reduction]


@dataclass(frozen=True)
class MeanSquaredError(Layer):
    """L = c sum_k (a_k - t_k)^2 over every entry of its input, against a target t of the same shape."""

    reduction: str = "mean"
    type: ClassVar[str] = "mse"
    is_loss: ClassVar[bool] = True
    output_letter: ClassVar[str] = "e"
    output_title: ClassVar[str] = "error (prediction minus target)"
    backward_title: ClassVar[str] = "the squared error's step: a multiple of the error"

    def __post_init__(self) -> None:
        check_choice(self.reduction, "reduction", REDUCTIONS)

    def _scale(self, shape: Shape) -> Rational:
        """c in L = c sum_k e_k^2."""
        return scale(self.reduction, prod(shape))

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def batch_weight(self, examples: int) -> Rational:
        """PyTorch's mean is over every entry of the batch: 1/N times the mean of each example."""
        return batch_mean_weight(self.reduction, examples)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        return (Param("t", "t", "input", shape, "target", trained=False, after=True),
                Param("L", "L", "output", (1,), f"loss (squared error, {self.reduction.replace('_', ' ')})",
                      trained=False, after=True))

    def work(self, shape: Shape) -> Work:
        """A term per entry in e, in L and in the gradient."""
        return Work.of(3 * prod(shape), 2e-4)

    def forward(self, step: Step) -> dict:
        errors = [a - t for a, t in zip(step.inp, step.params["t"])]
        return {"out": errors, "L": [self._scale(step.shape_in) * Add(*(e**2 for e in step.out))]}

    def loss_terms(self, shape: Shape, out: tuple, params: dict[str, tuple]) -> tuple:
        return tuple(self._scale(shape) * e**2 for e in out)

    def backward(self, step: Step) -> dict:
        twice = 2 * self._scale(step.shape_in)
        return {"in": [twice * e for e in step.out]}

    def numpy_forward(self, np, a, params: dict):
        e = a - params["t"]
        params["L"] = np.array([float(self._scale(a.shape)) * (e**2).sum()])
        return e, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        return 2 * float(self._scale(a.shape)) * y, {}

    def torch_forward(self, torch, a, params: dict):
        t = params["t"]
        if self.reduction == "half_sum":
            loss = 0.5 * torch.nn.functional.mse_loss(a, t, reduction="sum")
        else:
            loss = torch.nn.functional.mse_loss(a, t, reduction=self.reduction)
        return a - t, loss

    def describe(self) -> str:
        return {"mean": "squared error, mean (as PyTorch's MSELoss)", "sum": "squared error, summed",
                "half_sum": "squared error, half the sum"}[self.reduction]

    def objectives(self) -> list[str]:
        return ["differentiate a squared-error loss: the gradient is a multiple of the error"]

    def _c(self, step: DocStep) -> str:
        return scale_latex(self.reduction, step)

    def _twice(self, step: DocStep) -> str:
        n = entries(step)
        return {"mean": rf"\frac{{2}}{{{n}}}\, " if n > 1 else "2 ", "sum": "2 ", "half_sum": ""}[self.reduction]

    def words(self, step: DocStep) -> Words:
        n = step.example()
        a, e = step.symbol("in", n), "e" + (f"^{{({n})}}" if n else "")
        over = r"\sum_n " if n else ""
        return Words(rf"The error ${e} = {a} - t" + (f"^{{({n})}}" if n else "") + rf"$ against the target $t$, and the "
                     rf"loss $L = {self._c(step)} {over}\sum_k ({e}_k)^2$"
                     + (" (the mean over every entry" + (" of every example" if n else "") + ", as PyTorch's MSELoss)."
                        if self.reduction == "mean" else "."),
                     {"in": rf"Each entry of $e$ appears once in $L$, squared: "
                            rf"$\partial L / \partial {a}_k = {self._twice(step)}{e}_k$."})

    def rules(self, step: DocStep) -> list[str]:
        n = step.example()
        a, e, t = step.symbol("in", n), "e" + (f"^{{({n})}}" if n else ""), "t" + (f"^{{({n})}}" if n else "")
        over = r"\sum_n " if n else ""
        return [rf"{e} &= {a} - {t}, \qquad L = {self._c(step)} {over}\sum_k ({e}_k)^2",
                rf"{step.delta('in', n)} &= {self._twice(step)}{e}"]
