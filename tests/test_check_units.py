"""check reads notes that name a dense network's units, as hand-worked examples do (grading/units.py).

The network is examples/two_layer_sigmoid_mse.toml: inputs i_1, i_2; dense to two sigmoid hidden
units h_1, h_2; dense to two sigmoid outputs o_1, o_2; E = 1/2 sum_k (t_k - o_k)^2. Every expected
verdict is worked by hand: sigma' = out(1 - out), dE/dout_{ok} = out_{ok} - t_k, w_1 ... w_8 numbered
row by row (w_1: i_1 -> h_1, w_2: i_2 -> h_1, w_3: i_1 -> h_2, w_5: h_1 -> o_1, w_6: h_2 -> o_1,
w_7: h_1 -> o_2), delta_j = dE/dnet_j.
"""

from __future__ import annotations

import pytest

from symconv.grading import check_notes

from .test_check_meaning import MAZUR


def _verdicts(notes: str):
    return [(v.status, v.claim) for v in check_notes(notes, MAZUR)]


@pytest.mark.parametrize("claim, status", [
    (r"net_{h1} = w_1 i_1 + w_2 i_2 + b^{[1]}_1", "right"),
    (r"net_{h1} = w_1 i_1 + w_3 i_2 + b^{[1]}_1", "wrong"),  # w_3 leads to h_2
    (r"out_{h_{1}} = \frac{1}{1+e^{-net_{h_{1}}}}", "right"),
    (r"out_{h_{1}} = \frac{1}{1+e^{net_{h_{1}}}}", "wrong"),  # the exponent's sign lost
    (r"\frac{\partial E_{total}}{\partial out_{o1}} = -(target_{o1} - out_{o1})", "right"),
    (r"\frac{\partial E_{total}}{\partial out_{o1}} = target_{o1} - out_{o1}", "wrong"),
    (r"\frac{\partial E_{total}}{\partial w_5} = (out_{o1} - target_{o1})\, out_{o1}(1 - out_{o1})\, out_{h1}", "right"),
    (r"\frac{\partial E_{total}}{\partial w_5} = (out_{o1} - target_{o1})\, out_{o1}(1 - out_{o1})\, out_{h2}", "wrong"),
    (r"\frac{\partial out_{o2}}{\partial net_{o2}} = out_{o2}(1 - out_{o2})", "right"),
    (r"\delta_{o1} = (out_{o1} - ideal_{o1})\, out_{o1}(1 - out_{o1})", "right"),
    (r"\frac{\partial E_{total}}{\partial w_{6}} = \delta_{o1}\, out_{h2}", "right"),
    (r"\frac{\partial E_{total}}{\partial w_{6}} = \delta_{o2}\, out_{h2}", "wrong"),
    (r"\frac{\partial E}{\partial w_{1}} = (w_5 \delta_{o1} + w_7 \delta_{o2})\, out_{h1}(1 - out_{h1})\, i_1", "right"),
    (r"\frac{\partial E}{\partial w_{1}} = (w_5 \delta_{o1} + w_6 \delta_{o2})\, out_{h1}(1 - out_{h1})\, i_1", "wrong"),
])
def test_units_named_by_letter_are_read_as_the_network_s_values(claim, status):
    (verdict,) = _verdicts(f"$$ {claim} $$")
    assert verdict == (status, claim)  # the report shows the claim as the notes write it


def test_a_symbolic_unit_is_an_index_over_its_layer():
    (verdict,) = _verdicts(r"$$ out_{h_{i}} = \frac{1}{1+e^{net_{hi}}} $$")
    assert verdict[0] == "wrong"


def test_which_way_a_weight_goes_is_what_the_notes_say():
    said = r"$w^{l}_{mi}$ is the weight of layer $l$ from neuron $m$ to neuron $i$." "\n\n"
    claim = r"$$ \frac{\partial E_{total}}{\partial w^{2}_{21}} = \delta_{o1}\, out_{h2} $$"  # h_2 -> o_1
    assert _verdicts(said + claim)[0][0] == "right"
    # unsaid, w^{2}_{21} is symconv's (and PyTorch's) W^{[2]}_{2,1}: from h_1 to o_2
    assert _verdicts(claim)[0][0] == "wrong"
    assert _verdicts(r"$$ \frac{\partial E_{total}}{\partial w^{2}_{21}} = \delta_{o2}\, out_{h1} $$")[0][0] == "right"
    report = check_notes(said + claim, MAZUR).conventions.describe()
    assert "units named by letter" in report and "from unit i to unit j" in report


NUMBERED = "Neurons are numbered through the whole network: inputs 1, 2; hidden 3, 4; outputs 5, 6.\n\n"


@pytest.mark.parametrize("claim, status", [
    (r"net_5 = w_{35} o_3 + w_{45} o_4 + b_5", "right"),
    (r"net_5 = w_{35} o_3 + w_{46} o_4 + b_5", "wrong"),  # w_{46} leads to 6
    (r"\frac{\partial E}{\partial w_{35}} = (o_5 - t_5)\, o_5 (1 - o_5)\, o_3", "right"),
    (r"\frac{\partial E}{\partial w_{53}} = (o_5 - t_5)\, o_5 (1 - o_5)\, o_3", "right"),  # the same weight
    (r"\frac{\partial E}{\partial w_{35}} = (o_5 - t_5)\, o_5 (1 - o_5)\, o_4", "wrong"),
    (r"\delta_3 = (w_{35}\delta_5 + w_{36}\delta_6)\, o_3 (1 - o_3)", "right"),
    (r"\delta_3 = w_{35}\delta_5 + w_{36}\delta_6", "wrong"),  # the sigmoid's derivative left out
    (r"\frac{\partial E}{\partial w_{14}} = \delta_4\, x_1", "right"),
    (r"\frac{\partial E}{\partial w_{14}} = \delta_4\, o_2", "wrong"),
    (r"\frac{\partial E}{\partial b_6} = \delta_6", "right"),
])
def test_units_numbered_through_the_network(claim, status):
    verdicts = check_notes(f"{NUMBERED}$$ {claim} $$", MAZUR)
    assert [v.status for v in verdicts] == [status], verdicts
    assert "numbered through the network" in verdicts.conventions.describe()


def test_notes_that_do_not_name_units_are_read_as_before():
    verdicts = check_notes(r"$$ \frac{\partial L}{\partial a^{[4]}_{1}} = a^{[4]}_{1} - t_1 $$", MAZUR)
    assert verdicts[0].status == "right" and "units" not in verdicts.conventions.describe()


# M. Mazur, "A Step by Step Backpropagation Example" (2015,
# https://mattmazur.com/2015/03/17/a-step-by-step-backpropagation-example/): its given values, and the
# numbers it works out, as it prints them (to nine digits, each from the rounded numbers before it).
MAZUR_GIVEN = (
    "Inputs $i_1 = 0.05$, $i_2 = 0.10$; weights $w_1 = 0.15$, $w_2 = 0.20$, $w_3 = 0.25$, $w_4 = 0.30$, "
    "$w_5 = 0.40$, $w_6 = 0.45$, $w_7 = 0.50$, $w_8 = 0.55$; targets $target_{o1} = 0.01$, $target_{o2} = 0.99$; "
    "the learning rate $\\eta = 0.5$.\n\n"
    "$$ net_{h1} = w_1 i_1 + w_2 i_2 + b_1 $$\n\n$$ net_{h2} = w_3 i_1 + w_4 i_2 + b_1 $$\n\n"
    "$$ net_{o1} = w_5 out_{h1} + w_6 out_{h2} + b_2 $$\n\n$$ net_{o2} = w_7 out_{h1} + w_8 out_{h2} + b_2 $$\n\n"
    "The biases are $b_1 = 0.35$ and $b_2 = 0.60$.\n\n"
)


@pytest.mark.parametrize("claim, status", [
    (r"net_{h1} = 0.15 * 0.05 + 0.2 * 0.1 + 0.35 * 1 = 0.3775", "right"),
    (r"out_{h1} = \frac{1}{1+e^{-0.3775}} = 0.593269992", "right"),
    (r"out_{h1} = \frac{1}{1+e^{-0.3775}} = 0.583269992", "wrong"),
    (r"net_{o1} = 0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.6 * 1 = 1.105905967", "right"),
    (r"net_{o1} = 0.4 * 0.593269992 + 0.45 * 0.596884378 + 0.35 * 1 = 0.855905967", "wrong"),  # b_1 for b_2
    (r"out_{o1} = 0.75136507", "right"),
    (r"E_{o1} = \frac{1}{2}(target_{o1} - out_{o1})^{2} = \frac{1}{2}(0.01 - 0.75136507)^{2} = 0.274811083", "right"),
    (r"E_{o2} = 0.023560026", "right"),
    (r"E_{o1} = 0.023560026", "wrong"),  # the other output's error
    (r"E_{total} = E_{o1} + E_{o2} = 0.274811083 + 0.023560026 = 0.298371109", "right"),
    (r"\frac{\partial E_{total}}{\partial w_{5}} = 0.74136507 * 0.186815602 * 0.593269992 = 0.082167041", "right"),
    (r"w_5^{+} = w_5 - \eta \frac{\partial E_{total}}{\partial w_{5}} = 0.4 - 0.5 * 0.082167041 = 0.35891648", "right"),
    (r"w_5^{+} = w_5 + \eta \frac{\partial E_{total}}{\partial w_{5}}", "wrong"),  # a step uphill
    (r"w_6^{+} = 0.408666186", "right"),
    (r"\frac{\partial E_{o1}}{\partial out_{h1}} = \frac{\partial E_{o1}}{\partial net_{o1}} \frac{\partial net_{o1}}{\partial out_{h1}} = 0.138498562 * 0.40 = 0.055399425", "right"),
    (r"\frac{\partial E_{o2}}{\partial out_{h1}} = -0.019049119", "right"),
    (r"\frac{\partial E_{o2}}{\partial out_{h1}} = 0.055399425", "wrong"),
    (r"\frac{\partial E_{total}}{\partial out_{h1}} = \frac{\partial E_{o1}}{\partial out_{h1}} + \frac{\partial E_{o2}}{\partial out_{h1}} = 0.055399425 + -0.019049119 = 0.036350306", "right"),
    (r"w_1^{+} = w_1 - \eta \frac{\partial E_{total}}{\partial w_{1}} = 0.15 - 0.5 * 0.000438568 = 0.149780716", "right"),
    (r"w_1^{+} = 0.15 - 0.5 * -0.000438568 = 0.150219284", "wrong"),
])
def test_mazur_s_worked_numbers_are_judged_at_the_values_the_notes_give(claim, status):
    verdicts = [v for v in check_notes(MAZUR_GIVEN + f"$$ {claim} $$", MAZUR) if v.status != "definition"]
    assert verdicts[-1].status == status, verdicts[-1]
    assert not [v for v in verdicts[:-1] if v.status != "right"]  # the net inputs that define b_1, b_2 hold


def test_a_bias_the_notes_name_by_number_is_the_one_of_the_units_written_with_it():
    # b_1 is the hidden layer's shared bias, b_2 the outputs': each a bias of the unit a claim is about
    notes = MAZUR_GIVEN + r"$$ \frac{\partial net_{o2}}{\partial b_2} = 1 $$" "\n\n" r"$$ \frac{\partial net_{h2}}{\partial b_2} = 1 $$"
    *_, about_o2, about_h2 = check_notes(notes, MAZUR)
    assert about_o2.status == "right"
    assert about_h2.status != "right"  # b_2 is no bias of h_2: not read as one


def test_a_derivative_between_values_layers_apart_goes_through_the_values_between():
    # \partial out_{o1} / \partial out_{h1} = sigma'(net_{o1}) w_5: out_{o1} is written with net_{o1}, not 0
    notes = (r"$$ \frac{\partial out_{o1}}{\partial out_{h1}} = out_{o1}(1 - out_{o1})\, w_5 $$" "\n\n"
             r"$$ \frac{\partial out_{o1}}{\partial out_{h1}} = out_{o1}(1 - out_{o1})\, w_6 $$" "\n\n"
             r"$$ \frac{\partial out_{o1}}{\partial i_{1}} = out_{o1}(1 - out_{o1})(w_5\, out_{h1}(1 - out_{h1})\, w_1 + w_6\, out_{h2}(1 - out_{h2})\, w_3) $$"
             "\n\n" r"$$ \frac{\partial out_{o1}}{\partial i_{1}} = 0 $$")
    assert [v.status for v in check_notes(notes, MAZUR)] == ["right", "wrong", "right", "wrong"]
