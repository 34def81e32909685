"""symconv check (the grading package): read a hand-written derivation and judge it claim by claim against the derivation."""

from __future__ import annotations

from dataclasses import replace

from ..derivation import Derivation
from .extract import Claim, extract
from .grade import Grader, Verdict

__all__ = ["Claim", "Verdict", "as_claim", "check_claim", "check_claims", "check_notes", "extract"]


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


def as_claim(text: str, range_text: str = "") -> Claim:
    """One claim typed on its own, such as "y_{1,1} = x_{1,1} k_{1,1} \\quad \\forall ...", as read from notes."""
    claims = extract(f"$$ {text} $$")
    claim = claims[0] if len(claims) == 1 else Claim(1, text.strip(), range_text)
    return Claim(claim.line, claim.text, range_text) if range_text else claim


def check_claims(texts: list[str], derivation: Derivation) -> list[Verdict]:
    """The verdicts on claims typed one by one, judged by one grader."""
    grader = Grader(derivation)
    return [grader.grade(as_claim(text)) for text in texts]


def check_claim(text: str, derivation: Derivation, range_text: str = "") -> Verdict:
    """The verdict on one claim such as "y_{1,1} = x_{1,1} k_{1,1} + ..." (its range may follow it)."""
    return Grader(derivation).grade(as_claim(text, range_text))
