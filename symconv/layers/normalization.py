"""What batch, layer and group normalization share: statistics over groups of entries, derived in a
teacher's steps, their references and their formulas. Only the groups differ: a channel over the batch
(batch norm), an example's trailing dimensions (layer norm), a group of an example's channels (group norm).

For a group G_k of m entries:

    mu_k = (1/m) sum x,   var_k = (1/m) sum (x - mu_k)^2   (the biased variance),
    xhat = (x - mu_k) / sqrt(var_k + eps),

and back, from dL/dxhat (the upstream gradient times the entry's scale):

    dL/dvar_k = sum dL/dxhat (x - mu_k) (-1/2) (var_k + eps)^(-3/2),
    dL/dmu_k = sum dL/dxhat (-1 / sqrt(var_k + eps)) + dL/dvar_k (1/m) sum -2 (x - mu_k),
    dL/dx = dL/dxhat / sqrt(var_k + eps) + dL/dvar_k 2 (x - mu_k) / m + dL/dmu_k / m
          = 1 / (m sqrt(var_k + eps)) (m dL/dxhat - sum dL/dxhat - xhat sum dL/dxhat xhat)   (the compact form).
"""

from __future__ import annotations

from sympy import Add, Rational, sqrt


def exact(eps: float) -> Rational:
    """eps as an exact rational (1e-5 is 1/100000), so that SymPy can prove identities with it."""
    return Rational(repr(float(eps)))


def forward(x, groups: list[list[int]], of: list[int], symbols: dict, eps: Rational) -> dict:
    """The steps' entries: "mu", "var" (read with the mean's symbols) and "xhat" (with both), each step
    written with the symbols of the one before, as a teacher writes them. `of[f]` is entry f's group."""
    mu, var, m = symbols["mu"], symbols["var"], len(groups[0])
    return {"mu": [Add(*(x[f] for f in group)) / m for group in groups],
            "var": [Add(*((x[f] - mu[k]) ** 2 for f in group)) / m for k, group in enumerate(groups)],
            "xhat": [(x[f] - mu[of[f]]) / sqrt(var[of[f]] + eps) for f in range(len(x))]}


def backward(x, groups: list[list[int]], of: list[int], symbols: dict, grads: dict, eps: Rational) -> dict:
    """dL/dvar, dL/dmu and dL/dx of every entry, from dL/dxhat, dL/dvar and dL/dmu's symbols (`grads`)
    and the steps' symbols (`symbols`)."""
    mu, var = symbols["mu"], symbols["var"]
    d_xhat, d_var, d_mu = grads["xhat"], grads["var"], grads["mu"]
    m = len(groups[0])
    # Written as sums of one term per entry, as the formulas are, so that long ones break into lines.
    return {"var": [Add(*(Rational(-1, 2) * d_xhat[f] * (x[f] - mu[k]) * (var[k] + eps) ** Rational(-3, 2)
                          for f in group)) for k, group in enumerate(groups)],
            "mu": [Add(*(-d_xhat[f] / sqrt(var[k] + eps) for f in group),
                       *(Rational(-2, m) * d_var[k] * (x[f] - mu[k]) for f in group)) for k, group in enumerate(groups)],
            "in": [d_xhat[f] / sqrt(var[of[f]] + eps) + d_var[of[f]] * 2 * (x[f] - mu[of[f]]) / m + d_mu[of[f]] / m
                   for f in range(len(x))]}


def jacobian(groups: list[list[int]], var, xhat, scale, eps: Rational) -> list[tuple[int, int, object]]:
    """d y_f / d x_g = scale_f / sqrt(var_k + eps) (1[f = g] - 1/m - xhat_f xhat_g / m) for f and g in group
    k, 0 across groups; `scale(f)` is entry f's gamma (1 without one)."""
    m = len(groups[0])
    return [(f, g, scale(f) / sqrt(var[k] + eps) * (int(f == g) - Rational(1, m) - xhat[f] * xhat[g] / m))
            for k, group in enumerate(groups) for f in group for g in group]


# -- the NumPy reference: groups as the rows of a matrix --
def numpy_forward(np, rows, eps: float):
    """(mu, var, xhat) of each row of `rows` (one group a row), the variance biased."""
    mu = rows.mean(axis=-1, keepdims=True)
    var = rows.var(axis=-1, keepdims=True)
    return mu, var, (rows - mu) / np.sqrt(var + eps)


def numpy_backward(np, d_xhat, rows, mu, var, xhat, eps: float) -> dict:
    """dL/dx by the compact formula and the steps' gradients by their own, row by row."""
    m = rows.shape[-1]
    inv = 1 / np.sqrt(var + eps)
    d_var = (d_xhat * (rows - mu)).sum(axis=-1, keepdims=True) * -0.5 * inv ** 3
    d_mu = -(d_xhat.sum(axis=-1, keepdims=True)) * inv + d_var * (-2 * (rows - mu)).sum(axis=-1, keepdims=True) / m
    d_x = inv / m * (m * d_xhat - d_xhat.sum(axis=-1, keepdims=True) - xhat * (d_xhat * xhat).sum(axis=-1, keepdims=True))
    return {"in": d_x, "var": d_var, "mu": d_mu}


# -- the documents: the steps' formulas, in names the kind gives --
def step_formulas(v: dict, scaled: bool) -> dict[str, list[str]]:
    r"""The general formulas of the steps, by tensor, as LaTeX align lines. `v` names: m, sum (the sum over
    a group, summed indices unprimed), x, xhat, mu, var, g (the upstream gradient), y, gamma, beta (the
    entry's scale and shift), dx, compact (the three-term right-hand side)."""
    d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
    m, over, x, xhat, mu, var, g = (v[k] for k in ("m", "sum", "x", "xhat", "mu", "var", "g"))
    formulas = {"out": [rf"{mu} &= \frac{{1}}{{{m}}} {over} {x}",
                        rf"{var} &= \frac{{1}}{{{m}}} {over} \big({x} - {mu}\big)^2",
                        rf"{xhat} &= \frac{{{x} - {mu}}}{{\sqrt{{{var} + \epsilon}}}}"]
                + ([rf"{v['y']} &= {v['gamma']}\, {xhat} + {v['beta']}"] if scaled else [])}
    formulas["xhat"] = [rf"{d(xhat)} &= {g}" + (rf"\, {v['gamma']}" if scaled else "")]
    formulas["var"] = [rf"{d(var)} &= {over} -\frac{{1}}{{2}}\, {d(xhat)} \big({x} - {mu}\big) "
                       rf"\big({var} + \epsilon\big)^{{-3/2}}"]
    formulas["mu"] = [rf"{d(mu)} &= {over} -\frac{{{d(xhat)}}}{{\sqrt{{{var} + \epsilon}}}} "
                      rf"+ {over} -\frac{{2}}{{{m}}}\, {d(var)} \big({x} - {mu}\big)"]
    formulas["in"] = [rf"{v['dx']} &= \frac{{{d(xhat)}}}{{\sqrt{{{var} + \epsilon}}}} + {d(var)} "
                      rf"\frac{{2 ({x} - {mu})}}{{{m}}} + \frac{{1}}{{{m}}} {d(mu)}",
                      rf"&= {v['compact']}"]
    return formulas


def step_words(group: str, scale: str) -> dict[str, str]:
    """The prose beside each step back: `group` is what a statistic is taken over ("channel", "group"),
    `scale` what the output multiplies the normalized value by ("the channel's scale")."""
    return {
        "xhat": f"The first step back: the output is the normalized value times {scale}.",
        "var": f"The variance is read by every normalized value of its {group}.",
        "mu": f"The mean is read by every normalized value of its {group}, directly and through the variance.",
        "in": f"An entry reaches the loss three ways: through its own normalized value, through the variance and "
              f"through the mean of its {group}; the chain rule adds the three. Since the entries of a {group} sum "
              "to $m$ times its mean, $\\sum (x - \\mu) = 0$ and the variance's part of the mean's gradient "
              "vanishes; putting the three paths together gives the compact three-term formula on the second line "
              f"(the primed indices run over the {group} as the unprimed ones do).",
    }


def eps_tex(eps: float) -> str:
    mantissa, exponent = f"{float(eps):e}".split("e")
    return f"10^{{{int(exponent)}}}" if float(mantissa) == 1 else rf"{float(mantissa):g} \times 10^{{{int(exponent)}}}"
