"""The layers a network is made of: frozen, self-validating specs that know their output shape."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from math import prod
from typing import ClassVar, NamedTuple, Union

from .indexmap import IndexMap, tap_count
from .spec import CONVENTIONS, ConvSpec, SpecError, as_pair, check_bias, check_choice, fmt_pair, shown, whole

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

    @classmethod
    def of(cls, terms: int, seconds_per_term: float, bytes_per_term: float = BYTES_PER_EXPRESSION) -> Work:
        return cls(terms, terms * seconds_per_term, terms * bytes_per_term)


def _image(shape: Shape, kind: str) -> Shape:
    if len(shape) != 3:
        raise SpecError(f"{kind} needs an image (channels, height, width), but its input is a vector of {shape[0]}: put it before flatten")
    return shape


def _vector(shape: Shape, kind: str) -> Shape:
    if len(shape) != 1:
        raise SpecError(f"{kind} needs a vector, but its input has shape {list(shape)}: put a flatten layer before it")
    return shape


@dataclass(frozen=True)
class Conv:
    """A convolution layer (see ConvSpec): out_channels kernels of kernel size."""

    out_channels: int
    kernel: tuple[int, int]
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    bias: bool = False
    convention: str = "correlation"
    type: ClassVar[str] = "conv"

    def __post_init__(self) -> None:
        for attr in ("kernel", "stride", "padding", "dilation"):
            object.__setattr__(self, attr, as_pair(getattr(self, attr), attr))
        whole(self.out_channels, "out_channels")
        check_bias(self.bias)
        check_choice(self.convention, "convention", CONVENTIONS)

    def conv_spec(self, shape: Shape) -> ConvSpec:
        c, h, w = _image(shape, "conv")
        return ConvSpec(input=(h, w), kernel=self.kernel, in_channels=c, out_channels=self.out_channels,
                        stride=self.stride, padding=self.padding, dilation=self.dilation, bias=self.bias,
                        convention=self.convention)

    def output_shape(self, shape: Shape) -> Shape:
        return (self.out_channels, *self.conv_spec(shape).output)

    def work(self, shape: Shape) -> Work:
        """3 products per tap (Y, dL/dK, dL/dX), and a bias term per output in Y and in dL/db."""
        spec = self.conv_spec(shape)
        bias = 2 * self.out_channels * prod(spec.output) if self.bias else 0
        return Work.of(3 * IndexMap(spec).products + bias, SECONDS_PER_PRODUCT, BYTES_PER_PRODUCT)


POOL_KINDS = ("max", "avg", "l2")


@dataclass(frozen=True)
class Pool:
    """Max, average or L2-norm pooling over windows; the stride defaults to the window."""

    kind: str
    window: tuple[int, int]
    stride: tuple[int, int] | None = None
    padding: tuple[int, int] = (0, 0)

    @property
    def type(self) -> str:
        return f"{self.kind}pool"

    # Per term: avg and l2 build a fraction or a quotient, max a switch over the whole window.
    SECONDS_PER_TERM: ClassVar[dict[str, float]] = {"avg": 2e-4, "l2": 2e-4, "max": 2e-3}

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in POOL_KINDS:
            raise SpecError(f"pooling {shown(self.kind)} is not known: use one of {', '.join(POOL_KINDS)}")
        window = as_pair(self.window, "window")
        stride = window if self.stride is None else as_pair(self.stride, "stride")
        padding = as_pair(self.padding, "padding")
        if min(window) < 1 or min(stride) < 1:
            raise SpecError(f"window {fmt_pair(window)} and stride {fmt_pair(stride)} must be 1 or more")
        if min(padding) < 0 or any(2 * p > k for p, k in zip(padding, window)):
            raise SpecError(f"padding {fmt_pair(padding)} is not valid: from 0 to half the window {fmt_pair(window)}")
        for attr, value in (("window", window), ("stride", stride), ("padding", padding)):
            object.__setattr__(self, attr, value)

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _image(shape, self.type)
        padded = (h + 2 * self.padding[0], w + 2 * self.padding[1])
        if self.window[0] > padded[0] or self.window[1] > padded[1]:
            raise SpecError(f"window {fmt_pair(self.window)} is larger than the padded input {fmt_pair(padded)}")
        return (c, *((n - k) // s + 1 for n, k, s in zip(padded, self.window, self.stride)))

    def work(self, shape: Shape) -> Work:
        """A term per window cell inside the input, forward and backward."""
        c, h, w = shape
        _, ho, wo = self.output_shape(shape)
        (kh, kw), (sh, sw), (ph, pw) = self.window, self.stride, self.padding
        cells = c * tap_count(h, ho, kh, sh, ph, 1) * tap_count(w, wo, kw, sw, pw, 1)
        return Work.of(2 * cells, self.SECONDS_PER_TERM[self.kind])


ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: relu, sigmoid, tanh or identity."""

    kind: str
    SECONDS_PER_TERM: ClassVar[dict[str, float]] = {"relu": 7e-4, "sigmoid": 2.2e-3, "tanh": 3e-4, "identity": 1e-5}

    @property
    def type(self) -> str:
        return self.kind

    def __post_init__(self) -> None:
        if not isinstance(self.kind, str) or self.kind not in ACTIVATIONS:
            raise SpecError(f"activation {shown(self.kind)} is not known: use one of {', '.join(ACTIVATIONS)}")

    def output_shape(self, shape: Shape) -> Shape:
        return shape

    def work(self, shape: Shape) -> Work:
        """One term per entry forward (f(z)) and backward (g f'(z))."""
        return Work.of(2 * prod(shape), self.SECONDS_PER_TERM[self.kind])


FLATTEN_ORDERS = ("column", "row")


@dataclass(frozen=True)
class Flatten:
    """vec of each channel (column-major by default, as MATH.md; row-major as PyTorch), channels stacked."""

    order: str = "column"
    type: ClassVar[str] = "flatten"

    def __post_init__(self) -> None:
        if not isinstance(self.order, str) or self.order not in FLATTEN_ORDERS:
            raise SpecError(f"order {shown(self.order)} is not valid: use column (vec, the default) or row (as PyTorch)")

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _image(shape, "flatten")
        return (c * h * w,)

    def work(self, shape: Shape) -> Work:
        """Entries only move: a symbol per entry each way."""
        return Work.of(2 * prod(shape), 1e-5)


@dataclass(frozen=True)
class Dense:
    """z = W a + b with W of shape out_features x in_features."""

    out_features: int
    bias: bool = False
    type: ClassVar[str] = "dense"

    def __post_init__(self) -> None:
        whole(self.out_features, "out_features")
        check_bias(self.bias)

    def output_shape(self, shape: Shape) -> Shape:
        _vector(shape, "dense")
        return (self.out_features,)

    def work(self, shape: Shape) -> Work:
        """out x in products each in z, dL/dW and dL/da; a bias term per output in z and dL/db."""
        return Work.of(3 * self.out_features * shape[0] + (2 * self.out_features if self.bias else 0),
                       SECONDS_PER_PRODUCT, BYTES_PER_PRODUCT)


@dataclass(frozen=True)
class SoftmaxCrossEntropy:
    """p = softmax(f), L = -sum_k t_k log p_k against a one-hot target t; the loss, always last."""

    type: ClassVar[str] = "softmax_cross_entropy"

    def output_shape(self, shape: Shape) -> Shape:
        return _vector(shape, "softmax_cross_entropy")

    def work(self, shape: Shape) -> Work:
        """Every p_k sums exp over all n features: n^2 terms, then n in the loss and n in p - t."""
        n = shape[0]
        return Work.of(n * n + 2 * n, 2e-4)


Layer = Union[Conv, Pool, Activation, Flatten, Dense, SoftmaxCrossEntropy]
LAYER_CLASSES = (Conv, Pool, Activation, Flatten, Dense, SoftmaxCrossEntropy)

# TOML type name -> (class, fixed arguments)
LAYER_TYPES: dict[str, tuple[type, dict]] = {
    "conv": (Conv, {}),
    "maxpool": (Pool, {"kind": "max"}),
    "avgpool": (Pool, {"kind": "avg"}),
    "l2pool": (Pool, {"kind": "l2"}),
    **{kind: (Activation, {"kind": kind}) for kind in ACTIVATIONS},
    "flatten": (Flatten, {}),
    "dense": (Dense, {}),
    "softmax_cross_entropy": (SoftmaxCrossEntropy, {}),
}


def layer_fields(layer: Layer) -> dict[str, object]:
    """The layer as written in a network file, every default filled in: {"type": ..., field: value}."""
    out: dict[str, object] = {"type": layer.type}
    for f in fields(layer):
        if f.name == "kind":
            continue
        value = getattr(layer, f.name)
        out[f.name] = list(value) if isinstance(value, tuple) else value
    return out


def layer_from_fields(values: dict[str, object]) -> Layer:
    """Build a layer from a network file's table.

    Raises:
        SpecError: naming the unknown type, or the missing or unknown field.
    """
    kind = values.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"type {shown(kind)} is not known: use one of {', '.join(LAYER_TYPES)}")
    cls, fixed = LAYER_TYPES[kind]
    allowed = [f.name for f in fields(cls) if f.name not in fixed]
    required = [f.name for f in fields(cls) if f.name not in fixed and f.default is MISSING and f.default_factory is MISSING]
    given = {k: v for k, v in values.items() if k != "type"}
    for key in given:
        if key not in allowed:
            valid = ", ".join(allowed) if allowed else "no fields"
            raise SpecError(f"field {key!r} is not known for {kind}: it takes {valid}")
    for key in required:
        if key not in given:
            raise SpecError(f"field {key!r} is missing ({kind} needs {', '.join(required)})")
    return cls(**fixed, **given)
