"""PyTorch's test_convolution.py configurations (2-d), run through symconv and compared with PyTorch.

Run by hand (not part of the test suite; needs PyTorch):

    PYTHONPATH=. python benchmarks/test_convolution.py [--cap SECONDS] [--test NAME ...] [--estimate]

The configurations are benchmarks/test_convolution_configs.toml (from PyTorch's test/nn/test_convolution.py,
the commit is cited there, sizes scaled down where the test makes them huge). Each is written as a PyTorch
module in float64 (nn.Conv2d or nn.ConvTranspose2d, then any relu, batch normalization in training mode or
further convolution the test applies), its parameters and input drawn from a seed, imported with
symconv.from_torch, derived, written as the plain-SymPy JSON and evaluated by tests/plain_sympy_json.py (a
`python -I` process that never imports symconv), exactly as benchmarks/opinfo.py does; the output and every
gradient (input, weights, biases) at a random upstream gradient are compared with PyTorch autograd on the
module to 1e-9. A configuration PyTorch itself refuses (expect = "refused") must be refused by symconv too.
Per family (conv2d, conv_transpose2d: the first layer's) it prints: configurations, matched, refused
(grouped by symconv's reason; "as PyTorch" when PyTorch refuses it too), not expressed (an empty batch),
over the cap and mismatched (a value that differs, or a configuration one side refuses and the other runs).
"""

from __future__ import annotations

import argparse
import collections
import itertools
import sys
import time
import tomllib
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.opinfo import TOL, PlainSympy, module_leaves, reason  # noqa: E402

CONFIGS = Path(__file__).with_name("test_convolution_configs.toml")
INHERITED = ("kernel", "stride", "padding", "dilation")  # a later convolution's, from the first when absent


def expand(entry: dict) -> list[dict]:
    """Every configuration of one entry: each combination of `vary`, for each of `cases` (or the entry alone)."""
    base = {k: v for k, v in entry.items() if k not in ("vary", "cases")}
    vary = entry.get("vary", {})
    out = []
    for case in entry.get("cases", [{}]):
        for values in itertools.product(*vary.values()):
            config = {**base, **case, **dict(zip(vary, values))}
            if "batch" in config:
                config["input"] = [config.pop("batch"), *config["input"][1:]]
            out.append(config)
    return out


def configurations() -> list[dict]:
    with open(CONFIGS, "rb") as f:
        return [c for entry in tomllib.load(f)["config"] for c in expand(entry)]


def _conv(nn, c_in: int, layer: dict, first: dict):
    fields = {k: layer.get(k, first.get(k)) for k in INHERITED}
    common = dict(kernel_size=fields["kernel"], stride=fields["stride"] if fields["stride"] is not None else 1,
                  padding=fields["padding"] if fields["padding"] is not None else 0,
                  dilation=fields["dilation"] if fields["dilation"] is not None else 1,
                  groups=layer.get("groups", 1), bias=layer.get("bias", True))
    if layer.get("op", "conv2d") == "conv_transpose2d":
        return nn.ConvTranspose2d(c_in, layer["out_channels"], output_padding=layer.get("output_padding", 0), **common)
    return nn.Conv2d(c_in, layer["out_channels"], padding_mode=layer.get("padding_mode", "zeros"), **common)


def module_of(config: dict, torch):
    """The configuration as an nn.Sequential (float64): its convolution, then the layers of `then`."""
    nn = torch.nn
    layers = [config, *config.get("then", [])]
    shape = list(config["input"])
    x = torch.zeros([1, *shape] if len(shape) == 3 else shape, dtype=torch.float64)
    modules = []
    for layer in layers:
        op = layer.get("op", "conv2d")
        if op == "relu":
            m = nn.ReLU()
        elif op == "batchnorm":
            m = nn.BatchNorm2d(x.shape[1])
        else:
            if layer.get("output_padding") == "to input":  # output_size=input.shape: the output_padding that gives it
                probe = _conv(nn, x.shape[1], {**layer, "output_padding": 0}, config).double()
                got = probe(x).shape[2:]
                layer = {**layer, "output_padding": [int(a - b) for a, b in zip(config["input"][-2:], got)]}
            m = _conv(nn, x.shape[1], layer, config)
        modules.append(m.double())
        x = m.double()(x)
    return nn.Sequential(*modules).double()


def run(config: dict, plain: PlainSympy, cap: float, seed: int, torch) -> tuple[str, str, float | None]:
    from symconv import derive
    from symconv.rendering.json_format import to_json
    from symconv.size import Size
    from symconv.spec import SpecError
    from symconv.torch_import import from_torch, parameter_names

    shape = list(config["input"])
    if 0 in shape:
        return "not expressed", "an empty tensor", None
    torch.manual_seed(seed)
    batched = len(shape) == 4
    batch = shape[0] if batched and shape[0] > 1 else None
    image = tuple(shape[1:]) if batched else tuple(shape)
    x = torch.randn(shape, dtype=torch.float64)
    try:
        module = module_of(config, torch)
        with torch.no_grad():
            module(x)
        pytorch_refuses = None
    except (RuntimeError, ValueError) as error:
        pytorch_refuses = str(error).splitlines()[0][:80]
    try:
        spec = from_torch(module, image, batch=batch) if pytorch_refuses is None else None
    except SpecError as error:
        return "MISMATCHED", f"symconv refuses what PyTorch runs: {reason(error)}", None
    if pytorch_refuses is not None:  # symconv must refuse it: the network file as the test wrote it
        try:
            unchecked = _unchecked(config, torch)
        except (RuntimeError, ValueError) as error:
            return "not expressed", f"PyTorch refuses to build the module: {str(error).splitlines()[0][:60]}", None
        try:
            spec = from_torch(unchecked, image, batch=batch)
        except SpecError as error:
            return "refused", f"as PyTorch: {reason(error)}", None
        return "MISMATCHED", f"symconv accepts what PyTorch refuses ({pytorch_refuses})", None
    if Size.of(spec).seconds > cap:
        return "over the cap", "", None
    d = derive(spec)
    rng = np.random.default_rng(seed)
    params = dict(module.named_parameters())
    names = parameter_names(spec)
    leaves = module_leaves(d, x, params, names, rng)
    got = plain(to_json(d), leaves)
    last = len(spec.layers)
    xr = x.clone().requires_grad_(True)
    module.zero_grad()
    out = module(xr)
    out.backward(torch.as_tensor(leaves[f"dL/dA[{last}]"]).reshape(out.shape))
    pairs = {f"A[{last}]": out.detach().numpy().ravel(), "dL/dX": xr.grad.numpy().ravel()}
    for tensor, name in names.items():
        pairs[f"dL/d{tensor}"] = params[name].grad.numpy().ravel()
    worst = 0.0
    for ours, theirs in pairs.items():
        a = np.asarray(got[ours], dtype=float)
        if a.shape != theirs.shape or not np.allclose(a, theirs, rtol=TOL, atol=TOL):
            return "MISMATCHED", ours, None
        worst = max(worst, float(np.max(np.abs(a - theirs))) if a.size else 0.0)
    return "matched", "", worst


def _unchecked(config: dict, torch):
    """The module PyTorch refuses to run, built without running it (for symconv's own judgement)."""
    nn = torch.nn
    return nn.Sequential(_conv(nn, config["input"][-3], config, config).double())


def family(config: dict) -> str:
    return config.get("op", "conv2d")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=10.0, help="largest estimated derivation time, seconds")
    parser.add_argument("--test", action="append", help="only configurations whose test name contains this")
    parser.add_argument("--estimate", action="store_true", help="only print each configuration's estimated time")
    options = parser.parse_args()
    warnings.filterwarnings("ignore")
    import torch

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float64)
    configs = [c for c in configurations() if not options.test or any(t in c["test"] for t in options.test)]
    if options.estimate:
        from symconv.size import Size
        from symconv.torch_import import from_torch

        for c in configs:
            try:
                shape = c["input"]
                spec = from_torch(module_of(c, torch), tuple(shape[1:]) if len(shape) == 4 else tuple(shape),
                                  batch=shape[0] if len(shape) == 4 and shape[0] > 1 else None)
                print(f"{Size.of(spec).seconds:8.2f} s  {c['test']}  {shape}")
            except Exception as error:  # noqa: BLE001 - a listing only
                print(f"       -    {c['test']}  {c['input']}: {str(error).splitlines()[0][:60]}")
        return
    start = time.time()
    plain = PlainSympy()
    table = collections.defaultdict(collections.Counter)
    worst = collections.defaultdict(float)
    try:
        for n, config in enumerate(configs):
            outcome, why, err = run(config, plain, options.cap, n, torch)
            table[family(config)][(outcome, why)] += 1
            if err is not None:
                worst[family(config)] = max(worst[family(config)], err)
            if outcome in ("MISMATCHED", "over the cap"):
                shown = {k: v for k, v in config.items() if k not in ("test", "scaled")}
                print(f"{outcome} {config['test']}: {why} at {shown}", flush=True)
    finally:
        plain.close()
    for fam, c in table.items():
        total = lambda kind: sum(v for (o, _), v in c.items() if o == kind)
        print(f"{fam}: {sum(c.values())} configurations, {total('matched')} matched (largest |error| "
              f"{worst[fam]:.1e}), {total('refused')} refused, {total('not expressed')} not expressed, "
              f"{total('over the cap')} over the cap, {total('MISMATCHED')} mismatched")
        for (o, why), v in sorted(c.items(), key=lambda kv: -kv[1]):
            if o in ("refused", "not expressed"):
                print(f"    {v:5} {o}: {why}")
    print(f"cap: estimated derivation time at most {options.cap} s (symconv.size); took {time.time() - start:.0f} s")


if __name__ == "__main__":
    main()
