"""Nearest-neighbour upsampling by whole factors: every input entry copied into an sh x sw block.

a_{c,i,j} = z_{c, ceil(i/sh), ceil(j/sw)} (1-based);  dL/dz_{c,p,q} = the sum of the upstream gradient
over the block of p, q: each copy sends its gradient back to the one entry it copies.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product
from math import prod
from typing import ClassVar

from sympy import Add, Integer

from ..spec import SpecError, as_pair, shown
from ..words import plural, spacing
from .base import DocStep, Layer, Shape, Step, Words, Work, image


@dataclass(frozen=True)
class Upsample(Layer):
    """Nearest-neighbour upsampling (PyTorch's Upsample(scale_factor, mode="nearest"))."""

    scale: tuple[int, int] = (2, 2)
    type: ClassVar[str] = "upsample"

    def __post_init__(self) -> None:
        scale = as_pair(self.scale, "scale")
        if any(isinstance(n, bool) or not isinstance(n, int) or n < 1 for n in scale):
            raise SpecError(f"scale {shown(self.scale)} is not valid: give whole numbers 1 or more, e.g. [2, 2]")
        object.__setattr__(self, "scale", scale)

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = image(shape, "upsample")
        return (c, h * self.scale[0], w * self.scale[1])

    def work(self, shape: Shape) -> Work:
        """A copy per output entry, and one term per output entry in the gradient."""
        return Work.of(2 * prod(self.output_shape(shape)), 1e-4)

    def _source(self, step: Step | DocStep) -> list[int]:
        """For each output entry (flat, row-major), the flat input entry it copies."""
        c_n, h, w = step.shape_in
        sh, sw = self.scale
        return [(c * h + i // sh) * w + j // sw for c, i, j in product(range(c_n), range(h * sh), range(w * sw))]

    def forward(self, step: Step) -> dict:
        return {"out": [step.inp[n] for n in self._source(step)]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """1 from each output entry to the input entry it copies."""
        return [(o, n, Integer(1)) for o, n in enumerate(self._source(step))]

    def backward(self, step: Step) -> dict:
        terms: list[list] = [[] for _ in step.inp]
        for o, n in enumerate(self._source(step)):
            terms[n].append(step.upstream[o])
        return {"in": [Add(*t) for t in terms]}

    def numpy_forward(self, np, a, params: dict):
        return np.repeat(np.repeat(a, self.scale[0], axis=1), self.scale[1], axis=2), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        c, h, w = a.shape
        return g.reshape(c, h, self.scale[0], w, self.scale[1]).sum(axis=(2, 4)), {}

    def torch_forward(self, torch, a, params: dict):
        return torch.nn.functional.interpolate(a[None], scale_factor=tuple(float(n) for n in self.scale),
                                               mode="nearest")[0]

    def describe(self) -> str:
        return f"nearest-neighbour upsampling, scale {spacing(self.scale)}"

    def objectives(self) -> list[str]:
        return ["send the gradient of a copied entry back as the sum over its copies"]

    def words(self, step: DocStep) -> Words:
        sh, sw = self.scale
        return Words(f"Each input entry is copied into a block of ${sh} \\times {sw}$ output entries.",
                     {"in": f"Each of the ${sh * sw}$ copies of an input entry sends back its upstream gradient, so "
                            f"the input entry's gradient is the sum over its block ({plural(sh * sw, 'term')})."})

    def rules(self, step: DocStep) -> list[str]:
        sh, sw = self.scale
        z, a = step.symbol("in"), step.symbol("out")
        return [rf"{a}_{{i,j}} &= {z}_{{\lceil i/{sh} \rceil,\, \lceil j/{sw} \rceil}}",
                rf"\big({step.delta('in')}\big)_{{p,q}} &= \sum_{{i=({sh}(p-1)+1)}}^{{{sh}p}} \ "
                rf"\sum_{{j=({sw}(q-1)+1)}}^{{{sw}q}} \big({step.delta('out')}\big)_{{i,j}}"]
