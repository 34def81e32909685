"""Handouts: the exercise sheet leaves chosen entries blank; the answer sheet has them all."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network
from symconv.grading import check_claims
from symconv.rendering.document import context
from symconv.rendering.formats import render
from symconv.rendering.options import DocumentOptions
from symconv.rendering.handout import CM_EXTRA, CM_PER_LINE, CM_WORDS, answers, exercise
from symconv.rendering.pdf import overfull_boxes

from .conftest import need_latex

EXAMPLES = Path(__file__).parents[1] / "examples"


CASES = [ConvSpec(), ConvSpec(input=(3, 4), kernel=2, padding=1, stride=(1, 2)),
         ConvSpec(input=5, kernel=3, stride=2, padding=1, in_channels=2, out_channels=2, bias=True)]


@pytest.mark.parametrize("spec", CASES, ids=str)
def test_the_sheet_asks_numbered_escalating_tasks_with_points_and_room(spec):
    ctx = context(derive(spec), matrices=False)
    sheet, key = exercise(ctx), answers(ctx)
    titles = [t.title for t in sheet["tasks"]]
    assert titles == [f"Task {n} ({t.points} points)" for n, t in enumerate(sheet["tasks"], start=1)]
    questions = " ".join(t.intro for t in sheet["tasks"])
    for asked in ("output size", "as a sum of products", "index formula of", "matrix form",
                  "Suppose the stride were", "Explain why"):
        assert asked in questions, asked
    # A border entry and an interior one, where they differ (with padding 1, a 2 x 2 kernel and stride
    # 1 x 2, every input entry of the 3 x 4 layer is read twice: no entry is easier than another).
    assert ("at the border" in questions and "an interior entry" in questions) == (spec.padding == (0, 0) or spec.input == (5, 5))
    # The sheet gives no answer and room to work sized to it; the key gives every answer and its reasoning.
    assert all(not t.formula and not t.after and t.room > 0 for t in sheet["tasks"])
    assert all(t.after and not t.room for t in key["tasks"])
    for blank, answered in zip(sheet["tasks"], key["tasks"]):
        assert blank.room == pytest.approx(CM_WORDS if not answered.formula else CM_EXTRA + CM_PER_LINE * len(answered.formula))
    assert f"{sum(t.points for t in sheet['tasks'])} points in all" in sheet["handout_note"]


@pytest.mark.parametrize("spec", CASES, ids=str)
def test_no_answer_can_be_read_off_the_sheet(spec):
    """The sheet prints no entry of any tensor and no backward pass: nothing neighbours an asked entry."""
    sheet = exercise(context(derive(spec), matrices=False))
    assert sheet["backward"] == [] and sheet["summary"] == []
    assert all(not s.blocks and not s.overview and not s.steps for g in sheet["forward"] for s in g.sections)
    assert all(not f.svg_file.startswith(("figure-slide", "figure-full")) for s in sheet["sections"] for f in s.figures)


@pytest.mark.parametrize("spec", CASES, ids=str)
def test_every_answer_in_the_key_is_right(spec):
    """Each entry and formula the key gives reads back through check as right; the stride case against
    the derivation at the other stride."""
    d = derive(spec)
    ctx = context(d, matrices=False)
    key = answers(ctx)
    definition = ctx["upstream_definition"]
    for task in key["tasks"]:
        # the output size (a single layer's H_o, a network's o_h) and the boxes: check reads neither
        if not task.formula or task.formula[0].startswith(("H_o", "o_h", "&\\boxed")):
            continue
        claim = " ".join(line.replace("&=", "=").replace("&\\quad", "").replace("&", "") for line in task.formula)
        if "Suppose the stride" in task.intro:
            variant = derive(replace(spec, stride=(2, 2) if spec.stride == (1, 1) else (1, 1)))
            claims = [replace_definition(definition, variant), claim]
            verdict = check_claims(claims, variant)[1]
        else:
            verdict = check_claims([definition, claim], d)[1]
        assert verdict.status == "right", (task.title, claim, verdict.reason)


def replace_definition(definition: str, variant) -> str:
    return context(variant, matrices=False)["upstream_definition"]


def test_handout_files():
    d = derive(ConvSpec(bias=True))
    files = render(d, ("tex", "md", "json"), DocumentOptions(handout=True)).files
    assert set(files) == {"exercise.tex", "exercise.md", "answers.tex", "answers.md", "derivation.json",
                          "figure-window.svg"}
    assert "Task 1 (2 points)" in files["exercise.md"].decode() and "Answer each task" in files["exercise.tex"].decode()
    assert r"\fbox{\parbox[t]" in files["exercise.tex"].decode() and r"\fbox" not in files["answers.tex"].decode()


def test_handout_pdfs_build_with_no_overfull_box():
    need_latex()
    for what in (ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True),
                 load_network(EXAMPLES / "three_layer_cnn.toml")):
        rendered = render(derive(what), ("pdf",), DocumentOptions(handout=True))
        assert set(rendered.files) == {"exercise.pdf", "answers.pdf"}
        assert overfull_boxes(rendered.latex_log) == []


# --- the key's reasoning: true of the entry asked, in the handout's notation, in plain English (review24) ----

import re  # noqa: E402

from symconv.words import plural  # noqa: E402

KEYED = CASES + [load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")]


def _key_tasks(what):
    ctx = context(derive(what), matrices=False)
    return ctx, answers(ctx)["tasks"]


def _entries(text: str, letter: str) -> set[str]:
    return set(re.findall(rf"(?<![\\a-zA-Z]){letter}_\{{\d+,\d+\}}", text))


@pytest.mark.parametrize("what", KEYED, ids=str)
def test_the_key_explains_each_entry_by_its_own_terms(what):
    """An entry's answer names only input entries of its own task (the border answer also the interior entry
    it compares with), and every factor it names is one of the entry's terms: the old stock text named the
    figure's entry (x_{1,2}) and its padding in the answers about x_{1,1}, x_{2,2} and x_{3,3}."""
    ctx, tasks = _key_tasks(what)
    entry_tasks = [t for t in tasks if "as a sum of products" in t.intro and t.formula]
    assert entry_tasks
    asked = set().union(*(_entries(t.intro, "x") for t in entry_tasks))
    for task in entry_tasks:
        named = _entries(task.after, "x")
        assert named <= asked and _entries(task.intro, "x") <= named | set(), (task.title, named)
        assert "reaches into the padding" not in task.after and "would read" not in task.after
        answer = " ".join(task.formula)
        for factor in re.findall(r"\$([^$]*_\{\d+,\d+\})\$ through \$([^$]*)\$", task.after):
            assert all(f.replace(" ", "") in answer.replace(" ", "") for f in factor), (task.title, factor)
    # Why the kernel turns up rotated is answered once, by the task that asks for it.
    assert sum("from the last to the first on both axes" in t.after for t in tasks) == 1


@pytest.mark.parametrize("what", KEYED, ids=str)
def test_the_key_writes_the_results_in_notation_it_defines(what):
    """The matrix-form answer defines every symbol it uses (the sheet has no section that does); a network's
    key writes them as its document does, K^{[1](m,1)} and delta^{[1](m)}, never G^{(m)} or G-hat."""
    ctx, tasks = _key_tasks(what)
    task = next(t for t in tasks if "matrix form" in t.intro)
    lines = " ".join(task.formula)
    if r"\star" in lines:
        assert r"$\star$ is the valid cross-correlation" in task.after
    if r"\operatorname{rot}" in lines:
        assert r"\operatorname{rot}_{180}" in task.after and "180 degrees" in task.after
    assert r"\hat{G}" not in lines  # review r12: the padded gradient is full(G) itself, as in a network's rules
    if r"\operatorname{full}" in lines:  # a network's key defines the operator, a single layer's its matrix
        assert (r"$\operatorname{full}(\cdot)$ adds $K_h - 1$ rows" in task.after
                or re.search(r"\$\\operatorname\{full\}(_D)?\((G|\\tilde\{G\})\)\$ is \$(G|\\tilde\{G\})\$ padded for the full "
                             r"correlation, by one row and column fewer than the kernel spans", task.after)), task.after
        assert isinstance(what, ConvSpec) <= ("$G = " in task.after)
    if not isinstance(what, ConvSpec):
        assert r"\hat{G}" not in lines + task.after and "G^{(m)}" not in lines + task.after
        assert "K^{[1](m,1)}" in lines and r"\delta^{[1](m)}" in lines


@pytest.mark.parametrize("what", CASES, ids=str)
def test_the_stride_answer_is_a_sentence_with_its_own_count(what):
    ctx, tasks = _key_tasks(what)
    task = next(t for t in tasks if "Suppose the stride" in t.intro)
    rhs = " ".join(task.formula).split("&=", 1)[1]
    n = 0 if rhs.strip() == "0" else rhs.count(" + ") + 1
    assert f"its sum has {plural(n, 'term')}." in task.after
    assert "remain, each through" not in task.after and "of outputs whose windows" not in task.after


def test_a_network_sheet_tags_every_task_by_its_layer_and_reaches_past_layer_1():
    """Review24 defect 15: the CNN sheet's 7 tasks were all on layer 1, and tasks 2-4 lacked the "(Layer 1.)" tag
    that the others carried. Every task names its layer, and one asks for a later layer's gradient entry, answered
    in the key from the derivation."""
    ctx, tasks = _key_tasks(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    layers = [re.match(r"\(Layer (\d+)\.\) ", t.intro) for t in tasks]
    assert all(layers), [t.intro[:40] for t, m in zip(tasks, layers) if not m]
    later = [t for t, m in zip(tasks, layers) if int(m.group(1)) > 1]
    assert later and all(t.formula and t.after for t in later)
    assert any(r"\partial a^{[4]}_{1}" in t.intro and r"\delta^{[5]}_{1}\,W^{[5]}_{1,1}" in " ".join(t.formula)
               for t in later)
    # A single layer's tasks carry no tag.
    assert not any(t.intro.startswith("(Layer") for t in _key_tasks(ConvSpec())[1])


def test_a_network_sheet_spreads_its_tasks_over_every_layer_the_gradient_changes_in_backward_order():
    """review24c defect 2: the CNN sheet's tasks were all on layer 1 but one on layer 5. After layer 1's (the
    convolution: its output size, an input entry, a kernel entry, the general formula, the matrix form, the rotation)
    come one task per later layer, in the order the backward pass reaches them: the loss's (its derivation), the dense
    layer's (its input's gradient, then its parameters': review r10), the flatten's (where an entry goes), the max
    pooling's (its switch) and the relu's (its gate)."""
    ctx, tasks = _key_tasks(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    layers = [int(re.match(r"\(Layer (\d+)\.\) ", t.intro).group(1)) for t in tasks]
    assert layers == [1] * 6 + [6, 5, 5, 4, 3, 2], layers
    loss, dense, weights, flatten, pool, relu = tasks[6:]
    assert r"\hat{y}_{1} - t_{1}" in loss.formula[-1] and any(r"\sum_{j'}" in line for line in loss.formula)
    assert r"\delta^{[5]}_{1}\,W^{[5]}_{1,1}" in " ".join(dense.formula)
    assert "first maximum" in " ".join(pool.formula) and "switch" in pool.after
    assert r"\mathbb{1}[a^{[1]} > 0]" in " ".join(relu.formula) and "Which of its entries are 0?" in relu.intro
    # the border entry and the stride case, two more entries of layer 1's input gradient, are a single layer's
    assert not any("an entry at the border" in t.intro or "Suppose the stride" in t.intro for t in tasks)
    assert any("an entry at the border" in t.intro for t in _key_tasks(ConvSpec())[1])


@pytest.mark.parametrize("what", KEYED, ids=str)
def test_the_sheet_does_not_print_the_output_size_task_1_asks_for(what):
    """Review24b defect 1: the sheet's settings table (a network's table and diagram) printed the output size right
    above Task 1, which asks for it; and the CNN sheet never gave layer 1's padding and dilation, so Task 1 could
    not be worked. The sheet leaves the size out (a network's shows "?", also for a relu after it that keeps its
    shape), and gives every setting the size needs; the key and the document keep the size."""
    ctx = context(derive(what), matrices=False)
    sheet, key = exercise(ctx), answers(ctx)
    assert "output size" in sheet["tasks"][0].intro
    assert "output" not in [label for label, _ in sheet["settings"]]
    if ctx["layer_table"] is None:
        assert "output" in [label for label, _ in ctx["settings"]] and key["settings"] == ctx["settings"]
        return
    rows = sheet["layer_table"]["rows"]
    assert [row[2] for row in rows[:2]] == ["?", "?"] and rows[2][2] != "?"
    assert key["layer_table"] == ctx["layer_table"] and ctx["layer_table"]["rows"][0][2] != "?"
    assert r"2 \times 4 \times 4" not in sheet["diagram"].latex + sheet["diagram"].svg
    assert r"2 \times 4 \times 4" in ctx["diagram"].latex
    assert sheet["diagram"].svg_file != ctx["diagram"].svg_file
    for setting in ("stride $1$", "padding $0$", "dilation $1$"):
        assert setting in sheet["tasks"][0].intro, setting


@pytest.mark.parametrize("what", [ConvSpec(), load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")], ids=str)
def test_a_model_answer_in_words_starts_its_own_paragraph(what):
    """Review24b defect 12: the LaTeX key set "Explain why in two or three sentences. Output row r reads ..." as one
    paragraph. Every answer in words follows its question after a blank line."""
    key = render(derive(what), ("tex",), DocumentOptions(handout=True)).files["answers.tex"].decode()
    assert "Explain why in two or three sentences." in key
    worded = [t for t in answers(context(derive(what), matrices=False))["tasks"] if t.after and not t.formula]
    assert worded
    for task in worded:
        question = task.intro.split("$")[-1].strip()  # the question's last words, after its last formula
        tail = key.split(question, 1)[1]
        assert re.match(r"\s*\n\s*\n", tail), tail[:80]


@pytest.mark.parametrize("spec", CASES + [ConvSpec(convention="convolution")], ids=str)
def test_the_key_says_which_matrix_is_rotated_and_speaks_of_padding_only_where_there_is_some(spec):
    """Review24b defect 10: the single key's matrix-form answer never said in words which matrix is rotated, and by
    how much; its general-formula answer spoke of "the zero padding" for a layer with none."""
    tasks = answers(context(derive(spec), matrices=False))["tasks"]
    matrix = next(t for t in tasks if "Which matrix is rotated" in t.intro)
    assert "The matrix rotated is the kernel, $" in matrix.after or "The matrices rotated, each by 180 degrees" in matrix.after
    assert "by 180 degrees." in matrix.after
    general = next(t for t in tasks if "index formula of" in t.intro)
    assert ("zero padding" in general.after) == spec.has_padding, general.after


def test_the_network_key_names_the_rotated_kernel_and_no_padding_it_lacks():
    tasks = answers(context(derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")), matrices=False))["tasks"]
    matrix = next(t for t in tasks if "Which matrix is rotated" in t.intro)
    assert "The matrix rotated is the kernel, $" in matrix.after and "by 180 degrees." in matrix.after
    assert "zero padding" not in next(t for t in tasks if "index formula of" in t.intro).after


def test_the_key_says_the_input_gradients_reasoning_once():
    """review24c defect 3: the key's answers on the border and the interior entry both repeated the section's words
    ("An input entry reaches every output entry whose window covers it, ..."): the second says only what its own
    terms show."""
    _, tasks = _key_tasks(ConvSpec())
    said = "An input entry reaches every output entry whose window covers it"
    assert sum(said in t.after for t in tasks) == 1
    interior = next(t for t in tasks if "an interior entry" in t.intro)
    assert interior.after.startswith("Here ") and "terms" in interior.after


@pytest.mark.parametrize("source", ["default", "cnn"])
def test_no_task_of_a_sheet_names_what_another_task_asks(source):
    """review r7 defects 2 and 3: the CNN sheet's pooling text worked floor((4 - 2)/2) + 1, giving away task 1's
    output size (4), and the why-rotated task said dL/dX is the full correlation with rot180(K), answering the
    matrix-form task's "which matrix is rotated, by how much?"."""
    d = derive(ConvSpec(bias=True)) if source == "default" else derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    sheet = render(d, ("md",), DocumentOptions(handout=True)).files["exercise.md"].decode()
    assert r"\operatorname{rot}" not in sheet and "rot180" not in sheet
    assert "full correlation" not in sheet and "full convolution" not in sheet
    if source == "cnn":
        assert r"\lfloor (4 - 2)" not in sheet and "Work out the output size" in sheet
        key = render(d, ("md",), DocumentOptions(handout=True)).files["answers.md"].decode()
        assert "= 4" in key


def test_the_relu_task_answers_every_zero_entry():
    """review r7 defect 7: "which entries of delta^[1] are 0?" was answered with the relu's own zeros only; the entries
    where delta^[2] is 0 already (every non-switch entry after max pooling) are zero too."""
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    key = render(d, ("md",), DocumentOptions(handout=True)).files["answers.md"].decode()
    assert "is 0 where the ReLU's input is not positive" in key
    assert "each entry that is not its window's switch" in key


@pytest.mark.parametrize("source", ["single", "network"])
def test_the_formula_task_asks_for_the_form_its_answer_gives(source):
    """review r8 defect 3: the key answered "the general formula" with the formula at the layer's stride 1; the task
    now asks for the formula at the layer's own stride, padding and dilation, which is what the answer gives."""
    ctx = context(derive(ConvSpec() if source == "single" else load_network(EXAMPLES / "conv_relu_maxpool_dense.toml")),
                  matrices=False)
    task = next(t for t in answers(ctx)["tasks"] if "index formula of" in t.intro)
    assert "general formula" not in task.intro and "own stride, padding and dilation" in task.intro
    assert r"\rho" not in " ".join(task.formula)
