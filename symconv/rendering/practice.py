"""A single convolution layer's exercises with answers, every number computed from its worked example:
an entry of each gradient by hand, the same input entry at another stride (through the layer's own NumPy
code), and a kernel entry's gradient checked by finite differences on the loss L = sum(G * Y), which is
linear in the kernel, so that the difference quotient is the gradient exactly."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction


from ..derivation import Derivation
from ..example import Example
from ..indexmap import IndexMap
from ..spec import SpecError
from ..words import matrix_name, size
from .latex import break_lines, width

STEP = Fraction(1, 1000)  # the finite difference's step: a kernel entry raised by 10^{-3}
STEP_TEX = r"10^{-3}"
ROOM = 40.0  # em of an answer's line
ONE_LINE = 46.0  # em: a short sum, in symbols and in numbers, on one line of the (small) answers
MOST_SHOWN = 9  # L's terms written out up to this many; beyond, its value alone


@dataclass(frozen=True)
class Practice:
    """Each exercise's question (prose with $math$, and any display lines it gives) and its answer (display
    lines and the prose after them), in order; `values` holds the answers' numbers by name, for tests."""

    questions: list[tuple[str, list[str]]]
    answers: list[tuple[list[str], str]]
    values: dict


def _decimal(value: Fraction) -> str:
    """An exact value as the documents print it: 3, -2, 8.003 (a thousandth at most: the step's)."""
    if value.denominator == 1:
        return str(value.numerator)
    text = f"{float(value):.3f}".rstrip("0").rstrip(".")
    assert Fraction(text) == value, (value, text)
    return text


def _factor(value: Fraction) -> str:
    text = _decimal(value)
    return f"({text})" if text.startswith("-") else text


def _sum_lines(lhs: str, symbolic: list[str], numeric: list[str], value: str) -> list[str]:
    """lhs = the symbolic terms (broken into lines) = the numeric terms = value, as align lines; on one line where
    it fits (the answers are set small: ONE_LINE em)."""
    if symbolic and numeric:
        joined = f"{lhs} &= {' + '.join(symbolic)} = {' + '.join(numeric)} = {value}"
        if width(joined) <= ONE_LINE:
            return [joined]
    lines = []
    for texts in (symbolic, numeric):
        broken = break_lines(texts, ROOM - width(lhs)) if texts else ["0"]
        lines += [f"&= {broken[0]}"] + [rf"&\quad {line}" for line in broken[1:]]
    lines[-1] += f" = {value}"
    lines[0] = lhs + " " + lines[0]
    return lines


def practice(derivation: Derivation, example: Example | None, printer) -> Practice | None:
    """The exercises of a single convolution layer without a batch, from its worked example (whole numbers);
    None for anything else. `printer` is the document's TermPrinter (its letters and upstream symbol)."""
    import numpy as np  # on first use, as symconv.numeric loads it: rendering alone does not need it

    if example is None or len(derivation.records) != 1 or derivation.network.batch is not None:
        return None
    record = derivation.records[0]
    layer = record.layer
    if not layer.kernel_slides:  # a convolution's kernel sliding over its input: what the exercises ask about
        return None
    values = {v.name: v.values for v in example.given + example.derived}
    if not all(getattr(x, "is_Rational", False) for vs in values.values() for x in vs):
        return None
    subs = {}
    for name, vs in values.items():
        if derivation[name].symbols is not None:
            subs.update(zip(derivation[name].symbols, vs))
    value = lambda at: Fraction(int(subs[derivation.symbols[at]].p), int(subs[derivation.symbols[at]].q))
    X, Y, K = record.input, record.output, record.params["K"]
    G, dX, dK = f"dL/d{Y}", f"dL/d{X}", f"dL/d{K}"
    arrays = {name: np.array([float(v) for v in values[name]]).reshape(derivation[name].shape)
              for name in (X, K, G) + ((record.params["b"],) if "b" in record.params else ())}
    worked = {v.name: v.worked for v in example.derived}

    def entry_terms(name: str, n: int) -> tuple[list[str], list[str], Fraction]:
        tensor = derivation[name]
        texts, _ = printer.terms(tensor, n)
        t = tensor.terms
        pairs = list(zip(t.first[t.start[n]:t.start[n + 1]], t.second[t.start[n]:t.start[n + 1]]))
        numeric = [_factor(value(a)) if b < 0 else rf"{_factor(value(a))} \cdot {_factor(value(b))}" for a, b in pairs]
        total = sum((value(a) if b < 0 else value(a) * value(b) for a, b in pairs), Fraction(0))
        return texts, numeric, total

    questions, answers, found = [], [], {}
    # Exercises 1 and 2 ask for entries the document does not print: those of another loss L', whose upstream
    # gradient G' (small whole numbers from the example's seed) differs from the example's G.
    spec = layer.conv_spec(record.shape_in)
    g_other = _other_upstream(arrays[G], example.seed)
    params = {"K": arrays[K], **({"b": arrays[record.params["b"]]} if "b" in record.params else {})}
    gx_other, grads_other = layer.numpy_backward(np, g_other, arrays[X], None, params, None)
    upstream = _letter(printer, derivation, G)
    g_symbols = {s: Fraction(round(float(v))) for s, v in zip(derivation[G].symbols, g_other.reshape(-1))}
    shown_g = _matrices("G'", g_other)

    def other_terms(name: str, n: int) -> tuple[list[str], list[str], Fraction]:
        """Entry n of gradient `name` under L': its terms with the upstream letter primed, in numbers, and its value."""
        tensor = derivation[name]
        texts, _ = printer.terms(tensor, n)
        texts = [_primed(text, upstream) for text in texts] if upstream != "G" else []
        t = tensor.terms
        pairs = list(zip(t.first[t.start[n]:t.start[n + 1]], t.second[t.start[n]:t.start[n + 1]]))
        factor = lambda at: g_symbols.get(derivation.symbols[at], None)
        numeric, total = [], Fraction(0)
        for a, b in pairs:
            ga = factor(a)
            other = value(b) if b >= 0 else Fraction(1)
            numeric.append(_factor(ga) if b < 0 else rf"{_factor(ga)} \cdot {_factor(other)}")
            total += ga * other
        return texts, numeric, total

    primed = lambda label: label.replace(r"\partial L}", r"\partial L'}", 1)
    # 1: the input entry with the most terms (the first of them), under L'.
    tensor = derivation[dX]
    count = lambda n: tensor.terms.start[n + 1] - tensor.terms.start[n]
    printed = lambda name, n: Fraction(int(values[name][n].p), int(values[name][n].q))
    # (the entry with the most terms; of those, one whose number differs from the example's, printed above)
    n_x = max(range(len(tensor.labels)), key=lambda n: (count(n), float(gx_other.reshape(-1)[n]) != printed(dX, n), -n))
    lhs = primed(tensor.labels[n_x])
    symbolic, numeric, total = other_terms(dX, n_x)
    assert abs(float(total) - float(gx_other.reshape(-1)[n_x])) < 1e-9, (total, gx_other)
    questions.append((f"Let another loss $L'$ send back ${_prime_name()}$ below instead of $G$ (the same input and kernel). "
                      f"Compute ${_slash(lhs)}$: which entries ${_entry(upstream, chr(39), None, 'r', 's')}$ reach it, through "
                      "which kernel entries?", shown_g))
    answers.append((_sum_lines(lhs, symbolic, numeric, _decimal(total)),
                    "Each output whose window covers the entry sends back its upstream gradient through the kernel "
                    "entry that met it."))
    found["input entry"] = (n_x, total)
    found["upstream"] = g_other
    spread = ", dilated by the stride," if spec.stride != (1, 1) else ""
    padded = "padded " if spec.has_padding else ""
    # 2: a kernel entry's gradient under L', of the first channel pair: the last that is not 0 and not as printed.
    tensor = derivation[dK]
    kh, kw = derivation[K].shape[-2:]
    plane = range(kh * kw)
    n_k = max(plane, key=lambda n: (grads_other["K"].reshape(-1)[n] != 0,
                                    float(grads_other["K"].reshape(-1)[n]) != printed(dK, n), n))
    k_lhs, k_name = primed(tensor.labels[n_k]), derivation[K].labels[n_k]
    symbolic, numeric, total = other_terms(dK, n_k)
    assert abs(float(total) - float(grads_other["K"].reshape(-1)[n_k])) < 1e-9
    questions.append((f"With the same ${_prime_name()}$, compute ${_slash(k_lhs)}$.", []))
    answers.append((_sum_lines(k_lhs, symbolic, numeric, _decimal(total)),
                    f"Each output adds its upstream gradient times the {padded}input entry that ${k_name}$ met in its "
                    f"window. Lay the upstream gradient{spread} over the {padded}input with its top-left corner on the "
                    f"entry that ${k_name}$ meets in the first output: it covers exactly those entries"
                    + (" (one in the zero padding gives no term)." if spec.has_padding else ".")))
    found["kernel entry"] = (n_k, total)
    # 3: the middle input entry at another stride, through the layer's own NumPy code.
    stride = _stride_exercise(derivation, record, layer, arrays, printer, example.derived)
    if stride is not None:
        question, lines, after, result = stride
        questions.append(question)
        answers.append((lines, after))
        found["stride"] = result
    # 4: exercise 2's kernel entry by finite differences on L = sum(G * Y), linear in the kernel.
    question, lines, after, result = _finite_difference(derivation, record, layer, {**arrays, G: g_other}, printer,
                                                        n_k, k_name)
    questions.append(question)
    answers.append((lines, after))
    found["finite difference"] = result
    # 5: the layer as a matrix, vec(Y) = M vec(X) + b, and the backward pass as its transpose (the text explains why
    # the kernel turns up rotated; an exercise that asked for that proof again repeated it). Where M is too large to
    # write out, or has channels: the derivation of the rotation, as before.
    matrix = _matrix_exercise(derivation, record, layer, arrays, printer,
                              {v.name: v.values for v in example.derived})
    question, lines, after = matrix or _rotation_derivation(derivation, record, arrays, printer)
    questions.append(question)
    answers.append((lines, after))
    return Practice(questions, answers, found)


def _other_upstream(g, seed: int):
    """Another upstream gradient of G's shape: small whole numbers (-1 to 2, as the example's) drawn from the
    example's seed, not all 0 and not G itself."""
    import random

    import numpy as np

    rng = random.Random(f"another loss {seed}")
    while True:
        other = np.array([rng.randint(-1, 2) for _ in range(g.size)], dtype=float).reshape(g.shape)
        if other.any() and not np.array_equal(other, g):
            return other


def _primed(text: str, letter: str) -> str:
    """g_{1,2} k_{1,1} with the upstream letter primed: g'_{1,2}, {g'}^{(1)}_{1,2}."""
    pattern = re.compile(r"(?<![A-Za-z\\])" + re.escape(letter) + r"(?![A-Za-z])(?=\s*([_^]))")
    return pattern.sub(lambda m: f"{{{letter}'}}" if m.group(1) == "^" else f"{letter}'", text)


def _prime_name() -> str:
    return "G'"


def _matrices(name: str, array) -> list[str]:
    """One display line: the matrix `name` (per output channel, ^{(m)}, when it has several)."""
    many = array.shape[0] > 1
    shown = [("{" + name + "}^{(" + str(m + 1) + ")}" if many else name) + " = {\\begin{bmatrix} "
             + r" \\ ".join(" & ".join(_decimal(Fraction(round(float(v)))) for v in row) for row in array[m])
             + r" \end{bmatrix}}" for m in range(array.shape[0])]
    return ["&" + r", \quad ".join(shown)]


def assert_rotation(G, K) -> None:
    """The identity the derivation exercise proves, on numbers: sum_{r,s} g_{r,s} k_{i-r+1, j-s+1} (each upstream
    entry scattering the kernel back over the input it read) is the valid correlation of G, padded with K_h - 1
    rows and K_w - 1 columns of zeros on every side, with the kernel rotated by 180 degrees (per channel pair)."""
    import numpy as np

    kh, kw = K.shape[-2:]
    scattered = np.zeros((K.shape[1], G.shape[1] + kh - 1, G.shape[2] + kw - 1))
    for m in range(G.shape[0]):
        for r in range(G.shape[1]):
            for s in range(G.shape[2]):
                scattered[:, r:r + kh, s:s + kw] += G[m, r, s] * K[m]
    padded = np.pad(G, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    rotated = K[:, :, ::-1, ::-1]
    full = np.zeros_like(scattered)
    for i in range(full.shape[1]):
        for j in range(full.shape[2]):
            full[:, i, j] = np.einsum("mhw,mchw->c", padded[:, i:i + kh, j:j + kw], rotated)
    assert np.allclose(full, scattered)


MATRIX_ROWS, MATRIX_COLUMNS = 9, 12  # the largest M an exercise asks to write out (the default layer's: 4 x 9)


def _vec(array):
    """A matrix's columns stacked, as the matrix view's vec (one channel)."""
    return array.reshape(array.shape[-2:]).reshape(-1, order="F")


def _matrix_exercise(derivation: Derivation, record, layer, arrays: dict, printer, derived: dict):
    """Exercise: write the layer as a matrix, vec(Y) = M vec(X) + b 1, at the example's kernel, and compute
    M^T vec(G): the input's gradient of the worked example. M's columns come from the layer's own NumPy forward
    pass (the output of each unit input, without the bias); the answer is checked against the example's Y and
    dL/dX (each checked against NumPy before). None with channels or a batch, or where M is larger than
    MATRIX_ROWS x MATRIX_COLUMNS."""
    import numpy as np

    spec = layer.conv_spec(record.shape_in)
    (h, w), (ho, wo) = spec.input, spec.output
    if spec.in_channels != 1 or spec.out_channels != 1 or ho * wo > MATRIX_ROWS or h * w > MATRIX_COLUMNS:
        return None
    X, K, G = arrays[record.input], arrays[record.params["K"]], arrays[f"dL/d{record.output}"]
    params = {"K": K} | ({"b": np.zeros_like(arrays[record.params["b"]])} if "b" in record.params else {})
    M = np.zeros((ho * wo, h * w))
    for col in range(h * w):
        unit = np.zeros(h * w)
        unit[col] = 1.0
        y, _ = layer.numpy_forward(np, unit.reshape((w, h)).T.reshape(X.shape), params)
        M[:, col] = _vec(y)
    bias = float(arrays[record.params["b"]].reshape(-1)[0]) if "b" in record.params else 0.0
    Y = np.array([float(v) for v in derived[record.output]]).reshape((ho, wo))
    dX = np.array([float(v) for v in derived[f"dL/d{record.input}"]]).reshape((h, w))
    assert np.allclose(M @ _vec(X) + bias, _vec(Y))  # the matrix is the layer
    back = M.T @ _vec(G)
    assert np.allclose(back, _vec(dX))  # and its transpose the backward pass
    number = lambda v: _decimal(Fraction(round(float(v))))
    y, x = (re.split(r"[\^_]", printer.latex[derivation.symbols.index(derivation[n].symbols[0])])[0]
            for n in (record.output, record.input))
    Yn, Xn, Kn = matrix_name(y), matrix_name(x), matrix_name(re.split(
        r"[\^_]", printer.latex[derivation.symbols.index(derivation[record.params["K"]].symbols[0])])[0])
    b = r" + b\,\mathbf{1}" if "b" in record.params else ""
    # with a bias the map is affine (linear plus a constant), not linear
    kind = "affine in its input (a linear map plus a constant)" if b else "linear in its input"
    question = (rf"The layer is {kind}: $\operatorname{{vec}}({Yn}) = M \operatorname{{vec}}({Xn}){b}$, where "
                r"$\operatorname{vec}$ stacks a matrix's columns" + (r" and $\mathbf{1}$ is the vector of ones" if b else "")
                + rf". Write the {size(ho * wo, h * w)} matrix $M$ at the example's ${Kn}$ (row by output entry, column "
                rf"by input entry), then compute $M^{{\mathsf{{T}}}} \operatorname{{vec}}(G)$ and compare it with "
                rf"$\partial L / \partial {Xn}$.", [])
    matrix = r" \\ ".join(" & ".join(number(v) for v in row) for row in M)
    # (each matrix in braces: an aligned block's rows are split at the \\ outside them)
    # M written as the Jacobian it is, which check reads entry by entry (a bare M it takes for another name)
    jacobian = rf"\frac{{\partial \operatorname{{vec}}({Yn})}}{{\partial \operatorname{{vec}}({Xn})}}"
    lines = [rf"M = {jacobian} &= {{\begin{{bmatrix}} {matrix} \end{{bmatrix}}}}",
             rf"M^{{\mathsf{{T}}}} \operatorname{{vec}}(G) &= {{\begin{{bmatrix}} {' & '.join(number(v) for v in back)} "
             rf"\end{{bmatrix}}}}^{{\mathsf{{T}}}} = \operatorname{{vec}}\Bigl(\frac{{\partial L}}{{\partial {Xn}}}\Bigr)"]
    after = (rf"Row $(r, s)$ of $M$ holds each kernel entry in the column of the input entry it multiplies in output "
             rf"$(r, s)$, and 0 elsewhere. By the chain rule $\partial L / \partial \operatorname{{vec}}({Xn}) = "
             rf"M^{{\mathsf{{T}}}} \operatorname{{vec}}(G)$: column $(i, j)$ of $M$ lists the kernel entries through which "
             rf"${x}_{{i,j}}$ reaches each output, so the product gives the worked example's $\partial L / \partial {Xn}$, "
             "column by column. The backward pass is the forward pass's matrix transposed; the full correlation with the "
             "rotated kernel computes this product without writing $M$.")
    return question, lines, after


def _rotation_derivation(derivation: Derivation, record, arrays: dict, printer):
    """Exercise: derive, from the forward rule, that the input's gradient is the full correlation of G with the
    rotated kernel (at stride 1, no padding, dilation 1, one channel). The identity is checked here on the
    example's numbers against NumPy's own full correlation (the layer's NumPy backward at stride 1)."""
    import numpy as np

    letters = {which: derivation[name].labels[0] for which, name in
               (("x", record.input), ("k", record.params["K"]), ("y", record.output))}
    base = {w: re.split(r"[\^_]", printer.latex[derivation.symbols.index(derivation[n].symbols[0])])[0]
            for w, n in (("x", record.input), ("k", record.params["K"]), ("y", record.output))}
    x, k, y = base["x"], base["k"], base["y"]
    g = _letter(printer, derivation, f"dL/d{record.output}")
    g = "g" if g == "G" else g
    X, K = matrix_name(x), matrix_name(k)
    # The identity on the example's numbers: sum_{r,s} g_{r,s} k_{i-r+1, j-s+1} is the valid correlation of G
    # padded with K_h - 1 and K_w - 1 zeros on every side with the kernel rotated by 180 degrees.
    assert_rotation(arrays[f"dL/d{record.output}"], arrays[record.params["K"]])
    question = (rf"Show why the kernel turns up rotated. Take stride 1, no padding, dilation 1 and one channel, so that "
                rf"${y}_{{r,s}}$ is $b$ plus the sum of ${x}_{{r+p-1,\,s+q-1}}\, {k}_{{p,q}}$ over the kernel's entries. Starting "
                rf"from the chain rule $\partial L / \partial {x}_{{i,j}} = \sum_{{r,s}} {g}_{{r,s}}\, \partial {y}_{{r,s}} / "
                rf"\partial {x}_{{i,j}}$, show that $\partial L / \partial {X}$ is the full correlation of $G$ with "
                rf"$\operatorname{{rot}}_{{180}}({K})$.", [])
    lines = [rf"\frac{{\partial L}}{{\partial {x}_{{i,j}}}} &= \sum_{{r,s}} {g}_{{r,s}}\, "
             rf"\frac{{\partial {y}_{{r,s}}}}{{\partial {x}_{{i,j}}}} = \sum_{{r,s}} {g}_{{r,s}}\, {k}_{{i-r+1,\,j-s+1}}",
             rf"&= \sum_{{u=1}}^{{K_h}} \sum_{{v=1}}^{{K_w}} \operatorname{{full}}(G)_{{i+u-1,\,j+v-1}}\, "
             rf"\operatorname{{rot}}_{{180}}({K})_{{u,v}} = \bigl(\operatorname{{full}}(G) \star \operatorname{{rot}}_{{180}}({K})\bigr)_{{i,j}}"]
    after = (rf"First line: ${x}_{{i,j}}$ meets ${y}_{{r,s}}$ once, through $p = i - r + 1$, $q = j - s + 1$ (no term "
             rf"outside the kernel). Second: count the kernel from its end, $u = K_h + 1 - p$, $v = K_w + 1 - q$: as $p$ "
             rf"runs forward $u$ runs backward, so ${k}_{{p,q}} = \operatorname{{rot}}_{{180}}({K})_{{u,v}}$, and "
             rf"${g}_{{r,s}} = \operatorname{{full}}(G)_{{i+u-1,\,j+v-1}}$ with $\operatorname{{full}}(G)$ the $G$ padded by "
             r"$K_h - 1$ rows and $K_w - 1$ "
             "columns of zeros: a valid correlation of the padded $G$, the full one. On the example's numbers it gives "
             "the input's gradient shown there.")
    return question, lines, after


def _slash(label: str) -> str:
    """A gradient's name for running text: \\partial L' / \\partial x_{2,2}, not a small fraction."""
    return re.sub(r"^\\frac\{\\partial (L'*)\}\{\\partial (.*)\}$", r"\\partial \1 / \\partial \2", label)


def _letter(printer, derivation: Derivation, name: str) -> str:
    """The letter a tensor's entries are written with in the document (g, \\delta, y), or its capital (G) where
    they are written as full fractions."""
    text = printer.latex[derivation.symbols.index(derivation[name].symbols[0])] if derivation[name].symbols \
        else derivation[name].labels[0]
    return "G" if text.startswith("\\frac") else re.split(r"[\^_]", text)[0]


def _entry(letter: str, prime: str, channel: int | None, r: int, s: int) -> str:
    """g'_{1,2}, or {g'}^{(1)}_{1,2} in a channel (1-based numbers)."""
    if channel is None:
        return f"{letter}{prime}_{{{r},{s}}}"
    return f"{{{letter}{prime}}}^{{({channel})}}_{{{r},{s}}}"


def plural_list(numbers: list[int]) -> str:
    """3; 3 and 4; 2, 3 and 4 (the numbers of rows or columns, their noun said before them)."""
    return (str(numbers[0]) if len(numbers) == 1 else
            ", ".join(map(str, numbers[:-1])) + f" and {numbers[-1]}")


def _stride_exercise(derivation: Derivation, record, layer, arrays: dict, printer, example_values=()):
    """At stride 2 (or 1, for a layer with a stride), with the same input, kernel, padding and dilation, the
    outputs that both strides compute keep their upstream gradient (at stride 1, those the stride skips get 0):
    the middle input entry's gradient, by the layer's NumPy code, and its terms. None where the other stride
    gives no output or cannot be set."""
    import numpy as np  # on first use, as symconv.numeric loads it: rendering alone does not need it

    spec = layer.conv_spec(record.shape_in)
    other = (2, 2) if spec.stride == (1, 1) else (1, 1)
    try:
        variant = replace(layer, stride=other)
        vspec = variant.conv_spec(record.shape_in)
        out = vspec.output
    except (SpecError, ValueError):
        return None
    if min(out) < 1 or out[0] * out[1] > 64:
        return None
    G = f"dL/d{record.output}"
    g = arrays[G]
    (sh, sw) = spec.stride
    if other == (2, 2):  # stride 2 keeps every other output of stride 1
        g2 = g[:, ::2, ::2]
    else:  # stride 1 computes the outputs of stride S and those between them, which the loss ignores
        g2 = np.zeros((g.shape[0], *out))
        g2[:, ::sh, ::sw] = g
    if g2.shape[1:] != tuple(out):
        return None
    params = {"K": arrays[record.params["K"]]}
    if "b" in record.params:
        params["b"] = arrays[record.params["b"]]
    x = arrays[record.input]
    gx, _ = variant.numpy_backward(np, g2, x, None, params, None)
    h, w = spec.input
    i, j = (h - 1) // 2, (w - 1) // 2
    result = Fraction(round(float(gx[0, i, j])))
    assert abs(float(gx[0, i, j]) - float(result)) < 1e-9
    lhs = derivation[f"dL/d{record.input}"].labels[i * w + j]
    # Its terms: every (output channel, output entry, kernel entry) whose read at the other stride is (1, i, j).
    index = IndexMap(vspec)
    rows = [(r, index.kernel_row(p)) for r, p, ii in index.rows if ii == i]
    cols = [(s, index.kernel_col(q)) for s, q, jj in index.cols if jj == j]
    K = derivation[record.params["K"]]
    kh, kw = K.shape[-2:]
    n_in = K.shape[1]
    readers = [m for m in range(K.shape[0]) if vspec.group_of(m) == 0] if vspec.groups > 1 else range(K.shape[0])
    symbolic, numeric, total = [], [], Fraction(0)
    letter = _letter(printer, derivation, G)
    for m in readers:
        for r, p in rows:
            for s, q in cols:
                flat_k = ((m * n_in) * kh + p) * kw + q
                k_text = K.labels[flat_k]
                g_text = _entry(letter, "''", m + 1 if g.shape[0] > 1 else None, r + 1, s + 1)
                gv, kv = Fraction(round(float(g2[m, r, s]))), Fraction(round(float(params['K'][m, 0, p, q])))
                symbolic.append(rf"{g_text}\, {k_text}")
                numeric.append(rf"{_factor(gv)} \cdot {_factor(kv)}")
                total += gv * kv
    assert total == result, (total, result)
    G2 = "G''"
    shown = [("&{" + G2 + "}^{(" + str(m + 1) + ")}" if g2.shape[0] > 1 else "&" + G2) + " = {\\begin{bmatrix} "
             + r" \\ ".join(" & ".join(_decimal(Fraction(round(float(v)))) for v in row) for row in g2[m])
             + r" \end{bmatrix}}" for m in range(g2.shape[0])]
    shown = [r", \quad ".join(line.lstrip("&") for line in shown)]
    shown = ["&" + shown[0]]
    # The input rows and columns no window reads at the other stride: their gradient is 0, whatever G'' is.
    unread_rows = [n + 1 for n in range(h) if all(ii != n for _, _, ii in index.rows)]
    unread_cols = [n + 1 for n in range(w) if all(jj != n for _, _, jj in index.cols)]
    unread = " and ".join(([f"row {plural_list(unread_rows)}"] if unread_rows else [])
                          + ([f"column {plural_list(unread_cols)}"] if unread_cols else []))
    words = (f"At stride 2 instead (the same input, kernel{', bias' if 'b' in params else ''}, padding and dilation) "
             f"the output is {size(*out)}, "
             + ("the first output of stride 1 alone, and the loss $L''$ sends it the upstream gradient "
                f"${G2}$ below, the first entry of $G$." if tuple(out) == (1, 1) else
                "the outputs of stride 1 at odd rows and columns, and the loss $L''$ sends them the upstream gradient "
                f"${G2}$ below (the entries of $G$ at those rows and columns).")) if other == (2, 2) else (
             f"Suppose the stride were 1 instead, with the same input, kernel, padding and dilation: the output is then "
             f"{size(*out)}, and the outputs of stride {sh if sh == sw else f'{sh} by {sw}'} are among them. Let the "
             f"loss depend on those as before and not on the others, so that the upstream gradient ${G2}$ below "
             "is $G$ with zeros between its entries.")
    # And the entries some window reads, but only through kernel entries that are 0 in the example: each of their
    # terms is 0, whatever G'' is (review24b defect 2: x_{1,1} when k_{1,1} = 0). Read off every entry's terms.
    X = derivation[record.input]
    n_channels = X.shape[-3] if len(X.shape) >= 3 else 1
    zeroed = []  # (input entry, the kernel entries it meets), every one of them 0
    for c in range(n_channels):
        meet = [m for m in range(K.shape[0]) if vspec.groups == 1 or vspec.group_of(m) == c // n_in]
        for a in range(h):
            for b in range(w):
                met = [((m * n_in + c % n_in) * kh + p) * kw + q for m in meet for _, p, ii in index.rows if ii == a
                       for _, q, jj in index.cols if jj == b]
                if met and all(params["K"].reshape(-1)[k] == 0 for k in met):
                    zeroed.append((X.labels[(c * h + a) * w + b], list(dict.fromkeys(K.labels[k] for k in met))))
    lhs_prime = lhs.replace(r"\partial L}", r"\partial L''}", 1)
    why = (f" Which input entries get a gradient of 0 from every output, whatever ${G2}$ is, and why?"
           if (unread or zeroed) and other == (2, 2) else "")
    question = (f"{words} Compute ${_slash(lhs_prime)}$, writing the entries of ${G2}$ as "
                f"${_entry(letter, chr(39) * 2, None, 'r', 's')}$.{why}", shown)
    lines = _sum_lines(lhs_prime, symbolic, numeric, _decimal(result))
    after = ("Only the outputs whose windows still cover the entry send it a term: "
             + ("at stride 2 the windows start every second row and column, so fewer reach it. "
                if other == (2, 2) else "at stride 1 every window is there, but those the larger stride skipped "
                "bring an upstream gradient of 0. ")
             + "The general form above gives the same."
             + (f" The entries of the input's {unread} get 0: no window at stride 2 reaches them, so no output reads "
                "them (the rows and columns the stride leaves unread, where the general form's crop gives 0)."
                if why and unread else "")
             + (_zeroed_words(zeroed, bool(unread), G2) if why and zeroed else ""))
    if other == (1, 1):  # the stride's own gradient, again: a stride is stride 1 with the skipped outputs' gradient 0
        own = derivation[f"dL/d{record.input}"]
        mine = [v.values for v in example_values if v.name == own.name][0][i * w + j]
        assert Fraction(int(mine.p), int(mine.q)) == result
        after += (rf" It is the layer's own ${lhs}$ of the worked example: a layer with a stride is the layer at "
                  "stride 1 whose skipped outputs get an upstream gradient of 0, which is why the general form dilates "
                  "$G$ by the stride.")
    return question, lines, after, {"entry": (i, j), "upstream": g2, "value": result, "stride": other}


def _zeroed_words(zeroed: list[tuple[str, list[str]]], more: bool, G2: str) -> str:
    """The input entries read only through kernel entries that are 0 in the example, and why they get 0."""
    items = [f"${name}$ (through " + " and ".join(f"${k}$" for k in ks) + ")" for name, ks in zeroed]
    listed = items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" and {items[-1]}"
    one = len(items) == 1
    lead = (f" So {'does' if one else 'do'} {listed}" if more else f" The entries that get 0 are {listed}" if not one
            else f" The entry that gets 0 is {listed}")
    return (f"{lead}: {'it is' if one else 'they are'} read at stride 2, but every kernel entry {'it meets' if one else 'they meet'} "
            f"is 0 in this example, so each of {'its' if one else 'their'} terms is 0, whatever ${G2}$ is.")


def _finite_difference(derivation: Derivation, record, layer, arrays: dict, printer, n_k: int, k_name: str):
    """Exercise: raise the kernel entry by 10^{-3} and compare the change in L = sum(G * Y) with its gradient;
    L is linear in the entry, so the quotient is exact. The outputs by the layer's NumPy code."""
    import numpy as np  # on first use, as symconv.numeric loads it: rendering alone does not need it

    K = arrays[record.params["K"]]
    params = {"K": K}
    if "b" in record.params:
        params["b"] = arrays[record.params["b"]]
    x, g = arrays[record.input], arrays[f"dL/d{record.output}"]
    y, _ = layer.numpy_forward(np, x, params)
    bumped = K.copy()
    bumped.reshape(-1)[n_k] += float(STEP)
    y2, _ = layer.numpy_forward(np, x, {**params, "K": bumped})
    exact = lambda v: Fraction(round(float(v) * 1000), 1000)
    ys, y2s, gs = [exact(v) for v in y.reshape(-1)], [exact(v) for v in y2.reshape(-1)], [exact(v) for v in g.reshape(-1)]
    assert all(abs(float(a) - float(b)) < 1e-9 for a, b in zip(ys + y2s, list(y.reshape(-1)) + list(y2.reshape(-1))))
    L = sum((a * b for a, b in zip(gs, ys)), Fraction(0))
    L2 = sum((a * b for a, b in zip(gs, y2s)), Fraction(0))
    quotient = (L2 - L) / STEP
    k_value = Fraction(round(float(K.reshape(-1)[n_k])))
    many = g.shape[0] > 1
    upstream = _letter(printer, derivation, f"dL/d{record.output}")
    y_letter = _letter(printer, derivation, record.output)
    sup = "^{(m)}" if many else ""
    primed = f"{{{upstream}'}}" if many else f"{upstream}'"
    loss = rf"\sum_{{{'m,' if many else ''}r,s}} {primed}{sup}_{{r,s}}\, {y_letter}{sup}_{{r,s}}"
    question = (rf"Check exercise 2 by finite differences on the loss $\ell = {loss}$, whose upstream gradient is $G'$: "
                rf"compute $\ell(K)$, then $\ell(K_{{+}})$ with ${k_name}$ raised by ${STEP_TEX}$ (from "
                rf"${_decimal(k_value)}$ to ${_decimal(k_value + STEP)}$), and compare "
                rf"$(\ell(K_{{+}}) - \ell(K)) / {STEP_TEX}$ with your answer.", [])

    def total(lhs: str, ys_: list[Fraction], value: Fraction) -> list[str]:
        """lhs = each g times y (up to MOST_SHOWN of them, broken into lines) = value."""
        if len(ys_) > MOST_SHOWN:
            return [f"{lhs} &= {_decimal(value)}"]
        broken = break_lines([rf"{_factor(a)} \cdot {_factor(b)}" for a, b in zip(gs, ys_)], ROOM - width(lhs))
        broken[-1] += f" = {_decimal(value)}"
        return [f"{lhs} &= {broken[0]}"] + [rf"&\quad {line}" for line in broken[1:]]
    Y2 = matrix_name(y_letter) + "_{+}"
    y2_matrix = [rf"&{Y2}" + (f"^{{({m + 1})}}" if many else "") + " = {\\begin{bmatrix} "
                 + r" \\ ".join(" & ".join(_decimal(exact(v)) for v in row) for row in y2[m]) + r" \end{bmatrix}}"
                 for m in range(y2.shape[0])]
    y2_line = ("&" + r", \quad ".join(line.lstrip("&") for line in y2_matrix) if many
               else y2_matrix[0].lstrip("&").replace(" = ", " &= ", 1))
    lines = [*total(r"\ell(K)", ys, L), y2_line, *total(r"\ell(K_{+})", y2s, L2),
             rf"\frac{{\ell(K_{{+}}) - \ell(K)}}{{{STEP_TEX}}} &= \frac{{{_decimal(L2)} - {_decimal(L)}}}{{{_decimal(STEP)}}} "
             rf"= {_decimal(quotient)}"]
    asked = derivation[f"dL/d{record.params['K']}"].labels[n_k].replace(r"\partial L}", r"\partial L'}", 1)
    after = (rf"This is ${_slash(asked)}$ of exercise 2, exactly: $\ell$ is linear in each kernel entry, so the quotient has "
             r"no error from the step's size.")
    return question, lines, after, {"L": L, "L+": L2, "quotient": quotient, "entry": n_k}
