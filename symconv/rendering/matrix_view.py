"""The matrix view of one convolution layer for the documents: vec, Jacobians, the chain rule, closed forms."""

from __future__ import annotations

from dataclasses import dataclass

from sympy import Matrix

from ..derivation import Derivation
from ..identities import identities
from ..indexmap import affine, index_rule
from ..spec import ConvSpec
from ..symbols import entry_latex, latex_base
from ..words import plural, size
from ..vec import vec_order
from .latex import SymconvLatexPrinter, width

# The printable width in em (A4, 2 cm margins, 11 pt) and the most rows a displayed matrix may have.
TEXT_WIDTH_EM = 42.0
MAX_ROWS = 40
SPARSITY_MAX = 44  # a bullet picture up to this many rows and columns; beyond it, only the rule


@dataclass(frozen=True)
class Item:
    """A paragraph of plain text, or a display of LaTeX math."""

    kind: str  # "text" or "math"
    body: str
    tight: bool = False  # LaTeX only: narrow column gaps in matrices (Markdown math has no \arraycolsep)


@dataclass(frozen=True)
class MatrixSection:
    title: str
    items: list[Item]


def bmatrix(m: Matrix, printer: SymconvLatexPrinter) -> str:
    rows = [" & ".join(printer.doprint(m[i, j]) for j in range(m.cols)) for i in range(m.rows)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def fits(m: Matrix, printer: SymconvLatexPrinter, head: str, gap_em: float = 0.5) -> bool:
    """Whether `head = m` fits across the page, its widest entry in each column counted, and down it."""
    if m.rows == 0 or m.cols == 0 or m.rows > MAX_ROWS:
        return False
    columns = [max(width(printer.doprint(m[i, j])) for i in range(m.rows)) for j in range(m.cols)]
    return width(head) + 2.5 + sum(columns) + gap_em * m.cols <= TEXT_WIDTH_EM


def sparsity(m: Matrix) -> str:
    r"""The nonzero pattern as a matrix of \bullet (nonzero) and \cdot (zero)."""
    rows = [" & ".join(r"\bullet" if m[i, j] != 0 else r"\cdot" for j in range(m.cols)) for i in range(m.rows)]
    return r"\begin{bmatrix}" + r" \\ ".join(rows) + r"\end{bmatrix}"


def show(head: str, m: Matrix, printer: SymconvLatexPrinter, what: str) -> list[Item]:
    """`head = m` when it fits on the page (with LaTeX's usual column gaps); otherwise a sentence with its size."""
    if fits(m, printer, head, 0.9):
        return [Item("math", rf"{head} = {bmatrix(m, printer)}")]
    return [Item("text", f"{what} is ${m.rows} \\times {m.cols}$, too large to print here.")]


def _vec_line(derivation: Derivation, name: str) -> str:
    t = derivation[name]
    names = [derivation.latex_names[t.symbols[n]] for n in vec_order(t.shape)]
    shown = names if len(names) <= 8 else names[:3] + [r"\ldots"] + names[-2:]
    return rf"\operatorname{{vec}}({name}) = \begin{{bmatrix}} {' & '.join(shown)} \end{{bmatrix}}^{{\mathsf{{T}}}}"


def _jacobian(derivation: Derivation, wrt: str, printer: SymconvLatexPrinter, rule: list[Item]) -> list[Item]:
    """The Jacobian d vec(Y) / d vec(wrt) as a matrix when it fits, else its nonzero pattern; then the
    rule for a general entry."""
    j = derivation.jacobian(wrt)
    m = Matrix(j.matrix)
    op = r"\operatorname{vec}"
    head = rf"\frac{{\partial {op}(Y)}}{{\partial {op}({wrt})}}" if wrt != "b" else rf"\frac{{\partial {op}(Y)}}{{\partial b}}"
    items = [Item("text", f"The Jacobian ${head}$, ${m.rows} \\times {m.cols}$ (a row per entry of ${op}(Y)$):")]
    if fits(m, printer, head, 0.5):
        items.append(Item("math", rf"{head} = {bmatrix(m, printer)}", tight=True))
    elif m.rows <= SPARSITY_MAX and m.cols <= SPARSITY_MAX:
        items += [Item("text", "It is too wide to print entry by entry; its nonzero entries are the bullets:"),
                  Item("math", rf"{head} \sim {sparsity(m)}", tight=True)]
    else:
        items.append(Item("text", "It is too large to print entry by entry or as a picture."))
    return items + rule


def _rules(spec: ConvSpec, derivation: Derivation) -> dict[str, list[Item]]:
    """The general entry of each Jacobian, with this layer's stride, padding and dilation put in."""
    n = spec.names
    i, j = index_rule(spec, 0, "r", "p"), index_rule(spec, 1, "s", "q")
    many_in, many_out = spec.in_channels > 1, spec.out_channels > 1
    # Entries with letters for indices, channels shown as in the rest of the document.
    y_rs = entry_latex(n.output, ("m", "r", "s") if many_out else ("r", "s"), int(many_out))
    x_ij = entry_latex(n.input, ("c", "i", "j") if many_in else ("i", "j"), int(many_in))
    x_at = entry_latex(n.input, ("c", i, j) if many_in else (i, j), int(many_in)).replace(",", r",\,")
    k_pq = entry_latex(n.kernel, ("m", "c", "p", "q") if many_in or many_out else ("p", "q"), 2 * (many_in or many_out))
    many = many_in or many_out
    channel = " (and 0 when the output channel is not the kernel's)" if many else ""
    if spec.copies:  # the padding copies input entries: a tap there reads the entry copied (rho), and adds up
        rho = (rf"$\rho_H$ and $\rho_W$ give the input entry the {spec.padding_mode} padding copies at a padded "
               rf"position, as in the general formulas")
        return {
            "K": [Item("text", "Row $(r, s)$, column $(p, q)$: the input entry that kernel entry $(p, q)$ multiplies in "
                               f"output entry $(r, s)$, copied there where it falls in the padding{channel}; {rho}:"),
                  Item("math", rf"\frac{{\partial {y_rs}}}{{\partial {k_pq}}} = "
                               + entry_latex(n.input, ("c", rf"\rho_H({i})", rf"\rho_W({j})") if many_in else
                                             (rf"\rho_H({i})", rf"\rho_W({j})"), int(many_in)).replace(",", r",\,"))],
            "X": [Item("text", "Row $(r, s)$, column $(i, j)$: the sum of the kernel entries through which input entry "
                               "$(i, j)$ reaches output entry $(r, s)$, itself or as a copy in the padding (several where "
                               f"the window holds copies of it), or 0 where none joins them; {rho}:"),
                  Item("math", rf"\frac{{\partial {y_rs}}}{{\partial {x_ij}}} = \sum_{{(p,q):\ \rho_H({i}) = i,\ "
                               rf"\rho_W({j}) = j}} {k_pq}")],
            "b": [Item("text", "A 1 where the output entry belongs to the bias's channel, 0 elsewhere.")],
        }
    return {
        "K": [Item("text", "Row $(r, s)$, column $(p, q)$: the input entry that kernel entry $(p, q)$ multiplies in "
                           f"output entry $(r, s)$, or 0 where it falls in the padding{channel}:"),
              Item("math", rf"\frac{{\partial {y_rs}}}{{\partial {k_pq}}} = {x_at}")],
        "X": [Item("text", "Row $(r, s)$, column $(i, j)$: the kernel entry through which input entry $(i, j)$ reaches "
                           "output entry $(r, s)$, or 0 where no kernel entry joins them:"),
              Item("math", rf"\frac{{\partial {y_rs}}}{{\partial {x_ij}}} = {k_pq} \quad \text{{where }} "
                           rf"i = {i},\ j = {j}")],
        "b": [Item("text", "A 1 where the output entry belongs to the bias's channel, 0 elsewhere.")],
    }


def matrix_view(derivation: Derivation) -> list[MatrixSection]:
    """The sections of the matrix view of a single convolution layer, in teaching order."""
    spec = derivation.spec
    printer = SymconvLatexPrinter(derivation.latex_names, derivation.order)
    rules = _rules(spec, derivation)
    op = r"\operatorname{vec}"
    sections = [MatrixSection("vec and numerator layout", [
        Item("text", rf"${op}$ stacks the columns of a matrix into one column; with several channels, the channels' "
                     rf"columns are stacked in order. The Jacobians below are in numerator layout: one row per entry "
                     rf"of ${op}(Y)$, one column per entry of what $Y$ is differentiated by."),
        Item("math", _vec_line(derivation, "Y")),
        Item("math", _vec_line(derivation, "K")),
        Item("math", _vec_line(derivation, "X")),
    ])]

    kernel = _jacobian(derivation, "K", printer, rules["K"]) + [
        Item("text", rf"The chain rule in this layout multiplies the row $\partial L / \partial {op}(Y)$ by the "
                     rf"Jacobian. The result is a row (the Jacobian of $L$); the gradient used in the update "
                     rf"$K \leftarrow K - \alpha \nabla_K L$ is its transpose, reshaped to the kernel's shape. Entry "
                     rf"by entry it is the $\partial L / \partial K$ above, exactly."),
        Item("math", rf"\frac{{\partial L}}{{\partial {op}(K)}} = \frac{{\partial L}}{{\partial {op}(Y)}}\,"
                     rf"\frac{{\partial {op}(Y)}}{{\partial {op}(K)}}, \qquad \nabla_K L = {op}^{{-1}}\!\left("
                     rf"\left(\frac{{\partial L}}{{\partial {op}(K)}}\right)^{{\mathsf{{T}}}}\right)"),
    ]
    if spec.bias:
        kernel += _jacobian(derivation, "b", printer, rules["b"])
    sections.append(MatrixSection("The Jacobian with respect to the kernel", kernel))

    bias = " + b" if spec.bias else ""
    sections.append(MatrixSection("The convolution as a matrix", [
        Item("text", rf"$Y$ is linear in $X$, so the layer is a matrix product with "
                     rf"$M = \partial {op}(Y) / \partial {op}(X)$, the unrolled (Toeplitz, im2col) matrix. The "
                     "backward pass multiplies by its transpose."),
        Item("math", rf"{op}(Y) = M\,{op}(X){bias}, \qquad {op}\!\left(\frac{{\partial L}}{{\partial X}}\right) = "
                     rf"M^{{\mathsf{{T}}}}\,{op}\!\left(\frac{{\partial L}}{{\partial Y}}\right)"),
        *_jacobian(derivation, "X", printer, rules["X"]),
    ]))
    sections.append(MatrixSection("The closed forms", _closed_forms(derivation, printer)))
    return sections


def _closed_forms(derivation: Derivation, printer: SymconvLatexPrinter) -> list[Item]:
    """The three identities with the matrices they are computed from at this size."""
    spec = derivation.spec
    ids = identities(derivation)
    (sh, sw), (dh, dw) = spec.stride, spec.dilation
    pad = lambda c: rf"\tilde{{X}}^{{({c})}}"
    dil = lambda m: rf"\tilde{{G}}^{{({m})}}"
    full = lambda m: rf"\hat{{G}}^{{({m})}}"
    rot = lambda m, c: rf"\tilde{{K}}^{{({m},{c})}}"
    at = lambda d, p, u: affine([(1, p), (1, u)], -1) if d == 1 else f"{d}({p} - 1) + {u}"
    n = spec.names
    named = ("" if (n.input, n.kernel) == ("X", "K")
             else f"$X$ is the input (${latex_base(n.input)}$), $K$ the kernel (${latex_base(n.kernel)}$), and ")
    zeros = f"{plural(sh - 1, 'zero row')} and {plural(sw - 1, 'zero column')}"
    items = [
        Item("text", rf"{named}$G$ stands for $\partial L / \partial Y$. $\partial L / \partial K$ is a correlation "
                     rf"of the padded input $\tilde{{X}}$ with $G$ dilated by the stride ($\tilde{{G}}$: {zeros} "
                     rf"between entries), its taps spaced by the kernel dilation ({size(dh, dw)}); each pair of output "
                     "channel $m$ and input channel $c$ is taken separately:"),
        Item("math", rf"\left(\frac{{\partial L}}{{\partial K^{{(m,c)}}}}\right)_{{p,q}} = \sum_{{u,v}} "
                     rf"{dil('m')}_{{u,v}}\,{pad('c')}_{{{at(dh, 'p', 'u')},\ {at(dw, 'q', 'v')}}}"),
    ]
    if spec.flipped:
        items.append(Item("text", "With the convolution convention the layer uses the kernel rotated by 180 degrees, "
                                  r"so this correlation is rotated back to give $\partial L / \partial K$."))
    for c, m in ids.padded_input.items():
        items += show(pad(c + 1), m, printer, f"The padded input of channel {c + 1}")
    for m, g in ids.dilated_upstream.items():
        items += show(dil(m + 1), g, printer, f"The dilated upstream gradient of channel {m + 1}")
    items += [
        Item("text", r"$\partial L / \partial X$ is the full convolution of the stride-dilated $G$ with the kernel: "
                     r"pad $\tilde{G}$ with the kernel's span minus one rows and columns of zeros on every side "
                     r"($\hat{G}$), correlate it with the kernel dilated and rotated by 180 degrees ($\tilde{K}$), sum "
                     r"over output channels, and " + (
                         rf"fold the padding back (the {spec.padding_mode} padding copies input entries: each padded "
                         r"entry's gradient is added to the entry copied there)" if spec.copies else
                         r"crop the padding off") + r". The star is the valid cross-correlation:"),
        Item("math", rf"\frac{{\partial L}}{{\partial X^{{(c)}}}} = \operatorname{{{'fold' if spec.copies else 'crop'}}}"
                     rf"\Bigl(\sum_m {full('m')} "
                     rf"\star {rot('m', 'c')}\Bigr)"),
    ]
    for m, g in ids.padded_upstream.items():
        items += show(full(m + 1), g, printer, f"The padded upstream gradient of channel {m + 1}")
    for (m, c), k in ids.rotated_kernel.items():
        items += show(rot(m + 1, c + 1), k, printer, f"The rotated kernel ({m + 1}, {c + 1})")
    items.append(Item("text", r"$\partial L / \partial b$ is the sum of each channel of $G$. Each closed form, "
                              "computed by carrying out these operations on the matrices above, equals the "
                              "entry-by-entry derivation exactly."))
    return items
