#!/usr/bin/env python3
"""Independent check of key.toml for the set "pub10" (does not import symconv).

Each layer or network is built from its definition in SymPy; every keyed claim is re-derived here (exactly where
cheap, otherwise at random points) and the verdict compared with the key. A coverage check makes sure every line
with "=" inside maths is keyed, or continues a keyed display: $$...$$ and \\[...\\] displays (over one or more
lines), $...$ and \\(...\\) inline. An "=" inside a sum's lower limit (\\sum_{i=1}) does not count. Where a claim is
an index-by-index statement printed in the notes (lists of terms), the terms are read from the notes file itself,
so that the check is of what is printed. Exit 0 only if all verdicts match and coverage is complete.
"""
import itertools
import math
import random
import re
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
rng = random.Random(20261209)
problems = []

# ----------------------------------------------------------------- coverage
LIMIT = re.compile(r"_\{\s*[A-Za-z]'?\s*=\s*[^{}]*\}")


def skipped(s):
    return s.startswith("*Transcribed") or s.startswith("[Transcriber's note")


def md_blocks(lines):
    """$$...$$ and \\[...\\] displays are blocks (over one or more lines); each $...$ or \\(...\\) inline segment is a
    block of its line. A backslash pair is a LaTeX row break, never a delimiter; \\$ is a dollar sign. Fenced code is
    skipped, and so are the transcriber's header and notes."""
    blocks, cur, mode, in_code = [], None, None, False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("```"):
            in_code = not in_code
            continue
        if in_code or skipped(s):
            continue
        txt = LIMIT.sub("", line)
        i, eq_here, inline = 0, False, []
        while i < len(txt):
            two = txt[i:i + 2]
            if mode is not None:
                close = "$$" if mode == "$$" else "\\]"
                if two == "\\\\":
                    i += 2
                    continue
                if two == close:
                    cur.append((n, eq_here))
                    blocks.append(cur)
                    cur, mode, eq_here = None, None, False
                    i += 2
                    continue
                eq_here |= txt[i] == "="
                i += 1
                continue
            if two in ("\\\\", "\\$"):
                i += 2
                continue
            if two in ("$$", "\\["):
                mode, cur, eq_here = two, [], False
                i += 2
                continue
            if txt[i] == "$" or two == "\\(":
                close = "$" if txt[i] == "$" else "\\)"
                start = i + len(close)
                j = txt.find(close, start)
                if j < 0:
                    break
                if "=" in txt[start:j]:
                    inline.append(n)
                i = j + len(close)
                continue
            i += 1
        if mode is not None:
            cur.append((n, eq_here))
        blocks.extend([[(n, True)] for n in inline])
    return blocks


def math_blocks(path):
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    out = []
    for b in md_blocks(lines):
        seen = []
        for ln, e in b:
            if e and ln not in seen:
                seen.append(ln)
        if seen:
            out.append(seen)
    return out


for f in KEY["file"]:
    path = HERE / f["name"]
    text = path.read_text(encoding="utf-8").splitlines()
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
    for (ln, lhs), kind in keyed.items():  # lhs on its line, up to 3 lines before, or 1 after
        if lhs is not None and not any(lhs in text[k] for k in range(max(0, ln - 4), min(len(text), ln + 1))):
            problems.append(f"{f['name']}: lhs {lhs!r} not found near line {ln}")
    for block in blocks:
        seen = False
        for ln in block:
            if ln in lines_keyed:
                seen = True
            elif not seen:
                problems.append(f"{f['name']}: line {ln} with '=' in maths is not keyed")
    for ln in lines_keyed:
        if sum(1 for (l2, _) in keyed if l2 == ln) > 1 and (ln, None) in keyed:
            problems.append(f"{f['name']}: line {ln} keyed more than once without lhs")


def notes(name):
    return (HERE / name).read_text(encoding="utf-8").splitlines()


# ----------------------------------------------------------------- helpers
def rand():
    return sp.Rational(rng.randint(-90, 90), rng.randint(7, 23))


def same(e1, e2, syms, trials=3, fixed=None):
    """Equal as expressions: exactly when expand() settles it, else at random rational points (fixed values kept)."""
    e1, e2 = sp.sympify(e1), sp.sympify(e2)
    if sp.expand(e1 - e2) == 0:
        return True
    for _ in range(trials):
        sub = {s: rand() for s in syms}
        if fixed:
            sub.update(fixed)
        a, b = complex(sp.N(e1.subs(sub), 30)), complex(sp.N(e2.subs(sub), 30))
        if abs(a - b) > 1e-9 * max(1.0, abs(a), abs(b)):
            return False
    return True


def mz(M):
    """A matrix (or matrix expression) that expands to zero."""
    return all(sp.expand(v) == 0 for v in M)


def kron(A, B):
    return sp.Matrix(A.rows * B.rows, A.cols * B.cols,
                     lambda r, c: A[r // B.rows, c // B.cols] * B[r % B.rows, c % B.cols])


def vecM(M):
    """Matlab's column-first vec."""
    return sp.Matrix([M[r, c] for c in range(M.cols) for r in range(M.rows)])


def defined_product(A, B):
    return A.cols == B.rows


# ----------------------------------------------------------------- 01: Wu, conv 3 x 4 x 2 -> 2 x 3 x 3, 2 x 2 filters
def file01():
    Hl, Wl, Dl, Hf, Wf, D = 3, 4, 2, 2, 2, 3
    Ho, Wo = Hl - Hf + 1, Wl - Wf + 1
    x = {(i, j, c): sp.Symbol(f"x{i}{j}{c}") for i in range(Hl) for j in range(Wl) for c in range(Dl)}
    f = {(a, b, c, d): sp.Symbol(f"f{a}{b}{c}{d}") for a in range(Hf) for b in range(Wf) for c in range(Dl) for d in range(D)}
    G = {(i, j, d): sp.Symbol(f"G{i}{j}{d}") for i in range(Ho) for j in range(Wo) for d in range(D)}
    y = {(i, j, d): sum(f[a, b, c, d] * x[i + a, j + b, c] for a in range(Hf) for b in range(Wf) for c in range(Dl))
         for (i, j, d) in G}
    z = sum(G[k] * y[k] for k in G)

    def vec3(T, H, W, DD):  # slice after slice, each slice column-first
        return sp.Matrix([T[i, j, d] for d in range(DD) for j in range(W) for i in range(H)])

    P, Q = Ho * Wo, Hf * Wf * Dl
    t = {}  # (p, q) -> (i^l, j^l, d^l): equations 16 to 19
    for i1 in range(Ho):
        for j1 in range(Wo):
            for a in range(Hf):
                for b in range(Wf):
                    for c in range(Dl):
                        t[i1 + Ho * j1, a + Hf * b + Hf * Wf * c] = (i1 + a, j1 + b, c)
    phi = sp.Matrix(P, Q, lambda p, q: x[t[p, q]])
    F = sp.Matrix(Q, D, lambda q, d: f[q % Hf, (q // Hf) % Wf, q // (Hf * Wf), d])
    Gm = sp.Matrix(P, D, lambda p, d: G[p % Ho, p // Ho, d])  # dz/dY
    vy, vx, vF, vG = vec3(y, Ho, Wo, D), vec3(x, Hl, Wl, Dl), vecM(F), vecM(Gm)
    assert mz(vy - vecM(phi * F))
    Jf, Jx = vy.jacobian(vF), vy.jacobian(vx)
    dzdvF = sp.Matrix([sp.diff(z, v) for v in vF])
    dzdvx = sp.Matrix([sp.diff(z, v) for v in vx])
    assert sp.expand(z - (vG.T * vy)[0]) == 0  # so dz/dvec(y) = vec(dz/dY)
    I3, I6 = sp.eye(D), sp.eye(P)
    r = {}
    r[61] = mz(dzdvF.T - vG.T * Jf)
    r[62] = mz(dzdvx.T - vG.T * Jx)
    r[(106, 'H^{l+1} = 3 - 2 + 1')] = Ho == 3 - 2 + 1
    r[(106, 'W^{l+1} = 4 - 2 + 1')] = Wo == 4 - 2 + 1
    r[(106, 'D^{l+1} = 2')] = D == 2  # the output has one slice per filter

    def xget(i, j, c):
        return x.get((i, j, c), 0)

    def fget(a, b, c, d):
        return f.get((a, b, c, d), 0)
    # equation 12 as printed: the summation index d is the output slice's own letter and f_{i,j,d} has no filter
    # index, so the right side is the same for every output slice d; read with any 3-index f (say filter d0, entries
    # outside the ranges as 0) it gives one value for all 3 slices, which the layer does not
    def printed12(i1, j1, d0):
        return sum(fget(i, j, dd, d0) * xget(i1 + i, j1 + j, dd)
                   for i in range(0, 2 + 1) for j in range(0, 2 + 1) for dd in range(0, 3 + 1))
    r[120] = all(sp.expand(printed12(i1, j1, d0) - y[i1, j1, d]) == 0 for (i1, j1, d) in G for d0 in range(D))
    r[(225, 'H^{l+1}=3−2+1')] = Ho == 3 - 2 + 1
    r[(225, 'W^{l+1}=4−2+1')] = Wo == 4 - 2 + 1
    r[226] = Ho == 3 - 2 + 1 and all(divmod(i1 + Ho * j1, Ho) == (j1, i1) for i1 in range(Ho) for j1 in range(Wo))
    r[233] = D == 3 and F.cols == 3
    r[238] = mz(vy - vecM(phi * F))
    r[267] = mz(vy - vecM(phi * F * I3)) and mz(vy - kron(I3, phi) * vF)
    r[268] = mz(vy - vecM(I6 * phi * F)) and mz(vy - kron(F.T, I6) * vecM(phi))
    r[282] = mz(dzdvF.T - vG.T * Jf)
    A27 = kron(I3, phi.T)
    r[287] = defined_product(A27, vF) and mz(Jf - (A27 * vF).jacobian(vF)) and mz(Jf - kron(I3, phi))
    assert mz(Jf - kron(I3, phi))  # the last link of equation 27 is right
    r[292] = mz(dzdvF.T - vG.T * kron(I3, phi))
    links29 = [kron(I3, phi).T * vG, kron(I3, phi).T * vG, kron(I3, phi.T) * vG, vecM(phi.T * Gm * I3.T), vecM(phi.T * Gm)]
    r[297] = all(mz(dzdvF - l) for l in links29)
    dzdF = sp.Matrix(Q, D, lambda q, d: sp.diff(z, F[q, d]))
    r[306] = mz(dzdF - phi.T * Gm)
    # the indicator matrix H of equation 34: rows (p, q) in the order of vec(phi), columns in the order of vec(x^l)
    col = {(i, j, c): i + Hl * j + Hl * Wl * c for (i, j, c) in x}
    Hm = sp.zeros(P * Q, Hl * Wl * Dl)
    for (p, q), k in t.items():
        Hm[p + P * q, col[k]] = 1
    r[371] = mz(vecM(phi) - Hm * vx)
    r[376] = mz(vecM(phi).jacobian(vx) - Hm)
    r[385] = mz(dzdvx.T - vG.T * Jx)
    r[390] = mz(Jx - (kron(F.T, I6) * vecM(phi)).jacobian(vx)) and mz(Jx - kron(F.T, I6) * Hm)
    r[397] = mz(dzdvx.T - vG.T * kron(F.T, I6) * Hm)
    links39 = [(kron(F, I6) * vG).T, (kron(F, I6) * vecM(Gm)).T, vecM(I6 * Gm * F.T).T, vecM(Gm * F.T).T]
    r[403] = all(mz(vG.T * kron(F.T, I6) - l) for l in links39)
    r[410] = mz(dzdvx.T - vecM(Gm * F.T).T * Hm)
    r[414] = mz(dzdvx - Hm.T * vecM(Gm * F.T))
    GF = Gm * F.T
    r[432] = all(sp.expand(sp.diff(z, x[k]) - sum(GF[p, q] for (p, q), k2 in t.items() if k2 == k)) == 0 for k in x)
    # the worked example of section 4.3 (not_claims): its numbers are right
    Aex = sp.Matrix([[1, 2, 3, 1], [4, 5, 6, 1], [7, 8, 9, 1]])
    conv = sp.Matrix(2, 3, lambda i, j: sum(Aex[i + a, j + b] for a in range(2) for b in range(2)))
    assert conv == sp.Matrix([[12, 16, 11], [24, 28, 17]])
    Bex = sp.Matrix(4, 6, lambda q, p: Aex[p % 2 + q % 2, p // 2 + q // 2])
    assert Bex == sp.Matrix([[1, 4, 2, 5, 3, 6], [4, 7, 5, 8, 6, 9], [2, 5, 3, 6, 1, 1], [5, 8, 6, 9, 1, 1]])
    assert Bex.T * sp.ones(4, 1) == sp.Matrix([12, 24, 16, 28, 11, 17])
    return r


# ----------------------------------------------------------------- 02: eduNN conv, 3 x 3 input, 2 x 2 kernel (1-based)
def file02():
    name = "02_stanchi_conv_backward.md"
    L = notes(name)
    x = {(m, n): sp.Symbol(f"x{m}{n}") for m in range(1, 4) for n in range(1, 4)}
    w = {(a, b): sp.Symbol(f"w{a}{b}") for a in range(1, 3) for b in range(1, 3)}
    G = {(i, j): sp.Symbol(f"G{i}{j}") for i in range(1, 3) for j in range(1, 3)}  # dE/dy
    y = {(i, j): sum(w[a, b] * x[i + a - 1, j + b - 1] for a in range(1, 3) for b in range(1, 3)) for (i, j) in G}
    E = sum(G[k] * y[k] for k in G)
    sym = {f"x_{{{m}{n}}}": x[m, n] for (m, n) in x}
    sym.update({f"w_{{{a}{b}}}": w[a, b] for (a, b) in w})
    r = {}
    r[59] = math.floor((3 - 2 + 2 * 0) / 1) + 1 == 2
    # the worked forward pass (definitions): as printed, and equal to the layer
    for ln, k in zip((105, 106, 107, 108), ((1, 1), (1, 2), (2, 1), (2, 2))):
        terms = re.findall(r"(x_\{\d\d\})(w_\{\d\d\})", L[ln - 1])
        assert sp.expand(sum(sym[a] * sym[b] for a, b in terms) - y[k]) == 0, ln
    # TIP: x circledast w (the guide's correlation) against x star rot180(w) (cross-correlation with the turned kernel)
    rot = {(a, b): w[3 - a, 3 - b] for (a, b) in w}
    star_rot = {(i, j): sum(rot[a, b] * x[i + a - 1, j + b - 1] for a in range(1, 3) for b in range(1, 3)) for (i, j) in G}
    assert "w_{22} & w_{21} \\\\ w_{12} & w_{11}" in L[82]
    r[81] = all(sp.expand(star_rot[k] - y[k]) == 0 for k in G)
    r[93] = all(sp.expand(sp.diff(E, x[q]) - sum(G[k] * sp.diff(y[k], x[q]) for k in G)) == 0 for q in x)
    r[95] = all(sp.expand(sp.diff(E, w[q]) - sum(G[k] * sp.diff(y[k], w[q]) for k in G)) == 0 for q in w)
    order = ((1, 1), (1, 2), (2, 1), (2, 2))
    for ln, q in zip((117, 119, 121, 123), order):
        pairs = re.findall(r"\\frac\{\\partial E\}\{\\partial y_\{(\d)(\d)\}\} \\frac\{\\partial y_\{(\d)(\d)\}\}\{\\partial w_\{(\d)(\d)\}\}", L[ln - 1])
        ok = len(pairs) == 4 and all((int(a), int(b)) == (int(c), int(d)) and (int(e), int(g)) == q for a, b, c, d, e, g in pairs)
        ok &= {(int(a), int(b)) for a, b, *_ in pairs} == set(G)
        r[ln] = ok and sp.expand(sp.diff(E, w[q]) - sum(G[k] * sp.diff(y[k], w[q]) for k in G)) == 0
    for ln, q in zip((131, 133, 135, 137), order):
        pairs = re.findall(r"\\frac\{\\partial E\}\{\\partial y_\{(\d)(\d)\}\} (x_\{\d\d\})", L[ln - 1])
        r[ln] = len(pairs) == 4 and sp.expand(sp.diff(E, w[q]) - sum(G[int(a), int(b)] * sym[s] for a, b, s in pairs)) == 0
    corr_xG = {(a, b): sum(G[i, j] * x[a + i - 1, b + j - 1] for (i, j) in G) for (a, b) in w}
    r[144] = all(sp.expand(sp.diff(E, w[q]) - corr_xG[q]) == 0 for q in w)
    for ln in (153, 155, 157, 159, 161, 163, 165, 167, 169):
        m, n = map(int, re.search(r"\\partial x_\{(\d)(\d)\}\}&=", L[ln - 1]).groups())
        pairs = re.findall(r"\\frac\{\\partial E\}\{\\partial y_\{(\d)(\d)\}\}\s*(w_\{\d\d\}|\\;\\:\\, 0)", L[ln - 1])
        printed = sum(G[int(a), int(b)] * (sym[s] if s.startswith("w") else 0) for a, b, s in pairs)
        r[ln] = len(pairs) == 4 and sp.expand(sp.diff(E, x[m, n]) - printed) == 0
    # full correlation of dE/dy (padded by 2 - 1 = 1 on every side) with rot180(w)
    Pd = lambda rr, cc: G.get((rr - 1, cc - 1), 0)  # padded 4 x 4, 1-based
    full = {(m, n): sum(rot[a, b] * Pd(m + a - 1, n + b - 1) for a in range(1, 3) for b in range(1, 3)) for (m, n) in x}
    r[176] = all(sp.expand(sp.diff(E, x[q]) - full[q]) == 0 for q in x)
    return r


# ----------------------------------------------------------------- 03: eduNN max pooling, 4 x 4, window 2, stride 2
def file03():
    x = {(m, n): sp.Symbol(f"x{m}{n}", real=True) for m in range(1, 5) for n in range(1, 5)}
    G = {(i, j): sp.Symbol(f"G{i}{j}") for i in range(1, 3) for j in range(1, 3)}
    y = {(i, j): sp.Max(*[x[2 * i - 2 + a, 2 * j - 2 + b] for a in range(1, 3) for b in range(1, 3)]) for (i, j) in G}
    E = sum(G[k] * y[k] for k in G)
    r = {}
    ok33 = ok44 = ok46 = True
    for _ in range(3):  # points where x_12 is the strict maximum of its window (the guide's hypothesis), no ties
        vals = rng.sample(range(-50, 50), 16)
        pt = dict(zip(x.values(), map(sp.Integer, vals)))
        win = [x[1, 1], x[1, 2], x[2, 1], x[2, 2]]
        top = max(pt[v] for v in win)
        pt[x[1, 2]], pt[[v for v in win if pt[v] == top][0]] = top, pt[x[1, 2]]
        at = lambda e: sp.simplify(e.subs(pt))
        ok33 &= all(at(sp.diff(E, x[q]) - sum(G[k] * sp.diff(y[k], x[q]) for k in G)) == 0 for q in x)
        ok44 &= at(sp.diff(y[1, 1], x[1, 2])) == 1 and sp.diff(x[1, 2], x[1, 2]) == 1
        ok46 &= at(sp.diff(E, x[1, 2]) - G[1, 1] * 1) == 0
    r[33], r[44], r[46] = ok33, ok44, ok46
    return r


# ----------------------------------------------------------------- 04: eduNN average pooling, 4 x 4, window 2, stride 1
def file04():
    x = {(m, n): sp.Symbol(f"x{m}{n}") for m in range(1, 5) for n in range(1, 5)}
    y = {(i, j): sum(x[i + a, j + b] for a in range(2) for b in range(2)) / (2 * 2) for i in range(1, 4) for j in range(1, 4)}
    d = lambda k: sp.diff(y[k], x[1, 2])
    r = {}
    total = sum(d(k) for k in y)
    r[41] = total == d((1, 1)) + d((1, 2)) + d((2, 1)) + d((2, 2)) == sp.Rational(1, 4) + sp.Rational(1, 4) + 0 + 0
    r[47] = d((1, 1)) == sp.Rational(1, 4) * sp.diff(x[1, 2], x[1, 2]) == sp.Rational(1, 4)
    r[49] = d((1, 2)) == sp.Rational(1, 4) * sp.diff(x[1, 2], x[1, 2]) == sp.Rational(1, 4)
    r[51] = d((2, 1)) == 0
    r[53] = d((2, 2)) == 0
    return r


# ----------------------------------------------------------------- 05: BGD conv, batch 2, 5 x 5 x 2, 2 filters 2 x 2,
# strides (2, 1), dilations (1, 2), channels last, 0-based
def file05():
    Lb, H, W, nC, nF, FH, FW = 2, 5, 5, 2, 2, 2, 2
    s1, s2, d1, d2 = 2, 1, 1, 2
    hFH, hFW = 1 + d1 * (FH - 1), 1 + d2 * (FW - 1)
    Ho, Wo = (H - hFH) // s1 + 1, (W - hFW) // s2 + 1
    X = {(a, i, j, c): sp.Symbol(f"X{a}{i}{j}{c}") for a in range(Lb) for i in range(H) for j in range(W) for c in range(nC)}
    om = {(q, g1, g2, c): sp.Symbol(f"w{q}{g1}{g2}{c}") for q in range(nF) for g1 in range(FH) for g2 in range(FW) for c in range(nC)}
    bb = {q: sp.Symbol(f"b{q}") for q in range(nF)}
    Ep = {(a, i, j, q): sp.Symbol(f"e{a}{i}{j}{q}") for a in range(Lb) for i in range(Ho) for j in range(Wo) for q in range(nF)}
    Y = {(a, i, j, q): sum(om[q, g1, g2, c] * X[a, s1 * i + d1 * g1, s2 * j + d2 * g2, c]
                           for g1 in range(FH) for g2 in range(FW) for c in range(nC)) + bb[q] for (a, i, j, q) in Ep}
    Lv = sum(Ep[k] * Y[k] for k in Ep)
    Xg = lambda *k: X.get(k, 0)
    Yg = lambda *k: Y.get(k, 0)
    og = lambda *k: om.get(k, 0)
    r = {}
    params = list(om.values()) + list(bb.values())
    r[38] = all(sp.expand(sp.diff(Lv, th) - sum(Ep[k] * sp.diff(Y[k], th) for k in Ep)) == 0 for th in params)
    span = (max(d1 * g for g in range(FH)) + 1, max(d2 * g for g in range(FW)) + 1)
    r[88] = (d1 * (2 - 1) + 1, d2 * (2 - 1) + 1) == span == (2, 3)
    printed = {(a, i, j, q): sum(og(q, g1, g2, c) * Xg(a, i + s1 * g1, j + s2 * g2, c)
                                 for g1 in range(1, 2 + 1) for g2 in range(1, 2 + 1) for c in range(1, 2 + 1)) + bb[q]
               for (a, i, j, q) in Ep}
    # a second reading: the sums' 1..2 as the filter's taps 0..1 (gamma - 1 in omega and in the channel)
    printed_b = {(a, i, j, q): sum(og(q, g1 - 1, g2 - 1, c - 1) * Xg(a, i + s1 * g1, j + s2 * g2, c - 1)
                                   for g1 in range(1, 3) for g2 in range(1, 3) for c in range(1, 3)) + bb[q]
                 for (a, i, j, q) in Ep}
    r[113] = any(all(sp.expand(pr[k] - Y[k]) == 0 for k in Ep) for pr in (printed, printed_b))
    ok = True
    for al in om:
        for be in Ep:
            link0 = sp.diff(Y[be], om[al])
            link1 = sum(int(be[3] == al[0] and g1 == al[1] and g2 == al[2] and c == al[3]) * X[be[0], s1 * be[1] + d1 * g1, s2 * be[2] + d2 * g2, c]
                        for g1 in range(FH) for g2 in range(FW) for c in range(nC))
            link2 = int(be[3] == al[0]) * X[be[0], s1 * be[1] + d1 * al[1], s2 * be[2] + d2 * al[2], al[3]]
            ok &= sp.expand(link0 - link1) == 0 and sp.expand(link0 - link2) == 0
    r[126] = ok
    # dL/domega: the printed second link (with X^{(k)}, the output), the swap form and the swapped convolution
    piE = lambda a, i, j, q: Ep[q, i, j, a]
    piX = lambda a, i, j, c: X[c, i, j, a]

    def Lam(inp, ishape, filt, fshape, st, dl):  # the layer function with strides st and dilations dl, no bias
        nb, hh, ww, cc = ishape
        nf, kh, kw, kc = fshape
        oh, ow = (hh - (dl[0] * (kh - 1) + 1)) // st[0] + 1, (ww - (dl[1] * (kw - 1) + 1)) // st[1] + 1
        return {(a, i, j, q): sum(filt(q, g1, g2, c) * inp(a, st[0] * i + dl[0] * g1, st[1] * j + dl[1] * g2, c)
                                  for g1 in range(kh) for g2 in range(kw) for c in range(kc))
                for a in range(nb) for i in range(oh) for j in range(ow) for q in range(nf)}
    lam = Lam(piX, (nC, H, W, Lb), piE, (nF, Ho, Wo, Lb), (d1, d2), (s1, s2))
    ok1 = ok2 = ok3 = ok4 = True
    for al in om:
        g = sp.diff(Lv, om[al])
        ok1 &= sp.expand(g - sum(Ep[k] * sp.diff(Y[k], om[al]) for k in Ep)) == 0
        l2 = sum(Ep[b0, b1, b2, al[0]] * Yg(b0, s1 * b1 + d1 * al[1], s2 * b2 + d2 * al[2], al[3])
                 for b0 in range(Lb) for b1 in range(Ho) for b2 in range(Wo))
        ok2 &= sp.expand(g - l2) == 0
        l3 = sum(piE(al[0], b1, b2, b0) * piX(al[3], s1 * b1 + d1 * al[1], s2 * b2 + d2 * al[2], b0)
                 for b0 in range(Lb) for b1 in range(Ho) for b2 in range(Wo))
        ok3 &= sp.expand(g - l3) == 0
        ok4 &= sp.expand(g - lam[al[3], al[1], al[2], al[0]]) == 0
    assert ok1 and ok3 and ok4 and not ok2
    r[135] = ok1 and ok2 and ok3 and ok4
    r[147] = all(sp.expand(sp.diff(Lv, bb[i]) - sum(Ep[k] * int(k[3] == i) for k in Ep)) == 0 and
                 sp.expand(sp.diff(Lv, bb[i]) - sum(Ep[a, b1, b2, i] for a in range(Lb) for b1 in range(Ho) for b2 in range(Wo))) == 0
                 for i in bb)
    ok = True
    for al in X:
        g = sp.diff(Lv, X[al])
        l1 = sum(Ep[k] * sp.diff(Y[k], X[al]) for k in Ep)
        l2 = sum(Ep[al[0], b1, b2, b3] * om[b3, g1, g2, al[3]] * int(s1 * b1 + d1 * g1 == al[1] and s2 * b2 + d2 * g2 == al[2])
                 for b1 in range(Ho) for b2 in range(Wo) for b3 in range(nF) for g1 in range(FH) for g2 in range(FW))
        ok &= sp.expand(g - l1) == 0 and sp.expand(g - l2) == 0
    r[154] = ok
    return r


# ----------------------------------------------------------------- 06: Yeh, batch norm, N = 3, D = 2, with epsilon
def file06():
    N, Dd = 3, 2
    eps = sp.Symbol("epsilon", positive=True)
    X = sp.Matrix(N, Dd, lambda i, j: sp.Symbol(f"x{i}{j}", real=True))
    gam = [sp.Symbol(f"g{j}", real=True) for j in range(Dd)]
    bet = [sp.Symbol(f"be{j}", real=True) for j in range(Dd)]
    G = sp.Matrix(N, Dd, lambda i, j: sp.Symbol(f"G{i}{j}", real=True))  # dJ/dY
    mu = [sum(X[i, j] for i in range(N)) / N for j in range(Dd)]
    var = [sum((X[i, j] - mu[j]) ** 2 for i in range(N)) / N for j in range(Dd)]
    Xh = sp.Matrix(N, Dd, lambda i, j: (X[i, j] - mu[j]) / sp.sqrt(var[j] + eps))
    Y = sp.Matrix(N, Dd, lambda i, j: gam[j] * Xh[i, j] + bet[j])
    J = sum(G[q] * Y[q] for q in range(N * Dd))
    syms = list(X) + gam + bet + list(G) + [eps]
    eq = lambda a, b: same(a, b, syms, trials=2, fixed={eps: sp.Rational(1, 7)})
    eqM = lambda A, B: all(eq(A[q], B[q]) for q in range(len(A)))
    one, I, o3 = sp.ones(N, N), sp.eye(N), sp.ones(N, 1)
    dJdX = sp.Matrix(N, Dd, lambda i, j: sp.diff(J, X[i, j]))
    r = {}
    r[48] = all(eq(sp.diff(J, gam[j]), sum(G[i, j] * Xh[i, j] for i in range(N))) for j in range(Dd))
    r[52] = all(eq(sp.diff(J, bet[j]), sum(G[i, j] for i in range(N))) for j in range(Dd))
    XH = sp.Matrix(N, Dd, lambda i, j: sp.Symbol(f"h{i}{j}"))  # x-hat as free variables
    Jh = sum(G[i, j] * (gam[j] * XH[i, j] + bet[j]) for i in range(N) for j in range(Dd))
    r[59] = all(eq(sp.diff(Jh, XH[i, j]), G[i, j] * gam[j]) for i in range(N) for j in range(Dd))
    r[60] = r[59]
    r[64] = all(eq(Xh[i, j], (var[j] + eps) ** sp.Rational(-1, 2) * (X[i, j] - mu[j])) for i in range(N) for j in range(Dd))
    ok = {k: True for k in (134, 137, 147, 153, 162, 173, 186, 210, 213, 218, 229, 232)}
    for j in range(Dd):  # the column-wise derivation, one column at a time
        Xc, Gc, Xhc = X[:, j], G[:, j], Xh[:, j]
        R = Xc - mu[j] * o3
        c = (((R.T * R)[0] / N) + eps) ** sp.Rational(-1, 2)
        ok[134] &= eq(var[j], ((Xc - mu[j] * o3).T * (Xc - mu[j] * o3))[0] / N) and eq(var[j], (R.T * R)[0] / N)
        ok[137] &= eqM(Xhc, (((R.T * R)[0] / N + eps) ** sp.Rational(-1, 2)) * R) and eqM(Xhc, c * R)
        # the Lemma applied: J as a function of a free column R through X-hat = c(R) R, with Gh = dJ/dX-hat free
        Rf = sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"r{i}", real=True))
        Gh = sp.Matrix(N, 1, lambda i, _: sp.Symbol(f"k{i}", real=True))
        cf = (((Rf.T * Rf)[0] / N) + eps) ** sp.Rational(-1, 2)
        JR = (Gh.T * (cf * Rf))[0]
        gradR = sp.Matrix([sp.diff(JR, v) for v in Rf])
        gradc = sp.Matrix([sp.diff(cf, v) for v in Rf])
        s2 = list(Rf) + list(Gh) + [eps]
        ok[147] &= all(same(gradR[q], ((gradc * Rf.T + cf * I) * Gh)[q], s2, 2, {eps: sp.Rational(1, 7)}) for q in range(N))
        A = I - one / N
        ok[153] &= eqM(R, Xc - mu[j] * o3) and eqM(R, Xc - one * Xc / N) and eqM(R, A * Xc)
        # dJ/dX for a column, J through X-hat(R(X)) with Gh free
        JX = (Gh.T * Xhc)[0]
        gX = sp.Matrix([sp.diff(JX, v) for v in Xc])
        at = dict(zip(list(Rf), list(R)))
        gR_at = gradR.subs(at)
        gc_at, c_at = gradc.subs(at), cf.subs(at)
        s3 = list(Xc) + list(Gh) + [eps]
        e3 = lambda a, b: same(a, b, s3, 2, {eps: sp.Rational(1, 7)})
        ok[162] &= all(e3(gX[q], (A.T * gR_at)[q]) and e3(gX[q], (A * (gc_at * R.T + c_at * I) * Gh)[q]) for q in range(N))
        v = var[j] + eps
        l173 = [gc_at, -sp.Rational(1, 2) * ((R.T * R)[0] / N + eps) ** sp.Rational(-3, 2) * (2 * R / N),
                -sp.Rational(1, 3) * ((R.T * R)[0] / N + eps) ** sp.Rational(-3, 2) * R, -sp.Rational(1, 3) * v ** sp.Rational(-3, 2) * R]
        ok[173] &= all(e3(gc_at[q], l[q]) for l in l173 for q in range(N))
        l186 = [A * (gc_at * R.T + c_at * I) * Gh,
                A * (-sp.Rational(1, 3) * v ** sp.Rational(-3, 2) * R * R.T + v ** sp.Rational(-1, 2) * I) * Gh,
                v ** sp.Rational(-1, 2) * A * (-sp.Rational(1, 3) * (R / sp.sqrt(v)) * (R.T / sp.sqrt(v)) + I) * Gh,
                v ** sp.Rational(-1, 2) * A * (-sp.Rational(1, 3) * Xhc * Xhc.T + I) * Gh,
                v ** sp.Rational(-1, 2) * (-sp.Rational(1, 3) * Xhc * Xhc.T + I + sp.Rational(1, 9) * one * Xhc * Xhc.T - one / 3) * Gh,
                v ** sp.Rational(-1, 2) * (-sp.Rational(1, 3) * Xhc * Xhc.T + I - one / 3) * Gh]
        ok[186] &= all(e3(gX[q], l[q]) for l in l186 for q in range(N))
        ok[210] &= sp.expand(sum(Xc[i] - mu[j] for i in range(N))) == 0
        # with the layer's J: dJ/dX-hat = gamma dJ/dY for the column
        ok[213] &= all(eq(sp.diff(Jh, XH[i, j]), gam[j] * G[i, j]) for i in range(N))
        dg = (Xhc.T * Gc)[0]
        dbt = (o3.T * Gc)[0]
        l218 = [v ** sp.Rational(-1, 2) * (-sp.Rational(1, 3) * Xhc * Xhc.T + I - one / 3) * (gam[j] * Gc),
                gam[j] * v ** sp.Rational(-1, 2) * (-sp.Rational(1, 3) * Xhc * Xhc.T * Gc + Gc - one * Gc / 3),
                sp.Rational(1, 3) * gam[j] * v ** sp.Rational(-1, 2) * (-dg * Xhc + 3 * Gc - o3 * dbt)]
        ok[218] &= all(eq(dJdX[q, j], l[q]) for l in l218 for q in range(N))
        ok[229] &= eq(sp.diff(J, gam[j]), sum(Gc[i] * Xhc[i] for i in range(N))) and eq(sp.diff(J, gam[j]), dg)
        ok[232] &= eq(sp.diff(J, bet[j]), sum(Gc)) and eq(sp.diff(J, bet[j]), dbt)
    r.update(ok)
    dgam = [sp.diff(J, gam[j]) for j in range(Dd)]
    dbet = [sp.diff(J, bet[j]) for j in range(Dd)]
    box = sp.Matrix(N, Dd, lambda i, j: sp.Rational(1, 3) * gam[j] * (var[j] + eps) ** sp.Rational(-1, 2) *
                    (-dgam[j] * Xh[i, j] + 3 * G[i, j] - dbet[j]))
    r[241] = eqM(dJdX, box)
    return r


# ----------------------------------------------------------------- 07: Lee, dense 2 -> 3 with bias, softmax cross-entropy
def file07():
    x = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"x{i + 1}"))
    w = sp.Matrix(2, 3, lambda i, k: sp.Symbol(f"w{i + 1}{k + 1}"))
    b = sp.Matrix(3, 1, lambda k, _: sp.Symbol(f"b{k + 1}"))
    th = w.T * x + b
    T = sp.Matrix(3, 1, lambda k, _: sp.Symbol(f"t{k + 1}"))  # theta as free variables
    S = sum(sp.exp(T[j]) for j in range(3))
    yh = [sp.exp(T[i]) / S for i in range(3)]
    syms = list(x) + list(w) + list(b) + list(T)
    eq = lambda a, c: same(a, c, syms, trials=2)
    r = {}
    # line 25: the printed sum runs over i = 1..3, but x has 2 entries and w 2 rows
    r[25] = x.rows >= 3 and w.rows >= 3
    ok40 = ok44 = ok77 = ok106 = True
    for cls in range(3):
        y = [1 if k == cls else 0 for k in range(3)]
        Jt = -sum(y[i] * sp.log(yh[i]) for i in range(3))  # J as a function of theta
        sub = dict(zip(list(T), list(th)))
        Jw = Jt.subs(sub)
        dJdth = [sp.diff(Jt, T[k]) for k in range(3)]
        dJdyh = [-y[j] / yh[j] for j in range(3)]
        for i in range(2):
            for k in range(3):
                true = sp.diff(Jw, w[i, k])
                l1 = sum(dJdth[kk].subs(sub) * sp.diff(th[kk], w[i, k]) for kk in range(3))
                l2 = sum(dJdyh[j].subs(sub) * sp.diff(yh[j], T[kk]).subs(sub) * sp.diff(th[kk], w[i, k]) for j in range(3) for kk in range(3))
                ok40 &= eq(true, l1) and eq(true, l2)
        for k in range(3):
            true = sp.diff(Jw, b[k])
            l1 = sum(dJdth[kk].subs(sub) * sp.diff(th[kk], b[k]) for kk in range(3))
            l2 = sum(dJdyh[j].subs(sub) * sp.diff(yh[j], T[kk]).subs(sub) * sp.diff(th[kk], b[k]) for j in range(3) for kk in range(3))
            ok44 &= eq(true, l1) and eq(true, l2)
            ok106 &= eq(true, yh[k].subs(sub) - y[k])
        for i in range(3):
            g = sp.diff(Jt, T[i])
            dy = lambda j: sp.diff(yh[j], T[i])
            links = [-sum(sp.diff(y[j] * sp.log(yh[j]), T[i]) for j in range(3)),
                     -sum(y[j] * sp.diff(sp.log(yh[j]), T[i]) for j in range(3)),
                     -sum(y[j] / yh[j] * dy(j) for j in range(3)),
                     -y[i] / yh[i] * dy(i) - sum(y[j] / yh[j] * dy(j) for j in range(3) if j != i),
                     -y[i] / yh[i] * yh[i] * (1 - yh[i]) - sum(y[j] / yh[j] * (-yh[i] * yh[j]) for j in range(3) if j != i),
                     -y[i] + y[i] * yh[i] + sum(y[j] * yh[i] for j in range(3) if j != i),
                     -y[i] + sum(y[j] * yh[i] for j in range(3)),
                     -y[i] + yh[i] * sum(y),
                     yh[i] - y[i]]
            ok77 &= all(eq(l, g) for l in links)
    r[40], r[44], r[77], r[106] = ok40, ok44, ok77, ok106
    r[50] = all(sp.simplify(sp.diff(yh[i], T[i]) - sp.diff(sp.exp(T[i]) / S, T[i])) == 0 for i in range(3))
    ok60 = ok68 = True
    for i in range(3):
        e = sp.exp(T[i])
        links = [sp.diff(e / S, T[i]), (e * S - e * e) / S ** 2, (e / S) * ((S - e) / S), (e / S) * (1 - e / S), yh[i] * (1 - yh[i])]
        ok60 &= all(eq(l, sp.diff(yh[i], T[i])) for l in links)
        for j in range(3):
            if j != i:
                links = [sp.diff(e / S, T[j]), (0 - e * sp.exp(T[j])) / S ** 2, -(e / S) * (sp.exp(T[j]) / S), -yh[i] * yh[j]]
                ok68 &= all(eq(l, sp.diff(yh[i], T[j])) for l in links)
    r[60], r[68] = ok60, ok68
    # line 90, read entry by entry: theta_k depends on column k of w only, with dtheta_k/dw_ik = x_i (the row x^T)
    r[90] = all(sp.Matrix([[sp.diff(th[k], w[i, k]) for i in range(2)]]) == x.T and
                all(sp.diff(th[k], w[i, kk]) == 0 for i in range(2) for kk in range(3) if kk != k) for k in range(3))
    r[96] = th.jacobian(b) == sp.eye(3)
    # line 102: x^T (y-hat - y) is (1 x 2)(3 x 1); the gradient is x (y-hat - y)^T, 2 x 3
    r[102] = defined_product(x.T, sp.zeros(3, 1))
    return r


CHECKS = {
    "01_wu_conv_im2col.md": file01,
    "02_stanchi_conv_backward.md": file02,
    "03_stanchi_maxpool.md": file03,
    "04_stanchi_avgpool.md": file04,
    "05_petit_conv_stride_dilation.md": file05,
    "06_yeh_batchnorm.md": file06,
    "07_lee_softmax_crossentropy.md": file07,
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
        print(f"{f['name']:36s} {str(tag)[:40]:40s}  {got:5s}  {'ok' if want == got else 'MISMATCH'}")

print(f"\n{total_n} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
