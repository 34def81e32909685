"""The names a teacher uses for the tensors of a layer or a network, as the grader reads them."""

from __future__ import annotations

from ..derivation import Derivation
from ..layers import SoftmaxCrossEntropy
from ..network import NetworkSpec
from ..spec import ConvSpec
from .notation import TensorInfo

Names = dict[str, dict[int | None, TensorInfo]]


def tensors_of(spec: ConvSpec) -> Names:
    """The names a teacher uses for a layer's tensors (--names, and b for the bias)."""
    n = spec.names
    c_in, c_out = spec.in_channels, spec.out_channels
    out = {
        n.input: {None: TensorInfo("X", (c_in, *spec.input), 1)},
        n.kernel: {None: TensorInfo("K", (c_out, c_in, *spec.kernel), 2)},
        n.output: {None: TensorInfo("Y", (c_out, *spec.output), 1)},
    }
    if spec.bias:
        out["b"] = {None: TensorInfo("b", (c_out,), 1)}
    return out


def network_tensors(derivation: Derivation) -> Names:
    """A network's names, as its documents write them: x; a^{[l]}, k^{[l]}, W^{[l]}, b^{[l]} by layer;
    p and t for the softmax and its target."""
    net: NetworkSpec = derivation.spec  # type: ignore[assignment]
    names = set(derivation.names())
    image = lambda shape: int(len(shape) == 3)  # a leading channel axis
    out: Names = {"x": {None: TensorInfo("X", net.input, 1)}}
    for l, layer in enumerate(net.layers, start=1):
        a = derivation[f"A[{l}]"]
        if isinstance(layer, SoftmaxCrossEntropy):
            out["p"] = {None: TensorInfo(f"A[{l}]", a.shape, 0)}
            out["t"] = {None: TensorInfo("t", a.shape, 0)}
            continue
        out.setdefault("a", {})[l] = TensorInfo(f"A[{l}]", a.shape, image(a.shape))
        for base, key, lead in (("k", f"K[{l}]", 2), ("W", f"W[{l}]", 0), ("b", f"b[{l}]", 0)):
            if key in names:
                out.setdefault(base, {})[l] = TensorInfo(key, derivation[key].shape, lead)
    return out
