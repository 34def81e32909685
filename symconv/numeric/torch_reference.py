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
