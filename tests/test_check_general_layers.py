"""check reads claims about every layer at once, as textbooks state back-propagation (general_layers.py).

The network is examples/two_layer_sigmoid_mse.toml (dense 2, sigmoid, dense 2, sigmoid, half the
summed squared error). Each verdict is worked by hand from Nielsen's BP1-BP4 (Neural Networks and Deep
Learning, ch. 2, http://neuralnetworksanddeeplearning.com/chap2.html): delta^l = dC/dz^l,
delta^L = (a^L - y) sigma'(z^L), delta^l = ((w^{l+1})^T delta^{l+1}) sigma'(z^l), dC/db^l = delta^l,
dC/dw^l_{jk} = a^{l-1}_k delta^l_j.
"""

from __future__ import annotations

import textwrap

import pytest

from symconv.grading import check_notes

from .notes_network import network
from .test_check_meaning import MAZUR

DELTA = r"We define $\delta^l_j \equiv \frac{\partial C}{\partial z^l_j}$." "\n\n"


def _last(notes: str):
    return [v for v in check_notes(notes, MAZUR) if v.status != "definition"][-1]


@pytest.mark.parametrize("claim, status", [
    (r"\delta^L_j = (a^L_j - t_j)\, \sigma'(z^L_j)", "right"),                       # BP1
    (r"\delta^L_j = (t_j - a^L_j)\, \sigma'(z^L_j)", "wrong"),
    (r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j)", "right"),    # BP2
    (r"\delta^l_j = \sum_k w^{l+1}_{jk} \delta^{l+1}_k \sigma'(z^l_j)", "wrong"),     # the weight's indices swapped
    (r"\frac{\partial C}{\partial b^l_j} = \delta^l_j", "right"),                    # BP3
    (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j", "right"),      # BP4
    (r"\frac{\partial C}{\partial w^l_{jk}} = a^{l}_k \delta^l_j", "wrong"),        # the layer after, not before
    (r"\frac{\partial C}{\partial a^{l-1}_k} = \sum_j \delta^l_j w^l_{jk}", "right"),
    (r"\frac{\partial C}{\partial w^{(l)}_{jk}} = a^{(l-1)}_k \delta^{(l)}_j", "right"),  # Bishop's ^{(l)}
    (r"\frac{\partial C}{\partial w^\ell_{jk}} = a^{\ell-1}_k \delta^\ell_j", "right"),
    # BP1 in vector form: \nabla_a C is Nielsen's gradient by the last layer's activations a^L
    (r"\delta^L = \nabla_a C \odot \sigma'(z^L)", "right"),
    (r"\delta^L = \nabla_{a} C \odot \sigma(z^L)", "wrong"),
    (r"\delta^L = \nabla_a C \odot \sigma'(z^{L-1})", "wrong"),
    # Koerbitz's \nabla C, the cost's gradient by its argument (\nabla C(a^L)), the last layer's activations
    (r"\delta^L = \nabla C \odot \sigma'(z^L)", "right"),
    (r"\delta^L = \nabla C (a^L) \odot \sigma'(z^L)", "right"),
    (r"\delta^L = \nabla C \odot \sigma(z^L)", "wrong"),
])
def test_a_claim_about_layer_l_holds_at_every_layer(claim, status):
    verdict = _last(DELTA + f"$$ {claim} $$")
    assert verdict.status == status, verdict
    assert verdict.claim == claim  # shown as written, not as one of its readings


def test_weights_numbered_by_the_layer_they_read_are_read_so_too():
    # UFLDL: z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}, so dJ/dW^{(l)}_{ij} = a^{(l)}_j delta^{(l+1)}_i
    ufldl = _last(DELTA + r"$$ \frac{\partial C}{\partial W^{(l)}_{ij}} = a^{(l)}_j \delta^{(l+1)}_i $$")
    assert ufldl.status == "right" and "the layer they read" in ufldl.reason
    # wrong however the weights are numbered
    assert _last(DELTA + r"$$ \frac{\partial C}{\partial W^{(l)}_{ij}} = a^{(l+1)}_j \delta^{(l+1)}_i $$").status == "wrong"


def test_the_layers_a_claim_is_stated_for_are_the_ones_read():
    claim = r"\delta^l_j = \sum_k w^{l+1}_{kj} \delta^{l+1}_k \sigma'(z^l_j) \quad \text{for } l = 1, \ldots, L-1"
    verdict = _last(DELTA + f"$$ {claim} $$")
    assert verdict.status == "right" and "l = 1" in verdict.reason and "2" not in verdict.reason


def test_a_sum_s_upper_limit_l_is_no_layer():
    assert _last(r"$$ \frac{\partial C}{\partial t_{1}} = \sum_{l=1}^{L} 0 $$").reason.find("read at l") < 0


def test_markdown_escaped_subscripts_and_braced_derivatives_are_read():
    # CS231n's backprop-derivation note as kramdown serves it: \_ and \partial{C}
    assert _last(DELTA + r"$$\frac{\partial{C}}{\partial{b^l\_j}}=\delta^l\_j$$").status == "right"


def test_a_name_read_at_the_last_layer_alone_is_read_at_every_layer_once_the_notes_define_it():
    # Nielsen's BP1 then BP2, \delta^l defined after them: BP1 reads \delta at the last layer; BP2, which needs it at
    # every layer, is judged again once the definition is read (right), and a BP2 without \sigma' is wrong
    notes = r"""
    $$\delta^L = \nabla_a C \odot \sigma'(z^L)$$

    $$\delta^l = ((w^{l+1})^T \delta^{l+1}) \odot \sigma'(z^l)$$

    $$\delta^l = (w^{l+1})^T \delta^{l+1}$$

    where $\delta^l_j \equiv \frac{\partial C}{\partial z^l_j}$.
    """
    assert [v.status for v in check_notes(notes, MAZUR)] == ["right", "right", "wrong", "definition"]


def test_the_last_layer_of_a_network_of_convolutions_whose_kernels_are_called_w():
    # Gwardys' two convolutions with sigmoids, the kernels written w^l as Nielsen writes weights: L is the second
    # convolution (w^L its kernel), not the layer after it
    d = network("""
        input = [1, 3, 3]
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [2, 2]
        [[layer]]
        type = "sigmoid"
        [[layer]]
        type = "conv"
        out_channels = 1
        kernel = [1, 1]
        [[layer]]
        type = "sigmoid"
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    $$\delta^L = \nabla_a C \odot \sigma'(z^L)$$

    $$\delta^L = \nabla_a C \odot \sigma(z^L)$$

    $$\frac{\partial C}{\partial w^L_{1,1}} = \sum_{x,y} \delta^L_{x,y} \, a^{L-1}_{x,y}$$
    """
    assert [v.status for v in check_notes(textwrap.dedent(notes), d)] == ["right", "wrong", "right"]


def test_a_claim_about_a_layer_s_activation_is_not_read_at_a_layer_no_activation_follows():
    # Shah's \partial L/\partial z^l = \partial L/\partial a^l \sigma'(z^l) in a network whose last layer has no
    # activation (a^{[2]} is z^{[2]} there): the claim is about the layers with one, read at l = 1 alone
    d = network("""
        input = [2]
        [[layer]]
        type = "dense"
        out_features = 2
        [[layer]]
        type = "sigmoid"
        [[layer]]
        type = "dense"
        out_features = 2
        [[layer]]
        type = "mse"
        reduction = "half_sum"
        """)
    notes = r"""
    $$\frac{\partial C}{\partial z^l_j} = \frac{\partial C}{\partial a^l_j} \sigma'(z^l_j)$$

    $$\frac{\partial C}{\partial z^l_j} = \frac{\partial C}{\partial a^l_j} \sigma(z^l_j)$$
    """
    verdicts = check_notes(textwrap.dedent(notes), d)
    assert [v.status for v in verdicts] == ["right", "wrong"]
    assert verdicts[0].reason == "read at l = 1"
