"""The general rules of a convolution in symconv's operators, at the layer's own stride S, padding P and dilation D
(pad_P, spread_S, dilate_D, full_D, \\star_D, crop: the document's list), judged entry by entry like any matrix
claim: right at every stride, padding and dilation, wrong when an operator is left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sympy import Integer, S

from symconv import ConvSpec, api
from symconv.grading import layer_operators
from symconv.network import load_network

EXAMPLES = Path(__file__).parents[1] / "examples"

G = r"$$G = \frac{\partial L}{\partial Y}$$" + "\n"
DK = r"\frac{\partial L}{\partial K^{(m,c)}} = \operatorname{pad}_P(X^{(c)}) \star_D \operatorname{spread}_S(G^{(m)})"
DX = (r"\frac{\partial L}{\partial X^{(c)}} = \operatorname{crop}\Big(\sum_m \operatorname{full}_D\big(\operatorname{spread}_S"
      r"(G^{(m)})\big) \star \operatorname{rot}_{180}\big(\operatorname{dilate}_D(K^{(m,c)})\big)\Big)")


def statuses(claims: list[str], spec: ConvSpec) -> list[str]:
    notes = G + "\n".join(f"$$ {claim} \\quad \\text{{for }} m = 1, \\dots, {spec.out_channels}, "
                          f"c = 1, \\dots, {spec.in_channels} $$" if "(m" in claim.split("=")[0] else
                          f"$$ {claim} \\quad \\text{{for }} c = 1, \\dots, {spec.in_channels} $$" for claim in claims)
    return [v.status for v in api.check(notes, api.derive(spec))][1:]


def test_the_operators_on_small_matrices_by_hand():
    a = np.array([[1, 2], [3, 4]], dtype=object)
    assert layer_operators.spread(a, 2, 3).tolist() == [[1, 0, 0, 2], [0, 0, 0, 0], [3, 0, 0, 4]]
    assert layer_operators.crop(np.arange(16, dtype=object).reshape(4, 4), 1, 1, (3, 3)).tolist() == [
        [5, 6, 7], [9, 10, 11], [13, 14, 15]]  # rows and columns 2 to 4, and 0 past the end
    assert layer_operators.crop(np.arange(16, dtype=object).reshape(4, 4), 1, 1, (4, 4))[3].tolist() == [0, 0, 0, 0]
    u = np.array([[Integer(v) for v in range(c, c + 5)] for c in range(0, 25, 5)], dtype=object)
    conv = layer_operators.Amounts(stride=(1, 1), padding=(0, 0), dilation=(2, 2), kernel=(2, 2))
    v = np.array([[1, 0], [0, 1]], dtype=object)  # u_{2(p-1)+r, 2(q-1)+s} v_{r,s}: u_{2p-1,2q-1} + u_{2p,2q}
    assert layer_operators.correlate(u, v, conv).tolist() == [[0 + 6, 2 + 8], [10 + 16, 12 + 18]]
    assert layer_operators.apply("full:D", a, conv, None).array.shape == (2 + 2 * 2, 2 + 2 * 2)
    padded = layer_operators.apply("pad:P", a, conv._replace(padding=(1, 0)), None).array
    assert padded.tolist() == [[S.Zero, S.Zero], [1, 2], [3, 4], [S.Zero, S.Zero]]


def test_the_default_layer_and_a_strided_padded_one():
    for spec in (ConvSpec(bias=True), ConvSpec(input=5, kernel=3, stride=2, padding=1, bias=True)):
        assert statuses([DK, DX], spec) == ["right", "right"]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(3, 6), st.integers(1, 3), st.integers(1, 2), st.integers(0, 1), st.integers(1, 2), st.integers(1, 2))
def test_the_general_rules_hold_at_every_stride_padding_and_dilation(size, kernel, stride, padding, dilation, channels):
    if size + 2 * padding < dilation * (kernel - 1) + 1:
        return
    spec = ConvSpec(input=size, kernel=kernel, stride=stride, padding=padding, dilation=dilation,
                    in_channels=channels, out_channels=channels)
    assert statuses([DK, DX], spec) == ["right", "right"]


def test_an_operator_left_out_is_wrong():
    spec = ConvSpec(input=7, kernel=3, stride=2, padding=1, dilation=2, in_channels=2, out_channels=2)
    assert statuses([DK.replace(r"\operatorname{spread}_S(G^{(m)})", "G^{(m)}"),
                     DX.replace(r"\operatorname{dilate}_D(K^{(m,c)})", "K^{(m,c)}"),
                     DX.replace(r"\operatorname{spread}_S(G^{(m)})", "G^{(m)}")], spec) == ["wrong", "wrong", "wrong"]
    # at stride 1 without padding or dilation the operators change nothing, so leaving them out is still right
    assert statuses([DK.replace(r"\operatorname{spread}_S(G^{(m)})", "G^{(m)}")], ConvSpec()) == ["right"]


def test_a_letter_the_operator_does_not_take_is_named():
    verdict = api.check(G + r"$$\frac{\partial L}{\partial K} = \operatorname{pad}_S(X) \star G$$", api.derive(ConvSpec()))[1]
    assert verdict.status == "not understood" and "pad takes the layer's padding, pad_P" in verdict.reason


def test_a_network_reads_the_letters_of_the_convolution_the_claim_names():
    # layer 1 is a convolution at stride 2, padding 1 (its kernel names it); layer 5 one of 1 x 1 kernels
    d = api.derive(load_network(EXAMPLES / "conv_transpose_decoder.toml"))
    notes = r"""
    $$\delta^{[l]} = \frac{\partial L}{\partial a^{[l]}}$$

    $$\frac{\partial L}{\partial K^{[1](m,1)}} = \operatorname{pad}_P(X) \star_D \operatorname{spread}_S(\delta^{[1](m)}) \quad \text{for } m = 1, 2$$

    $$\frac{\partial L}{\partial K^{[1](m,1)}} = \operatorname{pad}_P(X) \star_D \delta^{[1](m)} \quad \text{for } m = 1, 2$$

    $$\delta^{[4](c)} = \operatorname{crop}\Big(\operatorname{full}_D\big(\operatorname{spread}_S(\delta^{[5]})\big) \star \operatorname{rot}_{180}\big(\operatorname{dilate}_D(K^{[5](1,c)})\big)\Big) \quad \text{for } c = 1, 2$$
    """
    assert [v.status for v in api.check(notes, d)][1:] == ["right", "wrong", "right"]


def test_an_operator_defined_on_placeholder_matrices_is_a_definition():
    notes = r"""
    $(U \star_D V)_{p,q} = \sum_{r,s} u_{D_h (p-1) + r,\, D_w (q-1) + s}\, v_{r,s}$, $1 \le p \le K_h$

    $$(X \star K)_{1,1} = x_{1,1} k_{1,1}$$
    """
    assert [v.status for v in api.check(notes, api.derive(ConvSpec()))] == ["definition", "wrong"]


TWO_CONVS = """
    input = [1, 5, 5]
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = 3
    stride = 2
    padding = 1
    [[layer]]
    type = "relu"
    [[layer]]
    type = "conv"
    out_channels = 1
    kernel = 2
    [[layer]]
    type = "mse"
    """


def test_an_index_function_of_the_size_letters_is_read_at_each_convolution_s_own_sizes():
    from .notes_network import network

    notes = r"""
    $$\rho_h(r, p) = S_h (r - 1) + D_h (p - 1) + 1 - P_h, \qquad \rho_w(s, q) = S_w (s - 1) + D_w (q - 1) + 1 - P_w$$

    $$a^{[1]}_{r,s} = \sum_{p=1}^{3} \sum_{q=1}^{3} x_{\rho_h(r, p),\, \rho_w(s, q)}\, k^{[1]}_{p,q} \quad \text{for } r, s = 1, 2, 3$$

    $$a^{[3]}_{r,s} = \sum_{p=1}^{2} \sum_{q=1}^{2} a^{[2]}_{\rho_h(r, p),\, \rho_w(s, q)}\, k^{[3]}_{p,q} \quad \text{for } r, s = 1, 2$$

    $$a^{[3]}_{r,s} = \sum_{p=1}^{2} \sum_{q=1}^{2} a^{[2]}_{2r + p - 2,\, 2s + q - 2}\, k^{[3]}_{p,q} \quad \text{for } r, s = 1, 2$$
    """
    import textwrap

    found = api.check(textwrap.dedent(notes), network(TWO_CONVS))
    # layer 1 at its stride 2 and padding 1, layer 3 at stride 1 without padding; the last is layer 1's map
    assert [v.status for v in found][-3:] == ["right", "right", "wrong"], [(v.status, v.reason) for v in found]
