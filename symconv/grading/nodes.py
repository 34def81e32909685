"""The notes' own quantities as values in their own right: the loss's gradient by one (Kratzert's dL/dxmu_{nd}).

Notes that stage a computation name its intermediate quantities (\\text{xmu}_{nd} = x_{nd} - \\mu_d,
\\text{ivar}_d = 1/\\text{sqrtvar}_d) and then differentiate the loss by them. The network has no such value: the
meaning of \\partial L/\\partial S is the notes' own graph. It is the sum, over every equation the notes give whose
right side uses S, of the loss's gradient by that equation's left side times the right side's partial by S, the
other names it uses held fixed:

    dL/dS_s = sum over equations V = f(..., S, ...), sum over entries v:  dL/dV_v * df_v/dS_s

The equations are the definitions of the notes' later quantities and the claims that hold for a value of the
network (\\hat{x}_{nd} = \\text{xmu}_{nd} \\text{ivar}_d). Where V is a value of the network, dL/dV is the network's;
where it is another quantity of the notes, it is found the same way, back to the network's values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sympy import Dummy, Expr, S, diff

from . import arrays, constants, shorthands
from .extract import Claim
from .notation import ParseError, UnknownName
from .parse import _split_equals, node_key
from .report import Verdict
from .tree import axis_sizes, indices_at

class Unused(ParseError):
    """No equation the notes give (and symconv read) uses the quantity yet: the claim is judged again at the end."""


MAX_DEPTH = 12  # quantities a gradient passes through, one defined from the next


@dataclass(frozen=True)
class Quantity:
    """A quantity the notes name and define: its name as written, index letters, the tree's key, its expression."""

    name: str
    letters: tuple[str, ...]
    key: str
    # written out in the network's values (the shorthand's expansion); for one given entry by entry (a circuit's
    # gates q_1 = w_{1,1} x_{1,1}, ...) each entry's, by the number written (letters is then one placeholder)
    expression: str | dict[tuple[str, ...], str]


@dataclass(frozen=True)
class Equation:
    """An equation the notes give: its left side as written (a value of the network, or a quantity's name) and its
    right side, the notes' own names kept."""

    lhs: str
    rhs: str
    quantity: str = ""  # the quantity the left side is, if it is one


@dataclass
class Nodes:
    """The quantities the notes define and the equations that use them, in the order the notes give them."""

    quantities: dict[str, Quantity] = field(default_factory=dict)
    equations: dict[Equation, None] = field(default_factory=dict)  # ordered, each once
    uses: dict[tuple[str, str], Equation] = field(default_factory=dict)  # every equation written with them, read or not
    _symbols: dict[tuple[str, tuple[int, ...]], Dummy] = field(default_factory=dict)

    def copy(self) -> "Nodes":
        """A copy to restore (a reading tried and dropped takes its quantities with it); the placeholders are shared."""
        return Nodes(dict(self.quantities), dict(self.equations), dict(self.uses), self._symbols)

    def read(self, equation: Equation) -> bool:
        """Whether an equation the notes write is one of the graph's (as written, spaces aside)."""
        return _key(equation) in {_key(e) for e in self.equations}

    def by_key(self, key: str) -> Quantity:
        """The quantity written \\nodeat{number}{...}; a reading that no longer has it is not understood."""
        found = next((q for q in self.quantities.values() if q.key == key), None)
        if found is None:
            raise ParseError("a quantity the notes defined is no longer read so")
        return found

    def placeholder(self, key: str, position: tuple[int, ...]) -> Dummy:
        """A symbol for one entry of a quantity, held fixed while an equation's right side is differentiated by it."""
        if (key, position) not in self._symbols:
            self._symbols[(key, position)] = Dummy(f"{key}{position}")
        return self._symbols[(key, position)]


def _key(equation: Equation) -> tuple[str, str]:
    return " ".join(equation.lhs.split()), " ".join(equation.rhs.split())


def written(name: str) -> re.Pattern:
    """The quantity written with its indices: \\text{xmu}_{nd}, ivar_d, s (shorthands.py's own form)."""
    return re.compile(rf"(?<![A-Za-z\\])(?:{shorthands._OPEN}{re.escape(name)}\s*\}}|{re.escape(name)}(?![A-Za-z0-9]))"
                      r"(?:\s*\^\s*\{\s*\(?\s*(?P<sup>[^{}()]*?)\s*\)?\s*\})?"  # K^{(m)}_{uv}: its channel first
                      r"(?:\s*_\s*(?:\{(?P<braced>[^{}]*)\}|(?P<one>[A-Za-z0-9])))?")


def _marked(text: str, quantity: Quantity) -> str:
    """The text with each entry of the quantity written \\nodeat{number}{indices} (one value, not its expression)."""
    def mark(found: re.Match) -> str:
        given = found["braced"] if found["braced"] is not None else found["one"] or ""
        parts = [p.strip() for p in given.split(",")] if "," in given else list(given.replace(" ", ""))
        if found["sup"] is not None:
            parts = [p.strip() for p in found["sup"].split(",")] + parts
        if len(parts) != len(quantity.letters):
            return found[0]
        return rf"\nodeat{{{quantity.key.split()[1]}}}{{{','.join(parts)}}}"
    return written(quantity.name).sub(mark, text)


def by_quantities(text: str, nodes: Nodes) -> str:
    """A claim's derivatives by the notes' quantities (\\frac{\\partial L}{\\partial \\text{xmu}_{nd}}, \\partial L /
    \\partial \\text{xmu}_{nd}) written as by one value each; a derivative of one (\\partial S_i / \\partial a_j) is of its
    expression, as before."""
    for quantity in nodes.quantities.values():
        pattern = re.compile(r"((?:\}\s*\{|/)\s*\\partial\s*)(" + written(quantity.name).pattern + ")")
        text = pattern.sub(lambda m, q=quantity: m[1] + _marked(m[2], q), text)
    return text


class Shapes(dict):
    """The tensors' shapes by key; a quantity's of the notes worked out when asked, since it depends on how the
    claim being read lays out its indices (its channel first or last)."""

    def __init__(self, shapes: dict, grader):
        super().__init__(shapes)
        self.grader = grader

    def __missing__(self, key):
        if not (isinstance(key, str) and key.startswith("node ")):
            raise KeyError(key)
        quantity = self.grader.nodes.by_key(key)
        if isinstance(quantity.expression, dict):  # q_1, ..., q_4: as many as the largest number written
            return (max(int(entry[0]) for entry in quantity.expression) + 1 - self.grader.base,)
        (tree, _), _ = self.grader.parse(Claim(0, f"{quantity.expression} = 0"))
        sizes = [axis_sizes(tree, letter, self)[0] for letter in quantity.letters]
        missing = [letter for letter, found in zip(quantity.letters, sizes) if not found]
        if missing:
            raise ParseError(f"the index {missing[0]} of {quantity.name} has no range in its definition")
        return tuple(min(found) for found in sizes)


def define(grader, name: str, letters: tuple[str, ...], text: str, expanded: str) -> None:
    """Record a shorthand the notes define (text: name_{letters} = its expression, the notes' names kept) as a
    quantity, and its definition as an equation of the graph."""
    sides = _split_equals(text)
    if len(sides) != 2:
        return
    lhs, rhs = (part.strip().rstrip(":") for _, part in sides)
    entries = letters == shorthands.ENTRIES
    if entries:  # q_1 = w_{1,1} x_{1,1}: one entry of a quantity given entry by entry, by one number
        if not all(len(entry) == 1 and entry[0].isdigit() for entry in expanded):
            return
        letters, written_out = ("#",), "".join(expanded.values())
    else:
        written_out = expanded
    known = grader.nodes.quantities.get(name)
    if known is not None and known.letters != letters or "\\partial" in rhs + written_out:
        return  # a name for a gradient (dxmu1 = ...) is no value of the forward pass
    quantity = Quantity(name, letters, known.key if known else node_key(len(grader.nodes.quantities) + 1),
                        dict(expanded) if entries else expanded)
    grader.nodes.quantities[name] = quantity
    grader.nodes.equations[Equation(lhs, rhs, quantity=name)] = None


def judged(grader, text: str, verdict: Verdict) -> Verdict:
    """A claim's verdict, the notes' graph kept up to date with it. A claim value = expression that held, whose
    expression uses a quantity of the notes, is an equation of the graph (\\hat{x}_{nd} = \\text{xmu}_{nd}
    \\text{ivar}_d; its left side is read when it is used). A gradient by a quantity is unequal for certain only
    when every equation the notes write with the quantities was read: one left out would be a term left out."""
    sides = _split_equals(text)
    if len(sides) == 2 and "\\partial" not in text:
        lhs, rhs = (part.strip() for _, part in sides)
        if any(written(name).search(rhs) for name in grader.nodes.quantities):
            grader.nodes.uses[_key(Equation(lhs, rhs))] = Equation(lhs, rhs)
            if verdict.status == "right":
                grader.nodes.equations[Equation(lhs, rhs)] = None
    if verdict.status != "wrong":
        return verdict
    unread = [use for use in grader.nodes.uses.values() if not grader.nodes.read(use)]
    through = "\\nodeat" in shorthands.expand(by_quantities(text, grader.nodes), grader.shorthands)
    if not (unread and through):
        return verdict
    return replace(verdict, status="not understood", indices_failed=(), missing=(), extra=(), expected="", reason=(
        f"unequal through the notes' own quantities, but symconv did not read every equation the notes give with them "
        f"({unread[0].lhs} = {unread[0].rhs}): a term of it may be left out, so the claim is not judged wrong"))


def _sides(grader, text: str):
    """The sides of a text, with the notes' constants given and their other quantities written out."""
    text = constants.substitute(text, grader.constants) if grader.constants else text
    text = shorthands.expand(text, grader.shorthands)
    sides, _ = grader.parse(Claim(0, text))
    return sides


def value(grader, key: str, position: tuple[int, ...]) -> Expr:
    """One entry of a quantity: its expression at those indices."""
    quantity = grader.nodes.by_key(key)
    expression = quantity.expression
    if isinstance(expression, dict):
        expression = expression.get((str(position[0]),))
        if expression is None:
            raise ParseError(f"the notes do not give {quantity.name}_{{{position[0]}}}")
    tree = _sides(grader, f"{expression} = 0")[0]
    return grader.value(tree, dict(zip(quantity.letters, position)))


def gradient(grader, key: str, position: tuple[int, ...], depth: int = 0) -> Expr:
    """dL/d(one entry of a quantity): through every equation whose right side uses it."""
    if depth > MAX_DEPTH:
        raise ParseError(f"the notes' quantities are defined from each other more than {MAX_DEPTH} deep (or in a "
                         "circle): their gradient is not read")
    quantity = grader.nodes.by_key(key)
    if not all(1 <= p + 1 - grader.base <= n for p, n in zip(position, grader.shapes[key])):
        return S.Zero
    target = grader.nodes.placeholder(key, position)
    total = S.Zero
    using = [e for e in grader.nodes.equations if e.quantity != quantity.name and written(quantity.name).search(e.rhs)]
    if not using:
        raise Unused(f"no equation the notes give that symconv read uses {quantity.name}: the loss's gradient by it "
                     "is not read")
    for equation in using:
        above = grader.nodes.quantities.get(equation.quantity)
        lhs = _marked(equation.lhs, above) if above else equation.lhs
        try:
            sides = _sides(grader, f"{lhs} = {_marked(equation.rhs, quantity)}")
        except UnknownName as unknown:
            raise ParseError(f"the notes' equation {equation.lhs} = {equation.rhs} no longer reads ({unknown})") from None
        for env in grader._indices(sides, ""):
            right = grader.value(sides[1], env)
            if arrays.is_array(right) or target not in right.free_symbols:
                continue
            partial = diff(right, target)
            values = {symbol: value(grader, k, p) for (k, p), symbol in grader.nodes._symbols.items()
                      if symbol in partial.free_symbols}
            if not all(isinstance(v, Expr) for v in values.values()):  # a whole tensor, not one entry's value
                raise ParseError(f"a quantity {equation.lhs} = {equation.rhs} uses is read as a whole tensor there: "
                                 "the loss's gradient by it is not read")
            partial = partial.xreplace(values)
            if partial == 0:
                continue
            if above:
                upstream = gradient(grader, above.key, indices_at(sides[0][2], env), depth + 1)
            elif sides[0][0] == "entry" and grader.d[sides[0][1]].entries is not None:
                upstream = grader.value(("deriv", ("loss", "L"), sides[0]), env)
            else:
                raise ParseError(f"{equation.lhs}, which the notes compute from {quantity.name}, is not a value of the network "
                                 "symconv reads: the loss's gradient by it is not read")
            total += upstream * partial
    return total

