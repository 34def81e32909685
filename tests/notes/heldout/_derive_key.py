"""Independent re-derivation of tests/notes/heldout/key.toml (does not import symconv).

For every notes file: build the layer from the definition (1-based indices, cross-correlation,
zero padding, stride, dilation, channels, bias) with SymPy; Y, dL/dK, dL/dX, dL/db in terms of
upstream symbols g; transcribe each claim by hand (explicit entries through X/K/G, which turn an
entry outside its tensor into an extra symbol; symbolic indices through x/k/g, which give 0
outside); compare exactly at every index of the claim's range; check that the key's line holds
the lhs, that the key's verdicts, counts, layer fields, cli and zero_outside flags agree.
Run: python3 tests/notes/heldout/_derive_key.py   (exit 0 when the key agrees)
"""
import sympy as sp, itertools
class Layer:
    def __init__(s, H, W, kh, kw, stride=(1,1), pad=(0,0), dil=(1,1), bias=False, C=1, M=1):
        s.H,s.W,s.kh,s.kw,s.st,s.pad,s.dil,s.bias,s.C,s.M = H,W,kh,kw,stride,pad,dil,bias,C,M
        s.Ho = (H + 2*pad[0] - dil[0]*(kh-1) - 1)//stride[0] + 1
        s.Wo = (W + 2*pad[1] - dil[1]*(kw-1) - 1)//stride[1] + 1
        s.strict = False  # True: a symbolic index outside gives a stand-in symbol instead of 0
        s.Y = {}; s.dK = {}; s.dX = {}; s.db = {}
        for c in range(1,C+1):
            for i in range(1,H+1):
                for j in range(1,W+1): s.dX[c,i,j] = 0
        for m in range(1,M+1):
            s.db[m] = sum(s.g(m,r,t) for r in range(1,s.Ho+1) for t in range(1,s.Wo+1))
            for c in range(1,C+1):
                for p in range(1,kh+1):
                    for q in range(1,kw+1): s.dK[m,c,p,q] = 0
            for r in range(1,s.Ho+1):
                for t in range(1,s.Wo+1):
                    e = s.b(m) if bias else 0
                    for c in range(1,C+1):
                        for p in range(1,kh+1):
                            for q in range(1,kw+1):
                                i = (r-1)*stride[0] + (p-1)*dil[0] + 1 - pad[0]
                                j = (t-1)*stride[1] + (q-1)*dil[1] + 1 - pad[1]
                                if 1 <= i <= H and 1 <= j <= W:
                                    e += s.k(m,c,p,q)*s.x(c,i,j)
                                    s.dK[m,c,p,q] += s.g(m,r,t)*s.x(c,i,j)
                                    s.dX[c,i,j] += s.g(m,r,t)*s.k(m,c,p,q)
                    s.Y[m,r,t] = e
    # symbols; symbolic-index access outside -> 0
    def x(s,c,i,j):
        return sp.Symbol(f'x{c}_{i}_{j}') if (1<=c<=s.C and 1<=i<=s.H and 1<=j<=s.W) else s._out(f'x{c}_{i}_{j}')
    def k(s,m,c,p,q):
        return sp.Symbol(f'k{m}{c}_{p}_{q}') if (1<=m<=s.M and 1<=c<=s.C and 1<=p<=s.kh and 1<=q<=s.kw) else s._out(f'k{m}{c}_{p}_{q}')
    def g(s,m,r,t):
        return sp.Symbol(f'g{m}_{r}_{t}') if (1<=m<=s.M and 1<=r<=s.Ho and 1<=t<=s.Wo) else s._out(f'g{m}_{r}_{t}')
    def _out(s, name): return sp.Symbol('OUT_' + name) if s.strict else 0
    def b(s,m): return sp.Symbol(f'b{m}')
    # explicit-number entries: outside the tensor is an extra (bogus) term
    def X(s,c,i,j):
        return s.x(c,i,j) if (1<=c<=s.C and 1<=i<=s.H and 1<=j<=s.W) else sp.Symbol(f'OUTSIDE_x{c}_{i}_{j}')
    def Kx(s,m,c,p,q):
        return s.k(m,c,p,q) if (1<=m<=s.M and 1<=c<=s.C and 1<=p<=s.kh and 1<=q<=s.kw) else sp.Symbol(f'OUTSIDE_k{m}{c}_{p}_{q}')
    def G(s,m,r,t):
        return s.g(m,r,t) if (1<=m<=s.M and 1<=r<=s.Ho and 1<=t<=s.Wo) else sp.Symbol(f'OUTSIDE_g{m}_{r}_{t}')
    def show(s):
        for kk,v in s.Y.items(): print('Y',kk,v)
        for kk,v in s.dK.items(): print('dK',kk,v)
        for kk,v in s.dX.items(): print('dX',kk,v)
        for kk,v in s.db.items(): print('db',kk,v)

FILES = []
def R(a, b): return range(a, b + 1)
def grid(*ranges): return list(itertools.product(*ranges))
def claim(line, lhs, kind, key, rng, rhs):
    return dict(line=line, lhs=lhs, kind=kind, key=key, rng=rng, rhs=rhs)

# ---------------------------------------------------------------- 01_jupyter_cells.md
def _file01():  # a function, so that each file's lambdas see its own layer
    L = Layer(3, 3, 2, 2, bias=True)
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    k = lambda p, q: L.k(1, 1, p, q); K = lambda p, q: L.Kx(1, 1, p, q)
    d = lambda r, s: L.g(1, r, s); D = lambda r, s: L.G(1, r, s)
    b = L.b(1)
    FILES.append(dict(name="01_jupyter_cells.md", layer=L, claims=[
        claim(10, 'y_{11}', 'Y', lambda: (1, 1, 1), [()],
              lambda: K(1,1)*X(1,1) + K(1,2)*X(1,2) + K(2,1)*X(2,1) + K(2,2)*X(2,2) + b),
        claim(12, 'y_{22}', 'Y', lambda: (1, 2, 2), [()],
              lambda: K(1,1)*X(2,2) + K(1,2)*X(2,3) + K(2,1)*X(3,2) + K(2,2)*X(3,3)),
        claim(28, r'\frac{\partial L}{\partial b}', 'db', lambda: 1, [()],
              lambda: D(1,1) + D(1,2) + D(2,1) + D(2,2)),
        claim(32, r'\frac{\partial L}{\partial k_{11}}', 'dK', lambda: (1,1,1,1), [()],
              lambda: D(1,1)*X(1,1) + D(1,2)*X(1,2) + D(2,1)*X(2,1) + D(2,2)*X(2,2)),
        claim(33, r'\frac{\partial L}{\partial k_{12}}', 'dK', lambda: (1,1,1,2), [()],
              lambda: D(1,1)*X(1,2) + D(1,2)*X(1,3) + D(2,1)*X(2,2) + D(2,2)*X(2,3)),
        claim(34, r'\frac{\partial L}{\partial k_{21}}', 'dK', lambda: (1,1,2,1), [()],
              lambda: D(1,1)*X(1,2) + D(1,2)*X(1,1) + D(2,1)*X(2,2) + D(2,2)*X(2,1)),
        claim(38, r'\frac{\partial L}{\partial k_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(d(i,j)*x(i+p-1, j+q-1) for i in R(1,2) for j in R(1,2))),
        claim(46, r'\frac{\partial L}{\partial x_{13}}', 'dX', lambda: (1,1,3), [()],
              lambda: D(1,2)*K(1,2)),
        claim(48, r'\frac{\partial L}{\partial x_{22}}', 'dX', lambda: (1,2,2), [()],
              lambda: D(1,1)*K(2,2) + D(1,2)*K(2,1) + D(2,1)*K(1,2) + D(2,2)*K(1,1)),
        claim(50, r'\frac{\partial L}{\partial x_{31}}', 'dX', lambda: (1,3,1), [()],
              lambda: D(2,1)*K(1,1)),
        claim(54, r'\frac{\partial L}{\partial x_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,3)),
              lambda i, j: sum(d(r,s)*k(i-r+1, j-s+1) for r in R(1,2) for s in R(1,2))),
    ]))
_file01()

# ---------------------------------------------------------------- 02_stackexchange_answer.md
def _file02():  # a function, so that each file's lambdas see its own layer
    L = Layer(4, 4, 2, 2, stride=(2, 2))
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    w = lambda p, q: L.k(1, 1, p, q); W = lambda p, q: L.Kx(1, 1, p, q)
    d = lambda r, s: L.g(1, r, s); D = lambda r, s: L.G(1, r, s)
    FILES.append(dict(name="02_stackexchange_answer.md", layer=L, claims=[
        claim(11, r'\frac{\partial E}{\partial W_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(d(r,s)*x(r+p-1, s+q-1) for r in R(1,2) for s in R(1,2))),
        claim(15, r'\frac{\partial E}{\partial W_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(d(r,s)*x(2*r+p-2, 2*s+q-2) for r in R(1,2) for s in R(1,2))),
        claim(19, r'\frac{\partial E}{\partial W_{21}}', 'dK', lambda: (1,1,2,1), [()],
              lambda: D(1,1)*X(2,1) + D(1,2)*X(2,3) + D(2,1)*X(4,1) + D(2,2)*X(4,3)),
        claim(23, r'\frac{\partial E}{\partial X_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,4), R(1,4)),
              lambda i, j: sum(d(r,s)*w(i-r+1, j-s+1) for r in R(1,2) for s in R(1,2))),
        claim(27, r'\frac{\partial E}{\partial X_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,4), R(1,4)),
              lambda i, j: sum(d(r,s)*w(i-2*r+2, j-2*s+2) for r in R(1,2) for s in R(1,2))),
        claim(31, r'\frac{\partial E}{\partial X_{23}}', 'dX', lambda: (1,2,3), [()], lambda: D(1,2)*W(2,1)),
        claim(33, r'\frac{\partial E}{\partial X_{33}}', 'dX', lambda: (1,3,3), [()], lambda: D(2,2)*W(1,1)),
        claim(37, r'\frac{\partial E}{\partial X[4,2]}', 'dX', lambda: (1,4,2), [()], lambda: D(2,1)*W(2,2)),
        claim(42, r'\frac{\partial E}{\partial X}', 'dX', lambda i, j: (1,i,j), grid(R(1,4), R(1,4)),
              lambda i, j: [[D(1,1)*W(1,1), D(1,1)*W(1,2), D(1,2)*W(1,1), D(1,2)*W(1,2)],
                            [D(1,1)*W(2,1), D(1,1)*W(2,2), D(1,2)*W(2,1), D(1,2)*W(2,2)],
                            [D(2,1)*W(1,1), D(2,1)*W(1,2), D(2,2)*W(1,1), D(2,2)*W(1,2)],
                            [D(2,1)*W(2,1), D(2,1)*W(2,2), D(2,2)*W(2,1), D(2,2)*W(2,2)]][i-1][j-1]),
        claim(53, r'\frac{\partial E}{\partial X_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,2)),
              lambda i, j: d(1,1)*w(i, j)),
    ]))
_file02()

# ---------------------------------------------------------------- 03_beamer_same_padding.tex
def _file03():  # a function, so that each file's lambdas see its own layer
    L = Layer(3, 3, 3, 3, pad=(1, 1), bias=True)
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    w = lambda p, q: L.k(1, 1, p, q); W = lambda p, q: L.Kx(1, 1, p, q)
    d = lambda r, s: L.g(1, r, s); D = lambda r, s: L.G(1, r, s)
    b = L.b(1)
    FILES.append(dict(name="03_beamer_same_padding.tex", layer=L, claims=[
        claim(17, 'z_{11}', 'Y', lambda: (1,1,1), [()],
              lambda: W(2,2)*X(1,1) + W(2,3)*X(1,2) + W(3,2)*X(2,1) + W(3,3)*X(2,2) + b),
        claim(18, 'z_{13}', 'Y', lambda: (1,1,3), [()],
              lambda: W(2,1)*X(1,2) + W(2,2)*X(1,3) + W(3,1)*X(2,2) + W(3,2)*X(2,3) + b),
        claim(22, 'z_{22}', 'Y', lambda: (1,2,2), [()],
              lambda: sum(W(p,q)*X(p,q) for p in R(1,3) for q in R(1,3)) + b),
        claim(31, r'\frac{\partial \mathcal{L}}{\partial w_{11}}', 'dK', lambda: (1,1,1,1), [()],
              lambda: D(2,2)*X(1,1) + D(2,3)*X(1,2) + D(3,2)*X(2,1) + D(3,3)*X(2,2)),
        claim(32, r'\frac{\partial \mathcal{L}}{\partial w_{13}}', 'dK', lambda: (1,1,1,3), [()],
              lambda: D(2,2)*X(1,2) + D(2,3)*X(1,3) + D(3,2)*X(2,2) + D(3,3)*X(2,3)),
        claim(37, r'\frac{\partial \mathcal{L}}{\partial w_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,3), R(1,3)),
              lambda p, q: sum(d(i,j)*x(i+p-2, j+q-2) for i in R(1,3) for j in R(1,3))),
        claim(43, r'\frac{\partial \mathcal{L}}{\partial x_{11}}', 'dX', lambda: (1,1,1), [()],
              lambda: D(1,1)*W(2,2) + D(1,2)*W(2,1) + D(2,1)*W(1,2)),
        claim(44, r'\frac{\partial \mathcal{L}}{\partial x_{22}}', 'dX', lambda: (1,2,2), [()],
              lambda: D(1,1)*W(3,3) + D(1,2)*W(3,2) + D(1,3)*W(3,1) + D(2,1)*W(2,3) + D(2,2)*W(2,2)
                      + D(2,3)*W(2,1) + D(3,1)*W(1,3) + D(3,2)*W(1,2) + D(3,3)*W(1,1)),
        claim(51, r'\frac{\partial \mathcal{L}}{\partial x_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,3)),
              lambda i, j: sum(d(r,s)*w(i-r+2, j-s+2) for r in R(1,3) for s in R(1,3))),
        claim(56, r'\frac{\partial \mathcal{L}}{\partial x_{ij}}', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,3)),
              lambda i, j: sum(d(i+p-2, j+q-2)*w(p,q) for p in R(1,3) for q in R(1,3))),
        claim(62, r'\frac{\partial \mathcal{L}}{\partial b}', 'db', lambda: 1, [()],
              lambda: sum(d(i,j) for i in R(1,3) for j in R(1,3))),
    ]))
_file03()

# ---------------------------------------------------------------- 04_ta_rubric_dilation.md
def _file04():  # a function, so that each file's lambdas see its own layer
    L = Layer(4, 4, 2, 2, dil=(2, 2))
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    k = lambda p, q: L.k(1, 1, p, q); K = lambda p, q: L.Kx(1, 1, p, q)
    e = lambda r, s: L.g(1, r, s); E = lambda r, s: L.G(1, r, s)
    FILES.append(dict(name="04_ta_rubric_dilation.md", layer=L, claims=[
        claim(15, 'y_{11}', 'Y', lambda: (1,1,1), [()],
              lambda: K(1,1)*X(1,1) + K(1,2)*X(1,3) + K(2,1)*X(3,1) + K(2,2)*X(3,3)),
        claim(17, 'y_{22}', 'Y', lambda: (1,2,2), [()],
              lambda: K(1,1)*X(2,2) + K(1,2)*X(2,4) + K(2,1)*X(4,2) + K(2,2)*X(4,4)),
        claim(21, 'y_{11}', 'Y', lambda: (1,1,1), [()],
              lambda: K(1,1)*X(1,1) + K(1,2)*X(1,2) + K(2,1)*X(2,1) + K(2,2)*X(2,2)),
        claim(27, r'\frac{\partial J}{\partial k_{12}}', 'dK', lambda: (1,1,1,2), [()],
              lambda: E(1,1)*X(1,3) + E(1,2)*X(1,4) + E(2,1)*X(2,3) + E(2,2)*X(2,4)),
        claim(31, r'\frac{\partial J}{\partial k_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(e(r,s)*x(r+2*p-2, s+2*q-2) for r in R(1,2) for s in R(1,2))),
        claim(35, r'\frac{\partial J}{\partial k_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(e(r,s)*x(r+p-1, s+q-1) for r in R(1,2) for s in R(1,2))),
        claim(39, r'\frac{\partial J}{\partial k_{21}}', 'dK', lambda: (1,1,2,1), [()],
              lambda: -E(1,1)*X(3,1) - E(1,2)*X(3,2) - E(2,1)*X(4,1) - E(2,2)*X(4,2)),
        claim(45, r'\frac{\partial J}{\partial x_{23}}', 'dX', lambda: (1,2,3), [()], lambda: E(2,1)*K(1,2)),
        claim(47, r'\frac{\partial J}{\partial x_{33}}', 'dX', lambda: (1,3,3), [()], lambda: E(1,1)*K(2,2)),
        claim(53, r'\frac{\partial J}{\partial x_{11}}', 'dX', lambda: (1,1,1), [()], lambda: E(1,1)*K(1,1)),
        claim(54, r'\frac{\partial J}{\partial x_{14}}', 'dX', lambda: (1,1,4), [()], lambda: E(1,2)*K(1,2)),
        claim(55, r'\frac{\partial J}{\partial x_{41}}', 'dX', lambda: (1,4,1), [()], lambda: E(2,1)*K(2,1)),
        claim(56, r'\frac{\partial J}{\partial x_{44}}', 'dX', lambda: (1,4,4), [()], lambda: E(2,2)*K(2,2)),
        claim(62, r'\frac{\partial J}{\partial x_{33}}', 'dX', lambda: (1,3,3), [()],
              lambda: E(1,1)*K(2,2) + E(2,2)*K(1,1)),
    ]))
_file04()

# ---------------------------------------------------------------- 05_ocr_handwritten_rect.tex
def _file05():  # a function, so that each file's lambdas see its own layer
    L = Layer(3, 4, 2, 3)
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    k = lambda p, q: L.k(1, 1, p, q); K = lambda p, q: L.Kx(1, 1, p, q)
    yb = lambda r, s: L.g(1, r, s); YB = lambda r, s: L.G(1, r, s)
    FILES.append(dict(name="05_ocr_handwritten_rect.tex", layer=L, claims=[
        claim(8, 'y_{1 2}', 'Y', lambda: (1,1,2), [()],
              lambda: K(1,1)*X(1,2) + K(1,2)*X(1,3) + K(1,3)*X(1,4) + K(2,1)*X(2,2) + K(2,2)*X(2,3) + K(2,3)*X(2,4)),
        claim(11, 'y_{2 1}', 'Y', lambda: (1,2,1), [()],
              lambda: K(1,1)*X(2,1) + K(1,2)*X(2,2) + K(1,3)*X(2,3) + (K(2,1)*X(3,1) + K(2,2)*X(3,2) + K(2,3)*X(3,3))),
        claim(17, r'\frac{\partial C}{\partial k_{1 3}}', 'dK', lambda: (1,1,1,3), [()],
              lambda: YB(1,1)*X(1,3) + YB(1,2)*X(1,4) + YB(2,1)*X(2,3) + YB(2,2)*X(2,4)),
        claim(20, r'\frac{\partial C}{\partial k_{2 q}}', 'dK', lambda q: (1,1,2,q), grid(R(1,3)),
              lambda q: sum(yb(i,j)*x(i+1, j+q-1) for i in R(1,2) for j in R(1,2))),
        claim(24, r'\frac{\partial C}{\partial k_{p q}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,3)),
              lambda p, q: sum(yb(i,j)*x(i+p, j+q) for i in R(1,2) for j in R(1,2))),
        claim(29, r'\frac{\partial C}{\partial x_{2 2}}', 'dX', lambda: (1,2,2), [()],
              lambda: YB(1,1)*K(2,2) + YB(1,2)*K(2,1) + YB(2,1)*K(1,2) + YB(2,2)*K(1,1)),
        claim(32, r'\frac{\partial C}{\partial x_{2 3}}', 'dX', lambda: (1,2,3), [()],
              lambda: YB(1,1)*K(2,3) + YB(1,2)*K(2,2) + YB(2,1)*K(1,3) - YB(2,2)*K(1,2)),
        claim(35, r'\frac{\partial C}{\partial x_{3 2}}', 'dX', lambda: (1,3,2), [()],
              lambda: YB(2,1)*K(2,2) + YB(2,2)*K(1,2)),
        claim(39, r'\frac{\partial C}{\partial x_{1 j}}', 'dX', lambda j: (1,1,j), grid(R(1,4)),
              lambda j: yb(1,1)*k(1,j) + yb(1,2)*k(1,j-1)),
        claim(42, r'\frac{\partial C}{\partial x_{3 4}}', 'dX', lambda: (1,3,4), [()], lambda: YB(2,2)*K(2,3)),
    ]))
_file05()

# ---------------------------------------------------------------- 06_textbook_exercise_stride2.tex
def _file06():  # a function, so that each file's lambdas see its own layer
    L = Layer(5, 5, 3, 3, stride=(2, 2), pad=(1, 1), bias=True)
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    f = lambda p, q: L.k(1, 1, p, q); F = lambda p, q: L.Kx(1, 1, p, q)
    g = lambda r, s: L.g(1, r, s); G = lambda r, s: L.G(1, r, s)
    b = L.b(1)
    FILES.append(dict(name="06_textbook_exercise_stride2.tex", layer=L, claims=[
        claim(17, 'O_{11}', 'Y', lambda: (1,1,1), [()],
              lambda: F(2,2)*X(1,1) + F(2,3)*X(1,2) + F(3,2)*X(2,1) + F(3,3)*X(2,2) + b),
        claim(22, 'O_{22}', 'Y', lambda: (1,2,2), [()],
              lambda: F(1,1)*X(2,2) + F(1,2)*X(2,3) + F(1,3)*X(2,4) + F(2,1)*X(3,2) + F(2,2)*X(3,3)
                      + F(2,3)*X(3,4) + F(3,1)*X(4,2) + F(3,2)*X(4,3) + F(3,3)*X(4,4) + b),
        claim(28, 'O_{13}', 'Y', lambda: (1,1,3), [()],
              lambda: F(2,1)*X(1,4) + F(2,2)*X(1,5) + F(2,3)*X(1,6) + F(3,1)*X(2,4) + F(3,2)*X(2,5) + F(3,3)*X(2,6) + b),
        claim(34, r'\frac{\partial \ell}{\partial F_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,3), R(1,3)),
              lambda p, q: sum(g(r,s)*x(2*r+p-3, 2*s+q-3) for r in R(1,3) for s in R(1,3))),
        claim(38, r'\partial_{F_{11}} \ell', 'dK', lambda: (1,1,1,1), [()],
              lambda: G(2,2)*X(2,2) + G(2,3)*X(2,4) + G(3,2)*X(4,2) + G(3,3)*X(4,4)),
        claim(39, r'\partial_{F_{22}} \ell', 'dK', lambda: (1,1,2,2), [()],
              lambda: sum(g(r,s)*x(2*r-1, 2*s-1) for r in R(1,3) for s in R(1,3))),
        claim(43, r'(\nabla_F \ell)_{pq}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,3), R(1,3)),
              lambda p, q: sum(g(r,s)*x(r+p-2, s+q-2) for r in R(1,3) for s in R(1,3))),
        claim(50, r'\frac{\partial \ell}{\partial b}', 'db', lambda: 1, [()],
              lambda: sum(g(r,s) for r in R(1,2) for s in R(1,2))),
        claim(56, r'(\nabla_X \ell)_{ij}', 'dX', lambda i, j: (1,i,j), grid(R(1,5), R(1,5)),
              lambda i, j: sum(g(r,s)*f(i-2*r+3, j-2*s+3) for r in R(1,3) for s in R(1,3))),
        claim(60, r'(\nabla_X \ell)_{22}', 'dX', lambda: (1,2,2), [()],
              lambda: G(1,1)*F(3,3) + G(1,2)*F(3,1) + G(2,1)*F(1,3) + G(2,2)*F(1,1)),
        claim(61, r'(\nabla_X \ell)_{13}', 'dX', lambda: (1,1,3), [()], lambda: G(1,2)*F(2,2)),
        claim(62, r'(\nabla_X \ell)_{42}', 'dX', lambda: (1,4,2), [()],
              lambda: G(2,1)*F(3,3) + G(2,2)*F(3,1) + G(3,1)*F(1,3)),
    ]))
_file06()

# ---------------------------------------------------------------- 07_obsidian_two_channels.md
def _file07():  # a function, so that each file's lambdas see its own layer
    L = Layer(3, 3, 2, 2, bias=True, C=2, M=2)
    x = L.x; X = L.X; k = L.k; K = L.Kx; d = L.g; D = L.G; b = L.b
    FILES.append(dict(name="07_obsidian_two_channels.md", layer=L, claims=[
        claim(12, 'y^{(1)}_{11}', 'Y', lambda: (1,1,1), [()],
              lambda: b(1) + sum(K(1,c,1,1)*X(c,1,1) + K(1,c,1,2)*X(c,1,2) + K(1,c,2,1)*X(c,2,1) + K(1,c,2,2)*X(c,2,2)
                                 for c in R(1,2))),
        claim(16, 'y^{(2)}_{12}', 'Y', lambda: (2,1,2), [()],
              lambda: K(2,1,1,1)*X(1,1,2) + K(2,1,1,2)*X(1,1,3) + K(2,1,2,1)*X(1,2,2) + K(2,1,2,2)*X(1,2,3)
                      + K(2,2,1,1)*X(2,1,2) + K(2,2,1,2)*X(2,1,3) + K(2,2,2,1)*X(2,2,2) + K(2,2,2,2)*X(2,2,3) + b(2)),
        claim(23, 'y^{(2)}_{rs}', 'Y', lambda r, s: (2,r,s), grid(R(1,2), R(1,2)),
              lambda r, s: b(2) + sum(k(2,1,p,q)*x(1,r+p-1,s+q-1) for p in R(1,2) for q in R(1,2))),
        claim(33, r'\frac{\partial L}{\partial k^{(1,2)}_{pq}}', 'dK', lambda p, q: (1,2,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(d(1,r,s)*x(2,r+p-1,s+q-1) for r in R(1,2) for s in R(1,2))),
        claim(35, r'\frac{\partial L}{\partial k^{(2,1)}_{12}}', 'dK', lambda: (2,1,1,2), [()],
              lambda: D(2,1,1)*X(1,1,2) + D(2,1,2)*X(1,1,3) + D(2,2,1)*X(1,2,2) + D(2,2,2)*X(1,2,3)),
        claim(37, r'\frac{\partial L}{\partial k^{(2,2)}_{21}}', 'dK', lambda: (2,2,2,1), [()],
              lambda: D(2,1,1)*X(1,2,1) + D(2,1,2)*X(1,2,2) + D(2,2,1)*X(1,3,1) + D(2,2,2)*X(1,3,2)),
        claim(44, r'\frac{\partial L}{\partial x^{(1)}_{22}}', 'dX', lambda: (1,2,2), [()],
              lambda: sum(D(m,1,1)*K(m,1,2,2) + D(m,1,2)*K(m,1,2,1) + D(m,2,1)*K(m,1,1,2) + D(m,2,2)*K(m,1,1,1)
                          for m in R(1,2))),
        claim(49, r'\frac{\partial L}{\partial x^{(2)}_{13}}', 'dX', lambda: (2,1,3), [()],
              lambda: D(1,1,2)*K(1,2,1,2)),
        claim(51, r'\frac{\partial L}{\partial x^{(c)}_{ij}}', 'dX', lambda c, i, j: (c,i,j), grid(R(1,2), R(1,3), R(1,3)),
              lambda c, i, j: sum(d(m,r,s)*k(m,c,i-r+1,j-s+1) for m in R(1,2) for r in R(1,2) for s in R(1,2))),
        claim(55, r'\frac{\partial L}{\partial b_m}', 'db', lambda m: m, grid(R(1,2)),
              lambda m: sum(d(m,r,s) for r in R(1,2) for s in R(1,2))),
        claim(59, r'\frac{\partial L}{\partial b_1}', 'db', lambda: 1, [()],
              lambda: sum(D(m,r,s) for m in R(1,2) for r in R(1,2) for s in R(1,2))),
    ]))
_file07()

# ---------------------------------------------------------------- 08_library_docs_matrix.md
def _file08():  # a function, so that each file's lambdas see its own layer
    L = Layer(3, 3, 2, 2, stride=(2, 2), pad=(1, 1))
    x = lambda i, j: L.x(1, i, j); X = lambda i, j: L.X(1, i, j)
    k = lambda p, q: L.k(1, 1, p, q); K = lambda p, q: L.Kx(1, 1, p, q)
    g = lambda r, s: L.g(1, r, s); G = lambda r, s: L.G(1, r, s)
    GK = lambda: [[G(2,2)*X(2,2), G(2,1)*X(2,1) + G(2,2)*X(2,3)],
                  [G(1,2)*X(1,2) + G(2,2)*X(3,2), G(1,1)*X(1,1) + G(1,2)*X(1,3) + G(2,1)*X(3,1) + G(2,2)*X(3,3)]]
    GKT = lambda: [[G(2,2)*X(2,2), G(1,2)*X(1,2) + G(2,2)*X(3,2)],
                   [G(2,1)*X(2,1) + G(2,2)*X(2,3), G(1,1)*X(1,1) + G(1,2)*X(1,3) + G(2,1)*X(3,1) + G(2,2)*X(3,3)]]
    GX = lambda: [[G(1,1)*K(2,2), G(1,2)*K(2,1), G(1,2)*K(2,2)],
                  [G(2,1)*K(1,2), G(2,2)*K(1,1), G(2,2)*K(1,2)],
                  [G(2,1)*K(2,2), G(2,2)*K(2,1), G(2,2)*K(2,2)]]
    GXF = lambda: [[G(1,1)*K(1,1), G(1,2)*K(1,2), G(1,2)*K(1,1)],
                   [G(2,1)*K(2,1), G(2,2)*K(2,2), G(2,2)*K(2,1)],
                   [G(2,1)*K(1,1), G(2,2)*K(1,2), G(2,2)*K(1,1)]]
    YM = lambda: [[K(2,2)*X(1,1), K(2,1)*X(1,2) + K(2,2)*X(1,3)],
                  [K(1,2)*X(2,1) + K(2,2)*X(3,1), K(1,1)*X(2,2) + K(1,2)*X(2,3) + K(2,1)*X(3,2) + K(2,2)*X(3,3)]]
    FILES.append(dict(name="08_library_docs_matrix.md", layer=L, claims=[
        claim(15, 'Y =', 'Y', lambda r, s: (1,r,s), grid(R(1,2), R(1,2)), lambda r, s: YM()[r-1][s-1]),
        claim(23, 'Y_{12}', 'Y', lambda: (1,1,2), [()], lambda: K(2,1)*X(1,1) + K(2,2)*X(1,2)),
        claim(34, r'\nabla_K L', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)), lambda p, q: GK()[p-1][q-1]),
        claim(42, r'\frac{\partial L}{\partial K_{pq}}', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)),
              lambda p, q: sum(g(r,s)*x(2*r+p-3, 2*s+q-3) for r in R(1,2) for s in R(1,2))),
        claim(44, r'\frac{\partial L}{\partial K_{22}}', 'dK', lambda: (1,1,2,2), [()],
              lambda: sum(g(r,s)*x(2*r-1, 2*s-1) for r in R(1,2) for s in R(1,2))),
        claim(48, r'\nabla_K L', 'dK', lambda p, q: (1,1,p,q), grid(R(1,2), R(1,2)), lambda p, q: GKT()[p-1][q-1]),
        claim(57, r'\nabla_X L', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,3)), lambda i, j: GX()[i-1][j-1]),
        claim(66, r'(\nabla_X L)_{23}', 'dX', lambda: (1,2,3), [()], lambda: G(2,2)*K(1,2)),
        claim(66, r'\frac{\partial L}{\partial X_{22}}', 'dX', lambda: (1,2,2), [()], lambda: G(2,2)*K(1,1)),
        claim(71, r'\nabla_X L', 'dX', lambda i, j: (1,i,j), grid(R(1,3), R(1,3)), lambda i, j: GXF()[i-1][j-1]),
    ]))
_file08()


# ================================================================ checking
def truth(L, kind, key):
    return {'Y': L.Y, 'dK': L.dK, 'dX': L.dX, 'db': L.db}[kind][key]

def verdict(L, c):
    failed = []
    for idx in c['rng']:
        t = truth(L, c['kind'], c['key'](*idx))
        if sp.expand(t - c['rhs'](*idx)) != 0:
            failed.append(idx)
    return ('right' if not failed else 'wrong'), failed

def parse_cli(cli):
    toks = cli.split(); o = dict(input=None, kernel=None, stride=[1, 1], padding=[0, 0], dilation=[1, 1],
                                 bias=False, in_channels=1, out_channels=1, names='x,k,y')
    def hw(v): a = [int(t) for t in v.split('x')]; return a * 2 if len(a) == 1 else a
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == '--bias': o['bias'] = True; i += 1; continue
        v = toks[i + 1]; i += 2
        if t in ('--input', '--kernel', '--stride', '--padding', '--dilation'): o[t[2:]] = hw(v)
        elif t == '--in-channels': o['in_channels'] = int(v)
        elif t == '--out-channels': o['out_channels'] = int(v)
        elif t == '--names': o['names'] = v
        else: raise SystemExit(f'unknown option {t}')
    o['input'] = o['input'] or [3, 3]; o['kernel'] = o['kernel'] or [2, 2]
    return o

def main():
    import os, sys, tomllib
    here = os.path.dirname(os.path.abspath(__file__))
    key = tomllib.load(open(os.path.join(here, 'key.toml'), 'rb'))
    kfiles = {f['name']: f for f in key['file']}
    problems = 0; tot_r = tot_w = 0
    def bad(msg):
        nonlocal problems; problems += 1; print('  MISMATCH:', msg)
    if set(kfiles) != {F['name'] for F in FILES}:
        bad(f"file sets differ: {sorted(set(kfiles) ^ {F['name'] for F in FILES})}")
    for F in FILES:
        L = F['layer']; name = F['name']
        lines = open(os.path.join(here, name), encoding='utf-8').read().split('\n')
        kf = kfiles.get(name)
        print(f'== {name}')
        if kf is None: continue
        # layer fields and cli
        lay = dict(input=[L.H, L.W], kernel=[L.kh, L.kw], stride=list(L.st), padding=list(L.pad),
                   dilation=list(L.dil), bias=L.bias, in_channels=L.C, out_channels=L.M)
        cli = parse_cli(kf['cli'])
        for f_, v in lay.items():
            if kf[f_] != v: bad(f'key field {f_} = {kf[f_]} but layer has {v}')
            if cli[f_] != v: bad(f'cli {f_} = {cli[f_]} but layer has {v}')
        if cli['names'] != kf['names']: bad(f"cli names {cli['names']} vs key names {kf['names']}")
        mine = []
        for c in F['claims']:
            v, failed = verdict(L, c)
            ln = lines[c['line'] - 1]
            if c['lhs'] not in ln: bad(f"line {c['line']} does not contain lhs {c['lhs']!r}: {ln[:80]!r}")
            mine.append((c['line'], c['lhs'], v))
            L.strict = True; v_strict, _ = verdict(L, c); L.strict = False
            relies = (v == 'right' and v_strict == 'wrong')
            kc = next((e for e in kf['claim'] if (e['line'], e['lhs']) == (c['line'], c['lhs'])), {})
            if bool(kc.get('zero_outside', False)) != relies:
                bad(f"line {c['line']} {c['lhs']}: zero_outside in key {kc.get('zero_outside', False)}, script says {relies}")
            print(f"  {c['line']:3d} {v:5s} {c['lhs']:45s} {'fails at ' + str(failed[:4]) if failed else ''}")
        theirs = [(c['line'], c['lhs'], c['verdict']) for c in kf['claim']]
        if mine != theirs:
            for a, b_ in itertools.zip_longest(mine, theirs):
                if a != b_: bad(f'script {a} vs key {b_}')
        nr = sum(v == 'right' for *_, v in mine); nw = len(mine) - nr
        if (kf['right'], kf['wrong']) != (nr, nw): bad(f"counts key {kf['right']}/{kf['wrong']} vs script {nr}/{nw}")
        for c in kf['claim']:
            if c['verdict'] == 'wrong' and not c.get('why'): bad(f"wrong claim line {c['line']} has no why")
        for d_ in kf.get('definitions', []) + kf.get('not_claims', []):
            frag = d_['text'].split(' (')[0].strip('$')[:20]
            if frag not in lines[d_['line'] - 1]: bad(f"line {d_['line']} lacks {frag!r}")
        tot_r += nr; tot_w += nw
        print(f'  right {nr}, wrong {nw}')
    print(f'TOTAL right {tot_r}, wrong {tot_w}; problems {problems}')
    sys.exit(1 if problems else 0)

if __name__ == '__main__':
    main()
