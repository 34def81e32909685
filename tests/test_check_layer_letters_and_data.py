"""check's rules for names written with a layer (Kafunah's x^l, o^{l-1}), the sizes a sum's limits write, and the
data notes give (tests/notes/published/01_kafunah_conv.md, heldout14/03 and 08, published4/07)."""

from __future__ import annotations

import textwrap

from symconv.grading import check_notes
from symconv.grading.constants import in_limits
from symconv.grading.notation import prepass

from .notes_network import network, statuses

# Kafunah (2016): o^{l-1} (4 x 4) -> conv w^l (2 x 2, bias) -> x^l -> sigmoid -> o^l -> conv w^{l+1} -> x^{l+1}
TWO_CONVS = network("""
    input = [1, 4, 4]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    bias = true
    """)


def test_a_function_s_derivative_is_no_primed_index():
    assert "f'\\left(" in prepass(r"\delta_{i'} w f'\left(x_{i'}\right)") or "f'(" in prepass(r"\delta_{i'} w f'\left(x_{i'}\right)")
    assert "i'" not in prepass(r"\delta_{i'} = x_{i'}")


def test_the_sizes_notes_state_are_read_in_a_sum_s_limits():
    assert in_limits(r"\sum_{i=0}^{H-k_1} x_{i,k_1}", {"H": 4, "k_1": 2}) == r"\sum_{i=0}^{2} x_{i,k_1}"
    assert in_limits(r"\sum_{m = 0}^{k_1 - 1} \sum_{j=1}^{W - k_2 + 1}", {"W": 4, "k_1": 2, "k_2": 2}) == \
        r"\sum_{m = 0}^{1} \sum_{j=1}^{3}"
    single = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        """)
    notes = r"""
    Indices start at 0; $H = W = 3$ and $k_1 = k_2 = 2$.

    $$\frac{\partial L}{\partial k_{m,n}} = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2} \frac{\partial L}{\partial a^{[1]}_{i,j}} x_{i+m,j+n}$$

    $$\frac{\partial L}{\partial k_{m,n}} = \sum_{i=0}^{H-k_1} \sum_{j=0}^{W-k_2} \frac{\partial L}{\partial a^{[1]}_{i,j}} x_{i+n,j+m}$$
    """
    assert statuses(notes, single) == ["right", "right", "right", "wrong"]


CONV_RELU_POOL = network("""
    input = [1, 3, 3]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    [[layer]]
    type = "relu"
    [[layer]]
    type = "maxpool"
    window = [2, 2]
    stride = [1, 1]
    """)


def test_data_given_whole_decide_a_branching_network_s_claims_but_not_a_linear_one_s():
    # x and k given: z = (2, -1; 0, 3), so the pooling takes z_{22} and only that entry has a gradient
    notes = r"""
    $$X = \begin{bmatrix} 1 & 0 & 1\\ 0 & 1 & 0\\ 1 & 0 & 2 \end{bmatrix}, \qquad K = \begin{bmatrix} 1 & 0\\ -1 & 1 \end{bmatrix}$$

    $$\frac{\partial L}{\partial k_{11}} = \frac{\partial L}{\partial a^{[3]}_{11}} x_{22}$$

    $$\frac{\partial L}{\partial k_{11}} = \frac{\partial L}{\partial a^{[3]}_{11}} x_{33}$$
    """
    got = statuses(notes, CONV_RELU_POOL)
    assert got[-2:] == ["right", "wrong"], got
    linear = network("""
        input = [1, 2, 2]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [1, 1]
        """)
    # without a branch, a term the data make 0 (x_{12} = 0) is still missing from the formula
    notes = r"""
    $$X = \begin{bmatrix} 1 & 0\\ 2 & 3 \end{bmatrix}$$

    $$\frac{\partial L}{\partial k_{11}} = \frac{\partial L}{\partial a^{[1]}_{11}} x_{11} + \frac{\partial L}{\partial a^{[1]}_{21}} x_{21} + \frac{\partial L}{\partial a^{[1]}_{22}} x_{22}$$
    """
    assert statuses(notes, linear)[-1] == "wrong"


def test_a_vector_written_out_in_numbers_gives_its_entries_and_a_target_so_given_is_the_problem_s():
    logits = network("""
        input = [3]
        [[layer]]
        type = "softmax_cross_entropy"
        """)
    notes = r"""
    The one-hot target is $t = (0, 1, 0)^T$.

    $$L = -\log p_2$$

    $$L = -\log p_1$$
    """
    assert statuses(notes, logits)[-2:] == ["right", "wrong"]
