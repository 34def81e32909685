"""check's rules for names written with a layer (Kafunah's x^l, o^{l-1}), the sizes a sum's limits write, and the
data notes give (tests/notes/published/01_kafunah_conv.md, heldout14/03 and 08, published4/07)."""

from __future__ import annotations

import textwrap

from symconv.grading import check_notes
from symconv.grading.constants import in_limits
from symconv.grading.notation import prepass, primed_indices, primed_names

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


def test_a_primed_letter_never_written_as_an_index_is_a_name_of_its_own():
    # t' (a second target in symconv's own exercises), w'_{ij} (Jaumier's flipped kernel): names, never t or w; a
    # primed letter the notes write in a subscript is an index, in an index relation too (p = i - i' + 1)
    notes = r"$$\frac{\partial L}{\partial x_{i,j}} = \sum_{i'} \delta_{i'} w_{p}$$ and $$p = i - i' + 1$$"
    primed = primed_indices(notes)
    assert primed == {"i"}
    assert primed_names(r"(\hat{y} - t')_{2,1} = -0.85", primed) == r"(\hat{y} - \breve{t})_{2,1} = -0.85"
    assert primed_names(r"w'_{ij} = w_{3-i,3-j}", primed) == r"\breve{w}_{ij} = w_{3-i,3-j}"
    assert primed_names(r"p = i - i' + 1", primed) == r"p = i - i' + 1"
    assert primed_names(r"x_{m'} = 1(m' = 2)", set()) == r"x_{m'} = 1(m' = 2)"
    assert primed_names(r"f'(z) = \sigma'(z)", set()) == r"f'(z) = \sigma'(z)"


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


def test_a_name_written_with_a_layer_is_read_at_that_layer_beside_its_other_layers():
    # o^{[0]} is the input, x^{[1]} the first convolution's output, though x alone names the input here
    notes = r"""
    Indices start at 0.

    $$x_{i,j}^{[1]} = \sum_{m}\sum_{n} w_{m,n}^{[1]} o_{i+m,j+n}^{[0]} + b^{[1]}$$

    $$x_{i,j}^{[2]} = \sum_{m}\sum_{n} w_{m,n}^{[2]} o_{i+m,j+n}^{[1]} + b^{[2]}$$

    $$o_{i,j}^{[1]} = f(x_{i,j}^{[1]})$$

    $$x_{i,j}^{[2]} = \sum_{m}\sum_{n} w_{m,n}^{[2]} o_{i+m,j+n}^{[1]}$$
    """
    got = check_notes(textwrap.dedent(notes), TWO_CONVS)
    assert [v.status for v in got] == ["right", "right", "right", "wrong"], [(v.line, v.status, v.reason) for v in got]
    assert "o^{[0]} as the input" in got[0].reason and "x^{[1]} as the output of layer 1 (conv)" in got[0].reason


def test_a_claim_about_every_layer_l_reads_names_at_a_layer_beside_a_value_that_layer_has():
    # the forward rule names w^l and b^l: read at l = 1 and 2, o^{[0]}, x^{[1]}, o^{[1]}, x^{[2]} are read; the
    # backward rule is then read at l = 1, with the sizes the notes state in its limits
    notes = r"""
    Indices start at 0 and $k_1 = k_2 = 2$.

    $$x_{i,j}^l = \sum_{m}\sum_{n} w_{m,n}^l o_{i+m,j+n}^{l-1} + b^l$$

    $$o_{i,j}^l = f(x_{i,j}^l)$$

    $$\frac{\partial E}{\partial x_{i',j'}^{l}} = \sum_{m = 0}^{k_1 - 1} \sum_{n = 0}^{k_2 - 1} \frac{\partial E}{\partial x^{l+1}_{i' - m,j' - n}} w_{m,n}^{l+1} f'\left(x_{i',j'}^{l}\right)$$
    """
    got = check_notes(textwrap.dedent(notes), TWO_CONVS)
    assert [v.status for v in got] == ["right", "right", "right", "right"], [(v.line, v.status, v.reason) for v in got]
    assert got[1].reason == "read at l = 1, 2" and got[2].reason == "read at l = 1"


def test_a_name_read_at_a_layer_is_never_taken_from_a_claim_about_every_layer_that_names_nothing_of_it():
    # o^l = f(x^l) alone: at l = 0 nothing of layer 0 is named, so no two values are taken for o^{[0]}, x^{[0]}
    notes = r"""
    $$o^l = f(x^l)$$
    """
    (got,) = check_notes(textwrap.dedent(notes), TWO_CONVS)
    assert got.status == "not understood", got


def test_an_entry_as_a_function_of_the_whole_input_is_the_entry():
    logits = network("""
        input = [3]
        [[layer]]
        type = "softmax_cross_entropy"
        """)
    notes = r"""
    $$p_i(x) = \frac{e^{x_i}}{\sum_j e^{x_j}}$$

    $$p_i(x) = \frac{e^{x_i}}{\sum_j e^{2 x_j}}$$
    """
    assert statuses(notes, logits) == ["right", "wrong"]


SIGMOID_NET = network("""
    input = [2]
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "dense"
    out_features = 1
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "mse"
    reduction = "half_sum"
    """)


def test_a_computational_graph_walk_reads_its_node_names_and_its_labels():
    # (heldout14/06) o(1 - o) of the one output o is a product, not o's entry 1 - o; "Call this number
    # $\delta_u$" names the display before it, its u the node's name; \partial L/\partial L = 1 starts the walk
    notes = r"""
    Hidden: $z_i = w_{i1}x_1 + w_{i2}x_2 + b_i$ and $h_i = \sigma(z_i)$. Output: $u = v_1h_1 + v_2h_2 + c$, $o = \sigma(u)$.

    $$\frac{\partial L}{\partial L} = 1$$

    $$\frac{\partial L}{\partial u} = (o - t)\,o(1 - o)$$

    Call this number $\delta_u$.

    $$\frac{\partial L}{\partial v_1} = \delta_u h_1$$

    $$\frac{\partial L}{\partial v_2} = \delta_u h_1$$
    """
    got = check_notes(textwrap.dedent(notes), SIGMOID_NET)
    assert [v.status for v in got][-5:] == ["right", "right", "right", "right", "wrong"], [
        (v.line, v.status, v.reason) for v in got]


def test_a_slashed_derivative_as_a_whiteboard_writes_it():
    single = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        bias = true
        """)
    notes = r"""
    $dL/db^{[1]} = \sum_{i,j} \frac{\partial L}{\partial a^{[1]}_{ij}}$, and $dL/db^{[1]} = \frac{\partial L}{\partial a^{[1]}_{11}}$
    """
    assert statuses(notes, single) == ["right", "wrong"]


def test_one_output_per_example_is_written_with_the_example_s_index_alone():
    batch = network("""
        batch = 2
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        reduction = "mean"
        """)
    notes = r"""
    $$L = \frac{1}{2}\sum_{n=1}^{2}(a^{[1]}_{n} - t_{n})^2$$

    $$\frac{\partial L}{\partial a^{[1]}_{n}} = a^{[1]}_{n} - t_{n}$$

    $$\frac{\partial L}{\partial a^{[1]}_{n}} = 2(a^{[1]}_{n} - t_{n})$$
    """
    assert statuses(notes, batch) == ["right", "right", "wrong"]


def test_a_name_read_anew_is_never_the_value_the_left_hand_side_is_of():
    # \partial L/\partial b^{[1]} = \partial L/\partial m holds with m as b itself, and says nothing of m
    notes = r"""
    $$\frac{\partial L}{\partial b^{[3]}_{1}} = \frac{\partial L}{\partial m_1}$$
    """
    (got,) = check_notes(textwrap.dedent(notes), SIGMOID_NET)
    assert got.status == "not understood" or "b[3]" not in got.reason, got


RELU_NET = network("""
    input = [3]
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "relu"
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "mse"
    reduction = "sum"
    """)


def test_the_summation_convention_said_in_words_and_a_step_function_named_theta():
    # heldout13/06: "an index that appears twice in a term is summed (Einstein summation)", "$\theta(h)$ is the
    # step function"
    notes = r"""
    **Convention:** an index that appears twice in a term is summed over its range (Einstein summation).
    Here $h_i$ is the first dense layer's output, $o_k$ the second's, $V_{ki}$ its weights. $\theta(h)$ is the step
    function, $1$ for $h > 0$ and $0$ otherwise.

    $$L = (o_k - t_k)(o_k - t_k)$$

    $$a^{[2]}_i = \max(0, h_i)$$

    $$o_k = V_{ki}\, a^{[2]}_i + b^{[3]}_k$$

    $$\frac{\partial L}{\partial h_i} = 2\,\theta(h_i)\, V_{ki}(o_k - t_k)$$

    $$\frac{\partial L}{\partial h_i} = \theta(h_i)\, V_{ki}(o_k - t_k)$$
    """
    got = [v.status for v in check_notes(textwrap.dedent(notes), RELU_NET)]
    assert got[-3:] == ["right", "right", "wrong"], got


def test_a_case_said_inline_before_the_claim_in_its_sentence():
    # published4/07 (the mnn docs): "when $i = k$, we have $\partial y_i / \partial x_k = y_i (1 - y_i)$"
    logits = network("""
        input = [3]
        [[layer]]
        type = "softmax_cross_entropy"
        """)
    notes = r"""
    For the softmax $y$, when $i = k$, we have $\partial y_i / \partial x_k = y_i (1 - y_i)$
    and when $i \not= k$, we have $\partial y_i / \partial x_k = - y_i y_k$.
    """
    assert statuses(notes, logits)[-2:] == ["right", "right"]


def test_mazur_s_power_rule_written_out_and_a_prime_in_braces():
    assert "^{1}" in prepass(r"(t - o)^{2 - 1}") and "i'" not in prepass(r"Z(i^{'}, j) = x_{i^{'}}")


def test_a_letter_given_a_number_and_then_written_where_a_parameter_is_is_that_parameter():
    # heldout14/08: "bias $c = 0.5$", then \hat y = \sum_j w_j a_j + c (the dense layer's bias): c is b^{[3]}, given 0.5,
    # and the worked numbers that need it are judged
    dense = network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    Weights $w = (1, 2)$, bias $c = 0.5$, input $x = (1, 1)$, target $t = 3$.

    $$\hat y = \sum_j w_j x_j + c$$

    $$\hat y = 1 + 2 + 0.5 = 3.5$$

    $$\frac{\partial L}{\partial c} = \hat y - t = 0.5$$

    $$\frac{\partial L}{\partial c} = 1.5$$
    """
    assert statuses(notes, dense)[-4:] == ["right", "right", "right", "wrong"]


def test_a_letter_symconv_reads_as_another_case_of_a_name_may_be_the_notes_own():
    # heldout13/02: the notes' w is the convolution's filter, and the dense layer's W is symconv's: w is not W here
    net = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        [[layer]]
        type = "flatten"
        [[layer]]
        type = "dense"
        out_features = 1
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    $$z_{rs} = \sum_{p=1}^{2}\sum_{q=1}^{2} w_{pq}\, x_{r+p-1,\, s+q-1}$$

    $$\frac{\partial L}{\partial w_{pq}} = \sum_{r=1}^{2}\sum_{s=1}^{2} \frac{\partial L}{\partial z_{rs}}\, x_{r+p-1,\, s+q-1}$$

    $$\frac{\partial L}{\partial w_{pq}} = \sum_{r=1}^{2}\sum_{s=1}^{2} \frac{\partial L}{\partial z_{rs}}\, x_{r+q-1,\, s+p-1}$$
    """
    got = check_notes(textwrap.dedent(notes), net)
    assert [v.status for v in got] == ["right", "right", "wrong"], [(v.line, v.status, v.reason) for v in got]
    assert "w as K[1]" in got[0].reason or "w as" in got[0].reason


def test_a_name_the_notes_number_in_parentheses_is_read_at_that_layer():
    # a TA's solution: "Superscripts in parentheses number the layers", h^{(1)} the tanh's output, first met inside
    # z^{(2)} = W^{(2)} h^{(1)} + b^{(2)}: read at layer 1, as W^{(2)} is at layer 2
    d = network("""
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "tanh"
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "mse"
        reduction = "sum"
        """)
    notes = r"""
    Superscripts in parentheses number the layers.

    $$z^{(2)} = W^{(2)} h^{(1)} + b^{(2)}$$

    $$\frac{\partial L}{\partial W^{(2)}_{1,2}} = \delta^{(2)}_1 h^{(1)}_2$$

    $$\frac{\partial L}{\partial W^{(2)}_{1,2}} = \delta^{(2)}_1 h^{(1)}_1$$

    where $\delta^{(l)} = \partial L / \partial z^{(l)}$.
    """
    assert [v.status for v in check_notes(textwrap.dedent(notes), d)][:3] == ["right", "right", "wrong"]
