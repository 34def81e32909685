"""Independent check of key.toml for set heldout17 (SymPy only, no symconv).

Each notes file's layer or network is built here from its definition, differentiated with sympy.diff,
and every keyed claim is written as (left, right) pairs (one per index value and one per link of a
chain) which are compared at random points. The script also finds each claim's line by a text anchor
and requires it to be the keyed line, and checks that every displayed line holding "=" is keyed once
(as a claim or a definition). Exit 0 only if every verdict and line matches.
"""
import math
import os
import random
import sys
import tomllib

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(17)
S = sp.Symbol
R = sp.Rational


def mat(name, rows, cols, base=1):
    """dict (i, j) -> symbol, indices from base."""
    return {(i, j): S(f"{name}_{i}_{j}") for i in range(base, base + rows) for j in range(base, base + cols)}


def vec(name, n, base=1):
    return {i: S(f"{name}_{i}") for i in range(base, base + n)}


def ind(cond):
    return sp.Piecewise((1, cond), (0, True))


# ---------------------------------------------------------------- comparison

def as_list(e):
    if isinstance(e, sp.MatrixBase):
        return e.shape, list(e)
    return None, [e]


_HEAVI = {"Heaviside": lambda v, h0=0.5: 1.0 if v > 0 else (0.0 if v < 0 else h0), "Max": max, "Min": min}


def num(e, pt):
    """value of e at the point pt (a dict symbol -> float), through lambdify."""
    e = sp.sympify(e)
    syms = sorted(e.free_symbols, key=str)
    f = sp.lambdify(syms, e, modules=[_HEAVI, "math"])
    return float(f(*[float(pt[s]) for s in syms]))


def pair_equal(a, b, points):
    sa, la = as_list(a)
    sb, lb = as_list(b)
    if sa != sb:
        return False
    for pt in points:
        for x, y in zip(la, lb):
            vx, vy = num(x, pt), num(y, pt)
            if abs(vx - vy) > 1e-8 * (1 + abs(vx)):
                return False
    return True


def draw(symbols, n, positive=(), choose=None):
    pts = []
    for _ in range(n):
        pt = {}
        for s in symbols:
            if s in positive:
                pt[s] = sp.Float(rng.uniform(0.1, 1.0))
            else:
                pt[s] = sp.Float(rng.uniform(-2, 2))
        if choose:
            choose(pt)
        pts.append(pt)
    return pts


# ---------------------------------------------------------------- files

def f01():
    x = mat("x", 4, 4, 0); w = mat("w", 2, 2, 0); dy = mat("dy", 2, 2, 0); b = S("b")
    y = {(i, j): sum(x[2 * i + p, 2 * j + q] * w[p, q] for p in range(2) for q in range(2)) + b
         for i in range(2) for j in range(2)}
    L = sum(dy[k] * y[k] for k in y)
    dw = {k: sp.diff(L, w[k]) for k in w}; dx = {k: sp.diff(L, x[k]) for k in x}; db = sp.diff(L, b)
    C = {}
    C["$$y[1, 0] ="] = [(y[1, 0], x[2, 0] * w[0, 0] + x[2, 1] * w[0, 1] + x[3, 0] * w[1, 0] + x[3, 1] * w[1, 1] + b)]
    C["$$y[0, 1] ="] = [(y[0, 1], x[0, 1] * w[0, 0] + x[0, 2] * w[0, 1] + x[1, 1] * w[1, 0] + x[1, 2] * w[1, 1] + b)]
    C["$$dw[p, q] ="] = [(dw[p, q], sum(dy[i, j] * x[2 * i + p, 2 * j + q] for i in range(2) for j in range(2)))
                         for p in range(2) for q in range(2)]
    C["$$dw[0, 1] ="] = [(dw[0, 1], dy[0, 0] * x[0, 1] + dy[0, 1] * x[0, 3] + dy[1, 0] * x[2, 1] + dy[1, 1] * x[2, 3])]
    C["$$dw[1, 1] ="] = [(dw[1, 1], dy[0, 0] * x[1, 1] + dy[0, 1] * x[1, 2] + dy[1, 0] * x[2, 1] + dy[1, 1] * x[2, 2])]
    s = sum(dy.values())
    C["$$db ="] = [(db, s), (s, dy[0, 0] + dy[0, 1] + dy[1, 0] + dy[1, 1])]
    C["$$dx[i, j] ="] = [(dx[i, j], dy[i // 2, j // 2] * w[i % 2, j % 2]) for i in range(4) for j in range(4)]
    C["$$dx[3, 2] ="] = [(dx[3, 2], dy[1, 1] * w[1, 0])]
    C["$$dx[2, 1] ="] = [(dx[2, 1], dy[1, 0] * w[0, 1])]
    C["$$dx[1, 3] ="] = [(dx[1, 3], dy[0, 1] * w[1, 1])]
    C["$$dx[2, 3] ="] = [(dx[2, 3], dy[1, 1] * w[1, 0])]
    C["$$dx[0{:}2,"] = [(dx[i, j], dy[0, 0] * w[i, j]) for i in range(2) for j in range(2)]
    syms = list(x.values()) + list(w.values()) + list(dy.values()) + [b]
    return C, draw(syms, 4)


def f02():
    V = {(l, j, k): S(f"V_{l}_{j}_{k}") for l in (1, 2) for j in (1, 2, 3) for k in (1, 2, 3)}
    K = {(l, m, n): S(f"K_{l}_{m}_{n}") for l in (1, 2) for m in (1, 2) for n in (1, 2)}
    G = mat("G", 2, 2)
    Kz = lambda l, m, n: K.get((l, m, n), 0)
    Gz = lambda j, k: G.get((j, k), 0)
    Z = {(j, k): sum(V[l, j + m - 1, k + n - 1] * K[l, m, n] for l in (1, 2) for m in (1, 2) for n in (1, 2))
         for j in (1, 2) for k in (1, 2)}
    J = sum(G[q] * Z[q] for q in Z)
    dK = {q: sp.diff(J, K[q]) for q in K}; dV = {q: sp.diff(J, V[q]) for q in V}
    C = {}
    C["$$Z_{1,1,2} ="] = [(Z[1, 2], sum(V[l, m, n + 1] * K[l, m, n] for l in (1, 2) for m in (1, 2) for n in (1, 2)))]
    C["$$Z_{1,2,1} ="] = [(Z[2, 1], V[1, 2, 1] * K[1, 1, 1] + V[1, 2, 2] * K[1, 1, 2] + V[1, 3, 1] * K[1, 2, 1]
                           + V[1, 3, 2] * K[1, 2, 2] + V[2, 2, 1] * K[2, 1, 1] + V[2, 2, 2] * K[2, 2, 1]
                           + V[2, 3, 1] * K[2, 1, 2] + V[2, 3, 2] * K[2, 2, 2])]
    C["$$g(\\mathsf{G}"] = [(dK[l, m, n], sum(G[j, k] * V[l, j + m - 1, k + n - 1] for j in (1, 2) for k in (1, 2)))
                            for l in (1, 2) for m in (1, 2) for n in (1, 2)]
    C["partial K_{1,2,1,2}} ="] = [(dK[2, 1, 2], G[1, 1] * V[2, 1, 2] + G[1, 2] * V[2, 1, 3] + G[2, 1] * V[2, 2, 2] + G[2, 2] * V[2, 2, 3])]
    C["partial K_{1,1,2,2}} ="] = [(dK[1, 2, 2], G[1, 1] * V[1, 2, 2] + G[1, 2] * V[1, 2, 3] + G[2, 1] * V[1, 3, 2] + G[2, 2] * V[1, 3, 3])]
    C["partial K_{1,2,2,1}} ="] = [(dK[2, 2, 1], G[1, 1] * V[1, 2, 1] + G[1, 2] * V[1, 2, 2] + G[2, 1] * V[1, 3, 1] + G[2, 2] * V[1, 3, 2])]
    C["$$h(\\mathsf{K}"] = [(dV[l, j, k], sum(Gz(m, n) * Kz(l, j - m + 1, k - n + 1) for m in (1, 2) for n in (1, 2)))
                            for l in (1, 2) for j in (1, 2, 3) for k in (1, 2, 3)]
    C["partial V_{1,2,2}} ="] = [(dV[1, 2, 2], G[1, 1] * K[1, 2, 2] + G[1, 2] * K[1, 2, 1] + G[2, 1] * K[1, 1, 2] + G[2, 2] * K[1, 1, 1])]
    C["partial V_{2,1,3}} ="] = [(dV[2, 1, 3], G[1, 2] * K[2, 1, 2])]
    C["partial V_{2,3,1}} ="] = [(dV[2, 3, 1], G[2, 1] * K[2, 1, 2])]
    C["partial V_{1,2,3}} ="] = [(dV[1, 2, 3], G[1, 2] * K[1, 2, 2] + G[2, 2] * K[1, 1, 2])]
    C["partial V_{2,2,2}} ="] = [(dV[2, 2, 2], sum(G[m, n] * K[2, m, n] for m in (1, 2) for n in (1, 2)))]
    syms = list(V.values()) + list(K.values()) + list(G.values())
    return C, draw(syms, 4)


def f03():
    x = sp.Matrix(3, 1, lambda i, j: S(f"x_{i + 1}"))
    W = sp.Matrix(2, 3, lambda i, j: S(f"W_{i + 1}{j + 1}"))
    b = sp.Matrix(2, 1, lambda i, j: S(f"b_{i + 1}"))
    u = sp.Matrix(2, 1, lambda i, j: S(f"u_{i + 1}"))
    c, t = S("c"), S("t")
    Zs = sp.Matrix(2, 1, lambda i, j: S(f"Z_{i + 1}")); Hs = sp.Matrix(2, 1, lambda i, j: S(f"H_{i + 1}")); Ys = S("Y")
    Ly = lambda Y: (Y - t) ** 2 / 2
    Lh = lambda H: Ly((u.T * H)[0] + c)
    Lz = lambda Z: Lh(Z.applyfunc(sp.tanh))
    z = W * x + b; h = z.applyfunc(sp.tanh); y = (u.T * h)[0] + c
    sub_z = dict(zip(Zs, z)); sub_h = dict(zip(Hs, h))
    dLdy = sp.diff(Ly(Ys), Ys).subs(Ys, y)
    dLdh = sp.Matrix([sp.diff(Lh(Hs), s) for s in Hs]).subs(sub_h)
    delta = sp.Matrix([sp.diff(Lz(Zs), s) for s in Zs]).subs(sub_z)
    L = Lz(z)
    vecW = [W[0, 0], W[1, 0], W[0, 1], W[1, 1], W[0, 2], W[1, 2]]  # column-major
    gW = W.applyfunc(lambda s: sp.diff(L, s))
    vec_gW = sp.Matrix([sp.diff(L, s) for s in vecW])
    I2 = sp.eye(2)
    kron = sp.kronecker_product
    hh = sp.Matrix([1 - h[0] ** 2, 1 - h[1] ** 2])
    C = {}
    C["partial \\mathrm{vec}(W)^{\\top}} ="] = [(z.jacobian(vecW), kron(x.T, I2))]
    C["partial z^{\\top}} ="] = [(Zs.applyfunc(sp.tanh).jacobian(Zs).subs(sub_z), sp.diag(*hh))]
    C["partial h^{\\top}} ="] = [(sp.Matrix([(u.T * Hs)[0] + c]).jacobian(Hs), u.T)]
    C["partial L}{\\partial y} ="] = [(dLdy, y - t)]
    C["partial L}{\\partial h} ="] = [(dLdh, u * (y - t))]
    C["$$\\delta = \\mathrm{diag}"] = [(delta, sp.diag(*hh) * u * (y - t)),
                                        (sp.diag(*hh) * u * (y - t), hh.multiply_elementwise(u) * (y - t))]
    # the crossed-out first try, inline in a sentence (the sigmoid's derivative): keyed wrong
    C["(\\mathbf{1} - h) \\odot h \\odot u\\,(y-t)$"] = [(delta, (sp.ones(2, 1) - h).multiply_elementwise(h).multiply_elementwise(u) * (y - t))]
    C["= (x \\otimes I_2)"] = [(vec_gW, kron(x, I2) * delta)]
    C["partial L}{\\partial W} = \\delta"] = [(gW, delta * x.T)]
    C["= (I_2 \\otimes x)"] = [(vec_gW, kron(I2, x) * delta)]
    C["partial L}{\\partial b} ="] = [(b.applyfunc(lambda s: sp.diff(L, s)), delta)]
    C["partial L}{\\partial u} ="] = [(u.applyfunc(lambda s: sp.diff(L, s)), (y - t) * h)]
    C["partial L}{\\partial x} ="] = [(x.applyfunc(lambda s: sp.diff(L, s)), W.T * delta)]
    C["partial W_{21}} ="] = [(gW[1, 0], (1 - h[1] ** 2) * u[1] * (y - t) * x[0])]
    C["partial W_{12}} ="] = [(gW[0, 1], (1 - h[0] ** 2) * u[0] * (y - t) * x[0])]
    C["partial b_2} ="] = [(sp.diff(L, b[1]), (1 - h[1] ** 2) * u[0] * (y - t))]
    C["partial x_3} ="] = [(sp.diff(L, x[2]), W[0, 2] * delta[0] + W[1, 2] * delta[1])]
    syms = list(x) + list(W) + list(b) + list(u) + [c, t]
    return C, draw(syms, 4)


def f04():
    x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c, t = sp.symbols("x1 x2 w11 w12 w21 w22 b1 b2 v1 v2 c t")
    A1 = w11 * x1 + w12 * x2 + b1; A2 = w21 * x1 + w22 * x2 + b2
    s = v1 * sp.tanh(A1) + v2 * sp.tanh(A2) + c
    sig = lambda u: 1 / (1 + sp.exp(-u))
    L = sp.log(1 + sp.exp(s)) - t * s          # BCE on the logit (the net file's loss)
    d = lambda v: sp.diff(L, v)
    E = sig(s) - t; T1 = 1 - sp.tanh(A1) ** 2; T2 = 1 - sp.tanh(A2) ** 2
    C = {}
    C["$$L = -t\\log"] = [(L, -t * sp.log(sig(s)) - (1 - t) * sp.log(1 - sig(s)))]
    C["$$L = (1-t)"] = [(L, (1 - t) * s + sp.log(1 + sp.exp(-s)))]
    C["partial c} ="] = [(d(c), -t * (1 - sig(s)) + (1 - t) * sig(s)), (-t * (1 - sig(s)) + (1 - t) * sig(s), sig(s) - t)]
    C["partial v_1} ="] = [(d(v1), E * sp.tanh(A1))]
    C["partial v_2} ="] = [(d(v2), E * sp.tanh(A1))]
    C["partial b_1} ="] = [(d(b1), E * v1 * T1)]
    C["partial w_{11}} ="] = [(d(w11), E * v1 * T1 * x1)]
    C["partial w_{12}} ="] = [(d(w12), E * v1 * T1 * x2)]
    C["partial w_{21}} ="] = [(d(w21), E * v2 * T2 * x2)]
    C["partial b_2} ="] = [(d(b2), E * v2 * (1 - sp.tanh(A2)) ** 2)]
    C["partial x_1} ="] = [(d(x1), E * (v1 * T1 * w11 + v2 * T2 * w21))]
    C["partial x_2} ="] = [(d(x2), E * (v1 * T1 * w12 + v2 * T2 * w22))]
    syms = [x1, x2, w11, w12, w21, w22, b1, b2, v1, v2, c, t]
    return C, draw(syms, 4)


def f05():
    Xn = [[1, 0, 2, 1, 0], [3, 1, 0, 2, 1], [0, 2, 1, 1, 3], [1, 0, 3, 0, 2], [2, 1, 0, 1, 1]]
    Kn = [[1, -1], [2, 0]]
    xs = mat("x", 5, 5); ks = mat("k", 2, 2); g = mat("g", 2, 2); Ys = mat("Y", 4, 4)
    xnum = {xs[i, j]: Xn[i - 1][j - 1] for (i, j) in xs}; knum = {ks[p, q]: Kn[p - 1][q - 1] for (p, q) in ks}
    conv = lambda X, K: {(i, j): sum(K[p, q] * X[i + p - 1, j + q - 1] for p in (1, 2) for q in (1, 2))
                         for i in range(1, 5) for j in range(1, 5)}
    pool = lambda Y: {(r, s): sp.Max(*[Y[i, j] for i in (2 * r - 1, 2 * r) for j in (2 * s - 1, 2 * s)])
                      for r in (1, 2) for s in (1, 2)}
    LofY = lambda Y: sum(g[q] * pool(Y)[q] for q in g)
    Yn = {q: sp.sympify(v).subs(xnum).subs(knum) for q, v in conv(xs, ks).items()}
    Pn = {q: v for q, v in pool(Yn).items()}
    dY = {q: sp.diff(LofY(Ys), Ys[q]).subs({Ys[r]: Yn[r] for r in Ys}) for q in Ys}
    Lk = LofY(conv({q: xnum[xs[q]] for q in xs}, ks))
    dk = {q: sp.diff(Lk, ks[q]).subs(knum) for q in ks}
    Lx = LofY(conv(xs, {q: knum[ks[q]] for q in ks}))
    dx = {q: sp.diff(Lx, xs[q]).subs(xnum) for q in xs}
    X = lambda i, j: Xn[i - 1][j - 1]
    ce = lambda i: (i + 1) // 2
    C = {}
    C["\\frac{1}{4}\\, g_{"] = [(dY[i, j], g[ce(i), ce(j)] / 4) for (i, j) in Ys]
    Ym = sp.Matrix([[7, 0, 1, 5], [2, 5, 0, 3], [0, 1, 6, -2], [5, -1, 3, 0]])
    C["$$Y = \\begin"] = [(sp.Matrix(4, 4, lambda i, j: Yn[i + 1, j + 1]), Ym)]
    C["$$P = \\begin"] = [(sp.Matrix(2, 2, lambda i, j: Pn[i + 1, j + 1]), sp.Matrix([[7, 5], [5, 6]]))]
    C["\\mathbb{1}\\big["] = [(dY[i, j], g[ce(i), ce(j)] * (1 if Yn[i, j] == Pn[ce(i), ce(j)] else 0)) for (i, j) in Ys]
    C["partial Y} ="] = [(sp.Matrix(4, 4, lambda i, j: dY[i + 1, j + 1]),
                          sp.Matrix([[g[1, 1], 0, 0, g[1, 2]], [0, 0, 0, 0], [0, 0, g[2, 2], 0], [g[2, 1], 0, 0, 0]]))]
    pairs = []
    for (p, q) in ks:
        mid = sum(dY[i, j] * X(i + p - 1, j + q - 1) for (i, j) in Ys)
        pairs += [(dk[p, q], mid), (mid, g[1, 1] * X(p, q) + g[1, 2] * X(p, q + 3) + g[2, 1] * X(p + 3, q) + g[2, 2] * X(p + 2, q + 2))]
    C["partial k_{p,q}} ="] = pairs
    mid = g[1, 1] * X(1, 1) + g[1, 2] * X(1, 4) + g[2, 1] * X(4, 1) + g[2, 2] * X(3, 3)
    C["partial k_{1,1}} ="] = [(dk[1, 1], mid), (mid, g[1, 1] + g[1, 2] + g[2, 1] + g[2, 2])]
    C["partial k_{2,1}} ="] = [(dk[2, 1], 3 * g[1, 1] + 2 * g[1, 2] + 2 * g[2, 1] + 3 * g[2, 2])]
    C["partial k_{2,2}} ="] = [(dk[2, 2], g[1, 1] + g[1, 2] + g[2, 1] + 3 * g[2, 2])]
    C["partial x_{1,1}} ="] = [(dx[1, 1], Kn[0][0] * g[1, 1]), (Kn[0][0] * g[1, 1], g[1, 1])]
    C["partial x_{2,4}} ="] = [(dx[2, 4], 2 * g[1, 2])]
    C["partial x_{3,4}} ="] = [(dx[3, 4], -g[2, 2])]
    C["partial x_{4,3}} ="] = [(dx[4, 3], Kn[0][1] * g[2, 2]), (Kn[0][1] * g[2, 2], -g[2, 2])]
    return C, draw(list(g.values()), 4)


def f06():
    x = mat("x", 3, 3); k = mat("k", 3, 3); g = mat("g", 3, 3); b = S("b")
    xz = lambda m, n: x.get((m, n), 0); gz = lambda i, j: g.get((i, j), 0)
    y = {(i, j): b + sum(k[p, q] * xz(i + p - 2, j + q - 2) for p in (1, 2, 3) for q in (1, 2, 3)) for (i, j) in g}
    L = sum(g[q] * y[q] for q in g)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["y_{1,1} = b"] = [(y[1, 1], b + k[2, 2] * x[1, 1] + k[2, 3] * x[1, 2] + k[3, 2] * x[2, 1] + k[3, 3] * x[2, 2])]
    C["y_{2,2} = b"] = [(y[2, 2], b + sum(k[p, q] * x[p, q] for (p, q) in k))]
    C["y_{1,3} = b"] = [(y[1, 3], b + k[2, 1] * x[1, 2] + k[2, 2] * x[1, 3] + k[3, 1] * x[2, 2] + k[3, 2] * x[2, 3])]
    C["partial L}{\\partial b} &="] = [(sp.diff(L, b), sum(g.values()))]
    C["partial k_{p,q}} &="] = [(dk[p, q], sum(g[i, j] * xz(i + p - 2, j + q - 2) for (i, j) in g)) for (p, q) in k]
    C["partial k_{2,2}} ="] = [(dk[2, 2], sum(g[i, j] * x[i, j] for (i, j) in g))]
    C["partial k_{1,1}} &="] = [(dk[1, 1], g[2, 2] * x[1, 1] + g[2, 3] * x[1, 2] + g[3, 2] * x[2, 1] + g[3, 3] * x[2, 2])]
    C["partial k_{1,3}} &="] = [(dk[1, 3], g[2, 2] * x[1, 2] + g[2, 3] * x[1, 3] + g[3, 2] * x[2, 2] + g[3, 3] * x[2, 3])]
    C["partial k_{3,1}} &="] = [(dk[3, 1], g[1, 1] * x[2, 1] + g[1, 2] * x[2, 2] + g[2, 1] * x[3, 1] + g[2, 2] * x[3, 2])]
    C["partial x_{m,n}} ="] = [(dx[m, n], sum(gz(m - p + 2, n - q + 2) * k[p, q] for (p, q) in k)) for (m, n) in x]
    C["partial x_{2,2}} ="] = [(dx[2, 2], sum(g[4 - p, 4 - q] * k[p, q] for (p, q) in k))]
    C["partial x_{1,1}} &="] = [(dx[1, 1], g[1, 1] * k[2, 2] + g[1, 2] * k[2, 1] + g[2, 1] * k[1, 2] + g[2, 2] * k[1, 1])]
    C["partial x_{1,3}} &="] = [(dx[1, 3], g[1, 2] * k[2, 3] + g[1, 3] * k[2, 2] + g[2, 2] * k[1, 3] + g[2, 3] * k[1, 2])]
    C["partial x_{3,1}} &="] = [(dx[3, 1], g[3, 1] * k[1, 1] + g[3, 2] * k[1, 2] + g[2, 1] * k[2, 1] + g[2, 2] * k[2, 2])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()) + [b], 4)


def f07():
    x = mat("x", 5, 5); k = mat("k", 2, 2); g = mat("g", 3, 3)
    y = {(i, j): sum(k[p, q] * x[i + 2 * (p - 1), j + 2 * (q - 1)] for (p, q) in k) for (i, j) in g}
    L = sum(g[q] * y[q] for q in g)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["$$y_{1,1} ="] = [(y[1, 1], k[1, 1] * x[1, 1] + k[1, 2] * x[1, 3] + k[2, 1] * x[3, 1] + k[2, 2] * x[3, 3])]
    C["$$y_{2,3} ="] = [(y[2, 3], k[1, 1] * x[2, 3] + k[1, 2] * x[2, 5] + k[2, 1] * x[4, 3] + k[2, 2] * x[4, 5])]
    C["$$y_{3,2} ="] = [(y[3, 2], k[1, 1] * x[3, 2] + k[1, 2] * x[3, 3] + k[2, 1] * x[4, 2] + k[2, 2] * x[4, 3])]
    C["partial k_{p,q}} ="] = [(dk[p, q], sum(g[i, j] * x[i + 2 * p - 2, j + 2 * q - 2] for (i, j) in g)) for (p, q) in k]
    C["partial k_{1,2}} ="] = [(dk[1, 2], sum(g[i, j] * x[i, j + 2] for (i, j) in g))]
    C["partial k_{2,1}} ="] = [(dk[2, 1], sum(g[i, j] * x[i + 1, j] for (i, j) in g))]
    C["partial x_{3,3}} ="] = [(dx[3, 3], g[1, 1] * k[2, 2] + g[1, 3] * k[2, 1] + g[3, 1] * k[1, 2] + g[3, 3] * k[1, 1])]
    C["partial x_{1,1}} ="] = [(dx[1, 1], g[1, 1] * k[1, 1])]
    C["partial x_{2,2}} ="] = [(dx[2, 2], g[2, 2] * k[1, 1])]
    C["partial x_{3,5}} ="] = [(dx[3, 5], g[3, 3] * k[1, 2] + g[1, 3] * k[2, 2])]
    C["partial x_{4,3}} ="] = [(dx[4, 3], g[2, 3] * k[2, 1])]
    C["partial x_{5,5}} ="] = [(dx[5, 5], g[3, 3] * k[2, 2])]
    C["partial x_{2,4}} ="] = [(dx[2, 4], g[2, 2] * k[1, 2])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()), 4)


def f08():
    x = mat("x", 5, 5); k = mat("k", 2, 2); g = mat("g", 2, 2); b = S("b")
    As = mat("A", 4, 4); Zs = mat("Zs", 4, 4)
    z = {(i, j): sum(k[p, q] * x[i + p - 1, j + q - 1] for (p, q) in k) + b for i in range(1, 5) for j in range(1, 5)}
    pool = lambda A: {(r, s): R(1, 4) * sum(A[i, j] for i in (2 * r - 1, 2 * r) for j in (2 * s - 1, 2 * s)) for (r, s) in g}
    LofA = lambda A: sum(g[q] * pool(A)[q] for q in g)
    LofZ = lambda Z: LofA({q: sp.Max(0, Z[q]) for q in Z})
    L = LofZ(z)
    dA = {q: sp.diff(LofA(As), As[q]) for q in As}            # pooling is linear: no substitution needed
    dZ = {q: sp.diff(LofZ(Zs), Zs[q]).subs({Zs[r]: z[r] for r in Zs}) for q in Zs}
    dz = lambda i, j: dZ.get((i, j), 0)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    ce = lambda i: (i + 1) // 2
    pos = lambda q: ind(z[q] > 0)
    C = {}
    C["partial a_{i,j}} ="] = [(dA[i, j], g[ce(i), ce(j)] / 4) for (i, j) in As]
    C["partial a_{3,2}} ="] = [(dA[3, 2], g[2, 1] / 4)]
    C["partial a_{2,3}} ="] = [(dA[2, 3], g[1, 1] / 4)]
    C["partial z_{i,j}} ="] = [(dZ[i, j], g[ce(i), ce(j)] / 4 * pos((i, j))) for (i, j) in Zs]
    C["partial z_{4,4}} ="] = [(dZ[4, 4], g[2, 2] / 4 * ind(z[4, 4] < 0))]
    C["partial L}{\\partial b} ="] = [(sp.diff(L, b), R(1, 4) * sum(g[ce(i), ce(j)] * pos((i, j)) for (i, j) in Zs))]
    C["partial k_{p,q}} ="] = [(dk[p, q], R(1, 4) * sum(g[ce(i), ce(j)] * pos((i, j)) * x[i + p - 1, j + q - 1] for (i, j) in Zs))
                               for (p, q) in k]
    C["partial k_{2,1}} ="] = [(dk[2, 1], sum(dZ[i, j] * x[i + 1, j] for (i, j) in Zs))]
    C["partial x_{m,n}} ="] = [(dx[m, n], sum(dz(m - p + 1, n - q + 1) * k[p, q] for (p, q) in k)) for (m, n) in x]
    C["partial x_{1,1}} ="] = [(dx[1, 1], dZ[1, 1] * k[1, 1])]
    C["partial x_{5,5}} ="] = [(dx[5, 5], dZ[4, 4] * k[2, 2])]
    C["partial x_{1,3}} ="] = [(dx[1, 3], dZ[1, 2] * k[1, 2] + dZ[1, 3] * k[1, 1])]
    C["partial x_{3,3}} ="] = [(dx[3, 3], dZ[2, 2] * k[2, 2] + dZ[2, 3] * k[2, 1] + dZ[3, 2] * k[1, 2] + dZ[3, 3] * k[1, 1])]
    C["partial x_{5,2}} ="] = [(dx[5, 2], dZ[4, 1] * k[2, 1] + dZ[4, 2] * k[2, 2])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()) + [b], 12)


def f09():
    x = sp.Matrix(2, 1, lambda i, j: S(f"x_{i + 1}"))
    W1 = sp.Matrix(3, 2, lambda i, j: S(f"W1_{i + 1}{j + 1}")); b1 = sp.Matrix(3, 1, lambda i, j: S(f"b1_{i + 1}"))
    W2 = sp.Matrix(2, 3, lambda i, j: S(f"W2_{i + 1}{j + 1}")); b2 = sp.Matrix(2, 1, lambda i, j: S(f"b2_{i + 1}"))
    y = sp.Matrix(2, 1, lambda i, j: S(f"y_{i + 1}"))
    Ps = sp.Matrix(2, 1, lambda i, j: S(f"P_{i + 1}")); Z2s = sp.Matrix(2, 1, lambda i, j: S(f"Z2_{i + 1}"))
    Hs = sp.Matrix(3, 1, lambda i, j: S(f"H_{i + 1}")); Z1s = sp.Matrix(3, 1, lambda i, j: S(f"Z1_{i + 1}"))
    softmax = lambda Z: sp.Matrix([sp.exp(Z[0]), sp.exp(Z[1])]) / (sp.exp(Z[0]) + sp.exp(Z[1]))
    relu = lambda Z: Z.applyfunc(lambda v: sp.Max(0, v))
    Lp = lambda P: -(y[0] * sp.log(P[0]) + y[1] * sp.log(P[1]))
    Lz2 = lambda Z: Lp(softmax(Z))
    Lh = lambda H: Lz2(W2 * H + b2)
    Lz1 = lambda Z: Lh(relu(Z))
    z1 = W1 * x + b1; h = relu(z1); z2 = W2 * h + b2; p = softmax(z2)
    L = Lz1(z1)
    grad = lambda f, Ss, val: sp.Matrix([sp.diff(f(Ss), s) for s in Ss]).subs(dict(zip(Ss, val)))
    gp = grad(Lp, Ps, p); gz2 = grad(Lz2, Z2s, z2); gh = grad(Lh, Hs, h); gz1 = grad(Lz1, Z1s, z1)
    Jp = softmax(Z2s).jacobian(Z2s).subs(dict(zip(Z2s, z2)))
    Jz2 = (W2 * Hs + b2).jacobian(Hs)
    Jh = relu(Z1s).jacobian(Z1s).subs(dict(zip(Z1s, z1)))
    D = lambda M: M.applyfunc(lambda s: sp.diff(L, s))
    pos = sp.Matrix([ind(z1[i] > 0) for i in range(3)])
    C = {}
    C["$$\\nabla_{\\mathbf{p}} L ="] = [(gp, -sp.Matrix([y[0] / p[0], y[1] / p[1]]))]
    C["$$\\mathbf{J}_{\\mathbf{p}}(\\mathbf{z}^{(2)}) ="] = [(Jp, sp.diag(*p) - p * p.T)]
    C["partial z^{(2)}_2} ="] = [(Jp[0, 1], p[0] * (1 - p[1]))]
    mid = (sp.diag(*p) - p * p.T) * (-sp.Matrix([y[0] / p[0], y[1] / p[1]]))
    C["nabla_{\\mathbf{z}^{(2)}} L ="] = [(gz2, Jp.T * gp), (Jp.T * gp, mid), (mid, p - y)]
    C["nabla_{W^{(2)}} L ="] = [(D(W2), (p - y) * h.T)]
    C["nabla_{\\mathbf{b}^{(2)}} L ="] = [(D(b2), p - y)]
    C["partial W^{(2)}_{21}} ="] = [(sp.diff(L, W2[1, 0]), (p[0] - y[0]) * h[1])]
    C["(\\mathbf{h}) = W^{(2)\\top}"] = [(Jz2, W2.T)]
    C["nabla_{\\mathbf{h}} L ="] = [(gh, W2.T * (p - y))]
    C["(\\mathbf{z}^{(1)}) = \\mathrm{diag}"] = [(Jh, sp.diag(*pos))]
    C["nabla_{\\mathbf{z}^{(1)}} L ="] = [(gz1, pos.multiply_elementwise(W2.T * (p - y)))]
    C["nabla_{W^{(1)}} L ="] = [(D(W1), gz1 * x.T)]
    C["nabla_{\\mathbf{x}} L ="] = [(D(x), W1.T * gz1)]
    C["partial W^{(1)}_{21}} ="] = [(sp.diff(L, W1[1, 0]), pos[1] * (W2[0, 1] * (p[0] - y[0]) + W2[1, 1] * (p[1] - y[1])) * x[0])]
    C["partial b^{(1)}_3} ="] = [(sp.diff(L, b1[2]), pos[2] * sum(W2[k, 2] * (p[k] - y[k]) for k in range(2)))]

    def onehot(pt):
        cls = rng.randrange(2)
        pt[y[0]] = sp.Integer(1 - cls); pt[y[1]] = sp.Integer(cls)
    syms = list(x) + list(W1) + list(b1) + list(W2) + list(b2)
    return C, draw(syms, 16, choose=onehot)


def f10():
    m = 3
    x = [S(f"x_{i}") for i in (1, 2, 3)]; g = [S(f"g_{i}") for i in (1, 2, 3)]
    gam, bet, eps, mus, vs = sp.symbols("gamma beta epsilon MU VAR")
    Xh = [S(f"XH_{i}") for i in (1, 2, 3)]
    mu = sum(x) / m
    var_of = lambda xx, mm: sum((xi - mm) ** 2 for xi in xx) / m
    var = var_of(x, mu)
    sd = sp.sqrt(var + eps)
    xh = [(xi - mu) / sd for xi in x]
    yv = [gam * v + bet for v in xh]
    L = sum(gi * yi for gi, yi in zip(g, yv))
    # L as a function of (x, mu, var): the computational graph's steps
    L_steps = lambda xx, mm, vv: sum(gi * (gam * (xi - mm) / sp.sqrt(vv + eps) + bet) for gi, xi in zip(g, xx))
    at = {mus: mu, vs: var}
    dL_dvar = sp.diff(L_steps(x, mus, vs), vs).subs(at)
    dL_dmu = (sp.diff(L_steps(x, mus, vs), mus) + sp.diff(L_steps(x, mus, vs), vs) * sp.diff(var_of(x, mus), mus)).subs(at)
    dL_dxh = [sp.diff(sum(gi * (gam * h + bet) for gi, h in zip(g, Xh)), h) for h in Xh]
    dx = [sp.diff(L, xi) for xi in x]
    avg = lambda v: sum(v) / m
    gx = [gi * h for gi, h in zip(g, xh)]
    C = {}
    C["partial \\beta} ="] = [(sp.diff(L, bet), sum(g)), (sum(g), 3 * avg(g))]
    C["partial \\gamma} = \\sum_i g_i\\, \\hat"] = [(sp.diff(L, gam), sum(gx)), (sum(gx), 3 * avg(gx))]
    C["partial \\gamma} = \\sum_i g_i\\, y_i"] = [(sp.diff(L, gam), sum(gi * yi for gi, yi in zip(g, yv)))]
    C["partial \\mu}{\\partial x_i} ="] = [(sp.diff(mu, xi), R(1, 3)) for xi in x]
    C["partial \\sigma^2}{\\partial x_i} ="] = [(sp.diff(var, xi), R(2, 3) * (xi - mu)) for xi in x]
    C["partial \\hat{x}_i} ="] = [(dL_dxh[i], gam * g[i]) for i in range(3)]
    C["= -\\frac12\\,(\\sigma^2"] = [(dL_dvar, -R(1, 2) * (var + eps) ** R(-3, 2) * sum(gam * gi * (xi - mu) for gi, xi in zip(g, x)))]
    C["= -(\\sigma^2 + \\epsilon)^{-3/2}"] = [(dL_dvar, -(var + eps) ** R(-3, 2) * gam * sum(gi * (xi - mu) for gi, xi in zip(g, x)))]
    C["partial \\mu} ="] = [(dL_dmu, -gam / sd * sum(g))]
    C["partial x_j} ="] = [(sp.diff(xh[i], x[j]), (int(i == j) - R(1, 3) - R(1, 3) * xh[i] * xh[j]) / sd) for i in range(3) for j in range(3)]
    C["\\Big(g_i - \\langle g \\rangle - \\hat"] = [(dx[i], gam / sd * (g[i] - avg(g) - xh[i] * avg(gx))) for i in range(3)]
    C["\\Big(g_i - \\langle g \\rangle\\Big)"] = [(dx[i], gam / sd * (g[i] - avg(g))) for i in range(3)]
    C["partial x_1} ="] = [(dx[0], gam / (3 * sd) * (2 * g[0] - g[1] - g[2] - xh[0] * sum(gx)))]
    C["$$\\sum_{i=1}^{3} \\frac{\\partial L}{\\partial x_i} = 0"] = [(sum(dx), 0)]
    return C, draw(x + g + [gam, bet, eps], 4, positive=(eps,))


BUILD = {"01": f01, "02": f02, "03": f03, "04": f04, "05": f05, "06": f06, "07": f07, "08": f08, "09": f09, "10": f10}


# ---------------------------------------------------------------- display lines

def display_lines(path):
    """1-based numbers of the displayed lines that hold '=' (fenced code skipped)."""
    lines = open(path, encoding="utf-8").read().split("\n")
    out = []
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
        pos_line = 1
        for idx, seg in enumerate(segs):
            if idx % 2 == 1:
                for off, l in enumerate(seg.split("\n")):
                    if "=" in l and pos_line + off not in out:
                        out.append(pos_line + off)
            pos_line += seg.count("\n")
    else:
        env = False
        for n, line in enumerate(lines, 1):
            s = line.strip()
            if s.startswith("\\[") or s.startswith("\\begin{align") or s.startswith("\\begin{equation"):
                env = True
                continue
            if s.startswith("\\]") or s.startswith("\\end{align") or s.startswith("\\end{equation"):
                env = False
                continue
            if env and "=" in line:
                out.append(n)
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
        disp = display_lines(path)
        for n in disp:
            if (n in keyed) + (n in defs) + (n in nots) != 1:
                print(f"{name}: displayed line {n} with '=' is keyed {(n in keyed) + (n in defs) + (n in nots)} times"); bad += 1
        for n in list(keyed) + list(defs):
            if n not in disp and not ("$" in lines[n - 1] and "=" in lines[n - 1]):  # a claim inline in a sentence
                print(f"{name}: keyed line {n} is not a displayed line with '='"); bad += 1
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
