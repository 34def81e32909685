"""Global average pooling: the mean of each channel, an image (C, H, W) to a vector of C.

a_c = (1 / (H W)) sum_{i,j} z_{c,i,j};  dL/dz_{c,i,j} = g_c / (H W): every entry of a channel gets an
equal share of its channel's upstream gradient. No flatten is needed after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Add, Rational

from ..words import size
from .base import DocStep, Layer, Shape, Step, Words, Work, image


@dataclass(frozen=True)
class GlobalAvgPool(Layer):
    """The mean over each channel's height and width (PyTorch's AdaptiveAvgPool2d(1), then flattened)."""

    type: ClassVar[str] = "global_avgpool"

    def output_shape(self, shape: Shape) -> Shape:
        return (image(shape, "global_avgpool")[0],)

    def work(self, shape: Shape) -> Work:
        """A term per input entry in the means, and one per input entry in its gradient."""
        return Work.of(2 * prod(shape), 2e-4)

    def _share(self, step: Step) -> Rational:
        return Rational(1, step.shape_in[1] * step.shape_in[2])

    def forward(self, step: Step) -> dict:
        size = step.shape_in[1] * step.shape_in[2]
        return {"out": [self._share(step) * Add(*step.inp[c * size : (c + 1) * size]) for c in range(step.shape_in[0])]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """1 / (H W) from every entry of channel c to output c."""
        size = step.shape_in[1] * step.shape_in[2]
        return [(n // size, n, self._share(step)) for n in range(len(step.inp))]

    def backward(self, step: Step) -> dict:
        size = step.shape_in[1] * step.shape_in[2]
        return {"in": [step.upstream[n // size] * self._share(step) for n in range(len(step.inp))]}

    def numpy_forward(self, np, a, params: dict):
        return a.mean(axis=(1, 2)), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        return np.repeat(g / (a.shape[1] * a.shape[2]), a.shape[1] * a.shape[2]).reshape(a.shape), {}

    def torch_forward(self, torch, a, params: dict):
        return torch.nn.functional.adaptive_avg_pool2d(a[None], 1)[0, :, 0, 0]

    def describe(self) -> str:
        return "global average pooling"

    def rules(self, step: DocStep) -> list[str]:
        _, h, w = step.shape_in
        many = step.shape_in[0] > 1
        c = "c" if many else ""
        out = step.symbol("out") + ("_c" if many else "")
        return [rf"{out} &= \frac{{1}}{{{h * w}}} \sum_{{i,j}} {step.symbol('in', c)}_{{i,j}}",
                rf"\bigl({step.delta('in', c)}\bigr)_{{i,j}} &= \frac{{1}}{{{h * w}}} \bigl({step.delta('out')}\bigr)"
                + ("_c" if many else "")]

    def words(self, step: DocStep) -> Words:
        _, h, w = step.shape_in
        return Words(f"Each output entry is the mean of one whole channel of the input ({size(h, w)} entries): "
                     "the channels become a vector.",
                     {"in": f"Every entry of a channel contributes $1/{h * w}$ of the channel's mean, so it receives "
                            f"the channel's upstream gradient divided by ${h * w}$."})
