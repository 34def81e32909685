"""Handouts: a graded exercise sheet and its answer key, from the same context as the document.

The sheet keeps the layer, its forward rule and figures, and asks numbered tasks with points and room
to work, escalating: the kind's warm-up (a convolution's output size), a border entry and an interior
entry of the input's gradient, an entry of a parameter's gradient, the general formula, then what only
the kind can ask (a convolution's results in matrix form, its stride case, why its kernel turns up
rotated). No entry of a gradient is printed on the sheet, so none can be read off a neighbour. The
answer key gives each task's answer and its reasoning.
"""

from __future__ import annotations

import re
from dataclasses import replace

from .document import INPUT_TITLE, TEXT_WIDTH_EM, Group, Row, Section
from ..layers.conv_document import MATRIX_QUESTION, MATRIX_TASK
from ..words import plural
from .latex import break_lines, width

# Room to work, in cm: a line of the answer takes this much, and every task gets a little more.
CM_PER_LINE, CM_EXTRA, CM_WORDS = 1.1, 1.5, 4.0


def _terms(row: Row) -> int:
    return 0 if row.lines == ["0"] else sum(line.count(" + ") + line.count(" - ") + 1 for line in row.lines)


def _rows(section: Section) -> list[Row]:
    return [row for block in section.blocks for row in block.rows]


def _aligned(lhs: str, rhs_lines: list[str]) -> list[str]:
    """An entry as align lines: "lhs &= first", then "&\\quad + ..." for the lines it continues on."""
    return [f"{lhs} &= {rhs_lines[0]}"] + [rf"&\quad {line}" for line in rhs_lines[1:]]


def _rebroken(line: str) -> list[str]:
    """An aligned answer line ("lhs &= a + b + ...") broken to the page's width."""
    lhs, _, rhs = line.partition("&=")
    if not rhs or width(line) < TEXT_WIDTH_EM - 4:
        return [line]
    return _aligned(lhs.strip(), break_lines(_terms_of(rhs.strip()), TEXT_WIDTH_EM - width(lhs) - 4.0))


def _terms_of(rhs: str) -> list[str]:
    """The parts of a right-hand side between its " + " outside braces (a fraction's numerator stays whole)."""
    parts, depth, start = [], 0, 0
    for n, char in enumerate(rhs):
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth == 0 and rhs.startswith(" + ", n):
            parts.append(rhs[start:n])
            start = n + 3
    return parts + [rhs[start:]]


def _inline(lhs: str) -> str:
    """A gradient entry for a sentence: \\partial L / \\partial x_{2,2} rather than a small fraction."""
    return re.sub(r"\\frac\{\\partial L\}\{\\partial (.*)\}$", r"\\partial L / \\partial \1", lhs)


def _factors(term: str) -> list[str]:
    r"""A product's factors: its parts between the spaces (or thin spaces, \,) outside braces and brackets."""
    parts, depth, start, n = [], 0, 0, 0
    while n < len(term):
        char = term[n]
        depth += {"{": 1, "}": -1, "[": 1, "]": -1, "(": 1, ")": -1}.get(char, 0)
        gap = 2 if term.startswith(r"\,", n) else 1 if char == " " else 0
        if depth == 0 and gap:
            parts.append(term[start:n])
            start = n + gap
            n += gap
            continue
        n += 1
    return [p for p in parts + [term[start:]] if p.strip()]


def _pairs(row: Row) -> list[tuple[str, str]] | None:
    r"""The entry's terms as (upstream entry, factor it is met through), where each term is a product of two
    factors (g_{1,1}\,k_{2,2}); None for any other form (an indicator, a sign, a number)."""
    if row.chain or _terms(row) == 0:
        return None
    text = " ".join(row.lines).strip()
    if text.startswith("+ "):
        text = text[2:]
    if " - " in text or text.startswith("-"):
        return None
    pairs = [tuple(_factors(term.strip())) for term in _terms_of(text)]
    return pairs if all(len(p) == 2 for p in pairs) else None  # type: ignore[return-value]


def _entry_terms(row: Row, than: Row | None = None, reached: bool = True) -> str:
    """What the entry's own terms say, read off them: which upstream entries reach it and through which
    factor (the first and last where there are many), and, for an entry at the border (`than`, the interior
    entry it is set against), that it has fewer terms than that one. Only what its terms show; without
    `reached` (a parameter's entry) or where its terms are not products of two factors, only their number."""
    entry = _inline(row.lhs).split(r"\partial ", 2)[-1]
    n, pairs = _terms(row), _pairs(row) if reached else None
    if pairs is None:
        said = f"This entry has {plural(n, 'term')}"
    else:
        link = [rf"${a}$ through ${b}$" for a, b in pairs]
        if n == 1:
            said = f"Here only ${pairs[0][0]}$ reaches ${entry}$, through ${pairs[0][1]}$: one term"
        elif n <= 4:
            said = f"Here ${entry}$ is reached by " + ", ".join(link[:-1]) + f" and {link[-1]}: {plural(n, 'term')}"
        else:
            said = (f"Here {plural(n, 'upstream entry')} reach ${entry}$, from {link[0]} to {link[-1]}: "
                    f"{plural(n, 'term')}")
    if than is not None:
        other = _inline(than.lhs).split(r"\partial ", 2)[-1]
        said += f"; the interior entry ${other}$ has {_terms(than)}, as fewer outputs read an entry near the border"
    return said + "."


def _why(section: Section, row: Row | None = None, than: Row | None = None, asked: tuple[str, ...] = (),
         reached: bool = True, said: bool = False) -> str:
    """A section's words as an answer's reasoning: without the sentences that refer to figures the sheet does
    not have (they tell of the figure's entry, not this one), without what another task asks for (`asked`: it is
    answered there, once), and with what the entry's own terms show."""
    words = section.intro
    if section.figure_refs and words.endswith(section.figure_refs):
        words = words[: -len(section.figure_refs)].rstrip()
    words = re.sub(r" Figure \d+ shows [^.]*\.", "", words)  # a reference the kind's own words make
    for text in asked:
        words = words.replace(text, "")
    words = re.sub(r"  +", " ", words).strip()
    if said and row is not None:  # the section's words are an earlier answer's: only what this entry's terms show
        return _entry_terms(row, than, reached)
    return words + (" " + _entry_terms(row, than, reached) if row is not None else "")


def _task(number: int, points: int, question: str, answer: list[str], reasoning: str) -> Section:
    lines = [part for line in answer for part in _rebroken(line)]
    room = CM_WORDS if not lines else CM_EXTRA + CM_PER_LINE * len(lines)
    return Section(f"task-{number}", f"Task {number} ({points} points)", question, [], formula=lines, after=reasoning,
                   room=room, points=points)


def tasks(ctx: dict) -> list[Section]:
    """The numbered tasks, with their answers and reasoning (the sheet leaves those out)."""
    # A question answered in words is asked once, however many layers of the kind set it.
    worded: set[str] = set()
    kind = []
    for e in ctx["exercises"]:
        if not e.answer and e.reasoning in worded:
            continue
        worded.add(e.reasoning)
        kind.append((e.points, e.question, e.answer, e.reasoning, e.first, e.layer))
    asked = tuple(dict.fromkeys(e.asks for e in ctx["exercises"] if e.asks))
    out = [task[:4] for task in kind if task[4]]
    sections = ctx["sections"]
    # In a network each task says which layer it is about, as the kinds' own tasks do: "(Layer 1.) ...".
    layer_of = {id(s): int(m.group(1)) for g in ctx["forward"] + ctx["backward"] for s in g.sections
                if (m := re.match(r"Layer (\d+):", g.title))}
    tag = lambda section, question: (f"(Layer {layer_of[id(section)]}.) {question}" if id(section) in layer_of
                                     else question)
    gradients = [s for s in sections if s.name.startswith("dL/d") and _rows(s)]
    inputs = [s for s in gradients if s.title == INPUT_TITLE] or gradients
    widest = max(inputs, key=lambda s: max(map(_terms, _rows(s))), default=None)
    # A network of several layers spreads its tasks over them: the first layer's, then one per later layer.
    first_layer = layer_of.get(id(widest)) if widest is not None else None
    network = first_layer is not None and len(set(layer_of.values())) > 1
    later_kind = [task[:4] for task in kind if network and task[5] not in (None, first_layer)]
    kind = [task for task in kind if not (network and task[5] not in (None, first_layer))]
    if widest is not None:
        rows = _rows(widest)
        middle = len(rows) // 2  # of the entries with the most terms, the one nearest the middle
        interior = max(rows, key=lambda row: (_terms(row), -abs(rows.index(row) - middle)))
        border = rows[0] if _terms(rows[0]) > 0 else min((row for row in rows if _terms(row) > 0), key=_terms)
        if _terms(border) < _terms(interior) and not network:  # in a network, room for the later layers' tasks
            out.append((2, tag(widest, f"Write ${_inline(border.lhs)}$, an entry at the border, as a sum of products."),
                        _aligned(border.lhs, border.lines), _why(widest, border, interior, asked)))
        out.append((3, tag(widest, f"Write ${_inline(interior.lhs)}$, an interior entry, as a sum of products."
                           if _terms(border) < _terms(interior) and not network else f"Write ${_inline(interior.lhs)}$ as a sum of products."),
                    _aligned(interior.lhs, interior.lines),
                    _why(widest, interior, asked=asked, said=_terms(border) < _terms(interior) and not network)))
    params = [s for s in gradients if s is not widest and (len(_rows(s)) > 1 if not network else
                                                          layer_of.get(id(s)) == first_layer and _rows(s))]
    if params:
        rows = _rows(params[0])
        entry = rows[-1]
        out.append((3, tag(params[0], f"Write ${_inline(entry.lhs)}$ as a sum of products."),
                    _aligned(entry.lhs, entry.lines), _why(params[0], entry, asked=asked, reached=False)))
    if widest is not None and widest.formula:
        general = widest.formula[0].split("&=")[0].strip()
        out.append((4, tag(widest, f"Write the index formula of ${_inline(general)}$ at this layer's own stride, padding and "
                                   "dilation, their numbers put in: for every index, as one sum."),
                    widest.formula, "Every entry above is this formula at its indices; terms whose indices fall outside "
                    + ("a tensor (in the zero padding, or past its border)" if layer_of.get(id(widest), 1) in
                       ctx.get("padded_layers", ()) else "a tensor, past its border,") + " do not exist."))
    out += [task[:4] for task in kind if not task[4]]
    # In a network, after the first layer's tasks, one on each later layer, in the order the backward pass reaches
    # them (the loss first): its input's gradient, the entry with the most terms of its first ones, answered by its
    # derivation's row and words; a layer whose entries the document does not list (an activation) by what its kind
    # asks; a layer that only moves entries (a flatten), none (review24 defect 15, review24c defect 2).
    if network:
        asked_later = []
        for number in sorted(set(layer_of.values()) - {first_layer}, reverse=True):
            own = [s for s in gradients if layer_of.get(id(s)) == number]
            section = next((s for s in own if s.title == INPUT_TITLE), own[0] if own else None)
            rows = [row for row in (_rows(section)[:2] if section is not None else []) if _terms(row) > 0]
            if rows and section.steps:  # a derivation the document works (the softmax's chain rule): derive it
                row = rows[0]
                asked_later.append((3, tag(section, f"Derive ${_inline(row.lhs)}$ by the chain rule."),
                                    list(section.steps) + _aligned(row.lhs, row.lines),
                                    section.intro.rstrip(":") + ", the chain rule gives the lines above, and the "
                                    "entry is their last line at its index."))
            elif rows:
                row = max(rows, key=_terms)
                products = " - " not in row.lines[0] and all(len(_factors(t)) > 1 for t in _terms_of(row.lines[0]))
                asked_later.append((3 if _terms(row) > 1 else 2,
                                    tag(section, f"Write ${_inline(row.lhs)}$" + (" as a sum of products." if products
                                                                                   and _terms(row) > 1 else ".")),
                                    _aligned(row.lhs, row.lines), _why(section, asked=asked)))
            asked_later += [task for task in later_kind if f"(Layer {number}.)" in task[1]]
        out += asked_later
    # A task that refers to the matrix-form task does so by its number (review r11 item 12).
    matrix = next((n for n, task in enumerate(out, start=1) if MATRIX_QUESTION in task[1]), None)
    if matrix is not None:
        out = [(task[0], task[1].replace(MATRIX_TASK, f"Task {matrix}"), *task[2:]) for task in out]
    return [_task(n, *task) for n, task in enumerate(out, start=1)]


# A layer's output size worked from its input's numbers (a pooling's ", floor((4 - 2) / 2) + 1 = 2 rows and as many
# columns"): on a sheet that asks an earlier layer's output size, it would give that size away.
SIZE_ARITHMETIC = re.compile(r", \$\\lfloor \(\d[^$]*\$ rows and (?:as many columns|\$[^$]*\$ columns)")


def _sheet(ctx: dict, title: str, answers: bool, asked: list[Section] | None = None) -> dict:
    """The context the templates render: the layer and its forward pass (no entries, no output size: they
    are asked), then the tasks (`asked`, by default those of `tasks`), with or without their answers; a
    section without points (a variant's given numbers) is shown on both."""
    asked = tasks(ctx) if asked is None else asked
    forward = [Group(g.title, [replace(s, blocks=[], steps=[], steps_title="", steps_intro="", overview="", after="")
                               for s in g.sections]) for g in ctx["forward"]]
    if not answers:
        asked = [replace(t, formula=[], after="") if t.points else t for t in asked]
    else:
        asked = [replace(t, room=0.0) for t in asked]
    total = sum(t.points for t in asked)
    note = (f"Answer each task in the space below it; {total} points in all. The answer key gives every answer "
            "and its reasoning." if not answers else f"Every task's answer and its reasoning; {total} points in all.")
    forward = [] if answers else forward  # the key is the tasks and their answers
    if not answers and any(e.asks_output for e in ctx["exercises"]):
        # A task asks for the output size: the sheet does not print it above the task (review24b defect 1), nor a
        # later layer's size arithmetic that starts from it (a pooling's floor((4 - 2)/2) + 1: review r7 defect 2).
        ctx = {**ctx, "settings": [(label, value) for label, value in ctx["settings"] if label != "output"]}
        forward = [Group(g.title, [replace(s, intro=SIZE_ARITHMETIC.sub("", s.intro)) for s in g.sections])
                   for g in forward]
        sheet = ctx["sheet_view"]() if ctx.get("sheet_view") else {}
        if sheet.get("sheet_layer_table") is not None:
            ctx = {**ctx, "layer_table": sheet["sheet_layer_table"], "diagram": sheet["sheet_diagram"]}
    return {**ctx, "title": title + ctx["title"], "handout_note": note, "summary": [], "closing": [], "practice": [], "practice_answers": [], "rules": [], "rules_intro": "",
            # the sheet works out no entries: what the document's sections show is not said (review r11 item 3)
            "shown_note": "",
            "objectives": [], "reading": [], "forward": forward, "backward": [], "tasks": asked,
            "matrix_sections": [], "sections": [s for g in forward for s in g.sections]}


def exercise(ctx: dict, asked: list[Section] | None = None) -> dict:
    """The exercise sheet: the layer, its forward pass and the tasks (by default `tasks(ctx)`) with room to work."""
    return _sheet(ctx, "Exercise sheet: ", answers=False, asked=asked)


def answers(ctx: dict, asked: list[Section] | None = None) -> dict:
    """The answer key: the same tasks, each with its answer and reasoning."""
    return _sheet(ctx, "Answer key: ", answers=True, asked=asked)
