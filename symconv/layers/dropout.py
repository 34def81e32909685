"""Dropout as a trained network is evaluated (PyTorch's nn.Dropout in eval mode): the identity.

a = z, dL/dz = g. The rate p is accepted and recorded (it matters only in training, where each entry is
zeroed with probability p and the rest scaled by 1 / (1 - p)); the derivation is of evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Integer

from ..spec import SpecError, shown
from .base import DocStep, Layer, Shape, Step, Words, Work


@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout with rate p, in evaluation mode: it passes its input on unchanged."""

    p: float = 0.5
    type: ClassVar[str] = "dropout"
    # the identity: a worked example need not list its input's numbers again, nor its gradient's
    example_output: ClassVar[bool] = False
    example_input_gradient: ClassVar[bool] = False

    def __post_init__(self) -> None:
        p = self.p
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
            raise SpecError(f"p {shown(p)} is not valid: give the dropout rate, a number from 0 to 1 (PyTorch's rule)")
        object.__setattr__(self, "p", float(p))

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def work(self, shape: Shape) -> Work:
        """One term per entry forward and backward."""
        return Work.of(2 * prod(shape), 1e-5)

    def forward(self, step: Step) -> dict:
        return {"out": list(step.inp)}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """The identity: 1 at (n, n)."""
        return [(n, n, Integer(1)) for n in range(len(step.inp))]

    def backward(self, step: Step) -> dict:
        return {"in": list(step.upstream)}

    def numpy_forward(self, np, a, params: dict):
        return a.copy(), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        return g.copy(), {}

    def torch_forward(self, torch, a, params: dict):
        return torch.nn.functional.dropout(a, self.p, training=False)

    def describe(self) -> str:
        return f"dropout (p = {self.p:g}), evaluation mode"

    def objectives(self) -> list[str]:
        return ["see why dropout passes the gradient unchanged when a trained network is evaluated"]

    def rules(self, step: DocStep) -> list[str]:
        return [rf"{step.symbol('out')} &= {step.symbol('in')}", rf"{step.delta('in')} &= {step.delta('out')}"]

    def words(self, step: DocStep) -> Words:
        z, a = step.symbol("in"), step.symbol("out")
        return Words(
            rf"${a} = {z}$: dropout with rate $p = {self.p:g}$ in evaluation mode (PyTorch's eval()) passes its input "
            rf"on unchanged. In training it would zero each entry with probability $p$ and scale the others by "
            rf"$1/(1 - p)$; a trained network is evaluated, and explained, without it.",
            {"in": "The layer is the identity, so its derivative is 1: the upstream gradient passes unchanged."})
