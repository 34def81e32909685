"""Independent check of key.toml for heldout11 (NumPy only; never imports symconv).

For each notes file the network is rebuilt in NumPy, every gradient the notes talk about is computed by
central differences at random points (relu pre-activations kept away from 0), and each keyed claim is
transcribed by hand from the notes (indices in comments are the notes' 1-based ones). A claim keyed
"right" must agree at every point (every side of a chain); one keyed "wrong" must disagree at some point.
It also checks that every line holding '=' inside math is keyed exactly once as a claim, definition or
not_claim (a line inside a display that starts with '=' continues the chain of the line before), and
that each claim's lhs occurs on its line.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(11_2026_12_06)
TRIALS = 25
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


def at(M, *idx):
    """1-based entry of M, 0 outside (the notes' zero-padding convention)."""
    z = [i - 1 for i in idx]
    if any(i < 0 or i >= n for i, n in zip(z, M.shape)):
        return 0.0
    return M[tuple(z)]


def corr2d(X, K, pad=0):
    """Single-channel cross-correlation with zero padding, stride 1 (sliding window on a padded copy)."""
    Xp = np.pad(X, pad)
    kh, kw = K.shape
    Ho, Wo = Xp.shape[0] - kh + 1, Xp.shape[1] - kw + 1
    return np.array([[np.sum(Xp[r:r + kh, s:s + kw] * K) for s in range(Wo)] for r in range(Ho)])


def relu(z):
    return np.maximum(z, 0.0)


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def softmax(z):
    e = np.exp(z - z.max())
    return e / e.sum()


def stack(*xs):
    return np.concatenate([np.ravel(np.asarray(x, dtype=float)) for x in xs])


def S(M):
    """1-based accessor: S(M)(i, j) = M_{ij} (0 outside)."""
    return lambda *idx: at(M, *idx)


# ---------------------------------------------------------------- 01: residual block, upstream G given
def point01():
    while True:
        X, K1, K2, G = RNG.normal(size=(4, 4)), RNG.normal(size=(3, 3)), RNG.normal(size=(3, 3)), RNG.normal(size=(4, 4))
        Z1 = corr2d(X, K1, 1)
        if np.abs(Z1).min() > 0.05:
            break
    A = relu(Z1)
    P = dict(X=X, K1=K1, K2=K2, G=G, Z1=Z1.copy(), A=A.copy())

    def L():
        return np.sum(P["G"] * (P["X"] + corr2d(relu(corr2d(P["X"], P["K1"], 1)), P["K2"], 1)))

    Z2 = corr2d(A, K2, 1)
    Av, Z1v, Z2v = A.copy(), Z1.copy(), Z2.copy()
    P.update(
        dX=num_grad(L, P["X"]), dK1=num_grad(L, P["K1"]), dK2=num_grad(L, P["K2"]),
        dZ2=num_grad(lambda: np.sum(G * (X + Z2v)), Z2v),
        dA=num_grad(lambda: np.sum(G * (X + corr2d(Av, K2, 1))), Av),
        dZ1=num_grad(lambda: np.sum(G * (X + corr2d(relu(Z1v), K2, 1))), Z1v),
    )
    return P


def claims01():
    R4, R3 = range(1, 5), range(1, 4)

    def grid(f, n=4):
        return np.array([[f(i, j) for j in range(1, n + 1)] for i in range(1, n + 1)])

    def c10(P):
        x, k = S(P["X"]), S(P["K1"])
        return grid(lambda i, j: sum(k(p, q) * x(i + p - 2, j + q - 2) for p in R3 for q in R3)), P["Z1"]

    def c22(P):
        g, a = S(P["G"]), S(P["A"])
        return grid(lambda p, q: sum(g(i, j) * a(i + p - 2, j + q - 2) for i in R4 for j in R4), 3), P["dK2"]

    def c26(P):
        g, a = S(P["G"]), S(P["A"])
        return sum(g(i, j) * a(i + 1, j + 1) for i in R4 for j in R4), P["dK2"][1, 1]

    def c27(P):
        g, a = S(P["G"]), S(P["A"])
        return sum(g(i, j) * a(i - 1, j - 1) for i in range(2, 5) for j in range(2, 5)), P["dK2"][0, 0]

    def dA_formula(P):
        g, k = S(P["G"]), S(P["K2"])
        return grid(lambda i, j: sum(g(i - p + 2, j - q + 2) * k(p, q) for p in R3 for q in R3))

    def c35(P):
        g, k = S(P["G"]), S(P["K2"])
        return g(1, 1) * k(2, 2) + g(1, 2) * k(2, 1) + g(2, 1) * k(1, 2) + g(2, 2) * k(1, 1), P["dA"][0, 0]

    def c36(P):
        g, k = S(P["G"]), S(P["K2"])
        return g(3, 3) * k(1, 1) + g(3, 4) * k(1, 2) + g(4, 3) * k(2, 1) + g(4, 4) * k(2, 2), P["dA"][3, 3]

    def c40(P):  # delta1_ij = dL/da_ij * da_ij/dz_ij = deltaA_ij 1[z_ij > 0]
        mask = (P["Z1"] > 0).astype(float)
        return stack(P["dA"] * mask, P["dA"] * mask), stack(P["dZ1"], P["dZ1"])

    def c42(P):
        return P["dA"] * (P["Z1"] > 0), P["dZ1"]

    def c46(P):
        d, x = S(P["dZ1"]), S(P["X"])
        gen = grid(lambda p, q: sum(d(i, j) * x(i + p - 2, j + q - 2) for i in R4 for j in R4), 3)
        k13 = sum(d(i, j) * x(i - 1, j + 1) for i in range(2, 5) for j in range(1, 4))
        return stack(gen, k13), stack(P["dK1"], P["dK1"][0, 2])

    def c50(P):
        g, d, k = S(P["G"]), S(P["dZ1"]), S(P["K1"])
        return grid(lambda i, j: g(i, j) + sum(d(i - p + 2, j - q + 2) * k(p, q) for p in R3 for q in R3)), P["dX"]

    def c54(P):
        d, k = S(P["dZ1"]), S(P["K1"])
        return d(1, 1) * k(2, 2) + d(1, 2) * k(2, 1) + d(2, 1) * k(1, 2) + d(2, 2) * k(1, 1), P["dX"][0, 0]

    return point01, {
        10: c10, 16: lambda P: (P["G"], P["dZ2"]), 22: c22, 26: c26, 27: c27,
        31: lambda P: (dA_formula(P), P["dA"]), 35: c35, 36: c36, 40: c40, 42: c42, 46: c46, 50: c50, 54: c54,
    }


# ---------------------------------------------------------------- 02: transposed conv 3x3, stride 2, 2x2 -> 5x5
def tconv(X, K):
    Y = np.zeros((5, 5))
    for i in range(2):
        for j in range(2):
            Y[2 * i:2 * i + 3, 2 * j:2 * j + 3] += X[i, j] * K
    return Y


def point02():
    P = dict(X=RNG.normal(size=(2, 2)), K=RNG.normal(size=(3, 3)), G=RNG.normal(size=(5, 5)))
    P["Y"] = tconv(P["X"], P["K"])

    def L():
        return np.sum(P["G"] * tconv(P["X"], P["K"]))

    P.update(dX=num_grad(L, P["X"]), dK=num_grad(L, P["K"]))
    return P


def claims02():
    R3 = range(1, 4)

    def c(f):
        return lambda P: f(S(P["X"]), S(P["K"]), S(P["G"]), S(P["Y"]), P)

    return point02, {
        15: c(lambda x, k, g, y, P: (x(1, 1) * k(1, 1), y(1, 1))),
        16: c(lambda x, k, g, y, P: (x(1, 1) * k(1, 3) + x(1, 2) * k(1, 1), y(1, 3))),
        17: c(lambda x, k, g, y, P: (x(1, 1) * k(2, 3) + x(1, 2) * k(2, 2), y(2, 3))),
        18: c(lambda x, k, g, y, P: (x(1, 1) * k(3, 3) + x(1, 2) * k(3, 1) + x(2, 1) * k(1, 3) + x(2, 2) * k(1, 1), y(3, 3))),
        19: c(lambda x, k, g, y, P: (x(2, 2) * k(3, 3), y(5, 5))),
        25: c(lambda x, k, g, y, P: (np.array([[sum(g(2 * i - 2 + p, 2 * j - 2 + q) * k(p, q) for p in R3 for q in R3)
                                                 for j in (1, 2)] for i in (1, 2)]), P["dX"])),
        30: c(lambda x, k, g, y, P: (sum(g(p, q + 2) * k(4 - p, 4 - q) for p in R3 for q in R3), P["dX"][0, 1])),
        34: c(lambda x, k, g, y, P: (g(3, 3) * k(1, 1) + g(3, 4) * k(1, 2) + g(3, 5) * k(1, 3) + g(4, 3) * k(2, 1)
                                     + g(4, 4) * k(2, 2) + g(4, 5) * k(2, 3) + g(5, 3) * k(3, 1) + g(5, 4) * k(3, 2)
                                     + g(5, 5) * k(3, 3), P["dX"][1, 1])),
        39: c(lambda x, k, g, y, P: (np.array([[sum(x(i, j) * g(2 * i - 2 + p, 2 * j - 2 + q) for i in (1, 2) for j in (1, 2))
                                                 for q in R3] for p in R3]), P["dK"])),
        42: c(lambda x, k, g, y, P: (x(1, 1) * g(1, 1) + x(1, 2) * g(1, 3) + x(2, 1) * g(3, 1) + x(2, 2) * g(3, 3), P["dK"][0, 0])),
        43: c(lambda x, k, g, y, P: (x(1, 1) * g(2, 2) + x(1, 2) * g(2, 3) + x(2, 1) * g(3, 2) + x(2, 2) * g(3, 3), P["dK"][1, 1])),
        44: c(lambda x, k, g, y, P: (x(1, 1) * g(3, 3) + x(1, 2) * g(3, 5) + x(2, 1) * g(5, 3) + x(2, 2) * g(5, 5), P["dK"][2, 2])),
    }


# ---------------------------------------------------------------- 03: depthwise conv, 2 channels, 2x2 kernels, bias
def dwconv(X, K, b):
    return np.stack([corr2d(X[c], K[c]) + b[c] for c in range(2)])


def point03():
    P = dict(X=RNG.normal(size=(2, 3, 3)), K=RNG.normal(size=(2, 2, 2)), b=RNG.normal(size=2), G=RNG.normal(size=(2, 2, 2)))
    P["Y"] = dwconv(P["X"], P["K"], P["b"])

    def L():
        return np.sum(P["G"] * dwconv(P["X"], P["K"], P["b"]))

    P.update(dX=num_grad(L, P["X"]), dK=num_grad(L, P["K"]), db=num_grad(L, P["b"]))
    return P


def claims03():
    R2 = (1, 2)

    def c(f):  # x(c, i, j), k(c, p, q), g(c, i, j), 1-based
        return lambda P: f(S(P["X"]), S(P["K"]), S(P["G"]), P)

    def y_gen(x, k, g, P):
        return np.array([[[sum(k(c, p, q) * x(c, i + p - 1, j + q - 1) for p in R2 for q in R2) + P["b"][c - 1]
                           for j in R2] for i in R2] for c in R2]), P["Y"]

    def dk_gen(x, k, g, P):
        return np.array([[[sum(g(c, i, j) * x(c, i + p - 1, j + q - 1) for i in R2 for j in R2)
                           for q in R2] for p in R2] for c in R2]), P["dK"]

    def dx_gen(x, k, g, P):  # the notes' sum over c' = 1, 2
        return np.array([[[sum(g(cc, i - p + 1, j - q + 1) * k(cc, p, q) for cc in R2 for p in R2 for q in R2)
                           for j in (1, 2, 3)] for i in (1, 2, 3)] for c in R2]), P["dX"]

    return point03, {
        10: c(y_gen),
        14: c(lambda x, k, g, P: (k(2, 1, 1) * x(2, 1, 2) + k(2, 1, 2) * x(2, 1, 3) + k(2, 2, 1) * x(2, 2, 2)
                                  + k(2, 2, 2) * x(2, 2, 3) + P["b"][1], P["Y"][1, 0, 1])),
        22: c(dk_gen),
        24: c(lambda x, k, g, P: (g(2, 1, 1) * x(2, 2, 1) + g(2, 1, 2) * x(2, 2, 2) + g(2, 2, 1) * x(2, 3, 1)
                                  + g(2, 2, 2) * x(2, 3, 2), P["dK"][1, 1, 0])),
        26: c(lambda x, k, g, P: (g(1, 1, 1) * x(1, 1, 1) + g(1, 1, 2) * x(1, 1, 2) + g(1, 2, 1) * x(1, 2, 1)
                                  + g(1, 2, 2) * x(1, 2, 2), P["dK"][0, 0, 1])),
        28: c(lambda x, k, g, P: (stack(P["G"].sum(axis=(1, 2)), g(2, 1, 1) + g(2, 1, 2) + g(2, 2, 1) + g(2, 2, 2)),
                                  stack(P["db"], P["db"][1]))),
        34: c(dx_gen),
        38: c(lambda x, k, g, P: (g(1, 1, 1) * k(1, 2, 2) + g(1, 1, 2) * k(1, 2, 1) + g(1, 2, 1) * k(1, 1, 2)
                                  + g(1, 2, 2) * k(1, 1, 1), P["dX"][0, 1, 1])),
        40: c(lambda x, k, g, P: (g(2, 1, 2) * k(2, 1, 2), P["dX"][1, 0, 2])),
        42: c(lambda x, k, g, P: (g(2, 2, 1) * k(2, 2, 1) + g(2, 2, 2) * k(2, 2, 2), P["dX"][1, 2, 1])),
    }


# ---------------------------------------------------------------- 04: batch of 2, dense 3 -> 2, MSE mean over 4 entries
def point04():
    P = dict(X=RNG.normal(size=(2, 3)), W=RNG.normal(size=(2, 3)), b=RNG.normal(size=2), T=RNG.normal(size=(2, 2)))

    def L():
        return np.mean((P["X"] @ P["W"].T + P["b"] - P["T"]) ** 2)

    P["Y"] = P["X"] @ P["W"].T + P["b"]
    Yv = P["Y"].copy()
    P.update(dW=num_grad(L, P["W"]), db=num_grad(L, P["b"]), dX=num_grad(L, P["X"]),
             dY=num_grad(lambda: np.mean((Yv - P["T"]) ** 2), Yv))
    return P


def claims04():
    N, K = 2, 2

    def c(f):  # 1-based y(n, k), t(n, k), x(n, j), w(k, j)
        return lambda P: f(S(P["Y"]), S(P["T"]), S(P["X"]), S(P["W"]), P)

    def c6(y, t, x, w, P):
        ent = np.array([[sum(x(n, j) * w(k, j) for j in (1, 2, 3)) + P["b"][k - 1] for k in (1, 2)] for n in (1, 2)])
        true = np.array([[P["X"][n] @ P["W"][k] + P["b"][k] for k in range(2)] for n in range(2)])
        return stack(P["X"] @ P["W"].T + np.outer(np.ones(2), P["b"]), ent), stack(true, true)

    def c22(y, t, x, w, P):
        gen = np.array([[sum(P["dY"][n - 1, k - 1] * x(n, j) for n in (1, 2)) for j in (1, 2, 3)] for k in (1, 2)])
        return stack(gen, P["dY"].T @ P["X"]), stack(P["dW"], P["dW"])

    return point04, {
        6: c(c6),
        14: c(lambda y, t, x, w, P: (stack(2 / (N * K) * (P["Y"] - P["T"]), 0.5 * (P["Y"] - P["T"])), stack(P["dY"], P["dY"]))),
        18: c(lambda y, t, x, w, P: (2 / N * (P["Y"] - P["T"]), P["dY"])),
        22: c(c22),
        26: c(lambda y, t, x, w, P: (0.5 * ((y(1, 2) - t(1, 2)) * x(1, 1) + (y(2, 2) - t(2, 2)) * x(2, 1)), P["dW"][1, 0])),
        28: c(lambda y, t, x, w, P: (0.5 * ((y(1, 1) - t(1, 1)) * x(1, 3) + (y(1, 2) - t(1, 2)) * x(2, 3)), P["dW"][0, 2])),
        32: c(lambda y, t, x, w, P: (stack(P["dY"].T @ np.ones(2), P["dY"][0] + P["dY"][1]), stack(P["db"], P["db"]))),
        34: c(lambda y, t, x, w, P: (0.5 * (y(1, 1) - t(1, 1) + y(2, 1) - t(2, 1)), P["db"][0])),
        38: c(lambda y, t, x, w, P: (stack(P["dY"][:, 1].sum() / N, 0.25 * (y(1, 2) - t(1, 2) + y(2, 2) - t(2, 2))),
                                     stack(P["db"][1], P["db"][1]))),
        42: c(lambda y, t, x, w, P: (P["dY"] @ P["W"], P["dX"])),
        44: c(lambda y, t, x, w, P: (0.5 * ((y(2, 1) - t(2, 1)) * w(1, 3) + (y(2, 2) - t(2, 2)) * w(2, 3)), P["dX"][1, 2])),
    }


# ---------------------------------------------------------------- 05: dense 3 -> 2, tanh, half SSE; differentials
def point05():
    P = dict(x=RNG.normal(size=3), W=RNG.normal(size=(2, 3)), b=RNG.normal(size=2), t=RNG.normal(size=2))
    D = dict(x=RNG.normal(size=3), W=RNG.normal(size=(2, 3)), b=RNG.normal(size=2))  # a direction (dx, dW, db)

    def fwd(x, W, b):
        z = W @ x + b
        a = np.tanh(z)
        return z, a, 0.5 * np.sum((a - P["t"]) ** 2)

    def along(k):  # directional derivative of output k of fwd along D
        hp = fwd(P["x"] + H * D["x"], P["W"] + H * D["W"], P["b"] + H * D["b"])[k]
        hm = fwd(P["x"] - H * D["x"], P["W"] - H * D["W"], P["b"] - H * D["b"])[k]
        return (np.asarray(hp) - np.asarray(hm)) / (2 * H)

    z, a, _ = fwd(P["x"], P["W"], P["b"])
    zv = z.copy()
    P.update(z=z, a=a, D=D, dz_dir=along(0), da_dir=along(1), dL_dir=along(2),
             dW=num_grad(lambda: fwd(P["x"], P["W"], P["b"])[2], P["W"]),
             db=num_grad(lambda: fwd(P["x"], P["W"], P["b"])[2], P["b"]),
             dx=num_grad(lambda: fwd(P["x"], P["W"], P["b"])[2], P["x"]),
             dz=num_grad(lambda: 0.5 * np.sum((np.tanh(zv) - P["t"]) ** 2), zv))
    P["e"] = a - P["t"]
    P["delta"] = P["e"] * (1 - a * a)  # the notes' definition on line 23
    return P


def claims05():
    def c25(P):
        d, D = P["delta"], P["D"]
        return (stack(d @ P["dz_dir"], d @ D["W"] @ P["x"] + d @ P["W"] @ D["x"] + d @ D["b"]),
                stack(P["dL_dir"], P["dL_dir"]))

    def c33(P):
        d, D, x = P["delta"], P["D"], P["x"]
        s1 = d @ D["W"] @ x
        s2 = np.trace(d[None, :] @ D["W"] @ x[:, None])
        s3 = np.trace(np.outer(x, d) @ D["W"])
        true = np.sum(P["dW"] * D["W"])  # the dW part of dL
        return stack(s1, s2, s3), stack(true, true, true)

    return point05, {
        19: lambda P: (P["e"] @ P["da_dir"], P["dL_dir"]),
        20: lambda P: ((1 - P["a"] * P["a"]) * P["dz_dir"], P["da_dir"]),
        21: lambda P: (P["D"]["W"] @ P["x"] + P["W"] @ P["D"]["x"] + P["D"]["b"], P["dz_dir"]),
        25: c25,
        29: lambda P: ((P["a"][1] - P["t"][1]) * (1 - P["a"][1]) ** 2, P["dz"][1]),
        33: c33,
        37: lambda P: (np.outer(P["x"], P["delta"]), P["dW"]),
        41: lambda P: (stack(np.outer(P["delta"], P["x"]), np.outer(P["e"] * (1 - P["a"] ** 2), P["x"])), stack(P["dW"], P["dW"])),
        42: lambda P: ((P["a"][1] - P["t"][1]) * (1 - P["a"][1] ** 2) * P["x"][2], P["dW"][1, 2]),
        46: lambda P: (stack(P["delta"], P["W"].T @ P["delta"]), stack(P["db"], P["dx"])),
        50: lambda P: (P["W"][0, 0] * P["delta"][0] + P["W"][0, 1] * P["delta"][1], P["dx"][0]),
    }


# ---------------------------------------------------------------- 06: dense 3 -> 3 logits, softmax CE, class y = 2
def point06():
    P = dict(x=RNG.normal(size=3), W=RNG.normal(size=(3, 3)), b=RNG.normal(size=3))
    y = 1  # 0-based index of the notes' class 2
    t = np.eye(3)[y]

    def ce(z):
        e = np.exp(z)
        return -np.log(e[y] / e.sum())

    def L():
        return ce(P["W"] @ P["x"] + P["b"])

    z = P["W"] @ P["x"] + P["b"]
    zv, zl, zn = z.copy(), z.copy(), z.copy()
    P.update(t=t, y=y, z=z, p=softmax(z), L=L(),
             dW=num_grad(L, P["W"]), db=num_grad(L, P["b"]), dx=num_grad(L, P["x"]), dz=num_grad(lambda: ce(zv), zv),
             dlse=num_grad(lambda: np.log(np.sum(np.exp(zl))), zl), dnegzy=num_grad(lambda: -zn[y], zn))
    return P


def claims06():
    def c8(P):
        z, y = P["z"], P["y"]
        return stack(-np.log(np.exp(z[y]) / np.exp(z).sum()), -z[y] + np.log(np.exp(z).sum())), stack(P["L"], P["L"])

    def c12(P):
        z = P["z"]
        m = z.max()
        return m + np.log(np.sum(np.exp(z - m))), np.log(np.sum(np.exp(z)))

    return point06, {
        8: c8,
        12: c12,
        16: lambda P: (-P["t"], P["dnegzy"]),
        18: lambda P: (stack(np.exp(P["z"]) / np.exp(P["z"]).sum(), P["p"]), stack(P["dlse"], P["dlse"])),
        22: lambda P: (stack(P["p"] - P["t"], P["p"] - P["t"]), stack(P["dz"], P["dz"])),
        26: lambda P: (stack(P["p"][0], np.exp(P["z"][0]) / np.exp(P["z"]).sum()), stack(P["dz"][0], P["dz"][0])),
        28: lambda P: (1 - P["p"][1], P["dz"][1]),
        30: lambda P: (stack(P["p"].sum() - 1, 0.0), stack(P["dz"].sum(), P["dz"].sum())),
        36: lambda P: (stack(np.outer(P["p"] - P["t"], P["x"]), np.outer(P["p"] - P["t"], P["x"])), stack(P["dW"], P["dW"])),
        38: lambda P: ((P["p"][1] - 1) * P["x"][0], P["dW"][1, 0]),
        40: lambda P: (P["p"][2] * P["x"][2], P["dW"][2, 1]),
        42: lambda P: (P["p"] - P["t"], P["db"]),
        46: lambda P: (P["W"] @ (P["p"] - P["t"]), P["dx"]),
        48: lambda P: (sum(P["W"][k, 2] * (P["p"][k] - P["t"][k]) for k in range(3)), P["dx"][2]),
    }


# ---------------------------------------------------------------- 07: conv 3x3 (2 maps, bias) on 5x5 -> GAP -> dense 2 -> softmax CE
def point07():
    P = dict(X=RNG.normal(size=(5, 5)), K=RNG.normal(size=(2, 3, 3)), c=RNG.normal(size=2),
             U=RNG.normal(size=(2, 2)), d=RNG.normal(size=2))
    cls = int(RNG.integers(2))
    t = np.eye(2)[cls]

    def conv(X, K, c):
        return np.stack([corr2d(X, K[m]) + c[m] for m in range(2)])

    def head(s):
        return -np.log(softmax(s)[cls])

    def L():
        g = conv(P["X"], P["K"], P["c"]).mean(axis=(1, 2))
        return head(P["U"] @ g + P["d"])

    Y = conv(P["X"], P["K"], P["c"])
    g = Y.mean(axis=(1, 2))
    s = P["U"] @ g + P["d"]
    Yv, gv, sv = Y.copy(), g.copy(), s.copy()
    P.update(t=t, Y=Y, g=g, p=softmax(s),
             dK=num_grad(L, P["K"]), dc=num_grad(L, P["c"]), dU=num_grad(L, P["U"]),
             dY=num_grad(lambda: head(P["U"] @ Yv.mean(axis=(1, 2)) + P["d"]), Yv),
             dg=num_grad(lambda: head(P["U"] @ gv + P["d"]), gv), ds=num_grad(lambda: head(sv), sv))
    return P


def claims07():
    R3 = (1, 2, 3)

    def c7(P):
        x = S(P["X"])
        return np.array([[[sum(P["K"][m, p - 1, q - 1] * x(i + p - 1, j + q - 1) for p in R3 for q in R3) + P["c"][m]
                           for j in R3] for i in R3] for m in range(2)]), P["Y"]

    def c11(P):
        sums = np.array([sum(P["Y"][m, i, j] for i in range(3) for j in range(3)) for m in range(2)])
        return stack(sums / 9, sums / 9), stack(P["g"], P["g"])

    def c23(P):
        return (stack(np.outer(P["p"] - P["t"], P["g"]), (P["p"][1] - P["t"][1]) * P["g"][0]),
                stack(P["dU"], P["dU"][0, 1]))

    def c37(P):
        x = S(P["X"])
        side1 = np.array([[[sum(P["dY"][m, i - 1, j - 1] * x(i + p - 1, j + q - 1) for i in R3 for j in R3)
                            for q in R3] for p in R3] for m in range(2)])
        side2 = np.array([[[P["dg"][m] * sum(x(i + p - 1, j + q - 1) for i in R3 for j in R3)
                            for q in R3] for p in R3] for m in range(2)])
        return stack(side1, side2), stack(P["dK"], P["dK"])

    def c42(P):  # k^(2)_11: rows 1-3, columns 1-3 of X
        return P["dg"][1] / 9 * P["X"][0:3, 0:3].sum(), P["dK"][1, 0, 0]

    def c44(P):  # k^(1)_23: rows 2-4, columns 3-5 of X
        return P["dg"][0] / 9 * P["X"][1:4, 2:5].sum(), P["dK"][0, 1, 2]

    def c48(P):
        s = P["dY"].sum(axis=(1, 2))
        return stack(s, 9 * (1 / 9) * P["dg"], P["dg"]), stack(P["dc"], P["dc"], P["dc"])

    return point07, {
        7: c7, 11: c11,
        20: lambda P: (P["p"] - P["t"], P["ds"]),
        23: c23,
        26: lambda P: (P["U"].T @ (P["p"] - P["t"]), P["dg"]),
        29: lambda P: (P["U"][0, 0] * (P["p"][0] - P["t"][0]) + P["U"][0, 1] * (P["p"][1] - P["t"][1]), P["dg"][0]),
        33: lambda P: (stack(np.broadcast_to(P["dg"][:, None, None] / 9, (2, 3, 3)), np.broadcast_to(P["dg"][:, None, None] / 9, (2, 3, 3))),
                       stack(P["dY"], P["dY"])),
        37: c37, 42: c42, 44: c44, 48: c48,
    }


# ---------------------------------------------------------------- 08: 2-2-1, sigmoid hidden, linear output, half SE
def point08():
    P = dict(x=RNG.normal(size=2), W1=RNG.normal(size=(2, 2)), b1=RNG.normal(size=2), w2=RNG.normal(size=2),
             b2=RNG.normal(size=1), y=RNG.normal())

    def fwd(x, W1, b1, w2, b2):
        z1 = W1 @ x + b1
        h = sig(z1)
        return z1, h, w2 @ h + b2[0]

    def L():
        return 0.5 * (fwd(P["x"], P["W1"], P["b1"], P["w2"], P["b2"])[2] - P["y"]) ** 2

    z1, h, yh = fwd(P["x"], P["W1"], P["b1"], P["w2"], P["b2"])
    z1v, yhv = z1.copy(), np.array([yh])
    P.update(z1=z1, h=h, yh=yh,
             dW1=num_grad(L, P["W1"]), db1=num_grad(L, P["b1"]), dw2=num_grad(L, P["w2"]), db2=num_grad(L, P["b2"]),
             dx=num_grad(L, P["x"]),
             dyh=num_grad(lambda: 0.5 * (yhv[0] - P["y"]) ** 2, yhv),
             dz1=num_grad(lambda: 0.5 * (P["w2"] @ sig(z1v) + P["b2"][0] - P["y"]) ** 2, z1v),
             dyh_dw2=num_grad(lambda: fwd(P["x"], P["W1"], P["b1"], P["w2"], P["b2"])[2], P["w2"]))
    return P


def claims08():
    def delta(P):  # the notes' delta^(1) = dL/dz^(1), the true one
        return P["dz1"]

    return point08, {
        9: lambda P: (P["yh"] - P["y"], P["dyh"][0]),
        11: lambda P: ((P["yh"] - P["y"]) * P["yh"] * (1 - P["yh"]), P["db2"][0]),
        15: lambda P: (P["h"], P["dyh_dw2"]),
        16: lambda P: ((P["yh"] - P["y"]) * P["h"], P["dw2"]),
        21: lambda P: ((P["yh"] - P["y"]) * P["w2"] * P["h"] * (1 - P["h"]), P["dz1"]),
        23: lambda P: ((P["yh"] - P["y"]) * P["w2"] * P["h"] * (1 - P["h"]), P["dz1"]),
        28: lambda P: (stack(np.outer(delta(P), P["x"]), delta(P)), stack(P["dW1"], P["db1"])),
        30: lambda P: (delta(P)[1] * P["x"][0], P["dW1"][0, 1]),
        31: lambda P: ((P["yh"] - P["y"]) * P["w2"][1] * P["h"][1] * (1 - P["h"][1]) * P["x"][0], P["dW1"][1, 0]),
        36: lambda P: (delta(P)[0] * P["W1"][0, 0] + delta(P)[1] * P["W1"][1, 0], P["dx"][0]),
        37: lambda P: (delta(P)[0] * P["W1"][1, 0] + delta(P)[1] * P["W1"][1, 1], P["dx"][1]),
        38: lambda P: (P["W1"].T @ delta(P), P["dx"]),
    }


# ---------------------------------------------------------------- 09: conv 2x2 on 3x3, im2col, upstream G given
def im2col(X):
    Xc = np.empty((4, 4))
    for p in range(2):
        for q in range(2):
            for r in range(2):
                for s in range(2):
                    Xc[2 * p + q, 2 * r + s] = X[r + p, s + q]
    return Xc


def point09():
    P = dict(X=RNG.normal(size=(3, 3)), K=RNG.normal(size=(2, 2)), G=RNG.normal(size=(2, 2)))
    P["Xc"] = im2col(P["X"])
    P["Wc"] = P["K"].reshape(1, 4)
    P["dY"] = P["G"].reshape(1, 4)
    P["Y"] = corr2d(P["X"], P["K"])
    Xcv = P["Xc"].copy()

    def L():
        return np.sum(P["G"] * corr2d(P["X"], P["K"]))

    P.update(dX=num_grad(L, P["X"]), dK=num_grad(L, P["K"]),
             dXc=num_grad(lambda: np.sum(P["dY"] * (P["Wc"] @ Xcv)), Xcv))
    return P


def claims09():
    def c(f):
        return lambda P: f(S(P["X"]), S(P["K"]), S(P["G"]), S(P["dXc"]), P)

    def c42(x, k, g, dxc, P):  # col2im: each copy of x_ij adds its entry of dX_col
        out = np.zeros((3, 3))
        for p in range(2):
            for q in range(2):
                for r in range(2):
                    for s in range(2):
                        out[r + p, s + q] += P["dXc"][2 * p + q, 2 * r + s]
        return out, P["dX"]

    return point09, {
        19: lambda P: (P["Wc"] @ P["Xc"], P["Y"].reshape(1, 4)),
        21: c(lambda x, k, g, dxc, P: (k(1, 1) * x(1, 2) + k(1, 2) * x(1, 3) + k(2, 1) * x(2, 2) + k(2, 2) * x(2, 3), P["Y"][0, 1])),
        27: lambda P: (stack(P["dY"] @ P["Xc"].T, P["Wc"].T @ P["dY"]), stack(P["dK"], P["dXc"])),
        29: lambda P: (P["dY"] @ P["Xc"], P["dY"] @ P["Xc"].T),
        31: c(lambda x, k, g, dxc, P: (g(1, 1) * x(2, 1) + g(1, 2) * x(2, 2) + g(2, 1) * x(3, 1) + g(2, 2) * x(3, 2), P["dK"][1, 0])),
        34: c(lambda x, k, g, dxc, P: (g(1, 1) * x(1, 2) + g(1, 2) * x(2, 2) + g(2, 1) * x(1, 3) + g(2, 2) * x(2, 3), P["dK"][0, 1])),
        36: lambda P: (np.outer(P["Wc"][0], P["dY"][0]), P["dXc"]),
        38: c(lambda x, k, g, dxc, P: (k(2, 1) * g(1, 2), dxc(2, 3))),
        42: c(c42),
        45: c(lambda x, k, g, dxc, P: (stack(dxc(4, 1) + dxc(3, 2) + dxc(2, 3) + dxc(1, 4),
                                             k(2, 2) * g(1, 1) + k(2, 1) * g(1, 2) + k(1, 2) * g(2, 1) + k(1, 1) * g(2, 2)),
                                       stack(P["dX"][1, 1], P["dX"][1, 1]))),
        49: c(lambda x, k, g, dxc, P: (stack(dxc(2, 1), k(1, 2) * g(1, 1)), stack(P["dX"][0, 1], P["dX"][0, 1]))),
        52: c(lambda x, k, g, dxc, P: (stack(dxc(4, 4), k(2, 2) * g(2, 2)), stack(P["dX"][2, 2], P["dX"][2, 2]))),
    }


# ---------------------------------------------------------------- 10: nearest upsampling x2 (2x2 -> 4x4), conv 3x3 + bias
def point10():
    P = dict(X=RNG.normal(size=(2, 2)), K=RNG.normal(size=(3, 3)), b=RNG.normal(size=1), G=RNG.normal(size=(2, 2)))

    def up(X):
        return np.kron(X, np.ones((2, 2)))

    def L():
        return np.sum(P["G"] * (corr2d(up(P["X"]), P["K"]) + P["b"][0]))

    P["U"] = up(P["X"])
    P["Y"] = corr2d(P["U"], P["K"]) + P["b"][0]
    Uv = P["U"].copy()
    P.update(dX=num_grad(L, P["X"]), dK=num_grad(L, P["K"]), db=num_grad(L, P["b"]),
             dU=num_grad(lambda: np.sum(P["G"] * (corr2d(Uv, P["K"]) + P["b"][0])), Uv))
    return P


def claims10():
    R3, R2 = (1, 2, 3), (1, 2)

    def c(f):
        return lambda P: f(S(P["X"]), S(P["K"]), S(P["G"]), S(P["U"]), S(P["dU"]), P)

    def ceil2(i):
        return -(-i // 2)

    return point10, {
        8: c(lambda x, k, g, u, du, P: (np.array([[x(ceil2(i), ceil2(j)) for j in range(1, 5)] for i in range(1, 5)]), P["U"])),
        10: c(lambda x, k, g, u, du, P: (np.array([[sum(k(p, q) * u(r + p - 1, s + q - 1) for p in R3 for q in R3) + P["b"][0]
                                                    for s in R2] for r in R2]), P["Y"])),
        14: c(lambda x, k, g, u, du, P: (k(1, 1) * x(1, 1) + k(1, 2) * x(1, 1) + k(1, 3) * x(1, 2) + k(2, 1) * x(1, 1)
                                         + k(2, 2) * x(1, 1) + k(2, 3) * x(1, 2) + k(3, 1) * x(2, 1) + k(3, 2) * x(2, 1)
                                         + k(3, 3) * x(2, 2) + P["b"][0], P["Y"][0, 0])),
        18: c(lambda x, k, g, u, du, P: (np.array([[sum(g(r, s) * u(r + p - 1, s + q - 1) for r in R2 for s in R2)
                                                    for q in R3] for p in R3]), P["dK"])),
        20: c(lambda x, k, g, u, du, P: (g(1, 1) * x(1, 1) + g(1, 2) * x(1, 2) + g(2, 1) * x(2, 1) + g(2, 2) * x(2, 2), P["dK"][1, 1])),
        22: c(lambda x, k, g, u, du, P: (g(1, 1) * x(2, 1) + g(1, 2) * x(2, 1) + g(2, 1) * x(2, 1) + g(2, 2) * x(2, 1), P["dK"][2, 0])),
        24: c(lambda x, k, g, u, du, P: (g(1, 1) * x(1, 1) + g(1, 2) * x(1, 2) + g(2, 1) * x(1, 1) + g(2, 2) * x(1, 2), P["dK"][1, 0])),
        26: c(lambda x, k, g, u, du, P: (g(1, 1) + g(1, 2) + g(2, 1) + g(2, 2), P["db"][0])),
        30: c(lambda x, k, g, u, du, P: (np.array([[sum(g(i - p + 1, j - q + 1) * k(p, q) for p in R3 for q in R3)
                                                    for j in range(1, 5)] for i in range(1, 5)]), P["dU"])),
        32: c(lambda x, k, g, u, du, P: (stack(g(2, 2) * k(3, 3), g(1, 1) * k(1, 2) + g(1, 2) * k(1, 1)),
                                         stack(P["dU"][3, 3], P["dU"][0, 1]))),
        38: c(lambda x, k, g, u, du, P: (np.array([[sum(du(i, j) for i in range(2 * a - 1, 2 * a + 1) for j in range(2 * b - 1, 2 * b + 1))
                                                    for b in R2] for a in R2]), P["dX"])),
        40: c(lambda x, k, g, u, du, P: (stack(du(1, 1) + du(1, 2) + du(2, 1) + du(2, 2),
                                               g(1, 1) * (k(1, 1) + k(1, 2) + k(2, 1) + k(2, 2)) + g(1, 2) * (k(1, 1) + k(2, 1))
                                               + g(2, 1) * (k(1, 1) + k(1, 2)) + g(2, 2) * k(1, 1)),
                                         stack(P["dX"][0, 0], P["dX"][0, 0]))),
        42: c(lambda x, k, g, u, du, P: (du(1, 2) + du(1, 3) + du(2, 2) + du(2, 3), P["dX"][0, 1])),
        46: c(lambda x, k, g, u, du, P: (0.25 * (du(3, 3) + du(3, 4) + du(4, 3) + du(4, 4)), P["dX"][1, 1])),
    }


CHECKERS = {
    "01_resblock.md": claims01, "02_transposed.tex": claims02, "03_depthwise.md": claims03,
    "04_minibatch.md": claims04, "05_differentials.tex": claims05, "06_logsumexp.md": claims06,
    "07_gap.tex": claims07, "08_qa_sheet.md": claims08, "09_im2col.tex": claims09, "10_upsample.md": claims10,
}

ENVS = ("align*", "align", "equation*", "equation", "gather*", "gather")


def eq_lines_in_math(text, latex):
    """1-based numbers of the lines holding '=' inside math: $...$, $$...$$, \\(...\\), \\[...\\], and in
    LaTeX the align/equation/gather environments. Returns (lines, continuation lines starting with '=')."""
    found, cont, in_math = set(), set(), False
    for n, line in enumerate(text.split("\n"), 1):
        i = 0
        if in_math and line.strip().startswith(("=", "&=")):
            cont.add(n)
        while i < len(line):
            ch = line[i]
            if latex and ch == "%" and (i == 0 or line[i - 1] != "\\"):
                break
            if not in_math and not latex and ch == "`":
                j = line.find("`", i + 1)
                i = len(line) if j < 0 else j + 1
                continue
            if line.startswith("\\begin{", i):
                env = line[i + 7:line.find("}", i)]
                if env in ENVS:
                    in_math = True
                i += 7
                continue
            if line.startswith("\\end{", i):
                env = line[i + 5:line.find("}", i)]
                if env in ENVS:
                    in_math = False
                i += 5
                continue
            if ch == "\\" and i + 1 < len(line):
                nxt = line[i + 1]
                if nxt in "([":
                    in_math = True
                elif nxt in ")]":
                    in_math = False
                i += 2
                continue
            if ch == "$":
                i += 2 if line.startswith("$$", i) else 1
                in_math = not in_math
                continue
            if ch == "=" and in_math:
                found.add(n)
            i += 1
    if in_math:
        raise SystemExit("unbalanced math delimiters in notes")
    return found - cont, cont


def agree(claimed, true):
    a, b = np.asarray(claimed, dtype=float), np.asarray(true, dtype=float)
    if a.shape != b.shape:
        return False
    return bool(np.allclose(a, b, rtol=1e-5, atol=1e-6))


def nows(s):
    return re.sub(r"\s+", "", s)


def main():
    key = tomllib.loads((HERE / "key.toml").read_text(encoding="utf-8"))
    problems = []
    totals = [0, 0, 0]
    for f in key["file"]:
        name = f["name"]
        text = (HERE / name).read_text(encoding="utf-8")
        lines = text.split("\n")
        latex = name.endswith(".tex")
        net = f["cli"].split()[-1]
        if not (HERE / net).is_file():
            problems.append(f"{name}: network file {net} missing")
        first = f"% network: {net}" if latex else f"<!-- network: {net} -->"
        if lines[0] != first:
            problems.append(f"{name}: first line is not {first!r}")
        claim_lines = [c["line"] for c in f["claim"]]
        keyed = [d["line"] for d in f.get("definitions", [])] + [d["line"] for d in f.get("not_claims", [])] + claim_lines
        if len(keyed) != len(set(keyed)):
            problems.append(f"{name}: a line keyed twice")
        eq, cont = eq_lines_in_math(text, latex)
        if set(keyed) != eq:
            problems.append(f"{name}: keyed {sorted(set(keyed) - eq)} hold no '=' in math; unkeyed '=' lines {sorted(eq - set(keyed))}")
        for n in cont:  # a continuation line belongs to the chain keyed on the line before it that holds '='
            prev = max((m for m in eq if m < n), default=None)
            if prev not in claim_lines:
                problems.append(f"{name}:{n}: continuation line not after a keyed claim")
        point, C = CHECKERS[name]()
        if set(C) != set(claim_lines):
            problems.append(f"{name}: checker lines {sorted(C)} differ from keyed claims {sorted(claim_lines)}")
        points = [point() for _ in range(TRIALS)]
        n_wrong = 0
        for c in f["claim"]:
            ln = c["line"]
            if nows(c["lhs"]) not in nows(lines[ln - 1]):
                problems.append(f"{name}:{ln}: lhs {c['lhs']!r} not on that line")
            if ln not in C:
                continue
            ok = all(agree(*C[ln](P)) for P in points)
            verdict = "right" if ok else "wrong"
            n_wrong += verdict == "wrong"
            if verdict != c["verdict"]:
                problems.append(f"{name}:{ln}: key says {c['verdict']}, NumPy says {verdict}")
            if c["verdict"] == "wrong" and not c.get("why"):
                problems.append(f"{name}:{ln}: wrong claim without why")
        totals[0] += len(f["claim"])
        totals[2] += n_wrong
        print(f"{name}: {len(f['claim'])} claims, {n_wrong} wrong; '=' lines in math {sorted(eq)}"
              + (f", continuations {sorted(cont)}" if cont else ""))
    totals[1] = totals[0] - totals[2]
    print(f"total: {totals[0]} claims, {totals[1]} right, {totals[2]} wrong")
    for p in problems:
        print("PROBLEM:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
