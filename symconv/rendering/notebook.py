"""Jupyter displays: a derivation as its Markdown document, a tensor and a Jacobian as LaTeX, registered with IPython.

The Derivation stays a plain value: its displays live here, in the render layer, and are handed to
IPython's display formatters (registered when symconv.api is imported in a running IPython).
"""

from __future__ import annotations

import sys

from ..derivation import Derivation, Tensor
from ..vec import Jacobian
from .formats import embed_figures, render
from .latex import SymconvLatexPrinter

MAX_ENTRIES = 64  # a tensor shows this many entries in a notebook, then says how many more it has


def derivation_markdown(derivation: Derivation) -> str:
    """The derivation's Markdown document, its figures embedded (the notebook has no files beside it)."""
    files = render(derivation, ("md",)).files
    return embed_figures(files["derivation.md"].decode(), files)


def tensor_latex(tensor: Tensor) -> str:
    """A tensor's entries (or symbols, for a leaf) as one aligned display, at most MAX_ENTRIES of them."""
    names, order = tensor.latex_names or {}, tensor.order or {}
    printer = SymconvLatexPrinter(names, order)
    values = tensor.values
    rows = []
    for n in range(min(len(values), MAX_ENTRIES)):
        if tensor.entries is None:
            rows.append(printer.doprint(values[n]))
        else:
            rows.append(rf"{tensor.labels[n]} &= {printer.doprint(values[n])}")
    if len(values) > MAX_ENTRIES:
        rows.append(rf"&\text{{\ldots and {len(values) - MAX_ENTRIES} more entries}}")
    if tensor.entries is None:
        return rf"$\text{{{tensor.name}}} = \left[{', '.join(rows)}\right]$"
    return r"$$\begin{aligned}" + r" \\ ".join(rows) + r"\end{aligned}$$"


def jacobian_latex(jacobian: Jacobian) -> str:
    """d vec(of) / d vec(wrt) as one matrix, with the teaching names (x_{1,2}) and switches as indicators."""
    body = SymconvLatexPrinter(jacobian.latex_names, jacobian.order).doprint(jacobian.matrix)
    vec = r"\partial \operatorname{vec}"
    return rf"$\frac{{{vec}({jacobian.of})}}{{{vec}({jacobian.wrt})}} = {body}$"


def register(shell=None) -> bool:
    """Tell a running IPython how to show derivations and tensors; False outside IPython."""
    if shell is None:
        ipython = sys.modules.get("IPython")
        shell = ipython.get_ipython() if ipython is not None else None
    if shell is None:
        return False
    formatters = shell.display_formatter.formatters
    formatters["text/markdown"].for_type(Derivation, derivation_markdown)
    formatters["text/latex"].for_type(Tensor, tensor_latex)
    formatters["text/latex"].for_type(Jacobian, jacobian_latex)
    return True
