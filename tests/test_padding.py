"""A convolution's padding as PyTorch's Conv2d takes it (issue 25): "same" (its split of an odd total, the
extra row at the bottom and the extra column on the right), "valid", and each side its own."""

from __future__ import annotations

import json

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import Add, Symbol, diff, expand, zeros

from symconv import derive, load_network
from symconv.cli import main
from symconv.layers import Conv
from symconv.network import NetworkSpec
from symconv.numeric.verify import verify
from symconv.spec import ConvSpec, SpecError

from .conftest import need_torch


def x(i, j):
    return Symbol(f"x_1_{i}_{j}")


def k(p, q):
    return Symbol(f"k_1_1_{p}_{q}")


def g(r, s):
    return Symbol(f"dL_dy_1_{r}_{s}")


# --- hand-written values ------------------------------------------------------------------------


def test_same_with_an_even_kernel_pads_the_extra_column_on_the_right():
    """A 1 x 3 input, a 1 x 2 kernel, padding same: d (k - 1) = 1 column in all, 0 on the left and 1 on
    the right (PyTorch's split), so the output keeps 3 columns and the last one reads x_3 alone."""
    d = derive(ConvSpec(input=(1, 3), kernel=(1, 2), padding="same"))
    assert (d.spec.padding, d.spec.end_padding, d.spec.output) == ((0, 0), (0, 1), (1, 3))
    Y, dX, dK = d["Y"], d["dL/dX"], d["dL/dK"]
    assert [Y[0, 0, s] for s in range(3)] == [x(1, 1) * k(1, 1) + x(1, 2) * k(1, 2), x(1, 2) * k(1, 1) + x(1, 3) * k(1, 2),
                                              x(1, 3) * k(1, 1)]
    assert dX[0, 0, 0] == g(1, 1) * k(1, 1)
    assert dX[0, 0, 2] == g(1, 2) * k(1, 2) + g(1, 3) * k(1, 1)
    assert dK[0, 0, 0, 1] == g(1, 1) * x(1, 2) + g(1, 2) * x(1, 3)  # the padded column gives no third term


def test_same_with_an_odd_span_is_symmetric_and_valid_is_none():
    assert ConvSpec(input=5, kernel=3, padding="same").padding == (1, 1)
    assert ConvSpec(input=5, kernel=3, padding="same").symmetric
    dilated = ConvSpec(input=6, kernel=2, dilation=3, padding="same")  # span 4: 3 in all, 1 above and 2 below
    assert (dilated.padding, dilated.end_padding, dilated.output) == ((1, 1), (2, 2), (6, 6))
    assert ConvSpec(input=5, kernel=3, padding="valid").padding == (0, 0)
    assert ConvSpec(input=5, kernel=3, padding="VALID").output == (3, 3)


def test_each_side_its_own():
    """[[top, bottom], [left, right]]: a 2 x 2 input padded 1 at the top and 1 on the right, a 2 x 2
    kernel: a 2 x 2 output whose top row meets the padding through its first kernel row."""
    d = derive(ConvSpec(input=2, kernel=2, padding=[[1, 0], [0, 1]]))
    Y = d["Y"]
    assert d["Y"].shape == (1, 2, 2)
    assert Y[0, 0, 0] == x(1, 1) * k(2, 1) + x(1, 2) * k(2, 2)
    assert Y[0, 0, 1] == x(1, 2) * k(2, 1)
    assert Y[0, 1, 1] == x(1, 2) * k(1, 1) + x(2, 2) * k(2, 1)
    assert d["dL/dX"][0, 1, 1] == g(2, 1) * k(2, 2) + g(2, 2) * k(2, 1)  # x_{2,2} sits at padded (3, 2)


@pytest.mark.parametrize("padding, message", [
    ("same", "padding 'same' needs stride 1, not 2x2"),
    ("full", "padding 'full' is not valid: give same, valid"),
    ([[1, -1], [0, 0]], r"padding \[\[1, -1\], \[0, 0\]\] is not valid: each value must be 0 or more"),
    ([[1, 2, 3], [0, 0]], "is not valid: give same, valid"),
    (-1, "padding -1x-1 is not valid"),
])
def test_bad_paddings_are_one_line(padding, message):
    with pytest.raises(SpecError, match=message):
        ConvSpec(input=5, kernel=2, stride=2, padding=padding)
    with pytest.raises(SpecError, match=message):
        Conv(1, 2, stride=2, padding=padding)


# --- the definition, differentiated by SymPy -----------------------------------------------------


def definition(spec: ConvSpec, d):
    """Y of one channel from the definition on an explicitly zero-padded input (no index map): the
    padded matrix holds x at (top, left) and zeros around it."""
    (h, w), (top, left), (kh, kw) = spec.input, spec.padding, spec.kernel
    padded = zeros(*spec.padded_input)
    X, K = d["X"].symbols, d["K"].symbols
    for i in range(h):
        for j in range(w):
            padded[top + i, left + j] = X[i * w + j]
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    ho, wo = spec.output
    return [Add(*(padded[r * sh + p * dh, s * sw + q * dw] * K[p * kw + q] for p in range(kh) for q in range(kw)))
            for r in range(ho) for s in range(wo)]


paddings = st.one_of(st.integers(0, 2).map(lambda n: (n, n)), st.just("valid"), st.just("same"),
                     st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                               st.tuples(st.integers(0, 2), st.integers(0, 2))))


@st.composite
def padded_specs(draw):
    padding = draw(paddings)
    stride = (1, 1) if padding == "same" else draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    kernel, dilation = draw(st.tuples(st.integers(1, 3), st.integers(1, 3))), draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    try:
        return padding, ConvSpec(input=(draw(st.integers(1, 5)), draw(st.integers(1, 5))), kernel=kernel, stride=stride,
                                 dilation=dilation, padding=padding, bias=draw(st.booleans()))
    except SpecError:  # a kernel larger than the padded input
        assume(False)


@settings(max_examples=40)
@given(padded_specs())
def test_entries_are_the_definition_and_its_sympy_diff(given_spec):
    _, spec = given_spec
    d = derive(spec)
    Y = definition(spec, d)
    assert [expand(a - b) for a, b in zip(d["Y"].entries, Y) if not spec.bias] == [0] * (0 if spec.bias else len(Y))
    if spec.bias:
        bias = d["b"].symbols[0]
        assert all(expand(a - b - bias) == 0 for a, b in zip(d["Y"].entries, Y))
    loss = Add(*(gs * y for gs, y in zip(d["dL/dY"].symbols, Y)))
    for grad, leaf in (("dL/dX", "X"), ("dL/dK", "K")):
        for entry, symbol in zip(d[grad].entries, d[leaf].symbols):
            assert expand(entry - diff(loss, symbol)) == 0, (spec, grad, symbol)


# --- NumPy and PyTorch (PyTorch's own "same" in a network file) ---------------------------------


@settings(max_examples=25)
@given(padded_specs(), st.integers(1, 2), st.integers(1, 2))
def test_networks_with_these_paddings_match_numpy_and_pytorch(given_spec, c_in, c_out):
    """The layer as a network file gives it ("same" and "valid" go to PyTorch as they are)."""
    need_torch()
    padding, spec = given_spec
    layer = Conv(c_out, spec.kernel, spec.stride, padding, spec.dilation, spec.bias)
    net = NetworkSpec((c_in, *spec.input), (layer,))
    report = verify(derive(net), seed=3, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report.comparisons


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_pytorch_splits_same_as_the_derivation(padding):
    """Even kernels and a dilation of 3 (an odd total on both axes): PyTorch's own padding='same'."""
    need_torch()
    net = NetworkSpec((2, 5, 6), (Conv(2, (2, 4), padding=padding, dilation=(3, 1), bias=True),))
    report = verify(derive(net), seed=1, use_torch=True)
    assert report.ok and any(c.reference == "torch" for c in report.comparisons), report.comparisons


# --- files, the command line, the JSON and the grader ------------------------------------------------


def test_network_files_take_pytorchs_names_and_echo_them(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [1, 4, 5]\n[[layer]]\ntype = "conv"\nout_channels = 1\nkernel = [2, 2]\npadding = "same"\n'
                    '[[layer]]\ntype = "conv"\nout_channels = 1\nkernel = [1, 1]\npadding = [[0, 1], [2, 0]]\n')
    net = load_network(path)
    assert list(net.shapes[1:]) == [(1, 4, 5), (1, 5, 7)]
    layers = net.as_dict()["layers"]
    assert layers[0]["padding"] == "same" and [list(p) for p in layers[1]["padding"]] == [[0, 1], [2, 0]]


def test_command_line_same_and_valid(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--input", "4", "--kernel", "2", "--padding", "same", "--format", "json", "--out", "-"])
    out, _ = capsys.readouterr()
    spec = json.loads(out)["spec"]
    assert stop.value.code == 0 and spec["padding"] == [[0, 1], [0, 1]]
    assert [t["shape"] for t in json.loads(out)["tensors"] if t["name"] == "Y"] == [[1, 4, 4]]
    for padding, message in (("same", "padding 'same' needs stride 1"), ("sam", "padding 'sam' is not valid")):
        with pytest.raises(SystemExit) as stop:
            main(["verify", "--input", "4", "--kernel", "2", "--stride", "2", "--padding", padding])
        _, err = capsys.readouterr()
        assert stop.value.code == 2 and message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_the_document_says_each_side_and_why():
    from symconv.rendering.formats import render

    text = render(derive(ConvSpec(input=4, kernel=2, padding="same")), ("md",)).files["derivation.md"].decode()
    assert "0 top, 1 bottom, 0 left, 1 right (same)" in text
    assert "PyTorch puts the extra row at the bottom" in text
    assert "P_t + P_b" in text and r"\left\lfloor \frac{4 + 0 + 1" in text


def test_the_grader_reads_an_output_size_with_each_side():
    from symconv import check

    d = derive(ConvSpec(input=4, kernel=2, padding=[[0, 1], [2, 0]]))
    right, wrong = check(None, d, claims=[r"H_o = \lfloor (H + p_t + p_b - k_h) / s_h \rfloor + 1 = 4",
                                          r"W_o = \lfloor (W + p_l + p_r - k_w) / s_w \rfloor + 1 = 4"])
    assert right.status == "right" and wrong.status == "wrong", (right.reason, wrong.reason)
