"""Call a layer kind's own forward and backward rules on given symbols, as the derivation does."""

from __future__ import annotations

from symconv.layers import Step


def step(inp, out=(), upstream=None, shape_in=None, shape_out=None, params=None) -> Step:
    shape_in = shape_in or (len(inp),)
    return Step(1, shape_in, shape_out or shape_in, tuple(inp), tuple(out), dict(params or {}),
                None if upstream is None else tuple(upstream), {})


def rules(layer, inp, out=(), upstream=None, shape_in=None, shape_out=None, params=None):
    """(forward entries, backward entries of the input or None), from the layer's own rules."""
    s = step(inp, out or inp, upstream, shape_in, shape_out, params)
    forward = layer.forward(s)
    backward = layer.backward(s)["in"] if upstream is not None or layer.is_loss else None
    return forward, backward
