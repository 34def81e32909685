"""The table that opens a network's document, as model viewers list a model: each layer's name, kind, output
shape, and its trained parameters with their shapes and counts. The JSON gets the same rows as data."""

from __future__ import annotations

from math import prod

from ..symbols import latex_base
from ..words import matrix_name, output_of, size

HEADER = ("layer", "kind", "output", "parameters", "count")


def _trained(net, n: int) -> list:
    """Layer n's trained parameters (not a loss's target or value, not a stage it computes)."""
    return [p for p in net.layers[n - 1].params(net.shape_in(n)) if p.trained and not p.stage and not p.after]


def summary(net) -> list[dict]:
    """Per layer: its number, name (the file's, `layer<n>`), module (imported from PyTorch, else None), type,
    output shape (with the batch), trained parameters {tensor: shape} and their number of entries."""
    names = net.layer_names()
    rows = []
    for n, layer in enumerate(net.layers, start=1):
        params = _trained(net, n)
        rows.append({"layer": n, "name": names[n], "module": net.modules[n - 1], "type": layer.type,
                     "output_shape": list(net.batched(net.shapes[n])),
                     "parameters": {f"{p.key}[{n}]": list(p.shape) for p in params},
                     "count": sum(prod(p.shape) for p in params)})
    return rows


def table(net, docs) -> dict:
    """The table as the templates show it (cells are prose with $math$): a row per layer, then the total.
    `docs` are the layers' DocSteps, which say how the document writes each parameter (K^{[1]}, \\gamma^{[2]})."""
    rows = []
    for row, doc in zip(summary(net), docs):
        n = row["layer"]
        label = net.labels[n - 1] if n <= len(net.labels) else None
        named = row["module"] or label
        names = []
        for p in _trained(net, n):
            letter, sup = doc.entry(p.key)
            symbol = matrix_name(letter, sup) if len(p.shape) >= 2 else latex_base(letter) + (f"^{{{sup}}}" if sup else "")
            names.append(f"${symbol}$: {size(*p.shape)}")
        rows.append((f"{n}" + (f" ({named})" if named else ""), net.layers[n - 1].noun(),
                     output_of(net.layers[n - 1], row["output_shape"]), ", ".join(names) or "none", f"{row['count']:,}"))
    total = sum(r["count"] for r in summary(net))
    return {"header": HEADER, "rows": rows, "total": f"{total:,}",
            "input": size(*net.batched(net.input)) + (f" (a batch of {net.batch}: every shape starts with it)"
                                                      if net.batch is not None else "")}
