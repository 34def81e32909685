"""Claims about whole tensors: the operators of matrix notation on arrays of SymPy entries.

A name written without indices (W^{[2]}, \\delta^{[3]}, \\frac{\\partial L}{\\partial K}) is its whole
tensor, an array of its entries; the claim's operators act on those arrays at the layer's size, and
the two sides are compared entry by entry. A vector is a column. The readings:
- juxtaposition, \\cdot, \\times: a matrix product where the shapes fit one (W x, \\delta a^T), else
  entry by entry where the shapes are equal (\\delta a(1 - a) of vectors), or a scalar's multiple;
- \\odot, \\oslash: entry by entry; ^T, ^\\top: the transpose;
- \\star: cross-correlation (with a stride written \\star_{2}); *, \\ast, \\otimes, \\circledast
  between two images: a convolution, read both as cross-correlation and as the true convolution
  (flipped kernel) unless the notes say which, since texts use * for either;
- full(A) as an operand: the full correlation (padded by the kernel's size - 1); valid(A): unpadded;
  otherwise pad(A) or nothing: the zero padding that gives the left-hand side's size;
- rot180(K), flip(K): the kernel rotated by 180 degrees; vec(A): the columns stacked (MATH.md),
  channel after channel; diag(v): the diagonal matrix; functions apply entry by entry.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

import numpy as np
from sympy import Add, Expr, S

from .notation import ParseError


@dataclass(frozen=True)
class Marked:
    """An operand of a convolution with its padding said: full(A) or valid(A)."""

    array: np.ndarray
    mode: str


@dataclass(frozen=True)
class Ones:
    """\\mathbf{1}: a column (or, transposed, a row) of ones, as long as the product it stands in needs."""

    row: bool = False
    scale: object = S.One  # 2 \\mathbf{1}: each entry 2


@dataclass(frozen=True)
class Repeated:
    """\\mathbf{1} b^\\top (or b \\mathbf{1}^\\top): the row (column) b repeated as often as the matrix it is added
    to needs: a bias broadcast over a batch's examples, as a sum with that matrix reads it."""

    vector: tuple
    rows: bool  # each row is the vector (1 b^T); otherwise each column is (b 1^T)


def is_array(value) -> bool:
    return isinstance(value, (np.ndarray, Marked, Ones, Repeated))


def _repeated(a: Repeated, shape: tuple[int, ...]) -> np.ndarray:
    if len(shape) != 2 or len(a.vector) != shape[1 if a.rows else 0]:
        raise ParseError(f"a vector of {len(a.vector)} entries repeated {'down the rows' if a.rows else 'along the columns'} "
                         f"does not fit a {_size(np.empty(shape))} tensor")
    return np.array([[a.vector[j if a.rows else i] for j in range(shape[1])] for i in range(shape[0])], dtype=object)


def _ones(count: int, ones: Ones) -> np.ndarray:
    return np.full((1, count) if ones.row else (count, 1), ones.scale, dtype=object)


def plain(value):
    """The array of a marked operand (full(A) outside a convolution is A padded by nothing: not read)."""
    if isinstance(value, Ones):
        raise ParseError("a vector of ones is read in a product, e.g. \\mathbf{1}^\\top G \\mathbf{1}")
    if isinstance(value, Repeated):
        raise ParseError("a vector repeated by a vector of ones (\\mathbf{1} b^\\top) is read added to a matrix, "
                         "e.g. X W^\\top + \\mathbf{1} b^\\top")
    if isinstance(value, Marked):
        raise ParseError(f"{value.mode}(...) is read as an operand of a convolution, e.g. full(G) * rot180(K)")
    return value


def dims(value) -> int:
    return (value.array if isinstance(value, Marked) else value).ndim


def column(a: np.ndarray) -> np.ndarray:
    return a.reshape(-1, 1) if a.ndim == 1 else a


def squeezed(a: np.ndarray) -> np.ndarray:
    """Without axes of length 1: a column, a row and a vector are one thing when compared."""
    shape = tuple(n for n in a.shape if n != 1)
    return a.reshape(shape or (1,))


def array_of(values, shape: tuple[int, ...]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out.reshape(shape)


def elementwise(function, *args):
    """function applied entry by entry, scalars broadcast; a vector of ones as long as the other operands."""
    if any(isinstance(a, Repeated) for a in args):
        full = next((plain(a) for a in args if is_array(a) and not isinstance(a, (Ones, Repeated))), None)
        if full is None:
            plain(next(a for a in args if isinstance(a, Repeated)))  # nothing to take the size of: raises
        args = tuple(_repeated(a, full.shape) if isinstance(a, Repeated) else a for a in args)
    if any(isinstance(a, Ones) for a in args) and any(is_array(a) and not isinstance(a, Ones) for a in args):
        shape = next(plain(a) for a in args if is_array(a) and not isinstance(a, Ones)).shape
        args = tuple(np.full(shape, a.scale, dtype=object) if isinstance(a, Ones) else a for a in args)
    arrays = [plain(a) for a in args if is_array(a)]
    if not arrays:
        return function(*args)
    args = _broadcast(args, arrays)
    arrays = [plain(a) for a in args if is_array(a)]
    shape = arrays[0].shape
    if any(a.shape != shape for a in arrays):  # a column and a vector are one thing here
        if any(squeezed(a).shape != squeezed(arrays[0]).shape for a in arrays):
            raise ParseError(f"entry by entry needs equal shapes, not {' and '.join(_size(a) for a in arrays)}")
        args = [squeezed(plain(a)).reshape(shape) if is_array(a) else a for a in args]
    out = np.empty(shape, dtype=object)
    for index in np.ndindex(shape):
        out[index] = function(*(plain(a)[index] if is_array(a) else a for a in args))
    return out


COLUMNS = ContextVar("columns", default=False)  # a batch's examples are the columns (Ng): a bias vector is one


def _broadcast(args, arrays):
    """A vector added to a matrix (Z = W X + b): repeated along the matrix's rows, or its columns when the
    examples are the columns; anything else as it is."""
    matrices = [a for a in arrays if a.ndim == 2]
    if not matrices or not any(a.ndim == 1 for a in arrays):
        return args
    rows, columns = matrices[0].shape
    out = []
    for a in args:
        if is_array(a) and plain(a).ndim == 1 and (rows, columns) != (len(plain(a)), 1) and (1, len(plain(a))) != (rows, columns):
            n = len(plain(a))
            as_column = n == rows and (COLUMNS.get() or n != columns)
            if as_column or n == columns:
                a = np.array([[plain(a)[i if as_column else j] for j in range(columns)] for i in range(rows)], dtype=object)
        out.append(a)
    return tuple(out)


def product(a, b):
    """a times b, as the shapes read it (see the module's docstring)."""
    if not is_array(a) and not is_array(b):
        return a * b
    if isinstance(a, Ones) and isinstance(b, Ones):
        raise ParseError("a product of two vectors of ones has no size to take")
    if isinstance(a, Ones) or isinstance(b, Ones):
        ones, other = (a, b) if isinstance(a, Ones) else (b, a)
        if not is_array(other):  # 2 \mathbf{1}: still as long as its product needs
            return Ones(ones.row, ones.scale * other)
        if isinstance(other, Repeated):
            raise ParseError("a product of a vector of ones and a repeated vector has no size to take")
        shaped = column(plain(other))
        if ones is a and not ones.row and shaped.shape[0] == 1 and shaped.ndim == 2:  # 1 b^T: b down every row
            return Repeated(tuple(ones.scale * v for v in shaped[0]), rows=True)
        if ones is b and ones.row and shaped.shape[1] == 1:  # b 1^T: b along every column
            return Repeated(tuple(ones.scale * v for v in shaped[:, 0]), rows=False)
        size = shaped.shape[0 if ones is a else 1]
        if ones is a:  # 1^T G: as long as G is tall
            a = _ones(size if ones.row else 1, ones)
        else:  # G 1: as long as G is wide
            b = _ones(size if not ones.row else 1, ones)
    if not is_array(a) or not is_array(b):
        return elementwise(lambda u, v: u * v, a, b)
    a, b = plain(a), plain(b)
    left, right = column(a), column(b)
    if left.ndim == 2 and right.ndim == 2 and left.shape[1] == right.shape[0]:
        return _matmul(left, right)
    if a.shape == b.shape or squeezed(a).shape == squeezed(b).shape:
        return elementwise(lambda u, v: u * v, squeezed(a), squeezed(b)).reshape(a.shape)
    if sorted((a.ndim, b.ndim)) == [1, 2]:
        # (\sigma^2 + \epsilon)^{-1/2} (X - \mu): a vector of one value per feature times a batch's matrix, each row
        # (each column where the examples are the columns) entry by entry, as NumPy broadcasts it
        vector, matrix = (a, b) if a.ndim == 1 else (b, a)
        if len(vector) == matrix.shape[0 if COLUMNS.get() else 1] and matrix.shape[0] != matrix.shape[1]:
            return elementwise(lambda u, v: u * v, a, b)
    raise ParseError(f"a product of a {_size(a)} and a {_size(b)} tensor: the shapes fit neither a matrix product "
                     "nor an entry-by-entry one")


def row_times(vector: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """v^T M of a vector (a row) and a matrix as tall as it is long: a vector again, one entry per column."""
    return _matmul(vector.reshape(1, -1), matrix).reshape(-1)


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    out = np.empty((a.shape[0], b.shape[1]), dtype=object)
    for i in range(a.shape[0]):
        for j in range(b.shape[1]):
            out[i, j] = Add(*(a[i, k] * b[k, j] for k in range(a.shape[1])))
    return out


def transpose(a) -> np.ndarray:
    if isinstance(a, Ones):
        return Ones(not a.row, a.scale)
    if not is_array(a):  # a one-entry tensor read as its entry: (x^{(n)})^T of a one-feature input
        return a
    a = column(plain(a))
    if a.ndim != 2:
        raise ParseError(f"the transpose of a {_size(a)} tensor: only matrices and vectors are transposed")
    return a.T


def rot180(a) -> np.ndarray:
    a = plain(a)
    if a.ndim < 2:
        raise ParseError("rot180 turns a kernel (a matrix) by 180 degrees, not a vector")
    return a[..., ::-1, ::-1]


def vec(a) -> np.ndarray:
    """The columns stacked (column-major), channel after channel: MATH.md's vec."""
    a = plain(a)
    if a.ndim == 1:
        return a
    rows = a.reshape(-1, *a.shape[-2:])
    return np.concatenate([m.T.reshape(-1) for m in rows])


def diag(a) -> np.ndarray:
    a = squeezed(plain(a))
    if a.ndim != 1:
        raise ParseError("diag(...) makes a diagonal matrix of a vector")
    out = np.full((len(a), len(a)), S.Zero, dtype=object)
    for i, v in enumerate(a):
        out[i, i] = v
    return out


def convolve(a, b, flip: bool, stride: int = 1, target: tuple[int, int] | None = None) -> np.ndarray:
    """a correlated with b (b flipped for the true convolution): images (H x W, or C x H x W with a
    kernel M x C x kh x kw), padded as the operand says, else so that the result has the target size."""
    if not (is_array(a) and is_array(b)):
        raise ParseError("a convolution is of two tensors written without indices, e.g. X \\star K")
    mode = a.mode if isinstance(a, Marked) else b.mode if isinstance(b, Marked) else ""
    a = a.array if isinstance(a, Marked) else a
    b = b.array if isinstance(b, Marked) else b
    if flip and (b.ndim > a.ndim or (b.ndim == a.ndim and b.shape[-1] * b.shape[-2] > a.shape[-1] * a.shape[-2])):
        a, b = b, a  # the kernel is the smaller operand (K * X is X * K for the true convolution)
    if flip:
        b = b[..., ::-1, ::-1]
    if a.ndim == 2 and b.ndim == 2:
        a3, b4, single = a[None], b[None, None], True
    elif a.ndim == 3 and b.ndim == 4 and b.shape[1] == a.shape[0]:
        a3, b4, single = a, b, False
    elif a.ndim == 3 and b.ndim == 3 and a.shape[0] == b.shape[0]:  # channel by channel, summed
        a3, b4, single = a, b[None], True
    else:
        raise ParseError(f"a convolution of a {_size(a)} and a {_size(b)} tensor: the channels do not fit")
    kh, kw = b4.shape[-2:]
    h, w = a3.shape[-2:]
    if mode == "full":
        pad = (kh - 1, kw - 1)
    elif mode == "valid" or target is None:
        pad = (0, 0)
    else:
        pad = tuple(_padding(n, k, stride, t) for n, k, t in zip((h, w), (kh, kw), target))
    ho, wo = (h + 2 * pad[0] - kh) // stride + 1, (w + 2 * pad[1] - kw) // stride + 1
    if ho < 1 or wo < 1:
        raise ParseError(f"a convolution of a {_size(a)} image with a {kh} x {kw} kernel has no output")
    out = np.empty((b4.shape[0], ho, wo), dtype=object)
    for m in range(b4.shape[0]):
        for r in range(ho):
            for s in range(wo):
                terms = []
                for c in range(a3.shape[0]):
                    for p in range(kh):
                        for q in range(kw):
                            i, j = r * stride + p - pad[0], s * stride + q - pad[1]
                            if 0 <= i < h and 0 <= j < w:
                                terms.append(a3[c, i, j] * b4[m, c, p, q])
                out[m, r, s] = Add(*terms)
    return out[0] if single else out


def padded(a: np.ndarray, rows: int, columns: int) -> np.ndarray:
    """A matrix (or each channel of a stack) with so many rows and columns of zeros added on each side."""
    if a.ndim < 2:
        raise ParseError("pad_n(...) pads a matrix: its rows and columns")
    out = np.full((*a.shape[:-2], a.shape[-2] + 2 * rows, a.shape[-1] + 2 * columns), S.Zero, dtype=object)
    out[..., rows:rows + a.shape[-2], columns:columns + a.shape[-1]] = a
    return out


def _padding(n: int, k: int, stride: int, target: int) -> int:
    """The zero padding that makes an axis of n, read by a kernel of k at this stride, target long (0 if none does)."""
    for pad in range(k):
        if (n + 2 * pad - k) // stride + 1 == target:
            return pad
    return 0


def _size(a: np.ndarray) -> str:
    return " x ".join(map(str, a.shape))


class ShapeDiffers(ParseError):
    """The claimed tensor's shape is not the left-hand side's (a gradient written transposed, 3 x 2 for 2 x 3)."""

    def __init__(self, message: str, claimed: tuple[int, ...], truth: tuple[int, ...]):
        super().__init__(message)
        self.claimed, self.truth = claimed, truth


def entries_equal(claimed: np.ndarray, truth: np.ndarray, equal) -> tuple[tuple[int, ...], Expr, Expr] | None:
    """The first entry where the arrays differ, (index, truth, claimed), or None; ParseError when their
    shapes differ beyond a column/row/vector reading."""
    a, b = squeezed(claimed), squeezed(truth)
    if b.size == 1 and a.size > 1:
        raise ParseError(f"the right-hand side is a whole {_size(claimed)} tensor (a name without indices), the "
                         "left-hand side one entry")
    if a.shape != b.shape:
        raise ShapeDiffers(f"the right-hand side is a {_size(claimed)} tensor, the left-hand side a {_size(truth)} one",
                           a.shape, b.shape)
    for index in np.ndindex(b.shape):
        if not equal(a[index], b[index]):
            return index, b[index], a[index]
    return None
