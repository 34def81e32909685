"""Claims about a convolution's output size: H_o = \\lfloor (H + 2p - d(k - 1) - 1)/s \\rfloor + 1 = 2.

The size letters (H, W, k_h or K_h, s_w, p, d, H_o, ...) are the numbers of a convolution of the derivation;
each side is evaluated with them, and the claim is right when every side equals the layer's output
size, for some convolution of the network (the notes may be about any of them).
"""

from __future__ import annotations

import re

from sympy import Integer

from ..spec import as_padding
from .notation import ParseError, _top_split
from .parse import parse_claim

_OUT = r"(?:\{\s*(?:o|out|\\(?:text|mathrm|rm)\s*\{\s*out\s*\})\s*\}|o(?![A-Za-z]))"  # H_o, H_{out}, H_{\text{out}}
_OUTPUT = re.compile(rf"^\s*([HW])\s*_\s*{_OUT}\s*=")
_FLOOR = [(re.compile(r"\\(?:left|right|bigl|bigr|big|Big)\s*(?=\\[lr](?:floor|ceil))"), ""),
          (re.compile(r"\\lfloor"), r" \\operatorname{floor}( "), (re.compile(r"\\rfloor"), " ) "),
          (re.compile(r"\\lceil"), r" \\operatorname{ceiling}( "), (re.compile(r"\\rceil"), " ) ")]


def is_output_size(text: str) -> bool:
    """Whether the claim says what an output's size is (H_o = ..., W_{out} = 2): the layer's numbers judge it."""
    return _OUTPUT.match(text) is not None


def _letters(layer, shape_in) -> list[dict[str, int]]:
    """The size letters' numbers of a convolution: one table (its spatial axes), or none."""
    kernel, stride = getattr(layer, "kernel", None), getattr(layer, "stride", None)
    padding, dilation = getattr(layer, "padding", (0, 0)), getattr(layer, "dilation", (1, 1))
    if kernel is None or stride is None or len(shape_in) < 2:
        return []
    # "same", "valid" or each side its own, as a convolution's padding may be given: top/left and bottom/right
    span = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    start, end = as_padding(padding, span, stride)
    h, w = shape_in[-2:]
    out_h, out_w = ((h + start[0] + end[0] - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1,
                    (w + start[1] + end[1] - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1)
    table = {"H_o": out_h, "W_o": out_w, "H": h, "W": w, "k_h": kernel[0], "k_w": kernel[1], "s_h": stride[0],
             "s_w": stride[1], "d_h": dilation[0], "d_w": dilation[1],
             "p_t": start[0], "p_b": end[0], "p_l": start[1], "p_r": end[1]}
    # Goodfellow's and Kafunah's k_1 x k_2 kernel: the axes numbered, rows first; symconv's own documents write the
    # kernel's size K_h x K_w (the kernel K's height and width: k_{p,q} is an entry of it)
    table.update({"k_1": kernel[0], "k_2": kernel[1], "K_h": kernel[0], "K_w": kernel[1]})
    # d2l's n_h x n_w input and k_h x k_w kernel; symconv's network documents write the output o_h x o_w
    table.update({"n_h": h, "n_w": w, "o_h": out_h, "o_w": out_w})
    # PyTorch's C_in and C_out, the input's and the output's channels (symconv's documents: C_{\mathrm{in}})
    table["C_in"] = shape_in[-3] if len(shape_in) >= 3 else 1
    if getattr(layer, "out_channels", None) is not None:
        table["C_out"] = layer.out_channels
    pairs = [("k", kernel), ("s", stride), ("d", dilation)]
    if start == end:  # p_h and p, where each axis is padded alike on both sides
        table.update({"p_h": start[0], "p_w": start[1]})
        pairs.append(("p", start))
    for letter, pair in pairs:
        if pair[0] == pair[1]:
            table[letter] = pair[0]  # a square layer's k, s, p, d
    # symconv's documents write the stride, padding and dilation as capitals (S_h, P_h, D_h): r, s, p, q are indices
    table.update({name.upper()[0] + name[1:]: n for name, n in list(table.items()) if name[0] in "spd" and "_" in name})
    return [table]


# C_{\mathrm{in}}, C_{\text{out}}, C_{in}: the channels' counts, as the size table writes them
_CHANNELS = re.compile(r"C\s*_\s*\{\s*(?:\\(?:mathrm|text|rm)\s*\{\s*(in|out)\s*\}|(in|out))\s*\}")


def _channels(text: str) -> str:
    return _CHANNELS.sub(lambda m: f"C_{m[1] or m[2]}", text)


def _substituted(text: str, table: dict[str, int]) -> str:
    for pattern, replacement in _FLOOR:
        text = pattern.sub(replacement, text)
    text = re.sub(rf"([HW])\s*_\s*{_OUT}", r"\1_o", text)
    text = re.sub(r"([kKspdSPDno])\s*_\s*(?:\{\s*([hwtblr12])\s*\}|([hwtblr12])(?![A-Za-z\d]))", lambda m: f"{m[1]}_{m[2] or m[3]}", text)
    names = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![A-Za-z\\_])(" + "|".join(re.escape(n) for n in names) + r")(?![A-Za-z_'])")
    return pattern.sub(lambda m: f" ({table[m.group(1)]}) ", text)


_ONLY_SIZES = re.compile(r"[\s\d+\-*/().=]*[A-Za-z][A-Za-z\s\d+\-*/().=_{}]*")
# Dumoulin and Visin's letters ("A guide to convolution arithmetic for deep learning"): i, o the input's and output's
# size (i_1, o_2 per axis), and primed, the transposed convolution that is the layer's backward pass: i' = o, o' = i,
# k' = k, s' = 1, p' = d(k - 1) - p, and \tilde{i}' the input stretched by s - 1 zeros between its entries
# k' as the grader reads a primed name of its own (notation.py: \breve{k}); a letter the notes prime in a subscript
# (x_{i'}) stays i', an index (p = i - i' + 1 is a relation between indices, no size)
_PRIMED = re.compile(r"\\tilde\s*\{?\s*i\s*\}?\s*(?:'|\^\s*\{?\s*\\prime\s*\}?)|\\breve\s*\{\s*[ioksp]\s*\}")
# the output's size o (o_1, o_2 per axis), as Dumoulin and Visin write it: a network's output o is never beside k, s, p, d
_O = re.compile(r"(?<![A-Za-z\\_])o(?:\s*_\s*\{?\s*[12]\s*\}?)?(?![A-Za-z_'])")
# what a formula in sizes may write besides them: fractions, floor and ceiling brackets, products, spacing
_SIZE_COMMANDS = re.compile(r"\\(?:d|t)?frac|\\left|\\right|\\[bB]ig[lr]?|\\[lr](?:floor|ceil)|\\cdot|\\times"
                            r"|\\operatorname\s*\{\s*(?:floor|ceiling)\s*\}|\\[,;:! ]|\\q?quad")


def dumoulin(text: str) -> bool:
    """Whether a claim writes Dumoulin and Visin's sizes: a primed size letter that is no index (k' = k,
    p' = k - p - 1), or the output's o beside k, s, p or d."""
    return _PRIMED.search(text) is not None or bool(
        _O.search(text) and re.search(r"(?<![A-Za-z\\_])[kspd](?![A-Za-z'])", text))


def _dumoulin(table: dict[str, int]) -> dict[str, int]:
    """The size letters of a convolution with Dumoulin and Visin's added (where its two axes agree, for the unnumbered)."""
    h, w, out_h, out_w = table["H"], table["W"], table["H_o"], table["W_o"]
    out = {**table, "i_1": h, "i_2": w, "o_1": out_h, "o_2": out_w}
    if h == w and out_h == out_w:
        out.update({"i": h, "o": out_h, "i'": out_h, "o'": h, "\\tilde{i}'": out_h + (out_h - 1) * (table["s_h"] - 1)})
    if "k" in table and "s" in table:
        out.update({"k'": table["k"], "s'": 1})
        if "p" in table and "d" in table:
            out["p'"] = table["d"] * (table["k"] - 1) - table["p"]
    return out


def _primes(text: str) -> str:
    r"""k^{\prime} and \breve{k} as k', \tilde i' as \tilde{i}'."""
    text = re.sub(r"\^\s*\{?\s*\\prime\s*\}?", "'", text)
    text = re.sub(r"\\breve\s*\{\s*([ioksp])\s*\}", r"\1'", text)
    return re.sub(r"\\tilde\s*\{?\s*i\s*\}?\s*'", r"\\tilde{i}'", text)


def _about_sizes(text: str, tables: list[dict[str, int]], value) -> tuple[str, str] | None:
    """k - 1 = 1, H = 3: a claim in the size letters and numbers alone, right for a convolution it holds for.
    Dumoulin and Visin's o = (i - k) + 1 and k' = k too, where the claim writes a kernel, stride, padding or
    dilation letter or a primed letter (o = 3 alone may be a network's output o)."""
    if "=" not in text or not tables:
        return None
    text = _channels(text)
    if dumoulin(text):
        text, tables = _primes(text), [_dumoulin(t) for t in tables]
        if re.search(r"\\(?!tilde\{i\}')", _SIZE_COMMANDS.sub(" ", text)):
            return None
    elif not _ONLY_SIZES.fullmatch(_SIZE_COMMANDS.sub(" ", text)):  # \frac{n_w + 2p - k_w}{s} too
        return None
    for number, table in enumerate(tables, start=1):
        substituted = _substituted(text, table)
        if re.search(r"[A-Za-z]", _SIZE_COMMANDS.sub(" ", substituted)):
            return None  # a letter that is no size: not a claim about sizes
        try:
            sides = [value(parse_claim(f"{side} = 0", {})[0][0], {}) for side in _top_split(substituted, "=")]
        except (ParseError, TypeError, ValueError, ZeroDivisionError):
            return None
        if all(v == sides[0] for v in sides[1:]):
            which = f" (the convolution {number} of {len(tables)})" if len(tables) > 1 else ""
            return "right", f"with the layer's sizes{which}"
    return "not understood", ("a claim about sizes (the kernel's k, the input's H, ...) that holds for no convolution "
                              "of the derivation: the notes may mean another layer")


_STATED = re.compile(r"\s*((?:[A-Za-z](?:_\s*(?:\{\s*\w\s*\}|\w))?\s*=\s*)+)(\d+)\s*")


def stated(text: str) -> dict[str, int]:
    """The size letters a claim sets to a number ("H = W = 4", "k_1 = k_2 = 2"), as the sizes table writes them."""
    found = _STATED.fullmatch(text)
    if found is None:
        return {}
    names = [re.sub(r"[\s{}]", "", name) for name in found[1].split("=") if name.strip()]
    return dict.fromkeys(names, int(found[2]))


def uniform(derivation) -> set[str]:
    """The size letters every convolution of the derivation gives the same number (k_1 where all kernels are 2 x 2)."""
    tables = [t for r in derivation.records for t in _letters(r.layer, r.shape_in)]
    if not tables:
        return set()
    return {name for name in tables[0] if all(t.get(name) == tables[0][name] for t in tables)}


def judge(text: str, derivation, value) -> tuple[str, str] | None:
    """(status, reason) for an output-size claim or one in the size letters alone, None for any other claim;
    `value` evaluates a parsed side."""
    found = _OUTPUT.match(text)
    if found is None:
        return _about_sizes(text, [t for r in derivation.records for t in _letters(r.layer, r.shape_in)], value)
    tables = [t for r in derivation.records for t in _letters(r.layer, r.shape_in)]
    if not tables:
        return "not understood", "an output size is of a convolution, which this network does not have"
    expected, unread = None, False
    for number, table in enumerate(tables, start=1):
        values = []
        for side in _top_split(_substituted(text, table), "="):
            try:
                (tree, _), _ = parse_claim(f"{side} = 0", {})
                values.append(value(tree, {}))
            except (ParseError, TypeError, ValueError, ZeroDivisionError):
                values.append(None)  # letters of the notes' own (H_{in}, P, S): the numbers beside them are judged
        read = [v for v in values[1:] if v is not None]
        if not read:
            return "not understood", "cannot read the output size's formula with the layer's numbers"
        unread = unread or len(read) < len(values) - 1
        want = Integer(table[f"{found.group(1)}_o"])
        if all(v == want for v in read):
            which = f" (the convolution {number} of {len(tables)})" if len(tables) > 1 else ""
            said = "; the steps in letters of the notes' own are not read" if len(read) < len(values) - 1 else ""
            return "right", f"with the layer's sizes{which}{said}"
        values = [v for v in values[1:] if v is not None]
        expected = expected or (want, values)
    want, values = expected
    first = next(k for k, v in enumerate(values) if v != want)
    return "wrong", (f"the output is {want} {'rows' if found.group(1) == 'H' else 'columns'}; a step of the claim "
                     f"gives {values[first]}")

