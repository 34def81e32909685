"""The dense layer: z = W a + b with W of shape out_features x in_features, as term tables.

z_o = b_o + sum_i W_{o,i} a_i;  dL/dW_{o,i} = g_o a_i;  dL/da_i = sum_o g_o W_{o,i};  dL/db_o = g_o.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from ..figure import MAX_UNITS, Graph, Label
from ..spec import check_bias, whole
from ..symbols import latex_base
from ..words import plural
from .base import BYTES_PER_PRODUCT, SECONDS_PER_PRODUCT, DocStep, Exercise, Layer, Param, Shape, Step, Table, Words, Work, vector


@dataclass(frozen=True)
class Dense(Layer):
    """z = W a + b with W of shape out_features x in_features."""

    out_features: int
    bias: bool = False
    type: ClassVar[str] = "dense"
    weights_join: ClassVar[bool] = True
    # the weights' gradient delta_j a_i (its steps derive it entry by entry) and the bias's, the upstream gradient itself
    rule_gives: ClassVar[frozenset[str]] = frozenset({"W", "b"})

    def __post_init__(self) -> None:
        whole(self.out_features, "out_features")
        check_bias(self.bias)

    def output_shape(self, shape: Shape) -> Shape:
        vector(shape, "dense")
        return (self.out_features,)

    def params(self, shape: Shape) -> tuple[Param, ...]:
        weights = Param("W", "W", "kernel", (self.out_features, shape[0]), "weights")
        return (weights, Param("b", "b", "bias", (self.out_features,), "bias")) if self.bias else (weights,)

    def work(self, shape: Shape) -> Work:
        """out x in products each in z, dL/dW and dL/da; a bias term per output in z and dL/db."""
        products = 3 * self.out_features * shape[0]
        return Work.of(products + (2 * self.out_features if self.bias else 0), SECONDS_PER_PRODUCT, BYTES_PER_PRODUCT,
                       products)

    def forward(self, step: Step) -> dict:
        n_in, a, w = step.shape_in[0], step.position["in"], step.position["W"]
        bias = (lambda o: [(step.position["b"] + o, -1)]) if self.bias else (lambda o: [])
        return {"out": Table(bias(o) + [(w + o * n_in + i, a + i) for i in range(n_in)] for o in range(self.out_features))}

    def backward(self, step: Step) -> dict:
        n_in, a, w, g = step.shape_in[0], step.position["in"], step.position["W"], step.position["upstream"]
        out = {"W": Table([(g + o, a + i)] for o in range(self.out_features) for i in range(n_in)),
               "in": Table([(g + o, w + o * n_in + i) for o in range(self.out_features)] for i in range(n_in))}
        if self.bias:
            out["b"] = Table([(g + o, -1)] for o in range(self.out_features))
        return out

    def numpy_forward(self, np, a, params: dict):
        return params["W"] @ a + (params["b"] if self.bias else 0), None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        grads = {"W": np.outer(g, a)}
        if self.bias:
            grads["b"] = g.copy()
        return params["W"].T @ g, grads

    def torch_forward(self, torch, a, params: dict):
        return params["W"] @ a + (params["b"] if self.bias else 0)

    def describe(self) -> str:
        return f"dense, {plural(self.out_features, 'output')}{', bias' if self.bias else ''}"

    def objectives(self) -> list[str]:
        return ["derive a dense layer's gradients as an outer product and a product with the transposed weights"]

    def rules(self, step: DocStep) -> list[str]:
        n = step.example()  # over a batch, example n's vectors; the weights' gradients sum over n
        a, z, w, d = step.symbol("in", n), step.symbol("out", n), step.symbol("W"), step.delta("out", n)
        b = step.symbol("b") if self.bias else ""
        T = r"^{\mathsf{T}}"
        lines = [rf"{z} &= {w} {a}" + (f" + {b}" if b else ""),
                 rf"\frac{{\partial L}}{{\partial {w}}} &= {step.over_batch}{d}\, ({a}){T}"]
        if b:
            lines.append(rf"\frac{{\partial L}}{{\partial {b}}} &= {step.over_batch}{d}")
        return lines + [rf"{step.delta('in', n)} &= ({w}){T} {d}"]

    def words(self, step: DocStep) -> Words:
        a, z, w = step.symbol("in"), step.symbol("out"), step.symbol("W")
        b = step.symbol("b") if self.bias else ""
        # the upstream gradient as the rules write it (delta^{[l]}), slashed in running text where it is a fraction
        d = step.delta("out")
        d = rf"\partial L / \partial {z}" if d.startswith(r"\frac") else d
        return Words(f"${z} = {w} {a}{' + ' + b if b else ''}$, with one row of ${w}$ per output.",
                     {"W": rf"$\partial L / \partial {w}$ is the upstream gradient times the input: the outer product "
                           rf"${d}\, ({a})^{{\mathsf{{T}}}}$.",
                      "b": rf"$\partial L / \partial {b}$ is the upstream gradient itself." if b else "",
                      "in": rf"$\partial L / \partial {a}$ sums the upstream gradient times the column of ${w}$: "
                            rf"$({w})^{{\mathsf{{T}}}} {d}$, entry by entry "
                            + (rf"$\partial L / \partial {a}_i = \sum_j {d}_j\, {w}_{{j,i}}$."
                               if not d.startswith(r"\partial") else
                               rf"$\partial L / \partial {a}_i = \sum_j (\partial L / \partial {z}_j)\, {w}_{{j,i}}$.")})

    def steps(self, step: DocStep) -> dict[str, tuple[str, list[str], str]]:
        """Why the weights' gradient is an outer product: the chain rule over the outputs, of which only one
        holds a given weight (one example; a batch sums it over its examples, as its rules say)."""
        if step.batch is not None:
            return {}
        def named(which: str, index: str) -> str:
            letter, sup = step.entry(which)
            return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{index}}}"
        # the input's index i and the output's j, as the weights W_{j,i} (review r9 clash 1: k is a kernel entry's
        # letter and the softmax's classes are the outputs j); primes for an index the sum runs over
        w, a, z = named("W", "j,i"), named("in", "i"), named("out", "j'")
        d_any, d_j = step.gradient_entry("", "j'"), step.gradient_entry("", "j")
        bias = named('b', "j'") + " + " if self.bias else ""
        w_row, a_any = named("W", "j',i'"), named("in", "i'")
        # the one output's derivative inline, the chain rule the one display (the CNN's pages are limited, review r16
        # item 1)
        return {"W": ("", [
            rf"\frac{{\partial L}}{{\partial {w}}} &= \sum_{{j'}} {d_any}\, \frac{{\partial {z}}}{{\partial {w}}}"
            rf" = \sum_{{j'}} {d_any}\, \mathbb{{1}}[j' = j]\, {a} = {d_j}\, {a}"],
            rf"Why: output ${z} = {bias}\sum_{{i'}} {w_row}\, {a_any}$ holds ${w}$ only "
            rf"in row $j' = j$, times ${a}$, so $\partial {z} / \partial {w} = \mathbb{{1}}[j' = j]\, {a}$ and the "
            rf"chain rule over the outputs keeps one term:")}

    def exercises(self, step: DocStep) -> list[Exercise]:
        """In a network's sheet (one example): the parameters' gradients entry by entry, from the upstream gradient
        and the input (review r10 item 3: the sheet asked only for the input's gradient)."""
        if step.number is None or step.batch is not None:
            return []
        def named(which: str, index: str) -> str:
            letter, sup = step.entry(which)
            return latex_base(letter) + (f"^{{{sup}}}" if sup else "") + f"_{{{index}}}"
        d, a, w = step.delta("out"), step.symbol("in"), step.symbol("W")
        d_j = step.gradient_entry("", "j")
        lines = [rf"\frac{{\partial L}}{{\partial {named('W', 'j,i')}}} &= {d_j}\, {named('in', 'i')}"]
        asked = f"$\\partial L / \\partial {named('W', 'j,i')}$"
        if self.bias:
            lines.append(rf"\frac{{\partial L}}{{\partial {named('b', 'j')}}} &= {d_j}")
            asked += f" and $\\partial L / \\partial {named('b', 'j')}$"
        upstream = f"${d}$" if not d.startswith(r"\frac") else "the upstream gradient"
        return [Exercise(
            f"(Layer {step.number}.) Write {asked} in terms of {upstream} and ${a}$.", lines,
            f"Output $j$ alone holds ${named('W', 'j,i')}$, times ${named('in', 'i')}$, so the chain rule over the "
            f"outputs keeps one term: as matrices the outer product ${d}\\, ({a})^{{\\mathsf{{T}}}}$"
            + (f". The bias ${named('b', 'j')}$ is added to output $j$ alone, with factor 1, so its gradient is the "
               "upstream gradient itself." if self.bias else "."), 3, layer=step.number)]

    def figures(self, step: DocStep) -> dict[str, list[Graph]]:
        """The layer's connections, every input unit joined to every output unit: those into the first output
        (the forward rule's sum) beside the output, those out of the first input (its gradient's sum) beside
        the input's gradient; none for a layer wider than MAX_UNITS."""
        n_in, n_out = step.shape_in[0], self.out_features
        if n_in > MAX_UNITS or n_out > MAX_UNITS:
            return {}
        (a, a_sup), (z, z_sup), (w, w_sup) = step.entry("in"), step.entry("out"), step.entry("W")
        left = tuple(Label(latex_base(a), str(k + 1), a_sup) for k in range(n_in))
        right = tuple(Label(latex_base(z), str(j + 1), z_sup) for j in range(n_out))
        weight = lambda j, k: Label(latex_base(w), f"{j + 1},{k + 1}", w_sup)
        name = lambda label: label.latex().strip("$")
        suffix = "" if step.number is None else f"-layer-{step.number}"
        batch = " Each example of the batch goes through the same connections." if step.batch is not None else ""
        bias = f"{name(Label(latex_base(step.entry('b')[0]), '1', step.entry('b')[1]))} + " if self.bias else ""
        forward = f"{name(right[0])} = {bias}" + " + ".join(f"{name(weight(0, k))}\\, {name(left[k])}" for k in range(n_in))
        back = (rf"\frac{{\partial L}}{{\partial {name(left[0])}}} = "
                + " + ".join(f"{step.gradient_entry('', str(j + 1))}\\, {name(weight(j, 0))}" for j in range(n_out)))
        into = Graph(f"dense{suffix}", left, right, tuple((k, 0, weight(0, k)) for k in range(n_in)), ("right", 0),
                     f"The layer's connections: every input entry reaches every output entry through its own weight. "
                     f"The green ones carry the sum of ${name(right[0])}$: ${forward}$.{batch}",
                     (("hit", f"the weights into ${name(right[0])}$"), ("pad", "the other connections")),
                     f"the connections, those into ${name(right[0])}$ in green")
        out_of = Graph(f"dense-back{suffix}", left, right, tuple((0, j, weight(j, 0)) for j in range(n_out)), ("left", 0),
                       f"The same connections seen from ${name(left[0])}$: it reaches every output entry, so its "
                       f"gradient sums the upstream gradient of each times the weight between them: ${back}$.{batch}",
                       (("hit", f"the weights out of ${name(left[0])}$"), ("pad", "the other connections")),
                       f"the connections out of ${name(left[0])}$, the terms of its gradient")
        return {"out": [into], "in": [out_of]}
