"""The network document's exercises and answers, recomputed here: an independent NumPy forward pass of
conv -> relu -> max pooling -> flatten -> dense -> softmax with cross-entropy (written out in this file,
not symconv's), its gradients by hand-written back-propagation, and every worked line of numbers read back."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from symconv.api import derive, render
from symconv.example import worked_example
from symconv.network import load_network

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.fixture(scope="module")
def cnn():
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    text = render(d, ("md",)).files["derivation.md"].decode()
    given = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in worked_example(d, 0).given}
    return text, given


def loss(p: dict) -> float:
    """conv (valid, stride 1) -> relu -> 2 x 2 max pooling, stride 2 -> flatten (each channel column by column,
    as the example's flatten) -> dense -> softmax with cross-entropy."""
    x, k, b = p["X"][0], p["K[1]"], p["b[1]"]
    m_n, _, kh, kw = k.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    a = np.array([[[b[m] + np.sum(x[r:r + kh, s:s + kw] * k[m, 0]) for s in range(wo)] for r in range(ho)]
                  for m in range(m_n)])
    a = np.maximum(a, 0)
    pooled = a.reshape(m_n, ho // 2, 2, wo // 2, 2).max(axis=(2, 4))
    flat = np.concatenate([ch.ravel(order="F") for ch in pooled])
    z = p["W[5]"] @ flat + p["b[5]"]
    q = np.exp(z - z.max())
    q /= q.sum()
    return float(-(p["t"] * np.log(q)).sum())


def gradients(p: dict) -> dict:
    """Back-propagation written out by hand, as PyTorch computes it: relu's derivative 0 at 0, each window's
    gradient to its first maximum (row by row). (Central differences would not do: the example has ties at 0,
    kinks where a difference gives half.)"""
    x, k, b, w = p["X"][0], p["K[1]"], p["b[1]"], p["W[5]"]
    m_n, _, kh, kw = k.shape
    ho, wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    pre = np.array([[[b[m] + np.sum(x[r:r + kh, s:s + kw] * k[m, 0]) for s in range(wo)] for r in range(ho)]
                    for m in range(m_n)])
    a = np.maximum(pre, 0)
    pooled = a.reshape(m_n, ho // 2, 2, wo // 2, 2).max(axis=(2, 4))
    flat = np.concatenate([ch.ravel(order="F") for ch in pooled])
    z = w @ flat + p["b[5]"]
    q = np.exp(z - z.max())
    q /= q.sum()
    d5 = q - p["t"]
    d_flat = w.T @ d5
    d_pooled = np.stack([d_flat[c * 4:(c + 1) * 4].reshape(2, 2, order="F") for c in range(m_n)])
    d_a = np.zeros_like(a)
    for c, i, j in np.ndindex(d_pooled.shape):
        window = a[c, 2 * i:2 * i + 2, 2 * j:2 * j + 2]
        r, s = divmod(int(np.argmax(window)), 2)  # argmax: the first maximum in row-major order
        d_a[c, 2 * i + r, 2 * j + s] += d_pooled[c, i, j]
    d_pre = d_a * (pre > 0)
    d_k = np.array([[[[np.sum(d_pre[m] * x[u:u + ho, v:v + wo]) for v in range(kw)] for u in range(kh)]]
                    for m in range(m_n)])
    d_x = np.zeros_like(x)
    for m, r, s in np.ndindex(d_pre.shape):
        d_x[r:r + kh, s:s + kw] += d_pre[m, r, s] * k[m, 0]
    return {"X": d_x[None], "K[1]": d_k, "b[1]": d_pre.sum(axis=(1, 2)), "W[5]": np.outer(d5, flat), "b[5]": d5}


def part(text: str, start: str, end: str) -> str:
    assert start in text and end in text, (start, end)
    return text[text.index(start):text.index(end, text.index(start))]


def test_exercises_then_their_answers_apart_before_further_reading(cnn):
    text, _ = cnn
    exercises, answers = text.index("## Exercises"), text.index("## Answers")
    assert exercises < answers < text.index("## Further reading")
    questions = part(text, "## Exercises", "## Answers")
    assert questions.count("#### Exercise") == 4 and r"\approx" not in questions  # no answer among the questions
    assert part(text, "## Answers", "## Further reading").count("#### Answer") == 4


def test_the_answers_are_what_an_independent_forward_pass_gives(cnn):
    text, given = cnn
    assert loss(given) == pytest.approx(float(re.search(r"L = (\d+\.\d+),", text).group(1)), abs=1e-3)
    answers = part(text, "## Answers", "## Further reading")
    # 1: a dense weight's gradient, the entry the exercise names
    i, j = map(int, re.search(r"compute \$\\partial L / \\partial W\^\{\[5\]\}_\{(\d),(\d)\}\$", text).groups())
    got = float(re.search(r"#### Answer 1.*?\\approx (-?\d+\.\d+)", answers, re.S).group(1))
    assert got == pytest.approx(gradients(given)["W[5]"][i - 1, j - 1], abs=6e-4)
    # 2: the input's gradient entry
    r, s = map(int, re.search(r"Compute \$\\partial L / \\partial x_\{(\d),(\d)\}\$", text).groups())
    got = float(re.search(r"#### Answer 2.*?\\approx (-?\d+\.\d+)", answers, re.S).group(1))
    assert got == pytest.approx(gradients(given)["X"][0, r - 1, s - 1], abs=6e-4)
    # 3: the loss before and after 10^-3 is added to the kernel entry, to the 8 places shown
    m, p, q = map(int, re.search(r"Add \$10\^\{-3\}\$ to \$k\^\{\[1\]\((\d),1\)\}_\{(\d),(\d)\}\$", text).groups())
    before, after = map(float, re.search(r"L &= (\d+\.\d+), \\qquad L' = (\d+\.\d+)", answers).groups())
    moved = {k: v.copy() for k, v in given.items()}
    moved["K[1]"][m - 1, 0, p - 1, q - 1] += 1e-3
    assert (before, after) == (pytest.approx(loss(given), abs=6e-9), pytest.approx(loss(moved), abs=6e-9))
    shown = float(re.search(r"L' - L &= (\d+\.\d+) \\cdot 10\^\{-3\}", answers).group(1))
    assert shown == pytest.approx((after - before) * 1e3, abs=1e-9)  # the difference of the numbers shown
    predicted = float(re.search(r"\\approx (\d+\.\d+) \\cdot 10\^\{-3\}", answers).group(1))
    assert predicted == pytest.approx(gradients(given)["K[1]"][m - 1, 0, p - 1, q - 1], abs=6e-6)
    assert shown == pytest.approx(predicted, rel=0.01)  # the claim the answer makes: they agree
    # 4: one step of gradient descent on every parameter, and the loss after it
    eta = float(re.search(r"\\eta = (\d+\.\d+)", text).group(1))
    grads = gradients(given)
    stepped = {k: (v - eta * grads[k] if k not in ("X", "t") else v) for k, v in given.items()}
    new_w = float(re.search(r"#### Answer 4.*?\\approx (-?\d+\.\d+)", answers, re.S).group(1))
    assert new_w == pytest.approx(stepped["W[5]"][i - 1, j - 1], abs=6e-4)
    after_step = float(re.search(r"gives a loss of \$(\d+\.\d+)\$, down from", answers).group(1))
    assert after_step == pytest.approx(loss(stepped), abs=6e-4) and after_step < loss(given)


def _arithmetic(rhs: str) -> float:
    """The value of a line of numbers as shown: (-0.0051) \\cdot 1 + 0.0785 \\cdot 3."""
    expression = rhs.replace(r"\cdot", "*").replace(r"\quad", "").replace("&", "")
    assert re.fullmatch(r"[\d\s.()*+\-]+", expression), expression
    return eval(expression)  # noqa: S307 - digits and operators only, checked above


def test_every_line_of_worked_numbers_gives_the_value_it_shows(cnn):
    text, _ = cnn
    worked = part(text, "One entry of each sum", "## Forward pass") + part(text, "## Answers", "## Further reading")
    lines, checked = re.sub(r"\\\\\n&\\quad", " ", worked).splitlines(), 0
    for line in lines:
        found = re.search(r"&= (?:.*= )?([^=]*?) \\approx (-?\d+\.\d+)", line)
        if found and r"\delta" not in found.group(1) and r"\eta" not in found.group(1) and "10^" not in line:
            assert round(_arithmetic(found.group(1)), 3) == pytest.approx(float(found.group(2)), abs=1e-9), line
            checked += 1
    assert checked >= 8  # the example's six sums of decimals and the answers' lines


def test_every_decimal_of_the_example_has_three_places(cnn):
    text, _ = cnn
    given = part(text, "A worked example", "One entry of each sum")
    decimals = re.findall(r"-?\d+\.\d+", given)
    assert decimals and all(len(d.split(".")[1]) == 3 for d in decimals), sorted(set(decimals))[:5]


def test_the_switch_figure_is_drawn_at_the_examples_own_numbers_and_says_where_relu_stops_it():
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    files = render(d, ("md",)).files
    given = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in worked_example(d, 0).given}
    x, k, b = given["X"][0], given["K[1]"], given["b[1]"]
    pre = np.array([[b[0] + np.sum(x[r:r + 3, s:s + 3] * k[0, 0]) for s in range(4)] for r in range(4)])
    svg = files["figure-switch-layer-3.svg"].decode()
    cells = [int(n) for n in re.findall(r'font-style="italic">(-?\d+)<tspan', svg)]
    assert cells == [int(v) for v in np.maximum(pre, 0).ravel()]  # channel 1 of A[2], row by row
    # a window whose entries relu made all 0 sends its gradient to its first entry, stopped there by relu
    stopped = [(r, s) for r in range(2) for s in range(2) if pre[2 * r:2 * r + 2, 2 * s:2 * s + 2].max() <= 0]
    text = files["derivation.md"].decode()
    for r, s in stopped:
        assert (f"the window of $a^{{[3](1)}}_{{{r + 1},{s + 1}}}$ sends it to $a^{{[2](1)}}_{{{2 * r + 1},{2 * s + 1}}}$, "
                f"where $a^{{[1](1)}}_{{{2 * r + 1},{2 * s + 1}}} = {int(pre[2 * r, 2 * s])}$") in text
    assert stopped  # this example has one: the test would pass vacuously otherwise


def test_the_flatten_index_map_is_the_layers_own_order_and_the_notation_is_said_once(cnn):
    from symconv.layers.flatten import flatten_order

    text, _ = cnn
    found = re.search(r"a\^\{\[4\]\}_\{(\d+)\(m - 1\) \+ (\d+)\(s - 1\) \+ r\} &= a\^\{\[3\]\(m\)\}_\{r,s\}", text)
    assert found, "the flatten's index map is missing"
    per_channel, per_column = map(int, found.groups())
    c_n, h, w = 2, 2, 2  # the pooled output the flatten reads
    for k, n in enumerate(flatten_order("column", (c_n, h, w))):  # vector entry k + 1 holds input position n
        m, rest = divmod(n, h * w)
        r, s = divmod(rest, w)
        assert per_channel * m + per_column * s + r + 1 == k + 1
    assert r"\Omega_{r,s}" in text and "W_{r,s}" not in text  # the window is no W (width, weights)
    assert r"\hat{y} &= \operatorname{softmax}" in text and r"p &= \operatorname{softmax}" not in text
    assert "$K^{[l](m,c)}$ is the kernel" in text and "A capital is a whole matrix" in text
    assert r"&= \mathbb{1}[i = j]\, a^{[4]}_{k}" in text  # the dense weights' gradient derived, not asserted
