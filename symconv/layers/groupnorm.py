"""Group normalization (PyTorch's GroupNorm): each example's channels split into `groups` groups of
C/G consecutive channels, each group normalized on its own over its m = (C/G) H W entries, then
scaled and shifted per channel:

    mu_g = (1/m) sum_{c in G_g, i, j} x,   var_g = (1/m) sum (x - mu_g)^2,   xhat = (x - mu_g) / sqrt(var_g + eps),
    y = gamma_c xhat + beta_c,

derived in the steps the normalizations share (layers/normalization.py). One group is layer norm over
the whole example with a gamma per channel; C groups, instance normalization.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from ..spec import SpecError, whole
from .base import DocStep, Shape, Words
from .normalization import ExampleNorm, eps_tex, step_words

EPS_DEFAULT = 1e-5


@dataclass(frozen=True)
class GroupNorm(ExampleNorm):
    """Each example's channels in `groups` groups, each group normalized over its entries."""

    groups: int
    eps: float = EPS_DEFAULT
    affine: bool = True
    type: ClassVar[str] = "groupnorm"
    aliases: ClassVar[dict[str, str]] = {"num_groups": "groups"}

    def __post_init__(self) -> None:
        whole(self.groups, "groups")
        self._check_common()

    def output_shape(self, shape: Shape) -> Shape:
        if shape[0] % self.groups:
            raise SpecError(f"groups {self.groups} does not divide the input's {shape[0]} channels: give a divisor of "
                            f"{shape[0]}")
        return self._checked(shape)

    def group_size(self, shape: Shape) -> int:
        return prod(shape) // self.groups

    def stat_shape(self, shape: Shape) -> Shape:
        return (self.groups,)

    def param_shape(self, shape: Shape) -> Shape:
        return (shape[0],)

    def scale_index(self, shape: Shape, f: int) -> int:
        return f // prod(shape[1:])

    # -- references --
    def torch_forward(self, torch, a, params: dict):
        return torch.nn.functional.group_norm(a[None], self.groups, params.get("gamma"), params.get("beta"),
                                              eps=self.eps)[0]

    # -- words --
    def describe(self) -> str:
        return f"group normalization, {self.groups} group" + ("s" if self.groups > 1 else "") + \
            ("" if self.affine else ", no scale and shift")

    def objectives(self) -> list[str]:
        return ["derive group normalization's backward pass step by step, each group of channels of each example "
                "normalized on its own"]

    def doc_axes(self, shape: Shape) -> tuple[str, ...]:
        return ("c", "i", "j") if len(shape) == 3 else ("c",)

    def doc_summed(self, shape: Shape) -> int:
        return len(shape)

    def doc_stat(self, shape: Shape) -> str:
        return "g"

    def doc_scale(self, shape: Shape) -> str:
        return "c"

    def doc_sum(self, shape: Shape, letters: list[str]) -> str:
        return ",\\, ".join([rf"{letters[0]} \in G_g", *letters[1:]])

    def doc_rest(self, shape: Shape) -> str:
        return "i,j" if len(shape) == 3 else ""

    def words(self, step: DocStep) -> Words:
        shape = step.shape_in
        v = self.doc_names(step)
        per = shape[0] // self.groups
        members = (f"$G_g$ holds channels ${per} (g - 1) + 1$ to ${per} g$" if per > 1 else "$G_g$ holds channel $g$")
        batch = " each example of the batch on its own," if step.batch is not None else ""
        affine = (rf", then scaled and shifted per channel by the trained ${v['gamma']}$ and ${v['beta']}$"
                  if self.affine else "")
        forward = (f"Group normalization splits the {shape[0]} channels into {self.groups} groups of {per} "
                   f"({members}, for $g = 1, \\ldots, {self.groups}$) and normalizes{batch} each group over its "
                   f"$m = {v['m']}$ entries: the mean ${v['mu']}$ and (biased) variance ${v['var']}$ of the group of "
                   f"channel $c$, each entry's normalized value ${v['xhat']}${affine}; $\\epsilon = {eps_tex(self.eps)}$. "
                   "PyTorch's GroupNorm computes exactly this, in training and in eval mode alike. The entries keep "
                   "the letter $\\epsilon$.")
        backward = step_words("group", "its channel's scale" if self.affine else "1")
        backward.update(gamma="The scale multiplies every normalized value of its channel.",
                        beta="The shift is added to each entry of its channel.")
        return Words(forward, backward, self.doc_formulas(step))
