"""Independent check of key.toml for heldout10 (NumPy only; never imports symconv).

For every keyed claim, the student's formula is transcribed by hand below and compared with
central differences of the network's loss at random points (away from ties for max pooling).
A claim keyed "right" must agree at every point; one keyed "wrong" must disagree at some point.
It also checks that every line holding '=' inside math is keyed exactly once.
"""
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20261206)
TRIALS = 60
H = 1e-6


def num_grad(f, arr):
    """Central differences of scalar f() with respect to each entry of arr (modified in place)."""
    g = np.zeros_like(arr)
    for idx in np.ndindex(arr.shape):
        old = arr[idx]
        arr[idx] = old + H
        fp = f()
        arr[idx] = old - H
        fm = f()
        arr[idx] = old
        g[idx] = (fp - fm) / (2 * H)
    return g


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


# ---------------------------------------------------------------- 01: dense 3->2, sigmoid, half SSE
def point01():
    P = dict(x=RNG.normal(size=3), W=RNG.normal(size=(2, 3)), b=RNG.normal(size=2), t=RNG.normal(size=2))

    def loss():
        return 0.5 * np.sum((sig(P["W"] @ P["x"] + P["b"]) - P["t"]) ** 2)

    z = P["W"] @ P["x"] + P["b"]
    a = sig(z)
    zz = z.copy()
    aa = a.copy()
    T = dict(
        dW=num_grad(loss, P["W"]), db=num_grad(loss, P["b"]), dx=num_grad(loss, P["x"]),
        da=num_grad(lambda: 0.5 * np.sum((aa - P["t"]) ** 2), aa),
        dz=num_grad(lambda: 0.5 * np.sum((sig(zz) - P["t"]) ** 2), zz),
    )
    return P, a, T


def claims01():
    # each returns (claimed, true) at one random point; indices in comments are the notes' (1-based)
    C = {}
    C[10] = ("∂L/∂aₖ = aₖ − tₖ", lambda P, a, T: (a - P["t"], T["da"]))
    C[12] = ("δₖ = ∂L/∂zₖ =", lambda P, a, T: ((a - P["t"]) * a * (1 - a), T["dz"]))
    C[13] = ("δ = (a − t) ⊙ a ⊙ (1 − a)", lambda P, a, T: ((a - P["t"]) * a * (1 - a), T["dz"]))
    C[16] = ("∂L/∂wₖⱼ = δₖ · xⱼ", lambda P, a, T: (np.outer(T["dz"], P["x"]), T["dW"]))
    C[18] = ("∂L/∂w₁₂ =", lambda P, a, T: ((a[0] - P["t"][0]) * a[0] * (1 - a[0]) * P["x"][1], T["dW"][0, 1]))
    C[19] = ("∂L/∂w₂₃ =", lambda P, a, T: ((a[1] - P["t"][1]) * a[1] * (1 - a[1]) * P["x"][1], T["dW"][1, 2]))
    C[20] = ("∂L/∂W = δ xᵀ", lambda P, a, T: (np.outer(T["dz"], P["x"]), T["dW"]))
    C[23] = ("∂L/∂b₂ =", lambda P, a, T: ((a[1] - P["t"][1]) * (1 - a[1]), T["db"][1]))
    C[26] = ("∂L/∂x = Wᵀ δ", lambda P, a, T: (P["W"].T @ T["dz"], T["dx"]))
    C[27] = ("∂L/∂x₃ =", lambda P, a, T: (P["W"][0, 2] * T["dz"][0] + P["W"][1, 2] * T["dz"][1], T["dx"][2]))
    C[28] = ("∂L/∂x₁ =", lambda P, a, T: (P["W"][0, 0] * T["dz"][0] + P["W"][0, 1] * T["dz"][1], T["dx"][0]))
    return C, (lambda: point01()), (lambda pt, fn: fn(*pt))


# ---------------------------------------------------------------- 02: conv 2x2 on 3x3, bias, upstream g
def conv(X, K, b):
    Y = np.empty((2, 2))
    for r in range(2):
        for s in range(2):
            Y[r, s] = np.sum(K * X[r:r + 2, s:s + 2]) + b[0]
    return Y


def point02():
    P = dict(X=RNG.normal(size=(3, 3)), K=RNG.normal(size=(2, 2)), b=RNG.normal(size=1), g=RNG.normal(size=(2, 2)))

    def loss():
        return np.sum(P["g"] * conv(P["X"], P["K"], P["b"]))

    T = dict(dK=num_grad(loss, P["K"]), db=num_grad(loss, P["b"]), dX=num_grad(loss, P["X"]))
    return P, T


def claims02():
    def x(P, i, j):
        return P["X"][i - 1, j - 1]

    def k(P, p, q):
        return P["K"][p - 1, q - 1]

    def g(P, r, s):
        return P["g"][r - 1, s - 1]

    def dK_general(P):
        out = np.zeros((2, 2))
        for p in (1, 2):
            for q in (1, 2):
                out[p - 1, q - 1] = sum(g(P, r, s) * x(P, r + p - 1, s + q - 1) for r in (1, 2) for s in (1, 2))
        return out

    C = {}
    C[9] = (r"\partial k_{pq}} = \sum", lambda P, T: (dK_general(P), T["dK"]))
    C[10] = (r"\partial k_{11}} =", lambda P, T: (g(P,1,1)*x(P,1,1) + g(P,1,2)*x(P,1,2) + g(P,2,1)*x(P,2,1) + g(P,2,2)*x(P,2,2), T["dK"][0, 0]))
    C[11] = (r"\partial k_{21}} =", lambda P, T: (g(P,1,1)*x(P,2,1) + g(P,1,2)*x(P,2,2) + g(P,2,1)*x(P,3,1) + g(P,2,2)*x(P,3,2), T["dK"][1, 0]))
    C[12] = (r"\partial k_{12}} =", lambda P, T: (g(P,1,1)*x(P,1,2) + g(P,1,2)*x(P,1,3) + g(P,2,1)*x(P,2,2) + g(P,2,2)*x(P,3,3), T["dK"][0, 1]))
    C[13] = (r"\partial b} = \sum", lambda P, T: (P["g"].sum(), T["db"][0]))
    C[14] = (r"\partial x_{11}} = g_{11}k_{11}", lambda P, T: (g(P,1,1)*k(P,1,1), T["dX"][0, 0]))
    C[15] = (r"\partial x_{13}} = g_{12}k_{11}", lambda P, T: (g(P,1,2)*k(P,1,1), T["dX"][0, 2]))
    C[16] = (r"\partial x_{22}} =", lambda P, T: (g(P,1,1)*k(P,2,2) + g(P,1,2)*k(P,2,1) + g(P,2,1)*k(P,1,2) + g(P,2,2)*k(P,1,1), T["dX"][1, 1]))
    C[17] = (r"\partial x_{21}} =", lambda P, T: (g(P,1,1)*k(P,2,1) + g(P,2,1)*k(P,1,1), T["dX"][1, 0]))
    C[18] = (r"\partial x_{32}} =", lambda P, T: (g(P,2,1)*k(P,2,2) + g(P,2,2)*k(P,2,1), T["dX"][2, 1]))
    C[19] = (r"\partial x_{23}} =", lambda P, T: (g(P,1,2)*k(P,2,2) - g(P,2,2)*k(P,1,2), T["dX"][1, 2]))
    return C, (lambda: point02()), (lambda pt, fn: fn(*pt))


# ---------------------------------------------------------------- 03: max pool 2x2, stride 1, on 3x3
def pool(X):
    return np.array([[X[r:r + 2, s:s + 2].max() for s in range(2)] for r in range(2)])


def point03():
    while True:  # distinct values, at least 0.05 apart, so that no tie or switch change is within H
        X = RNG.normal(size=(3, 3))
        v = np.sort(X.ravel())
        if np.min(np.diff(v)) > 0.05:
            break
    P = dict(X=X, d=RNG.normal(size=(2, 2)))
    T = dict(dX=num_grad(lambda: np.sum(P["d"] * pool(P["X"])), P["X"]))
    return P, pool(X), T


def claims03():
    def ind(P, Y, i, j, r, s):  # 1[x_ij = y_rs]
        return float(P["X"][i - 1, j - 1] == Y[r - 1, s - 1])

    def d(P, r, s):
        return P["d"][r - 1, s - 1]

    def general(P, Y):
        return np.array([[sum(d(P, r, s) * ind(P, Y, i, j, r, s) for r in (1, 2) for s in (1, 2))
                          for j in (1, 2, 3)] for i in (1, 2, 3)])

    C = {}
    C[9] = (r"\partial x_{ij}} = \sum", lambda P, Y, T: (general(P, Y), T["dX"]))
    C[12] = (r"\partial x_{11}} =", lambda P, Y, T: (d(P,1,1)*ind(P,Y,1,1,1,1), T["dX"][0, 0]))
    C[13] = (r"\partial x_{13}} =", lambda P, Y, T: (d(P,1,2)*ind(P,Y,1,3,1,2), T["dX"][0, 2]))
    C[14] = (r"\partial x_{31}} = \delta_{12}", lambda P, Y, T: (d(P,1,2)*ind(P,Y,3,1,1,2), T["dX"][2, 0]))
    C[15] = (r"\partial x_{33}} =", lambda P, Y, T: (d(P,2,2)*ind(P,Y,3,3,2,2), T["dX"][2, 2]))
    C[18] = (r"\partial x_{12}} =", lambda P, Y, T: (d(P,1,1)*ind(P,Y,1,2,1,1) + d(P,1,2)*ind(P,Y,1,2,1,2), T["dX"][0, 1]))
    C[19] = (r"\partial x_{21}} =", lambda P, Y, T: (d(P,1,1)*ind(P,Y,2,1,1,1) + d(P,2,1)*ind(P,Y,2,1,2,1), T["dX"][1, 0]))
    C[20] = (r"\partial x_{23}} =", lambda P, Y, T: (d(P,1,2)*ind(P,Y,2,3,1,2), T["dX"][1, 2]))
    C[21] = (r"\partial x_{32}} =", lambda P, Y, T: (d(P,2,1)*ind(P,Y,3,2,2,1) + d(P,2,2)*ind(P,Y,3,2,2,1), T["dX"][2, 1]))
    C[24] = (r"\partial x_{22}} =", lambda P, Y, T: (sum(d(P,r,s)*ind(P,Y,2,2,r,s) for r in (1,2) for s in (1,2)), T["dX"][1, 1]))
    C[27] = (r"\sum_{i=1}^{3}\sum_{j=1}^{3} \frac{\partial L}{\partial x_{ij}} =", lambda P, Y, T: (T["dX"].sum(), P["d"].sum()))
    return C, (lambda: point03()), (lambda pt, fn: fn(*pt))


CHECKERS = {"01_unicode.md": claims01, "02_table.md": claims02, "03_overlap_pool.md": claims03}


def eq_lines_in_math(text):
    """1-based numbers of the lines holding '=' inside $...$ or $$...$$ (math may span lines)."""
    lines = text.split("\n")
    found, in_math = set(), False
    for n, line in enumerate(lines, 1):
        i = 0
        while i < len(line):
            if line[i] == "\\" and i + 1 < len(line):
                i += 2
                continue
            if line[i] == "$":
                i += 2 if line.startswith("$$", i) else 1
                in_math = not in_math
                continue
            if line[i] == "=" and in_math:
                found.add(n)
            i += 1
    if in_math:
        raise SystemExit("unbalanced $ in notes")
    return found


def main():
    key = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
    problems = []
    for f in key["file"]:
        name = f["name"]
        text = (HERE / name).read_text(encoding="utf-8")
        lines = text.split("\n")
        net = f["cli"].split()[-1]
        if not (HERE / net).is_file():
            problems.append(f"{name}: network file {net} missing")
        if lines[0] != f"<!-- network: {net} -->":
            problems.append(f"{name}: first line is not the network comment")
        keyed = [d["line"] for d in f.get("definitions", [])] + [d["line"] for d in f.get("not_claims", [])] \
            + [c["line"] for c in f["claim"]]
        if len(keyed) != len(set(keyed)):
            problems.append(f"{name}: a line keyed twice")
        eq = eq_lines_in_math(text)
        if set(keyed) != eq:
            problems.append(f"{name}: keyed {sorted(set(keyed) - eq)} hold no '=' in math; "
                            f"unkeyed '=' lines {sorted(eq - set(keyed))}")
        C, make_point, call = CHECKERS[name]()
        if set(C) != {c["line"] for c in f["claim"]}:
            problems.append(f"{name}: checker lines {sorted(C)} differ from keyed claims")
        points = [make_point() for _ in range(TRIALS)]
        n_wrong = 0
        for c in f["claim"]:
            ln = c["line"]
            if ln not in C:
                continue
            snippet, fn = C[ln]
            if snippet not in lines[ln - 1]:
                problems.append(f"{name}:{ln}: transcription snippet {snippet!r} not on that line")
            agree = all(np.allclose(*map(np.asarray, call(pt, fn)), rtol=1e-5, atol=1e-6) for pt in points)
            verdict = "right" if agree else "wrong"
            n_wrong += verdict == "wrong"
            if verdict != c["verdict"]:
                problems.append(f"{name}:{ln}: key says {c['verdict']}, NumPy says {verdict}")
            if c["verdict"] == "wrong" and not c.get("why"):
                problems.append(f"{name}:{ln}: wrong claim without why")
        print(f"{name}: {len(f['claim'])} claims, {n_wrong} wrong; '=' lines in math {sorted(eq)}")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
