"""symconv check (the grading package): read a hand-written derivation and judge it claim by claim against the derivation."""

from __future__ import annotations

from dataclasses import replace

from ..derivation import Derivation
from .extract import Claim, extract
from .grade import Grader, Verdict

__all__ = ["Claim", "Verdict", "check_claim", "check_notes", "extract"]


def check_notes(notes: str, derivation: Derivation) -> list[Verdict]:
    """A verdict for every claim in Markdown or LaTeX notes, in order (a claim repeated word for word
    is judged once)."""
    grader = Grader(derivation)
    judged: dict[tuple[str, str], Verdict] = {}
    out = []
    for claim in extract(notes):
        key = (claim.text, claim.range)
        if key not in judged:
            judged[key] = grader.grade(claim)
        out.append(replace(judged[key], line=claim.line))
    return out


def check_claim(text: str, derivation: Derivation, range_text: str = "") -> Verdict:
    """The verdict on one claim such as "y_{1,1} = x_{1,1} k_{1,1} + ..." (its range may follow it)."""
    claims = extract(f"$$ {text} $$")
    claim = claims[0] if len(claims) == 1 else Claim(1, text.strip(), range_text)
    if range_text:
        claim = Claim(claim.line, claim.text, range_text)
    return Grader(derivation).grade(claim)
