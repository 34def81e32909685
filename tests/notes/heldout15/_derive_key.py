#!/usr/bin/env python3
"""Independent check of key.toml for the set "heldout15" (does not import symconv).

For every notes file it builds the network from its definition in SymPy (forward pass, loss or a
given upstream gradient as a leaf), differentiates with sympy.diff, writes each keyed claim as a
list of (left, right) SymPy pairs and evaluates them at several random points. A claim is "right"
when every pair agrees at every point (a chain or a claim over an index range gives several pairs).
Each claim is located in its notes file by a text anchor; the line found must be the keyed line.
It also checks that every displayed line with "=" is keyed once (definition, not_claim or claim)
unless it continues a claim above. Exit 0 only if everything matches.
"""
import random
import re
import sys
import tomllib
from itertools import product
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
POINTS = 4
TOL = 1e-9


def arr(name, shape, base=1):
    """A dict index-tuple -> Symbol, indices from base."""
    return {idx: sp.Symbol(f"{name}_{'_'.join(map(str, idx))}")
            for idx in product(*(range(base, base + n) for n in shape))}


def rng_idx(*ranges):
    return list(product(*ranges))


def grad(L, A):
    return {i: sp.diff(L, s) for i, s in A.items()}


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


# ---------------------------------------------------------------- 01: French, conv with bias
def f01():
    x, w, d = arr("x", (4, 4)), arr("w", (2, 2)), arr("d", (3, 3))
    b = sp.Symbol("b")
    y = {(i, j): sum(w[p, q] * x[i + p - 1, j + q - 1] for p in (1, 2) for q in (1, 2)) + b
         for i in (1, 2, 3) for j in (1, 2, 3)}
    L = sum(d[k] * y[k] for k in y)
    dw, dx, db = grad(L, w), grad(L, x), sp.diff(L, b)
    D = lambda i, j: d[i, j] if (i, j) in d else 0
    S = lambda f: sum(f(i, j) for i in (1, 2, 3) for j in (1, 2, 3))
    W = w
    return {
        "y_{1,1} = w_{1,1}x_{1,1}": [(y[1, 1], W[1, 1]*x[1, 1] + W[1, 2]*x[1, 2] + W[2, 1]*x[2, 1] + W[2, 2]*x[2, 2] + b)],
        "y_{2,3} = w_{1,1}x_{2,3}": [(y[2, 3], W[1, 1]*x[2, 3] + W[1, 2]*x[2, 4] + W[2, 1]*x[3, 3] + W[2, 2]*x[3, 4] + b)],
        "\\partial w_{p,q}} =": [(dw[p, q], S(lambda i, j: d[i, j]*x[i+p-1, j+q-1])) for p in (1, 2) for q in (1, 2)],
        "\\mathrm{d}w_{1,2}} =": [(dw[1, 2], S(lambda i, j: d[i, j]*x[i, j+1]))],
        "\\mathrm{d}w_{2,1}} =": [(dw[2, 1], S(lambda i, j: d[i, j]*x[i, j+1]))],
        "\\partial y_{i,j}}{\\partial b} = 1": [(sp.diff(y[k], b), 1) for k in y],
        "\\partial L}{\\partial b} =": [(db, S(lambda i, j: d[i, j]))],
        "\\partial x_{1,1}} =": [(dx[1, 1], d[1, 1]*W[1, 1])],
        "\\mathrm{d}x_{1,4}} =": [(dx[1, 4], d[1, 3]*W[1, 1])],
        "\\partial x_{2,2}} =": [(dx[2, 2], d[1, 1]*W[2, 2] + d[1, 2]*W[2, 1] + d[2, 1]*W[1, 2] + d[2, 2]*W[1, 1])],
        "\\partial x_{2,3}} =": [(dx[2, 3], d[1, 2]*W[2, 2] + d[1, 3]*W[2, 1] + d[2, 2]*W[1, 2])],
        "\\partial x_{3,3}} =": [(dx[3, 3], d[2, 2]*W[2, 2] + d[2, 3]*W[2, 1] + d[3, 2]*W[1, 2] + d[3, 3]*W[1, 1])],
        "\\partial x_{4,2}} =": [(dx[4, 2], d[3, 1]*W[2, 2] + d[3, 2]*W[2, 1])],
        "\\partial x_{m,n}} =": [(dx[m, n], sum(D(m-p+1, n-q+1)*W[p, q] for p in (1, 2) for q in (1, 2)))
                                 for m in range(1, 5) for n in range(1, 5)],
    }, None


# ---------------------------------------------------------------- 02: dense + tanh + 1/2 SSE
def f02():
    x, t, b = arr("x", (3,)), arr("t", (2,)), arr("b", (2,))
    W = arr("W", (2, 3))
    z = {(k,): sum(W[k, j]*x[j,] for j in (1, 2, 3)) + b[k,] for k in (1, 2)}
    a = {k: sp.tanh(z[k]) for k in z}
    L = sp.Rational(1, 2)*sum((a[k,] - t[k,])**2 for k in (1, 2))
    # intermediate gradients: L as a function of a (and of z) symbols
    As, Zs = arr("A", (2,)), arr("Z", (2,))
    La = sp.Rational(1, 2)*sum((As[k,] - t[k,])**2 for k in (1, 2))
    dLda = {k: sp.diff(La, As[k]).xreplace({As[j]: a[j] for j in As}) for k in As}
    Lz = La.xreplace({As[k]: sp.tanh(Zs[k]) for k in As})
    dLdz = {k: sp.diff(Lz, Zs[k]).xreplace({Zs[j]: z[j] for j in Zs}) for k in Zs}
    dadz = {k: sp.diff(sp.tanh(Zs[k]), Zs[k]).xreplace({Zs[j]: z[j] for j in Zs}) for k in Zs}
    dW, db, dx = grad(L, W), grad(L, b), grad(L, x)
    A = lambda k: a[k,]
    T = lambda k: t[k,]
    dl = {k: (A(k) - T(k))*(1 - A(k)**2) for k in (1, 2)}
    return {
        "L = \\frac{1}{2}\\left[": [(L, sp.Rational(1, 2)*((A(1) - T(1))**2 + (A(2) - T(2))**2))],
        "a_1 = \\tanh": [(a[1,], sp.tanh(W[1, 1]*x[1,] + W[1, 2]*x[2,] + W[1, 3]*x[3,] + b[1,]))],
        "\\partial a_k} = a_k - t_k": [(dLda[k,], A(k) - T(k)) for k in (1, 2)],
        "\\partial z_k} = 1 - a_k^2": [(dadz[k,], 1 - A(k)**2) for k in (1, 2)],
        "\\partial z_k} = (a_k": [(dLdz[k,], (A(k) - T(k))*(1 - A(k)**2)) for k in (1, 2)],
        "\\partial z_1} =": [(dLdz[1,], (A(1) - T(1))*(1 - z[1,]**2))],
        "\\partial W_{jk}} =": [(dW[j, k], (A(j) - T(j))*(1 - A(j)**2)*x[k,]) for j in (1, 2) for k in (1, 2, 3)],
        "\\partial W_{23}} =": [(dW[2, 3], (A(2) - T(2))*(1 - A(2)**2)*x[2,])],
        "\\partial b_j} =": [(db[j,], (A(j) - T(j))*(1 - A(j)**2)) for j in (1, 2)],
        "\\partial W} = \\delta": [(sp.Matrix(2, 3, lambda j, k: dW[j+1, k+1]),
                                    sp.Matrix([dl[1], dl[2]]) * sp.Matrix([[x[1,], x[2,], x[3,]]]))],
        "\\partial x_1} =": [(dx[1,], W[1, 1]*dl[1] + W[2, 1]*dl[2])],
        "\\partial x_2} =": [(dx[2,], W[1, 2]*dl[1] + W[2, 2]*dl[2])],
        "\\partial x_3} =": [(dx[3,], W[1, 3]*dl[1])],
    }, None


# ---------------------------------------------------------------- 03: depthwise conv
def f03():
    x, k, g = arr("x", (2, 3, 3)), arr("k", (2, 2, 2)), arr("g", (2, 2, 2))
    y = {(c, i, j): sum(k[c, p, q]*x[c, i+p-1, j+q-1] for p in (1, 2) for q in (1, 2))
         for c in (1, 2) for i in (1, 2) for j in (1, 2)}
    L = sum(g[i]*y[i] for i in y)
    dk, dx = grad(L, k), grad(L, x)
    return {
        "y^{(1)}_{1,1} =": [(y[1, 1, 1], k[1, 1, 1]*x[1, 1, 1] + k[1, 1, 2]*x[1, 1, 2] + k[1, 2, 1]*x[1, 2, 1] + k[1, 2, 2]*x[1, 2, 2])],
        "y^{(2)}_{2,1} =": [(y[2, 2, 1], k[2, 1, 1]*x[2, 2, 1] + k[2, 1, 2]*x[2, 2, 2] + k[2, 2, 1]*x[2, 3, 1] + k[2, 2, 2]*x[2, 3, 2])],
        "y^{(2)}_{1,2} =": [(y[2, 1, 2], k[2, 1, 1]*x[1, 1, 2] + k[2, 1, 2]*x[1, 1, 3] + k[2, 2, 1]*x[1, 2, 2] + k[2, 2, 2]*x[1, 2, 3])],
        "k^{(c)}_{p,q}} =": [(dk[c, p, q], sum(g[c, i, j]*x[c, i+p-1, j+q-1] for i in (1, 2) for j in (1, 2)))
                             for c in (1, 2) for p in (1, 2) for q in (1, 2)],
        "k^{(1)}_{1,1}} =": [(dk[1, 1, 1], g[1, 1, 1]*x[1, 1, 1] + g[1, 1, 2]*x[1, 1, 2] + g[1, 2, 1]*x[1, 2, 1] + g[1, 2, 2]*x[1, 2, 2])],
        "k^{(1)}_{1,2}} =": [(dk[1, 1, 2], g[1, 1, 1]*x[1, 1, 2] + g[1, 1, 2]*x[1, 1, 3] + g[1, 2, 1]*x[1, 2, 2] + g[1, 2, 2]*x[1, 2, 3])],
        "k^{(2)}_{2,1}} =": [(dk[2, 2, 1], g[2, 1, 1]*x[2, 2, 1] + g[2, 1, 2]*x[2, 2, 2] + g[2, 2, 1]*x[2, 3, 1] + g[2, 2, 2]*x[2, 3, 2])],
        "k^{(2)}_{2,2}} =": [(dk[2, 2, 2], g[2, 1, 1]*x[2, 2, 2] + g[2, 1, 2]*x[2, 2, 3] + g[2, 2, 1]*x[2, 3, 2] + g[2, 2, 2]*x[2, 3, 3])],
        "x^{(1)}_{2,2}} =": [(dx[1, 2, 2], g[1, 1, 1]*k[1, 2, 2] + g[1, 1, 2]*k[1, 2, 1] + g[1, 2, 1]*k[1, 1, 2] + g[1, 2, 2]*k[1, 1, 1])],
        "x^{(1)}_{2,1}} =": [(dx[1, 2, 1], g[1, 1, 1]*k[1, 2, 1] + g[1, 2, 1]*k[1, 1, 1])],
        "x^{(2)}_{1,3}} =": [(dx[2, 1, 3], g[2, 1, 2]*k[2, 1, 1])],
        "x^{(2)}_{3,1}} =": [(dx[2, 3, 1], g[2, 2, 1]*k[2, 2, 1])],
        "x^{(1)}_{3,3}} =": [(dx[1, 3, 3], g[1, 2, 2]*k[1, 2, 2] + g[2, 2, 2]*k[2, 2, 2])],
    }, None


# ---------------------------------------------------------------- 04: transposed conv, stride 2, 0-based
def f04():
    X, K, G = arr("X", (2, 2), 0), arr("K", (3, 3), 0), arr("G", (5, 5), 0)
    # PyTorch ConvTranspose2d: input (m, n) adds X[m,n] K[p,q] to output (2m + p, 2n + q)
    Y = {(i, j): 0 for i in range(5) for j in range(5)}
    for (m, n), (p, q) in product(X, K):
        Y[2*m + p, 2*n + q] += X[m, n]*K[p, q]
    L = sum(G[i]*Y[i] for i in Y)
    dX, dK = grad(L, X), grad(L, K)
    Gs = lambda i, j: G[i, j] if (i, j) in G else sp.nan
    return {
        "Y_{0,0} =": [(Y[0, 0], X[0, 0]*K[0, 0])],
        "Y_{1,1} =": [(Y[1, 1], X[0, 0]*K[1, 1])],
        "Y_{1,2} =": [(Y[1, 2], X[0, 0]*K[1, 2] + X[0, 1]*K[1, 0])],
        "Y_{2,2} =": [(Y[2, 2], X[0, 0]*K[2, 2] + X[0, 1]*K[2, 0] + X[1, 0]*K[0, 2] + X[1, 1]*K[0, 0])],
        "Y_{2,4} =": [(Y[2, 4], X[0, 1]*K[2, 2])],
        "Y_{4,4} =": [(Y[4, 4], X[1, 1]*K[2, 2])],
        "X_{m,n}} =": [(dX[m, n], sum(G[2*m+p, 2*n+q]*K[p, q] for p in range(3) for q in range(3))) for m, n in X],
        "X_{1,1}} =": [(dX[1, 1], sum(G[2+p, 2+q]*K[p, q] for p in range(3) for q in range(3)))],
        "X_{1,0}} =": [(dX[1, 0], sum(G[p+1, q]*K[p, q] for p in range(3) for q in range(3)))],
        "K_{p,q}} =": [(dK[p, q], sum(G[2*m+p, 2*n+q]*X[m, n] for m in range(2) for n in range(2))) for p, q in K],
        "K_{0,0}} =": [(dK[0, 0], G[0, 0]*X[0, 0] + G[0, 2]*X[0, 1] + G[2, 0]*X[1, 0] + G[2, 2]*X[1, 1])],
        "K_{1,2}} =": [(dK[1, 2], G[1, 2]*X[0, 0] + G[1, 4]*X[0, 1] + G[3, 2]*X[1, 0] + G[3, 4]*X[1, 1])],
        "K_{2,1}} =": [(dK[2, 1], G[1, 2]*X[0, 0] + G[1, 4]*X[0, 1] + G[3, 2]*X[1, 0] + G[3, 4]*X[1, 1])],
    }, None


# ---------------------------------------------------------------- 05: dilated conv (dilation 2)
def f05():
    x, k, d = arr("x", (5, 5)), arr("k", (2, 2)), arr("d", (3, 3))
    y = {(i, j): sum(k[p, q]*x[i + 2*(p-1), j + 2*(q-1)] for p in (1, 2) for q in (1, 2))
         for i in (1, 2, 3) for j in (1, 2, 3)}
    L = sum(d[i]*y[i] for i in y)
    dk, dx = grad(L, k), grad(L, x)
    D = lambda i, j: d[i, j] if (i, j) in d else 0
    S = lambda f: sum(f(i, j) for i in (1, 2, 3) for j in (1, 2, 3))
    return {
        "y_{1,1} &=": [(y[1, 1], k[1, 1]*x[1, 1] + k[1, 2]*x[1, 3] + k[2, 1]*x[3, 1] + k[2, 2]*x[3, 3])],
        "y_{2,3} &=": [(y[2, 3], k[1, 1]*x[2, 3] + k[1, 2]*x[2, 5] + k[2, 1]*x[4, 3] + k[2, 2]*x[4, 5])],
        "y_{3,2} &=": [(y[3, 2], k[1, 1]*x[3, 2] + k[1, 2]*x[3, 3] + k[2, 1]*x[4, 2] + k[2, 2]*x[4, 3])],
        "k_{p,q}} &=": [(dk[p, q], S(lambda i, j: d[i, j]*x[i + 2*(p-1), j + 2*(q-1)])) for p, q in k],
        "k_{2,1}} &=": [(dk[2, 1], S(lambda i, j: d[i, j]*x[i+2, j]))],
        "k_{1,2}} &=": [(dk[1, 2], S(lambda i, j: d[i, j]*x[i, j+1]))],
        "x_{m,n}} &=": [(dx[m, n], sum(D(m - 2*(p-1), n - 2*(q-1))*k[p, q] for p, q in k)) for m, n in x],
        "x_{3,3}} &=": [(dx[3, 3], d[1, 1]*k[2, 2] + d[1, 3]*k[2, 1] + d[3, 1]*k[1, 2] + d[3, 3]*k[1, 1])],
        "x_{2,2}} &=": [(dx[2, 2], d[2, 2]*k[1, 1])],
        "x_{1,4}} &=": [(dx[1, 4], d[1, 2]*k[1, 2])],
        "x_{4,1}} &=": [(dx[4, 1], d[2, 1]*k[2, 1] + d[3, 1]*k[1, 1])],
    }, None


# ---------------------------------------------------------------- 06: conv + GAP + dense + softmax CE
def f06():
    x, K, beta = arr("x", (4, 4)), arr("K", (2, 3, 3)), arr("beta", (2,))
    W, b, t = arr("W", (2, 2)), arr("b", (2,)), arr("t", (2,))
    z = {(c, i, j): sum(K[c, p, q]*x[i+p-1, j+q-1] for p in (1, 2, 3) for q in (1, 2, 3)) + beta[c,]
         for c in (1, 2) for i in (1, 2) for j in (1, 2)}
    g = {c: sp.Rational(1, 4)*sum(z[c, i, j] for i in (1, 2) for j in (1, 2)) for c in (1, 2)}

    def loss_from_g(gg):
        s = {k: sum(W[k, c]*gg[c] for c in (1, 2)) + b[k,] for k in (1, 2)}
        lse = sp.log(sum(sp.exp(s[k]) for k in (1, 2)))
        return -sum(t[k,]*(s[k] - lse) for k in (1, 2)), s

    L, s = loss_from_g(g)
    p = {k: sp.exp(s[k])/sum(sp.exp(s[l]) for l in (1, 2)) for k in (1, 2)}
    # intermediate gradients by differentiating the downstream part
    Ss, Gs = arr("S", (2,)), arr("Gg", (2,))
    Ls = -sum(t[k,]*(Ss[k,] - sp.log(sum(sp.exp(Ss[l,]) for l in (1, 2)))) for k in (1, 2))
    dLds = {k: sp.diff(Ls, Ss[k,]).xreplace({Ss[l,]: s[l] for l in (1, 2)}) for k in (1, 2)}
    Lg, _ = loss_from_g({c: Gs[c,] for c in (1, 2)})
    dLdg = {c: sp.diff(Lg, Gs[c,]).xreplace({Gs[l,]: g[l] for l in (1, 2)}) for c in (1, 2)}
    Zs = arr("Zz", (2, 2, 2))
    Lz, _ = loss_from_g({c: sp.Rational(1, 4)*sum(Zs[c, i, j] for i in (1, 2) for j in (1, 2)) for c in (1, 2)})
    dLdz = {i: sp.diff(Lz, Zs[i]).xreplace({Zs[j]: z[j] for j in Zs}) for i in Zs}
    dW, db, dK, dbeta = grad(L, W), grad(L, b), grad(L, K), grad(L, beta)
    P = lambda k: p[k] - t[k,]
    Wm = sp.Matrix(2, 2, lambda i, j: W[i+1, j+1])
    pt = sp.Matrix([P(1), P(2)])
    return {
        "g_1 = \\frac{1}{4}\\left(": [(g[1], sp.Rational(1, 4)*(z[1, 1, 1] + z[1, 1, 2] + z[1, 2, 1] + z[1, 2, 2]))],
        "\\partial s_k} =": [(dLds[k], P(k)) for k in (1, 2)],
        "\\partial W_{k,c}} =": [(dW[k, c], P(k)*g[c]) for k in (1, 2) for c in (1, 2)],
        "\\partial b_k} =": [(db[k,], P(k)) for k in (1, 2)],
        "\\partial g_c} = \\sum": [(dLdg[c], sum(W[k, c]*P(k) for k in (1, 2))) for c in (1, 2)],
        "\\partial g} = W": [(sp.Matrix([dLdg[1], dLdg[2]]), Wm*pt)],
        "z^{(c)}_{i,j}} =": [(dLdz[c, i, j], sp.Rational(1, 4)*dLdg[c]) for c, i, j in Zs],
        "z^{(1)}_{2,1}} =": [(dLdz[1, 2, 1], sum(W[k, 1]*P(k) for k in (1, 2)))],
        "K^{(c)}_{p,q}} =": [(dK[c, pp, q], sp.Rational(1, 4)*dLdg[c]*sum(x[i+pp-1, j+q-1] for i in (1, 2) for j in (1, 2)))
                             for c, pp, q in K],
        "K^{(2)}_{1,1}} =": [(dK[2, 1, 1], sp.Rational(1, 4)*dLdg[2]*(x[1, 1] + x[1, 2] + x[2, 1] + x[2, 2]))],
        "\\beta_2} =": [(dbeta[2,], dLdg[2])],
        "\\beta_1} =": [(dbeta[1,], 4*dLdg[1])],
    }, {"onehot": [t[1,], t[2,]]}


# ---------------------------------------------------------------- 07: 2-2-2 sigmoid, delta switch
def f07():
    x, t = arr("x", (2,)), arr("t", (2,))
    W1, b1, W2, b2 = arr("Wa", (2, 2)), arr("ba", (2,)), arr("Wb", (2, 2)), arr("bb", (2,))
    sig = lambda u: 1/(1 + sp.exp(-u))
    z1 = {j: sum(W1[j, i]*x[i,] for i in (1, 2)) + b1[j,] for j in (1, 2)}
    a1 = {j: sig(z1[j]) for j in (1, 2)}
    z2 = {k: sum(W2[k, j]*a1[j] for j in (1, 2)) + b2[k,] for k in (1, 2)}
    a2 = {k: sig(z2[k]) for k in (1, 2)}
    L = sp.Rational(1, 2)*sum((a2[k] - t[k,])**2 for k in (1, 2))
    # gradients w.r.t. intermediates: rebuild the downstream part on fresh symbols
    A2, Z2, A1, Z1 = arr("A2", (2,)), arr("Z2", (2,)), arr("A1", (2,)), arr("Z1", (2,))

    def down_from_a1(aa):
        zz = {k: sum(W2[k, j]*aa[j] for j in (1, 2)) + b2[k,] for k in (1, 2)}
        return sp.Rational(1, 2)*sum((sig(zz[k]) - t[k,])**2 for k in (1, 2))
    sub1 = lambda e, S, V: e.xreplace({S[j,]: V[j] for j in (1, 2)})
    La2 = sp.Rational(1, 2)*sum((A2[k,] - t[k,])**2 for k in (1, 2))
    dLda2 = {k: sub1(sp.diff(La2, A2[k,]), A2, a2) for k in (1, 2)}
    Lz2 = sp.Rational(1, 2)*sum((sig(Z2[k,]) - t[k,])**2 for k in (1, 2))
    dLdz2 = {k: sub1(sp.diff(Lz2, Z2[k,]), Z2, z2) for k in (1, 2)}
    La1 = down_from_a1({j: A1[j,] for j in (1, 2)})
    dLda1 = {j: sub1(sp.diff(La1, A1[j,]), A1, a1) for j in (1, 2)}
    Lz1 = down_from_a1({j: sig(Z1[j,]) for j in (1, 2)})
    dLdz1 = {j: sub1(sp.diff(Lz1, Z1[j,]), Z1, z1) for j in (1, 2)}
    dW1, db1, dW2, db2 = grad(L, W1), grad(L, b1), grad(L, W2), grad(L, b2)
    T = lambda k: t[k,]
    # Part A: delta = dL/dz
    dA2 = {k: (a2[k] - T(k))*a2[k]*(1 - a2[k]) for k in (1, 2)}
    dA1 = dLdz1
    # Part B: delta = dL/da
    dB2 = dLda2
    dB1 = dLda1
    return {
        "\\delta^{(2)}_k = \\left(": [(dLdz2[k], (a2[k] - T(k))*a2[k]*(1 - a2[k])) for k in (1, 2)],
        "W^{(2)}_{kj}} =": [(dW2[k, j], dLdz2[k]*a1[j]) for k in (1, 2) for j in (1, 2)],
        "\\delta^{(1)}_j = a^{(1)}_j": [(dLdz1[j], a1[j]*(1 - a1[j])*sum(W2[k, j]*dLdz2[k] for k in (1, 2))) for j in (1, 2)],
        "\\delta^{(1)}_2 = a^{(1)}_2": [(dLdz1[2], a1[2]*(1 - a1[2])*(W2[2, 1]*dLdz2[1] + W2[2, 2]*dLdz2[2]))],
        "W^{(1)}_{12}} =": [(dW1[1, 2], dA1[1]*x[2,])],
        "b^{(1)}_2} =": [(db1[2,], dA1[2])],
        "\\delta^{(2)}_k = a^{(2)}_k - t_k": [(dLda2[k], a2[k] - T(k)) for k in (1, 2)],
        "z^{(2)}_k} =": [(dLdz2[k], dB2[k]*a2[k]*(1 - a2[k])) for k in (1, 2)],
        "b^{(2)}_1} =": [(db2[1,], dB2[1]*a2[1]*(1 - a2[1]))],
        "W^{(2)}_{12}} =": [(dW2[1, 2], dB2[1]*a2[1]*(1 - a2[1])*a1[2])],
        "\\delta^{(1)}_j = \\sum": [(dLda1[j], sum(W2[k, j]*a2[k]*(1 - a2[k])*dB2[k] for k in (1, 2))) for j in (1, 2)],
        "\\delta^{(1)}_1 = W": [(dLda1[1], W2[1, 1]*dB2[1] + W2[2, 1]*dB2[2])],
        "W^{(1)}_{21}} =": [(dW1[2, 1], dB1[2]*x[1,])],
    }, None


# ---------------------------------------------------------------- 08: dense on a batch, matrix calculus
def f08():
    N = 3
    M = lambda name, r, c: sp.Matrix(r, c, lambda i, j: sp.Symbol(f"{name}_{i+1}_{j+1}"))
    X, W, T = M("X", N, 2), M("W", 2, 2), M("T", N, 2)
    b = M("b", 2, 1)
    one = sp.ones(N, 1)
    dX, dW, db = M("dX", N, 2), M("dW", 2, 2), M("db", 2, 1)
    eps = sp.Symbol("eps")
    Zf = lambda X_, W_, b_: X_*W_.T + one*b_.T
    Z = Zf(X, W, b)
    Lf = lambda Z_: sum(e**2 for e in (Z_ - T))
    L = Lf(Z)
    Zs = M("Zs", N, 2)
    gZ = sp.Matrix(N, 2, lambda i, j: sp.diff(Lf(Zs), Zs[i, j])).xreplace(dict(zip(Zs, Z)))
    G = gZ
    gW = sp.Matrix(2, 2, lambda i, j: sp.diff(L, W[i, j]))
    gb = sp.Matrix(2, 1, lambda i, j: sp.diff(L, b[i, 0]))
    gX = sp.Matrix(N, 2, lambda i, j: sp.diff(L, X[i, j]))
    # directional derivatives along (dX, dW, db)
    Zeps = Zf(X + eps*dX, W + eps*dW, b + eps*db)
    dZ_true = sp.diff(Zeps, eps).subs(eps, 0)
    dL_true = sp.diff(Lf(Zeps), eps).subs(eps, 0)
    ip = lambda A, B: (A.T*B).trace()
    return {
        "L = \\mathrm{tr}": [(L, ((Z - T).T*(Z - T)).trace())],
        "\\nabla_Z L = 2(Z - T)": [(gZ, 2*(Z - T))],
        "\\mathrm{d}L = \\langle": [(dL_true, ip(G, dZ_true))],
        "\\mathrm{d}Z = ": [(dZ_true, dX*W.T + X*dW.T + one*db.T)],
        "\\langle G, X\\,\\mathrm{d}W^\\top\\rangle =": [(ip(G, X*dW.T), (G.T*X*dW.T).trace()),
                                                        ((G.T*X*dW.T).trace(), ip(G.T*X, dW))],
        "\\nabla_W L = G^\\top X$$": [(gW, G.T*X)],
        "\\nabla_W L = X^\\top G$$": [(gW, X.T*G)],
        "\\nabla_b L = G^\\top": [(gb, G.T*one), (G.T*one, sum((G[n, :].T for n in range(N)), sp.zeros(2, 1)))],
        "\\nabla_X L = G W$$": [(gX, G*W)],
        "(\\nabla_W L)_{1,2} =": [(gW[0, 1], 2*sum((Z[n, 0] - T[n, 0])*X[n, 1] for n in range(N)))],
        "\\partial Z_{2,1}} =": [(gZ[1, 0], Z[1, 0] - T[1, 0])],
        "\\partial b_2} =": [(gb[1, 0], 2*sum(Z[n, 1] - T[n, 1] for n in range(N)))],
        "(\\nabla_X L)_{3,1} =": [(gX[2, 0], G[2, 0]*W[0, 0] + G[2, 1]*W[0, 1])],
    }, None


# ---------------------------------------------------------------- 09: stride 2, padding 1, 3x3 on 4x4
def f09():
    x, k, d = arr("x", (4, 4)), arr("k", (3, 3)), arr("d", (2, 2))
    X = lambda m, n: x[m, n] if (m, n) in x else 0          # the zero padding
    y = {(i, j): sum(k[p, q]*X(2*i + p - 3, 2*j + q - 3) for p in (1, 2, 3) for q in (1, 2, 3))
         for i in (1, 2) for j in (1, 2)}
    L = sum(d[i]*y[i] for i in y)
    dk, dx = grad(L, k), grad(L, x)
    S = lambda f: sum(f(i, j) for i in (1, 2) for j in (1, 2))
    return {
        "y_{1,1} = k_{2,2}": [(y[1, 1], k[2, 2]*x[1, 1] + k[2, 3]*x[1, 2] + k[3, 2]*x[2, 1] + k[3, 3]*x[2, 2])],
        "y_{1,2} = k_{2,1}": [(y[1, 2], k[2, 1]*x[1, 2] + k[2, 2]*x[1, 3] + k[2, 3]*x[1, 4] + k[3, 1]*x[2, 2] + k[3, 2]*x[2, 3] + k[3, 3]*x[2, 4])],
        "y_{2,2} = \\sum": [(y[2, 2], sum(k[p, q]*X(p+1, q+1) for p, q in k))],
        "y_{2,1} = \\sum": [(y[2, 1], sum(k[p, q]*X(p+1, q) for p, q in k))],
        "\\pd{L}{k_{p,q}} =": [(dk[p, q], S(lambda i, j: d[i, j]*X(2*i + p - 3, 2*j + q - 3))) for p, q in k],
        "\\pd{L}{k_{1,1}} &=": [(dk[1, 1], d[2, 2]*x[2, 2])],
        "\\pd{L}{k_{2,2}} &=": [(dk[2, 2], d[1, 1]*x[1, 1] + d[1, 2]*x[1, 3] + d[2, 1]*x[3, 1] + d[2, 2]*x[3, 3])],
        "\\pd{L}{k_{3,3}} &=": [(dk[3, 3], d[1, 1]*x[2, 2] + d[1, 2]*x[2, 3] + d[2, 1]*x[3, 2] + d[2, 2]*x[3, 3])],
        "\\pd{L}{x_{1,1}} &=": [(dx[1, 1], d[1, 1]*k[2, 2])],
        "\\pd{L}{x_{2,2}} &=": [(dx[2, 2], d[1, 1]*k[3, 3] + d[1, 2]*k[3, 1] + d[2, 1]*k[1, 3] + d[2, 2]*k[1, 1])],
        "\\pd{L}{x_{3,2}} &=": [(dx[3, 2], d[2, 1]*k[2, 3] + d[2, 2]*k[2, 1])],
        "\\pd{L}{x_{1,3}} &=": [(dx[1, 3], d[1, 1]*k[2, 3] + d[1, 2]*k[2, 2])],
        "\\pd{L}{x_{4,4}} &=": [(dx[4, 4], d[2, 2]*k[3, 3])],
    }, None


# ---------------------------------------------------------------- 10: maxpool 3x3 stride 1, relu
def f10():
    x, g = arr("x", (4, 4)), arr("g", (2, 2))
    win = lambda r, s: [(i, j) for i in range(r, r + 3) for j in range(s, s + 3)]
    m = {(r, s): sp.Max(*[x[ij] for ij in win(r, s)]) for r in (1, 2) for s in (1, 2)}
    relu = lambda u: sp.Max(0, u)
    a = {rs: relu(m[rs]) for rs in m}
    L = sum(g[rs]*a[rs] for rs in a)
    dx = grad(L, x)
    Ms = arr("M", (2, 2))
    dadm = {rs: sp.diff(relu(Ms[rs]), Ms[rs]).xreplace({Ms[q]: m[q] for q in Ms}) for rs in Ms}
    Lm = sum(g[rs]*relu(Ms[rs]) for rs in Ms)
    dLdm = {rs: sp.diff(Lm, Ms[rs]).xreplace({Ms[q]: m[q] for q in Ms}) for rs in Ms}
    pos = lambda rs: ind(m[rs] > 0)
    ismax = lambda ij, rs: ind(sp.Eq(x[ij], m[rs])) if ij in win(*rs) else 0
    R = list(m)
    return {
        "m_{1,1} = \\max(": [(m[1, 1], sp.Max(*[x[i, j] for i in (1, 2, 3) for j in (1, 2, 3)]))],
        "m_{2,1} = \\max_": [(m[2, 1], sp.Max(*[x[i, j] for i in (2, 3, 4) for j in (1, 2, 3)]))],
        "m_{1,2} = \\max_": [(m[1, 2], sp.Max(*[x[i, j] for i in (1, 2) for j in (2, 3)]))],
        "\\partial m_{r,s}} = \\mathbb": [(dadm[rs], pos(rs)) for rs in R],
        "\\partial m_{r,s}} = g_": [(dLdm[rs], g[rs]*pos(rs)) for rs in R],
        "\\partial x_{i,j}} = \\sum_{r=1}^{2}\\sum_{s=1}^{2} g_{r,s}\\,\\mathbb{1}[m_{r,s} > 0]": [(dx[ij], sum(g[rs]*pos(rs)*ismax(ij, rs) for rs in R)) for ij in x],
        "\\partial x_{1,1}} =": [(dx[1, 1], g[1, 1]*pos((1, 1))*ismax((1, 1), (1, 1)))],
        "\\partial x_{1,4}} =": [(dx[1, 4], g[1, 2]*pos((1, 2))*ismax((1, 4), (1, 2)))],
        "\\partial x_{4,4}} =": [(dx[4, 4], g[2, 2]*ismax((4, 4), (2, 2)))],
        "\\partial x_{2,3}} =": [(dx[2, 3], sum(g[rs]*pos(rs)*ismax((2, 3), rs) for rs in R))],
        "\\partial x_{2,2}} =": [(dx[2, 2], g[2, 2]*pos((2, 2))*ismax((2, 2), (2, 2)))],
        "\\sum_{i=1}^{4}\\sum_{j=1}^{4}\\frac": [(sum(dx.values()), sum(g[rs]*pos(rs) for rs in R))],
    }, {"points": 120, "shift": True}


BUILDERS = {
    "01_conv_biais_fr.md": f01, "02_tanh_mse.md": f02, "03_depthwise.md": f03,
    "04_conv_transpose.md": f04, "05_numbered_dilated.md": f05, "06_gap_softmax.md": f06,
    "07_sigmoid_delta_switch.md": f07, "08_matrix_calculus.md": f08,
    "09_homework_stride_pad.tex": f09, "10_maxpool_relu_cheatsheet.md": f10,
}


def free(pairs):
    out = set()
    for l, r in pairs:
        for e in (l, r):
            out |= sp.sympify(e).free_symbols
    return out


def to_float(e):
    v = sp.sympify(e).evalf(30)
    if not v.is_number:
        raise ValueError(f"not a number after substitution: {v}")
    return complex(v)


def agree(pairs, vals):
    for l, r in pairs:
        lm, rm = isinstance(l, sp.MatrixBase), isinstance(r, sp.MatrixBase)
        if lm or rm:
            if not (lm and rm) or l.shape != r.shape:
                return False
            items = list(zip(l, r))
        else:
            items = [(l, r)]
        for a, b in items:
            fa = to_float(sp.sympify(a).xreplace(vals))
            fb = to_float(sp.sympify(b).xreplace(vals))
            if abs(fa - fb) > TOL*(1 + abs(fa) + abs(fb)):
                return False
    return True


def verdict(pairs, opts, rnd):
    syms = sorted(free(pairs), key=str)
    ok = True
    for _ in range((opts or {}).get("points", POINTS)):
        # with "shift", whole points are moved down or up too, so that a window's maximum is often
        # negative (the relu gate closed) as well as positive
        c = rnd.choice((-1.5, 0.0, 1.5)) if opts and opts.get("shift") else 0.0
        vals = {s: sp.Float(rnd.uniform(-2, 2) + (c if str(s).startswith("x") else 0.0), 30) for s in syms}
        if opts and "onehot" in opts:
            hot = rnd.randrange(len(opts["onehot"]))
            for i, s in enumerate(opts["onehot"]):
                vals[s] = sp.Integer(1 if i == hot else 0)
        ok = ok and agree(pairs, vals)
    return "right" if ok else "wrong"


DISPLAY_OPEN = re.compile(r"\\begin\{(equation|align|gather|multline)\*?\}|\\\[")
DISPLAY_CLOSE = re.compile(r"\\end\{(equation|align|gather|multline)\*?\}|\\\]")


def displayed_eq_lines(text):
    """Lines (1-based) inside displays that contain '=' (a rough scan, for the completeness check)."""
    out, inside = [], False
    for n, line in enumerate(text.splitlines(), 1):
        body = re.sub(r"(?<!\\)%.*", "", line)
        if not inside:
            if "$$" in body:
                parts = body.split("$$")
                if len(parts) >= 3:           # $$ ... $$ on one line
                    if any("=" in p for p in parts[1::2]):
                        out.append(n)
                    continue
                inside = "$$"
                if "=" in parts[1]:
                    out.append(n)
                continue
            if DISPLAY_OPEN.search(body):
                inside = "tex"
                rest = DISPLAY_OPEN.split(body)[-1]
                if DISPLAY_CLOSE.search(rest):
                    inside = False
                if "=" in rest:
                    out.append(n)
                continue
        else:
            closing = ("$$" in body) if inside == "$$" else bool(DISPLAY_CLOSE.search(body))
            seg = body.split("$$")[0] if inside == "$$" else DISPLAY_CLOSE.split(body)[0]
            if "=" in seg and "\\label" not in seg.split("=")[0]:
                out.append(n)
            if closing:
                inside = False
    return out


def main():
    key = tomllib.loads((HERE / "key.toml").read_text())
    rnd = random.Random(20261206)
    problems, n_claims, n_wrong = [], 0, 0
    for entry in key["file"]:
        name = entry["name"]
        text = (HERE / name).read_text()
        lines = text.splitlines()
        claims, opts = BUILDERS[name]()
        keyed = {c["line"]: c for c in entry["claim"]}
        seen = set()
        for anchor, pairs in claims.items():
            hits = [i for i, l in enumerate(lines, 1) if anchor in l]
            if len(hits) != 1:
                problems.append(f"{name}: anchor {anchor!r} found on lines {hits}")
                continue
            ln = hits[0]
            if ln not in keyed:
                problems.append(f"{name}:{ln}: claim not in key.toml")
                continue
            seen.add(ln)
            v = verdict(pairs, opts, rnd)
            n_claims += 1
            n_wrong += v == "wrong"
            if v != keyed[ln]["verdict"]:
                problems.append(f"{name}:{ln}: key says {keyed[ln]['verdict']}, mathematics says {v}")
            if v == "wrong" and not keyed[ln].get("why"):
                problems.append(f"{name}:{ln}: wrong claim without a why")
            print(f"{name}:{ln:3d} {v:5s} {keyed[ln]['lhs']}")
        for ln in keyed:
            if ln not in seen:
                problems.append(f"{name}:{ln}: keyed claim not checked")
            elif "=" not in lines[ln - 1]:
                problems.append(f"{name}:{ln}: keyed line has no '='")
        listed = [d["line"] for d in entry.get("definitions", [])] + \
                 [d["line"] for d in entry.get("not_claims", [])] + list(keyed)
        if len(listed) != len(set(listed)):
            problems.append(f"{name}: a line is listed twice")
        for ln in displayed_eq_lines(text):
            if ln not in listed:
                problems.append(f"{name}:{ln}: displayed line with '=' not in the key: {lines[ln-1].strip()[:60]}")
    print(f"{n_claims} claims checked, {n_wrong} wrong")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
