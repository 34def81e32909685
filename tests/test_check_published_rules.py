"""Rules of reading found on the published transcriptions (tests/notes/published*): each holds for any notes,
tested here on notes of its own, right and wrong."""

from __future__ import annotations

import textwrap

from symconv import ConvSpec, derive
from symconv.grading import check_notes
from symconv.grading.extract import extract

from .notes_network import network, statuses, verdicts




# Bendersky's softmax layer: logits from a dense layer, the softmax of them
SOFTMAX = network("""
    input = [2]
    [[layer]]
    type = "dense"
    out_features = 3
    bias = false
    [[layer]]
    type = "softmax_cross_entropy"
    """)


def test_a_constant_bounds_a_range_written_after_a_claim():
    notes = r"""
    Here $N = 3$.

    $$S_j=\frac{e^{a_j}}{\sum_{k=1}^{N}e^{a_k}} \quad \forall j \in 1..N$$

    $$S_j=\frac{e^{a_j}}{\sum_{k=1}^{N}e^{a_k}} + 1 \quad \forall j \in 1..N$$
    """
    assert verdicts(notes, SOFTMAX) == [(2, "definition"), (4, "right"), (6, "wrong")]


def test_a_name_said_to_stand_for_a_formula_is_read_as_it():
    # "For simplicity $\Sigma$ stands for $\sum_k e^{a_k}$" (Bendersky): a name defined in words for a formula
    notes = r"""
    For simplicity $\Sigma$ stands for $\sum_{k=1}^{3}e^{a_k}$.

    $$S_j = \frac{e^{a_j}}{\Sigma}$$

    $$\frac{\partial S_i}{\partial a_j} = \frac{e^{a_i}\Sigma-e^{a_j}e^{a_i}}{\Sigma^2} \quad (i = j)$$

    $$\frac{\partial S_i}{\partial a_j} = \frac{e^{a_i}\Sigma-e^{a_j}e^{a_i}}{\Sigma} \quad (i = j)$$
    """
    assert verdicts(notes, SOFTMAX) == [(2, "definition"), (4, "right"), (6, "right"), (8, "wrong")]


def test_only_a_verb_that_defines_names_a_formula():
    # "be" and "for" say much else in sentences: "we take $k$ for $k = 1$" defines nothing
    notes = r"""
    Take $Q$ for $\sum_{k=1}^{3}e^{a_k}$ in what follows.
    """
    assert extract(textwrap.dedent(notes)) == []


def test_an_inline_formula_with_an_equals_sign_only_in_a_subscript_states_nothing():
    claims = extract(r"The sum $\sum_{k=1}^{N} e^{a_k}$ is the softmax's denominator, and $y = 2$.")
    assert [c.text for c in claims] == ["y = 2"]


def test_the_kronecker_delta_is_no_unit_named_by_letter():
    # \delta_{ij} beside a softmax is the Kronecker delta: it must not make the notes' a a layer-numbered
    # name (units named by letter, as Mazur's i, h, o), which left every claim with a not understood
    notes = r"""
    $$\delta_{ij} = 1 \text{ if } i = j \text{, else } 0$$

    $$S_j = \frac{e^{a_j}}{\sum_{k=1}^{3} e^{a_k}}$$

    $$\frac{\partial S_i}{\partial a_j} = S_i(\delta_{ij} - S_j)$$

    $$\frac{\partial S_i}{\partial a_j} = S_i(\delta_{ij} - S_j) + 1$$
    """
    found = verdicts(notes, SOFTMAX)
    assert found[1:] == [(4, "right"), (6, "right"), (8, "wrong")]


def test_a_case_the_prose_treats_is_no_mistake_of_the_claims_after_it():
    # Bendersky: "If $i=j$:" before one display, then more of the same case after a sentence: a claim right only
    # where i = j is not called wrong there (not judged right either: the claim does not write its case)
    notes = r"""
    $$S_j = \frac{e^{a_j}}{\sum_{k=1}^{3} e^{a_k}}$$

    If $i=j$:

    $$\frac{\partial S_i}{\partial a_j} = S_i - S_i S_j$$

    Reordering a bit:

    $$\frac{\partial S_i}{\partial a_j} = S_i(1-S_j)$$

    ## Any two entries

    $$\frac{\partial S_i}{\partial a_j} = S_i(1-S_j)$$
    """
    assert verdicts(notes, SOFTMAX) == [(2, "right"), (6, "right"), (10, "not understood"), (14, "wrong")]


# RemiC's Mint notes: one convolution, its values written with the layer as a letter and 0-based four-index entries
REMIC = derive(ConvSpec(input=3, kernel=2, bias=True, batch=1, names="x,k,z"))


def _remic(notes: str) -> list[tuple[int, str]]:
    return [(v.line, v.status) for v in check_notes(textwrap.dedent(notes), REMIC, "\\delta", index_base=0)]


def test_a_layer_written_with_a_letter_in_a_single_layer_is_that_layer():
    notes = r"""
    $$z^l_{0,0,0,0} = x^l_{0,0,0,0} k^l_{0,0,0,0} + x^l_{0,0,0,1} k^l_{0,0,0,1} + x^l_{0,0,1,0} k^l_{0,0,1,0} + x^l_{0,0,1,1} k^l_{0,0,1,1} + b^l_0$$

    $$z^l_{n,c,h,w} = \sum_{c'=0}^{0}\sum_{i=0}^{1}\sum_{j=0}^{1} x^l_{n,c',h+i,w+j} k^l_{c,c',i,j}$$

    $$\frac{\partial\mathcal{L}}{\partial x^{l+1}_{0,0,0,0}} = \delta_{0,0,0,0}$$
    """
    # the bias left out is wrong; the next layer's input (l + 1) is no value of this one: not understood
    assert _remic(notes) == [(2, "right"), (4, "wrong"), (6, "not understood")]


def test_an_index_written_for_an_axis_of_length_one_runs_over_that_axis():
    # \partial L/\partial b_c of a one-channel bias: c is its one channel, as z_{n,c,h,w} reads it
    notes = r"""
    $$\frac{\partial\mathcal{L}}{\partial b_c} = \sum_{n=0}^{0}\sum_{h=0}^{1}\sum_{w=0}^{1}\frac{\partial\mathcal{L}}{\partial z_{n,c,h,w}}$$

    $$\frac{\partial\mathcal{L}}{\partial b_c} = \sum_{n=0}^{0}\sum_{h=0}^{1}\frac{\partial\mathcal{L}}{\partial z_{n,c,h,0}}$$
    """
    assert _remic(notes) == [(2, "right"), (4, "wrong")]


def test_plain_tex_fractions_and_braced_slashed_derivatives_are_derivatives():
    # tesserato's {\partial E \over \partial u_{11}}, RemiC's {\partial L}/{\partial z}
    notes = r"""
    $${\partial \mathcal{L} \over \partial b} = \sum_{h=0}^{1}\sum_{w=0}^{1} {\partial \mathcal{L} \over \partial z_{0,0,h,w}}$$

    $${\partial \mathcal{L} \over \partial b} = {1 \over 2} \sum_{h=0}^{1}\sum_{w=0}^{1} {\partial \mathcal{L} \over \partial z_{0,0,h,w}}$$

    $$\frac{\partial\mathcal{L}}{\partial b} = \sum_{h=0}^{1}\sum_{w=0}^{1} {\partial\mathcal{L}}/{\partial z_{0,0,h,w}}$$
    """
    assert _remic(notes) == [(2, "right"), (4, "wrong"), (6, "right")]


def test_double_dollars_inside_a_sentence_are_inline_math():
    # Dahal's Jekyll post writes "If $$i=j$$," (kramdown): the condition of the display after it, as "If $i=j$,"
    notes = r"""
    $$S_j = \frac{e^{a_j}}{\sum_{k=1}^{3} e^{a_k}}$$

    If $$i=j$$,

    $$\frac{\partial S_i}{\partial a_j} = S_i(1-S_j)$$

    For $$i \neq j$$,

    $$\frac{\partial S_i}{\partial a_j} = -S_i S_j$$

    $$\frac{\partial S_i}{\partial a_j} = -S_i S_j$$
    """
    assert verdicts(notes, SOFTMAX) == [(2, "right"), (6, "right"), (10, "right"), (12, "not understood")]


# a dense layer and the squared error: matrix products written with the matrices spelled out
DENSE = network("""
    input = [3]
    [[layer]]
    type = "dense"
    out_features = 2
    bias = true
    [[layer]]
    type = "mse"
    """)


def test_a_matrix_written_out_is_an_operand():
    notes = r"""
    $$\frac{\partial L}{\partial x} = \begin{bmatrix} W_{11} & W_{21} \\ W_{12} & W_{22} \\ W_{13} & W_{23} \end{bmatrix} \begin{bmatrix} \frac{\partial L}{\partial a_1} \\ \frac{\partial L}{\partial a_2} \end{bmatrix}$$

    $$\frac{\partial L}{\partial x} = \begin{bmatrix} W_{11} & W_{12} \\ W_{21} & W_{22} \\ W_{13} & W_{23} \end{bmatrix} \begin{bmatrix} \frac{\partial L}{\partial a_1} \\ \frac{\partial L}{\partial a_2} \end{bmatrix}$$

    $$\frac{\partial L}{\partial W} = \begin{bmatrix} \frac{\partial L}{\partial a_1} \\ \frac{\partial L}{\partial a_2} \end{bmatrix} \begin{bmatrix} x_1 & x_3 & x_2 \end{bmatrix}$$

    $$\frac{\partial L}{\partial b} = \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix} \frac{\partial L}{\partial a}$$

    $$\frac{\partial L}{\partial b} = \begin{bmatrix} 1 & 1 \\ 0 & 1 \end{bmatrix} \frac{\partial L}{\partial a}$$
    """
    assert verdicts(notes, DENSE) == [(2, "right"), (4, "wrong"), (6, "wrong"), (8, "right"), (10, "wrong")]


def test_matrices_written_out_around_a_star_are_correlated():
    # Jaumier's and Kazlou's posts: dL/dW = X * dL/dY with both spelled out, the claim on the line of its "="
    d = derive(ConvSpec(input=3, kernel=2, bias=True, names="x,w,y"))
    notes = r"""
    $$
    \frac{\partial L}{\partial W}
    = \begin{bmatrix} x_{11} & x_{12} & x_{13} \\ x_{21} & x_{22} & x_{23} \\ x_{31} & x_{32} & x_{33} \end{bmatrix}
    * \begin{bmatrix} \frac{\partial L}{\partial y_{11}} & \frac{\partial L}{\partial y_{12}} \\ \frac{\partial L}{\partial y_{21}} & \frac{\partial L}{\partial y_{22}} \end{bmatrix}
    $$

    $$
    \begin{bmatrix} w_{11} & w_{12} \\ w_{21} & w_{22} \end{bmatrix}
    = \begin{bmatrix} x_{11} & x_{12} & x_{13} \\ x_{21} & x_{22} & x_{23} \\ x_{31} & x_{32} & x_{33} \end{bmatrix}
    * \begin{bmatrix} \frac{\partial L}{\partial y_{11}} & \frac{\partial L}{\partial y_{12}} \\ \frac{\partial L}{\partial y_{21}} & \frac{\partial L}{\partial y_{22}} \end{bmatrix}
    $$

    $$\frac{\partial L}{\partial W} = \begin{bmatrix} x_{11} & x_{12} \\ x_{21} & x_{22} & x_{23} \end{bmatrix} * \frac{\partial L}{\partial Y}$$
    """
    assert [(line, status) for line, status in ((v.line, v.status) for v in check_notes(textwrap.dedent(notes), d))] == [
        (4, "right"), (10, "wrong"), (14, "not understood")]


def test_a_chain_that_holds_with_the_example_first_is_not_wrong_for_the_other_layout():
    # Thorey's batch norm: y_{kl} has the example first; a chain whose readable links hold so (one link, here a function
    # the notes never define, does not read) is not wrong because, read with the feature first, they differ
    d = network("""
        input = [2]
        batch = 3
        [[layer]]
        type = "batchnorm"
        """)
    notes = r"""
    $$y_{ij} = \gamma_j \hat{h}_{ij} + \beta_j$$

    $$\frac{d\mathcal{L}}{d\gamma_j} = \sum_{kl}\frac{d\mathcal{L}}{dy_{kl}}\frac{dy_{kl}}{d\gamma_j} = \sum_{kl}\frac{d\mathcal{L}}{dy_{kl}}\hat{h}_{kl}\,\mathrm{eq}(l,j) = \sum_{k}\frac{d\mathcal{L}}{dy_{kj}}(h_{kj}- \mu_j)(\sigma^2_j+\epsilon)^{-1/2}$$

    $$\frac{d\mathcal{L}}{d\gamma_j} = \sum_{k}\frac{d\mathcal{L}}{dy_{kj}}(h_{kj}- \mu_j)(\sigma^2_j+\epsilon)^{-1/2}$$

    $$\frac{d\mathcal{L}}{d\gamma_j} = \sum_{k}\frac{d\mathcal{L}}{dy_{kj}}(h_{kj}- \mu_j)(\sigma^2_j+\epsilon)^{-1}$$
    """
    assert verdicts(notes, d) == [(2, "right"), (4, "not understood"), (6, "right"), (8, "wrong")]


# Thorey's pooling: one image of one channel, N x C x H x W indices, 0-based, bounds written as inequalities
POOL = network("""
    input = [1, 4, 4]
    [[layer]]
    type = "maxpool"
    window = [2, 2]
    stride = [2, 2]
    """)


def test_an_example_index_before_an_images_indices_is_the_one_example():
    notes = r"""
    Indices start at 0.

    $$y_{n,c,k,l} = \max_{0 \le p<2,0 \le q<2} x_{n,c,p+2k,q+2l}$$

    $$y_{n,c,k,l} = \max_{0 \le p<2,0 \le q \le 2} x_{n,c,p+2k,q+2l}$$

    $$\frac{\partial L}{\partial x_{n',c',i,j}} = \sum_{n,c,k,l}\frac{\partial L}{\partial y_{n,c,k,l}}\frac{\partial y_{n,c,k,l}}{\partial x_{n',c',i,j}}$$
    """
    assert statuses(notes, POOL) == ["right", "wrong", "right"]


def test_the_variance_written_with_its_index_first_and_a_kronecker_delta_in_a_sum():
    # Thorey: \sigma_l^2 is \sigma^2_l; in \sum_{kl} ... \delta_{jl}, l runs over the features, not the delta's length
    d = network("""
        input = [2]
        batch = 3
        [[layer]]
        type = "batchnorm"
        """)
    notes = r"""
    $$\hat{h}_{kl} = (h_{kl}- \mu_l)(\sigma_l^2+\epsilon)^{-1/2}$$

    $$\frac{\partial \sigma_l^2}{\partial h_{ij}} = \frac{2}{3}(h_{il}-\mu_l)\delta_{jl}$$

    $$\frac{\partial \sigma_l^2}{\partial h_{ij}} = \frac{1}{3}(h_{il}-\mu_l)\delta_{jl}$$

    $$\frac{\partial L}{\partial \gamma_j} = \sum_{kl}\frac{\partial L}{\partial y_{kl}}\hat{h}_{kl}\delta_{lj}$$
    """
    assert verdicts(notes, d) == [(2, "right"), (4, "right"), (6, "wrong"), (8, "right")]


def test_correlation_and_convolution_named_in_words_with_their_mode():
    # corr(X, G) (valid) is the correlation; conv2d flips its second operand, so conv2d(X, G) is not dL/dK
    d = derive(ConvSpec(input=4, kernel=3, names="X,K,Y"))
    notes = r"""
    Let $G = \partial L/\partial Y$.

    \[ \frac{\partial L}{\partial K} = \operatorname{corr}(X, G)\ \text{(valid)} \]

    \[ \frac{\partial L}{\partial X} = \operatorname{conv2d}(G, K)\ \text{(full)} = \operatorname{corr}(G, \operatorname{rot180}(K))\ \text{(full)} \]

    \[ \frac{\partial L}{\partial K} = \operatorname{conv2d}(X, G)\ \text{(valid)} \]
    """
    assert statuses(notes, d)[-3:] == ["right", "right", "wrong"]


def test_iverson_brackets_are_indicators():
    # Spanish notes on a leaky relu: [z_k > 0] is 1 where z_k > 0; [a, b] stays an interval and x[2] an entry
    d = network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "activation"
        formula = "Piecewise((z, z > 0), (alpha*z, True))"
        params = { alpha = 0.1 }
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$a_k = [z_k > 0]\, z_k + 0.1\,[z_k \le 0]\, z_k$$

    $$\frac{\partial L}{\partial z_k} = (a_k - t_k)\left([z_k > 0] + 0.1\,[z_k \le 0]\right)$$

    $$\frac{\partial L}{\partial z_k} = (a_k - t_k)\left([z_k > 0] + 0.1\, z_k\,[z_k \le 0]\right)$$
    """
    assert statuses(notes, d) == ["right", "right", "wrong"]


def test_channels_written_bare_before_the_subscript_in_a_single_layer():
    # x^{c}_{i,j}, W^{o,c}_{p,q}, x^{1}_{2,2}: channels as superscripts, numbers too (a power comes after the indices)
    d = derive(ConvSpec(input=3, in_channels=2, out_channels=2, kernel=2))
    notes = r"""
    The upstream gradient is $\delta^{o}_{i,j} = \partial L/\partial y^{o}_{i,j}$.

    $$\frac{\partial L}{\partial W^{o,c}_{p,q}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \delta^{o}_{i,j}\, x^{c}_{i+p-1,\,j+q-1}$$

    $$\frac{\partial L}{\partial W^{1,2}_{1,1}} = \delta^{1}_{1,1}x^{2}_{1,1} + \delta^{1}_{1,2}x^{2}_{1,2} + \delta^{1}_{2,1}x^{2}_{2,1} + \delta^{1}_{2,2}x^{2}_{2,2}$$

    $$\frac{\partial L}{\partial W^{1,2}_{1,1}} = \delta^{1}_{1,1}x^{1}_{1,1} + \delta^{1}_{1,2}x^{1}_{1,2} + \delta^{1}_{2,1}x^{1}_{2,1} + \delta^{1}_{2,2}x^{1}_{2,2}$$
    """
    assert statuses(notes, d)[1:] == ["right", "right", "wrong"]


def test_a_worked_step_that_leaves_out_a_term_is_wrong_though_its_number_is_right():
    # the example's values decide which maximum or which relu passes, not whether a term of a sum may be left out:
    # dL/dx^2_{1,1} lacks delta^2_{1,1} W^{2,2}_{1,1}, which is 0 at the numbers given
    d = derive(ConvSpec(input=2, in_channels=2, out_channels=2, kernel=1))
    notes = r"""
    Let $\delta^{o}_{i,j} = \partial L/\partial y^{o}_{i,j}$, with $\delta^{1}_{1,1} = 1$, $\delta^{2}_{1,1} = 0$,
    $k^{1,2}_{1,1} = 3$ and $k^{2,2}_{1,1} = -1$.

    $$\frac{\partial L}{\partial x^{2}_{1,1}} = \delta^{1}_{1,1}k^{1,2}_{1,1} + \delta^{2}_{1,1}k^{2,2}_{1,1} = 1 \cdot 3 + 0 \cdot (-1) = 3$$

    $$\frac{\partial L}{\partial x^{2}_{1,1}} = \delta^{1}_{1,1}k^{1,2}_{1,1} = 1 \cdot 3 = 3$$
    """
    assert statuses(notes, d)[-2:] == ["right", "wrong"]


def test_an_activation_named_in_words_is_its_own_definition():
    # Grosse-style notes: h_j = ELU(z_j); the word means the ELU (alpha = 1), whatever the network applies
    d = network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = true
        [[layer]]
        type = "activation"
        formula = "Piecewise((z, z > 0), (exp(z) - 1, True))"
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$z_j = \sum_{i=1}^{2} W_{ji}\, x_i + b_j$$

    $$h_j = \operatorname{ELU}(z_j)$$

    $$h_j = \operatorname{softplus}(z_j)$$

    $$\frac{\partial h_j}{\partial z_j} = \operatorname{ELU}'(z_j)$$
    """
    assert statuses(notes, d) == ["right", "right", "wrong", "right"]


def test_a_sum_with_conditions_under_it_keeps_the_terms_they_allow():
    # \sum_{j : 1 \le 6-2j \le 3} and \substack rows: the range first, then each condition (an Iverson bracket)
    d = derive(ConvSpec(input=5, kernel=3, stride=2))
    notes = r"""
    $$\frac{\partial L}{\partial x_{m,n}} = \sum_{\substack{i,j \in \{1,2\} \\ 1 \le m-2i+2 \le 3 \\ 1 \le n-2j+2 \le 3}} \frac{\partial L}{\partial y_{i,j}}\, k_{m-2i+2,\,n-2j+2}$$

    $$\frac{\partial L}{\partial x_{1,4}} = \sum_{j \,:\, 1 \le 6-2j \le 3} \frac{\partial L}{\partial y_{1,j}}\, k_{1,\,6-2j}$$

    $$\frac{\partial L}{\partial x_{1,4}} = \sum_{j \,:\, 1 \le 6-2j \le 3} \frac{\partial L}{\partial y_{1,j}}\, k_{1,\,5-2j}$$

    $$\frac{\partial L}{\partial x_{m,n}} = \sum_{i,j=1}^{2}\sum_{p,q=1}^{3} \frac{\partial L}{\partial y_{i,j}}\, k_{p,q}\, [2i+p-2 = m]\,[2j+q-2 = n]$$
    """
    assert statuses(notes, d) == ["right", "right", "wrong", "right"]


def test_mathjax_script_tags_are_math():
    # MathJax 2's <script type="math/tex; mode=display"> (Petersen's Jekyll post) and its inline form
    notes = """
    $$S_j = \\frac{e^{a_j}}{\\sum_{k=1}^{3} e^{a_k}}$$

    <script type="math/tex; mode=display"> \\frac{\\partial S_i}{\\partial a_j} = S_i(\\delta_{ij} - S_j) </script>

    and so <script type="math/tex">\\frac{\\partial S_1}{\\partial a_1} = S_1 (1 - S_1) + 1</script> for the first.
    """
    assert verdicts(notes, SOFTMAX) == [(2, "right"), (4, "right"), (6, "wrong")]


def test_a_value_written_as_a_function_of_its_argument_then_indexed():
    # Petersen: s(\mathbf x)_i is entry i of the softmax s of x; f(z)_i stays the activation f applied
    notes = r"""
    $$s(\mathbf a)_j = \frac{e^{a_j}}{\sum_{k=1}^{3} e^{a_k}}$$

    $$\frac{\partial s(\mathbf a)_i}{\partial a_i} = s(\mathbf a)_i - s(\mathbf a)_i^2$$

    $$\frac{\partial s(\mathbf a)_i}{\partial a_i} = s(\mathbf a)_i - s(\mathbf a)_i^3$$
    """
    assert statuses(notes, SOFTMAX) == ["right", "right", "wrong"]


# heldout14's Toeplitz notes: the 2x2 kernel w of a 3x3 input as the 4 x 9 matrix M of vec(Y) = M vec(X)
TOEPLITZ = r"""
    $$M = \begin{bmatrix}
    w_{11} & w_{21} & 0 & w_{12} & w_{22} & 0 & 0 & 0 & 0\\
    0 & w_{11} & w_{21} & 0 & w_{12} & w_{22} & 0 & 0 & 0\\
    0 & 0 & 0 & w_{11} & w_{21} & 0 & w_{12} & w_{22} & 0\\
    0 & 0 & 0 & 0 & w_{11} & w_{21} & 0 & w_{12} & w_{22}
    \end{bmatrix}$$
"""


def test_a_letter_the_notes_give_a_matrix_of_formulas_names_it():
    # heldout14's Toeplitz notes: M = [w_{11} w_{21} 0 ...]; then vec(Y) = M vec(X) and its Jacobian is M
    d = derive(ConvSpec(input=3, kernel=2, names="X,W,Y"))
    notes = TOEPLITZ + r"""

    $$\operatorname{vec}(Y) = M\operatorname{vec}(X)$$

    $$\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)} = M$$

    $$\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)} = M^T$$
    """
    assert statuses(notes, d) == ["definition", "right", "right", "not understood"]


def test_a_letter_given_a_matrix_of_numbers_no_value_has_the_size_of_is_never_wrong():
    # M = [4 x 9 numbers], the layer's matrix at the worked example's kernel: M read by meaning from its first entry
    # (dL/dX_{1,1} is 0 too) is 3 x 3, so the size says the reading is not the notes' M, not that M is wrong
    d = derive(ConvSpec(input=3, kernel=2, names="X,K,Y"))
    notes = r"""
    Here $X = \begin{bmatrix} 1 & 0 & 2 \\ -1 & 1 & 0 \\ 2 & 1 & 1 \end{bmatrix}$ and
    $K = \begin{bmatrix} 2 & 2 \\ -1 & 0 \end{bmatrix}$.

    $$M = \begin{bmatrix} 2 & 2 & 0 & -1 & 0 & 0 & 0 & 0 & 0 \\ 0 & 2 & 2 & 0 & -1 & 0 & 0 & 0 & 0 \\
    0 & 0 & 0 & 2 & 2 & 0 & -1 & 0 & 0 \\ 0 & 0 & 0 & 0 & 2 & 2 & 0 & -1 & 0 \end{bmatrix}$$
    """
    assert "wrong" not in statuses(notes, d)


def test_the_loss_own_error_signal_in_bar_notation_is_one():
    # Grosse's bar notation, \bar{v} := \partial L/\partial v for every node v: \bar{\mathcal{L}} = 1 starts the walk
    notes = r"""
    For every node $v$ of the graph, $\bar{v} := \partial \mathcal{L} / \partial v$.

    $$\bar{\mathcal{L}} = 1$$

    $$\bar{\mathcal{L}} = 2$$
    """
    assert statuses(notes, DENSE) == ["definition", "right", "wrong"]


def test_a_name_given_one_entry_at_a_time():
    # a conv layer as a circuit: every gate named, q_1 = w_{1,1} x_{1,1}, ...; q also written as an index (w_{p,q})
    d = derive(ConvSpec(input=3, kernel=2, bias=True, names="x,w,y"))
    notes = r"""
    Each $w_{p,q}$ is used by all four outputs.

    $$q_1 = w_{1,1} x_{1,1}, \quad q_2 = w_{1,2} x_{1,2}$$

    $$\frac{\partial q_2}{\partial w_{1,2}} = x_{1,2}$$

    $$\frac{\partial q_2}{\partial x_{1,2}} = w_{1,1}$$
    """
    assert statuses(notes, d) == ["definition", "definition", "right", "wrong"]


def test_a_name_ending_in_digits_is_the_notes_own():
    # Kratzert's \text{dx1}_{nd}: a name of the notes (not dx, the gradient, times 1), defined and then used
    d = derive(ConvSpec(input=3, kernel=2, names="x,w,y"))
    notes = r"""
    $$\text{dx1}_{ij} = w_{11} \frac{\partial L}{\partial y_{ij}}$$

    $$\frac{\partial L}{\partial x_{11}} = \text{dx1}_{11}$$

    $$\frac{\partial L}{\partial x_{11}} = 2\,\text{dx1}_{11}$$
    """
    assert statuses(notes, d) == ["definition", "right", "wrong"]


def test_sums_nested_in_a_sums_subscript_are_refused_in_a_line():
    # a garbled subscript once raised TypeError inside the reading of unindexed sums ("please report it")
    found = check_notes(textwrap.dedent(r"""
    $$\sum_{\sum_{\sum_{}}} = 1$$
    """), DENSE)
    assert [v.status for v in found] == ["not understood"] and "report" not in found[0].reason


def test_powers_written_as_decimals():
    # Zakka's (\sqrt{\sigma^2 + \epsilon})^{-0.5 - 1}: a decimal power, or two numbers added, is the fraction it is
    d = network("""
        input = [1]
        batch = 3
        [[layer]]
        type = "batchnorm"
        """)
    notes = r"""
    $$\hat{x}_i = (x_i - \mu)(\sigma^2 + \epsilon)^{-0.5}$$

    $$\hat{x}_i = (x_i - \mu)(\sigma^2 + \epsilon)^{-0.5 - 1} (\sigma^2 + \epsilon)$$

    $$\hat{x}_i = (x_i - \mu)(\sigma^2 + \epsilon)^{-1.5}$$
    """
    assert statuses(notes, d) == ["right", "right", "wrong"]


def test_the_gradient_by_a_vec_is_the_gradient_stacked():
    # heldout14's Toeplitz notes: \partial L/\partial vec(X) = M^T vec(\partial L/\partial Y)
    d = derive(ConvSpec(input=3, kernel=2, names="X,W,Y"))
    notes = TOEPLITZ + r"""

    $$\frac{\partial L}{\partial \operatorname{vec}(X)} = M^T \operatorname{vec}\left(\frac{\partial L}{\partial Y}\right)$$

    $$\frac{\partial L}{\partial \operatorname{vec}(X)} = M^T \operatorname{vec}\left(\frac{\partial L}{\partial Y}\right) + \operatorname{vec}(X)$$
    """
    assert statuses(notes, d) == ["definition", "right", "wrong"]


def test_an_entry_of_a_product_of_whole_tensors_in_parentheses():
    # (\boldsymbol\delta \mathbf{x}^T)_{1,2} = \delta_1 x_2 (heldout16's Spanish notes), (W x)_2: the entry of the
    # matrix the product gives, as an operator's (X \star K)_{p,q} is
    d = network("""
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 2
        bias = false
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$(W x)_{2} = W_{2,1} x_1 + W_{2,2} x_2 + W_{2,3} x_3$$

    $$(W x)_{2} = W_{1,2} x_1 + W_{2,2} x_2 + W_{2,3} x_3$$

    $$\left(\frac{\partial L}{\partial z} x^{\top}\right)_{1,2} = \frac{\partial L}{\partial z_1} x_2$$
    """
    assert statuses(notes, d) == ["right", "wrong", "right"]


def test_a_kernel_indexed_from_its_centre():
    # heldout14's "same" convolution written as a true convolution: K_{uv} = w_{2-u,2-v}, u, v from -1 to 1; sums
    # from a negative number, the notes' K entries at negative indices, and a given entry = K's judged by value
    d = derive(ConvSpec(input=4, kernel=3, padding=1, names="x,w,y"))
    notes = r"""
    $$K_{uv} = w_{2-u,2-v}$$

    $$y_{22} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} K_{uv}\, x_{2-u,2-v}$$

    $$y_{22} = \sum_{u=-1}^{1}\sum_{v=-1}^{1} K_{uv}\, x_{2+u,2+v}$$

    $$K_{-1,0} = w_{32}$$

    $$w_{13} = K_{1,-1}$$

    $$w_{13} = K_{-1,1}$$
    """
    assert statuses(notes, d) == ["definition", "right", "wrong", "right", "right", "wrong"]
    # a channel written as a letter in the superscript, K^{(m)}_{uv}: an index of the name too
    d = derive(ConvSpec(input=4, kernel=3, padding=1, out_channels=2, names="x,w,y"))
    notes = r"""
    $$K^{(m)}_{uv} = w^{(m)}_{2-u,2-v}$$

    $$K^{(2)}_{0,-1} = w^{(2)}_{23}$$

    $$K^{(2)}_{0,-1} = w^{(1)}_{23}$$
    """
    assert statuses(notes, d) == ["definition", "right", "wrong"]


def test_the_small_letter_of_a_gradient_name_the_notes_gave_is_its_entries():
    # heldout17's forum answer: "G = \partial L/\partial P with entries g_{r,s}", then dL/dY written with g's: a claim
    # about dL/dY in the notes' g, never a new name g for dL/dY (which made every claim with g after it wrong)
    d = derive(ConvSpec(input=3, kernel=2, names="x,k,y"))
    notes = r"""
    $$G = \frac{\partial L}{\partial Y}$$

    $$\frac{\partial L}{\partial y_{1,1}} = g_{1,1}$$

    $$\frac{\partial L}{\partial k_{1,1}} = g_{1,1} x_{1,1} + g_{1,2} x_{1,2} + g_{2,1} x_{2,1} + g_{2,2} x_{2,2}$$

    $$\frac{\partial L}{\partial k_{1,1}} = g_{1,1} x_{1,1}$$
    """
    assert statuses(notes, d) == ["definition", "right", "right", "wrong"]


def test_a_jacobian_in_numerator_layout_written_with_a_transpose():
    # \partial h / \partial z^T (heldout17's matrix-form notes): a row per entry of h, as symconv reads \partial h /
    # \partial z; and \partial y / \partial h^T = u^T, y the network's output, is a claim, not a name u for dL/dh
    d = network("""
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 2
        [[layer]]
        type = "tanh"
        [[layer]]
        type = "dense"
        out_features = 1
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    $$z = Wx + b, \qquad h = \tanh(z), \qquad L = \tfrac12 (y - t)^2$$

    $$\frac{\partial h}{\partial z^{\top}} = \mathrm{diag}(\mathbf{1} - h \odot h)$$

    $$\frac{\partial h}{\partial z^{\top}} = \mathrm{diag}(h \odot h)$$

    $$\frac{\partial y}{\partial h^{\top}} = u^{\top}$$

    $$\frac{\partial L}{\partial h} = u\,(y - t)$$
    """
    assert statuses(notes, d)[3:] == ["right", "wrong", "not understood", "right"]


def test_a_name_written_as_a_function_of_tensors_defined_by_the_derivative_after_it():
    # Goodfellow's eq. 9.11 and 9.13: g(G, V, s)_{i,j,k,l} = \partial J / \partial K_{i,j,k,l} = ..., the name g its own
    # (not the small letter of G = \partial J / \partial Z), its arguments aside
    d = derive(ConvSpec(input=3, kernel=2, names="V,K,Z"))
    notes = r"""
    $$G = \frac{\partial J}{\partial Z}$$

    $$g(G, V, 1)_{m,n} = \frac{\partial J}{\partial K_{m,n}} = \sum_{j,k} G_{j,k}\, V_{j+m-1,\, k+n-1}$$

    $$g(G, V, 1)_{m,n} = \frac{\partial J}{\partial K_{m,n}} = \sum_{j,k} G_{j,k}\, V_{j+m,\, k+n}$$

    $$h(K, G, 1)_{j,k} = \frac{\partial J}{\partial V_{j,k}} = \sum_{m=1}^{2}\sum_{n=1}^{2} G_{m,n}\, K_{j-m+1,\, k-n+1}$$
    """
    assert statuses(notes, d) == ["definition", "right", "wrong", "right"]


def test_a_jacobian_written_as_a_function_is_of_whichever_vector_is_computed_from_the_other():
    # Petersen's J_x(s) (the subscript the input) and heldout17's J_p(z) (the subscript the output, "rows = outputs"):
    # the two conventions disagree, but in a network only one of the two vectors is computed from the other
    notes = r"""
    $$\mathbf{J}_{\mathbf{a}}(\mathbf{p}) = \mathrm{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^{\top}$$

    $$\mathbf{J}_{\mathbf{p}}(\mathbf{a}) = \mathrm{diag}(\mathbf{p}) - \mathbf{p}\mathbf{p}^{\top}$$

    $$\mathbf{J}_{\mathbf{p}}(\mathbf{a}) = \mathrm{diag}(\mathbf{p})$$

    $$(\mathbf{J}_{\mathbf{a}}(\mathbf{p}))_{1,2} = -p_1 p_2$$

    $$(\mathbf{J}_{\mathbf{a}}(\mathbf{p}))_{1,2} = p_1 p_2$$
    """
    assert statuses(notes, SOFTMAX) == ["right", "right", "wrong", "right", "wrong"]


# Piseno's post (published9 01) indexes as a program does, with primed indices for the entry differentiated by;
# the AI Stack Exchange question 21178 (published9 02) writes the stride as 2\cdot i inside an index and a sum's
# limit as the arithmetic of its sizes, (x_h - F_h) / s with the numbers put in; Piseno's forward rule sums over
# Greek letters.
STRIDED = derive(ConvSpec(input=5, kernel=3, stride=2, names="x,f,y"))


def _zero_based(notes: str, d) -> list[str]:
    return [v.status for v in check_notes(textwrap.dedent(notes), d, index_base=0)]


def test_primed_indices_inside_brackets_are_indices():
    d = derive(ConvSpec(input=3, kernel=2, names="X,w,y"))
    notes = r"""
    $$\frac{\partial L}{\partial \mathbf{w}[a', b']} = \sum_{r=0}^{1} \sum_{c=0}^{1} \frac{\partial L}{\partial \mathbf{y}[r, c]} \mathbf{X}[r + a', c + b']$$

    $$\frac{\partial L}{\partial \mathbf{w}[a', b']} = \sum_{r=0}^{1} \sum_{c=0}^{1} \frac{\partial L}{\partial \mathbf{y}[r, c]} \mathbf{X}[r + b', c + a']$$
    """
    assert _zero_based(notes, d) == ["right", "wrong"]


def test_a_product_written_out_inside_an_index():
    notes = r"""
    $$\frac{\partial E}{\partial f_{m', n'}} = \sum_{i=0}^{1}\sum_{j=0}^{1} x_{2\cdot i + m', 2 \times j + n'} \frac{\partial E}{\partial y_{i, j}}$$

    $$\frac{\partial E}{\partial f_{m', n'}} = \sum_{i=0}^{1}\sum_{j=0}^{1} x_{i + m', 2\cdot j + n'} \frac{\partial E}{\partial y_{i, j}}$$

    $$y_{1,1} = \sum_{m=0}^{2}\sum_{n=0}^{2} x_{2 * 1 + m, 1 * 2 + n} f_{m, n}$$
    """
    assert _zero_based(notes, STRIDED) == ["right", "wrong", "right"]


def test_a_limit_written_as_arithmetic_of_whole_numbers():
    notes = r"""
    $$\frac{\partial E}{\partial f_{1, 1}} = \sum_{i=0}^{(5 - 3) / 2}\sum_{j=0}^{\frac{5-3}{2}} x_{2i + 1, 2j + 1} \frac{\partial E}{\partial y_{i, j}}$$

    $$\frac{\partial E}{\partial f_{1, 1}} = \sum_{i=0}^{(5 - 3) / 2 - 1}\sum_{j=0}^{1} x_{2i + 1, 2j + 1} \frac{\partial E}{\partial y_{i, j}}$$

    $$\frac{\partial E}{\partial f_{1, 1}} = \sum_{i=0}^{5 / 2}\sum_{j=0}^{1} x_{2i + 1, 2j + 1} \frac{\partial E}{\partial y_{i, j}}$$
    """
    # 5 / 2 is no whole number: the range is not read, never guessed
    assert _zero_based(notes, STRIDED) == ["right", "wrong", "not understood"]


def test_greek_letters_summed_over_are_indices():
    notes = r"""
    $$y_{1,0} = \sum_{\alpha=0}^{2} \sum_{\beta=0}^{2} x_{2 + \alpha, \beta} f_{\alpha, \beta}$$

    $$y_{1,0} = \sum_{\alpha=0}^{2} \sum_{\beta=0}^{2} x_{2 + \beta, \alpha} f_{\alpha, \beta}$$
    """
    assert _zero_based(notes, STRIDED) == ["right", "wrong"]


def test_a_sum_over_the_entries_of_a_tensor():
    # Piseno (published9 01): the chain rule over every output, \sum_{p \in \mathbf{y}} dL/dp dp/dw[a', b']
    d = derive(ConvSpec(input=3, kernel=2, names="X,w,y"))
    notes = r"""
    $$\frac{\partial L}{\partial \mathbf{w}[a', b']} = \sum_{p \in \mathbf{y}} \frac{\partial L}{\partial p} \frac{\partial p}{\partial \mathbf{w}[a', b']}$$

    $$\frac{\partial L}{\partial \mathbf{w}[a', b']} = \sum_{p \in \mathbf{y}} \frac{\partial L}{\partial p} \frac{\partial p}{\partial \mathbf{w}[b', a']}$$

    $$\frac{\partial L}{\partial \mathbf{X}[r', c']} = \sum_{p \in \mathbf{y}} \frac{\partial L}{\partial p} \frac{\partial p}{\partial \mathbf{X}[r', c']}$$

    $$\frac{\partial L}{\partial \mathbf{X}[r', c']} = \sum_{p \in \mathbf{Q}} \frac{\partial L}{\partial p} \frac{\partial p}{\partial \mathbf{X}[r', c']}$$
    """
    assert _zero_based(notes, d) == ["right", "wrong", "right", "not understood"]


def test_a_number_over_a_bias_of_several_channels_is_its_channel():
    # heldout16 07: channels as bare superscripts, x^{c}, W^{o,c}, b^{o}; so b^{2} is channel 2's bias, not b squared
    d = derive(ConvSpec(input=3, in_channels=2, out_channels=2, kernel=2, bias=True, names="x,W,y"))
    entry = r"W^{2,c}_{1,1}x^{c}_{1,1} + W^{2,c}_{1,2}x^{c}_{1,2} + W^{2,c}_{2,1}x^{c}_{2,1} + W^{2,c}_{2,2}x^{c}_{2,2}"
    notes = rf"""
    $$y^{{2}}_{{1,1}} = \sum_{{c=1}}^{{2}}\left({entry}\right) + b^{{2}}$$

    $$y^{{2}}_{{1,1}} = \sum_{{c=1}}^{{2}}\left({entry}\right) + b^{{1}}$$

    $$\frac{{\partial L}}{{\partial b^{{2}}}} = \sum_{{i=1}}^{{2}}\sum_{{j=1}}^{{2}} \frac{{\partial L}}{{\partial y^{{2}}_{{i,j}}}}$$
    """
    assert statuses(notes, d) == ["right", "wrong", "right"]
    # one output channel: b^{2} is the bias squared, and the sum with it is wrong
    single = derive(ConvSpec(input=3, kernel=2, bias=True, names="x,W,y"))
    assert statuses(r"$$y_{1,1} = x_{1,1}W_{1,1} + x_{1,2}W_{1,2} + x_{2,1}W_{2,1} + x_{2,2}W_{2,2} + b^{2}$$", single) == ["wrong"]


def test_delta_over_the_loss_is_the_derivative_sign():
    # eduNN's guides (published10 02) write \frac{\delta E}{\delta w} for the derivative: \delta over the loss is never
    # an error times it
    d = derive(ConvSpec(input=3, kernel=2, names="x,w,y"))
    notes = r"""
    $$\frac{\delta E}{\delta w_{11}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \frac{\partial E}{\partial y_{ij}} x_{ij}$$

    $$\frac{\delta E}{\delta w_{12}} = \sum_{i=1}^{2}\sum_{j=1}^{2} \frac{\partial E}{\partial y_{ij}} x_{ij}$$
    """
    assert statuses(notes, d) == ["right", "wrong"]


BATCH_NORM = network("""
    input = [2]
    batch = 3
    [[layer]]
    type = "batchnorm"
    """)


def test_a_vector_per_feature_times_a_batch_matrix_multiplies_each_row():
    # Yeh (published10 06): \hat X = (\sigma^2 + \epsilon)^{-1/2} (X - \mu), one value per feature times the 3 x 2 batch
    notes = r"""
    $$\hat{X} = (\sigma^2 + \epsilon)^{-1/2}(X - \mu)$$

    $$\hat{X} = (\sigma^2 + \epsilon)^{-1}(X - \mu)$$

    $$\frac{\partial L}{\partial \hat{X}} = \gamma \frac{\partial L}{\partial Y}$$
    """
    assert statuses(notes, BATCH_NORM) == ["right", "wrong", "right"]


def test_small_letters_in_blackboard_bold_are_bold_vectors_and_a_jacobian_written_as_a_number_is_that_times_i():
    # Lee (published10 07): \mathbb{w}, \mathbb{\theta} for bold vectors; d theta/d b = 1, the identity written 1
    notes = r"""
    $$\frac{\partial L}{\partial \mathbb{b}} = \mathbb{\hat{y}} - \mathbb{t}$$

    $$\frac{\partial \mathbb{a}}{\partial \mathbb{b}} = 1$$

    $$\frac{\partial \mathbb{a}}{\partial \mathbb{b}} = 2$$

    $$\frac{\partial L}{\partial \mathbb{b}} = \mathbb{\hat{y}} + \mathbb{t}$$
    """
    assert statuses(notes, DENSE_SOFTMAX) == ["right", "right", "wrong", "wrong"]


DENSE_SOFTMAX = network("""
    input = [2]
    [[layer]]
    type = "dense"
    out_features = 3
    bias = true
    [[layer]]
    type = "softmax_cross_entropy"
    """)


def test_a_sum_whose_own_index_runs_past_a_border_is_never_right():
    # Lee (published10 07): theta_k = \sum_{i=1}^{3} w_{ik} x_i + b_k over 2 inputs; x_3 does not exist, so the sum's
    # limits are wrong, not the zeros a padding leaves (x_{i+p-1} past the border stays the padding's 0)
    notes = r"""
    $$a_k = \sum_{i=1}^{3} W_{k,i} x_i + b_k$$

    $$a_k = \sum_{i=1}^{2} W_{k,i} x_i + b_k$$
    """
    found = check_notes(textwrap.dedent(notes), DENSE_SOFTMAX)
    assert [v.status for v in found] == ["not understood", "right"]
    assert "take terms that do not exist" in found[0].reason


def test_a_padding_written_with_its_amount():
    # heldout18 07: \mathrm{pad}_1(G) \star K, the zeros written (one ring), not the ones a size would need
    d = derive(ConvSpec(input=3, kernel=2, names="X,K,Y"))
    notes = r"""
    $$\frac{\partial L}{\partial X} = \mathrm{pad}_1(G) \star \mathrm{rot180}(K)$$

    $$\frac{\partial L}{\partial X} = \mathrm{pad}_1(G) \star K$$

    $$\frac{\partial L}{\partial X} = \operatorname{pad}_{1,1}(G) \star \operatorname{rot180}(K)$$

    $$\frac{\partial L}{\partial X} = \mathrm{pad}_2(G) \star \mathrm{rot180}(K)$$
    """
    found = statuses(notes.replace("G", r"\frac{\partial L}{\partial Y}"), d)
    assert found[:3] == ["right", "wrong", "right"] and found[3] != "right"


def test_an_inner_product_in_angle_brackets_is_the_sum_of_the_entrywise_product():
    # heldout18 01 ("angle brackets = sum of the elementwise product"), Boué's Frobenius products
    d = derive(ConvSpec(input=3, kernel=2))
    window = r"\begin{bmatrix} x_{1,1} & x_{1,2} \\ x_{2,1} & x_{2,2} \end{bmatrix}"
    notes = rf"""
    $$\frac{{\partial L}}{{\partial k_{{1,1}}}} = \big\langle \frac{{\partial L}}{{\partial Y}}, {window} \big\rangle$$

    $$\frac{{\partial L}}{{\partial k_{{1,2}}}} = \left\langle \frac{{\partial L}}{{\partial Y}}, {window} \right\rangle$$

    $$\frac{{\partial L}}{{\partial k_{{1,1}}}} = \langle \frac{{\partial L}}{{\partial Y}} \rangle$$
    """
    assert statuses(notes, d) == ["right", "wrong", "not understood"]


def test_the_input_letter_at_the_next_layer_is_a_single_layers_output():
    # Wu's "CNN for Dummies" (published10 01): x^l is layer l's input, x^{l+1} its output (the next layer's input)
    d = derive(ConvSpec(input=3, kernel=2, names="x,f,y"))
    notes = r"""
    $$x^{l+1}_{1,1} = x^l_{1,1} f_{1,1} + x^l_{1,2} f_{1,2} + x^l_{2,1} f_{2,1} + x^l_{2,2} f_{2,2}$$

    $$\frac{\partial z}{\partial x^l_{1,1}} = \frac{\partial z}{\partial x^{l+1}_{1,1}} f_{1,1}$$

    $$\frac{\partial z}{\partial x^l_{1,1}} = \frac{\partial z}{\partial x^{l+1}_{1,1}} f_{2,2}$$

    $$x^{l-1}_{1,1} = x^l_{1,1}$$
    """
    assert statuses(notes, d) == ["right", "right", "wrong", "not understood"]


def test_nabla_before_a_value_is_the_loss_s_gradient_by_it_and_braces_after_d_are_the_gradient_s_name():
    # zxRobot's \nabla a_{11} (the gradient of the loss by a_{11}); Bishwarup's d{W_{11}} for CS231n's dW_{11}
    layer = derive(ConvSpec(input=3, kernel=2, names="a,w,z"))
    notes = r"""
    $$\delta_{ij} = \frac{\partial C}{\partial z_{ij}}$$

    $$\nabla a_{12} = \delta_{11} w_{12} + \delta_{12} w_{11}$$

    $$\nabla a_{12} = \delta_{11} w_{11} + \delta_{12} w_{12}$$
    """
    assert statuses(notes, layer)[1:] == ["right", "wrong"]
    named = derive(ConvSpec(input=3, kernel=2, names="X,W,Z"))
    notes = r"""
    $$d{W_{12}} = d{Z_{11}}{X_{12}} + d{Z_{12}}{X_{13}} + d{Z_{21}}{X_{22}} + d{Z_{22}}{X_{23}}$$

    $$d{W_{21}} = d{Z_{11}}{X_{21}} + d{Z_{12}}{X_{22}} + d{Z_{21}}{X_{31}} + d{Z_{22}}{X_{33}}$$
    """
    assert statuses(notes, named) == ["right", "wrong"]


def test_a_batch_claim_written_for_one_example_is_right_when_it_holds_for_every_example():
    # Koerbitz's single-example formulas in a network trained on a batch of 2: z_i is each example's
    batch = network("""
        input = [2]
        batch = 2
        [[layer]]
        type = "dense"
        out_features = 3
        bias = true
        [[layer]]
        type = "sigmoid"
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$z^{[1]}_i = \sum_j W^{[1]}_{ij} x_j + b^{[1]}_i \quad \text{for } i = 1, 2, 3$$

    $$z^{[1]}_i = \sum_j W^{[1]}_{ji} x_j + b^{[1]}_i \quad \text{for } i = 1, 2$$
    """
    found = check_notes(textwrap.dedent(notes), batch)
    assert [v.status for v in found] == ["right", "not understood"]
    assert "every example" in found[0].reason


def test_an_update_written_with_a_left_arrow_is_no_equation():
    layer = derive(ConvSpec(bias=True))
    notes = r"""
    $$K \leftarrow K - \eta \, \frac{\partial L}{\partial K}$$

    $$b \gets b - \eta \frac{\partial L}{\partial b}$$
    """
    found = check_notes(textwrap.dedent(notes), layer)
    assert [v.status for v in found] == ["definition", "definition"] and "update" in found[0].reason


def test_a_batch_of_images_claim_written_for_one_example_is_read_for_every_example():
    batch = network("""
        input = [1, 3, 3]
        batch = 2
        [[layer]]
        type = "conv"
        out_channels = 2
        kernel = 2
        [[layer]]
        type = "mse"
        """)
    notes = r"""
    $$a^{[1](m)}_{r,s} = \sum_{p=1}^{2} \sum_{q=1}^{2} x_{r+p-1,s+q-1} k^{[1](m,1)}_{p,q} \quad \text{for } m = 1, 2$$

    $$a^{[1](m)}_{r,s} = \sum_{p=1}^{2} \sum_{q=1}^{2} x_{r+q-1,s+p-1} k^{[1](m,1)}_{p,q} \quad \text{for } m = 1, 2$$
    """
    assert [v.status for v in check_notes(textwrap.dedent(notes), batch)] == ["right", "not understood"]


def test_a_loss_written_with_an_example_where_it_has_none_says_so():
    from pathlib import Path

    from symconv.network import load_network

    net = derive(load_network(Path(__file__).parents[1] / "examples" / "conv_global_avgpool_dense.toml"))
    found = check_notes(r"$$L = \sum_{n=1}^{1} L^{(n)}$$", net)
    assert found[0].status == "not understood" and "no example or channel" in found[0].reason


def test_the_chain_rule_in_numerator_layout_reads_the_gradient_by_a_vector_as_a_row():
    # zxRobot's \delta^l = \delta^{l+1} \frac{\partial z^{l+1}}{\partial z^l} and a student's \frac{\partial E}{\partial x}
    # = \frac{\partial E}{\partial a}\frac{\partial a}{\partial z}\frac{\partial z}{\partial x}: Jacobians in numerator
    # layout (a row per entry of the vector differentiated), so the gradient before them is a row, and so is the
    # product after it (times W = \partial z / \partial x); a Jacobian transposed is wrong (the layers are square, so
    # every product fits); the sigmoid's Jacobian is diagonal, so it may stand on either side
    d = network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 2
        [[layer]]
        type = "sigmoid"
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    $$a = \sigma(z), \qquad E = \tfrac12 \lVert a - t \rVert^2$$

    $$\frac{\partial E}{\partial \mathbf{x}} = \frac{\partial E}{\partial \mathbf{a}}\frac{\partial \mathbf{a}}{\partial \mathbf{z}}\frac{\partial \mathbf{z}}{\partial \mathbf{x}}$$

    $$\frac{\partial E}{\partial \mathbf{x}} = \frac{\partial E}{\partial \mathbf{a}}\frac{\partial \mathbf{a}}{\partial \mathbf{z}}\left(\frac{\partial \mathbf{z}}{\partial \mathbf{x}}\right)^T$$

    $$\frac{\partial E}{\partial \mathbf{x}} = \frac{\partial E}{\partial \mathbf{a}}\frac{\partial \mathbf{a}}{\partial \mathbf{z}} W$$

    $$\frac{\partial E}{\partial \mathbf{z}} = \frac{\partial \mathbf{a}}{\partial \mathbf{z}}\frac{\partial E}{\partial \mathbf{a}}$$

    $$\frac{\partial E}{\partial \mathbf{x}} = \frac{\partial E}{\partial \mathbf{a}} W$$
    """
    assert statuses(notes, d)[2:] == ["right", "wrong", "right", "right", "not understood"]


def test_dumoulin_and_visins_size_letters_and_the_primed_transposed_convolution():
    # "A guide to convolution arithmetic" (arXiv:1603.07285): i, o the input's and output's size, and primed, the
    # transposed convolution that is the layer's backward pass (i' = o, o' = i, k' = k, s' = 1, p' = k - p - 1 at unit
    # dilation, \tilde{i}' the input stretched by s - 1 zeros). Here i = 5, k = 3, s = 2, p = 1, so o = 3. The notes'
    # own s = 2 first: a constant, which gives s' no numbers of another scenario (k = 3 is this layer's size). Sizes
    # are right or not understood.
    d = derive(ConvSpec(input=5, kernel=3, stride=2, padding=1))
    notes = r"""
    Here $i = 5$, $k = 3$, $s = 2$ and $p = 1$.

    $$o = \left\lfloor \frac{i + 2p - k}{s} \right\rfloor + 1$$

    $$o = \frac{i + 2p - k}{s}$$

    The transposed convolution: $i' = 3$, $k' = k$, $s' = 1$ and $p' = k - p - 1$.

    $$p' = k - p$$

    $$o' = s (i' - 1) + k - 2p$$

    $$\tilde{i}' = 5$$
    """
    got = [v.status for v in check_notes(textwrap.dedent(notes), d)]
    assert got == ["definition", "right", "definition", "definition", "right", "not understood", "right", "right",
                   "right", "right", "not understood", "right", "right"], got


def test_the_input_layer_s_activations_are_what_the_first_weighted_layer_reads():
    # Manan Shah's feedforward post: the input layer applies the sigmoid (a^1 = \sigma(x)), so a^{l-1} of the first
    # weighted layer is \sigma(x), not x; his w_{ji} goes from node j to node i (weights transposed), as his forward
    # rule says
    d = network("""
        input = [3]
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
    notes = r"""
    $$z_i^l = \sum_j w_{ji}^l a_j^{l-1} + b_i^l$$

    $$a_i^l = \sigma\left(\sum_j w_{ji}^l a_j^{l-1} + b_i^l\right)$$

    $$\frac{\partial \mathcal{L}}{\partial w_{ji}^l} = \frac{\partial \mathcal{L}}{\partial z_i^l} a_j^{l-1}$$

    $$\frac{\partial \mathcal{L}}{\partial w_{ji}^l} = \frac{\partial \mathcal{L}}{\partial z_j^l} a_i^{l-1}$$
    """
    assert statuses(notes, d) == ["right", "right", "right", "wrong"]


def test_a_derivative_of_one_example_s_loss_in_a_batch_is_not_read_as_the_batch_s():
    # the notes define \ell^{(n)}, one example's loss, and L its mean over the batch: \partial \ell / \partial z = p - y
    # is one example's (right), while the batch mean's gradient is (p - y)/N; never wrong for it. L's own claims stay
    d = network("""
        batch = 2
        input = [3]
        [[layer]]
        type = "dense"
        out_features = 3
        bias = true
        [[layer]]
        type = "softmax_cross_entropy"
        reduction = "mean"
        """)
    notes = r"""
    $$z^{(n)} = W x^{(n)} + b$$ and $y$ is the one-hot target.

    $$\ell^{(n)} = -\sum_{k=1}^{3} y^{(n)}_k \log p^{(n)}_k, \qquad L = \frac{1}{N}\sum_{n=1}^{N}\ell^{(n)}$$

    $$\frac{\partial \ell}{\partial z} = p - y$$

    $$\frac{\partial L}{\partial z^{(n)}} = \frac{1}{2}\left(p^{(n)} - y^{(n)}\right)$$

    $$\frac{\partial L}{\partial z^{(n)}} = p^{(n)} - y^{(n)}$$
    """
    assert statuses(notes, d)[-3:] == ["not understood", "right", "wrong"]


def test_katex_part_and_mathjax_definecolor_and_indices_each_in_parentheses():
    # Typora's \dfrac{\part y}{\part x} (KaTeX's \part is \partial), MathJax's \definecolor before a \color, and
    # Dahal's and Jo Junwoo's a_{(i+a)(j+b)}: two indices, each in its own parentheses
    d = derive(ConvSpec(input=3, kernel=2, names="x,k,y"))
    notes = r"""
    $$\frac{\part y_{1,1}}{\part x_{2,2}} = k_{2,2}$$

    $$\definecolor{spin}{RGB}{251,0,29} \color{spin} \frac{\part y_{1,1}}{\part x_{2,2}} = k_{1,1}$$

    $$\frac{\partial y_{ij}}{\partial k_{ab}} = x_{(i+a-1)(j+b-1)}$$

    $$\frac{\partial y_{ij}}{\partial k_{ab}} = x_{(i+a)(j+b)}$$
    """
    assert statuses(notes, d) == ["right", "wrong", "right", "wrong"]


JO_CNN = network("""
    input = [1, 5, 5]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [2, 2]
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "maxpool"
    window = [2, 2]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = [1, 1]
    bias = true
    [[layer]]
    type = "sigmoid"
    [[layer]]
    type = "flatten"
    order = "row"
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


def test_a_cnn_s_layers_read_where_each_general_rule_describes_them():
    # Jo Junwoo's CNN (conv, sigmoid, max pool, conv, sigmoid, dense): w^l for every layer's weights (the kernels and
    # the dense matrix); z^l = w^l * a^{l-1} + b^l is about a convolution that reads the activation before it (not the
    # second, after a pooling); a rule written with one index per value is a dense layer's (not the convolutions')
    notes = r"""
    $$\frac{\partial z^{l}_{ij}}{\partial w^{l}_{ab}} = a^{l-1}_{(i+a-1)(j+b-1)}$$

    $$\frac{\partial z^{l}_{ij}}{\partial w^{l}_{ab}} = a^{l-1}_{(i+a)(j+b)}$$

    $$\frac{\partial C}{\partial z^l_j} = \frac{\partial C}{\partial a^l_j}\sigma'(z^l_j)$$

    $$\frac{\partial C}{\partial w^{L}_{jk}} = \frac{\partial C}{\partial z^{L}_{j}} \frac{\partial z^{L}_{j}}{\partial w^{L}_{jk}}$$
    """
    got = [(v.status, v.reason) for v in check_notes(textwrap.dedent(notes), JO_CNN)]
    assert got == [("right", "read at l = 1"), ("wrong", got[1][1]), ("right", "read at l = 3"),
                   ("right", "read at l = 3")], got


def test_the_channels_counts_as_pytorch_and_symconvs_documents_write_them():
    # C_in and C_out (PyTorch's Conv2d), C_{\mathrm{in}} (symconv's own documents say "here C_in = 1"): the layer's
    # channels; a count that holds for no convolution is a size of another layer, not understood
    d = derive(ConvSpec(input=4, kernel=2, in_channels=2, out_channels=3))
    notes = r"""
    $C_{\mathrm{in}} = 2$, $C_{\text{out}} = 3$, $C_{in} + C_{out} = 5$ and $C_{\mathrm{in}} = 3$
    """
    assert [v.status for v in check_notes(textwrap.dedent(notes), d)] == ["right", "right", "right", "not understood"]
