"""Formulas written in plain text, in code: `dL/dw11 = g11*x11 + g12*x12`, `y[1][2] = w[1][1]*x[1][2] + b`,
`yij = sum over a,b of wab * x(i+a-1)(j+b-1)`. Many students write their derivations so, without LaTeX.

A line of code is read as a claim when it states the value of one entry (its left-hand side is an entry or
the loss's derivative by one: y11, x[0][1], dL/dw12) in the arithmetic of plain text (names, numbers,
+ - * / ^ and parentheses, sums written "sum over a,b of ...", the usual functions). It is rewritten in the
notation the grader reads and judged as that claim. A line of a program (an assignment of arrays, a call of a
library, a loop, anything with attributes or keywords) is not a formula and is left alone: code is read,
never run.
"""

from __future__ import annotations

import re

from .code import code_spans

MAX_LINE = 400  # characters: a formula, not generated text
_FUNCTIONS = {"exp": r"\exp", "log": r"\log", "ln": r"\ln", "tanh": r"\tanh", "sigma": r"\sigma",
              "sigmoid": r"\sigma", "max": r"\max", "min": r"\min", "relu": r"\operatorname{relu}"}
# a program, not a formula: keywords, libraries, attributes, indexing with slices, comparisons, assignments by operator
_PROGRAM = re.compile(r"\b(?:def|for|in|import|from|return|lambda|np|numpy|torch|print|range|if|else|while|self|"
                      r"zeros|ones|shape|axis|dot|sum\s*\()\b|[@:{}\"'#;]|(?<=[A-Za-z_)\]])\.[A-Za-z_]|\+=|-=|\*=|/=|==|!=|<=|>=")
_ALLOWED = re.compile(r"[A-Za-z0-9_\s+\-*/^().,\[\]=]+")
_WORDS = {"sum", "over", "of", "and", "for", "all", "the", "with", "where", "is", "are", "max", "min", "exp", "log",
          "ln", "tanh", "relu", "sigma", "sigmoid"}
_SUM = re.compile(r"\bsum\s+over\s+([a-z](?:\s*,\s*[a-z])*)\s+of\s+")
_SUM_SUB = re.compile(r"(?<!\\)\bsum_\{?([a-z](?:\s*,\s*[a-z])*)\}?\s+")
_DERIVATIVE = re.compile(r"\bd([A-Z])\s*/\s*d(?P<entry>[A-Za-z](?:\w*)(?:\[[^\]]*\])*(?:\([^()]*\))*)")
_BRACKETS = re.compile(r"\b([A-Za-z])((?:\[[^\[\]]+\])+)")
_CALLED = re.compile(r"\b([A-Za-z])((?:\((?:[^()]*[a-z+\-][^()]*)\))+)")  # x(2i-2+a)(2j-2+b): an entry's indices
_DIGITS = re.compile(r"\b([A-Za-z])(\d{1,3})\b")
_LETTERS = re.compile(r"\b([A-Za-z])([ijklmnpqrsabcuv]{2})\b")  # yij, wab: a letter and two index letters


def plain_claims(notes: str, latex: bool) -> list[tuple[int, str, str]]:
    """(offset, claim in the grader's notation, the line as written) for each line of the notes' code that
    states an entry's value."""
    out = []
    for start, text in code_spans(notes, latex):
        offset = start
        for line in text.split("\n"):
            claim = _formula(line)
            if claim is not None:
                out.append((offset + len(line) - len(line.lstrip()), claim, line.strip().strip("`").strip()))
            offset += len(line) + 1
    return out


def _formula(line: str) -> str | None:
    text = line.strip().strip("`").strip()
    if "=" not in text or len(text) > MAX_LINE or _PROGRAM.search(text) or not _ALLOWED.fullmatch(text):
        return None
    sides = [side.strip() for side in text.split("=")]
    if any(not side for side in sides) or not _entry(sides[0]):
        return None
    return " = ".join(_latex(side) for side in sides)


def _entry(side: str) -> bool:
    """Whether a left-hand side names one entry (y11, x[0][1], yij, dL/dw12): never a whole array (dW = ...)."""
    side = side.strip()
    found = _DERIVATIVE.fullmatch(side)
    if found:
        side = found["entry"]
    return bool(_DIGITS.fullmatch(side) or _BRACKETS.fullmatch(side) or _CALLED.fullmatch(side)
                or _LETTERS.fullmatch(side) and side.lower() not in _WORDS)


def _indices(groups: str) -> str:
    parts = re.findall(r"[\[(]([^\[\]()]+)[\])]", groups)
    return ",".join(part.strip() for part in ",".join(parts).split(","))


def _latex(side: str) -> str:
    side = _SUM.sub(lambda m: rf"\sum_{{{m[1].replace(' ', '')}}} ", side)
    side = _SUM_SUB.sub(lambda m: rf"\sum_{{{m[1].replace(' ', '')}}} ", side)
    side = _DERIVATIVE.sub(lambda m: rf"\frac{{\partial {m[1]}}}{{\partial {_entries(m['entry'])}}}", side)
    side = _entries(side)
    side = re.sub(r"\*\*", "^", side)
    side = side.replace("*", r" \cdot ")
    for name, command in _FUNCTIONS.items():
        side = re.sub(rf"(?<![\\A-Za-z]){name}\s*\(", lambda _, command=command: f"{command}(", side)
    return " ".join(side.split())


def _entries(text: str) -> str:
    """Each entry written in plain text as the grader writes it: x[1][2], x[1,2], x(i+1)(j), x12, yij -> x_{...}."""
    text = _BRACKETS.sub(lambda m: f"{m[1]}_{{{_indices(m[2])}}}", text)
    text = _CALLED.sub(lambda m: f"{m[1]}_{{{_indices(m[2])}}}" if m[1] not in ("d",) else m[0], text)
    text = _DIGITS.sub(lambda m: f"{m[1]}_{{{m[2]}}}", text)
    return _LETTERS.sub(lambda m: m[0] if m[0].lower() in _WORDS else f"{m[1]}_{{{m[2]}}}", text)
