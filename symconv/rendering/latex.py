"""LaTeX of derived entries in the order people write them, and sums broken into lines that fit."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Mapping

from sympy import Add, And, Basic, Mul, Symbol, factor_terms, true
from sympy.core.relational import GreaterThan, LessThan, StrictGreaterThan, StrictLessThan
from sympy.printing.latex import LatexPrinter

FACTOR_SEP = r"\,"


class SymconvLatexPrinter(LatexPrinter):
    """SymPy's LaTeX printer with symconv's names and term order.

    Terms of a sum are ordered by the row-major index of their symbols (x_{1,2} before x_{1,10}),
    factors of a product by role (upstream gradient, then input, then kernel), so that the sum reads
    as a teacher writes it rather than in SymPy's internal order.
    """

    def __init__(self, names: Mapping[Symbol, str], order: Mapping[Symbol, tuple], constants: Mapping = {}):
        super().__init__()
        self._names = names
        self._order = order
        self._constants = dict(constants)  # exact numbers printed by their letter: a normalization's epsilon

    def _key(self, expr: Basic) -> tuple:
        if expr in self._order:
            return (self._order[expr],)
        factors = expr.args if expr.is_Mul else ()
        if factors and all(f in self._order for f in factors):
            return tuple(sorted(self._order[f] for f in factors))
        # Anything else (e^2 / 11, t log p) by its symbols' written order: e_2 before e_10.
        known = sorted(self._order[s] for s in expr.free_symbols if s in self._order)
        return (*known, (99,), str(expr)) if known else ((99,), str(expr))

    def _print_Symbol(self, expr: Symbol, style: str = "plain") -> str:
        name = self._names.get(expr)
        return name if name is not None else super()._print_Symbol(expr, style)

    def _print_Mul(self, expr) -> str:
        if all(f in self._names for f in expr.args):
            return FACTOR_SEP.join(self._names[f] for f in sorted(expr.args, key=self._order.__getitem__))
        coef, rest = expr.as_coeff_Mul()
        if coef.is_Rational and not coef.is_Integer and rest.is_Symbol and rest in self._names:
            # (1/4) dL/da, not a fraction whose numerator is itself a fraction.
            sign = "-" if coef < 0 else ""
            return rf"{sign}\tfrac{{{abs(coef.p)}}}{{{coef.q}}}{FACTOR_SEP}{self._names[rest]}"
        return super()._print_Mul(expr)

    def _print_Rational(self, expr) -> str:
        letter = self._constants.get(expr)
        return letter if letter is not None else super()._print_Rational(expr)

    def _print_Add(self, expr, order=None) -> str:
        return join_terms(self.terms(expr))

    def _print_Heaviside(self, expr, exp=None) -> str:
        # Heaviside(z, 0): the derivative of relu, 0 at z = 0 as frameworks take it.
        return rf"\mathbb{{1}}\left[{self._print(expr.args[0])} > 0\right]"

    def _print_Piecewise(self, expr) -> str:
        # Max pooling's switch reads as [w_k is the first maximum of (window)], the window in written
        # (row-major) order: ties go to the first of them, as symconv and PyTorch compute it, so an
        # indicator [w_k = max(window)], which every tied maximum meets, would say more than is computed.
        parts = switch_parts(expr)
        if parts is None:  # a formula's pieces, on one line: {v if c; w otherwise} (no cases environment)
            pieces = [self._print(v) + (r" \text{ otherwise}" if c == true else rf" \text{{ if }} {self._print(c)}")
                      for v, c in expr.args]
            return r"\left\{\, " + r";\ ".join(pieces) + r" \,\right\}"
        entry, window = parts
        window = sorted(window, key=lambda s: self._order.get(s, (99, str(s))))
        shown = window if len(window) <= 4 else [window[0], None, window[-1]]
        listed = ", ".join(r"\ldots" if w is None else self._print(w) for w in shown)
        return rf"\mathbb{{1}}\left[{self._print(entry)} {FIRST_MAXIMUM} ({listed})\right]"

    def _needs_mul_brackets(self, expr, first=False, last=False) -> bool:
        # The switch is bracketed by its own \left[ \right]; SymPy parenthesizes every Piecewise.
        return False if expr.is_Piecewise and switch_parts(expr) else super()._needs_mul_brackets(expr, first, last)

    def factored_terms(self, expr: Basic) -> list[str]:
        """The terms of a sum as a course writes them: where at least three terms share a factor (a
        normalization's (sigma^2 + epsilon)^{-3/2}, the 1/m of a mean), the factor once and those terms in
        brackets, "c \\bigl(t_1 + t_2 + ...\\bigr)", the largest such group first; the brackets' terms
        still break into lines. A sum with no shared factor is `terms`."""
        if not expr.is_Add or len(expr.args) <= 2:
            return self.terms(expr)
        left, out = list(expr.args), []
        while left:
            counts: dict = {}
            for term in left:
                for f in set(Mul.make_args(term)):
                    if not f.is_number:
                        counts[f] = counts.get(f, 0) + 1
            shared = max(counts.items(), key=lambda kv: (kv[1], -len(str(kv[0])), str(kv[0])), default=(None, 0))
            common = factor_terms(Add(*left)) if len(left) > 2 else None
            if common is not None and self._bracketed(common):
                out += self._bracketed(common)  # one factor shared by all of them (a number too)
                break
            if shared[1] < 3:
                out += self.terms(Add(*left)) if len(left) > 1 else [self._print(left[0])]
                break
            group = [t for t in left if shared[0] in Mul.make_args(t)]
            left = [t for t in left if shared[0] not in Mul.make_args(t)]
            grouped = self._bracketed(factor_terms(Add(*group)))
            out += grouped or self.terms(Add(*group))
        return out

    def _bracketed(self, product: Basic) -> list[str]:
        """A product c (t_1 + ... + t_n) of n > 2 terms as ["c \\bigl(t_1", ..., "t_n\\bigr)"]; [] for
        anything else, or for c = 1 or -1."""
        if not product.is_Mul:
            return []
        sums = [f for f in product.args if f.is_Add]
        rest = Mul(*[f for f in product.args if not f.is_Add])
        if len(sums) != 1 or len(sums[0].args) <= 2 or rest in (1, -1):
            return []
        inner = self.terms(sums[0])
        return [rf"{self._print(rest)} \bigl({inner[0]}", *inner[1:-1], rf"{inner[-1]}\bigr)"]

    def terms(self, expr: Basic) -> list[str]:
        """The LaTeX of each term of a sum, in written order (one term for anything else)."""
        if not expr.is_Add:
            return [self.doprint(expr)]
        out = []
        for term in sorted(expr.args, key=self._key):
            text = self._print(term)
            out.append(f"\\left({text}\\right)" if term.is_Add else text)
        return positive_first(out)


_INEQUALITIES = (StrictGreaterThan, GreaterThan, StrictLessThan, LessThan)
# How the switch's condition is written between its entry and its window (check reads it back).
FIRST_MAXIMUM = r"\text{ is the first maximum of }"


def switch_parts(expr) -> tuple[Basic, set] | None:
    """(w_k, the window's entries) of a switch Piecewise((1, w_k > w_1 & ... & w_k >= w_n), (0, True)),
    else None: w_k is the greater side of every inequality."""
    if len(expr.args) != 2 or expr.args[0].expr != 1 or expr.args[1] != (0, true):
        return None
    cond = expr.args[0].cond
    inequalities = cond.args if isinstance(cond, And) else (cond,)
    if not all(isinstance(r, _INEQUALITIES) and r.lhs.is_Symbol and r.rhs.is_Symbol for r in inequalities):
        return None
    if len({r.gts for r in inequalities}) != 1:
        return None
    entry = inequalities[0].gts
    return entry, {entry} | {r.lts for r in inequalities}


def signed(terms: list[str]) -> bool:
    """Whether any term is printed with a leading minus (one search of the joined text: sums of
    hundreds of terms are checked thousands of times)."""
    return ("\0" + "\0".join(terms)).find("\0-") >= 0


def positive_first(terms: list[str]) -> list[str]:
    """The terms with the first one not printed with a minus moved to the front, as people write a sum:
    p_1 - t_1 and 1 - a, not -t_1 + p_1 and -a + 1 (the others keep their order)."""
    if not terms or not terms[0].startswith("-"):
        return terms
    lead = next((n for n, term in enumerate(terms) if not term.startswith("-")), None)
    return terms if lead is None else [terms[lead]] + terms[:lead] + terms[lead + 1:]


def join_terms(terms: list[str]) -> str:
    """Terms joined into a sum: "a + b", but "a - b" for a term printed with a leading minus."""
    if not signed(terms):
        return " + ".join(terms)
    out = ""
    for n, term in enumerate(terms):
        negative = term.startswith("-")
        body = term[1:].lstrip() if negative else term
        out += (("-" if negative else "") + body) if n == 0 else ((" - " if negative else " + ") + body)
    return out


_COMMAND = re.compile(r"\\([A-Za-z]+|.)")
_BRACE = re.compile(r"[{}]")


def _read_group(text: str, start: int) -> tuple[str, int]:
    """The brace group or single token at text[start:], and the index after it."""
    if text[start] == "{":
        close = text.find("}", start + 1)
        if close >= 0 and text.find("{", start + 1, close) < 0:  # no group inside: the first } closes it
            return text[start + 1 : close], close + 1
        depth = 0
        for brace in _BRACE.finditer(text, start):
            depth += 1 if brace.group() == "{" else -1
            if depth == 0:
                return text[start + 1 : brace.start()], brace.end()
        return text[start + 1 :], len(text)
    match = _COMMAND.match(text, start)
    end = match.end() if match else start + 1
    return text[start:end], end


@lru_cache(maxsize=1 << 16)
def width(text: str) -> float:
    r"""A rough printed width in em of a LaTeX math fragment (scripts at 0.7, \frac as its wider part).

    Only needs to err on the wide side, so that lines broken by it never overflow.
    """
    total, pos = 0.0, 0
    while pos < len(text):
        ch = text[pos]
        if ch in "^_":
            # A superscript and a subscript stack: together they are as wide as the wider one.
            group, pos = _read_group(text, pos + 1)
            script = width(group)
            if pos < len(text) and text[pos] in "^_" and text[pos] != ch:
                group, pos = _read_group(text, pos + 1)
                script = max(script, width(group))
            total += 0.7 * script
        elif ch == "{" or ch == "}":
            pos += 1
        elif ch == "\\":
            match = _COMMAND.match(text, pos)
            name, pos = match.group(1), match.end()
            if name in ("frac", "tfrac", "dfrac"):
                num, pos = _read_group(text, pos)
                den, pos = _read_group(text, pos)
                total += max(width(num), width(den)) + 0.3
            elif name in (",", ";", ":", "!", " "):
                total += 0.2
            elif name in ("left", "right"):
                total += 0.1
            elif name in ("mathit", "mathrm", "operatorname", "hat", "bar", "tilde", "widehat", "widetilde", "vec"):
                group, pos = _read_group(text, pos)  # an accent sets no wider than what it is over
                total += width(group)
            elif name == "quad":
                total += 1.0
            else:
                total += 0.7
        elif ch == " ":
            pos += 1
        elif ch in "+-=":
            total += 1.3
            pos += 1
        elif ch in ",.;":
            total += 0.3
            pos += 1
        elif ch in "()[]":  # narrower than a letter: 0.39 em in Computer Modern
            total += 0.39
            pos += 1
        elif ch.isdigit():  # 0.5 em
            total += 0.5
            pos += 1
        else:
            total += 0.55
            pos += 1
    return total


def _greedy(widths: tuple[float, ...], room: float) -> list[int]:
    """Where each line starts when lines are filled as far as they go."""
    starts, used = [0], 0.0
    for n, w in enumerate(widths):
        if n > starts[-1] and used + w > room:
            starts.append(n)
            used = 0.0
        used += w
    return starts


@lru_cache(maxsize=1 << 12)
def line_starts(widths: tuple[float, ...], room: float) -> tuple[int, ...]:
    """Where each line of a sum starts, its terms (each with its ' + ') `widths` em wide and lines at
    most `room` em: greedy filling finds how many lines are needed; the terms are then spread evenly
    over that many lines (no lonely last term), unless an even spread would overflow a line.

    Cached: the entries of a layer's tensor repeat a few patterns of widths (their indices' digits),
    and a large layer has hundreds of thousands of entries."""
    starts = _greedy(widths, room)
    lines = len(starts)
    per_line = -(-len(widths) // lines)
    even = range(0, len(widths), per_line)
    if len(even) == lines and all(sum(widths[a : a + per_line]) <= room for a in even):
        return tuple(even)
    return tuple(starts)


def break_lines(terms: list[str], room: float, widths: list[float] | None = None) -> list[str]:
    """Join terms with ' + ' into lines no wider than `room` em, as evenly filled as possible (see
    line_starts). `widths`, when known, saves measuring each term again."""
    if not terms:
        return ["0"]
    widths = tuple(width(t) + 1.3 for t in terms) if widths is None else tuple(w + 1.3 for w in widths)
    return joined_lines(terms, line_starts(widths, room), signed(terms))


def joined_lines(terms: list[str], starts: tuple[int, ...], minus: bool = False) -> list[str]:
    """The terms joined into lines starting at `starts`; continuation lines carry their own leading
    operator: "+ ..." or "- ..." (`minus`: whether any term is printed with a leading minus)."""
    ends = starts[1:] + (len(terms),)
    lines = []
    for a, b in zip(starts, ends):
        text = join_terms(terms[a:b]) if minus else " + ".join(terms[a:b])
        if a > 0:
            text = "- " + text[1:] if text.startswith("-") else "+ " + text
        lines.append(text)
    return lines
