"""What every layer kind implements, and what the derivation hands a layer: one interface, no dispatch.

A kind is a frozen dataclass of its fields (validated on construction) that subclasses `Layer`. The
core (derivation, sizes, Jacobians, numeric references, documents, grader) only calls the methods
below; it never asks which kind a layer is.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, NamedTuple

from sympy import Integer, Rational

from ..spec import SpecError
from ..symbols import latex_base
from ..words import size

Shape = tuple[int, ...]  # (channels, height, width) for images, (n,) for vectors

# Measured on the project's 2-core machine (SymPy 1.14), derive and JSON together: a product of
# two symbols in a term table costs this much; the other kinds' terms are SymPy expressions built
# one by one (Max, Heaviside, exp...), hundreds of times dearer.
SECONDS_PER_PRODUCT = 4e-6
BYTES_PER_PRODUCT = 600
BYTES_PER_EXPRESSION = 3000


class Work(NamedTuple):
    """What a layer's forward and backward entries hold, from the shapes alone: terms, time, memory."""

    terms: int
    seconds: float
    bytes: float
    products: int = 0  # two-factor terms of a term table (conv, dense), for the benchmarks

    @classmethod
    def of(cls, terms: int, seconds_per_term: float, bytes_per_term: float = BYTES_PER_EXPRESSION,
           products: int = 0) -> Work:
        return cls(terms, terms * seconds_per_term, terms * bytes_per_term, products)


@dataclass(frozen=True)
class Param:
    """A tensor a layer owns besides its input and output: a parameter (kernel, weights, bias) or, for
    a loss, its target and the loss itself (listed after the output, with `after`)."""

    key: str  # K, W, b, t, L: the tensor is K[l] in a network, K for a single layer
    letter: str  # how its entries are written: k, W, b, t, L
    role: str  # symbols.ROLE_RANK: kernel, bias, input, output
    shape: Shape
    title: str  # kernel, weights, bias
    trained: bool = True  # has a gradient dL/d(key)
    after: bool = False  # listed after the layer's output (a loss's target and value)
    lead: int = 0  # leading channel axes (the grader's and the documents' blocks): 2 for a kernel
    one_hot: bool = False  # a target whose random values for the numeric check are one-hot
    axes: tuple[str, str] = ("output channel", "input channel")  # what a kernel's two channel indices number
    stage: bool = False  # computed on the way to the output (a batch mean): derived, before the output
    per_example: bool = False  # one row per example of a batch, as the activations (a normalized input)
    positive: bool = False  # a given tensor whose every value is positive (a running variance): so are its test values

    @property
    def computed(self) -> bool:
        """Whether the layer computes this tensor (a loss's value L) rather than being given it."""
        return self.after and self.role == "output"


class Table(list):
    """A term table: per entry, its terms as (symbol position, symbol position or -1), in written order.

    Entry n is the sum of symbol(a) * symbol(b) over its pairs (symbol(a) alone where b is -1),
    positions indexing Derivation.symbols. Kinds whose entries are sums of products return one.
    """


@dataclass
class Step:
    """What a layer reads while its entries are built: the symbols of its input, output, parameters
    and upstream gradient dL/d(output) (None for a loss), their global positions, and a cache the
    forward pass may fill for the backward pass (term tables are built once for both)."""

    number: int
    shape_in: Shape
    shape_out: Shape
    inp: tuple
    out: tuple
    params: dict[str, tuple]
    upstream: tuple | None
    position: dict[str, int]  # "in", "out", "upstream" and each parameter key: position of its first symbol
    cache: dict = field(default_factory=dict)
    shapes_in: tuple[Shape, ...] = ()  # a join's inputs, whose symbols `inp` holds one after the other
    stage_grads: dict[str, tuple] = field(default_factory=dict)  # symbols of dL/d(each stage) a layer computes


@dataclass(frozen=True)
class Words:
    """What the documents say about a layer: its forward rule, and the backward rule of each gradient
    it writes, keyed by what the gradient is of ("in" for its input, a parameter key); prose with
    $math$. `formulas` are general index formulas (LaTeX align lines) by tensor ("out", "in", a
    parameter key), shown before that tensor's entries; `notes` (prose with $math$, by the same keys) say
    right after a formula which terms of its sum exist; `general` and `general_note` the formulas in
    symbols."""

    forward: str
    backward: dict[str, str]
    formulas: dict[str, list[str]] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    # The same formulas in symbols, for any size, stride, padding and dilation (a kind whose index formulas
    # hold only at this layer's settings gives them), by the same keys, and the prose that says where each
    # index runs and which terms exist: a document states them once per kind.
    general: dict[str, list[str]] = field(default_factory=dict)
    general_note: str = ""
    # After a later formula in symbols (general_note said where the indices run with the first), which of its
    # terms exist, by key: the kernel's gradient reads the input where the output does (review r14 A6).
    general_notes: dict[str, str] = field(default_factory=dict)
    # The symbols the formulas in symbols use that nothing before them defines (a convolution's channels), said
    # before the first of them (review r16 item 4).
    general_symbols: str = ""


@dataclass(frozen=True)
class Exercise:
    """A task of an exercise sheet that only the kind can set (a convolution's stride case, a conceptual
    question): the question (prose with $math$), the answer (LaTeX align lines, or none for an answer
    in words), the reasoning the answer key gives, and its points."""

    question: str
    answer: list[str]
    reasoning: str
    points: int
    first: bool = False  # asked before the entries (a warm-up: the output size), else after them
    # The passage of the document's words this task asks for (why the kernel turns up rotated): the key's
    # other answers, which quote those words, leave it out, so that it is said once, in this task's answer.
    asks: str = ""
    # The task asks for the layer's output size: the exercise sheet does not print it (its settings, the network's
    # table and diagram show "?" there), the answer key and the document do.
    asks_output: bool = False
    # In a network, the layer the task is about (its number): the sheet asks the first layer's tasks first, then one
    # per later layer in the order the backward pass reaches them.
    layer: int | None = None


def batch_mean_weight(reduction: str, examples: int) -> Rational:
    """A loss's factor over a batch of `examples`: 1/N for a mean (PyTorch's default), else 1."""
    return Rational(1, examples) if reduction == "mean" else Rational(1)


def image(shape: Shape, kind: str) -> Shape:
    if len(shape) != 3:
        raise SpecError(f"{kind} needs an image (channels, height, width), but its input is a vector of {shape[0]}: put it before flatten")
    return shape


def vector(shape: Shape, kind: str) -> Shape:
    if len(shape) != 1:
        raise SpecError(f"{kind} needs a vector, but its input has shape {list(shape)}: put a flatten layer before it")
    return shape


class Layer(ABC):
    """The interface of a layer kind. Subclasses are frozen dataclasses; `type` is the TOML name.

    A kind that leaves out one of the abstract methods cannot be built: forgetting one is not silent.
    """

    type: ClassVar[str]
    is_loss: ClassVar[bool] = False  # the last layer, computing L from its input and a target
    output_letter: ClassVar[str | None] = None  # p for the softmax; None: a^{[l]} (y for a single layer)
    output_title: ClassVar[str | None] = None
    backward_title: ClassVar[str | None] = None  # of dL/d(input), when the kind has its own (p - t)
    fixed: ClassVar[tuple[str, ...]] = ()  # fields the TOML type fixes (maxpool fixes kind)
    arity: ClassVar[int] = 1  # the values it reads; 0: two or more, joined (add, concat)
    whole_batch: ClassVar[bool] = False  # reads the whole batch at once (batch normalization): needs a batch
    aliases: ClassVar[dict[str, str]] = {}  # a file's field name -> the dataclass field it fills (params -> constants)
    # What a network's worked example lists of the layer: its output, and the gradient of its input. A
    # kind whose output only moves or clips its input's numbers (flatten, relu) leaves it out.
    example_output: ClassVar[bool] = True
    example_input_gradient: ClassVar[bool] = True
    # Fields added after networks had folders, with their defaults: left out of the folder's digest at
    # their default, so that a network written before them keeps its folder.
    later_fields: ClassVar[dict[str, object]] = {}
    # The tensors whose every entry the kind's words or steps already give in symbols, by key: "out" for its output,
    # "in" for its input's gradient, a parameter's key for its gradient, or for a loss's value (the softmax's
    # y-hat_j = e^{f_j} / sum_j' e^{f_j'}, dL/df_j = y-hat_j - t_j and L = -sum_j t_j log y-hat_j, a dense layer's
    # delta_j a_i and its bias's upstream gradient): a network's document then lists none of their entries (review r15
    # item 7: they repeated the line above them).
    rule_gives: ClassVar[frozenset[str]] = frozenset()
    # Whether a network's forward pass needs no section for the kind: its one sentence would repeat its rule
    # (a relu's max(0, .), entry by entry).
    rule_says_forward: ClassVar[bool] = False
    # What a network's document says of the kind once (its notation paragraph, its exercises): a convolution's
    # kernel K^{(m,c)} slides over input channel c for output channel m; a dense layer's W_{i,j} joins input j
    # to output i. Other letters notes write for its output (a softmax's p, which the documents write y-hat).
    kernel_slides: ClassVar[bool] = False
    weights_join: ClassVar[bool] = False
    output_aliases: ClassVar[tuple[str, ...]] = ()
    # Whether a loss's output is the network's prediction (the softmax's probabilities, y-hat), the a^{[L]} of
    # notes that number layers by their weights (Ng); not an error e or a loss term
    output_is_prediction: ClassVar[bool] = False
    # An entry-by-entry activation, a layer of its own with its own gradient (where notes fold it into the layer
    # before, theirs is the delta of that layer's output)
    entrywise_activation: ClassVar[bool] = False

    @property
    def gates_at_zero(self) -> bool:
        """Whether its derivative is 0 wherever its input is not positive (relu): a gradient stops there."""
        return False

    # A softmax with the cross-entropy: a worked example works its probability, loss and p - t on one line
    # (rendering/example.py network_steps)
    worked_as_softmax: ClassVar[bool] = False

    def figure_entry(self, shape: Shape) -> int | None:
        """The flat index of the input entry its input-gradient figure shows, which a single layer's worked example
        works out too; None for a kind with no such figure."""
        return None

    @property
    def routes_to_maximum(self) -> bool:
        """Whether each window sends its gradient to its maximum alone (max pooling), whose figure can then be
        drawn at a worked example's numbers (figures(step, values))."""
        return False

    def epsilon(self) -> float | None:
        """The number a normalization adds to its variance under the square root (notes write it \\epsilon);
        None for a kind that has none."""
        return None

    def loss_terms(self, shape: Shape, out: tuple, params: dict[str, tuple]) -> tuple | None:
        """A loss that is a sum over its input's entries: the term of each entry, which worked examples name
        (Mazur's E_{o1}), as expressions of the layer's output symbols `out` and parameters `params`; L is
        their sum. None for a kind that is no such sum (or no loss)."""
        return None

    # -- fields --
    def as_fields(self) -> dict[str, object]:
        """The layer as written in a network file, every default filled in: {"type": ..., field: value}."""
        out: dict[str, object] = {"type": self.type}
        for f in fields(self):  # type: ignore[arg-type]
            if f.name in self.fixed:
                continue
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def identity_fields(self) -> dict[str, object]:
        """The fields a network's folder digest covers: as_fields without later fields at their defaults."""
        def plain(value):  # a pair as a file writes it: (1, 1) and [1, 1] are the same default
            return list(value) if isinstance(value, tuple) else value
        return {k: v for k, v in self.as_fields().items()
                if k not in self.later_fields or plain(v) != plain(self.later_fields[k])}

    # -- shapes and size --
    @abstractmethod
    def output_shape(self, shape: Shape) -> Shape:
        raise NotImplementedError

    def output_shape_of(self, shapes: tuple[Shape, ...]) -> Shape:
        """The output's shape from the shapes of every value the layer reads (a join reads several)."""
        return self.output_shape(shapes[0])

    def params(self, shape: Shape) -> tuple[Param, ...]:
        """The tensors the layer owns, in the order the derivation lists them."""
        return ()

    @abstractmethod
    def work(self, shape: Shape) -> Work:
        raise NotImplementedError

    # -- the derivation: entries (SymPy) or term tables, by "out" / "in" / parameter key --
    @abstractmethod
    def forward(self, step: Step) -> dict[str, Any]:
        raise NotImplementedError

    @abstractmethod
    def backward(self, step: Step) -> dict[str, Any]:
        raise NotImplementedError

    def batch_weight(self, examples: int):
        """A loss's factor over a batch: L is it times the sum of the examples' losses (1/N for a mean,
        PyTorch's default; 1 for a sum); every other kind's is 1."""
        return Integer(1)

    def local_jacobian(self, step: Step) -> list[tuple[int, int, Any]]:
        """(output flat, input flat, d out / d in) of every nonzero local derivative, for kinds whose
        output is not a term table (a table's Jacobian is read off the table)."""
        raise ValueError(f"symconv does not form the Jacobian of a {self.type} layer")

    # -- the independent references (the numeric package hands in NumPy and PyTorch) --
    @abstractmethod
    def numpy_forward(self, np, a, params: dict) -> tuple[Any, Any]:
        """(output, cache) from the input and the parameters (the target t for a loss, which also puts
        L into `params["L"]`)."""
        raise NotImplementedError

    @abstractmethod
    def numpy_backward(self, np, g, a, y, params: dict, cache) -> tuple[Any, dict]:
        """(dL/d input, {parameter key: gradient}) from the upstream gradient g (None for a loss)."""
        raise NotImplementedError

    @abstractmethod
    def torch_forward(self, torch, a, params: dict):
        """The output from PyTorch's own layer (a loss returns (p, L))."""
        raise NotImplementedError

    # -- words, figures and names --
    @abstractmethod
    def describe(self) -> str:
        """One line saying what the layer is, in a teacher's words."""
        raise NotImplementedError

    def noun(self) -> str:
        """What the layer is called in a title ("a convolution layer"): its description's first words."""
        return self.describe().split(",")[0]

    @abstractmethod
    def words(self, step: DocStep) -> Words:
        raise NotImplementedError

    def objectives(self) -> list[str]:
        """What a student learns from this layer's part of a document (prose with $math$)."""
        return []

    def settings(self, step: DocStep) -> list[tuple[str, str]]:
        """The settings table of the layer's document when it is the only layer."""
        return [("input", size(*step.shape_in)), ("layer", self.describe()), ("output", size(*step.shape_out))]

    def figures(self, step: DocStep) -> dict[str, list]:
        """Figures (symconv.figure.Grid) by the tensor they go with: "out", "in" or a parameter key."""
        return {}

    def results(self, step: DocStep, said: bool = False) -> tuple[str, list[str], str]:
        """What a single layer's document states first: the sentence that names the matrices they use, the
        results in matrix form (LaTeX align lines, boxed) and the prose that defines their terms and checks
        their shapes; none by default. With `said`, the matrices (matrices_named) and the operators were
        defined earlier in the document, where first used, and are not named again."""
        return "", [], ""

    def pads_input(self, shape_in: tuple[int, ...]) -> bool:
        """Whether the layer reads its input with padding around it (a general formula's terms can fall in it);
        no padding by default."""
        return False

    def sliding_amounts(self, shape_in: tuple[int, ...]) -> tuple[tuple[int, int], ...] | None:
        """(stride, padding, dilation, kernel size), rows and columns each, of a layer that slides a kernel over
        zeros padded alike on every side: what the general rules' operators pad_P, spread_S, dilate_D, full_D,
        \\star_D and crop read (check's layer_operators); None for any other layer."""
        return None

    def matrices_named(self, step: DocStep) -> str:
        """The sentence that names the matrices a single layer's document writes whole, said before the first
        of them (in the introduction); none by default."""
        return ""

    def general_results(self, step: DocStep) -> tuple[str, list[str], str, list[str]] | None:
        """Where a single layer's boxed results hold only at its own settings, the same for any setting (intro,
        align lines, after); None by default."""
        return None

    def in_network(self, step: DocStep) -> list[tuple[str, list[str], str]]:
        """How a single layer's document ties its results to a whole network: (intro, align lines, after) per
        display; none by default."""
        return []

    def steps(self, step: DocStep) -> dict[str, tuple[str, list[str]] | tuple[str, list[str], str]]:
        """Displayed steps shown before a tensor's entries, by tensor: (heading or "", LaTeX align
        lines); the output size of a convolution, the softmax's backward step."""
        return {}

    def exercises(self, step: DocStep) -> list[Exercise]:
        """Tasks of a handout that only this kind can set, beyond the entries and formulas every kind's
        sheet asks for; none by default."""
        return []

    @abstractmethod
    def rules(self, step: DocStep) -> list[str]:
        r"""The layer's forward rule and backward rules in tensor form, as a network's overview shows
        them (LaTeX align lines, `&=` aligned): whole tensors, $\delta$ for a gradient of a layer's
        output (DocStep.delta), $\odot$ for entry-by-entry products, $\star$ for correlation."""
        raise NotImplementedError


class Sizes(NamedTuple):
    """How a document writes an image layer's sizes, per channel: its input's rows and columns, its output's."""

    h: str
    w: str
    ho: str
    wo: str


# A single layer's document writes the classic H x W and H_o x W_o (its handouts ask for H_o, and check reads size
# claims in these letters); a network's, whose dense layers' weights are W^{[l]}, writes the input n_h x n_w (d2l's
# letters, as its flatten writes a channel's size) and the output o_h x o_w, so that W is the weights' alone.
SINGLE_SIZES = Sizes("H", "W", "H_o", "W_o")
NETWORK_SIZES = Sizes("n_h", "n_w", "o_h", "o_w")


@dataclass(frozen=True)
class DocStep:
    """A layer as the documents see it: its number, shapes, and how its tensors are written."""

    number: int | None  # None for a single layer (no [l] in its names)
    shape_in: Shape
    shape_out: Shape
    letters: dict[str, str]  # "in", "out" and parameter keys -> the letter the document writes
    upstream: str = ""  # the short symbol of the output's gradient (g, \delta); "" writes dL/dy in full
    unnumbered: frozenset[str] = frozenset()  # tensors written without the layer number: a loss's p, t, L
    batch: int | None = None  # the examples of a batch, if any: its rules write example n and sum over n
    # What the layer reads when the network branches: per input, its letter, its layer number (None for
    # the network's input), whether other layers read it too (its gradient here is a contribution) and
    # its channels (or entries, for a vector).
    sources: tuple[tuple[str, int | None, bool, int], ...] = ()

    def source_symbol(self, k: int, channel: str = "") -> str:
        """Input k as math: a^{[2]}, x, a^{[3](c)}."""
        letter, number, *_ = self.sources[k]
        sup = ("" if number is None else f"[{number}]") + (f"({channel})" if channel else "")
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "")

    def source_delta(self, k: int, channel: str = "") -> str:
        r"""The gradient that reaches input k through this layer: \delta^{[j]}, or where other layers read
        it too, this layer's contribution \delta^{[j \leftarrow l]}; the full fraction for the input."""
        _, number, forked, _ = self.sources[k]
        via = rf" \leftarrow {self.number}" if forked else ""
        if number is None or not self.upstream:
            whole = rf"\frac{{\partial L}}{{\partial {self.source_symbol(k, channel)}}}"
            return rf"\Bigl({whole}\Bigr)_{{\leftarrow {self.number}}}" if forked else whole
        return rf"{self.upstream}^{{[{number}{via}]" + (f"({channel})" if channel else "") + "}"

    @property
    def sizes(self) -> Sizes:
        """The letters of the layer's sizes: a single layer's H x W, a network's n_h x n_w (Sizes)."""
        return SINGLE_SIZES if self.number is None else NETWORK_SIZES

    def example(self, channel: str = "") -> str:
        """A whole tensor's superscript channel with the example first over a batch: "n", "n,c"; the
        channel alone without one."""
        if self.batch is None:
            return channel
        return "n" + (f",{channel}" if channel else "")

    @property
    def over_batch(self) -> str:
        r"""The sum over the examples that a shared parameter's gradient takes: \sum_n, or ""."""
        return r"\sum_{n} " if self.batch is not None else ""

    def entry(self, which: str, channel: str = "") -> tuple[str, str]:
        """(letter, superscript) of the entries of the layer's input ("in"), output ("out") or a
        parameter, in `channel` ("1", "1,1") if given: x and "", a and "[2](1)", k and "[1](1,1)"."""
        number = self.number if which != "in" else None if self.number in (None, 1) else self.number - 1
        if which == "in" and self.sources:
            number = self.sources[0][1]
        if which in self.unnumbered:
            number = None
        return self.letters[which], ("" if number is None else f"[{number}]") + (f"({channel})" if channel else "")

    def symbol(self, which: str, channel: str = "") -> str:
        """The letter of a tensor's entries with its layer (and channel, if given), as math: x,
        a^{[2]}, W^{[5]}, a^{[1](c)}."""
        letter, sup = self.entry(which, channel)
        return latex_base(letter) + (f"^{{{sup}}}" if sup else "")

    def delta(self, which: str, channel: str = "") -> str:
        r"""The gradient of the loss with respect to the layer's output ("out") or input ("in") as a
        network's overview writes it, with the upstream symbol: \delta^{[l]}, \delta^{[l-1](c)};
        \partial L / \partial x for the network's input, which has no layer number (nor without a symbol)."""
        if which == "in" and self.sources:
            return self.source_delta(0, channel)
        number = self.number if which == "out" else None if self.number in (None, 1) else self.number - 1
        if number is None or not self.upstream:
            return rf"\frac{{\partial L}}{{\partial {self.symbol(which, channel)}}}"
        return rf"{self.upstream}^{{[{number}]" + (f"({channel})" if channel else "") + "}"

    def gradient_entry(self, channel: str, index: str) -> str:
        r"""An entry of the gradient of the layer's output, as the entries write it: g_{r,s},
        g^{(m)}_{r,s}, \delta^{[2](m)}_{r,s}, or \frac{\partial L}{\partial y_{r,s}} without a symbol."""
        letter, sup = self.entry("out", channel)
        if self.upstream:
            return self.upstream + (f"^{{{sup}}}" if sup else "") + f"_{{{index}}}"
        return rf"\frac{{\partial L}}{{\partial {latex_base(letter)}" + (f"^{{{sup}}}" if sup else "") + f"_{{{index}}}}}"
