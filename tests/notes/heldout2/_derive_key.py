"""Re-derive every verdict of key.toml for tests/notes/heldout2/ (does not import symconv).

Truth: the layer built from the definition (1-based cross-correlation, zero padding) with SymPy;
L is taken as sum d[m,r,s] * Y[m,r,s] so that dL/dY = d (the upstream symbols).
Claims: transcribed by hand below, compared exactly at every index of the claim's range.
An entry written with explicit numbers outside its tensor becomes a marker symbol (extra term);
a symbolic index outside is 0. Line numbers: the lhs excerpt must occur on the key's line.
Run: python3 tests/notes/heldout2/_derive_key.py
"""
import itertools, os, sys, tomllib
import sympy as sp

HERE = os.path.dirname(os.path.abspath(__file__))


class Layer:
    def __init__(s, H, W, kh, kw, stride=(1, 1), pad=(0, 0), dil=(1, 1), bias=False, C=1, M=1):
        s.H, s.W, s.kh, s.kw, s.st, s.pad, s.dil, s.bias, s.C, s.M = H, W, kh, kw, stride, pad, dil, bias, C, M
        s.Ho = (H + 2 * pad[0] - dil[0] * (kh - 1) - 1) // stride[0] + 1
        s.Wo = (W + 2 * pad[1] - dil[1] * (kw - 1) - 1) // stride[1] + 1
        s.xs = {(c, i, j): sp.Symbol(f"x{c}_{i}_{j}") for c in range(1, C + 1) for i in range(1, H + 1) for j in range(1, W + 1)}
        s.ks = {(m, c, p, q): sp.Symbol(f"k{m}{c}_{p}_{q}") for m in range(1, M + 1) for c in range(1, C + 1)
                for p in range(1, kh + 1) for q in range(1, kw + 1)}
        s.bs = {m: sp.Symbol(f"b{m}") for m in range(1, M + 1)}
        s.ds = {(m, r, t): sp.Symbol(f"d{m}_{r}_{t}") for m in range(1, M + 1) for r in range(1, s.Ho + 1) for t in range(1, s.Wo + 1)}
        s.Y = {}
        for (m, r, t) in s.ds:
            e = s.bs[m] if bias else 0
            for c in range(1, C + 1):
                for p in range(1, kh + 1):
                    for q in range(1, kw + 1):
                        ip = (r - 1) * stride[0] + (p - 1) * dil[0] + 1 - pad[0]
                        jp = (t - 1) * stride[1] + (q - 1) * dil[1] + 1 - pad[1]
                        if (c, ip, jp) in s.xs:
                            e += s.ks[(m, c, p, q)] * s.xs[(c, ip, jp)]
            s.Y[(m, r, t)] = sp.expand(e)
        s.L = sum(s.ds[key] * s.Y[key] for key in s.ds)

    # accessors: explicit=True means the entry was written with numbers
    def _get(s, table, key, name, explicit):
        if key in table:
            return table[key]
        return sp.Symbol("OUTSIDE_" + name + "_" + "_".join(map(str, key))) if explicit else 0

    def x(s, i, j, c=1, explicit=False): return s._get(s.xs, (c, i, j), "x", explicit)
    def k(s, p, q, m=1, c=1, explicit=False): return s._get(s.ks, (m, c, p, q), "k", explicit)
    def d(s, r, t, m=1, explicit=False): return s._get(s.ds, (m, r, t), "d", explicit)
    def b(s, m=1): return s.bs[m] if s.bias else sp.Symbol("NO_BIAS")

    # truths
    def y(s, r, t, m=1): return s.Y[(m, r, t)]
    def dk(s, p, q, m=1, c=1): return sp.diff(s.L, s.ks[(m, c, p, q)])
    def dx(s, i, j, c=1): return sp.diff(s.L, s.xs[(c, i, j)])
    def db(s, m=1): return sp.diff(s.L, s.bs[m])


def S(*ranges):
    """sum over the product of ranges of f(*idx)"""
    def inner(f):
        return sum(f(*idx) for idx in itertools.product(*ranges))
    return inner


R = lambda a, b: range(a, b + 1)


def grid(**axes):
    keys = list(axes)
    return [dict(zip(keys, v)) for v in itertools.product(*[axes[k] for k in keys])]


ONE = [dict()]
FILES = {}

# ---------------------------------------------------------------- 01 lab report
def _file01():
    L1 = Layer(4, 4, 2, 2, stride=(2, 2), bias=True)
    X, K, D = (lambda i, j: L1.x(i, j, explicit=True)), (lambda p, q: L1.k(p, q, explicit=True)), (lambda r, s: L1.d(r, s, explicit=True))
    dxmat = [[D(1,1)*K(1,1), D(1,1)*K(1,2), D(1,2)*K(1,1), D(1,2)*K(1,2)],
             [D(1,1)*K(2,1), D(1,1)*K(2,2), D(1,2)*K(2,1), D(1,2)*K(2,2)],
             [D(2,1)*K(1,1), D(2,1)*K(1,2), D(2,2)*K(1,1), D(2,2)*K(1,2)],
             [D(2,1)*K(2,1), D(2,1)*K(2,2), D(2,2)*K(2,1), D(2,2)*K(2,2)]]
    FILES["01_lab_report.tex"] = (L1, [
        ("y_{rs} = b", grid(r=R(1, 2), s=R(1, 2)), lambda r, s: L1.y(r, s),
         lambda r, s: L1.b() + S(R(1, 2), R(1, 2))(lambda p, q: L1.k(p, q) * L1.x(2*r+p-2, 2*s+q-2))),
        ("y_{12} = b", ONE, lambda: L1.y(1, 2), lambda: L1.b() + K(1,1)*X(1,3) + K(1,2)*X(1,4) + K(2,1)*X(2,3) + K(2,2)*X(2,4)),
        ("y_{21} = k_{11}", ONE, lambda: L1.y(2, 1), lambda: K(1,1)*X(3,1) + K(1,2)*X(3,2) + K(2,1)*X(4,1) + K(2,2)*X(4,2)),
        (r"\frac{\partial L}{\partial b} = \sum", ONE, lambda: L1.db(), lambda: S(R(1, 2), R(1, 2))(lambda r, s: L1.d(r, s))),
        (r"\frac{\partial L}{\partial k_{pq}} =", grid(p=R(1, 2), q=R(1, 2)), lambda p, q: L1.dk(p, q),
         lambda p, q: S(R(1, 2), R(1, 2))(lambda r, s: L1.d(r, s) * L1.x(2*r+p-2, 2*s+q-2))),
        (r"\frac{\partial L}{\partial k_{12}} =", ONE, lambda: L1.dk(1, 2), lambda: D(1,1)*X(1,2) + D(1,2)*X(1,3) + D(2,1)*X(2,2) + D(2,2)*X(2,3)),
        (r"\frac{\partial L}{\partial k_{21}} =", ONE, lambda: L1.dk(2, 1), lambda: D(1,1)*X(2,1) + D(1,2)*X(2,3) + D(2,1)*X(4,1) + D(2,2)*X(4,3)),
        (r"\frac{\partial L}{\partial x_{33}} =", ONE, lambda: L1.dx(3, 3), lambda: D(2,2)*K(1,1)),
        (r"\frac{\partial L}{\partial x_{23}} =", ONE, lambda: L1.dx(2, 3), lambda: D(1,2)*K(1,2)),
        (r"\nabla_x L = \begin{bmatrix}", "MATRIX", lambda: [[L1.dx(i, j) for j in R(1, 4)] for i in R(1, 4)], lambda: dxmat),
    ])


# ---------------------------------------------------------------- 02 flashcards (X,F,O; G)
def _file02():
    L2 = Layer(3, 3, 2, 2, pad=(1, 1))
    X, F, G = (lambda i, j: L2.x(i, j, explicit=True)), (lambda p, q: L2.k(p, q, explicit=True)), (lambda r, s: L2.d(r, s, explicit=True))
    FILES["02_flashcards.md"] = (L2, [
        ("$O_{11} = F_{22} X_{11}$", ONE, lambda: L2.y(1, 1), lambda: F(2,2)*X(1,1)),
        ("$O_{44} = F_{11} X_{33}$", ONE, lambda: L2.y(4, 4), lambda: F(1,1)*X(3,3)),
        ("$O_{23} = F_{11}", ONE, lambda: L2.y(2, 3), lambda: F(1,1)*X(1,2) + F(1,2)*X(1,3) + F(2,1)*X(2,2) + F(2,2)*X(2,3)),
        ("$O_{14} = F_{21}", ONE, lambda: L2.y(1, 4), lambda: F(2,1)*X(1,3) + F(2,2)*X(1,4)),
        (r"$\partial L / \partial F_{11} =", ONE, lambda: L2.dk(1, 1), lambda: S(R(1, 4), R(1, 4))(lambda r, s: L2.d(r, s) * L2.x(r-1, s-1))),
        (r"$\partial L / \partial F_{22} =", ONE, lambda: L2.dk(2, 2), lambda: S(R(1, 3), R(1, 3))(lambda r, s: L2.d(r, s) * L2.x(r, s))),
        (r"$\partial L / \partial F_{12} =", ONE, lambda: L2.dk(1, 2), lambda: S(R(2, 3), R(1, 3))(lambda r, s: L2.d(r, s) * L2.x(r-1, s))),
        (r"$\partial L / \partial X_{ij} =", grid(i=R(1, 3), j=R(1, 3)), lambda i, j: L2.dx(i, j),
         lambda i, j: S(R(1, 2), R(1, 2))(lambda p, q: L2.d(i-p+2, j-q+2) * L2.k(p, q))),
        (r"$\partial L / \partial X_{22} =", ONE, lambda: L2.dx(2, 2), lambda: G(2,2)*F(2,2) + G(2,3)*F(2,1) + G(3,2)*F(1,2) + G(3,3)*F(1,1)),
        (r"$\partial L / \partial X_{11} =", ONE, lambda: L2.dx(1, 1), lambda: G(1,1)*F(1,1) + G(1,2)*F(1,2) + G(2,1)*F(2,1) + G(2,2)*F(2,2)),
    ])


# ---------------------------------------------------------------- 03 forum (dilation 2; g)
def _file03():
    L3 = Layer(5, 5, 2, 2, dil=(2, 2))
    X, K, G = (lambda i, j: L3.x(i, j, explicit=True)), (lambda p, q: L3.k(p, q, explicit=True)), (lambda r, s: L3.d(r, s, explicit=True))
    sum_rs3 = lambda f: S(R(1, 3), R(1, 3))(f)
    FILES["03_forum_thread.md"] = (L3, [
        ("$$y_{11} = k_{11}x_{11} + k_{12}x_{12}", ONE, lambda: L3.y(1, 1), lambda: K(1,1)*X(1,1) + K(1,2)*X(1,2) + K(2,1)*X(2,1) + K(2,2)*X(2,2)),
        ("$$y_{11} = k_{11}x_{11} + k_{12}x_{13}", ONE, lambda: L3.y(1, 1), lambda: K(1,1)*X(1,1) + K(1,2)*X(1,3) + K(2,1)*X(3,1) + K(2,2)*X(3,3)),
        ("$$y_{rs} =", grid(r=R(1, 3), s=R(1, 3)), lambda r, s: L3.y(r, s),
         lambda r, s: S(R(1, 2), R(1, 2))(lambda p, q: L3.k(p, q) * L3.x(r+2*(p-1), s+2*(q-1)))),
        (r"$$\frac{\partial L}{\partial k_{22}} = \sum_{r,s}", ONE, lambda: L3.dk(2, 2), lambda: sum_rs3(lambda r, s: L3.d(r, s) * L3.x(r+1, s+1))),
        (r"$$\frac{\partial L}{\partial k_{22}} = \sum_{r=1}", ONE, lambda: L3.dk(2, 2), lambda: sum_rs3(lambda r, s: L3.d(r, s) * L3.x(r+2, s+2))),
        (r"$$\frac{\partial L}{\partial x_{33}} =", ONE, lambda: L3.dx(3, 3), lambda: G(3,3)*K(1,1) + G(3,1)*K(1,2) + G(1,3)*K(2,1) + G(1,1)*K(2,2)),
        (r"$$\frac{\partial L}{\partial x_{22}} =", ONE, lambda: L3.dx(2, 2), lambda: G(2,2)*K(1,1)),
        (r"$$\frac{\partial L}{\partial x_{45}} =", ONE, lambda: L3.dx(4, 5), lambda: G(2,3)*K(2,2) + G(4,3)*K(1,2)),
        (r"$$\frac{\partial L}{\partial x_{15}} =", ONE, lambda: L3.dx(1, 5), lambda: -G(1,3)*K(1,2)),
        (r"$$\frac{\partial L}{\partial x_{ij}} =", grid(i=R(1, 5), j=R(1, 5)), lambda i, j: L3.dx(i, j),
         lambda i, j: S(R(1, 2), R(1, 2))(lambda p, q: L3.d(i-2*p+2, j-2*q+2) * L3.k(p, q))),
        (r"$$\nabla_k L = \begin{pmatrix}", "MATRIX", lambda: [[L3.dk(p, q) for q in R(1, 2)] for p in R(1, 2)],
         lambda: [[sum_rs3(lambda r, s: L3.d(r, s)*L3.x(r, s)), sum_rs3(lambda r, s: L3.d(r, s)*L3.x(r, s+2))],
                  [sum_rs3(lambda r, s: L3.d(r, s)*L3.x(r+2, s)), sum_rs3(lambda r, s: L3.d(r, s)*L3.x(r+2, s+2))]]),
    ])


# ---------------------------------------------------------------- 04 exam (2 in, 2 out, bias)
def _file04():
    L4 = Layer(3, 3, 2, 2, bias=True, C=2, M=2)
    X = lambda c, i, j: L4.x(i, j, c=c, explicit=True)
    K = lambda m, c, p, q: L4.k(p, q, m=m, c=c, explicit=True)
    D = lambda m, r, s: L4.d(r, s, m=m, explicit=True)
    s22 = lambda f: S(R(1, 2), R(1, 2))(f)
    FILES["04_exam_sheet.md"] = (L4, [
        ("$$y^{(2)}_{12}=b_2", ONE, lambda: L4.y(1, 2, m=2),
         lambda: L4.b(2) + S(R(1, 2), R(1, 2), R(1, 2))(lambda c, p, q: L4.k(p, q, m=2, c=c) * L4.x(p, q+1, c=c))),
        ("$$y^{(1)}_{11}=b_1", ONE, lambda: L4.y(1, 1, m=1),
         lambda: L4.b(1) + K(1,1,1,1)*X(1,1,1) + K(1,1,1,2)*X(1,1,2) + K(1,1,2,1)*X(1,2,1) + K(1,1,2,2)*X(1,2,2)),
        ("$$\\partial L/\\partial b_m=", grid(m=R(1, 2)), lambda m: L4.db(m), lambda m: s22(lambda r, s: L4.d(r, s, m=m))),
        ("$$\\partial L/\\partial b_2=", ONE, lambda: L4.db(2), lambda: s22(lambda r, s: L4.d(r, s, m=1))),
        ("$$\\partial L/\\partial k^{(1,2)}_{pq}=", grid(p=R(1, 2), q=R(1, 2)), lambda p, q: L4.dk(p, q, m=1, c=2),
         lambda p, q: s22(lambda r, s: L4.d(r, s, m=1) * L4.x(r+p-1, s+q-1, c=2))),
        ("$$\\partial L/\\partial k^{(2,1)}_{11}=", ONE, lambda: L4.dk(1, 1, m=2, c=1),
         lambda: D(2,1,1)*X(2,1,1) + D(2,1,2)*X(2,1,2) + D(2,2,1)*X(2,2,1) + D(2,2,2)*X(2,2,2)),
        ("$$\\partial L/\\partial k^{(2,1)}_{22}=", ONE, lambda: L4.dk(2, 2, m=2, c=1),
         lambda: D(2,1,1)*X(1,2,2) + D(2,1,2)*X(1,2,3) + D(2,2,1)*X(1,3,2) + D(2,2,2)*X(1,3,3)),
        ("$$\\partial L/\\partial x^{(1)}_{11}=", ONE, lambda: L4.dx(1, 1, c=1), lambda: D(1,1,1)*K(1,1,1,1) + D(2,1,1)*K(2,1,1,1)),
        ("$$\\partial L/\\partial x^{(2)}_{22}=", ONE, lambda: L4.dx(2, 2, c=2),
         lambda: sum(D(m,1,1)*K(m,2,2,2) + D(m,1,2)*K(m,2,2,1) + D(m,2,1)*K(m,2,1,2) + D(m,2,2)*K(m,2,1,1) for m in R(1, 2))),
        ("$$\\partial L/\\partial x^{(2)}_{13}=", ONE, lambda: L4.dx(1, 3, c=2), lambda: D(1,1,2)*K(1,2,1,2)),
        ("$$\\partial L/\\partial x^{(c)}_{ij}=", grid(c=R(1, 2), i=R(1, 3), j=R(1, 3)), lambda c, i, j: L4.dx(i, j, c=c),
         lambda c, i, j: S(R(1, 2), R(1, 2), R(1, 2))(lambda m, p, q: L4.d(i-p+1, j-q+1, m=m) * L4.k(p, q, m=m, c=c))),
    ])


# ---------------------------------------------------------------- 05 blog (3x4 input, 2x3 kernel; names x,w,y; \bar y)
def _file05():
    L5 = Layer(3, 4, 2, 3)
    X, W, B = (lambda i, j: L5.x(i, j, explicit=True)), (lambda p, q: L5.k(p, q, explicit=True)), (lambda r, s: L5.d(r, s, explicit=True))
    s22 = lambda f: S(R(1, 2), R(1, 2))(f)
    FILES["05_tutorial_blog.md"] = (L5, [
        ("$$y_{11} =", ONE, lambda: L5.y(1, 1), lambda: W(1,1)*X(1,1) + W(1,2)*X(1,2) + W(1,3)*X(1,3) + W(2,1)*X(2,1) + W(2,2)*X(2,2) + W(2,3)*X(2,3)),
        ("$$y_{22} =", ONE, lambda: L5.y(2, 2), lambda: S(R(1, 2), R(1, 3))(lambda p, q: L5.k(p, q) * L5.x(p+1, q+1))),
        ("$$y_{12} =", ONE, lambda: L5.y(1, 2), lambda: S(R(1, 3), R(1, 2))(lambda p, q: L5.k(p, q) * L5.x(p, q+1))),
        (r"$$(\nabla_{\mathbf{W}} L)_{pq} =", grid(p=R(1, 2), q=R(1, 3)), lambda p, q: L5.dk(p, q),
         lambda p, q: s22(lambda r, s: L5.d(r, s) * L5.x(r+p-1, s+q-1))),
        (r"$$\nabla_{\mathbf{W}} L = \begin{bmatrix}", "MATRIX", lambda: [[L5.dk(p, q) for q in R(1, 3)] for p in R(1, 2)],
         lambda: [[s22(lambda r, s: L5.d(r, s)*L5.x(r+a, s+c)) for a in (0, 1)] for c in (0, 1, 2)]),
        (r"$$\frac{\partial L}{\partial w_{13}} =", ONE, lambda: L5.dk(1, 3), lambda: B(1,1)*X(1,3) + B(1,2)*X(1,4) + B(2,1)*X(2,3) + B(2,2)*X(2,4)),
        (r"$$(\nabla_{\mathbf{X}} L)_{23} =", ONE, lambda: L5.dx(2, 3), lambda: B(1,1)*W(2,3) + B(1,2)*W(2,2) + B(2,1)*W(1,3) + B(2,2)*W(1,2)),
        (r"$$\frac{\partial L}{\partial x_{14}} =", ONE, lambda: L5.dx(1, 4), lambda: B(1,2)*W(1,3)),
        (r"$$\frac{\partial L}{\partial x_{31}} =", ONE, lambda: L5.dx(3, 1), lambda: B(2,1)*W(1,1)),
        (r"$$\frac{\partial L}{\partial x_{22}} =", "CHAIN", lambda: L5.dx(2, 2),
         lambda: [s22(lambda r, s: L5.d(r, s) * sp.diff(L5.y(r, s), L5.xs[(1, 2, 2)])),
                  B(1,1)*W(2,2) + B(1,2)*W(2,1) + B(2,1)*W(1,2) + B(2,2)*W(1,1)]),
        (r"$$\frac{\partial L}{\partial x_{i1}} =", grid(i=R(1, 3)), lambda i: L5.dx(i, 1), lambda i: L5.d(i, 1)*L5.k(1, 1) + L5.d(i-1, 1)*L5.k(2, 1)),
        (r"$$\frac{\partial L}{\partial x_{ij}} =", grid(i=R(1, 3), j=R(1, 4)), lambda i, j: L5.dx(i, j),
         lambda i, j: S(R(1, 2), R(1, 3))(lambda p, q: L5.d(i-p+1, j-q+1) * L5.k(p, q))),
    ])


# ---------------------------------------------------------------- 06 handout (4x4, 3x3, stride 2, pad 1, bias; X,W,Z; e)
def _file06():
    L6 = Layer(4, 4, 3, 3, stride=(2, 2), pad=(1, 1), bias=True)
    X, W, E = (lambda i, j: L6.x(i, j, explicit=True)), (lambda p, q: L6.k(p, q, explicit=True)), (lambda r, s: L6.d(r, s, explicit=True))
    s22 = lambda f: S(R(1, 2), R(1, 2))(f)
    FILES["06_handout.tex"] = (L6, [
        ("Z_{11} &= b", ONE, lambda: L6.y(1, 1), lambda: L6.b() + W(2,2)*X(1,1) + W(2,3)*X(1,2) + W(3,2)*X(2,1) + W(3,3)*X(2,2)),
        ("Z_{12} &= b", ONE, lambda: L6.y(1, 2), lambda: L6.b() + W(2,1)*X(1,2) + W(2,2)*X(1,3) + W(2,3)*X(1,4) + W(3,1)*X(2,2) + W(3,2)*X(2,3) + W(3,3)*X(2,4)),
        ("Z_{21} &= W_{12}", ONE, lambda: L6.y(2, 1), lambda: W(1,2)*X(2,1) + W(1,3)*X(2,2) + W(2,2)*X(3,1) + W(2,3)*X(3,2) + W(3,2)*X(4,1) + W(3,3)*X(4,2)),
        ("Z_{22} &= b", ONE, lambda: L6.y(2, 2), lambda: L6.b() + S(R(1, 3), R(1, 3))(lambda p, q: L6.k(p, q) * L6.x(p+1, q+1))),
        (r"\frac{\partial L}{\partial b} &=", ONE, lambda: L6.db(), lambda: E(1,1) + E(1,2) + E(2,1) + E(2,2)),
        (r"\frac{\partial L}{\partial W_{11}} &=", ONE, lambda: L6.dk(1, 1), lambda: E(2,2)*X(2,2)),
        (r"\frac{\partial L}{\partial W_{22}} &=", ONE, lambda: L6.dk(2, 2), lambda: E(1,1)*X(1,1) + E(1,2)*X(1,3) + E(2,1)*X(3,1) + E(2,2)*X(3,3)),
        (r"\frac{\partial L}{\partial W_{33}} &=", ONE, lambda: L6.dk(3, 3), lambda: E(1,1)*X(2,2) + E(1,2)*X(2,4) + E(2,1)*X(4,2) + E(2,2)*X(4,4)),
        (r"\frac{\partial L}{\partial W_{pq}} =", grid(p=R(1, 3), q=R(1, 3)), lambda p, q: L6.dk(p, q),
         lambda p, q: s22(lambda r, s: L6.d(r, s) * L6.x(2*r+p-3, 2*s+q-3))),
        (r"\frac{\partial L}{\partial X_{13}} &=", ONE, lambda: L6.dx(1, 3), lambda: 2*E(1,2)*W(2,2)),
        (r"\frac{\partial L}{\partial X_{22}} &=", ONE, lambda: L6.dx(2, 2), lambda: E(1,1)*W(3,3) + E(1,2)*W(3,1) + E(2,1)*W(1,3) + E(2,2)*W(1,1)),
        (r"\frac{\partial L}{\partial X_{44}} &=", ONE, lambda: L6.dx(4, 4), lambda: E(2,2)*W(3,3)),
        (r"\frac{\partial L}{\partial X_{21}} &=", ONE, lambda: L6.dx(2, 1), lambda: E(1,1)*W(3,2)),
        (r"\frac{\partial L}{\partial X_{ij}} &=", grid(i=R(1, 4), j=R(1, 4)), lambda i, j: L6.dx(i, j),
         lambda i, j: s22(lambda r, s: L6.d(r, s) * L6.k(i-2*r+3, j-2*s+3))),
    ])


for _f in (_file01, _file02, _file03, _file04, _file05, _file06):
    _f()


def judge(rng, truth, claim):
    if rng == "MATRIX":
        T, C = truth(), claim()
        if len(T) != len(C) or any(len(a) != len(b) for a, b in zip(T, C)):
            return "wrong", ["size"]
        bad = [(i + 1, j + 1) for i, row in enumerate(T) for j, t in enumerate(row) if sp.expand(t - C[i][j]) != 0]
        return ("wrong" if bad else "right"), bad
    if rng == "CHAIN":
        t = truth()
        bad = [n for n, mem in enumerate(claim()) if sp.expand(t - mem) != 0]
        return ("wrong" if bad else "right"), bad
    bad = [idx for idx in rng if sp.expand(truth(**idx) - claim(**idx)) != 0]
    return ("wrong" if bad else "right"), bad


def locate(lines, excerpt, after):
    for n in range(after, len(lines)):
        if excerpt in lines[n]:
            return n + 1
    raise SystemExit(f"excerpt not found: {excerpt!r}")


def main():
    key = tomllib.load(open(os.path.join(HERE, "key.toml"), "rb")) if os.path.exists(os.path.join(HERE, "key.toml")) else None
    ok = True
    tot = {"right": 0, "wrong": 0}
    for fname, (layer, claims) in FILES.items():
        lines = open(os.path.join(HERE, fname), encoding="utf-8").read().split("\n")
        got, after = [], 0
        for excerpt, rng, truth, claim in claims:
            line = locate(lines, excerpt, after)
            after = line - 1 if excerpt.startswith(("Z_{12}", r"\frac{\partial L}{\partial W_{11}}", r"\frac{\partial L}{\partial W_{33}}", r"\frac{\partial L}{\partial X_{22}}", r"\frac{\partial L}{\partial X_{21}}")) else line
            v, bad = judge(rng, truth, claim)
            got.append((line, v, bad))
            tot[v] += 1
            print(f"{fname}:{line}: {v:5s} {excerpt[:45]!r} {'' if v == 'right' else bad[:6]}")
        if key:
            entry = next(f for f in key["file"] if f["name"] == fname)
            kc = entry["claim"]
            if len(kc) != len(got):
                ok = False; print("  KEY MISMATCH: count", len(kc), len(got))
            for c, (line, v, _) in zip(kc, got):
                if c["line"] != line or c["verdict"] != v or c["lhs"] not in lines[line - 1]:
                    ok = False; print("  KEY MISMATCH:", c, line, v)
            if entry["right"] != sum(g[1] == "right" for g in got) or entry["wrong"] != sum(g[1] == "wrong" for g in got):
                ok = False; print("  KEY MISMATCH: counts")
            for dfn in entry.get("definitions", []):
                ln = lines[dfn["line"] - 1]
                if entry["upstream"] not in ln or not any(op in ln for op in ("=", r"\equiv")) \
                        or entry["upstream_defined"]["line"] != dfn["line"]:
                    ok = False; print("  KEY MISMATCH: definition line", dfn)
            c = entry
            if (c["input"], c["kernel"], c["stride"], c["padding"], c["dilation"], c["bias"], c["in_channels"], c["out_channels"]) != \
               ([layer.H, layer.W], [layer.kh, layer.kw], list(layer.st), list(layer.pad), list(layer.dil), layer.bias, layer.C, layer.M):
                ok = False; print("  KEY MISMATCH: layer")
    print("total", tot)
    if key is None:
        print("no key.toml yet"); return 1
    print("key OK" if ok else "KEY MISMATCH"); return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
