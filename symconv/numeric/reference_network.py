"""An independent NumPy forward and backward pass, layer by layer through each kind's own NumPy code."""

from __future__ import annotations

import numpy as np

from ..derivation import LayerRecord, contribution
from ..vec import vec_order


def forward_backward(records: tuple[LayerRecord, ...], values: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Every layer output, the loss, and every gradient, by tensor name, given the input, the
    parameters and the target t (or the upstream gradient of the last output), layer by layer through
    each kind's NumPy code.

    A batch (an input with one more axis than the first layer reads) goes through each layer example by
    example, except a layer that reads the whole batch (batch normalization); a loss is reduced over the
    examples by its factor, which reaches each example's gradient, and the parameters' gradients are
    summed. Where several layers read a value, its gradient is the sum of their parts (each kept too).
    """
    x = values[records[0].input]
    batch = len(x) if x.ndim == len(records[0].shape_in) + 1 else None
    out: dict[str, np.ndarray] = {}
    acts = {records[0].input: x}
    saved = []
    for r in records:
        params = {key: values[name] for key, name in r.params.items() if name in values}
        if batch is None or r.layer.whole_batch:
            y, cache = r.layer.numpy_forward(np, _reads(acts, r), params)
            runs = None
        else:
            mine = {p.key for p in r.layer.params(r.shape_in) if p.after and not p.computed}  # a target's rows
            runs = []
            for n in range(batch):
                own = {k: (v[n] if k in mine else v) for k, v in params.items()}
                y_n, cache_n = r.layer.numpy_forward(np, _reads(acts, r, n), own)
                runs.append((own, cache_n, y_n))
            y, cache = np.stack([y_n for *_, y_n in runs]), None
        acts[r.output] = out[r.output] = y
        saved.append((params, cache, runs))
        weight = float(r.layer.batch_weight(batch)) if batch and r.layer.is_loss else 1.0
        for p in r.layer.params(r.shape_in):  # what its forward puts beside its parameters: L, a batch mean
            if p.computed or p.stage:
                out[r.params[p.key]] = params[p.key] if runs is None else \
                    np.stack([own[p.key] for own, *_ in runs]) if p.per_example else \
                    weight * sum(own[p.key] for own, *_ in runs)
    last = records[-1]
    readers = {name: [r.number for r in records if name in r.inputs] for name in acts}
    grads_of = {last.output: values.get(f"dL/d{last.output}")}
    for r, (params, cache, runs) in zip(reversed(records), reversed(saved)):
        g = grads_of.get(r.output)
        if runs is None:
            g_in, grads = r.layer.numpy_backward(np, g, _reads(acts, r), acts[r.output], params, cache)
        else:
            weight = float(r.layer.batch_weight(batch)) if r.layer.is_loss else 1.0
            parts = [r.layer.numpy_backward(np, None if g is None else g[n], _reads(acts, r, n), y_n, own, cache_n)
                     for n, (own, cache_n, y_n) in enumerate(runs)]
            g_in = _stack([part for part, _ in parts], len(r.inputs))
            g_in = tuple(weight * v for v in g_in) if isinstance(g_in, tuple) else weight * g_in
            # A shared parameter's gradient sums the examples'; an example's own value's (a layer norm's mean) is its own.
            own = {p.key for p in r.layer.params(r.shape_in) if p.per_example}
            grads = {key: np.stack([grad[key] for _, grad in parts]) if key in own else
                     weight * sum(grad[key] for _, grad in parts) for key in parts[0][1]}
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


def _reads(acts: dict, r: LayerRecord, n: int | None = None):
    """What layer r reads (a tuple for a join), of example n if given."""
    pick = (lambda v: v) if n is None else (lambda v: v[n])
    return pick(acts[r.input]) if len(r.inputs) == 1 else tuple(pick(acts[name]) for name in r.inputs)


def _stack(parts: list, inputs: int):
    """Examples' input gradients stacked along the batch axis (per input, for a join)."""
    if inputs == 1:
        return np.stack(parts)
    return tuple(np.stack([part[k] for part in parts]) for k in range(inputs))


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
