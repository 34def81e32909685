#!/usr/bin/env python3
"""Independent check of key.toml for the heldout6 notes (NumPy only; never imports symconv).

For every file: build the layer or network from its definition (forward pass in NumPy; every
gradient by central finite differences of the loss, or of L = sum(G * Y) for a layer with a given
upstream gradient G; max pooling at the notes' tied numbers by PyTorch's first-maximum switch,
itself checked against finite differences at random points), transcribe each claim of the notes by
hand, compare both sides (every member of a chain) at random points or at the notes' own numbers,
and confirm the verdicts and line numbers of key.toml.  Also checks that every line of the notes
that holds an '=' inside math is listed in the key.  Exit 0 when all agree.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20261206)
TRIALS = 6


# ----------------------------------------------------------------------------- helpers
def at(A, *idx, base=1):
    """Entry of A at the notes' indices (base 1 or 0); 0 when outside the tensor."""
    A = np.asarray(A)
    j = tuple(i - base for i in idx)
    if len(j) != A.ndim or any(not (0 <= i < n) for i, n in zip(j, A.shape)):
        return 0.0
    return A[j]


def fd_grad(f, X, h=1e-5):
    """Central finite-difference gradient of scalar f at array X."""
    X = np.array(X, dtype=float)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp = X.copy(); Xp[idx] += h
        Xm = X.copy(); Xm[idx] -= h
        g[idx] = (f(Xp) - f(Xm)) / (2 * h)
    return g


def cs_grad(f, X, h=1e-30):
    """Complex-step gradient of an analytic scalar f at X: exact to rounding (no truncation error)."""
    X = np.array(X, dtype=float)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xc = X.astype(complex); Xc[idx] += 1j * h
        g[idx] = np.imag(f(Xc)) / h
    return g


def cs_jac(F, z, h=1e-30):
    z = np.array(z, float)
    cols = []
    for i in range(z.size):
        zc = z.astype(complex); zc[i] += 1j * h
        cols.append(np.imag(F(zc)) / h)
    return np.stack(cols, axis=-1)   # [i, j] = dF_i / dz_j (numerator layout)


def same(a, b, tol=1e-6, rtol=1e-5):
    if a is None or b is None:
        return False
    a = np.asarray(a, float); b = np.asarray(b, float)
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=tol))


def grid(shape, fn):
    """Array of the given shape whose entry at 1-based (i, j, ...) is fn(i, j, ...)."""
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        out[idx] = fn(*[i + 1 for i in idx])
    return out


def corr_nd(x, k, stride=1, pad=0):
    """Single-channel valid cross-correlation of zero-padded x with k (definition)."""
    xp = np.pad(x, pad)
    H = (xp.shape[0] - k.shape[0]) // stride + 1
    W = (xp.shape[1] - k.shape[1]) // stride + 1
    y = np.zeros((H, W))
    for r in range(H):
        for s in range(W):
            y[r, s] = np.sum(xp[r * stride:r * stride + k.shape[0], s * stride:s * stride + k.shape[1]] * k)
    return y


def conv_layer(X, K, b=None, stride=1, pad=0):
    """Multi-channel layer Y[m] = b[m] + sum_c corr(X[c], K[m, c]) (symconv's definition)."""
    M, C = K.shape[:2]
    Y = np.stack([sum(corr_nd(X[c], K[m, c], stride, pad) for c in range(C)) for m in range(M)])
    if b is not None:
        Y = Y + np.asarray(b).reshape(M, 1, 1)
    return Y


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def softmax(z):
    e = np.exp(z - np.max(np.real(z)))
    return e / e.sum()


# claims: list of (anchor, lhs, fn, mode); fn(state) -> (lhs_value, [member values])
# mode 'random': state from sample() each trial; 'fixed': the notes' numbers.
FILES = {}


# ----------------------------------------------------------------------------- 01 numpy conv (0-based)
def f01_sample():
    X = RNG.normal(size=(4, 4)); W = RNG.normal(size=(2, 2)); dY = RNG.normal(size=(3, 3))
    Y = corr_nd(X, W)
    Lf = lambda X_, W_: np.sum(dY * corr_nd(X_, W_))
    dW = fd_grad(lambda w: Lf(X, w), W)
    dX = fd_grad(lambda x: Lf(x, W), X)
    return dict(X=X, W=W, dY=dY, Y=Y, dW=dW, dX=dX)


def _f01():
    A = lambda T, *i: at(T, *i, base=0)
    c = []
    c.append(('$$Y_{i,j} = ', 'Y_{i,j}', lambda s: (s['Y'], [np.array([[sum(s['X'][i + m, j + n] * s['W'][m, n] for m in range(2) for n in range(2)) for j in range(3)] for i in range(3)])])))
    c.append(('$$Y_{0,0} = ', 'Y_{0,0}', lambda s: (s['Y'][0, 0], [s['X'][0, 0] * s['W'][0, 0] + s['X'][0, 1] * s['W'][0, 1] + s['X'][1, 0] * s['W'][1, 0] + s['X'][1, 1] * s['W'][1, 1]])))
    c.append(('$$dW_{m,n} = ', 'dW_{m,n}', lambda s: (s['dW'], [np.array([[sum(s['dY'][i, j] * s['X'][i + m, j + n] for i in range(3) for j in range(3)) for n in range(2)] for m in range(2)])])))
    c.append(('$$dW_{1,1} = ', 'dW_{1,1}', lambda s: (s['dW'][1, 1], [sum(s['dY'][i, j] * s['X'][i + 1, j + 1] for i in range(3) for j in range(3))])))
    c.append(('$$dW_{0,0} = ', 'dW_{0,0}', lambda s: (s['dW'][0, 0], [sum(s['dY'][i, j] * s['X'][i, j] for i in range(1, 3) for j in range(1, 3))])))
    c.append(('$$dX_{a,b} = ', 'dX_{a,b}', lambda s: (s['dX'], [np.array([[sum(A(s['dY'], a - m, b - n) * s['W'][m, n] for m in range(2) for n in range(2)) for b in range(4)] for a in range(4)])])))
    c.append(('$$dX_{0,0} = ', 'dX_{0,0}', lambda s: (s['dX'][0, 0], [s['dY'][0, 0] * s['W'][0, 0]])))
    c.append(('$$dX_{1,1} = ', 'dX_{1,1}', lambda s: (s['dX'][1, 1], [s['dY'][1, 1] * s['W'][0, 0] + s['dY'][1, 0] * s['W'][0, 1] + s['dY'][0, 1] * s['W'][1, 0] + s['dY'][0, 0] * s['W'][1, 1]])))
    c.append(('$$dX_{1,0} = ', 'dX_{1,0}', lambda s: (s['dX'][1, 0], [s['dY'][1, 0] * s['W'][0, 0] + s['dY'][0, 0] * s['W'][0, 1]])))
    c.append(('$$dX_{2,1} = ', 'dX_{2,1}', lambda s: (s['dX'][2, 1], [s['dY'][2, 1] * s['W'][0, 0] + s['dY'][2, 0] * s['W'][0, 1] + s['dY'][1, 1] * s['W'][1, 0]])))
    c.append(('$$dX_{0,3} = ', 'dX_{0,3}', lambda s: (s['dX'][0, 3], [s['dY'][0, 2] * s['W'][0, 1]])))
    c.append(('$$dX_{3,3} = ', 'dX_{3,3}', lambda s: (s['dX'][3, 3], [s['dY'][2, 2] * s['W'][1, 1]])))
    return c


FILES['01_numpy_conv.md'] = dict(sample=f01_sample, claims=_f01())


# ----------------------------------------------------------------------------- 02 Goodfellow (channels first)
def f02_sample():
    V = RNG.normal(size=(2, 3, 3)); K = RNG.normal(size=(1, 2, 2, 2)); G = RNG.normal(size=(1, 2, 2))
    Z = conv_layer(V, K)
    dK = fd_grad(lambda k: np.sum(G * conv_layer(V, k)), K)
    dV = fd_grad(lambda v: np.sum(G * conv_layer(v, K)), V)
    return dict(V=V, K=K, G=G, Z=Z, dK=dK, dV=dV)


def _f02():
    c = []

    def Zgen(s):
        V, K = s['V'], s['K']
        return grid((1, 2, 2), lambda i, j, k: sum(at(V, l, j + m - 1, k + n - 1) * at(K, i, l, m, n) for l in (1, 2) for m in (1, 2) for n in (1, 2)))
    c.append(('Z_{i,j,k} = ', 'Z_{i,j,k}', lambda s: (s['Z'], [Zgen(s)])))

    def Z111(s):
        V, K = s['V'], s['K']
        return sum(at(V, l, 1, 1) * at(K, 1, l, 1, 1) + at(V, l, 1, 2) * at(K, 1, l, 1, 2) + at(V, l, 2, 1) * at(K, 1, l, 2, 1) + at(V, l, 2, 2) * at(K, 1, l, 2, 2) for l in (1, 2))
    c.append(('Z_{1,1,1} = ', 'Z_{1,1,1}', lambda s: (s['Z'][0, 0, 0], [Z111(s)])))

    def dKgen(s):
        V, G = s['V'], s['G']
        return grid((1, 2, 2, 2), lambda i, j, k, l: sum(at(G, i, m, n) * at(V, j, m + k - 1, n + l - 1) for m in (1, 2) for n in (1, 2)))
    c.append((r'\partial K_{i,j,k,l}} J', r'\frac{\partial}{\partial K_{i,j,k,l}} J', lambda s: (s['dK'], [dKgen(s)])))
    c.append((r'\partial K_{1,2,1,2}}', r'\frac{\partial J}{\partial K_{1,2,1,2}}', lambda s: (at(s['dK'], 1, 2, 1, 2), [
        at(s['G'], 1, 1, 1) * at(s['V'], 2, 1, 2) + at(s['G'], 1, 1, 2) * at(s['V'], 2, 1, 3) + at(s['G'], 1, 2, 1) * at(s['V'], 2, 2, 2) + at(s['G'], 1, 2, 2) * at(s['V'], 2, 2, 3)])))
    c.append((r'\partial K_{1,2,2,1}}', r'\frac{\partial J}{\partial K_{1,2,2,1}}', lambda s: (at(s['dK'], 1, 2, 2, 1), [
        sum(at(s['G'], 1, m, n) * at(s['V'], 2, m + 2, n + 1) for m in (1, 2) for n in (1, 2))])))

    def dVconstr(s):
        K, G = s['K'], s['G']
        def f(i, j, k):
            tot = 0.0
            for l in (1, 2):
                for m in (1, 2):
                    if (l - 1) + m != j:
                        continue
                    for n in (1, 2):
                        for p in (1, 2):
                            if (n - 1) + p != k:
                                continue
                            tot += sum(at(K, q, i, m, p) * at(G, q, l, n) for q in (1,))
            return tot
        return grid((2, 3, 3), f)
    c.append((r'\partial V_{i,j,k}} J', r'\frac{\partial}{\partial V_{i,j,k}} J', lambda s: (s['dV'], [dVconstr(s)])))

    def dVgen(s):
        K, G = s['K'], s['G']
        return grid((2, 3, 3), lambda i, j, k: sum(at(K, q, i, m, p) * at(G, q, j - m + 1, k - p + 1) for q in (1,) for m in (1, 2) for p in (1, 2)))
    c.append((r'\frac{\partial J}{\partial V_{i,j,k}}', r'\frac{\partial J}{\partial V_{i,j,k}}', lambda s: (s['dV'], [dVgen(s)])))
    K_, G_ = (lambda s, *i: at(s['K'], *i)), (lambda s, *i: at(s['G'], *i))
    c.append((r'\partial V_{1,2,2}}', r'\frac{\partial J}{\partial V_{1,2,2}}', lambda s: (at(s['dV'], 1, 2, 2), [
        K_(s, 1, 1, 1, 1) * G_(s, 1, 2, 2) + K_(s, 1, 1, 1, 2) * G_(s, 1, 2, 1) + K_(s, 1, 1, 2, 1) * G_(s, 1, 1, 2) + K_(s, 1, 1, 2, 2) * G_(s, 1, 1, 1)])))
    c.append((r'\partial V_{2,2,2}}', r'\frac{\partial J}{\partial V_{2,2,2}}', lambda s: (at(s['dV'], 2, 2, 2), [
        K_(s, 1, 2, 1, 1) * G_(s, 1, 1, 1) + K_(s, 1, 2, 1, 2) * G_(s, 1, 1, 2) + K_(s, 1, 2, 2, 1) * G_(s, 1, 2, 1) + K_(s, 1, 2, 2, 2) * G_(s, 1, 2, 2)])))
    c.append((r'\partial V_{2,1,3}}', r'\frac{\partial J}{\partial V_{2,1,3}}', lambda s: (at(s['dV'], 2, 1, 3), [K_(s, 1, 2, 1, 2) * G_(s, 1, 1, 2)])))
    c.append((r'\partial V_{1,2,1}}', r'\frac{\partial J}{\partial V_{1,2,1}}', lambda s: (at(s['dV'], 1, 2, 1), [K_(s, 1, 1, 1, 1) * G_(s, 1, 2, 1)])))
    return c


FILES['02_goodfellow_conv.tex'] = dict(sample=f02_sample, claims=_f02())


# ----------------------------------------------------------------------------- 03 Bishop (dense-tanh-dense-softmax CE)
def f03_forward(x, W1, b1, W2, b2, t):
    a1 = W1 @ x + b1; z = np.tanh(a1); a2 = W2 @ z + b2; y = softmax(a2)
    return a1, z, a2, y, -np.sum(t * np.log(y))


def f03_sample():
    x = RNG.normal(size=3); W1 = RNG.normal(size=(3, 3)); b1 = RNG.normal(size=3)
    W2 = RNG.normal(size=(2, 3)); b2 = RNG.normal(size=2); t = RNG.dirichlet([1, 1])
    a1, z, a2, y, E = f03_forward(x, W1, b1, W2, b2, t)
    L = lambda **kw: f03_forward(**{**dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2, t=t), **kw})[4]
    s = dict(x=x, W1=W1, b1=b1, W2=W2, b2=b2, t=t, a1=a1, z=z, a2=a2, y=y, E=E)
    s['dW1'] = cs_grad(lambda v: L(W1=v), W1); s['db1'] = cs_grad(lambda v: L(b1=v), b1)
    s['dW2'] = cs_grad(lambda v: L(W2=v), W2); s['db2'] = cs_grad(lambda v: L(b2=v), b2)
    s['dy'] = cs_grad(lambda v: -np.sum(t * np.log(v)), y)                # E as a function of y alone
    s['Jy'] = cs_jac(softmax, a2)                                           # dy_k / da_k'
    s['delta_k'] = cs_grad(lambda v: -np.sum(t * np.log(softmax(v))), a2)
    s['delta_j'] = cs_grad(lambda v: -np.sum(t * np.log(softmax(W2 @ np.tanh(v) + b2))), a1)
    s['dz'] = cs_grad(lambda v: -np.sum(t * np.log(softmax(W2 @ v + b2))), z)
    s['hprime'] = cs_grad(lambda v: np.sum(np.tanh(v)), a1)                 # h'(a_j), elementwise
    return s


def _f03():
    c = []
    c.append(('$$a_j = ', 'a_j', lambda s: (s['a1'], [np.array([sum(s['W1'][j, i] * s['x'][i] for i in range(3)) + s['b1'][j] for j in range(3)])])))
    c.append(('$$z_j = ', 'z_j', lambda s: (s['z'], [np.tanh(s['a1'])])))
    c.append(('$$a_k = ', 'a_k', lambda s: (s['a2'], [np.array([sum(s['W2'][k, j] * s['z'][j] for j in range(3)) + s['b2'][k] for k in range(2)])])))
    c.append(('$$y_k = ', 'y_k', lambda s: (s['y'], [np.exp(s['a2']) / np.exp(s['a2']).sum()])))
    c.append(('$$E_n = ', 'E_n', lambda s: (s['E'], [-np.sum(s['t'] * np.log(s['y']))])))
    c.append((r'using $\sum_k t_k = 1$', r'\sum_k t_k', lambda s: (np.sum(s['t']), [1.0])))
    c.append((r'{\partial y_k} = \frac{t_k}{y_k}', r'\frac{\partial E_n}{\partial y_k}', lambda s: (s['dy'], [s['t'] / s['y']])))
    c.append(("\\partial a_{k'}}", r"\frac{\partial y_k}{\partial a_{k'}}", lambda s: (s['Jy'], [grid((2, 2), lambda k, kk: at(s['y'], k) * ((k == kk) - at(s['y'], kk)))])))
    c.append(('$$\\delta_k = ', '\\delta_k', lambda s: (s['delta_k'], [s['y'] - s['t']])))
    c.append((r'\partial w^{(2)}_{kj}}', r'\frac{\partial E_n}{\partial w^{(2)}_{kj}}', lambda s: (s['dW2'], [np.outer(s['delta_k'], s['z'])])))
    c.append(('$$\\delta_j = ', '\\delta_j', lambda s: (s['delta_j'], [grid((3,), lambda j: at(s['hprime'], j) * sum(at(s['W2'], j, k) * at(s['delta_k'], k) for k in (1, 2)))])))
    c.append(("$$h'(a_j) = ", "h'(a_j)", lambda s: (s['hprime'], [1 - s['z'] ** 2])))
    c.append((r'\partial w^{(1)}_{ji}}', r'\frac{\partial E_n}{\partial w^{(1)}_{ji}}', lambda s: (s['dW1'], [
        np.outer(s['delta_j'], s['x']),
        grid((3, 3), lambda j, i: at(s['x'], i) * sum(at(s['W2'], k, j) * (at(s['y'], k) - at(s['t'], k)) for k in (1, 2)))])))
    c.append((r'\partial w^{(1)}_{j0}}', r'\frac{\partial E_n}{\partial w^{(1)}_{j0}}', lambda s: (s['db1'], [s['delta_j']])))
    c.append((r'\partial w^{(2)}_{k0}}', r'\frac{\partial E_n}{\partial w^{(2)}_{k0}}', lambda s: (s['db2'], [s['delta_k']])))
    return c


FILES['03_bishop_backprop.md'] = dict(sample=f03_sample, claims=_f03())


# ----------------------------------------------------------------------------- 04 matrix form (conv-relu-vec-dense-half SE)
def f04_forward(X, K, b, W, c, t):
    Z = corr_nd(X, K) + b; A = np.maximum(0, Z); a = A.flatten(order='F'); yh = W @ a + c
    return Z, A, a, yh, 0.5 * np.sum((yh - t) ** 2)


def f04_sample():
    X = RNG.normal(size=(4, 4)); K = RNG.normal(size=(2, 2)); b = np.array(RNG.normal())
    W = RNG.normal(size=(2, 9)); cc = RNG.normal(size=2); t = RNG.normal(size=2)
    Z, A, a, yh, L = f04_forward(X, K, b, W, cc, t)
    base = dict(X=X, K=K, b=b, W=W, c=cc, t=t)
    Lf = lambda **kw: f04_forward(**{**base, **kw})[4]
    s = dict(base, Z=Z, A=A, a=a, yh=yh, L=L)
    s['dyh'] = fd_grad(lambda v: 0.5 * np.sum((v - t) ** 2), yh)
    s['dW'] = fd_grad(lambda v: Lf(W=v), W); s['dc'] = fd_grad(lambda v: Lf(c=v), cc)
    s['da'] = fd_grad(lambda v: 0.5 * np.sum((W @ v + cc - t) ** 2), a)
    s['dA'] = fd_grad(lambda v: 0.5 * np.sum((W @ v.flatten(order='F') + cc - t) ** 2), A)
    s['dZ'] = fd_grad(lambda v: 0.5 * np.sum((W @ np.maximum(0, v).flatten(order='F') + cc - t) ** 2), Z)
    s['dK'] = fd_grad(lambda v: Lf(K=v), K); s['db'] = fd_grad(lambda v: Lf(b=v), b)
    s['dX'] = fd_grad(lambda v: Lf(X=v), X)
    return s


def _f04():
    c = []
    c.append(('$$Z = ', 'Z', lambda s: (s['Z'], [corr_nd(s['X'], s['K']) + s['b']])))
    c.append(('$$A = ', 'A', lambda s: (s['A'], [np.maximum(0, s['Z'])])))
    c.append(('$$a = ', 'a', lambda s: (s['a'], [s['A'].flatten(order='F')])))
    c.append(('$$\\hat{y} = ', '\\hat{y}', lambda s: (s['yh'], [s['W'] @ s['a'] + s['c']])))
    c.append(('$$L = ', 'L', lambda s: (s['L'], [0.5 * np.linalg.norm(s['yh'] - s['t']) ** 2])))
    c.append((r'{\partial \hat{y}} = ', r'\frac{\partial L}{\partial \hat{y}}', lambda s: (s['dyh'], [s['yh'] - s['t']])))
    c.append((r'{\partial W} = ', r'\frac{\partial L}{\partial W}', lambda s: (s['dW'], [np.outer(s['a'], s['yh'] - s['t'])])))
    c.append((r'{\partial c} = ', r'\frac{\partial L}{\partial c}', lambda s: (s['dc'], [s['yh'] - s['t']])))
    # W (2x9) times a 2-vector is undefined: no value
    c.append((r'{\partial a} = ', r'\frac{\partial L}{\partial a}', lambda s: (s['da'], [None if s['W'].shape[1] != 2 else s['W'] @ (s['yh'] - s['t'])])))
    c.append((r'{\partial A} = ', r'\frac{\partial L}{\partial A}', lambda s: (s['dA'], [s['da'].reshape((3, 3), order='F')])))
    c.append((r'{\partial Z} = ', r'\frac{\partial L}{\partial Z}', lambda s: (s['dZ'], [s['dA'] * (s['Z'] > 0)])))
    c.append((r'{\partial K} = ', r'\frac{\partial L}{\partial K}', lambda s: (s['dK'], [corr_nd(s['X'], s['dZ'])])))
    c.append((r'{\partial b} = ', r'\frac{\partial L}{\partial b}', lambda s: (s['db'], [np.ones(3) @ s['dZ'] @ np.ones(3)])))
    c.append((r'{\partial X} = ', r'\frac{\partial L}{\partial X}', lambda s: (s['dX'], [corr_nd(np.pad(s['dZ'], 1), s['K'])])))
    return c


FILES['04_matrix_form.md'] = dict(sample=f04_sample, claims=_f04())


# ----------------------------------------------------------------------------- 05 one formula (2-2-1 sigmoid, half SE)
def f05_loss(x, W1, b1, W2, b2, t):
    h = sigmoid(W1 @ x + b1); o = sigmoid(W2 @ h + b2)
    return 0.5 * np.sum((o - t) ** 2)


def f05_sample():
    base = dict(x=RNG.normal(size=2), W1=RNG.normal(size=(2, 2)), b1=RNG.normal(size=2),
                W2=RNG.normal(size=(1, 2)), b2=RNG.normal(size=1), t=RNG.uniform(size=1))
    Lf = lambda **kw: f05_loss(**{**base, **kw})
    s = dict(base)
    s['L'] = Lf()
    for n in ('x', 'W1', 'b1', 'W2', 'b2'):
        s['d' + n] = cs_grad(lambda v: Lf(**{n: v}), base[n])
    return s


def f05_parts(s):
    """The student's substituted pieces, written from the notes' formula."""
    x1, x2 = s['x']; W1, b1, W2, b2, t = s['W1'], s['b1'], s['W2'], s['b2'][0], s['t'][0]
    U1 = W1[0, 0] * x1 + W1[0, 1] * x2 + b1[0]
    U2 = W1[1, 0] * x1 + W1[1, 1] * x2 + b1[1]
    S1, S2 = sigmoid(U1), sigmoid(U2)
    SV = sigmoid(W2[0, 0] * S1 + W2[0, 1] * S2 + b2)
    return dict(S1=S1, S2=S2, SV=SV, E=SV - t, Eneg=t - SV, DV=SV * (1 - SV), D1=S1 * (1 - S1), D2=S2 * (1 - S2),
                x1=x1, x2=x2, W1=W1, W2=W2)


def _f05():
    P = f05_parts
    c = []
    c.append(('$$L = ', 'L', lambda s: (s['L'], [0.5 * P(s)['E'] ** 2])))
    c.append((r'\partial b^{[2]}}', r'\frac{\partial L}{\partial b^{[2]}}', lambda s: (s['db2'][0], [P(s)['E'] * P(s)['DV']])))
    c.append((r'\partial W^{[2]}_{11}}', r'\frac{\partial L}{\partial W^{[2]}_{11}}', lambda s: (s['dW2'][0, 0], [P(s)['E'] * P(s)['DV'] * P(s)['S1']])))
    c.append((r'\partial W^{[2]}_{12}}', r'\frac{\partial L}{\partial W^{[2]}_{12}}', lambda s: (s['dW2'][0, 1], [P(s)['Eneg'] * P(s)['DV'] * P(s)['S2']])))
    c.append((r'\partial W^{[1]}_{11}}', r'\frac{\partial L}{\partial W^{[1]}_{11}}', lambda s: (s['dW1'][0, 0], [P(s)['E'] * P(s)['DV'] * P(s)['W2'][0, 0] * P(s)['D1'] * P(s)['x1']])))
    c.append((r'\partial W^{[1]}_{12}}', r'\frac{\partial L}{\partial W^{[1]}_{12}}', lambda s: (s['dW1'][0, 1], [P(s)['E'] * P(s)['DV'] * P(s)['W2'][0, 0] * P(s)['D1'] * P(s)['x2']])))
    c.append((r'\partial W^{[1]}_{21}}', r'\frac{\partial L}{\partial W^{[1]}_{21}}', lambda s: (s['dW1'][1, 0], [P(s)['E'] * P(s)['DV'] * P(s)['W2'][0, 1] * P(s)['x1']])))
    c.append((r'\partial b^{[1]}_2}', r'\frac{\partial L}{\partial b^{[1]}_2}', lambda s: (s['db1'][1], [P(s)['E'] * P(s)['DV'] * P(s)['W2'][0, 1] * P(s)['D2']])))
    c.append((r'\partial x_1}', r'\frac{\partial L}{\partial x_1}', lambda s: (s['dx'][0], [P(s)['E'] * P(s)['DV'] * P(s)['W2'][0, 0] * P(s)['D1'] * P(s)['W1'][0, 0]])))
    c.append((r'\partial x_2}', r'\frac{\partial L}{\partial x_2}', lambda s: (s['dx'][1], [P(s)['E'] * P(s)['DV'] * (
        P(s)['W2'][0, 0] * P(s)['D1'] * P(s)['W1'][0, 1] + P(s)['W2'][0, 1] * P(s)['D2'] * P(s)['W1'][1, 1])])))
    return c


FILES['05_one_formula.md'] = dict(sample=f05_sample, claims=_f05())


# ----------------------------------------------------------------------------- 06 worked numbers (3x3, 2x2, bias)
def f06_state(x, k, b, g):
    y = corr_nd(x, k) + b
    return dict(x=x, k=k, b=b, g=g, y=y,
                dk=fd_grad(lambda v: np.sum(g * (corr_nd(x, v) + b)), k),
                db=fd_grad(lambda v: np.sum(g * (corr_nd(x, k) + v)), np.array(float(b))),
                dx=fd_grad(lambda v: np.sum(g * (corr_nd(v, k) + b)), x))


def f06_sample():
    return f06_state(RNG.normal(size=(3, 3)), RNG.normal(size=(2, 2)), RNG.normal(), RNG.normal(size=(2, 2)))


def f06_fixed():
    return f06_state(np.array([[2, 1, 0], [1, 3, 1], [0, 2, 1]], float), np.array([[1, -1], [2, 0]], float), 1.0,
                     np.array([[1, 2], [-1, 1]], float))


def _f06():
    X = lambda s, i, j: at(s['x'], i, j); Kk = lambda s, i, j: at(s['k'], i, j); Gg = lambda s, i, j: at(s['g'], i, j)
    c = []
    c.append(('$$y_{1,1} = ', 'y_{1,1}', lambda s: (s['y'][0, 0], [
        X(s, 1, 1) * Kk(s, 1, 1) + X(s, 1, 2) * Kk(s, 1, 2) + X(s, 2, 1) * Kk(s, 2, 1) + X(s, 2, 2) * Kk(s, 2, 2) + s['b'],
        2 * 1 + 1 * (-1) + 1 * 2 + 3 * 0 + 1, 4])))
    c.append(('$$y_{1,2} = ', 'y_{1,2}', lambda s: (s['y'][0, 1], [
        X(s, 1, 2) * Kk(s, 1, 1) + X(s, 1, 3) * Kk(s, 1, 2) + X(s, 2, 2) * Kk(s, 2, 1) + X(s, 2, 3) * Kk(s, 2, 2) + s['b'],
        1 + 0 + 6 + 0 + 1, 8])))
    c.append(('$$y_{2,1} = ', 'y_{2,1}', lambda s: (s['y'][1, 0], [
        X(s, 2, 1) * Kk(s, 1, 1) + X(s, 2, 2) * Kk(s, 1, 2) + X(s, 3, 1) * Kk(s, 2, 1) + X(s, 3, 2) * Kk(s, 2, 2) + s['b'],
        1 - 3 + 0 + 0 + 1, 1])))
    c.append(('$$y_{2,2} = ', 'y_{2,2}', lambda s: (s['y'][1, 1], [
        X(s, 2, 2) * Kk(s, 1, 1) + X(s, 2, 3) * Kk(s, 1, 2) + X(s, 3, 2) * Kk(s, 2, 1) + X(s, 3, 3) * Kk(s, 2, 2) + s['b'],
        3 - 1 + 4 + 0 + 1, 7])))
    c.append((r'\partial k_{1,1}}', r'\frac{\partial L}{\partial k_{1,1}}', lambda s: (s['dk'][0, 0], [
        Gg(s, 1, 1) * X(s, 1, 1) + Gg(s, 1, 2) * X(s, 1, 2) + Gg(s, 2, 1) * X(s, 2, 1) + Gg(s, 2, 2) * X(s, 2, 2), 2 + 2 - 1 + 3, 6])))
    c.append((r'\partial k_{1,2}}', r'\frac{\partial L}{\partial k_{1,2}}', lambda s: (s['dk'][0, 1], [
        Gg(s, 1, 1) * X(s, 1, 2) + Gg(s, 1, 2) * X(s, 1, 3) + Gg(s, 2, 1) * X(s, 2, 2) + Gg(s, 2, 2) * X(s, 2, 3), 1 + 0 - 3 + 1, -1])))
    c.append((r'\partial k_{2,1}}', r'\frac{\partial L}{\partial k_{2,1}}', lambda s: (s['dk'][1, 0], [
        Gg(s, 1, 1) * X(s, 2, 2) + Gg(s, 1, 2) * X(s, 2, 3) + Gg(s, 2, 1) * X(s, 3, 2) + Gg(s, 2, 2) * X(s, 3, 3), 3 + 2 - 2 + 1, 4])))
    c.append((r'\partial k_{2,2}}', r'\frac{\partial L}{\partial k_{2,2}}', lambda s: (s['dk'][1, 1], [
        Gg(s, 1, 1) * X(s, 2, 2) + Gg(s, 1, 2) * X(s, 2, 3) + Gg(s, 2, 1) * X(s, 3, 2) + Gg(s, 2, 2) * X(s, 3, 3), 4])))
    c.append((r'\partial b} = ', r'\frac{\partial L}{\partial b}', lambda s: (s['db'], [s['g'].sum(), 3])))
    c.append((r'\partial x_{1,1}}', r'\frac{\partial L}{\partial x_{1,1}}', lambda s: (s['dx'][0, 0], [Gg(s, 1, 1) * Kk(s, 1, 1), 1])))
    c.append((r'\partial x_{2,2}}', r'\frac{\partial L}{\partial x_{2,2}}', lambda s: (s['dx'][1, 1], [
        Gg(s, 1, 1) * Kk(s, 2, 2) + Gg(s, 1, 2) * Kk(s, 2, 1) + Gg(s, 2, 1) * Kk(s, 1, 2) + Gg(s, 2, 2) * Kk(s, 1, 1), 0 + 4 + 1 + 1, 6])))
    c.append((r'\partial x_{2,3}}', r'\frac{\partial L}{\partial x_{2,3}}', lambda s: (s['dx'][1, 2], [
        Gg(s, 1, 2) * Kk(s, 1, 1) + Gg(s, 2, 2) * Kk(s, 2, 1), 2 + 2, 4])))
    c.append((r'\partial x_{3,3}}', r'\frac{\partial L}{\partial x_{3,3}}', lambda s: (s['dx'][2, 2], [Gg(s, 2, 2) * Kk(s, 2, 2), 0])))
    return [cl + ('fixed',) for cl in c]


FILES['06_worked_numbers.md'] = dict(sample=f06_sample, fixed=f06_fixed, claims=_f06())


# ----------------------------------------------------------------------------- 07 stride 2, padding 1 (5x5, 3x3)
def f07_sample():
    x = RNG.normal(size=(5, 5)); k = RNG.normal(size=(3, 3)); g = RNG.normal(size=(3, 3))
    y = corr_nd(x, k, stride=2, pad=1)
    return dict(x=x, k=k, g=g, y=y,
                dk=fd_grad(lambda v: np.sum(g * corr_nd(x, v, 2, 1)), k),
                dx=fd_grad(lambda v: np.sum(g * corr_nd(v, k, 2, 1)), x))


def _f07():
    x = lambda s, i, j: at(s['x'], i, j); k = lambda s, i, j: at(s['k'], i, j); g = lambda s, i, j: at(s['g'], i, j)
    c = []
    c.append((r'H_{\text{out}} = ', r'H_{\text{out}}', lambda s: (s['y'].shape[0], [np.floor((5 + 2 * 1 - 3) / 2) + 1, 3])))
    c.append(('y_{r,s} = ', 'y_{r,s}', lambda s: (s['y'], [grid((3, 3), lambda r, ss: sum(k(s, p, q) * x(s, 2 * r + p - 3, 2 * ss + q - 3) for p in (1, 2, 3) for q in (1, 2, 3)))])))
    c.append(('y_{1,1} &= ', 'y_{1,1}', lambda s: (s['y'][0, 0], [k(s, 2, 2) * x(s, 1, 1) + k(s, 2, 3) * x(s, 1, 2) + k(s, 3, 2) * x(s, 2, 1) + k(s, 3, 3) * x(s, 2, 2)])))
    c.append(('y_{2,3} &= ', 'y_{2,3}', lambda s: (s['y'][1, 2], [sum(k(s, p, q) * x(s, p + 1, q + 3) for p in (1, 2, 3) for q in (1, 2))])))
    c.append((r'\partial k_{p,q}}', r'\frac{\partial L}{\partial k_{p,q}}', lambda s: (s['dk'], [grid((3, 3), lambda p, q: sum(g(s, r, ss) * x(s, 2 * r + p - 3, 2 * ss + q - 3) for r in (1, 2, 3) for ss in (1, 2, 3)))])))
    c.append((r'\partial k_{1,1}}', r'\frac{\partial L}{\partial k_{1,1}}', lambda s: (s['dk'][0, 0], [g(s, 2, 2) * x(s, 2, 2) + g(s, 2, 3) * x(s, 2, 4) + g(s, 3, 2) * x(s, 4, 2) + g(s, 3, 3) * x(s, 4, 4)])))
    c.append((r'\partial k_{2,3}}', r'\frac{\partial L}{\partial k_{2,3}}', lambda s: (s['dk'][1, 2], [sum(g(s, r, ss) * x(s, 2 * r - 1, 2 * ss) for r in (1, 2) for ss in (1, 2))])))
    c.append((r'\partial x_{i,j}}', r'\frac{\partial L}{\partial x_{i,j}}', lambda s: (s['dx'], [grid((5, 5), lambda i, j: sum(g(s, r, ss) * k(s, i - 2 * r + 3, j - 2 * ss + 3) for r in (1, 2, 3) for ss in (1, 2, 3)))])))
    c.append((r'\partial x_{2,2}}', r'\frac{\partial L}{\partial x_{2,2}}', lambda s: (s['dx'][1, 1], [g(s, 1, 1) * k(s, 3, 3) + g(s, 1, 2) * k(s, 3, 1) + g(s, 2, 1) * k(s, 1, 3)])))
    c.append((r'\partial x_{3,3}}', r'\frac{\partial L}{\partial x_{3,3}}', lambda s: (s['dx'][2, 2], [g(s, 2, 2) * k(s, 2, 2)])))
    c.append((r'\partial x_{2,3}}', r'\frac{\partial L}{\partial x_{2,3}}', lambda s: (s['dx'][1, 2], [g(s, 1, 2) * k(s, 3, 2) + g(s, 2, 2) * k(s, 1, 2)])))
    c.append((r'\partial x_{5,5}}', r'\frac{\partial L}{\partial x_{5,5}}', lambda s: (s['dx'][4, 4], [g(s, 3, 3) * k(s, 2, 2)])))
    c.append((r'\partial x_{4,1}}', r'\frac{\partial L}{\partial x_{4,1}}', lambda s: (s['dx'][3, 0], [g(s, 2, 1) * k(s, 1, 2) + g(s, 3, 1) * k(s, 3, 2)])))
    return c


FILES['07_stride2_padded.tex'] = dict(sample=f07_sample, claims=_f07())


# ----------------------------------------------------------------------------- 08 relu + 2x2 max pooling
def maxpool(a):
    return np.array([[a[2 * u:2 * u + 2, 2 * v:2 * v + 2].max() for v in range(2)] for u in range(2)])


def first_max_switch(a):
    """1-based (i, j) -> True when a_{i,j} is the first maximum (row-major) of its 2x2 window (PyTorch)."""
    sw = np.zeros((4, 4), bool)
    for u in range(2):
        for v in range(2):
            w = a[2 * u:2 * u + 2, 2 * v:2 * v + 2]
            f = np.argmax(w.reshape(-1))            # numpy's argmax returns the first maximum
            sw[2 * u + f // 2, 2 * v + f % 2] = True
    return sw


def f08_state(x, d, check_fd):
    a = np.maximum(0, x); m = maxpool(a); sw = first_max_switch(a)
    da = np.zeros((4, 4))
    for i in range(4):
        for j in range(4):
            if sw[i, j]:
                da[i, j] = d[i // 2, j // 2]
    dx = da * (x > 0)
    if check_fd:   # the switch rule against finite differences, away from ties and kinks
        assert same(da, fd_grad(lambda v: np.sum(d * maxpool(v)), a), 1e-6)
        assert same(dx, fd_grad(lambda v: np.sum(d * maxpool(np.maximum(0, v))), x), 1e-6)
    return dict(x=x, d=d, a=a, m=m, sw=sw, da=da, dx=dx)


def f08_sample():
    while True:   # every window with a positive maximum, so that the max has no tie (no kink)
        x = RNG.normal(size=(4, 4))
        x[np.abs(x) < 1e-3] = 0.5
        if maxpool(x).min() > 1e-3:
            break
    return f08_state(x, RNG.normal(size=(2, 2)), True)


def f08_fixed():
    x = np.array([[1, -2, 3, 1], [4, 2, -1, 3], [-3, -1, 5, 5], [-4, -2, 2, 1]], float)
    return f08_state(x, np.array([[1, 2], [3, -1]], float), False)


def _f08():
    a = lambda s, i, j: at(s['a'], i, j); dl = lambda s, u, v: at(s['d'], u, v)
    R, F = 'random', 'fixed'
    c = []
    c.append(('$$a_{i,j} = ', 'a_{i,j}', lambda s: (s['a'], [np.maximum(0, s['x'])]), R))
    c.append(('$$m_{u,v} = ', 'm_{u,v}', lambda s: (s['m'], [grid((2, 2), lambda u, v: max(a(s, 2 * u - 1, 2 * v - 1), a(s, 2 * u - 1, 2 * v), a(s, 2 * u, 2 * v - 1), a(s, 2 * u, 2 * v)))]), R))
    c.append((r'\partial a_{i,j}} = \begin{cases}', r'\frac{\partial L}{\partial a_{i,j}}', lambda s: (s['da'], [
        grid((4, 4), lambda i, j: dl(s, i // 2, j // 2) if s['sw'][i - 1, j - 1] else 0.0)]), R))
    c.append((r'\partial x_{i,j}} = ', r'\frac{\partial L}{\partial x_{i,j}}', lambda s: (s['dx'], [s['da'] * (s['x'] > 0)]), R))
    c.append((r'$$\sum_{i,j}', r'\sum_{i,j} \frac{\partial L}{\partial a_{i,j}}', lambda s: (s['da'].sum(), [s['d'].sum()]), R))
    c.append((r'$$\sum_{i,j}', r'\sum_{i,j} \frac{\partial L}{\partial a_{i,j}}', lambda s: (s['da'].sum(), [s['d'].sum()]), F))
    c.append(('$$m = ', 'm', lambda s: (s['m'], [np.array([[4, 3], [0, 5]])]), F))
    c.append(('$$m_{1,2} = ', 'm_{1,2}', lambda s: (s['m'][0, 1], [max(3, 1, 0, 3), 3]), F))
    c.append(('$a_{1,3} = a_{2,4} = 3$', 'a_{1,3}', lambda s: (a(s, 1, 3), [a(s, 2, 4), 3]), F))
    c.append((r'\partial x_{2,1}}', r'\frac{\partial L}{\partial x_{2,1}}', lambda s: (s['dx'][1, 0], [dl(s, 1, 1), 1]), F))
    c.append((r'\partial x_{1,3}}', r'\frac{\partial L}{\partial x_{1,3}}', lambda s: (s['dx'][0, 2], [dl(s, 1, 2), 2]), F))
    c.append((r'\partial x_{2,4}}', r'\frac{\partial L}{\partial x_{2,4}}', lambda s: (s['dx'][1, 3], [0]), F))
    c.append((r'\partial x_{3,1}}', r'\frac{\partial L}{\partial x_{3,1}}', lambda s: (s['dx'][2, 0], [dl(s, 2, 1), 3]), F))
    c.append((r'\partial x_{3,3}}', r'\frac{\partial L}{\partial x_{3,3}}', lambda s: (s['dx'][2, 2], [dl(s, 2, 2), 1]), F))
    return c


FILES['08_maxpool_relu.md'] = dict(sample=f08_sample, fixed=f08_fixed, claims=_f08())


# ----------------------------------------------------------------------------- 09 softmax cross-entropy
def f09_forward(x, W, b, t):
    z = W @ x + b; p = softmax(z)
    return z, p, -np.sum(t * np.log(p))


def f09_sample():
    base = dict(x=RNG.normal(size=3), W=RNG.normal(size=(3, 3)), b=RNG.normal(size=3), t=RNG.dirichlet([1, 1, 1]))
    z, p, L = f09_forward(**base)
    Lf = lambda **kw: f09_forward(**{**base, **kw})[2]
    t = base['t']
    s = dict(base, z=z, p=p, L=L)
    s['J'] = cs_jac(softmax, z)
    s['dp'] = cs_grad(lambda v: -np.sum(t * np.log(v)), p)
    s['dz'] = cs_grad(lambda v: -np.sum(t * np.log(softmax(v))), z)
    for n in ('x', 'W', 'b'):
        s['d' + n] = cs_grad(lambda v: Lf(**{n: v}), base[n])
    return s


def _f09():
    c = []
    kd = lambda i, j: float(i == j)
    c.append(('z &= ', 'z', lambda s: (s['z'], [s['W'] @ s['x'] + s['b']])))
    c.append(('p_i &= ', 'p_i', lambda s: (s['p'], [np.exp(s['z']) / np.exp(s['z']).sum()])))
    c.append(('L &= ', 'L', lambda s: (s['L'], [-np.sum(s['t'] * np.log(s['p']))])))
    c.append(('L = \\log', 'L', lambda s: (s['L'], [np.log(np.exp(s['z']).sum()) - np.sum(s['t'] * s['z'])])))
    c.append((r'$\sum_i t_i = 1$', r'\sum_i t_i', lambda s: (s['t'].sum(), [1.0])))
    c.append((r'{\partial z_j} &= p_i(\delta_{ij}', r'\frac{\partial p_i}{\partial z_j}', lambda s: (s['J'], [grid((3, 3), lambda i, j: at(s['p'], i) * (kd(i, j) - at(s['p'], j)))])))
    c.append((r'{\partial z_i} &= ', r'\frac{\partial p_i}{\partial z_i}', lambda s: (np.diag(s['J']), [s['p'] * (1 - s['p'])])))
    offdiag = lambda M: M[~np.eye(3, dtype=bool)]
    c.append((r'&= p_i p_j', r'\frac{\partial p_i}{\partial z_j}', lambda s: (offdiag(s['J']), [offdiag(np.outer(s['p'], s['p']))])))
    c.append((r'{\partial z} = ', r'\frac{\partial p}{\partial z}', lambda s: (s['J'], [np.diag(s['p']) - np.outer(s['p'], s['p'])])))
    c.append((r'{\partial p_i} = ', r'\frac{\partial L}{\partial p_i}', lambda s: (s['dp'], [-s['t'] / s['p']])))
    c.append((r'= -t_j(1 - p_j)', r'\frac{\partial L}{\partial z_j}', lambda s: (s['dz'], [s['dp'] * np.diag(s['J']), -s['t'] * (1 - s['p'])])))
    c.append((r'= p_j - t_j', r'\frac{\partial L}{\partial z_j}', lambda s: (s['dz'], [
        grid((3,), lambda j: sum(at(s['dp'], i) * at(s['J'], i, j) for i in (1, 2, 3))),
        grid((3,), lambda j: -sum(at(s['t'], i) * (kd(i, j) - at(s['p'], j)) for i in (1, 2, 3))),
        s['p'] * s['t'].sum() - s['t'],
        s['p'] - s['t']])))
    c.append((r'{\partial W} &= ', r'\frac{\partial L}{\partial W}', lambda s: (s['dW'], [np.outer(s['p'] - s['t'], s['x'])])))
    c.append((r'{\partial b} &= ', r'\frac{\partial L}{\partial b}', lambda s: (s['db'], [s['p'] - s['t']])))
    c.append((r'{\partial x} &= ', r'\frac{\partial L}{\partial x}', lambda s: (s['dx'], [s['W'] @ (s['p'] - s['t'])])))
    return c


FILES['09_softmax_jacobian.tex'] = dict(sample=f09_sample, claims=_f09())


# ----------------------------------------------------------------------------- 10 two channels in, two out, bias
def f10_sample():
    X = RNG.normal(size=(2, 3, 3)); K = RNG.normal(size=(2, 2, 2, 2)); b = RNG.normal(size=2); G = RNG.normal(size=(2, 2, 2))
    Y = conv_layer(X, K, b)
    return dict(X=X, K=K, b=b, G=G, Y=Y,
                dK=fd_grad(lambda v: np.sum(G * conv_layer(X, v, b)), K),
                db=fd_grad(lambda v: np.sum(G * conv_layer(X, K, v)), b),
                dX=fd_grad(lambda v: np.sum(G * conv_layer(v, K, b)), X))


def _f10():
    # X^{(c)}_{i,j} -> X[c, i, j]; K^{(m,c)}_{p,q} -> K[m, c, p, q]; G^{(m)}_{r,s} -> G[m, r, s]
    X = lambda s, c, i, j: at(s['X'], c, i, j); K = lambda s, m, c, p, q: at(s['K'], m, c, p, q); G = lambda s, m, r, t: at(s['G'], m, r, t)
    c = []
    c.append((r'$$Y^{(m)}_{r,s} = ', 'Y^{(m)}_{r,s}', lambda s: (s['Y'], [grid((2, 2, 2), lambda m, r, t: at(s['b'], m) + sum(
        K(s, m, cc, p, q) * X(s, cc, r + p - 1, t + q - 1) for cc in (1, 2) for p in (1, 2) for q in (1, 2)))])))
    c.append((r'Y^{(2)}_{1,2} = b_2', 'Y^{(2)}_{1,2}', lambda s: (s['Y'][1, 0, 1], [at(s['b'], 2)
        + K(s, 2, 1, 1, 1) * X(s, 1, 1, 2) + K(s, 2, 1, 1, 2) * X(s, 1, 1, 3) + K(s, 2, 1, 2, 1) * X(s, 1, 2, 2) + K(s, 2, 1, 2, 2) * X(s, 1, 2, 3)
        + K(s, 2, 2, 1, 1) * X(s, 2, 1, 2) + K(s, 2, 2, 1, 2) * X(s, 2, 1, 3) + K(s, 2, 2, 2, 1) * X(s, 2, 2, 2) + K(s, 2, 2, 2, 2) * X(s, 2, 2, 3)])))
    c.append((r'\partial K^{(m,c)}_{p,q}}', r'\frac{\partial L}{\partial K^{(m,c)}_{p,q}}', lambda s: (s['dK'], [grid((2, 2, 2, 2), lambda m, cc, p, q: sum(
        G(s, m, r, t) * X(s, cc, r + p - 1, t + q - 1) for r in (1, 2) for t in (1, 2)))])))
    c.append((r'\partial K^{(1,2)}_{2,1}}', r'\frac{\partial L}{\partial K^{(1,2)}_{2,1}}', lambda s: (at(s['dK'], 1, 2, 2, 1), [
        G(s, 1, 1, 1) * X(s, 2, 2, 1) + G(s, 1, 1, 2) * X(s, 2, 2, 2) + G(s, 1, 2, 1) * X(s, 2, 3, 1) + G(s, 1, 2, 2) * X(s, 2, 3, 2)])))
    c.append((r'\partial K^{(2,1)}_{1,1}}', r'\frac{\partial L}{\partial K^{(2,1)}_{1,1}}', lambda s: (at(s['dK'], 2, 1, 1, 1), [
        sum(G(s, 2, r, t) * X(s, 2, r, t) for r in (1, 2) for t in (1, 2))])))
    c.append((r'\partial b_m}', r'\frac{\partial L}{\partial b_m}', lambda s: (s['db'], [grid((2,), lambda m: sum(G(s, m, r, t) for r in (1, 2) for t in (1, 2)))])))
    c.append((r'\partial b_2}', r'\frac{\partial L}{\partial b_2}', lambda s: (s['db'][1], [sum(G(s, m, r, t) for m in (1, 2) for r in (1, 2) for t in (1, 2))])))
    c.append((r'\partial X^{(c)}_{i,j}}', r'\frac{\partial L}{\partial X^{(c)}_{i,j}}', lambda s: (s['dX'], [grid((2, 3, 3), lambda cc, i, j: sum(
        G(s, m, i - p + 1, j - q + 1) * K(s, m, cc, p, q) for m in (1, 2) for p in (1, 2) for q in (1, 2)))])))
    c.append((r'\partial X^{(1)}_{2,2}}', r'\frac{\partial L}{\partial X^{(1)}_{2,2}}', lambda s: (at(s['dX'], 1, 2, 2), [
        sum(G(s, 1, 3 - p, 3 - q) * K(s, 1, 1, p, q) for p in (1, 2) for q in (1, 2))])))
    c.append((r'\partial X^{(2)}_{1,1}}', r'\frac{\partial L}{\partial X^{(2)}_{1,1}}', lambda s: (at(s['dX'], 2, 1, 1), [
        G(s, 1, 1, 1) * K(s, 1, 2, 1, 1) + G(s, 2, 1, 1) * K(s, 2, 2, 1, 1)])))
    c.append((r'\partial X^{(1)}_{3,3}}', r'\frac{\partial L}{\partial X^{(1)}_{3,3}}', lambda s: (at(s['dX'], 1, 3, 3), [
        G(s, 1, 2, 2) * K(s, 1, 1, 2, 2) + G(s, 2, 2, 2) * K(s, 2, 1, 2, 2)])))
    return c


FILES['10_two_channel.md'] = dict(sample=f10_sample, claims=_f10())


# ----------------------------------------------------------------------------- math '=' lines of the notes
ENVS = r'(equation|align|gather|multline|eqnarray|displaymath|math)\*?'


def math_eq_lines(path):
    """Lines that hold an '=' inside math ($$, $, \\[ \\], \\( \\), equation/align/... environments);
    Markdown code fences and inline code, and LaTeX % comments, are not math."""
    md = path.suffix == '.md'
    clean, fence = [], False
    for ln in path.read_text().split('\n'):
        if md:
            if ln.strip().startswith('```'):
                fence = not fence; clean.append(''); continue
            if fence:
                clean.append(''); continue
            ln = re.sub(r'`[^`]*`', '', ln)
        else:
            ln = re.sub(r'(?<!\\)%.*', '', ln)
        clean.append(ln)
    out, mode = set(), None
    for no, ln in enumerate(clean, 1):
        i = 0
        while i < len(ln):
            if mode is None:
                if ln.startswith('$$', i):
                    mode = '$$'; i += 2; continue
                if ln[i] == '$':
                    mode = '$'; i += 1; continue
                if ln.startswith('\\[', i):
                    mode = '\\]'; i += 2; continue
                if ln.startswith('\\(', i):
                    mode = '\\)'; i += 2; continue
                m = re.match(r'\\begin\{' + ENVS + r'\}', ln[i:])
                if m:
                    mode = 'env'; i += m.end(); continue
                i += 1
                continue
            if mode == 'env':
                m = re.match(r'\\end\{' + ENVS + r'\}', ln[i:])
                if m:
                    mode = None; i += m.end(); continue
            elif ln.startswith(mode, i) and not (mode == '$' and ln.startswith('$$', i)):
                i += len(mode); mode = None; continue
            if ln[i] == '=':
                out.add(no)
            i += 1
    return out


# ----------------------------------------------------------------------------- run
def line_of(path, anchor):
    hits = [n for n, ln in enumerate(path.read_text().split('\n'), 1) if anchor in ln]
    if len(hits) != 1:
        raise SystemExit(f'{path.name}: anchor {anchor!r} found on lines {hits}, need exactly one')
    return hits[0]


def judge(spec, claim):
    anchor, lhs, fn = claim[:3]
    mode = claim[3] if len(claim) > 3 else 'random'
    states = [spec['fixed']()] if mode == 'fixed' else [spec['sample']() for _ in range(TRIALS)]
    ok, worst = True, 0.0
    for s in states:
        L, members = fn(s)
        for M in members:
            if not same(L, M):
                ok = False
                if M is not None and np.shape(L) == np.shape(M):
                    worst = max(worst, float(np.max(np.abs(np.asarray(L, float) - np.asarray(M, float)))))
                else:
                    worst = float('inf')
    if not ok:
        assert worst > 1e-3, f'{lhs}: fails by only {worst}'   # a wrong claim must be clearly wrong
    return 'right' if ok else 'wrong'


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    entries = {f['name']: f for f in key['file']}
    problems = []
    if set(entries) != set(FILES):
        problems.append(f'files in key {sorted(entries)} != derived {sorted(FILES)}')
    print(f"{'file':28s} {'claims':>6s} {'right':>5s} {'wrong':>5s} {'defs':>4s} {'not':>4s}  status")
    for name, spec in FILES.items():
        path = HERE / name
        k = entries.get(name, {})
        derived = {}
        for cl in spec['claims']:
            ln = line_of(path, cl[0])
            v = judge(spec, cl)
            if ln in derived and derived[ln][1] != v:
                problems.append(f'{name}:{ln}: checks of one claim disagree')
            derived[ln] = (cl[1], 'wrong' if v == 'wrong' or derived.get(ln, ('', 'right'))[1] == 'wrong' else 'right')
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
        for ln in keyed:
            if ln not in derived:
                problems.append(f'{name}:{ln}: key claim not transcribed in this check')
        for ln in (defs | nots) & set(derived):
            problems.append(f'{name}:{ln}: listed as definition/not_claim but is a transcribed claim')
        eq = math_eq_lines(path)
        listed = set(keyed) | defs | nots
        for ln in sorted(eq - listed):
            problems.append(f'{name}:{ln}: math line with = not in key')
        for ln in sorted(listed - eq):
            problems.append(f'{name}:{ln}: key line has no = in math')
        nr = sum(v == 'right' for _, v in derived.values()); nw = sum(v == 'wrong' for _, v in derived.values())
        status = 'ok' if not any(p.startswith(name) for p in problems) else 'MISMATCH'
        print(f'{name:28s} {len(derived):6d} {nr:5d} {nw:5d} {len(defs):4d} {len(nots):4d}  {status}')
    if problems:
        print('\n'.join(['', 'problems:'] + problems))
        return 1
    print('\nall verdicts and line numbers in key.toml agree with the independent derivation')
    return 0


if __name__ == '__main__':
    sys.exit(main())
