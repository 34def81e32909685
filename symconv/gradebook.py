"""symconv grade: every student's notes graded task by task with `check`, against that student's variant.

A submission is one file a student, named by id (`<id>.md`, `<id>.tex`), its tasks headed as on the
sheet ("## Task 2", `\\section*{Task 2}`, or a line starting "Task 2"). The variant's given numbers and the
upstream symbol are read before the notes (as definitions), so numbers are checked at that student's
numbers. A task is worth its points when every claim under its heading that check judges is right and one
of them gives what the task asks (its value, for a number: the last step of a chain, tried as
`asked = step`); 0 when a claim is wrong or the right claims give something else. A task check cannot read
(a claim not understood, or text with no claim) is "not understood": 0 points, flagged for the lecturer,
never wrong for its notation. An empty task is "no answer".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from .grading import check_notes
from .rendering.variant_sheet import Task, Worksheet, worksheet
from .spec import SpecError
from .variants import Variant

SUFFIXES = {".md": False, ".markdown": False, ".tex": True, ".txt": None}
SUBMISSION_LIMIT = 2_000_000  # bytes: as check's notes
HEADING = re.compile(r"^\s*(?:#{1,6}\s*|\\(?:sub)*section\*?\{\s*|\\paragraph\*?\{\s*|\*\*\s*|\\textbf\{\s*)?"
                     r"task\s*(\d{1,3})\b", re.IGNORECASE)


@dataclass
class TaskGrade:
    number: int
    points: int
    max_points: int
    verdict: str  # right, wrong, not understood, no answer
    feedback: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return self.verdict == "not understood"


@dataclass
class StudentGrade:
    id: str
    variant: Variant
    tasks: list[TaskGrade]
    source: str  # the file graded, or "" when none was handed in

    @property
    def points(self) -> int:
        return sum(t.points for t in self.tasks)

    @property
    def max_points(self) -> int:
        return sum(t.max_points for t in self.tasks)


def sections(text: str) -> dict[int, tuple[int, int]]:
    """Each task's lines (first, last), 1-based, from its heading to the next heading; a task headed twice
    keeps its first part (the rest reads as the task before)."""
    found: list[tuple[int, int]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines, start=1):
        match = HEADING.match(line)
        if match:
            found.append((int(match.group(1)), number))
    out: dict[int, tuple[int, int]] = {}
    for n, (task, start) in enumerate(found):
        end = found[n + 1][1] - 1 if n + 1 < len(found) else len(lines)
        out.setdefault(task, (start, end))
    return out


def _steps(claim: str) -> list[str]:
    """The parts of a claim between its top-level equals signs (not := or \\leq): a = b = 3 gives a, b, 3."""
    claim = claim.split(r"\quad")[0]
    parts, depth, last = [], 0, 0
    for n, char in enumerate(claim):
        if char in "{([":
            depth += 1
        elif char in "})]":
            depth -= 1
        elif char == "=" and depth == 0 and claim[n - 1:n] not in (":", "<", ">", "!") and claim[n + 1:n + 2] != ":":
            parts.append(claim[last:n].strip())
            last = n + 1
    parts.append(claim[last:].strip())
    return [p for p in parts if p]


def _based(asked: str) -> str:
    """The sheet's entry (numbered from 1) as notes that count from 0 write it: x_{3,2} as x_{2,1}."""
    return re.sub(r"_\{(\d+),(\d+)\}", lambda m: f"_{{{int(m[1]) - 1},{int(m[2]) - 1}}}", asked)


def _symbolic(step: str) -> bool:
    """Whether a step names something (x_{1,1}, g_{2,3}), not numbers alone (0.5 \\cdot 3 - 1)."""
    return re.search(r"[A-Za-z]", re.sub(r"\\[A-Za-z]+", " ", step)) is not None


def _general(claim: str) -> bool:
    """Whether a claim's left-hand side is written with letters for its indices (\\partial L/\\partial x_{i,j})."""
    lhs = _steps(claim)[0] if _steps(claim) else ""
    return any(re.search(r"[A-Za-z]", body) for body in re.findall(r"_\s*\{([^{}]*)\}|_\s*([A-Za-z])|\[([^\[\]]*)\]", lhs)
               for body in body if body)


def _words(text: str, first: int, last: int) -> bool:
    """Whether a task's lines hold anything but its heading and blank space."""
    lines = text.splitlines()[first:last]
    return any(line.strip().strip("%").strip() for line in lines)


def _feedback(verdict) -> str:
    text = f"line {verdict.line}: {verdict.status}: ${verdict.claim}$"
    if verdict.reason:
        text += f"; {verdict.reason}"
    if verdict.missing:
        text += "; missing " + ", ".join(f"${m}$" for m in verdict.missing)
    if verdict.extra:
        text += "; should not be there " + ", ".join(f"${m}$" for m in verdict.extra)
    if verdict.expected and verdict.status == "wrong":
        text += f"; expected ${verdict.expected}$"
    return text


def grade_text(text: str, sheet: Worksheet, latex: bool | None) -> list[TaskGrade]:
    """The grade of each of the sheet's tasks in one student's notes."""
    preamble = "".join(f"\\[ {claim} \\]\n" for claim in sheet.definitions)
    shift = preamble.count("\n")
    verdicts = check_notes(preamble + text, sheet.derivation, latex=latex)
    spans = sections(text)
    grades: dict[int, TaskGrade] = {}
    probes: list[tuple[Task, str, str]] = []  # (task, asked, step)
    verdicts_of: dict[int, list] = {}
    slipped: list = []  # number tasks whose one wrong claim is a chain: is only its arithmetic off?
    zero_based = verdicts.conventions.index_base == 0 and sheet.derivation is not None
    for task in sheet.tasks:
        first, last = spans.get(task.number, (0, -1))
        mine = [v for v in verdicts if first <= v.line - shift <= last and v.status != "definition"]
        mine = [replace(v, line=v.line - shift) for v in mine]
        grade = TaskGrade(task.number, 0, task.points, "no answer")
        grades[task.number] = grade
        if task.number not in spans:
            grade.feedback.append(f"no heading 'Task {task.number}' found")
            continue
        grade.feedback += [_feedback(v) for v in mine]
        verdicts_of[task.number] = mine
        if not mine:
            if _words(text, first, last):
                grade.verdict = "not understood"
                grade.feedback.append("no claim (an equation with =, in $...$, $$...$$ or \\[...\\]) found: read it "
                                      "by hand")
            continue
        if task.numeric:  # a number asked for: working check cannot read leaves the number to be judged
            unread = [v for v in mine if v.status == "not understood" and _steps(v.claim)
                      and not _symbolic(_steps(v.claim)[-1])]
            if unread:
                grade.feedback.append("the working could not be read; the number it ends in is judged")
                mine = [replace(v, status="right") if v in unread else v for v in mine]
        statuses = {v.status for v in mine}
        if "wrong" in statuses:
            grade.verdict = "wrong"
            wrong = [v for v in mine if v.status == "wrong"]
            if len(wrong) == 1 and not task.numeric and task.asks and len(wrong[0].missing) + len(wrong[0].extra) == 1:
                grade.points = task.points - 1  # PARTIAL: the sum right but for one term
                grade.feedback.append(f"partial credit: the sum is right but for one term ({task.points - 1} of "
                                      f"{task.points} points)")
            elif len(wrong) == 1 and task.numeric and len(_steps(wrong[0].claim)) > 2:
                slipped.append((task, wrong[0]))
        elif not task.asks:  # the general formula: a claim that holds at every index, written with letters
            if any(v.status == "right" and _general(v.claim) for v in mine):
                grade.verdict, grade.points = "right", task.points  # a remark beside it check cannot read costs nothing
            elif "not understood" in statuses:
                grade.verdict = "not understood"
            else:
                grade.verdict = "wrong"
                grade.feedback.append("the claims hold, but none is the general formula (an entry with letters for "
                                      "its indices, such as x_{i,j}, equal to one sum): values do not answer this task")
        else:
            grade.verdict = "pending"
            for asked in task.asks:
                for v in mine:
                    if v.status != "right":
                        continue
                    steps = _steps(v.claim)
                    for step in (steps[-1:] if task.numeric else [s for s in steps[1:] if _symbolic(s)]):
                        probes.append((task, _based(asked) if zero_based and not task.numeric else asked, step))
            if not any(p[0] is task for p in probes):
                if "not understood" in statuses:
                    grade.verdict = "not understood"
                elif not task.numeric:
                    grade.verdict = "wrong"
                    grade.feedback.append("the task asks for a sum of products of the layer's symbols; the notes give "
                                          "only numbers")
    pending = [t for t in sheet.tasks if grades[t.number].verdict == "pending"]
    # A step that is a sum of products is read after the notes (they may name the upstream gradient);
    # a number is read at the sheet's numbers alone, so numbers the notes give of their own never count.
    judged = _probes(preamble, text, [p for p in probes if not p[0].numeric], sheet, latex)
    numbers = _probes(preamble, "", [p for p in probes if p[0].numeric], sheet, latex)
    lined_up = judged is not None and numbers is not None
    pairs = (judged or []) + (numbers or [])
    for task in pending:
        grade = grades[task.number]
        asks = [_based(a) if zero_based and not task.numeric else a for a in task.asks]  # as the probes write them
        results: dict[str, list] = {asked: [] for asked in asks}
        for (t, asked, _), v in pairs:
            if t is task:
                results[asked].append(v)
        unread = any(v.status == "not understood" for v in verdicts_of[task.number])
        if all(any(v.status == "right" for v in results[a]) for a in asks):
            grade.verdict, grade.points = "right", task.points
        elif not lined_up or unread or any(v.status == "not understood" for a in asks for v in results[a]):
            grade.verdict = "not understood"
            grade.feedback.append(f"the claims hold, but whether they give ${', '.join(asks)}$ could not be "
                                  "read: read it by hand")
        else:
            grade.verdict = "wrong"
            for asked in asks:
                if not any(v.status == "right" for v in results[asked]):
                    why = next((v.reason for v in results[asked] if v.reason), "")
                    grade.feedback.append(f"the claims hold, but none gives ${asked}$" + (f" ({why})" if why else ""))
    # A worked number whose products are right at the sheet's numbers and whose adding up slips earns half.
    firsts = _probes(preamble, "", [(task, task.asks[0], _steps(v.claim)[1]) for task, v in slipped], sheet, latex) or []
    for (task, _, _), probe in firsts:
        if probe.status == "right":
            grades[task.number].points = task.points // 2
            grades[task.number].feedback.append(f"partial credit: the products are right at the sheet's numbers, the "
                                                f"arithmetic after them slips ({task.points // 2} of {task.points} points)")
    # Numbers the notes give that differ from the sheet's (a copying slip): said on every number task.
    own = [(v, _steps(v.claim)) for v in verdicts
           if v.line > shift and v.status == "definition" and "given value" in v.reason]
    copied = _probes(preamble, "", [(None, f"0 + {steps[0]}", steps[-1]) for v, steps in own if len(steps) == 2],
                     sheet, latex) or []
    slips = [f"line {v.line - shift}: ${v.claim}$ ({probe.reason.removeprefix('at the values the notes give, ')})"
             for (v, _), (_, probe) in zip([o for o in own if len(o[1]) == 2], copied) if probe.status == "wrong"]
    if slips:
        said = "; ".join(slips[:3]) + ("; ..." if len(slips) > 3 else "")
        for task in sheet.tasks:
            if task.numeric and task.number in spans:
                grades[task.number].feedback.append(f"the notes give numbers that differ from the sheet's ({said}): "
                                                    "numbers are graded at the sheet's")
    return [grades[t.number] for t in sheet.tasks]


def _probes(preamble: str, context: str, probes: list[tuple[Task, str, str]], sheet: Worksheet,
            latex: bool | None) -> list | None:
    """Each probe `asked = step` paired with its verdict, read after the preamble and `context`; None when
    check split a probe into several claims (the verdicts no longer line up one a probe)."""
    if not probes:
        return []
    block = "".join(f"\n\\[ {asked} = {step} \\]\n" for _, asked, step in probes)
    judged = check_notes(preamble + context + "\n" + block, sheet.derivation, latex=latex)
    last = preamble.count("\n") + len(context.splitlines()) + 1
    tail = [v for v in judged if v.line > last]
    return list(zip(probes, tail)) if len(tail) == len(probes) else None


def read_submission(path: Path) -> str:
    """A submission's text.

    Raises:
        NotUTF8: for a file that is not UTF-8, with its text read in Windows-1252.
        SpecError: for a file that cannot be read, is too large or is binary.
    """
    try:
        with path.open("rb") as handle:
            data = handle.read(SUBMISSION_LIMIT + 1)
    except OSError as error:
        raise SpecError(f"submission {path}: cannot read it ({error.strerror})") from None
    if len(data) > SUBMISSION_LIMIT:
        raise SpecError(f"submission {path} is larger than 2 MB: give the student's notes (Markdown or LaTeX)")
    if b"\0" in data:
        raise SpecError(f"submission {path} is not a text file (it holds NUL bytes): give Markdown or LaTeX notes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        # A student's editor that saves in Windows-1252 or Latin-1: the notes are read in it, and said so.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        raise NotUTF8(text, f"submission {path} is not UTF-8 text (byte {error.start}, 0x{data[error.start]:02x}): "
                            "read as Windows-1252 (Latin-1); save it as UTF-8 to be sure of its accents") from None


class NotUTF8(Exception):
    """A submission read in Windows-1252 because it is not UTF-8: its text and what to tell the lecturer."""

    def __init__(self, text: str, said: str):
        super().__init__(said)
        self.text, self.said = text, said


def submissions(folder: Path, ids: list[str]) -> tuple[dict[str, Path], list[Path]]:
    """Each id's file in `folder`, and the files that name no student of the manifest.

    Raises:
        SpecError: for a folder that is missing, or a student with two files.
    """
    if not folder.is_dir():
        raise SpecError(f"submissions {folder}: not a folder; give the folder of the students' notes "
                        "(<id>.md or <id>.tex each)")
    found: dict[str, Path] = {}
    strays: list[Path] = []
    known = set(ids)
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or not path.is_file() or path.suffix.lower() not in SUFFIXES:
            continue
        if path.stem not in known:
            strays.append(path)
            continue
        if path.stem in found:
            raise SpecError(f"submissions {folder}: {found[path.stem].name} and {path.name} are both student "
                            f"{path.stem}'s; keep one of them")
        found[path.stem] = path
    return found, strays


def grade_folder(folder: Path, variants: list[Variant]) -> tuple[list[StudentGrade], list[Path]]:
    """Every student of the manifest graded (no file: every task "no answer"; a file that cannot be read as
    text, such as one not in UTF-8: every task "not understood", 0 points, flagged with the reason, so that
    one student's file does not hold up the others'), and the files left unread.

    Raises:
        SpecError: as `submissions`, before anything is graded.
    """
    found, strays = submissions(folder, [v.id for v in variants])
    texts, unreadable, recoded = {}, {}, {}
    for id_, path in found.items():  # every file read before any is graded
        try:
            texts[id_] = read_submission(path)
        except NotUTF8 as read:
            texts[id_], recoded[id_] = read.text, read.said
        except SpecError as error:
            unreadable[id_] = str(error)
    out = []
    for variant in variants:
        sheet = worksheet(variant.spec, variant.seed)
        path = found.get(variant.id)
        if path is None:
            tasks = [TaskGrade(t.number, 0, t.points, "no answer", ["no submission"]) for t in sheet.tasks]
        elif variant.id in unreadable:
            tasks = [TaskGrade(t.number, 0, t.points, "not understood", [unreadable[variant.id]]) for t in sheet.tasks]
        else:
            tasks = grade_text(texts[variant.id], sheet, SUFFIXES[path.suffix.lower()])
            if variant.id in recoded:
                for task in tasks:
                    task.feedback.insert(0, recoded[variant.id])
        out.append(StudentGrade(variant.id, variant, tasks, path.name if path else ""))
    return out, strays


def describe(variant: Variant) -> str:
    s = variant.spec
    return (f"input {s.input[0]}x{s.input[1]}, kernel {s.kernel[0]}x{s.kernel[1]}, stride {s.stride[0]}, "
            f"padding {s.padding[0]}, " + ("bias" if s.bias else "no bias") + f", numbers seed {variant.seed}")


def gradebook_csv(grades: list[StudentGrade]) -> str:
    """The gradebook: id, variant, points, max_points, then each task's points."""
    import csv
    import io
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    numbers = [t.number for t in grades[0].tasks] if grades else []
    writer.writerow(["id", "variant", "points", "max_points", *(f"task{n}" for n in numbers), "flagged"])
    for g in grades:
        flagged = " ".join(f"task{t.number}" for t in g.tasks if t.flagged)
        writer.writerow([g.id, describe(g.variant), g.points, g.max_points, *(t.points for t in g.tasks), flagged])
    return out.getvalue()


def feedback_text(grade: StudentGrade) -> str:
    """One student's feedback (Markdown): each task's verdict, points and check's words."""
    lines = [f"# Feedback for {grade.id}", "", f"Variant: {describe(grade.variant)}.", "",
             f"**{grade.points} of {grade.max_points} points.**", ""]
    for t in grade.tasks:
        flag = " (flagged for the lecturer)" if t.flagged else ""
        lines += [f"## Task {t.number}: {t.points} of {t.max_points} points, {t.verdict}{flag}", ""]
        lines += [f"- {item}" for item in t.feedback] + ([""] if t.feedback else [])
    return "\n".join(lines).rstrip("\n") + "\n"
