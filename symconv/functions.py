"""SymPy functions symconv needs beyond SymPy's own: the max-pooling switch."""

from __future__ import annotations

from sympy import Function, Integer


class switch(Function):  # noqa: N801  (lower case: it prints and lambdifies under this name)
    """switch(k, w_1, ..., w_n) is 1 when w_k is the first maximal entry of the window w_1..w_n, else 0.

    Max pooling sends the upstream gradient to that entry (ties go to the first in row-major
    order, as PyTorch does). k is 1-based; the window is listed in row-major order.
    """

    nargs = None

    @classmethod
    def eval(cls, k, *window):
        if not window:
            raise ValueError("switch needs a window")
        values = [w for w in window if w.is_number]
        if len(values) == len(window) and k.is_Integer:
            first = max(range(len(window)), key=lambda n: (window[n], -n))
            return Integer(1) if first == int(k) - 1 else Integer(0)
        return None

    def _latex(self, printer) -> str:
        k, *window = self.args
        entry = printer._print(window[int(k) - 1])
        shown = window if len(window) <= 4 else [window[0], None, window[-1]]
        listed = ", ".join(r"\ldots" if w is None else printer._print(w) for w in shown)
        return rf"\mathbb{{1}}\left[{entry} = \max({listed})\right]"

    def fdiff(self, argindex=1):
        return Integer(0)  # piecewise constant
