"""check judges what a claim means (issue 22): any correct form is right, whatever names, index base,
matrix notation or layer numbering the notes use; a mistake is still wrong.

Each expected verdict below is the mathematics worked by hand for the example networks (MATH.md's
definitions), not symconv's output: the sigmoid's derivative is a(1 - a), the softmax Jacobian
p_j(delta_jk - p_k), the squared error's (half sum) gradient a - t, dL/dX the full correlation of G with
the kernel turned by 180 degrees, and so on.
"""

from __future__ import annotations

import re

import json

import pytest

from symconv import ConvSpec, derive, load_network
from symconv.cli import main
from symconv.grading import check_claims, check_notes

from .test_check import EXAMPLES

MAZUR = derive(load_network(EXAMPLES / "two_layer_sigmoid_mse.toml"))  # dense 2, sigmoid, dense 2, sigmoid, mse/2
CNN = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))  # conv, relu, maxpool, flatten, dense, softmax
CLASSIC = derive(ConvSpec())  # 3x3 input, 2x2 kernel
A4 = lambda k: f"a^{{[4]}}_{{{k}}}"  # noqa: E731  the network's output (sigmoid)


@pytest.mark.parametrize("claim, status", [
    # the sigmoid's derivative in its output, the upstream gradient substituted, the error e = a - t written out
    (rf"\frac{{\partial L}}{{\partial a^{{[3]}}_{{1}}}} = \frac{{\partial L}}{{\partial {A4(1)}}} {A4(1)}(1 - {A4(1)})", "right"),
    (rf"\frac{{\partial L}}{{\partial a^{{[3]}}_{{1}}}} = ({A4(1)} - t_1) {A4(1)}(1 - {A4(1)})", "right"),
    (rf"\frac{{\partial L}}{{\partial a^{{[3]}}_{{1}}}} = ({A4(1)} - t_1) \sigma(a^{{[3]}}_1)(1 - \sigma(a^{{[3]}}_1))", "right"),
    (rf"\frac{{\partial L}}{{\partial a^{{[3]}}_{{1}}}} = ({A4(1)} - t_1) {A4(1)}(1 + {A4(1)})", "wrong"),
    (rf"\frac{{\partial L}}{{\partial {A4(2)}}} = {A4(2)} - t_2", "right"),  # half the sum: no 2
    (rf"\frac{{\partial L}}{{\partial {A4(2)}}} = 2({A4(2)} - t_2)", "wrong"),
    (rf"\frac{{\partial L}}{{\partial W^{{[3]}}_{{1,2}}}} = ({A4(1)} - t_1) {A4(1)} (1 - {A4(1)}) a^{{[2]}}_2", "right"),
    (rf"\frac{{\partial L}}{{\partial W^{{[3]}}_{{1,2}}}} = ({A4(1)} - t_1) {A4(1)} (1 - {A4(1)}) a^{{[2]}}_1", "wrong"),
])
def test_a_claim_is_right_in_any_form_that_means_the_same(claim, status):
    (v,) = check_claims([claim], MAZUR)
    assert v.status == status, v


@pytest.mark.parametrize("claim, status", [
    # softmax with cross-entropy: p - t only because sum_k t_k = 1 (a target is a probability vector)
    (r"\frac{\partial L}{\partial a^{[5]}_{j}} = -t_j + p_j \sum_k t_k", "right"),
    (r"\frac{\partial L}{\partial a^{[5]}_{j}} = p_j - t_j \sum_k p_k", "right"),
    (r"\frac{\partial L}{\partial a^{[5]}_{j}} = p_j + t_j", "wrong"),
    (r"\frac{\partial L}{\partial a^{[5]}_{j}} = p_j - t_j + \sum_{k \neq j} 0 \cdot t_k", "right"),
    # the softmax Jacobian with a Kronecker delta, with cases, and a mistake in it
    (r"\frac{\partial p_j}{\partial a^{[5]}_{k}} = p_j(\delta_{jk} - p_k)", "right"),
    (r"\frac{\partial p_j}{\partial a^{[5]}_{k}} = \begin{cases} p_j(1 - p_j) & \text{if } j = k \\ -p_j p_k & \text{otherwise} \end{cases}", "right"),
    (r"\frac{\partial p_j}{\partial a^{[5]}_{k}} = p_j(1 - p_k)", "wrong"),
    # dL/dp, which only the loss reads: -t/p
    (r"\frac{\partial L}{\partial p_j} = -\frac{t_j}{p_j}", "right"),
])
def test_the_softmax_is_judged_by_its_meaning(claim, status):
    (v,) = check_claims([claim], CNN)
    assert v.status == status, v


@pytest.mark.parametrize("claim, status", [
    # whole tensors: dL/dK the correlation of X with G, dL/dX the full correlation with rot180(K)
    (r"\frac{\partial L}{\partial K} = X \star G", "right"),
    (r"\frac{\partial L}{\partial X} = \operatorname{full}(G) \star \operatorname{rot180}(K)", "right"),
    (r"\frac{\partial L}{\partial X} = G \star \text{rot}_{180^\circ}(K)", "right"),  # padded to the size it must have
    (r"\frac{\partial L}{\partial X} = \operatorname{full}(G) \star K", "wrong"),  # the kernel not turned
    (r"\frac{\partial L}{\partial X} = G * K", "right"),  # * read as the true convolution: the same thing
    (r"\frac{\partial L}{\partial K} = G \star X", "wrong"),  # the correlation the other way round
])
def test_operator_claims_are_expanded_at_the_layers_size(claim, status):
    (v,) = check_claims([claim], CLASSIC, upstream_symbol="G")
    assert v.status == status, v


@pytest.mark.parametrize("claim, status", [
    (r"\delta^{[2]} = (W^{[3]})^T \delta^{[3]}", "right"),
    (r"\delta^{[2]} = W^{[3]} \delta^{[3]}", "wrong"),
    (r"\nabla_{W^{[3]}} L = \delta^{[3]} (a^{[2]})^{\mathsf{T}}", "right"),
    (r"\delta^{[3]} = \delta^{[4]} \odot a^{[4]} \odot (1 - a^{[4]})", "right"),
    (r"\delta^{[3]} = \delta^{[4]} \odot a^{[4]}", "wrong"),
    (r"\delta^{[1]} = \delta^{[2]} \odot \sigma'(a^{[1]})", "right"),
])
def test_matrix_notation_in_a_network(claim, status):
    (v,) = check_claims([claim], MAZUR, upstream_symbol=r"\delta")
    assert v.status == status, v


Y11 = "x_{1,1}k_{1,1} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} + x_{2,2}k_{2,2}"


def test_the_index_base_is_the_notes():
    zero = "Indices start at 0.\n\n$$ y_{0,0} = x_{0,0}k_{0,0} + x_{0,1}k_{0,1} + x_{1,0}k_{1,0} + x_{1,1}k_{1,1} $$\n"
    report = check_notes(zero, CLASSIC)
    assert report.conventions.index_base == 0 and "line 1" in report.conventions.why
    assert [v.status for v in report] == ["right"]
    # Written with an index 0 and never the last index counted from 1: read from 0 as well.
    unsaid = check_notes("$$ y_{1,1} = x_{1,1}k_{0,0} + x_{1,2}k_{0,1} + x_{2,1}k_{1,0} + x_{2,2}k_{1,1} $$", CLASSIC)
    assert unsaid.conventions.index_base == 0 and [v.status for v in unsaid] == ["right"]
    # Notes that count from 1 (y_{2,2} is the last output) keep an off-by-one mistake a mistake.
    ones = f"$$ y_{{1,1}} = {Y11} $$\n$$ y_{{2,2}} = x_{{1,1}}k_{{1,1}} + x_{{1,2}}k_{{1,2}} + x_{{2,1}}k_{{2,1}} + x_{{2,2}}k_{{2,2}} $$\n"
    report = check_notes(ones, CLASSIC)
    assert report.conventions.index_base == 1 and [v.status for v in report] == ["right", "wrong"]
    (v,) = check_notes(f"$$ y_{{1,1}} = {Y11} $$", CLASSIC, index_base=0)
    assert v.status == "wrong"  # as asked: y_{1,1} is then the last entry


def test_names_the_notes_give_are_bound_by_meaning():
    notes = r"""Let $z$ be the convolution's output and $h$ the pooled map.

$$ z_{1,1,1} = k_{1,1,1,1}x_{11} + k_{1,1,1,2}x_{12} + k_{1,1,1,3}x_{13} + k_{1,1,2,1}x_{21} + k_{1,1,2,2}x_{22}
 + k_{1,1,2,3}x_{23} + k_{1,1,3,1}x_{31} + k_{1,1,3,2}x_{32} + k_{1,1,3,3}x_{33} + b_1 $$

$$ \hat y_j = \frac{e^{s_j}}{\sum_k e^{s_k}} $$

$$ \frac{\partial J}{\partial s_i} = \hat y_i - t_i $$

$$ \frac{\partial J}{\partial s_i} = \hat y_i + t_i $$
"""
    verdicts = check_notes(notes, CNN)
    assert [v.status for v in verdicts] == ["right", "right", "right", "wrong"], verdicts
    assert "z as the output of layer 1 (conv)" in verdicts[0].reason
    assert r"s as the output of layer 5 (dense)" in verdicts[1].reason


def test_textbook_layer_numbering_counts_the_layers_with_weights():
    notes = r"""$z^{[1]} = W^{[1]} a^{[0]} + b^{[1]}$, $a^{[1]} = \sigma(z^{[1]})$, $z^{[2]} = W^{[2]} a^{[1]} + b^{[2]}$.

$$ z^{[2]}_1 = W^{[2]}_{11} a^{[1]}_1 + W^{[2]}_{12} a^{[1]}_2 + b^{[2]}_1 $$

$$ \frac{\partial L}{\partial W^{[1]}_{21}} = \frac{\partial L}{\partial z^{[1]}_2} x_1 $$

$$ \frac{\partial L}{\partial W^{[2]}_{21}} = \frac{\partial L}{\partial z^{[2]}_2} a^{[1]}_2 $$
"""
    report = check_notes(notes, MAZUR)
    assert report.conventions.numbering == "weighted layers"
    assert [v.status for v in report][-3:] == ["right", "right", "wrong"], report


def test_notation_of_mathjax_and_latex_notes():
    notes = r"""\newcommand{\pd}[2]{\frac{\partial #1}{\partial #2}}
$$\begin{align}
\pd{L}{k_{11}} &= \sum_{i'=1}^{2}\sum_{j'=1}^{2} {\color{red} g_{i'j'}} x_{i'j'} & \pd{L}{k_{12}} &= 0 \\
y_{1,1} &= \textcolor{blue}{x_{1,1}k_{1,1}} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} + x_{2,2}k_{2,2}
\end{align}$$
"""
    verdicts = check_notes(notes, CLASSIC, upstream_symbol="g")
    assert [(v.line, v.status) for v in verdicts] == [(3, "right"), (3, "wrong"), (4, "right")], verdicts


def test_an_if_before_a_display_is_its_range():
    notes = r"""If $j = k$,

$$ \frac{\partial p_j}{\partial a^{[5]}_k} = p_k(1 - p_k) $$

and if $j \neq k$,

$$ \frac{\partial p_j}{\partial a^{[5]}_k} = -p_j p_k $$
"""
    assert [v.status for v in check_notes(notes, CNN)] == ["right", "right"]


def test_the_json_report_states_the_conventions(capsys, tmp_path):
    notes = tmp_path / "notes.md"
    notes.write_text("Indices start at 0.\n\n$$ y_{0,0} = x_{0,0}k_{0,0} + x_{0,1}k_{0,1} + x_{1,0}k_{1,0} + x_{1,1}k_{1,1} $$\n")
    with pytest.raises(SystemExit) as stop:
        main(["check", str(notes), "--format", "json"])
    report = json.loads(capsys.readouterr().out)
    assert stop.value.code == 0 and report["conventions"]["index_base"] == 0
    assert [v["status"] for v in report["verdicts"]] == ["right"]
    with pytest.raises(SystemExit) as stop:
        main(["check", str(notes), "--index-base", "2"])
    out, err = capsys.readouterr()
    assert stop.value.code == 2 and err.count("\n") == 1 and "--index-base '2'" in err and "0 or 1" in err


@pytest.mark.parametrize("claim, status", [
    # 5x5 input, 3x3 kernel, stride 2, padding 1: floor((5 + 2 - 2 - 1)/2) + 1 = 3 rows and columns
    (r"H_o = \left\lfloor \frac{H + 2 p_h - d_h (k_h - 1) - 1}{s_h} \right\rfloor + 1", "right"),
    (r"W_{out} = \lfloor (W + 2p - d(k-1) - 1)/s \rfloor + 1 = \lfloor 4/2 \rfloor + 1 = 3", "right"),
    # symconv's own capitals for the stride, padding and dilation (s and p are indices there)
    (r"H_o = \left\lfloor \frac{H + 2 P_h - D_h (k_h - 1) - 1}{S_h} \right\rfloor + 1", "right"),
    (r"H_o = \left\lfloor \frac{H - D_h (k_h - 1) - 1}{S_h} \right\rfloor + 1", "wrong"),  # no padding: 2
    # the kernel's size as symconv's documents write it: K_h x K_w (k_{p,q} are the kernel's entries)
    (r"H_o = \left\lfloor \frac{H + 2 P_h - D_h (K_h - 1) - 1}{S_h} \right\rfloor + 1", "right"),
    (r"W_o = \left\lfloor \frac{W + 2 P_w - D_w (K_w - 1) - 1}{S_w} \right\rfloor + 1 = 4", "wrong"),
    (r"H_o = (H - k)/s + 1", "wrong"),  # the padding forgotten: 2
    (r"W_o = 2", "wrong"),
])
def test_the_output_size_formula_is_judged_with_the_layers_numbers(claim, status):
    (v,) = check_claims([claim], derive(ConvSpec(input=(5, 5), kernel=(3, 3), stride=2, padding=1)))
    assert v.status == status, v


def test_reading_names_by_meaning_is_bounded_per_set_of_notes():
    # 400 claims, each with names no value fits: every search ends, and the notes' budget says so.
    notes = "\n".join(rf"$$ \frac{{\partial J}}{{\partial q_{{{i % 3 + 1}}}}} = u_{{{i % 3 + 1}}} + v_{{{i % 2 + 1}}} \cdot {i} $$"
                      for i in range(400))
    verdicts = check_notes(notes, CNN)
    assert {v.status for v in verdicts} == {"not understood"}
    assert "readings of names" in verdicts[-1].reason


@pytest.mark.parametrize("rhs", [r"\max(x_{1,1}, e^{e^{e^{100}}})", r"\sigma(e^{e^{e^{100}}}) x_{1,1}",
                                 r"\mathbb{1}[x_{1,1} > e^{e^{e^{100}}}]"])
def test_numbers_too_large_for_a_formula_are_refused_at_once(rhs):
    # (issue 23: these hung, or overflowed, while SymPy compared them)
    (v,) = check_claims([f"y_{{1,1}} = {rhs}"], CLASSIC)
    assert v.status == "not understood" and "too large" in v.reason


def test_worked_numbers_are_checked_at_the_values_the_notes_give():
    from symconv import render

    # The default document, its worked example included, reads back with every claim right, but for the
    # formulas in symbols for any size (rho_h(r, p), k_h), which check cannot evaluate at numbers
    # (test_general_formulas proves them) and never calls wrong.
    text = render(CLASSIC, ("md",)).files["derivation.md"].decode()
    assert not [v for v in check_notes(text, CLASSIC, latex=False) if v.status == "wrong"]
    # But for the closing sections (the layer in a network, in symbols such as C_out and N; the exercises' losses
    # and a layer at another stride), every claim reads back right, the worked example's too.
    text = text[:text.index("## In a network")] + text[text.index("## A worked example"):text.index("## Exercises")]
    # (and the general form beside the boxes, crop(G-hat star rot180(K)): crop is no function check reads; nor the
    # operators' definitions before the results, in symbols for any matrices U, V and kernel K; and G-bar = G-hat at stride 1)
    verdicts = [v for v in check_notes(text, CLASSIC, latex=False)
                if not (v.status == "not understood" and (re.search(r"\\rho_[hw]\(|\\operatorname\{crop\}|\\star_D", v.claim)
                                                          or v.claim.startswith((r"(U \star V)_{r,s}",
                                                                                 r"\operatorname{rot}_{180}(K)_{p,q}",
                                                                                 r"(U \star_D V)_{p,q}", r"\tilde{", r"\bar{"))))]
    assert {v.status for v in verdicts} == {"right", "definition"}, [v for v in verdicts if v.status != "right"][:2]
    assert sum("given value" in v.reason for v in verdicts) == 17  # X (9), K (4) and dL/dY (4), entry by entry
    # Given values by hand: y_{1,1} = 1*0 + 2*1 + 0*(-1) + ... at these numbers is worked out, and a slip is caught.
    notes = r"""$$ X = \begin{bmatrix} 1 & 2 & 0 \\ 3 & -1 & 1 \\ 0 & 1 & 2 \end{bmatrix}, \quad
K = \begin{bmatrix} 2 & 0 \\ 1 & 1 \end{bmatrix} $$

$$ y_{1,1} = x_{1,1}k_{1,1} + x_{1,2}k_{1,2} + x_{2,1}k_{2,1} + x_{2,2}k_{2,2} = 2 + 0 + 3 - 1 = 4 $$

$$ y_{2,2} = -1 \cdot 2 + 1 \cdot 0 + 1 \cdot 1 + 2 \cdot 1 = 2 $$
"""
    statuses = [v.status for v in check_notes(notes, CLASSIC)]
    assert statuses[-2:] == ["right", "wrong"] and statuses[:-2] == ["definition"] * 13  # y_{2,2} is 1


# a matrix written with a row or column of dots (\vdots, \cdots): the entries after the dots are the tensor's last
D5 = r"\frac{\partial L}{\partial \mathbf{a}^{[5]}}"


@pytest.mark.parametrize("matrix, status", [
    (r"\begin{pmatrix} \hat{y}_1 - t_1 \\ \vdots \\ \hat{y}_3 - t_3 \end{pmatrix}", "right"),
    (r"\begin{pmatrix} \hat{y}_1 - t_1 \\ \hat{y}_2 - t_2 \\ \vdots \\ \hat{y}_3 - t_3 \end{pmatrix}", "right"),
    (r"\begin{pmatrix} \hat{y}_1 - t_1 \\ \vdots \\ \hat{y}_2 - t_2 \end{pmatrix}", "wrong"),  # the last is entry 3
    (r"\left(\begin{matrix} \hat{y}_1 - t_1 & \cdots & \hat{y}_3 - t_3 \end{matrix}\right)^T", "right"),
    # more entries than the tensor has, dots in two rows: which entries they stand for cannot be told
    (r"\begin{pmatrix} \hat{y}_1 - t_1 \\ \hat{y}_2 - t_2 \\ \hat{y}_3 - t_3 \\ \vdots \\ \hat{y}_3 - t_3 \end{pmatrix}",
     "not understood"),
    (r"\begin{pmatrix} \hat{y}_1 - t_1 \\ \vdots \\ \hat{y}_2 - t_2 \\ \vdots \\ \hat{y}_3 - t_3 \end{pmatrix}",
     "not understood"),
])
def test_a_matrix_written_with_dots_is_read_where_its_entries_stand(matrix, status):
    got = {v.status for v in check_notes(f"$$ {D5} = {matrix} $$", CNN)}
    assert got == {status} if status != "wrong" else "wrong" in got, got


def test_the_loss_written_as_a_function_of_one_value_is_the_loss():
    # abangfarhan (2017): L(\mathbf{p}) = -\sum_i y_i \log p_i, never the loss times p
    notes = r"$$ L(\hat{\mathbf{y}}) = - \sum_k t_k \log \hat{y}_k $$" "\n\n" r"$$ L(\hat{\mathbf{y}}) = - \sum_k \log \hat{y}_k $$"
    assert [v.status for v in check_notes(notes, CNN)] == ["right", "wrong"]


def test_a_macro_whose_body_is_tex_programming_is_not_expanded():
    notes = (r"\renewcommand{\mathbb}[1]{\def\arg{#1}\ifx\arg\one\mathrm{1\mkern-5.5mu 1}\else\oldmathbb{#1}\fi}" "\n"
             r"\newcommand{\dy}[1]{\frac{\partial L}{\partial y_{#1}}}" "\n"
             r"\[ \frac{\partial L}{\partial x_{11}} = \dy{11} k_{11} \mathbb{1}[1 = 1] \]" "\n")
    assert [v.status for v in check_notes(notes, CLASSIC, latex=True)] == ["right"]
