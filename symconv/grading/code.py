"""Values the notes give in code: CS231n's `w = [2,-3,-3]`, a student's x = np.array([[1, 2], [3, 4]]) in a
fenced block. Each number becomes a given value, x_{1,2} = 2 counted in the notes' own index base, so the
worked numbers after it are judged at them. Code is read, never run: only a name set to a number or to a
list of numbers (nested, rectangular) is taken, and comments (HTML, LaTeX) are not code.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from itertools import product
from math import prod

from .blocks import _FENCE, _HTML_COMMENT, _INLINE_CODE, COMMENT, _end_of, blank_all, blank_spans, paired

MAX_VALUES = 1_000  # numbers taken from one assignment: a worked example's, not a data set's
_NUMBER = r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?"
_ASSIGN = re.compile(r"(?<![\w.\[])(?P<name>[A-Za-z][A-Za-z0-9_]{0,7})\s*=(?!=)\s*"
                     r"(?:(?:np|numpy|torch)\s*\.\s*(?:array|tensor|asarray)\s*\(\s*)?"
                     rf"(?P<value>\[[\d\s.,eE+\-\[\]]*\]|{_NUMBER}(?![\w.]))")
_LATEX_CODE = re.compile(r"\\begin\{(verbatim\*?|lstlisting|minted)\}(?:\{[^{}]*\})?")
_VERB = re.compile(r"\\verb\*?([^A-Za-z\s*])([^\n]*?)\1")


def code_spans(notes: str, latex: bool) -> list[tuple[int, str]]:
    """(offset, text) of each piece of code the notes show a reader."""
    if latex:
        shown = blank_all(COMMENT, notes)
        # each environment with the first end after it, in one scan however many are never closed (paired)
        out = [(begin.end(), shown[begin.end():end.start()])
               for begin, end in paired(shown, _LATEX_CODE, lambda m: _end_of(m.group(1)))]
        return sorted(out + [(m.start(2), m.group(2)) for m in _VERB.finditer(shown)])
    shown = blank_spans(notes, [(s.start(), e.end()) for s, e in paired(notes, _HTML_COMMENT, lambda _: re.compile("-->"))])
    out, open_fence = [], None
    for line in _FENCE.finditer(shown):
        if open_fence is None:
            open_fence = line
        elif line["fence"][0] == open_fence["fence"][0] and len(line["fence"]) >= len(open_fence["fence"]):
            if open_fence["info"].strip().lower() != "math":
                out.append((open_fence.end(), shown[open_fence.end():line.start()]))
            open_fence = None
    starts = [start for start, _ in out]  # in order, not overlapping
    ends = [start + len(text) for start, text in out]

    def fenced(pos: int) -> bool:
        k = bisect_right(starts, pos) - 1
        return k >= 0 and pos < ends[k]
    out += [(m.start(), m.group()) for m in _INLINE_CODE.finditer(shown) if not fenced(m.start())]
    return sorted(out)


_BARE_POINT = re.compile(r"(?<![\d.])(\d*)\.(\d*)(?![\d.])")


def _numbers(value: str):
    """The number or (nested, rectangular) list of numbers, each as written; None for anything else."""
    # Python's 1. and .5 (NumPy code writes floats so), which JSON does not read: 1.0 and 0.5
    value = _BARE_POINT.sub(lambda m: f"{m[1] or '0'}.{m[2] or '0'}", value)
    try:
        parsed = json.loads(value, parse_float=str, parse_int=str)
    except ValueError:
        return None
    shape, level = [], parsed
    while isinstance(level, list):
        if not level:
            return None
        shape.append(len(level))
        level = level[0]
    if not shape:
        return parsed if isinstance(parsed, str) else None
    if len(shape) > 4 or prod(shape) > MAX_VALUES:
        return None
    for index in product(*(range(n) for n in shape)):
        entry = parsed
        for depth, k in enumerate(index):
            if not isinstance(entry, list) or len(entry) != shape[depth]:
                return None
            entry = entry[k]
        if not isinstance(entry, str):
            return None
    return parsed, tuple(shape)


def given_in_code(notes: str, latex: bool, base: int) -> list[tuple[int, str]]:
    """(offset, claim) for each number the notes' code sets: "w_{0} = 2" for w = [2, ...] in 0-based notes."""
    out = []
    for start, text in code_spans(notes, latex):
        for found in _ASSIGN.finditer(text):
            read = _numbers(found["value"])
            if read is None:
                continue
            if isinstance(read, str):
                out.append((start + found.start(), f"{found['name']} = {read}"))
                continue
            values, shape = read
            for index in product(*(range(n) for n in shape)):
                entry = values
                for k in index:
                    entry = entry[k]
                where = ",".join(str(k + base) for k in index)
                out.append((start + found.start(), f"{found['name']}_{{{where}}} = {entry}"))
    return out
