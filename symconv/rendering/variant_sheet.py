"""One student's variant: its sheet and key, the same six tasks and points for every layer, at its own numbers.

A variant's sheet gives the layer, its forward rule and its small whole numbers (X, K, b and the upstream
gradient), then asks: the output size, an interior entry of dL/dX and the last entry of dL/dK as sums of
products, the index formula of dL/dX at the layer's own stride, padding and dilation (as the handout's key
asks it), and the values of those two entries at the given numbers. Every task is one `check` grades
(the words tasks of the single handout are left to it), so a whole course's sheets are graded by
`symconv grade`. The numbers come from the worked example, checked against NumPy before anything is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module

from sympy import Rational, latex

from ..chain import derive
from ..derivation import Derivation
from ..example import Example, worked_example
from ..spec import ConvSpec
from .document import INPUT_TITLE, Section, context
from .handout import _aligned, _inline, _rows, _task, _terms, _why, answers, exercise

POINTS = (2, 3, 3, 4, 2, 2)  # every variant's tasks, in order
KINDS = ("the output size", "an interior entry of dL/dX as a sum", "an entry of dL/dK as a sum",
         "the index formula of dL/dX at the layer's own stride, padding and dilation", "that entry of dL/dX at the numbers", "that entry of dL/dK at the numbers")


@dataclass(frozen=True)
class Task:
    """A task as grade and the Moodle export read it: what it asks (the left-hand sides whose value it asks,
    none for the index formula), whether its answer is a number (the last step of a chain is graded), and
    the numbers a Moodle question asks for (name, value)."""

    number: int
    points: int
    question: str
    answer: list[str]
    asks: tuple[str, ...]
    numeric: bool
    values: tuple[tuple[str, Rational], ...] = ()


@dataclass(frozen=True)
class Worksheet:
    derivation: Derivation
    example: Example
    tasks: list[Task]
    given: list[str]  # the given numbers as claims check records as definitions: X = [...], K = [...], ...
    definitions: list[str]  # what grading reads before a student's notes: the upstream symbol, then `given`
    sheet: dict  # the templates' contexts
    key: dict


def _term_values(derivation: Derivation, example: Example, name: str, index: int) -> list[str]:
    """An entry's terms at the given numbers, in the order of its term table: 1 \\cdot (-2), ..."""
    from .example import factor
    subs = {}
    for tensor in example.given + example.derived:
        symbols = derivation[tensor.name].symbols
        if symbols is not None:
            subs.update(zip(symbols, tensor.values))
    terms = derivation[name].terms
    start, first, second = terms.start, terms.first, terms.second
    value = lambda at: subs[derivation.symbols[at]]
    return [factor(value(a)) if b < 0 else rf"{factor(value(a))} \cdot {factor(value(b))}"
            for a, b in zip(first[start[index]:start[index + 1]], second[start[index]:start[index + 1]])]


def worksheet(spec: ConvSpec, seed: int, ident: str = "") -> Worksheet:
    """The variant of `spec` at the numbers drawn from `seed`: its tasks, sheet and key, titled with the
    student's id `ident` when given (the templates escape it).

    Raises:
        AssertionError: when a number differs from NumPy's (a defect in symconv, never expected).
    """
    d = derive(spec)
    # the numbers this seed has always drawn, zeros in worked terms or not: the sheets handed out are graded by them
    example = worked_example(d, seed, zero_factors=True)
    assert example is not None, f"{spec}: a variant's layer is small and rational, so it has numbers"
    import_module("symconv.numeric.example").check(d, example)  # every number against NumPy, first
    ctx = context(d, example=example, matrices=False)
    given_section = next(s for s in ctx["summary"] + ctx["closing"] if s.name == "example")
    given = [part for line in given_section.formula for part in line.lstrip("&").split(r", \quad ")]
    values = {t.name: t.values for t in example.derived}

    size = next(e for e in ctx["exercises"] if e.first)
    _, _, h, w = (None, *d["Y"].shape) if len(d["Y"].shape) == 3 else d["Y"].shape
    inputs = next(s for s in ctx["sections"] if s.title == INPUT_TITLE)
    rows = _rows(inputs)
    middle = len(rows) // 2
    interior = max(rows, key=lambda row: (_terms(row), -abs(rows.index(row) - middle)))
    kernel = _rows(next(s for s in ctx["sections"] if s.name == "dL/dK"))[-1]
    at_x = d["dL/dX"].labels.index(interior.lhs)
    at_k = d["dL/dK"].labels.index(kernel.lhs)
    x_value, k_value = values["dL/dX"][at_x], values["dL/dK"][at_k]
    general = inputs.formula[0].split("&=")[0].strip()

    def numeric(lhs: str, name: str, at: int, value: Rational) -> list[str]:
        return [f"{lhs} &= " + " + ".join(_term_values(d, example, name, at)).replace("+ -", "- ") + f" = {latex(value)}"]

    tasks = [
        Task(1, POINTS[0], size.question, size.answer, ("H_o", "W_o"), True, (("H_o", Rational(h)), ("W_o", Rational(w)))),
        Task(2, POINTS[1], f"Write ${_inline(interior.lhs)}$ as a sum of products.",
             _aligned(interior.lhs, interior.lines), (interior.lhs,), False),
        Task(3, POINTS[2], f"Write ${_inline(kernel.lhs)}$ as a sum of products.", _aligned(kernel.lhs, kernel.lines),
             (kernel.lhs,), False),
        Task(4, POINTS[3], f"Write the index formula of ${_inline(general)}$ at this layer's own stride, padding and "
                                  "dilation, their numbers put in: for every index, as one sum.",
             inputs.formula, (), False),
        Task(5, POINTS[4], f"Compute ${_inline(interior.lhs)}$ at the given numbers.",
             numeric(interior.lhs, "dL/dX", at_x, x_value), (interior.lhs,), True, ((interior.lhs, x_value),)),
        Task(6, POINTS[5], f"Compute ${_inline(kernel.lhs)}$ at the given numbers.",
             numeric(kernel.lhs, "dL/dK", at_k, k_value), (kernel.lhs,), True, ((kernel.lhs, k_value),)),
    ]
    reasons = [size.reasoning, _why(inputs, interior), _why(next(s for s in ctx["sections"] if s.name == "dL/dK"), kernel),
               "Every entry of task 2 is this formula at its indices; terms whose indices fall outside a tensor"
               + (" (in the zero padding, or past its border)" if ctx.get("padded_layers") else ", past its border,")
               + " do not exist.",
               "The sum of task 2, each symbol replaced by its number.", "The sum of task 3, each symbol replaced by its number."]
    numbers = Section("given", "The numbers", "Work the tasks with these small whole numbers (the upstream gradient "
                      "$g$ is given):", [], formula=given_section.formula)
    sections = [numbers] + [_task(t.number, t.points, t.question, t.answer, why) for t, why in zip(tasks, reasons)]
    # The output's size is asked: the settings leave it out.
    ctx = {**ctx, "settings": [(label, value) for label, value in ctx["settings"] if label != "output"]}
    sheet, key = exercise(ctx, sections), answers(ctx, sections)
    if ident:
        sheet["title"] = sheet["title"].replace("Exercise sheet: ", f"Exercise sheet for {ident}: ", 1)
        key["title"] = key["title"].replace("Answer key: ", f"Answer key for {ident}: ", 1)
    return Worksheet(d, example, tasks, given, [ctx["upstream_definition"], *given], sheet, key)


def claims(task: Task) -> str:
    """A task's answer as one claim per line, as a student would write it (align marks dropped)."""
    out: list[str] = []
    for line in task.answer:
        text = line.replace("&=", "=").replace(r"&\quad", "").replace("&", "").strip()
        if out and text[:1] in "+-":
            out[-1] += " " + text
        else:
            out.append(text.replace(r"\boxed", ""))
    return "\n".join(out)
