"""Figures as data: grids of labelled, coloured cells that a layer kind draws and the renderers print."""

from __future__ import annotations

from dataclasses import dataclass

MAX_CELLS = 16  # a grid wider or taller than this is described in words instead


@dataclass(frozen=True)
class Label:
    """A cell's label: a name with a subscript (x with 1,2) and a superscript ([1]), or nothing."""

    base: str = ""
    sub: str = ""
    sup: str = ""

    def latex(self) -> str:
        if not self.base:
            return ""
        sup = f"^{{{self.sup}}}" if self.sup else ""
        return f"${self.base}{sup}" + (f"_{{{self.sub}}}$" if self.sub else "$")


@dataclass(frozen=True)
class Grid:
    """A grid of labelled, coloured cells, row 0 at the top, with a caption and a legend.

    Fill roles: pad, copy, cell, window, second, both, hit, chosen (the renderers colour them).
    """

    name: str  # used for the SVG's file name
    rows: int
    cols: int
    cells: tuple[tuple[int, int, Label, str], ...]  # (row, col, label, fill role)
    caption: str
    legend: tuple[tuple[str, str], ...]  # (fill role, text)
    shows: str = ""  # what the text says the figure shows: "Figure 2 shows {shows}."
    marks: tuple[tuple[int, int, Label], ...] = ()  # a second, small label in a cell's lower right corner


def example_values(h: int, w: int) -> list[int]:
    """Deterministic example numbers 0-9 for an h x w channel, row-major, with some ties."""
    return [(3 * i + 7 * j + (i * j) % 4) % 10 for i in range(h) for j in range(w)]


MAX_UNITS = 6  # a dense layer with more inputs or outputs than this is not drawn unit by unit


@dataclass(frozen=True)
class Graph:
    """A dense layer's units as two columns, every input joined to every output, the edges of one unit
    highlighted, each with its weight: what a layer kind draws for its connections.

    `left` are the input units top to bottom, `right` the output units; `chosen` the highlighted edges as
    (left index, right index, the weight's label); `unit` (0-based, "left" or "right", index) the unit whose
    edges they are.
    """

    name: str  # used for the SVG's file name
    left: tuple[Label, ...]
    right: tuple[Label, ...]
    chosen: tuple[tuple[int, int, Label], ...]
    unit: tuple[str, int]
    caption: str
    legend: tuple[tuple[str, str], ...]
    shows: str = ""
