#!/usr/bin/env python3
"""Independent check of key.toml for /work/newnotes/published3 (NumPy and plain SymPy only).

For every file it builds the network from its definition (plain NumPy loops, the source's own index
conventions), transcribes each keyed claim by hand, compares both sides at random points (and at the
source's own numbers where it works numbers out), and confirms the key's verdict: "right" when both sides
agree everywhere, "wrong" when they disagree somewhere.  Gradients on the left-hand sides are taken by
central finite differences of the forward pass, never from a derived formula.  It also checks that every
line holding an '=' inside math is listed in the key.  Exit 0 when everything agrees.
"""
import re
import sys
import tomllib
from pathlib import Path

import numpy as np
import sympy as sp

HERE = Path(__file__).resolve().parent
RNG = np.random.default_rng(20261206)
H = 1e-6
TOL = 1e-6


def sig(v):
    return 1.0 / (1.0 + np.exp(-v))


def dsig(v):
    s = sig(v)
    return s * (1 - s)


def fd(f, x0):
    """Central finite-difference gradient of scalar f at array x0 (same shape as x0)."""
    x0 = np.array(x0, dtype=float)
    g = np.zeros_like(x0)
    for idx in np.ndindex(x0.shape):
        xp = x0.copy(); xp[idx] += H
        xm = x0.copy(); xm[idx] -= H
        g[idx] = (f(xp) - f(xm)) / (2 * H)
    return g


def jac(f, x0):
    """Finite-difference Jacobian d f(x)[out] / d x[in], shape out.shape + in.shape."""
    x0 = np.array(x0, dtype=float)
    y0 = np.array(f(x0), dtype=float)
    J = np.zeros(y0.shape + x0.shape)
    for idx in np.ndindex(x0.shape):
        xp = x0.copy(); xp[idx] += H
        xm = x0.copy(); xm[idx] -= H
        J[(Ellipsis,) + idx] = (np.array(f(xp)) - np.array(f(xm))) / (2 * H)
    return J


def close(a, b, tol=TOL):
    a = np.asarray(a, dtype=float); b = np.asarray(b, dtype=float)
    return a.shape == b.shape and np.allclose(a, b, atol=tol, rtol=1e-5)


def same_printed(value, printed):
    """value rounds to the printed decimal (to its last digit)."""
    decimals = len(printed.split('.')[1]) if '.' in printed else 0
    return abs(value - float(printed)) <= 0.5 * 10 ** (-decimals) + 1e-12


class Results:
    def __init__(self):
        self.r = {}

    def add(self, line, equal):
        self.r.setdefault(line, []).append(bool(equal))


# ----------------------------------------------------------------------------------------------
# 01 Victor Zhou, intro to neural networks: 2-2-1 sigmoid network, MSE over Alice alone (y_true = 1)
# ----------------------------------------------------------------------------------------------
def file01():
    R = Results()
    fsym = sp.Symbol('x')
    f_expr = 1 / (1 + sp.exp(-fsym))
    fprime = sp.diff(f_expr, fsym)
    assert sp.simplify(fprime - sp.exp(-fsym) / (1 + sp.exp(-fsym)) ** 2) == 0
    assert sp.simplify(fprime - f_expr * (1 - f_expr)) == 0
    fp = sp.lambdify(fsym, fprime, 'numpy')
    f = sp.lambdify(fsym, f_expr, 'numpy')

    def net(p):
        w1, w2, w3, w4, w5, w6, b1, b2, b3, x1, x2 = p
        h1 = f(w1 * x1 + w2 * x2 + b1)
        h2 = f(w3 * x1 + w4 * x2 + b2)
        o1 = f(w5 * h1 + w6 * h2 + b3)
        return h1, h2, o1

    ytrue = 1.0  # Alice

    def loss(p):
        return np.mean((np.array([ytrue]) - np.array([net(p)[2]])) ** 2)  # MSE over n = 1 sample

    ok = {k: True for k in (18, 39, 43, 46, 59, 62, 72, 82, 90, 158)}
    for _ in range(8):
        p = RNG.normal(size=11) * 1.5
        w1, w2, w3, w4, w5, w6, b1, b2, b3, x1, x2 = p
        h1, h2, o1 = net(p)
        L = loss(p)
        ypred = o1
        dL_dy = fd(lambda y: (1 - y[0]) ** 2, [ypred])[0]
        dL_dw1 = fd(loss, p)[0]
        dy_dw1 = fd(lambda q: net(q)[2], p)[0]
        dy_dh1 = fd(lambda hh: f(w5 * hh[0] + w6 * h2 + b3), [h1])[0]
        dh1_dw1 = fd(lambda q: net(q)[0], p)[0]
        ok[18] &= close(L, (ytrue - ypred) ** 2) and close(L, (1 - ypred) ** 2)
        ok[39] &= close(dL_dw1, dL_dy * dy_dw1)
        ok[43] &= close(L, (1 - ypred) ** 2)
        ok[46] &= close(dL_dy, -2 * (1 - ypred))
        ok[59] &= close(dy_dw1, dy_dh1 * dh1_dw1)
        ok[62] &= close(dy_dh1, w5 * fp(w5 * h1 + w6 * h2 + b3))
        ok[72] &= close(dh1_dw1, x1 * fp(w1 * x1 + w2 * x2 + b1))
        xx = RNG.normal() * 3
        ok[82] &= close(fp(xx), np.exp(-xx) / (1 + np.exp(-xx)) ** 2) and close(fp(xx), f(xx) * (1 - f(xx)))
        ok[90] &= close(dL_dw1, dL_dy * dy_dh1 * dh1_dw1)
        ok[158] &= close(fp(xx), f(xx) * (1 - f(xx)))
    for k, v in ok.items():
        R.add(k, v)

    # worked numbers: all weights 1, biases 0, Alice x = (-2, -1)
    p = np.array([1, 1, 1, 1, 1, 1, 0, 0, 0, -2, -1], dtype=float)
    w1, w2, w3, w4, w5, w6, b1, b2, b3, x1, x2 = p
    h1, h2, o1 = net(p)
    R.add(107, close(h1, f(-2 + -1 + 0)) and same_printed(h1, '0.0474'))
    R.add(113, same_printed(h2, '0.0474'))
    R.add(117, close(o1, f(w5 * h1 + w6 * h2 + b3)) and abs(f(0.0474 + 0.0474 + 0) - o1) < 1e-4
          and same_printed(f(0.0474 + 0.0474), '0.524') and same_printed(o1, '0.524'))
    R.add(123, same_printed(o1, '0.524'))
    dL_dy = fd(lambda y: (1 - y[0]) ** 2, [o1])[0]
    dy_dh1 = fd(lambda hh: f(w5 * hh[0] + w6 * h2 + b3), [h1])[0]
    dh1_dw1 = fd(lambda q: net(q)[0], p)[0]
    dL_dw1 = fd(loss, p)[0]
    R.add(126, close(dL_dw1, dL_dy * dy_dh1 * dh1_dw1))
    # a row worked from rounded numbers: exact to the rounding of the numbers it is worked from
    R.add(130, close(dL_dy, -2 * (1 - o1)) and same_printed(-2 * (1 - 0.524), '-0.952')
          and abs(dL_dy - (-0.952)) < 2 * 0.0005 + 1e-9)
    R.add(137, close(dy_dh1, w5 * fp(w5 * h1 + w6 * h2 + b3))
          and abs(1 * fp(0.0474 + 0.0474 + 0) - dy_dh1) < 1e-4
          and close(fp(0.0948), f(0.0948) * (1 - f(0.0948))) and same_printed(dy_dh1, '0.249'))
    R.add(145, close(dh1_dw1, x1 * fp(w1 * x1 + w2 * x2 + b1)) and close(-2 * fp(-2 + -1 + 0), dh1_dw1)
          and close(-2 * f(-3) * (1 - f(-3)), dh1_dw1) and same_printed(dh1_dw1, '-0.0904'))
    R.add(153, same_printed(-0.952 * 0.249 * -0.0904, '0.0214') and abs(dL_dw1 - 0.0214) < 1e-4
          and abs(dL_dw1 - (-0.952 * 0.249 * -0.0904)) < 1e-4)
    return R


# ----------------------------------------------------------------------------------------------
# 02 Victor Zhou, CNNs part 2: conv 3x3 (valid, 0-based, no bias), maxpool 2, dense + softmax, CE
# ----------------------------------------------------------------------------------------------
def conv_valid_corr(img, filt):
    """out(i, j) = sum_x sum_y img(i + x, j + y) filt(x, y), 0-based, x, y over the filter."""
    Hh, Ww = img.shape
    kh, kw = filt.shape
    out = np.zeros((Hh - kh + 1, Ww - kw + 1))
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            s = 0.0
            for x in range(kh):
                for y in range(kw):
                    s += img[i + x, j + y] * filt[x, y]
            out[i, j] = s
    return out


def maxpool2(a):
    Hh, Ww = a.shape
    return np.array([[a[2 * i:2 * i + 2, 2 * j:2 * j + 2].max() for j in range(Ww // 2)] for i in range(Hh // 2)])


def file02():
    R = Results()
    NF, NC = 2, 3
    ok = {k: True for k in (20, 33, 41, 48, 58, 69, 91, 94, 97, 103, 107, 111, 136, 143)}
    ok120 = [True, True, True]
    for trial in range(6):
        image = RNG.normal(size=(6, 6)) * 0.5
        filters = RNG.normal(size=(NF, 3, 3))
        w = RNG.normal(size=(NF * 2 * 2, NC)) * 0.2    # input_len x nodes, as in the post
        b = RNG.normal(size=NC)
        c = int(RNG.integers(NC))

        def conv_out(fl):
            return np.stack([conv_valid_corr(image, fl[f]) for f in range(NF)])

        def after_pool(cv):
            return np.stack([maxpool2(cv[f]) for f in range(NF)]).flatten()

        def totals(inp, w_=w, b_=b):
            return inp @ w_ + b_

        def softmax(t):
            e = np.exp(t)
            return e / e.sum()

        cv = conv_out(filters)
        inp = after_pool(cv)
        t = totals(inp)
        out = softmax(t)
        S = np.exp(t).sum()
        L_of_out = lambda o: -np.log(o[c])
        dL_dout = fd(L_of_out, out)
        ok[20] &= all(close(dL_dout[i], 0.0 if i != c else -1 / out[i]) for i in range(NC))
        ok[33] &= close(out[c], np.exp(t[c]) / np.exp(t).sum()) and close(out[c], np.exp(t[c]) / S)
        ok[41] &= close(out[c], np.exp(t[c]) * S ** -1)
        dS_dt = fd(lambda tt: np.exp(tt).sum(), t)
        dout_c_dt = fd(lambda tt: softmax(tt)[c], t)
        for k in range(NC):
            if k != c:
                ok[48] &= (close(dout_c_dt[k], -np.exp(t[c]) * S ** -2 * dS_dt[k])
                           and close(dout_c_dt[k], -np.exp(t[c]) * S ** -2 * np.exp(t[k]))
                           and close(dout_c_dt[k], -np.exp(t[c]) * np.exp(t[k]) / S ** 2))
        ok[58] &= (close(dout_c_dt[c], (S * np.exp(t[c]) - np.exp(t[c]) * dS_dt[c]) / S ** 2)
                   and close(dout_c_dt[c], (S * np.exp(t[c]) - np.exp(t[c]) ** 2) / S ** 2)
                   and close(dout_c_dt[c], np.exp(t[c]) * (S - np.exp(t[c])) / S ** 2))
        cases = np.array([(-np.exp(t[c]) * np.exp(t[k]) / S ** 2) if k != c else
                          np.exp(t[c]) * (S - np.exp(t[c])) / S ** 2 for k in range(NC)])
        J = jac(softmax, t)          # J[k, j] = d out_k / d t_j
        ok[69] &= close(J[c, :], cases) and close(J[:, c], cases)   # d out(c)/d t_k, and the label's d out(k)/d t_c
        # local Jacobians of t = input w + b (w is input_len x nodes)
        Jw = jac(lambda ww: totals(inp, ww, b), w)    # [j, i, j']
        Jb = jac(lambda bb: totals(inp, w, bb), b)    # [j, j']
        Ji = jac(lambda ii: totals(ii, w, b), inp)    # [j, i]
        exp_w = np.zeros_like(Jw)
        for j in range(NC):
            exp_w[j, :, j] = inp
        ok[91] &= close(Jw, exp_w)
        ok[94] &= close(Jb, np.eye(NC))
        ok[97] &= close(Ji, w.T)
        dout_dt = J
        dL_dt = dL_dout @ dout_dt
        ok[103] &= close(fd(lambda ww: L_of_out(softmax(totals(inp, ww, b))), w), np.einsum('j,jab->ab', dL_dt, Jw))
        ok[107] &= close(fd(lambda bb: L_of_out(softmax(totals(inp, w, bb))), b), np.einsum('j,ja->a', dL_dt, Jb))
        ok[111] &= close(fd(lambda ii: L_of_out(softmax(totals(ii, w, b))), inp), np.einsum('j,ja->a', dL_dt, Ji))
        # max pooling: the pool's input cv as the variable
        L_of_cv = lambda z: L_of_out(softmax(totals(after_pool(z))))
        dL_dcv = fd(L_of_cv, cv)
        pooled = np.stack([maxpool2(cv[f]) for f in range(NF)])
        dL_dpooled = fd(lambda pp: L_of_out(softmax(totals(pp.flatten()))), pooled)
        dpooled_dcv = jac(lambda z: np.stack([maxpool2(z[f]) for f in range(NF)]), cv)
        for f_ in range(NF):
            for r in range(4):
                for s in range(4):
                    win = cv[f_, 2 * (r // 2):2 * (r // 2) + 2, 2 * (s // 2):2 * (s // 2) + 2]
                    if cv[f_, r, s] < win.max():
                        ok120[0] &= close(dL_dcv[f_, r, s], 0.0)
                    else:
                        ok120[1] &= close(dpooled_dcv[f_, r // 2, s // 2, f_, r, s], 1.0)
                        ok120[2] &= close(dL_dcv[f_, r, s], dL_dpooled[f_, r // 2, s // 2])
        # conv: d out(i,j) / d filter(x,y) and dL/dfilter(x,y), for each filter
        Jf = jac(conv_out, filters)    # [f, i, j, f', x, y]
        dL_dfilters = fd(lambda fl: L_of_cv(conv_out(fl)), filters)
        for f_ in range(NF):
            for x in range(3):
                for y in range(3):
                    expect = np.array([[image[i + x, j + y] for j in range(4)] for i in range(4)])
                    ok[136] &= close(Jf[f_, :, :, f_, x, y], expect)
                    ok[143] &= close(dL_dfilters[f_, x, y], np.sum(dL_dcv[f_] * expect))
    for k, v in ok.items():
        R.add(k, v)
    for v in ok120:
        R.add(120, v)
    # line 130: out(i,j) = sum_{x=0}^{3} sum_{y=0}^{3} image(i+x, j+y) * filter(x, y) with a 3x3 filter
    filt = RNG.normal(size=(3, 3)); img = RNG.normal(size=(6, 6))
    try:
        val = sum(img[0 + x, 0 + y] * filt[x, y] for x in range(0, 4) for y in range(0, 4))
        literal_ok = close(val, conv_valid_corr(img, filt)[0, 0])
    except IndexError:
        literal_ok = False   # filter(3, y) is not an entry of a 3x3 filter
    R.add(130, literal_ok)
    return R


# ----------------------------------------------------------------------------------------------
# 03 Gwardys: true convolutions with zero-extended maps, indices from 0
# ----------------------------------------------------------------------------------------------
def at(a, i, j):
    """a[i, j] with entries outside the map (negative indices too) taken as 0."""
    if 0 <= i < a.shape[0] and 0 <= j < a.shape[1]:
        return a[i, j]
    return 0.0


def tconv_full(s, w):
    """(w * s)[x, y] = sum_a sum_b w[a, b] s[x - a, y - b], every (x, y) where a term exists."""
    N, K = s.shape[0], w.shape[0]
    out = np.zeros((N + K - 1, N + K - 1))
    for x in range(out.shape[0]):
        for y in range(out.shape[1]):
            out[x, y] = sum(w[a, b] * at(s, x - a, y - b) for a in range(K) for b in range(K))
    return out


def star_at(d, r_fun, x, y):
    """(d * r)(x, y) = sum_{x', y'} d[x', y'] r(x - x', y - y') (true convolution), r a function of indices."""
    return sum(d[xp, yp] * r_fun(x - xp, y - yp) for xp in range(d.shape[0]) for yp in range(d.shape[1]))


def file03():
    R = Results()
    ok = {k: True for k in (12, 36, 47, 54, 60, 86, 87, 88, 90, 92)}
    rows74 = [True] * 5
    for trial in range(4):
        x0 = RNG.normal(size=(3, 3))
        w2 = RNG.normal(size=(2, 2)); b2 = RNG.normal()
        w3 = RNG.normal(size=(2, 2)); b3 = RNG.normal()
        ytgt = RNG.uniform(size=(5, 5))

        def fwd(x_=x0, w2_=w2, b2_=b2, w3_=w3, b3_=b3):
            z2 = tconv_full(x_, w2_) + b2_
            a2 = sig(z2)
            z3 = tconv_full(a2, w3_) + b3_
            a3 = sig(z3)
            return z2, a2, z3, a3

        def C_of_a3(a3):
            return 0.5 * np.sum((a3 - ytgt) ** 2)

        z2, a2, z3, a3 = fwd()
        C_of_z3 = lambda z: C_of_a3(sig(z))
        C_of_z2 = lambda z: C_of_z3(tconv_full(sig(z), w3) + b3)
        d3 = fd(C_of_z3, z3)
        d2 = fd(C_of_z2, z2)
        # line 12: z^{l+1}_{x,y} = sum_a sum_b w_{a,b} sigma(z^l_{x-a,y-b}) + b
        lit = np.array([[sum(w3[a, b] * sig(at(z2, x - a, y - b)) if 0 <= x - a < 4 and 0 <= y - b < 4 else 0.0
                             for a in range(2) for b in range(2)) + b3 for y in range(5)] for x in range(5)])
        ok[12] &= close(z3, lit)
        Jz3z2 = jac(lambda z: tconv_full(sig(z), w3) + b3, z2)   # [x', y', x, y]
        for x in range(4):
            for y in range(4):
                row1 = np.sum(d3 * Jz3z2[:, :, x, y])
                # d( sum_a sum_b w_{a,b} sigma(z_{x'-a,y'-b}) + b_{x',y'} ) / d z_{x,y}, term by term
                expr_deriv = np.zeros((5, 5))
                for xp in range(5):
                    for yp in range(5):
                        def g(zz, xp=xp, yp=yp):
                            zm = z2.copy(); zm[x, y] = zz[0]
                            return sum(w3[a, b] * (sig(zm[xp - a, yp - b]) if 0 <= xp - a < 4 and 0 <= yp - b < 4 else 0.0)
                                       for a in range(2) for b in range(2)) + b3
                        expr_deriv[xp, yp] = fd(g, [z2[x, y]])[0]
                row2 = np.sum(d3 * expr_deriv)
                ok[36] &= close(d2[x, y], row1) and close(d2[x, y], row2)
                # with a = x' - x, b = y' - y (w extended by 0)
                wab = sum(d3[xp, yp] * at(w3, xp - x, yp - y) * dsig(z2[x, y]) for xp in range(5) for yp in range(5))
                ok[47] &= close(row2, wab)
                ok[54] &= close(wab, sum(d3[xp, yp] * at(w3, xp - x, yp - y) for xp in range(5) for yp in range(5)) * dsig(z2[x, y]))
                rot = lambda u, v: at(w3, -u, -v)      # ROT180(w)_{u,v} = w_{-u,-v}
                conv_val = star_at(d3, rot, x, y) * dsig(z2[x, y])
                ok[60] &= close(wab, conv_val)
                ok[90] &= close(d2[x, y], conv_val)
        # forward lines 86, 87 for l = 3 (sigma(z^2) = a^2) and l = 2 (a^1 = x)
        ok[86] &= close(z3, tconv_full(sig(z2), w3) + b3) and close(z2, tconv_full(x0, w2) + b2)
        ok[87] &= close(a3, sig(z3)) and close(a2, sig(z2))
        # line 88: delta^L = grad_a C (.) sigma'(z^L)
        ok[88] &= close(d3, fd(C_of_a3, a3) * dsig(z3))
        # line 74 chain (l = 3, reading sigma(z^{l-1}) = a^2; and l = 2 with a^1 = x), row by row
        for (l, w_l, d_l, prev, rebuild) in (
                (3, w3, d3, a2, lambda ww: tconv_full(a2, ww) + b3),
                (2, w2, d2, x0, lambda ww: tconv_full(x0, ww) + b2)):
            if l == 3:
                C_of_w = lambda ww: C_of_z3(tconv_full(a2, ww) + b3)
            else:
                C_of_w = lambda ww: C_of_z2(tconv_full(x0, ww) + b2)
            dC_dw = fd(C_of_w, w_l)
            Jzw = jac(rebuild, w_l)
            r1 = np.einsum('xy,xyab->ab', d_l, Jzw)
            # row 2 as printed: d( sum_{a'} sum_{b'} w_{a',b'} sigma(z^l_{x-a',y-b'}) + b ) / d w_{a,b}, z^l of layer l
            nz = d_l.shape[0]
            r2 = np.zeros((2, 2))
            for a in range(2):
                for b in range(2):
                    def expr(wv, a=a, b=b):
                        ww = w_l.copy(); ww[a, b] = wv[0]
                        zl = rebuild(ww)                       # z^l depends on w^l
                        return sum(d_l[x, y] * sum(ww[ap, bp] * (sig(zl[x - ap, y - bp]) if 0 <= x - ap < nz and 0 <= y - bp < nz else 0.0)
                                                   for ap in range(2) for bp in range(2))
                                   for x in range(nz) for y in range(nz))
                    r2[a, b] = fd(expr, [w_l[a, b]])[0]
            r3 = np.array([[sum(d_l[x, y] * at(prev, x - a, y - b) for x in range(nz) for y in range(nz))
                            for b in range(2)] for a in range(2)])
            r4 = np.array([[star_at(d_l, lambda u, v: at(prev, -u, -v), a, b) for b in range(2)] for a in range(2)])
            r5 = r4  # sigma(ROT180(z^{l-1}))_{u,v} = sigma(z^{l-1}_{-u,-v}): the same function of the indices
            for n, r in enumerate((r1, r2, r3, r4, r5)):
                rows74[n] &= close(dC_dw, r)
            ok[92] &= close(dC_dw, r4)
    for k, v in ok.items():
        R.add(k, v)
    assert rows74 == [True, False, True, True, True], rows74
    R.add(74, all(rows74))
    return R


# ----------------------------------------------------------------------------------------------
# 04 Jaumier: 4x4 input, 2x2 filter, bias, 3x3 output; 1-based formulas, w extended by 0
# ----------------------------------------------------------------------------------------------
def file04():
    R = Results()
    ok = {k: True for k in (51, 52, 58, 72, 77, 81, 86, 88, 97, 105, 129, 145, 153, 165, 217, 227, 234,
                            248, 309, 324, 329, 333, 350)}
    wrong_found = {113: False, 120: False, 123: False, 173: False}
    for trial in range(5):
        x = RNG.normal(size=(4, 4)); w = RNG.normal(size=(2, 2)); b = RNG.normal(); dy = RNG.normal(size=(3, 3))
        X = lambda i, j, xx=x: xx[i - 1, j - 1] if 1 <= i <= 4 and 1 <= j <= 4 else 0.0
        W = lambda k, l, ww=w: ww[k - 1, l - 1] if 1 <= k <= 2 and 1 <= l <= 2 else 0.0   # 0-extended
        DY = lambda i, j: dy[i - 1, j - 1]

        def fwd(xx=x, ww=w, bb=b):
            y = np.zeros((3, 3))
            for i in range(3):
                for j in range(3):
                    y[i, j] = sum(ww[k, l] * xx[i + k, j + l] for k in range(2) for l in range(2)) + bb
            return y

        L = lambda xx=x, ww=w, bb=b: np.sum(dy * fwd(xx, ww, bb))     # dL/dy = dy
        y = fwd()
        ok[51] &= close(y[0, 0], W(1, 1) * X(1, 1) + W(1, 2) * X(1, 2) + W(2, 1) * X(2, 1) + W(2, 2) * X(2, 2) + b)
        ok[52] &= close(y[0, 1], W(1, 1) * X(1, 2) + W(1, 2) * X(1, 3) + W(2, 1) * X(2, 2) + W(2, 2) * X(2, 3) + b)
        ok[58] &= all(close(y[i - 1, j - 1], sum(W(k, l) * X(i + k - 1, j + l - 1) for k in (1, 2) for l in (1, 2)) + b)
                      for i in (1, 2, 3) for j in (1, 2, 3))
        db = fd(lambda v: L(bb=v[0]), [b])[0]
        dw = fd(lambda v: L(ww=v), w)
        dx = fd(lambda v: L(xx=v), x)
        dy_db = jac(lambda v: fwd(bb=v[0]), [b])[..., 0]
        dy_dw = jac(lambda v: fwd(ww=v), w)          # [i, j, m, n]
        dy_dx = jac(lambda v: fwd(xx=v), x)          # [i, j, m, n]
        ok[72] &= close(db, np.sum(dy * dy_db))
        ok[77] &= close(dy_db, np.ones((3, 3)))
        ok[81] &= close(db, dy.sum())
        ok[86] &= close(dw, np.einsum('ij,ijmn->mn', dy, dy_dw))
        ok[88] &= close(dw, np.einsum('ij,ijmn->mn', dy, dy_dw))
        kron = lambda k, l, m, n: 1.0 if (k, l) == (m, n) else 0.0
        for i in (1, 2, 3):
            for j in (1, 2, 3):
                for m in (1, 2):
                    for n in (1, 2):
                        ok[97] &= close(dy_dw[i - 1, j - 1, m - 1, n - 1],
                                        sum(kron(k, l, m, n) * X(i + k - 1, j + l - 1) for k in (1, 2) for l in (1, 2)))
        ok[105] &= all(kron(k, l, m, n) == 0 for k in (1, 2) for l in (1, 2) for m in (1, 2) for n in (1, 2) if (k, l) != (m, n))
        # 113/120/123: the summation indices k, l left in; wrong in every reading of (k, l) as fixed numbers
        for k in (1, 2):
            for l in (1, 2):
                t113 = all(close(dy_dw[i - 1, j - 1, m - 1, n - 1], X(i + k - 1, j + l - 1))
                           for i in (1, 2, 3) for j in (1, 2, 3) for m in (1, 2) for n in (1, 2))
                t120 = all(close(dw[m - 1, n - 1], sum(DY(i, j) * X(i + k - 1, j + l - 1) for i in (1, 2, 3) for j in (1, 2, 3)))
                           for m in (1, 2) for n in (1, 2))
                wrong_found[113] |= not t113
                wrong_found[120] |= not t120
                wrong_found[123] |= not t120
                assert not t113 and not t120
        dw_corr = np.array([[np.sum(x[m:m + 3, n:n + 3] * dy) for n in range(2)] for m in range(2)])   # x * dy
        ok[129] &= close(dw, dw_corr)
        ok[145] &= close(dw, dw_corr)
        ok[333] &= close(dw, dw_corr)
        ok[153] &= close(dx, np.einsum('ij,ijmn->mn', dy, dy_dx))
        # (5) with d x_{i+k-1,j+l-1} / d x_{mn} as an indicator
        for i in (1, 2, 3):
            for j in (1, 2, 3):
                for m in range(1, 5):
                    for n in range(1, 5):
                        v5 = sum(W(k, l) * (1.0 if (m, n) == (i + k - 1, j + l - 1) else 0.0) for k in (1, 2) for l in (1, 2))
                        ok[165] &= close(dy_dx[i - 1, j - 1, m - 1, n - 1], v5)
                        ok[217] &= close(dy_dx[i - 1, j - 1, m - 1, n - 1], W(m - i + 1, n - j + 1))
        # 173: d x_{i+k,j+l} / d x_{mn} = 1 iff m = i+k-1 and n = j+l-1 ?
        for i in (1, 2, 3):
            for j in (1, 2, 3):
                for k in (1, 2):
                    for l in (1, 2):
                        for m in range(1, 5):
                            for n in range(1, 5):
                                lhs = 1.0 if (m, n) == (i + k, j + l) else 0.0      # x_{i+k,j+l} (0 when outside)
                                rhs = 1.0 if (m == i + k - 1 and n == j + l - 1) else 0.0
                                if lhs != rhs:
                                    wrong_found[173] = True
        ok[227] &= all(close(dx[m - 1, n - 1], sum(DY(i, j) * W(m - i + 1, n - j + 1) for i in (1, 2, 3) for j in (1, 2, 3)))
                       for m in range(1, 5) for n in range(1, 5))
        # 234 chain for dx_11, member by member (the second member read literally: the sum binds the first product only)
        m1 = sum(DY(i, j) * W(2 - i, 2 - j) for i in (1, 2, 3) for j in (1, 2, 3))
        m2_ok = True
        for i_free in (1, 2, 3):
            m2 = sum(DY(i, 1) * W(2 - i, 1) for i in (1, 2, 3)) + DY(i_free, 2) * W(2 - i_free, 0) + DY(i_free, 3) * W(2 - i_free, -1)
            m2_ok &= close(dx[0, 0], m2)
        m2_sum = sum(DY(i, 1) * W(2 - i, 1) + DY(i, 2) * W(2 - i, 0) + DY(i, 3) * W(2 - i, -1) for i in (1, 2, 3))
        m3 = sum(DY(r, s) * W(2 - r, 2 - s) for r in (1, 2, 3) for s in (1, 2, 3))
        ok[234] &= close(dx[0, 0], m1) and m2_ok and close(dx[0, 0], m2_sum) and close(dx[0, 0], m3)
        M = np.zeros((3, 3)); M[0, 0] = w[0, 0]
        ok[248] &= close(dx[0, 0], np.sum(dy * M))
        dy0 = np.pad(dy, 1)
        wflip = np.array([[w[1, 1], w[1, 0]], [w[0, 1], w[0, 0]]])
        wprime = np.array([[W(3 - i, 3 - j) for j in (1, 2)] for i in (1, 2)])
        assert close(wflip, wprime)
        corr = np.array([[np.sum(dy0[m:m + 2, n:n + 2] * wflip) for n in range(4)] for m in range(4)])
        ok[309] &= close(dx, corr)
        ok[324] &= close(dx, np.array([[np.sum(dy0[m:m + 2, n:n + 2] * wprime) for n in range(4)] for m in range(4)]))
        ok[350] &= close(dx, corr)
        ok[329] &= close(db, dy.sum())
    for k, v in ok.items():
        R.add(k, v)
    for k, v in wrong_found.items():
        R.add(k, not v)
    return R


# ----------------------------------------------------------------------------------------------
# 05 Bishop: D = 3 inputs, M = 2 tanh hidden units, K = 2 linear outputs, E_n = 1/2 sum (y - t)^2
# ----------------------------------------------------------------------------------------------
def file05():
    R = Results()
    a_s = sp.Symbol('a')
    assert sp.simplify(sp.tanh(a_s).rewrite(sp.exp) - (sp.exp(a_s) - sp.exp(-a_s)) / (sp.exp(a_s) + sp.exp(-a_s))) == 0
    assert sp.simplify(sp.diff(sp.tanh(a_s), a_s) - (1 - sp.tanh(a_s) ** 2)) == 0
    R.add(79, True)
    R.add(83, True)
    ok = {k: True for k in (34, 43, 47, 53, 58, 64, 100, 104)}
    ok108 = [True, True]
    for trial in range(6):
        x = np.concatenate([[1.0], RNG.normal(size=3)])      # x_0 = 1
        W1 = RNG.normal(size=(2, 4))                           # w^{(1)}_{ji}, column 0 the bias
        W2 = RNG.normal(size=(2, 3))                           # w^{(2)}_{kj}, column 0 the bias
        t = RNG.normal(size=2)

        def fwd(W1_=W1, W2_=W2):
            a = W1_ @ x
            z = np.concatenate([[1.0], np.tanh(a)])            # z_0 = 1
            y = W2_ @ z
            return a, z, y

        E = lambda W1_=W1, W2_=W2: 0.5 * np.sum((fwd(W1_, W2_)[2] - t) ** 2)
        a, z, y = fwd()
        E_of_ak = lambda ak: 0.5 * np.sum((ak - t) ** 2)                         # y_k = a_k
        E_of_aj = lambda aj: E_of_ak(W2 @ np.concatenate([[1.0], np.tanh(aj)]))
        dk = fd(E_of_ak, y)
        dj = fd(E_of_aj, a)
        dE_dW1 = fd(lambda v: E(W1_=v), W1)
        dE_dW2 = fd(lambda v: E(W2_=v), W2)
        da_dW1 = jac(lambda v: v @ x, W1)                                       # [j, j', i]
        da_dW2 = jac(lambda v: v @ z, W2)
        ok[34] &= close(dE_dW1, np.einsum('j,jji->ji', dj, da_dW1)) and close(dE_dW2, np.einsum('k,kkj->kj', dk, da_dW2))
        ok[43] &= close(np.einsum('jji->ji', da_dW1), np.tile(x, (2, 1))) and close(np.einsum('kkj->kj', da_dW2), np.tile(z, (2, 1)))
        ok[47] &= close(dE_dW1, np.outer(dj, x)) and close(dE_dW2, np.outer(dk, z))
        ok[53] &= close(dk, y - t)
        dak_daj = jac(lambda aj: W2 @ np.concatenate([[1.0], np.tanh(aj)]), a)   # [k, j]
        ok[58] &= close(dj, dk @ dak_daj)
        hprime = fd(lambda v: np.sum(np.tanh(v)), a)                            # h'(a_j) element-wise
        ok[64] &= close(dj, hprime * (W2[:, 1:].T @ dk))
        ok[100] &= close(dk, y - t)
        ok[104] &= close(dj, (1 - z[1:] ** 2) * (W2[:, 1:].T @ dk))
        ok108[0] &= close(dE_dW1, np.outer(dj, x))          # i = 0..D, x_0 = 1
        ok108[1] &= close(dE_dW2, np.outer(dk, z))          # j = 0..M, z_0 = 1
    for k, v in ok.items():
        R.add(k, v)
    for v in ok108:
        R.add(108, v)
    return R


# ----------------------------------------------------------------------------------------------
# 06 Rathi: batch m = 1; X (5,5,2) channels last, W (2,2,2,2) [a,b,c,k], relu, avgpool 2, dense 3, softmax CE
# ----------------------------------------------------------------------------------------------
def file06():
    R = Results()
    ok = {k: True for k in (22, 24, 64, 74, 76, 78, 94, 110, 116, 120, 124, 126, 130, 134, 138)}
    wrong36 = False
    wrong84 = False
    m = 1
    for trial in range(5):
        X = RNG.normal(size=(5, 5, 2))
        W = RNG.normal(size=(2, 2, 2, 2)); bk = RNG.normal(size=2)
        Wfc = RNG.normal(size=(3, 8)) * 0.5; bfc = RNG.normal(size=3)
        cls = int(RNG.integers(3)); y = np.zeros(3); y[cls] = 1.0

        def conv(X_=X, W_=W, b_=bk):
            Z = np.zeros((4, 4, 2))
            for i in range(4):
                for j in range(4):
                    for k in range(2):
                        Z[i, j, k] = sum(X_[i + a, j + b, c] * W_[a, b, c, k] for a in range(2) for b in range(2) for c in range(2)) + b_[k]
            return Z

        def head(Z):
            Rl = np.maximum(Z, 0)
            P = np.array([[[Rl[2 * r:2 * r + 2, 2 * s:2 * s + 2, ch].mean() for ch in range(2)] for s in range(2)] for r in range(2)])
            return Rl, P

        def softmax(z):
            e = np.exp(z - z.max()); return e / e.sum()

        def J_of_zL(zL):
            return -np.sum(y * np.log(softmax(zL))) / m

        def J_of_A(A, Wfc_=Wfc, bfc_=bfc):
            return J_of_zL(Wfc_ @ A + bfc_)

        def J_of_Z(Z):
            return J_of_A(head(Z)[1].flatten())

        Z = conv()
        Rl, P = head(Z)
        A = P.flatten()
        zL = Wfc @ A + bfc
        yhat = softmax(zL)
        dJ_dZ = fd(J_of_Z, Z)
        dJ_dW = fd(lambda v: J_of_Z(conv(W_=v)), W)
        dJ_db = fd(lambda v: J_of_Z(conv(b_=v)), bk)
        dJ_dX = fd(lambda v: J_of_Z(conv(X_=v)), X)
        e22 = np.zeros_like(W)
        for a in range(2):
            for b in range(2):
                for c in range(2):
                    for k in range(2):
                        e22[a, b, c, k] = (1 / m) * sum(dJ_dZ[i, j, k] * X[i + a, j + b, c] for i in range(4) for j in range(4))
        ok[22] &= close(dJ_dW, e22)
        ok[24] &= close(dJ_db, (1 / m) * dJ_dZ.sum(axis=(0, 1)))
        dZ = lambda i, j, k: dJ_dZ[i, j, k] if 0 <= i < 4 and 0 <= j < 4 else 0.0
        for k0 in range(2):   # W_{a,b,c} read as the weights of one filter k0: never the gradient
            e36 = np.array([[[sum(dZ(i - a, j - b, k) * W[a, b, c, k0] for k in range(2) for a in range(2) for b in range(2))
                              for c in range(2)] for j in range(5)] for i in range(5)])
            wrong36 |= not close(dJ_dX, e36)
        e36k = np.array([[[sum(dZ(i - a, j - b, k) * W[a, b, c, k] for k in range(2) for a in range(2) for b in range(2))
                           for c in range(2)] for j in range(5)] for i in range(5)])
        assert close(dJ_dX, e36k)    # with W_{a,b,c,k} it would be right
        ok[64] &= all(close(P[0, 0, ch], (Rl[0, 0, ch] + Rl[0, 1, ch] + Rl[1, 0, ch] + Rl[1, 1, ch]) / 4) for ch in range(2))
        dJ_dzL = fd(J_of_zL, zL)
        dJ_dWfc = fd(lambda v: J_of_A(A, Wfc_=v), Wfc)
        dJ_dbfc = fd(lambda v: J_of_A(A, bfc_=v), bfc)
        dJ_dA = fd(J_of_A, A)
        ok[74] &= close(dJ_dWfc, (1 / m) * np.outer(dJ_dzL, A))
        ok[76] &= close(dJ_dbfc, (1 / m) * dJ_dzL)
        ok[78] &= close(dJ_dA, Wfc.T @ dJ_dzL)
        # 84: dJ/dA^{[L]} * g'(Z^{[L]}) with g' the element-wise derivative of the softmax
        J_of_yhat = lambda yh: -np.sum(y * np.log(yh)) / m
        dJ_dyhat = fd(J_of_yhat, yhat)
        gprime = np.array([fd(lambda v, j=j: softmax(np.concatenate([zL[:j], v, zL[j + 1:]]))[j], [zL[j]])[0] for j in range(3)])
        wrong84 |= not close(dJ_dzL, dJ_dyhat * gprime)
        ok[94] &= close(dJ_dyhat, -y / yhat)
        Jsm = jac(softmax, zL)      # [k, j] = d yhat_k / d z_j
        S = np.exp(zL).sum()
        for j in range(3):
            ok[110] &= close(Jsm[j, j], np.exp(zL[j]) / S - (np.exp(zL[j]) / S) ** 2) and close(Jsm[j, j], yhat[j] * (1 - yhat[j]))
            for mm in range(3):
                if mm != j:
                    ok[116] &= close(Jsm[mm, j], -np.exp(zL[j]) * np.exp(zL[mm]) / S ** 2) and close(Jsm[mm, j], -yhat[j] * yhat[mm])
            ok[120] &= close(dJ_dzL[j], sum(dJ_dyhat[k] * Jsm[k, j] for k in range(3)))
            ok[124] &= close(dJ_dzL[j], dJ_dyhat[j] * Jsm[j, j] + sum(dJ_dyhat[k] * Jsm[k, j] for k in range(3) if k != j))
            ok[126] &= close(dJ_dzL[j], (-y[j] / yhat[j]) * yhat[j] * (1 - yhat[j])
                             + sum((-y[k] / yhat[k]) * -yhat[j] * yhat[k] for k in range(3) if k != j))
            ok[130] &= close(dJ_dzL[j], -y[j] + yhat[j] * y.sum())
            ok[134] &= close(dJ_dzL[j], yhat[j] - y[j])
        ok[138] &= close(dJ_dzL, yhat - y)
    for k, v in ok.items():
        R.add(k, v)
    R.add(36, not wrong36)
    R.add(84, not wrong84)
    return R


# ----------------------------------------------------------------------------------------------
# 07 Ioffe & Szegedy: batch norm of one feature over m = 4, then a summed squared error as the loss
# ----------------------------------------------------------------------------------------------
def file07():
    R = Results()
    ok = {k: True for k in (38, 39, 40, 41, 42, 43)}
    m, eps = 4, 1e-5
    for trial in range(6):
        for feature in range(2):
            x = RNG.normal(size=m) * 2 + 1
            gamma, beta = RNG.normal(), RNG.normal()
            tgt = RNG.normal(size=m)
            loss_of_y = lambda yy: np.sum((yy - tgt) ** 2)
            mu_of = lambda xx: xx.mean()
            var_of = lambda xx, mu: np.mean((xx - mu) ** 2)
            xhat_of = lambda xx, mu, var: (xx - mu) / np.sqrt(var + eps)
            mu = mu_of(x); var = var_of(x, mu); xhat = xhat_of(x, mu, var); y = gamma * xhat + beta
            dl_dy = fd(loss_of_y, y)
            dl_dxhat = fd(lambda xh: loss_of_y(gamma * xh + beta), xhat)
            dl_dvar = fd(lambda v: loss_of_y(gamma * xhat_of(x, mu, v[0]) + beta), [var])[0]
            dl_dmu = fd(lambda u: loss_of_y(gamma * xhat_of(x, u[0], var_of(x, u[0])) + beta), [mu])[0]
            dl_dx = fd(lambda xx: loss_of_y(gamma * xhat_of(xx, mu_of(xx), var_of(xx, mu_of(xx))) + beta), x)
            dl_dgamma = fd(lambda g: loss_of_y(g[0] * xhat + beta), [gamma])[0]
            dl_dbeta = fd(lambda bb: loss_of_y(gamma * xhat + bb[0]), [beta])[0]
            ok[38] &= close(dl_dxhat, dl_dy * gamma)
            ok[39] &= close(dl_dvar, np.sum(dl_dxhat * (x - mu) * (-0.5) * (var + eps) ** -1.5), tol=1e-4)
            ok[40] &= close(dl_dmu, np.sum(dl_dxhat * (-1 / np.sqrt(var + eps))) + dl_dvar * np.sum(-2 * (x - mu)) / m, tol=1e-4)
            ok[41] &= close(dl_dx, dl_dxhat / np.sqrt(var + eps) + dl_dvar * 2 * (x - mu) / m + dl_dmu / m, tol=1e-4)
            ok[42] &= close(dl_dgamma, np.sum(dl_dy * xhat))
            ok[43] &= close(dl_dbeta, np.sum(dl_dy))
    for k, v in ok.items():
        R.add(k, v)
    return R


# ----------------------------------------------------------------------------------------------
# 08 Rathi, Part 5: 3 -> dense 4 -> relu -> dense 3 -> relu -> dense 2 (no activation), J = 1/2 (yhat - y)^2, m = 1
# ----------------------------------------------------------------------------------------------
def file08():
    R = Results()
    ok = {k: True for k in (10, 12, 46, 50, 66, 68, 74, 78, 82, 92, 96, 107, 119, 121, 123)}
    found_wrong = {54: False, 88: False, 117: False}
    m = 1
    relu = lambda v: np.maximum(v, 0)
    for trial in range(6):
        x = RNG.normal(size=3)
        Ws = [RNG.normal(size=(4, 3)), RNG.normal(size=(3, 4)), RNG.normal(size=(2, 3))]
        bs = [RNG.normal(size=4), RNG.normal(size=3), RNG.normal(size=2)]
        y = RNG.normal(size=2)
        gs = [relu, relu, lambda v: v]                       # g of layers 1, 2, 3 = L
        gps = [lambda v: (v > 0).astype(float), lambda v: (v > 0).astype(float), lambda v: np.ones_like(v)]

        def forward(Ws_=None, bs_=None, start=0, a_in=None):
            Ws_ = Ws if Ws_ is None else Ws_
            bs_ = bs if bs_ is None else bs_
            A = x if a_in is None else a_in
            Zs, As = [None] * 3, [None] * 3
            for l in range(start, 3):
                Zs[l] = Ws_[l] @ A + bs_[l]
                A = gs[l](Zs[l])
                As[l] = A
            return Zs, As

        Jcost = lambda yhat: 0.5 * np.sum((yhat - y) ** 2) / m
        Zs, As = forward()
        # every layer's gradients by finite differences, each from its own variable
        dJ_dZ = [fd(lambda z, l=l: Jcost(forward(start=l + 1, a_in=gs[l](z))[1][2]) if l < 2 else Jcost(gs[2](z)), Zs[l]) for l in range(3)]
        dJ_dA = [fd(lambda a, l=l: Jcost(forward(start=l + 1, a_in=a)[1][2]) if l < 2 else Jcost(a), As[l]) for l in range(3)]
        def repl(lst, l, v):
            out = list(lst); out[l] = v; return out
        dJ_dW = [fd(lambda w, l=l: Jcost(forward(Ws_=repl(Ws, l, w))[1][2]), Ws[l]) for l in range(3)]
        dJ_db = [fd(lambda b, l=l: Jcost(forward(bs_=repl(bs, l, b))[1][2]), bs[l]) for l in range(3)]
        prevA = [x, As[0], As[1]]
        fails_reading = [False, False]     # g' of the last layer's activation, or of the hidden relu
        # 10, 12: chain rule over Jacobians
        JA1W1 = jac(lambda w: gs[0](w @ x + bs[0]), Ws[0])              # [4, 4, 3]
        JA2A1 = jac(lambda a: gs[1](Ws[1] @ a + bs[1]), As[0])          # [3, 4]
        JA3A2 = jac(lambda a: gs[2](Ws[2] @ a + bs[2]), As[1])          # [2, 3]
        JA2W2 = jac(lambda w: gs[1](w @ As[0] + bs[1]), Ws[1])          # [3, 3, 4]
        dJ_dA3 = dJ_dA[2]
        ok[10] &= close(dJ_dW[0], np.einsum('p,pq,qr,rab->ab', dJ_dA3, JA3A2, JA2A1, JA1W1))
        ok[12] &= close(dJ_dW[1], np.einsum('p,pq,qab->ab', dJ_dA3, JA3A2, JA2W2))
        for l in range(3):
            Jloc = jac(gs[l], Zs[l])
            ok[46] &= close(np.diag(Jloc), gps[l](Zs[l]))
            ok[50] &= close(dJ_dZ[l], dJ_dA[l] * gps[l](Zs[l]))
            # 54 / 117: g'(Z^{[L]}) instead of g'(Z^{[l]}), with g the layer's own activation or the hidden relu
            for r, gp in enumerate((gps[2], gps[0])):
                cand = gp(Zs[2])
                if cand.shape != dJ_dA[l].shape or not close(dJ_dZ[l], dJ_dA[l] * cand):
                    fails_reading[r] = True
            e66 = np.array([[(1 / m) * dJ_dZ[l][j] * prevA[l][k] for k in range(Ws[l].shape[1])] for j in range(Ws[l].shape[0])])
            dz_dW = jac(lambda w, l=l: w @ prevA[l] + bs[l], Ws[l])    # [j, j', k]
            e66b = np.array([[(1 / m) * dJ_dZ[l][j] * dz_dW[j, j, k] for k in range(Ws[l].shape[1])] for j in range(Ws[l].shape[0])])
            ok[66] &= close(dJ_dW[l], e66) and close(dJ_dW[l], e66b)
            dz_db = jac(lambda b, l=l: Ws[l] @ prevA[l] + b, bs[l])
            ok[68] &= close(dJ_db[l], (1 / m) * dJ_dZ[l] * np.diag(dz_db)) and close(dJ_db[l], (1 / m) * dJ_dZ[l])
            Zcol = dJ_dZ[l].reshape(-1, 1); Acol = prevA[l].reshape(-1, 1)     # examples as columns, m = 1
            ok[74] &= close(dJ_dW[l], (1 / m) * sum(Zcol[:, [i]] @ Acol[:, [i]].T for i in range(m))) \
                and close(dJ_dW[l], (1 / m) * sum(np.outer(Zcol[:, i], Acol.T[i, :]) for i in range(m)))
            ok[78] &= close(dJ_dW[l], (1 / m) * Zcol @ Acol.T)
            ok[82] &= close(dJ_db[l], (1 / m) * Zcol.sum(axis=1))
            ok[119] &= close(dJ_dW[l], (1 / m) * Zcol @ Acol.T)
            ok[121] &= close(dJ_db[l], (1 / m) * Zcol.sum(axis=1))
            if l >= 1:
                dJ_dAprev = dJ_dA[l - 1]
                nl = Ws[l].shape[0]
                last = np.array([sum(dJ_dZ[l][j] * Ws[l][j, k] for j in range(nl)) for k in range(Ws[l].shape[1])])
                # the middle member as printed: dz_j / da_j (reading l-q as l-1): W_{jj}
                middle = np.array([sum(dJ_dZ[l][j] * (Ws[l][j, j] if j < Ws[l].shape[1] else 0.0) for j in range(nl))
                                   for k in range(Ws[l].shape[1])])
                if not (close(dJ_dAprev, last) and close(dJ_dAprev, middle)):
                    found_wrong[88] = True
                ok[92] &= close(dJ_dAprev, last) and close(dJ_dAprev, Ws[l].T @ dJ_dZ[l])
                ok[96] &= close(dJ_dAprev, Ws[l].T @ dJ_dZ[l])
                ok[123] &= close(dJ_dAprev, Ws[l].T @ dJ_dZ[l])
        ok[107] &= close(dJ_dZ[2], As[2] - y)
        if all(fails_reading):
            found_wrong[54] = True; found_wrong[117] = True
    for k, v in ok.items():
        R.add(k, v)
    for k, v in found_wrong.items():
        R.add(k, not v)
    return R


CHECKS = {
    '01_zhou_nn.md': file01, '02_zhou_cnn.md': file02, '03_gwardys_cnn.md': file03, '04_jaumier_conv.md': file04,
    '05_bishop_prml.tex': file05, '06_rathi_cnn.md': file06, '07_ioffe_bn.tex': file07,
    '08_rathi_backprop.md': file08,
}


# ----------------------------------------------------------------------------------------------
# every line holding an '=' inside math must be keyed
# ----------------------------------------------------------------------------------------------
def math_eq_lines(path):
    text = path.read_text()
    if path.suffix == '.md':
        text = re.sub(r'<!--.*?-->', lambda mo: re.sub(r'[^\n]', ' ', mo.group(0)), text, flags=re.S)
        text = re.sub(r'`[^`\n]*`', lambda mo: ' ' * len(mo.group(0)), text)
        pattern = re.compile(r'\$\$(.*?)\$\$|\$([^$\n]+?)\$', re.S)
    else:
        text = '\n'.join(re.sub(r'(?<!\\)%.*$', '', ln) for ln in text.split('\n'))
        pattern = re.compile(r'\\begin\{(equation\*?|align\*?)\}(.*?)\\end\{\1\}|\\\[(.*?)\\\]|\$([^$\n]+?)\$', re.S)
    lines = set()
    for mo in pattern.finditer(text):
        start_line = text.count('\n', 0, mo.start()) + 1
        for off, ln in enumerate(mo.group(0).split('\n')):
            if '=' in ln:
                lines.add(start_line + off)
    return lines


def main():
    key = tomllib.loads((HERE / 'key.toml').read_text())
    failures = 0
    total_claims = total_wrong = 0
    for entry in key['file']:
        name = entry['name']
        path = HERE / name
        keyed = {c['line'] for c in entry['claim']} | {d['line'] for d in entry.get('definitions', [])} \
            | {n['line'] for n in entry.get('not_claims', [])}
        missing = sorted(math_eq_lines(path) - keyed)
        results = CHECKS[name]().r
        per_line = {}
        for c in entry['claim']:
            per_line.setdefault(c['line'], []).append(c)
        bad = []
        for line, claims in per_line.items():
            got = results.get(line)
            if got is None or len(got) != len(claims):
                bad.append(f'line {line}: {len(claims)} keyed claim(s), {0 if got is None else len(got)} checked')
                continue
            for c, equal in zip(claims, got):
                if (c['verdict'] == 'right') != equal:
                    bad.append(f"line {line} ({c['lhs']}): key says {c['verdict']}, check finds {'equal' if equal else 'unequal'}")
        extra = sorted(set(results) - set(per_line))
        if extra:
            bad.append(f'checked lines not keyed as claims: {extra}')
        if missing:
            bad.append(f"lines with '=' in math not in the key: {missing}")
        n = len(entry['claim']); w = sum(c['verdict'] == 'wrong' for c in entry['claim'])
        total_claims += n; total_wrong += w
        status = 'OK' if not bad else 'MISMATCH'
        print(f'{name:22s} {status:8s} claims {n:2d} (right {n - w:2d}, wrong {w}), definitions {len(entry.get("definitions", []))}, '
              f'not_claims {len(entry.get("not_claims", []))}')
        for b in bad:
            print('    ' + b)
        failures += len(bad)
    print(f'total: {len(key["file"])} files, {total_claims} claims, {total_wrong} published mistakes; '
          f'{"all verdicts confirmed" if not failures else str(failures) + " problems"}')
    return 0 if failures == 0 else 1


if __name__ == '__main__':
    sys.exit(main())
