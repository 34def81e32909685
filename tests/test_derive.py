"""The derived entries: hand-written expected values, and sympy.diff of the definition L = sum(G * Y)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from sympy import Add, S, Symbol, diff

from symconv import derive
from symconv.size import Size
from symconv.spec import ConvSpec, SpecError

from .strategies import conv_specs


# --- hand-written expected values --------------------------------------------------------------
# Symbols by their documented names: x_c_i_j, k_m_c_p_q, b_m, dL_dy_m_r_s, all 1-based.


def test_classic_3x3_input_2x2_kernel():
    d = derive(ConvSpec())
    x11, x12, x13, x21, x22, x23, x31, x32, x33 = [Symbol(f"x_1_{i}_{j}") for i in (1, 2, 3) for j in (1, 2, 3)]
    k11, k12, k21, k22 = [Symbol(f"k_1_1_{p}_{q}") for p in (1, 2) for q in (1, 2)]
    g11, g12, g21, g22 = [Symbol(f"dL_dy_1_{r}_{s}") for r in (1, 2) for s in (1, 2)]
    Y = d["Y"]
    assert Y[0, 0, 0] == x11 * k11 + x12 * k12 + x21 * k21 + x22 * k22
    assert Y[0, 0, 1] == x12 * k11 + x13 * k12 + x22 * k21 + x23 * k22
    assert Y[0, 1, 1] == x22 * k11 + x23 * k12 + x32 * k21 + x33 * k22
    dK = d["dL/dK"]
    assert dK[0, 0, 0, 0] == g11 * x11 + g12 * x12 + g21 * x21 + g22 * x22
    assert dK[0, 0, 1, 0] == g11 * x21 + g12 * x22 + g21 * x31 + g22 * x32
    dX = d["dL/dX"]
    assert dX[0, 0, 0] == g11 * k11
    assert dX[0, 0, 1] == g11 * k12 + g12 * k11
    assert dX[0, 1, 1] == g11 * k22 + g12 * k21 + g21 * k12 + g22 * k11
    assert dX[0, 2, 2] == g22 * k22
    assert [t.name for t in d.tensors] == ["X", "K", "Y", "dL/dY", "dL/dX", "dL/dK"]


def test_padding_leaves_out_terms_that_touch_only_padding():
    # 2x2 input, 2x2 kernel, padding 1: a 3x3 output whose corner sees one input entry.
    d = derive(ConvSpec(input=2, kernel=2, padding=1))
    x11, x12, x21, x22 = [Symbol(f"x_1_{i}_{j}") for i in (1, 2) for j in (1, 2)]
    k11, k12, k21, k22 = [Symbol(f"k_1_1_{p}_{q}") for p in (1, 2) for q in (1, 2)]
    g = {(r, s): Symbol(f"dL_dy_1_{r}_{s}") for r in (1, 2, 3) for s in (1, 2, 3)}
    Y = d["Y"]
    assert Y[0, 0, 0] == x11 * k22
    assert Y[0, 0, 1] == x11 * k21 + x12 * k22
    assert Y[0, 1, 1] == x11 * k11 + x12 * k12 + x21 * k21 + x22 * k22
    assert Y[0, 2, 2] == x22 * k11
    assert d["dL/dK"][0, 0, 0, 0] == g[2, 2] * x11 + g[2, 3] * x12 + g[3, 2] * x21 + g[3, 3] * x22
    assert d["dL/dX"][0, 0, 0] == g[1, 1] * k22 + g[1, 2] * k21 + g[2, 1] * k12 + g[2, 2] * k11


def test_stride_larger_than_kernel_gives_exact_zero():
    # 5x5 input, 1x1 kernel, stride 2: only rows and columns 1, 3, 5 are read.
    d = derive(ConvSpec(input=5, kernel=1, stride=2))
    k = Symbol("k_1_1_1_1")
    dX = d["dL/dX"]
    assert dX[0, 0, 0] == Symbol("dL_dy_1_1_1") * k
    assert dX[0, 2, 4] == Symbol("dL_dy_1_2_3") * k
    assert dX[0, 1, 0] is S.Zero
    assert dX[0, 3, 3] is S.Zero
    assert d["Y"][0, 1, 2] == Symbol("x_1_3_5") * k


def test_dilation_spreads_the_kernel():
    d = derive(ConvSpec(input=3, kernel=2, dilation=2))
    x = lambda i, j: Symbol(f"x_1_{i}_{j}")
    k = lambda p, q: Symbol(f"k_1_1_{p}_{q}")
    assert d["Y"][0, 0, 0] == x(1, 1) * k(1, 1) + x(1, 3) * k(1, 2) + x(3, 1) * k(2, 1) + x(3, 3) * k(2, 2)
    assert d["dL/dX"][0, 1, 1] is S.Zero  # the centre falls between the dilated taps


def test_convolution_convention_flips_the_kernel():
    d = derive(ConvSpec(input=2, kernel=2, convention="convolution"))
    x = lambda i, j: Symbol(f"x_1_{i}_{j}")
    k = lambda p, q: Symbol(f"k_1_1_{p}_{q}")
    g = Symbol("dL_dy_1_1_1")
    assert d["Y"][0, 0, 0] == x(1, 1) * k(2, 2) + x(1, 2) * k(2, 1) + x(2, 1) * k(1, 2) + x(2, 2) * k(1, 1)
    assert d["dL/dK"][0, 0, 0, 0] == g * x(2, 2)
    assert d["dL/dX"][0, 0, 1] == g * k(2, 1)


def test_channels_and_bias():
    # Two input channels, two output channels, 1x1 kernel, bias: y^(m) = b_m + sum_c x^(c) k^(m,c).
    d = derive(ConvSpec(input=1, kernel=1, in_channels=2, out_channels=2, bias=True))
    x1, x2 = Symbol("x_1_1_1"), Symbol("x_2_1_1")
    k = lambda m, c: Symbol(f"k_{m}_{c}_1_1")
    g1, g2 = Symbol("dL_dy_1_1_1"), Symbol("dL_dy_2_1_1")
    assert d["Y"][1, 0, 0] == Symbol("b_2") + x1 * k(2, 1) + x2 * k(2, 2)
    assert d["dL/dX"][1, 0, 0] == g1 * k(1, 2) + g2 * k(2, 2)
    assert d["dL/dK"][1, 0, 0, 0] == g2 * x1
    assert d["dL/db"][0] == g1
    assert [t.name for t in d.tensors] == ["X", "K", "b", "Y", "dL/dY", "dL/dX", "dL/dK", "dL/db"]


def test_names_are_the_teachers():
    d = derive(ConvSpec(names="X,F,O"))
    assert d["Y"][0, 0, 0] == Add(*(Symbol(f"X_1_{i}_{j}") * Symbol(f"F_1_1_{i}_{j}") for i in (1, 2) for j in (1, 2)))
    assert d["dL/dY"].symbols[0] == Symbol("dL_dO_1_1_1")
    assert d["dL/dX"].labels[0] == r"\frac{\partial L}{\partial X_{1,1}}"


# --- against the definition ---------------------------------------------------------------------


def assert_matches_diff(spec: ConvSpec) -> None:
    """Every gradient entry is exactly (structurally) sympy.diff of L = sum(G * Y)."""
    d = derive(spec)
    loss = Add(*(g * y for g, y in zip(d["dL/dY"].symbols, d["Y"].entries)))
    pairs = [("dL/dX", "X"), ("dL/dK", "K")] + ([("dL/db", "b")] if spec.bias else [])
    for grad, leaf in pairs:
        for entry, symbol in zip(d[grad].entries, d[leaf].symbols):
            assert entry == diff(loss, symbol), (grad, symbol)
    # Forward entries are canonical SymPy objects: rebuilding them changes nothing.
    for entry in d["Y"].entries:
        if entry.is_Add:
            assert entry == Add(*entry.args)


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(),
        ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), padding=(1, 0),
                 dilation=(1, 2), bias=True, names="X,F,O"),
        ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True, convention="convolution"),
        ConvSpec(input=4, kernel=2, stride=2, padding=1),
        ConvSpec(input=(11, 12), kernel=(1, 2)),  # two-digit indices: names sort as strings in SymPy
    ],
)
def test_gradients_equal_diff_of_the_definition(spec):
    assert_matches_diff(spec)


@settings(max_examples=40)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=2))
def test_gradients_equal_diff_for_random_layers(spec):
    assert_matches_diff(spec)


def test_size_counts_the_products():
    spec = ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), padding=(1, 0), dilation=(1, 2))
    d = derive(spec)
    products = sum(len(e.args) for e in d["Y"].entries if e.is_Add)
    assert Size.of(spec).products == 3 * products


def test_too_large_is_refused_unless_forced():
    with pytest.raises(SpecError, match=r"--force"):
        derive(ConvSpec(input=200, kernel=9, out_channels=8))


def test_package_docstring_example():
    import doctest

    import symconv

    result = doctest.testmod(symconv)
    assert result.attempted > 0 and result.failed == 0


def test_sympy_entries_are_built_on_first_use_and_equal_the_eager_build():
    from symconv.terms import entries_from_terms, terms_of
    from symconv.numeric.verify import verify
    from symconv.rendering.formats import render

    d = derive(ConvSpec(input=30, kernel=5, out_channels=2))  # 60,000 terms: verify reads the term tables
    lazy = d["dL/dX"].entries
    assert len(lazy) == 900 and not lazy.built
    render(d, ("tex", "json"))
    assert verify(d, use_torch=False).ok and not lazy.built  # the pipeline never needed them
    first = lazy[0]
    assert lazy.built and first == Symbol("dL_dy_1_1_1") * Symbol("k_1_1_1_1") + Symbol("dL_dy_2_1_1") * Symbol("k_2_1_1_1")
    # Against SymPy's own evaluated sums of the same terms (not the canonical-order shortcut).
    t, symbols = d["dL/dX"].terms, d.symbols
    for n in range(0, 900, 37):
        pairs = zip(t.first[t.start[n] : t.start[n + 1]], t.second[t.start[n] : t.start[n + 1]])
        assert lazy[n] == Add(*(symbols[a] * symbols[b] for a, b in pairs))
    rank = [0] * len(symbols)
    for place, i in enumerate(sorted(range(len(symbols)), key=lambda i: symbols[i].name)):
        rank[i] = place
    assert tuple(lazy) + () == tuple(lazy[:]) and list(iter(lazy))[5] == lazy[5]
    assert entries_from_terms(terms_of([[(0, -1)], []]), symbols, rank) == (symbols[0], S.Zero)
