"""check reads the notes' own constants and names without ever calling a right claim wrong on a guess
(grading/constants.py, binding.weak), and judges Jacobians of whole vectors and norms.

Expected verdicts are worked by hand from the definitions (MATH.md): batch normalization over a batch
of N = 3 examples of 2 features with the biased variance, and the 2-2-2 sigmoid network with half the
summed squared error of test_check_meaning.
"""

from __future__ import annotations

import pytest

from symconv import ConvSpec, derive
from symconv.grading import check_notes
from symconv.grading.constants import substitute
from symconv.network import NetworkSpec

from .test_check_meaning import MAZUR

BN = derive(NetworkSpec.from_dict({"batch": 3, "input": [2], "layer": [{"type": "batchnorm"}, {"type": "mse"}]}))
# as Kratzert's post (tests/notes/published): no loss layer, dL/d(out) given
GIVEN = derive(NetworkSpec.from_dict({"batch": 3, "input": [2], "layer": [{"type": "batchnorm"}]}))


def test_a_constant_the_notes_give_is_read_as_its_number_but_not_as_an_index():
    notes = ("$N = 3$ examples.\n\n"
             r"$$ \mu_d = \frac{1}{N}\sum_{n=1}^{N} x_{nd} $$" "\n\n"
             r"$$ \mu_d = \frac{1}{N+1}\sum_{n=1}^{N} x_{nd} $$")
    assert [v.status for v in check_notes(notes, BN)] == ["definition", "right", "wrong"]
    # in a subscript the name is an index, not the number: x_{n} stays the entry at index n
    assert substitute(r"\frac{2}{n} x_{n} + 2n", {"n": "3"}).split() == ["\\frac{2}{", "3", "}", "x_{n}", "+", "2",
                                                                       "\\cdot", "3"]


def test_names_read_together_from_one_claim_are_not_grounds_for_wrong():
    # var = (1/N) sum_n sq_{nd} holds with var as the mean and sq as the input: a guess, not the notes' meaning
    # (sq_{nd} = (x_{nd} - \mu_d)^2 in the notes, which no tensor of the network is)
    notes = (r"$$ \text{var}_d = \frac{1}{3}\sum_{n=1}^{3} \text{sq}_{nd} $$" "\n\n"
             r"$$ \frac{\partial L}{\partial \text{sq}_{nd}} = \frac{1}{3}\frac{\partial L}{\partial \text{var}_d} $$")
    first, second = check_notes(notes, GIVEN)
    assert first.status == "right"
    assert second.status == "not understood" and "holds with other readings" in second.reason


def test_a_name_read_only_through_its_gradient_is_not_grounds_for_wrong():
    # dL/dg = dL/dy holds for g = y - beta as well as for y: g read as y is a guess
    notes = (r"$$ \frac{\partial L}{\partial g_{nd}} = \frac{\partial L}{\partial a_{nd}} $$" "\n\n"
             r"$$ g_{nd} = \gamma_d \hat{x}_{nd} $$")
    assert [v.status for v in check_notes(notes, GIVEN)] == ["right", "not understood"]


def test_a_guess_borne_out_by_a_later_claim_judges_mistakes():
    notes = (r"$$ \frac{\partial L}{\partial g_{nd}} = \frac{\partial L}{\partial a_{nd}} $$" "\n\n"
             r"$$ g_{nd} = \gamma_d \hat{x}_{nd} + \beta_d $$" "\n\n"  # holds with g as the output: borne out
             r"$$ g_{nd} = \gamma_d \hat{x}_{nd} $$")
    assert [v.status for v in check_notes(notes, GIVEN)] == ["right", "right", "wrong"]


@pytest.mark.parametrize("claim, status", [
    (r"\frac{\partial a^{[2]}}{\partial a^{[1]}} = \operatorname{diag}\left(a^{[2]} \odot (1 - a^{[2]})\right)", "right"),
    (r"\frac{\partial a^{[2]}}{\partial a^{[1]}} = \operatorname{diag}\left(1 - a^{[2]}\right)", "wrong"),
    (r"\frac{\partial a^{[3]}}{\partial a^{[2]}} = W^{[3]}", "right"),  # numerator layout: rows are a^{[3]}
    (r"L = \frac{1}{2}\left\lVert a^{[4]} - t \right\rVert^2", "right"),
    (r"L = \left\| a^{[4]} - t \right\|^2", "wrong"),
])
def test_jacobians_of_whole_vectors_and_norms(claim, status):
    (verdict,) = check_notes(f"$$ {claim} $$", MAZUR)
    assert verdict.status == status, verdict


def test_a_claim_that_holds_whichever_its_name_means_is_right_and_the_name_stays_unread():
    # dL/dc_1 = dL/da^{[3]}_1 holds with c as the bias b^{[3]} and with c as the output a^{[3]} of that layer
    notes = (r"$$ \frac{\partial L}{\partial c_1} = \frac{\partial L}{\partial a^{[3]}_1} $$" "\n\n"
             r"$$ \frac{\partial L}{\partial c_2} = 2\,\frac{\partial L}{\partial a^{[3]}_2} $$" "\n\n"
             r"$$ c_1 = W^{[3]}_{1,1} a^{[2]}_1 + W^{[3]}_{1,2} a^{[2]}_2 + b^{[3]}_1 $$")  # now c is the output
    verdicts = check_notes(notes, MAZUR)
    # the second is judged again once the third has read c (as the output): wrong with every reading
    assert [v.status for v in verdicts] == ["right", "wrong", "right"], verdicts
    assert "more than one way" in verdicts[0].reason


CONV = derive(ConvSpec())  # x 3 x 3, k 2 x 2, y = x \star k: its names are x, k, y


@pytest.mark.parametrize("worked, status", [
    ("1 + 0 + 0 - 1 = 0", "right"),  # x = [1 0 2; 3 1 0; 0 2 1], G = [1 2; 0 -1]: dL/dk_11 = 1 + 0 + 0 - 1
    ("1 + 0 + 0 + 1 = 2", "wrong"),
])
def test_a_gradient_given_in_a_chain_before_its_matrix_is_a_given_value(worked, status):
    notes = (r"$$ x = \begin{bmatrix} 1 & 0 & 2 \\ 3 & 1 & 0 \\ 0 & 2 & 1 \end{bmatrix} $$" "\n\n"
             r"$$ G = \frac{\partial L}{\partial y} = \begin{bmatrix} 1 & 2 \\ 0 & -1 \end{bmatrix} $$" "\n\n"
             rf"$$ \frac{{\partial L}}{{\partial k_{{11}}}} = G_{{11}} x_{{11}} + G_{{12}} x_{{12}} + G_{{21}} x_{{21}} "
             rf"+ G_{{22}} x_{{22}} = {worked} $$")
    verdicts = check_notes(notes, CONV)
    assert verdicts[-1].status == status, verdicts[-1]
    assert sum(v.status == "definition" for v in verdicts) == 9 + 1 + 4  # x, the name G, dL/dy


BATCH = derive(NetworkSpec.from_dict({"batch": 2, "input": [3], "layer": [
    {"type": "dense", "out_features": 2, "bias": True}, {"type": "mse"}]}))
# X = [2 0 1; 1 1 0] (one example per row), W = [1 1 0; 0 2 1], b = (1, 0): Y = X W^T + b = [3 1; 3 2];
# T = [1 0; 0 1]: dY = (2/4)(Y - T) = [1 0.5; 1.5 0.5]
GIVEN_BATCH = (r"$$ Y_{nj} = \sum_{k=1}^{3} X_{nk} W_{jk} + b_j $$" "\n\n"
               r"$$ X = \begin{bmatrix} 2 & 0 & 1 \\ 1 & 1 & 0 \end{bmatrix}, \quad "
               r"W = \begin{bmatrix} 1 & 1 & 0 \\ 0 & 2 & 1 \end{bmatrix}, \quad b = \begin{bmatrix} 1 \\ 0 \end{bmatrix}, "
               r"\quad T = \begin{bmatrix} 1 & 0 \\ 0 & 1 \end{bmatrix} $$" "\n\n"
               r"$$ dY_{nj} = \frac{1}{2}(Y_{nj} - T_{nj}) $$" "\n\n")


@pytest.mark.parametrize("claim, statuses", [
    (r"Y = \begin{bmatrix} 3 & 1 \\ 3 & 2 \end{bmatrix}", ["right"] * 4),
    (r"Y = \begin{bmatrix} 3 & 3 \\ 1 & 2 \end{bmatrix}", ["right", "wrong", "wrong", "right"]),  # transposed
    (r"dY = \begin{bmatrix} 1 & 0.5 \\ 1.5 & 0.5 \end{bmatrix}", ["right"] * 4),
    (r"dY = \begin{bmatrix} 1 & 0.25 \\ 1.5 & 0.5 \end{bmatrix}", ["right", "wrong", "right", "right"]),
])
def test_a_batch_of_vectors_is_a_matrix_with_one_example_per_row(claim, statuses):
    verdicts = check_notes(GIVEN_BATCH + f"$$ {claim} $$", BATCH)
    assert [v.status for v in verdicts[-4:]] == statuses, verdicts[-4:]


TANH = derive(NetworkSpec.from_dict({"input": [2], "layer": [
    {"type": "dense", "out_features": 2, "bias": True}, {"type": "tanh"}, {"type": "mse", "reduction": "half_sum"}]}))


@pytest.mark.parametrize("network, claim, status", [
    # Ng's and PyTorch's gradient names: dW is dL/dW, da^{[l]} is dL/da^{[l]}
    (MAZUR, r"da^{[4]}_1 = a^{[4]}_1 - t_1", "right"),
    (MAZUR, r"da^{[4]}_1 = 2(a^{[4]}_1 - t_1)", "wrong"),
    (MAZUR, r"dW^{[3]}_{1,2} = da^{[3]}_1\, a^{[2]}_2", "right"),
    (MAZUR, r"dW^{[3]}_{1,2} = da^{[3]}_2\, a^{[2]}_1", "wrong"),
    (MAZUR, r"db^{[3]} = da^{[3]}", "right"),
    # \mathcal{L} is the loss; Leibniz's d is a partial derivative
    (MAZUR, r"\mathcal{L} = \frac{1}{2}\sum_{k=1}^{2} (a^{[4]}_k - t_k)^2", "right"),
    (MAZUR, r"\mathcal{L} = \frac{1}{4}\sum_{k=1}^{2} (a^{[4]}_k - t_k)^2", "wrong"),
    (MAZUR, r"\frac{d a^{[2]}_1}{d a^{[1]}_1} = a^{[2]}_1 (1 - a^{[2]}_1)", "right"),
    (MAZUR, r"\frac{d a^{[2]}_1}{d a^{[1]}_2} = a^{[2]}_1 (1 - a^{[2]}_1)", "wrong"),
    # a function's power: \tanh^2(v) is (\tanh v)^2
    (TANH, r"\frac{\partial a^{[2]}_1}{\partial a^{[1]}_1} = 1 - \tanh^2(a^{[1]}_1)", "right"),
    (TANH, r"\frac{\partial a^{[2]}_1}{\partial a^{[1]}_1} = 1 + \tanh^{2}(a^{[1]}_1)", "wrong"),
])
def test_gradient_names_the_loss_leibniz_and_function_powers(network, claim, status):
    (verdict,) = check_notes(f"$$ {claim} $$", network)
    assert verdict.status == status, verdict


@pytest.mark.parametrize("claim, status", [
    # f, g, h, \varphi: the activation the network applies to the value (MAZUR's is the sigmoid)
    (r"a^{[2]}_1 = f(a^{[1]}_1)", "right"),
    (r"\frac{\partial a^{[2]}_1}{\partial a^{[1]}_1} = f'(a^{[1]}_1)", "right"),
    (r"\frac{\partial a^{[2]}_1}{\partial a^{[1]}_1} = f'(a^{[1]}_2)", "wrong"),
    (r"\varphi'(a^{[1]}_1) = a^{[2]}_1 (1 - a^{[2]}_1)", "right"),
    (r"\varphi'(a^{[1]}_1) = 1 - (a^{[2]}_1)^2", "wrong"),  # tanh's, not the sigmoid's
    (r"a^{[3]}_1 = f(a^{[2]}_1)", "not understood"),  # a dense layer follows a^{[2]}, not an activation
])
def test_a_letter_for_the_activation_is_the_network_s_activation(claim, status):
    (verdict,) = check_notes(f"$$ {claim} $$", MAZUR)
    assert verdict.status == status, verdict


def test_notes_that_say_sigma_is_tanh_are_read_so():
    said = r"Here $\sigma = \tanh$." "\n\n"
    claim = r"$$ \frac{\partial a^{[2]}_1}{\partial a^{[1]}_1} = \sigma'(a^{[1]}_1) = 1 - (a^{[2]}_1)^2 $$"
    assert [v.status for v in check_notes(said + claim, TANH)] == ["definition", "right"]
    assert [v.status for v in check_notes(claim, TANH)] == ["wrong"]  # unsaid, \sigma is the sigmoid


TWO_MAPS = derive(NetworkSpec.from_dict({"input": [1, 3, 3], "layer": [
    {"type": "conv", "out_channels": 2, "kernel": 2, "bias": True}]}))


@pytest.mark.parametrize("claim, status", [
    # a^c, k^c: a letter superscript is a channel's index; "c = 1, 2" says its range, not a constant
    (r"a^c_{ij} = b_c + \sum_{u,v=1}^{2} k^c_{uv}\, x_{i+u-1,\,j+v-1}", "right"),
    (r"a^c_{ij} = b_c + \sum_{u,v=1}^{2} k^c_{uv}\, x_{i+u,\,j+v-1}", "wrong"),
])
def test_a_letter_superscript_is_a_channel_and_an_index_is_never_a_constant(claim, status):
    verdicts = check_notes(f"Two maps, $c = 1, 2$.\n\n$$ {claim} $$", TWO_MAPS)
    assert verdicts[-1].status == status, verdicts[-1]
    assert all("constant" not in v.reason for v in verdicts)  # c = 1 gave no constant (it relates indices)


@pytest.mark.parametrize("claim, status", [
    (r"\hat{x}_{nd} = \text{xmu}_{nd}\, \text{ivar}_d", "right"),
    (r"\hat{x}_{nd} = \text{xmu}_{nd}", "wrong"),
    (r"\hat{x}_{21} = \text{xmu}_{21}\, \text{ivar}_1", "right"),  # the shorthands at other indices
    (r"\hat{x}_{21} = \text{xmu}_{21}\, \text{ivar}_2", "wrong"),
])
def test_a_shorthand_the_notes_define_is_read_as_its_expression(claim, status):
    # Kratzert's steps: no value of the network is x - \mu or 1/\sqrt{\sigma^2 + \epsilon}; the notes name them
    notes = (r"$$ \text{xmu}_{nd} = x_{nd} - \mu_d $$" "\n\n"
             r"$$ \text{ivar}_d = \frac{1}{\sqrt{\sigma^2_d + \epsilon}} $$" "\n\n" f"$$ {claim} $$")
    verdicts = check_notes(notes, GIVEN)
    assert [v.status for v in verdicts] == ["definition", "definition", status], verdicts
    assert verdicts[-1].claim == claim  # reported as written
