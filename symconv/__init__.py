"""symconv: symbolic, verified derivations of back-propagation through convolution layers.

    >>> from symconv import ConvSpec, derive
    >>> d = derive(ConvSpec(input=3, kernel=2))
    >>> d["dL/dK"][0, 0, 0, 0]
    dL_dy_1_1_1*x_1_1_1 + dL_dy_1_1_2*x_1_1_2 + dL_dy_1_2_1*x_1_2_1 + dL_dy_1_2_2*x_1_2_2
"""

from __future__ import annotations

from importlib import import_module

from .spec import ConvSpec, Names, SpecError

__version__ = "0.1.0"
__all__ = [
    "Activation", "Conv", "ConvSpec", "Dense", "Flatten", "Names", "NetworkSpec", "Pool", "SoftmaxCrossEntropy",
    "SpecError", "check", "derive", "from_torch", "load_network", "render", "verify", "write", "__version__",
]

# SymPy takes 0.3 s to import: the CLI's --help and the spec must not pay for it, so the functions
# and layer kinds that need it are loaded on first use (PEP 562).
_LAZY = {"check": "symconv.api", "derive": "symconv.api", "render": "symconv.api", "verify": "symconv.api", "write": "symconv.api",
         "NetworkSpec": "symconv.network", "load_network": "symconv.network", "from_torch": "symconv.torch_import"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    if name[:1].isupper():  # a layer kind (Conv, Pool, ...): its module only
        layers = import_module("symconv.layers")
        if name in layers.KINDS:
            return layers.kind(name)
    raise AttributeError(f"module 'symconv' has no attribute {name!r}")
