"""Primed names as the same layer with other given values: an exercise gives G' (another upstream gradient) as
numbers, and L', g' are what it gives. Such claims are read with the primes taken off, at the primed values; a
primed value of another shape (a layer at another stride) leaves them not understood, never wrong."""

from __future__ import annotations

import textwrap

from symconv import ConvSpec, api

DEFAULT = api.derive(ConvSpec(bias=True))  # 3 x 3 input, 2 x 2 kernel, stride 1
GIVEN = r"""
$$X = \begin{bmatrix} 1 & 2 & 0 \\ -1 & 1 & 3 \\ 0 & 2 & 1 \end{bmatrix}, \quad K = \begin{bmatrix} 1 & -1 \\ 2 & 0 \end{bmatrix}$$

$$G = \frac{\partial L}{\partial Y}$$
"""


def statuses(notes: str) -> list[tuple[int, str]]:
    return [(v.line, v.status) for v in api.check(textwrap.dedent(GIVEN + notes), DEFAULT)]


def test_another_upstream_gradient_reads_the_answers_written_with_primes():
    found = statuses(r"""
    Let another loss $L'$ send back

    $$G' = \begin{bmatrix} 2 & -1 \\ 2 & 0 \end{bmatrix}$$

    $$\frac{\partial L'}{\partial x_{2,2}} = g'_{1,1} k_{2,2} + g'_{1,2} k_{2,1} + g'_{2,1} k_{1,2} + g'_{2,2} k_{1,1} = 2 \cdot 0 + (-1) \cdot 2 + 2 \cdot (-1) + 0 \cdot 1 = -4$$

    $$\frac{\partial L'}{\partial x_{1,1}} = g'_{1,1} k_{1,1} = 3$$

    $$\frac{\partial L'}{\partial x_{1,2}} = g'_{1,1} k_{1,1}$$
    """)
    claims = [status for line, status in found if line > 7]
    assert claims == ["definition"] * 4 + ["right", "wrong", "wrong"], found


def test_primed_values_of_another_shape_are_not_read_and_never_make_a_claim_wrong():
    found = statuses(r"""
    At stride 2 the loss $L''$ sends back

    $$G'' = \begin{bmatrix} 1 \end{bmatrix}$$

    $$\frac{\partial L''}{\partial x_{2,2}} = g''_{1,1} k_{2,2} = 1 \cdot 0 = 0$$
    """)
    assert [status for line, status in found if line > 7] == ["not understood", "not understood"], found


def test_a_prime_on_an_index_or_a_derivative_is_not_another_instance():
    notes = r"""
    $$G' = \begin{bmatrix} 2 & -1 \\ 2 & 0 \end{bmatrix}$$

    $$\frac{\partial L}{\partial x_{i,j}} = \sum_{i',j'} g_{i',j'} k_{i-i'+1,j-j'+1} \quad \text{for } i, j = 1, 2, 3$$
    """
    verdicts = api.check(textwrap.dedent(GIVEN + notes), DEFAULT)
    assert verdicts[-1].status == "right", verdicts[-1].reason


def test_a_constant_the_notes_give_is_no_scenario_of_its_primed_name():
    # Dumoulin's s = 1 then s' = 1: s is a size the notes give a number, not a value another exercise changes, so
    # s' = 1 is the transposed convolution's stride (right), and each claim is shown as written
    verdicts = api.check(textwrap.dedent(r"""
    Here $s = 1$ and $p = 0$.

    The transposed convolution has $s' = 1$ and $k' = k$.
    """), DEFAULT)
    assert [(v.claim, v.status) for v in verdicts] == [
        ("s = 1", "definition"), ("p = 0", "definition"), ("s' = 1", "right"), ("k' = k", "right")]
