"""Figures of a network: the chain of layers with their shapes, and the switches of max pooling.

The switch figure fills one channel with example numbers and marks, in each window, the entry the
gradient goes to, found with the same windows (rules.pool_windows) and the same rule (the first
maximum in row-major order) as the derivation's switch.
"""

from __future__ import annotations

import textwrap
from html import escape

from ..layers import Pool
from ..network import NetworkSpec
from ..rules import pool_windows
from .figures import FILLS, MAX_CELLS, Grid, Label
from .templating import escape_latex

BOX_W = 10.5  # cm, the width of a layer's box in the LaTeX diagram


def example_values(h: int, w: int) -> list[int]:
    """Deterministic example numbers 0-9 for an h x w channel, row-major, with some ties."""
    return [(3 * i + 7 * j + (i * j) % 4) % 10 for i in range(h) for j in range(w)]


def switch_figure(layer: Pool, shape_in: tuple[int, ...], shape_out: tuple[int, ...], number: int) -> Grid | None:
    """Channel 1 of a max-pooling layer's input, at example numbers, each window's switch marked."""
    _, h, w = shape_in
    if layer.kind != "max" or h > MAX_CELLS or w > MAX_CELLS:
        return None
    values = example_values(h, w)
    windows = pool_windows(layer, (1, h, w), (1, *shape_out[1:]))
    role = {n: "cell" for n in range(h * w)}
    for number, cells in enumerate(windows):
        for n, _, _ in cells:
            if role[n] == "cell":
                role[n] = "window" if (number + (number // shape_out[2]) % 2) % 2 == 0 else "second"
    for cells in windows:
        best = max(cells, key=lambda cell: (values[cell[0]], -cells.index(cell)))  # first maximum, row-major
        role[best[0]] = "chosen"
    cells = tuple((n // w, n % w, Label(str(values[n]), ""), role[n]) for n in range(h * w))
    caption = (f"The switches of layer {number} at example values (channel 1): each window is shaded, and its "
               "upstream gradient goes to the marked entry, its first maximum in row-major order; "
               "every other entry gets 0 from that window.")
    legend = (("window", "a window"), ("second", "the next window"), ("chosen", "the switch: the first maximum"))
    return Grid(f"switch-layer-{number}", h, w, cells, caption, legend)


def chain_steps(net: NetworkSpec, describe) -> list[tuple[str, str]]:
    """(what, shape after it) for the input and each layer, as the diagram lists them."""
    shapes = net.shapes
    steps = [("input x", " x ".join(map(str, net.input)))]
    for l, layer in enumerate(net.layers, start=1):
        steps.append((f"layer {l}: {describe(layer)}", " x ".join(map(str, shapes[l]))))
    return steps


def chain_latex(steps: list[tuple[str, str]]) -> str:
    """The layers top to bottom, one framed box each, arrows between them, each with its output shape."""
    rows = []
    for n, (what, shape) in enumerate(steps):
        if n:
            rows.append(r"$\big\downarrow$ & \\")
        rows.append(rf"\fcolorbox{{black!60}}{{blue!8}}{{\parbox{{{BOX_W}cm}}{{\centering\strut {escape_latex(what)}}}}}"
                    rf" & {escape_latex(shape)} \\")
    return "\\begin{tabular}{@{}c@{\\quad}l@{}}\n" + "\n".join(rows) + "\n\\end{tabular}"


def chain_svg(steps: list[tuple[str, str]]) -> str:
    """The same chain as an SVG for Markdown and HTML; a long description wraps inside its box."""
    box_w, line_h, gap, shape_w = 460, 17, 22, 120
    mid, fill = box_w / 2, FILLS["window"][1]
    # 14px serif averages under 7.5px a character: 54 of them fit the box with a margin.
    lines = [textwrap.wrap(what, 54) or [""] for what, _ in steps]
    heights = [13 + line_h * len(text) for text in lines]
    height = sum(heights) + gap * (len(steps) - 1) + 2
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{box_w + shape_w + 12}" height="{height}" '
           f'viewBox="0 0 {box_w + shape_w + 12} {height}" font-family="serif" font-size="14">']
    y = 1
    for n, ((_, shape), text, box_h) in enumerate(zip(steps, lines, heights)):
        if n:
            out.append(f'<line x1="{mid}" y1="{y - gap}" x2="{mid}" y2="{y - 4}" stroke="#333" stroke-width="2"/>')
            out.append(f'<path d="M {mid - 5} {y - 9} L {mid} {y - 1} L {mid + 5} {y - 9} z" fill="#333"/>')
        out.append(f'<rect x="1" y="{y}" width="{box_w}" height="{box_h}" rx="6" fill="{fill}" stroke="#555"/>')
        for k, line in enumerate(text):
            out.append(f'<text x="{mid}" y="{y + 20 + k * line_h}" text-anchor="middle">{escape(line)}</text>')
        out.append(f'<text x="{box_w + 10}" y="{y + 20}">{escape(shape)}</text>')
        y += box_h + gap
    out.append("</svg>")
    return "\n".join(out) + "\n"
