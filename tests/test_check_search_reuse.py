"""What check works out once and reuses while it reads the notes' names (grade.py, meaning.py, numeric.py):
a claim's trees kept for names of the same shapes, the numbers at the meaning's first point that turn a
reading down before its expression is built, and the truth at the values the notes give. Each reuse must
give what working it out anew gives.
"""

from __future__ import annotations

import textwrap

import pytest

from symconv.grading import check_notes
from symconv.grading.extract import Claim
from symconv.grading.grade import Grader
from symconv.grading.numeric import plainly_unequal

from .test_check_meaning import MAZUR
from .test_check_textbook_conventions import POOL


def _keys(node) -> list[str]:
    if not isinstance(node, tuple):
        return []
    if node and node[0] in ("entry", "whole"):
        return [node[1]]
    return [key for n in node for key in _keys(n)]


def test_a_kept_parse_names_each_reading_s_own_tensor():
    grader = Grader(MAZUR)
    vectors = [t.name for t in MAZUR.tensors if t.shape == (2,) and t.symbols is not None
               and not t.name.startswith("dL/d")]
    assert len(vectors) >= 3
    claim = Claim(1, "u_1 = u_2 + a^{[4]}_1")
    seen = []
    for key in vectors:  # u read as each vector of the network in turn: one text, one shape
        grader.tensors["u"] = {None: next(i for t in grader.candidates if t.key == key for i in [t])}
        sides, _ = grader.parse(claim)
        seen.append(_keys(sides[0]) + _keys(sides[1])[:1])
    assert seen == [[key, key] for key in vectors]


# Claims on the 2-2-2 sigmoid network, as check_claims reads them (indices from 1): right ones, and the
# same with a slip. The quick numbers must never turn a right reading down, and must see a plain slip.
RIGHT = [
    r"\frac{\partial L}{\partial a^{[4]}_{1}} = a^{[4]}_{1} - t_{1}",
    r"a^{[2]}_{1} = \sigma(a^{[1]}_{1})",
    r"\frac{\partial L}{\partial W^{[3]}_{1,2}} = (a^{[4]}_{1} - t_{1}) a^{[4]}_{1}(1 - a^{[4]}_{1}) a^{[2]}_{2}",
    r"\frac{\partial L}{\partial a^{[2]}_{2}} = \sum_{k} (a^{[4]}_{k} - t_{k}) a^{[4]}_{k}(1 - a^{[4]}_{k}) W^{[3]}_{k,2}",
    r"a^{[3]} = W^{[3]} a^{[2]} + b^{[3]}",
]


@pytest.mark.parametrize("text", RIGHT)
def test_the_numbers_at_one_point_turn_down_a_slip_but_never_a_right_reading(text):
    grader = Grader(MAZUR)
    for claim, holds in ((text, True), (text.replace(" = ", " = 2 \\cdot (", 1) + ")", False)):
        sides, _ = grader.parse(Claim(1, claim))
        (env, *_) = grader._indices(sides, "")
        truth = grader.truth(sides[0], env)
        assert (grader._check(sides, env) is None) is holds, claim
        assert plainly_unequal(grader, truth, sides[1], env) is not holds, claim


def test_a_value_given_anew_is_the_one_worked_numbers_are_judged_at():
    notes = textwrap.dedent(r"""
        $$x = \begin{bmatrix} 1 & -2 & 3 & 1 \\ 4 & 2 & -1 & 3 \\ -3 & -1 & 5 & 5 \\ -4 & -2 & 2 & 1 \end{bmatrix}, \qquad \delta = \frac{\partial L}{\partial a^{[2]}} = \begin{bmatrix} 1 & 2 \\ 3 & -1 \end{bmatrix}$$

        $$\frac{\partial L}{\partial x_{3,3}} = \delta_{2,2} = -1$$

        $$\delta = \frac{\partial L}{\partial a^{[2]}} = \begin{bmatrix} 1 & 2 \\ 3 & 7 \end{bmatrix}$$

        $$\frac{\partial L}{\partial x_{3,3}} = \delta_{2,2} = 7$$

        $$\frac{\partial L}{\partial x_{3,3}} = -1$$
        """)
    got = {v.line: v.status for v in check_notes(notes, POOL)}
    assert got[4] == "right" and got[8] == "right", got  # each at the values given before it
    assert got[10] == "wrong", got  # -1 no longer
