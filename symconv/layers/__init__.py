"""The layer kinds, one module each, and the registry that maps a network file's `type` to its kind.

A new kind is one module in this package, one line in KINDS and its lines in TYPES.
"""

from __future__ import annotations

from dataclasses import MISSING, fields
from importlib import import_module

from ..spec import SpecError, shown
from .activation import ACTIVATIONS
from .base import Layer, Param, Shape, Step, Table, Words, Work

# Each kind's class by name -> the module in this package that defines it. A kind's module is
# imported when the kind is first used: a command that derives one convolution does not load sixteen.
KINDS = {
    "Conv": "conv", "ConvTranspose": "conv_transpose", "Pool": "pool", "Activation": "activation",
    "FormulaActivation": "formula_activation", "Flatten": "flatten", "GlobalAvgPool": "global_avgpool",
    "Upsample": "upsample", "Dense": "dense", "Add": "add", "BatchNorm": "batchnorm", "LayerNorm": "layernorm",
    "GroupNorm": "groupnorm", "Concat": "concat",
    "SoftmaxCrossEntropy": "softmax_ce", "MeanSquaredError": "mse", "FormulaLoss": "formula_loss",
    "AdaptivePool": "adaptive_pool", "Dropout": "dropout",
}

# TOML type name -> (kind's class name, the fields the name fixes)
TYPES: dict[str, tuple[str, dict]] = {
    "conv": ("Conv", {}),
    "conv_transpose": ("ConvTranspose", {}),
    "maxpool": ("Pool", {"kind": "max"}),
    "avgpool": ("Pool", {"kind": "avg"}),
    "l2pool": ("Pool", {"kind": "l2"}),
    **{kind: ("Activation", {"kind": kind}) for kind in ACTIVATIONS},
    "activation": ("FormulaActivation", {}),
    "flatten": ("Flatten", {}),
    "dropout": ("Dropout", {}),
    "global_avgpool": ("GlobalAvgPool", {}),
    "adaptive_avgpool": ("AdaptivePool", {"kind": "avg"}),
    "adaptive_maxpool": ("AdaptivePool", {"kind": "max"}),
    "upsample": ("Upsample", {}),
    "dense": ("Dense", {}),
    "add": ("Add", {}),
    "batchnorm": ("BatchNorm", {}),
    "layernorm": ("LayerNorm", {}),
    "groupnorm": ("GroupNorm", {}),
    "concat": ("Concat", {}),
    "softmax_cross_entropy": ("SoftmaxCrossEntropy", {}),
    "mse": ("MeanSquaredError", {}),
    "loss": ("FormulaLoss", {}),
}

__all__ = ["KINDS", "LAYER_TYPES", "Layer", "Param", "Shape", "Step", "TYPES", "Table", "Words", "Work", "is_layer",
           "kind", "kinds", "layer_from_fields", *KINDS]


def kind(name: str) -> type[Layer]:
    """A kind's class by its name (Conv, Pool, ...), its module imported on first use."""
    return getattr(import_module(f"{__name__}.{KINDS[name]}"), name)


def kinds() -> dict[str, type[Layer]]:
    """Every kind's class by its name (Conv, Pool, ...), as `symconv` exports them."""
    return {name: kind(name) for name in KINDS}


def __getattr__(name: str):
    # PEP 562: `from symconv.layers import Conv` and LAYER_TYPES (type name -> (class, fixed fields)).
    if name in KINDS:
        return kind(name)
    if name == "LAYER_TYPES":
        return {type_name: (kind(cls), fixed) for type_name, (cls, fixed) in TYPES.items()}
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def is_layer(value: object) -> bool:
    """Whether a value is a layer of some kind (what a network's list must hold)."""
    return isinstance(value, Layer)


def layer_from_fields(values: dict[str, object]) -> Layer:
    """Build a layer from a network file's table.

    Raises:
        SpecError: naming the unknown type, or the missing or unknown field.
    """
    kind_name = values.get("type")
    if not isinstance(kind_name, str) or kind_name not in TYPES:
        raise SpecError(f"type {shown(kind_name)} is not known: use one of {', '.join(TYPES)}")
    cls, fixed = TYPES[kind_name]
    cls = kind(cls)
    values = {cls.aliases.get(key, key): value for key, value in values.items()}
    allowed = [f.name for f in fields(cls) if f.name not in fixed]
    required = [f.name for f in fields(cls) if f.name not in fixed and f.default is MISSING and f.default_factory is MISSING]
    given = {k: v for k, v in values.items() if k != "type"}
    for key in given:
        if key not in allowed:
            valid = ", ".join(allowed) if allowed else "no fields"
            raise SpecError(f"field {key!r} is not known for {kind_name}: it takes {valid}")
    for key in required:
        if key not in given:
            raise SpecError(f"field {key!r} is missing ({kind_name} needs {', '.join(required)})")
    return cls(**fixed, **given)
