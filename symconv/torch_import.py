"""A PyTorch module as a network: `from_torch(module, input_shape)`.

The module is traced with torch.fx (an nn.Sequential, or any module fx can trace), and every step of
its forward pass becomes a network file's table, with the TOML names (`{"type": "conv", "out_channels":
6, ...}`), read by the same `layer_from_fields` as a file is: a kind that table names but symconv does
not know yet is refused there, in one line naming the module. Residual additions and `torch.cat` along
the channels become `add` and `concat` layers with named inputs; each layer records the qualified name
of the module it came from (`module = "features.0"`). Parameters keep symconv's names (K[l], W[l],
b[l], gamma[l], beta[l]); `parameter_names` says which of the module's parameters each one is.

PyTorch is imported here only, on use: everything else in symconv works without it.
"""

from __future__ import annotations

import operator
import re
from .layers import layer_from_fields
from .network import NetworkSpec
from .spec import SpecError, check_choice, shown

INSTALL = "PyTorch is not installed: pip install 'symconv[torch]' (or pip install torch)"

# The module types the importer reads, as the message for one it does not lists them.
SUPPORTED = ("Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Linear, Flatten, "
             "BatchNorm1d, BatchNorm2d, LayerNorm, GroupNorm, Dropout, Dropout2d, Upsample (nearest, bilinear), "
             "Identity, ReLU, Sigmoid, Tanh, LeakyReLU, ELU, GELU, SiLU, Softplus; in forward: +, torch.add, "
             "torch.cat along the channels, torch.flatten(x, 1), torch.relu, torch.sigmoid, torch.tanh, F.relu, "
             "F.max_pool2d, F.avg_pool2d, F.interpolate (nearest, bilinear)")

# Activation modules with no kind of their own: formula layers (`type = "activation"`), in PyTorch's
# definitions, with the module's numbers as named parameters.
# Tensor.flatten, a method the forward pass may call (PyTorch's name, not a layer kind's).
TENSOR_FLATTEN = ("flatten",)
# GELU by its `approximate` setting: the exact one with erf, or PyTorch's tanh approximation.
GELU = {"none": "z * (1 + erf(z / sqrt(2))) / 2", "tanh": "z * (1 + tanh(sqrt(2 / pi) * (z + 0.044715 * z**3))) / 2"}


def _torch():
    try:
        import torch
    except ImportError:
        raise SpecError(INSTALL) from None
    return torch


def _pair(value) -> list[int]:
    """A PyTorch size as [rows, columns]: an int or a one-element list is both (PyTorch's reading)."""
    if isinstance(value, (tuple, list)):
        return list(value) * 2 if len(value) == 1 else list(value)
    return [value, value]


def _module_table(torch, where: str, m, label: str | None = None) -> dict:
    """The network file's table for one module (a leaf of the trace), `where` its qualified name (`label`
    names it in messages, for a pooling function). Fields left at symconv's defaults are written anyway
    where PyTorch's differ, so that the file says what the module does."""
    nn = torch.nn
    kind = type(m).__name__
    label = label or f"module {where!r} ({kind})"
    if isinstance(m, nn.Conv2d):
        table = {"type": "conv", "out_channels": m.out_channels, "kernel": _pair(m.kernel_size),
                 "stride": _pair(m.stride),
                 "padding": m.padding if isinstance(m.padding, str) else _pair(m.padding),
                 "dilation": _pair(m.dilation), "groups": m.groups, "bias": m.bias is not None}
        if m.padding_mode != "zeros":
            table["padding_mode"] = m.padding_mode
        return table
    if isinstance(m, nn.ConvTranspose2d):
        return {"type": "conv_transpose", "out_channels": m.out_channels, "kernel": _pair(m.kernel_size),
                "stride": _pair(m.stride), "padding": _pair(m.padding), "output_padding": _pair(m.output_padding),
                "dilation": _pair(m.dilation), "groups": m.groups, "bias": m.bias is not None}
    if isinstance(m, (nn.MaxPool2d, nn.AvgPool2d)):
        table = {"type": "maxpool" if isinstance(m, nn.MaxPool2d) else "avgpool", "window": _pair(m.kernel_size),
                 "stride": _pair(m.stride if m.stride not in (None, [], ()) else m.kernel_size), "padding": _pair(m.padding)}
        if isinstance(m, nn.MaxPool2d):
            if _pair(m.dilation) != [1, 1]:
                table["dilation"] = _pair(m.dilation)
            if m.return_indices:
                raise _refused(label, "return_indices=True (the module returns two tensors)")
        else:
            if not m.count_include_pad:
                table["count_include_pad"] = False
            if m.divisor_override is not None:
                table["divisor_override"] = m.divisor_override
        if m.ceil_mode:
            table["ceil_mode"] = True
        return table
    if isinstance(m, (nn.AdaptiveAvgPool2d, nn.AdaptiveMaxPool2d)):
        size = _pair(m.output_size)
        if None in size:
            raise _refused(label, "an output_size of None (give both sizes)")
        if getattr(m, "return_indices", False):
            raise _refused(label, "return_indices=True (the module returns two tensors)")
        return {"type": "adaptive_avgpool" if isinstance(m, nn.AdaptiveAvgPool2d) else "adaptive_maxpool",
                "output_size": size}
    if isinstance(m, nn.Linear):
        return {"type": "dense", "out_features": m.out_features, "bias": m.bias is not None}
    if isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise _refused(label, f"start_dim={m.start_dim}, end_dim={m.end_dim} (symconv flattens each "
                                        "example whole: start_dim=1, end_dim=-1)")
        return {"type": "flatten", "order": "row"}
    if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        table = {"type": "batchnorm", "eps": m.eps, "affine": m.affine}
        if not m.training and m.track_running_stats:  # eval mode: the running statistics, constants of the layer
            table.update(training=False, running_mean=m.running_mean.tolist(), running_var=m.running_var.tolist())
        return table
    if isinstance(m, nn.LayerNorm):
        table = {"type": "layernorm", "normalized_shape": list(m.normalized_shape), "eps": m.eps,
                 "affine": m.elementwise_affine}
        if m.elementwise_affine and m.bias is None:
            raise _refused(label, "bias=False (symconv's affine layer norm has both gamma and beta)")
        return table
    if isinstance(m, nn.GroupNorm):
        return {"type": "groupnorm", "groups": m.num_groups, "eps": m.eps, "affine": m.affine}
    if isinstance(m, (nn.Dropout, nn.Dropout1d, nn.Dropout2d)):
        if m.training and m.p > 0:
            raise _refused(label, f"training mode with p={m.p} (random; symconv's dropout is the identity "
                                        "of eval mode: call model.eval() first)")
        return {"type": "dropout", "p": float(m.p)}  # recorded as the module has it (the identity either way)
    if isinstance(m, nn.Upsample):  # UpsamplingNearest2d and UpsamplingBilinear2d too
        return _upsample_table(label, m.size, m.scale_factor, m.mode, m.align_corners, m.recompute_scale_factor)
    if isinstance(m, nn.Identity):
        return {"type": "identity"}
    simple = {nn.ReLU: "relu", nn.Sigmoid: "sigmoid", nn.Tanh: "tanh"}
    if type(m) in simple:
        return {"type": simple[type(m)]}
    formula = _activation_formula(m, nn)
    if formula is not None:
        return formula
    raise SpecError(f"module {where!r} ({kind}) is not supported: symconv imports {SUPPORTED}")


def _upsample_table(label: str, size, scale, mode, align_corners, recompute=None, antialias=False) -> dict:
    """`type = "upsample"` from nn.Upsample's or F.interpolate's arguments (PyTorch's names and defaults)."""
    if mode not in ("nearest", "bilinear"):
        raise _refused(label, f"mode {mode!r} (symconv upsamples by nearest or bilinear)")
    if recompute or antialias:
        raise _refused(label, "recompute_scale_factor=True" if recompute else "antialias=True")
    table = {"type": "upsample"}
    if size is not None:
        table["size"] = _pair(size)
    else:
        pair = scale if isinstance(scale, (tuple, list)) else (scale, scale)
        table["scale"] = [int(v) if float(v).is_integer() else float(v) for v in pair]
    table["mode"] = mode
    if mode == "bilinear":
        table["align_corners"] = bool(align_corners)
    return table


def _activation_formula(m, nn) -> dict | None:
    """A formula layer for an activation module with no kind of its own, as PyTorch defines it."""
    if isinstance(m, nn.LeakyReLU):
        return {"type": "activation", "formula": "Piecewise((z, z > 0), (alpha * z, True))",
                "params": {"alpha": float(m.negative_slope)}}
    if isinstance(m, nn.ELU):
        return {"type": "activation", "formula": "Piecewise((z, z > 0), (alpha * (exp(z) - 1), True))",
                "params": {"alpha": float(m.alpha)}}
    if isinstance(m, nn.GELU):
        return {"type": "activation", "formula": GELU[m.approximate], "params": {}}
    if isinstance(m, nn.SiLU):
        return {"type": "activation", "formula": "z / (1 + exp(-z))", "params": {}}
    if isinstance(m, nn.Softplus):  # linear above the threshold, as PyTorch computes it
        return {"type": "activation", "formula": "Piecewise((z, beta * z > threshold), (log(1 + exp(beta * z)) / beta, True))",
                "params": {"beta": float(m.beta), "threshold": float(m.threshold)}}
    return None


def _refused(label: str, what: str) -> SpecError:
    return SpecError(f"{label}: {what} is not supported")


TARGETS = {"indices": "one-hot", "probabilities": "any"}  # nn.CrossEntropyLoss's target -> symconv's


def _loss_table(torch, loss, targets: str = "indices") -> dict:
    nn = torch.nn
    kind = type(loss).__name__
    check_choice(targets, "targets", tuple(TARGETS))
    if isinstance(loss, nn.CrossEntropyLoss):
        if loss.weight is not None or loss.label_smoothing:
            raise SpecError(f"loss {kind}: class weights and label smoothing are not supported: give "
                            "nn.CrossEntropyLoss() with reduction 'mean' or 'sum'")
        # Class indices are one-hot targets (dL/df = p - t); class probabilities, which PyTorch does not
        # require to sum to 1, give the general p sum(t) - t.
        table = {"type": "softmax_cross_entropy", **({"target": "any"} if targets == "probabilities" else {})}
    elif isinstance(loss, nn.MSELoss):
        table = {"type": "mse"}
    else:
        raise SpecError(f"loss {shown(loss) if not isinstance(loss, nn.Module) else kind} is not supported: give "
                        "nn.CrossEntropyLoss() or nn.MSELoss()")
    if loss.reduction not in ("mean", "sum"):
        raise SpecError(f"loss {kind}: reduction {loss.reduction!r} is not supported: give 'mean' or 'sum'")
    return {**table, "reduction": loss.reduction}


def _function_table(torch, node) -> tuple[dict, list]:
    """(table, the nodes it reads) for a function or method the forward pass calls."""
    target, args, kwargs = node.target, list(node.args), dict(node.kwargs)
    name = target if isinstance(target, str) else getattr(target, "__name__", str(target))
    where = f"operation {name!r} (node {node.name!r})"
    fx_node = torch.fx.Node
    if target in (operator.add, torch.add) or (node.op == "call_method" and target == "add"):
        if len(args) == 2 and not kwargs and all(isinstance(a, fx_node) for a in args):
            return {"type": "add"}, args
        raise SpecError(f"{where} adds something other than two tensors: symconv adds the outputs of two layers")
    if target is torch.cat:
        tensors = args[0] if args else kwargs.get("tensors")
        dim = args[1] if len(args) > 1 else kwargs.get("dim", 0)
        if isinstance(tensors, (list, tuple)) and all(isinstance(t, fx_node) for t in tensors) and dim in (1, -3):
            return {"type": "concat"}, list(tensors)
        raise SpecError(f"{where} is not supported: symconv concatenates layer outputs along the channels (dim=1)")
    if target is torch.flatten or (node.op == "call_method" and target in TENSOR_FLATTEN):
        start = args[1] if len(args) > 1 else kwargs.get("start_dim", 0)
        end = args[2] if len(args) > 2 else kwargs.get("end_dim", -1)
        if start == 1 and end == -1:
            return {"type": "flatten", "order": "row"}, args[:1]
        raise SpecError(f"{where} with start_dim={start}, end_dim={end} is not supported: use torch.flatten(x, 1)")
    F, nn = torch.nn.functional, torch.nn
    pools = {F.max_pool2d: (nn.MaxPool2d, ("kernel_size", "stride", "padding", "dilation", "ceil_mode", "return_indices")),
             F.avg_pool2d: (nn.AvgPool2d, ("kernel_size", "stride", "padding", "ceil_mode", "count_include_pad",
                                           "divisor_override"))}
    if target in pools and args and isinstance(args[0], fx_node):  # the pooling module's table, from its arguments
        cls, names = pools[target]
        given = {**dict(zip(names, args[1:])), **kwargs}
        if len(args) - 1 > len(names) or set(given) - set(names) or any(
                isinstance(v, fx_node) for v in given.values()):
            raise SpecError(f"{where} is called with arguments symconv cannot read: give its sizes as numbers")
        table = _module_table(torch, node.name, cls(**given), label=where)
        _known(table, where)
        return table, args[:1]
    if target is F.interpolate and args and isinstance(args[0], fx_node):
        names = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias")
        given = {**dict(zip(names, args[1:])), **kwargs}
        if len(args) - 1 > len(names) or set(given) - set(names) or any(
                isinstance(v, fx_node) for v in given.values()):
            raise SpecError(f"{where} is called with arguments symconv cannot read: give its sizes as numbers")
        table = _upsample_table(where, given.get("size"), given.get("scale_factor"), given.get("mode", "nearest"),
                                given.get("align_corners"), given.get("recompute_scale_factor"),
                                given.get("antialias", False))
        _known(table, where)
        return table, args[:1]
    functional = {torch.relu: "relu", torch.sigmoid: "sigmoid", torch.tanh: "tanh",
                  torch.nn.functional.relu: "relu", torch.nn.functional.sigmoid: "sigmoid",
                  torch.nn.functional.tanh: "tanh"}
    methods = {"relu": "relu", "sigmoid": "sigmoid", "tanh": "tanh"}
    kind = methods.get(target) if node.op == "call_method" else functional.get(target)
    if kind is not None and args and isinstance(args[0], fx_node) and set(kwargs) <= {"inplace"}:
        return {"type": kind}, args[:1]
    raise SpecError(f"{where} is not supported: symconv imports {SUPPORTED}")


def network_tables(module, input_shape, *, batch: int | None = None, loss=None, targets: str = "indices") -> dict:
    """The network file's structure ({"input": [...], "layer": [tables]}) of a PyTorch module.

    Raises:
        SpecError: one line naming the module (its qualified name and type) or the operation that
            cannot be imported, and what can.
    """
    torch = _torch()
    if not isinstance(module, torch.nn.Module):
        raise SpecError(f"{shown(module)} is not a PyTorch module: give an nn.Module, e.g. an nn.Sequential")
    try:
        graph = torch.fx.symbolic_trace(module).graph
    except Exception as error:  # noqa: BLE001  (fx raises many kinds; each is the module's, told in one line)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise SpecError(f"module {type(module).__name__} cannot be traced by torch.fx ({first}): give an "
                        "nn.Sequential or a module whose forward has no data-dependent control flow") from None
    steps, produced, result = [], {}, None  # steps: (table, the nodes it reads, fx node)
    for node in graph.nodes:
        if node.op == "placeholder":
            if produced:
                raise SpecError(f"module {type(module).__name__} takes several inputs: symconv imports a module "
                                "with one input tensor")
            produced[node] = 0
            continue
        if node.op == "output":
            result = node.args[0]
            continue
        if node.op == "call_module":
            sub = module.get_submodule(node.target)
            table = _module_table(torch, node.target, sub)
            table = {"type": table.pop("type"), "module": node.target, **table}
            reads = list(node.args)
            if len(reads) != 1 or node.kwargs or not isinstance(reads[0], torch.fx.Node):
                raise SpecError(f"module {node.target!r} ({type(sub).__name__}) is called with other than one tensor: "
                                "symconv imports layers that read one tensor")
            _known(table, f"module {node.target!r} ({type(sub).__name__})")
        elif node.op in ("call_function", "call_method"):
            table, reads = _function_table(torch, node)
        else:  # get_attr: a tensor of the module used in forward
            raise SpecError(f"operation {node.op} {node.target!r} (node {node.name!r}) is not supported: symconv "
                            f"imports {SUPPORTED}")
        for read in reads:
            if read not in produced:
                raise SpecError(f"node {node.name!r} reads {read.name!r}, which is not a layer's output: symconv "
                                f"imports {SUPPORTED}")
        steps.append((table, reads, node))
        produced[node] = len(steps)
    if not steps or not isinstance(result, torch.fx.Node) or produced.get(result) != len(steps):
        raise SpecError(f"module {type(module).__name__}: its forward must return the output of its last operation, "
                        "one tensor")
    return _tables(steps, produced, input_shape, batch, None if loss is None else _loss_table(torch, loss, targets))


def _known(table: dict, where: str) -> None:
    """Refuse, naming the module, a table that symconv's layers do not take (a kind or a field it does
    not know yet, a value out of its range)."""
    try:
        layer_from_fields({k: v for k, v in table.items() if k != "module"})
    except (SpecError, TypeError) as error:
        raise SpecError(f"{where}: {error}") from None


def _tables(steps, produced, input_shape, batch, loss_table) -> dict:
    """Name the layers another one reads out of turn (by their fx node's name) and list each such input."""
    out_of_turn = [[produced[r] for r in reads] != [n - 1] for n, (_, reads, _) in enumerate(steps, start=1)]
    named = {produced[r] for wired, (_, reads, _) in zip(out_of_turn, steps) if wired for r in reads}
    names = {0: "input", **{produced[node]: node.name for _, _, node in steps}}
    tables = []
    for n, ((table, reads, node), wired) in enumerate(zip(steps, out_of_turn), start=1):
        head = {"name": node.name} if n in named else {}
        if wired:
            head["inputs"] = [names[produced[r]] for r in reads]
        tables.append({**head, **table})
    if loss_table is not None:
        tables.append(loss_table)
    data = {"input": input_shape, "layer": tables}
    if batch is not None:
        data["batch"] = batch
    return data


def from_torch(module, input_shape, *, batch: int | None = None, loss=None, name: str = "network",
               targets: str = "indices") -> NetworkSpec:
    """The network spec of a PyTorch module at an input of `input_shape` ((C, H, W) or (n,)), with a
    batch of `batch` examples (None: one example, no batch axis) and, when given, a loss
    (nn.CrossEntropyLoss() or nn.MSELoss()). Train or eval mode is each module's own. `targets` is what
    nn.CrossEntropyLoss is given: "indices" (class indices, one-hot: dL/df = p - t) or "probabilities"
    (class probabilities, which PyTorch does not require to sum to 1: dL/df = p sum(t) - t).

    Raises:
        SpecError: naming the module (qualified name and type) that cannot be imported, or the shape
            that does not fit.
    """
    return imported(module, input_shape, batch=batch, loss=loss, name=name, targets=targets)[1]


def imported(module, input_shape, *, batch: int | None = None, loss=None, name: str = "network",
             targets: str = "indices"):
    """(the network file's tables, the network spec) of a PyTorch module: from_torch's two forms."""
    input_shape = list(input_shape) if isinstance(input_shape, (tuple, list)) else input_shape
    data = network_tables(module, input_shape, batch=batch, loss=loss, targets=targets)
    try:
        spec = NetworkSpec.from_dict(data, name=name)
    except SpecError as error:  # a shape that does not fit: named by its module too
        where = re.match(r"layer (\d+) \(", str(error))
        qualified = data["layer"][int(where[1]) - 1].get("module") if where else None
        if qualified is None:
            raise
        kind = type(module.get_submodule(qualified)).__name__
        raise SpecError(f"module {qualified!r} ({kind}), {error}") from None
    _check_parameters(module, spec)
    return data, spec


# symconv's parameter -> the PyTorch parameter it is
TORCH_PARAMETER = {"K": "weight", "W": "weight", "b": "bias", "gamma": "weight", "beta": "bias"}


def parameter_names(spec: NetworkSpec) -> dict[str, str]:
    """Each trained parameter of an imported network (its tensor's name, K[1]) -> the qualified name of
    the module's parameter it is (features.0.weight)."""
    out = {}
    for n, (layer, module) in enumerate(zip(spec.layers, spec.modules), start=1):
        if module is None:
            continue
        for p in layer.params(spec.shape_in(n)):
            if p.trained and not p.stage and p.key in TORCH_PARAMETER:
                out[f"{p.key}[{n}]"] = f"{module}.{TORCH_PARAMETER[p.key]}"
    return out


def _check_parameters(module, spec: NetworkSpec) -> None:
    """Every parameter the spec derives has the module's shape (a Linear whose in_features is not the
    flattened size, a Conv2d whose in_channels is not the input's, is refused here, naming the module)."""
    shapes = {name: tuple(p.shape) for name, p in module.named_parameters()}
    sizes = {f"{p.key}[{n}]": p.shape for n, layer in enumerate(spec.layers, start=1)
             for p in layer.params(spec.shape_in(n))}
    for tensor, qualified in parameter_names(spec).items():
        theirs = shapes.get(qualified)
        if theirs != tuple(sizes[tensor]):
            where, what = qualified.rsplit(".", 1)
            size = lambda shape: "x".join(map(str, shape))
            raise SpecError(f"module {where!r} ({type(module.get_submodule(where)).__name__}): its {what} has shape "
                            f"{size(theirs or ())}, but at input {size(spec.input)} it needs {size(sizes[tensor])}: "
                            "give the input shape the module was built for")


class ModuleValues:
    """A PyTorch module's own numbers for an imported network (`--model-values`): its parameters as the
    derivation's tensors (K[1] = features.0.weight), and PyTorch running the module itself, in float64, at
    given numbers for the rest (the input, the upstream gradient or the target), so that symconv's entries
    can be checked against the module and not only against symconv's own references."""

    def __init__(self, module, spec: NetworkSpec, loss=None):
        torch = _torch()
        self.module, self.spec, self.loss = module.double(), spec, loss
        self.names = parameter_names(spec)
        own = dict(module.named_parameters())
        self.given = {tensor: own[name].detach().numpy().copy() for tensor, name in self.names.items()}
        self._torch = torch

    def run(self, leaves: dict) -> dict:
        """By tensor name: the module's output (A[n] of its last layer) or the loss L, and the gradients
        PyTorch's autograd gives the input and every parameter (dL/dX, dL/dK[1], ...), at `leaves` (X and
        dL/dA[n] or the target t; the parameters are the module's own)."""
        import numpy as np

        torch, spec = self._torch, self.spec
        batched = spec.batch is not None
        x = torch.tensor(leaves["X"] if batched else leaves["X"][None], dtype=torch.float64, requires_grad=True)
        for p in self.module.parameters():
            p.grad = None
        out = self.module(x)
        last = len(spec.layers) - (self.loss is not None)
        if self.loss is None:
            upstream = leaves[f"dL/dA[{last}]"]
            value = (out * torch.tensor(upstream if batched else upstream[None])).sum()
        else:
            target = leaves["t"]
            value = self.loss(out, torch.tensor(target if batched else target[None]))
        value.backward()
        strip = (lambda a: a) if batched else (lambda a: a[0])
        got = {f"A[{last}]": strip(out.detach().numpy()), "dL/dX": strip(x.grad.numpy())}
        if self.loss is not None:
            got["L"] = np.array([value.item()])
        own = dict(self.module.named_parameters())
        got.update({f"dL/d{tensor}": own[name].grad.numpy() for tensor, name in self.names.items()})
        return got


def module_values(module, spec: NetworkSpec, loss=None) -> ModuleValues:
    """The module's parameters and a runner of the module itself, for an imported network's worked example
    and verify (the module turns float64, as the comparisons need)."""
    return ModuleValues(module, spec, loss)
