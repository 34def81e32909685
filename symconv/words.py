"""Prose with typeset math: text whose math is written between $ signs, and the small pieces of it
every kind writes (a count with its noun, a size, an entry's name)."""

from __future__ import annotations


def plural(n: int, noun: str) -> str:
    """1 channel, 2 channels; 1 entry, 3 entries."""
    if n == 1:
        return f"{n} {noun}"
    return f"{n} {noun[:-1]}ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else f"{n} {noun}s"


def size(*dims: int) -> str:
    r"""A size as math: $3 \times 4$, $1 \times 8 \times 8$; a single number as itself."""
    return "$" + r" \times ".join(map(str, dims)) + "$"


# What a loss layer outputs, in a network's table and beside its box in the network figure: the scalar loss, not
# the shape of the vector it reads or of a stage it computes on the way (the softmax's probabilities).
LOSS_OUTPUT = "$L$ (a scalar)"


def output_of(layer, shape: tuple[int, ...]) -> str:
    """A layer's output as the table and the network figure write it: its shape, or a loss layer's $L$."""
    return LOSS_OUTPUT if layer.is_loss else size(*shape)


def spacing(pair: tuple[int, int]) -> str:
    r"""A stride, padding or dilation as math: $2$ when both axes agree, else $2 \times 1$ (rows, columns)."""
    return f"${pair[0]}$" if pair[0] == pair[1] else size(*pair)


def per_axis(pair: tuple[int, int]) -> str:
    r"""A stride or dilation in a settings table, which a size's $1 \times 1$ would read as: $1$ (rows and
    columns) when both axes agree, else rows $1$, columns $2$."""
    return f"${pair[0]}$ (rows and columns)" if pair[0] == pair[1] else f"rows ${pair[0]}$, columns ${pair[1]}$"


def padding_per_side(pair: tuple[int, int]) -> str:
    r"""A padding the same at both ends of each axis, in a settings table and in prose: $0$, $1$ on every side,
    or $1$ top and bottom, $2$ left and right (never $1 \times 2$, a size)."""
    rows, cols = pair
    if rows == cols:
        return "$0$" if rows == 0 else f"${rows}$ on every side"
    return f"${rows}$ top and bottom, ${cols}$ left and right"


def entry(letter: str, sup: str, *index: int) -> str:
    """An entry's name as math: $x_{2,2}$, $a^{[1]}_{1,2}$."""
    sup = f"^{{{sup}}}" if sup else ""
    return f"${letter}{sup}_{{{','.join(map(str, index))}}}$"


def matrix_name(letter: str, sup: str = "") -> str:
    r"""The name of a whole tensor from its entries' letter: K for k, F for F, \mathit{Xin} for Xin, with
    a superscript if given (A^{[2](1)})."""
    whole = letter.upper() if len(letter) == 1 else rf"\mathit{{{letter}}}"
    return f"{whole}^{{{sup}}}" if sup else whole


def split(text: str) -> list[tuple[bool, str]]:
    """(is math, piece) of a text whose math is between $ signs.

    Raises:
        ValueError: for an odd number of $ (a sentence that opens math and never closes it).
    """
    parts = str(text).split("$")
    if len(parts) % 2 == 0:
        raise ValueError(f"unbalanced $ in {text!r}")
    return [(n % 2 == 1, part) for n, part in enumerate(parts) if part]
