"""The layers a network is made of: frozen, self-validating specs that know their output shape."""

from __future__ import annotations

from dataclasses import MISSING, dataclass, fields
from typing import ClassVar, Union

from .spec import CONVENTIONS, ConvSpec, SpecError, as_pair, fmt_pair

Shape = tuple[int, ...]  # (channels, height, width) for images, (n,) for vectors


def _positive(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SpecError(f"{what} {value!r} is not valid: give a whole number, 1 or more")
    return value


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
        _positive(self.out_channels, "out_channels")
        if self.convention not in CONVENTIONS:
            raise SpecError(f"convention {self.convention!r} is not valid: use one of {', '.join(CONVENTIONS)}")

    def conv_spec(self, shape: Shape) -> ConvSpec:
        c, h, w = _image(shape, "conv")
        return ConvSpec(input=(h, w), kernel=self.kernel, in_channels=c, out_channels=self.out_channels,
                        stride=self.stride, padding=self.padding, dilation=self.dilation, bias=self.bias,
                        convention=self.convention)

    def output_shape(self, shape: Shape) -> Shape:
        return (self.out_channels, *self.conv_spec(shape).output)


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

    def __post_init__(self) -> None:
        if self.kind not in POOL_KINDS:
            raise SpecError(f"pooling {self.kind!r} is not known: use one of {', '.join(POOL_KINDS)}")
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


ACTIVATIONS = ("relu", "sigmoid", "tanh", "identity")


@dataclass(frozen=True)
class Activation:
    """An element-wise activation: relu, sigmoid, tanh or identity."""

    kind: str

    @property
    def type(self) -> str:
        return self.kind

    def __post_init__(self) -> None:
        if self.kind not in ACTIVATIONS:
            raise SpecError(f"activation {self.kind!r} is not known: use one of {', '.join(ACTIVATIONS)}")

    def output_shape(self, shape: Shape) -> Shape:
        return shape


FLATTEN_ORDERS = ("column", "row")


@dataclass(frozen=True)
class Flatten:
    """vec of each channel (column-major by default, as MATH.md; row-major as PyTorch), channels stacked."""

    order: str = "column"
    type: ClassVar[str] = "flatten"

    def __post_init__(self) -> None:
        if self.order not in FLATTEN_ORDERS:
            raise SpecError(f"order {self.order!r} is not valid: use column (vec, the default) or row (as PyTorch)")

    def output_shape(self, shape: Shape) -> Shape:
        c, h, w = _image(shape, "flatten")
        return (c * h * w,)


@dataclass(frozen=True)
class Dense:
    """z = W a + b with W of shape out_features x in_features."""

    out_features: int
    bias: bool = False
    type: ClassVar[str] = "dense"

    def __post_init__(self) -> None:
        _positive(self.out_features, "out_features")

    def output_shape(self, shape: Shape) -> Shape:
        _vector(shape, "dense")
        return (self.out_features,)


@dataclass(frozen=True)
class SoftmaxCrossEntropy:
    """p = softmax(f), L = -sum_k t_k log p_k against a one-hot target t; the loss, always last."""

    type: ClassVar[str] = "softmax_cross_entropy"

    def output_shape(self, shape: Shape) -> Shape:
        return _vector(shape, "softmax_cross_entropy")


Layer = Union[Conv, Pool, Activation, Flatten, Dense, SoftmaxCrossEntropy]

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
    if kind not in LAYER_TYPES:
        raise SpecError(f"type {kind!r} is not known: use one of {', '.join(LAYER_TYPES)}")
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
