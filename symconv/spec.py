"""The frozen, self-validating description of one 2D convolution layer."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

CONVENTIONS = ("correlation", "convolution")
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")  # PyTorch's Conv2d padding_mode

GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu nu xi "
    "omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega".split()
)
# L is the loss and b the bias: a tensor named so would make the document ambiguous.
RESERVED = frozenset({"L", "b"})
# Words `check` reads as the start or part of a range ("for i = 1, 2 and j = 1"): not names.
RANGE_WORDS = frozenset({"for", "where", "and", "all", "every", "with", "let"})
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]*\Z")
_SIZE = re.compile(r"\s*([+-]?\d+)\s*(?:x\s*([+-]?\d+)\s*)?\Z")
# Frameworks index tensors with 64-bit integers; a larger size is a typo, and bounding every value
# keeps each size estimate a float (size.py) and each number printable (Python refuses to turn
# integers of more than 4,300 digits into text).
LARGEST = 2**63 - 1


class SpecError(ValueError):
    """A request symconv cannot carry out as given (a bad size, name, format...); the message says why."""


def shown(value: object, limit: int = 40) -> str:
    """repr(value) for a message, shortened when long (a 5,000-digit number is not worth repeating)."""
    try:
        text = repr(value)
    except ValueError:  # an int too long to print
        return f"of about {value.bit_length() * 0.30103:,.0f} digits"
    return text if len(text) <= limit else f"{text[:limit - 10]}... ({len(text):,} characters)"


def whole(value: object, what: str, least: int = 1) -> int:
    """An int (not a bool, float or text) from `least` to LARGEST, or SpecError naming it and what is valid."""
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= LARGEST:
        kind = "" if isinstance(value, int) and not isinstance(value, bool) else f", not a {type(value).__name__},"
        raise SpecError(f"{what} {shown(value)} is not valid: give a whole number{kind} from {least} to {LARGEST:,}")
    return value


def parse_int(text: str, what: str) -> int:
    """A whole number written in text; SpecError if it is not one or has more digits than any size."""
    digits = text.strip().lstrip("+-")
    if not digits.isdecimal() or not digits.isascii():
        raise SpecError(f"{what} {shown(text)} is not a whole number: give one such as 3")
    if len(digits) > len(str(LARGEST)):
        raise SpecError(f"{what} {shown(text)} is too large: give a whole number up to {LARGEST:,}")
    return int(text)


def parse_pair(text: str, what: str) -> tuple[int, int]:
    """Parse "2" or "2x1" into a pair of integers (the caller checks their range).

    Raises:
        SpecError: if the text is not one integer or two joined by "x".
    """
    match = _SIZE.match(text.lower()) if text.isascii() else None
    if match is None:
        raise SpecError(f"{what} {shown(text)} is not a size: write N or NxM with whole numbers, e.g. 3 or 3x2")
    first, second = match.groups()
    return parse_int(first, what), parse_int(second if second is not None else first, what)


def as_pair(value: object, what: str, single: bool = False) -> tuple[int, int]:
    """An int, a pair of ints or "NxM" text as a pair (the caller checks the lower bound); with `single`, also
    a one-element list [n], which PyTorch reads as (n, n) for a pooling's sizes and a convolution's stride,
    padding and dilation (not for a kernel, whose one element would make a 1-d convolution)."""
    if single and isinstance(value, (tuple, list)) and len(value) == 1:
        value = value[0] if isinstance(value[0], int) and not isinstance(value[0], bool) else value
    if isinstance(value, str):
        pair = parse_pair(value, what)
    elif isinstance(value, int) and not isinstance(value, bool):
        pair = value, value
    elif isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        pair = int(value[0]), int(value[1])
    else:
        one = ", [n]" if single else ""
        raise SpecError(f"{what} {shown(value)} is not a size: give an int{one} or a pair of ints")
    if max(abs(pair[0]), abs(pair[1])) > LARGEST:
        raise SpecError(f"{what} {shown(max(pair, key=abs))} is too large: each value must be at most {LARGEST:,}")
    return pair


PADDING_WORDS = ("same", "valid")


def as_padding(value: object, span: tuple[int, int], stride: tuple[int, int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """A convolution's padding as PyTorch's Conv2d takes it, resolved to ((top, left), (bottom, right)).

    "valid" is no padding; "same" pads d (k - 1) in all on each axis, its floor half at the top (left)
    and the rest at the bottom (right), as PyTorch does, and needs stride 1 (PyTorch's rule); an int,
    a pair or "NxM" pads both sides alike; [[top, bottom], [left, right]] pads each side as given.
    """
    if isinstance(value, str) and value.strip().lower() in PADDING_WORDS:
        if value.strip().lower() == "valid":
            return (0, 0), (0, 0)
        if stride != (1, 1):
            raise SpecError(f"padding 'same' needs stride 1, not {fmt_pair(stride)} (PyTorch refuses it for strided "
                            "convolutions): give the padding as numbers instead")
        total = [n - 1 for n in span]
        return (total[0] // 2, total[1] // 2), (total[0] - total[0] // 2, total[1] - total[1] // 2)
    try:
        if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, (tuple, list)) for v in value):
            sides = [as_pair(v, "padding") for v in value]
            start, end = (sides[0][0], sides[1][0]), (sides[0][1], sides[1][1])
        else:
            start = end = as_pair(value, "padding", single=True)
    except SpecError as error:
        if "too large" in str(error):
            raise
        raise SpecError(f"padding {shown(value)} is not valid: give same, valid, N, NxM, [N], [rows, columns] or "
                        "[[top, bottom], [left, right]] with whole numbers") from None
    if min(*start, *end) < 0:
        given = fmt_pair(start) if start == end else shown(value)
        raise SpecError(f"padding {given} is not valid: each value must be 0 or more")
    return start, end


def check_bias(value: object) -> bool:
    """A bool: the text "false" or the number 1 would silently mean true."""
    if not isinstance(value, bool):
        raise SpecError(f"bias {shown(value)} is not valid: give true or false (a boolean, not text or a number)")
    return value


def check_choice(value: object, what: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise SpecError(f"{what} {shown(value)} is not valid: use one of {', '.join(choices)}")
    return value


def check_groups(groups: object, in_channels: int, out_channels: int) -> int:
    """A number of groups that divides both channel counts (PyTorch's rule), or SpecError naming it."""
    whole(groups, "groups")
    for what, n in (("in_channels", in_channels), ("out_channels", out_channels)):
        if n % groups:
            divisors = [d for d in range(1, min(in_channels, out_channels) + 1)
                        if in_channels % d == 0 and out_channels % d == 0] if max(in_channels, out_channels) <= 10**4 else [1]
            raise SpecError(f"groups {groups} does not divide {what} {n}: use one that divides both channel counts "
                            f"({', '.join(map(str, divisors[:12]))})")
    return groups


def fmt_pair(pair: tuple[int, int]) -> str:
    """Write a pair the way the CLI reads it: 3x2."""
    return f"{pair[0]}x{pair[1]}"


def check_name(name: object, role: str) -> str:
    """Return a valid tensor name or raise SpecError saying what is valid."""
    if not isinstance(name, str) or not _NAME.match(name):
        raise SpecError(
            f"{role} name {name!r} is not valid: use a letter followed by letters or digits, e.g. X or F1"
        )
    if name.lower() in GREEK:
        raise SpecError(f"{role} name {name!r} is a Greek letter's name: use Latin letters, e.g. X or F1")
    if name in RESERVED:
        raise SpecError(f"{role} name {name!r} is reserved (L is the loss, b the bias): choose another")
    if name.lower() in RANGE_WORDS:
        raise SpecError(f"{role} name {name!r} is a word that notes use for ranges (for i = 1, 2): choose another")
    return name


@dataclass(frozen=True)
class Names:
    """What the teacher calls the input, the kernel and the output."""

    input: str = "x"
    kernel: str = "k"
    output: str = "y"

    def __post_init__(self) -> None:
        for role in ("input", "kernel", "output"):
            check_name(getattr(self, role), role)
        if len({self.input, self.kernel, self.output}) < 3:
            raise SpecError(
                f"names {self.input},{self.kernel},{self.output} repeat a name: input, kernel and output need three different names"
            )

    @classmethod
    def parse(cls, text: str) -> Names:
        """Read "X,F,O" (input, kernel, output)."""
        parts = [p.strip() for p in text.split(",")]
        if len(parts) != 3:
            raise SpecError(f"names {text!r} must be three comma-separated names: input,kernel,output, e.g. X,F,O")
        return cls(*parts)

    def as_dict(self) -> dict[str, str]:
        return {"input": self.input, "kernel": self.kernel, "output": self.output}


@dataclass(frozen=True)
class ConvSpec:
    """One 2D convolution layer: input C_in x H x W, kernel C_out x (C_in / groups) x kh x kw.

    With `groups` g (PyTorch's), the channels split into g groups: output channel m reads only the
    C_in / g input channels of its group; g = C_in is the depthwise convolution.

    Sizes, stride, padding and dilation accept an int (used for both axes), a pair, or the text
    "3" / "3x2"; the padding also "same", "valid" or [[top, bottom], [left, right]] (see as_padding),
    kept as `padding` (top, left) and `padding_end` (bottom, right; None when equal). The output size is
    Ho = floor((H + ph + ph' - dh (kh - 1) - 1) / sh) + 1 (ph' the bottom padding), likewise Wo.

    Raises:
        SpecError: on any value that does not describe a layer, naming the value.
    """

    input: tuple[int, int] = (3, 3)
    kernel: tuple[int, int] = (2, 2)
    in_channels: int = 1
    out_channels: int = 1
    stride: tuple[int, int] = (1, 1)
    padding: tuple[int, int] = (0, 0)
    dilation: tuple[int, int] = (1, 1)
    bias: bool = False
    convention: str = "correlation"
    names: Names = field(default_factory=Names)
    groups: int = 1
    batch: int | None = None  # a leading axis of this many examples (--batch); None: one example, no axis
    # The bottom and right padding where they differ from `padding` (the top and left): padding "same"
    # with an even kernel span, or [[top, bottom], [left, right]]. None: the same on both sides.
    padding_end: tuple[int, int] | None = None
    # What the padding reads (PyTorch's padding_mode): zeros, or the input's entries reflected across its
    # border, its border entry repeated, or the input repeated (circular).
    padding_mode: str = "zeros"

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        for attr, least in (("input", 1), ("kernel", 1), ("stride", 1), ("dilation", 1)):
            pair = as_pair(getattr(self, attr), attr, single=attr in ("stride", "dilation"))
            if min(pair) < least:
                rule = "0 or more" if least == 0 else "1 or more"
                raise SpecError(f"{attr} {fmt_pair(pair)} is not valid: each value must be {rule}")
            set_(self, attr, pair)
        start, end = as_padding(self.padding, self.kernel_span, self.stride)
        if self.padding_end is not None:
            end = as_pair(self.padding_end, "padding_end")
            if min(end) < 0:
                raise SpecError(f"padding_end {fmt_pair(end)} is not valid: each value must be 0 or more")
        set_(self, "padding", start)
        set_(self, "padding_end", None if end == start else end)
        check_choice(self.padding_mode, "padding_mode", PADDING_MODES)
        for n, first, last, axis in zip(self.input, start, end, ("rows", "columns")):
            if self.padding_mode == "reflect" and max(first, last) >= n:
                raise SpecError(f"padding {self.padding_text} with padding_mode reflect needs fewer padded {axis} than the "
                                f"input's {n} on each side (PyTorch's rule): use less padding or another mode")
            if self.padding_mode == "circular" and max(first, last) > n:
                raise SpecError(f"padding {self.padding_text} with padding_mode circular needs at most the input's {n} "
                                f"{axis} on each side (PyTorch's rule): use less padding or another mode")
        for attr in ("in_channels", "out_channels"):
            whole(getattr(self, attr), attr.replace("_", "-"))
        check_groups(self.groups, self.in_channels, self.out_channels)
        if self.batch is not None:
            whole(self.batch, "batch")
        check_bias(self.bias)
        check_choice(self.convention, "convention", CONVENTIONS)
        if isinstance(self.names, str):
            set_(self, "names", Names.parse(self.names))
        elif not isinstance(self.names, Names):
            raise SpecError(f"names {self.names!r} is not valid: give Names(...) or text such as X,F,O")
        span, padded = self.kernel_span, self.padded_input
        if span[0] > padded[0] or span[1] > padded[1]:
            dilated = f" with dilation {fmt_pair(self.dilation)}" if self.dilation != (1, 1) else ""
            raise SpecError(
                f"kernel {fmt_pair(self.kernel)}{dilated} spans {fmt_pair(span)}, larger than the padded input "
                f"{fmt_pair(padded)} (input {fmt_pair(self.input)}, padding {self.padding_text}): "
                "use a smaller kernel or more padding"
            )

    @property
    def kernel_span(self) -> tuple[int, int]:
        """Rows and columns the dilated kernel covers: d (k - 1) + 1."""
        return tuple(d * (k - 1) + 1 for d, k in zip(self.dilation, self.kernel))  # type: ignore[return-value]

    @property
    def end_padding(self) -> tuple[int, int]:
        """The padding at the bottom and on the right (the top and left are `padding`)."""
        return self.padding_end or self.padding

    @property
    def has_padding(self) -> bool:
        """Whether any side is padded."""
        return self.padding != (0, 0) or self.end_padding != (0, 0)

    @property
    def copies(self) -> bool:
        """Whether the padding copies input entries (a padding mode other than zeros, and some padding)."""
        return self.has_padding and self.padding_mode != "zeros"

    @property
    def symmetric(self) -> bool:
        """Whether each axis is padded alike on both sides."""
        return self.padding_end is None

    @property
    def padding_text(self) -> str:
        """The padding as the CLI and the messages write it: 1x2, or [[0, 1], [0, 1]] when the sides differ."""
        if self.symmetric:
            return fmt_pair(self.padding)
        return str([[self.padding[0], self.end_padding[0]], [self.padding[1], self.end_padding[1]]])

    @property
    def padded_input(self) -> tuple[int, int]:
        return tuple(n + p + e for n, p, e in zip(self.input, self.padding, self.end_padding))  # type: ignore[return-value]

    @property
    def output(self) -> tuple[int, int]:
        """(Ho, Wo) = floor((padded - span) / stride) + 1."""
        return tuple((n - s) // st + 1 for n, s, st in zip(self.padded_input, self.kernel_span, self.stride))  # type: ignore[return-value]

    @property
    def in_per_group(self) -> int:
        """Input channels each kernel reads: C_in / groups."""
        return self.in_channels // self.groups

    @property
    def out_per_group(self) -> int:
        return self.out_channels // self.groups

    def group_of(self, m: int) -> int:
        """The group of output channel m (0-based): its kernels read input channels from
        group_of(m) * in_per_group on."""
        return m // self.out_per_group

    @property
    def flipped(self) -> bool:
        return self.convention == "convolution"

    def slug(self) -> str:
        """A folder name that encodes every field, so different layers never share a folder."""
        parts = [
            f"conv_in{self.in_channels}x{fmt_pair(self.input)}",
            f"k{self.out_channels}x{fmt_pair(self.kernel)}",
            f"s{fmt_pair(self.stride)}",
            f"p{fmt_pair(self.padding)}" + ("" if self.symmetric else f"-{fmt_pair(self.end_padding)}"),
            f"d{fmt_pair(self.dilation)}",
        ]
        if self.groups > 1:
            parts.append(f"g{self.groups}")
        if self.batch is not None:
            parts.append(f"n{self.batch}")
        if self.bias:
            parts.append("bias")
        if self.flipped:
            parts.append("flip")
        if self.padding_mode != "zeros":
            parts.append(self.padding_mode)
        if self.names != Names():
            parts.append("n" + "-".join(self.names.as_dict().values()))
        return "_".join(parts)

    def as_dict(self) -> dict[str, object]:
        """The spec as the JSON format echoes it."""
        out = {
            "input": [self.in_channels, *self.input],
            "kernel": [self.out_channels, self.in_per_group, *self.kernel],
            "stride": list(self.stride),
            "padding": list(self.padding) if self.symmetric else
            [[self.padding[0], self.end_padding[0]], [self.padding[1], self.end_padding[1]]],
            "dilation": list(self.dilation),
            "bias": self.bias,
            "convention": self.convention,
            "names": self.names.as_dict(),
        }
        if self.groups > 1:  # echoed only when used, so that ungrouped layers' JSON is unchanged
            out["groups"] = self.groups
        if self.padding_mode != "zeros":
            out["padding_mode"] = self.padding_mode
        if self.batch is not None:
            out["batch"] = self.batch
        return out
