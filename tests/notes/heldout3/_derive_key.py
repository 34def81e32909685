"""Independent check of key.toml for tests/notes/heldout3.

For every notes file: build the layer or network from its definition with SymPy, transcribe each
claim by hand (for 08, whose formulas are very long, the claim's right-hand side is read from the
file with a small LaTeX-to-SymPy translation), decide right/wrong, locate the claim's line by an
anchor string, and compare with key.toml (line and verdict). Does not import symconv.
Run: /work/main/.venv/bin/python _derive_key.py
"""
import os
import random
import re
import sys
import tomllib
from itertools import product

import sympy as sp
from sympy.parsing.sympy_parser import (parse_expr, standard_transformations,
                                        implicit_multiplication_application)

HERE = os.path.dirname(os.path.abspath(__file__))
random.seed(12345)


def eq(a, b):
    return sp.expand(sp.sympify(a) - sp.sympify(b)) == 0


def lines_of(name):
    with open(os.path.join(HERE, name), encoding="utf-8") as f:
        return f.read().split("\n")


def find_line(lines, anchor):
    hits = [i + 1 for i, l in enumerate(lines) if anchor in l]
    if len(hits) != 1:
        raise SystemExit(f"anchor {anchor!r} found on lines {hits}")
    return hits[0]


# ---------------------------------------------------------------- convolution layer (MATH.md)
class Conv:
    """Internally 1-based like MATH.md; accessors take the notes' indices and base."""

    def __init__(self, H, W, kh, kw, cin=1, cout=1, s=1, p=0, d=1, bias=False, base=1):
        self.H, self.W, self.kh, self.kw, self.cin, self.cout = H, W, kh, kw, cin, cout
        self.s, self.p, self.d, self.base = s, p, d, base
        self.Ho = (H + 2 * p - d * (kh - 1) - 1) // s + 1
        self.Wo = (W + 2 * p - d * (kw - 1) - 1) // s + 1
        self.X = {(c, i, j): sp.Symbol(f"X_{c}_{i}_{j}") for c in range(1, cin + 1)
                  for i in range(1, H + 1) for j in range(1, W + 1)}
        self.K = {(m, c, a, b): sp.Symbol(f"K_{m}_{c}_{a}_{b}") for m in range(1, cout + 1)
                  for c in range(1, cin + 1) for a in range(1, kh + 1) for b in range(1, kw + 1)}
        self.B = {m: (sp.Symbol(f"b_{m}") if bias else 0) for m in range(1, cout + 1)}
        self.G = {(m, r, q): sp.Symbol(f"G_{m}_{r}_{q}") for m in range(1, cout + 1)
                  for r in range(1, self.Ho + 1) for q in range(1, self.Wo + 1)}
        self.Y = {}
        for (m, r, q) in self.G:
            acc = self.B[m]
            for c, a, b in product(range(1, cin + 1), range(1, kh + 1), range(1, kw + 1)):
                i = (r - 1) * s + (a - 1) * d + 1 - p
                j = (q - 1) * s + (b - 1) * d + 1 - p
                if 1 <= i <= H and 1 <= j <= W:
                    acc += self.K[(m, c, a, b)] * self.X[(c, i, j)]
            self.Y[(m, r, q)] = acc
        self.L = sum(self.G[k] * self.Y[k] for k in self.G)

    def _i(self, *idx):
        return tuple(v + 1 - self.base for v in idx)

    # notes-indexed accessors (channel indices included; wrappers drop them)
    def x(self, c, i, j):
        return self.X[self._i(c, i, j)]

    def k(self, m, c, a, b):
        return self.K[self._i(m, c, a, b)]

    def g(self, m, r, q):
        return self.G[self._i(m, r, q)]

    def y(self, m, r, q):
        return self.Y[self._i(m, r, q)]

    def b(self, m):
        return self.B[self._i(m)[0]]

    def dx(self, c, i, j):
        return sp.diff(self.L, self.x(c, i, j))

    def dk(self, m, c, a, b):
        return sp.diff(self.L, self.k(m, c, a, b))

    def db(self, m):
        return sp.diff(self.L, self.b(m))


R = range


# ---------------------------------------------------------------- 01
def f01():
    cv = Conv(4, 4, 3, 3, s=2, p=1, bias=True, base=0)
    X = lambda i, j: cv.x(0, i, j)
    K = lambda m, n: cv.k(0, 0, m, n)
    G = lambda i, j: cv.g(0, i, j)
    Y = lambda i, j: cv.y(0, i, j)
    b = cv.b(0)
    P = lambda r, c: X(r - 1, c - 1) if (1 <= r <= 4 and 1 <= c <= 4) else 0
    dK = lambda m, n: cv.dk(0, 0, m, n)
    dX = lambda i, j: cv.dx(0, i, j)
    # the definition on line 12 must agree with the layer
    assert all(eq(Y(i, j), b + sum(P(2 * i + m, 2 * j + n) * K(m, n) for m in R(3) for n in R(3)))
               for i in R(2) for j in R(2))
    return [
        ("$$Y[0,0] =", eq(Y(0, 0), b + X(0, 0)*K(1, 1) + X(0, 1)*K(1, 2) + X(1, 0)*K(2, 1) + X(1, 1)*K(2, 2))),
        ("$$Y[0,1] =", eq(Y(0, 1), b + X(0, 1)*K(1, 0) + X(0, 2)*K(1, 1) + X(0, 3)*K(1, 2) + X(1, 1)*K(2, 0) + X(1, 2)*K(2, 1) + X(1, 3)*K(2, 2))),
        ("$$Y[1,0] =", eq(Y(1, 0), b + X(1, 0)*K(0, 0) + X(1, 1)*K(0, 1) + X(2, 0)*K(1, 0) + X(2, 1)*K(1, 1) + X(3, 0)*K(2, 0) + X(3, 1)*K(2, 1))),
        ("$$Y[1,1] =", eq(Y(1, 1), b + sum(X(1 + m, 1 + n) * K(m, n) for m in R(3) for n in R(3)))),
        ("\\partial b} =", eq(cv.db(0), G(0, 0) + G(0, 1) + G(1, 0) + G(1, 1))),
        ("\\partial K[m,n]} =", all(eq(dK(m, n), sum(G(i, j) * P(2*i + m, 2*j + n) for i in R(2) for j in R(2))) for m in R(3) for n in R(3))),
        ("\\partial K[1,1]} =", eq(dK(1, 1), G(0, 0)*X(0, 0) + G(0, 1)*X(0, 2) + G(1, 0)*X(2, 0) + G(1, 1)*X(2, 2))),
        ("\\partial K[0,0]} =", eq(dK(0, 0), G(1, 1)*X(1, 1))),
        ("\\partial K[2,2]} =", eq(dK(2, 2), G(0, 0)*X(1, 1) + G(0, 1)*X(1, 2) + G(1, 0)*X(2, 1) + G(1, 1)*X(2, 2))),
        ("\\partial X[1,1]} =", eq(dX(1, 1), G(0, 0)*K(2, 2) + G(0, 1)*K(2, 0) + G(1, 0)*K(0, 2) + G(1, 1)*K(0, 0))),
        ("\\partial X[3,3]} =", eq(dX(3, 3), G(1, 1)*K(2, 2))),
        ("\\partial X[0,2]} =", eq(dX(0, 2), G(0, 1)*K(1, 1))),
        ("\\partial X[2,1]} =", eq(dX(2, 1), G(1, 0)*K(1, 0) + G(1, 1)*K(1, 2))),
    ]


# ---------------------------------------------------------------- 02
def f02():
    cv = Conv(5, 5, 2, 2, cin=2, d=2, bias=True, base=0)
    X = lambda c, i, j: cv.x(c, i, j)
    W = lambda c, m, n: cv.k(0, c, m, n)
    G = lambda i, j: cv.g(0, i, j)
    Y = lambda i, j: cv.y(0, i, j)
    b = cv.b(0)
    dW = lambda c, m, n: cv.dk(0, c, m, n)
    dX = lambda c, i, j: cv.dx(c, i, j)
    assert (cv.Ho, cv.Wo) == (3, 3)
    assert all(eq(Y(i, j), b + sum(W(c, m, n) * X(c, i + 2*m, j + 2*n) for c in R(2) for m in R(2) for n in R(2)))
               for i in R(3) for j in R(3))
    return [
        ("$$Y[0,0] =", eq(Y(0, 0), b + sum(W(c, 0, 0)*X(c, 0, 0) + W(c, 0, 1)*X(c, 0, 2) + W(c, 1, 0)*X(c, 2, 0) + W(c, 1, 1)*X(c, 2, 2) for c in R(2)))),
        ("$$Y[2,1] =", eq(Y(2, 1), b + sum(W(c, 0, 0)*X(c, 2, 1) + W(c, 0, 1)*X(c, 2, 3) + W(c, 1, 0)*X(c, 4, 1) + W(c, 1, 1)*X(c, 4, 3) for c in R(2)))),
        ("$$Y[1,2] =", eq(Y(1, 2), b + sum(W(c, 0, 0)*X(c, 1, 2) + W(c, 0, 1)*X(c, 1, 3) + W(c, 1, 0)*X(c, 2, 2) + W(c, 1, 1)*X(c, 2, 3) for c in R(2)))),
        ("\\partial b} =", eq(cv.db(0), sum(G(i, j) for i in R(3) for j in R(3)))),
        ("\\partial W[c,m,n]} =", all(eq(dW(c, m, n), sum(G(i, j) * X(c, i + 2*m, j + 2*n) for i in R(3) for j in R(3))) for c in R(2) for m in R(2) for n in R(2))),
        ("\\partial W[1,1,0]} =", eq(dW(1, 1, 0), sum(G(i, j) * X(1, i + 2, j) for i in R(3) for j in R(3)))),
        ("\\partial W[0,0,1]} =", eq(dW(0, 0, 1), sum(G(i, j) * X(c, i, j + 2) for c in R(2) for i in R(3) for j in R(3)))),
        ("\\partial X[c,2,2]} =", all(eq(dX(c, 2, 2), G(2, 2)*W(c, 0, 0) + G(2, 0)*W(c, 0, 1) + G(0, 2)*W(c, 1, 0) + G(0, 0)*W(c, 1, 1)) for c in R(2))),
        ("\\partial X[0,1,1]} =", eq(dX(0, 1, 1), G(1, 1)*W(0, 0, 0))),
        ("\\partial X[1,1,3]} =", eq(dX(1, 1, 3), G(1, 2)*W(1, 0, 1) + G(0, 2)*W(1, 1, 1))),
        ("\\partial X[0,4,0]} =", eq(dX(0, 4, 0), G(2, 0)*W(0, 1, 0))),
    ]


# ---------------------------------------------------------------- 03
def f03():
    cv = Conv(3, 4, 2, 2, base=0)
    x = lambda i, j: cv.x(0, i, j)
    w = lambda m, n: cv.k(0, 0, m, n)
    d = lambda i, j: cv.g(0, i, j)
    y = lambda i, j: cv.y(0, i, j)
    dw = lambda m, n: cv.dk(0, 0, m, n)
    dx = lambda i, j: cv.dx(0, i, j)
    assert all(eq(y(i, j), sum(x(i + m, j + n) * w(m, n) for m in R(2) for n in R(2))) for i in R(2) for j in R(3))
    M = sp.Matrix([
        [d(0, 0)*w(0, 0), d(0, 0)*w(0, 1) + d(0, 1)*w(0, 0), d(0, 1)*w(0, 1) + d(0, 2)*w(0, 0), d(0, 2)*w(0, 1)],
        [d(0, 0)*w(1, 0) + d(1, 0)*w(0, 0), d(0, 0)*w(1, 1) + d(0, 1)*w(1, 0) + d(1, 0)*w(0, 1) + d(1, 1)*w(0, 0),
         d(0, 1)*w(1, 1) + d(0, 2)*w(1, 0) + d(1, 1)*w(0, 1) + d(1, 2)*w(0, 0), d(0, 2)*w(1, 1) + d(1, 2)*w(0, 1)],
        [d(1, 0)*w(1, 0), d(1, 0)*w(1, 1) + d(1, 1)*w(1, 0), d(1, 1)*w(1, 1) + d(1, 2)*w(1, 0), d(1, 2)*w(1, 1)],
    ])
    return [
        ("$$y_{00} =", eq(y(0, 0), x(0, 0)*w(0, 0) + x(0, 1)*w(0, 1) + x(1, 0)*w(1, 0) + x(1, 1)*w(1, 1))),
        ("$$y_{12} =", eq(y(1, 2), x(1, 2)*w(0, 0) + x(1, 3)*w(0, 1) + x(2, 2)*w(1, 0) + x(2, 3)*w(1, 1))),
        ("$$y_{11} =", eq(y(1, 1), x(1, 1)*w(1, 1) + x(1, 2)*w(1, 0) + x(2, 1)*w(0, 1) + x(2, 2)*w(0, 0))),
        ("\\partial w_{0,1}} =", eq(dw(0, 1), sum(d(i, j) * x(i, j + 1) for i in R(2) for j in R(3)))),
        ("\\partial w_{1,0}} =", eq(dw(1, 0), d(0, 0)*x(1, 0) + d(0, 1)*x(1, 1) + d(0, 2)*x(1, 2) + d(1, 0)*x(2, 0) + d(1, 1)*x(2, 1) + d(1, 2)*x(2, 2))),
        ("\\partial w_{1,1}} =", eq(dw(1, 1), sum(d(i, j) * x(i, j) for i in R(2) for j in R(3)))),
        ("\\partial x_{00}} =", eq(dx(0, 0), d(0, 0)*w(0, 0))),
        ("\\partial x_{11}} =", eq(dx(1, 1), d(0, 0)*w(1, 1) + d(0, 1)*w(1, 0) + d(1, 0)*w(0, 1) + d(1, 1)*w(0, 0))),
        ("\\partial x_{03}} =", eq(dx(0, 3), d(0, 2)*w(0, 0))),
        ("\\partial x_{21}} =", eq(dx(2, 1), d(1, 0)*w(1, 1) + d(1, 1)*w(1, 0))),
        ("\\partial X} =", all(eq(dx(i, j), M[i, j]) for i in R(3) for j in R(4))),
    ]


# ---------------------------------------------------------------- 04
def f04():
    cv = Conv(4, 4, 2, 2, cin=2, cout=2, s=2, p=1, bias=True, base=0)
    X, K, G, Y, b = cv.x, cv.k, cv.g, cv.y, cv.b
    assert (cv.Ho, cv.Wo) == (3, 3)

    def Xz(c, r, s):
        return X(c, r, s) if (0 <= r < 4 and 0 <= s < 4) else 0
    assert all(eq(Y(o, i, j), b(o) + sum(K(o, c, m, n) * Xz(c, 2*i + m - 1, 2*j + n - 1) for c in R(2) for m in R(2) for n in R(2)))
               for o in R(2) for i in R(3) for j in R(3))
    gen = all(eq(cv.dx(c, i, j), sum(G(o, (i + 1) // 2, (j + 1) // 2) * K(o, c, (i + 1) % 2, (j + 1) % 2) for o in R(2)))
              for c in R(2) for i in R(4) for j in R(4))
    return [
        ("$$Y[0,0,0] =", eq(Y(0, 0, 0), b(0) + K(0, 0, 1, 1)*X(0, 0, 0) + K(0, 1, 1, 1)*X(1, 0, 0))),
        ("$$Y[1,2,2] =", eq(Y(1, 2, 2), b(1) + K(1, 0, 0, 0)*X(0, 3, 3) + K(1, 1, 0, 0)*X(1, 3, 3))),
        ("$$Y[0,1,1] =", eq(Y(0, 1, 1), b(0) + sum(K(0, c, m, n) * X(c, 1 + m, 1 + n) for c in R(2) for m in R(2) for n in R(2)))),
        ("$$Y[1,0,1] =", eq(Y(1, 0, 1), b(1) + sum(K(1, c, 0, 0)*X(c, 0, 1) + K(1, c, 0, 1)*X(c, 0, 2) + K(1, c, 1, 0)*X(c, 1, 1) + K(1, c, 1, 1)*X(c, 1, 2) for c in R(2)))),
        ("\\partial b[1]} =", eq(cv.db(1), sum(G(1, i, j) for i in R(3) for j in R(3)))),
        ("\\partial K[0,1,0,0]} =", eq(cv.dk(0, 1, 0, 0), G(0, 1, 1)*X(1, 1, 1) + G(0, 1, 2)*X(1, 1, 3) + G(0, 2, 1)*X(1, 3, 1) + G(0, 2, 2)*X(1, 3, 3))),
        ("\\partial K[1,0,1,1]} =", eq(cv.dk(1, 0, 1, 1), G(1, 0, 0)*X(0, 0, 0) + G(1, 0, 1)*X(0, 0, 2) + G(1, 1, 0)*X(0, 2, 0) + G(1, 1, 1)*X(0, 2, 2))),
        ("\\partial K[1,1,0,1]} =", eq(cv.dk(1, 1, 0, 1), G(1, 1, 0)*X(1, 1, 0) + G(1, 1, 1)*X(1, 1, 2) + G(1, 2, 0)*X(1, 3, 0) + G(1, 2, 1)*X(1, 3, 2))),
        ("\\partial K[0,0,0,1]} =", eq(cv.dk(0, 0, 0, 1), G(0, 1, 0)*X(0, 0, 0) + G(0, 1, 1)*X(0, 0, 1) + G(0, 2, 0)*X(0, 1, 0) + G(0, 2, 1)*X(0, 1, 1))),
        ("\\partial X[c,i,j]} =", gen),
        ("\\partial X[0,2,3]} =", eq(cv.dx(0, 2, 3), G(0, 1, 2)*K(0, 0, 1, 0) + G(1, 1, 2)*K(1, 0, 1, 0))),
        ("\\partial X[1,0,0]} =", eq(cv.dx(1, 0, 0), G(0, 0, 0)*K(0, 1, 1, 1))),
        ("\\partial X[1,3,0]} =", eq(cv.dx(1, 3, 0), sum(G(o, 2, 0)*K(o, 1, 0, 1) for o in R(2)))),
    ]


# ---------------------------------------------------------------- 05
def f05():
    cv = Conv(4, 4, 3, 3, base=0)
    I = lambda i, j: cv.x(0, i, j)
    K = lambda m, n: cv.k(0, 0, m, n)
    G = lambda i, j: cv.g(0, i, j)
    S = lambda i, j: cv.y(0, i, j)
    dK = lambda m, n: cv.dk(0, 0, m, n)
    dI = lambda i, j: cv.dx(0, i, j)
    assert all(eq(S(i, j), sum(I(i + m, j + n) * K(m, n) for m in R(3) for n in R(3))) for i in R(2) for j in R(2))
    return [
        ("$$S(0,0) =", eq(S(0, 0), sum(I(m, n) * K(m, n) for m in R(3) for n in R(3)))),
        ("$$S(1,0) =", eq(S(1, 0), sum(I(1 + m, n) * K(m, n) for m in R(3) for n in R(3)))),
        ("$$S(1,1) =", eq(S(1, 1), sum(I(3 - m, 3 - n) * K(m, n) for m in R(3) for n in R(3)))),
        ("\\partial K(m,n)} =", all(eq(dK(m, n), sum(G(i, j) * I(i + m, j + n) for i in R(2) for j in R(2))) for m in R(3) for n in R(3))),
        ("\\partial K(2,0)} =", eq(dK(2, 0), G(0, 0)*I(2, 0) + G(0, 1)*I(2, 1) + G(1, 0)*I(3, 0) + G(1, 1)*I(3, 1))),
        ("\\partial K(0,2)} =", eq(dK(0, 2), G(0, 0)*I(2, 0) + G(0, 1)*I(2, 1) + G(1, 0)*I(3, 0) + G(1, 1)*I(3, 1))),
        ("\\partial I(0,0)} =", eq(dI(0, 0), G(0, 0)*K(0, 0))),
        ("\\partial I(1,2)} =", eq(dI(1, 2), G(0, 0)*K(1, 2) + G(0, 1)*K(1, 1) + G(1, 0)*K(0, 2) + G(1, 1)*K(0, 1))),
        ("\\partial I(3,3)} =", eq(dI(3, 3), G(1, 1)*K(2, 2))),
        ("\\partial I(2,3)} =", eq(dI(2, 3), G(1, 1)*K(1, 2))),
        ("\\partial I(0,3)} =", eq(dI(0, 3), G(0, 1)*K(0, 2))),
        ("\\partial I(3,0)} =", eq(dI(3, 0), G(1, 0)*K(2, 0))),
    ]


# ---------------------------------------------------------------- 06
def f06():
    cv = Conv(5, 5, 3, 3, cin=2, cout=2, s=2, base=1)
    V, K, G, Z = cv.x, cv.k, cv.g, cv.y
    s = 2
    assert (cv.Ho, cv.Wo) == (2, 2)
    R1 = lambda n: range(1, n + 1)
    assert all(eq(Z(i, j, k), sum(V(l, (j - 1)*s + m, (k - 1)*s + n) * K(i, l, m, n) for l in R1(2) for m in R1(3) for n in R1(3)))
               for i in R1(2) for j in R1(2) for k in R1(2))
    c911 = all(eq(cv.dk(i, j, k, l), sum(G(i, m, n) * V(j, 2*(m - 1) + k, 2*(n - 1) + l) for m in R1(2) for n in R1(2)))
               for i in R1(2) for j in R1(2) for k in R1(3) for l in R1(3))

    def h913(i, j, k):
        acc = 0
        for l, m in product(R1(2), R1(3)):
            if s*(l - 1) + m != j:
                continue
            for n, p in product(R1(2), R1(3)):
                if s*(n - 1) + p != k:
                    continue
                acc += sum(K(q, i, m, p) * G(q, l, n) for q in R1(2))
        return acc
    c913 = all(eq(cv.dx(i, j, k), h913(i, j, k)) for i in R1(2) for j in R1(5) for k in R1(5))
    return [
        ("Z_{1,1,1} =", eq(Z(1, 1, 1), sum(V(l, m, n) * K(1, l, m, n) for l in R1(2) for m in R1(3) for n in R1(3)))),
        ("Z_{2,2,1} =", eq(Z(2, 2, 1), sum(V(l, 2 + m, n) * K(2, l, m, n) for l in R1(2) for m in R1(3) for n in R1(3)))),
        ("Z_{1,1,2} =", eq(Z(1, 1, 2), sum(V(l, m, 1 + n) * K(1, l, m, n) for l in R1(2) for m in R1(3) for n in R1(3)))),
        ("\\partial K_{i,j,k,l}} =", c911),
        ("\\partial K_{1,2,1,1}} =", eq(cv.dk(1, 2, 1, 1), G(1, 1, 1)*V(2, 1, 1) + G(1, 1, 2)*V(2, 1, 3) + G(1, 2, 1)*V(2, 3, 1) + G(1, 2, 2)*V(2, 3, 3))),
        ("\\partial K_{2,1,3,2}} =", eq(cv.dk(2, 1, 3, 2), G(2, 1, 1)*V(1, 3, 2) + G(2, 1, 2)*V(1, 3, 4) + G(2, 2, 1)*V(1, 5, 2) + G(2, 2, 2)*V(1, 5, 4))),
        ("\\partial K_{1,1,2,3}} =", eq(cv.dk(1, 1, 2, 3), sum(G(i, m, n) * V(1, 2*(m - 1) + 2, 2*(n - 1) + 3) for i in R1(2) for m in R1(2) for n in R1(2)))),
        ("\\partial V_{i,j,k}} =", c913),
        ("\\partial V_{1,3,3}} =", eq(cv.dx(1, 3, 3), sum(K(q, 1, 3, 3)*G(q, 1, 1) + K(q, 1, 3, 1)*G(q, 1, 2) + K(q, 1, 1, 3)*G(q, 2, 1) + K(q, 1, 1, 1)*G(q, 2, 2) for q in R1(2)))),
        ("\\partial V_{2,2,2}} =", eq(cv.dx(2, 2, 2), sum(K(q, 2, 2, 2)*G(q, 1, 1) for q in R1(2)))),
        ("\\partial V_{1,5,4}} =", eq(cv.dx(1, 5, 4), K(1, 1, 3, 2)*G(1, 2, 2))),
        ("\\partial V_{2,1,5}} =", eq(cv.dx(2, 1, 5), sum(K(q, 2, 1, 3)*G(q, 1, 2) for q in R1(2)))),
    ]


# ---------------------------------------------------------------- numeric helpers for networks
PREC = 50


def rnd():
    return sp.Rational(random.randint(-999, 999), 500)


def numeq(a, b, subs):
    va = sp.N(sp.sympify(a).subs(subs), PREC)
    vb = sp.N(sp.sympify(b).subs(subs), PREC)
    return abs(va - vb) < sp.Float(10) ** (-30)


def cut(builder, syms, values):
    """Gradient of builder(syms) w.r.t. syms, evaluated at syms = values (intermediate gradients)."""
    e = builder(syms)
    return [sp.diff(e, s).subs(dict(zip(syms, values))) for s in syms]


# ---------------------------------------------------------------- 07 (Bishop)
def f07():
    x = sp.symbols("x1 x2")
    W1 = sp.Matrix(3, 2, lambda j, i: sp.Symbol(f"w1_{j+1}{i+1}"))
    b1 = sp.Matrix(3, 1, lambda j, _: sp.Symbol(f"w1_{j+1}0"))
    W2 = sp.Matrix(2, 3, lambda k, j: sp.Symbol(f"w2_{k+1}{j+1}"))
    b2 = sp.Matrix(2, 1, lambda k, _: sp.Symbol(f"w2_{k+1}0"))
    t = sp.symbols("t1 t2")
    xv = sp.Matrix(x)
    a = W1 * xv + b1
    z = a.applyfunc(sp.tanh)
    y = W2 * z + b2
    E_of_y = lambda Ys: sp.Rational(1, 2) * sum((Ys[k] - t[k])**2 for k in R(2))
    E = E_of_y(list(y))
    E_of_z = lambda Zs: E_of_y(list(W2 * sp.Matrix(Zs) + b2))
    E_of_a = lambda As: E_of_z([sp.tanh(v) for v in As])
    Ysym, Zsym, Asym = sp.symbols("Y1:3"), sp.symbols("Z1:4"), sp.symbols("A1:4")
    dE_dy = cut(E_of_y, Ysym, list(y))
    dk = dE_dy  # output units are linear: delta_k = dE/da_k = dE/dy_k
    dE_dz = cut(E_of_z, Zsym, list(z))
    dj = cut(E_of_a, Asym, list(a))
    leaves = list(x) + list(W1) + list(b1) + list(W2) + list(b2) + list(t)
    pts = [{s: rnd() for s in leaves} for _ in range(3)]
    ok = lambda A, B: all(numeq(A, B, p) for p in pts)
    sv = sp.Symbol("sv")
    hprime = sp.diff(sp.tanh(sv), sv)
    return [
        ("$$\\delta_k = y_k - t_k$$", all(ok(dk[k], y[k] - t[k]) for k in R(2))),
        ("\\partial y_k} =", all(ok(dE_dy[k], 2 * (y[k] - t[k])) for k in R(2))),
        ("$$h'(a_j) =", all(ok(hprime.subs(sv, a[j]), 1 - z[j]**2) for j in R(3))),
        ("$$\\delta_j = (1 - z_j^2)", all(ok(dj[j], (1 - z[j]**2) * sum(W2[k, j] * dk[k] for k in R(2))) for j in R(3))),
        ("\\partial w^{(1)}_{ji}} =", all(ok(sp.diff(E, W1[j, i]), dj[j] * x[i]) for j in R(3) for i in R(2))),
        ("\\partial w^{(2)}_{kj}} =", all(ok(sp.diff(E, W2[k, j]), dk[k] * z[j]) for k in R(2) for j in R(3))),
        ("\\partial w^{(2)}_{k0}} =", all(ok(sp.diff(E, b2[k]), y[k] - t[k]) for k in R(2))),
        ("\\partial w^{(1)}_{10}} =", ok(sp.diff(E, b1[0]), (1 - z[0]**2) * sum(W2[k, 0] * (y[k] - t[k]) for k in R(2)))),
        ("\\partial w^{(1)}_{21}} =", ok(sp.diff(E, W1[1, 0]), (1 - z[1]**2) * (W2[0, 1]*(y[0] - t[0]) + W2[1, 1]*(y[1] - t[1])) * x[0])),
        ("\\partial w^{(1)}_{32}} =", ok(sp.diff(E, W1[2, 1]), z[2]*(1 - z[2]) * (W2[0, 2]*(y[0] - t[0]) + W2[1, 2]*(y[1] - t[1])) * x[1])),
        ("\\partial w^{(2)}_{23}} =", ok(sp.diff(E, W2[1, 2]), (y[1] - t[1]) * (1 - z[2]**2))),
        ("\\partial z_j} =", all(ok(dE_dz[j], sum(W2[k, j] * dk[k] for k in R(2))) for j in R(3))),
        ("\\partial x_2} =", ok(sp.diff(E, x[1]), sum(W1[j, 1] * dj[j] for j in R(3)))),
    ]


# ---------------------------------------------------------------- 08 (substituted; RHS read from the file)
def f08():
    name = "08_substituted_conv_net.md"
    lines = lines_of(name)
    x = {(i, j): sp.Symbol(f"x{i}{j}") for i in R(1, 4) for j in R(1, 4)}
    k = {(i, j): sp.Symbol(f"k{i}{j}") for i in R(1, 3) for j in R(1, 3)}
    v = {i: sp.Symbol(f"v{i}") for i in R(1, 5)}
    b, c, t = sp.symbols("b c t")
    sig = lambda e: 1 / (1 + sp.exp(-e))
    z = {(r, s): sum(k[(m, n)] * x[(r + m - 1, s + n - 1)] for m in R(1, 3) for n in R(1, 3)) + b
         for r in R(1, 3) for s in R(1, 3)}
    vec = [z[(1, 1)], z[(2, 1)], z[(1, 2)], z[(2, 2)]]      # column-major flatten
    yhat = sum(v[i + 1] * sig(vec[i]) for i in R(4)) + c
    L = (yhat - t)**2

    def rhs(anchor):
        line = lines[find_line(lines, anchor) - 1].strip().strip("$")
        s = line.split(" = ", 1)[1]
        s = s.replace("\\left(", "(").replace("\\right)", ")").replace("\\sigma", " sig")
        s = re.sub(r"([xk])_\{(\d)(\d)\}", r" \1\2\3 ", s)
        s = re.sub(r"v_(\d)", r" v\1 ", s)
        s = s.replace("^2", "**2")
        loc = {"sig": sp.Lambda(sp.Symbol("u"), sig(sp.Symbol("u")))}
        loc.update({str(sy): sy for sy in list(x.values()) + list(k.values()) + list(v.values()) + [b, c, t]})
        return parse_expr(s, local_dict=loc, transformations=standard_transformations + (implicit_multiplication_application,))

    leaves = list(x.values()) + list(k.values()) + list(v.values()) + [b, c, t]
    pts = [{s: rnd() for s in leaves} for _ in range(3)]
    ok = lambda A, B: all(numeq(A, B, p) for p in pts)
    out = []
    for anchor, wrt in [("$$L =", None), ("\\partial c} =", c), ("\\partial v_3} =", v[3]), ("\\partial v_2} =", v[2]),
                        ("\\partial b} =", b), ("\\partial k_{11}} =", k[(1, 1)]), ("\\partial k_{12}} =", k[(1, 2)]),
                        ("\\partial k_{22}} =", k[(2, 2)]), ("\\partial x_{22}} =", x[(2, 2)]),
                        ("\\partial x_{13}} =", x[(1, 3)]), ("\\partial x_{31}} =", x[(3, 1)])]:
        lhs = L if wrt is None else sp.diff(L, wrt)
        out.append((anchor, ok(lhs, rhs(anchor))))
    # hand transcription of the three wrong ones, to make sure the parse is what was meant
    S = lambda e: sig(e)
    Dp = lambda e: sig(e) * (1 - sig(e))
    Ebr = yhat - t
    assert ok(rhs("\\partial v_2} ="), 2 * Ebr * S(z[(1, 2)]))
    assert ok(rhs("\\partial x_{31}} ="), 2 * Ebr * v[2] * Dp(z[(2, 1)]) * k[(1, 1)])
    assert ok(rhs("\\partial k_{22}} ="), Ebr * sum(v[i + 1] * Dp(vec[i]) * x[(r + 1, s + 1)]
                                                  for i, (r, s) in enumerate([(1, 1), (2, 1), (1, 2), (2, 2)])))
    return out


# ---------------------------------------------------------------- 09 (relu / maxpool: branches resolved per point)
def f09():
    x = {(i, j): sp.Symbol(f"x{i}{j}") for i in R(1, 5) for j in R(1, 5)}
    k = {(i, j): sp.Symbol(f"k{i}{j}") for i in R(1, 3) for j in R(1, 3)}
    b = sp.Symbol("b")
    W = sp.Matrix(2, 4, lambda i, j: sp.Symbol(f"W{i+1}{j+1}"))
    cvec = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"c{i+1}"))
    y1 = sp.Symbol("y1")
    yv = [y1, 1 - y1]                               # probability target
    leaves = list(x.values()) + list(k.values()) + [b] + list(W) + list(cvec) + [y1]
    zexpr = {(i, j): sum(k[(m, n)] * x[(i + m - 1, j + n - 1)] for m in R(1, 3) for n in R(1, 3)) + b
             for i in R(1, 4) for j in R(1, 4)}
    windows = {(r, q): [(r + di, q + dj) for di in R(2) for dj in R(2)] for r in R(1, 3) for q in R(1, 3)}
    colorder = [(1, 1), (2, 1), (1, 2), (2, 2)]
    checks = {}

    def record(key, val):
        checks[key] = checks.get(key, True) and bool(val)

    for trial in range(12):
        p = {s: rnd() for s in leaves}
        if trial % 3 == 0:
            p[y1] = sp.Integer(trial % 2)                # one-hot sometimes
        zv = {ij: zexpr[ij].subs(p) for ij in zexpr}  # exact rationals
        mask = {ij: 1 if zv[ij] > 0 else 0 for ij in zv}
        av = {ij: max(zv[ij], 0) for ij in zv}
        arg = {}
        for rq, win in windows.items():               # first maximal entry in row-major order
            best = win[0]
            for e in win[1:]:
                if av[e] > av[best]:
                    best = e
            arg[rq] = best
        hv = {rq: av[arg[rq]] for rq in windows}

        def J_of_s(Ss):
            Z = sum(sp.exp(e) for e in Ss)
            return -sum(yv[i] * sp.log(sp.exp(Ss[i]) / Z) for i in R(2))

        def s_of_h(Hs):                               # Hs in column-major order
            return list(W * sp.Matrix(Hs) + cvec)

        def h_of_z(Zd):
            a = {ij: Zd[ij] * mask[ij] for ij in Zd}
            return [a[arg[rq]] for rq in colorder]

        zs = {ij: sp.Symbol(f"Z{ij[0]}{ij[1]}") for ij in zexpr}
        J = J_of_s(s_of_h(h_of_z(zexpr)))
        sval = [e.subs(p) for e in s_of_h([hv[rq] for rq in colorder])]
        Ssym = sp.symbols("S1:3")
        dJ_ds = cut(J_of_s, Ssym, sval)
        yhat = [sp.exp(sval[i]) / (sp.exp(sval[0]) + sp.exp(sval[1])) for i in R(2)]
        Hsym = sp.symbols("H1:5")
        dJ_dh_list = cut(lambda Hs: J_of_s(s_of_h(Hs)), Hsym, [hv[rq] for rq in colorder])
        dJ_dh = dict(zip(colorder, dJ_dh_list))
        zkeys = list(zexpr)
        dJ_dz_list = cut(lambda Zs: J_of_s(s_of_h(h_of_z(dict(zip(zkeys, Zs))))), [zs[ij] for ij in zkeys],
                         [zv[ij] for ij in zkeys])
        dJ_dz = dict(zip(zkeys, dJ_dz_list))
        close = lambda A, B: numeq(A, B, p)
        hsym = {rq: hv[rq] for rq in windows}
        Wp = W.subs(p)
        record(15, close(zexpr[(1, 1)], k[(1, 1)]*x[(1, 1)] + k[(1, 2)]*x[(1, 2)] + k[(2, 1)]*x[(2, 1)] + k[(2, 2)]*x[(2, 2)] + b))
        record(17, close(zexpr[(2, 3)], k[(1, 1)]*x[(2, 3)] + k[(1, 2)]*x[(2, 4)] + k[(2, 1)]*x[(3, 3)] + k[(2, 2)]*x[(3, 4)] + b))
        record(19, hv[(1, 2)] == max(av[(1, 2)], av[(1, 3)], av[(2, 2)], av[(2, 3)]))
        record(25, all(close(dJ_ds[i], yhat[i] - yv[i]) for i in R(2)))
        record(29, close(sp.diff(J, W[0, 2]), (yhat[0] - yv[0]) * hsym[(1, 2)]))
        record(31, close(sp.diff(J, W[1, 1]), (yhat[1] - yv[1]) * hsym[(1, 2)]))
        record(33, close(sp.diff(J, cvec[1]), yhat[1] - yv[1]))
        record(35, close(dJ_dh[(2, 1)], Wp[0, 1]*(yhat[0] - yv[0]) + Wp[1, 1]*(yhat[1] - yv[1])))
        sv = sp.Symbol("sv")
        relu_d = lambda val: sp.diff(sp.Max(0, sv), sv).subs(sv, val)
        record(39, all(relu_d(zv[ij]) == (1 if zv[ij] > 0 else 0) for ij in zv))
        ind = lambda cond: 1 if cond else 0
        record(43, close(dJ_dz[(2, 2)], ind(zv[(2, 2)] > 0) * sum(ind(av[(2, 2)] == hv[rq]) * dJ_dh[rq] for rq in windows)))
        record(47, close(sp.diff(J, b), sum(dJ_dz.values())))
        record(49, close(sp.diff(J, k[(2, 1)]), sum(dJ_dz[(i, j)] * x[(i + 1, j)] for i in R(1, 4) for j in R(1, 4))))
        record(51, close(sp.diff(J, k[(1, 2)]), sum(dJ_dz[(i, j)] * x[(i + 1, j)] for i in R(1, 4) for j in R(1, 4))))
        record(53, close(sp.diff(J, x[(4, 4)]), dJ_dz[(3, 3)] * k[(2, 2)]))
        record(55, close(sp.diff(J, x[(1, 4)]), dJ_dz[(1, 3)] * k[(1, 1)]))
    anchors = {15: "$$z_{11} =", 17: "$$z_{23} =", 19: "$$h_{12} =", 25: "\\partial s_i} =", 29: "\\partial W_{13}} =",
               31: "\\partial W_{22}} =", 33: "\\partial c_2} =", 35: "\\partial h_{21}} =", 39: "\\partial z_{ij}} =",
               43: "\\partial z_{22}} =", 47: "\\partial b} =", 49: "\\partial k_{21}} =", 51: "\\partial k_{12}} =",
               53: "\\partial x_{44}} =", 55: "\\partial x_{14}} ="}
    return [(anchors[n], checks[n]) for n in sorted(anchors)]


# ---------------------------------------------------------------- 10
def f10():
    x = sp.symbols("x1 x2")
    W = sp.Matrix(3, 2, lambda j, k: sp.Symbol(f"W{j+1}{k+1}"))
    bb = sp.Matrix(3, 1, lambda j, _: sp.Symbol(f"b{j+1}"))
    V = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"V{i+1}{j+1}"))
    cc = sp.Matrix(3, 1, lambda i, _: sp.Symbol(f"c{i+1}"))
    y1, y2 = sp.symbols("y1 y2")
    y = [y1, y2, 1 - y1 - y2]                       # probability target
    sig = lambda e: 1 / (1 + sp.exp(-e))
    z = W * sp.Matrix(x) + bb
    h = z.applyfunc(sig)
    u = V * h + cc
    soft = lambda U: [sp.exp(U[i]) / sum(sp.exp(U[m]) for m in R(3)) for i in R(3)]
    p = soft(list(u))
    J_of_p = lambda P: -sum(y[i] * sp.log(P[i]) for i in R(3))
    J_of_u = lambda U: J_of_p(soft(U))
    J_of_h = lambda Hs: J_of_u(list(V * sp.Matrix(Hs) + cc))
    J_of_z = lambda Zs: J_of_h([sig(e) for e in Zs])
    J = J_of_p(p)
    Us, Ps, Hs, Zs = sp.symbols("U1:4"), sp.symbols("P1:4"), sp.symbols("H1:4"), sp.symbols("Z1:4")
    dp_du = [[sp.diff(soft(list(Us))[i], Us[j]).subs(dict(zip(Us, u))) for j in R(3)] for i in R(3)]
    dJ_dp = cut(J_of_p, Ps, p)
    dJ_du = cut(J_of_u, Us, list(u))
    dJ_dh = cut(J_of_h, Hs, list(h))
    dJ_dz = cut(J_of_z, Zs, list(z))
    zsym = sp.Symbol("zz")
    dh_dz = [sp.diff(sig(zsym), zsym).subs(zsym, z[j]) for j in R(3)]
    leaves = list(x) + list(W) + list(bb) + list(V) + list(cc) + [y1, y2]
    pts = [{s: rnd() for s in leaves} for _ in range(3)] + [{**{s: rnd() for s in leaves}, y1: 0, y2: 1}]
    ok = lambda A, B: all(numeq(A, B, q) for q in pts)
    kd = lambda i, j: 1 if i == j else 0
    return [
        ("\\partial z_j} = h_j(1 - h_j)$$", all(ok(dh_dz[j], h[j] * (1 - h[j])) for j in R(3))),
        ("\\partial u_j} = p_i(", all(ok(dp_du[i][j], p[i] * (kd(i, j) - p[j])) for i in R(3) for j in R(3))),
        ("\\partial p_2}{\\partial u_2} =", ok(dp_du[1][1], p[1] - p[1]**2)),
        ("\\partial p_1}{\\partial u_3} =", ok(dp_du[0][2], -p[0] * p[2])),
        ("\\partial p_3}{\\partial u_1} =", ok(dp_du[2][0], p[2] * (1 - p[0]))),
        ("\\partial p_i} =", all(ok(dJ_dp[i], -y[i] / p[i]) for i in R(3))),
        ("\\partial u_j} = \\sum", all(ok(dJ_du[j], sum((-y[i] / p[i]) * p[i] * (kd(i, j) - p[j]) for i in R(3)))
                                        and ok(dJ_du[j], p[j] - y[j]) for j in R(3))),
        ("\\partial u_j} = -y_j", all(ok(dJ_du[j], -y[j] * (1 - p[j])) for j in R(3))),
        ("\\partial V_{ij}} =", all(ok(sp.diff(J, V[i, j]), (p[i] - y[i]) * h[j]) for i in R(3) for j in R(3))),
        ("\\partial c_i} =", all(ok(sp.diff(J, cc[i]), p[i] - y[i]) for i in R(3))),
        ("\\partial h_j} =", all(ok(dJ_dh[j], sum(V[i, j] * (p[i] - y[i]) for i in R(3))) for j in R(3))),
        ("{\\partial z_j} = h_j(1 - h_j)\\sum", all(ok(dJ_dz[j], h[j] * (1 - h[j]) * sum(V[i, j] * (p[i] - y[i]) for i in R(3))) for j in R(3))),
        ("\\partial W_{jk}} =", all(ok(sp.diff(J, W[j, k]), h[j] * (1 - h[j]) * x[k] * sum(V[j, i] * (p[i] - y[i]) for i in R(3))) for j in R(3) for k in R(2))),
        ("\\partial b_2} =", ok(sp.diff(J, bb[1]), (h[1] - h[1]**2) * (V[0, 1]*(p[0] - y[0]) + V[1, 1]*(p[1] - y[1]) + V[2, 1]*(p[2] - y[2])))),
    ]


FILES = {
    "01_np_conv_stride2_pad1.md": f01,
    "02_np_conv_2ch_dilation.md": f02,
    "03_np_plain_subscripts.md": f03,
    "04_np_conv_2in2out_stride2_pad1.md": f04,
    "05_goodfellow_eq96_conv.md": f05,
    "06_goodfellow_strided_multichannel.tex": f06,
    "07_bishop_tanh_backprop.md": f07,
    "08_substituted_conv_net.md": f08,
    "09_tiny_cnn_backprop.md": f09,
    "10_softmax_output_form.md": f10,
}


def main():
    with open(os.path.join(HERE, "key.toml"), "rb") as f:
        key = tomllib.load(f)
    bad = 0
    names = [e["name"] for e in key["file"]]
    assert sorted(names) == sorted(FILES), names
    for entry in key["file"]:
        name = entry["name"]
        lines = lines_of(name)
        derived = sorted(((find_line(lines, a), v) for a, v in FILES[name]()), key=lambda t: t[0])
        keyed = sorted(((c["line"], c["verdict"] == "right") for c in entry["claim"]), key=lambda t: t[0])
        if [l for l, _ in derived] != [l for l, _ in keyed]:
            print(f"{name}: claim lines differ: derived {[l for l, _ in derived]} key {[l for l, _ in keyed]}")
            bad += 1
            continue
        for (l, dv), (_, kv) in zip(derived, keyed):
            if dv != kv:
                print(f"{name}:{l}: maths says {'right' if dv else 'wrong'}, key says {'right' if kv else 'wrong'}")
                bad += 1
        for item in entry.get("definitions", []) + entry.get("not_claims", []):
            if item["text"] not in lines[item["line"] - 1]:
                print(f"{name}:{item['line']}: listed text not on that line: {item['text']!r}")
                bad += 1
        nr = sum(v for _, v in derived)
        print(f"{name}: {len(derived)} claims, {nr} right, {len(derived) - nr} wrong")
    if bad:
        print(f"{bad} problem(s)")
        sys.exit(1)
    print("key.toml agrees with the maths")


if __name__ == "__main__":
    main()
