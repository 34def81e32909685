"""Rules of reading found by the held-out set heldout9 (measured once before they were written: 56/96 right
claims confirmed, 3 called wrong): each a convention or a reading that holds for any notes, tested here on
notes of its own, right and wrong."""

from __future__ import annotations

import textwrap

from symconv import ConvSpec, derive
from symconv.grading import check_notes
from symconv.network import NetworkSpec

from .notes_network import network, statuses




CONV = network("""
    input = [1, 4, 4]
    input_gradient = true
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    bias = true
    """)

# Nielsen's and UFLDL's 2-3-2 sigmoid network with half the squared error
MLP = network("""
    input = [2]
    [[layer]]
    type = "dense"
    out_features = 3
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "mse"
    reduction = "half_sum"
    """)

EXAM = network("""
    input = [1, 5, 5]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    bias = true
    [[layer]]
    type = "relu"
    [[layer]]
    type = "maxpool"
    window = [2, 2]
    [[layer]]
    type = "flatten"
    order = "row"
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "softmax_cross_entropy"
    """)


def test_the_summation_convention_sums_each_added_term_over_its_own_indices():
    # the bias is added once, not once per kernel entry; a statement that the sums are NOT implied is no convention
    notes = r"""
    I use the Einstein convention: an index repeated in a product is summed.

    $$y_{ij} = w_{ab}\, x_{i+a-1,\, j+b-1} + b$$

    $$y_{11} = w_{11}x_{11} + w_{12}x_{12} + w_{21}x_{21} + w_{22}x_{22} + b$$

    $$y_{11} = w_{11}x_{11} + w_{12}x_{12} + w_{21}x_{21} + w_{22}x_{22} + 4b$$
    """
    assert statuses(notes, CONV) == ["right", "right", "wrong"]
    got = check_notes(textwrap.dedent(notes.replace("I use the Einstein convention", "I do not use the summation "
                                                                                   "convention")), CONV)
    assert not got.conventions.einstein and got[0].status == "not understood"


def test_a_name_for_an_expression_with_an_index_left_free_is_no_name():
    # without the summation convention y_{ij} = w_{ab} x_{...} + b has no one value: y is not its name, and the
    # right claims about y after it are not judged against it
    notes = r"""
    $$y_{ij} = w_{ab}\, x_{i+a-1,\, j+b-1} + b$$

    $$y_{11} = w_{11}x_{11} + w_{12}x_{12} + w_{21}x_{21} + w_{22}x_{22} + b$$
    """
    assert statuses(notes, CONV) == ["not understood", "right"]


def test_two_names_read_in_one_claim_are_two_values():
    # R = max(S, 0) holds with R and S both the loss (which is positive): that reading says nothing
    notes = r"""
    $$R = \max(S, 0)$$

    $$S_{ij} = \sum_{p=1}^{2}\sum_{q=1}^{2} K_{pq}\,X_{i+p-1,\,j+q-1} + b$$
    """
    got = check_notes(textwrap.dedent(notes), EXAM)
    assert [v.status for v in got] == ["right", "right"], [(v.status, v.reason) for v in got]
    assert "layer 2 (relu)" in got[0].reason and " as L" not in got[0].reason


def test_a_name_written_with_two_indices_is_not_a_vector_of_the_same_name():
    # P is symconv's name for the softmax's probabilities; the notes' P_{12} is the pooled map's entry
    notes = r"""
    $$\frac{\partial L}{\partial W_{12}} = (\hat y_1 - y_1)\,P_{12}$$

    $$\frac{\partial L}{\partial W_{21}} = (\hat y_2 - y_2)\,P_{11}$$

    $$\frac{\partial L}{\partial W_{12}} = (\hat y_1 - y_1)\,P_{21}$$
    """
    got = check_notes(textwrap.dedent(notes), EXAM)
    assert [v.status for v in got] == ["right", "right", "wrong"], [(v.status, v.reason) for v in got]
    assert "maxpool" in got[0].reason


def test_nielsens_numbering_with_the_input_as_layer_one():
    notes = r"""
    Layers $l = 1, 2, 3$; $a^1 = x$ is the input. Let $\delta^l_j \equiv \partial C/\partial z^l_j$.

    $$\delta^3_1 = (a^3_1 - y_1)\, a^3_1 (1 - a^3_1)$$

    $$\delta^2_3 = \left(w^3_{13}\delta^3_1 + w^3_{23}\delta^3_2\right) a^2_3(1 - a^2_3)$$

    $$\delta^2_1 = \left(w^3_{11}\delta^3_1 + w^3_{12}\delta^3_2\right) a^2_1(1 - a^2_1)$$

    $$\frac{\partial C}{\partial w^2_{32}} = x_2\, \delta^2_3$$

    $$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)$$
    """
    got = check_notes(textwrap.dedent(notes), MLP)
    assert got.conventions.first_layer == 1
    assert [v.status for v in got if v.status != "definition"][-5:] == ["right", "right", "wrong", "right", "right"], \
        [(v.claim, v.status, v.reason) for v in got]


def test_a_name_used_before_the_notes_define_it_is_read_once_they_do():
    notes = r"""
    $$\delta^L = (a^L - y) \odot \sigma'(z^L)$$

    where $\delta^l_j \equiv \partial C/\partial z^l_j$ and $a^1 = x$.
    """
    got = check_notes(textwrap.dedent(notes), MLP)
    assert got[0].status == "right", [(v.claim, v.status, v.reason) for v in got]


def test_the_derivative_operator_differentiates_the_whole_product_after_it():
    # \frac{\partial}{\partial z} \frac{1}{2} (t - a)^2 is d/dz of the product, not (d/dz 1/2) (t - a)^2
    notes = r"""
    $$\frac{\partial L}{\partial z^{[2]}_1} = \frac{\partial}{\partial z^{[2]}_1}\frac{1}{2} \sum_{j=1}^{2}(t_j-a_j^{[2]})^2$$

    $$\frac{\partial L}{\partial z^{[2]}_1} = \frac{\partial}{\partial z^{[2]}_1}\frac{1}{2} (t_1-a_1^{[2]})^2$$

    $$\frac{\partial L}{\partial z^{[2]}_1} = \frac{\partial}{\partial z^{[2]}_1} (t_1-a_1^{[2]})^2$$
    """
    assert statuses(notes, MLP) == ["right", "right", "wrong"]


def test_a_count_of_layers_is_a_constant_and_a_units_slope_is_not():
    # UFLDL's n_l = 3 numbers the output layer in superscripts; \lambda_j = 1 ("else 0.1") is no constant
    notes = r"""
    The network has $n_l = 3$ layers, $a^{(1)} = x$. Let $\delta^{(l)}_i := \frac{\partial}{\partial z^{(l)}_i} J$.

    $$\delta^{(n_l)}_i = -(y_i - a^{(n_l)}_i) \cdot a^{(n_l)}_i (1 - a^{(n_l)}_i)$$

    $$\delta^{(n_l-1)}_1 = \frac{\partial}{\partial z^{(n_l-1)}_1}\frac{1}{2} \sum_{j=1}^{2}(y_j-a_j^{(n_l)})^2$$
    """
    got = check_notes(textwrap.dedent(notes), MLP)
    assert [v.status for v in got][-2:] == ["right", "right"], [(v.claim, v.status, v.reason) for v in got]
    slope = r"""
    I write $\lambda_j = 1$ if $z_j > 0$, else $0.1$.

    $$\frac{\partial L}{\partial W^{[1]}_{j1}} = \frac{\partial L}{\partial z^{[1]}_j} x_1$$
    """
    assert check_notes(textwrap.dedent(slope), MLP)[0].status != "definition"


def test_a_wrong_row_of_a_chain_is_named_by_its_line():
    notes = r"""
    \begin{align}
    \frac{\partial L}{\partial a^{[4]}_1} &= a^{[4]}_1 - t_1 \\
    &= t_1 - a^{[4]}_1
    \end{align}
    """
    (got,) = check_notes(textwrap.dedent(notes), MLP)
    assert (got.line, got.status) == (3, "wrong") and "(after '=' number 2), on line 4, is the first" in got.reason, \
        got.reason
    assert got.as_dict()["links"] == [{"line": 3, "status": "right"}, {"line": 4, "status": "wrong"}]


def test_each_row_of_a_chain_has_its_own_verdict():
    # the left side alone on its row (Nielsen's write-up): each '=' row is a step, judged on its own line
    notes = r"""
    \begin{align}
    \frac{\partial L}{\partial a^{[4]}_1}
    &= a^{[4]}_1 - t_1 \\
    &= -(t_1 - a^{[4]}_1) \\
    &= t_1 - a^{[4]}_1 \\
    &= a^{[4]}_1 + t_1
    \end{align}
    """
    (got,) = check_notes(textwrap.dedent(notes), MLP)
    assert got.status == "wrong" and got.links == ((4, "right"), (5, "right"), (6, "wrong"), (7, "not understood"))
    right = notes.replace(r"&= t_1 - a^{[4]}_1 \\", r"&= a^{[4]}_1 - t_1 \\").replace("+ t_1", "- t_1")
    (got,) = check_notes(textwrap.dedent(right), MLP)
    assert got.status == "right" and got.links == ((4, "right"), (5, "right"), (6, "right"), (7, "right"))
    (alone,) = check_notes(r"$$\frac{\partial L}{\partial a^{[4]}_1} = a^{[4]}_1 - t_1 = -(t_1 - a^{[4]}_1)$$", MLP)
    assert alone.links == () and "links" not in alone.as_dict()  # one row: the claim's own verdict says it


STRIDED = network("""
    input = [1, 4, 4]
    input_gradient = true
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    stride = 2
    bias = false
    """)


def test_formulas_in_plain_text_code_are_claims_and_programs_are_not():
    notes = """
    Indices are 1-based. `gij` is dL/dyij, given.

    ```
    y11 = w11*x11 + w12*x12 + w21*x21 + w22*x22
    y21 = w11*x21 + w12*x22 + w21*x31 + w22*x32
    dL/dw12 = g11*x12 + g12*x14 + g21*x32 + g22*x34
    dx = np.zeros_like(x)
    out = conv(x, w)
    ```

    general rule: `yij = sum over a,b of wab * x(2i-2+a)(2j-2+b)`, and in brackets y[2][2] = w[1][1]*x[3][3] + w[1][2]*x[3][4] + w[2][1]*x[4][3] + w[2][2]*x[4][4].
    """
    got = check_notes(textwrap.dedent(notes), STRIDED)
    assert [(v.line, v.status) for v in got] == [(5, "right"), (6, "wrong"), (7, "right"), (12, "right")], \
        [(v.line, v.claim, v.status, v.reason) for v in got]
    assert got[0].claim == "y11 = w11*x11 + w12*x12 + w21*x21 + w22*x22"  # as the notes write it


DENSE_SIGMOID = network("""
    input = [3]
    input_gradient = true
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "mse"
    reduction = "half_sum"
    """)


def test_a_jacobian_written_as_a_matrix_is_judged_entry_by_entry_in_numerator_layout():
    notes = r"""
    \begin{equation}
    \frac{\partial \mathbf{a}}{\partial \mathbf{z}} =
    \begin{bmatrix} a_1(1-a_1) & 0 \\ 0 & a_2(1-a_2) \end{bmatrix}
    \end{equation}
    \begin{equation}
    \frac{\partial \mathbf{z}}{\partial \mathbf{x}} =
    \begin{bmatrix} W_{11} & W_{12} & W_{13} \\ W_{21} & W_{22} & W_{23} \end{bmatrix}
    \end{equation}
    \begin{equation}
    \frac{\partial \mathbf{z}}{\partial \mathbf{x}} =
    \begin{bmatrix} W_{11} & W_{21} \\ W_{12} & W_{22} \\ W_{13} & W_{23} \end{bmatrix}
    \end{equation}
    """
    got = check_notes(textwrap.dedent(notes), DENSE_SIGMOID)
    by_line = {}
    for v in got:
        by_line.setdefault(v.line, set()).add(v.status)
    assert by_line[4] == {"right"} and by_line[8] == {"right"}, [(v.line, v.claim, v.status, v.reason) for v in got]
    assert "wrong" in by_line[12]  # the transpose: 3 x 2, where the Jacobian is 2 x 3
    # the loss's gradient keeps its own reading: (dE/dW)_{2,3} is dE/dW_{2,3}
    (entry,) = check_notes(r"$$\left(\frac{\partial E}{\partial W}\right)_{2,3} = (a_2 - t_2) a_2 (1 - a_2) x_3$$",
                           DENSE_SIGMOID)
    assert entry.status == "right", entry.reason


def test_letters_of_values_name_values_and_letters_of_parameters_parameters():
    # \partial a_1/\partial z_1 holds with z the dense output or its bias b (z = W x + b): z names a value
    (got,) = check_notes(r"$$\frac{\partial a_1}{\partial z_1} = a_1(1-a_1)$$", DENSE_SIGMOID)
    assert got.status == "right" and "taken with a as the output of layer 2 (sigmoid), z as the output of layer 1" in got.reason, got.reason


SOFTMAX = network("""
    input = [3]
    [[layer]]
    type = "dense"
    out_features = 3
    bias = true
    [[layer]]
    type = "softmax_cross_entropy"
    """)


def test_a_derivative_written_with_a_slash_of_an_expression():
    claims = r"""
    $$\partial \log p_1 / \partial z_2 = - p_2$$

    $$\partial \log p_1 / \partial z_2 = 1 - p_2$$
    """
    got = check_notes(textwrap.dedent(claims), SOFTMAX)
    assert got[0].status == "right" and got[1].status != "right", [(v.status, v.reason) for v in got]


def test_the_batch_statistics_named_with_the_mini_batch_after_a_power():
    batchnorm = derive(NetworkSpec.from_dict({"batch": 3, "input": [1], "layer": [{"type": "batchnorm"}]}))
    notes = r"""
    $$\sigma^2_{\mathcal B} = \frac{1}{3}\sum_{i=1}^{3} (x_i - \mu_{\mathcal B})^2$$

    $$\sigma^2_{\mathcal B} = \frac{1}{2}\sum_{i=1}^{3} (x_i - \mu_{\mathcal B})^2$$
    """
    assert statuses(notes, batchnorm) == ["right", "wrong"]


def test_a_gradient_written_transposed_is_wrong_where_the_notes_write_gradients_with_their_shape():
    row_batch = network("""
        batch = 2
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "softmax_cross_entropy"
        reduction = "mean"
        """)
    notes = r"""
    $$\frac{\partial L}{\partial W} = \frac{1}{2}(P - T)^\top X$$

    $$\frac{\partial L}{\partial W} = \frac{1}{2} X^\top (P - T)$$
    """
    assert statuses(notes, row_batch) == ["right", "wrong"]
    # alone, a transposed gradient may be the notes' layout (numerator layout): not judged
    alone = r"$$\frac{\partial L}{\partial W} = \frac{1}{2} X^\top (P - T)$$"
    assert statuses(alone, row_batch) == ["not understood"]


def test_a_sum_over_pairs_of_indices():
    claims = r"""
    $$\frac{\partial L}{\partial b} = \sum_{(i,j)} \frac{\partial L}{\partial y_{ij}}$$

    $$\frac{\partial L}{\partial b} = \sum_{(i,j)} \frac{\partial L}{\partial y_{ij}} y_{ij}$$
    """
    assert statuses(claims, CONV)[0] == "right" and statuses(claims, CONV)[1] != "right"


def test_math_typed_in_unicode():
    notes = """
    $$∂L/∂a₁ = a₁ − t₁$$

    $$δ₂ = ∂L/∂z₂ = (a₂ − t₂) · a₂(1 − a₂)$$

    $$∂L/∂x = Wᵀ δ$$

    $$∂L/∂b₂ = (a₂ − t₂)(1 − a₂)$$

    $σ'(z) = σ(z)(1 − σ(z))$
    """
    assert statuses(notes, DENSE_SIGMOID) == ["right", "right", "right", "wrong", "right"]


def test_an_arrow_written_before_a_name_marks_it_a_vector_or_a_tensor():
    # Straka's NPFL114 slides: →b a vector, ⇉K a matrix, ⇶I a tensor; an arrow between two names still maps
    notes = """
    $$\\frac{∂L}{∂→b} = \\sum_{i,j} \\frac{∂L}{∂⇶y_{i,j}}$$

    $$\\frac{∂L}{∂→b} = \\frac{∂L}{∂⇶y_{1,1}}$$

    $$\\frac{∂L}{∂⇉k_{1,1}} = \\sum_{i,j} \\frac{∂L}{∂⇶y_{i,j}} ⇶x_{i,j}$$
    """
    assert statuses(notes, CONV) == ["right", "wrong", "right"]
    assert statuses("$$ f: x → y $$", CONV) == ["not understood"]


def test_the_index_of_a_one_channel_map_written_last_or_first():
    # Hasan's Y(i, j, k_{in}), Straka's ⇶R_{i,j,o}: a channel of length 1 written among the indices, last (HWC) or first
    notes = """
    $$y_{i,j,1} = \\sum_{p,q} x_{i+p-1,j+q-1,1} k_{p,q,1,1}$$

    $$y_{1,i,j} = \\sum_{p,q} x_{1,i+p-1,j+q-1} k_{1,1,p,q}$$

    $$y_{i,j,1} = \\sum_{p,q} x_{i+p,j+q-1,1} k_{p,q,1,1}$$
    """
    assert statuses(notes, derive(ConvSpec())) == ["right", "right", "wrong"]
