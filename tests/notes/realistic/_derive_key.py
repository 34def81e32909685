"""Independent derivation of the verdicts in key.toml (does not import symconv).

For every notes file the layer is built from the definition

    Y[m,r,s] = b[m] + sum_{c,p,q} K[m,c,p,q] * Xpad[c, (r-1)*sh + (p-1)*dh + 1, (s-1)*sw + (q-1)*dw + 1]

with SymPy symbols for the input, kernel and bias, and symbols g[m,r,s] for the upstream gradient
dL/dY[m,r,s].  The exact gradients are dL/dtheta = sum_{m,r,s} g[m,r,s] * dY[m,r,s]/dtheta
(sympy.diff of the definition).  Each claim of the notes is transcribed by hand below into a
left-hand side and a right-hand side (functions of the claim's indices) and compared with
sympy.expand at every index of its range.  The script then reads key.toml and checks that every
claim there has the verdict computed here, that the line number points at a line of the notes
that contains the claim's excerpt, and that no claim is missing from either side.

Index conventions used in the transcriptions:
  * L.x(i, j), L.k(p, q), L.g(r, s), ... are entries written with explicit numbers in the notes; an
    index outside the tensor gives a fresh symbol (so "+ x_{4,4} k_{2,2}" for a 3x3 input is an
    extra term and the claim is wrong);
  * L.xz(i, j), L.kz(p, q), L.gz(r, s) are entries written with symbolic indices (x_{i+p-1,...},
    \\delta_{i-p+1,...}); outside the tensor they are 0 (zero padding / full convolution).

Run:  python3 _derive_key.py          (exit status 0 when key.toml agrees)
"""
import itertools
import math
import pathlib
import sys
import tomllib

import numpy as np
import sympy as sp

HERE = pathlib.Path(__file__).resolve().parent


def pair(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class Layer:
    def __init__(self, inp, kernel, stride=1, padding=0, dilation=1, bias=False,
                 cin=1, cout=1):
        self.H, self.W = pair(inp)
        self.kh, self.kw = pair(kernel)
        self.sh, self.sw = pair(stride)
        self.ph, self.pw = pair(padding)
        self.dh, self.dw = pair(dilation)
        self.bias = bias
        self.C, self.M = cin, cout
        self.Ho = (self.H + 2 * self.ph - self.dh * (self.kh - 1) - 1) // self.sh + 1
        self.Wo = (self.W + 2 * self.pw - self.dw * (self.kw - 1) - 1) // self.sw + 1
        S = sp.Symbol
        self.X = {(c, i, j): S(f"x_{c}_{i}_{j}") for c in range(1, self.C + 1)
                  for i in range(1, self.H + 1) for j in range(1, self.W + 1)}
        self.K = {(m, c, p, q): S(f"k_{m}_{c}_{p}_{q}") for m in range(1, self.M + 1)
                  for c in range(1, self.C + 1)
                  for p in range(1, self.kh + 1) for q in range(1, self.kw + 1)}
        self.B = {m: (S(f"b_{m}") if bias else sp.Integer(0)) for m in range(1, self.M + 1)}
        self.G = {(m, r, s): S(f"g_{m}_{r}_{s}") for m in range(1, self.M + 1)
                  for r in range(1, self.Ho + 1) for s in range(1, self.Wo + 1)}
        # forward pass from the definition
        self.Y = {}
        for m in range(1, self.M + 1):
            for r in range(1, self.Ho + 1):
                for s in range(1, self.Wo + 1):
                    e = self.B[m]
                    for c in range(1, self.C + 1):
                        for p in range(1, self.kh + 1):
                            for q in range(1, self.kw + 1):
                                ip = (r - 1) * self.sh + (p - 1) * self.dh + 1  # in Xpad
                                jp = (s - 1) * self.sw + (q - 1) * self.dw + 1
                                i, j = ip - self.ph, jp - self.pw            # in X
                                if 1 <= i <= self.H and 1 <= j <= self.W:
                                    e += self.K[m, c, p, q] * self.X[c, i, j]
                    self.Y[m, r, s] = e
        # a loss whose gradient wrt Y is g: L = sum g * Y (exact for the backward pass)
        self.Lsur = sum(self.G[key] * self.Y[key] for key in self.Y)

    # ---- explicit entries (out of range -> a distinct nonzero symbol) ----
    def x(self, i, j, c=1):
        return self.X.get((c, i, j), sp.Symbol(f"xOUT_{c}_{i}_{j}"))

    def k(self, p, q, m=1, c=1):
        return self.K.get((m, c, p, q), sp.Symbol(f"kOUT_{m}_{c}_{p}_{q}"))

    def g(self, r, s, m=1):
        return self.G.get((m, r, s), sp.Symbol(f"gOUT_{m}_{r}_{s}"))

    def b(self, m=1):
        return self.B[m]

    # ---- entries with symbolic indices (out of range -> 0) ----
    # With strict = True they give fresh symbols instead; used only to report which verdicts
    # rely on the zero-outside convention (the "zero_outside" flag in key.toml).
    strict = False

    def xz(self, i, j, c=1):
        return self.X.get((c, i, j), sp.Symbol(f"xOUT_{c}_{i}_{j}") if self.strict else sp.Integer(0))

    def kz(self, p, q, m=1, c=1):
        return self.K.get((m, c, p, q), sp.Symbol(f"kOUT_{m}_{c}_{p}_{q}") if self.strict else sp.Integer(0))

    def gz(self, r, s, m=1):
        return self.G.get((m, r, s), sp.Symbol(f"gOUT_{m}_{r}_{s}") if self.strict else sp.Integer(0))

    # ---- true values ----
    def y(self, r, s, m=1):
        return self.Y[m, r, s]

    def dx(self, i, j, c=1):
        return sp.diff(self.Lsur, self.X[c, i, j])

    def dk(self, p, q, m=1, c=1):
        return sp.diff(self.Lsur, self.K[m, c, p, q])

    def db(self, m=1):
        return sp.diff(self.Lsur, self.B[m])

    def dy_dx(self, r, s, i, j, m=1, c=1):
        return sp.diff(self.Y[m, r, s], self.X[c, i, j])

    def dy_dk(self, r, s, p, q, m=1, c=1):
        return sp.diff(self.Y[m, r, s], self.K[m, c, p, q])

    # ---- axes ----
    def I(self):
        return range(1, self.H + 1)

    def J(self):
        return range(1, self.W + 1)

    def P(self):
        return range(1, self.kh + 1)

    def Q(self):
        return range(1, self.kw + 1)

    def R(self):
        return range(1, self.Ho + 1)

    def S(self):
        return range(1, self.Wo + 1)

    def numeric_check(self):
        """Sanity check of the symbolic layer against a NumPy forward/backward pass."""
        rng = np.random.default_rng(0)
        vals = {s: rng.standard_normal() for s in
                list(self.X.values()) + list(self.K.values()) + list(self.G.values())
                + [v for v in self.B.values() if isinstance(v, sp.Symbol)]}
        Xn = np.zeros((self.C, self.H + 2 * self.ph, self.W + 2 * self.pw))
        for (c, i, j), s in self.X.items():
            Xn[c - 1, i - 1 + self.ph, j - 1 + self.pw] = vals[s]
        Kn = np.zeros((self.M, self.C, self.kh, self.kw))
        for (m, c, p, q), s in self.K.items():
            Kn[m - 1, c - 1, p - 1, q - 1] = vals[s]
        Gn = np.zeros((self.M, self.Ho, self.Wo))
        for (m, r, s_), s in self.G.items():
            Gn[m - 1, r - 1, s_ - 1] = vals[s]
        bn = np.array([float(vals[v]) if isinstance(v, sp.Symbol) else 0.0
                       for v in self.B.values()])
        Yn = np.zeros((self.M, self.Ho, self.Wo))
        dXp = np.zeros_like(Xn)
        dK = np.zeros_like(Kn)
        for m in range(self.M):
            for r in range(self.Ho):
                for s_ in range(self.Wo):
                    r0, s0 = r * self.sh, s_ * self.sw
                    patch = Xn[:, r0:r0 + self.dh * (self.kh - 1) + 1:self.dh,
                               s0:s0 + self.dw * (self.kw - 1) + 1:self.dw]
                    Yn[m, r, s_] = bn[m] + np.sum(Kn[m] * patch)
                    dK[m] += Gn[m, r, s_] * patch
                    dXp[:, r0:r0 + self.dh * (self.kh - 1) + 1:self.dh,
                        s0:s0 + self.dw * (self.kw - 1) + 1:self.dw] += Gn[m, r, s_] * Kn[m]
        sub = lambda e: float(e.subs(vals))
        for (m, r, s_), e in self.Y.items():
            assert math.isclose(sub(e), Yn[m - 1, r - 1, s_ - 1], abs_tol=1e-9)
        for (c, i, j) in self.X:
            assert math.isclose(sub(self.dx(i, j, c)),
                                dXp[c - 1, i - 1 + self.ph, j - 1 + self.pw], abs_tol=1e-9)
        for (m, c, p, q) in self.K:
            assert math.isclose(sub(self.dk(p, q, m, c)), dK[m - 1, c - 1, p - 1, q - 1],
                                abs_tol=1e-9)
        if self.bias:
            for m in range(1, self.M + 1):
                assert math.isclose(sub(self.db(m)), Gn[m - 1].sum(), abs_tol=1e-9)


CLAIMS = {}   # file -> list of claims
LAYERS = {}   # file -> Layer


class Claim:
    def __init__(self, line, excerpt, lhs, rhs, ranges=None, expect=None):
        self.line, self.excerpt, self.lhs, self.rhs = line, excerpt, lhs, rhs
        self.ranges = ranges or {}
        self.failed = []

    def verdict(self):
        names = list(self.ranges)
        combos = list(itertools.product(*[list(self.ranges[n]) for n in names])) or [()]
        self.failed = []
        for combo in combos:
            idx = dict(zip(names, combo))
            if sp.expand(self.lhs(**idx) - self.rhs(**idx)) != 0:
                self.failed.append(idx)
        return "wrong" if self.failed else "right"


def layer(fname, L):
    LAYERS[fname] = L
    CLAIMS[fname] = []
    return L


def claim(fname, line, excerpt, lhs, rhs, ranges=None):
    c = Claim(line, excerpt, lhs, rhs, ranges)
    # evaluated now: the lambdas refer to the module-level names L, x, k, g of the current file
    lay = LAYERS[fname]
    lay.strict = True
    strict = c.verdict()
    lay.strict = False
    c.result = c.verdict()
    c.zero_outside = strict != c.result
    CLAIMS[fname].append(c)


def ssum(f, *axes):
    """sum of f over the product of the given ranges"""
    return sp.Add(*[f(*t) for t in itertools.product(*axes)])


def mat(L, kind, entries):
    """matrix claim: entries[row][col] -> list of (lhs, rhs) pairs, one per entry"""
    out = []
    for a, row in enumerate(entries, start=1):
        for c_, e in enumerate(row, start=1):
            out.append((getattr(L, kind)(a, c_), e))
    return out


def matclaim(fname, line, excerpt, pairs):
    claim(fname, line, excerpt,
          lambda n: pairs[n][0], lambda n: pairs[n][1], {"n": range(len(pairs))})


# =====================================================================================
# transcriptions of the notes (filled in below, one section per file)
# =====================================================================================

# ---- 01: default layer, names x,k,y, loss L, upstream written dL/dy ----
F = "01_lecture_notes_basic.md"
L = layer(F, Layer(3, 2))
x, k, g = L.x, L.k, L.g
claim(F, 16, "y_{11}", lambda: L.y(1, 1), lambda: x(1,1)*k(1,1) + x(1,2)*k(1,2) + x(2,1)*k(2,1) + x(2,2)*k(2,2))
claim(F, 17, "y_{12}", lambda: L.y(1, 2), lambda: x(1,2)*k(1,1) + x(1,3)*k(1,2) + x(2,2)*k(2,1) + x(2,3)*k(2,2))
claim(F, 18, "y_{21}", lambda: L.y(2, 1), lambda: x(2,1)*k(1,1) + x(2,2)*k(1,2) + x(3,1)*k(2,1) + x(3,2)*k(2,2))
claim(F, 19, "y_{22}", lambda: L.y(2, 2), lambda: x(2,2)*k(1,1) + x(2,3)*k(1,2) + x(3,2)*k(2,1) + x(3,3)*k(2,2))
claim(F, 31, r"\frac{\partial L}{\partial k_{11}}", lambda: L.dk(1, 1),
      lambda: ssum(lambda i, j: g(i, j) * L.dy_dk(i, j, 1, 1), L.R(), L.S()))
claim(F, 39, r"\frac{\partial L}{\partial k_{11}}", lambda: L.dk(1, 1), lambda: g(1,1)*x(1,1) + g(1,2)*x(1,2) + g(2,1)*x(2,1) + g(2,2)*x(2,2))
claim(F, 40, r"\frac{\partial L}{\partial k_{12}}", lambda: L.dk(1, 2), lambda: g(1,1)*x(1,2) + g(1,2)*x(1,3) + g(2,1)*x(2,2) + g(2,2)*x(2,3))
claim(F, 41, r"\frac{\partial L}{\partial k_{21}}", lambda: L.dk(2, 1), lambda: g(1,1)*x(2,1) + g(1,2)*x(2,2) + g(2,1)*x(3,1) + g(2,2)*x(2,3))
claim(F, 42, r"\frac{\partial L}{\partial k_{22}}", lambda: L.dk(2, 2), lambda: g(1,1)*x(2,2) + g(1,2)*x(2,3) + g(2,1)*x(3,2) + g(2,2)*x(3,3))
claim(F, 50, r"\frac{\partial L}{\partial k_{pq}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda i, j: L.gz(i, j) * L.xz(i+p-1, j+q-1), range(1, 3), range(1, 3)),
      {"p": L.P(), "q": L.Q()})
claim(F, 59, r"\frac{\partial L}{\partial x_{11}}", lambda: L.dx(1, 1), lambda: g(1,1)*k(1,1))
claim(F, 65, r"\frac{\partial L}{\partial x_{12}}", lambda: L.dx(1, 2), lambda: g(1,1)*k(1,2) + g(1,2)*k(1,1))
claim(F, 71, r"\frac{\partial L}{\partial x_{22}}", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2))
claim(F, 78, r"\frac{\partial L}{\partial x_{21}}", lambda: L.dx(2, 1), lambda: g(1,1)*k(2,1) + g(2,1)*k(1,1))
claim(F, 79, r"\frac{\partial L}{\partial x_{23}}", lambda: L.dx(2, 3), lambda: g(1,2)*k(2,2) + g(2,2)*k(1,2))
claim(F, 80, r"\frac{\partial L}{\partial x_{33}}", lambda: L.dx(3, 3), lambda: g(2,2)*k(2,2))

# ---- 02: default layer, names X,W,Z, delta_{ij} := dL/dZ_{ij} ----
F = "02_homework3_solution.tex"
L = layer(F, Layer(3, 2))
x, k, g = L.x, L.k, L.g
claim(F, 24, "Z_{ij}", lambda i, j: L.y(i, j),
      lambda i, j: ssum(lambda p, q: L.kz(p, q) * L.xz(i+p-1, j+q-1), range(1, 3), range(1, 3)),
      {"i": [1, 2], "j": [1, 2]})
claim(F, 31, r"\frac{\partial L}{\partial W_{11}}", lambda: L.dk(1, 1), lambda: g(1,1)*x(1,1) + g(1,2)*x(1,2) + g(2,1)*x(2,1) + g(2,2)*x(2,2))
claim(F, 32, r"\frac{\partial L}{\partial W_{12}}", lambda: L.dk(1, 2), lambda: g(1,1)*x(1,2) + g(1,2)*x(1,3) + g(2,1)*x(2,2) + g(2,2)*x(2,3))
claim(F, 33, r"\frac{\partial L}{\partial W_{21}}", lambda: L.dk(2, 1), lambda: g(1,1)*x(2,1) + g(1,2)*x(2,2) + g(2,1)*x(3,1) + g(2,2)*x(3,2))
claim(F, 34, r"\frac{\partial L}{\partial W_{22}}", lambda: L.dk(2, 2), lambda: g(1,1)*x(2,2) + g(1,2)*x(2,3) + g(2,1)*x(3,2) + g(2,2)*x(3,3))
claim(F, 38, r"\frac{\partial L}{\partial W_{pq}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda i, j: L.gz(i, j) * L.xz(i+p-1, j+q-1), range(1, 3), range(1, 3)),
      {"p": [1, 2], "q": [1, 2]})
claim(F, 45, r"\frac{\partial L}{\partial X_{11}}", lambda: L.dx(1, 1), lambda: g(1,1)*k(1,1))
claim(F, 46, r"\frac{\partial L}{\partial X_{13}}", lambda: L.dx(1, 3), lambda: g(1,2)*k(1,2))
claim(F, 47, r"\frac{\partial L}{\partial X_{22}}", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1))
claim(F, 48, r"\frac{\partial L}{\partial X_{31}}", lambda: L.dx(3, 1), lambda: g(2,1)*k(1,1))
claim(F, 49, r"\frac{\partial L}{\partial X_{32}}", lambda: L.dx(3, 2), lambda: g(2,1)*k(2,2) + g(2,2)*k(2,1))
claim(F, 53, r"\frac{\partial L}{\partial X_{23}}", lambda: L.dx(2, 3), lambda: g(1,2)*k(2,2) + g(2,2)*k(1,2))
claim(F, 58, r"\frac{\partial L}{\partial X_{ij}}", lambda i, j: L.dx(i, j),
      lambda i, j: ssum(lambda p, q: L.gz(i+p-1, j+q-1) * L.kz(p, q), range(1, 3), range(1, 3)),
      {"i": [1, 2, 3], "j": [1, 2, 3]})

# ---- 03: input 5, kernel 3, stride 2, names X,F,O, loss E ----
F = "03_blog_strided_conv.md"
L = layer(F, Layer(5, 3, stride=2))
x, k, g = L.x, L.k, L.g
claim(F, 22, "O_{11}", lambda: L.y(1, 1), lambda: ssum(lambda p, q: k(p, q) * x(p, q), L.P(), L.Q()))
claim(F, 23, "O_{22}", lambda: L.y(2, 2), lambda: ssum(lambda p, q: L.kz(p, q) * L.xz(p+2, q+2), range(1, 4), range(1, 4)))
claim(F, 34, r"\frac{\partial E}{\partial F_{pq}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda i, j: L.gz(i, j) * L.xz(i+p-1, j+q-1), L.R(), L.S()),
      {"p": L.P(), "q": L.Q()})
claim(F, 41, r"\frac{\partial E}{\partial F_{pq}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda i, j: L.gz(i, j) * L.xz(2*i+p-2, 2*j+q-2), range(1, 3), range(1, 3)),
      {"p": L.P(), "q": L.Q()})
claim(F, 48, r"\frac{\partial E}{\partial F_{11}}", lambda: L.dk(1, 1), lambda: g(1,1)*x(1,1) + g(1,2)*x(1,3) + g(2,1)*x(3,1) + g(2,2)*x(3,3))
claim(F, 49, r"\frac{\partial E}{\partial F_{23}}", lambda: L.dk(2, 3), lambda: g(1,1)*x(2,3) + g(1,2)*x(2,5) + g(2,1)*x(4,3) + g(2,2)*x(4,5))
claim(F, 59, r"\frac{\partial E}{\partial X[4,4]}", lambda: L.dx(4, 4), lambda: g(2,2)*k(2,2))
claim(F, 65, r"\frac{\partial E}{\partial X(5,5)}", lambda: L.dx(5, 5), lambda: g(2,2)*k(3,3))
claim(F, 72, r"\frac{\partial E}{\partial X_{22}}", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2))
claim(F, 73, r"\frac{\partial E}{\partial X_{23}}", lambda: L.dx(2, 3), lambda: g(1,1)*k(2,3) + g(1,2)*k(2,1))
claim(F, 81, r"\frac{\partial E}{\partial X_{33}}", lambda: L.dx(3, 3), lambda: g(1,1)*k(3,3) + g(1,2)*k(3,1) + g(2,1)*k(1,3))
claim(F, 87, r"\frac{\partial E}{\partial X_{34}}", lambda: L.dx(3, 4), lambda: g(1,2)*k(3,2) + g(2,2)*k(1,3))

# ---- 04: input 4, kernel 3, padding 1, bias, names x,k,y, loss \mathcal{L}, g_{r,s} \equiv ----
F = "04_same_padding_bias.tex"
L = layer(F, Layer(4, 3, padding=1, bias=True))
x, k, g, xz, gz, kz = L.x, L.k, L.g, L.xz, L.gz, L.kz
R4 = range(1, 5)
claim(F, 14, "y_{r,s}", lambda r, s: L.y(r, s),
      lambda r, s: L.b() + ssum(lambda p, q: kz(p, q) * xz(r+p-2, s+q-2), range(1, 4), range(1, 4)),
      {"r": R4, "s": R4})
claim(F, 19, "y_{1,1}", lambda: L.y(1, 1), lambda: L.b() + k(2,2)*x(1,1) + k(2,3)*x(1,2) + k(3,2)*x(2,1) + k(3,3)*x(2,2))
claim(F, 29, r"\frac{\partial \mathcal{L}}{\partial b}", lambda: L.db(), lambda: ssum(lambda r, s: gz(r, s), R4, R4))
claim(F, 35, r"\frac{\partial \mathcal{L}}{\partial k_{p,q}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(r+p-1, s+q-1), R4, R4),
      {"p": [1, 2, 3], "q": [1, 2, 3]})
claim(F, 39, r"\frac{\partial \mathcal{L}}{\partial k_{2,2}}", lambda: L.dk(2, 2), lambda: ssum(lambda r, s: gz(r, s) * xz(r, s), L.R(), L.S()))
claim(F, 40, r"\frac{\partial \mathcal{L}}{\partial k_{1,1}}", lambda: L.dk(1, 1), lambda: ssum(lambda r, s: gz(r, s) * xz(r-1, s-1), range(2, 5), range(2, 5)))
claim(F, 41, r"\frac{\partial \mathcal{L}}{\partial k_{3,3}}", lambda: L.dk(3, 3), lambda: ssum(lambda r, s: gz(r, s) * xz(r+1, s+1), range(1, 4), range(1, 4)))
claim(F, 42, r"\frac{\partial \mathcal{L}}{\partial k_{1,3}}", lambda: L.dk(1, 3), lambda: ssum(lambda r, s: gz(r, s) * xz(r-1, s+1), range(2, 5), range(2, 5)))
claim(F, 48, r"\frac{\partial \mathcal{L}}{\partial x_{1,1}}", lambda: L.dx(1, 1), lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1))
claim(F, 51, r"\frac{\partial \mathcal{L}}{\partial x_{4,4}}", lambda: L.dx(4, 4), lambda: g(4,4)*k(2,2) + g(4,3)*k(2,3) + g(3,4)*k(3,2) + g(3,3)*k(3,3))
claim(F, 55, r"\frac{\partial \mathcal{L}}{\partial x_{2,1}}", lambda: L.dx(2, 1), lambda: g(2,2)*k(2,1) + g(2,1)*k(2,2) + g(1,2)*k(3,1) + g(1,1)*k(3,2))
claim(F, 59, r"\frac{\partial \mathcal{L}}{\partial x_{i,j}}", lambda i, j: L.dx(i, j),
      lambda i, j: ssum(lambda p, q: gz(i-p+2, j-q+2) * kz(p, q), range(1, 4), range(1, 4)),
      {"i": R4, "j": R4})

# ---- 05: input 5, kernel 2, dilation 2 (output 3x3), names x,k,y, loss \ell ----
F = "05_dilated_conv_notes.md"
L = layer(F, Layer(5, 2, dilation=2))
x, k, g, xz, gz, kz = L.x, L.k, L.g, L.xz, L.gz, L.kz
R3 = range(1, 4)
claim(F, 16, "y_{11}", lambda: L.y(1, 1), lambda: k(1,1)*x(1,1) + k(1,2)*x(1,3) + k(2,1)*x(3,1) + k(2,2)*x(3,3))
claim(F, 20, "y_{23}", lambda: L.y(2, 3), lambda: k(1,1)*x(2,3) + k(1,2)*x(2,5) + k(2,1)*x(4,3) + k(2,2)*x(4,5))
claim(F, 26, "y_{rs}", lambda r, s: L.y(r, s),
      lambda r, s: ssum(lambda p, q: kz(p, q) * xz(2*r+p-2, 2*s+q-2), L.P(), L.Q()), {"r": R3, "s": R3})
claim(F, 33, "y_{rs}", lambda r, s: L.y(r, s),
      lambda r, s: ssum(lambda p, q: kz(p, q) * xz(r+2*p-2, s+2*q-2), range(1, 3), range(1, 3)), {"r": R3, "s": R3})
claim(F, 42, r"\frac{\partial \ell}{\partial k_{11}}", lambda: L.dk(1, 1), lambda: ssum(lambda r, s: g(r, s) * x(r, s), R3, R3))
claim(F, 51, r"\frac{\partial \ell}{\partial k_{pq}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(r+2*(p-1), s+2*(q-1)), L.R(), L.S()), {"p": L.P(), "q": L.Q()})
claim(F, 58, r"\frac{\partial \ell}{\partial k_{12}}", lambda: L.dk(1, 2), lambda: ssum(lambda r, s: gz(r, s) * xz(r, s+1), L.R(), L.S()))
claim(F, 68, r"\frac{\partial \ell}{\partial x_{11}}", lambda: L.dx(1, 1), lambda: g(1,1)*k(1,1))
claim(F, 69, r"\frac{\partial \ell}{\partial x_{13}}", lambda: L.dx(1, 3), lambda: g(1,3)*k(1,1) + g(1,1)*k(1,2))
claim(F, 70, r"\frac{\partial \ell}{\partial x_{22}}", lambda: L.dx(2, 2), lambda: g(2,2)*k(1,1))
claim(F, 77, r"\frac{\partial \ell}{\partial x_{33}}", lambda: L.dx(3, 3), lambda: g(3,3)*k(1,1) + g(1,3)*k(2,1) + g(1,1)*k(2,2))
claim(F, 84, r"\frac{\partial \ell}{\partial x_{55}}", lambda: L.dx(5, 5), lambda: g(3,3)*k(2,2))
claim(F, 85, r"\frac{\partial \ell}{\partial x_{45}}", lambda: L.dx(4, 5), lambda: g(2,3)*k(2,2))

# ---- 06: 2 input channels, 2 output channels, input 3, kernel 2, bias ----
F = "06_two_channels.md"
L = layer(F, Layer(3, 2, bias=True, cin=2, cout=2))
R2 = range(1, 3)
X6 = lambda c, i, j: L.x(i, j, c)
K6 = lambda m, c, p, q: L.k(p, q, m, c)
G6 = lambda m, r, s: L.g(r, s, m)
claim(F, 16, "y^{(m)}_{r,s}", lambda m, r, s: L.y(r, s, m),
      lambda m, r, s: L.b(m) + ssum(lambda c, p, q: L.kz(p, q, m, c) * L.xz(r+p-1, s+q-1, c), R2, R2, R2),
      {"m": [1, 2], "r": R2, "s": R2})
claim(F, 23, "y^{(1)}_{1,1}", lambda: L.y(1, 1, 1),
      lambda: L.b(1) + ssum(lambda c, p, q: K6(1, c, p, q) * X6(c, p, q), R2, R2, R2))
claim(F, 33, r"\frac{\partial L}{\partial b_1}", lambda: L.db(1), lambda: ssum(lambda r, s: G6(1, r, s), R2, R2))
claim(F, 37, r"\frac{\partial L}{\partial b_2}", lambda: L.db(2), lambda: G6(2,1,1) + G6(2,1,2) + G6(2,2,1) + G6(2,2,2))
claim(F, 46, r"\frac{\partial L}{\partial k^{(m,c)}_{p,q}}", lambda m, c, p, q: L.dk(p, q, m, c),
      lambda m, c, p, q: ssum(lambda r, s: L.gz(r, s, m) * L.xz(r+p-1, s+q-1, c), R2, R2),
      {"m": R2, "c": R2, "p": R2, "q": R2})
claim(F, 53, r"\frac{\partial L}{\partial k^{(2,1)}_{1,2}}", lambda: L.dk(1, 2, 2, 1),
      lambda: G6(2,1,1)*X6(1,1,2) + G6(2,1,2)*X6(1,1,3) + G6(2,2,1)*X6(1,2,2) + G6(2,2,2)*X6(1,2,3))
claim(F, 54, r"\frac{\partial L}{\partial k^{(1,2)}_{2,1}}", lambda: L.dk(2, 1, 1, 2),
      lambda: G6(1,1,1)*X6(1,2,1) + G6(1,1,2)*X6(1,2,2) + G6(1,2,1)*X6(1,3,1) + G6(1,2,2)*X6(1,3,2))
claim(F, 64, r"\frac{\partial L}{\partial x^{(1)}_{1,1}}", lambda: L.dx(1, 1, 1),
      lambda: G6(1,1,1)*K6(1,1,1,1) + G6(2,1,1)*K6(2,1,1,1))
claim(F, 68, r"\frac{\partial L}{\partial x^{(2)}_{1,1}}", lambda: L.dx(1, 1, 2), lambda: G6(1,1,1)*K6(1,2,1,1))
claim(F, 72, r"\frac{\partial L}{\partial x^{(1)}_{3,3}}", lambda: L.dx(3, 3, 1),
      lambda: G6(1,2,2)*K6(1,1,2,2) + G6(2,2,2)*K6(1,2,2,2))
claim(F, 77, r"\frac{\partial L}{\partial x^{(2)}_{2,3}}", lambda: L.dx(2, 3, 2),
      lambda: G6(1,1,2)*K6(1,2,2,2) + G6(1,2,2)*K6(1,2,1,2) + G6(2,1,2)*K6(2,2,2,2) + G6(2,2,2)*K6(2,2,1,2))
claim(F, 85, r"\frac{\partial L}{\partial x^{(c)}_{i,j}}", lambda c, i, j: L.dx(i, j, c),
      lambda c, i, j: ssum(lambda m, p, q: L.gz(i-p+1, j-q+1, m) * L.kz(p, q, m, c), R2, R2, R2),
      {"c": R2, "i": range(1, 4), "j": range(1, 4)})

# ---- 07: input 4, kernel 2 (output 3x3), names V,K,Z, cost J, G_{i,j} = dJ/dZ_{i,j} (inline) ----
F = "07_textbook_chapter.tex"
L = layer(F, Layer(4, 2))
x, k, g, xz, gz, kz = L.x, L.k, L.g, L.xz, L.gz, L.kz
R3, R4, R2 = range(1, 4), range(1, 5), range(1, 3)
claim(F, 10, "Z_{i,j}", lambda i, j: L.y(i, j),
      lambda i, j: ssum(lambda m, n: xz(i+m-1, j+n-1) * kz(m, n), R2, R2), {"i": R3, "j": R3})
claim(F, 25, r"\frac{\partial J}{\partial K_{m,n}}", lambda m, n: L.dk(m, n),
      lambda m, n: ssum(lambda i, j: gz(i, j) * xz(i+m-1, j+n-1), R3, R3), {"m": R2, "n": R2})
claim(F, 29, r"\frac{\partial J}{\partial K_{2,1}}", lambda: L.dk(2, 1),
      lambda: ssum(lambda i, j: gz(i, j) * xz(i+1, j), R3, R3))
claim(F, 33, r"\frac{\partial J}{\partial K_{m,n}}", lambda m, n: L.dk(m, n),
      lambda m, n: ssum(lambda i, j: gz(i, j) * xz(i-m+2, j-n+2), R3, R3), {"m": R2, "n": R2})
claim(F, 38, r"\frac{\partial J}{\partial K_{m,n}}", lambda m, n: L.dk(m, n),
      lambda m, n: ssum(lambda i, j: gz(i, j) * xz(i+m-1, j+n-1), range(1, 3), range(1, 4)), {"m": R2, "n": R2})
claim(F, 46, r"\frac{\partial J}{\partial V_{i,j}}", lambda i, j: L.dx(i, j),
      lambda i, j: ssum(lambda m, n: gz(i-m+1, j-n+1) * kz(m, n), R2, R2), {"i": R4, "j": R4})
claim(F, 50, r"\frac{\partial J}{\partial V_{i,j}}", lambda i, j: L.dx(i, j),
      lambda i, j: gz(i, j)*k(1,1) + gz(i, j-1)*k(1,2) + gz(i-1, j)*k(2,1) + gz(i-1, j-1)*k(2,2),
      {"i": [2, 3], "j": [2, 3]})
claim(F, 54, r"\frac{\partial J}{\partial V_{1,j}}", lambda j: L.dx(1, j),
      lambda j: gz(1, j)*k(1,1) + gz(1, j-1)*k(1,2), {"j": R4})
claim(F, 55, r"\frac{\partial J}{\partial V_{4,j}}", lambda j: L.dx(4, j),
      lambda j: gz(3, j)*k(2,1) + gz(3, j-1)*k(2,2), {"j": R4})
claim(F, 59, r"\frac{\partial J}{\partial V_{i,1}}", lambda i: L.dx(i, 1),
      lambda i: gz(i, 1)*k(1,1) + gz(i-1, 1)*k(1,2), {"i": R4})
claim(F, 63, r"\frac{\partial J}{\partial V_{2,2}}", lambda: L.dx(2, 2),
      lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1))
claim(F, 65, r"\frac{\partial J}{\partial V_{4,4}}", lambda: L.dx(4, 4), lambda: g(3,3)*k(2,2))

# ---- 08: default layer, names X,K,Y, upstream g_{ij} (G = \nabla_Y L), matrix claims ----
F = "08_matrix_form.md"
L = layer(F, Layer(3, 2))
x, k, g = L.x, L.k, L.g
Yc = [[x(1,1)*k(1,1) + x(1,2)*k(1,2) + x(2,1)*k(2,1) + x(2,2)*k(2,2), x(1,2)*k(1,1) + x(1,3)*k(1,2) + x(2,2)*k(2,1) + x(2,3)*k(2,2)],
      [x(2,1)*k(1,1) + x(2,2)*k(1,2) + x(3,1)*k(2,1) + x(3,2)*k(2,2), x(2,2)*k(1,1) + x(2,3)*k(1,2) + x(3,2)*k(2,1) + x(3,3)*k(2,2)]]
matclaim(F, 13, "Y =", mat(L, "y", Yc))
dK_ok = [[g(1,1)*x(1,1) + g(1,2)*x(1,2) + g(2,1)*x(2,1) + g(2,2)*x(2,2), g(1,1)*x(1,2) + g(1,2)*x(1,3) + g(2,1)*x(2,2) + g(2,2)*x(2,3)],
         [g(1,1)*x(2,1) + g(1,2)*x(2,2) + g(2,1)*x(3,1) + g(2,2)*x(3,2), g(1,1)*x(2,2) + g(1,2)*x(2,3) + g(2,1)*x(3,2) + g(2,2)*x(3,3)]]
matclaim(F, 22, r"\nabla_K L =", mat(L, "dk", dK_ok))
claim(F, 31, r"(\nabla_K L)_{21}", lambda: L.dk(2, 1), lambda: g(1,1)*x(2,1) + g(1,2)*x(2,2) + g(2,1)*x(3,1) + g(2,2)*x(3,2))
claim(F, 35, r"(\nabla_K L)_{12}", lambda: L.dk(1, 2), lambda: g(1,1)*x(1,2) + g(1,2)*x(1,3) + g(2,1)*x(2,2) + g(2,2)*x(3,3))
dK_T = [[dK_ok[0][0], g(1,1)*x(2,1) + g(1,2)*x(2,2) + g(2,1)*x(3,1) + g(2,2)*x(3,2)],
        [g(1,1)*x(1,2) + g(1,2)*x(1,3) + g(2,1)*x(2,2) + g(2,2)*x(2,3), dK_ok[1][1]]]
matclaim(F, 42, r"\frac{\partial L}{\partial K} =", mat(L, "dk", dK_T))
dX_flip = [[g(1,1)*k(2,2), g(1,1)*k(2,1) + g(1,2)*k(2,2), g(1,2)*k(2,1)],
           [g(1,1)*k(1,2) + g(2,1)*k(2,2), g(1,1)*k(1,1) + g(1,2)*k(1,2) + g(2,1)*k(2,1) + g(2,2)*k(2,2), g(1,2)*k(1,1) + g(2,2)*k(2,1)],
           [g(2,1)*k(1,2), g(2,1)*k(1,1) + g(2,2)*k(1,2), g(2,2)*k(1,1)]]
matclaim(F, 52, r"\frac{\partial L}{\partial X} =", mat(L, "dx", dX_flip))
dX_ok = [[g(1,1)*k(1,1), g(1,1)*k(1,2) + g(1,2)*k(1,1), g(1,2)*k(1,2)],
         [g(1,1)*k(2,1) + g(2,1)*k(1,1), g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1), g(1,2)*k(2,2) + g(2,2)*k(1,2)],
         [g(2,1)*k(2,1), g(2,1)*k(2,2) + g(2,2)*k(2,1), g(2,2)*k(2,2)]]
matclaim(F, 63, r"\nabla_X L =", mat(L, "dx", dX_ok))
claim(F, 73, r"(\nabla_X L)_{22}", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1))

# ---- 09: input 4, kernel 3, stride 2, padding 1, bias, names a,w,z, cost C, delta_{r,s} := dC/dz ----
F = "09_exam_answers.tex"
L = layer(F, Layer(4, 3, stride=2, padding=1, bias=True))
x, k, g, xz, gz, kz, b = L.x, L.k, L.g, L.xz, L.gz, L.kz, L.b
claim(F, 21, "z_{1,1}", lambda: L.y(1, 1), lambda: b() + k(2,2)*x(1,1) + k(2,3)*x(1,2) + k(3,2)*x(2,1) + k(3,3)*x(2,2))
claim(F, 22, "z_{1,2}", lambda: L.y(1, 2), lambda: b() + k(2,2)*x(1,3) + k(2,3)*x(1,4) + k(3,2)*x(2,3) + k(3,3)*x(2,4))
claim(F, 32, r"\frac{\partial C}{\partial w_{p,q}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(2*r+p-3, 2*s+q-3), range(1, 3), range(1, 3)),
      {"p": L.P(), "q": L.Q()})
claim(F, 36, r"\frac{\partial C}{\partial w_{2,2}}", lambda: L.dk(2, 2), lambda: g(1,1)*x(1,1) + g(1,2)*x(1,3) + g(2,1)*x(3,1) + g(2,2)*x(3,3))
# a chain A = B = C: right when every member equals the true value
claim(F, 37, r"\frac{\partial C}{\partial w_{1,1}}", lambda n: L.dk(1, 1),
      lambda n: [2*g(2,2)*x(2,2)/2, g(2,2)*x(2,2)][n], {"n": [0, 1]})
claim(F, 38, r"\frac{\partial C}{\partial w_{2,3}}", lambda: L.dk(2, 3), lambda: g(1,1)*x(1,2) + g(1,2)*x(1,4) + g(2,1)*x(3,2) + g(2,2)*x(3,4))
claim(F, 39, r"\frac{\partial C}{\partial w_{3,3}}", lambda: L.dk(3, 3), lambda: g(1,1)*x(2,2) + g(1,2)*x(2,4) + g(2,1)*x(4,2) + g(2,2)*x(4,4))
claim(F, 43, r"\frac{\partial C}{\partial b}", lambda: L.db(), lambda: g(1,1) + g(1,2) + g(2,1) + g(2,2))
claim(F, 47, r"\frac{\partial C}{\partial a_{1,1}}", lambda: L.dx(1, 1), lambda: 2*g(1,1)*k(2,2))
claim(F, 48, r"\frac{\partial C}{\partial a_{2,2}}", lambda: L.dx(2, 2), lambda: g(1,1)*k(3,3) + g(1,2)*k(3,1) + g(2,1)*k(1,3) + g(2,2)*k(1,1))
claim(F, 49, r"\frac{\partial C}{\partial a_{2,3}}", lambda: L.dx(2, 3), lambda: g(1,2)*k(3,2) - g(2,2)*k(1,2))
claim(F, 50, r"\frac{\partial C}{\partial a_{4,4}}", lambda: L.dx(4, 4), lambda: g(2,2)*k(3,3))

# ---- 10: input 4, kernel 2, stride 2, names X,K,Y, loss L written \partial_{Y_{rs}} L ----
F = "10_forum_answer.md"
L = layer(F, Layer(4, 2, stride=2))
x, k, g, xz, gz, kz = L.x, L.k, L.g, L.xz, L.gz, L.kz
claim(F, 6, r"\partial_{K_{pq}} L", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(r+p-1, s+q-1), L.R(), L.S()), {"p": L.P(), "q": L.Q()})
claim(F, 10, r"\partial_{X_{22}} L", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2) + g(1,2)*k(2,1) + g(2,1)*k(1,2) + g(2,2)*k(1,1))
claim(F, 23, "Y_{11}", lambda: L.y(1, 1), lambda: k(1,1)*x(1,1) + k(1,2)*x(1,2) + k(2,1)*x(2,1) + k(2,2)*x(2,2))
claim(F, 27, "Y_{12}", lambda: L.y(1, 2), lambda: k(1,1)*x(1,3) + k(1,2)*x(1,4) + k(2,1)*x(2,3) + k(2,2)*x(2,4))
claim(F, 34, r"\partial_{K_{pq}} L", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(2*r+p-2, 2*s+q-2), range(1, 3), range(1, 3)), {"p": L.P(), "q": L.Q()})
claim(F, 40, r"\partial_{K_{11}} L", lambda: L.dk(1, 1), lambda: g(1,1)*x(1,1) + g(1,2)*x(1,3) + g(2,1)*x(3,1) + g(2,2)*x(3,3))
claim(F, 44, r"\partial_{K_{21}} L", lambda: L.dk(2, 1), lambda: g(1,1)*x(2,1) + g(1,2)*x(2,3) + g(2,1)*x(4,1) + g(2,2)*x(3,4))
claim(F, 52, r"\partial_{X_{11}} L", lambda: L.dx(1, 1), lambda: g(1,1)*k(1,1))
claim(F, 53, r"\partial_{X_{22}} L", lambda: L.dx(2, 2), lambda: g(1,1)*k(2,2))
claim(F, 54, r"\partial_{X_{23}} L", lambda: L.dx(2, 3), lambda: g(1,2)*k(2,1))
claim(F, 55, r"\partial_{X_{32}} L", lambda: L.dx(3, 2), lambda: g(2,1)*k(1,2))
claim(F, 56, r"\partial_{X_{44}} L", lambda: L.dx(4, 4), lambda: g(2,2)*k(2,2))

# ---- 11: input 4x5, kernel 2x3, stride 1x2 (output 3x2), names x,k,y, loss E, delta \coloneqq ----
F = "11_rectangular_stride.tex"
L = layer(F, Layer((4, 5), (2, 3), stride=(1, 2)))
x, k, g, xz, gz, kz = L.x, L.k, L.g, L.xz, L.gz, L.kz
assert (L.Ho, L.Wo) == (3, 2)
R4 = range(1, 5)
claim(F, 17, "y_{r,s}", lambda r, s: L.y(r, s),
      lambda r, s: ssum(lambda p, q: kz(p, q) * xz(2*r+p-2, s+q-1), L.P(), L.Q()), {"r": L.R(), "s": L.S()})
claim(F, 21, "y_{r,s}", lambda r, s: L.y(r, s),
      lambda r, s: ssum(lambda p, q: kz(p, q) * xz(r+p-1, 2*s+q-2), range(1, 3), range(1, 4)),
      {"r": [1, 2, 3], "s": [1, 2]})
claim(F, 25, "y_{1,1}", lambda: L.y(1, 1),
      lambda: k(1,1)*x(1,1) + k(1,2)*x(1,2) + k(1,3)*x(1,3) + k(2,1)*x(2,1) + k(2,2)*x(2,2) + k(2,3)*x(2,3))
claim(F, 26, "y_{3,2}", lambda: L.y(3, 2),
      lambda: k(1,1)*x(3,3) + k(1,2)*x(3,4) + k(1,3)*x(3,5) + k(2,1)*x(4,3) + k(2,2)*x(4,4) + k(2,3)*x(4,5))
claim(F, 31, r"\frac{\partial E}{\partial k_{p,q}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(r+p-1, 2*s+q-2), range(1, 4), range(1, 3)),
      {"p": L.P(), "q": L.Q()})
claim(F, 35, r"\frac{\partial E}{\partial k_{p,q}}", lambda p, q: L.dk(p, q),
      lambda p, q: ssum(lambda r, s: gz(r, s) * xz(r+p-1, 2*s+q-2), range(1, 3), range(1, 3)),
      {"p": L.P(), "q": L.Q()})
claim(F, 39, r"\frac{\partial E}{\partial k_{1,1}}", lambda: L.dk(1, 1),
      lambda: g(1,1)*x(1,1) + g(1,2)*x(1,3) + g(2,1)*x(2,1) + g(2,2)*x(2,3) + g(3,1)*x(3,1) + g(3,2)*x(3,3))
claim(F, 40, r"\frac{\partial E}{\partial k_{2,3}}", lambda: L.dk(2, 3),
      lambda: g(1,1)*x(2,3) + g(1,2)*x(2,5) + g(2,1)*x(3,3) + g(2,2)*x(3,5) + g(3,1)*x(4,3) + g(3,2)*x(4,5))
claim(F, 47, r"\frac{\partial E}{\partial x_{1,3}}", lambda: L.dx(1, 3), lambda: g(1,1)*k(1,3) + g(1,2)*k(1,1))
claim(F, 51, r"\frac{\partial E}{\partial x_{i,2}}", lambda i: L.dx(i, 2),
      lambda i: gz(i, 1)*k(1,2) + gz(i-1, 1)*k(2,2), {"i": R4})
claim(F, 52, r"\frac{\partial E}{\partial x_{i,3}}", lambda i: L.dx(i, 3),
      lambda i: gz(i, 1)*k(1,3) + gz(i, 2)*k(1,1) + gz(i-1, 1)*k(2,3) + gz(i-1, 2)*k(2,1), {"i": R4})
claim(F, 53, r"\frac{\partial E}{\partial x_{i,5}}", lambda i: L.dx(i, 5),
      lambda i: gz(i, 2)*k(1,3) + gz(i-1, 2)*k(2,3), {"i": R4})
claim(F, 57, r"\frac{\partial E}{\partial x_{2,4}}", lambda: L.dx(2, 4), lambda: g(2,2)*k(1,2) + g(1,2)*k(2,2) + g(2,1)*k(1,3))

# ---- 12: input 3, kernel 3, padding 1, bias (output 3x3), names x,k,y, cost C,
#          upstream "let \delta^{(l)}_{ij} = dC/dy_{ij}" (inline), later written \delta_{ij} ----
F = "12_study_group_padding.md"
L = layer(F, Layer(3, 3, padding=1, bias=True))
x, k, g, xz, gz, kz, b = L.x, L.k, L.g, L.xz, L.gz, L.kz, L.b
R3 = range(1, 4)
claim(F, 15, "y_{ij}", lambda i, j: L.y(i, j),
      lambda i, j: b() + ssum(lambda p, q: xz(i+p-2, j+q-2) * kz(p, q), R3, R3), {"i": R3, "j": R3})
claim(F, 21, "y_{11}", lambda: L.y(1, 1), lambda: b() + k(2,2)*x(1,1) + k(2,3)*x(1,2) + k(3,2)*x(2,1) + k(3,3)*x(2,2))
# x_{2,4}, x_{3,4}, x_{4,2}, x_{4,3}, x_{4,4} written explicitly: terms from outside the 3x3 input
claim(F, 28, "y_{33}", lambda: L.y(3, 3),
      lambda: b() + k(1,1)*x(2,2) + k(1,2)*x(2,3) + k(1,3)*x(2,4) + k(2,1)*x(3,2) + k(2,2)*x(3,3)
      + k(2,3)*x(3,4) + k(3,1)*x(4,2) + k(3,2)*x(4,3) + k(3,3)*x(4,4))
claim(F, 38, r"\frac{\partial C}{\partial b}", lambda: L.db(),
      lambda: g(1,1) + g(1,2) + g(1,3) + g(2,1) + g(2,2) + g(2,3) + g(3,1) + g(3,2))
claim(F, 44, r"\frac{\partial C}{\partial b}", lambda: L.db(), lambda: ssum(lambda i, j: g(i, j), R3, R3))
claim(F, 54, r"\frac{\partial C}{\partial k_{22}}", lambda: L.dk(2, 2), lambda: ssum(lambda i, j: gz(i, j) * xz(i, j), L.R(), L.S()))
claim(F, 61, r"\frac{\partial C}{\partial k_{11}}", lambda: L.dk(1, 1),
      lambda: 2*(g(2,2)*x(1,1) + g(2,3)*x(1,2) + g(3,2)*x(2,1) + g(3,3)*x(2,2)) / 2)
claim(F, 70, r"\frac{\partial C}{\partial x_{22}}", lambda: L.dx(2, 2),
      lambda: g(3,3)*k(1,1) + g(3,2)*k(1,2) + g(3,1)*k(1,3) + g(2,3)*k(2,1) + g(2,2)*k(2,2)
      + g(2,1)*k(2,3) + g(1,3)*k(3,1) + g(1,2)*k(3,2) + g(1,1)*k(3,3))
claim(F, 79, r"\frac{\partial C}{\partial x_{11}}", lambda: L.dx(1, 1), lambda: g(2,2)*k(1,1) + g(2,1)*k(1,2) + g(1,2)*k(2,1) + g(1,1)*k(2,2))
claim(F, 85, r"\frac{\partial C}{\partial x_{12}}", lambda: L.dx(1, 2),
      lambda: g(2,1)*k(1,1) + g(2,2)*k(1,2) + g(2,3)*k(1,3) + g(1,1)*k(2,1) + g(1,2)*k(2,2) + g(1,3)*k(2,3))
claim(F, 91, r"\frac{\partial C}{\partial x_{ij}}", lambda i, j: L.dx(i, j),
      lambda i, j: ssum(lambda p, q: gz(i-p+2, j-q+2) * kz(p, q), R3, R3), {"i": R3, "j": R3})


# =====================================================================================
# checks: NumPy cross-check of every layer, notes lines, and agreement with key.toml
# =====================================================================================
def main():
    problems = []
    for fname, lay in LAYERS.items():
        lay.numeric_check()
    key = tomllib.loads((HERE / "key.toml").read_text())
    keyed = {f["name"]: f for f in key["file"]}
    if set(keyed) != set(CLAIMS):
        problems.append(f"files differ: key {sorted(keyed)} vs script {sorted(CLAIMS)}")
    totals = {"right": 0, "wrong": 0}
    for fname, claims in CLAIMS.items():
        lines = (HERE / fname).read_text().splitlines()
        entry = keyed.get(fname, {"claim": []})
        kclaims = {c["line"]: c for c in entry["claim"]}
        mine = {c.line: c for c in claims}
        if len(mine) != len(claims):
            problems.append(f"{fname}: two claims on one line in the script")
        if set(kclaims) != set(mine):
            problems.append(f"{fname}: claim lines differ: key only {sorted(set(kclaims) - set(mine))},"
                            f" script only {sorted(set(mine) - set(kclaims))}")
        for extra in entry.get("definitions", []) + entry.get("not_claims", []):
            head = extra["text"].split(" ...")[0].split(" (")[0][:12]
            if head not in lines[extra["line"] - 1]:
                problems.append(f"{fname}:{extra['line']}: {head!r} (definition / not a claim) not there")
        counts = {"right": 0, "wrong": 0}
        for line, c in sorted(mine.items()):
            counts[c.result] += 1
            text = lines[line - 1] if 0 < line <= len(lines) else ""
            if c.excerpt not in text:
                problems.append(f"{fname}:{line}: excerpt {c.excerpt!r} not on that line")
            k = kclaims.get(line)
            if k is None:
                continue
            if k["verdict"] != c.result:
                problems.append(f"{fname}:{line}: key says {k['verdict']}, derived {c.result}"
                                f" (fails at {c.failed[:3]})")
            if k["lhs"] not in text:
                problems.append(f"{fname}:{line}: key lhs {k['lhs']!r} not on that line")
            if bool(k.get("zero_outside", False)) != c.zero_outside:
                problems.append(f"{fname}:{line}: zero_outside flag should be {c.zero_outside}")
        for v in counts:
            totals[v] += counts[v]
        if (entry.get("right"), entry.get("wrong")) != (counts["right"], counts["wrong"]):
            problems.append(f"{fname}: key counts {entry.get('right')}/{entry.get('wrong')},"
                            f" derived {counts['right']}/{counts['wrong']}")
        print(f"{fname:32s} right {counts['right']:2d}  wrong {counts['wrong']:2d}")
        for line, c in sorted(mine.items()):
            if c.result == "wrong":
                print(f"    line {line:3d} wrong at {c.failed[:4]}{' ...' if len(c.failed) > 4 else ''}")
    print(f"total: right {totals['right']}, wrong {totals['wrong']}")
    for p_ in problems:
        print("PROBLEM:", p_)
    print("key.toml agrees with the derivation" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
