"""symconv check (the grading package): read a hand-written derivation and judge it claim by claim against the derivation."""

from __future__ import annotations

import re

from dataclasses import replace

from ..derivation import Derivation
from .conventions import Conventions, examples, infer, subscript_layers, with_layer_superscripts
from .code import given_in_code
from . import binding
from .basis import written_out
from .blocks import is_latex
from .extract import Claim, braced_cases, extract
from .constants import index_letters, layer_counts
from .features import batch_statistics, one_feature
from .definitions import _DEFINES, read_definition
from .grade import PER_EXAMPLE, Grader, Verdict, at_link
from .notation import ParseError
from .parse import parse_claim
from .tree import walk
from .macros import expand, macros
from .notation import _top_split, primed_indices, primed_names
from .plaintext import plain_claims
from . import general_layers, index_functions, scenarios
from .sizes import _letters as size_letters
from .unicode_math import from_unicode
from .units import read as read_units
from .units import rewrite

__all__ = ["Claim", "Conventions", "MAX_CLAIMS", "Verdict", "Verdicts", "as_claim", "check_claim", "check_claims",
           "check_notes", "extract"]

MAX_CLAIMS = 5_000  # different claims one set of notes may hold: notes, not generated data


def _read(notes: str, latex: bool | None) -> tuple[str, list[Claim]]:
    """The notes in LaTeX (Unicode math written out) and the claims they write, their macros expanded."""
    notes = from_unicode(notes)  # ∂L/∂w₁₂ = δ₁ · x₂ as LaTeX, each line on its own line still
    notes = braced_cases(notes)  # \left\{\begin{matrix} v & i = j \\ w & i \neq j \end{matrix}\right.: cases
    defined = macros(notes)
    claims = _continued([_rewritten(c, lambda text: expand(text, defined)) for c in extract(notes, latex)],
                        notes.splitlines())
    return notes, claims


def bias_line(notes: str | None, claims: list[str], biased: Derivation, unbiased: Derivation,
              latex: bool | None = None) -> int:
    """The line of the first claim that names a parameter `biased` has and `unbiased` has not (the bias), 0 when
    none does: notes that write b are about a layer with a bias, notes that never do about one without. A claim
    given on its own (`claims`) counts as line 1."""
    tensors = Grader(biased).tensors
    biases = ({key for r in biased.records for key in r.params}
              - {key for r in unbiased.records for key in r.params})
    written = (_read(notes, latex)[1] if notes is not None else []) + [Claim(1, text) for text in claims]
    for claim in written:
        try:
            sides, _ = parse_claim(claim.text, tensors, layout="first")
        except (ParseError, RecursionError):
            continue
        if any(node[0] == "entry" and node[1] in biases for side in sides for node in walk(side)):
            return claim.line
    return 0


def check_notes(notes: str, derivation: Derivation, upstream_symbol: str | None = None,
                index_base: int | None = None, latex: bool | None = None) -> Verdicts:
    """A verdict for every claim in Markdown or LaTeX notes, in order, with the conventions the notes
    were read in (Verdicts.conventions). A claim repeated word for word is judged once. Names the notes define
    (\\delta_{ij} := ...) hold for the claims after them. The index base is `index_base` (0 or 1),
    else what the notes say or write (conventions.infer); `latex` whether the notes are LaTeX or
    Markdown (None: as they look).

    Raises:
        ValueError: when the notes hold more than MAX_CLAIMS different claims.
    """
    notes, claims = _read(notes, latex)
    plain = plain_claims(notes, is_latex(notes) if latex is None else latex)
    if plain:  # dL/dw11 = g11*x11 + ... in the notes' code: the claims it states, in the grader's notation
        claims = sorted(claims + [Claim(notes.count("\n", 0, offset) + 1, text) for offset, text, _ in plain],
                        key=lambda c: c.line)
    if len({(c.text, c.range) for c in claims}) > MAX_CLAIMS:
        raise ValueError(f"the notes hold more than {MAX_CLAIMS:,} different claims: symconv check reads notes, "
                         "not generated data; split the file")
    letters = index_letters(notes)
    counts = layer_counts(notes)
    probe = Grader(derivation, upstream_symbol)  # the names and shapes the conventions are read with
    ends = probe.single_ends() if len(derivation.records) == 1 else None
    output_layered = bool(ends) and general_layers.written_at_layer(notes, ends[1])  # Remic's z^l: not Wu's x^{l+1}
    subscripted = subscript_layers(notes, probe.tensors)  # W_1, W_2: the layers with weights numbered by a subscript
    conventions = infer(with_layer_superscripts(notes, subscripted) if subscripted else notes, claims, probe.tensors,
                        probe.shapes, index_base)
    base = conventions.index_base
    latex = is_latex(notes) if latex is None else latex
    lines = notes.replace("\r\n", "\n").replace("\r", "\n")
    code = [Claim(lines.count("\n", 0, offset) + 1, text, code=True)
            for offset, text in given_in_code(lines, latex, base)]
    if code:  # w = [2, -3, -3] in the notes' code: given values, before the claims after them
        claims = sorted(claims + code, key=lambda c: c.line)
    claims = written_out(claims, probe, base)  # t = e_2: the target's entries given
    units = read_units(notes, derivation)
    primed = primed_indices(notes)  # i' an index, t' a name of its own
    instances = scenarios.counts(claims, probe.given_names(), primed)  # G' = [...]: another upstream gradient
    original = claims
    if instances:  # and L', g' what it gives
        claims = [scenarios.unprimed(c, instances, primed) for c in claims]
    renamed = [_rewritten(c, lambda text: primed_names(text, primed)) for c in claims]
    if subscripted:  # read as W^{[1]}, W^{[2]}, b^{[1]}
        renamed = [_rewritten(c, lambda text: with_layer_superscripts(text, subscripted)) for c in renamed]
    tables = {r.number: t for r in derivation.records for t in size_letters(r.layer, r.shape_in)}  # each convolution's
    layer_sizes = next(iter(tables.values()), {})  # a definition's body reads as an index at a convolution's sizes
    functions = index_functions.read([c.text for c in renamed], layer_sizes)
    if functions:  # x_{\rho_h(r, p), ...} with \rho_h(r, p) = S_h (r - 1) + ...: each call as its index expression
        renamed = [c if index_functions.definition(c.text, layer_sizes) else
                   _rewritten(c, lambda text: index_functions.expand(text, functions, sizes))
                   if (sizes := index_functions.sizes_of(c.text, tables)) is not None else c for c in renamed]
    if units:  # the units' names become the derivation's, layers numbered as the notes number them
        renamed = [_rewritten(c, lambda text: rewrite(text, units, base)) for c in renamed]
        conventions = replace(conventions, numbering="weighted layers", parenthesized=False, units=units.describe())
    if any(r.layer.epsilon() is not None for r in derivation.records):  # \mu_\mathcal{B}, \sigma^2, \epsilon
        renamed = [_rewritten(c, lambda text: batch_statistics(text, derivation)) for c in renamed]
    step = _STEP_FUNCTION.search(notes)
    if step:  # "$\theta(h)$ is the step function": \theta(h_i) is the indicator 1[h_i > 0], relu's derivative
        letter = re.escape(step["name"])
        renamed = [_rewritten(c, lambda text: re.sub(rf"{letter}\s*\(\s*([^()]*?)\s*\)", r"\\mathbb{1}[\1 > 0]", text))
                   for c in renamed]
    operator = _D_OPERATOR.search(notes)
    if operator:  # D_j S_i = \frac{\partial S_i}{\partial a_j} (Bendersky): D_k f_m is \frac{\partial f_m}{\partial a_k} after it
        wrt = operator["wrt"]
        renamed = [_rewritten(c, lambda text: _D_USE.sub(lambda m: rf"\frac{{\partial {m['f']}_{{{m['i']}}}}}{{\partial {wrt}_{{{m['j']}}}}}",
                                                        text)) for c in renamed]
    elementwise = _STAR_ELEMENTWISE.search(notes)
    if elementwise:  # "I use $*$ for the element-wise product, like * in numpy": * is the notes' Hadamard product
        renamed = [_rewritten(c, lambda text: _STAR.sub(r" \\odot ", text)) for c in renamed]
        conventions = replace(conventions, star="element-wise", star_line=notes.count("\n", 0, elementwise.start()) + 1)
    # for the report: each claim symconv reads in other words, as the notes write it
    written = {_written(new): _written(old) for new, old in zip(renamed, original) if new is not old}
    written.update({text: line for _, text, line in plain if text not in written})  # shown as the notes write it
    claims = renamed
    if conventions.numbering:
        probe.number_by_weighted_layers(conventions.parenthesized, conventions.first_layer)
    counted = examples(notes, probe.tensors) if derivation.network.batch is not None else ""
    if counted:  # Ng's m: the number of examples, wherever the notes write it
        conventions = replace(conventions, examples=counted, batch=derivation.network.batch)
    features = one_feature(notes, derivation)
    if features:
        conventions = replace(conventions, features=features)

    target = _TARGET_SAID.search(notes)
    target = target if target and probe.target_named(target["name"]) else None
    if target:
        conventions = replace(conventions, target=target["name"], target_line=notes.count("\n", 0, target.start()) + 1)

    def grader_for(transposed: bool = False, columns: bool = False, per_example: bool = False,
                   goodfellow: bool = False, kernel_w: bool = False) -> Grader:
        """A grader that reads in the notes' conventions (their weight matrices transposed, their batch's examples
        as columns)."""
        grader = Grader(derivation, upstream_symbol)
        grader.index_letters = letters
        grader.layer_counts = counts
        grader.base = base
        grader.einstein = bool(conventions.einstein)
        if conventions.numbering:
            grader.number_by_weighted_layers(conventions.parenthesized, conventions.first_layer)
            if goodfellow:
                grader.preactivations_as_a()
        if counted:
            grader.constants[counted] = str(derivation.network.batch)
        grader.features = features
        grader.example_loss = derivation.network.batch is not None and _EXAMPLE_LOSS.search(notes) is not None
        grader.output_layered = output_layered
        grader.index_sizes = layer_sizes if functions else {}
        if target:  # the notes say in words which of their letters is the target
            grader.target_named(target["name"], take=True)
        if kernel_w:
            grader.kernels_as_w()
        if transposed:
            grader.transpose_weights()
        grader.columns = columns
        if per_example:
            grader.per_example_gradients()
        return grader

    # Two conventions are the notes' own, read as the one more of their claims hold in (more of them wrong only as
    # more of them are read): a batch's examples as rows (PyTorch's X W^T + b) or columns (Ng's W X + b), and weight
    # matrices as symconv's or transposed (CS231n's w is D x M, x w + b; Wikipedia's w_{ij} goes from i to j).
    # The evidence is the notes' forward rule (z = W a + b, a_{n,j} = \sum_d x_{n,d} w_{d,j} + b_j): it must hold in
    # the other convention and not in symconv's, so that a gradient with its indices swapped stays a mistake.
    # (a claim right only when read for every example, its example left out, is no evidence for either)
    count = lambda table, status: sum(v.status == status and PER_EXAMPLE not in (v.reason or "")  # noqa: E731
                                      for v in table.values())
    columns = False
    judged = _judged(grader_for(), claims)

    def forward(pattern: re.Pattern) -> list:
        return [_key(c) for c in claims if pattern.search(c.text) and not _GRADIENT.search(c.text)]

    def better(other: dict, pattern: re.Pattern, margin: int = 2) -> bool:
        return (any(other[k].status == "right" != judged[k].status for k in forward(pattern))  # and two claims at least
                and count(other, "right") >= count(judged, "right") + margin  # more wrong only as more is read
                and count(other, "wrong") - count(judged, "wrong")
                <= count(judged, "not understood") - count(other, "not understood"))

    unsure = lambda: any(v.status in ("wrong", "not understood") for v in judged.values())  # noqa: E731
    goodfellow = False
    if conventions.numbering and unsure() and _ACTIVATION_H.search(" ".join(c.text for c in claims)):
        # Goodfellow's a^{(k)} = b^{(k)} + W^{(k)} h^{(k-1)}, h^{(k)} = f(a^{(k)}): a the pre-activation, h the activation
        other = _judged(grader_for(goodfellow=True), claims)
        if better(other, _FORWARD_A):
            judged, goodfellow = other, True
            conventions = replace(conventions, preactivation="a")
    kernel_w = False
    if (not conventions.numbering and {"k", "W"} <= set(probe.tensors)
            and any(judged[k].status != "right" for k in forward(_BARE_W))):  # else nothing could be better
        # W for a convolution's kernels, the dense layer's weights named otherwise (Z_{ij} = b + \sum W_{pq} X_{i+p-1,j+q-1},
        # o = v s + c): taken on the same evidence, a forward rule that holds so and not with W the dense matrix
        other = _judged(grader_for(goodfellow=goodfellow, kernel_w=True), claims)
        if better(other, _BARE_W):
            judged, kernel_w = other, True
            conventions = replace(conventions, kernels="W")
    if derivation.network.batch is not None and unsure():
        other = _judged(grader_for(columns=True, goodfellow=goodfellow, kernel_w=kernel_w), claims)
        if better(other, _WHOLE_PRODUCT):
            judged, columns = other, True
            conventions = replace(conventions, examples_as="columns")
    declared = _declared_transposed(notes, probe)
    if unsure() and not units and (declared or _WEIGHT_ENTRY.search(" ".join(c.text for c in claims))):  # units say their own
        other = _judged(grader_for(transposed=True, columns=columns, goodfellow=goodfellow, kernel_w=kernel_w), claims)
        # W \in \mathbb{R}^{3 \times 2} where symconv's W is 2 x 3: the notes say so, one claim more is enough, and their
        # forward rule may write the matrix whole (w \in \mathbb{R}^{2 \times 1}, a column: \hat Y = X w + b)
        if better(other, _WEIGHT_NAME if declared else _WEIGHT_ENTRY, margin=1 if declared else 2):
            judged = other
            conventions = replace(conventions, weights="transposed")
    # Ng's course: dZ^{[l]} (dA) is each example's own loss's gradient, m times the mean's, as its notes say in
    # words; taken when at least two more claims hold so, none that held stops holding, and more are wrong only
    # as more are read
    if derivation.network.batch is not None and unsure() and _ACTIVATION_GRADIENT.search(" ".join(c.text for c in claims)):
        transposed = conventions.weights == "transposed"
        other = _judged(grader_for(transposed=transposed, columns=columns, per_example=True, goodfellow=goodfellow,
                                   kernel_w=kernel_w), claims)
        if (count(other, "right") >= count(judged, "right") + 2
                and all(other[k].status == "right" for k, v in judged.items() if v.status == "right")
                and count(other, "wrong") - count(judged, "wrong")
                <= count(judged, "not understood") - count(other, "not understood")):
            judged = other
            conventions = replace(conventions, per_example="dZ")
    verdicts = []
    for claim in claims:
        key = _key(claim)
        verdict = judged[key]
        if claim.code and verdict.status != "definition":
            continue  # code that sets something other than a given value (or a name the notes never use): not read
        shown = written.get(verdict.claim) or verdict.claim
        # \begin{array} in brackets is read as a matrix under the name Array (extract.py): shown as written
        if shown:
            shown = shown.replace("\\begin{Array}", "\\begin{array}").replace("\\end{Array}", "\\end{array}")
        reason = verdict.reason
        if shown != verdict.claim and "\\breve" in reason:  # t' read as a name of its own: said as the notes write it
            reason = re.sub(r"\\breve\{([a-z])\}", r"\1'", reason)
        verdict = replace(verdict, line=claim.line, claim=shown, reason=reason)
        verdicts.append(at_link(verdict, claim))
    return Verdicts(verdicts, conventions=conventions)


def _index(name: str) -> str:
    """A one-letter or one-digit index, braced or not, as the group `name`."""
    return r"\{?\s*(?P<" + name + r">[a-z0-9])\s*\}?"


# D_{j}S_i = \frac{\partial S_i}{\partial a_j}: the notes' D_j, the derivative by the j-th entry of a (Spivak's, Bendersky's)
_D_OPERATOR = re.compile(r"(?<![A-Za-z\\])D\s*_\s*" + _index("j") + r"\s*(?P<f>[A-Z])\s*_\s*" + _index("i")
                         + r"\s*=\s*\\frac\s*\{\s*\\partial\s*(?P=f)\s*_\s*\{?\s*(?P=i)\s*\}?\s*\}\s*\{\s*\\partial\s*"
                         r"(?P<wrt>[a-z])\s*_\s*\{?\s*(?P=j)\s*\}?\s*\}")
_D_USE = re.compile(r"(?<![A-Za-z\\])D\s*_\s*" + _index("j") + r"\s*(?P<f>[A-Z])\s*_\s*" + _index("i"))
# "$*$ for the element-wise product", "* is the Hadamard product", "the element-wise product ($*$)"
# "$\theta(h)$ is the step function", "$H(z)$ denotes the Heaviside step function": a name for relu's derivative
# "$p$ the real (target) probabilities", "$y$ is the true label", "$t$ denotes the one-hot target": the target
# (not "$p$, target distribution $t$": a word that goes with the name after it)
_TARGET_SAID = re.compile(r"\$\s*(?P<name>[A-Za-z])\s*\$[ \t]*(?:is\s+|are\s+|denotes\s+|for\s+|=\s+)?(?:the\s+|a\s+)?"
                          r"\(?(?:real|true|target|ground[- ]truth|one-hot|desired|correct)\b(?!\s+class\b)(?![^,.;$\n]{0,40}\$)",
                          re.IGNORECASE)
_STEP_FUNCTION = re.compile(r"\$\s*(?P<name>\\theta|\\Theta|H)\s*\(\s*\\?[A-Za-z]+\s*\)\s*\$\s*(?:is|denotes|,)?\s*(?:the\s+)?"
                            r"(?:Heaviside\s+)?(?:unit\s+)?step(?:\s+function)?", re.IGNORECASE)
_STAR_ELEMENTWISE = re.compile(
    r"(?:\$\s*\*\s*\$|`\*`|(?<![\w$])\*(?![\w$]))\s*(?:for|as|is|means|denotes|to\s+mean|stands\s+for)\s+(?:the\s+|an?\s+)?"
    r"(?:element[- ]?wise|entry[- ]?wise|point[- ]?wise|Hadamard)"
    r"|(?:element[- ]?wise|entry[- ]?wise|Hadamard)\s+(?:product|multiplication),?\s*(?:written|denoted)?\s*\(?\s*\$\s*\*\s*\$",
    re.IGNORECASE)
_STAR = re.compile(r"(?<![\\^_{])\s*\*\s*(?![}^_])")  # a * between factors (not a^* or a superscript's)
_ACTIVATION_H = re.compile(r"(?<![A-Za-z\\])h\s*\}?\s*\^\s*\{?\s*[(\[]")  # h^{(1)}, \boldsymbol{h}^{(1)}: Goodfellow's
_BARE_W = re.compile(r"(?<![A-Za-z\\])W(?![A-Za-z])(?!\s*\^\s*\{?\s*[\[(]?\s*\d)")  # W, W_{pq}; not W^{[2]}
_FORWARD_A = re.compile(r"^\s*(?:\\boldsymbol\s*\{\s*a\s*\}|\\mathbf\s*\{\s*a\s*\}|a)\s*\^")  # a^{(1)} = ...
_ACTIVATION_GRADIENT = re.compile(r"(?<![A-Za-z\\])d[ZAza](?![A-Za-z])")  # dZ^{[2]}, dA, dz: an activation's gradient name
_GRADIENT = re.compile(r"\\(?:partial|nabla|delta|Delta)(?![A-Za-z])|(?<![A-Za-z\\])d(?:[A-Za-z]|out)(?![A-Za-z])|\\frac\s*\{\s*d")  # a backward claim
_WHOLE_PRODUCT = re.compile(r"(?<![A-Za-z\\])[A-Z](?:\^\s*\{[^{}]*\})?\s*(?:\\cdot\s*|\.\s*)?(?:\\?[A-Za-z])")  # W X, W^{[1]} A
# a weight matrix's shape as the notes declare it: W \in \mathbb{R}^{3 \times 2}, \mathbf{W} \in R^{3x2}
_DECLARED = re.compile(r"(?<![A-Za-z\\])(?:\\(?:mathbf|boldsymbol|bm)\s*\{?\s*)?[Ww]\s*\}?\s*(?:\^\s*\{?[\[(]?\s*(?P<layer>\d+)\s*[\])]?\}?)?"
                       r"\s*\\in\s*\\(?:mathbb|mathbf)\s*\{?\s*R\s*\}?\s*\^\s*\{\s*(?P<rows>\d+)\s*(?:\\times|x|\*)\s*(?P<cols>\d+)\s*\}")


def _declared_transposed(notes: str, grader: Grader) -> bool:
    """Whether the notes declare a weight matrix with the transpose of its shape in symconv (rows the inputs)."""
    table = grader.tensors.get("W", {})
    for found in _DECLARED.finditer(notes):
        info = table.get(int(found["layer"])) if found["layer"] else table.get(None) or (
            next(iter(table.values())) if len(table) == 1 else None)
        rows, cols = int(found["rows"]), int(found["cols"])
        if info is not None and rows != cols and tuple(info.shape[-2:]) == (cols, rows):
            return True
    return False


_WEIGHT_NAME = re.compile(r"(?<![a-z\\])[wW](?![a-z])")  # w, X w, W^{[2]}, w_{d,j}: a weight written at all
_WEIGHT_ENTRY = re.compile(r"(?<![A-Za-z\\])[wW]\s*(?:\^\s*(?:\{[^{}]*\}|\w)\s*)?_\s*\{\s*[A-Za-z0-9]\s*,?\s*[A-Za-z0-9]\s*\}")  # w_{d,j}


# \ell^{(n)} = -\sum_k y^{(n)}_k \log p^{(n)}_k, \mathcal{L}_i: one example's own loss, beside the batch's L
_EXAMPLE_LOSS = re.compile(r"(?:\\ell|\\mathcal\s*\{\s*L\s*\})\s*(?:\^\s*\{\s*\(\s*[a-z]\s*\)\s*\}|_\s*\{?\s*[inm]\s*\}?)\s*=")


def _key(claim: Claim) -> tuple[str, str, str, str]:
    """What tells claims apart for their verdicts: the same text, range and case are judged once."""
    return claim.text, claim.range, claim.problem, claim.case


def _judged(grader: Grader, claims: list[Claim]) -> dict[tuple[str, str, str, str], Verdict]:
    """Each different claim's verdict; a claim that used a name before the notes gave it a meaning is judged
    again with the names bound since."""
    judged: dict[tuple[str, str, str, str], Verdict] = {}
    for claim in claims:
        key = _key(claim)
        if key not in judged:
            judged[key] = grader.grade(claim)
    redefined = _defined_later(grader, claims, judged)
    # a worked number read before the values it is worked from were all given (v_1 = 0.8 with v read later) is
    # judged again after them, in order
    unread = any(v.unknown for v in judged.values())
    constants = set(grader.constant_lines)
    again = {key: grader.grade(claim) for claim in claims
             if judged[key := _key(claim)].unknown or claim.line in redefined}
    # a name the notes gave a number that a claim judged again has read as a value of the network: the claims
    # that use it, and the worked numbers, read again (in order: the given values before what is worked from them)
    read = {name for name in constants if name in grader.tensors}
    if unread:
        again.update({key: grader.grade(claim) for claim in claims
                      if (judged[key := _key(claim)].reason.startswith(_NOT_GIVEN)
                          or read and binding.uses(claim.text, read)) and key not in again})
    return {**judged, **again}


# what a claim read before the names it uses may be judged again for: a worked number, or a name given a number
_NOT_GIVEN = ("the right-hand side is a number (a worked example)", "a constant the notes give",
              "the right-hand side is numbers (a worked example)", "the right-hand side is a number of the notes' worked",
              "the claim writes a number of the notes' worked example")


def _defined_later(grader: Grader, claims: list[Claim], judged: dict) -> set[int]:
    """The lines read as defining a name by '=' (\\partial C/\\partial b^l_j = \\delta^l_j) that the notes define
    explicitly further on (where \\delta^l_j \\equiv \\partial C/\\partial z^l_j): claims, judged again once read."""
    explicit = {}
    for claim in claims:
        if _DEFINES.search(claim.text):
            try:
                found = read_definition(claim.text, grader.tensors)
            except ParseError:
                found = None
            if found is not None:
                explicit.setdefault(found[0], claim.line)
    if not explicit:
        return set()
    out = set()
    for claim in claims:
        verdict = judged[_key(claim)]
        if verdict.status != "definition" or _DEFINES.search(claim.text):
            continue
        try:
            found = read_definition(claim.text, grader.base_tensors)
        except ParseError:
            found = None
        if found is not None and explicit.get(found[0], 0) > claim.line:
            out.add(claim.line)
    return out


CONTINUED_WITHIN = 6  # lines: "= ..." in the display right after a claim goes on with that claim


_BETWEEN = re.compile(r"\s*(?:\$\$|\\\[|\\\]|\\(?:begin|end)\s*\{[a-z*]+\}|\\\\)*\s*")  # display delimiters only


def _continued(claims: list[Claim], lines: list[str]) -> list[Claim]:
    """Each claim that starts with '=' (a chain continued in the next display, as notes written one equation
    per display do) with the left-hand side of the claim just before it, when nothing but display delimiters
    stands between them (an "= ..." after prose is no continuation)."""
    out = []
    for claim in claims:
        before = out[-1] if out else None
        if (claim.text.lstrip().startswith("=") and before is not None and not before.problem
                and 0 <= claim.line - before.line <= CONTINUED_WITHIN
                and _display_start(lines, claim.line)
                and all(_BETWEEN.fullmatch(line) for line in lines[before.line:claim.line - 1])):
            lhs = _left_side(before.text)
            if lhs:
                claim = replace(claim, text=f"{lhs} {claim.text.lstrip()}")
        out.append(claim)
    return out


def _display_start(lines: list[str], line: int) -> bool:
    """Whether the claim's line holds math only up to its '=' (no prose before it: "Output size $= ...$")."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    head = text.split("=", 1)[0]
    return bool(_BETWEEN.fullmatch(head))


def _left_side(text: str) -> str:
    """The claim's left-hand side: its text up to the first '=' outside brackets ("" when there is none)."""
    sides = _top_split(text, "=")
    return sides[0].strip() if len(sides) > 1 else ""


def _rewritten(claim: Claim, rewrite) -> Claim:
    """The claim with its text and range rewritten: the same claim when nothing changes."""
    text, range_text = rewrite(claim.text), rewrite(claim.range)
    return claim if (text, range_text) == (claim.text, claim.range) else replace(claim, text=text, range=range_text)


def _written(claim: Claim) -> str:
    """The claim as a verdict shows it (Grader.grade)."""
    return f"{claim.text} \\quad {claim.range}" if claim.range else claim.text


class Verdicts(list):
    """The verdicts on a set of notes, in order, and the conventions they were read in."""

    def __init__(self, verdicts=(), conventions: Conventions = Conventions()):
        super().__init__(verdicts)
        self.conventions = conventions


def as_claim(text: str, range_text: str = "") -> Claim:
    """One claim typed on its own, such as "y_{1,1} = x_{1,1} k_{1,1} \\quad \\forall ...", as read from notes."""
    claims = extract(f"$$ {text} $$")
    claim = claims[0] if len(claims) == 1 else Claim(1, text.strip(), range_text)
    return Claim(claim.line, claim.text, range_text) if range_text else claim


def check_claims(texts: list[str], derivation: Derivation, upstream_symbol: str | None = None,
                 index_base: int = 1) -> list[Verdict]:
    """The verdicts on claims typed one by one, judged by one grader, their indices counted from `index_base`."""
    grader = Grader(derivation, upstream_symbol, index_base)
    texts = [from_unicode(text) for text in texts]
    return [grader.grade(claim) for text in texts for claim in (extract(f"$$ {text} $$") or [Claim(1, text.strip())])]


def check_claim(text: str, derivation: Derivation, range_text: str = "", upstream_symbol: str | None = None,
                index_base: int = 1) -> Verdict:
    """The verdict on one claim such as "y_{1,1} = x_{1,1} k_{1,1} + ..." (its range may follow it)."""
    return Grader(derivation, upstream_symbol, index_base).grade(as_claim(from_unicode(text), from_unicode(range_text)))
