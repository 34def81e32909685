#!/usr/bin/env python3
"""Independent check of key.toml for the set "pub12" (SymPy, its mpmath, and the standard library; never imports symconv).

Each layer or network is rebuilt from its definition (the forward pass as the source writes it, at the size fixed in
the notes' header) and every keyed claim is re-derived from it: derivatives by exact forward-mode differentiation,
dual numbers over fractions seeded at a parameter, an input or an intermediate node (a node seeded is held and its
derivative flows downstream, which gives the partials of a computational graph), at random rational points; where
batch normalization's square roots enter (08, 09) the duals carry 80-digit mpmath floats and equality is to 1e-50.
The abstract activations and costs of the sources are replaced by polynomials whose derivatives are never constant,
so that a dropped factor shows. Where a claim is a printed list of terms (05 and 06's written-out entries) the terms
are read from the notes file itself. A coverage check makes sure every line with "=" inside maths is keyed or
continues a keyed display: $$...$$, \\[...\\], \\begin{equation}...\\end{equation} and
\\begin{equation*}...\\end{equation*} displays, $...$ and \\(...\\) inline (an inline formula may run over the lines
of its paragraph), and an "=" between two inline formulas ($A$=$B$), which joins them; TeX comments, Markdown code and
the transcriber's header and notes are not maths. An "=" inside the subscript of a sum (or product, limit, integral,
max, min), even one broken over two lines, does not count. Exit 0 only if every verdict matches and coverage is
complete.
"""
import random
import re
import sys
import tomllib
from fractions import Fraction
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
KEY = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
problems = []

# ----------------------------------------------------------------- coverage
LIMIT_OPS = re.compile(r"\\(?:sum|prod|lim|int|min|max|bigcup|bigcap)\s*(?:\\limits|\\nolimits)?\s*_\{")


def skipped(s):
    s = s.strip()
    return (s.startswith("*Transcribed") or s.startswith("\\textit{Transcribed")
            or s.startswith("[Transcriber's note"))


def prepare(path):
    """The text to scan (code blocks, the header, transcriber's notes, TeX comments and Markdown inline code blanked)
    and the line number of each character; the positions of '=' signs inside sum limits (not counted)."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    tex = str(path).endswith(".tex")
    chars, nums = [], []
    in_code = False
    for n, line in enumerate(lines, 1):
        s = line.strip()
        if s.startswith("```"):
            in_code = not in_code
            line = ""
        elif in_code or skipped(s):
            line = ""
        elif tex:
            line = re.sub(r"(?<!\\)%.*$", "", line)
        else:
            line = re.sub(r"`[^`\n]*`", lambda m: " " * len(m.group(0)), line)
        for ch in line + "\n":
            chars.append(ch); nums.append(n)
    text = "".join(chars)
    ignore = set()
    for m in LIMIT_OPS.finditer(text):
        depth, j = 1, m.end()
        while j < len(text) and depth:
            if text[j] == "{":
                depth += 1
            elif text[j] == "}":
                depth -= 1
            elif text[j] == "=":
                ignore.add(j)
            j += 1
    return text, nums, ignore


DISPLAY_ENVS = ("equation", "equation*")


def segments(text):
    """Maths segments (kind, start, end, open_start, close_end), kind 'd' (display) or 'i' (inline). A backslash pair
    is never a delimiter; \\$ is a dollar sign; inline maths ends with its paragraph."""
    segs = []
    i, N = 0, len(text)
    while i < N:
        two = text[i:i + 2]
        if two in ("\\\\", "\\$", "\\%"):
            i += 2; continue
        opened = None
        if two == "$$":
            opened, close, k = "d", "$$", 2
        elif two == "\\[":
            opened, close, k = "d", "\\]", 2
        elif text.startswith("\\begin{", i):
            for env in DISPLAY_ENVS:
                b = "\\begin{%s}" % env
                if text.startswith(b, i):
                    opened, close, k = "d", "\\end{%s}" % env, len(b)
                    break
        elif text[i] == "$":
            opened, close, k = "i", "$", 1
        elif two == "\\(":
            opened, close, k = "i", "\\)", 2
        if opened is None:
            i += 1; continue
        j = i + k
        while j < N:
            if text.startswith(close, j) and not (close == "$" and text.startswith("$$", j)):
                break
            if text[j:j + 2] in ("\\\\", "\\$"):
                j += 2; continue
            if opened == "i" and text[j] == "\n" and text[j + 1:j + 2] == "\n":
                j = N; break
            j += 1
        if j >= N:
            i += k; continue
        segs.append((opened, i + k, j, i, j + len(close)))
        i = j + len(close)
    return segs


def math_blocks(path):
    text, nums, ignore = prepare(path)
    blocks, prev = [], None
    for kind, a, b, oa, ob in segments(text):
        eq = sorted({nums[p] for p in range(a, b) if text[p] == "=" and p not in ignore})
        joined = prev is not None and kind == "i" and prev[0] == "i" and text[prev[4]:oa].strip() == "="
        if joined:
            eq = sorted(set(eq) | {nums[prev[4] + text[prev[4]:oa].index("=")]})
        if joined and prev[5] is not None:
            blk = blocks[prev[5]]
            blk.extend(e for e in eq if e not in blk)
            idx = prev[5]
        elif eq:
            blocks.append(eq); idx = len(blocks) - 1
        else:
            idx = None
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
        for ln in sorted(block):
            if ln in lines_keyed:
                seen = True
            elif not seen:
                problems.append(f"{f['name']}: line {ln} with '=' in maths is not keyed")
    for ln in lines_keyed:
        if sum(1 for (l2, _) in keyed if l2 == ln) > 1 and (ln, None) in keyed:
            problems.append(f"{f['name']}: line {ln} keyed more than once without lhs")
    claim_lines = [c["line"] for c in f["claim"]]
    if len(claim_lines) != len(set(claim_lines)):
        problems.append(f"{f['name']}: two claims on one line")


# ----------------------------------------------------------------- helpers
# Every network below is rebuilt by its forward definition with dual numbers: a value and its derivative along one
# seeded variable (a parameter, an input, or an intermediate node whose value is then held while the derivative
# flows downstream). Over fractions this is exact; where batch normalization's square roots enter (08, 09) the
# values are 80-digit mpmath floats and equality is to 1e-50. The abstract activations and costs of the sources are
# polynomials whose derivatives are never constant.
import mpmath

mpmath.mp.dps = 80
rng = random.Random(20260412)


class Dual:
    __slots__ = ("v", "d")

    def __init__(self, v, d=0):
        self.v = v; self.d = d

    def __add__(self, o):
        if not isinstance(o, Dual):
            return Dual(self.v + o, self.d)
        return Dual(self.v + o.v, self.d + o.d)
    __radd__ = __add__

    def __sub__(self, o):
        if not isinstance(o, Dual):
            return Dual(self.v - o, self.d)
        return Dual(self.v - o.v, self.d - o.d)

    def __rsub__(self, o):
        return Dual(o - self.v, -self.d)

    def __neg__(self):
        return Dual(-self.v, -self.d)

    def __mul__(self, o):
        if not isinstance(o, Dual):
            return Dual(self.v * o, self.d * o)
        return Dual(self.v * o.v, self.v * o.d + self.d * o.v)
    __rmul__ = __mul__

    def __truediv__(self, o):
        if not isinstance(o, Dual):
            return Dual(self.v / o, self.d / o)
        return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))


def dsqrt(x):
    s = mpmath.sqrt(x.v)
    return Dual(s, x.d / (2 * s))


def dpow(x, e):          # x ** e for a real exponent e (mpmath)
    return Dual(x.v ** e, e * x.v ** (e - 1) * x.d)


def frac(lo=-6, hi=6, den=(1, 2, 3, 4)):
    while True:
        v = Fraction(rng.randint(lo, hi), rng.choice(den))
        if v != 0:
            return v


def close(a, b):
    if isinstance(a, Dual) or isinstance(b, Dual):
        raise TypeError
    if isinstance(a, Fraction) and isinstance(b, Fraction):
        return a == b
    return abs(mpmath.mpf(a) - mpmath.mpf(b)) < mpmath.mpf(10) ** -50


def gd(t):                # an abstract activation: g(t) = t^3 + 2t + t^2/3, g'(t) = 3t^2 + 2 + 2t/3
    return t * t * t + 2 * t + t * t * Fraction(1, 3)


def dgv(v):
    return 3 * v * v + 2 + 2 * v * Fraction(1, 3)


class Net:
    """A forward pass with dual numbers: leaf(name) reads a value, seeded if name is the seed; node(name, x) records
    an intermediate value, seeded (held, derivative 1) if name is the seed."""

    def __init__(self, P, seed=None):
        self.P, self.seed, self.n = P, seed, {}

    def leaf(self, name):
        return Dual(self.P[name], 1 if name == self.seed else 0)

    def node(self, name, x):
        if name == self.seed:
            x = Dual(x.v, 1)
        self.n[name] = x
        return x


def notes(name):
    return (HERE / name).read_text(encoding="utf-8").splitlines()


# ----------------------------------------------------------------- 01: Manan Shah, feature maps
def file01():
    T, M, K, R, d = 2, 2, 2, 4, 2
    O1, O2 = 3, 2
    P = {}
    for c in range(T):
        for i in range(R):
            for j in range(R):
                P[f"x{c}{i}{j}"] = frac()
    for m in range(M):
        P[f"b{m}"] = frac()
        for c in range(T):
            for a in range(d):
                for b in range(d):
                    P[f"u{m}{c}{a}{b}"] = frac(-2, 2); P[f"v{m}{c}{a}{b}"] = frac(-2, 2)
        P[f"c{m}"] = frac()
    G = {(k, i, j): frac() for k in range(K) for i in range(O2) for j in range(O2)}

    def fwd(seed=None):
        N = Net(P, seed)
        for m in range(M):
            for i in range(O1):
                for j in range(O1):
                    z = sum((N.leaf(f"u{m}{c}{a}{b}") * N.leaf(f"x{c}{i + a}{j + b}")
                             for a in range(d) for b in range(d) for c in range(T)), Dual(0)) + N.leaf(f"b{m}")
                    z = N.node(f"z{m}{i}{j}", z)
                    N.node(f"a{m}{i}{j}", gd(z))
        Lv = Dual(0)
        for k in range(K):
            for i in range(O2):
                for j in range(O2):
                    z2 = sum((N.leaf(f"v{k}{m}{a}{b}") * N.n[f"a{m}{i + a}{j + b}"]
                              for a in range(d) for b in range(d) for m in range(M)), Dual(0)) + N.leaf(f"c{k}")
                    z2 = N.node(f"y{k}{i}{j}", z2)
                    Lv = Lv + G[(k, i, j)] * z2
        N.node("L", Lv)
        return N.n
    base = fwd()
    V = lambda k: base[k].v
    dLdz = {(m, i, j): fwd(f"z{m}{i}{j}")["L"].d for m in range(M) for i in range(O1) for j in range(O1)}
    r = {}
    ok145 = ok163 = ok148 = ok171 = True
    for m in range(M):
        for c in range(T):
            for a in range(d):
                for b in range(d):
                    n = fwd(f"u{m}{c}{a}{b}")
                    ok145 &= n["L"].d == sum(dLdz[(m, i, j)] * n[f"z{m}{i}{j}"].d for i in range(O1) for j in range(O1))
                    ok163 &= n["L"].d == sum(dLdz[(m, i, j)] * P[f"x{c}{i + a}{j + b}"] for i in range(O1) for j in range(O1))
        n = fwd(f"b{m}")
        ok148 &= n["L"].d == sum(dLdz[(m, i, j)] * n[f"z{m}{i}{j}"].d for i in range(O1) for j in range(O1))
        ok171 &= n["L"].d == sum(dLdz[(m, i, j)] for i in range(O1) for j in range(O1))
    r[145], r[148], r[163], r[171] = ok145, ok148, ok163, ok171
    ok179 = ok189 = ok201 = ok211 = True
    for m in range(M):
        for i in range(O1):
            for j in range(O1):
                na = fwd(f"a{m}{i}{j}"); nz = fwd(f"z{m}{i}{j}")
                ok179 &= dLdz[(m, i, j)] == na["L"].d * nz[f"a{m}{i}{j}"].d
                ok189 &= dLdz[(m, i, j)] == na["L"].d * dgv(V(f"z{m}{i}{j}"))
                s201 = s211 = 0
                for a in range(d):
                    for b in range(d):
                        for k in range(K + 1):      # the printed upper limit K: k = K names no map
                            oi, oj = i - a, j - b
                            if k < K and 0 <= oi < O2 and 0 <= oj < O2:
                                s201 += G[(k, oi, oj)] * na[f"y{k}{oi}{oj}"].d
                                s211 += G[(k, oi, oj)] * P[f"v{k}{m}{a}{b}"]
                ok201 &= na["L"].d == s201
                ok211 &= na["L"].d == s211
    r[179], r[189], r[201], r[211] = ok179, ok189, ok201, ok211
    return r


# ----------------------------------------------------------------- 02: Manan Shah, feedforward 3 -> 4 -> 2
def file02():
    size = {1: 3, 2: 4, 3: 2}
    P = {f"x{j}": frac() for j in range(3)}
    for l in (2, 3):
        for j in range(size[l - 1]):
            for i in range(size[l]):
                P[f"w{l}_{j}{i}"] = frac(-2, 2)          # the post's w^l_{ji}
        for i in range(size[l]):
            P[f"b{l}_{i}"] = frac()
    y = [frac(), frac()]

    def fwd(seed=None):
        N = Net(P, seed)
        for i in range(3):
            z = N.node(f"z1_{i}", N.leaf(f"x{i}"))
            N.node(f"a1_{i}", gd(z))
        for l in (2, 3):
            for i in range(size[l]):
                z = sum((N.leaf(f"w{l}_{j}{i}") * N.n[f"a{l - 1}_{j}"] for j in range(size[l - 1])), Dual(0)) \
                    + N.leaf(f"b{l}_{i}")
                z = N.node(f"z{l}_{i}", z)
                N.node(f"a{l}_{i}", gd(z))
        N.node("L", sum((a * a * a * a * Fraction(1, 4) - yy * a * a + a * Fraction(1, 3)
                         for a, yy in ((N.n[f"a3_{i}"], y[i]) for i in range(2))), Dual(0)))
        return N.n
    base = fwd()
    V = lambda k: base[k].v
    dLdz = {(l, i): fwd(f"z{l}_{i}")["L"].d for l in (1, 2, 3) for i in range(size[l])}
    dLda = {(l, i): fwd(f"a{l}_{i}")["L"].d for l in (1, 2, 3) for i in range(size[l])}
    r = {}
    r[104] = all(sum(P[f"w{l}_{j}{i}"] * V(f"a{l - 1}_{j}") for j in range(size[l - 1])) + P[f"b{l}_{i}"]
                 == V(f"z{l}_{i}") for l in (2, 3) for i in range(size[l]))      # ((w^l)^T a^{l-1} + b)_i
    ok146 = ok148 = ok158 = ok165 = True
    for l in (2, 3):
        for i in range(size[l]):
            for j in range(size[l - 1]):
                n = fwd(f"w{l}_{j}{i}")
                ok146 &= n["L"].d == dLdz[(l, i)] * n[f"z{l}_{i}"].d
                ok158 &= n["L"].d == dLdz[(l, i)] * V(f"a{l - 1}_{j}")
            n = fwd(f"b{l}_{i}")
            ok148 &= n["L"].d == dLdz[(l, i)] * n[f"z{l}_{i}"].d
            ok165 &= n["L"].d == dLdz[(l, i)]
    r[146], r[148], r[158], r[165] = ok146, ok148, ok158, ok165
    r[173] = all(dLdz[(l, i)] == dLda[(l, i)] * fwd(f"z{l}_{i}")[f"a{l}_{i}"].d for l in (1, 2, 3) for i in range(size[l]))
    r[181] = r[222] = all(dLdz[(l, i)] == dLda[(l, i)] * dgv(V(f"z{l}_{i}")) for l in (1, 2, 3) for i in range(size[l]))
    r[230] = r[181]
    r[191] = all(dLda[(l, i)] == sum(dLdz[(l + 1, k)] * fwd(f"a{l}_{i}")[f"z{l + 1}_{k}"].d for k in range(size[l + 1]))
                 for l in (1, 2) for i in range(size[l]))

    def printed_wji(l):
        """sum_k dL/dz^{l+1}_k w^{l+1}_{ji}: right only if one fixed j (or j := k) gives dL/da^l_i for every i."""
        readings = [[sum(dLdz[(l + 1, k)] for k in range(size[l + 1])) * P[f"w{l + 1}_{jf}{i}"]
                     if i < size[l + 1] else None for i in range(size[l])] for jf in range(size[l])]
        readings.append([sum(dLdz[(l + 1, k)] * P[f"w{l + 1}_{k}{i}"] for k in range(size[l + 1]) if k < size[l])
                         if i < size[l + 1] else None for i in range(size[l])])
        return any(all(v is not None and v == dLda[(l, i)] for i, v in enumerate(rd)) for rd in readings)
    r[201] = printed_wji(1) and printed_wji(2)
    r[238] = r[201]
    ok245 = True
    for l in (2, 3):
        n_in, n_out = size[l - 1], size[l]          # w^l is n_in x n_out; (w^l)^T is n_out x n_in
        conformable = n_in == n_out                  # (w^l)^T times the n_out-vector dL/dz^l
        ok245 &= conformable and all(
            sum(P[f"w{l}_{i}{k}"] * dLdz[(l, k)] for k in range(n_out)) == dLda[(l - 1, i)] for i in range(n_in))
    r[245] = ok245
    assert all(sum(P[f"w{l}_{i}{k}"] * dLdz[(l, k)] for k in range(size[l])) == dLda[(l - 1, i)]
               for l in (2, 3) for i in range(size[l - 1]))     # w^l dL/dz^l is right
    return r


# ----------------------------------------------------------------- 03: Gibiansky, 2 x 2 filter on 4 x 4
def file03():
    N_, m = 4, 2
    O = N_ - m + 1
    P = {f"y{i}{j}": frac() for i in range(N_) for j in range(N_)}
    P.update({f"w{a}{b}": frac(-2, 2) for a in range(m) for b in range(m)})
    G = {(i, j): frac() for i in range(O) for j in range(O)}

    def fwd(seed=None):
        Nt = Net(P, seed)
        E = Dual(0)
        for i in range(O):
            for j in range(O):
                x = sum((Nt.leaf(f"w{a}{b}") * Nt.leaf(f"y{i + a}{j + b}") for a in range(m) for b in range(m)), Dual(0))
                x = Nt.node(f"x{i}{j}", x)
                yv = Nt.node(f"Y{i}{j}", gd(x))
                E = E + G[(i, j)] * yv
        Nt.node("E", E)
        return Nt.n
    base = fwd()
    dEdx = {(i, j): fwd(f"x{i}{j}")["E"].d for i in range(O) for j in range(O)}
    r = {}
    ok67 = ok71 = True
    for a in range(m):
        for b in range(m):
            n = fwd(f"w{a}{b}")
            ok67 &= n["E"].d == sum(dEdx[(i, j)] * n[f"x{i}{j}"].d for i in range(O) for j in range(O))
            ok67 &= n["E"].d == sum(dEdx[(i, j)] * P[f"y{i + a}{j + b}"] for i in range(O) for j in range(O))
            ok71 &= all(n[f"x{i}{j}"].d == P[f"y{i + a}{j + b}"] for i in range(O) for j in range(O))
    r[67], r[71] = ok67, ok71
    r[76] = all(dEdx[(i, j)] == G[(i, j)] * fwd(f"x{i}{j}")[f"Y{i}{j}"].d and
                dEdx[(i, j)] == G[(i, j)] * dgv(base[f"x{i}{j}"].v) for i in range(O) for j in range(O))
    ok84 = ok87 = True
    for i in range(N_):
        for j in range(N_):
            n = fwd(f"y{i}{j}")
            s1 = s2 = 0
            for a in range(m):
                for b in range(m):
                    oi, oj = i - a, j - b
                    if 0 <= oi < O and 0 <= oj < O:
                        s1 += dEdx[(oi, oj)] * n[f"x{oi}{oj}"].d
                        s2 += dEdx[(oi, oj)] * P[f"w{a}{b}"]
                        ok87 &= n[f"x{oi}{oj}"].d == P[f"w{a}{b}"]
            ok84 &= n["E"].d == s1 and n["E"].d == s2
    r[84], r[87] = ok84, ok87
    return r


# ----------------------------------------------------------------- 04: Jo Junwoo's CNN, exact forward-mode duals
s4 = lambda t: t * t * Fraction(1, 2) + t           # sigma (the page's is generic): sigma' = t + 1
ds4 = lambda v: v + 1


def file04():
    P = 2  # the pooled map's width, and the pool size s
    base, BASE, yv = {}, {}, []

    def conv(X, K, b, n, k):
        return [[sum((K[a][c] * X[i + a][j + c] for a in range(k) for c in range(k)), Dual(0)) + b
                 for j in range(n - k + 1)] for i in range(n - k + 1)]

    def act(Z):
        return [[s4(u) for u in row] for row in Z]

    def pool(A):
        n = len(A) // 2
        return [[max((A[2 * i + a][2 * j + c] for a in range(2) for c in range(2)), key=lambda u: u.v)
                 for j in range(n)] for i in range(n)]

    def D(x):
        if isinstance(x, list):
            return [D(e) for e in x]
        return x if isinstance(x, Dual) else Dual(x)

    ORDER = ["z1", "a1", "t1", "z2", "a2", "t2", "zL", "aL", "C"]
    USES = {"w1": "z1", "b1": "z1", "w2": "z2", "b2": "z2", "W3": "zL", "b3": "zL"}

    def seeded(obj, idx):
        if isinstance(obj, list):
            out = [[Dual(u.v) for u in e] if isinstance(e, list) else Dual(e.v) for e in obj]
            if isinstance(idx, tuple):
                out[idx[0]][idx[1]] = Dual(out[idx[0]][idx[1]].v, 1)
            else:
                out[idx] = Dual(out[idx].v, 1)
            return out
        return Dual(obj.v, 1 if idx is None else 0)

    def run(seed=None):
        """The forward pass from the stage the seed enters (earlier stages from the base run)."""
        st = {k: D(val) for k, val in base.items()}
        start, name = 0, None
        if seed is not None:
            name, idx = seed
            start = ORDER.index(USES[name]) if name in USES else ORDER.index(name) + 1
        for k in ORDER[:start]:
            st[k] = BASE[k]
        if seed is not None:
            st[name] = seeded(st[name] if name in USES else BASE[name], idx)
        stages = {
            "z1": lambda: conv(st["A0"], st["w1"], st["b1"], 15, 4),
            "a1": lambda: act(st["z1"]),
            "t1": lambda: pool(st["a1"]),
            "z2": lambda: conv(st["t1"], st["w2"], st["b2"], 6, 3),
            "a2": lambda: act(st["z2"]),
            "t2": lambda: pool(st["a2"]),
            "zL": lambda: [sum((st["W3"][rr][q] * st["t2"][q // P][q % P] for q in range(4)), Dual(0)) + st["b3"][rr]
                           for rr in range(3)],
            "aL": lambda: [s4(u) for u in st["zL"]],
            "C": lambda: sum((u * u * u * Fraction(1, 3) - yy * u for u, yy in zip(st["aL"], yv)), Dual(0)),
        }
        for k in ORDER[start:]:
            st[k] = stages[k]()
        return st

    def unique_maxima(b0):
        for A, T in ((b0["a1"], b0["t1"]), (b0["a2"], b0["t2"])):
            for i in range(len(T)):
                for j in range(len(T)):
                    vals = [A[2 * i + a][2 * j + c].v for a in range(2) for c in range(2)]
                    if vals.count(max(vals)) > 1:
                        return False
        return True

    while True:   # draw until every pool of the example has a unique maximum
        A0 = [[frac(-20, 20, (1, 2, 3, 5, 7)) for _ in range(15)] for _ in range(15)]
        w1 = [[frac(-4, 4, (4, 5)) for _ in range(4)] for _ in range(4)]
        w2 = [[frac(-4, 4, (4, 5)) for _ in range(3)] for _ in range(3)]
        W3 = [[frac(-4, 4, (4, 5)) for _ in range(4)] for _ in range(3)]
        base.clear()
        base.update(A0=A0, w1=w1, b1=frac(-2, 2), w2=w2, b2=frac(-2, 2), W3=W3, b3=[frac(-2, 2) for _ in range(3)])
        yv[:] = [frac(-4, 4) for _ in range(3)]
        BASE.clear()
        b0 = run()
        BASE.update(b0)
        if unique_maxima(b0):
            break
    v = lambda X: [[e.v for e in row] for row in X] if isinstance(X[0], list) else [e.v for e in X]
    z1, a1, t1, z2, a2, t2, zL, aL = (v(b0[k]) for k in ("z1", "a1", "t1", "z2", "a2", "t2", "zL", "aL"))
    t2f = [t2[q // P][q % P] for q in range(4)]
    Cd = lambda st: st["C"].d
    dL = [Cd(run(("zL", r_))) for r_ in range(3)]
    dCdaL = [Cd(run(("aL", r_))) for r_ in range(3)]
    daLdzL = [run(("zL", r_))["aL"][r_].d for r_ in range(3)]
    d2 = [[Cd(run(("z2", (o, p)))) for p in range(4)] for o in range(4)]
    d1 = [[Cd(run(("z1", (m, n)))) for n in range(12)] for m in range(12)]
    r = {}
    r[59] = all(dL[k] == dCdaL[k] * ds4(zL[k]) and dL[k] == dCdaL[k] * daLdzL[k] for k in range(3))
    r[199] = r[59]
    r[67] = all(Cd(run(("b3", k))) == dL[k] for k in range(3))
    r[216] = r[67]
    r[71] = all(Cd(run(("W3", (k, q)))) == t2f[q] * dL[k] for k in range(3) for q in range(4))
    r[222] = r[71]
    # layer l: bias and filter
    st_b1 = run(("b1", None))
    dz1db1 = [[e.d for e in row] for row in st_b1["z1"]]
    sum_d1 = sum(sum(row) for row in d1)
    r[278] = st_b1["C"].d == sum(d1[i][j] * dz1db1[i][j] for i in range(12) for j in range(12))
    r[287] = r[278] and all(e == 1 for row in dz1db1 for e in row) and st_b1["C"].d == sum_d1
    r[301] = r[957] = r[1037] = st_b1["C"].d == sum_d1
    ok315 = ok326 = ok335 = True
    for a in range(4):
        for c in range(4):
            st = run(("w1", (a, c)))
            dz = [[e.d for e in row] for row in st["z1"]]
            ok315 &= st["C"].d == sum(d1[i][j] * dz[i][j] for i in range(12) for j in range(12))
            ok326 &= all(dz[i][j] == A0[i + a][j + c] for i in range(12) for j in range(12))
            ok335 &= st["C"].d == sum(A0[i + a][j + c] * d1[i][j] for i in range(12) for j in range(12))
    r[315], r[326], r[335] = ok315, ok326, ok335
    r[356] = r[964] = r[1045] = ok335
    # layer l+1 through the pooling and the fully connected layer
    dzLdt2 = {}
    dCdt2 = {}
    for q in range(4):
        st = run(("t2", (q // P, q % P)))
        dzLdt2[q] = [e.d for e in st["zL"]]
        dCdt2[q] = st["C"].d
    dt2da2 = {}
    for o in range(4):
        for p in range(4):
            st = run(("a2", (o, p)))
            dt2da2[(o, p)] = [[e.d for e in row] for row in st["t2"]]
    da2dz2 = {(o, p): run(("z2", (o, p)))["a2"][o][p].d for o in range(4) for p in range(4)}
    ok387 = ok404 = ok445 = ok525 = True
    ok432 = all(dzLdt2[q][k] == W3[k][q] for q in range(4) for k in range(3))
    for o in range(4):
        for p in range(4):
            s15 = sum(dL[k] * dzLdt2[2 * op + pp][k] * dt2da2[(o, p)][op][pp] * da2dz2[(o, p)]
                      for k in range(3) for op in range(2) for pp in range(2))
            ok387 &= d2[o][p] == s15
            ok404 &= d2[o][p] == sum(dL[k] * dzLdt2[q][k] * dt2da2[(o, p)][q // P][q % P] * da2dz2[(o, p)]
                                     for k in range(3) for q in range(4))
            ok445 &= d2[o][p] == sum(W3[k][2 * op + pp] * dL[k] * dt2da2[(o, p)][op][pp] * ds4(z2[o][p])
                                     for k in range(3) for op in range(2) for pp in range(2))
            ok525 &= d2[o][p] == sum(W3[k][2 * (o // 2) + p // 2] * dL[k] for k in range(3)) \
                * dt2da2[(o, p)][o // 2][p // 2] * ds4(z2[o][p])
    r[387], r[404], r[432], r[445] = ok387, ok404, ok432, ok445
    r[525] = r[627] = r[669] = r[833] = r[999] = ok525
    r[508] = dt2da2[(0, 2)][0][0] == 0
    # eq. (22): the derivative of max (on random vectors and on the example's pools); eq. (23): the mean of m
    ok565 = True
    for _ in range(20):
        xs = [frac(-9, 9, (1, 3)) for _ in range(4)]
        if len(set(xs)) < 4:
            continue
        for i in range(4):
            mx = max((Dual(x, 1 if k == i else 0) for k, x in enumerate(xs)), key=lambda u: u.v)
            ok565 &= mx.d == (1 if xs[i] == max(xs) else 0)
    for o in range(4):
        for p in range(4):
            pool_vals = [a2[2 * (o // 2) + a][2 * (p // 2) + c] for a in range(2) for c in range(2)]
            ok565 &= dt2da2[(o, p)][o // 2][p // 2] == (1 if a2[o][p] == max(pool_vals) else 0)
    r[565] = ok565
    xm = sp.symbols("m1:5")
    r[576] = all(sp.diff(sum(xm) / 4, xi) == sp.Rational(1, 4) for xi in xm)
    # eq. (27) as printed: (w^{l+1})^T delta^{l+2} is 3 x 3 times 3 entries, 3 values for 4 pools
    wT_delta = sp.Matrix(w2).T * sp.Matrix(dL)
    r[615] = wT_delta.shape[0] == 4 and all(
        d2[o][p] == wT_delta[2 * (o // 2) + p // 2] * dt2da2[(o, p)][o // 2][p // 2] * ds4(z2[o][p])
        for o in range(4) for p in range(4))
    up = sp.Matrix(W3).T * sp.Matrix(dL)   # (w^{l+2})^T delta^{l+2}: the 4-vector dC/da-tilde^{l+1}
    assert all(up[q] == dCdt2[q] for q in range(4))

    def upsample(vec2d, A, n):
        out = []
        for m_ in range(n):
            row = []
            for n_ in range(n):
                pv = [A[2 * (m_ // 2) + a][2 * (n_ // 2) + c] for a in range(2) for c in range(2)]
                row.append(vec2d(m_ // 2, n_ // 2) if A[m_][n_] == max(pv) else 0)
            out.append(row)
        return out
    U2 = upsample(lambda i, j: up[2 * i + j], a2, 4)
    r[641] = all(d2[o][p] == U2[o][p] * ds4(z2[o][p]) for o in range(4) for p in range(4))

    def nb_deriv(A, i, j, s=2):
        R1 = range(i - i % s, i - i % s + s); R2 = range(j - j % s, j - j % s + s)
        return 1 if A[i][j] == max(A[t][u] for t in R1 for u in R2) else 0
    r[680] = all(dt2da2[(o, p)][o // 2][p // 2] == nb_deriv(a2, o, p) for o in range(4) for p in range(4))
    o_, p_, s_ = 2, 1, 2
    r[707] = [o_ - o_ % s_, o_ - o_ % s_ + (s_ - 1)] == [2, 3]
    r[708] = [p_ - p_ % s_, p_ - p_ % s_ + (s_ - 1)] == [0, 1]
    r[724] = Cd(run(("b2", None))) == sum(d2[o][p] for o in range(4) for p in range(4))
    r[730] = all(Cd(run(("w2", (c, dd)))) == sum(t1[o + c][p + dd] * d2[o][p] for o in range(4) for p in range(4))
                 for c in range(3) for dd in range(3))
    # layer l through the pooling and the CONV layer l+1
    dz2dt1 = {}
    for mp in range(6):
        for np_ in range(6):
            st = run(("t1", (mp, np_)))
            dz2dt1[(mp, np_)] = [[e.d for e in row] for row in st["z2"]]
    dt1da1 = {}
    for m_ in range(12):
        for n_ in range(12):
            st = run(("a1", (m_, n_)))
            dt1da1[(m_, n_)] = [[e.d for e in row] for row in st["t1"]]
    da1dz1 = {(m_, n_): run(("z1", (m_, n_)))["a1"][m_][n_].d for m_ in range(12) for n_ in range(12)}
    W2f = lambda i, j: w2[i][j] if 0 <= i < 3 and 0 <= j < 3 else 0
    ok751 = ok793 = ok802 = ok819 = ok879 = True
    ok793 = all(dz2dt1[(mp, np_)][o][p] == W2f(mp - o, np_ - p) for mp in range(6) for np_ in range(6)
                for o in range(4) for p in range(4))
    F = [[sum(W2f(mp - o, np_ - p) * d2[o][p] for o in range(4) for p in range(4)) for np_ in range(6)] for mp in range(6)]
    U1 = upsample(lambda i, j: F[i][j], a1, 12)
    for m_ in range(12):
        for n_ in range(12):
            s30 = sum(d2[o][p] * dz2dt1[(mp, np_)][o][p] * dt1da1[(m_, n_)][mp][np_] * da1dz1[(m_, n_)]
                      for mp in range(6) for np_ in range(6) for o in range(4) for p in range(4))
            ok751 &= d1[m_][n_] == s30
            s34 = sum(W2f(mp - o, np_ - p) * d2[o][p] * dt1da1[(m_, n_)][mp][np_] * da1dz1[(m_, n_)]
                      for mp in range(6) for np_ in range(6) for o in range(4) for p in range(4))
            ok802 &= d1[m_][n_] == s34
            s35 = sum(W2f(m_ // 2 - o, n_ // 2 - p) * d2[o][p] for o in range(4) for p in range(4)) \
                * dt1da1[(m_, n_)][m_ // 2][n_ // 2] * ds4(z1[m_][n_])
            ok819 &= d1[m_][n_] == s35
            ok879 &= d1[m_][n_] == U1[m_][n_] * ds4(z1[m_][n_])
    r[751], r[793], r[802], r[879] = ok751, ok793, ok802, ok879
    r[819] = r[844] = r[914] = r[1008] = ok819
    r[1019] = all(dt1da1[(m_, n_)][m_ // 2][n_ // 2] == nb_deriv(a1, m_, n_) for m_ in range(12) for n_ in range(12)) \
        and r[680]
    # eq. (38)'s cases as printed: the condition reads a^{l+1}_{op} (o, p unbound): for no (o, p) is it the derivative
    def printed925(o, p):
        out = True
        for m_ in range(12):
            for n_ in range(12):
                R1 = range(m_ - m_ % 2, m_ - m_ % 2 + 2); R2 = range(n_ - n_ % 2, n_ - n_ % 2 + 2)
                val = 1 if a2[o][p] == max(a1[t][u] for t in R1 for u in R2) else 0
                out &= val == dt1da1[(m_, n_)][m_ // 2][n_ // 2]
        return out
    r[925] = any(printed925(o, p) for o in range(4) for p in range(4))
    # not_claims, checked anyway (symbolically, small): (BP2) on a fully connected pair; eq. (37) on CONV -> g -> CONV
    gs = lambda u: u ** 3 + 2 * u + u ** 2 / 3
    dgs = lambda u: 3 * u ** 2 + 2 + 2 * u / 3
    zz = sp.symbols("q0:3"); Wb = [sp.symbols(f"wb{k}_0:3") for k in range(2)]; Gb = sp.symbols("g0:2")
    Lb = sum(Gb[k] * sum(Wb[k][jj] * gs(zz[jj]) for jj in range(3)) for k in range(2))
    assert all(sp.expand(sp.diff(Lb, zz[jj]) - sum(Wb[k][jj] * Gb[k] for k in range(2)) * dgs(zz[jj])) == 0
               for jj in range(3))
    Zc = [sp.symbols(f"zc{i}_0:4") for i in range(4)]; wc = [sp.symbols(f"wc{i}_0:2") for i in range(2)]
    G3 = [sp.symbols(f"gd{i}_0:3") for i in range(3)]
    Lc = sum(G3[i][j] * sum(wc[a][c] * gs(Zc[i + a][j + c]) for a in range(2) for c in range(2))
             for i in range(3) for j in range(3))
    Wcf = lambda i, j: wc[i][j] if 0 <= i < 2 and 0 <= j < 2 else 0
    assert all(sp.expand(sp.diff(Lc, Zc[m_][n_]) - sum(Wcf(m_ - o, n_ - p) * G3[o][p] for o in range(3)
                                                          for p in range(3)) * dgs(Zc[m_][n_])) == 0
               for m_ in range(4) for n_ in range(4))
    return r


# ----------------------------------------------------------------- 05, 06: Jo Junwoo's notebook, the input gradient
TERM = re.compile(r"w_\{(-?\d)(?:,)?(-?\d)\}\s*\\delta_\{(\d)(\d)\}")


def jo_layer(n, k, s, p):
    """The layer z_{kl} = sum_{q,r} w_{qr} I_{(ks - p + q),(ls - p + r)} (zero padding), and C = sum delta_{kl} z_{kl}
    so that dC/dz = delta; returns the forward function and the sizes."""
    o = (n + 2 * p - k) // s + 1
    P = {f"I{i}{j}": frac() for i in range(n) for j in range(n)}
    P.update({f"w{q}{r_}": frac(-3, 3) for q in range(k) for r_ in range(k)})
    dl = {(a, b): frac() for a in range(o) for b in range(o)}

    def fwd(seed=None):
        N = Net(P, seed)
        Iv = lambda i, j: N.leaf(f"I{i}{j}") if 0 <= i < n and 0 <= j < n else Dual(0)
        C = Dual(0)
        for kk in range(o):
            for ll in range(o):
                z = sum((N.leaf(f"w{q}{r_}") * Iv(kk * s - p + q, ll * s - p + r_) for q in range(k) for r_ in range(k)),
                        Dual(0))
                z = N.node(f"z{kk}{ll}", z)
                C = C + dl[(kk, ll)] * z
        N.node("C", C)
        return N.n
    W = lambda q, r_: P[f"w{q}{r_}"] if 0 <= q < k and 0 <= r_ < k else 0
    return P, dl, fwd, W, o


def printed_terms(line, W, dl):
    terms = TERM.findall(line)
    return len(terms), sum(W(int(a), int(b)) * dl[(int(c), int(d))] for a, b, c, d in terms)


def file05():
    L = notes("05_jo_transconv_basic_ko.md")
    n, k, s, p = 4, 3, 1, 0
    P, dl, fwd, W, o = jo_layer(n, k, s, p)
    r = {}
    ok42 = ok73 = ok79 = True
    for i in range(n):
        for j in range(n):
            nd = fwd(f"I{i}{j}")
            g = nd["C"].d
            ok42 &= g == sum(nd[f"z{kk}{ll}"].d * dl[(kk, ll)] for kk in range(o) for ll in range(o))
            ok73 &= all(nd[f"z{kk}{ll}"].d == W(i - kk, j - ll) for kk in range(o) for ll in range(o))
            ok79 &= g == sum(W(i - kk, j - ll) * dl[(kk, ll)] for kk in range(o) for ll in range(o))
    r[42] = r[54] = ok42
    r[60] = True    # dz/dI of z written as its forward sum (eq. (1)) is dz/dI: the layer is that sum
    r[73], r[79] = ok73, ok79
    assert "I_{00}" in L[87 - 1]
    cnt, val = printed_terms(L[87 - 1].split("=", 1)[1], W, dl)
    r[87] = cnt == 4 and val == fwd("I00")["C"].d
    return r


def file06():
    L = notes("06_jo_transconv_pad_stride_ko.md")
    n, k, s, p = 4, 3, 2, 1
    P, dl, fwd, W, o = jo_layer(n, k, s, p)
    assert o == 2
    r = {}
    ok49 = ok55 = True
    for i in range(n):
        for j in range(n):
            nd = fwd(f"I{i}{j}")
            ok49 &= all(nd[f"z{kk}{ll}"].d == W(i - kk * s + p, j - ll * s + p) for kk in range(o) for ll in range(o))
            ok55 &= nd["C"].d == sum(W(i - kk * s + p, j - ll * s + p) * dl[(kk, ll)] for kk in range(o) for ll in range(o))
    r[29] = True    # the derivative of z_{kl} written as that of its forward sum
    r[49], r[55] = ok49, ok55
    for ln, (i, j) in ((63, (0, 0)), (71, (0, 3))):
        assert f"I_{{{i}{j}}}" in L[ln - 1]
        cnt, val = printed_terms(L[ln - 1].split("=", 1)[1], W, dl)
        r[ln] = cnt == 4 and val == fwd(f"I{i}{j}")["C"].d
    return r


# ----------------------------------------------------------------- 07: Madsen, dilated 1D convolution
def file07():
    H, Tn, rr, I3 = 2, 11, 2, (-1, 0, 1)
    T1, T2 = range(2, 9), range(4, 7)                  # where z_l and z_{l+1} exist (padding ignored)
    P = {f"x{g}_{t}": frac() for g in range(H) for t in range(Tn)}
    P.update({f"u{g}{h}{i}": frac(-2, 2) for g in range(H) for h in range(H) for i in I3})
    P.update({f"v{g}{h}{i}": frac(-2, 2) for g in range(H) for h in range(H) for i in I3})
    G = {(h, t): frac() for h in range(H) for t in T2}

    def fwd(seed=None):
        N = Net(P, seed)
        for h in range(H):
            for t in T1:
                z = sum((N.leaf(f"x{g}_{t + rr * i}") * N.leaf(f"u{g}{h}{i}") for g in range(H) for i in I3), Dual(0))
                z = N.node(f"z{h}_{t}", z)
                N.node(f"a{h}_{t}", gd(z))
        L = Dual(0)
        for h2 in range(H):
            for t in T2:
                z2 = sum((N.n[f"a{h}_{t + rr * i}"] * N.leaf(f"v{h}{h2}{i}") for h in range(H) for i in I3), Dual(0))
                z2 = N.node(f"y{h2}_{t}", z2)
                L = L + G[(h2, t)] * z2
        N.node("L", L)
        return N.n
    base = fwd()
    V = lambda k: base[k].v
    d1 = {(h, t): fwd(f"z{h}_{t}")["L"].d for h in range(H) for t in T1}
    dLda = {(h, t): fwd(f"a{h}_{t}")["L"].d for h in range(H) for t in T1}
    r = {}
    ok29 = True
    for g in range(H):
        for h in range(H):
            for i in I3:
                nd = fwd(f"u{g}{h}{i}")
                ok29 &= nd["L"].d == sum(d1[(h, t)] * nd[f"z{h}_{t}"].d for t in T1)
                ok29 &= nd["L"].d == sum(d1[(h, t)] * P[f"x{g}_{t + rr * i}"] for t in T1)
    r[29] = ok29
    r[41] = all(d1[k] == dLda[k] * fwd(f"z{k[0]}_{k[1]}")[f"a{k[0]}_{k[1]}"].d and d1[k] == dLda[k] * dgv(V(f"z{k[0]}_{k[1]}"))
                for k in d1)
    ok46 = ok56 = True
    for (h, t) in d1:
        nd = fwd(f"a{h}_{t}")
        s46 = sum(G[(h2, t + rr * i)] * nd[f"y{h2}_{t + rr * i}"].d for h2 in range(H) for i in I3 if (t + rr * i) in T2)
        s56 = sum(G[(h2, t + rr * i)] * P[f"v{h}{h2}{-i}"] for h2 in range(H) for i in I3 if (t + rr * i) in T2)
        ok46 &= d1[(h, t)] == dgv(V(f"z{h}_{t}")) * s46
        ok56 &= d1[(h, t)] == dgv(V(f"z{h}_{t}")) * s56
    r[46], r[56] = ok46, ok56
    # line 51: the last member is z_{h_{l+1}}(t + ri); the middle one, (a_l * w_{:,h_l})(t + ri), for a fixed h_l,
    # read with layer l's kernels (the box's w_{:,h_l}) or with layer l+1's slice w_{:,h_l}
    cases = [(t, i) for t in T1 for i in I3 if (t + rr * i) in T2]
    A = lambda h, t: V(f"a{h}_{t}")
    last_ok = all(sum(A(h, t + rr * i + rr * j) * P[f"v{h}{h2}{j}"] for h in range(H) for j in I3)
                  == V(f"y{h2}_{t + rr * i}") for (t, i) in cases for h2 in range(H))
    mid_ok = any(all(sum(A(g, t + rr * i + rr * j) * P[f"{pre}{g}{hl}{j}"] for g in range(H) for j in I3)
                     == V(f"y{h2}_{t + rr * i}") for (t, i) in cases for h2 in range(H))
                 for pre in ("u", "v") for hl in range(H))
    r[51] = last_ok and mid_ok
    # line 63: (delta_{l+1} *_r rot(w_{:,h_{l+1}}))(t) = sum_g sum_i delta_g(t + ri) w_{g,h_{l+1}}(-i), h_{l+1} fixed
    def printed63(hfix, h, t):
        return dgv(V(f"z{h}_{t}")) * sum(G[(g, t + rr * i)] * P[f"v{g}{hfix}{-i}"] for g in range(H) for i in I3
                                         if (t + rr * i) in T2)
    r[63] = any(all(printed63(hfix, h, t) == d1[(h, t)] for h in range(H) for t in T1) for hfix in range(H))
    assert all(dgv(V(f"z{h}_{t}")) * sum(G[(g, t + rr * i)] * P[f"v{h}{g}{-i}"] for g in range(H) for i in I3
                                         if (t + rr * i) in T2) == d1[(h, t)] for h in range(H) for t in T1)
    return r


# ----------------------------------------------------------------- 08: Madsen, batch normalization (n = 3)
def mp():
    return mpmath.mpf(rng.randint(-60, 60)) / rng.randint(1, 9) + mpmath.mpf(1) / 991


def file08():
    n, H0, H1, H2 = 3, 2, 2, 2
    eps = mpmath.mpf(1) / 7
    P = {f"x{i}{g}": mp() for i in range(n) for g in range(H0)}
    P.update({f"u{g}{h}": mp() / 10 for g in range(H0) for h in range(H1)})
    P.update({f"v{h}{k}": mp() / 10 for h in range(H1) for k in range(H2)})
    P.update({f"gam{h}": mp() / 10 for h in range(H1)}); P.update({f"bet{h}": mp() / 10 for h in range(H1)})
    G = {(i, k): mp() / 10 for i in range(n) for k in range(H2)}

    def fwd(seed=None, hold=()):
        """hold: statistics whose derivative is stripped (a partial holding them, on the graph)."""
        N = Net(P, seed)
        L = Dual(0)
        for h in range(H1):
            zs = [N.node(f"z{i}{h}", sum((N.leaf(f"u{g}{h}") * N.leaf(f"x{i}{g}") for g in range(H0)), Dual(0)))
                  for i in range(n)]
            mu = sum(zs, Dual(0)) / n
            if "mu" in hold:
                mu = Dual(mu.v)
            mu = N.node(f"mu{h}", mu)
            var = sum(((zz - mu) * (zz - mu) for zz in zs), Dual(0)) / n
            if "var" in hold:
                var = Dual(var.v)
            var = N.node(f"var{h}", var)
            for i in range(n):
                zh = N.leaf(f"gam{h}") * (zs[i] - mu) / dsqrt(var + eps) + N.leaf(f"bet{h}")
                zh = N.node(f"zh{i}{h}", zh)
                N.node(f"a{i}{h}", gd(zh))
        for i in range(n):
            for k in range(H2):
                z2 = sum((N.leaf(f"v{h}{k}") * N.n[f"a{i}{h}"] for h in range(H1)), Dual(0))
                L = L + G[(i, k)] * N.node(f"y{i}{k}", z2)
        N.node("L", L)
        return N.n
    base = fwd()
    V = lambda k: base[k].v
    delta = {(i, h): fwd(f"z{i}{h}")["L"].d for i in range(n) for h in range(H1)}
    dLdzh = {(i, h): fwd(f"zh{i}{h}")["L"].d for i in range(n) for h in range(H1)}
    dLdV = {h: fwd(f"var{h}")["L"].d for h in range(H1)}          # the variance as a node, z and mu held
    dLdM = {h: fwd(f"mu{h}")["L"].d for h in range(H1)}           # the mean as a node; the variance reads it
    r = {}
    ok34 = True
    for g in range(H0):
        for h in range(H1):
            nd = fwd(f"u{g}{h}")
            ok34 &= close(nd["L"].d, sum(delta[(i, h)] * nd[f"z{i}{h}"].d for i in range(n)))
            ok34 &= close(nd["L"].d, sum(delta[(i, h)] * P[f"x{i}{g}"] for i in range(n)))
    r[34] = ok34
    ok41 = ok54 = ok57 = ok61 = ok68 = ok71 = True
    pr57 = pr61 = True
    for h in range(H1):
        m_, v_, gm = V(f"mu{h}"), V(f"var{h}"), P[f"gam{h}"]
        dzh_dV = {i: fwd(f"var{h}")[f"zh{i}{h}"].d for i in range(n)}
        dzh_dM = {i: fwd(f"mu{h}", hold=("var",))[f"zh{i}{h}"].d for i in range(n)}
        dV_dM = fwd(f"mu{h}")[f"var{h}"].d
        for i in range(n):
            nz = fwd(f"z{i}{h}", hold=("mu", "var"))
            nzv = fwd(f"z{i}{h}", hold=("mu",))
            row1 = dLdzh[(i, h)] * nz[f"zh{i}{h}"].d + dLdV[h] * nzv[f"var{h}"].d + dLdM[h] * fwd(f"z{i}{h}")[f"mu{h}"].d
            row2 = dLdzh[(i, h)] * gm / mpmath.sqrt(v_ + eps) + dLdV[h] * mpmath.mpf(2) / n * (V(f"z{i}{h}") - m_) \
                + dLdM[h] * mpmath.mpf(1) / n
            ok41 &= close(delta[(i, h)], row1) and close(delta[(i, h)], row2)
            na = fwd(f"a{i}{h}")
            ok54 &= close(dLdzh[(i, h)], na["L"].d * fwd(f"zh{i}{h}")[f"a{i}{h}"].d)
            ok54 &= close(dLdzh[(i, h)], dgv(V(f"zh{i}{h}")) * sum(G[(i, k)] * P[f"v{h}{k}"] for k in range(H2)))
        ok57 &= close(dLdV[h], sum(dLdzh[(i, h)] * dzh_dV[i] for i in range(n)))
        for sig in (mpmath.sqrt(v_), v_):        # the printed sigma^B read as the deviation, or as the variance
            pr57 &= close(dLdV[h], sum(dLdzh[(i, h)] * gm * (V(f"z{i}{h}") - m_) * mpmath.mpf(-1) / 2
                                       * (sig + eps) ** (mpmath.mpf(-2) / 3) for i in range(n)))
        ok61 &= close(dLdM[h], sum(dLdzh[(i, h)] * dzh_dM[i] for i in range(n)) + dLdV[h] * dV_dM)
        pr61 &= close(dLdM[h], sum(dLdzh[(i, h)] * (-1 / mpmath.sqrt(v_ + eps)) for i in range(n))
                      + dLdV[h] * mpmath.mpf(1) / n * sum(-2 * (V(f"z{i}{h}") - m_) for i in range(n)))
        ng, nb = fwd(f"gam{h}"), fwd(f"bet{h}")
        ok68 &= close(ng["L"].d, sum(dLdzh[(i, h)] * ng[f"zh{i}{h}"].d for i in range(n)))
        ok68 &= close(ng["L"].d, sum(dLdzh[(i, h)] * (V(f"z{i}{h}") - m_) / mpmath.sqrt(v_ + eps) for i in range(n)))
        ok71 &= close(nb["L"].d, sum(dLdzh[(i, h)] * nb[f"zh{i}{h}"].d for i in range(n)))
        ok71 &= close(nb["L"].d, sum(dLdzh[(i, h)] for i in range(n)))
    r[41], r[54], r[68], r[71] = ok41, ok54, ok68, ok71
    r[57] = ok57 and pr57
    r[61] = ok61 and pr61
    return r


# ----------------------------------------------------------------- 09: Ouroboros5664, dense + batch norm, batch 2
def file09():
    m, nf, nj = 2, 3, 2
    eps = mpmath.mpf(1) / 5
    P = {f"i{s}{f}": mp() for s in range(m) for f in range(nf)}
    P.update({f"w{f}{j}": mp() / 10 for f in range(nf) for j in range(nj)})
    P.update({f"b{j}": mp() for j in range(nj)})
    P.update({f"gam{j}": mp() / 10 for j in range(nj)}); P.update({f"bet{j}": mp() for j in range(nj)})
    G = {(s, j): mp() for s in range(m) for j in range(nj)}

    def fwd(seed=None, hold=()):
        N = Net(P, seed)
        l = Dual(0)
        for j in range(nj):
            xs = [N.node(f"o{s}{j}", sum((N.leaf(f"i{s}{f}") * N.leaf(f"w{f}{j}") for f in range(nf)), Dual(0))
                         + N.leaf(f"b{j}")) for s in range(m)]
            mu = sum(xs, Dual(0)) / m
            if "mu" in hold:
                mu = Dual(mu.v)
            mu = N.node(f"mu{j}", mu)
            var = sum(((x - mu) * (x - mu) for x in xs), Dual(0)) / m
            if "var" in hold:
                var = Dual(var.v)
            var = N.node(f"var{j}", var)
            for s in range(m):
                xh = N.node(f"xh{s}{j}", (xs[s] - mu) / dsqrt(var + eps))
                yv = N.node(f"y{s}{j}", N.leaf(f"gam{j}") * xh + N.leaf(f"bet{j}"))
                l = l + G[(s, j)] * yv
        N.node("l", l)
        return N.n
    base = fwd()
    V = lambda k: base[k].v
    dldo = {(s, j): fwd(f"o{s}{j}")["l"].d for s in range(m) for j in range(nj)}
    r = {}
    r[43] = all(close(fwd(f"b{j}")["l"].d, dldo[(0, j)] + dldo[(1, j)]) for j in range(nj))
    r[45] = all(close(fwd(f"b{j}")["l"].d, sum(dldo[(s, j)] for s in range(m))) for j in range(nj))
    r[60] = all(close(fwd(f"bet{j}")["l"].d, sum(G[(s, j)] * fwd(f"bet{j}")[f"y{s}{j}"].d for s in range(m))) and
                close(fwd(f"bet{j}")["l"].d, sum(G[(s, j)] for s in range(m))) for j in range(nj))
    r[62] = all(close(fwd(f"gam{j}")["l"].d, sum(G[(s, j)] * fwd(f"gam{j}")[f"y{s}{j}"].d for s in range(m))) and
                close(fwd(f"gam{j}")["l"].d, sum(G[(s, j)] * V(f"xh{s}{j}") for s in range(m))) for j in range(nj))
    ok = {k: True for k in (68, 69, 70, 71, 72, 73, 74, 78)}
    for j in range(nj):
        m_, v_ = V(f"mu{j}"), V(f"var{j}")
        for s in range(m):
            x_ = V(f"o{s}{j}")
            ok[68] &= close(fwd(f"xh{s}{j}")[f"y{s}{j}"].d, P[f"gam{j}"])
            ok[69] &= close(fwd(f"o{s}{j}", hold=("mu", "var"))[f"xh{s}{j}"].d, 1 / mpmath.sqrt(v_ + eps))
            ok[70] &= close(fwd(f"mu{j}", hold=("var",))[f"xh{s}{j}"].d, -1 / mpmath.sqrt(v_ + eps))
            ok[71] &= close(fwd(f"var{j}")[f"xh{s}{j}"].d, (x_ - m_) * mpmath.mpf(-1) / 2 * (v_ + eps) ** (mpmath.mpf(-3) / 2))
            ok[72] &= close(fwd(f"o{s}{j}", hold=("mu",))[f"var{j}"].d, 2 * (x_ - m_) / m)
            ok[72] &= close(fwd(f"o{s}{j}")[f"var{j}"].d, 2 * (x_ - m_) / m)
            ok[74] &= close(fwd(f"o{s}{j}")[f"mu{j}"].d, mpmath.mpf(1) / m)
        ok[73] &= close(fwd(f"mu{j}")[f"var{j}"].d, -2 * sum(V(f"o{s}{j}") - m_ for s in range(m)) / m)
        dl_dxh = {s: fwd(f"xh{s}{j}")["l"].d for s in range(m)}
        ok[78] &= close(fwd(f"var{j}")["l"].d, sum(dl_dxh[s] * fwd(f"var{j}")[f"xh{s}{j}"].d for s in range(m)))
    r.update(ok)
    return r


CHECKS = {
    "01_shah_conv_feature_maps.md": file01,
    "02_shah_feedforward.md": file02,
    "03_gibiansky_conv.md": file03,
    "04_jo_cnn_backprop_ko.md": file04,
    "05_jo_transconv_basic_ko.md": file05,
    "06_jo_transconv_pad_stride_ko.md": file06,
    "07_madsen_dilated_conv.tex": file07,
    "08_madsen_batchnorm.tex": file08,
    "09_ouroboros_batchnorm_zh.md": file09,
}

total_n = wrong = 0
for f in KEY["file"]:
    results = CHECKS[f["name"]]()
    claims = {c["line"]: c["verdict"] for c in f["claim"]}
    if set(results) != set(claims):
        problems.append(f"{f['name']}: derived {sorted(results)} != keyed {sorted(claims)}")
    for tag, ok in sorted(results.items()):
        want, got = claims.get(tag), ("right" if ok else "wrong")
        total_n += 1
        wrong += got == "wrong"
        if want != got:
            problems.append(f"{f['name']} {tag}: key says {want}, mathematics says {got}")
        print(f"{f['name']:40s} {str(tag):6s}  {got:5s}  {'ok' if want == got else 'MISMATCH'}")

print(f"\n{total_n} claims derived, {wrong} wrong")
if problems:
    print("\nPROBLEMS:")
    for p in problems:
        print("  " + p)
    sys.exit(1)
print("all verdicts match; coverage complete")
sys.exit(0)
