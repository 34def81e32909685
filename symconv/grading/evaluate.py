"""Evaluating a parsed claim at one choice of its indices: entries, gradients, whole tensors, operators.

What a node of the tree (parse.py) is worth, as a SymPy expression of the derivation's symbols, or an
array of them for a whole tensor (arrays.py). The grader (grade.py) compares what the sides are worth.
"""

from __future__ import annotations

from functools import cached_property
from itertools import product
from math import comb, prod

import numpy as np
from sympy import (Abs, Add, Dummy, Eq, Expr, Heaviside, Integer, Max, Min, Mul, Piecewise, Rational, S, Symbol, ceiling, diff, exp,
                   floor, log, sign, sqrt, srepr, tanh)

from ..layers.pool import switch
from ..vec import vec_order
from . import arrays, layer_operators, binding
from .notation import Index, ParseError
from .tree import axis_sizes, indices_at

LEARNING_RATES = ("\\eta", "\\alpha", "\\lambda", "lr")  # names notes give the step size
MAX_SUM = 1_000  # values of one summation index
MAX_JACOBIAN = 10_000  # entries of a Jacobian of vec(...) by vec(...)
POWER_COST = 100  # a term of a multinomial power costs about 100 times a plain one to expand


class Outside(Exception):
    """An entry written with numbers that the tensor does not have (x_{4,4} of a 3x3 input)."""


class Evaluator:
    """The values of a claim's nodes; the grader supplies the derivation (d), the tensors' shapes and
    channel axes, the notes' index base, the names it inferred, and the claim's target size and reading."""

    _one_activation = None  # the network's one element-wise activation (f of an expression), found on first use
    columns = False  # a batch's whole values read with their examples as columns (Ng's W X + b): check_notes says
    _examples: set[str] | None = None  # the values with a batch axis (_per_example), found on first use
    # A staged graph's partial (Zakka's, Kratzert's batch norm): d x-hat_i / d x_i with the other values x-hat is
    # computed from (mu, sigma^2) held fixed, as the notes' own nodes; set only to try that reading (grade.py).
    direct = False
    _sides: tuple = ()  # the claim's sides, as the grader reads them: which layer its pad_P, \\star_D mean

    @cached_property
    def parameter_keys(self) -> frozenset[str]:
        """The tensors the network trains: kernels, weights, biases."""
        return frozenset(r.params[p.key] for r in self.d.records for p in r.layer.params(r.shape_in) if p.trained)

    @cached_property
    def target_keys(self) -> frozenset[str]:
        """The losses' targets."""
        return frozenset(r.params[p.key] for r in self.d.records for p in r.layer.params(r.shape_in)
                         if p.title.startswith("target"))

    @cached_property
    def upstream_symbols(self) -> frozenset:
        """The entries of a given upstream gradient dL/dY (a single layer's): symbols a formula may be judged in."""
        return frozenset(sym for t in self.d.tensors if t.entries is None and t.symbols and t.name.startswith("dL/d")
                         for sym in t.symbols)

    def node_value(self, key: str, position: tuple[int, ...]) -> Expr:
        """An entry of a quantity the notes define (the grader's: nodes.py)."""
        raise ParseError("a quantity the notes define is read only by the grader")

    def node_gradient(self, key: str, position: tuple[int, ...]) -> Expr:
        """dL/d(an entry of a quantity the notes define) (the grader's: nodes.py)."""
        raise ParseError("a quantity the notes define is read only by the grader")

    def _flat(self, key: str, index: tuple[int, ...]) -> int | None:
        flat = 0
        for i, n in zip(index, self.shapes[key], strict=True):
            if not 1 <= i <= n:
                return None
            flat = flat * n + i - 1
        return flat

    def _symbol(self, key: str, index: tuple[int, ...]) -> Expr:
        flat = self._flat(key, index)
        if key == binding.KRONECKER:
            return S.One if flat is not None and len(set(index)) == 1 else S.Zero
        return S.Zero if flat is None else self.d[key].symbols[flat]

    def _gradient(self, key: str, index: tuple[int, ...], lhs: bool) -> Expr | None:
        """dL/d(entry): on the left the derived expression, on the right the upstream symbol where the
        derivation has one (as a teacher uses dL/da^{[l]} in the layer below)."""
        flat = self._flat(key, index)
        if key == binding.KRONECKER:
            raise ParseError("the Kronecker delta has no gradient")
        if f"dL/d{key}" not in self.d.names():
            last = self.d.records[-1]
            if last.layer.is_loss and key == last.params.get("L") and flat is not None:
                return S.One  # \partial L/\partial L = 1: where the walk back starts
            loss = self._loss_reading(key)
            if loss is None:
                raise ParseError(f"the derivation has no gradient of {key}")
            # dL/dp_i where only the loss reads p (the softmax's output): the loss's own derivative
            return None if flat is None else diff(loss, self.d[key].symbols[flat])
        if flat is None:
            return None
        tensor = self.d[f"dL/d{key}"]
        if tensor.symbols is not None and (not lhs or tensor.entries is None):
            return tensor.symbols[flat]
        # A gradient that several layers' parts make up is written with the parts' symbols, which are the
        # derivation's names, not a student's: the claim is compared with what they are.
        return tensor.entries[flat].xreplace(self._parts())

    def _loss_reading(self, key: str) -> Expr | None:
        """The loss's value as an expression, when it is what reads the tensor `key` (and nothing else does)."""
        last = self.d.records[-1]
        loss = next((self.d[name] for p, name in last.params.items() if self.d[name].entries is not None
                     and len(self.d[name].shape) == 1 and self.d[name].shape[0] == 1), None)
        tensor = self.d[key]
        if loss is None or tensor.symbols is None or key in [r.input for r in self.d.records] + list(last.inputs):
            return None
        return loss.entries[0] if set(tensor.symbols) & loss.entries[0].free_symbols else None

    def _parts(self) -> dict:
        """Each symbol of a reader's part of a forked gradient, and its entry (worked out once)."""
        if self._part_values is None:
            self._part_values = {sym: entry for t in self.d.parts() for sym, entry in zip(t.symbols, t.entries)}
        return self._part_values

    def _only_activation(self):
        """The one element-wise activation every such layer of the network applies, as a function of its input
        (f(w_1 x_1 + w_2 x_2 + b_1) in notes where f is the sigmoid throughout); refused when there are several."""
        functions = {}
        for r in self.d.records:
            if r.shape_in != r.shape_out or r.layer.params(r.shape_in) or r.layer.is_loss or len(r.inputs) != 1:
                continue
            inputs, outputs = self.d[r.inputs[0]].symbols, self.d[r.output].entries
            if inputs is None or outputs is None or outputs[0].free_symbols != {inputs[0]}:
                continue
            functions[srepr(outputs[0].xreplace({inputs[0]: Symbol("_z")}))] = (outputs[0], inputs[0])
        if len(functions) != 1:
            raise ParseError("f(...) of an expression is the network's activation: it applies "
                             f"{'none' if not functions else 'more than one'}, so write f of an entry, e.g. f(z_{{1}})")
        output, symbol = next(iter(functions.values()))
        return lambda z: output.xreplace({symbol: z})

    def _activation(self, node, env: dict[str, int]) -> Expr:
        """f(z_j) or f'(z_j), f the element-wise activation the network applies to z: the function its output
        entry is of that input entry (f'(z_j) its derivative), at the claim's z_j."""
        (arg,) = node[2] if len(node[2]) == 1 else (None,)
        if arg is None:
            raise ParseError("f(...) is read as the activation applied to an entry, e.g. f(z_{1}): one argument")
        if arg[0] == "whole" and not arg[2]:  # g(Z^{[l]}): the activation after the tensor, entry by entry
            return self._activation_of_whole(node[1] == "dactivation_fn", arg[1])
        if arg[0] != "entry":  # f(w_1 x_1 + w_2 x_2 + b_1): the network's one activation, of that expression
            if self._one_activation is None:
                self._one_activation = self._only_activation()
            function = self._one_activation
            symbol = Dummy("z")
            value = self.value(arg, env)
            if arrays.is_array(value):
                raise ParseError("f(...) of a whole tensor is read entry by entry")
            shape = function(symbol)
            return (diff(shape, symbol) if node[1] == "dactivation_fn" else shape).xreplace({symbol: value})
        index = self._at(arg[2], env)
        flat = self._flat(arg[1], index)
        after = [r for r in self.d.records if r.inputs == (arg[1],) and r.shape_in == r.shape_out
                 and not r.layer.params(r.shape_in) and not r.layer.is_loss]
        if flat is None or len(after) != 1:
            raise ParseError(f"f(...) is the activation of the value it is applied to, and no element-wise "
                             f"activation follows {arg[3]}")
        symbol, output = self.d[arg[1]].symbols[flat], self.d[after[0].output].entries[flat]
        if output.free_symbols != {symbol}:
            raise ParseError(f"the layer after {arg[3]} is not element-wise: f(...) stands for an activation")
        function = diff(output, symbol) if node[1] == "dactivation_fn" else output
        return function.xreplace({symbol: self.value(arg, env)})

    def _vec_jacobian(self, top_key: str, key: str):
        """d vec(top) / d vec(key): a row per entry of vec(top), a column per entry of vec(key)."""
        if self.d[top_key].entries is None:
            raise ParseError(f"{top_key} is not computed from anything here: a Jacobian is of a derived value")
        rows, columns = vec_order(self.shapes[top_key]), vec_order(self.shapes[key])
        if len(rows) * len(columns) > MAX_JACOBIAN:
            raise ParseError(f"the Jacobian has {len(rows)} x {len(columns)} entries, more than the {MAX_JACOBIAN:,} checked")
        entries, symbols = self.d[top_key].entries, self.d[key].symbols
        return arrays.array_of([self.through(entries[r], symbols[c]) for r in rows for c in columns],
                               (len(rows), len(columns)))

    def _chain_order(self, left, node, right, row: bool) -> bool:
        """Whether a product's next factor is a Jacobian of whole vectors (numerator layout: a row per entry of the
        vector differentiated), or any matrix after one, and multiplies a vector as long as its rows, which only a
        row reading fits."""
        if not row and (node[0] != "deriv" or node[2][0] != "whole" or node[1][0] not in ("whole", "expr")):
            return False
        return (isinstance(left, np.ndarray) and left.ndim == 1 and isinstance(right, np.ndarray) and right.ndim == 2
                and right.shape[0] == len(left) > 1)

    def _vector(self, key: str) -> bool:
        """Whether a tensor has one axis of more than one entry: its entries have one order, so a Jacobian by it or
        of it has one layout (a matrix's entries are stacked by rows or by columns, as the notes choose)."""
        return key in self.shapes and sum(n > 1 for n in self.shapes[key]) <= 1

    @staticmethod
    def _pick(value, position: tuple[int, ...]):
        """The entry at `position` (counted from 1) of a tensor; a vector's entry may be written as a column's."""
        if not arrays.is_array(value):
            raise ParseError("an entry (...)_{i,j} is of a whole tensor, and this is one value")
        array = arrays.plain(value)
        if array.ndim == 1 and len(position) == 2 and 1 in position:
            position = (position[0] if position[1] == 1 else position[1],)
        if len(position) > array.ndim or not all(1 <= p <= n for p, n in zip(position, array.shape)):
            raise ParseError(f"entry {position} of a {' x '.join(map(str, array.shape))} tensor: it has no such entry")
        return array[tuple(p - 1 for p in position)]  # fewer indices than axes: a row (a column of the transpose)

    def _activation_of_whole(self, derivative: bool, key: str):
        """g(Z) or g'(Z) of a whole tensor: each entry's activation (its derivative), as the layer after Z computes it."""
        after = [r for r in self.d.records if r.inputs == (key,) and r.shape_in == r.shape_out
                 and not r.layer.params(r.shape_in) and not r.layer.is_loss]
        if len(after) != 1:
            raise ParseError(f"f(...) is the activation of the value it is applied to, and no element-wise "
                             f"activation follows {key}")
        data, outputs = self.d[key], self.d[after[0].output].entries
        values = []
        for symbol, output in zip(data.symbols, outputs):
            if output.free_symbols != {symbol}:
                raise ParseError(f"the layer after {key} is not element-wise: f(...) stands for an activation")
            values.append(diff(output, symbol) if derivative else output)
        array = arrays.array_of(values, data.shape)
        squeezed = array.reshape([n for n in data.shape if n != 1] or [1])
        if self.columns and squeezed.ndim == 2 and key in self._per_example():
            return squeezed.T  # as the whole tensor it is of: examples as columns
        return array

    def _local(self, top_key: str, top: tuple[int, ...], key: str, index: tuple[int, ...]) -> Expr | None:
        """d(top entry)/d(entry), by sympy.diff of one entry (each computed once per grader)."""
        cache_key = (top_key, top, key, index, self.direct)
        if cache_key not in self._locals:
            self._locals[cache_key] = self._differentiate(top_key, top, key, index)
        return self._locals[cache_key]

    def _differentiate(self, top_key: str, top: tuple[int, ...], key: str, index: tuple[int, ...]) -> Expr | None:
        if binding.KRONECKER in (top_key, key):
            raise ParseError("the Kronecker delta is a number: it has no derivative")
        flat_top, flat = self._flat(top_key, top), self._flat(key, index)
        if self.d[top_key].entries is None:
            # \partial w_{kl} / \partial w_{mn} of leaves: 1 for the same entry, else 0 (a Kronecker delta)
            if self.d[top_key].symbols is None or self.d[key].symbols is None:
                raise ParseError(f"{top_key} is not computed from anything: a local derivative is of a derived entry")
            if flat_top is None or flat is None:
                return None
            return S.One if (top_key, flat_top) == (key, flat) else S.Zero
        if flat_top is None or flat is None:
            return None
        return self.through(self.d[top_key].entries[flat_top], self.d[key].symbols[flat])

    def updated(self, entry, env: dict[str, int]) -> Expr:
        """A parameter after one step of gradient descent, w - \\eta dL/dw, at the learning rate the notes give."""
        rate = next((self.constants[name] for name in LEARNING_RATES if name in self.constants), None)
        if rate is None or rate.startswith("\\"):
            raise ParseError("an updated parameter (w^{+}) is w - \\eta \\partial L/\\partial w: give the learning rate "
                             "first, e.g. \\eta = 0.5")
        where = self._at(entry[2], env)
        flat = self._flat(entry[1], where)
        if flat is None:
            raise Outside(self._written(entry[1], where))
        gradient = self._gradient(entry[1], where, lhs=True)
        if gradient is None:
            raise ParseError(f"the derivation has no gradient of {entry[3]}")
        return self.d[entry[1]].symbols[flat] - Rational(rate) * gradient

    # the entries past a border a claim wrote, each read as 0, and whether a sum with limits the notes state reached it
    past_border: set[tuple[str, bool | str]]
    stated_limits: tuple[str, ...] = ()  # the indices of the sums with stated limits the entry being evaluated is in

    def _past_stated(self, key: str, indices, where: tuple[int, ...]) -> bool:
        """Whether an index that runs past the tensor's border is one of a sum whose limits the notes state."""
        return any(not 1 <= at <= n and any(var in self.stated_limits for var, _ in index.coefs)
                   for index, at, n in zip(indices, where, self.shapes[key]))

    def _summed_past(self, key: str, indices, where: tuple[int, ...]) -> bool:
        """Whether the index of a sum with stated limits, written alone (w_{ik}), runs past the tensor's border."""
        return any(not 1 <= at <= n and len(index.coefs) == 1 and index.coefs[0][1] == 1 and index.divisor == 1
                   and index.coefs[0][0] in self.stated_limits for index, at, n in zip(indices, where, self.shapes[key]))

    def _within_padding(self, key: str, where: tuple[int, ...]) -> bool:
        """Whether an entry past the tensor's border (`where` counts from 1) lies in the zeros a convolution that
        reads it pads it with (a pooling's padding is no zeros)."""
        shape = self.shapes[key]
        for r in self.d.records:
            spec_of = getattr(r.layer, "conv_spec", None)
            if key not in r.inputs or spec_of is None:
                continue
            spec = spec_of(r.shape_in)
            if spec.padding_mode == "zeros" and all(1 <= i <= n for i, n in zip(where[:-2], shape[:-2])) and all(
                    1 - before <= i <= n + after
                    for i, n, before, after in zip(where[-2:], shape[-2:], spec.padding, spec.end_padding)):
                return True
        return False

    def _copied_border(self, key: str) -> str:
        """The padding mode (reflect, replicate, circular) of a layer that reads the tensor, "" when every layer
        that reads it pads with zeros (past the border, an entry is then 0)."""
        return next((r.layer.padding_mode for r in self.d.records if key in r.inputs
                     and getattr(r.layer, "padding_mode", "zeros") != "zeros"), "")

    def loss_term(self, k: int) -> Expr:
        """The loss's term of output k (from 1), when the loss is a sum over its input's entries (E_{o1})."""
        record = self.d.records[-1]
        terms = None
        if record.layer.is_loss:
            params = {key: self.d[name].symbols for key, name in record.params.items()}
            terms = record.layer.loss_terms(record.shape_in, self.d[record.output].symbols, params)
        if terms is None:
            raise ParseError("the error of one output (E_{o1}) is a term of a loss that is a sum over the outputs; "
                             "this network's loss is not")
        if not 1 <= k <= len(terms):
            raise ParseError(f"the network has {len(terms)} outputs: no error E of output {k}")
        return terms[k - 1]

    def by_loss_term(self, k: int, bottom, env: dict[str, int]) -> Expr:
        """d(the loss's term of output k)/d(an entry): through the chain of values between them."""
        if bottom[0] != "entry":
            raise ParseError("the derivative of one output's error is read by an entry, e.g. "
                             "\\frac{\\partial E_{o1}}{\\partial out_{o1}}")
        where = self._at(bottom[2], env)
        flat = self._flat(bottom[1], where)
        if flat is None:
            raise Outside(self._written(bottom[1], where))
        return self.through(self.loss_term(k), self.d[bottom[1]].symbols[flat])

    def of_expression(self, top, bottom, env: dict[str, int]) -> Expr:
        """d(an expression of the network's values)/d(an entry), \\partial \\log p_k / \\partial z_j: through the chain."""
        if bottom[0] == "whole" and not bottom[2] and self._vector(bottom[1]):
            # \frac{\partial \log y}{\partial x}: the Jacobian of an expression of vectors, a row per entry of it
            value = self.value(top, env)
            entries = list(arrays.plain(value).reshape(-1)) if arrays.is_array(value) else [value]
            if arrays.is_array(value) and sum(n > 1 for n in arrays.plain(value).shape) > 1:
                raise ParseError("a Jacobian is read of a vector's expression, and this is a matrix's")
            symbols = self.d[bottom[1]].symbols
            return arrays.array_of([self.through(e, s) for e in entries for s in symbols], (len(entries), len(symbols)))
        if bottom[0] != "entry":
            raise ParseError("a derivative of an expression is read by an entry, e.g. \\frac{\\partial \\log p_k}{\\partial z_j}")
        value = self.value(top, env)
        if arrays.is_array(value):
            raise ParseError("a derivative of a whole tensor's expression is read only entry by entry")
        where = self._at(bottom[2], env)
        flat = self._flat(bottom[1], where)
        if flat is None:
            raise Outside(self._written(bottom[1], where))
        return self.through(value, self.d[bottom[1]].symbols[flat])

    def through(self, expr: Expr, symbol) -> Expr:
        """d(expr)/d(symbol) through every value expr is computed from: the chain rule entry by entry
        (\\partial out_{o1}/\\partial out_{h1} is w_{11}\\sigma'(net_{o1}), not 0 because out_{o1} is written with
        net_{o1}), each derived value's derivative worked out once."""
        if self.direct and symbol in expr.free_symbols:
            # the other values held fixed: the partial of this node alone, of an input it reads itself (of one it
            # does not read, a partial would be 0 by fiat: d out_{o1}/d i_1 is read through the values between)
            return diff(expr, symbol)
        total = S.Zero
        for s in expr.free_symbols:
            if s == symbol:
                total += diff(expr, s)
            elif s in self._derived():
                inner = self._through_symbol(s, symbol)
                if inner != 0:
                    total += diff(expr, s) * inner
        return total

    def _through_symbol(self, s, symbol) -> Expr:
        key = (s, symbol)
        if key not in self._chained:
            self._chained[key] = S.Zero  # a value cannot depend on itself
            self._chained[key] = self.through(self._derived()[s], symbol)
        return self._chained[key]

    def _derived(self) -> dict:
        """Each symbol of a value the network computes (not a gradient) and the entry that computes it."""
        if self._derived_values is None:
            self._derived_values = {sym: entry for t in self.d.tensors if t.entries is not None and t.symbols is not None
                                    and not t.name.startswith("dL/d") for sym, entry in zip(t.symbols, t.entries)
                                    if entry != sym}
        return self._derived_values

    def _at(self, indices, env: dict[str, int]) -> tuple[int, ...]:
        """The entry's position, counted from 1, of indices written in the notes' base."""
        values = indices_at(indices, env)
        return tuple(v + 1 - self.base if i.written else v for i, v in zip(indices, values))

    # -- whole tensors --
    def _whole(self, node, env: dict[str, int], gradient: bool = False, lhs: bool = False) -> np.ndarray:
        """The tensor's entries (symbols, or gradients) as an array; the channels given in the claim fixed,
        and channel axes of length 1 left out, as the notation leaves them out."""
        key, given = node[1], self._at(node[2], env)
        if key == binding.KRONECKER:  # \delta written alone, after \delta_{ij} was the Kronecker delta
            raise ParseError("the Kronecker delta is written with its two indices (\\delta_{ij}): this name is used "
                             "for something else here (name it once more, e.g. Let \\delta = ...)")
        shape = self.shapes[key]
        rest = shape[len(given):]
        channels = self.channels.get(key, 0)
        kept = tuple(n for axis, n in enumerate(rest, start=len(given)) if not (axis < channels and n == 1))
        if gradient and f"dL/d{key}" not in self.d.names():
            raise ParseError(f"the derivation has no gradient of {key}")
        values = []
        for index in product(*(range(1, n + 1) for n in rest)):
            where = given + index
            values.append(self._gradient(key, where, lhs) if gradient else self._symbol(key, where))
        array = arrays.array_of([S.Zero if v is None else v for v in values], kept or (1,))
        if self.columns and array.ndim == 2 and not given and key in self._per_example():
            return array.T  # a batch with the examples as columns (Ng's A^{[l]} is n_l x m)
        return array

    def _per_example(self) -> set[str]:
        """The values (activations, targets) with a leading batch axis: not the parameters."""
        if self.d.network.batch is None:
            return set()
        if self._examples is None:
            self._examples = {t.name for t in self.d.tensors if not t.name.startswith("dL/d") and t.name not in self.parameter_keys
                              and self.shapes.get(t.name, (None,))[0] == self.d.network.batch}
        return self._examples


    # -- evaluating a tree at one choice of the indices --
    def value(self, node, env: dict[str, int]):
        """The node's value at these indices: an expression, or an array of them for a whole tensor."""
        kind = node[0]
        if kind == "num":
            return Rational(node[1].numerator, node[1].denominator)
        if kind == "entry":
            where = self._at(node[2], env)
            if self._flat(node[1], where) is None:
                if not any(i.coefs for i in node[2]):
                    if len(where) == 1 and where[0] >= 10 and self.shapes[node[1]][-1] < 10:
                        # P_{12} on a vector of 2: two indices run together, so the notes mean another value by it
                        raise ParseError(f"{node[3]}_{{{where[0]}}} reads as entry {where[0]} of {node[3]}, which has "
                                         f"{self.shapes[node[1]][-1]}: the notes may use {node[3]} for a matrix")
                    raise Outside(self._written(node[1], where))
                if node[3] in self.inferred and not self._within_padding(node[1], where):
                    # zero past the border is the padding's rule, not a guessed name's (unless the layer that reads
                    # the value pads it that far: the notes' a_{i+p-2} of a relu's output a padded conv reads)
                    raise ParseError(f"{node[3]} is indexed past the value symconv read it as: the notes may use "
                                     f"{node[3]} for more than one value (name each once to have it judged)")
                copied = self._copied_border(node[1])
                if copied:  # past a reflected border an entry is the one it copies, not 0
                    raise ParseError(f"{node[3]} is indexed past its border, where the layer that reads it pads with "
                                     f"{copied} copies, not zeros: write the entry each padded position copies")
                if not self._within_padding(node[1], where):
                    # \theta_k = \sum_{i=1}^{3} w_{ik} x_i + b_k over 2 inputs: the sum's own index (not one computed from
                    # it, x_{i+p-1}) runs past the border, so its limits take terms that do not exist: stated, always
                    stated = "summed" if self._summed_past(node[1], node[2], where) else self._past_stated(node[1], node[2], where)
                    self.past_border.add((self._written(node[1], where), stated))
            return self._symbol(node[1], where)
        if kind == "whole":
            return self._whole(node, env)
        if kind == "literal":  # a matrix written out: an array of its entries' values
            values = [[self.value(cell, env) for cell in row] for row in node[1]]
            if any(arrays.is_array(v) for row in values for v in row):
                raise ParseError("an entry of a matrix written out is itself a matrix: write each entry as one number")
            out = np.empty((len(values), len(values[0])), dtype=object)
            for i, row in enumerate(values):
                for j, v in enumerate(row):
                    out[i, j] = v
            return out
        if kind == "update":
            return self.updated(node[1], env)
        if kind == "lossterm":
            return self.loss_term(node[1])
        if kind == "node":  # an entry of the notes' own quantity, held as one value (an equation's side, nodes.py)
            return self.node_value(node[1], indices_at(node[2], env))
        if kind == "deriv":
            top, bottom = node[1], node[2]
            if bottom[0] == "node" and top[0] == "loss":  # \partial L/\partial xmu_{nd}: through the notes' own graph
                return self.node_gradient(bottom[1], indices_at(bottom[2], env))
            if "node" in (top[0], bottom[0]):
                raise ParseError("a derivative of or by a quantity the notes define is read only as the loss's gradient "
                                 "by it, e.g. \\frac{\\partial L}{\\partial s_{i}}")
            if top[0] == "lossterm":
                return self.by_loss_term(top[1], bottom, env)
            if top[0] == "expr":
                return self.of_expression(top[1], bottom, env)
            if top[0] == "whole" and bottom[0] == "whole" and not top[2] and not bottom[2] \
                    and all(self._vector(key) for key in (top[1], bottom[1])):
                # \frac{\partial y}{\partial x} of two vectors: the Jacobian, a row per entry of y (numerator layout)
                return self._vec_jacobian(top[1], bottom[1])
            if top[0] == "whole" and bottom[0] == "entry" and not top[2]:
                # \frac{\partial Y}{\partial x_{1,1}}: each entry of Y differentiated by the one entry, as Y is laid out
                where = self._at(bottom[2], env)
                flat = self._flat(bottom[1], where)
                if flat is None:
                    raise Outside(self._written(bottom[1], where))
                if self.d[top[1]].entries is None:
                    raise ParseError(f"{top[1]} is not computed from anything here: a derivative is of a derived value")
                by, derived = self.d[bottom[1]].symbols[flat], self._derived()
                return arrays.elementwise(lambda s: self.through(derived.get(s, s), by), self._whole(top, env))
            if top[0] == "whole":
                raise ParseError(f"a derivative of a whole tensor ({top[1]}) is read only entry by entry, e.g. "
                                 "\\frac{\\partial y_{1}}{\\partial x_{1}}")
            if bottom[0] == "whole":
                if top[0] != "loss":
                    raise ParseError("a derivative of a whole tensor by a whole tensor (a Jacobian) is read only as "
                                     "its entries, e.g. \\frac{\\partial y_{1,1}}{\\partial x_{1,2}}")
                return self._whole(bottom, env, gradient=True)
            where = self._at(bottom[2], env)
            if self._flat(bottom[1], where) is None:
                if not any(i.coefs for i in bottom[2]):
                    raise Outside(self._written(bottom[1], where, gradient=top[0] == "loss"))
                self.past_border.add((self._written(bottom[1], where, gradient=top[0] == "loss"),
                                      self._past_stated(bottom[1], bottom[2], where)))
            if top[0] == "loss":
                result = self._gradient(bottom[1], where, lhs=False)
            else:
                result = self._local(top[1], self._at(top[2], env), bottom[1], where)
            return S.Zero if result is None else result
        if kind == "add":
            values = [(plus, self.value(n, env)) for plus, n in node[1]]
            if not any(arrays.is_array(v) for _, v in values):
                return Add(*(plus * v for plus, v in values))
            total = S.Zero
            # \mathbf{1} - h: a vector of ones as long as the other terms, so those are added first
            for plus, v in sorted(values, key=lambda pv: isinstance(pv[1], (arrays.Ones, arrays.Repeated))):
                total = arrays.elementwise(lambda a, b, plus=plus: a + plus * b, total, v)
            return total
        if kind == "mul":
            values = [self.value(n, env) for n in node[1]]
            if not any(arrays.is_array(v) for v in values):
                return Mul(*values)
            result, row = values[0], False
            for factor, v in zip(node[1][1:], values[1:]):
                if self._chain_order(result, factor, v, row):
                    # \frac{\partial L}{\partial a}\frac{\partial a}{\partial z}: the chain rule in numerator layout,
                    # where the gradient by a vector is a row (the Jacobian of a number by it), times the Jacobian;
                    # the row so made times any matrix after it (\frac{\partial L}{\partial a}\frac{\partial a}{\partial z} W)
                    result, row = arrays.row_times(result, v), True
                else:
                    result = arrays.product(result, v)
            return result
        if kind == "div":
            num, den = self.value(node[1], env), self.value(node[2], env)
            if arrays.is_array(num) or arrays.is_array(den):
                return arrays.elementwise(_divide, num, den)
            return _divide(num, den)
        if kind == "pow":
            base = self.value(node[1], env)
            power = node[2] if isinstance(node[2], int) else Rational(node[2].numerator, node[2].denominator)
            return arrays.elementwise(lambda b: b ** power, base) if arrays.is_array(base) else base ** power
        if kind == "fn" and node[1] in ("activation_fn", "dactivation_fn"):
            return self._activation(node, env)
        if kind == "fn":
            args = [self.value(n, env) for n in node[2]]
            if layer_operators.takes_layer(node[1]):
                if len(args) != 1:
                    raise ParseError(f"{node[1].partition(':')[0]} is applied to one whole tensor, e.g. spread_S(G)")
                return layer_operators.apply(node[1], args[0], self._layer_of_claim(), self._target)
            if any(arrays.is_array(a) for a in args):
                return _on_arrays(node[1], args)
            return _function(node[1], args)
        if kind == "op":
            return self._operator(node, [self.value(n, env) for n in node[2]])
        if kind == "idxrel":  # a condition on the indices themselves: 1 where it holds
            left, right = node[2].value(env), node[3].value(env)
            holds = {"=": left == right, "!=": left != right, ">": left > right, ">=": left >= right,
                     "<": left < right, "<=": left <= right}[node[1]]
            return S.One if holds else S.Zero
        if kind == "pieces" and node[2][0] == "idxrel":  # cases on the indices: the piece that applies
            return self.value(node[1] if self.value(node[2], env) == 1 else node[3], env)
        if kind == "pieces":  # Piecewise((v, c), (w, True)): the condition as SymPy's relation
            _, relation, left, right = node[2]
            ops = {">": lambda a, b: a > b, ">=": lambda a, b: a >= b, "<": lambda a, b: a < b, "<=": lambda a, b: a <= b}
            if relation not in ops:
                raise ParseError("a piece's condition reads as a comparison: z > 0")
            condition = ops[relation](self.value(left, env), self.value(right, env))
            return Piecewise((self.value(node[1], env), condition), (self.value(node[3], env), True))
        if kind == "ind":
            left, right = self.value(node[2], env), self.value(node[3], env)
            if arrays.is_array(left) or arrays.is_array(right):
                return arrays.elementwise(lambda a, b: _indicator(node[1], a, ("num",), b, []), left, right)
            return _indicator(node[1], left, node[3], right,
                              [self.value(n, env) for n in node[3][2]] if node[3][0] == "fn" else [])
        if kind == "eitherjac":  # J_x(s): the Jacobian of whichever vector is computed from the other, by it
            a, b = node[1], node[2]
            if not all(n[0] == "whole" and not n[2] and self._vector(n[1]) for n in (a, b)):
                raise ParseError("J_x(s) is read between two vectors of the network")
            forward = self._vec_jacobian(a[1], b[1]) if self.d[a[1]].entries is not None else None
            if forward is not None and any(v != 0 for v in arrays.plain(forward).reshape(-1)):
                return forward
            return self._vec_jacobian(b[1], a[1])
        if kind == "jacobian":  # \frac{\partial vec(Y)}{\partial vec(X)}: numerator layout, MATH.md's vec
            return self._vec_jacobian(node[1][1], node[2][1])
        if kind == "pick":  # (X \star K)_{p,q}: an entry of the tensor an operator or a function gives
            return self._pick(self.value(node[1], env), self._at(node[2], env))
        if kind == "count":  # the m of \frac{1}{m} \sum_{i=1}^{m}: how many terms that sum has
            alone, anywhere = axis_sizes(node[3], node[1], self.shapes)
            if len(set(alone or anywhere)) > 1:
                raise ParseError(f"{node[1]} runs along axes of {' and '.join(map(str, sorted(set(alone or anywhere))))} "
                                 "entries: how many terms the sum that ends at its letter counts is not clear")
            return Integer(len(self._sum_range(node[1], node[2], None, node[3])))
        if kind in ("sum", "extreme"):
            ranges = [self._sum_range(var, low, high, node[2], env) for var, low, high in node[1]]
            names = [var for var, _, _ in node[1]]
            excluded = node[3] if len(node) > 3 else ()
            for _, other in excluded:
                if isinstance(other, str) and other not in env:
                    raise ParseError(f"the sum leaves out {other}, which has no value here")
            values = []
            stated = [var for var, _, high in node[1] if high is not None]  # limits the notes write: \sum_{i=1}^{2}
            self.stated_limits = self.stated_limits + tuple(stated)
            try:
                for choice in product(*ranges):
                    inner = {**env, **dict(zip(names, choice))}
                    if not any(inner[var] == (env[other] if isinstance(other, str) else other) for var, other in excluded):
                        values.append(self.value(node[2], inner))
            finally:
                self.stated_limits = self.stated_limits[:len(self.stated_limits) - len(stated)]
            if kind == "extreme":
                if any(arrays.is_array(v) for v in values) or not values:
                    raise ParseError("\\max_{i,j} is read over numbers, not whole tensors")
                return _extreme(Max if node[4] == "max" else Min, *values)
            if not any(arrays.is_array(v) for v in values):
                return Add(*values)
            total = S.Zero
            for v in values:
                total = arrays.elementwise(lambda a, b: a + b, total, v)
            return total
        raise ParseError(f"cannot evaluate {kind}")

    def _layer_of_claim(self):
        """The convolution whose S, P, D and sizes the claim's pad_P, spread_S, \\star_D, crop mean (the grader
        sets the claim's sides)."""
        return layer_operators.layer(self._sides, self.d)

    def _operator(self, node, args):
        """An operator of matrix notation between whole tensors (arrays.py)."""
        name = node[1]
        if name == "ones":
            return arrays.Ones()
        if name == "transpose":
            return arrays.transpose(args[0])
        if name == "vector":  # (a, b, c): a vector, a row until transposed into a column
            if any(arrays.is_array(a) for a in args):
                raise ParseError("a vector written out, (a, b, c), holds numbers or entries, not whole tensors")
            return arrays.array_of(list(args), (1, len(args)))
        if name == "hadamard":
            return arrays.elementwise(lambda a, b: a * b, *args)
        if name == "divide":
            return arrays.elementwise(_divide, *args)
        if name == "correlate" and node[3] == "D":  # \\star_D: at the layer's dilation, cut to its kernel's size
            return layer_operators.correlate(*args, self._layer_of_claim())
        if name == "correlate":
            return arrays.convolve(*args, flip=False, stride=node[3] or 1, target=self._target)
        if name == "convolve":
            return arrays.convolve(*args, flip=True, target=self._target)
        if name == "star":  # *: a product of numbers, or between images a convolution in the notes' reading
            if all(arrays.is_array(a) and arrays.dims(a) >= 2 for a in args):
                return arrays.convolve(*args, flip=self._reading == "convolution", target=self._target)
            return arrays.product(*args)
        raise ParseError(f"cannot evaluate the operator {name}")

    def terms(self, node) -> int:
        """How many terms the expression expands to at most (before anything is expanded)."""
        kind = node[0]
        if kind == "whole":
            return prod(self.shapes[node[1]])
        if kind == "pick":
            return self.terms(node[1])
        if kind == "jacobian":
            return prod(self.shapes[node[1][1]]) * prod(self.shapes[node[2][1]])
        if kind == "eitherjac":  # J_x(s): as many entries as the two vectors' sizes multiplied
            return self.terms(node[1]) * self.terms(node[2])
        if kind == "op":
            return prod(self.terms(n) for n in node[2])
        if kind == "literal":
            return sum(self.terms(cell) for row in node[1] for cell in row)
        if kind == "add":
            return sum(self.terms(n) for _, n in node[1])
        if kind == "mul":
            return prod(self.terms(n) for n in node[1])
        if kind == "div":
            return self.terms(node[1]) * self.terms(node[2])
        if kind == "pow":
            n = self.terms(node[1])
            if n == 1 or not isinstance(node[2], int):  # a fraction or a negative power: not expanded
                return n
            return POWER_COST * (comb(n + node[2] - 1, node[2]) if n < 10**6 else n ** node[2])
        if kind in ("sum", "extreme"):
            return prod(len(self._sum_range(var, low, high, node[2])) for var, low, high in node[1]) * self.terms(node[2])
        return 1

    def _sum_range(self, var: str, low, high, body, env: dict[str, int] | None = None) -> range:
        if isinstance(low, Index) or isinstance(high, Index):  # \sum_{i=2a-1}^{2a}: bounds in the claim's indices
            if env is None:  # how many terms at most (the work a claim may cost): the axis it runs along
                return self._sum_range(var, None, None, body)
            try:
                low, high = (b.value(env) if isinstance(b, Index) else b for b in (low, high))
            except KeyError as missing:
                raise ParseError(f"the sum's bound uses {missing.args[0]}, which has no value here") from None
            if high - low >= MAX_SUM:
                raise ParseError(f"the sum over {var} from {low} to {high} is longer than the {MAX_SUM} terms checked")
            return range(low, max(low, high + 1))
        if low is not None and high is None:  # \sum_{i=1}^{m}: to the end of the axis i runs along
            alone, anywhere = axis_sizes(body, var, self.shapes)
            if not (alone or anywhere):
                raise ParseError(f"the sum's index {var} does not appear in what it sums")
            high = max(alone or anywhere) - 1 + self.base
        if low is not None:
            if high - low >= MAX_SUM:
                raise ParseError(f"the sum over {var} from {low} to {high} is longer than the {MAX_SUM} terms checked")
            return range(low, high + 1)
        alone, anywhere = axis_sizes(body, var, self.shapes)
        sizes = alone or anywhere
        if not sizes:
            raise ParseError(f"the sum's index {var} does not appear in what it sums")
        return range(self.base, max(sizes) + self.base)


def _divide(num: Expr, den: Expr) -> Expr:
    if den == 0:
        raise ParseError("a division by zero")
    return num / den


def _on_arrays(name: str, args: list):
    """A function of whole tensors: rot180, vec, diag, full/valid (a convolution's operand), pad (its padding
    is what the claim's size needs), softmax; any other entry by entry."""
    if name == "norm" and len(args) == 1:  # the Euclidean (Frobenius) norm of the whole tensor
        return sqrt(Add(*(v ** 2 for v in arrays.plain(args[0]).reshape(-1))))
    if name in ("rot180", "vec", "diag", "softmax") and len(args) == 1:
        return {"rot180": arrays.rot180, "vec": arrays.vec, "diag": arrays.diag,
                "softmax": _softmax}[name](args[0])
    if name in ("full", "valid") and len(args) == 1:
        return arrays.Marked(arrays.plain(args[0]), name)
    if name == "inner" and len(args) == 2:  # \langle A, B \rangle: the sum of the entries of A \odot B
        product = arrays.elementwise(lambda u, v: u * v, *args)
        return Add(*arrays.plain(product).reshape(-1)) if arrays.is_array(product) else product
    if name == "inner":
        raise ParseError("an inner product \\langle A, B \\rangle takes two tensors")
    if name == "pad" and len(args) == 1:
        return arrays.plain(args[0])
    if name.startswith("pad:") and len(args) == 1:  # pad_1(G): the zeros written, not those a size needs
        return arrays.padded(arrays.plain(args[0]), *map(int, name[4:].split(",")))
    if name in ("rot180", "vec", "diag", "softmax", "full", "valid", "pad"):
        raise ParseError(f"{name} takes one tensor")
    return arrays.elementwise(lambda *xs: _function(name, list(xs)), *args)


def _softmax(a):
    a = arrays.plain(a)
    total = Add(*(exp(v) for v in a.reshape(-1)))
    return arrays.elementwise(lambda v: exp(v) / total, a)


def _function(name: str, args: list[Expr]) -> Expr:
    """A function a claim applies: exp, log, tanh, the sigmoid, relu, max, min, the derivatives \\sigma', \\tanh'
    and relu'."""
    one = args[0]
    if name in ("rot180", "vec", "diag", "softmax", "full", "valid", "pad", "inner") or name.startswith("pad:"):
        raise ParseError(f"{name} is applied to a whole tensor, e.g. {name}(K)")
    for arg in args:  # e^{e^{e^{100}}}: a number no claim about a layer holds, and one SymPy would compare forever
        if arg.is_number and _huge(arg):
            raise ParseError("a number in the claim is too large to be part of a layer's formula (more than 10^300)")
    if name in ("max", "min"):
        if len(args) < 2:
            raise ParseError(f"\\{name} needs two or more arguments, e.g. \\{name}(0, z)")
        return _extreme(Max if name == "max" else Min, *args)
    if len(args) != 1:
        raise ParseError(f"{name} takes one argument, not {len(args)}")
    return {"exp": exp, "log": log, "tanh": tanh, "sqrt": sqrt, "abs": Abs, "norm": Abs, "sign": sign,
            "sigmoid": lambda z: 1 / (1 + exp(-z)),
            "dsigmoid": lambda z: exp(-z) / (1 + exp(-z)) ** 2,
            "dtanh": lambda z: 1 - tanh(z) ** 2,
            "drelu": lambda z: Heaviside(z, 0),
            "floor": floor, "ceiling": ceiling,
            "relu": lambda z: _extreme(Max, 0, z),
            "elu": lambda z: Piecewise((z, z > 0), (exp(z) - 1, True)),  # Clevert et al.'s, with alpha = 1
            "delu": lambda z: Piecewise((1, z > 0), (exp(z), True)),
            "softplus": lambda z: log(1 + exp(z)),
            "silu": lambda z: z / (1 + exp(-z)),  # the swish of Ramachandran et al., beta = 1
            "dsilu": lambda z: 1 / (1 + exp(-z)) + z * exp(-z) / (1 + exp(-z)) ** 2}[name](one)


MAX_EXTREMES_KEPT = 20_000
_EXTREMES: dict[tuple, Expr] = {}  # (Max or Min, its arguments) -> what SymPy makes of it (_extreme)


def _extreme(function, *args) -> Expr:
    """Max(*args) or Min(*args), each made once: SymPy compares every pair of its arguments (symbolically, about
    1 ms a pair), and the search for what the notes' names mean (binding.py) reads the same relu(z) again and again."""
    key = (function, args)
    found = _EXTREMES.get(key)
    if found is None:
        if len(_EXTREMES) >= MAX_EXTREMES_KEPT:
            _EXTREMES.clear()
        found = _EXTREMES[key] = function(*args)
    return found


def _huge(number: Expr) -> bool:
    """Whether a number is beyond 10^300 (or cannot be told at 15 digits): exp(exp(100)) is."""
    try:
        return not abs(number.evalf(15, maxn=50)) < 10**300
    except (TypeError, ValueError, OverflowError):
        return True


def _indicator(relation: str, left: Expr, right_node, right: Expr, window: list[Expr]) -> Expr:
    """1[a > b] as Heaviside(a - b, 0) (0 at the tie, as relu's derivative), 1[a >= b] as Heaviside(a - b, 1);
    1[w = max(window)] (and 1[w is the first maximum of (window)], as symconv writes it) as max pooling's
    switch: 1 where w is the window's first maximum."""
    if relation == "=":
        if right_node[0] == "fn" and right_node[1] == "max" and left in window:
            return switch(window.index(left) + 1, window)
        return Piecewise((S.One, Eq(left, right, evaluate=False)), (S.Zero, True), evaluate=False)  # [a_{22} = h_{1,2}]
    gap = left - right if relation in (">", ">=") else right - left
    return Heaviside(gap, 0 if relation in (">", "<") else 1)
