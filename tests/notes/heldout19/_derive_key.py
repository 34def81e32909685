"""Independent check of key.toml for set heldout19 (SymPy only, no symconv).

Each notes file's layer or network is built here from its definition (the forward pass, then the loss or
a given upstream gradient used as the weights of a linear functional), differentiated with sympy.diff,
and every keyed claim is written as (left, right) pairs (one per index value and one per link of a
chain) which are compared at random points. Gradients with respect to intermediates (a pooling's input,
a softmax's p, batch normalization's xhat, mu and sigma^2, an im2col matrix) are taken by rebuilding the
downstream part on fresh symbols and substituting the forward values back. Max pooling at the worked
numbers of 05 (which have a tie) uses the switch as PyTorch defines it (the first maximum of the window
in row-major order); at random points it is checked against sympy.diff of Max.

The script finds each claim's line by a text anchor and requires it to be the keyed line, and checks
that every line holding "=" inside maths (displayed, or inline $...$) is keyed exactly once (as a claim,
a definition or a not_claim) and that every keyed line is such a line. Exit 0 only if every verdict
and line matches.
"""
import math
import os
import random
import re
import sys
import tomllib

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(19)
S = sp.Symbol
R = sp.Rational


def grid(name, rows, cols, base=1):
    """dict (i, j) -> symbol, indices from base."""
    return {(i, j): S(f"{name}_{i}_{j}") for i in range(base, base + rows) for j in range(base, base + cols)}


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


def sigmoid(u):
    return 1 / (1 + sp.exp(-u))


def relu(u):
    return sp.Max(0, u)


def softmax(zs):
    e = [sp.exp(z) for z in zs]
    return [v / sum(e) for v in e]


def grad_at(f, n, val, tag):
    """gradient of f (a function of a list of n symbols) at the values val."""
    syms = [S(f"{tag}_{i}") for i in range(n)]
    F = f(syms)
    return [sp.diff(F, s).subs(dict(zip(syms, val))) for s in syms]


def M(d, rows, cols, base=1):
    """sympy Matrix from a function of (i, j), indices from base."""
    return sp.Matrix(rows, cols, lambda i, j: d(i + base, j + base))


def corr(A, B):
    """valid cross-correlation (A star B)_{i,j} = sum_{p,q} A_{i+p-1, j+q-1} B_{p,q} (matrices)."""
    r, c = A.rows - B.rows + 1, A.cols - B.cols + 1
    return sp.Matrix(r, c, lambda i, j: sum(A[i + p, j + q] * B[p, q] for p in range(B.rows) for q in range(B.cols)))


def rot(A):
    return sp.Matrix(A.rows, A.cols, lambda i, j: A[A.rows - 1 - i, A.cols - 1 - j])


def pad1(A):
    return sp.Matrix(A.rows + 2, A.cols + 2,
                     lambda i, j: A[i - 1, j - 1] if 1 <= i <= A.rows and 1 <= j <= A.cols else 0)


# ---------------------------------------------------------------- comparison

def as_list(e):
    if isinstance(e, sp.MatrixBase):
        return e.shape, list(e)
    return None, [e]


def _heaviside(v, h0=0.5):
    return 1.0 if v > 0 else (0.0 if v < 0 else float(h0))


_FUNCS = {"Heaviside": _heaviside, "Max": max, "Min": min}


def values(e, points):
    """the values of e at each point (a dict symbol -> float), through one lambdify."""
    e = sp.sympify(e)
    syms = sorted(e.free_symbols, key=str)
    f = sp.lambdify(syms, e, modules=[_FUNCS, "math"])
    return [float(f(*[float(pt[s]) for s in syms])) for pt in points]


def pair_equal(a, b, points):
    sa, la = as_list(a)
    sb, lb = as_list(b)
    if sa != sb:
        return False
    for x, y in zip(la, lb):
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


def onehot(groups):
    """one independent one-hot vector per group of target symbols."""
    def choose(pt):
        for ys in groups:
            k = rng.randrange(len(ys))
            for i, y in enumerate(ys):
                pt[y] = sp.Integer(int(i == k))
    return choose


# ---------------------------------------------------------------- 01: 2 -> 2 channels, 3x3 input, 2x2 kernel, bias

def f01():
    X = {(c, i, j): S(f"X_{c}_{i}_{j}") for c in (1, 2) for i in (1, 2, 3) for j in (1, 2, 3)}
    K = {(m, c, p, q): S(f"K_{m}_{c}_{p}_{q}") for m in (1, 2) for c in (1, 2) for p in (1, 2) for q in (1, 2)}
    G = {(m, i, j): S(f"G_{m}_{i}_{j}") for m in (1, 2) for i in (1, 2) for j in (1, 2)}
    b = {m: S(f"b_{m}") for m in (1, 2)}
    Gz = lambda m, i, j: G.get((m, i, j), 0)
    Y = {(m, i, j): b[m] + sum(K[m, c, p, q] * X[c, i + p - 1, j + q - 1] for c in (1, 2) for p in (1, 2) for q in (1, 2))
         for (m, i, j) in G}
    L = sum(G[k] * Y[k] for k in G)
    dK = {k: sp.diff(L, K[k]) for k in K}; dX = {k: sp.diff(L, X[k]) for k in X}
    C = {}
    C["Y_{1,1,1} &="] = [(Y[1, 1, 1], b[1] + sum(K[1, c, 1, 1] * X[c, 1, 1] + K[1, c, 1, 2] * X[c, 1, 2] + K[1, c, 2, 1] * X[c, 2, 1]
                                                 + K[1, c, 2, 2] * X[c, 2, 2] for c in (1, 2)))]
    C["Y_{2,2,1} &="] = [(Y[2, 2, 1], b[2] + sum(K[2, c, p, q] * X[c, p + 1, q] for c in (1, 2) for p in (1, 2) for q in (1, 2)))]
    C["partial K_{m,c,p,q}} ="] = [(dK[m, c, p, q], sum(G[m, i, j] * X[c, i + p - 1, j + q - 1] for i in (1, 2) for j in (1, 2)))
                                   for (m, c, p, q) in K]
    C["partial K_{2,1,1,2}} &="] = [(dK[2, 1, 1, 2], G[2, 1, 1] * X[1, 1, 2] + G[2, 1, 2] * X[1, 1, 3] + G[2, 2, 1] * X[1, 2, 2]
                                     + G[2, 2, 2] * X[1, 2, 3])]
    C["partial K_{1,2,2,1}} &="] = [(dK[1, 2, 2, 1], sum(G[1, i, j] * X[1, i + 1, j] for i in (1, 2) for j in (1, 2)))]
    C["partial b_m} ="] = [(sp.diff(L, b[m]), sum(G[m, i, j] for i in (1, 2) for j in (1, 2))) for m in (1, 2)]
    C["partial X_{c,u,v}} ="] = [(dX[c, u, v], sum(Gz(m, u - p + 1, v - q + 1) * K[m, c, p, q]
                                                    for m in (1, 2) for p in (1, 2) for q in (1, 2))) for (c, u, v) in X]
    C["partial X_{1,1,3}} &="] = [(dX[1, 1, 3], G[1, 1, 2] * K[1, 1, 1, 2] + G[2, 1, 2] * K[2, 1, 1, 2])]
    C["partial X_{2,3,1}} &="] = [(dX[2, 3, 1], G[1, 2, 1] * K[1, 2, 2, 1] + G[2, 2, 1] * K[2, 2, 2, 1])]
    C["partial X_{1,2,3}} &="] = [(dX[1, 2, 3], sum(G[m, 2, 2] * K[m, 1, 2, 2] + G[m, 1, 2] * K[m, 1, 1, 2] for m in (1, 2)))]
    C["partial X_{2,2,2}} &="] = [(dX[2, 2, 2], sum(Gz(1, 3 - p, 3 - q) * K[1, 2, p, q] for p in (1, 2) for q in (1, 2)))]
    Xc = lambda c: M(lambda i, j: X[c, i, j], 3, 3)
    Gm = lambda m: M(lambda i, j: G[m, i, j], 2, 2)
    Kmc = lambda m, c: M(lambda p, q: K[m, c, p, q], 2, 2)
    C["partial K_{m,c}} &="] = [(M(lambda p, q: dK[m, c, p, q], 2, 2), corr(Xc(c), Gm(m))) for m in (1, 2) for c in (1, 2)]
    C["partial X_c} &="] = [(M(lambda u, v: dX[c, u, v], 3, 3), sum((corr(pad1(Gm(m)), rot(Kmc(m, c))) for m in (1, 2)),
                                                                    sp.zeros(3, 3))) for c in (1, 2)]
    syms = list(X.values()) + list(K.values()) + list(G.values()) + list(b.values())
    return C, draw(syms, 4)


# ---------------------------------------------------------------- 02: stride 2, padding 1, dilation 2, bias

def f02():
    X = grid("X", 5, 5); K = grid("K", 2, 2); d = grid("d", 3, 3); b = S("b")
    Xz = lambda a, c: X.get((a, c), 0)      # an index 0 or 6 is the padding
    dz = lambda r, s: d.get((r, s), 0)
    Y = {(r, s): b + sum(K[p, q] * Xz(2 * r + 2 * p - 4, 2 * s + 2 * q - 4) for (p, q) in K) for (r, s) in d}
    L = sum(d[q] * Y[q] for q in d)
    dK = {q: sp.diff(L, K[q]) for q in K}; dX = {q: sp.diff(L, X[q]) for q in X}
    C = {}
    C["$$Y_{1,1} ="] = [(Y[1, 1], b + K[2, 2] * X[2, 2])]
    C["$$Y_{2,2} ="] = [(Y[2, 2], b + K[1, 1] * X[2, 2] + K[1, 2] * X[2, 4] + K[2, 1] * X[4, 2] + K[2, 2] * X[4, 4])]
    C["$$Y_{3,3} ="] = [(Y[3, 3], b + K[1, 1] * X[4, 4])]
    C["partial K_{p,q}} ="] = [(dK[p, q], sum(d[r, s] * Xz(2 * r + 2 * p - 4, 2 * s + 2 * q - 4) for (r, s) in d)) for (p, q) in K]
    C["partial K_{1,1}} ="] = [(dK[1, 1], d[2, 2] * X[2, 2] + d[2, 3] * X[2, 4] + d[3, 2] * X[4, 2] + d[3, 3] * X[4, 4])]
    C["partial K_{1,2}} ="] = [(dK[1, 2], d[2, 1] * X[2, 2] + d[2, 2] * X[2, 4] + d[3, 1] * X[4, 2] + d[3, 2] * X[4, 4])]
    C["partial K_{2,1}} ="] = [(dK[2, 1], d[1, 1] * X[3, 1] + d[1, 2] * X[3, 3] + d[1, 3] * X[3, 5] + d[2, 1] * X[5, 1]
                                + d[2, 2] * X[5, 3] + d[2, 3] * X[5, 5])]
    C["partial b} ="] = [(sp.diff(L, b), sum(d.values()))]
    C["partial X_{a,c}} ="] = [(dX[a, c], sum(dz(a - 2 * p + 3, c - 2 * q + 3) * K[p, q] for (p, q) in K)) for (a, c) in X]
    C["partial X_{2,2}} ="] = [(dX[2, 2], d[2, 2] * K[1, 1])]
    C["partial X_{4,2}} ="] = [(dX[4, 2], d[2, 1] * K[2, 2] + d[2, 2] * K[2, 1] + d[3, 1] * K[1, 2] + d[3, 2] * K[1, 1])]
    C["partial X_{2,4}} ="] = [(dX[2, 4], d[1, 2] * K[2, 2] + d[1, 3] * K[2, 1] + d[2, 2] * K[1, 2] + d[2, 3] * K[1, 1])]
    C["partial X_{3,3}} ="] = [(dX[3, 3], sp.Integer(0))]
    return C, draw(list(X.values()) + list(K.values()) + list(d.values()) + [b], 4)


# ---------------------------------------------------------------- 03: transposed convolution, 2x2 -> 5x5, kernel 3x3, stride 2

def f03():
    X = grid("X", 2, 2); K = grid("K", 3, 3); D = grid("D", 5, 5); b = S("b")
    Dz = lambda u, v: D.get((u, v), 0)
    Y = {(u, v): b + sum(X[i, j] * K[p, q] for (i, j) in X for (p, q) in K if 2 * i - 2 + p == u and 2 * j - 2 + q == v)
         for (u, v) in D}
    L = sum(D[q] * Y[q] for q in D)
    dK = {q: sp.diff(L, K[q]) for q in K}; dX = {q: sp.diff(L, X[q]) for q in X}
    # C: the 4 x 25 matrix of the ordinary stride-2 convolution of a 5x5 image by K, row-major vec
    Cm = sp.Matrix(4, 25, lambda r, col: K.get((col // 5 + 1 - 2 * (r // 2), col % 5 + 1 - 2 * (r % 2)), 0))
    vecX = sp.Matrix([X[i, j] for i in (1, 2) for j in (1, 2)])
    vecY = sp.Matrix([Y[u, v] for u in range(1, 6) for v in range(1, 6)])
    vecD = sp.Matrix([D[u, v] for u in range(1, 6) for v in range(1, 6)])
    C = {}
    C["$$Y_{1,1} ="] = [(Y[1, 1], b + X[1, 1] * K[1, 1])]
    C["$$Y_{3,3} ="] = [(Y[3, 3], b + X[1, 1] * K[3, 3] + X[1, 2] * K[3, 1] + X[2, 1] * K[1, 3] + X[2, 2] * K[1, 1])]
    C["$$Y_{2,3} ="] = [(Y[2, 3], b + X[1, 1] * K[2, 3])]
    C["\\mathrm{vec}(Y) = C^{\\top}"] = [(vecY, Cm.T * vecX + b * sp.ones(25, 1))]
    C["partial b} ="] = [(sp.diff(L, b), sum(D.values()))]
    C["partial K_{p,q}} ="] = [(dK[p, q], sum(D[2 * i - 2 + p, 2 * j - 2 + q] * X[i, j] for (i, j) in X)) for (p, q) in K]
    C["partial K_{3,1}} ="] = [(dK[3, 1], D[3, 1] * X[1, 1] + D[3, 3] * X[1, 2] + D[5, 1] * X[2, 1] + D[5, 3] * X[2, 2])]
    C["partial K_{2,2}} ="] = [(dK[2, 2], D[2, 2] * X[1, 1] + D[2, 3] * X[1, 2] + D[3, 2] * X[2, 1] + D[3, 3] * X[2, 2])]
    C["partial X_{i,j}} ="] = [(dX[i, j], sum(D[2 * i - 2 + p, 2 * j - 2 + q] * K[p, q] for (p, q) in K)) for (i, j) in X]
    star2 = M(lambda i, j: sum(Dz(2 * i - 2 + p, 2 * j - 2 + q) * K[p, q] for (p, q) in K), 2, 2)
    C["partial X} = \\Delta \\star_2 K"] = [(M(lambda i, j: dX[i, j], 2, 2), star2)]
    C["partial\\,\\mathrm{vec}(X)} ="] = [(sp.Matrix([dX[i, j] for i in (1, 2) for j in (1, 2)]), Cm * vecD)]
    C["partial X_{1,1}} ="] = [(dX[1, 1], sum(D[p, q] * K[p, q] for (p, q) in K))]
    C["partial X_{2,1}} ="] = [(dX[2, 1], sum(D[2 + p, q] * K[4 - p, 4 - q] for (p, q) in K))]
    return C, draw(list(X.values()) + list(K.values()) + list(D.values()) + [b], 4)


# ---------------------------------------------------------------- 04: conv (2 kernels) + relu + maxpool + flatten + dense + softmax CE

def f04():
    """Backpropagated layer by layer: each layer's local function is rebuilt on fresh symbols and
    differentiated with sympy.diff, and the local derivatives are chained (summed over every entry, not over
    the claims' index ranges). The forward values Z, A, P, s are symbols of their own (Zt, At, Pt, st) whose
    values at each random point are computed from the definitions (this keeps the expressions small);
    diff(L, b_1) of the whole composed loss is compared with the chain as a self-check."""
    X = grid("X", 5, 5)
    K = {c: grid(f"K{c}", 2, 2) for c in (1, 2)}; b = {c: S(f"b_{c}") for c in (1, 2)}
    W = sp.Matrix(2, 8, lambda i, j: S(f"W_{i + 1}_{j + 1}")); d = sp.Matrix(2, 1, lambda i, j: S(f"d_{i + 1}"))
    y = sp.Matrix(2, 1, lambda i, j: S(f"y_{i + 1}"))
    pos = [(i, j) for i in range(1, 5) for j in range(1, 5)]
    ce = lambda i: (i + 1) // 2
    win = lambda r, s: [(i, j) for i in (2 * r - 1, 2 * r) for j in (2 * s - 1, 2 * s)]
    order = [(c, r, s) for c in (1, 2) for r in (1, 2) for s in (1, 2)]      # the flatten: channel, row, column
    cells = [(c, i, j) for c in (1, 2) for (i, j) in pos]
    conv = lambda Xv: {(c, i, j): b[c] + sum(K[c][p, q] * Xv[i + p - 1, j + q - 1] for (p, q) in K[c]) for (c, i, j) in cells}
    pool = lambda A: {(c, r, s): sp.Max(*[A[c, i, j] for (i, j) in win(r, s)]) for (c, r, s) in order}
    L_of_s = lambda sv: -sum(y[k] * sp.log(softmax(list(sv))[k]) for k in range(2))
    Zt = {q: S(f"Zt_{q[0]}_{q[1]}_{q[2]}") for q in cells}
    At = {q: S(f"At_{q[0]}_{q[1]}_{q[2]}") for q in cells}
    Pt = {q: S(f"Pt_{q[0]}_{q[1]}_{q[2]}") for q in order}
    st = sp.Matrix(2, 1, lambda i, j: S(f"st_{i + 1}"))
    Af = {q: S(f"Af_{q[0]}_{q[1]}_{q[2]}") for q in cells}    # free values of the pooling's input
    Zdef = conv(X)
    a_t = sp.Matrix([Pt[q] for q in order])
    yh = sp.Matrix(softmax(list(st)))
    # backward, one layer at a time
    ds = sp.Matrix(grad_at(L_of_s, 2, list(st), "SS"))
    a_f = [S(f"af_{l}") for l in range(8)]
    s_f = W * sp.Matrix(a_f) + d
    da = sp.Matrix([sum(ds[k] * sp.diff(s_f[k], a_f[l]) for k in range(2)) for l in range(8)])
    dW = W.applyfunc(lambda w: sum(ds[k] * sp.diff(s_f[k], w) for k in range(2))).subs(dict(zip(a_f, a_t)))
    dd = d.applyfunc(lambda v: sum(ds[k] * sp.diff(s_f[k], v) for k in range(2)))
    Ps = {q: S(f"Ps_{q[0]}_{q[1]}_{q[2]}") for q in order}
    flat_f = [Ps[q] for q in order]
    dP = {q: sum(da[l] * sp.diff(flat_f[l], Ps[q]) for l in range(8)) for q in order}
    pool_t = pool(At)
    dA = {q: sum(dP[o] * sp.diff(pool_t[o], At[q]) for o in order) for q in cells}
    dZ = {q: dA[q] * sp.diff(relu(Zt[q]), Zt[q]) for q in cells}
    dZz = lambda c, i, j: dZ.get((c, i, j), 0)
    Xf = {q: S(f"Xf_{q[0]}_{q[1]}") for q in X}
    Z_f = conv(Xf)
    dX = {q: sum(dZ[o] * sp.diff(Z_f[o], Xf[q]) for o in cells) for q in X}
    dK = {(c, pq): sum(dZ[o] * sp.diff(Zdef[o], K[c][pq]) for o in cells) for c in (1, 2) for pq in K[c]}
    db = {c: sum(dZ[o] * sp.diff(Zdef[o], b[c]) for o in cells) for c in (1, 2)}
    # the pooling claim is a function of free pooling inputs Af: the chain above the pooling, rebuilt at Af
    pool_a = pool(Af)
    ds_free = sp.Matrix(grad_at(L_of_s, 2, list(W * sp.Matrix([pool_a[q] for q in order]) + d), "SF"))
    da_free = sp.Matrix([sum(ds_free[k] * sp.diff(s_f[k], a_f[l]) for k in range(2)) for l in range(8)])
    dP_free = {q: da_free[l] for l, q in enumerate(order)}
    dA_free = {q: sum(dP_free[o] * sp.diff(pool_a[o], Af[q]) for o in order) for q in cells}

    f_Z = sp.lambdify(list(X.values()) + [v for c in (1, 2) for v in K[c].values()] + list(b.values()),
                      [Zdef[q] for q in cells], "math")

    def forward(pt):
        """the forward values at a point, from the definitions."""
        k = rng.randrange(2)
        pt[y[0]], pt[y[1]] = sp.Integer(int(k == 0)), sp.Integer(int(k == 1))
        zv = f_Z(*[float(pt[v]) for v in list(X.values()) + [v for c in (1, 2) for v in K[c].values()] + list(b.values())])
        zd = dict(zip(cells, zv))
        av = {q: max(0.0, zd[q]) for q in cells}
        pv = {(c, r, s_): max(av[c, i, j] for (i, j) in win(r, s_)) for (c, r, s_) in order}
        for q in cells:
            pt[Zt[q]] = sp.Float(zd[q]); pt[At[q]] = sp.Float(av[q])
        for q in order:
            pt[Pt[q]] = sp.Float(pv[q])
        for k2 in range(2):
            pt[st[k2]] = sp.Float(sum(float(pt[W[k2, l]]) * pv[q] for l, q in enumerate(order)) + float(pt[d[k2]]))

    base = (list(X.values()) + [v for c in (1, 2) for v in K[c].values()] + list(b.values()) + list(W) + list(d)
            + list(Af.values()))
    points = draw(base, 12, forward)
    # self-check of the chain against sympy.diff of the composed loss, at two of the points
    Zc = conv(X)
    Lfull = L_of_s(list(W * sp.Matrix([pool({q: relu(Zc[q]) for q in cells})[q] for q in order]) + d))
    assert pair_equal(sp.diff(Lfull, b[1]), db[1], points[:2]), "layer-by-layer chain disagrees with sympy.diff"
    C = {}
    C["$$\\bar s ="] = [(ds, yh - y)]
    C["$$\\bar W ="] = [(dW, ds * a_t.T)]
    C["$$\\bar d ="] = [(dd, ds)]
    C["$$\\bar a ="] = [(da, W.T * ds)]
    C["$$\\bar W_{2,5} ="] = [(dW[1, 4], (yh[1] - y[1]) * Pt[2, 1, 1])]
    C["$$\\bar P^{(2)}_{1,2} ="] = [(dP[2, 1, 2], da[5])]
    C["$$\\bar P^{(1)}_{2,1} ="] = [(dP[1, 2, 1], da[1])]
    C["$$\\bar A^{(c)}_{i,j} ="] = [(dA_free[c, i, j], dP_free[c, ce(i), ce(j)] * sp.Piecewise(
        (1, sp.Eq(Af[c, i, j], sp.Max(*[Af[c, u, v] for (u, v) in win(ce(i), ce(j))]))), (0, True))) for (c, i, j) in cells]
    C["$$\\bar Z^{(c)}_{i,j} ="] = [(dZ[q], dA[q] * ind(Zt[q] > 0)) for q in cells]
    C["$$\\bar K^{(c)}_{p,q} ="] = [(dK[c, (p, q)], sum(dZ[c, i, j] * X[i + p - 1, j + q - 1] for (i, j) in pos))
                                    for c in (1, 2) for (p, q) in K[c]]
    C["$$\\bar K^{(2)}_{2,1} ="] = [(dK[2, (2, 1)], sum(dZ[2, i, j] * X[i + 1, j] for (i, j) in pos))]
    C["$$\\bar b_c ="] = [(db[c], sum(dZ[c, i, j] for i in (1, 2) for j in (1, 2))) for c in (1, 2)]
    C["$$\\bar X_{m,n} ="] = [(dX[m, n], sum(dZz(c, m - p + 1, n - q + 1) * K[c][p, q] for c in (1, 2) for (p, q) in K[c]))
                              for (m, n) in X]
    C["$$\\bar X_{1,1} ="] = [(dX[1, 1], dZ[1, 1, 1] * K[1][1, 1])]
    C["$$\\bar X_{5,5} ="] = [(dX[5, 5], dZ[1, 4, 4] * K[1][2, 2] + dZ[2, 4, 4] * K[2][2, 2])]
    return C, points


# ---------------------------------------------------------------- 05: max and average pooling 3x3 stride 2, two branches

def first_max_switch(vals, r, s):
    """PyTorch's switch: the first maximal entry of window (r, s) in row-major order."""
    cells = [(i, j) for i in (2 * r - 1, 2 * r, 2 * r + 1) for j in (2 * s - 1, 2 * s, 2 * s + 1)]
    best = cells[0]
    for q in cells[1:]:
        if vals[q] > vals[best]:
            best = q
    return best


def f05():
    X = grid("X", 5, 5); G = grid("G", 2, 2); H = grid("H", 2, 2)
    win = lambda r, s: [(i, j) for i in (2 * r - 1, 2 * r, 2 * r + 1) for j in (2 * s - 1, 2 * s, 2 * s + 1)]
    Mx = {(r, s): sp.Max(*[X[q] for q in win(r, s)]) for (r, s) in G}
    Av = {(r, s): R(1, 9) * sum(X[q] for q in win(r, s)) for (r, s) in H}
    LM = sum(G[q] * Mx[q] for q in G); LA = sum(H[q] * Av[q] for q in H)
    L = LM + LA
    gM = {q: sp.diff(LM, X[q]) for q in X}; gA = {q: sp.diff(LA, X[q]) for q in X}

    def is_switch(i, j, r, s):   # X_{i,j} is the first maximum of window (r, s)
        cells = win(r, s)
        if (i, j) not in cells:
            return sp.false
        k = cells.index((i, j))
        return sp.And(*[X[i, j] > X[q] for q in cells[:k]], *[X[i, j] >= X[q] for q in cells[k + 1:]])

    C = {}
    C["partial X_{i,j}} = g^M_{i,j} + g^A_{i,j}$$"] = [(sp.diff(L, X[q]), gM[q] + gA[q]) for q in X]
    C["$$g^M_{i,j} ="] = [(gM[i, j], sum(G[r, s] * sp.Piecewise((1, is_switch(i, j, r, s)), (0, True)) for (r, s) in G))
                          for (i, j) in X]
    C["$$g^A_{i,j} ="] = [(gA[i, j], R(1, 9) * sum(H[r, s] for (r, s) in H if abs(i - 2 * r) <= 1 and abs(j - 2 * s) <= 1))
                          for (i, j) in X]
    # the worked numbers (window (2,1) has a tie: X_{4,2} = X_{5,1} = 8)
    xv = [[1, 4, 2, 0, 3], [4, 5, 3, 1, 2], [0, 2, 6, 5, 1], [3, 8, 1, 4, 2], [8, 0, 6, 7, 3]]
    Xn = {(i, j): sp.Integer(xv[i - 1][j - 1]) for (i, j) in X}
    Gn = {(1, 1): 2, (1, 2): -1, (2, 1): 3, (2, 2): 1}; Hn = {(1, 1): 9, (1, 2): 0, (2, 1): -9, (2, 2): 18}
    Gn = {q: sp.Integer(v) for q, v in Gn.items()}; Hn = {q: sp.Integer(v) for q, v in Hn.items()}
    num = {**{X[q]: Xn[q] for q in X}, **{G[q]: Gn[q] for q in G}, **{H[q]: Hn[q] for q in H}}
    sw = {q: first_max_switch(Xn, *q) for q in G}
    gMn = {q: sum((Gn[rs] for rs in G if sw[rs] == q), sp.Integer(0)) for q in X}
    gAn = {q: gA[q].subs(num) for q in X}
    I = lambda v: sp.Integer(v) if not isinstance(v, sp.Basic) else v
    C["$$M = \\begin{pmatrix}"] = [(sp.Matrix(2, 2, lambda r, s: Mx[r + 1, s + 1].subs(num)), sp.Matrix([[6, 6], [8, 7]]))]
    C["$$A_{1,1} ="] = [(Av[1, 1].subs(num), R(1, 9) * (1 + 4 + 2 + 4 + 5 + 3 + 0 + 2 + 6)), (R(27, 9), I(3))]
    C["$$g^M_{3,3} ="] = [(gMn[3, 3], Gn[1, 1] + Gn[1, 2]), (I(2 - 1), I(1))]
    C["$$g^M_{4,2} ="] = [(gMn[4, 2], Gn[2, 1]), (Gn[2, 1], I(3))]
    C["$$g^M_{5,1} ="] = [(gMn[5, 1], Gn[2, 1]), (Gn[2, 1], I(3))]
    C["$$g^M_{5,4} ="] = [(gMn[5, 4], Gn[2, 2]), (Gn[2, 2], I(1))]
    C["$$g^A_{1,1} ="] = [(gAn[1, 1], Hn[1, 1] / 9), (Hn[1, 1] / 9, I(1))]
    C["$$g^A_{3,3} ="] = [(gAn[3, 3], sum(Hn.values()) / 9), (R(18, 9), I(2))]
    C["$$g^A_{3,1} ="] = [(gAn[3, 1], Hn[1, 1] / 9), (Hn[1, 1] / 9, I(1))]
    C["$$g^A_{5,5} ="] = [(gAn[5, 5], Hn[2, 2]), (Hn[2, 2], I(18))]
    C["g^A_{i,j} = \\sum_{r,s} H_{r,s} = 18"] = [(sum(gAn.values()), sum(Hn.values())), (sum(Hn.values()), I(18))]
    C["partial X_{3,3}} = g^M_{3,3}"] = [(gMn[3, 3] + gAn[3, 3], I(1) + I(2)), (I(3), I(3))]
    # self-check: the switch rule agrees with sympy.diff of Max at random points
    pts = draw(list(X.values()) + list(G.values()) + list(H.values()), 4)
    for pt in pts:
        vals = {q: float(pt[X[q]]) for q in X}
        sws = {rs: first_max_switch(vals, *rs) for rs in G}
        for q in X:
            want = sum(float(pt[G[rs]]) for rs in G if sws[rs] == q)
            got = values(gM[q], [pt])[0]
            assert abs(want - got) < 1e-9, ("switch rule disagrees with sympy.diff", q)
    return C, pts


# ---------------------------------------------------------------- 06: batch normalization (training), N = 3, 2 features

def f06():
    N = 3
    x = {(i, j): S(f"x_{i}_{j}") for i in (1, 2, 3) for j in (1, 2)}
    g = {(i, j): S(f"g_{i}_{j}") for i in (1, 2, 3) for j in (1, 2)}
    gam = {j: S(f"gamma_{j}") for j in (1, 2)}; bet = {j: S(f"beta_{j}") for j in (1, 2)}
    eps = S("eps")
    mu = {j: sum(x[i, j] for i in (1, 2, 3)) / N for j in (1, 2)}
    var_of = lambda j, m: sum((x[i, j] - m) ** 2 for i in (1, 2, 3)) / N
    var = {j: var_of(j, mu[j]) for j in (1, 2)}
    sq = {j: sp.sqrt(var[j] + eps) for j in (1, 2)}
    xh = {(i, j): (x[i, j] - mu[j]) / sq[j] for (i, j) in x}
    L = sum(g[q] * (gam[q[1]] * xh[q] + bet[q[1]]) for q in x)
    # the graph's nodes on fresh symbols: xhat (free), mu and var (free), var as a function of mu
    XH = {q: S(f"XH_{q[0]}_{q[1]}") for q in x}
    L_of_xh = sum(g[q] * (gam[q[1]] * XH[q] + bet[q[1]]) for q in x)
    dxh = {q: sp.diff(L_of_xh, XH[q]).subs({XH[r]: xh[r] for r in x}) for q in x}
    mS = {j: S(f"MU_{j}") for j in (1, 2)}; vS = {j: S(f"VAR_{j}") for j in (1, 2)}
    L_mv = sum(g[i, j] * (gam[j] * (x[i, j] - mS[j]) / sp.sqrt(vS[j] + eps) + bet[j]) for (i, j) in x)
    back = lambda e: e.subs({**{mS[j]: mu[j] for j in (1, 2)}, **{vS[j]: var[j] for j in (1, 2)}})
    dvar = {j: back(sp.diff(L_mv, vS[j])) for j in (1, 2)}
    dmu = {j: back(sp.diff(L_mv.subs(vS[j], var_of(j, mS[j])), mS[j])) for j in (1, 2)}
    dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["partial \\beta_j} ="] = [(sp.diff(L, bet[j]), sum(g[i, j] for i in (1, 2, 3))) for j in (1, 2)]
    C["partial \\gamma_j} ="] = [(sp.diff(L, gam[j]), sum(g[i, j] * x[i, j] for i in (1, 2, 3))) for j in (1, 2)]
    C["partial \\hat x_{i,j}} = \\gamma_j"] = [(dxh[q], gam[q[1]] * g[q]) for q in x]
    C["partial \\sigma_j^2} = \\frac12"] = [(dvar[j], R(1, 2) * (var[j] + eps) ** R(-3, 2)
                                             * sum(dxh[i, j] * (x[i, j] - mu[j]) for i in (1, 2, 3))) for j in (1, 2)]
    C["\\cdot\\frac{-2}{N}"] = [(dmu[j], -1 / sq[j] * sum(dxh[i, j] for i in (1, 2, 3))
                                 + dvar[j] * R(-2, N) * sum(x[i, j] - mu[j] for i in (1, 2, 3))) for j in (1, 2)]
    C["Só que $\\sum_{i=1}^{N}(x_{i,j}-\\mu_j) = 0$"] = [(sum(x[i, j] - mu[j] for i in (1, 2, 3)), sp.Integer(0)) for j in (1, 2)]
    C["\\frac{\\partial L}{\\partial \\hat x_{i,j}}$$"] = [(dmu[j], -1 / sq[j] * sum(dxh[i, j] for i in (1, 2, 3))) for j in (1, 2)]
    C["\\frac{\\partial L}{\\partial \\mu_j}\\,\\frac{1}{N}$$"] = [
        (dx[i, j], dxh[i, j] / sq[j] + dvar[j] * 2 * (x[i, j] - mu[j]) / N + dmu[j] / N) for (i, j) in x]
    C["\\frac{\\gamma_j}{N\\sqrt"] = [(dx[i, j], gam[j] / (N * sq[j]) * (N * g[i, j] - sum(g[k, j] for k in (1, 2, 3))
                                                                       - xh[i, j] * sum(g[k, j] * xh[k, j] for k in (1, 2, 3))))
                                      for (i, j) in x]
    C["partial x_{2,1}} ="] = [(dx[2, 1], gam[1] / (3 * sq[1]) * (3 * g[2, 1] - (g[1, 1] + g[2, 1] + g[3, 1])
                                                                    - (g[1, 1] * xh[1, 1] + g[2, 1] * xh[2, 1] + g[3, 1] * xh[3, 1])))]
    C["partial x_{i,j}} = 0$$"] = [(sum(dx[i, j] for i in (1, 2, 3)), sp.Integer(0)) for j in (1, 2)]

    def choose(pt):
        pt[eps] = sp.Float(rng.uniform(0.001, 0.5))
    return C, draw(list(x.values()) + list(g.values()) + list(gam.values()) + list(bet.values()) + [eps], 6, choose)


# ---------------------------------------------------------------- 07: im2col, 5x5, two 3x3 filters, stride 2, bias, 0-based

def f07():
    X = grid("X", 5, 5, 0)
    W = {(o, p, q): S(f"W_{o}_{p}_{q}") for o in (0, 1) for p in range(3) for q in range(3)}
    G = {(o, i, j): S(f"G_{o}_{i}_{j}") for o in (0, 1) for i in (0, 1) for j in (0, 1)}
    b = {o: S(f"b_{o}") for o in (0, 1)}
    Y = {(o, i, j): b[o] + sum(W[o, p, q] * X[2 * i + p, 2 * j + q] for p in range(3) for q in range(3)) for (o, i, j) in G}
    L = sum(G[k] * Y[k] for k in G)
    cols = sp.Matrix(9, 4, lambda r, c: X[2 * (c // 2) + r // 3, 2 * (c % 2) + r % 3])
    Wm = sp.Matrix(2, 9, lambda o, r: W[o, r // 3, r % 3])
    Ym = sp.Matrix(2, 4, lambda o, c: Y[o, c // 2, c % 2])
    dYm = sp.Matrix(2, 4, lambda o, c: G[o, c // 2, c % 2])
    bv = sp.Matrix([b[0], b[1]])
    Cs = sp.Matrix(9, 4, lambda r, c: S(f"C_{r}_{c}"))
    L_of_C = sum(dYm[o, c] * ((Wm * Cs)[o, c] + b[o]) for o in (0, 1) for c in range(4))
    dC = Cs.applyfunc(lambda v: sp.diff(L_of_C, v)).subs(dict(zip(list(Cs), list(cols))))
    dX = {q: sp.diff(L, X[q]) for q in X}
    C = {}
    C["\\mathrm{cols}[4,3] ="] = [(cols[4, 3], X[3, 3])]
    C["\\mathrm{cols}[5,1] ="] = [(cols[5, 1], X[1, 4])]
    C["\\mathrm{cols}[6,2] ="] = [(cols[6, 2], X[3, 0])]
    C["$$Y_m = W_m"] = [(Ym, Wm * cols + bv * sp.ones(1, 4))]
    C["partial W_m} ="] = [(Wm.applyfunc(lambda v: sp.diff(L, v)), cols * dYm.T)]
    C["partial b} = dY_m"] = [(bv.applyfunc(lambda v: sp.diff(L, v)), dYm * sp.ones(4, 1))]
    C["partial\\,\\mathrm{cols}} = W_m^{\\top}"] = [(dC, Wm.T * dYm)]
    C["partial W[1,0,2]} ="] = [(sp.diff(L, W[1, 0, 2]), sum(G[1, i, j] * X[2 * i, 2 * j + 2] for i in (0, 1) for j in (0, 1)))]
    C["partial X[a,c]} ="] = [(dX[a, c], sum(dC[3 * p + q, 2 * i + j] for p in range(3) for q in range(3) for i in (0, 1)
                                             for j in (0, 1) if 2 * i + p == a and 2 * j + q == c)) for (a, c) in X]
    mid = dC[8, 0] + dC[6, 1] + dC[2, 2] + dC[0, 3]
    C["partial X[2,2]} ="] = [(dX[2, 2], mid), (mid, sum(G[o, 0, 0] * W[o, 2, 2] + G[o, 0, 1] * W[o, 2, 0] + G[o, 1, 0] * W[o, 0, 2]
                                                       + G[o, 1, 1] * W[o, 0, 0] for o in (0, 1)))]
    C["partial X[1,3]} ="] = [(dX[1, 3], sum(G[o, 0, 1] * W[o, 1, 1] for o in (0, 1)))]
    C["partial X[3,1]} ="] = [(dX[3, 1], G[0, 1, 0] * W[0, 1, 1])]
    C["partial X[4,4]} ="] = [(dX[4, 4], dC[8, 3]), (dC[8, 3], sum(G[o, 1, 1] * W[o, 2, 2] for o in (0, 1)))]
    return C, draw(list(X.values()) + list(W.values()) + list(G.values()) + list(b.values()), 4)


# ---------------------------------------------------------------- 08: batch of 2, 3x3 input, 3x3 kernel, padding 1, bias, 0-based

def f08():
    x = {(n, i, j): S(f"x_{n}_{i}_{j}") for n in (0, 1) for i in range(3) for j in range(3)}
    g = {(n, i, j): S(f"g_{n}_{i}_{j}") for n in (0, 1) for i in range(3) for j in range(3)}
    k = grid("k", 3, 3, 0); b = S("b")
    xz = lambda n, i, j: x.get((n, i, j), 0)
    gz = lambda n, i, j: g.get((n, i, j), 0)
    y = {(n, i, j): b + sum(k[p, q] * xz(n, i + p - 1, j + q - 1) for (p, q) in k) for (n, i, j) in g}
    L = sum(g[q] * y[q] for q in g)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["$$y_{0,0,0} ="] = [(y[0, 0, 0], b + k[1, 1] * x[0, 0, 0] + k[1, 2] * x[0, 0, 1] + k[2, 1] * x[0, 1, 0] + k[2, 2] * x[0, 1, 1])]
    C["$$y_{1,1,1} ="] = [(y[1, 1, 1], b + sum(k[p, q] * x[1, p, q] for (p, q) in k))]
    C["partial k_{p,q}} ="] = [(dk[p, q], sum(g[n, i, j] * xz(n, i + p - 1, j + q - 1) for (n, i, j) in g)) for (p, q) in k]
    C["partial k_{0,0}} ="] = [(dk[0, 0], sum(g[n, 1, 1] * x[n, 0, 0] + g[n, 1, 2] * x[n, 0, 1] + g[n, 2, 1] * x[n, 1, 0]
                                              + g[n, 2, 2] * x[n, 1, 1] for n in (0, 1)))]
    C["partial k_{1,1}} ="] = [(dk[1, 1], sum(g[q] * x[q] for q in g))]
    C["partial k_{2,1}} ="] = [(dk[2, 1], sum(g[0, i, j] * x[0, i + 1, j] for i in (0, 1) for j in range(3)))]
    C["partial b} ="] = [(sp.diff(L, b), R(1, 2) * sum(g.values()))]
    C["partial x_{n,a,c}} ="] = [(dx[n, a, c], sum(gz(n, a - p + 1, c - q + 1) * k[p, q] for (p, q) in k)) for (n, a, c) in x]
    C["partial x_{0,0,0}} ="] = [(dx[0, 0, 0], g[0, 1, 1] * k[0, 0] + g[0, 1, 0] * k[0, 1] + g[0, 0, 1] * k[1, 0] + g[0, 0, 0] * k[1, 1])]
    C["partial x_{1,2,2}} ="] = [(dx[1, 2, 2], g[1, 2, 2] * k[0, 0] + g[1, 2, 1] * k[0, 1] + g[1, 1, 2] * k[1, 0] + g[1, 1, 1] * k[1, 1])]
    C["partial x_{0,2,0}} ="] = [(dx[0, 2, 0], g[0, 2, 1] * k[1, 0] + g[0, 2, 0] * k[1, 1] + g[0, 1, 1] * k[2, 0] + g[0, 1, 0] * k[2, 1])]
    C["partial x_{1,1,1}} ="] = [(dx[1, 1, 1], sum(g[1, 2 - p, 2 - q] * k[p, q] for (p, q) in k))]
    return C, draw(list(x.values()) + list(g.values()) + list(k.values()) + [b], 4)


# ---------------------------------------------------------------- 09: dense + tanh + dense + leaky relu + dense + sigmoid + squared error

def f09():
    x = sp.Matrix(3, 1, lambda i, j: S(f"x_{i + 1}"))
    W1 = sp.Matrix(2, 3, lambda i, j: S(f"W1_{i + 1}{j + 1}")); b1 = sp.Matrix(2, 1, lambda i, j: S(f"b1_{i + 1}"))
    W2 = sp.Matrix(2, 2, lambda i, j: S(f"W2_{i + 1}{j + 1}")); b2 = sp.Matrix(2, 1, lambda i, j: S(f"b2_{i + 1}"))
    w3 = sp.Matrix(1, 2, lambda i, j: S(f"w3_{j + 1}")); b3 = S("b3"); t = S("t"); zz = S("zz")
    f = lambda z: sp.Piecewise((z, z > 0), (R(1, 100) * z, True))
    fp = lambda z: sp.Piecewise((1, z > 0), (R(1, 100), True))
    z1 = W1 * x + b1; h1 = z1.applyfunc(sp.tanh); z2 = W2 * h1 + b2; h2 = z2.applyfunc(f)
    z3 = (w3 * h2)[0] + b3; yh = sigmoid(z3); L = (yh - t) ** 2
    L_of_yh = lambda Y: (Y - t) ** 2
    L_of_z3 = lambda Z: L_of_yh(sigmoid(Z))
    L_of_h2 = lambda H: L_of_z3((w3 * sp.Matrix(H))[0] + b3)
    L_of_z2 = lambda Z: L_of_h2([f(v) for v in Z])
    L_of_z1 = lambda Z: L_of_z2(list(W2 * sp.Matrix([sp.tanh(v) for v in Z]) + b2))
    dyh = sp.diff(L_of_yh(S("YH")), S("YH")).subs(S("YH"), yh)
    d3 = sp.diff(L_of_z3(S("Z3")), S("Z3")).subs(S("Z3"), z3)
    dh2 = sp.Matrix(grad_at(L_of_h2, 2, list(h2), "H2"))
    d2 = sp.Matrix(grad_at(L_of_z2, 2, list(z2), "Z2"))
    d1 = sp.Matrix(grad_at(L_of_z1, 2, list(z1), "Z1"))
    Dm = lambda Mx: Mx.applyfunc(lambda v: sp.diff(L, v))
    C = {}
    C["\\pdd{L}{\\yh} &="] = [(dyh, 2 * (yh - t))]
    C["\\delta^{(3)} &="] = [(d3, 2 * (yh - t))]
    C["\\pdd{L}{w^{(3)}} &="] = [(Dm(w3), d3 * h2.T)]
    C["\\pdd{L}{b^{(3)}} &="] = [(sp.diff(L, b3), d3)]
    C["f'(z) = \\begin{cases}"] = [(sp.diff(f(zz), zz), fp(zz))]
    C["\\pdd{L}{h^{(2)}} &="] = [(dh2, w3.T * d3)]
    C["\\delta^{(2)} &="] = [(d2, (w3.T * d3).multiply_elementwise(z2.applyfunc(fp)))]
    C["\\pdd{L}{W^{(2)}} &="] = [(Dm(W2), h1 * d2.T)]
    C["\\pdd{L}{W^{(2)}_{1,2}} &="] = [(sp.diff(L, W2[0, 1]), d2[0] * h1[1])]
    C["\\delta^{(1)} &="] = [(d1, (W2.T * d2).multiply_elementwise(h1.applyfunc(lambda v: 1 - v ** 2)))]
    C["\\delta^{(1)}_2 &="] = [(d1[1], (1 - h1[1] ** 2) * (W2[0, 1] * d2[0] + W2[1, 1] * d2[1]))]
    C["\\pdd{L}{W^{(1)}} &="] = [(Dm(W1), d1 * x.T)]
    C["\\pdd{L}{W^{(1)}_{1,2}} &="] = [(sp.diff(L, W1[0, 1]), d1[1] * x[0])]
    C["\\pdd{L}{x} &="] = [(Dm(x), W1.T * d1)]
    syms = list(x) + list(W1) + list(b1) + list(W2) + list(b2) + list(w3) + [b3, t, zz]
    return C, draw(syms, 12)


# ---------------------------------------------------------------- 10: batch of 2, dense 3 -> 3, softmax cross-entropy (mean)

def f10():
    N = 2
    xs = {n: sp.Matrix(3, 1, lambda i, j: S(f"x{n}_{i + 1}")) for n in (1, 2)}
    ys = {n: sp.Matrix(3, 1, lambda i, j: S(f"y{n}_{i + 1}")) for n in (1, 2)}
    W = sp.Matrix(3, 3, lambda i, j: S(f"W_{i + 1}{j + 1}")); b = sp.Matrix(3, 1, lambda i, j: S(f"b_{i + 1}"))
    z = {n: W * xs[n] + b for n in (1, 2)}
    p = {n: sp.Matrix(softmax(list(z[n]))) for n in (1, 2)}
    ell_of_p = lambda n: (lambda P: -sum(ys[n][k] * sp.log(P[k]) for k in range(3)))
    ell_of_z = lambda n: (lambda Z: ell_of_p(n)(softmax(Z)))
    ell = {n: ell_of_p(n)(list(p[n])) for n in (1, 2)}
    L = (ell[1] + ell[2]) / N
    Zs = [S(f"Z_{i}") for i in range(3)]
    J = {n: sp.Matrix(softmax(Zs)).jacobian(Zs).subs(dict(zip(Zs, z[n]))) for n in (1, 2)}
    u = {n: sp.Matrix(grad_at(ell_of_p(n), 3, list(p[n]), "P")) for n in (1, 2)}
    dl = {n: sp.Matrix(grad_at(ell_of_z(n), 3, list(z[n]), "ZZ")) for n in (1, 2)}
    Lz = lambda Z1, Z2: (ell_of_z(1)(Z1) + ell_of_z(2)(Z2)) / N
    A1 = [S(f"A1_{i}") for i in range(3)]; A2 = [S(f"A2_{i}") for i in range(3)]
    dLz = {1: sp.Matrix([sp.diff(Lz(A1, A2), a) for a in A1]), 2: sp.Matrix([sp.diff(Lz(A1, A2), a) for a in A2])}
    sub = {**dict(zip(A1, z[1])), **dict(zip(A2, z[2]))}
    dLz = {n: dLz[n].subs(sub) for n in (1, 2)}
    Dm = lambda Mx: Mx.applyfunc(lambda v: sp.diff(L, v))
    kd = lambda i, j: int(i == j)
    ns = (1, 2)
    one = sp.ones(3, 1)
    C = {}
    C["= p_i\\left(\\delta_{ij} - p_j"] = [(J[n][i, j], p[n][i] * (kd(i, j) - p[n][j])) for n in ns for i in range(3) for j in range(3)]
    C["partial p_1}{\\partial z_3} ="] = [(J[n][0, 2], -p[n][0] * p[n][2]) for n in ns]
    C["partial p_2}{\\partial z_2} ="] = [(J[n][1, 1], p[n][1] - p[n][1] ** 2) for n in ns]
    C["partial p_3}{\\partial z_1} ="] = [(J[n][2, 0], p[n][2] * p[n][0]) for n in ns]
    C["$$J = \\frac"] = [(J[n], sp.diag(*p[n]) - p[n] * p[n].T) for n in ns]
    C["\\sum_{i=1}^{3}\\frac{\\partial p_i}{\\partial z_j} = 0"] = [(sum(J[n][i, j] for i in range(3)), sp.Integer(0))
                                                                    for n in ns for j in range(3)]
    C["$$u = \\frac"] = [(u[n], -ys[n].multiply_elementwise(p[n].applyfunc(lambda v: 1 / v))) for n in ns]
    pairs = []
    for n in ns:
        ptu = (p[n].T * u[n])[0]
        pairs += [(ptu, -sum(ys[n])), (-sum(ys[n]), sp.Integer(-1))]
    C["poi $p^\\top u ="] = pairs
    pairs = []
    for n in ns:
        ptu = (p[n].T * u[n])[0]
        jtu = J[n].T * u[n]
        mid = p[n].multiply_elementwise(u[n] - ptu * one)
        pairs += [(dl[n], jtu), (jtu, mid), (mid, p[n] - ys[n])]
    C["partial \\ell}{\\partial z} ="] = pairs
    C["partial z^{(n)}} ="] = [(dLz[n], p[n] - ys[n]) for n in ns]
    C["partial L}{\\partial W} ="] = [(Dm(W), sum(((p[n] - ys[n]) * xs[n].T for n in ns), sp.zeros(3, 3)) / N)]
    C["partial L}{\\partial b} ="] = [(Dm(b), sum(((p[n] - ys[n]) for n in ns), sp.zeros(3, 1)) / N)]
    C["partial W_{2,3}} ="] = [(sp.diff(L, W[1, 2]), R(1, 2) * sum((p[n][2] - ys[n][2]) * xs[n][1] for n in ns))]
    C["partial x^{(1)}} ="] = [(Dm(xs[1]), R(1, 2) * W.T * (p[1] - ys[1]))]
    syms = list(xs[1]) + list(xs[2]) + list(W) + list(b)
    return C, draw(syms, 6, choose=onehot([list(ys[1]), list(ys[2])]))


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
