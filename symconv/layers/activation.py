"""Element-wise activations: a = f(z), dL/dz = g f'(z), written with the output a where that is shorter.

relu: f'(z) = [z > 0] (0 at z = 0, as frameworks); sigmoid: a (1 - a); tanh: 1 - a^2; identity: 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Heaviside, Integer, Max, exp, tanh

from ..spec import SpecError, shown
from .base import DocStep, Exercise, Layer, Shape, Step, Words, Work

FORWARD = {
    "relu": lambda z: Max(0, z),
    "sigmoid": lambda z: 1 / (1 + exp(-z)),
    "tanh": tanh,
    "identity": lambda z: z,
}
LOCAL = {
    "relu": lambda z, a: Heaviside(z, 0),
    "sigmoid": lambda z, a: a * (1 - a),
    "tanh": lambda z, a: 1 - a**2,
    "identity": lambda z, a: Integer(1),
}
ACTIVATIONS = tuple(FORWARD)
# In tensor form (a network's overview): f applied entry by entry, and the derivative multiplied in.
RULES = {
    "relu": (r"\max(0, {z})", r"\mathbb{{1}}[{z} > 0]"),
    "sigmoid": (r"\sigma({z})", r"{a} \odot (1 - {a})"),
    "tanh": (r"\tanh({z})", r"(1 - {a} \odot {a})"),
    "identity": ("{z}", ""),
}
# The rule in words, with {z} and {a} standing for the layer's input and output (x and a^{[1]}, ...).
WORDS = {
    "relu": (r"${a} = \max(0, {z})$, entry by entry.",
             r"The derivative of ReLU is 1 where ${z} > 0$ and 0 elsewhere (also at ${z} = 0$, as frameworks do), "
             "so the upstream gradient passes only where the input was positive."),
    "sigmoid": (r"${a} = 1 / (1 + e^{{-{z}}})$, entry by entry.",
                r"The derivative of the sigmoid is ${a}(1 - {a})$, written with the layer's own output ${a}$."),
    "tanh": (r"${a} = \tanh {z}$, entry by entry.",
             r"The derivative of tanh is $1 - ({a})^2$, written with the layer's own output ${a}$."),
    "identity": ("${a} = {z}$: the layer passes its input on unchanged.",
                 "The derivative is 1: the upstream gradient passes unchanged."),
}
# An activation's name in prose and headings, where it differs from its TOML type.
PROSE = {"relu": "ReLU"}
# The backward rule's one sentence in a network's walk, before its entry's formula (which says the rest).
WALK = {"relu": "Its derivative is 1 where its input is positive and 0 elsewhere (at 0 too, as frameworks do):",
        "identity": "Its derivative is 1: the upstream gradient passes unchanged."}


@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise activation: relu, sigmoid, tanh or identity."""

    kind: str
    fixed: ClassVar[tuple[str, ...]] = ("kind",)
    entrywise_activation: ClassVar[bool] = True
    SECONDS_PER_TERM: ClassVar[dict[str, float]] = {"relu": 7e-4, "sigmoid": 2.2e-3, "tanh": 3e-4, "identity": 1e-5}

    @property
    def type(self) -> str:  # type: ignore[override]
        return self.kind

    @property
    def gates_at_zero(self) -> bool:  # type: ignore[override]
        return self.kind == "relu"

    @property
    def rule_says_forward(self) -> bool:  # type: ignore[override]
        """relu's and identity's forward sentence in a network repeats their rule."""
        return self.kind in ("relu", "identity")

    @property
    def example_output(self) -> bool:  # type: ignore[override]
        """relu and identity only clip or copy their input's numbers: a worked example need not list them."""
        return self.kind not in ("relu", "identity")

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in ACTIVATIONS:
            raise SpecError(f"activation {shown(self.kind)} is not known: use one of {', '.join(ACTIVATIONS)}")

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def work(self, shape: Shape) -> Work:
        """One term per entry forward (f(z)) and backward (g f'(z))."""
        return Work.of(2 * prod(shape), self.SECONDS_PER_TERM[self.kind])

    def forward(self, step: Step) -> dict:
        return {"out": [FORWARD[self.kind](z) for z in step.inp]}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """Diagonal: f'(z_n) at (n, n)."""
        local = LOCAL[self.kind]
        return [(n, n, local(z, a)) for n, (z, a) in enumerate(zip(step.inp, step.out))]

    def backward(self, step: Step) -> dict:
        local = LOCAL[self.kind]
        return {"in": [g * local(z, a) for z, a, g in zip(step.inp, step.out, step.upstream)]}

    def numpy_forward(self, np, a, params: dict):
        return {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                "tanh": np.tanh, "identity": lambda z: z}[self.kind](a), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        local = {"relu": lambda: (a > 0).astype(float), "sigmoid": lambda: y * (1 - y),
                 "tanh": lambda: 1 - y**2, "identity": lambda: np.ones_like(a)}[self.kind]()
        return g * local, {}

    def torch_forward(self, torch, a, params: dict):
        return {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z * 1}[self.kind](a)

    def describe(self) -> str:
        """Its name in prose and headings: ReLU as courses write it (the TOML type stays relu)."""
        return PROSE.get(self.kind, self.kind)

    def objectives(self) -> list[str]:
        return ["multiply the upstream gradient entry by entry by an activation's derivative"]

    def exercises(self, step: DocStep) -> list[Exercise]:
        """In a network's sheet (the document lists no entries of an activation's gradient): its input's gradient
        from its output's, entry by entry, and which entries get 0."""
        if step.number is None:
            return []
        z, d_out, d_in = step.symbol("in"), step.delta("out"), step.delta("in")
        local = RULES[self.kind][1]
        zeros = " Which of its entries are 0?" if self.gates_at_zero else ""
        names = {"z": z, "a": step.symbol("out")}
        reasoning = WORDS[self.kind][1].format(**names)
        if self.gates_at_zero:  # every entry that is 0, not only those the relu stops
            reasoning += (f" So an entry of ${d_in}$ is 0 where the ReLU's input is not positive, ${z} \\le 0$, and "
                          f"also wherever ${d_out}$ is 0 already: every entry the layer after it sends no gradient to "
                          "(after max pooling, each entry that is not its window's switch: all but one entry of "
                          "each window).")
        return [Exercise(f"(Layer {step.number}.) Write ${d_in}$, the gradient of the {self.describe()}'s input, in terms of "
                         f"${d_out}$.{zeros}", [self.rules(step)[1]], reasoning, 2, layer=step.number)]

    def rules(self, step: DocStep) -> list[str]:
        z, a, d = step.symbol("in"), step.symbol("out"), step.delta("out")
        forward, local = RULES[self.kind]
        return [rf"{a} &= {forward.format(z=z)}",
                rf"{step.delta('in')} &= {d}" + (rf" \odot {local.format(z=z, a=a)}" if local else "")]

    def words(self, step: DocStep) -> Words:
        forward, backward = WORDS[self.kind]
        names = {"z": step.symbol("in"), "a": step.symbol("out")}
        if step.number is not None and self.rule_says_forward:
            # In a network's walk its rule, entry by entry, one line each way: the forward pass goes through the layer
            # rather than round it, and the backward pass writes in maths what its words say.
            return Words("", {"in": WALK[self.kind]}, formulas=self.entry_rules(step))
        return Words(forward.format(**names), {"in": backward.format(**names)})

    def entry_rules(self, step: DocStep) -> dict[str, list[str]]:
        """The rule for one entry, forward ("out") and backward ("in"): a^{[2](m)}_{r,s} = max(0, a^{[1](m)}_{r,s}),
        delta^{[1](m)}_{r,s} = delta^{[2](m)}_{r,s} 1[a^{[1](m)}_{r,s} > 0]; one index for a vector."""
        channels = len(step.shape_in) == 3 and step.shape_in[0] > 1
        index = "r,s" if len(step.shape_in) == 3 else "i"
        c = "m" if channels else ""
        z, a = step.symbol("in", c) + f"_{{{index}}}", step.symbol("out", c) + f"_{{{index}}}"
        d_out, d_in = step.delta("out", c) + f"_{{{index}}}", step.delta("in", c) + f"_{{{index}}}"
        forward, local = RULES[self.kind]
        return {"out": [rf"{a} &= {forward.format(z=z)}"],
                # the gradient it gives written as the other layers' entries write theirs, dL/da (the pooling's
                # dL/da^{[2](1)}_{1,1} = delta^{[3](1)}_{1,1} ...), the upstream one delta (review r8 defect 7)
                "in": [rf"\partial L / \partial {z} &= {d_out}" + (rf"\, {local.format(z=z, a=a)}" if local else "")]}
