"""The general index formulas the documents print are the derivation: evaluated entry by entry at
this size, they give exactly the derived entries, and `check` reads each back as right (issue 13, item 1)."""

from __future__ import annotations

import re
from itertools import product

from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import Add, S, Symbol
from sympy.parsing.sympy_parser import implicit_multiplication, parse_expr, standard_transformations

from symconv import ConvSpec, derive, render
from symconv.grading import check_claim
from symconv.naming import Naming

from .strategies import conv_specs, conv_transpose_networks

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def _formulas(d) -> dict[str, list[str]]:
    """The formulas the layer's document prints, in its own letters."""
    record = d.records[0]
    return record.layer.words(Naming(d.network.names).doc_step(record, None)).formulas


def _read(text: str, *names: str):
    """An index expression of the printed formula ("2r + p - 3") as a function of the named letters."""
    expr = parse_expr(text, transformations=standard_transformations + (implicit_multiplication,))
    symbols = [Symbol(n) for n in names]
    return lambda *values: int(expr.subs(dict(zip(symbols, values))))


def _subscript(line: str, letter: str) -> tuple[str, str]:
    """The two index expressions of the first entry of `letter` with written-out indices in a line."""
    match = re.search(rf"{letter}(?:\^\{{[^}}]*\}})?_\{{([^{{}}]*?),\\, ([^{{}}]*)\}}", line)
    return match.group(1), match.group(2)


def _channels(line: str, letter: str, names: tuple[str, ...]):
    """The printed channel superscript of `letter`'s first entry as a function of m, c and o (o_m, the
    input channels before m's group): "c" -> c, "o_m + c" -> o + c; 1 where none is printed."""
    match = re.search(rf"{letter}\^\{{\(([^)]*)\)\}}", line)
    if match is None:
        return lambda *values: (1,) * len(names)
    parts = [_read(part.replace("o_m", "o") or "1", "m", "c", "o") for part in match.group(1).split(",")]
    return lambda *values: tuple(part(*values) for part in parts)


def _reading(spec, d, line: str):
    """What the forward formula `line` says: x_of(m, c), the input channel that kernel (m, c) reads (0-based),
    and x(c, i, j), the input entry at 1-based (i, j), 0 in the padding."""
    (h, w) = spec.input
    n_in, n_out = spec.in_channels // spec.groups, spec.out_channels // spec.groups
    offset = lambda m: n_in * ((m - 1) // n_out)  # o_m, from PyTorch's definition of groups (1-based m)
    read = _channels(line, "x", ("c",))
    x_of = lambda m, c: read(m + 1, c + 1, offset(m + 1))[0] - 1
    x = lambda c, i, j: d["X"][c, i - 1, j - 1] if 1 <= i <= h and 1 <= j <= w else S.Zero  # zero padding
    return x_of, x


def _assert_forward_and_kernel(spec, d, line: str, row, col):
    """Y and dL/dK, entry by entry, as the forward formula `line` reads input row row(r, p) and column
    col(s, q) (1-based), equal the derivation's."""
    K, G = d["K"], d["dL/dY"]
    (kh, kw), (ho, wo) = spec.kernel, spec.output
    x_of, x = _reading(spec, d, line)
    bias = (lambda m: d["b"][m]) if spec.bias else (lambda m: S.Zero)
    n_in = spec.in_channels // spec.groups
    for m, r, s in product(range(spec.out_channels), range(1, ho + 1), range(1, wo + 1)):
        y = bias(m) + Add(*(x(x_of(m, c), row(r, p), col(s, q)) * K[m, c, p - 1, q - 1]
                            for c in range(n_in) for p in range(1, kh + 1) for q in range(1, kw + 1)))
        assert y == d["Y"][m, r - 1, s - 1]
    for m, c, p, q in product(range(spec.out_channels), range(n_in), range(1, kh + 1), range(1, kw + 1)):
        dk = Add(*(G[m, r - 1, s - 1] * x(x_of(m, c), row(r, p), col(s, q)) for r in range(1, ho + 1) for s in range(1, wo + 1)))
        assert dk == d["dL/dK"][m, c, p - 1, q - 1]


@settings(max_examples=30, deadline=None)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_the_printed_formulas_give_every_derived_entry(spec):
    d = derive(spec)
    formulas = _formulas(d)
    rows, cols = _subscript(formulas["out"][0], "x")
    row, col = _read(rows, "r", "p"), _read(cols, "s", "q")
    assert _subscript(formulas["K"][0], "x") == (rows, cols)  # dL/dK reads the same input entries
    _assert_forward_and_kernel(spec, d, formulas["out"][0], row, col)
    X, K, G = d["X"], d["K"], d["dL/dY"]
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    c_out, n_in, n_out = spec.out_channels, spec.in_channels // spec.groups, spec.out_channels // spec.groups
    offset = lambda m: n_in * ((m - 1) // n_out)  # o_m, from PyTorch's definition of groups (1-based m)
    # The input channel kernel (m, c) reads, as printed (1-based): c, m (depthwise) or o_m + c.
    read = _channels(formulas["out"][0], "x", ("c",))
    x_of = lambda m, c: read(m + 1, c + 1, offset(m + 1))[0] - 1
    x = lambda c, i, j: X[c, i - 1, j - 1] if 1 <= i <= h and 1 <= j <= w else S.Zero  # zero padding
    k = lambda m, c, p, q: K[m, c, p - 1, q - 1] if 1 <= p <= kh and 1 <= q <= kw else S.Zero
    if spec.dilation == (1, 1):  # dL/dX as printed: the kernel tap written out in i and r
        taps = _subscript(formulas["in"][0], "k")
        tap_row, tap_col = _read(taps[0], "i", "r"), _read(taps[1], "j", "s")
        # The kernel's channels as printed, seen from input channel c: (m, c), (m, c - o_m), (c, 1).
        pair = _channels(formulas["in"][0], "k", ("m", "c"))
        for c, i, j in product(range(spec.in_channels), range(1, h + 1), range(1, w + 1)):
            readers = [m for m in range(c_out) if m // n_out == c // n_in]  # the output channels of c's group
            if n_in == n_out == 1 and spec.groups > 1:  # depthwise: printed for m = c, without a sum
                readers = [c]
            terms = []
            for m in readers:
                km, kc = pair(m + 1, c + 1, offset(m + 1))
                if spec.groups > 1 and n_in == n_out == 1:
                    km, kc = pair(c + 1, c + 1, offset(c + 1))
                terms += [G[km - 1, r - 1, s - 1] * k(km - 1, kc - 1, tap_row(i, r), tap_col(j, s))
                          for r in range(1, ho + 1) for s in range(1, wo + 1)]
            assert Add(*terms) == d["dL/dX"][c, i - 1, j - 1]
    assert set(formulas) == {"out", "K", "in"} | ({"b"} if spec.bias else set())


@settings(max_examples=15, deadline=None)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_check_reads_every_printed_formula_as_right(spec):
    d = derive(spec)
    for key, lines in _formulas(d).items():
        claim = lines[0].replace("&=", "=")
        verdict = check_claim(claim, d)
        # A sum over the taps that meet i, or over a group's channels (o_m, M_c): not in check's notation.
        if (key == "in" and spec.dilation != (1, 1)) or (spec.groups > 1 and spec.in_channels // spec.groups > 1):
            assert verdict.status != "wrong", claim
        else:
            assert verdict.status == "right", (claim, verdict.reason, verdict.missing, verdict.extra)


@settings(max_examples=40, deadline=None)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=2))
def test_the_sizes_the_results_state_are_those_of_the_closed_forms(spec):
    """The boxed results' prose gives the size of each matrix; identities.py computes them at this size
    (and test_jacobians holds each closed form to the derived entries)."""
    from symconv.identities import identities
    from symconv.layers.conv_document import result_sizes

    d = derive(spec)
    ids, sizes = identities(d), result_sizes(spec)
    shape = lambda matrix: (matrix.rows, matrix.cols)
    assert shape(ids.padded_input[0]) == sizes["padded input"]
    assert shape(ids.dilated_upstream[0]) == sizes["dilated upstream"]
    assert shape(ids.grad_kernel[0, 0]) == sizes["kernel gradient"] == spec.kernel
    assert shape(ids.padded_upstream[0]) == sizes["padded upstream"]
    assert shape(ids.rotated_kernel[0, 0]) == sizes["rotated kernel"]
    assert shape(ids.grad_input[0]) == sizes["input"] == spec.input
    full = sizes["full"]
    assert full[0] <= sizes["padded input"][0] and full[1] <= sizes["padded input"][1]


def _general(d):
    """The formulas in symbols a convolution's document prints beside those at its settings, and its note."""
    record = d.records[0]
    words = record.layer.words(Naming(d.network.names).doc_step(record, None))
    return words.general, words.general_note


def _rho(note: str, axis: str, out: str, tap: str, spec):
    """rho_h(r, p) (or rho_w(s, q)) as the note defines it in symbols, at this layer's size, stride, padding
    and dilation: a function of the output and the kernel index."""
    found = re.search(rf"\\rho_{axis}\({out}, {tap}\) = ([^$]*)\$", note)
    text = re.sub(r"([A-Za-z]_[hw]) \(", r"\1*(", found.group(1))  # S_h (r - 1): a product, not a call
    a = "hw".index(axis)
    # The stride, padding and dilation are capitals: the small s and p are the indices (r, s), (p, q).
    numbers = {f"S_{axis}": spec.stride[a], f"D_{axis}": spec.dilation[a], f"P_{axis}": spec.padding[a],
               f"k_{axis}": spec.kernel[a]}
    expr = parse_expr(text, transformations=standard_transformations + (implicit_multiplication,))
    expr = expr.subs({Symbol(n): v for n, v in numbers.items()})
    assert expr.free_symbols <= {Symbol(out), Symbol(tap)}, expr
    return lambda o, t: int(expr.subs({Symbol(out): o, Symbol(tap): t}))


@settings(max_examples=60, deadline=None)
@given(conv_specs(max_input=6, max_kernel=3, max_channels=2))
def test_the_general_formulas_instantiated_at_any_setting_give_every_derived_entry(spec):
    """Issue 24: beside each index formula at this layer's stride, padding and dilation, the document gives
    it in symbols (H, W, k, s, p, d) for any of them. Put this layer's numbers into the printed symbols and
    they give every derived entry: the output, the kernel's gradient and the input's (the sum over the pairs
    (r, p), (s, q) that reach (i, j), at any dilation), at sizes, strides, paddings, dilations, groups and
    both conventions drawn at random."""
    d = derive(spec)
    general, note = _general(d)
    assert set(general) == {"out", "K", "in"} | ({"b"} if spec.bias else set())
    if spec.bias:  # the bias's gradient over the whole output, in symbols
        assert "r=1}^{H_o}" in general["b"][0] and "s=1}^{W_o}" in general["b"][0], general["b"]
    for key, limits in (("out", ("p=1}^{K_h}", "q=1}^{K_w}")), ("K", ("r=1}^{H_o}", "s=1}^{W_o}"))):
        assert all(limit in general[key][0] for limit in limits), general[key]
        assert r"_{\rho_h(r, p),\, \rho_w(s, q)}" in general[key][0]  # x at the row and column rho gives
    assert r"\sum_{(r,p):\ \rho_h(r, p) = i} \ \sum_{(s,q):\ \rho_w(s, q) = j}" in general["in"][0]
    if spec.groups == 1:  # the channels' sums in symbols too, never this layer's counts (a lecturer read Sum_{m=1}^{2})
        assert (r"\sum_{m=1}^{C_{\mathrm{out}}}" in general["in"][0]) == (spec.out_channels > 1), general["in"]
        # over the input channels even where this layer has one (review r15 item 2): a rule for any size
        assert r"\sum_{c=1}^{C_{\mathrm{in}}}" in general["out"][0], general["out"]
        assert "^{(c)}_{i,j}" in general["in"][0].split("&=")[0], general["in"]  # the input's gradient of its channel c
    row, col = _rho(note, "h", "r", "p", spec), _rho(note, "w", "s", "q", spec)
    _assert_forward_and_kernel(spec, d, general["out"][0], row, col)
    # The input's gradient: every (m, kernel channel, r, s, p, q) whose read lands on (c, i, j).
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output
    x_of, _ = _reading(spec, d, general["out"][0])
    K, G = d["K"], d["dL/dY"]
    terms = {}
    for m, kc, r, s, p, q in product(range(spec.out_channels), range(spec.in_channels // spec.groups), range(1, ho + 1),
                                     range(1, wo + 1), range(1, kh + 1), range(1, kw + 1)):
        at = (x_of(m, kc), row(r, p), col(s, q))
        terms.setdefault(at, []).append(G[m, r - 1, s - 1] * K[m, kc, p - 1, q - 1])
    for c, i, j in product(range(spec.in_channels), range(1, h + 1), range(1, w + 1)):
        assert Add(*terms.get((c, i, j), [])) == d["dL/dX"][c, i - 1, j - 1]
    # The ranges: where each index runs and which terms exist, in symbols.
    for said in (r"1 \le r \le H_o", r"1 \le p \le K_h", r"1 \le \rho_h(r, p) \le H", r"H_o \times W_o$ the output's size"):
        assert said in note


def test_the_general_formulas_are_stated_once_per_kind_beside_those_at_the_layers_settings():
    from pathlib import Path

    from symconv import load_network
    from symconv.rendering.document import context

    d = derive(load_network(Path(__file__).parents[1] / "examples" / "three_layer_cnn.toml"))
    ctx = context(d)
    convs = [r.number for r in d.records if r.layer.type == "conv"]
    assert len(convs) > 1
    with_symbols = [s for s in ctx["sections"] if s.general]
    # the first convolution's (no input gradient), its bias's too: a network's first line is in symbols everywhere
    assert {s.name for s in with_symbols} == {"A[1]", "dL/dK[1]", "dL/db[1]"}
    assert sum(1 for s in ctx["sections"] if s.general_note) == 1  # where the indices run: said once
    _, oh, ow = d["A[1]"].shape
    for section in with_symbols:  # the general line, then the same at this layer
        assert section.shown_formula == section.general + section.formula
        if section.name == "dL/db[1]":
            # the bias's sum at this layer's size on the line of the sum in symbols, after a second "=" (review r16
            # item 1: a line of the CNN's eight pages)
            assert not section.formula and len(section.general) == 1
            symbols, here = section.general[0].split("&=")[1].split(" = ")
            assert r"\sum_{r=1}^{o_h} \sum_{s=1}^{o_w}" in symbols
            assert rf"\sum_{{r=1}}^{{{oh}}} \sum_{{s=1}}^{{{ow}}}" in here
            continue
        # of the same entry, its input channel c the layer's one channel (review r15 item 2)
        assert section.general[0].split("&=")[0].replace(",c)", ",1)") == section.formula[0].split("&=")[0]
    assert not any(s.general for s in ctx["sections"] if s.name.endswith(f"[{convs[1]}]"))


@settings(max_examples=60, deadline=None)
@given(conv_transpose_networks())
def test_the_transposed_convolutions_general_formulas_instantiated_at_any_setting_give_every_derived_entry(net):
    """Issue 24, the transposed convolution as the convolution: beside each index formula at the layer's
    settings, one in symbols (H, W, k, S, P, D), with where its indices run and which terms exist. Put the
    layer's numbers into the printed rho_h(i, p), rho_w(j, q) (the output row and column input entry (i, j)
    writes through kernel entry (p, q)) and into the printed H_o, and they give the output's size and every
    derived entry: the output, the input's gradient, the kernel's and the bias's, at sizes, strides, paddings,
    output paddings, dilations and groups drawn at random."""
    from symconv.network import NetworkSpec

    layer = net.layers[0]
    d = derive(NetworkSpec(net.input, (layer,)))  # alone: its upstream gradient is the leaf dL/dA[1]
    record = d.records[0]
    words = layer.words(Naming(d.network.names).doc_step(record, None))
    general, note = words.general, words.general_note
    assert set(general) == {"out", "K", "in"} | ({"b"} if layer.bias else set())
    assert r"\sum_{\rho_h(i, p) = u} \ \sum_{\rho_w(j, q) = v}" in general["out"][0]
    # a network's size letters: the input n_h x n_w, the output o_h x o_w (W is a dense layer's weights)
    for key, limits in (("in", ("p=1}^{K_h}", "q=1}^{K_w}")), ("K", ("i=1}^{n_h}", "j=1}^{n_w}"))):
        assert all(limit in general[key][0] for limit in limits), general[key]
        assert r"_{\rho_h(i, p),\, \rho_w(j, q)}" in general[key][0]  # the upstream gradient where (i, j) lands
    if layer.bias:
        assert "u=1}^{o_h}" in general["b"][0] and "v=1}^{o_w}" in general["b"][0], general["b"]
    for said in (r"1 \le i \le n_h", r"1 \le p \le K_h", r"1 \le \rho_h(i, p) \le o_h", r"1 \le \rho_w(j, q) \le o_w"):
        assert said in note
    row, col = _rho(note, "h", "i", "p", layer), _rho(note, "w", "j", "q", layer)
    # The output's size, as the note writes it, at this layer's numbers.
    found = re.search(r"\$o_h = ([^$]*)\$", note).group(1).replace(r"\mathit{op}_h", "O_h").replace("n_h", "H")
    size = parse_expr(re.sub(r"([A-Za-z]_[hw]) \(", r"\1*(", found),
                      transformations=standard_transformations + (implicit_multiplication,))
    (c_in, h, w), (kh, kw) = net.input, layer.kernel
    (c_out, ho, wo) = record.shape_out
    numbers = {"H": h, "S_h": layer.stride[0], "P_h": layer.padding[0], "D_h": layer.dilation[0], "K_h": kh,
               "O_h": layer.output_padding[0]}
    assert size.subs({Symbol(n): v for n, v in numbers.items()}) == ho
    n_in, n_out = c_in // layer.groups, c_out // layer.groups
    X, K, G, Y = d["X"], d[record.params["K"]], d[f"dL/d{record.output}"], d[record.output]
    g = lambda o, u, v: G[o, u - 1, v - 1] if 1 <= u <= ho and 1 <= v <= wo else S.Zero  # a term that exists
    writes = lambda c: range(n_out * (c // n_in), n_out * (c // n_in + 1))  # the output channels of c's group
    taps = list(product(range(1, kh + 1), range(1, kw + 1)))
    y = {}
    for c, i, j, (p, q) in product(range(c_in), range(1, h + 1), range(1, w + 1), taps):
        for o in writes(c):
            if 1 <= row(i, p) <= ho and 1 <= col(j, q) <= wo:
                y.setdefault((o, row(i, p), col(j, q)), []).append(X[c, i - 1, j - 1] * K[c, o % n_out, p - 1, q - 1])
    bias = (lambda o: d[record.params["b"]][o]) if layer.bias else (lambda o: S.Zero)
    for o, u, v in product(range(c_out), range(1, ho + 1), range(1, wo + 1)):
        assert Y[o, u - 1, v - 1] == bias(o) + Add(*y.get((o, u, v), []))
    for c, i, j in product(range(c_in), range(1, h + 1), range(1, w + 1)):
        dx = Add(*(g(o, row(i, p), col(j, q)) * K[c, o % n_out, p - 1, q - 1] for o in writes(c) for p, q in taps))
        assert dx == d["dL/dX"][c, i - 1, j - 1]
    for c, (p, q) in product(range(c_in), taps):
        for o in writes(c):
            dk = Add(*(g(o, row(i, p), col(j, q)) * X[c, i - 1, j - 1] for i in range(1, h + 1) for j in range(1, w + 1)))
            assert dk == d[f"dL/d{record.params['K']}"][c, o % n_out, p - 1, q - 1]
    if layer.bias:
        for o in range(c_out):
            assert Add(*(g(o, u, v) for u in range(1, ho + 1) for v in range(1, wo + 1))) == d[f"dL/d{record.params['b']}"][o]


def _closed_forms_as_printed(x, k, g, stride, padding, dilation):
    """dL/dK and dL/dX by the documents' general forms, each operator as the text defines it: X~ the input with P
    rows and columns of zeros on every side, G~ the upstream gradient with S - 1 zeros between its entries, K~ the
    kernel with D - 1 zeros between its taps, dL/dK = X~ correlated with G~ at entries D apart (the first k of them),
    dL/dX = crop(full(G~) star rot180(K~)), crop as the documents state it (review r15 item 3): its operand, the full
    correlation, has S (H_o - 1) + D (K - 1) + 1 rows (and columns likewise); crop keeps its rows P+1..P+H (1-based),
    and where it ends sooner the rows past its end are zeros."""
    (h, w), (kh, kw) = x.shape, k.shape
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    xt = np.pad(x, ((ph, ph), (pw, pw)))
    gt = np.zeros((sh * (g.shape[0] - 1) + 1, sw * (g.shape[1] - 1) + 1))
    gt[::sh, ::sw] = g
    kt = np.zeros((dh * (kh - 1) + 1, dw * (kw - 1) + 1))
    kt[::dh, ::dw] = k

    def correlate(a, b):  # valid cross-correlation, b over a
        rows, cols = a.shape[0] - b.shape[0] + 1, a.shape[1] - b.shape[1] + 1
        return np.array([[np.sum(a[i:i + b.shape[0], j:j + b.shape[1]] * b) for j in range(cols)] for i in range(rows)])

    dk = correlate(xt, gt)[::dh, ::dw][:kh, :kw]
    full = correlate(np.pad(gt, ((kt.shape[0] - 1,) * 2, (kt.shape[1] - 1,) * 2)), kt[::-1, ::-1])
    ho, wo = g.shape
    assert full.shape == (sh * (ho - 1) + dh * (kh - 1) + 1, sw * (wo - 1) + dw * (kw - 1) + 1)  # the stated shape
    extended = np.zeros((max(full.shape[0], ph + h), max(full.shape[1], pw + w)))  # zeros past its end
    extended[:full.shape[0], :full.shape[1]] = full
    return dk, extended[ph:ph + h, pw:pw + w]


@settings(max_examples=60, deadline=None)
@given(st.integers(3, 9), st.integers(3, 9), st.integers(1, 3), st.integers(1, 3), st.integers(1, 3),
       st.integers(1, 3), st.integers(0, 2), st.integers(0, 2), st.integers(1, 2), st.integers(1, 2), st.integers(0, 99))
def test_the_general_matrix_forms_with_crop_as_defined_are_the_gradient_at_any_setting(h, w, kh, kw, sh, sw, ph, pw,
                                                                                     dh, dw, seed):
    """The matrix forms the documents print beside the boxes, at any stride, padding and dilation (a stride that
    leaves the padded input's last rows unread included: H = 8, k = 3, S = 2, P = 1 made a reader crop 9 x 9 to
    7 x 7), against the gradient of y[r,s] = sum x~[S r + D p, S s + D q] k[p,q] summed term by term."""
    ho, wo = (h + 2 * ph - dh * (kh - 1) - 1) // sh + 1, (w + 2 * pw - dw * (kw - 1) - 1) // sw + 1
    assume(ho >= 1 and wo >= 1 and kh <= h + 2 * ph and kw <= w + 2 * pw)
    rng = np.random.default_rng(seed)
    x, k, g = rng.normal(size=(h, w)), rng.normal(size=(kh, kw)), rng.normal(size=(ho, wo))
    xt = np.pad(x, ((ph, ph), (pw, pw)))
    dk, dxt = np.zeros((kh, kw)), np.zeros(xt.shape)
    for r, s, p, q in product(range(ho), range(wo), range(kh), range(kw)):
        i, j = sh * r + dh * p, sw * s + dw * q
        dk[p, q] += g[r, s] * xt[i, j]
        dxt[i, j] += g[r, s] * k[p, q]
    got_k, got_x = _closed_forms_as_printed(x, k, g, (sh, sw), (ph, pw), (dh, dw))
    assert np.allclose(got_k, dk) and np.allclose(got_x, dxt[ph:ph + h, pw:pw + w])


def test_the_documents_say_crop_as_the_test_above_computes_it():
    """The definition the test above follows is the one the single layer's and the network's documents print (review
    r15 item 3: which rows and columns it keeps, that it is zeros past its operand's end, and the operand's shape), each
    in its own size letters: a single layer's H x W, a network's n_h x n_w."""
    from symconv.network import load_network
    said = ("keeps rows $P_h + 1$ to $P_h + {h}$ and columns $P_w + 1$ to $P_w + {w}$ of the full correlation inside it, "
            "$(S_h ({ho} - 1) + D_h (K_h - 1) + 1) \\times (S_w ({wo} - 1) + D_w (K_w - 1) + 1)$ entries, with zeros past "
            "its end (a stride can leave the padded input's last rows or columns unread)")
    single = render(ConvSpec(), ("md",)).files["derivation.md"].decode()
    network = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    assert said.format(h="H", w="W", ho="H_o", wo="W_o") in single
    words = said.format(h="n_h", w="n_w", ho="o_h", wo="o_w")
    assert network.count(words) == 1  # said once, in the notation before its rules
    assert "removes $P_h$ rows" not in single + network and "removing $P_h$ rows" not in single + network
    assert "gives 0 to any past" not in single + network


def _star_d(a, b, dilation, size):
    """(A star_D B)_{p,q} = sum_{r,s} a_{D_h (p-1) + r, D_w (q-1) + s} b_{r,s}, 1 <= p <= K_h: read off the printed
    definition (its letters checked by the test below)."""
    (dh, dw), (kh, kw) = dilation, size
    return np.array([[sum(a[dh * p + r, dw * q + s] * b[r, s] for r in range(b.shape[0]) for s in range(b.shape[1])
                          if dh * p + r < a.shape[0] and dw * q + s < a.shape[1])
                      for q in range(kw)] for p in range(kh)])


def test_the_star_d_definition_indexes_the_kernel_by_p_q_and_the_upstream_gradient_by_r_s():
    """review24c defect 4: the definition wrote (A star_D B)_{i,j} summed over p, q, the kernel's letters for the
    upstream gradient's entries and the input's i, j for the kernel's: reversed against every formula of the documents
    (dL/dk_{p,q} sums over r, s). The printed definition, read as written, gives dL/dK at a dilation and stride."""
    from symconv.network import load_network
    single = render(ConvSpec(), ("md",)).files["derivation.md"].decode()
    network = render(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"), ("md",)).files["derivation.md"].decode()
    for md in (single, network):
        found = re.search(r"\(U \\star_D V\)_\{(\w),(\w)\} = \\sum_\{(\w),(\w)\} u_\{D_h \(\1-1\) \+ \3,\\, "
                          r"D_w \(\2-1\) \+ \4\}\\, v_\{\3,\4\}", md)
        assert found and found.groups() == ("p", "q", "r", "s"), found
    rng = np.random.default_rng(3)
    x, k, g = rng.normal(size=(7, 8)), rng.normal(size=(2, 3)), None
    stride, padding, dilation = (2, 1), (1, 0), (2, 2)
    ho = (7 + 2 - 2 * 1 - 1) // 2 + 1
    wo = (8 - 2 * 2 - 1) // 1 + 1
    g = rng.normal(size=(ho, wo))
    xt = np.pad(x, ((1, 1), (0, 0)))
    gt = np.zeros((2 * (ho - 1) + 1, wo))
    gt[::2, :] = g
    dk = np.zeros(k.shape)
    for r, s, p, q in product(range(ho), range(wo), range(2), range(3)):
        dk[p, q] += g[r, s] * xt[2 * r + 2 * p, s + 2 * q]
    assert np.allclose(_star_d(xt, gt, dilation, k.shape), dk)


@pytest.mark.parametrize("stride, padding, dilation", [((1, 1), (0, 0), (1, 1)), ((2, 1), (1, 0), (1, 2)),
                                                       ((2, 2), (1, 1), (2, 1))])
def test_a_networks_general_rule_for_several_channels_sums_over_the_output_channels(tmp_path, stride, padding, dilation):
    """review24c defect 5: the network's rule at any stride wrote dL/dX as one channel pair's, without the sum over
    the output channels m that read the input and without the channels of X~ and K~. Read as printed (the channels
    its letters carry, the sums it writes) at other strides, paddings and dilations, it gives every channel's
    gradient of a convolution with 2 input and 3 output channels."""
    from symconv.network import load_network
    path = tmp_path / "net.toml"
    path.write_text('input = [2, 5, 5]\n\n[[layer]]\ntype = "conv"\nout_channels = 3\nkernel = [2, 2]\n\n'
                    '[[layer]]\ntype = "flatten"\n\n[[layer]]\ntype = "dense"\nout_features = 2\n\n'
                    '[[layer]]\ntype = "softmax_cross_entropy"\n')
    md = render(load_network(path), ("md",)).files["derivation.md"].decode()
    # the two lines of the general rule (review r12: with named operators, pad_P, spread_S, full_D, dilate_D)
    kernel_side = next(l for l in md.splitlines() if l.startswith(r"\frac") and r"\star_D" in l)
    input_side = next(l for l in md.splitlines() if l.startswith(r"\frac") and r"\operatorname{crop}\Bigl(" in l)
    assert re.search(r"\\partial K\^\{\[1\]\(m,c\)\}\}", kernel_side)
    assert r"\operatorname{pad}_P(X^{(c)}) \star_D \operatorname{spread}_S(\delta^{[1](m)})" in kernel_side
    assert r"\partial X^{(c)}}" in input_side and r"\operatorname{dilate}_D(K^{[1](m,c)})" in input_side
    assert r"\operatorname{full}_D\bigl(\operatorname{spread}_S(\delta^{[1](m)})\bigr)" in input_side
    over_m = r"\sum_m" in input_side
    rng = np.random.default_rng(7)
    x, k = rng.normal(size=(2, 5, 5)), rng.normal(size=(3, 2, 2, 2))
    (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
    ho, wo = (5 + 2 * ph - dh - 1) // sh + 1, (5 + 2 * pw - dw - 1) // sw + 1
    g = rng.normal(size=(3, ho, wo))
    xt = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    dxt, dk = np.zeros(xt.shape), np.zeros(k.shape)
    for m, c, r, s, p, q in product(range(3), range(2), range(ho), range(wo), range(2), range(2)):
        dxt[c, sh * r + dh * p, sw * s + dw * q] += g[m, r, s] * k[m, c, p, q]
        dk[m, c, p, q] += g[m, r, s] * xt[c, sh * r + dh * p, sw * s + dw * q]
    for c in range(2):
        printed = sum(_closed_forms_as_printed(x[c], k[m, c], g[m], stride, padding, dilation)[1]
                      for m in (range(3) if over_m else range(1)))
        assert np.allclose(printed, dxt[c, ph:ph + 5, pw:pw + 5])
        for m in range(3):
            assert np.allclose(_closed_forms_as_printed(x[c], k[m, c], g[m], stride, padding, dilation)[0], dk[m, c])
