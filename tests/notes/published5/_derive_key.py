#!/usr/bin/env python3
"""Independent check of key.toml for the set "published5" (does not import symconv).

Each network is built from its definition in SymPy; every keyed claim is re-derived here (exactly where
cheap, otherwise at random points) and the verdict compared with the key. A coverage check makes sure
every displayed line with "=" is keyed (or is a continuation of a keyed display). Exit 0 only if all match.
"""
import math
import random
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text())
rng = random.Random(20261206)
TOL = 1e-9
problems = []


def close(a, b):
    a, b = complex(sp.N(a, 30)), complex(sp.N(b, 30))
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def rand():
    return sp.Rational(rng.randint(-90, 90), rng.randint(7, 23))


def same(e1, e2, syms, trials=4, positive=()):
    """Equal as functions of syms: by expansion first, then at random points."""
    d = sp.expand(e1 - e2)
    if d == 0:
        return True
    for _ in range(trials):
        sub = {s: (abs(rand()) + sp.Rational(1, 3) if s in positive else rand()) for s in syms}
        if not close(e1.subs(sub), e2.subs(sub)):
            return False
    return True


# ----------------------------------------------------------------- coverage of displayed "=" lines
def display_eq_lines(path):
    lines = path.read_text().splitlines()
    blocks, cur, in_disp, in_code = [], None, False, False
    for n, line in enumerate(lines, 1):
        if line.strip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        k = line.count("$$")
        is_disp = in_disp or k > 0
        if is_disp and cur is None:
            cur = []
        if is_disp and "=" in line:
            cur.append(n)
        if k % 2 == 1:
            in_disp = not in_disp
        if not in_disp and cur is not None:
            blocks.append(cur)
            cur = None
    return blocks


for f in KEY["file"]:
    path = HERE / f["name"]
    keyed = {}
    for kind in ("definitions", "not_claims", "claim"):
        for e in f.get(kind, []):
            if e["line"] in keyed:
                problems.append(f"{f['name']}: line {e['line']} keyed twice")
            keyed[e["line"]] = kind
    text = path.read_text().splitlines()
    for ln in keyed:
        if "=" not in text[ln - 1]:
            problems.append(f"{f['name']}: keyed line {ln} has no '='")
    for block in display_eq_lines(path):
        seen = False
        for ln in block:
            if ln in keyed:
                seen = True
            elif not seen:
                problems.append(f"{f['name']}: displayed line {ln} with '=' is not keyed")
        # lines after a keyed line in the same display are its continuation lines
    for ln in keyed:
        if not any(ln in b for b in display_eq_lines(path)):
            problems.append(f"{f['name']}: keyed line {ln} is not in a display")


# ----------------------------------------------------------------- 01: pikazlou, 3x3 input, 2x2 filter, bias
def file01():
    x = {(i, j): sp.Symbol(f"x{i}{j}") for i in range(1, 4) for j in range(1, 4)}
    w = {(i, j): sp.Symbol(f"w{i}{j}") for i in range(1, 3) for j in range(1, 3)}
    g = {(i, j): sp.Symbol(f"g{i}{j}") for i in range(1, 3) for j in range(1, 3)}  # dL/dy_ij, given
    b = sp.Symbol("b")
    y = {(i, j): sum(x[i + u - 1, j + v - 1] * w[u, v] for u in (1, 2) for v in (1, 2)) + b
         for i in (1, 2) for j in (1, 2)}
    Lin = sum(g[k] * y[k] for k in y)  # any L: dL/dp = sum g dy/dp
    dx = {k: sp.diff(Lin, x[k]) for k in x}
    dw = {k: sp.diff(Lin, w[k]) for k in w}
    db = sp.diff(Lin, b)

    def corr(A, K, n):  # valid cross-correlation, 1-based dicts, output n x n
        kk = int(math.isqrt(len(K)))
        return {(i, j): sum(A[i + u - 1, j + v - 1] * K[u, v] for u in range(1, kk + 1) for v in range(1, kk + 1))
                for i in range(1, n + 1) for j in range(1, n + 1)}

    chain = lambda var: sum(g[k] * sp.diff(y[k], var) for k in y)
    r = {}
    r[51] = sp.expand(y[1, 1] - (x[1, 1]*w[1, 1] + x[1, 2]*w[1, 2] + x[2, 1]*w[2, 1] + x[2, 2]*w[2, 2] + b)) == 0
    r[55] = sp.expand(y[1, 2] - (x[1, 2]*w[1, 1] + x[1, 3]*w[1, 2] + x[2, 2]*w[2, 1] + x[2, 3]*w[2, 2] + b)) == 0
    r[129] = sp.expand(chain(x[1, 1]) - dx[1, 1]) == 0
    r[133] = sp.expand(chain(x[1, 2]) - dx[1, 2]) == 0
    r[141] = sp.expand(chain(w[1, 1]) - dw[1, 1]) == 0
    r[149] = sp.expand(chain(b) - db) == 0
    r[155] = sp.expand(g[1, 1]*w[1, 1] - dx[1, 1]) == 0
    r[159] = sp.expand(g[1, 1]*w[1, 2] + g[1, 2]*w[1, 1] - dx[1, 2]) == 0
    r[167] = sp.expand(g[1, 1]*x[1, 1] + g[1, 2]*x[1, 2] + g[2, 1]*x[2, 1] + g[2, 2]*x[2, 2] - dw[1, 1]) == 0
    r[175] = sp.expand(sum(g.values()) - db) == 0
    r[181] = r[155]
    r[185] = r[159]
    r[193] = r[167]
    cw = corr(x, g, 2)  # X * dL/dY
    r[210] = all(sp.expand(w[k] - cw[k]) == 0 for k in w)  # the printed left side is W itself
    assert all(sp.expand(dw[k] - cw[k]) == 0 for k in w)   # (the right side is dL/dW)
    P = {(i, j): 0 for i in range(1, 5) for j in range(1, 5)}
    for (i, j), v in g.items():
        P[i + 1, j + 1] = v
    flip = {(1, 1): w[2, 2], (1, 2): w[2, 1], (2, 1): w[1, 2], (2, 2): w[1, 1]}
    cx = corr(P, flip, 3)
    r[231] = all(sp.expand(cx[k] - dx[k]) == 0 for k in x)
    r[249] = sp.expand(corr(g, {k: 1 for k in g}, 1)[1, 1] - db) == 0
    patches = {k: sum(g[i, j] * x[i + k[0] - 1, j + k[1] - 1] for i in (1, 2) for j in (1, 2)) for k in w}
    r[270] = all(sp.expand(patches[k] - dw[k]) == 0 for k in w)
    padded = {k: sum(g[i, j] * (w[k[0] - i + 1, k[1] - j + 1] if (k[0] - i + 1, k[1] - j + 1) in w else 0)
                     for i in (1, 2) for j in (1, 2)) for k in x}
    r[304] = all(sp.expand(padded[k] - dx[k]) == 0 for k in x)
    r[338] = r[175]
    return r


# ----------------------------------------------------------------- 02: Talwar, batch norm, N = 3
def file02():
    N = 3
    xs = sp.symbols("x1:4", real=True)
    gs = sp.symbols("g1:4", real=True)  # dL/dy_k, given
    gam, bet = sp.symbols("gamma beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mu = sum(xs) / N
    var = sum((xj - mu) ** 2 for xj in xs) / N
    s = sp.sqrt(var + eps)
    xh = [(xk - mu) / s for xk in xs]
    y = [gam * h + bet for h in xh]
    Lin = sum(gk * yk for gk, yk in zip(gs, y))
    syms = list(xs) + list(gs) + [gam, bet, eps]
    pos = (eps,)
    eq = lambda a, b: same(a, b, syms, positive=pos)
    r = {}
    r[72] = all(eq(sum(gs[k] * sp.diff(y[k], xs[i]) for k in range(N)), sp.diff(Lin, xs[i])) for i in range(N))
    ok = True
    for i in range(N):
        for k in range(N):
            true = sp.diff(y[k], xs[i])
            links = [gam * sp.diff(xh[k], xs[i]),
                     gam * sp.diff(xh[k], xs[i]),
                     gam * sp.diff(xh[k], xs[i]),
                     gam * sp.diff((xs[k] - mu) / s, xs[i]),
                     gam * (sp.diff(xs[k] / s, xs[i]) - sp.diff(mu / s, xs[i])),
                     gam * ((1 / s) * (1 if i == k else 0) + xs[k] * sp.diff(1 / s, xs[i])
                            - (1 / s) * sp.diff(mu, xs[i]) - mu * sp.diff(1 / s, xs[i]))]
            ok &= all(eq(l, true) for l in links)
    r[85] = ok
    r[98] = all((sp.diff(xs[k], xs[i]) == (1 if i == k else 0)) for i in range(N) for k in range(N))
    ok = True
    for i in range(N):
        true = sp.diff(var, xs[i])
        l2 = sp.Rational(1, 3) * (sp.Rational(-2, 3) * sum(xs[j] - mu for j in range(N) if j != i)
                                  + 2 * (xs[i] - mu) * (1 - sp.Rational(1, 3)))
        l3 = sp.Rational(2, 3) * (xs[i] - mu)
        ok &= eq(l2, true) and eq(l3, true)
    r[99] = ok
    ok = True
    for i in range(N):
        true = sp.diff(1 / s, xs[i])
        ok &= eq(-sp.Rational(1, 2) * (var + eps) ** sp.Rational(-3, 2) * sp.diff(var, xs[i]), true)
        ok &= eq(-sp.Rational(1, 3) * (var + eps) ** sp.Rational(-3, 2) * (xs[i] - mu), true)
    r[102] = ok
    r[111] = all(eq(gam / s * ((1 if i == k else 0) - sp.Rational(1, 3)
                               - sp.Rational(1, 3) * ((xs[i] - mu) / s) * ((xs[k] - mu) / s)),
                    sp.diff(y[k], xs[i])) for i in range(N) for k in range(N))
    ok = True
    for i in range(N):
        true = sp.diff(Lin, xs[i])
        third = sp.Rational(1, 3)
        l1 = gam / s * (sum(gs[k] * (1 if k == i else 0) for k in range(N)) - third * sum(gs)
                        - third * sum(((xs[i] - mu) / s) * ((xs[k] - mu) / s) for k in range(N)))
        l2 = gam / s * (gs[i] - third * sum(gs) - third * ((xs[i] - mu) / s)
                        * sum(gs[k] * (xs[k] - mu) / s for k in range(N)))
        l3 = gam / s * (gs[i] - third * sum(gs) - third * xh[i] * sum(xh[k] * gs[k] for k in range(N)))
        ok &= eq(l1, true) and eq(l2, true) and eq(l3, true)
    r[119] = ok
    r[128] = eq(gam / s * (gs[0] - sp.Rational(1, 3) * sum(gs)
                           - sp.Rational(1, 3) * xh[0] * sum(xh[k] * gs[k] for k in range(N))),
                sp.diff(Lin, xs[0]))
    return r


# ----------------------------------------------------------------- 03: Talwar, softmax layer, N=2, D=3, H=4, C=3
def file03():
    Nn, D, H, C = 2, 3, 4, 3
    X = [[rand() for _ in range(D)] for _ in range(Nn)]
    W1 = [[rand() for _ in range(H)] for _ in range(D)]
    b1 = [rand() for _ in range(H)]
    O1 = [[max(0, sum(X[i][p] * W1[p][j] for p in range(D)) + b1[j]) for j in range(H)] for i in range(Nn)]
    W2 = [[sp.Symbol(f"W2_{p}{k}") for k in range(C)] for p in range(H)]
    b2 = [sp.Symbol(f"b2_{k}") for k in range(C)]
    Ssym = [[sp.Symbol(f"S_{i}{k}") for k in range(C)] for i in range(Nn)]
    S_of_W = [[sum(O1[i][p] * W2[p][k] for p in range(H)) + b2[k] for k in range(C)] for i in range(Nn)]
    labels = [1, 2]  # correct classes (0-based here: classes 2 and 3 of the notes)
    U = [[sp.exp(Ssym[i][k]) for k in range(C)] for i in range(Nn)]
    O2 = [[U[i][k] / sum(U[i]) for k in range(C)] for i in range(Nn)]
    Li_S = [-sp.log(O2[i][labels[i]]) for i in range(Nn)]
    subsS = lambda i: {Ssym[i][k]: S_of_W[i][k] for k in range(C)}
    Li_W = [Li_S[i].subs(subsS(i)) for i in range(Nn)]
    L = sum(Li_W)
    wsyms = [v for row in W2 for v in row] + b2
    ssyms = [v for row in Ssym for v in row]
    r = {}
    ok = True
    for m in range(H):
        for n in range(C):
            ok &= same(sp.diff(L, W2[m][n]), sum(sp.diff(Li_W[i], W2[m][n]) for i in range(Nn)), wsyms, trials=2)
    r[98] = ok
    ok = True
    for i in range(Nn):
        for m in range(H):
            for n in range(C):
                rhs = sum(sp.diff(Li_S[i], Ssym[i][k]).subs(subsS(i)) * sp.diff(S_of_W[i][k], W2[m][n]) for k in range(C))
                ok &= same(sp.diff(Li_W[i], W2[m][n]), rhs, wsyms, trials=2)
    r[103] = ok
    o = sp.Symbol("o", positive=True)
    ok = True
    for i in range(Nn):
        yi = labels[i]
        dLdO = sp.diff(-sp.log(o), o).subs(o, O2[i][yi])
        for k in range(C):
            ok &= same(sp.diff(Li_S[i], Ssym[i][k]), dLdO * sp.diff(O2[i][yi], Ssym[i][k]), ssyms)
    r[109] = ok
    r[113] = all(same(sp.diff(-sp.log(o), o).subs(o, O2[i][labels[i]]), -1 / O2[i][labels[i]], ssyms) for i in range(Nn))
    ok = True
    for i in range(Nn):
        k = labels[i]
        true = sp.diff(O2[i][labels[i]], Ssym[i][k])
        ok &= same(U[i][k] / sum(U[i]) - U[i][k] ** 2 / sum(U[i]) ** 2, true, ssyms)
        ok &= same(O2[i][k] * (1 - O2[i][k]), true, ssyms)
    r[122] = ok
    ok = True
    for i in range(Nn):
        yi = labels[i]
        for k in range(C):
            if k == yi:
                continue
            true = sp.diff(O2[i][yi], Ssym[i][k])
            ok &= same(U[i][yi] * (-1 / sum(u ** 2 for u in U[i])) * U[i][k], true, ssyms)
            ok &= same(-O2[i][yi] * O2[i][k], true, ssyms)
    r[131] = ok
    r[139] = all(same(sp.diff(Li_S[i], Ssym[i][k]), O2[i][k] - 1 if k == labels[i] else O2[i][k], ssyms)
                 for i in range(Nn) for k in range(C))
    r[149] = all(sp.diff(S_of_W[i][k], W2[m][n]) == (O1[i][m] if k == n else 0)
                 for i in range(Nn) for k in range(C) for m in range(H) for n in range(C))
    ok = True
    for i in range(Nn):
        O2W = [O2[i][k].subs(subsS(i)) for k in range(C)]
        for m in range(H):
            for n in range(C):
                rhs = (O2W[n] - 1) * O1[i][m] if labels[i] == n else O2W[n] * O1[i][m]
                ok &= same(sp.diff(Li_W[i], W2[m][n]), rhs, wsyms, trials=2)
    r[159] = ok
    return r


# ----------------------------------------------------------------- 04: DS.SE 102089, 5x5, 2 filters 3x3, stride 2, bias
def file04():
    s, fr, hn = 2, 3, 2
    X = {(p, q): sp.Symbol(f"X{p}{q}") for p in range(1, 6) for q in range(1, 6)}
    W = {(f, r_, c): sp.Symbol(f"W{f}{r_}{c}") for f in (1, 2) for r_ in range(1, 4) for c in range(1, 4)}
    b = {f: sp.Symbol(f"b{f}") for f in (1, 2)}
    G = {(f, i, j): sp.Symbol(f"G{f}{i}{j}") for f in (1, 2) for i in (1, 2) for j in (1, 2)}
    O = {(f, i, j): sum(W[f, r_, c] * X[(i - 1) * s + r_, (j - 1) * s + c] for r_ in range(1, 4) for c in range(1, 4)) + b[f]
         for f in (1, 2) for i in (1, 2) for j in (1, 2)}
    Lin = sum(G[k] * O[k] for k in O)
    dX = {k: sp.diff(Lin, X[k]) for k in X}
    r = {}
    r[34] = sp.expand(O[1, 1, 1] - (sum(W[1, r_, c] * X[r_, c] for r_ in range(1, 4) for c in range(1, 4)) + b[1])) == 0
    r[36] = sp.expand(O[2, 2, 1] - (sum(W[2, r_, c] * X[2 + r_, c] for r_ in range(1, 4) for c in range(1, 4)) + b[2])) == 0
    r[40] = all(sp.expand(sum(G[k] * sp.diff(O[k], X[pq]) for k in O) - dX[pq]) == 0 for pq in X)
    ok = True
    for (f, i, j) in O:
        for (p, q) in X:
            a, c = p - (i - 1) * s, q - (j - 1) * s
            case = W[f, a, c] if (1 <= a <= fr and 1 <= c <= fr) else 0
            ok &= sp.expand(sp.diff(O[f, i, j], X[p, q]) - case) == 0
    r[42] = ok

    def boxed(p, q, ilo, ihi, jlo, jhi):
        """The boxed sum with the given bounds; None if a term names an entry that does not exist."""
        tot = 0
        for f in (1, 2):
            for i in range(ilo, ihi + 1):
                for j in range(jlo, jhi + 1):
                    a, c = p - (i - 1) * s, q - (j - 1) * s
                    if (f, i, j) not in G or (f, a, c) not in W:
                        return None
                    tot += G[f, i, j] * W[f, a, c]
        return tot

    def holds(p, q, ilo, ihi, jlo, jhi):
        v = boxed(p, q, ilo, ihi, jlo, jhi)
        return v is not None and sp.expand(v - dX[p, q]) == 0

    fl = lambda z: math.floor(z)
    bounds = lambda p, q: (fl((p - 3) / 2 + 1), fl((p - 1) / 2 + 1), fl((q - 3) / 2 + 1), fl((q - 1) / 2 + 1))
    r[44] = all(holds(p, q, *bounds(p, q)) for (p, q) in X)
    assert bounds(3, 3) == (1, 2, 1, 2) and bounds(4, 4) == (1, 2, 1, 2)
    assert bounds(1, 1) == (0, 1, 0, 1) and bounds(5, 3) == (2, 3, 1, 2)
    r[50] = holds(3, 3, 1, 2, 1, 2)
    r[52] = holds(4, 4, 1, 2, 1, 2)
    r[54] = holds(1, 1, 0, 1, 0, 1)
    r[56] = holds(5, 3, 2, 3, 1, 2)
    # the reasons in the key: with ceiling lower bounds, clamped to 1..2, the formula holds everywhere
    ce = lambda z: math.ceil(z)
    good = lambda p, q: (max(1, ce((p - 3) / 2 + 1)), min(hn, fl((p - 1) / 2 + 1)),
                         max(1, ce((q - 3) / 2 + 1)), min(hn, fl((q - 1) / 2 + 1)))
    assert all(holds(p, q, *good(p, q)) for (p, q) in X)
    return r


# ----------------------------------------------------------------- 05: ICEORY, softmax + cross-entropy, C = 3
def file05():
    C = 3
    x = sp.symbols("x1:4", real=True)
    E = [sp.exp(v) for v in x]
    Z = sum(E)
    y = [e / Z for e in E]
    Zk_const = sum(sp.exp(k) for k in range(1, C + 1))  # "\sum e^k" read literally
    syms = list(x)
    eq = lambda a, b: same(a, b, syms)
    r = {}

    def diag(i):
        true = sp.diff(y[i], x[i])
        links = [sp.diff(y[i], x[i]), (E[i] * Z - E[i] * E[i]) / Z ** 2, E[i] / Z * (Z - E[i]) / Z, y[i] * (1 - y[i])]
        return all(eq(l, true) for l in links)

    r[30], r[34], r[38] = diag(0), diag(1), diag(2)

    def off(i, j):
        true = sp.diff(y[i], x[j])
        second_literal = sp.diff(E[j] / Zk_const, x[j])      # e^k as printed
        second_typo = sp.diff(E[j] / Z, x[j])                # e^k read as e^{x_k}: still the numerator e^{x_j}
        rest = [(0 * Z - E[i] * E[j]) / Z ** 2, -E[i] / Z * E[j] / Z, -y[i] * y[j]]
        return eq(second_literal, true) and eq(second_typo, true) and all(eq(l, true) for l in rest)

    r[42], r[46] = off(0, 1), off(2, 0)

    def grad(i):
        ok = True
        for cls in range(C):  # every one-hot label
            t = [1 if c == cls else 0 for c in range(C)]
            L = -sum(t[c] * sp.log(y[c]) for c in range(C))
            true = sp.diff(L, x[i])
            dt = [0] * C  # \partial t_j: a label does not change with x
            links = [
                -sum(sp.diff(t[c] * sp.log(y[c]), x[i]) for c in range(C)),
                -sum(t[c] * sp.diff(sp.log(y[c]), x[i]) for c in range(C)),
                -sum(t[c] / y[c] * sp.diff(y[c], x[i]) for c in range(C)),
                -t[i] / y[i] * sp.diff(y[i], x[i]) - sum(t[j] / y[j] * sp.diff(y[j], x[i]) for j in range(C) if j != i),
                -t[i] / y[i] * y[i] * (1 - y[i]) - sum(dt[j] / y[j] * (-y[i] * y[j]) for j in range(C) if j != i),
                -t[i] + t[i] * y[i] + sum(t[j] * y[i] for j in range(C) if j != i),
                -t[i] + y[i] * sum(t),
                y[i] - t[i],
            ]
            ok &= all(eq(l, true) for l in links)
        return ok

    r[66], r[70], r[74] = grad(0), grad(1), grad(2)
    return r


# ----------------------------------------------------------------- 06: Lexai Labs, 4x4 input, 2x2 kernel, 0-based
def file06():
    x = {(h, w): sp.Symbol(f"x{h}{w}") for h in range(4) for w in range(4)}
    W = {(u, v): sp.Symbol(f"W{u}{v}") for u in range(2) for v in range(2)}
    G = {(i, j): sp.Symbol(f"G{i}{j}") for i in range(3) for j in range(3)}
    out = {(i, j): sum(x[i + u, j + v] * W[u, v] for u in range(2) for v in range(2)) for i in range(3) for j in range(3)}
    Lin = sum(G[k] * out[k] for k in out)
    dW = {k: sp.diff(Lin, W[k]) for k in W}
    dx = {k: sp.diff(Lin, x[k]) for k in x}
    z = lambda e: sp.expand(e) == 0
    r = {}
    r[23] = all(z(sum(G[i, j] * x[i + u, j + v] for i in range(3) for j in range(3)) - dW[u, v]) for (u, v) in W)
    r[25] = all(z(sum(G[i, j] * W[u, v] for i in range(3) for j in range(3) for u in range(2) for v in range(2)
                      if i + u == h and j + v == w) - dx[h, w]) for (h, w) in x)
    r[31] = z(out[1, 2] - (x[1, 2]*W[0, 0] + x[1, 3]*W[0, 1] + x[2, 2]*W[1, 0] + x[2, 3]*W[1, 1]))
    r[33] = z(sum(G[i, j] * x[i, j] for i in range(3) for j in range(3)) - dW[0, 0])
    r[35] = z(sum(G[i, j] * x[i + 1, j + 1] for i in range(3) for j in range(3)) - dW[1, 1])
    r[37] = z(G[0, 0]*W[0, 0] - dx[0, 0])
    r[39] = z(G[0, 1]*W[0, 1] + G[0, 2]*W[0, 0] - dx[0, 2])
    r[41] = z(G[0, 0]*W[1, 1] + G[0, 1]*W[1, 0] + G[1, 0]*W[0, 1] + G[1, 1]*W[0, 0] - dx[1, 1])
    r[43] = z(G[2, 2]*W[1, 1] - dx[3, 3])
    return r


CHECKS = {
    "01_pikazlou_conv_backprop.md": file01,
    "02_talwar_batchnorm.md": file02,
    "03_talwar_softmax.md": file03,
    "04_dsse_conv_stride.md": file04,
    "05_iceory_softmax_loss.md": file05,
    "06_lexailabs_conv2d_backward.md": file06,
}

for f in KEY["file"]:
    results = CHECKS[f["name"]]()
    claims = {c["line"]: c["verdict"] for c in f["claim"]}
    if set(results) != set(claims):
        problems.append(f"{f['name']}: derived lines {sorted(results)} != keyed claim lines {sorted(claims)}")
    for ln, ok in sorted(results.items()):
        want = claims.get(ln)
        got = "right" if ok else "wrong"
        flag = "ok" if want == got else "MISMATCH"
        if want != got:
            problems.append(f"{f['name']} line {ln}: key says {want}, mathematics says {got}")
        print(f"{f['name']:36s} line {ln:4d}  {got:5s}  {flag}")

if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("\nall verdicts match; coverage complete")
sys.exit(0)
