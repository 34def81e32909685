#!/usr/bin/env python3
"""Independent check of key.toml for the set "heldout16" (does not import symconv).

For every notes file it builds the layer or network from its definition in SymPy (forward pass; the
loss, or a given upstream gradient as a leaf), differentiates with sympy.diff (gradients with respect
to intermediate nodes by rebuilding the downstream part on fresh symbols), writes each keyed claim as
a list of (left, right) SymPy pairs -- one per index value and one per link of a chain -- and
evaluates them at random points. A claim is "right" when every pair agrees at every point. Claims
made under stated numbers (07) have those numbers substituted in the links that use them.
Each claim is located in its notes file by a text anchor, and the line found must be the keyed line.
It also checks that every displayed line with "=" is keyed once (definition, not_claim or claim).
Exit 0 only if everything matches.
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
R = sp.Rational


def arr(name, shape, base=1):
    """A dict index-tuple -> Symbol, indices from base."""
    return {idx: sp.Symbol(f"{name}_{'_'.join(map(str, idx))}")
            for idx in product(*(range(base, base + n) for n in shape))}


def grad(L, A):
    return {i: sp.diff(L, s) for i, s in A.items()}


def iv(cond):
    """Iverson bracket."""
    return sp.Piecewise((1, cond), (0, True))


def through(Lfun, S, values):
    """dL/dS at S = values, where Lfun(S) is the loss as a function of the fresh symbols S (a dict)."""
    L = Lfun(S)
    sub = {S[k]: values[k] for k in S}
    return {k: sp.diff(L, S[k]).xreplace(sub) for k in S}


def ceil2(i):
    return (i + 1) // 2


# ---------------------------------------------------------------- 01: Grosse bar notation, ELU MLP
def f01():
    x, W, b, v = arr("x", (2,)), arr("W", (2, 2)), arr("b", (2,)), arr("v", (2,))
    c, t = sp.Symbol("c"), sp.Symbol("t")
    elu = lambda u: sp.Piecewise((u, u > 0), (sp.exp(u) - 1, True))
    X = lambda i: x[i,]
    z = {j: sum(W[j, i]*X(i) for i in (1, 2)) + b[j,] for j in (1, 2)}
    h = {j: elu(z[j]) for j in (1, 2)}
    L_of_h = lambda H: R(1, 2)*(sum(v[j,]*H[j] for j in (1, 2)) + c - t)**2
    y = sum(v[j,]*h[j] for j in (1, 2)) + c
    L = L_of_h(h)
    Ys, Hs, Zs = sp.Symbol("Ys"), {j: sp.Symbol(f"Hs{j}") for j in (1, 2)}, {j: sp.Symbol(f"Zs{j}") for j in (1, 2)}
    ybar = sp.diff(R(1, 2)*(Ys - t)**2, Ys).xreplace({Ys: y})
    hbar = through(L_of_h, Hs, h)
    zbar = through(lambda Z: L_of_h({j: elu(Z[j]) for j in (1, 2)}), Zs, z)
    dhdz = {j: sp.diff(elu(Zs[j]), Zs[j]).xreplace({Zs[j]: z[j]}) for j in (1, 2)}
    dW, db, dv, dx = grad(L, W), grad(L, b), grad(L, v), grad(L, x)
    dc = sp.diff(L, c)
    Lsym = sp.Symbol("Lsym")
    return {
        "\\bar{\\mathcal{L}} = 1": [(sp.diff(Lsym, Lsym), 1)],
        "\\bar{y} = ": [(ybar, 1*(y - t)), (1*(y - t), y - t)],
        "\\bar{c} = ": [(dc, ybar)],
        "\\bar{v}_j = ": [(dv[j,], ybar*h[j]) for j in (1, 2)],
        "\\bar{h}_j = ": [(hbar[j], ybar*v[j,]) for j in (1, 2)],
        "\\bar{h}_2 = ": [(hbar[2], ybar*v[1,])],
        "\\partial h_j}{\\partial z_j} =": [(dhdz[j], sp.Piecewise((1, z[j] > 0), (h[j] + 1, True))) for j in (1, 2)],
        "\\bar{z}_j = ": [(zbar[j], hbar[j]*sp.Piecewise((1, z[j] > 0), (sp.exp(z[j]), True))) for j in (1, 2)],
        "\\bar{z}_1 = ": [(zbar[1], ybar*v[1,]*iv(z[1] > 0) + ybar*v[1,]*h[1]*iv(z[1] <= 0))],
        "\\bar{W}_{ji} = ": [(dW[j, i], zbar[j]*X(i)) for j in (1, 2) for i in (1, 2)],
        "\\bar{b}_j = ": [(db[j,], zbar[j]) for j in (1, 2)],
        "\\bar{x}_i = ": [(dx[i,], sum(zbar[j]*W[i, j] for j in (1, 2))) for i in (1, 2)],
        "\\bar{x}_1 = ": [(dx[1,], zbar[1]*W[1, 1] + zbar[2]*W[2, 1])],
        "\\bar{W} = ": [(sp.Matrix(2, 2, lambda r, s: dW[r+1, s+1]),
                         sp.Matrix([zbar[1], zbar[2]])*sp.Matrix([[X(1), X(2)]]))],
        "\\bar{W}_{12} = ": [(dW[1, 2], (y - t)*v[1,]*sp.exp(z[1])*X(2))],
    }, {"points": 40}


# ---------------------------------------------------------------- 02: CS231n circuit for a conv
def f02():
    x, w, d = arr("x", (3, 3)), arr("w", (2, 2)), arr("dy", (2, 2))
    b = sp.Symbol("b")
    y = {(i, j): sum(w[p, q]*x[i+p-1, j+q-1] for p in (1, 2) for q in (1, 2)) + b for i in (1, 2) for j in (1, 2)}
    L = sum(d[k]*y[k] for k in y)
    dw, dx, db = grad(L, w), grad(L, x), sp.diff(L, b)
    q = {1: w[1, 1]*x[1, 1], 2: w[1, 2]*x[1, 2], 3: w[2, 1]*x[2, 1], 4: w[2, 2]*x[2, 2]}
    Q = {k: sp.Symbol(f"Q{k}") for k in q}
    Rs = sp.Symbol("Rs")
    # L as a function of the gate q_1 (the other gates and outputs as they are)
    y11_of_q1 = Q[1] + q[2] + q[3] + q[4] + b
    L_q1 = L - d[1, 1]*y[1, 1] + d[1, 1]*y11_of_q1
    return {
        "\\partial y_{1,1}}{\\partial r} = 1": [(sp.diff(Rs + b, Rs), 1)],
        "\\partial r}{\\partial q_3} = 1": [(sp.diff(sum(Q.values()), Q[3]), 1)],
        "\\partial q_2}{\\partial w_{1,2}} =": [(sp.diff(q[2], w[1, 2]), x[1, 2])],
        "\\partial q_4}{\\partial x_{2,2}} =": [(sp.diff(q[4], x[2, 2]), w[1, 1])],
        "\\partial y_{1,1}}{\\partial w_{2,1}} =": [(sp.diff(y[1, 1], w[2, 1]), 1*1*x[2, 1]), (1*1*x[2, 1], x[2, 1])],
        "\\partial y_{1,1}}{\\partial b} = 1": [(sp.diff(y[1, 1], b), 1)],
        "\\partial q_1} = dy_{1,1}": [(sp.diff(L_q1, Q[1]), d[1, 1])],
        "L}{\\partial w_{1,1}} =": [(dw[1, 1], d[1, 1]*x[1, 1] + d[1, 2]*x[1, 2] + d[2, 1]*x[2, 1] + d[2, 2]*x[2, 2])],
        "L}{\\partial w_{2,2}} =": [(dw[2, 2], d[1, 1]*x[2, 2] + d[1, 2]*x[2, 3] + d[2, 1]*x[3, 2] + d[2, 2]*x[3, 3])],
        "L}{\\partial w_{1,2}} =": [(dw[1, 2], d[1, 1]*x[1, 2] + d[1, 2]*x[1, 3] + d[2, 1]*x[2, 2] + d[2, 2]*x[3, 3])],
        "\\partial L}{\\partial b} =": [(db, d[1, 1] + d[1, 2] + d[2, 1] + d[2, 2])],
        "L}{\\partial x_{2,2}} =": [(dx[2, 2], d[1, 1]*w[2, 2] + d[1, 2]*w[2, 1] + d[2, 1]*w[1, 2] + d[2, 2]*w[1, 1])],
        "L}{\\partial x_{1,2}} =": [(dx[1, 2], d[1, 1]*w[1, 2] + d[1, 2]*w[1, 1])],
        "L}{\\partial x_{3,2}} =": [(dx[3, 2], d[2, 1]*w[2, 2])],
        "L}{\\partial x_{3,3}} =": [(dx[3, 3], d[2, 2]*w[2, 2])],
        "L}{\\partial x_{2,1}} =": [(dx[2, 1], d[1, 1]*w[2, 1] + d[2, 1]*w[1, 1])],
    }, None


# ---------------------------------------------------------------- 03: stride 2, Iverson brackets
def f03():
    x, k, d = arr("x", (5, 5)), arr("k", (3, 3)), arr("d", (2, 2))
    y = {(i, j): sum(k[p, q]*x[2*i+p-2, 2*j+q-2] for p in (1, 2, 3) for q in (1, 2, 3)) for i in (1, 2) for j in (1, 2)}
    L = sum(d[i]*y[i] for i in y)
    dk, dx = grad(L, k), grad(L, x)
    I2, I3 = (1, 2), (1, 2, 3)
    ivs = lambda c: 1 if c else 0
    cond_sum = lambda m, n: sum(d[i, j]*k[m-2*i+2, n-2*j+2] for i in I2 for j in I2
                                if 1 <= m-2*i+2 <= 3 and 1 <= n-2*j+2 <= 3)
    s33 = sum(d[i, j]*k[5-2*i, 5-2*j] for i in I2 for j in I2)
    s14 = sum(d[1, j]*k[1, 6-2*j] for j in I2 if 1 <= 6-2*j <= 3)
    return {
        "\\partial k_{p,q}} =": [(dk[p, q], sum(d[i, j]*x[2*i+p-2, 2*j+q-2] for i in I2 for j in I2)) for p, q in k],
        "\\partial k_{3,1}} =": [(dk[3, 1], d[1, 1]*x[3, 1] + d[1, 2]*x[3, 3] + d[2, 1]*x[5, 1] + d[2, 2]*x[5, 3])],
        "\\partial k_{2,3}} =": [(dk[2, 3], d[1, 1]*x[2, 3] + d[1, 2]*x[2, 4] + d[2, 1]*x[3, 3] + d[2, 2]*x[3, 4])],
        "\\partial x_{m,n}} = \\sum_{i,j=1}^{2}": [(dx[m, n], sum(d[i, j]*k[p, q]*ivs(2*i+p-2 == m)*ivs(2*j+q-2 == n)
                                                              for i in I2 for j in I2 for p in I3 for q in I3)) for m, n in x],
        "\\partial x_{m,n}} = \\sum_{\\substack": [(dx[m, n], cond_sum(m, n)) for m, n in x],
        "\\partial x_{3,3}} =": [(dx[3, 3], s33), (s33, d[1, 1]*k[3, 3] + d[1, 2]*k[3, 1] + d[2, 1]*k[1, 3] + d[2, 2]*k[1, 1])],
        "\\partial x_{2,2}} =": [(dx[2, 2], d[1, 1]*k[2, 2])],
        "\\partial x_{2,3}} =": [(dx[2, 3], d[1, 1]*k[2, 3] + d[1, 2]*k[2, 1])],
        "\\partial x_{4,4}} =": [(dx[4, 4], d[2, 2]*k[3, 3])],
        "\\partial x_{5,1}} =": [(dx[5, 1], d[2, 1]*k[3, 1])],
        "\\partial x_{1,4}} =": [(dx[1, 4], s14), (s14, d[1, 2]*k[1, 2])],
        "\\partial x_{2,n}} =": [(dx[2, n], sum(d[1, j]*k[2, q]*ivs(2*j+q-2 == n) for j in I2 for q in I3)) for n in range(1, 6)],
        "\\partial x_{3,2}} =": [(dx[3, 2], d[1, 1]*k[3, 2])],
    }, None


# ---------------------------------------------------------------- 04: conv then average pooling 2x2 stride 2
def f04():
    x, k, g = arr("x", (5, 5)), arr("k", (2, 2)), arr("g", (2, 2))
    z = {(i, j): sum(k[a, b]*x[i+a-1, j+b-1] for a in (1, 2) for b in (1, 2)) for i in range(1, 5) for j in range(1, 5)}
    pool = lambda Z: {(r, s): R(1, 4)*sum(Z[2*r-1+u, 2*s-1+v] for u in (0, 1) for v in (0, 1)) for r in (1, 2) for s in (1, 2)}
    p = pool(z)
    L_of_z = lambda Z: sum(g[rs]*pv for rs, pv in pool(Z).items())
    L = L_of_z(z)
    Zs = arr("Zs", (4, 4))
    dz = through(L_of_z, Zs, z)
    dk, dx = grad(L, k), grad(L, x)
    G = lambda i, j: g[ceil2(i), ceil2(j)]
    rs = [(r, s) for r in (1, 2) for s in (1, 2)]
    Z = z
    return {
        "p_{1,2} = ": [(p[1, 2], R(1, 4)*(Z[1, 3] + Z[1, 4] + Z[2, 3] + Z[2, 4]))],
        "p_{2,1} = ": [(p[2, 1], R(1, 4)*(Z[2, 1] + Z[2, 2] + Z[3, 1] + Z[3, 2]))],
        "\\partial z_{i,j}} = \\frac{1}{4}": [(dz[i, j], R(1, 4)*G(i, j)) for i, j in dz],
        "\\partial z_{3,2}} =": [(dz[3, 2], R(1, 4)*g[2, 1])],
        "\\partial z_{2,3}} =": [(dz[2, 3], R(1, 4)*g[2, 1])],
        "\\partial z_{4,4}} =": [(dz[4, 4], g[2, 2])],
        "\\partial z_{i,j}} = \\sum_{r=1}": [(sum(dz.values()), sum(g.values()))],
        "\\partial k_{a,b}} =": [pair for a, b in k for pair in (
            (dk[a, b], sum(dz[i, j]*x[i+a-1, j+b-1] for i, j in dz)),
            (sum(dz[i, j]*x[i+a-1, j+b-1] for i, j in dz), R(1, 4)*sum(G(i, j)*x[i+a-1, j+b-1] for i, j in dz)))],
        "\\partial k_{1,1}} =": [(dk[1, 1], R(1, 4)*sum(g[r, s]*(x[2*r-1, 2*s-1] + x[2*r-1, 2*s] + x[2*r, 2*s-1] + x[2*r, 2*s]) for r, s in rs))],
        "\\partial k_{2,2}} =": [(dk[2, 2], R(1, 4)*sum(g[r, s]*(x[2*r, 2*s] + x[2*r, 2*s+1] + x[2*r+1, 2*s] + x[2*r+1, 2*s+1]) for r, s in rs))],
        "\\partial x_{1,1}} =": [(dx[1, 1], R(1, 4)*g[1, 1]*k[1, 1])],
        "\\partial x_{5,5}} =": [(dx[5, 5], R(1, 4)*g[2, 2]*k[2, 2])],
        "\\partial x_{3,1}} =": [(dx[3, 1], R(1, 4)*(g[1, 1]*k[2, 1] + g[2, 1]*k[1, 1]))],
        "\\partial x_{3,3}} =": [(dx[3, 3], R(1, 4)*(g[1, 1]*k[2, 2] + g[1, 2]*k[2, 1] + g[2, 1]*k[1, 2] + g[2, 2]*k[1, 1]))],
        "\\partial x_{2,2}} =": [(dx[2, 2], R(1, 4)*g[1, 1]*k[1, 1])],
    }, None


# ---------------------------------------------------------------- 05: operator form, corr / conv2d, valid / full
def corr(A, Ash, B, Bsh, mode):
    """corr(A, B)_{i,j} = sum_{p,q} B_{p,q} A_{i+p-1, j+q-1}, 1-based; 'full' pads A with zeros first."""
    (ah, aw), (bh, bw) = Ash, Bsh
    ph, pw = (bh - 1, bw - 1) if mode == "full" else (0, 0)
    Ap = lambda m, n: A.get((m - ph, n - pw), 0)
    oh, ow = ah + 2*ph - bh + 1, aw + 2*pw - bw + 1
    return {(i, j): sum(B[p, q]*Ap(i+p-1, j+q-1) for p in range(1, bh+1) for q in range(1, bw+1))
            for i in range(1, oh+1) for j in range(1, ow+1)}


def rot180(B, Bsh):
    bh, bw = Bsh
    return {(p, q): B[bh+1-p, bw+1-q] for p, q in B}


def conv2d(A, Ash, B, Bsh, mode):
    return corr(A, Ash, rot180(B, Bsh), Bsh, mode)


def same_tensor(A, B):
    """Entry pairs of two dict tensors, or a failing pair when their index sets differ."""
    if set(A) != set(B):
        return [(0, 1)]
    return [(A[i], B[i]) for i in A]


def f05():
    X, K, G = arr("X", (4, 4)), arr("K", (3, 3)), arr("G", (2, 2))
    Y = corr(X, (4, 4), K, (3, 3), "valid")
    L = sum(G[i]*Y[i] for i in Y)
    dK, dX = grad(L, K), grad(L, X)
    Kz = lambda p, q: K.get((p, q), 0)
    cv = conv2d(G, (2, 2), K, (3, 3), "full")
    cr = corr(G, (2, 2), rot180(K, (3, 3)), (3, 3), "full")
    return {
        "\\partial K} = \\operatorname{corr}(X, G)": same_tensor(dK, corr(X, (4, 4), G, (2, 2), "valid")),
        "\\partial X} = \\operatorname{conv2d}(G, K)": same_tensor(dX, cv) + same_tensor(cv, cr),
        "\\partial K} = \\operatorname{conv2d}(X, G)": same_tensor(dK, conv2d(X, (4, 4), G, (2, 2), "valid")),
        "\\partial K_{1,1}} =": [(dK[1, 1], G[1, 1]*X[1, 1] + G[1, 2]*X[1, 2] + G[2, 1]*X[2, 1] + G[2, 2]*X[2, 2])],
        "\\partial K_{3,2}} =": [(dK[3, 2], G[1, 1]*X[3, 2] + G[1, 2]*X[3, 3] + G[2, 1]*X[4, 2] + G[2, 2]*X[4, 3])],
        "\\partial K_{2,3}} =": [(dK[2, 3], G[1, 1]*X[2, 3] + G[1, 2]*X[2, 4] + G[2, 1]*X[3, 3] + G[2, 2]*X[4, 4])],
        "\\partial X_{1,1}} &=": [(dX[1, 1], G[1, 1]*K[1, 1])],
        "\\partial X_{4,4}} &=": [(dX[4, 4], G[2, 2]*K[3, 3])],
        "\\partial X_{2,3}} &=": [(dX[2, 3], G[1, 1]*K[2, 3] + G[1, 2]*K[2, 2] + G[2, 1]*K[1, 3] + G[2, 2]*K[1, 2])],
        "\\partial X_{1,4}} &=": [(dX[1, 4], G[1, 2]*K[1, 1])],
        "\\partial X_{3,1}} &=": [(dX[3, 1], G[1, 1]*K[3, 1] + G[2, 1]*K[2, 1])],
        "\\partial X_{m,n}} =": [(dX[m, n], sum(G[i, j]*Kz(m-i+1, n-j+1) for i in (1, 2) for j in (1, 2))) for m, n in X],
    }, None


# ---------------------------------------------------------------- 06: 1-D conv, stride 2, bias, 0-based, code names
def f06():
    x, w, dout = arr("x", (7,), 0), arr("w", (3,), 0), arr("dout", (3,), 0)
    b = sp.Symbol("b")
    X, Wt, D = (lambda i: x[i,]), (lambda k: w[k,]), (lambda i: dout[i,])
    Wz = lambda k: w[k,] if (k,) in w else 0
    out = {i: sum(Wt(k)*X(2*i+k) for k in range(3)) + b for i in range(3)}
    L = sum(D(i)*out[i] for i in range(3))
    dw, dx, db = grad(L, w), grad(L, x), sp.diff(L, b)
    return {
        "out_0 = ": [(out[0], Wt(0)*X(0) + Wt(1)*X(1) + Wt(2)*X(2) + b)],
        "out_2 = ": [(out[2], Wt(0)*X(4) + Wt(1)*X(5) + Wt(2)*X(6) + b)],
        "out_1 = ": [(out[1], Wt(0)*X(1) + Wt(1)*X(2) + Wt(2)*X(3) + b)],
        "dw_k = ": [(dw[k,], sum(D(i)*X(2*i+k) for i in range(3))) for k in range(3)],
        "dw_1 = ": [(dw[1,], D(0)*X(1) + D(1)*X(3) + D(2)*X(5))],
        "dw_2 = ": [(dw[2,], D(0)*X(2) + D(1)*X(3) + D(2)*X(4))],
        "db = ": [(db, sum(D(i) for i in range(3)))],
        "dx_j = ": [(dx[j,], sum(D(i)*Wz(j - 2*i) for i in range(3))) for j in range(7)],
        "dx_0 = ": [(dx[0,], D(0)*Wt(0))],
        "dx_2 = ": [(dx[2,], D(0)*Wt(2) + D(1)*Wt(0))],
        "dx_3 = ": [(dx[3,], D(1)*Wt(1))],
        "dx_4 = ": [(dx[4,], D(1)*Wt(2) + D(2)*Wt(1))],
        "dx_6 = ": [(dx[6,], D(2)*Wt(2))],
    }, None


# ---------------------------------------------------------------- 07: 2 -> 2 channels with bias, numbers
def f07():
    x, W, b, d = arr("x", (2, 3, 3)), arr("W", (2, 2, 2, 2)), arr("b", (2,)), arr("d", (2, 2, 2))
    B = lambda o: b[o,]
    C2 = (1, 2)
    y = {(o, i, j): sum(W[o, c, p, q]*x[c, i+p-1, j+q-1] for c in C2 for p in C2 for q in C2) + B(o)
         for o in C2 for i in C2 for j in C2}
    L = sum(d[k]*y[k] for k in y)
    dW, dx, db = grad(L, W), grad(L, x), grad(L, b)
    D = lambda o, i, j: d[o, i, j] if (o, i, j) in d else 0
    # the numbers of the check (rows top to bottom)
    vals = {}
    mats = {("x", 1): [[1, 0, 2], [-1, 1, 0], [0, 2, 1]], ("x", 2): [[0, 1, 1], [2, 0, -1], [1, 1, 0]],
            ("d", 1): [[1, 0], [-1, 2]], ("d", 2): [[0, 1], [1, -1]]}
    for (nm, ch), rows in mats.items():
        T = x if nm == "x" else d
        for i, row in enumerate(rows, 1):
            for j, v in enumerate(row, 1):
                vals[T[ch, i, j]] = sp.Integer(v)
    Wn = {(1, 1): [[1, 2], [0, -1]], (1, 2): [[0, 1], [1, 0]], (2, 1): [[2, 0], [1, 1]], (2, 2): [[-1, 0], [0, 1]]}
    for (o, c), rows in Wn.items():
        for p, row in enumerate(rows, 1):
            for q, v in enumerate(row, 1):
                vals[W[o, c, p, q]] = sp.Integer(v)
    vals[b[1,]], vals[b[2,]] = sp.Integer(1), sp.Integer(0)
    N = lambda e: sp.sympify(e).xreplace(vals)
    sW12 = d[1, 1, 1]*x[2, 1, 1] + d[1, 1, 2]*x[2, 1, 2] + d[1, 2, 1]*x[2, 2, 1] + d[1, 2, 2]*x[2, 2, 2]
    sW21 = d[2, 1, 1]*x[1, 2, 2] + d[2, 1, 2]*x[1, 2, 3] + d[2, 2, 1]*x[1, 3, 2] + d[2, 2, 2]*x[1, 3, 3]
    sx = ((d[1, 2, 2]*W[1, 1, 1, 1] + d[1, 2, 1]*W[1, 1, 1, 2] + d[1, 1, 2]*W[1, 1, 2, 1] + d[1, 1, 1]*W[1, 1, 2, 2])
          + (d[2, 2, 2]*W[2, 1, 1, 1] + d[2, 2, 1]*W[2, 1, 1, 2] + d[2, 1, 2]*W[2, 1, 2, 1] + d[2, 1, 1]*W[2, 1, 2, 2]))
    sx2 = d[1, 1, 1]*W[1, 2, 1, 1]
    return {
        "y^{2}_{1,1} = ": [(y[2, 1, 1], sum(W[2, c, 1, 1]*x[c, 1, 1] + W[2, c, 1, 2]*x[c, 1, 2] + W[2, c, 2, 1]*x[c, 2, 1]
                                            + W[2, c, 2, 2]*x[c, 2, 2] for c in C2) + B(2))],
        "y^{1}_{2,2} = ": [(y[1, 2, 2], sum(W[1, c, p, q]*x[c, 1+p, 1+q] for c in C2 for p in C2 for q in C2))],
        "\\partial W^{o,c}_{p,q}} =": [(dW[o, c, p, q], sum(d[o, i, j]*x[c, i+p-1, j+q-1] for i in C2 for j in C2))
                                        for o, c, p, q in W],
        "\\partial b^{o}} =": [(db[o,], sum(d[o, i, j] for i in C2 for j in C2)) for o in C2],
        "\\partial x^{c}_{m,n}} =": [(dx[c, m, n], sum(D(o, m-p+1, n-q+1)*W[o, c, p, q] for o in C2 for p in C2 for q in C2))
                                      for c, m, n in x],
        "\\partial x^{1}_{2,2}} = \\sum": [(dx[1, 2, 2], sum(D(o, 3-p, 3-q)*W[1, o, p, q] for o in C2 for p in C2 for q in C2))],
        "y^{1}_{1,1} = ": [(N(y[1, 1, 1]), (1 + 0 + 0 - 1) + (0 + 1 + 2 + 0) + 1), ((1 + 0 + 0 - 1) + (0 + 1 + 2 + 0) + 1, 4)],
        "\\partial W^{1,2}_{1,1}} =": [(dW[1, 2, 1, 1], sW12), (N(sW12), 1*0 + 0*1 + (-1)*2 + 2*0), (1*0 + 0*1 + (-1)*2 + 2*0, -2)],
        "\\partial W^{2,1}_{2,2}} =": [(dW[2, 1, 2, 2], sW21), (N(sW21), 0*1 + 1*0 + 1*2 + (-1)*1), (0*1 + 1*0 + 1*2 + (-1)*1, 3)],
        "\\partial b^{2}} =": [(N(db[2,]), 0 + 1 + 1 - 1), (0 + 1 + 1 - 1, 1)],
        "\\partial x^{1}_{2,2}} = \\left(": [(dx[1, 2, 2], sx), (N(sx), (2 - 2 + 0 - 1) + (-2 + 0 + 1 + 0)),
                                             ((2 - 2 + 0 - 1) + (-2 + 0 + 1 + 0), -2)],
        "\\partial x^{2}_{1,1}} =": [(dx[2, 1, 1], sx2), (N(sx2), 1*0), (1*0, 0)],
    }, None


# ---------------------------------------------------------------- 08: dense + leaky relu + MSE (1/N), Spanish
def f08():
    x, W, b, t = arr("x", (3,)), arr("W", (2, 3)), arr("b", (2,)), arr("t", (2,))
    alpha, N = R(1, 10), 2
    lrelu = lambda u: sp.Piecewise((u, u > 0), (alpha*u, True))
    X, T = (lambda j: x[j,]), (lambda k: t[k,])
    z = {k: sum(W[k, j]*X(j) for j in (1, 2, 3)) + b[k,] for k in (1, 2)}
    a = {k: lrelu(z[k]) for k in (1, 2)}
    L_of_a = lambda A: R(1, N)*sum((A[k] - T(k))**2 for k in (1, 2))
    L = L_of_a(a)
    As, Zs = {k: sp.Symbol(f"As{k}") for k in (1, 2)}, {k: sp.Symbol(f"Zs{k}") for k in (1, 2)}
    dLda = through(L_of_a, As, a)
    dLdz = through(lambda Z: L_of_a({k: lrelu(Z[k]) for k in (1, 2)}), Zs, z)
    dadz = {k: sp.diff(lrelu(Zs[k]), Zs[k]).xreplace({Zs[k]: z[k]}) for k in (1, 2)}
    dW, db, dx = grad(L, W), grad(L, b), grad(L, x)
    dl = dLdz
    gate = lambda k: iv(z[k] > 0) + alpha*iv(z[k] <= 0)
    Wm = sp.Matrix(2, 3, lambda r, s: W[r+1, s+1])
    dv, xv = sp.Matrix([dl[1], dl[2]]), sp.Matrix([X(1), X(2), X(3)])
    return {
        "L = \\frac{1}{2}\\left[": [(L, R(1, 2)*((a[1] - T(1))**2 + (a[2] - T(2))**2))],
        "\\partial a_k} = ": [(dLda[k], R(2, N)*(a[k] - T(k))) for k in (1, 2)] + [(R(2, N)*(a[k] - T(k)), a[k] - T(k)) for k in (1, 2)],
        "\\partial a_1} = ": [(dLda[1], R(1, N)*(a[1] - T(1)))],
        "\\partial a_k}{\\partial z_k} = ": [(dadz[k], sp.Piecewise((1, z[k] > 0), (alpha, True))) for k in (1, 2)],
        "\\partial z_k} = \\frac{2}{N}": [(dLdz[k], R(2, N)*(a[k] - T(k))*gate(k)) for k in (1, 2)],
        "\\partial z_k} = (a_k": [(dLdz[k], (a[k] - T(k))*(iv(z[k] > 0) + alpha*z[k]*iv(z[k] <= 0))) for k in (1, 2)],
        "\\partial W_{kj}} = ": [(dW[k, j], dl[k]*X(j)) for k in (1, 2) for j in (1, 2, 3)],
        "\\partial b_k} = ": [(db[k,], dl[k]) for k in (1, 2)],
        "\\partial L}{\\partial W} = ": [(sp.Matrix(2, 3, lambda r, s: dW[r+1, s+1]), dv*xv.T),
                                         (dv*xv.T, sp.Matrix([[dl[1]*X(1), dl[1]*X(2), dl[1]*X(3)],
                                                              [dl[2]*X(1), dl[2]*X(2), dl[2]*X(3)]]))],
        "\\partial W_{21}} = ": [(dW[2, 1], dl[2]*X(1)), (dl[2]*X(1), (a[2] - T(2))*X(1)*gate(2))],
        "\\partial b_1} = ": [(db[1,], R(2, N)*(a[1] - T(1))*gate(1)), (R(2, N)*(a[1] - T(1))*gate(1), (a[1] - T(1))*iv(z[1] > 0))],
        "\\partial \\mathbf{x}} = ": [(sp.Matrix([dx[j,] for j in (1, 2, 3)]), Wm.T*dv)],
        "\\partial x_3} = ": [(dx[3,], W[1, 3]*dl[1] + W[2, 3]*dl[2])],
        "\\partial x_2} = ": [(dx[2,], W[2, 1]*dl[1] + W[2, 2]*dl[2])],
    }, {"points": 40}


BUILDERS = {
    "01_grosse_bar_elu.md": f01, "02_circuit_conv.md": f02, "03_iverson_stride.md": f03,
    "04_faltung_avgpool_de.md": f04, "05_corr_full_valid.tex": f05, "06_jupyter_conv1d.md": f06,
    "07_multichannel_numbers.md": f07, "08_leaky_mse_es.md": f08,
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
        vals = {s: sp.Float(rnd.uniform(-2, 2), 30) for s in syms}
        ok = ok and agree(pairs, vals)
    return "right" if ok else "wrong"


DISPLAY_OPEN = re.compile(r"\\begin\{(?:equation|align|gather|multline)\*?\}|\\\[")
DISPLAY_CLOSE = re.compile(r"\\end\{(?:equation|align|gather|multline)\*?\}|\\\]")


def displayed_eq_lines(text):
    """Lines (1-based) inside displays that contain '=' (a rough scan, for the completeness check)."""
    out, inside = [], False
    in_code = False
    for n, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        body = re.sub(r"(?<!\\)%.*", "", line)
        if not inside:
            if "$$" in body:
                parts = body.split("$$")
                if len(parts) >= 3:
                    if any("=" in p for p in parts[1::2]):
                        out.append(n)
                    continue
                inside = "$$"
                if "=" in parts[1]:
                    out.append(n)
                continue
            m = DISPLAY_OPEN.search(body)
            if m:
                rest = body[m.end():]
                c = DISPLAY_CLOSE.search(rest)
                if c:
                    if "=" in rest[:c.start()]:
                        out.append(n)
                    continue
                inside = "tex"
                if "=" in rest:
                    out.append(n)
                continue
        else:
            closing = ("$$" in body) if inside == "$$" else bool(DISPLAY_CLOSE.search(body))
            seg = body.split("$$")[0] if inside == "$$" else DISPLAY_CLOSE.split(body)[0]
            if "=" in seg:
                out.append(n)
            if closing:
                inside = False
    return out


def main():
    key = tomllib.loads((HERE / "key.toml").read_text())
    rnd = random.Random(20261207)
    problems, n_claims, n_wrong = [], 0, 0
    names = [e["name"] for e in key["file"]]
    if sorted(names) != sorted(BUILDERS):
        problems.append(f"key files {sorted(names)} differ from the builders {sorted(BUILDERS)}")
    for entry in key["file"]:
        name = entry["name"]
        text = (HERE / name).read_text()
        lines = text.splitlines()
        claims, opts = BUILDERS[name]()
        keyed = {c["line"]: c for c in entry["claim"]}
        if len(keyed) != len(entry["claim"]):
            problems.append(f"{name}: two claims keyed at one line")
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
        eq_lines = displayed_eq_lines(text)
        for ln in eq_lines:
            if ln not in listed:
                problems.append(f"{name}:{ln}: displayed line with '=' not in the key: {lines[ln-1].strip()[:60]}")
        for ln in listed:
            if ln not in eq_lines:
                problems.append(f"{name}:{ln}: keyed line is not a displayed line with '='")
    print(f"{n_claims} claims checked, {n_wrong} wrong")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
