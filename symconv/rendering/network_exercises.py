"""A network's exercises with their answers, drawn from its worked example: a weight's gradient and the
input's gradient entry worked from the example's numbers, a finite-difference check of a kernel entry's
gradient, and a batch's gradient with one step of gradient descent.

Every number is computed here, by the kinds' own NumPy forward and backward code (the same reference the
worked example is checked against), never typed: the finite differences and the loss after the step come
from running the NumPy forward pass again on perturbed numbers. A product or sum shown with rounded factors
is shown to enough places that it gives the value shown.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal

import numpy as np

from ..derivation import Derivation
from ..example import Example
from ..numeric.reference_network import forward_backward

STEP = 1e-3  # the finite difference's step
# The learning rates tried, largest first: the step takes the largest that lowers the loss by at most half
# (a larger one overshoots or, on this one example, all but zeroes it), else the smallest that lowers it.
RATES = (1.0, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001)
PLACES = 3


@dataclass(frozen=True)
class Item:
    """One exercise: its question (prose with $math$) and its answer (prose, align lines, prose after)."""

    title: str
    question: str
    answer: str
    lines: tuple[str, ...] = ()
    after: str = ""


def decimal(value: float, places: int = PLACES) -> str:
    """A number to `places` decimals, half to even on its exact decimal value; a whole number (an input, a
    kernel entry, 0) as itself."""
    if float(value).is_integer():
        return str(int(value))
    return str(Decimal(float(value)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_EVEN))


def _factor(value: float, places: int) -> str:
    text = decimal(value, places)
    return f"({text})" if text.startswith("-") else text


def _places(pairs: list[tuple[float, float | None]], total: float) -> int:
    """The fewest places (from three) at which the sum of the terms, each factor rounded as shown, rounds to
    the total's three places: so that the line shown is right as it reads."""
    want = Decimal(decimal(total))
    for places in range(PLACES, 9):
        shown = [(Decimal(decimal(a, places)), Decimal(1) if b is None else Decimal(decimal(b, places))) for a, b in pairs]
        visible = all((x != 0) == (v != 0) for pair, got in zip(pairs, shown) for v, x in zip(pair, got) if v is not None)
        if visible and sum(x * y for x, y in shown).quantize(Decimal("0.001"), ROUND_HALF_EVEN) == want:
            return places
    return 8


def _values(derivation: Derivation, arrays: dict[str, np.ndarray]) -> dict:
    """Each symbol's number, from the NumPy arrays of the tensors the symbols stand for; rounding's noise
    (under 1e-12, where the exact value, a difference of equal sums, is 0) is 0."""
    out = {}
    for tensor in derivation.tensors:
        if tensor.symbols is not None and tensor.name in arrays:
            out.update((s, v if abs(v) > 1e-12 else 0.0)
                       for s, v in zip(tensor.symbols, np.reshape(arrays[tensor.name], -1).tolist()))
    return out


def _entry_terms(derivation: Derivation, name: str, flat: int) -> list[tuple[int, int]]:
    """The (first, second or -1) symbol positions of the terms of entry `flat` of tensor `name`."""
    t = derivation[name].terms
    start, end = t.start[flat], t.start[flat + 1]
    return list(zip(t.first[start:end], t.second[start:end]))


def _worked(derivation: Derivation, names: dict, name: str, flat: int, values: dict, total: float,
            symbolic: bool) -> list[str]:
    """Align lines: entry `flat` of tensor `name` as the sum of its terms whose first factor (an upstream
    gradient) is not 0 (in symbols when `symbolic`), then in numbers, at enough places to give the total shown."""
    syms = derivation.symbols
    number = lambda at: values[syms[at]]
    terms = [(a, b) for a, b in _entry_terms(derivation, name, flat) if number(a) != 0]
    pairs = [(number(a), number(b) if b >= 0 else None) for a, b in terms]
    places = _places(pairs, total)
    lhs = derivation[name].labels[flat]
    if not terms:
        return [rf"{lhs} &= 0"]
    text = [names[syms[a]] + (r"\," + names[syms[b]] if b >= 0 else "") for a, b in terms]
    shown = [_factor(a, places) + ("" if b is None else r" \cdot " + _factor(b, places)) for a, b in pairs]
    numbers = " + ".join(shown) + rf" \approx {decimal(total)}"
    if symbolic and len(terms) <= 2:  # short: in symbols and in numbers on one line
        return [rf"{lhs} &= {' + '.join(text)} = {numbers}"]
    lines = [rf"{lhs} &= {' + '.join(text)}"] if symbolic else []
    return lines + ([rf"&= {numbers}"] if lines else [rf"{lhs} &= {numbers}"])


def inline(label: str) -> str:
    """A gradient's name for running text: \\partial L / \\partial x_{2,3}, not a small fraction."""
    return re.sub(r"^\\frac\{\\partial L\}\{\\partial (.*)\}$", r"\\partial L / \\partial \1", label)


def _kept(derivation: Derivation, names: dict, name: str, flat: int, values: dict) -> list[str]:
    """The upstream gradient entries (the first factors) of entry `flat`'s terms that are not 0, in $math$."""
    syms = derivation.symbols
    return [f"${names[syms[a]]}$" for a, _ in _entry_terms(derivation, name, flat) if values[syms[a]] != 0]


def _stopped(records) -> str:
    """What stopped the other gradients, in parentheses: relu, a max pooling."""
    by = ([r.layer.describe() for r in records if r.layer.gates_at_zero][:1]
          + ["the pooling" for r in records if r.layer.routes_to_maximum][:1])
    return f" ({' or '.join(by)} stopped the others)" if by else ""


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"


def _entry_name(shape: tuple[int, ...], want: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The flat position of the 1-based index `want` clipped to the shape, and the index used."""
    index = tuple(min(w, n) for w, n in zip(want, shape))
    flat = 0
    for i, n in zip(index, shape):
        flat = flat * n + (i - 1)
    return flat, index


def exercises(derivation: Derivation, example: Example, names: dict) -> list[Item]:
    """The exercises of a chain network with a loss and a worked example (none otherwise)."""
    net = derivation.network
    records = derivation.records
    if len(records) < 2 or not net.chain or not net.has_loss or net.batch is not None or example is None:
        return []
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    arrays = {**leaves, **forward_backward(records, leaves)}
    loss = records[-1].params.get("L")
    if loss is None or loss not in arrays:
        return []
    values = _values(derivation, arrays)
    # Each number the worked example shows must be the reference's (it is checked before rendering too).
    for v in example.derived:
        if v.name in arrays:
            assert np.allclose([float(x) for x in v.values], np.reshape(arrays[v.name], -1), rtol=1e-9, atol=1e-9)
    items: list[Item] = []
    dense = [r for r in records if r.layer.weights_join and "W" in r.params]
    kernel = next((r for r in records if r.layer.kernel_slides and "K" in r.params), None)
    base = float(np.reshape(arrays[loss], -1)[0])

    if dense:
        r = dense[-1]
        weight = r.params["W"]
        flat = exercise_entry(derivation, weight, arrays)
        i, j = divmod(flat, derivation[weight].shape[1])
        i, j = i + 1, j + 1
        grad = f"dL/d{weight}"
        total = float(np.reshape(arrays[grad], -1)[flat])
        label = derivation[grad].labels[flat]
        items.append(Item(
            "Exercise 1", f"From the worked example's numbers, compute ${inline(label)}$ by the chain rule.",
            rf"Only output {i} of layer {r.number} reads $W^{{[{r.number}]}}_{{{i},{j}}}$, so the chain rule has one term:",
            tuple(_worked(derivation, names, grad, flat, values, total, True))))

    first = records[0]
    grad_x = f"dL/d{first.input}"
    if kernel is first and grad_x in derivation.names() and derivation[grad_x].terms is not None:
        shape = derivation[grad_x].shape
        flat, index = _entry_name(shape, (1,) * (len(shape) - 2) + (2, 3))
        total = float(np.reshape(arrays[grad_x], -1)[flat])
        label = derivation[grad_x].labels[flat]
        lines, kept = _worked(derivation, names, grad_x, flat, values, total, False), _kept(derivation, names, grad_x, flat, values)
        items.append(Item(
            f"Exercise {len(items) + 1}", f"Compute ${inline(label)}$ from the worked example's numbers.",
            "It sums over the output entries whose window covers it" + (
                "" if len(kept) == len(_entry_terms(derivation, grad_x, flat)) else
                ", of whose gradients only " + _listed(kept) + " are not 0" + _stopped(records)) + ":", tuple(lines)))

    found = _perturbed(records, kernel, leaves, arrays, loss, base) if kernel is not None else None
    if found is not None:
        name = kernel.params["K"]
        at, after, predicted, gap = found
        label = names[derivation[name].symbols[at]]
        # L and L' to 8 places, and their difference as those show it: the line reads right
        shown = Decimal(decimal(after, 8)) - Decimal(decimal(base, 8))
        scaled = lambda v: decimal(v / STEP, 5)
        items.append(Item(
            f"Exercise {len(items) + 1}",
            f"Add $10^{{-3}}$ to ${label}$, run the forward pass again, and compare the change in $L$ with "
            rf"$\partial L / \partial {label} \cdot 10^{{-3}}$.",
            "Running the forward pass at both values (NumPy, to double precision):",
            (rf"L &= {decimal(base, 8)}, \qquad L' = {decimal(after, 8)}",
             rf"L' - L &= {scaled(float(shown))} \cdot 10^{{-3}}, \qquad "
             rf"\frac{{\partial L}}{{\partial {label}}} \cdot 10^{{-3}} \approx {scaled(predicted)} \cdot 10^{{-3}}"),
            f"They differ by {decimal(max(gap / abs(predicted) * 100, 0.01), 2)} per cent, from the curvature of $L$. A step "
            "across a kink of relu or a pooling switch would disagree grossly: this is how gradients are checked."))

    trained = [(r, p) for r in records for p in r.layer.params(r.shape_in) if p.trained]
    if dense and trained:
        r = dense[-1]
        weight = r.params["W"]
        rate, stepped, after = _step(records, trained, leaves, arrays, loss, base)
        grad = np.reshape(arrays[f"dL/d{weight}"], -1)
        entry = exercise_entry(derivation, weight, arrays)
        w0, g = float(np.reshape(leaves[weight], -1)[entry]), float(grad[entry])
        new = float(np.reshape(stepped[weight], -1)[entry])
        places = _places([(w0, None), (-rate, g)], new)
        label = names[derivation[weight].symbols[entry]]
        items.append(Item(
            f"Exercise {len(items) + 1}",
            r"A batch of $N$ examples is trained on their mean loss $L = \frac{1}{N} \sum_{n} L^{(n)}$ (as PyTorch's). "
            r"What is a weight's gradient then? A step of gradient descent sets $W \leftarrow W - \eta\, \partial L / "
            rf"\partial W$ for every parameter: for this example ($N = 1$) and $\eta = {rate:g}$, give the new ${label}$ "
            "and the loss after the step.",
            "Every example reads the same weights, so a weight's gradient sums what each example sends it, here "
            r"the mean $\frac{1}{N} \sum_{n} \partial L^{(n)} / \partial W$. For this example alone:",
            (rf"{label} - \eta \frac{{\partial L}}{{\partial {label}}} &= {_factor(w0, places)} - {rate:g} \cdot "
             rf"{_factor(g, places)} \approx {decimal(new)}",),
            f"With every parameter stepped so, the forward pass gives a loss of ${decimal(after)}$, down from "
            f"${decimal(base)}$." if after < base else
            f"With every parameter stepped so, the forward pass gives a loss of ${decimal(after)}$, up from "
            f"${decimal(base)}$: the step was too large."))
    return items


def _step(records, trained, leaves: dict, arrays: dict, loss: str, base: float):
    """One step of gradient descent on every trained parameter: (the learning rate, the parameters after it,
    the loss after it), the rate the largest of RATES that lowers the loss by at most half, else the one that
    lowers it most gently (the smallest)."""
    tried = []
    for rate in RATES:
        stepped = {k: v.copy() for k, v in leaves.items()}
        for record, p in trained:
            name = record.params[p.key]
            stepped[name] = leaves[name] - rate * arrays[f"dL/d{name}"]
        with np.errstate(all="ignore"):  # a rate too large overflows the softmax: an infinite loss, refused
            after = float(np.reshape(forward_backward(records, stepped)[loss], -1)[0])
        if base / 2 <= after < base:
            return rate, stepped, after
        tried.append((rate, stepped, after))
    return tried[-1]


def _perturbed(records, kernel, leaves: dict, arrays: dict, loss: str, base: float):
    """Of the first kernel, the entry with the largest gradient whose finite difference (the forward pass run
    again with STEP added to it) agrees with the gradient times STEP to 1 per cent (a step across a kink of
    relu or a pooling switch would not): (its flat position, the loss after, the predicted change, the gap),
    or None when no entry does."""
    name = kernel.params["K"]
    grads = np.reshape(arrays[f"dL/d{name}"], -1)
    per = int(np.prod(np.shape(leaves[name])[2:]))
    for at in sorted(range(per), key=lambda n: (-abs(grads[n]), n)):
        if grads[at] == 0:
            break
        moved = {k: v.copy() for k, v in leaves.items()}
        np.reshape(moved[name], -1)[at] += STEP
        after = float(np.reshape(forward_backward(records, moved)[loss], -1)[0])
        predicted = float(grads[at]) * STEP
        gap = abs(after - base - predicted)
        if gap <= 0.01 * abs(predicted):
            return at, after, predicted, gap
    return None


def exercise_entry(derivation: Derivation, weight: str, arrays: dict) -> int:
    """The flat position of the weight entry exercise 1 asks for (row 2, the first column from 3 on whose
    input is not 0)."""
    rows, cols = derivation[weight].shape
    r = next(r for r in derivation.records if r.params.get("W") == weight)
    a_in = np.reshape(arrays[r.input], -1)
    j = next((j for j in range(min(3, cols), cols + 1) if a_in[j - 1] != 0), min(3, cols))
    return _entry_name((rows, cols), (2, j))[0]
