"""Symbol tensors with identifier-safe names, their LaTeX names and the order people write them in."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from sympy import Symbol

# Order of roles inside a written term and a written sum: the bias first (y = b + ...), then the
# upstream gradient ("upstream times local"), then the input, then the kernel.
ROLE_RANK = {"bias": 0, "upstream": 1, "input": 2, "kernel": 3, "output": 4}


def latex_base(name: str) -> str:
    """One letter prints as itself; a longer name as one italic word, not a product of letters."""
    if len(name) == 1 or name.startswith(("\\", "{")):  # a letter, or LaTeX already (\gamma, {\sigma^2})
        return name
    return rf"\mathit{{{name}}}"


def _sub(idx: tuple[int, ...]) -> str:
    return ",".join(str(i) for i in idx)


@dataclass(frozen=True)
class SymbolTensor:
    """A tensor of fresh symbols, flat in row-major order, with their LaTeX names and sort keys.

    Symbol names are Python identifiers (x_1_2_3: channel 1, row 2, column 3, all 1-based), so that
    generated code never has to rename them; people read the LaTeX names.
    """

    role: str
    shape: tuple[int, ...]
    symbols: tuple[Symbol, ...]
    latex: dict[Symbol, str]
    keys: dict[Symbol, tuple]


def make_tensor(role: str, prefix: str, shape: tuple[int, ...], latex_of) -> SymbolTensor:
    """Symbols named prefix_i_j_..., with `latex_of(index)` giving each LaTeX name (1-based index)."""
    symbols, latex, keys = [], {}, {}
    rank = ROLE_RANK[role]
    for idx in product(*(range(1, n + 1) for n in shape)):
        sym = Symbol(f"{prefix}_{'_'.join(map(str, idx))}")
        symbols.append(sym)
        latex[sym] = latex_of(idx)
        keys[sym] = (rank, idx)
    return SymbolTensor(role, shape, tuple(symbols), latex, keys)


def entry_latex(base: str, idx: tuple[int, ...], channels: int) -> str:
    """x_{i,j} with one channel, x^{(c)}_{i,j} with several (c is the first `channels` indices)."""
    head = latex_base(base)
    if channels:
        head += f"^{{({_sub(idx[:channels])})}}"
    return f"{head}_{{{_sub(idx[channels:])}}}"


def upstream_latex(entry: str) -> str:
    r"""\frac{\partial L}{\partial y_{r,s}} for the entry's LaTeX name."""
    return rf"\frac{{\partial L}}{{\partial {entry}}}"
