"""symconv check reads the notations students write: aligned blocks, inline math, comments, bare ranges,
defined upstream symbols, other loss notations, bracket indexing and matrix claims.

Every expected verdict here is worked out by hand from the definition of the 3x3 input, 2x2 kernel
layer (y_{ij} = sum_{p,q} x_{i+p-1,j+q-1} k_{pq}), never from symconv's output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network
from symconv.grading import check_claims, check_notes, extract

CLASSIC = derive(ConvSpec())
Y11 = r"x_{11}k_{11} + x_{12}k_{12} + x_{21}k_{21} + x_{22}k_{22}"
Y12 = r"x_{12}k_{11} + x_{13}k_{12} + x_{22}k_{21} + x_{23}k_{22}"
DK11 = r"\delta_{11} x_{11} + \delta_{12} x_{12} + \delta_{21} x_{21} + \delta_{22} x_{22}"


def verdicts(notes: str, **kw):
    return [(v.line, v.status) for v in check_notes(notes, CLASSIC, **kw)]


def test_aligned_gathered_split_and_array_inside_display_math():
    notes = (f"$$\\begin{{aligned}}\ny_{{11}} &= {Y11} \\\\\ny_{{12}} &= {Y11}\n\\end{{aligned}}$$\n"
             f"$$\\begin{{gathered}} y_{{11}} = {Y11} \\end{{gathered}}$$\n"
             f"\\[\\begin{{split}} y_{{12}} &= {Y12} \\end{{split}}\\]\n"
             f"$$\\begin{{array}}{{rcl}} y_{{12}} & = & {Y12} \\end{{array}}$$\n")
    assert verdicts(notes) == [(2, "right"), (3, "wrong"), (5, "right"), (6, "right"), (7, "right")]


def test_latex_comments_are_not_read():
    notes = ("\\section{Forward}\n% y_{11} = 0 is a note to self\n"
             f"\\begin{{align}}\n  y_{{11}} &= {Y11} % the first window\n\\end{{align}}\n")
    assert verdicts(notes) == [(4, "right")]


@pytest.mark.parametrize("range_text, status", [
    (r"\qquad j = 1", "right"),
    (r"\qquad i,j = 1,2", "right"),
    (r"\quad (i = 1)", "right"),
    (r"\quad 1 \le i \le 2", "right"),
    (r"\quad 1 \le i \le 3", "wrong"),  # the output has 2 rows
    (r", \quad i = 1, 2", "right"),
    (r"\quad \forall\, i,j", "right"),
])
def test_ranges_written_without_for(range_text, status):
    claim = (r"y_{i,j} = x_{i,j}k_{11} + x_{i,j+1}k_{12} + x_{i+1,j}k_{21} + x_{i+1,j+1}k_{22}" + range_text)
    got = check_notes(f"$$ {claim} $$", CLASSIC)
    assert [v.status for v in got] == [status], [(v.claim, v.reason) for v in got]


def test_the_range_may_come_first():
    claim = r"\forall\, m,n : \frac{\partial L}{\partial k_{mn}} = \sum_{r,s} \frac{\partial L}{\partial y_{rs}} x_{r+m-1,s+n-1}"
    assert verdicts(f"$$ {claim} $$") == [(1, "right")]


@pytest.mark.parametrize("definition", [
    r"\delta_{ij} := \frac{\partial L}{\partial y_{ij}}",
    r"\delta_{ij} \equiv \frac{\partial L}{\partial y_{ij}}",
    r"\delta_{ij} = \frac{\partial L}{\partial y_{ij}}",
    r"\frac{\partial L}{\partial y_{ij}} =: \delta_{ij}",
    r"\delta \coloneqq \frac{\partial L}{\partial Y}",
])
def test_an_upstream_symbol_the_notes_define(definition):
    notes = f"Let $ {definition} $. Then\n$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11} $$\n" \
            f"$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11} + \\delta_{{11}} x_{{12}} $$"
    assert verdicts(notes) == [(1, "definition"), (2, "right"), (3, "wrong")]


def test_other_names_for_the_upstream_symbol_and_the_option():
    for name in ("g", r"\tilde{y}", "G"):
        notes = f"$$ {name}_{{rs}} := \\frac{{\\partial L}}{{\\partial y_{{rs}}}} $$ $$ \\frac{{\\partial L}}{{\\partial b}} = 0 $$"
        notes += f"$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11.replace(chr(92) + 'delta', name)} $$"
        assert [s for _, s in verdicts(notes)][2] == "right", name
    # Without a definition in the notes, --upstream-symbol says what the symbol is.
    assert verdicts(f"$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11} $$", upstream_symbol="\\delta") == [(1, "right")]
    # Without either, the name is read by meaning: the one value that makes the claim hold, said in the report.
    (undefined,) = check_notes(f"$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11} $$", CLASSIC)
    assert undefined.status == "right" and "\\delta as dL/d(the output of layer 1 (conv))" in undefined.reason


@pytest.mark.parametrize("claim, status", [
    (r"\partial_{x_{11}} L = \frac{\partial L}{\partial y_{11}} k_{11}", "right"),
    (r"\nabla_{x_{11}} L = \frac{\partial L}{\partial y_{11}} k_{12}", "wrong"),
    (r"(\nabla_K L)_{21} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}} x_{i+1,j}", "right"),
    (r"\left(\frac{\partial L}{\partial K}\right)_{12} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}} x_{i,j+1}", "right"),
    (r"\frac{\partial \mathcal{L}}{\partial x_{11}} = \frac{\partial \mathcal{L}}{\partial y_{11}} k_{11}", "right"),
    (r"\frac{\partial \ell}{\partial x_{11}} = \frac{\partial \ell}{\partial y_{11}} k_{11}", "right"),
    (r"\frac{\partial E}{\partial x_{11}} = \frac{\partial E}{\partial y_{11}} k_{11}", "right"),
    (r"\frac{\partial J}{\partial x_{11}} = \frac{\partial J}{\partial y_{11}} k_{22}", "wrong"),
    (r"y_{11} = X[1,1] K[1,1] + X[1,2] K[1,2] + X(2,1) K(2,1) + X(2,2) K(2,2)", "right"),
    (r"y_{11} = X[1,1] K[1,1]", "wrong"),
    (r"Y_{12} = " + Y12, "right"),
    # an entry written with numbers outside the 3x3 input is wrong, not a silent 0
    (r"y_{11} = " + Y11 + r" + x_{4,4} k_{2,2}", "wrong"),
    # a fraction that cancels is what it equals
    (r"y_{11} = \frac{2 x_{11} k_{11} x_{12}}{2 x_{12}} + x_{12}k_{12} + x_{21}k_{21} + x_{22}k_{22}", "right"),
    (r"y_{11} = \frac{(x_{11} + x_{12}) (x_{11} k_{11} + x_{12} k_{12})}{x_{11} + x_{12}} + x_{21}k_{21} + x_{22}k_{22}", "right"),
    # an equation between two expressions is judged by their values: (y_{11})^2 is not x_{11}^2
    (r"y_{11}^{2} = x_{11}^{2}", "wrong"),
    (r"y_{11}^{2} - y_{11}^{2} = 0", "right"),
    (r"\frac{\partial L}{\partial b} = \mathbf{1}^\top G \mathbf{1}", "not understood"),
])
def test_notations_for_the_loss_entries_and_fractions(claim, status):
    (v,) = check_claims([claim], CLASSIC)
    assert v.status == status, (v.reason, v.missing, v.extra)


def test_the_loss_symbol_is_kept_in_the_feedback():
    (v,) = check_claims([r"\frac{\partial \mathcal{L}}{\partial x_{12}} = \frac{\partial \mathcal{L}}{\partial y_{11}} k_{12}"], CLASSIC)
    assert v.status == "wrong" and r"\partial \mathcal{L}" in v.missing[0]


def test_messages_for_whole_tensors_and_outside_entries():
    (whole,) = check_claims([r"y_{11} = X"], CLASSIC)
    assert whole.status == "not understood" and "3 x 3" in whole.reason and "one entry" in whole.reason
    (outside,) = check_claims([r"y_{11} = " + Y11 + r" + x_{4,4} k_{2,2}"], CLASSIC)
    assert "x_{4,4} is not an entry" in outside.reason
    # A vector of ones is as long as its product needs: the bias's gradient sums G (a layer with a bias).
    biased = derive(ConvSpec(bias=True))
    (ones,) = check_claims([r"\frac{\partial L}{\partial b} = \mathbf{1}^\top G \mathbf{1}"], biased, upstream_symbol="G")
    assert ones.status == "right", ones
    (twice,) = check_claims([r"\frac{\partial L}{\partial b} = 2\,\mathbf{1}^\top G \mathbf{1}"], biased, upstream_symbol="G")
    assert twice.status == "wrong", twice


def test_inline_math_in_sentences():
    notes = (f"The first output is $y_{{11}} = {Y11}$, and \\(y_{{12}} = {Y11}\\) is the second; the input "
             "$x_{11}$ alone is no claim, and this costs $5 or $6.\n\n"
             f"Last, $y_{{12}} = {Y12}$.\n")
    assert verdicts(notes) == [(1, "right"), (1, "wrong"), (3, "right")]


def test_a_matrix_claim_is_judged_entry_by_entry_on_the_line_of_its_row():
    notes = ("$$\n\\nabla_K L = \\begin{pmatrix}\n"
             "  \\sum_{r,s} \\frac{\\partial L}{\\partial y_{rs}} x_{rs} & \\sum_{r,s} \\frac{\\partial L}{\\partial y_{rs}} x_{r,s+1} \\\\\n"
             "  \\sum_{r,s} \\frac{\\partial L}{\\partial y_{rs}} x_{r+1,s} & \\sum_{r,s} \\frac{\\partial L}{\\partial y_{rs}} x_{r,s}\n"
             "\\end{pmatrix}\n$$\n"
             "$$ \\frac{\\partial L}{\\partial Y} = \\begin{bmatrix} 1 & 2 \\end{bmatrix} $$")
    got = check_notes(notes, CLASSIC)
    assert [(v.line, v.status) for v in got][:4] == [(3, "right"), (3, "right"), (4, "right"), (4, "wrong")]
    assert [v.status for v in got[4:]] == ["wrong", "wrong"]  # dL/dy_{11} is a symbol of its own, not 1


def test_each_claim_is_reported_on_its_own_line():
    notes = ("\\begin{align}\n"
             f"  y_{{11}} &= {Y11}, & y_{{12}} &= {Y12} \\\\\n"
             "  \\frac{\\partial L}{\\partial x_{11}}\n"
             "    &= \\frac{\\partial L}{\\partial y_{11}} k_{11} \\\\\n"
             f"  y_{{12}} &= x_{{12}}k_{{11}} + x_{{13}}k_{{12}} \\\\\n"
             f"  &\\quad + x_{{22}}k_{{21}} + x_{{23}}k_{{22}}\n"
             "\\end{align}\n")
    assert verdicts(notes) == [(2, "right"), (2, "right"), (3, "right"), (5, "right")]


def test_an_unclosed_display_is_reported_not_hidden():
    got = check_notes(f"$$ y_{{11}} = {Y11} $$\n\\[ y_{{12}} = 0\n\nmore text", CLASSIC)
    assert [(v.line, v.status) for v in got] == [(1, "right"), (2, "not understood")]
    assert "never closed" in got[1].reason


def test_network_bias_and_upstream_symbol():
    d = derive(load_network("examples/conv_relu_maxpool_dense.toml"))
    bias = [v.status for v in check_claims([r"\frac{\partial L}{\partial b^{[5]}_{k}} = \frac{\partial L}{\partial a^{[5]}_{k}} \quad \forall k"], d)]
    assert bias == ["right"]
    conv_bias = check_claims([r"\frac{\partial L}{\partial b^{[1]}_{1}} = \sum_{i,j} \frac{\partial L}{\partial a^{[1](1)}_{i,j}}"], d)
    assert [v.status for v in conv_bias] == ["right"], conv_bias[0].reason
    delta = check_claims([r"\frac{\partial L}{\partial b^{[5]}_{k}} = \delta^{[5]}_{k} \quad \forall k"], d, upstream_symbol="\\delta")
    assert [v.status for v in delta] == ["right"], delta[0].reason


def test_extraction_keeps_the_range_of_a_bare_range_piece():
    claims = extract(r"$$ y_{i,1} = x_{i,1}, \qquad i = 1, 2 $$")
    assert [(c.text, c.range) for c in claims] == [("y_{i,1} = x_{i,1}", "i = 1, 2")]


def test_a_file_of_inline_claims_with_three_mistakes_exits_1(tmp_path, capsys):
    from symconv.cli import main

    notes = tmp_path / "inline.md"
    notes.write_text(f"We get $y_{{11}} = {Y11}$ and $y_{{12}} = {Y11}$. The kernel gradient is "
                     "\\(\\frac{\\partial L}{\\partial k_{11}} = \\frac{\\partial L}{\\partial y_{11}} x_{11}\\), "
                     "and $\\frac{\\partial L}{\\partial x_{11}} = \\frac{\\partial L}{\\partial y_{11}} k_{22}$.\n")
    with pytest.raises(SystemExit) as stop:
        main(["check", str(notes)])
    out, err = capsys.readouterr()
    assert stop.value.code == 1 and "4 claims: 1 right, 3 wrong" in out, out + err


@pytest.mark.parametrize("spec", [ConvSpec(), ConvSpec(input=(4, 4), kernel=(2, 2), stride=2, padding=1, bias=True),
                                  ConvSpec(input=(3, 3), in_channels=2, out_channels=2, bias=True, names="X,F,O")])
def test_symconvs_own_markdown_reads_back_right(spec):
    from symconv import render

    # The worked example's numbers are arithmetic at values no claim gives: never called wrong.
    with_example = check_notes(render(derive(spec), ("md",)).files["derivation.md"].decode(), derive(spec))
    assert not [v for v in with_example if v.status == "wrong"]
    markdown = render(derive(spec), ("md",), example=None).files["derivation.md"].decode()
    got = check_notes(markdown, derive(spec))
    assert not [v for v in got if v.status == "wrong"]
    # The derivation itself, up to the closing sections (the layer in a network writes C_out and N, symbols with
    # no numbers here; the exercises a loss and a layer at another stride): what follows is read of it.
    got = check_notes(markdown[:markdown.index("## In a network")], derive(spec))
    unread = [v.claim for v in got if v.status == "not understood"]
    # The formulas in symbols for any size read at this layer's sizes: rho_h(r, p) and rho_w(s, q), which the notes
    # define after the formulas that use them, are index functions (the output's, the kernel's and the input's
    # formulas right, the two definitions read as such), and the bias's sum to H_o and W_o is right.
    symbols = [v for v in got if r"\rho_h(r, p)" in v.claim or r"\rho_w(s, q)" in v.claim]
    assert sorted(v.status for v in symbols) == ["definition"] * 2 + ["right"] * 3, [(v.claim, v.reason) for v in symbols]
    bias = [v for v in got if r"\sum_{r=1}^{H_o} \sum_{s=1}^{W_o}" in v.claim]
    assert {v.status for v in bias} == {"right"} and (r"\partial b" in " ".join(v.claim for v in bias)) == spec.bias
    # The output-size formula and the results in matrix form (correlations of whole matrices, outside check's entry
    # notation) stay unread; every entry and every index formula at this layer's settings is read.
    # (A single entry read from a matrix of expressions, "(\frac{\partial L}{\partial K})_{1,1} = ...",
    # is read and graded like the others.)
    # Beside boxes without a stride or padding, the same results for any (padded input, dilated upstream gradient).
    general = [claim for claim in unread if r"\operatorname{spread}_S" in claim or r"\operatorname{crop}\Bigl(" in claim]
    assert len(general) <= 2
    unread = [claim for claim in unread if claim not in general]
    # the operators' definitions before the results (the correlation, the rotation), in symbols for any matrices
    # (and the general forms' own: the correlation taken D apart, and the decorated matrices that are the plain ones at
    # stride 1, X~ = X); rot180 defined with the input's gradient, in the layer's own kernel name (F with names X,F,O)
    unread = [claim for claim in unread if not claim.startswith((r"(U \star V)_{r,s}", r"\operatorname{rot}_{180}(",
                                                                  r"(U \star_D V)_{p,q}", r"\tilde{", r"\bar{"))]
    assert all(claim.startswith(("H_o", "W_o", r"\boxed")) for claim in unread), unread
    assert sum(claim.startswith(r"\boxed") for claim in unread) <= 3
    assert sum(v.status == "right" for v in got) > 10


@pytest.mark.parametrize("prose", [
    r"Let $\bar{y}_{ij}$ be $\partial L / \partial y_{ij}$ (from the layer after).",
    r"We write $g_{ij}$ for $\frac{\partial L}{\partial y_{ij}}$.",
    r"Denote $\frac{\partial L}{\partial y_{ij}}$ by $\bar{y}_{ij}$.",
    r"Here $\bar{y}_{ij}$ denotes $\partial L/\partial y_{ij}$.",
    # the same in the languages courses are taught in (UFLDL's Chinese translation writes 定义为)
    r"其残差 $g_{ij}$ 定义为 $\frac{\partial L}{\partial y_{ij}}$。",
    r"Ici $g_{ij}$ désigne $\partial L / \partial y_{ij}$.",
    r"Hier ist $g_{ij}$ definiert als $\partial L / \partial y_{ij}$.",
    r"El residuo $g_{ij}$ se define como $\partial L / \partial y_{ij}$.",
    # the derivative written as an operator on the loss, the loss with its arguments (UFLDL's J(W,b;x,y))
    r"Let $g_{ij}$ be $\frac{\partial}{\partial y_{ij}} J(K, b; x)$.",
])
def test_a_name_defined_in_words(prose):
    name = "g" if "g_{ij}" in prose else r"\bar{y}"
    notes = prose + f"\n$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {DK11.replace(chr(92) + 'delta', name)} $$"
    assert [s for _, s in verdicts(notes)] == ["definition", "right"]


def test_words_between_formulas_that_define_nothing():
    notes = r"Let $x_{11}$ be the first pixel and $k_{11}$ be $\partial L$. Then $y_{11} = x_{11} k_{11}$."
    assert [s for _, s in verdicts(notes)] == ["wrong"]


def test_a_parenthesised_range_of_inequalities_and_text_with_a_space():
    claim = r"y_{i,j} = x_{i,j}k_{11} + x_{i,j+1}k_{12} + x_{i+1,j}k_{21} + x_{i+1,j+1}k_{22}"
    assert verdicts(f"$$ {claim} \\quad (1 \\le i \\le 2,\\ 1 \\le j \\le 2) $$") == [(1, "right")]
    assert verdicts(f"$$ {claim} \\quad \\text {{ for all }} i, j $$") == [(1, "right")]


def test_feedback_uses_the_upstream_symbol_the_notes_define():
    notes = (r"$$ \delta_{ij} := \frac{\partial L}{\partial y_{ij}} $$"
             r"$$ \frac{\partial L}{\partial k_{11}} = \delta_{11} x_{11} + \delta_{12} x_{12} $$")
    wrong = check_notes(notes, CLASSIC)[1]
    assert wrong.missing == (r"\delta_{21}\,x_{21}", r"\delta_{22}\,x_{22}")
    assert wrong.expected.startswith(r"\delta_{11}\,x_{11} + ")


C11 = r"\frac{\partial L}{\partial x_{i,j}} = \frac{\partial L}{\partial y_{i,j}} k_{1,1}"  # right at i = j = 1 only


@pytest.mark.parametrize("range_text", [
    r"\quad 0 < i < 2, 0 < j < 2", r"\quad 1 \le i < 2, 1 \le j < 2", r"\quad 1 \le i, j < 2", r"\quad i=j=1",
    r"\quad (i, j) = (1, 1)", r"\quad \text{if } i = j = 1", r"\qquad (i = j = 1)", r"\quad \text{at } (i,j)=(1,1)",
    r"\quad i = 1 \text{ , } j = 1", r"\quad i < 2, j < 2", r"\quad 2 > i \geq 1, 2 > j \ge 1",
])
def test_ranges_in_the_forms_people_write_them(range_text):
    (v,) = check_claims([f"{C11} {range_text}"], CLASSIC)
    assert v.status == "right", (v.reason, v.indices_failed)


def test_a_range_that_cannot_be_read_is_never_judged_over_the_whole_axis():
    (v,) = check_claims([f"{C11} \\quad i = 1 \\text{{ or }} 3"], CLASSIC)
    assert v.status == "not understood"


def test_two_equations_on_one_align_row_and_continuation_rows_with_spacing():
    row = r"\frac{\partial L}{\partial x_{3,2}} &= \frac{\partial L}{\partial y_{2,1}} k_{2,2} + \frac{\partial L}{\partial y_{2,2}} k_{2,1}"
    other = r"\frac{\partial L}{\partial x_{2,1}} &= \frac{\partial L}{\partial y_{1,1}} k_{2,1} + \frac{\partial L}{\partial y_{2,1}} k_{1,1}"
    assert verdicts(f"\\begin{{align}}\n{row} & {other}\n\\end{{align}}") == [(2, "right"), (2, "right")]
    for lead in ("&{}+", r"& \; +", r"&\hphantom{=} +", r"&\phantom{=} +", r"&\hspace{1em} +", r"&\mathrel{\phantom{=}} +"):
        notes = (f"\\begin{{align*}}\ny_{{11}} &= x_{{11}}k_{{11}} + x_{{12}}k_{{12}} \\\\\n"
                 f"{lead} x_{{21}}k_{{21}} + x_{{22}}k_{{22}}\n\\end{{align*}}")
        assert verdicts(notes) == [(2, "right")], lead


def test_punctuation_rules_line_breaks_and_line_endings():
    assert verdicts(f"$$ y_{{11}} = {Y11}\\,. $$") == [(1, "right")]
    notes = f"\\begin{{align}}\ny_{{11}} &= {Y11} \\\\*\ny_{{12}} &= {Y12} \\\\ \\hline\ny_{{12}} &= 0\n\\end{{align}}"
    assert verdicts(notes) == [(2, "right"), (3, "right"), (4, "wrong")]
    assert verdicts(f"$$ y_{{11}} = {Y11} $$\r$$ y_{{12}} = 0 $$\r\n") == [(1, "right"), (2, "wrong")]


def test_markdown_that_is_not_rendered_as_math_is_not_graded():
    notes = ("```\n$$ y_{11} = 0 $$\n```\n<!-- $$ y_{12} = 0 $$ -->\n`$y_{11} = 3$` is code.\n"
             "```math\ny_{12} = " + Y12 + "\n```\n")
    assert verdicts(notes) == [(7, "right")]
    latex = "\\section{A}\n\\begin{verbatim}\n\\[ y_{11} = 0 \\]\n\\end{verbatim}\n\\iffalse \\[ y_{11} = 0 \\] \\fi\n"
    assert verdicts(latex) == []


def test_an_unclosed_display_in_markdown_ends_at_the_paragraph():
    notes = f"$$ y_{{11}} = 0\n\nText.\n\n$$ y_{{12}} = 0 $$\n\nMore.\n\n$$ y_{{11}} = {Y11} $$\n"
    assert verdicts(notes) == [(1, "not understood"), (5, "wrong"), (9, "right")]


def test_an_equation_with_the_loss_or_a_redefinition_is_not_taken_as_a_definition():
    notes = (r"$$ \frac{\partial L}{\partial x_{1,1}} = L $$" "\n"
             r"$$ \frac{\partial L}{\partial x_{1,1}} = \frac{\partial L}{\partial y_{1,1}} k_{1,1} $$")
    assert [s for _, s in verdicts(notes)] == ["not understood", "right"]
    notes = (r"$$ \delta_{rs} := \frac{\partial L}{\partial y_{rs}} $$" "\n"
             r"$$ \delta_{ij} := \frac{\partial L}{\partial y_{ji}} $$" "\n"
             r"$$ \frac{\partial L}{\partial x_{1,2}} = \delta_{1,1} k_{1,2} + \delta_{2,1} k_{1,1} $$")
    # the second definition cannot be read, so the claim after it is not judged with the first
    assert [s for _, s in verdicts(notes)] == ["definition", "not understood", "not understood"]


def test_matrix_shapes_channel_order_signs_chains_and_d_notation():
    (v, *_) = check_claims([r"\nabla_X L = \begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}"], CLASSIC)
    assert v.status == "wrong" and "2 x 2" in v.reason and "3 x 3" in v.reason
    (v,) = check_claims([r"\nabla_K L = \begin{pmatrix} 1 & 2 \\ 3 \end{pmatrix}"], CLASSIC)
    assert v.status == "not understood" and "rows" in v.reason
    channels = derive(ConvSpec(in_channels=2, out_channels=2))
    # The channel among the indices is read first (as PyTorch) and last: right when right either way.
    (v,) = check_claims([r"y_{1,2,2} = \sum_{c}\sum_{p,q} k_{p,q,c,2} x_{p,q+1,c}"], channels)
    assert v.status == "right" and "channel last" in v.reason  # y[2,1,2], TensorFlow's order throughout
    (v,) = check_claims([r"y_{2,1,1} = \sum_{c}\sum_{p,q} k_{2,c,p,q} x_{c,p,q+1}"], channels)
    assert v.status == "wrong" and "either" in v.reason  # wrong with the channel first and with it last
    (v,) = check_claims([r"\frac{\partial L}{\partial x_{1,1}} = -\frac{\partial L}{\partial y_{1,1}} k_{1,1}"], CLASSIC)
    assert v.status == "wrong" and "sign" in v.reason and not v.missing
    (v,) = check_claims([r"\frac{\partial L}{\partial k_{11}} = \sum_{r,s=1}^{2} \frac{\partial L}{\partial y_{rs}} x_{rs} = 0"], CLASSIC)
    assert v.status == "wrong" and "expression 3" in v.reason
    (v,) = check_claims([r"\frac{dL}{dx_{1,1}} = \frac{\mathrm{d}L}{\mathrm{d}y_{1,1}} k_{1,1}"], CLASSIC)
    assert v.status == "right"


def test_a_definition_in_intertext_and_an_upstream_entry_outside_its_tensor():
    notes = ("\\begin{align}\ny_{11} &= " + Y11 + " \\\\\n"
             "\\intertext{Denote the incoming gradient by $e_{rs} := \\partial L/\\partial y_{rs}$. Then:}\n"
             "\\frac{\\partial L}{\\partial k_{11}} &= e_{11}x_{11} + e_{12}x_{12} + e_{21}x_{21} + e_{22}x_{22}\n"
             "\\end{align}")
    assert verdicts(notes) == [(2, "right"), (3, "definition"), (4, "right")]
    # e_{3,3} is written with numbers and the upstream gradient is 2 x 2: an extra term, not a 0
    (v,) = check_claims([r"\frac{\partial L}{\partial x_{1,1}} = \frac{\partial L}{\partial y_{1,1}} k_{1,1}"
                         r" + \frac{\partial L}{\partial y_{3,3}} k_{1,1}"], CLASSIC)
    assert v.status == "wrong" and "y_{3,3}" in v.reason


def test_arithmetic_on_numbers_is_a_worked_example_not_a_wrong_formula():
    """A worked example's lines hold values at numbers the claims never give: not graded, not wrong."""
    for claim in (r"y_{1,1} = 1 \cdot 0 + 1 \cdot 2 + 0 \cdot (-1) + 2 \cdot 2 = 6",
                  r"\frac{\partial L}{\partial k_{1,1}} = 4"):
        (v,) = check_claims([claim], CLASSIC)
        assert v.status == "not understood" and "worked example" in v.reason, claim
    # A lone 0 says the gradient vanishes: a claim about the formula, graded.
    (v,) = check_claims([r"\frac{\partial L}{\partial k_{1,1}} = 0"], CLASSIC)
    assert v.status == "wrong"


def test_a_relation_between_indices_is_no_claim_about_the_layer():
    from symconv import ConvSpec, derive
    from symconv.grading import check_notes
    notes = (r"$$ \frac{\partial L}{\partial x_{i,j}} = \sum_{p=1}^{2}\sum_{q=1}^{2} g_{i-p+1,j-q+1} k_{p,q} $$" "\n\n"
             r"For $x_{2,2}$, the outputs $y_{r,s}$ that read it: $r = 3 - p$ and $s = 3 - q$, so $r = 1$." "\n")
    verdicts = check_notes(notes, derive(ConvSpec()), upstream_symbol="g")
    assert [v.status for v in verdicts][1:] == ["definition"] * 3


def test_an_entry_named_with_letters_set_to_a_number_is_a_rule_not_the_worked_numbers():
    # "g_{r,s} = 0 when r or s is outside 1..2" once gave every g the value 0, and the worked numbers after it
    # were judged at g = 0: right numbers were called wrong
    from symconv import ConvSpec, derive
    from symconv.grading import check_notes
    notes = (r"$$ X = \begin{bmatrix} 1 & 2 & 0 \\ 0 & 1 & 1 \\ 2 & 0 & 1 \end{bmatrix}, \quad "
             r"K = \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix}, \quad "
             r"\frac{\partial L}{\partial Y} = \begin{bmatrix} 1 & 1 \\ 1 & 1 \end{bmatrix} $$" "\n\n"
             r"with $\frac{\partial L}{\partial y_{r,s}} = 0$ when $r$ or $s$ is outside $\{1, 2\}$." "\n\n"
             r"$$ \frac{\partial L}{\partial x_{2,2}} = 1 \cdot 1 + 1 \cdot 0 + 1 \cdot 0 + 1 \cdot 1 = 2 $$" "\n")
    verdicts = check_notes(notes, derive(ConvSpec()))
    assert verdicts[-1].status == "right", verdicts[-1]
    assert "rule" in next(v for v in verdicts if "outside" not in v.claim and "r,s" in v.claim).reason


@pytest.mark.parametrize("claim, status", [
    (r"H_{out} = \frac{H_{in} + 2P - K}{S} + 1 = \frac{3 + 2 \cdot 1 - 2}{1} + 1 = 4", "right"),
    (r"H_{\text{out}} = \frac{H_{in} + 2P - K}{S} + 1 = 3", "wrong"),
    (r"W_o = \left\lfloor \frac{W + 2p - d(k-1) - 1}{s} \right\rfloor + 1 = 4", "right"),
])
def test_an_output_size_in_the_notes_own_letters_is_judged_by_its_numbers(claim, status):
    from symconv import ConvSpec, derive
    from symconv.grading import check_notes
    (verdict,) = check_notes(f"$$ {claim} $$", derive(ConvSpec(padding=(1, 1))))
    assert verdict.status == status, verdict


SOFTMAX = derive(load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml"))


@pytest.mark.parametrize("claim, status", [
    # the derivative of an expression of the network's values, worked through the chain (p = softmax(a^{[5]}))
    (r"\frac{\partial \log p_1}{\partial a^{[5]}_2} = -p_2", "right"),
    (r"\frac{\partial \log p_1}{\partial a^{[5]}_1} = 1 - p_1", "right"),
    (r"\frac{\partial \log p_1}{\partial a^{[5]}_1} = p_1 - 1", "wrong"),
    # Wikipedia's operator form: \frac{\partial}{\partial w} applied to what follows it
    (r"\frac{\partial}{\partial a^{[5]}_1} \left( a^{[5]}_1 + 2 a^{[5]}_2 \right) = 1", "right"),
    (r"\frac{\partial}{\partial a^{[5]}_2} \left( a^{[5]}_1 + 2 a^{[5]}_2 \right) = 1", "wrong"),
])
def test_a_derivative_of_an_expression_is_worked_through_the_chain(claim, status):
    (verdict,) = check_notes(f"$$ {claim} $$", SOFTMAX)
    assert verdict.status == status, verdict


def test_a_display_that_starts_with_equals_goes_on_with_the_claim_before_it():
    notes = ("$$ y_{1,1} = x_{1,1}k_{1,1} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} + x_{2,2}k_{2,2} $$\n\n"
             "$$ = x_{1,1}k_{1,1} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} $$\n")
    assert [v.status for v in check_notes(notes, derive(ConvSpec()))] == ["right", "wrong"]


def test_ell_as_an_index_is_the_letter_l():
    claim = r"\frac{\partial L}{\partial k_{1,1}} = \sum_{\ell=1}^{2}\sum_{m=1}^{2} g_{\ell,m}\, x_{\ell,m}"
    (verdict,) = check_notes(f"$$ {claim} $$", derive(ConvSpec()), upstream_symbol="g")
    assert verdict.status == "right", verdict


def test_an_equals_after_prose_is_no_continuation_of_the_claim_before():
    notes = ("$$ y_{1,1} = x_{1,1}k_{1,1} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} + x_{2,2}k_{2,2} $$\n\n"
             "The output size $= 3 - 2 + 1 = 2$.\n")
    verdicts = check_notes(notes, derive(ConvSpec()))
    assert "y_{1,1}" not in verdicts[-1].claim


@pytest.mark.parametrize("wrapper", [r"\color{red}{%s}", r"{\color{blue} %s}", r"\textcolor{red}{%s}"])
def test_a_claim_coloured_whole_is_the_claim_inside(wrapper):
    right = wrapper % f"y_{{11}} = {Y11}"
    wrong = wrapper % f"y_{{12}} = {Y11}"
    assert verdicts(f"$$ {right} $$\n\n$$ {wrong} $$") == [(1, "right"), (3, "wrong")]


@pytest.mark.parametrize("condition, status", [
    (r"1(u = r+m-1)\, 1(v = s+n-1)", "right"),
    (r"1(u = r+m)\, 1(v = s+n-1)", "wrong"),      # one row off
    (r"1(u - m + 1 = r)\, 1(v = s + n - 1)", "right"),
])
def test_an_indicator_may_compare_index_expressions(condition, status):
    # dL/dx_{uv} = sum over the windows that read x_{uv}: y_{rs} reads x_{r+m-1, s+n-1} through k_{mn}
    claim = (r"\frac{\partial L}{\partial x_{uv}} = \sum_{r,s} \frac{\partial L}{\partial y_{rs}} \sum_{m,n} k_{mn}\, "
             + condition)
    assert [v.status for v in check_notes(f"$$ {claim} $$", CLASSIC)] == [status]


@pytest.mark.parametrize("index_set, status", [
    (r"\{1, 2\}", "right"),
    (r"\{1, \dots, 2\}", "right"),
    (r"\{1\}", "wrong"),        # half the window
])
def test_a_sum_over_a_set_of_indices(index_set, status):
    claim = (r"\frac{\partial L}{\partial k_{11}} = \sum_{r \in %s} \sum_{s \in \{1,2\}} \frac{\partial L}{\partial y_{rs}}"
             r" x_{rs}") % index_set
    assert [v.status for v in check_notes(f"$$ {claim} $$", CLASSIC)] == [status]


def test_a_sum_over_a_set_that_is_not_a_run_is_not_understood():
    claim = r"\frac{\partial L}{\partial k_{11}} = \sum_{r \in \{1, 3\}} \sum_{s} \frac{\partial L}{\partial y_{rs}} x_{rs}"
    got = check_notes(f"$$ {claim} $$", CLASSIC)
    assert [v.status for v in got] == ["not understood"] and "consecutive" in got[0].reason


@pytest.mark.parametrize("connective", [r"\Rightarrow", r"\implies", r"\iff", r"\therefore", r"\rightarrow"])
def test_words_of_logic_between_two_equations_separate_two_claims(connective):
    notes = f"$$ y_{{11}} = {Y11} {connective} \\frac{{\\partial y_{{11}}}}{{\\partial k_{{12}}}} = x_{{11}} $$"
    assert [v.status for v in check_notes(notes, CLASSIC)] == ["right", "wrong"]


@pytest.mark.parametrize("word", [r"\text{ and }", r"\quad\text{and}\quad", r"\mathrm{and}", r"\text{und}"])
def test_two_equations_joined_by_and_are_two_claims_but_the_and_of_a_range_is_not(word):
    # d2l's "\frac{\partial J}{\partial L} = 1 \text{ and } \frac{\partial J}{\partial s} = 1": each side a claim
    notes = f"$$ y_{{11}} = {Y11} {word} \\frac{{\\partial y_{{11}}}}{{\\partial k_{{12}}}} = x_{{11}} $$"
    assert [v.status for v in check_notes(notes, CLASSIC)] == ["right", "wrong"]
    if "und" not in word:
        ranged = r"$$ \frac{\partial y_{ij}}{\partial k_{11}} = x_{ij} \quad \text{for } i = 1 " + word + " j = 2 $$"
        assert [v.status for v in check_notes(ranged, CLASSIC)] == ["right"]
        assert [v.status for v in check_notes(ranged.replace("= x_{ij}", "= x_{i+1,j}"), CLASSIC)] == ["wrong"]


def test_an_entry_of_what_an_operator_or_a_function_gives():
    notes = (r"$$\text{rot}_{180^\circ}(K) = \begin{bmatrix} k_{22} & k_{21} \\ k_{12} & k_{11} \end{bmatrix}$$" "\n\n"
             f"$$(X \\star K)_{{12}} = {Y12}$$\n\n$$(X \\star K)_{{21}} = {Y12}$$\n\n$$(X \\star K)_{{31}} = {Y12}$$\n")
    got = [v.status for v in check_notes(notes, CLASSIC)]
    assert got == ["right"] * 4 + ["right", "wrong", "not understood"], got


@pytest.mark.parametrize("words", ["is defined as", "is defined to be", "defined as"])
def test_the_words_is_defined_as(words):
    notes = (f"Here $g_{{ij}}$ {words} $\\frac{{\\partial L}}{{\\partial y_{{ij}}}}$.\n\n"
             r"$$\frac{\partial L}{\partial k_{11}} = g_{11} x_{11} + g_{12} x_{12} + g_{21} x_{21} + g_{22} x_{22}$$" "\n\n"
             r"$$\frac{\partial L}{\partial k_{11}} = g_{11} x_{11} + g_{12} x_{12} + g_{21} x_{21} + g_{22} x_{23}$$" "\n")
    assert [v.status for v in check_notes(notes, CLASSIC)] == ["definition", "right", "wrong"]


def test_the_jacobian_of_vec_by_vec_and_a_vector_written_out():
    # numerator layout, vec stacks columns (MATH.md): d vec(Y)/d vec(K) has row (1,1) of Y: x_11, x_21, x_12, x_22
    notes = (r"$$\operatorname{vec}(K) = (k_{11}, k_{21}, k_{12}, k_{22})^\top$$" "\n\n"
             r"$$\operatorname{vec}(K) = (k_{11}, k_{12}, k_{21}, k_{22})^\top$$" "\n\n"
             r"$$\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(K)} = \begin{pmatrix}"
             r" x_{11} & x_{21} & x_{12} & x_{22} \\ x_{21} & x_{31} & x_{22} & x_{32} \\"
             r" x_{12} & x_{22} & x_{13} & x_{23} \\ x_{22} & x_{32} & x_{23} & x_{33} \end{pmatrix}$$" "\n\n"
             r"$$\left(\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)}\right)_{2,3} = k_{21}$$" "\n\n"
             r"$$\left(\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)}\right)_{2,3} = k_{12}$$" "\n")
    got = [v.status for v in check_notes(notes, CLASSIC)]
    assert got == ["right", "wrong"] + ["right"] * 16 + ["right", "wrong"], got


def test_claims_in_the_size_letters_alone():
    # the 3x3 input, 2x2 kernel: k - 1 = 1 (the full convolution's zeros) holds; k = 3 is no size of this layer;
    # H = 3 is a constant the notes give, and H_o is still the output size after it
    notes = ("$$k - 1 = 1$$\n\n$$k = 3$$\n\n$$H = 3$$\n\n"
             r"$$H_o = \left\lfloor \frac{H - k}{1} \right\rfloor + 1 = 2$$" "\n\n"
             r"$$H_o = \left\lfloor \frac{H - k}{1} \right\rfloor + 1 = 3$$" "\n")
    got = [v.status for v in check_notes(notes, CLASSIC)]
    assert got == ["right", "not understood", "definition", "right", "wrong"], got


def test_a_matrix_the_notes_call_by_a_name():
    # "Call this matrix $M$": M is d vec(Y) / d vec(X), and vec(dL/dX) = M^T vec(dL/dY)
    jacobian = (r"\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)} = \begin{bmatrix}"
                r" k_{11} & k_{21} & 0 & k_{12} & k_{22} & 0 & 0 & 0 & 0 \\ 0 & k_{11} & k_{21} & 0 & k_{12} & k_{22} & 0 & 0 & 0 \\"
                r" 0 & 0 & 0 & k_{11} & k_{21} & 0 & k_{12} & k_{22} & 0 \\ 0 & 0 & 0 & 0 & k_{11} & k_{21} & 0 & k_{12} & k_{22}"
                r" \end{bmatrix}")
    notes = (f"$${jacobian}$$\n\nCall this matrix $M$. Then\n\n"
             r"$$\operatorname{vec}(Y) = M \operatorname{vec}(X) + 0 \cdot \mathbf{1}_4$$" "\n\n"
             r"$$\operatorname{vec}\left(\frac{\partial L}{\partial X}\right) = M^T \operatorname{vec}\left(\frac{\partial L}{\partial Y}\right)$$" "\n\n"
             r"$$\operatorname{vec}(Y) = M \operatorname{vec}(X) + \mathbf{1}_4$$" "\n")
    got = [v.status for v in check_notes(notes, CLASSIC)]
    assert got == ["right"] * 36 + ["definition", "right", "right", "wrong"], got


def test_a_chain_is_judged_by_the_links_that_read():
    """A link that does not read (a name no other link writes) does not hide the others: unequal links make
    the chain wrong; equal ones leave it not understood (the link left out may be the wrong one), saying so."""
    unread = r"\frac{\partial}{\partial k_{11}} h(x)"  # h: a name the derivation does not have, in this link only
    dk11 = DK11.replace("\\delta", "dy")
    right = f"$$ \\frac{{\\partial L}}{{\\partial k_{{11}}}} = {unread} = {dk11} $$"
    wrong = right.replace(r"dy_{22} x_{22}", r"dy_{22} x_{21}")
    got = check_notes(right + "\n" + wrong, CLASSIC)
    assert [v.status for v in got] == ["not understood", "wrong"]
    assert "the links that read hold (links 1 = 3)" in got[0].reason and "link 2" in got[0].reason
    assert "link 3 differs from link 1" in got[1].reason and "link 2" in got[1].reason
    # a mistake in the link that does not read is never passed as right, nor the right links called wrong
    typo = f"$$ y_{{11}} = x_{{11}} k_{{11}} + x_{{1,2,}} k_{{12}} = {Y11} $$"
    assert [s for _, s in verdicts(typo)] == ["not understood"]


def test_an_index_function_the_notes_define_is_read_where_they_write_it():
    # symconv's own general formulas: x_{\rho_h(r, p), ...} first, then "\rho_h(r, p) = S_h (r - 1) + ..." in the
    # layer's size letters; a student's i(r, p) = r + p - 1 the same
    notes = r"""
$$ y_{r,s} = \sum_{p=1}^{k_h} \sum_{q=1}^{k_w} x_{\rho_h(r, p),\, \rho_w(s, q)}\, k_{p,q} $$

$$ \rho_h(r, p) = S_h (r - 1) + D_h (p - 1) + 1 - P_h, \quad \rho_w(s, q) = S_w (s - 1) + D_w (q - 1) + 1 - P_w $$

$$ \frac{\partial L}{\partial k_{p,q}} = \sum_{r=1}^{H_o} \sum_{s=1}^{W_o} g_{r,s}\, x_{\rho_h(r, q),\, \rho_w(s, p)} $$

$$ \frac{\partial L}{\partial x_{i,j}} = \sum_{(r,p):\ \rho_h(r, p) = i} \ \sum_{(s,q):\ \rho_w(s, q) = j} g_{r,s}\, k_{p,q} $$

$$ \frac{\partial L}{\partial x_{i,j}} = \sum_{(r,p):\ \rho_h(r, p) = i + 1} \ \sum_{(s,q):\ \rho_w(s, q) = j} g_{r,s}\, k_{p,q} $$
"""
    got = check_notes(notes, CLASSIC, upstream_symbol="g")
    assert [v.status for v in got] == ["right", "definition", "definition", "wrong", "right", "wrong"], got
    # a function whose body is no index expression in its letters is not one: \rho_h(r, p) = r p
    assert [v.status for v in check_notes(r"$$ \rho_h(r, p) = r p $$", CLASSIC)] == ["not understood"]


def test_d2l_s_size_letters_and_a_fraction_of_sizes():
    # d2l's n_h x n_w input and k_h x k_w kernel, the output o_h x o_w as symconv's network documents write it, a
    # fraction written with \frac; a size claim is right or not understood, never wrong
    notes = (r"$$o_h = n_h - k_h + 1 = 2$$" "\n\n" r"$$o_w = \frac{n_w + 2p - k_w}{s} + 1$$" "\n\n"
             r"$$o_h = n_h - k_h$$" "\n")
    assert [v.status for v in check_notes(notes, CLASSIC)] == ["right", "right", "not understood"]
