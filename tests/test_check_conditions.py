"""Reasons and conditions written beside a claim in words: "\\text{since } ..." gives a claim of its own, and a
condition check cannot read ("for a one-hot target", "if $i$ is not the true class") never makes a claim wrong: a
claim that holds for every value of its indices holds under it, any other stays not understood."""

from __future__ import annotations

import textwrap

from symconv.grading import check_notes

from .notes_network import network, statuses, verdicts

SOFTMAX = network("""
    input = [3]
    [[layer]]
    type = "softmax_cross_entropy"
    target = "one-hot"
    """)


def test_a_reason_in_words_is_a_claim_of_its_own():
    notes = r"""
    $$\frac{\partial L}{\partial x_1} = p_1 \sum_{j} t_j - t_1 = p_1 - t_1 \qquad \text{since } \sum_{j} t_{j} = 1$$

    $$\frac{\partial L}{\partial x_2} = p_2 - t_2 \quad \text{because } \sum_{j} p_{j} = p_1$$

    $$\frac{\partial L}{\partial x_3} = p_3 + t_3 \quad \text{as } \sum_{j} p_{j} = 1$$
    """
    assert verdicts(notes, SOFTMAX) == [(2, "right"), (2, "right"), (4, "right"), (4, "wrong"),
                                        (6, "wrong"), (6, "right")]


def test_a_claim_that_holds_everywhere_holds_under_a_condition_not_read():
    notes = r"""
    $$\sum_{j} t_{j} = 1 \quad \text{for a one-hot target}$$

    $$\frac{\partial L}{\partial x_i} = p_i - t_i \quad \text{for every class of the batch}$$
    """
    found = check_notes(textwrap.dedent(notes), SOFTMAX)
    assert [v.status for v in found] == ["right", "right"]
    assert "'for a one-hot target', not read" in found[0].reason


def test_a_claim_that_holds_only_under_a_condition_in_words_is_never_wrong():
    # dL/dx_i = p_i holds for the classes the one-hot target does not mark: the condition is what makes it hold
    notes = r"""
    $$\frac{\partial L}{\partial x_i} = p_i \quad \text{for the wrong classes}$$

    $$\frac{\partial L}{\partial x_i} = p_i \quad \text{if $i$ is not the true class}$$

    $$\frac{\partial L}{\partial x_i} = p_i$$
    """
    found = check_notes(textwrap.dedent(notes), SOFTMAX)
    assert [v.status for v in found] == ["not understood", "not understood", "wrong"]
    assert "'for the wrong classes') is not read" in found[0].reason
    assert "fails at i=1" in found[0].reason


MLP = network("""
    batch = 2
    input = [3]
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
    """)


def test_weight_matrices_numbered_by_a_subscript_are_the_weighted_layers():
    # W_1, W_2 (PyTorch users, CS231n's W1, W2): the first and second layers with weights, b_1, b_2 their biases
    notes = r"""
    $$Z = X W_1^\top + \mathbf{1} b_1^\top, \qquad \hat Y = \max(Z, 0) W_2^\top + \mathbf{1} b_2$$

    $$\frac{\partial L}{\partial (W_1)_{2,3}} = \sum_{n=1}^{2} \frac{\partial L}{\partial Z_{n,2}} X_{n,3}$$

    $$\frac{\partial L}{\partial (W_1)_{2,3}} = \sum_{n=1}^{2} \frac{\partial L}{\partial Z_{n,3}} X_{n,2}$$

    $$\frac{\partial L}{\partial b_2} = \sum_{n=1}^{2} \frac{\partial L}{\partial \hat Y_{n,1}}$$
    """
    assert statuses(notes, MLP) == ["right", "right", "right", "wrong", "right"]
    # one numbered W only, or a number past the network's layers: W_3 is no layer, and nothing is renumbered
    assert statuses(r"$$\frac{\partial L}{\partial W_3} = X$$", MLP) == ["not understood"]


def test_an_equation_number_written_by_hand_is_not_a_claim():
    notes = r"""
    $$\frac{\partial L}{\partial x_1} = p_1 - t_1 \qquad (2)$$

    $$\begin{array}{ll} \frac{\partial L}{\partial x_2} = p_2 - t_2, & (3) \\ \frac{\partial L}{\partial x_3} = p_3 + t_3 \; (4a) \end{array}$$
    """
    found = check_notes(textwrap.dedent(notes), SOFTMAX)
    assert [(v.line, v.status) for v in found] == [(2, "right"), (4, "right"), (4, "wrong")]
