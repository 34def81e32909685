#!/usr/bin/env python3
"""Independent check of key.toml for the set "published7" (does not import symconv).

Each layer or network is built from its definition in SymPy; every keyed claim is re-derived here (exactly
where cheap, otherwise at random points) and the verdict compared with the key. A coverage check makes sure
every line with "=" inside maths ($$...$$, display or kramdown inline; <script type="math/tex; mode=display">;
a bare eqnarray) is keyed, or continues a keyed display. Printed sums whose explicit limits name entries that
do not exist are wrong as printed (lit() returns None). Exit 0 only if all match.
"""
import random
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text())
rng = random.Random(20261208)
problems = []
def math_blocks(path):
    """Blocks of maths: $$...$$ (display or kramdown inline), <script type="math/tex; mode=display">...</script>,
    and a bare \\begin{eqnarray}...\\end{eqnarray} outside $$. Returns lists of line numbers with '='."""
    lines = Path(path).read_text().splitlines()
    blocks, cur, in_d, in_s, in_bare, in_code = [], None, False, False, False, False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("```") or s.startswith("{% highlight") or s.startswith("{% endhighlight") or s.startswith("<pre") or s.startswith("</pre"):
            if s.startswith("```"): in_code = not in_code
            elif s.startswith("{% highlight") or s.startswith("<pre"): in_code = True
            else: in_code = False
            continue
        if in_code or s.startswith("*Transcribed") or s.startswith("[Transcriber's note"):
            continue
        k = line.count("$$")
        opens_s = '<script type="math/tex; mode=display">' in line
        closes_s = "</script>" in line
        bare_open = (not in_d and not in_s and k == 0 and s.startswith("\\begin{eqnarray}"))
        if bare_open: in_bare = True
        is_m = in_d or in_s or in_bare or k > 0 or opens_s
        if is_m and cur is None: cur = []
        if is_m and "=" in line.replace('<script type="math/tex; mode=display">', "") and not line.lstrip().startswith("*Transcribed"):
            cur.append(n)
        if k % 2 == 1: in_d = not in_d
        if opens_s: in_s = True
        if closes_s: in_s = False
        if in_bare and s.startswith("\\end{eqnarray}"): in_bare = False
        if not (in_d or in_s or in_bare) and cur is not None:
            blocks.append(cur); cur = None
    return blocks


def rand():
    return sp.Rational(rng.randint(-90, 90), rng.randint(7, 23))


def same(e1, e2, syms, trials=3, positive=()):
    e1, e2 = sp.sympify(e1), sp.sympify(e2)
    if sp.expand(e1 - e2) == 0:
        return True
    for _ in range(trials):
        sub = {s: (abs(rand()) + sp.Rational(1, 3) if s in positive else rand()) for s in syms}
        a, b = complex(sp.N(e1.subs(sub), 30)), complex(sp.N(e2.subs(sub), 30))
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    return True


# ----------------------------------------------------------------- coverage
for f in KEY["file"]:
    path = HERE / f["name"]
    text = path.read_text().splitlines()
    keyed = {}
    for kind in ("definitions", "not_claims", "claim"):
        for e in f.get(kind, []):
            tag = (e["line"], e.get("lhs"))
            if tag in keyed:
                problems.append(f"{f['name']}: line {e['line']} keyed twice")
            keyed[tag] = kind
    lines_keyed = {ln for ln, _ in keyed}
    blocks = math_blocks(path)
    for ln in lines_keyed:
        if not any(ln in b for b in blocks):
            problems.append(f"{f['name']}: keyed line {ln} is not a maths line with '='")
    for (ln, lhs), kind in keyed.items():  # lhs on its line, or opening the display (3 lines up), or 2 lines down
        if lhs is not None and not any(lhs in text[k] for k in range(max(0, ln - 3), min(len(text), ln + 2))):
            problems.append(f"{f['name']}: lhs {lhs!r} not found near line {ln}")
    for block in blocks:
        seen = False
        for ln in block:
            if ln in lines_keyed:
                seen = True
            elif not seen:
                problems.append(f"{f['name']}: line {ln} with '=' in maths is not keyed")
    for (ln, lhs) in keyed:
        if sum(1 for (l2, _) in keyed if l2 == ln) > 1 and lhs is None:
            problems.append(f"{f['name']}: line {ln} keyed more than once without lhs")


def lit(table, *idx):
    """An entry named by a printed formula: None if it does not exist."""
    return table.get(idx)


def total(terms):
    """Sum of entries; None if any term names an entry that does not exist."""
    terms = list(terms)
    return None if any(t is None for t in terms) else sum(terms)


def mul(a, b):
    return None if a is None or b is None else a * b


# ----------------------------------------------------------------- 01: Thorey, batch norm, N = 3, H = 2
def file01():
    N, H = 3, 2
    h = {(k, l): sp.Symbol(f"h{k}{l}", real=True) for k in range(N) for l in range(H)}
    g = {(k, l): sp.Symbol(f"g{k}{l}", real=True) for k in range(N) for l in range(H)}  # dL/dy
    gam = {l: sp.Symbol(f"gamma{l}", real=True) for l in range(H)}
    bet = {l: sp.Symbol(f"beta{l}", real=True) for l in range(H)}
    eps = sp.Symbol("epsilon", positive=True)
    mu = {l: sum(h[p, l] for p in range(N)) / N for l in range(H)}
    var = {l: sum((h[p, l] - mu[l]) ** 2 for p in range(N)) / N for l in range(H)}
    hh = {(k, l): (h[k, l] - mu[l]) * (var[l] + eps) ** sp.Rational(-1, 2) for (k, l) in h}
    y = {(k, l): gam[l] * hh[k, l] + bet[l] for (k, l) in h}
    L = sum(g[q] * y[q] for q in h)
    syms = list(h.values()) + list(g.values()) + list(gam.values()) + list(bet.values()) + [eps]
    eq = lambda a, b: same(a, b, syms, positive=(eps,))
    d = lambda a, b: 1 if a == b else 0
    r = {}
    ok149 = ok158 = ok176 = ok200 = ok213 = ok225 = ok234 = True
    for (i, j) in h:
        true = sp.diff(L, h[i, j])
        ok149 &= eq(sum(g[k, l] * sp.diff(y[k, l], h[i, j]) for (k, l) in h), true)
        ok158 &= eq(sum(g[k, l] * gam[l] * sp.diff(hh[k, l], h[i, j]) for (k, l) in h), true)
        dvar = {l: sp.diff(var[l], h[i, j]) for l in range(H)}
        for (k, l) in h:
            ok176 &= sp.expand(sp.diff(h[k, l] - mu[l], h[i, j]) - (d(i, k) * d(j, l) - sp.Rational(1, 3) * d(j, l))) == 0
            s = (var[l] + eps)
            ok200 &= eq(sp.diff(hh[k, l], h[i, j]), (d(i, k) * d(j, l) - sp.Rational(1, 3) * d(j, l)) * s ** sp.Rational(-1, 2)
                        - sp.Rational(1, 2) * (h[k, l] - mu[l]) * dvar[l] * s ** sp.Rational(-3, 2))
            ok225 &= eq(sp.diff(hh[k, l], h[i, j]), (d(i, k) * d(j, l) - sp.Rational(1, 3) * d(j, l)) * s ** sp.Rational(-1, 2)
                        - sp.Rational(1, 3) * (h[k, l] - mu[l]) * (h[i, l] - mu[l]) * d(j, l) * s ** sp.Rational(-3, 2))
        for l in range(H):
            links = [sp.Rational(1, 3) * sum(2 * (d(i, p) * d(j, l) - sp.Rational(1, 3) * d(j, l)) * (h[p, l] - mu[l]) for p in range(N)),
                     sp.Rational(2, 3) * (h[i, l] - mu[l]) * d(j, l) - sp.Rational(2, 9) * sum(d(j, l) * (h[p, l] - mu[l]) for p in range(N)),
                     sp.Rational(2, 3) * (h[i, l] - mu[l]) * d(j, l) - sp.Rational(2, 3) * d(j, l) * (sum(h[p, l] for p in range(N)) / 3 - mu[l]),
                     sp.Rational(2, 3) * (h[i, l] - mu[l]) * d(j, l)]
            ok213 &= all(sp.expand(x - dvar[l]) == 0 for x in links)
        s = lambda l: var[l] + eps
        term = lambda k, l: (d(i, k) * d(j, l) - sp.Rational(1, 3) * d(j, l))
        links = [
            sum(g[k, l] * gam[l] * sp.diff(hh[k, l], h[i, j]) for (k, l) in h),
            sum(g[k, l] * gam[l] * (term(k, l) * s(l) ** sp.Rational(-1, 2) - sp.Rational(1, 3) * (h[k, l] - mu[l]) * (h[i, l] - mu[l]) * d(j, l) * s(l) ** sp.Rational(-3, 2)) for (k, l) in h),
            g[i, j] * gam[j] * s(j) ** sp.Rational(-1, 2) - sp.Rational(1, 3) * sum(g[k, j] for k in range(N)) * gam[j] * s(j) ** sp.Rational(-1, 2)
            - sp.Rational(1, 3) * sum(g[k, j] * gam[j] * (h[k, j] - mu[j]) * (h[i, j] - mu[j]) * s(j) ** sp.Rational(-3, 2) for k in range(N)),
            sp.Rational(1, 3) * gam[j] * s(j) ** sp.Rational(-1, 2) * (3 * g[i, j] - sum(g[k, j] for k in range(N))
                                                                    - (h[i, j] - mu[j]) / s(j) * sum(g[k, j] * (h[k, j] - mu[j]) for k in range(N))),
        ]
        ok234 &= all(eq(x, true) for x in links)
    r[149], r[158], r[176], r[200], r[213], r[225], r[234] = ok149, ok158, ok176, ok200, ok213, ok225, ok234
    r[164] = all(sp.diff(gam[l] * sp.Symbol("X") + bet[l], sp.Symbol("X")) == gam[l] for l in range(H))
    r[248] = all(eq(sp.diff(L, gam[j]), sum(g[k, l] * hh[k, l] * d(l, j) for (k, l) in h))
                 and eq(sp.diff(L, gam[j]), sum(g[k, j] * (h[k, j] - mu[j]) * (var[j] + eps) ** sp.Rational(-1, 2) for k in range(N)))
                 for j in range(H))
    r[256] = all(eq(sp.diff(L, bet[j]), sum(g[k, j] for k in range(N))) for j in range(H))
    return r


# ----------------------------------------------------------------- conv layers (N = C = F = 1)
def conv(H, F, S, P):
    Hp = H + 2 * P
    Ho = (Hp - F) // S + 1
    x = {(i, j): sp.Symbol(f"x{i}{j}") for i in range(H) for j in range(H)}
    xp = {(i, j): x.get((i - P, j - P), sp.Integer(0)) for i in range(Hp) for j in range(Hp)}
    w = {(p, q): sp.Symbol(f"w{p}{q}") for p in range(F) for q in range(F)}
    dy = {(k, l): sp.Symbol(f"g{k}{l}") for k in range(Ho) for l in range(Ho)}
    b = sp.Symbol("b")
    y = {(k, l): sum(xp[S * k + p, S * l + q] * w[p, q] for p in range(F) for q in range(F)) + b for (k, l) in dy}
    L = sum(dy[q] * y[q] for q in dy)
    return x, xp, w, dy, b, y, L, Ho


def file02():
    x, xp, w, dy, b, y, L, Ho = conv(5, 3, 2, 0)
    z0 = lambda e: e is not None and sp.expand(e) == 0
    r = {}
    # 92: the first link, ... read as the remaining terms; the last term printed w44 w22
    w44 = sp.Symbol("w44")
    link1 = sum(x[2 + p, 2 + q] * w[p, q] for p in range(3) for q in range(3)) - x[4, 4] * w[2, 2] + w44 * w[2, 2]
    link2 = sum(x[p, q] * w[p - 2, q - 2] for p in range(2, 5) for q in range(2, 5)) + b
    r[92] = z0(link1 - y[1, 1]) and z0(link2 - y[1, 1])
    # 104/128: sums with upper limit p_0 + 3 (Delta p = HH = 3)
    fw = lambda k, l, lo, hi: total(mul(lit(xp, p, q), lit(w, p - 2 * k, q - 2 * l))
                                    for p in range(2 * k + lo, 2 * k + hi + 1) for q in range(2 * l + lo, 2 * l + hi + 1))
    ok = True
    for (k, l) in y:
        s = fw(k, l, 0, 3)
        ok &= s is not None and z0(s + b - y[k, l])
    r[104] = r[128] = ok
    assert all(z0(fw(k, l, 0, 2) + b - y[k, l]) for (k, l) in y)  # with upper limits 2 it would hold
    r[172] = all(z0(sum(dy[k, l] * sp.diff(y[k, l], w[i, j]) for (k, l) in y) - sp.diff(L, w[i, j])) for (i, j) in w)
    ok = True
    for (k, l) in y:
        for (i, j) in w:
            inner = total(mul(lit(xp, p + 2 * k, q + 2 * l), lit(w, p, q)) for p in range(4) for q in range(4))
            ok &= inner is not None and z0(sp.diff(inner, w[i, j]) - sp.diff(y[k, l], w[i, j]))
            ok &= z0(xp[i + 2 * k, j + 2 * l] - sp.diff(y[k, l], w[i, j]))
    r[181] = ok
    r[195] = all(z0(sum(dy[k, l] * xp[i + 2 * k, j + 2 * l] for (k, l) in y) - sp.diff(L, w[i, j])) for (i, j) in w)
    r[220] = z0(sum(dy.values()) - sp.diff(L, b))
    return r


def file03():
    x, xp, w, dy, b, y, L, Ho = conv(3, 3, 2, 1)
    z0 = lambda e: e is not None and sp.expand(e) == 0
    XP = {q: sp.Symbol(f"P{q[0]}{q[1]}") for q in xp}  # the padded input as its own variables
    yP = {(k, l): sum(XP[2 * k + p, 2 * l + q] * w[p, q] for p in range(3) for q in range(3)) + b for (k, l) in dy}
    d = lambda a, c: 1 if a == c else 0
    r = {}
    r[12] = all(z0(sum(dy[k, l] * sp.diff(y[k, l], x[i, j]) for (k, l) in y) - sp.diff(L, x[i, j])) for (i, j) in x)
    ok = True
    for (k, l) in y:
        inner = total(mul(lit(xp, p + 2 * k, q + 2 * l), lit(w, p, q)) for p in range(4) for q in range(4))
        ok &= inner is not None and all(z0(sp.diff(inner + b, x[i, j]) - sp.diff(y[k, l], x[i, j])) for (i, j) in x)
    r[21] = ok
    dxp = {(a, c, i, j): sp.diff(xp[a, c], x[i, j]) for (a, c) in xp for (i, j) in x}
    r[32] = all(z0(sum(sp.diff(yP[k, l], XP[q]) * dxp[q + (i, j)] for q in xp) - sp.diff(y[k, l], x[i, j]))
                for (k, l) in y for (i, j) in x)
    ind = lambda a: 1 if 1 <= a <= 3 - 1 else 0
    r[43] = all(z0(xp[a, c] - (x.get((a - 1, c - 1), 0) * ind(a) * ind(c))) for (a, c) in xp)
    r[51] = all(z0(dxp[(a, c, i, j)] - d(i, a - 1) * d(j, c - 1)) for (a, c) in xp for (i, j) in x)
    ok59 = True
    for (k, l) in y:
        for (a, c) in xp:
            true = sp.diff(yP[k, l], XP[a, c])
            l1 = total(mul(lit(XP, p + 2 * k, q + 2 * l), lit(w, p, q)) for p in range(4) for q in range(4))
            l2 = total(mul(d(p + 2 * k, a) * d(q + 2 * l, c), lit(w, p, q)) for p in range(4) for q in range(4))
            ok59 &= l1 is not None and z0(sp.diff(l1, XP[a, c]) - true) and z0(l2 - true)
    r[59] = ok59
    ok72 = ok89 = True
    for (i, j) in x:
        for (k, l) in y:
            true = sp.diff(y[k, l], x[i, j])
            l3 = total(mul(d(p + 2 * k, i + 1) * d(q + 2 * l, j + 1), lit(w, p, q)) for p in range(4) for q in range(4))
            ok72 &= z0(l3 - true) if l3 is not None else False
        l2 = total(mul(dy[k, l] * d(p + 2 * k, i + 1) * d(q + 2 * l, j + 1), lit(w, p, q))
                   for (k, l) in y for p in range(4) for q in range(4))
        ok89 &= l2 is not None and z0(l2 - sp.diff(L, x[i, j]))
    r[72], r[89] = ok72, ok89
    # with upper limits 2 the final formula would hold
    assert all(z0(sum(dy[k, l] * d(p + 2 * k, i + 1) * d(q + 2 * l, j + 1) * w[p, q] for (k, l) in y
                      for p in range(3) for q in range(3)) - sp.diff(L, x[i, j])) for (i, j) in x)
    return r


# ----------------------------------------------------------------- 04: Thorey, max pooling 4x4, 2x2, stride 2
def file04():
    vals = rng.sample(range(-50, 50), 16)  # distinct values: a unique max in every region
    x = {(i, j): sp.Integer(vals[4 * i + j]) for i in range(4) for j in range(4)}
    g = {(k, l): sp.Symbol(f"g{k}{l}") for k in range(2) for l in range(2)}
    y = {(k, l): max(x[2 * k + p, 2 * l + q] for p in range(2) for q in range(2)) for (k, l) in g}
    arg = {(k, l): next((2 * k + p, 2 * l + q) for p in range(2) for q in range(2) if x[2 * k + p, 2 * l + q] == y[k, l]) for (k, l) in g}
    grad = {(i, j): sum(g[k, l] for (k, l) in g if arg[k, l] == (i, j)) for (i, j) in x}  # the max routes the gradient
    r = {}
    ok = True
    for (k, l) in g:
        entries = [lit(x, 2 * k + p, 2 * l + q) for p in range(3) for q in range(3)]
        ok &= None not in entries and max(entries) == y[k, l]
    r[34] = ok
    r[47] = all(max(x[p + 2 * k, q + 2 * l] for p in range(2) for q in range(2)) == y[k, l] for (k, l) in g)
    r[69] = True  # the chain rule itself; its pieces are checked in line 85
    d = lambda a, c: 1 if a == c else 0
    r[85] = all(sp.expand(sum(g[k, l] * d(i, arg[k, l][0]) * d(j, arg[k, l][1]) for (k, l) in g) - grad[i, j]) == 0 for (i, j) in x)
    # dy/dx by finite differences at these values confirm the routing
    for (i, j) in x:
        for (k, l) in g:
            xx = dict(x); xx[i, j] += sp.Rational(1, 10**6)
            yk = max(xx[2 * k + p, 2 * l + q] for p in range(2) for q in range(2))
            assert (yk - y[k, l]) * 10**6 == (1 if arg[k, l] == (i, j) else 0)
    return r


# ----------------------------------------------------------------- 05: Thorey, spatial batch norm, N = 2, C = 1, 2x2
def file05():
    idx = [(n, k, l) for n in range(2) for k in range(2) for l in range(2)]
    x = {q: sp.Symbol(f"x{q[0]}{q[1]}{q[2]}", real=True) for q in idx}
    g = {q: sp.Symbol(f"g{q[0]}{q[1]}{q[2]}", real=True) for q in idx}
    gam, bet = sp.symbols("gamma beta", real=True)
    eps = sp.Symbol("epsilon", positive=True)
    mu = sum(x.values()) / 8
    var = sum((v - mu) ** 2 for v in x.values()) / 8
    xh = {q: (x[q] - mu) * (var + eps) ** sp.Rational(-1, 2) for q in idx}
    L = sum(g[q] * (gam * xh[q] + bet) for q in idx)
    syms = list(x.values()) + list(g.values()) + [gam, bet, eps]
    eq = lambda a, b: same(a, b, syms, positive=(eps,))
    r = {}
    r[65] = eq(sp.diff(L, bet), sum(g.values()))
    r[79] = eq(sp.diff(L, gam), sum(g[q] * xh[q] for q in idx))
    s = var + eps
    r[94] = all(eq(sp.diff(L, x[q]),
                   sp.Rational(1, 8) * gam * s ** sp.Rational(-1, 2) * (8 * g[q] - sum(g.values()))
                   - sp.Rational(1, 8) * gam * s ** sp.Rational(-1, 2) * ((x[q] - mu) / s * sum(g[p] * (x[p] - mu) for p in idx)))
                for q in idx[:3])
    return r


# ----------------------------------------------------------------- 06: Petersen, softmax + cross-entropy, n = 3
def file06():
    n = 3
    xs = sp.symbols("x1:4", real=True)
    c = sp.Symbol("c", real=True)
    E = [sp.exp(v) for v in xs]
    Z = sum(E)
    s = [e / Z for e in E]
    eq = lambda a, b: same(a, b, list(xs) + [c])
    r = {}
    r[51] = all(eq(sp.exp(xs[i] + c) / sum(sp.exp(v + c) for v in xs), s[i])
                and eq(E[i] * sp.exp(c) / sum(e * sp.exp(c) for e in E), s[i]) for i in range(n))
    xm = sp.Symbol("xmax")
    r[56] = sp.exp(xm - xm) == 1
    r[97] = all(eq(sp.diff(s[i], xs[i]), (Z * E[i] - E[i] * E[i]) / Z ** 2) and eq(sp.diff(s[i], xs[i]), s[i] - s[i] ** 2)
                for i in range(n))
    r[110] = all(eq(sp.diff(s[i], xs[j]), (Z * 0 - E[i] * E[j]) / Z ** 2) and eq(sp.diff(s[i], xs[j]), -s[i] * s[j])
                 for i in range(n) for j in range(n) if i != j)
    # 125: rows and columns s_0..s_3 (4x4) for the 3 outputs s_1..s_3 (1-based): s_0 names no output
    sdict = {i + 1: s[i] for i in range(n)}
    J = sp.Matrix(n, n, lambda i, j: sp.diff(s[i], xs[j]))
    printed = [[lit(sdict, a) for a in range(0, 4)] for _ in range(1)][0]
    r[125] = None not in printed and len(printed) == n
    sv = sp.Matrix([s])  # a row
    r[136] = all(eq(a, b) for a, b in zip(J, sp.diag(*s) - sv.T * sv))
    ok189 = ok230 = ok265 = ok272 = True
    for cls in range(n):
        y = sp.Matrix([[1 if k == cls else 0 for k in range(n)]])
        H = -sum(y[k] * sp.log(s[k]) for k in range(n))
        ok189 &= eq(H, -(y * sp.Matrix([sp.log(v) for v in s]))[0])
        S = sp.Matrix([s])
        gradS = sp.Matrix([[-y[k] / s[k] for k in range(n)]])
        ok230 &= all(eq(a, b) for a, b in zip(gradS, -y * sp.diag(*[1 / v for v in s])))
        gradX = sp.Matrix([[sp.diff(H, v) for v in xs]])
        ok265 &= all(eq(a, b) for a, b in zip(gradX, gradS * J))
        links = [gradS * (sp.diag(*s) - S.T * S),
                 (-gradS) * S.T * S - (-gradS) * sp.diag(*s),
                 y * sp.Matrix.vstack(*[S] * n) - y,
                 S - y]
        ok272 &= all(all(eq(a, b) for a, b in zip(L_, gradX)) for L_ in links)
    r[189], r[230], r[265], r[272] = ok189, ok230, ok265, ok272
    return r


# ----------------------------------------------------------------- 07: d2l, 2-3-2 MLP, sigmoid, softmax CE, l2 term
def file07():
    sig = lambda z: 1 / (1 + sp.exp(-z))
    xv = sp.Matrix(sp.symbols("x1:3", real=True))
    W1 = sp.Matrix(3, 2, lambda i, j: sp.Symbol(f"a{i}{j}", real=True))
    W2 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"b{i}{j}", real=True))
    lam = sp.Symbol("lambda", positive=True)
    syms = list(xv) + list(W1) + list(W2) + [lam]
    eq = lambda a, b: same(a, b, syms, trials=2, positive=(lam,))
    z = W1 * xv
    h = z.applyfunc(sig)
    o = W2 * h
    y = 0  # one-hot label at class 0; the claims do not depend on l
    Lf = -sp.log(sp.exp(o[y]) / (sp.exp(o[0]) + sp.exp(o[1])))
    s = lam / 2 * (sum(v ** 2 for v in W1) + sum(v ** 2 for v in W2))
    Lsym, ssym = sp.symbols("L s")
    J = Lf + s
    r = {}
    r[(156, r'\frac{\partial J}{\partial L}')] = sp.diff(Lsym + ssym, Lsym) == 1
    r[(156, r'\frac{\partial J}{\partial s}')] = sp.diff(Lsym + ssym, ssym) == 1
    O = sp.Matrix(sp.symbols("o1:3", real=True))
    LO = -sp.log(sp.exp(O[y]) / (sp.exp(O[0]) + sp.exp(O[1])))
    dLdo = sp.Matrix([sp.diff(LO, v) for v in O]).subs(dict(zip(O, o)))
    JO = LO + s  # J as a function of o (s does not depend on o)
    r[164] = all(sp.simplify(sp.diff(JO, O[i]) - sp.diff(LO, O[i])) == 0 for i in range(2))
    r[(172, r'\frac{\partial s}{\partial \mathbf{W}^{(1)}}')] = all(sp.simplify(sp.diff(s, W1[q]) - lam * W1[q]) == 0 for q in range(6))
    r[(172, r'\frac{\partial s}{\partial \mathbf{W}^{(2)}}')] = all(sp.simplify(sp.diff(s, W2[q]) - lam * W2[q]) == 0 for q in range(6))
    dW2 = sp.Matrix(2, 3, lambda i, j: sp.diff(J, W2[i, j]))
    r[183] = all(eq(a, b) for a, b in zip(dW2, dLdo * h.T + lam * W2))
    H = sp.Matrix(sp.symbols("h1:4", real=True))
    dJdh = W2.T * dLdo
    # J as a function of h (W2 fixed): differentiate through o = W2 h
    Ofh = W2 * H
    LfH = -sp.log(sp.exp(Ofh[y]) / (sp.exp(Ofh[0]) + sp.exp(Ofh[1])))
    true_h = sp.Matrix([sp.diff(LfH, v) for v in H]).subs(dict(zip(H, h)))
    r[196] = all(eq(a, b) for a, b in zip(true_h, dJdh))
    Zs = sp.Matrix(sp.symbols("z1:4", real=True))
    LfZ = LfH.subs(dict(zip(H, Zs.applyfunc(sig))))
    true_z = sp.Matrix([sp.diff(LfZ, v) for v in Zs]).subs(dict(zip(Zs, z)))
    dsig = lambda v: sig(v) * (1 - sig(v))
    r[208] = all(eq(a, b) for a, b in zip(true_z, sp.Matrix([true_h[i] * dsig(z[i]) for i in range(3)])))
    dW1 = sp.Matrix(3, 2, lambda i, j: sp.diff(J, W1[i, j]))
    r[219] = all(eq(a, b) for a, b in zip(dW1, true_z * xv.T + lam * W1))
    return r


CHECKS = {
    "01_thorey_batchnorm.md": file01,
    "02_thorey_conv_weights_stride2.md": file02,
    "03_thorey_conv_input_padding.md": file03,
    "04_thorey_maxpool.md": file04,
    "05_thorey_spatial_batchnorm.md": file05,
    "06_petersen_softmax_crossentropy.md": file06,
    "07_d2l_mlp_backprop.md": file07,
}

total_n = wrong = 0
for f in KEY["file"]:
    results = CHECKS[f["name"]]()
    count = {}
    for c in f["claim"]:
        count[c["line"]] = count.get(c["line"], 0) + 1
    claims = {((c["line"], c["lhs"]) if count[c["line"]] > 1 else c["line"]): c["verdict"] for c in f["claim"]}
    if set(results) != set(claims):
        problems.append(f"{f['name']}: derived {sorted(map(str, results))} != keyed {sorted(map(str, claims))}")
    for tag, ok in sorted(results.items(), key=lambda kv: str(kv[0]).zfill(8)):
        want, got = claims.get(tag), ("right" if ok else "wrong")
        total_n += 1
        wrong += got == "wrong"
        if want != got:
            problems.append(f"{f['name']} {tag}: key says {want}, mathematics says {got}")
        print(f"{f['name']:38s} {str(tag)[:44]:44s}  {got:5s}  {'ok' if want == got else 'MISMATCH'}")

print(f"\n{total_n} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
