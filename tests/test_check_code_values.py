"""check reads the values the notes set in code (CS231n's `w = [2,-3,-3]`, a NumPy block) as given values, so the
worked numbers after them are judged at those numbers; code in a comment, and code that sets anything but
numbers, is not read.

The network is CS231n's sigmoid neuron (optimization-2, "Modularity: Sigmoid example"): f = sigma(w0 x0 + w1 x1
+ w2). At w = (2, -3, -3), x = (-1, -2): w0 x0 + w1 x1 + w2 = 1, f = sigma(1) = 0.7311, df/d(dot) = f(1 - f) =
0.1966, df/dw0 = x0 * 0.1966 = -0.1966, df/dx1 = w1 * 0.1966 = -0.5898 (worked by hand from the definition).
"""

from __future__ import annotations

import tomllib

from symconv import derive
from symconv.grading import check_notes
from symconv.grading.code import given_in_code
from symconv.network import NetworkSpec

NEURON = derive(NetworkSpec.from_dict(tomllib.loads("""
input = [2]
[[layer]]
type = "dense"
out_features = 1
bias = true
[[layer]]
type = "sigmoid"
[[layer]]
type = "loss"
formula = "a"
reduction = "sum"
"""), name="notes"))

WORKED = r"""
$$w_0 x_0 + w_1 x_1 + w_2 = 1.00$$

$$\frac{\partial f}{\partial w_0} \approx -0.20$$

$$\frac{\partial f}{\partial x_1} \approx -0.59$$

$$\frac{\partial f}{\partial x_1} \approx 0.59$$
"""


def statuses(notes: str) -> list[str]:
    return [v.status for v in check_notes(notes, NEURON) if v.status != "definition"]


def test_values_set_in_inline_code_are_given():
    notes = "The neuron in code (`w = [2,-3,-3]`, `x = [-1, -2]`), indices from 0 as in $w_0$:\n" + WORKED
    assert statuses(notes) == ["right", "right", "right", "wrong"]


def test_values_set_in_a_fenced_numpy_block_are_given():
    notes = "```python\nimport numpy as np\nw = np.array([2.0, -3.0, -3.0])  # weights, bias last\nx = [-1, -2]\n```\n" + WORKED
    assert statuses(notes) == ["right", "right", "right", "wrong"]


def test_without_the_values_the_worked_numbers_are_not_judged():
    assert "right" not in statuses(WORKED) and "wrong" not in statuses(WORKED)


def test_code_in_a_comment_is_not_read():
    notes = "<!-- `w = [2,-3,-3]`, `x = [-1, -2]` -->\n" + WORKED
    assert "right" not in statuses(notes)


def test_what_is_read_from_code():
    # numbers and rectangular lists of them, in the notes' index base; anything else is left alone
    code = ("```\nx = [[1, 2], [3, 4]]\nb = 0.5\ny = conv(x, k)\nr = [[1, 2], [3]]\nn == 3\nok = [1, 'a']\n```\n"
            "and `W = np.array([[1], [2]])`")
    assert [text for _, text in given_in_code(code, latex=False, base=1)] == [
        "x_{1,1} = 1", "x_{1,2} = 2", "x_{2,1} = 3", "x_{2,2} = 4", "b = 0.5", "W_{1,1} = 1", "W_{2,1} = 2"]
    assert [text for _, text in given_in_code("\\begin{verbatim}\nx = [5, 6]\n\\end{verbatim}\n% y = [1]\n",
                                              latex=True, base=0)] == ["x_{0} = 5", "x_{1} = 6"]


def test_floats_written_with_a_bare_point_are_read():
    # NumPy code writes 2. and -.5 (heldout20's notebook: X = np.array([[1., 2.], [0., 1.], [2., -1.]])): numbers too
    notes = "```python\nw = np.array([2., -3., -3.])\nx = [-1., -2.]\n```\n" + WORKED
    assert statuses(notes) == ["right", "right", "right", "wrong"]
    assert [text for _, text in given_in_code("`v = [.5, 1., 1e-3, 2.5e2]`", latex=False, base=1)] == [
        "v_{1} = 0.5", "v_{2} = 1.0", "v_{3} = 1e-3", "v_{4} = 2.5e2"]
