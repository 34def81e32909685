"""A strict parser for the claims people write about a convolution layer, into a small tree.

A pre-pass rewrites notation (\\left, spacing, \\cdot, \\mathit{...}); the scanner reads entries such as
x_{1,1}, x_{11}, X_{1 1}, x_{1}_{1}, x^{(2)}_{i,j}, x_{r+i-1,s} and derivatives such as
\\frac{\\partial L}{\\partial y_{1,1}} or \\partial L / \\partial y_{1,1}; the parser reads sums of
products (juxtaposition, \\cdot, \\times, *), fractions, parentheses and \\sum. Anything else is a
ParseError that names what could not be read: nothing is silently dropped.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import replace
from functools import lru_cache
from fractions import Fraction
from math import prod

from .tree import walk
from .layer_operators import LETTERS, WORDS
from .notation import (MAX_CLAIM, MAX_POWER, Index, ParseError, extreme_bound, TensorInfo, UnknownName, _top_split, is_number, parse_index,
                       unused_letters, whole_value,
                       prepass, read_group, split_indices)

__all__ = ["ChannelLayout", "Index", "ParseError", "Parser", "TensorInfo", "parse_claim", "parse_index"]

# --- the tree ------------------------------------------------------------------------------------
# ("num", Fraction, places written after a point, True for none, False without a point) | ("entry", key, (Index, ...), name as written) | ("deriv", top, bottom) with top ("loss", letter)
# or an entry | ("add", ((sign, node), ...)) | ("mul", (node, ...)) | ("div", a, b) | ("pow", a, n)
# | ("sum", ((var, lo | None, hi | None), ...), node, ((var, other), ...) left out where var = other)
# | ("whole", key, (Index, ...) of its leading axes) | ("op", name, (node, ...), parameter)
# | ("node", node_key(n), (Index, ...)): an entry of a quantity the notes define themselves (nodes.py)

_SUPERSCRIPT = re.compile(r"(?:\[\s*(\d+)\s*\])?\s*(?:\((.*)\))?", re.ASCII)
_TOKEN = re.compile(r"\s*(?:(\d+(?:\.\d+)?)|(\\[A-Za-z]+)|([A-Za-z]+)|(.))", re.ASCII | re.DOTALL)
_BRACKETED = re.compile(r"[\[(]([0-9a-z+\- ]+(?:,[0-9a-z+\- ]+)*)[\])]", re.ASCII)
# Functions a claim may apply to entries, by how they are written: \exp, e^{...}, \log (and \ln),
# \tanh, \sigma (the sigmoid), \max, \min and relu (written \operatorname{relu}).
FUNCTION_COMMANDS = {"\\exp": "exp", "\\log": "log", "\\ln": "log", "\\tanh": "tanh", "\\sigma": "sigmoid",
                     "\\max": "max", "\\min": "min", "\\sqrt": "sqrt", "\\abs": "abs",
                     "\\norm": "norm"}
FUNCTION_WORDS = {"relu": "relu", "ReLU": "relu", "sign": "sign", "sgn": "sign", "max": "max", "min": "min",
                  "exp": "exp", "log": "log", "ln": "log", "tanh": "tanh", "sigmoid": "sigmoid",
                  # on whole tensors (symconv.grading.arrays)
                  "rotate": "rot180", "flip": "rot180", "vec": "vec", "diag": "diag", "full": "full",
                  "valid": "valid", "pad": "pad", "spread": "spread", "dilate": "dilate", "crop": "crop", "inner": "inner", "softmax": "softmax", "floor": "floor", "ceiling": "ceiling",
                  # activations named in words, each with its own definition (evaluate._function)
                  "ELU": "elu", "elu": "elu", "softplus": "softplus", "Softplus": "softplus", "SiLU": "silu", "silu": "silu",
                  "swish": "silu", "Swish": "silu"}
DERIVATIVES = {"sigmoid": "dsigmoid", "tanh": "dtanh", "relu": "drelu", "elu": "delu", "softplus": "sigmoid",
               "silu": "dsilu"}  # \sigma'(z), ELU'(z)
# Operators between whole tensors: entry by entry, and the cross-correlation.
OPERATORS = {"\\odot": "hadamard", "\\bigodot": "hadamard", "\\circ": "hadamard", "\\bullet": "hadamard", "\\oslash": "divide", "\\star": "correlate",
             "\\convolve": "convolve"}  # conv(A, B) in words: the true convolution (notation._operator_words)
_EXP = re.compile(r"\s*e\s*\^\s*(?:\{\s*[^\s\[(]|[^{\[(])")
_RELATION = re.compile(r"\s*(?:>=|<=|\\geq?(?![A-Za-z])|\\leq?(?![A-Za-z])|\\[gl]t(?![A-Za-z])|\\neq?(?![A-Za-z])|>|<|=)\s*")
_INDEX_ONLY = re.compile(r"[a-z](?:\s*[+-]\s*\d+)?|\d+")
_OVER_ENTRIES = re.compile(r"(?P<var>[a-z])\s*\\in\s*(?P<name>[A-Za-z])")  # \sum_{p \in y}: over the entries of y
_MEMBER = re.compile(r"(?P<var>[a-z](?:\s*,\s*[a-z])*)\s*\\in\s*\\\{(?P<values>[^{}]*)\\\}")
_PAD_AMOUNT = re.compile(r"\s*_\s*(?:\{\s*(?P<rows>\d{1,2})\s*(?:,\s*(?P<columns>\d{1,2})\s*)?\}|(?P<alone>\d))")
# pad_P, spread_S, dilate_D, full_D: the amount is the layer's padding, stride or dilation (layer_operators.py)
_LAYER_AMOUNT = re.compile(r"\s*_\s*(?:\{\s*(?P<letter>[PSD])\s*\}|(?P<alone>[PSD])(?![A-Za-z]))")
_VEC_OF = re.compile(r"vec\s*\(\s*(.+?)\s*\)")
_LIMIT = re.compile(r"\\sum\s*_\s*\{\s*([a-z])\s*=\s*\d+\s*\}\s*\^\s*\{?\s*([A-Za-z])\s*\}?")
_LINEAR_INDEX = re.compile(r"[0-9a-z()\s]*[a-z][0-9a-z()\s]*(?:[+-][0-9a-z()\s]+)+")  # i + 2m, 2(r-1)+p
_LOSS_LETTERS = ("L", "E", "J", "C")
# the loss's term of one output (units.py writes a worked example's E_{o1} so): ("lossterm", 1)
LOSS_TERM = "\\ell^{o}"
# a parameter after one step of gradient descent: w^{+}, w_{11}^{2+}, W^{new}, W^{(new)}
_UPDATED = re.compile(r"\s*(.*?)\s*(?:\+|\(?\s*(?:\\text\s*\{\s*new\s*\}|new)\s*\)?)\s*")
# the letter a batch's example is read with where a claim leaves it out (z^{[1]}_i of one example), while the grader
# tries that reading (Grader.grade): None otherwise
EXAMPLE_LETTER: ContextVar[str | None] = ContextVar("EXAMPLE_LETTER", default=None)
SHARED_BIAS = "\\sharedbias"  # units.py writes a bias several units share, in a claim that names none of them, so
# the top of a derivative that is a function of values, not one value: \log p_k, a fraction, a sum, (...)
_FUNCTION_OF = re.compile(r"\\(?:log|ln|exp|frac|sum|sigma|tanh|left)(?![A-Za-z])|[()+\-^]")
_LOSS_OF_EXAMPLE = re.compile(r"\s*([LEJC])_\s*(?:\{\s*n\s*\}|n(?![A-Za-z]))")
_TOTAL_LOSS = re.compile(r"\s*[LEJC]_\s*\{\s*(?:total|tot)\s*\}")
_LOSS_TERM = re.compile(r"\s*\\ell\^\{o\}_\{(\d+)\}")
_LOSS_WITH_SUBSCRIPT = re.compile(r"\s*([LEJC])_\s*(?:\{\s*(?:n|total|tot)\s*\}|n(?![A-Za-z]))")
GREEK = {"alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota",
         "kappa", "lambda", "mu", "nu", "xi", "pi", "rho", "varrho", "tau", "upsilon", "phi", "varphi", "chi", "psi",
         "omega", "Gamma", "Delta", "Theta", "Lambda", "Xi", "Pi", "Sigma", "Upsilon", "Phi", "Psi", "Omega"}
_INEQUALITY = re.compile(r"(\d+)\s*(\\leq?(?![A-Za-z])|<=|<)\s*([a-z])\s*(\\leq?(?![A-Za-z])|<=|<)\s*(\d+)")
_INEQUALITY_RANGES = re.compile(r"\s*" + _INEQUALITY.pattern + r"(?:\s*,?\s*" + _INEQUALITY.pattern + r")*\s*")
_UNEQUAL_NUMBER = re.compile(r"([a-z])\s*(?:\\neq?|!=|\\not\s*=)(?![A-Za-z])\s*(\d+)|(\d+)\s*(?:\\neq?|!=|\\not\s*=)(?![A-Za-z])\s*([a-z])")
_UNEQUAL = re.compile(r"([a-z])\s*(?:\\neq?|!=|\\not\s*=)(?![A-Za-z])\s*([a-z])")
_ACCENTS = ("\\hat", "\\tilde", "\\bar", "\\overline", "\\widetilde", "\\widehat", "\\check", "\\breve")
# the loss after \frac{\partial}{\partial w}: a loss letter alone (J, E_n), not one starting a longer expression
MOVED = "moved"  # lettered[(MOVED, key, letter)]: the value any name of `key` means with that index letter
# the letter of a name's first index (a_j, \delta_{k}, w^{(2)}_{kj}): Bishop's notes name a layer by it
INDEX_LETTER = re.compile(r"(?:\^\s*(?:\{[^{}]*\}|\S))?\s*_\s*\{?\s*([a-z])(?![A-Za-z])")
_OPERATED_LOSS = re.compile(r"\s*(?P<loss>[LEJC])(?:_\s*(?:\{\s*n\s*\}|n))?(?![A-Za-z_^(])\s*(?=$|[=+\-,.;&\\)])")
_LOSS_COMMAND = re.compile(r"\\(?:mathcal|mathscr)\s*\{\s*([A-Z])\s*\}|\\ell(?![A-Za-z])")


class ChannelLayout(ParseError):
    """An entry writes its channel among its indices (x_{2,1,1}): first, as PyTorch stores it, or last?"""


# an entry of a quantity the notes name and define themselves (xmu_{nd} = x_{nd} - \mu_d), where the grader keeps it one
# value (nodes.py): \nodeat{number}{its indices, comma-separated}
_NODE = re.compile(r"\s*\\nodeat\{(\d+)\}\{([^{}]*)\}")

_NUMBERED_NAME = re.compile(r"(\d+)\s*(?=_)")  # dx1_{nd}, dxmu2_{nd}: digits ending a name, before its indices
# a matrix written out as an operand, its rows and the most entries read
_MATRIX_LITERAL = re.compile(r"\s*\\begin\s*\{(?P<env>[pbvBV]?matrix\*?|array)\}(?:\s*\{[lcr|\s]*\})?")
_ROW_BREAK = re.compile(r"\\\\|\\(?=\s)")  # \\ between rows (the prepass leaves "\ " of it)
MAX_MATRIX_ENTRIES = 400
# a letter the notes use for the activation: f(z), g'(a), h'(a_j) (Bishop), \varphi, \phi; with a prime, its derivative
_ACTIVATION = re.compile(r"\s*(f|g|h|\\varphi|\\phi)\s*('|\^\s*\{?\s*\\prime\s*\}?)?\s*\(")
GRADIENT_WORD = re.compile(r"d[A-Za-z]\w*")  # dZ, dW, dout: a gradient's name, never a value read at a layer
# letters never read as another case of a name (w for W): while a claim is read with them as the notes' own names
UNALIASED: ContextVar[frozenset] = ContextVar("unaliased", default=frozenset())
# after an entry, the whole tensor it is a function of: y_i(x), z_i(\mathbf{x}) (the mnn docs, Parr & Howard)
_ARGUMENT_OF = re.compile(r"\s*\(\s*(?:\\mathbf\s*\{\s*)?([A-Za-z])\s*\}?\s*\)")
# after a name, the layer the notes write on it: o^{[0]}, x_{i,j}^{[1]} (general_layers.py writes ^l so)
LAYER_AFTER = re.compile(r"\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{\s*\[\s*(\d+)\s*\]\s*\}")
_PARENTHESIZED_AFTER = re.compile(r"\s*(?:_\s*(?:\{[^{}]*\}|\w)\s*)?\^\s*\{\s*\(\s*(\d+)\s*\)\s*\}")
_WORD_SUPERSCRIPT = re.compile(r"\s*((?:\\[a-z]+\{[A-Za-z]\}|[A-Za-z])\^\{[A-Za-z]{2,}\})")
FEATURE = Index((("feature", 1),), 0)  # the feature notes on one feature leave out: each is checked


def node_key(number: int) -> str:
    """The key the tree gives the notes' quantity written \\nodeat{number}{...} (its shape is the grader's)."""
    return f"node {number}"


class Parser:
    """Reads one side of a claim into a tree. `tensors` maps each name people use to its TensorInfo by
    layer (None for a single layer's tensors and for a network's input)."""

    def __init__(self, text: str, tensors: dict[str, dict[int | None, TensorInfo]], layout: str | None = None,
                 parenthesized: bool = False, features: int = 0, lettered: dict | None = None,
                 limits: dict | None = None):
        self.text = text
        self.lettered = lettered or {}  # (name, index letter) -> its table: Bishop's a_j and a_k, two layers
        self.pos = 0
        self.tensors = tensors
        self.layout = layout  # where x_{1,2,2} writes its channel: "first" (PyTorch) or "last"; None: ask
        self.parenthesized = parenthesized  # ^{(l)} is a layer (the notes number layers so), not a channel
        self.features = features  # the notes write one feature of this many, its index left out (FEATURE)
        # X for x, K for k: people write a tensor's entries in either case when no other name takes it
        self.spelled = {name: name for name in tensors}
        if "{\\sigma^2}" in tensors:  # a batch's variance, written without the braces
            self.spelled.update({"\\sigma^2": "{\\sigma^2}", "\\sigma^{2}": "{\\sigma^2}"})
        if "L" in tensors and "E" not in tensors and not re.search(r"(?<![A-Za-z\\])E\s*[_)\]]", text):
            self.spelled["E"] = "L"  # E never indexed is the loss (Bishop, Wikipedia), not the error e written large
        for name in tensors:
            other = name.swapcase()
            # l is the letter layers are counted with (l = L - 1), never the loss L written small
            if other != name and other not in tensors and other != "l" and other not in UNALIASED.get():
                self.spelled.setdefault(other, name)
        self.names = sorted(self.spelled, key=len, reverse=True)
        # the letter that ends a sum, \sum_{i=1}^{m}: its count wherever else the claim writes it (\frac{1}{m})
        self.limits = dict(limits) if limits is not None else {
            letter: var for var, letter in _LIMIT.findall(text) if letter not in self.spelled and letter != var}
        self.compact = False  # whether an entry was written x_{11} (no comma)
        self.powers = 1  # the product of the powers around the factor being read

    # -- scanning --
    def peek(self) -> tuple[str, str]:
        """(kind, text) of the next token without consuming it; kind is num, cmd, word, char or end."""
        match = _TOKEN.match(self.text, self.pos)
        if match is None or match.end() == self.pos or not match.group().strip():
            return "end", ""
        for kind, group in zip(("num", "cmd", "word", "char"), match.groups()):
            if group is not None:
                return kind, group
        return "end", ""

    def take(self) -> tuple[str, str]:
        token = self.peek()
        match = _TOKEN.match(self.text, self.pos)
        self.pos = match.end() if match else len(self.text)
        return token

    def skip_spaces(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] == " ":
            self.pos += 1

    # -- entries --
    def name_at(self) -> str | None:
        """The tensor name written at the next token, if one is."""
        self.skip_spaces()
        for name in self.names:
            if self.text.startswith(name, self.pos):
                after = self.text[self.pos + len(name) : self.pos + len(name) + 1]
                numbered = (_NUMBERED_NAME.match(self.text, self.pos + len(name))
                            if after.isdigit() and len(name) > 1 and name[-1].isalpha() else None)
                if numbered:  # \text{dx1}_{nd}: a name of the notes' own, not dx and a number
                    written = name + numbered[1]
                    raise UnknownName(f"unknown name {written!r}: the entries here are {', '.join(sorted(self.tensors))} "
                                      "(choose the names with --names)", written)
                if after in ("_", "^", "[", "(", "") or not (after.isalpha() or (name[-1].isalpha() and after == "{")):
                    return name
        return None

    def entry(self, allow_loss: bool = False):
        """An entry x_{...} starting at the next token (after a name); or, with allow_loss, the loss:
        a lone letter, \\mathcal{L} or \\ell, kept as written."""
        term = _LOSS_TERM.match(self.text, self.pos)
        if term:
            self.pos = term.end()
            return ("lossterm", int(term[1]))
        node = _NODE.match(self.text, self.pos)
        if node:  # the notes' own quantity, one of its entries: ("node", its number, (Index, ...))
            self.pos = node.end()
            return ("node", node_key(int(node[1])), tuple(parse_index(part) for part in node[2].split(",") if part.strip()))
        if allow_loss:  # the top of a derivative: a lone letter is the loss, even where L names its value
            kind, word = self.peek()
            after = self.text[self.pos:].lstrip()[len(word):len(word) + 1]
            if kind == "word" and len(word) == 1 and after not in ("_", "^") and (
                    word in _LOSS_LETTERS or word not in self.spelled or self.spelled[word] != word):
                # a letter that names a value of the network (the target t, an output f) is that value
                self.take()
                return ("loss", word)
            found = _LOSS_WITH_SUBSCRIPT.match(self.text, self.pos)
            if found:  # E_n, E_{total}: the loss of one example, or the whole loss (not the error e_n)
                self.pos = found.end()
                return ("loss", found.group(1))
        worded = _WORD_SUPERSCRIPT.match(self.text, self.pos)
        if worded and worded[1] not in self.spelled:  # X^{norm}, a^{out}: a name of its own, its word part of it
            raise UnknownName(f"unknown name {worded[1]!r}: the entries here are {', '.join(sorted(self.tensors))}",
                              worded[1])
        name = self.name_at()
        if allow_loss and name in _LOSS_LETTERS and self.spelled.get(name) != name:
            # E_{o1}: the error of one output, not the tensor e (the loss's letter is no other case of a name)
            raise ParseError(f"{name} with a subscript is read as part of the loss, which symconv does not "
                             "derive: write the derivative of the whole loss")
        if name is not None:
            self.pos += len(name)
            return self.indices(self.spelled[name])
        loss = _LOSS_COMMAND.match(self.text, self.pos)
        if allow_loss and loss:
            self.pos = loss.end()
            return ("loss", " ".join(loss.group().split()))
        kind, word = self.peek()
        after = self.text[self.pos:].lstrip()[len(word):len(word) + 1]
        if allow_loss and kind == "word" and len(word) == 1 and after not in ("_", "^"):
            self.take()
            return ("loss", word)
        if (kind == "word" and 2 <= len(word) <= 3 and word[0].isupper() and after not in ("_", "^", "(")
                and all(letter in self.spelled for letter in word)):
            # Wx, Wa^{[1]}: a matrix times a vector written without a space, each letter a name
            start = self.text.index(word, self.pos)
            self.text = self.text[:start] + " ".join(word) + self.text[start + len(word):]
            return self.entry(allow_loss)
        if kind in ("word", "cmd") and not (kind == "cmd" and word in ("\\frac", "\\partial", "\\sum")):
            known = ", ".join(sorted(self.tensors))
            name = word
            after_name = self.text.index(word, self.pos) + len(word)
            layered = (LAYER_AFTER.match(self.text, after_name)
                       # h^{(1)} where the notes number layers in parentheses: the layer, as W^{(1)} reads
                       or self.parenthesized and _PARENTHESIZED_AFTER.match(self.text, after_name)) if (
                kind == "word" and not GRADIENT_WORD.fullmatch(word) or word[1:] in GREEK) else None
            if layered:  # o^{[0]}, x^{[1]}_{ij}: a name the notes give a value of one layer, read at that layer
                raise UnknownName(f"unknown name {name!r} at layer [{layered[1]}]: the entries here are {known}",
                                  name, at=int(layered[1]))
            if kind == "cmd" and word in _ACCENTS:  # \\hat{y}: the prepass writes accents so
                accent = re.match(r"\\[a-z]+\{\\?[A-Za-z]+\}", self.text[self.pos:].lstrip())
                name = accent.group() if accent else word
            raise UnknownName(f"unknown name {name!r}: the entries here are {known} (choose the names with --names)",
                              name)
        raise ParseError(f"expected an entry such as x_{{1,1}} at {self.text[self.pos:self.pos + 20]!r}")

    def indices(self, name: str):
        """The superscript (layer [l] and/or channel (c)) and subscripts after a name, as an entry node
        (or, for a name that stands for an upstream gradient, the derivative of the loss by that entry)."""
        layer, channel, subs, updated = None, None, [], False
        table = self.tensors[name]
        if self.lettered:
            letter = INDEX_LETTER.match(self.text, self.pos)
            letter = letter and letter.group(1)
            first = table.get(None)  # the notes' own reading of the name
            moved = first and self.lettered.get((MOVED, first.key, letter))
            if (name, letter) in self.lettered:
                table = self.lettered[(name, letter)]
            elif moved:
                table = {**table, None: replace(moved, gradient=first.gradient)}
        info = next(iter(table.values()))
        while self.pos < len(self.text) and self.text[self.pos] in "^_":
            mark = self.text[self.pos]
            body, end = read_group(self.text, self.pos + 1)
            if mark == "^" and not updated and _UPDATED.fullmatch(body):  # w^{+}, w_{11}^{2+}: after one step
                updated, body = True, _UPDATED.fullmatch(body)[1]
                if not body.strip():
                    self.pos = end
                    continue
            if mark == "^":
                if body.strip() == "\\top":
                    break  # W^{\\top}: the transpose, read by factor()
                found = _SUPERSCRIPT.fullmatch(body.strip())
                layered = [n for n in table if n is not None]
                if subs and is_number(body) and not (layer is None and None not in table and len(layered) > 1
                                                     and _layer_of(table, int(body)) in table):
                    break  # x_{1,1}^{2}: a power, read by factor(); but w_{11}^{2}, of a name that needs its layer, is it
                if re.fullmatch(r"\s*-\s*\d+(?:\s*/\s*\d+)?\s*", body):
                    break  # y_i^{-1}, \hat y^{-1/2}: a negative power (no layer or channel is), read by factor()
                channels = max((i.channels for i in table.values()), default=0)
                parts = [part.strip() for part in body.split(",")]
                if (not subs and channel is None and not layered and 0 < len(parts) <= channels
                        and all(re.fullmatch(r"[a-z]|\d+", part) for part in parts)
                        and re.match(r"\s*_", self.text[end:]) and (len(parts) > 1 or is_number(body))):
                    # x^{1}_{2,2}, W^{1,2}_{1,1}, W^{o,c}_{p,q}: channels written bare before the subscript, as a layer
                    # never is in a single layer (a power comes after the indices: x_{1,1}^{2})
                    self.pos = end
                    channel = [parse_index(part) for part in parts]
                    continue
                if (not subs and channel is None and not layered and is_number(body) and info.channels == 1
                        and len(info.shape) == 1 and 1 < info.shape[0] and int(body) <= info.shape[0]
                        and not re.match(r"\s*[_^]", self.text[end:])):
                    # b^{2} of a bias with one value per channel: channel 2 (as b^{o} is channel o), not b squared
                    self.pos = end
                    channel = [parse_index(body.strip())]
                    continue
                if not subs and is_number(body) and (not layered or len(layered) == 1
                                                     and _layer_of(table, int(body)) not in table):
                    break  # \hat y^2, \mu^2 of a name with no layer, or one that is not this: a power, read by factor()
                if layer is None and layered and (self.parenthesized or not any(i.channels for i in table.values())) and (
                        is_number(body) or (found and found.group(2) and is_number(found.group(2)) and not found.group(1))):
                    # w^{(2)}_{kj}, w^{2}_{kj}: a tensor without channels numbers its layer so
                    self.pos = end
                    layer = int(body.strip().strip("()"))
                    continue
                if (found is None and channel is None and re.fullmatch(r"\s*[a-z]\s*", body)
                        and any(i.channels for i in table.values())):
                    self.pos = end  # K^c_{uv}, Z^c: a letter is a channel's index (a layer is a number)
                    channel = [parse_index(body.strip())]
                    continue
                self.pos = end
                if found is None or channel is not None or not (found.group(1) or found.group(2) is not None):
                    raise ParseError(f"cannot read the superscript ^{{{body}}} of {name}: a layer is written "
                                     "^{[l]}, a channel ^{(c)}, a power after the indices: x_{1,1}^{2}")
                layer = int(found.group(1)) if found.group(1) else layer
                if found.group(2) is not None:
                    channel = [parse_index(part) for part in found.group(2).split(",")]
            else:
                self.pos = end
                if layer in table:
                    info = table[layer]
                run = body.strip()
                if (not subs and channel is None and len(info.shape) - info.channels == 1 and info.channels == 0
                        and (re.fullmatch(r"[1-9]\d", run) and int(run) > info.shape[-1]
                             or re.fullmatch(r"([a-z])(?!\1)[a-z]", run))):
                    # P_{12}, P_{rs} of a vector: two indices, so the notes mean a matrix by the name (binding.py)
                    raise UnknownName(f"{name}_{{{run}}} writes two indices, and {name} is a vector here: the notes "
                                      f"may mean another value by {name}", name)
                parts = split_indices(body, max(len(info.shape) - info.channels - len(subs), 1),
                                      (len(info.shape) - len(subs), len(info.shape) - len(subs) - sum(
                                          n == 1 for n in info.shape[: info.channels])) if channel is None else ())
                if len(parts) > 1 and "," not in body:
                    self.compact = True
                subs += [parse_index(part) for part in parts]
        numbered = any(info.numbered for info in table.values())
        layer = layer if numbered else _layer_of(table, layer)
        if layer not in table:
            known = ", ".join(f"[{n}]" for n in table if n is not None)
            if layer is not None and (numbered or set(table) == {None} and not table[None].gradient
                                      and not GRADIENT_WORD.fullmatch(name)):
                # the input x written x^{[1]}, o^{[1]} beside o^{[0]}: the notes' name for a value at that layer
                raise UnknownName(f"{name} has no layer [{layer}]" + (f": it has {known}" if known else ""),
                                  name, at=layer)
            if layer is None:
                raise UnknownName(f"{name} needs its layer, one of {known}: e.g. {name}^{{[{next(iter(table))}]}}",
                                  name, tuple(n for n in table if n is not None))
            raise ParseError(f"{name} has no layer [{layer}]" + (f": it has {known}" if known else ""))
        info = table[layer]
        spatial = len(info.shape) - info.channels
        bracketed = _BRACKETED.match(self.text, self.pos) if not subs and channel is None and prod(info.shape) > 1 else None
        if bracketed and re.search(rf"(?<![A-Za-z\\]){re.escape(name)}(?![A-Za-z])", bracketed.group(1)):
            bracketed = None  # h(1 - h): the name times an expression in itself, never its entry
        single = sum(n == 1 for n in info.shape[: info.channels])
        if bracketed and len(bracketed.group(1).split(",")) in (len(info.shape), len(info.shape) - single, spatial):
            subs = [parse_index(part) for part in bracketed.group(1).split(",")]  # X[4,4], X(4,4)
            self.pos = bracketed.end()
        node = self._entry_node(name, info, channel, subs, layer)
        argument = _ARGUMENT_OF.match(self.text, self.pos) if subs else None
        if argument and argument[1] in self.spelled and any(
                prod(i.shape) > 1 for i in self.tensors[self.spelled[argument[1]]].values()):
            self.pos = argument.end()  # y_i(x): the entry as a function of the whole input x, not y_i times x
        return ("update", node) if updated else node

    def _entry_node(self, name: str, info: TensorInfo, channel, subs, layer: int | None = None):
        if info.transposed and channel is None and len(subs) == 2:
            subs = [subs[1], subs[0]]  # the notes' w_{d,j} joins input d to output j: symconv's W_{j,d}
        spatial = len(info.shape) - info.channels
        if (channel is None and info.channels and len(subs) == len(info.shape) + 1 and subs[0].alone
                and not any(v == subs[0].alone for i in subs[1:] for v, _ in i.coefs)):
            # x_{n,c,i,j} of one image (a layer without a batch), as PyTorch's N x C x H x W: n is the one example's
            # index, kept beside the next so that it runs over that one example
            subs = [replace(subs[1], dropped=subs[0].alone), *subs[2:]]
        if (prod(info.shape) == 1 and not info.gradient and channel is None and len(subs) > spatial
                and all(i.coefs for i in subs)):
            # a one-entry bias written with the indices of the map it is added to, as Gwardys' b^l_{x,y}: its entry
            letters = [i.alone for i in subs]
            subs = [Index((), 1, written=False, dropped=letters[0] if len(letters) == 1 else None)] * len(info.shape)
        if self.features and channel is None and info.shape[-1] == self.features and spatial == 1:
            # notes on one feature (the batch-normalization paper's): x_i is example i's, \gamma this feature's
            if info.channels == 1 and len(subs) == 1 and info.shape[0] > 1:
                channel, subs = subs, [FEATURE]
            elif info.channels == 0 and not subs:
                subs = [FEATURE]
        single = [k for k, n in enumerate(info.shape[: info.channels]) if n == 1]
        if channel is not None and len(channel) < info.channels == len(channel) + len(single):
            # k^{(m)}_{p,q} of a kernel with one input channel: the channels of length 1 left out
            given = iter(channel)
            channel = [Index((), 1, written=False) if k in single else next(given) for k in range(info.channels)]
        if channel is None and single and spatial < len(subs) == len(info.shape) - len(single):
            # W[c,m,n] of a kernel with one output channel, K_{m,p,q} of one with one input channel: the
            # channels of length 1 left out (the first, whatever the base)
            given = iter(subs)
            subs = [Index((), 1, written=False) if k in single else next(given) for k in range(len(info.shape))]
        flat = [k for k, n in enumerate(info.shape[info.channels:]) if n == 1]
        if subs and flat and len(subs) == spatial - len(flat) and len(subs) < spatial:
            # v_3 of a one-row weight matrix (a single output unit's weights), t_k of a one-column one: the
            # axes of length 1 left out
            given = iter(subs)
            subs = [Index((), 1, written=False) if k in flat else next(given) for k in range(spatial)]
        if channel is None and len(subs) == len(info.shape):
            one_example = spatial == 1 and single == [0] and all(i.written for i in subs)
            # Y(i, j, k_{in}) of a one-channel map: its channel's index written too, first or last (Hasan's HWC)
            # (not x_{n,c,i,j} of one image, N x C x H x W: its n dropped says the channel comes first)
            one_channel = (spatial > 1 and info.channels and len(single) == info.channels
                           and all(i.written and not i.dropped for i in subs))
            if (len(subs) - len(single) > 1 and any(n > 1 for n in info.shape[: info.channels])) or one_example or one_channel:
                # one example's vector A_{ki}: the example first (PyTorch's rows) or last (Ng's columns)?
                # x_{1,2,2}: channel first (PyTorch) or last (TensorFlow)? Read both ways by the grader.
                if self.layout is None:
                    raise ChannelLayout(f"{name} with {len(subs)} indices in one subscript is read with its channel "
                                        f"first and with it last: write the channel as a superscript, e.g. "
                                        f"{_example(name, info, layer)}, to say which")
                if self.layout == "last":
                    written = [i for i in subs if i.written]
                    kept = len(subs) - len(written)
                    subs = subs[:kept] + list(reversed(written[spatial:])) + written[:spatial]
            indices = tuple(subs)
        elif not subs and channel is None and prod(info.shape) > 1:
            return self._whole(info, ())  # the whole tensor: W^{[2]}, \\delta^{[3]}, b^{[1]}
        else:
            given = channel is not None
            if (channel is None and spatial and subs and len(subs) == info.channels
                    and all(n == 1 for n in info.shape[info.channels:])):
                # \hat y_n, t_n of a batch with one output each: the example's (the unit's axis of length 1 left out)
                channel, subs = subs, [Index((), 1, written=False)] * spatial
            if info.examples and len(subs) == spatial and EXAMPLE_LETTER.get() and (
                    len(channel or ()) == info.channels - 1
                    or not channel and all(n == 1 for n in info.shape[1:info.channels])):
                # z^{[1]}_i, a^{[1](m)}_{r,s}, a one-channel x_{i,j} in a batch: one example's, the claim read for
                # every example (grade.py tries this reading)
                rest = list(channel or ()) or [Index((), 1, written=False)] * (info.channels - 1)
                channel, given = [Index(((EXAMPLE_LETTER.get(), 1),), 0), *rest], True
            if channel is None:
                if any(n > 1 for n in info.shape[: info.channels]) and len(subs) == spatial:
                    raise ParseError(f"{name} has several channels: write the channel too, e.g. {_example(name, info, layer)}")
                channel = [Index((), 1, written=False)] * info.channels
            if not subs and spatial and all(n == 1 for n in info.shape[info.channels:]):
                subs = [Index((), 1, written=False)] * spatial  # b^{[1]} with one output: its only entry
            if not subs and spatial:
                return self._whole(info, tuple(channel) if given else ())
            missing = info.channels - len(channel)
            if given and 0 < missing and len(subs) == spatial + missing and all(i.written for i in subs):
                # Ng's Z^{[1](i)}_{h,w,c}: the example in the superscript, the channel among the indices, first or
                # last (TensorFlow's HWC), read both ways as the grader reads x_{1,2,2}
                if self.layout is None:
                    raise ChannelLayout(f"{name} with its channel among the indices is read with the channel first and "
                                        f"with it last: write it in the superscript, e.g. {_example(name, info, layer)}")
                moved = subs[spatial:] if self.layout == "last" else subs[:missing]
                subs = subs[:spatial] if self.layout == "last" else subs[missing:]
                channel = [*channel, *moved]
            if len(channel) != info.channels and len(subs) == spatial and not info.channels:
                # L^{(n)}: one example's loss, where the notes' L has no example or channel (a batch's mean loss)
                raise ParseError(f"{name} has no example or channel to write in parentheses here: it is one value "
                                 f"(of the whole batch, where there is one)")
            if len(channel) != info.channels or len(subs) != spatial:
                shown = info.channels and any(n > 1 for n in info.shape[: info.channels])
                where = f" and {info.channels} in the channel superscript" if shown else ""
                raise ParseError(f"{name} takes {spatial} indices in its subscript{where}, not {len(subs)}"
                                 f"{f' and {len(channel)}' if shown else ''}: e.g. {_example(name, info, layer)}")
            indices = tuple(channel) + tuple(subs)
        return _of_gradient(info, ("entry", info.key, indices, name))

    def _whole(self, info: TensorInfo, channel: tuple):
        """A tensor written without its indices (its channel may be given): an array of its entries."""
        node = _of_gradient(info, ("whole", info.key, channel))
        return ("op", "transpose", (node,), None) if info.transposed else node

    # -- derivatives, fractions, sums --
    def derivative_part(self, text: str, allow_loss: bool):
        inner = Parser(text.strip(), self.tensors, self.layout, self.parenthesized, self.features, self.lettered)
        if not inner.text.startswith("\\partial"):
            return None
        inner.pos = len("\\partial")
        rest = inner.text[inner.pos:].strip()
        if allow_loss and not rest:
            return ("operator",)  # \frac{\partial}{\partial w_{ij}} (...): of the factor after it
        vectorized = _VEC_OF.fullmatch(rest)
        if vectorized:  # \partial vec(Y): a whole tensor's columns stacked, for the Jacobian of vec(Y) by vec(X)
            node = self.sub_expression(vectorized.group(1))
            if node[0] != "whole" or node[2]:
                raise ParseError("vec(...) in a derivative is of a whole tensor, e.g. \\frac{\\partial vec(Y)}{\\partial vec(X)}")
            return ("vec", node)
        try:
            node = inner.entry(allow_loss=allow_loss)
            inner.skip_spaces()
            if inner.pos != len(inner.text):
                raise ParseError(f"cannot read {text.strip()!r} in a derivative")
        except ParseError:
            if not (allow_loss and _FUNCTION_OF.search(rest)):
                raise
            node = ("expr", self.sub_expression(rest))  # \partial \log p_k, \partial \frac{e^{a_i}}{\sum_k e^{a_k}}
        self.compact |= inner.compact
        return node

    def fraction(self):
        num, self.pos = read_group(self.text, self.pos)
        den, self.pos = read_group(self.text, self.pos)
        top = self.derivative_part(num, allow_loss=True)
        if top is not None:
            bottom = self.derivative_part(den, allow_loss=False)
            if bottom is None:
                raise ParseError(f"\\frac{{{num}}}{{{den}}}: the denominator of a derivative is \\partial and an entry")
            if top == ("operator",):
                loss = _OPERATED_LOSS.match(self.text, self.pos)
                if loss:  # \frac{\partial}{\partial K_{i,j,k,l}} J, Goodfellow's and UFLDL's order
                    self.pos = loss.end()
                    if "deriv" == bottom[0]:
                        raise ParseError("a derivative of or by a gradient (a second derivative) is not read")
                    return ("deriv", ("loss", loss.group("loss")), bottom)
                if not self.starts_factor():
                    raise ParseError("\\frac{\\partial}{\\partial ...} must be followed by what it differentiates")
                # of the whole product after it, as written: \frac{\partial}{\partial z} \frac{1}{2} (t - a)^2
                top = ("expr", self.term())
            if "deriv" in (top[0], bottom[0]):
                raise ParseError("a derivative of or by a gradient (a second derivative) is not read")
            if top[0] == "loss" and bottom[0] == "vec":  # \partial L / \partial vec(X): the gradient's columns stacked
                return ("fn", "vec", (("deriv", top, bottom[1]),))
            if "vec" in (top[0], bottom[0]):
                if top[0] != bottom[0]:
                    raise ParseError("a Jacobian of vec(...) is by vec(...) too, e.g. \\frac{\\partial vec(Y)}{\\partial vec(X)}")
                return ("jacobian", top[1], bottom[1])  # numerator layout: a row per entry of vec(Y)
            return ("deriv", top, bottom)
        return ("div", self.sub_expression(num), self.sub_expression(den))

    def matrix(self):
        """A matrix written out, \\begin{bmatrix} a & b \\\\ c & d \\end{bmatrix}, as an operand: each entry an expression."""
        found = _MATRIX_LITERAL.match(self.text, self.pos)
        if found is None:
            raise ParseError("cannot read the environment: a matrix written out is read as bmatrix, pmatrix or matrix")
        end = self.text.find(f"\\end{{{found['env']}}}", found.end())
        if end == -1:
            raise ParseError(f"\\begin{{{found['env']}}} is never ended")
        body = self.text[found.end():end]
        if "\\begin" in body:
            raise ParseError("a matrix inside a matrix (a block matrix) is not read")
        rows = [row for row in _top_split(body, _ROW_BREAK) if row.strip()]
        cells = [tuple(cell for cell in _top_split(row, "&")) for row in rows]
        if not cells or len({len(row) for row in cells}) != 1:
            raise ParseError("the rows of the matrix have different numbers of entries: every row needs as many")
        if any(not cell.strip() for row in cells for cell in row):
            raise ParseError("an entry of the matrix is empty: write 0 where it is zero")
        if len(cells) * len(cells[0]) > MAX_MATRIX_ENTRIES:
            raise ParseError(f"the matrix has {len(cells) * len(cells[0]):,} entries, more than the "
                             f"{MAX_MATRIX_ENTRIES:,} read")
        self.pos = end + len(f"\\end{{{found['env']}}}")
        return ("literal", tuple(tuple(self.sub_expression(cell) for cell in row) for row in cells))

    def sub_expression(self, text: str):
        inner = Parser(text, self.tensors, self.layout, self.parenthesized, self.features, self.lettered, self.limits)
        node = inner.expression()
        inner.expect_end()
        self.compact |= inner.compact
        return node

    def slash_derivative(self):
        self.skip_spaces()
        start = self.pos
        try:
            if re.match(r"\\(?:log|ln|exp|tanh|sigma|frac|left)(?![A-Za-z])|\(", self.text[start:]):
                raise ParseError("an expression before /")
            top = self.entry(allow_loss=True)
            self.skip_spaces()
            if not self.text.startswith("/", self.pos):
                raise ParseError("not an entry before /")
        except UnknownName:
            raise
        except ParseError:
            # \partial \log p_i / \partial z_j: of an expression, up to the '/' outside brackets
            self.pos, slash, depth = start, None, 0
            for k in range(start, len(self.text)):
                depth += {"{": 1, "(": 1, "[": 1, "}": -1, ")": -1, "]": -1}.get(self.text[k], 0)
                if self.text[k] == "/" and depth == 0:
                    slash = k
                    break
            if slash is None:
                raise ParseError("\\partial must be followed by an entry, '/' and \\partial and an entry") from None
            top = ("expr", self.sub_expression(self.text[start:slash]))
            self.pos = slash
        if self.take() != ("char", "/"):
            raise ParseError("\\partial must be followed by an entry, '/' and \\partial and an entry")
        if self.take() != ("cmd", "\\partial"):
            raise ParseError("a derivative written with / needs \\partial in its denominator")
        bottom = self.entry()
        if "deriv" in (top[0], bottom[0]):
            raise ParseError("a derivative of or by a gradient (a second derivative) is not read")
        return ("deriv", top, bottom)

    def summation(self):
        bounds = []
        sub = sup = None
        self.skip_spaces()
        while self.pos < len(self.text) and self.text[self.pos] in "_^":
            mark = self.text[self.pos]
            body, self.pos = read_group(self.text, self.pos + 1)
            if mark == "_":
                sub = body
            else:
                sup = body
            self.skip_spaces()
        if sub is None:
            raise ParseError("\\sum needs its index, e.g. \\sum_{r,s} or \\sum_{r=1}^{2}")
        excluded = ()
        ranges = _INEQUALITY_RANGES.fullmatch(sub)
        if ranges and sup is None:  # \max_{2 \le i \le 4,\; 1 \le j \le 3}: each index between its bounds
            for low, below, var, above, high in _INEQUALITY.findall(sub):  # 0 \le p < 2: 0 and 1
                bounds.append((var, int(low) + (below == "<"), int(high) - (above == "<")))
            return ("sum", tuple(bounds), self.term(), excluded)
        pair = re.fullmatch(r"\s*\(\s*([a-z](?:\s*,\s*[a-z])+)\s*\)\s*", sub)
        if pair:  # \sum_{(i,j)}: over the pairs, every i and every j
            sub = pair.group(1)
        also = re.fullmatch(r"(?P<range>[^,]*=[^,]*),\s*(?P<var>[a-z])\s*(?:\\neq?|!=|\\not\s*=)(?![A-Za-z])\s*(?P<other>[a-z]|\d+)\s*", sub)
        if also:  # \sum_{j=1, j \ne i}^3: from 1 to 3, but i
            sub = also["range"]
            other = int(also["other"]) if also["other"].isdigit() else also["other"]
            excluded = ((also["var"], other),)
        unequal = _UNEQUAL.fullmatch(sub.strip())
        if unequal:  # \\sum_{k \\neq j}: every k but j
            sub, excluded = unequal.group(1), ((unequal.group(1), unequal.group(2)),)
        number = _UNEQUAL_NUMBER.fullmatch(sub.strip())
        if number:  # \\sum_{1 \\ne j}^3, \\sum_{j \\neq 1}: every j but 1
            var, value = (number[1], number[2]) if number[1] else (number[4], number[3])
            sub, excluded = var, ((var, int(value)),)
        over = _OVER_ENTRIES.fullmatch(sub.strip())
        if over and sup is None:  # \sum_{p \in y} \frac{\partial L}{\partial p} \frac{\partial p}{\partial w}: over y's entries
            return self._over_entries(over["var"], over["name"])
        member = _MEMBER.fullmatch(sub.strip())
        if member:  # \sum_{l \in \{6, 7\}}, \sum_{k \in \{1, \dots, n\}}: a run of whole numbers
            sub, sup = _run(member["var"], member["values"])
        if "=" in sub:
            var, low = (part.strip() for part in sub.split("=", 1))
            # limits of whole-number arithmetic, the sizes put in as numbers: \sum_{i=0}^{(5 - 3) / 2} runs to 1
            low, sup = (text if text is None or whole_value(text) is None else str(whole_value(text)) for text in (low, sup))
            names = [v for v in re.split(r"[,\s]+", var) if v]  # \sum_{r,s=1}^{2}: both from 1 to 2
            # an upper bound written as a letter (m, n, N) is the size the notes give the axis: to its end
            to_end = sup is not None and re.fullmatch(r"\s*[A-Za-z](?:_\s*(?:\{[^{}]*\}|\w))?\s*", sup) is not None
            linear = _linear_bounds(low, sup, names)
            if linear is not None:  # \sum_{i=2a-1}^{2a}: bounds in the claim's other indices
                bounds += [(v, *linear) for v in names]
            elif not names or not all(re.fullmatch(r"[a-z]", v) for v in names) or not _whole(low) \
                    or sup is None or not (_whole(sup) or to_end):
                raise ParseError(f"cannot read the sum's range {sub}^{sup}: write numbers, e.g. \\sum_{{r=1}}^{{2}}")
            else:  # \sum_{u=-1}^{1}: a kernel indexed from its centre runs from a negative number
                bounds += [(v, int(low.replace(" ", "")), None if to_end else int(sup.replace(" ", ""))) for v in names]
        else:
            names = [v for v in re.split(r"[,\s]+", sub.strip()) if v]
            if len(names) == 1 and re.fullmatch(r"[a-z]+", names[0]):
                names = list(names[0])  # \sum_{rs}
            for var in names:
                if not re.fullmatch(r"[a-z]", var):
                    raise ParseError(f"cannot read the summation index {var!r}: use single letters, e.g. \\sum_{{r,s}}")
                bounds.append((var, None, None))
        if self.peek()[1] == "-":  # \sum_i -2(x_i - \mu): the sum of the negated term
            self.take()
            return ("sum", tuple(bounds), ("add", ((-1, self.term()),)), excluded)
        return ("sum", tuple(bounds), self.term(), excluded)

    def _over_entries(self, var: str, name: str):
        """The sum over every entry p of a tensor the claim names (\\sum_{p \\in \\mathbf{y}}, the chain rule over
        all the outputs): p in the summand stands for y_{u,v}, u and v letters the claim does not use otherwise."""
        key = self.spelled.get(name)
        table = self.tensors.get(key) if key is not None else None
        if not table or len(table) != 1:
            raise ParseError(f"cannot read the sum over the entries of {name}: name one tensor of the network")
        info = next(iter(table.values()))
        if any(n > 1 for n in info.shape[: info.channels]):
            raise ParseError(f"cannot read the sum over the entries of {name}: it has several channels")
        count = len(info.shape) - info.channels
        rest = self.text[self.pos:]
        free = unused_letters(self.text, but=var)
        if not 0 < count <= len(free):
            raise ParseError(f"cannot read the sum over the entries of {name}")
        letters = free[:count]
        entry = f"{key}_{{{','.join(letters)}}}"
        self.text = self.text[:self.pos] + re.sub(rf"(?<![A-Za-z\\]){re.escape(var)}(?![A-Za-z_^'])", lambda _: entry, rest)
        return ("sum", tuple((letter, None, None) for letter in letters), self.term(), ())

    # -- expressions --
    def starts_factor(self) -> bool:
        kind, text = self.peek()
        return (kind in ("num", "word") or (kind == "cmd" and (text in ("\\frac", "\\partial", "\\sum", "\\ind", "\\ones", "\\begin",
                                                                      "\\column", "\\row", "\\nodeat", "\\jacobianof",
                                                                      *FUNCTION_COMMANDS, *_ACCENTS)
                                                             or text[1:] in GREEK))
                or text in ("(", "[", "{") or self.name_at() is not None)

    def primary(self):
        kind, text = self.peek()
        if kind == "cmd" and text == "\\begin":
            return self.matrix()
        if kind == "cmd" and text == "\\nodeat":
            return self.entry()
        if kind == "cmd" and text == "\\jacobianof":  # J_x(s): of whichever of the two is computed from the other
            self.take()
            first, self.pos = read_group(self.text, self.pos)
            second, self.pos = read_group(self.text, self.pos)
            return ("eitherjac", self.sub_expression(first), self.sub_expression(second))
        activation = _ACTIVATION.match(self.text, self.pos)
        if activation and activation[1] not in self.spelled:  # f(z), \varphi'(net_j): the layer's own activation
            self.pos = activation.end() - 1
            return ("fn", "dactivation_fn" if activation[2] else "activation_fn", self.arguments(activation[1]))
        if _LOSS_TERM.match(self.text, self.pos):
            return self.entry()  # E_{o1}: the loss's term of one output
        total = _TOTAL_LOSS.match(self.text, self.pos)
        if total and "L" in self.tensors:  # E_{total} = E_{o1} + E_{o2}: the loss's value
            self.pos = total.end()
            return self.sub_expression("L")
        example = _LOSS_OF_EXAMPLE.match(self.text, self.pos)
        if example and "L" in self.tensors and self.spelled.get(example.group(1)) != example.group(1):
            self.pos = example.end()  # E_n = \frac{1}{2} \sum_k (y_k - t_k)^2: the loss of the one example n
            return self.sub_expression("L")
        if kind == "cmd" and (text in _ACCENTS or text[1:] in GREEK) and text not in FUNCTION_COMMANDS:
            return self.entry()  # \\hat{y}_i, \\delta_k: a name (entry() says when it is unknown)
        if kind == "num":
            self.take()
            if len(text) > 30:
                raise ParseError(f"the number {text[:20]}... has {len(text):,} digits: too long to be part of a claim")
            # written with a decimal point: a value measured, not exact; its third part the places written (or True)
            return ("num", Fraction(text), len(text.partition(".")[2]) or True if "." in text else False)
        if text in ("max", "min", "\\max", "\\min") and re.match(r"\s*\\?(?:max|min)\s*_", self.text[self.pos:]):
            self.take()  # \max_{i,j} a_{c,ij}: the largest (smallest) over the indices, as a sum runs over them
            _, bounds, body, excluded = self.summation()
            return ("extreme", bounds, body, excluded, text.lstrip("\\"))
        if kind == "word" and text in FUNCTION_WORDS and self.name_at() is None:
            self.take()
            name = FUNCTION_WORDS[text]
            if self.text.startswith("'", self.pos) and name in DERIVATIVES:
                self.pos += 1
                name = DERIVATIVES[name]
            lettered = _LAYER_AMOUNT.match(self.text, self.pos) if name in LETTERS else None
            amount = _PAD_AMOUNT.match(self.text, self.pos) if name in ("pad", "spread", "dilate") else None
            if lettered:  # pad_P(X), spread_S(G): the layer's padding, stride or dilation
                letter = lettered["letter"] or lettered["alone"]
                if letter != LETTERS[name]:
                    raise ParseError(f"{name}_{letter}: {name} takes the layer's {WORDS[LETTERS[name]]}, "
                                     f"{name}_{LETTERS[name]}")
                self.pos = lettered.end()
                name = f"{name}:{letter}"
            elif amount:  # pad_1(G), \mathrm{pad}_{1,2}(G): so many rows and columns of zeros on each side
                self.pos = amount.end()
                rows = int(amount["rows"] or amount["alone"])
                name = f"{name}:{rows},{int(amount['columns'] or rows)}"
            return ("fn", name, self.arguments(text))
        if kind == "word" and text == "e" and _EXP.match(self.text, self.pos):  # e^{...}: not a layer's e^{[l]}
            self.take()
            self.skip_spaces()
            body, self.pos = read_group(self.text, self.pos + 1)
            return ("fn", "exp", (self.sub_expression(body),))
        if (kind == "word" and text in self.limits and self.name_at() is None
                and not self.text.startswith(("_", "^"), self.pos + len(text))):
            self.take()
            return ("count", self.limits[text])  # the sum's count, filled in once the side is read (_counted)
        if kind == "word" or self.name_at() is not None:
            return self.entry()
        if kind == "cmd" and text in FUNCTION_COMMANDS:
            self.take()
            name = FUNCTION_COMMANDS[text]
            if self.text.startswith("'", self.pos) and name in DERIVATIVES:  # \\sigma'(z), \\tanh'(z)
                self.pos += 1
                name = DERIVATIVES[name]
            return ("fn", name, self.arguments(text))
        if kind == "cmd" and text == "\\ones":
            self.take()
            return ("op", "ones", (), None)
        if kind == "cmd" and text in ("\\column", "\\row"):  # w_{.k}, W_{j,:}: a whole column or row (notation.py)
            self.take()
            matrix, self.pos = read_group(self.text, self.pos)
            index, self.pos = read_group(self.text, self.pos)
            node = self.sub_expression(matrix)
            if text == "\\column":
                node = ("op", "transpose", (node,), None)
            return ("pick", node, (parse_index(index),))
        if kind == "cmd" and text == "\\ind":
            self.take()
            body, self.pos = read_group(self.text, self.pos)
            return self.indicator(body)
        if kind == "cmd" and text == "\\pieces":  # {v if c; w otherwise}, as the documents print a formula's pieces
            self.take()
            value, self.pos = read_group(self.text, self.pos)
            condition, self.pos = read_group(self.text, self.pos)
            other, self.pos = read_group(self.text, self.pos)
            cond = self.indicator(condition)
            return ("pieces", self.sub_expression(value), cond, self.sub_expression(other))
        if kind == "cmd":
            self.take()
            if text == "\\frac":
                return self.fraction()
            if text == "\\partial":
                return self.slash_derivative()
            if text == "\\sum":
                return self.summation()
            if text == SHARED_BIAS:
                number, self.pos = read_group(self.text, self.pos)
                raise ParseError(f"b_{number} is a bias several units share in these notes, and the claim names none "
                                 f"of them: it is read in a claim about one unit (net_{{o1}} = ... + b_{number})")
            if text[1:] in GREEK:  # \\delta_k, \\omega: a name the notes give something
                layered = LAYER_AFTER.match(self.text, self.pos)
                raise UnknownName(f"unknown name {text!r}" + (f" at layer [{layered[1]}]" if layered else "")
                                  + f": the entries here are {', '.join(sorted(self.tensors))}", text,
                                  at=int(layered[1]) if layered else None)
            raise ParseError(f"cannot read {text}: it is not part of the notation symconv checks")
        if text in ("(", "[", "{"):
            self.take()
            node = self.expression()
            closing = {"(": ")", "[": "]", "{": "}"}[text]
            items = [node]
            while text in ("(", "[") and self.peek()[1] == ",":  # (x_{11}, x_{21}, x_{31})^T: a vector written out
                self.take()
                items.append(self.expression())
            if self.take() != ("char", closing):
                raise ParseError(f"a {text} is never closed")
            return node if len(items) == 1 else ("op", "vector", tuple(items), None)
        raise ParseError(f"unexpected {text!r}" if text else "the expression ends too early")

    def arguments(self, name: str) -> tuple:
        """A function's arguments: (x), (a, b) for max and min, {x}, or a factor without brackets (\\log p_k)."""
        self.skip_spaces()
        if self.pos < len(self.text) and self.text[self.pos] in "({[":
            closing = {"(": ")", "{": "}", "[": "]"}[self.text[self.pos]]
            self.take()
            args = [self.expression()]
            while self.peek()[1] == ",":
                self.take()
                args.append(self.expression())
            if self.take() != ("char", closing):
                raise ParseError(f"the argument of {name} is never closed")
            return tuple(args)
        return (self.factor(),)

    def indicator(self, body: str):
        """An indicator 1[a > b] (or >=, <, <=, =), its condition read as two expressions and a relation."""
        found = _RELATION.search(body)
        if found is None:
            raise ParseError(f"cannot read the indicator's condition {body!r}: write a relation such as z > 0")
        relation = {"\\geq": ">=", "\\ge": ">=", "\\leq": "<=", "\\le": "<=", "\\gt": ">", "\\lt": "<",
                    "\\neq": "!=", "\\ne": "!="}.get(found.group().strip(), found.group().strip())
        left, right = body[:found.start()].strip(), body[found.end():].strip()
        if all(_INDEX_ONLY.fullmatch(side) or (_linear_index(side) and not any(
                letter in self.spelled for letter in re.findall(r"[a-z]", side))) for side in (left, right)) and not all(
                side in self.spelled for side in (left, right)):
            # i = k, 2i+p-2 = m, 1 \le 6-2j: a condition on the indices
            return ("idxrel", relation, parse_index(left), parse_index(right))
        if relation == "!=":
            raise ParseError("\\neq in a condition reads between two indices, e.g. i \\neq k")
        return ("ind", relation, self.sub_expression(left), self.sub_expression(right))

    def factor(self):
        node = self.primary()
        self.skip_spaces()
        if self.text.startswith("_", self.pos) and node[:2] == ("op", "ones"):
            _, self.pos = read_group(self.text, self.pos + 1)  # \mathbf{1}_4: its length, which the sum it is in gives
            self.skip_spaces()
        elif self.text.startswith("_", self.pos) and (node[0] == "jacobian" or node[0] in ("op", "fn") and _whole_in(node)
                                                      # (\delta x^T)_{1,2}, (M^T \delta)_{i,1}: an entry of a product of them
                                                      or node[0] in ("mul", "add", "div", "eitherjac") and _whole_in(node)
                                                      and self.text[:self.pos].rstrip().endswith((")", "]"))
                                                      or node[0] == "deriv" and (node[2][0] == "whole"
                                                                                 and node[1][0] in ("whole", "expr")
                                                                                 or node[1][0] == "whole")):
            # (X \star K)_{p,q}, rot180(K)_{1,1}: an entry of the tensor the operator or function gives
            body, self.pos = read_group(self.text, self.pos + 1)
            parts = ([part for part in body.split(",")] if "," in body
                     else list(body.strip()) if re.fullmatch(r"\s*(?:\d\d|[a-z]{2})\s*", body) else [body])
            node = ("pick", node, tuple(parse_index(part) for part in parts))
            self.skip_spaces()
        if self.text.startswith("^{\\top}", self.pos):
            self.pos += len("^{\\top}")
            return ("op", "transpose", (node,), None)
        if self.pos < len(self.text) and self.text[self.pos] == "^":
            body, self.pos = read_group(self.text, self.pos + 1)
            node = ("pow", node, _power(body))
        return node

    def term(self):
        factors = [self.factor()]
        while True:
            kind, text = self.peek()
            if text in ("*", "\\cdot"):
                self.take()
                negated = self.peek()[1] == "-"  # 0.5 * -0.0226: a factor's own sign after the operator
                if negated:
                    self.take()
                right = self.factor()
                if negated:
                    right = ("mul", (("num", Fraction(-1), False), right))
                if text == "*" and any(_whole_in(f) for f in (*factors, right)):  # between images: a convolution
                    factors = [("op", "star", (_joined(factors), right), None)]
                else:
                    factors.append(right)
            elif text in OPERATORS:
                self.take()
                stride = self.stride() if text == "\\star" else None
                factors = [("op", OPERATORS[text], (_joined(factors), self.factor()), stride)]
            elif text == "/":
                self.take()
                factors = [("div", ("mul", tuple(factors)), self.factor())]
            elif self.starts_factor():
                factors.append(self.factor())
            else:
                return factors[0] if len(factors) == 1 else ("mul", tuple(factors))

    def stride(self) -> int | str | None:
        """\\star_{2}: the stride of a correlation written as an operator; \\star_D: the correlation at the layer's
        dilation D, cut to the kernel's size (layer_operators.py)."""
        self.skip_spaces()
        if self.pos < len(self.text) and self.text[self.pos] == "_":
            body, self.pos = read_group(self.text, self.pos + 1)
            if body.strip() == "D":
                return "D"
            if not is_number(body) or not 1 <= int(body) <= 9:
                raise ParseError(f"cannot read the correlation's stride _{{{body}}}: write a number, e.g. \\star_{{2}}")
            return int(body)
        return None

    def expression(self):
        parts = []
        sign = 1
        kind, text = self.peek()
        if text in ("+", "-"):
            self.take()
            sign = -1 if text == "-" else 1
        parts.append((sign, self.term()))
        while self.peek()[1] in ("+", "-"):
            sign = -1 if self.take()[1] == "-" else 1
            if self.peek()[1] in ("+", "-"):  # 0.0554 + -0.0190: the term's own sign after the operator
                sign *= -1 if self.take()[1] == "-" else 1
            parts.append((sign, self.term()))
        return parts[0][1] if len(parts) == 1 and parts[0][0] == 1 else ("add", tuple(parts))

    def expect_end(self) -> None:
        kind, text = self.peek()
        if kind != "end":
            raise ParseError(f"cannot read the claim from {self.text[self.pos:].strip()[:30]!r} on")


def _run(var: str, values: str) -> tuple[str, str]:
    """A sum's index set written as a run of whole numbers, \\{6, 7\\} or \\{1, \\dots, n\\}, as its range."""
    items = [item.strip() for item in values.split(",") if item.strip()]
    dots = [k for k, item in enumerate(items) if re.fullmatch(r"\\[lc]?dots", item)]
    numbers = [item for item in items if not re.fullmatch(r"\\[lc]?dots", item)]
    last_letter = len(numbers) >= 2 and re.fullmatch(r"[A-Za-z]", numbers[-1]) is not None and dots
    whole = numbers[:-1] if last_letter else numbers
    if not whole or not all(is_number(n) and float(n).is_integer() for n in whole) or len(dots) > 1:
        raise ParseError(f"cannot read the sum's index set {{{values.strip()}}}: write a run of whole numbers, e.g. \\{{1, 2, 3\\}}")
    ints = [int(float(n)) for n in whole]
    if not dots and ints != list(range(ints[0], ints[0] + len(ints))):
        raise ParseError(f"cannot read the sum's index set {{{values.strip()}}}: only a run of consecutive numbers is read")
    return f"{var}={ints[0]}", numbers[-1] if last_letter else str(ints[-1])


def _layer_of(table: dict, layer: int | None) -> int | None:
    """The layer a name means: as written; the only one that has the name when none is written (k for a
    network's one kernel); or, for a number no layer with the name has, the layer-th of those that do
    (notes that count only the layers with weights: W^{(2)} for the second dense layer)."""
    layered = sorted(n for n in table if n is not None)
    if layer is None and None not in table and len(layered) == 1:
        return layered[0]
    if layer is not None and layer not in table and 1 <= layer <= len(layered):
        return layered[layer - 1]
    return layer


def _joined(factors: list):
    return factors[0] if len(factors) == 1 else ("mul", tuple(factors))


def _linear_index(text: str) -> bool:
    """Whether the text is a linear expression in index letters (6-2j, 2i+p-2), as parse_index reads one."""
    if not re.search(r"[a-z]", text) or not re.fullmatch(r"[0-9a-z+\-()\s*]+", text):
        return False
    try:
        parse_index(text)
    except ParseError:
        return False
    return True


def _whole(text: str) -> bool:
    """A whole number, negative too (a sum's bound: \\sum_{u=-1}^{1})."""
    text = text.strip()
    return is_number(text[1:] if text.startswith("-") else text)


def _whole_in(node) -> bool:
    """Whether the node is about a whole tensor (so * next to it is a convolution, not a product of numbers)."""
    return any(sub[0] in ("whole", "literal") or sub[:2] == ("op", "ones") for sub in walk(node))


def _example(name: str, info: TensorInfo, layer: int | None = None) -> str:
    """An entry of the tensor as the parser reads it: b_{1}, x^{(1)}_{1,1}, k^{(1,1)}_{1,1}, a^{[2](1)}_{1,1}."""
    spatial = len(info.shape) - info.channels
    ones = lambda n: ",".join("1" * n)  # noqa: E731
    several = any(n > 1 for n in info.shape[: info.channels])
    sup = (f"[{layer}]" if layer is not None else "") + (f"({ones(info.channels)})" if several and spatial else "")
    head = f"{name}^{{{sup}}}" if sup else name
    return f"{head}_{{{ones(spatial or info.channels)}}}"


_FRACTION_POWER = re.compile(r"\s*([+-]?)\s*(?:(\d+)\s*/\s*(\d+)|\\frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}|(\d*\.\d{1,3}|\d+))\s*")


def _power(body: str) -> int | Fraction:
    r"""A power: a whole number up to MAX_POWER, or a fraction or negative number no larger in its parts
    ((\sigma^2 + \epsilon)^{-1/2}, ^{-\frac{3}{2}}, ^{-0.5}), or two such numbers added (Zakka's ^{-0.5 - 1})."""
    terms = list(_FRACTION_POWER.finditer(body))
    if not terms or len(terms) > 2 or "".join(t[0] for t in terms) != body or (len(terms) == 2 and not terms[1][1]):
        raise ParseError(f"cannot read the power ^{{{body}}}: write a whole number or a fraction such as -1/2")
    power = Fraction(0)
    for found in terms:
        top, bottom = (found[2], found[3]) if found[2] else (found[4], found[5]) if found[4] else (found[6], "1")
        if int(bottom) == 0:
            raise ParseError(f"cannot read the power ^{{{body}}}: a fraction's denominator is 0")
        power += Fraction(top) / int(bottom) * (-1 if found[1] == "-" else 1)
    if abs(power.numerator) > MAX_POWER or power.denominator > MAX_POWER:
        raise ParseError(f"cannot read the power ^{{{body}}}: only powers up to {MAX_POWER} in numerator and denominator")
    return int(power) if power.denominator == 1 and power >= 0 else power



def _of_gradient(info: TensorInfo, node):
    """An entry (or a whole tensor) of what a name stands for: the value, or the loss's gradient by it (times
    the name's scale: Ng's dZ is m times the mean loss's gradient)."""
    if not info.gradient:
        return node
    gradient = ("deriv", ("loss", info.gradient), node)
    return ("mul", (("num", Fraction(info.scale), False), gradient)) if info.scale != 1 else gradient

def parse_claim(text: str, tensors: dict[str, dict[int | None, TensorInfo]],
                layout: str | None = None, parenthesized: bool = False, features: int = 0,
                lettered: dict | None = None) -> tuple[list, bool]:
    """The sides of "A = B (= C ...)" as trees, and whether entries were written compactly (x_{11}).

    Raises:
        ChannelLayout: when an entry writes its channel among its indices and `layout` does not say where.
        ParseError: when the text is not a claim or cannot be read completely.
    """
    if len(text) > MAX_CLAIM:
        raise ParseError(f"the claim is {len(text):,} characters long: too long to be one claim")
    sides = _sides(text)
    if len(sides) < 2:
        raise ParseError("not a claim: there is no '='")
    trees, compact = [], False
    for side in sides:
        if not side.strip():
            raise ParseError("one side of '=' is empty")
        parser = Parser(side, tensors, layout, parenthesized, features, lettered)
        tree = parser.expression()
        parser.expect_end()
        trees.append(_counted(tree) if parser.limits else tree)
        compact |= parser.compact
    return trees, compact


def _counted(tree):
    """The side with each count of a sum's terms (the m of \\frac{1}{m} \\sum_{i=1}^{m}) given the sum it counts."""
    sums = {bound[0]: (bound[1], node[2]) for node in walk(tree) if node[0] == "sum" for bound in node[1]}

    def fill(node):
        if not isinstance(node, tuple):
            return node
        if node[:1] == ("count",):
            if node[1] not in sums:
                raise ParseError(f"the sum over {node[1]} that its count stands for is not on this side")
            return ("count", node[1], *sums[node[1]])
        return tuple(fill(part) for part in node)
    return fill(tree)


@lru_cache(maxsize=4096)
def _sides(text: str) -> tuple[str, ...]:
    """The sides of a claim after the prepass: the same text is read many times over (each reading of the
    names the notes give it), its notation rewritten once."""
    return tuple(side for _, side in _split_equals(prepass(text)))


def _split_equals(text: str) -> list[tuple[int, str]]:
    out, depth, start = [], 0, 0
    for pos, ch in enumerate(text):
        depth += {"{": 1, "}": -1}.get(ch, 0)
        if ch == "=" and depth == 0:
            out.append((start, text[start:pos]))
            start = pos + 1
    out.append((start, text[start:]))
    return out


def _linear_bounds(low: str, sup: str | None, names: list[str]) -> tuple | None:
    """(low, high) as index expressions when a sum's bounds are linear in other index letters and at least one
    is not a number (\\sum_{i=2a-1}^{2a}); None otherwise (numbers, or not linear: read as before)."""
    if sup is None or len(names) != 1 or not re.fullmatch(r"[a-z]", names[0]):
        return None
    if is_number(low) and (is_number(sup) or re.fullmatch(r"\s*[A-Za-z](?:_\s*(?:\{[^{}]*\}|\w))?\s*", sup)):
        return None  # numbers, or \sum_{i=1}^{m}: to the end of the axis (a letter alone as the upper bound)
    try:
        bounds = [extreme_bound(text) or parse_index(text) for text in (low, sup)]
    except ParseError:
        return None
    letters = {v for b in bounds for v, _ in b.coefs}
    if not letters or names[0] in letters or any(len(v) > 1 for v in letters):
        return None
    return tuple(b if b.coefs else b.const for b in bounds)
