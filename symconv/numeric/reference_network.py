"""An independent NumPy forward and backward pass, layer by layer through each kind's own NumPy code."""

from __future__ import annotations

import numpy as np

from ..derivation import LayerRecord, contribution
from ..vec import vec_order


def forward_backward(records: tuple[LayerRecord, ...], values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every layer output, the loss, and every gradient, by tensor name, given the input, the
    parameters and the target t (or the upstream gradient of the last output). A batch (an input with
    one more axis than the first layer reads) is run example by example: each example's pass through
    each kind's NumPy code, the loss reduced over the examples by its factor, the parameters'
    gradients summed."""
    x = values[records[0].input]
    if x.ndim == len(records[0].shape_in):
        return _one(records, values)
    per_example = {r.params[p.key] for r in records for p in r.layer.params(r.shape_in) if p.after and not p.computed}
    per_example |= {records[0].input, f"dL/d{records[-1].output}"}
    runs = [_one(records, {k: (v[n] if k in per_example else v) for k, v in values.items()}) for n in range(len(x))]
    last, out = records[-1], {}
    weight = float(last.layer.batch_weight(len(x))) if last.layer.is_loss else 1.0
    shared = {f"dL/d{name}" for r in records for name in r.params.values()}
    for name in runs[0]:
        parts = [run[name] for run in runs]
        if name in shared:  # a parameter's gradient: every example's, summed (each already weighted)
            out[name] = sum(parts) * weight
        elif name in last.params.values():  # the loss: its examples' values reduced
            out[name] = sum(parts) * weight
        elif name.startswith("dL/d"):  # an activation's gradient: the loss's factor reaches each example's
            out[name] = np.stack(parts) * weight
        else:
            out[name] = np.stack(parts)
    return out


def _one(records: tuple[LayerRecord, ...], values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One example's pass, forward then backward, through each kind's NumPy code."""
    out: dict[str, np.ndarray] = {}
    acts = {records[0].input: values[records[0].input]}
    saved = []
    reads = lambda r: acts[r.input] if len(r.inputs) == 1 else tuple(acts[name] for name in r.inputs)
    for r in records:
        params = {key: values[name] for key, name in r.params.items() if name in values}
        y, cache = r.layer.numpy_forward(np, reads(r), params)
        acts[r.output] = out[r.output] = y
        saved.append((params, cache))
        for p in r.layer.params(r.shape_in):  # a loss's value, which its forward puts beside the target
            if p.computed:
                out[r.params[p.key]] = params[p.key]
    last = records[-1]
    readers = {name: [r.number for r in records if name in r.inputs] for name in acts}
    grads_of = {last.output: values.get(f"dL/d{last.output}")}
    for r, (params, cache) in zip(reversed(records), reversed(saved)):
        g_in, grads = r.layer.numpy_backward(np, grads_of.get(r.output), reads(r), acts[r.output], params, cache)
        for key, grad in grads.items():
            out[f"dL/d{r.params[key]}"] = grad
        for name, part in zip(r.inputs, (g_in,) if len(r.inputs) == 1 else g_in):
            if len(readers[name]) > 1:  # each reader's part, and their sum
                out[contribution(name, r.number)] = part
            grads_of[name] = grads_of[name] + part if name in grads_of else part
        for name in r.inputs:
            if readers[name][0] == r.number:  # its last reader backward: the gradient is complete
                out[f"dL/d{name}"] = grads_of[name]
    return out


def jacobians(record: LayerRecord, values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """d vec(out) / d vec(each tensor the layer reads), row by row: row a is the layer's NumPy backward
    pass with the upstream gradient the a-th unit tensor (in vec order), keyed "d{out}/d{wrt}" by name."""
    params = {key: values[name] for key, name in record.params.items() if name in values}
    a = values[record.input]
    y, cache = record.layer.numpy_forward(np, a, dict(params))
    rows: dict[str, list] = {}
    for flat in vec_order(y.shape):
        unit = np.zeros(y.size)
        unit[flat] = 1.0
        g_in, grads = record.layer.numpy_backward(np, unit.reshape(y.shape), a, y, dict(params), cache)
        for name, grad in ((record.input, g_in), *((record.params[k], v) for k, v in grads.items())):
            rows.setdefault(name, []).append(grad.reshape(-1)[vec_order(grad.shape)])
    return {name: np.stack(r) for name, r in rows.items()}
