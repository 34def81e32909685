"""Derive a whole network layer by layer: forward entries, then local backward rules from the loss back.

No layer ever differentiates the composed loss: each writes its backward entries from the symbols of
its own upstream gradient dL/dA^{[l]} and of its forward values, as a teacher does.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sympy import Symbol

from .conv import _gc_paused, entries_and_terms, term_tables
from .derivation import Derivation, Tensor
from .layers import Activation, Conv, Dense, Flatten, Pool, Shape, SoftmaxCrossEntropy
from .network import NetworkSpec
from .rules import activation_rules, dense_tables, flatten_rules, pool_rules, softmax_rules
from .symbols import SymbolTensor, latex_base, make_tensor, upstream_latex


def _sub(idx) -> str:
    return ",".join(map(str, idx))


def layer_latex(base: str, layer: int | None, shape: Shape):
    """LaTeX names a^{[l](c)}_{i,j}: the layer in brackets, the channel in parentheses when there are several."""
    head = latex_base(base) if len(base) == 1 else rf"\mathit{{{base}}}"
    def name(idx: tuple[int, ...]) -> str:
        sup = f"[{layer}]" if layer is not None else ""
        if len(shape) == 3:
            if shape[0] > 1:
                sup += f"({idx[0]})"
            idx = idx[1:]
        return head + (f"^{{{sup}}}" if sup else "") + f"_{{{_sub(idx)}}}"
    return name


def param_latex(base: str, layer: int, shape: Shape):
    """k^{[l](m,c)}_{p,q} for kernels, W^{[l]}_{o,i} for weights, b^{[l]}_{m} for biases."""
    def name(idx: tuple[int, ...]) -> str:
        sup = f"[{layer}]"
        if len(shape) == 4:
            if shape[0] > 1 or shape[1] > 1:
                sup += f"({_sub(idx[:2])})"
            idx = idx[2:]
        return f"{base}^{{{sup}}}_{{{_sub(idx)}}}"
    return name


@dataclass
class _Builder:
    """Collects tensors in JSON order and the global symbol list that term tables index."""

    tensors: list[Tensor] = field(default_factory=list)
    symbols: list[Symbol] = field(default_factory=list)
    offset: dict[str, int] = field(default_factory=dict)
    latex: dict = field(default_factory=dict)
    order: dict = field(default_factory=dict)
    pending: dict[str, SymbolTensor] = field(default_factory=dict)

    def symbol_tensor(self, name: str, role: str, prefix: str, shape: Shape, latex_of) -> SymbolTensor:
        t = make_tensor(role, prefix, shape, latex_of)
        self.offset[name] = len(self.symbols)
        self.symbols.extend(t.symbols)
        self.latex.update(t.latex)
        self.order.update(t.keys)
        self.pending[name] = t
        return t

    def add(self, name: str, title: str, entries=None, terms=None, labels=None, own_symbols: bool = True) -> None:
        t = self.pending[name]
        self.tensors.append(Tensor(
            name, t.shape, t.symbols if own_symbols else None, None if entries is None else tuple(entries),
            tuple(labels) if labels is not None else tuple(t.latex[s] for s in t.symbols), title, terms,
        ))


def _grad_name(name: str) -> str:
    return f"dL/d{name}"


def derive_network(net: NetworkSpec) -> Derivation:
    """Derive every forward entry and every gradient of a network, layer by layer.

    Forward tensors come first (X, then per layer its parameters and output A[l]; with a loss the
    target t and L), then the backward ones from the loss back to the input, each entry using only
    symbols of tensors before it. Without a loss layer the upstream gradient of the last output is
    a leaf, as for a single layer.
    """
    shapes = net.shapes
    n_layers = len(net.layers)
    b = _Builder()
    act_names = ["X"] + [f"A[{l}]" for l in range(1, n_layers + 1)]

    # Phase 1: every symbol, so that SymPy's canonical order (by name) is known before entries are built.
    b.symbol_tensor("X", "input", "x", shapes[0], layer_latex("x", None, shapes[0]))
    for l, layer in enumerate(net.layers, start=1):
        shape_in, shape_out = shapes[l - 1], shapes[l]
        if isinstance(layer, Conv):
            k_shape = (layer.out_channels, shape_in[0], *layer.kernel)
            b.symbol_tensor(f"K[{l}]", "kernel", f"k{l}", k_shape, param_latex("k", l, k_shape))
            if layer.bias:
                b.symbol_tensor(f"b[{l}]", "bias", f"b{l}", (layer.out_channels,), param_latex("b", l, (1,)))
        elif isinstance(layer, Dense):
            w_shape = (layer.out_features, shape_in[0])
            b.symbol_tensor(f"W[{l}]", "kernel", f"w{l}", w_shape, param_latex("W", l, w_shape))
            if layer.bias:
                b.symbol_tensor(f"b[{l}]", "bias", f"b{l}", (layer.out_features,), param_latex("b", l, (1,)))
        if isinstance(layer, SoftmaxCrossEntropy):
            b.symbol_tensor(act_names[l], "output", "p", shape_out, layer_latex("p", None, shape_out))
            b.symbol_tensor("t", "input", "t", shape_out, layer_latex("t", None, shape_out))
            b.symbol_tensor("L", "output", "L", (1,), lambda idx: "L")
        else:
            b.symbol_tensor(act_names[l], "output", f"a{l}", shape_out, layer_latex("a", l, shape_out))
    # Upstream gradients: of the last output (a leaf when there is no loss), and of every
    # intermediate activation (derived, with symbols the layer below uses).
    for l in range(n_layers, 0, -1):
        name = act_names[l] if not (l == n_layers and net.has_loss) else None
        if name is None:
            continue
        target = b.pending[name]
        b.symbol_tensor(_grad_name(name), "upstream", f"dL_d{target.symbols[0].name.split('_')[0]}", target.shape,
                        lambda idx, t=target: upstream_latex(t.latex[t.symbols[_flat(idx, t.shape)]]))
    x = b.pending["X"]
    b.symbol_tensor("dL/dX", "upstream", "dL_dx", x.shape, lambda idx: upstream_latex(x.latex[x.symbols[_flat(idx, x.shape)]]))

    symbols = tuple(b.symbols)
    by_name = sorted(range(len(symbols)), key=lambda i: symbols[i].name)
    rank = [0] * len(symbols)
    for place, i in enumerate(by_name):
        rank[i] = place

    def sym(name: str) -> tuple[Symbol, ...]:
        return b.pending[name].symbols

    # Phase 2: forward.
    b.add("X", "input")
    conv_tables: dict[int, dict] = {}
    with _gc_paused():
        for l, layer in enumerate(net.layers, start=1):
            a_in, a_out = act_names[l - 1], act_names[l]
            title = f"layer {l}: {layer.type}"
            if isinstance(layer, Conv):
                b.add(f"K[{l}]", f"kernel of layer {l}")
                if layer.bias:
                    b.add(f"b[{l}]", f"bias of layer {l}")
                tables = conv_tables[l] = _conv_tables(layer, shapes[l - 1], l, a_in, a_out, b)
                b.add(a_out, title, *entries_and_terms(tables["Y"], symbols, rank))
            elif isinstance(layer, Dense):
                b.add(f"W[{l}]", f"weights of layer {l}")
                if layer.bias:
                    b.add(f"b[{l}]", f"bias of layer {l}")
                tables = _dense(layer, l, a_in, a_out, b)
                b.add(a_out, title, *entries_and_terms(tables["forward"], symbols, rank))
            elif isinstance(layer, Activation):
                b.add(a_out, title, activation_rules(layer.kind, sym(a_in), sym(a_out), None)[0])
            elif isinstance(layer, Pool):
                b.add(a_out, title, pool_rules(layer, shapes[l - 1], shapes[l], sym(a_in), sym(a_out), None)[0])
            elif isinstance(layer, Flatten):
                b.add(a_out, title, flatten_rules(layer.order, shapes[l - 1], sym(a_in), None)[0])
            elif isinstance(layer, SoftmaxCrossEntropy):
                p, loss = softmax_rules(sym(a_in), sym(a_out), sym("t"), sym("L")[0])
                b.add(a_out, "probabilities (softmax)", p)
                b.add("t", "target (one-hot)")
                b.add("L", "loss (cross-entropy)", [loss])

        # Phase 3: backward, from the loss to the input.
        if not net.has_loss:
            b.add(_grad_name(act_names[-1]), "upstream gradient")
        for l in range(n_layers, 0, -1):
            layer = net.layers[l - 1]
            a_in, a_out = act_names[l - 1], act_names[l]
            g_in = _grad_name(a_in)
            keep = l > 1  # dL/dX is the end of the chain: nothing refers to its symbols
            title = f"gradient with respect to {'the input' if l == 1 else a_in}"
            if isinstance(layer, SoftmaxCrossEntropy):
                grads = softmax_rules(sym(a_in), sym(a_out), sym("t"), sym("L")[0], backward=True)
                b.add(g_in, "the softmax and cross-entropy step: p - t", grads, own_symbols=keep)
                continue
            g_out = sym(_grad_name(a_out))
            if isinstance(layer, Conv):
                tables = conv_tables[l]
                _add_table(b, f"dL/dK[{l}]", f"K[{l}]", tables["dL/dK"], f"gradient of layer {l}'s kernel", symbols, rank)
                if layer.bias:
                    _add_table(b, f"dL/db[{l}]", f"b[{l}]", tables["dL/db"], f"gradient of layer {l}'s bias", symbols, rank)
                b.add(g_in, title, *entries_and_terms(tables["dL/dX"], symbols, rank), own_symbols=keep)
            elif isinstance(layer, Dense):
                tables = _dense(layer, l, a_in, a_out, b)
                _add_table(b, f"dL/dW[{l}]", f"W[{l}]", tables["dW"], f"gradient of layer {l}'s weights", symbols, rank)
                if layer.bias:
                    _add_table(b, f"dL/db[{l}]", f"b[{l}]", tables["db"], f"gradient of layer {l}'s bias", symbols, rank)
                b.add(g_in, title, *entries_and_terms(tables["da"], symbols, rank), own_symbols=keep)
            elif isinstance(layer, Activation):
                b.add(g_in, title, activation_rules(layer.kind, sym(a_in), sym(a_out), g_out)[1], own_symbols=keep)
            elif isinstance(layer, Pool):
                b.add(g_in, title, pool_rules(layer, shapes[l - 1], shapes[l], sym(a_in), sym(a_out), g_out)[1], own_symbols=keep)
            elif isinstance(layer, Flatten):
                b.add(g_in, title, flatten_rules(layer.order, shapes[l - 1], sym(a_in), g_out)[1], own_symbols=keep)
    return Derivation(net, tuple(b.tensors), b.latex, b.order, symbols)


def _flat(idx: tuple[int, ...], shape: Shape) -> int:
    flat = 0
    for i, n in zip(idx, shape):
        flat = flat * n + (i - 1)
    return flat


def _conv_tables(layer: Conv, shape_in: Shape, l: int, a_in: str, a_out: str, b: _Builder) -> dict:
    offset = {"X": b.offset[a_in], "K": b.offset[f"K[{l}]"], "dL/dY": b.offset.get(_grad_name(a_out), -1)}
    if layer.bias:
        offset["b"] = b.offset[f"b[{l}]"]
    return term_tables(layer.conv_spec(shape_in), offset)


def _dense(layer: Dense, l: int, a_in: str, a_out: str, b: _Builder) -> dict:
    return dense_tables(
        layer.out_features, b.pending[a_in].shape[0], b.offset[a_in], b.offset[f"W[{l}]"],
        b.offset.get(f"b[{l}]") if layer.bias else None, b.offset.get(_grad_name(a_out), -1),
    )


def _add_table(b: _Builder, name: str, of: str, table, title: str, symbols, rank) -> None:
    """A parameter gradient: shaped like the parameter, labelled dL/d(its entries), no symbols of its own."""
    t = b.pending[of]
    entries, terms = entries_and_terms(table, symbols, rank)
    b.tensors.append(Tensor(name, t.shape, None, entries, tuple(upstream_latex(t.latex[s]) for s in t.symbols),
                            title, terms))
