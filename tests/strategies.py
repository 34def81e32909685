"""Hypothesis strategies for random small, valid convolution layers."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from symconv.spec import ConvSpec


def _valid(net):
    """The network, if its shapes chain; else the example is discarded."""
    from symconv.spec import SpecError

    try:
        net.shapes
    except SpecError:
        assume(False)
    return net


def _divisors(c_in: int, c_out: int) -> list[int]:
    """The numbers of groups that divide both channel counts."""
    return [g for g in range(1, min(c_in, c_out) + 1) if c_in % g == 0 and c_out % g == 0]


@st.composite
def conv_specs(draw, max_input: int = 7, max_kernel: int = 4, max_channels: int = 3) -> ConvSpec:
    """A valid layer: channels 1-3 (in groups that divide both), kernel up to 4x4, stride 1-3, padding
    0-2 (sometimes each side its own, or PyTorch's "same" at stride 1), dilation 1-2."""
    pair = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    kernel, dilation, padding = draw(pair(1, max_kernel)), draw(pair(1, 2)), draw(pair(0, 2))
    stride = draw(pair(1, 3))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    end, given = padding, padding
    how = draw(st.sampled_from(["alike", "alike", "sides", "same"]))
    if how == "sides":
        end = draw(pair(0, 2))
        given = ((padding[0], end[0]), (padding[1], end[1]))
    elif how == "same":
        stride, given = (1, 1), "same"
        padding, end = tuple((n - 1) // 2 for n in span), tuple(n - 1 - (n - 1) // 2 for n in span)
    # Draw the input large enough for the dilated kernel after padding.
    rows = draw(st.integers(max(1, span[0] - padding[0] - end[0]), max(1, max_input)))
    cols = draw(st.integers(max(1, span[1] - padding[1] - end[1]), max(1, max_input)))
    assume(rows + padding[0] + end[0] >= span[0] and cols + padding[1] + end[1] >= span[1])
    c_in, c_out = draw(st.integers(1, max_channels)), draw(st.integers(1, max_channels))
    return ConvSpec(
        input=(rows, cols),
        kernel=kernel,
        in_channels=c_in,
        out_channels=c_out,
        groups=draw(st.sampled_from(_divisors(c_in, c_out))),
        stride=stride,
        padding=given,
        dilation=dilation,
        bias=draw(st.booleans()),
        convention=draw(st.sampled_from(["correlation", "convolution"])),
    )


@st.composite
def networks(draw):
    """A random small network: conv (in groups), sometimes upsampling or a transposed convolution,
    activation, pooling (some twice), then maybe flatten (or global average pooling), dense and a loss."""
    from symconv.layers import (Activation, AdaptivePool, Conv, ConvTranspose, Dense, Dropout, Flatten, GlobalAvgPool,
                                MeanSquaredError, Pool, SoftmaxCrossEntropy, Upsample)
    from symconv.network import NetworkSpec

    layers = []
    channels = first = draw(st.integers(1, 2))
    # A strided transposed convolution leaves entries no input reaches: all equal to the bias. Layers after
    # it sum such equal values in different orders, and NumPy, PyTorch and the derivation then round them
    # apart by 1e-16: a max pooling over such a near-tie picks different entries in each (its
    # derivative does not exist there). Such networks pool by the mean instead.
    near_ties = False
    for _ in range(draw(st.integers(1, 2))):
        out = draw(st.integers(1, 2))
        stride = draw(st.integers(1, 2))
        # PyTorch's paddings: a number, "valid", each side its own, "same" (stride 1 only)
        paddings = [st.integers(0, 1), st.just("valid"),
                    st.tuples(st.tuples(st.integers(0, 2), st.integers(0, 2)), st.tuples(st.integers(0, 2), st.integers(0, 2)))]
        layers.append(Conv(
            out_channels=out, kernel=draw(st.tuples(st.integers(1, 3), st.integers(1, 3))),
            stride=stride, padding=draw(st.one_of(*paddings, *([st.just("same")] if stride == 1 else []))),
            dilation=draw(st.integers(1, 2)),
            bias=draw(st.booleans()), convention=draw(st.sampled_from(["correlation", "convolution"])),
            groups=draw(st.sampled_from(_divisors(channels, out))),
            padding_mode=draw(st.sampled_from(["zeros", "zeros", "reflect", "replicate", "circular"])),
        ))
        channels = out
        if draw(st.integers(0, 3)) == 0:  # sometimes a decoder's step: upsampling, or a transposed convolution
            if draw(st.booleans()):
                layers.append(Upsample(draw(st.tuples(st.integers(1, 2), st.integers(1, 2)))))
            else:
                stride = draw(st.integers(1, 2))
                layers.append(ConvTranspose(draw(st.integers(1, 2)), draw(st.integers(1, 3)), stride,
                                            draw(st.integers(0, 1)), draw(st.integers(0, stride - 1)),
                                            bias=draw(st.booleans())))
                channels = layers[-1].out_channels
                near_ties |= stride > 1
        if draw(st.booleans()):
            layers.append(Activation(draw(st.sampled_from(["relu", "sigmoid", "tanh", "identity"]))))
        if draw(st.integers(0, 4)) == 0:
            layers.append(Dropout(draw(st.floats(0, 1))))  # evaluation mode: the identity
        if draw(st.booleans()):
            window = draw(st.integers(1, 3))
            # L2 pooling has no derivative at an all-zero window (relu, or a conv output that only
            # touches padding, can give one): use it where entries are never 0, after a sigmoid.
            kinds = ["max", "avg", "l2"] if layers[-1] == Activation("sigmoid") else ["max", "avg"]
            kinds = [k for k in kinds if not (near_ties and k == "max")]
            kind = draw(st.sampled_from(kinds))
            # PyTorch's pooling settings: ceil_mode (max, avg); count_include_pad and divisor_override (avg)
            avg = dict(count_include_pad=draw(st.booleans()),
                       divisor_override=draw(st.one_of(st.none(), st.integers(1, 5)))) if kind == "avg" else {}
            if kind != "l2" and draw(st.integers(0, 3)) == 0:  # PyTorch's adaptive pooling, its windows uneven
                layers.append(AdaptivePool(kind, draw(st.tuples(st.integers(1, 4), st.integers(1, 4)))))
            else:
                layers.append(Pool(kind, window, draw(st.integers(1, 2)), draw(st.integers(0, window // 2)),
                                   ceil_mode=kind != "l2" and draw(st.booleans()), **avg))
    if draw(st.booleans()):
        head = draw(st.sampled_from([Flatten("column"), Flatten("row"), GlobalAvgPool()]))
        layers += [head, Dense(draw(st.integers(1, 3)), draw(st.booleans()))]
        if draw(st.booleans()):
            layers.append(draw(st.sampled_from([SoftmaxCrossEntropy(), MeanSquaredError("mean"), MeanSquaredError("sum"),
                                                MeanSquaredError("half_sum")])))
    net = NetworkSpec((first, draw(st.integers(3, 7)), draw(st.integers(3, 7))), tuple(layers))
    return _valid(net)


@st.composite
def conv_transpose_networks(draw):
    """A random transposed convolution (channels 1-3 in groups that divide both, kernel up to 3x3, stride
    1-3, padding 0-2, output padding below the stride or the dilation, dilation 1-2, bias or not), alone
    or followed by a squared-error loss."""
    from symconv.layers import ConvTranspose, MeanSquaredError
    from symconv.network import NetworkSpec

    pair = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    c_in, c_out = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    stride, dilation = draw(pair(1, 3)), draw(pair(1, 2))
    output_padding = tuple(draw(st.integers(0, max(s, d) - 1)) for s, d in zip(stride, dilation))
    layer = ConvTranspose(c_out, draw(pair(1, 3)), stride, draw(pair(0, 2)), output_padding, dilation,
                          draw(st.sampled_from(_divisors(c_in, c_out))),
                          draw(st.booleans()))
    layers = (layer, MeanSquaredError(draw(st.sampled_from(["mean", "sum", "half_sum"])))) if draw(st.booleans()) \
        else (layer,)
    net = NetworkSpec((c_in, draw(st.integers(1, 4)), draw(st.integers(1, 4))), layers)
    return _valid(net)


@st.composite
def branching_networks(draw):
    """Two branches from the input or from a first convolution, joined by add or concat, then maybe an
    activation, flatten, dense and a loss; sometimes a batch."""
    from symconv.layers import Activation, Add, Concat, Conv, Dense, Flatten, MeanSquaredError, SoftmaxCrossEntropy
    from symconv.network import NetworkSpec

    c, h, w = draw(st.integers(1, 2)), draw(st.integers(2, 4)), draw(st.integers(2, 4))
    layers, inputs = [], []
    stem = draw(st.booleans())
    if stem:
        layers.append(Conv(c, 3, padding=1, bias=draw(st.booleans())) if draw(st.booleans()) else Conv(c, 1))
        inputs.append((0,))
    start = len(layers)  # the value both branches read
    join = draw(st.sampled_from(["add", "concat"]))
    out = c if join == "add" else draw(st.integers(1, 2))
    layers.append(Conv(out, 3, padding=1, bias=draw(st.booleans())))
    inputs.append((start,))
    if draw(st.booleans()):  # the second branch: the value itself (a skip), or a convolution of it
        second = start
    else:
        layers.append(Conv(out, 1, bias=draw(st.booleans())))
        inputs.append((start,))
        second = len(layers)
    layers.append(Add() if join == "add" else Concat())
    inputs.append((start + 1, second))
    if draw(st.booleans()):
        layers.append(Activation(draw(st.sampled_from(["relu", "sigmoid", "tanh"]))))
        inputs.append((len(layers) - 1,))
    if draw(st.booleans()):
        layers += [Flatten(), Dense(draw(st.integers(1, 3)))]
        inputs += [(len(layers) - 2,), (len(layers) - 1,)]
        if draw(st.booleans()):
            layers.append(draw(st.sampled_from([SoftmaxCrossEntropy(), MeanSquaredError()])))
            inputs.append((len(layers) - 1,))
    net = NetworkSpec((c, h, w), tuple(layers), inputs=tuple(inputs), batch=draw(st.sampled_from([None, 1, 2])))
    return _valid(net)


@st.composite
def batchnorm_networks(draw):
    """A batch norm alone, after a convolution or a dense layer, or before relu and a loss: image or
    vector inputs, batches of 1 to 4 (2 or more for vectors), eps from 1e-5 to 0.1, affine or not."""
    import numpy as np

    from symconv.layers import Activation, BatchNorm, Conv, Dense, MeanSquaredError
    from symconv.network import NetworkSpec

    image = draw(st.booleans())
    shape = (draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))) if image \
        else (draw(st.integers(1, 4)),)
    batch = draw(st.integers(1 if image else 2, 4))
    assume(batch * int(np.prod(shape[1:])) >= 2)
    bn = BatchNorm(draw(st.sampled_from([1e-5, 1e-3, 0.1])), draw(st.booleans()))
    before = draw(st.sampled_from([(), (Conv(shape[0], 1, bias=True),) if image else (Dense(shape[0], True),)]))
    after = draw(st.sampled_from([(), (Activation("relu"),), (MeanSquaredError(),)]))
    return NetworkSpec(shape, (*before, bn, *after), batch=batch)


@st.composite
def upsamplings(draw):
    """One upsampling layer, nearest or bilinear (align_corners true or false), by a scale (whole, tenths or any
    float) or to a size, over a small random input."""
    import math

    from symconv.layers import Upsample
    from symconv.network import NetworkSpec

    mode = draw(st.sampled_from(["nearest", "bilinear"]))
    c, h, w = draw(st.integers(1, 2)), draw(st.integers(1, 5)), draw(st.integers(1, 5))
    fields = {"mode": mode}
    if draw(st.booleans()):
        scale = st.one_of(st.integers(1, 3), st.integers(3, 35).map(lambda k: k / 10),
                          st.floats(0.3, 3.5, allow_nan=False).filter(lambda s: s > 0))
        s = (draw(scale), draw(scale))
        if min(math.floor(h * s[0]), math.floor(w * s[1])) < 1 or max(h * s[0], w * s[1]) > 12:
            s = (2, 2)
        fields["scale"] = s
    else:
        fields["size"] = (draw(st.integers(1, 8)), draw(st.integers(1, 8)))
    if mode == "bilinear":
        fields["align_corners"] = draw(st.booleans())
    return NetworkSpec((c, h, w), (Upsample(**fields),))
