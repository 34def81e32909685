"""LaTeX, Markdown and JSON output: term order, line breaking, escaping, format, golden files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, strategies as st
from sympy import sympify

from symconv import derive
from symconv.rendering.document import TEXT_WIDTH_EM, context
from symconv.rendering.formats import render
from symconv.rendering.json_format import _Plain, _flat, _plain, fast_srepr, to_json
from symconv.rendering.latex import SymconvLatexPrinter, break_lines, join_terms, width
from symconv.rendering.templating import escape_latex
from symconv.spec import ConvSpec

GOLDEN = Path(__file__).parent / "golden"


def printer_for(d):
    return SymconvLatexPrinter(d.latex_names, d.order)


def test_terms_in_row_major_index_order_with_two_digit_indices():
    d = derive(ConvSpec(input=(1, 12), kernel=(1, 1)))
    terms = printer_for(d).terms(d["dL/dK"][0, 0, 0, 0])
    expected = [rf"\frac{{\partial L}}{{\partial y_{{1,{s}}}}}\,x_{{1,{s}}}" for s in range(1, 13)]
    assert terms == expected  # y_{1,2} before y_{1,10}; upstream before input


def test_forward_writes_bias_then_input_before_kernel():
    d = derive(ConvSpec(input=2, kernel=2, bias=True, names="X,F,O"))
    assert printer_for(d).doprint(d["Y"][0, 0, 0]) == (
        r"b + X_{1,1}\,F_{1,1} + X_{1,2}\,F_{1,2} + X_{2,1}\,F_{2,1} + X_{2,2}\,F_{2,2}"
    )


def test_channel_superscripts_and_long_names():
    d = derive(ConvSpec(input=2, kernel=1, in_channels=2, out_channels=2, names="In,w,Out"))
    p = printer_for(d)
    assert p.doprint(d["dL/dX"][1, 0, 1]) == (
        r"\frac{\partial L}{\partial \mathit{Out}^{(1)}_{1,2}}\,w^{(1,2)}_{1,1}"
        r" + \frac{\partial L}{\partial \mathit{Out}^{(2)}_{1,2}}\,w^{(2,2)}_{1,1}"
    )


def test_zero_entry_prints_as_zero():
    d = derive(ConvSpec(input=3, kernel=1, stride=2))
    row = context(d, matrices=False)["sections"][2].blocks[0].rows[1]  # dL/dX at (1, 2): never read
    assert row.lines == ["0"]
    # In the matrix of its expressions, the same entry is a 0.
    assert r"\begin{bmatrix} g_{1,1}\,k_{1,1} & 0 & " in context(d)["sections"][2].overview


@pytest.mark.parametrize(
    "text, low, high",
    [("x", 0.5, 0.6), ("x_{1,1}", 1.0, 1.6), (r"x^{(1)}_{1,1}", 1.2, 1.8), (r"\frac{\partial L}{\partial y_{1,1}}", 1.8, 2.6)],
)
def test_width_estimate(text, low, high):
    assert low <= width(text) <= high


def test_break_lines_fills_evenly_and_keeps_every_term():
    terms = [f"t_{{{n}}}" for n in range(16)]
    lines = break_lines(terms, room=5 * (width(terms[0]) + 1.3) + 0.1)
    assert [line.count("t_") for line in lines] == [4, 4, 4, 4]  # 4 lines needed: spread 16 evenly
    assert " ".join(lines) == " + ".join(terms)  # continuation lines start with their "+"
    assert break_lines([], 10) == ["0"]


def test_negative_terms_are_subtracted():
    assert join_terms(["p_{1}", "- t_{1}"]) == "p_{1} - t_{1}"
    assert join_terms(["-a", "b"]) == "-a + b"
    assert break_lines(["a", "- b", "c"], room=2.0) == ["a", "- b", "+ c"]


def test_every_line_fits_the_page_estimate():
    d = derive(ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True))
    for section in context(d)["sections"]:
        for block in section.blocks:
            for row in block.rows:
                assert all(width(line) <= TEXT_WIDTH_EM - width(row.lhs) - 4.0 for line in row.lines if "+" in line)


def test_escape_latex():
    assert escape_latex(r"a_b & 50% $x$ #1 {y} ~ ^ \cmd") == (
        r"a\_b \& 50\% \$x\$ \#1 \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{}cmd"
    )


def test_json_format():
    spec = ConvSpec(input=(3, 4), kernel=2, in_channels=2, out_channels=3, bias=True, stride=(1, 2))
    d = derive(spec)
    doc = json.loads(to_json(d))
    assert doc["format"] == "symconv-derivation/1"
    assert doc["spec"] == spec.as_dict()
    shapes = {t["name"]: t["shape"] for t in doc["tensors"]}
    assert list(shapes) == ["X", "K", "b", "Y", "dL/dY", "dL/dX", "dL/dK", "dL/db"]
    assert shapes == {"X": [2, 3, 4], "K": [3, 2, 2, 2], "b": [3], "Y": [3, 2, 2], "dL/dY": [3, 2, 2],
                      "dL/dX": [2, 3, 4], "dL/dK": [3, 2, 2, 2], "dL/db": [3]}
    by_name = {t["name"]: t for t in doc["tensors"]}
    assert by_name["X"]["entries"] is None and by_name["X"]["symbols"][1][2][3] == "x_2_3_4"
    assert by_name["Y"]["symbols"][2][1][0] == "y_3_2_1"
    assert by_name["dL/dX"]["symbols"] is None
    # Every entry reads back as the derived SymPy object and uses only earlier tensors' symbols.
    seen: set[str] = set()
    for t in doc["tensors"]:
        if t["entries"] is not None:
            flat = _flatten(t["entries"])
            for text, expr in zip(flat, d[t["name"]].entries):
                parsed = sympify(text)
                assert parsed == expr
                assert {s.name for s in parsed.free_symbols} <= seen
        if t["symbols"] is not None:
            seen |= set(_flatten(t["symbols"]))


def _flatten(nested):
    return [leaf for item in nested for leaf in (_flatten(item) if isinstance(item, list) else [item])]


def test_fast_srepr_reads_back_like_srepr():
    d = derive(ConvSpec(input=3, kernel=2, bias=True))
    for expr in d["Y"].entries + d["dL/dX"].entries + d["dL/db"].entries:
        assert sympify(fast_srepr(expr)) == expr


@given(st.lists(st.one_of(st.text(), st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=127))), min_size=1))
def test_rows_of_plain_strings_are_written_as_json_dumps_writes_them(row):
    """The JSON joins rows of strings that need no escaping directly: the same text as json.dumps."""
    for text in row:
        assert not _plain(text) or json.dumps(text) == f'"{text}"'
    if all(_plain(text) for text in row):
        assert _flat(_Plain(row)) == json.dumps(row)
    assert _flat(row) == json.dumps(row)


def test_markdown_has_display_math():
    md = render(derive(ConvSpec()), ("md",)).files["derivation.md"].decode()
    assert md.count("$$") % 2 == 0 and "\\begin{aligned}" in md
    # The output as one matrix of its entries' expressions, where it fits; else its entries listed.
    assert r"Y = \begin{bmatrix} x_{1,1}\,k_{1,1} + x_{1,2}\,k_{1,2} + x_{2,1}\,k_{2,1} + x_{2,2}\,k_{2,2} & " in md
    listed = render(derive(ConvSpec(input=6, kernel=3)), ("md",)).files["derivation.md"].decode()
    assert r"y_{1,1} &= x_{1,1}\,k_{1,1} + x_{1,2}\,k_{1,2}" in listed


def test_render_is_deterministic():
    spec = ConvSpec(input=4, kernel=2, in_channels=2, bias=True)
    first = render(derive(spec, jacobians=True), ("tex", "md", "html", "json")).files
    second = render(derive(spec, jacobians=True), ("tex", "md", "html", "json")).files
    assert set(first) == {"derivation.tex", "derivation.md", "derivation.html", "derivation.json",
                          "figure-window.svg", "figure-slide.svg", "figure-full.svg"}
    assert first == second


@pytest.mark.parametrize("fmt", ["tex", "md", "json"])
def test_golden_default(fmt, update_golden):
    """The default example's files (render's default layer: with a bias), reviewed in diffs; regenerate
    with pytest --update-golden."""
    data = render(derive(ConvSpec(bias=True)), (fmt,)).files[f"derivation.{fmt}"]
    golden = GOLDEN / f"default.{fmt}"
    if update_golden:
        golden.write_bytes(data)
    assert data == golden.read_bytes()


@pytest.mark.parametrize(
    "spec",
    [
        ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), padding=(1, 0),
                 dilation=(1, 2), bias=True, names="X,F,O"),
        ConvSpec(input=(3, 11), kernel=2, convention="convolution", bias=True, names="a1,B2,c3"),
    ],
)
def test_term_tables_print_like_the_sympy_expressions(spec):
    """The fast path (term tables) writes exactly what the printer writes from the SymPy entries."""
    from symconv.rendering.document import TermPrinter

    d = derive(spec)
    fast = TermPrinter(d)
    for t in d.tensors:
        if t.entries is None:
            continue
        for n, entry in enumerate(t.entries):
            assert fast.terms(t, n)[0] == fast.printer.terms(entry), (t.name, n)


def test_a_tensor_that_fits_is_one_matrix_of_its_expressions_instead_of_a_list():
    ctx = context(derive(ConvSpec()))
    forward, grad_k = ctx["sections"][0], ctx["sections"][1]
    assert forward.overview.startswith(r"Y = \begin{bmatrix} x_{1,1}\,k_{1,1} + ") and not forward.blocks
    assert grad_k.overview.startswith(r"\frac{\partial L}{\partial K} = \begin{bmatrix} g_{1,1}\,x_{1,1} + ")
    assert grad_k.overview.count(r"\\") == 1 and grad_k.overview.count("&") == 2  # 2 x 2
    wide = context(derive(ConvSpec(input=14, kernel=1)))["sections"][0]
    assert wide.overview == "" and len(wide.blocks[0].rows) == 24  # 14 rows: listed instead
    # A single entry (the bias's gradient) is written as itself, not as a 1 x 1 matrix.
    # In a single layer's document it joins the display of its formula (general, at this size, written out).
    bias = next(s for s in context(derive(ConvSpec(bias=True)))["sections"] if s.name == "dL/db")
    assert bias.overview == "" and not bias.blocks
    assert bias.shown_formula[-1] == r"\frac{\partial L}{\partial b} &= g_{1,1} + g_{1,2} + g_{2,1} + g_{2,2}"


def test_a_rational_times_an_upstream_symbol_prints_as_a_small_fraction_first():
    from symconv import load_network

    d = derive(load_network(Path(__file__).parents[1] / "examples" / "three_layer_cnn.toml"))
    text = printer_for(d).doprint(d["dL/dA[2]"].entries[0])
    assert text == r"\tfrac{1}{4}\,\frac{\partial L}{\partial a^{[3](1)}_{1,1}}"


def test_term_table_lines_break_where_one_term_at_a_time_would():
    """TermPrinter.lines measures a whole term table at once (NumPy): the same widths, summed in the same
    order, and so the same line breaks as measuring each term of each entry in turn."""
    from symconv.rendering.document import TermPrinter
    from symconv.rendering.latex import joined_lines, line_starts

    for spec in (ConvSpec(input=7, kernel=3, stride=2, padding=1, in_channels=2, out_channels=3, bias=True),
                 ConvSpec(input=12, kernel=(2, 3), dilation=2, batch=2, convention="convolution")):
        d = derive(spec)
        printer = TermPrinter(d)
        for t in (t for t in d.tensors if t.terms is not None):
            for n in range(len(t.terms.start) - 1):
                lo, hi = t.terms.start[n], t.terms.start[n + 1]
                pairs = list(zip(t.terms.first[lo:hi], t.terms.second[lo:hi]))
                texts = [printer.factor[a] + printer.latex[b] if b >= 0 else printer.latex[a] for a, b in pairs]
                sizes = tuple((printer.width[a] + printer.width[b] + 0.2 if b >= 0 else printer.width[a]) + 1.3
                              for a, b in pairs)
                for room in (12.0, 30.0, 41.3):
                    expected = joined_lines(texts, line_starts(sizes, room)) if pairs else ["0"]
                    assert printer.lines(t, n, room) == expected, (t.name, n, room)


@given(st.text(alphabet="{}ab1,\\^_ ", min_size=1, max_size=16))
def test_a_brace_group_is_read_as_counting_every_brace_would(text):
    """_read_group's shortcut (no brace inside: the first } closes the group) reads what counting the
    depth of every brace reads, on any text, balanced or not."""
    import re

    from symconv.rendering.latex import _read_group

    def counted(start: int) -> tuple[str, int]:
        if text[start] != "{":
            match = re.compile(r"\\([A-Za-z]+|.)").match(text, start)
            end = match.end() if match else start + 1
            return text[start:end], end
        depth = 0
        for brace in re.finditer(r"[{}]", text[start:]):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                return text[start + 1 : start + brace.start()], start + brace.end()
        return text[start + 1 :], len(text)

    for start in range(len(text)):
        assert _read_group(text, start) == counted(start)
