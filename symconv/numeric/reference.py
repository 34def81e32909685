"""An independent NumPy convolution layer, forward and backward, written without SymPy or index maps."""

from __future__ import annotations

import numpy as np


def _window(xp: np.ndarray, p: int, q: int, out: tuple[int, int], stride, dilation) -> np.ndarray:
    """The slice of the padded input that kernel tap (p, q) meets at every output position."""
    (ho, wo), (sh, sw), (dh, dw) = out, stride, dilation
    return xp[:, p * dh : p * dh + sh * (ho - 1) + 1 : sh, q * dw : q * dw + sw * (wo - 1) + 1 : sw]


def conv2d(x, k, b, stride, padding, dilation, flip=False) -> np.ndarray:
    """Y = b + sum over taps of K[:, :, p, q] applied to the tap's slice of the padded input."""
    (ph, pw), (dh, dw), (sh, sw) = padding, dilation, stride
    kk = k[:, :, ::-1, ::-1] if flip else k
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    kh, kw = k.shape[2:]
    ho = (xp.shape[1] - dh * (kh - 1) - 1) // sh + 1
    wo = (xp.shape[2] - dw * (kw - 1) - 1) // sw + 1
    y = np.zeros((k.shape[0], ho, wo))
    for p in range(kh):
        for q in range(kw):
            y += np.einsum("mc,chw->mhw", kk[:, :, p, q], _window(xp, p, q, (ho, wo), stride, dilation))
    if b is not None:
        y += b[:, None, None]
    return y


def conv2d_backward(g, x, k, stride, padding, dilation, flip=False):
    """(dL/dX, dL/dK, dL/db) given the upstream gradient g = dL/dY."""
    (ph, pw) = padding
    kk = k[:, :, ::-1, ::-1] if flip else k
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    gxp = np.zeros_like(xp)
    gk = np.zeros_like(k)
    kh, kw = k.shape[2:]
    out = g.shape[1:]
    for p in range(kh):
        for q in range(kw):
            gk[:, :, p, q] = np.einsum("mhw,chw->mc", g, _window(xp, p, q, out, stride, dilation))
            _window(gxp, p, q, out, stride, dilation)[...] += np.einsum("mc,mhw->chw", kk[:, :, p, q], g)
    if flip:
        gk = gk[:, :, ::-1, ::-1]
    gx = gxp[:, ph : ph + x.shape[1], pw : pw + x.shape[2]]
    return gx, gk, g.sum(axis=(1, 2))
