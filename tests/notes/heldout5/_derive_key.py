#!/usr/bin/env python3
"""Independent check of key.toml for the heldout5 notes (plain SymPy and NumPy; symconv is not used).

Each layer or network is built here from its definition (the network TOML or the single layer's
sizes), every claim of the notes is transcribed by hand into SymPy, and both sides are compared as
functions of the leaves (input, parameters, target, given upstream gradient): at random points, and
at the notes' own values for worked numbers. A claim is right when every link of its chain holds.
The verdicts are compared with key.toml, and every line holding an '=' in math must be listed in the
key as a claim, a definition or a not_claim. Exit status 0 when everything agrees.
"""
import itertools
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import sympy as sp

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20240605)
_counter = itertools.count()
R = sp.Rational
Q = R(1, 4)


# ----------------------------------------------------------------------------- helpers
def syms(name, shape):
    n = int(np.prod(shape))
    return np.array(sp.symbols(f'{name}_0:{n}', real=True), dtype=object).reshape(shape)


def T(shape, fn):
    """Object array of the given shape; fn gets 1-based indices."""
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(*shape):
        out[idx] = sp.sympify(fn(*[i + 1 for i in idx]))
    return out


def E(A, *idx):
    """1-based entry of A, 0 outside the tensor (zero padding / full convolution)."""
    if len(idx) == A.ndim and all(1 <= i <= n for i, n in zip(idx, A.shape)):
        return A[tuple(i - 1 for i in idx)]
    return 0


def KD(a, b):
    return 1 if a == b else 0


def M(rows):
    return np.array([[sp.nsimplify(v) for v in r] for r in rows], dtype=object)


def S(*xs):
    return sp.Add(*xs)


def total(A):
    return sp.Add(*np.asarray(A).flat)


def grad(L, X):
    return np.vectorize(lambda s: sp.diff(L, s), otypes=[object])(X)


def through(value, rest):
    """dL/d(value): differentiate the rest of the network w.r.t. fresh symbols, then substitute."""
    Sy = syms(f'S{next(_counter)}', value.shape)
    g = grad(rest(Sy), Sy)
    sub = dict(zip(Sy.flat, value.flat))
    return np.vectorize(lambda e: e.xreplace(sub), otypes=[object])(g)


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


def ind_eq(a, b):
    return sp.Piecewise((1, sp.Eq(a, b)), (0, True))


def softmax(z):
    e = np.vectorize(sp.exp, otypes=[object])(z)
    return e / total(e)


def corr_valid(x, k):
    """Valid cross-correlation of a 2-D array with a 2-D kernel, by slicing."""
    kh, kw = k.shape
    Ho, Wo = x.shape[0] - kh + 1, x.shape[1] - kw + 1
    out = np.empty((Ho, Wo), dtype=object)
    for i in range(Ho):
        for j in range(Wo):
            out[i, j] = total(x[i:i + kh, j:j + kw] * k)
    return out


def vec(A):
    return np.asarray(A).flatten(order='F')


def num(e, pt):
    v = sp.sympify(e).xreplace(pt)
    v = sp.N(v, 30)
    return complex(v)


class Ctx:
    """The points at which a file's claims are compared."""

    def __init__(self, leaves, n=10, given=None, special=None):
        self.leaves = leaves
        self.given = [given] if given else []
        self.random = []
        for _ in range(n):
            pt = {}
            for name, A in leaves.items():
                A = np.asarray(A, dtype=object)
                if special and name in special:
                    vals = special[name](A.shape)
                else:
                    vals = RNG.normal(0, 1.2, A.shape)
                for s, v in zip(A.flat, np.asarray(vals).flat):
                    pt[s] = sp.Float(float(v), 30)
            self.random.append(pt)

    def link(self, a, b):
        a = np.asarray(a, dtype=object)
        b = np.asarray(b, dtype=object)
        if a.shape != b.shape:
            return False
        free = set()
        for e in itertools.chain(a.flat, b.flat):
            free |= sp.sympify(e).free_symbols
        # a link with a side that is a plain number is a worked number: checked at the notes' values
        numeric = any(not sp.sympify(e).free_symbols for e in a.flat) or \
            any(not sp.sympify(e).free_symbols for e in b.flat)
        pts = self.given if (numeric and self.given) else self.random + self.given
        for pt in pts:
            for x, y in zip(a.flat, b.flat):
                vx, vy = num(x, pt), num(y, pt)
                if abs(vx - vy) > 1e-9 * (1 + abs(vx)):
                    return False
        return True

    def chain(self, *exprs):
        return all(self.link(a, b) for a, b in zip(exprs, exprs[1:]))


def simplex(shape):
    v = RNG.dirichlet(np.ones(int(np.prod(shape))))
    return v.reshape(shape)


# ----------------------------------------------------------------------------- 01
def file01():
    X, W, b, Tt = syms('X', (2, 3)), syms('W', (2, 3)), syms('b', (2,)), syms('T', (2, 2))
    ones = np.array([1, 1], dtype=object)
    Y = np.empty((2, 2), dtype=object)
    for n in range(2):
        for j in range(2):
            Y[n, j] = total(W[j, :] * X[n, :]) + b[j]
    L = total((Y - Tt) ** 2) / 4
    dY = through(Y, lambda Sy: total((Sy - Tt) ** 2) / 4)
    dX, dW, db = grad(L, X), grad(L, W), grad(L, b)
    given = {}
    for A, vals in ((X, [[1, 2, 0], [0, 1, -1]]), (W, [[1, 0, 1], [0, 1, 1]]), (b, [0, 1]),
                    (Tt, [[1, 1], [0, 0]])):
        for s, v in zip(A.flat, np.asarray(vals).flat):
            given[s] = sp.Integer(int(v))
    c = Ctx({'X': X, 'W': W, 'b': b, 'T': Tt}, given=given)
    return [
        ('$$Y = X W^\\top', c.chain(Y, X.dot(W.T) + np.outer(ones, b))),
        ('\\mathcal{L} = \\frac{1}{4} \\sum', c.chain(L, Q * S(*[(Y[n, j] - Tt[n, j]) ** 2 for n in range(2) for j in range(2)]))),
        ('$$dY = \\frac{2}{4}', c.chain(dY, R(2, 4) * (Y - Tt), R(1, 2) * (Y - Tt))),
        ('$$dX = dY \\, W$$', c.chain(dX, dY.dot(W))),
        ('$$dW = X^\\top dY$$', c.chain(dW, X.T.dot(dY))),
        ('$$dW_{jk} = ', c.chain(dW, T((2, 3), lambda j, k: S(*[E(dY, n, j) * E(X, n, k) for n in (1, 2)])))),
        ('$$db_j = ', c.chain(db, T((2,), lambda j: R(1, 2) * S(*[E(dY, n, j) for n in (1, 2)])))),
        ('$$Y = \\begin{bmatrix} 1 & 3', c.chain(Y, M([[1, 3], [-1, 1]]))),
        ('= 1.5$$', c.chain(L, R(0 + 4 + 1 + 1, 4), sp.Float(1.5)))
        ,
        ('$$dY = \\begin{bmatrix}', c.chain(dY, M([[0, 1], [-0.5, 0.5]]))),
        ('$$dW = \\begin{bmatrix}', c.chain(dW, M([[0, -0.5, 0.5], [1, 2.5, 0.5]]))),
        ('$$dX = \\begin{bmatrix}', c.chain(dX, M([[0, 1, 1], [-0.5, 0.5, 0]]))),
    ]


# ----------------------------------------------------------------------------- 02
def file02():
    x, k, g = syms('x', (4, 4)), syms('k', (3, 3)), syms('g', (2, 2))
    b = sp.Symbol('b', real=True)
    y = corr_valid(x, k) + b
    L = total(g * y)
    c = Ctx({'x': x, 'k': k, 'g': g, 'b': np.array([b], dtype=object)})
    dk, dx, db = grad(L, k), grad(L, x), sp.diff(L, b)
    r2, r3 = (1, 2), (1, 2, 3)
    dy_dk = T((2, 2, 3, 3), lambda i, j, u, v: sp.diff(E(y, i, j), E(k, u, v)))
    dy_dx = T((2, 2, 4, 4), lambda i, j, m, n: sp.diff(E(y, i, j), E(x, m, n)))
    return [
        ('$$y_{ij} = b + ', c.chain(y, T((2, 2), lambda i, j: b + S(*[E(k, p, q) * E(x, i + p - 1, j + q - 1) for p in r3 for q in r3])))),
        ('so $\\partial k_{pq} / \\partial k_{uv}', c.chain(T((3, 3, 3, 3), lambda p, q, u, v: sp.diff(E(k, p, q), E(k, u, v))),
                                                      T((3, 3, 3, 3), lambda p, q, u, v: KD(p, u) * KD(q, v)))),
        ('$$\\frac{\\partial y_{ij}}{\\partial k_{uv}} = \\sum', c.chain(
            dy_dk,
            T((2, 2, 3, 3), lambda i, j, u, v: S(*[KD(p, u) * KD(q, v) * E(x, i + p - 1, j + q - 1) for p in r3 for q in r3])),
            T((2, 2, 3, 3), lambda i, j, u, v: E(x, i + u - 1, j + v - 1)))),
        ('$$\\frac{\\partial y_{ij}}{\\partial x_{mn}} = \\sum', c.chain(
            dy_dx,
            T((2, 2, 4, 4), lambda i, j, m, n: S(*[E(k, p, q) * KD(m, i + p - 1) * KD(n, j + q - 1) for p in r3 for q in r3])),
            T((2, 2, 4, 4), lambda i, j, m, n: E(k, m - i + 1, n - j + 1)))),
        ('\\frac{\\partial y_{12}}{\\partial x_{23}} = k_{12}', c.chain(dy_dx[0, 1, 1, 2], E(k, 1, 2))),
        ('\\frac{\\partial y_{ij}}{\\partial b} = 1', c.chain(T((2, 2), lambda i, j: sp.diff(E(y, i, j), b)), T((2, 2), lambda i, j: 1))),
        ('\\frac{\\partial L}{\\partial k_{uv}} = ', c.chain(
            dk,
            T((3, 3), lambda u, v: S(*[E(g, i, j) * dy_dk[i - 1, j - 1, u - 1, v - 1] for i in r2 for j in r2])),
            T((3, 3), lambda u, v: S(*[E(g, i, j) * E(x, i + u - 1, j + v - 1) for i in r2 for j in r2])))),
        ('\\frac{\\partial L}{\\partial k_{33}}', c.chain(E(dk, 3, 3), E(g, 1, 1) * E(x, 3, 3) + E(g, 1, 2) * E(x, 3, 4) + E(g, 2, 1) * E(x, 4, 3) + E(g, 2, 2) * E(x, 4, 4))),
        ('\\frac{\\partial L}{\\partial k_{13}}', c.chain(E(dk, 1, 3), E(g, 1, 1) * E(x, 1, 3) + E(g, 1, 2) * E(x, 1, 4) + E(g, 2, 1) * E(x, 2, 3) + E(g, 2, 2) * E(x, 3, 4))),
        ('\\frac{\\partial L}{\\partial x_{mn}} = \\sum_{i=1}', c.chain(dx, T((4, 4), lambda m, n: S(*[E(g, i, j) * E(k, m - i + 1, n - j + 1) for i in r2 for j in r2])))),
        ('\\frac{\\partial L}{\\partial x_{mn}} = \\sum_{p=1}', c.chain(dx, T((4, 4), lambda m, n: S(*[E(k, p, q) * E(g, m + p - 1, n + q - 1) for p in r3 for q in r3])))),
        ('\\frac{\\partial L}{\\partial x_{22}}', c.chain(E(dx, 2, 2), E(g, 1, 1) * E(k, 2, 2) + E(g, 1, 2) * E(k, 2, 1) + E(g, 2, 1) * E(k, 1, 2) + E(g, 2, 2) * E(k, 1, 1))),
        ('\\frac{\\partial L}{\\partial x_{14}}', c.chain(E(dx, 1, 4), E(g, 1, 2) * E(k, 1, 3))),
        ('\\frac{\\partial L}{\\partial x_{41}}', c.chain(E(dx, 4, 1), E(g, 2, 1) * E(k, 1, 3))),
        ('\\frac{\\partial L}{\\partial b} = ', c.chain(db, S(*[E(g, i, j) * 1 for i in r2 for j in r2]), total(g))),
    ]


# ----------------------------------------------------------------------------- 03
def file03():
    X, K, G = syms('X', (3, 3)), syms('K', (2, 2)), syms('G', (2, 2))
    Y = corr_valid(X, K)
    L = total(G * Y)
    dK, dX = grad(L, K), grad(L, X)
    given = {}
    for A, vals in ((X, [[1, 0, 2], [3, 1, 0], [0, 2, 1]]), (K, [[1, -1], [0, 2]]), (G, [[1, 2], [0, -1]])):
        for s, v in zip(A.flat, np.asarray(vals).flat):
            given[s] = sp.Integer(int(v))
    c = Ctx({'X': X, 'K': K, 'G': G}, given=given)
    r2 = (1, 2)
    x = lambda i, j: E(X, i, j)
    kk = lambda i, j: E(K, i, j)
    gg = lambda i, j: E(G, i, j)
    return [
        ('$$Y_{11} =', c.chain(Y[0, 0], 1 * 1 + 0 * (-1) + 3 * 0 + 1 * 2, 3)),
        ('$$Y_{12} =', c.chain(Y[0, 1], 0 * 1 + 2 * (-1) + 1 * 0 + 0 * 2, -2)),
        ('$$Y_{21} =', c.chain(Y[1, 0], 3 * 1 + 1 * (-1) + 0 * 0 + 2 * 2, 5)),
        ('$$Y_{22} =', c.chain(Y[1, 1], 1 * 1 + 0 * (-1) + 2 * 0 + 1 * 2, 3)),
        ('\\frac{\\partial L}{\\partial K_{pq}} = ', c.chain(dK, T((2, 2), lambda p, q: S(*[gg(r, s) * x(r + p - 1, s + q - 1) for r in r2 for s in r2])))),
        ('\\frac{\\partial L}{\\partial K_{11}}', c.chain(dK[0, 0], gg(1, 1) * x(1, 1) + gg(1, 2) * x(1, 2) + gg(2, 1) * x(2, 1) + gg(2, 2) * x(2, 2), 1 + 0 + 0 - 1, 0)),
        ('\\frac{\\partial L}{\\partial K_{12}}', c.chain(dK[0, 1], gg(1, 1) * x(1, 2) + gg(1, 2) * x(1, 3) + gg(2, 1) * x(2, 2) + gg(2, 2) * x(2, 3), 0 + 4 + 0 + 0, 4)),
        ('\\frac{\\partial L}{\\partial K_{21}}', c.chain(dK[1, 0], gg(1, 1) * x(1, 2) + gg(1, 2) * x(1, 3) + gg(2, 1) * x(2, 2) + gg(2, 2) * x(2, 3), 0 + 4 + 0 + 0, 4)),
        ('\\frac{\\partial L}{\\partial K_{22}}', c.chain(dK[1, 1], gg(1, 1) * x(2, 2) + gg(1, 2) * x(2, 3) + gg(2, 1) * x(3, 2) + gg(2, 2) * x(3, 3), 1 + 0 + 0 - 1, 0)),
        ('\\frac{\\partial L}{\\partial X_{ij}} = ', c.chain(dX, T((3, 3), lambda i, j: S(*[gg(r, s) * kk(i - r + 1, j - s + 1) for r in r2 for s in r2])))),
        ('\\frac{\\partial L}{\\partial X_{11}}', c.chain(dX[0, 0], gg(1, 1) * kk(1, 1), 1)),
        ('\\frac{\\partial L}{\\partial X_{12}}', c.chain(dX[0, 1], gg(1, 1) * kk(1, 1) + gg(1, 2) * kk(1, 2), 1 - 2, -1)),
        ('\\frac{\\partial L}{\\partial X_{22}}', c.chain(dX[1, 1], gg(1, 1) * kk(2, 2) + gg(1, 2) * kk(2, 1) + gg(2, 1) * kk(1, 2) + gg(2, 2) * kk(1, 1), 2 + 0 + 0 - 1, 1)),
        ('\\frac{\\partial L}{\\partial X_{23}}', c.chain(dX[1, 2], gg(1, 2) * kk(2, 2) + gg(2, 2) * kk(1, 2), 4 + 1, 5)),
        ('\\frac{\\partial L}{\\partial X_{33}}', c.chain(dX[2, 2], gg(2, 2) * kk(2, 2), -2)),
    ]


# ----------------------------------------------------------------------------- 04
def file04():
    x, W1, b1 = syms('x', (3,)), syms('W1', (4, 3)), syms('b1', (4,))
    W2, b2, t = syms('W2', (3, 4)), syms('b2', (3,)), syms('t', (3,))
    relu = np.vectorize(lambda z: sp.Max(0, z), otypes=[object])
    logv = np.vectorize(sp.log, otypes=[object])
    ce = lambda z: -total(t * logv(softmax(z)))
    z1 = W1.dot(x) + b1
    a1 = relu(z1)
    z2 = W2.dot(a1) + b2
    yh = softmax(z2)
    L = ce(z2)
    c = Ctx({'x': x, 'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2, 't': t}, n=12, special={'t': simplex})
    dz2 = through(z2, ce)
    da1 = through(a1, lambda Sy: ce(W2.dot(Sy) + b2))
    dz1 = through(z1, lambda Sy: ce(W2.dot(relu(Sy)) + b2))
    dW2, db2, dW1, db1 = grad(L, W2), grad(L, b2), grad(L, W1), grad(L, b1)
    Sz = syms('Sz', (3,))
    Jsm = grad_matrix = np.empty((3, 3), dtype=object)
    sm = softmax(Sz)
    for kk in range(3):
        for j in range(3):
            Jsm[kk, j] = sp.diff(sm[kk], Sz[j]).xreplace(dict(zip(Sz, z2)))
    r3 = (1, 2, 3)
    step = lambda z: ind(z > 0)
    return [
        ('$$z^{[1]} = ', c.chain(z1, W1.dot(x) + b1)),
        ('$$a^{[1]} = \\max', c.chain(a1, np.vectorize(lambda z: sp.Max(0, z), otypes=[object])(z1))),
        ('$$z^{[2]} = ', c.chain(z2, W2.dot(a1) + b2)),
        ('$$\\hat{y}_k = ', c.chain(yh, T((3,), lambda k: sp.exp(E(z2, k)) / S(*[sp.exp(E(z2, j)) for j in r3])))),
        ('$$\\mathcal{L} = ', c.chain(L, -S(*[E(t, k) * sp.log(E(yh, k)) for k in r3]))),
        ('\\frac{\\partial \\hat{y}_k}{\\partial z^{[2]}_j}', c.chain(Jsm, T((3, 3), lambda k, j: E(yh, k) * (KD(k, j) - E(yh, k))))),
        ('\\frac{\\partial \\mathcal{L}}{\\partial z^{[2]}_j} = ', c.chain(
            dz2,
            T((3,), lambda j: -S(*[E(t, k) / E(yh, k) * E(yh, k) * (KD(k, j) - E(yh, j)) for k in r3])),
            T((3,), lambda j: -E(t, j) + E(yh, j) * S(*[E(t, k) for k in r3])),
            yh - t)),
        ('$$dW^{[2]} = ', c.chain(dW2, np.outer(dz2, a1))),
        ('$$db^{[2]} = ', c.chain(db2, dz2)),
        ('$$dW^{[2]}_{kj} = ', c.chain(dW2, T((3, 4), lambda k, j: (E(yh, k) - E(t, k)) * E(a1, j)))),
        ('$$da^{[1]} = ', c.chain(da1, W2.T.dot(dz2))),
        ('$$dz^{[1]} = ', c.chain(dz1, da1 * np.vectorize(step, otypes=[object])(z1))),
        ('$$dW^{[1]} = ', c.chain(dW1, np.outer(dz1, x))),
        ('$$dW^{[1]}_{ji} = ', c.chain(dW1, T((4, 3), lambda j, i: S(*[E(W2, j, k) * (E(yh, k) - E(t, k)) for k in r3]) * step(E(z1, j)) * E(x, i)))),
        ('$$db^{[1]} = ', c.chain(db1, total(dz1))),
    ]


# ----------------------------------------------------------------------------- 05
def file05():
    x, d = syms('x', (4, 4)), syms('d', (2, 2))
    m = T((2, 2), lambda i, j: sp.Max(E(x, 2 * i - 1, 2 * j - 1), E(x, 2 * i - 1, 2 * j), E(x, 2 * i, 2 * j - 1), E(x, 2 * i, 2 * j)))
    v = np.empty((2, 2), dtype=object)
    for i in range(2):
        for j in range(2):
            v[i, j] = total(x[2 * i:2 * i + 2, 2 * j:2 * j + 2]) / 4
    s = m + v
    L = total(d * s)
    dx = grad(L, x)
    dm = through(m, lambda Sy: total(d * (Sy + v)))
    dv = through(v, lambda Sy: total(d * (m + Sy)))
    ds = through(s, lambda Sy: total(d * Sy))
    given = {}
    for A, vals in ((x, [[1, 5, 2, 0], [3, 2, 4, 8], [0, 6, 1, 1], [7, 4, 3, 9]]), (d, [[4, -2], [1, 8]])):
        for sy, val in zip(A.flat, np.asarray(vals).flat):
            given[sy] = sp.Integer(int(val))
    c = Ctx({'x': x, 'd': d}, n=16, given=given)
    r2 = (1, 2)
    return [
        ('$$m_{ij} = ', c.chain(m, T((2, 2), lambda i, j: sp.Max(*[E(x, 2 * i - 2 + p, 2 * j - 2 + q) for p in r2 for q in r2])))),
        ('$$v_{ij} = ', c.chain(v, T((2, 2), lambda i, j: Q * S(*[E(x, 2 * i - 2 + p, 2 * j - 2 + q) for p in r2 for q in r2])))),
        ('$$s_{ij} = ', c.chain(s, m + v)),
        ('\\frac{\\partial L}{\\partial m_{ij}} = ', c.chain(dm, ds, d)),
        ('\\frac{\\partial L}{\\partial v_{ij}} = ', c.chain(dv, d)),
        ('e.g. $\\partial v_{ij} /', c.chain(T((2, 2), lambda i, j: sp.diff(E(v, i, j), E(x, 2 * i, 2 * j - 1))), T((2, 2), lambda i, j: Q))),
        ('\\frac{\\partial L}{\\partial x_{11}} = ', c.chain(dx[0, 0], Q * d[0, 0] + d[0, 0] * ind_eq(x[0, 0], m[0, 0]))),
        ('\\frac{\\partial L}{\\partial x_{23}} = ', c.chain(dx[1, 2], R(1, 2) * d[0, 1] + d[0, 1] * ind_eq(x[1, 2], m[0, 1]))),
        ('\\frac{\\partial L}{\\partial x_{44}} = ', c.chain(dx[3, 3], d[1, 1] * (Q + ind_eq(x[3, 3], m[1, 1])))),
        ('\\frac{\\partial L}{\\partial x_{32}} = ', c.chain(dx[2, 1], Q * d[1, 0])),
        ('$$m = \\begin{bmatrix}', c.chain(m, M([[5, 8], [7, 9]]))),
        ('$$v = \\begin{bmatrix}', c.chain(v, M([[2.75, 3.5], [4.25, 3.5]]))),
        ('$$s = \\begin{bmatrix}', c.chain(s, M([[7.75, 11.5], [11.25, 12.5]]))),
        ('\\frac{\\partial L}{\\partial x} = \\begin', c.chain(dx, M([[1, 5, -0.5, -0.5], [1, 1, -0.5, -2.5], [0.25, 0.25, 2, 2], [1.25, 0.25, 2, 8]]))),
    ]


# ----------------------------------------------------------------------------- 06
def file06():
    x, w, d = syms('x', (3, 3)), syms('w', (3, 3)), syms('d', (2, 2))
    xp = np.zeros((5, 5), dtype=object)
    xp[1:4, 1:4] = x
    y = np.empty((2, 2), dtype=object)
    for r in range(2):
        for s in range(2):
            y[r, s] = total(w * xp[2 * r:2 * r + 3, 2 * s:2 * s + 3])
    L = total(d * y)
    dw, dx = grad(L, w), grad(L, x)
    c = Ctx({'x': x, 'w': w, 'd': d})
    r2, r3 = (1, 2), (1, 2, 3)
    X = lambda i, j: E(x, i, j)
    Wt = lambda i, j: E(w, i, j)
    D = lambda i, j: E(d, i, j)
    return [
        ('y_{rs} = \\sum_{p=1}^{3} \\sum_{q=1}^{3} w_{pq} \\, x_{2r+p-3', c.chain(y, T((2, 2), lambda r, s: S(*[Wt(p, q) * X(2 * r + p - 3, 2 * s + q - 3) for p in r3 for q in r3])))),
        ('x_{2r+p-2', c.chain(y, T((2, 2), lambda r, s: S(*[Wt(p, q) * X(2 * r + p - 2, 2 * s + q - 2) for p in r3 for q in r3])))),
        ('y_{11} &= ', c.chain(y[0, 0], Wt(2, 2) * X(1, 1) + Wt(2, 3) * X(1, 2) + Wt(3, 2) * X(2, 1) + Wt(3, 3) * X(2, 2))),
        ('y_{12} &= ', c.chain(y[0, 1], Wt(2, 1) * X(1, 2) + Wt(2, 2) * X(1, 3) + Wt(3, 1) * X(2, 2) + Wt(3, 2) * X(2, 3))),
        ('y_{22} &= ', c.chain(y[1, 1], Wt(1, 1) * X(2, 2) + Wt(1, 2) * X(2, 3) + Wt(2, 1) * X(3, 2) + Wt(2, 2) * X(3, 3))),
        ('\\frac{\\partial L}{\\partial w_{pq}} = ', c.chain(dw, T((3, 3), lambda p, q: S(*[D(r, s) * X(2 * r + p - 3, 2 * s + q - 3) for r in r2 for s in r2])))),
        ('\\frac{\\partial L}{\\partial w_{22}} &=', c.chain(dw[1, 1], D(1, 1) * X(1, 1) + D(1, 2) * X(1, 3) + D(2, 1) * X(3, 1) + D(2, 2) * X(3, 3))),
        ('\\frac{\\partial L}{\\partial w_{11}} &=', c.chain(dw[0, 0], D(2, 2) * X(2, 2))),
        ('\\frac{\\partial L}{\\partial w_{13}} &=', c.chain(dw[0, 2], D(1, 2) * X(2, 2))),
        ('\\frac{\\partial L}{\\partial x_{ij}} = ', c.chain(dx, T((3, 3), lambda i, j: S(*[D(r, s) * Wt(i - 2 * r + 3, j - 2 * s + 3) for r in r2 for s in r2])))),
        ('\\frac{\\partial L}{\\partial x_{22}} &=', c.chain(dx[1, 1], D(1, 1) * Wt(3, 3) + D(1, 2) * Wt(3, 1) + D(2, 1) * Wt(1, 3) + D(2, 2) * Wt(1, 1))),
        ('\\frac{\\partial L}{\\partial x_{12}} &=', c.chain(dx[0, 1], D(1, 1) * Wt(2, 3) + D(1, 2) * Wt(2, 1))),
        ('\\frac{\\partial L}{\\partial x_{13}} &=', c.chain(dx[0, 2], D(1, 2) * Wt(2, 3))),
        ('\\frac{\\partial L}{\\partial x_{33}} &=', c.chain(dx[2, 2], D(2, 2) * Wt(2, 2))),
    ]


# ----------------------------------------------------------------------------- 07
def file07():
    x, k, b, g = syms('x', (2, 3, 3)), syms('k', (2, 2, 2)), syms('b', (2,)), syms('g', (2, 2, 2))
    y = np.empty((2, 2, 2), dtype=object)
    for ch in range(2):   # groups = 2: output channel ch reads input channel ch only
        y[ch] = corr_valid(x[ch], k[ch]) + b[ch]
    L = total(g * y)
    dk, db, dx = grad(L, k), grad(L, b), grad(L, x)
    c = Ctx({'x': x, 'k': k, 'b': b, 'g': g})
    r2 = (1, 2)
    X = lambda c_, i, j: E(x, c_, i, j)
    K = lambda c_, i, j: E(k, c_, i, j)
    G = lambda c_, i, j: E(g, c_, i, j)
    return [
        ('$$y^{(c)}_{ij} = ', c.chain(y, T((2, 2, 2), lambda ch, i, j: E(b, ch) + S(*[K(ch, p, q) * X(ch, i + p - 1, j + q - 1) for p in r2 for q in r2])))),
        ('$$y^{(2)}_{12} = ', c.chain(y[1, 0, 1], E(b, 2) + K(2, 1, 1) * X(2, 1, 2) + K(2, 1, 2) * X(2, 1, 3) + K(2, 2, 1) * X(2, 2, 2) + K(2, 2, 2) * X(2, 2, 3))),
        ('$$y^{(1)}_{11} = ', c.chain(y[0, 0, 0], E(b, 1) + K(1, 2, 2) * X(1, 1, 1) + K(1, 2, 1) * X(1, 1, 2) + K(1, 1, 2) * X(1, 2, 1) + K(1, 1, 1) * X(1, 2, 2))),
        ('\\frac{\\partial L}{\\partial k^{(c)}_{pq}} = ', c.chain(dk, T((2, 2, 2), lambda ch, p, q: S(*[G(ch, i, j) * X(ch, i + p - 1, j + q - 1) for i in r2 for j in r2])))),
        ('\\frac{\\partial L}{\\partial k^{(1)}_{21}} = ', c.chain(dk[0, 1, 0], G(1, 1, 1) * X(1, 2, 1) + G(1, 1, 2) * X(1, 2, 2) + G(1, 2, 1) * X(1, 3, 1) + G(1, 2, 2) * X(1, 3, 2))),
        ('\\frac{\\partial L}{\\partial k^{(2)}_{12}} = ', c.chain(dk[1, 0, 1], G(2, 1, 1) * X(2, 1, 2) + G(2, 1, 2) * X(2, 1, 3) + G(2, 2, 1) * X(2, 2, 2) + G(2, 2, 2) * X(2, 3, 2))),
        ('\\frac{\\partial L}{\\partial b_c} = ', c.chain(db, T((2,), lambda ch: S(*[G(ch, i, j) for i in r2 for j in r2])))),
        ('\\frac{\\partial L}{\\partial b_2} = ', c.chain(db[1], G(2, 1, 1) + G(2, 1, 2) + G(2, 2, 1) + G(2, 2, 2))),
        ('\\frac{\\partial L}{\\partial x^{(c)}_{ij}} = ', c.chain(dx, T((2, 3, 3), lambda ch, i, j: S(*[G(ch, r, s) * K(ch, i - r + 1, j - s + 1) for r in r2 for s in r2])))),
        ('\\frac{\\partial L}{\\partial x^{(1)}_{22}} = ', c.chain(dx[0, 1, 1], G(1, 1, 1) * K(1, 2, 2) + G(1, 1, 2) * K(1, 2, 1) + G(1, 2, 1) * K(1, 1, 2) + G(1, 2, 2) * K(1, 1, 1))),
        ('\\frac{\\partial L}{\\partial x^{(2)}_{13}} = ', c.chain(dx[1, 0, 2], G(2, 1, 2) * K(2, 1, 2))),
        ('\\frac{\\partial L}{\\partial x^{(1)}_{33}} = ', c.chain(dx[0, 2, 2], G(1, 2, 2) * K(1, 2, 2))),
        ('\\frac{\\partial L}{\\partial x^{(2)}_{31}} = ', c.chain(dx[1, 2, 0], G(2, 2, 1) * K(2, 2, 1) + G(1, 2, 1) * K(1, 2, 1))),
    ]


# ----------------------------------------------------------------------------- 08
def file08():
    x, W1, b1 = syms('x', (2,)), syms('W1', (3, 2)), syms('b1', (3,))
    W2, b2, t = syms('W2', (1, 3)), syms('b2', (1,)), syms('t', (1,))
    alpha = R(1, 10)
    leaky_s = lambda z: sp.Piecewise((z, z > 0), (alpha * z, True))
    leaky = np.vectorize(leaky_s, otypes=[object])
    tanh = np.vectorize(sp.tanh, otypes=[object])
    half = lambda a: R(1, 2) * total((a - t) ** 2)
    h = W1.dot(x) + b1
    u = leaky(h)
    v = W2.dot(u) + b2
    yh = tanh(v)
    L = half(yh)
    c = Ctx({'x': x, 'W1': W1, 'b1': b1, 'W2': W2, 'b2': b2, 't': t}, n=12)
    dyh = through(yh, half)
    dv = through(v, lambda Sy: half(tanh(Sy)))
    du = through(u, lambda Sy: half(tanh(W2.dot(Sy) + b2)))
    dh = through(h, lambda Sy: half(tanh(W2.dot(leaky(Sy)) + b2)))
    dW2, db2, dW1, dx = grad(L, W2), grad(L, b2), grad(L, W1), grad(L, x)
    z = sp.Symbol('z', real=True)
    dleaky = sp.diff(leaky_s(z), z)
    du_dh = T((3,), lambda j: dleaky.xreplace({z: E(h, j)}))
    V = sp.Symbol('V', real=True)
    tanh_prime = sp.diff(sp.tanh(V), V).xreplace({V: v[0]})
    y1, t1 = yh[0], t[0]
    core = (y1 - t1) * (1 - y1 ** 2)
    lam = lambda j: sp.Piecewise((1, E(h, j) > 0), (alpha, True))
    return [
        ('$$h = ', c.chain(h, W1.dot(x) + b1)),
        ('$$u_j = ', c.chain(u, T((3,), lambda j: sp.Piecewise((E(h, j), E(h, j) > 0), (R(1, 10) * E(h, j), True))))),
        ('$$v = ', c.chain(v, W2.dot(u) + b2)),
        ('$$\\hat{y} = \\tanh', c.chain(yh, tanh(v))),
        ('$$L = \\frac{1}{2}', c.chain(L, R(1, 2) * (y1 - t1) ** 2)),
        ('\\frac{\\partial u_j}{\\partial h_j} = ', c.chain(du_dh, T((3,), lambda j: sp.Piecewise((1, E(h, j) > 0), (R(1, 10), True))))),
        ("$\\tanh'(v) = ", c.chain(tanh_prime, 1 - sp.tanh(v[0]) ** 2, 1 - y1 ** 2)),
        ('\\frac{\\partial L}{\\partial \\hat{y}} = ', c.chain(dyh, np.array([y1 - t1], dtype=object))),
        ('\\frac{\\partial L}{\\partial v} = ', c.chain(dv, np.array([core], dtype=object))),
        ('\\frac{\\partial L}{\\partial W^{(2)}_{1j}} = ', c.chain(dW2[0], T((3,), lambda j: core * E(h, j)))),
        ('\\frac{\\partial L}{\\partial b^{(2)}} = ', c.chain(db2, np.array([core], dtype=object))),
        ('\\frac{\\partial L}{\\partial u_j} = ', c.chain(du, T((3,), lambda j: core * E(W2, 1, j)))),
        ('\\frac{\\partial L}{\\partial h_j} = ', c.chain(dh, T((3,), lambda j: sp.Piecewise((core * E(W2, 1, j), E(h, j) > 0), (R(1, 10) * E(h, j) * core * E(W2, 1, j), True))))),
        ('\\frac{\\partial L}{\\partial W^{(1)}_{ji}} = ', c.chain(dW1, T((3, 2), lambda j, i: core * E(W2, 1, j) * lam(j) * E(x, i)))),
        ('\\frac{\\partial L}{\\partial x_i} = ', c.chain(dx, T((2,), lambda i: core * S(*[E(W2, 1, j) * lam(j) * E(W1, i, j) for j in (1, 2, 3)])))),
    ]


# ----------------------------------------------------------------------------- 09
def file09():
    x, k, g = syms('x', (3, 3)), syms('k', (2, 2)), syms('g', (2, 2))
    y = corr_valid(x, k)
    L = total(g * y)
    dx, dk = grad(L, x), grad(L, k)
    c = Ctx({'x': x, 'k': k, 'g': g})
    vx, vy, vk, vg = vec(x), vec(y), vec(k), vec(g)
    Jx = T((4, 9), lambda a, b_: sp.diff(vy[a - 1], vx[b_ - 1]))
    Jk = T((4, 4), lambda a, b_: sp.diff(vy[a - 1], vk[b_ - 1]))
    X = lambda i, j: E(x, i, j)
    K = lambda i, j: E(k, i, j)
    G = lambda i, j: E(g, i, j)
    Jx_notes = np.array([
        [K(1, 1), K(2, 1), 0, K(1, 2), K(2, 2), 0, 0, 0, 0],
        [0, K(1, 1), K(2, 1), 0, K(1, 2), K(2, 2), 0, 0, 0],
        [0, 0, 0, K(1, 1), K(2, 1), 0, K(1, 2), K(2, 2), 0],
        [0, 0, 0, 0, K(1, 1), K(2, 1), 0, K(1, 2), K(2, 2)]], dtype=object)
    Jk_notes = np.array([
        [X(1, 1), X(1, 2), X(2, 1), X(2, 2)],
        [X(2, 1), X(2, 2), X(3, 1), X(3, 2)],
        [X(1, 2), X(1, 3), X(2, 2), X(2, 3)],
        [X(2, 2), X(2, 3), X(3, 2), X(3, 3)]], dtype=object)
    return [
        ('so $y = x \\star k$', c.chain(y, T((2, 2), lambda i, j: S(*[X(i + p - 1, j + q - 1) * K(p, q) for p in (1, 2) for q in (1, 2)])))),
        ('\\operatorname{vec}(x) = (x_{11}', c.chain(vx, np.array([X(1, 1), X(2, 1), X(3, 1), X(1, 2), X(2, 2), X(3, 2), X(1, 3), X(2, 3), X(3, 3)], dtype=object))),
        ('\\operatorname{vec}(y) = (y_{11}', c.chain(vy, np.array([y[0, 0], y[1, 0], y[0, 1], y[1, 1]], dtype=object))),
        ('{\\partial \\operatorname{vec}(x)} = \\begin{pmatrix}', c.chain(Jx, Jx_notes)),
        ('{\\partial \\operatorname{vec}(k)} = \\begin{pmatrix}', c.chain(Jk, Jk_notes)),
        ('\\frac{\\partial y_{21}}{\\partial x_{22}}', c.chain(sp.diff(y[1, 0], x[1, 1]), K(1, 2))),
        ('\\frac{\\partial y_{12}}{\\partial x_{22}}', c.chain(sp.diff(y[0, 1], x[1, 1]), K(2, 1))),
        ('\\frac{\\partial y_{22}}{\\partial x_{23}}', c.chain(sp.diff(y[1, 1], x[1, 2]), K(2, 1))),
        ('\\nabla_{\\operatorname{vec}(x)} L = ', c.chain(vec(dx), Jx_notes.T.dot(vg))),
        ('\\frac{\\partial L}{\\partial x_{22}}', c.chain(dx[1, 1], K(2, 2) * G(1, 1) + K(1, 2) * G(2, 1) + K(2, 1) * G(1, 2) + K(1, 1) * G(2, 2))),
        ('\\frac{\\partial L}{\\partial x_{31}}', c.chain(dx[2, 0], K(2, 1) * G(2, 1))),
        ('\\frac{\\partial L}{\\partial x_{32}}', c.chain(dx[2, 1], K(2, 2) * G(2, 1) + K(2, 1) * G(2, 2))),
        ('\\frac{\\partial L}{\\partial x_{13}}', c.chain(dx[0, 2], K(1, 2) * G(2, 1))),
        ('\\frac{\\partial L}{\\partial k_{21}}', c.chain(dk[1, 0], X(2, 1) * G(1, 1) + X(3, 1) * G(2, 1) + X(2, 2) * G(1, 2) + X(3, 2) * G(2, 2))),
    ]


# ----------------------------------------------------------------------------- 10
def file10():
    X, K, b = syms('X', (4, 4)), syms('K', (2, 3, 3)), syms('b', (2,))
    W, beta, t = syms('W', (2, 2)), syms('beta', (2,)), syms('t', (2,))
    relu = np.vectorize(lambda z: sp.Max(0, z), otypes=[object])
    logv = np.vectorize(sp.log, otypes=[object])
    ce = lambda f_: -total(t * logv(softmax(f_)))
    gap = lambda A_: np.array([total(A_[ch]) / 4 for ch in range(2)], dtype=object)
    Z = np.empty((2, 2, 2), dtype=object)
    for ch in range(2):
        Z[ch] = corr_valid(X, K[ch]) + b[ch]
    A = relu(Z)
    m = gap(A)
    f = W.dot(m) + beta
    p = softmax(f)
    L = ce(f)
    c = Ctx({'X': X, 'K': K, 'b': b, 'W': W, 'beta': beta, 't': t}, n=12, special={'t': simplex})
    df = through(f, ce)
    dm = through(m, lambda Sy: ce(W.dot(Sy) + beta))
    dA = through(A, lambda Sy: ce(W.dot(gap(Sy)) + beta))
    dZ = through(Z, lambda Sy: ce(W.dot(gap(relu(Sy))) + beta))
    D = dZ
    dW, dK, db, dX = grad(L, W), grad(L, K), grad(L, b), grad(L, X)
    r2, r3 = (1, 2), (1, 2, 3)
    Kc = lambda ch, u, v: E(K, ch, u, v)
    Dc = lambda ch, i, j: E(D, ch, i, j)
    pt = p - t
    return [
        ('Z^c_{ij} &= ', c.chain(Z, T((2, 2, 2), lambda ch, i, j: E(b, ch) + S(*[Kc(ch, u, v) * E(X, i + u - 1, j + v - 1) for u in r3 for v in r3])))),
        ('A^c &= ', c.chain(A, relu(Z))),
        ('m_c &= ', c.chain(m, T((2,), lambda ch: Q * S(*[E(A, ch, i, j) for i in r2 for j in r2])))),
        ('f &= W m', c.chain(f, W.dot(m) + beta)),
        ('$p = \\operatorname{softmax}(f)$', c.chain(p, softmax(f))),
        ('$L = -\\sum_k t_k', c.chain(L, -S(*[E(t, k) * sp.log(E(p, k)) for k in r2]))),
        ('\\pd{L}{f} &=', c.chain(df, pt)),
        ('\\pd{L}{W} &=', c.chain(dW, np.outer(pt, m))),
        ('\\pd{L}{m} &=', c.chain(dm, W.dot(pt))),
        ('\\pd{L}{A^c_{ij}} &=', c.chain(dA, T((2, 2, 2), lambda ch, i, j: R(1, 9) * S(*[E(W, k, ch) * E(pt, k) for k in r2])))),
        ('\\pd{L}{Z^c_{ij}} &=', c.chain(dZ, T((2, 2, 2), lambda ch, i, j: Q * S(*[E(W, k, ch) * E(pt, k) for k in r2]) * ind(E(Z, ch, i, j) > 0)))),
        ('\\pd{L}{K^c_{uv}} &=', c.chain(dK, T((2, 3, 3), lambda ch, u, v: S(*[Dc(ch, i, j) * E(X, i + u - 1, j + v - 1) for i in r2 for j in r2])))),
        ('\\pd{L}{b_c} &=', c.chain(db, T((2,), lambda ch: S(*[Dc(ch, i, j) for i in r2 for j in r2])))),
        ('\\pd{L}{X_{ij}} &=', c.chain(dX, T((4, 4), lambda i, j: S(*[Dc(ch, r, s) * Kc(ch, i - r + 1, j - s + 1) for ch in r2 for r in r2 for s in r2])))),
        ('\\pd{L}{X_{11}} &=', c.chain(dX[0, 0], Dc(1, 1, 1) * Kc(1, 1, 1))),
    ]


FILES = {
    '01_pytorch_linear.md': file01, '02_index_sums_conv.md': file02, '03_numeric_conv.md': file03,
    '04_mlp_relu_softmax.md': file04, '05_pooling.md': file05, '06_stride2_pad1.tex': file06,
    '07_depthwise_conv.md': file07, '08_leaky_tanh.md': file08, '09_jacobian_vec.md': file09,
    '10_lecturer_sheet.tex': file10,
}


# ----------------------------------------------------------------------------- '=' lines in math
def math_eq_lines(text, tex):
    """1-based lines holding an '=' inside math ($...$, $$...$$, \\[...\\], equation/align)."""
    lines = set()
    if tex:
        text = '\n'.join(re.sub(r'(?<!\\)%.*', '', l) for l in text.split('\n'))
    i, n, line = 0, len(text), 1
    math, code = None, False
    envs = ('equation*', 'equation', 'align*', 'align')
    while i < n:
        ch = text[i]
        if ch == '\n':
            line += 1
            i += 1
            continue
        if not tex and ch == '`' and math is None:
            code = not code
            i += 1
            continue
        if code:
            i += 1
            continue
        if text.startswith('$$', i) and math in (None, '$$'):
            math = None if math == '$$' else '$$'
            i += 2
            continue
        if ch == '$' and math in (None, '$') and (i == 0 or text[i - 1] != '\\'):
            math = None if math == '$' else '$'
            i += 1
            continue
        if tex and text.startswith('\\[', i) and math is None:
            math, i = '[', i + 2
            continue
        if tex and text.startswith('\\]', i) and math == '[':
            math, i = None, i + 2
            continue
        if tex:
            hit = False
            for e in envs:
                if text.startswith('\\begin{' + e + '}', i) and math is None:
                    math, i, hit = e, i + len(e) + 8, True
                    break
                if text.startswith('\\end{' + e + '}', i) and math == e:
                    math, i, hit = None, i + len(e) + 6, True
                    break
            if hit:
                continue
        if ch == '=' and math is not None:
            lines.add(line)
        i += 1
    return lines


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    problems, total_claims, total_wrong = [], 0, 0
    for entry in key['file']:
        name = entry['name']
        text = (HERE / name).read_text()
        lines = text.split('\n')
        computed = []
        for loc, ok in FILES[name]():
            hits = [i + 1 for i, l in enumerate(lines) if loc in l]
            if len(hits) != 1:
                problems.append(f'{name}: locator {loc!r} matches lines {hits}')
                continue
            computed.append((hits[0], 'right' if ok else 'wrong'))
        key_claims = [(c['line'], c['verdict']) for c in entry['claim']]
        if sorted(computed) != sorted(key_claims):
            for item in sorted(set(computed) ^ set(key_claims)):
                src = 'derived' if item in computed else 'key'
                problems.append(f'{name}: line {item[0]} verdict {item[1]} only in {src}')
        listed = {c['line'] for c in entry['claim']} | {d['line'] for d in entry.get('definitions', [])} | \
            {d['line'] for d in entry.get('not_claims', [])}
        eq_lines = math_eq_lines(text, name.endswith('.tex'))
        if eq_lines - listed:
            problems.append(f'{name}: lines with = in math not in the key: {sorted(eq_lines - listed)}')
        if listed - eq_lines:
            problems.append(f'{name}: key lines without = in math: {sorted(listed - eq_lines)}')
        nw = sum(v == 'wrong' for _, v in computed)
        total_claims += len(computed)
        total_wrong += nw
        print(f'{name:26s} {len(computed):2d} claims  {len(computed) - nw:2d} right  {nw} wrong')
    print(f'total: {total_claims} claims, {total_wrong} wrong')
    if problems:
        print('\n'.join(problems))
        return 1
    print('key.toml agrees with the independent derivation')
    return 0


if __name__ == '__main__':
    sys.exit(main())
