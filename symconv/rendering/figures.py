"""Figures as LaTeX pictures and SVG: the grids layer kinds draw (symconv.figure), and the network's chain.

A kind draws its grids from its own index map or windows, so a figure cannot disagree with the formulas.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from html import escape

from ..figure import Graph, Grid
from ..words import split
from .templating import rich_latex

# The little math figures write (entries, sizes, partial derivatives) as SVG text: symbols as
# Unicode, sub- and superscripts as shifted smaller text.
_SYMBOLS = {r"\times": "×", r"\partial": "∂", r"\,": " ", r"\ ": " ", r"\cdot": "·"}
_SCRIPT = re.compile(r"([_^])\{([^{}]*)\}|([_^])(\w)")


def svg_math(latex: str) -> str:
    r"""A simple LaTeX formula ($x_{2,2}$, $a^{[1]}_{1,2}$, $3 \times 4$) as SVG text with tspans."""
    for command, symbol in (*_SYMBOLS.items(), *_GREEK.items()):
        latex = latex.replace(command, symbol)
    italic = lambda text: f'<tspan font-style="italic">{escape(text)}</tspan>' if text else ""
    out, last = [], 0
    for match in _SCRIPT.finditer(latex):
        out.append(italic(latex[last:match.start()]))
        kind, body = match.group(1) or match.group(3), match.group(2) if match.group(1) else match.group(4)
        shift = "sub" if kind == "_" else "super"
        out.append(f'<tspan baseline-shift="{shift}" font-size="70%">{escape(body)}</tspan>')
        last = match.end()
    out.append(italic(latex[last:]))
    return "".join(out).replace("{", "").replace("}", "")


def svg_text(text: str) -> str:
    """Prose with $math$ as SVG text."""
    return "".join(svg_math(part) if math else escape(part) for math, part in split(text))

BOX_W = 12.0  # cm, the width of a layer's box in the LaTeX diagram

# Fill colours by role: xcolor expressions (LaTeX) and their SVG equivalents.
FILLS = {
    "pad": ("black!8", "#ebebeb"),
    "copy": ("yellow!30", "#fbf1b3"),  # padding that copies an input entry (reflect, replicate, circular)
    "cell": ("white", "#ffffff"),
    "window": ("blue!22", "#c7cff5"),
    "second": ("orange!35", "#fbd3a6"),
    "both": ("violet!30", "#d7b8e6"),
    "hit": ("green!25", "#c4ecc4"),
    "chosen": ("red!55", "#e87070"),
}


# The sizes a grid's labels (and corner marks) are set in, largest first: (text size, baseline skip, the
# size of its sub- and superscripts) in pt, absolute, so that the single layer's 11pt document and a
# network's 10pt one print them alike (LaTeX's math sizes: 10pt text has 7pt scripts, 9pt and 8pt 6pt,
# 7pt 5pt). A grid takes the largest whose labels fit its cells: 10pt, as the text's own math, unless a
# grid of many columns leaves its cells too narrow.
LABEL_SIZES = ((10, 12, 7), (9, 11, 6), (8, 10, 6), (7, 8, 5))
PT_CM = 2.54 / 72.27  # cm per TeX point


def _letters(base: str) -> int:
    """How many glyphs a label's letter part has: a command (\\delta) is one."""
    return 1 if base.startswith("\\") else len(base)


def _label_cm(label, size: float, script: float) -> float:
    """About how wide a label sets in LaTeX at `size` pt with `script` pt scripts: its letters (about 0.6 of
    the size each), then its superscript over its subscript (a digit is half the script size)."""
    return PT_CM * (0.6 * size * _letters(label.base) + 0.52 * script * max(len(label.sup), len(label.sub)))


def _label_high_cm(label, size: float) -> float:
    """About how tall a label sets, from the top of its superscript (or letter) to the foot of its subscript."""
    return PT_CM * size * (1.3 if label.sup else 1.0)


def label_size(grid: Grid, least_cm: float = 0.75) -> tuple[tuple[int, int, int], float]:
    """The size its labels are set in (one of LABEL_SIZES) and the cell's side in cm: the largest size whose
    labels, and corner marks under them, fit a cell that keeps the grid within the text width."""
    labels = [label for *_, label, _ in grid.cells if label.base]
    marks = [mark for *_, mark in grid.marks if mark.base]
    cap = 16.0 / max(grid.cols, 1)  # the grid stays within the text width
    for n, (size, skip, script) in enumerate(LABEL_SIZES):
        wide = max((_label_cm(label, size, script) for label in labels + marks), default=0.0) + 0.2
        high = 0.0
        if marks:  # a label over a corner mark: both, and a margin above, between and below
            high = (max((_label_high_cm(label, size) for label in labels), default=0.0)
                    + max(_label_high_cm(mark, size) for mark in marks) + 0.3)
        cell = round(max(least_cm, wide, high), 2)
        if cell <= cap or n == len(LABEL_SIZES) - 1:
            return (size, skip, script), min(cell, cap)
    raise AssertionError("unreachable")


def _font(size: tuple[int, int, int]) -> str:
    return rf"\fontsize{{{size[0]}}}{{{size[1]}}}\selectfont"


TEXT_CM = 17.0  # the text width of the PDF (A4, 2 cm margins)
LEGEND_CM = 4.5  # the least width a legend beside its grid gets; with less it goes below


def picture(grid: Grid, cell_cm: float = 0.75) -> str:
    r"""The grid in LaTeX's own picture environment (no TikZ: it costs pdflatex half a second to load),
    cells at least cell_cm wide (wider for long labels, so that none overprints its neighbour or its
    corner mark), coloured with xcolor, with its legend beside it where that leaves the legend at least
    LEGEND_CM, else below it."""
    parts = picture_parts(grid, cell_cm)
    if parts.legend:
        return (rf"\begin{{minipage}}[c]{{{parts.width:.2f}cm}}" "\n" + parts.grid + "\n" r"\end{minipage}\hspace{0.6cm}"
                rf"\begin{{minipage}}[c]{{{parts.side:.2f}cm}}\small" "\n" + parts.legend + r"\end{minipage}")
    return parts.grid


@dataclass(frozen=True)
class Parts:
    """A grid's picture for LaTeX: the grid (with its legend below when `legend` is ""), its width, and the
    legend to set beside it in a column `side` cm wide, where the caption may go too."""

    grid: str
    width: float
    legend: str = ""
    side: float = 0.0


def picture_parts(grid: Grid, cell_cm: float = 0.75) -> Parts:
    """The grid's picture and, where it leaves the legend at least LEGEND_CM, the legend to set beside it."""
    size, cell_cm = label_size(grid, cell_cm)
    beside = TEXT_CM - grid.cols * cell_cm - 1.0  # less the gap and some slack
    if grid.legend and beside >= LEGEND_CM:
        side = min(beside, 11.0)  # the caption goes under the legend: wide, it takes few lines
        rows = " \\\\[2pt]\n".join(rf"{_swatch(role)} & {rich_latex(text)}" for role, text in grid.legend)
        legend = (rf"\begin{{tabular}}{{@{{}}l@{{\hspace{{0.25cm}}}}p{{{side - 0.75:.2f}cm}}@{{}}}}" "\n" + rows
                  + "\n" r"\end{tabular}")
        return Parts(_grid(grid, cell_cm, size, 0.0), grid.cols * cell_cm, legend, side)
    return Parts(_grid(grid, cell_cm, size, 0.8 * len(grid.legend), below=True), grid.cols * cell_cm)


def _swatch(role: str) -> str:
    """A legend's colour, framed as the grid's cells are."""
    return (r"\setlength{\unitlength}{1cm}\begin{picture}(0.45,0.45)"
            rf"\put(0,0){{\textcolor{{{FILLS[role][0]}}}{{\rule{{0.45cm}}{{0.45cm}}}}}}"
            r"\put(0,0){\textcolor{black!40}{\framebox(0.45,0.45){}}}\end{picture}")


def _grid(grid: Grid, cell_cm: float, size: tuple[int, int, int], legend_h: float, below: bool = False) -> str:
    """The grid's picture, its labels and corner marks set at `size` (one of LABEL_SIZES), with room for its
    legend below (legend_h cm) when `below`."""
    lines = [rf"\setlength{{\unitlength}}{{{cell_cm}cm}}"]
    if below:
        lines.append(rf"\begin{{picture}}({grid.cols},{grid.rows + legend_h / cell_cm + 0.3:.2f})"
                     rf"(0,{-legend_h / cell_cm - 0.3:.2f})")
    else:
        lines.append(rf"\begin{{picture}}({grid.cols},{grid.rows})")
    box = rf"{cell_cm}cm"
    marked = {(r, c) for r, c, _ in grid.marks}
    font = _font(size)
    depth = 0.3 * size[2] * PT_CM / cell_cm  # a corner mark's subscript hangs below its baseline: kept in its cell
    for r, c, label, role in grid.cells:
        x, y = c, grid.rows - 1 - r
        lines.append(rf"\put({x},{y}){{\textcolor{{{FILLS[role][0]}}}{{\rule{{{box}}}{{{box}}}}}}}")
        lines.append(rf"\put({x},{y}){{\textcolor{{black!40}}{{\framebox(1,1){{}}}}}}")
        if (r, c) in marked and label.base:  # its top near the cell's, over the corner mark at the foot
            lines.append(rf"\put({x + 0.5},{y + 0.9}){{\makebox(0,0)[t]{{{font} {label.latex()}}}}}")
        elif label.base:
            lines.append(rf"\put({x + 0.5},{y + 0.5}){{\makebox(0,0){{{font} {label.latex()}}}}}")
    for r, c, mark in grid.marks:
        x, y = c, grid.rows - 1 - r
        lines.append(rf"\put({x + 0.95},{y + 0.05 + depth:.2f}){{\makebox(0,0)[rb]{{{font} {mark.latex()}}}}}")
    y = -0.9 / cell_cm * 0.75
    for role, text in (grid.legend if below else ()):
        lines.append(rf"\put(0,{y:.2f}){{\textcolor{{{FILLS[role][0]}}}{{\rule{{0.45cm}}{{0.45cm}}}}}}")
        lines.append(rf"\put(0,{y:.2f}){{\textcolor{{black!40}}{{\framebox({0.45 / cell_cm:.3f},{0.45 / cell_cm:.3f}){{}}}}}}")
        lines.append(rf"\put({0.67 / cell_cm:.3f},{y + 0.225 / cell_cm:.2f}){{\makebox(0,0)[l]{{\small {rich_latex(text)}}}}}")
        y -= 0.8 / cell_cm
    lines.append(r"\end{picture}")
    return "\n".join(lines)


def _legend_px(legend) -> int:
    """About how wide the widest legend line sets in the SVG: its swatch, then 13px serif text (under 7px a
    character; sub- and superscripts smaller), so that no line is cut off at the picture's edge."""
    plain = lambda text: re.sub(r"<[^>]+>", "", svg_text(text))
    return max((round(24 + 7 * len(plain(text))) for _, text in legend), default=0)


# The SVG's labels and corner marks: letters at LETTER_PX, sub- and superscripts at SCRIPT_PX. Drawn at its own
# size (a px is 0.75pt), 10px scripts print at 7.5pt, as the PDF's 7pt.
LETTER_PX, SCRIPT_PX = 14, 10


def _label_px(label) -> float:
    """About how wide a label is in the SVG: its italic letters, then its superscript and subscript one
    after the other."""
    return 0.6 * LETTER_PX * _letters(label.base) + 0.55 * SCRIPT_PX * (len(label.sup) + len(label.sub)) + 10


def svg(grid: Grid, cell: int = 44) -> str:
    """The same grid as a standalone SVG (for Markdown and HTML); cells widen to hold the longest label
    (a^{[2]}_{1,1} in a network), and a cell with a corner mark is tall enough for both."""
    tall = any(label.sup for *_, label, _ in grid.cells) or any(mark.sup for *_, mark in grid.marks)
    cell = max(cell, round(max((_label_px(label) for *_, label, _ in grid.cells if label.base), default=0)),
               round(max((_label_px(mark) for *_, mark in grid.marks), default=0)), (62 if tall else 56) if grid.marks else 0)
    marked = {(r, c) for r, c, _ in grid.marks}
    legend_h = 26 * len(grid.legend) + 10
    width, height = max(grid.cols * cell, 420, _legend_px(grid.legend)) + 2, grid.rows * cell + legend_h + 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="serif">']
    for r, c, label, role in grid.cells:
        x, y = 1 + c * cell, 1 + r * cell
        out.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" fill="{FILLS[role][1]}" stroke="#999"/>')
        if label.base:
            # With a corner mark, the label's baseline a third of the way down, the mark's near the foot.
            base = y + (cell * 0.4 + 2 if (r, c) in marked else cell / 2 + 4)
            out.append(f'<text x="{x + cell / 2}" y="{base:g}" font-size="{LETTER_PX}" text-anchor="middle" '
                       f'font-style="italic">{_glyphs(label.base)}{_scripts(label)}</text>')
    for r, c, mark in grid.marks:
        x, y = 1 + c * cell, 1 + r * cell
        out.append(f'<text x="{x + cell - 3}" y="{y + cell - 8}" font-size="{LETTER_PX}" text-anchor="end" '
                   f'font-style="italic">{_glyphs(mark.base)}{_scripts(mark)}</text>')
    y = grid.rows * cell + 12
    for role, text in grid.legend:
        out.append(f'<rect x="1" y="{y}" width="16" height="16" fill="{FILLS[role][1]}" stroke="#999"/>')
        out.append(f'<text x="24" y="{y + 13}" font-size="13">{svg_text(text)}</text>')
        y += 26
    out.append("</svg>")
    return "\n".join(out) + "\n"



# Greek letters a cell's label may be written with (an upstream symbol such as \delta), as Unicode.
_GREEK = {"\\alpha": "α", "\\beta": "β", "\\gamma": "γ", "\\delta": "δ", "\\epsilon": "ε", "\\eta": "η",
          "\\theta": "θ", "\\lambda": "λ", "\\mu": "μ", "\\nu": "ν", "\\xi": "ξ", "\\rho": "ρ", "\\sigma": "σ",
          "\\tau": "τ", "\\phi": "φ", "\\chi": "χ", "\\psi": "ψ", "\\omega": "ω", "\\Delta": "Δ", "\\Gamma": "Γ",
          "\\Lambda": "Λ", "\\Phi": "Φ", "\\Psi": "Ψ", "\\Omega": "Ω"}


def _glyphs(base: str) -> str:
    """A label's letter as SVG text: escaped, a Greek letter's name as the letter."""
    return escape(_GREEK.get(base, base))


def _scripts(label) -> str:
    """A label's superscript, then its subscript, as tspans at SCRIPT_PX, raised and lowered from the baseline
    (each tspan's dy moves on from the one before it)."""
    sup = (f'<tspan font-size="{SCRIPT_PX}" font-style="normal" dy="-5">{escape(label.sup)}</tspan>'
           if label.sup else "")
    sub = (f'<tspan font-size="{SCRIPT_PX}" font-style="normal" dy="{9 if label.sup else 4}">{escape(label.sub)}'
           "</tspan>")
    return sup + sub


BACK = "red!70!black"  # the backward arrows' colour
# A chain's gap between two boxes: a row of its own, never pulled up into the box above (a negative skip
# there put the labels over the frames), held open by a strut 11pt above the baseline and 5pt below: room
# for a label such as a^{[1]} (about 9.5pt high) or \partial L / \partial x (2.5pt deep) with space to spare.
GAP_STRUT = r"\rule[-5pt]{0pt}{16pt}"
ARROW_DOWN = r"\big\downarrow"
ARROW_UP = r"\big\uparrow"


def chain_latex(steps: list[tuple[str, str]], arrows: list[tuple[str, str]] | None = None) -> str:
    """The layers top to bottom, one framed box each, arrows between them, each with its output shape;
    with `arrows` (per gap, the value passed down and its gradient passed back up, as math), each gap
    names its value beside the forward arrow and draws the backward arrow beside it."""
    rows = []
    for n, (what, shape) in enumerate(steps):
        if n and arrows:
            value, gradient = arrows[n - 1]
            # The gap's row is taller than its labels with their superscripts and subscripts (GAP_STRUT), so
            # that no label reaches into the frame of a box above or below.
            rows.append(rf"{GAP_STRUT}\makebox[0pt][r]{{${value}$\,}}${ARROW_DOWN}$\hspace{{1.2em}}"
                        rf"\textcolor{{{BACK}}}{{${ARROW_UP}$\makebox[0pt][l]{{\,${gradient}$}}}} & \\")
        elif n:
            rows.append(rf"${ARROW_DOWN}$ & \\")
        rows.append(rf"\fcolorbox{{black!60}}{{blue!8}}{{\parbox{{{BOX_W}cm}}{{\centering\strut {rich_latex(what)}}}}}"
                    rf" & {rich_latex(shape)} \\")
    return ("{\\setlength{\\fboxsep}{2pt}\\begin{tabular}{@{}c@{\\quad}l@{}}\n" + "\n".join(rows)
            + "\n\\end{tabular}}")


def wrap(text: str, width: int) -> list[str]:
    """Prose with $math$ in lines of about `width` characters, never breaking inside the math."""
    glue = "\x00"
    kept = "$".join(piece.replace(" ", glue) if n % 2 else piece for n, piece in enumerate(text.split("$")))
    return [line.replace(glue, " ") for line in textwrap.wrap(kept, width)] or [""]


LABEL_BELOW = 14  # px: a chain SVG's arrow labels' baseline above the box below them


def chain_svg(steps: list[tuple[str, str]], arrows: list[tuple[str, str]] | None = None) -> str:
    """The same chain as an SVG for Markdown and HTML; a long description wraps inside its box; with
    `arrows`, each gap's value beside its forward arrow and a backward arrow, in red, with its gradient."""
    box_w, line_h, shape_w = 460, 17, 120
    # With labels the gap holds them with their superscripts (a^{[1]}: about 13px above the baseline) and
    # subscripts (about 6px below) clear of both boxes: the baseline LABEL_BELOW px above the box below.
    gap = 36 if arrows else 22
    mid, fill = box_w / 2, FILLS["window"][1]
    # 14px serif averages under 7.5px a character: 54 of them fit the box with a margin.
    lines = [wrap(what, 54) for what, _ in steps]
    heights = [13 + line_h * len(text) for text in lines]
    height = sum(heights) + gap * (len(steps) - 1) + 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{box_w + shape_w + 12}" height="{height}" '
           f'viewBox="0 0 {box_w + shape_w + 12} {height}" font-family="serif" font-size="14">']
    y = 1
    for n, ((_, shape), text, box_h) in enumerate(zip(steps, lines, heights)):
        if n:
            out.append(f'<line x1="{mid}" y1="{y - gap}" x2="{mid}" y2="{y - 4}" stroke="#333" stroke-width="2"/>')
            out.append(f'<path d="M {mid - 5} {y - 9} L {mid} {y - 1} L {mid + 5} {y - 9} z" fill="#333"/>')
            if arrows:
                value, gradient = arrows[n - 1]
                back, red = mid + 24, "#a01010"
                out.append(f'<text x="{mid - 8}" y="{y - LABEL_BELOW}" text-anchor="end" font-size="12">{svg_text("$" + value + "$")}</text>')
                out.append(f'<line x1="{back}" y1="{y - 2}" x2="{back}" y2="{y - gap + 5}" stroke="{red}" stroke-width="2"/>')
                out.append(f'<path d="M {back - 5} {y - gap + 9} L {back} {y - gap + 1} L {back + 5} {y - gap + 9} z" fill="{red}"/>')
                out.append(f'<text x="{back + 8}" y="{y - LABEL_BELOW}" font-size="12" fill="{red}">{svg_text("$" + gradient + "$")}</text>')
        out.append(f'<rect x="1" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="#555"/>')
        for k, line in enumerate(text):
            out.append(f'<text x="{mid}" y="{y + 20 + k * line_h}" text-anchor="middle">{svg_text(line)}</text>')
        out.append(f'<text x="{box_w + 10}" y="{y + 20}">{svg_text(shape)}</text>')
        y += box_h + gap
    out.append("</svg>")
    return "\n".join(out) + "\n"


# A branching network's diagram: boxes of one height, straight arrows between neighbours that read
# each other, and each other edge (a skip, a second input) as a rail on the left with its own lane.
BRANCH_BOX_H, BRANCH_GAP, BRANCH_LANE = 0.75, 0.4, 0.35  # cm


def _lanes(edges: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """The edges that skip a box, each with its lane (0 nearest the boxes)."""
    skips = sorted((e for e in edges if e[1] != e[0] + 1), key=lambda e: (e[1] - e[0], e))
    return [(j, l, k) for k, (j, l) in enumerate(skips)]


def branch_latex(steps: list[tuple[str, str]], edges: list[tuple[int, int]]) -> str:
    """The layers top to bottom as a picture: a box each with its output shape beside it, an arrow down
    where a box reads the one above it, and every other edge drawn on the left, into the box that reads it."""
    lanes = _lanes(edges)
    left = BRANCH_LANE * (len(lanes) + 1)
    pitch = BRANCH_BOX_H + BRANCH_GAP
    height = len(steps) * pitch - BRANCH_GAP
    top = lambda i: height - i * pitch  # the top edge of box i
    mid = lambda i: top(i) - BRANCH_BOX_H / 2
    out = [rf"\setlength{{\unitlength}}{{1cm}}\begin{{picture}}({left + BOX_W + 3.2:.2f},{height:.2f})"]
    for i, (what, shape) in enumerate(steps):
        out.append(rf"\put({left:.2f},{top(i) - BRANCH_BOX_H:.2f}){{\fcolorbox{{black!60}}{{blue!8}}{{\makebox"
                   rf"({BOX_W - 0.2:.2f},{BRANCH_BOX_H - 0.2:.2f}){{\parbox{{{BOX_W - 0.5:.2f}cm}}{{\centering\small "
                   rf"{rich_latex(what)}}}}}}}}}")
        out.append(rf"\put({left + BOX_W + 0.2:.2f},{mid(i) - 0.1:.2f}){{{rich_latex(shape)}}}")
    for j, l in edges:
        if l == j + 1:
            out.append(rf"\put({left + BOX_W / 2:.2f},{top(j) - BRANCH_BOX_H:.2f}){{\vector(0,-1){{{BRANCH_GAP:.2f}}}}}")
    for j, l, k in lanes:
        x = left - BRANCH_LANE * (k + 1)
        out.append(rf"\put({left:.2f},{mid(j):.2f}){{\line(-1,0){{{left - x:.2f}}}}}")
        out.append(rf"\put({x:.2f},{mid(j):.2f}){{\line(0,-1){{{mid(j) - mid(l):.2f}}}}}")
        out.append(rf"\put({x:.2f},{mid(l):.2f}){{\vector(1,0){{{left - x:.2f}}}}}")
    out.append(r"\end{picture}")
    return "\n".join(out)


def branch_svg(steps: list[tuple[str, str]], edges: list[tuple[int, int]]) -> str:
    """The same diagram as an SVG for Markdown and HTML."""
    lanes = _lanes(edges)
    box_w, box_h, gap, lane, shape_w = 460, 44, 22, 16, 120
    left = lane * (len(lanes) + 1)
    width, height = left + box_w + shape_w + 12, len(steps) * (box_h + gap) - gap + 2
    top = lambda i: 1 + i * (box_h + gap)
    mid = lambda i: top(i) + box_h / 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
           'font-family="serif" font-size="14">']
    arrow = lambda x, y, d: (f'<path d="M {x - 9} {y - 5} L {x - 1} {y} L {x - 9} {y + 5} z" fill="#333"/>' if d == "right"
                             else f'<path d="M {x - 5} {y - 9} L {x} {y - 1} L {x + 5} {y - 9} z" fill="#333"/>')
    for i, (what, shape) in enumerate(steps):
        out.append(f'<rect x="{left}" y="{top(i)}" width="{box_w}" height="{box_h}" rx="6" fill="{FILLS["window"][1]}" '
                   'stroke="#555"/>')
        lines = wrap(what, 54)
        for k, line in enumerate(lines[:2]):
            out.append(f'<text x="{left + box_w / 2}" y="{top(i) + (27 if len(lines) == 1 else 18 + 17 * k)}" '
                       f'text-anchor="middle">{svg_text(line)}</text>')
        out.append(f'<text x="{left + box_w + 10}" y="{mid(i) + 5}">{svg_text(shape)}</text>')
    for j, l in edges:
        if l == j + 1:
            x = left + box_w / 2
            out.append(f'<line x1="{x}" y1="{top(j) + box_h}" x2="{x}" y2="{top(l) - 4}" stroke="#333" stroke-width="2"/>')
            out.append(arrow(x, top(l), "down"))
    for j, l, k in lanes:
        x = left - lane * (k + 1)
        out.append(f'<polyline points="{left},{mid(j)} {x},{mid(j)} {x},{mid(l)} {left - 4},{mid(l)}" fill="none" '
                   'stroke="#333" stroke-width="2"/>')
        out.append(arrow(left, mid(l), "right"))
    out.append("</svg>")
    return "\n".join(out) + "\n"


# A dense layer's connections (symconv.figure.Graph): two columns of units, every pair joined.
GRAPH_PITCH, GRAPH_LEFT, GRAPH_RIGHT = 0.9, 0.7, 5.0  # cm: between units, the columns' centres
EDGE = ("black!30", "#b3b3b3")
CHOSEN = ("green!50!black", "#2e8b2e")


def _graph_rows(graph: Graph) -> tuple[float, list[float], list[float]]:
    """The picture's height and the heights of the left and the right units' centres (cm), each column
    centred on the taller one."""
    n = max(len(graph.left), len(graph.right))
    height = n * GRAPH_PITCH
    at = lambda m: [height - GRAPH_PITCH / 2 - (i + (n - m) / 2) * GRAPH_PITCH for i in range(m)]
    return height, at(len(graph.left)), at(len(graph.right))


def _along(graph: Graph, k: int, j: int, left: list[float], right: list[float]) -> tuple[float, float]:
    """Where an edge's weight is written: near the end away from the highlighted unit, so that the labels of
    the edges that meet there stand apart."""
    t = 0.3 if graph.unit[0] == "right" else 0.7
    x1, x2 = GRAPH_LEFT + 0.45, GRAPH_RIGHT - 0.45
    return x1 + t * (x2 - x1), left[k] + t * (right[j] - left[k])


def graph_parts(graph: Graph) -> Parts:
    """The connections in LaTeX's picture environment (straight edges at any slope as \\qbezier curves with
    their control point halfway: no package needed), the legend to set beside them."""
    height, left, right = _graph_rows(graph)
    chosen = {(k, j): label for k, j, label in graph.chosen}
    lines = [r"\setlength{\unitlength}{1cm}", rf"\begin{{picture}}({GRAPH_RIGHT + 0.7:.2f},{height:.2f})"]
    x1, x2 = GRAPH_LEFT + 0.45, GRAPH_RIGHT - 0.45
    for strong in (False, True):  # the highlighted edges drawn over the others
        colour = CHOSEN[0] if strong else EDGE[0]
        thickness = r"\linethickness{1.2pt}" if strong else ""
        for k, yl in enumerate(left):
            for j, yr in enumerate(right):
                if ((k, j) in chosen) == strong:
                    # In a \put: a picture's stray spaces would shift whatever comes after them.
                    lines.append(rf"\put(0,0){{\color{{{colour}}}{thickness}\qbezier({x1:.2f},{yl:.2f})({(x1 + x2) / 2:.2f},"
                                 rf"{(yl + yr) / 2:.2f})({x2:.2f},{yr:.2f})}}")
    for column, x, units in (("left", GRAPH_LEFT, left), ("right", GRAPH_RIGHT, right)):
        for i, y in enumerate(units):
            label = (graph.left if column == "left" else graph.right)[i]
            fill = FILLS["hit"][0] if graph.unit == (column, i) else "blue!8"
            lines.append(rf"\put({x:.2f},{y:.2f}){{\makebox(0,0){{\fcolorbox{{black!60}}{{{fill}}}"
                         rf"{{\rule{{0pt}}{{9pt}}\small {label.latex()}}}}}}}")
    for (k, j), label in sorted(chosen.items()):
        x, y = _along(graph, k, j, left, right)
        lines.append(rf"\put({x:.2f},{y + 0.02:.2f}){{\makebox(0,0){{{{\setlength{{\fboxsep}}{{0.5pt}}"
                     rf"\colorbox{{white}}{{\scriptsize {label.latex()}}}}}}}}}")
    lines.append(r"\end{picture}")
    width = GRAPH_RIGHT + 0.7
    side = min(TEXT_CM - width - 1.0, 7.0)
    rows = " \\\\[2pt]\n".join(rf"{_swatch(role)} & {rich_latex(text)}" for role, text in graph.legend)
    legend = (rf"\begin{{tabular}}{{@{{}}l@{{\hspace{{0.25cm}}}}p{{{side - 0.75:.2f}cm}}@{{}}}}" "\n" + rows
              + "\n" r"\end{tabular}")
    return Parts("\n".join(lines), width, legend, side)


def graph_svg(graph: Graph) -> str:
    """The same connections as a standalone SVG (Markdown, HTML), its legend below."""
    scale = 40 / GRAPH_PITCH  # px per cm: units 40 px apart
    height, left, right = _graph_rows(graph)
    box_h = height * scale
    legend_h = 26 * len(graph.legend) + 10
    width = round((GRAPH_RIGHT + 0.7) * scale) + 2
    full = max(width, 420, _legend_px(graph.legend))
    px = lambda x: 1 + x * scale
    py = lambda y: 1 + (height - y) * scale
    chosen = {(k, j): label for k, j, label in graph.chosen}
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{full}" height="{round(box_h + legend_h) + 2}" '
           f'viewBox="0 0 {full} {round(box_h + legend_h) + 2}" font-family="serif">']
    x1, x2 = GRAPH_LEFT + 0.45, GRAPH_RIGHT - 0.45
    for strong in (False, True):
        for k, yl in enumerate(left):
            for j, yr in enumerate(right):
                if ((k, j) in chosen) == strong:
                    out.append(f'<line x1="{px(x1):.1f}" y1="{py(yl):.1f}" x2="{px(x2):.1f}" y2="{py(yr):.1f}" '
                               f'stroke="{CHOSEN[1] if strong else EDGE[1]}" stroke-width="{2 if strong else 1}"/>')
    for column, x, units in (("left", GRAPH_LEFT, left), ("right", GRAPH_RIGHT, right)):
        for i, y in enumerate(units):
            label = (graph.left if column == "left" else graph.right)[i]
            fill = FILLS["hit"][1] if graph.unit == (column, i) else FILLS["window"][1]
            out.append(f'<rect x="{px(x) - 20:.1f}" y="{py(y) - 12:.1f}" width="40" height="24" rx="4" fill="{fill}" '
                       f'stroke="#555"/>')
            out.append(f'<text x="{px(x):.1f}" y="{py(y) + 5:.1f}" font-size="13" text-anchor="middle">'
                       f'{svg_math(label.latex().strip("$"))}</text>')
    for (k, j), label in sorted(chosen.items()):
        x, y = _along(graph, k, j, left, right)
        out.append(f'<text x="{px(x):.1f}" y="{py(y) - 3:.1f}" font-size="11" text-anchor="middle" fill="{CHOSEN[1]}" '
                   f'stroke="white" stroke-width="3" paint-order="stroke">{svg_math(label.latex().strip("$"))}</text>')
    y = box_h + 12
    for role, text in graph.legend:
        out.append(f'<rect x="1" y="{y:.0f}" width="16" height="16" fill="{FILLS[role][1]}" stroke="#999"/>')
        out.append(f'<text x="24" y="{y + 13:.0f}" font-size="13">{svg_text(text)}</text>')
        y += 26
    out.append("</svg>")
    return "\n".join(out) + "\n"
