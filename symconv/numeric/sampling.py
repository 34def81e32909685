"""Random test points inside the domains of the formula layers: verify's values are redrawn where a
formula has no value (sqrt and log of a negative number) or is too near a pole for finite differences
(1/z near 0), or verify says that it found none there."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..derivation import Derivation
from . import reference_network

ROUNDS = 40  # redraws before verify gives up and says so
SCALES = (1.0, 3.0, 10.0)  # the spread of the redrawn values, round by round (acosh needs z > 1.5)


def fit_leaves(derivation: Derivation, leaves: dict[str, np.ndarray], seed: int,
               fresh: Callable[[int], dict[str, np.ndarray]]) -> tuple[dict[str, np.ndarray], str]:
    """`leaves` with the values redrawn that put a formula layer outside its domain: its input where it is a
    leaf (the network's input), else a loss's target and every leaf in turn (`fresh(k)`: the k-th other draw).
    Returns the leaves and, when no draw fits within ROUNDS, a sentence saying which layer has no test
    points (else "")."""
    records = [r for r in derivation.records if hasattr(r.layer, "inside")]
    if not records:
        return leaves, ""
    rng = np.random.default_rng([seed, 23])
    leaves = dict(leaves)
    for round_ in range(ROUNDS):
        draw = lambda shape: SCALES[round_ % len(SCALES)] * rng.standard_normal(shape)
        with np.errstate(all="ignore"):
            acts = {**leaves, **reference_network.forward_backward(derivation.records, leaves)}
        outside = None
        for r in records:
            target = r.params.get("t")
            ok = r.layer.inside(np, acts[r.input], acts.get(target))
            if ok.all():
                continue
            outside = r
            if r.input in leaves and r.input == derivation.records[0].input:
                leaves[r.input] = np.where(ok, leaves[r.input], draw(ok.shape))
            elif target in leaves and round_ % 2 == 0:  # a loss whose domain is in its target too
                leaves[target] = np.where(ok, leaves[target], draw(ok.shape))
            else:
                leaves = fresh(round_ + 1)
            break
        if outside is None:
            return leaves, ""
    return leaves, (f"layer {outside.number} ({outside.layer.describe()}): no random test points found inside its "
                    f"formula's domain and away from its poles in {ROUNDS} draws")
