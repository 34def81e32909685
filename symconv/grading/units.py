"""Notes that name a dense network's units, not its tensors: the two conventions of worked examples.

Most hand-worked examples of back-propagation through a small dense network (Rumelhart et al.,
Mitchell, Mazur's "A Step by Step Backpropagation Example" and the many posts after it) do not
write a layer's vector z^{[l]} but each neuron on its own:

- **by letter**: the inputs are i_1, i_2 (or x_1, x_2), the hidden units h_1, h_2, the outputs o_1,
  o_2; a unit's net input is net_{h1} (or in_{h1}), its output out_{h1}, the target of an output
  ideal_{o1} or target_{o1}, \\delta_{o1} is \\partial E/\\partial net_{o1}, and the weights are
  w^{l}_{mi} (layer l, between unit m of one layer and unit i of the next) or numbered through the
  network, w_1 ... w_8, row by row (w_1 from i_1 to h_1, w_2 from i_2 to h_1, ...);
- **numbered through the network**: the notes say so ("neurons are numbered through the whole
  net"), and unit j's output is o_j (the inputs' o_1 = x_1), its net input net_j, its bias b_j, its
  \\delta_j = \\partial E/\\partial net_j, an output's target t_j, and w_{ij} the weight between
  units i and j (whichever of the two comes first is where the signal comes from).

Such names are rewritten into the names the derivation reads with layers numbered as the notes do
(weighted layers: z^{[l]}, a^{[l]}, W^{[l]}, b^{[l]}), before anything is parsed. Whether w_{mi}
goes from m to i or from i to m is what the notes say ("w_{ij} is the weight from neuron i to neuron
j"); otherwise it is symconv's (and PyTorch's): the first index the unit the weight leads to. A bare
b_1 beside letter-named units is left unread: Mazur's b_1 is a whole layer's bias, other posts' a
unit's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..derivation import Derivation
from .parse import LOSS_TERM, SHARED_BIAS

_INDEX = r"(?:\d+|[a-z](?![A-Za-z]))"
# a letter-named unit: h1, h_1, h_{1}, {h_1}, hi (a symbolic unit of the hidden layer)
_UNIT = rf"(?P<group>[ihoy])\s*(?:_\s*)?(?:\{{\s*(?P<n1>{_INDEX})\s*\}}|(?P<n2>{_INDEX}))"
_LETTER_NAME = re.compile(
    rf"(?<![A-Za-z\\])(?P<name>net|in|out|ideal|target|\\delta)\s*_\s*(?:\{{\s*{_UNIT}\s*\}}|{_UNIT.replace('?P<', '?P<b_')})")
# a unit's net input as the notes define it: net_{h1} = w_1 i_1 + w_2 i_2 + b_1 (its right side up to the next = or $)
_NET_DEFINED = re.compile(
    rf"(?<![A-Za-z\\])(?:net|in)\s*_\s*(?:\{{\s*{_UNIT}\s*\}}|{_UNIT.replace('?P<', '?P<b_')})\s*=\s*(?P<rhs>[^=$\n]*)")
# a unit named by its letter alone, defined as the activation of its net input: h_1 = f(w_1 x_1 + w_2 x_2 + b_1)
# (Zhou's "Introduction to Neural Networks" and the posts like it): h_1 is then the unit's output
_BARE_DEFINED = re.compile(
    r"(?<![A-Za-z\\_{])(?P<group>[ho])\s*_\s*(?:\{\s*(?P<n1>\d+)\s*\}|(?P<n2>\d+))\s*=\s*(?:f|\\sigma)\s*\((?P<rhs>[^=$\n]*)")
_BARE_UNIT = re.compile(r"(?<![A-Za-z\\_{])(?P<group>[ho])\s*_\s*(?:\{\s*(?P<n1>\d+)\s*\}|(?P<n2>\d+))(?![\w^])")
# the network's prediction and the target, named in words: y_{pred}, y_{true}, \hat y_{pred}
_PREDICTION = re.compile(
    r"(?<![A-Za-z\\])y\s*_\s*\{\s*(?:\\(?:text|mathrm)\s*\{\s*(?P<w1>pred|true)\s*\}|(?P<w2>pred|true))\s*\}")
# the error of one output: E_{o1}, E_{o_1}, E_{y_{2}} (the loss's term of that output; E_{total} is the loss)
_OUTPUT_ERROR = re.compile(r"(?<![A-Za-z\\])E\s*_\s*\{\s*[oy]\s*(?:_\s*)?(?:\{\s*(\d+)\s*\}|(\d+))\s*\}")
_BIAS = re.compile(r"(?<![A-Za-z\\])b\s*_\s*(?:\{\s*(\d+)\s*\}|(\d))(?![\w^])")
_GIVEN_BIASES = re.compile(r"\s*b\s*_\s*\{?\s*\d+\s*\}?(?:\s*=\s*b\s*_\s*\{?\s*\d+\s*\}?)*\s*=\s*-?\s*\d*\.?\d+\s*")
_LETTER_INPUT = re.compile(r"(?<![A-Za-z\\{_^,])i\s*_\s*(?:\{\s*(\d+)\s*\}|(\d+))")
# w_5, and w_5^{+} (after one step of gradient descent)
_GLOBAL_WEIGHT = re.compile(
    r"(?<![A-Za-z\\])w\s*_\s*(?:\{\s*(\d+)\s*\}|(\d+))(?P<plus>\s*\^\s*(?:\{\s*\+\s*\}|\+))?(?!\s*[\^\d])")
# w with a layer and two indices, the layer before or after them: w^{2}_{11}, w_{mi}^{(l)}, w^{[1]}_{1,2}
_LAYER = r"(?:\{\s*[\[(]?\s*\d+\s*[\])]?\s*\+?\s*\}|\d)"  # w^{2+}: layer 2, after one step
_PAIR = r"\{\s*(?P<A>\d|[a-z]'?)\s*,?\s*(?P<B>\d|[a-z]'?)\s*\}"
_LAYERED_WEIGHT = re.compile(
    rf"(?<![A-Za-z\\])w\s*(?:\^\s*(?P<l1>{_LAYER})\s*_\s*{_PAIR}|_\s*{_PAIR.replace('?P<', '?P<s')}\s*\^\s*(?P<l2>{_LAYER}))"
    r"(?![\w+'])")
_NUMBERED_SAID = re.compile(
    r"(?:neurons?|units?|nodes?)\b[^.$]{0,60}?\bnumbered\b[^.$]{0,40}?\b(?:through|across|throughout|consecutively"
    r"|globally|in (?:one|a single) sequence)\b", re.IGNORECASE)
_NUMBERED_NAME = re.compile(
    r"(?<![A-Za-z\\])(?P<name>o|out|net|b|t|\\delta)\s*_\s*(?:\{\s*(?P<n1>\d+)\s*\}|(?P<n2>\d))(?![\w^])")
_NUMBERED_WEIGHT = re.compile(r"(?<![A-Za-z\\])w\s*_\s*\{\s*(?P<i>\d+)\s*,?\s*(?P<j>\d+)\s*\}(?![\w^])")
_FROM_TO = re.compile(
    r"w\s*(?:\^\s*\S+?\s*)?_\s*\{?\s*(?P<a>[a-z])\s*,?\s*(?P<b>[a-z])\s*\}?(?P<between>[^.]{0,150}?)"
    r"\bfrom\s+(?:the\s+)?(?:\*\*)?(?:neuron|unit|node)?\s*\$\s*(?P<c>[a-z])\s*\$\s*(?:\*\*)?\s*(?:to|into)\s+(?:the\s+)?"
    r"(?:\*\*)?(?:neuron|unit|node)?\s*\$\s*(?P<d>[a-z])\s*\$", re.DOTALL)


@dataclass(frozen=True)
class Units:
    """How the notes name a dense network's units: `scheme` "letters" or "numbered", the units of the
    input and of each layer with weights, and whether w_{ab} goes from a to b (as the notes say)."""

    scheme: str
    sizes: tuple[int, ...]
    from_to: bool = False
    # a bias the notes name by number, b_3: the units (layer, unit) whose net input the notes write with it
    biases: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = ()
    bare: bool = False  # units named by their letter alone (h_1 = f(...)): h_1 is the unit's output

    def describe(self) -> str:
        letters = "i, h, o" if len(self.sizes) == 3 else "i, o"
        said = (f"units named by letter ({letters}: net_{{h1}}, out_{{o1}}, w^{{l}}_{{mi}})" if self.scheme == "letters"
                else "units numbered through the network (o_j, net_j, b_j, \\delta_j, w_{ij})")
        if self.from_to:
            said += "; w_{ij} goes from unit i to unit j"
        return said


def read(notes: str, derivation: Derivation) -> Units | None:
    """The unit naming the notes use, when the network is dense and the notes name units; else None."""
    sizes = _sizes(derivation)
    if sizes is None:
        return None
    stated = _FROM_TO.search(notes)
    from_to = bool(stated and stated["a"] == stated["c"] and stated["b"] == stated["d"])
    numbered = _NUMBERED_SAID.search(notes)
    if numbered:
        return Units("numbered", sizes, from_to)
    if any(_evidence(found) for found in _LETTER_NAME.finditer(notes)):
        return Units("letters", sizes, from_to, _biases(notes, sizes))
    if len(sizes) == 3 and _BARE_DEFINED.search(notes) and _GLOBAL_WEIGHT.search(notes):
        return Units("letters", sizes, from_to, _biases(notes, sizes), bare=True)
    return None


def _evidence(found: re.Match) -> bool:
    """Whether a name shows units named by letter: \\delta_{ij} is the Kronecker delta (or a matrix's entry),
    never the error of an input unit, which no scheme names."""
    group = found["group"] or found["b_group"]
    return bool(group) and not (found["name"] == "\\delta" and group == "i")


def _biases(notes: str, sizes: tuple[int, ...]) -> tuple[tuple[str, tuple[tuple[int, int], ...]], ...]:
    """What each bias named by number means, read from the notes' own net inputs: net_{h1} = ... + b_1 makes
    b_1 the bias of h_1, and net_{o1} = ... + b_3, net_{o2} = ... + b_3 make b_3 one bias the outputs share
    (Mazur's b_1, b_2, a layer's bias each). A number no net input is written with stays unread."""
    groups = _groups(len(sizes) - 1)
    units: dict[str, set[tuple[int, int]]] = {}
    for found in [*_NET_DEFINED.finditer(notes), *_BARE_DEFINED.finditer(notes)]:
        named = found.groupdict()
        layer = groups.get(named["group"] or named.get("b_group"))
        n = named["n1"] or named["n2"] or named.get("b_n1") or named.get("b_n2")
        if layer is None or layer == 0 or not n.isdigit() or not 1 <= int(n) <= sizes[layer]:
            continue
        named = {m[1] or m[2] for m in _BIAS.finditer(found["rhs"])}
        if len(named) == 1:
            units.setdefault(named.pop(), set()).add((layer, int(n)))
    # a bias written for units of two layers means nothing symconv has
    return tuple((k, tuple(sorted(where))) for k, where in sorted(units.items()) if len({l for l, _ in where}) == 1)


def _groups(last: int) -> dict[str, int]:
    """Which layer (0 the input) each unit letter names."""
    groups = {"i": 0, "o": last, "y": last}
    if last == 2:
        groups["h"] = 1
    return groups


def _sizes(derivation: Derivation) -> tuple[int, ...] | None:
    """The units of the input and of each weighted layer, when every weighted layer reads a vector (a dense
    layer's: a convolution reads images)."""
    first = derivation[derivation.records[0].input]
    weighted = [r for r in derivation.records if any(p.trained and p.role == "kernel" for p in r.layer.params(r.shape_in))]
    if len(first.shape) != 1 or not weighted or any(len(r.shape_in) != 1 for r in weighted):  # dense, on vectors
        return None
    return (first.shape[0], *(r.shape_out[0] for r in weighted))


def rewrite(text: str, units: Units, base: int = 1) -> str:
    """The text with the units' names replaced by the derivation's (layers numbered by weighted layer)."""
    if units.scheme == "letters":
        return _letters(text, units, base)
    return _numbered(text, units, base)


def _at(n: str, base: int) -> str:
    return str(int(n) - 1 + base) if n.isdigit() else n


def _letters(text: str, units: Units, base: int) -> str:
    last = len(units.sizes) - 1
    group_of = _groups(last)
    if units.biases:
        text = _bias_names(text, units, base, group_of)

    def name(found: re.Match) -> str:
        group = found["group"] or found["b_group"]
        n = found["n1"] or found["n2"] or found["b_n1"] or found["b_n2"]
        layer = group_of.get(group)
        if layer is None or n.isdigit() and not 1 <= int(n) <= units.sizes[layer]:
            return found[0]
        index = _at(n, base)
        kind = found["name"]
        if kind in ("ideal", "target"):
            return f"t_{{{index}}}" if layer == last else found[0]
        if layer == 0:
            return f"x_{{{index}}}" if kind in ("out", "in", "net") else found[0]
        if kind == "\\delta":
            return f"\\frac{{\\partial L}}{{\\partial z^{{[{layer}]}}_{{{index}}}}}"
        return f"{'a' if kind == 'out' else 'z'}^{{[{layer}]}}_{{{index}}}"

    text = _LETTER_NAME.sub(name, text)
    if units.bare:
        def bare(found: re.Match) -> str:
            layer, n = group_of[found["group"]], found["n1"] or found["n2"]
            return f"a^{{[{layer}]}}_{{{_at(n, base)}}}" if 1 <= int(n) <= units.sizes[layer] else found[0]

        text = _BARE_UNIT.sub(bare, text)
        if units.sizes[last] == 1:
            text = _PREDICTION.sub(lambda m: f"a^{{[{last}]}}_{{{base}}}" if (m["w1"] or m["w2"]) == "pred"
                                   else f"t_{{{base}}}", text)
    text = _OUTPUT_ERROR.sub(lambda m: f"{LOSS_TERM}_{{{m[1] or m[2]}}}" if int(m[1] or m[2]) <= units.sizes[last]
                             else m[0], text)
    text = _LETTER_INPUT.sub(lambda m: f"x_{{{_at(m[1] or m[2], base)}}}" if int(m[1] or m[2]) <= units.sizes[0]
                             else m[0], text)
    text = _GLOBAL_WEIGHT.sub(lambda m: _numbered_weight(int(m[1] or m[2]), units, base, bool(m["plus"])) or m[0], text)
    return _LAYERED_WEIGHT.sub(lambda m: _layered_weight(m, units, base), text) if units.from_to else text


def _bias_names(text: str, units: Units, base: int, group_of: dict[str, int]) -> str:
    """b_k as the bias it is of the unit the notes write it for; a bias several units share as the one of the
    unit the claim is about, and given a value (b_3 = 0.60) as each of theirs."""
    meaning = dict(units.biases)
    spelled = list(_BIAS.finditer(text))
    if spelled and _GIVEN_BIASES.fullmatch(text):  # b_1 = b_2 = 0.35, b_3 = 0.60
        names, value = text.rsplit("=", 1)
        entries = []
        for found in spelled:
            where = meaning.get(found[1] or found[2])
            if where is None:
                return text
            entries += [f"b^{{[{layer}]}}_{{{n - 1 + base}}}" for layer, n in where]
        return " = ".join([*entries, value.strip()])

    def entry(found: re.Match) -> str:
        where = meaning.get(found[1] or found[2])
        if where is None:
            return found[0]
        if len(where) > 1:  # shared: the unit of that layer the claim names, if it names one
            layer = where[0][0]
            named = {int(m["n1"] or m["n2"] or m["b_n1"] or m["b_n2"]) for m in _LETTER_NAME.finditer(text)
                     if group_of.get(m["group"] or m["b_group"]) == layer
                     and (m["n1"] or m["n2"] or m["b_n1"] or m["b_n2"]).isdigit()}
            where = tuple(w for w in where if w[1] in named)
            if len(where) != 1:  # which unit's is not said: no bias of the network, never another one
                return f"{SHARED_BIAS}{{{found[1] or found[2]}}}"
        layer, n = where[0]
        return f"b^{{[{layer}]}}_{{{n - 1 + base}}}"

    return _BIAS.sub(entry, text)


def _numbered_weight(n: int, units: Units, base: int, updated: bool = False) -> str:
    """w_n, the weights numbered through the network row by row (Mazur's w_1 ... w_8); w_n^{+} after a step."""
    for layer, (inputs, outputs) in enumerate(zip(units.sizes, units.sizes[1:]), start=1):
        if n <= inputs * outputs:
            row, column = divmod(n - 1, inputs)
            return f"W^{{[{layer}]{'+' if updated else ''}}}_{{{row + base},{column + base}}}"
        n -= inputs * outputs
    return ""


def _layered_weight(found: re.Match, units: Units, base: int) -> str:
    """w^{l}_{ab} from unit a to unit b: W^{[l]}_{b,a}, the row the unit it leads to."""
    written = found["l1"] or found["l2"]
    layer, plus = re.sub(r"\D", "", written), "+" if "+" in written else ""
    a, b = (found["A"], found["B"]) if found["A"] else (found["sA"], found["sB"])
    return f"W^{{[{layer}]{plus}}}_{{{_at(b, base)},{_at(a, base)}}}"


def _numbered(text: str, units: Units, base: int) -> str:
    starts = [sum(units.sizes[:k]) for k in range(len(units.sizes))]

    def where(n: int) -> tuple[int, int] | None:
        for layer in range(len(units.sizes) - 1, -1, -1):
            if starts[layer] < n <= starts[layer] + units.sizes[layer]:
                return layer, n - starts[layer] - 1 + base
        return None

    def name(found: re.Match) -> str:
        at = where(int(found["n1"] or found["n2"]))
        kind = found["name"]
        if at is None:
            return found[0]
        layer, index = at
        if layer == 0:
            return f"x_{{{index}}}" if kind in ("o", "out") else found[0]
        if kind == "t":
            return f"t_{{{index}}}" if layer == len(units.sizes) - 1 else found[0]
        if kind == "\\delta":
            return f"\\frac{{\\partial L}}{{\\partial z^{{[{layer}]}}_{{{index}}}}}"
        letter = {"o": "a", "out": "a", "net": "z", "b": "b"}[kind]
        return f"{letter}^{{[{layer}]}}_{{{index}}}"

    def weight(found: re.Match) -> str:
        i, j = int(found["i"]), int(found["j"])
        a, b = where(i), where(j)
        if a is None or b is None or abs(a[0] - b[0]) != 1:
            return found[0]
        (_, source), (layer, target) = sorted((a, b))
        return f"W^{{[{layer}]}}_{{{target},{source}}}"

    return _NUMBERED_WEIGHT.sub(weight, _NUMBERED_NAME.sub(name, text))
