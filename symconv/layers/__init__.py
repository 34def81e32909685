"""The layer kinds, one module each, and the registry that maps a network file's `type` to its kind.

A new kind is one module in this package and one line in LAYER_TYPES.
"""

from __future__ import annotations

from dataclasses import MISSING, fields

from ..spec import SpecError, shown
from .activation import ACTIVATIONS, Activation
from .add import Add
from .base import Layer, Param, Shape, Step, Table, Words, Work
from .batchnorm import BatchNorm
from .concat import Concat
from .conv import Conv
from .conv_transpose import ConvTranspose
from .dense import Dense
from .flatten import Flatten
from .formula_activation import FormulaActivation
from .formula_loss import FormulaLoss
from .global_avgpool import GlobalAvgPool
from .mse import MeanSquaredError
from .pool import Pool
from .softmax_ce import SoftmaxCrossEntropy
from .upsample import Upsample

# TOML type name -> (kind, the fields the name fixes)
LAYER_TYPES: dict[str, tuple[type[Layer], dict]] = {
    "conv": (Conv, {}),
    "conv_transpose": (ConvTranspose, {}),
    "maxpool": (Pool, {"kind": "max"}),
    "avgpool": (Pool, {"kind": "avg"}),
    "l2pool": (Pool, {"kind": "l2"}),
    **{kind: (Activation, {"kind": kind}) for kind in ACTIVATIONS},
    "activation": (FormulaActivation, {}),
    "flatten": (Flatten, {}),
    "global_avgpool": (GlobalAvgPool, {}),
    "upsample": (Upsample, {}),
    "dense": (Dense, {}),
    "add": (Add, {}),
    "batchnorm": (BatchNorm, {}),
    "concat": (Concat, {}),
    "softmax_cross_entropy": (SoftmaxCrossEntropy, {}),
    "mse": (MeanSquaredError, {}),
    "loss": (FormulaLoss, {}),
}

__all__ = ["LAYER_TYPES", "Layer", "Param", "Shape", "Step", "Table", "Words", "Work", "is_layer", "kinds",
           "layer_from_fields", *dict.fromkeys(cls.__name__ for cls, _ in LAYER_TYPES.values())]


def kinds() -> dict[str, type[Layer]]:
    """Every kind's class by its name (Conv, Pool, ...), as `symconv` exports them."""
    return {cls.__name__: cls for cls, _ in LAYER_TYPES.values()}


def is_layer(value: object) -> bool:
    """Whether a value is a layer of some kind (what a network's list must hold)."""
    return isinstance(value, Layer)


def layer_from_fields(values: dict[str, object]) -> Layer:
    """Build a layer from a network file's table.

    Raises:
        SpecError: naming the unknown type, or the missing or unknown field.
    """
    kind = values.get("type")
    if not isinstance(kind, str) or kind not in LAYER_TYPES:
        raise SpecError(f"type {shown(kind)} is not known: use one of {', '.join(LAYER_TYPES)}")
    cls, fixed = LAYER_TYPES[kind]
    values = {cls.aliases.get(key, key): value for key, value in values.items()}
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
