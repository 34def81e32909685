"""Claims about every layer at once: a layer written with a letter, as textbooks state back-propagation.

Nielsen writes \\delta^l = ((w^{l+1})^T \\delta^{l+1}) \\odot \\sigma'(z^l) and \\delta^L for the last layer,
the UFLDL tutorial \\delta^{(l)} and \\delta^{(n_l)}, Kafunah x^{l}_{i,j} and o^{l-1}. Such a claim holds for
each layer l where every value it names exists: it is read once per layer number, with l, \\ell, L
(the last layer) and n_l (UFLDL's name for it) written as numbers, and it is right when every reading
that exists holds. A uniform shift of the numbering (Nielsen's input is layer 1, Ng's layer 0) changes
nothing in a claim about every l; where the notes number a layer's weights by the layer they read
(UFLDL: z^{(l+1)} = W^{(l)} a^{(l)} + b^{(l)}) the weights are read at l + 1 as well, and a claim is
wrong only when no such reading holds.
"""

from __future__ import annotations

import re

# ^l, ^{l+1}, ^{(l)}, ^{[l-1]}, ^\ell, ^L, ^{(n_l)}: a layer written with a letter (not a power: a number)
_BODY = (r"(?P<head>\(\s*[a-z0-9,\s]*\)\s*(?=\[))?(?P<open>[\[(]?)\s*(?P<var>\\ell|n_\{?l\}?|l|L)\s*(?:(?P<sign>[+-])\s*(?P<shift>\d))?\s*[\])]?"
         r"(?P<tail>\s*\([a-z0-9,\s]*\)|\s*T|\s*\\top)?")  # Ng's ^{[l](i)}: an example's; ^{[l]T}: transposed
SUPERSCRIPT = re.compile(
    rf"(?<=[A-Za-z}}])\s*\^\s*(?:\{{\s*{_BODY}\s*\}}|(?P<bare>\\ell(?![A-Za-z])|[lL](?![A-Za-z])))")
# the letters of a layer's weights and bias, before their superscript: w^l, W_{ij}^{(l)}
_PARAMETERS = re.compile(r"(?<![A-Za-z\\])([wWbB])\s*(?:_\s*(?:\{[^{}]*\}|\w))?\s*$")
_LIMIT = re.compile(r"\\(?:sum|prod)\s*_\s*(?:\{[^{}]*\}|\w)\s*$")  # \sum_{l=1}^{L}: a sum's bound, not a layer
MAX_LAYERS = 12


def general(text: str) -> bool:
    """Whether the claim names a layer with a letter."""
    return any(not _LIMIT.search(text[:found.start()]) for found in SUPERSCRIPT.finditer(text))


FIRST = "the weights numbered by the layer they compute"


def readings(text: str, last: int, first: int = 0, top: int | None = None, single: bool = False,
             ends: tuple[str, str] | None = None) -> list[tuple[str, list[tuple[int, str]]]]:
    """The claim read at each layer: [(how the weights are numbered, [(l, text), ...])], for l from
    `first` to `last` (the last layer's number, which L stands for). In a single layer (`single`), whose
    values carry no layer, l and L are that layer: the superscript is dropped, and a claim that names
    another layer (l+1, l-1) has no reading, except the input's letter at l + 1 (Wu's x^l and x^{l+1}, the
    input of layer l and of the next one): the layer's output, when `ends` gives (input, output) names."""
    if single:
        if ends is not None and ends[0] != ends[1]:
            text = _NEXT_INPUT(ends[0]).sub(lambda found: ends[1] + (found["before"] or found["after"] or ""), text)
        instance = _at(text, 0, 0, 0, single=True)
        return [(FIRST, [] if instance is None else [(0, instance)])]
    out = []
    text = _output_gradient(text)
    if not any(found["var"] in ("l", "\\ell") or found["bare"] in ("l", "\\ell") for found in SUPERSCRIPT.finditer(text)):
        first = last  # only L: the one last layer
    for shift, said in ((0, FIRST),
                        (1, "the weights numbered by the layer they read")):
        instances = []
        for value in range(first, min(last if top is None else top, first + MAX_LAYERS) + 1):
            instance = _at(text, value, last, shift)
            if instance is not None:
                instances.append((value, instance))
        out.append((said, instances))
        if not _PARAMETERS_USED(text):
            break  # no weight or bias: one numbering
    return out


# Nielsen's BP1, \delta^L = \nabla_a C \odot \sigma'(z^L): \nabla_a C "is defined to be a vector whose components are
# the partial derivatives \partial C / \partial a^L_j", the gradient by the last layer's activations, written without L
_NABLA_BARE = re.compile(r"\\nabla\s*_\s*(?:\{\s*(?:\\mathbf\s*\{\s*)?(?P<braced>[a-z])\s*\}?\s*\}|(?P<bare>[a-z])(?![A-Za-z_^]))"
                         r"(?=\s*(?:\\mathcal\s*\{\s*)?[CLEJ](?![A-Za-z_^]))")


# Koerbitz's \delta^L = \nabla C \odot g'(z^L) and \nabla C(a^L): the cost's gradient by its argument, the last activations
_NABLA_ALONE = re.compile(r"\\nabla\s*(?P<cost>(?:\\mathcal\s*\{\s*)?[CLEJ]\s*\}?)(?![A-Za-z_^])"
                          r"(?:\s*\(\s*(?P<argument>[a-z])\s*\^\s*(?:L|\{\s*L\s*\})\s*\))?")


def _output_gradient(text: str) -> str:
    """\nabla_a C, \nabla C and \nabla C(a^L) in a claim about the last layer L as \nabla_{a^L} C."""
    if not any((found["var"] or found["bare"]) == "L" for found in SUPERSCRIPT.finditer(text)):
        return text
    text = _NABLA_BARE.sub(lambda found: f"\\nabla_{{{found['braced'] or found['bare']}^L}}", text)
    return _NABLA_ALONE.sub(lambda found: f"\\nabla_{{{found['argument'] or 'a'}^L}} {found['cost']}", text)


def _NEXT_INPUT(name: str) -> re.Pattern:  # noqa: N802
    """The input's letter written at layer l + 1 (x^{l+1}, x^{(l+1)}, x^{[\\ell+1]}), its subscript kept."""
    return re.compile(rf"(?<![A-Za-z\\]){re.escape(name)}(?P<before>\s*_\s*(?:\{{[^{{}}]*\}}|\w))?\s*\^\s*\{{\s*[\[(]?\s*"
                      rf"(?:l|\\ell)\s*\+\s*1\s*[\])]?\s*\}}(?P<after>\s*_\s*(?:\{{[^{{}}]*\}}|\w))?")


def written_at_layer(notes: str, name: str) -> bool:
    """Whether the notes write the name with a layer's letter (z^l, z^{(l)}_{i,j}, z_{ij}^{[\\ell]})."""
    return any(found.start() >= len(name) and re.search(rf"(?<![A-Za-z\\]){re.escape(name)}\s*(?:_\s*(?:\{{[^{{}}]*\}}|\w))?\s*$",
                                                     notes[max(0, found.start() - 40):found.start()])
               for found in SUPERSCRIPT.finditer(notes))


def _PARAMETERS_USED(text: str) -> bool:  # noqa: N802
    return any(_PARAMETERS.search(text[:found.start()]) for found in SUPERSCRIPT.finditer(text))


def _at(text: str, value: int, last: int, shift: int, single: bool = False) -> str | None:
    """The claim at layer `value` (None where it names a layer before the first, or in a single layer another
    layer than its own)."""
    negative = False

    def number(found: re.Match) -> str:
        nonlocal negative
        before = text[:found.start()]
        if _LIMIT.search(before):
            return found[0]
        var = (found["var"] or found["bare"]).replace("{", "").replace("}", "")
        n = (last if var in ("L", "n_l") else value) + (
            int(found["shift"]) * (1 if found["sign"] == "+" else -1) if found["shift"] else 0)
        if shift and _PARAMETERS.search(before):
            n += shift
        negative |= n < 0 or (single and n != 0)
        if single:
            rest = (found["head"] or found["tail"] or "").strip()
            return f"^{{{rest}}}" if rest else ""
        return f"^{{[{n}]{(found['head'] or found['tail'] or '').strip()}}}"  # a^{(i)[L]} as a^{[3](i)}

    out = SUPERSCRIPT.sub(number, text)
    return None if negative else out


# "for l = 1 ... L-1", "l = 2, \ldots, L": the layers a claim is stated for
_RANGE = re.compile(r"(?:\\text\s*\{\s*)?(?:for\s*)?\$?\s*(?:l|\\ell)\s*=\s*(?P<lo>\d+)\s*,?\s*(?:\\dots|\\ldots|\\cdots|\.\.\.)"
                    r"\s*,?\s*(?P<hi>\d+|L|n_\{?l\}?)\s*(?:-\s*(?P<less>\d))?\s*\$?\s*\}?")


def stated_layers(range_text: str, last: int) -> tuple[int, int, str] | None:
    """(first, last, the rest of the range) when the range says which layers l the claim is for."""
    found = _RANGE.search(range_text)
    if found is None:
        return None
    hi = int(found["hi"]) if found["hi"].isdigit() else last
    rest = (range_text[:found.start()] + range_text[found.end():]).strip(" ,;")
    return int(found["lo"]), hi - int(found["less"] or 0), "" if rest in ("\text{", "\text{}") else rest
