"""Readings a published derivation leaves open are "not understood" with the readings that compete, never wrong:
\\frac{\\partial}{\\partial w} w a + b without brackets (of the product alone, or of the whole sum), and a claim
about every layer l that writes the last layer L beside l (\\partial C/\\partial W^l = \\delta^L (a^{L-1})^T, right
after \\delta^L). Also KaTeX's \\gdef macros and \\bigodot, as blogs write them."""

from __future__ import annotations

from .notes_network import network, statuses

TWO_LAYERS = network("""
    input = [1]
    [[layer]]
    type = "dense"
    out_features = 1
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


def test_a_derivative_operator_before_a_sum_without_brackets_is_not_read_either_way():
    notes = r"""
    $$z^l = w^l a^{l-1} + b^l$$

    $$\frac{\partial z^2}{\partial w^2} = \frac{\partial}{\partial w^2} w^2 a^1 + b^2 = a^1$$

    $$\frac{\partial z^2}{\partial w^2} = \frac{\partial}{\partial w^2} \left( w^2 a^1 + b^2 \right) = a^1$$

    $$\frac{\partial z^2}{\partial w^2} = \frac{\partial}{\partial w^2} w^2 a^1 + b^2 = b^2$$
    """
    # the last is wrong read either way: the sum's derivative is a^1, and a^1 + b^2 is not b^2 either
    assert statuses(notes, TWO_LAYERS)[1:] == ["not understood", "right", "wrong"]


def test_a_claim_about_layer_l_that_writes_the_last_layer_is_not_wrong_where_it_holds_at_the_last():
    notes = r"""
    $$\delta^l = \frac{\partial C}{\partial z^l}$$

    $$\frac{\partial C}{\partial w^l} = \delta^L a^{L-1}$$

    $$\frac{\partial C}{\partial w^l} = \delta^l a^{l-1}$$

    $$\frac{\partial C}{\partial w^l} = \delta^L a^{L}$$
    """
    assert statuses(notes, TWO_LAYERS)[1:] == ["not understood", "right", "wrong"]


def test_katex_gdef_macros_are_expanded():
    notes = r"""
    $$\gdef\par#1#2{\frac{\partial #1}{\partial #2}}$$

    $$\delta^l = \par{C}{z^l}$$

    $$\par{C}{w^l} = \delta^l a^{l-1}$$
    """
    assert statuses(notes, TWO_LAYERS)[-1] == "right"


def test_bigodot_is_the_entrywise_product():
    layer = network("""
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
    $$\delta^l = \frac{\partial C}{\partial z^l}$$

    $$\delta^1 = (a^1 - y) \bigodot a^1 \bigodot (1 - a^1)$$

    $$\delta^1 = (a^1 - y) \bigodot a^1$$
    """
    assert statuses(notes, layer)[1:] == ["right", "wrong"]
