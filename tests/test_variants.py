"""render --handout --variants: different sheets per student, their keys read back through check, the
manifest, the Moodle question bank against NumPy, determinism and bad input."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from symconv.exercise_set import build
from symconv.gradebook import grade_text
from symconv.grading import check_notes
from symconv.rendering.variant_sheet import POINTS, claims, worksheet
from symconv.variants import DEFAULT_VARY, draw, parse_vary

from .conftest import need_latex
from .test_variant_grading import key_notes

ROOT = Path(__file__).parents[1]
VARY = parse_vary(DEFAULT_VARY)


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "symconv", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


@pytest.fixture(scope="module")
def twelve():
    variants = draw(VARY, 12, 3, None, lambda spec, seed: (spec, seed))
    return [(v, worksheet(v.spec, v.seed)) for v in variants]


def test_variants_differ_and_ask_the_same_tasks_for_the_same_points(twelve):
    keys = {(v.spec, tuple(t.values for t in s.example.given)) for v, s in twelve}
    assert len(keys) == len(twelve)
    assert len({v.spec for v, _ in twelve}) > 3  # the layers themselves vary, not only the numbers
    for _, sheet in twelve:
        assert [t.points for t in sheet.tasks] == list(POINTS)
        assert [t.title for t in sheet.sheet["tasks"]] == ["The numbers"] + [
            f"Task {n} ({p} points)" for n, p in enumerate(POINTS, start=1)]
        assert all(not t.formula for t in sheet.sheet["tasks"][1:])  # the sheet gives no answer
        assert ("output", ) not in [s[:1] for s in sheet.sheet["settings"]]


def test_every_answer_of_every_key_is_right_for_its_variant_and_wrong_for_another(twelve):
    for v, sheet in twelve:
        for task in sheet.tasks:
            wrong_somewhere = False
            for w, other in twelve:
                notes = "".join(f"$$ {c} $$\n" for c in other.definitions) + "".join(
                    f"$$ {line} $$\n" for line in claims(task).splitlines())
                judged = [x for x in check_notes(notes, other.derivation) if x.status != "definition"]
                if w is v:
                    assert judged and all(x.status == "right" for x in judged), (v.id, task.number, judged)
                else:
                    wrong_somewhere |= any(x.status == "wrong" for x in judged)
            assert wrong_somewhere, (v.id, task.number)


def test_a_key_graded_as_a_submission_gets_every_point_and_another_variants_key_does_not(twelve):
    (_, first), (_, second) = twelve[0], twelve[1]
    grades = grade_text(key_notes(first), first, latex=False)
    assert [g.points for g in grades] == list(POINTS), [(g.verdict, g.feedback) for g in grades]
    other = grade_text(key_notes(first), second, latex=False)
    assert sum(g.points for g in other) < sum(POINTS)
    assert any(g.verdict == "wrong" for g in other)


def _numpy_gradients(x, k, g, stride, padding):
    """dL/dX and dL/dK of y = correlate(pad(x), k) with stride, by the plain loops (no symconv)."""
    xp = np.pad(x, padding)
    dxp, dk = np.zeros_like(xp), np.zeros_like(k)
    kh = k.shape[0]
    for r in range(g.shape[0]):
        for s in range(g.shape[1]):
            window = xp[r * stride:r * stride + kh, s * stride:s * stride + kh]
            dk += g[r, s] * window
            dxp[r * stride:r * stride + kh, s * stride:s * stride + kh] += g[r, s] * k
    return dxp[padding:padding + x.shape[0], padding:padding + x.shape[1]], dk


def test_the_moodle_bank_is_well_formed_and_its_answers_are_numpys(tmp_path):
    files, _ = build(VARY, 5, 11, None, ("moodle",))
    quiz = ET.fromstring(files["moodle.xml"])
    assert files["moodle.xml"].startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>')
    manifest = json.loads(files["manifest.json"])
    questions = quiz.findall("question")
    categories = [q for q in questions if q.get("type") == "category"]
    assert [q.findtext("category/text") for q in categories] == [
        f"$course$/symconv exercises/{v['id']}" for v in manifest["variants"]]
    numerical = [q for q in questions if q.get("type") == "numerical"]
    assert len(numerical) == 4 * len(categories)  # H_o, W_o, an entry of dL/dX and one of dL/dK
    for q in numerical:  # the elements Moodle's numerical question format requires
        assert q.findtext("name/text") and q.find("questiontext").get("format") == "html"
        answer = q.find("answer")
        assert answer.get("fraction") == "100" and float(answer.findtext("tolerance")) < 0.5
        assert float(q.findtext("defaultgrade")) > 0
        assert "\\(" in q.findtext("questiontext/text") and "\\begin{bmatrix}" in q.findtext("questiontext/text")
    for n, variant in enumerate(manifest["variants"]):
        sheet = worksheet(*_spec_seed(variant))
        leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in sheet.example.given}
        x, k, g = leaves["X"][0], leaves["K"][0, 0], leaves["dL/dY"][0]
        dx, dk = _numpy_gradients(x, k, g, variant["stride"], variant["padding"])
        size = (variant["input"] + 2 * variant["padding"] - variant["kernel"]) // variant["stride"] + 1
        answers = [float(q.findtext("answer/text")) for q in numerical[4 * n:4 * n + 4]]
        entry_x = sheet.tasks[4].asks[0]
        entry_k = sheet.tasks[5].asks[0]
        i, j = _indices(entry_x)
        p, q = _indices(entry_k)
        assert answers == [size, size, dx[i - 1, j - 1], dk[p - 1, q - 1]]


def _indices(lhs: str) -> tuple[int, int]:
    import re
    return tuple(int(v) for v in re.search(r"_\{(\d+),(\d+)\}\}$", lhs).groups())


def _spec_seed(variant: dict):
    from symconv.variants import layer
    return layer(variant["input"], variant["kernel"], variant["stride"], variant["padding"], variant["bias"]), variant["seed"]


def test_the_same_command_writes_the_same_bytes(tmp_path):
    roster = tmp_path / "students.csv"
    roster.write_text("id\nada\nalan_t\ngrace-h\n")
    outs = []
    for n in (1, 2):
        out = tmp_path / f"set{n}"
        result = _run("render", "--handout", "--roster", str(roster), "--seed", "5", "--vary",
                      "input=3..4,kernel=2,stride=1..2,padding=0..1,bias", "--format", "tex,md,html,moodle",
                      "--out", str(out))
        assert result.returncode == 0, result.stderr
        outs.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
    assert outs[0] == outs[1]
    assert {str(p.parent) for p in outs[0] if p.parent != Path(".")} == {"ada", "alan_t", "grace-h"}
    variants = json.loads(outs[0][Path("manifest.json")])["variants"]
    assert [v["id"] for v in variants] == ["ada", "alan_t", "grace-h"]
    # Each sheet names its student, escaped where the format needs it.
    assert rb"Exercise sheet for alan\_t:" in outs[0][Path("alan_t/exercise.tex")]
    assert rb"Answer key for alan\_t:" in outs[0][Path("alan_t/answers.tex")]
    assert b"Exercise sheet for alan_t:" in outs[0][Path("alan_t/exercise.html")]
    assert b"Exercise sheet for alan\\_t:" in outs[0][Path("alan_t/exercise.md")]


@pytest.mark.parametrize("args, says", [
    (["--variants", "3", "--vary", "input=5..3"], "input=5..3 is not valid"),
    (["--variants", "3", "--vary", "colour=2"], "'colour=2' is not valid"),
    (["--variants", "3", "--vary", "kernel=a..b"], "kernel='a..b' is not valid"),
    (["--variants", "0"], "--variants 0 is not valid"),
    (["--variants", "3", "--vary", "input=3,kernel=5,padding=0"], "no layer in these ranges"),
    (["--variants", "3", "--format", "json"], "is not valid with --variants"),
    (["--variants", "3", "--input", "4"], "--input does not go with --variants"),
])
def test_bad_variant_options_are_one_line_and_exit_2(tmp_path, args, says):
    result = _run("render", "--handout", *args, "--out", str(tmp_path / "set"))
    assert result.returncode == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "set").exists() and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content, says", [
    (b"ada\n../etc\n", "'../etc' is not a student id"),
    (b"ada\nada\n", "'ada' is listed twice"),
    (b"\xff\xfeada\n", "not UTF-8"),
    (b"\n\n", "no student ids"),
])
def test_a_bad_roster_is_one_line_and_exit_2(tmp_path, content, says):
    roster = tmp_path / "r.csv"
    roster.write_bytes(content)
    result = _run("render", "--handout", "--roster", str(roster), "--out", str(tmp_path / "set"))
    assert result.returncode == 2 and says in result.stderr and len(result.stderr.splitlines()) == 1, result.stderr
    assert not (tmp_path / "set").exists()


def test_no_folder_of_other_files_is_overwritten(tmp_path):
    (tmp_path / "set").mkdir()
    (tmp_path / "set" / "notes.txt").write_text("mine")
    result = _run("render", "--handout", "--variants", "2", "--format", "md", "--out", str(tmp_path / "set"))
    assert result.returncode == 2 and "not an exercise set" in result.stderr
    assert [p.name for p in (tmp_path / "set").iterdir()] == ["notes.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]  # no staging folder left behind


def test_thirty_variants_render_in_well_under_a_minute_and_all_differ():
    import time
    start = time.perf_counter()
    files, _ = build(VARY, 30, 2026, None, ("tex", "md", "html", "moodle"))
    assert time.perf_counter() - start < 60  # a hang bound for a loaded machine: about 2 s here
    variants = json.loads(files["manifest.json"])["variants"]
    assert len(variants) == 30 and len({v["id"] for v in variants}) == 30
    sheets = {files[f"{v['id']}/exercise.tex"] for v in variants}
    assert len(sheets) == 30  # no two sheets alike


def test_the_pdfs_are_the_same_bytes_again_and_name_the_student(tmp_path):
    need_latex()
    roster = tmp_path / "r.csv"
    roster.write_text("ada_l\nalan\n")
    runs = []
    for n in (1, 2):
        result = _run("render", "--handout", "--roster", str(roster), "--format", "pdf", "--jobs", "2",
                      "--out", str(tmp_path / f"set{n}"))
        assert result.returncode == 0, result.stderr
        runs.append({p.relative_to(tmp_path / f"set{n}"): p.read_bytes() for p in (tmp_path / f"set{n}").rglob("*.pdf")})
    assert runs[0] == runs[1] and len(runs[0]) == 4
    text = subprocess.run(["pdftotext", str(tmp_path / "set1" / "ada_l" / "exercise.pdf"), "-"], capture_output=True,
                          text=True).stdout
    assert "Exercise sheet for ada" in text and "Task 6 (2 points)" in text and "The numbers" in text


def test_a_set_written_again_with_fewer_variants_leaves_none_of_the_old_ones(tmp_path):
    out = tmp_path / "set"
    assert _run("render", "--handout", "--variants", "3", "--format", "md,moodle", "--out", str(out)).returncode == 0
    (out / "submissions").mkdir()  # the lecturer's own folder beside the sheets stays
    result = _run("render", "--handout", "--variants", "2", "--format", "md", "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["manifest.json", "submissions", "v01", "v02"]
    assert [p.name for p in tmp_path.iterdir()] == ["set"]


def test_the_variant_formula_task_asks_what_the_handout_key_asks():
    """review r9 clash 4: a variant's sheet asked for "the general formula" where the handout's key asks for the
    formula at this layer's own stride, padding and dilation, which is what both answers give (no rho)."""
    from symconv.spec import ConvSpec
    sheet = worksheet(ConvSpec(stride=(2, 1), padding=(1, 0)), 3)
    task = next(t for t in sheet.tasks if t.number == 4)
    assert "general formula" not in task.question
    assert "at this layer's own stride, padding and dilation" in task.question
    assert r"\rho" not in " ".join(task.answer)
