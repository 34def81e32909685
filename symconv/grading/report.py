"""What a verdict says: its record, the claim's own notation for printing, and the report for people."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sympy import Add, Expr, S, expand

from ..derivation import Derivation
from .names import tensors_of


@dataclass(frozen=True)
class Verdict:
    """What one claim was judged: right, wrong (where, and which terms) or not understood (why)."""

    line: int
    claim: str
    status: str  # "right", "wrong", "not understood", or "definition" (a name the notes define, such as \delta_{ij})
    indices_failed: tuple[dict[str, int], ...] = ()
    missing: tuple[str, ...] = ()
    extra: tuple[str, ...] = ()
    expected: str = ""
    reason: str = ""
    unknown: bool = False  # not understood for a name no value fits yet: judged again once the notes bind it
    # a chain written over several rows, A = B (row 2) = C (row 3): each '=' as (its line, whether that step holds:
    # right, wrong, or not understood for the steps after the first that differs)
    links: tuple[tuple[int, str], ...] = ()

    def as_dict(self) -> dict:
        out = {"line": self.line, "claim": self.claim, "status": self.status,
               "indices_failed": [dict(i) for i in self.indices_failed], "missing": list(self.missing),
               "extra": list(self.extra), "expected": self.expected or None}
        if self.reason:
            out["reason"] = self.reason
        if self.links:
            out["links"] = [{"line": line, "status": status} for line, status in self.links]
        return out


def claim_names(d: Derivation, compact: bool, loss: str, upstream: str | None = None) -> dict:
    """LaTeX names of every symbol of a single layer in a claim's style: x_{11} or x_{1,1}, its letter
    for the loss, and the name it uses for the upstream gradient (\\delta_{11} for dL/dy_{11}) if it uses one."""
    sep = "" if compact else ","

    def name(base: str, idx: tuple[int, ...], channels: int, shape: tuple[int, ...]) -> str:
        shown = any(n > 1 for n in shape[:channels])
        if channels == len(idx):  # a vector by channel (a bias): b_{m}, or b alone with one channel
            return base + (f"_{{{sep.join(map(str, idx))}}}" if shown else "")
        head = base + (f"^{{({','.join(map(str, idx[:channels]))})}}" if shown else "")
        return head + "_{" + sep.join(map(str, idx[channels:])) + "}"

    names, tensors = {}, tensors_of(d)
    for base, table in tensors.items():
        info = table[None]
        for flat, sym in enumerate(d[info.key].symbols):
            names[sym] = name(base, _unflat(flat, info.shape), info.channels, info.shape)
    record = d.records[-1]
    out_letter = next(base for base, table in tensors.items() if table[None].key == record.output)
    for flat, sym in enumerate(d[f"dL/d{record.output}"].symbols):
        output = names[d[record.output].symbols[flat]]
        names[sym] = (upstream + output[len(out_letter):] if upstream
                      else rf"\frac{{\partial {loss}}}{{\partial {output}}}")
    return names


def _unflat(flat: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    idx = []
    for n in reversed(shape):
        idx.append(flat % n + 1)
        flat //= n
    return tuple(reversed(idx))


def term_difference(truth: Expr, claimed: Expr | None, printer) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The terms the claim lacks and the terms it should not have, each printed in the claim's notation;
    none when either side is not a sum of products of entries (a sigmoid's or a softmax's terms, expanded,
    say nothing a reader can use: the expected value does)."""
    if not all(side.is_polynomial() for side in (truth, claimed if claimed is not None else S.Zero)):
        return (), ()
    def terms(expr) -> dict:
        out: dict = {}
        for term in Add.make_args(expand(expr)):
            coef, rest = term.as_coeff_Mul()
            out[rest] = out.get(rest, 0) + coef
        return out

    want, have = terms(truth), terms(claimed if claimed is not None else S.Zero)
    missing, extra = [], []
    for rest in sorted(set(want) | set(have), key=printer._key):
        gap = want.get(rest, 0) - have.get(rest, 0)
        if gap != 0 and rest != 0:
            (missing if gap > 0 else extra).append(printer.doprint(abs(gap) * rest))
    return tuple(missing), tuple(extra)


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _printable(text: str) -> str:
    """Text from the notes as it may reach a terminal: control characters (escape sequences) shown, not sent."""
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def text_report(verdicts: list[Verdict]) -> list[str]:
    """The report for people: one line per claim, then what is wrong or could not be read."""
    lines = []
    for v in verdicts:
        status = {"right": "right", "wrong": "WRONG", "not understood": "not understood", "definition": "definition"}[v.status]
        lines.append(_printable(f"line {v.line}: {status}: {v.claim}"))
        at = ""
        if v.indices_failed:
            name = lambda env: ", ".join(f"{k}={n}" for k, n in env.items())
            shown = "; ".join(name(env) for env in v.indices_failed[:10])
            more = f" (and {len(v.indices_failed) - 10} more)" if len(v.indices_failed) > 10 else ""
            lines.append(f"    fails at {shown}{more}")
            at = f" (at {name(v.indices_failed[0])})"
        for label, terms in (("missing", v.missing), ("should not be there", v.extra)):
            if terms:
                lines.append(f"    {label}{at}: {' + '.join(terms)}")
        if v.expected:
            lines.append(f"    expected{at}: {v.expected}")
        if v.reason:
            lines.append(_printable(f"    {v.reason}"))
    counts = {s: sum(v.status == s for v in verdicts) for s in ("right", "wrong", "not understood", "definition")}
    claims = len(verdicts) - counts["definition"]
    defined = f"; {counts['definition']} definition{'s' if counts['definition'] != 1 else ''} read" if counts["definition"] else ""
    lines.append(f"{claims} claim{'s' if claims != 1 else ''}: {counts['right']} right, {counts['wrong']} wrong, "
                 f"{counts['not understood']} not understood{defined}")
    return lines
