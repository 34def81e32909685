"""The documents' operators and padded gradients (issue 24, review r8): the star used only where it is defined,
one name per padded gradient, placeholders that no document symbol uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv import derive, load_network
from symconv.rendering.formats import render
from symconv.spec import ConvSpec

EXAMPLES = Path(__file__).parents[1] / "examples"
CNN = EXAMPLES / "conv_relu_maxpool_dense.toml"


def _md(subject) -> str:
    return render(derive(subject), ("md",)).files["derivation.md"].decode()


def test_in_a_network_the_plain_star_is_said_to_hold_at_stride_1_only():
    """Defect 1: "at this layer's stride, padding and dilation" gave X star G as if general."""
    md = _md(ConvSpec(bias=True))
    part = md[md.index("In a network this layer"):]
    assert "at this layer's stride 1, without padding or dilation" in part
    assert "These hold at stride 1 without padding or dilation; at any other stride" in part
    assert "the gradients are, channel by channel, the general forms above" in part
    assert r"\operatorname{spread}_S(G)" in md and r"\operatorname{crop}\Bigl(\operatorname{full}_D" in md
    # a layer whose forms carry its own stride says nothing of the kind
    strided = _md(ConvSpec(stride=2, padding=1, input=5, kernel=3, bias=True))
    assert "These hold at stride 1 without padding or dilation" not in strided


@pytest.mark.parametrize("subject", [ConvSpec(bias=True), CNN], ids=str)
def test_g_hat_is_full_of_g_only_and_the_dilated_padding_has_its_own_name(subject):
    """Defect 2: G^ was full(G) padded by K - 1 and then full(G~) padded by D (K - 1); full(.) had a parenthetical
    D (K - 1). Review r12: the gradient padded for the full correlation is written full(.) in the single layer's
    document as in the network's (no G^ of its own), and the dilated kernel's padding is full_D(.)."""
    md = _md(load_network(subject) if isinstance(subject, Path) else subject)
    assert r"\operatorname{full}(\tilde" not in md and r"\hat{G}" not in md
    assert "for a kernel of dilation $D$): just enough" not in md
    assert r"$\operatorname{full}_D(\cdot)$ adds $D_h (K_h - 1)$ rows" in md  # padded for the dilated kernel
    if isinstance(subject, ConvSpec):
        assert r"$\operatorname{full}(G)$ is $G$ padded for the full correlation" in md


@pytest.mark.parametrize("subject", [ConvSpec(bias=True), CNN], ids=str)
def test_the_stars_placeholders_are_no_symbol_of_the_document(subject):
    """Defect 5: (A star B)_{r,s} = sum a b_{p,q} used b, the bias's letter."""
    md = _md(load_network(subject) if isinstance(subject, Path) else subject)
    assert r"(U \star V)_{r,s} = \sum_{p,q} u_{r+p-1,\,s+q-1}\, v_{p,q}" in md
    assert not re.search(r"\(A \\star(_D)? B\)", md) and r"\, b_{p,q}" not in md and r"\, b_{r,s}" not in md


def test_the_network_example_prints_the_values_its_answers_and_worked_entries_use():
    """Defect 4: the example printed y^ to three places (0.145) while answer 1 used 0.1454 (-0.8546 . 11 = -9.401,
    not -9.405), and the worked dL/dk line used 0.0120 and -0.0556, printed as 0.012 and -0.056."""
    import symconv
    md = symconv.render(load_network(CNN), ("md",)).files["derivation.md"].decode()
    example = md[md.index("A worked example"):md.index("One entry of each, term by term")]
    assert r"\hat{y} = {\begin{bmatrix} 0.5896 & 0.1454 & 0.2649" in example
    assert "0.0120 & -0.0530 & 0.0530 & -0.0556" in example
    answers = md[md.index("Answer 1"):]
    assert "-0.8546" in answers and r"\approx -9.4005" in answers  # four places, as every number (review r15 item 5)


def test_answer_2s_matrices_side_by_side_are_a_quad_apart():
    """Defect 6: answer 2's three matrices a \\qquad apart ran 5.8 pt into the margin of the CNN document."""
    import symconv
    md = symconv.render(load_network(CNN), ("md",)).files["derivation.md"].decode()
    answer = md[md.index("Answer 2"):md.index("Answer 3")]
    assert r"\end{bmatrix}}, \quad {\delta'}" in answer and r"\qquad" not in answer
