"""Independent check of key.toml for set heldout20 (SymPy only, no symconv).

Each notes file's layer or network is built here from its own definition: the forward pass, then the
loss, or a given upstream gradient used as the weights of a linear functional (L = sum G * output). The
gradients are taken with sympy.diff. Gradients with respect to intermediates (a pooling's input, the
output of a depthwise convolution, a sigmoid's output, a pre-activation, a flattened vector) are taken by
rebuilding the downstream part on fresh symbols and substituting the forward values back. Every keyed
claim is written as (left, right) pairs, one per index value and one per link of a chain, and the pairs
are compared at random points (numeric claims exactly, at the notes' numbers). Matrices of different
shapes are unequal.

Max pooling at the worked numbers of 05 (which have a tie) uses PyTorch's switch, the first maximum of
the window in row-major order; at random points (no ties) that switch is asserted equal to sympy.diff
of Max.

The script finds each claim's line by a text anchor and requires it to be the keyed line, and checks
that every line holding "=" inside maths (displayed, or inline $...$; fenced and inline code skipped) is
keyed exactly once (as a claim, a definition or a not_claim) and that every keyed line is such a line.
Exit 0 only if every verdict and every line matches.
"""
import math
import os
import random
import re
import sys
import tomllib

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(20)
S = sp.Symbol
R = sp.Rational


def grid(name, rows, cols, base=1):
    """dict (i, j) -> symbol, indices from base."""
    return {(i, j): S(f"{name}_{i}_{j}") for i in range(base, base + rows) for j in range(base, base + cols)}


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def relu(u):
    return sp.Max(0, u)


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


def bce(a, t):
    return -(t * sp.log(a) + (1 - t) * sp.log(1 - a))


def fresh_grad(f, vals, tag):
    """gradient of f (a function of a list of len(vals) symbols) at the values vals."""
    syms = [S(f"{tag}_{i}") for i in range(len(vals))]
    F = f(syms)
    sub = dict(zip(syms, vals))
    return [sp.diff(F, s).subs(sub) for s in syms]


# ---------------------------------------------------------------- comparison

def as_list(e):
    if isinstance(e, sp.MatrixBase):
        return e.shape, list(e)
    return None, [e]


def _heaviside(v, h0=0.5):
    return 1.0 if v > 0 else (0.0 if v < 0 else float(h0))


_FUNCS = {"Heaviside": _heaviside, "Max": max, "Min": min}


def values(e, points):
    e = sp.sympify(e)
    syms = sorted(e.free_symbols, key=str)
    if not syms:
        return [complex(sp.N(e, 30))] * len(points)
    f = sp.lambdify(syms, e, modules=[_FUNCS, "math"])
    return [float(f(*[float(pt[s]) for s in syms])) for pt in points]


def pair_equal(a, b, points):
    sa, la = as_list(a)
    sb, lb = as_list(b)
    if sa != sb:
        return False
    for x, y in zip(la, lb):
        x, y = sp.sympify(x), sp.sympify(y)
        if not x.free_symbols and not y.free_symbols:      # numbers: exactly
            if sp.simplify(x - y) != 0:
                return False
            continue
        for vx, vy in zip(values(x, points), values(y, points)):
            if abs(vx - vy) > 1e-8 * (1 + abs(vx)):
                return False
    return True


def draw(symbols, n, choose=None):
    pts = []
    for _ in range(n):
        pt = {s: sp.Float(rng.uniform(-2, 2)) for s in symbols}
        if choose:
            choose(pt)
        pts.append(pt)
    return pts


def binary(ts):
    """targets drawn 0 or 1."""
    def choose(pt):
        for t in ts:
            pt[t] = sp.Integer(rng.randrange(2))
    return choose


def unit_interval(ts):
    def choose(pt):
        for t in ts:
            pt[t] = sp.Float(rng.uniform(0.05, 0.95))
    return choose


# ---------------------------------------------------------------- 01: Ng notation, batch m = 2, conv 2 filters 2x2 + relu + flatten + dense 1 + sigmoid + BCE (mean)

def f01():
    m = 2
    ex = (1, 2)
    X = {i: grid(f"X{i}", 3, 3) for i in ex}
    W1 = {(p, q, c): S(f"W1_{p}{q}1{c}") for p in (1, 2) for q in (1, 2) for c in (1, 2)}
    b1 = {c: S(f"b1_{c}") for c in (1, 2)}
    W2 = {k: S(f"W2_{k}") for k in range(1, 9)}
    b2 = S("b2")
    y = {i: S(f"y{i}") for i in ex}
    pos = [(h, w, c) for c in (1, 2) for h in (1, 2) for w in (1, 2)]      # flatten order: channel, row, column
    kof = {hwc: n + 1 for n, hwc in enumerate(pos)}

    def Z1f(i):
        return {(h, w, c): b1[c] + sum(W1[p, q, c] * X[i][h + p - 1, w + q - 1] for p in (1, 2) for q in (1, 2))
                for (h, w, c) in pos}
    Z1 = {i: Z1f(i) for i in ex}
    A1 = {i: {k: relu(v) for k, v in Z1[i].items()} for i in ex}
    Fv = {i: [A1[i][hwc] for hwc in pos] for i in ex}
    Z2 = {i: sum(W2[k] * Fv[i][k - 1] for k in W2) + b2 for i in ex}
    A2 = {i: sigmoid(Z2[i]) for i in ex}
    ell = lambda i, z2: bce(sigmoid(z2), y[i])
    J = sum(ell(i, Z2[i]) for i in ex) / m

    # per-example gradients dV = d(loss of that example)/dV, on fresh symbols
    dZ2 = {i: fresh_grad(lambda s, i=i: ell(i, s[0]), [Z2[i]], "z2")[0] for i in ex}
    dF = {i: fresh_grad(lambda s, i=i: ell(i, sum(W2[k] * s[k - 1] for k in W2) + b2), Fv[i], "F") for i in ex}
    dA1 = {i: dict(zip(pos, fresh_grad(lambda s, i=i: ell(i, sum(W2[kof[hwc]] * s[n] for n, hwc in enumerate(pos)) + b2),
                                       [A1[i][hwc] for hwc in pos], "A"))) for i in ex}
    dZ1 = {i: dict(zip(pos, fresh_grad(lambda s, i=i: ell(i, sum(W2[kof[hwc]] * relu(s[n]) for n, hwc in enumerate(pos)) + b2),
                                       [Z1[i][hwc] for hwc in pos], "Z"))) for i in ex}
    dX = {i: {rs: m * sp.diff(J, X[i][rs]) for rs in X[i]} for i in ex}
    dW1 = {k: sp.diff(J, W1[k]) for k in W1}
    db1 = {c: sp.diff(J, b1[c]) for c in b1}
    dW2 = sp.Matrix(1, 8, lambda r, k: sp.diff(J, W2[k + 1]))
    dZ2row = sp.Matrix(1, 2, lambda r, i: dZ2[i + 1])
    Fmat = sp.Matrix(8, 2, lambda k, i: Fv[i + 1][k])
    W2col = sp.Matrix(8, 1, lambda k, r: W2[k + 1])
    C = {}
    C["$$dZ^{[2]} = A^{[2]} - Y$$"] = [(dZ2row, sp.Matrix(1, 2, lambda r, i: A2[i + 1] - y[i + 1]))]
    C["$$dW^{[2]} ="] = [(dW2, dZ2row * Fmat.T / m)]
    C["$$db^{[2]} ="] = [(sp.diff(J, b2), sum(dZ2.values()))]
    C["$$dF = W^{[2]T}"] = [(sp.Matrix(8, 2, lambda k, i: dF[i + 1][k]), W2col * dZ2row)]
    C["$$dA^{[1](i)}_{h,w,c} ="] = [(dA1[i][h, w, c], W2[4 * (c - 1) + 2 * (h - 1) + w] * dZ2[i]) for i in ex for (h, w, c) in pos]
    C["$$dZ^{[1]} = dA^{[1]} *"] = [(dZ1[i][k], dA1[i][k] * ind(Z1[i][k] > 0)) for i in ex for k in pos]
    C["$$dX^{(i)}_{r,s} ="] = [(dX[i][r, s], sum(W1[r - h + 1, s - w + 1, c] * dZ1[i][h, w, c] for c in (1, 2)
                                                 for h in range(max(1, r - 1), min(2, r) + 1)
                                                 for w in range(max(1, s - 1), min(2, s) + 1))) for i in ex for (r, s) in X[i]]
    C["$$dX^{(1)}_{1,1} ="] = [(dX[1][1, 1], W1[1, 1, 1] * dZ1[1][1, 1, 1] + W1[1, 1, 2] * dZ1[1][1, 1, 2])]
    C["$$dX^{(2)}_{2,2} ="] = [(dX[2][2, 2], sum(W1[p, q, 1] * dZ1[2][3 - p, 3 - q, 1] for p in (1, 2) for q in (1, 2)))]
    C["$$dX^{(1)}_{2,3} ="] = [(dX[1][2, 3], sum(W1[2, 2, c] * dZ1[1][1, 2, c] + W1[1, 2, c] * dZ1[1][2, 2, c] for c in (1, 2)))]
    C["$$dW^{[1]}_{p,q,1,c} ="] = [(dW1[p, q, c], R(1, m) * sum(dZ1[i][h, w, c] * X[i][h + p - 1, w + q - 1]
                                                                 for i in ex for h in (1, 2) for w in (1, 2)))
                                   for (p, q, c) in W1]
    C["$$dW^{[1]}_{2,1,1,2} ="] = [(dW1[2, 1, 2], R(1, m) * sum(dZ1[i][1, 1, 2] * X[i][2, 1] + dZ1[i][1, 2, 2] * X[i][2, 2]
                                                                 + dZ1[i][2, 1, 2] * X[i][3, 1] + dZ1[i][2, 2, 2] * X[i][3, 2]
                                                                 for i in ex))]
    C["$$dW^{[1]}_{1,2,1,1} ="] = [(dW1[1, 2, 1], R(1, m) * sum(dZ1[i][h, w, 1] * X[i][h + 1, w]
                                                                 for i in ex for h in (1, 2) for w in (1, 2)))]
    C["$$db^{[1]}_c ="] = [(db1[c], R(1, m) * sum(dZ1[i][h, w, c] for i in ex for h in (1, 2) for w in (1, 2))) for c in (1, 2)]
    syms = [v for i in ex for v in X[i].values()] + list(W1.values()) + list(b1.values()) + list(W2.values()) + [b2] + list(y.values())
    return C, draw(syms, 6, choose=binary(list(y.values())))


# ---------------------------------------------------------------- 02: 5x5, 3x3 filter F, stride 2, bias, no padding (Spanish)

def f02():
    X = grid("X", 5, 5); F = grid("F", 3, 3); g = grid("g", 2, 2); b = S("b")
    Sy = {(i, j): b + sum(F[m, n] * X[2 * i + m - 2, 2 * j + n - 2] for (m, n) in F) for (i, j) in g}
    L = sum(g[k] * Sy[k] for k in g)
    dF = {k: sp.diff(L, F[k]) for k in F}; dX = {k: sp.diff(L, X[k]) for k in X}; db = sp.diff(L, b)
    Xn = [[1, 0, 2, 1, 0], [2, 1, 0, 2, 3], [0, 1, 1, 2, 1], [1, 2, 0, 1, 0], [3, 0, 1, 0, 2]]
    Fn = [[1, 0, -1], [2, 1, 0], [0, -1, 1]]
    gn = [[1, -1], [2, 3]]
    num = {X[i, j]: Xn[i - 1][j - 1] for (i, j) in X}
    num.update({F[i, j]: Fn[i - 1][j - 1] for (i, j) in F})
    num.update({g[i, j]: gn[i - 1][j - 1] for (i, j) in g})
    num[b] = 1
    N = lambda e: sp.sympify(e).subs(num)
    C = {}
    C["partial F_{m,n}} ="] = [(dF[m, n], sum(g[i, j] * X[2 * i + m - 2, 2 * j + n - 2] for (i, j) in g)) for (m, n) in F]
    C["partial F_{3,2}} ="] = [(dF[3, 2], g[1, 1] * X[3, 2] + g[1, 2] * X[3, 4] + g[2, 1] * X[5, 2] + g[2, 2] * X[5, 4])]
    C["partial F_{2,3}} ="] = [(dF[2, 3], g[1, 1] * X[2, 3] + g[1, 2] * X[2, 4] + g[2, 1] * X[3, 3] + g[2, 2] * X[3, 4])]
    C["sesgo suma todo"] = [(db, g[1, 1] + g[1, 2] + g[2, 1] + g[2, 2])]
    C["partial X_{3,3}} = g_{11}"] = [(dX[3, 3], g[1, 1] * F[3, 3] + g[1, 2] * F[3, 1] + g[2, 1] * F[1, 3] + g[2, 2] * F[1, 1])]
    C["partial X_{2,4}} ="] = [(dX[2, 4], g[1, 2] * F[2, 2])]
    C["partial X_{4,1}} ="] = [(dX[4, 1], g[2, 1] * F[2, 1])]
    e11 = 1 + (1 + 0 - 2) + (4 + 1 + 0) + (0 - 1 + 1)
    C["$$S_{1,1} ="] = [(N(Sy[1, 1]), e11), (e11, 5)]
    e12 = 1 + (0 + 0 - 1) + (2 + 0 + 0) + (0 - 1 + 2)
    C["$$S_{1,2} ="] = [(N(Sy[1, 2]), e12), (e12, 3)]
    C["($S_{2,1} = 5$"] = [(N(Sy[2, 1]), 5), (N(Sy[2, 2]), 4)]
    e = 1 * 1 + (-1) * 2 + 2 * 0 + 3 * 1
    C["partial F_{1,1}} ="] = [(N(dF[1, 1]), e), (e, 2)]
    C["partial b} = 1 - 1"] = [(N(db), 1 - 1 + 2 + 3), (1 - 1 + 2 + 3, 5)]
    e = 1 * 1 + (-1) * 0 + 2 * (-1) + 3 * 1
    C["partial X_{3,3}} = 1"] = [(N(dX[3, 3]), e), (e, 2)]
    C["partial X_{3,5}} ="] = [(dX[3, 5], g[1, 2] * F[1, 3] + g[2, 2] * F[3, 3]),
                               (N(g[1, 2] * F[1, 3] + g[2, 2] * F[3, 3]), (-1) * (-1) + 3 * 1), ((-1) * (-1) + 3 * 1, 4)]
    C["partial X_{5,5}} ="] = [(dX[5, 5], g[2, 2] * F[3, 3]), (N(g[2, 2] * F[3, 3]), 3)]
    return C, draw(list(X.values()) + list(F.values()) + list(g.values()) + [b], 4)


# ---------------------------------------------------------------- 03: Bishop, 3 -> 2 tanh -> 2 sigmoid, cross-entropy summed over outputs

def f03():
    x = {i: S(f"x_{i}") for i in (1, 2, 3)}
    w1 = {(j, i): S(f"w1_{j}{i}") for j in (1, 2) for i in (1, 2, 3)}
    w10 = {j: S(f"w1_{j}0") for j in (1, 2)}
    w2 = {(k, j): S(f"w2_{k}{j}") for k in (1, 2) for j in (1, 2)}
    w20 = {k: S(f"w2_{k}0") for k in (1, 2)}
    t = {k: S(f"t_{k}") for k in (1, 2)}
    aj = {j: sum(w1[j, i] * x[i] for i in x) + w10[j] for j in (1, 2)}
    zj = {j: sp.tanh(aj[j]) for j in (1, 2)}
    ak = {k: sum(w2[k, j] * zj[j] for j in (1, 2)) + w20[k] for k in (1, 2)}
    yk = {k: sigmoid(ak[k]) for k in (1, 2)}
    E_of_y = lambda Y: sum(bce(Y[k - 1], t[k]) for k in (1, 2))
    E_of_ak = lambda A: E_of_y([sigmoid(a) for a in A])
    E_of_aj = lambda A: E_of_ak([sum(w2[k, j] * sp.tanh(A[j - 1]) for j in (1, 2)) + w20[k] for k in (1, 2)])
    E = E_of_y([yk[1], yk[2]])
    dEy = dict(zip((1, 2), fresh_grad(E_of_y, [yk[1], yk[2]], "Y")))
    dk = dict(zip((1, 2), fresh_grad(E_of_ak, [ak[1], ak[2]], "AK")))
    dj = dict(zip((1, 2), fresh_grad(E_of_aj, [aj[1], aj[2]], "AJ")))
    u = S("u")
    sig_p = lambda a: sp.diff(sigmoid(u), u).subs(u, a)
    h_p = lambda a: sp.diff(sp.tanh(u), u).subs(u, a)
    C = {}
    C["partial E_n}{\\partial y_k} &="] = [(dEy[k], -t[k] / yk[k] + (1 - t[k]) / (1 - yk[k])) for k in (1, 2)]
    C["partial y_k}{\\partial a_k} &="] = [(sig_p(ak[k]), yk[k] * (1 - yk[k])) for k in (1, 2)]
    C["\\delta_k \\equiv"] = [(dk[k], yk[k] - t[k]) for k in (1, 2)]
    C["Since $\\partial a_k/"] = [(sp.diff(ak[k], w2[k, j]), zj[j]) for k in (1, 2) for j in (1, 2)]
    C["partial w^{(2)}_{kj}} &="] = [(sp.diff(E, w2[k, j]), dk[k] * zj[j]) for k in (1, 2) for j in (1, 2)]
    C["partial w^{(2)}_{k0}} &="] = [(sp.diff(E, w20[k]), dk[k]) for k in (1, 2)]
    C["&= h'(a_j)"] = [(dj[j], h_p(aj[j]) * sum(w2[k, j] * dk[k] for k in (1, 2))) for j in (1, 2)]
    C["&= (1 - z_j^2)"] = [(dj[j], (1 - zj[j] ** 2) * sum(w2[k, j] * dk[k] for k in (1, 2))) for j in (1, 2)]
    C["partial w^{(1)}_{ji}} ="] = [(sp.diff(E, w1[j, i]), dj[j] * x[i]) for j in (1, 2) for i in x]
    C["\\delta^{(1)}_1 &="] = [(dj[1], (1 - zj[1] ** 2) * (w2[1, 1] * dk[1] + w2[1, 2] * dk[2]))]
    C["\\delta^{(1)}_2 &="] = [(dj[2], (1 - aj[2] ** 2) * (w2[1, 2] * dk[1] + w2[2, 2] * dk[2]))]
    C["partial w^{(2)}_{21}} &="] = [(sp.diff(E, w2[2, 1]), (yk[2] - t[2]) * zj[1])]
    C["partial w^{(1)}_{23}} &="] = [(sp.diff(E, w1[2, 3]), dj[2] * x[3])]
    C["partial w^{(1)}_{20}} &="] = [(sp.diff(E, w10[2]), dj[2])]
    C["partial E_n}{\\partial x_i} ="] = [(sp.diff(E, x[i]), sum(w1[j, i] * sum(w2[k, j] * dk[k] for k in (1, 2)) for j in (1, 2)))
                                           for i in x]
    syms = list(x.values()) + list(w1.values()) + list(w10.values()) + list(w2.values()) + list(w20.values()) + list(t.values())
    return C, draw(syms, 8, choose=unit_interval(list(t.values())))


# ---------------------------------------------------------------- 04: Goodfellow c(K, V, s), 2 -> 2 channels, 5x5, 3x3, s = 2

def f04():
    s = 2
    V = {(l, j, k): S(f"V_{l}_{j}_{k}") for l in (1, 2) for j in range(1, 6) for k in range(1, 6)}
    K = {(i, l, m, n): S(f"K_{i}_{l}_{m}_{n}") for i in (1, 2) for l in (1, 2) for m in (1, 2, 3) for n in (1, 2, 3)}
    G = {(i, j, k): S(f"G_{i}_{j}_{k}") for i in (1, 2) for j in (1, 2) for k in (1, 2)}
    Z = {(i, j, k): sum(V[l, (j - 1) * s + m, (k - 1) * s + n] * K[i, l, m, n] for l in (1, 2) for m in (1, 2, 3) for n in (1, 2, 3))
         for (i, j, k) in G}
    J = sum(G[q] * Z[q] for q in G)
    dK = {q: sp.diff(J, K[q]) for q in K}; dV = {q: sp.diff(J, V[q]) for q in V}
    C = {}
    C["$$Z_{1,1,2} ="] = [(Z[1, 1, 2], sum(V[l, m, 2 + n] * K[1, l, m, n] for l in (1, 2) for m in (1, 2, 3) for n in (1, 2, 3)))]
    C["$$Z_{2,2,1} ="] = [(Z[2, 2, 1], sum(V[l, 2 + m, n] * K[2, l, m, n] for l in (1, 2) for m in (1, 2, 3) for n in (1, 2, 3)))]
    C["$$g(G, V, s)_{i,j,k,l} ="] = [(dK[i, j, k, l], sum(G[i, m, n] * V[j, (m - 1) * s + k, (n - 1) * s + l] for m in (1, 2) for n in (1, 2)))
                                     for (i, j, k, l) in K]
    C["partial J}{\\partial K_{2,1,3,1}} ="] = [(dK[2, 1, 3, 1], G[2, 1, 1] * V[1, 3, 1] + G[2, 1, 2] * V[1, 3, 3]
                                                  + G[2, 2, 1] * V[1, 5, 1] + G[2, 2, 2] * V[1, 5, 3])]
    C["partial J}{\\partial K_{1,2,1,2}} ="] = [(dK[1, 2, 1, 2], G[1, 1, 1] * V[2, 1, 2] + G[1, 1, 2] * V[2, 1, 3]
                                                  + G[1, 2, 1] * V[2, 2, 2] + G[1, 2, 2] * V[2, 2, 3])]
    C["partial J}{\\partial K_{2,2,2,2}} ="] = [(dK[2, 2, 2, 2], sum(G[2, m, n] * V[2, 2 * m, 2 * n] for m in (1, 2) for n in (1, 2)))]
    pairs = []
    for (i, j, k) in V:
        rhs = 0
        for l in (1, 2):
            for m in (1, 2, 3):
                if (l - 1) * s + m != j:
                    continue
                for n in (1, 2):
                    for p in (1, 2, 3):
                        if (n - 1) * s + p != k:
                            continue
                        rhs += sum(K[q, i, m, p] * G[q, l, n] for q in (1, 2))
        pairs.append((dV[i, j, k], rhs))
    C["$$h(K, G, s)_{i,j,k} ="] = pairs
    C["partial J}{\\partial V_{1,1,1}} ="] = [(dV[1, 1, 1], K[1, 1, 1, 1] * G[1, 1, 1] + K[2, 1, 1, 1] * G[2, 1, 1])]
    C["partial J}{\\partial V_{2,3,3}} ="] = [(dV[2, 3, 3], sum(K[q, 2, 3, 3] * G[q, 1, 1] + K[q, 2, 3, 1] * G[q, 1, 2]
                                                               + K[q, 2, 1, 3] * G[q, 2, 1] + K[q, 2, 1, 1] * G[q, 2, 2] for q in (1, 2)))]
    C["partial J}{\\partial V_{1,3,2}} ="] = [(dV[1, 3, 2], sum(K[q, 1, 3, 2] * G[q, 1, 1] for q in (1, 2)))]
    C["partial J}{\\partial V_{2,4,5}} ="] = [(dV[2, 4, 5], sum(K[q, 2, 2, 3] * G[q, 2, 2] for q in (1, 2)))]
    C["partial J}{\\partial V_{1,2,5}} ="] = [(dV[1, 2, 5], sum(K[q, 1, 2, 1] * G[q, 1, 2] for q in (1, 2)))]
    C["partial J}{\\partial V_{1,5,5}} ="] = [(dV[1, 5, 5], K[1, 1, 3, 3] * G[1, 2, 2] + K[2, 1, 3, 3] * G[2, 2, 2])]
    return C, draw(list(V.values()) + list(K.values()) + list(G.values()), 4)


# ---------------------------------------------------------------- 05: 6x6 -> avg pool 3x3 s1 -> A (4x4) -> max pool 2x2 s2 -> M (2x2), dL/dM = G

def f05():
    X = grid("X", 6, 6); G = grid("G", 2, 2)
    Aw = lambda Xd, r, s: R(1, 9) * sum(Xd[i, j] for i in range(r, r + 3) for j in range(s, s + 3))
    A = {(r, s): Aw(X, r, s) for r in range(1, 5) for s in range(1, 5)}
    win = lambda p, q: [(2 * p - 1, 2 * q - 1), (2 * p - 1, 2 * q), (2 * p, 2 * q - 1), (2 * p, 2 * q)]
    M = {(p, q): sp.Max(*[A[rs] for rs in win(p, q)]) for (p, q) in G}
    L = sum(G[k] * M[k] for k in G)
    Akeys = list(A)
    L_of_A = lambda Av: sum(G[p, q] * sp.Max(*[Av[Akeys.index(rs)] for rs in win(p, q)]) for (p, q) in G)
    dA = dict(zip(Akeys, fresh_grad(L_of_A, [A[k] for k in Akeys], "A")))
    dX = {k: sp.diff(L, X[k]) for k in X}
    up = lambda v: (v + 1) // 2
    C = {}
    C["\\begin{cases} G_"] = [(dA[r, s], G[up(r), up(s)] * ind(A[r, s] >= M[up(r), up(s)])) for (r, s) in A]
    C["partial X_{i,j}} = \\frac{1}{9}\\sum_{r=\\max"] = [(dX[i, j], R(1, 9) * sum(dA[r, s] for r in range(max(1, i - 2), min(4, i) + 1)
                                                                               for s in range(max(1, j - 2), min(4, j) + 1)))
                                                         for (i, j) in X]
    sX, sA, sG = sum(dX.values()), sum(dA.values()), sum(G.values())
    C["\\sum_{i=1}^{6}\\sum_{j=1}^{6}"] = [(sX, sA), (sA, sG)]
    points = draw(list(X.values()) + list(G.values()), 6)

    # the worked numbers (a tie in window (2,2)): PyTorch's switch, the first maximum in row-major order
    Xn = [[3, 1, 4, 1, 2, 0], [1, 1, 1, 4, 4, 2], [2, 2, 4, 2, 1, 0], [3, 4, 1, 3, 2, 1], [1, 2, 1, 4, 1, 3], [2, 1, 2, 0, 1, 4]]
    Gn = [[9, -18], [27, 9]]
    num = {X[i, j]: Xn[i - 1][j - 1] for (i, j) in X}
    num.update({G[i, j]: Gn[i - 1][j - 1] for (i, j) in G})
    An = {k: A[k].subs(num) for k in A}

    def switch(p, q, Avals):
        best = None
        for rs in win(p, q):                      # row-major order
            if best is None or Avals[rs] > Avals[best]:
                best = rs
        return best
    # L near the worked point: each window passes on its switch entry; differentiate that in X
    sw = {k: switch(*k, An) for k in G}
    L_num = sum(G[k] * A[sw[k]] for k in G)
    dXn = {k: sp.diff(L_num, X[k]).subs(num) for k in X}
    dAn = {k: sum((Gn[p - 1][q - 1] for (p, q) in G if sw[p, q] == k), 0) for k in A}
    # the switch rule against sympy.diff of Max at the random (tie-free) points
    for pt in points:
        Apt = {k: float(A[k].subs(pt)) for k in A}
        swp = {k: switch(*k, Apt) for k in G}
        for k in A:
            rule = sum(float(pt[G[p, q]]) for (p, q) in G if swp[p, q] == k)
            assert abs(rule - values(dA[k], [pt])[0]) < 1e-9, "switch rule != diff of Max"
    A_given = R(1, 9) * sp.Matrix([[19, 20, 23, 16], [19, 22, 22, 19], [20, 23, 19, 17], [17, 18, 15, 19]])
    C["$$A = \\frac{1}{9}\\begin{pmatrix}"] = [(sp.Matrix(4, 4, lambda r, s: An[r + 1, s + 1]), A_given)]
    C["$$M = \\frac{1}{9}"] = [(sp.Matrix(2, 2, lambda p, q: An[sw[p + 1, q + 1]]), R(1, 9) * sp.Matrix([[22, 23], [23, 19]]))]
    C["ничья: $A_{3,3}"] = [(An[3, 3], An[4, 4]), (An[4, 4], R(19, 9))]
    C["partial A_{2,2}} = G_{1,1}"] = [(dAn[2, 2], Gn[0][0]), (Gn[0][0], 9)]
    C["partial A_{1,1}} = 0"] = [(dAn[1, 1], 0)]
    C["partial A_{3,3}} = G_{2,2}"] = [(dAn[3, 3], Gn[1][1]), (Gn[1][1], 9)]
    C["partial A_{4,4}} = G_{2,2}"] = [(dAn[4, 4], Gn[1][1]), (Gn[1][1], 9)]
    C["Остальные:"] = [(dAn[1, 3], -18), (dAn[3, 2], 27)]
    e = R(1, 9) * (dAn[2, 2] + dAn[1, 3] + dAn[3, 2] + dAn[3, 3])
    C["partial X_{3,3}} = \\frac{1}{9}\\left("] = [(dXn[3, 3], e), (e, R(9 - 18 + 27 + 9, 9)), (R(9 - 18 + 27 + 9, 9), 3)]
    C["partial X_{1,4}} ="] = [(dXn[1, 4], R(-18, 9)), (R(-18, 9), -2)]
    e = R(1, 9) * sum(dAn[r, s] for r in (1, 2) for s in (4,))
    C["partial X_{2,5}} ="] = [(dXn[2, 5], e), (e, 0)]
    C["partial X_{4,2}} ="] = [(dXn[4, 2], dAn[2, 2] + dAn[3, 2]), (dAn[2, 2] + dAn[3, 2], 9 + 27), (9 + 27, 36)]
    C["Проверка суммой"] = [(sum(dXn.values()), 9 - 18 + 27 + 9), (9 - 18 + 27 + 9, 27)]
    return C, points


# ---------------------------------------------------------------- 06: depthwise 2x2 (groups 2) on 2 x 3x3, then 1x1 conv 2 -> 3 with bias

def f06():
    X = {(c, i, j): S(f"X_{c}_{i}_{j}") for c in (1, 2) for i in (1, 2, 3) for j in (1, 2, 3)}
    K = {(c, p, q): S(f"K_{c}_{p}_{q}") for c in (1, 2) for p in (1, 2) for q in (1, 2)}
    W = {(o, c): S(f"W_{o}{c}") for o in (1, 2, 3) for c in (1, 2)}
    b = {o: S(f"b_{o}") for o in (1, 2, 3)}
    G = {(o, i, j): S(f"G_{o}_{i}_{j}") for o in (1, 2, 3) for i in (1, 2) for j in (1, 2)}
    upos = [(c, i, j) for c in (1, 2) for i in (1, 2) for j in (1, 2)]
    U = {(c, i, j): sum(K[c, p, q] * X[c, i + p - 1, j + q - 1] for p in (1, 2) for q in (1, 2)) for (c, i, j) in upos}
    Y = {(o, i, j): b[o] + sum(W[o, c] * U[c, i, j] for c in (1, 2)) for (o, i, j) in G}
    L = sum(G[k] * Y[k] for k in G)
    L_of_U = lambda Uv: sum(G[o, i, j] * (b[o] + sum(W[o, c] * Uv[upos.index((c, i, j))] for c in (1, 2))) for (o, i, j) in G)
    D = dict(zip(upos, fresh_grad(L_of_U, [U[k] for k in upos], "U")))
    dX = {k: sp.diff(L, X[k]) for k in X}; dK = {k: sp.diff(L, K[k]) for k in K}
    Wm = sp.Matrix(3, 2, lambda o, c: W[o + 1, c + 1])
    col = lambda n: ((n // 2) + 1, (n % 2) + 1)
    Uh = sp.Matrix(2, 4, lambda c, n: U[(c + 1,) + col(n)])
    Gh = sp.Matrix(3, 4, lambda o, n: G[(o + 1,) + col(n)])
    Yh = sp.Matrix(3, 4, lambda o, n: Y[(o + 1,) + col(n)])
    bv = sp.Matrix(3, 1, lambda o, r: b[o + 1])
    dUh = sp.Matrix(2, 4, lambda c, n: D[(c + 1,) + col(n)])
    Dz = lambda c, i, j: D.get((c, i, j), 0)
    C = {}
    C["$$\\hat Y = W\\hat U"] = [(Yh, Wm * Uh + bv * sp.ones(1, 4))]
    C["partial b_o} ="] = [(sp.diff(L, b[o]), sum(G[o, i, j] for i in (1, 2) for j in (1, 2))) for o in b]
    C["partial W_{o,c}} ="] = [(sp.diff(L, W[o, c]), sum(G[o, i, j] * U[c, i, j] for i in (1, 2) for j in (1, 2))) for (o, c) in W]
    C["partial W} = \\hat U"] = [(Wm.applyfunc(lambda v: sp.diff(L, v)), Uh * Gh.T)]
    C["partial \\hat U} ="] = [(dUh, Wm.T * Gh)]
    C["$$\\Delta_{c,i,j} ="] = [(D[c, i, j], sum(W[o, c] * G[o, i, j] for o in (1, 2, 3))) for (c, i, j) in upos]
    C["例：$\\Delta_{2,1,2}"] = [(D[2, 1, 2], W[1, 2] * G[1, 1, 2] + W[2, 2] * G[2, 1, 2])]
    C["partial K_{c,p,q}} ="] = [(dK[c, p, q], sum(D[c, i, j] * X[c, i + p - 1, j + q - 1] for i in (1, 2) for j in (1, 2))) for (c, p, q) in K]
    C["partial K_{2,1,2}} ="] = [(dK[2, 1, 2], D[2, 1, 1] * X[2, 1, 2] + D[2, 1, 2] * X[2, 1, 3] + D[2, 2, 1] * X[2, 2, 2] + D[2, 2, 2] * X[2, 2, 3])]
    C["partial K_{1,2,1}} ="] = [(dK[1, 2, 1], sum(D[c, i, j] * X[c, i + 1, j] for c in (1, 2) for i in (1, 2) for j in (1, 2)))]
    C["partial X_{c,a,b}} ="] = [(dX[c, a, bb], sum(K[c, p, q] * Dz(c, a - p + 1, bb - q + 1) for p in (1, 2) for q in (1, 2)))
                                 for (c, a, bb) in X]
    C["partial X_{1,2,2}} ="] = [(dX[1, 2, 2], sum(K[1, p, q] * D[1, 3 - p, 3 - q] for p in (1, 2) for q in (1, 2)))]
    C["partial X_{2,3,1}} ="] = [(dX[2, 3, 1], K[2, 2, 1] * D[2, 2, 1])]
    C["partial X_{2,1,3}} ="] = [(dX[2, 1, 3], K[2, 1, 2] * sum(W[o, 2] * G[o, 1, 2] for o in (1, 2, 3)))]
    syms = list(X.values()) + list(K.values()) + list(W.values()) + list(b.values()) + list(G.values())
    return C, draw(syms, 4)


# ---------------------------------------------------------------- 07: linear regression, batch N = 3, 2 features, MSE mean

def f07():
    N = 3
    X = sp.Matrix(3, 2, lambda n, d: S(f"x_{n + 1}{d + 1}"))
    w = sp.Matrix(2, 1, lambda d, r: S(f"w_{d + 1}"))
    b = S("b")
    Y = sp.Matrix(3, 1, lambda n, r: S(f"y_{n + 1}"))
    one = sp.ones(3, 1)
    Yh = X * w + b * one
    L_of_Yh = lambda P: sum((P[n] - Y[n]) ** 2 for n in range(3)) / N
    L = L_of_Yh(list(Yh))
    dYh = sp.Matrix(fresh_grad(L_of_Yh, list(Yh), "P"))
    Dm = lambda Mx: Mx.applyfunc(lambda v: sp.diff(L, v))
    dw, dX, db = Dm(w), Dm(X), sp.diff(L, b)
    num = {X[0, 0]: 1, X[0, 1]: 2, X[1, 0]: 0, X[1, 1]: 1, X[2, 0]: 2, X[2, 1]: -1,
           Y[0]: 3, Y[1]: 2, Y[2]: 0, w[0]: 1, w[1]: 2, b: -1}
    Nm = lambda e: e.subs(num) if isinstance(e, sp.MatrixBase) else sp.sympify(e).subs(num)
    C = {}
    C["(\\hat Y - Y)$$"] = [(dYh, R(2, N) * (Yh - Y))]
    C["partial w} = X^{\\top}"] = [(dw, X.T * dYh), (X.T * dYh, R(2, N) * X.T * (X * w + b * one - Y))]
    C["lecture slides"] = [(dw, R(2, N) * X.T * (X * w - Y))]
    C["partial b} = \\frac{2}{N}"] = [(db, R(2, N) * sum(Y[n] - Yh[n] for n in range(3)))]
    C["partial X} = \\frac{2}{N}"] = [(dX, R(2, N) * (Yh - Y) * w.T)]
    C["partial w_1} ="] = [(dw[0], R(2, 3) * sum(X[n, 0] * (Yh[n] - Y[n]) for n in range(3)))]
    C["partial x_{2,1}} ="] = [(dX[1, 0], R(2, 3) * (Yh[1] - Y[1]) * w[0])]
    mid = sp.Matrix([1 + 4 - 1, 0 + 2 - 1, 2 - 2 - 1])
    C["$$\\hat Y = \\begin{pmatrix}"] = [(Nm(Yh), mid), (mid, sp.Matrix([4, 1, -1]))]
    C["Residual $"] = [(Nm(Yh - Y), sp.Matrix([1, -1, -1]))]
    C["$$L = \\tfrac13"] = [(Nm(L), R(1, 3) * (1 + 1 + 1)), (R(1, 3) * 3, 1)]
    C["partial \\hat Y} = \\frac{2}{3}\\begin"] = [(Nm(dYh), R(2, 3) * sp.Matrix([1, -1, -1]))]
    mid = R(2, 3) * sp.Matrix([1 * 1 + 0 * (-1) + 2 * (-1), 2 * 1 + 1 * (-1) + (-1) * (-1)])
    C["partial w} = \\frac{2}{3}"] = [(Nm(dw), mid), (mid, sp.Matrix([R(-2, 3), R(4, 3)]))]
    C["partial b} = 2\\,"] = [(Nm(db), 2 * (1 - 1 - 1)), (2 * (1 - 1 - 1), -2)]
    C["partial X} = \\frac{2}{3}"] = [(Nm(dX), R(2, 3) * sp.Matrix([[1, 2], [-1, -2], [-1, -2]]))]
    syms = list(X) + list(w) + list(Y) + [b]
    return C, draw(syms, 6)


# ---------------------------------------------------------------- 08: 4x4, 3x3 kernel, dilation 2, padding 2 ("same"), bias

def f08():
    x = grid("x", 4, 4); w = grid("w", 3, 3); g = grid("g", 4, 4); b = S("b")
    xz = lambda m, n: x.get((m, n), 0)
    gz = lambda m, n: g.get((m, n), 0)
    y = {(i, j): b + sum(w[p, q] * xz(i + 2 * p - 4, j + 2 * q - 4) for (p, q) in w) for (i, j) in g}
    # the padded-tensor definition, independently: padded position (i + 2(p-1), j + 2(q-1)) of a 8x8 padded input
    xp = lambda u, v: x.get((u - 2, v - 2), 0)
    for (i, j) in g:
        assert sp.expand(y[i, j] - (b + sum(w[p, q] * xp(i + 2 * (p - 1), j + 2 * (q - 1)) for (p, q) in w))) == 0
    L = sum(g[k] * y[k] for k in g)
    dw = {k: sp.diff(L, w[k]) for k in w}; dx = {k: sp.diff(L, x[k]) for k in x}
    C = {}
    C["y_{1,1} &="] = [(y[1, 1], b + w[2, 2] * x[1, 1] + w[2, 3] * x[1, 3] + w[3, 2] * x[3, 1] + w[3, 3] * x[3, 3])]
    C["y_{2,3} &="] = [(y[2, 3], b + w[2, 1] * x[2, 1] + w[2, 2] * x[2, 3] + w[3, 1] * x[4, 1] + w[3, 2] * x[4, 3])]
    C["\\pd{\\Lc}{w_{p,q}} ="] = [(dw[p, q], sum(g[i, j] * xz(i + 2 * p - 4, j + 2 * q - 4) for (i, j) in g)) for (p, q) in w]
    C["\\pd{\\Lc}{w_{1,1}} &="] = [(dw[1, 1], g[1, 1] * x[3, 3] + g[1, 2] * x[3, 4] + g[2, 1] * x[4, 3] + g[2, 2] * x[4, 4])]
    C["\\pd{\\Lc}{w_{2,2}} &="] = [(dw[2, 2], sum(g[k] * x[k] for k in g))]
    C["\\pd{\\Lc}{w_{1,3}} &="] = [(dw[1, 3], sum(g[i, j] * x[i - 2, j + 2] for i in (3, 4) for j in (1, 2)))]
    C["\\pd{\\Lc}{w_{3,2}} &="] = [(dw[3, 2], sum(g[i, j] * x[i + 1, j] for i in (1, 2) for j in range(1, 5)))]
    C["and $\\pd{\\Lc}{b}"] = [(sp.diff(L, b), sum(g.values()))]
    C["\\pd{\\Lc}{x_{m,n}} ="] = [(dx[m, n], sum(gz(m - 2 * p + 4, n - 2 * q + 4) * w[p, q] for (p, q) in w)) for (m, n) in x]
    C["\\pd{\\Lc}{x_{1,1}} &="] = [(dx[1, 1], g[3, 3] * w[1, 1] + g[3, 1] * w[1, 2] + g[1, 3] * w[2, 1] + g[1, 1] * w[2, 2])]
    C["\\pd{\\Lc}{x_{3,2}} &="] = [(dx[3, 2], g[3, 2] * w[1, 1] + g[1, 2] * w[2, 1])]
    C["\\pd{\\Lc}{x_{4,4}} &="] = [(dx[4, 4], g[4, 4] * w[2, 2] + g[4, 2] * w[2, 3] + g[2, 4] * w[3, 2] + g[2, 2] * w[3, 3])]
    return C, draw(list(x.values()) + list(w.values()) + list(g.values()) + [b], 4)


# ---------------------------------------------------------------- 09: 7x7, 3x3, stride 2, no bias, 0-based; dx as a transposed convolution

def f09():
    x = grid("x", 7, 7, 0); w = grid("w", 3, 3, 0); g = grid("g", 3, 3, 0)
    wz = lambda p, q: w.get((p, q), 0)
    y = {(i, j): sum(w[p, q] * x[2 * i + p, 2 * j + q] for (p, q) in w) for (i, j) in g}
    L = sum(g[k] * y[k] for k in g)
    dw = {k: sp.diff(L, w[k]) for k in w}; dx = {k: sp.diff(L, x[k]) for k in x}
    gt = lambda u, v: g.get((u // 2, v // 2), 0) if (u % 2 == 0 and v % 2 == 0 and 0 <= u <= 4 and 0 <= v <= 4) else 0
    gpad = lambda u, v: gt(u - 2, v - 2) if (0 <= u - 2 <= 4 and 0 <= v - 2 <= 4) else 0
    Cm = sp.zeros(9, 49)
    for (i, j) in g:
        for (p, q) in w:
            Cm[3 * i + j, (2 * i + p) * 7 + (2 * j + q)] = w[p, q]
    vecx = sp.Matrix([x[a, c] for a in range(7) for c in range(7)])
    vecy = sp.Matrix([y[i, j] for i in range(3) for j in range(3)])
    vecg = sp.Matrix([g[i, j] for i in range(3) for j in range(3)])
    assert (Cm * vecx - vecy).expand() == sp.zeros(9, 1)
    C = {}
    C["$$y[1,2] ="] = [(y[1, 2], sum(w[p, q] * x[2 + p, 4 + q] for (p, q) in w))]
    C["partial w[p,q]} ="] = [(dw[p, q], sum(g[i, j] * x[2 * i + p, 2 * j + q] for (i, j) in g)) for (p, q) in w]
    C["partial w[2,0]} ="] = [(dw[2, 0], sum(g[i, j] * x[2 * i + 2, 2 * j] for (i, j) in g))]
    C["partial w[1,1]} ="] = [(dw[1, 1], sum(g[i, j] * x[2 * i, 2 * j] for (i, j) in g))]
    C["partial x[a,b]} = \\sum_{i=0}"] = [(dx[a, c], sum(g[i, j] * wz(a - 2 * i, c - 2 * j) for (i, j) in g)) for (a, c) in x]
    C["partial x[2,2]} ="] = [(dx[2, 2], g[0, 0] * w[2, 2] + g[0, 1] * w[2, 0] + g[1, 0] * w[0, 2] + g[1, 1] * w[0, 0])]
    C["partial x[3,4]} ="] = [(dx[3, 4], g[1, 1] * w[1, 2] + g[1, 2] * w[1, 0])]
    C["partial x[1,1]} ="] = [(dx[1, 1], g[0, 0] * w[1, 1])]
    C["partial x[4,3]} ="] = [(dx[4, 3], g[2, 2] * w[2, 1] + g[2, 1] * w[2, 2])]
    C["w[2-p,\\, 2-q]$$"] = [(dx[a, c], sum(gpad(a + p, c + q) * w[2 - p, 2 - q] for (p, q) in w)) for (a, c) in x]
    C["b+q]\\; w[p,q]$$"] = [(dx[a, c], sum(gpad(a + p, c + q) * w[p, q] for (p, q) in w)) for (a, c) in x]
    C["partial\\,\\mathrm{vec}(x)} ="] = [(sp.Matrix([dx[a, c] for a in range(7) for c in range(7)]), Cm.T * vecg)]
    return C, draw(list(x.values()) + list(w.values()) + list(g.values()), 4)


# ---------------------------------------------------------------- 10: 4x4 -> conv 3x3 + b -> relu -> GAP -> dense 1 (v, c) -> sigmoid -> BCE

def f10():
    X = grid("X", 4, 4); W = grid("W", 3, 3); b, v, c, y = S("b"), S("v"), S("c"), S("y")
    pos = [(1, 1), (1, 2), (2, 1), (2, 2)]
    Z = {(i, j): b + sum(W[p, q] * X[i + p - 1, j + q - 1] for (p, q) in W) for (i, j) in pos}
    A = {k: relu(Z[k]) for k in pos}
    s = R(1, 4) * sum(A.values())
    o = v * s + c
    yh = sigmoid(o)
    L_of_yh = lambda Yv: bce(Yv, y)
    L_of_o = lambda O: L_of_yh(sigmoid(O))
    L_of_s = lambda Sv: L_of_o(v * Sv + c)
    L_of_A = lambda Av: L_of_s(R(1, 4) * sum(Av))
    L_of_Z = lambda Zv: L_of_A([relu(z) for z in Zv])
    L = L_of_yh(yh)
    dyh = fresh_grad(lambda a: L_of_yh(a[0]), [yh], "YH")[0]
    do = fresh_grad(lambda a: L_of_o(a[0]), [o], "O")[0]
    ds = fresh_grad(lambda a: L_of_s(a[0]), [s], "S")[0]
    dA = dict(zip(pos, fresh_grad(L_of_A, [A[k] for k in pos], "A")))
    dZ = dict(zip(pos, fresh_grad(L_of_Z, [Z[k] for k in pos], "Z")))
    dW = {k: sp.diff(L, W[k]) for k in W}; dX = {k: sp.diff(L, X[k]) for k in X}
    C = {}
    C["partial L}{\\partial \\hat y} ="] = [(dyh, (yh - y) / (yh * (1 - yh)))]
    C["partial L}{\\partial o} ="] = [(do, (yh - y) * yh * (1 - yh))]
    C["dense: $"] = [(sp.diff(L, v), (yh - y) * s), (sp.diff(L, c), yh - y)]
    C["→ $\\partial L/\\partial s"] = [(ds, (yh - y) * v)]
    C["GAP: $"] = [(dA[k], (yh - y) * v) for k in pos]
    C["relu: $"] = [(dZ[k], dA[k] * ind(Z[k] > 0)) for k in pos]
    C["i.e. $"] = [(dZ[k], R(1, 4) * (yh - y) * v * ind(A[k] > 0)) for k in pos]
    C["conv, kernel: $"] = [(dW[p, q], sum(dZ[i, j] * X[i + p - 1, j + q - 1] for (i, j) in pos)) for (p, q) in W]
    C["partial W_{11}} ="] = [(dW[1, 1], dZ[1, 1] * X[1, 1] + dZ[1, 2] * X[1, 2] + dZ[2, 1] * X[2, 1] + dZ[2, 2] * X[2, 2])]
    C["conv, bias: $"] = [(sp.diff(L, b), sum(dZ.values()))]
    C["partial X_{22}} ="] = [(dX[2, 2], sum(dZ[i, j] * W[3 - i, 3 - j] for (i, j) in pos))]
    C["partial X_{14}} ="] = [(dX[1, 4], dZ[1, 2] * W[1, 3])]
    C["partial X_{41}} ="] = [(dX[4, 1], dZ[2, 1] * W[1, 1])]
    syms = list(X.values()) + list(W.values()) + [b, v, c, y]
    return C, draw(syms, 8, choose=binary([y]))


BUILD = {"01": f01, "02": f02, "03": f03, "04": f04, "05": f05, "06": f06, "07": f07, "08": f08, "09": f09, "10": f10}


# ---------------------------------------------------------------- lines holding "=" in maths

def math_lines(path):
    """{line: 'display' | 'inline'} for the 1-based lines holding '=' inside maths: displayed ($$...$$ in
    Markdown, fenced code skipped; \\[ \\] and align/equation rows in LaTeX) or inline ($...$; in Markdown,
    inline code spans are not maths)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = {}
    if path.endswith(".md"):
        in_code = False
        kept = []
        for l in lines:
            if l.strip().startswith("```"):
                in_code = not in_code
                kept.append("")
            else:
                kept.append("" if in_code else l)
        text = "\n".join(kept)
        segs = text.split("$$")
        pos = 1
        for idx, seg in enumerate(segs):
            for off, l in enumerate(seg.split("\n")):
                if idx % 2 == 1:
                    if "=" in l:
                        out.setdefault(pos + off, "display")
                else:
                    parts = re.sub(r"`[^`]*`", "", l).split("$")
                    if any("=" in parts[i] for i in range(1, len(parts), 2)):
                        out.setdefault(pos + off, "inline")
            pos += seg.count("\n")
    else:
        env = False
        for n, line in enumerate(lines, 1):
            s = line.strip()
            if s.startswith("%"):
                continue
            if s.startswith("\\[") or s.startswith("\\begin{align") or s.startswith("\\begin{equation"):
                env = True
                continue
            if s.startswith("\\]") or s.startswith("\\end{align") or s.startswith("\\end{equation"):
                env = False
                continue
            if env:
                if "=" in line:
                    out[n] = "display"
                continue
            parts = line.split("$")
            if any("=" in parts[i] for i in range(1, len(parts), 2)):
                out[n] = "inline"
    return out


def main():
    key = tomllib.load(open(os.path.join(HERE, "key.toml"), "rb"))
    bad = 0
    total = wrong = 0
    for entry in key["file"]:
        name = entry["name"]
        path = os.path.join(HERE, name)
        lines = open(path, encoding="utf-8").read().split("\n")
        C, points = BUILD[name[:2]]()
        keyed = {c["line"]: c for c in entry["claim"]}
        if len(keyed) != len(entry["claim"]):
            print(f"{name}: two claims keyed at one line"); bad += 1
        defs = {d["line"] for d in entry["definitions"]}
        nots = {d["line"] for d in entry.get("not_claims", [])}
        ml = math_lines(path)
        for n in ml:
            times = (n in keyed) + (n in defs) + (n in nots)
            if times != 1:
                print(f"{name}: line {n} with '=' in maths is keyed {times} times"); bad += 1
        for n in list(keyed) + list(defs) + list(nots):
            if n not in ml:
                print(f"{name}: keyed line {n} holds no '=' in maths"); bad += 1
        seen = set()
        for anchor, pairs in C.items():
            hits = [i + 1 for i, l in enumerate(lines) if anchor in l]
            if len(hits) != 1:
                print(f"{name}: anchor {anchor!r} found on lines {hits}"); bad += 1
                continue
            n = hits[0]
            seen.add(n)
            ok = all(pair_equal(a, b, points) for a, b in pairs)
            verdict = "right" if ok else "wrong"
            total += 1; wrong += verdict == "wrong"
            k = keyed.get(n)
            flag = "" if k and k["verdict"] == verdict else "   <-- MISMATCH"
            if flag:
                bad += 1
            print(f"{name}:{n:3d} {verdict:5s} {anchor}{flag}")
        for n in keyed:
            if n not in seen:
                print(f"{name}: keyed claim at line {n} has no check"); bad += 1
    print(f"{total} claims checked, {wrong} wrong; {bad} problems")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
