"""symconv grade: students' notes graded task by task against their own variant, with the gradebook and
feedback files, and bad input refused in one line."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from symconv.gradebook import sections
from symconv.rendering.variant_sheet import Worksheet, claims

ROOT = Path(__file__).parents[1]
FIXTURE = Path(__file__).parent / "submissions"


def key_notes(sheet: Worksheet) -> str:
    """A sheet's key written as a student's Markdown notes: each task's answer under its heading."""
    return "".join(f"## Task {t.number}\n\n" + "".join(f"$$ {line} $$\n" for line in claims(t).splitlines()) + "\n"
                   for t in sheet.tasks)


def _grade(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symconv", "grade", *args], capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_task_headings_are_read_as_sheets_and_notes_write_them():
    text = "intro\n## Task 1 (2 points)\na\n\\section*{Task 2}\nb\n\n**Task 3**\nTask 4: c\n"
    assert sections(text) == {1: (2, 3), 2: (4, 6), 3: (7, 7), 4: (8, 8)}


# tests/submissions/: ten students' notes on their own variants (manifest.json), written with the points a
# lecturer would give (expected.json) by a helper session that never read symconv's code. Where symconv's
# points differ, it is for one of these reasons, and it then gives 0 and says why (a task flagged for the
# lecturer, or judged wrong with the term that differs): never more points than the lecturer.
# The lecturer's partial credit for a kernel left unflipped and the number worked from it (symconv gives
# partial credit only for a sum wrong by one term and for a worked number whose products are right).
PARTIAL = {("s04", 2), ("s04", 4), ("s04", 5)}
FLAGGED = {("s05", 4): "an index (i-p+3)/2", ("s06", 1): "code, not math", ("s07", 4): "floor and mod in an index"}


def test_the_submissions_of_ten_students_get_the_lecturer_s_points(tmp_path):
    lecturer = json.loads((FIXTURE / "expected.json").read_text())["students"]
    result = _grade(str(FIXTURE / "notes"), "--manifest", str(FIXTURE / "manifest.json"), "--csv", str(tmp_path / "book.csv"),
                    "--feedback", str(tmp_path / "feedback"))
    assert result.returncode == 0, result.stderr
    # s09 is saved in Latin-1: read so, and said so
    assert result.stderr.count("not UTF-8") == 1 and "s09.md" in result.stderr and "read as Windows-1252" in result.stderr
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO((tmp_path / "book.csv").read_text()))}
    for student, want in lecturer.items():
        flagged = rows[student]["flagged"].split()
        for task in range(1, 7):
            got, points = int(rows[student][f"task{task}"]), want["points"][str(task)]
            if (student, task) in PARTIAL:
                assert got == 0 < points and f"task{task}" not in flagged, (student, task)
            elif (student, task) in FLAGGED:
                assert got == 0 and f"task{task}" in flagged, (student, task)
            else:
                assert got == points, (student, task, got, points)
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == sorted(f"{i}.md" for i in lecturer)
    assert "flagged for the lecturer" in (tmp_path / "feedback" / "s07.md").read_text()


@pytest.mark.parametrize("manifest, says", [
    (None, "cannot read it"),
    (b"{\"format\": \"other\"}", "is not one `symconv render --handout --variants` wrote"),
    (b"\xff", "is not one"),
    (b'{"format": "symconv-exercises/1", "tasks": [], "variants": [{"id": "a", "input": 3, "kernel": 2, "stride": 1, '
     b'"padding": 0, "bias": false, "seed": 1}, {"id": "a", "input": 3, "kernel": 2, "stride": 1, "padding": 0, '
     b'"bias": false, "seed": 2}]}', "'a' is listed twice"),
    (b'{"format": "symconv-exercises/1", "tasks": [], "variants": [{"id": "a", "input": 3, "kernel": 5, "stride": 1, '
     b'"padding": 0, "bias": false, "seed": 1}]}', "kernel 5x5 spans 5x5, larger than the padded input"),
])
def test_a_missing_or_bad_manifest_is_one_line_and_exit_2(tmp_path, manifest, says):
    path = tmp_path / "manifest.json"
    if manifest is not None:
        path.write_bytes(manifest)
    result = _grade(str(tmp_path), "--manifest", str(path))
    assert result.returncode == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr


def test_numbers_the_notes_copy_wrongly_earn_no_points_and_are_named():
    """A student who copies k_{2,2} wrongly and computes consistently with the slip gets check's "right" at
    the notes' numbers, but no points: a number is graded at the sheet's numbers."""
    from symconv.gradebook import grade_text
    from symconv.rendering.variant_sheet import worksheet
    from symconv.variants import layer
    sheet = worksheet(layer(3, 2, 1, 0, True), 6586338299302158427)
    assert sheet.given[1] == r"K = {\begin{bmatrix} 0 & -2 \\ 1 & -1 \end{bmatrix}}"
    right = sheet.tasks[4].answer[0].split("&= ")[1]
    assert right == r"2 \cdot (-1) + 0 \cdot 1 + 1 \cdot (-2) + 2 \cdot 0 = -4"
    notes = ("Given $K = \\begin{bmatrix} 0 & -2 \\\\ 1 & 5 \\end{bmatrix}$.\n\n## Task 5\n\n"
             "$$ \\frac{\\partial L}{\\partial x_{2,2}} = 2 \\cdot 5 + 0 \\cdot 1 + 1 \\cdot (-2) + 2 \\cdot 0 = 8 $$\n\n"
             "## Task 6\n\n$$ \\frac{\\partial L}{\\partial k_{2,2}} = 9 $$\n")
    grades = grade_text(notes, sheet, latex=False)
    assert [(g.verdict, g.points) for g in grades[4:]] == [("wrong", 0), ("right", 2)]
    assert any("this is -4, not 8" in f for f in grades[4].feedback)
    assert any("differ from the sheet's" in f and "(K)_{2,2} = 5" in f for f in grades[4].feedback)


def test_two_files_for_one_student_or_no_folder_are_one_line_and_exit_2(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "s01.md").write_text("## Task 1\n")
    (folder / "s01.tex").write_text("\\section*{Task 1}\n")
    result = _grade(str(folder), "--manifest", str(FIXTURE / "manifest.json"))
    assert result.returncode == 2 and "s01.md and s01.tex are both student s01's" in result.stderr
    result = _grade(str(tmp_path / "none"), "--manifest", str(FIXTURE / "manifest.json"))
    assert result.returncode == 2 and "not a folder" in result.stderr and len(result.stderr.splitlines()) == 1
