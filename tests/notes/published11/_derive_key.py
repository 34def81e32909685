#!/usr/bin/env python3
"""Independent check of key.toml for the set "pub11" (uses SymPy only; does not import symconv).

Each layer or network is rebuilt from its definition in SymPy and every keyed claim is re-derived (exactly: the
sizes are small and the abstract activation g and cost C of the generic sources are replaced by polynomials
whose derivatives are never 0 or 1, so a dropped factor shows). A coverage check makes sure every line with "="
inside maths is keyed, or continues a keyed display: $$...$$, \\[...\\] and \\begin{equation*}...\\end{equation*}
displays, $...$ and \\(...\\) inline (an inline formula may run over the lines of its paragraph), and an "="
written between two inline formulas ($A$=$B$), which joins them. An "=" in a sum's lower limit does not count.
Where a claim is a printed list of terms, the terms are read from the notes file itself. Exit 0 only if every
verdict matches and coverage is complete.
"""
import math
import random
import re
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
problems = []

# ----------------------------------------------------------------- coverage
from pathlib import Path
LIMIT = re.compile(r"_\{\s*[A-Za-z]'?\s*=\s*[^{}]*\}")
DISPLAY_ENVS = ("equation*",)

def skipped(s):
    return s.startswith("*Transcribed") or s.startswith("[Transcriber's note")

def math_blocks(path):
    """Blocks of maths: $$..$$, \\[..\\], \\begin{equation*}..\\end{equation*} (display, over lines), $..$ and \\(..\\)
    (inline, possibly over several lines of one paragraph). A backslash pair is never a delimiter, \\$ is a dollar.
    An '=' written outside maths between two inline formulas (`$A$=$B$`) counts as maths and joins them into one block.
    Each block is the list of its lines holding '=' (an '=' in a sum's lower limit does not count)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    # keep only lines that are not code, header or notes; remember line numbers per character
    chars, nums = [], []
    in_code = False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("```"):
            in_code = not in_code
            chars.append("\n"); nums.append(n); continue
        if in_code or skipped(s):
            chars.append("\n"); nums.append(n); continue
        t = LIMIT.sub("", line)
        for ch in t + "\n":
            chars.append(ch); nums.append(n)
    text = "".join(chars)
    segs = []  # (kind, start, end) of maths content
    i, N = 0, len(text)
    while i < N:
        two = text[i:i + 2]
        if two in ("\\\\", "\\$"):
            i += 2; continue
        opened = None
        if two == "$$":
            opened, close, k = "d", "$$", 2
        elif two == "\\[":
            opened, close, k = "d", "\\]", 2
        elif text.startswith("\\begin{equation*}", i):
            opened, close, k = "d", "\\end{equation*}", len("\\begin{equation*}")
        elif text[i] == "$":
            opened, close, k = "i", "$", 1
        elif two == "\\(":
            opened, close, k = "i", "\\)", 2
        if opened is None:
            i += 1; continue
        j = i + k
        while j < N:
            if text[j:j + 2] in ("\\\\", "\\$") and close != "\\\\":
                if text.startswith(close, j) and close.startswith("\\") and not text.startswith("\\\\", j):
                    break
                j += 2; continue
            if text.startswith(close, j):
                break
            if opened == "i" and text[j] == "\n" and text[j + 1:j + 2] == "\n":
                j = N; break  # inline maths ends with its paragraph
            j += 1
        if j >= N:
            i += k; continue
        segs.append([opened, i + k, j, i, j + len(close)])
        i = j + len(close)
    blocks = []
    prev = None
    for kind, a, b, oa, ob in segs:
        eq = sorted({nums[p] for p in range(a, b) if text[p] == "="})
        joined = False
        if prev is not None and kind == "i" and prev[0] == "i":
            between = text[prev[4]:oa]
            if between.strip() == "=" :
                eq = sorted(set(eq) | {nums[prev[4] + between.index("=")]})
                joined = True
        if joined and blocks and prev[5] is not None:
            blk = blocks[prev[5]]
            for e in eq:
                if e not in blk:
                    blk.append(e)
            idx = prev[5]
        elif eq:
            blocks.append(eq); idx = len(blocks) - 1
        else:
            idx = None
            if joined:
                pass
        prev = (kind, a, b, oa, ob, idx)
    return blocks


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


rng = random.Random(20260311)


def zero(v):
    """v is 0: exactly, at three random rational points (the identities checked are polynomial or rational in
    their symbols, so a nonzero v vanishes at a random point with negligible probability)."""
    v = sp.sympify(v)
    fs = sorted(v.free_symbols, key=str)
    for _ in range(3):
        sub = {q: sp.Rational(rng.randint(-60, 60), rng.randint(1, 9)) for q in fs}
        if sp.nsimplify(v.subs(sub)) != 0:
            return False
    return True


def mz(M):
    return all(zero(v) for v in M)


def corr(A, K, pad=0, stride=1):
    """Cross-correlation of matrix A (zero padded by pad) with kernel K at the given stride."""
    H, W = A.shape
    kh, kw = K.shape
    P = sp.zeros(H + 2 * pad, W + 2 * pad)
    P[pad:pad + H, pad:pad + W] = A
    oh, ow = (H + 2 * pad - kh) // stride + 1, (W + 2 * pad - kw) // stride + 1
    return sp.Matrix(oh, ow, lambda i, j: sum(K[a, b] * P[i * stride + a, j * stride + b] for a in range(kh) for b in range(kw)))


def rot180(K):
    return sp.Matrix(K.shape[0], K.shape[1], lambda i, j: K[K.shape[0] - 1 - i, K.shape[1] - 1 - j])


def conv_matrix(n, K, pad=0, stride=1):
    """The matrix C of the correlation on an n x n input, row-major unrolling (as the paper's)."""
    xs = sp.Matrix(n, n, lambda i, j: sp.Symbol(f"u{i}_{j}"))
    y = corr(xs, K, pad, stride)
    return sp.Matrix([y[i, j] for i in range(y.rows) for j in range(y.cols)]).jacobian(
        [xs[i, j] for i in range(n) for j in range(n)]), xs


def osize(i, k, s, p, d=1):
    return (i + 2 * p - k - (k - 1) * (d - 1)) // s + 1


# ----------------------------------------------------------------- 01: Dumoulin and Visin, i = 4, k = 3, s = 1, p = 0
def file01():
    i, k, s, p = 4, 3, 1, 0
    w = sp.Matrix(3, 3, lambda a, b: sp.Symbol(f"w{a}{b}"))
    C, xs = conv_matrix(i, w)
    # the printed C (a display without "="; not keyed): row r has w_{a,b} at column (r // 2 + a) * 4 + r % 2 + b
    printed = sp.zeros(4, 16)
    starts = [0, 1, 4, 5]
    for r in range(4):
        for a in range(3):
            for b in range(3):
                printed[r, starts[r] + 4 * a + b] = w[a, b]
    assert printed == C and C.shape == (4, 16)
    g = sp.Matrix(4, 1, lambda r, _: sp.Symbol(f"g{r}"))  # upstream gradient, row-major 2 x 2
    G = sp.Matrix(2, 2, lambda a, b: g[2 * a + b])
    back = C.T * g  # the backward pass: the gradient with respect to the 16 inputs
    eq_direct = corr(G, rot180(w), pad=2)  # i' = 2 padded by p' = 2, k' = 3, s' = 1, kernel turned
    r = {}
    r[25] = osize(i, k, s, p) == (i - k) + 1 == 2
    r[95] = C.T.T == C
    direct_ok = eq_direct.shape == (4, 4) and mz(sp.Matrix([eq_direct[a, b] for a in range(4) for b in range(4)]) - back)
    r[131] = direct_ok and osize(2, 3, 1, 2) == 4
    r[157] = (3 == k) and (1 == s) and (k - 1 == 2) and direct_ok
    r[160] = 2 + (k - 1) == i == 4
    r[171] = osize(i, k, s, p) == 2
    r[172] = direct_ok
    return r


# ----------------------------------------------------------------- 02: Dumoulin and Visin, i = 5, k = 3, s = 2, p = 1
def stretched(G, s):
    n = G.rows
    T = sp.zeros((n - 1) * s + 1, (n - 1) * s + 1)
    for a in range(n):
        for b in range(n):
            T[a * s, b * s] = G[a, b]
    return T


def transposed_ok(i, k, s, p, pprime, a_extra):
    """C^T g equals the unit-stride correlation, with the turned kernel, of the stretched input padded by p'
    (a_extra more zeros at the bottom and right)."""
    w = sp.Matrix(k, k, lambda u, v: sp.Symbol(f"w{u}{v}"))
    C, xs = conv_matrix(i, w, pad=p, stride=s)
    o = osize(i, k, s, p)
    g = sp.Matrix(o * o, 1, lambda r, _: sp.Symbol(f"g{r}"))
    back = C.T * g
    T = stretched(sp.Matrix(o, o, lambda u, v: g[o * u + v]), s)
    n = T.rows
    P = sp.zeros(n + 2 * pprime + a_extra, n + 2 * pprime + a_extra)
    P[pprime:pprime + n, pprime:pprime + n] = T
    out = corr(P, rot180(w))
    return out.shape == (i, i) and mz(sp.Matrix([out[u, v] for u in range(i) for v in range(i)]) - back), n


def file02():
    i, k, s, p = 5, 3, 2, 1
    r = {}
    o = osize(i, k, s, p)
    r[15] = o == math.floor((i + 2 * p - k) / s) + 1 == 3
    r[21] = (i + 2 * p - k) % s == 0 and all(osize(i + a, k, s, p) == o for a in range(s))
    ok5, it5 = transposed_ok(i, k, s, p, k - p - 1, 0)
    r[56] = ok5
    r[57] = ok5 and k - p - 1 == 1
    r[62] = s * (o - 1) + k - 2 * p == i == 5
    a = (i + 2 * p - k) % s
    r[76] = ok5
    r[77] = ok5 and k - p - 1 == 1
    r[78] = a == 0 and ok5
    r[83] = s * (o - 1) + a + k - 2 * p == i
    r[96] = o == 3
    r[97] = it5 == 5 and ok5 and k - p - 1 == 1
    # the not_claims about the second example, i = 6: right (checked, not keyed)
    o6 = osize(6, k, s, p)
    a6 = (6 + 2 * p - k) % s
    ok6, it6 = transposed_ok(6, k, s, p, k - p - 1, a6)
    assert o6 == 3 and a6 == 1 and it6 == 5 and ok6 and s * (o6 - 1) + a6 + k - 2 * p == 6
    return r


# ----------------------------------------------------------------- 03: zxRobot, sigma then 2 x 2 conv on 3 x 3
def sym_matrix(prefix, n, m, base=1):
    return sp.Matrix(n, m, lambda i, j: sp.Symbol(f"{prefix}{i + base}{j + base}"))


def file03():
    name = "03_zx_conv_backward_zh.md"
    L = notes(name)
    sig = lambda t: t ** 3 + 2 * t  # the README's sigma is generic; a polynomial whose derivative is not 1
    zl = sym_matrix("q", 3, 3)       # z^l, the input of the network
    a = zl.applyfunc(sig)            # a^l
    A = sym_matrix("a", 3, 3)        # a^l as free symbols (for the lines in a)
    w = sym_matrix("w", 2, 2)
    d = sym_matrix("d", 2, 2)        # delta^{l+1}
    z = corr(A, w)
    Cl = sum(d[i, j] * z[i, j] for i in range(2) for j in range(2))
    gradA = sp.Matrix(3, 3, lambda i, j: sp.diff(Cl, A[i, j]))
    gradW = sp.Matrix(2, 2, lambda i, j: sp.diff(Cl, w[i, j]))
    Cz = Cl.subs({A[i, j]: a[i, j] for i in range(3) for j in range(3)})
    delta_l = sp.Matrix(3, 3, lambda i, j: sp.diff(Cz, zl[i, j]))
    sym = {f"a_{{{i}{j}}}": A[i - 1, j - 1] for i in range(1, 4) for j in range(1, 4)}
    sym.update({f"w_{{{i}{j}}}": w[i - 1, j - 1] for i in range(1, 3) for j in range(1, 3)})
    sym.update({f"\\delta_{{{i}{j}}}": d[i - 1, j - 1] for i in range(1, 3) for j in range(1, 3)})
    # forward lines 32-35 (definitions): as printed, equal to the layer
    for ln, (i, j) in zip((32, 33, 34, 35), ((0, 0), (0, 1), (1, 0), (1, 1))):
        terms = re.findall(r"(a_\{\d\d\})\*(w_\{\d\d\})", L[ln - 1])
        assert len(terms) == 4 and sp.expand(sum(sym[u] * sym[v] for u, v in terms) - z[i, j]) == 0, ln
    r = {}
    # line 15 / 37: chain rules (dC/dz^l = J^T delta, J the Jacobian of z^{l+1})
    zflat = sp.Matrix([corr(a, w)[i, j] for i in range(2) for j in range(2)])
    dflat = sp.Matrix([d[i, j] for i in range(2) for j in range(2)])
    J = zflat.jacobian([zl[i, j] for i in range(3) for j in range(3)])
    r[15] = mz(J.T * dflat - sp.Matrix([delta_l[i, j] for i in range(3) for j in range(3)]))
    J2 = sp.Matrix([z[i, j] for i in range(2) for j in range(2)]).jacobian([A[i, j] for i in range(3) for j in range(3)])
    r[37] = mz(J2.T * dflat - sp.Matrix([gradA[i, j] for i in range(3) for j in range(3)]))
    for ln in range(46, 55):
        m, n = map(int, re.search(r"\\nabla a_\{(\d)(\d)\}=", L[ln - 1]).groups())
        rhs = L[ln - 1].split("=", 1)[1].rstrip("$ ")
        terms = re.findall(r"(\\delta_\{\d\d\})(w_\{\d\d\})", rhs)
        r[ln] = sp.expand(sum(sym[u] * sym[v] for u, v in terms) - gradA[m - 1, n - 1]) == 0
    full = corr(d, rot180(w), pad=1)
    assert "w_{22}&w_{21}" in L[66].replace(" ", "") and "0&\\delta_{11}&\\delta_{12}&0" in L[63].replace(" ", "")
    r[62] = mz(full - gradA)
    # line 71: the last link delta^{l+1} * rot180(W), even with the padding read in, lacks sigma'(z^l)
    r[71] = mz(full.subs({A[i, j]: a[i, j] for i in range(3) for j in range(3)}) - delta_l) and mz(corr(d, rot180(w)) - delta_l) if corr(d, rot180(w)).shape == (3, 3) else False
    assert not mz(full - delta_l)
    r[74] = mz(corr(A, d) - gradW)
    for ln, (i, j) in zip((78, 79, 80, 81), ((1, 1), (1, 2), (2, 1), (1, 2))):  # the left side as printed
        lab = re.search(r"W\^\{l\+1\}_\{(\d)(\d)\}", L[ln - 1]).groups()
        assert (int(lab[0]), int(lab[1])) == (i, j)
        rhs = L[ln - 1].split("=", 1)[1].rstrip("$ ")
        terms = re.findall(r"(a_\{\d\d\})(\\delta_\{\d\d\})", rhs)
        r[ln] = len(terms) == 4 and sp.expand(sum(sym[u] * sym[v] for u, v in terms) - gradW[i - 1, j - 1]) == 0
    r[83] = mz(corr(A, d) - gradW)
    return r


# ----------------------------------------------------------------- 04: zxRobot, dense 2 -> 2 -> 2, half squared error
def file04():
    name = "04_zx_dense_backward_zh.md"
    L = notes(name)
    sig = lambda t: t ** 3 + 2 * t
    dsig = lambda t: 3 * t ** 2 + 2
    x = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"x{i}"))
    y = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"y{i}"))
    W1, W2 = sym_matrix("u", 2, 2), sym_matrix("v", 2, 2)
    b1 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"b{i}"))
    b2 = sp.Matrix(2, 1, lambda i, _: sp.Symbol(f"c{i}"))
    z1 = W1 * x + b1
    a1 = z1.applyfunc(sig)
    z2 = W2 * a1 + b2
    a2 = z2.applyfunc(sig)
    C = ((a2 - y).T * (a2 - y))[0] / 2
    d2 = sp.Matrix(2, 1, lambda i, _: sp.diff(C, b2[i]))  # dC/dz^2 = dC/db^2
    d1 = sp.Matrix(2, 1, lambda i, _: sp.diff(C, b1[i]))
    assert mz(d2 - (a2 - y).multiply_elementwise(z2.applyfunc(dsig)))
    r = {}
    printed17 = (a2 - y).multiply_elementwise(z2.applyfunc(sig))  # sigma^l(z^l) read at L
    printed17b = (a2 - y).multiply_elementwise(z1.applyfunc(sig))  # or at l = 1
    assert "\\sigma^l(z^l)" in L[16]
    r[17] = mz(d2 - printed17) or mz(d2 - printed17b)
    gW2 = sp.Matrix(2, 2, lambda i, j: sp.diff(C, W2[i, j]))
    gW1 = sp.Matrix(2, 2, lambda i, j: sp.diff(C, W1[i, j]))
    r[20] = mz(gW2 - d2 * a1.T)
    r[21] = mz(d2 - d2.multiply_elementwise(sp.ones(2, 1)))
    J = z2.jacobian(b1)  # dz^2/dz^1 (z^1 enters z^2 only through b1's place)
    r[24] = mz(d1 - J.T * d2)
    assert "W^{l+1}\\delta(z^l)" in L[24] and "\\delta'(z^l)" in L[25]
    # line 25: the second link reads delta(z^l) for a^l = sigma(z^l); taken as the error delta^1 it is another vector
    r[25] = mz(z2 - (W2 * d1 + b2))
    # line 26: delta'(z^l) printed where sigma'(z^l) belongs; the formula with sigma' holds, the printed one names
    # no derivative of the activation (read as the error's letter delta^1 it differs)
    assert mz(d1 - (W2.T * d2).multiply_elementwise(z1.applyfunc(dsig)))
    r[26] = mz(d1 - (W2.T * d2).multiply_elementwise(d1))
    r[29] = mz(gW1 - d1 * x.T) and mz(gW2 - d2 * a1.T)
    r[30] = mz(sp.Matrix([sp.diff(C, b1[i]) for i in range(2)]) - d1)
    return r


# ----------------------------------------------------------------- 05: bishwarup, 3 x 3 input, 2 x 2 filter
def file05():
    name = "05_bishwarup_conv_backward.md"
    L = notes(name)
    X, W, dZ = sym_matrix("X", 3, 3), sym_matrix("W", 2, 2), sym_matrix("G", 2, 2)
    Z = corr(X, W)
    E = sum(dZ[i, j] * Z[i, j] for i in range(2) for j in range(2))
    sym = {f"{{X_{{{i}{j}}}}}": X[i - 1, j - 1] for i in range(1, 4) for j in range(1, 4)}
    sym.update({f"{{W_{{{i}{j}}}}}": W[i - 1, j - 1] for i in range(1, 3) for j in range(1, 3)})
    sym.update({f"d{{Z_{{{i}{j}}}}}": dZ[i - 1, j - 1] for i in range(1, 3) for j in range(1, 3)})
    for ln, (i, j) in zip((38, 40, 42, 44), ((0, 0), (0, 1), (1, 0), (1, 1))):
        terms = re.findall(r"(\{W_\{\d\d\}\})(\{X_\{\d\d\}\})", L[ln - 1])
        assert len(terms) == 4 and sp.expand(sum(sym[u] * sym[v] for u, v in terms) - Z[i, j]) == 0, ln
    r = {}
    for ln in (48, 50, 52, 54):
        m, n = map(int, re.search(r"d\{W_\{(\d)(\d)\}\} =", L[ln - 1]).groups())
        terms = re.findall(r"(d\{Z_\{\d\d\}\})(\{X_\{\d\d\}\})", L[ln - 1].split("=", 1)[1])
        r[ln] = len(terms) == 4 and sp.expand(sum(sym[u] * sym[v] for u, v in terms) - sp.diff(E, W[m - 1, n - 1])) == 0
    for ln in (71, 75):
        m, n = map(int, re.search(r"d\{X_\{(\d)(\d)\}\} =", L[ln - 1]).groups())
        terms = re.findall(r"(\{W_\{\d\d\}\})(d\{Z_\{\d\d\}\})", L[ln - 1].split("=", 1)[1])
        r[ln] = sp.expand(sum(sym[u] * sym[v] for u, v in terms) - sp.diff(E, X[m - 1, n - 1])) == 0
    dX = sp.Matrix(3, 3, lambda i, j: sp.diff(E, X[i, j]))
    full = corr(dZ, rot180(W), pad=1)  # the full convolution (sliding over the zero-ringed map) of the turned kernel
    r[83] = mz(full - dX)
    r[87] = r[83]
    return r


# ----------------------------------------------------------------- 06: Koerbitz, two single-neuron layers
gfun = lambda t: t ** 3 + 2 * t + t ** 2 / 3          # the abstract activation g, a polynomial
dg = lambda t: 3 * t ** 2 + 2 + 2 * t / 3
Cfun = lambda t: t ** 4 / 4 - 3 * t ** 2 + t          # the abstract cost C of a scalar output
dC = lambda t: t ** 3 - 6 * t + 1


def file06():
    x, w1, b1, w2, b2 = sp.symbols("x w1 b1 w2 b2")
    z1 = w1 * x + b1
    a1 = gfun(z1)
    z2 = w2 * a1 + b2
    a2 = gfun(z2)
    C = Cfun(a2)
    Z1 = sp.Symbol("Z1")
    d2 = dC(a2) * dg(z2)
    d1 = sp.diff(Cfun(gfun(w2 * gfun(Z1) + b2)), Z1).subs(Z1, z1)
    e = lambda u, v: zero(u - v)
    r = {}
    r[65] = e(sp.diff(C, w2), d2 * sp.diff(z2, w2)) and e(sp.diff(C, w2), d2 * a1)
    r[69] = e(sp.diff(C, b2), d2 * sp.diff(z2, b2)) and e(sp.diff(C, b2), d2)
    r[78] = e(sp.diff(C, b2), dC(a2) * dg(z2))  # dC/dz^2 = dC/db^2
    A1 = sp.Symbol("A1")
    r[81] = e(sp.diff(w2 * A1 + b2, w2), A1)
    r[82] = e(sp.diff(w2 * A1 + b2, b2), 1)
    r[98] = e(sp.diff(C, w1), d1 * sp.diff(z1, w1))
    r[101] = e(sp.diff(C, b1), d1 * sp.diff(z1, b1))
    r[111] = e(sp.diff(z1, w1), x)
    r[112] = e(sp.diff(z1, b1), 1)
    r[121] = e(d1, d2 * sp.diff(w2 * gfun(Z1) + b2, Z1).subs(Z1, z1))
    r[130] = e(sp.diff(w2 * gfun(Z1) + b2, Z1), w2 * dg(Z1))
    r[138] = e(d1, d2 * w2 * dg(z1))
    r[139] = e(sp.diff(C, w1), d1 * x)
    r[140] = e(sp.diff(C, b1), d1)
    # "From Two to L Layers", l = 1, 2, L = 2
    layers = {1: (w1, b1, x, z1, d1), 2: (w2, b2, a1, z2, d2)}
    r[180] = all(e(sp.diff(C, wl), dl * sp.diff(zl, wl)) and e(sp.diff(C, wl), dl * al) for wl, bl, al, zl, dl in layers.values())
    # line 184 as printed: dC/db^l = dC/dz^l dz^l/dw^l = delta^l dz^l/dw^l = delta^l
    r[184] = all(e(sp.diff(C, bl), dl * sp.diff(zl, wl)) and e(sp.diff(C, bl), dl) for wl, bl, al, zl, dl in layers.values())
    r[191] = all(e(sp.diff(zl, wl), al) for wl, bl, al, zl, dl in layers.values())
    r[192] = all(e(sp.diff(zl, bl), 1) for wl, bl, al, zl, dl in layers.values())
    r[200] = e(d1, d2 * sp.diff(w2 * gfun(Z1) + b2, Z1).subs(Z1, z1)) and e(d1, d2 * w2 * dg(z1))
    r[206] = e(sp.diff(C, b2), dC(a2) * dg(z2))
    r[217] = r[206]
    r[224] = e(sp.diff(C, w2), d2 * a1)
    r[225] = e(sp.diff(C, b2), d2)
    r[235] = e(d1, w2 * d2)  # the summary for l = 1 drops g'(z^1)
    r[236] = e(sp.diff(C, w1), d1 * x)
    r[237] = e(sp.diff(C, b1), d1)
    return r


# ----------------------------------------------------------------- 07: Koerbitz, 2 -> 3 -> 1, minibatch of 2
def file07():
    n0, n1, n2, m = 2, 3, 1, 2
    W1, W2 = sym_matrix("u", n1, n0), sym_matrix("v", n2, n1)
    b1 = sp.Matrix(n1, 1, lambda i, _: sp.Symbol(f"b{i}"))
    b2 = sp.Matrix(n2, 1, lambda i, _: sp.Symbol(f"c{i}"))
    X = sym_matrix("x", n0, m)
    e = lambda u, v: zero(u - v)
    eM = lambda A, B: A.shape == B.shape and mz(A - B)

    def forward(x):
        ones = sp.ones(1, x.cols)  # b broadcast over the columns, as the post says
        z1 = W1 * x + b1 * ones
        a1 = z1.applyfunc(gfun)
        z2 = W2 * a1 + b2 * ones
        a2 = z2.applyfunc(gfun)
        return z1, a1, z2, a2

    # one sample (the first column): per-sample cost C(a^2) with the abstract polynomial C
    x = X[:, 0]
    z1, a1, z2, a2 = forward(x)
    C = Cfun(a2[0])
    Z1 = sp.Matrix(n1, 1, lambda i, _: sp.Symbol(f"Z{i}"))
    d2 = sp.Matrix([sp.diff(C, b2[0])])
    d1 = sp.Matrix(n1, 1, lambda i, _: sp.diff(C, b1[i]))
    gW1 = sp.Matrix(n1, n0, lambda i, j: sp.diff(C, W1[i, j]))
    gW2 = sp.Matrix(n2, n1, lambda i, j: sp.diff(C, W2[i, j]))
    layers = [(W1, b1, x, z1, d1, gW1), (W2, b2, a1, z2, d2, gW2)]
    ok50 = ok51 = ok77 = ok90 = ok104 = ok107 = ok117 = ok123 = True
    for Wl, bl, al, zl, dl, gWl in layers:
        for i in range(Wl.rows):
            for j in range(Wl.cols):
                ok50 &= e(gWl[i, j], sum(dl[k] * sp.diff(zl[k], Wl[i, j]) for k in range(Wl.rows)))
                ok104 &= e(gWl[i, j], dl[i] * al[j])
                for k in range(Wl.rows):
                    ok77 &= e(sp.diff(zl[k], Wl[i, j]), al[j] if i == k else 0)
            ok51 &= e(sp.diff(C, bl[i]), sum(dl[k] * sp.diff(zl[k], bl[i]) for k in range(Wl.rows)))
            ok107 &= e(sp.diff(C, bl[i]), dl[i])
            for k in range(Wl.rows):
                ok90 &= e(sp.diff(zl[k], bl[i]), 1 if i == k else 0)
        ok117 &= eM(gWl, dl * al.T)
        ok123 &= eM(sp.Matrix([sp.diff(C, bl[i]) for i in range(Wl.rows)]), dl)
    r = {50: ok50, 51: ok51, 67: ok50, 68: ok51, 77: ok77, 90: ok90, 104: ok104, 107: ok107, 117: ok117, 123: ok123}
    # delta^L: C depends on z^2 through g
    Zs = sp.Symbol("Zs")
    r[139] = e(d2[0], sp.diff(Cfun(gfun(Zs)), Zs).subs(Zs, z2[0])) and e(d2[0], dC(a2[0]) * dg(z2[0]))
    r[150] = eM(d2, sp.Matrix([dC(a2[0])]).multiply_elementwise(z2.applyfunc(dg)))
    # delta^1 through z^2, z^2 as a function of a free z^1
    z2f = W2 * Z1.applyfunc(gfun) + b2
    sub = {Z1[i]: z1[i] for i in range(n1)}
    ok162 = ok172 = ok180 = True
    for i in range(n1):
        ok162 &= e(d1[i], sum(d2[k] * sp.diff(z2f[k], Z1[i]).subs(sub) for k in range(n2)))
        for k in range(n2):
            ok172 &= e(sp.diff(z2f[k], Z1[i]), W2[k, i] * dg(Z1[i]))
        ok180 &= e(d1[i], sum(W2[k, i] * d2[k] * dg(z1[i]) for k in range(n2)))
    r[162], r[172], r[180] = ok162, ok172, ok180
    r[190] = eM(d1, (W2.T * d2).multiply_elementwise(z1.applyfunc(dg)))
    r[200] = r[240] = r[348] = r[150]
    r[201] = r[241] = r[190]
    r[202] = r[242] = r[408] = ok117
    r[203] = r[243] = ok123
    # minibatch: cost = average over the m samples of the per-sample cost
    Z1m, A1m, Z2m, A2m = forward(X)
    Cm = sum(Cfun(A2m[0, j]) for j in range(m)) / m
    D2 = sp.Matrix(1, m, lambda _, j: dC(A2m[0, j]) * dg(Z2m[0, j]))
    per = []
    for j in range(m):
        zj1, aj1, zj2, aj2 = forward(X[:, j])
        Cj = Cfun(aj2[0])
        per.append((sp.Matrix([sp.diff(Cj, b2[0])]), sp.Matrix(n1, 1, lambda i, _: sp.diff(Cj, b1[i]))))
    D1 = sp.Matrix.hstack(*[p[1] for p in per])
    r[358] = eM(D2, sp.Matrix.hstack(*[p[0] for p in per])) and eM(D2, sp.Matrix(1, m, lambda _, j: dC(A2m[0, j])).multiply_elementwise(Z2m.applyfunc(dg)))
    r[378] = eM(D1, (W2.T * D2).multiply_elementwise(Z1m.applyfunc(dg)))
    gb1 = sp.Matrix(n1, 1, lambda i, _: sp.diff(Cm, b1[i]))
    gb2 = sp.Matrix([sp.diff(Cm, b2[0])])
    r[402] = eM(gb1, sum((D1[:, j] for j in range(m)), sp.zeros(n1, 1)) / m) and eM(gb2, sum((D2[:, j] for j in range(m)), sp.zeros(1, 1)) / m)
    gW1m = sp.Matrix(n1, n0, lambda i, j: sp.diff(Cm, W1[i, j]))
    gW2m = sp.Matrix(n2, n1, lambda i, j: sp.diff(Cm, W2[i, j]))
    r[418] = eM(gW1m, D1 * X.T / m) and eM(gW2m, D2 * A1m.T / m)
    return r


# ----------------------------------------------------------------- 08: yanfenglee, softmax cross-entropy, K = 3
def file08():
    t = sp.Symbol("t", real=True)
    sigm = 1 / (1 + sp.exp(-t))
    r = {}
    r[7] = sp.simplify(sp.diff(sigm, t) - sigm * (1 - sigm)) == 0
    tanh_exp = (sp.exp(t) - sp.exp(-t)) / (sp.exp(t) + sp.exp(-t))
    link1 = sp.simplify(sp.tanh(t).rewrite(sp.exp) - tanh_exp) == 0
    r[10] = link1 and abs(float((tanh_exp - (2 * sigm - 1)).subs(t, 1))) < 1e-12
    assert abs(float((tanh_exp - (2 * sigm.subs(t, 2 * t) - 1)).subs(t, 1))) < 1e-12  # the identity with 2z
    r[11] = sp.simplify(sp.diff(sp.tanh(t), t) - (1 - sp.tanh(t) ** 2)) == 0
    z = sp.symbols("z1:4")
    S = sum(sp.exp(v) for v in z)
    a = [sp.exp(v) / S for v in z]
    eq = lambda u, v: sp.simplify(u - v) == 0
    r[23] = all(eq(sp.diff(a[i], z[i]), a[i] * (1 - a[i])) for i in range(3))
    r[24] = all(eq(sp.diff(a[j], z[i]), -a[i] * a[j]) for i in range(3) for j in range(3) if i != j)
    ok = {32: True, 33: True, 34: True, 35: True, 36: True, 37: True}
    for cls in range(3):
        y = [1 if k == cls else 0 for k in range(3)]
        Lf = -sum(y[k] * sp.log(a[k]) for k in range(3))
        for i in range(3):
            g = sp.diff(Lf, z[i])
            links = {32: -sum(y[k] / a[k] * sp.diff(a[k], z[i]) for k in range(3)),
                     33: -y[i] * (1 - a[i]) - sum(y[k] / a[k] * (-a[k] * a[i]) for k in range(3) if k != i),
                     34: -y[i] * (1 - a[i]) + sum(y[k] * a[i] for k in range(3) if k != i),
                     35: -y[i] + y[i] * a[i] + sum(y[k] * a[i] for k in range(3) if k != i),
                     36: a[i] * sum(y) - y[i],
                     37: a[i] - y[i]}
            for ln, v in links.items():
                ok[ln] &= eq(g, v)
    r.update(ok)
    return r


CHECKS = {
    "01_dumoulin_conv_as_matrix.md": file01,
    "02_dumoulin_padding_strides_transposed.md": file02,
    "03_zx_conv_backward_zh.md": file03,
    "04_zx_dense_backward_zh.md": file04,
    "05_bishwarup_conv_backward.md": file05,
    "06_koerbitz_single_neuron_layers.md": file06,
    "07_koerbitz_multi_node_matrix.md": file07,
    "08_yanfeng_softmax_formulas.md": file08,
}

total_n = wrong = 0
for f in KEY["file"]:
    results = CHECKS[f["name"]]()
    claims = {c["line"]: c["verdict"] for c in f["claim"]}
    if len(claims) != len(f["claim"]):
        problems.append(f"{f['name']}: two claims on one line")
    if set(results) != set(claims):
        problems.append(f"{f['name']}: derived {sorted(results)} != keyed {sorted(claims)}")
    for tag, ok in sorted(results.items()):
        want, got = claims.get(tag), ("right" if ok else "wrong")
        total_n += 1
        wrong += got == "wrong"
        if want != got:
            problems.append(f"{f['name']} {tag}: key says {want}, mathematics says {got}")
        print(f"{f['name']:44s} {str(tag):6s}  {got:5s}  {'ok' if want == got else 'MISMATCH'}")

print(f"\n{total_n} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
