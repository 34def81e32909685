"""The teaching document's content, built from a Derivation, for the LaTeX and Markdown templates."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

from ..derivation import Derivation, Tensor
from ..spec import ConvSpec, fmt_pair
from .figures import Grid, feeds_figure, picture, svg, window_figure
from .matrix_view import matrix_view
from .latex import FACTOR_SEP, SymconvLatexPrinter, break_lines, width
from .templating import environment

# The text width of the PDF (A4, 2 cm margins, 11 pt) in em, less room for "=", "\quad +".
TEXT_WIDTH_EM = 42.0
ENTRIES_PER_BLOCK = 24


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
    name: str
    title: str
    intro: str
    blocks: list[Block]
    figure: Figure | None = None
    overview: str = ""  # LaTeX: the tensor as a matrix of entry names, before the list of their formulas


@dataclass(frozen=True)
class Figure:
    """A figure as the templates place it: a picture for LaTeX, an SVG file for Markdown, and its caption."""

    latex: str
    svg_file: str
    svg: str
    caption: str


def figure(grid: Grid | None) -> Figure | None:
    return None if grid is None else Figure(picture(grid), f"figure-{grid.name}.svg", svg(grid), grid.caption)


def channel_heading(shape: tuple[int, ...], index: tuple[int, ...], kernel: bool, noun: str = "channel") -> str:
    """Which channel (pair) a block of entries belongs to, when there is more than one."""
    if kernel:
        return f"output channel {index[0] + 1}, input channel {index[1] + 1}" if shape[0] > 1 or shape[1] > 1 else ""
    return f"{noun} {index[0] + 1}" if shape[0] > 1 else ""


class TermPrinter:
    """LaTeX and width of each term of an entry: from the term table when the tensor has one (fast,
    and already in written order), otherwise from the SymPy expression through the printer."""

    def __init__(self, derivation: Derivation):
        self.printer = SymconvLatexPrinter(derivation.latex_names, derivation.order)
        self.latex = [derivation.latex_names[s] for s in derivation.symbols]
        self.width = [width(text) for text in self.latex]

    def terms(self, tensor: Tensor, n: int) -> tuple[list[str], list[float] | None]:
        if tensor.terms is None:
            return self.printer.terms(tensor.entries[n]), None
        t = tensor.terms
        latex, widths, sep = self.latex, self.width, FACTOR_SEP
        pairs = list(zip(t.first[t.start[n] : t.start[n + 1]], t.second[t.start[n] : t.start[n + 1]]))
        texts = [latex[a] + sep + latex[b] if b >= 0 else latex[a] for a, b in pairs]
        sizes = [widths[a] + widths[b] + 0.2 if b >= 0 else widths[a] for a, b in pairs]
        return texts, sizes


def blocks(tensor: Tensor, printer: TermPrinter, lead: int, heading) -> list[Block]:
    """The tensor's entries as rows, one block per value of its `lead` channel axes (headed by
    `heading(index)`), cut into blocks so that LaTeX never has to typeset one enormous display."""
    out: list[Block] = []
    last = None
    for flat, index in enumerate(product(*(range(n) for n in tensor.shape))):
        title = heading(index[:lead]) if lead else ""
        lhs = tensor.labels[flat]
        texts, sizes = printer.terms(tensor, flat)
        row = Row(lhs, break_lines(texts, TEXT_WIDTH_EM - width(lhs) - 4.0, sizes))
        if title != last or len(out[-1].rows) >= ENTRIES_PER_BLOCK:
            out.append(Block(title if title != last else "", []))
            last = title
        out[-1].rows.append(row)
    return out


def tensor_blocks(tensor: Tensor, printer: TermPrinter, noun: str = "channel") -> list[Block]:
    """Blocks by channel for images (C, H, W) and by channel pair for kernels; vectors in one run."""
    shape = tensor.shape
    if len(shape) == 4:
        return blocks(tensor, printer, 2, lambda idx: channel_heading(shape, idx, kernel=True))
    if len(shape) == 3:
        return blocks(tensor, printer, 1, lambda idx: channel_heading(shape, idx, kernel=False, noun=noun))
    return blocks(tensor, printer, 0, None)


OVERVIEW_ROWS = 12


def overview(tensor: Tensor, symbol: str) -> str:
    r"""The first channel (pair) of a tensor as a matrix of its entries' names, "Y = [y_{1,1} ...]", when it
    fits across the page; the formulas of the entries follow it as a list."""
    h, w = tensor.shape[-2:]
    if h > OVERVIEW_ROWS:
        return ""
    names = [[tensor.labels[i * w + j] for j in range(w)] for i in range(h)]
    lead = len(tensor.shape) - 2
    which = "" if all(n == 1 for n in tensor.shape[:lead]) else r"\quad \text{(the first channel; the others alike)}"
    widths = [max(width(names[i][j]) for i in range(h)) + 0.9 for j in range(w)]
    if sum(widths) + width(symbol) + width(which) + 3 > TEXT_WIDTH_EM:
        return ""
    body = r" \\ ".join(" & ".join(row) for row in names)
    return rf"{symbol} = \begin{{bmatrix}} {body} \end{{bmatrix}}{which}"


def _matrix_name(name: str, channels: bool, first: str) -> str:
    """The name of a whole tensor (one channel of it) in the user's names: K for k, F for F, x1 as x1."""
    whole = name.upper() if len(name) == 1 else name
    return f"{whole}^{{{first}}}" if channels else whole


def _output_size(spec: ConvSpec) -> list[str]:
    """The output-size formula for both axes, with the numbers put in."""
    lines = []
    for axis, big, small in ((0, "H", "h"), (1, "W", "w")):
        n, k = spec.input[axis], spec.kernel[axis]
        s, p, d = spec.stride[axis], spec.padding[axis], spec.dilation[axis]
        lines.append(
            rf"{big}_o &= \left\lfloor \frac{{{big} + 2 p_{small} - d_{small} (k_{small} - 1) - 1}}{{s_{small}}} \right\rfloor + 1"
            rf" = \left\lfloor \frac{{{n} + 2 \cdot {p} - {d} \cdot ({k} - 1) - 1}}{{{s}}} \right\rfloor + 1"
            rf" = {spec.output[axis]}"
        )
    return lines


SECTIONS = (
    ("Y", "Forward pass",
     "Each output entry is the bias (if any) plus the sum, over the input channels and the kernel "
     "window, of input entry times kernel entry. Entries of the window that fall in the zero padding "
     "contribute nothing and are left out."),
    ("dL/dK", "Gradient with respect to the kernel",
     "A kernel entry multiplies one input entry in every output entry, so its gradient sums the upstream "
     "gradient of each output entry times the input entry it met there."),
    ("dL/dX", "Gradient with respect to the input",
     "An input entry reaches every output entry whose window covers it, through one kernel entry each, "
     "so its gradient sums upstream gradient times that kernel entry. An input entry that no window "
     "covers has gradient 0."),
    ("dL/db", "Gradient with respect to the bias",
     "The bias of an output channel is added to each of its entries, so its gradient is the sum of the "
     "channel's upstream gradient."),
)


def context(derivation: Derivation) -> dict:
    """Everything the templates show, computed once for every format."""
    spec = derivation.spec
    printer = TermPrinter(derivation)
    names = set(derivation.names())
    # The window figure goes with the forward pass, the figure of where an input entry goes with dL/dX.
    drawn = {"Y": figure(window_figure(spec)), "dL/dX": figure(feeds_figure(spec))}
    symbol = {"Y": _matrix_name(spec.names.output, spec.out_channels > 1, "(1)"),
              "dL/dK": rf"\frac{{\partial L}}{{\partial {_matrix_name(spec.names.kernel, spec.in_channels * spec.out_channels > 1, '(1,1)')}}}",
              "dL/dX": rf"\frac{{\partial L}}{{\partial {_matrix_name(spec.names.input, spec.in_channels > 1, '(1)')}}}"}
    sections = [
        Section(name, title, intro, tensor_blocks(derivation[name], printer, "input channel" if name == "dL/dX" else "output channel"),
                drawn.get(name), overview(derivation[name], symbol[name]) if name in symbol else "")
        for name, title, intro in SECTIONS
        if name in names
    ]
    settings = [
        ("input", f"{spec.in_channels} channel(s) of {fmt_pair(spec.input)}"),
        ("kernel", f"{spec.out_channels} output x {spec.in_channels} input channel(s) of {fmt_pair(spec.kernel)}"),
        ("stride", fmt_pair(spec.stride)),
        ("padding", fmt_pair(spec.padding)),
        ("dilation", fmt_pair(spec.dilation)),
        ("bias", "yes" if spec.bias else "no"),
        ("convention", spec.convention + (" (flipped kernel)" if spec.flipped else " (as deep-learning frameworks compute)")),
        ("names", f"input {spec.names.input}, kernel {spec.names.kernel}, output {spec.names.output}"),
        ("output", f"{spec.out_channels} channel(s) of {fmt_pair(spec.output)}"),
    ]
    upstream = derivation["dL/dY"].labels[0]
    return {
        "kind": "layer",
        "title": "Back-propagation through a convolution layer",
        "settings": settings,
        "output_size": _output_size(spec),
        "upstream_example": upstream,
        "sections": sections,
        # The matrix view comes with the Jacobians (render --jacobians): it grows quadratically.
        "matrix_sections": matrix_view(derivation) if "dvecY/dvecK" in names else [],
    }


def render_text(template: str, ctx: dict) -> str:
    """Render one of the templates (derivation.tex.j2, derivation.md.j2) with a context."""
    return environment().get_template(template).render(**ctx)
