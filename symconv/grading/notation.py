"""The notation of claims: index expressions, subscripts, brace groups and the rewriting pre-pass."""

from __future__ import annotations

from fractions import Fraction
import re
from dataclasses import dataclass
from functools import lru_cache

MAX_CLAIM = 100_000  # characters; a longer "claim" is junk, not notes (a 32x32 layer's longest row is about 45,000)
MAX_POWER = 9


class ParseError(ValueError):
    """The claim could not be read; the message says what and where."""


class UnknownName(ParseError):
    """A name the derivation does not have (z, \\hat{y}), or one it has at several layers written without
    one (W in a network with two dense layers): the grader may bind it by meaning (binding.py)."""

    def __init__(self, message: str, name: str, layers: tuple = (), at: int | None = None):
        super().__init__(message)
        self.name = name
        self.layers = layers  # the layers the name has, when only its layer is missing
        self.at = at  # the layer the claim writes on it (o^{[0]}), when the name is read at that layer alone


@dataclass(frozen=True)
class Index:
    """A linear index expression: const + sum of coef * variable (1-based values), or its quotient by a whole
    number rounded up or down (a pooling window's index, \\lceil i/2 \\rceil)."""

    coefs: tuple[tuple[str, int], ...]
    const: int
    written: bool = True  # False for an index the notes leave out (the only channel): 1 in any base
    divisor: int = 1
    ceiling: bool = False  # with a divisor: rounded up (\\lceil \\rceil), else down (\\lfloor \\rfloor)
    dropped: str | None = None  # the letter written for an axis of length 1 and left out (b_c of a one-channel bias)

    def value(self, env: dict[str, int]) -> int:
        linear = self.const + sum(c * env[v] for v, c in self.coefs)
        if self.divisor == 1:
            return linear
        return -(-linear // self.divisor) if self.ceiling else linear // self.divisor

    @property
    def alone(self) -> str | None:
        """The variable when the index is exactly that variable."""
        if self.divisor != 1:
            return None
        return self.coefs[0][0] if self.const == 0 and len(self.coefs) == 1 and self.coefs[0][1] == 1 else None


@dataclass(frozen=True)
class Extreme(Index):
    """A sum's bound written as the larger or smaller of linear expressions, \\max(1, i-2) and \\min(4, i) (the
    terms a window at i reaches, clipped to the tensor): its value is that of the extreme one at the indices."""

    parts: tuple[Index, ...] = ()
    largest: bool = True

    def value(self, env: dict[str, int]) -> int:
        values = [part.value(env) for part in self.parts]
        return max(values) if self.largest else min(values)


# \max(1, i-2), \min\{4, i\}, \max\left(0, r - 1\right): an extreme of linear expressions, as a sum's bound
_EXTREME = re.compile(r"\s*\\(?P<kind>max|min)\s*(?:\(|\\\{)(?P<body>[^(){}]*(?:\([^()]*\)[^(){}]*)*)(?:\)|\\\})\s*")


def extreme_bound(text: str) -> Extreme | None:
    """The bound \\max(1, i-2) as an Extreme; None for any other text."""
    found = _EXTREME.fullmatch(re.sub(r"\\(?:left|right|[bB]ig[lr]?)(?![A-Za-z])", "", text))
    if found is None:
        return None
    try:
        parts = tuple(parse_index(part) for part in found["body"].split(","))
    except ParseError:
        return None
    if len(parts) < 2 or any(p.divisor != 1 for p in parts):
        return None
    coefs = tuple(dict.fromkeys((v, 1) for p in parts for v, _ in p.coefs))
    return Extreme(coefs, 0, parts=parts, largest=found["kind"] == "max")


@dataclass(frozen=True)
class TensorInfo:
    """What the parser must know of a tensor: its key (X, K, b, Y), shape, and leading channel axes.

    A name the notes define for an upstream gradient (\\delta_{ij} := \\frac{\\partial L}{\\partial y_{ij}})
    is the TensorInfo of y with `gradient` set to the loss symbol: its entries are dL/dy.
    """

    key: str
    shape: tuple[int, ...]
    channels: int  # how many leading axes are channels
    gradient: str = ""  # the loss symbol, for a name that stands for the gradient of this tensor
    transposed: bool = False  # a weight matrix the notes write transposed (CS231n's w is D x M): w_{d,j} is W_{j,d}
    scale: int = 1  # a gradient name that is this many times the gradient (Ng's dZ: each example's own loss's, m times)
    numbered: bool = False  # bound by meaning at the layer the notes write (o^{[0]}): their number, not the layer-th
    examples: bool = False  # its one leading axis is a batch's examples: z_i written without one is every example's


GROUP = r"\{(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*\}"  # a brace group, nested up to three deep
_LOSS = r"(?:\\mathcal\s*\{\s*[A-Z]\s*\}|\\mathscr\s*\{\s*[A-Z]\s*\}|\\ell(?![A-Za-z])|[A-Za-z](?![A-Za-z_^]))"
_WRT = r"(?:" + GROUP + r"|[A-Za-z])"


_TRANSPOSED = r"\^\s*(?:\{\s*(?:T|\\top|\\intercal)\s*\}|T|\\top|\\intercal)"
# what a Jacobian J_x is of: a name (not an operator or the loss), with its layer
_JACOBIAN_OF = (r"(?:\\(?:hat|tilde|bar)\s*\{\s*[A-Za-z]\s*\}|\\(?:alpha|beta|gamma|delta|sigma|phi|psi|theta|mu|nu|eta|xi|zeta|"
                r"omega|rho|tau|chi|epsilon|varepsilon)(?![A-Za-z])|[A-Za-z](?![A-Za-z]))(?:\s*\^\s*\{[^{}]*\})?")


# the Jacobian J_x y (of y by x, a row per entry of y), J^T_x z its transpose: \frac{\partial y}{\partial x}
JACOBIAN_J = re.compile(r"(?<![A-Za-z\\])J(?P<t1>" + _TRANSPOSED + r")?\s*_\s*(?P<wrt>\{\s*[A-Za-z](?:\s*\^\s*\{[^{}]*\})?\s*\}|[A-Za-z])"
                        r"(?P<t2>" + _TRANSPOSED + r")?\s*(?P<top>" + _JACOBIAN_OF + r")(?:\s*\(\s*[^()]*\))?")


def _jacobian_j(found: re.Match) -> str:
    jacobian = rf"\frac{{\partial {found['top']}}}{{\partial {_ungroup(found['wrt'].strip())}}}"
    return rf"({jacobian})^{{\top}}" if found["t1"] or found["t2"] else jacobian


def _alone(found: re.Match) -> str:
    """The letter or word a font command holds, kept apart from a command just before it."""
    before = found.string[found.start() - 1:found.start()]
    return (" " if before.isalpha() or before == "}" else "") + found[1]  # \mathbf{p}\mathbf{p}^T: p p^T, not pp^T


_PREPASS = [
    (re.compile(r"\\(?:left|right|bigl|bigr|Bigl|Bigr|biggl|biggr|big|Big|bigg|Bigg)(?![A-Za-z])"), ""),
    (re.compile(r"\\(?:,|;|:|!| |displaystyle|textstyle|scriptstyle|limits|nolimits|space(?![A-Za-z]))"), " "),
    # "(Mean) \space \mu = ...": a label in words before the claim
    (re.compile(r"^\s*\(\s*(?:\\text\s*\{\s*)?[A-Za-z][a-z]{2,}(?:\s+[a-z]+)*\s*\}?\s*\)(?=\s*(?:\\space|\\quad|\\,|~|\s)\s*\\?[A-Za-z])"), " "),
    # \frac{\partial h}{\partial z^{\top}}: numerator layout said by the transpose, a row per entry of h, as symconv
    # reads \partial h / \partial z (of the loss, \partial L / \partial W^T is the transposed gradient: kept)
    (re.compile(r"(\\frac\s*\{\s*\\partial\s*(?!\s)(?!(?:[LEJC]|\\ell|\\mathcal)(?![A-Za-z]))(?:[^{}]|\{[^{}]*\})*\}\s*\{\s*\\partial\s*"
                r"(?:\\mathbf\s*\{\s*[A-Za-z]\s*\}|\\?[A-Za-z]+)(?:\^\s*\{\s*(?:\(\d+\)|\[\d+\])\s*\})?)\s*\^\s*"
                r"(?:\{\s*(?:\\top|T|\\intercal)\s*\}|\\top|T)\s*\}"), r"\1}"),
    # \sigma_j^2, \sigma_{B}^{2}: the variance written with its index first, as \sigma^2_j
    (re.compile(r"\\sigma\s*_\s*(\{[^{}]*\}|\w)\s*\^\s*(?:\{\s*2\s*\}|2)(?![0-9])"), r"\\sigma^{2}_\1"),
    # \hat {x_i}: the hat over the name, its index after it (\hat{x}_i)
    (re.compile(r"\\(hat|tilde|bar)\s*\{\s*([A-Za-z])\s*_\s*(\{[^{}]*\}|\w)\s*\}"), r"\\\1{\2}_\3"),
    # MathJax's \definecolor{spin}{RGB}{251,0,29}: a colour named for the \color after it, no maths
    (re.compile(r"\\definecolor\s*\{[^{}]*\}\s*\{[^{}]*\}\s*\{[^{}]*\}"), " "),
    # KaTeX's \part, another name of \partial (Typora's notes write \dfrac{\part y}{\part x})
    (re.compile(r"\\part(?![A-Za-z])"), r"\\partial"),
    # colour is emphasis: \color{red}{x}, {\color{red} x}, \textcolor{red}{x}, \colorbox{yellow}{x}
    # \color{red}{\partial x_{11}}: the group it colours, without its braces (\frac{\partial L}{\partial x_{11}} stays one)
    (re.compile(r"\\(?:text)?color\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}\s*\{((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"), r" \1 "),
    (re.compile(r"\\(?:textcolor|colorbox)\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}"), ""),
    (re.compile(r"\\color\s*(?:\[[^\]]*\])?\s*\{[^{}]*\}"), ""),
    # \partial{J} is \partial J; a_{i,j{+}1} is a_{i,j+1}
    (re.compile(r"\\partial\s*\{\s*(\\?[A-Za-z]+(?:_\s*(?:" + GROUP + r"|\w))?(?:\^\s*(?:" + GROUP + r"|\w))?)\s*\}"),
     r"\\partial \1"),
    (re.compile(r"\{\s*([+\-=])\s*\}"), r"\1"),
    # the letter or word alone, kept apart from a command before it (\cdot\mathbf{h} is \cdot h, not \cdoth)
    (re.compile(r"\\(?:mathit|mathrm|mathbf|boldsymbol|mathsf|operatorname|text|textrm|texttt|textit)\s*\{([^{}]*)\}"), _alone),
    # \mathbb{w}, \mathbb{\theta}, \mathbb{\hat{y_i}} (a blog's bold vectors: blackboard bold has no small letters),
    # never \mathbb{1} (ones, an indicator) nor \mathbb{R}
    (re.compile(r"\\mathbb\s*\{\s*((?:[a-z]|\\[a-z]+)(?:\s*\{[^{}]*\})?)\s*\}"), _alone),
    (re.compile(r"\\(?:mathbf|boldsymbol|bm|vec)\s+([A-Za-z])"), _alone),  # \mathbf h: the letter
    (re.compile(r"\\(?:mathbf|boldsymbol|bm)\s*(\\[A-Za-z]+)(?![A-Za-z])"), _alone),  # \boldsymbol\delta: the letter
    # the kernel turned by 180 degrees: rot180, \text{rot}_{180^\circ}, rot_{180}
    (re.compile(r"(?<![A-Za-z])rot\s*(?:_\s*\{?\s*180\s*(?:\^\s*\{?\s*\\circ\s*\}?|°)?\s*\}?|180(?:\^\s*\{?\s*\\circ\s*\}?|°)?)"), "rotate"),
    # \hat{y}, and \hat y, \hat\theta: one letter or command (\frac{a}{\hat y} keeps the brace that closes it)
    (re.compile(r"\\(tilde|hat|bar|overline|widetilde|widehat|check|breve)\s*(?:\{\s*(\\?[A-Za-z]+)\s*\}|(\\[A-Za-z]+|[A-Za-z]))"),
     lambda m: f"\\{m[1]}{{{m[2] or m[3]}}}"),
    (re.compile(r"\\[dt]frac(?![A-Za-z])"), r"\\frac"),
    # \frac{dL}{dx_{11}} and \frac{\mathrm{d}L}{\mathrm{d}x_{11}}: the same derivative
    (re.compile(r"\\frac\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)\s*(?P<loss>" + _LOSS + r")\s*\}\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)(?=\s*[A-Za-z\\])"),
     lambda m: rf"\frac{{\partial {m['loss']}}}{{\partial "),
    # \frac{\delta E}{\delta w} (eduNN's guides): \delta for \partial, where it is over the loss (never an error times it)
    (re.compile(r"\\frac\s*\{\s*\\delta\s*(?P<loss>" + _LOSS + r")\s*\}\s*\{\s*\\delta(?![A-Za-z])\s*(?=[A-Za-z\\])"),
     lambda m: rf"\frac{{\partial {m['loss']}}}{{\partial "),
    # dL/dx_{23}, \mathrm{d}L/\mathrm{d}W: the slashed derivative as a whiteboard or a program's comment writes it
    (re.compile(r"(?<![A-Za-z\\])(?:\\mathrm\s*\{\s*d\s*\}|d)\s*(?P<loss>" + _LOSS + r")\s*/\s*(?:\\mathrm\s*\{\s*d\s*\}|d)(?=\s*[A-Za-z\\])"),
     lambda m: rf"\partial {m['loss']}/\partial "),
    # \frac{d}{dz} \tanh z: the derivative operator, as \frac{\partial}{\partial z}
    (re.compile(r"\\frac\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)\s*\}\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)\s*(?=[A-Za-z\\])"),
     r"\\frac{\\partial}{\\partial "),
    # \frac{dy_{11}}{dx_{11}}, \frac{d a}{d z}: Leibniz's d is a partial derivative too (not the gradient name dy)
    (re.compile(r"\\frac\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)\s*(?P<top>[A-Za-z\\](?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)\}"
                r"\s*\{\s*(?:\\mathrm\s*\{\s*d\s*\}|d)\s*(?=[A-Za-z\\])"),
     lambda m: rf"\frac{{\partial {m['top']}}}{{\partial "),
    (re.compile(r"(?<!\\partial)(?<!\\partial )\\mathcal\s*\{\s*([LJE])\s*\}"), r"\1"),  # \mathcal{L} = ...: the loss
    # J(W,b;x,y), L(y, \hat y): the loss with its arguments listed is the loss
    (re.compile(r"(?<![A-Za-z\\])([LEJC])\s*\(\s*[^()]*[,;][^()]*\)"), r"\1"),
    # L(\mathbf{p}), J(\theta), E(w): the loss written as a function of one value, a name alone (never the loss times it)
    (re.compile(r"(?<![A-Za-z\\])([LEJC])\s*\(\s*(?:\\(?:mathbf|boldsymbol|bm|vec|hat|tilde)\s*\{\s*\\?[A-Za-z]+\s*\}"
                r"|\\(?:theta|omega|phi)(?![A-Za-z])|[A-Za-z])\s*\)(?!\s*[_^])"), r"\1"),
    # s(\mathbf x)_i: the entry of a value written as a function of one argument (not an activation f, g, h applied)
    (re.compile(r"(?<![A-Za-z\\])([a-ei-z])\s*\(\s*([A-Za-z])\s*\)\s*(?=_)"), r"\1"),
    # a shape written under a name, y_{2 \times 1}, (x^T)_{1 \times 3}: the notes' reminder of its size, not an index
    (re.compile(r"_\s*\{\s*\d+(?:\s*(?:\\times|\\cdot|×)\s*\d+)+\s*\}"), ""),
    # J_x(s) (Petersen) and J_v(u) (rows = v): the Jacobian between two vectors, of whichever is computed from the other
    (re.compile(r"(?<![A-Za-z\\])J\s*_\s*(?P<a>\{\s*[A-Za-z](?:\s*\^\s*\{[^{}]*\})?\s*\}|[A-Za-z])\s*\(\s*"
                r"(?P<b>[A-Za-z](?:\s*\^\s*\{[^{}]*\})?)\s*\)"), lambda m: rf"\jacobianof{{{_ungroup(m['a'].strip())}}}{{{m['b']}}}"),
    (JACOBIAN_J, _jacobian_j),
    (re.compile(r"\\(?:cdot|times)(?![A-Za-z])"), r" \\cdot "),
    (re.compile(r"\\(?:ast|otimes|circledast)(?![A-Za-z])|\\,\*"), "*"),
    (re.compile(r"~"), " "),
    (re.compile(r"\\_"), "_"),
    (re.compile(r"\\approx(?![A-Za-z])"), "="),  # a worked number rounded: judged to the digits it shows
    # \ell as an index (\sum_{\ell}, w_{j\ell}): the letter l (a loss written \ell is never in a subscript)
    (re.compile(r"(_\s*\{[^{}]*?)\\ell(?![A-Za-z])"), r"\1l"),
    (re.compile(r"(_\s*\{[^{}]*?)\\ell(?![A-Za-z])"), r"\1l"),
    (re.compile(r"_\s*\\ell(?![A-Za-z])"), "_l"),  # a_{j}\_k escaped for Markdown (kramdown, Jekyll): the subscript it is
    # \partial{C}, \partial{b^l_j}: the braces around what is differentiated
    (re.compile(r"\\partial\s*\{\s*((?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*?)\s*\}"), r"\\partial \1 "),
    # the loss written \ell (not \ell_j, a term of it, nor (\ell)_{2,1}, an entry of a vector of terms): the loss
    (re.compile(r"\\ell(?![A-Za-z])(?!\s*[_^])(?!\s*\)\s*_)"), " L "),
    (re.compile(r"\{\s*\}"), " "),  # "={}&" in split and aligned
    (re.compile(r"\s+(?=[_^])"), ""),
    # the transpose: ^T, ^{T}, ^\top, ^{\mathsf{T}} (its \mathsf dropped above), ^\intercal
    (re.compile(r"\^\s*(?:\{\s*(?:\\!\s*)?(?:\\top|\\intercal|T)\s*\}|\\top|\\intercal|T)"), r"^{\\top}"),  # ^Tw: TeX's ^ takes the one letter T
    # CS231n's w^l_{.k}, NumPy's W[:, k]: a whole column (or row, W_{j.}, W_{j,:}) of a matrix
    (re.compile(r"(?<![A-Za-z\\])(?P<name>\\?[A-Za-z]+(?:\^\s*(?:\{[^{}]*\}|\w))?)\s*_\s*\{\s*(?:\.|:|\\cdot)\s*,?\s*(?P<j>[a-z0-9+\-]+)\s*\}"),
     r"\\column{\g<name>}{\g<j>}"),
    (re.compile(r"(?<![A-Za-z\\])(?P<name>\\?[A-Za-z]+(?:\^\s*(?:\{[^{}]*\}|\w))?)\s*_\s*\{\s*(?P<j>[a-z0-9+\-]+)\s*,?\s*(?:\.|:|\\cdot)\s*\}"),
     r"\\row{\g<name>}{\g<j>}"),
    # a^{(i)[L]}: the example written before the layer, as Ng's a^{[L](i)}
    (re.compile(r"\^\s*\{\s*\((?P<example>[^(){}\[\]]*)\)\s*\[(?P<layer>[^\[\]{}]*)\]\s*\}"), r"^{[\g<layer>](\g<example>)}"),
    # Ng's W^{[l]T} (Goodfellow's W^{(l)\top}), a layer's matrix transposed, and an entry of a transposed matrix: (W^{[2]})^T_{kj} is W^{[2]}_{jk}
    (re.compile(r"(?<![A-Za-z\\])(?P<name>\\?[A-Za-z]+)\^\{\s*(?P<layer>\[[^\]{}]*\](?:\([^(){}]*\))?|\([^(){}]*\))\s*(?:T|\\top)\s*\}"),
     r"(\g<name>^{\g<layer>})^{\\top}"),
    (re.compile(r"(?P<base>(?<![A-Za-z\\])\\?[A-Za-z]+|\(\s*\\?[A-Za-z]+\^\{[^{}]*\}\s*\))\^\{\\top\}_\s*(?P<sub>\{[^{}]*\}|\w)"),
     lambda m: _transposed_entry(m)),
    # a period between two matrices (Octave's and Ng's A.B): their product
    (re.compile(r"(?<=[A-Za-z})\]])\s*(?<!\.)\.(?![.\d])\s*(?=[A-Za-z(]|\\(?:frac|partial|hat|tilde|bar|delta|sigma|nabla)(?![A-Za-z]))"),
     r" \\cdot "),
    (re.compile(r"\^\s*\{?\s*\\prime\s*\}?"), "'"),
    # (\frac{\partial a}{\partial z})_{ij}, an entry of a Jacobian: \partial a_i/\partial z_j (numerator layout)
    (re.compile(r"[(\[]\s*\\frac\s*\{\s*\\partial\s*(?P<top>(?![LEJC]\s*\})(?:\\[A-Za-z]+\s*\{\s*[A-Za-z]\s*\}|[A-Za-z])(?:\^" + GROUP + r")?)\s*\}"
                r"\s*\{\s*\\partial\s*(?P<wrt>(?:\\[A-Za-z]+\s*\{\s*[A-Za-z]\s*\}|[A-Za-z])(?:\^" + GROUP + r")?)\s*\}\s*[)\]]"
                r"\s*_\s*(?P<sub>\{\s*[^{},]+\s*,\s*[^{},]+\s*\}|\{\s*[a-z0-9]{2}\s*\})"),
     lambda m: _jacobian_entry(m)),
    # (\nabla_K L)_{21}, (\frac{\partial L}{\partial K})_{21}, (K)_{21}: an entry of a whole tensor
    (re.compile(r"[(\[]\s*\\nabla_\s*(?P<wrt>" + _WRT + r")\s*(?P<loss>" + _LOSS + r")\s*[)\]]\s*_\s*(?P<sub>" + GROUP + r"|\w)"),
     lambda m: rf"\frac{{\partial {m['loss']}}}{{\partial {_ungroup(m['wrt'])}_{m['sub']}}}"),
    (re.compile(r"[(\[]\s*\\frac\s*\{\s*\\partial\s*(?P<loss>" + _LOSS + r")\s*\}\s*\{\s*\\partial\s*(?P<wrt>[^{}]+?(?:\^" + GROUP + r")?)\s*\}\s*[)\]]"
                r"\s*_\s*(?P<sub>" + GROUP + r"|\w)"),
     lambda m: rf"\frac{{\partial {m['loss']}}}{{\partial {m['wrt']}_{m['sub']}}}"),
    (re.compile(r"\(\s*(?P<name>(?:\\[A-Za-z]+|[A-Za-z]{1,8})(?:\^" + GROUP + r")?)\s*\)\s*_\s*(?P<sub>" + GROUP + r")"),
     lambda m: f"{m['name']}_{m['sub']}"),
    # \partial_{x_{11}} L and \nabla_{x_{11}} L: the derivative of the loss by one entry
    (re.compile(r"\\(?:partial|nabla)\s*_\s*(?P<wrt>" + GROUP + r"|[A-Za-z](?![A-Za-z]))\s*(?P<loss>" + _LOSS + r")"),
     lambda m: rf"\frac{{\partial {m['loss']}}}{{\partial {_ungroup(m['wrt'])}}}"),
    # \nabla a_{11}, \nabla a^l: the loss's gradient by that value (not \nabla C, of the loss itself: by what?)
    (re.compile(r"\\nabla(?!\s*_)\s*(?P<name>(?![LEJC](?![A-Za-z_^]))(?:\\(?!ell|mathcal)[A-Za-z]+|[A-Za-z])(?![A-Za-z])"
                r"(?:\s*_\s*(?:" + GROUP + r"|\w))?(?:\s*\^\s*(?:" + GROUP + r"|\w))?)"),
     lambda m: rf"\frac{{\partial L}}{{\partial {m['name']}}}"),
    # d{W_{11}}: dW_{11}, the gradient's name (CS231n's dW) with braces around the value's
    (re.compile(r"(?<![A-Za-z\\])d\s*\{\s*(?P<name>[A-Za-z](?:\s*_\s*(?:" + GROUP + r"|\w))?)\s*\}"), r"d\g<name>"),
]
# Matrix notation: products of whole tensors with vectors of ones, transposes, Hadamard products.
_INDICATOR = re.compile(r"\\(?:mathbb|mathbf|boldsymbol|mathds)\s*\{\s*1\s*\}\s*(?:_\s*\{|\[|\\\{|\()|\\(?:mathbb|mathds)\s*\{\s*1\s*\}")
_MATRIX_NOTATION = re.compile(r"\\(?:mathbf|boldsymbol)\s*\{\s*1\s*\}")


def _transposed_entry(found: re.Match) -> str:
    """An entry of a transposed matrix, (W^{[2]})^T_{kj}: the entry of the matrix with its two indices swapped."""
    sub = _ungroup(found["sub"]).strip()
    parts = [p.strip() for p in sub.split(",")] if "," in sub else list(sub) if re.fullmatch(r"[a-z]{2}", sub) else [sub]
    base = found["base"].strip()
    base = base[1:-1].strip() if base.startswith("(") else base
    if len(parts) == 1 and re.fullmatch(r"[a-z]", sub):  # a vector's entry: the same transposed
        return f"{base}_{{{sub}}}"
    if len(parts) != 2 or not all(re.fullmatch(r"[a-z]", p) for p in parts):  # (a^T)_{1k} of a vector: not guessed
        return found[0]
    return f"{base}_{{{parts[1]},{parts[0]}}}"


def _jacobian_entry(found: re.Match) -> str:
    """(\\frac{\\partial a}{\\partial z})_{i,j}: \\frac{\\partial a_{i}}{\\partial z_{j}}, row i of the Jacobian being a_i's."""
    sub = _ungroup(found["sub"]).strip()
    row, column = [p.strip() for p in sub.split(",")] if "," in sub else list(sub)
    return rf"\frac{{\partial {found['top']}_{{{row}}}}}{{\partial {found['wrt']}_{{{column}}}}}"


def _ungroup(text: str) -> str:
    return text[1:-1] if text.startswith("{") and text.endswith("}") else text


_IND_OPEN = re.compile(r"(?:\\(?:mathbb|mathbf|boldsymbol|mathds)\s*\{\s*1\s*\}|(?<![\w.}])1(?=\s*(?:\\(?:big|Big|left)\s*)?\((?:[^()]|\([^()]*\))*"
                       r"(?:[<>=]|\\[gl]eq?(?![A-Za-z])|\\[gl]t(?![A-Za-z])|\\neq?(?![A-Za-z]))))\s*(?:_\s*)?(?:\\left\s*|\\[bB]ig\s*)?"
                       r"(\[|\\\{|\(|\{)")
_CLOSE = {"[": "]", "\\{": "\\}", "(": ")", "{": "}"}


def _indicators(text: str) -> str:
    """Every indicator, \\mathbb{1}[z > 0], \\mathbf{1}\\{...\\}, \\mathbb{1}_{...}, written \\ind{z > 0} for the parser."""
    while (found := _IND_OPEN.search(text)) is not None:
        opener = found.group(1)
        closer, depth, pos = _CLOSE[opener], 1, found.end()
        while pos < len(text) and depth:
            if text.startswith(opener, pos) and not (opener == "{" and text[pos - 1] == "\\"):
                depth += 1
            elif text.startswith(closer, pos) and not (closer == "}" and text[pos - 1] == "\\"):
                depth -= 1
                if depth == 0:
                    break
            pos += 1
        if depth:
            raise ParseError("an indicator's bracket is never closed")
        condition = re.sub(r"\\(?:right|big)\s*$", "", text[found.end():pos]).strip()
        text = text[:found.start()] + r"\ind{" + condition + "}" + text[pos + len(closer):]
    return text


_RELATION_INSIDE = re.compile(r"[<>]|\\[gl]eq?(?![A-Za-z])|\\[gl]t(?![A-Za-z])|\\neq?(?![A-Za-z])|(?<![<>!\\])=")


def _iverson(text: str) -> str:
    """Iverson's bracket, [z_k > 0] (1 where the relation holds, else 0), written \\ind{z_k > 0}: a [ where an operand
    starts (not after a name, an index or an argument: x[2], \\sqrt[3]) around a relation with no bracket inside it,
    and no comma (an interval). The brackets are paired in one pass."""
    pairs, open_at = [], []
    for k, ch in enumerate(text):
        if ch == "[":
            open_at.append(k)
        elif ch == "]" and open_at:
            pairs.append((open_at.pop(), k))
    out, last = [], 0
    for start, end in sorted(pairs):
        inside = text[start + 1:end]
        before = text[:start].rstrip()
        if (start < last or not inside.strip() or "[" in inside
                or (before and (before[-1].isalnum() or before[-1] in "}])_^'"))
                or len(_top_split(inside, ",")) > 1 or not _RELATION_INSIDE.search(inside)):
            continue
        out += [text[last:start], f"\\ind{{{inside.strip()}}}"]
        last = end + 1
    return "".join(out) + text[last:]


_IF = re.compile(r"\\text\s*\{\s*if\s*\}")
_OTHERWISE = re.compile(r"\\text\s*\{\s*otherwise\s*\}")


def _top_split(text: str, sep: str | re.Pattern) -> list[str]:
    """`text` cut at `sep` (a character, or a pattern such as a matrix's row break) where it stands outside every
    brace, bracket and parenthesis."""
    pattern = re.compile(re.escape(sep)) if isinstance(sep, str) else sep
    out, depth, start, k = [], 0, 0, 0
    while k < len(text):
        ch = text[k]
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
        elif depth == 0 and (found := pattern.match(text, k)) and found.end() > k:
            out.append(text[start:k])
            start = k = found.end()
            continue
        k += 1
    return out + [text[start:]]


def _pieces(text: str) -> str:
    """A formula's pieces as the documents print them, \\{v \\text{ if } c;\\ w \\text{ otherwise}\\},
    written \\pieces{v}{c}{w} (more pieces nest in the last)."""
    pos = 0
    while (opening := text.find("\\{", pos)) >= 0:
        depth, k = 1, opening + 2
        while k < len(text) and depth:
            if text.startswith("\\{", k):
                depth, k = depth + 1, k + 2
            elif text.startswith("\\}", k):
                depth, k = depth - 1, k + 2
            else:
                k += 1
        if depth:
            return text
        body = text[opening + 2:k - 2]
        if not _IF.search(body):
            pos = k
            continue
        # each piece without the spacing around it (\, and \;), its commands kept whole (\left( is no spacing)
        parts = [re.sub(r"^(?:\\[,;: ]|\s|,)+|(?:\\[,;: ]|\s|,)+$", "", part) for part in _top_split(body, ";")]
        out = "0"
        for part in reversed(parts):
            part = part.lstrip("\\").strip() if part.startswith("\\ ") else part
            if _OTHERWISE.search(part):
                out = _OTHERWISE.sub("", part).strip()
                continue
            value, condition = _IF.split(part, maxsplit=1)
            out = rf"\pieces{{{value.strip()}}}{{{condition.strip()}}}{{{out}}}"
        start = opening - 5 if text[max(0, opening - 5):opening] == "\\left" else opening
        text = text[:start] + "{" + out + "}" + text[k:]
        pos = start
    return text


# never a function's derivative: f'(x), f'\left(x\right), g''(z)
_PRIMED = re.compile(r"(?<![A-Za-z\\])([a-z])'(?!'|\s*\(|\s*\\(?:left|bigl?|Bigl?)\s*[(\[])")


def unused_letters(text: str, but: str = "") -> list[str]:
    """Index letters the text does not write as a letter of its own (nor `but`), in the order fresh indices take them."""
    return [c for c in "uvwqrsmnolhgfedcba" if c not in but and not re.search(rf"(?<![A-Za-z\\]){c}(?![A-Za-z])", text)]


def _primes(text: str) -> str:
    """Primed indices (i', m') as letters the claim does not use otherwise: another index, as written (a primed
    name, t', is the notes' own name: primed_names)."""
    text = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\^\s*\{\s*'\s*\}", "'", text)  # i^{\prime}, i^{'}: i'
    primed = sorted(set(_PRIMED.findall(text)))
    if not primed:
        return text
    free = unused_letters(text)
    fresh = dict(zip(primed, free))
    return _PRIMED.sub(lambda m: fresh.get(m.group(1), m.group()), text)


_LOWER_GREEK = ("alpha|beta|gamma|delta|epsilon|zeta|eta|theta|iota|kappa|lambda|mu|nu|xi|pi|rho|sigma|tau|upsilon|phi|chi"
                "|psi|omega")
# a sum's index written as a Greek letter: \sum_{\alpha=0}^{1}, \sum_{\alpha, \beta}
_GREEK_SUM = re.compile(r"\\sum\s*_\s*(?:\{(?P<group>[^{}]*)\}|\\(?P<alone>" + _LOWER_GREEK + r")(?![A-Za-z]))")
_GREEK_NAME = re.compile(r"\\(" + _LOWER_GREEK + r")(?![A-Za-z])")


def _greek_indices(text: str) -> str:
    """Greek letters a claim sums over (\\sum_{\\alpha=0}^{1} w_{\\alpha}) as Latin letters it does not use
    otherwise: bound in the claim, they are indices, whatever the letter names elsewhere (\\beta, a parameter)."""
    bound: list[str] = []
    for found in _GREEK_SUM.finditer(text):
        if found["alone"]:
            bound.append(found["alone"])
            continue
        head = found["group"].split("=", 1)[0] if "=" in found["group"] else found["group"]
        if re.fullmatch(r"\s*\\(?:" + _LOWER_GREEK + r")(?:\s*,\s*\\(?:" + _LOWER_GREEK + r"))*\s*", head):
            bound += _GREEK_NAME.findall(head)
    bound = sorted(set(bound))
    if not bound:
        return text
    free = unused_letters(text)
    if len(free) < len(bound):
        return text
    fresh = dict(zip(bound, free))
    return _GREEK_NAME.sub(lambda m: fresh.get(m[1], m[0]), text)


def primed_indices(notes: str) -> set[str]:
    """The letters the notes write primed in a subscript or superscript (x_{i'j'}, \\sum_{m'}): primed indices."""
    notes = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\^\s*\{\s*'\s*\}", "'", notes)
    return {m.group(1) for m in _PRIMED.finditer(notes) if _in_script(notes, m.start())}


def primed_names(text: str, indices: set[str]) -> str:
    """A primed letter that is no index as a name of its own (t' another target, w'_{ij} the flipped kernel):
    \\breve{t}, read by meaning, never the unprimed letter's value. A primed letter is an index where the notes
    write it primed in a subscript or superscript (`indices`, primed_indices: x_{i'}, then p = i - i' + 1 too)."""
    text = re.sub(r"\^\s*\{?\s*\\prime\s*\}?|\^\s*\{\s*'\s*\}", "'", text)  # i^{\prime}, i^{'}: i'
    if "'" not in text:
        return text
    scripted = indices | {m.group(1) for m in _PRIMED.finditer(text) if _in_script(text, m.start())}
    return _PRIMED.sub(lambda m: m.group() if m.group(1) in scripted else rf"\breve{{{m.group(1)}}}", text)


MAX_SCRIPT = 200  # characters a subscript or superscript holds at most, for _in_script's walk back


def _in_script(text: str, at: int) -> bool:
    """Whether the position is inside a subscript or superscript: a brace group after _ or ^, or right after one;
    or inside the brackets that index a name as a program does (w[a', b'], \\mathbf{X}[r', c'])."""
    start = max(0, at - MAX_SCRIPT)  # a script is short: never a walk back through the whole notes
    before = text[start:at]
    if before.rstrip().endswith(("_", "^")):
        return True
    depth = brackets = 0
    for k in range(len(before) - 1, -1, -1):
        if before[k] == "}":
            depth += 1
        elif before[k] == "{":
            if depth == 0:
                return before[:k].rstrip().endswith(("_", "^"))
            depth -= 1
        elif before[k] == "]" and depth == 0:
            brackets += 1
        elif before[k] == "[" and depth == 0:
            if brackets == 0:
                return re.search(r"(?:[A-Za-z]|\\[A-Za-z]+\s*\{\s*[A-Za-z]\s*\})$", before[:k]) is not None
            brackets -= 1
    return False


_CASES = re.compile(r"\\begin\{cases\}(.*?)\\end\{cases\}", re.DOTALL)


def _cases(text: str) -> str:
    """\\begin{cases} v & \\text{if } c \\\\ w & \\text{otherwise} \\end{cases} as the pieces the documents print."""
    def pieces(found: re.Match) -> str:
        rows = []
        for row in re.split(r"\\\\", re.sub(r"(?<!\\)\\[,;:! ]|\\q?quad(?![A-Za-z])", " ", found.group(1))):
            if not row.strip():
                continue
            value, _, condition = row.partition("&")
            condition = re.sub(r"\\text\s*\{\s*(?:for|when)\s*\}", r"\\text{if}", condition.strip().rstrip(".,"))
            if not (_IF.search(condition) or _OTHERWISE.search(condition)):
                condition = r"\text{if} " + condition
            rows.append(f"{value.strip()} {condition}")
        return r"\{" + "; ".join(rows) + r"\}"
    return _CASES.sub(pieces, text)


_BOXED = re.compile(r"\\(?:boxed|fbox|framebox)\s*(?=\{)")


def _unboxed(text: str) -> str:
    """\\boxed{A = B}: the claim inside the box."""
    while (found := _BOXED.search(text)) is not None:
        try:
            inside, end = read_group(text, found.end())
        except ParseError:
            return text
        text = text[:found.start()] + inside + text[end:]
    return text


_FIRST_MAXIMUM = re.compile(r"\\(?:text|mathrm|textrm)\s*\{\s*is the first maximum of\s*\}\s*(?=\()")


_FUNCTION_POWER = re.compile(r"(\\(?:tanh|sigma|exp|log|ln|sin|cos|sinh|cosh))\s*\^\s*\{?\s*(\d)\s*\}?\s*\(")


def _function_powers(text: str) -> str:
    """\\tanh^2(v), the square of \\tanh(v), as (\\tanh(v))^{2}."""
    while (found := _FUNCTION_POWER.search(text)) is not None:
        depth, end = 0, None
        for pos in range(found.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[pos], 0)
            if depth == 0:
                end = pos
                break
        if end is None:
            return text
        text = f"{text[:found.start()]}({found[1]}{text[found.end() - 1:end + 1]})^{{{found[2]}}}{text[end + 1:]}"
    return text


_SIZES = re.compile(r"\\(?:bigl|bigr|Bigl|Bigr|biggl|biggr|Biggl|Biggr|big|Big|bigg|Bigg)(?![A-Za-z])")


_POWER_SUM = re.compile(r"\^\s*\{\s*(\d+)\s*([+-])\s*(\d+)\s*\}")


def _power_sums(text: str) -> str:
    """(t - o)^{2 - 1}, Mazur's power rule written out: the power worked out."""
    return _POWER_SUM.sub(lambda m: "^{%d}" % (int(m[1]) + int(m[3]) if m[2] == "+" else int(m[1]) - int(m[3])), text)


_OLD_FONT = re.compile(r"\{\s*\\(rm|bf|it|sf|tt|cal)(?![A-Za-z])\s*((?:[^{}]|\{[^{}]*\})*)\}")
_BRACED = re.compile(r"\\(?:underbrace|overbrace)\s*(" + GROUP + r")(?:\s*[_^]\s*(?:" + GROUP + r"|\S))?")


def _old_fonts(text: str) -> str:
    """Plain TeX's font switches, {\\rm if}, {\\bf x}, {\\cal L}: as LaTeX's \\text{if}, x, \\mathcal{L}."""
    def written(found: re.Match) -> str:
        kind, body = found[1], found[2].strip()
        if kind == "cal":
            return rf"\mathcal{{{body}}}"
        if kind == "rm":
            return rf"\text{{{body}}}" if re.fullmatch(r"[A-Za-z]{2,}(?: [A-Za-z]+)*", body) else rf"\mathrm{{{body}}}"
        return f" {body} "
    return _OLD_FONT.sub(written, text)


_SUBSCRIPT_LETTERS = re.compile(r"_\s*\{([^{}]*)\}|_\s*([a-z])")


def _letters_in_subscripts(text: str) -> set[str]:
    return {letter for found in _SUBSCRIPT_LETTERS.finditer(text)
            for letter in re.findall(r"(?<![A-Za-z\\])[a-z](?![A-Za-z])", found[1] or found[2] or "")}


def _unindexed_sums(text: str) -> str:
    """\\sum e^{x_k} with no index written: over the one index letter of what it sums that the claim writes
    nowhere else (none or several: left as written, and the parser says the index is missing)."""
    spans = []
    for found in re.finditer(r"\\sum(?![A-Za-z])(?!\s*(?:\\limits\s*)?[_^])", text):
        depth, end = 0, len(text)
        for k in range(found.end(), len(text)):
            ch = text[k]
            depth += {"{": 1, "(": 1, "[": 1}.get(ch, 0) - {"}": 1, ")": 1, "]": 1}.get(ch, 0)
            if depth < 0 or depth == 0 and (ch in "=&" or ch in "+-" and text[found.end():k].strip()):
                end = k
                break
        spans.append((found.end(), end))
    outside, last = [], 0  # the claim without what its unindexed sums sum (the same sum written twice, 1/(\sum e^{x_k})^2)
    for start, end in spans:
        outside.append(text[last:start])
        last = max(last, end)
    taken = _letters_in_subscripts("".join(outside) + text[last:])
    out, last = [], 0
    for start, end in spans:
        letters = _letters_in_subscripts(text[start:end]) - taken
        out.append(text[last:start] + (f"_{{{letters.pop()}}}" if len(letters) == 1 else ""))
        last = start
    return "".join(out) + text[last:]


_FOREIGN = {"si": "if", "falls": "if", "wenn": "if", "sinon": "otherwise", "sonst": "otherwise", "si no": "otherwise",
            "en otro caso": "otherwise", "de lo contrario": "otherwise", "et": "and", "und": "and", "y": "and"}
_FOREIGN_WORDS = re.compile(r"\\(?:text|mbox|textrm|mathrm)\s*\{\s*(" + "|".join(sorted(_FOREIGN, key=len, reverse=True))
                            + r")\s*\}", re.IGNORECASE)
_TRAILING_DOTS = re.compile(r"\s*,?\s*\\(?:cdots|ldots|dots)\s*$")


_PART = r"(\\partial(?:[^{}]|\{(?:[^{}]|\{[^{}]*\})*\})*)"
_BRACED_SLASH = re.compile(r"\{\s*" + _PART + r"\}\s*/\s*\{\s*" + _PART + r"\}")
_OVER = re.compile(r"\\over(?![A-Za-z])")


def _overs(text: str) -> str:
    """{a \\over b}, plain TeX's fraction: \\frac{a}{b}, for each brace group that holds one \\over at its own level
    (an \\over outside braces, which takes the whole formula, is left for the parser to refuse)."""
    for _ in range(20):
        found = next((m for m in _OVER.finditer(text) if _group_around(text, m.start()) is not None), None)
        if found is None:
            return text
        start, end = _group_around(text, found.start())
        top, bottom = text[start + 1:found.start()], text[found.end():end]
        text = f"{text[:start]}\\frac{{{top.strip()}}}{{{bottom.strip()}}}{text[end + 1:]}"
    return text


def _group_around(text: str, at: int) -> tuple[int, int] | None:
    """The braces of the innermost group around position `at`, if it holds no other \\over at its level."""
    depth, start = 0, None
    for k in range(at - 1, -1, -1):
        if text[k] in "{}" and text[k - 1:k] != "\\":
            depth += 1 if text[k] == "}" else -1
            if depth < 0:
                start = k
                break
    if start is None or (start and text[start - 1] in "_^"):  # an index's braces: not a fraction's
        return None
    depth = 0
    for k in range(start + 1, len(text)):
        if text[k] in "{}" and text[k - 1] != "\\":
            depth += 1 if text[k] == "{" else -1
            if depth < 0:
                return start, k
        elif depth == 0 and k != at and _OVER.match(text, k):
            return None
    return None


# corr(X, G), \\operatorname{conv2d}(G, K), \\mathrm{xcorr}(...): a correlation or a (flipping) convolution named in words,
# with its mode after it in words, (valid), \\text{(full)}
_OPERATOR_WORD = re.compile(r"(?:\\(?:operatorname|mathrm|text|mathit)\s*\{\s*(?P<word>corr|xcorr|conv2d|conv|convolve)\s*\}"
                            r"|(?<![A-Za-z\\])(?P<bare>corr|xcorr|conv2d|convolve))\s*\(")
_MODE_AFTER = re.compile(r"\s*(?:\\[ ,;:]|~|\\q?quad(?![A-Za-z]))*\s*(?:\\text\s*\{\s*\(?\s*(?P<a>valid|full|same)\s*\)?\s*\}"
                         r"|\(\s*(?:\\text\s*\{\s*)?(?P<b>valid|full|same)\s*\}?\s*\))")


def _operator_words(text: str) -> str:
    """corr(A, B) as A \\star B, conv(A, B) as A \\convolve B (B flipped); a mode written after it, (full) or (valid),
    as full(A) or valid(A)."""
    pos = 0
    while (found := _OPERATOR_WORD.search(text, pos)) is not None:
        depth, end = 0, None
        for k in range(found.end() - 1, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                end = k + 1
                break
        if end is None:
            return text
        arguments = _top_split(text[found.end():end - 1], ",")
        if len(arguments) != 2:
            pos = found.end()
            continue
        mode = _MODE_AFTER.match(text, end)
        first, second = (a.strip() for a in arguments)
        if mode and (mode["a"] or mode["b"]) in ("valid", "full"):
            first = f"{mode['a'] or mode['b']}({first})"
        word = found["word"] or found["bare"]
        operator = "\\star" if word in ("corr", "xcorr") else "\\convolve"
        replacement = f"({first} {operator} {second})"
        text = text[:found.start()] + replacement + text[mode.end() if mode else end:]
        pos = found.start() + len(replacement)
    return text


MAX_SUBSCRIPT = 300  # characters of a sum's subscript read for its conditions
_CONDITIONED_SUM = re.compile(r"\\sum\s*_\s*\{")
_CONDITION_BREAK = re.compile(r"\\\\|(?:\\[,;! ]|\s)*(?::(?!=)|\\colon(?![A-Za-z])|\\mid(?![A-Za-z])|\|)(?:\\[,;! ]|\s)*")
_CHAIN = re.compile(r"(\\leq?(?![A-Za-z])|\\geq?(?![A-Za-z])|<=|>=|<|>)")


def _conditioned_sums(text: str) -> str:
    """\\sum_{j : 1 \\le 6-2j \\le 3} and \\sum_{\\substack{i,j \\in \\{1,2\\} \\\\ 1 \\le m-2i+2 \\le 3}}: the sum over the range
    written first, each condition after it an indicator of the terms it keeps (a chain a \\le b \\le c is two)."""
    pos = 0
    while (found := _CONDITIONED_SUM.search(text, pos)) is not None:
        pos = found.end()
        depth, end = 1, None
        for k in range(found.end(), min(len(text), found.end() + MAX_SUBSCRIPT)):  # a sum's subscript is short
            depth += {"{": 1, "}": -1}.get(text[k], 0) if text[k - 1] != "\\" else 0
            if depth == 0:
                end = k + 1
                break
        if end is None:
            continue
        inner = text[found.end():end - 1].strip()
        stacked = re.fullmatch(r"\\substack\s*\{(.*)\}", inner, re.DOTALL)
        parts = [part.strip() for part in _top_split(stacked[1] if stacked else inner, _CONDITION_BREAK)]
        if len(parts) < 2 or not all(parts):
            continue
        # \sum_{(r,p):\ \rho_h(r, p) = i}: the pairs (r, p), each letter over its axis, that the condition keeps
        parts[0] = re.sub(r"^\(\s*([a-z](?:\s*,\s*[a-z])+)\s*\)$", r"\1", parts[0])
        indicators = []
        for condition in parts[1:]:
            pieces = _CHAIN.split(condition)
            if len(pieces) == 1 and condition.count("=") == 1:  # an equality: the terms where it holds
                pieces = [side.strip() for side in condition.partition("=")[::2]]
                pieces.insert(1, "=")
            if len(pieces) < 3 or len(pieces) % 2 == 0:
                break
            indicators += [f"\\ind{{{pieces[k]} {pieces[k + 1]} {pieces[k + 2]}}}" for k in range(0, len(pieces) - 2, 2)]
        else:
            sup = re.match(r"\s*\^\s*(\{[^{}]*\}|\S)", text[end:])
            after = end + (sup.end() if sup else 0)
            text = f"{text[:found.start()]}\\sum_{{{parts[0]}}}{sup[0] if sup else ''} {' '.join(indicators)} {text[after:]}"
    return text


def prepass(text: str) -> str:
    """The claim with notation rewritten into the forms the parser reads.

    Raises:
    """
    text = re.sub(r"(?:\\left\s*)?(?:\\lVert|\\\|)(.*?)(?:\\right\s*)?(?:\\rVert|\\\|)", r"\\norm{\1}", text)  # \lVert v \rVert
    text = re.sub(r"\\(mathbf|boldsymbol|mathbb|mathds|bm)\s*([01])(?![0-9])", r"\\\1{\2}", text)  # \mathbf 1: \mathbf{1}
    # \langle A, B \rangle, \big\langle ... \big\rangle: the inner product, the sum of the entries of A \odot B
    text = re.sub(r"(?:\\left\s*|\\[bB]igg?[lr]?\s*)?\\langle(.*?)(?:\\right\s*|\\[bB]igg?[lr]?\s*)?\\rangle", r" inner(\1) ", text)
    # {\rm if} and \underbrace{a - t}_{e}: the text and the expression they mark; \mathcal L is \mathcal{L}
    text = _BRACED.sub(lambda m: m[1], _old_fonts(text))
    text = re.sub(r"\\mathcal\s+([A-Za-z])", r"\\mathcal{\1}", text)
    text = _overs(text) if "\\over" in text else text
    text = _operator_words(text) if re.search(r"corr|conv", text) else text
    text = _BRACED_SLASH.sub(r"\\frac{\1}{\2}", text)  # {\partial L}/{\partial z}: a slashed derivative's parts, braced
    text = _conditioned_sums(text) if "\\sum" in text else text
    text = _unindexed_sums(text) if "\\sum" in text else text
    # \left. dL/dw \right|_{w=0.5}: the derivative, at the values the notes give (the bar only recalls them)
    text = re.sub(r"\\left\s*\.\s*(.*?)\\right\s*\|\s*_\s*(?:\{(?:[^{}]|\{[^{}]*\})*\}|\S)", r"\1", text)
    text = _SIZES.sub("", text)  # \bigl[ ... \bigr]: sizes gone before the indicators are read (\left| stays)
    # a case's words in French, German, Spanish: \text{si} is \text{if}, \text{sinon} \text{otherwise}, \text{et} \text{and}
    text = _FOREIGN_WORDS.sub(lambda m: rf"\text{{{_FOREIGN[m[1].lower()]}}}", text)
    text = _TRAILING_DOTS.sub("", text)  # y_{12} = ... + b \cdots: "and so on" after the claim
    text = text.replace("==", "=")  # 1(k == i): a programmer's equality
    # Max pooling's switch as symconv's documents write it, 1[w is the first maximum of (window)]: the
    # parser reads 1[w = max(window)] as that switch (the first maximum), so it is written so.
    text = _function_powers(_FIRST_MAXIMUM.sub(r" = \\max", _power_sums(text)))
    text = _pieces(_cases(_iverson(_indicators(_unboxed(re.sub(r"\\left\s*\|(.*?)\\right\s*\|", r"\\abs{\1}", _greek_indices(_primes(text))))))))
    text = _MATRIX_NOTATION.sub(r" \\ones ", text)  # \mathbf{1}: a vector of ones, as long as its product needs
    for pattern, replacement in _PREPASS:
        text = pattern.sub(replacement, text)
    for _ in range(4):  # braces inside braces, one level at a time
        text, before = _unbraced(text), text
        if text == before:
            break
    return _unwrapped(text)




def _starts_operand(text: str, at: int) -> bool:
    """Whether what starts at `at` is an operand: the claim's start or an operator before it, spaces aside."""
    k = at
    while k and text[k - 1].isspace():
        k -= 1
    return k == 0 or text[k - 1] in "=+-([&," or text.endswith(("\\cdot", "\\times"), 0, k)


def _unbraced(text: str) -> str:
    """Braces where an operand starts, \\left( {1 - \\frac{1}{3} - x_i} x_k \\right): TeX shows no bracket there, so
    neither does the claim (what it says is 1 - 1/3 - x_i x_k); braces that hold a command's or an index's argument stay."""
    out, pos = [], 0
    while (brace := text.find("{", pos)) != -1:
        if (brace and text[brace - 1] == "\\") or not _starts_operand(text, brace):
            out.append(text[pos:brace + 1])
            pos = brace + 1
            continue
        depth, end = 0, None
        for k in range(brace, len(text)):
            if text[k] == "{" and text[k - 1:k] != "\\":
                depth += 1
            elif text[k] == "}" and text[k - 1:k] != "\\":
                depth -= 1
                if depth == 0:
                    end = k
                    break
        if end is None or end == len(text) - 1 and brace == 0:
            out.append(text[pos:brace + 1])  # never closed, or the whole claim (unwrapped read it)
            pos = brace + 1
            continue
        out.append(text[pos:brace] + " " + text[brace + 1:end] + " ")
        pos = end + 1
    return "".join(out) + text[pos:]


def _unwrapped(text: str) -> str:
    """A claim wrapped whole in braces ({\\color{red} A = B}, \\color{red}{A = B} once the colour is dropped)
    is the claim inside them."""
    while (stripped := text.strip()).startswith("{"):
        try:
            inside, end = read_group(stripped, 0)
        except ParseError:
            return text
        if end != len(stripped):
            return text
        text = inside
    return text


def read_group(text: str, pos: int) -> tuple[str, int]:
    """The brace group at pos (after spaces), or the single next character; its text and the end."""
    while pos < len(text) and text[pos] == " ":
        pos += 1
    if pos >= len(text):
        raise ParseError("the claim ends where a group {...} was expected")
    if text[pos] != "{":
        if text[pos] == "\\":
            match = re.compile(r"\\[A-Za-z]+").match(text, pos)
            if match:
                return match.group(), match.end()
        return text[pos], pos + 1
    depth = 0
    for end in range(pos, len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[pos + 1 : end], end + 1
    raise ParseError("unbalanced braces: a { is never closed")


_ROUNDED = re.compile(r"\s*(?:\\left\s*)?\\l(?P<kind>ceil|floor)\s*(?:(?P<top>[0-9a-z+\-() ]+?)\s*/\s*(?P<by>\d+)"
                      r"|\\frac\s*\{(?P<top2>[0-9a-z+\-() ]+)\}\s*\{\s*(?P<by2>\d+)\s*\})\s*(?:\\right\s*)?"
                      r"\\r(?P=kind)\s*")


@lru_cache(maxsize=4096)
def parse_index(text: str) -> Index:
    """A linear index expression, 'r+i-1', '2r-1', '2(p-1)+r', '3', into an Index; anything else
    (a product of two letters, a division) is a ParseError."""
    rounded = _ROUNDED.fullmatch(text)
    if rounded:  # \\lceil i/2 \\rceil, \\left\\lfloor \\frac{i-1}{2} \\right\\rfloor: a window's index
        inner = parse_index(rounded["top"] or rounded["top2"])
        divisor = int(rounded["by"] or rounded["by2"])
        if inner.divisor != 1 or not 1 < divisor < 10**6:
            raise ParseError(f"cannot read the index {text.strip()!r}: divide a linear expression by a whole number")
        return Index(inner.coefs, inner.const, divisor=divisor, ceiling=rounded["kind"] == "ceil")
    # a product written out, 2\cdot i, 2 \times i, 2*i: the factors side by side (2 * 3 stays two numbers)
    source = re.sub(r"\\(?:cdot|times)(?![A-Za-z])", "*", text).replace(" ", "")
    if not source or not re.fullmatch(r"[0-9a-z+\-()*]+", source, re.ASCII):
        raise ParseError(f"cannot read the index {text.strip()!r}: write numbers, letters, + and -")
    if re.search(r"\d{19}", source):
        raise ParseError(f"the index {text.strip()[:20]!r}... is too large to be an index")
    tokens = re.findall(r"\d+|[a-z]|[+\-()*]", source, re.ASCII)
    if tokens and (tokens[0] == "*" or tokens[-1] == "*" or any(a == b == "*" for a, b in zip(tokens, tokens[1:]))):
        raise ParseError(f"cannot read the index {text.strip()!r}: a product needs a factor on each side")
    tokens = _numbers_multiplied(tokens)
    try:
        (coefs, const), rest = _linear_sum(tokens, 0, 0)
    except (IndexError, ValueError):
        rest = -1
    if rest != len(tokens):
        raise ParseError(f"cannot read the index {text.strip()!r}: write a linear expression such as 2(r-1)+p")
    return Index(tuple((v, c) for v, c in coefs.items() if c), const)


_FRAC_NUMBERS = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")


def whole_value(text: str) -> int | None:
    """The whole number an arithmetic expression of whole numbers comes to, a sum's limit written as the notes'
    sizes put in: 3 - 1, (5 - 3) / 2, 2 \\cdot 3, \\frac{5-3}{2}, \\lfloor 5/2 \\rfloor; None for anything else
    (a letter, a fraction that is not whole, a number of more than 18 digits)."""
    text = _FRAC_NUMBERS.sub(r"((\1)/(\2))", text)
    text = re.sub(r"\\(?:cdot|times)(?![A-Za-z])", "*", text)
    text = re.sub(r"\\(?:left|right)(?![A-Za-z])", "", text)
    text = re.sub(r"\\lfloor(?![A-Za-z])", "[", re.sub(r"\\rfloor(?![A-Za-z])", "]", text)).replace(" ", "")
    if not text or not re.fullmatch(r"[0-9+\-*/()\[\]]+", text) or re.search(r"\d{19}", text) or len(text) > 60:
        return None
    tokens = re.findall(r"\d+|[+\-*/()\[\]]", text)
    try:
        value, pos = _arithmetic(tokens, 0, 0)
    except (IndexError, ValueError, ZeroDivisionError):
        return None
    return int(value) if pos == len(tokens) and value.denominator == 1 else None


def _arithmetic(tokens: list[str], pos: int, depth: int):
    """sum := term (('+'|'-') term)*; term := factor (('*'|'/') factor)*; factor := ['-'] (number | (sum) | [sum])
    where [sum] is the floor; exact (Fraction)."""
    if depth > 10:
        raise ValueError("nested too deeply")

    def factor(pos):
        if tokens[pos] == "-":
            value, pos = factor(pos + 1)
            return -value, pos
        if tokens[pos] in ("(", "["):
            value, end = _arithmetic(tokens, pos + 1, depth + 1)
            if tokens[end] != {"(": ")", "[": "]"}[tokens[pos]]:
                raise ValueError("unclosed")
            return (Fraction(value.numerator // value.denominator) if tokens[pos] == "[" else value), end + 1
        if not tokens[pos].isdigit():
            raise ValueError("not a number")
        return Fraction(int(tokens[pos])), pos + 1

    def term(pos):
        value, pos = factor(pos)
        while pos < len(tokens) and tokens[pos] in ("*", "/"):
            other, after = factor(pos + 1)
            value, pos = (value * other if tokens[pos] == "*" else value / other), after
        return value, pos

    value, pos = term(pos)
    while pos < len(tokens) and tokens[pos] in ("+", "-"):
        other, after = term(pos + 1)
        value, pos = (value + other if tokens[pos] == "+" else value - other), after
    return value, pos


def _numbers_multiplied(tokens: list[str]) -> list[str]:
    """Tokens with each product of numbers written out (2 * 3) as its value, the other * dropped."""
    out: list[str] = []
    k = 0
    while k < len(tokens):
        if tokens[k] == "*" and out and out[-1].isdigit() and k + 1 < len(tokens) and tokens[k + 1].isdigit():
            out[-1] = str(int(out[-1]) * int(tokens[k + 1]))
            k += 2
        elif tokens[k] == "*":
            k += 1
        else:
            out.append(tokens[k])
            k += 1
    return out


def _linear_sum(tokens: list[str], pos: int, depth: int):
    """sum := ['+'|'-'] product (('+'|'-') product)*; a linear form as ({variable: coefficient}, constant)."""
    if depth > 20:
        raise ValueError("nested too deeply")
    coefs: dict[str, int] = {}
    const, sign = 0, 1
    if pos < len(tokens) and tokens[pos] in "+-":
        sign, pos = (-1 if tokens[pos] == "-" else 1), pos + 1
    while True:
        (part, value), pos = _linear_product(tokens, pos, depth)
        for v, c in part.items():
            coefs[v] = coefs.get(v, 0) + sign * c
        const += sign * value
        if pos < len(tokens) and tokens[pos] in ("+", "-"):
            sign, pos = (-1 if tokens[pos] == "-" else 1), pos + 1
        else:
            return (coefs, const), pos


def _linear_product(tokens: list[str], pos: int, depth: int):
    """product := factor factor*, where at most one factor has a variable: 2r, 2(p-1), (r-1)2."""
    factors = []
    while pos < len(tokens) and tokens[pos] not in ("+", "-", ")"):
        token = tokens[pos]
        if token == "(":
            factor, pos = _linear_sum(tokens, pos + 1, depth + 1)
            if tokens[pos] != ")":
                raise ValueError("unclosed")
            pos += 1
        elif token.isdigit():
            factor, pos = ({}, int(token)), pos + 1
        else:
            factor, pos = ({token: 1}, 0), pos + 1
        factors.append(factor)
    if not factors or sum(1 for coefs, _ in factors if any(coefs.values())) > 1:
        raise ValueError("not linear")
    scale = 1
    for coefs, value in factors:
        if not any(coefs.values()):
            scale *= value
    linear = next(((c, v) for c, v in factors if any(c.values())), ({}, 1))
    return ({v: c * scale for v, c in linear[0].items()}, linear[1] * scale if any(linear[0].values()) else scale), pos


def split_indices(body: str, expected: int, more: tuple[int, ...] = ()) -> list[str]:
    """The indices of one subscript: "1,2", "1 2", "12" or "ij" (single characters), or one index;
    `expected` of them, or a count in `more` where the channels may be among them."""
    body = body.strip()
    if "," in body:
        parts = body.split(",")
        # z_{c,ij}: the channel with a comma, the position written compactly: each part of letters and
        # digits alone is split when that gives as many indices as the tensor has
        compact = [p.strip() for p in parts]
        letters = [p.isascii() and p.isalpha() and len(p) > 1 for p in compact]  # "ij": never one index
        count = sum(len(p) if p.isascii() and p.isalnum() else 1 for p in compact)
        if (len(parts) not in (expected, *more) or any(letters)) and count in (expected, *more):
            return [c for p in compact for c in (list(p) if p.isascii() and p.isalnum() else [p])]
        return parts
    words = body.split()
    if len(words) == expected > 1:
        return words
    # a_{(i+a)(j+b)} (Dahal, Jo Junwoo): each index in its own parentheses, side by side; i(j+1) stays one product
    grouped = re.fullmatch(r"\s*(?:\([^()]*\)\s*)+", body)
    groups = re.findall(r"\(([^()]*)\)", body) if grouped else []
    if len(groups) > 1 and len(groups) in (expected, *more):
        return groups
    compact = body.replace(" ", "")
    if (expected > 1 and len(compact) == expected or len(compact) in more and len(compact) > 1) and \
            compact.isascii() and compact.isalnum():
        return list(compact)  # x_{nd} of a batch of vectors: the example and the entry
    return [body]


def is_number(text: str) -> bool:
    """Whether text is a whole number written in ASCII digits (not "²", not ""), of at most 18 digits."""
    text = text.strip()
    return text.isascii() and text.isdigit() and len(text) <= 18
