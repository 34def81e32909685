#!/usr/bin/env python3
"""Independent check of key.toml for the set "pub9" (does not import symconv).

Each layer or network is built from its definition in SymPy; every keyed claim is re-derived here (exactly where
cheap, otherwise at random points) and the verdict compared with the key. A coverage check makes sure every line
with "=" inside maths is keyed, or continues a keyed display: in Markdown $$...$$ (display or inline) and $...$
inline; in LaTeX the display environments (equation, align, eqnarray, empheq, gather, multline, starred or not) and
$...$ inline. An "=" inside a sum's lower limit (\\sum_{i=1}) does not count. Exit 0 only if all match.
"""
import itertools
import random
import re
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
rng = random.Random(20261208)
problems = []

# ----------------------------------------------------------------- coverage
LIMIT = re.compile(r"_\{\s*[A-Za-z]'?\s*=\s*[^{}]*\}")
DISPLAY_ENVS = r"(?:equation|align|eqnarray|empheq|gather|multline|flalign)\*?"
BEGIN = re.compile(r"\\begin\{(" + DISPLAY_ENVS + r")\}(?:\[[^\]]*\])?(?:\{[^}]*\})?")


def skipped(s):
    return s.startswith("*Transcribed") or s.startswith("\\textit{Transcribed") or s.startswith("[Transcriber's note")


def md_blocks(lines):
    """A $$...$$ display (over one or more lines) is one block; each $...$ inline segment is a block of its line."""
    blocks, cur, in_disp, in_code = [], None, False, False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("```"):
            in_code = not in_code
            continue
        if in_code or skipped(s):
            continue
        txt = LIMIT.sub("", line.replace("\\$", "  "))
        i, eq_here, inline = 0, False, []
        while i < len(txt):
            if txt.startswith("$$", i):
                if in_disp:
                    in_disp = False
                    cur.append((n, eq_here))
                    blocks.append(cur)
                    cur, eq_here = None, False
                else:
                    in_disp, cur, eq_here = True, [], False
                i += 2
                continue
            if in_disp:
                eq_here |= txt[i] == "="
                i += 1
                continue
            if txt[i] == "$":
                j = txt.find("$", i + 1)
                if j < 0:
                    break
                if "=" in txt[i + 1:j]:
                    inline.append(n)
                i = j + 1
                continue
            i += 1
        if in_disp:
            cur.append((n, eq_here))
        blocks.extend([[(n, True)] for n in inline])
    return blocks


def tex_blocks(lines):
    """A top-level display environment is one block; each $...$ inline segment is a block of its line. Comment lines,
    the transcriber's header and notes are skipped; the empheq box options (box=..., alignat=2) are not maths."""
    blocks, cur, env = [], None, None
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("%") or skipped(s):
            continue
        txt = LIMIT.sub("", line.replace("\\$", "  "))
        txt = re.sub(r"(?<!\\)%.*", "", txt)
        txt = re.sub(r"\{alignat=\d+\}", "{}", txt).replace("[box=", "[box:")
        i, eq_here, inline = 0, False, []
        while i < len(txt):
            if env is None:
                m = BEGIN.match(txt, i)
                if m:
                    env, cur, eq_here = m.group(1), [], False
                    i = m.end()
                    continue
                if txt[i] == "$":
                    j = txt.find("$", i + 1)
                    if j < 0:
                        break
                    if "=" in txt[i + 1:j]:
                        inline.append(n)
                    i = j + 1
                    continue
                i += 1
                continue
            end = "\\end{" + env + "}"
            if txt.startswith(end, i):
                cur.append((n, eq_here))
                blocks.append(cur)
                cur, env, eq_here = None, None, False
                i += len(end)
                continue
            eq_here |= txt[i] == "="
            i += 1
        if env is not None:
            cur.append((n, eq_here))
        blocks.extend([[(n, True)] for n in inline])
    return blocks


def math_blocks(path):
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    raw = tex_blocks(lines) if str(path).endswith(".tex") else md_blocks(lines)
    out = []
    for b in raw:
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


def z0(e):
    return sp.expand(e) == 0


def grid(name, H, W, base=0):
    return {(i, j): sp.Symbol(f"{name}{i}{j}") for i in range(base, base + H) for j in range(base, base + W)}


sig = lambda t: 1 / (1 + sp.exp(-t))
dsig = lambda t: sig(t) * (1 - sig(t))


# ----------------------------------------------------------------- 01: Piseno, 3x3 input, 2x2 kernel, "same" padding
def file01():
    X, w, G = grid("X", 3, 3), grid("w", 2, 2), grid("G", 3, 3)
    Xp = lambda r, c: X.get((r, c), 0)  # padding below and to the right reads 0
    y = {(r, c): sum(Xp(r + a, c + b) * w[a, b] for a in range(2) for b in range(2)) for (r, c) in G}
    L = sum(G[q] * y[q] for q in G)
    Gz = lambda r, c: G.get((r, c), 0)  # a negative (or too large) output index: no term
    r = {}
    dLdw = {q: sp.diff(L, w[q]) for q in w}
    r[30] = all(z0(dLdw[a, b] - sum(G[q] * sp.diff(y[q], w[a, b]) for q in G)) for (a, b) in w)
    r[39] = all(z0(sp.diff(y[q], w[a, b]) - Xp(q[0] + a, q[1] + b)) and
                z0(sum(sp.diff(Xp(q[0] + aa, q[1] + bb) * w[aa, bb], w[a, b]) for aa in range(2) for bb in range(2)) - Xp(q[0] + a, q[1] + b))
                for q in G for (a, b) in w)
    r[49] = r[39]
    r[51] = all(z0(dLdw[a, b] - sum(G[rr, cc] * Xp(rr + a, cc + b) for (rr, cc) in G)) for (a, b) in w)
    # X padded (4 x 4 region) slid under dL/dy (3 x 3): a 2 x 2 result
    r[56] = all(z0(dLdw[a, b] - sum(Xp(a + i, b + j) * G[i, j] for i in range(3) for j in range(3))) for (a, b) in w)
    # the region of y that reads X[r', c']: rows max(0, r'-1)..r', columns max(0, c'-1)..c' (inclusive)
    ok = True
    for (rp, cp) in X:
        reads = {q for q in G if sp.diff(y[q], X[rp, cp]) != 0}
        region = {(i, j) for i in range(max(0, rp - 2 + 1), rp + 1) for j in range(max(0, cp - 2 + 1), cp + 1)}
        ok &= reads == region
    r[71] = ok
    dLdX = {q: sp.diff(L, X[q]) for q in X}
    ok = True
    for (rp, cp) in X:
        region = [(i, j) for i in range(max(0, rp - 1), rp + 1) for j in range(max(0, cp - 1), cp + 1)]
        link1 = sum(G[p] * sp.diff(y[p], X[rp, cp]) for p in region)
        link2 = sum(G[max(0, rp - a), max(0, cp - b)] * sp.diff(y[max(0, rp - a), max(0, cp - b)], X[rp, cp])
                    for a in range(2) for b in range(2))
        ok &= z0(link1 - dLdX[rp, cp]) and z0(link2 - dLdX[rp, cp])
    r[77] = ok
    r[84] = all(z0(dLdX[rp, cp] - sum(Gz(rp - a, cp - b) * (sp.diff(y[rp - a, cp - b], X[rp, cp]) if (rp - a, cp - b) in G else 0)
                                     for a in range(2) for b in range(2))) for (rp, cp) in X)
    r[90] = all(z0(y[q] - sum(Xp(q[0] + al, q[1] + be) * w[al, be] for al in range(2) for be in range(2))) for q in G)
    ok98 = ok99 = True
    for (rp, cp) in X:
        for a in range(2):
            for b in range(2):
                if (rp - a, cp - b) not in G:
                    continue
                yy = y[rp - a, cp - b]
                ok98 &= z0(yy - sum(Xp(rp - a + al, cp - b + be) * w[al, be] for al in range(2) for be in range(2)))
                ok99 &= z0(sp.diff(yy, X[rp, cp]) - w[a, b])
    r[98], r[99] = ok98, ok99
    r[109] = all(z0(dLdX[rp, cp] - sum(Gz(rp - a, cp - b) * w[a, b] for a in range(2) for b in range(2))) for (rp, cp) in X)
    return r


# ----------------------------------------------------------------- 02: ai.SE 21178, 5x5 input, 3x3 filter, stride 2
def file02():
    x, f, G = grid("x", 5, 5), grid("f", 3, 3), grid("G", 2, 2)
    y = {(i, j): sum(x[2 * i + m, 2 * j + n] * f[m, n] for m in range(3) for n in range(3)) for (i, j) in G}
    E = sum(G[q] * y[q] for q in G)
    lim = (5 - 3) // 2
    r = {}
    r[9] = all(z0(sp.diff(E, f[mp, np_]) - sum(x[2 * i + mp, 2 * j + np_] * G[i, j] for i in range(lim + 1) for j in range(lim + 1)))
               for (mp, np_) in f)
    r[11] = all(z0(sp.diff(E, f[i, j]) - sum(x[2 * m + i, 2 * n + j] * G[m, n] for m in range(lim + 1) for n in range(lim + 1)))
                for (i, j) in f)
    return r


# ----------------------------------------------------------------- 03: CS236781 lecture 3, MLP 3 -> 2 -> 2, no biases
def file03():
    x = sp.Matrix(3, 1, lambda i, _: sp.Symbol(f"x{i}"))
    B = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"B{i}{j}"))
    A = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"A{i}{j}"))
    c1 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"c{i}"))  # biases, for delta b_k only (zero elsewhere)
    c2 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"d{i}"))
    G = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"G{i}"))  # delta y = dL/dy
    syms = list(x) + list(B) + list(A) + list(c1) + list(c2) + list(G)
    eq = lambda a, b: same(a, b, syms, trials=2)
    zp = B * x + c1
    yp = zp.applyfunc(sig)
    z = A * yp + c2
    y = z.applyfunc(sig)
    L = (G.T * y)[0]
    nob = {s: 0 for s in list(c1) + list(c2)}
    Ln = L.subs(nob)
    zpn, ypn, zn = zp.subs(nob), yp.subs(nob), z.subs(nob)
    Yp = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"Yp{i}"))  # y' as free variables
    Lyp = (G.T * (A * Yp).applyfunc(sig))[0]
    dyp_true = sp.Matrix(2, 1, lambda i, _: sp.diff(Lyp, Yp[i]).subs(dict(zip(list(Yp), list(ypn)))))
    dA_true = sp.Matrix(2, 2, lambda i, j: sp.diff(Ln, A[i, j]))
    dB_true = sp.Matrix(2, 3, lambda i, j: sp.diff(Ln, B[i, j]))
    phi_z = zn.applyfunc(dsig)
    phi_zp = zpn.applyfunc(dsig)
    yvec = y.subs(nob)
    one = sp.ones(2, 1)
    r = {}
    # dL/dA = sum_j dy_j/dA dL/dy_j
    r[37] = all(eq(dA_true[i, k], sum(sp.diff(yvec[j], A[i, k]) * G[j] for j in range(2))) for i in range(2) for k in range(2))
    r[58] = r[37]
    rows = sp.Matrix(2, 2, lambda j, k: G[j] * phi_z[j] * ypn[k])
    form = sp.diag(*G) * sp.diag(*phi_z) * one * ypn.T
    form_mid = sp.diag(*G) * sp.diag(*phi_z) * sp.Matrix(2, 2, lambda j, k: ypn[k])
    r[69] = all(eq(dA_true[q], rows[q]) and eq(dA_true[q], form[q]) and eq(dA_true[q], form_mid[q]) for q in range(4))
    r[152] = r[69]
    # dL/dB = sum_j dy'_j/dB delta y'_j, with dy/dy' in the layout [i, j] = dy_j / dy'_i
    Jl = sp.Matrix(2, 2, lambda i, j: sp.diff((A * Yp).applyfunc(sig)[j], Yp[i]).subs(dict(zip(list(Yp), list(ypn)))))
    ok = True
    for i in range(2):
        for k in range(3):
            s1 = sum(sp.diff(ypn[j], B[i, k]) * dyp_true[j] for j in range(2))
            s2 = sum(sp.diff(ypn[j], B[i, k]) * (Jl * G)[j] for j in range(2))
            ok &= eq(dB_true[i, k], s1) and eq(dB_true[i, k], s2)
    r[93] = ok
    formB = sp.diag(*dyp_true) * sp.diag(*phi_zp) * one * x.T
    r[106] = all(eq(dB_true[q], formB[q]) for q in range(6))
    r[154] = r[106]
    r[114] = all(eq(dyp_true[i], (Jl * G)[i]) for i in range(2))
    printed = sp.diag(*phi_z) * A.T
    Jnum = Jl.T  # numerator layout dy_i / dy'_j
    r[124] = all(eq(Jl[q], printed[q]) for q in range(4)) or all(eq(Jnum[q], printed[q]) for q in range(4))
    r[130] = all(eq(dyp_true[i], (printed * G)[i]) for i in range(2))
    r[153] = r[130]
    # general per-layer forms, k = 2 (W_2 = A, y_1 = y') and k = 1 (W_1 = B, y_0 = x)
    dY = {2: G, 1: dyp_true}
    Z = {2: zn, 1: zpn}
    W = {2: A, 1: B}
    Yin = {2: ypn, 1: x}
    dW_true = {2: dA_true, 1: dB_true}
    r[178] = all(all(eq(dW_true[k][q], (sp.diag(*dY[k]) * sp.diag(*Z[k].applyfunc(dsig)) * one * Yin[k].T)[q])
                     for q in range(len(dW_true[k]))) for k in (1, 2))
    db = {2: sp.Matrix(2, 1, lambda i, _: sp.diff(L, c2[i]).subs(nob)), 1: sp.Matrix(2, 1, lambda i, _: sp.diff(L, c1[i]).subs(nob))}
    r[180] = all(all(eq(db[k][i], (sp.diag(*dY[k]) * Z[k].applyfunc(dsig))[i]) for i in range(2)) for k in (1, 2))
    dx_true = sp.Matrix(3, 1, lambda i, _: sp.diff(Ln, x[i]))
    dprev_true = {2: dyp_true, 1: dx_true}
    ok = True
    for k in (2, 1):
        D = sp.diag(*Z[k].applyfunc(dsig))
        if D.shape[1] != W[k].T.shape[0]:
            ok = False  # the printed product is not defined
            continue
        pr = D * W[k].T * dY[k]
        ok &= all(eq(dprev_true[k][i], pr[i]) for i in range(len(pr)))
    r[182] = ok
    return r


# ----------------------------------------------------------------- 04: Roelants, softmax + CE, C = 3, batch of 2
def file04():
    z = sp.symbols("z1:4", real=True)
    E = [sp.exp(v) for v in z]
    S = sum(E)
    y = [e / S for e in E]
    eq = lambda a, b: same(a, b, list(z))
    r = {}
    r[25] = sp.simplify(sum(y) - 1) == 0
    r[32] = all(eq(y[c], E[c] / S) for c in range(3))
    ok61 = ok62 = True
    for i in range(3):
        t = sp.diff(y[i], z[i])
        links = [sp.diff(E[i] / S, z[i]), (E[i] * S - E[i] * E[i]) / S**2, (E[i] / S) * ((S - E[i]) / S), (E[i] / S) * (1 - E[i] / S), y[i] * (1 - y[i])]
        ok61 &= all(eq(l, t) for l in links)
        for j in range(3):
            if j != i:
                t = sp.diff(y[i], z[j])
                links = [sp.diff(E[i] / S, z[j]), (0 - E[i] * E[j]) / S**2, -(E[i] / S) * (E[j] / S), -y[i] * y[j]]
                ok62 &= all(eq(l, t) for l in links)
    r[61], r[62] = ok61, ok62
    ok85 = ok91 = ok112 = ok125 = True
    for cls in range(3):
        t = [1 if k == cls else 0 for k in range(3)]
        P = y[cls]  # P(t|z) for a one-hot t
        prod_c = sp.Mul(*[y[c] ** t[c] for c in range(3)])
        link_ok = eq(prod_c, P)
        # the printed first product, over i = c .. 3 of a factor without i, c free
        first_ok = all(eq((y[c] ** t[c]) ** (3 - c), P) for c in range(3))
        ok85 &= first_ok and link_ok
        xi = -sum(t[c] * sp.log(y[c]) for c in range(3))
        ok91 &= eq(-sp.log(P), xi) and eq(-sp.log(prod_c), xi)
        for i in range(3):
            g = sp.diff(xi, z[i])
            dy = lambda j: sp.diff(y[j], z[i])
            links = [-sum(sp.diff(t[j] * sp.log(y[j]), z[i]) for j in range(3)),
                     -sum(t[j] * sp.diff(sp.log(y[j]), z[i]) for j in range(3)),
                     -sum(t[j] / y[j] * dy(j) for j in range(3)),
                     -t[i] / y[i] * dy(i) - sum(t[j] / y[j] * dy(j) for j in range(3) if j != i),
                     -t[i] / y[i] * y[i] * (1 - y[i]) - sum(t[j] / y[j] * (-y[j] * y[i]) for j in range(3) if j != i),
                     -t[i] + t[i] * y[i] + sum(t[j] * y[i] for j in range(3) if j != i),
                     -t[i] + sum(t[j] * y[i] for j in range(3)),
                     -t[i] + y[i] * sum(t),
                     y[i] - t[i]]
            ok112 &= all(eq(l, g) for l in links)
            ok125 &= eq(g, y[i] - t[i])
    r[85], r[91], r[112], r[125] = ok85, ok91, ok112, ok125
    # batch of 2
    z2 = sp.symbols("u1:4", real=True)
    y2 = [sp.exp(v) / sum(sp.exp(u) for u in z2) for v in z2]
    T = [[1, 0, 0], [0, 0, 1]]
    Y = [y, y2]
    xis = [-sum(T[i][c] * sp.log(Y[i][c]) for c in range(3)) for i in range(2)]
    total = sum(xis)
    r[101] = same(total, -sum(T[i][c] * sp.log(Y[i][c]) for i in range(2) for c in range(3)), list(z) + list(z2))
    return r


# ----------------------------------------------------------------- 05: Boue, batch normalization, n = 3, f = 2
def file05():
    n, F = 3, 2
    a = sp.Matrix(n, F, lambda s, f: sp.Symbol(f"a{s}{f}", real=True))
    w = [sp.Symbol(f"w{f}", real=True) for f in range(F)]
    b = [sp.Symbol(f"b{f}", real=True) for f in range(F)]
    D = sp.Matrix(n, F, lambda s, f: sp.Symbol(f"D{s}{f}", real=True))      # Delta_i
    da = sp.Matrix(n, F, lambda s, f: sp.Symbol(f"da{s}{f}", real=True))    # dA_{i-1}
    dw = [sp.Symbol(f"dw{f}", real=True) for f in range(F)]
    db = [sp.Symbol(f"db{f}", real=True) for f in range(F)]
    syms = list(a) + w + b + list(D) + list(da) + dw + db
    eq = lambda e1, e2: same(e1, e2, syms, trials=2)
    mu = [sum(a[s, f] for s in range(n)) / n for f in range(F)]
    sg = [sp.sqrt(sum((a[s, f] - mu[f]) ** 2 for s in range(n)) / n) for f in range(F)]
    ab = sp.Matrix(n, F, lambda s, f: (a[s, f] - mu[f]) / sg[f])
    Ai = sp.Matrix(n, F, lambda s, f: ab[s, f] * w[f] + b[f])
    frob = lambda M, N: sum(M[q] * N[q] for q in range(len(M)))
    wt = sp.diag(*w)
    # true differentials
    dab = sp.Matrix(n, F, lambda s, f: sum(sp.diff(ab[s, f], a[t, g]) * da[t, g] for t in range(n) for g in range(F)))
    dAi = sp.Matrix(n, F, lambda s, f: sum(sp.diff(Ai[s, f], a[t, g]) * da[t, g] for t in range(n) for g in range(F))
                    + sp.diff(Ai[s, f], w[f]) * dw[f] + db[f])
    dmu = [sum(da[s, f] for s in range(n)) / n for f in range(F)]
    dsg = [sum(sp.diff(sg[f], a[s, f]) * da[s, f] for s in range(n)) for f in range(F)]
    r = {}
    r[(32, r'\mu_{\overline{\bf a}_\mathfrak{f}}')] = all(sp.simplify(sum(ab[s, f] for s in range(n))) == 0 for f in range(F))
    r[(32, r'\sigma_{\overline{\bf a}_\mathfrak{f}}')] = all(eq(sp.sqrt(sum(ab[s, f] ** 2 for s in range(n)) / n), 1) for f in range(F))
    entries = sp.Matrix(n, F, lambda s, f: (a[s, f] - mu[f]) / sg[f])
    prod = (a - sp.Matrix(n, F, lambda s, f: mu[f])) * sp.diag(*[1 / sg[f] for f in range(F)])
    r[41] = all(eq(ab[q], prod[q]) for q in range(n * F))
    r[47] = r[41] and all(eq(ab[q], entries[q]) for q in range(n * F))
    bn = sp.Matrix(n, F, lambda s, f: w[f] * ab[s, f] + b[f])
    meanBN = [sum(bn[s, f] for s in range(n)) / n for f in range(F)]
    r[96] = all(eq(meanBN[f], b[f]) for f in range(F))
    r[104] = all(eq(meanBN[f], w[f] * sum(ab[s, f] for s in range(n)) / n + b[f]) and eq(meanBN[f], b[f]) for f in range(F))

    def std_is(f, val_of_w):  # the standard deviation of BN(abar_f) against a printed value, at w_f = +2 and -2
        ok = True
        for wv in (2, -2):
            fix = {w[f]: wv}
            sd = sp.sqrt(sum((bn[s, f] - meanBN[f]) ** 2 for s in range(n)) / n)
            ok &= same(sd.subs(fix), val_of_w(f).subs(fix), syms, trials=2)
        return ok
    r[98] = all(std_is(f, lambda f: w[f]) for f in range(F))
    links112 = [lambda f: sp.sqrt(sum((w[f] * ab[s, f] + b[f] - b[f]) ** 2 for s in range(n)) / n),
                lambda f: w[f] * sp.sqrt(sum(ab[s, f] ** 2 for s in range(n)) / n),
                lambda f: w[f]]
    r[112] = all(std_is(f, lk) for f in range(F) for lk in links112)
    pairs = sp.Matrix(n, F, lambda s, f: w[f] * ab[s, f] + b[f])
    matform = ab * wt + sp.Matrix(n, F, lambda s, f: b[f])
    r[126] = all(eq(bn[q], matform[q]) for q in range(n * F))
    r[133] = r[126] and all(eq(bn[q], pairs[q]) for q in range(n * F))
    # Delta . dA_i
    lhs = frob(D, dAi)
    diagAtD = [(ab.T * D)[f, f] for f in range(F)]
    sumD = [sum(D[s, f] for s in range(n)) for f in range(F)]
    rhs = sum(diagAtD[f] * dw[f] for f in range(F)) + sum(sumD[f] * db[f] for f in range(F)) + frob(D * wt, dab)
    dwt, dbt = sp.diag(*dw), sp.Matrix(n, F, lambda s, f: db[f])
    mid1 = frob(D, ab * dwt) + frob(D, dbt) + frob(D, dab * wt)
    mid2 = frob(ab.T * D, dwt) + frob(D, dbt) + frob(D * wt, dab)
    r[186] = eq(lhs, rhs) and eq(lhs, frob(D, dAi))
    r[199] = r[186] and eq(lhs, mid1) and eq(lhs, mid2)
    # d abar for one entry, with dmu, dsigma the true differentials
    final = lambda s, f: (n * da[s, f] - sum(da[t, f] for t in range(n)) - ab[s, f] * sum(ab[t, f] * da[t, f] for t in range(n))) / (n * sg[f])
    ok219 = ok229 = True
    M, Sg = sp.symbols("M Sg", real=True)
    for s in range(n):
        for f in range(F):
            fn = (a[s, f] - M) / Sg
            p_a, p_m, p_s = sp.diff(fn, a[s, f]), sp.diff(fn, M), sp.diff(fn, Sg)
            at = {M: mu[f], Sg: sg[f]}
            l1 = (p_a * da[s, f] + p_m * dmu[f] + p_s * dsg[f]).subs(at)
            l2 = da[s, f] / sg[f] - dmu[f] / sg[f] - ab[s, f] / sg[f] * dsg[f]
            l2b = da[s, f] / sg[f] - dmu[f] / sg[f] - (a[s, f] - mu[f]) / sg[f] ** 2 * dsg[f]
            ok219 &= eq(dab[s, f], l1) and eq(dab[s, f], l2) and eq(dab[s, f], final(s, f))
            ok229 &= eq(dab[s, f], l1) and eq(dab[s, f], l2b) and eq(dab[s, f], l2)
    r[219], r[229] = ok219, ok229
    r[237] = all(eq(dmu[f], sum(sp.diff(mu[f], a[s, f]) * da[s, f] for s in range(n))) and
                 eq(dmu[f], sum(da[s, f] for s in range(n)) / n) for f in range(F))
    ok = True
    for f in range(F):
        sgM = sp.sqrt(sum((a[s, f] - M) ** 2 for s in range(n)) / n)
        at = {M: mu[f]}
        l1 = (sum(sp.diff(sgM, a[s, f]) * da[s, f] for s in range(n)) + sp.diff(sgM, M) * dmu[f]).subs(at)
        l2 = sum((a[s, f] - mu[f]) / (n * sg[f]) * da[s, f] for s in range(n)) - (1 / sg[f]) * sum(a[s, f] - mu[f] for s in range(n)) * dmu[f]
        l3 = sum((a[s, f] - mu[f]) / sg[f] * da[s, f] for s in range(n)) / n - (1 / sg[f]) * (sum(a[s, f] for s in range(n)) - n * mu[f]) * dmu[f]
        l4 = sum(ab[s, f] * da[s, f] for s in range(n)) / n
        ok &= all(eq(dsg[f], l) for l in (l1, l2, l3, l4))
    r[245] = ok
    r[257] = all(eq(dab[s, f], final(s, f)) for s in range(n) for f in range(F))
    # dAbar: the printed middle link has abar sum abar dabar in its last matrix
    ones = sp.ones(n, F)
    colsum = lambda Mx: sp.Matrix(n, F, lambda s, f: sum(Mx[t, f] for t in range(n)))
    had = lambda P, Q: sp.Matrix(n, F, lambda s, f: P[s, f] * Q[s, f])
    invsg = sp.diag(*[1 / sg[f] for f in range(F)])
    last_printed = had(ab, colsum(had(ab, dab)))
    last_right = had(ab, colsum(had(ab, da)))
    middle_printed = (n * had(ones, da) - colsum(da) - last_printed) * invsg / n
    operator_form = (n * ones - colsum(ones) - had(ab, colsum(ab)))  # applied column-wise as an operator on dA
    op_applied = (n * da - colsum(da) - last_right) * invsg / n
    entries9 = sp.Matrix(n, F, lambda s, f: final(s, f))
    r[269] = all(eq(dab[q], middle_printed[q]) for q in range(n * F)) and all(eq(dab[q], op_applied[q]) for q in range(n * F))
    r[303] = all(eq(dab[q], entries9[q]) for q in range(n * F)) and all(eq(dab[q], middle_printed[q]) for q in range(n * F))
    assert all(eq(dab[q], op_applied[q]) for q in range(n * F))  # with da in the last matrix the step is right
    assert operator_form.shape == (n, F)
    bc = lambda v: sp.Matrix(n, F, lambda s, f: v[f])
    r[352] = all(eq(colsum(da)[q], bc([sum(da[t, f] for t in range(n)) for f in range(F)])[q]) and
                 eq(colsum(da)[q], colsum(had(ones, da))[q]) for q in range(n * F))
    v11 = [sum(ab[t, f] * da[t, f] for t in range(n)) for f in range(F)]
    r[387] = all(eq(last_right[q], had(ab, bc(v11))[q]) and eq(last_right[q], had(ab, colsum(had(ab, da)))[q]) for q in range(n * F))
    g = D * wt
    opg = (n * g - colsum(g) - had(ab, colsum(had(ab, g)))) * invsg / n
    true_grad = sp.Matrix(n, F, lambda s, f: sp.diff(frob(D, Ai), a[s, f]))
    r[430] = eq(frob(g, dab), frob(g, op_applied)) and eq(frob(g, dab), frob(opg, da))
    r[440] = r[430]
    r[449] = all(eq(true_grad[q], opg[q]) for q in range(n * F))
    r[450] = all(eq(sp.diff(frob(D, Ai), w[f]), diagAtD[f]) for f in range(F))
    r[451] = all(eq(sp.diff(frob(D, Ai), b[f]), sumD[f]) for f in range(F))
    return r


# ----------------------------------------------------------------- 06: Boue, fully connected, n = 2, 2 -> 3
def file06():
    n, fi, fo = 2, 2, 3
    A = sp.Matrix(n, fi, lambda s, k: sp.Symbol(f"A{s}{k}"))
    W = sp.Matrix(fi, fo, lambda k, j: sp.Symbol(f"w{k}{j}"))
    b = [sp.Symbol(f"b{j}") for j in range(fo)]
    D = sp.Matrix(n, fo, lambda s, j: sp.Symbol(f"D{s}{j}"))
    dA = sp.Matrix(n, fi, lambda s, k: sp.Symbol(f"dA{s}{k}"))
    dW = sp.Matrix(fi, fo, lambda k, j: sp.Symbol(f"dw{k}{j}"))
    db = [sp.Symbol(f"db{j}") for j in range(fo)]
    frob = lambda M, N: sp.expand(sum(M[q] * N[q] for q in range(len(M))))
    bt = sp.Matrix(n, fo, lambda s, j: b[j])
    dbt = sp.Matrix(n, fo, lambda s, j: db[j])
    Ai = A * W + bt
    dAi = dA * W + A * dW + dbt
    L = frob(D, Ai)
    sumD = sp.Matrix(1, fo, lambda _, j: sum(D[s, j] for s in range(n)))
    lhs = frob(D, dAi)
    rhs = frob(A.T * D, dW) + frob(sumD, sp.Matrix(1, fo, lambda _, j: db[j])) + frob(D * W.T, dA)
    mid = frob(D, A * dW) + frob(D, dbt) + frob(D, dA * W)
    r = {}
    r[39] = sp.expand(lhs - rhs) == 0
    r[55] = r[39] and sp.expand(lhs - mid) == 0
    r[65] = all(z0(sp.diff(L, A[q]) - (D * W.T)[q]) for q in range(n * fi))
    r[66] = all(z0(sp.diff(L, W[q]) - (A.T * D)[q]) for q in range(fi * fo))
    r[67] = all(z0(sp.diff(L, b[j]) - sumD[j]) for j in range(fo))
    # caption, sample A = row 0: L_A, M_A, N_A are its outputs, 1_delta, 2_delta the gradients of its inputs
    r[88] = z0(sp.diff(L, A[0, 0]) - (W[0, 0] * D[0, 0] + W[0, 1] * D[0, 1] + W[0, 2] * D[0, 2]))
    r[89] = z0(sp.diff(L, A[0, 1]) - (W[1, 0] * D[0, 0] + W[1, 1] * D[0, 1] + W[1, 2] * D[0, 2]))
    assert all(z0(Ai[0, j] - (W[0, j] * A[0, 0] + W[1, j] * A[0, 1] + b[j])) for j in range(fo))  # the caption's forward pass
    return r


CHECKS = {
    "01_piseno_conv_same_padding.md": file01,
    "02_aiSE21178_strided_filter_gradient.md": file02,
    "03_bronstein_mlp_backprop.md": file03,
    "04_roelants_softmax_crossentropy.md": file04,
    "05_boue_batchnorm.tex": file05,
    "06_boue_fully_connected.tex": file06,
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
        print(f"{f['name']:42s} {str(tag)[:44]:44s}  {got:5s}  {'ok' if want == got else 'MISMATCH'}")

print(f"\n{total_n} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
