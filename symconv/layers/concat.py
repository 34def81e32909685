"""Concatenation along the channels (images) or the entries (vectors), as DenseNet and Inception join
their branches: a = [z_1; z_2; ...].

Each output entry is one input entry; dL/dz_k is the slice of dL/da that z_k became. Channels come
first in an image (C, H, W), so joining along the channels lays the inputs' entries one after the
other.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Integer

from ..spec import SpecError
from .base import DocStep, Layer, Shape, Step, Words, Work


@dataclass(frozen=True)
class Concat(Layer):
    """Its inputs one after the other along the channels (or, for vectors, the entries)."""

    type: ClassVar[str] = "concat"
    arity: ClassVar[int] = 0

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def output_shape_of(self, shapes: tuple[Shape, ...]) -> Shape:
        if any(len(shape) != len(shapes[0]) or shape[1:] != shapes[0][1:] for shape in shapes):
            raise SpecError(f"its inputs have shapes {' and '.join(str(list(s)) for s in shapes)}: concat joins "
                            "images of the same height and width (along the channels), or vectors")
        return (sum(shape[0] for shape in shapes), *shapes[0][1:])

    def work(self, shape: Shape) -> Work:
        return Work.of(2 * prod(shape), 1e-4)

    def forward(self, step: Step) -> dict:
        return {"out": list(step.inp)}

    def backward(self, step: Step) -> dict:
        return {"in": list(step.upstream)}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        return [(n, n, Integer(1)) for n in range(len(step.inp))]

    def numpy_forward(self, np, a, params: dict):
        return np.concatenate(a, axis=0), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        cuts = np.cumsum([part.shape[0] for part in a])[:-1]
        return tuple(np.split(g, cuts, axis=0)), {}

    def torch_forward(self, torch, a, params: dict):
        return torch.cat(tuple(a), dim=0)

    def describe(self) -> str:
        return "concatenation"

    def objectives(self) -> list[str]:
        return ["split a concatenation's upstream gradient back into the parts its inputs became"]

    def words(self, step: DocStep) -> Words:
        parts = ", ".join(f"${step.source_symbol(k)}$" for k in range(len(step.sources)))
        axis = "channels" if len(step.shape_out) == 3 else "entries"
        return Words(f"The output lays the inputs {parts} one after the other along the {axis}.",
                     {"in": f"Each output entry is one input entry, so each input's gradient (through this layer) is "
                            f"the slice of the upstream gradient that holds its {axis}."})

    def rules(self, step: DocStep) -> list[str]:
        parts = ";\\, ".join(step.source_symbol(k) for k in range(len(step.sources)))
        lines = [rf"{step.symbol('out')} &= \big[{parts}\big]"]
        start = 1
        for k in range(len(step.sources)):
            end = start + step.sources[k][3] - 1  # its channels (entries) in the output
            noun = "channel" if len(step.shape_out) == 3 else "entry"
            what = f"{noun} {start}" if start == end else f"{noun}s {start}--{end}".replace("entrys", "entries")
            lines.append(rf"{step.source_delta(k)} &= \bigl({step.delta('out')}\bigr)_{{\text{{{what}}}}}")
            start = end + 1
        return lines
