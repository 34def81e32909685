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

from math import prod

from sympy import Add, Rational, sqrt

from ..spec import SpecError, shown
from .base import DocStep, Layer, Param, Shape, Step, Work


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
                        rf"{var} &= \frac{{1}}{{{m}}} {over} \bigl({x} - {mu}\bigr)^2",
                        rf"{xhat} &= \frac{{{x} - {mu}}}{{\sqrt{{{var} + \epsilon}}}}"]
                + ([rf"{v['y']} &= {v['gamma']}\, {xhat} + {v['beta']}"] if scaled else [])}
    formulas["xhat"] = [rf"{d(xhat)} &= {g}" + (rf"\, {v['gamma']}" if scaled else "")]
    formulas["var"] = [rf"{d(var)} &= {over} -\frac{{1}}{{2}}\, {d(xhat)} \bigl({x} - {mu}\bigr) "
                       rf"\bigl({var} + \epsilon\bigr)^{{-3/2}}"]
    formulas["mu"] = [rf"{d(mu)} &= {over} -\frac{{{d(xhat)}}}{{\sqrt{{{var} + \epsilon}}}} "
                      rf"+ {over} -\frac{{2}}{{{m}}}\, {d(var)} \bigl({x} - {mu}\bigr)"]
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


class ExampleNorm(Layer):
    """What layer and group normalization share: each example on its own (no batch statistics), its entries
    split into groups of m consecutive entries (row-major), each group normalized by the steps above, then
    scaled and shifted by the trained gamma and beta, whose entry for position f is `scale_index(shape, f)`.

    A kind says how its groups and parameters are shaped: `group_size`, `stat_shape`, `param_shape`,
    `scale_index`, and writes its own words.
    """

    eps: float
    affine: bool

    def _check_common(self) -> None:
        if isinstance(self.eps, bool) or not isinstance(self.eps, (int, float)) or not 0 < self.eps < 1:
            raise SpecError(f"eps {shown(self.eps)} is not valid: give a small positive number below 1, e.g. 1e-5")
        if not isinstance(self.affine, bool):
            raise SpecError(f"affine {shown(self.affine)} is not valid: give true or false")

    def group_size(self, shape: Shape) -> int:
        raise NotImplementedError

    def stat_shape(self, shape: Shape) -> Shape:
        raise NotImplementedError

    def param_shape(self, shape: Shape) -> Shape:
        raise NotImplementedError

    def scale_index(self, shape: Shape, f: int) -> int:
        raise NotImplementedError

    def epsilon(self) -> float:
        return self.eps

    @property
    def _eps(self) -> Rational:
        return exact(self.eps)

    def _checked(self, shape: Shape) -> Shape:
        """The output's shape, once the group is known to hold two entries or more (else its variance is 0)."""
        if self.group_size(shape) < 2:
            raise SpecError(f"{self.type} would normalize groups of a single value, whose variance is 0: give it "
                            "groups of two entries or more")
        return shape

    def params(self, shape: Shape) -> tuple[Param, ...]:
        c = self.param_shape(shape)
        out = (Param("gamma", r"\gamma", "kernel", c, "scale"), Param("beta", r"\beta", "bias", c, "shift")) \
            if self.affine else ()
        stats = self.stat_shape(shape)
        return out + (Param("mu", r"\mu", "output", stats, "mean", stage=True, per_example=True),
                      Param("var", r"{\sigma^2}", "output", stats, "variance", stage=True, per_example=True),
                      Param("xhat", r"\hat{x}", "output", shape, "normalized input", stage=True, per_example=True))

    def work(self, shape: Shape) -> Work:
        return Work.of(12 * prod(shape), 3e-4)

    def _groups(self, shape: Shape) -> tuple[list[list[int]], list[int]]:
        m = self.group_size(shape)
        count = prod(shape) // m
        return [list(range(k * m, (k + 1) * m)) for k in range(count)], [f // m for f in range(prod(shape))]

    def forward(self, step: Step) -> dict:
        groups, of = self._groups(step.shape_in)
        out = forward(step.inp, groups, of, step.params, self._eps)
        xhat = step.params["xhat"]
        if self.affine:
            gamma, beta, at = step.params["gamma"], step.params["beta"], self.scale_index
            out["out"] = [gamma[at(step.shape_in, f)] * xhat[f] + beta[at(step.shape_in, f)] for f in range(len(xhat))]
        else:
            out["out"] = list(xhat)
        return out

    def backward(self, step: Step) -> dict:
        g, xhat, shape = step.upstream, step.params["xhat"], step.shape_in
        groups, of = self._groups(shape)
        out = {}
        if self.affine:
            places = [[] for _ in range(prod(self.param_shape(shape)))]  # the entries each gamma scales
            for f in range(len(g)):
                places[self.scale_index(shape, f)].append(f)
            out["gamma"] = [Add(*(g[f] * xhat[f] for f in fs)) for fs in places]
            out["beta"] = [Add(*(g[f] for f in fs)) for fs in places]
            out["xhat"] = [g[f] * step.params["gamma"][self.scale_index(shape, f)] for f in range(len(g))]
        else:
            out["xhat"] = list(g)
        return {**out, **backward(step.inp, groups, of, step.params, step.stage_grads, self._eps)}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        groups, _ = self._groups(step.shape_in)
        scale = (lambda f: step.params["gamma"][self.scale_index(step.shape_in, f)]) if self.affine else (lambda f: 1)
        return jacobian(groups, step.params["var"], step.params["xhat"], scale, self._eps)

    # -- the NumPy reference: one example, its groups as rows --
    def _numpy_scale(self, np, a, params: dict):
        """gamma and beta spread over the example's entries (1 and 0 without them)."""
        if not self.affine:
            return 1.0, 0.0
        at = np.array([self.scale_index(a.shape, f) for f in range(a.size)])
        return params["gamma"].reshape(-1)[at].reshape(a.shape), params["beta"].reshape(-1)[at].reshape(a.shape)

    def numpy_forward(self, np, a, params: dict):
        rows = a.reshape(-1, self.group_size(a.shape))
        mu, var, xhat = numpy_forward(np, rows, self.eps)
        params.update(mu=mu.reshape(self.stat_shape(a.shape)), var=var.reshape(self.stat_shape(a.shape)),
                      xhat=xhat.reshape(a.shape))
        gamma, beta = self._numpy_scale(np, a, params)
        return gamma * xhat.reshape(a.shape) + beta, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        rows = a.reshape(-1, self.group_size(a.shape))
        mu, var, xhat = numpy_forward(np, rows, self.eps)
        gamma, _ = self._numpy_scale(np, a, params)
        d_xhat = g * gamma
        grads = numpy_backward(np, d_xhat.reshape(rows.shape), rows, mu, var, xhat, self.eps)
        out = {"xhat": d_xhat, "var": grads["var"].reshape(self.stat_shape(a.shape)),
               "mu": grads["mu"].reshape(self.stat_shape(a.shape))}
        if self.affine:
            at = np.array([self.scale_index(a.shape, f) for f in range(a.size)])
            size = prod(self.param_shape(a.shape))
            shape = self.param_shape(a.shape)
            out["gamma"] = np.bincount(at, weights=(g * xhat.reshape(a.shape)).ravel(), minlength=size).reshape(shape)
            out["beta"] = np.bincount(at, weights=g.ravel(), minlength=size).reshape(shape)
        return grads["in"].reshape(a.shape), out

    # -- the documents: entries written with one index per axis of an example; a kind says which axes a
    # group sums over and how its statistics and gamma are indexed --
    def doc_axes(self, shape: Shape) -> tuple[str, ...]:
        return ("c", "i", "j") if len(shape) == 3 else ("k",)

    def doc_summed(self, shape: Shape) -> int:
        """How many trailing axes of an example a group sums over."""
        raise NotImplementedError

    def doc_stat(self, shape: Shape) -> str:
        """The statistics' subscript (their index), "" for one per example."""
        raise NotImplementedError

    def doc_scale(self, shape: Shape) -> str:
        """gamma's and beta's subscript."""
        raise NotImplementedError

    def doc_sum(self, shape: Shape, letters: list[str]) -> str:
        """What the sum over a group runs over, its indices given (primed or not)."""
        return ",".join(letters)

    def doc_names(self, step: DocStep, prime: str = "") -> dict[str, str]:
        """The formulas' names for one example (n with a batch): x, y, xhat, g, dx, mu, var, gamma, beta, m, sum;
        with `prime`, the indices the group sums over primed."""
        shape = step.shape_in
        letters = list(self.doc_axes(shape))
        summed = self.doc_summed(shape)
        for a in range(len(letters) - summed, len(letters)):
            letters[a] += prime
        image = len(shape) == 3
        example = "n" if step.batch is not None else ""
        sup = (f"{example},{letters[0]}" if example else letters[0]) if image else example
        sub = "_{" + ",".join(letters[1:] if image else letters) + "}"
        layer = step.entry("out")[1]
        tagged = lambda base, index: base + "^{" + layer + (f"({example})" if example else "") + "}" + \
            (f"_{{{index}}}" if index else "")
        hat = r"\hat{x}^{" + layer + (f"({sup})" if sup else "") + "}" + sub
        over = letters[len(letters) - summed:]
        return {"x": step.symbol("in", sup) + sub, "y": step.symbol("out", sup) + sub, "xhat": hat,
                "g": step.delta("out", sup) + sub, "dx": step.delta("in", sup) + sub,
                "mu": tagged(r"\mu", self.doc_stat(shape)), "var": tagged(r"{\sigma^2}", self.doc_stat(shape)),
                "gamma": rf"\gamma^{{{layer}}}_{{{self.doc_scale(shape)}}}",
                "beta": rf"\beta^{{{layer}}}_{{{self.doc_scale(shape)}}}",
                "m": str(self.group_size(shape)), "sum": rf"\sum_{{{self.doc_sum(shape, over)}}}"}

    def compact(self, step: DocStep) -> str:
        """The three-term formula in terms of dL/dxhat, the summed indices primed."""
        a, b = self.doc_names(step), self.doc_names(step, "'")
        d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
        return (rf"\frac{{1}}{{{a['m']} \sqrt{{{a['var']} + \epsilon}}}} \Bigl({a['m']}\, {d(a['xhat'])} - {b['sum']} "
                rf"{d(b['xhat'])} - {a['xhat']} {b['sum']} {d(b['xhat'])}\, {b['xhat']}\Bigr)")

    def doc_formulas(self, step: DocStep) -> dict[str, list[str]]:
        v = self.doc_names(step)
        formulas = step_formulas({**v, "compact": self.compact(step)}, self.affine)
        if self.affine:
            d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
            rest = self.doc_rest(step.shape_in)
            formulas["gamma"] = [rf"{d(v['gamma'])} &= {self.doc_over_batch(step)}\sum_{{{rest}}} {v['g']}\, {v['xhat']}"]
            formulas["beta"] = [rf"{d(v['beta'])} &= {self.doc_over_batch(step)}\sum_{{{rest}}} {v['g']}"]
        return formulas

    @staticmethod
    def doc_over_batch(step: DocStep) -> str:
        return r"\sum_{n} " if step.batch is not None else ""

    def doc_rest(self, shape: Shape) -> str:
        """The indices gamma's gradient sums over (the axes its subscript does not name)."""
        raise NotImplementedError

    def rules(self, step: DocStep) -> list[str]:
        formulas = self.doc_formulas(step)
        return formulas["out"] + [rf"{self.doc_names(step)['dx']} &= {self.compact(step)}"] + \
            formulas.get("gamma", []) + formulas.get("beta", [])
