"""PyTorch's own layers and autograd in float64, as a second independent reference (torch is optional)."""

from __future__ import annotations

import importlib.util

import numpy as np

from ..derivation import LayerRecord
from ..vec import vec_order


def available() -> bool:
    """Whether PyTorch is installed, found without importing it (its import alone takes over a second,
    paid only by the comparison itself)."""
    return importlib.util.find_spec("torch") is not None


def network_with_grads(records: tuple[LayerRecord, ...], values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every layer output, L and every gradient, by tensor name, from PyTorch's layers and autograd (float64)."""
    import torch

    torch.set_num_threads(1)
    first, last = records[0], records[-1]
    # Gradients of the input and of every trained parameter; a target or a given upstream gradient has none.
    trained = {first.input} | {r.params[p.key] for r in records for p in r.layer.params(r.shape_in) if p.trained}
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=k in trained) for k, v in values.items()}
    acts = {first.input: leaves[first.input]}
    batched = leaves[first.input].dim() == len(first.shape_in) + 1  # a batch: the examples' axis first
    loss = None
    for r in records:
        params = {key: leaves[name] for key, name in r.params.items() if name in leaves}
        reads = acts[r.input] if len(r.inputs) == 1 else tuple(acts[name] for name in r.inputs)
        if batched and not r.layer.is_loss and not r.layer.whole_batch:  # each example; a loss or a batch norm: all
            examples = zip(*reads) if len(r.inputs) > 1 else reads
            a = torch.stack([r.layer.torch_forward(torch, example, params) for example in examples])
        else:
            a = r.layer.torch_forward(torch, reads, params)
        if r.layer.is_loss:  # (output, L)
            a, loss = a
        a.retain_grad()
        acts[r.output] = a
    if loss is None:
        (acts[last.output] * leaves[f"dL/d{last.output}"]).sum().backward()
    else:
        loss.backward()
    out = {r.output: acts[r.output].detach().numpy() for r in records}
    if loss is not None:  # the loss's value: its layer's parameter that is an output
        value = next(p.key for p in last.layer.params(last.shape_in) if p.computed)
        out[last.params[value]] = np.array([loss.item()])
    for r in records:
        for name in r.inputs:  # autograd sums the parts of a value that several layers read
            out[f"dL/d{name}"] = acts[name].grad.numpy()
        for name in r.params.values():
            if name in leaves and leaves[name].grad is not None:
                out[f"dL/d{name}"] = leaves[name].grad.numpy()
    return out


def jacobians(record: LayerRecord, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """d vec(out) / d vec(each tensor the layer reads) from torch.autograd.functional.jacobian, its
    (output axes, argument axes) result reordered to vec order on both sides, keyed by the argument's name."""
    import torch
    from torch.autograd.functional import jacobian

    torch.set_num_threads(1)
    trained = [p.key for p in record.layer.params(record.shape_in) if p.trained]
    reads = [record.input, *(record.params[key] for key in trained)]
    tensors = [torch.tensor(values[name], dtype=torch.float64) for name in reads]
    keys = [None, *trained]

    def layer(*args):
        return record.layer.torch_forward(torch, args[0], dict(zip(keys[1:], args[1:])))

    full = jacobian(layer, tuple(tensors))
    out_shape = tuple(record.shape_out)
    rows = vec_order(out_shape)
    result = {}
    for name, tensor, j in zip(reads, tensors, full):
        m = j.reshape(int(np.prod(out_shape)), -1).numpy()
        result[name] = m[rows][:, vec_order(tuple(tensor.shape))]
    return result
