"""The teaching document's content, built from a Derivation, for the LaTeX and Markdown templates."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from itertools import product
from math import ceil, prod

import functools
import re

import numpy as np

from ..derivation import Derivation, Tensor, Terms, contribution
from ..numeric.reference_network import forward_backward
from ..figure import Graph, Grid
from ..example import Example, representative
from ..layers.base import DocStep
from ..layers.conv import BIAS_OBJECTIVE
from ..layers.conv_document import STAR_ONLY
from ..layers.operators import NOTATION
from ..layers.normalization import exact
from ..naming import Naming
from ..symbols import latex_base
from ..words import matrix_name, output_of, plural, size
from .layer_table import table as layer_table
from .figures import branch_latex, branch_svg, chain_latex, chain_svg, graph_parts, graph_svg, picture_parts, svg
from .example import (ROUNDING, lines as example_lines, lone_term_shown, network_steps, rounded, worked_entries,
                      zero_terms_left_out)
from .matrix_view import matrix_view
from .network_exercises import exercises as network_exercises, matrix_name_of, sheet_numbers
from .practice import practice
from .upstream import parse_symbol, short_names
from .latex import FACTOR_SEP, SymconvLatexPrinter, break_lines, join_terms, joined_lines, line_starts, width
from .templating import environment

# The text width of the PDF (A4, 2 cm margins, 11 pt) in em, less room for "=", "\quad +".
TEXT_WIDTH_EM = 42.0
INPUT_TITLE = "Gradient with respect to the input"
ENTRIES_PER_BLOCK = 24
# The worked example's room in em of its own (small, 10 pt) type, of which the text width holds 48.4: its
# matrices' width estimates are within half an em of LaTeX's (measured), and the gap between two is set
# at 2 em (a comma and a quad take 1.3).
EXAMPLE_EM = 47.0


@dataclass(frozen=True)
class Row:
    """One entry: its left-hand side and its right-hand side broken into lines (continuing a sum,
    or, for a chain of equal steps, each line a new "= ...")."""

    lhs: str
    lines: list[str]
    chain: bool = False


@dataclass(frozen=True)
class Block:
    heading: str
    rows: list[Row]


@dataclass(frozen=True)
class Section:
    """One tensor's part of the document: its words, displayed steps, figures, and its entries."""

    name: str
    title: str
    intro: str
    blocks: list[Block]
    figures: list[Figure] = field(default_factory=list)
    overview: str = ""  # LaTeX: the tensor as a matrix of entry names, before the list of their formulas
    steps: list[str] = field(default_factory=list)  # LaTeX align lines shown before the entries
    steps_title: str = ""
    formula: list[str] = field(default_factory=list)  # the general index formula (align lines)
    after: str = ""  # prose after the formula: what its terms are
    room: float = 0.0  # cm of space to work in after it (an exercise sheet's task)
    points: int = 0  # what an exercise sheet's task is worth
    steps_intro: str = ""  # prose between the steps' title and their lines: what their symbols are
    small: bool = False  # its displays set a size smaller in the PDF (the worked example's numbers: a page)
    general: list[str] = field(default_factory=list)  # the formula in symbols, for any size and setting
    general_note: str = ""  # where the general formulas' indices run, which terms exist (once per kind)
    keep: float = 0.0  # cm the PDF keeps together from its heading on (the worked example: one page), 0 for none
    figure_refs: str = ""  # the sentences that end `intro` and refer to its figures ("Figure 2 shows ...")
    items: list[str] = field(default_factory=list)  # a list after `intro`, one item each (the operators it defines)
    general_range: str = ""  # which terms of a later formula in symbols exist (the kernel's gradient, review r14 A6)
    general_symbols: str = ""  # the symbols its formula in symbols uses, defined before it (review r16 item 4)

    @property
    def shown_formula(self) -> list[str]:
        """The formula as the documents show it: the general one first, where there is one, then the same
        at this layer, each with its left-hand side (check reads the second as a claim of its own; the first,
        in symbols, it cannot evaluate)."""
        return self.general + self.formula

    @property
    def figure_room(self) -> float:
        """cm a network's heading keeps below it where its first section calls a figure: the section's words and the
        first lines after them (0 without a figure). A heading with less below it could be pushed to the next page
        after its figure, called while the heading was still on this page, was sent to the next page's top: the
        figure then stood above the heading that introduces it (review r16 item 1). The figure need not fit too: it
        may float to the next page, below the heading."""
        if not self.figures:
            return 0.0
        words = re.sub(r"\\[A-Za-z]+|[{}^_$]", "", self.intro)
        return round(0.45 * (ceil(len(words) / 95) + 1) + 1.5, 1)

    @property
    def shown_after(self) -> str:
        return " ".join(text for text in (self.general_note, self.general_range, self.after) if text)


@dataclass(frozen=True)
class Figure:
    """A figure as the templates place it: a picture for LaTeX, an SVG file for Markdown, its caption,
    and its number in the document (0 until numbered)."""

    latex: str
    svg_file: str
    svg: str
    caption: str
    shows: str = ""
    number: int = 0
    # Where the grid leaves room beside it: the legend to set there, the caption under it (LaTeX), the grid's
    # width and the column's, in cm; "" sets the legend under the grid (in `latex`) and the caption below.
    legend: str = ""
    width: float = 0.0
    side: float = 0.0


def figure(drawn: Grid | Graph | None) -> Figure | None:
    """A kind's figure (a grid of cells, or a dense layer's connections) as the templates place it."""
    if drawn is None:
        return None
    parts, image = (graph_parts(drawn), graph_svg(drawn)) if isinstance(drawn, Graph) else (picture_parts(drawn), svg(drawn))
    return Figure(parts.grid, f"figure-{drawn.name}.svg", image, drawn.caption, drawn.shows, legend=parts.legend,
                  width=parts.width, side=parts.side)


def _numbered(sections: list[Section], first: int) -> tuple[list[Section], int]:
    """Figures numbered in reading order from `first`, each referred to from its section's words."""
    out, n = [], first
    for section in sections:
        figures = []
        for drawn in section.figures:
            figures.append(replace(drawn, number=n))
            n += 1
        refs = " ".join(f"Figure {f.number} shows {f.shows}." for f in figures if f.shows)
        intro = f"{section.intro} {refs}".strip() if refs else section.intro
        out.append(replace(section, figures=figures, intro=intro, figure_refs=refs))
    return out, n


def channel_heading(shape: tuple[int, ...], index: tuple[int, ...], kernel: bool, noun: str = "channel",
                    axes: tuple[str, str] = ("output channel", "input channel")) -> str:
    """Which channel (pair) a block of entries belongs to, when there is more than one."""
    if kernel:
        return f"{axes[0]} {index[0] + 1}, {axes[1]} {index[1] + 1}" if shape[0] > 1 or shape[1] > 1 else ""
    return f"{noun} {index[0] + 1}" if shape[0] > 1 else ""


def example_heading(shape: tuple[int, ...], index: tuple[int, ...], noun: str) -> str:
    """Which example (and channel) of a batch a block of entries belongs to."""
    if len(shape) == 4 and shape[1] > 1:
        return f"example {index[0] + 1}, {noun} {index[1] + 1}"
    return f"example {index[0] + 1}" if shape[0] > 1 else ""


def epsilon(derivation: Derivation) -> dict:
    r"""{its exact value: "\epsilon"} when the network's normalizations add one epsilon (the documents state its
    value once, in the layer's words, and write the letter in every entry); {} for none, or for several."""
    found = {exact(e) for e in (r.layer.epsilon() for r in derivation.records) if e is not None}
    return {found.pop(): r"\epsilon"} if len(found) == 1 else {}


class TermPrinter:
    """LaTeX and width of each term of an entry: from the term table when the tensor has one (fast,
    and already in written order), otherwise from the SymPy expression through the printer."""

    def __init__(self, derivation: Derivation, names: dict | None = None):
        names = derivation.latex_names if names is None else names
        self.printer = SymconvLatexPrinter(names, derivation.order, epsilon(derivation))
        self.latex = [names[s] for s in derivation.symbols]
        self.width = [width(text) for text in self.latex]
        self.factor = [text + FACTOR_SEP for text in self.latex]  # a product's first factor and the space after it
        self._sizes: dict[int, tuple] = {}  # id(term table) -> (the table, each term's width with its ' + ')
        self._starts: dict[tuple[bytes, float], tuple[int, ...]] = {}  # (an entry's widths, room) -> line_starts

    def terms(self, tensor: Tensor, n: int) -> tuple[list[str], list[float] | None]:
        if tensor.terms is None:
            return self.printer.factored_terms(tensor.entries[n]), None
        t = tensor.terms
        latex, widths, factor = self.latex, self.width, self.factor
        first, second = t.first[t.start[n] : t.start[n + 1]], t.second[t.start[n] : t.start[n + 1]]
        texts = [factor[a] + latex[b] if b >= 0 else latex[a] for a, b in zip(first, second)]
        sizes = [widths[a] + widths[b] + 0.2 if b >= 0 else widths[a] for a, b in zip(first, second)]
        return texts, sizes

    def lines(self, tensor: Tensor, n: int, room: float) -> list[str]:
        """Entry n's sum broken into lines at most `room` em wide (break_lines); from a term table in
        one pass, each term's width (with its ' + ') summed in break_lines' order of additions."""
        if tensor.terms is None:
            texts, _ = self.terms(tensor, n)
            return break_lines(texts, room)
        t = tensor.terms
        lo, hi = t.start[n], t.start[n + 1]
        if lo == hi:
            return ["0"]
        latex, factor = self.latex, self.factor
        texts = [factor[a] + latex[b] if b >= 0 else latex[a] for a, b in zip(t.first[lo:hi], t.second[lo:hi])]
        sizes = self._term_sizes(t)[lo:hi]
        key = (sizes.tobytes(), room)
        starts = self._starts.get(key)
        if starts is None:
            starts = self._starts[key] = line_starts(tuple(sizes.tolist()), room)
        return joined_lines(texts, starts)

    def _term_sizes(self, terms: Terms) -> np.ndarray:
        """Every term's width in em with its ' + ' (a product's factors and the space between them), for the
        whole table at once: the same sums, in the same order, as one term at a time, (w_a + w_b + 0.2) + 1.3
        or w_a + 1.3, in doubles; an entry's slice of them is its key for line_starts."""
        found = self._sizes.get(id(terms))
        if found is None:
            widths = np.array(self.width, dtype=np.float64)
            first = np.fromiter(terms.first, dtype=np.intp, count=len(terms.first))
            second = np.fromiter(terms.second, dtype=np.intp, count=len(terms.second))
            sizes = np.where(second >= 0, widths[first] + widths[np.maximum(second, 0)] + 0.2, widths[first]) + 1.3
            found = self._sizes[id(terms)] = (terms, sizes)  # the table kept with its id, so that the id stays its own
        return found[1]


def blocks(tensor: Tensor, printer: TermPrinter, lead: int, heading, pick: list[int] | None = None) -> list[Block]:
    """The tensor's entries as rows (those at the flat positions `pick`, if given), one block per value
    of its `lead` channel axes (headed by `heading(index)`), cut into blocks so that LaTeX never has to
    typeset one enormous display."""
    out: list[Block] = []
    last = None
    chosen = None if pick is None else set(pick)
    for flat, index in enumerate(product(*(range(n) for n in tensor.shape))):
        if chosen is not None and flat not in chosen:
            continue
        title = heading(index[:lead]) if lead else ""
        lhs = tensor.labels[flat]
        row = Row(lhs, printer.lines(tensor, flat, TEXT_WIDTH_EM - width(lhs) - 4.0))
        if title != last or len(out[-1].rows) >= ENTRIES_PER_BLOCK:
            out.append(Block(title if title != last else "", []))
            last = title
        out[-1].rows.append(row)
    return out


def term_count(tensor: Tensor, printer: TermPrinter, n: int) -> int:
    """How many terms entry n's sum has (an entry that is 0 has none)."""
    if tensor.terms is not None:
        return tensor.terms.start[n + 1] - tensor.terms.start[n]
    return 0 if tensor.entries[n] == 0 else len(printer.terms(tensor, n)[0])


def tensor_blocks(tensor: Tensor, printer: TermPrinter, noun: str = "channel",
                  all_entries: bool = True, batched: bool = False,
                  axes: tuple[str, str] = ("output channel", "input channel")) -> list[Block]:
    """Blocks by channel for images (C, H, W) and by channel pair for kernels (`axes` says what their
    indices number); vectors in one run; a batch's activations by example (and channel). Without
    `all_entries`, only representative entries (the network's rules say once which: SHOWN)."""
    shape = tensor.shape
    pick = None if all_entries else representative(shape, lambda n: term_count(tensor, printer, n))
    if batched:
        found = blocks(tensor, printer, len(shape) // 2, lambda idx: example_heading(shape, idx, noun), pick)
    elif len(shape) == 4:
        found = blocks(tensor, printer, 2, lambda idx: channel_heading(shape, idx, kernel=True, axes=axes), pick)
    elif len(shape) == 3:
        found = blocks(tensor, printer, 1, lambda idx: channel_heading(shape, idx, kernel=False, noun=noun), pick)
    else:
        found = blocks(tensor, printer, 0, None, pick)
    if pick is not None:  # all in the first channel (pair), as SHOWN says once: no heading to say which
        found = [Block("", [row for block in found for row in block.rows])]
    return found


MATRIX_ROWS = 8  # a matrix of expressions taller than this reads worse than the list of its entries


def matrix_form(tensor: Tensor, symbol: str, printer: TermPrinter, vectors: bool = True) -> str:
    r"""The tensor as one matrix of its entries' expressions, "\\frac{\\partial L}{\\partial K} = [g_{1,1}
    x_{1,1} + ...]", when it has one channel (pair), every entry fits on a line and the matrix across the
    page; else "" (its entries are then listed one per line). A vector is a column, written as a transposed
    row, where that fits on one line (a tall column, unbreakable, would leave half a page empty); unless not `vectors` (a single layer's bias: one value
    per channel, b_1, b_2, is no column of a matrix). A vector of fractions (a softmax's) is listed instead:
    inside a matrix they would be set small."""
    if any(n > 1 for n in tensor.shape[:-2]) or len(tensor.shape) > 4 or len(tensor.values) == 1:
        return ""
    if len(tensor.shape) == 1 and not vectors:
        return ""
    h, w = (tensor.shape[-2:] if len(tensor.shape) >= 2 else (tensor.shape[0], 1))
    if h > (TEXT_WIDTH_EM // 2 if len(tensor.shape) == 1 else MATRIX_ROWS):  # too many to fit: listed
        return ""
    cells, widths = [], [0.0] * w
    for n in range(h * w):
        texts, sizes = printer.terms(tensor, n)
        sizes = sizes if sizes is not None else [width(t) for t in texts]
        cells.append(join_terms(texts) if texts else "0")
        widths[n % w] = max(widths[n % w], sum(sizes) + 1.3 * (len(texts) - 1) if texts else 0.5)
    if len(tensor.shape) == 1:
        if any(r"\frac" in cell for cell in cells):
            return ""
        if sum(width(cell) for cell in cells) + 1.0 * h + width(symbol) + 3 <= TEXT_WIDTH_EM:
            return rf"{symbol} = \begin{{bmatrix}} {' & '.join(cells)} \end{{bmatrix}}^{{\mathsf{{T}}}}"
        return ""
    if sum(widths) + 1.0 * w + width(symbol) + 2 > TEXT_WIDTH_EM:
        return ""
    body = r" \\ ".join(" & ".join(cells[i * w:(i + 1) * w]) for i in range(h))
    return rf"{symbol} = \begin{{bmatrix}} {body} \end{{bmatrix}}"


@dataclass(frozen=True)
class Group:
    """One layer's sections in the forward or the backward pass, under its heading (none for a single layer)."""

    title: str
    sections: list[Section]


def _symbol(tensor: Tensor, doc: DocStep, which: str, gradient: bool) -> str:
    """How the document writes a whole tensor: Y, A^{[2]}, a vector's own letter, dL/dK as a fraction."""
    letter, sup = doc.entry(which)
    symbol = matrix_name(letter, sup) if len(tensor.shape) >= 2 else latex_base(letter) + (f"^{{{sup}}}" if sup else "")
    return rf"\frac{{\partial L}}{{\partial {symbol}}}" if gradient else symbol


def _source_gradient(tensor: Tensor, doc: DocStep, k: int) -> str:
    r"""The gradient of a join's input k as a whole tensor: \frac{\partial L}{\partial A^{[6]}}, or of X."""
    letter, number, *_ = doc.sources[k]
    sup = "" if number is None else f"[{number}]"
    symbol = matrix_name(letter, sup) if len(tensor.shape) >= 2 else latex_base(letter) + (f"^{{{sup}}}" if sup else "")
    return rf"\frac{{\partial L}}{{\partial {symbol}}}"


def _switch_figures(derivation: Derivation, record, doc: DocStep, arrays: dict | None,
                    previous: DocStep | None) -> dict | None:
    """A max pooling's figure drawn at the worked example's own numbers (channel 1 of its input), with, after
    a relu, where the gradient a switch receives is stopped by it; None to draw the kind's own."""
    layer = record.layer
    if arrays is None or not layer.routes_to_maximum or record.input not in arrays or len(record.shape_in) != 3:
        return None
    plane = np.asarray(arrays[record.input])[0]
    if not np.all(plane == np.round(plane)):
        return None
    values = [int(v) for v in plane.reshape(-1)]
    drawn = layer.figures(doc, values)
    before = derivation.records[record.number - 2] if record.number > 1 else None
    if not drawn or before is None or previous is None or not before.layer.gates_at_zero or before.input not in arrays:
        return drawn
    pre = np.asarray(arrays[before.input])[0].reshape(-1)
    _, h, w = record.shape_in
    wo = record.shape_out[2]
    stopped = []
    for n, cells in enumerate(layer.windows((1, h, w), (1, *record.shape_out[1:]))):
        best = max(cells, key=lambda cell: (values[cell[0]], -cells.index(cell)))[0]
        if pre[best] <= 0:
            stopped.append((n // wo + 1, n % wo + 1, best // w + 1, best % w + 1, int(pre[best])))
    if stopped:
        channel = "(1)" if record.shape_in[0] > 1 else ""
        out_letter, out_sup = doc.entry("out")
        in_letter, in_sup = doc.entry("in")
        pre_letter, pre_sup = previous.entry("in")
        said = "; ".join(
            f"the window of ${latex_base(out_letter)}^{{{out_sup}{channel}}}_{{{r},{s}}}$ sends it to "
            f"${latex_base(in_letter)}^{{{in_sup}{channel}}}_{{{i},{j}}}$, where "
            f"${latex_base(pre_letter)}^{{{pre_sup}{channel}}}_{{{i},{j}}} = {v}$"
            for r, s, i, j, v in stopped)
        note = (f" {before.layer.describe()[:1].upper() + before.layer.describe()[1:]} stops the gradient sent to a maximum whose pre-activation "
                f"was not positive: {said}.")
        drawn = {key: [replace(grid, caption=grid.caption + note) for grid in grids] for key, grids in drawn.items()}
    return drawn


def _switches_moved(group: Group, out: list[tuple[str, Figure]]) -> Group:
    """The group without its max pooling's switch figure, which is drawn at the worked example's numbers: each is added
    to `out` with the name of the section that had it."""
    sections = []
    for section in group.sections:
        moved = [f for f in section.figures if f.svg_file.startswith("figure-switch-")]
        out.extend((section.name, f) for f in moved)
        sections.append(replace(section, figures=[f for f in section.figures if f not in moved]) if moved else section)
    return Group(group.title, sections)


def _layer_groups(derivation: Derivation, record, doc: DocStep, printer: TermPrinter, single: bool,
                  all_entries: bool, input_gradient: bool, matrices: bool, general: bool = False,
                  arrays: dict | None = None, previous: DocStep | None = None) -> tuple[Group, Group]:
    """A layer's forward section and its backward sections (parameters first, then its input unless it
    is the network's input and `input_gradient` is off), each with the kind's words, displayed steps
    and figures; a network's sections show representative entries unless `all_entries`. `arrays`, the worked
    example's tensors by name (NumPy), draw a max pooling's figure at its own numbers."""
    layer = record.layer
    words, steps = layer.words(doc), layer.steps(doc)
    drawn = _switch_figures(derivation, record, doc, arrays, previous)
    drawn = layer.figures(doc) if drawn is None else drawn
    every = single or all_entries

    said_general: list[str] = []
    axes = {p.key: p.axes for p in layer.params(record.shape_in)}
    rows = {"in", "out"} | {p.key for p in layer.params(record.shape_in) if p.per_example}  # one row per example
    batched = derivation.network.batch is not None

    def section(key: str, name: str, title: str, intro: str, gradient: bool, noun: str = "channel",
                extra: list[Block] | None = None, head: str = "", first: bool = True) -> Section:
        """The tensor's section: as one matrix of expressions where that fits, else its entries listed
        (representative ones in a network unless `all_entries`), then `extra` blocks (a loss's value)."""
        heading, lines, *said = steps.get(key, ("", []))
        tensor = derivation[name]
        # In a network, an output that only clips or moves its input's numbers (relu, flatten), or whose
        # rule gives each entry (the softmax), is said by its rule: its entries are not shown.
        # Likewise the gradient such a layer sends back (relu's mask, flatten's reshaping): its words say it.
        # A gradient whose every entry its rule's line gives is not listed either, unless every entry is asked for (a
        # handout, without `matrices`, lists entries to ask for, and keeps them too).
        quiet = not single and ((key == "out" and (not layer.example_output or "out" in layer.rule_gives))
                                or (key == "in" and not layer.example_output)
                                or (matrices and not every and not batched and key != "out" and key in layer.rule_gives))
        # A single layer shows a tensor that fits as one matrix of its expressions; a network, whose sections
        # show representative entries, only a vector that fits on a line (a transposed row).
        whole = matrices and not quiet and (single or len(tensor.shape) == 1)
        matrix = (matrix_form(tensor, head or _symbol(tensor, doc, key.lstrip("="), gradient), printer, not single)
                  if whole else "")
        if head and key == "in":  # a reader's part of a forked gradient: its formula's left side says so
            formula = [rf"\Bigl({line.split('&=')[0].strip()}\Bigr)_{{\leftarrow {record.number}}} &=" + line.split("&=", 1)[1]
                       if "&=" in line and line.split("&=")[0].strip() else line for line in words.formulas.get(key, [])]
        if not first:  # a join's second input: the kind's figures, steps and formula are its first's
            return Section(name, title, intro, [] if matrix else
                           tensor_blocks(tensor, printer, noun, every, batched and key.lstrip("=") in rows), [], matrix)
        entries = [] if matrix or quiet else tensor_blocks(tensor, printer, noun, every, batched and key.lstrip("=") in rows,
                                                               axes.get(key, ("output channel", "input channel")))
        formula = formula if head and key == "in" else words.formulas.get(key, [])
        after = words.notes.get(key, "") if formula else ""
        # The formula in symbols beside it, once per kind (the first section that has one says where its
        # indices run).
        symbols = words.general.get(key, []) if general and formula and not head else []
        if not single and key == "b" and formula and not batched:  # its formula, a sum over the channel, says it all
            entries = []
        if not single and key == "b" and symbols and len(symbols) == 1 and len(formula) == 1 and "&=" in formula[0]:
            # a network's bias: the sum at this size on the line of the sum in symbols (a line of the page that the
            # answers' page of their own needs, review r16 item 1)
            symbols = [symbols[0] + " = " + formula[0].split("&=", 1)[1].strip()]
            formula = []
        if single and key == "b" and symbols and entries:  # the bias's few entries: in the display of its formula
            formula = formula + [f"{row.lhs} &= {row.lines[0]}" + "".join(rf" \\ &\quad {line}" for line in row.lines[1:])
                                 for block in entries for row in block.rows]
            entries = []
        note, range_note = "", ""
        if symbols and not said_general:
            note = GENERAL_LEAD + " " + words.general_note
            maps = re.findall(r"\$(\\rho_[hw]\([^$]*?) = ([^$]*)\$", note) if not single else []
            if len(maps) == 2:  # the index maps in the display, whole: a line or page never breaks inside them
                for lhs, rhs in maps:
                    note = note.replace(f"${lhs} = {rhs}$", f"${lhs}$")
                note = re.sub(r"are the (input|output) row and column", r"(the display's last line) are the \1 row and column",
                              note, count=1)
                formula = formula + [rf"{maps[0][0]} &= {maps[0][1]}, \qquad {maps[1][0]} = {maps[1][1]}"]
            said_general.append(key)
        elif symbols and words.general_notes.get(key):  # a later formula in symbols: which of its terms exist
            range_note = words.general_notes[key]
        return Section(name, title, intro, entries + (extra or []), [figure(grid) for grid in drawn.get(key, [])],
                       matrix, lines, heading, formula, after, steps_intro=said[0] if said else "",
                       general=symbols, general_note=note, general_range=range_note,
                       general_symbols=words.general_symbols if note else "")

    stages = [p for p in layer.params(record.shape_in) if p.stage]
    loss = [block for p in layer.params(record.shape_in) if p.computed  # a loss's value, unless its words give it
            and (every or batched or not matrices or p.key not in layer.rule_gives)
            for block in tensor_blocks(derivation[record.params[p.key]], printer)]
    # Under a step's own heading (the output size), the entries need theirs.
    forward = section("out", record.output, "The output, entry by entry" if steps.get("out", ("",))[0] or stages else "",
                      words.forward, False, "output channel", loss)
    # Values computed on the way (a batch mean, a normalized input): each its entries, in order, under the
    # words and formula of the whole step; the output's entries last.
    before = [section(f"={p.key}", record.params[p.key], f"The {p.title}, entry by entry", "", False)
              for p in stages]
    if before:
        before[0] = replace(before[0], intro=forward.intro, formula=forward.formula, figures=forward.figures)
        forward = replace(forward, intro="", formula=[], figures=[])
    backward = []
    names = set(derivation.names())
    # Parameters first; then, for a kind with steps, their gradients from the last step back.
    for p in [p for p in layer.params(record.shape_in) if not p.stage] + stages[::-1]:
        name = f"dL/d{record.params[p.key]}"
        if name in names:
            backward.append(section(p.key, name, f"Gradient with respect to the {p.title}", words.backward.get(p.key, ""),
                                    True))
    net = derivation.network
    for k, (source, read) in enumerate(zip(net.inputs[record.number - 1], record.inputs)):
        if not (single or source > 0 or input_gradient):
            continue
        if len(net.readers(source)) > 1:  # its part of a value other layers read too
            symbol = doc.source_symbol(k)
            backward.append(section("in", contribution(read, record.number),
                                    f"Its part of the gradient with respect to ${symbol}$", words.backward.get("in", ""),
                                    True, "input channel", head=doc.source_delta(k), first=k == 0))
        else:
            title = INPUT_TITLE if len(record.inputs) == 1 else f"Gradient with respect to ${doc.source_symbol(k)}$"
            # a join's later input is named as itself, not as its first input
            head = "" if k == 0 else _source_gradient(derivation[f"dL/d{read}"], doc, k)
            backward.append(section("in", f"dL/d{read}", title, words.backward.get("in", ""), True, "input channel",
                                    head=head, first=k == 0))
    if len(backward) == 1:  # one gradient: the layer's heading says it all
        backward = [replace(backward[0], title="")]
    title = "" if single else f"Layer {record.number}: {layer.describe()}"
    return Group(title, [*before, forward]), Group(title, backward)


# Before the general formulas' note: what their two lines are. (The subscripts h and w, rows and columns, are said
# once, with the output's size: issue 24 item 5.)
# (In no size letters: a single layer's document writes H x W, a network's n_h x n_w, each defined with the output
# size just before.)
GENERAL_LEAD = ("Where a formula is written more than once, the first line, in symbols, holds for any input and kernel "
                "size, stride $S$, padding $P$ and dilation $D$; the lines after it put in this layer's sizes, and then "
                "its entries.")


SHOWN = ("For each layer the sections below write out the first entry of each tensor (channel 1, row 1, column 1) "
         "and, where it lies on an edge, an interior entry too; the others follow the same rule. A ReLU or a flatten, "
         "which only clips or moves entries, is given by its rule alone.")


INDICATOR = r"$\mathbb{1}[\cdot]$ is 1 where its condition holds and 0 elsewhere."


def _texts(section: Section) -> list[str]:
    """Every piece of text and math a section shows (its words, displays and entries)."""
    return ([section.intro, section.after, section.steps_intro, section.general_note, section.general_range,
             section.overview]
            + section.items + section.steps + section.formula + section.general
            + [line for block in section.blocks for row in block.rows for line in [row.lhs, *row.lines]])


def _rules_intro(rules: list[Section], input_gradient: bool, all_entries: bool,
                 batch: bool = False, defined: tuple[str, ...] = ()) -> tuple[str, list[str], str]:
    """The words before a network's rules, which sum up the derivation after it: what they are, and what each
    symbol of them means (a list, one item per symbol: a lecturer could not find the rules in one paragraph of eight
    definitions; those the text `defined` before, by their marks, are not said again); and, said before the forward
    pass, what the sections show."""
    if not rules:
        return "", [], ""
    text = " ".join(line for section in rules if not section.items for line in section.formula)
    # the general forms' operators join the list (one list of symbols: full_D covers full)
    extra = [item for section in rules for item in section.items]
    said = [words for mark, words in NOTATION if mark in text and mark not in defined
            and not (extra and mark in (r"\operatorname{full}", r"\operatorname{crop}"))] + extra
    intro = ("The sections above derived each layer's rules entry by entry at this size; in tensor form they are these."
             + (" Their symbols:" if said else ""))
    after = ""
    if not input_gradient:
        after += ("Training does not need the gradient with respect to the network's input $x$: its entries are "
                  "left out. ")
    after += "" if all_entries else (SHOWN.replace("(channel 1,", "(example 1, channel 1,")
                                     if batch else SHOWN)
    return intro, [words[0].upper() + words[1:] + "." if not words.startswith("$") else words + "." for words in said], after.strip()


def _example_sections(derivation: Derivation, docs: list[DocStep], example: Example, after: bool = False,
                      figures: list[Figure] = ()) -> list[Section]:
    """The worked example: the given numbers, then what the layer (or the network, layer by layer)
    computes from them, with the `figures` drawn at its numbers (a max pooling's switches), and the first entry of
    each sum worked out term by term."""
    whole = {}
    for record, doc in zip(derivation.records, docs):
        whole.setdefault(record.input, doc.entry("in"))
        whole[record.output] = doc.entry("out")
        whole.update({record.params[key]: doc.entry(key) for key in record.params})
    labels = {t.name: derivation[t.name].labels for t in example.derived}
    values = {v.name: v.values for v in example.derived}
    # A gate that stopped nothing (a relu whose every passed gradient sits on a positive input): the gradient before it
    # is the one after it, said in words rather than listed twice.
    passed = [r for r in derivation.records if len(derivation.records) > 1 and r.layer.gates_at_zero
              and values.get(f"dL/d{r.output}") is not None and values.get(f"dL/d{r.output}") == values.get(f"dL/d{r.input}")]
    unlisted = {f"dL/d{r.input}" for r in passed}
    # A bias whose gradient is the upstream gradient itself (a dense layer's): the same numbers, said, not listed twice.
    same = [r for r in derivation.records if len(derivation.records) > 1 and "b" in r.layer.rule_gives
            and "b" in r.params and values.get(f"dL/d{r.params['b']}") is not None
            and values.get(f"dL/d{r.params['b']}") == values.get(f"dL/d{r.output}")]
    unlisted |= {f"dL/d{r.params['b']}" for r in same}
    given, derived = example_lines(replace(example, derived=tuple(v for v in example.derived if v.name not in unlisted)),
                                   whole, EXAMPLE_EM)
    # the one rounding rule, said once, before the first rounded number: with the given ones, or else with the computed
    rounds_given = any(rounded(*t.values) for t in example.given)
    rounds = rounds_given or any(rounded(*t.values) for t in example.derived)
    tenths = any(v.is_Float for t in example.given for v in t.values)
    notice = ""
    if len(derivation.records) == 1:
        intro = "Given these small whole numbers,"
        computes = ("the layer computes these (the output by the forward rule above, each gradient by its formula "
                    + ("above" if after else "in the sections below")
                    + "; the results in matrix form above give the same numbers):")
    else:
        intro = ("Given these numbers (the model's own parameters, as PyTorch holds them, and small whole numbers for the "
                 "input" + (" and the target" if derivation.network.has_loss else " and the upstream gradient")
                 + (f"; {ROUNDING}" if rounds_given else "") + "),"
                 if example.fixed else
                 f"Given these small {'' if tenths else 'whole '}numbers (the input, each layer's parameters"
                 + (" and the target" if derivation.network.has_loss else "")
                 + ("; the parameters of the layer before the softmax are tenths, so that its scores stay "
                    "within a few units of each other" if tenths else "") + "),")
        computes = ("the network computes these, each by its layer's rule above: the outputs forward"
                    + (" to the loss" if derivation.network.has_loss else "") + ", then the gradients back")
        left = [f"layer {r.number}'s {r.layer.noun()}" for r in derivation.records if not r.layer.example_output]
        if left:
            computes += (" (the outputs of " + ", ".join(left[:-1]) + (" and " if len(left) > 1 else "") + left[-1]
                         + ", which only clip or move numbers, are left out)")
        if example.fixed:
            computes += ("; with the model's parameters the values are decimals, each of which agrees with PyTorch "
                         "running the module itself")
        if rounds and not (example.fixed and rounds_given):
            computes += f"; {ROUNDING}"
        computes += "."
        # What the reader might stop at in the numbers, said after them, in a short notice (review r11 item 6).
        notice = _zero_by_balance(derivation, values, {v.name: v for v in example.given})
        for r in same:
            notice += (rf" $\partial L / \partial {latex_base(whole[r.params['b']][0])}^{{{whole[r.params['b']][1]}}}$ is "
                       rf"$\partial L / \partial {latex_base(whole[r.output][0])}^{{{whole[r.output][1]}}}$ by its rule, "
                       "not listed again.")
        for r in passed:  # a gate that stopped nothing: the two gradients it joins are the same numbers
            notice += (f" Layer {r.number}'s {r.layer.noun()} passes every gradient (each that is not 0 sits where its "
                       rf"input is positive): $\partial L / \partial {matrix_name(*whole[r.input])}$ is "
                       rf"$\partial L / \partial {matrix_name(*whole[r.output])}$, not listed again.")
        first = derivation.records[0]
        if f"dL/d{first.input}" in values and derivation.network.has_loss:
            notice += (rf" $\partial L / \partial {matrix_name(*whole[first.input])}$ changes no parameter: it is "
                       "listed for the rule it shows.")
    worked = any(t.terms for t in example.derived)
    # a network's worked sums leave out their terms that are 0 (worked_entries), every sum alike, said in a word
    dropped, clean = zero_terms_left_out(example, nonzero=len(derivation.records) > 1)
    left_out = ("" if not dropped else " (terms that are 0 left out)" if clean
                else " (terms that are 0 left out, unless every term is)")
    extra = {}
    if len(derivation.records) > 1 and derivation.network.chain and derivation.network.batch is None:
        leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
        extra = network_steps(derivation, example, {**leaves, **forward_backward(derivation.records, leaves)},
                              {**labels, **{t.name: derivation[t.name].labels for t in derivation.tensors}})
    steps = worked_entries(example, labels, EXAMPLE_EM, nonzero=len(derivation.records) > 1, extra=extra)
    # About how tall it sets (small type, cm): heading and words, each line of matrices as tall as its tallest,
    # each worked entry a fraction's height; at most a page, so that a taller one still starts on a fresh page.
    tall = lambda line: max([part.split(r"\end{bmatrix}")[0].count(r"\\") + 1 for part in line.split(r"\begin{bmatrix}")[1:]]
                            or [1])
    # A network's example flows from where the rules end (review r15 item 7: kept whole, it left the end of their page
    # blank), its heading and words kept with the first line of its given numbers; a single layer's, shorter, is kept on
    # one page.
    single = len(derivation.records) == 1
    height = (sum(0.5 * tall(line) + 0.5 for line in given + derived) + 0.85 * len(steps) + 3.5 if single else
              2.0 + 0.5 * tall(given[0]) + 0.5 if given else 2.0)
    keep = min(height, 23.0) if after else 0.0
    # the figures at its numbers after the numbers they show (in LaTeX they float from there, never before); the
    # sections that use them point to them
    drawn = [Section("example-figures", "", " ".join(f"Figure {f.number} shows {f.shows}." for f in figures if f.shows),
                     [], figures=list(figures))] if figures else []
    return [Section("example", "A worked example", intro, [], formula=given, small=True, keep=keep),
            Section("example-results", "", computes, [], formula=derived, small=True), *drawn,
            Section("example-worked", "", "", [], small=True,
                    after=(("Notice:" + notice + " ") if notice else "") + (
                        ("One entry of each, term by term" + left_out + (
                            ", the bias first where the sum has one"
                            if lone_term_shown(example, nonzero=len(derivation.records) > 1) else "") + ":")
                        if worked else ""),
                    steps=steps)]


def _zero_by_balance(derivation: Derivation, shown: dict, given: dict) -> str:
    """A dense layer's input gradient entry that is 0 by balance, not by a gate: column k of the weights has equal
    entries and the upstream gradient sums to 0 (p - t with a one-hot target), so W_{:,k}^T delta = w (sum of delta)
    = 0. Said where it happens, in words ("" elsewhere): a reader otherwise looks for the relu that stopped it."""
    out = ""
    for r in derivation.records:
        weights = r.params.get("W")
        into, back = f"dL/d{r.input}", f"dL/d{r.output}"
        if not r.layer.weights_join or weights not in given or into not in shown or back not in shown:
            continue
        rows, cols = given[weights].shape
        w, delta = given[weights].values, shown[back]
        if sum(delta) != 0 and abs(float(sum(delta))) > 1e-12:
            continue
        zero = [k for k in range(cols) if shown[into][k] == 0 and len({w[i * cols + k] for i in range(rows)}) == 1]
        for k in zero:
            name = derivation[into].labels[k]
            out += (f" ${_slashed(name)}$ is 0 though no ReLU or switch stopped it: column {k + 1} of "
                    f"${matrix_name_of(derivation, weights)}$ has equal entries and the upstream gradient sums to 0.")
    return out


def _slashed(text: str) -> str:
    """Each \\frac{\\partial L}{\\partial x} of a formula in running text as \\partial L / \\partial x."""
    return re.sub(r"\\frac\{\\partial L\}\{\\partial ((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}", r"\\partial L / \\partial \1", text)


def _upstream_definition(derivation: Derivation, last: DocStep, single: bool, upstream: str) -> str:
    """The display that defines the upstream symbol, as check reads a definition: g_{r,s} = dL/dy_{r,s},
    or for a network every layer's \\delta^{[l]} at once; "" when the gradient is written in full."""
    if not upstream:
        return ""
    if single:
        channel = "m" if derivation.records[-1].shape_out[0] > 1 else ""
        letter, sup = last.entry("out", channel)
        entry = latex_base(letter) + (f"^{{{sup}}}" if sup else "") + "_{r,s}"
        return rf"{last.gradient_entry(channel, 'r,s')} = \frac{{\partial L}}{{\partial {entry}}}"
    return rf"{upstream}^{{[l]}} = \frac{{\partial L}}{{\partial a^{{[l]}}}}"


def _batch_note(derivation: Derivation, single: bool) -> str:
    """With a batch, what its notation means, how the loss reduces it and that the shared parameters'
    gradients sum over it, in general form once (prose with $math$); "" without one."""
    net = derivation.network
    if net.batch is None:
        return ""
    n = net.batch
    images = any(len(r.shape_in) == 3 for r in derivation.records)
    entry = (r"its example $n$, then its channel $c$ ($x^{(n,c)}_{i,j}$)" if images
             else r"its example $n$ ($x^{(n)}_{k}$)")
    text = (f"The batch holds {plural(n, 'example')}, each passed through the layers alike: an entry's parentheses "
            f"give first {entry}. The entry-by-entry formulas below are written for one example and leave its index "
            "out (a layer that mixes the examples writes it); the " + ("results" if single else "rules")
            + " write it as $n$. The shapes in the diagram start with the batch.")
    last = derivation.records[-1].layer
    if last.is_loss:
        weight = last.batch_weight(n)
        if weight != 1:
            text += (rf" The loss is the mean of the examples' losses, $L = \frac{{1}}{{{n}}} \sum_{{n=1}}^{{{n}}} "
                     rf"L^{{(n)}}$ (as PyTorch reduces a batch), so each example's gradient carries the factor "
                     rf"$\frac{{1}}{{{n}}}$.")
        else:
            text += rf" The loss is the sum of the examples' losses, $L = \sum_{{n=1}}^{{{n}}} L^{{(n)}}$."
    shared = [p.title for r in derivation.records for p in r.layer.params(r.shape_in) if p.trained]
    if shared:
        text += (" The parameters are shared by the examples, so the gradient of each is the sum over the batch of "
                 r"what each example sends it: for a parameter $\theta$ of a layer with output $a$, "
                 rf"$\frac{{\partial L}}{{\partial \theta}} = \sum_{{n=1}}^{{{n}}} \sum_j "
                 r"\frac{\partial L}{\partial a^{(n)}_j} \frac{\partial a^{(n)}_j}{\partial \theta}$. "
                 "The entries at this size write that sum out, one example's terms after another.")
    return text


def _sources(net, naming: Naming, records, number: int) -> tuple:
    """What layer `number` reads, as its DocStep holds it, in a branching network (() for a chain): per
    input, its letter, its layer number, whether other layers read it too, and its channels."""
    if net.chain:
        return ()
    return tuple((naming.letter("x") if s == 0 else records[s - 1].layer.output_letter or naming.letter("a"),
                  None if s == 0 else naming.number(s), len(net.readers(s)) > 1, net.shapes[s][0])
                 for s in net.inputs[number - 1])


def _value(net, naming: Naming, records, j: int) -> str:
    """The value j (0: the input) as math: x, a^{[2]}."""
    if j == 0:
        return latex_base(naming.letter("x"))
    letter = records[j - 1].layer.output_letter or naming.letter("a")
    return latex_base(letter) + f"^{{[{naming.number(j)}]}}"


def _fork_rule(net, naming: Naming, records, j: int, upstream: str) -> str:
    r"""\delta^{[j]} = \delta^{[j \leftarrow l_1]} + \delta^{[j \leftarrow l_2]}: a value's gradient sums its readers' parts."""
    readers = net.readers(j)
    if j == 0 or not upstream:
        whole = rf"\frac{{\partial L}}{{\partial {_value(net, naming, records, j)}}}"
        parts = [rf"\Bigl({whole}\Bigr)_{{\leftarrow {l}}}" for l in readers]
    else:
        whole = rf"{upstream}^{{[{j}]}}"
        parts = [rf"{upstream}^{{[{j} \leftarrow {l}]}}" for l in readers]
    return rf"{whole} &= {' + '.join(parts)}"


def _fork_group(derivation: Derivation, j: int, printer: TermPrinter, upstream: str, input_gradient: bool) -> Group:
    """Where several layers read value j: its gradient, the sum of the part each sends back, in words,
    as a rule and entry by entry."""
    net, records = derivation.network, derivation.records
    naming = Naming(net.names)
    readers = net.readers(j)
    value = _value(net, naming, records, j)
    names = ", ".join(str(l) for l in readers[:-1]) + f" and {readers[-1]}"
    intro = (f"Layers {names} {'both' if len(readers) == 2 else 'all'} read ${value}$: a change in it reaches the loss "
             "along each of their paths, so its "
             "gradient is the sum of the parts they send back, each computed above with that layer's rule.")
    name = f"dL/d{derivation.records[0].inputs[0] if j == 0 else records[j - 1].output}"
    tensor = derivation[name]
    batched = net.batch is not None
    blocks = tensor_blocks(tensor, printer, "channel", False, batched)
    section = Section(name, "", intro, blocks,
                      formula=[_fork_rule(net, naming, records, j, upstream)])
    return Group(f"The gradient of ${value}$: the sum over the layers that read it", [section])


def _diagram(net, steps: list[tuple[str, str]], arrows: list[tuple[str, str]] | None = None) -> tuple:
    """The network's diagram (LaTeX, file name, SVG, caption): a chain, or boxes with every edge drawn; a
    chain's `arrows` name each value passed down and its gradient passed back."""
    caption = ("The network, from the input down to the loss $L$, with the shape of each layer's output." if net.has_loss
               else "The network, from the input down to its last layer, with the shape of each layer's output.")
    if net.chain:
        if arrows:
            caption += (" Each black arrow passes a layer's output down (the forward pass); each red arrow passes "
                        "the gradient of the loss with respect to it back up (the backward pass)")
            # the symbol the red arrows write for that gradient, defined here, where it is first used (review r14 A8)
            layer = lambda text: re.sub(r"\^\{\[[^\]{}]*\]\}", "^{[l]}", text, count=1)
            named = [(layer(value), layer(back)) for value, back in arrows
                     if not back.startswith(r"\partial") and layer(value) != value and layer(back) != back]
            caption += (rf", ${named[0][1]} = \partial L / \partial {named[0][0]}$ for layer $l$'s output ${named[0][0]}$."
                        if named else ".")
        return chain_latex(steps, arrows), "figure-network.svg", chain_svg(steps, arrows), caption
    edges = [(s, l) for l, sources in enumerate(net.inputs, start=1) for s in sources]
    return (branch_latex(steps, edges), "figure-network.svg", branch_svg(steps, edges),
            caption + " Arrows on the left are values read by a layer further down: where a value has two arrows out, "
            "its gradient is the sum of the two parts they send back.")


RULES_EM = 30.0  # em: two rules narrower than this together share a line of the overview
RESULTS_EM = 45.0  # em: boxed results narrower than this together share a line (the small type's line holds ~53)


def _unboxed(line: str) -> str:
    r"""A rule line written boxed from its alignment point ("&\boxed{lhs = rhs}", or "&lhs = rhs" beside boxes) as a
    plain aligned line, "lhs &= rhs"; any other line as it is."""
    if line.startswith("&\\boxed{") and line.endswith("}"):
        line = "&" + line[len("&\\boxed{"):-1]
    if line.startswith("&") and " = " in line:
        lhs, rhs = line[1:].split(" = ", 1)
        return f"{lhs} &= {rhs}"
    return line


def _paired(lines: list[str]) -> list[str]:
    """A layer's rules two to a line where both are short (a^{[2]} = max(0, a^{[1]}) beside its delta), in
    order: the overview stays short; a long rule keeps its own line."""
    out, n = [], 0
    while n < len(lines):
        a = lines[n]
        b = lines[n + 1] if n + 1 < len(lines) else None
        if (b is not None and a.count("&") == 1 and b.count("&") == 1 and width(a) + width(b) < RULES_EM
                and (r"\boxed" in a) == (r"\boxed" in b)):  # a boxed result is not paired with a rule unboxed
            line, n = f"{a}, \\qquad {b.replace('&', '')}", n + 2
            # a convolution's three boxed results on one line where they fit it (its rules a display of two lines,
            # kept whole on a page, issue 24 r17 item 1)
            while (n < len(lines) and r"\boxed" in a and lines[n].startswith(r"&\boxed{") and lines[n].count("&") == 1
                   and width(line) + width(lines[n]) < RESULTS_EM):
                line, n = f"{line}, \\qquad {lines[n].replace('&', '')}", n + 1
            out.append(line)
        else:
            out.append(a)
            n += 1
    return out


def _notation(records, docs: list[DocStep]) -> str:
    """A network's capitals and small letters, said once (prose with $math$): a capital is a whole matrix,
    the small letter with indices its entry; a kernel's (m,c) superscript; a dense layer's weights."""
    if not any(len(r.shape_out) == 3 for r in records):
        return ""
    out_letter = next((doc.letters["out"] for r, doc in zip(records, docs) if len(r.shape_out) == 3), "a")
    text = (f"A capital letter is one channel as a matrix, and the small letter with indices one entry: "
            f"${matrix_name(out_letter, '[l](m)')}$ is channel $m$ of ${latex_base(out_letter)}^{{[l]}}$, with entries "
            f"${latex_base(out_letter)}^{{[l](m)}}_{{r,s}}$ (row $r$, column $s$)")
    conv = next((doc for r, doc in zip(records, docs) if r.layer.kernel_slides and "K" in doc.letters), None)
    if conv is not None:
        k = conv.letters["K"]
        text += (f"; ${matrix_name(k, '[l](m,c)')}$ is the kernel layer $l$ slides over its input channel $c$ to make "
                 f"output channel $m$, with entries ${latex_base(k)}^{{[l](m,c)}}_{{p,q}}$")
    dense = next((doc for r, doc in zip(records, docs) if r.layer.weights_join and "W" in doc.letters), None)
    if dense is not None:
        w = latex_base(dense.letters["W"])
        text += f"; a dense layer's weight ${w}^{{[l]}}_{{j,i}}$ joins its input $i$ to its output $j$"
    return text + "."


def _arrows(net, naming: Naming, records, upstream: str) -> list[tuple[str, str]]:
    r"""Per gap of a chain's diagram, the value passed down (x, a^{[1]}, ...) and its gradient passed back
    (dL/dx, \delta^{[1]}, ...), as math; none for a batch (its gradients are per example)."""
    if not net.chain or net.batch is not None:
        return []
    out = []
    for j in range(len(records)):
        value = _value(net, naming, records, j)
        back = (rf"\partial L / \partial {value}" if j == 0 or not upstream or records[j - 1].layer.output_letter
                else rf"{upstream}^{{[{naming.number(j)}]}}")
        out.append((value, back))
    return out


def _shape(shape: tuple[int, ...]) -> str:
    return size(*shape)


def _repeats_said(records, docs: list[DocStep], groups: list[tuple[Group, Group]]) -> list[tuple[Group, Group]]:
    """A layer of the same kind, settings and input size as one shown before it in the same pass (a ResNet
    block's second convolution and batch normalization) computes the same entries with its own symbols: its
    sections are said in a sentence, and only those the earlier layer's do not have (the second convolution's
    input gradient, say) are shown. The forward pass shows the first such layer in full, the backward pass
    the last (it comes first there)."""
    def signature(r):
        return type(r.layer), r.layer.describe(), tuple(r.shape_in), tuple(r.shape_out)

    def said(r, doc, m, mdoc, what: str) -> str:
        ins = ([(mdoc.source_symbol(k), doc.source_symbol(k)) for k in range(len(mdoc.sources))] if mdoc.sources
               else [(mdoc.symbol("in"), doc.symbol("in"))])
        ins = [(old, new) for old, new in ins if old != new]
        swap = "".join(f" and ${new}$ for ${old}$" for old, new in ins)
        return (f"The same kind, settings and size as layer {m.number}: its {what} are layer {m.number}'s with "
                f"the superscript $[{r.number}]$ for $[{m.number}]${swap}.")

    out = list(groups)
    by_sig: dict = {}
    for n, r in enumerate(records):  # forward: the first of its kind shown in full
        m = by_sig.setdefault(signature(r), n)
        if m != n and any(s.blocks or s.figures for s in out[n][0].sections):
            intro = said(r, docs[n], records[m], docs[m], "entries")
            out[n] = (Group(out[n][0].title, [Section(out[n][0].sections[-1].name, "", intro, [])]), out[n][1])
    by_sig = {}
    for n in reversed(range(len(records))):  # backward: the last of its kind shown in full
        r = records[n]
        m = by_sig.setdefault(signature(r), n)
        if m == n:
            continue
        # its sections by the tensors they are of, named as layer m's
        same = {f"dL/d{name}": f"dL/d{records[m].params[key]}" for key, name in r.params.items()}
        same.update({f"dL/d{name}": f"dL/d{other}" for name, other in zip(r.inputs, records[m].inputs)})
        shown = {s.name for s in out[m][1].sections}
        kept = [s for s in out[n][1].sections if same.get(s.name) not in shown]
        what = ("gradients" if not kept else
                "gradients other than " + ("the one below" if len(kept) == 1 else "those below"))
        intro = said(r, docs[n], records[m], docs[m], what)
        out[n] = (out[n][0], Group(out[n][1].title, [Section(f"same-{r.number}", "", intro, []), *kept]))
    return out


def _unbiased(objective: str) -> str:
    """An objective as a layer without a bias says it."""
    return objective.replace(", the input and the bias", " and the input").replace(BIAS_OBJECTIVE, "")


def _said_once(records, groups: list[Group]) -> list[Group]:
    """A section's words said once per pass: where a later layer of the same kind has a section of the same
    title whose words (or the words before its steps) are the earlier one's but for the layer numbers, they
    are "As for layer m." (its figures are still referred to, when numbered)."""
    plain = lambda text: re.sub(r"\[\d+\]", "[]", text)
    seen: dict = {}
    out = []
    for record, group in zip(records, groups):
        sections = []
        for section in group.sections:
            for field_name in ("intro", "steps_intro"):
                text = getattr(section, field_name)
                if not text or not section.title and not section.steps_title:
                    continue
                key = (type(record.layer), section.title, section.steps_title, field_name, plain(text))
                first = seen.setdefault(key, record.number)
                if first != record.number:
                    section = replace(section, **{field_name: f"As for layer {first}."})
            sections.append(section)
        out.append(Group(group.title, sections))
    return out


def context(derivation: Derivation, all_entries: bool = False, input_gradient: bool = False,
            example: Example | None = None, upstream: str | None = None, matrices: bool = True,
            exercises: bool = True) -> dict:
    """Everything the templates show, computed once for every format: a single layer and a network
    alike, each layer's words, steps and figures coming from its kind.

    A network's document shows representative entries of each tensor (all with `all_entries`) and
    leaves out the gradient of the network's input unless `input_gradient`; a single layer's shows
    every entry of every tensor, as the proof of its results at this size. An `example`
    (symconv.example) is shown after the results. The upstream gradient is written with the symbol
    `upstream` as the user gives it (g, delta, or frac for the full fraction; by default g for a single
    layer, \\delta in a network), defined once in the introduction. With `matrices`, a tensor whose
    expressions fit across the page is one matrix of them instead of a list of its entries (a handout
    lists them all, to leave some blank). A document with a worked example ends with exercises on its
    numbers, and their answers, unless not `exercises`.

    Raises:
        SpecError: for an upstream symbol that is not a name, or one the document already uses.
    """
    net = derivation.network
    input_gradient = input_gradient or net.input_gradient
    naming = Naming(net.names)
    records = derivation.records
    sources = [_sources(net, naming, records, r.number) for r in records]
    letters = [naming.doc_step(r, records[n - 1].layer if n else None, sources=s).letters
               for n, (r, s) in enumerate(zip(records, sources))]
    taken = {letter for each in letters for letter in each.values()} | {"L"}
    upstream = ("g" if naming.single else "\\delta") if upstream is None else parse_symbol(upstream, taken)
    printer = TermPrinter(derivation, short_names(derivation, upstream))
    single = len(net.layers) == 1
    docs = [naming.doc_step(r, records[n - 1].layer if n else None, upstream, net.batch, s)
            for n, (r, s) in enumerate(zip(records, sources))]
    # Each kind's formulas in symbols, for any size and setting, are stated once: beside its first layer's.
    firsts = {}
    for r in records:
        firsts.setdefault(type(r.layer), r.number)
    arrays = None
    if example is not None and not single and net.chain and net.batch is None:
        leaves = {v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given}
        arrays = {**leaves, **forward_backward(records, leaves)}
    groups = [_layer_groups(derivation, r, doc, printer, single, all_entries, input_gradient, matrices,
                            general=firsts[type(r.layer)] == r.number and matrices, arrays=arrays,
                            previous=docs[n - 1] if n else None)
              for n, (r, doc) in enumerate(zip(records, docs))]
    if not single:
        groups = _repeats_said(records, docs, groups)
        ahead = _said_once(records, [f for f, _ in groups])
        back = _said_once(records[::-1], [b for _, b in groups][::-1])[::-1]
        groups = list(zip(ahead, back))
    # A max pooling's switches drawn at the worked example's numbers are shown with those numbers, in the worked example,
    # not in the backward pass that comes before them (review r15 item 4); the pooling's words point to the figure.
    switches: list[tuple[str, Figure]] = []
    if arrays is not None:
        groups = [(f, _switches_moved(b, switches)) for f, b in groups]
    forward = [f for f, _ in groups]
    backward = []
    for r, (_, group) in zip(reversed(records), reversed(groups)):
        backward.append(group)
        backward += [_fork_group(derivation, j, printer, upstream, input_gradient) for j in range(r.number)
                     if len(net.readers(j)) > 1 and net.readers(j)[0] == r.number and (j > 0 or input_gradient)]
    # Figures numbered in reading order: the network's diagram first, then the forward and backward passes.
    number, numbered = (1 if single else 2), []
    for group in forward + backward:
        sections, number = _numbered(group.sections, number)
        numbered.append(Group(group.title, sections))
    forward, backward = numbered[:len(forward)], numbered[len(forward):]
    moved = []
    for name, drawn in switches:  # numbered after the passes' figures, where the worked example shows them; referred
        # to there, where it is drawn, not from the backward pass before it (review r16 item 1)
        moved.append(replace(drawn, number=number))
        number += 1
    # What a formula's two lines are is said once, before the first kind's general formulas.
    led = False
    for group in forward + backward:
        for n, section in enumerate(group.sections):
            if section.general_note.startswith(GENERAL_LEAD):
                rest = section.general_note[len(GENERAL_LEAD):].lstrip()
                # said before the display it explains, not after it (review r7 defect 13: a convention explained only
                # after its first use)
                # and the symbols it uses that nothing before defines (review r16 item 4)
                lead = " ".join(part for part in ("" if led else GENERAL_LEAD, section.general_symbols) if part)
                group.sections[n] = replace(section, intro=" ".join(p for p in (section.intro, lead) if p),
                                            general_note=rest)
                led = True
    # A layer whose forward pass has nothing to show (a flatten: its rule says it all) gets no heading there; nor
    # does a relu in a network, whose one sentence would repeat its rule, max(0, .) entry by entry.
    plain = {f"Layer {r.number}: {r.layer.describe()}" for r in records if r.layer.rule_says_forward}
    forward = [g for g in forward if any(s.intro or s.blocks or s.overview or s.figures or s.formula or s.steps
                                         for s in g.sections)
               and (single or g.title not in plain or any(s.formula for s in g.sections))]
    first = records[0]
    summary, closing, questions, answers = [], [], [], []
    if single:
        settings = first.layer.settings(docs[0]) + ([("batch", plural(net.batch, "example"))] if net.batch else [])
        # The matrices and rot180 are defined where first used (the introduction, the input's gradient), not here.
        names, lines, note = first.layer.results(docs[0], said=True)
        if lines:
            lead = "The results in matrix form, proved entry by entry at this size in the sections above. " + names
            if any(r"\star" in line for line in lines):  # the operator they use, defined before them
                lead += " " + STAR_ONLY + "."
            summary = [Section("results", "The results", lead, [], formula=lines, after=note)]
            general_results = first.layer.general_results(docs[0])
            if general_results is not None:
                intro, lines, after, items = general_results
                summary.append(Section("results-general", "", intro, [], formula=lines, after=after, items=items))
    else:  # the network's diagram (Figure 1) lists its layers and their shapes
        settings = []
    if single:  # the results in a network (channels, a batch, a step), right after the results they build on
        parts = first.layer.in_network(docs[0])
        closing += [Section(f"network-{n}", "In a network" if n == 0 else "", intro, [], formula=lines, after=after)
                    for n, (intro, lines, after) in enumerate(parts)]
    # A network's exercises, from its worked example's numbers, shown by the same rounding rule
    net_items = (network_exercises(derivation, example, short_names(derivation, upstream))
                 if not single and example is not None and exercises else [])
    if example is not None:  # after the derivation it checks, and just before what builds on it (the exercises)
        closing += _example_sections(derivation, docs, example, after=True, figures=moved)
    if single:
        found = practice(derivation, example, printer) if example is not None and exercises else None
        if found is not None:
            questions = [Section(f"exercise-{n}", f"Exercise {n}", question, [], formula=shown)
                         for n, (question, shown) in enumerate(found.questions, start=1)]
            answers = [Section(f"answer-{n}", f"Answer {n}", "", [], formula=lines, after=after)
                       for n, (lines, after) in enumerate(found.answers, start=1)]
    steps = [("input $x$", _shape(net.batched(net.input)))] + [
        (f"layer {r.number}: {r.layer.describe()}", output_of(r.layer, net.batched(r.shape_out))) for r in records]
    names = set(derivation.names())
    last = records[-1]
    # a network file's title as written, but the activation's name as a course writes it, ReLU (review r17 item 1d)
    title = re.sub(r"\brelu\b", "ReLU", net.title, flags=re.I) if net.title else None
    title = title or (f"Back-propagation through a {first.layer.noun()} layer" if naming.single
                          else f"Back-propagation through the network {net.name.replace('_', ' ')}")
    # A network's overview: each layer's rules in tensor form, before the entries.
    # The key results are boxed once, at the first layer whose rules box them (a convolution's three); a later layer
    # of the same kind writes them plainly, which also keeps its lines paired and the document short.
    layer_rules = [r.layer.rules(doc) for r, doc in zip(records, docs)] if not single else []
    boxed = next((n for n, lines in enumerate(layer_rules) if any(r"\boxed{" in line for line in lines)), None)
    layer_rules = [[_unboxed(line) for line in lines] if n != boxed and any(r"\boxed{" in line for line in lines)
                   else lines for n, lines in enumerate(layer_rules)]
    rules = [] if single else [Section(f"rules-{r.number}", f"Layer {r.number}: {r.layer.describe()}", "", [],
                                       formula=_paired(lines)) for r, lines in zip(records, layer_rules)]
    # Once, after the first rule that adds a bias (a number) to a matrix: it is added to every entry (review r14 A7).
    for n, (r, doc) in enumerate(zip(records, docs)):
        said = getattr(r.layer, "bias_note", lambda step: "")(doc) if not single else ""
        if said:
            rules[n] = replace(rules[n], after=said)
            break
    # Once, after the first convolution whose rules hold only at stride 1 without padding: the same at any.
    for n, (r, doc) in enumerate(zip(records, docs)):
        general = getattr(r.layer, "general_rules", lambda step: None)(doc) if not single else None
        if general is not None:
            rules.insert(n + 1, Section(f"rules-general-{r.number}", "", general[0], [], formula=general[1],
                                        items=general[2]))
            break
    for j in reversed(range(len(records))):  # each fork's rule after the layer whose output forks
        if len(net.readers(j)) > 1 and not single:
            rules.insert(j, Section(f"rules-fork-{j}", f"The fork at ${_value(net, naming, records, j)}$", "", [],
                                    formula=[_fork_rule(net, naming, records, j, upstream)]))
    objectives = [] if single else ["apply the chain rule one layer at a time, from the loss back to the input"]
    if net.batch is not None:
        objectives.append("sum a shared parameter's gradient over the examples of a batch"
                          + (", and see the loss's mean reach each example as a factor" if net.has_loss else ""))
    for record in records:
        for o in record.layer.objectives():
            # one convolution's objective with the bias covers another's without it: said once
            same = [n for n, e in enumerate(objectives) if _unbiased(e) == _unbiased(o)]
            if not same:
                objectives.append(o)
            elif len(o) > len(objectives[same[0]]):
                objectives[same[0]] = o
    # A network's exercises, from its worked example, and their answers apart from them.
    if not single and example is not None and exercises:
        items = net_items
        questions = [Section(f"exercise-{n}", item.title, item.question, []) for n, item in enumerate(items, 1)]
        answers = [Section(f"answer-{n}", item.title.replace("Exercise", "Answer"), item.answer, [],
                           formula=list(item.lines), after=item.after) for n, item in enumerate(items, 1)]
    # The indicator, which the derivation's sums use before the rules (at the end) could define it, is said in the
    # notation paragraph at the start.
    indicator = not single and any(r"\mathbb{1}" in text for g in forward + backward for s in g.sections
                                   for text in _texts(s))
    # Symbols the passes already define where they first use them (rot180 by its entries beside the input's gradient,
    # a pooling's window Omega by its set) are not defined again in the list before the rules (review r15 item 7).
    said = " ".join(text for g in forward + backward for s in g.sections for text in _texts(s))
    defined = tuple(mark for mark, definition in ((r"\mathbb{1}", r"\mathbb{1}" if indicator else None),
                                                  (r"\operatorname{rot}", r"is the kernel turned by 180 degrees"),
                                                  (r"\Omega_{r,s}", r"\Omega_{r,s} = \{"))
                    if definition is not None and definition in said)
    rules_intro, rules_notation, shown_note = _rules_intro(rules, input_gradient, all_entries, net.batch is not None,
                                                           defined)
    rules = [replace(section, items=[]) for section in rules]  # said in the list of symbols before them
    return {
        "title": title,
        # A network's document is denser (its rules, a worked example through every layer, each layer's entries):
        # set at 10pt, LaTeX's own size, it keeps to the pages a lecture hands out (the CNN's eight, and a page of
        # answers).
        "font_size": "11pt" if single else "10pt",
        "objectives": objectives,
        "reading": READING,
        "single": single,
        "indexed": not naming.single,  # a^{[l]}: the notation needs its paragraph
        "notation": "" if single else _notation(records, docs) + (" " + INDICATOR if indicator else ""),
        "activation_layer": not single and any(r.layer.entrywise_activation for r in records),
        "settings": settings,
        "layer_table": None if single else layer_table(net, docs),
        "has_loss": net.has_loss,
        # in running text a gradient is slashed, \partial L / \partial y_{1,1}: a fraction there sets tall and small
        "upstream_example": "" if net.has_loss else _slashed(derivation[f"dL/d{last.output}"].labels[0]),
        "summary": summary,
        # A single layer's closing sections, after its backward pass: the worked example and the layer in a network;
        # then (a single layer's or a network's) exercises on the example's numbers, and their answers.
        "closing": closing,
        "practice": questions,
        "practice_answers": answers,
        "rules": rules,
        # What only each kind asks on an exercise sheet (a convolution's stride case), layer by layer.
        # and a network's task on its worked example's numbers (the sheet gives them), after its layer's own
        "exercises": [e for r, doc in zip(records, docs) for e in r.layer.exercises(doc)] + (
            [task] if not single and (task := sheet_numbers(derivation, example, short_names(derivation, upstream)))
            else []),
        "upstream_definition": _slashed(_upstream_definition(derivation, docs[-1], naming.single, upstream)),
        "batch_note": _batch_note(derivation, single),
        # The matrices a single layer's document writes whole, named before the first of them.
        "matrix_names": first.layer.matrices_named(docs[0]) if single else "",
        "rules_intro": rules_intro, "rules_notation": rules_notation, "shown_note": shown_note,
        "input_gradient": input_gradient or single,
        "all_entries": all_entries or single,
        "forward": forward,
        "backward": backward,
        "sections": [s for g in forward + backward for s in g.sections],
        "diagram": None if single else Figure(*_diagram(net, steps, _arrows(net, naming, records, upstream)), number=1),
        # The layers with padding: only their general formula's terms can fall in it (a handout's answer says so).
        "padded_layers": {r.number for r in records if r.layer.pads_input(r.shape_in)},
        # The exercise sheet's table and diagram, without the output sizes a task asks for (review24b defect 1).
        # the exercise sheet's table and diagram, made only when a sheet is (handout.py)
        "sheet_view": None if single else functools.partial(_unasked, net, naming, records, docs, steps, upstream),
        # The matrix view comes with the Jacobians (render --jacobians): it grows quadratically.
        "matrix_sections": matrix_view(derivation) if "dvecY/dvecK" in names else [],
    }


def _unasked(net, naming: Naming, records, docs: list[DocStep], steps: list[tuple[str, str]], upstream: str) -> dict:
    """A network's table and diagram for its exercise sheet: "?" for the output of each layer whose output size a
    task asks, and of the layers right after it that keep its shape (a relu: its output would give the size away);
    None for both where no task asks one."""
    asked = {r.number for r, doc in zip(records, docs) if any(e.asks_output for e in r.layer.exercises(doc))}
    hidden = set()
    for n in sorted(asked):
        hidden.add(n)
        while n < len(records) and records[n].shape_out == records[n - 1].shape_out and tuple(net.inputs[n]) == (n,):
            n += 1
            hidden.add(n)
    if not hidden:
        return {"sheet_diagram": None, "sheet_layer_table": None}
    shown = [(label, "?" if n in hidden else shape) for n, (label, shape) in enumerate(steps)]
    table = layer_table(net, docs)
    table = {**table, "rows": [row[:2] + ("?",) + row[3:] if n in hidden else row
                               for n, row in enumerate(table["rows"], start=1)]}
    latex, _, svg, caption = _diagram(net, shown, _arrows(net, naming, records, upstream))
    # its own file: the answer key, written beside the sheet, keeps the sizes in its figure-network.svg
    return {"sheet_diagram": Figure(latex, "figure-network-sheet.svg", svg, caption, number=1),
            "sheet_layer_table": table}


# Where a student reads on: the standard treatments of convolution and its arithmetic.
READING = (
    "I. Goodfellow, Y. Bengio and A. Courville, Deep Learning (MIT Press, 2016), ch. 9; deeplearningbook.org.",
    "A. Zhang, Z. C. Lipton, M. Li and A. J. Smola, Dive into Deep Learning (2023), ch. 7; d2l.ai.",
    "V. Dumoulin and F. Visin, A guide to convolution arithmetic for deep learning (2016); arxiv.org/abs/1603.07285.",
    "Stanford CS231n, course notes on convolutional networks and on backpropagation; cs231n.github.io.",
)


def render_text(template: str, ctx: dict) -> str:
    """Render one of the templates (document.tex.j2, document.md.j2, document.html.j2) with a context."""
    return environment().get_template(template).render(**ctx)
