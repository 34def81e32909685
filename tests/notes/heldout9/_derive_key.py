#!/usr/bin/env python3
"""Independent check of key.toml for the heldout9 notes (NumPy only, never imports symconv).

For each notes file it rebuilds the network from its definition, computes every gradient by
central differences at a random point away from the relu/max kinks, evaluates each claim's sides
as transcribed by hand from the notes (1-based helpers so the transcription reads like the notes),
and checks
  * every verdict in key.toml is what NumPy says (right iff every equality on the line holds),
  * every line holding '=' inside math (or inside code, for the plain-text file) is keyed as a
    claim, a definition or a not_claim, and every keyed line does hold such an '=',
  * each claim's lhs (whitespace removed) occurs on its line.
Exit status 0 when everything agrees.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RTOL, ATOL = 1e-6, 1e-7
MISMATCH = object()  # a side whose shapes do not fit (e.g. W times a vector of the wrong length)


# ----------------------------------------------------------------------------- helpers
class O1:
    """1-based access: x(i, j) is X[i-1, j-1]."""

    def __init__(self, arr):
        self.a = np.asarray(arr, dtype=float)

    def __call__(self, *idx):
        return self.a[tuple(i - 1 for i in idx)]


def numgrad(f, x, h=1e-5):
    x = np.array(x, dtype=float)
    g = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        xp = x.copy(); xp[idx] += h
        xm = x.copy(); xm[idx] -= h
        g[idx] = (f(xp) - f(xm)) / (2 * h)
    return g


def jac(f, x, h=1e-5):
    """Jacobian d f(x) / d x, shape f.shape + x.shape."""
    x = np.array(x, dtype=float)
    y0 = np.asarray(f(x))
    J = np.zeros(y0.shape + x.shape)
    for idx in np.ndindex(x.shape):
        xp = x.copy(); xp[idx] += h
        xm = x.copy(); xm[idx] -= h
        J[(Ellipsis,) + idx] = (np.asarray(f(xp)) - np.asarray(f(xm))) / (2 * h)
    return J


def corr(X, K, stride=1, dil=1):
    """valid cross-correlation, 0-based: out[i,j] = sum_pq K[p,q] X[i*s + p*d, j*s + q*d]."""
    H, W = X.shape
    kh, kw = K.shape
    oh = (H - dil * (kh - 1) - 1) // stride + 1
    ow = (W - dil * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            for p in range(kh):
                for q in range(kw):
                    out[i, j] += K[p, q] * X[i * stride + p * dil, j * stride + q * dil]
    return out


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def eq(a, b):
    if a is MISMATCH or b is MISMATCH:
        return False
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.size != b.size:
        return False
    return bool(np.allclose(a.reshape(-1), b.reshape(-1), rtol=RTOL, atol=ATOL))


def S(*terms):
    return float(sum(terms))


# ----------------------------------------------------------------------------- 01 einstein
def file01(rng):
    X = rng.normal(size=(4, 4)); Wk = rng.normal(size=(2, 2)); b = rng.normal(); G = rng.normal(size=(3, 3))
    fwd = lambda X_, W_, b_: corr(X_, W_) + b_
    Y = fwd(X, Wk, b)
    L = lambda X_, W_, b_: float(np.sum(G * fwd(X_, W_, b_)))
    dW = numgrad(lambda v: L(X, v, b), Wk)
    db = numgrad(lambda v: L(X, Wk, float(v)), np.array(b))
    dX = numgrad(lambda v: L(v, Wk, b), X)
    x, w, g, y = O1(X), O1(Wk), O1(G), O1(Y)
    dw, dx = O1(dW), O1(dX)

    def xs(i, j):  # Einstein convention: terms outside the array are dropped
        return x(i, j) if 1 <= i <= 4 and 1 <= j <= 4 else 0.0

    def ws(a, c):
        return w(a, c) if 1 <= a <= 2 and 1 <= c <= 2 else 0.0

    R = range(1, 4)
    C = {}
    C[12] = [[Y, [[sum(w(a, c) * x(i + a - 1, j + c - 1) for a in (1, 2) for c in (1, 2)) + b for j in R] for i in R]]]
    C[16] = [[y(1, 1), S(w(1, 1) * x(1, 1), w(1, 2) * x(1, 2), w(2, 1) * x(2, 1), w(2, 2) * x(2, 2), b)]]
    C[20] = [[y(3, 2), S(w(1, 1) * x(3, 2), w(1, 2) * x(3, 3), w(2, 1) * x(4, 2), w(2, 2) * x(4, 3), b)]]
    C[26] = [[dW, [[sum(g(i, j) * x(i + a - 1, j + c - 1) for i in R for j in R) for c in (1, 2)] for a in (1, 2)]]]
    C[30] = [[dw(1, 2), S(g(1, 1) * x(1, 2), g(1, 2) * x(1, 3), g(1, 3) * x(1, 4), g(2, 1) * x(2, 2), g(2, 2) * x(2, 3),
                          g(2, 3) * x(2, 4), g(3, 1) * x(3, 2), g(3, 2) * x(3, 3), g(3, 3) * x(3, 4))]]
    C[32] = [[dw(2, 1), sum(g(i, j) * xs(i, j + 1) for i in R for j in R)]]
    C[34] = [[db, G.sum()]]
    C[38] = [[dX, [[sum(g(i, j) * ws(k - i + 1, l - j + 1) for i in R for j in R) for l in range(1, 5)] for k in range(1, 5)]]]
    C[42] = [[dx(2, 2), S(g(1, 1) * w(2, 2), g(1, 2) * w(2, 1), g(2, 1) * w(1, 2), g(2, 2) * w(1, 1))]]
    C[44] = [[dx(1, 1), g(1, 1) * w(2, 2)]]
    C[48] = [[dx(1, 4), g(1, 3) * w(1, 2)]]
    C[50] = [[dx(4, 2), S(g(3, 1) * w(1, 2), g(3, 2) * w(1, 1))]]
    return C


# ----------------------------------------------------------------------------- 02 jacobian
def file02(rng):
    x = rng.normal(size=3); W = rng.normal(size=(2, 3)); b = rng.normal(size=2); t = rng.uniform(size=2)
    z = W @ x + b; a = sig(z)
    E_of_a = lambda a_: 0.5 * np.sum((a_ - t) ** 2)
    E = lambda x_, W_, b_: E_of_a(sig(W_ @ x_ + b_))
    dEda = numgrad(E_of_a, a)[None, :]            # 1 x 2
    dadz = jac(sig, z)                              # 2 x 2
    dzdx = jac(lambda v: W @ v + b, x)              # 2 x 3
    dzdW = jac(lambda v: v @ x + b, W)              # 2 x 2 x 3
    dEdx = numgrad(lambda v: E(v, W, b), x)[None, :]
    dEdb = numgrad(lambda v: E(x, W, v), b)[None, :]
    dEdW = numgrad(lambda v: E(x, v, b), W)
    a1, a2 = a; t1, t2 = t; x1, x2, x3 = x
    W_ = O1(W)
    d1, d2 = (a1 - t1) * a1 * (1 - a1), (a2 - t2) * a2 * (1 - a2)
    drow = np.array([[d1, d2]])
    dcol = np.array([[d1], [d2]])

    def w_times_dcol():
        try:
            return W @ dcol                        # 2x3 times 2x1: does not fit
        except ValueError:
            return MISMATCH

    C = {}
    C[14] = [[dEda, [[a1 - t1, a2 - t2]]]]
    C[19] = [[dadz, [[a1 * (1 - a1), 0], [0, a2 * (1 - a2)]]]]
    C[25] = [[dzdx, W]]
    C[31] = [[dEdx, dEda @ dadz @ dzdx, drow @ W]]
    C[37] = [[dEdx[0, 0], d1 * W_(1, 1) + d2 * W_(1, 2)]]
    C[42] = [[dEdb, dEda @ dadz, drow]]
    C[46] = [[dzdW, np.einsum('ij,k->ijk', np.eye(2), x)]]
    C[48] = [[dEdW, dcol @ np.array([[x1, x2, x3]])]]
    C[55] = [[dEdW[1, 2], (a2 - t2) * a2 * (1 - a2) * x3]]
    C[56] = [[dEdW[0, 1], (a1 - t1) * a1 * (1 + a1) * x2]]
    C[65] = [[dEdx.T, w_times_dcol()]]
    return C


# ----------------------------------------------------------------------------- 03 nielsen
def file03(rng):
    x = rng.normal(size=2); w2 = rng.normal(size=(3, 2)); b2 = rng.normal(size=3)
    w3 = rng.normal(size=(2, 3)); b3 = rng.normal(size=2); y = rng.uniform(size=2)
    z2 = w2 @ x + b2; a2 = sig(z2); z3 = w3 @ a2 + b3; a3 = sig(z3)
    C_of_a3 = lambda v: 0.5 * np.sum((y - v) ** 2)
    C_of_z3 = lambda v: C_of_a3(sig(v))
    C_of_z2 = lambda v: C_of_z3(w3 @ sig(v) + b3)
    cost = lambda w2_, b2_, w3_, b3_: C_of_a3(sig(w3_ @ sig(w2_ @ x + b2_) + b3_))
    d3 = numgrad(C_of_z3, z3); d2 = numgrad(C_of_z2, z2)
    gradC_a = numgrad(C_of_a3, a3)
    sp3 = np.array([numgrad(lambda v: float(sig(v)), np.array(zz)) for zz in z3])  # sigma'(z^3) numerically
    dw2 = numgrad(lambda v: cost(v, b2, w3, b3), w2); db2 = numgrad(lambda v: cost(w2, v, w3, b3), b2)
    dw3 = numgrad(lambda v: cost(w2, b2, v, b3), w3); db3 = numgrad(lambda v: cost(w2, b2, w3, v), b3)
    sp = lambda z: sig(z) * (1 - sig(z))
    W3, A2, A3, D3, D2, Y, X = O1(w3), O1(a2), O1(a3), O1(d3), O1(d2), O1(y), O1(x)
    C = {}
    C[10] = [[d3, gradC_a * sp(z3)]]
    C[11] = [[d2, (w3.T @ d3) * sp(z2)]]
    C[12] = [[np.r_[db2, db3], np.r_[d2, d3]]]
    C[13] = [[np.r_[dw2.ravel(), dw3.ravel()], np.r_[np.outer(d2, x).ravel(), np.outer(d3, a2).ravel()]]]
    C[19] = [[gradC_a, a3 - y], [sp3, a3 * (1 - a3)]]
    C[21] = [[D3(1), (A3(1) - Y(1)) * A3(1) * (1 - A3(1))]]
    C[23] = [[D3(2), (Y(2) - A3(2)) * A3(2) * (1 - A3(2))]]
    C[27] = [[d2, [sum(W3(k, j) * D3(k) for k in (1, 2)) * sp(z2[j - 1]) for j in (1, 2, 3)]]]
    C[29] = [[D2(1), (W3(1, 1) * D3(1) + W3(1, 2) * D3(2)) * A2(1) * (1 - A2(1))]]
    C[33] = [[D2(3), (W3(1, 3) * D3(1) + W3(2, 3) * D3(2)) * A2(3) * (1 - A2(3))]]
    C[37] = [[db3[1], D3(2)], [db2[0], D2(1)]]
    C[41] = [[dw3[0, 1], A2(2) * D3(1)]]
    C[45] = [[dw2[2, 1], X(2) * D2(3)]]
    C[47] = [[dw2[1, 0], X(1) * D2(1)]]
    C[49] = [[dw3, np.outer(d3, a2)]]
    return C


# ----------------------------------------------------------------------------- 04 avgpool + leaky relu
def file04(rng):
    alpha = 0.1
    for _ in range(1000):
        Xa = rng.normal(size=(5, 5)); K = rng.normal(size=(2, 2)); c = rng.normal(); G = rng.normal(size=(2, 2))
        Z = corr(Xa, K) + c
        if (Z < -0.05).sum() >= 3 and (Z > 0.05).sum() >= 3 and np.abs(Z).min() > 0.05:
            break
    leaky = lambda z: np.where(z > 0, z, alpha * z)
    pool = lambda A_: A_.reshape(2, 2, 2, 2).mean(axis=(1, 3))
    A = leaky(Z); P = pool(A)
    L_of_A = lambda v: float(np.sum(G * pool(v)))
    L_of_Z = lambda v: L_of_A(leaky(v))
    L = lambda X_, K_, c_: L_of_Z(corr(X_, K_) + c_)
    dA = numgrad(L_of_A, A); dZ = numgrad(L_of_Z, Z)
    dK = numgrad(lambda v: L(Xa, v, c), K); dc = numgrad(lambda v: L(Xa, K, float(v)), np.array(c))
    x, k, a, g, da, D = O1(Xa), O1(K), O1(A), O1(G), O1(dA), O1(dZ)
    fp = np.where(Z > 0, 1.0, alpha)
    I4 = range(1, 5)
    C = {}
    C[14] = [[Z, [[sum(k(p, q) * x(i + p - 1, j + q - 1) for p in (1, 2) for q in (1, 2)) + c for j in I4] for i in I4]]]
    C[15] = [[P, [[0.25 * (a(2 * r - 1, 2 * s - 1) + a(2 * r - 1, 2 * s) + a(2 * r, 2 * s - 1) + a(2 * r, 2 * s)) for s in (1, 2)] for r in (1, 2)]]]
    C[17] = [[P[0, 1], 0.25 * (a(1, 3) + a(1, 4) + a(2, 3) + a(2, 4))]]
    C[24] = [[dA, [[0.25 * g(-(-i // 2), -(-j // 2)) for j in I4] for i in I4]]]
    C[26] = [[da(2, 3), 0.25 * g(1, 2)]]
    C[27] = [[da(3, 2), 0.25 * g(2, 2)]]
    C[32] = [[dZ, dA * fp]]
    C[39] = [[dK, [[sum(D(i, j) * x(i + p - 1, j + q - 1) for i in I4 for j in I4) for q in (1, 2)] for p in (1, 2)]]]
    C[40] = [[dK[1, 0], sum(da(i, j) * x(i + 1, j) for i in I4 for j in I4)]]
    C[44] = [[dc, dZ.sum()]]
    C[48] = [[dc, 0.25 * sum(g(r, s) * fp[2 * r - 2:2 * r, 2 * s - 2:2 * s].sum() for r in (1, 2) for s in (1, 2))]]
    return C


# ----------------------------------------------------------------------------- 05 dilated
def file05(rng):
    Im = rng.normal(size=(5, 5)); K = rng.normal(size=(2, 2)); beta = rng.normal(); Dl = rng.normal(size=(3, 3))
    fwd = lambda I_, K_, b_: corr(I_, K_, dil=2) + b_
    O = fwd(Im, K, beta)
    E = lambda I_, K_, b_: float(np.sum(Dl * fwd(I_, K_, b_)))
    dK = numgrad(lambda v: E(Im, v, beta), K); dB = numgrad(lambda v: E(Im, K, float(v)), np.array(beta))
    dI = numgrad(lambda v: E(v, K, beta), Im)
    I, k, D, o, dk, di = O1(Im), O1(K), O1(Dl), O1(O), O1(dK), O1(dI)
    R = range(1, 4)
    C = {}
    C[9] = [[O, [[sum(k(u, v) * I(m + 2 * (u - 1), n + 2 * (v - 1)) for u in (1, 2) for v in (1, 2)) + beta for n in R] for m in R]]]
    C[13] = [[o(1, 1), S(k(1, 1) * I(1, 1), k(1, 2) * I(1, 3), k(2, 1) * I(3, 1), k(2, 2) * I(3, 3), beta)]]
    C[15] = [[o(2, 3), S(k(1, 1) * I(2, 3), k(1, 2) * I(2, 5), k(2, 1) * I(4, 3), k(2, 2) * I(4, 5), beta)]]
    C[17] = [[o(3, 2), S(k(1, 1) * I(3, 2), k(1, 2) * I(3, 3), k(2, 1) * I(5, 2), k(2, 2) * I(5, 3), beta)]]
    C[23] = [[dK, [[sum(D(m, n) * I(m + 2 * (u - 1), n + 2 * (v - 1)) for m in R for n in R) for v in (1, 2)] for u in (1, 2)]]]
    C[27] = [[dk(1, 2), S(D(1, 1) * I(1, 3), D(1, 2) * I(1, 4), D(1, 3) * I(1, 5), D(2, 1) * I(2, 3), D(2, 2) * I(2, 4),
                          D(2, 3) * I(2, 5), D(3, 1) * I(3, 3), D(3, 2) * I(3, 4), D(3, 3) * I(3, 5))]]
    C[31] = [[dk(2, 1), S(D(1, 1) * I(2, 1), D(1, 2) * I(2, 2), D(1, 3) * I(2, 3), D(2, 1) * I(3, 1), D(2, 2) * I(3, 2),
                          D(2, 3) * I(3, 3), D(3, 1) * I(4, 1), D(3, 2) * I(4, 2), D(3, 3) * I(4, 3))]]
    C[33] = [[dB, Dl.sum()]]
    C[37] = [[di(3, 3), S(D(1, 1) * k(2, 2), D(1, 3) * k(2, 1), D(3, 1) * k(1, 2), D(3, 3) * k(1, 1))]]
    C[39] = [[di(2, 2), D(2, 2) * k(1, 1)]]
    C[41] = [[di(1, 3), S(D(1, 1) * k(1, 2), D(1, 3) * k(1, 1))]]
    C[43] = [[di(2, 4), D(2, 3) * k(1, 2)]]
    C[45] = [[di(5, 5), D(3, 3) * k(2, 2)]]
    return C


# ----------------------------------------------------------------------------- 06 two channels
def file06(rng):
    Xa = rng.normal(size=(2, 3, 3)); Wa = rng.normal(size=(2, 2, 2, 2)); B = rng.normal(size=2); Ga = rng.normal(size=(2, 2, 2))

    def fwd(X_, W_, B_):
        return np.array([sum(corr(X_[c], W_[o, c]) for c in range(2)) + B_[o] for o in range(2)])

    Ya = fwd(Xa, Wa, B)
    L = lambda X_, W_, B_: float(np.sum(Ga * fwd(X_, W_, B_)))
    dW = numgrad(lambda v: L(Xa, v, B), Wa); dB = numgrad(lambda v: L(Xa, Wa, v), B); dX = numgrad(lambda v: L(v, Wa, B), Xa)
    x, w, b, g, y, dw, dx = O1(Xa), O1(Wa), O1(B), O1(Ga), O1(Ya), O1(dW), O1(dX)

    def gs(o, i, j):
        return g(o, i, j) if 1 <= i <= 2 and 1 <= j <= 2 else 0.0

    R2 = (1, 2)
    C = {}
    C[10] = [[Ya, [[[b(o) + sum(w(o, c, p, q) * x(c, i + p - 1, j + q - 1) for c in R2 for p in R2 for q in R2)
                     for j in R2] for i in R2] for o in R2]]]
    C[14] = [[y(1, 1, 1), S(b(1), w(1, 1, 1, 1) * x(1, 1, 1), w(1, 1, 1, 2) * x(1, 1, 2), w(1, 1, 2, 1) * x(1, 2, 1),
                            w(1, 1, 2, 2) * x(1, 2, 2), w(1, 2, 1, 1) * x(2, 1, 1), w(1, 2, 1, 2) * x(2, 1, 2),
                            w(1, 2, 2, 1) * x(2, 2, 1), w(1, 2, 2, 2) * x(2, 2, 2))]]
    C[19] = [[y(2, 1, 2), S(b(2), w(2, 1, 1, 1) * x(1, 1, 2), w(2, 1, 1, 2) * x(1, 1, 3), w(2, 1, 2, 1) * x(1, 2, 2),
                            w(2, 1, 2, 2) * x(1, 2, 3))]]
    C[27] = [[dW, [[[[sum(g(o, i, j) * x(c, i + p - 1, j + q - 1) for i in R2 for j in R2) for q in R2] for p in R2]
                    for c in R2] for o in R2]]]
    C[31] = [[dw(2, 1, 1, 2), S(g(2, 1, 1) * x(1, 1, 2), g(2, 1, 2) * x(1, 1, 3), g(2, 2, 1) * x(1, 2, 2), g(2, 2, 2) * x(1, 2, 3))]]
    C[32] = [[dw(1, 2, 2, 1), S(g(1, 1, 1) * x(1, 2, 1), g(1, 1, 2) * x(1, 2, 2), g(1, 2, 1) * x(1, 3, 1), g(1, 2, 2) * x(1, 3, 2))]]
    C[35] = [[dB[1], Ga[1].sum()]]
    C[39] = [[dX, [[[sum(gs(o, m - p + 1, n - q + 1) * w(o, c, p, q) for o in R2 for p in R2 for q in R2)
                     for n in (1, 2, 3)] for m in (1, 2, 3)] for c in R2]]]
    C[43] = [[dx(1, 2, 2), sum(g(o, 1, 1) * w(o, 1, 2, 2) + g(o, 1, 2) * w(o, 1, 2, 1) + g(o, 2, 1) * w(o, 1, 1, 2)
                               + g(o, 2, 2) * w(o, 1, 1, 1) for o in R2)]]
    C[47] = [[dx(2, 1, 1), g(1, 1, 1) * w(1, 2, 1, 1)]]
    C[51] = [[dx(2, 3, 2), S(g(1, 2, 1) * w(1, 2, 2, 2), g(1, 2, 2) * w(1, 2, 2, 1), g(2, 2, 1) * w(2, 2, 2, 2),
                             g(2, 2, 2) * w(2, 2, 2, 1))]]
    return C


# ----------------------------------------------------------------------------- 07 softmax with the Kronecker delta
def file07(rng):
    x = rng.normal(size=3); W = rng.normal(size=(3, 3)); b = rng.normal(size=3)
    y = np.zeros(3); y[rng.integers(3)] = 1.0
    z = W @ x + b; p = softmax(z)
    L_of_z = lambda v: -float(np.sum(y * np.log(softmax(v))))
    L = lambda x_, W_, b_: L_of_z(W_ @ x_ + b_)
    Jp = jac(softmax, z); Jlog = jac(lambda v: np.log(softmax(v)), z)
    dz = numgrad(L_of_z, z); dW = numgrad(lambda v: L(x, v, b), W); db = numgrad(lambda v: L(x, W, v), b)
    dx = numgrad(lambda v: L(v, W, b), x)
    d = np.eye(3); ez = np.exp(z); Z = ez.sum()
    P, Y, X_, w_ = O1(p), O1(y), O1(x), O1(W)
    C = {}
    C[12] = [[Jp, (d * ez[:, None] * Z - np.outer(ez, ez)) / Z ** 2, p[:, None] * (d - p[None, :])]]
    C[16] = [[Jp[0, 2], -P(1) * P(3)]]
    C[20] = [[Jp[1, 1], P(2) * (1 + P(2))]]
    C[22] = [[Jlog, d - p[None, :]]]
    C[24] = [[dz, [-sum(y[i] * (d[i, j] - p[j]) for i in range(3)) for j in range(3)], -y + p * y.sum(), p - y]]
    C[26] = [[dz, p - y]]
    C[30] = [[dW, np.outer(p - y, x)], [db, p - y]]
    C[32] = [[dW[1, 2], (P(2) - Y(2)) * X_(3)]]
    C[33] = [[dW[2, 0], (P(3) - Y(3)) * X_(3)]]
    C[37] = [[dx, [sum(w_(k, j) * (P(j) - Y(j)) for j in (1, 2, 3)) for k in (1, 2, 3)]]]
    C[39] = [[dz.sum(), p.sum() - y.sum(), 0.0]]
    return C


# ----------------------------------------------------------------------------- 08 batch normalization
def file08(rng):
    m, eps = 4, 1e-5
    x = rng.normal(size=m); gam = rng.uniform(0.5, 2.0); bet = rng.normal(); g = rng.normal(size=m)
    mu = x.mean(); var = ((x - mu) ** 2).mean(); s = np.sqrt(var + eps)
    xh = (x - mu) / s; y = gam * xh + bet

    def fwd(x_, gam_, bet_):
        mu_ = x_.mean(); var_ = ((x_ - mu_) ** 2).mean()
        return gam_ * (x_ - mu_) / np.sqrt(var_ + eps) + bet_

    L = lambda x_, gam_, bet_: float(np.sum(g * fwd(x_, gam_, bet_)))
    dgam = numgrad(lambda v: L(x, float(v), bet), np.array(gam))
    dbet = numgrad(lambda v: L(x, gam, float(v)), np.array(bet))
    dx = numgrad(lambda v: L(v, gam, bet), x)
    dxh = numgrad(lambda v: float(np.sum(g * (gam * v + bet))), xh)
    # the paper's graph: l = f(xhat(x, mu, var)); var = var(x, mu)
    f = lambda x_, mu_, var_: float(np.sum(g * (gam * (x_ - mu_) / np.sqrt(var_ + eps) + bet)))
    dvar = numgrad(lambda v: f(x, mu, float(v)), np.array(var))
    dmu = numgrad(lambda v: f(x, float(v), float(((x - v) ** 2).mean())), np.array(mu))
    C = {}
    C[15] = [[y, gam * xh + bet]]
    C[22] = [[dgam, np.sum(g * xh)]]
    C[23] = [[dbet, np.sum(g)]]
    C[24] = [[dxh, g * gam]]
    C[28] = [[dvar, np.sum(dxh * (x - mu)) * 0.5 * (var + eps) ** -1.5]]
    C[33] = [[dmu, 1 / s * np.sum(dxh)]]
    C[37] = [[dx, dxh / s + dvar * 2 * (x - mu) / m + dmu / m]]
    C[42] = [[np.sum(x - mu), s * np.sum(xh)]]
    C[44] = [[dx, gam / (m * s) * (m * g - g.sum() - xh * np.sum(g * xh))]]
    C[48] = [[dvar, -gam / 2 * (var + eps) ** -1.5 * np.sum(g * (x - mu))]]
    C[52] = [[dx, gam / s * (g - g.sum() - xh * np.sum(g * xh))]]
    C[55] = [[dx.sum(), 0.0]]
    return C


# ----------------------------------------------------------------------------- 09 plain-text, stride 2
def file09(rng):
    Xa = rng.normal(size=(4, 4)); Wk = rng.normal(size=(2, 2)); Ga = rng.normal(size=(2, 2))
    fwd = lambda X_, W_: corr(X_, W_, stride=2)
    Ya = fwd(Xa, Wk)
    L = lambda X_, W_: float(np.sum(Ga * fwd(X_, W_)))
    dW = numgrad(lambda v: L(Xa, v), Wk); dX = numgrad(lambda v: L(v, Wk), Xa)
    x, w, g, y, dw, dx = O1(Xa), O1(Wk), O1(Ga), O1(Ya), O1(dW), O1(dX)
    C = {}
    C[10] = [[y(1, 1), S(w(1, 1) * x(1, 1), w(1, 2) * x(1, 2), w(2, 1) * x(2, 1), w(2, 2) * x(2, 2))]]
    C[11] = [[y(1, 2), S(w(1, 1) * x(1, 3), w(1, 2) * x(1, 4), w(2, 1) * x(2, 3), w(2, 2) * x(2, 4))]]
    C[12] = [[y(2, 1), S(w(1, 1) * x(2, 1), w(1, 2) * x(2, 2), w(2, 1) * x(3, 1), w(2, 2) * x(3, 2))]]
    C[13] = [[y(2, 2), S(w(1, 1) * x(3, 3), w(1, 2) * x(3, 4), w(2, 1) * x(4, 3), w(2, 2) * x(4, 4))]]
    C[16] = [[Ya, [[sum(w(a, c) * x(2 * i - 2 + a, 2 * j - 2 + c) for a in (1, 2) for c in (1, 2)) for j in (1, 2)] for i in (1, 2)]]]
    C[21] = [[dw(1, 1), S(g(1, 1) * x(1, 1), g(1, 2) * x(1, 3), g(2, 1) * x(3, 1), g(2, 2) * x(3, 3))]]
    C[22] = [[dw(1, 2), S(g(1, 1) * x(1, 2), g(1, 2) * x(1, 4), g(2, 1) * x(3, 2), g(2, 2) * x(3, 4))]]
    C[23] = [[dw(2, 1), S(g(1, 1) * x(2, 1), g(1, 2) * x(2, 3), g(2, 1) * x(4, 1), g(2, 2) * x(4, 3))]]
    C[24] = [[dw(2, 2), S(g(1, 1) * x(2, 2), g(1, 2) * x(2, 3), g(2, 1) * x(4, 2), g(2, 2) * x(4, 3))]]
    C[30] = [[dx(1, 1), g(1, 1) * w(1, 1)]]
    C[31] = [[dx(2, 4), g(1, 2) * w(2, 2)]]
    C[32] = [[dx(3, 3), g(2, 2) * w(1, 1)]]
    C[33] = [[dx(2, 3), S(g(1, 2) * w(2, 1), g(1, 1) * w(2, 2))]]
    C[36] = [[dX, np.kron(Ga, np.ones((2, 2))) * np.tile(Wk, (2, 2))]]
    return C


# ----------------------------------------------------------------------------- 10 exam: conv relu maxpool dense softmax-CE
def file10(rng):
    def maxpool(R_):
        return R_.reshape(2, 2, 2, 2).max(axis=(1, 3))

    for _ in range(10000):
        Xa = rng.normal(size=(5, 5)); K = rng.normal(size=(2, 2)); b = rng.normal()
        Sa = corr(Xa, K) + b
        if np.abs(Sa).min() < 0.05 or (Sa < 0).sum() < 3:
            continue
        R = np.maximum(Sa, 0)
        blocks = R.reshape(2, 2, 2, 2).transpose(0, 2, 1, 3).reshape(4, 4)
        srt = np.sort(blocks, axis=1)
        if np.all(srt[:, -1] > 0.1) and np.all(srt[:, -1] - srt[:, -2] > 0.05):
            break
    else:
        raise SystemExit("file10: no random point away from the kinks")
    W = rng.normal(size=(2, 4)); c = rng.normal(size=2); y = np.zeros(2); y[rng.integers(2)] = 1.0
    R = np.maximum(Sa, 0); P = maxpool(R); a = P.reshape(-1)  # row by row
    z = W @ a + c; yh = softmax(z)
    L_z = lambda v: -float(np.sum(y * np.log(softmax(v))))
    L_a = lambda v, W_=W, c_=c: L_z(W_ @ v + c_)
    L_P = lambda v: L_a(v.reshape(-1))
    L_R = lambda v: L_P(maxpool(v))
    L_S = lambda v: L_R(np.maximum(v, 0))
    L_all = lambda X_, K_, b_: L_S(corr(X_, K_) + b_)
    dz = numgrad(L_z, z); dW = numgrad(lambda v: L_a(a, v, c), W); dc = numgrad(lambda v: L_a(a, W, v), c)
    da = numgrad(L_a, a); dP = numgrad(L_P, P); dR = numgrad(L_R, R); dS = numgrad(L_S, Sa)
    dK = numgrad(lambda v: L_all(Xa, v, b), K); db = numgrad(lambda v: L_all(Xa, K, float(v)), np.array(b))
    dX = numgrad(lambda v: L_all(v, K, b), Xa)
    x, k, Dl, dp, dA = O1(Xa), O1(K), O1(dS), O1(dP), O1(da)
    I4 = range(1, 5)
    is_max = np.zeros((4, 4), bool)
    for r in range(2):
        for s in range(2):
            win = R[2 * r:2 * r + 2, 2 * s:2 * s + 2]
            i, j = np.unravel_index(np.argmax(win), (2, 2))
            is_max[2 * r + i, 2 * s + j] = True
    pool_rule = np.array([[dp(-(-i // 2), -(-j // 2)) if is_max[i - 1, j - 1] else 0.0 for j in I4] for i in I4])
    Dpad = np.pad(dS, 1)
    C = {}
    C[15] = [[Sa, [[sum(k(p, q) * x(i + p - 1, j + q - 1) for p in (1, 2) for q in (1, 2)) + b for j in I4] for i in I4]]]
    C[21] = [[dz, yh - y]]
    C[25] = [[dW, np.outer(yh - y, a)]]
    C[26] = [[dc, yh - y]]
    C[27] = [[da, W.T @ (yh - y)]]
    C[29] = [[dW[0, 1], (yh[0] - y[0]) * P[0, 1]]]
    C[32] = [[dP, [[dA(2 * (r - 1) + s) for s in (1, 2)] for r in (1, 2)]]]
    C[34] = [[dp(2, 1), dA(2)]]
    C[38] = [[dR, pool_rule]]
    C[42] = [[dS, dR * (Sa > 0)]]
    C[48] = [[dK, [[sum(Dl(i, j) * x(i + p - 1, j + q - 1) for i in I4 for j in I4) for q in (1, 2)] for p in (1, 2)]]]
    C[52] = [[dK, corr(Xa, dS)]]
    C[56] = [[dK[0, 1], sum(Dl(i, j) * x(i + 1, j) for i in I4 for j in I4)]]
    C[58] = [[db, dS.sum()]]
    C[62] = [[dX, corr(Dpad, K)]]
    # the correct rule, for the record: the full convolution, i.e. correlation with the kernel rotated by 180 degrees
    assert eq(dX, corr(Dpad, K[::-1, ::-1]))
    return C


BUILDERS = {
    '01_einstein.md': file01, '02_jacobian.tex': file02, '03_nielsen_bp.md': file03, '04_avgpool_leaky.tex': file04,
    '05_dilated.md': file05, '06_two_channels.tex': file06, '07_softmax_kronecker.md': file07,
    '08_batchnorm.tex': file08, '09_plaintext_code.md': file09, '10_exam_solution.tex': file10,
}


# ----------------------------------------------------------------------------- finding the '=' lines
def _mask(text, spans):
    chars = list(text)
    for a, b in spans:
        for i in range(a, b):
            if chars[i] != '\n':
                chars[i] = ' '
    return ''.join(chars)


def math_segments(text, suffix):
    """(start, end) character spans of math (and, in Markdown, code) in the file."""
    segs = []
    if suffix == '.md':
        for m in re.finditer(r'^```.*?^```', text, re.S | re.M):
            segs.append((m.start(), m.end()))
        rest = _mask(text, segs)
        for m in re.finditer(r'\$\$.*?\$\$', rest, re.S):
            segs.append((m.start(), m.end()))
        rest = _mask(text, segs)
        for m in re.finditer(r'`[^`\n]+`', rest):
            segs.append((m.start(), m.end()))
        rest = _mask(text, segs)
        for m in re.finditer(r'\$[^$\n]+\$', rest):
            segs.append((m.start(), m.end()))
    else:
        text = re.sub(r'(?m)(?<!\\)%.*$', lambda m: ' ' * len(m.group(0)), text)
        for m in re.finditer(r'\\begin\{(equation|align|multline|gather)(\*?)\}.*?\\end\{\1\2\}', text, re.S):
            segs.append((m.start(), m.end()))
        rest = _mask(text, segs)
        for m in re.finditer(r'\\\[.*?\\\]', rest, re.S):
            segs.append((m.start(), m.end()))
        rest = _mask(text, segs)
        for m in re.finditer(r'\$[^$]+\$', rest):
            segs.append((m.start(), m.end()))
    return segs, text


def eq_lines(path):
    """{line: segment id} for lines holding '=' inside math/code, plus the continuation lines of each segment."""
    text = path.read_text()
    segs, text = math_segments(text, path.suffix)
    lines = {}
    for sid, (a, b) in enumerate(segs):
        for m in re.finditer('=', text[a:b]):
            ln = text.count('\n', 0, a + m.start()) + 1
            lines.setdefault(ln, sid)
    return lines, text.split('\n')


# ----------------------------------------------------------------------------- main
def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    errors = []
    total_claims = total_wrong = 0
    for f in key['file']:
        name = f['name']
        path = HERE / name
        net = f['cli'].split('--network')[1].split()[0]
        first = path.read_text().split('\n')[0]
        if net not in first or not (HERE / net).exists():
            errors.append(f'{name}: first line does not name {net}, or the network file is missing')
        rng = np.random.default_rng(20261206 + int(name[:2]))
        values = BUILDERS[name](rng)
        claims = {c['line']: c for c in f.get('claim', [])}
        defs = {d['line'] for d in f.get('definitions', [])}
        nots = {d['line'] for d in f.get('not_claims', [])}
        keyed = set(claims) | defs | nots
        if len(keyed) != len(claims) + len(defs) + len(nots):
            errors.append(f'{name}: a line is keyed twice')
        if set(values) != set(claims):
            errors.append(f'{name}: claims in key {sorted(claims)} vs evaluated {sorted(values)}')
        lines, text_lines = eq_lines(path)
        # every '=' line keyed; a line starting with '=' or '&=' continues the chain keyed above it
        for ln, sid in sorted(lines.items()):
            if ln in keyed:
                continue
            stripped = text_lines[ln - 1].lstrip()
            prev = [p for p, s in lines.items() if s == sid and p < ln]
            if stripped.startswith(('=', '&=')) and prev and max(prev) in claims:
                continue
            errors.append(f'{name}:{ln}: holds "=" inside math but is not keyed: {text_lines[ln - 1].strip()[:70]}')
        for ln in sorted(keyed):
            if ln not in lines:
                errors.append(f'{name}:{ln}: keyed but holds no "=" inside math')
        n_wrong = 0
        for ln, c in sorted(claims.items()):
            lhs = re.sub(r'\s+', '', c['lhs'])
            if lhs not in re.sub(r'\s+', '', text_lines[ln - 1]):
                errors.append(f'{name}:{ln}: lhs {c["lhs"]!r} not found on the line')
            if ln not in values:
                continue
            ok = all(all(eq(group[0], v) for v in group[1:]) for group in values[ln])
            verdict = 'right' if ok else 'wrong'
            n_wrong += verdict == 'wrong'
            if verdict != c['verdict']:
                errors.append(f'{name}:{ln}: key says {c["verdict"]}, NumPy says {verdict}')
            if c['verdict'] == 'wrong' and not c.get('why'):
                errors.append(f'{name}:{ln}: wrong claim without a why')
        total_claims += len(claims); total_wrong += n_wrong
        print(f'{name:28s} {len(claims):3d} claims, {n_wrong} wrong, {len(defs)} definitions, {len(nots)} not_claims')
    print(f'total: {total_claims} claims, {total_wrong} wrong ({100 * total_wrong / max(total_claims, 1):.0f}%)')
    for e in errors:
        print('ERROR', e)
    return 1 if errors else 0


if __name__ == '__main__':
    sys.exit(main())
