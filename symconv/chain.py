"""Derive a network layer by layer, through each kind's own rules; a single layer is a one-layer network.

No layer ever differentiates the composed loss: each writes its backward entries from the symbols of
its own upstream gradient dL/d(output) and of its forward values, as a teacher does.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import partial
from math import prod

from sympy import Add, Symbol

from .derivation import Derivation, LayerRecord, LazyEntries, Tensor, contribution
from .layers.base import Param, Step, Table
from .naming import Named, Naming
from .network import NetworkSpec, as_network
from .symbols import SymbolTensor, make_tensor, upstream_latex
from .terms import entries_from_terms, gc_paused, symbol_ranks, terms_of


@dataclass
class _Builder:
    """Collects tensors in JSON order and the global symbol list that term tables index."""

    tensors: list[Tensor] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    offset: dict[str, int] = field(default_factory=dict)
    latex: dict = field(default_factory=dict)
    order: dict = field(default_factory=dict)
    declared: dict[str, tuple[SymbolTensor, Named]] = field(default_factory=dict)
    rank: list[int] = field(default_factory=list)  # set, with `all`, once every symbol is declared
    all: tuple[Symbol, ...] = ()

    def freeze(self) -> None:
        """Every symbol is declared: fix their order and SymPy's canonical ranks, which term tables use."""
        self.all = tuple(self.symbols)
        self.rank = symbol_ranks(self.all)

    def declare(self, named: Named, role: str, shape) -> None:
        t = make_tensor(role, named.prefix, shape, named.latex)
        self.offset[named.name] = len(self.symbols)
        self.symbols.extend(t.symbols)
        self.latex.update(t.latex)
        self.order.update(t.keys)
        self.declared[named.name] = (t, named)

    def sym(self, name: str) -> tuple:
        return self.declared[name][0].symbols

    def leaf(self, name: str) -> None:
        t, named = self.declared[name]
        self.tensors.append(Tensor(name, t.shape, t.symbols, None, tuple(t.latex[s] for s in t.symbols), named.title))

    def derived(self, name: str, result, own: bool = True, gradient_of: str | None = None, title: str = "") -> None:
        """A tensor of entries (SymPy, or a term table built into SymPy on first use). A gradient is
        shaped like what it differentiates by and labelled dL/d(its entries); it has symbols of its
        own only when a later layer reads them."""
        t, named = self.declared[gradient_of or name]
        labels = tuple(upstream_latex(t.latex[s]) for s in t.symbols) if gradient_of else tuple(t.latex[s] for s in t.symbols)
        if isinstance(result, Table):
            terms = terms_of(result)
            entries = LazyEntries(len(result), partial(entries_from_terms, terms, self.all, self.rank))
        else:
            terms, entries = None, tuple(result)
        symbols = self.declared[name][0].symbols if own and name in self.declared else None
        self.tensors.append(Tensor(name, t.shape, symbols, entries, labels, title or named.title, terms))


Owned = dict[str, tuple[Param, str]]  # a layer's parameter key -> (the parameter, its tensor's name)


def derive(spec, jacobians: bool = False) -> Derivation:
    """Derive every forward entry and every gradient of `spec` (a NetworkSpec, or a ConvSpec: its
    one-layer network named as a single layer), layer by layer.

    Forward tensors come first (X, then per layer its parameters and output; a loss's target t and
    L), then the backward ones from the loss back to the input, each entry using only symbols of
    tensors before it. Without a loss layer the upstream gradient of the last output is a leaf.
    With `jacobians` (a one-layer network), the Jacobians of its output follow as tensors.
    """
    net: NetworkSpec = as_network(spec)
    naming = Naming(net.names)
    b = _Builder()
    # Hundreds of thousands of objects, none of them garbage: collections would find nothing to free.
    with gc_paused():
        acts, params = _declare(net, naming, b)
        steps = [_steps(l, net, b, acts, params[l - 1]) for l in range(1, len(net.layers) + 1)]
        _forward(net, b, acts, params, steps)
        _backward(net, naming, b, acts, params, steps)
        # The steps cache the layers' term tables (a tuple per term): freed here, before collections
        # resume, or the first one would walk them all (0.15 s at 32x32x3, 3 -> 16 channels).
        del steps
    shapes = net.shapes
    records = tuple(LayerRecord(layer, l, acts[sources[0]], acts[l], {key: name for key, (_, name) in params[l - 1].items()},
                                shapes[sources[0]], shapes[l], tuple(acts[s] for s in sources))
                    for l, (layer, sources) in enumerate(zip(net.layers, net.inputs), start=1))
    derivation = Derivation(spec, tuple(b.tensors), b.latex, b.order, b.all, net, records)
    if jacobians:
        derivation = replace(derivation, tensors=derivation.tensors + jacobian_tensors(derivation))
    return derivation


def _declare(net: NetworkSpec, naming: Naming, b: _Builder) -> tuple[list[str], list[Owned]]:
    """Every symbol first, so that SymPy's canonical order (by name) is known before entries are built.
    Returns the names of the input and each layer's output, and each layer's parameters."""
    shapes = [net.batched(shape) for shape in net.shapes]  # with a batch, the examples' axis first
    x = naming.input(shapes[0])
    b.declare(x, "input", shapes[0])
    acts, params = [x.name], []
    for l, layer in enumerate(net.layers, start=1):
        owned = [(p, naming.param(l, _batched(net, p))) for p in layer.params(net.shape_in(l))]
        params.append({p.key: (p, named.name) for p, named in owned})
        out = naming.output(l, layer, shapes[l])
        # Parameters before the output, a loss's target too (its output may read it: the squared
        # error's e = a - t), and the loss's value after it.
        for p, named in owned:
            if not p.computed:
                b.declare(named, p.role, _batched(net, p).shape)
        b.declare(out, "output", shapes[l])
        for p, named in owned:
            if p.computed:
                b.declare(named, p.role, p.shape)
        acts.append(out.name)
    # Upstream gradients: of the last output (a leaf when there is no loss), and of every layer's
    # input that a layer below reads; dL/dX ends the chain, so no symbol stands for its entries.
    for l in range(len(net.layers), 0, -1):
        if not net.layers[l - 1].is_loss:
            b.declare(naming.upstream(b.declared[acts[l]][1]), "upstream", shapes[l])
    # The gradients of the values a layer computes on the way (a batch mean), which its backward reads.
    for l, layer in enumerate(net.layers, start=1):
        for p, name in params[l - 1].values():
            if p.stage:
                b.declare(naming.upstream(b.declared[name][1]), "upstream", b.declared[name][0].shape)
    # Where several layers read a value, each one's part of its gradient, which the gradient sums.
    for j in range(len(net.layers)):
        readers = net.readers(j)
        if len(readers) > 1:
            for l in readers:
                b.declare(naming.contribution(b.declared[acts[j]][1], l), "upstream", shapes[j])
    b.freeze()
    return acts, params


def _batched(net: NetworkSpec, p: Param) -> Param:
    """A parameter as the derivation holds it: a loss's target has one row per example, as the
    activations do; the parameters proper (and the loss's value) are shared by the examples."""
    return replace(p, shape=net.batched(p.shape)) if _per_example(p) and net.batch is not None else p


def _per_example(p: Param) -> bool:
    return (p.after and not p.computed) or p.per_example


def _steps(l: int, net: NetworkSpec, b: _Builder, acts: list[str], owned: Owned) -> list[Step]:
    """What layer l reads, once per example (once without a batch): its symbols and their global
    positions, the example's slice of its input, output, target and upstream gradient."""
    sources = net.inputs[l - 1]
    shapes_in, shape_out = tuple(net.shapes[s] for s in sources), net.shapes[l]
    g = f"dL/d{acts[l]}"
    stage_grads = {key: b.sym(f"dL/d{name}") for key, (p, name) in owned.items() if p.stage}
    if net.layers[l - 1].whole_batch:  # one step over every example (net.batch is set: the spec checks it)
        return [Step(l, net.batched(shapes_in[0]), net.batched(shape_out), b.sym(acts[sources[0]]), b.sym(acts[l]),
                     {key: b.sym(name) for key, (_, name) in owned.items()}, b.sym(g) if g in b.declared else None,
                     {"in": b.offset[acts[sources[0]]], "out": b.offset[acts[l]], "upstream": b.offset.get(g, -1),
                      **{key: b.offset[name] for key, (_, name) in owned.items()}},
                     shapes_in=tuple(net.batched(s) for s in shapes_in), stage_grads=stage_grads)]
    size_out = prod(shape_out)
    steps = []
    for n in range(net.batch or 1):
        cut = lambda name, size: b.sym(name)[n * size:(n + 1) * size]
        params = {key: cut(name, prod(p.shape)) if _per_example(p) else b.sym(name) for key, (p, name) in owned.items()}
        position = {key: b.offset[name] + (n * prod(p.shape) if _per_example(p) else 0)
                    for key, (p, name) in owned.items()}
        inp = tuple(symbol for s, shape in zip(sources, shapes_in) for symbol in cut(acts[s], prod(shape)))
        # The gradients of the values computed on the way: an example's own (a layer norm's mean) is cut.
        own_grads = {key: cut(f"dL/d{name}", prod(p.shape)) if _per_example(p) else stage_grads[key]
                     for key, (p, name) in owned.items() if p.stage}
        steps.append(Step(l, shapes_in[0], shape_out, inp, cut(acts[l], size_out), params,
                          cut(g, size_out) if g in b.declared else None,
                          {"in": b.offset[acts[sources[0]]] + n * prod(shapes_in[0]), "out": b.offset[acts[l]] + n * size_out,
                           "upstream": b.offset[g] + n * size_out if g in b.declared else -1, **position},
                          shapes_in=shapes_in, stage_grads=own_grads))
    return steps


def _joined(parts: list) -> Table | list:
    """The examples' entries one after the other (a tensor with the batch axis first)."""
    if len(parts) == 1:
        return parts[0]
    joined = [entry for part in parts for entry in part]
    return Table(joined) if isinstance(parts[0], Table) else joined


def _summed(parts: list) -> Table | list:
    """A shared parameter's gradient: entry by entry, the sum of every example's terms."""
    if len(parts) == 1:
        return parts[0]
    if isinstance(parts[0], Table):
        return Table([[term for part in entry for term in part] for entry in zip(*parts)])
    return [Add(*entry) for entry in zip(*parts)]


def _forward(net: NetworkSpec, b: _Builder, acts: list[str], params: list[Owned], steps: list[list[Step]]) -> None:
    b.leaf(acts[0])
    for l, (layer, examples) in enumerate(zip(net.layers, steps), start=1):
        results = [layer.forward(step) for step in examples]
        for key, (p, name) in params[l - 1].items():
            if p.stage:  # a value computed on the way to the output (a batch mean)
                b.derived(name, _joined([r[key] for r in results]))
            elif not p.computed:  # the parameters, and a loss's target
                b.leaf(name)
        b.derived(acts[l], _joined([r["out"] for r in results]))
        for key, (p, name) in params[l - 1].items():
            if p.computed:  # the loss's value: over a batch, the examples' losses reduced (mean or sum)
                value = results[0][key] if len(results) == 1 else \
                    [layer.batch_weight(len(results)) * Add(*(r[key][0] for r in results))]
                b.derived(name, value)


def _backward(net: NetworkSpec, naming: Naming, b: _Builder, acts: list[str], params: list[Owned],
              steps: list[list[Step]]) -> None:
    """From the loss (or the given upstream gradient of the last output) back to the input. Over a
    batch, each example's input gradient is its own (a loss's scaled by its reduction: 1/N for a
    mean), and a shared parameter's gradient sums the examples' terms."""
    if not net.layers[-1].is_loss:
        b.leaf(f"dL/d{acts[-1]}")
    for l in range(len(net.layers), 0, -1):
        layer, sources = net.layers[l - 1], net.inputs[l - 1]
        results = [layer.backward(step) for step in steps[l - 1]]
        weight = layer.batch_weight(len(results)) if layer.is_loss and len(results) > 1 else 1
        shape = net.batched if layer.whole_batch else (lambda s: s)  # a whole-batch step's "in" holds every example
        sizes = [prod(shape(net.shapes[s])) for s in sources]
        grads_in = []
        for k, j in enumerate(sources):  # a join's "in" holds its inputs' gradients one after the other
            start = sum(sizes[:k])
            part = _joined([_slice(r["in"], start, start + sizes[k]) for r in results])
            if weight != 1:
                part = [weight * entry for entry in part]
            grads_in.append(partial(_gradient_in, b, net, naming, acts, l, j, part,
                                    layer.backward_title or naming.gradient_title(l, None, acts[j])))
        if naming.input_gradient_first:
            for grad_in in grads_in:
                grad_in()
        for key, (p, name) in params[l - 1].items():
            if p.trained and not p.stage:
                b.derived(f"dL/d{name}", _summed([r[key] for r in results]), False, name,
                          naming.gradient_title(l, p, name))
        # The values computed on the way, last first: each step back reads the ones after it.
        for key, (p, name) in reversed(list(params[l - 1].items())):
            if p.stage:
                b.derived(f"dL/d{name}", _joined([r[key] for r in results]), True, name, f"gradient of the {p.title}")
        if not naming.input_gradient_first:
            for grad_in in grads_in:
                grad_in()
        # A value that several layers read: once its first reader is done, its gradient is the sum of theirs.
        for j in sorted({j for j in range(l) if len(net.readers(j)) > 1 and net.readers(j)[0] == l}):
            parts = [b.sym(contribution(acts[j], reader)) for reader in net.readers(j)]
            b.derived(f"dL/d{acts[j]}", [Add(*terms) for terms in zip(*parts)], j > 0, acts[j],
                      naming.gradient_title(j + 1, None, acts[j]) + ", summed over the layers that read it")


def _slice(part, start: int, end: int):
    """Entries start to end of a layer's "in" result (a term table stays one)."""
    if start == 0 and end == len(part):
        return part
    return Table(part[start:end]) if isinstance(part, Table) else list(part[start:end])


def _gradient_in(b: _Builder, net: NetworkSpec, naming: Naming, acts: list[str], l: int, j: int, part, title: str) -> None:
    """The gradient layer l sends to the value j it reads: the whole of dL/d(value) where l alone reads it
    (dL/dX, the end of the chain, has no symbols of its own), else layer l's contribution to it."""
    if len(net.readers(j)) == 1:
        b.derived(f"dL/d{acts[j]}", part, j > 0, acts[j], title)
    else:
        b.derived(contribution(acts[j], l), part, True, None,
                  f"the part of the gradient with respect to {acts[j]} that comes through layer {l}")


def jacobian_tensors(derivation: Derivation) -> tuple[Tensor, ...]:
    r"""The Jacobians of a one-layer network's output as dense tensors for the JSON: for a convolution
    "dvecY/dvecK", "dvecY/dvecX", "dvecY/db" (a vector is its own vec).

    Shape [len vec(Y), len vec(K)] and so on, rows and columns in vec order (MATH.md); entry (a, b)
    is labelled \frac{\partial (vec Y)_a}{\partial (vec K)_b} with the entries' own names.
    """
    record = derivation.records[-1]
    reads = [record.input, *record.params.values()]
    # Matrices and kernels first, then the input, then vectors: K, X, b.
    reads.sort(key=lambda name: (0 if name != record.input and len(derivation[name].shape) > 1 else
                                 1 if name == record.input else 2))
    out = []
    for wrt in reads:
        j = derivation.jacobian(wrt, record.output)
        labels = tuple(rf"\frac{{\partial {r}}}{{\partial {c}}}" for r in j.rows for c in j.columns)
        out.append(Tensor(derivation.jacobian_name(record.output, wrt), j.shape, None, tuple(j.dense()), labels,
                          f"d vec({record.output}) / d vec({wrt})"))
    return tuple(out)
