"""Pooling as PyTorch defines it (issue 25, item 3): ceil_mode (the last window may hang over the border but
must start inside the input or its left padding), and average pooling's count_include_pad and divisor_override."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import Add, Max, Rational, Symbol, diff, expand

from symconv import derive, load_network
from symconv.layers import Flatten, Pool
from symconv.network import NetworkSpec
from symconv.numeric.verify import verify
from symconv.spec import SpecError

from .conftest import need_torch


def x(j):
    return Symbol(f"x_1_1_{j}")


def out(d):
    return [d["A[1]"][0, 0, s] for s in range(d["A[1]"].shape[-1])]


# --- hand-written values: one row ---------------------------------------------------------------------


def test_ceil_mode_keeps_a_last_window_that_starts_inside():
    """5 entries, window 2, stride 2: floor gives 2 windows, ceil 3, the last reading x_5 alone."""
    d = derive(NetworkSpec((1, 1, 5), (Pool("max", (1, 2), ceil_mode=True),)))
    assert out(d)[2] == x(5)
    avg = derive(NetworkSpec((1, 1, 5), (Pool("avg", (1, 2), ceil_mode=True),)))
    assert out(avg) == [(x(1) + x(2)) / 2, (x(3) + x(4)) / 2, x(5)]  # the part past the input does not count
    assert avg["dL/dX"][0, 0, 4] == avg["dL/dA[1]"].symbols[2]  # the last window's whole gradient


def test_ceil_mode_drops_a_last_window_that_would_start_in_the_right_padding():
    """5 entries padded 1 on each side, window 2, stride 2: ceil((5 + 2 - 2) / 2) + 1 = 4 windows, but the fourth
    would start at padded position 6 = 5 + 1, past the input and its left padding: PyTorch keeps 3."""
    d = derive(NetworkSpec((1, 1, 5), (Pool("avg", (1, 2), padding=(0, 1), ceil_mode=True),)))
    assert d["A[1]"].shape == (1, 1, 3)
    assert out(d) == [x(1) / 2, (x(2) + x(3)) / 2, (x(4) + x(5)) / 2]  # zero padding counts in the first mean
    own = derive(NetworkSpec((1, 1, 5), (Pool("avg", (1, 2), padding=(0, 1), ceil_mode=True, count_include_pad=False),)))
    assert out(own) == [x(1), (x(2) + x(3)) / 2, (x(4) + x(5)) / 2]


def test_the_padding_counts_but_not_what_lies_past_it():
    """4 entries padded 1, window 2, stride 2, ceil mode: the last window holds x_4 and the right padding, so
    its divisor is 2 (count_include_pad) or 1; a 5-entry row, window 3, stride 3, no padding: the last window
    holds x_4, x_5 and nothing past the border counts, so its divisor is 2 either way."""
    d = derive(NetworkSpec((1, 1, 4), (Pool("avg", (1, 2), padding=(0, 1), ceil_mode=True),)))
    assert out(d) == [x(1) / 2, (x(2) + x(3)) / 2, x(4) / 2]
    d = derive(NetworkSpec((1, 1, 5), (Pool("avg", (1, 3), ceil_mode=True),)))
    assert out(d) == [(x(1) + x(2) + x(3)) / 3, (x(4) + x(5)) / 2]


def test_divisor_override_divides_every_window_alike():
    d = derive(NetworkSpec((1, 1, 5), (Pool("avg", (1, 2), ceil_mode=True, divisor_override=3),)))
    assert out(d) == [(x(1) + x(2)) / 3, (x(3) + x(4)) / 3, x(5) / 3]
    g = d["dL/dA[1]"].symbols
    assert d["dL/dX"][0, 0, 4] == g[2] / 3


def test_dilation_spaces_the_windows_taps():
    """7 entries, window 2, dilation 3, stride 2: taps 3 apart, span 4, floor((7 - 4) / 2) + 1 = 2 windows:
    {x_1, x_4}, {x_3, x_6}; the switch is max's, over the taps only."""
    d = derive(NetworkSpec((1, 1, 7), (Pool("max", (1, 2), (1, 2), dilation=(1, 3)),)))
    assert {frozenset(e.args) for e in out(d)} == {frozenset({x(1), x(4)}), frozenset({x(3), x(6)})}
    g = d["dL/dA[1]"].symbols
    grad = d["dL/dX"]
    assert [grad[0, 0, j] for j in (1, 4, 6)] == [0, 0, 0]  # x_2, x_5, x_7 are in no window
    assert grad[0, 0, 0].subs({x(1): 5, x(4): 2}) == g[0] and grad[0, 0, 3].subs({x(1): 5, x(4): 2}) == 0
    assert grad[0, 0, 0].subs({x(1): 2, x(4): 2}) == g[0]  # a tie goes to the first tap


def test_dilation_with_padding_and_ceil_mode_reads_only_taps_inside():
    """4 entries padded 1, window 2, dilation 2, stride 2, ceil mode: span 3, ceil((4 + 2 - 3) / 2) + 1 = 3
    windows (floor: 2) starting at -1, 1, 3 (0-based): taps {-1, 1}, {1, 3}, {3, 5}: x_2 alone, {x_2, x_4},
    x_4 alone (-1 is padding, 5 past the input)."""
    d = derive(NetworkSpec((1, 1, 4), (Pool("max", (1, 2), (1, 2), (0, 1), ceil_mode=True, dilation=(1, 2)),)))
    a = out(d)
    assert len(a) == 3 and a[0] == x(2) and a[2] == x(4) and set(a[1].args) == {x(2), x(4)}
    assert Pool("max", (1, 2), (1, 2), (0, 1), dilation=(1, 2)).output_shape((1, 1, 4)) == (1, 1, 2)


@pytest.mark.parametrize("layer, message", [
    (lambda: Pool("max", 2, count_include_pad=False), "count_include_pad is a setting of average pooling"),
    (lambda: Pool("max", 2, divisor_override=2), "divisor_override is a setting of average pooling"),
    (lambda: Pool("l2", 2, ceil_mode=True), "ceil_mode is not supported for l2pool"),
    (lambda: Pool("avg", 2, divisor_override=0), "divisor_override 0 is not valid: give a whole number other than 0"),
    (lambda: Pool("avg", 2, divisor_override=2.0), "divisor_override 2.0 is not valid"),
    (lambda: Pool("avg", 2, ceil_mode="yes"), "ceil_mode 'yes' is not valid: give true or false"),
    (lambda: Pool("avg", 2, count_include_pad=1), "count_include_pad 1 is not valid"),
    (lambda: Pool("avg", 2, dilation=2), "dilation is a setting of max pooling"),
    (lambda: Pool("l2", 2, dilation=(1, 2)), "dilation is a setting of max pooling"),
    (lambda: Pool("max", 2, dilation=0), r"dilation 0x0 is not valid: each value must be 1 or more"),
    (lambda: Pool("max", 2, dilation="a"), "dilation 'a' is not a size"),
    (lambda: Pool("max", 2, dilation=3).output_shape((1, 3, 3)), r"window 2x2 \(dilated by 3x3: 4x4\) is larger than"),
])
def test_bad_settings_are_one_line(layer, message):
    with pytest.raises(SpecError, match=message):
        layer()


def test_network_files_use_pytorchs_names_and_echo_each_kinds_own(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [1, 5, 5]\n[[layer]]\ntype = "maxpool"\nwindow = [2, 2]\nceil_mode = true\ndilation = [1, 2]\n'
                    '[[layer]]\ntype = "avgpool"\nwindow = [2, 2]\nstride = [1, 1]\npadding = [1, 1]\n'
                    'count_include_pad = false\ndivisor_override = 3\n')
    net = load_network(path)
    assert list(net.shapes[1:]) == [(1, 3, 2), (1, 4, 3)]
    layers = net.as_dict()["layers"]
    assert layers[0]["ceil_mode"] is True and "count_include_pad" not in layers[0] and "divisor_override" not in layers[0]
    assert layers[0]["dilation"] == [1, 2] and "dilation" not in layers[1]
    assert (layers[1]["count_include_pad"], layers[1]["divisor_override"], layers[1]["ceil_mode"]) == (False, 3, False)


# --- random settings: the definition and SymPy's diff, NumPy and PyTorch ---------------------------------


@st.composite
def pools(draw):
    kind = draw(st.sampled_from(["max", "avg"]))
    window = draw(st.tuples(st.integers(1, 3), st.integers(1, 3)))
    padding = tuple(draw(st.integers(0, k // 2)) for k in window)
    avg = dict(count_include_pad=draw(st.booleans()),  # PyTorch's OpInfo samples a negative divisor too
               divisor_override=draw(st.one_of(st.none(), st.integers(-3, 7).filter(bool)))) if kind == "avg" else {}
    if kind == "max":  # PyTorch's MaxPool2d dilation
        avg = dict(dilation=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))))
    layer = Pool(kind, window, draw(st.tuples(st.integers(1, 3), st.integers(1, 3))), padding,
                 ceil_mode=draw(st.booleans()), **avg)
    net = NetworkSpec((draw(st.integers(1, 2)), draw(st.integers(1, 7)), draw(st.integers(1, 7))), (layer,))
    try:
        net.shapes
    except SpecError:
        assume(False)
    return net


def _pytorch_windows(layer: Pool, h: int, w: int):
    """Per output (r, s), its cells and divisor by PyTorch's avg_pool2d kernel, with the output size by
    PyTorch's pooling_output_shape (written out here again, apart from symconv's)."""
    def size(n, k, s, p):
        o = (n + 2 * p - k + (s - 1 if layer.ceil_mode else 0)) // s + 1
        return o - 1 if layer.ceil_mode and (o - 1) * s >= n + p else o
    (kh, kw), (sh, sw), (ph, pw) = layer.window, layer.stride, layer.padding
    out = {}
    for r in range(size(h, kh, sh, ph)):
        for s in range(size(w, kw, sw, pw)):
            hs, ws = r * sh - ph, s * sw - pw
            he, we = min(hs + kh, h + ph), min(ws + kw, w + pw)
            pool = (he - hs) * (we - ws)
            hs, ws, he, we = max(hs, 0), max(ws, 0), min(he, h), min(we, w)
            n = layer.divisor_override or (pool if layer.count_include_pad else (he - hs) * (we - ws))
            out[r, s] = ([(i, j) for i in range(hs, he) for j in range(ws, we)], n)
    return out


@settings(max_examples=40)
@given(pools())
def test_average_entries_are_the_definition_and_its_sympy_diff(net):
    layer = net.layers[0]
    assume(layer.kind == "avg")
    d = derive(net)
    c, h, w = net.input
    X, G = d["X"], d["dL/dA[1]"]
    windows = _pytorch_windows(layer, h, w)
    wo = d["A[1]"].shape[2]
    A = [Rational(1, n) * Add(*(X[ch, i, j] for i, j in cells)) for ch in range(c) for (r, s), (cells, n) in windows.items()]
    assert list(d["A[1]"].entries) == A
    loss = Add(*(g * a for g, a in zip(G.symbols, A)))
    for entry, symbol in zip(d["dL/dX"].entries, X.symbols):
        assert expand(entry - diff(loss, symbol)) == 0
    assert len(windows) == d["A[1]"].shape[1] * wo


@settings(max_examples=40)
@given(pools(), st.randoms(use_true_random=False))
def test_max_entries_are_the_definition_and_its_sympy_diff(net, rng):
    """The dilated window written out again (taps r sh - ph + p dh inside the input), its Max, and the gradient
    as SymPy's diff of sum g A at distinct random values (no ties, so diff is defined)."""
    layer = net.layers[0]
    assume(layer.kind == "max")
    d = derive(net)
    c, h, w = net.input
    X, G = d["X"], d["dL/dA[1]"]
    _, ho, wo = d["A[1]"].shape
    (kh, kw), (sh, sw), (ph, pw), (dh, dw) = layer.window, layer.stride, layer.padding, layer.dilation
    A = [Max(*(X[ch, i, j] for p in range(kh) for q in range(kw)
               for i, j in [(r * sh - ph + p * dh, s * sw - pw + q * dw)] if 0 <= i < h and 0 <= j < w))
         for ch in range(c) for r in range(ho) for s in range(wo)]
    assert list(d["A[1]"].entries) == A
    values = dict(zip(X.symbols, rng.sample(range(1, 1000), len(X.symbols))))
    values.update(zip(G.symbols, (rng.randint(-9, 9) for _ in G.symbols)))
    loss = Add(*(g * a for g, a in zip(G.symbols, A)))
    for entry, symbol in zip(d["dL/dX"].entries, X.symbols):
        assert entry.subs(values) == diff(loss, symbol).subs(values)


@settings(max_examples=40)
@given(pools())
def test_random_pools_match_numpy_and_pytorch(net):
    need_torch()
    report = verify(derive(net), seed=7, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report.comparisons


def test_the_jacobian_divides_each_window_by_its_own_divisor():
    need_torch()
    net = NetworkSpec((1, 4, 5), (Pool("avg", 2, 2, 1, ceil_mode=True, count_include_pad=False),))
    d = derive(net)
    J = np.array(d.jacobian("X").matrix.tolist(), dtype=float)
    assert sorted({round(1 / v, 9) for v in J.flatten() if v}) == [1.0, 2.0, 4.0]
    assert verify(d, use_torch=True).ok


# --- the document -------------------------------------------------------------------------------------------


def test_the_document_says_what_ceil_mode_and_the_divisor_do():
    from symconv import render

    net = NetworkSpec((1, 5, 5), (Pool("avg", 2, 2, 1, ceil_mode=True, count_include_pad=False), Flatten()))
    text = render(derive(net), ("md",)).files["derivation.md"].decode()
    assert "ceil mode, padding not counted" in text
    assert r"The divisor $n_{r,s}$ is the number of cells of window $\Omega_{r,s}$ inside the input" in text
    assert r"\frac{1}{n_{r,s}}" in text
    fits = render(derive(NetworkSpec((1, 4, 4), (Pool("max", 2, ceil_mode=True),))), ("md",)).files["derivation.md"]
    assert b"every window fits, so it changes nothing" in fits


def test_the_document_says_what_dilation_does_and_check_judges_none_of_it_wrong():
    from symconv import api

    d = derive(NetworkSpec((1, 5, 5), (Pool("max", 2, 1, 1, dilation=(2, 3), ceil_mode=True), Flatten())))
    text = api.render(d, formats=("md",)).files["derivation.md"].decode()
    assert "max pooling, window $2 \\times 2$, stride $1$, padding $1$, dilation $2 \\times 3$, ceil mode" in text
    assert "its 4 entries are 2 rows and 3 columns apart, spanning $3 \\times 4$ entries of the input" in text
    verdicts = api.check(text, d)
    assert not [v for v in verdicts if v.status == "wrong"] and sum(v.status == "right" for v in verdicts) > 10


def test_a_max_window_that_reads_only_padding_is_refused_in_one_line():
    # found by Hypothesis: width 2, padding 1, window 2 dilated by 3 reads padded columns 0 and 3, both padding
    with pytest.raises(SpecError, match=r"output column 1 reads only padding"):
        NetworkSpec((1, 1, 2), (Pool("max", (1, 2), stride=(1, 1), padding=(0, 1), dilation=(1, 3)),)).shapes
