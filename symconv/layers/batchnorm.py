"""Batch normalization in training mode (PyTorch's BatchNorm2d and BatchNorm1d, running statistics
ignored), derived in the steps a teacher uses.

Per channel c, over the m = N H W entries of the batch that belong to it (m = N for vectors):

    mu_c = (1/m) sum x,   var_c = (1/m) sum (x - mu_c)^2   (the biased variance),
    xhat = (x - mu_c) / sqrt(var_c + eps),   y = gamma_c xhat + beta_c.

Backward, each step from the one before (g = dL/dy):

    dL/dgamma_c = sum g xhat,   dL/dbeta_c = sum g,   dL/dxhat = g gamma_c,
    dL/dvar_c = sum dL/dxhat (x - mu_c) (-1/2) (var_c + eps)^(-3/2),
    dL/dmu_c = sum dL/dxhat (-1 / sqrt(var_c + eps)) + dL/dvar_c (1/m) sum -2 (x - mu_c),
    dL/dx = dL/dxhat / sqrt(var_c + eps) + dL/dvar_c 2 (x - mu_c) / m + dL/dmu_c / m,

which equals the compact three-term formula gamma_c / (m sqrt(var_c + eps)) (m g - sum g - xhat sum g xhat)
(tests/test_batchnorm.py proves it with SymPy). It reads the whole batch at once: the chain hands it
one step for all the examples.

With `training = false` it is PyTorch's eval mode: mu_c and var_c are the running statistics, constants
of the layer (`running_mean`, `running_var`: numbers, or the symbols mu[l], var[l] when left out), so
each example is normalized on its own, y = gamma_c (x - mu_c) / sqrt(var_c + eps) + beta_c, an affine
map per channel:

    dL/dx = g gamma_c / sqrt(var_c + eps),   dL/dgamma_c = sum g (x - mu_c) / sqrt(var_c + eps),   dL/dbeta_c = sum g.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import ClassVar

from sympy import Add, Float, Rational, sqrt

from ..spec import SpecError, shown
from . import normalization
from .base import DocStep, Layer, Param, Shape, Step, Words, Work

EPS_DEFAULT = 1e-5


def _number_tex(value: float) -> str:
    """A number to six significant digits as math: 0.25, -1.5, 3.2 \\times 10^{-7}."""
    text = f"{value:.6g}"
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    return rf"{mantissa} \times 10^{{{int(exponent)}}}"


@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalization over the batch (and an image's height and width), per channel."""

    eps: float = EPS_DEFAULT
    affine: bool = True
    training: bool = True  # False: PyTorch's eval mode, with the running statistics
    running_mean: tuple[float, ...] | None = None  # eval mode: per channel; None: the symbols mu[l]
    running_var: tuple[float, ...] | None = None  # eval mode: per channel; None: the symbols var[l]
    type: ClassVar[str] = "batchnorm"

    def __post_init__(self) -> None:
        if isinstance(self.eps, bool) or not isinstance(self.eps, (int, float)) or not 0 < self.eps < 1:
            raise SpecError(f"eps {shown(self.eps)} is not valid: give a small positive number below 1, e.g. 1e-5")
        if not isinstance(self.affine, bool):
            raise SpecError(f"affine {shown(self.affine)} is not valid: give true or false")
        if not isinstance(self.training, bool):
            raise SpecError(f"training {shown(self.training)} is not valid: give true (batch statistics) or false "
                            "(eval mode: the running statistics)")
        for name, least in (("running_mean", None), ("running_var", 0)):
            value = getattr(self, name)
            if value is None:
                continue
            if self.training:
                raise SpecError(f"{name} is used in eval mode only: give training = false with it, or leave it out")
            numbers = value if isinstance(value, (list, tuple)) else None
            if not numbers or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) <= 1e300
                                      and (least is None or v >= least) for v in numbers):
                what = "numbers of at most 1e300 in size" if least is None else "numbers from 0 to 1e300"
                raise SpecError(f"{name} {shown(value)} is not valid: give a list of {what}, one per channel")
            object.__setattr__(self, name, tuple(float(v) for v in numbers))

    @property
    def whole_batch(self) -> bool:
        """Training mode reads the whole batch (its statistics); eval mode each example on its own."""
        return self.training

    def epsilon(self) -> float:
        return self.eps

    @property
    def _eps(self) -> Rational:
        """eps as an exact rational (1e-5 is 1/100000), so that SymPy can prove identities with it."""
        return normalization.exact(self.eps)

    def output_shape(self, shape: Shape) -> Shape:
        for name in ("running_mean", "running_var"):
            value = getattr(self, name)
            if value is not None and len(value) != shape[0]:
                raise SpecError(f"{name} has {len(value)} values, but the input has {shape[0]} channels: give one "
                                "per channel")
        return shape

    def params(self, shape: Shape) -> tuple[Param, ...]:
        c = (shape[0],)
        out = (Param("gamma", r"\gamma", "kernel", c, "scale"), Param("beta", r"\beta", "bias", c, "shift")) \
            if self.affine else ()
        if not self.training:  # the running statistics the file leaves out: given symbols, no gradient
            return out + tuple(Param(key, letter, "bias", c, title, trained=False, positive=key == "var")
                               for key, letter, title, given in (("mu", r"\mu", "running mean", self.running_mean),
                                                                 ("var", r"{\sigma^2}", "running variance",
                                                                  self.running_var)) if given is None)
        return out + (Param("mu", r"\mu", "output", c, "batch mean", stage=True),
                      Param("var", r"{\sigma^2}", "output", c, "batch variance", stage=True),
                      Param("xhat", r"\hat{x}", "output", shape, "normalized input", stage=True, per_example=True))

    def work(self, shape: Shape) -> Work:
        return Work.of(12 * prod(shape), 3e-4)

    # -- the derivation: one step over the whole batch (shape_in is (N, C, ...)) --
    @staticmethod
    def _channels(shape: Shape) -> list[list[int]]:
        """For each channel, the flat positions of its entries in the batch."""
        n, c, size = shape[0], shape[1], prod(shape[2:])
        return [[(k * c + ch) * size + s for k in range(n) for s in range(size)] for ch in range(c)]

    def _channel_of(self, shape: Shape) -> list[int]:
        n, c, size = shape[0], shape[1], prod(shape[2:])
        return [(f // size) % c for f in range(n * c * size)]

    def _running(self, step: Step) -> tuple[list, list]:
        """Eval mode: per channel, the running mean and the square root of the running variance plus eps,
        numbers (SymPy Floats, the file's doubles exactly) or the layer's symbols."""
        mu = [Float(repr(v)) for v in self.running_mean] if self.running_mean is not None else list(step.params["mu"])
        var = [Float(repr(v)) for v in self.running_var] if self.running_var is not None else list(step.params["var"])
        return mu, [sqrt(v + self._eps) for v in var]

    def _eval_channel(self, shape: Shape) -> list[int]:
        """Eval mode (one example, shape (C, ...)): the channel of each flat position."""
        size = prod(shape[1:])
        return [f // size for f in range(prod(shape))]

    def forward(self, step: Step) -> dict:
        if not self.training:
            mu, root = self._running(step)
            of = self._eval_channel(step.shape_in)
            scale = step.params["gamma"] if self.affine else [1] * len(mu)
            shift = step.params["beta"] if self.affine else [0] * len(mu)
            return {"out": [scale[of[f]] * (x - mu[of[f]]) / root[of[f]] + shift[of[f]] for f, x in enumerate(step.inp)]}
        x, xhat = step.inp, step.params["xhat"]
        groups, of = self._channels(step.shape_in), self._channel_of(step.shape_in)
        out = normalization.forward(x, groups, of, step.params, self._eps)
        if self.affine:
            gamma, beta = step.params["gamma"], step.params["beta"]
            out["out"] = [gamma[of[f]] * xhat[f] + beta[of[f]] for f in range(len(x))]
        else:
            out["out"] = list(xhat)
        return out

    def backward(self, step: Step) -> dict:
        if not self.training:
            mu, root = self._running(step)
            of, g = self._eval_channel(step.shape_in), step.upstream
            out = {"in": [g[f] * (step.params["gamma"][of[f]] if self.affine else 1) / root[of[f]]
                          for f in range(len(g))]}
            if self.affine:
                members = [[f for f in range(len(g)) if of[f] == c] for c in range(len(mu))]
                out["gamma"] = [Add(*(g[f] * (step.inp[f] - mu[c]) / root[c] for f in group))
                                for c, group in enumerate(members)]
                out["beta"] = [Add(*(g[f] for f in group)) for group in members]
            return out
        x, g, xhat = step.inp, step.upstream, step.params["xhat"]
        groups, of = self._channels(step.shape_in), self._channel_of(step.shape_in)
        out = {}
        if self.affine:
            gamma = step.params["gamma"]
            out["gamma"] = [Add(*(g[f] * xhat[f] for f in group)) for group in groups]
            out["beta"] = [Add(*(g[f] for f in group)) for group in groups]
            out["xhat"] = [g[f] * gamma[of[f]] for f in range(len(x))]
        else:
            out["xhat"] = list(g)
        return {**out, **normalization.backward(x, groups, of, step.params, step.stage_grads, self._eps)}

    def local_jacobian(self, step: Step) -> list[tuple[int, int, object]]:
        """d y_f / d x_g = gamma_c / sqrt(var_c + eps) (1[f = g] - 1/m - xhat_f xhat_g / m) for f and g in the
        same channel c (of the whole batch), 0 across channels: written with the layer's own steps. In eval
        mode, diagonal: gamma_c / sqrt(var_c + eps)."""
        if not self.training:
            _, root = self._running(step)
            of = self._eval_channel(step.shape_in)
            return [(f, f, (step.params["gamma"][of[f]] if self.affine else 1) / root[of[f]]) for f in range(len(of))]
        groups, of = self._channels(step.shape_in), self._channel_of(step.shape_in)
        scale = (lambda f: step.params["gamma"][of[f]]) if self.affine else (lambda f: 1)
        return normalization.jacobian(groups, step.params["var"], step.params["xhat"], scale, self._eps)

    # -- the independent references: the whole batch at once --
    def _numpy_running(self, np, a, params: dict):
        """Eval mode: the running mean and variance, shaped to broadcast over one example (C, ...)."""
        shape = (-1,) + (1,) * (a.ndim - 1)
        mu = np.array(self.running_mean) if self.running_mean is not None else params["mu"]
        var = np.array(self.running_var) if self.running_var is not None else params["var"]
        return mu.reshape(shape), var.reshape(shape), shape

    def numpy_forward(self, np, a, params: dict):
        if not self.training:
            mu, var, shape = self._numpy_running(np, a, params)
            xhat = (a - mu) / np.sqrt(var + self.eps)
            return (xhat * params["gamma"].reshape(shape) + params["beta"].reshape(shape) if self.affine else xhat), xhat
        axes = (0, *range(2, a.ndim))
        mu, var = a.mean(axis=axes), a.var(axis=axes)
        shape = (1, -1) + (1,) * (a.ndim - 2)
        xhat = (a - mu.reshape(shape)) / np.sqrt(var.reshape(shape) + self.eps)
        params.update(mu=mu, var=var, xhat=xhat)
        y = xhat * params["gamma"].reshape(shape) + params["beta"].reshape(shape) if self.affine else xhat
        return y, None

    def numpy_backward(self, np, g, a, y, params: dict, cache):
        """dL/dx by the compact three-term formula; the steps' gradients by their own formulas."""
        if not self.training:
            mu, var, shape = self._numpy_running(np, a, params)
            gamma = params["gamma"].reshape(shape) if self.affine else 1.0
            axes = tuple(range(1, a.ndim))
            grads = {"gamma": (g * cache).sum(axis=axes), "beta": g.sum(axis=axes)} if self.affine else {}
            return g * gamma / np.sqrt(var + self.eps), grads
        axes = (0, *range(2, a.ndim))
        shape = (1, -1) + (1,) * (a.ndim - 2)
        m = a.size // a.shape[1]
        mu, var, xhat = params["mu"].reshape(shape), params["var"].reshape(shape), params["xhat"]
        gamma = params["gamma"].reshape(shape) if self.affine else 1.0
        inv = 1 / np.sqrt(var + self.eps)
        d_xhat = g * gamma
        d_var = (d_xhat * (a - mu)).sum(axis=axes) * -0.5 * inv.ravel() ** 3
        d_mu = -(d_xhat.sum(axis=axes)) * inv.ravel() + d_var * (-2 * (a - mu)).sum(axis=axes) / m
        d_x = gamma * inv / m * (m * g - g.sum(axis=axes).reshape(shape) - xhat * (g * xhat).sum(axis=axes).reshape(shape))
        grads = {"xhat": d_xhat, "var": d_var, "mu": d_mu}
        if self.affine:
            grads.update(gamma=(g * xhat).sum(axis=axes), beta=g.sum(axis=axes))
        return d_x, grads

    def torch_forward(self, torch, a, params: dict):
        if not self.training:  # one example: PyTorch's batch norm reads a batch of it
            stat = lambda given, key: torch.tensor(given, dtype=torch.float64) if given is not None else params[key]
            return torch.nn.functional.batch_norm(a[None], stat(self.running_mean, "mu"), stat(self.running_var, "var"),
                                                  params.get("gamma"), params.get("beta"), training=False, eps=self.eps)[0]
        return torch.nn.functional.batch_norm(a, None, None, params.get("gamma"), params.get("beta"), training=True,
                                              eps=self.eps)

    # -- words --
    def describe(self) -> str:
        return "batch normalization" + ("" if self.training else " in eval mode") + ("" if self.affine else
                                                                                       ", no scale and shift")

    def objectives(self) -> list[str]:
        if not self.training:
            return ["see that batch normalization in eval mode, its statistics fixed, is an affine map per channel "
                    "whose input gradient is the upstream gradient times gamma / sqrt(var + epsilon)"]
        return ["derive batch normalization's backward pass step by step (through the normalized input, the variance "
                "and the mean) and recognise the compact three-term formula for the input's gradient"]

    def _names(self, step: DocStep, prime: str = "") -> dict[str, str]:
        """How the formulas write the layer's values for channel c, in the document's letters: m, the sum
        over a channel's entries, x, x-hat, y, g (the upstream gradient), mu, var, gamma, beta; with
        `prime`, the summed indices primed (n', i', j') so that they differ from an entry's own."""
        image = len(step.shape_in) == 3
        n = step.batch or 1
        h, w = (step.shape_in[1], step.shape_in[2]) if image else (1, 1)
        layer = step.entry("out")[1]
        i, j, k = (f"n{prime}", f"i{prime}", f"j{prime}")
        sub = f"_{{{j},{k}}}" if image else ""
        channel = f"{i},c" if image else i
        over = rf"\sum_{{{i},{j},{k}}}" if image else rf"\sum_{{{i}}}"
        if not self.training and step.batch is None:  # eval mode, one example: no example index
            channel, over = ("c", rf"\sum_{{{j},{k}}}") if image else ("", "")
        entry = lambda which: step.symbol(which, channel) + (sub if image else "_{c}")
        tag = lambda letter: letter + (f"^{{{layer}}}" if layer else "") + "_c"
        hat = r"\hat{x}" + (f"^{{{layer}({channel})}}" if layer else f"^{{({channel})}}") + (sub if image else "_{c}")
        return {"m": str(n * h * w), "sum": over,
                "x": entry("in"), "y": entry("out"), "g": step.delta("out", channel) + (sub if image else "_{c}"),
                "dx": step.delta("in", channel) + (sub if image else "_{c}"), "xhat": hat,
                "mu": tag(r"\mu"), "var": tag(r"{\sigma^2}"), "gamma": tag(r"\gamma"), "beta": tag(r"\beta"),
                "sizes": (n, h, w)}

    def _eps_text(self) -> str:
        return normalization.eps_tex(self.eps)

    def _compact(self, step: DocStep) -> str:
        """The three-term formula's right-hand side, the summed indices primed."""
        a, b = self._names(step), self._names(step, "'")
        scale = a["gamma"] if self.affine else "1"
        return (rf"\frac{{{scale}}}{{{a['m']} \sqrt{{{a['var']} + \epsilon}}}} \Bigl({a['m']}\, {a['g']} - {b['sum']} {b['g']} "
                rf"- {a['xhat']} {b['sum']} {b['g']}\, {b['xhat']}\Bigr)")

    def _given(self, name: str, values: tuple[float, ...] | None, symbol: str) -> str:
        """The running statistic's numbers, as the document lists them (to six digits; the first eight
        channels), or that they are the layer's given symbols."""
        if values is None:
            return f"given as the symbols ${symbol}$"
        entry = lambda k: symbol[:-1] + f"{{{k}}}"  # \mu^{[2]}_c -> \mu^{[2]}_{1}
        if len(values) == 1:
            return f"${entry(1)} = {_number_tex(values[0])}$"
        cut = len(values) > 8
        names = [entry(k) for k in range(1, 9 if cut else len(values) + 1)] + ([r"\ldots", entry(len(values))] if cut else [])
        numbers = [_number_tex(v) for v in values[:8]] + ([r"\ldots", _number_tex(values[-1])] if cut else [])
        return rf"$({', '.join(names)}) = ({', '.join(numbers)})$"

    def _eval_words(self, step: DocStep) -> Words:
        v = self._names(step)
        mu, var, x, g, y = (v[k] for k in ("mu", "var", "x", "g", "y"))
        over = v["sum"]
        root = rf"\sqrt{{{var} + \epsilon}}"
        affine = (rf", then scaled and shifted by the channel's trained ${v['gamma']}$ and ${v['beta']}$" if self.affine
                  else "")
        forward = (f"In eval mode (after PyTorch's model.eval()) each channel $c$ is normalized with its running statistics, "
                   "the mean and variance PyTorch accumulated in training, which are constants of the layer here: the "
                   f"running mean {self._given('running_mean', self.running_mean, mu)} and the running variance "
                   f"{self._given('running_var', self.running_var, var)}{affine}; $\\epsilon = {self._eps_text()}$. The "
                   "examples do not mix: each entry is an affine function of itself alone, and no gradient flows to "
                   "the statistics." + (" The entries use the numbers exactly (shown here to six digits)." if
                                        self.running_mean is not None or self.running_var is not None else ""))
        scale = v["gamma"] if self.affine else "1"
        d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
        formulas = {"out": [rf"{y} &= {v['gamma']}\, \frac{{{x} - {mu}}}{{{root}}} + {v['beta']}" if self.affine else
                            rf"{y} &= \frac{{{x} - {mu}}}{{{root}}}"],
                    "in": [rf"{v['dx']} &= \frac{{{scale}}}{{{root}}}\, {g}"]}
        backward = {"in": "Each entry's output reads that entry alone, through a constant slope: the upstream gradient "
                          "is multiplied by it."}
        if self.affine:
            formulas["gamma"] = [rf"{d(v['gamma'])} &= {over} {g}\, \frac{{{x} - {mu}}}{{{root}}}"]
            formulas["beta"] = [rf"{d(v['beta'])} &= {over} {g}"]
            backward.update(gamma="The scale multiplies each normalized value of its channel.",
                            beta="The shift is added to each entry of its channel.")
        return Words(forward, backward, formulas)

    def words(self, step: DocStep) -> Words:
        if not self.training:
            return self._eval_words(step)
        v = self._names(step)
        image = len(step.shape_in) == 3
        n, h, w = v["sizes"]
        where = "the batch and every position of the channel" if image else "the batch"
        ranges = (f"the sums run over the examples $n = 1, \\ldots, {n}$ and the positions $i = 1, \\ldots, {h}$, "
                  f"$j = 1, \\ldots, {w}$ of channel $c$, $m = N H W = {n} \\cdot {h} \\cdot {w} = {v['m']}$ entries"
                  if image else f"the sums run over the examples $n = 1, \\ldots, {n}$, $m = {v['m']}$ entries")
        affine = (rf", then scaled and shifted by the channel's trained ${v['gamma']}$ and ${v['beta']}$" if self.affine
                  else "")
        forward = (f"Each channel $c$ is normalized over {where}: its mean ${v['mu']}$ and (biased) variance "
                   f"${v['var']}$, each entry's normalized value ${v['xhat']}${affine}; {ranges}, and "
                   f"$\\epsilon = {self._eps_text()}$. PyTorch's training mode computes exactly this. The entries keep "
                   "the letter $\\epsilon$.")
        d = lambda e: rf"\frac{{\partial L}}{{\partial {e}}}"
        formulas = normalization.step_formulas({**v, "compact": self._compact(step)}, self.affine)
        if self.affine:
            formulas["gamma"] = [rf"{d(v['gamma'])} &= {v['sum']} {v['g']}\, {v['xhat']}"]
            formulas["beta"] = [rf"{d(v['beta'])} &= {v['sum']} {v['g']}"]
        backward = {**normalization.step_words("channel", "the channel's scale"),
                    "gamma": "The scale multiplies each normalized value of its channel.",
                    "beta": "The shift is added to each entry of its channel."}
        return Words(forward, backward, formulas)

    def rules(self, step: DocStep) -> list[str]:
        if not self.training:
            return [line for lines in self._eval_words(step).formulas.values() for line in lines]
        v = self._names(step)
        m, over, a, xhat, mu, var, g = (v[k] for k in ("m", "sum", "x", "xhat", "mu", "var", "g"))
        lines = [rf"{mu} &= \frac{{1}}{{{m}}} {over} {a}, \qquad {var} = \frac{{1}}{{{m}}} {over} ({a} - {mu})^2",
                 rf"{xhat} &= ({a} - {mu}) / \sqrt{{{var} + \epsilon}}"
                 + (rf", \qquad {v['y']} = {v['gamma']} {xhat} + {v['beta']}" if self.affine else "")]
        if self.affine:
            lines.append(rf"\frac{{\partial L}}{{\partial {v['gamma']}}} &= {over} {g}\, {xhat}, \qquad "
                         rf"\frac{{\partial L}}{{\partial {v['beta']}}} = {over} {g}")
        lines.append(rf"{v['dx']} &= {self._compact(step)}")
        return lines
