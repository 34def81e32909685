"""PyTorch's OpInfo samples of the families symconv covers, run through symconv and compared with PyTorch.

Run by hand (not part of the test suite; needs PyTorch, whose torch.testing._internal holds op_db):

    PYTHONPATH=. python benchmarks/opinfo.py [--cap SECONDS] [--family NAME ...]

For each sample (float64) of each family: the sample's configuration is written as a PyTorch module (its
tensors the module's parameters), imported with symconv.from_torch, derived, written as the plain-SymPy
JSON (to_json) and evaluated by tests/plain_sympy_json.py (a `python -I` process that never imports
symconv) at the sample's values; the output (or the loss) and every gradient (input, weight, bias) are
compared with PyTorch autograd on the OpInfo operation itself (op.op at the sample's arguments) to 1e-9.
Per family it prints: samples, matched, refused (grouped by symconv's reason, numbers written N),
not expressed (what this script cannot write as one symconv network: empty tensors, 5-d inputs...),
over the cap (the derivation estimated above --cap seconds by symconv.size) and mismatched.

How a sample is written: an image op's (N, C, H, W) input is a batch of N C x H x W examples (one example,
no batch, when N is 1 or the input is unbatched); an elementwise op's input (and mse_loss's) is one flat
vector (elementwise, so the same numbers); linear's (..., n) input a batch of the leading entries' vectors;
batch_norm's and group_norm's (N, C, L) input N examples of C x 1 x L ((N, C): C x 1 x 1);
interpolate's 1-d (N, C, L) input C x 1 x L with the size or scale (1, .) on the rows; cross_entropy's class
indices as one-hot probabilities (targets="indices"), its probability targets, which need not sum to 1, as
they are (targets="probabilities": dL/df = p sum(t) - t).
"""

from __future__ import annotations

import argparse
import collections
import json
import math
import re
import subprocess
import sys
import time
import types
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "tests" / "plain_sympy_json.py"
TOL = 1e-9

FAMILIES = {  # OpInfo name (variant) -> the family's label
    ("nn.functional.conv2d", ""): "conv2d", ("nn.functional.conv_transpose2d", ""): "conv_transpose2d",
    ("nn.functional.max_pool2d", ""): "max_pool2d", ("nn.functional.avg_pool2d", ""): "avg_pool2d",
    ("nn.functional.adaptive_avg_pool2d", ""): "adaptive_avg_pool2d",
    ("nn.functional.adaptive_max_pool2d", ""): "adaptive_max_pool2d",
    ("nn.functional.interpolate", "nearest"): "interpolate nearest",
    ("nn.functional.interpolate", "bilinear"): "interpolate bilinear",
    ("nn.functional.batch_norm", ""): "batch_norm", ("nn.functional.layer_norm", ""): "layer_norm",
    ("nn.functional.group_norm", ""): "group_norm", ("nn.functional.dropout", ""): "dropout",
    ("nn.functional.linear", ""): "linear", ("nn.functional.relu", ""): "relu", ("sigmoid", ""): "sigmoid",
    ("tanh", ""): "tanh", ("nn.functional.leaky_relu", ""): "leaky_relu", ("nn.functional.elu", ""): "elu",
    ("nn.functional.gelu", ""): "gelu", ("nn.functional.silu", ""): "silu", ("nn.functional.softplus", ""): "softplus",
    ("nn.functional.cross_entropy", ""): "cross_entropy", ("nn.functional.mse_loss", ""): "mse_loss",
}
ELEMENTWISE = {"relu", "sigmoid", "tanh", "leaky_relu", "elu", "gelu", "silu", "softplus", "dropout"}


class NotExpressed(Exception):
    """A sample this script cannot write as one symconv network (said apart from symconv's refusals)."""


def op_db():
    try:
        import expecttest  # noqa: F401
    except ImportError:  # torch.testing._internal imports it; only its TestCase is needed to load op_db
        stub = types.ModuleType("expecttest")
        stub.TestCase = object
        sys.modules["expecttest"] = stub
    from torch.testing._internal.common_methods_invocations import op_db as db
    return db


def pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


def arguments(names, args, kwargs):
    given = dict(zip(names, args))
    given.update(kwargs)
    return given


def image_batch(shape):
    """(input shape, batch) of an (N, C, H, W) or (C, H, W) tensor."""
    if len(shape) == 4:
        return shape[1:], (shape[0] if shape[0] > 1 else None)
    if len(shape) == 3:
        return shape, None
    raise NotExpressed(f"a {len(shape)}-d input of an image op")


def write(family, x, args, kwargs, torch):
    """(module, input shape, batch, loss, {module parameter: where the sample holds it}, target) of a sample.

    `where` is ("arg", i) or ("kw", name) of the sample's args and kwargs."""
    nn = torch.nn
    shape = tuple(x.shape)
    if any(n == 0 for n in shape):
        raise NotExpressed("an empty tensor")
    where, loss, target, targets = {}, None, None, "indices"

    def place(name, position, key):
        if position < len(args) and isinstance(args[position], torch.Tensor):
            where[name] = ("arg", position)
        elif isinstance(kwargs.get(key), torch.Tensor):
            where[name] = ("kw", key)

    if family in ("conv2d", "conv_transpose2d"):
        transpose = family == "conv_transpose2d"
        names = ("weight", "bias", "stride", "padding", "output_padding", "groups", "dilation") if transpose else (
            "weight", "bias", "stride", "padding", "dilation", "groups")
        a = arguments(names, args, kwargs)
        w, b, groups = a["weight"], a.get("bias"), a.get("groups", 1)
        common = dict(kernel_size=tuple(w.shape[2:]), stride=a.get("stride", 1), padding=a.get("padding", 0),
                      dilation=a.get("dilation", 1), groups=groups, bias=b is not None)
        if transpose:
            m = nn.ConvTranspose2d(w.shape[0], w.shape[1] * groups, output_padding=a.get("output_padding", 0), **common)
        else:
            m = nn.Conv2d(w.shape[1] * groups, w.shape[0], **common)
        place("0.weight", 0, "weight")
        place("0.bias", 1, "bias")
        shape, batch = image_batch(shape)
    elif family == "max_pool2d":
        a = arguments(("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices"), args, kwargs)
        if a.get("return_indices"):
            a["return_indices"] = False  # the op returns (values, indices): the values are compared
        m = nn.MaxPool2d(**a)
        shape, batch = image_batch(shape)
    elif family == "avg_pool2d":
        m = nn.AvgPool2d(**arguments(("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                      "divisor_override"), args, kwargs))
        shape, batch = image_batch(shape)
    elif family.startswith("adaptive"):
        a = arguments(("output_size", "return_indices"), args, kwargs)
        m = (nn.AdaptiveAvgPool2d if "avg" in family else nn.AdaptiveMaxPool2d)(a["output_size"])
        shape, batch = image_batch(shape)
    elif family.startswith("interpolate"):
        a = arguments(("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"),
                      args, kwargs)
        if a.get("antialias"):
            raise NotExpressed("antialias")
        size, scale = a.get("size"), a.get("scale_factor")
        if x.dim() == 3:  # 1-d interpolation: C x 1 x L, the rows kept
            if a.get("mode") == "bilinear":
                raise NotExpressed("a 3-d input to bilinear")
            x4 = (x.shape[0], x.shape[1], 1, x.shape[2])
            size = None if size is None else (1, size[0] if isinstance(size, (tuple, list)) else size)
            scale = None if scale is None else (1.0, scale[0] if isinstance(scale, (tuple, list)) else scale)
            shape = x4
        elif x.dim() != 4:
            raise NotExpressed(f"a {x.dim()}-d input to interpolate")
        m = nn.Upsample(size=size, scale_factor=scale, mode=a.get("mode", "nearest"),
                        align_corners=a.get("align_corners"), recompute_scale_factor=a.get("recompute_scale_factor"))
        shape, batch = image_batch(tuple(shape))
    elif family in ("batch_norm", "group_norm"):
        if x.dim() < 2 or x.dim() > 4:
            raise NotExpressed(f"a {x.dim()}-d input to {family}")
        n, c = shape[:2]
        rest = shape[2:]
        image = (c, 1, 1) if not rest else (c, 1, rest[0]) if len(rest) == 1 else (c, *rest)
        if family == "batch_norm":
            a = arguments(("running_mean", "running_var", "weight", "bias", "training", "momentum", "eps"), args, kwargs)
            w, b = a.get("weight"), a.get("bias")
            if (w is None) != (b is None):
                raise NotExpressed("a weight without a bias or a bias without a weight")
            training = a.get("training", False)
            m = nn.BatchNorm2d(c, eps=a.get("eps", 1e-5), affine=w is not None,
                               track_running_stats=not training and a.get("running_mean") is not None)
            if not training and a.get("running_mean") is not None:
                m.running_mean.copy_(a["running_mean"])
                m.running_var.copy_(a["running_var"])
            m.train(training)
            place("0.weight", 2, "weight")
            place("0.bias", 3, "bias")
        else:
            a = arguments(("num_groups", "weight", "bias", "eps"), args, kwargs)
            w, b = a.get("weight"), a.get("bias")
            if (w is None) != (b is None):
                raise NotExpressed("a weight without a bias or a bias without a weight")
            m = nn.GroupNorm(a["num_groups"], c, eps=a.get("eps", 1e-5), affine=w is not None)
            place("0.weight", 1, "weight")
            place("0.bias", 2, "bias")
        shape, batch = image, (n if n > 1 else None)
    elif family == "layer_norm":
        a = arguments(("normalized_shape", "weight", "bias", "eps"), args, kwargs)
        w, b = a.get("weight"), a.get("bias")
        if (w is None) != (b is None):
            raise NotExpressed("a weight without a bias or a bias without a weight")
        m = nn.LayerNorm(a["normalized_shape"], eps=a.get("eps", 1e-5), elementwise_affine=w is not None)
        place("0.weight", 1, "weight")
        place("0.bias", 2, "bias")
        if len(shape) == 1 or len(shape) == 3:
            batch = None
        elif len(shape) == 2:
            shape, batch = shape[1:], shape[0]
        elif len(shape) == 4:
            shape, batch = shape[1:], shape[0]
        else:
            raise NotExpressed(f"a {len(shape)}-d input to layer_norm")
        batch = batch if batch and batch > 1 else None
    elif family == "linear":
        a = arguments(("weight", "bias"), args, kwargs)
        w, b = a["weight"], a.get("bias")
        if w.dim() != 2:
            raise NotExpressed("a 1-d weight")
        m = nn.Linear(w.shape[1], w.shape[0], bias=b is not None)
        place("0.weight", 0, "weight")
        place("0.bias", 1, "bias")
        batch = math.prod(shape[:-1]) if len(shape) > 1 else None
        shape, batch = shape[-1:], (batch if batch and batch > 1 else None)
    elif family in ELEMENTWISE:
        kw = dict(kwargs)
        if family == "dropout":
            kw = arguments(("p", "training", "inplace"), args, kwargs)
            m = nn.Dropout(kw.get("p", 0.5))
            m.train(kw.get("training", True))
        elif family in ("relu", "sigmoid", "tanh"):
            m = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh}[family]()
        else:
            names = {"leaky_relu": ("negative_slope",), "elu": ("alpha",), "gelu": ("approximate",), "silu": (),
                     "softplus": ("beta", "threshold")}[family]
            kw = arguments(names, args, kwargs)
            kw.pop("inplace", None)
            m = {"leaky_relu": nn.LeakyReLU, "elu": nn.ELU, "gelu": nn.GELU, "silu": nn.SiLU,
                 "softplus": nn.Softplus}[family](**kw)
        shape, batch = (max(1, x.numel()),), None  # elementwise: one flat vector
    elif family == "mse_loss":
        a = arguments(("target", "size_average", "reduce", "reduction"), args, kwargs)
        m, loss, target = nn.Identity(), nn.MSELoss(reduction=a.get("reduction", "mean")), a["target"]
        if tuple(target.shape) != shape:
            raise NotExpressed("a target broadcast to the input")
        where["t"] = ("arg", 0) if args else ("kw", "target")
        shape, batch = (max(1, x.numel()),), None
    elif family == "cross_entropy":
        a = arguments(("target", "weight", "size_average", "ignore_index", "reduce", "reduction", "label_smoothing"),
                      args, kwargs)
        t = a["target"]
        targets = "probabilities" if t.is_floating_point() else "indices"
        if x.dim() > 2:
            raise NotExpressed("a class axis with further axes (K-dimensional cross-entropy)")
        if not t.is_floating_point():
            if (t == a.get("ignore_index", -100)).any():
                raise NotExpressed("a target of ignore_index")
            t = torch.nn.functional.one_hot(t, x.shape[-1]).to(x.dtype)
        m = nn.Identity()
        loss = nn.CrossEntropyLoss(weight=a.get("weight"), reduction=a.get("reduction", "mean"),
                                   label_smoothing=a.get("label_smoothing", 0.0))
        where["t"] = ("arg", 0) if args else ("kw", "target")
        target = t
        shape, batch = shape[-1:], (shape[0] if x.dim() == 2 and shape[0] > 1 else None)
    else:
        raise NotExpressed(f"family {family}")
    module = nn.Sequential(m).double()
    for name, (kind, key) in where.items():
        if name != "t":
            tensor = args[key] if kind == "arg" else kwargs[key]
            dict(module.named_parameters())[name].data.copy_(tensor.detach())
    return module, tuple(int(n) for n in shape), batch, loss, where, target, targets


def reference(op, x, args, kwargs, upstream, torch):
    """PyTorch autograd on the OpInfo operation itself: the output and the gradient of every tensor."""
    leaf = lambda t: t.detach().clone().requires_grad_(t.is_floating_point()) if isinstance(t, torch.Tensor) else t
    x, args, kwargs = leaf(x), [leaf(a) for a in args], {k: leaf(v) for k, v in kwargs.items()}
    if op.name.endswith("batch_norm"):  # the running statistics are buffers: PyTorch takes no gradient of them
        args = [a.detach() if n < 2 and isinstance(a, torch.Tensor) else a for n, a in enumerate(args)]
        kwargs = {k: v.detach() if k in ("running_mean", "running_var") else v for k, v in kwargs.items()}
    out = op.op(x, *args, **kwargs)
    if isinstance(out, tuple):
        out = out[0]
    if upstream is None:
        out.backward()
    else:
        out.backward(torch.as_tensor(upstream).reshape(out.shape))
    grad = lambda t: None if t.grad is None else t.grad.detach().numpy().ravel()
    return (out.detach().numpy().ravel(), grad(x),
            {("arg", i): grad(a) for i, a in enumerate(args) if isinstance(a, torch.Tensor) and a.requires_grad},
            {("kw", k): grad(v) for k, v in kwargs.items() if isinstance(v, torch.Tensor) and v.requires_grad})


class PlainSympy:
    """tests/plain_sympy_json.py in one long-lived `python -I` process that never imports symconv."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, "-I", str(WORKER)], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)

    def __call__(self, text, leaves):
        self.proc.stdin.write(json.dumps({"json": text, "leaves": {k: np.asarray(v).tolist()
                                                                   for k, v in leaves.items()}}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError(answer["error"].strip().splitlines()[-1])
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def reason(error) -> str:
    """symconv's refusal without the names and numbers of the one sample: its kind of reason."""
    text = re.sub(r"^module '[^']*' \(([^)]*)\): ", r"\1: ", str(error))
    text = re.sub(r"^module '[^']*' \([^)]*\), ", "", text)  # a shape that does not fit: its layer says it
    text = re.sub(r"-?\d+(\.\d+)?(e-?\d+)?", "N", text)
    return text.split(" is not supported")[0].split(": give")[0][:110]



def module_leaves(d, x, params: dict, names: dict, rng, target=None) -> dict:
    """The derivation's leaves at the module's own numbers: its input, its parameters (named as symconv names
    them), the target, and a random upstream gradient for a network without a loss."""
    leaves = {}
    for t in d.tensors:
        if t.entries is not None:
            continue
        if t.name == "X":
            leaves["X"] = x.detach().numpy().reshape(t.shape)
        elif t.name in names:
            leaves[t.name] = params[names[t.name]].detach().numpy().reshape(t.shape)
        elif t.name == "t" and target is not None:
            leaves["t"] = target.detach().numpy().reshape(t.shape)
        else:
            assert t.name.startswith("dL/dA["), t.name
            leaves[t.name] = rng.standard_normal(t.shape)
    return leaves

def run_sample(family, op, sample, plain, cap, torch):
    from symconv import derive
    from symconv.rendering.json_format import to_json
    from symconv.size import Size
    from symconv.spec import SpecError
    from symconv.torch_import import from_torch, parameter_names

    x, args, kwargs = sample.input, list(sample.args), dict(sample.kwargs)
    try:
        module, shape, batch, loss, where, target, targets = write(family, x, args, kwargs, torch)
        spec = from_torch(module, shape, batch=batch, loss=loss, targets=targets)
    except NotExpressed as error:
        return "not expressed", str(error), None
    except (SpecError, ValueError, TypeError, RuntimeError) as error:
        if isinstance(error, SpecError):
            return "refused", reason(error), None
        return "not expressed", f"PyTorch refuses the module: {str(error).splitlines()[0][:80]}", None
    if Size.of(spec).seconds > cap:
        return "over the cap", "", None
    d = derive(spec)
    rng = np.random.default_rng(0)
    params = dict(module.named_parameters())
    names = parameter_names(spec)
    leaves = module_leaves(d, x, params, names, rng, target)
    got = plain(to_json(d), leaves)
    last = len(spec.layers) - (loss is not None)
    upstream = None if loss is not None else leaves[f"dL/dA[{last}]"]
    out, gx, by_arg, by_kw = reference(op, x, args, kwargs, upstream, torch)  # the op reads the class indices
    pairs = {("L" if loss is not None else f"A[{last}]"): out, "dL/dX": gx}
    grads = {**by_arg, **by_kw}
    for tensor, name in names.items():
        pairs[f"dL/d{tensor}"] = grads[where[name]]
    worst = 0.0
    for ours, theirs in pairs.items():
        a, b = np.asarray(got[ours], dtype=float), np.asarray(theirs, dtype=float)
        if a.shape != b.shape or not np.allclose(a, b, rtol=TOL, atol=TOL):
            return "MISMATCHED", f"{ours}", None
        worst = max(worst, float(np.max(np.abs(a - b))) if a.size else 0.0)
    return "matched", "", worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=3.0, help="largest estimated derivation time, seconds")
    parser.add_argument("--family", action="append", help="only these families (labels as printed)")
    options = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_default_dtype(torch.float64)
    start = time.time()
    plain = PlainSympy()
    table = collections.defaultdict(collections.Counter)
    worst = collections.defaultdict(float)
    try:
        for op in op_db():
            family = FAMILIES.get((op.name, op.variant_test_name))
            if family is None or (options.family and family not in options.family):
                continue
            for sample in op.sample_inputs("cpu", torch.float64, requires_grad=False):
                outcome, why, err = run_sample(family, op, sample, plain, options.cap, torch)
                table[family][(outcome, why)] += 1
                if err is not None:
                    worst[family] = max(worst[family], err)
                if outcome == "MISMATCHED":
                    shown = [tuple(a.shape) if isinstance(a, torch.Tensor) else a for a in sample.args]
                    print(f"MISMATCH {family}: {why} at input {tuple(sample.input.shape)} args {shown} "
                          f"kwargs {sample.kwargs}", flush=True)
            show(family, table[family], worst[family], time.time() - start)  # each family as it ends
    finally:
        plain.close()
    print(f"cap: estimated derivation time at most {options.cap} s (symconv.size); took {time.time() - start:.0f} s")


def show(family, c, worst, seconds) -> None:
    total = lambda kind: sum(v for (o, _), v in c.items() if o == kind)
    print(f"{family}: {sum(c.values())} samples, {total('matched')} matched (largest |error| {worst:.1e}), "
          f"{total('refused')} refused, {total('not expressed')} not expressed, {total('over the cap')} over the cap, "
          f"{total('MISMATCHED')} mismatched [{seconds:.0f} s so far]", flush=True)
    for (o, why), v in sorted(c.items(), key=lambda kv: -kv[1]):
        if o in ("refused", "not expressed"):
            print(f"    {v:5} {o}: {why}", flush=True)


if __name__ == "__main__":
    main()
