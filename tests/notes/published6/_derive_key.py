#!/usr/bin/env python3
"""Independent check of key.toml for the set "published6" (does not import symconv).

Each network is built from its definition in SymPy; every keyed claim is re-derived here (exactly where
cheap, otherwise at random points) and the verdict compared with the key. A coverage check makes sure
every line with "=" inside $$...$$ maths (display, or kramdown's inline $$) is keyed, or is a
continuation line of a keyed display. Exit 0 only if all match.
"""
import random
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text())
rng = random.Random(20261207)
TOL = 1e-9
problems = []


def close(a, b):
    a, b = complex(sp.N(a, 30)), complex(sp.N(b, 30))
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def rand():
    return sp.Rational(rng.randint(-90, 90), rng.randint(7, 23))


def same(e1, e2, syms, trials=4, positive=(), extra=None):
    """Equal as functions of syms: by expansion first, then at random points."""
    e1, e2 = sp.sympify(e1), sp.sympify(e2)
    d = sp.expand(e1 - e2)
    if d == 0:
        return True
    for _ in range(trials):
        sub = {s: (abs(rand()) + sp.Rational(1, 3) if s in positive else rand()) for s in syms}
        if extra:
            sub = extra(sub)
        if not close(e1.subs(sub), e2.subs(sub)):
            return False
    return True


# ----------------------------------------------------------------- coverage of $$ maths lines with "="
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
            tag = (e["line"], e.get("lhs"))
            if tag in keyed:
                problems.append(f"{f['name']}: line {e['line']} keyed twice")
            keyed[tag] = kind
    lines_keyed = {ln for ln, _ in keyed}
    text = path.read_text().splitlines()
    blocks = display_eq_lines(path)
    for ln in lines_keyed:
        if "=" not in text[ln - 1]:
            problems.append(f"{f['name']}: keyed line {ln} has no '='")
        if not any(ln in b for b in blocks):
            problems.append(f"{f['name']}: keyed line {ln} is not in $$ maths")
    for (ln, lhs), kind in keyed.items():
        if lhs is not None and not any(lhs in text[k] for k in range(max(0, ln - 3), ln)):  # lhs may open the display
            problems.append(f"{f['name']}: lhs {lhs!r} not found on line {ln}")
    for block in blocks:
        seen = False
        for ln in block:
            if ln in lines_keyed:
                seen = True
            elif not seen:
                problems.append(f"{f['name']}: line {ln} with '=' in $$ maths is not keyed")
    for (ln, lhs), kind in keyed.items():  # two claims on one line must be told apart by lhs
        if sum(1 for (l2, _) in keyed if l2 == ln) > 1 and lhs is None:
            problems.append(f"{f['name']}: line {ln} keyed more than once without lhs")

sig = lambda z: 1 / (1 + sp.exp(-z))


# ----------------------------------------------------------------- 01: Dahal, softmax + cross-entropy, 3 classes
def file01():
    C = 3
    a = sp.symbols("a1:4", real=True)
    E = [sp.exp(v) for v in a]
    Z = sum(E)
    p = [e / Z for e in E]
    syms = list(a)
    eq = lambda u, v: same(u, v, syms)
    pairs = [(i, j) for i in range(C) for j in range(C)]
    Cc = sp.Symbol("C", positive=True)
    r = {}
    r[9] = all(eq(p[j], E[i] / Z) for i, j in pairs)
    later = all(eq(Cc * E[i] / (Cc * Z), sp.exp(a[i] + sp.log(Cc)) / sum(sp.exp(v + sp.log(Cc)) for v in a))
                and eq(E[i] / Z, Cc * E[i] / (Cc * Z)) for i in range(C))
    assert later  # the links after the first are right
    r[32] = r[9] and later
    r[58] = all(eq(sp.diff(p[j], a[j]), sp.diff(E[i] / Z, a[j])) for i, j in pairs)
    ok = True
    for i in range(C):  # condition i = j
        j = i
        true = sp.diff(E[i] / Z, a[j])
        links = [(E[i] * Z - E[j] * E[i]) / Z ** 2, E[i] * (Z - E[j]) / Z ** 2, E[j] / Z * (Z - E[j]) / Z,
                 p[i] * (1 - p[j])]
        ok &= all(eq(l, true) for l in links)
    r[72] = ok
    ok = True
    for i, j in pairs:  # condition i != j
        if i == j:
            continue
        true = sp.diff(E[i] / Z, a[j])
        links = [(0 - E[j] * E[i]) / Z ** 2, -E[j] / Z * E[i] / Z, -p[j] * p[i]]
        ok &= all(eq(l, true) for l in links)
    r[85] = ok
    r[96] = all(eq(sp.diff(p[j], a[j]), p[i] * (1 - p[j]) if i == j else -p[j] * p[i]) for i, j in pairs)
    r[108] = all(eq(sp.diff(p[j], a[j]), p[i] * ((1 if i == j else 0) - p[j])) for i, j in pairs)
    onehots = [[1 if c == cls else 0 for c in range(C)] for cls in range(C)]
    ok144 = ok158 = ok171 = ok167a = ok167b = True
    for y in onehots:
        L = -sum(y[k] * sp.log(p[k]) for k in range(C))
        ok167a &= sum(y) == 1
        for i in range(C):
            true = sp.diff(L, a[i])
            links = [-sum(y[k] * sp.diff(sp.log(p[k]), a[i]) for k in range(C)),
                     -sum(y[k] * (1 / p[k]) * sp.diff(p[k], a[i]) for k in range(C))]
            ok144 &= all(eq(l, true) for l in links)
            first = -y[i] * (1 - p[i]) - sum(y[k] * (1 / p[k]) * (-p[k] * p[i]) for k in range(C) if k != i)
            nk1 = sum(y[k] for k in range(C) if k != 0)  # sum over k != 1 (class 1 is index 0)
            rest = [-y[i] * (1 - p[i]) + nk1 * p[i], -y[i] + y[i] * p[i] + nk1 * p[i], p[i] * (y[i] + nk1) - y[i]]
            assert eq(first, true)
            ok158 &= eq(first, true) and all(eq(l, true) for l in rest)
            ok167b &= (y[i] + nk1) == 1
            ok171 &= eq(p[i] - y[i], true)
    r[144], r[158], r[171] = ok144, ok158, ok171
    r[(167, r'\sum_k y_k')] = ok167a
    r[(167, r'y_i +  \sum_{k \neq 1} y_k')] = ok167b
    return r


# ----------------------------------------------------------------- 02: Zakka, batch norm, m = 3
def file02():
    m = 3
    xs = sp.symbols("x1:4", real=True)
    gs = sp.symbols("g1:4", real=True)  # df/dy_i, the upstream derivative dout
    gam, bet = sp.symbols("gamma beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    MU, S2 = sp.symbols("mu sigma2", real=True)  # independent symbols for the staged partials
    mean = sum(xs) / m
    var_of = lambda mu: sum((x - mu) ** 2 for x in xs) / m
    xh_of = lambda i, mu, s2: (xs[i] - mu) / sp.sqrt(s2 + eps)
    at = {MU: mean}
    at2 = lambda e: e.subs(S2, var_of(MU)).subs(MU, mean)
    xh = [at2(xh_of(i, MU, S2)) for i in range(m)]
    f = sum(gs[i] * (gam * xh[i] + bet) for i in range(m))
    syms = list(xs) + list(gs) + [gam, bet, eps]
    eq = lambda u, v: same(u, v, syms, positive=(eps,))
    r = {}
    dgam, dbet = sp.diff(f, gam), sp.diff(f, bet)
    r[71] = all(eq(gs[i] * xh[i], dgam) for i in range(m)) and eq(sum(gs[i] * xh[i] for i in range(m)), dgam)
    r[84] = all(eq(gs[i] * 1, dbet) for i in range(m)) and eq(sum(gs), dbet)
    dfdxh = [gs[i] * gam for i in range(m)]  # f = sum_i g_i (gamma xhat_i + beta)
    XH = sp.symbols("xh1:4", real=True)  # xhat as independent variables (staged computation)
    f_of_xh = sum(gs[i] * (gam * XH[i] + bet) for i in range(m))
    r[94] = all(sp.expand(sp.diff(f_of_xh, XH[i]) - gs[i] * gam) == 0 for i in range(m))
    r[121] = all(eq(at2(sp.diff(xh_of(i, MU, S2), MU)), at2(sum(-1 / sp.sqrt(S2 + eps) for _ in range(m))))
                 for i in range(m))
    r[129] = sp.simplify(sp.diff(var_of(MU), MU) - sp.Rational(1, m) * sum(2 * (x - MU) * (-1) for x in xs)) == 0
    dxh_ds2 = [sp.diff(xh_of(i, MU, S2), S2) for i in range(m)]
    dfds2 = sum(dfdxh[i] * dxh_ds2[i] for i in range(m))  # the true staged partial
    f_of_s2 = sum(gs[i] * (gam * xh_of(i, MU, S2) + bet) for i in range(m))  # sigma^2 held independent
    r[139] = eq(at2(sp.diff(f_of_s2, S2)), at2(sum(dfdxh[i] * dxh_ds2[i] for i in range(m))))  # vector reading
    r[145] = all(eq(xh[i], at2((xs[i] - MU) * sp.sqrt(S2 + eps) ** sp.Rational(-1, 2))) for i in range(m))
    printed151 = [sum((x - MU) * sp.Rational(-1, 2) * sp.sqrt(S2 + eps) ** sp.Rational(-3, 2) for x in xs)] * 2
    r[151] = all(eq(at2(p_), at2(dxh_ds2[i])) for p_ in printed151 for i in range(m))
    dfdmu_true = sum(dfdxh[i] * sp.diff(xh_of(i, MU, S2), MU) for i in range(m)) + dfds2 * sp.diff(var_of(MU), MU)
    dfdmu_printed = sum(dfdxh[i] * (-1 / sp.sqrt(S2 + eps)) for i in range(m)) + dfds2 * sum(-2 * (x - MU) for x in xs)
    r[159] = eq(at2(dfdmu_printed), at2(dfdmu_true))
    r[170] = all(sp.simplify(sp.diff(xh_of(i, MU, S2), xs[i]) - 1 / sp.sqrt(S2 + eps)) == 0 for i in range(m))
    r[172] = all(sp.diff(mean, x) == sp.Rational(1, m) for x in xs)
    r[174] = all(sp.expand(sp.diff(var_of(MU), xs[i]) - 2 * (xs[i] - MU) / m) == 0 for i in range(m))
    ok = True
    for i in range(m):
        printed = (dfdxh[i] / sp.sqrt(S2 + eps) + dfdmu_true * sp.Rational(1, m)
                   + dfds2 * 2 * (xs[i] - MU) / m)
        ok &= eq(at2(printed), sp.diff(f, xs[i]))
    r[179] = ok
    r[184] = eq(sum(gs), dbet)
    r[188] = eq(sum(gs[i] * xh[i] for i in range(m)), dgam)
    r[192], r[198], r[202], r[206] = r[179], r[94], r[151], r[159]
    return r


# ----------------------------------------------------------------- 03/04: RemiC (Mint), N = 1, one channel in and out
def conv_layer(H, F, S):
    Ho = (H - F) // S + 1
    x = {(h, w): sp.Symbol(f"x{h}{w}") for h in range(H) for w in range(H)}
    k = {(i, j): sp.Symbol(f"k{i}{j}") for i in range(F) for j in range(F)}
    d = {(h, w): sp.Symbol(f"d{h}{w}") for h in range(Ho) for w in range(Ho)}
    b = sp.Symbol("b")
    z = {(h, w): sum(x[S * h + i, S * w + j] * k[i, j] for i in range(F) for j in range(F)) + b
         for h in range(Ho) for w in range(Ho)}
    Lin = sum(d[q] * z[q] for q in z)
    return x, k, d, b, z, Lin, Ho


def file03():
    x, k, d, b, z, Lin, Ho = conv_layer(3, 2, 1)
    dx = {q: sp.diff(Lin, x[q]) for q in x}
    dk = {q: sp.diff(Lin, k[q]) for q in k}
    z0 = lambda e: sp.expand(e) == 0
    g = lambda h, w: d.get((h, w), 0)  # outside the output: 0
    r = {}
    r[33] = all(z0(z[h, w] - sum(x[h + i, w + j] * k[i, j] for i in range(2) for j in range(2))) for (h, w) in z)
    r[41] = all(z0(sum(d[h, w] * sp.diff(z[h, w], k[i, j]) for (h, w) in z) - dk[i, j])
                and z0(sum(d[h, w] * x[h + i, w + j] for (h, w) in z) - dk[i, j]) for (i, j) in k)
    r[49] = r[41]  # x~_{c',n,a,b} = x_{n,c',a,b}, delta~_{c,n,h,w} = delta_{n,c,h,w}: the same sum
    r[58] = z0(sum(d[q] * sp.diff(z[q], b) for q in z) - sp.diff(Lin, b)) and z0(sum(d.values()) - sp.diff(Lin, b))
    ind = lambda h, hp, w, wp: 1 if (max(0, h - 1) <= hp <= h and max(0, w - 1) <= wp <= w) else 0
    r[68] = all(z0(sum(d[hp, wp] * sp.diff(z[hp, wp], x[h, w]) for (hp, wp) in z) - dx[h, w])
                and z0(sum(d[hp, wp] * sp.diff(z[hp, wp], x[h, w]) * ind(h, hp, w, wp) for (hp, wp) in z) - dx[h, w])
                for (h, w) in x)
    dz = lambda h, w: sp.diff(z[h, w], x[0, 0]) if (h, w) in z else 0
    ok = True
    for (h, w) in x:
        l1 = sum(g(h - 1 + i, w - 1 + j) * (sp.diff(z[h - 1 + i, w - 1 + j], x[h, w]) if (h - 1 + i, w - 1 + j) in z else 0)
                 for i in range(2) for j in range(2))
        l2 = sum(g(h - 1 + i, w - 1 + j) * k[1 - i, 1 - j] for i in range(2) for j in range(2))
        ok &= z0(l1 - dx[h, w]) and z0(l2 - dx[h, w])
    r[85] = ok
    P = {(p, q): g(p - 1, q - 1) for p in range(4) for q in range(4)}  # delta padded by F-1 = 1
    khat = {(i, j): k[1 - i, 1 - j] for i in range(2) for j in range(2)}
    r[94] = all(z0(sum(P[h + i, w + j] * k[1 - i, 1 - j] for i in range(2) for j in range(2)) - dx[h, w])
                and z0(sum(P[h + i, w + j] * khat[i, j] for i in range(2) for j in range(2)) - dx[h, w])
                for (h, w) in x)
    return r


def file04():
    x, k, d, b, z, Lin, Ho = conv_layer(4, 2, 2)
    dx = {q: sp.diff(Lin, x[q]) for q in x}
    dk = {q: sp.diff(Lin, k[q]) for q in k}
    z0 = lambda e: sp.expand(e) == 0
    r = {}
    r[29] = all(z0(z[h, w] - sum(x[2 * h + i, 2 * w + j] * k[i, j] for i in range(2) for j in range(2))) for (h, w) in z)
    first = all(z0(sum(d[h, w] * sp.diff(z[h, w], k[i, j]) for (h, w) in z) - dk[i, j]) for (i, j) in k)
    second = all(z0(sum(d[h, w] * x[2 * h + i, 2 * h + j] for (h, w) in z) - dk[i, j]) for (i, j) in k)
    assert first
    r[34] = first and second
    chk = {(p, q): (d[p // 2, q // 2] if p % 2 == 0 and q % 2 == 0 else 0) for p in range(3) for q in range(3)}
    lim = lambda n: all(z0(sum(chk[h, w] * x[h + i, w + j] for h in range(n) for w in range(n)) - dk[i, j])
                        for (i, j) in k)
    r[42] = lim(2)          # the printed limits 0..H^l-1 = 0..1
    assert lim(3)           # (with the dilated map's limits 0..2 it would hold)
    ind = lambda h, hp, w, wp: 1 if (max(0, h - 1) <= 2 * hp <= h and max(0, w - 1) <= 2 * wp <= w) else 0
    r[57] = all(z0(sum(d[hp, wp] * sp.diff(z[hp, wp], x[h, w]) for (hp, wp) in z) - dx[h, w])
                and z0(sum(d[hp, wp] * sp.diff(z[hp, wp], x[h, w]) * ind(h, hp, w, wp) for (hp, wp) in z) - dx[h, w])
                for (h, w) in x)
    P = {(p, q): chk.get((p - 1, q - 1), 0) for p in range(5) for q in range(5)}  # dilated, then padded by 1
    r[75] = all(z0(sum(P[h + i, w + j] * k[1 - i, 1 - j] for i in range(2) for j in range(2)) - dx[h, w])
                for (h, w) in x)
    return r


# ----------------------------------------------------------------- 05: Dahal, conv layer, 3x3 input, 2x2 filter, bias
def file05():
    A = {(i, j): sp.Symbol(f"a{i}{j}") for i in range(3) for j in range(3)}
    W = {(p, q): sp.Symbol(f"W{p}{q}") for p in range(2) for q in range(2)}
    G = {(i, j): sp.Symbol(f"G{i}{j}") for i in range(2) for j in range(2)}  # dC/dZ_ij
    b = sp.Symbol("b")
    Z = {(i, j): sum(W[p, q] * A[i + p, j + q] for p in range(2) for q in range(2)) + b for i in range(2) for j in range(2)}
    C = sum(G[q] * Z[q] for q in Z)
    z0 = lambda e: sp.expand(e) == 0
    r = {}
    r[34] = all(z0(Z[i, j] - sum(W[p, q] * A[i + p, j + q] for p in range(2) for q in range(2))) for (i, j) in Z)
    r[49] = all(z0(sum(G[i, j] * sp.diff(Z[i, j], W[p, q]) for (i, j) in Z) - sp.diff(C, W[p, q]))
                and z0(sum(G[i, j] * A[i + p, j + q] for (i, j) in Z) - sp.diff(C, W[p, q])) for (p, q) in W)
    r[54] = all(z0(sp.diff(Z[i, j], W[p, q]) - A[i + p, j + q]) for (i, j) in Z for (p, q) in W)
    r[71] = z0(sum(G.values()) - sp.diff(C, b))
    g = lambda i, j: G.get((i, j), 0)
    dZ = lambda i, j, v: sp.diff(Z[i, j], v) if (i, j) in Z else 0
    r[85] = all(z0(sum(g(i - p, j - q) * dZ(i - p, j - q, A[i, j]) for p in range(2) for q in range(2)) - sp.diff(C, A[i, j]))
                and z0(sum(g(i - p, j - q) * W[p, q] for p in range(2) for q in range(2)) - sp.diff(C, A[i, j]))
                for (i, j) in A)
    return r


# ----------------------------------------------------------------- 06: tesserato, 2-3-2, sigmoid g and f, no biases
def file06():
    i1, i2, t1, t2 = sp.symbols("i1 i2 t1 t2", real=True)
    w = {(a, c): sp.Symbol(f"w{a}{c}") for a in (1, 2) for c in (1, 2, 3)}     # input a -> hidden c
    u = {(c, k): sp.Symbol(f"u{c}{k}") for c in (1, 2, 3) for k in (1, 2)}     # hidden c -> output k
    g = f = sig
    dsig = lambda z: sig(z) * (1 - sig(z))
    netH = {c: i1 * w[1, c] + i2 * w[2, c] for c in (1, 2, 3)}
    h = {c: g(netH[c]) for c in (1, 2, 3)}
    netO = {k: h[1] * u[1, k] + h[2] * u[2, k] + h[3] * u[3, k] for k in (1, 2)}
    o = {k: f(netO[k]) for k in (1, 2)}
    E = sp.Rational(1, 2) * ((o[1] - t1) ** 2 + (o[2] - t2) ** 2)
    # the network file's loss: the mean of the two squared errors (PyTorch's MSELoss) is this E
    assert sp.expand(E - ((o[1] - t1) ** 2 + (o[2] - t2) ** 2) / 2) == 0
    syms = [i1, i2, t1, t2] + list(w.values()) + list(u.values())
    eq = lambda a_, b_: same(a_, b_, syms, trials=3)
    dd = sp.diff
    r = {}
    true_u = dd(E, u[1, 1])
    U = u[1, 1]
    links_u = [
        sp.Rational(1, 2) * dd((o[1] - t1) ** 2 + (o[2] - t2) ** 2, U),
        sp.Rational(1, 2) * (dd((o[1] - t1) ** 2, U) + dd((o[2] - t2) ** 2, U)),
        sp.Rational(1, 2) * dd((o[1] - t1) ** 2, U),
        (o[1] - t1) * (dsig(netO[1]) * (dd(h[1] * U, U) + dd(h[2] * u[2, 1], U) + dd(h[3] * u[3, 1], U)) - dd(t1, U)),
        h[1] * (o[1] - t1) * dsig(netO[1]),
    ]
    r[34] = all(eq(l, true_u) for l in links_u)
    Wv = w[1, 1]
    true_w = dd(E, Wv)
    links_w = [
        sp.Rational(1, 2) * dd((o[1] - t1) ** 2 + (o[2] - t2) ** 2, Wv),
        sp.Rational(1, 2) * (dd((o[1] - t1) ** 2, Wv) + dd((o[2] - t2) ** 2, Wv)),
        sp.Rational(1, 2) * (2 * (o[1] - t1) * dd(o[1] - t1, Wv) + 2 * (o[2] - t2) * dd(o[2] - t2, Wv)),
        (o[1] - t1) * (dd(o[1], Wv) - dd(t1, Wv)) + (o[2] - t2) * (dd(o[2], Wv) - dd(t2, Wv)),
        (o[1] - t1) * dsig(netO[1]) * (dd(h[1] * u[1, 1], Wv) + dd(h[2] * u[2, 1], Wv) + dd(h[3] * u[3, 1], Wv))
        + (o[2] - t2) * dsig(netO[2]) * (dd(h[1] * u[1, 2], Wv) + dd(h[2] * u[2, 2], Wv) + dd(h[3] * u[3, 2], Wv)),
        (o[1] - t1) * dsig(netO[1]) * dd(h[1] * u[1, 1], Wv) + (o[2] - t2) * dsig(netO[2]) * dd(h[1] * u[1, 2], Wv),
        (o[1] - t1) * dsig(netO[1]) * (u[1, 1] * i1 * dsig(i1 * w[1, 1] + i2 * w[2, 1]))
        + (o[2] - t2) * dsig(netO[2]) * (u[1, 2] * i1 * dsig(i1 * w[1, 1] + i2 * w[2, 1])),
    ]
    r[79] = all(eq(l, true_w) for l in links_w)
    r[167] = eq(links_u[-1], true_u)
    r[171] = eq(links_w[-1], true_w)
    return r


CHECKS = {
    "01_dahal_softmax_crossentropy.md": file01,
    "02_zakka_batchnorm.md": file02,
    "03_remic_conv_unit_stride.md": file03,
    "04_remic_conv_stride2.md": file04,
    "05_dahal_convlayer.md": file05,
    "06_tesserato_two_layer.md": file06,
}

total = wrong = 0
for f in KEY["file"]:
    results = CHECKS[f["name"]]()
    lines_count = {}
    for c in f["claim"]:
        lines_count[c["line"]] = lines_count.get(c["line"], 0) + 1
    claims = {}
    for c in f["claim"]:
        tag = (c["line"], c["lhs"]) if lines_count[c["line"]] > 1 else c["line"]
        claims[tag] = c["verdict"]
    if set(results) != set(claims):
        problems.append(f"{f['name']}: derived {sorted(map(str, results))} != keyed {sorted(map(str, claims))}")
    for tag, ok in sorted(results.items(), key=lambda kv: str(kv[0]).zfill(8)):
        want = claims.get(tag)
        got = "right" if ok else "wrong"
        total += 1
        wrong += got == "wrong"
        flag = "ok" if want == got else "MISMATCH"
        if want != got:
            problems.append(f"{f['name']} {tag}: key says {want}, mathematics says {got}")
        print(f"{f['name']:36s} {str(tag)[:40]:40s}  {got:5s}  {flag}")

print(f"\n{total} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
