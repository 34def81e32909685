"""The residual connection: the entry-by-entry sum of two or more values of the same shape.

a = z_1 + z_2 + ...;  dL/dz_k = dL/da for each k: the sum sends its upstream gradient unchanged to
every input. Where an input is also read by another layer, its gradient adds this contribution to
the others (the derivation writes that sum).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Add as Sum
from sympy import Integer

from ..spec import SpecError
from .base import DocStep, Layer, Shape, Step, Words, Work


@dataclass(frozen=True)
class Add(Layer):
    """The sum of its inputs (a residual connection's join), entry by entry."""

    type: ClassVar[str] = "add"
    arity: ClassVar[int] = 0

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def output_shape_of(self, shapes: tuple[Shape, ...]) -> Shape:
        if any(shape != shapes[0] for shape in shapes):
            raise SpecError(f"its inputs have shapes {' and '.join(str(list(s)) for s in shapes)}: add needs "
                            "inputs of the same shape")
        return shapes[0]

    def work(self, shape: Shape) -> Work:
        return Work.of(4 * prod(shape), 1e-4)

    def forward(self, step: Step) -> dict:
        size = prod(step.shape_out)
        parts = len(step.inp) // size
        return {"out": [Sum(*(step.inp[k * size + n] for k in range(parts))) for n in range(size)]}

    def backward(self, step: Step) -> dict:
        parts = len(step.inp) // len(step.upstream)
        return {"in": list(step.upstream) * parts}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """1 from each output entry to the same entry of every input."""
        size = len(step.out)
        return [(n % size, n, Integer(1)) for n in range(len(step.inp))]

    def numpy_forward(self, np, a, params: dict):
        return sum(a), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        return tuple(g.copy() for _ in a), {}

    def torch_forward(self, torch, a, params: dict):
        return sum(a[1:], a[0])

    def describe(self) -> str:
        return "add (a residual connection)"

    def objectives(self) -> list[str]:
        return ["send a sum's upstream gradient unchanged to each of its inputs, and add the gradients of a value "
                "that several layers read"]

    def words(self, step: DocStep) -> Words:
        terms = " + ".join(step.source_symbol(k) for k in range(len(step.sources)))
        return Words(f"The output is the sum of the inputs, entry by entry: ${step.symbol('out')} = {terms}$.",
                     {"in": "A sum passes its upstream gradient unchanged to each input: every input entry's gradient "
                            "(through this layer) is the upstream gradient of the output entry it adds to."})

    def rules(self, step: DocStep) -> list[str]:
        terms = " + ".join(step.source_symbol(k) for k in range(len(step.sources)))
        lines = [rf"{step.symbol('out')} &= {terms}"]
        lines += [rf"{step.source_delta(k)} &= {step.delta('out')}" for k in range(len(step.sources))]
        return lines
