"""Independent check of key.toml for set heldout18 (SymPy only, no symconv).

Each notes file's layer or network is built here from its definition, differentiated with sympy.diff,
and every keyed claim is written as (left, right) pairs (one per index value and one per link of a
chain; a continuation row `&= ...` of a LaTeX align is its own claim with the row above's left side)
which are compared at random points. Gradients with respect to intermediates (a softmax's p, a hidden
h, a pooling's input) are taken by rebuilding the downstream part on fresh symbols and substituting
the forward values back. The script finds each claim's line by a text anchor and requires it to be the
keyed line, and checks that every line holding "=" inside maths (displayed, or inline $...$) is keyed
exactly once (as a claim, a definition or a not_claim) and that every keyed line is such a line.
Exit 0 only if every verdict and line matches.
"""
import os
import random
import re
import sys
import tomllib

import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))
rng = random.Random(18)
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


# ---------------------------------------------------------------- comparison

def as_list(e):
    if isinstance(e, sp.MatrixBase):
        return e.shape, list(e)
    return None, [e]


_FUNCS = {"Heaviside": lambda v, h0=0.5: 1.0 if v > 0 else (0.0 if v < 0 else h0), "Max": max, "Min": min}


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


def onehot(ys):
    def choose(pt):
        k = rng.randrange(len(ys))
        for i, y in enumerate(ys):
            pt[y] = sp.Integer(int(i == k))
    return choose


# ---------------------------------------------------------------- 01: dilation 2, 0-based

def f01():
    X = grid("X", 6, 6, 0); W = grid("W", 2, 2, 0); G = grid("G", 4, 4, 0); b = S("b")
    Gz = lambda i, j: G.get((i, j), 0)
    Y = {(i, j): b + sum(W[p, q] * X[i + 2 * p, j + 2 * q] for p in range(2) for q in range(2)) for (i, j) in G}
    L = sum(G[k] * Y[k] for k in G)
    dW = {k: sp.diff(L, W[k]) for k in W}; dX = {k: sp.diff(L, X[k]) for k in X}
    C = {}
    C["$$Y_{0,0} ="] = [(Y[0, 0], W[0, 0] * X[0, 0] + W[0, 1] * X[0, 2] + W[1, 0] * X[2, 0] + W[1, 1] * X[2, 2] + b)]
    C["partial W_{p,q}} ="] = [(dW[p, q], sum(G[i, j] * X[i + 2 * p, j + 2 * q] for (i, j) in G)) for (p, q) in W]
    # <G, X[2:6, 2:6]>: NumPy slice, rows and columns 2..5
    C["partial W_{1,1}} ="] = [(dW[1, 1], sum(G[i, j] * X[2 + i, 2 + j] for (i, j) in G))]
    C["partial W_{1,0}} ="] = [(dW[1, 0], sum(G[i, j] * X[i + 2, j] for (i, j) in G))]
    C["partial W_{0,1}} ="] = [(dW[0, 1], sum(G[i, j] * X[i, j + 1] for (i, j) in G))]
    C["partial b} ="] = [(sp.diff(L, b), sum(G.values()))]
    C["partial X_{m,n}} ="] = [(dX[m, n], sum(Gz(m - 2 * p, n - 2 * q) * W[p, q] for (p, q) in W)) for (m, n) in X]
    C["partial X_{0,0}} ="] = [(dX[0, 0], G[0, 0] * W[0, 0])]
    C["partial X_{2,3}} ="] = [(dX[2, 3], G[2, 3] * W[0, 0] + G[2, 1] * W[0, 1] + G[0, 3] * W[1, 0] + G[0, 1] * W[1, 1])]
    C["partial X_{5,4}} ="] = [(dX[5, 4], G[3, 2] * W[1, 1])]
    C["partial X_{4,1}} ="] = [(dX[4, 1], G[3, 1] * W[1, 0] + G[3, 0] * W[1, 1])]
    C["partial X_{1,2}} ="] = [(dX[1, 2], G[1, 2] * W[0, 1] + G[1, 0] * W[0, 0])]
    return C, draw(list(X.values()) + list(W.values()) + list(G.values()) + [b], 4)


# ---------------------------------------------------------------- 02: Nielsen, 3-2-2 sigmoid, half squared error

def f02():
    x = sp.Matrix(3, 1, lambda i, j: S(f"x_{i + 1}"))
    w2 = sp.Matrix(2, 3, lambda i, j: S(f"w2_{i + 1}{j + 1}")); b2 = sp.Matrix(2, 1, lambda i, j: S(f"b2_{i + 1}"))
    w3 = sp.Matrix(2, 2, lambda i, j: S(f"w3_{i + 1}{j + 1}")); b3 = sp.Matrix(2, 1, lambda i, j: S(f"b3_{i + 1}"))
    y = sp.Matrix(2, 1, lambda i, j: S(f"y_{i + 1}"))
    z2 = w2 * x + b2; a2 = z2.applyfunc(sigmoid); z3 = w3 * a2 + b3; a3 = z3.applyfunc(sigmoid)
    C_of_a3 = lambda A: sum((y[i] - A[i]) ** 2 for i in range(2)) / 2
    C_of_z3 = lambda Z: C_of_a3([sigmoid(v) for v in Z])
    C_of_z2 = lambda Z: C_of_z3(list(w3 * sp.Matrix([sigmoid(v) for v in Z]) + b3))
    Cost = C_of_a3(list(a3))
    col = lambda l: sp.Matrix(l)
    gA3 = col(grad_at(C_of_a3, 2, list(a3), "A3"))
    d3 = col(grad_at(C_of_z3, 2, list(z3), "Z3"))
    d2 = col(grad_at(C_of_z2, 2, list(z2), "Z2"))
    sp3 = col([sp.diff(sigmoid(S("u")), S("u")).subs(S("u"), v) for v in z3])
    sp2 = col([sp.diff(sigmoid(S("u")), S("u")).subs(S("u"), v) for v in z2])
    D = lambda M: M.applyfunc(lambda s: sp.diff(Cost, s))
    C = {}
    C["\\nabla_a C &="] = [(gA3, a3 - y)]
    C["\\delta^3 &="] = [(d3, (a3 - y).multiply_elementwise(sp3))]
    C["\\delta^3_j &="] = [(d3[j], (a3[j] - y[j]) * a3[j] * (1 - a3[j])) for j in range(2)]
    C["\\delta^2 &="] = [(d2, (w3.T * d3).multiply_elementwise(sp2))]
    C["\\delta^2_1 &="] = [(d2[0], (w3[0, 0] * d3[0] + w3[0, 1] * d3[1]) * a2[0] * (1 - a2[0]))]
    C["partial w^3_{12}} &="] = [(sp.diff(Cost, w3[0, 1]), a2[1] * d3[0])]
    C["partial w^2_{21}} &="] = [(sp.diff(Cost, w2[1, 0]), x[1] * d2[0])]
    C["partial w^3} &="] = [(D(w3), d3 * a2.T)]
    dw321 = sp.diff(Cost, w3[1, 0])
    # the links: dC/da^3_2, da^3_2/dz^3_2 = sigma'(z^3_2), dz^3_2/dw^3_21 = a^2_1
    C["{\\partial w^3_{21}} \\\\"] = [(dw321, gA3[1] * sp3[1] * a2[0])]
    C["= (a^3_2 - y_2)\\; a^3_2"] = [(dw321, (a3[1] - y[1]) * a3[1] * (1 - a3[1]) * a2[0])]
    db22 = sp.diff(Cost, b2[1])
    # dz^3_j / da^2_2 = w^3_{j2}; da^2_2/dz^2_2 = sigma'(z^2_2); dz^2_2/db^2_2 = 1
    C["\\sum_{j=1}^{2} \\frac{\\partial C}{\\partial z^3_j}"] = [(db22, sum(d3[j] * w3[j, 1] for j in range(2)) * sp2[1])]
    C["= \\big(w^3_{12}\\delta^3_1 + w^3_{22}"] = [(db22, (w3[0, 1] * d3[0] + w3[1, 1] * d3[1]) * a2[0] * (1 - a2[0]))]
    syms = list(x) + list(w2) + list(b2) + list(w3) + list(b3) + list(y)
    return C, draw(syms, 4)


# ---------------------------------------------------------------- 03: batch of 2, leaky relu, MSE mean

def f03():
    N = 2
    X = sp.Matrix(2, 3, lambda i, j: S(f"X_{i + 1}{j + 1}"))
    W1 = sp.Matrix(2, 3, lambda i, j: S(f"W1_{i + 1}{j + 1}")); b1 = sp.Matrix(2, 1, lambda i, j: S(f"b1_{i + 1}"))
    W2 = sp.Matrix(1, 2, lambda i, j: S(f"W2_{i + 1}{j + 1}")); b2 = S("b2")
    Y = sp.Matrix(2, 1, lambda i, j: S(f"Y_{i + 1}"))
    one = sp.ones(2, 1)
    f = lambda z: sp.Piecewise((z, z > 0), (R(1, 10) * z, True))
    fp = lambda z: sp.Piecewise((1, z > 0), (R(1, 10), True))
    Z = X * W1.T + one * b1.T; H = Z.applyfunc(f); Yh = H * W2.T + one * b2
    L_of_Yh = lambda V: sum((V[n] - Y[n]) ** 2 for n in range(2)) / N
    L_of_H = lambda Hs: L_of_Yh(list(sp.Matrix(2, 2, Hs) * W2.T + one * b2))
    L_of_Z = lambda Zs: L_of_H([f(v) for v in Zs])
    L = L_of_Yh(list(Yh))
    dYh = sp.Matrix(grad_at(L_of_Yh, 2, list(Yh), "YH"))
    dH = sp.Matrix(2, 2, grad_at(L_of_H, 4, list(H), "HH"))
    D = sp.Matrix(2, 2, grad_at(L_of_Z, 4, list(Z), "ZZ"))
    Dm = lambda M: M.applyfunc(lambda s: sp.diff(L, s))
    mask = Z.applyfunc(lambda v: ind(v > 0))
    leak = Z.applyfunc(lambda v: ind(v > 0) + R(1, 10) * ind(v <= 0))
    C = {}
    C["partial \\hat Y} ="] = [(dYh, R(2, N) * (Yh - Y))]
    C["partial W_2} ="] = [(Dm(W2), dYh.T * H)]
    C["partial b_2} ="] = [(sp.diff(L, b2), sum(2 * (Yh[n] - Y[n]) for n in range(2)))]
    C["partial H} ="] = [(dH, dYh * W2)]
    C["\\odot \\mathbb{1}[Z > 0]$$"] = [(D, dH.multiply_elementwise(mask))]
    C["+ 0.1\\,\\mathbb{1}[Z \\le 0]"] = [(D, dH.multiply_elementwise(leak))]
    C["= D^\\top X"] = [(Dm(W1), D.T * X)]
    C["partial b_1} = D"] = [(Dm(b1), D)]
    C["$$D_{n,j} ="] = [(D[n, j], R(2, N) * (Yh[n] - Y[n]) * W2[0, j] * fp(Z[n, j])) for n in range(2) for j in range(2)]
    C["partial (W_1)_{2,3}} ="] = [(sp.diff(L, W1[1, 2]), sum(D[n, 1] * X[n, 2] for n in range(2)))]
    C["partial (W_1)_{1,2}} ="] = [(sp.diff(L, W1[0, 1]), D[0, 0] * X[0, 1])]
    C["partial X_{2,1}} ="] = [(sp.diff(L, X[1, 0]), D[1, 0] * W1[0, 0] + D[1, 1] * W1[1, 0])]
    C["partial X_{1,3}} ="] = [(sp.diff(L, X[0, 2]), D[0, 0] * W1[0, 2] + D[0, 1] * W1[1, 2])]
    syms = list(X) + list(W1) + list(b1) + list(W2) + [b2] + list(Y)
    return C, draw(syms, 12)


# ---------------------------------------------------------------- 04: dense 2 -> 3, softmax cross-entropy

def f04():
    x = sp.Matrix(2, 1, lambda i, j: S(f"x_{i + 1}"))
    W = sp.Matrix(3, 2, lambda i, j: S(f"W_{i + 1}{j + 1}")); b = sp.Matrix(3, 1, lambda i, j: S(f"b_{i + 1}"))
    y = sp.Matrix(3, 1, lambda i, j: S(f"y_{i + 1}"))
    z = W * x + b
    p = sp.Matrix(softmax(list(z)))
    L_of_p = lambda P: -sum(y[i] * sp.log(P[i]) for i in range(3))
    L_of_z = lambda Z: L_of_p(softmax(Z))
    L = L_of_p(list(p))
    dp = grad_at(L_of_p, 3, list(p), "P")
    Zs = [S(f"Z_{i}") for i in range(3)]
    J = sp.Matrix(softmax(Zs)).jacobian(Zs).subs(dict(zip(Zs, z)))
    dz = sp.Matrix(grad_at(L_of_z, 3, list(z), "ZZ"))
    Dm = lambda M: M.applyfunc(lambda s: sp.diff(L, s))
    kd = lambda i, j: int(i == j)
    e2 = {y[0]: 0, y[1]: 1, y[2]: 0}
    C = {}
    C["partial p_i} ="] = [(dp[i], -y[i] / p[i]) for i in range(3)]
    C["= p_i(\\delta_{ij} - p_j)"] = [(J[i, j], p[i] * (kd(i, j) - p[j])) for i in range(3) for j in range(3)]
    C["partial p_1}{\\partial z_1} ="] = [(J[0, 0], p[0] * (1 - p[0]))]
    C["partial p_2}{\\partial z_2} ="] = [(J[1, 1], p[1] * (p[1] - 1))]
    C["partial p_3}{\\partial z_2} ="] = [(J[2, 1], p[1] * p[2])]
    C["partial p}{\\partial z} ="] = [(J, sp.diag(*p) - p * p.T)]
    pairs = []
    for j in range(3):
        l1 = sum(dp[i] * J[i, j] for i in range(3))
        l2 = -sum(y[i] * (kd(i, j) - p[j]) for i in range(3))
        pairs += [(dz[j], l1), (l1, l2), (l2, p[j] - y[j])]
    C["partial L}{\\partial z_j} ="] = pairs
    C["partial L}{\\partial z} = p - y"] = [(dz, p - y)]
    C["partial L}{\\partial W} ="] = [(Dm(W), (p - y) * x.T)]
    C["partial W_{32}} ="] = [(sp.diff(L, W[2, 1]), (p[2] - y[2]) * x[1])]
    C["partial W_{12}} ="] = [(sp.diff(L, W[0, 1]), (p[1] - y[1]) * x[0])]
    C["partial L}{\\partial x} ="] = [(Dm(x), W.T * (p - y))]
    C["partial x_2} ="] = [(sp.diff(L, x[1]), W[0, 1] * (p[0] - y[0]) + W[1, 1] * (p[1] - y[1]))]
    # the exam's instance: the correct class is 2, y = (0, 1, 0)
    C["$$L = -\\log p_2$$"] = [(L.subs(e2), -sp.log(p[1]))]
    C["\\begin{pmatrix} p_1 \\\\ p_2 - 1"] = [(dz.subs(e2), sp.Matrix([p[0], p[1] - 1, p[2]]))]
    syms = list(x) + list(W) + list(b)
    return C, draw(syms, 6, choose=onehot(list(y)))


# ---------------------------------------------------------------- 05: conv + relu + maxpool + flatten + dense + softmax CE

def f05():
    A0 = grid("A0", 5, 5); W1 = grid("W1", 2, 2); b1 = S("b1")
    W3 = sp.Matrix(2, 4, lambda i, j: S(f"W3_{i + 1}{j + 1}")); b3 = sp.Matrix(2, 1, lambda i, j: S(f"b3_{i + 1}"))
    y = sp.Matrix(2, 1, lambda i, j: S(f"y_{i + 1}"))
    A1s = grid("A1", 4, 4)  # free values of the pooling's input (claims written in terms of A^{[1]})
    pos4 = [(i, j) for i in range(1, 5) for j in range(1, 5)]
    ce = lambda i: (i + 1) // 2
    win = lambda r, s: [(i, j) for i in (2 * r - 1, 2 * r) for j in (2 * s - 1, 2 * s)]
    conv = lambda A, Wk, bb: {(i, j): sum(Wk[p, q] * A[i + p - 1, j + q - 1] for (p, q) in Wk) + bb for (i, j) in pos4}
    pool = lambda A: {(r, s): sp.Max(*[A[q] for q in win(r, s)]) for r in (1, 2) for s in (1, 2)}
    flat = lambda P: [P[1, 1], P[1, 2], P[2, 1], P[2, 2]]
    L_of_z3 = lambda Z: -sum(y[k] * sp.log(softmax(Z)[k]) for k in range(2))
    L_of_a2 = lambda a: L_of_z3(list(W3 * sp.Matrix(a) + b3))
    L_of_A1 = lambda A: L_of_a2(flat(pool(A)))
    L_of_Z1 = lambda Z: L_of_A1({q: relu(Z[q]) for q in Z})
    Z1 = conv(A0, W1, b1)
    L = L_of_Z1(Z1)
    # at the true forward values
    Z1s = grid("Zs", 4, 4)
    a2_true = flat(pool({q: relu(Z1[q]) for q in Z1}))
    z3_true = list(W3 * sp.Matrix(a2_true) + b3)
    dZ3 = sp.Matrix(grad_at(L_of_z3, 2, z3_true, "Z3"))
    da2 = sp.Matrix(grad_at(L_of_a2, 4, a2_true, "AA2"))
    dZ1 = {q: sp.diff(L_of_Z1(Z1s), Z1s[q]).subs({Z1s[r]: Z1[r] for r in Z1s}) for q in Z1s}
    dZz = lambda i, j: dZ1.get((i, j), 0)
    dA1_true = {q: sp.diff(L_of_A1(A1s), A1s[q]).subs({A1s[r]: relu(Z1[r]) for r in A1s}) for q in A1s}
    # at free values A1 of the pooling's input
    dA1 = {q: sp.diff(L_of_A1(A1s), A1s[q]) for q in A1s}
    a2_free = flat(pool(A1s))
    da2_free = grad_at(L_of_a2, 4, a2_free, "AB2")
    dA2_free = {(1, 1): da2_free[0], (1, 2): da2_free[1], (2, 1): da2_free[2], (2, 2): da2_free[3]}
    dW1 = {q: sp.diff(L, W1[q]) for q in W1}; dA0 = {q: sp.diff(L, A0[q]) for q in A0}
    C = {}
    C["$$dZ^{[3]} ="] = [(dZ3, softmax_vec(z3_true) - y)]
    C["$$dW^{[3]} ="] = [(W3.applyfunc(lambda s: sp.diff(L, s)), dZ3 * sp.Matrix(a2_true).T)]
    C["$$da^{[2]} ="] = [(da2, W3.T * dZ3)]
    C["$$dA^{[2]}_{2,1} ="] = [(da2[2], W3[0, 2] * dZ3[0] + W3[1, 2] * dZ3[1])]
    C["\\cdot \\mathbb{1}\\big["] = [(dA1[i, j], dA2_free[ce(i), ce(j)] * sp.Piecewise(
        (1, sp.Eq(A1s[i, j], sp.Max(*[A1s[q] for q in win(ce(i), ce(j))]))), (0, True))) for (i, j) in pos4]
    C["$$dA^{[1]}_{3,3} ="] = [(dA1[3, 3], dA1[3, 4]), (dA1[3, 4], dA1[4, 3]), (dA1[4, 3], dA1[4, 4]),
                               (dA1[4, 4], dA2_free[2, 2])]
    C["$$dZ^{[1]} ="] = [(sp.Matrix(4, 4, lambda i, j: dZ1[i + 1, j + 1]),
                         sp.Matrix(4, 4, lambda i, j: dA1_true[i + 1, j + 1] * ind(Z1[i + 1, j + 1] > 0)))]
    C["$$dW^{[1]}_{p,q} ="] = [(dW1[p, q], sum(dZ1[i, j] * A0[i + p - 1, j + q - 1] for (i, j) in pos4)) for (p, q) in W1]
    C["$$db^{[1]} ="] = [(sp.diff(L, b1), sum(dZ1.values()))]
    C["$$dW^{[1]}_{2,1} ="] = [(dW1[2, 1], sum(dZ1[i, j] * A0[i + 1, j] for (i, j) in pos4))]
    C["$$dW^{[1]}_{1,2} ="] = [(dW1[1, 2], sum(dZ1[i, j] * A0[i + 1, j] for (i, j) in pos4))]
    C["$$dA^{[0]}_{m,n} ="] = [(dA0[m, n], sum(dZz(m - p + 1, n - q + 1) * W1[p, q] for (p, q) in W1)) for (m, n) in A0]
    C["$$dA^{[0]}_{3,2} ="] = [(dA0[3, 2], dZ1[3, 2] * W1[1, 1] + dZ1[3, 1] * W1[1, 2] + dZ1[2, 2] * W1[2, 1] + dZ1[2, 1] * W1[2, 2])]
    C["$$dA^{[0]}_{2,4} ="] = [(dA0[2, 4], dZ1[2, 4] * W1[2, 2] + dZ1[2, 3] * W1[2, 1] + dZ1[1, 4] * W1[1, 2] + dZ1[1, 3] * W1[1, 1])]
    syms = list(A0.values()) + list(W1.values()) + [b1] + list(W3) + list(b3) + list(A1s.values())
    return C, draw(syms, 12, choose=onehot(list(y)))


def softmax_vec(zs):
    return sp.Matrix(softmax(zs))


# ---------------------------------------------------------------- 06: 2 input channels, 3x3 kernel, stride 2, padding 1

def f06():
    x = {(c, i, j): S(f"x_{c}_{i}_{j}") for c in (1, 2) for i in range(1, 5) for j in range(1, 5)}
    k = {(c, p, q): S(f"k_{c}_{p}_{q}") for c in (1, 2) for p in (1, 2, 3) for q in (1, 2, 3)}
    g = grid("g", 2, 2); b = S("b")
    xz = lambda c, i, j: x.get((c, i, j), 0)
    kz = lambda c, p, q: k.get((c, p, q), 0)
    y = {(r, s): b + sum(k[c, p, q] * xz(c, 2 * r + p - 3, 2 * s + q - 3) for (c, p, q) in k) for (r, s) in g}
    L = sum(g[q] * y[q] for q in g)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["y_{1,1} &="] = [(y[1, 1], b + sum(k[c, 2, 2] * x[c, 1, 1] + k[c, 2, 3] * x[c, 1, 2] + k[c, 3, 2] * x[c, 2, 1]
                                         + k[c, 3, 3] * x[c, 2, 2] for c in (1, 2)))]
    C["y_{2,1} &="] = [(y[2, 1], b + sum(k[c, p, 2] * x[c, p + 1, 1] + k[c, p, 3] * x[c, p + 1, 2] for c in (1, 2) for p in (1, 2, 3)))]
    C["\\pd{L}{b} &="] = [(sp.diff(L, b), g[1, 1] + g[1, 2] + g[2, 1] + g[2, 2])]
    C["\\pd{L}{k^{(c)}_{p,q}} &="] = [(dk[c, p, q], sum(g[r, s] * xz(c, 2 * r + p - 3, 2 * s + q - 3) for (r, s) in g))
                                      for (c, p, q) in k]
    C["\\pd{L}{k^{(2)}_{1,1}} &="] = [(dk[2, 1, 1], g[2, 2] * x[2, 2, 2])]
    C["\\pd{L}{k^{(1)}_{2,3}} &="] = [(dk[1, 2, 3], g[1, 1] * x[1, 1, 2] + g[1, 2] * x[1, 1, 4] + g[2, 1] * x[1, 3, 2] + g[2, 2] * x[1, 3, 4])]
    C["\\pd{L}{k^{(2)}_{3,2}} &="] = [(dk[2, 3, 2], g[1, 1] * x[2, 3, 2] + g[1, 2] * x[2, 3, 4])]
    C["\\pd{L}{k^{(1)}_{1,2}} &="] = [(dk[1, 1, 2], g[2, 1] * x[2, 2, 1] + g[2, 2] * x[2, 2, 3])]
    C["\\pd{L}{\\xc{c}{m}{n}} &="] = [(dx[c, m, n], sum(g[r, s] * kz(c, m - 2 * r + 3, n - 2 * s + 3) for (r, s) in g))
                                      for (c, m, n) in x]
    C["\\pd{L}{\\xc{1}{1}{1}} &="] = [(dx[1, 1, 1], g[1, 1] * k[1, 2, 2])]
    C["\\pd{L}{\\xc{2}{2}{2}} &="] = [(dx[2, 2, 2], g[1, 1] * k[2, 3, 3] + g[1, 2] * k[2, 3, 1] + g[2, 1] * k[2, 1, 3] + g[2, 2] * k[2, 1, 1])]
    C["\\pd{L}{\\xc{2}{2}{3}} &="] = [(dx[2, 2, 3], g[1, 2] * k[2, 3, 3] + g[2, 2] * k[2, 2, 3])]
    C["\\pd{L}{\\xc{2}{4}{1}} &="] = [(dx[2, 4, 1], g[2, 1] * k[2, 3, 2])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()) + [b], 4)


# ---------------------------------------------------------------- 07: true convolution (flipped kernel)

def f07():
    x = grid("x", 4, 4); k = grid("k", 2, 2); g = grid("g", 3, 3)
    gz = lambda m, n: g.get((m, n), 0)
    y = {(m, n): sum(k[i, j] * x[m - i + 2, n - j + 2] for (i, j) in k) for (m, n) in g}
    L = sum(g[q] * y[q] for q in g)
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    M = lambda d, r, c: sp.Matrix(r, c, lambda i, j: d(i + 1, j + 1))
    Xm, Km, Gm = M(lambda i, j: x[i, j], 4, 4), M(lambda i, j: k[i, j], 2, 2), M(lambda i, j: g[i, j], 3, 3)

    def corr(A, B):  # valid cross-correlation (A star B)_{m,n} = sum A_{m+i-1, n+j-1} B_{i,j}
        r, c = A.rows - B.rows + 1, A.cols - B.cols + 1
        return sp.Matrix(r, c, lambda m, n: sum(A[m + i, n + j] * B[i, j] for i in range(B.rows) for j in range(B.cols)))
    rot = lambda A: sp.Matrix(A.rows, A.cols, lambda i, j: A[A.rows - 1 - i, A.cols - 1 - j])
    pad1 = lambda A: sp.Matrix(A.rows + 2, A.cols + 2,
                               lambda i, j: A[i - 1, j - 1] if 1 <= i <= A.rows and 1 <= j <= A.cols else 0)
    C = {}
    C["$$y_{1,1} ="] = [(y[1, 1], k[1, 1] * x[2, 2] + k[1, 2] * x[2, 1] + k[2, 1] * x[1, 2] + k[2, 2] * x[1, 1])]
    C["$$y_{2,3} ="] = [(y[2, 3], k[1, 1] * x[3, 4] + k[1, 2] * x[3, 3] + k[2, 1] * x[2, 4] + k[2, 2] * x[2, 3])]
    C["$$Y = X \\star"] = [(M(lambda i, j: y[i, j], 3, 3), corr(Xm, rot(Km)))]
    C["partial k_{i,j}} ="] = [(dk[i, j], sum(g[m, n] * x[m - i + 2, n - j + 2] for (m, n) in g)) for (i, j) in k]
    C["partial k_{2,1}} ="] = [(dk[2, 1], sum(g[m, n] * x[m + 1, n] for (m, n) in g))]
    C["partial K} ="] = [(M(lambda i, j: dk[i, j], 2, 2), rot(corr(Xm, Gm)))]
    C["partial x_{a,b}} ="] = [(dx[a, c], sum(gz(a + i - 2, c + j - 2) * k[i, j] for (i, j) in k)) for (a, c) in x]
    dX = M(lambda i, j: dx[i, j], 4, 4)
    C["partial X} = \\mathrm{pad}_1(G) \\star K$$"] = [(dX, corr(pad1(Gm), Km))]
    C["\\mathrm{pad}_1(G)\\star\\mathrm{rot180}(K)$"] = [(dX, corr(pad1(Gm), rot(Km)))]
    C["partial x_{1,1}} ="] = [(dx[1, 1], g[1, 1] * k[2, 2])]
    C["partial x_{2,3}} ="] = [(dx[2, 3], g[1, 2] * k[1, 1] + g[1, 3] * k[1, 2] + g[2, 2] * k[2, 1] + g[2, 3] * k[2, 2])]
    C["partial x_{3,2}} ="] = [(dx[3, 2], g[2, 1] * k[2, 2] + g[2, 2] * k[2, 1] + g[3, 1] * k[1, 2] + g[3, 2] * k[1, 1])]
    C["partial x_{4,4}} ="] = [(dx[4, 4], g[3, 3] * k[1, 1])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()), 4)


# ---------------------------------------------------------------- 08: conv + tanh + average pooling 2x2 stride 1

def f08():
    x = grid("x", 4, 4); k = grid("k", 2, 2); g = grid("g", 2, 2)
    As = grid("A", 3, 3); Zs = grid("Zs", 3, 3)
    z = {(i, j): sum(k[p, q] * x[i + p - 1, j + q - 1] for (p, q) in k) for (i, j) in As}
    a = {q: sp.tanh(z[q]) for q in z}
    pool = lambda A: {(r, s): R(1, 4) * (A[r, s] + A[r, s + 1] + A[r + 1, s] + A[r + 1, s + 1]) for (r, s) in g}
    L_of_A = lambda A: sum(g[q] * pool(A)[q] for q in g)
    L_of_Z = lambda Z: L_of_A({q: sp.tanh(Z[q]) for q in Z})
    L = L_of_Z(z)
    dA = {q: sp.diff(L_of_A(As), As[q]) for q in As}      # pooling is linear: constant in A
    dZ = {q: sp.diff(L_of_Z(Zs), Zs[q]).subs({Zs[r]: z[r] for r in Zs}) for q in Zs}
    dk = {q: sp.diff(L, k[q]) for q in k}; dx = {q: sp.diff(L, x[q]) for q in x}
    C = {}
    C["partial a_{11}} ="] = [(dA[1, 1], g[1, 1] / 4)]
    C["partial a_{22}} ="] = [(dA[2, 2], (g[1, 1] + g[1, 2] + g[2, 1] + g[2, 2]) / 4)]
    C["partial a_{32}} ="] = [(dA[3, 2], g[2, 1] / 4)]
    C["partial a_{23}} ="] = [(dA[2, 3], (g[1, 1] + g[1, 2] + g[2, 1] + g[2, 2]) / 4)]
    C["partial z_{ij}} ="] = [(dZ[q], dA[q] * (1 - a[q] ** 2)) for q in Zs]
    C["partial z_{13}} ="] = [(dZ[1, 3], g[1, 2] / 4 * (1 - a[1, 3] ** 2))]
    C["partial z_{21}} ="] = [(dZ[2, 1], (g[1, 1] + g[2, 1]) / 4 * (1 - z[2, 1] ** 2))]
    C["partial k_{pq}} ="] = [(dk[p, q], sum(dZ[i, j] * x[i + p - 1, j + q - 1] for (i, j) in Zs)) for (p, q) in k]
    C["partial k_{22}} ="] = [(dk[2, 2], sum(dZ[i, j] * x[i + 1, j + 1] for (i, j) in Zs))]
    C["partial x_{44}} ="] = [(dx[4, 4], dZ[3, 3] * k[2, 2])]
    C["partial x_{23}} ="] = [(dx[2, 3], dZ[2, 3] * k[1, 1] + dZ[2, 2] * k[1, 2] + dZ[1, 3] * k[2, 1] + dZ[1, 2] * k[2, 2])]
    C["partial x_{41}} ="] = [(dx[4, 1], dZ[3, 1] * k[2, 1])]
    mid = dZ[1, 3] * k[1, 2]
    C["partial x_{14}} ="] = [(dx[1, 4], mid), (mid, g[1, 2] / 4 * (1 - a[1, 3] ** 2) * k[1, 2])]
    return C, draw(list(x.values()) + list(k.values()) + list(g.values()), 4)


# ---------------------------------------------------------------- 09: dense + relu + dense + squared error, worked numbers

def f09():
    x = sp.Matrix(2, 1, lambda i, j: S(f"x_{i + 1}"))
    W = sp.Matrix(2, 2, lambda i, j: S(f"W_{i + 1}{j + 1}")); b = sp.Matrix(2, 1, lambda i, j: S(f"b_{i + 1}"))
    v = sp.Matrix(1, 2, lambda i, j: S(f"v_{j + 1}")); c, t = S("c"), S("t")
    s = W * x + b; h = s.applyfunc(relu); o = (v * h)[0] + c; E = (o - t) ** 2
    E_of_o = lambda O: (O - t) ** 2
    E_of_h = lambda H: E_of_o((v * sp.Matrix(H))[0] + c)
    E_of_s = lambda Ss: E_of_h([relu(u) for u in Ss])
    dEdo = sp.diff(E_of_o(S("OO")), S("OO")).subs(S("OO"), o)
    dEdh = sp.Matrix(grad_at(E_of_h, 2, list(h), "HH"))
    dEds = sp.Matrix(grad_at(E_of_s, 2, list(s), "SS"))
    rp = [sp.diff(relu(S("u")), S("u")).subs(S("u"), s[j]) for j in range(2)]   # dh_j/ds_j
    Dm = lambda M: M.applyfunc(lambda q: sp.diff(E, q))
    C = {}
    C["partial E}{\\partial o} ="] = [(dEdo, 2 * (o - t))]
    C["partial E}{\\partial v_1} ="] = [(sp.diff(E, v[0]), dEdo * h[0]), (dEdo * h[0], 2 * (o - t) * h[0])]
    C["partial h_j}{\\partial s_j} ="] = [(rp[j], ind(s[j] > 0)) for j in range(2)]
    pairs = []
    for j in range(2):
        for kk in range(2):
            link = dEdo * v[j] * rp[j] * x[kk]
            pairs += [(sp.diff(E, W[j, kk]), link), (link, 2 * (o - t) * v[j] * ind(s[j] > 0) * x[kk])]
    C["partial E}{\\partial W_{jk}} ="] = pairs
    C["partial E}{\\partial b_2} ="] = [(sp.diff(E, b[1]), 2 * (o - t) * v[1])]
    # the worked numbers
    Nv = {x[0]: 1, x[1]: 2, t: 2, W[0, 0]: 1, W[0, 1]: -1, W[1, 0]: 2, W[1, 1]: 1, b[0]: 0, b[1]: -1,
          v[0]: 3, v[1]: -2, c: 1}
    n = lambda e: e.subs(Nv) if not isinstance(e, sp.MatrixBase) else e.subs(Nv)
    col = lambda *a: sp.Matrix(a)
    C["$$s = \\begin"] = [(n(s), col(1 * 1 - 1 * 2 + 0, 2 * 1 + 1 * 2 - 1)), (col(-1, 3), col(-1, 3))]
    C["$$o = 3"] = [(n(o), 3 * 0 - 2 * 3 + 1), (sp.Integer(-5), -5)]
    C["$$E = (-5"] = [(n(E), (-5 - 2) ** 2), (sp.Integer(49), 49)]
    C["partial E}{\\partial c} ="] = [(n(sp.diff(E, c)), n(o - t)), (n(o - t), -7)]
    C["partial E}{\\partial v} ="] = [(n(Dm(v)), n(2 * (o - t) * h.T)), (n(2 * (o - t) * h.T), sp.Matrix([[0, -42]]))]
    C["partial E}{\\partial h} ="] = [(n(dEdh), n(2 * (o - t) * v.T)), (n(2 * (o - t) * v.T), col(-42, 28))]
    C["$$\\frac{\\partial E}{\\partial s} ="] = [(n(dEds), col(0, 28))]
    C["partial E}{\\partial W} ="] = [(n(Dm(W)), n(dEds * x.T)), (n(dEds * x.T), sp.Matrix([[0, 0], [28, 56]]))]
    C["partial E}{\\partial W_{21}} ="] = [(n(sp.diff(E, W[1, 0])), n(dEds[1] * x[0])), (n(dEds[1] * x[0]), 28 * 1),
                                          (sp.Integer(28), 28)]
    C["partial E}{\\partial x} ="] = [(n(Dm(x)), n(W * dEds)), (n(W * dEds), col(-28, 28))]
    syms = list(x) + list(W) + list(b) + list(v) + [c, t]
    return C, draw(syms, 12)


# ---------------------------------------------------------------- 10: im2col, batch of 2, 0-based, bias

def f10():
    X = {(n, i, j): S(f"X_{n}_{i}_{j}") for n in (0, 1) for i in range(3) for j in range(3)}
    K = grid("K", 2, 2, 0); b = S("b")
    dY = {(n, i, j): S(f"dY_{n}_{i}_{j}") for n in (0, 1) for i in range(2) for j in range(2)}
    dYz = lambda n, i, j: dY.get((n, i, j), 0)
    Y = {(n, i, j): b + sum(K[p, q] * X[n, i + p, j + q] for (p, q) in K) for (n, i, j) in dY}
    L = sum(dY[q] * Y[q] for q in dY)
    kvec = sp.Matrix([[K[0, 0], K[0, 1], K[1, 0], K[1, 1]]])
    Cm = sp.Matrix(4, 8, lambda r, col: X[col // 4, (col % 4) // 2 + r // 2, (col % 4) % 2 + r % 2])
    dy = sp.Matrix(1, 8, lambda _, col: dY[col // 4, (col % 4) // 2, (col % 4) % 2])
    Cs = sp.Matrix(4, 8, lambda r, col: S(f"C_{r}_{col}"))
    L_of_C = lambda M: sum(dy[col] * ((kvec * M)[0, col] + b) for col in range(8))
    dC = Cs.applyfunc(lambda q: sp.diff(L_of_C(Cs), q)).subs(dict(zip(list(Cs), list(Cm))))
    dK = {q: sp.diff(L, K[q]) for q in K}; dX = {q: sp.diff(L, X[q]) for q in X}
    C = {}
    C["$$Y^{(0)}_{0,1} ="] = [(Y[0, 0, 1], K[0, 0] * X[0, 0, 1] + K[0, 1] * X[0, 0, 2] + K[1, 0] * X[0, 1, 1] + K[1, 1] * X[0, 1, 2] + b)]
    C["$$Y^{(1)}_{1,0} ="] = [(Y[1, 1, 0], K[0, 0] * X[1, 1, 0] + K[0, 1] * X[1, 1, 1] + K[1, 0] * X[1, 2, 0] + K[1, 1] * X[1, 2, 1] + b)]
    C["partial L}{\\partial k} ="] = [(kvec.applyfunc(lambda q: sp.diff(L, q)), dy * Cm.T)]
    C["partial K_{p,q}} ="] = [(dK[p, q], sum(dY[n, i, j] * X[n, i + p, j + q] for (n, i, j) in dY)) for (p, q) in K]
    C["partial b} = \\sum_{n=0}"] = [(sp.diff(L, b), sum(dY.values()))]
    C["partial C} = k^{\\top} dy"] = [(dC, kvec.T * dy)]
    C["partial X^{(0)}_{1,1}} ="] = [(dX[0, 1, 1], dC[3, 0] + dC[2, 1] + dC[1, 2] + dC[0, 3])]
    C["partial X^{(n)}_{a,c}} ="] = [(dX[n, a, c], sum(dYz(n, a - p, c - q) * K[p, q] for (p, q) in K)) for (n, a, c) in X]
    C["partial X^{(1)}_{1,1}} ="] = [(dX[1, 1, 1], dY[1, 1, 1] * K[0, 0] + dY[1, 1, 0] * K[0, 1] + dY[1, 0, 1] * K[1, 0] + dY[1, 0, 0] * K[1, 1])]
    C["partial X^{(0)}_{0,2}} ="] = [(dX[0, 0, 2], dY[0, 0, 1] * K[0, 1])]
    C["partial K_{1,0}} ="] = [(dK[1, 0], sum(dY[0, i, j] * X[0, i + 1, j] for i in range(2) for j in range(2)))]
    C["partial b} = dY^{(0)} + dY^{(1)}"] = [(sp.diff(L, b), sp.Matrix(2, 2, lambda i, j: dY[0, i, j] + dY[1, i, j]))]
    C["partial X^{(0)}_{1,0}} ="] = [(dX[0, 1, 0], dY[0, 1, 0] * K[0, 0] + dY[0, 0, 0] * K[1, 0] + dY[1, 1, 0] * K[0, 0] + dY[1, 0, 0] * K[1, 0])]
    C["partial X^{(1)}_{0,1}} ="] = [(dX[1, 0, 1], dC[1, 0] + dC[0, 1])]
    return C, draw(list(X.values()) + list(K.values()) + list(dY.values()) + [b], 4)


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
