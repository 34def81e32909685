"""Math typed in Unicode, as people write it on a laptop or a phone: ∂L/∂w₁₂ = δ₁ · x₂, Σₖ, ⊙, Wᵀ, ½.

Each symbol becomes the LaTeX the grader reads (∂ is \\partial, a run of subscript characters a subscript,
ᵀ a transpose), before anything else reads the notes; a line keeps its number. Symbols with no meaning in a
claim (ℝ in "x ∈ ℝ³") are left as they are, for the prose.
"""

from __future__ import annotations

import re

_SYMBOLS = {
    "∂": r"\partial ", "∇": r"\nabla ", "Σ": r"\sum ", "∑": r"\sum ", "Π": r"\prod ", "∏": r"\prod ",
    "⊙": r" \odot ", "∘": r" \odot ", "·": r" \cdot ", "⋅": r" \cdot ", "×": r" \times ", "∗": "*", "⋆": r" \star ",
    "−": "-", "–": "-", "≤": r" \le ", "≥": r" \ge ", "≠": r" \neq ", "≈": r" \approx ", "∈": r" \in ",
    "→": r" \to ", "←": r" \leftarrow ", "′": "'", "″": "''", "½": r"\frac{1}{2}", "¼": r"\frac{1}{4}",
    "∞": r"\infty ", "…": r"\dots ", "⋯": r"\cdots ",
}
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon", "η": "eta",
          "θ": "theta", "λ": "lambda", "μ": "mu", "σ": "sigma", "τ": "tau", "φ": "phi", "ϕ": "phi", "ω": "omega",
          "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Φ": "Phi", "Ω": "Omega", "ξ": "xi", "ρ": "rho", "ν": "nu",
          "κ": "kappa", "ψ": "psi", "χ": "chi", "ζ": "zeta", "π": "pi"}
_SUBSCRIPT = dict(zip("₀₁₂₃₄₅₆₇₈₉ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ₊₋₌₍₎", "0123456789aeoxhklmnpstijruv+-=()"))
_SUPERSCRIPT = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹ⁱⁿᵀ⁺⁻⁽⁾ˡ", "0123456789inT+-()l"))
_RUN = re.compile("([" + "".join(_SUBSCRIPT) + "]+)|([" + "".join(_SUPERSCRIPT) + "]+)")
_ANY = re.compile("[" + re.escape("".join(_SYMBOLS) + "".join(_GREEK) + "".join(_SUBSCRIPT) + "".join(_SUPERSCRIPT))
                  + "⇉⇶]")
# →b, ⇉W, ⇶I (Straka's NPFL114 slides): an arrow written before a name marks it a vector, a matrix, a tensor, as
# \vec and \mathbf do; an arrow between two names (f: X→Y) still maps one to the other
_MARKED = re.compile(r"([→⇉⇶])(?=[A-Za-z])")


def from_unicode(text: str) -> str:
    """The text with its Unicode math written as LaTeX (the same text when it has none)."""
    if not _ANY.search(text):
        return text
    text = _RUN.sub(lambda m: (f"_{{{''.join(_SUBSCRIPT[c] for c in m[1])}}}" if m[1]
                               else f"^{{{''.join(_SUPERSCRIPT[c] for c in m[2])}}}"), text)
    text = _MARKED.sub(lambda m: r"\mathbf " if m[1] != "→" else m[1] if re.search(
        r"[A-Za-z0-9)}\]]\s*$", text[max(0, m.start() - 40):m.start()]) else r"\vec ", text)
    text = "".join(_SYMBOLS.get(c, c) for c in text)
    # \delta_k, \sigma'(z): a space after the command only where a letter follows it
    return re.sub("[" + "".join(_GREEK) + "](?=([A-Za-z0-9]?))",
                  lambda m: rf"\{_GREEK[m[0]]}" + (" " if m[1] else ""), text)
