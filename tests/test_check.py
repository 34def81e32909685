"""symconv check: notes with known errors are graded as intended; notation alone never makes a claim wrong."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symconv import ConvSpec, api, derive
from symconv.grading import check_claim, check_claims, check_notes, extract
from symconv.grading.parse import ParseError, parse_index
from symconv.grading.ranges import ALL, parse_range
from symconv.cli import main

from .strategies import conv_specs

NOTES = Path(__file__).parent / "notes"
CLASSIC = derive(ConvSpec())
G = lambda r, s: rf"\frac{{\partial L}}{{\partial y_{{{r}{s}}}}}"  # noqa: E731


def run(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err


def test_notes_with_known_errors_are_graded_as_intended():
    verdicts = check_notes((NOTES / "classic_with_errors.md").read_text(), CLASSIC)
    got = [(v.line, v.status) for v in verdicts]
    assert got == [(5, "right"), (7, "wrong"), (12, "wrong"), (18, "wrong"), (22, "wrong"),
                   (26, "not understood"), (27, "not understood"), (28, "definition"), (29, "not understood")]
    forward, grad_k, grad_x, ranged = verdicts[1:5]
    # A wrong kernel index in a forward entry: k_{21} written where k_{22} belongs.
    assert forward.missing == (r"x_{23}\,k_{22}",) and forward.extra == (r"x_{23}\,k_{21}",)
    assert forward.expected == r"x_{12}\,k_{11} + x_{13}\,k_{12} + x_{22}\,k_{21} + x_{23}\,k_{22}"
    # A wrong input index in a dL/dK entry: x_{32} for x_{23}.
    assert grad_k.missing == (G(2, 2) + r"\,x_{23}",) and grad_k.extra == (G(2, 2) + r"\,x_{32}",)
    # A missing term at the border of a dL/dX entry.
    assert grad_x.missing == (G(2, 2) + r"\,k_{11}",) and grad_x.extra == ()
    # A range formula that fails at the last row: the output has two rows, not three.
    assert ranged.indices_failed == ({"i": 3, "j": 1}, {"i": 3, "j": 2})
    assert "no such entry" in ranged.reason
    # The junk lines are reported, with the reason, never judged (\alpha_{1}, a name of the notes' own given one entry,
    # is a definition).
    reasons = [v.reason for v in verdicts[5:]]
    assert "no '='" in reasons[0] and "empty" in reasons[1] and "\\alpha" in reasons[2] and "')'" in reasons[3]


def test_correct_notes_in_many_notations_pass():
    d = derive(ConvSpec(names="X,F,O"))
    verdicts = check_notes((NOTES / "classic_correct.tex").read_text(), d)
    assert len(verdicts) == 8
    assert all(v.status == "right" for v in verdicts), [(v.line, v.reason, v.expected) for v in verdicts]


@pytest.mark.parametrize("claim", [
    r"y_{1,1} = x_{1,1} k_{1,1} + x_{1,2} k_{1,2} + x_{2,1} k_{2,1} + x_{2,2} k_{2,2}",
    r"y_{11} = k_{22} x_{22} + k_{21} x_{21} + k_{12} x_{12} + k_{11} x_{11}",       # commuted, reordered
    r"y_{1 1} = x_{1 1} \cdot k_{1 1} + x_{1 2} \times k_{1 2} + x_{2}_{1} * k_{2}_{1} + x_{22}k_{22}",
    r"y_{11} = \sum_{p=1}^{2} \sum_{q=1}^{2} x_{p,q} k_{p,q}",
    r"\frac{\partial L}{\partial x_{1,2}} = \partial L / \partial y_{1,1} \, k_{1,2} + \frac{\partial L}{\partial y_{1,2}} k_{1,1}",
    r"\frac{\partial L}{\partial k_{1,1}} = \left( \frac{\partial L}{\partial y_{11}} x_{11} + \frac{\partial L}{\partial y_{12}} x_{12} \right) + \frac{\partial L}{\partial y_{21}} x_{21} + \frac{\partial L}{\partial y_{22}} x_{22}",
    r"\dfrac{\partial \mathcal{L}}{\partial x_{3,3}} = \frac{\partial \mathcal{L}}{\partial y_{2,2}} k_{2,2}",
])
def test_notation_alone_never_makes_a_claim_wrong(claim):
    verdict = check_claim(claim, CLASSIC)
    assert verdict.status == "right", (verdict.reason, verdict.missing, verdict.extra)


@pytest.mark.parametrize("claim, status", [
    (r"y_{11} = x_{11} k_{11} + x_{12} k_{12} + x_{21} k_{21}", "wrong"),                 # a term short
    (r"y_{11} = x_{11} k_{11} + x_{12} k_{12} + x_{21} k_{21} + 2 x_{22} k_{22}", "wrong"),  # a coefficient
    (r"y_{11} = x_{11} k_{11} + x_{12} k_{12} + x_{21} k_{21} + x_{22} k_{22} + 0", "right"),
    (r"\frac{\partial y_{11}}{\partial x_{33}} = 0", "right"),
    (r"\frac{\partial y_{11}}{\partial x_{33}} = k_{11}", "wrong"),
    (r"x_{11} = 3", "definition"),                          # an input is given a value (for worked numbers)
    (r"x_{11} = k_{11}", "not understood"),                 # an input is not derived
    (r"y_{11}", "not understood"),
    (r"y_{11} = x_{11}^{99} k_{11}", "not understood"),
    (r"y_{11} = \sum_{r=1}^{100000} x_{r,1}", "not understood"),
    (r"y_{i,j} = x_{i,j} k_{1,1}", "wrong"),
    (r"y_{11} = x_{1,1} k_{1,1} \quad \text{for } q = 1", "not understood"),   # a range of an unused index
    (r"y_{1,1} = x_{q,1} k_{1,1}", "not understood"),                         # an index with no range
], ids=range(13))
def test_claims_are_judged_exactly(claim, status):
    assert check_claim(claim, CLASSIC).status == status


def test_correct_expression_is_written_in_the_claims_notation():
    compact = check_claim(r"\frac{\partial C}{\partial x_{11}} = 0", CLASSIC)
    assert compact.expected == r"\frac{\partial C}{\partial y_{11}}\,k_{11}"
    spaced = check_claim(r"\frac{\partial L}{\partial x_{1,1}} = 0", CLASSIC)
    assert spaced.expected == r"\frac{\partial L}{\partial y_{1,1}}\,k_{1,1}"


def test_channels_stride_padding_and_bias():
    d = derive(ConvSpec(input=4, kernel=2, stride=2, padding=1, in_channels=2, out_channels=2, bias=True))
    # y^{(2)}_{1,1} reads only the top-left input entry of each channel, through k_{2,2}.
    right = r"y^{(2)}_{1,1} = b_{2} + x^{(1)}_{1,1} k^{(2,1)}_{2,2} + x^{(2)}_{1,1} k^{(2,2)}_{2,2}"
    assert check_claim(right, d).status == "right"
    wrong = check_claim(r"y^{(2)}_{1,1} = x^{(1)}_{1,1} k^{(2,1)}_{2,2} + x^{(2)}_{1,1} k^{(2,2)}_{2,2}", d)
    assert wrong.status == "wrong" and wrong.missing == ("b_{2}",)
    grad_b = r"\frac{\partial L}{\partial b_{m}} = \sum_{r,s} \frac{\partial L}{\partial y^{(m)}_{r,s}} \quad \forall m"
    assert check_claim(grad_b, d).status == "right"
    assert "channels" in check_claim(r"y_{1,1} = 0", d).reason


def test_general_kernel_gradient_with_stride_and_dilation():
    d = derive(ConvSpec(input=(5, 6), kernel=2, stride=(2, 1), dilation=(1, 2)))
    claim = (r"\frac{\partial L}{\partial k_{p,q}} = \sum_{r,s} \frac{\partial L}{\partial y_{r,s}} "
             r"x_{2r+p-2, s+2q-2} \quad \forall p, q")
    assert check_claim(claim, d).status == "right"
    off = check_claim(claim.replace("2r+p-2", "2r+p-1"), d)
    assert off.status == "wrong" and len(off.indices_failed) == 4


# --- the pieces -----------------------------------------------------------------------------------


def test_extract_blocks_claims_lines_and_ranges():
    text = "a\n$$ y_{11} = 1, \\quad y_{12} = 2 $$\n\\begin{align}\ny_{21} &= 3 \\\\\n  &\\quad + 4 \\quad \\text{for } i = 1\n\\end{align}\n"
    claims = extract(text)
    assert [(c.line, c.text, c.range) for c in claims] == [
        (2, "y_{11} = 1", ""), (2, "y_{12} = 2", ""), (4, "y_{21} = 3 + 4", r"\text{for } i = 1"),
    ]


@pytest.mark.parametrize("text, expected", [
    (r"\text{for } i = 2, 3 \text{ and } j = 1, 2, 3", {"i": [2, 3], "j": [1, 2, 3]}),
    (r"\forall r, s", {"r": ALL, "s": ALL}),
    (r"for i, j = 1, \ldots, 3", {"i": [1, 2, 3], "j": [1, 2, 3]}),
    (r"1 \le i \le 3, j = 2", {"i": [1, 2, 3], "j": [2]}),
    (r"i \in \{1, 2\}; j = 1..2", {"i": [1, 2], "j": [1, 2]}),
])
def test_ranges(text, expected):
    assert parse_range(text) == expected


def test_index_expressions():
    assert parse_index("r+i-1").value({"r": 2, "i": 3}) == 4
    assert parse_index("2r - 1").value({"r": 3}) == 5
    with pytest.raises(ParseError):
        parse_index("k_h")


# --- junk: a report or a clear error, never a traceback, within seconds ---------------------------


PIECES = list("$\\{}[]()_^=+-*/,&xyk0123 \n") + [r"\frac", r"\partial", r"\sum", "L", r"\\", r"\quad", "for i = ",
                                                 "\x00", "é", "$$ y_{11} = ", r"\[", r"\]", r"\forall"]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(PIECES), max_size=80).map("".join))
def test_random_latex_never_crashes(text):
    for verdict in check_notes(text, CLASSIC):  # a definition ($L=x$ names x) is a verdict too
        assert verdict.status in ("right", "wrong", "not understood", "definition")


def test_unbalanced_and_deeply_nested_input():
    text = "$$ y_{11 = x_{11} $$ $$ y_{11} = " + "(" * 3000 + " $$ \\[ \\frac{ \\]"
    verdicts = check_notes(text, CLASSIC)
    assert verdicts and all(v.status == "not understood" for v in verdicts)


def test_a_large_file_is_read_in_seconds(tmp_path):
    line = "$$ y_{11} = x_{11} k_{11} $$ junk } { \\frac \n"
    text = line * (1_900_000 // len(line))
    start = time.perf_counter()
    verdicts = check_notes(text, CLASSIC)
    assert len(verdicts) > 10_000 and time.perf_counter() - start < 60  # generous: a hang, not a benchmark


def test_cli_reports_json_and_exit_status(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run(["check", str(NOTES / "classic_with_errors.md"), "--format", "json"], capsys)
    assert code == 1, err
    report = json.loads(out)["verdicts"]
    assert [r["status"] for r in report][:3] == ["right", "wrong", "wrong"]
    assert set(report[1]) == {"line", "claim", "status", "indices_failed", "missing", "extra", "expected"}
    code, out, err = run(["check", str(NOTES / "classic_correct.tex"), "--names", "X,F,O"], capsys)
    assert code == 0 and "8 claims: 8 right, 0 wrong, 0 not understood" in out
    code, out, err = run(["check", "--claim", "y_{11} = x_{11} k_{11}"], capsys)
    assert code == 1 and "missing: x_{12}\\,k_{12} + x_{21}\\,k_{21} + x_{22}\\,k_{22}" in out
    assert not (tmp_path / "output").exists()


def test_cli_reads_a_bias_when_the_notes_write_one_and_none_when_they_do_not(capsys, tmp_path):
    # render's default document (a bias) read back by check without options: every worked number right
    path = tmp_path / "derivation.md"
    path.write_bytes(api.render(ConvSpec(bias=True), formats=("md",)).files["derivation.md"])
    code, out, err = run(["check", str(path)], capsys)
    assert code == 0, out
    said = re.search(r"; a bias per output channel \(the notes write one, line (\d+)\)$", out.splitlines()[0])
    assert said and " b + " in path.read_text().splitlines()[int(said[1]) - 1], out.splitlines()[0]
    forward = "y_{1,1} = x_{1,1} k_{1,1} + x_{1,2} k_{1,2} + x_{2,1} k_{2,1} + x_{2,2} k_{2,2}"
    code, out, _ = run(["check", "--claim", forward], capsys)
    assert code == 0 and "no bias (the notes write none)" in out.splitlines()[0]
    code, out, _ = run(["check", "--claim", forward + " + b", "--format", "json"], capsys)
    assert code == 0 and json.loads(out)["conventions"]["bias"] is True
    # said on the command line, the layer is as said: the same forward rule without b is then missing b
    code, out, _ = run(["check", "--claim", forward, "--bias"], capsys)
    assert code == 1 and "missing: b" in out and "bias" not in out.splitlines()[0]
    code, out, _ = run(["check", "--claim", forward + " + b", "--no-bias"], capsys)
    assert code == 0 and "unknown name 'b'" in out


@pytest.mark.parametrize("content, message", [
    (b"\x00\x01binary\xff", "not a text file"),
    (b"$$ y_{11} = 0 $$\n" * 200_000, "larger than 2 MB"),
], ids=["binary", "10MB-like"])
def test_cli_refuses_binary_and_huge_notes_in_one_line(content, message, capsys, tmp_path):
    path = tmp_path / "notes.md"
    path.write_bytes(content * (3 if message.startswith("larger") else 1))
    code, out, err = run(["check", str(path)], capsys)
    assert code == 2 and message in err and err.count("\n") == 1


def test_cli_usage_errors(capsys, tmp_path):
    assert run(["check"], capsys)[0] == 2
    code, _, err = run(["check", "--input", "4", "--network", "x.toml", "--claim", "y_{11} = 0"], capsys)
    assert code == 2 and "--input describes a single layer" in err


# --- networks --------------------------------------------------------------------------------------

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_every_row_of_a_network_document_is_right_or_outside_the_notation():
    from symconv import load_network
    from symconv.rendering.document import context

    d = derive(load_network(EXAMPLES / "three_layer_cnn.toml"))
    ctx = context(d, all_entries=True, input_gradient=True)
    rows = [row for section in ctx["sections"] for block in section.blocks for row in block.rows
            if not row.chain]
    # The document writes the upstream gradient delta^{[l]} (and defines it in its introduction).
    verdicts = [check_claim(f"{row.lhs} = {' '.join(row.lines)}", d, upstream_symbol=r"\delta") for row in rows]
    # Every row is right, the sigmoid's e^{-z}, the softmax, the loss's log and relu's indicator
    # included (issue 16): none is "not understood".
    assert {v.status for v in verdicts} == {"right"} and len(verdicts) > 400, \
        [(v.claim, v.reason) for v in verdicts if v.status != "right"][:3]
    # Vectors that fit on a line are one transposed row of expressions instead, [..]^T: read whole, and right.
    matrices = [v for s in ctx["sections"] if s.overview
                for v in check_notes(f"$$\n{s.overview}\n$$\n", d, upstream_symbol=r"\delta")]
    assert all(r"\end{bmatrix}^{\mathsf{T}}" in s.overview for s in ctx["sections"] if s.overview)
    assert len(matrices) > 10 and all(v.status == "right" for v in matrices), [(v.claim, v.reason) for v in matrices
                                                                              if v.status != "right"][:3]


@pytest.mark.parametrize("name", ["formula_layers", "conv_relu_maxpool_dense"])
def test_a_network_with_formula_layers_or_relu_reads_back_right(name):
    """A network with layers given by their formulas (pieces, Abs, sign) or relu and max pooling
    (indicators), read back row by row and matrix by matrix: every claim right (issue 16)."""
    from symconv import load_network
    from symconv.rendering.document import context

    d = derive(load_network(EXAMPLES / f"{name}.toml"))
    ctx = context(d, all_entries=True, input_gradient=True)
    rows = [row for section in ctx["sections"] for block in section.blocks for row in block.rows if not row.chain]
    verdicts = [check_claim(f"{row.lhs} = {' '.join(row.lines)}", d, upstream_symbol=r"\delta") for row in rows]
    verdicts += [v for s in ctx["sections"] if s.overview
                 for v in check_notes(f"$$\n{s.overview}\n$$\n", d, upstream_symbol=r"\delta")]
    assert verdicts and all(v.status == "right" for v in verdicts), [(v.claim, v.reason) for v in verdicts
                                                                     if v.status != "right"][:3]


@pytest.mark.parametrize("claim, status", [
    (r"a^{[2](1)}_{1,1} = \frac{1}{1 + e^{-a^{[1](1)}_{1,1}}}", "right"),
    (r"a^{[2](1)}_{1,1} = \sigma(a^{[1](1)}_{1,1})", "right"),
    (r"a^{[2](1)}_{1,1} = \frac{1}{1 + \exp(-a^{[1](1)}_{1,1})}", "right"),
    (r"a^{[2](1)}_{1,1} = \frac{1}{1 + e^{a^{[1](1)}_{1,1}}}", "wrong"),
    (r"L = -t_{1} \log p_{1} - t_{2} \log p_{2} - t_{3} \log p_{3}", "right"),
    (r"L = -\sum_{k=1}^{3} t_{k} \ln(p_{k})", "right"),
], ids=range(6))
def test_check_reads_exp_log_and_the_sigmoid(claim, status):
    from symconv import load_network

    d = derive(load_network(EXAMPLES / "three_layer_cnn.toml"))
    assert check_claim(claim, d).status == status


@pytest.mark.parametrize("claim, status", [
    (r"\frac{\partial L}{\partial a^{[1](1)}_{1,1}} = \frac{\partial L}{\partial a^{[2](1)}_{1,1}} \mathbb{1}[a^{[1](1)}_{1,1} > 0]",
     "right"),
    (r"\frac{\partial L}{\partial a^{[1](1)}_{1,1}} = \frac{\partial L}{\partial a^{[2](1)}_{1,1}} \mathbf{1}\{a^{[1](1)}_{1,1} < 0\}",
     "wrong"),
    (r"a^{[2](1)}_{1,1} = \operatorname{relu}(a^{[1](1)}_{1,1})", "right"),
    (r"a^{[2](1)}_{1,1} = \max(0, a^{[1](1)}_{1,1})", "right"),
], ids=range(4))
def test_check_reads_relu_and_its_indicator(claim, status):
    from symconv import load_network

    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    verdict = check_claim(claim, d)
    assert verdict.status == status, verdict.reason


@pytest.mark.parametrize("claim, status", [
    (r"\frac{\partial L}{\partial W^{[5]}_{1,2}} = \frac{\partial L}{\partial a^{[5]}_{1}} a^{[4]}_{2}", "right"),
    (r"\frac{\partial L}{\partial W^{[5]}_{1,2}} = \frac{\partial L}{\partial a^{[5]}_{2}} a^{[4]}_{1}", "wrong"),
    (r"\frac{\partial L}{\partial a^{[5]}_{k}} = p_{k} - t_{k} \quad \forall k", "right"),
    (r"\frac{\partial L}{\partial a^{[4]}_{i}} = \sum_{o} \frac{\partial L}{\partial a^{[5]}_{o}} W^{[5]}_{o,i} \quad \forall i",
     "right"),
    (r"a^{[5]}_{1} = b^{[5]}_{1} + \sum_{i=1}^{8} W^{[5]}_{1,i} a^{[4]}_{i}", "right"),
    (r"a^{[1](2)}_{1,1} = b^{[1]}_{2} + \sum_{p,q} x_{p,q} k^{[1](2,1)}_{p,q}", "right"),
    (r"a_{1,1} = 0", "not understood"),             # which layer?
    (r"a^{[9]}_{1} = 0", "not understood"),         # no such layer
], ids=range(8))
def test_network_claims(claim, status):
    from symconv import load_network

    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    verdict = check_claim(claim, d)
    assert verdict.status == status, (verdict.reason, verdict.missing, verdict.extra)


def test_cli_checks_a_network_claim(capsys):
    args = ["check", "--network", str(EXAMPLES / "conv_relu_maxpool_dense.toml"), "--claim",
            r"\frac{\partial L}{\partial a^{[5]}_{k}} = p_{k} - t_{k} \quad \forall k"]
    code, out, err = run(args, capsys)
    assert code == 0, out + err
    assert "1 claim: 1 right" in out


def test_the_package_exports_the_check_function():
    import symconv

    assert callable(symconv.check)
    verdict = symconv.check(None, CLASSIC, claims=[r"y_{11} = x_{11} k_{11}"])[0]
    assert verdict.status == "wrong" and len(verdict.missing) == 3


@settings(max_examples=25)
@given(conv_specs(max_input=5, max_kernel=3, max_channels=2))
def test_every_entry_symconv_writes_is_read_back_as_right(spec):
    """The renderer and the grader agree: each row of the document, as a claim, is right."""
    from symconv.rendering.document import context

    d = derive(spec)
    ctx = context(d, matrices=False)  # every entry as a row (the matrices hold the same expressions)
    claims = []
    for section in ctx["sections"]:
        for block in section.blocks:
            claims += [f"{row.lhs} = {' '.join(row.lines)}" for row in block.rows]
    # The rows write the upstream gradient g_{r,s}, which the document's introduction defines.
    definition, *verdicts = check_claims([ctx["upstream_definition"], *claims], d)
    assert definition.status == "definition"
    assert all(v.status == "right" for v in verdicts), [(v.claim, v.reason, v.missing, v.extra) for v in verdicts
                                                        if v.status != "right"][:3]
    # ... and the same row with its last term dropped is wrong, that term named as missing.
    longest = max(claims, key=lambda c: c.count(" + "))
    if " + " in longest:
        head, _, last = longest.rpartition(" + ")
        verdict = check_claims([ctx["upstream_definition"], head], d)[1]
        assert verdict.status == "wrong" and len(verdict.missing) == 1 and not verdict.extra


def test_the_document_of_a_layer_with_long_names_and_channels_reads_back_as_right():
    from symconv.rendering.document import context

    d = derive(ConvSpec(input=(4, 3), kernel=2, in_channels=2, out_channels=2, stride=(2, 1), padding=1, bias=True,
                        names="Xin,Filter,Out"))
    ctx = context(d, matrices=False)
    rows = [row for section in ctx["sections"] for block in section.blocks for row in block.rows]
    assert len(rows) > 40
    definition, *verdicts = check_claims([ctx["upstream_definition"], *(f"{row.lhs} = {' '.join(row.lines)}"
                                                                         for row in rows)], d)
    assert definition.status == "definition" and ctx["upstream_definition"].startswith("g^{(m)}_{r,s}")
    for row, verdict in zip(rows, verdicts):
        assert verdict.status == "right", (row.lhs, verdict.reason)
