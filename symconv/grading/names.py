"""The names a teacher uses for the tensors of a layer or a network, as the grader reads them."""

from __future__ import annotations

import re
from dataclasses import replace

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
            for alias in r.layer.output_aliases:  # the documents write y-hat; notes often p
                out.setdefault(alias, out[r.layer.output_letter])
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
    # w^l_{a,b}: most texts call every layer's weights w, a convolution's kernel too (Nielsen, Gwardys), where
    # no dense layer's W takes the letter
    if not naming.single and "k" in out and not {"w", "W"} & set(out):
        out["w"] = out["k"]
    return with_examples(derivation, out)


def with_examples(derivation: Derivation, names: Names) -> Names:
    """In a batch of vectors, the values with one row per example (x, z^{[l]}, a^{[l]}, t) marked: x_j, z^{[1]}_i
    written for one example are each example's (parse.py)."""
    batch = derivation.network.batch
    if batch is None:
        return names
    trained = {r.params[p.key] for r in derivation.records for p in r.layer.params(r.shape_in) if p.trained}
    return {name: {layer: replace(info, examples=True) if info.channels >= 1 and len(info.shape) > info.channels
                   and info.shape[0] == batch and info.key not in trained else info for layer, info in table.items()}
            for name, table in names.items()}


def by_weighted_layers(derivation: Derivation, names: Names, first: int = 0) -> Names:
    """The names as most textbooks number a network's layers (Ng, Nielsen): only the layers with weights
    count. W^{[l]}, b^{[l]}, k^{[l]} are the l-th such layer's, z^{[l]} its output, a^{[l]} the output of
    the element-wise activation right after it (z^{[l]} itself where none follows), a^{[0]} the input; with
    `first` 1 the input is layer 1 and the l-th weighted layer is layer l + 1 (Nielsen's a^1 = x, w^2)."""
    out = {name: dict(table) for name, table in names.items()}
    image = lead_axes
    weighted = [r for r in derivation.records if any(p.trained and p.role == "kernel" for p in r.layer.params(r.shape_in))]
    if not weighted or derivation.network.names is not None:
        return out
    info = lambda key: TensorInfo(key, derivation[key].shape, image(derivation[key].shape))  # noqa: E731
    # a^{[0]}: what the first weighted layer reads (Shah's input layer a^1 = \sigma(x) where an activation comes first)
    z, a = {}, {first: info(weighted[0].input)}
    following = {r.input: r for r in derivation.records}
    for n, r in enumerate(weighted, start=first + 1):
        z[n] = info(r.output)
        after = following.get(r.output)
        elementwise = (after is not None and not after.layer.params(after.shape_in) and after.shape_in == after.shape_out
                       and len(after.inputs) == 1 and not after.layer.is_loss)
        # a loss that computes a softmax first (softmax cross-entropy): a^{[L]} is its probabilities, Ng's \hat{y}
        elementwise |= (after is not None and after.layer.output_is_prediction and len(after.inputs) == 1
                        and derivation[after.output].shape == derivation[r.output].shape)
        a[n] = info(after.output if elementwise else r.output)
        for p in r.layer.params(r.shape_in):
            if p.after or p.stage:
                continue
            letter = Naming(None).letter(p.letter)
            out.setdefault(letter, {})
            out[letter] = {k: v for k, v in out[letter].items() if v.key != r.params[p.key]}
            out[letter][n] = TensorInfo(r.params[p.key], p.shape, p.lead)
    out["z"], out["a"] = z, a
    if names.get("w") is names.get("k") is not None:  # w, the kernel's other letter (tensors_of): numbered alike
        out["w"] = out["k"]
    elif "w" not in names and "k" in out and "W" in out:
        # Nielsen's w^l for every layer's weights, a convolution's kernel and a dense layer's matrix alike (Jo Junwoo's
        # CNN: w^l_{ab} the kernel, w^{l+2}_{rq} the fully connected weights), once layers are numbered
        out["w"] = {**out["k"], **out["W"]}
    if "k" in out and "W" in out:  # Ng's W^{[l]}: the l-th weighted layer's weights, the filters of a convolution too
        out["W"] = {**out["k"], **out["W"]}
    return with_examples(derivation, out)


GRADIENT_NAME = re.compile(r"d[A-Za-z]")  # dW, dy: the names with_gradient_names adds


def with_gradient_names(derivation: Derivation, names: Names) -> Names:
    """dW, db, da^{[l]}, dz^{[l]}, dX, dY: the gradient of the loss by the value the rest of the name names, as
    Ng's course and PyTorch's .grad write it; a name the tables already have keeps its meaning."""
    out = dict(names)
    gradients = set(derivation.names())
    for name, table in names.items():
        if not re.fullmatch(r"[A-Za-z]", name) or f"d{name}" in names:
            continue
        graded = {layer: replace(info, gradient="L") for layer, info in table.items()
                  if not info.gradient and f"dL/d{info.key}" in gradients}
        if graded:
            out[f"d{name}"] = graded
    # dw for dW, db for dB: a parameter's gradient in either case (CS231n's dw); an activation's (dZ, dA) is not
    # read so, as courses differ on whether it is the gradient of the mean or of one example's loss
    parameters = {key for r in derivation.records for key in r.params.values()}
    for name in [n for n in out if re.fullmatch(r"d[A-Za-z]", n)]:
        other = "d" + name[1].swapcase()
        if other not in out and other[1:] not in names and all(i.key in parameters for i in out[name].values()):
            out[other] = out[name]
    return out
