"""Hypothesis strategies for random small, valid convolution layers."""

from __future__ import annotations

from hypothesis import assume
from hypothesis import strategies as st

from symconv.spec import ConvSpec


@st.composite
def conv_specs(draw, max_input: int = 7, max_kernel: int = 4, max_channels: int = 3) -> ConvSpec:
    """A valid layer: channels 1-3, kernel up to 4x4, stride 1-3, padding 0-2, dilation 1-2."""
    pair = lambda lo, hi: st.tuples(st.integers(lo, hi), st.integers(lo, hi))
    kernel, dilation, padding = draw(pair(1, max_kernel)), draw(pair(1, 2)), draw(pair(0, 2))
    span = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    # Draw the input large enough for the dilated kernel after padding.
    rows = draw(st.integers(max(1, span[0] - 2 * padding[0]), max(1, max_input)))
    cols = draw(st.integers(max(1, span[1] - 2 * padding[1]), max(1, max_input)))
    assume(rows + 2 * padding[0] >= span[0] and cols + 2 * padding[1] >= span[1])
    return ConvSpec(
        input=(rows, cols),
        kernel=kernel,
        in_channels=draw(st.integers(1, max_channels)),
        out_channels=draw(st.integers(1, max_channels)),
        stride=draw(pair(1, 3)),
        padding=padding,
        dilation=dilation,
        bias=draw(st.booleans()),
        convention=draw(st.sampled_from(["correlation", "convolution"])),
    )
