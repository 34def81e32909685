"""A network's exercises with their answers, drawn from its worked example and doable by hand: a weight's
gradient, the first convolution's bias gradient, one of its kernel entries' and one of its input entries' (the full
correlation with the rotated kernels) had the target been another (numbers the document does not print), and a
batch's gradient with one step of gradient descent.

Every number is computed here, by the kinds' own NumPy forward and backward code (the same reference the
worked example is checked against), never typed: the gradients under the other target and the loss after the
step come from running the NumPy passes again. Every number is shown by the worked example's one rounding rule
(example.decimal: exact where it is, else to four places, each from unrounded values).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
import numpy as np

from ..derivation import Derivation
from ..example import Example
from ..layers.base import Exercise
from ..numeric.reference_network import forward_backward
from .example import decimal
from .latex import break_lines, width

MAX_TRACED = 36  # entries: a channel's gradient answer 2 prints as a matrix after each layer it traces back through
ROOM_EM = 50.0  # em of an answer's line (set small; width() errs wide): a longer sum is broken
ONE_LINE_EM = 34.0  # em: a worked entry narrower than this keeps its symbols and its numbers on one line (answers are small)

# The learning rates tried, largest first: the step takes the largest that lowers the loss by at most half
# (a larger one overshoots or, on this one example, all but zeroes it), else the smallest that lowers it.
RATES = (1.0, 0.5, 0.1, 0.05, 0.01, 0.005, 0.001)


@dataclass(frozen=True)
class Item:
    """One exercise: its question (prose with $math$) and its answer (prose, align lines, prose after)."""

    title: str
    question: str
    answer: str
    lines: tuple[str, ...] = ()
    after: str = ""


def _factor(value: float) -> str:
    text = decimal(value)
    return f"({text})" if text.startswith("-") else text


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
            symbolic: bool, nonzero: bool = False) -> list[str]:
    """Align lines: entry `flat` of tensor `name` as the sum of its terms whose first factor (an upstream
    gradient) is not 0, with `nonzero` whose second is not 0 either (in symbols when `symbolic`), then in numbers."""
    syms = derivation.symbols
    number = lambda at: values[syms[at]]
    terms = [(a, b) for a, b in _entry_terms(derivation, name, flat)
             if number(a) != 0 and not (nonzero and b >= 0 and number(b) == 0)]
    pairs = [(number(a), number(b) if b >= 0 else None) for a, b in terms]
    lhs = inline(derivation[name].labels[flat])  # slashed, as the worked example's lines write it
    if not terms:
        return [rf"{lhs} &= 0"]
    text = [names[syms[a]] + (r"\," + names[syms[b]] if b >= 0 else "") for a, b in terms]
    shown = [_factor(a) + ("" if b is None else r" \cdot " + _factor(b)) for a, b in pairs]
    numbers = " + ".join(shown) + rf" \approx {decimal(total)}"
    one = rf"{lhs} &= {' + '.join(text)} = {numbers}"
    if symbolic and (len(terms) <= 2 or width(one) < ONE_LINE_EM):  # short: in symbols and in numbers on one line
        return [one]
    # A long sum is broken after every few terms, each continuation indented (issue 24 item 4: the numbers of
    # pytorch_semantics' answers ran past the margin on one line).
    room = ROOM_EM - width(lhs)
    lines = []
    for terms_of, end in ([(text, "")] if symbolic else []) + [(shown, rf"\approx {decimal(total)}")]:
        broken = break_lines(terms_of, room - width(end))  # the numbers' last line ends with the total
        lines += [f"&= {broken[0]}"] + [rf"&\quad {line}" for line in broken[1:]]
    lines[-1] += rf" \approx {decimal(total)}"
    lines[0] = f"{lhs} {lines[0]}"
    return lines


def inline_primed(label: str) -> str:
    """As inline, of the loss L' (another target's)."""
    return inline(label).replace(r"\partial L /", r"\partial L' /", 1)


def inline(label: str) -> str:
    """A gradient's name for running text: \\partial L / \\partial x_{2,3}, not a small fraction."""
    return re.sub(r"^\\frac\{\\partial L\}\{\\partial (.*)\}$", r"\\partial L / \\partial \1", label)


def _primed_gradients(derivation: Derivation, names: dict) -> dict:
    r"""The names with each gradient written by a short symbol primed ({\delta'}^{[5]}_{2}, {g'}_{1,1}): the
    gradients of another loss L' are not the document's delta (a lecturer read delta^{[5]}_2 in an answer about L')."""
    out = dict(names)
    for tensor in derivation.tensors:
        if tensor.symbols is None or not tensor.name.startswith("dL/d"):
            continue
        for s in tensor.symbols:
            found = re.match(r"(\\[A-Za-z]+|[A-Za-z])(?=[_^])", names[s])
            if found and not names[s].startswith((r"\frac", r"\partial")):
                out[s] = "{" + found.group(1) + "'}" + names[s][found.end():]
    return out


def _kept(derivation: Derivation, names: dict, name: str, flat: int, values: dict) -> list[str]:
    """The upstream gradient entries (the first factors) of entry `flat`'s terms that are not 0, in $math$."""
    syms = derivation.symbols
    return [f"${names[syms[a]]}$" for a, _ in _entry_terms(derivation, name, flat) if values[syms[a]] != 0]


def _stopped(records) -> str:
    """What stopped the other gradients, in parentheses: relu, a max pooling, or a 0 arriving from upstream (each
    is possible; which one stopped an entry is not said)."""
    by = ([r.layer.describe() for r in records if r.layer.gates_at_zero][:1]
          + ["the pooling" for r in records if r.layer.routes_to_maximum][:1])
    by.append("an upstream gradient of 0")  # a dense layer's column of equal weights against p - t, which sums to 0
    return f" (the others are 0, stopped by {', '.join(by[:-1])} or {by[-1]})" if len(by) > 1 else ""


def _listed(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1] if items else "none"


def _entry_name(shape: tuple[int, ...], want: tuple[int, ...]) -> tuple[int, tuple[int, ...]]:
    """The flat position of the 1-based index `want` clipped to the shape, and the index used."""
    index = tuple(min(w, n) for w, n in zip(want, shape))
    flat = 0
    for i, n in zip(index, shape):
        flat = flat * n + (i - 1)
    return flat, index


def _channel_entries(derivation: Derivation, name: str, channel: int) -> range:
    """The flat positions of one channel of tensor `name` (all of it for a vector)."""
    shape = derivation[name].shape
    per = int(np.prod(shape[1:])) if len(shape) > 1 else int(np.prod(shape))
    return range(channel * per, (channel + 1) * per) if len(shape) > 1 else range(per)


def _received(derivation: Derivation, record, channel: int, values: dict) -> dict[int, list[tuple[int, float]]]:
    """For each entry of the layer's input gradient in `channel`, the upstream entries (flat positions in the
    layer's output gradient) it receives and each one's local factor: read off the derivation's own entries, their
    forward values put in (a max pooling's switches and a relu's gates are then numbers)."""
    up = derivation[f"dL/d{record.output}"].symbols
    at = {s: n for n, s in enumerate(up)}
    gradients = {s for t in derivation.tensors if t.name.startswith("dL/d") and t.symbols for s in t.symbols}
    forward = {s: v for s, v in values.items() if s not in gradients}
    entries = derivation[f"dL/d{record.input}"].values
    out = {}
    for n in _channel_entries(derivation, f"dL/d{record.input}", channel):
        expr = entries[n].subs(forward)
        out[n] = [(at[s], float(expr.coeff(s))) for s in sorted(expr.free_symbols, key=lambda s: at.get(s, -1))
                  if s in at and expr.coeff(s) != 0]
    return out


def _grid(values, shape: tuple[int, ...]) -> str:
    """One channel of numbers as a bmatrix (a vector as a transposed row)."""
    rows = np.reshape(values, shape[-2:]) if len(shape) > 1 else None
    if rows is None:
        return _vector(values)
    return (r"{\begin{bmatrix} " + r" \\ ".join(" & ".join(decimal(v) for v in row) for row in rows)
            + r" \end{bmatrix}}")


def _passed_back(derivation: Derivation, names: dict, record, channel: int, values: dict, arrays: dict,
) -> tuple[str, list[str]] | None:
    """How the layer passes the gradient back in the bias's channel, from its derivation's entries at the worked
    example's values: a max pooling to which entry of each window (its switch), a relu where its gate is 0, a layer
    that only moves entries (a flatten) which it moves; (words, align lines with the channel's gradient in numbers).
    None for any other layer, or a channel too large to print."""
    name_in, name_out = f"dL/d{record.input}", f"dL/d{record.output}"
    if len(_channel_entries(derivation, name_in, channel)) > MAX_TRACED:
        return None
    got = _received(derivation, record, channel, values)
    single = all(len(us) <= 1 and all(c == 1 for _, c in us) for us in got.values())
    moved = [u for us in got.values() for u, _ in us]
    if not single or (not record.layer.gates_at_zero and len(set(moved)) != len(moved)):
        return None  # an entry gets several upstream entries, or one scaled: a layer of another kind
    t_in, t_out = derivation[name_in], derivation[name_out]
    grad_in = [values[t_in.symbols[n]] for n in got]
    strip = lambda label: re.sub(r"_\{[^{}]*\}$", "", label)
    entry = lambda tensor, n: names[tensor.symbols[n]]
    matrix_in = strip(entry(t_in, next(iter(got))))
    forward_in = derivation[record.input]
    layer, number = record.layer, record.number
    value = lambda n: decimal(values[forward_in.symbols[n]])
    line = rf"{matrix_in} &= {_grid(grad_in, t_in.shape)}"
    if layer.routes_to_maximum:  # where each goes, in words: a matrix of the channel would repeat them among zeros
        routes = [f"${entry(t_out, u)}$ to ${entry(forward_in, n)} = {value(n)}$" for n, us in got.items() for u, _ in us]
        return (f"Layer {number}'s max pooling sends each to its window's first maximum, the switch: {_listed(routes)}; "
                f"the other entries of ${matrix_in}$ get 0.", [])
    if layer.gates_at_zero:  # entry by entry: input entry n gets output entry n's gradient, or 0 where shut
        shut = [n for n, us in got.items() if not us]
        stopped = [n for n in shut if values[t_out.symbols[n]] != 0]
        first = next(iter(got))
        where = _listed([f"$({', '.join(str(i + 1) for i in np.unravel_index(n - first, t_in.shape[1:]))})$"
                         for n in shut]) if len(t_in.shape) > 1 else _listed([f"${entry(forward_in, n)}$" for n in shut])
        words = (f"Layer {number}'s {layer.noun()} stops the gradient at the {len(shut)} entries $(i, j)$ where "
                 f"${strip(entry(forward_in, first))}_{{i,j}} \\le 0$, {where}"
                 + (f"; of them {_listed([f'${entry(t_out, n)}$' for n in stopped])} had a gradient that was not 0."
                    if stopped else f"; none is a switch, so ${matrix_in} = {strip(entry(t_out, first))}$."))
        upstream = strip(entry(t_out, first))
        mask = rf"\mathbb{{1}}\big[{strip(entry(forward_in, first)).replace('a^', 'A^', 1)} > 0\big]"
        same = all(values[t_out.symbols[n]] == v for n, v in zip(got, grad_in))  # nothing stopped: not printed again
        return words, [rf"{matrix_in} &= {upstream} \odot {mask} = "
                       + (upstream if same else _grid(grad_in, t_in.shape))]
    moved = sorted(u for us in got.values() for u, _ in us)
    span = (f"entries {moved[0] + 1} to {moved[-1] + 1}" if moved == list(range(moved[0], moved[-1] + 1))
            else f"entries {_listed([str(u + 1) for u in moved])}")
    return (f"Layer {number}'s {layer.noun()} puts {span} of ${strip(entry(t_out, moved[0]))}$ back in place as "
            f"${matrix_in}$.", [line])


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
    # Each number the worked example shows must be the reference's (it is checked before rendering too).
    for v in example.derived:
        if v.name in arrays:
            assert np.allclose([float(x) for x in v.values], np.reshape(arrays[v.name], -1), rtol=1e-9, atol=1e-9)
    items: list[Item] = []
    dense = [r for r in records if r.layer.weights_join and "W" in r.params]
    kernel = next((r for r in records if r.layer.kernel_slides and "K" in r.params), None)
    base = float(np.reshape(arrays[loss], -1)[0])
    # Exercises 1 and 2 ask for numbers the document does not print: the gradients had the target been another
    # (the next class, or each entry raised by 1), the rest as in the example, from NumPy again.
    other = _other_target(records[-1], leaves)
    if other is not None:
        primed_names = _primed_gradients(derivation, names)  # the answers' gradients are of L': delta', not delta
        changed = [n for s, n in primed_names.items() if n != names[s]]
        written = f" (its gradients written ${changed[0].split('}')[0]}}}$)" if changed else ""
        names = primed_names
        target, t_new = other
        arrays2 = {**leaves, target: t_new, **forward_backward(records, {**leaves, target: t_new})}
        values2 = _values(derivation, arrays2)
        hot = any(p.one_hot for p in records[-1].layer.params(records[-1].shape_in))
        t_text = (f"class {int(np.argmax(np.reshape(t_new, -1))) + 1} (a one-hot $t'$ with its 1 in entry "
                  f"{int(np.argmax(np.reshape(t_new, -1))) + 1})" if hot else "$t'$, each entry of $t$ raised by 1")
        primed = lambda label: label.replace(r"\partial L /", r"\partial L' /", 1)
        said = f"Had the target been {t_text}, with the same input and parameters, the loss would be $L'$."
        if dense:
            r = dense[-1]
            weight = r.params["W"]
            flat = exercise_entry(derivation, weight, arrays)
            i, j = (n + 1 for n in divmod(flat, derivation[weight].shape[1]))
            grad = f"dL/d{weight}"
            total = float(np.reshape(arrays2[grad], -1)[flat])
            label = derivation[grad].labels[flat]
            lines = _worked(derivation, names, grad, flat, values2, total, True)
            lines[0] = primed(lines[0])
            items.append(Item(
                "Exercise 1", f"{said} Compute ${inline_primed(label)}$ by the chain rule.",
                rf"Only output {i} of layer {r.number} reads $W^{{[{r.number}]}}_{{{i},{j}}}$, so the chain rule has one "
                rf"term, with the upstream gradient now of $L'${written}:" + _upstream_line(derivation, records, arrays2),
                tuple(lines)))
        def kernel_entry():
            """Exercise 3's kernel entry (in exercise 2's channel, its bias's, the last; not the one the worked example
            shows): its gradient's name, flat index and value in L'."""
            grad = f"dL/d{kernel.params['K']}"
            shown = next((v.worked for v in example.derived if v.name == grad), None)
            per = len(derivation[grad].labels) // derivation[grad].shape[0]
            last = derivation[grad].shape[0] - 1
            flat = next(n for n in range(last * per, (last + 1) * per) if n != shown)
            return grad, flat, float(np.reshape(arrays2[grad], -1)[flat])

        if kernel is not None and "b" in kernel.params:
            bias = kernel.params["b"]
            grad = f"dL/d{bias}"
            flat = derivation[grad].shape[0] - 1 if derivation[grad].shape else 0
            total = float(np.reshape(arrays2[grad], -1)[flat])
            label = derivation[grad].labels[flat]
            lines = _worked(derivation, names, grad, flat, values2, total, False)
            lines[0] = primed(lines[0])
            kept = _kept(derivation, names, grad, flat, values2)
            channel = flat if derivation[grad].shape else 0  # the bias's output channel (0-based)
            words, steps = [], []
            if dense:  # where the chain starts: the dense layer's input gradient, in numbers
                r = dense[-1]
                delta = lambda name: re.sub(r"_\{[^{}]*\}$", "", names[derivation[f"dL/d{name}"].symbols[0]])
                steps.append(rf"{delta(r.input)} &= \bigl(W^{{[{r.number}]}}\bigr)^{{\mathsf{{T}}}} {delta(r.output)} = "
                             + "{" + _vector(arrays2[f"dL/d{r.input}"]) + "}")
                # then back through each layer between the dense layer and the convolution, by its own entries
                between = [b for b in records if kernel.number < b.number < r.number]
                shown = []
                for b in reversed(between):
                    passed = _passed_back(derivation, names, b, channel, values2, arrays2)
                    if passed is None:  # a layer whose gradient is no switch, gate or move: said by its rule above
                        words, shown = [], []
                        break
                    words.append(passed[0])
                    shown.extend(passed[1])
                # two short matrices side by side: a channel's gradient before and after a layer that moves it
                while shown:  # up to three lines of at most 8 matrix rows in all on one line
                    line, joined = shown.pop(0), 1
                    while shown and joined < 3 and line.count(r"\\") + shown[0].count(r"\\") <= 8:
                        # \quad apart: three at \qquad ran 5.8 pt into the margin (review r8 defect 6)
                        line += r", \quad " + shown.pop(0).replace("&= ", "= ", 1)
                        joined += 1
                    steps.append(line)
            lines = steps + lines
            items.append(Item(
                f"Exercise {len(items) + 1}",
                f"With the same $t'$, compute ${inline_primed(label)}$: follow the gradient back through every layer.",
                ("From exercise 1's $\\hat{y} - t'$, the dense layer sends back its transposed weights times it. "
                 + " ".join(words) + " The bias sums its channel's upstream gradient:" if words else
                 "From exercise 1's $\\hat{y} - t'$, the gradient passes back through every layer by its rule above, and "
                 f"the bias gets the sum of its channel's upstream gradient; of its entries only {_listed(kept)} are not "
                 f"0{_stopped(records)}:"),
                tuple(lines)))
        if kernel is not None and other is not None and any(i.title == "Exercise 2" for i in items):
            # the lecture's core: the kernel's gradient, the input correlated with the upstream gradient found above
            # in exercise 2's channel (its bias's, the last), so that the upstream gradient found there serves
            grad, flat, total = kernel_entry()
            label = derivation[grad].labels[flat]
            # in symbols, then numbers, as answer 2 printed the upstream gradient
            lines = _worked(derivation, names, grad, flat, values2, total, True)
            lines[0] = primed(lines[0])
            found = kept  # the upstream entries that answer 2 found not 0, and why the others are
            kept = _kept(derivation, names, grad, flat, values2)
            items.append(Item(
                f"Exercise {len(items) + 1}",
                f"With the upstream gradient of $L'$ at layer {kernel.number} that exercise 2 needed, compute "
                f"${inline_primed(label)}$, the kernel entry's gradient.",
                ("By the kernel's gradient's rule, with only the entries of the upstream gradient that answer 2 found not "
                 "0:" if kept == found else
                 f"By the kernel's gradient's rule, with only the upstream gradient's entries {_listed(kept)}, not 0"
                 f"{_stopped(records)}:"),
                tuple(lines)))
            # the lecture's core result: the input's gradient, the full correlation with the rotated kernels (review r15
            # item 6), from the upstream gradient of every channel (answer 2 found the bias's channel's)
            item = _input_gradient_item(derivation, names, kernel, values2, arrays2, example, len(items) + 1)
            if item is not None:
                items.append(item)
    trained = [(r, p) for r in records for p in r.layer.params(r.shape_in) if p.trained]
    if dense and trained:
        r = dense[-1]
        weight = r.params["W"]
        rate, stepped, after = _step(records, trained, leaves, arrays, loss, base)
        grad = np.reshape(arrays[f"dL/d{weight}"], -1)
        entry = exercise_entry(derivation, weight, arrays)
        w0, g = float(np.reshape(leaves[weight], -1)[entry]), float(grad[entry])
        new = float(np.reshape(stepped[weight], -1)[entry])
        label = names[derivation[weight].symbols[entry]]
        # 1/N slashed as its derivatives are, in the same formula (review r17 item 1c: one style of fraction)
        items.append(Item(
            f"Exercise {len(items) + 1}",
            r"A batch of $N$ examples is trained on their mean loss $L = (1/N) \sum_{n} L^{(n)}$ (as PyTorch's losses do): "
            r"what is a weight's gradient then? For this example alone ($N = 1$, the worked example's $L$), give the new "
            rf"${label}$ after a step of gradient descent, $W \leftarrow W - \eta\, \partial L / \partial W$ with "
            rf"$\eta = {rate:g}$.",
            "Every example reads the same weights, so a weight's gradient sums what each example sends it, here "
            r"the mean $(1/N) \sum_{n} \partial L^{(n)} / \partial W$. For this example alone:",
            (rf"\text{{the new }} {label} &= {label} - \eta\, \partial L / \partial {label} = "
             rf"{_factor(w0)} - {rate:g} \cdot {_factor(g)} \approx {decimal(new)}",),
            f"With every parameter stepped so, the forward pass gives a loss of ${decimal(after)}$, down "
            f"from ${decimal(base)}$." if after < base else
            f"With every parameter stepped so, the forward pass gives a loss of ${decimal(after)}$, up "
            f"from ${decimal(base)}$: the step was too large."))
    return items


def _input_gradient_item(derivation: Derivation, names: dict, kernel, values2: dict, arrays2: dict, example: Example,
                         number: int) -> Item | None:
    """The exercise on a convolution's input gradient under L' (review r15 item 6): one input entry's gradient as the
    full correlation of the upstream gradient of every output channel with the kernels rotated by 180 degrees; the
    entry of the first input channel whose sum has the most terms that are not 0 (not the one the worked example
    works). Its answer says which entry of the rotated kernel each upstream entry meets, gives the upstream gradient of
    each channel answer 2 did not print (its entries that are not 0), then the sum in symbols and in numbers, its terms
    that are 0 left out. None
    where the derivation has no such gradient, or for a layer whose input entry meets no one kernel entry per upstream
    entry as (i - r + 1 + P, j - s + 1 + P) (a stride, a dilation, groups, padding that copies, the flipped kernel)."""
    grad, up = f"dL/d{kernel.input}", f"dL/d{kernel.output}"
    spec = kernel.layer.conv_spec(kernel.shape_in)
    if (grad not in derivation.names() or up not in arrays2 or grad not in arrays2 or spec.stride != (1, 1)
            or spec.dilation != (1, 1) or spec.groups != 1 or spec.copies or spec.flipped or not spec.symmetric):
        return None
    syms = derivation.symbols
    shown = next((v.worked for v in example.derived if v.name == grad), None)

    def live(flat: int) -> int:  # its terms whose upstream entry and kernel entry are both not 0
        return sum(values2[syms[a]] != 0 and values2[syms[b]] != 0 for a, b in _entry_terms(derivation, grad, flat))

    flat = max((n for n in _channel_entries(derivation, grad, 0) if n != shown), key=lambda n: (live(n), -n))
    if live(flat) < 2:
        return None
    total = float(np.reshape(arrays2[grad], -1)[flat])
    lines = _worked(derivation, names, grad, flat, values2, total, True, nonzero=True)
    lines[0] = lines[0].replace(r"\partial L /", r"\partial L' /", 1)
    label = derivation[grad].labels[flat]
    index = lambda text: tuple(int(n) for n in re.findall(r"_\{(\d+),(\d+)\}", text)[-1])  # an entry's (row, column)
    i, j = index(label)
    # the upstream gradient of each output channel answer 2 did not print (it printed the bias's, the last)
    t_up = derivation[up]
    strip = lambda text: re.sub(r"_\{[^{}]*\}$", "", text)
    per = len(t_up.symbols) // t_up.shape[0]
    channels = np.reshape(arrays2[up], (t_up.shape[0], -1))
    others = [m for m in range(t_up.shape[0] - 1) if np.any(channels[m])]
    width = t_up.shape[-1]
    said = "; ".join(f"${strip(names[t_up.symbols[m * per]])}$ is "
                     + _listed([f"${decimal(v)}$ at $({n // width + 1}, {n % width + 1})$"
                                for n, v in enumerate(channels[m]) if abs(v) > 1e-12]) + ", 0 elsewhere"
                     for m in others)
    # which kernel entry each upstream entry (r, s) meets at stride 1: (i - r + 1 + P_h, j - s + 1 + P_w), entry
    # (K_h + 1 - p, K_w + 1 - q) = (r - i - P_h + K_h, ...) of the rotated kernel; the first term's as an instance
    (kh, kw), (ph, pw) = spec.kernel, spec.padding
    plus = lambda letter, n: letter if n == 0 else f"{letter} + {n}" if n > 0 else f"{letter} - {-n}"
    kernel_at = f"$({i + 1 + ph} - r, {j + 1 + pw} - s)$"
    rotated_at = f"$({plus('r', kh - i - ph)}, {plus('s', kw - j - pw)})$"
    first = next((a, b) for a, b in _entry_terms(derivation, grad, flat) if values2[syms[a]] != 0 and values2[syms[b]] != 0)
    r, s_ = index(names[syms[first[0]]])
    k_label = derivation[kernel.params["K"]].labels[0]  # k^{[1](1,1)}_{1,1}: the kernels as K^{[1](m,1)}
    K = "K" + re.sub(r"\((\d+),", "(m,", strip(k_label))[1:]
    met = re.search(r"\((\d+),", names[syms[first[1]]])  # the output channel of the kernel the first term meets
    K_first = K.replace("(m,", f"({met.group(1)},", 1) if met else K
    instance = (f"${names[syms[first[0]]]}$ meets ${names[syms[first[1]]]}$, entry $({r + kh - i - ph}, "
                rf"{s_ + kw - j - pw})$ of $\operatorname{{rot}}_{{180}}({K_first})$")
    before = (f"the gradient a layer before layer {kernel.number} would receive; training needs none"
              if kernel.number == 1 else f"the gradient layer {kernel.number} sends back to layer {kernel.number - 1}")
    question = (f"From the upstream gradient of $L'$ at layer {kernel.number} in every channel, compute "
                f"${inline_primed(label)}$ ({before}) as the full correlation with the kernels rotated by 180 degrees: "
                rf"which entry of $\operatorname{{rot}}_{{180}}({K})$ meets each upstream entry?")
    answer = (f"By the input's gradient's rule, upstream entry $(r, s)$ meets kernel entry {kernel_at}, which is entry "
              f"{rotated_at} of the kernel turned by 180 degrees: {instance}. "
              + (f"Answer 2 found channel {t_up.shape[0]}'s upstream gradient; "
                 + (f"channel {others[0] + 1}'s comes" if len(others) == 1 else
                    f"those of channels {_listed([str(m + 1) for m in others])} come")
                 + f" back through the same layers: {said}. " if others else "")
              + "With only the terms that are not 0:")
    return Item(f"Exercise {number}", question, answer, tuple(lines))


def sheet_numbers(derivation: Derivation, example: Example | None, names: dict) -> Exercise | None:
    """The exercise sheet's task on numbers (review r10 item 3): the last dense layer's weight entry that exercise 1
    of the document asks about, and its bias entry, computed from the worked example's input to the layer and its
    upstream gradient, both given in the question as the document shows numbers; the answer is the
    document's own number (its worked example prints the weights' gradient). None for a network without a chain to a
    loss, a dense layer with weights, or a worked example."""
    net, records = derivation.network, derivation.records
    if len(records) < 2 or not net.chain or not net.has_loss or net.batch is not None or example is None:
        return None
    dense = [r for r in records if r.layer.weights_join and "W" in r.params]
    if not dense:
        return None
    r = dense[-1]
    leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
    arrays = {**leaves, **forward_backward(records, leaves)}
    values = _values(derivation, arrays)
    weight, grad, up = r.params["W"], f"dL/d{r.params['W']}", f"dL/d{r.output}"
    if grad not in arrays or up not in arrays or r.input not in arrays:
        return None
    flat = exercise_entry(derivation, weight, arrays)
    j = flat // derivation[weight].shape[1]
    total = float(np.reshape(arrays[grad], -1)[flat])
    lines = _worked(derivation, names, grad, flat, values, total, True)
    strip = lambda label: re.sub(r"_\{[^{}]*\}$", "", label)
    delta = strip(names[derivation[up].symbols[0]])
    a = matrix_name_of(derivation, r.input)
    asked = f"${inline(derivation[grad].labels[flat])}$"
    bias = r.params.get("b")
    if bias is not None and f"dL/d{bias}" in arrays:
        b_label = derivation[f"dL/d{bias}"].labels[j]
        lines.append(rf"{inline(b_label)} &= {names[derivation[up].symbols[j]]} = "
                     + decimal(float(np.reshape(arrays[up], -1)[j])))
        asked += f" and ${inline(b_label)}$"
    # the numbers as a list in running text, each its own math, so that a line may break between them (a vector of
    # eight entries, one unbreakable bmatrix, ran past the margin)
    listed = lambda values: ", ".join(f"${decimal(v)}$" for v in np.reshape(values, -1))
    question = (f"(Layer {r.number}.) In the worked example of the network's document, layer {r.number}'s input "
                f"${a}$ has the entries {listed(arrays[r.input])}, and its upstream gradient ${delta}$ the entries "
                f"{listed(arrays[up])}. Compute {asked} in numbers.")
    reasoning = (f"Only output {j + 1} reads the weight, so its gradient is that output's upstream gradient times the "
                 "input entry it multiplies" + (", and the bias's is the upstream gradient itself" if bias else "")
                 + ".")
    return Exercise(question, lines, reasoning, 2, layer=r.number)


def _vector(values) -> str:
    """A short vector in a line of text: a column written as a transposed row."""
    return (r"\begin{bmatrix} " + " & ".join(decimal(v) for v in np.reshape(values, -1))
            + r" \end{bmatrix}^{\mathsf{T}}")


def _other_target(last, leaves: dict):
    """(the target's name, another target): for a one-hot target the next class, for any other each entry raised
    by 1; None where the last layer has no target."""
    name = last.params.get("t")
    if name is None or name not in leaves:
        return None
    t = leaves[name]
    if any(p.one_hot for p in last.layer.params(last.shape_in)):
        flat = np.reshape(t, -1)
        return name, np.roll(flat, 1).reshape(t.shape)
    return name, t + 1


def _upstream_line(derivation: Derivation, records, arrays2: dict) -> str:
    """For a softmax with cross-entropy: its upstream gradient under L' in numbers, p - t' (empty otherwise)."""
    last = records[-1]
    if not any(p.one_hot for p in last.layer.params(last.shape_in)):
        return ""
    scores = last.input
    grad = np.reshape(arrays2[f"dL/d{scores}"], -1)
    return (rf" $\partial L' / \partial {matrix_name_of(derivation, scores)} = \hat{{y}} - t' = {_vector(grad)}$.")


def matrix_name_of(derivation: Derivation, name: str) -> str:
    """a^{[5]}: a tensor's name as its first entry's label writes it, without the entry's index."""
    label = derivation[name].labels[0]
    return re.sub(r"_\{[^{}]*\}$", "", label)


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


def exercise_entry(derivation: Derivation, weight: str, arrays: dict) -> int:
    """The flat position of the weight entry exercise 1 asks for (row 2, the first column from 3 on whose
    input is not 0)."""
    rows, cols = derivation[weight].shape
    r = next(r for r in derivation.records if r.params.get("W") == weight)
    a_in = np.reshape(arrays[r.input], -1)
    j = next((j for j in range(min(3, cols), cols + 1) if a_in[j - 1] != 0), min(3, cols))
    return _entry_name((rows, cols), (2, j))[0]
