"""Independent check of key.toml for /work/newnotes/published4.

For every file, the layer or network is rebuilt from its definition with SymPy, every claim is
transcribed by hand below (one function per claim, returning True when the claim holds), and the
result is compared with the verdict in key.toml. Exact SymPy equality is used where simplify
settles it; otherwise expressions are compared at random points with 50-digit arithmetic.
Does not import symconv. Exits 0 iff every verdict matches and every claim line is transcribed.
"""
import random
import re
import sys
import tomllib
from pathlib import Path

import sympy as sp

HERE = Path(__file__).resolve().parent
random.seed(12345)


# ----------------------------------------------------------------------------------------------
# equality helpers
def _num_eq(a, b, syms, trials=6, positive=False):
    a, b = sp.sympify(a), sp.sympify(b)
    for _ in range(trials):
        sub = {s: sp.Rational(random.randint(1, 97), random.randint(7, 31)) * (1 if positive or random.random() < 0.6 else -1)
               for s in syms}
        va = sp.N(a.subs(sub), 50)
        vb = sp.N(b.subs(sub), 50)
        if abs(complex(va - vb)) > 1e-30 * (1 + abs(complex(va))):
            return False
    return True


def eq(a, b, syms=None, positive=False):
    """a == b as functions (matrices compared entry-wise)."""
    if isinstance(a, sp.MatrixBase) or isinstance(b, sp.MatrixBase):
        a, b = sp.Matrix(a), sp.Matrix(b)
        if a.shape != b.shape:
            return False
        return all(eq(x, y, syms, positive) for x, y in zip(a, b))
    d = sp.simplify(sp.sympify(a) - sp.sympify(b))
    if d == 0:
        return True
    if syms is None:
        syms = sorted(sp.sympify(a).free_symbols | sp.sympify(b).free_symbols, key=str)
    return _num_eq(a, b, syms, positive=positive)


def chain(members, syms=None, positive=False):
    """A chain m0 = m1 = ... holds iff all members are equal."""
    return all(eq(members[0], m, syms, positive) for m in members[1:])


CHECKS = {}


def claim(fname, line):
    def deco(f):
        CHECKS.setdefault(fname, {})[line] = f
        return f
    return deco


# ----------------------------------------------------------------------------------------------
# 01 Johnson: Y = X W, X is N x D (2 x 2), W is D x M (2 x 3); upstream G = dL/dY given.
F1 = "01_johnson_linear_layer.md"
X1 = sp.Matrix(2, 2, lambda i, j: sp.Symbol(f"x{i+1}{j+1}"))
W1 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"w{i+1}{j+1}"))
G1 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"g{i+1}{j+1}"))
# independent model: the toml dense layer z = A a with A = out x in, per example (rows of X).
A1 = W1.T  # toml weight (3 x 2)
Y1 = sp.Matrix(2, 3, lambda n, m: sum(A1[m, d] * X1[n, d] for d in range(2)))
L1 = sum(G1[n, m] * Y1[n, m] for n in range(2) for m in range(3))  # surrogate with dL/dY = G
dX1 = sp.Matrix(2, 2, lambda i, j: sp.diff(L1, X1[i, j]))
dW1 = sp.Matrix(2, 3, lambda i, j: sp.diff(L1, W1[i, j]))
x, w, g = X1, W1, G1


@claim(F1, 18)
def _():
    expanded = sp.Matrix([[x[0,0]*w[0,0] + x[0,1]*w[1,0], x[0,0]*w[0,1] + x[0,1]*w[1,1], x[0,0]*w[0,2] + x[0,1]*w[1,2]],
                          [x[1,0]*w[0,0] + x[1,1]*w[1,0], x[1,0]*w[0,1] + x[1,1]*w[1,1], x[1,0]*w[0,2] + x[1,1]*w[1,2]]])
    return chain([Y1, X1 * W1, expanded])


@claim(F1, 39)
def _():
    rhs = sum(G1[i, j] * sp.diff(Y1[i, j], x[0, 0]) for i in range(2) for j in range(3))
    return eq(dX1[0, 0], rhs)


@claim(F1, 43)
def _():
    return eq(Y1.applyfunc(lambda e: sp.diff(e, x[0, 0])), sp.Matrix([[w[0,0], w[0,1], w[0,2]], [0, 0, 0]]))


@claim(F1, 47)
def _():
    return eq(dX1[0, 0], g[0,0]*w[0,0] + g[0,1]*w[0,1] + g[0,2]*w[0,2])


@claim(F1, 52)
def _():
    m = sp.Matrix([[g[0,0]*w[0,0] + g[0,1]*w[0,1] + g[0,2]*w[0,2], g[0,0]*w[1,0] + g[0,1]*w[1,1] + g[0,2]*w[1,2]],
                   [g[1,0]*w[0,0] + g[1,1]*w[0,1] + g[1,2]*w[0,2], g[1,0]*w[1,0] + g[1,1]*w[1,1] + g[1,2]*w[1,2]]])
    return chain([dX1, m, G1 * W1.T])


@claim(F1, 56)
def _():
    return eq(dW1, X1.T * G1)


# ----------------------------------------------------------------------------------------------
# 02 Chowdhury: conv, input 5x5, kernel 3x3, padding 1, stride 2, 0-based in the notes.
F2 = "02_borundev_conv_stride_padding.md"
n2, K2, P2, s2 = 5, 3, 1, 2
no2 = (n2 + 2 * P2 - K2) // s2 + 1
l0 = sp.Matrix(n2, n2, lambda i, j: sp.Symbol(f"a{i}{j}"))
W2 = sp.Matrix(K2, K2, lambda i, j: sp.Symbol(f"k{i}{j}"))
G2 = sp.Matrix(no2, no2, lambda i, j: sp.Symbol(f"g{i}{j}"))


def xpad1(r, c):  # MATH.md 1-based padded input
    i, j = r - P2, c - P2
    return l0[i - 1, j - 1] if 1 <= i <= n2 and 1 <= j <= n2 else 0


# independent forward from MATH.md (1-based): Y[r,s] = sum K[p,q] Xpad[(r-1)s+p, (s-1)s+q]
Y2 = sp.Matrix(no2, no2, lambda r, c: sum(W2[p - 1, q - 1] * xpad1((r) * s2 + p, (c) * s2 + q)
                                           for p in range(1, K2 + 1) for q in range(1, K2 + 1)))
L2 = sum(G2[r, c] * Y2[r, c] for r in range(no2) for c in range(no2))


def lt(i, j):  # notes' \tilde l^0 (0-based): \tilde l^0_{i+P,j+P} = l^0_{i,j}
    i, j = i - P2, j - P2
    return l0[i, j] if 0 <= i < n2 and 0 <= j < n2 else 0


@claim(F2, 24)
def _():
    notes = sp.Matrix(no2, no2, lambda i, j: sum(lt(s2 * i + a, s2 * j + b) * W2[a, b] for a in range(K2) for b in range(K2)))
    return eq(Y2, notes)


@claim(F2, 33)
def _():
    true = sp.Matrix(K2, K2, lambda a, b: sp.diff(L2, W2[a, b]))
    notes = sp.Matrix(K2, K2, lambda a, b: sum(G2[i, j] * lt(s2 * i + a, s2 * j + b) for i in range(no2) for j in range(no2)))
    return eq(true, notes)


def Gfrac(num_r, num_c):  # (dL/dl^1)_{num_r/s, num_c/s}: present only if integral and in range
    if num_r % s2 or num_c % s2:
        return 0
    r, c = num_r // s2, num_c // s2
    return G2[r, c] if 0 <= r < no2 and 0 <= c < no2 else 0


def Wsafe(a, b):
    return W2[a, b] if 0 <= a < K2 and 0 <= b < K2 else 0  # an index outside the kernel reads nothing


@claim(F2, 37)
def _():
    true = sp.Matrix(n2, n2, lambda p, q: sp.diff(L2, l0[p, q]))
    m1 = sp.Matrix(n2, n2, lambda p, q: sum(Gfrac(p + P2 - a, q + P2 - b) * W2[a, b] for a in range(K2) for b in range(K2)))
    m2 = sp.Matrix(n2, n2, lambda p, q: sum(Gfrac(p + P2 - K2 + 1 + a, q + P2 - K2 + 1 + b) * Wsafe(K2 - a, K2 - b)
                                            for a in range(K2) for b in range(K2)))
    assert eq(true, m1), "first member of the input gradient should be right"
    return chain([true, m1, m2])


# ----------------------------------------------------------------------------------------------
# 03 Goodfellow et al.: V 2 x 4 x 4, K 2 x 2 x 2 x 2 (out, in, row, col), stride 2, 1-based.
F3 = "03_goodfellow_ch9_strided_conv.md"
Cin, Cout, H3, k3, s3 = 2, 2, 4, 2, 2
Ho3 = (H3 - k3) // s3 + 1
V3 = {(c, i, j): sp.Symbol(f"v{c}{i}{j}") for c in range(1, Cin + 1) for i in range(1, H3 + 1) for j in range(1, H3 + 1)}
K3 = {(m, c, p, q): sp.Symbol(f"k{m}{c}{p}{q}") for m in range(1, Cout + 1) for c in range(1, Cin + 1)
      for p in range(1, k3 + 1) for q in range(1, k3 + 1)}
G3 = {(m, r, c): sp.Symbol(f"g{m}{r}{c}") for m in range(1, Cout + 1) for r in range(1, Ho3 + 1) for c in range(1, Ho3 + 1)}
# independent forward (MATH.md): Y[m,r,s] = sum_{c,p,q} K[m,c,p,q] X[c,(r-1)s+p,(s-1)s+q]
Z3 = {(m, r, c): sum(K3[m, ch, p, q] * V3[ch, (r - 1) * s3 + p, (c - 1) * s3 + q]
                     for ch in range(1, Cin + 1) for p in range(1, k3 + 1) for q in range(1, k3 + 1))
      for m in range(1, Cout + 1) for r in range(1, Ho3 + 1) for c in range(1, Ho3 + 1)}
J3 = sum(G3[key] * Z3[key] for key in Z3)


def Vv(l, j, k):
    return V3.get((l, j, k), None)


@claim(F3, 28)
def _():
    ok = True
    for (i, j, k) in Z3:
        notes = 0
        for l in range(1, Cin + 1):
            for m in range(1, k3 + 1):
                for n in range(1, k3 + 1):
                    v = Vv(l, (j - 1) * s3 + m, (k - 1) * s3 + n)
                    if v is not None:
                        notes += v * K3[i, l, m, n]
        ok &= eq(Z3[i, j, k], notes)
    return ok


@claim(F3, 43)
def _():
    ok = True
    for (i, j, k, l) in K3:
        true = sp.diff(J3, K3[i, j, k, l])
        notes = sum(G3[i, m, n] * V3[j, (m - 1) * s3 + k, (n - 1) * s3 + l] for m in range(1, Ho3 + 1) for n in range(1, Ho3 + 1))
        ok &= eq(true, notes)
    return ok


@claim(F3, 48)
def _():
    ok = True
    for (i, j, k) in V3:
        true = sp.diff(J3, V3[i, j, k])
        notes = 0
        for l in range(1, Ho3 + 1):
            for m in range(1, k3 + 1):
                if (l - 1) * s3 + m != j:
                    continue
                for n in range(1, Ho3 + 1):
                    for p in range(1, k3 + 1):
                        if (n - 1) * s3 + p != k:
                            continue
                        notes += sum(K3[q, i, m, p] * G3[q, l, n] for q in range(1, Cout + 1))
        ok &= eq(true, notes)
    return ok


# ----------------------------------------------------------------------------------------------
# 04 Mazur: 2-2-2 sigmoid network, E_total = sum 1/2 (target - out)^2.
F4 = "04_mazur_step_by_step.md"
i1, i2, b1, b2, t1, t2 = sp.symbols("i1 i2 b1 b2 t1 t2")
w_ = sp.symbols("w1:9")
w1, w2, w3, w4, w5, w6, w7, w8 = w_
sig = lambda u: 1 / (1 + sp.exp(-u))
oh1_s, oh2_s, oo1_s, oo2_s, no1_s, nh1_s = sp.symbols("oh1 oh2 oo1 oo2 no1 nh1")
net_h1 = w1 * i1 + w2 * i2 + b1
net_h2 = w3 * i1 + w4 * i2 + b1
out_h1, out_h2 = sig(net_h1), sig(net_h2)
net_o1_of = lambda h1, h2: w5 * h1 + w6 * h2 + b2
net_o2_of = lambda h1, h2: w7 * h1 + w8 * h2 + b2
net_o1, net_o2 = net_o1_of(out_h1, out_h2), net_o2_of(out_h1, out_h2)
out_o1, out_o2 = sig(net_o1), sig(net_o2)
Eo = lambda t, o: sp.Rational(1, 2) * (t - o) ** 2
E_total = Eo(t1, out_o1) + Eo(t2, out_o2)
LEAVES4 = [i1, i2, b1, b2, t1, t2, *w_]
# partials of intermediate quantities, then evaluated on the network
dEt_doo1 = sp.diff(Eo(t1, oo1_s) + Eo(t2, oo2_s), oo1_s).subs({oo1_s: out_o1, oo2_s: out_o2})
doo1_dno1 = sp.diff(sig(no1_s), no1_s).subs(no1_s, net_o1)
dno1_dw5 = sp.diff(net_o1_of(oh1_s, oh2_s), w5).subs({oh1_s: out_h1, oh2_s: out_h2})
dEt_dw5 = sp.diff(E_total, w5)
dEt_dw1 = sp.diff(E_total, w1)
E_of_h = Eo(t1, sig(net_o1_of(oh1_s, oh2_s))) + Eo(t2, sig(net_o2_of(oh1_s, oh2_s)))
hsub = {oh1_s: out_h1, oh2_s: out_h2}
dEt_doh1 = sp.diff(E_of_h, oh1_s).subs(hsub)
dEo1_doh1 = sp.diff(Eo(t1, sig(net_o1_of(oh1_s, oh2_s))), oh1_s).subs(hsub)
dEo2_doh1 = sp.diff(Eo(t2, sig(net_o2_of(oh1_s, oh2_s))), oh1_s).subs(hsub)
dEo1_dno1 = sp.diff(Eo(t1, sig(no1_s)), no1_s).subs(no1_s, net_o1)
dEo1_doo1 = sp.diff(Eo(t1, oo1_s), oo1_s).subs(oo1_s, out_o1)
dno1_doh1 = sp.diff(net_o1_of(oh1_s, oh2_s), oh1_s)
dno2_doh1 = sp.diff(net_o2_of(oh1_s, oh2_s), oh1_s)
doh1_dnh1 = sp.diff(sig(nh1_s), nh1_s).subs(nh1_s, net_h1)
dnh1_dw1 = sp.diff(net_h1, w1)
dEt_dno1 = sp.diff(Eo(t1, sig(no1_s)), no1_s).subs(no1_s, net_o1)  # E_o2 does not depend on net_o1
dEt_dno2 = sp.diff(Eo(t2, sig(no1_s)), no1_s).subs(no1_s, net_o2)
dEt_doo2 = sp.diff(Eo(t2, oo2_s), oo2_s).subs(oo2_s, out_o2)
doo2_dno2 = sp.diff(sig(no1_s), no1_s).subs(no1_s, net_o2)
delta_o1 = dEt_dno1
delta_o2 = dEt_dno2
E_of_nh1 = E_total.subs(net_h1, nh1_s)
delta_h1 = sp.diff(Eo(t1, sig(net_o1_of(sig(nh1_s), out_h2))) + Eo(t2, sig(net_o2_of(sig(nh1_s), out_h2))), nh1_s).subs(nh1_s, net_h1)


def e4(a, b):
    return eq(a, b, LEAVES4)


claim(F4, 57)(lambda: e4(dEt_dw5, dEt_doo1 * doo1_dno1 * dno1_dw5))
claim(F4, 61)(lambda: e4(E_total, Eo(t1, out_o1) + Eo(t2, out_o2)))
claim(F4, 63)(lambda: e4(dEt_doo1, 2 * sp.Rational(1, 2) * (t1 - out_o1) ** (2 - 1) * -1 + 0))
claim(F4, 65)(lambda: e4(dEt_doo1, -(t1 - out_o1)))
claim(F4, 74)(lambda: e4(doo1_dno1, out_o1 * (1 - out_o1)))
claim(F4, 80)(lambda: chain([dno1_dw5, 1 * out_h1 * w5 ** (1 - 1) + 0 + 0, out_h1], LEAVES4))
claim(F4, 84)(lambda: e4(dEt_dw5, -(t1 - out_o1) * out_o1 * (1 - out_o1) * out_h1))
claim(F4, 92)(lambda: e4(delta_o1, -(t1 - out_o1) * out_o1 * (1 - out_o1)))
claim(F4, 94)(lambda: e4(dEt_dw5, delta_o1 * out_h1))
claim(F4, 105)(lambda: e4(dEt_dw1, dEt_doh1 * doh1_dnh1 * dnh1_dw1))
claim(F4, 111)(lambda: e4(dEt_doh1, dEo1_doh1 + dEo2_doh1))
claim(F4, 115)(lambda: e4(dEo1_doh1, dEo1_dno1 * dno1_doh1))
claim(F4, 119)(lambda: e4(dEo1_dno1, dEo1_doo1 * doo1_dno1))
claim(F4, 127)(lambda: e4(dno1_doh1, w5))
claim(F4, 136)(lambda: e4(doh1_dnh1, out_h1 * (1 - out_h1)))
claim(F4, 141)(lambda: e4(dnh1_dw1, i1))
claim(F4, 145)(lambda: e4(dEt_dw1, dEt_doh1 * doh1_dnh1 * dnh1_dw1))
claim(F4, 151)(lambda: e4(dEt_dw1, (dEt_doo1 * doo1_dno1 * dno1_doh1 + dEt_doo2 * doo2_dno2 * dno2_doh1) * doh1_dnh1 * dnh1_dw1))
claim(F4, 153)(lambda: e4(dEt_dw1, (delta_o1 * w5 + delta_o2 * w7) * out_h1 * (1 - out_h1) * i1))
claim(F4, 155)(lambda: e4(dEt_dw1, delta_h1 * i1))


# ----------------------------------------------------------------------------------------------
# Softmax / cross-entropy over 3 logits; targets one-hot (every one-hot vector is tried).
def softmax_setup(prefix):
    a = sp.symbols(f"{prefix}1:4")
    S = sum(sp.exp(t) for t in a)
    p = [sp.exp(t) / S for t in a]
    return a, S, p


ONEHOTS = [(1, 0, 0), (0, 1, 0), (0, 0, 1)]
DELTA = lambda i, j: 1 if i == j else 0

# 05 Patel
F5 = "05_zakariapz_softmax_ce.md"
a5, S5, p5 = softmax_setup("a")
P5 = sp.Symbol("P")


def for_onehots(f):
    return all(f(y) for y in ONEHOTS)


def L5(y):
    return -sum(y[j] * sp.log(p5[j]) for j in range(3))


def dl_dp(y, j):  # true d l_j / d p_j with l_j = y_j log p_j
    return sp.diff(y[j] * sp.log(P5), P5).subs(P5, p5[j])


claim(F5, 23)(lambda: for_onehots(lambda y: all(
    eq(sp.diff(L5(y), a5[i]), -sum(dl_dp(y, j) * sp.diff(p5[j], a5[i]) for j in range(3)), list(a5)) for i in range(3))))
claim(F5, 27)(lambda: for_onehots(lambda y: all(
    chain([dl_dp(y, j), sp.diff(-y[j] * sp.log(P5), P5).subs(P5, p5[j]), -y[j] / p5[j]], list(a5)) for j in range(3))))
claim(F5, 31)(lambda: all(eq(sp.diff(p5[j], a5[i]), sp.diff(sp.exp(a5[j]) / S5, a5[i])) for i in range(3) for j in range(3)))


def _c36():
    ok = True
    for j in range(3):
        i = j
        aj = a5[j]
        ok &= chain([sp.diff(p5[j], a5[i]), sp.diff(sp.exp(aj) / S5, aj), sp.diff(sp.exp(aj) * S5 ** -1, aj),
                     sp.exp(aj) * S5 ** -1 - sp.exp(aj) * S5 ** -2 * sp.exp(aj), p5[j] - p5[j] ** 2, p5[j] * (1 - p5[j])], list(a5))
    return ok


def _c46():
    ok = True
    for j in range(3):
        for i in range(3):
            if i == j:
                continue
            ok &= chain([sp.diff(p5[j], a5[i]), sp.diff(sp.exp(a5[j]) / S5, a5[i]), sp.exp(a5[j]) * sp.diff(S5 ** -1, a5[i]),
                         -sp.exp(a5[j]) * S5 ** -2 * sp.exp(a5[i]), -p5[j] * p5[i]], list(a5))
    return ok


claim(F5, 36)(_c36)
claim(F5, 46)(_c46)
claim(F5, 54)(lambda: all(eq(sp.diff(p5[j], a5[i]), p5[j] * (DELTA(i, j) - p5[i])) for i in range(3) for j in range(3)))
claim(F5, 59)(lambda: for_onehots(lambda y: all(chain([
    sp.diff(L5(y), a5[i]),
    sum(dl_dp(y, j) * sp.diff(p5[j], a5[i]) for j in range(3)),
    sum(-y[j] / p5[j] * p5[j] * (DELTA(i, j) - p5[i]) for j in range(3)),
    sum(y[j] * (p5[i] - DELTA(i, j)) for j in range(3))], list(a5)) for i in range(3))))

# 06 Zhong, linear layer y = W x + b, W 2 x 3
F6 = "06_mnn_linear_layer.md"
x6 = sp.Matrix(sp.symbols("x1:4"))
W6 = sp.Matrix(2, 3, lambda i, j: sp.Symbol(f"w{i+1}{j+1}"))
b6 = sp.Matrix(sp.symbols("b1:3"))
g6 = sp.Matrix(sp.symbols("g1:3"))  # upstream d l / d y
y6 = W6 * x6 + b6
l6 = (g6.T * y6)[0]
wflat = [W6[0, 0], W6[0, 1], W6[0, 2], W6[1, 0], W6[1, 1], W6[1, 2]]
Jw = y6.jacobian(wflat)
Jb = y6.jacobian(list(b6))
Jx = y6.jacobian(list(x6))
gradW = W6.applyfunc(lambda e: sp.diff(l6, e))
gradw_row = sp.Matrix([[sp.diff(l6, e) for e in wflat]])
gradb_row = sp.Matrix([[sp.diff(l6, e) for e in b6]])
gradx = sp.Matrix([sp.diff(l6, e) for e in x6])
yi_claim = lambda: all(eq(y6[i], W6[i, 0] * x6[0] + W6[i, 1] * x6[1] + W6[i, 2] * x6[2] + b6[i]) for i in range(2))
claim(F6, 18)(yi_claim)
claim(F6, 40)(yi_claim)
claim(F6, 50)(yi_claim)
claim(F6, 19)(lambda: all(eq(sp.diff(y6[i], W6[i, j]), x6[j]) for i in range(2) for j in range(3)))
claim(F6, 23)(lambda: eq(Jw, sp.Matrix([[x6[0], x6[1], x6[2], 0, 0, 0], [0, 0, 0, x6[0], x6[1], x6[2]]])))
claim(F6, 27)(lambda: chain([gradw_row, g6.T * Jw,
                             sp.Matrix([[x6[0] * g6[0], x6[1] * g6[0], x6[2] * g6[0], x6[0] * g6[1], x6[1] * g6[1], x6[2] * g6[1]]])]))
claim(F6, 32)(lambda: eq(gradW, sp.Matrix([[x6[0] * g6[0], x6[1] * g6[0], x6[2] * g6[0]], [x6[0] * g6[1], x6[1] * g6[1], x6[2] * g6[1]]])))
claim(F6, 36)(lambda: eq(gradW, g6 * x6.T))
claim(F6, 43)(lambda: chain([gradb_row, g6.T * Jb, g6.T * sp.eye(2), g6.T]))
claim(F6, 52)(lambda: chain([Jx, sp.Matrix(2, 3, lambda i, j: sp.diff(y6[i], x6[j])), W6, W6]))
claim(F6, 56)(lambda: chain([gradx, Jx.T * g6, W6.T * g6]))

# 07 Zhong, softmax / log-softmax / cross-entropy, label l = 2 -> p = (0, 1, 0)
F7 = "07_mnn_softmax_logsoftmax_ce.md"
x7, S7, y7 = softmax_setup("x")
z7 = [sp.log(t) for t in y7]
p7 = (0, 1, 0)
ell7 = -sum(p7[i] * z7[i] for i in range(3))
X7 = list(x7)
m7 = sp.Max(*x7)


def at_points(f, trials=6):  # numeric check for expressions that contain Max
    for _ in range(trials):
        sub = {s: sp.Rational(random.randint(-60, 60), random.randint(7, 19)) for s in X7}
        if not f(sub):
            return False
    return True


def close(a, b, sub):
    return abs(complex(sp.N(sp.sympify(a).subs(sub), 50) - sp.N(sp.sympify(b).subs(sub), 50))) < 1e-30


claim(F7, 19)(lambda: at_points(lambda sub: all(
    close(y7[i], sp.exp(x7[i] - m7) / sum(sp.exp(t - m7) for t in x7), sub) for i in range(3))))
claim(F7, 27)(lambda: all(chain([
    sp.diff(y7[i], x7[i]),
    (sp.exp(x7[i]) * S7 - sp.exp(x7[i]) * sp.exp(x7[i])) / S7 ** 2,
    sp.exp(x7[i]) * (S7 - sp.exp(x7[i])) / S7 ** 2,
    sp.exp(x7[i]) / S7 * (S7 - sp.exp(x7[i])) / S7,
    y7[i] * (1 - y7[i]),
    y7[i] - y7[i] * y7[i]], X7) for i in range(3)))          # k = i
claim(F7, 31)(lambda: all(chain([sp.diff(y7[i], x7[k]), (0 - sp.exp(x7[i]) * sp.exp(x7[k])) / S7 ** 2, -y7[i] * y7[k]], X7)
                          for i in range(3) for k in range(3) if i != k))
y = y7
claim(F7, 35)(lambda: chain([
    sp.Matrix(3, 3, lambda i, k: sp.diff(y7[i], x7[k])),
    sp.Matrix([[y[0] - y[0] * y[0], -y[0] * y[1], -y[0] * y[2]],
               [y[1] * y[0], y[1] - y[0] * y[1], -y[0] * y[2]],
               [y[2] * y[0], -y[2] * y[1], y[2] - y[2] * y[2]]]),
    sp.diag(*y) - sp.Matrix(y) * sp.Matrix(y).T], X7))
claim(F7, 45)(lambda: at_points(lambda sub: all(
    close(z7[i], sp.log(sp.exp(x7[i] - m7) / sum(sp.exp(t - m7) for t in x7)), sub)
    and close(z7[i], x7[i] - m7 - sp.log(sum(sp.exp(t - m7) for t in x7)), sub) for i in range(3))))
claim(F7, 47)(lambda: all(eq(sp.diff(y7[i], x7[i]), y7[i] * (1 - y7[i])) for i in range(3)))
claim(F7, 48)(lambda: all(eq(sp.diff(y7[i], x7[k]), -y7[i] * y7[k]) for i in range(3) for k in range(3) if i != k))
claim(F7, 52)(lambda: all(chain([sp.diff(z7[i], x7[i]), y7[i] ** -1 * y7[i] * (1 - y7[i]), 1 - y7[i]], X7) for i in range(3)))
claim(F7, 56)(lambda: all(chain([sp.diff(z7[i], x7[k]), y7[i] ** -1 * (-y7[i] * y7[k]), -y7[k]], X7)
                          for i in range(3) for k in range(3) if i != k))
claim(F7, 60)(lambda: eq(sp.Matrix(3, 3, lambda i, k: sp.diff(z7[i], x7[k])),
                         sp.Matrix([[1 - y[0], -y[1], -y[2]], [-y[0], 1 - y[1], -y[2]], [-y[0], -y[1], 1 - y[2]]])))
Zs = sp.symbols("zz1:4")
grad_z = sp.Matrix([sp.diff(-sum(p7[i] * Zs[i] for i in range(3)), t) for t in Zs])
grad_x7 = sp.Matrix([sp.diff(ell7, t) for t in x7])
claim(F7, 66)(lambda: eq(grad_x7, sp.Matrix(3, 3, lambda i, k: sp.diff(z7[i], x7[k])).T * grad_z))
claim(F7, 73)(lambda: chain([ell7, -sum(p7[i] * sp.log(y7[i]) for i in range(3)), -sp.log(y7[1])], X7))
claim(F7, 79)(lambda: all(eq(sp.diff(z7[i], x7[i]), 1 - y7[i]) for i in range(3)))
claim(F7, 80)(lambda: all(eq(sp.diff(z7[i], x7[k]), -y7[k]) for i in range(3) for k in range(3) if i != k))
claim(F7, 84)(lambda: all(chain([
    sp.diff(ell7, x7[k]),
    -sp.diff(sum(p7[i] * z7[i] for i in range(3)), x7[k]),
    -(p7[k] * (1 - y7[k]) - sum(p7[j] * y7[k] for j in range(3) if j != k)),
    -p7[k] + p7[k] * y7[k] + sum(p7[j] * y7[k] for j in range(3) if j != k),
    -p7[k] + sum(p7[j] * y7[k] for j in range(3)),
    -p7[k] + y7[k]], X7) for k in range(3)))
claim(F7, 88)(lambda: eq(grad_x7, sp.Matrix([y7[0], y7[1] - 1, y7[2]])))

# 08 math.SE, logits o, target y one-hot
F8 = "08_mathse_softmax_loss.md"
o8, S8, p8 = softmax_setup("o")
O8 = list(o8)
L8 = lambda y: -sum(y[j] * sp.log(p8[j]) for j in range(3))
claim(F8, 23)(lambda: all(eq(sp.diff(p8[i], o8[i]), p8[i] * (1 - p8[i])) for i in range(3)))
claim(F8, 27)(lambda: all(eq(sp.diff(p8[j], o8[i]), -p8[i] * p8[j]) for i in range(3) for j in range(3) if i != j))
claim(F8, 32)(lambda: for_onehots(lambda y: all(chain([
    sp.diff(L8(y), o8[i]),
    -(y[i] * (1 - p8[i]) + sum(-p8[k] * y[k] for k in range(3) if k != i)),
    p8[i] * y[i] - y[i] + sum(p8[k] * y[k] for k in range(3) if k != i),
    sum(p8[j] * y[j] for j in range(3)) - y[i]], O8) for i in range(3))))
claim(F8, 39)(lambda: for_onehots(lambda y: all(eq(sp.diff(L8(y), o8[i]), p8[i] - y[i]) for i in range(3))))
claim(F8, 51)(lambda: for_onehots(lambda y: all(chain([
    sp.diff(L8(y), o8[i]),
    -sum(y[k] * sp.diff(sp.log(p8[k]), o8[i]) for k in range(3)),
    -sum(y[k] / p8[k] * sp.diff(p8[k], o8[i]) for k in range(3)),
    -y[i] * (1 - p8[i]) - sum(y[k] / p8[k] * (-p8[k] * p8[i]) for k in range(3) if k != i),
    -y[i] * (1 - p8[i]) + sum(y[k] * p8[i] for k in range(3) if k != i),
    -y[i] + y[i] * p8[i] + sum(y[k] * p8[i] for k in range(3) if k != i),
    p8[i] * sum(y) - y[i],
    p8[i] - y[i]], O8) for i in range(3))))



# ----------------------------------------------------------------------------------------------
# 09 Hasan: conv 5x5 input Y, 3x3 filter W, bias b, stride 1, 0-based; one channel in and out.
F9 = "09_hasan_cnn_training_conv_backward.md"
Y9 = sp.Matrix(5, 5, lambda i, j: sp.Symbol(f"y{i}{j}"))
W9 = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"w{i}{j}"))
b9 = sp.Symbol("b")
G9 = sp.Matrix(3, 3, lambda i, j: sp.Symbol(f"g{i}{j}"))
# independent forward (MATH.md, 1-based): Z[r,s] = b + sum_{p,q} K[p,q] X[r+p-1, s+q-1]
Z9 = sp.Matrix(3, 3, lambda r, c: b9 + sum(W9[p, q] * Y9[r + p, c + q] for p in range(3) for q in range(3)))
L9 = sum(G9[r, c] * Z9[r, c] for r in range(3) for c in range(3))
dY9 = sp.Matrix(5, 5, lambda i, j: sp.diff(L9, Y9[i, j]))
dW9 = sp.Matrix(3, 3, lambda i, j: sp.diff(L9, W9[i, j]))
IDX_Y = [(i, j) for i in range(5) for j in range(5)]
IDX_Z = [(i, j) for i in range(3) for j in range(3)]
IDX_W = IDX_Z


def W9s(a, b_):  # W(a, b) if it is a filter entry, else absent (0)
    return W9[a, b_] if 0 <= a < 3 and 0 <= b_ < 3 else 0


def Ysafe(a, b_, ch=0):
    return Y9[a, b_] if 0 <= a < 5 and 0 <= b_ < 5 and ch == 0 else None


dZdY = lambda ip, jp, i, j: sp.diff(Z9[ip, jp], Y9[i, j])
dZdW = lambda i, j, ip, jp: sp.diff(Z9[i, j], W9[ip, jp])
claim(F9, 40)(lambda: all(eq(dY9[i, j], G9[ip, jp] * dZdY(ip, jp, i, j)) for (i, j) in IDX_Y for (ip, jp) in IDX_Z))
claim(F9, 46)(lambda: eq(Z9[0, 0], Y9[2, 2] * W9[2, 2]))
claim(F9, 52)(lambda: eq(Z9[1, 0], Y9[2, 2] * W9[1, 2]))
claim(F9, 56)(lambda: all(eq(Z9[ip, jp], Y9[i, j] * W9s(i - ip, j - jp)) for (i, j) in IDX_Y for (ip, jp) in IDX_Z))
claim(F9, 61)(lambda: all(eq(dZdY(ip, jp, i, j), W9s(i - ip, j - jp)) for (i, j) in IDX_Y for (ip, jp) in IDX_Z))
_sumW = lambda i, j: sum(W9s(i - ip, j - jp) for (ip, jp) in IDX_Z)
claim(F9, 67)(lambda: all(eq(dZdY(ip, jp, i, j), _sumW(i, j)) for (i, j) in IDX_Y for (ip, jp) in IDX_Z))
claim(F9, 73)(lambda: all(eq(dZdY(ip, jp, i, j), _sumW(i, j)) for (i, j) in IDX_Y for (ip, jp) in IDX_Z))  # one k


def _c77():
    for (i, j) in IDX_Y:
        for (ip, jp) in IDX_Z:
            if not eq(dY9[i, j], G9[ip, jp] * Z9[ip, jp] / Y9[i, j]):
                return False
    return True


claim(F9, 77)(_c77)
claim(F9, 79)(lambda: all(eq(dY9[i, j], sum(G9[ip, jp] * W9s(i - ip, j - jp) for (ip, jp) in IDX_Z)) for (i, j) in IDX_Y))
claim(F9, 85)(lambda: eq(dY9[2, 2], G9[0, 0] * W9[2, 2]))
claim(F9, 91)(lambda: eq(dY9[2, 2], G9[1, 0] * W9[1, 2]))
claim(F9, 103)(lambda: all(eq(dW9[ip, jp], G9[i, j] * dZdW(i, j, ip, jp)) for (ip, jp) in IDX_W for (i, j) in IDX_Z))


def _c109():
    # sum over k_in = 0..n_k = 0..1: channel 1 does not exist -> the formula is not well-formed
    for (i, j) in IDX_Z:
        for kin in range(0, 1 + 1):
            for (ip, jp) in IDX_W:
                if Ysafe(i + ip, j + jp, kin) is None:
                    return False
    return True


claim(F9, 109)(_c109)
claim(F9, 113)(lambda: all(eq(Z9[i, j], b9 + Y9[i + ip, j + jp] * W9[ip, jp]) for (i, j) in IDX_Z for (ip, jp) in IDX_W))
claim(F9, 117)(lambda: all(eq(dZdW(i, j, ip, jp), Y9[i + ip, j + jp]) for (i, j) in IDX_Z for (ip, jp) in IDX_W))
claim(F9, 124)(lambda: all(eq(dZdW(i, j, ip, jp), sum(Y9[a + ip, c + jp] for a in range(3) for c in range(3)))
                           for (i, j) in IDX_Z for (ip, jp) in IDX_W))
claim(F9, 130)(lambda: all(eq(dW9[ip, jp], G9[i, j] * dZdW(i, j, ip, jp)) for (ip, jp) in IDX_W for (i, j) in IDX_Z))
claim(F9, 132)(lambda: all(eq(dW9[ip, jp], sum(G9[i, j] * Y9[i + ip, j + jp] for i in range(3) for j in range(3)))
                           for (ip, jp) in IDX_W))


def xcorr_valid(img, ker):  # sliding window without flip (the forward operation), valid region
    kh, kw = ker.shape
    oh, ow = img.shape[0] - kh + 1, img.shape[1] - kw + 1
    return sp.Matrix(oh, ow, lambda r, c: sum(img[r + p, c + q] * ker[p, q] for p in range(kh) for q in range(kw)))


claim(F9, 138)(lambda: eq(dW9, xcorr_valid(Y9, G9)))

# ----------------------------------------------------------------------------------------------
def main():
    key = tomllib.loads((HERE / "key.toml").read_text())
    bad = 0
    total_r = total_w = 0
    for f in key["file"]:
        name = f["name"]
        lines = (HERE / name).read_text().split("\n")
        checks = CHECKS.get(name, {})
        keyed = [c["line"] for c in f["claim"]]
        missing = sorted(set(keyed) - set(checks)) + sorted(set(checks) - set(keyed))
        if missing:
            print(f"  {name}: claims without transcription or vice versa: {missing}")
            bad += 1
        # every math span with '=' must be keyed as claim, definition or not_claim
        listed = set(keyed) | {d["line"] for d in f.get("definitions", [])} | {d["line"] for d in f.get("not_claims", [])}
        for n, ln in enumerate(lines, 1):
            if ("$" in ln or ln.startswith("&=") or ln.startswith("=") or "&= " in ln) and "=" in ln and n not in listed:
                # continuation lines of an aligned/multi-line display belong to the claim above
                if ln.lstrip().startswith(("&=", "=")):
                    continue
                print(f"  {name}:{n}: math with '=' not keyed: {ln[:90]}")
                bad += 1
        r = w = 0
        for c in f["claim"]:
            fn = checks.get(c["line"])
            if fn is None:
                continue
            holds = bool(fn())
            verdict = "right" if holds else "wrong"
            if verdict != c["verdict"]:
                print(f"  MISMATCH {name}:{c['line']} key={c['verdict']} maths={verdict}")
                bad += 1
            if verdict == "right":
                r += 1
            else:
                w += 1
        total_r += r
        total_w += w
        print(f"{name}: {len(f['claim'])} claims, {r} right, {w} wrong "
              f"({len(f.get('definitions', []))} definitions, {len(f.get('not_claims', []))} not_claims)")
    print(f"TOTAL: {total_r + total_w} claims, {total_r} right, {total_w} wrong; problems: {bad}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
