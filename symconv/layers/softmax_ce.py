"""Softmax with cross-entropy, the loss (always last): p_k = exp(f_k) / sum_j exp(f_j), L = -sum_k t_k log p_k.

Backward, for any target: dL/df_k = p_k sum_j t_j - t_k. With `target = "one-hot"` (the default: a
one-hot vector, PyTorch's class-index target, or any probability vector) sum_j t_j = 1 and this is
p_k - t_k, the form derived and taught. With `target = "any"` (PyTorch's probability targets, which
cross_entropy does not require to sum to 1: soft labels, unnormalised weights) the general form is
derived, p_k sum_j t_j - t_k.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sympy import Add, Rational, exp, log

from ..spec import check_choice
from .base import DocStep, Layer, Param, Shape, Step, Words, Work, batch_mean_weight, vector


REDUCTIONS = ("mean", "sum")
TARGETS = ("one-hot", "any")  # a distribution (entries summing to 1), or any numbers


@dataclass(frozen=True)
class SoftmaxCrossEntropy(Layer):
    """p = softmax(f), L = -sum_k t_k log p_k against a target t: one-hot (or any probability vector,
    entries summing to 1) by default, or any numbers with target="any"; the loss, always last."""

    reduction: str = "mean"  # over a batch's examples, as PyTorch's CrossEntropyLoss; or "sum"
    target: str = "one-hot"  # "one-hot": t sums to 1 (p - t); "any": t need not (p sum(t) - t)
    type: ClassVar[str] = "softmax_cross_entropy"
    output_aliases: ClassVar[tuple[str, ...]] = ("p",)
    is_loss: ClassVar[bool] = True
    # \hat{y}, not p: p is the padding and a kernel row elsewhere in the documents
    output_letter: ClassVar[str] = r"\hat{y}"
    output_title: ClassVar[str] = "probabilities (softmax)"
    # its words give y-hat_j and L, its steps end in dL/df_j
    rule_gives: ClassVar[frozenset[str]] = frozenset({"out", "in", "L"})
    output_is_prediction: ClassVar[bool] = True
    worked_as_softmax: ClassVar[bool] = True
    later_fields: ClassVar[dict[str, object]] = {"target": "one-hot"}  # a network from before it keeps its folder

    def __post_init__(self) -> None:
        check_choice(self.reduction, "reduction", REDUCTIONS)
        check_choice(self.target, "target", TARGETS)

    @property
    def general(self) -> bool:
        """Whether the target may be any numbers: the derivative keeps sum_k t_k."""
        return self.target == "any"

    @property
    def backward_title(self) -> str:
        return f"the softmax and cross-entropy step: {self._delta_text}"

    @property
    def _delta_text(self) -> str:
        return "y-hat sum(t) - t" if self.general else "y-hat - t"

    def output_shape(self, shape: Shape) -> Shape:
        return vector(shape, "softmax_cross_entropy")

    def batch_weight(self, examples: int) -> Rational:
        return batch_mean_weight(self.reduction, examples)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        if self.general:  # any numbers: positive test values, none of them summing to 1 but by chance
            target = Param("t", "t", "input", shape, "target", trained=False, after=True, positive=True)
        else:
            target = Param("t", "t", "input", shape, "target (one-hot)", trained=False, after=True, one_hot=True)
        return (target,
                Param("L", "L", "output", (1,), "loss (cross-entropy)", trained=False, after=True))

    def work(self, shape: Shape) -> Work:
        """Every p_k sums exp over all n features: n^2 terms, then n in the loss and n in p - t (n^2 in
        p sum(t) - t)."""
        n = shape[0]
        return Work.of(n * n + (n * n + n if self.general else 2 * n), 2e-4)

    def forward(self, step: Step) -> dict:
        total = Add(*(exp(f) for f in step.inp))
        return {"out": [exp(f) / total for f in step.inp],
                "L": [-Add(*(t * log(p) for t, p in zip(step.params["t"], step.out)))]}

    def loss_terms(self, shape: Shape, out: tuple, params: dict[str, tuple]) -> tuple:
        return tuple(-t * log(p) for t, p in zip(params["t"], out))

    def backward(self, step: Step) -> dict:
        t = step.params["t"]
        if self.general:  # d/df_k of -sum_j t_j log p_j: p_k sum_j t_j - t_k
            total = Add(*t)
            return {"in": [p * total - tk for p, tk in zip(step.out, t)]}
        return {"in": [p - tk for p, tk in zip(step.out, t)]}

    def numpy_forward(self, np, a, params: dict):
        e = np.exp(a - a.max())
        p = e / e.sum()
        params["L"] = np.array([-(params["t"] * np.log(p)).sum()])
        return p, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        t = params["t"]
        return y * t.sum() - t, {}  # the general form: it is y - t where t sums to 1

    def torch_forward(self, torch, a, params: dict):
        """PyTorch's own cross-entropy with probabilities as the target, on one example (a vector) or a
        batch of them (a matrix, one row each), reduced as PyTorch reduces a batch."""
        loss = torch.nn.functional.cross_entropy(a, params["t"], reduction=self.reduction)
        return torch.softmax(a, dim=-1), loss

    def describe(self) -> str:
        return "softmax with cross-entropy"

    def objectives(self) -> list[str]:
        if self.general:
            return [r"show why softmax with cross-entropy sends back its probabilities $\hat{y}$ times the sum of the "
                    r"target $t$, less the target: $\hat{y} \sum_j t_j - t$"]
        # the symbols said where first used (review r7 defect 13: the objectives used them undefined)
        return [r"show why softmax with cross-entropy sends back its probabilities $\hat{y}$ less the one-hot "
                r"target $t$: $\hat{y} - t$"]

    def words(self, step: DocStep) -> Words:
        scores = "" if step.number is None else f" $f = {step.symbol('in')}$"
        return Words(rf"The probabilities $\hat{{y}}$ are the softmax of the scores{scores}, $\hat{{y}}_j = e^{{f_j}} / \sum_{{j'}} e^{{f_{{j'}}}}$, "
                     + (r"and the loss is the cross-entropy of $\hat{y}$ against the target $t$, whose entries need not "
                        "sum to 1: " if self.general else r"and the loss is the cross-entropy of $\hat{y}$ against the one-hot target $t$: ")
                     + r"$L = -\sum_j t_j \log \hat{y}_j$.",
                     {"in": f"With $f$ the scores entering the softmax{' (' + scores.strip() + ')' if scores else ''}:"})

    def rules(self, step: DocStep) -> list[str]:
        T = r"^{\mathsf{T}}"
        if step.batch is not None:  # each example's rules as below, the loss reduced over the batch
            n = step.example()
            f, p, t = step.symbol("in", n), rf"\hat{{y}}^{{({n})}}", f"t^{{({n})}}"
            c = rf"\frac{{1}}{{{step.batch}}}" if self.batch_weight(step.batch) != 1 else ""
            return [rf"{p} &= \operatorname{{softmax}}({f}), \qquad L = -{c}\sum_n ({t}){T} \log {p}",
                    rf"{step.delta('in', n)} &= {c}\bigl({p}\, (\mathbf{{1}}{T} {t}) - {t}\bigr)" if self.general else
                    rf"{step.delta('in', n)} &= {c}\bigl({p} - {t}\bigr)"]
        f = step.symbol("in")
        # The two factors of the chain rule are written once, inside it (dL/dy^ = -t / y^, dy^/df = diag(y^) - y^ y^T):
        # the rules sum up the backward pass's derivation, in a line or two.
        return [rf"\hat{{y}} &= \operatorname{{softmax}}({f}), \qquad L = -t{T} \log \hat{{y}}",
                # the chain rule takes the Jacobian transposed (as the dense layer's W^T); this one is symmetric
                rf"{step.delta('in')} &= \Bigl(\frac{{\partial \hat{{y}}}}{{\partial {f}}}\Bigr){T} \frac{{\partial L}}{{\partial \hat{{y}}}} "
                rf"= \bigl(\operatorname{{diag}}(\hat{{y}}) - \hat{{y}}\, \hat{{y}}{T}\bigr) \bigl({{-t}} \oslash \hat{{y}}\bigr)",
                rf"&= \hat{{y}}\, (\mathbf{{1}}{T} t) - t" + ("" if self.general else
                                                          r" = \hat{y} - t \quad \text{(a target that sums to 1)}")]

    def steps(self, step: DocStep) -> dict[str, tuple[str, list[str]]]:
        r"""dL/df_k = sum_j dL/dp_j dp_j/df_k = ... = p_k sum_j t_j - t_k (p_k - t_k for a one-hot target),
        the step SymPy does not take alone."""
        # the last two steps on one line (the CNN's pages are limited, review r16 item 1)
        last = "" if self.general else (r" = \hat{y}_j - t_j \qquad \text{since } \sum_{j'} t_{j'} = 1"
                                        r" \text{ for a one-hot target}")
        return {"in": ("", [
            r"\frac{\partial L}{\partial f_j} &= \sum_{j'} \frac{\partial L}{\partial \hat{y}_{j'}}\,\frac{\partial \hat{y}_{j'}}{\partial f_j}"
            r" = \sum_{j'} \left(-\frac{t_{j'}}{\hat{y}_{j'}}\right) \hat{y}_{j'} \left(\mathbb{1}[j' = j] - \hat{y}_j\right)",
            r"&= \hat{y}_j \sum_{j'} t_{j'} - t_j" + last,
        ])}
