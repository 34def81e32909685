#!/usr/bin/env python3
"""Independent check of key.toml for the heldout7 notes (NumPy only; never imports symconv).

For every notes file: rebuild its layer or network in NumPy from the definition given at the top of the
notes (and in its NN_net.toml), compute every gradient numerically (complex step where the network is
smooth, central finite differences where it has relu / leaky-relu kinks; with no loss layer the loss is
L = sum(G * output) for the given upstream gradient G), transcribe each claim of the notes by hand and
compare the left-hand side with every member of the right-hand side (each link of a chain) at random
points, or at the notes' own numbers for a worked example (to the places each number is printed).
Then confirm the verdicts and the line numbers of key.toml, and that every line of the notes holding an
'=' inside math is listed in the key (a line that starts with '=' continues the claim above it and is
keyed on that claim's first line).  Exit status 0 when everything agrees.
"""
import math
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(7_2026_12_06)
TRIALS = 10


# ----------------------------------------------------------------------------- helpers
def at(A, *idx):
    """Entry of A at 1-based indices; 0 outside the tensor (zero padding / full correlation)."""
    A = np.asarray(A)
    j = tuple(i - 1 for i in idx)
    if len(j) != A.ndim or any(not (0 <= i < n) for i, n in zip(j, A.shape)):
        return 0.0
    return A[j]


def grid(shape, fn):
    out = np.zeros(shape)
    for idx in np.ndindex(*shape):
        out[idx] = np.real(fn(*[i + 1 for i in idx]))
    return out


def fd_grad(f, X, h=1e-6):
    X = np.array(X, dtype=float)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xp = X.copy(); Xp[idx] += h
        Xm = X.copy(); Xm[idx] -= h
        g[idx] = (f(Xp) - f(Xm)) / (2 * h)
    return g


def cs_grad(f, X, h=1e-30):
    X = np.array(X, dtype=float)
    g = np.zeros_like(X)
    for idx in np.ndindex(X.shape):
        Xc = X.astype(complex); Xc[idx] += 1j * h
        g[idx] = np.imag(f(Xc)) / h
    return g


def cs_jac(F, z, h=1e-30):
    """Jacobian of vector F at vector z, numerator layout: [i, j] = dF_i / dz_j."""
    z = np.array(z, float)
    cols = []
    for i in range(z.size):
        zc = z.astype(complex); zc[i] += 1j * h
        cols.append(np.imag(F(zc)) / h)
    return np.stack(cols, axis=-1)


def fd_jac(F, z, h=1e-6):
    z = np.array(z, float)
    cols = []
    for i in range(z.size):
        zp = z.copy(); zp[i] += h
        zm = z.copy(); zm[i] -= h
        cols.append((F(zp) - F(zm)) / (2 * h))
    return np.stack(cols, axis=-1)


def corr(x, k, pad=0, dil=1):
    """Valid cross-correlation of the zero-padded x with k, dilation dil, stride 1 (MATH.md's rule)."""
    xp = np.pad(x, pad)
    kh, kw = k.shape
    H = xp.shape[0] - dil * (kh - 1)
    W = xp.shape[1] - dil * (kw - 1)
    y = np.zeros((H, W), dtype=np.result_type(x, k))
    for r in range(H):
        for s in range(W):
            y[r, s] = sum(k[p, q] * xp[r + dil * p, s + dil * q] for p in range(kh) for q in range(kw))
    return y


def rot180(k):
    return np.asarray(k)[::-1, ::-1]


def sigmoid(u):
    return 1 / (1 + np.exp(-u))


def softmax(z):
    e = np.exp(z - np.max(np.real(z)))
    return e / e.sum()


def relu(z):
    return np.maximum(0, z)


def num(value, places):
    """A number printed with `places` decimals: matches a true value within the rounding of the printed
    digits and of the rounded numbers the step is worked from (up to 3 units in the last place)."""
    return ('num', float(value), 3 * 0.5 * 10.0 ** (-places))


def same(a, b):
    if b is None:
        return False
    if isinstance(b, tuple) and b[0] == 'num':
        return abs(float(a) - b[1]) <= b[2]
    a = np.asarray(a, float); b = np.asarray(b, float)
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))


def dist(a, b):
    if b is None:
        return float('inf')
    if isinstance(b, tuple):
        return abs(float(a) - b[1])
    a = np.asarray(a, float); b = np.asarray(b, float)
    if a.shape != b.shape:
        return float('inf')
    return float(np.max(np.abs(a - b)))


FILES = {}
R, F = 'random', 'fixed'


# ----------------------------------------------------------------------------- 01 Coursera, batch as columns
def f01_forward(X, W1, b1, W2, b2, Y):
    Z1 = W1 @ X + b1[:, None]; A1 = np.tanh(Z1); Z2 = W2 @ A1 + b2[:, None]; A2 = sigmoid(Z2)
    J = np.mean(-(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))
    return Z1, A1, Z2, A2, J


def f01_sample():
    base = dict(X=RNG.normal(size=(2, 2)), W1=RNG.normal(size=(2, 2)), b1=RNG.normal(size=2),
                W2=RNG.normal(size=(1, 2)), b2=RNG.normal(size=1), Y=RNG.uniform(0.05, 0.95, size=(1, 2)))
    Z1, A1, Z2, A2, J = f01_forward(**base)
    s = dict(base, Z1=Z1, A1=A1, Z2=Z2, A2=A2, J=J, m=2)
    Jf = lambda **kw: f01_forward(**{**base, **kw})[4]
    for n in ('W1', 'b1', 'W2', 'b2'):
        s['d' + n] = cs_grad(lambda v: Jf(**{n: v}), base[n])
    Y, W2, b2 = base['Y'], base['W2'], base['b2']
    bce = lambda A: np.mean(-(Y * np.log(A) + (1 - Y) * np.log(1 - A)))
    # the course's dZ: column i = example i's own loss derivative = m * dJ/dZ
    s['dZ2'] = 2 * cs_grad(lambda z: bce(sigmoid(z)), Z2)
    s['dZ1'] = 2 * cs_grad(lambda z: bce(sigmoid(W2 @ np.tanh(z) + b2[:, None])), Z1)
    return s


def _f01():
    c = []
    c.append(('$$Z^{[1]} = ', 'Z^{[1]}', lambda s: (s['Z1'], [s['W1'] @ s['X'] + s['b1'][:, None]])))
    c.append(('$$A^{[1]} = ', 'A^{[1]}', lambda s: (s['A1'], [np.tanh(s['Z1'])])))
    c.append(('$$A^{[2]} = ', 'A^{[2]}', lambda s: (s['A2'], [sigmoid(s['W2'] @ s['A1'] + s['b2'][:, None])])))
    c.append(('$$dZ^{[2]} = ', 'dZ^{[2]}', lambda s: (s['dZ2'], [s['A2'] - s['Y']])))
    c.append(('$$dW^{[2]} = ', 'dW^{[2]}', lambda s: (s['dW2'], [s['dZ2'] @ s['A1'].T / s['m']])))
    c.append(('$$dW^{[2]}_{12} = ', 'dW^{[2]}_{12}', lambda s: (at(s['dW2'], 1, 2), [
        0.5 * (at(s['dZ2'], 1, 1) * at(s['A1'], 2, 1) + at(s['dZ2'], 1, 2) * at(s['A1'], 2, 2))])))
    c.append(('$$dZ^{[1]} = ', 'dZ^{[1]}', lambda s: (s['dZ1'], [(s['W2'].T @ s['dZ2']) * (1 - s['A1'] ** 2)])))
    c.append(('$$dZ^{[1]}_{12} = ', 'dZ^{[1]}_{12}', lambda s: (at(s['dZ1'], 1, 2), [at(s['W2'], 1, 1) * at(s['dZ2'], 1, 2)])))
    c.append(('$$dW^{[1]} = ', 'dW^{[1]}', lambda s: (s['dW1'], [s['dZ1'] @ s['X'].T])))
    c.append(('$$dW^{[1]}_{12} = ', 'dW^{[1]}_{12}', lambda s: (at(s['dW1'], 1, 2), [
        0.5 * (at(s['dZ1'], 1, 1) * at(s['X'], 1, 2) + at(s['dZ1'], 1, 2) * at(s['X'], 2, 2))])))
    c.append(('$$db^{[1]}_{2} = ', 'db^{[1]}_{2}', lambda s: (at(s['db1'], 2), [0.5 * (at(s['dZ1'], 2, 1) + at(s['dZ1'], 2, 2))])))
    return c


FILES['01_coursera_batch.md'] = dict(sample=f01_sample, claims=_f01())


# ----------------------------------------------------------------------------- 02 CS231n affine + relu, rows
def f02_sample():
    x = RNG.normal(size=(2, 3)); w = RNG.normal(size=(3, 2)); b = RNG.normal(size=2); dout = RNG.normal(size=(2, 2))
    fwd = lambda x_, w_, b_: relu(x_ @ w_ + b_)
    a = x @ w + b
    s = dict(x=x, w=w, b=b, dout=dout, a=a, out=relu(a))
    s['dx'] = fd_grad(lambda v: np.sum(dout * fwd(v, w, b)), x)
    s['dw'] = fd_grad(lambda v: np.sum(dout * fwd(x, v, b)), w)
    s['db'] = fd_grad(lambda v: np.sum(dout * fwd(x, w, v)), b)
    s['da'] = fd_grad(lambda v: np.sum(dout * relu(v)), a)
    return s


def _f02():
    c = []
    c.append(('$$a_{n,j} = ', 'a_{n,j}', lambda s: (s['a'], [grid((2, 2), lambda n, j: sum(at(s['x'], n, d) * at(s['w'], d, j) for d in (1, 2, 3)) + at(s['b'], j))])))
    c.append(('$$out_{n,j} = ', 'out_{n,j}', lambda s: (s['out'], [np.maximum(0, s['a'])])))
    c.append(('$$da_{n,j} = ', 'da_{n,j}', lambda s: (s['da'], [s['dout'] * (s['a'] > 0)])))
    c.append(('$$dx_{n,d} = ', 'dx_{n,d}', lambda s: (s['dx'], [grid((2, 3), lambda n, d: sum(at(s['da'], n, j) * at(s['w'], d, j) for j in (1, 2)))])))
    c.append(('$$dw_{d,j} = ', 'dw_{d,j}', lambda s: (s['dw'], [grid((3, 2), lambda d, j: sum(at(s['x'], n, d) * at(s['da'], n, j) for n in (1, 2)))])))
    c.append(('$$db_j = ', 'db_j', lambda s: (s['db'], [s['da'].sum(axis=0)])))
    c.append(('$$dw_{2,1} = ', 'dw_{2,1}', lambda s: (at(s['dw'], 2, 1), [at(s['x'], 1, 2) * at(s['da'], 1, 1) + at(s['x'], 2, 2) * at(s['da'], 2, 1)])))
    c.append(('$$dw_{1,2} = ', 'dw_{1,2}', lambda s: (at(s['dw'], 1, 2), [at(s['x'], 1, 1) * at(s['dout'], 1, 2) + at(s['x'], 2, 1) * at(s['dout'], 2, 2)])))
    c.append(('$$dx_{1,2} = ', 'dx_{1,2}', lambda s: (at(s['dx'], 1, 2), [at(s['da'], 1, 1) * at(s['w'], 1, 2) + at(s['da'], 1, 2) * at(s['w'], 2, 2)])))
    c.append(('$$db_1 = ', 'db_1', lambda s: (at(s['db'], 1), [0.5 * (at(s['da'], 1, 1) + at(s['da'], 2, 1))])))
    return c


FILES['02_cs231n_affine.md'] = dict(sample=f02_sample, claims=_f02())


# ----------------------------------------------------------------------------- 03 exam: dense-relu-dense-softmax CE
def f03_loss(x, W1, b1, W2, b2, t):
    z = W1 @ x + b1; h = relu(z); s = W2 @ h + b2; p = softmax(s)
    return -np.sum(t * np.log(p))


def f03_sample():
    base = dict(x=RNG.normal(size=3), W1=RNG.normal(size=(3, 3)), b1=RNG.normal(size=3),
                W2=RNG.normal(size=(2, 3)), b2=RNG.normal(size=2), t=np.eye(2)[RNG.integers(2)])
    x, W1, b1, W2, b2, t = (base[k] for k in ('x', 'W1', 'b1', 'W2', 'b2', 't'))
    z = W1 @ x + b1; h = relu(z); sc = W2 @ h + b2; p = softmax(sc)
    st = dict(base, z=z, h=h, s=sc, p=p, L=-np.sum(t * np.log(p)))
    Lf = lambda **kw: f03_loss(**{**base, **kw})
    for n in ('x', 'W1', 'b1', 'W2', 'b2'):
        st['d' + n] = fd_grad(lambda v: Lf(**{n: v}), base[n])
    st['ds'] = cs_grad(lambda v: -np.sum(t * np.log(softmax(v))), sc)
    st['dz'] = fd_grad(lambda v: -np.sum(t * np.log(softmax(W2 @ relu(v) + b2))), z)
    st['Jp'] = cs_jac(softmax, sc)          # dp_k / ds_j
    st['Jh'] = fd_jac(relu, z)              # dh_k / dz_m
    return st


def _f03():
    c = []
    pt = lambda s: s['p'] - s['t']
    c.append(('z &= W^{[1]} x', 'z', lambda s: (s['z'], [s['W1'] @ s['x'] + s['b1']])))
    c.append(('h &= \\max(0, z)', 'h', lambda s: (s['h'], [np.maximum(0, s['z'])])))
    c.append(('s &= W^{[2]} h', 's', lambda s: (s['s'], [s['W2'] @ s['h'] + s['b2']])))
    c.append(('p_k &= \\frac', 'p_k', lambda s: (s['p'], [np.exp(s['s']) / np.exp(s['s']).sum()])))
    c.append(('and $L = ', 'L', lambda s: (s['L'], [-np.sum(s['t'] * np.log(s['p']))])))
    c.append(('since $\\sum_k t_k = 1$', '\\sum_k t_k', lambda s: (np.sum(s['t']), [1.0])))
    c.append(('\\frac{\\partial p_k}{\\partial s_j} = \\begin{cases}', '\\frac{\\partial p_k}{\\partial s_j}', lambda s: (s['Jp'], [
        grid((2, 2), lambda k, j: at(s['p'], k) * (1 - at(s['p'], k)) if k == j else -at(s['p'], k) * at(s['p'], j))])))
    c.append(('\\frac{\\partial L}{\\partial s_j} = -\\sum_k', '\\frac{\\partial L}{\\partial s_j}', lambda s: (s['ds'], [
        grid((2,), lambda j: -sum(at(s['t'], k) / at(s['p'], k) * at(s['Jp'], k, j) for k in (1, 2))),
        grid((2,), lambda j: -at(s['t'], j) * (1 - at(s['p'], j)) + sum(at(s['t'], k) * at(s['p'], j) for k in (1, 2) if k != j)),
        pt(s)])))
    c.append(('\\partial W^{[2]}_{jk}} = ', '\\frac{\\partial L}{\\partial W^{[2]}_{jk}}', lambda s: (s['dW2'], [np.outer(pt(s), s['z'])])))
    c.append(('\\frac{\\partial h_k}{\\partial z_m} = ', '\\frac{\\partial h_k}{\\partial z_m}', lambda s: (s['Jh'], [
        grid((3, 3), lambda k, m: 1.0 if (k == m and at(s['z'], m) > 0) else 0.0)])))
    c.append(('\\frac{\\partial L}{\\partial z_k} = ', '\\frac{\\partial L}{\\partial z_k}', lambda s: (s['dz'], [
        grid((3,), lambda k: (at(s['z'], k) > 0) * sum(at(s['W2'], k, j) * at(pt(s), j) for j in (1, 2)))])))
    c.append(('\\partial W^{[1]}_{ki}} = ', '\\frac{\\partial L}{\\partial W^{[1]}_{ki}}', lambda s: (s['dW1'], [
        grid((3, 3), lambda k, i: (at(s['z'], k) > 0) * at(s['x'], i) * sum(at(s['W2'], j, k) * at(pt(s), j) for j in (1, 2)))])))
    c.append(('\\frac{\\partial L}{\\partial x_i} = ', '\\frac{\\partial L}{\\partial x_i}', lambda s: (s['dx'], [
        grid((3,), lambda i: sum(at(s['W1'], k, i) * sum(at(s['W2'], j, k) * at(pt(s), j) for j in (1, 2)) for k in (1, 2, 3)))])))
    return c


FILES['03_exam_sheet.tex'] = dict(sample=f03_sample, claims=_f03())


# ----------------------------------------------------------------------------- 04 logistic regression, worked numbers
def f04_state(x, w, b, y, eta=0.1):
    z = w @ x + b; yh = sigmoid(z)
    L = -(y * np.log(yh) + (1 - y) * np.log(1 - yh))
    Lf = lambda x_, w_, b_: (lambda yh_: -(y * np.log(yh_) + (1 - y) * np.log(1 - yh_)))(sigmoid(w_ @ x_ + b_))
    s = dict(x=x, w=w, b=b, y=y, eta=eta, z=z, yh=yh, L=L)
    s['dw'] = cs_grad(lambda v: Lf(x, v, b), w)
    s['dx'] = cs_grad(lambda v: Lf(v, w, b), x)
    s['db'] = cs_grad(lambda v: Lf(x, w, v), np.array(b))
    s['dz'] = cs_grad(lambda v: -(y * np.log(sigmoid(v)) + (1 - y) * np.log(1 - sigmoid(v))), np.array(z))
    s['dyh_dz'] = cs_grad(lambda v: sigmoid(v), np.array(z))
    s['w_new'] = w - eta * s['dw']
    return s


def f04_fixed():
    # the notes' code cell and learning rate
    return f04_state(np.array([1.0, 2.0, -1.0]), np.array([0.5, -0.25, 1.0]), 0.1, 1.0, 0.1)


def f04_sample():
    return f04_state(RNG.normal(size=3), RNG.normal(size=3), float(RNG.normal()), float(RNG.uniform(0.05, 0.95)))


def _f04():
    c = []
    g = lambda s, name, i: s[name][i - 1]
    c.append(('$$z = w_1 x_1', 'z', lambda s: (s['z'], [
        sum(g(s, 'w', i) * g(s, 'x', i) for i in (1, 2, 3)) + s['b'], 0.5 - 0.5 - 1.0 + 0.1, -0.9]), F))
    c.append(('$$\\hat{y} = \\sigma(z) = ', '\\hat{y}', lambda s: (s['yh'], [sigmoid(s['z']), 1 / (1 + math.exp(0.9)), num(0.289, 3)]), F))
    c.append(('$$L = -\\log \\hat{y}', 'L', lambda s: (s['L'], [-np.log(s['yh']), num(1.241, 3)]), F))
    c.append(('{\\partial z} = \\hat{y}(1 - \\hat{y})', '\\frac{\\partial \\hat{y}}{\\partial z}', lambda s: (s['dyh_dz'], [
        s['yh'] * (1 - s['yh']), num(0.289 * 0.711, 4), num(0.2055, 4)]), F))
    c.append(('{\\partial z} = \\left(', '\\frac{\\partial L}{\\partial z}', lambda s: (s['dz'], [
        (-s['y'] / s['yh'] + (1 - s['y']) / (1 - s['yh'])) * s['yh'] * (1 - s['yh']), s['yh'] - s['y'], num(-0.711, 3)]), F))
    c.append(('{\\partial w_i} = ', '\\frac{\\partial L}{\\partial w_i}', lambda s: (s['dw'], [
        (s['yh'] - s['y']) * s['yh'] * (1 - s['yh']) * s['x']]), R))
    c.append(('{\\partial w_2} = (', '\\frac{\\partial L}{\\partial w_2}', lambda s: (g(s, 'dw', 2), [
        (s['yh'] - s['y']) * g(s, 'x', 2), num(-0.711 * 2, 3), num(-1.422, 3)]), F))
    c.append(('{\\partial w_3} = (', '\\frac{\\partial L}{\\partial w_3}', lambda s: (g(s, 'dw', 3), [
        (s['yh'] - s['y']) * g(s, 'x', 3), num(-0.711 * (-1), 3), num(-0.711, 3)]), F))
    c.append(('{\\partial x_2} = (', '\\frac{\\partial L}{\\partial x_2}', lambda s: (g(s, 'dx', 2), [
        (s['yh'] - s['y']) * g(s, 'w', 2), num(0.178, 3)]), F))
    c.append(('$$w_1^{+} = ', 'w_1^{+}', lambda s: (g(s, 'w_new', 1), [
        g(s, 'w', 1) - s['eta'] * g(s, 'dw', 1), num(0.5 + 0.0711, 4), num(0.571, 3)]), F))
    c.append(('$$w_2^{+} = ', 'w_2^{+}', lambda s: (g(s, 'w_new', 2), [
        g(s, 'w', 2) - s['eta'] * g(s, 'dw', 2), num(-0.25 - 0.1 * 1.422, 4), num(-0.392, 3)]), F))
    return c


FILES['04_logreg_numeric.md'] = dict(sample=f04_sample, fixed=f04_fixed, claims=_f04())


# ----------------------------------------------------------------------------- 05 tanh MLP, Jacobians
def f05_sample():
    base = dict(x=RNG.normal(size=2), W1=RNG.normal(size=(3, 2)), b1=RNG.normal(size=3),
                W2=RNG.normal(size=(2, 3)), b2=RNG.normal(size=2), t=RNG.normal(size=2))
    x, W1, b1, W2, b2, t = (base[k] for k in ('x', 'W1', 'b1', 'W2', 'b2', 't'))
    u = W1 @ x + b1; h = np.tanh(u); v = W2 @ h + b2; o = np.tanh(v)
    Lf = lambda x_=x, W1_=W1, b1_=b1, W2_=W2, b2_=b2: 0.5 * np.sum((np.tanh(W2_ @ np.tanh(W1_ @ x_ + b1_) + b2_) - t) ** 2)
    s = dict(base, u=u, h=h, v=v, o=o, L=0.5 * np.sum((o - t) ** 2))
    s['dx'] = cs_grad(lambda q: Lf(x_=q), x)
    s['dW1'] = cs_grad(lambda q: Lf(W1_=q), W1); s['db1'] = cs_grad(lambda q: Lf(b1_=q), b1)
    s['dW2'] = cs_grad(lambda q: Lf(W2_=q), W2)
    s['dv'] = cs_grad(lambda q: 0.5 * np.sum((np.tanh(q) - t) ** 2), v)
    s['du'] = cs_grad(lambda q: 0.5 * np.sum((np.tanh(W2 @ np.tanh(q) + b2) - t) ** 2), u)
    s['J_o'] = cs_grad(lambda q: 0.5 * np.sum((q - t) ** 2), o)[None, :]     # dL/do as a row
    s['J_ov'] = cs_jac(np.tanh, v); s['J_hu'] = cs_jac(np.tanh, u)
    s['J_vh'] = cs_jac(lambda q: W2 @ q + b2, h); s['J_ux'] = cs_jac(lambda q: W1 @ q + b1, x)
    return s


def _f05():
    c = []
    D = np.diag
    c.append(('u &= W^{(1)} x', 'u', lambda s: (s['u'], [s['W1'] @ s['x'] + s['b1']])))
    c.append(('h &= \\tanh(u)', 'h', lambda s: (s['h'], [np.tanh(s['u'])])))
    c.append(('v &= W^{(2)} h', 'v', lambda s: (s['v'], [s['W2'] @ s['h'] + s['b2']])))
    c.append(('o &= \\tanh(v)', 'o', lambda s: (s['o'], [np.tanh(s['v'])])))
    c.append(('L &= \\tfrac', 'L', lambda s: (s['L'], [0.5 * np.linalg.norm(s['o'] - s['t']) ** 2])))
    c.append(('{\\partial v} = \\diag(1 - o', '\\frac{\\partial o}{\\partial v}', lambda s: (s['J_ov'], [D(1 - s['o'] * s['o'])])))
    c.append(('{\\partial u} = \\diag(1 - u', '\\frac{\\partial h}{\\partial u}', lambda s: (s['J_hu'], [D(1 - s['u'] * s['u'])])))
    c.append(('{\\partial h} = W^{(2)\\top}', '\\frac{\\partial v}{\\partial h}', lambda s: (s['J_vh'], [s['W2'].T])))
    c.append(('\\frac{\\partial L}{\\partial x} = \\frac{\\partial L}{\\partial o}', '\\frac{\\partial L}{\\partial x}', lambda s: (s['dx'][None, :], [
        s['J_o'] @ s['J_ov'] @ s['J_vh'] @ s['J_hu'] @ s['J_ux'],
        (s['o'] - s['t'])[None, :] @ D(1 - s['o'] * s['o']) @ s['W2'] @ D(1 - s['h'] * s['h']) @ s['W1']])))
    c.append(('\\delta^{(2)} &= ', '\\delta^{(2)}', lambda s: (s['dv'], [D(1 - s['o'] * s['o']) @ (s['o'] - s['t'])])))
    c.append(('\\delta^{(1)} &= ', '\\delta^{(1)}', lambda s: (s['du'], [D(1 - s['h'] * s['h']) @ s['W2'].T @ s['dv']])))
    c.append(('\\nabla_{W^{(2)}} L &= ', '\\nabla_{W^{(2)}} L', lambda s: (s['dW2'], [np.outer(s['dv'], s['h'])])))
    c.append(('\\nabla_{W^{(1)}} L &= ', '\\nabla_{W^{(1)}} L', lambda s: (s['dW1'], [np.outer(s['x'], s['du'])])))
    c.append(('\\nabla_{b^{(1)}} L &= ', '\\nabla_{b^{(1)}} L', lambda s: (s['db1'], [s['du']])))
    c.append(('{\\partial u_2} = ', '\\frac{\\partial L}{\\partial u_2}', lambda s: (at(s['du'], 2), [
        (1 - at(s['h'], 2) ** 2) * sum(at(s['W2'], k, 2) * (1 - at(s['o'], k) ** 2) * (at(s['o'], k) - at(s['t'], k)) for k in (1, 2))])))
    return c


FILES['05_tanh_jacobians.tex'] = dict(sample=f05_sample, claims=_f05())


# ----------------------------------------------------------------------------- 06 conv, leaky relu, average pooling
ALPHA = 0.1


def leaky(z):
    return np.where(z > 0, z, ALPHA * z)


def avgpool2(A):
    return 0.25 * (A[0::2, 0::2] + A[0::2, 1::2] + A[1::2, 0::2] + A[1::2, 1::2])


def f06_sample():
    X = RNG.normal(size=(5, 5)); K = RNG.normal(size=(2, 2)); G = RNG.normal(size=(2, 2))
    Z = corr(X, K); A = leaky(Z); P = avgpool2(A)
    s = dict(X=X, K=K, G=G, Z=Z, A=A, P=P)
    s['dA'] = fd_grad(lambda v: np.sum(G * avgpool2(v)), A)
    s['dZ'] = fd_grad(lambda v: np.sum(G * avgpool2(leaky(v))), Z)
    s['dK'] = fd_grad(lambda v: np.sum(G * avgpool2(leaky(corr(X, v)))), K)
    s['dX'] = fd_grad(lambda v: np.sum(G * avgpool2(leaky(corr(v, K)))), X)
    s['fprime'] = fd_grad(lambda v: np.sum(leaky(v)), Z)      # dA_ij / dZ_ij, entry by entry
    return s


def _f06():
    c = []
    ce = lambda i: -(-i // 2)
    c.append(('$$Z_{i,j} = ', 'Z_{i,j}', lambda s: (s['Z'], [grid((4, 4), lambda i, j: sum(at(s['K'], p, q) * at(s['X'], i + p - 1, j + q - 1) for p in (1, 2) for q in (1, 2)))])))
    c.append(('$$A_{i,j} = ', 'A_{i,j}', lambda s: (s['A'], [np.maximum(0.1 * s['Z'], s['Z'])])))
    c.append(('$$P_{r,s} = ', 'P_{r,s}', lambda s: (s['P'], [grid((2, 2), lambda r, ss: 0.25 * sum(at(s['A'], 2 * r + u - 2, 2 * ss + v - 2) for u in (1, 2) for v in (1, 2)))])))
    c.append(('$$P_{2,1} = ', 'P_{2,1}', lambda s: (at(s['P'], 2, 1), [0.25 * (at(s['A'], 2, 1) + at(s['A'], 2, 2) + at(s['A'], 3, 1) + at(s['A'], 3, 2))])))
    c.append(('{\\partial A_{i,j}} = ', '\\frac{\\partial L}{\\partial A_{i,j}}', lambda s: (s['dA'], [grid((4, 4), lambda i, j: 0.25 * at(s['G'], ce(i), ce(j)))])))
    c.append(('{\\partial A_{2,3}} = ', '\\frac{\\partial L}{\\partial A_{2,3}}', lambda s: (at(s['dA'], 2, 3), [0.25 * at(s['G'], 2, 1)])))
    c.append(('\\frac{\\partial A_{i,j}}{\\partial Z_{i,j}} = ', '\\frac{\\partial A_{i,j}}{\\partial Z_{i,j}}', lambda s: (s['fprime'], [np.where(s['Z'] > 0, 1.0, 0.1)])))
    c.append(('\\frac{\\partial L}{\\partial Z_{i,j}} = ', '\\frac{\\partial L}{\\partial Z_{i,j}}', lambda s: (s['dZ'], [grid((4, 4), lambda i, j: 0.25 * at(s['G'], ce(i), ce(j)) * ((at(s['Z'], i, j) > 0) + 0.1 * (at(s['Z'], i, j) <= 0)))])))
    c.append(('{\\partial Z_{1,4}} = ', '\\frac{\\partial L}{\\partial Z_{1,4}}', lambda s: (at(s['dZ'], 1, 4), [0.25 * at(s['G'], 1, 2) * (at(s['Z'], 1, 4) > 0)])))
    c.append(('{\\partial K_{p,q}} = ', '\\frac{\\partial L}{\\partial K_{p,q}}', lambda s: (s['dK'], [grid((2, 2), lambda p, q: sum(at(s['dZ'], i, j) * at(s['X'], i + p - 1, j + q - 1) for i in range(1, 5) for j in range(1, 5)))])))
    c.append(('{\\partial X_{1,2}} = ', '\\frac{\\partial L}{\\partial X_{1,2}}', lambda s: (at(s['dX'], 1, 2), [at(s['dZ'], 1, 1) * at(s['K'], 1, 2) + at(s['dZ'], 1, 2) * at(s['K'], 1, 1)])))
    c.append(('{\\partial X_{2,2}} = ', '\\frac{\\partial L}{\\partial X_{2,2}}', lambda s: (at(s['dX'], 2, 2), [at(s['dZ'], 1, 1) * at(s['K'], 2, 2) + at(s['dZ'], 1, 2) * at(s['K'], 2, 1) + at(s['dZ'], 2, 1) * at(s['K'], 1, 2)])))
    return c


FILES['06_avgpool_leaky.md'] = dict(sample=f06_sample, claims=_f06())


# ----------------------------------------------------------------------------- 07 dilated convolution, padding 1
def f07_sample():
    x = RNG.normal(size=(5, 5)); k = RNG.normal(size=(2, 2)); g = RNG.normal(size=(5, 5))
    y = corr(x, k, pad=1, dil=2)
    s = dict(x=x, k=k, g=g, y=y)
    s['dk'] = cs_grad(lambda v: np.sum(g * corr(x, v, pad=1, dil=2)), k)
    s['dx'] = cs_grad(lambda v: np.sum(g * corr(v, k, pad=1, dil=2)), x)
    return s


def _f07():
    c = []
    H, P, D, Fk, S = 5, 1, 2, 2, 1
    c.append(('H_{\\text{out}} = ', 'H_{\\text{out}}', lambda s: (s['y'].shape[0], [
        (H + 2 * P - D * (Fk - 1) - 1) / S + 1, (5 + 2 - 2 - 1) / 1 + 1, 5])))
    K, X, G = (lambda s, i, j: at(s['k'], i, j)), (lambda s, i, j: at(s['x'], i, j)), (lambda s, i, j: at(s['g'], i, j))
    c.append(('y_{r,s} = \\sum', 'y_{r,s}', lambda s: (s['y'], [grid((5, 5), lambda r, ss: sum(K(s, p, q) * X(s, r + 2 * p - 3, ss + 2 * q - 3) for p in (1, 2) for q in (1, 2)))])))
    c.append(('y_{1,1} &= ', 'y_{1,1}', lambda s: (at(s['y'], 1, 1), [K(s, 2, 2) * X(s, 2, 2)])))
    c.append(('y_{3,2} &= ', 'y_{3,2}', lambda s: (at(s['y'], 3, 2), [K(s, 1, 1) * X(s, 2, 1) + K(s, 1, 2) * X(s, 2, 3) + K(s, 2, 1) * X(s, 4, 1) + K(s, 2, 2) * X(s, 4, 3)])))
    c.append(('y_{2,2} &= ', 'y_{2,2}', lambda s: (at(s['y'], 2, 2), [K(s, 1, 1) * X(s, 1, 1) + K(s, 1, 2) * X(s, 1, 2) + K(s, 2, 1) * X(s, 2, 1) + K(s, 2, 2) * X(s, 2, 2)])))
    c.append(('{\\partial k_{p,q}} = ', '\\frac{\\partial L}{\\partial k_{p,q}}', lambda s: (s['dk'], [grid((2, 2), lambda p, q: sum(G(s, r, ss) * X(s, r + 2 * p - 3, ss + 2 * q - 3) for r in range(1, 6) for ss in range(1, 6)))])))
    c.append(('{\\partial k_{1,1}} &= ', '\\frac{\\partial L}{\\partial k_{1,1}}', lambda s: (at(s['dk'], 1, 1), [sum(G(s, r, ss) * X(s, r - 1, ss - 1) for r in range(2, 6) for ss in range(2, 6))])))
    c.append(('{\\partial k_{2,1}} &= ', '\\frac{\\partial L}{\\partial k_{2,1}}', lambda s: (at(s['dk'], 2, 1), [sum(G(s, r, ss) * X(s, r + 1, ss - 1) for r in range(1, 5) for ss in range(1, 5))])))
    c.append(('{\\partial x_{i,j}} = ', '\\frac{\\partial L}{\\partial x_{i,j}}', lambda s: (s['dx'], [grid((5, 5), lambda i, j: sum(G(s, i - 2 * p + 3, j - 2 * q + 3) * K(s, p, q) for p in (1, 2) for q in (1, 2)))])))
    c.append(('{\\partial x_{3,3}} &= ', '\\frac{\\partial L}{\\partial x_{3,3}}', lambda s: (at(s['dx'], 3, 3), [K(s, 1, 1) * G(s, 4, 4) + K(s, 1, 2) * G(s, 4, 2) + K(s, 2, 1) * G(s, 2, 4) + K(s, 2, 2) * G(s, 2, 2)])))
    c.append(('{\\partial x_{1,1}} &= ', '\\frac{\\partial L}{\\partial x_{1,1}}', lambda s: (at(s['dx'], 1, 1), [K(s, 1, 1) * G(s, 2, 2)])))
    c.append(('{\\partial x_{4,2}} &= ', '\\frac{\\partial L}{\\partial x_{4,2}}', lambda s: (at(s['dx'], 4, 2), [K(s, 1, 1) * G(s, 3, 1) + K(s, 1, 2) * G(s, 3, 3) + K(s, 2, 1) * G(s, 5, 1) + K(s, 2, 2) * G(s, 5, 3)])))
    return c


FILES['07_dilated.tex'] = dict(sample=f07_sample, claims=_f07())


# ----------------------------------------------------------------------------- 08 own names: conv + bias + sigmoid
def f08_sample():
    u = RNG.normal(size=(4, 4)); w = RNG.normal(size=(3, 3)); cb = float(RNG.normal()); g = RNG.normal(size=(2, 2))
    z = corr(u, w) + cb; s_ = sigmoid(z)
    st = dict(u=u, w=w, c=cb, g=g, z=z, s=s_)
    st['delta'] = cs_grad(lambda v: np.sum(g * sigmoid(v)), z)
    st['dc'] = cs_grad(lambda v: np.sum(g * sigmoid(corr(u, w) + v)), np.array(cb))
    st['dw'] = cs_grad(lambda v: np.sum(g * sigmoid(corr(u, v) + cb)), w)
    st['e'] = cs_grad(lambda v: np.sum(g * sigmoid(corr(v, w) + cb)), u)
    return st


def _f08():
    c = []
    U, W, Dl = (lambda s, i, j: at(s['u'], i, j)), (lambda s, i, j: at(s['w'], i, j)), (lambda s, i, j: at(s['delta'], i, j))
    c.append(('$$z_{ij} = ', 'z_{ij}', lambda s: (s['z'], [grid((2, 2), lambda i, j: s['c'] + sum(W(s, p, q) * U(s, i + p - 1, j + q - 1) for p in (1, 2, 3) for q in (1, 2, 3)))])))
    c.append(('$$s_{ij} = ', 's_{ij}', lambda s: (s['s'], [sigmoid(s['z'])])))
    c.append(('$$\\delta_{ij} = ', '\\delta_{ij}', lambda s: (s['delta'], [s['g'] * s['s'] * (1 - s['s'])])))
    c.append(('$$\\delta_{21} = ', '\\delta_{21}', lambda s: (Dl(s, 2, 1), [at(s['g'], 2, 1) * at(s['s'], 2, 1)])))
    c.append(('{\\partial c} = ', '\\frac{\\partial L}{\\partial c}', lambda s: (s['dc'], [np.sum(s['delta'])])))
    c.append(('{\\partial w_{pq}} = ', '\\frac{\\partial L}{\\partial w_{pq}}', lambda s: (s['dw'], [grid((3, 3), lambda p, q: sum(Dl(s, i, j) * U(s, i + p - 1, j + q - 1) for i in (1, 2) for j in (1, 2)))])))
    c.append(('{\\partial w_{23}} = ', '\\frac{\\partial L}{\\partial w_{23}}', lambda s: (at(s['dw'], 2, 3), [Dl(s, 1, 1) * U(s, 2, 3) + Dl(s, 1, 2) * U(s, 2, 4) + Dl(s, 2, 1) * U(s, 3, 3) + Dl(s, 2, 2) * U(s, 3, 4)])))
    c.append(('{\\partial w_{32}} = ', '\\frac{\\partial L}{\\partial w_{32}}', lambda s: (at(s['dw'], 3, 2), [Dl(s, 1, 1) * U(s, 2, 3) + Dl(s, 1, 2) * U(s, 2, 4) + Dl(s, 2, 1) * U(s, 3, 3) + Dl(s, 2, 2) * U(s, 3, 4)])))
    c.append(('$$e_{mn} = ', 'e_{mn}', lambda s: (s['e'], [grid((4, 4), lambda m, n: sum(Dl(s, i, j) * W(s, m - i + 1, n - j + 1) for i in (1, 2) for j in (1, 2)))])))
    c.append(('$$e_{11} = ', 'e_{11}', lambda s: (at(s['e'], 1, 1), [Dl(s, 1, 1) * W(s, 1, 1)])))
    c.append(('$$e_{23} = ', 'e_{23}', lambda s: (at(s['e'], 2, 3), [Dl(s, 1, 1) * W(s, 2, 3) + Dl(s, 1, 2) * W(s, 2, 2) + Dl(s, 2, 1) * W(s, 1, 3) + Dl(s, 2, 2) * W(s, 1, 2)])))
    c.append(('$$e_{32} = ', 'e_{32}', lambda s: (at(s['e'], 3, 2), [Dl(s, 1, 1) * W(s, 3, 2) + Dl(s, 2, 1) * W(s, 2, 2) + Dl(s, 2, 2) * W(s, 2, 1)])))
    return c


FILES['08_own_names.md'] = dict(sample=f08_sample, claims=_f08())


# ----------------------------------------------------------------------------- 09 two convolutions, rot180
def f09_sample():
    X = RNG.normal(size=(4, 4)); K = RNG.normal(size=(2, 2)); V = RNG.normal(size=(2, 2)); G = RNG.normal(size=(2, 2))
    H = corr(X, K); Y = corr(H, V)
    s = dict(X=X, K=K, V=V, G=G, H=H, Y=Y)
    s['dV'] = cs_grad(lambda v: np.sum(G * corr(H, v)), V)
    s['dH'] = cs_grad(lambda v: np.sum(G * corr(v, V)), H)
    s['dK'] = cs_grad(lambda v: np.sum(G * corr(corr(X, v), V)), K)
    s['dX'] = cs_grad(lambda v: np.sum(G * corr(corr(v, K), V)), X)
    return s


def _f09():
    c = []
    A = lambda s, n, i, j: at(s[n], i, j)
    c.append(('H = X \\star K', 'H', lambda s: (s['H'], [corr(s['X'], s['K'])])))
    c.append(('Y = H \\star V', 'Y', lambda s: (s['Y'], [corr(s['H'], s['V'])])))
    c.append(('\\rot(V) = ', '\\rot(V)', lambda s: (rot180(s['V']), [np.array([[A(s, 'V', 2, 2), A(s, 'V', 2, 1)], [A(s, 'V', 1, 2), A(s, 'V', 1, 1)]])])))
    c.append(('\\rot(K) = ', '\\rot(K)', lambda s: (rot180(s['K']), [np.array([[A(s, 'K', 2, 2), A(s, 'K', 1, 2)], [A(s, 'K', 2, 1), A(s, 'K', 1, 1)]])])))
    c.append(('{\\partial V} = H \\star G', '\\frac{\\partial L}{\\partial V}', lambda s: (s['dV'], [corr(s['H'], s['G'])])))
    c.append(('{\\partial H} = \\full(G)', '\\frac{\\partial L}{\\partial H}', lambda s: (s['dH'], [corr(np.pad(s['G'], 1), rot180(s['V']))])))
    c.append(('{\\partial H_{ij}} = ', '\\frac{\\partial L}{\\partial H_{ij}}', lambda s: (s['dH'], [grid((3, 3), lambda i, j: sum(A(s, 'G', r, ss) * A(s, 'V', i - r + 1, j - ss + 1) for r in (1, 2) for ss in (1, 2)))])))
    c.append(('{\\partial H_{22}} &= ', '\\frac{\\partial L}{\\partial H_{22}}', lambda s: (A(s, 'dH', 2, 2), [
        A(s, 'G', 1, 1) * A(s, 'V', 2, 2) + A(s, 'G', 1, 2) * A(s, 'V', 2, 1) + A(s, 'G', 2, 1) * A(s, 'V', 1, 2) + A(s, 'G', 2, 2) * A(s, 'V', 1, 1)])))
    c.append(('{\\partial H_{21}} &= ', '\\frac{\\partial L}{\\partial H_{21}}', lambda s: (A(s, 'dH', 2, 1), [A(s, 'G', 1, 1) * A(s, 'V', 1, 1) + A(s, 'G', 2, 1) * A(s, 'V', 2, 1)])))
    c.append(('{\\partial K} = X \\star', '\\frac{\\partial L}{\\partial K}', lambda s: (s['dK'], [corr(s['X'], s['dH'])])))
    c.append(('{\\partial X} = \\full', '\\frac{\\partial L}{\\partial X}', lambda s: (s['dX'], [corr(np.pad(s['dH'], 1), rot180(s['K']))])))
    c.append(('{\\partial X_{11}} &= ', '\\frac{\\partial L}{\\partial X_{11}}', lambda s: (A(s, 'dX', 1, 1), [A(s, 'K', 1, 1) * A(s, 'V', 1, 1) * A(s, 'G', 1, 1)])))
    c.append(('{\\partial X_{12}} &= ', '\\frac{\\partial L}{\\partial X_{12}}', lambda s: (A(s, 'dX', 1, 2), [A(s, 'K', 1, 2) * A(s, 'dH', 1, 1) + A(s, 'K', 1, 1) * A(s, 'dH', 1, 2)])))
    c.append(('{\\partial X_{21}} &= ', '\\frac{\\partial L}{\\partial X_{21}}', lambda s: (A(s, 'dX', 2, 1), [A(s, 'K', 1, 1) * A(s, 'dH', 2, 1)])))
    return c


FILES['09_two_conv_rot180.tex'] = dict(sample=f09_sample, claims=_f09())


# ----------------------------------------------------------------------------- 10 blog with macros: conv-relu-flatten(row)-dense-half SE
def f10_loss(X, K, b, w, c, t):
    Z = corr(X, K) + b; Rm = relu(Z); a = Rm.flatten(order='C'); yh = w @ a + c
    return 0.5 * (yh - t) ** 2


def f10_sample():
    base = dict(X=RNG.normal(size=(4, 4)), K=RNG.normal(size=(3, 3)), b=float(RNG.normal()),
                w=RNG.normal(size=4), c=float(RNG.normal()), t=float(RNG.normal()))
    X, K, b, w, c, t = (base[k] for k in ('X', 'K', 'b', 'w', 'c', 't'))
    Z = corr(X, K) + b; Rm = relu(Z); a = Rm.flatten(order='C'); yh = w @ a + c
    s = dict(base, Z=Z, R=Rm, a=a, yh=yh, L=0.5 * (yh - t) ** 2)
    Lf = lambda **kw: f10_loss(**{**base, **kw})
    s['dw'] = fd_grad(lambda v: Lf(w=v), w); s['dc'] = fd_grad(lambda v: Lf(c=v), np.array(c))
    s['dK'] = fd_grad(lambda v: Lf(K=v), K)
    s['da'] = fd_grad(lambda v: 0.5 * (w @ v + c - t) ** 2, a)
    s['dR'] = fd_grad(lambda v: 0.5 * (w @ v.flatten(order='C') + c - t) ** 2, Rm)
    s['dZ'] = fd_grad(lambda v: 0.5 * (w @ relu(v).flatten(order='C') + c - t) ** 2, Z)
    return s


def _f10():
    c = []
    e = lambda s: s['yh'] - s['t']
    Wv = lambda s, i: at(s['w'], i)
    Xm = lambda s, i, j: at(s['X'], i, j)
    c.append(('$$Z_{ij} = ', 'Z_{ij}', lambda s: (s['Z'], [grid((2, 2), lambda i, j: s['b'] + sum(at(s['K'], p, q) * Xm(s, i + p - 1, j + q - 1) for p in (1, 2, 3) for q in (1, 2, 3)))])))
    c.append(('$$R_{ij} = ', 'R_{ij}', lambda s: (s['R'], [np.maximum(0, s['Z'])])))
    c.append(('$$\\va = ', '\\va', lambda s: (s['a'], [np.array([at(s['R'], 1, 1), at(s['R'], 1, 2), at(s['R'], 2, 1), at(s['R'], 2, 2)])])))
    c.append(('$$\\hat{y} = ', '\\hat{y}', lambda s: (s['yh'], [s['w'] @ s['a'] + s['c']])))
    c.append(('$$L = ', 'L', lambda s: (s['L'], [0.5 * e(s) ** 2])))
    c.append(('$$\\pd{L}{\\vw} = ', '\\pd{L}{\\vw}', lambda s: (s['dw'], [e(s) * s['a']])))
    c.append(('$$\\pd{L}{c} = ', '\\pd{L}{c}', lambda s: (s['dc'], [s['t'] - s['yh']])))
    c.append(('$$\\pd{L}{\\va} = ', '\\pd{L}{\\va}', lambda s: (s['da'], [e(s) * s['w']])))
    c.append(('$$\\pd{L}{R_{21}} = ', '\\pd{L}{R_{21}}', lambda s: (at(s['dR'], 2, 1), [e(s) * Wv(s, 2)])))
    c.append(('$$\\pd{L}{Z_{ij}} = ', '\\pd{L}{Z_{ij}}', lambda s: (s['dZ'], [s['dR'] * (s['Z'] > 0)])))
    c.append(('$$\\pd{L}{K_{pq}} = ', '\\pd{L}{K_{pq}}', lambda s: (s['dK'], [grid((3, 3), lambda p, q: sum(at(s['dZ'], i, j) * Xm(s, i + p - 1, j + q - 1) for i in (1, 2) for j in (1, 2)))])))
    c.append(('$$\\pd{L}{K_{31}} = ', '\\pd{L}{K_{31}}', lambda s: (at(s['dK'], 3, 1), [
        e(s) * (Wv(s, 1) * Xm(s, 3, 1) + Wv(s, 2) * Xm(s, 3, 2) + Wv(s, 3) * Xm(s, 4, 1) + Wv(s, 4) * Xm(s, 4, 2))])))
    return c


FILES['10_blog_macros.md'] = dict(sample=f10_sample, claims=_f10())


# ----------------------------------------------------------------------------- which lines hold '=' in math
ENVS = r'(equation|align|gather|multline|eqnarray|displaymath|math)\*?'


def math_lines(path):
    """(lines with an '=' inside math, lines that start with '=' inside math: continuations).
    Markdown code fences, inline code and HTML comments, and LaTeX % comments, are not math."""
    md = path.suffix == '.md'
    text = path.read_text()
    if md:
        text = re.sub(r'<!--.*?-->', lambda m: '\n' * m.group(0).count('\n'), text, flags=re.S)
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
        i = 0
        start_in_math = mode is not None
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
                eq.add(no)
            i += 1
        if start_in_math and re.match(r'\s*&?\s*=', ln):
            cont.add(no)
    return eq, cont


# ----------------------------------------------------------------------------- run
def line_of(path, anchor):
    hits = [n for n, ln in enumerate(path.read_text().split('\n'), 1) if anchor in ln]
    if len(hits) != 1:
        raise SystemExit(f'{path.name}: anchor {anchor!r} found on lines {hits}, need exactly one')
    return hits[0]


def judge(spec, claim):
    anchor, lhs, fn = claim[:3]
    mode = claim[3] if len(claim) > 3 else R
    states = [spec['fixed']()] if mode == F else [spec['sample']() for _ in range(TRIALS)]
    ok, worst = True, 0.0
    for s in states:
        L, members = fn(s)
        for M in members:
            if not same(L, M):
                ok = False
                worst = max(worst, dist(L, M))
    if not ok:
        assert worst > 1e-3, f'{lhs}: fails by only {worst}'   # a wrong claim must be clearly wrong
    return 'right' if ok else 'wrong'


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    entries = {f['name']: f for f in key['file']}
    problems = []
    if set(entries) != set(FILES):
        problems.append(f'files in key {sorted(entries)} != derived {sorted(FILES)}')
    tot = [0, 0, 0]
    print(f"{'file':28s} {'claims':>6s} {'right':>5s} {'wrong':>5s} {'defs':>4s} {'not':>4s}  status")
    for name, spec in FILES.items():
        path = HERE / name
        k = entries.get(name, {})
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
        print(f'{name:28s} {len(derived):6d} {nr:5d} {nw:5d} {len(defs):4d} {len(nots):4d}  {status}')
    print(f"{'total':28s} {tot[0]:6d} {tot[1]:5d} {tot[2]:5d}")
    if problems:
        print('\n'.join(['', 'problems:'] + problems))
        return 1
    print('\nall verdicts and line numbers in key.toml agree with the independent derivation')
    return 0


if __name__ == '__main__':
    sys.exit(main())
