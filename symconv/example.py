"""A worked example: small integers for the given tensors, and every derived tensor computed exactly from
the derivation's own entries (symconv.numeric.example checks them against each kind's NumPy code).

Small whole numbers a student can multiply in their head: the input from -2 to 3, parameters from -2
to 2, a bias from -1 to 1, the upstream gradient from -1 to 2 and a target from 0 to 2 (a one-hot
target for a softmax), drawn from a seed so that the same seed gives the same example. Values stay
exact while they are whole numbers or fractions (sums of products, pooling); from the first value that
is not (an exponential: a softmax, a sigmoid) on, they are decimals of 30 digits, which the documents
round to three places.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from math import prod

from sympy import Expr, Float, Integer, Max, Rational, S

from .derivation import Derivation, Terms

# Above this many entries in all, the example's matrices would take more room than they teach: about a
# page of them (a network's example lists only the tensors that teach, see Layer.example_output).
EXAMPLE_ENTRIES = 250
NETWORK_EXAMPLE_ENTRIES = 300  # a network's: its tensors are mostly small vectors and pooled images
RANGES = {"input": (-2, 3), "kernel": (-2, 2), "bias": (-1, 1), "upstream": (-1, 2), "target": (0, 2)}
TENTHS = {"kernel": (-1, 1), "bias": (-1, 1)}  # in tenths: a softmax's scores from a few units of inputs
DIGITS = 30  # a decimal value's precision
SHOWN = Rational(1, 100)  # a decimal smaller than this keeps at most one digit at three places
TIE = 1000  # a tie weighs more than any number of the other flaws
DRAWS = 128  # draws tried for an example without flaws (see _draw); the one with the fewest is kept


@dataclass(frozen=True)
class Values:
    """One tensor's numbers, flat in row-major order; for a derived tensor with a term table, the entry
    worked out term by term (the first with the most terms: a border entry has fewer) and the
    (first factor, second factor or None) values of its terms, in written order."""

    name: str
    shape: tuple[int, ...]
    values: tuple[Expr, ...]  # Rational, or Float once an exponential has come in
    terms: tuple[tuple[Expr, Expr | None], ...] = ()
    worked: int = 0
    # per term, the LaTeX name of a symbol that stands alone among products (a bias: b^{[1]}_{2}), else "": the
    # worked line names it, or a reader sees an unexplained "0 +"
    alone: tuple[str, ...] = ()


@dataclass(frozen=True)
class Example:
    seed: int
    given: tuple[Values, ...]  # the input, the parameters and the upstream gradient
    derived: tuple[Values, ...]  # every output and gradient, in the derivation's order
    fixed: tuple[str, ...] = ()  # the given tensors whose numbers were handed in (a model's own parameters)


def _role(derivation: Derivation, name: str) -> tuple[str, bool]:
    """Which range a given tensor's numbers come from, by what it is to its layer ("one-hot" for a
    softmax's target), and whether they are tenths: the parameters of the layer whose output a softmax
    reads, so that its scores stay a few units apart and its probabilities are not all 0 and 1."""
    if name.startswith("dL/d"):
        return "upstream", False
    for n, record in enumerate(derivation.records):
        after = derivation.records[n + 1] if n + 1 < len(derivation.records) else None
        soft = after is not None and any(p.one_hot for p in after.layer.params(after.shape_in))
        for p in record.layer.params(record.shape_in):
            if record.params[p.key] == name:
                if p.after:  # a loss's target
                    return ("one-hot" if p.one_hot else "target"), False
                return ("bias" if p.role == "bias" else "kernel"), soft
    return "input", False


def _given(rng: random.Random, role: str, tenths: bool, count: int, classes: int | None = None) -> tuple[Expr, ...]:
    if role == "one-hot":  # one class of `classes` per example (a batch's each row), the last axis the classes
        classes = classes or count
        out = []
        for _ in range(count // classes):
            hot = rng.randrange(classes)
            out += [Integer(int(n == hot)) for n in range(classes)]
        return tuple(out)
    low, high = TENTHS[role] if tenths else RANGES[role]
    whole = [rng.randint(low, high) for _ in range(count)]
    while role in ("kernel", "input", "upstream") and not any(whole) and (low, high) != (0, 0):
        whole = [rng.randint(low, high) for _ in range(count)]  # all zeros teach nothing: every product is 0
    return tuple(Float(f"{n / 10:.1f}", DIGITS) if tenths else Integer(n) for n in whole)


def shown_names(derivation: Derivation, input_gradient: bool = True, hide: bool = True) -> list[str]:
    """The tensors a worked example lists, in the derivation's order: the layers' given tensors, outputs
    and gradients (not the Jacobians), in a network without the outputs and input gradients that only
    move or clip numbers (Layer.example_output) and, unless `input_gradient`, without the gradient of
    the network's input (with `hide` off, all of them: the listed ones depend on the others)."""
    single = len(derivation.records) == 1 or not hide
    names, hidden = set(), set()
    for r in derivation.records:
        names.update((*r.inputs, r.output, *r.params.values()))
        if not single and not r.layer.example_output:
            hidden.add(r.output)
        if not single and not r.layer.example_input_gradient:
            hidden.update(f"dL/d{name}" for name in r.inputs)
    if not (single or input_gradient):
        hidden.add(f"dL/d{derivation.records[0].input}")
    return [t.name for t in derivation.tensors
            if (t.name in names or t.name.removeprefix("dL/d") in names) and t.name not in hidden]


def worked_example(derivation: Derivation, seed: int = 0, input_gradient: bool = True,
                   fixed: dict | None = None, zero_factors: bool = False) -> Example | None:
    """The example at `seed`, or None when the tensors it lists have more than EXAMPLE_ENTRIES entries
    (NETWORK_EXAMPLE_ENTRIES in a network). `input_gradient` as in shown_names. `fixed` gives some given
    tensors' numbers instead (by name, arrays of floats: a PyTorch model's own parameters), taken exactly as
    decimals of DIGITS digits; the others are drawn from the seed as always. A network's numbers are drawn again
    (from the same generator, so the same seed gives the same example) while they have flaws (_draw), up to DRAWS
    times; the draw with the fewest is kept. So are a single layer's, while a term its worked entries show has a
    factor 0, unless `zero_factors` (a student's variant: its seed keeps the numbers of the sheets handed out)."""
    fixed = fixed or {}
    shown = shown_names(derivation, input_gradient)
    limit = EXAMPLE_ENTRIES if len(derivation.records) == 1 else NETWORK_EXAMPLE_ENTRIES
    everything = set(shown_names(derivation, hide=False))  # computed, listed or not
    # the parts of a forked value's gradient (dL/dA[1] from layer 3), which the gradient sums: computed, not listed
    everything |= {t.name for t in derivation.tensors if t.name.partition(" from layer ")[0] in everything}
    if sum(len(derivation[name].values) for name in shown) > limit:
        return None
    rng = random.Random(seed)
    # Gradients whose 0 would be an accident of the numbers (no gate or switch routes them): a network's parameters',
    # and a dense layer's input's (a column of equal weights against p - t, which sums to 0); a single layer's gradient
    # of 0 is a sum worked out as any other.
    accidental = ({f"dL/d{name}" for name in everything if _role(derivation, name)[0] in ("kernel", "bias")}
                  | {f"dL/d{r.input}" for r in derivation.records if r.layer.weights_join}
                  if len(derivation.records) > 1 else set())
    # A single layer's entries worked term by term: every factor they show not 0 (review r16 item 2: the default's
    # dL/dx_{1,2} = 1 * 2 + 0 * 0 hid a term behind zeros, and an answer listed x_{1,1} as reached only through zero
    # kernel entries), and the kernel entries its input's worked entry meets not equal (the turned kernel then shows)
    shown_at = _figure_entry(derivation)
    worked_at = ({t.name: shown_at.get(t.name, _most_terms(t.terms)) for t in derivation.tensors
                  if t.name in shown and t.terms is not None} if len(derivation.records) == 1 and not zero_factors else {})
    best = None
    for _ in range(DRAWS):  # the same rng throughout: the same seed, the same draws
        drawn = _draw(derivation, rng, shown, everything, accidental, fixed, best[-1] if best else None,
                      worked_at, set(shown_at) if worked_at else set())
        if drawn is not None:
            best = drawn
            if not best[-1]:
                break
    given, derived, subs, _ = best
    # the entry worked out term by term, for the draw kept only; a single convolution's input gradient works out the
    # entry its figure shows, so that the figure and the numbers tell of one entry
    derived = [_with_terms(derivation, t, values, subs, shown_at.get(t.name)) for t, values in derived]
    return Example(seed, tuple(given), tuple(derived), tuple(name for name in fixed if name in everything))


def _draw(derivation: Derivation, rng: random.Random, shown: list[str], everything: set[str], accidental: set[str],
          fixed: dict, limit: int | None, worked_at: dict[str, int] | None = None,
          turned: set[str] = frozenset()) -> tuple[list[Values], list[tuple], dict, int] | None:
    """One draw of the given tensors and everything computed from them, with its flaws, ties first (each weighing
    TIE): the max entries (a max pooling's window, a relu's max(0, a)) whose largest value two of its arguments
    share, the decimals under SHOWN (at three places, one digit or none) and the entries of the `accidental`
    gradients that are 0 (nothing of the chain rule to see). A tie hides which entry the gradient goes to, and a
    relu at exactly 0 sits on its kink. `worked_at` {tensor: the flat index of its entry worked term by term}: each
    factor 0 in those terms is a flaw too, and so is, in a tensor of `turned` (a single convolution's input
    gradient, whose terms meet the kernel turned), a kernel value its worked entry meets twice. None as soon as the
    flaws reach `limit` (a draw already kept has no more)."""
    subs: dict = {}
    given, derived, flaws = [], [], 0
    for t in derivation.tensors:
        if t.name not in everything:
            continue
        if t.entries is None:
            values = _given(rng, *_role(derivation, t.name), len(t.symbols), t.shape[-1])  # drawn anyway: the same seed, the same rest
            if t.name in fixed:
                values = tuple(Float(float(v), DIGITS) for v in fixed[t.name].reshape(-1))
            if t.name in shown:
                given.append(Values(t.name, t.shape, values))
        else:
            value = lambda at: subs[derivation.symbols[at]]
            if t.terms is None:
                pairs = [_entry(e, subs) for e in t.entries]
                values = tuple(v for v, _ in pairs)
                flaws += TIE * sum(tied for _, tied in pairs)
            else:
                values = _from_terms(t.terms, value)
            flaws += sum(map(_vanishing, values))
            if t.name in accidental:
                flaws += sum(v == 0 for v in values)
            if t.name in (worked_at or {}):
                factors = _worked_factors(t.terms, worked_at[t.name], value)
                flaws += sum(f == 0 for pair in factors for f in pair if f is not None)
                if t.name in turned:
                    met = [b for _, b in factors if b is not None]
                    flaws += len(met) - len(set(met))
            if limit is not None and flaws >= limit:
                return None
            if t.name in shown:
                derived.append((t, values))
        if t.symbols is not None:
            subs.update(zip(t.symbols, values))
    return given, derived, subs, flaws


def _most_terms(terms: Terms) -> int:
    """The first entry with the most terms (a single layer's worked entry where no figure picks one: a border entry
    has fewer)."""
    start = terms.start
    return max(range(len(start) - 1), key=lambda n: (start[n + 1] - start[n], -n))


def _worked_factors(terms: Terms, n: int, value) -> list[tuple[Expr, Expr | None]]:
    """Entry n's terms as (first factor, second factor or None) values."""
    start, first, second = terms.start, terms.first, terms.second
    return [(value(a), value(b) if b >= 0 else None)
            for a, b in zip(first[start[n]:start[n + 1]], second[start[n]:start[n + 1]])]


def _figure_entry(derivation: Derivation) -> dict[str, int]:
    """{dL/dX: the flat index of the entry the input's figure shows} for a single convolution layer (its first
    input channel, of its first example), or {} (a network, another kind of layer, or no figure)."""
    if len(derivation.records) != 1:
        return {}
    record = derivation.records[0]
    picked = record.layer.figure_entry(record.shape_in)
    return {} if picked is None else {f"dL/d{record.input}": picked}


def representative(shape: tuple[int, ...], terms=None) -> list[int]:
    """The flat positions of the entries a network's document shows of a tensor: in its first channel
    (pair), the first entry, and the middle one too where the first, on an edge, has fewer terms (the
    sums lose the terms that fall off the edge; the interior has them all). `terms(flat)` counts an entry's
    terms; without it, both are shown."""
    lead = max(len(shape) - 2, 0)
    plane = shape[lead:]
    # the middle: of two middles the first (x_{3,3} of 6 x 6), but never the corner itself (of 2, the second)
    picks = sorted({tuple(0 for _ in plane), tuple((n - 1) // 2 or n // 2 for n in plane)})
    strides = [prod(shape[k + 1:]) for k in range(len(shape))]
    flat = [sum(i * s for i, s in zip((0,) * lead + pick, strides)) for pick in picks]
    if terms is not None and len(flat) == 2 and terms(flat[1]) <= terms(flat[0]):
        return flat[:1]
    return flat


def _with_terms(derivation: Derivation, t, values: tuple, subs: dict, at: int | None = None) -> Values:
    """A derived tensor's Values: for one with a term table, the entry worked out term by term (the flat index `at`
    where given, else the first with the most terms; in a network, of those the first with the most nonzero ones: its
    numbers teach more than a row of zeros; a network's of the entries its sections show) and its terms' (first factor,
    second factor or None) values."""
    if t.terms is None:
        return Values(t.name, t.shape, values)
    value = lambda at: subs[derivation.symbols[at]]
    start, first, second = t.terms.start, t.terms.first, t.terms.second
    nonzero = (lambda n: 0) if len(derivation.records) == 1 else (lambda n: sum(
        value(a) != 0 and (b < 0 or value(b) != 0) for a, b in zip(first[start[n]:start[n + 1]], second[start[n]:start[n + 1]])))
    # in a network, of the entries its sections write out in symbols (representative: the first, and the middle one
    # where the first has fewer terms), so that the worked entry is the one printed beside it (review r15 item 5)
    among = range(len(values)) if len(derivation.records) == 1 else representative(t.shape, lambda n: start[n + 1] - start[n])
    worked = at if at is not None else max(among, key=lambda n: (start[n + 1] - start[n], nonzero(n), -n))
    pairs = list(zip(first[start[worked]:start[worked + 1]], second[start[worked]:start[worked + 1]]))
    alone = ()
    if any(b < 0 for _, b in pairs) and any(b >= 0 for _, b in pairs):  # a lone symbol among products: named
        wanted = {derivation.symbols[a] for a, b in pairs if b < 0}
        names = {sym: label for u in derivation.tensors if u.symbols is not None
                 for sym, label in zip(u.symbols, u.labels) if sym in wanted}
        alone = tuple(names.get(derivation.symbols[a], "") if b < 0 else "" for a, b in pairs)
    return Values(t.name, t.shape, values, tuple((value(a), value(b) if b >= 0 else None) for a, b in pairs), worked,
                  alone)


def _vanishing(value: Expr) -> bool:
    """A decimal that is not 0 but smaller than SHOWN: at the documents' three places, one digit or none."""
    return isinstance(value, Float) and value != 0 and bool(abs(value) < SHOWN)


def _entry(entry: Expr, subs: dict) -> tuple[Expr, bool]:
    """An entry's number, and whether it is a max whose largest value two of its arguments share (a max
    of numbers and symbols, as pooling and relu write it, taken without building SymPy's Max again)."""
    if isinstance(entry, Max):
        args = [subs.get(a, a) if a.is_Atom else _exact(a.xreplace(subs)) for a in entry.args]
        top = max(args)
        return top, sum(a == top for a in args) > 1
    return _exact(entry.xreplace(subs)), False


def _exact(value: Expr) -> Expr:
    """A rational stays exact; anything else (an exponential of whole numbers) becomes a decimal."""
    return value if value.is_Rational else Float(value.evalf(DIGITS), DIGITS)


def _from_terms(terms: Terms, value) -> tuple[Rational, ...]:
    """Each entry's number, summed from its term table (`value(i)` is symbol i's number): the entries'
    SymPy sums are never built."""
    out = []
    start, first, second = terms.start, terms.first, terms.second
    for n in range(len(start) - 1):
        total = S.Zero
        for a, b in zip(first[start[n]:start[n + 1]], second[start[n]:start[n + 1]]):
            total += value(a) if b < 0 else value(a) * value(b)
        out.append(total)
    return tuple(out)
