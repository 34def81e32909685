"""The loss's gradient by a quantity the notes define themselves (nodes.py): through the notes' own graph.

Staged derivations (Kratzert's batch norm, a circuit's gates) name intermediate quantities the network does not
have and differentiate the loss by them. Each test's right claims were worked out by hand from the notes' equations;
each has a slip beside it that must be caught, and notes whose graph symconv cannot read whole must not have a
claim judged wrong for a term it could not see.
"""

from __future__ import annotations

from symconv import ConvSpec, derive

from .notes_network import network, verdicts

# a batch of 4 examples of 3 features through batch normalization; dout = dL/dout is the given upstream gradient
BATCHNORM = network("""
    batch = 4
    input = [3]
    [[layer]]
    type = "batchnorm"
    eps = 1e-5
    """)

FORWARD = r"""
Rows $n$, columns $d$; $N = 4$. The upstream gradient is $\text{dout}_{nd} = \partial L / \partial \text{out}_{nd}$.

- $\mu_d = \frac{1}{N} \sum_{n=1}^{N} x_{nd}$
- $\text{xc}_{nd} = x_{nd} - \mu_d$
- $\text{sq}_{nd} = \text{xc}_{nd}^2$
- $\text{var}_d = \frac{1}{N} \sum_{n=1}^{N} \text{sq}_{nd}$
- $\text{rs}_d = \sqrt{\text{var}_d + 10^{-5}}$
- $\text{inv}_d = 1 / \text{rs}_d$
- $\hat{x}_{nd} = \text{xc}_{nd} \, \text{inv}_d$
- $\text{gx}_{nd} = \gamma_d \hat{x}_{nd}$
- $\text{out}_{nd} = \text{gx}_{nd} + \beta_d$
"""


def _judged(backward: str) -> list[str]:
    """The verdicts of the backward claims (the lines after the forward pass), in order."""
    lines = FORWARD.count("\n") + 1
    return [status for line, status in verdicts(FORWARD + backward, BATCHNORM) if line > lines]


def test_the_gradient_by_a_quantity_is_through_the_equations_that_use_it():
    backward = r"""
$$\frac{\partial L}{\partial \text{gx}_{nd}} = \text{dout}_{nd}$$

$$\frac{\partial L}{\partial \text{inv}_d} = \sum_{n=1}^{N} \text{dout}_{nd} \, \gamma_d \, \text{xc}_{nd}$$

$$\frac{\partial L}{\partial \text{rs}_d} = -\frac{1}{\text{rs}_d^2} \, \frac{\partial L}{\partial \text{inv}_d}$$

$$\frac{\partial L}{\partial \text{sq}_{nd}} = \frac{1}{N} \, \frac{\partial L}{\partial \text{var}_d}$$

$$\frac{\partial L}{\partial \text{xc}_{nd}} = \text{dout}_{nd} \, \gamma_d \, \text{inv}_d + 2 \, \text{xc}_{nd} \, \frac{\partial L}{\partial \text{sq}_{nd}}$$
"""
    assert _judged(backward) == ["right"] * 5


def test_a_term_left_out_or_a_wrong_factor_is_caught():
    backward = r"""
$$\frac{\partial L}{\partial \text{gx}_{nd}} = \gamma_d \, \text{dout}_{nd}$$

$$\frac{\partial L}{\partial \text{sq}_{nd}} = \frac{2}{N} \, \frac{\partial L}{\partial \text{var}_d}$$

$$\frac{\partial L}{\partial \text{xc}_{nd}} = \text{dout}_{nd} \, \gamma_d \, \text{inv}_d$$
"""
    assert _judged(backward) == ["wrong"] * 3


def test_a_gradient_through_an_equation_not_read_is_never_wrong():
    # x-hat's equation written with a command symconv does not read: the gradient by xc misses that term, so the
    # slip cannot be told from the term left out, and the right claim is not judged by the part that was read
    forward = FORWARD.replace(r"\hat{x}_{nd} = \text{xc}_{nd} \, \text{inv}_d", r"\hat{x}_{nd} = \text{xc}_{nd} \, \text{inv}_d \qux")
    backward = r"""
$$\frac{\partial L}{\partial \text{xc}_{nd}} = \text{dout}_{nd} \, \gamma_d \, \text{inv}_d + 2 \, \text{xc}_{nd} \, \frac{\partial L}{\partial \text{sq}_{nd}}$$

$$\frac{\partial L}{\partial \text{sq}_{nd}} = \frac{2}{N} \, \frac{\partial L}{\partial \text{var}_d}$$
"""
    lines = forward.count("\n") + 1
    judged = [status for line, status in verdicts(forward + backward, BATCHNORM) if line > lines]
    assert judged == ["not understood", "not understood"]


def test_a_derivative_of_a_quantity_is_still_of_its_expression():
    # \partial \text{sq}_{nd} / \partial x_{nd}: the quantity on top is its expression, differentiated (as before)
    backward = r"""
$$\frac{\partial \text{xc}_{nd}}{\partial \mu_d} = -1$$

$$\frac{\partial \text{xc}_{nd}}{\partial \mu_d} = 1$$
"""
    assert _judged(backward) == ["right", "wrong"]


def test_a_quantity_given_entry_by_entry_is_one_value_each():
    # a circuit's gates, q_1 = w_{1,1} x_{1,1}, ..., summed into the top-left output: the gradient by a gate is the
    # output's, once; the other outputs' circuits are not written, so only this one carries q
    d = derive(ConvSpec(input=3, kernel=2, names="x,w,y"))
    notes = r"""
    $$q_1 = w_{1,1} x_{1,1}, \quad q_2 = w_{1,2} x_{1,2}, \quad q_3 = w_{2,1} x_{2,1}, \quad q_4 = w_{2,2} x_{2,2}$$

    $$y_{1,1} = q_1 + q_2 + q_3 + q_4$$

    $$\frac{\partial L}{\partial q_1} = \frac{\partial L}{\partial y_{1,1}}$$

    $$\frac{\partial L}{\partial q_3} = x_{2,1} \frac{\partial L}{\partial y_{1,1}}$$
    """
    assert [status for line, status in verdicts(notes, d) if line > 2] == ["right", "right", "wrong"]
