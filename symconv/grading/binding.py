"""Names the notes give the network's values, bound by meaning.

Notes name things their own way: z for a convolution's output, h for the pooled map, \\hat y for
the softmax, s for the scores, \\delta_k for a gradient, b for one of two biases. A claim that uses
a name the derivation does not have (or a name it has at several layers, written without one) is
read with every value of the network that the name could stand for: the inputs, parameters,
targets, each layer's output and each gradient, by shape. When exactly one assignment makes the
claim hold, as a function of the leaves, the name means that value from then on, and the claim is
right. When none does, the claim is not understood (a name no value fits is not evidence of a
mistake); when several do, it is not understood with the readings that compete.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import replace
from itertools import combinations, product

from ..naming import lead_axes
from . import tree
from .notation import ParseError, TensorInfo, UnknownName
from .parse import GRADIENT_WORD, INDEX_LETTER, LAYER_AFTER, ChannelLayout, _sides

# letters notes name gradients with (\delta_k, g_{ij}, G = dL/dY): the others name values first
GRADIENT_LETTERS = {"\\delta", "\\Delta", "g", "G", "\\bar{y}", "\\tilde{y}", "e"}
KRONECKER = tree.KRONECKER  # \\delta_{ij}: 1 where i = j, else 0 (a name, not a tensor of the network)
# Measured: a parse costs about 0.2 ms and an evaluation at one point 1 to 10 ms, so a claim's search
# stays under about a second, whatever the notes hold.
MAX_PARSES = 1000  # assignments read for one claim
MAX_EVALUATIONS = 150  # of those, the ones that parse and are evaluated
MAX_UNKNOWN = 3  # names one claim may leave to be bound
NOTES_PARSES = 20_000  # and for all the claims of one set of notes together (then names stay unread)


@dataclass
class _Budget:
    parses: int = MAX_PARSES
    evaluations: int = MAX_EVALUATIONS


def candidates(grader) -> list[TensorInfo]:
    """Every value a name may stand for: each tensor of the network (as the derivation names it), and the
    gradient of each that has one."""
    known = {info.key: info for table in grader.base_tensors.values() for info in table.values() if not info.gradient}
    out = []
    for tensor in grader.d.tensors:
        if tensor.symbols is None or tensor.name.startswith("dL/d"):
            continue
        info = known.get(tensor.name, TensorInfo(tensor.name, tensor.shape, lead_axes(tensor.shape)))
        out.append(info)
        if f"dL/d{tensor.name}" in grader.d.names():
            out.append(replace(info, gradient="L"))
    return out + [TensorInfo(KRONECKER, grader.shapes[KRONECKER], 0)]


def bind(grader, claim) -> tuple[dict[str, dict], str, bool]:
    """The names to add so that the claim holds, what was read, and whether other readings make it hold too
    (then the first is taken, as a guess that is never the ground for "wrong"); ({}, why, False) when none does."""
    budget = _Budget(min(MAX_PARSES, grader.search_left))
    found = _search(grader, claim, dict(grader.tensors), 0, budget)
    grader.search_left -= min(MAX_PARSES, grader.search_left) - budget.parses
    # two names read in one claim are two values: R = \max(S, 0) with R and S both the loss holds and says nothing
    found = [f for f in found if len({(t.key, t.gradient) for _, t in _entries(f)}) == len(_entries(f))]
    # nor is a name read anew the value the left-hand side is of: \partial L/\partial b_c = ... = \partial L/\partial m_c
    # holds with m as b itself, and says nothing
    left = _left_key(grader, claim)
    found = [f for f in found if left is None or all(t.key != left for _, t in _entries(f))]
    if grader.search_left <= 0 and not found:
        return {}, (f"the claims before this one already spent the {NOTES_PARSES:,} readings of names checked per "
                    "set of notes: name the values as the documents do, or check the rest in another file"), False
    readings = {tuple(sorted((name, t.key, t.gradient) for name, t in _entries(f))): f
                for f in found}
    if len(readings) > 1 and len({reading_values(grader, f) for f in readings.values()}) == 1:
        # names that stand for equal values either way (dL/db and dL/dz of a dense layer): the first reading
        readings = dict([next(iter(readings.items()))])
    if len(readings) == 1:
        binding = next(iter(readings.values()))
        said = ", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(binding))
        return binding, f"read with {said}", False
    if len(readings) > 1:
        # H = X \star K holds with H, K the layer's output and kernel, and with H = dL/dK, K = dL/dY: a plain
        # letter names a value before a gradient (gradients are written \partial, d-, \delta, g, G), so the one
        # reading that binds no plain letter to a gradient, when there is one, is the notes'
        plain = {key: sum(bool(t.gradient) and not _gradient_style(_base(name)) for name, t in _entries(f))
                 for key, f in readings.items()}
        if list(plain.values()).count(0) == 1:  # one reading only binds no plain letter to a gradient
            readings = {key: f for key, f in readings.items() if plain[key] == 0}
            binding = next(iter(readings.values()))
            said = ", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(binding))
            return binding, f"read with {said} (plain letters as values, not gradients)", False
    if len(readings) > 1:
        # L = \tfrac12(\hat y - y)^2 holds with \hat y the output and y the target, and the other way round: a hat
        # marks what the network predicts, never the target it is compared with
        hatted = {key: sum(name.startswith("\\hat") and t.key in grader.target_keys and not t.gradient
                           for name, t in _entries(f)) for key, f in readings.items()}
        if list(hatted.values()).count(0) == 1:
            binding = next(f for key, f in readings.items() if hatted[key] == 0)
            said = ", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(binding))
            return binding, f"read with {said} (a hat marks the prediction, not the target)", False
    if len(readings) > 1:
        # \partial a_1/\partial z_1 holds with z the dense layer's output and with its bias b (z = W x + b): the
        # letters notes give a layer's values (z, a, h, y, o, u, v, s) name no parameter, and those they give
        # parameters (w, b, c, k, \theta) no layer's output; the one reading that keeps to that is the notes'
        odd = {key: sum(_letter_kind(_base(name)) not in ("", "parameter" if t.key in grader.parameter_keys and not t.gradient
                                                          else "value") for name, t in _entries(f))
               for key, f in readings.items()}
        if list(odd.values()).count(0) == 1:
            binding = next(f for key, f in readings.items() if odd[key] == 0)
            said = ", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(binding))
            # a guess from the letters alone: taken for this claim, never the ground for "wrong", left unread after it
            return binding, (f"the names can be read more than one way, each making the claim hold: taken with {said}, "
                             "as notes use the letters of values and of parameters"), True
    if readings and all(len(_entries(f)) == 1 for f in readings.values()):
        # one name, and the claim holds whichever value it means (dL/dc of a dense layer's bias c or of its output)
        first, *others = list(readings.values())[:3]
        shown = "; or ".join(", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(f))
                             for f in (first, *others))
        return first, f"the names can be read more than one way, each making the claim hold: {shown}", True
    if readings:
        shown = "; or ".join(", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(f))
                             for f in list(readings.values())[:3])
        return {}, f"the names can be read more than one way, each making the claim hold: {shown}", False
    return {}, "", False


_VALUE_LETTERS = {"a", "z", "h", "y", "o", "u", "v", "s", "A", "Z", "H", "Y", "O", "U", "V", "S"}
_PARAMETER_LETTERS = {"w", "W", "b", "c", "k", "K", "\\theta", "\\Theta"}


def _letter_kind(name: str) -> str:
    """ "value" or "parameter" for a letter notes keep to one kind of thing, "" for any other."""
    base = re.sub(r"^\\(?:hat|tilde|bar|mathbf|boldsymbol|vec)\s*\{\s*(.*?)\s*\}$", r"\1", name)
    return "value" if base in _VALUE_LETTERS else "parameter" if base in _PARAMETER_LETTERS else ""


def _gradient_style(name: str) -> bool:
    """Whether notes write gradients with such a name: \\delta, g, G, or d before a name (dx, ddot, dout)."""
    return name in GRADIENT_LETTERS or bool(GRADIENT_WORD.fullmatch(name))


def _search(grader, claim, tensors: dict, depth: int, budget: _Budget, reading: frozenset = frozenset()) -> list[dict]:
    if budget.parses <= 0 or budget.evaluations <= 0:
        return []
    budget.parses -= 1
    saved = grader.tensors
    grader.tensors = tensors
    try:
        sides, _ = grader.parse(claim)
    except UnknownName as unknown:
        grader.tensors = saved
        read_as = unknown.name if unknown.at is None else (unknown.name, unknown.at)
        if depth >= MAX_UNKNOWN or read_as in reading:  # a value this reading gave the name does not fit it
            return []
        if unknown.at is not None and grader.general and not _anchored(claim.text, tensors):
            return []  # o^l = f(x^l) at l = 0 with nothing of layer 0 named: any two values would do
        out = []
        members = _sides(claim.text)
        for info in _for(grader, unknown, claim, depth):
            if unknown.at is not None:  # o^{[0]}: the value at the layer written, beside the name's other layers
                entry = {unknown.at: replace(info, numbered=True)}
                trial = {**tensors, unknown.name: {**tensors.get(unknown.name, {}), **entry}}
            else:
                # a name that needs its layer keeps its layers (w^{(2)}_{kj} beside a bare w_{kj})
                kept = tensors.get(unknown.name, {}) if unknown.layers else {}
                entry = {None: info}
                trial = {**tensors, unknown.name: {None: info, **{k: v for k, v in kept.items() if k is not None}}}
            if len(members) > 2 and depth + 1 < MAX_UNKNOWN and not _members_agree(grader, claim, members, trial, budget):
                continue  # y_k = a_k = \sum_j w_{kj} z_j: a reading of a that breaks a_k = \sum ... needs no y
            out += [_joined({unknown.name: entry}, rest)
                    for rest in _search(grader, claim, trial, depth + 1, budget, reading | {read_as})]
        return out
    except ChannelLayout:  # x_{1,2,2}: the channel first or last, read both ways as the grader does
        grader.tensors = saved
        if grader.layout is not None:
            return []
        out = []
        for layout in ("first", "last"):
            grader.layout = layout
            try:
                out += [f for f in _search(grader, claim, tensors, depth, budget, reading) if f not in out]
            finally:
                grader.layout = None
        return out
    except (ParseError, RecursionError):
        grader.tensors = saved
        return []
    try:
        if not depth:
            return []
        budget.evaluations -= 1
        return [{}] if grader.holds(sides, claim) else []
    finally:
        grader.tensors = saved


_AT_LAYER = re.compile(r"(\\?[A-Za-z]+)" + LAYER_AFTER.pattern)  # a name and the layer written on it


def written_layers(text: str) -> set[tuple[str, int]]:
    """Each name and the layer written on it (a^{[1]}, z_{i,j}^{[2]}): ("a", 1), ("z", 2)."""
    return {(name, int(layer)) for name, layer in _AT_LAYER.findall(text)}


def _anchored(text: str, tensors: dict) -> bool:
    """Whether a claim read at one layer names a value that layer has (w^{[1]}, or o^{[0]} read before): the
    names read at a layer in a claim about every layer l are read only beside it."""
    for name, layer in _AT_LAYER.findall(text):
        table = tensors.get(name, {})
        numbered = any(info.numbered for info in table.values())
        if int(layer) in table or not numbered and 1 <= int(layer) <= sum(n is not None for n in table):
            return True
    return False


def _left_key(grader, claim) -> str | None:
    """The tensor the claim's left-hand side is an entry of, or the derivative by (None when it does not read)."""
    left = _sides(claim.text)[0]
    try:
        (side, _), _ = grader.parse(replace(claim, text=f"{left} = {left}"))
    except (ParseError, RecursionError, ChannelLayout):
        return None
    if side[0] == "deriv" and side[2][0] == "entry":
        return side[2][1]
    return side[1] if side[0] == "entry" else None


def _entries(found: dict) -> list[tuple[str, TensorInfo]]:
    """A reading's values, each with the name as the notes write it: o, or o^{[0]} for a name read at a layer."""
    return [(name if layer is None else f"{name}^{{[{layer}]}}", info)
            for name, table in found.items() for layer, info in table.items()]


def _base(name: str) -> str:
    """The name without the layer _entries writes on it."""
    return name.split("^{[", 1)[0]


def _joined(found: dict, rest: dict) -> dict:
    """A reading's names with the rest's: one name read at two layers (o^{[0]} and o^{[1]}) keeps both."""
    out = {name: {**table, **rest.get(name, {})} for name, table in found.items()}
    return {**out, **{name: table for name, table in rest.items() if name not in out}}


def _members_agree(grader, claim, members: tuple[str, ...], tensors: dict, budget: _Budget) -> bool:
    """Whether the members of a chain that this reading lets symconv read (the others name values still unread)
    are equal; True when fewer than two are readable."""
    saved = grader.tensors
    grader.tensors = tensors
    try:
        readable = []
        for member in members:
            try:
                grader.parse(replace(claim, text=f"{member} = {member}"))
            except (ParseError, RecursionError, ChannelLayout):
                continue
            readable.append(member)
        if len(readable) < 2 or len(readable) == len(members):
            return True
        budget.evaluations -= 1
        part = replace(claim, text=" = ".join(readable))
        try:
            sides, _ = grader.parse(part)
        except (ParseError, RecursionError, ChannelLayout):
            return True
        return grader.holds(sides, part)
    finally:
        grader.tensors = saved


def reading_values(grader, found: dict) -> tuple:
    """The values a reading gives its names at one random point (equal readings mean the same)."""
    point = grader.meaning.points()[0]
    out = []
    for name, info in sorted(_entries(found), key=lambda entry: entry[0]):
        if info.key == KRONECKER:
            out.append((name, KRONECKER))
            continue
        entries = [grader._gradient(info.key, index, lhs=True) if info.gradient else grader._symbol(info.key, index)
                   for index in product(*(range(1, n + 1) for n in info.shape))]
        try:
            values = tuple(0.0 if e is None else round(complex(e.xreplace(point).evalf(20)).real, 12) for e in entries)
        except (TypeError, ValueError, ArithmeticError):
            values = (name, info.key, info.gradient)  # no number to compare: a reading of its own
        # a single pooled value and its flatten are the same number, whatever axes of length 1 each has
        out.append((name, () if len(values) == 1 else info.shape, values))
    return tuple(out)


def _for(grader, unknown: UnknownName, claim, depth: int = 0) -> list[TensorInfo]:
    """What an unknown name may stand for: the layers it has, or any value of the network; nothing for a
    letter the claim uses as an index (\\delta_{ij}'s i)."""
    if len(unknown.name) == 1 and re.search(r"_\s*(?:\{[^{}]*)?(?<![A-Za-z\\])" + unknown.name + r"(?![A-Za-z])", claim.text):
        return []
    written = _written_indices(unknown.name, claim.text)
    # values the notes have not named yet first: a name read anew is likelier a value without a name
    named = {(info.key, info.gradient) for name in grader.inferred if name != unknown.name
             if (info := grader.tensors.get(name, {}).get(None)) is not None}
    # the Kronecker delta is written \delta (or \delta's own letter d): never a K, a V or an x
    kronecker = unknown.name in ("\\delta", "\\Delta", "d") and bool(written) and all(len(w) == 2 for w in written)
    kind = _letter_kind(unknown.name)

    def unlike(c: TensorInfo) -> bool:  # a value's letter (y, \hat y, z, h) names a gradient or a parameter last
        return kind == "value" and (bool(c.gradient) or c.key in grader.parameter_keys)

    fits = sorted((c for c in grader.candidates if _fits(c, written) and (kronecker or c.key != KRONECKER)),
                  key=lambda c: (_likeness(c, written), unlike(c), (c.key, c.gradient) in named))
    if unknown.layers:  # its layers first; but notes may use the letter for something else (Bishop's z_j)
        table = grader.tensors.get(unknown.name, {})
        layered = [table[n] for n in unknown.layers if n in table]
        if depth and layered:  # beside another name being read, only its layers: the search stays small
            return layered
        return layered + [c for c in fits if c not in layered]
    return fits


def _written_indices(name: str, text: str) -> list[tuple]:
    """The indices the claim writes on the name, each a number or None for a letter (v_3 -> (3,), w_{kj} ->
    (None, None), a bare v -> ()); superscripts are left out (they say nothing of the size)."""
    out = []
    alone = r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])(?:\^(?:\{[^{}]*\}|\S))?"
    for match in re.finditer(alone + r"(\s*_\s*(\{[^{}]*\}|\w))?", text):
        if match.group(1) is None:
            out.append(())
            continue
        sub = match.group(2).strip("{}").strip()
        parts = [p.strip() for p in sub.split(",")] if "," in sub else [sub]
        if len(parts) == 1 and len(sub) > 1:
            if sub.isdigit() or sub.isalpha() and len(sub) <= 3:
                parts = list(sub)  # w_{12}, w_{kj}: two indices (or the twelfth entry: not told apart)
            else:
                parts = [sub]
        out.append(tuple(int(p) if p.isdigit() else None for p in parts))
    return out


def _likeness(info: TensorInfo, written: list[tuple]) -> int:
    """0 for a value whose shape the written indices match exactly (one index on a vector or on a one-row
    matrix, none on a single number), 1 otherwise: the likelier readings are tried first (the search is
    bounded)."""
    if info.key == KRONECKER:
        return 1
    axes = sum(n > 1 for n in info.shape)
    return 0 if written and all(len(index) == axes for index in written) else 1


def _fits(info: TensorInfo, written: list[tuple[int, ...]]) -> bool:
    """Whether a value of this shape can take the number indices written on a name (a necessary condition,
    whatever the index base and whichever axes of length 1 are left out): no more indices than axes, and
    each within the longest axis."""
    if info.key == KRONECKER:
        return True
    longest = max(info.shape, default=1)
    # x_{n,c,i,j} of one image: an example's letter before an image's indices (parse.py reads it so)
    return all(len(index) <= len(info.shape) + bool(info.channels and index and index[0] is None)
               and max((i for i in index if i is not None), default=0) <= longest for index in written)


def describe(grader, info: TensorInfo) -> str:
    """A value of the network as a teacher names it: the output of layer 2 (relu), the gradient of W[5]."""
    record = next((r for r in grader.d.records if r.output == info.key), None)
    what = f"the output of layer {record.number} ({record.layer.type})" if record else info.key
    if info.key == grader.d.records[0].input:
        what = "the input"
    return f"dL/d({what})" if info.gradient else what


def uses(text: str, names: set[str]) -> set[str]:
    """Which of the names the claim's text writes (a letter standing alone, not inside a longer word)."""
    return {name for name in names if re.search(r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])", text)}


_WORKED_NUMBER = re.compile(r"\s*[-+]?\s*\d+(?:\.\d+)?\s*")


def weak(text: str, bound: dict) -> set[str]:
    r"""The names of a binding read on weak evidence: several read together from one claim (var_d = \frac{1}{N}
    \sum_n sq_{nd} holds with var as the mean and sq as the input), or a name the claim writes only as what
    the loss is differentiated by (values with equal gradients, such as z and z + b, are not told apart), or
    names read from a claim that ends in a number (a worked entry that is 0 holds with any value that is 0 there:
    (\hat y - t')_{3,1} = 0.2649 with t' as the target t)."""
    if len(bound) > 1 or _WORKED_NUMBER.fullmatch(text.rsplit("=", 1)[-1]):
        return set(bound)
    out = set()
    for name in bound:
        alone = r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])"
        written = len(re.findall(alone, text))
        differentiated = len(re.findall(r"\\partial\s*(?:\\text\s*\{\s*)?" + re.escape(name) + r"(?![A-Za-z])", text))
        if written and written == differentiated:
            out.add(name)
    return out


def rebind(grader, claim, names: set[str]) -> str:
    """Why a claim that is wrong with the meanings symconv inferred for `names` is not judged wrong, and the
    reading of those names that makes it hold (("", {}) when none does: then it is wrong)."""
    # one name read anew at a time first (Bishop's a_j and a_k: one letter, two layers), then two, then all
    found = []
    ordered = sorted(names)
    tried = [{name} for name in ordered] + [set(pair) for pair in combinations(ordered, 2)]
    for changed in tried + ([set(names)] if len(names) > 2 else []):
        trial = {name: table for name, table in grader.tensors.items() if name not in changed}
        budget = _Budget(min(MAX_PARSES, grader.search_left))
        found = _search(grader, claim, trial, 0, budget)
        grader.search_left -= min(MAX_PARSES, grader.search_left) - budget.parses
        # a value the notes call by another of their names elsewhere is not what this one means (h where the
        # notes write u for the activation is the student's slip, not a second name; y_k = a_k names one twice)
        taken = {(info.key, info.gradient) for name in grader.inferred - changed - uses(claim.text, grader.inferred)
                 if (info := grader.tensors.get(name, {}).get(None)) is not None}
        found = [f for f in found if not any((t.key, t.gradient) in taken for _, t in _entries(f))]
        if found:
            break
    if not found:
        return "", {}
    reading = ", ".join(f"{name} as {describe(grader, t)}" for name, t in _entries(found[0]))
    meant = {name: grader.tensors[name].get(None) or next(iter(grader.tensors[name].values())) for name in names}
    earlier = ", ".join(f"{name} as {describe(grader, meant[name])}" for name in sorted(names))
    return (f"the notes seem to use a name for more than one value: earlier claims read {earlier}, but this claim "
            f"holds with {reading}; name each value once to have it judged"), found[0]


def by_letter(grader, claim, name: str, letter: str) -> list[dict]:
    """The values the name with this index letter may mean so that the claim holds, the name with its other
    letters meaning what it did (Bishop's \\delta_j = h'(a_j) \\sum_k w_{kj} \\delta_k: \\delta_k read before, \\delta_j
    a hidden unit's): each reading as a table, in the order tried; within the notes' budget of readings."""
    table = grader.tensors[name]
    before = table.get(None) or next(iter(table.values()))
    kept = dict(grader.lettered)
    for old in grader.letters.get(name, set()):
        grader.lettered.setdefault((name, old), table)
    written = _written_indices(name, claim.text)
    found = []
    try:
        for info in grader.candidates:
            if grader.search_left <= 0:
                break
            if (info.key, info.gradient) == (before.key, before.gradient) or bool(info.gradient) != bool(before.gradient) \
                    or not _fits(info, written):
                continue
            grader.search_left -= 1
            grader.lettered[(name, letter)] = {None: info}
            try:
                sides, _ = grader.parse(claim)
            except (ParseError, RecursionError):
                continue
            if grader.holds(sides, claim):
                found.append({None: info})
    finally:
        grader.lettered = kept
    return found


def index_letters(text: str, name: str) -> set[str]:
    """The letters the claim writes as the first index of the name (a_j, \\delta_{k}, w^{(2)}_{kj})."""
    alone = r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])"
    return {m.group(1) for m in re.finditer(alone + INDEX_LETTER.pattern, text)}


def only_lettered(text: str, name: str) -> bool:
    """Whether every time the claim writes the name, a letter is its first index (never a number, never bare)."""
    alone = r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])"
    return len(re.findall(alone, text)) == len(re.findall(alone + INDEX_LETTER.pattern, text))
