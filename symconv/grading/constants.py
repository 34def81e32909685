"""Numbers the notes give names of their own: n = 2 outputs, m = 4 examples, \\eta = 0.5 (and the function
a notes' \\sigma stands for, when they say \\sigma = \\tanh).

A claim that only says a name the derivation does not have stands for a number ("n = 2",
"H = W = 4") gives a constant: the claims after it are read with the number in its place, except
where the name is an index (in a subscript: x_n stays the entry at index n).
"""

from __future__ import annotations

import re
from bisect import bisect_right

# a name, or one with a letter for its subscript (UFLDL's n_l = 3 layers, n_{in} = 4): never an entry x_1 = 2;
# or two or three capitals, a product named as it is written (HW = 9)
_NAME = r"(?:\\[A-Za-z]+|[A-Z]{2,3}(?![A-Za-z])|[A-Za-z])(?:_(?:\{[A-Za-z]+\}|[A-Za-z](?![A-Za-z])))?"
_GIVEN = re.compile(rf"\s*(?P<names>{_NAME}(?:\s*=\s*{_NAME})*)\s*=\s*(?P<value>-?\d+(?:\.\d+)?)\s*")
_SUBSCRIPT = re.compile(r"_\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\\[A-Za-z]+|.)", re.DOTALL)


# "\sigma = \tanh" (Ng's notes name every activation \sigma): the function the name stands for from then on
_ALIAS = re.compile(r"\s*(?P<name>\\sigma|\\varphi|\\phi)(?:\s*\(\s*\\cdot\s*\))?\s*=\s*"
                    r"(?P<value>\\tanh|\\sigma)(?:\s*\(\s*\\cdot\s*\))?\s*")


def given(text: str, known) -> dict[str, str]:
    """The constants a claim gives ({"n": "2"}), when it is only names of no value the notes know set to a
    number; {} otherwise. `known`: the names that already mean something (tensors, functions)."""
    alias = _ALIAS.fullmatch(text)
    if alias and alias["name"] != alias["value"]:
        return {alias["name"]: alias["value"]}
    found = _GIVEN.fullmatch(re.sub(r"\\(?:text|display|script|scriptscript)style\b", " ", text))
    if found is None:
        return {}
    names = [re.sub(r"_\{([A-Za-z]+)\}", r"_\1", name.strip()) for name in found["names"].split("=")]
    if any(name.split("_")[0] in known for name in names):
        return {}
    return dict.fromkeys(names, found["value"])


def _written(name: str) -> str:
    """The pattern of a constant's name as notes write it: n_l as n_l, n_{l}, n_{ l }."""
    if "_" not in name:
        return re.escape(name)
    base, sub = name.split("_", 1)
    return rf"{re.escape(base)}\s*_\s*(?:\{{\s*{re.escape(sub)}\s*\}}|{re.escape(sub)}(?![A-Za-z]))"


def _names(ordered: list[str], after: str) -> re.Pattern:
    """One pattern for the names, longest first, each its own group c0, c1, ... (the name found is ordered[k])."""
    return re.compile("|".join(rf"(?<![A-Za-z\\])(?P<c{k}>{_written(name)}){after}" for k, name in enumerate(ordered)))


_ACCENTED = re.compile(r"\\(?:hat|tilde|bar|overline|widehat|widetilde|check|breve|vec|dot|ddot|mathbf|boldsymbol|bm)"
                       r"\s*\{?\s*$")


def substitute(text: str, constants: dict[str, str]) -> str:
    """The text with each constant's name replaced by its number, outside subscripts."""
    if not constants:
        return text
    constants = {**_products(text, constants), **constants}
    ordered = sorted(constants, key=len, reverse=True)
    pattern = _names(ordered, r"(?![A-Za-z]|\s*_)")  # H_o is no H
    def number(found: re.Match) -> str:
        before = found.string[:found.start()].rstrip()
        value = constants[ordered[int(found.lastgroup[1:])]]
        if value.startswith("\\"):  # a function: \sigma'(z) as \tanh'(z)
            return value
        return f" \\cdot {value} " if before[-1:].isdigit() or before[-1:] == "." else f" {value} "

    spans = [(sub.start(), sub.end()) for sub in _SUBSCRIPT.finditer(text)]  # in order, not overlapping
    starts = [start for start, _ in spans]
    out, last = [], 0
    for found in pattern.finditer(text):  # found in the whole text: a name before its subscript (H_o) is none
        k = bisect_right(starts, found.start()) - 1
        if k >= 0 and found.start() < spans[k][1] or _ACCENTED.search(text, max(0, found.start() - 20), found.start()):
            continue  # in a subscript, or the letter of another name (\hat{y} is no y)
        out += [text[last:found.start()], number(found)]
        last = found.end()
    return _LAYER_SUM.sub(_fold, "".join(out) + text[last:])


# a layer superscript the constants made a sum of numbers: \delta^{(n_l - 1)} with n_l = 3 is \delta^{(2)}
_LAYER_SUM = re.compile(r"\^\s*\{\s*(\(?)\s*(\d+)\s*([+-])\s*(\d+)\s*(\)?)\s*\}")


def _fold(found: re.Match) -> str:
    value = int(found[2]) + (int(found[4]) if found[3] == "+" else -int(found[4]))
    return f"^{{{found[1]}{value}{found[5]}}}" if value >= 0 else found[0]


_SCRIPT = re.compile(r"_\s*(?:\{((?:[^{}]|\{[^{}]*\})*)\}|([A-Za-z]))")


_SUPERSCRIPTED = re.compile(r"\^\s*\{[^{}]*?(?<![A-Za-z\\])([A-Za-z])\s*_\s*(?:\{\s*([A-Za-z]+)\s*\}|([A-Za-z]))")


def layer_counts(notes: str) -> set[str]:
    """The names with a letter subscript the notes write in a superscript (UFLDL's a^{(n_l)}, \\delta^{(n_l - 1)}):
    a count such as n_l = 3 may be one of these, never a per-unit quantity such as \\lambda_j = 1."""
    return {f"{m[1]}_{m[2] or m[3]}" for m in _SUPERSCRIPTED.finditer(notes)}


def index_letters(notes: str) -> set[str]:
    """The letters the notes write in a subscript (b_c, x_{i+u-1}, \\sum_{c=1}): indices, never constants,
    whatever "c = 1, 2" says of their range (a sum's upper limit, ^{N}, may be one)."""
    out = set()
    notes = re.sub(r"\\right\s*\|\s*_", " ", notes)  # \right|_{x=1}: an evaluation bar's values, not indices
    # \nabla_x \ell, J_x y, \partial_w L: what a derivative is by, a name, not an index
    notes = re.sub(r"(?:\\nabla|\\partial|(?<![A-Za-z\\])J)(?:\s*\^\s*(?:\{[^{}]*\}|\S))?\s*_", " ", notes)
    for found in _SCRIPT.finditer(notes):
        out |= set(re.findall(r"(?<![A-Za-z\\])[A-Za-z](?![A-Za-z])", found[1] or found[2]))
    return out


_RUN = re.compile(r"(?<![A-Za-z\\])[A-Z]{2,3}(?![A-Za-z])")


def _products(text: str, constants: dict[str, str]) -> dict[str, str]:
    """Capitals written together whose each is a whole number the notes give: NK with N = 2 and K = 2 is 4
    (\\frac{1}{NK}, \\frac{1}{HW})."""
    out = {}
    for run in set(_RUN.findall(text)):
        if run not in constants and all(re.fullmatch(r"\d+", constants.get(letter, "")) for letter in run):
            product = 1
            for letter in run:
                product *= int(constants[letter])
            out[run] = str(product)
    return out


def in_range(text: str, constants: dict[str, str]) -> str:
    """A claim's range with each constant's name replaced by its number: "\\forall j \\in 1..N" with N = 3
    reads as 1..3 (a range holds whole numbers and index letters, never a product)."""
    numbers = {name: value for name, value in constants.items() if re.fullmatch(r"\d+", value)}
    if not numbers:
        return text
    ordered = sorted(numbers, key=len, reverse=True)
    return _names(ordered, r"(?![A-Za-z])").sub(lambda found: numbers[ordered[int(found.lastgroup[1:])]], text)


_LIMITS = re.compile(r"(\\sum\s*)((?:[_^]\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\w)\s*){1,2})")
_ARITHMETIC = re.compile(r"(?<![\w.])(\d+)\s*([+-])\s*(\d+)(?![\w.])")


def in_limits(text: str, numbers: dict[str, int]) -> str:
    """The text with the size letters a sum's limits write replaced by the numbers the notes state, and sums of
    whole numbers folded: \\sum_{i=0}^{H-k_1} with H = 4, k_1 = 2 is \\sum_{i=0}^{2}."""
    if not numbers:
        return text
    ordered = sorted(numbers, key=len, reverse=True)
    pattern = re.compile("|".join(rf"(?<![A-Za-z\\])(?P<c{k}>{_written(name)})(?![A-Za-z]|\s*_)"
                                  for k, name in enumerate(ordered)))

    def limits(found: re.Match) -> str:
        body = pattern.sub(lambda m: str(numbers[ordered[int(m.lastgroup[1:])]]), found[2])
        folded = None
        while folded != body:
            folded, body = body, _ARITHMETIC.sub(
                lambda m: str(int(m[1]) + int(m[3]) if m[2] == "+" else int(m[1]) - int(m[3])), body, count=1)
        return found[1] + body

    return _LIMITS.sub(limits, text)
