"""The meaning's numbers (meaning._at) are SymPy's own, bit for bit: worked out with mpmath operation by operation
where that gives the very number SymPy's Float arithmetic gives, else by SymPy. Compared here with SymPy's
xreplace and evaluation on every derived entry and every gradient of networks with each kind of branch and
function (relu, max pooling, sigmoid, tanh, softmax with cross-entropy, batch normalization)."""

from __future__ import annotations

import tomllib

import pytest

from symconv import derive
from symconv.grading import meaning
from symconv.network import NetworkSpec

NETWORKS = {
    "conv relu maxpool dense softmax": """
input = [1, 4, 4]
[[layer]]
type = "conv"
out_channels = 2
kernel = [2, 2]
bias = true
[[layer]]
type = "relu"
[[layer]]
type = "maxpool"
window = [2, 2]
stride = [1, 1]
[[layer]]
type = "flatten"
[[layer]]
type = "dense"
out_features = 3
bias = true
[[layer]]
type = "softmax_cross_entropy"
""",
    "sigmoid tanh mse": """
input = [2]
[[layer]]
type = "dense"
out_features = 3
bias = true
[[layer]]
type = "tanh"
[[layer]]
type = "dense"
out_features = 2
bias = true
[[layer]]
type = "sigmoid"
[[layer]]
type = "mse"
reduction = "mean"
""",
    "batch norm": """
batch = 3
input = [2]
[[layer]]
type = "dense"
out_features = 2
bias = true
[[layer]]
type = "batchnorm"
[[layer]]
type = "mse"
reduction = "half_sum"
""",
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
def test_the_meanings_numbers_are_sympys_bit_for_bit(name):
    d = derive(NetworkSpec.from_dict(tomllib.loads(NETWORKS[name]), name="numbers"))
    values = meaning.meaning_of(d)
    points = values.points(meaning.PIECEWISE_POINTS)
    derived = [entry for tensor in d.tensors if tensor.entries is not None for entry in tensor.entries]
    gradients = [d[key].entries for key in d.names() if key.startswith("dL/d") and d[key].entries is not None]
    compared = 0
    for point in points[:: max(1, len(points) // 6)]:
        for expr in derived + [entry for entries in gradients for entry in entries]:
            fast = meaning._at(expr, point, {})
            slow = meaning._number(expr.xreplace(point))
            assert (fast is None) == (slow is None), expr
            if fast is not None:
                assert fast == slow and getattr(fast, "_mpf_", None) == getattr(slow, "_mpf_", None), expr
                compared += 1
    assert compared > 50
