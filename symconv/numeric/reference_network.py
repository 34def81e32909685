"""An independent NumPy forward and backward pass through a network, written without SymPy."""

from __future__ import annotations

import numpy as np

from ..layers import Activation, Conv, Dense, Flatten, Pool
from ..network import NetworkSpec
from . import reference


def _pool_forward(x: np.ndarray, layer: Pool) -> tuple[np.ndarray, list]:
    """Pooling with explicit windows; returns the output and, per output entry, its window's cells."""
    c_n, h, w = x.shape
    (kh, kw), (sh, sw), (ph, pw) = layer.window, layer.stride, layer.padding
    ho, wo = (h + 2 * ph - kh) // sh + 1, (w + 2 * pw - kw) // sw + 1
    out = np.zeros((c_n, ho, wo))
    cells = {}
    for c in range(c_n):
        for r in range(ho):
            for s in range(wo):
                rows = range(max(r * sh - ph, 0), min(r * sh - ph + kh, h))
                cols = range(max(s * sw - pw, 0), min(s * sw - pw + kw, w))
                idx = [(i, j) for i in rows for j in cols]  # row-major within the window
                vals = np.array([x[c, i, j] for i, j in idx])
                cells[c, r, s] = idx
                if layer.kind == "avg":
                    out[c, r, s] = vals.sum() / (kh * kw)  # zero padding counts in the mean
                elif layer.kind == "max":
                    out[c, r, s] = vals.max()
                else:
                    out[c, r, s] = np.sqrt((vals**2).sum())
    return out, cells


def _pool_backward(g: np.ndarray, x: np.ndarray, y: np.ndarray, layer: Pool, cells) -> np.ndarray:
    gx = np.zeros_like(x)
    for (c, r, s), idx in cells.items():
        vals = np.array([x[c, i, j] for i, j in idx])
        for n, (i, j) in enumerate(idx):
            if layer.kind == "avg":
                gx[c, i, j] += g[c, r, s] / (layer.window[0] * layer.window[1])
            elif layer.kind == "max":
                gx[c, i, j] += g[c, r, s] * (n == int(np.argmax(vals)))
            else:
                gx[c, i, j] += g[c, r, s] * x[c, i, j] / y[c, r, s]
    return gx


def _flatten(x: np.ndarray, order: str) -> np.ndarray:
    # Column-major vec of each channel, channels stacked; or row-major (C order) as PyTorch.
    return np.concatenate([ch.ravel(order="F" if order == "column" else "C") for ch in x])


def _unflatten(g: np.ndarray, shape, order: str) -> np.ndarray:
    c_n, h, w = shape
    return np.stack([g[c * h * w : (c + 1) * h * w].reshape((h, w), order="F" if order == "column" else "C") for c in range(c_n)])


def forward_backward(net: NetworkSpec, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every activation A[l], the loss, and every gradient, given inputs, parameters and t (or dL/dA[n])."""
    acts = [values["X"]]
    saved = {}
    out: dict[str, np.ndarray] = {}
    for l, layer in enumerate(net.layers, start=1):
        a = acts[-1]
        if isinstance(layer, Conv):
            s = layer.conv_spec(a.shape)
            y = reference.conv2d(a, values[f"K[{l}]"], values.get(f"b[{l}]"), s.stride, s.padding, s.dilation, s.flipped)
        elif isinstance(layer, Activation):
            y = {"relu": lambda z: np.maximum(z, 0), "sigmoid": lambda z: 1 / (1 + np.exp(-z)),
                 "tanh": np.tanh, "identity": lambda z: z}[layer.kind](a)
        elif isinstance(layer, Pool):
            y, saved[l] = _pool_forward(a, layer)
        elif isinstance(layer, Flatten):
            y = _flatten(a, layer.order)
        elif isinstance(layer, Dense):
            y = values[f"W[{l}]"] @ a + (values[f"b[{l}]"] if layer.bias else 0)
        else:
            e = np.exp(a - a.max())
            y = e / e.sum()
            out["L"] = np.array([-(values["t"] * np.log(y)).sum()])
        acts.append(y)
        out[f"A[{l}]"] = y

    n = len(net.layers)
    names = ["X"] + [f"A[{l}]" for l in range(1, n + 1)]
    if net.has_loss:
        g = acts[-1] - values["t"]  # dL/df of softmax cross-entropy with a one-hot target
        out[f"dL/d{names[n - 1]}"] = g
        last = n - 1
    else:
        g = values[f"dL/d{names[n]}"]
        last = n
    for l in range(last, 0, -1):
        layer, a, y = net.layers[l - 1], acts[l - 1], acts[l]
        if isinstance(layer, Conv):
            s = layer.conv_spec(a.shape)
            gx, gk, gb = reference.conv2d_backward(g, a, values[f"K[{l}]"], s.stride, s.padding, s.dilation, s.flipped)
            out[f"dL/dK[{l}]"] = gk
            if layer.bias:
                out[f"dL/db[{l}]"] = gb
            g = gx
        elif isinstance(layer, Activation):
            g = g * {"relu": lambda: (a > 0).astype(float), "sigmoid": lambda: y * (1 - y),
                     "tanh": lambda: 1 - y**2, "identity": lambda: np.ones_like(a)}[layer.kind]()
        elif isinstance(layer, Pool):
            g = _pool_backward(g, a, y, layer, saved[l])
        elif isinstance(layer, Flatten):
            g = _unflatten(g, a.shape, layer.order)
        elif isinstance(layer, Dense):
            out[f"dL/dW[{l}]"] = np.outer(g, a)
            if layer.bias:
                out[f"dL/db[{l}]"] = g.copy()
            g = values[f"W[{l}]"].T @ g
        out[f"dL/d{names[l - 1]}"] = g
    return out
