"""Grade claims against a layer's derivation: exact SymPy equality at every index of the claim's range.

A claim is right only when every side after the first equals the truth exactly after expansion, at
every index it speaks of; notation never makes it wrong (factors and terms in any order, x_{11} or
x_{1,1}). Entries outside a tensor on the right-hand side are 0, as the zero padding and the full
convolution take them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import product

from sympy import Add, Expr, Integer, Rational, S, diff, expand

from ..derivation import Derivation
from ..rendering.latex import SymconvLatexPrinter
from ..spec import ConvSpec, SpecError
from .extract import Claim
from .parse import ParseError, TensorInfo, parse_claim
from .ranges import ALL, parse_range
from .report import Verdict, claim_names, term_difference
from .tree import axis_sizes, free_indices, indices_at, loss_letter

GRADIENT = {"X": "dL/dX", "K": "dL/dK", "b": "dL/db", "Y": "dL/dY"}
MAX_INDICES = 10_000  # index combinations one claim may range over
MAX_SUM = 1_000  # values of one summation index


@dataclass
class _Failure:
    env: dict[str, int]
    truth: Expr | None
    claimed: Expr | None = None
    note: str = ""


def tensors_of(spec: ConvSpec) -> dict[str, TensorInfo]:
    """The names a teacher uses for the layer's tensors (--names, and b for the bias)."""
    n = spec.names
    c_in, c_out = spec.in_channels, spec.out_channels
    out = {
        n.input: TensorInfo("X", (c_in, *spec.input), 1),
        n.kernel: TensorInfo("K", (c_out, c_in, *spec.kernel), 2),
        n.output: TensorInfo("Y", (c_out, *spec.output), 1),
    }
    if spec.bias:
        out["b"] = TensorInfo("b", (c_out,), 1)
    return out


class Grader:
    """Judges claims about one convolution layer's derivation."""

    def __init__(self, derivation: Derivation):
        if not isinstance(derivation.spec, ConvSpec):
            raise SpecError("symconv check reads claims about one convolution layer: give the layer's options, "
                            "not --network")
        self.d = derivation
        self.tensors = tensors_of(derivation.spec)
        self.shapes = {info.key: info.shape for info in self.tensors.values()}
        self._printers: dict[tuple[bool, str], SymconvLatexPrinter] = {}

    # -- values of entries --
    def _flat(self, key: str, index: tuple[int, ...]) -> int | None:
        shape = self.shapes[key] if key != "dL/dY" else self.shapes["Y"]
        flat = 0
        for i, n in zip(index, shape):
            if not 1 <= i <= n:
                return None
            flat = flat * n + i - 1
        return flat

    def _symbol(self, key: str, index: tuple[int, ...]) -> Expr:
        flat = self._flat(key, index)
        return S.Zero if flat is None else self.d[key].symbols[flat]

    def _gradient(self, key: str, index: tuple[int, ...]) -> Expr | None:
        flat = self._flat(key, index)
        if flat is None:
            return None
        tensor = self.d[GRADIENT[key]]
        return tensor.symbols[flat] if key == "Y" else tensor.entries[flat]

    @lru_cache(maxsize=None)
    def _local(self, top: tuple[int, ...], key: str, index: tuple[int, ...]) -> Expr | None:
        flat_y, flat = self._flat("Y", top), self._flat(key, index)
        if flat_y is None or flat is None:
            return None
        return diff(self.d["Y"].entries[flat_y], self.d[key].symbols[flat])

    # -- evaluating a tree at one choice of the indices --
    def value(self, node, env: dict[str, int]) -> Expr:
        kind = node[0]
        if kind == "num":
            return Rational(node[1].numerator, node[1].denominator)
        if kind == "entry":
            return self._symbol(node[1], indices_at(node[2], env))
        if kind == "deriv":
            top, bottom = node[1], node[2]
            where = indices_at(bottom[2], env)
            if top[0] == "loss":
                result = self._gradient(bottom[1], where)
            elif top[1] == "Y" and bottom[1] in ("X", "K", "b"):
                result = self._local(indices_at(top[2], env), bottom[1], where)
            else:
                raise ParseError("a derivative here is of the loss, or of an output entry by an input, kernel or bias entry")
            return S.Zero if result is None else result
        if kind == "add":
            return Add(*(sign * self.value(n, env) for sign, n in node[1]))
        if kind == "mul":
            result = Integer(1)
            for n in node[1]:
                result = result * self.value(n, env)
            return result
        if kind == "div":
            den = self.value(node[2], env)
            if den == 0:
                raise ParseError("a division by zero")
            return self.value(node[1], env) / den
        if kind == "pow":
            return self.value(node[1], env) ** node[2]
        if kind == "sum":
            ranges = [self._sum_range(var, low, high, node[2]) for var, low, high in node[1]]
            names = [var for var, _, _ in node[1]]
            return Add(*(self.value(node[2], {**env, **dict(zip(names, values))}) for values in product(*ranges)))
        raise ParseError(f"cannot evaluate {kind}")

    def _sum_range(self, var: str, low: int | None, high: int | None, body) -> range:
        if low is not None:
            if high - low >= MAX_SUM:
                raise ParseError(f"the sum over {var} from {low} to {high} is longer than the {MAX_SUM} terms checked")
            return range(low, high + 1)
        alone, anywhere = axis_sizes(body, var, self.shapes)
        sizes = alone or anywhere
        if not sizes:
            raise ParseError(f"the sum's index {var} does not appear in what it sums")
        return range(1, max(sizes) + 1)

    def truth(self, lhs, env: dict[str, int]) -> Expr | None:
        """What the left-hand side is, at these indices; None when there is no such entry."""
        if lhs[0] == "entry" and lhs[1] == "Y":
            flat = self._flat("Y", indices_at(lhs[2], env))
            return None if flat is None else self.d["Y"].entries[flat]
        if lhs[0] == "deriv" and lhs[1][0] == "loss":
            return self._gradient(lhs[2][1], indices_at(lhs[2][2], env))
        if lhs[0] == "deriv" and lhs[1][1] == "Y" and lhs[2][1] in ("X", "K", "b"):
            return self._local(indices_at(lhs[1][2], env), lhs[2][1], indices_at(lhs[2][2], env))
        raise ParseError("the left-hand side must be an output entry, a gradient entry such as "
                         "\\frac{\\partial L}{\\partial x_{1,1}}, or a local derivative such as "
                         "\\frac{\\partial y_{1,1}}{\\partial x_{1,1}}")

    # -- one claim --
    def grade(self, claim: Claim) -> Verdict:
        written = f"{claim.text} \\quad {claim.range}" if claim.range else claim.text
        try:
            sides, compact = parse_claim(claim.text, self.tensors)
            envs = self._indices(sides, claim.range)
            failures = []
            for env in envs:
                failure = self._check(sides, env)
                if failure is not None:
                    failures.append(failure)
        except ParseError as error:
            return Verdict(claim.line, written, "not understood", reason=str(error))
        except RecursionError:
            return Verdict(claim.line, written, "not understood", reason="the claim is nested too deeply to read")
        if not failures:
            return Verdict(claim.line, written, "right")
        loss = loss_letter(sides)
        printer = self._printer(compact, loss)
        first = failures[0]
        named = any(f.env for f in failures)
        missing, extra = (), ()
        if first.truth is not None:
            missing, extra = term_difference(first.truth, first.claimed, printer)
        return Verdict(
            claim.line, written, "wrong",
            indices_failed=tuple(f.env for f in failures) if named else (),
            missing=missing, extra=extra,
            expected=printer.doprint(first.truth) if first.truth is not None else "",
            reason=first.note,
        )

    def _check(self, sides, env) -> _Failure | None:
        truth = self.truth(sides[0], env)
        if truth is None:
            return _Failure(env, None, note="no such entry at these indices")
        for side in sides[1:]:
            claimed = self.value(side, env)
            if expand(claimed - truth) != 0:
                return _Failure(env, truth, claimed)
        return None

    def _indices(self, sides, range_text: str) -> list[dict[str, int]]:
        """Every choice of the claim's free indices: from its range, else the whole axis they index."""
        stated = parse_range(range_text) if range_text else {}
        free = sorted(set().union(*(free_indices(side) for side in sides)))
        for var in stated:
            if var not in free:
                raise ParseError(f"the range names {var}, which the claim does not use")
        values = []
        for var in free:
            given = stated.get(var, ALL)
            if given is ALL:
                alone, _ = axis_sizes(sides[0], var, self.shapes)
                if not alone:
                    raise ParseError(f"index {var} has no range: say it, e.g. 'for {var} = 1, 2'")
                given = list(range(1, min(alone) + 1))
            values.append(given)
        count = 1
        for v in values:
            count *= len(v)
        if count > MAX_INDICES:
            raise ParseError(f"the claim ranges over {count:,} index choices, more than the {MAX_INDICES:,} checked")
        return [dict(zip(free, choice)) for choice in product(*values)]

    def _printer(self, compact: bool, loss: str) -> SymconvLatexPrinter:
        key = (compact and max(self.shapes["X"] + self.shapes["K"] + self.shapes["Y"]) < 10, loss)
        if key not in self._printers:
            self._printers[key] = SymconvLatexPrinter(claim_names(self.d, *key), self.d.order)
        return self._printers[key]
