"""Layer normalization (PyTorch's LayerNorm): each example normalized on its own over its trailing
dimensions, `normalized_shape` (all of them by default), then scaled and shifted entry by entry.

With normalized_shape the last k dimensions of an example, each group is one index of the leading
dimensions (the whole example when k is all of them): m = prod(normalized_shape) entries,

    mu = (1/m) sum x,   var = (1/m) sum (x - mu)^2,   xhat = (x - mu) / sqrt(var + eps),
    y = gamma xhat + beta   (gamma and beta of shape normalized_shape, one per normalized position),

derived in the steps the normalizations share (layers/normalization.py); gamma's gradient sums over
the leading dimensions (and the batch).
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from ..spec import SpecError, shown
from .base import DocStep, Shape, Words
from .normalization import ExampleNorm, eps_tex, step_words

EPS_DEFAULT = 1e-5


@dataclass(frozen=True)
class LayerNorm(ExampleNorm):
    """Each example normalized over its last len(normalized_shape) dimensions."""

    normalized_shape: tuple[int, ...] | None = None  # None: every dimension of an example
    eps: float = EPS_DEFAULT
    affine: bool = True  # PyTorch's elementwise_affine
    type: ClassVar[str] = "layernorm"
    aliases: ClassVar[dict[str, str]] = {"elementwise_affine": "affine"}

    def __post_init__(self) -> None:
        self._check_common()
        given = self.normalized_shape
        if given is not None:
            if not isinstance(given, (list, tuple)) or not 1 <= len(given) <= 3 or not all(
                    isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in given):
                raise SpecError(f"normalized_shape {shown(given)} is not valid: give the trailing dimensions of the "
                                "input, e.g. [4, 4] for height and width, or leave it out for all of them")
            object.__setattr__(self, "normalized_shape", tuple(given))

    def _trailing(self, shape: Shape) -> Shape:
        return self.normalized_shape if self.normalized_shape is not None else shape

    def output_shape(self, shape: Shape) -> Shape:
        k = self._trailing(shape)
        if len(k) > len(shape) or tuple(shape[len(shape) - len(k):]) != tuple(k):
            raise SpecError(f"normalized_shape {list(k)} is not the trailing dimensions of the input {list(shape)}: "
                            f"give a tail of {list(shape)}, e.g. {list(shape[-1:])}")
        return self._checked(shape)

    def group_size(self, shape: Shape) -> int:
        return prod(self._trailing(shape))

    def stat_shape(self, shape: Shape) -> Shape:
        return tuple(shape[:len(shape) - len(self._trailing(shape))]) or (1,)

    def param_shape(self, shape: Shape) -> Shape:
        return tuple(self._trailing(shape))

    def scale_index(self, shape: Shape, f: int) -> int:
        return f % self.group_size(shape)

    def as_fields(self) -> dict[str, object]:
        fields = super().as_fields()
        if fields["normalized_shape"] is None:
            del fields["normalized_shape"]
        return fields

    # -- references --
    def torch_forward(self, torch, a, params: dict):
        shape = tuple(a.shape[a.dim() - len(self._trailing(tuple(a.shape))):])
        return torch.nn.functional.layer_norm(a, shape, params.get("gamma"), params.get("beta"), eps=self.eps)

    # -- words --
    def describe(self) -> str:
        return "layer normalization" + ("" if self.affine else ", no scale and shift")

    def objectives(self) -> list[str]:
        return ["derive layer normalization's backward pass step by step, each example normalized on its own"]

    def _k(self, shape: Shape) -> int:
        return len(self._trailing(shape))

    def doc_summed(self, shape: Shape) -> int:
        return self._k(shape)

    def doc_stat(self, shape: Shape) -> str:
        return ",".join(self.doc_axes(shape)[:len(shape) - self._k(shape)])

    def doc_scale(self, shape: Shape) -> str:
        return ",".join(self.doc_axes(shape)[len(shape) - self._k(shape):])

    def doc_rest(self, shape: Shape) -> str:
        return ",".join(self.doc_axes(shape)[:len(shape) - self._k(shape)])

    def words(self, step: DocStep) -> Words:
        shape = step.shape_in
        v = self.doc_names(step)
        axes = {3: ("channels", "height", "width"), 1: ("entries",)}[len(shape)]
        over = " and ".join(axes[len(shape) - self._k(shape):])
        lead = self.doc_stat(shape)
        group = (f"over all its {v['m']} entries (its {over})" if not lead else
                 f"over its {over} ({v['m']} entries), once for each ${lead}$")
        batch = " each example of the batch on its own," if step.batch is not None else ""
        affine = (rf", then scaled and shifted entry by entry by the trained ${v['gamma']}$ and ${v['beta']}$ (one of "
                  f"each per normalized position)" if self.affine else "")
        forward = (f"Layer normalization normalizes{batch} with no statistics shared between examples: {group}, the mean "
                   f"${v['mu']}$ and (biased) variance ${v['var']}$ and each entry's normalized value ${v['xhat']}$"
                   f"{affine}; $m = {v['m']}$ and $\\epsilon = {eps_tex(self.eps)}$. PyTorch's LayerNorm computes "
                   "exactly this, in training and in eval mode alike. The entries keep the letter $\\epsilon$.")
        backward = step_words("group", "its position's scale" if self.affine else "1")
        backward.update(gamma="The scale multiplies the normalized value at its position, in every group.",
                        beta="The shift is added to the entry at its position, in every group.")
        return Words(forward, backward, self.doc_formulas(step))
