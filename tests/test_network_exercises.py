"""A network's exercises ask for numbers the document does not print (the gradients had the target been
another), each answer the NumPy reference's; a derivation, with its numbers NumPy's too."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from symconv import derive, render
from symconv.example import worked_example
from symconv.network import load_network
from symconv.numeric.reference_network import forward_backward
from symconv.rendering.network_exercises import decimal, exercises
from symconv.rendering.upstream import short_names

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def printed(value: str, text: str) -> bool:
    """Whether the number is printed in the text as a number of its own (0.002, not the start of -0.0029)."""
    return re.search(rf"(?<![\d.]){re.escape(value)}(?![\d])", text) is not None


def test_the_cnns_exercises_ask_for_numbers_not_printed_and_answer_with_numpys():
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    example = worked_example(d, 0)
    items = exercises(d, example, short_names(d, "delta"))
    # no exercise asks for what the text derives (the softmax's gradient for a target summing to tau is in its section)
    assert [i.title for i in items] == [f"Exercise {n}" for n in range(1, 6)]
    assert not any(r"\tau" in i.question for i in items)
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    t = leaves["t"]
    other = {**leaves, "t": np.roll(t.reshape(-1), 1).reshape(t.shape)}  # the next class
    before, after = forward_backward(d.records, leaves), forward_backward(d.records, other)
    w = after["dL/dW[5]"].reshape(-1)[1 * 8 + 2]  # W^{[5]}_{2,3}
    b = after["dL/db[1]"].reshape(-1)[-1]
    assert decimal(w) != decimal(before["dL/dW[5]"].reshape(-1)[1 * 8 + 2])
    assert decimal(b) != decimal(before["dL/db[1]"].reshape(-1)[-1])
    assert items[0].lines[-1].endswith(rf"\approx {decimal(w)}") and items[1].lines[-1].endswith(rf"\approx {decimal(b)}")
    md = render(d, ("md",)).files["derivation.md"].decode()
    shown = md[:md.index("## Exercises")]
    for value in (decimal(w), decimal(b)):  # the answers are nowhere in the document before the exercises
        assert not printed(value, shown), value
    # the kernel entry's gradient in exercise 2's channel (the last), k^{(2,1)}_{1,1}: the input correlated with the
    # upstream gradient of L', in symbols then in numbers, NumPy's value
    k = after["dL/dK[1]"][1, 0, 0, 0]
    assert r"k^{[1](2,1)}_{1,1}" in items[2].question and items[2].lines[-1].endswith(rf"\approx {decimal(k)}")
    # its terms, the upstream gradient's entries of L' that relu and the pooling did not stop, each times the input
    # entry kernel entry (1, 1) met there (stride 1: the same indices); NumPy's 0 up to its rounding
    passed = np.argwhere(abs(after["dL/dA[1]"][1]) > 1e-12) + 1
    assert len(passed) and items[2].lines[0].split("&= ")[1] == " + ".join(
        rf"delta^{{[1](2)}}_{{{r},{s}}}\,x_{{{r},{s}}}" for r, s in passed)
    assert not printed(decimal(k), shown)


def test_the_cnn_asks_for_an_input_entrys_gradient_as_the_full_correlation_with_the_rotated_kernels():
    """review r15 item 6: no exercise asked for the lecture's core result, dL/dX as the full correlation with the kernel
    turned by 180 degrees. Exercise 4 asks for one input entry's gradient under L' (the first layer's: the gradient a
    layer before it would receive), and its answer says which entry of rot180(K) each upstream entry meets, gives
    channel 1's upstream gradient (answer 2 found channel 2's) and sums the terms that are not 0: NumPy's full
    correlation of the upstream gradient with the rotated kernels, computed here on its own."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    example = worked_example(d, 0, input_gradient=True)
    items = exercises(d, example, short_names(d, r"\delta"))
    item = items[3]
    assert item.title == "Exercise 4" and r"\operatorname{rot}_{180}(K^{[1](m,1)})" in item.question
    assert "full correlation" in item.question and "the gradient a layer before layer 1 would receive" in item.question
    i, j = (int(n) for n in re.search(r"x_\{(\d+),(\d+)\}", item.question).groups())
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    t = leaves["t"]
    after = forward_backward(d.records, {**leaves, "t": np.roll(t.reshape(-1), 1).reshape(t.shape)})
    delta, K = after["dL/dA[1]"], leaves["K[1]"]
    full = np.zeros((6, 6))
    for m in range(2):  # the upstream gradient padded by K - 1 zeros, correlated with the rotated kernel
        padded, rotated = np.pad(delta[m], 2), K[m, 0, ::-1, ::-1]
        full += np.array([[np.sum(padded[a:a + 3, b:b + 3] * rotated) for b in range(6)] for a in range(6)])
    assert np.allclose(full, after["dL/dX"][0])
    assert item.lines[-1].endswith(rf"\approx {decimal(full[i - 1, j - 1])}")
    # each term: upstream entry (r, s) of channel m times kernel entry (i - r + 1, j - s + 1), entry (r - i + 3, s - j + 3)
    # of the rotated kernel, as the answer says; every term that is not 0 and no other
    terms = re.findall(r"\{\\delta'\}\^\{\[1\]\((\d)\)\}_\{(\d),(\d)\}\\,k\^\{\[1\]\((\d),1\)\}_\{(\d),(\d)\}",
                       " ".join(item.lines))
    expected = {(m + 1, r + 1, s + 1, m + 1, i - r, j - s) for m, r, s in zip(*np.nonzero(abs(delta) > 1e-12))
                if 0 <= i - r - 1 < 3 and 0 <= j - s - 1 < 3 and K[m, 0, i - r - 1, j - s - 1] != 0}
    assert {tuple(map(int, term)) for term in terms} == expected and len(terms) == len(expected) >= 2
    plus = lambda letter, n: letter if n == 0 else f"{letter} + {n}" if n > 0 else f"{letter} - {-n}"
    assert (f"meets kernel entry $({i + 1} - r, {j + 1} - s)$, which is entry $({plus('r', 3 - i)}, {plus('s', 3 - j)})$ "
            "of the kernel turned by 180 degrees") in item.answer
    nonzero = [f"${decimal(v)}$ at $({n // 4 + 1}, {n % 4 + 1})$" for n, v in enumerate(delta[0].reshape(-1)) if abs(v) > 1e-12]
    assert (r"${\delta'}^{[1](1)}$ is " + ", ".join(nonzero[:-1]) + f" and {nonzero[-1]}, 0 elsewhere") in item.answer
    md = render(d, ("md",)).files["derivation.md"].decode()
    assert not printed(decimal(full[i - 1, j - 1]), md[:md.index("## Exercises")])
    assert md.count("#### Answer 4") == 1 and "upstream entry $(r, s)$ meets kernel entry" in md


def test_an_answer_whose_every_term_is_zero_is_written_as_zero(monkeypatch):
    # conv -> global average pooling -> dense (heldout11's 07_net.toml): seed 0's first draw (the example before
    # draws with a parameter's gradient of 0 were drawn again) has an answer, a gradient for the other target, with
    # no nonzero term, and working out its places summed an empty list (a crash)
    monkeypatch.setattr("symconv.example.DRAWS", 1)
    d = derive(load_network(Path(__file__).resolve().parent / "notes" / "heldout11" / "07_net.toml"))
    example = worked_example(d, 0)
    items = exercises(d, example, short_names(d, "delta"))
    assert any(line.endswith("&= 0") for item in items for line in item.lines)


def test_a_vector_an_answer_reads_its_factors_from_is_shown_at_the_lines_places():
    """A lecturer read '0.02344 * 13 ~ 0.305' under the vector it came from shown as [... 0.023 ...] (0.023 * 13 is
    0.299): the vector is printed at the places the line needs, so each factor is one the reader can see."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    items = exercises(d, worked_example(d, 0), short_names(d, "delta"))
    vector = re.search(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", items[0].answer).group(1).split("&")
    factors = re.findall(r"\((-?\d+\.\d+)\)|(?<![\d.(])(\d+\.\d+)", items[0].lines[-1].split("=")[-1])
    factor = next(a or b for a, b in factors)
    places = len(factor.split(".")[1])
    assert all(len(v.strip().split(".")[1]) == places for v in vector if "." in v), (vector, factor)
    assert factor in [v.strip() for v in vector]
    # answer 2: the gradient vector it passes back at the places of the bias's line
    vector2 = re.search(r"\\begin\{bmatrix\}(.*?)\\end\{bmatrix\}", items[1].lines[0]).group(1).split("&")
    factor2 = re.search(r"\((-?\d+\.(\d+))\)|(?<![\d.(])(\d+\.(\d+))", items[1].lines[-1].split("&=")[-1])
    places2 = len((factor2.group(2) or factor2.group(4)))
    assert all(len(v.strip().split(".")[1]) == places2 for v in vector2 if "." in v)


def test_the_answers_about_another_loss_write_its_gradients_primed():
    """Answers 1 to 3 are about L' (another target): their gradients are delta', never the document's delta, which is
    of L (a lecturer read delta^{[5]}_2 in the answer on L')."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    md = render(d, ("md",)).files["derivation.md"].decode()
    answers = md[md.index("## Answers"):md.index("#### Answer 4")]
    assert "(its gradients written ${\\delta'}$)" in answers
    assert "{\\delta'}^{[5]}_{2}" in answers and "{\\delta'}^{[1](2)}" in answers
    assert "\\delta^{[" not in answers


def test_answer_3_names_the_entries_answer_2_found_without_saying_why_again():
    """Answers 2 and 3 of the CNN both said which upstream entries are not 0 and why the others are (relu, the
    pooling, an upstream gradient of 0): the second now points to the first."""
    from symconv import load_network, render

    md = render(load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml"),
                ("md",)).files["derivation.md"].decode()
    answers = md[md.index("## Answers"):]
    third = answers[answers.index("#### Answer 3"):answers.index("#### Answer 4")]
    prose = third.split("$$")[0]
    assert "that answer 2 found not 0:" in prose and "delta'" not in prose  # pointed to, not listed again


def test_answer_2_goes_back_through_the_flatten_the_switches_and_the_relu_mask():
    """review24c defect 1: answer 2 went from the dense layer's input gradient straight to the bias, skipping the
    pooling's switches and the relu's mask. It now says, for the bias's channel, where the flatten puts the entries,
    which entry of each window the max pooling sends its gradient to (NumPy's first maximum), and at which entries the
    relu stops it (NumPy's a <= 0), with the channel's gradient after each layer in numbers."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    example = worked_example(d, 0)
    item = exercises(d, example, short_names(d, r"\delta"))[1]
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    t = leaves["t"]
    after = forward_backward(d.records, {**leaves, "t": np.roll(t.reshape(-1), 1).reshape(t.shape)})
    assert "Layer 4's flatten puts entries 5 to 8 of ${\\delta'}^{[4]}$ back in place as ${\\delta'}^{[3](2)}$" in item.answer
    a2, a1 = after["A[2]"][1], after["A[1]"][1]
    for r, s in np.ndindex(2, 2):
        window = a2[2 * r:2 * r + 2, 2 * s:2 * s + 2].reshape(-1)
        i, j = divmod(int(np.argmax(window)), 2)
        i, j = 2 * r + i + 1, 2 * s + j + 1
        assert (f"${{\\delta'}}^{{[3](2)}}_{{{r + 1},{s + 1}}}$ to $a^{{[2](2)}}_{{{i},{j}}} = {decimal(a2[i - 1, j - 1])}$"
                in item.answer), (r, s)
    shut = [f"$({i + 1}, {j + 1})$" for i, j in zip(*np.nonzero(a1 <= 0))]
    assert f"Layer 2's ReLU stops the gradient at the {len(shut)} entries" in item.answer
    assert ", ".join(shut[:-1]) + " and " + shut[-1] in item.answer
    lines = " ".join(item.lines)
    # the pooled gradient as a matrix; where the max pooling sends it, in words (a 4 x 4 matrix of zeros repeated them,
    # review r15 item 7)
    assert "the other entries of ${\\delta'}^{[2](2)}$ get 0." in item.answer and "{\\delta'}^{[2](2)} = {" not in lines
    for name, grad in (("[3](2)", after["dL/dA[3]"][1]),):
        # as every number is shown (review r15 item 5), the numbers answer 3 uses (review r7 defect 10)
        rows = r" \\ ".join(" & ".join(decimal(v) if v else "0" for v in row) for row in grad)
        assert f"{{\\delta'}}^{{{name}}} = {{\\begin{{bmatrix}} {rows} \\end{{bmatrix}}}}" in lines.replace("&= ", "= "), name
    assert r"\odot \mathbb{1}\big[A^{[1](2)} > 0\big]" in lines


def test_answer_three_uses_the_numbers_answer_two_printed():
    """review r7 defect 10: answer 2 printed the upstream gradient as -0.085, -0.059, 0.032 and answer 3 then used
    -0.0855, -0.0590, 0.0325: a student must get the printed result from the printed inputs."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    items = exercises(d, worked_example(d, 0), short_names(d, "delta"))
    two, three = (" ".join(i.lines) for i in items[1:3])
    factors = re.findall(r"\(?(-?\d+\.\d+)\)? \\cdot", three.split("&=")[-1])
    assert factors and all(printed(f, two) for f in factors), (factors, two)


# --- the exercise sheet's tasks on the dense layer's parameters, its numbers and the flatten (review r10 item 3) ---

def _sheet_tasks(derivation, example):
    from symconv.rendering.document import context
    from symconv.rendering.handout import answers

    return answers(context(derivation, example=example, matrices=False))["tasks"]


def test_the_cnn_sheet_asks_the_dense_layers_parameters_their_numbers_and_the_flatten_each_answer_the_derivations():
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    example = worked_example(d, 0)
    tasks = _sheet_tasks(d, example)
    layer = lambda t: int(re.match(r"\(Layer (\d+)\.\) ", t.intro).group(1))
    assert [layer(t) for t in tasks] == [1] * 6 + [6, 5, 5, 5, 4, 3, 2]
    weights, numbers, flatten = tasks[8:11]
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    arrays = {**leaves, **forward_backward(d.records, leaves)}
    delta5, a4 = arrays["dL/dA[5]"].reshape(-1), arrays["A[4]"].reshape(-1)
    # the dense layer's parameters: the rules the key gives hold at every entry of the derivation, at the example's
    # numbers (dL/dW_{j,i} = delta_j a_i, dL/db_j = delta_j)
    assert weights.formula == [r"\frac{\partial L}{\partial W^{[5]}_{j,i}} &= \delta^{[5]}_{j}\, a^{[4]}_{i}",
                               r"\frac{\partial L}{\partial b^{[5]}_{j}} &= \delta^{[5]}_{j}"]
    gradient_w = arrays["dL/dW[5]"]
    assert all(np.isclose(gradient_w[j, i], delta5[j] * a4[i]) for j in range(3) for i in range(8))
    assert np.allclose(arrays["dL/db[5]"].reshape(-1), delta5)
    symbols = {str(s) for s in d["dL/dW[5]"].values[1 * 8 + 2].free_symbols}  # the derivation's entry: two factors
    assert len(symbols) == 2
    # the task on numbers: the question gives the example's a^{[4]} and delta^{[5]}, the answer is the document's number
    assert "$a^{[4]}$ has the entries $9$, $9$, $11$, $8$, $12$, $10$, $12$, $14$," in numbers.intro
    given = re.search(r"\$\\delta\^\{\[5\]\}\$ the entries (.*?)\. Compute", numbers.intro).group(1)
    given = [v.strip("$") for v in given.split(", ")]
    assert [float(v) for v in given] == pytest.approx(delta5, abs=0.5e-4)
    w23, b2 = arrays["dL/dW[5]"][1, 2], arrays["dL/db[5]"].reshape(-1)[1]
    assert numbers.formula[0].endswith(rf"= {given[1]} \cdot 11 \approx {decimal(w23)}")
    assert float(given[1]) * 11 == pytest.approx(float(decimal(w23)), abs=0.5e-3)  # right as it reads
    assert numbers.formula[1].endswith(f"= {given[1]}") and float(given[1]) == pytest.approx(b2, abs=0.5e-4)
    md = render(d, ("md",), example=0).files["derivation.md"].decode()
    worked = md[md.index("## A worked example"):md.index("## Exercises")]
    assert printed(decimal(w23), worked)  # the document prints the same number in its worked example
    # the flatten: channel 2's entry (1, 2) is a^{[4]}_6 (row by row, channel after channel), as the derivation moves it
    assert flatten.formula == [r"a^{[4]}_{6} &= a^{[3](2)}_{1,2}",
                               r"\frac{\partial L}{\partial a^{[3](2)}_{1,2}} &= \delta^{[4]}_{6}"]
    assert "4 \\cdot 1 + 2 \\cdot 0 + 2 = 6" in flatten.after
    names = short_names(d, "\\delta")
    moved = d["dL/dA[3]"].values[1 * 4 + 0 * 2 + 1]  # channel 2, row 1, column 2
    (symbol,) = moved.free_symbols
    assert names[symbol] == r"\delta^{[4]}_{6}" and d["A[4]"].values[5] == d["A[3]"].symbols[1 * 4 + 1]
    assert arrays["dL/dA[3]"][1, 0, 1] == arrays["dL/dA[4]"].reshape(-1)[5]


def test_a_column_major_flatten_task_counts_down_the_columns(tmp_path):
    """A flatten column by column (vec): the key's entry and its arithmetic are the derivation's move."""
    from symconv.rendering.document import context

    text = (EXAMPLES / "conv_relu_maxpool_dense.toml").read_text().replace('order = "row"', 'order = "column"')
    (tmp_path / "net.toml").write_text(text)
    d = derive(load_network(tmp_path / "net.toml"))
    task = next(e for e in context(d)["exercises"] if "Which entry of" in e.question)
    # channel 2's entry (1, 2): 4 (m - 1) + 2 (s - 1) + r = 4 + 2 + 1 = 7, down the columns
    assert task.answer == [r"a^{[4]}_{7} &= a^{[3](2)}_{1,2}",
                           r"\frac{\partial L}{\partial a^{[3](2)}_{1,2}} &= \delta^{[4]}_{7}"]
    assert "4 \\cdot 1 + 2 \\cdot 1 + 1 = 7" in task.reasoning and "column by column" in task.reasoning
    assert d["A[4]"].values[6] == d["A[3]"].symbols[1 * 4 + 1]
    (symbol,) = d["dL/dA[3]"].values[1 * 4 + 1].free_symbols
    assert symbol == d["dL/dA[4]"].symbols[6]
