"""check's rules for the Jacobian written J_x y, a shape written under a name, a matrix among a chain's links, a name
for an entry-by-entry expression of whole tensors (z = \\log y), colour around a derivative's parts, and sums whose
limits, written for one entry, run past a tensor's border (tests/notes/published4/06, 07 and published5/01, 04)."""

from __future__ import annotations

import textwrap

from symconv.grading import check_notes
from symconv.grading.notation import prepass

from .notes_network import network, statuses, verdicts

# The mnn docs: a dense layer 3 -> 2 with a bias, the upstream gradient given.
DENSE = network("""
    input = [3]
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    """)
# Three logits, softmax with cross-entropy (a one-hot target).
SOFTMAX = network("""
    input = [3]
    [[layer]]
    type = "softmax_cross_entropy"
    """)


def test_a_jacobian_written_j_is_the_derivative_of_the_name_after_it():
    assert prepass(r"J_x y = W") == prepass(r"\frac{\partial y}{\partial x} = W")
    assert r"^{\top}" in prepass(r"J^T_x z \cdot v") and r"^{\top}" in prepass(r"J_x^T z \cdot v")
    assert "partial" not in prepass(r"J_w = A")  # no name after it: of what is not said, so no derivative is read
    assert "partial" not in prepass(r"J = \frac{1}{2} e^2")  # the loss J


def test_a_shape_written_under_a_name_is_no_index():
    assert prepass(r"y_{2 \times 1} = W_{2 \times 3} x_{3 \times 1}") == prepass("y = W x")


def test_the_jacobian_of_two_vectors_is_judged_entry_by_entry_and_a_slip_in_one_is_wrong():
    notes = r"""
    The layer: $$y_i = w_{i,1} x_1 + w_{i,2} x_2 + w_{i,3} x_3 + b_i$$

    $$J_x y = \begin{bmatrix} w_{1,1} & w_{1,2} & w_{1,3} \\ w_{2,1} & w_{2,2} & w_{2,3} \end{bmatrix} = W$$

    $$J_x y = \begin{bmatrix} w_{1,1} & w_{1,2} & w_{1,3} \\ w_{2,1} & w_{2,3} & w_{2,3} \end{bmatrix}$$
    """
    got = verdicts(notes, DENSE)
    assert {s for line, s in got if line == 4} == {"right"}  # the chain J_x y = W and each entry of the matrix
    assert len([s for line, s in got if line == 4]) == 7
    assert sorted(s for line, s in got if line == 6) == ["right"] * 5 + ["wrong"]


def test_a_matrix_between_two_links_of_a_chain_is_judged_against_the_link_before_it():
    notes = r"""
    $$y_i(x) = \frac{\exp(x_i)}{\sum_j \exp(x_j)}$$

    $$J_x y = \begin{bmatrix} y_1 - y_1 y_1 & - y_1 y_2 & - y_1 y_3 \\ - y_2 y_1 & y_2 - y_2 y_2 & - y_2 y_3 \\
    - y_3 y_1 & - y_3 y_2 & y_3 - y_3 y_3 \end{bmatrix} = \operatorname{diag}(y) - y y^T$$
    """
    got = statuses(notes, SOFTMAX)
    assert got == ["right"] * 11  # the forward rule, the chain without the matrix, the nine entries


def test_a_name_for_an_entry_by_entry_expression_is_read_at_each_entry_and_in_a_jacobian():
    notes = r"""
    $$y_i(x) = \frac{\exp(x_i)}{\sum_j \exp(x_j)}$$

    The log-softmax: $$z(x) = \log y(x)$$

    $$z_2 = x_2 - \log(\sum_j \exp(x_j))$$

    $$J_x z = \begin{bmatrix} 1 - y_1 & - y_2 & - y_3 \\ - y_1 & 1 - y_2 & - y_3 \\ - y_1 & - y_2 & 1 - y_2 \end{bmatrix}$$
    """
    got = verdicts(notes, SOFTMAX)
    assert [s for _, s in got[:3]] == ["right", "definition", "right"]
    assert sorted(s for line, s in got if line == 8) == ["right"] * 8 + ["wrong"]  # the last entry's y_2 for y_3


def test_colour_around_the_denominator_of_a_derivative_is_dropped_with_its_braces():
    single = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        """)
    notes = r"""
    $$\frac{\partial L}{\color{red}{\partial x_{11}}} = \frac{\partial L}{\partial y_{11}}\frac{\partial y_{11}}{\color{red}{\partial x_{11}}}$$

    $$\frac{\partial L}{\textcolor{blue}{\partial k_{11}}} = \sum_{i,j} \frac{\partial L}{\partial y_{ij}} x_{ij}$$
    """
    assert statuses(notes, single) == ["right", "right"]


STRIDED = network("""
    input = [1, 5, 5]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [3, 3]
    stride = [2, 2]
    """)


def test_limits_written_for_one_entry_that_run_past_a_border_are_not_judged_right():
    # the Data Science Stack Exchange question 102089: floor bounds that keep a window without the entry
    notes = r"""
    $$\frac{\partial L}{\partial x_{3,3}} = \sum_{i=1}^{2}\sum_{j=1}^{2}\frac{\partial L}{\partial y_{i,j}}k_{3-(i-1)2,3-(j-1)2}$$

    $$\frac{\partial L}{\partial x_{4,4}} = \sum_{i=1}^{2}\sum_{j=1}^{2}\frac{\partial L}{\partial y_{i,j}}k_{4-(i-1)2,4-(j-1)2}$$

    $$\frac{\partial L}{\partial x_{p,q}} = \sum_{i=1}^{2}\sum_{j=1}^{2}\frac{\partial L}{\partial y_{i,j}}k_{p-(i-1)2,q-(j-1)2}$$
    """
    got = check(notes)
    assert [v.status for v in got] == ["right", "not understood", "right"]
    assert "right only if k_{2,4}" in got[1].reason and "past the border" in got[1].reason
    # a general formula's terms past the border are the zeros it leaves there, and the report says so
    assert "as 0 (past the border of the tensor)" in got[2].reason


def test_an_implicit_sum_that_runs_past_a_border_inside_a_stated_one_is_a_general_reading():
    # heldout2/04_exam_sheet: \sum_{c=1}^{2}\sum_{p,q} k_{pq} x_{p,q+1}, p and q over the longest axis they index
    got = check(r"""
    $$y_{1,2} = \sum_{c=1}^{1}\sum_{p,q} k_{p,q}\, x_{p,q+2}$$
    """)
    assert [v.status for v in got] == ["right"] and "as 0 (past the border of the tensor)" in got[0].reason


def check(notes: str):
    return check_notes(textwrap.dedent(notes), STRIDED)


# published5/05 (ICEORY) and 02 (Talwar), heldout15/10 (a cheat sheet), published4/01 (Johnson)
def test_plain_tex_fonts_braces_under_and_an_unindexed_sum_are_read():
    # {\rm if} and {\rm otherwise} are the words of the cases: a piece on i = j, 0 otherwise
    assert prepass(r"\begin{cases} 1 & {\rm if}~i = j \\ 0 & {\rm otherwise} \end{cases}").split() == [r"\pieces{1}{", "i", "=", "j}{0}"]
    assert prepass(r"{\bf x} + {\cal L}").split() == ["x", "+", "L"]
    assert prepass(r"\underbrace{a - t}_{e} \cdot 2") == prepass(r"{a - t} \cdot 2")
    assert prepass(r"\frac{\partial \mathcal L}{\partial x}") == prepass(r"\frac{\partial \mathcal{L}}{\partial x}")
    # the one index letter of the summand the claim writes nowhere else
    assert r"\sum_{k} e^{x_k}" in prepass(r"y_1 = e^{x_1} / \sum e^{x_k}")
    assert r"\sum_{k}" in prepass(r"\frac{e^{x_1} \sum e^{x_k} - e^{x_1} e^{x_1}}{(\sum e^{x_k})^2}")
    assert r"\sum e^{x_k}" in prepass(r"y_k = e^{x_k} / \sum e^{x_k}")  # k is the claim's own: not guessed


def test_a_condition_before_a_claim_and_a_sum_that_leaves_out_a_number_are_read():
    notes = r"""
    $$y_i = \frac{e^{x_i}}{\sum_k e^{x_k}}$$

    $$
    {\rm if}~i=j=1,~\frac{\partial y_1}{\partial x_1} = \frac{e^{x_1}\cdot \sum e^{x_k}-e^{x_1}\cdot e^{x_1}}{(\sum e^{x_k})^2} = y_1 (1-y_1)
    $$

    $$\frac{\partial y_1}{\partial x_1} + \sum_{1\ne j}^3 \frac{\partial y_j}{\partial x_1} = 0$$

    $$\frac{\partial y_1}{\partial x_1} + \sum_{j \neq 1}^3 \frac{\partial y_j}{\partial x_1} = y_1$$
    """
    assert statuses(notes, SOFTMAX) == ["right", "right", "right", "wrong"]


def test_a_maximum_over_indices_between_bounds():
    pool = network("""
        input = [1, 4, 4]
        [[layer]]
        type = "maxpool"
        window = [3, 3]
        stride = [1, 1]
        """)
    notes = r"""
    $$m_{2,1} = \max_{2 \le i \le 4,\; 1 \le j \le 3} x_{i,j}$$

    $$m_{1,2} = \max_{1 \le i \le 2,\; 2 \le j \le 3} x_{i,j}$$
    """
    assert statuses(notes, pool) == ["right", "wrong"]  # the second window is 2 x 2, not 3 x 3


def test_a_whole_tensor_differentiated_by_one_entry_and_a_matrix_written_in_the_notes_own_layout():
    batch = network("""
        input = [2]
        batch = 2
        [[layer]]
        type = "dense"
        out_features = 3
        bias = false
        """)
    notes = r"""
    $$\frac{\partial a}{\partial x_{1,1}} = \begin{pmatrix} w_{1,1} & w_{2,1} & w_{3,1} \\ 0 & 0 & 0 \end{pmatrix}$$

    $$\frac{\partial a}{\partial x_{2,2}} = \begin{pmatrix} 0 & 0 & 0 \\ w_{1,1} & w_{2,2} & w_{3,2} \end{pmatrix}$$

    $$W = \begin{pmatrix} w_{1,1} & w_{2,1} & w_{3,1} \\ w_{1,2} & w_{2,2} & w_{3,2} \end{pmatrix}$$
    """
    got = verdicts(notes, batch)
    assert {s for line, s in got if line == 2} == {"right"}
    assert sorted(s for line, s in got if line == 4) == ["right"] * 5 + ["wrong"]  # w_{1,1} where w_{1,2} belongs
    assert {s for line, s in got if line == 6} == {"definition"}  # W laid out as the notes choose (D x M): no mistake


# published4/07 (the mnn docs): p is the target, said in words; \ell the loss; y_i^{-1}; \sum_{j \not= k}
def test_a_letter_the_notes_call_the_target_in_words_is_the_target():
    notes = r"""
    Names: $x$ the logits, $y$ the softmax of $x$, $p$ the real (target) probabilities, $\ell$ the loss.

    $$y_i(x) = \frac{\exp(x_i)}{\sum_j \exp(x_j)}$$

    $$\partial \ell / \partial x_k = - p_k + p_k y_k + \sum_{j \not= k} p_j y_k = - p_k + \sum_j p_j y_k = y_k - p_k$$

    $$\ell = -\sum_i p_i \log y_i$$

    $$\partial \ell / \partial x_k = y_k^{-1} p_k$$
    """
    got = check_notes(textwrap.dedent(notes), SOFTMAX)
    assert "p is the target (the notes say so on line 2)" in got.conventions.describe()
    assert [v.status for v in got] == ["right", "right", "right", "wrong"]


def test_a_target_word_that_goes_with_the_name_after_it_names_no_target():
    notes = r"""
    Softmax probabilities $p$, target distribution $t$ (one-hot).

    $$\frac{\partial L}{\partial x_k} = p_k - t_k$$
    """
    got = check_notes(textwrap.dedent(notes), SOFTMAX)
    assert not got.conventions.target and [v.status for v in got] == ["right"]


def test_a_channel_written_with_a_letter_in_parentheses_keeps_its_numbers_channels():
    # heldout15/06: z^{(c)}_{i,j} for channel c, then z^{(1)}_{1,1}, K^{(2)}: channels, not layers (1) and (2)
    gap = network("""
        input = [1, 4, 4]
        [[layer]]
        type = "conv"
        out_channels = 2
        kernel = [3, 3]
        bias = true
        [[layer]]
        type = "global_avgpool"
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "softmax_cross_entropy"
        """)
    notes = r"""
    $$z^{(c)}_{i,j} = \sum_{p=1}^{3}\sum_{q=1}^{3} K^{(c)}_{p,q}\, x_{i+p-1,\,j+q-1} + \beta_c$$

    $$g_c = \frac{1}{4}\sum_{i=1}^{2}\sum_{j=1}^{2} z^{(c)}_{i,j}$$

    $$g_1 = \frac{1}{4}\left(z^{(1)}_{1,1} + z^{(1)}_{1,2} + z^{(1)}_{2,1} + z^{(1)}_{2,2}\right)$$

    $$\frac{\partial L}{\partial K^{(2)}_{1,1}} = \frac{1}{4}\,\frac{\partial L}{\partial g_2}\left(x_{1,1} + x_{1,2} + x_{2,1} + x_{2,2}\right)$$

    $$\frac{\partial L}{\partial K^{(2)}_{1,2}} = \frac{1}{4}\,\frac{\partial L}{\partial g_2}\left(x_{1,1} + x_{1,2} + x_{2,1} + x_{2,2}\right)$$
    """
    got = check_notes(textwrap.dedent(notes), gap)
    assert not got.conventions.parenthesized
    assert [v.status for v in got] == ["right", "right", "right", "right", "wrong"]


# heldout15/01 (French), published3/04 (Jaumier, in French): range and case words in other languages, a trailing \cdots
def test_range_and_case_words_in_french_and_a_trailing_cdots():
    single = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        bias = true
        """)
    notes = r"""
    $$\frac{\partial y_{i,j}}{\partial b} = 1 \quad \text{pour tout } i,j,$$

    $$y_{12} = k_{11} x_{12} + k_{12} x_{13} + k_{21} x_{22} + k_{22} x_{23} + b \cdots$$

    $$y_{ij} = \sum_{p=1}^{2} \sum_{q=1}^{2} k_{pq} x_{i+p-1,j+q-1} + b \quad \forall(i,j)\in\{1,2\}^2$$

    $$\frac{\partial y_{11}}{\partial x_{mn}} = \begin{cases} k_{mn} & \text{si } m \le 2 \\ 0 & \text{sinon} \end{cases}$$
    """
    assert statuses(notes, single) == ["right", "right", "right", "right"]


# published2/07 (Bendersky): the derivative of an expression whose indices are only inside it; "the $i \neq j$ case:"
def test_the_indices_of_a_differentiated_expression_and_a_case_named_before_a_display():
    notes = r"""
    $$y_i = \frac{e^{x_i}}{\sum_{k=1}^{3}e^{x_k}}$$

    Similarly, we can do the $i\neq j$ case:

    $$\frac{\partial \frac{e^{x_i}}{\sum_{k=1}^{3}e^{x_k}}}{\partial x_j} = -y_j y_i$$

    $$\frac{\partial \frac{e^{x_i}}{\sum_{k=1}^{3}e^{x_k}}}{\partial x_j} = -y_j y_i \quad i = j$$
    """
    assert statuses(notes, SOFTMAX) == ["right", "right", "wrong"]


# published5/02 (Talwar's batch normalization): a label before the claim, \hat {x_i}, 1(k == i), \sum_{j=1, j \ne i}^3,
# and braces TeX shows as nothing: {1 - \frac{1}{3} - a}(b) is 1 - 1/3 - ab as it is printed
def test_a_label_a_hat_over_an_index_a_programmer_s_equality_and_braces_that_show_nothing():
    assert prepass(r"(Mean) \space \mu = \frac{1}{3} \sum_j x_j").strip().startswith(r"\mu")
    assert prepass(r"\hat {x_i} = 1") == prepass(r"\hat{x}_i = 1")
    assert prepass(r"y = \left( {a - b}\left(c\right) \right)").split() == prepass(r"y = ( a - b (c) )").split()
    assert "{x_j}" in prepass(r"\frac{1}{3} {\sum_{j=1}^3 {x_j}}")  # a sum's argument keeps its braces
    batchnorm = network("""
        input = [1]
        batch = 3
        [[layer]]
        type = "batchnorm"
        """)
    notes = r"""
    $$y_i = \gamma\hat {x_i} + \beta$$

    $$\frac {\partial y_k}{\partial x_i} = \frac {\gamma}{\sqrt{\sigma^2 + \epsilon}} \left( {1(k == i) - \frac{1}{3} - \frac{1}{3}\left({\frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}}\right)}\left({\frac{x_k - \mu}{\sqrt{\sigma^2 + \epsilon}}}\right) \right)$$

    $$\frac{\partial \sigma^2}{\partial x_1} = \frac{1}{3} \left( \frac{-2}{3}\sum_{j=1, j \ne 1}^3{(x_j - \mu)} + 2(x_1 - \mu)\left(1 - \frac{1}{3}\right) \right)$$

    $$\frac{\partial \sigma^2}{\partial x_1} = \frac{1}{3} \left( \frac{-2}{3}\sum_{j=1, j \ne 2}^3{(x_j - \mu)} + 2(x_1 - \mu)\left(1 - \frac{1}{3}\right) \right)$$
    """
    assert statuses(notes, batchnorm) == ["right", "right", "right", "wrong"]


def test_an_array_in_brackets_is_shown_as_written():
    notes = r"""
    $$\left( \begin{array}{c} {\frac{\partial L}{\partial y_{1}}}, & {\frac{\partial L}{\partial y_{2}}} \end{array} \right)$$
    """
    got = check_notes(textwrap.dedent(notes), DENSE)  # Talwar's list of the gradients wanted: no claim, shown as written
    assert [v.status for v in got] == ["not understood"] and r"\begin{array}" in got[0].claim


# published2/07 (Bendersky): D_j S_i defined once as dS_i/da_j, cases written as a braced matrix, a piece that opens
# with \left(
def test_a_derivative_operator_the_notes_define_and_cases_written_as_a_braced_matrix():
    notes = r"""
    $$S_j=\frac{e^{x_j}}{\sum_{k=1}^{3}e^{x_k}}$$

    $$D_{j}S_i=\frac{\partial S_i}{\partial x_j}$$

    $$D_{j}S_i=\left\{\begin{matrix} S_i(1-S_j) & i=j\\ -S_jS_i & i\neq j \end{matrix}\right.$$

    $$D_{j}S_i=S_i (\delta_{ij}-S_j)$$

    $$D_{j}S_i=\begin{cases} \left(S_i\right)(1-S_j) & i=j\\ S_j S_i & i\neq j \end{cases}$$
    """
    got = statuses(notes, SOFTMAX)
    assert got[2:] == ["right", "right", "wrong"]  # the last: the sign of the second piece


BATCHNORM = """
    input = [1]
    batch = 3

    [[layer]]
    type = "batchnorm"
    """


def test_a_partial_of_a_staged_graph_is_never_called_wrong():
    """Zakka's batch norm (published6/02, line 170): with mu and sigma^2 nodes of their own, d x-hat_i / d x_i is
    1/sqrt(sigma^2 + epsilon), the partial with them held fixed; the total derivative through them is another number.
    It was called wrong: now not understood, saying both readings. A claim wrong either way is still wrong, and the
    partials of the nodes themselves (d mu / d x_i = 1/3) stay right."""
    d = network(BATCHNORM)
    got = check_notes(textwrap.dedent(r"""
        $$\mu = \frac{1}{3} \sum_{i=1}^{3} x_i, \qquad \sigma^2 = \frac{1}{3} \sum_{i=1}^{3} (x_i - \mu)^2, \qquad
        \hat{x}_i = \frac{x_i - \mu}{\sqrt{\sigma^2 + \epsilon}}$$

        $$\dfrac{\partial \hat{x}_i}{\partial x_i} = \dfrac{1}{\sqrt{\sigma^2 + \epsilon}}$$

        $$\dfrac{\partial \mu}{\partial x_i} = \dfrac{1}{3}$$

        $$\dfrac{\partial \hat{x}_i}{\partial x_i} = \dfrac{3}{\sqrt{\sigma^2 + \epsilon}}$$
        """), d)
    claims = [v for v in got if v.status not in ("definition",)]
    staged, mu, wrong = claims[-3:]
    assert staged.status == "not understood" and "partial of a staged graph" in staged.reason, staged
    assert mu.status == "right"
    assert wrong.status == "wrong"
