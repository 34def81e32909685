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
