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


def vec(a: np.ndarray) -> np.ndarray:
    """Columns of each (last two axes) matrix stacked, the leading axes outermost; a vector as it is."""
    return a.reshape(-1) if a.ndim < 2 else np.swapaxes(a, -1, -2).reshape(-1)


def conv2d_jacobians(x, k, bias: bool, stride, padding, dilation, flip=False) -> dict[str, np.ndarray]:
    """d vec(Y) / d vec(K), / d vec(X) (and / d b), column by column: Y is linear in each of them, so
    column b is vec(Y) with that argument set to the b-th unit tensor (in vec order) and no bias."""

    def columns(shape, apply) -> np.ndarray:
        cols = []
        for n in range(int(np.prod(shape))):
            unit = np.zeros(int(np.prod(shape)))
            unit[n] = 1.0
            # unit is in vec order: undo vec to get the tensor it stands for.
            tensor = np.swapaxes(unit.reshape(*shape[:-2], shape[-1], shape[-2]), -1, -2) if len(shape) >= 2 else unit
            cols.append(vec(apply(tensor)))
        return np.stack(cols, axis=1)

    geometry = (stride, padding, dilation, flip)
    out = {
        "dvecY/dvecK": columns(k.shape, lambda kk: conv2d(x, kk, None, *geometry)),
        "dvecY/dvecX": columns(x.shape, lambda xx: conv2d(xx, k, None, *geometry)),
    }
    if bias:
        out["dvecY/db"] = columns((k.shape[0],), lambda bb: conv2d(np.zeros_like(x), np.zeros_like(k), bb, *geometry))
    return out
