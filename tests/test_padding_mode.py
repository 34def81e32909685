"""A convolution's padding_mode as PyTorch's Conv2d defines it (issue 25): reflect, replicate and circular
padding copy input entries into the padding, so an input entry's gradient sums every position that reads it."""

from __future__ import annotations

import re

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sympy import Add, Symbol, diff, expand

from symconv import derive, load_network
from symconv.layers import Conv
from symconv.naming import Naming
from symconv.network import NetworkSpec
from symconv.numeric.verify import verify
from symconv.spec import ConvSpec, SpecError

from .conftest import need_torch

MODES = ("reflect", "replicate", "circular")


def x(j):
    return Symbol(f"x_1_1_{j}")


def k(q):
    return Symbol(f"k_1_1_1_{q}")


def g(s):
    return Symbol(f"dL_dy_1_1_{s}")


# --- hand-written values: a row of three, a kernel of three, one padded column on each side ----------


@pytest.mark.parametrize("mode, padded", [
    ("reflect", (2, 1, 2, 3, 2)),    # the mirror image across x_1 and x_3
    ("replicate", (1, 1, 2, 3, 3)),  # the border entries repeated
    ("circular", (3, 1, 2, 3, 1)),   # the row wrapped around
])
def test_one_row_by_hand(mode, padded):
    d = derive(ConvSpec(input=(1, 3), kernel=(1, 3), padding=(0, 1), padding_mode=mode))
    Y = [d["Y"][0, 0, s] for s in range(3)]
    assert Y == [Add(*(x(padded[s + q]) * k(q + 1) for q in range(3))) for s in range(3)]
    # An entry's gradient: every (output, tap) that reads it, in the window or as a copy in the padding.
    want = {
        "reflect": g(1) * (k(1) + k(3)) + g(2) * k(2) + g(3) * (k(1) + k(3)),
        "replicate": g(1) * k(3) + g(2) * k(2) + g(3) * (k(1)),
        "circular": g(1) * k(3) + g(2) * k(2) + g(3) * k(1),
    }[mode]
    assert expand(d["dL/dX"][0, 0, 1] - want) == 0
    first = {"reflect": g(1) * k(2) + g(2) * k(1), "replicate": g(1) * (k(1) + k(2)) + g(2) * k(1),
             "circular": g(1) * k(2) + g(2) * k(1) + g(3) * k(3)}[mode]
    assert expand(d["dL/dX"][0, 0, 0] - first) == 0


@pytest.mark.parametrize("spec, message", [
    (dict(input=3, kernel=3, padding=3, padding_mode="reflect"), "fewer padded rows than the input's 3"),
    (dict(input=(5, 2), kernel=3, padding=[[0, 0], [1, 2]], padding_mode="reflect"), "fewer padded columns"),
    (dict(input=2, kernel=3, padding=3, padding_mode="circular"), "at most the input's 2 rows"),
    (dict(input=4, kernel=3, padding=1, padding_mode="mirror"), "padding_mode 'mirror' is not valid: use one of zeros, "
                                                                "reflect, replicate, circular"),
])
def test_what_pytorch_refuses_is_refused_in_one_line(spec, message):
    with pytest.raises(SpecError, match=message):
        ConvSpec(**spec)


def test_a_network_file_names_the_mode(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [1, 2, 2]\n[[layer]]\ntype = "conv"\nout_channels = 1\nkernel = [3, 3]\npadding = 2\n'
                    'padding_mode = "reflect"\n')
    with pytest.raises(SpecError, match="padding_mode reflect needs fewer padded rows than the input's 2"):
        load_network(path).shapes
    path.write_text(path.read_text().replace("padding = 2", "padding = 1"))
    net = load_network(path)
    assert net.shapes[-1] == (1, 2, 2) and net.as_dict()["layers"][0]["padding_mode"] == "reflect"


# --- the definition on an explicitly padded input, differentiated by SymPy ----------------------------


def pad_row(row: list, before: int, after: int, mode: str) -> list:
    """One axis padded the way the modes are defined, by slicing (not symconv's index rule)."""
    if mode == "reflect":
        return row[1 : before + 1][::-1] + row + row[len(row) - 1 - after : len(row) - 1][::-1]
    if mode == "replicate":
        return [row[0]] * before + row + [row[-1]] * after
    return row[len(row) - before :] + row + row[:after]


def padded_input(spec: ConvSpec, X) -> list[list]:
    (h, w), (top, left), (bottom, right) = spec.input, spec.padding, spec.end_padding
    rows = [pad_row([X[i * w + j] for j in range(w)], left, right, spec.padding_mode) for i in range(h)]
    columns = [pad_row([r[j] for r in rows], top, bottom, spec.padding_mode) for j in range(len(rows[0]))]
    return [[columns[j][i] for j in range(len(columns))] for i in range(len(columns[0]))]


@st.composite
def mode_specs(draw):
    mode = draw(st.sampled_from(MODES))
    padding = draw(st.one_of(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.just("same"),
                             st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)),
                                       st.tuples(st.integers(0, 2), st.integers(0, 2)))))
    stride = (1, 1) if padding == "same" else draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))
    try:
        return padding, ConvSpec(input=(draw(st.integers(1, 5)), draw(st.integers(1, 5))),
                                 kernel=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))), stride=stride,
                                 dilation=draw(st.tuples(st.integers(1, 2), st.integers(1, 2))), padding=padding,
                                 padding_mode=mode, bias=draw(st.booleans()))
    except SpecError:  # the kernel larger than the padded input, or more reflected rows than the input has
        assume(False)


@settings(max_examples=50)
@given(mode_specs())
def test_entries_are_the_definition_and_its_sympy_diff(given_spec):
    _, spec = given_spec
    d = derive(spec)
    padded, K = padded_input(spec, d["X"].symbols), d["K"].symbols
    (kh, kw), (sh, sw), (dh, dw), (ho, wo) = spec.kernel, spec.stride, spec.dilation, spec.output
    bias = d["b"].symbols[0] if spec.bias else 0
    Y = [bias + Add(*(padded[r * sh + p * dh][s * sw + q * dw] * K[p * kw + q] for p in range(kh) for q in range(kw)))
         for r in range(ho) for s in range(wo)]
    assert all(expand(a - b) == 0 for a, b in zip(d["Y"].entries, Y))
    loss = Add(*(gs * y for gs, y in zip(d["dL/dY"].symbols, Y)))
    for grad, leaf in (("dL/dX", "X"), ("dL/dK", "K")) + ((("dL/db", "b"),) if spec.bias else ()):
        for entry, symbol in zip(d[grad].entries, d[leaf].symbols):
            assert expand(entry - diff(loss, symbol)) == 0, (spec, grad, symbol)


@settings(max_examples=25)
@given(mode_specs())
def test_the_printed_forward_formula_with_rho_gives_every_entry(given_spec):
    """The document's general formula x_{r + p - 1, ...}, an index in the padding read through rho as its
    note defines it (2 - i below 1 and 2H - i above H for reflect, ...), gives each derived entry."""
    _, spec = given_spec
    assume(spec.copies)
    d = derive(spec)
    record = d.records[0]
    words = record.layer.words(Naming(d.network.names).doc_step(record, None))
    rows, cols = re.search(r"x_\{([^{}]*?),\\, ([^{}]*)\}", words.formulas["out"][0]).groups()
    note = words.notes["out"]
    (h, w) = spec.input

    def rho(i: int, n: int, big: str) -> int:
        below, above = re.search(rf"\\rho_{big}\(i\) = ([^$]*)\$ for \$i < 1\$, \$([^$]*)\$", note).groups()
        return i if 1 <= i <= n else int(eval((below if i < 1 else above).replace("i", f"({i})")))

    def index(text, a, b, names):
        return int(eval(re.sub(r"(\d)([a-z])", r"\1*\2", text), {}, dict(zip(names, (a, b)))))

    X, K = d["X"], d["K"]
    bias = d["b"][0] if spec.bias else 0
    (kh, kw), (ho, wo) = spec.kernel, spec.output
    for r in range(1, ho + 1):
        for s in range(1, wo + 1):
            y = bias + Add(*(X[0, rho(index(rows, r, p, "rp"), h, "H") - 1, rho(index(cols, s, q, "sq"), w, "W") - 1]
                             * K[0, 0, p - 1, q - 1] for p in range(1, kh + 1) for q in range(1, kw + 1)))
            assert expand(y - d["Y"][0, r - 1, s - 1]) == 0


@settings(max_examples=25)
@given(mode_specs())
def test_the_printed_input_gradient_formula_gives_every_entry(given_spec):
    """dL/dx_{i,j} as printed: the sum over the taps (r, p), (s, q) whose padded position copies (i, j), rho as
    the note defines it."""
    _, spec = given_spec
    assume(spec.copies)
    d = derive(spec)
    record = d.records[0]
    words = record.layer.words(Naming(d.network.names).doc_step(record, None))
    rows, cols = re.search(r"\\rho_H\(([^()]*)\) = i\}.*\\rho_W\(([^()]*)\) = j\}", words.formulas["in"][0]).groups()
    note = words.notes["out"]
    (h, w), (kh, kw), (ho, wo) = spec.input, spec.kernel, spec.output

    def rho(i: int, n: int, big: str) -> int:
        below, above = re.search(rf"\\rho_{big}\(i\) = ([^$]*)\$ for \$i < 1\$, \$([^$]*)\$", note).groups()
        return i if 1 <= i <= n else int(eval((below if i < 1 else above).replace("i", f"({i})")))

    def index(text, a, b, names):
        return int(eval(re.sub(r"(\d)([a-z])", r"\1*\2", text), {}, dict(zip(names, (a, b)))))

    G, K = d["dL/dY"], d["K"]
    for i in range(1, h + 1):
        for j in range(1, w + 1):
            want = Add(*(G[0, r - 1, s - 1] * K[0, 0, p - 1, q - 1]
                         for r in range(1, ho + 1) for p in range(1, kh + 1) if rho(index(rows, r, p, "rp"), h, "H") == i
                         for s in range(1, wo + 1) for q in range(1, kw + 1) if rho(index(cols, s, q, "sq"), w, "W") == j))
            assert expand(want - d["dL/dX"][0, i - 1, j - 1]) == 0


def test_the_closed_forms_fold_the_padding_back():
    from symconv.identities import identities

    for mode in MODES:
        d = derive(ConvSpec(input=(3, 4), kernel=(2, 3), padding=[[1, 0], [2, 1]], padding_mode=mode, in_channels=2,
                            out_channels=2, bias=True))
        ids = identities(d)
        for c in range(2):
            assert all(expand(a - b) == 0 for a, b in zip(ids.grad_input[c], d["dL/dX"].entries[12 * c: 12 * (c + 1)]))
            assert ids.padded_input[c].shape == (4, 7)


# --- NumPy and PyTorch: random layers in every mode, Jacobians included ---------------------------------


@settings(max_examples=30)
@given(mode_specs(), st.integers(1, 2), st.integers(1, 2))
def test_random_layers_match_numpy_and_pytorch(given_spec, c_in, groups):
    need_torch()
    padding, spec = given_spec
    layer = Conv(2 * groups, spec.kernel, spec.stride, padding, spec.dilation, spec.bias, groups=groups,
                 padding_mode=spec.padding_mode)
    report = verify(derive(NetworkSpec((c_in * groups, *spec.input), (layer,))), seed=5, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report.comparisons


@pytest.mark.parametrize("mode", MODES)
def test_the_jacobians_add_the_copies(mode):
    need_torch()
    d = derive(ConvSpec(input=(3, 4), kernel=3, padding=(2, 1), padding_mode=mode, bias=True), jacobians=True)
    report = verify(d, use_torch=True)
    assert report.ok and {"dvecY/dvecX", "dvecY/dvecK"} <= {c.tensor for c in report.comparisons if c.reference == "torch"}


# --- the document -------------------------------------------------------------------------------------


def test_the_window_figure_names_the_entry_each_padded_cell_copies():
    from symconv.layers.conv_document import figures

    d = derive(ConvSpec(input=3, kernel=3, padding=1, padding_mode="reflect"))
    record = d.records[0]
    step = Naming(d.network.names).doc_step(record, None)
    grid = figures(d.spec, step)["out"][0]
    cells = {(r, c): (label.sub, role) for r, c, label, role in grid.cells}
    assert cells[0, 0] == ("2,2", "window") and cells[4, 4] == ("2,2", "copy") and cells[4, 0] == ("2,2", "copy")
    assert cells[0, 3] == ("2,3", "second") and cells[2, 4] == ("2,2", "copy")
    assert ("copy", "reflect padding: a copy of the input entry it names") in grid.legend


@pytest.mark.parametrize("mode", MODES)
def test_check_reads_every_entry_of_the_document_as_right(mode):
    from symconv.grading import check_claims
    from symconv.rendering.document import context

    d = derive(ConvSpec(input=(3, 4), kernel=2, padding=[[1, 0], [1, 1]], padding_mode=mode, bias=True))
    ctx = context(d, matrices=False)
    claims = [f"{row.lhs} = {' '.join(row.lines)}" for section in ctx["sections"] for block in section.blocks
              for row in block.rows]
    _, *verdicts = check_claims([ctx["upstream_definition"], *claims], d)
    assert len(verdicts) >= 12 + 12 + 4 + 1 and all(v.status == "right" for v in verdicts)  # Y, dL/dX, dL/dK, dL/db


@pytest.mark.parametrize("padding, mode", [([[1, 0], [1, 1]], "zeros"), ("same", "zeros"), (1, "reflect"),
                                           ([[1, 0], [1, 1]], "circular")])
def test_the_handout_and_its_answers_render(padding, mode):
    from symconv import render

    d = derive(ConvSpec(input=(3, 4), kernel=(2, 4), padding=padding, padding_mode=mode, bias=True))
    files = render(d, ("md",), handout=True).files
    assert {"exercise.md", "answers.md"} <= set(files)
    assert ("P_t + P_b" in files["answers.md"].decode()) == (padding != 1)


def test_the_command_line_takes_the_mode(capsys, tmp_path, monkeypatch):
    import json

    from symconv.cli import main

    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--input", "3", "--kernel", "2", "--padding", "1", "--padding-mode", "replicate", "--format",
              "json", "--out", "-"])
    out, _ = capsys.readouterr()
    assert stop.value.code == 0 and json.loads(out)["spec"]["padding_mode"] == "replicate"
    with pytest.raises(SystemExit) as stop:
        main(["verify", "--input", "3", "--kernel", "2", "--padding", "3", "--padding-mode", "reflect"])
    _, err = capsys.readouterr()
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and "padding_mode reflect needs fewer" in err
    with pytest.raises(SystemExit) as stop:
        main(["render", "--network", "x.toml", "--padding-mode", "reflect"])
    _, err = capsys.readouterr()
    assert stop.value.code == 2 and "--padding-mode describes a single layer" in err


def test_networks_written_before_these_fields_keep_their_folders():
    """padding_mode and the pooling settings at their defaults are left out of the folder's digest (the slugs
    below are those the files had before them); set, they give another folder."""
    from dataclasses import replace
    from pathlib import Path

    examples = Path(__file__).parents[1] / "examples"
    net = load_network(examples / "conv_relu_maxpool_dense.toml")
    # the example as it was written then, its flatten column by column (it now flattens row by row, as PyTorch)
    then = replace(net, layers=(*net.layers[:3], replace(net.layers[3], order="column"), *net.layers[4:]))
    assert then.slug() == "net_conv_relu_maxpool_dense_0b4c4d0d" != net.slug()
    assert load_network(examples / "three_layer_cnn.toml").slug() == "net_three_layer_cnn_26031a87"
    changed = replace(net, layers=(replace(net.layers[0], padding_mode="reflect"), *net.layers[1:]))
    assert changed.slug() != net.slug()
