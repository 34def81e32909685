"""Handouts: the exercise sheet leaves chosen entries blank; the answer sheet has them all."""

from __future__ import annotations

from pathlib import Path

from symconv import ConvSpec, derive, load_network
from symconv.rendering.document import context
from symconv.rendering.formats import render
from symconv.rendering.options import DocumentOptions
from symconv.rendering.handout import BLANK, exercise
from symconv.rendering.pdf import overfull_boxes

from .conftest import need_latex

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_every_second_entry_of_each_block_is_blank_and_the_rest_kept():
    ctx = context(derive(ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True)))
    sheet = exercise(ctx)
    for full, blanked in zip(ctx["sections"], sheet["sections"]):
        for block, blank_block in zip(full.blocks, blanked.blocks):
            for n, (row, blank_row) in enumerate(zip(block.rows, blank_block.rows)):
                assert blank_row.lhs == row.lhs
                assert blank_row.lines == ([BLANK] if n % 2 else row.lines)
    assert sheet["title"].startswith("Exercise: ")


def test_handout_files_and_answers_hold_every_entry():
    d = derive(ConvSpec(bias=True))
    files = render(d, ("tex", "md", "json"), DocumentOptions(handout=True)).files
    assert set(files) == {"exercise.tex", "exercise.md", "answers.tex", "answers.md", "derivation.json",
                          "figure-window.svg", "figure-slide.svg", "figure-full.svg"}
    answers = files["answers.md"].decode()
    rows = [row for section in context(d, matrices=False)["sections"] for block in section.blocks for row in block.rows]
    assert all(f"{row.lhs} &= {row.lines[0]}" in answers for row in rows)
    # y12, y22 of Y; dk12, dk22 of dL/dK; dx12, dx21, dx23, dx32 of dL/dX; dL/db has one entry, worked.
    assert files["exercise.md"].decode().count(BLANK) == 8
    assert "Fill in the blank entries" in files["exercise.tex"].decode()


def test_handout_pdfs_build_with_no_overfull_box():
    need_latex()
    for what in (ConvSpec(input=6, kernel=3, in_channels=2, out_channels=2, bias=True),
                 load_network(EXAMPLES / "three_layer_cnn.toml")):
        rendered = render(derive(what), ("pdf",), DocumentOptions(handout=True))
        assert set(rendered.files) == {"exercise.pdf", "answers.pdf"}
        assert overfull_boxes(rendered.latex_log) == []
