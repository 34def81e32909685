"""Handouts: the exercise sheet leaves chosen entries blank; the answer sheet has them all."""

from __future__ import annotations

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
    for asked in ("output size", "as a sum of products", "general formula", "matrix form",
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
        if not task.formula or task.formula[0].startswith(("H_o", "&\\boxed")):
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
