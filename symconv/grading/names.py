"""The names a teacher uses for the tensors of a layer or a network, as the grader reads them."""

from __future__ import annotations

from ..derivation import Derivation
from ..naming import Naming, lead_axes
from .notation import TensorInfo

Names = dict[str, dict[int | None, TensorInfo]]


def tensors_of(derivation: Derivation) -> Names:
    """Each letter the documents write, by layer number (None where the name has no [l]): x; a^{[l]},
    k^{[l]}, W^{[l]}, b^{[l]} in a network, or a single layer's own letters (--names, and b for the
    bias); p and t for the softmax and its target."""
    naming = Naming(derivation.network.names)
    image = lead_axes  # the channel of an image, the example of a batch
    x = derivation[derivation.records[0].input]
    out: Names = {naming.letter("x"): {None: TensorInfo(x.name, x.shape, image(x.shape))}}
    for r in derivation.records:
        a = derivation[r.output]
        if r.layer.output_letter:
            out[r.layer.output_letter] = {None: TensorInfo(r.output, a.shape, image(a.shape))}
        else:
            out.setdefault(naming.letter("a"), {})[naming.number(r.number)] = TensorInfo(r.output, a.shape, image(a.shape))
        for p in r.layer.params(r.shape_in):
            name = r.params[p.key]
            if p.stage:  # a batch mean, a variance, a normalized input: read as the documents write them
                shape = derivation[name].shape
                out.setdefault(naming.letter(p.letter), {})[naming.number(r.number)] = TensorInfo(
                    name, shape, image(shape) if p.per_example else 0)
                continue
            if p.after:
                if p.role == "input":  # a loss's target: t_k
                    out[naming.letter(p.letter)] = {None: TensorInfo(name, derivation[name].shape, image(derivation[name].shape))}
                else:  # the loss's value, L (a lone L on top of a derivative stays the loss)
                    out[naming.letter(p.letter)] = {None: TensorInfo(name, (1,), 0)}
                continue
            # A single layer's bias b_m is its channel's (written b with one channel).
            channels = 1 if naming.single and len(p.shape) == 1 else p.lead
            out.setdefault(naming.letter(p.letter), {})[naming.number(r.number)] = TensorInfo(name, p.shape, channels)
    return out
