"""The Derivation value: ordered, named tensors of symbols and entries, plus how to print them."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from collections.abc import Callable, Sequence
from typing import Mapping

from sympy import Expr, ImmutableDenseNDimArray, Symbol

from .layers.base import Layer, Shape
from .network import NetworkSpec
from .spec import ConvSpec
from .vec import Jacobian, jacobian


@dataclass(frozen=True)
class Terms:
    """The term structure of a derived tensor, in the order people write the terms.

    Entry n is the sum over t in range(start[n], start[n + 1]) of symbol(first[t]) * symbol(second[t]),
    or of symbol(first[t]) alone where second[t] is -1; symbol(i) is Derivation.symbols[i].
    LaTeX, JSON and the numeric check read this instead of walking the SymPy expressions.
    """

    start: tuple[int, ...]
    first: tuple[int, ...]
    second: tuple[int, ...]


class LazyEntries(Sequence):
    """A derived tensor's SymPy entries, built by `build()` the first time any is asked for.

    Behaves as the tuple of entries (indexing, slicing, iteration, ==); its length is known without
    building. A large layer's document, JSON and numeric check never build them.
    """

    __slots__ = ("_length", "_build", "_entries")

    def __init__(self, length: int, build: Callable[[], tuple]):
        self._length, self._build, self._entries = length, build, None

    def _all(self) -> tuple:
        if self._entries is None:
            self._entries = tuple(self._build())
            self._build = None
        return self._entries

    @property
    def built(self) -> bool:
        return self._entries is not None

    def __len__(self) -> int:
        return self._length

    def __getitem__(self, index):
        return self._all()[index]

    def __iter__(self):
        return iter(self._all())

    def __eq__(self, other) -> bool:
        if isinstance(other, (tuple, LazyEntries)):
            return self._all() == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._all())

    def __add__(self, other) -> tuple:  # entries + entries, as with tuples
        return self._all() + tuple(other)

    def __radd__(self, other) -> tuple:
        return tuple(other) + self._all()

    def __repr__(self) -> str:
        return repr(self._all()) if self.built else f"<{self._length} SymPy entries, built on first use>"


@dataclass(frozen=True)
class Tensor:
    """A named tensor, flat in row-major order.

    A leaf (input, kernel, bias, upstream gradient) has `symbols` and no `entries`; a derived
    tensor has `entries`, and `symbols` too when later steps refer to it by name (the output Y).
    `labels` are the LaTeX left-hand sides, one per entry (y_{1,1}, \\frac{\\partial L}{\\partial x_{1,1}}).
    """

    name: str
    shape: tuple[int, ...]
    symbols: tuple[Symbol, ...] | None
    entries: tuple[Expr, ...] | LazyEntries | None
    labels: tuple[str, ...]
    title: str
    terms: Terms | None = None
    # How its symbols print (set by the Derivation it belongs to), for displays such as Jupyter's.
    latex_names: Mapping[Symbol, str] | None = field(default=None, compare=False, repr=False)
    order: Mapping[Symbol, tuple] | None = field(default=None, compare=False, repr=False)

    def __getitem__(self, index: int | tuple[int, ...]) -> Expr:
        """The entry (or symbol, for a leaf) at a 0-based index, e.g. dK[0, 0, 1, 1]."""
        if isinstance(index, int):
            index = (index,)
        flat = 0
        for i, n in zip(index, self.shape, strict=True):
            if not 0 <= i < n:
                raise IndexError(f"index {index} is outside {self.name}'s shape {self.shape}")
            flat = flat * n + i
        return (self.entries if self.entries is not None else self.symbols)[flat]

    @property
    def values(self) -> tuple[Expr, ...]:
        """Entries of a derived tensor, symbols of a leaf."""
        return self.entries if self.entries is not None else self.symbols  # type: ignore[return-value]

    def as_array(self) -> ImmutableDenseNDimArray:
        """The tensor as a SymPy array of its shape."""
        return ImmutableDenseNDimArray(self.values, self.shape)


def contribution(of: str, reader: int) -> str:
    """The name of the part of dL/d(of) that comes through layer `reader`, where several layers read `of`."""
    return f"dL/d{of} from layer {reader}"


@dataclass(frozen=True)
class LayerRecord:
    """Which tensors one layer of a derivation reads and writes, by name."""

    layer: Layer
    number: int
    input: str  # X or A[l-1]: what it reads (the first of them, for a join)
    output: str  # Y or A[l]
    params: Mapping[str, str]  # the layer's parameter key (K, b, t, L) -> its tensor's name
    shape_in: Shape
    shape_out: Shape
    inputs: tuple[str, ...] = ()  # every value it reads, in order (a join reads several)

    def __post_init__(self) -> None:
        if not self.inputs:
            object.__setattr__(self, "inputs", (self.input,))


@dataclass(frozen=True)
class Derivation:
    """Everything derived for one layer or network; renderers and the numeric check only read it.

    `spec` is what was asked (a ConvSpec or a NetworkSpec, echoed by the JSON); `network` the network
    it was derived as (a single layer is a one-layer network) and `records` its layers.
    """

    spec: ConvSpec | NetworkSpec
    tensors: tuple[Tensor, ...]
    latex_names: Mapping[Symbol, str]
    order: Mapping[Symbol, tuple]
    symbols: tuple[Symbol, ...]  # every symbol of the derivation: what Terms index
    network: NetworkSpec
    records: tuple[LayerRecord, ...]

    def __post_init__(self) -> None:
        # Each tensor carries the names its symbols print with, so that it can be shown on its own.
        tensors = tuple(t if t.latex_names is self.latex_names else replace(t, latex_names=self.latex_names, order=self.order)
                        for t in self.tensors)
        object.__setattr__(self, "tensors", tensors)

    def __getitem__(self, name: str) -> Tensor:
        for tensor in self.tensors:
            if tensor.name == name:
                return tensor
        raise KeyError(f"no tensor {name!r}: the derivation has {', '.join(t.name for t in self.tensors)}")

    def names(self) -> list[str]:
        return [t.name for t in self.tensors]

    def parts(self) -> list[Tensor]:
        """Where several layers read a value, each one's part of its gradient (the value's gradient sums them)."""
        names = {contribution(name, r.number) for r in self.records for name in r.inputs}
        return [t for t in self.tensors if t.name in names]

    def jacobian_name(self, of: str, wrt: str) -> str:
        """The name of the tensor d vec(of) / d vec(wrt): dvecY/dvecK, dvecY/db (a vector is its own vec)."""
        vec = lambda name: name if len(self[name].shape) == 1 else f"vec{name}"
        return f"d{vec(of)}/d{vec(wrt)}"

    def jacobian(self, wrt: str, of: str | None = None) -> Jacobian:
        """d vec(of) / d vec(wrt) in numerator layout, e.g. d.jacobian("K") is d vec(Y) / d vec(K).

        For a network, `of` defaults to the output of the layer that reads `wrt`
        (d.jacobian("A[1]") is d vec(A[2]) / d vec(A[1])). See symconv.vec.jacobian.
        """
        return jacobian(self, wrt, of)
