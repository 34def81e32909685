"""Figures drawn from the layer's index map (so they cannot disagree with the formulas): LaTeX and SVG.

Two figures for a convolution layer: the padded input with the window of an output entry (and of
its right-hand neighbour, to show the stride), and the output entries that one input entry feeds,
each marked with the kernel entry through which it does.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from ..indexmap import IndexMap, padded_position
from ..spec import ConvSpec
from .templating import escape_latex

MAX_CELLS = 16  # a grid wider or taller than this is described in words instead
# Fill colours by role: xcolor expressions (LaTeX) and their SVG equivalents.
FILLS = {
    "pad": ("black!8", "#ebebeb"),
    "cell": ("white", "#ffffff"),
    "window": ("blue!22", "#c7cff5"),
    "second": ("orange!35", "#fbd3a6"),
    "both": ("violet!30", "#d7b8e6"),
    "hit": ("green!25", "#c4ecc4"),
    "chosen": ("red!55", "#e87070"),
}


@dataclass(frozen=True)
class Label:
    """A cell's label: a name with a subscript (x with 1,2), or nothing."""

    base: str = ""
    sub: str = ""

    def latex(self) -> str:
        return f"${self.base}_{{{self.sub}}}$" if self.base else ""


@dataclass(frozen=True)
class Grid:
    """A grid of labelled, coloured cells, row 0 at the top, with a caption and a legend."""

    name: str  # used for the SVG's file name
    rows: int
    cols: int
    cells: tuple[tuple[int, int, Label, str], ...]  # (row, col, label, fill role)
    caption: str
    legend: tuple[tuple[str, str], ...]  # (fill role, text)


def window_figure(spec: ConvSpec) -> Grid | None:
    """The padded input (one channel) with the taps of output (1, 1) and (1, 2) marked."""
    (ph, pw), (h, w) = spec.padding, spec.input
    rows, cols = h + 2 * ph, w + 2 * pw
    if rows > MAX_CELLS or cols > MAX_CELLS:
        return None
    (sh, sw), (dh, dw), (kh, kw) = spec.stride, spec.dilation, spec.kernel
    window = lambda r, s: {(padded_position(r, p, sh, dh), padded_position(s, q, sw, dw))
                           for p in range(kh) for q in range(kw)}
    first = window(0, 0)
    second = window(0, 1) if spec.output[1] > 1 else set()
    base = spec.names.input
    cells = []
    for r in range(rows):
        for c in range(cols):
            inside = ph <= r < ph + h and pw <= c < pw + w
            label = Label(base, f"{r - ph + 1},{c - pw + 1}") if inside else Label()
            role = "both" if (r, c) in first and (r, c) in second else (
                "window" if (r, c) in first else "second" if (r, c) in second else "cell" if inside else "pad")
            cells.append((r, c, label, role))
    out = spec.names.output
    legend = [("window", f"the window of {out}(1,1)"), ("pad", "zero padding")]
    if second:
        legend.insert(1, ("second", f"the window of {out}(1,2), {sw} column(s) further (the stride)"))
        if first & second:
            legend.insert(2, ("both", "in both windows"))
    caption = (f"The padded input ({rows} x {cols}) of one channel. The kernel's {kh} x {kw} taps are "
               f"{dh} row(s) and {dw} column(s) apart (the dilation); stride {sh} x {sw}.")
    return Grid("window", rows, cols, tuple(cells), caption, tuple(legend))


def feeds_figure(spec: ConvSpec) -> Grid | None:
    """The output grid, with the entries that one input entry feeds, each marked with the kernel entry."""
    (ho, wo), (h, w) = spec.output, spec.input
    if ho > MAX_CELLS or wo > MAX_CELLS:
        return None
    i, j = (h - 1) // 2, (w - 1) // 2  # the input entry nearest the middle (0-based)
    index = IndexMap(spec)
    rows = {r: index.kernel_row(p) for r, p, ii in index.rows if ii == i}
    cols = {s: index.kernel_col(q) for s, q, jj in index.cols if jj == j}
    kernel, out = spec.names.kernel, spec.names.output
    cells = []
    for r in range(ho):
        for s in range(wo):
            if r in rows and s in cols:
                cells.append((r, s, Label(kernel, f"{rows[r] + 1},{cols[s] + 1}"), "hit"))
            else:
                cells.append((r, s, Label(out, f"{r + 1},{s + 1}"), "cell"))
    name = f"{spec.names.input}({i + 1},{j + 1})"
    caption = (f"The output ({ho} x {wo}): the entries that read input entry {name} show the kernel entry "
               f"through which they read it. dL/d{name} sums the upstream gradient of each times that kernel entry.")
    return Grid("feeds", ho, wo, tuple(cells), caption, (("hit", f"reads {name}; the kernel entry used"),))


def figures(spec: ConvSpec) -> list[Grid]:
    return [g for g in (window_figure(spec), feeds_figure(spec)) if g is not None]


def picture(grid: Grid, cell_cm: float = 0.75) -> str:
    r"""The grid in LaTeX's own picture environment (no TikZ: it costs pdflatex half a second to load),
    cells cell_cm wide, coloured with xcolor, with its legend below."""
    legend_h = 0.8 * len(grid.legend)
    lines = [rf"\setlength{{\unitlength}}{{{cell_cm}cm}}",
             rf"\begin{{picture}}({grid.cols},{grid.rows + legend_h / cell_cm + 0.3:.2f})(0,{-legend_h / cell_cm - 0.3:.2f})"]
    box = rf"{cell_cm}cm"
    for r, c, label, role in grid.cells:
        x, y = c, grid.rows - 1 - r
        lines.append(rf"\put({x},{y}){{\textcolor{{{FILLS[role][0]}}}{{\rule{{{box}}}{{{box}}}}}}}")
        lines.append(rf"\put({x},{y}){{\textcolor{{black!40}}{{\framebox(1,1){{}}}}}}")
        if label.base:
            lines.append(rf"\put({x + 0.5},{y + 0.5}){{\makebox(0,0){{\scriptsize {label.latex()}}}}}")
    y = -0.9 / cell_cm * 0.75
    for role, text in grid.legend:
        lines.append(rf"\put(0,{y:.2f}){{\textcolor{{{FILLS[role][0]}}}{{\rule{{0.45cm}}{{0.45cm}}}}}}")
        lines.append(rf"\put(0,{y:.2f}){{\textcolor{{black!40}}{{\framebox(0.6,0.6){{}}}}}}")
        lines.append(rf"\put(0.9,{y + 0.3:.2f}){{\makebox(0,0)[l]{{\small {escape_latex(text)}}}}}")
        y -= 0.8 / cell_cm
    lines.append(r"\end{picture}")
    return "\n".join(lines)


def svg(grid: Grid, cell: int = 40) -> str:
    """The same grid as a standalone SVG (for Markdown and HTML)."""
    legend_h = 26 * len(grid.legend) + 10
    width, height = max(grid.cols * cell, 420) + 2, grid.rows * cell + legend_h + 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="serif">']
    for r, c, label, role in grid.cells:
        x, y = 1 + c * cell, 1 + r * cell
        out.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{FILLS[role][1]}" stroke="#999"/>')
        if label.base:
            out.append(f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" font-size="12" text-anchor="middle" '
                       f'font-style="italic">{escape(label.base)}<tspan font-size="8" font-style="normal" '
                       f'dy="3">{escape(label.sub)}</tspan></text>')
    y = grid.rows * cell + 12
    for role, text in grid.legend:
        out.append(f'<rect x="1" y="{y}" width="16" height="16" fill="{FILLS[role][1]}" stroke="#999"/>')
        out.append(f'<text x="24" y="{y + 13}" font-size="13">{escape(text)}</text>')
        y += 26
    out.append("</svg>")
    return "\n".join(out) + "\n"

