"""Grade claims against a derivation (a layer or a network), by what they mean, at every index of their range.

A claim is right when every side after the first equals the truth as a function of the derivation's
leaves: exactly after expansion where that is cheap, else by value at random points (meaning.py);
notation never makes it wrong (factors and terms in any order, x_{11} or x_{1,1}, a derived value
written out or by its name). It is wrong only when unequal in every reading the notes allow (the
channel first or last, * as a correlation or a convolution, the names symconv read by meaning).
Entries outside a tensor on the right-hand side are 0, as the zero padding and the full convolution
take them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from math import prod
from dataclasses import dataclass, replace
from itertools import product

import numpy as np
from sympy import Abs, Expr, Function, Heaviside, Integer, Max, Min, Piecewise, Pow, Rational, expand, sign, together

from ..derivation import Derivation
from ..naming import lead_axes
from ..rendering.latex import SymconvLatexPrinter
from . import arrays, binding, constants, general_layers, index_functions, nodes, numeric, relations, shorthands, sizes
from .definitions import awaited, definitions, read_definition
from .evaluate import Evaluator, Outside
from .extract import Claim
from .meaning import Meaning, meaning_of
from .names import GRADIENT_NAME, by_weighted_layers, tensors_of, with_gradient_names
from .notation import UnknownName, read_group
from .parse import EXAMPLE_LETTER, FUNCTION_COMMANDS, MOVED, UNALIASED, ChannelLayout, ParseError, _split_equals, parse_claim
from .ranges import ALL, CONDITIONS, WORDS, parse_range
from .report import Verdict, claim_names, term_difference
from .tree import axis_sizes, free_indices, loss_letter, summed_indices, walk

MAX_LINKS = 12  # links of a chain read one by one when the chain as a whole does not read
LINK_PARSES = 100  # readings of names a chain's links may spend in all (binding.py): a fraction of the claim's own
MAX_LINK_TRIES = 4  # ways of leaving links out tried (the unreadable ones, then one more each)
MAX_INDICES = 10_000  # index combinations one claim may range over
# Measured: evaluating and expanding costs 20 to 40 us a term, a term of a multinomial power about
# 100 times that; the budgets keep a whole set of notes under about 4 s on a 2-core machine.
MAX_WORK = 60_000  # terms one claim may expand to, over all its index combinations
MAX_NOTES_WORK = 100_000  # terms all the claims of one set of notes may expand to together
# a worked number is compared with the truth at the given values to 30 or 50 digits: the truth is worked out
# once, to this many (each reading of the notes' names compares a number of its own with it)
WORKED_DIGITS = 80


_PROSE_RANGE = "cannot read the indices"  # of a range in words ("for the wrong classes"): ranges.py


def _at(failed) -> str:
    return "; ".join(",".join(f"{k}={v}" for k, v in where.items()) for where in failed[:3])


def _plain(text: str) -> str:
    """A range as its words: "\\text{ for a one-hot target}" is "for a one-hot target"."""
    return " ".join(WORDS.sub(r" \1 ", text).split())


_OUTSIDE = ("is not an entry of the tensor (its indices are outside it): an entry written with numbers must exist "
            "(only indices with letters may run past the border, as 0)")
# What evaluating a claim symconv misreads can raise (a relation SymPy cannot decide, a shape numpy refuses)
_EVALUATION_ERRORS = (ArithmeticError, TypeError, ValueError, IndexError, AttributeError, KeyError)
_SINGLE = "the layer written l read as the one layer checked"
_LINKS_HOLD = "the links that read hold"  # how a chain's partial reading starts its reason (_both_layouts reads it)
# \bar{v} := \partial L / \partial v: an accent the notes define as the loss's gradient by whatever it is over
# (U \star_D V)_{p,q} = \sum_{r,s} u_{...} v_{r,s}: an operator defined on two placeholder matrices, as a text lists
# its symbols; not a claim about the network
_OPERATOR_DEFINED = re.compile(r"\s*\(\s*(?P<a>[A-Z])\s*(?:\\star|\\ast|\\circledast|\\otimes|\\odot|\*)\s*"
                               r"(?:_\s*(?:\{[^{}]*\}|\w))?\s*(?P<b>[A-Z])\s*\)\s*_")
PER_EXAMPLE = "read for every example of the batch, the example left out"  # Grader._for_every_example's verdicts
_ASSIGNED = re.compile(r"\s*\S.*?\\(?:leftarrow|gets)(?![A-Za-z])\s*\S")  # W \leftarrow W - \eta \nabla_W L
_WRITES_LAST = re.compile(r"\^\s*(?:L(?![A-Za-z])|\{\s*L\s*(?:-\s*1\s*)?\})")  # \delta^L, a^{L-1}: the last layer
_ACCENT_DEFINED = re.compile(r"\s*\\(?P<accent>bar|tilde|hat|overline)\s*\{\s*(?P<letter>[A-Za-z])\s*\}")
_BRANCHES = (Piecewise, Max, Min, Heaviside, Abs, sign)  # what a worked example's values decide (which maximum, which relu)


@dataclass
class _Failure:
    env: dict[str, int]
    truth: Expr | None
    claimed: Expr | None = None
    note: str = ""


class Grader(Evaluator):
    """Judges claims about a layer's or a network's derivation, reading the names the notes define
    along the way (one grader per set of notes)."""

    def __init__(self, derivation: Derivation, upstream_symbol: str | None = None, index_base: int = 1):
        self.d = derivation
        self.base = index_base  # the notes' first index: 1 (MATH.md) or 0 (NumPy's)
        self._part_values: dict | None = None
        self.network = derivation.network.names is None  # named a^{[l]}, not as a single layer
        self.tensors = with_gradient_names(derivation, tensors_of(derivation))
        # as the derivation names them, before the notes name anything (binding.py reads their infos)
        self.base_tensors = {name: dict(table) for name, table in self.tensors.items()}
        self._candidates = None
        self.inferred: set[str] = set()  # names whose meaning symconv read from the claims (binding.py)
        self.letters: dict[str, set[str]] = {}  # the index letters each inferred name was read with (a_j)
        self.lettered: dict[tuple[str, str], dict] = {}  # (name, index letter) -> its value: Bishop's a_j, a_k
        self.einstein = False  # the notes sum an index repeated on the right and not on the left
        self._targets: dict | None = None  # the targets' entries: symbol -> label
        self._biases: dict | None = None  # a dense layer's weight matrix -> its bias (Bishop's w_{j0})
        self.weak: set[str] = set()  # of those, the ones read on weak evidence: never the ground for "wrong"
        self.search_left = binding.NOTES_PARSES  # readings of names left for these notes
        self.general = False  # while a claim about every layer l is read at one l
        self.constants: dict[str, str] = {}  # names the notes give a number (n = 2): read as that number
        self.limit_sizes: dict[str, tuple[int, int]] = {}  # size letters the notes state (H = 4): number, line
        self.constant_lines: dict[str, int] = {}  # the line each constant is given on (0: the network's own, N)
        self.index_letters: set[str] = set()  # letters the notes write as indices: never constants
        self.layer_counts: set[str] = set()  # n_l and the like written in a superscript: may be constants
        self.gradient_shaped = False  # a claim held with a whole matrix's gradient of that matrix's shape
        if derivation.network.batch and "N" not in self.tensors:  # the batch's size, as PyTorch's documents write it
            self.constants["N"] = str(derivation.network.batch)
        self.shorthands: dict[str, tuple[tuple[str, ...], str]] = {}  # s_d = (...): the notes' own quantities
        self.nodes = nodes.Nodes()  # those of them the loss may be differentiated by, and the equations using them
        self.given: dict = {}  # leaf symbol -> the value the notes give it (x_{1,1} = 1): for worked numbers
        self.scenarios: dict[int, dict] = {}  # prime count -> the given values with the primed ones (scenarios.py)
        self._given_point: dict | None = None
        self.fixed: dict = {}  # a target's symbol -> its value, when the notes give the whole target (t = e_2)
        self._given_values: dict = {}  # expression -> [its value at the given point, that value to WORKED_DIGITS]
        self._verdict_only = False  # while names are bound: whether a claim holds, not what the report says of it
        self.first_numbers: dict = {}  # a value -> its number at the meaning's first point, as numeric.py reads it
        self.entry_numbers: dict = {}  # (an entry inside its tensor, the indices, the base) -> that number (numeric.py)
        if upstream_symbol:  # --upstream-symbol G: G_{ij} is dL/dy_{ij} (in a network, G^{[l]} is dL/da^{[l]})
            written = (f"{upstream_symbol}^{{[l]}}_{{i}} := \\frac{{\\partial L}}{{\\partial a^{{[l]}}_{{i}}}}" if self.network
                       else f"{upstream_symbol}_{{i}} := \\frac{{\\partial L}}{{\\partial {derivation.network.names.output}_{{i}}}}")
            try:
                defined = read_definition(written, self.tensors)
            except ParseError:
                defined = None
            if defined is None:
                raise ValueError(f"upstream symbol {upstream_symbol!r} is not a name: give one such as \\delta, g or G "
                                 "that is not a tensor of the layer")
            self.tensors[defined[0]] = defined[1]
        self.shapes = nodes.Shapes({t.name: t.shape for t in derivation.tensors}, self)  # and the notes' quantities'
        self.shapes[binding.KRONECKER] = (max(n for shape in self.shapes.values() for n in shape),) * 2
        self.channels = {t.name: lead_axes(t.shape) for t in derivation.tensors}
        self.channels.update({info.key: info.channels for table in self.tensors.values() for info in table.values()
                              if not info.gradient})
        self._target: tuple[int, int] | None = None  # the size a convolution in a claim must give (its left side's)
        self._reading = "correlation"  # how * between two images is read, while a claim is judged
        self._quick = False  # while names are bound: compare at one point only (binding.py)
        self.layout: str | None = None  # where entries with the channel among their indices write it
        self.gradient_accent = ""  # "bar" when the notes write \bar{v} for \partial L/\partial v of every node v
        self._numbers_skipped = False  # a chain ended in numbers (a worked example), not judged
        self.past_border: set[tuple[str, bool | str]] = set()  # entries past a border a claim wrote, read as 0 (evaluate.py)
        # the notes write a single layer's output with the layer's letter (Remic's z^l): their x^{l+1} is then the next
        # layer's input, not this layer's output (general_layers.readings)
        self.output_layered = False
        self.awaiting: list[str] = []  # definitions of a name by the gradient of a name not yet read (G = dL/dY)
        self.relations: list[tuple[str, str]] = []  # indices the notes give values (a = x' - x): relations.py
        self._relating = False  # judging a claim read with them
        self._in_links = False  # judging the links of a chain that read (_by_links): not again within
        self.parenthesized = False  # ^{(l)} numbers a layer (the notes' convention), not a channel
        self.features = 0  # the notes write one feature of this many at a time (features.py)
        self.example_loss = False  # a batch whose notes define one example's loss, \ell^{(n)} (check_notes)
        self.index_sizes: dict[str, int] = {}  # the layer's sizes, where the notes define index functions (index_functions.py)
        self._printers: dict[tuple[bool, str], SymconvLatexPrinter] = {}
        # (text, how it is read, the names) -> [(the names its reading looked up, {their shapes: its trees})] (_parsed)
        self._parses: dict[tuple, list] = {}
        self._parses_kept = 0
        self._placeholders: dict = {}  # (a name's place, its table) -> that table with placeholder keys (_LookedUp)
        self._held: dict[tuple, tuple] = {}  # (sides, range, the state they are judged in) -> holds' answer (holds)
        self._locals: dict[tuple, Expr | None] = {}
        self._chained: dict[tuple, Expr] = {}  # (derived value's symbol, symbol) -> the derivative through the chain
        self._derived_values: dict | None = None
        self._meaning = meaning_of(derivation)  # the judge where the forms differ
        self._fixed_meanings: dict = {}  # the judge once the notes fix a target, by the values fixed
        self.spent = 0  # terms expanded so far (MAX_NOTES_WORK)

    def _without_gradient_names(self) -> dict:
        """The names without the gradient names made from them (dA, dz: with_gradient_names), which follow the names
        they are of and are made anew once those are renamed."""
        return {name: table for name, table in self.tensors.items()
                if not (GRADIENT_NAME.fullmatch(name) and name[1:] in self.tensors and all(i.gradient for i in table.values()))}

    def number_by_weighted_layers(self, parenthesized: bool = False, first: int = 0) -> None:
        """Read layer numbers as notes that count only the layers with weights do (names.by_weighted_layers),
        written ^{(l)} as well when `parenthesized`, the input layer `first` (0, or Nielsen's 1)."""
        self.tensors = with_gradient_names(self.d, by_weighted_layers(self.d, self._without_gradient_names(), first))
        self.base_tensors = by_weighted_layers(self.d, self.base_tensors, first)
        self.parenthesized = parenthesized

    def kernels_as_w(self) -> None:
        """W for the convolutions' kernels, as much of the CNN literature writes them (Z = b + \\sum W_{pq} X_{...}):
        a dense layer's matrix then has no letter of its own (the notes' v, U are read by meaning, binding.py)."""
        if "k" not in self.tensors or "W" not in self.tensors:
            return
        plain = self._without_gradient_names()
        plain["W"] = dict(plain["k"])
        self.tensors = with_gradient_names(self.d, plain)

    def preactivations_as_a(self) -> None:
        """Goodfellow's names for a network numbered by its weighted layers: a^{(k)} the k-th such layer's
        pre-activation (symconv's z^{[k]}) and h^{(k)} its activation (h^{(0)} the input)."""
        if "z" not in self.tensors or "a" not in self.tensors or "h" in self.tensors:
            return
        plain = self._without_gradient_names()
        plain["a"], plain["h"] = plain["z"], plain["a"]
        del plain["z"]
        self.tensors = with_gradient_names(self.d, plain)

    def transpose_weights(self) -> None:
        """Read the dense layers' weight matrices as the notes' transposes (CS231n's w is D x M, x w + b)."""
        weights = {r.params[p.key] for r in self.d.records for p in r.layer.params(r.shape_in)
                   if p.trained and p.role == "kernel" and len(p.shape) == 2}
        transposed = lambda tables: {name: {n: replace(info, transposed=True) if info.key in weights else info  # noqa: E731
                                            for n, info in table.items()} for name, table in tables.items()}
        self.tensors = transposed(self.tensors)
        # and what a name the notes give may stand for (binding.py): their w for a dense layer's matrix is transposed too
        self.base_tensors = transposed(self.base_tensors)
        self._candidates = None

    def per_example_gradients(self) -> None:
        """Read dZ, dA (dz, da) as Ng's course defines them for a batch: each example's own loss's gradient, the
        batch's size times the mean loss's; the parameters' dW, db stay the mean loss's gradients."""
        parameters = {key for r in self.d.records for key in r.params.values()}
        gradients = set(self.d.names())
        for name, table in list(self.tensors.items()):
            if not re.fullmatch(r"[A-Za-z]", name) or any(i.key in parameters or i.gradient for i in table.values()):
                continue
            scaled = {layer: replace(info, gradient="L", scale=self.d.network.batch) for layer, info in table.items()
                      if f"dL/d{info.key}" in gradients}
            if scaled:
                self.tensors["d" + name.lower()] = self.tensors["d" + name.upper()] = scaled

    # -- values of entries --
    def parse(self, claim: Claim):
        """The claim's sides; an entry of a column (or row) matrix, "(a)_{2,1} = ...", of a tensor that is
        a vector is its entry (a)_{2}: a vector is written as a column, as textbooks do."""
        text = claim.text
        if claim.matrix and self.base != 1:  # a matrix's entry is numbered (from 1) where it stands: in the notes' base
            text = re.sub(r"^(\(.*\)_)\{(\d+),(\d+)\}( = )", lambda m: f"{m[1]}{{{int(m[2]) - 1 + self.base},"
                          f"{int(m[3]) - 1 + self.base}}}{m[4]}", text, count=1, flags=re.DOTALL)
        try:
            return self._summed(self._parsed(text))
        except ChannelLayout:
            raise
        except ParseError as error:
            vector = re.fullmatch(r"(\(.*\)_)\{(\d+),(\d+)\}( = .*)", text, re.DOTALL)
            if not (claim.matrix and 1 in claim.matrix and vector and "takes 1 indices" in str(error)):
                raise
            index = vector[2] if claim.matrix[1] == 1 else vector[3]
            return parse_claim(f"{vector[1]}{{{index}}}{vector[4]}", self.tensors, self.layout, self.parenthesized,
                               self.features, self.lettered)

    def _parsed(self, text: str):
        """parse_claim with the grader's names, each text read once for the tables it reads: the search for what
        the notes' names mean (binding.py) reads a claim with every value of a name in turn, and the tree is the
        same but for the tensors its entries name as long as the names the reading looks up stand for values of
        the same shapes (a reading that stops at the first name it cannot read is the same whatever the names
        after it mean). (Names the notes tell apart by their index letter read their tables' keys: those parses
        are not kept.)"""
        if self.lettered:
            return self._bias_columns(parse_claim(text, self.tensors, self.layout, self.parenthesized, self.features,
                                                  self.lettered))
        names = tuple(self.tensors)
        memo_key = (text, self.layout, self.parenthesized, self.features, names, UNALIASED.get(), EXAMPLE_LETTER.get())
        readings = self._parses.get(memo_key)
        if readings is None:
            readings = self._parses[memo_key] = []
        found = None
        for looked_up, kept in readings:  # the parses kept, by the tables each looked up
            found = kept.get(tuple(_shape_of(self.tensors[name]) for name in looked_up))
            if found is not None:
                break
        if found is None:
            self._parses_kept += 1
            if self._parses_kept > MAX_PARSES_KEPT:
                self._parses.clear()
                self._parses_kept = 1
                readings = self._parses[memo_key] = []
            tables = _LookedUp(self.tensors, names, self._placeholders)
            try:
                parsed = parse_claim(text, tables, self.layout, self.parenthesized, self.features)
            except UnknownName as error:
                parsed = (UnknownName, (str(error), error.name, error.layers, error.at))
            except ParseError as error:  # ChannelLayout too
                parsed = (type(error), error.args)
            looked_up = tuple(tables.looked_up)
            shapes = tuple(_shape_of(self.tensors[name]) for name in looked_up)
            kept = next((kept for before, kept in readings if before == looked_up), None)
            if kept is None:
                readings.append((looked_up, kept := {}))
            found = kept[shapes] = (parsed, {})  # and the trees placed, by the keys the placeholders stand for
        parsed, placed = found
        if isinstance(parsed[0], type):  # raised anew, as reading the text would
            raise parsed[0](*parsed[1])
        trees, compact = parsed
        place = {name: k for k, name in enumerate(names)}
        keys = {f"{_PLACE}{place[name]}:{k}": info.key for name in looked_up
                for k, info in enumerate(self.tensors[name].values())}
        placed_key = (tuple(keys.values()), self.base)
        sides = placed.get(placed_key)
        if sides is None:
            self._parses_kept += 1  # each placing is kept too, within the same bound
            if self._parses_kept > MAX_PARSES_KEPT:
                self._parses.clear()
                self._parses_kept = 1
            biases = self._bias_table()
            extra = {key: 0 if self.base == 1 else self.shapes[key][1] for key in biases}
            sides = placed[placed_key] = [_placed(tree, keys, biases, extra) for tree in trees]
        return list(sides), compact

    def _by_index_letter(self, claim: Claim, reading: dict) -> bool:
        """Whether one name the notes use for two values tells them apart by its index letter (Bishop's a_j for
        a hidden unit, a_k for an output): the claim writes it with one letter only, which the claims that
        read it before never used. Then the name with that letter means the new value from here on."""
        if len(reading) != 1:
            return False
        name, table = next(iter(reading.items()))
        now, before = binding.index_letters(claim.text, name), self.letters.get(name, set())
        if len(now) != 1 or not before or now & before or not binding.only_lettered(claim.text, name):
            return False
        self._letter_means(name, next(iter(now)), table)
        return True

    def _letter_means(self, name: str, letter: str, table: dict) -> None:
        """From here on the name with this index letter means the table's value, with its other letters as before."""
        before = self.letters.get(name, set())
        for old in before:
            self.lettered.setdefault((name, old), self.tensors[name])
        self.lettered[(name, letter)] = table
        self.letters[name] = before | {letter}
        # any other name of the same value (\delta_j \equiv \partial E/\partial a_j, defined before or after) follows
        # it: with this letter it is the new value (\delta_k the gradient of what a_k means)
        was = self.tensors[name].get(None) or next(iter(self.tensors[name].values()))
        self.lettered[(MOVED, was.key, letter)] = table[None]

    def _two_letters(self, claim: Claim, written: str, inferred: set[str]) -> Verdict | None:
        """The verdict of a claim that writes one of the notes' names with a letter read before and a new one
        (Bishop's \\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k, \\delta_k the outputs'), when exactly one value for
        the name with the new letter makes it hold; None otherwise (a mistake stays not understood: the
        notes' use of the name is then unknown)."""
        for name in sorted(inferred):
            now, before = binding.index_letters(claim.text, name), self.letters.get(name, set())
            new = now - before
            if len(new) != 1 or not now & before or not binding.only_lettered(claim.text, name):
                continue
            letter = next(iter(new))
            found = binding.by_letter(self, claim, name, letter)
            if len({binding.reading_values(self, {name: table}) for table in found}) != 1:
                continue  # none, or values that differ (the first of equal ones: dL/db and dL/dz of a dense layer)
            self._letter_means(name, letter, found[0])
            verdict = self.grade(claim)
            said = (f"read with {name}_{letter} as {binding.describe(self, found[0][None])}: the notes name a layer "
                    "by its index letter, as Bishop does")
            return replace(verdict, claim=written, reason="; ".join(filter(None, (said, verdict.reason))))
        return None

    def _summed(self, parsed):
        """The summation convention, when the notes use it: dw_{mn} = dy_{ij} \\partial y_{ij}/\\partial w_{mn} sums
        over i and j, the indices on the right that the left does not have, each over the axis it indexes."""
        if not self.einstein:
            return parsed
        sides, rest = parsed
        left = free_indices(sides[0])

        def summed(node):  # each added term over its own extra indices: w_{ab} x_{i+a-1,j+b-1} + b sums no bias
            if node[0] == "add":
                return ("add", tuple((sign, summed(term)) for sign, term in node[1]))
            extra = sorted(free_indices(node) - left)
            return ("sum", tuple((var, None, None) for var in extra), node, ()) if extra else node

        return [sides[0], *(summed(side) for side in sides[1:])], rest

    def _bias_columns(self, parsed):
        """A dense layer's bias written as a weight: Bishop's w_{j0} in notes counting from 1 (the weight of a
        fixed input x_0 = 1), and CS231n's "bias trick" w_{n} in notes counting from 0 (the input extended by a
        1 after its n entries). That column is the layer's bias b_j, however the claim writes it (a value, a
        gradient, a local derivative)."""
        biases = self._bias_table()
        if not biases:
            return parsed
        extra = {key: 0 if self.base == 1 else self.shapes[key][1] for key in biases}

        def rewrite(node):
            if isinstance(node, list):
                return [rewrite(n) for n in node]
            if not isinstance(node, tuple):
                return node
            if (len(node) == 4 and node[0] == "entry" and node[1] in biases and len(node[2]) == 2
                    and node[2][1].written and not node[2][1].coefs and node[2][1].const == extra[node[1]]):
                return ("entry", biases[node[1]], (node[2][0],), node[3])
            return tuple(rewrite(n) for n in node)

        sides, rest = parsed
        return [rewrite(side) for side in sides], rest

    def _bias_table(self) -> dict[str, str]:
        """Each dense layer's weight matrix and its bias (_bias_columns)."""
        if self._biases is None:
            self._biases = {r.params["W"]: r.params["b"] for r in self.d.records
                            if r.layer.weights_join and "W" in r.params and "b" in r.params}
        return self._biases

    def target_named(self, name: str, take: bool = False) -> bool:
        """Whether `name` is symconv's name for another value than the loss's target, which the notes say it is;
        with `take`, the name is read as the target from now on."""
        targets = {r.params[p.key] for r in self.d.records for p in r.layer.params(r.shape_in) if p.one_hot}
        table = next((t for t in self.tensors.values() for info in t.values() if info.key in targets and not info.gradient), None)
        current = self.tensors.get(name, {})
        if table is None or len(targets) != 1 or any(info.key in targets for info in current.values()):
            return False
        if take:
            self.tensors[name] = dict(table)
        return True

    def _matrix_size(self, lhs, shape: tuple[int, int]) -> tuple[tuple[int, int], str] | None:
        """The rows and columns of the tensor (one channel of it) or Jacobian a matrix written as `shape` stands for,
        and what it is ("tensor", "Jacobian"); None when the claim names no such thing."""
        if lhs[0] == "deriv" and lhs[1][0] == "entry" and lhs[2][0] == "entry":  # a Jacobian: a row per top entry
            return (prod(self.shapes[lhs[1][1]]), prod(self.shapes[lhs[2][1]])), "Jacobian"
        entry = lhs[2] if lhs[0] == "deriv" else lhs
        if entry[0] != "entry":
            return None
        size = self.shapes[entry[1]]
        info = next(i for table in self.tensors.values() for i in table.values() if i.key == entry[1])
        spatial = size[info.channels:]
        if len(size) == 2:  # a matrix, or a batch of vectors: one example per row, as PyTorch lays it out
            spatial = size
        return tuple(spatial if len(spatial) == 2 else (spatial[0], 1) if shape[1] == 1 else (1, spatial[0])), "tensor"

    def _placed(self, claim: Claim, lhs) -> Claim | None:
        """An entry of a matrix written with dots (p_1 - y_1 \\\\ \\vdots \\\\ p_n - y_n) at its place in the whole
        tensor: the rows (columns) after the dots are its last; None when the written entries do not fit in it."""
        found = self._matrix_size(lhs, claim.matrix)
        written = re.match(r"(\(.*\)_)\{(\d+),(\d+)\}( = .*)", claim.text, re.DOTALL)
        if found is None or written is None:
            return None
        (rows, columns), _ = found
        (dots_row, dots_col), (shown_rows, shown_cols) = claim.elided, claim.matrix
        if shown_rows > rows or shown_cols > columns or dots_row < 0 and shown_rows != rows \
                or dots_col < 0 and shown_cols != columns:
            return None
        i, j = int(written[2]), int(written[3])
        i = i if dots_row < 0 or i <= dots_row else rows - (shown_rows - i)
        j = j if dots_col < 0 or j <= dots_col else columns - (shown_cols - j)
        return replace(claim, text=f"{written[1]}{{{i},{j}}}{written[4]}", matrix=(rows, columns), elided=None)

    def _matrix_shape(self, lhs, shape: tuple[int, int]) -> str:
        """What is wrong with the size of a matrix claimed for a whole tensor (one channel of it)."""
        found = self._matrix_size(lhs, shape)
        if found is None:
            return ""
        expected, what = found
        if what == "Jacobian":
            return "" if expected == shape else (f"the matrix is {shape[0]} x {shape[1]}, but the Jacobian it stands "
                                                 f"for is {expected[0]} x {expected[1]}")
        entry = lhs[2] if lhs[0] == "deriv" else lhs
        if tuple(expected) == shape:
            return ""
        if lhs[0] == "entry" and self.d[entry[1]].entries is None and tuple(reversed(expected)) == shape:
            return ""  # W = (w_{ij}) of the notes' own layout (Johnson's W is D x M): its entries say what is written
        return f"the matrix is {shape[0]} x {shape[1]}, but the tensor it stands for is {expected[0]} x {expected[1]}"

    def _written(self, key: str, index: tuple[int, ...], gradient: bool = False) -> str:
        name, info = next(((n, info) for n, table in self.tensors.items() for info in table.values()
                           if info.key == key and not info.gradient), (key, None))
        if info is not None and all(n == 1 for n in info.shape[: info.channels]):
            index = index[info.channels:]  # one channel: written without it
        entry = f"{name}_{{{','.join(str(i - 1 + self.base) for i in index)}}}"
        return rf"\frac{{\partial L}}{{\partial {entry}}}" if gradient else entry

    def truth(self, lhs, env: dict[str, int]):
        """What the left-hand side is, at these indices (an array for a whole tensor); None when there is no such entry."""
        if binding.KRONECKER in (lhs[1], lhs[2][1] if lhs[0] == "deriv" else None, lhs[1][1] if lhs[0] == "deriv" else None):
            raise ParseError("the Kronecker delta is a number, not something the layer computes")
        if lhs[0] == "whole" and self.d[lhs[1]].entries is not None:
            entries = self.d[lhs[1]].entries
            return arrays.elementwise(lambda s: entries[self.d[lhs[1]].symbols.index(s)], self._whole(lhs, env))
        if lhs[0] == "deriv" and lhs[1][0] == "loss" and lhs[2][0] == "whole":
            return self._whole(lhs[2], env, gradient=True, lhs=True)
        if lhs[0] == "deriv" and lhs[1][0] == "loss" and lhs[2][:2] == ("op", "transpose") and lhs[2][2][0][0] == "whole":
            # the gradient of a weight matrix the notes write transposed (W 3 x 2 where symconv's is 2 x 3): shaped
            # as the notes' matrix, the transpose of symconv's gradient
            return arrays.transpose(self._whole(lhs[2][2][0], env, gradient=True, lhs=True))
        if lhs[0] == "deriv" and lhs[2][0] == "node":  # \partial L/\partial xmu_{nd}: through the notes' graph
            return self.value(lhs, env)
        if lhs[0] == "deriv" and lhs[2][0] not in ("entry", "whole"):
            raise ParseError("a gradient is read by an entry or a whole tensor, e.g. \\frac{\\partial L}{\\partial W}")
        if lhs[0] == "entry" and self.d[lhs[1]].entries is not None:
            flat = self._flat(lhs[1], self._at(lhs[2], env))
            return None if flat is None else self.d[lhs[1]].entries[flat]
        if lhs[0] == "deriv" and lhs[1][0] == "loss":
            return self._gradient(lhs[2][1], self._at(lhs[2][2], env), lhs=True)
        if lhs[0] == "deriv" and lhs[1][0] == "lossterm":
            return self.by_loss_term(lhs[1][1], lhs[2], env)
        if lhs[0] == "deriv" and lhs[1][0] == "expr":
            return self.of_expression(lhs[1][1], lhs[2], env)
        if lhs[0] == "deriv" and lhs[1][0] == lhs[2][0] == "whole":  # \partial a / \partial z: the Jacobian
            if lhs[1][2] or lhs[2][2] or not all(self._vector(node[1]) for node in lhs[1:]):
                raise ParseError("a Jacobian of whole tensors is read between two vectors: write an entry of it, "
                                 "e.g. \\frac{\\partial a_{i}}{\\partial z_{j}}")
            return self._vec_jacobian(lhs[1][1], lhs[2][1])
        if lhs[0] == "deriv" and "whole" in (lhs[1][0], lhs[2][0]):
            raise ParseError("a derivative between a whole tensor and one entry is read only entry by entry, e.g. "
                             "\\frac{\\partial a_{i}}{\\partial z_{j}}")
        if lhs[0] == "deriv":
            return self._local(lhs[1][1], self._at(lhs[1][2], env), lhs[2][1], self._at(lhs[2][2], env))
        if lhs[0] not in ("entry", "deriv", "whole"):  # \sum_i \hat x_i = 0: an expression, judged by its value
            return self.value(lhs, env)
        raise ParseError("the left-hand side must be a derived entry (an output), a gradient entry such as "
                         "\\frac{\\partial L}{\\partial x_{1,1}}, or a local derivative such as "
                         "\\frac{\\partial y_{1,1}}{\\partial x_{1,1}}")

    # -- one claim --
    def grade(self, claim: Claim) -> Verdict:
        if claim.scenario:
            return self._in_scenario(claim)
        if claim.range and not self._verdict_only:
            try:
                parse_range(constants.in_range(claim.range, self._constants_at(claim)))
            except ParseError as unread:
                return self._without_range(claim, str(unread))
        if self.columns:  # a batch's examples as columns: a bias vector is added to each column
            token = arrays.COLUMNS.set(True)
            try:
                verdict = self._by_links(claim)
            finally:
                arrays.COLUMNS.reset(token)
        else:
            verdict = self._by_links(claim)
        if self.nodes.quantities and not self._verdict_only:
            verdict = nodes.judged(self, claim.text, verdict)  # \hat{x}_{nd} = \text{xmu}_{nd} \text{ivar}_d: the notes' graph
        if (verdict.status == "not understood" and self.d.network.batch is not None and not self._verdict_only
                and EXAMPLE_LETTER.get() is None and any(said in (verdict.reason or "") for said in (
                    "has several channels", "in the channel superscript"))):
            verdict = self._for_every_example(claim, verdict)
        if self.example_loss and verdict.status in ("right", "wrong") and _EXAMPLE_LOSS_DERIVATIVE.search(claim.text):
            # \frac{\partial \ell}{\partial z} = p - y where the notes define \ell^{(n)}, one example's loss, beside the batch's
            return replace(verdict, status="not understood", missing=(), extra=(), expected="", reason=(
                "a derivative of one example's loss (the notes define it per example); check reads derivatives of the "
                "batch's loss L, whose gradient by an example's values is a share of it"))
        if verdict.status == "wrong" and not self._verdict_only:
            wide = _operator_over_sum(claim.text)
            if wide is not None:  # \frac{\partial}{\partial w} w a + b: of w a alone, as written, or of the whole sum?
                state = self._state()
                other = self.grade(replace(claim, text=wide))
                self._restore(state)
                if other.status != "wrong":
                    return replace(verdict, status="not understood", reason=(
                        f"wrong if \\frac{{\\partial}}{{\\partial ...}} differentiates only the product after it, "
                        f"{other.status} if it differentiates the whole sum after it: brackets would say which"))
        return verdict

    def _in_scenario(self, claim: Claim) -> Verdict:
        """A claim about names primed n times (scenarios.py), read unprimed at the given values the notes gave the
        primed names: the first such claim must give one (G' = [...]), of the shape of the name it primes."""
        n = claim.scenario
        opening = n not in self.scenarios
        if opening:
            self.scenarios[n] = dict(self.given)
            state = self._state()
        base, self.given, self._given_point = self.given, self.scenarios[n], None
        try:
            verdict = self.grade(replace(claim, scenario=0, primed=()))
        finally:
            self.scenarios[n], self.given, self._given_point = self.given, base, None
        if opening and not (verdict.status == "definition" and "given value" in (verdict.reason or "")):
            # not another given value (G'' of a layer at another stride, a shape G does not have): read as written
            del self.scenarios[n]
            self._restore(state)
            text, range_text = claim.primed
            return self.grade(replace(claim, text=text, range=range_text, scenario=0, primed=()))
        return verdict

    def _for_every_example(self, claim: Claim, verdict: Verdict) -> Verdict:
        """A claim about a batch that writes one example's values without the example (z^{[1]}_i = \\sum_j
        W_{ij} x_j + b_i): right if it holds for every example; otherwise still not understood, as the subscript may
        be the example's (t_i, the i-th example's target) rather than a unit's."""
        letter = next((c for c in "nmuv" if not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", claim.text + claim.range)), None)
        if letter is None:
            return verdict
        state = self._state()
        token = EXAMPLE_LETTER.set(letter)
        try:
            every = self.grade(claim)
        finally:
            EXAMPLE_LETTER.reset(token)
        if every.status == "right":
            return replace(every, reason="; ".join(filter(None, (every.reason, f"{PER_EXAMPLE} ({letter})"))))
        self._restore(state)
        return verdict

    def _constants_at(self, claim: Claim) -> dict:
        """The names the notes gave a number before the claim: a constant reads the claims after the line that gives
        it (judged again later, an earlier claim keeps its c), unless a claim read since has given its name a value
        of the network (c = 0.1 before c = b^{[3]} was read)."""
        return {name: value for name, value in self.constants.items()
                if self.constant_lines.get(name, 0) <= claim.line and not (name in self.tensors and name in self.constant_lines)}

    def _without_range(self, claim: Claim, why: str) -> Verdict:
        """A claim whose range or condition cannot be read ("\\sum_j t_j = 1 for a one-hot target", "for every
        pixel"): a claim that holds for every value of its indices holds under any condition on them, so it is
        right when it holds without the range; otherwise not understood, never wrong (the condition may be what
        makes it hold)."""
        state = self._state()
        verdict = self.grade(replace(claim, range=""))
        if verdict.status == "right":
            return replace(verdict, claim=f"{claim.text} \\quad {claim.range}", reason="; ".join(filter(None, (
                verdict.reason, f"it holds for every value of its indices, so under the condition the notes state "
                                f"({_plain(claim.range)!r}, not read) too"))))
        self._restore(state)
        if verdict.status == "not understood":
            return replace(verdict, claim=f"{claim.text} \\quad {claim.range}")
        failed = f" (without it, it fails at {_at(verdict.indices_failed)})" if verdict.indices_failed else ""
        return Verdict(claim.line, f"{claim.text} \\quad {claim.range}", "not understood", reason=(
            f"the claim does not hold for every value of its indices{failed}, and the condition the notes state "
            f"({_plain(claim.range)!r}) is not read" + ("" if why.startswith(_PROSE_RANGE) else f": {why}")))

    def node_value(self, key: str, position: tuple[int, ...]):
        return self.nodes.placeholder(key, position)  # held fixed: only an equation's right side has it (nodes.py)

    def node_gradient(self, key: str, position: tuple[int, ...]):
        return nodes.gradient(self, key, position)

    def _aliases_in(self, text: str) -> frozenset[str]:
        """The letters the claim writes that symconv reads as another case of a name (w for W), the notes' index
        letters left out; none while a claim is already read without them."""
        if UNALIASED.get():
            return frozenset()
        aliases = {name.swapcase() for name in self.tensors if len(name) == 1 and name.swapcase() != name
                   and name.swapcase() not in self.tensors and name.swapcase() != "l"}
        used = frozenset(binding.uses(text, aliases))
        return frozenset() if used & self.index_letters else used

    def _own_letters(self, claim: Claim, verdict: Verdict, before: tuple, used: frozenset[str]) -> Verdict:
        """A letter symconv reads as another case of a name (w for the dense layer's W) where the claim does not read
        so (z_{rs} = b + \\sum_{p,q} w_{pq} x_{r+p-1,s+q-1}, w the notes' filter): read again with the letter the
        notes' own name, bound by meaning; kept when that reading holds."""
        shorthand = verdict.status == "definition" and "the notes' name for this expression" in verdict.reason
        if not (verdict.status == "not understood" and verdict.unknown or shorthand):
            return verdict  # only where a name is left unread: a reading to find, not a notation symconv lacks
        after = self._state()
        self._restore(before)  # read as if for the first time: a shorthand the first reading made is not kept
        token = UNALIASED.set(used)
        # a second reading, on a budget of its own: the first spent the claim's
        left_before, self.search_left = self.search_left, min(self.search_left, LINK_PARSES)
        try:
            again = self._grade(claim)
        finally:
            UNALIASED.reset(token)
            self.search_left = left_before - (min(left_before, LINK_PARSES) - self.search_left)
        if again.status != "right" or not all(name in self.tensors for name in used):
            self._restore(after)
            return verdict
        return again

    def _constant_as_leaf(self, claim: Claim, verdict: Verdict) -> Verdict:
        """A letter the notes gave a number (c = 0.5) that a claim then writes where the network has a parameter
        (\\hat y = \\sum_j w_j a_j + c, c the dense layer's bias): wrong with the number, the claim is read again
        with the letter read by meaning; when that reading holds, the letter is the notes' name for the parameter,
        and the number its given value."""
        if verdict.status not in ("wrong", "not understood") or not self.constants:
            return verdict
        names = [name for name in binding.uses(claim.text, set(self.constants))
                 if len(name) == 1 and name not in self.tensors and name not in self.index_letters
                 and re.fullmatch(r"-?\d+(?:\.\d+)?", self.constants[name])]
        if len(names) != 1:
            return verdict
        name = names[0]
        state, value = self._state(), self.constants.pop(name)
        line = self.constant_lines.pop(name, 0)
        left_before, self.search_left = self.search_left, min(self.search_left, LINK_PARSES)  # as _own_letters
        try:
            again = self._grade(claim)
        finally:
            self.search_left = left_before - (min(left_before, LINK_PARSES) - self.search_left)
        table = self.tensors.get(name, {})
        info = next(iter(table.values()), None)
        if (again.status != "right" or info is None or info.gradient or info.key not in self.parameter_keys
                or len(self.d[info.key].symbols or ()) != 1):
            self._restore(state)  # the number stays the notes' constant
            self.constants[name], self.constant_lines[name] = value, line
            return verdict
        symbol = self.d[info.key].symbols[0]
        self.given[symbol] = Rational(value)
        self._given_point = None
        return replace(again, reason="; ".join(filter(None, (
            again.reason, f"{name} = {value}, given before, is the value of {binding.describe(self, info)}"))))

    def _by_links(self, claim: Claim) -> Verdict:
        """A chain A = B = C judged link by link when it does not read as a whole: the links that read are
        judged without the ones that do not (a name no other link writes, a notation symconv does not read).
        Unequal links make the chain wrong; equal ones do not make it right, since a link left out may be
        the wrong one: the claim stays not understood, and the report says which links hold and which
        were left out, and why."""
        aliased = self._aliases_in(claim.text)
        before = self._state() if aliased else None  # copied only for a claim _own_letters may read again
        verdict = self._constant_as_leaf(claim, self._grade(claim))
        if aliased:
            verdict = self._own_letters(claim, verdict, before, aliased)
        if verdict.status != "not understood" or self._in_links or claim.matrix or claim.problem:
            return verdict
        links = [link for _, link in _split_equals(claim.text)]
        if not 3 <= len(links) <= MAX_LINKS or any(not link.strip() for link in links):
            return verdict  # "y = = x" is garbled, not a chain
        unread, suspects = {}, {}
        for k, link in enumerate(links):
            why, elsewhere = self._unread(link, [other for j, other in enumerate(links) if j != k])
            if why is not None:
                (suspects if elsewhere else unread)[k] = why
        # first without the links that cannot read, then without one more whose unknown name another link writes
        tries = [dict(unread)] if unread else []
        tries += [{**unread, k: why} for k, why in suspects.items()]
        left_before, self.search_left = self.search_left, min(self.search_left, LINK_PARSES)  # for all the tries
        try:
            return self._judged_by_links(claim, verdict, links, tries)
        finally:
            self.search_left = left_before - (min(left_before, LINK_PARSES) - self.search_left)

    def _judged_by_links(self, claim: Claim, verdict: Verdict, links: list[str], tries: list[dict]) -> Verdict:
        for left_out in tries[:MAX_LINK_TRIES]:
            kept = [k for k in range(len(links)) if k not in left_out]
            if len(kept) < 2 or self.search_left <= 0:
                continue
            state = self._state()
            self._in_links = True
            try:
                judged = self._grade(replace(claim, text=" = ".join(links[k] for k in kept)))
            finally:
                self._in_links = False
            left = "; ".join(f"link {k + 1} ({_shown_link(links[k])}): {why}" for k, why in sorted(left_out.items()))
            if judged.status == "wrong" and _OUTSIDE not in judged.reason:  # unequal values, not an entry's indices
                said = f"the links that read are unequal, the other{'s' if len(left_out) > 1 else ''} left out: {left}"
                if len(kept) == 2:
                    said = f"link {kept[1] + 1} differs from link {kept[0] + 1}; {said}"
                return replace(judged, claim=verdict.claim, reason="; ".join(filter(None, (
                    _renumbered(judged.reason, kept), said))))
            self._restore(state)  # names read on the links alone are not the notes' until a claim bears them out
            if judged.status == "right":
                held = " = ".join(str(k + 1) for k in kept)
                return replace(verdict, reason=f"{_LINKS_HOLD} (links {held}), but not every link reads, "
                                               f"so the chain is not judged right: {left}")
        return verdict

    def _as_related(self, claim: Claim, sides) -> Verdict | None:
        """The claim read with the indices free on only some of its sides bound by the relations the notes
        stated (relations.py), when it is right so; else None (which indices a side leaves free is not always
        what the notes mean, so a reading with the relations is never the ground for "wrong")."""
        if not self.relations or self._relating or len(sides) < 2:
            return None
        free = [free_indices(side) for side in sides]
        texts = [text for _, text in _split_equals(claim.text)]
        if len(texts) != len(sides):
            return None
        given = dict(self.relations)  # the last relation that gives a letter
        values = {letter: given[letter] for letter in set.union(*free) - set.intersection(*free) if letter in given}
        if not values:
            return None
        text = " = ".join(relations.substitute(t, values) if set(values) & f else t for t, f in zip(texts, free))
        self._relating = True
        try:
            verdict = self._grade(replace(claim, text=text))
        finally:
            self._relating = False
        if verdict.status != "right":
            return None
        said = ", ".join(f"{letter} = {value}" for letter, value in sorted(values.items()))
        return replace(verdict, reason="; ".join(filter(None, (
            f"read with {said}, as the notes relate the indices (free on one side only)", verdict.reason))))

    @property
    def meaning(self) -> Meaning:
        """The judge: values at random points, with the targets the notes fixed (t = e_2) at their values."""
        if not self.fixed:
            return self._meaning
        key = frozenset(self.fixed.items())
        if key not in self._fixed_meanings:
            self._fixed_meanings[key] = Meaning(self.d, fixed=dict(self.fixed))
        return self._fixed_meanings[key]

    def _state(self) -> tuple:
        """What reading a claim may change of the notes' names (restored with _restore)."""
        return ({name: dict(table) for name, table in self.tensors.items()}, set(self.inferred),
                {name: set(letters) for name, letters in self.letters.items()}, set(self.weak), dict(self.given),
                self._given_point, dict(self.shorthands), dict(self.constants), dict(self.lettered), dict(self.fixed),
                self.nodes.copy())

    def _restore(self, state: tuple) -> None:
        (self.tensors, self.inferred, self.letters, self.weak, self.given, self._given_point, self.shorthands,
         self.constants, self.lettered, self.fixed, self.nodes) = state

    def _unread(self, link: str, others: list[str]) -> tuple[str | None, bool]:
        """Why one link of a chain does not read on its own (None when it reads), and whether the name it
        stops at is written in another link too (reading the chain may bind it by meaning)."""
        text = constants.substitute(link, self.constants) if self.constants else link
        text = nodes.by_quantities(text, self.nodes) if self.nodes.quantities else text
        text = shorthands.expand(text, self.shorthands) if self.shorthands else text
        try:
            (side, _), _ = self.parse(Claim(0, f"{text} = {text}"))
            self.value(side, self._indices((side,), "")[0])  # read, and evaluated at its first indices
        except (ChannelLayout, Outside):
            return None, False
        except UnknownName as unknown:
            name = re.compile(rf"(?<![A-Za-z\\]){re.escape(unknown.name)}(?![A-Za-z])")
            return str(unknown).split(": the entries")[0], any(name.search(other) for other in others)
        except ParseError as error:
            return str(error), False
        except RecursionError:
            return "nested too deeply to read", False
        except _EVALUATION_ERRORS as error:
            return f"symconv could not evaluate it ({type(error).__name__})", False
        return None, False

    def _grade(self, claim: Claim) -> Verdict:
        written = f"{claim.text} \\quad {claim.range}" if claim.range else claim.text
        if claim.problem:
            return Verdict(claim.line, written, "not understood", reason=claim.problem)
        if "=" not in claim.text and _ASSIGNED.match(claim.text):  # K \leftarrow K - \eta\, dL/dK: a step, not an equation
            return Verdict(claim.line, written, "definition", reason=(
                "an update (the name's new value, \\leftarrow), not an equation: not checked"))
        placeholders = _OPERATOR_DEFINED.match(claim.text)
        if placeholders and not {placeholders["a"], placeholders["b"], placeholders["a"].lower(),
                                 placeholders["b"].lower()} & set(self.tensors):
            return Verdict(claim.line, written, "definition", reason=(
                f"an operator's definition, on placeholder matrices {placeholders['a']} and {placeholders['b']}: "
                "not a claim about the network"))
        if self.index_sizes and index_functions.definition(claim.text, self.index_sizes):
            return Verdict(claim.line, written, "definition", reason=(
                "an index function the notes define: read at its arguments wherever the notes write it"))
        if sizes.dumoulin(claim.text) and (sized := sizes.judge(claim.text, self.d, self.value)) is not None:
            # o = (i - k) + 1, k' = k: sizes in Dumoulin and Visin's letters, before the notes' constants replace them
            return Verdict(claim.line, written, sized[0], reason=sized[1])
        named = {} if sizes.is_output_size(claim.text) else constants.given(
            claim.text, {*self.tensors, *(n.swapcase() for n in self.tensors), *FUNCTION_COMMANDS, "e"})
        target = next(iter(self.tensors.get("t", {}).values()), None)
        if set(named) == {"y"} and target is not None and prod(target.shape) == 1 and not named["y"].startswith("\\"):
            # y = 1: the label most notes call y, set to a number: the one target's given value, not a constant
            claim, named = replace(claim, text=f"t = {named['y']}"), {}
        if any("_" in name and name not in self.layer_counts for name in named):
            named = {}  # \lambda_j = 1 (a unit's slope), not a count the notes number layers by (n_l = 3)
        if named and not claim.range and not set(named) & self.index_letters:
            self.constants.update(named)
            self.constant_lines.update(dict.fromkeys(named, claim.line))
            what = "a name for a function" if any(v.startswith("\\") for v in named.values()) else "a constant"
            return Verdict(claim.line, written, "definition", reason=f"{what} the notes give: the claims after it "
                                                                       "are read with its value")
        for text in list(self.awaiting):  # G = dL/dY, written before Y = H \star V said what Y is
            try:
                found = definitions(text, self.tensors)
            except ParseError:
                found = None
            if found:
                self.tensors.update(found)
                self.awaiting.remove(text)
        given = self._constants_at(claim)
        if given:
            claim = replace(claim, text=constants.substitute(claim.text, given), range=constants.in_range(claim.range, given))
        unexpanded = claim.text  # the notes' own names kept: a quantity's definition is recorded so (nodes.py)
        if self.nodes.quantities:  # \partial L/\partial xmu_{nd}: by the quantity as one value, not by its expression
            claim = replace(claim, text=nodes.by_quantities(claim.text, self.nodes))
        if self.shorthands:
            claim = replace(claim, text=shorthands.expand(claim.text, self.shorthands))
        if self.gradient_accent:  # the loss's own error signal, \bar{\mathcal{L}} = \partial L/\partial L (= 1)
            claim = replace(claim, text=re.sub(rf"\\{self.gradient_accent}\s*\{{\s*(?:\\mathcal\s*\{{\s*[LEJC]\s*\}}|[LEJC])\s*\}}",
                                               r"\\frac{\\partial L}{\\partial L}", claim.text))
        every = general_layers.general(claim.text)
        if self.limit_sizes:
            # the sizes the notes stated, in a sum's limits after them; in a claim about every layer l only those
            # every convolution shares (H is each layer's own)
            shared = sizes.uniform(self.d) if every else set()
            claim = replace(claim, text=constants.in_limits(claim.text, {
                name: value for name, (value, line) in self.limit_sizes.items()
                if line <= claim.line and (not every or name in shared)}))
        if every:
            return self._every_layer(claim, written)
        if _index_relation(claim.text, self.index_letters):
            stated = relations.read(claim.text)
            if stated is not None:
                self.relations.append(stated)
            return Verdict(claim.line, written, "definition", reason="a relation between indices (which entries a "
                                                                     "sum reaches), not a value of the network: not checked")
        sized = sizes.judge(claim.text, self.d, self.value)
        if sized is not None:
            if sized[0] == "right":  # H = W = 4: the sizes a sum's limits may write (\sum_{i=0}^{H-k_1})
                self.limit_sizes.update({name: (value, claim.line) for name, value in sizes.stated(claim.text).items()})
            return Verdict(claim.line, written, sized[0], reason=sized[1])
        try:
            try:
                defined = definitions(claim.text, self.tensors)
            except ParseError:
                self._forget(claim.text)
                raise
            if defined:
                self.tensors.update(defined)
                if binding.uses(claim.text, self.inferred):  # defined through a name symconv inferred
                    self.inferred |= {name for name, _ in defined}
                return Verdict(claim.line, written, "definition")
            waits_for = awaited(claim.text, self.tensors)
            if waits_for is not None and not self._verdict_only:
                generic = _ACCENT_DEFINED.match(claim.text)
                if generic and generic["letter"] == waits_for:  # Grosse's \bar{v} := \partial L/\partial v, for every v
                    self.gradient_accent = generic["accent"]
                self.awaiting.append(claim.text)
                return Verdict(claim.line, written, "definition", reason=(
                    f"read once the notes say what {waits_for} is (symconv does not guess it)"))
            called = _CALLED_NAME.match(claim.text)
            if called and called[1].strip() in self.tensors and any(i.gradient for i in self.tensors[called[1].strip()].values()):
                # g(G, V, s)_{i,j} once g is defined: the notes' name, its arguments aside
                claim = replace(claim, text=_CALLED_NAME.sub(r"\1", claim.text))
            defining = _defining_link(claim.text, self.tensors)
            if defining is not None:  # \delta^l_j = \partial C/\partial z^l_j = ...: the name, then a claim about it
                (defined, rest), name = defining, defining[0][0][0]
                self.tensors.update(defined)
                verdict = self._grade(replace(claim, text=rest))
                said = f"{name} is defined by the first '=' (the derivative after it); the links after it are judged"
                return replace(verdict, claim=written, reason="; ".join(filter(None, (said, verdict.reason))))
            sides, compact = self.parse(claim)
            if claim.elided is not None:  # a matrix written with dots: each entry where it stands in the whole
                placed = self._placed(claim, sides[0])
                if placed is None:
                    return Verdict(claim.line, written, "not understood", reason=(
                        f"a {claim.matrix[0]} x {claim.matrix[1]} matrix written with dots: symconv cannot tell which "
                        "entries of the tensor its entries stand for"))
                claim = placed
                sides, compact = self.parse(claim)
            if (claim.text != unexpanded and len(sides) == 2 and sides[0][0] == "entry" and sides[1][0] != "num"
                    and self.d[sides[0][1]].entries is None):
                # K^{(m)}_{-1,-1} = w^{(m)}_{33}, w_{13} = K_{1,-1}: a given entry and the notes' own name for one,
                # the same value or not (an index map's claim), judged by value as an expression is
                sides = [("add", ((1, sides[0]),)), sides[1]]
            if (claim.matrix and len(sides) == 2 and sides[0][0] == sides[1][0] == "entry" and sides[0][1] == sides[1][1]
                    and self.d[sides[0][1]].entries is None):
                # X = \begin{pmatrix} x_{11} & ... \end{pmatrix}: the notes name a given tensor's entries, as they lay it out
                whole = re.match(r"\s*\(\s*(.*?)\s*\)\s*_", written)
                return Verdict(claim.line, written, "definition", reason=(
                    f"the notes' names for the entries of {whole[1] if whole else sides[0][3]}, as they lay it out"))
            if (len(sides) == 2 and sides[0][0] == "whole" and not sides[0][2] and sides[1][0] == "literal"
                    and self.d[sides[0][1]].entries is None
                    and all(cell[0] == "entry" and cell[1] == sides[0][1] for row in sides[1][1] for cell in row)):
                # W = \begin{pmatrix} w_{1,1} & w_{2,1} \\ ... \end{pmatrix}: the same names, laid out as the notes choose
                return Verdict(claim.line, written, "definition", reason=(
                    f"the notes' names for the entries of {sides[0][3] if len(sides[0]) > 3 else written.split('=')[0].strip()}, "
                    "as they lay it out"))
            self._numbers_skipped = False
            self.past_border = set()
            if claim.matrix:
                wrong_shape = self._matrix_shape(sides[0], claim.matrix)
                # the matrix's name as written (M, a name for dL/dX too), where symconv read it by meaning
                named = sides[0] if sides[0][0] == "entry" else sides[0][2] if (
                    sides[0][0] == "deriv" and sides[0][1][0] == "loss" and sides[0][2][0] == "entry") else None
                if wrong_shape and named is not None and named[3] in self.inferred:
                    # M = [4 x 9 numbers], M read by meaning as a 3 x 3 value: not what the notes mean by M
                    return Verdict(claim.line, written, "not understood", reason=(
                        f"{wrong_shape}; symconv read {named[3]} by meaning, and no value of the network that size is "
                        "meant: the notes' own name for this matrix (not checked)"))
                if wrong_shape:
                    return Verdict(claim.line, written, "wrong", reason=wrong_shape)
            try:
                envs = self._indices(sides, claim.range)
            except ParseError:  # an index written on the right only has no range: bound by a relation?
                related = self._as_related(claim, sides)
                if related is not None:
                    return replace(related, claim=written)
                raise
            if self._gives(sides, envs):
                return Verdict(claim.line, written, "definition", reason="a given value (the worked numbers use it)")
            if envs and any(envs[0]) and self._leaf(sides[0]) and all(self._number(side, envs[0]) for side in sides[1:]):
                return Verdict(claim.line, written, "definition", reason=(
                    "a value for the entries the notes name with letters: read as the notes' rule for entries outside "
                    "the tensor (its padding's zeros), not checked and not used as worked numbers"))
            work = len(envs) * sum(self.terms(side) for side in sides[1:])
            if work > MAX_WORK:
                about = f"{work:,}" if work < 10**12 else f"10^{len(str(work)) - 1}"
                raise ParseError(f"the claim expands to about {about} terms over its indices, more than the "
                                 f"{MAX_WORK:,} checked: write it with fewer or smaller sums and powers")
            if self.spent + work > MAX_NOTES_WORK:
                raise ParseError(f"the claims before this one already expanded to {self.spent:,} terms, and "
                                 f"{MAX_NOTES_WORK:,} are checked per set of notes: check the rest in another file")
            self.spent += work
            failures = []
            for env in envs:
                failure = self._check(sides, env)
                if failure is not None:
                    failures.append(failure)
        except ChannelLayout:
            return replace(self._both_layouts(claim), claim=written)
        except UnknownName as unknown:
            try:
                bound, said, ambiguous = binding.bind(self, claim)
            except _EVALUATION_ERRORS as error:
                return Verdict(claim.line, written, "not understood", reason=f"symconv could not read the names of this "
                               f"claim ({type(error).__name__}: {error}); please report it")
            if not bound:
                name = shorthands.name_of(claim.text, unknown.name)  # \text{dxmu1}: the name as written, digits too
                defined = shorthands.read(claim.text, name) if not said else None
                read = self._read_alone(next(iter(defined[1].values())) if defined[0] == shorthands.ENTRIES
                                        else defined[1]) if defined is not None else None
                # a one-letter name without indices only for a whole tensor's expression ("Call this matrix M")
                # an index the expression leaves free and its name does not take (y_{ij} = w_{ab} x_{i+a-1,j+b-1}
                # with the sums not written) leaves the name with no one value: not a name for it
                if read is not None and not defined[0] and shorthands.is_entrywise(read):
                    defined = (shorthands.ENTRYWISE, shorthands.entrywise(defined[1], self.tensors))
                loose = read is not None and read[0] != "channel" and bool(free_indices(read) - set(shorthands.letters(defined[0])))
                # (a letter also written as an index elsewhere names entries it is given with numbers: the gates q_1, q_2)
                if (read is not None and (unknown.name not in self.index_letters or defined[0] == shorthands.ENTRIES)
                        and not loose
                        and (defined[0] or len(unknown.name) > 1 or read[0] in ("jacobian", "op", "whole", "literal"))
                        and re.search(r"[A-Za-z]", defined[1] if isinstance(defined[1], str) else "".join(defined[1].values()))):
                    kept = self.shorthands.get(name)
                    if defined[0] == shorthands.ENTRIES and kept is not None and kept[0] == shorthands.ENTRIES:
                        defined = (shorthands.ENTRIES, {**kept[1], **defined[1]})  # one more entry of the same name
                    self.shorthands[name] = defined
                    raw = shorthands.read(unexpanded, name)
                    if raw is not None and raw[0] == defined[0] and defined[0] != shorthands.ENTRYWISE:
                        nodes.define(self, name, shorthands.letters(defined[0]), unexpanded, defined[1])
                    return Verdict(claim.line, written, "definition", reason=(
                        f"{name} is the notes' name for this expression: the claims after it are read so"))
                return Verdict(claim.line, written, "not understood", reason=said or str(unknown), unknown=True)
            if ambiguous:  # right whichever the names mean; they stay unread for the claims after it
                # the definitions still waiting for a name stay waiting: this reading is not kept
                kept, awaiting, self.tensors = self.tensors, list(self.awaiting), self._with(bound)
                try:
                    verdict = self.grade(claim)
                finally:
                    self.tensors, self.awaiting = kept, awaiting
                if verdict.status == "wrong":  # wrong with one of the readings that hold: no reading is the notes'
                    verdict = Verdict(claim.line, written, "not understood", reason=(
                        f"wrong with one of the readings ({verdict.reason or 'its size'}), right with others"))
                return replace(verdict, claim=written, reason="; ".join(filter(None, (said, verdict.reason))))
            self.tensors = self._with(bound)
            self.inferred |= set(bound)
            for name in bound:
                self.letters.setdefault(name, set()).update(binding.index_letters(claim.text, name))
            weak = binding.weak(claim.text, bound)
            verdict = self.grade(claim)
            self.weak |= weak  # after the claim that read them, which holds with them by construction
            return replace(verdict, claim=written, reason="; ".join(filter(None, (said, verdict.reason))))
        except ParseError as error:  # a gradient by a quantity no equation uses yet: judged again at the end (nodes.py)
            return Verdict(claim.line, written, "not understood", reason=str(error), unknown=isinstance(error, nodes.Unused))
        except RecursionError:
            return Verdict(claim.line, written, "not understood", reason="the claim is nested too deeply to read")
        except _EVALUATION_ERRORS as error:
            # One claim symconv fails to evaluate must not cost the report of the others: said, never guessed.
            return Verdict(claim.line, written, "not understood",
                           reason=f"symconv could not evaluate this claim ({type(error).__name__}: {error}); "
                                  "please report it")
        if not failures:
            self.weak -= binding.uses(claim.text, self.weak)  # a later claim that holds with them bears them out
            reason = "the numbers that end the chain (a worked example) are not checked" if self._numbers_skipped else ""
            if self.past_border:  # a sum that runs past a tensor's border: right only as the notes' zeros there
                shown = sorted(written for written, _ in self.past_border)
                listed = ", ".join(shown[:3]) + (", ..." if len(shown) > 3 else "")
                if any(stated == "summed" for _, stated in self.past_border) or envs == [{}] and any(
                        stated for _, stated in self.past_border):
                    # dL/dX_{1,4,4} = \sum_{i=1}^{2} ... W_{f,1,4-2(i-1),...}: limits written for this one entry that run
                    # past a border are the notes' own choice of terms, not the zeros a general formula leaves there
                    several = len(shown) > 1
                    return Verdict(claim.line, written, "not understood", reason=(
                        f"right only if {listed} (past the border of what {'they name' if several else 'it names'}) "
                        f"{'are' if several else 'is'} 0: the limits of the sum take terms that "
                        "do not exist (wrong if they are meant to be the terms that do)"))
                reason = "; ".join(filter(None, (reason, f"read with {listed} as 0 (past the border of the tensor)")))
            return Verdict(claim.line, written, "right", reason=reason)
        related = self._as_related(claim, sides)
        if related is not None:
            return replace(related, claim=written)
        inferred = binding.uses(claim.text, self.inferred)
        gradients = {n for n in inferred if any(i.gradient for i in self.tensors.get(n, {}).values())}
        if _defines_itself(sides, inferred, gradients):
            lettered = self._two_letters(claim, written, inferred)
            if lettered is not None:
                return lettered
            return Verdict(claim.line, written, "not understood", reason=(
                "a name symconv read by meaning stands on both sides: no value of a network is computed from "
                "itself, so the notes use it for two values here (name each once to have it judged)"))
        if inferred:  # wrong with the meanings symconv gave the notes' names: is it right with others?
            other, reading = binding.rebind(self, claim, inferred)
            if other and self._by_index_letter(claim, reading):
                verdict = self.grade(claim)
                name, table = next(iter(reading.items()))
                letter = next(iter(binding.index_letters(claim.text, name)))
                said = (f"read with {name}_{letter} as {binding.describe(self, table[None])}: the notes name a "
                        "layer by its index letter, as Bishop does")
                return replace(verdict, claim=written, reason="; ".join(filter(None, (said, verdict.reason))))
            if other:
                return Verdict(claim.line, written, "not understood", reason=other)
            weak = inferred & self.weak
            if weak:
                meant = {name: self.tensors[name].get(None) or next(iter(self.tensors[name].values())) for name in weak}
                said = ", ".join(f"{name} as {binding.describe(self, meant[name])}" for name in sorted(weak))
                return Verdict(claim.line, written, "not understood", reason=(
                    f"wrong if {said}; but symconv read that from a claim that holds with other readings too (names "
                    "read together, only through their gradient, or from a worked number), so it does not call this wrong: define the "
                    "names (e.g. Let ... = ...) to have it judged"))
        diagonal = _only_where(failures, envs, equal=True)
        if diagonal:  # Rathi's da_m/dz_j = -\hat y_j \hat y_m, "a different node m": said in words, not written
            a, b = diagonal
            return Verdict(claim.line, written, "not understood", reason=(
                f"right wherever {a} \\neq {b} and wrong where {a} = {b}: the claim holds for different {a} and {b} "
                f"only, a condition it does not write (add e.g. \\quad ({a} \\neq {b}) to have it judged)"))
        off = _only_where(failures, envs, equal=False)
        if off and _states_equal(claim.case, *off):  # "If $i = j$: ..." and a display after the first that follows it
            a, b = off
            return Verdict(claim.line, written, "not understood", reason=(
                f"right where {a} = {b} and wrong where {a} \\neq {b}: the notes treat the case {a} = {b} in words "
                f"before it, but the claim does not write it (add \\quad ({a} = {b}) to have it judged)"))
        if (self.given and failures[0].truth is not None and any(n[0] == "num" and n[2] for side in sides[1:] for n in walk(side))
                and self._data_missing(failures[0].truth)):
            # \partial L/\partial w_j = 0.5 a_j: 0.5 is the notes' dL/d\hat y at their numbers, which need a value they
            # did not give (or gave without saying which layer's)
            return Verdict(claim.line, written, "not understood", reason=(
                "the claim writes a number of the notes' worked example, which depends on values they do not give "
                "(or give without saying which layer's): give them as claims of their own to have it judged"))
        set_to = self._holds_with_a_number(failures[0], sides)
        if set_to:
            return Verdict(claim.line, written, "not understood", reason=(
                f"right if {set_to}, a number the claim writes in place of a given value: give it as a claim of its "
                f"own (e.g. {set_to}) to have the step checked at it"))
        if "\\partial" in claim.text and self._holds_as_staged(sides, envs):
            # \partial \hat x_i / \partial x_i = 1/\sqrt{\sigma^2 + \epsilon}: a partial of the notes' staged graph, the
            # other values \hat x is computed from held fixed; the total derivative is another number. Never wrong.
            return Verdict(claim.line, written, "not understood", reason=(
                "right as a partial of a staged graph, the other values it is computed from held fixed (as the notes' "
                "own nodes), and wrong as the total derivative through them: say which is meant to have it judged"))
        loss = loss_letter(sides)
        printer = self._printer(compact, loss, self._upstream_in(claim.text))
        first = failures[0]
        named = any(f.env for f in failures)
        missing, extra = (), ()
        numbers = first.claimed is not None and getattr(first.claimed, "is_number", False) and not getattr(
            first.truth, "is_number", True)  # a worked number: its terms are not the formula's
        if first.truth is not None and first.claimed is not None and not first.note.startswith("the sign") and not numbers:
            missing, extra = term_difference(self.meaning.in_terms_of(first.truth, first.claimed), first.claimed, printer)
        return Verdict(
            claim.line, written, "wrong",
            indices_failed=tuple(f.env for f in failures) if named else (),
            missing=missing, extra=extra,
            expected=printer.doprint(first.truth) if first.truth is not None else "",
            reason=first.note,
        )

    def _holds_as_staged(self, sides, envs) -> bool:
        """Whether the claim holds at every index with each local derivative read as a partial of its node alone."""
        self.direct = True
        try:
            return all(self._check(sides, env) is None for env in envs)
        except (ParseError, Outside, UnknownName, RecursionError, *_EVALUATION_ERRORS):  # ChannelLayout is a ParseError
            return False
        finally:
            self.direct = False

    def _every_layer(self, claim: Claim, written: str) -> Verdict:
        """A claim about layer l (\\delta^l = ...): read at each layer where every value it names exists, and
        right when every such reading holds (general_layers.py)."""
        last = max((n for name, table in self.tensors.items() if not GRADIENT_NAME.fullmatch(name)
                    for n in table if n is not None), default=0)  # L: the last layer's number
        wrong, reasons, unknown = [], [], False
        first, top = 0, None
        stated = general_layers.stated_layers(claim.range, last) if claim.range else None
        if stated:  # "for l = 1 ... L-1"
            first, top, rest = stated
            claim = replace(claim, range=rest)
        single = not any(n is not None for name, table in self.tensors.items() for n in table)  # one layer, unnumbered
        for said, instances in general_layers.readings(claim.text, last, first, top, single=single,
                                                       ends=self.single_ends() if single and not self.output_layered else None):
            # a layer whose left-hand side does not exist is not one the claim is about (Nielsen's \delta^l at the
            # input layer, l = 1)
            instances = [(value, text) for value, text in instances if ("=" not in text or self._exists(text.split("=", 1)[0]))
                         and not self._activation_absent(text) and not self._input_elsewhere(text)]
            self.general = True  # names read at a layer only beside a value the layer has (binding.py)
            try:
                verdicts = [(value, self.grade(replace(claim, text=text))) for value, text in instances]
            finally:
                self.general = False
            verdicts = [(value, v) for value, v in verdicts if not _no_such_layer(v)]
            statuses = {v.status for _, v in verdicts}
            if verdicts and statuses <= {"definition"}:
                return replace(verdicts[0][1], claim=written, line=claim.line, reason="a name for every layer")
            if verdicts and statuses <= {"right", "definition"}:
                return Verdict(claim.line, written, "right", reason=_SINGLE if single else (
                    f"read at l = {', '.join(str(l) for l, _ in verdicts)}" + (f", {said}" if said != general_layers.FIRST else "")))
            failed = [(value, v) for value, v in verdicts if v.status == "wrong"]
            if failed and _WRITES_LAST.search(claim.text) and verdicts[-1][1].status != "wrong":
                # \partial C/\partial W^l = \delta^L (a^{L-1})^T, after the notes' \delta^L: l is the last layer here
                reasons.append(f"it is wrong at l = {failed[0][0]} but not at the last layer (l = {verdicts[-1][0]}): it "
                               "writes L beside l, so its l may mean the last layer")
                continue
            if failed:
                wrong.append((failed[0], said))
            else:
                reasons += [v.reason for _, v in verdicts if v.reason and v.status == "not understood"]
                unknown = unknown or any(v.unknown for _, v in verdicts)
        if wrong and not reasons:  # wrong however the notes number the weights
            (value, v), said = wrong[0]
            return replace(v, claim=written, line=claim.line,
                           reason="; ".join(filter(None, (_SINGLE if single else f"at l = {value} ({said})", v.reason))))
        # a name not read yet (\delta^L before "where \delta^l_j \equiv ..."), or read at one layer from a claim (\delta^L
        # = ... gives \delta at the last layer alone): judged again once the notes are read
        unknown = unknown or not reasons and bool(binding.uses(claim.text, self.inferred))
        return Verdict(claim.line, written, "not understood", reason=reasons[0] if reasons else
                       "no layer has every value the claim names", unknown=unknown)

    def given_names(self) -> set[str]:
        """The names of the values the network is given: its input, parameters, targets and upstream gradient."""
        leaves = {self.d.records[0].input, *self.parameter_keys, *self.target_keys,
                  *(t.name for t in self.d.tensors if t.name.startswith("dL/d") and t.entries is None)}
        return {name for name, table in self.tensors.items() if any(info.key in leaves for info in table.values())}

    def single_ends(self) -> tuple[str, str] | None:
        """The names of a single layer's input and output as the claims write them (x and y), None if unnamed."""
        record = self.d.records[0]
        names = {info.key: name for name, table in self.tensors.items() if not GRADIENT_NAME.fullmatch(name)
                 for info in table.values() if not info.gradient and len(name) == 1}
        return (names[record.input], names[record.output]) if record.input in names and record.output in names else None

    def _with(self, bound: dict) -> dict:
        """The names with a reading's added: a name that needs its layer keeps its layers, and a name read at a
        layer (o^{[1]}, the input x written x^{[1]}) keeps its other layers and its value without one."""
        tensors = dict(self.tensors)
        for name, table in bound.items():
            kept = tensors.get(name, {})
            if any(info.numbered for info in table.values()):
                tensors[name] = {**kept, **table}
            else:
                tensors[name] = {**table, **{k: v for k, v in kept.items() if k is not None}} if None not in kept else table
        return tensors

    def _activation_absent(self, text: str) -> bool:
        r"""Whether a reading writes a layer's activation a^{[n]} beside its pre-activation z^{[n]} where no activation
        follows the layer (a^{[n]} is z^{[n]} itself): Shah's \partial L/\partial z^l = \partial L/\partial a^l \sigma'(z^l)
        is about the layers that have one."""
        a, z, written = self.tensors.get("a", {}), self.tensors.get("z", {}), binding.written_layers(text)
        return any(n in a and n in z and a[n].key == z[n].key for name, n in written if name == "a" and ("z", n) in written)

    def _input_elsewhere(self, text: str) -> bool:
        """Whether a reading writes z^{[n]} beside a^{[n-1]} where layer n reads another value (a pooling between them):
        the textbook's conv layer z^l = w^l * a^{l-1} + b^l is about the layers that read the activation before them."""
        a, z, written = self.tensors.get("a", {}), self.tensors.get("z", {}), binding.written_layers(text)
        reads = {r.output: r.input for r in self.d.records}
        return any(n in z and n - 1 in a and reads.get(z[n].key, a[n - 1].key) != a[n - 1].key
                   for name, n in written if name == "z" and ("a", n - 1) in written)

    def _exists(self, side: str) -> bool:
        """Whether every layer a side writes (W^{[2]}) is one its name has: parse.py reads a layer the name does
        not have as the layer-th that has it, which is no reading of a claim about layer l."""
        for name, layer in re.findall(r"(\\?[A-Za-z]+)\s*\^\s*\{\s*\[\s*(\d+)\s*\]\s*\}", side):
            layers = {n for n in self.tensors.get(name, {}) if n is not None}
            if layers and int(layer) not in layers:
                return False
        return True

    def _read_alone(self, expression: str):
        """An expression read with the names known so far, as its tree (("channel",) when it needs a channel
        layout said); None when it does not read (a name left to bind)."""
        try:
            (side, _), _ = self.parse(Claim(0, f"{expression} = {expression}"))
        except ChannelLayout:
            return ("channel",)
        except (ParseError, RecursionError):
            return None
        return side

    def _both_layouts(self, claim: Claim) -> Verdict:
        """A claim whose entries write the channel among their indices, judged with it first and with it
        last: right if right either way, wrong only if wrong both ways."""
        verdicts, given = {}, {}
        before = dict(self.given)
        for layout in ("first", "last"):
            self.layout = layout
            self.given, self._given_point = dict(before), None
            try:
                verdicts[layout] = self.grade(claim)
            finally:
                self.layout = None
                given[layout] = self.given
        # a value the notes give holds either way, and a matrix's rows are its first axis: read as MATH.md and
        # PyTorch lay them out, channel (or example) first
        self.given, self._given_point = given["first"], None
        if verdicts["first"].status == "definition" or claim.matrix:
            return verdicts["first"]
        for layout, verdict in verdicts.items():
            if verdict.status == "right":
                return replace(verdict, reason="; ".join(filter(None, (f"read with the channel {layout} among the "
                                                                        "indices", verdict.reason))))
        first = verdicts["first"]
        # right with it first but for a convention the notes do not state (right only if ...): not the other layout's wrong
        conditional = first.status == "not understood" and first.reason.startswith(("right only if", "right if"))
        # a chain whose links that read hold with the channel first: wrong with it last is that layout's, not the notes'
        # mistake (Thorey's dL/d\gamma_j, a Kronecker delta in one link, read only with the example first)
        partial = first.status == "not understood" and first.reason.startswith(_LINKS_HOLD)
        if first.status == "wrong" or verdicts["last"].status != "wrong" or conditional or partial:
            other = "wrong with it last" if partial else "not right with it last either"
            return replace(first, reason="; ".join(filter(None, (first.reason, "read with the channel first among the "
                                                                  f"indices (it is {other})"))))
        return replace(verdicts["last"], reason="; ".join(filter(None, (verdicts["last"].reason, "read with the channel "
                                                                         "last among the indices"))))

    def holds(self, sides, claim: Claim) -> bool:
        """Whether the claim is right at every index of its range (read with names still being bound):
        first at one point and its first indices, by value alone, then in full. The search for what the notes'
        names mean reads the same sides again and again (a reading of one name with the others as before, each
        convention's grader, each claim again once names are bound): each answer is worked out once for the
        state it depends on, and what holding it leaves behind (the reading of *, the target size, a worked
        example's numbers skipped) is left behind again."""
        try:
            key = (tuple(sides), claim.range, self.base, self.columns, arrays.COLUMNS.get(), self._reading, self._target,
                   self._quick, frozenset(self.given.items()), tuple(self.constants.items()), frozenset(self.inferred))
            found = self._held.get(key)
        except TypeError:  # something in the tree that is not hashable: worked out as it is
            return self._holds(sides, claim)
        if found is None:
            skipped, self._numbers_skipped = self._numbers_skipped, False
            try:
                held = self._holds(sides, claim)
            finally:
                self._numbers_skipped, skipped = skipped or self._numbers_skipped, self._numbers_skipped
            if len(self._held) >= MAX_HELD_KEPT:
                self._held.clear()
            found = self._held[key] = (held, skipped, self._reading, self._target, self._quick)
        held, skipped, self._reading, self._target, self._quick = found
        self._numbers_skipped = self._numbers_skipped or skipped
        return held

    def _holds(self, sides, claim: Claim) -> bool:
        verdict_only, self._verdict_only = self._verdict_only, True
        try:
            envs = self._indices(sides, claim.range)
            if len(envs) * sum(self.terms(side) for side in sides[1:]) > MAX_WORK:
                return False
            if self._plainly_wrong(sides, envs[0]):
                return False
            self._quick = True
            try:
                if self._check(sides, envs[0]) is not None:
                    return False
            finally:
                self._quick = False
            return all(self._check(sides, env) is None for env in envs)
        except (ParseError, Outside, RecursionError, *_EVALUATION_ERRORS):
            return False
        finally:
            self._verdict_only = verdict_only

    def _plainly_wrong(self, sides, env) -> bool:
        """Whether a claim with no worked numbers plainly differs from its left-hand side's value at the first point
        in its first right-hand side, as numbers (numeric.py): then it does not hold, and its expressions are
        not built. (Every way _check reads a first side that differs there is a failure, whatever follows it.)"""
        if self.given or any(n[0] == "op" for n in walk(sides[1])):
            return False
        try:
            truth = self.truth(sides[0], env)
        except Exception:  # noqa: BLE001 -- _check says what it is
            return False
        return truth is not None and not arrays.is_array(truth) and numeric.plainly_unequal(self, truth, sides[1], env)

    @property
    def candidates(self):
        """What a name the derivation does not have may stand for (binding.py), listed once."""
        if self._candidates is None:
            self._candidates = binding.candidates(self)
        return self._candidates

    def _check(self, sides, env) -> _Failure | None:
        lhs = sides[0]
        if (lhs[0] == "deriv" and lhs[1][0] == lhs[2][0] == "entry" and lhs[1][1] != binding.KRONECKER
                and self.d[lhs[1][1]].entries is None
                and any(i.coefs for i in lhs[1][2] + lhs[2][2])
                and not any(n[0] in ("ind", "pieces") or n[0] == "entry" and n[1] == binding.KRONECKER
                            for side in sides[1:] for n in walk(side))):
            # \partial w_{kl}/\partial w_{mn} = 0 "except for (k,l) = (m,n)", said in words: 1 for the same entry
            raise ParseError("a given value's derivative by another is 1 for the same entry and 0 otherwise: write "
                             "the condition in the claim, e.g. \\delta_{km}\\delta_{ln}, to have it judged")
        try:
            truth = self.truth(sides[0], env)
        except Outside as outside:  # w_0 x_0 of a vector counted from 1: an entry written with numbers it lacks
            raise ParseError(f"the left-hand side writes {outside}, an entry the tensor does not have (an index "
                             "written with a number is outside it)") from None
        if truth is None:
            entry = sides[0][2] if sides[0][0] == "deriv" else sides[0]
            if entry[0] == "entry" and any(i.written and not i.coefs for i in entry[2]):
                # w_{k0} for a bias (Bishop's notation): an entry the tensor does not have is no claim about it
                raise ParseError("the left-hand side is an entry the tensor does not have (an index written with a "
                                 "number is outside it): symconv reads entries of the layer's tensors")
            return _Failure(env, None, note="no such entry at these indices")
        self._target = truth.shape[-2:] if arrays.is_array(truth) and truth.ndim >= 2 else None
        self._sides = sides
        # * between two images is a correlation in some texts and a convolution in others: right in either
        stars = any(n[0] == "op" and n[1] == "star" for side in sides[1:] for n in walk(side))
        failure = None
        for reading in ("correlation", "convolution") if stars else ("correlation",):
            self._reading = reading
            try:
                found = self._check_reading(sides, env, truth)
            except ParseError:
                if reading == "convolution" and failure is not None:
                    return failure
                if not stars or reading == "convolution":
                    raise
                continue
            if found is None:
                return None
            failure = failure or found
        return failure

    def _check_reading(self, sides, env, truth) -> _Failure | None:
        for side in sides[1:]:
            try:
                claimed = self.value(side, env)
            except Outside as outside:
                return _Failure(env, truth, note=f"{outside} {_OUTSIDE}")
            if arrays.is_array(truth) or arrays.is_array(claimed):
                failure = self._check_arrays(side, sides, env, truth, claimed)
                if failure is not None:
                    return failure
                continue
            decimal = any(n[0] == "num" and n[1].denominator > 1 and n[2] for n in walk(side))
            if claimed.is_number and not truth.is_number and self.given:
                worked = self._worked(truth, claimed, side)  # the worked numbers, at the values the notes give
                if worked is not None:
                    if worked:
                        continue
                    if self._verdict_only:
                        return _Failure(env, truth, claimed)
                    return _Failure(env, truth, claimed, note=(
                        f"at the values the notes give, this is {_shown(self._given_value(truth))}, not {_shown(claimed)}"))
                if claimed == 0 and side is sides[-1] and self._data_missing(truth) and not self._same(claimed, truth):
                    # a_1 = 0 in notes that work numbers: the relu of a value they gave only in part (a bias whose
                    # layer they do not say) is their example's, not a formula's
                    raise ParseError("the right-hand side is a number of the notes' worked example, which depends on "
                                     "values they do not give (or give without saying which layer's): not judged")
            if (side is sides[1] and claimed.is_number and not decimal and not truth.is_number and len(sides) == 2
                    and self._same(claimed, truth)):
                continue  # \sum_k t_k = 1: a number the left-hand side is wherever the network is defined (the targets)
            if (side is sides[1] and claimed.is_number and (decimal or not truth.is_number and (claimed != 0 or len(sides) > 2))
                    and all(self._number(other, env) for other in sides[2:])):
                # "y_{1,1} = 1 \cdot 0 + 2 \cdot 3 = 6", "dL/db = 4": a value at numbers no claim gives (a
                # worked example). A lone 0 is a claim about the formula ("this gradient is 0"): graded.
                raise ParseError("the right-hand side is a number (a worked example): check grades formulas in the "
                                 "layer's symbols, not values at numbers it is not given")
            if side is not sides[1] and claimed.is_number and not truth.is_number and (claimed != 0 or self.given):
                # a 0 ending a chain claims the formula is 0, unless the notes are working numbers they gave
                self._numbers_skipped = True  # "... = out(1 - out) = 0.59(1 - 0.59) = 0.24": the formula is judged
                continue
            if self._same(claimed, truth):
                continue
            # a step of a worked example, "dL/dx_{1,3} = \\delta_{1,2} = 2", is the example's (which window's maximum,
            # which relu passes): judged at the values the notes give, not as a formula for every input
            example = self._example_values(claimed, truth, sides, env)
            if example is not None and example[0] == example[1]:
                continue
            if self._verdict_only:  # the report's notes are of no use while names are bound (holds)
                return _Failure(env, truth, claimed)
            notes = []
            if self._same(-claimed, truth):
                notes.append("the sign is wrong: the claim is minus the right value")
            if len(sides) > 2:
                notes.append(f"in the chain, expression {sides.index(side) + 1} (after '=' number "
                             f"{sides.index(side)}) is the first that differs")
            if example is not None:
                notes.append(f"at the values the notes give, this is {_shown(example[0])}, not {_shown(example[1])}")
            return _Failure(env, truth, claimed, note="; ".join(notes))
        return None

    # -- worked numbers at the values the notes give --
    def _gives(self, sides, envs) -> bool:
        """Whether the claim gives a leaf's value (x_{1,1} = 1, a given dL/dY written as a matrix): then it is
        recorded for the worked numbers that follow."""
        leaves = []  # b_1 = b_2 = 0.35: every side but the numbers a leaf, each given the number
        for side in sides:
            leaf = self._leaf(side)
            if leaf is None:
                break
            leaves.append(leaf)
        if not leaves or len(leaves) == len(sides):
            return False
        if any(envs[0]) if envs else False:
            # g_{r,s} = 0 "when r or s is outside 1..4": a rule for entries named with letters (the padding's
            # zeros), not values for the worked numbers
            return False
        given = {}
        for env in envs:
            values = [self.value(side, env) for side in sides[len(leaves):]]
            if not all(getattr(v, "is_number", False) for v in values) or len(set(values)) > 1:
                return False
            for key, indices in leaves:
                flat = 0 if indices is None else self._flat(key, self._at(indices, env))
                if flat is None:
                    return False
                given[self.d[key].symbols[flat]] = values[0]
        self.given.update(given)
        self._given_point = None
        # a target given whole (t = e_2) is the problem's: every claim after it is read at it; so is an input or a
        # parameter given whole where the network branches (which maximum a pooling takes, which relu passes, are
        # the data's). Without a branch a formula is the layer's for every input: a term left out is wrong even where
        # the data make it 0.
        branches = self._meaning.branches
        for tensor in self.d.tensors:
            if (tensor.entries is None and tensor.symbols and all(sym in self.given for sym in tensor.symbols)
                    and (branches or tensor.name in self.target_keys)):
                self.fixed.update({sym: self.given[sym] for sym in tensor.symbols})
        return True

    def _leaf(self, side) -> tuple[str, tuple] | None:
        """(tensor, indices) of an entry nothing in the network computes (an input, a parameter, a target, a
        given dL/dY), which the notes may give a value."""
        if side[0] in ("entry", "whole") and side[1] == binding.KRONECKER:
            return None  # the Kronecker delta is a number, no leaf
        if side[0] == "deriv" and side[1][0] == "loss" and side[2][0] == "entry":
            tensor = self.d[f"dL/d{side[2][1]}"] if f"dL/d{side[2][1]}" in self.d.names() else None
            if tensor is None or tensor.entries is not None:
                return None
            return f"dL/d{side[2][1]}", side[2][2]
        if side[0] == "entry" and self.d[side[1]].entries is None and self.d[side[1]].symbols is not None:
            return side[1], side[2]
        if (side[0] == "whole" and not side[2] and self.d[side[1]].entries is None
                and self.d[side[1]].symbols is not None and len(self.d[side[1]].symbols) == 1):
            return side[1], None  # K = 3 for a 1 x 1 kernel: its one entry
        return None

    def _data_missing(self, truth: Expr) -> bool:
        """Whether the truth, at the values the notes give, still depends on an input or a parameter they did not
        give (an upstream gradient dL/dY left as symbols is no missing datum: the formula is judged in it)."""
        return bool(self._given_value(truth).free_symbols - self.upstream_symbols)

    def _given_value(self, expr: Expr) -> Expr:
        """The expression at the values the notes gave (every derived value worked out from them)."""
        return self._given(expr)[0]

    def _given_number(self, expr: Expr) -> Expr:
        """The expression's value at the values the notes gave, to WORKED_DIGITS."""
        given = self._given(expr)
        if given[1] is None:
            given[1] = given[0].evalf(WORKED_DIGITS)
        return given[1]

    def _given(self, expr: Expr) -> list:
        """[the expression at the values the notes gave, that value to WORKED_DIGITS once asked for], worked
        out once for the given values: the truth of a claim is the same for every reading of its names."""
        if self._given_point is None:
            self._given_values = {}
            point = dict(self.given)
            for tensor in self.d.tensors:
                if tensor.symbols is not None and tensor.entries is not None:
                    for sym, entry in zip(tensor.symbols, tensor.entries):
                        if sym not in point and entry.free_symbols <= point.keys():
                            point[sym] = entry.xreplace(point)
            self._given_point = point
        found = self._given_values.get(expr)
        if found is None:
            value = expr.xreplace(self._given_point)
            found = self._given_values[expr] = [value, None]
        return found

    def _worked(self, truth: Expr, claimed: Expr, side) -> bool | None:
        """Whether a number the claim computes is the truth at the given values, exactly, or to the last digit
        it prints when it is written with a decimal point; None when the notes have not given every value
        it depends on."""
        value = self._given_value(truth)
        if not value.is_number:
            return None
        numbers = [n for n in walk(side) if n[0] == "num"]
        decimals = max((max(_decimals(n[1].denominator), n[2] if n[2] is not True else 0) for n in numbers if n[2]),
                       default=0)
        if not decimals:  # exactly: a rational value as it is, any other (exp, log) to fifty digits
            if value.is_Rational:
                return value == claimed
            return bool(abs(self._given_number(truth) - claimed).evalf(50) <= Rational(1, 10**30) * (1 + abs(claimed)))
        # each number written to `decimals` places is off by up to half its last digit, and a worked sum carries
        # every such rounding: the tolerance grows with the numbers the side is worked from
        rounded = sum(1 for n in numbers if n[2])
        scale = (1 + rounded) * (1 + max(abs(Rational(n[1].numerator, n[1].denominator)) for n in numbers))
        number = self._given_number(truth)
        return bool(abs(number - claimed).evalf(30) <= max(Rational(6, 10 ** (decimals + 1)) * scale,
                                                           abs(number).evalf(30) * 1e-7))

    def _example_values(self, claimed: Expr, truth: Expr, sides, env) -> tuple[Expr, Expr] | None:
        """In a worked example (every value given, the chain ending in a number), the truth and the step at those
        values; None when it is not one."""
        if not self.given or not self._number(sides[-1], env):
            return None
        if not any(expr.has(*_BRANCHES) for expr in (truth, claimed)):
            return None  # no branch the example's values choose: a term left out of a formula is a mistake at any values
        value, claimed_value = self._given_value(truth), self._given_value(claimed)
        return (value, claimed_value) if value.is_number and claimed_value.is_number else None

    def _holds_with_a_number(self, failure, sides) -> str:
        """"t = 1" when the claim is right with a target's entry set to a number it writes (Zhou's
        L = (1 - y_{pred})^2 for the one example whose target is 1, said in a table): not wrong, not read."""
        truth, claimed = failure.truth, failure.claimed
        if truth is None or claimed is None or arrays.is_array(truth) or arrays.is_array(claimed):
            return ""
        if self._targets is None:  # what a loss compares the output with
            targets = {name for r in self.d.records if r.layer.is_loss for name in r.params.values()
                       if self.d[name].entries is None and self.d[name].symbols is not None}
            self._targets = {sym: t.labels[k] if t.labels else str(sym) for t in self.d.tensors if t.name in targets
                             for k, sym in enumerate(t.symbols)}
        truth = self.meaning.in_terms_of(truth, claimed)  # e_1^2 as (a_1 - t_1)^2 beside a claim in a_1
        missing = [sym for sym in truth.free_symbols - claimed.free_symbols
                   if sym in self._targets and sym not in self.given][:3]  # a value the notes give is known
        numbers = {Rational(n[1].numerator, n[1].denominator) for side in sides for n in walk(side) if n[0] == "num"}
        for sym in missing:
            for number in sorted(numbers)[:8]:
                if self.meaning.equal(claimed, truth.xreplace({sym: number})):
                    return f"{self._targets[sym]} = {number}"
        return ""

    def _same(self, claimed: Expr, truth: Expr) -> bool:
        """Equal in meaning: exactly, after expansion, where that is cheap (sums of products of entries),
        else by value at random points (meaning.py), which is the judge either way."""
        if self._quick:
            return self.meaning.equal(claimed, truth, points=1)
        if _short(claimed) and _short(truth) and _equal(claimed, truth):
            return True
        return self.meaning.equal(claimed, truth)

    def _check_arrays(self, side, sides, env, truth, claimed) -> _Failure | None:
        """A claim about a whole tensor, judged entry by entry (a number on one side stands for every entry)."""
        if not arrays.is_array(truth):
            truth = arrays.array_of([truth], (1,))
        if not arrays.is_array(claimed):
            square = truth.ndim == 2 and truth.shape[0] == truth.shape[1] > 1 and claimed != 0
            # (never while names are read from the claim: "1" would hold with too many readings, a bias for input)
            if square and not self._verdict_only and sides[0][0] == "deriv" and sides[0][1][0] != "loss" and arrays.entries_equal(
                    np.array([[claimed if i == j else Integer(0) for j in range(truth.shape[1])]
                              for i in range(truth.shape[0])], dtype=object), truth, self._same) is None:
                return None  # \partial\theta/\partial b = 1: a Jacobian written as a number is that number times I
            claimed = np.full(truth.shape, claimed, dtype=object)
        worked = self._worked_array(side, truth, claimed)
        if worked is not None:
            return None if worked is True else _Failure(env, worked[1], worked[2], note=(
                f"at the values the notes give, entry ({', '.join(str(i + self.base) for i in worked[0])}) is "
                f"{_shown(self._given_value(worked[1]))}, not {_shown(worked[2])}"))
        try:
            found = arrays.entries_equal(arrays.plain(claimed), truth, self._same)
        except arrays.ShapeDiffers as differs:
            gradient = sides[0][0] == "deriv" and sides[0][1][0] == "loss"
            if not (gradient and self.gradient_shaped and len(differs.truth) == 2 and differs.claimed == differs.truth[::-1]):
                raise
            # the notes write a gradient with the shape of what it is by (an earlier claim that holds): its transpose
            # is not the notes' convention but a mistake (X^T G for G^T X)
            return _Failure(env, None, None, note=f"{differs}: the notes write a gradient with the shape of what it "
                                                  "is by (as a claim of theirs that holds does), and this is its transpose")
        if found is None:
            if sides[0][0] == "deriv" and sides[0][1][0] == "loss" and truth.ndim == 2 and min(truth.shape) > 1 \
                    and truth.shape[0] != truth.shape[1] and not self._quick and not self._verdict_only:
                self.gradient_shaped = True  # a claim's verdict (not a reading tried for its names) held so
            return None
        index, expected, got = found
        where = ", ".join(str(i + self.base) for i in index)
        notes = [f"entry ({where}) of the tensor differs"]
        if len(sides) > 2:
            notes.append(f"in the chain, expression {sides.index(side) + 1} (after '=' number {sides.index(side)}) "
                         "is the first that differs")
        return _Failure(env, expected, got, note="; ".join(notes))

    def _worked_array(self, side, truth, claimed):
        """A whole tensor written as numbers (a = (0, 2, 4, 0)) where its truth is a formula: the worked numbers,
        judged at the values the notes give (True, or the first entry that differs: (index, truth, claimed)); None
        for a tensor of zeros (a claim about the formula) or one of formulas. Raises ParseError when the notes have
        not given every value it depends on: a worked example, not a formula, is not judged at random values."""
        plain = arrays.plain(claimed)
        if plain.size == truth.size and plain.shape != truth.shape and sum(n > 1 for n in truth.shape) <= 1:
            # (0.25, -0.125, 0.25, 0.5) for a 1 x 4 gradient; a matrix written as a list has no one order to read
            plain = plain.reshape(truth.shape)
        if plain.shape != truth.shape or not all(getattr(c, "is_number", False) for c in plain.flat) \
                or all(c == 0 for c in plain.flat) or all(getattr(t, "is_number", False) for t in truth.flat):
            return None
        for index in np.ndindex(truth.shape):
            got, want = plain[index], truth[index]
            if getattr(want, "is_number", False):
                if not self._same(got, want):
                    return index, want, got
                continue
            held = self._worked(want, got, side) if self.given else None
            if held is None:
                raise ParseError("the right-hand side is numbers (a worked example): check grades formulas in the "
                                 "layer's symbols, not values at numbers it is not given")
            if not held:
                return index, want, got
        return True

    def _number(self, side, env) -> bool:
        """Whether a side of a chain is a number at these indices."""
        try:
            return bool(self.value(side, env).is_number)
        except Outside:
            return False

    def _indices(self, sides, range_text: str) -> list[dict[str, int]]:
        """Every choice of the claim's free indices: from its range, else the whole axis they index."""
        stated = parse_range(range_text) if range_text else {}
        conditions = stated.pop(CONDITIONS, [])
        free = sorted(set().union(*(free_indices(side) for side in sides)))
        for var in stated | {v: None for left, _, right in conditions for v in (left, right)}:
            if var not in free:
                raise ParseError(f"the range names {var}, which the claim does not use")
        values = []
        summed_on_the_left = summed_indices(sides[0]) - free_indices(sides[0])
        for var in free:
            given = stated.get(var, ALL)
            if given is ALL and var in summed_on_the_left:
                # free on the right only: not the index of a sum the left writes (Gwardys' \sum_a ... = w_{a,b})
                raise ParseError(f"index {var} is free on the right-hand side only: say its range, e.g. "
                                 f"'for {var} = 1, 2', or what it is, e.g. {var} = i - r + 1")
            if given is ALL:
                alone, _ = axis_sizes(sides[0], var, self.shapes)
                if not alone:
                    # \delta_u of the one value u: the name of a value of the notes, written as the label of a
                    # name that stands for one number (an index letter free on the right only stays unread)
                    anywhere = [n for side in sides[1:] for n in axis_sizes(side, var, self.shapes)[0]]
                    alone = anywhere if var in self.tensors and anywhere and set(anywhere) == {1} else []
                if not alone:
                    raise ParseError(f"index {var} has no range: say it, e.g. 'for {var} = 1, 2'")
                given = list(range(self.base, min(alone) + self.base))
            values.append(given)
        count = 1
        for v in values:
            count *= len(v)
        if count > MAX_INDICES:
            raise ParseError(f"the claim ranges over {count:,} index choices, more than the {MAX_INDICES:,} checked")
        envs = [dict(zip(free, choice)) for choice in product(*values)]
        envs = [env for env in envs if all((env[a] == env[b]) == equal for a, equal, b in conditions)]
        if not envs:
            raise ParseError("the range leaves no choice of the indices to check")
        return envs

    def _forget(self, text: str) -> None:
        """A definition that could not be read takes back the name's earlier meaning: later claims with
        it are not understood rather than judged with a meaning the notes changed."""
        for name in [n for n, table in self.tensors.items() if any(i.gradient for i in table.values())]:
            if text.lstrip().startswith(name):
                del self.tensors[name]

    def _upstream_in(self, text: str) -> str | None:
        """The name for dL/dY the feedback uses: the one the claim uses, else the last the notes defined."""
        defined = [name for name, table in self.tensors.items() if not GRADIENT_NAME.fullmatch(name)
                   and any(info.gradient and info.key == self.d.records[-1].output for info in table.values())]
        return next((name for name in reversed(defined) if name in text), defined[-1] if defined else None)

    def _printer(self, compact: bool, loss: str, upstream: str | None = None) -> SymconvLatexPrinter:
        if self.network:  # a network's claims are printed in its documents' notation
            key = (False, "network")
            if key not in self._printers:
                self._printers[key] = SymconvLatexPrinter(self.d.latex_names, self.d.order)
            return self._printers[key]
        key = (compact and max(n for shape in self.shapes.values() for n in shape) < 10, loss, upstream)
        if key not in self._printers:
            self._printers[key] = SymconvLatexPrinter(claim_names(self.d, *key), self.d.order)
        return self._printers[key]


_PLACE = "\x00"  # a tensor's key in a tree kept for names of its shape: _PLACE, the name's place, ":", its layer's
MAX_PARSES_KEPT = 2_000
MAX_HELD_KEPT = 2_000  # answers of Grader.holds kept (each keeps its sides' trees)


_NOT_READ = ("key", "transposed")  # fields of a TensorInfo the kept parses are not told apart by (see _shape_of)


def _shape_of(table: dict) -> tuple:
    """What a parse reads of a name's table: its layers and what each stands for, but its tensor's key. (Nor whether
    it is written transposed, as the parses were kept before (by shape, channels and gradient): a reading of W
    transposed may reuse a tree parsed for W as symconv writes it, which the weights-transposed convention's
    grader meets when it binds a name; told apart, five of its verdicts on published3/05_bishop_prml.tex change,
    none of the notes'. Add it here to tell them apart.)"""
    return tuple((layer, *(value for field, value in vars(info).items() if field not in _NOT_READ))
                 for layer, info in table.items())


class _LookedUp(Mapping):
    """The grader's names for parse_claim, each table with placeholder keys (_PLACE) made when the parser looks the
    name up, and which names it looked up (the parse depends on those tables and the names alone)."""

    def __init__(self, tensors: dict, names: tuple, made: dict):
        self._tensors = tensors
        self._place = {name: k for k, name in enumerate(names)}
        self._made = made
        self.looked_up: dict[str, None] = {}  # in order, once each

    def __getitem__(self, name):
        table = self._tensors[name]
        self.looked_up.setdefault(name, None)
        place = self._place[name]
        key = (place, tuple((layer, *(value for field, value in vars(info).items() if field != "key"))
                            for layer, info in table.items()))  # all but the key: the parse reads what it looks up
        found = self._made.get(key)
        if found is None:
            found = self._made[key] = {layer: replace(info, key=f"{_PLACE}{place}:{k}")
                                       for k, (layer, info) in enumerate(table.items())}
        return found

    def __iter__(self):
        return iter(self._tensors)

    def __len__(self):
        return len(self._tensors)

    def __contains__(self, name):
        return name in self._tensors


def _placed(node, keys: dict[str, str], biases: dict[str, str], extra: dict[str, int]):
    """The tree with each entry's and whole tensor's placeholder key (_PLACE n:k) the tensor's key it stands for, and
    a dense layer's bias written as a weight read as the bias (Grader._bias_columns, done here on the way)."""
    if not isinstance(node, tuple):
        return node
    if node and node[0] in ("entry", "whole") and isinstance(node[1], str) and node[1].startswith(_PLACE):
        key = keys[node[1]]  # its indices (or channels) and name hold no key
        indices = node[2]
        if (node[0] == "entry" and key in biases and len(indices) == 2 and indices[1].written
                and not indices[1].coefs and indices[1].const == extra[key]):
            return ("entry", biases[key], (indices[0],), node[3])
        return (node[0], key, *node[2:])
    return tuple([_placed(n, keys, biases, extra) if isinstance(n, tuple) else n for n in node])


_OPERATOR_D = re.compile(r"\\frac\s*\{\s*\\partial\s*\}\s*(?=\{)")


def _operator_over_sum(text: str) -> str | None:
    """The claim with \\frac{\\partial}{\\partial v} applied to the whole sum after it (bracketed), where it is
    followed by a sum without brackets; None where there is no such operator."""
    found = _OPERATOR_D.search(text)
    if found is None:
        return None
    try:
        _, start = read_group(text, found.end())
    except ParseError:
        return None
    depth, end, signs = 0, len(text), []
    for k in range(start, len(text)):
        c = text[k]
        if c in "{([":
            depth += 1
        elif c in "})]":
            depth -= 1
        elif depth == 0 and c == "=":
            end = k
            break
        elif depth == 0 and c in "+-" and text[start:k].strip():
            signs.append(k)
    if not signs or depth < 0:
        return None
    return f"{text[:start]} \\left( {text[start:end].strip()} \\right) {text[end:]}"


def _index_relation(text: str, letters: set[str]) -> bool:
    """Whether the claim relates only the notes' index letters and numbers (r = 5 - p, j = s + q - 2, 2r + p = 6)."""
    if "_" in text or "^" in text or "\\partial" in text:
        return False
    names = re.findall(r"[A-Za-z]+", re.sub(r"\\[A-Za-z]+", " ", text))
    return bool(names) and all(name in letters for name in names)


def _only_where(failures: list[_Failure], envs: list[dict[str, int]], equal: bool) -> tuple[str, str] | None:
    """The two index letters a claim fails exactly where they are equal (`equal`) or exactly where they differ,
    holding wherever else."""
    if not failures or not envs or not all(f.env for f in failures):
        return None
    letters = sorted(envs[0])
    failed = [f.env for f in failures]
    for k, a in enumerate(letters):
        for b in letters[k + 1:]:
            where = [env for env in envs if (env[a] == env[b]) == equal]
            if len(where) < len(envs) and all((env[a] == env[b]) == equal for env in failed) and len(failed) == len(where):
                return a, b
    return None


def _states_equal(case: str, a: str, b: str) -> bool:
    """Whether a relation the prose states ("i = j", "j=i") says the two indices are equal."""
    found = re.fullmatch(r"\s*([a-z])\s*=\s*([a-z])\s*", case)
    return bool(found) and {found[1], found[2]} == {a, b}


_EXAMPLE_LOSS_DERIVATIVE = re.compile(r"\\partial\s*\{?\s*(?:\\ell|\\mathcal\s*\{\s*L\s*\}\s*_)")


def _no_such_layer(verdict: Verdict) -> bool:
    """Whether a reading at one layer names a value that layer does not have (then it is not a reading): g(z^{[l]})
    at a layer no activation follows (Ng's output layer of a regression) included."""
    return verdict.status == "not understood" and bool(re.search(
        r"has no layer|needs its layer|not an entry|no element-wise activation follows"
        # Nielsen's BP2 with one index per value (\delta^l_j) at a convolution, whose values have two: a dense layer's rule
        r"|takes \d+ indices in its subscript, not \d+", verdict.reason))


_CALLED_NAME = re.compile(r"^(\s*[A-Za-z])\s*\((?:[^()]|\([^()]*\))*\)(?=\s*_)")


def _defining_link(text: str, tensors) -> tuple[list, str] | None:
    """(the names defined, the rest of the chain) when a chain's first link is a name the notes define by the
    derivative in its second, as Nielsen's \\delta^l_j = \\partial C / \\partial z^l_j = ... does; else None."""
    links = [link for _, link in _split_equals(text)]
    if len(links) < 3:
        return None
    first = links[0][:-1] + " :" if links[0].rstrip().endswith(":") else links[0]  # \\delta := dL/dz = ...
    # Goodfellow's g(G, V, s)_{i,j,k,l} = \\frac{\\partial J}{\\partial K_{i,j,k,l}} = ...: the name, its arguments aside
    called = _CALLED_NAME.match(first)
    if called:  # a function's name is its own, not the small letter of a capital the notes use (g here, G = dL/dZ)
        first = _CALLED_NAME.sub(r"\1", first)
        tensors = {name: table for name, table in tensors.items() if name != called[1].strip().swapcase()}
    try:
        defined = definitions(f"{first}= {links[1]}", tensors)
    except ParseError:
        return None
    return (defined, " = ".join(links[1:])) if defined else None


def at_link(verdict: Verdict, claim: Claim) -> Verdict:
    """A chain written over several rows: the verdict of each step, on the line of its '=' (every step of a right
    chain holds; in a wrong one, those before the first expression that differs hold, that one's does not, and the
    ones after it are not judged), and the reason says on which line the first expression that differs stands (the
    verdict stays the chain's, on its first line)."""
    if not claim.links or verdict.status not in ("right", "wrong"):
        return verdict
    if verdict.status == "right":
        return replace(verdict, links=tuple((line, "right") for line in claim.links))
    found = re.search(r"expression \d+ \(after '=' number (\d+)\)(?= is the first that differs)", verdict.reason or "")
    if found is None or int(found[1]) > len(claim.links):
        return verdict
    step = int(found[1])
    links = tuple((line, "right" if k < step else "wrong" if k == step else "not understood")
                  for k, line in enumerate(claim.links, start=1))
    line = claim.links[step - 1]
    if line == claim.line:
        return replace(verdict, links=links)
    return replace(verdict, links=links,
                   reason=f"{verdict.reason[:found.end()]}, on line {line},{verdict.reason[found.end():]}")


def _renumbered(reason: str, kept: list[int]) -> str:
    """A chain's reason ("expression 3 (after '=' number 2) is the first that differs") in the numbering of
    the chain as written, of which only the links `kept` were judged."""
    def mapped(found: re.Match) -> str:
        k = kept[int(found[1]) - 1]
        return f"expression {k + 1} (after '=' number {k})"
    return re.sub(r"expression (\d+) \(after '=' number \d+\)", mapped, reason)


def _shown_link(link: str) -> str:
    """A link of a chain as a report shows it: its first 40 characters."""
    link = " ".join(link.split())
    return link if len(link) <= 40 else link[:37] + "..."


def _shown(value: Expr) -> str:
    """A worked number as a report prints it: exact when it is a short fraction, else to ten digits."""
    if value.is_Rational and len(str(value)) <= 12:
        return str(value)
    return str(value.evalf(10))


def _decimals(denominator: int) -> int:
    """How many digits after the point a written decimal has (0.25 is 1/4: two)."""
    twos = fives = 0
    while denominator % 2 == 0:
        denominator, twos = denominator // 2, twos + 1
    while denominator % 5 == 0:
        denominator, fives = denominator // 5, fives + 1
    return max(twos, fives)


def _defines_itself(sides, names: set[str], gradients: set[str]) -> bool:
    """Whether the left side is an entry of one of the names and the right sides use that name too
    (Bishop's \\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k, with \\delta for two layers' values). A gradient by an
    entry (\\partial L/\\partial v_3 = ... v_1 ...) is no value of the name: only a name that stands for a
    gradient (`gradients`, \\delta) is then itself on the left."""
    derivative = sides[0][0] == "deriv" and sides[0][1][0] == "loss"
    lhs = sides[0][2] if derivative else sides[0]
    if lhs[0] != "entry" or lhs[3] not in names or derivative and lhs[3] not in gradients:
        return False
    # the same value: Nielsen's \delta^2_j = ... \delta^3_k names two layers' values by one letter, as it may
    return any(n[0] == "entry" and n[3] == lhs[3] and n[1] == lhs[1] for side in sides[1:] for n in walk(side))


def _short(expr: Expr) -> bool:
    """What expansion compares at once: a sum of products of entries and numbers, or a short expression
    of functions (a long one, a squared sum of sigmoids, is left to the values at points)."""
    if not expr.atoms(Function) and all(p.exp.is_Integer for p in expr.atoms(Pow)):
        return _operations(expr, 2_000) <= 2_000 and _terms(expr) <= 5_000
    return _operations(expr, 60) <= 60 and _terms(expr) <= 5_000


def _operations(expr: Expr, limit: int) -> int:
    """About as many operations as SymPy's count_ops finds (a sum or product of n arguments is n - 1, a function
    or a power one), counted only until there are more than `limit`: count_ops walks the whole expression, in
    forms of its own, and was a fifth of a long claim's verdict."""
    total, stack = 0, [expr]
    while stack:
        node = stack.pop()
        if node.args:
            total += max(len(node.args) - 1, 1)
            if total > limit:
                return total
            stack.extend(node.args)
    return total


def _terms(expr: Expr) -> int:
    """At most how many terms expanding the expression gives (a product of sums multiplies their lengths): a
    short expression can expand to millions, (a + b + ... )^2 (c + d + ...)."""
    if expr.is_Add:
        return sum(_terms(a) for a in expr.args)
    if expr.is_Mul:
        out = 1
        for a in expr.args:
            out *= _terms(a)
            if out > 10**6:
                return out
        return out
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        return min(_terms(expr.base) ** min(int(expr.exp), 20), 10**7)
    return 1


MAX_EQUAL_KEPT = 20_000
_EQUALS: dict[tuple[Expr, Expr], bool] = {}  # (claimed, truth) -> _equal's answer: the same pair comes back in each
# layout of the channel, each convention's grader, each claim judged again


def _equal(claimed: Expr, truth: Expr) -> bool:
    """_equal_expanded, each pair worked out once (expanding and bringing over one denominator is pure)."""
    key = (claimed, truth)
    found = _EQUALS.get(key)
    if found is None:
        if len(_EQUALS) >= MAX_EQUAL_KEPT:
            _EQUALS.clear()
        found = _EQUALS[key] = _equal_expanded(claimed, truth)
    return found


def _equal_expanded(claimed: Expr, truth: Expr) -> bool:
    """Exactly equal after expansion; a claim with entries in a denominator is brought over one
    denominator first, so that a fraction that cancels is read as what it equals."""
    gap = expand(claimed - truth, power_exp=False, log=False)
    denominators = {p.base for p in gap.atoms(Pow) if p.exp.is_negative}
    if gap != 0 and denominators and len(denominators) <= 3 and not gap.atoms(Function):
        # over one denominator: fine for a few of them; many (sums of sigmoids) multiply out without bound, and
        # the values at points judge those
        gap = expand(together(gap).as_numer_denom()[0])
    return gap == 0
