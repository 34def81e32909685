"""Jacobians of vec() in numerator layout, the chain rule and the closed-form identities."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from sympy import Integer, Matrix, Rational, Symbol, expand, symbols

from symconv import Activation, Conv, Flatten, NetworkSpec, Pool, derive
from symconv.identities import correlate, dilate, identities, rot180, zero_pad
from symconv.network import load_network
from symconv.numeric.verify import random_leaves, verify
from symconv.rendering.notebook import jacobian_latex
from symconv.spec import ConvSpec, SpecError
from symconv.vec import unvec, vec, vec_order

from .conftest import need_torch
from .strategies import conv_specs

EXAMPLES = Path(__file__).parents[1] / "examples"

LAYERS = [
    ConvSpec(),
    ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True),
    ConvSpec(input=(5, 4), kernel=(3, 2), in_channels=2, out_channels=3, stride=(2, 1), padding=(1, 0),
             dilation=(1, 2), bias=True, convention="convolution"),
    ConvSpec(input=5, kernel=1, stride=3),  # input entries no output reads: zero columns
]


def x(i, j, c=1):
    return Symbol(f"x_{c}_{i}_{j}")


def k(p, q, m=1, c=1):
    return Symbol(f"k_{m}_{c}_{p}_{q}")


# --- vec -----------------------------------------------------------------------------------------


def test_vec_stacks_columns_then_channels():
    # shape (2 channels, 2 rows, 3 columns), row-major flat positions 0..11
    assert vec_order((2, 2, 3)) == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]
    assert vec_order((4,)) == [0, 1, 2, 3]
    a, b, c, d = symbols("a b c d")
    assert vec([a, b, c, d], (2, 2)) == Matrix([a, c, b, d])
    assert unvec([a, c, b, d], (2, 2)) == [a, b, c, d]
    # NumPy's own column-major order within each channel, the channels in order.
    np.testing.assert_array_equal(np.swapaxes(np.arange(12).reshape(2, 2, 3), -1, -2).reshape(-1), vec_order((2, 2, 3)))


# --- hand-written Jacobians ----------------------------------------------------------------------


def test_classic_jacobians_by_hand():
    d = derive(ConvSpec())  # 3x3 input, 2x2 kernel: vec(Y) = (y11, y21, y12, y22), vec(K) = (k11, k21, k12, k22)
    assert d.jacobian("K").matrix == Matrix([
        [x(1, 1), x(2, 1), x(1, 2), x(2, 2)],
        [x(2, 1), x(3, 1), x(2, 2), x(3, 2)],
        [x(1, 2), x(2, 2), x(1, 3), x(2, 3)],
        [x(2, 2), x(3, 2), x(2, 3), x(3, 3)],
    ])
    # Columns follow vec(X) = (x11, x21, x31, x12, ..., x33).
    k11, k21, k12, k22 = k(1, 1), k(2, 1), k(1, 2), k(2, 2)
    assert d.jacobian("X").matrix == Matrix([
        [k11, k21, 0, k12, k22, 0, 0, 0, 0],
        [0, k11, k21, 0, k12, k22, 0, 0, 0],
        [0, 0, 0, k11, k21, 0, k12, k22, 0],
        [0, 0, 0, 0, k11, k21, 0, k12, k22],
    ])


def test_bias_jacobian_by_hand():
    d = derive(ConvSpec(input=2, kernel=1, out_channels=2, bias=True))
    assert d.jacobian("b").matrix == Matrix([[1, 0], [1, 0], [1, 0], [1, 0], [0, 1], [0, 1], [0, 1], [0, 1]])


def test_stride_two_padding_one_jacobian_by_hand():
    d = derive(ConvSpec(input=4, kernel=2, stride=2, padding=1))
    j = d.jacobian("X").matrix
    # y_{1,1} sees only x_{1,1} (through k_{2,2}); y_{2,2} sees x_{2,2}, x_{3,2}, x_{2,3}, x_{3,3}.
    assert j.row(0) == Matrix([[k(2, 2)] + [0] * 15])
    col = {(i, jj): n for n, (i, jj) in enumerate((i, jj) for jj in range(1, 5) for i in range(1, 5))}
    expected = {col[2, 2]: k(1, 1), col[3, 2]: k(2, 1), col[2, 3]: k(1, 2), col[3, 3]: k(2, 2)}
    assert j.row(4) == Matrix([[expected.get(n, 0) for n in range(16)]])


# --- against Matrix.jacobian of the definition ---------------------------------------------------


def assert_jacobians_match_sympy(spec: ConvSpec) -> None:
    d = derive(spec)
    y = vec(d["Y"].entries, d["Y"].shape)
    for wrt in ["K", "X"] + (["b"] if spec.bias else []):
        leaf = d[wrt]
        assert d.jacobian(wrt).matrix == y.jacobian(vec(leaf.symbols, leaf.shape)), wrt


@pytest.mark.parametrize("spec", LAYERS)
def test_jacobians_equal_matrix_jacobian(spec):
    assert_jacobians_match_sympy(spec)


@settings(max_examples=25)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_jacobians_equal_matrix_jacobian_for_random_layers(spec):
    assert_jacobians_match_sympy(spec)


# --- the chain rule, and from the row to the gradient --------------------------------------------


@pytest.mark.parametrize("spec", LAYERS)
def test_chain_rule_row_times_jacobian_is_the_gradient(spec):
    d = derive(spec)
    g_row = vec(d["dL/dY"].symbols, d["dL/dY"].shape).T
    for wrt in ["K", "X"] + (["b"] if spec.bias else []):
        row = g_row * d.jacobian(wrt).matrix  # dL/d vec(wrt): a row, in numerator layout
        assert row.shape == (1, len(d[wrt].symbols))
        gradient = unvec(list(row.T), d[wrt].shape)  # transpose, then reshape to wrt's shape
        for got, want in zip(gradient, d[f"dL/d{wrt}"].entries):
            assert expand(got - want) == 0, wrt


# --- the closed forms ----------------------------------------------------------------------------


def test_matrix_operations_by_hand():
    a, b, c, e = symbols("a b c e")
    m = Matrix([[a, b], [c, e]])
    assert dilate(m, 2, 3) == Matrix([[a, 0, 0, b], [0, 0, 0, 0], [c, 0, 0, e]])
    assert rot180(m) == Matrix([[e, c], [b, a]])
    assert zero_pad(m, 1, 0) == Matrix([[0, 0], [a, b], [c, e], [0, 0]])
    assert correlate(Matrix([[1, 2, 3], [4, 5, 6]]), Matrix([[1, -1]])) == Matrix([[-1, -1], [-1, -1]])


def assert_identities_hold(spec: ConvSpec) -> None:
    d = derive(spec)
    ids = identities(d)
    (kh, kw), (h, w) = spec.kernel, spec.input
    for m, c in np.ndindex(spec.out_channels, spec.in_per_group):
        for p, q in np.ndindex(kh, kw):
            assert expand(ids.grad_kernel[m, c][p, q] - d["dL/dK"][m, c, p, q]) == 0, ("dL/dK", m, c, p, q)
    for c in range(spec.in_channels):
        for i, j in np.ndindex(h, w):
            assert expand(ids.grad_input[c][i, j] - d["dL/dX"][c, i, j]) == 0, ("dL/dX", c, i, j)
    per_channel = spec.output[0] * spec.output[1]
    for m in range(spec.out_channels):
        channel = d["dL/dY"].symbols[m * per_channel : (m + 1) * per_channel]
        assert expand(ids.grad_bias[m] - sum(channel)) == 0
        if spec.bias:
            assert ids.grad_bias[m] == d["dL/db"][m]


@pytest.mark.parametrize("spec", LAYERS)
def test_closed_forms_equal_the_elementwise_derivation(spec):
    assert_identities_hold(spec)


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=2))
def test_closed_forms_hold_for_random_layers(spec):
    assert_identities_hold(spec)


def test_closed_form_intermediate_matrices_by_hand():
    d = derive(ConvSpec(input=2, kernel=2, stride=2, padding=1))  # output 2x2, G dilated to 3x3
    ids = identities(d)
    g = lambda r, s: Symbol(f"dL_dy_1_{r}_{s}")
    assert ids.dilated_upstream[0] == Matrix([[g(1, 1), 0, g(1, 2)], [0, 0, 0], [g(2, 1), 0, g(2, 2)]])
    assert ids.padded_upstream[0].shape == (5, 5) and ids.padded_upstream[0][1, 1] == g(1, 1)
    assert ids.rotated_kernel[0, 0] == Matrix([[k(2, 2), k(2, 1)], [k(1, 2), k(1, 1)]])
    assert ids.padded_input[0] == Matrix([[0, 0, 0, 0], [0, x(1, 1), x(1, 2), 0], [0, x(2, 1), x(2, 2), 0], [0, 0, 0, 0]])


# --- pooling, activations and flatten inside a network -------------------------------------------


def _net(*layers, input_shape=(1, 4, 4)):
    return derive(NetworkSpec(input_shape, layers))


def test_avg_pool_jacobian_equals_matrix_jacobian():
    d = _net(Conv(1, 1), Pool("avg", 2, 1))
    a1, a2 = d["A[1]"], d["A[2]"]
    expected = vec(a2.entries, a2.shape).jacobian(vec(a1.symbols, a1.shape))
    assert d.jacobian("A[1]").matrix == expected
    assert d.jacobian("A[1]").matrix[0, 0] == Rational(1, 4)


def test_l2_pool_jacobian_is_input_over_output():
    d = _net(Conv(1, 1), Pool("l2", 2))
    a1, a2 = d["A[1]"], d["A[2]"]
    jac = d.jacobian("A[1]").matrix
    expected = vec(a2.entries, a2.shape).jacobian(vec(a1.symbols, a1.shape))
    forward = dict(zip(a2.symbols, a2.entries))
    assert jac.subs(forward) == expected
    assert jac[0, 0] == a1.symbols[0] / a2.symbols[0]


def test_max_pool_jacobian_is_the_switch_at_numbers():
    d = _net(Conv(1, 1), Pool("max", 2, 1))
    a1 = d["A[1]"]
    jac = d.jacobian("A[1]").matrix
    values = dict(zip(a1.symbols, [3, 1, 5, 0, 2, 7, 7, 1, 0, 0, 0, 0, 4, 4, 2, 1]))
    numeric = jac.subs(values)
    # Window of output (1, 1): entries (1,1)=3, (1,2)=1, (2,1)=2, (2,2)=7 -> the switch is at (2, 2).
    col = {flat: b for b, flat in enumerate(vec_order(a1.shape))}
    assert [numeric[0, col[n]] for n in (0, 1, 4, 5)] == [0, 0, 0, 1]
    # Window of output (2, 2) (row 2, column 2 of a 3x3 output; vec row 4): 7, 7, 0, 0 -> the first 7.
    assert [numeric[4, col[n]] for n in (5, 6, 9, 10)] == [1, 0, 0, 0]


def test_activation_and_flatten_jacobians():
    d = _net(Conv(1, 1), Activation("sigmoid"), Flatten(), input_shape=(1, 2, 2))
    a2 = d["A[2]"].symbols
    sig = d.jacobian("A[1]").matrix
    assert sig.is_diagonal() and sig[0, 0] == a2[0] * (1 - a2[0])
    flat = d.jacobian("A[2]").matrix  # flatten in column order is vec itself: the identity matrix
    assert flat == Matrix.eye(4)
    with pytest.raises(KeyError, match="does not read"):
        d.jacobian("K[1]", of="A[2]")


def test_jupyter_display():
    text = jacobian_latex(derive(ConvSpec()).jacobian("K"))
    assert text.startswith(r"$\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(K)} = ")
    assert "x_{1,1}" in text and "x_1_1_1" not in text
    # Max pooling's Jacobian shows its switches as indicators, as the documents do.
    pooled = jacobian_latex(derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")).jacobian("A[2]"))
    assert r"\mathbb{1}\left[a^{[2](1)}_{1,1} \text{ is the first maximum of } (" in pooled and "cases" not in pooled


# --- numbers: NumPy and PyTorch ------------------------------------------------------------------


@settings(max_examples=30)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_jacobian_tensors_verify_against_numpy(spec):
    report = verify(derive(spec, jacobians=True), seed=5, use_torch=False)
    checked = {c.tensor for c in report.comparisons}
    assert {"dvecY/dvecK", "dvecY/dvecX"} <= checked and report.ok, report.comparisons


@pytest.mark.parametrize("spec", LAYERS)
def test_jacobian_tensors_verify_against_torch(spec):
    need_torch()
    report = verify(derive(spec, jacobians=True), seed=2, use_torch=True)
    assert {c.tensor for c in report.comparisons if c.reference == "torch"} >= {"dvecY/dvecK", "dvecY/dvecX"}
    assert report.ok, report.comparisons


def test_verify_catches_jacobian_columns_in_row_major_order():
    d = derive(ConvSpec(input=3, kernel=2), jacobians=True)
    t = d["dvecY/dvecK"]
    rows, cols = t.shape
    # Columns in row-major order of K (k11, k12, k21, k22) instead of vec order: a plausible mistake.
    swapped = [t.entries[a * cols + {1: 2, 2: 1}.get(b, b)] for a in range(rows) for b in range(cols)]
    broken = dataclasses.replace(d, tensors=tuple(
        dataclasses.replace(u, entries=tuple(swapped)) if u.name == "dvecY/dvecK" else u for u in d.tensors))
    report = verify(broken, use_torch=False)
    assert {c.tensor for c in report.comparisons if not c.ok} == {"dvecY/dvecK"}


def test_jacobian_tensors_in_the_derivation():
    d = derive(ConvSpec(input=3, kernel=2, bias=True), jacobians=True)
    assert d.names()[-3:] == ["dvecY/dvecK", "dvecY/dvecX", "dvecY/db"]
    assert d["dvecY/dvecK"].shape == (4, 4) and d["dvecY/dvecX"].shape == (4, 9) and d["dvecY/db"].shape == (4, 1)
    assert d["dvecY/db"].entries == (Integer(1),) * 4
    assert d["dvecY/dvecK"].labels[1] == r"\frac{\partial y_{1,1}}{\partial k_{2,1}}"
    leaves = random_leaves(d, 0)
    assert set(leaves) == {"X", "K", "b", "dL/dY"}


def test_jacobians_of_a_network_are_refused_in_derive():
    with pytest.raises(SpecError, match="single convolution layer"):
        derive(NetworkSpec((1, 3, 3), (Conv(1, 2),)), jacobians=True)


def test_too_large_jacobians_are_refused_unless_forced():
    spec = ConvSpec(input=40, kernel=3, out_channels=2)  # 2,888 rows x 1,618 columns
    derive(spec)  # fine without Jacobians
    with pytest.raises(SpecError, match=r"Jacobians .* 4,672,784 entries.*--force"):
        derive(spec, jacobians=True)
