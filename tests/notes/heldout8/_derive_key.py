#!/usr/bin/env python3
"""Independent NumPy check of key.toml for the heldout8 notes (never imports symconv).

Each notes file's network (its NN_net.toml, restated at the top of the notes) is rebuilt in NumPy; every
gradient is computed numerically (complex step for smooth networks, central differences where relu / max
pooling kinks are; with input_gradient and no loss, L = sum(G * output) for the given G).  Each claim is
transcribed by hand as (anchor text on its line, lhs, function of a sampled state returning the true value and
the list of right-hand-side members of the chain), evaluated at random points.  Verdicts, lhs and line numbers
are compared with key.toml, and every line holding an '=' inside math must be keyed, a definition or a
not_claim (lines starting with '=' inside math continue the claim above).  Exit 0 when all agree.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20261206)
TRIALS = 12


def at1(A, *idx):
    """1-based entry, 0 outside."""
    return at0(A, *[i - 1 for i in idx])


def at0(A, *idx):
    """0-based entry, 0 outside (padding)."""
    A = np.asarray(A)
    if len(idx) != A.ndim or any(not (0 <= i < n) for i, n in zip(idx, A.shape)):
        return 0.0
    return A[tuple(idx)]


def grid(shape, fn, base=1):
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        out[idx] = fn(*[i + base for i in idx])
    return out


def cs_grad(f, X, h=1e-30):
    X = np.array(X, dtype=float); g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xc = X.astype(complex); Xc[idx] += 1j * h
        g[idx] = np.imag(f(Xc)) / h
    return g


def fd_grad(f, X, h=1e-6):
    X = np.array(X, dtype=float); g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp = X.copy(); Xp[idx] += h
        Xm = X.copy(); Xm[idx] -= h
        g[idx] = (f(Xp) - f(Xm)) / (2 * h)
    return g


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def ind(c):
    return 1.0 if c else 0.0


def same(a, b):
    a = np.asarray(a, float); b = np.asarray(b, float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))


def dist(a, b):
    a = np.asarray(a, float); b = np.asarray(b, float)
    return float('inf') if a.shape != b.shape else float(np.max(np.abs(a - b)))


FILES = {}


# ------------------------------------------------------------------ 01 PyTorch row-major, softmax CE
def f01_loss(X, W, b, T):
    Z = X @ W.T + b[None, :]
    Zs = Z - np.max(np.real(Z), axis=1, keepdims=True)
    logP = Zs - np.log(np.sum(np.exp(Zs), axis=1, keepdims=True))
    return -np.sum(T * logP) / 2


def f01_sample():
    X = RNG.normal(size=(2, 3)); W = RNG.normal(size=(2, 3)); b = RNG.normal(size=2)
    T = np.eye(2)[RNG.integers(0, 2, size=2)]
    Z = X @ W.T + b
    P = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    s = dict(X=X, W=W, b=b, T=T, Z=Z, P=P, L=f01_loss(X, W, b, T), N=2)
    s['dW'] = cs_grad(lambda v: f01_loss(X, v, b, T), W)
    s['db'] = cs_grad(lambda v: f01_loss(X, W, v, T), b)
    s['dX'] = cs_grad(lambda v: f01_loss(v, W, b, T), X)

    def lz(Zc):
        Zs = Zc - np.max(np.real(Zc), axis=1, keepdims=True)
        return -np.sum(T * (Zs - np.log(np.sum(np.exp(Zs), axis=1, keepdims=True)))) / 2
    s['dZ'] = cs_grad(lz, Z)
    return s


def _f01():
    c = []
    a = at1
    c.append(('$$Z = X W^\\top', 'Z', lambda s: (s['Z'], [s['X'] @ s['W'].T + np.ones((2, 1)) @ s['b'][None, :]])))
    c.append(('$$P_{n,k} =', 'P_{n,k}', lambda s: (s['P'], [grid((2, 2), lambda n, k: np.exp(a(s['Z'], n, k)) / sum(np.exp(a(s['Z'], n, j)) for j in (1, 2)))])))
    c.append(('$$L = -\\frac{1}{2}', 'L', lambda s: (s['L'], [-0.5 * sum(a(s['T'], n, k) * np.log(a(s['P'], n, k)) for n in (1, 2) for k in (1, 2))])))
    c.append(('$$G = \\frac{\\partial L}{\\partial Z}', 'G', lambda s: (s['dZ'], [s['dZ'], (s['P'] - s['T']) / s['N']])))
    c.append(('$$\\frac{\\partial L}{\\partial W} = G^\\top X$$', '\\frac{\\partial L}{\\partial W}', lambda s: (s['dW'], [s['dZ'].T @ s['X']])))
    c.append(('$$\\frac{\\partial L}{\\partial b} = G^\\top', '\\frac{\\partial L}{\\partial b}', lambda s: (s['db'], [s['dZ'].T @ np.ones(2)])))
    c.append(('$$\\frac{\\partial L}{\\partial X} = G W$$', '\\frac{\\partial L}{\\partial X}', lambda s: (s['dX'], [s['dZ'] @ s['W']])))
    c.append(('$$\\frac{\\partial L}{\\partial W} = X^\\top G$$', '\\frac{\\partial L}{\\partial W}', lambda s: (s['dW'], [s['X'].T @ s['dZ']])))
    e = lambda s, n, k: a(s['P'], n, k) - a(s['T'], n, k)
    c.append(('\\partial W_{1,2}}', '\\frac{\\partial L}{\\partial W_{1,2}}', lambda s: (a(s['dW'], 1, 2), [0.5 * (e(s, 1, 1) * a(s['X'], 1, 2) + e(s, 2, 1) * a(s['X'], 2, 2))])))
    c.append(('\\partial W_{2,3}}', '\\frac{\\partial L}{\\partial W_{2,3}}', lambda s: (a(s['dW'], 2, 3), [e(s, 1, 2) * a(s['X'], 1, 3) + e(s, 2, 2) * a(s['X'], 2, 3)])))
    c.append(('\\partial b_{1}}', '\\frac{\\partial L}{\\partial b_{1}}', lambda s: (a(s['db'], 1), [0.5 * (e(s, 1, 1) + e(s, 2, 1))])))
    c.append(('\\partial X_{2,1}}', '\\frac{\\partial L}{\\partial X_{2,1}}', lambda s: (a(s['dX'], 2, 1), [0.5 * (e(s, 2, 1) * a(s['W'], 1, 1) + e(s, 2, 2) * a(s['W'], 2, 1))])))
    c.append(('\\partial X_{1,3}}', '\\frac{\\partial L}{\\partial X_{1,3}}', lambda s: (a(s['dX'], 1, 3), [0.5 * (-e(s, 1, 1) * a(s['W'], 1, 3) - e(s, 1, 2) * a(s['W'], 2, 3))])))
    return c


FILES['01_pytorch_rowmajor.md'] = dict(sample=f01_sample, claims=_f01())


# ------------------------------------------------------------------ 02 Goodfellow, sigmoid MLP, half SSE
def f02_J(x, W1, b1, W2, b2, y):
    h = sigmoid(b1 + W1 @ x); yh = b2 + W2 @ h
    return 0.5 * np.sum((yh - y) ** 2)


def f02_sample():
    base = dict(x=RNG.normal(size=2), W1=RNG.normal(size=(3, 2)), b1=RNG.normal(size=3),
                W2=RNG.normal(size=(2, 3)), b2=RNG.normal(size=2), y=RNG.normal(size=2))
    s = dict(base)
    s['a1'] = base['b1'] + base['W1'] @ base['x']; s['h1'] = sigmoid(s['a1'])
    s['a2'] = base['b2'] + base['W2'] @ s['h1']; s['yh'] = s['a2']
    s['J'] = f02_J(**base)
    for n in ('W1', 'b1', 'W2', 'b2'):
        s['d' + n] = cs_grad(lambda v: f02_J(**{**base, n: v}), base[n])
    y, W2, b2 = base['y'], base['W2'], base['b2']
    s['dyh'] = cs_grad(lambda v: 0.5 * np.sum((v - y) ** 2), s['yh'])
    s['da2'] = s['dyh']
    s['dh1'] = cs_grad(lambda v: 0.5 * np.sum((b2 + W2 @ v - y) ** 2), s['h1'])
    s['da1'] = cs_grad(lambda v: 0.5 * np.sum((b2 + W2 @ sigmoid(v) - y) ** 2), s['a1'])
    return s


def _f02():
    c = []
    a = at1
    c.append(('\\boldsymbol{a}^{(1)} &= ', 'a^{(1)}', lambda s: (s['a1'], [s['b1'] + s['W1'] @ s['x']])))
    c.append(('\\boldsymbol{h}^{(1)} &= \\sigma', 'h^{(1)}', lambda s: (s['h1'], [sigmoid(s['a1'])])))
    c.append(('\\boldsymbol{a}^{(2)} &= ', 'a^{(2)}', lambda s: (s['a2'], [s['b2'] + s['W2'] @ s['h1']])))
    c.append(('\\hat{\\boldsymbol{y}} &= ', '\\hat{y}', lambda s: (s['yh'], [s['a2']])))
    c.append(('J &= \\frac{1}{2}', 'J', lambda s: (s['J'], [0.5 * sum((a(s['yh'], i) - a(s['y'], i)) ** 2 for i in (1, 2))])))
    c.append(('\\boldsymbol{g} \\leftarrow', '\\nabla_{\\hat{y}} J', lambda s: (s['dyh'], [s['yh'] - s['y']])))
    c.append(('\\nabla_{\\boldsymbol{a}^{(2)}} J &=', '\\nabla_{a^{(2)}} J', lambda s: (s['da2'], [s['yh'] - s['y']])))
    c.append(('\\nabla_{W^{(2)}} J &=', '\\nabla_{W^{(2)}} J', lambda s: (s['dW2'], [np.outer(s['da2'], s['h1'])])))
    c.append(('\\nabla_{\\boldsymbol{b}^{(2)}} J &=', '\\nabla_{b^{(2)}} J', lambda s: (s['db2'], [s['y'] - s['yh']])))
    c.append(('\\nabla_{\\boldsymbol{h}^{(1)}} J &=', '\\nabla_{h^{(1)}} J', lambda s: (s['dh1'], [s['W2'].T @ s['da2']])))
    c.append(('\\nabla_{\\boldsymbol{a}^{(1)}} J &=', '\\nabla_{a^{(1)}} J', lambda s: (s['da1'], [s['dh1'] * s['h1'] * (1 - s['h1'])])))
    c.append(('\\nabla_{W^{(1)}} J &=', '\\nabla_{W^{(1)}} J', lambda s: (s['dW1'], [np.outer(s['x'], s['da1'])])))
    c.append(('\\nabla_{\\boldsymbol{b}^{(1)}} J &=', '\\nabla_{b^{(1)}} J', lambda s: (s['db1'], [s['da1']])))
    c.append(('\\partial W^{(1)}_{2,1}}', '\\frac{\\partial J}{\\partial W^{(1)}_{2,1}}', lambda s: (a(s['dW1'], 2, 1), [
        (a(s['yh'], 1) - a(s['y'], 1)) * a(s['W2'], 1, 2) * a(s['h1'], 2) * (1 - a(s['h1'], 2)) * a(s['x'], 1)])))
    c.append(('\\partial h^{(1)}_3}', '\\frac{\\partial J}{\\partial h^{(1)}_3}', lambda s: (a(s['dh1'], 3), [
        a(s['W2'], 1, 3) * (a(s['yh'], 1) - a(s['y'], 1)) + a(s['W2'], 2, 3) * (a(s['yh'], 2) - a(s['y'], 2))])))
    return c


FILES['02_goodfellow_mlp.tex'] = dict(sample=f02_sample, claims=_f02())


# ------------------------------------------------------------------ 03 stride 2, padding 1, 0-based
def conv_s2p1(X, K):
    Xp = np.pad(X, 1)
    Y = np.zeros((2, 2), dtype=np.result_type(X, K))
    for i in range(2):
        for j in range(2):
            Y[i, j] = np.sum(K * Xp[2 * i:2 * i + 3, 2 * j:2 * j + 3])
    return Y


def f03_sample():
    X = RNG.normal(size=(4, 4)); K = RNG.normal(size=(3, 3)); G = RNG.normal(size=(2, 2))
    s = dict(X=X, K=K, G=G, Y=conv_s2p1(X, K))
    s['dK'] = cs_grad(lambda v: np.sum(G * conv_s2p1(X, v)), K)
    s['dX'] = cs_grad(lambda v: np.sum(G * conv_s2p1(v, K)), X)
    return s


def _f03():
    c = []
    a = at0
    x = lambda s, r, q: a(s['X'], r, q)
    k = lambda s, p, q: a(s['K'], p, q)
    g = lambda s, i, j: a(s['G'], i, j)
    P = [(p, q) for p in range(3) for q in range(3)]
    c.append(('$$Y[i,j] =', 'Y[i,j]', lambda s: (s['Y'], [grid((2, 2), lambda i, j: sum(k(s, p, q) * x(s, 2 * i + p - 1, 2 * j + q - 1) for p, q in P), base=0)])))
    c.append(('$$y_{0,0} =', 'y_{0,0}', lambda s: (s['Y'][0, 0], [k(s, 1, 1) * x(s, 0, 0) + k(s, 1, 2) * x(s, 0, 1) + k(s, 2, 1) * x(s, 1, 0) + k(s, 2, 2) * x(s, 1, 1)])))
    c.append(('$$y_{0,1} =', 'y_{0,1}', lambda s: (s['Y'][0, 1], [k(s, 1, 0) * x(s, 0, 1) + k(s, 1, 1) * x(s, 0, 2) + k(s, 1, 2) * x(s, 0, 3)
                                                              + k(s, 2, 0) * x(s, 1, 1) + k(s, 2, 1) * x(s, 1, 2) + k(s, 2, 2) * x(s, 1, 3)])))
    c.append(('$$y_{1,1} =', 'y_{1,1}', lambda s: (s['Y'][1, 1], [sum(k(s, p, q) * x(s, p + 1, q + 1) for p, q in P)])))
    c.append(('$$y_{1,0} =', 'y_{1,0}', lambda s: (s['Y'][1, 0], [sum(k(s, p, q) * x(s, 2 + p, q) for p, q in P)])))
    c.append(('{\\partial K[p,q]}', '\\frac{\\partial L}{\\partial K[p,q]}', lambda s: (s['dK'], [grid((3, 3), lambda p, q: sum(
        g(s, i, j) * x(s, 2 * i + p - 1, 2 * j + q - 1) for i in (0, 1) for j in (0, 1)), base=0)])))
    c.append(('{\\partial k_{0,0}}', '\\frac{\\partial L}{\\partial k_{0,0}}', lambda s: (s['dK'][0, 0], [g(s, 1, 1) * x(s, 1, 1)])))
    c.append(('{\\partial k_{1,1}}', '\\frac{\\partial L}{\\partial k_{1,1}}', lambda s: (s['dK'][1, 1], [
        g(s, 0, 0) * x(s, 0, 0) + g(s, 0, 1) * x(s, 0, 2) + g(s, 1, 0) * x(s, 2, 0) + g(s, 1, 1) * x(s, 2, 2)])))
    c.append(('{\\partial k_{2,2}}', '\\frac{\\partial L}{\\partial k_{2,2}}', lambda s: (s['dK'][2, 2], [
        g(s, 0, 0) * x(s, 1, 1) + g(s, 1, 0) * x(s, 1, 3) + g(s, 0, 1) * x(s, 3, 1) + g(s, 1, 1) * x(s, 3, 3)])))
    c.append(('{\\partial X[r,s]}', '\\frac{\\partial L}{\\partial X[r,s]}', lambda s: (s['dX'], [grid((4, 4), lambda r, t: sum(
        g(s, i, j) * k(s, r + 1 - 2 * i, t + 1 - 2 * j) for i in (0, 1) for j in (0, 1)), base=0)])))
    c.append(('{\\partial x_{0,0}}', '\\frac{\\partial L}{\\partial x_{0,0}}', lambda s: (s['dX'][0, 0], [g(s, 0, 0) * k(s, 1, 1)])))
    c.append(('{\\partial x_{1,1}}', '\\frac{\\partial L}{\\partial x_{1,1}}', lambda s: (s['dX'][1, 1], [
        g(s, 0, 0) * k(s, 2, 2) + g(s, 0, 1) * k(s, 2, 0) + g(s, 1, 0) * k(s, 0, 2) + g(s, 1, 1) * k(s, 0, 0)])))
    c.append(('{\\partial x_{2,1}}', '\\frac{\\partial L}{\\partial x_{2,1}}', lambda s: (s['dX'][2, 1], [g(s, 1, 0) * k(s, 1, 2) + g(s, 1, 1) * k(s, 1, 0)])))
    c.append(('{\\partial x_{3,3}}', '\\frac{\\partial L}{\\partial x_{3,3}}', lambda s: (s['dX'][3, 3], [0.0])))
    return c


FILES['03_numpy_stride2.md'] = dict(sample=f03_sample, claims=_f03())


# ------------------------------------------------------------------ 04 conv + relu + mse(mean), one formula
def conv_valid(x, w):
    H = x.shape[0] - w.shape[0] + 1; W = x.shape[1] - w.shape[1] + 1
    return np.array([[np.sum(w * x[i:i + w.shape[0], j:j + w.shape[1]]) for j in range(W)] for i in range(H)])


def f04_L(x, w, b, t):
    return np.mean((np.maximum(0, conv_valid(x, w) + b) - t) ** 2)


def f04_sample():
    while True:
        base = dict(x=RNG.normal(size=(3, 3)), w=RNG.normal(size=(2, 2)), b=RNG.normal(), t=RNG.normal(size=(2, 2)))
        z = conv_valid(base['x'], base['w']) + base['b']
        if np.min(np.abs(z)) > 1e-3 and 0 < np.sum(z > 0) < 4:
            break
    s = dict(base, z=z, L=f04_L(**base))
    s['dw'] = fd_grad(lambda v: f04_L(**{**base, 'w': v}), base['w'])
    s['dx'] = fd_grad(lambda v: f04_L(**{**base, 'x': v}), base['x'])
    s['db'] = fd_grad(lambda v: f04_L(**{**base, 'b': float(v)}), np.array(base['b']))
    return s


def _f04():
    c = []
    a = at1
    z = lambda s, i, j: a(s['z'], i, j)
    x = lambda s, i, j: a(s['x'], i, j)
    w = lambda s, p, q: a(s['w'], p, q)
    e = lambda s, i, j: max(0.0, z(s, i, j)) - a(s['t'], i, j)
    I = lambda s, i, j: ind(z(s, i, j) > 0)
    IJ = [(i, j) for i in (1, 2) for j in (1, 2)]
    c.append(('z_{ij} = b +', 'z_{ij}', lambda s: (s['z'], [grid((2, 2), lambda i, j: s['b'] + sum(w(s, p, q) * x(s, i + p - 1, j + q - 1) for p, q in IJ))])))
    c.append(('L = \\frac{1}{4}', 'L', lambda s: (s['L'], [0.25 * sum((max(0.0, s['b'] + sum(w(s, p, q) * x(s, i + p - 1, j + q - 1) for p, q in IJ)) - a(s['t'], i, j)) ** 2 for i, j in IJ)])))
    c.append(('{\\partial w_{pq}} =', '\\frac{\\partial L}{\\partial w_{pq}}', lambda s: (s['dw'], [grid((2, 2), lambda p, q: 0.5 * sum(e(s, i, j) * I(s, i, j) * x(s, i + p - 1, j + q - 1) for i, j in IJ))])))
    c.append(('{\\partial w_{11}} &=', '\\frac{\\partial L}{\\partial w_{11}}', lambda s: (s['dw'][0, 0], [0.5 * sum(e(s, i, j) * I(s, i, j) * x(s, i, j) for i, j in IJ)])))
    c.append(('{\\partial w_{12}} &=', '\\frac{\\partial L}{\\partial w_{12}}', lambda s: (s['dw'][0, 1], [0.5 * sum(e(s, i, j) * x(s, i, j + 1) for i, j in IJ)])))
    c.append(('{\\partial w_{21}} &=', '\\frac{\\partial L}{\\partial w_{21}}', lambda s: (s['dw'][1, 0], [2 * sum(e(s, i, j) * I(s, i, j) * x(s, i + 1, j) for i, j in IJ)])))
    c.append(('{\\partial b} &=', '\\frac{\\partial L}{\\partial b}', lambda s: (s['db'], [0.5 * sum(e(s, i, j) * I(s, i, j) for i, j in IJ)])))
    c.append(('{\\partial x_{22}} &=', '\\frac{\\partial L}{\\partial x_{22}}', lambda s: (s['dx'][1, 1], [0.5 * sum(e(s, i, j) * I(s, i, j) * w(s, 3 - i, 3 - j) for i, j in IJ)])))
    c.append(('{\\partial x_{11}} &=', '\\frac{\\partial L}{\\partial x_{11}}', lambda s: (s['dx'][0, 0], [0.5 * e(s, 1, 1) * I(s, 1, 1) * w(s, 1, 1)])))
    c.append(('{\\partial x_{13}} &=', '\\frac{\\partial L}{\\partial x_{13}}', lambda s: (s['dx'][0, 2], [0.5 * e(s, 1, 2) * I(s, 1, 2) * w(s, 1, 2)])))
    c.append(('{\\partial x_{31}} &=', '\\frac{\\partial L}{\\partial x_{31}}', lambda s: (s['dx'][2, 0], [0.5 * e(s, 2, 1) * I(s, 2, 1) * w(s, 1, 2)])))
    return c


FILES['04_one_formula.tex'] = dict(sample=f04_sample, claims=_f04())


# ------------------------------------------------------------------ 05 conv + max pooling
def maxpool2(z):
    return np.array([[np.max(z[2 * r:2 * r + 2, 2 * c:2 * c + 2]) for c in range(2)] for r in range(2)])


def f05_sample():
    x = RNG.normal(size=(5, 5)); k = RNG.normal(size=(2, 2)); g = RNG.normal(size=(2, 2))
    z = conv_valid(x, k); m = maxpool2(z)
    s = dict(x=x, k=k, g=g, z=z, m=m)
    s['dk'] = fd_grad(lambda v: np.sum(g * maxpool2(conv_valid(x, v))), k)
    s['dx'] = fd_grad(lambda v: np.sum(g * maxpool2(conv_valid(v, k))), x)
    s['dz'] = fd_grad(lambda v: np.sum(g * maxpool2(v)), z)
    star = {}
    for r in (1, 2):
        for c_ in (1, 2):
            win = z[2 * r - 2:2 * r, 2 * c_ - 2:2 * c_]
            di, dj = np.unravel_index(np.argmax(win), (2, 2))
            star[r, c_] = (2 * r - 1 + di, 2 * c_ - 1 + dj)
    s['star'] = star
    return s


def _f05():
    c = []
    a = at1
    x = lambda s, i, j: a(s['x'], i, j)
    k = lambda s, p, q: a(s['k'], p, q)
    g = lambda s, r, q: a(s['g'], r, q)
    z = lambda s, i, j: a(s['z'], i, j)
    m = lambda s, r, q: a(s['m'], r, q)
    cl = lambda i: (i + 1) // 2
    PQ = [(p, q) for p in (1, 2) for q in (1, 2)]
    c.append(('z_{ij} &= ', 'z_{ij}', lambda s: (s['z'], [grid((4, 4), lambda i, j: sum(k(s, p, q) * x(s, i + p - 1, j + q - 1) for p, q in PQ))])))
    c.append(('m_{rs} &= ', 'm_{rs}', lambda s: (s['m'], [grid((2, 2), lambda r, t: max(z(s, i, j) for i in (2 * r - 1, 2 * r) for j in (2 * t - 1, 2 * t)))])))
    c.append(('{\\partial z_{ij}} =', '\\frac{\\partial L}{\\partial z_{ij}}', lambda s: (s['dz'], [grid((4, 4), lambda i, j: g(s, cl(i), cl(j)) * ind(z(s, i, j) == m(s, cl(i), cl(j))))])))
    c.append(('g_{rs}\\, x_{i^*_{rs}+p-1', '\\frac{\\partial L}{\\partial k_{pq}}', lambda s: (s['dk'], [grid((2, 2), lambda p, q: sum(
        g(s, r, t) * x(s, s['star'][r, t][0] + p - 1, s['star'][r, t][1] + q - 1) for r in (1, 2) for t in (1, 2)))])))
    c.append(('\\sum_{i=1}^{4}\\sum_{j=1}^{4}', '\\frac{\\partial L}{\\partial k_{pq}}', lambda s: (s['dk'], [grid((2, 2), lambda p, q: sum(
        g(s, cl(i), cl(j)) * x(s, i + p - 1, j + q - 1) for i in range(1, 5) for j in range(1, 5)))])))
    c.append(('{\\partial x_{ab}} =', '\\frac{\\partial L}{\\partial x_{ab}}', lambda s: (s['dx'], [grid((5, 5), lambda aa, bb: sum(
        g(s, r, t) * k(s, aa - s['star'][r, t][0] + 1, bb - s['star'][r, t][1] + 1) for r in (1, 2) for t in (1, 2)))])))
    c.append(('{\\partial x_{11}} &=', '\\frac{\\partial L}{\\partial x_{11}}', lambda s: (s['dx'][0, 0], [g(s, 1, 1) * k(s, 1, 1) * ind(z(s, 1, 1) == m(s, 1, 1))])))
    c.append(('{\\partial x_{55}} &=', '\\frac{\\partial L}{\\partial x_{55}}', lambda s: (s['dx'][4, 4], [g(s, 2, 2) * k(s, 2, 2) * ind(z(s, 4, 4) == m(s, 2, 2))])))
    c.append(('{\\partial x_{12}} &=', '\\frac{\\partial L}{\\partial x_{12}}', lambda s: (s['dx'][0, 1], [
        g(s, 1, 1) * (k(s, 1, 2) * ind(z(s, 1, 1) == m(s, 1, 1)) + k(s, 1, 1) * ind(z(s, 1, 2) == m(s, 1, 1)))])))
    c.append(('{\\partial x_{13}} &=', '\\frac{\\partial L}{\\partial x_{13}}', lambda s: (s['dx'][0, 2], [g(s, 1, 1) * k(s, 1, 2) * ind(z(s, 1, 2) == m(s, 1, 1))])))
    c.append(('{\\partial z_{23}} &=', '\\frac{\\partial L}{\\partial z_{23}}', lambda s: (s['dz'][1, 2], [g(s, 1, 2) * ind(z(s, 2, 3) == m(s, 1, 2))])))
    c.append(('{\\partial z_{32}} &=', '\\frac{\\partial L}{\\partial z_{32}}', lambda s: (s['dz'][2, 1], [g(s, 1, 2) * ind(z(s, 3, 2) == m(s, 2, 1))])))
    return c


FILES['05_maxpool_exam.tex'] = dict(sample=f05_sample, claims=_f05())


# ------------------------------------------------------------------ 06 Bishop, tanh hidden, sum of squares
def f06_E(x, W1, w10, W2, w20, t):
    z = np.tanh(W1 @ x + w10); y = W2 @ z + w20
    return 0.5 * np.sum((y - t) ** 2)


def f06_sample():
    base = dict(x=RNG.normal(size=2), W1=RNG.normal(size=(3, 2)), w10=RNG.normal(size=3),
                W2=RNG.normal(size=(2, 3)), w20=RNG.normal(size=2), t=RNG.normal(size=2))
    s = dict(base)
    s['a'] = base['W1'] @ base['x'] + base['w10']; s['z'] = np.tanh(s['a'])
    s['y'] = base['W2'] @ s['z'] + base['w20']; s['E'] = f06_E(**base)
    for n in ('W1', 'w10', 'W2', 'w20'):
        s['d' + n] = cs_grad(lambda v: f06_E(**{**base, n: v}), base[n])
    t, W2, w20 = base['t'], base['W2'], base['w20']
    s['dak'] = cs_grad(lambda v: 0.5 * np.sum((v - t) ** 2), s['y'])          # output units linear: a_k = y_k
    s['daj'] = cs_grad(lambda v: 0.5 * np.sum((W2 @ np.tanh(v) + w20 - t) ** 2), s['a'])
    return s


def _f06():
    c = []
    a = at1
    W1 = lambda s, j, i: a(s['W1'], j, i); W2 = lambda s, k, j: a(s['W2'], k, j)
    d = lambda s, k: a(s['y'], k) - a(s['t'], k)
    z = lambda s, j: a(s['z'], j); x = lambda s, i: a(s['x'], i)
    c.append(('$$a_j =', 'a_j', lambda s: (s['a'], [grid((3,), lambda j: sum(W1(s, j, i) * x(s, i) for i in (1, 2)) + a(s['w10'], j))])))
    c.append(('$$z_j =', 'z_j', lambda s: (s['z'], [np.tanh(s['a'])])))
    c.append(('$$y_k =', 'y_k', lambda s: (s['y'], [grid((2,), lambda k: sum(W2(s, k, j) * z(s, j) for j in (1, 2, 3)) + a(s['w20'], k))])))
    c.append(('$$E =', 'E', lambda s: (s['E'], [0.5 * sum(d(s, k) ** 2 for k in (1, 2))])))
    c.append(('$$\\delta_k =', '\\delta_k', lambda s: (s['dak'], [s['y'] - s['t']])))
    c.append(('$$\\delta_j =', '\\delta_j', lambda s: (s['daj'], [grid((3,), lambda j: (1 - z(s, j) ** 2) * sum(W2(s, k, j) * d(s, k) for k in (1, 2)))])))
    c.append(('{\\partial w^{(2)}_{kj}}', '\\frac{\\partial E}{\\partial w^{(2)}_{kj}}', lambda s: (s['dW2'], [np.outer(s['dak'], s['z'])])))
    c.append(('{\\partial w^{(1)}_{ji}}', '\\frac{\\partial E}{\\partial w^{(1)}_{ji}}', lambda s: (s['dW1'], [np.outer(s['daj'], s['x'])])))
    c.append(('{\\partial w^{(2)}_{23}}', '\\frac{\\partial E}{\\partial w^{(2)}_{23}}', lambda s: (a(s['dW2'], 2, 3), [d(s, 2) * z(s, 3)])))
    c.append(('{\\partial w^{(2)}_{10}}', '\\frac{\\partial E}{\\partial w^{(2)}_{10}}', lambda s: (a(s['dw20'], 1), [-d(s, 1)])))
    back = lambda s, j, f: f * (W2(s, 1, j) * d(s, 1) + W2(s, 2, j) * d(s, 2))
    c.append(('{\\partial w^{(1)}_{21}}', '\\frac{\\partial E}{\\partial w^{(1)}_{21}}', lambda s: (a(s['dW1'], 2, 1), [back(s, 2, 1 - z(s, 2) ** 2) * x(s, 1)])))
    c.append(('{\\partial w^{(1)}_{32}}', '\\frac{\\partial E}{\\partial w^{(1)}_{32}}', lambda s: (a(s['dW1'], 3, 2), [back(s, 3, 1 - a(s['a'], 3) ** 2) * x(s, 2)])))
    c.append(('{\\partial w^{(1)}_{12}}', '\\frac{\\partial E}{\\partial w^{(1)}_{12}}', lambda s: (a(s['dW1'], 1, 2), [
        (1 - z(s, 1) ** 2) * (W2(s, 1, 1) * d(s, 1) + W2(s, 1, 2) * d(s, 2)) * x(s, 2)])))
    c.append(('{\\partial w^{(1)}_{30}}', '\\frac{\\partial E}{\\partial w^{(1)}_{30}}', lambda s: (a(s['dw10'], 3), [back(s, 3, 1 - z(s, 3) ** 2)])))
    return c


FILES['06_bishop_tanh.md'] = dict(sample=f06_sample, claims=_f06())


# ------------------------------------------------------------------ line bookkeeping
ENVS = r'(?:align|equation|gather|multline|eqnarray)\*?'


def math_lines(path):
    """(lines with an '=' inside math, lines starting with '=' (after an optional &) inside math)."""
    md = path.suffix == '.md'
    text = path.read_text()
    if md:
        text = re.sub(r'<!--.*?-->', lambda mm: '\n' * mm.group(0).count('\n'), text, flags=re.S)
    clean, fence = [], False
    for ln in text.split('\n'):
        if md:
            if ln.strip().startswith('```'):
                fence = not fence; clean.append(''); continue
            if fence:
                clean.append(''); continue
            ln = re.sub(r'`[^`]*`', '', ln)
        else:
            ln = re.sub(r'(?<!\\)%.*', '', ln)
        clean.append(ln)
    eq, cont, mode = set(), set(), None
    for no, ln in enumerate(clean, 1):
        i, start_in_math = 0, mode is not None
        while i < len(ln):
            if mode is None:
                if ln.startswith('$$', i):
                    mode = '$$'; i += 2; continue
                if ln[i] == '$' and (i == 0 or ln[i - 1] != '\\'):
                    mode = '$'; i += 1; continue
                if ln.startswith('\\[', i):
                    mode = '\\]'; i += 2; continue
                if ln.startswith('\\(', i):
                    mode = '\\)'; i += 2; continue
                mm = re.match(r'\\begin\{' + ENVS + r'\}', ln[i:])
                if mm:
                    mode = 'env'; i += mm.end(); continue
                i += 1; continue
            if mode == 'env':
                mm = re.match(r'\\end\{' + ENVS + r'\}', ln[i:])
                if mm:
                    mode = None; i += mm.end(); continue
            elif ln.startswith(mode, i) and not (mode == '$' and ln.startswith('$$', i)):
                i += len(mode); mode = None; continue
            if ln[i] == '=':
                eq.add(no)
            i += 1
        if start_in_math and re.match(r'\s*&?\s*=', ln):
            cont.add(no)
    return eq, cont


def line_of(path, anchor):
    hits = [n for n, ln in enumerate(path.read_text().split('\n'), 1) if anchor in ln]
    if len(hits) != 1:
        raise SystemExit(f'{path.name}: anchor {anchor!r} on lines {hits}, need exactly one')
    return hits[0]


def judge(spec, claim):
    anchor, lhs, fn = claim
    ok, worst = True, 0.0
    for _ in range(TRIALS):
        L, members = fn(spec['sample']())
        for M in members:
            if not same(L, M):
                ok = False; worst = max(worst, dist(L, M))
    if not ok and worst <= 1e-3:
        raise SystemExit(f'{lhs}: fails by only {worst} (not clearly wrong)')
    return 'right' if ok else 'wrong'


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    entries = {f['name']: f for f in key['file']}
    problems = []
    if set(entries) != set(FILES):
        problems.append(f'files in key {sorted(entries)} != derived {sorted(FILES)}')
    tot = [0, 0, 0]
    print(f"{'file':26s} {'claims':>6s} {'right':>5s} {'wrong':>5s} {'defs':>4s} {'not':>4s}  status")
    for name, spec in FILES.items():
        path = HERE / name
        k = entries.get(name, {})
        if k.get('cli') != f"--network {name[:2]}_net.toml" or not (HERE / f'{name[:2]}_net.toml').exists():
            problems.append(f'{name}: cli / network file')
        derived = {}
        for cl in spec['claims']:
            ln = line_of(path, cl[0])
            if ln in derived:
                problems.append(f'{name}:{ln}: two transcribed claims on one line')
            derived[ln] = (cl[1], judge(spec, cl))
        keyed = {c['line']: c for c in k.get('claim', [])}
        defs = {d['line'] for d in k.get('definitions', [])}
        nots = {d['line'] for d in k.get('not_claims', [])}
        for ln, (lhs, v) in sorted(derived.items()):
            if ln not in keyed:
                problems.append(f'{name}:{ln}: claim {lhs} ({v}) missing from key')
            elif keyed[ln]['verdict'] != v:
                problems.append(f"{name}:{ln}: key says {keyed[ln]['verdict']}, derivation says {v}")
            elif v == 'wrong' and not keyed[ln].get('why'):
                problems.append(f'{name}:{ln}: wrong claim without why')
            elif keyed[ln]['lhs'] != lhs:
                problems.append(f"{name}:{ln}: key lhs {keyed[ln]['lhs']!r} != {lhs!r}")
        for ln in keyed:
            if ln not in derived:
                problems.append(f'{name}:{ln}: key claim not transcribed in this check')
        for ln in (defs | nots) & set(derived):
            problems.append(f'{name}:{ln}: listed as definition/not_claim but is a transcribed claim')
        eq, cont = math_lines(path)
        listed = set(keyed) | defs | nots
        for ln in sorted(cont):
            if ln - 1 not in listed and ln - 1 not in cont:
                problems.append(f'{name}:{ln}: continuation line without a keyed claim above it')
        for ln in sorted(eq - listed - cont):
            problems.append(f'{name}:{ln}: math line with = not in key')
        for ln in sorted(listed - eq):
            problems.append(f'{name}:{ln}: key line has no = in math')
        for ln in sorted(listed & cont):
            problems.append(f'{name}:{ln}: a continuation line is keyed on its own')
        nr = sum(v == 'right' for _, v in derived.values()); nw = sum(v == 'wrong' for _, v in derived.values())
        tot[0] += len(derived); tot[1] += nr; tot[2] += nw
        status = 'ok' if not any(p.startswith(name) for p in problems) else 'MISMATCH'
        print(f'{name:26s} {len(derived):6d} {nr:5d} {nw:5d} {len(defs):4d} {len(nots):4d}  {status}')
    print(f"{'total':26s} {tot[0]:6d} {tot[1]:5d} {tot[2]:5d}")
    if problems:
        print('\n'.join(['', 'problems:'] + problems))
        return 1
    print('\nall verdicts and line numbers in key.toml agree with the independent derivation')
    return 0


if __name__ == '__main__':
    sys.exit(main())
