"""The short symbol for an upstream gradient: g_{r,s} for dL/dy_{r,s} in a single layer's document,
\\delta^{[l]}_{i,j} for dL/da^{[l]}_{i,j} in a network's, or any name the user chooses; entries that
read it are much shorter, and the document defines it once, as check reads a definition."""

from __future__ import annotations

import re

from ..derivation import Derivation
from ..spec import SpecError, shown

_GRADIENT = re.compile(r"\\frac\{\\partial L\}\{\\partial (?:\\mathit\{[A-Za-z0-9]+\}|\\?[A-Za-z]+)(?P<rest>[_^].*)\}\Z")
_FRACTION = re.compile(r"\\frac\{\\partial L\}\{\\partial (?P<of>.*)\}\Z")
_NAME = re.compile(r"\\?[A-Za-z]+")
# Names the upstream gradient may take besides one letter: Greek letters, as LaTeX writes them.
GREEK = ("alpha", "beta", "gamma", "delta", "epsilon", "eta", "theta", "lambda", "mu", "nu", "xi", "rho", "sigma",
         "tau", "phi", "chi", "psi", "omega", "Delta", "Gamma", "Lambda", "Phi", "Psi", "Omega")
FULL = "frac"  # the value that keeps the full fraction dL/dy_{r,s}


def parse_symbol(text: str, taken: set[str]) -> str:
    """The LaTeX of a chosen upstream symbol ("g", "delta" or "\\delta", "frac" for the full fraction: "").

    Raises:
        SpecError: for a name that is not one letter or a Greek letter, or one the layer already uses.
    """
    if text == FULL:
        return ""
    name = text.removeprefix("\\")
    if not (len(name) == 1 and name.isascii() and name.isalpha()) and name not in GREEK:
        raise SpecError(f"upstream symbol {shown(text)} is not valid: give one letter such as g, a Greek letter "
                        f"such as delta, or {FULL} for the full fraction")
    if name in taken:
        raise SpecError(f"upstream symbol {shown(text)} is not valid: the document already writes {name} for "
                        f"another tensor ({', '.join(sorted(taken))}); choose another letter")
    return name if len(name) == 1 else "\\" + name


def short_names(derivation: Derivation, symbol: str) -> dict:
    """Every symbol's LaTeX, those of the upstream gradients (the dL/d tensors later entries read) written
    with `symbol`: g_{1,1}, \\delta^{[2](1)}_{1,1}; unchanged for "" (the full fraction)."""
    names = dict(derivation.latex_names)
    if not symbol:
        return names
    # The gradients of layers' outputs and each reader's part of them; not those of a batch mean or a
    # normalized input, whose own letters (mu, x-hat) stay, written dL/dmu on one line.
    # (A part of the network input's gradient is written (dL/dx)_{<- l}, which the pattern leaves alone.)
    shortened = {f"dL/d{r.output}" for r in derivation.records} | {t.name for t in derivation.parts()}
    for tensor in derivation.tensors:
        if tensor.symbols is None:
            continue
        if tensor.name in shortened:
            for s in tensor.symbols:
                found = _GRADIENT.match(names[s])
                if found:
                    names[s] = symbol + found.group("rest")
        elif tensor.name.startswith("dL/d"):  # a step's gradient inside a sum: one line high, not a tall fraction
            for s in tensor.symbols:
                found = _FRACTION.match(names[s])
                if found:
                    names[s] = rf"\partial L / \partial {found.group('of')}"
    return names
