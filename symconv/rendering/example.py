"""The worked example as the documents show it: the given numbers, every derived tensor's numbers, and
the first entry of each sum worked out term by term."""

from __future__ import annotations

import re
from itertools import product
from math import prod

import numpy as np
from sympy import latex

from ..example import Example, Values
from ..symbols import latex_base
from ..words import matrix_name
from .latex import break_lines, width


PLACES = 4  # a decimal's places in the documents: the one rounding rule (ROUNDING), everywhere a number is shown
# The rule, stated once, in the worked example's words before its first rounded number (review r15 item 5: the CNN's
# numbers were rounded to three, four or five places, a worked factor to the places its product needed).
ROUNDING = "decimals that are not exact are rounded to four places, each from unrounded values"


def decimal(value: float) -> str:
    """A decimal as the documents show it: exactly where it is whole or a few tenths or hundredths (0.1, 2.2, -1.8,
    0.25), else rounded to PLACES places, half to even on its exact value (0.5896, -0.0530); one that rounds to zero
    keeps its places (0.0000: it was rounded)."""
    short = exact(float(value))
    if short is not None:
        return short
    text = f"{float(value):.{PLACES}f}"
    return f"{0:.{PLACES}f}" if text.startswith("-") and float(text) == 0 else text


def number(value) -> str:
    """A value as LaTeX: 3, -2, \\frac{1}{4}; a decimal (Float) as decimal() shows it: 0.1, 0.5896; a decimal that is
    exactly zero prints 0."""
    if value.is_Float:
        return "0" if value.is_zero else decimal(float(value))
    return latex(value)


def slashed(label: str) -> str:
    """A gradient's label as a worked line's left side writes it: \\partial L / \\partial x_{3,3}, not a fraction (a
    column of fractions set the worked lines a third taller, review r15 item 7)."""
    return re.sub(r"^\\frac\{\\partial L\}\{\\partial (.*)\}$", r"\\partial L / \\partial \1", label)


def rounded(*values) -> bool:
    """Whether any of the values is a decimal that is shown rounded (not exact)."""
    return any(v is not None and v.is_Float and exact(float(v)) is None for v in values)


def factor(value) -> str:
    """A factor of a product: a negative number in parentheses."""
    text = number(value)
    return f"({text})" if text.startswith("-") else text


def _matrix(values, rows: int, cols: int) -> str:
    body = r" \\ ".join(" & ".join(number(values[i * cols + j]) for j in range(cols)) for i in range(rows))
    # In braces: an aligned line's cells are split at each & and line break outside every brace (mathml.py).
    return rf"{{\begin{{bmatrix}} {body} \end{{bmatrix}}}}"


def _name_width(name: str) -> float:
    """A name's width in em; a fraction dL/dX sets no wider than its denominator."""
    return 2.5 if name.startswith(r"\frac") else width(name)


def _matrix_width(values, cols: int) -> float:
    """About how wide a matrix of these numbers sets, in em: its columns and its brackets."""
    # A digit sets 0.5 em, a decimal point 0.28 em, a minus sign 0.78 em; columns are 0.9 em apart.
    def em(v) -> float:
        text = number(v)
        return 0.5 * len(text.lstrip("-").replace(".", "")) + 0.28 * ("." in text) + (0.78 if v < 0 else 0.0)
    return sum(max(em(v) for v in values[j::cols]) + 0.9 for j in range(cols)) + 1.0  # each column its widest


def displays(tensor: Values, name) -> list[tuple[str, float]]:
    """The tensor's numbers as `name = matrix` displays with their widths in em, one per channel (pair):
    X^{(1)} = [...]; a vector as a row transposed; a single number as itself. `name(channel)` writes
    the tensor's name."""
    shape, values = tensor.shape, tensor.values
    if prod(shape) == 1:
        return [(f"{name('')} = {number(values[0])}", _name_width(name("")) + 3.0)]
    if len(shape) == 1:
        return [(rf"{name('')} = {_matrix(values, 1, shape[0])}^{{\mathsf{{T}}}}",
                 _name_width(name("")) + 2.0 + _matrix_width(values, shape[0]))]
    lead, (h, w) = shape[:-2], shape[-2:]
    out = []
    for index in product(*(range(n) for n in lead)):
        start = 0
        for i, n in zip(index, lead):
            start = start * n + i
        channel = "" if prod(lead) == 1 else "(" + ",".join(str(i + 1) for i in index) + ")"
        part = values[start * h * w:(start + 1) * h * w]
        out.append((f"{name(channel)} = {_matrix(part, h, w)}",
                    _name_width(name(channel)) + 2.0 + _matrix_width(part, w)))
    return out


def _gradient(name: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def lines(example: Example, whole: dict[str, tuple[str, str]], room: float) -> tuple[list[str], list[str]]:
    """Align lines of the given tensors and of the derived ones; `whole` maps a tensor's name (X, K, Y)
    to the letter and layer superscript its entries are written with (x and "", a and "[2]"); a
    gradient dL/dX is the fraction of its tensor's name."""
    def namer(tensor: Values):
        gradient = tensor.name.startswith("dL/d")
        letter, sup = whole[tensor.name[4:] if gradient else tensor.name]

        def name(channel: str) -> str:
            if len(tensor.shape) >= 2:  # a matrix (per channel): its capital, X
                text = matrix_name(letter, sup + channel)
            else:  # a vector or a number, as its entries are written: b, a^{[3]}
                text = latex_base(letter) + (f"^{{{sup + channel}}}" if sup + channel else "")
            return _gradient(text) if gradient else text
        return name

    def aligned(tensors) -> list[str]:
        """Side by side while they fit in `room` em, a new line after that."""
        out, line, used = [], [], 0.0
        for tensor in tensors:
            for text, em in displays(tensor, namer(tensor)):
                if line and used + em + 2.0 > room:
                    out.append("&" + r", \quad ".join(line))
                    line, used = [], 0.0
                line.append(text)
                used += em + 2.0
        return out + (["&" + r", \quad ".join(line)] if line else [])

    return aligned(example.given), aligned(example.derived)


def exact(value: float, most: int = 2) -> str | None:
    """A number that is whole, or a number of tenths (up to `most` places: hundredths), written exactly as it is
    (2, -1.8, 0.25), a float's rounding noise aside; None for any other number (it is shown rounded)."""
    for places in range(most + 1):
        text = f"{value:.{places}f}"
        if abs(float(text) - value) < 1e-12 * max(1.0, abs(value)):
            return "0" if float(text) == 0 else text
    return None


def shown_terms(tensor: Values, nonzero: bool) -> list[int]:
    """The indices of a worked entry's terms that its line writes: all of them, or with `nonzero` (a network's
    example) those that are not 0, in every sum alike, whole numbers or decimals (review r14 A2: the words say
    "terms that are 0 left out", and every line keeps to it). A sum whose terms are all 0 keeps them all."""
    every = list(range(len(tensor.terms)))
    if not nonzero:
        return every
    return [n for n, pair in enumerate(tensor.terms) if not any(v is not None and v.is_zero for v in pair)] or every


def zero_terms_left_out(example: Example, nonzero: bool) -> tuple[bool, bool]:
    """Whether some worked line leaves out a term that is 0, and whether every worked line is then free of them."""
    dropped, clean = False, True
    for tensor in example.derived:
        if not tensor.terms or (len(tensor.terms) == 1 and tensor.terms[0][1] is None):
            continue
        kept = shown_terms(tensor, nonzero)
        dropped |= len(kept) < len(tensor.terms)
        clean &= not any(v is not None and v.is_zero for n in kept for v in tensor.terms[n])
    return dropped, clean


def lone_term_shown(example: Example, nonzero: bool) -> bool:
    """Whether a worked line writes a term that stands alone among products (a bias that is not left out as 0)."""
    return any(tensor.alone[n] for tensor in example.derived if tensor.terms and tensor.alone
               for n in shown_terms(tensor, nonzero))


def worked_entries(example: Example, labels: dict[str, tuple[str, ...]], room: float,
                   nonzero: bool = False, extra: dict[str, list[str]] | None = None) -> list[str]:
    """One entry of each sum, term by term with its numbers, broken into lines of at most `room` em:
    y_{1,1} = 1 \\cdot 0 + ... = 6; `labels` are each tensor's entries' left-hand sides. With `nonzero`,
    a sum leaves out its terms that are 0 (a gradient that relu or a pooling stopped, a zero bias or input).
    `extra` gives the worked lines of tensors that are no sum of products (a softmax with its loss), by name: each
    follows its tensor's place in the derivation's order."""
    out = []
    extra = extra or {}
    for tensor in example.derived:
        out += _sum_entry(tensor, labels, room, nonzero)
        out += extra.get(tensor.name, [])
    return out


def _sum_entry(tensor: Values, labels: dict[str, tuple[str, ...]], room: float, nonzero: bool) -> list[str]:
    """A tensor's worked entry as align lines, term by term; [] for one without terms (or a term that is itself)."""
    if not tensor.terms or (len(tensor.terms) == 1 and tensor.terms[0][1] is None):  # none, or itself
        return []
    lhs = slashed(labels[tensor.name][tensor.worked])
    value = tensor.values[tensor.worked]
    kept = shown_terms(tensor, nonzero)
    pairs = tuple(tensor.terms[n] for n in kept)
    # a term standing alone among products (a bias) is said to be one: 0 + 0 \cdot 0 would leave the 0 unexplained;
    # in words, not \underbrace{0}_{b^{[1]}_{2}}, whose depth moves a page's worth of lines (the CNN's ninth page)
    # (review r7 defect 14: no words inside the formula; the sentence before the worked entries says a lone term is
    # the bias)
    terms = [factor(a) if b is None else rf"{factor(a)} \cdot {factor(b)}"
             for n, (a, b) in zip(kept, pairs)]
    broken = break_lines(terms, room - width(lhs))
    factors = [v for pair in pairs for v in pair if v is not None]
    # tenths times whole numbers are exact as shown (=); a rounded factor or value makes the line approximate
    equal = r"\approx" if rounded(value, *factors) else "="
    broken[-1] += f" {equal} {number(value)}"
    return [f"{lhs} &= {broken[0]}"] + [rf"&\quad {line}" for line in broken[1:]]


def network_steps(derivation, example: Example, arrays: dict, labels: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """The worked lines of a softmax with cross-entropy, by the loss's name: the first probability and the loss on one
    line, the softmax's input gradient p_1 - t_1 on the next (the CNN's eight pages hold two lines, not three). Each number
    is the example's (a decimal of 30 digits) and agrees with `arrays`, the network computed by each kind's NumPy
    code, before it is written, as decimal() shows it (ROUNDING)."""
    import math

    values = {v.name: v.values for v in example.given + example.derived}
    out: dict[str, list[str]] = {}
    check = lambda shown, reference: math.isclose(float(shown), float(reference), rel_tol=1e-9, abs_tol=1e-9)
    for record in derivation.records:
        if not record.layer.worked_as_softmax or record.output not in values or "L" not in record.params:
            continue
        f = [float(v) for v in values[record.input]]
        p, t = values[record.output], [float(v) for v in values[record.params["t"]]]
        exps = [math.exp(v) for v in f]
        assert check(p[0], exps[0] / sum(exps)) and check(p[0], np.asarray(arrays[record.output]).reshape(-1)[0])
        powers = [f"e^{{{decimal(v)}}}" for v in f]
        line = rf"{labels[record.output][0]} &= {powers[0]} / ({' + '.join(powers)}) \approx {number(p[0])}"
        loss = values[record.params["L"]][0]
        assert check(loss, -sum(a * math.log(float(b)) for a, b in zip(t, p)))
        assert check(loss, np.asarray(arrays[record.params["L"]]).reshape(-1)[0])
        # in the probabilities' own names, just worked out (a rounded probability would move its logarithm more than a
        # rounded factor moves a product); the terms whose target entry is 0 left out, as a worked sum's terms that are 0
        dot = r" \cdot "
        shown = " - ".join(("" if a == 1 else decimal(a) + dot) + rf"\log {labels[record.output][k]}"
                           for k, a in enumerate(t) if a != 0)
        line += rf", \quad L = -{shown} \approx {number(loss)}"
        name = f"dL/d{record.input}"
        if name in values:
            delta = values[name][0]
            assert check(delta, float(p[0]) - t[0]) and check(delta, np.asarray(arrays[name]).reshape(-1)[0])
            # a row of its own, as every worked entry (a third entry on the line set it wider than the page)
            out[record.params["L"]] = [line, rf"{slashed(labels[name][0])} &= {number(p[0])} - {decimal(t[0])} "
                                             rf"\approx {number(delta)}"]
        else:
            out[record.params["L"]] = [line]
    return out
