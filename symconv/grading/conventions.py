"""The conventions a set of notes writes in, read once per file: where its indices start.

The index base is the notes', never a claim's: notes that say they count from 0 ("0-based",
"indices start at 0"), or that write an index 0 and never the last index of an axis counted from 1,
are read from 0; otherwise from 1, as MATH.md. So one off-by-one claim in notes that count from 1
is still caught, and a NumPy-minded student's Y[0,0] is read as the first entry.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .extract import Claim
from .parse import ParseError, parse_claim
from .tree import walk

# "0-based", "zero-indexed", "indices start at 0", "indexing from zero", "counting from 0"
_STATED = re.compile(
    r"(?<![\w-])(?P<zero>0|zero|1|one)[- ](?:based|indexed)(?![\w-])"
    r"|(?:ind(?:ex|ices|exes|exing)|count(?:ing)?|subscripts?)\s+(?:\w+\s+){0,3}?"
    r"(?:start|starts|begin|begins|run|runs|go|goes|counted|count|starting|beginning|running)?\s*(?:at|from)\s+"
    r"(?:\$\s*)?(?P<first>0|zero|1|one)(?!\w|\.\d)",
    re.IGNORECASE)


@dataclass(frozen=True)
class Conventions:
    """How the notes write: the first index (0 or 1) and why it was chosen, and how they number a
    network's layers, said in the report."""

    index_base: int = 1
    why: str = "MATH.md's convention"
    line: int = 0  # where the notes say so (0: not said)
    numbering: str = ""  # "weighted layers" when the notes count only the layers with weights (Ng's z^{[l]})
    parenthesized: bool = False  # the notes write a layer ^{(l)}, as Bishop and Goodfellow do: never a channel
    first_layer: int = 0  # the input's layer number when layers are numbered by weights: 0 (Ng), 1 (Nielsen)
    units: str = ""  # how the notes name a dense network's units (units.Units.describe), "" when they do not
    features: int = 0  # the notes write one feature of this many at a time, its index left out (features.py)
    einstein: int = 0  # the line where the notes say an index repeated in a product is summed (0: they do not)
    examples: str = ""  # the letter the notes count their examples with (Ng's m), set to the batch's size
    weights: str = ""  # "transposed": the notes' weight matrices are symconv's transposed (w_{d,j}: input d, output j)
    examples_as: str = ""  # "columns": a batch's values are written units x examples (Ng), not examples x units
    per_example: str = ""  # "dZ": dZ, dA are each example's own loss's gradient, m times the mean's (Ng's course)
    star: str = ""  # "element-wise": the notes say * is the element-wise product (NumPy's), not a convolution
    preactivation: str = ""  # "a": the notes' a^{(k)} is a weighted layer's pre-activation, h^{(k)} its activation
    kernels: str = ""  # "W": the notes write W for the convolutions' kernels, the dense weights by another letter
    star_line: int = 0
    batch: int = 1
    target: str = ""  # the letter the notes say in words is the target ("$p$ the real probabilities"), when symconv
    target_line: int = 0  # names another value so

    def describe(self) -> str:
        said = f"indices start at {self.index_base} ({self.why})"
        if self.numbering:
            said += (f"; layers numbered as {self.numbering} count (z^{{[l]}} = W^{{[l]}} a^{{[l-1]}} + b^{{[l]}}, "
                     "a^{[l]} its activation)")
            if self.first_layer:
                said += f", the input layer {self.first_layer} (a^{self.first_layer} = x, as Nielsen numbers them)"
        if self.parenthesized:
            said += "; a superscript (l) numbers the layer"
        if self.units:
            said += f"; {self.units}"
        if self.einstein:
            said += (f"; an index repeated on the right and not on the left is summed over its range (the summation "
                     f"convention, line {self.einstein})")
        if self.examples_as:
            said += "; a batch's values written with the examples as columns (A^{[l]} is units x examples, W A + b)"
        if self.target:
            said += f"; {self.target} is the target (the notes say so on line {self.target_line})"
        if self.preactivation:
            said += ("; a^{(k)} is the k-th weighted layer's pre-activation (z^{[k]}) and h^{(k)} its activation, as "
                     "Goodfellow et al. write them")
        if self.star:
            said += f"; * is the element-wise product, as the notes say (line {self.star_line})"
        if self.per_example:
            said += ("; dZ and dA are each example's own loss's gradient (m times the mean loss's, as Ng's course "
                     "defines them), dW and db the mean loss's")
        if self.kernels:
            said += ("; W is the convolutions' kernel (the forward rule the notes write holds so), the dense layer's "
                     "weights named otherwise")
        if self.weights:
            said += ("; weight matrices written transposed, w_{d,j} joining input d to output j (x w + b), as more "
                     "of the notes' claims hold so")
        if self.examples:
            said += (f"; {self.examples} = {self.batch}, the number of examples (the notes sum over the examples "
                     f"up to {self.examples})")
        if self.features:
            said += (f"; one feature of {self.features} at a time, its index left out (each claim is checked for "
                     "every feature)")
        return said


# A layer superscript on a letter: W^{[2]}, w^{(2)}, z^{[1]}, a^{[0]}
_LAYERED = re.compile(r"(?<![A-Za-z\\])([zaWwbBkK])\s*\^\s*\{?\s*[\[(]\s*(\d+)\s*[\])]")


_GENERAL = re.compile(r"(?<![A-Za-z\\])(?:[zaWwbB]|\\delta)\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{?\s*[\[(]?\s*(?:l|L|\\ell)(?![A-Za-z])")


# Nielsen's numbering: the input is layer 1 ("a^1 = x", "layer 1 is the input layer", "the input layer, layer 1")
_INPUT_FIRST = re.compile(
    r"(?<![A-Za-z\\])a\s*\^\s*(?:\{\s*[\[(]?\s*1\s*[\])]?\s*\}|[\[(]\s*1\s*[\])]|1)\s*=\s*"
    r"(?:\\(?:mathbf|boldsymbol|vec|bm)\s*\{\s*x\s*\}|x)(?![A-Za-z_^])"
    r"|layer\s+(?:\$\s*)?(?:l\s*=\s*)?(?:1|one)(?:\s*\$)?\s+(?:is|as)\s+the\s+input"
    r"|input\s+layer\s*(?:is|as|,)?\s*(?:the\s+)?(?:layer\s+)?(?:\$\s*)?(?:l\s*=\s*)?1\b",
    re.IGNORECASE)


def first_layer(notes: str) -> int:
    """1 when the notes number the input layer 1 (Nielsen: a^1 = x, the first weights w^2), else 0 (Ng's a^{[0]})."""
    return 1 if _INPUT_FIRST.search(notes) else 0


# z^{(c)}, K^{(m)}: a letter the notes write with a channel's letter in parentheses; its numbered (1), (2) are channels
_CHANNEL_LETTERED = re.compile(r"(?<![A-Za-z\\])([zaWwbBkK])\s*\^\s*\{?\s*\(\s*[cdfmoq]\s*\)")


def _layered(notes: str) -> list[re.Match]:
    """The names written with a layer's number (z^{[1]}, W^{(2)}), not those whose parenthesized numbers are channels."""
    channels = set(_CHANNEL_LETTERED.findall(notes))
    return [found for found in _LAYERED.finditer(notes) if not ("(" in found.group() and found[1] in channels)]


# W_1, W_2, b_2: a weight matrix and bias numbered by a subscript, as PyTorch users and CS231n write W1, W2
_SUBSCRIPT_LAYER = re.compile(r"(?<![A-Za-z\\])(?P<name>[Wb])\s*_\s*(?:\{\s*(?P<braced>[1-9])\s*\}|(?P<bare>[1-9]))(?![0-9,])"
                              r"(?:\s*\^\s*(?:\{\s*(?P<power>\\(?:top|intercal|mathsf\s*\{\s*T\s*\})|T)\s*\}"
                              r"|(?P<bare_power>\\(?:top|intercal)(?![A-Za-z])|T)))?")


def subscript_layers(notes: str, tensors) -> int:
    """How many layers with weight matrices the notes number by a subscript (W_1 and W_2 both written, as many as
    the network has: W_1 is the first such layer's W, b_1 its bias); 0 when they do not."""
    weighted = [k for k in (tensors.get("W") or {}) if k is not None]
    if len(weighted) < 2 or any(len(info.shape) != 2 for info in tensors["W"].values()):
        return 0
    numbers = {int(m["braced"] or m["bare"]) for m in _SUBSCRIPT_LAYER.finditer(notes) if m["name"] == "W"}
    return len(weighted) if len(numbers) >= 2 and numbers <= set(range(1, len(weighted) + 1)) else 0


def with_layer_superscripts(text: str, count: int) -> str:
    """W_2 as W^{[2]}, b_1 as b^{[1]} (W_2^\top as W^{[2]\top}), for layers numbered 1 to count."""
    def layered(m: re.Match) -> str:
        n = int(m["braced"] or m["bare"])
        if n > count:
            return m[0]
        return f"{m['name']}^{{[{n}]{m['power'] or m['bare_power'] or ''}}}"
    return _SUBSCRIPT_LAYER.sub(layered, text)


def numbering(notes: str, tensors) -> str:
    """ "weighted layers" when the notes number only the layers with weights: they write z^{[l]} or a^{[0]},
    or a weight's layer number that no layer with that weight has (W^{[2]} where symconv's are W^{[1]}
    and W^{[3]}); else "" (symconv's numbering, every layer counted)."""
    own = False  # a layer number only symconv's numbering has (W^{[3]} where the weights are W^{[1]}, W^{[3]})
    for letter, number in (found.groups() for found in _layered(notes)):
        n = int(number)
        if letter == "z" and "z" not in tensors or letter == "a" and n == 0:
            return "weighted layers"
        table = tensors.get(letter) or tensors.get(letter.swapcase()) or {}
        layers = [k for k in table if k is not None]
        if letter in "WwbBkK" and layers and n not in layers and 1 <= n <= len(layers):
            return "weighted layers"
        own = own or letter in "WwbBkK" and n in layers and n > len(layers)
        weighted = {k for name in "WwKk" for k in (tensors.get(name) or {}) if k is not None}
        own = own or letter == "a" and weighted and n > len(weighted)  # a^{[3]} with one layer of weights
    if not own and _GENERAL.search(notes):  # z^l, a^{l-1}, \delta^{(l)}, w^{l+1}_{jk}: a textbook's layers
        return "weighted layers"
    return ""


_FROM_ONE = re.compile(r"\\sum\s*_\s*\{\s*[A-Za-z]'?\s*=\s*1\s*\}")


# "the Einstein convention", "summation convention", "repeated indices are summed"
_EINSTEIN = re.compile(r"einstein(?:'s)?\s+(?:summation\s+)?(?:convention|notation)|einstein(?:'s)?\s+summation|summation\s+convention"
                       r"|ind(?:ex|ices)\s+(?:that\s+)?(?:appears?|occurs?)\s+twice\s+(?:\w+\s+){0,4}?(?:is|are)\s+summed"
                       r"|repeated\s+ind(?:ex|ices)\s+(?:\w+\s+){0,3}?(?:is|are|implies|imply|means?)\s+(?:\w+\s+){0,2}?summ",
                       re.IGNORECASE)


def einstein(notes: str) -> int:
    """The line where the notes say they use the summation convention, 0 when they do not."""
    for found in _EINSTEIN.finditer(notes):
        sentence = re.split(r"[.!?\n]\s", notes[max(0, found.start() - 60):found.start()])[-1] + found[0]
        if not _NEGATED.search(sentence):  # "repeated indices are not summed", "no summation convention"
            return _line(notes, found.start())
    return 0


_NEGATED = re.compile(r"\b(?:not|no|never|without|nor)\b|n't\b", re.IGNORECASE)


# \sum_{i=1}^{m} ... a^{[l](i)}: a sum over the examples, the letter that ends it their number (Ng's m)
_EXAMPLE_SUM = re.compile(r"\\sum\s*_\s*\{\s*([a-z])\s*=\s*1\s*\}\s*\^\s*\{?\s*([A-Za-z])\s*\}?")


def examples(notes: str, known) -> str:
    """The letter the notes count their examples with: the end of a sum from 1 whose index the notes write as
    an example's superscript, (i) after a layer's [l] (Ng: \\sum_{i=1}^{m} z^{[l](i)}); "" when none."""
    for found in _EXAMPLE_SUM.finditer(notes):
        index, letter = found.groups()
        if letter not in known and re.search(rf"\^\s*\{{\s*\[[^\]{{}}]*\]\s*\(\s*{index}\s*\)\s*\}}", notes):
            return letter
    return ""


def _line(notes: str, pos: int) -> int:
    return notes.count("\n", 0, pos) + 1


def infer(notes: str, claims: list[Claim], tensors, shapes: dict[str, tuple[int, ...]],
          index_base: int | None = None) -> Conventions:
    """The notes' conventions: as given, as stated in the prose, else as the claims' numbered entries show."""
    layers = numbering(notes, tensors)
    base = _base(notes, claims, tensors, shapes, index_base)
    parenthesized = bool(layers) and any("(" in found.group() for found in _layered(notes))
    return Conventions(base.index_base, base.why, base.line, layers, parenthesized,
                       first_layer=first_layer(notes) if layers else 0, einstein=einstein(notes))


def _base(notes: str, claims: list[Claim], tensors, shapes: dict[str, tuple[int, ...]],
          index_base: int | None) -> Conventions:
    if index_base is not None:
        return Conventions(index_base, "as given with --index-base")
    stated = _STATED.search(notes)
    if stated:
        word = (stated["zero"] or stated["first"]).lower()
        base = 0 if word in ("0", "zero") else 1
        return Conventions(base, f"the notes say so on line {_line(notes, stated.start())}", _line(notes, stated.start()))
    zero = top = None
    channels = {info.key: info.channels for table in tensors.values() for info in table.values()}
    seen: set[tuple[str, bool]] = set()
    for claim in claims:
        if (claim.text, bool(claim.matrix)) in seen:  # a claim repeated word for word shows nothing new
            continue
        seen.add((claim.text, bool(claim.matrix)))
        try:
            sides, _ = parse_claim(claim.text, tensors, layout="first")
        except (ParseError, RecursionError):
            continue
        for side in sides[1:] if claim.matrix else sides:  # a matrix's entry is numbered by symconv
            for node in walk(side):
                if node[0] == "sum" and any(low == 0 for _, low, _ in node[1]):
                    zero = zero or claim.line
                for entry in (node[2],) if node[0] == "deriv" else (node,):
                    if entry[0] != "entry" or any(not i.written for i in entry[2][channels.get(entry[1], 0):]):
                        # w_2 of a one-row weight matrix: an axis left out, so no evidence of where they count from
                        continue
                    for index, size in zip(entry[2], shapes[entry[1]]):
                        if not index.written:
                            continue
                        if not index.coefs and index.const == 0:
                            zero = zero or claim.line
                        elif not index.coefs and index.const == size > 1:
                            top = top or claim.line
    if zero and not top:
        # \sum_{i=1}^{D}: the notes count from 1 (an index 0 is then Bishop's bias weight, w_{j0}, x_0 = 1)
        summed = _FROM_ONE.search(notes)
        top = _line(notes, summed.start()) if summed else None
    if zero and not top:
        return Conventions(0, f"the notes write index 0, first on line {zero}", zero)
    if zero:
        return Conventions(1, f"the notes write index 0 (line {zero}) but also count from 1 (line {top}: an axis's "
                              f"last index, or a sum from 1); give --index-base 0 if they count from 0")
    return Conventions()
