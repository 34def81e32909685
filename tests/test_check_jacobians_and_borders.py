"""check's rules for the Jacobian written J_x y, a shape written under a name, a matrix among a chain's links, a name
for an entry-by-entry expression of whole tensors (z = \\log y), colour around a derivative's parts, and sums whose
limits, written for one entry, run past a tensor's border (tests/notes/published4/06, 07 and published5/01, 04)."""

from __future__ import annotations

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
    assert prepass(r"J_w = A") == prepass(r"J_w = A")  # no name after it: left as written (of what, not said)
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
    import textwrap

    from symconv.grading import check_notes
    return check_notes(textwrap.dedent(notes), STRIDED)
