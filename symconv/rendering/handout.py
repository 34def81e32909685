"""Handouts: an exercise sheet with chosen entries left blank for the student, and its answer sheet.

The exercise keeps every step, explanation and figure of the document; in each block of entries the
first is worked as an example and every second one after it is left blank. The answer sheet is the
whole document.
"""

from __future__ import annotations

from dataclasses import replace

from .document import Block, Group, Section

BLANK = r"\underline{\qquad\qquad\qquad\qquad}"


def is_blank(position: int) -> bool:
    """Whether the entry at this position of its block is left for the student: the 2nd, 4th, ..."""
    return position % 2 == 1


def _blank_block(block: Block) -> Block:
    rows = [replace(row, lines=[BLANK], chain=False) if is_blank(n) else row for n, row in enumerate(block.rows)]
    return replace(block, rows=rows)


def _blank_section(section: Section) -> Section:
    return replace(section, blocks=[_blank_block(b) for b in section.blocks])


def exercise(ctx: dict) -> dict:
    """The context of the exercise sheet: the same document with the chosen entries blank."""
    out = dict(ctx)
    blanked = {id(s): _blank_section(s) for s in ctx["sections"]}
    for key in ("forward", "backward"):
        out[key] = [Group(g.title, [blanked[id(s)] for s in g.sections]) for g in ctx[key]]
    out["sections"] = [blanked[id(s)] for s in ctx["sections"]]
    out["title"] = "Exercise: " + ctx["title"]
    out["handout_note"] = ("Fill in the blank entries: every second entry of each group is left for you, and the "
                           "entries given around it are worked examples. The answer sheet has every entry.")
    return out


def answers(ctx: dict) -> dict:
    """The context of the answer sheet: the whole document."""
    return {**ctx, "title": "Answers: " + ctx["title"]}
