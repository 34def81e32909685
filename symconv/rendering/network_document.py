"""The teaching document of a network: the forward pass layer by layer, then the chain from the loss back."""

from __future__ import annotations

from ..derivation import Derivation
from ..layers import Activation, Conv, Dense, Flatten, Layer, Pool, SoftmaxCrossEntropy
from ..network import NetworkSpec
from ..spec import fmt_pair
from .document import Block, Figure, Row, Section, TermPrinter, figure, tensor_blocks
from .network_figures import chain_steps, chain_latex, chain_svg, switch_figure

FORWARD = {
    "conv": "Each output entry is the bias (if any) plus the sum, over the input channels and the kernel "
            "window, of input entry times kernel entry; entries in the zero padding are left out.",
    "relu": "a = max(0, z), entry by entry.",
    "sigmoid": "a = 1 / (1 + exp(-z)), entry by entry.",
    "tanh": "a = tanh(z), entry by entry.",
    "identity": "a = z: the layer passes its input on unchanged.",
    "maxpool": "Each output entry is the largest entry of its window.",
    "avgpool": "Each output entry is the mean of its window; zero padding counts in the mean, as PyTorch does.",
    "l2pool": "Each output entry is the square root of the sum of the squares of its window.",
    "flatten": "",
    "dense": "z = W a + b, with one row of W per output.",
    "softmax_cross_entropy": "The probabilities p are the softmax of the scores f, and the loss is the "
                             "cross-entropy of p against the one-hot target t: L = -sum_k t_k log p_k.",
}
BACKWARD = {
    "conv": "Kernel entries collect upstream gradient times the input entry they met; an input entry "
            "collects upstream gradient times the kernel entry that read it, from every window covering it.",
    "relu": "The derivative of relu is 1 where z > 0 and 0 elsewhere (also at z = 0, as frameworks do), "
            "so the upstream gradient passes only where the input was positive.",
    "sigmoid": "The derivative of the sigmoid is a (1 - a), written with the layer's own output a.",
    "tanh": "The derivative of tanh is 1 - a^2, written with the layer's own output a.",
    "identity": "The derivative is 1: the upstream gradient passes unchanged.",
    "maxpool": "Only the maximal entry of a window affects its output, so the window's upstream gradient "
               "goes to that entry alone (the switch; ties go to the first maximal entry in row-major "
               "order, as PyTorch does).",
    "avgpool": "Every entry of a window gets the window's upstream gradient divided by the window size.",
    "l2pool": "The derivative of A = sqrt(sum of squares) with respect to an entry I of its window is I / A.",
    "flatten": "Flattening only moves entries, so each gradient moves back to its entry's place.",
    "dense": "dL/dW is the upstream gradient times the input (an outer product), dL/db the upstream gradient, "
             "and dL/da sums the upstream gradient times the column of W.",
}


def describe(layer: Layer) -> str:
    """One line saying what a layer is, in a teacher's words."""
    if isinstance(layer, Conv):
        extra = "".join(f", {name} {fmt_pair(v)}" for name, v, default in (
            ("stride", layer.stride, (1, 1)), ("padding", layer.padding, (0, 0)), ("dilation", layer.dilation, (1, 1)))
            if v != default)
        return (f"convolution, {layer.out_channels} kernel(s) of {fmt_pair(layer.kernel)}{extra}"
                f"{', bias' if layer.bias else ''}{', flipped kernel' if layer.convention == 'convolution' else ''}")
    if isinstance(layer, Pool):
        stride = f", stride {fmt_pair(layer.stride)}" if layer.stride != layer.window else ""
        padding = f", padding {fmt_pair(layer.padding)}" if layer.padding != (0, 0) else ""
        return f"{ {'max': 'max', 'avg': 'average', 'l2': 'L2-norm'}[layer.kind]} pooling, window {fmt_pair(layer.window)}{stride}{padding}"
    if isinstance(layer, Activation):
        return layer.kind
    if isinstance(layer, Flatten):
        return "flatten, " + ("column-major (vec) per channel, channels stacked" if layer.order == "column"
                              else "row-major per channel (as PyTorch), channels stacked")
    if isinstance(layer, Dense):
        return f"dense, {layer.out_features} output(s){', bias' if layer.bias else ''}"
    return "softmax with cross-entropy"


def _shape(shape: tuple[int, ...]) -> str:
    return " x ".join(map(str, shape))


def _softmax_step() -> Row:
    r"""dL/df_k = sum_j dL/dp_j dp_j/df_k = ... = p_k - t_k, the step SymPy does not take alone."""
    return Row(r"\frac{\partial L}{\partial f_k}", [
        r"\sum_j \frac{\partial L}{\partial p_j}\,\frac{\partial p_j}{\partial f_k}"
        r" = \sum_j \left(-\frac{t_j}{p_j}\right) p_j \left(\delta_{jk} - p_k\right)",
        r"-t_k + p_k \sum_j t_j",
        r"p_k - t_k \qquad \text{since } \textstyle\sum_j t_j = 1 \text{ for a one-hot target}",
    ], chain=True)


def network_context(derivation: Derivation) -> dict:
    """Everything the network templates show."""
    net: NetworkSpec = derivation.spec  # type: ignore[assignment]
    printer = TermPrinter(derivation)
    shapes = net.shapes
    names = set(derivation.names())
    n = len(net.layers)
    act = ["X"] + [f"A[{l}]" for l in range(1, n + 1)]

    settings = [("input", _shape(net.input))] + [
        (f"layer {l}", f"{describe(layer)}; output {_shape(shapes[l])}") for l, layer in enumerate(net.layers, start=1)
    ]
    steps = chain_steps(net, describe)
    forward = []
    for l, layer in enumerate(net.layers, start=1):
        blocks = tensor_blocks(derivation[act[l]], printer)
        if isinstance(layer, SoftmaxCrossEntropy):
            blocks += tensor_blocks(derivation["L"], printer)
        drawn = figure(switch_figure(layer, shapes[l - 1], shapes[l], l)) if isinstance(layer, Pool) else None
        forward.append(Section(act[l], f"Layer {l}: {describe(layer)}", FORWARD[layer.type], blocks, drawn))

    backward = []
    for l in range(n, 0, -1):
        layer = net.layers[l - 1]
        if isinstance(layer, SoftmaxCrossEntropy):
            step = Block("", [_softmax_step()])
            backward.append(Section(f"dL/d{act[l - 1]}", f"Layer {l}: softmax with cross-entropy",
                                    "With f the scores entering the softmax:",
                                    [step, *tensor_blocks(derivation[f"dL/d{act[l - 1]}"], printer)]))
            continue
        blocks = []
        for param in (f"K[{l}]", f"W[{l}]", f"b[{l}]"):
            if f"dL/d{param}" in names:
                blocks += tensor_blocks(derivation[f"dL/d{param}"], printer)
        blocks += tensor_blocks(derivation[f"dL/d{act[l - 1]}"], printer)
        backward.append(Section(f"dL/d{act[l - 1]}", f"Layer {l}: {describe(layer)}", BACKWARD[layer.type], blocks))

    return {
        "kind": "network",
        "title": f"Back-propagation through the network {net.name}",
        "settings": settings,
        "has_loss": net.has_loss,
        "upstream_example": derivation[f"dL/d{act[n]}"].labels[0] if not net.has_loss else "",
        "forward": forward,
        "backward": backward,
        "diagram": Figure(chain_latex(steps), "figure-network.svg", chain_svg(steps),
                          "The network, from the input down to the loss, with the shape of each layer's output."),
    }
