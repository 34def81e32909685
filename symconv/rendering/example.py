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


PLACES = 3  # a decimal's places in the documents


def number(value, places: int = PLACES) -> str:
    """A value as LaTeX: 3, -2, \\frac{1}{4}; a decimal (Float) in one format, rounded to three places
    (`places`), 0.100, 0.610, -1.800; a decimal that is exactly zero prints 0, while one that rounds to zero
    keeps its places (0.000: it was rounded)."""
    if value.is_Float:
        if value.is_zero:
            return "0"
        text = f"{float(value):.{places}f}"
        return f"{0:.{places}f}" if text.startswith("-") and float(text) == 0 else text
    return latex(value)


def rounded(*values) -> bool:
    """Whether any of the values is a decimal, printed rounded."""
    return any(v is not None and v.is_Float for v in values)


def factor(value, places: int = PLACES) -> str:
    """A factor of a product: a negative number in parentheses."""
    text = number(value, places)
    return f"({text})" if text.startswith("-") else text


def _matrix(values, rows: int, cols: int, places: int = PLACES) -> str:
    body = r" \\ ".join(" & ".join(number(values[i * cols + j], places) for j in range(cols)) for i in range(rows))
    # In braces: an aligned line's cells are split at each & and line break outside every brace (mathml.py).
    return rf"{{\begin{{bmatrix}} {body} \end{{bmatrix}}}}"


def _name_width(name: str) -> float:
    """A name's width in em; a fraction dL/dX sets no wider than its denominator."""
    return 2.5 if name.startswith(r"\frac") else width(name)


def _matrix_width(values, cols: int, places: int = PLACES) -> float:
    """About how wide a matrix of these numbers sets, in em: its columns and its brackets."""
    # A digit sets 0.5 em, a decimal point 0.28 em, a minus sign 0.78 em; columns are 0.9 em apart.
    def em(v) -> float:
        text = number(v, places)
        return 0.5 * len(text.lstrip("-").replace(".", "")) + 0.28 * ("." in text) + (0.78 if v < 0 else 0.0)
    return sum(max(em(v) for v in values[j::cols]) + 0.9 for j in range(cols)) + 1.0  # each column its widest


def tenths(tensor: Values) -> bool:
    """Whether a given tensor's decimals are all tenths exactly (the parameters a softmax reads): shown so, 0.1."""
    floats = [v for v in tensor.values if v.is_Float]
    return bool(floats) and all(exact(float(v), 1) is not None for v in floats)


def displays(tensor: Values, name, places: int = PLACES) -> list[tuple[str, float]]:
    """The tensor's numbers as `name = matrix` displays with their widths in em, one per channel (pair):
    X^{(1)} = [...]; a vector as a row transposed; a single number as itself. `name(channel)` writes
    the tensor's name."""
    shape, values = tensor.shape, tensor.values
    if prod(shape) == 1:
        return [(f"{name('')} = {number(values[0], places)}", _name_width(name("")) + 3.0)]
    if len(shape) == 1:
        return [(rf"{name('')} = {_matrix(values, 1, shape[0], places)}^{{\mathsf{{T}}}}",
                 _name_width(name("")) + 2.0 + _matrix_width(values, shape[0], places))]
    lead, (h, w) = shape[:-2], shape[-2:]
    out = []
    for index in product(*(range(n) for n in lead)):
        start = 0
        for i, n in zip(index, lead):
            start = start * n + i
        channel = "" if prod(lead) == 1 else "(" + ",".join(str(i + 1) for i in index) + ")"
        part = values[start * h * w:(start + 1) * h * w]
        out.append((f"{name(channel)} = {_matrix(part, h, w, places)}",
                    _name_width(name(channel)) + 2.0 + _matrix_width(part, w, places)))
    return out


def _gradient(name: str) -> str:
    return rf"\frac{{\partial L}}{{\partial {name}}}"


def lines(example: Example, whole: dict[str, tuple[str, str]], room: float,
          places_of: dict[str, int] | None = None) -> tuple[list[str], list[str]]:
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

    def aligned(tensors, given: bool = False) -> list[str]:
        """Side by side while they fit in `room` em, a new line after that; given tenths as tenths (0.1)."""
        out, line, used = [], [], 0.0
        for tensor in tensors:
            shown = 1 if given and tenths(tensor) else (places_of or {}).get(tensor.name, PLACES)
            for text, em in displays(tensor, namer(tensor), shown):
                if line and used + em + 2.0 > room:
                    out.append("&" + r", \quad ".join(line))
                    line, used = [], 0.0
                line.append(text)
                used += em + 2.0
        return out + (["&" + r", \quad ".join(line)] if line else [])

    return aligned(example.given, given=True), aligned(example.derived)


def factor_places(example: Example, nonzero: bool) -> dict[str, int]:
    """The places each derived tensor is printed at: three, or more where a worked entry shows one of its values as a
    factor to more places (so that a reader gets the worked result from printed numbers, review r8 defect 4)."""
    out: dict[str, int] = {}
    for at, tensor in enumerate(example.derived):
        if not tensor.terms or (len(tensor.terms) == 1 and tensor.terms[0][1] is None):
            continue
        pairs = tuple(tensor.terms[n] for n in shown_terms(tensor, nonzero))
        places = shown_places(pairs, tensor.values[tensor.worked])
        if places <= PLACES:
            continue
        factors = {v for pair in pairs for v in pair if v is not None and v.is_Float and _short(v) is None}
        for other in example.derived[:at]:  # a factor comes from a tensor computed before the entry it works
            if factors & set(other.values):
                out[other.name] = max(out.get(other.name, PLACES), places)
    return out


def shown_places(terms, value) -> int:
    """The fewest places, from three, at which the terms' factors, each rounded as shown, give the value as
    shown (0.051 * 13 = 0.663 would not give 0.661: 0.0508 * 13 does): the line reads right."""
    from decimal import Decimal

    def shown(v, places):
        return Decimal(number(v, places)) if v.is_Float else Decimal(str(float(v)))
    if not rounded(value, *(v for pair in terms for v in pair)) or not all(
            v is None or v.is_Float or v.is_Integer for pair in terms for v in pair):
        return PLACES
    want = Decimal(number(value)) if value.is_Float else Decimal(str(float(value)))
    for places in range(PLACES, 9):  # and no factor that is not 0 shown as 0.000
        visible = all(shown(v, places) != 0 for pair in terms for v in pair if v is not None and not v.is_zero)
        got = sum(shown(a, places) * (1 if b is None else shown(b, places)) for a, b in terms)
        if visible and round(got, PLACES) == round(want, PLACES):
            return places
    return PLACES


def exact(value: float, most: int = 2) -> str | None:
    """A number that is whole, or a number of tenths (up to `most` places: hundredths), written exactly as it is
    (2, -1.8, 0.25), a float's rounding noise aside; None for any other number (it is shown rounded)."""
    for places in range(most + 1):
        text = f"{value:.{places}f}"
        if abs(float(text) - value) < 1e-12 * max(1.0, abs(value)):
            return "0" if float(text) == 0 else text
    return None


def _short(value) -> str | None:
    """A decimal (Float) as exact() writes it, a whole number or a fraction as itself."""
    return exact(float(value)) if value.is_Float else number(value)


def _factor_shown(value, places: int) -> str:
    """A factor as shown: exactly when it is a few tenths (0.1), else rounded to `places`; negative in parentheses."""
    text = _short(value) if value.is_Float else None
    if text is None:
        return factor(value, places)
    return f"({text})" if text.startswith("-") else text


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
    lhs = labels[tensor.name][tensor.worked]
    value = tensor.values[tensor.worked]
    kept = shown_terms(tensor, nonzero)
    pairs = tuple(tensor.terms[n] for n in kept)
    places = shown_places(pairs, value)
    # a term standing alone among products (a bias) is said to be one: 0 + 0 \cdot 0 would leave the 0 unexplained;
    # in words, not \underbrace{0}_{b^{[1]}_{2}}, whose depth moves a page's worth of lines (the CNN's ninth page)
    # (review r7 defect 14: no words inside the formula; the sentence before the worked entries says a lone term is
    # the bias)
    terms = [_factor_shown(a, places)
             if b is None else rf"{_factor_shown(a, places)} \cdot {_factor_shown(b, places)}"
             for n, (a, b) in zip(kept, pairs)]
    broken = break_lines(terms, room - width(lhs))
    factors = [v for pair in pairs for v in pair if v is not None]
    if all(_short(v) is not None for v in (value, *factors)):  # tenths times whole numbers: exact as shown
        broken[-1] += f" = {_short(value)}"
    else:
        equal = r"\approx" if rounded(value, *factors) else "="
        broken[-1] += f" {equal} {number(value)}"
    return [f"{lhs} &= {broken[0]}"] + [rf"&\quad {line}" for line in broken[1:]]


def _plain(value: float) -> str:
    """A short decimal as an exponent or a factor is written: 2.2, 0.8, -1 (three places at most, no trailing 0)."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _agreeing(value: float, rest) -> int:
    """The places (3, else more) at which the rounded factors `rest(places)` give `value` to three places."""
    for places in (3, 4, 5, 6):
        if f"{rest(places):.3f}" == f"{value:.3f}":
            return places
    return 6


def network_steps(derivation, example: Example, arrays: dict, labels: dict[str, tuple[str, ...]]) -> dict[str, list[str]]:
    """The worked line of a softmax with cross-entropy, by the loss's name: the first probability, the loss and the
    softmax's input gradient p_1 - t_1, on one line (the CNN's eight pages hold one more line, not three). Each number
    is the example's (a decimal of 30 digits) and agrees with `arrays`, the network computed by each kind's NumPy
    code, before it is written; a factor rounded to three places that would not give the result to three places is
    shown to as many as it needs."""
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
        powers = [f"e^{{{_plain(v)}}}" for v in f]
        line = rf"{labels[record.output][0]} &= {powers[0]} / ({' + '.join(powers)}) \approx {number(p[0])}"
        loss = values[record.params["L"]][0]
        assert check(loss, -sum(a * math.log(float(b)) for a, b in zip(t, p)))
        assert check(loss, np.asarray(arrays[record.params["L"]]).reshape(-1)[0])
        # in the probabilities' own names, just worked out (a rounded probability would move its logarithm more than a
        # rounded factor moves a product); the terms whose target entry is 0 left out, as a worked sum's terms that are 0
        dot = r" \cdot "
        shown = " - ".join(("" if a == 1 else _plain(a) + dot) + rf"\log {labels[record.output][k]}"
                           for k, a in enumerate(t) if a != 0)
        line += rf", \quad L = -{shown} \approx {number(loss)}"
        name = f"dL/d{record.input}"
        if name in values:
            delta = values[name][0]
            assert check(delta, float(p[0]) - t[0]) and check(delta, np.asarray(arrays[name]).reshape(-1)[0])
            places = _agreeing(float(delta), lambda n: round(float(p[0]), n) - t[0])
            lhs = re.sub(r"\\frac\{\\partial L\}\{\\partial (.*)\}$", r"\\partial L / \\partial \1", labels[name][0])
            line += rf", \quad {lhs} = {float(p[0]):.{places}f} - {_plain(t[0])} \approx {number(delta)}"
        out[record.params["L"]] = [line]
    return out
