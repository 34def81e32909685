"""A single layer's document after its derivation: the layer in a network, the exercises on the worked
example's numbers and their answers; the notation (stride, padding and dilation as capitals), the boxed
results' general forms, and the worked example kept on one page."""

from __future__ import annotations

import re
import subprocess
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from symconv import derive, render
from symconv.example import worked_example
from symconv.rendering.document import TermPrinter
from symconv.rendering.practice import practice
from symconv.rendering.upstream import short_names
from symconv.spec import ConvSpec, Names

from .conftest import need_latex, need_poppler

SPECS = [ConvSpec(bias=True), ConvSpec(input=5, kernel=3, stride=2, padding=1, bias=True),
         ConvSpec(in_channels=2, out_channels=2, bias=True), ConvSpec(input=4, kernel=3, padding=1)]
IDS = ["default", "5x5-3x3-stride2-pad1", "2to2-channels", "4x4-3x3-pad1-nobias"]


def _md(spec: ConvSpec, **options) -> str:
    return render(derive(spec), ("md",), **options).files["derivation.md"].decode()


def _section(md: str, heading: str, following: str) -> str:
    start = md.index(heading)
    return md[start:md.index(following, start)]


# --- independently of symconv: a correlation with stride and zero padding, and its gradients -----------------

def _forward(x, k, b, stride, pad):
    """y[m, r, s] = b[m] + sum over c, p, q of x_pad[c, S r + p, S s + q] k[m, c, p, q]."""
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    m_n, _, kh, kw = k.shape
    ho, wo = (xp.shape[1] - kh) // stride + 1, (xp.shape[2] - kw) // stride + 1
    y = np.zeros((m_n, ho, wo))
    for m in range(m_n):
        for r in range(ho):
            for s in range(wo):
                y[m, r, s] = (b[m] if b is not None else 0) + np.sum(
                    xp[:, stride * r:stride * r + kh, stride * s:stride * s + kw] * k[m])
    return y


def _input_gradient(x, k, g, stride, pad):
    """dL/dx: each upstream entry sends g[m, r, s] k[m, c, p, q] back to the input entry it read, the padding cropped."""
    xp = np.zeros((x.shape[0], x.shape[1] + 2 * pad, x.shape[2] + 2 * pad))
    _, _, kh, kw = k.shape
    for m in range(g.shape[0]):
        for r in range(g.shape[1]):
            for s in range(g.shape[2]):
                xp[:, stride * r:stride * r + kh, stride * s:stride * s + kw] += g[m, r, s] * k[m]
    return xp[:, pad:pad + x.shape[1], pad:pad + x.shape[2]]


def _given(spec: ConvSpec):
    d = derive(spec)
    example = worked_example(d, 0)
    arrays = {v.name: np.array([float(n) for n in v.values]).reshape(v.shape) for v in example.given + example.derived}
    found = practice(d, example, TermPrinter(d, short_names(d, "g")))
    return d, example, arrays, found


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_the_exercises_answers_are_the_numbers_numpy_gives_from_the_worked_example(spec):
    d, example, a, found = _given(spec)
    assert found is not None and len(found.questions) == len(found.answers) == 5
    X, K, G, b = a["X"], a["K"], a["dL/dY"], a.get("b")
    pad = spec.padding[0]
    # Exercises 1 and 2: entries of the gradients under another loss's upstream gradient G', recomputed here;
    # G' is not the example's G, so that their numbers are not those the worked example prints.
    G1 = found.values["upstream"]
    assert G1.shape == G.shape and not np.array_equal(G1, G) and set(np.unique(G1)) <= {-1, 0, 1, 2}
    n_x, x_value = found.values["input entry"]
    assert float(x_value) == _input_gradient(X, K, G1, spec.stride[0], pad).reshape(-1)[n_x]
    n_k, k_value = found.values["kernel entry"]
    xp = np.pad(X, ((0, 0), (pad, pad), (pad, pad)))
    kh, kw = K.shape[2:]
    s_ = spec.stride[0]
    grad_k = np.array([[[[np.sum(G1[m] * xp[c, p:p + s_ * (G1.shape[1] - 1) + 1:s_, q:q + s_ * (G1.shape[2] - 1) + 1:s_])
                          for q in range(kw)] for p in range(kh)] for c in range(X.shape[0])] for m in range(K.shape[0])])
    assert float(k_value) == grad_k.reshape(-1)[n_k]
    # The stride exercise: the same input entry at the other stride, with the outputs both strides compute.
    other = found.values["stride"]
    (i, j), stride = other["entry"], other["stride"][0]
    g2 = G[:, ::2, ::2] if spec.stride == (1, 1) else np.zeros_like(other["upstream"])
    if spec.stride != (1, 1):
        g2[:, ::spec.stride[0], ::spec.stride[1]] = G
    assert np.array_equal(g2, other["upstream"])
    assert float(other["value"]) == _input_gradient(X, K, g2, stride, pad)[0, i, j]
    # Finite differences on sum(G * Y): exact, since the loss is linear in the kernel entry.
    fd = found.values["finite difference"]
    assert fd["entry"] == n_k
    bumped = K.copy()
    bumped.reshape(-1)[n_k] += 1e-3
    loss = float(np.sum(G1 * _forward(X, K, b, spec.stride[0], pad)))
    raised = float(np.sum(G1 * _forward(X, bumped, b, spec.stride[0], pad)))
    assert float(fd["L"]) == pytest.approx(loss, abs=1e-9) and float(fd["L+"]) == pytest.approx(raised, abs=1e-9)
    assert fd["quotient"] == k_value == Fraction(round((raised - loss) * 1000))
    # ... and the document prints these numbers in its answers, after the questions.
    md = _md(spec)
    answers = md[md.index("## Answers"):]
    for text in (f"= {x_value}\n", f"= {k_value}\n", f"= {other['value']}\n", f"= {fd['quotient']}\n"):
        assert text in answers, text
    assert md.index("## Exercises") < md.index("## Further reading") < md.index("## Answers")


def test_without_a_worked_example_there_are_no_exercises_but_the_network_section_stays():
    md = _md(ConvSpec(bias=True), example=None)
    assert "## Exercises" not in md and "## In a network" in md


@pytest.mark.parametrize("fmt", ["md", "tex", "html"])
def test_the_network_section_ties_the_results_to_channels_a_batch_and_a_gradient_step(fmt):
    text = render(derive(ConvSpec(bias=True)), (fmt,)).files[f"derivation.{fmt}"].decode()
    # the layer in a network right after the results it builds on; the worked example just before the exercises
    assert text.index("In a network") < text.index("A worked example") < text.index("Exercises")
    if fmt == "html":  # the same content, as MathML
        part = text[text.index("In a network"):text.index("Exercises")]
        assert part.count("<math") >= 8 and "&#x003B7;" in part and "&#x02190;" in part  # eta, the arrow of a step
        return
    part = text[text.index("In a network"):text.index("Exercises")]
    for said in (r"\frac{\partial L}{\partial K^{(m,c)}} &= X^{(c)} \star G^{(m)}",
                 r"\frac{\partial L}{\partial X^{(c)}} &= \sum_{m=1}^{C_{\mathrm{out}}} \operatorname{full}(G^{(m)}) \star",
                 r"\frac{\partial L}{\partial b_m} &= \sum_{r,s} g^{(m)}_{r,s}",
                 r"\sum_{n=1}^{N} X^{(n,c)} \star G^{(n,m)}",
                 r"K^{(m,c)} &\leftarrow K^{(m,c)} - \eta \, \frac{\partial L}{\partial K^{(m,c)}}"):
        assert said in part, said


def test_the_network_section_carries_the_layers_padding_and_stride_and_no_bias_without_one():
    part = _section(_md(ConvSpec(input=5, kernel=3, stride=2, padding=1)), "## In a network", "## Exercises")
    assert r"\tilde{X}^{(c)} \star \tilde{G}^{(m)}" in part and r"\operatorname{crop}" in part
    assert "b_m" not in part


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_the_stride_padding_and_dilation_are_capitals_and_never_an_index_letter(spec):
    for fmt in ("md", "tex"):
        text = render(derive(spec), (fmt,)).files[f"derivation.{fmt}"].decode()
        assert "S_h" in text and "P_h" in text and "D_h" in text
        # s and p are the output column and kernel row indices: never the stride or the padding
        assert not re.search(r"(?<![A-Za-z\\])[spd]_\{?[hwtblr]\b", text), re.search(r"(?<![A-Za-z\\])[spd]_\{?[hwtblr]\b", text)


def test_the_boxed_results_say_where_they_hold_and_give_the_general_forms():
    md = _section(_md(ConvSpec(bias=True)), "## The results", "## In a network")
    assert "These boxed forms hold at stride 1 with no padding and dilation 1" in md
    # at any stride, padding and dilation: the kernel's correlation taken D apart and cut to its size, the dilated kernel
    # (review r11 item 4: with named operators, each defined once in a list before the forms)
    assert r"\frac{\partial L}{\partial K} &= \operatorname{pad}_P(X) \star_D \operatorname{spread}_S(G)" in md
    assert r"(U \star_D V)_{p,q} = \sum_{r,s} u_{D_h (p-1) + r,\, D_w (q-1) + s}\, v_{r,s}$, $1 \le p \le K_h$" in md
    assert (r"\operatorname{crop}\Bigl(\operatorname{full}_D\bigl(\operatorname{spread}_S(G)\bigr) \star "
            r"\operatorname{rot}_{180}\bigl(\operatorname{dilate}_D(K)\bigr)\Bigr)") in md
    for item in ("pad_P", "spread_S", "dilate_D", "full_D", "crop"):
        name, sub = (item.split("_") + [""])[:2]
        assert "\n- $" + rf"\operatorname{{{name}}}" + (f"_{sub}" if sub else "") + r"(\cdot)$" in md, item
    # Boxes that already carry a stride and padding need no second set
    strided = _section(_md(ConvSpec(input=5, kernel=3, stride=2, padding=1)), "## The results", "## In a network")
    assert "These boxed forms hold" not in strided


@pytest.mark.parametrize("spec, counts", [(ConvSpec(), "here 1 and 1: $4 \\times 4$"),
                                           (ConvSpec(input=5, kernel=3), "here 2 and 2: $7 \\times 7$"),
                                           (ConvSpec(input=(4, 5), kernel=(2, 3)), "here 1 and 2: $5 \\times 7$")])
def test_the_full_padding_is_said_as_k_minus_1_rows_and_columns_at_every_size(spec, counts):
    """Said where the full correlation is first named (the input's gradient); the results give only G^'s size."""
    text = _md(spec)
    where = _section(text, "### Gradient with respect to the input", "## The results")
    said, shape = counts.split(": ")
    assert "$K_h - 1$ rows and $K_w - 1$ columns of zeros on every side (" + said + ")" in where
    results = _section(text, "## The results", "## In a network")
    assert "padded for the full correlation (here " + shape + ")" in results and "$K_h - 1$ rows" not in results
    assert not re.search(r"\d+ rows? and \d+ columns? of zeros", results)


def test_the_bias_gradient_is_one_display_with_its_general_limits():
    part = _section(_md(ConvSpec(input=4, bias=True)), "### Gradient with respect to the bias", "### Gradient with respect to the input")
    assert part.count("$$") == 2  # one display
    assert r"\sum_{r=1}^{H_o} \sum_{s=1}^{W_o} g_{r,s}" in part and r"\sum_{r=1}^{3} \sum_{s=1}^{3} g_{r,s}" in part
    assert r"g_{1,1} + g_{1,2}" in part


def test_the_worked_example_sits_on_one_page_of_the_pdf(tmp_path: Path):
    need_latex()
    need_poppler("pdftotext", "pdfinfo")
    pdf = tmp_path / "derivation.pdf"
    pdf.write_bytes(render(derive(ConvSpec(bias=True)), ("pdf",)).files["derivation.pdf"])
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    count = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    # the default document, with its five exercises and their answers; 7 since its figures' labels grew to 7pt for
    # a lecturer to read them (the seventh holds the further reading)
    assert count <= 7
    pages = [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"], capture_output=True, text=True,
                            check=True).stdout for n in range(1, count + 1)]
    start = next(n for n, page in enumerate(pages) if "A worked example" in page)
    end = next(n for n, page in enumerate(pages) if "\nExercises\n" in "\n" + page)  # also a page it starts
    assert "One entry of each, term by term" in pages[start]
    # From its heading to the next section's (the exercises), one page: the next section starts a page at most.
    assert end == start or (end == start + 1 and pages[end].lstrip().startswith("Exercises")), pages[end][:200]


def test_no_exercises_leaves_them_out_and_keeps_the_rest(tmp_path: Path):
    from symconv.cli import main

    assert "## Exercises" not in _md(ConvSpec(bias=True), exercises=False)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--no-exercises", "--format", "md", "--out", str(tmp_path)])
    assert stop.value.code in (0, None)
    md = (tmp_path / "derivation.md").read_text()
    assert "## A worked example" in md and "## In a network" in md and "## Exercises" not in md
    from symconv.spec import SpecError
    with pytest.raises(SpecError, match="exercises"):
        _md(ConvSpec(), exercises="no")


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), ConvSpec(input=5, kernel=2), ConvSpec(input=4, kernel=2)],
                         ids=["3x3-k2", "5x5-k2", "4x4-k2"])
def test_the_stride_exercise_asks_for_the_entries_no_window_reads_and_names_those_numpy_finds_zero(spec):
    """At stride 2 the last row and column of a 3x3 (or 5x5) input under a 2x2 kernel are read by no window (a
    lecturer found the one-term exercise missed it): the question asks which entries always get 0 and the answer
    names exactly the rows and columns NumPy's gradient leaves 0 for every random upstream gradient."""
    d, example, a, found = _given(spec)
    md = _md(spec)
    question = _section(md, "#### Exercise 3", "#### Exercise 4")
    answer = _section(md, "#### Answer 3", "#### Answer 4")
    x, k = a["X"][None] if a["X"].ndim == 2 else a["X"], a["K"]
    k = k.reshape(1, 1, *k.shape[-2:])
    x = x.reshape(1, *x.shape[-2:])
    out = _forward(x, k, None, 2, 0).shape
    rng = np.random.default_rng(0)
    zero = np.ones(x.shape[1:], bool)
    for _ in range(5):
        zero &= _input_gradient(x, k, rng.normal(size=out), 2, 0)[0] == 0
    rows = [i + 1 for i in range(x.shape[1]) if zero[i].all()]
    cols = [j + 1 for j in range(x.shape[2]) if zero[:, j].all()]
    if rows or cols:
        assert "Which input entries get a gradient of 0 from every output" in question
        said = " and ".join(([f"row {' and '.join(map(str, rows))}"] if rows else [])
                            + ([f"column {' and '.join(map(str, cols))}"] if cols else []))
        assert f"The entries of the input's {said} get 0" in answer
    else:  # asked all the same where an entry is read only through kernel entries that are 0 (review24b defect 2)
        assert ("Which input entries" in question) == zero.any() and "get 0: no window" not in answer


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), ConvSpec(input=5, kernel=3, stride=2, padding=1),
                                  ConvSpec(input=5, kernel=2, dilation=2)], ids=str)
def test_g_hat_is_defined_once(spec):
    """A reader found \\hat{G} defined for the boxes and again "in general" from \\tilde{G} with D(k - 1): it is
    defined once, where the boxes first use it, by the kernel it pads for (so that the general form needs no second
    definition, only which matrices it is made from)."""
    for fmt in ("md", "tex"):
        text = render(derive(spec), (fmt,)).files[f"derivation.{fmt}"].decode()
        # named as a network's rules name it: full(G), full(G-tilde) at a stride
        # (review r12: written full(.) itself, in the boxes too, with no G-hat of its own)
        assert len(re.findall(r"\$\\operatorname\{full\}(?:_D)?\((?:G|\\tilde\{G\})\)\$ is (?:G|\\tilde\{G\})\$ padded", text)) == 0, fmt
        assert len(re.findall(r"\$\\operatorname\{full\}(?:_D)?\((?:G|\\tilde\{G\})\)\$ is \$(?:G|\\tilde\{G\})\$ padded for the full "
                              r"correlation", text)) == 1 and r"\hat{G}" not in text, fmt
        assert "in general" not in text and "the boxes' $\\hat{G}$" not in text, fmt
        assert "padded for the full correlation (here " in text, fmt
        assert text.count("1)$ columns of zeros on every side (here ") + text.count("K_w - 1$ columns of zeros on every side (here ") == 1, fmt  # with the full correlation, where first used


def _printed_matrix(md: str, lhs: str) -> np.ndarray:
    body = re.search(re.escape(lhs) + r" &= \{\\begin\{bmatrix\} (.*?) \\end\{bmatrix\}\}", md).group(1)
    return np.array([[float(v) for v in row.split("&")] for row in body.split(r"\\")])


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), ConvSpec(input=3, kernel=2, stride=2, padding=1, bias=True)],
                         ids=["default", "stride2-pad1"])
def test_exercise_5_writes_the_layer_as_a_matrix_whose_transpose_is_the_backward_pass(spec):
    """Exercise 5 asked for the proof of the rotation that the text had just given (a reader: it repeats the text).
    It asks instead for the layer as a matrix, vec(Y) = M vec(X) + b 1 (vec stacks columns), and for M^T vec(G): the
    M printed is the one the layer's definition gives (built here from unit inputs through an independent NumPy
    correlation), and M^T vec(G) is the worked example's dL/dX, recomputed here."""
    d, example, a, found = _given(spec)
    X, K, G, b = a["X"], a["K"], a["dL/dY"], a["b"]
    pad, stride = spec.padding[0], spec.stride[0]
    h, w = X.shape[1:]
    vec = lambda m: m.reshape(m.shape[-2:]).reshape(-1, order="F")
    M = np.stack([vec(_forward(np.eye(h * w)[n].reshape((w, h)).T[None], K, None, stride, pad))
                  for n in range(h * w)], axis=1)
    md = _md(spec)
    question = md[md.index("#### Exercise 5"):md.index("## Further reading")]
    assert r"$\operatorname{vec}(Y) = M \operatorname{vec}(X) + b\,\mathbf{1}$" in question
    assert "turns up rotated" not in question
    answer = md[md.index("#### Answer 5"):]
    jacobian = r"\frac{\partial \operatorname{vec}(Y)}{\partial \operatorname{vec}(X)}"  # M, as check reads it
    assert np.array_equal(_printed_matrix(answer, jacobian), M) and f"M = {jacobian} &= " in answer  # named M on its line
    assert np.allclose(M @ vec(X) + b[0], vec(_forward(X, K, b, stride, pad)))
    back = re.search(r"M\^\{\\mathsf\{T\}\} \\operatorname\{vec\}\(G\) &= \{\\begin\{bmatrix\} (.*?) \\end", answer).group(1)
    assert np.array_equal(np.array([float(v) for v in back.split("&")]), vec(_input_gradient(X, K, G, stride, pad)))
    # A layer with channels (M too large to write out) keeps the derivation of the rotation.
    _, _, _, many = _given(ConvSpec(in_channels=2, out_channels=2, bias=True))
    assert "turns up rotated" in many.questions[4][0]


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), ConvSpec(input=5, kernel=3, stride=2, padding=1),
                                  ConvSpec(input=4, in_channels=2, out_channels=2), ConvSpec(names=Names("x", "f", "o"))], ids=str)
def test_every_matrix_and_operator_is_defined_before_its_first_use(spec):
    """Review24 defect 8: Y and dL/dK were written as matrices, and rot180 and the full correlation used, pages
    before the results defined them. Each is defined once, at or before its first use, and not again."""
    for fmt in ("md", "tex"):
        text = render(derive(spec), (fmt,)).files[f"derivation.{fmt}"].decode()
        body = text[text.index("Indices are 1-based"):]
        named = body.index("as matrices (entries")
        assert text.count("as matrices (entries") == 1, fmt
        first_matrix = min(body.index(w) for w in ("\\begin{bmatrix}", "\\begin{pmatrix}") if w in body)
        assert named < first_matrix, fmt
        rot = body.index(r"\operatorname{rot}_{180}")
        # per channel pair where there are several: rot180(K^{(m,c)}) (review r11 item 1)
        pair = "^{(m,c)}" if spec.in_channels > 1 or spec.out_channels > 1 else ""
        defined = body.index(r"\operatorname{rot}_{180}(" + ("F" if spec.names.kernel == "f" else "K") + pair + ")_{p,q}")
        assert defined < body.index("Figure 3", rot) and body.count("is the kernel turned by 180 degrees") == 1, fmt
        assert body.index("and the upstream gradient gets") < body.index("Figure 3", rot), fmt


@pytest.mark.parametrize("spec", SPECS + [ConvSpec(input=4, kernel=2, bias=True)], ids=IDS + ["4x4-2x2"])
def test_the_stride_answer_lists_every_entry_that_gets_0_whatever_the_upstream_gradient(spec):
    """Review24b defect 2: Answer 3 named the input's unread row and column, but not x_{1,1}, whose one term at
    stride 2 goes through k_{1,1} = 0 in the example. Here, independently of symconv: the entries whose stride-2
    gradient is 0 for every upstream gradient (each basis G'' in turn); each is named, or in a row or column named."""
    if spec.stride != (1, 1):
        return
    d, example, a, found = _given(spec)
    question = next((q for q, _ in found.questions if "whatever" in q), None)
    X, K = a["X"], a["K"]
    xp_rows = X.shape[1] + 2 * spec.padding[0]
    kh = K.shape[2]
    out = (xp_rows - kh) // 2 + 1
    always = np.ones(X.shape, dtype=bool)
    for m in range(K.shape[0]):
        for r in range(out):
            for s in range(out):
                g = np.zeros((K.shape[0], out, out))
                g[m, r, s] = 1
                always &= _input_gradient(X, K, g, 2, spec.padding[0]) == 0
    if question is None:
        assert not always.any()
        return
    n = [q for q, _ in found.questions].index(question)
    answer = found.answers[n][1]
    rows = {int(v) for v in re.findall(r"row (\d+)", answer)}
    cols = {int(v) for v in re.findall(r"column (\d+)", answer)}
    labels = d["X"].labels
    for c, i, j in zip(*np.nonzero(always)):
        name = labels[(c * X.shape[1] + i) * X.shape[2] + j]
        assert i + 1 in rows or j + 1 in cols or f"${name}$" in answer, name
    # and no entry that some G'' reaches is named
    for c, i, j in zip(*np.nonzero(~always)):
        assert f"${labels[(c * X.shape[1] + i) * X.shape[2] + j]}$ (through" not in answer


def test_the_general_results_name_their_padded_gradient_plainly_and_claim_no_index_roles():
    """review r7 defects 4 and 12: "as everywhere here, (p, q) indexes the kernel and (r, s) the upstream gradient" was
    false in star's definition (and in dL/dK = X star G, whose G is indexed by (p, q)); and "G-hat made from G-tilde and
    K-tilde as the boxes' from G and K" was unparseable, where the network's rules call the same object full(.)."""
    from pathlib import Path
    from symconv import load_network
    md = render(derive(ConvSpec(bias=True)), ("md",)).files["derivation.md"].decode()
    net = render(derive(load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml")),
                 ("md",)).files["derivation.md"].decode()
    for text in (md, net):
        assert "as everywhere here" not in text  # the definitions' letters are U and V, no symbol of the document
    assert "as the boxes' from" not in md
    # the gradient padded for the full correlation is full(G), as in a network's rules; the general forms' padded spread
    # gradient is full_D(spread_S(G)), each operator named (review r8 defect 2, review r11 item 4, review r12)
    assert r"$\operatorname{full}(G)$ is $G$ padded for the full correlation" in md and r"\hat{G}" not in md
    assert r"\operatorname{full}_D\bigl(\operatorname{spread}_S(G)\bigr)" in md
