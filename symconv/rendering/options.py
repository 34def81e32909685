"""What a document shows besides the derivation itself, as `render` takes it from the CLI and the API."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DocumentOptions:
    """How a derivation is written up.

    handout: an exercise sheet and its answer sheet instead of one document.
    all_entries: a network's document lists every entry of every tensor (by default, representative
        ones: the first of each, and its middle one where the first, on an edge, has fewer terms).
    input_gradient: a network's document includes the gradient with respect to the network's input
        (training does not need it).
    example: the seed of the worked example's small integers, or None for no example (a derivation
        too large for one, or whose values are not rational, has none anyway; nor has a handout,
        whose blanks it would fill in).
    upstream: how the upstream gradient is written: one letter (g), a Greek letter (delta), or
        "frac" for the full fraction dL/dy; by default g for a single layer, delta in a network.
    exercises: a single layer's document ends with exercises on its worked example's numbers, and their answers.
    """

    handout: bool = False
    all_entries: bool = False
    input_gradient: bool = False
    example: int | None = 0
    upstream: str | None = None  # the upstream gradient's symbol as given (g, delta, frac); None: the default
    exercises: bool = True

    def suffix(self) -> str:
        """What the default output folder's name adds for these options, so that variants do not overwrite
        each other: _handout, _all, _input."""
        return "".join(part for part, on in (("_all", self.all_entries), ("_input", self.input_gradient),
                                             (f"_example{self.example}", self.example not in (0, None)),
                                             ("_noexample", self.example is None),
                                             ("_upstream-" + (self.upstream or "").lstrip("\\"), self.upstream is not None),
                                             ("_noexercises", not self.exercises),
                                             ("_handout", self.handout)) if on)
