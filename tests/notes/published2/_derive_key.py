"""Independent check of key.toml for tests/notes/published2 (NumPy only).

For every file it builds the layer or network the key's cli names, with random values, and
evaluates every claim of the notes: the left-hand side by finite differences (or by the forward
pass), each member of the right-hand side by explicit chain rule with the source's own
conventions. A claim is right when every member equals the left-hand side at every index it
covers. The script then checks key.toml: the same set of claim lines per file, the same verdicts,
the left-hand side on the claim's line (or, for a continuation line, on the line that starts the
chain), and that every definition / not-claim line exists. Prints counts per file; exit 0 when
everything agrees.
"""
import os
import re
import sys
import tomllib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261206)
TOL = 1e-6


def sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def dsig(z):
    s = sig(z)
    return s * (1 - s)


def fd(fun, x, eps=1e-6):
    """Central finite-difference gradient of the scalar fun() with respect to array x (in place)."""
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        fp = fun()
        x[i] = old - eps
        fm = fun()
        x[i] = old
        g[i] = (fp - fm) / (2 * eps)
    return g


def close(a, b, tol=TOL):
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-5, atol=tol)


def verdict(lhs, members, tol=TOL):
    """right iff every member equals lhs."""
    return all(close(lhs, m, tol) for m in members)


# ----------------------------------------------------------------------------------------------
# A small MLP with additive perturbation hooks on every z and a (for total derivatives).
class MLP:
    def __init__(self, sizes, acts, loss, bias=True):
        self.sizes, self.acts, self.loss = sizes, acts, loss
        self.W = [RNG.normal(size=(sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
        self.b = [RNG.normal(size=sizes[i + 1]) * (1.0 if bias else 0.0) for i in range(len(sizes) - 1)]
        self.x = RNG.normal(size=sizes[0])
        if loss == "ce":
            self.t = np.zeros(sizes[-1])
            self.t[RNG.integers(sizes[-1])] = 1.0
        else:
            self.t = RNG.normal(size=sizes[-1])
        n = len(sizes)
        self.dz = [np.zeros(s) for s in sizes]  # dz[i]: perturbation of z of layer i (i >= 1)
        self.da = [np.zeros(s) for s in sizes]  # da[i]: perturbation of a of layer i (a[0] = x)

    def act(self, k, z):
        return {"sig": sig, "id": lambda v: v}[self.acts[k]](z)

    def dact(self, k, z):
        return {"sig": dsig, "id": lambda v: np.ones_like(v)}[self.acts[k]](z)

    def forward(self):
        a = [self.x + self.da[0]]
        z = [None]
        for k in range(len(self.W)):
            zk = self.W[k] @ a[-1] + self.b[k] + self.dz[k + 1]
            z.append(zk)
            a.append(self.act(k, zk) + self.da[k + 1])
        out = a[-1]
        if self.loss == "half":
            C = 0.5 * np.sum((self.t - out) ** 2)
        elif self.loss == "ce":
            p = np.exp(out - out.max())
            p /= p.sum()
            C = -np.sum(self.t * np.log(p))
        return z, a, C

    def C(self):
        return self.forward()[2]

    def dC_dz(self, i):
        return fd(self.C, self.dz[i])

    def dC_da(self, i):
        return fd(self.C, self.da[i])

    def dC_dW(self, k):
        return fd(self.C, self.W[k])

    def dC_db(self, k):
        return fd(self.C, self.b[k])

    def jac(self, out_fn, var):
        """Jacobian d out_fn() / d var by finite differences: shape out x var."""
        cols = []
        flat = var.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + 1e-6
            fp = np.array(out_fn(), float).reshape(-1)
            flat[i] = old - 1e-6
            fm = np.array(out_fn(), float).reshape(-1)
            flat[i] = old
            cols.append((fp - fm) / 2e-6)
        return np.stack(cols, axis=1)


# ----------------------------------------------------------------------------------------------
def f01_nielsen():
    """Nielsen layers 1 (input), 2, 3 = L. Code index k: W[k] is w^{k+2}; z[i] is z^{i+1}."""
    n = MLP([2, 2, 2], ["sig", "sig"], "half")
    z, a, C = n.forward()
    z2, z3, a1, a2, a3 = z[1], z[2], a[0], a[1], a[2]
    d2, d3 = n.dC_dz(1), n.dC_dz(2)
    dCda3 = n.dC_da(2)
    w = {2: n.W[0], 3: n.W[1]}
    delta = {2: d2, 3: d3}
    act = {1: a1, 2: a2, 3: a3}
    zz = {2: z2, 3: z3}
    da3dz3 = n.jac(lambda: n.forward()[1][2], n.dz[2])
    dz3dz2 = n.jac(lambda: n.forward()[0][2], n.dz[1])
    r = {}
    r[28] = verdict(d3, [dCda3 * dsig(z3)])
    r[32] = verdict(dCda3, [a3 - n.t])
    r[36] = verdict(d3, [dCda3 * dsig(z3)])
    r[40] = verdict(d3, [(a3 - n.t) * dsig(z3)])
    r[44] = verdict(d2, [(w[3].T @ d3) * dsig(z2)])
    r[48] = all(verdict(n.dC_db(l - 2), [delta[l]]) for l in (2, 3))
    r[52] = all(verdict(n.dC_dW(l - 2), [np.outer(delta[l], act[l - 1])]) for l in (2, 3))
    r[57] = verdict(d3, [da3dz3.T @ dCda3])
    r[62] = verdict(d3, [dCda3 * np.diag(da3dz3)])
    r[66] = verdict(d2, [dz3dz2.T @ d3])
    r[67] = verdict(d2, [dz3dz2.T @ d3])
    r[71] = verdict(z3, [w[3] @ a2 + n.b[1], w[3] @ sig(z2) + n.b[1]])
    r[75] = verdict(dz3dz2, [w[3] * dsig(z2)[None, :]])
    r[79] = verdict(d2, [np.array([sum(w[3][k, j] * d3[k] * dsig(z2[j]) for k in range(2)) for j in range(2)])])
    return r


def f02_cs231n_circuit():
    """levels 0 (x), 1 (sigmoid), 2 = L (no activation, CE). W[l-1] is w^l; z[l], a[l]."""
    n = MLP([2, 3, 3], ["sig", "id"], "ce")
    z, a, C = n.forward()
    delta = {1: n.dC_dz(1), 2: n.dC_dz(2)}
    w = {1: n.W[0], 2: n.W[1]}
    r = {}
    r[21] = all(verdict(n.dC_db(l - 1), [delta[l]]) for l in (1, 2))
    # gradient at the multiply gate's output w_jk a_k: perturbing that summand moves z_j by the same
    r[23] = all(verdict(np.repeat(n.dC_dz(l)[:, None], n.sizes[l - 1], 1),
                        [np.repeat(delta[l][:, None], n.sizes[l - 1], 1)]) for l in (1, 2))
    r[25] = all(verdict(n.dC_dW(l - 1), [np.outer(delta[l], a[l - 1])]) for l in (1, 2))
    r[29] = all(verdict(n.dC_da(l - 1), [w[l].T @ delta[l]]) for l in (1, 2))
    r[33] = all(verdict(n.dC_da(l), [np.array([delta[l + 1] @ w[l + 1][:, j] for j in range(n.sizes[l])])])
                for l in (0, 1))
    r[37] = verdict(delta[1], [dsig(z[1]) * np.array([delta[2] @ w[2][:, j] for j in range(3)])])
    r[46] = verdict(delta[2], [n.dC_dz(2)])
    r[47] = r[37]
    r[48] = r[25]
    r[49] = r[21]
    return r


def f03_cs231n_sigmoid():
    w = np.array([2.0, -3.0, -3.0])
    x = np.array([-1.0, -2.0])

    def f():
        return sig(w[0] * x[0] + w[1] * x[1] + w[2])

    dot = w[0] * x[0] + w[1] * x[1] + w[2]
    fv = f()
    ddot_true = dsig(dot)
    gw, gx = fd(f, w), fd(f, x)
    r = {}
    xs = RNG.normal(size=5) * 2
    s = sig(xs)
    dsx = np.array([fd(lambda: sig(v[0]), v)[0] for v in [np.array([q]) for q in xs]])
    r[28] = verdict(dsx, [np.exp(-xs) / (1 + np.exp(-xs)) ** 2,
                          ((1 + np.exp(-xs) - 1) / (1 + np.exp(-xs))) * (1 / (1 + np.exp(-xs))),
                          (1 - s) * s])
    approx = lambda true, claimed, tol=0.005: abs(true - claimed) <= tol + 1e-12
    r[31] = approx((1 - 0.73) * 0.73, 0.2, 0.05)
    ddot = (1 - fv) * fv
    r[37] = verdict(ddot_true, [ddot_true, ddot])
    r[39] = verdict(gx, [gx, np.array([w[0] * ddot, w[1] * ddot])])
    r[41] = verdict(gw, [gw, np.array([x[0] * ddot, x[1] * ddot, 1.0 * ddot])])
    r[45] = (approx(w[0] * x[0], -2.00) and approx(w[1] * x[1], 6.00)
             and approx(w[0] * x[0] + w[1] * x[1], 4.00) and approx(dot, 1.00))
    r[47] = approx(np.exp(-dot), 0.37) and approx(1 + np.exp(-dot), 1.37) and approx(fv, 0.73)
    q = 1 + np.exp(-dot)  # f = 1/q
    r[49] = approx(-1 / q ** 2, -0.53)
    r[51] = approx(ddot_true, 0.20)
    r[53] = approx(gw[0], -0.20)
    r[55] = approx(gx[0], 0.39)
    r[57] = approx(gw[1], -0.39)
    r[59] = approx(gx[1], -0.59)
    r[61] = approx(gw[2], 0.20)
    return r


def f04_ufldl():
    """UFLDL layers 1 (x), 2 (s2 = 3), 3 = n_l (s3 = 2). W^{(l)} = n.W[l-1]; z^{(l)} = z[l-1]."""
    n = MLP([2, 3, 2], ["sig", "sig"], "half")
    z, a, C = n.forward()
    z2, z3, a1, a2, a3 = z[1], z[2], a[0], a[1], a[2]
    y = n.t
    W1, W2 = n.W
    d2, d3 = n.dC_dz(1), n.dC_dz(2)
    da3dz2 = n.jac(lambda: n.forward()[1][2], n.dz[1])  # d a3_j / d z2_i, shape 2 x 3
    dz3dz2 = n.jac(lambda: n.forward()[0][2], n.dz[1])
    r = {}
    r[19] = verdict(d3, [d3, -(y - a3) * dsig(z3)])
    r[23] = verdict(d2, [(W2.T @ d3) * dsig(z2)])
    r[28] = verdict(d2, [d2, d2, np.array([sum(-(y[j] - a3[j]) * da3dz2[j, i] for j in range(2)) for i in range(3)])])
    # line 29: (y_i - a_j)^2 inside the sum over j; y_i exists only for i = 1, 2
    m29 = np.array([sum(-(y[i] - a3[j]) * da3dz2[j, i] for j in range(2)) for i in range(2)])
    r[29] = verdict(d2[:2], [m29]) and False  # i = 3 has no y_3: the member is undefined there
    m30a = np.array([sum((y[j] - a3[j]) * da3dz2[j, i] for j in range(2)) for i in range(3)])
    m30b = np.array([sum((y[j] - sig(z3[j])) * dsig(z3[j]) * dz3dz2[j, i] for j in range(2)) for i in range(3)])
    r[30] = verdict(d2, [m30a, m30b])
    m31a = np.array([sum(d3[j] * dz3dz2[j, i] for j in range(2)) for i in range(3)])
    m31b = np.array([sum(d3[j] * W2[j, i] * dsig(z2[i]) for j in range(2)) for i in range(3)])
    r[31] = verdict(d2, [m31a, m31b])
    m32a = m31b
    s_nl_minus_1 = 3  # the last member's upper limit S_{n_l - 1} = s_2
    m32b_defined = s_nl_minus_1 <= W2.shape[0]  # W^{(2)}_{ji}, delta^{(3)}_j need j <= s_3 = 2
    r[32] = verdict(d2, [m32a]) and m32b_defined
    r[37] = r[23]
    r[44] = verdict(n.dC_dW(0), [np.outer(d2, a1)]) and verdict(n.dC_dW(1), [np.outer(d3, a2)])
    r[46] = verdict(n.dC_db(0), [d2]) and verdict(n.dC_db(1), [d3])
    r[50] = verdict(d3, [-(y - a3) * dsig(z3)])
    r[52] = r[23]
    r[54] = r[44]
    r[56] = r[46]
    r[60] = verdict(dsig(z2), [a2 * (1 - a2)]) and verdict(dsig(z3), [a3 * (1 - a3)])
    return r


# ----------------------------------------------------------------------------------------------
def corr_valid(x, k, stride=1):
    kh, kw = k.shape
    oh = (x.shape[0] - kh) // stride + 1
    ow = (x.shape[1] - kw) // stride + 1
    return np.array([[np.sum(x[i * stride:i * stride + kh, j * stride:j * stride + kw] * k)
                      for j in range(ow)] for i in range(oh)])


def f05_solai():
    X = RNG.normal(size=(3, 3))
    F = RNG.normal(size=(2, 2))
    G = RNG.normal(size=(2, 2))  # dL/dO; L = sum(G * O)
    O = lambda: corr_valid(X, F)
    L = lambda: np.sum(G * O())
    dF, dX = fd(L, F), fd(L, X)
    x = lambda i, j: X[i - 1, j - 1]
    f = lambda i, j: F[i - 1, j - 1]
    g = lambda i, j: G[i - 1, j - 1]
    Ov = O()
    r = {}
    r[11] = close(Ov[0, 0], x(1, 1) * f(1, 1) + x(1, 2) * f(1, 2) + x(2, 1) * f(2, 1) + x(2, 2) * f(2, 2))
    r[12] = close(Ov[0, 1], x(1, 2) * f(1, 1) + x(1, 3) * f(1, 2) + x(2, 2) * f(2, 1) + x(2, 3) * f(2, 2))
    r[13] = close(Ov[1, 0], x(2, 1) * f(1, 1) + x(2, 2) * f(1, 2) + x(3, 1) * f(2, 1) + x(3, 2) * f(2, 2))
    r[14] = close(Ov[1, 1], x(2, 2) * f(1, 1) + x(2, 3) * f(1, 2) + x(3, 2) * f(2, 1) + x(3, 3) * f(2, 2))
    JF = MLP.jac(None, lambda: O(), F)  # 4 x 4: d O_k / d F_i (row-major flattening)
    JX = MLP.jac(None, lambda: O(), X)  # 4 x 9
    r[22] = close(JF[0], [x(1, 1), x(1, 2), x(2, 1), x(2, 2)])
    r[26] = close(dF.reshape(-1), G.reshape(-1) @ JF)
    r[30] = close(dF[0, 0], g(1, 1) * x(1, 1) + g(1, 2) * x(1, 2) + g(2, 1) * x(2, 1) + g(2, 2) * x(2, 2))
    r[31] = close(dF[0, 1], g(1, 1) * x(1, 2) + g(1, 2) * x(1, 3) + g(2, 1) * x(2, 2) + g(2, 2) * x(2, 3))
    r[32] = close(dF[1, 0], g(1, 1) * x(2, 1) + g(1, 2) * x(2, 2) + g(2, 1) * x(3, 1) + g(2, 2) * x(3, 2))
    r[33] = close(dF[1, 1], g(1, 1) * x(2, 2) + g(1, 2) * x(2, 3) + g(2, 1) * x(3, 2) + g(2, 2) * x(3, 3))
    r[37] = close(dF, corr_valid(X, G))
    r[43] = close(JX[0][[0, 1, 3, 4]], [f(1, 1), f(1, 2), f(2, 1), f(2, 2)])
    r[47] = close(dX.reshape(-1), G.reshape(-1) @ JX)
    r[51] = close(dX[0, 0], g(1, 1) * f(1, 1))
    r[52] = close(dX[0, 1], g(1, 1) * f(1, 2) + g(1, 2) * f(1, 1))
    r[53] = close(dX[0, 2], g(1, 2) * f(1, 2))
    r[54] = close(dX[1, 0], g(1, 1) * f(2, 1) + g(2, 1) * f(1, 1))
    r[55] = close(dX[1, 1], g(1, 1) * f(2, 2) + g(1, 2) * f(2, 1) + g(2, 1) * f(1, 2) + g(2, 2) * f(1, 1))
    r[56] = close(dX[1, 2], g(1, 2) * f(2, 2) + g(2, 2) * f(1, 2))
    r[57] = close(dX[2, 0], g(2, 1) * f(2, 1))
    r[58] = close(dX[2, 1], g(2, 1) * f(2, 2) + g(2, 2) * f(2, 1))
    r[59] = close(dX[2, 2], g(2, 2) * f(2, 2))
    r[63] = close(dX, corr_valid(np.pad(G, 1), np.rot90(F, 2)))
    return r


def f06_wikipedia():
    """2-2-1 logistic, no biases. Neurons: inputs I = {0,1}, hidden H = {0,1}, output (one)."""
    n = MLP([2, 2, 1], ["sig", "sig"], "half", bias=False)
    z, a, C = n.forward()
    t = n.t[0]
    net = {1: z[1], 2: z[2]}
    o = {0: a[0], 1: a[1], 2: a[2]}
    dEdo = {1: n.dC_da(1), 2: n.dC_da(2)}
    dEdnet = {1: n.dC_dz(1), 2: n.dC_dz(2)}
    r = {}
    ok21 = ok25 = ok47 = ok51 = ok55 = ok59 = True
    eta = 0.37
    for layer in (1, 2):
        dW = n.dC_dW(layer - 1)
        Wl = n.W[layer - 1]
        for j in range(Wl.shape[0]):
            for i in range(Wl.shape[1]):
                lhs = dW[j, i]  # w_{ij}: from neuron i (previous layer) to neuron j
                do_dw = dsig(net[layer][j]) * o[layer - 1][i]
                ok21 &= verdict(lhs, [dEdo[layer][j] * do_dw, dEdo[layer][j] * dsig(net[layer][j]) * o[layer - 1][i]])
                # d net_j / d w_ij by finite differences of net_j alone
                dnet = fd(lambda: n.forward()[0][layer][j], Wl)[j, i]
                ok25 &= verdict(dnet, [o[layer - 1][i], o[layer - 1][i]])
                delta_j = dEdnet[layer][j]
                ok47 &= verdict(lhs, [o[layer - 1][i] * delta_j])
                ok59 &= verdict(-eta * lhs, [-eta * o[layer - 1][i] * delta_j])
    # delta_j cases (output neuron: layer 2; inner: layer 1)
    oj = o[2][0]
    ok51 &= verdict(dEdnet[2][0], [dEdo[2][0] * dsig(net[2][0]), (oj - t) * dsig(net[2][0])])
    ok55 &= verdict(dEdnet[2][0], [dEdo[2][0] * dsig(net[2][0]), (oj - t) * oj * (1 - oj)])
    W2 = n.W[1]
    for j in range(2):
        inner = sum(W2[l, j] * dEdnet[2][l] for l in range(1))
        ok51 &= verdict(dEdnet[1][j], [dEdo[1][j] * dsig(net[1][j]), inner * dsig(net[1][j])])
        ok55 &= verdict(dEdnet[1][j], [dEdo[1][j] * dsig(net[1][j]), inner * o[1][j] * (1 - o[1][j])])
    r[21], r[25], r[47], r[51], r[55], r[59] = ok21, ok25, ok47, ok51, ok55, ok59
    ok31 = ok35 = True
    for layer in (1, 2):
        for j in range(net[layer].size):
            local = fd(lambda: sig(n.forward()[0][layer][j] + 0.0), n.dz[layer])[j]
            ok31 &= verdict(local, [dsig(net[layer][j])])
            ok35 &= verdict(local, [dsig(net[layer][j]), sig(net[layer][j]) * (1 - sig(net[layer][j])),
                                    o[layer][j] * (1 - o[layer][j])])
    r[31], r[35] = ok31, ok35
    y = o[2][0]
    r[39] = verdict(dEdo[2][0], [dEdo[2][0], y - t, y - t])
    ok43 = True
    for j in range(2):
        m1 = sum(dEdnet[2][l] * W2[l, j] for l in range(1))
        m2 = sum(dEdo[2][l] * dsig(net[2][l]) * W2[l, j] for l in range(1))
        ok43 &= verdict(dEdo[1][j], [m1, m2, m2])
    r[43] = ok43
    return r


def f07_bendersky():
    W = RNG.normal(size=(3, 2))
    x = RNG.normal(size=2)
    a = W @ x

    def S_of(v):
        e = np.exp(v)
        return e / e.sum()

    S = S_of(a)
    J = MLP.jac(None, lambda: S_of(a), a)  # J[i, j] = dS_i / da_j
    Sig = np.exp(a).sum()
    e = np.exp(a)
    dh = MLP.jac(None, lambda: np.array([np.exp(a).sum()] * 3), a)  # h_i = Sigma for every i
    delta = np.eye(3)
    r = {}
    r[20] = close(J, J)
    r[24] = close(dh, np.tile(e, (3, 1)))
    diag = [i for i in range(3)]
    r[30] = all(close(J[i, i], (e[i] * Sig - e[i] * e[i]) / Sig ** 2) for i in diag)
    r[34] = all(close(J[i, i], (e[i] * Sig - e[i] * e[i]) / Sig ** 2) and close(J[i, i], e[i] / Sig * (Sig - e[i]) / Sig)
                and close(J[i, i], S[i] * (1 - S[i])) for i in diag)
    off = [(i, j) for i in range(3) for j in range(3) if i != j]
    r[40] = all(close(J[i, j], (0 - e[j] * e[i]) / Sig ** 2) and close(J[i, j], -e[j] / Sig * e[i] / Sig)
                and close(J[i, j], -S[j] * S[i]) for i, j in off)
    cases = np.array([[S[i] * (1 - S[j]) if i == j else -S[j] * S[i] for j in range(3)] for i in range(3)])
    r[44] = close(J, cases)
    r[52] = close(J, np.array([[S[i] * (delta[i, j] - S[j]) for j in range(3)] for i in range(3)]))
    r[59] = close(J, np.array([[S[i] * (float(i == j) - S[j]) for j in range(3)] for i in range(3)]))
    return r


def f08_parr_howard():
    N = 3
    # a batch with both active and inactive examples
    while True:
        X = RNG.normal(size=(N, 2))
        w = RNG.normal(size=2)
        b = RNG.normal()
        zz = X @ w + b
        if (zz > 0.2).any() and (zz < -0.2).any() and (np.abs(zz) > 0.2).all():
            break
    y = RNG.normal(size=N)
    bb = np.array([b])

    def C():
        return np.mean((y - np.maximum(0, X @ w + bb[0])) ** 2)

    gw, gb = fd(C, w), fd(C, bb)[0]
    act = (X @ w + b) > 0
    u = np.maximum(0, X @ w + b)
    v = y - u
    e = X @ w + b - y
    r = {}
    ok27 = ok31 = ok56 = ok60 = True
    for i in range(N):
        xi = X[i].copy()
        du = fd(lambda: max(0.0, w @ xi + bb[0]), w)
        ok27 &= close(du, xi if act[i] else np.zeros(2))
        dv = fd(lambda: y[i] - max(0.0, w @ xi + bb[0]), w)
        ok31 &= all(close(dv, m) for m in [-du, -du, xi * -1 if act[i] else np.zeros(2)])
        dub = fd(lambda: max(0.0, w @ xi + bb[0]), bb)[0]
        ok56 &= close(dub, 1.0 if act[i] else 0.0)
        dvb = fd(lambda: y[i] - max(0.0, w @ xi + bb[0]), bb)[0]
        ok60 &= all(close(dvb, m) for m in [-dub, -dub, -1.0 if act[i] else 0.0])
    r[27], r[31], r[56], r[60] = ok27, ok31, ok56, ok60
    dvdw = np.array([-X[i] if act[i] else np.zeros(2) for i in range(N)])
    dvdb = np.array([-1.0 if act[i] else 0.0 for i in range(N)])
    S = lambda terms: np.sum(terms, axis=0) / N
    case = lambda i, on: on if act[i] else np.zeros_like(np.asarray(on, float))
    members_w = {
        36: gw,  # d/dw of the mean itself
        37: S([fd(lambda i=i: (y[i] - max(0.0, w @ X[i] + bb[0])) ** 2, w) for i in range(N)]),
        38: S([2 * v[i] * dvdw[i] for i in range(N)]),
        39: S([2 * v[i] * dvdw[i] for i in range(N)]),
        40: S([case(i, -2 * v[i] * X[i]) for i in range(N)]),
        41: S([case(i, -2 * (y[i] - u[i]) * X[i]) for i in range(N)]),
        42: S([case(i, -2 * (y[i] - max(0, w @ X[i] + b)) * X[i]) for i in range(N)]),
        43: S([case(i, -2 * (y[i] - (w @ X[i] + b)) * X[i]) for i in range(N)]),
        44: -2 / N * np.sum([case(i, (y[i] - (w @ X[i] + b)) * X[i]) for i in range(N)], axis=0),
        45: 2 / N * np.sum([case(i, (w @ X[i] + b - y[i]) * X[i]) for i in range(N)], axis=0),
    }
    for ln, m in members_w.items():
        r[ln] = close(gw, m)
    r[50] = close(gw, 2 / N * np.sum([e[i] * X[i] for i in range(N) if act[i]], axis=0))
    members_b = {
        65: gb,
        66: S([fd(lambda i=i: (y[i] - max(0.0, w @ X[i] + bb[0])) ** 2, bb)[0] for i in range(N)]),
        67: S([2 * v[i] * dvdb[i] for i in range(N)]),
        68: S([2 * v[i] * dvdb[i] for i in range(N)]),
        69: S([case(i, -2 * v[i]) for i in range(N)]),
        70: S([case(i, -2 * (y[i] - max(0, w @ X[i] + b))) for i in range(N)]),
        71: S([case(i, 2 * (w @ X[i] + b - y[i])) for i in range(N)]),
        72: 2 / N * np.sum([case(i, w @ X[i] + b - y[i]) for i in range(N)]),
    }
    for ln, m in members_b.items():
        r[ln] = close(gb, m)
    r[77] = close(gb, 2 / N * sum(e[i] for i in range(N) if act[i]))
    return r


def f09_inada():
    A = RNG.normal(size=(4, 4))
    Wk = RNG.normal(size=(3, 3))
    G = RNG.normal(size=(2, 2))  # dL/dz
    Z = lambda: corr_valid(np.pad(A, 1), Wk, stride=2)
    L = lambda: np.sum(G * Z())
    dA, dW = fd(L, A), fd(L, Wk)
    Zv = Z()
    a = lambda i, j: A[i - 1, j - 1]
    w = lambda i, j: Wk[i - 1, j - 1]
    g = lambda i, j: G[i - 1, j - 1]
    JA = MLP.jac(None, Z, A)  # 4 x 16: dz_k / da (row-major)
    JW = MLP.jac(None, Z, Wk)  # 4 x 9
    ia = lambda i, j: (i - 1) * 4 + (j - 1)
    iw = lambda i, j: (i - 1) * 3 + (j - 1)
    chain_a = lambda i, j: G.reshape(-1) @ JA[:, ia(i, j)]
    chain_w = lambda i, j: G.reshape(-1) @ JW[:, iw(i, j)]
    r = {}
    r[20] = close(Zv[0, 0], a(1, 1) * w(2, 2) + a(1, 2) * w(2, 3) + a(2, 1) * w(3, 2) + a(2, 2) * w(3, 3))
    r[24] = close(Zv[0, 1], a(1, 2) * w(2, 1) + a(1, 3) * w(2, 2) + a(1, 4) * w(2, 3)
                  + a(2, 2) * w(3, 1) + a(2, 3) * w(3, 2) + a(2, 4) * w(3, 3))
    r[28] = close(Zv[1, 0], a(2, 1) * w(1, 2) + a(2, 2) * w(1, 3) + a(3, 1) * w(2, 2) + a(3, 2) * w(2, 3)
                  + a(4, 1) * w(3, 2) + a(4, 2) * w(3, 3))
    r[32] = close(Zv[1, 1], sum(a(i, j) * w(i - 1, j - 1) for i in (2, 3, 4) for j in (2, 3, 4)))
    r[41] = close(JA[0, ia(1, 1)], w(2, 2))
    r[47] = close(dA[0, 0], chain_a(1, 1))
    r[51] = close(dA[0, 0], g(1, 1) * w(2, 2))
    r[55] = close(dA[0, 0], g(1, 1) * w(2, 2))
    r[60] = close(dA[1, 1], chain_a(2, 2))
    r[64] = close(dA[1, 1], g(1, 1) * w(3, 3) + g(1, 2) * w(3, 1) + g(2, 1) * w(1, 3) + g(2, 2) * w(1, 1))
    r[69] = close(dA[3, 2], chain_a(4, 4))  # left side dL/da_43, right side the chain for a_44
    r[73] = close(dA[3, 2], g(2, 2) * w(3, 3))  # continues line 69's left side dL/da_43
    r[77] = close(dA[3, 3], g(2, 2) * w(3, 3))
    inter = np.zeros((4, 4))
    inter[0::2, 0::2] = G
    r[88] = close(dA, corr_valid(np.pad(inter, 1), np.flip(Wk)))
    r[95] = close(dW[0, 0], chain_w(1, 1))
    r[99] = close(dW[0, 0], g(2, 2) * a(2, 2))
    r[103] = close(dW[0, 0], g(2, 2) * a(2, 2))
    r[108] = close(dW[1, 0], chain_w(3, 1))  # left side dL/dw_21, right side the chain for w_31
    r[112] = close(dW[2, 0], g(1, 2) * a(2, 2) + g(2, 2) * a(4, 2))
    r[116] = r[112]
    r[121] = close(dW[1, 2], chain_w(3, 3))  # left side dL/dw_23, right side the chain for w_33
    r[125] = close(dW[2, 2], g(1, 1) * a(2, 2) + g(1, 2) * a(2, 4) + g(2, 1) * a(4, 2) + g(2, 2) * a(4, 4))
    r[132] = close(dW, corr_valid(np.pad(A, 1), inter))
    # sanity: the label slips are real differences, not coincidences
    assert not close(dA[3, 2], dA[3, 3]) and not close(dW[1, 0], dW[2, 0]) and not close(dW[1, 2], dW[2, 2])
    return r


EVAL = {
    "01_nielsen_bp.tex": f01_nielsen,
    "02_cs231n_circuit.md": f02_cs231n_circuit,
    "03_cs231n_sigmoid_neuron.md": f03_cs231n_sigmoid,
    "04_ufldl_cn_backprop.md": f04_ufldl,
    "05_solai_conv.md": f05_solai,
    "06_wikipedia_backprop.md": f06_wikipedia,
    "07_bendersky_softmax.md": f07_bendersky,
    "08_parr_howard_loss.md": f08_parr_howard,
    "09_inada_conv_stride2.md": f09_inada,
}


def norm(s):
    return re.sub(r"\s+", "", s)


def is_continuation(line):
    s = line.strip()
    return bool(re.match(r"^(&\s*=|=|:\s*\$?\s*=|\\phantom\{.*\}\s*&\s*=|&\s*=\s*&)", s)) or s.startswith("& = &")


SKIP = ("", "\\end{equation}", "\\begin{equation}")


def lhs_found(lines, ln, lhs):
    """lhs on line ln, or on the line that starts the chain ln continues."""
    k = ln
    while k >= 1:
        text = lines[k - 1]
        if norm(lhs) in norm(text):
            return True
        if not is_continuation(text):
            return False
        k -= 1
        while k >= 1 and lines[k - 1].strip() in SKIP:
            k -= 1
    return False


def main():
    with open(os.path.join(HERE, "key.toml"), "rb") as fh:
        key = tomllib.load(fh)
    problems = []
    names = [f["name"] for f in key["file"]]
    if sorted(names) != sorted(EVAL):
        problems.append(f"files in key {sorted(names)} != evaluated {sorted(EVAL)}")
    for entry in key["file"]:
        name = entry["name"]
        path = os.path.join(HERE, name)
        lines = open(path, encoding="utf-8").read().split("\n")
        cli = entry["cli"]
        m = re.search(r"--network (\S+)", cli)
        if m:
            with open(os.path.join(HERE, m.group(1)), "rb") as fh:
                tomllib.load(fh)
        got = EVAL[name]()
        keyed = {c["line"]: c for c in entry["claim"]}
        if set(keyed) != set(got):
            problems.append(f"{name}: key lines {sorted(set(keyed) ^ set(got))} differ from the evaluated claims")
        right = wrong = 0
        for ln, c in sorted(keyed.items()):
            v = got.get(ln)
            want = c["verdict"] == "right"
            if v is None:
                continue
            if bool(v) != want:
                problems.append(f"{name}:{ln}: key says {c['verdict']}, derivation says {'right' if v else 'wrong'}")
            if not lhs_found(lines, ln, c["lhs"]):
                problems.append(f"{name}:{ln}: lhs {c['lhs']!r} not found on the line or its chain head")
            right += want
            wrong += not want
        for kind in ("definitions", "not_claims"):
            for d in entry.get(kind, []):
                if not (1 <= d["line"] <= len(lines)) or not lines[d["line"] - 1].strip():
                    problems.append(f"{name}: {kind} line {d['line']} is empty or missing")
                if d["line"] in keyed:
                    problems.append(f"{name}: line {d['line']} is both a claim and in {kind}")
        print(f"{name:32s} claims {len(keyed):2d}  right {right:2d}  wrong {wrong:2d}")
    if problems:
        print("\n".join(problems))
        return 1
    print("all verdicts and lines agree")
    return 0


if __name__ == "__main__":
    sys.exit(main())
