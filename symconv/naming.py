"""How a derivation names its tensors and writes their entries: a^{[l]} in a network, the teacher's
own letters (x, k, y, or --names) for a single layer.

One naming serves every kind: a layer only says which letter its tensors take (k, W, b, p, t).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from .layers.base import DocStep, Layer, Param, Shape
from .spec import Names
from .symbols import latex_base, upstream_latex

LatexOf = Callable[[tuple[int, ...]], str]


def _sub(idx) -> str:
    return ",".join(map(str, idx))


def lead_axes(shape: Shape) -> int:
    """The leading axes an activation's entries write in their superscript: the channel of an image
    (C, H, W), the example of a batch of vectors (N, n), both for a batch of images (N, C, H, W)."""
    return {1: 0, 2: 1, 3: 1, 4: 2}[len(shape)]


def layer_latex(base: str, layer: int | None, shape: Shape) -> LatexOf:
    """a^{[l](c)}_{i,j}: the layer in brackets, the channel in parentheses when there are several; with a
    batch, the example first: a^{[l](n,c)}_{i,j}, a^{[l](n)}_{k} (all written when any is above one, as
    a kernel's (m, c))."""
    head = latex_base(base)
    lead = lead_axes(shape)
    shown = any(n > 1 for n in shape[:lead])

    def name(idx: tuple[int, ...]) -> str:
        sup = f"[{layer}]" if layer is not None else ""
        if shown:
            sup += f"({_sub(idx[:lead])})"
        return head + (f"^{{{sup}}}" if sup else "") + f"_{{{_sub(idx[lead:])}}}"
    return name


def param_latex(base: str, layer: int | None, shape: Shape) -> LatexOf:
    """k^{[l](m,c)}_{p,q} for kernels, W^{[l]}_{o,i} for weights, b^{[l]}_{m} for biases."""
    head = latex_base(base)

    def name(idx: tuple[int, ...]) -> str:
        sup = f"[{layer}]" if layer is not None else ""
        if len(shape) == 4:
            if shape[0] > 1 or shape[1] > 1:
                sup += f"({_sub(idx[:2])})"
            idx = idx[2:]
        return head + (f"^{{{sup}}}" if sup else "") + f"_{{{_sub(idx)}}}"
    return name


@dataclass(frozen=True)
class Named:
    """A tensor's name in the derivation, its symbols' identifier prefix, how each entry prints, its title."""

    name: str
    prefix: str
    latex: LatexOf
    title: str


@dataclass(frozen=True)
class Naming:
    """Network names (X, K[l], A[l]; x, k^{[l]}, a^{[l]}) or, with `names`, a single layer's (X, K, b,
    Y; the teacher's letters, no layer number)."""

    names: Names | None = None

    @property
    def single(self) -> bool:
        return self.names is not None

    @property
    def input_gradient_first(self) -> bool:
        """A single layer lists dL/dX before dL/dK (its JSON contract); a network, its parameters first."""
        return self.single

    def letter(self, letter: str) -> str:
        """The letter a document writes for a kind's letter: --names renames x, k and y (a)."""
        if self.names is None:
            return letter
        return {"x": self.names.input, "k": self.names.kernel, "a": self.names.output}.get(letter, letter)

    def number(self, l: int) -> int | None:
        return None if self.single else l

    def input(self, shape: Shape) -> Named:
        x = self.letter("x")
        return Named("X", x, layer_latex(x, None, shape), "input")

    def output(self, l: int, layer: Layer, shape: Shape) -> Named:
        """A layer's output: A[l] written a^{[l]} (p for the softmax), or Y written y for a single layer."""
        if layer.output_letter:  # \ell's symbols are ell_1: identifiers, as the JSON needs
            prefix = "".join(ch for ch in layer.output_letter if ch.isalnum()) or "out"
            return Named(f"A[{l}]", prefix, layer_latex(layer.output_letter, None, shape),
                         layer.output_title or f"layer {l}: {layer.type}")
        if self.single:
            y = self.letter("a")
            return Named("Y", y, layer_latex(y, None, shape), "output")
        return Named(f"A[{l}]", f"a{l}", layer_latex("a", l, shape), f"layer {l}: {layer.type}")

    def param(self, l: int, p: Param) -> Named:
        """A parameter: K[l] written k^{[l]}, or K written k (--names) for a single layer."""
        letter = self.letter(p.letter)
        if p.after:  # a loss's target and value: t_{k}, L
            latex = (lambda idx: letter) if p.shape == (1,) else layer_latex(letter, None, p.shape)
            return Named(p.key, p.key, latex, p.title)
        if self.single:
            # b alone for a single output channel, as a teacher writes it.
            latex = (lambda idx: letter) if p.shape == (1,) else param_latex(letter, None, p.shape)
            return Named(p.key, letter, latex, p.title)
        prefix = letter.lower() if letter.isalnum() else p.key.lower()  # \gamma's symbols are gamma2_1
        # One row per example (a batch norm's normalized input) is written as the activations are.
        latex = layer_latex(letter, l, p.shape) if p.per_example else \
            param_latex(letter, l, p.shape if len(p.shape) == 4 else (1,))
        return Named(f"{p.key}[{l}]", f"{prefix}{l}", latex, f"{p.title} of layer {l}")

    def doc_step(self, record, previous: Layer | None, upstream: str = "", batch: int | None = None,
                 sources: tuple[tuple[str, int | None, bool, int], ...] = ()) -> DocStep:
        """A layer as the documents see it: its number (none for a single layer), shapes, the letter of
        its input, output and each parameter (x or the layer before's a or p; y or a; k, W, b), and the
        upstream gradient's symbol (g, \\delta; "" for the full fraction)."""
        layer = record.layer
        letters = {"in": self.letter("x") if previous is None else previous.output_letter or self.letter("a"),
                   "out": layer.output_letter or self.letter("a")}
        plain = {"out"} if layer.output_letter else set()  # p, e: named once, as output() names them
        for p in layer.params(record.shape_in):
            letters[p.key] = self.letter(p.letter)
            if p.after:  # a loss's target and value, as param() names them
                plain.add(p.key)
        if sources:  # a branching network: the input is the first of the values the layer reads
            letters["in"] = sources[0][0]
        return DocStep(self.number(record.number), record.shape_in, record.shape_out, letters, upstream,
                       frozenset(plain), batch, sources)

    def contribution(self, of: Named, reader: int) -> Named:
        r"""The part of dL/d(of) that comes through layer `reader`: \frac{\partial L}{\partial a^{[1 \leftarrow 3]}_{i,j}},
        written \delta^{[1 \leftarrow 3]}_{i,j} with the short symbol."""
        from .derivation import contribution

        entry = of.latex

        def via(idx: tuple[int, ...]) -> str:
            text = entry(idx)
            if "^{[" not in text:  # the network's input has no layer number: the fraction, marked
                return rf"\Bigl({upstream_latex(text)}\Bigr)_{{\leftarrow {reader}}}"
            return upstream_latex(text.replace("]", rf" \leftarrow {reader}]", 1))
        return Named(contribution(of.name, reader), f"dL_d{of.prefix}_via{reader}", via,
                     f"the part of the gradient of {of.name} that comes through layer {reader}")

    def upstream(self, of: Named) -> Named:
        entry = of.latex
        return Named(f"dL/d{of.name}", f"dL_d{of.prefix}", lambda idx: upstream_latex(entry(idx)), "upstream gradient")

    def gradient_title(self, l: int, p: Param | None, of: str) -> str:
        """The title of dL/d(input) (p None) or of a parameter's gradient."""
        if p is None:
            return "gradient with respect to the input" if l == 1 else f"gradient with respect to {of}"
        return f"gradient with respect to the {p.title}" if self.single else f"gradient of layer {l}'s {p.title}"
