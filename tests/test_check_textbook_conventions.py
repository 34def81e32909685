"""check reads the conventions of textbooks and worked examples by meaning (issue 22): Bishop's biases as
weights w_{j0} and his one letter for two layers told apart by the index letter, a one-row weight matrix
indexed by one index, a loss written after the operator \\frac{\\partial}{\\partial w} or with its arguments,
a network's own letter (the target t) never taken for the loss, the steps of a worked example judged at
its numbers, and a claim whose exact expansion would explode judged by value in bounded time.

Every expected verdict is the mathematics worked by hand for the networks below (MATH.md's definitions),
not symconv's output.
"""

from __future__ import annotations

import textwrap
import time
import tomllib

from symconv import derive
from symconv.grading import check_claims, check_notes
from symconv.network import NetworkSpec


def parse_network(text: str) -> NetworkSpec:
    return NetworkSpec.from_dict(tomllib.loads(text), name="notes")

# Bishop, PRML 5.3: D = 2 inputs, M = 3 tanh hidden units, K = 2 linear outputs, half the squared error.
BISHOP = derive(parse_network("""
input = [2]
[[layer]]
type = "dense"
out_features = 3
bias = true
[[layer]]
type = "tanh"
[[layer]]
type = "dense"
out_features = 2
bias = true
[[layer]]
type = "mse"
reduction = "half_sum"
"""))

# A 3x3 image, one 2x2 convolution with bias, sigmoid, flatten by columns, one output neuron, (yhat - t)^2.
TINY = derive(parse_network("""
input = [1, 3, 3]
[[layer]]
type = "conv"
out_channels = 1
kernel = [2, 2]
bias = true
[[layer]]
type = "sigmoid"
[[layer]]
type = "flatten"
order = "column"
[[layer]]
type = "dense"
out_features = 1
bias = true
[[layer]]
type = "mse"
reduction = "sum"
"""))

# relu then 2x2 max pooling with stride 2 on a 4x4 map, the pooled map's gradient given.
POOL = derive(parse_network("""
input = [1, 4, 4]
input_gradient = true
[[layer]]
type = "relu"
[[layer]]
type = "maxpool"
window = [2, 2]
stride = [2, 2]
"""))


def verdicts(notes: str, d) -> dict[int, str]:
    return {v.line: v.status for v in check_notes(textwrap.dedent(notes), d)}


BISHOP_NOTES = r"""
    Biases are the weights $w_{j0}$ of a fixed input $x_0 = 1$.

    $$a_j = \sum_{i=1}^{2} w^{(1)}_{ji} x_i + w^{(1)}_{j0}$$

    $$z_j = \tanh(a_j)$$

    $$a_k = \sum_{j=1}^{3} w^{(2)}_{kj} z_j + w^{(2)}_{k0}$$

    Let $\delta_j \equiv \partial E/\partial a_j$.

    $$\frac{\partial E}{\partial w^{(2)}_{kj}} = \delta_k z_j$$

    $$\frac{\partial E}{\partial w^{(2)}_{k0}} = \delta_k$$

    $$\frac{\partial E}{\partial w^{(1)}_{j0}} = \delta_j$$

    $$\frac{\partial E}{\partial w^{(2)}_{k0}} = \delta_k z_k$$
    """


def test_bishops_bias_weight_and_his_index_letters_name_the_layers():
    got = verdicts(BISHOP_NOTES, BISHOP)
    # index 0 is the bias, not a reason to count from 0: the sums run from 1
    assert got[4] == "right"  # a_j, the hidden pre-activation, with its bias w_{j0} = b_j
    assert got[6] == "right"
    assert got[8] == "right"  # a_k: the same letter for the outputs, told apart by k
    assert got[12] == "right"  # \delta_k follows a_k: the output's delta
    assert got[14] == "right"  # dE/db_k = \delta_k
    assert got[16] == "right"  # dE/db_j = \delta_j
    assert got[18] == "wrong"  # dE/db_k has no factor z_k


def test_bishops_backpropagation_formula_names_two_layers_by_two_letters_in_one_claim():
    r"""PRML (5.56): \delta_j = h'(a_j) \sum_k w_{kj} \delta_k, \delta_k read before as the outputs' delta; \delta_j is
    then the hidden units', the one value that makes it hold. A wrong formula has no such value: never wrong on
    that ground, since what \delta_j means is then unknown."""
    notes = r"""
    $$a_j = \sum_{i=1}^{2} w^{(1)}_{ji} x_i + w^{(1)}_{j0}$$

    $$z_j = \tanh(a_j)$$

    $$y_k = \sum_{j=1}^{3} w^{(2)}_{kj} z_j + w^{(2)}_{k0}$$

    $$\delta_k = y_k - t_k$$

    $$\delta_j = (1 - z_j^2) \sum_{k=1}^{2} w^{(2)}_{kj} \delta_k$$

    $$\frac{\partial E}{\partial w^{(1)}_{ji}} = \delta_j x_i$$

    $$\frac{\partial E}{\partial w^{(1)}_{ji}} = \delta_j x_i z_j$$
    """
    got = check_notes(textwrap.dedent(notes), BISHOP)
    assert [v.status for v in got] == ["right"] * 6 + ["wrong"], [(v.claim, v.status, v.reason) for v in got]
    assert "index letter" in got[4].reason
    wrong = notes.replace(r"(1 - z_j^2)", r"(1 - a_j^2)")
    assert [v.status for v in check_notes(textwrap.dedent(wrong), BISHOP)][4] == "not understood"


def test_a_one_row_weight_matrix_is_indexed_by_one_index():
    # v_1..v_4 are the output neuron's weights (a 1 x 4 matrix), c its bias; a_{11} ... the sigmoid outputs
    s = lambda i, j: rf"\sigma(k_{{11}}x_{{{i}{j}}}+k_{{12}}x_{{{i}{j + 1}}}+k_{{21}}x_{{{i + 1}{j}}}+k_{{22}}x_{{{i + 1}{j + 1}}}+b)"  # noqa: E731
    total = rf"v_1{s(1, 1)} + v_2{s(2, 1)} + v_3{s(1, 2)} + v_4{s(2, 2)} + c - t"
    notes = rf"""
        $$L = \left({total}\right)^2$$

        $$\frac{{\partial L}}{{\partial c}} = 2\left({total}\right)$$

        $$\frac{{\partial L}}{{\partial v_3}} = 2\left({total}\right){s(1, 2)}$$

        $$\frac{{\partial L}}{{\partial v_3}} = 2\left({total}\right){s(2, 1)}$$
        """
    start = time.perf_counter()
    got = verdicts(notes, TINY)
    assert time.perf_counter() - start < 60  # a bound on a runaway search or expansion, not a measure of speed
    assert got[2] == got[4] == got[6] == "right", got
    assert got[8] == "wrong", got  # v_3 multiplies the window at (1, 2), flattened third by columns


def test_the_loss_after_the_operator_and_with_its_arguments():
    claims = [r"\frac{\partial}{\partial b^{[3]}_{1}} J = \frac{\partial J}{\partial a^{[3]}_{1}}",
              r"\frac{\partial}{\partial b^{[3]}_{1}} J(W,b;x,y) = \frac{\partial J}{\partial a^{[3]}_{1}}",
              r"\frac{\partial}{\partial b^{[3]}_{1}} J = \frac{\partial J}{\partial a^{[2]}_{1}}"]
    assert [v.status for v in check_claims(claims, BISHOP)] == ["right", "right", "wrong"]


def test_a_letter_that_names_a_value_of_the_network_is_not_the_loss():
    # t is the target: \partial t / \partial b is no gradient of the loss, so "= 1" is not judged as one
    (v,) = check_claims([r"\frac{\partial t}{\partial b^{[3]}} = 1"], BISHOP)
    assert v.status == "not understood", v


POOL_NOTES = r"""
    $$x = \begin{bmatrix} 1 & -2 & 3 & 1 \\ 4 & 2 & -1 & 3 \\ -3 & -1 & 5 & 5 \\ -4 & -2 & 2 & 1 \end{bmatrix}, \qquad \delta = \frac{\partial L}{\partial a^{[2]}} = \begin{bmatrix} 1 & 2 \\ 3 & -1 \end{bmatrix}$$

    $$\frac{\partial L}{\partial x_{1,3}} = \delta_{1,2} = 2$$

    $$\frac{\partial L}{\partial x_{3,3}} = \delta_{2,2} = 1$$

    $$\frac{\partial L}{\partial x_{3,1}} = \delta_{2,1} = 3$$
    """


def test_a_worked_example_step_is_judged_at_the_examples_numbers():
    got = verdicts(POOL_NOTES, POOL)
    # x_{1,3} = 3 is the first maximum of its window (a tie with x_{2,4}) and positive: it gets delta_{1,2}
    assert got[4] == "right", got
    assert got[6] == "wrong", got  # delta_{2,2} = -1, not 1
    assert got[8] == "wrong", got  # x_{3,1} = -3: relu stops it, and the window's maximum is 0 elsewhere
    (step,) = [v for v in check_notes(textwrap.dedent(POOL_NOTES), POOL) if v.line == 8]
    assert "at the values the notes give, this is 0, not 3" in step.reason, step.reason


def test_a_chain_that_names_a_value_twice_is_never_judged_wrong_for_it():
    # y_k = a_k = ...: both names for the outputs' value, a written before for the hidden units (a_j)
    notes = r"""
        $$a_j = \sum_{i=1}^{2} w^{(1)}_{ji} x_i + w^{(1)}_{j0}, \qquad z_j = \tanh(a_j)$$

        $$y_k = a_k = \sum_{j=1}^{3} w^{(2)}_{kj} z_j + w^{(2)}_{k0}$$

        $$y_k = a_k$$

        $$E_n = \frac{1}{2}\sum_{k=1}^{2} (y_k - t_k)^2$$
        """
    got = verdicts(notes, BISHOP)
    assert "wrong" not in got.values(), got
    assert got[2] == "right", got


def test_the_bias_trick_reads_the_weight_past_the_last_input_as_the_bias():
    # CS231n: w = [w_0, w_1, w_2] for a neuron with two inputs x_0, x_1, counted from 0, w_2 its bias
    neuron = derive(parse_network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 1
        bias = true
        [[layer]]
        type = "sigmoid"
        """.replace("        ", "")))
    claims = [r"a^{[1]}_{0} = w_0 x_0 + w_1 x_1 + w_2", r"a^{[1]}_{0} = w_0 x_0 + w_1 x_1 + w_1"]
    assert [v.status for v in check_claims(claims, neuron, index_base=0)] == ["right", "wrong"]


def test_a_given_values_derivative_by_another_is_a_kronecker_delta():
    from symconv import ConvSpec
    layer = derive(ConvSpec(input=(4, 4), kernel=(2, 2), names="x,w,y"))
    claims = [r"\frac{\partial y_{ij}}{\partial w_{mn}} = \sum_{k=1}^{2} \sum_{l=1}^{2} \frac{\partial w_{kl}}{\partial w_{mn}} x_{i+k-1,j+l-1}",
              r"\frac{\partial w_{kl}}{\partial w_{mn}} = \delta_{km}\delta_{ln}",
              r"\frac{\partial w_{12}}{\partial w_{12}} = 1",
              r"\frac{\partial w_{12}}{\partial w_{21}} = 1",
              # "= 0, except for (k,l) = (m,n)" said in words after it: not judged wrong for what the words add
              r"\frac{\partial w_{kl}}{\partial w_{mn}} = 0"]
    assert [v.status for v in check_claims(claims, layer)] == ["right", "right", "right", "wrong", "not understood"]


def test_the_summation_convention_when_the_notes_say_they_use_it():
    from symconv import ConvSpec
    layer = derive(ConvSpec(input=(4, 4), kernel=(2, 2), names="x,w,y", bias=True))
    said = "We use the Einstein convention: an index repeated in a product is summed over.\n\n"
    claims = (r"$$dy_{ij} = \frac{\partial L}{\partial y_{ij}}$$" "\n\n"
              r"$$db = dy_{ij}\cdot\frac{\partial y_{ij}}{\partial b}$$" "\n\n"
              r"$$dw_{mn} = dy_{ij} x_{i+m-1,j+n-1}$$" "\n\n"
              r"$$dw_{mn} = dy_{ij} x_{i+m,j+n}$$" "\n")
    report = check_notes(said + claims, layer)
    assert report.conventions.einstein == 1
    got = {v.claim.split("=")[0].strip(): v.status for v in report}
    assert got["db"] == "right" and list(report)[-2].status == "right" and list(report)[-1].status == "wrong"
    # without the convention the repeated index is no sum: not read, and never wrong for it
    plain = list(check_notes(claims, layer))
    assert [v.status for v in plain[-3:]] == ["not understood"] * 3


# Zhou's 2-2-1 network: sigmoid throughout, the mean squared error of the one example (Alice, target 1).
ZHOU = derive(parse_network("""
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
reduction = "mean"
"""))

ZHOU_NOTES = r"""
    Let $h_1, h_2, o_1$ be the outputs of the neurons; $f$ is the sigmoid.

    $$h_1 = f(w_1x_1 + w_2x_2 + b_1)$$

    $$y_{pred} = o_1 = f(w_5h_1 + w_6h_2 + b_3)$$

    $$\frac{\partial h_1}{\partial w_1} = x_1 * f'(w_1x_1 + w_2x_2 + b_1)$$

    $$\frac{\partial y_{pred}}{\partial h_1} = w_5 * f'(w_5h_1 + w_6h_2 + b_3)$$

    $$\frac{\partial L}{\partial y_{pred}} = -2(1 - y_{pred})$$

    $$\frac{\partial y_{pred}}{\partial h_1} = w_6 * f'(w_5h_1 + w_6h_2 + b_3)$$
    """


def test_units_named_by_their_letter_and_f_of_their_net_input():
    got = verdicts(ZHOU_NOTES, ZHOU)
    assert [got[n] for n in (4, 6, 8, 10)] == ["right"] * 4, got
    # right only for the example's target, 1, which these notes give in a table: not read, never wrong
    assert got[12] == "not understood", got
    assert got[14] == "wrong", got  # h_1 reaches o_1 through w_5, not w_6


def test_a_name_for_a_jacobian_reads_its_entries():
    # softmax with cross-entropy after one dense layer: J = dp/dz, J_{ij} = p_i (delta_ij - p_j)
    net = derive(parse_network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 3
        bias = true
        [[layer]]
        type = "softmax_cross_entropy"
        """.replace("        ", "")))
    notes = "Written out for a few entries of $J = \\partial p / \\partial a^{[1]}$:\n\n" + textwrap.dedent(r"""
        $$J_{12} = -p_1 p_2$$

        $$J_{22} = p_2(1 - p_2)$$

        $$J_{13} = p_1(1 - p_3)$$
        """)
    got = verdicts(notes, net)
    assert sorted(got.items())[-3:] == [(4, "right"), (6, "right"), (8, "wrong")], got


def test_a_matrix_times_a_vector_written_without_a_space():
    net = derive(parse_network("""
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "sigmoid"
        """.replace("        ", "")))
    claims = [r"a^{[1]} = Wx + b", r"a^{[1]} = Wb + x"]
    assert [v.status for v in check_claims(claims, net)] == ["right", "not understood"]


# Ng's course (and M. Rathi's notes after it): layers counted by their weights, z^{[l]} = W^{[l]} a^{[l-1]} + b^{[l]},
# an example's values a^{[l](i)}, examples as the columns of A^{[l]}, m of them, A.B for a matrix product.
NG = derive(parse_network("""
batch = 1
input = [3]
[[layer]]
type = "dense"
out_features = 4
bias = true
[[layer]]
type = "relu"
[[layer]]
type = "dense"
out_features = 2
bias = true
[[layer]]
type = "mse"
reduction = "half_sum"
"""))


def test_ngs_notation_examples_as_columns_m_of_them_and_transposed_layers():
    claims = [
        # dJ/dW^{[2]}_{jk}: the mean over the m examples (one here) of dJ/dz_j a_k
        r"\frac{\partial J}{\partial W^{[2]}_{jk}} = \frac{1}{m} \sum_{i=1}^{m} \frac{\partial J}{\partial z^{[2](i)}_{j}} a^{[1](i)}_{k}",
        r"\frac{\partial J}{\partial W^{[2]}_{jk}} = \frac{1}{m} \sum_{i=1}^{m} \frac{\partial J}{\partial z^{[2](i)}_{j}} a^{[1](i)}_{j}",
        # examples as columns: A^{[1]}_{ki} is unit k of example i
        r"\frac{\partial J}{\partial A^{[1]}_{ki}} = \sum_{j=1}^{n_l} W^{[2]T}_{kj} \frac{\partial J}{\partial Z^{[2]}_{ji}}",
        r"\frac{\partial J}{\partial A^{[1]}_{ki}} = \sum_{j=1}^{n_l} W^{[2]T}_{jk} \frac{\partial J}{\partial Z^{[2]}_{ji}}",
        r"\frac{\partial J}{\partial A^{[1]}} = W^{[2]T}.\frac{\partial J}{\partial Z^{[2]}}",
        r"\frac{\partial J}{\partial W^{[2]}} = \frac{\partial J}{\partial Z^{[2]}}.A^{[1]T}",
        r"\frac{\partial J}{\partial W^{[2]}} = A^{[1]T}.\frac{\partial J}{\partial Z^{[2]}}",
    ]
    got = [v.status for v in check_notes("\n\n".join(f"$${claim}$$" for claim in claims), NG)]
    assert got == ["right", "wrong", "right", "wrong", "right", "right", "not understood"], got


def test_the_count_of_a_sum_is_the_letter_that_ends_it():
    # \sum_{r=1}^{m} over the two output rows of the 3x3 input, 2x2 kernel layer: m = 2 wherever the claim writes it
    db = r"\frac{\partial L}{\partial b}"
    terms = r"\sum_{s=1}^{2} \frac{\partial L}{\partial y_{rs}}"
    claims = [rf"{db} = \frac{{2}}{{m}} \sum_{{r=1}}^{{m}} {terms}",
              rf"{db} = \frac{{1}}{{m}} \sum_{{r=1}}^{{m}} {terms}",
              rf"{db} = \frac{{m}}{{2}} \sum_{{r=1}}^{{m}} {terms}",
              # r runs along y's 2 rows and x's 3: which count m is, is not guessed
              r"\frac{\partial L}{\partial k_{11}} = \frac{2}{m} \sum_{r=1}^{m} \sum_{s=1}^{2} \frac{\partial L}{\partial y_{rs}} x_{rs}"]
    from symconv import ConvSpec
    got = [v.status for v in check_claims(claims, derive(ConvSpec(bias=True)))]
    assert got == ["right", "wrong", "right", "not understood"], got


def test_gradient_names_follow_the_notes_layer_numbering():
    # da^{[1]} is dJ/da^{[1]} with a^{[1]} the relu's output, as z^{[1]} and W^{[2]} are numbered by weighted layers
    notes = r"""
    $$z^{[1]} = W^{[1]} a^{[0]} + b^{[1]}$$

    $$a^{[1]} = \max(0, z^{[1]})$$

    $$da^{[1]}_k = \sum_{j=1}^{2} W^{[2]}_{jk}\, dz^{[2]}_j$$

    $$da^{[1]}_k = \sum_{j=1}^{2} W^{[2]}_{kj}\, dz^{[2]}_j$$
    """
    got = [v.status for v in check_notes(textwrap.dedent(notes), NG)]
    assert got == ["right", "right", "right", "wrong"], got


NG_SOFTMAX = derive(parse_network("""
batch = 1
input = [2]
[[layer]]
type = "dense"
out_features = 3
bias = true
[[layer]]
type = "softmax_cross_entropy"
"""))


def test_ngs_output_activation_is_the_softmax_of_a_softmax_cross_entropy():
    # a^{[L]} = softmax(z^{[L]}) = \hat y (Ng), written with the example first, ^{(i)[L]}, as Rathi does;
    # da_m/dz_j = -\hat y_j \hat y_m holds only for m != j ("a different node", said in words)
    notes = r"""
    $$z^{[1]} = W^{[1]} a^{[0]} + b^{[1]}$$

    $$\frac{\partial a^{(i)[L]}_j}{\partial z^{(i)[L]}_j} = \hat{y}^{(i)}_j (1 - \hat{y}^{(i)}_j)$$

    $$\frac{\partial a^{(i)[L]}_m}{\partial z^{(i)[L]}_j} = -\hat{y}^{(i)}_j \hat{y}^{(i)}_m$$

    $$\frac{\partial a^{(i)[L]}_m}{\partial z^{(i)[L]}_j} = -\hat{y}^{(i)}_j \hat{y}^{(i)}_m \quad (m \neq j)$$

    $$\frac{\partial a^{(i)[L]}_m}{\partial z^{(i)[L]}_j} = \hat{y}^{(i)}_j \hat{y}^{(i)}_m \quad (m \neq j)$$
    """
    got = [(v.status, v.reason) for v in check_notes(textwrap.dedent(notes), NG_SOFTMAX)]
    assert [s for s, _ in got] == ["right", "right", "not understood", "right", "wrong"], got
    assert "right wherever j \\neq m and wrong where j = m" in got[2][1]


def test_the_transpose_of_a_one_entry_tensor_is_its_entry():
    # one feature, a batch of 3, the half squared error: dL/dW = sum_n delta^{(n)} x^{(n)}, (x^{(n)})^T = x^{(n)}
    d = derive(parse_network("batch = 3\ninput = [1]\n[[layer]]\ntype = \"dense\"\nout_features = 1\nbias = true\n"
                             "[[layer]]\ntype = \"mse\"\nreduction = \"half_sum\"\n"))
    claims = [r"\frac{\partial L}{\partial W^{[1]}} = \sum_{n} \frac{\partial L}{\partial a^{[1](n)}}\, (x^{(n)})^{T}",
              r"\frac{\partial L}{\partial W^{[1]}} = \sum_{n} \frac{\partial L}{\partial a^{[1](n)}}\, (t^{(n)})^{T}"]
    assert [v.status for v in check_claims(claims, d)] == ["right", "wrong"]


def test_a_whole_column_written_with_a_dot_or_a_colon():
    # CS231n's (delta^{l+1})^T w^{l+1}_{.k}: dL/da^{[2]}_k = sum_j dL/da^{[3]}_j W^{[3]}_{jk}, the k-th column of W^{[3]}
    up = r"\left(\frac{\partial L}{\partial a^{[3]}}\right)^T"
    claims = [rf"\frac{{\partial L}}{{\partial a^{{[2]}}_k}} = {up} W^{{[3]}}_{{.k}}",
              rf"\frac{{\partial L}}{{\partial a^{{[2]}}_k}} = {up} W^{{[3]}}_{{:,k}}",
              rf"\frac{{\partial L}}{{\partial a^{{[2]}}_k}} = {up} W^{{[3]}}_{{.1}}"]
    assert [v.status for v in check_claims(claims, BISHOP)] == ["right", "right", "wrong"]


def test_the_bullet_is_the_element_wise_product():
    # UFLDL writes the Hadamard product as \bullet: dL/da^{[1]} = dL/da^{[2]} (1 - tanh^2), a^{[2]} = tanh(a^{[1]})
    claims = [r"\frac{\partial L}{\partial a^{[1]}} = \frac{\partial L}{\partial a^{[2]}} \bullet (1 - a^{[2]} \bullet a^{[2]})",
              r"\frac{\partial L}{\partial a^{[1]}} = \frac{\partial L}{\partial a^{[2]}} \bullet (1 - a^{[2]})"]
    assert [v.status for v in check_claims(claims, BISHOP)] == ["right", "wrong"]


def test_the_targets_of_a_softmax_cross_entropy_sum_to_one():
    # one-hot (or probability) targets: sum_k t_k = 1 holds; a squared error's targets are any numbers
    assert [v.status for v in check_claims([r"\sum_{k} t_k = 1", r"\sum_{k} t_k = 2"], NG_SOFTMAX)] == [
        "right", "not understood"]
    assert [v.status for v in check_claims([r"\sum_{k} t_k = 1"], BISHOP)] == ["not understood"]


CS231N = derive(parse_network("batch = 2\ninput = [3]\n[[layer]]\ntype = \"dense\"\nout_features = 2\nbias = true\n"
                              "[[layer]]\ntype = \"relu\"\n"))


def test_weights_written_transposed_when_the_notes_forward_rule_says_so():
    # CS231n: w is D x M and a = x w + b, so w_{d,j} joins input d to output j (symconv's W_{j,d})
    notes = r"""
    $$a^{[1]}_{n,j} = \sum_{d=1}^{3} x_{n,d}\, w_{d,j} + b_j$$

    $$dx_{n,d} = \sum_{j=1}^{2} da^{[1]}_{n,j}\, w_{d,j}$$

    $$dw_{d,j} = \sum_{n=1}^{2} x_{n,d}\, da^{[1]}_{n,j}$$

    $$dx_{1,2} = da^{[1]}_{1,1}\, w_{1,2} + da^{[1]}_{1,2}\, w_{2,2}$$
    """
    got = check_notes(textwrap.dedent(notes), CS231N)
    assert [v.status for v in got] == ["right", "right", "right", "wrong"], [(v.status, v.reason) for v in got]
    assert got.conventions.weights == "transposed"
    # one forward claim with its indices swapped is a mistake, not a convention
    (alone,) = check_notes(r"$$a^{[1]}_{n,j} = \sum_{d=1}^{3} x_{n,d}\, w_{d,j} + b_j$$", CS231N)
    assert alone.status != "right"


ROW_BATCH = derive(parse_network("batch = 2\ninput = [3]\n[[layer]]\ntype = \"dense\"\nout_features = 2\nbias = true\n"
                                 "[[layer]]\ntype = \"softmax_cross_entropy\"\nreduction = \"mean\"\n"))


def test_a_row_major_batch_with_its_bias_repeated_by_a_vector_of_ones_and_n_its_size():
    """PyTorch's rows: Z = X W^T + 1 b^T (1 a column of ones as long as the batch), and N the batch's size
    where the notes name it in words only ("N is two"), as PyTorch's documents do."""
    notes = r"""
    Rows are examples; $N$ is two.

    $$Z = X W^\top + \mathbf{1} b^\top$$

    $$Z = X W^\top - \mathbf{1} b^\top$$

    $$\frac{\partial L}{\partial Z} = \frac{1}{N}(P - T)$$

    $$\frac{\partial L}{\partial Z} = \frac{2}{N}(P - T)$$
    """
    got = check_notes(textwrap.dedent(notes), ROW_BATCH)
    assert [v.status for v in got] == ["right", "wrong", "right", "wrong"], [(v.claim, v.status, v.reason) for v in got]
    # alone, a repeated row has no number of rows: it is read added to a matrix
    (alone,) = check_notes(r"$$a^{[1]} = \mathbf{1} b^\top$$", ROW_BATCH)
    assert alone.status == "not understood" and "added to a matrix" in alone.reason, alone.reason


def test_a_batch_with_its_examples_as_columns():
    # Ng: X is features x examples, Z = W X + b with b added to every column; PyTorch's rows give Z = X W^T + b
    ng = r"""
    $$A^{[1]} = W^{[1]} X + b^{[1]}$$

    $$A^{[2]} = \max(0, W^{[1]} X + b^{[1]})$$

    $$A^{[1]} = W^{[1]} X$$
    """
    got = check_notes(textwrap.dedent(ng), CS231N)
    assert [v.status for v in got] == ["right", "right", "wrong"] and got.conventions.examples_as == "columns"
    rows = check_notes(r"$$A^{[1]} = X (W^{[1]})^T + b^{[1]}$$", CS231N)
    assert [v.status for v in rows] == ["right"] and rows.conventions.examples_as == ""


def test_the_label_y_set_to_a_number_is_the_target():
    # logistic regression at x = (1, 2), w = (0.5, -0.25), b = 0.1, y = 1: z = 0.1, yhat = sigma(0.1) = 0.525,
    # dL/dz = yhat - y = -0.475 (worked by hand)
    d = derive(parse_network("input = [2]\n[[layer]]\ntype = \"dense\"\nout_features = 1\nbias = true\n"
                             "[[layer]]\ntype = \"sigmoid\"\n[[layer]]\ntype = \"loss\"\n"
                             "formula = \"-(t*log(a) + (1 - t)*log(1 - a))\"\nreduction = \"sum\"\n"))
    notes = ("```python\nx = [1.0, 2.0]\nw = [0.5, -0.25]\nb = 0.1\ny = 1\n```\n\n"
             r"$$\hat{y} = \sigma(w_1 x_1 + w_2 x_2 + b)$$" "\n\n"
             r"$$\frac{\partial L}{\partial b} = \hat{y} - y \approx -0.475$$" "\n\n"
             r"$$\frac{\partial L}{\partial b} = \hat{y} - y \approx 0.475$$" "\n")
    assert [v.status for v in check_notes(notes, d) if v.status != "definition"] == ["right", "right", "wrong"]


def test_only_a_delta_is_read_as_the_kronecker_delta():
    # K with the entries of a transposed matrix is no Kronecker delta that makes the off-diagonal entries vanish
    two = derive(parse_network("input = [1, 4, 4]\n[[layer]]\ntype = \"conv\"\nout_channels = 1\nkernel = [2, 2]\n"
                               "bias = false\n[[layer]]\ntype = \"conv\"\nout_channels = 1\nkernel = [2, 2]\nbias = false\n"))
    notes = r"$$\operatorname{rot180}(K) = \begin{pmatrix} K_{22} & K_{12} \\ K_{21} & K_{11} \end{pmatrix}$$"
    assert "right" not in [v.status for v in check_notes(notes, two)][1:3]


def test_a_condition_in_parentheses_after_mere_spacing_is_the_claims_range():
    # -yhat_j yhat_m holds for m != j only: written after \;\; rather than \quad, the condition is still its range
    claims = [r"z^{[1]} = W^{[1]} a^{[0]} + b^{[1]}",
              r"\frac{\partial a^{[1]}_m}{\partial z^{[1]}_j} = -\hat{y}_j \hat{y}_m \;\; (m \neq j)",
              r"\frac{\partial a^{[1]}_m}{\partial z^{[1]}_j} = -\hat{y}_j \hat{y}_m \;\; (m = j)"]
    got = [v.status for v in check_notes("\n\n".join(f"$${c}$$" for c in claims), NG_SOFTMAX)]
    assert got == ["right", "right", "wrong"], got


def test_the_largest_over_the_indices():
    # a 2x2 max pooling of a 2x2 map keeps its largest entry: a^{[2]}_{1,1} = max_{i,j} a^{[1]}_{i,j}
    d = derive(parse_network("input = [1, 3, 3]\n[[layer]]\ntype = \"conv\"\nout_channels = 1\nkernel = [2, 2]\n"
                             "bias = false\n[[layer]]\ntype = \"maxpool\"\nwindow = [2, 2]\nstride = [2, 2]\n"))
    claims = [r"a^{[2]}_{1,1} = \max_{i,j} a^{[1]}_{i,j}", r"a^{[2]}_{1,1} = \max\left(0, \max_{i,j} a^{[1]}_{i,j}\right)",
              r"a^{[2]}_{1,1} = \min_{i,j} a^{[1]}_{i,j}"]
    assert [v.status for v in check_claims(claims, d)] == ["right", "wrong", "wrong"]


# Nielsen's and Gwardys' letters on a network of one convolution: w for its kernel, b_{x,y} its bias map.
ONE_CONV = derive(parse_network("""
input = [1, 3, 3]
[[layer]]
type = "conv"
out_channels = 1
kernel = [2, 2]
bias = true
[[layer]]
type = "mse"
reduction = "half_sum"
"""))


def test_nielsens_letters_for_a_convolution_a_name_defined_in_a_chain_and_index_relations():
    """dL/da_{ij} = a_{ij} - t_{ij} (half the squared error); a_{ij} = sum_{p,q} k_{pq} x_{i+p-1,j+q-1} + b;
    dL/dk_{pq} = sum_{ij} delta_{ij} x_{i+p-1,j+q-1}; dL/dx_{ij} = sum_{i'j'} delta_{i'j'} k_{i-i'+1,j-j'+1}."""
    notes = r"""
    $$\delta_{i,j} = \frac{\partial L}{\partial a^{[1]}_{i,j}} = a^{[1]}_{i,j} - t_{i,j}$$

    $$a^{[1]}_{i,j} = \sum_{p=1}^{2}\sum_{q=1}^{2} w_{p,q} x_{i+p-1,j+q-1} + b_{i,j}$$

    $$\frac{\partial L}{\partial w_{p,q}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \delta_{i,j} x_{i+p-1,j+q-1}$$

    For each $l = L - 1$ back to the first layer:

    $$ p = i - i' + 1 $$

    $$ q = j - j' + 1 $$

    $$\frac{\partial L}{\partial x_{i,j}} = \sum_{i'=1}^{2}\sum_{j'=1}^{2} \delta_{i',j'} w_{p,q}$$

    $$\frac{\partial L}{\partial x_{i,j}} = \sum_{i'=1}^{2}\sum_{j'=1}^{2} \delta_{i',j'} w_{q,p}$$
    """
    got = check_notes(textwrap.dedent(notes), ONE_CONV)
    status = {v.line: v.status for v in got}
    assert status[2] == "right" and "defined by the first '='" in got[0].reason  # then \delta is dL/da
    assert status[4] == "right"  # w the kernel, b_{i,j} the one channel's bias
    assert status[6] == "right"
    assert status[8] == "not understood"  # l counts layers: never the loss L written small (l = L - 1 was wrong)
    assert status[10] == status[12] == "definition"
    assert status[14] == "right" and "p=i-i'+1" in next(v for v in got if v.line == 14).reason.replace(" ", "")
    assert status[16] == "not understood"  # the kernel's indices swapped: not right with the relations
    # without the relations, p and q (free on the right only) have no range: neither claim reads
    alone = "\n".join(line for line in textwrap.dedent(notes).splitlines() if not line.startswith(("$$ p", "$$ q")))
    assert [v.status for v in check_notes(alone, ONE_CONV) if "i'" in v.claim] == ["not understood"] * 2


# Ng's course, vectorized over a batch of m = 2 examples as columns; J the mean of each example's squared error
NG_BATCH = derive(parse_network("""
batch = 2
input = [2]
[[layer]]
type = "dense"
out_features = 2
bias = true
[[layer]]
type = "relu"
[[layer]]
type = "dense"
out_features = 1
bias = true
[[layer]]
type = "mse"
reduction = "mean"
"""))


def test_ngs_dz_is_each_examples_own_gradient_and_a_star_the_notes_call_element_wise():
    """J = 1/2 sum_i (z_i - t_i)^2, so dJ/dz_i = z_i - t_i and the course's dZ = m dJ/dZ = 2 (Z - T);
    dW^{[2]} = 1/m dZ^{[2]} A^{[1]T}; dZ^{[1]} = W^{[2]T} dZ^{[2]} (element-wise) 1[Z^{[1]} > 0]."""
    notes = r"""
    The batch has $m = 2$ examples, as columns. I use $*$ for the element-wise product, as numpy does.

    $$Z^{[1]} = W^{[1]} X + b^{[1]}$$

    $$Z^{[2]} = W^{[2]} \max(0, Z^{[1]}) + b^{[2]}$$

    $$dZ^{[2]} = 2(Z^{[2]} - T)$$

    $$dW^{[2]} = \frac{1}{m} dZ^{[2]} A^{[1]T}$$

    $$dZ^{[1]} = W^{[2]T} dZ^{[2]} * \mathbb{1}[Z^{[1]} > 0]$$

    $$dW^{[1]} = dZ^{[1]} X^T$$
    """
    got = check_notes(textwrap.dedent(notes), NG_BATCH)
    assert [v.status for v in got][1:] == ["right", "right", "right", "right", "right", "wrong"], [
        (v.line, v.status, v.reason) for v in got]
    assert got.conventions.per_example == "dZ" and got.conventions.star == "element-wise"
    assert "*" in got[5].claim  # reported as the notes write it
    # without the sentence, * between two matrices is not the element-wise product; without dZ, no per-example names
    plain = check_notes(textwrap.dedent(notes).replace("I use $*$ for the element-wise product, as numpy does.", ""),
                        NG_BATCH)
    assert plain.conventions.star == "" and plain[5].status != "right"
    mean = check_notes(textwrap.dedent(notes).replace("dZ^{[2]} = 2(Z^{[2]} - T)", "dZ^{[2]} = Z^{[2]} - T"), NG_BATCH)
    assert mean[3].status != "right"  # dZ^{[2]} is m dJ/dZ^{[2]} in the course's sense, or dJ/dZ^{[2]}: not both


AVGPOOL = derive(parse_network("""
input = [1, 4, 4]
input_gradient = true
[[layer]]
type = "avgpool"
window = [2, 2]
stride = [2, 2]
"""))


def test_a_pooling_windows_index_rounded_up_or_down():
    """Each x_{ij} lies in window (ceil(i/2), ceil(j/2)), so dL/dx_{ij} = g_{ceil(i/2), ceil(j/2)} / 4; counted
    from 0, window (floor(i/2), floor(j/2))."""
    notes = r"""
    Let $g_{r,s}$ be $\partial L / \partial a^{[1]}_{r,s}$.

    $$\frac{\partial L}{\partial x_{i,j}} = \frac{1}{4} g_{\lceil i/2 \rceil,\, \lceil j/2 \rceil}$$

    $$\frac{\partial L}{\partial x_{i,j}} = \frac{1}{4} g_{\left\lfloor \frac{i+1}{2} \right\rfloor, \lfloor (j+1)/2 \rfloor}$$

    $$\frac{\partial L}{\partial x_{i,j}} = \frac{1}{4} g_{\lfloor i/2 \rfloor, \lceil j/2 \rceil}$$

    $$\frac{\partial L}{\partial x_{i,j}} = \frac{1}{4} g_{\lceil j/2 \rceil, \lceil i/2 \rceil}$$
    """
    assert list(verdicts(notes, AVGPOOL).values()) == ["definition", "right", "right", "wrong", "wrong"]
    zero = r"""
    Indices start at 0. Let $g_{r,s}$ be $\partial L / \partial a^{[1]}_{r,s}$.

    $$\frac{\partial L}{\partial x_{i,j}} = \frac{1}{4} g_{\lfloor i/2 \rfloor,\, \lfloor j/2 \rfloor}$$
    """
    assert list(verdicts(zero, AVGPOOL).values()) == ["definition", "right"]


def test_goodfellows_transposed_layer_matrix_and_two_names_defined_in_one_sentence():
    """z^{(1)} = W^{(1)} x + b^{(1)}, h = relu(z^{(1)}), z^{(2)} = W^{(2)} h + b^{(2)}: with
    delta^{(2)} = dL/dz^{(2)}, dL/dz^{(1)} = (W^{(2)T} delta^{(2)}) 1[z^{(1)} > 0]."""
    notes = r"""
    Write $\delta^{(2)}$ for $\nabla_{z^{[2]}} L$ and $\delta^{(1)}$ for $\nabla_{z^{[1]}} L$.

    $$\delta^{(1)} = W^{(2)\top} \delta^{(2)} \odot \mathbb{1}[z^{[1]} > 0]$$

    $$\delta^{(1)} = W^{(2)} \delta^{(2)} \odot \mathbb{1}[z^{[1]} > 0]$$
    """
    got = check_notes(textwrap.dedent(notes), NG)
    assert [v.status for v in got] == ["definition", "definition", "right", "not understood"], [
        (v.line, v.status, v.reason) for v in got]


TWO_CONV = derive(parse_network("""
input = [1, 4, 4]
input_gradient = true
[[layer]]
type = "conv"
out_channels = 1
kernel = [2, 2]
[[layer]]
type = "conv"
out_channels = 1
kernel = [2, 2]
"""))


def test_a_name_defined_by_a_gradient_before_its_value_is_named_and_plain_letters_as_values():
    """H = X * K, Y = H * V (valid correlations); G = dL/dY, so dL/dV = H * G and dL/dH_{22} = sum_{r,s} G_{rs}
    V_{3-r,3-s}. "H = X * K" also holds with H = dL/dK and K = dL/dH: plain letters name values first."""
    notes = r"""
    Here $G = \partial L / \partial Y$ is given.

    $$H = X \star K$$

    $$Y = H \star V$$

    $$\frac{\partial L}{\partial V} = H \star G$$

    $$\frac{\partial L}{\partial H_{22}} = G_{11} V_{11} + G_{12} V_{12} + G_{21} V_{21} + G_{22} V_{22}$$

    $$\frac{\partial L}{\partial H_{22}} = G_{11} V_{22} + G_{12} V_{21} + G_{21} V_{12} + G_{22} V_{11}$$
    """
    got = check_notes(textwrap.dedent(notes), TWO_CONV)
    assert [v.status for v in got] == ["definition", "right", "right", "right", "wrong", "right"], [
        (v.line, v.status, v.reason) for v in got]
    # read as values: H the first layer's output, K its kernel (beside H, K is read only as the kernels it names)
    assert "does not guess" in got[0].reason and "H as the output of layer 1 (conv)" in got[1].reason
    assert "K[1]" in got[1].reason and "dL/d" not in got[1].reason


def test_goodfellows_a_is_the_pre_activation_and_h_the_activation_and_bishops_e_is_the_loss():
    """a^{(1)} = b^{(1)} + W^{(1)} x, h^{(1)} = relu(a^{(1)}), a^{(2)} = b^{(2)} + W^{(2)} h^{(1)} (Goodfellow, ch. 6);
    E = 1/2 sum_k (a^{(2)}_k - t_k)^2, and dE/db^{(1)} = dE/da^{(1)}."""
    notes = r"""
    The input is $\boldsymbol{x}$, so $\boldsymbol{h}^{(0)}$ is $\boldsymbol{x}$.

    $$\boldsymbol{a}^{(1)} = \boldsymbol{b}^{(1)} + W^{(1)} \boldsymbol{x}$$

    $$\boldsymbol{h}^{(1)} = \max(0, \boldsymbol{a}^{(1)})$$

    $$\boldsymbol{a}^{(2)} = \boldsymbol{b}^{(2)} + W^{(2)} \boldsymbol{h}^{(1)}$$

    $$E = \frac{1}{2} \sum_{k=1}^{2} (a^{(2)}_k - t_k)^2$$

    $$\nabla_{\boldsymbol{b}^{(1)}} E = \nabla_{\boldsymbol{a}^{(1)}} E$$

    $$\nabla_{\boldsymbol{b}^{(1)}} E = \nabla_{\boldsymbol{h}^{(1)}} E$$
    """
    got = check_notes(textwrap.dedent(notes), NG)
    assert [v.status for v in got] == ["right"] * 5 + ["wrong"], [(v.line, v.status, v.reason) for v in got]
    assert got.conventions.preactivation == "a"
    # without h, a is each layer's output, as symconv numbers the layers
    ng = check_notes("$$a^{[2]} = \\max(0, W^{[1]} x + b^{[1]})$$", NG)
    assert [v.status for v in ng] == ["right"] and ng.conventions.preactivation == ""
