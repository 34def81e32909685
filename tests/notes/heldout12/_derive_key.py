"""Independent check of key.toml (NumPy only; never imports symconv).

For each notes file: rebuild the network at random values, compute every gradient by central
differences, evaluate each keyed claim's sides (transcribed by hand from the notes), and check
(a) the verdicts, (b) that every line with '=' inside math is keyed, (c) that each lhs occurs on
its line.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
rng = np.random.default_rng(12)
S = sum
R = range


def acc(a):
    """1-based accessor, 0 outside the array (the notes' zero-padding convention)."""
    a = np.asarray(a, dtype=float)

    def f(*idx):
        if len(idx) != a.ndim:
            raise IndexError(idx)
        if any(i < 1 or i > n for i, n in zip(idx, a.shape)):
            return 0.0
        return float(a[tuple(i - 1 for i in idx)])
    return f


def ng(loss, arr, h=1e-6):
    """Central-difference gradient of loss() with respect to the array arr (changed in place)."""
    g = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + h
        up = loss()
        arr[idx] = old - h
        dn = loss()
        arr[idx] = old
        g[idx] = (up - dn) / (2 * h)
    return g


def corr(x, k, stride=1, pad=0):
    x = np.pad(x, pad)
    kh, kw = k.shape
    ho = (x.shape[0] - kh) // stride + 1
    wo = (x.shape[1] - kw) // stride + 1
    y = np.zeros((ho, wo))
    for i in range(ho):
        for j in range(wo):
            y[i, j] = np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * k)
    return y


def avgpool(a, w=2, s=2):
    ho = (a.shape[0] - w) // s + 1
    wo = (a.shape[1] - w) // s + 1
    return np.array([[a[i * s:i * s + w, j * s:j * s + w].mean() for j in range(wo)] for i in range(ho)])


def sig(z):
    return 1 / (1 + np.exp(-z))


def grid(f, *ranges):
    """Evaluate a formula with free indices at every index in the ranges (1-based, inclusive)."""
    import itertools
    return np.array([f(*ix) for ix in itertools.product(*[range(a, b + 1) for a, b in ranges])])


CLAIMS = {}


def claims(name):
    def deco(fn):
        CLAIMS[name] = fn
        return fn
    return deco


# ---------------------------------------------------------------- 01: same-padded 3x3 conv
@claims('01_numbered.tex')
def c01():
    X = rng.normal(size=(4, 4)); K = rng.normal(size=(3, 3)); B = np.array([rng.normal()])
    G = rng.normal(size=(4, 4))
    Y = lambda: corr(X, K, pad=1) + B[0]
    L = lambda: np.sum(G * Y())
    x, k, g, y = acc(X), acc(K), acc(G), acc(Y())
    dK, dX, dB = acc(ng(L, K)), acc(ng(L, X)), ng(L, B)[0]

    def dy_dx(i, j, m, n):
        return acc(ng(lambda: Y()[i - 1, j - 1], X))(m, n)
    return {
        10: [grid(lambda i, j: y(i, j), (1, 4), (1, 4)),
             grid(lambda i, j: B[0] + S(k(p, q) * x(i + p - 2, j + q - 2) for p in R(1, 4) for q in R(1, 4)), (1, 4), (1, 4))],
        14: [y(1, 1), B[0] + k(2, 2) * x(1, 1) + k(2, 3) * x(1, 2) + k(3, 2) * x(2, 1) + k(3, 3) * x(2, 2)],
        19: [dB, S(g(i, j) for i in R(1, 5) for j in R(1, 5))],
        23: [grid(dK, (1, 3), (1, 3)),
             grid(lambda p, q: S(g(i, j) * x(i + p - 2, j + q - 2) for i in R(1, 5) for j in R(1, 5)), (1, 3), (1, 3))],
        27: [grid(dX, (1, 4), (1, 4)),
             grid(lambda m, n: S(g(m - p + 2, n - q + 2) * k(p, q) for p in R(1, 4) for q in R(1, 4)), (1, 4), (1, 4))],
        30: [dK(1, 1), S(g(i, j) * x(i - 1, j - 1) for i in R(2, 5) for j in R(2, 5))],
        31: [dK(1, 3), S(g(i, j) * x(i - 1, j + 1) for i in R(2, 5) for j in R(1, 4))],
        33: [dK(2, 2), S(g(i, j) * x(i, j) for i in R(1, 4) for j in R(1, 4))],
        36: [dB, dK(2, 2)],
        38: [dy_dx(2, 3, 1, 2), k(1, 1)],
        39: [dy_dx(1, 2, 2, 3), k(1, 1)],
        40: [g(1, 1) * dy_dx(1, 1, 1, 1), g(1, 1) * k(2, 2)],
        43: [dX(1, 1), g(1, 1) * k(2, 2) + g(1, 2) * k(2, 1) + g(2, 1) * k(1, 2) + g(2, 2) * k(1, 1)],
        44: [dX(4, 4), g(4, 4) * k(2, 2) + g(4, 3) * k(2, 1) + g(3, 4) * k(1, 2) + g(3, 3) * k(1, 1)],
    }


# ---------------------------------------------------------------- 02: denominator layout, dense + sigmoid + MSE
@claims('02_denominator.md')
def c02():
    X = rng.normal(size=3); W = rng.normal(size=(3, 2)); B = rng.normal(size=2); T = rng.normal(size=2)
    Z = lambda: W.T @ X + B
    L = lambda: 0.5 * np.sum((sig(Z()) - T) ** 2)
    z, a = Z(), sig(Z())
    Av = a.copy(); Zv = z.copy()
    dA = ng(lambda: 0.5 * np.sum((Av - T) ** 2), Av)
    dZ = ng(lambda: 0.5 * np.sum((sig(Zv) - T) ** 2), Zv)
    dW, dB, dX = ng(L, W), ng(L, B), ng(L, X)
    J = np.array([[ng(lambda: Z()[j], X)[i] for j in range(2)] for i in range(3)])  # dz_j/dx_i
    d = dZ
    return {
        15: [np.concatenate([J.ravel(), dA]), np.concatenate([W.ravel(), a - T])],
        17: [dA[1], T[1] - a[1]],
        21: [dZ, np.diag(a * (1 - a)) @ dA, (a - T) * a * (1 - a)],
        23: [d[1], (a[1] - T[1]) * a[1] * (1 - a[1])],
        25: [z, np.array([sum(W[i, j] * X[i] for i in range(3)) + B[j] for j in range(2)])],
        27: [np.concatenate([dW.ravel(), dB]), np.concatenate([np.outer(X, d).ravel(), d])],
        29: [dW[2, 0], X[2] * d[0]],
        30: [dW[0, 1], X[1] * d[0]],
        31: [dB[0], a[0] - T[0]],
        35: [dX, J @ d, W @ d],
        37: [dX[1], sum(W[1, j] * d[j] for j in range(2)), W[1, 0] * d[0] + W[1, 1] * d[1]],
        39: [dX[0], W[0, 0] * d[0] + W[1, 0] * d[1]],
    }


# ---------------------------------------------------------------- 03: French, conv + relu + avgpool
@claims('03_francais.md')
def c03():
    X = rng.normal(size=(5, 5)); K = rng.normal(size=(2, 2)); B = np.array([rng.normal()])
    G = rng.normal(size=(2, 2))
    Zf = lambda: corr(X, K) + B[0]
    L = lambda: np.sum(G * avgpool(np.maximum(Zf(), 0)))
    Zv = Zf(); Av = np.maximum(Zv, 0)
    x, k, g, z, a = acc(X), acc(K), acc(G), acc(Zv), acc(Av)
    Pv = avgpool(Av); p = acc(Pv)
    dA = acc(ng(lambda: np.sum(G * avgpool(Av)), Av.copy() if False else Av))
    Zc = Zv.copy()
    dZ = acc(ng(lambda: np.sum(G * avgpool(np.maximum(Zc, 0))), Zc))
    dK, dB = acc(ng(L, K)), ng(L, B)[0]
    ce = lambda i: (i + 1) // 2
    return {
        7: [grid(z, (1, 4), (1, 4)), grid(lambda i, j: B[0] + S(k(p_, q) * x(i + p_ - 1, j + q - 1) for p_ in R(1, 3) for q in R(1, 3)), (1, 4), (1, 4))],
        10: [z(3, 4), B[0] + k(1, 1) * x(3, 4) + k(1, 2) * x(3, 5) + k(2, 1) * x(4, 4) + k(2, 2) * x(4, 5)],
        14: [np.append(grid(p, (1, 2), (1, 2)), p(1, 2)),
             np.append(grid(lambda r, s: 0.25 * S(a(2 * r + u - 2, 2 * s + v - 2) for u in R(1, 3) for v in R(1, 3)), (1, 2), (1, 2)),
                       0.25 * (a(1, 3) + a(1, 4) + a(2, 3) + a(2, 4)))],
        21: [grid(dA, (1, 4), (1, 4)), grid(lambda i, j: 0.25 * g(ce(i), ce(j)), (1, 4), (1, 4))],
        23: [dA(2, 3), 0.25 * g(1, 2)],
        24: [dA(3, 2), 0.5 * g(2, 1)],
        25: [S(dA(i, j) for i in R(1, 3) for j in R(1, 3)), g(1, 1)],
        28: [grid(dZ, (1, 4), (1, 4)), grid(lambda i, j: float(z(i, j) > 0) * dA(i, j), (1, 4), (1, 4))],
        29: [dZ(1, 1), 0.25 * g(1, 1)],
        33: [dB, S(dZ(i, j) for i in R(1, 5) for j in R(1, 5))],
        34: [grid(dK, (1, 2), (1, 2)),
             grid(lambda p_, q: S(dZ(i, j) * x(i + p_ - 1, j + q - 1) for i in R(1, 5) for j in R(1, 5)), (1, 2), (1, 2))],
        38: [dK(1, 2), S(dZ(i, j) * x(i, j + 1) for i in R(1, 5) for j in R(1, 5))],
        40: [dK(2, 1), S(dZ(i, j) * x(i, j + 1) for i in R(1, 5) for j in R(1, 5))],
    }


# ---------------------------------------------------------------- 04: TA marking key, conv -> conv
@claims('04_marking.tex')
def c04():
    X = rng.normal(size=(5, 5)); K = rng.normal(size=(2, 2)); M = rng.normal(size=(2, 2))
    G = rng.normal(size=(3, 3))
    L = lambda: np.sum(G * corr(corr(X, K), M))
    Av = corr(X, K); Yv = corr(Av, M)
    x, k, m, g, a, y = acc(X), acc(K), acc(M), acc(G), acc(Av), acc(Yv)
    Ac = Av.copy()
    dA = acc(ng(lambda: np.sum(G * corr(Ac, M)), Ac))
    dX, dK, dM = acc(ng(L, X)), acc(ng(L, K)), acc(ng(L, M))
    return {
        8: [grid(a, (1, 4), (1, 4)), grid(lambda i, j: S(k(p, q) * x(i + p - 1, j + q - 1) for p in R(1, 3) for q in R(1, 3)), (1, 4), (1, 4))],
        9: [grid(y, (1, 3), (1, 3)), grid(lambda r, s: S(m(u, v) * a(r + u - 1, s + v - 1) for u in R(1, 3) for v in R(1, 3)), (1, 3), (1, 3))],
        13: [grid(dA, (1, 4), (1, 4)), grid(lambda i, j: S(g(i - u + 1, j - v + 1) * m(u, v) for u in R(1, 3) for v in R(1, 3)), (1, 4), (1, 4))],
        15: [[dA(1, 1), dA(2, 2)], [g(1, 1) * m(1, 1), g(2, 2) * m(1, 1) + g(2, 1) * m(1, 2) + g(1, 2) * m(2, 1) + g(1, 1) * m(2, 2)]],
        16: [dA(1, 4), g(1, 3) * m(1, 2)],
        17: [dA(4, 4), g(3, 3) * m(1, 1)],
        22: [grid(dX, (1, 5), (1, 5)), grid(lambda mm, n: S(dA(mm - p + 1, n - q + 1) * k(p, q) for p in R(1, 3) for q in R(1, 3)), (1, 5), (1, 5))],
        24: [[dX(1, 1), dX(5, 5)], [dA(1, 1) * k(1, 1), dX(5, 5)], [g(1, 1) * m(1, 1) * k(1, 1), g(3, 3) * m(2, 2) * k(2, 2)]],
        25: [dX(1, 2), g(1, 1) * m(1, 1) * k(1, 2) + g(1, 1) * m(1, 2) * k(1, 1)],
        29: [grid(dM, (1, 2), (1, 2)), grid(lambda u, v: S(g(r, s) * a(r + u - 1, s + v - 1) for r in R(1, 4) for s in R(1, 4)), (1, 2), (1, 2))],
        30: [grid(dK, (1, 2), (1, 2)), grid(lambda p, q: S(dA(i, j) * x(i + p - 1, j + q - 1) for i in R(1, 5) for j in R(1, 5)), (1, 2), (1, 2))],
        31: [grid(dK, (1, 2), (1, 2)), grid(lambda p, q: S(g(r, s) * x(r + p - 1, s + q - 1) for r in R(1, 4) for s in R(1, 4)), (1, 2), (1, 2))],
    }


# ---------------------------------------------------------------- 05: logistic regression, softplus form
@claims('05_logsigmoid.md')
def c05():
    X = rng.normal(size=3); Wt = rng.normal(size=3); B = np.array([rng.normal()]); y = float(rng.integers(2))
    bce = lambda z, yy: -(yy * np.log(sig(z)) + (1 - yy) * np.log(1 - sig(z)))
    Z = lambda: Wt @ X + B[0]
    L = lambda: bce(Z(), y)
    z = Z(); s = sig(z)
    d1 = lambda f, u, h=1e-5: (f(u + h) - f(u - h)) / (2 * h)
    zs = rng.normal(size=6) * 2
    dW, dB, dXz = ng(L, Wt), ng(L, B)[0], ng(Z, Wt)
    dzb = ng(Z, B)[0]
    return {
        11: [-np.log(sig(zs)), np.log(1 + np.exp(-zs))],
        12: [-np.log(1 - sig(zs)), np.log(1 + np.exp(zs)), zs + np.log(1 + np.exp(-zs))],
        15: [[bce(zs, 0.0), bce(zs, 1.0)], [np.log(1 + np.exp(zs)) - 0 * zs, np.log(1 + np.exp(zs)) - zs]],
        18: [d1(lambda u: np.log(1 + np.exp(-u)), zs), -np.exp(-zs) / (1 + np.exp(-zs)), -(1 - sig(zs)), sig(zs) - 1],
        19: [d1(lambda u: np.log(1 + np.exp(u)), zs), sig(zs)],
        21: [d1(lambda u: bce(u, y), z), s - y],
        22: [d1(lambda u: bce(u, 1.0), z), 1 - s],
        24: ([(bce(z + 1e-4, y) - 2 * bce(z, y) + bce(z - 1e-4, y)) / 1e-8, s * (1 - s)], 1e-4),
        26: [np.append(dXz, dzb), np.append(X, 1.0)],
        27: [dW, (s - y) * X, (s - y) * X],
        29: [dW[1], (y - s) * X[1]],
        30: [dB, s * (1 - s) * (s - y)],
    }


# ---------------------------------------------------------------- 06: overlapping average pooling
@claims('06_overlap.tex')
def c06():
    X = rng.normal(size=(4, 4)); K = rng.normal(size=(2, 2)); G = rng.normal(size=(2, 2))
    L = lambda: np.sum(G * avgpool(corr(X, K), 2, 1))
    Av = corr(X, K); Pv = avgpool(Av, 2, 1)
    x, k, g, a, p = acc(X), acc(K), acc(G), acc(Av), acc(Pv)
    Ac = Av.copy()
    dA = acc(ng(lambda: np.sum(G * avgpool(Ac, 2, 1)), Ac)); dK = acc(ng(L, K))
    q4 = 0.25
    return {
        8: [grid(a, (1, 3), (1, 3)), grid(lambda i, j: S(k(p_, q) * x(i + p_ - 1, j + q - 1) for p_ in R(1, 3) for q in R(1, 3)), (1, 3), (1, 3))],
        10: [grid(p, (1, 2), (1, 2)), grid(lambda r, s: q4 * (a(r, s) + a(r, s + 1) + a(r + 1, s) + a(r + 1, s + 1)), (1, 2), (1, 2))],
        11: [p(1, 2), q4 * (a(1, 2) + a(1, 3) + a(2, 2) + a(2, 3))],
        15: [dA(1, 1), q4 * g(1, 1)],
        16: [dA(1, 2), q4 * (g(1, 1) + g(1, 2))],
        17: [dA(1, 3), q4 * g(1, 2)],
        18: [dA(2, 1), q4 * (g(1, 1) + g(1, 2))],
        19: [dA(2, 2), q4 * (g(1, 1) + g(1, 2) + g(2, 1) + g(2, 2))],
        20: [dA(2, 3), q4 * (g(1, 2) + g(2, 2))],
        21: [dA(3, 1), q4 * g(2, 1)],
        22: [dA(3, 2), q4 * g(2, 2)],
        23: [dA(3, 3), q4 * g(2, 2)],
        26: [S(dA(i, j) for i in R(1, 4) for j in R(1, 4)), S(g(r, s) for r in R(1, 3) for s in R(1, 3))],
        29: [grid(dK, (1, 2), (1, 2)), grid(lambda p_, q: S(dA(i, j) * x(i + p_ - 1, j + q - 1) for i in R(1, 4) for j in R(1, 4)), (1, 2), (1, 2))],
        31: [dK(1, 1), q4 * S(g(r, s) * (x(r, s) + x(r, s + 1) + x(r + 1, s) + x(r + 1, s + 1)) for r in R(1, 3) for s in R(1, 3))],
        33: [dK(1, 2), q4 * S(g(r, s) * x(r, s + 1) for r in R(1, 3) for s in R(1, 3))],
    }


# ---------------------------------------------------------------- 07: 1-2-1 tanh network with numbers
@claims('07_numbers.md')
def c07():
    def net(P):
        h = np.tanh(P['w'] * P['x'] + P['b'])
        yh = P['v'] @ h + P['c'][0]
        return h, yh, 0.5 * (yh - P['t']) ** 2

    def grads(P):
        out = {}
        for n in ('w', 'b', 'v', 'c', 'x'):
            out[n] = ng(lambda: net(P)[2], P[n])
        return out
    # general claims at a random point
    P = dict(x=rng.normal(size=1), w=rng.normal(size=2), b=rng.normal(size=2), v=rng.normal(size=2),
             c=rng.normal(size=1), t=rng.normal())
    h, yh, _ = net(P); e = yh - P['t']; d = grads(P)
    Yv = np.array([yh])
    dY = ng(lambda: 0.5 * (Yv[0] - P['t']) ** 2, Yv)[0]
    # the given numbers
    Q = dict(x=np.array([1.0]), w=np.array([0.5, -0.3]), b=np.array([0.0, 0.2]), v=np.array([0.8, -0.6]),
             c=np.array([0.1]), t=1.0)
    hq, yq, Lq = net(Q); dq = grads(Q)
    Yq = np.array([yq]); dYq = ng(lambda: 0.5 * (Yq[0] - 1.0) ** 2, Yq)[0]
    tp = lambda z: 1 - np.tanh(z) ** 2
    T = 1.5e-3
    return {
        9: ([[hq[0], hq[1]], [np.tanh(0.5), np.tanh(-0.1)], [0.4621, -0.0997]], T),
        11: ([[yq, Lq], [0.8 * 0.4621 - 0.6 * (-0.0997) + 0.1, 0.5 * (0.5295 - 1) ** 2], [0.5295, 0.1107]], T),
        14: [[dY, d['v'][0], d['v'][1]], [e, e * h[0], e * h[1]]],
        15: [d['w'], e * P['v'] * (1 - h ** 2) * P['x'][0]],
        16: [d['b'], e * (1 - h ** 2)],
        19: ([dYq, 0.5295 - 1, -0.4705], T),
        20: ([dq['v'][0], (-0.4705) * 0.4621, -0.2174], T),
        21: ([dq['v'][1], (-0.4705) * (-0.0997), -0.0469], T),
        22: ([dq['c'][0], -0.4705], T),
        23: ([tp(0.5), 1 - 0.4621 ** 2, 0.7865], T),
        24: ([tp(-0.1), 1 - np.tanh(-0.1), 1.0997], T),
        25: ([dq['w'][0], (-0.4705) * 0.8 * 0.7865 * 1, -0.2960], T),
        26: ([dq['w'][1], (-0.4705) * (-0.6) * 1.0997 * 1, 0.3104], T),
        28: ([dq['x'][0], (-0.4705) * (0.8 * 0.7865 * 0.5 + (-0.6) * 0.9901 * (-0.3)), -0.2319], T),
    }


# ---------------------------------------------------------------- 08: stride-2 conv with bias, bullets
@claims('08_bullets.md')
def c08():
    X = rng.normal(size=(5, 5)); K = rng.normal(size=(3, 3)); B = np.array([rng.normal()]); G = rng.normal(size=(2, 2))
    Yf = lambda: corr(X, K, stride=2) + B[0]
    L = lambda: np.sum(G * Yf())
    x, k, g, y = acc(X), acc(K), acc(G), acc(Yf())
    dX, dK, dB = acc(ng(L, X)), acc(ng(L, K)), ng(L, B)[0]
    dy11_db = ng(lambda: Yf()[0, 0], B)[0]
    PQ = [(p, q) for p in R(1, 4) for q in R(1, 4)]
    return {
        10: [grid(y, (1, 2), (1, 2)), grid(lambda i, j: B[0] + S(k(p, q) * x(2 * i + p - 2, 2 * j + q - 2) for p, q in PQ), (1, 2), (1, 2))],
        11: [y(1, 2), B[0] + S(k(p, q) * x(p, q + 2) for p, q in PQ)],
        12: [y(2, 1), B[0] + S(k(p, q) * x(p + 1, q) for p, q in PQ)],
        13: [dy11_db, 1.0],
        16: [dB, g(1, 1) + g(1, 2) + g(2, 1) + g(2, 2)],
        17: [grid(dK, (1, 3), (1, 3)), grid(lambda p, q: S(g(i, j) * x(2 * i + p - 2, 2 * j + q - 2) for i in R(1, 3) for j in R(1, 3)), (1, 3), (1, 3))],
        18: [dK(1, 1), g(1, 1) * x(1, 1) + g(1, 2) * x(1, 3) + g(2, 1) * x(3, 1) + g(2, 2) * x(3, 3)],
        19: [dK(2, 3), g(1, 1) * x(2, 3) + g(1, 2) * x(2, 4) + g(2, 1) * x(4, 3) + g(2, 2) * x(4, 4)],
        22: [dX(3, 3), g(1, 1) * k(3, 3) + g(1, 2) * k(3, 1) + g(2, 1) * k(1, 3) + g(2, 2) * k(1, 1)],
        23: [dX(2, 2), g(1, 1) * k(2, 2)],
        24: [dX(4, 4), g(2, 2) * k(2, 2)],
        25: [dX(1, 5), g(1, 2) * k(1, 3)],
        26: [dX(3, 2), g(1, 1) * k(3, 2)],
    }


# ---------------------------------------------------------------- 09: mini-batch of 3, dense-relu-dense-MSE
@claims('09_minibatch.tex')
def c09():
    X = rng.normal(size=(3, 2)); W1 = rng.normal(size=(3, 2)); b1 = rng.normal(size=3)
    w2 = rng.normal(size=3); C = np.array([rng.normal()]); Yt = rng.normal(size=3)
    Zf = lambda: X @ W1.T + b1
    out = lambda Z: np.maximum(Z, 0) @ w2 + C[0]
    L = lambda: np.mean((out(Zf()) - Yt) ** 2)
    Z = Zf(); H = np.maximum(Z, 0); yh = out(Z)
    Yh = yh.copy(); dYh = ng(lambda: np.mean((Yh - Yt) ** 2), Yh)
    Hc = H.copy(); dH = ng(lambda: np.mean((Hc @ w2 + C[0] - Yt) ** 2), Hc)
    Zc = Z.copy(); dZ = ng(lambda: np.mean((out(Zc) - Yt) ** 2), Zc)
    dW1, db1, dw2, dC = ng(L, W1), ng(L, b1), ng(L, w2), ng(L, C)[0]
    d = 2 / 3 * (yh - Yt)
    ind = (Z > 0).astype(float)
    return {
        9: [dYh, 2 / 3 * (yh - Yt)],
        11: [dC, d.sum(), 2 / 3 * (yh - Yt).sum()],
        12: [dw2, np.array([S(d[n] * H[n, j] for n in range(3)) for j in range(3)])],
        14: [dw2, np.array([S(d[n] * H[n, j] for n in range(3)) / 3 for j in range(3)])],
        17: [dH, np.outer(d, w2)],
        18: [dZ, np.outer(d, w2) * ind],
        20: [dW1, np.array([[S(dZ[n, j] * X[n, k] for n in range(3)) for k in range(2)] for j in range(3)])],
        21: [db1, dZ.sum(axis=0)],
        23: [dW1[1, 0], S(d[n] * w2[1] * ind[n, 1] * X[n, 0] for n in range(3))],
        24: [db1[2], d[0] * w2[2] + d[1] * w2[2] + d[2] * w2[2]],
        26: [dW1, S(np.outer(dZ[n], X[n]) for n in range(3)), X.T @ dZ],
    }


# ---------------------------------------------------------------- 10: common-mistakes handout, kernel gradient
@claims('10_mistakes.md')
def c10():
    X = rng.normal(size=(4, 4)); K = rng.normal(size=(2, 2)); G = rng.normal(size=(3, 3))
    L = lambda: np.sum(G * corr(X, K))
    x, k, g, y = acc(X), acc(K), acc(G), acc(corr(X, K))
    dK = acc(ng(L, K))
    IJ = [(i, j) for i in R(1, 4) for j in R(1, 4)]
    dy_dk = lambda i, j, p, q: acc(ng(lambda: corr(X, K)[i - 1, j - 1], K))(p, q)
    return {
        5: [grid(y, (1, 3), (1, 3)), grid(lambda i, j: S(k(p, q) * x(i + p - 1, j + q - 1) for p in R(1, 3) for q in R(1, 3)), (1, 3), (1, 3))],
        11: [grid(dy_dk, (1, 3), (1, 3), (1, 2), (1, 2)), grid(lambda i, j, p, q: x(i + p - 1, j + q - 1), (1, 3), (1, 3), (1, 2), (1, 2))],
        13: [grid(dK, (1, 2), (1, 2)),
             grid(lambda p, q: S(g(i, j) * dy_dk(i, j, p, q) for i, j in IJ), (1, 2), (1, 2)),
             grid(lambda p, q: S(g(i, j) * x(i + p - 1, j + q - 1) for i, j in IJ), (1, 2), (1, 2))],
        14: [grid(dK, (1, 2), (1, 2)), corr(X, G).ravel()],
        15: [dK(2, 1), S(g(i, j) * x(i + 1, j) for i, j in IJ)],
        16: [dK(1, 2), g(1, 1) * x(1, 2) + g(1, 2) * x(1, 3) + g(1, 3) * x(1, 4) + g(2, 1) * x(2, 2) + g(2, 2) * x(2, 3)
             + g(2, 3) * x(2, 4) + g(3, 1) * x(3, 2) + g(3, 2) * x(3, 3) + g(3, 3) * x(3, 4)],
        21: [grid(dK, (1, 2), (1, 2)), grid(lambda p, q: S(g(i, j) * x(i - p + 1, j - q + 1) for i, j in IJ), (1, 2), (1, 2))],
        23: [dK(2, 2), S(g(i, j) * x(i, j) for i, j in IJ)],
        24: [dK(2, 2), S(g(i, j) * x(i + 1, j + 1) for i, j in IJ)],
        25: [dK(1, 1), g(1, 1) * x(1, 1)],
    }


# ==== MAIN (file sections go above this line)
def math_eq_lines(text, tex):
    """Lines (1-based) holding an '=' inside math, and for each the math text on that line."""
    lines = {}
    i, n, line, mode = 0, len(text), 1, None
    if tex:
        start = text.find('\\begin{document}')
        if start >= 0:
            line += text[:start].count('\n'); i = start
    envs = ('equation', 'equation*', 'align', 'align*', 'gather', 'gather*', 'multline', 'multline*')
    buf = {}
    while i < n:
        c = text[i]
        if c == '\n':
            line += 1; i += 1; continue
        if tex and c == '%' and text[i - 1] != '\\':
            while i < n and text[i] != '\n':
                i += 1
            continue
        if not tex and text.startswith('<!--', i):
            j = text.find('-->', i); line += text[i:j].count('\n'); i = j + 3; continue
        if mode is None:
            if text.startswith('$$', i):
                mode = '$$'; i += 2; continue
            if c == '$' and text[i - 1] != '\\':
                mode = '$'; i += 1; continue
            if tex and (text.startswith('\\[', i) or text.startswith('\\(', i)):
                mode = '\\]' if text[i + 1] == '[' else '\\)'; i += 2; continue
            if tex and text.startswith('\\begin{', i):
                env = text[i + 7:text.find('}', i)]
                if env in envs:
                    mode = '\\end{' + env + '}'; i = text.find('}', i) + 1; continue
            i += 1; continue
        # in math
        if text.startswith(mode, i) and (mode != '$' or text[i - 1] != '\\'):
            i += len(mode); mode = None; continue
        buf.setdefault(line, '')
        buf[line] += c
        i += 1
    return {ln: s for ln, s in buf.items() if '=' in s}


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    bad = 0
    total = right = wrong = 0
    for f in key['file']:
        name = f['name']
        text = (HERE / name).read_text()
        lines = text.split('\n')
        keyed = {}
        for kind in ('definitions', 'not_claims', 'claim'):
            for e in f.get(kind, []):
                if e['line'] in keyed:
                    print(f'{name}:{e["line"]}: keyed twice'); bad += 1
                keyed[e['line']] = (kind, e)
        # (b) every '=' line in math keyed (continuation lines of a keyed chain excepted)
        eqs = math_eq_lines(text, name.endswith('.tex'))
        for ln, s in sorted(eqs.items()):
            if ln in keyed:
                continue
            if s.strip().startswith(('=', '&=')) and any(l in keyed for l in range(ln - 3, ln)):
                continue
            print(f'{name}:{ln}: "=" in math but not keyed: {lines[ln - 1][:70]}'); bad += 1
        for ln in keyed:
            if ln not in eqs:
                print(f'{name}:{ln}: keyed but no "=" in math found there'); bad += 1
        # (c) lhs on its line
        for e in f.get('claim', []):
            if re.sub(r'\s', '', e['lhs']) not in re.sub(r'\s', '', lines[e['line'] - 1]):
                print(f'{name}:{e["line"]}: lhs {e["lhs"]!r} not on the line'); bad += 1
        # (a) verdicts
        fn = CLAIMS[name]
        ok = {}
        for _ in range(5):
            for ln, v in fn().items():
                sides, atol = (v if isinstance(v, tuple) else (v, 1e-6))
                first = np.asarray(sides[0], float)
                good = all(np.asarray(s, float).shape == first.shape and
                           np.allclose(np.asarray(s, float), first, rtol=1e-5, atol=atol) for s in sides[1:])
                ok[ln] = ok.get(ln, True) and good
        claimed = {e['line']: e for e in f.get('claim', [])}
        for ln in sorted(set(ok) | set(claimed)):
            if ln not in claimed:
                print(f'{name}:{ln}: computed but not keyed as a claim'); bad += 1; continue
            if ln not in ok:
                print(f'{name}:{ln}: keyed claim has no computation'); bad += 1; continue
            want = 'right' if ok[ln] else 'wrong'
            total += 1; right += want == 'right'; wrong += want == 'wrong'
            if claimed[ln]['verdict'] != want:
                print(f'{name}:{ln}: key says {claimed[ln]["verdict"]}, NumPy says {want}'); bad += 1
            if claimed[ln]['verdict'] == 'wrong' and not claimed[ln].get('why'):
                print(f'{name}:{ln}: wrong claim without why'); bad += 1
    print(f'{len(key["file"])} files, {total} claims: {right} right, {wrong} wrong; {bad} problems')
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
