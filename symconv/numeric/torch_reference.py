"""PyTorch's conv2d and autograd in float64, as a second independent reference (torch is optional)."""

from __future__ import annotations

import numpy as np


def available() -> bool:
    try:
        import torch  # noqa: F401  (imported here: 1 s of import time is paid only by the cross-check)
    except ImportError:
        return False
    return True


def conv2d_with_grads(x, k, b, g, stride, padding, dilation, flip=False) -> dict[str, np.ndarray]:
    """Y, dL/dX, dL/dK, dL/db from torch.nn.functional.conv2d and autograd, with L = sum(g * Y)."""
    import torch

    torch.set_num_threads(1)
    tx = torch.tensor(x[None], dtype=torch.float64, requires_grad=True)
    tk = torch.tensor(np.ascontiguousarray(k), dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    weight = torch.flip(tk, dims=(2, 3)) if flip else tk
    y = torch.nn.functional.conv2d(tx, weight, tb, stride=stride, padding=padding, dilation=dilation)
    (y * torch.tensor(g[None], dtype=torch.float64)).sum().backward()
    out = {"Y": y[0].detach().numpy(), "dL/dX": tx.grad[0].numpy(), "dL/dK": tk.grad.numpy()}
    if tb is not None:
        out["dL/db"] = tb.grad.numpy()
    return out


def conv2d_jacobians(x, k, b, stride, padding, dilation, flip=False) -> dict[str, np.ndarray]:
    """d vec(Y) / d vec(K), / d vec(X) (and / d b) from torch.autograd.functional.jacobian, its
    (Y axes, argument axes) result reordered to column-major vec on both sides."""
    import torch
    from torch.autograd.functional import jacobian

    torch.set_num_threads(1)
    tx, tk = torch.tensor(x[None], dtype=torch.float64), torch.tensor(np.ascontiguousarray(k), dtype=torch.float64)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64)

    def conv(xx, kk, bb):
        weight = torch.flip(kk, dims=(2, 3)) if flip else kk
        return torch.nn.functional.conv2d(xx, weight, bb, stride=stride, padding=padding, dilation=dilation)[0]

    def as_vec_matrix(j: "torch.Tensor", arg_dims: int) -> np.ndarray:
        # j has Y's 3 axes then the argument's; swap the last two axes of each side (rows <-> columns).
        y_axes = [0, 2, 1]
        arg = list(range(3, 3 + arg_dims))
        if arg_dims >= 2:
            arg[-1], arg[-2] = arg[-2], arg[-1]
        m = j.permute(*y_axes, *arg).reshape(int(np.prod(j.shape[:3])), -1)
        return m.numpy()

    out = {
        "dvecY/dvecK": as_vec_matrix(jacobian(lambda kk: conv(tx, kk, tb), tk), 4),
        "dvecY/dvecX": as_vec_matrix(jacobian(lambda xx: conv(xx[None], tk, tb), tx[0]), 3),
    }
    if tb is not None:
        out["dvecY/db"] = as_vec_matrix(jacobian(lambda bb: conv(tx, tk, bb), tb), 1)
    return out


def network_with_grads(net, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every A[l], L and every gradient of a network from PyTorch's layers and autograd (float64)."""
    import torch
    import torch.nn.functional as F

    from ..layers import Activation, Conv, Dense, Flatten, Pool

    torch.set_num_threads(1)
    leaves = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in values.items() if k != "t"}
    a, acts, loss = leaves["X"], [leaves["X"]], None
    for l, layer in enumerate(net.layers, start=1):
        if isinstance(layer, Conv):
            k = leaves[f"K[{l}]"]
            weight = torch.flip(k, dims=(2, 3)) if layer.convention == "convolution" else k
            a = F.conv2d(a[None], weight, leaves.get(f"b[{l}]"), stride=layer.stride, padding=layer.padding,
                         dilation=layer.dilation)[0]
        elif isinstance(layer, Activation):
            a = {"relu": torch.relu, "sigmoid": torch.sigmoid, "tanh": torch.tanh, "identity": lambda z: z * 1}[layer.kind](a)
        elif isinstance(layer, Pool):
            args = dict(kernel_size=layer.window, stride=layer.stride, padding=layer.padding)
            if layer.kind == "max":
                a = F.max_pool2d(a[None], **args)[0]
            elif layer.kind == "avg":
                a = F.avg_pool2d(a[None], count_include_pad=True, **args)[0]
            else:
                size = layer.window[0] * layer.window[1]
                a = torch.sqrt(F.avg_pool2d((a * a)[None], count_include_pad=True, **args)[0] * size)
        elif isinstance(layer, Flatten):
            a = a.transpose(1, 2).reshape(-1) if layer.order == "column" else a.reshape(-1)
        elif isinstance(layer, Dense):
            a = leaves[f"W[{l}]"] @ a + (leaves[f"b[{l}]"] if layer.bias else 0)
        else:
            target = torch.tensor(values["t"], dtype=torch.float64)
            loss = -(target * F.log_softmax(a, dim=0)).sum()
            a = torch.softmax(a, dim=0)
        a.retain_grad()
        acts.append(a)
    n = len(net.layers)
    if loss is None:
        (acts[-1] * torch.tensor(values[f"dL/dA[{n}]"], dtype=torch.float64)).sum().backward()
    else:
        loss.backward()
    out = {f"A[{l}]": acts[l].detach().numpy() for l in range(1, n + 1)}
    if loss is not None:
        out["L"] = np.array([loss.item()])
    for l in range(1, n + 1):
        out[f"dL/dA[{l - 1}]" if l > 1 else "dL/dX"] = acts[l - 1].grad.numpy()
    for name, leaf in leaves.items():
        if name != "X" and leaf.grad is not None and not name.startswith("dL/"):
            out[f"dL/d{name}"] = leaf.grad.numpy()
    return out
