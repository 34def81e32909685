"""check reads claims about every layer at once, as textbooks state back-propagation (general_layers.py).

The network is examples/two_layer_sigmoid_mse.toml (dense 2, sigmoid, dense 2, sigmoid, half the
summed squared error). Each verdict is worked by hand from Nielsen's BP1-BP4 (Neural Networks and Deep
Learning, ch. 2, http://neuralnetworksanddeeplearning.com/chap2.html): delta^l = dC/dz^l,
delta^L = (a^L - y) sigma'(z^L), delta^l = ((w^{l+1})^T delta^{l+1}) sigma'(z^l), dC/db^l = delta^l,
dC/dw^l_{jk} = a^{l-1}_k delta^l_j.
"""

from __future__ import annotations

import pytest

from symconv.grading import check_notes

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
