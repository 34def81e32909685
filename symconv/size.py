"""How large a derivation is, from the shapes alone, and the refusal of sizes too large to read or to hold."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass
from math import prod

from .layers import Work
from .network import NetworkSpec, as_network
from .spec import ConvSpec, SpecError

# Every entry of every tensor is a SymPy symbol or expression and a line of the documents.
SECONDS_PER_ENTRY = 2e-5
BYTES_PER_ENTRY = 1000
# A page holds about 150 terms, or 80 entries (half of them derived, each on its own line: an entry
# that is exactly 0 still takes a line); measured, the estimate is within 15% of the PDF's pages
# (12x12 and 20x20 inputs, 3000x0 padding, 2 and 3 channels). 150 pages is as long as a document
# stays readable.
TERMS_PER_PAGE = 150
ENTRIES_PER_PAGE = 80
PAGE_LIMIT = 150
# What symconv derives unasked: about 3,000,000 products of a convolution.
SECONDS_LIMIT = 12.0
BYTES_LIMIT = 2e9
# Jacobians are dense in the JSON (zeros included) and grow as len vec(Y) x len vec(X): a million
# entries is about 15 MB of JSON.
JACOBIAN_LIMIT = 1_000_000
DOCUMENT_FORMATS = frozenset({"tex", "pdf", "md", "html"})


def count(n: int) -> str:
    """A count for a message: 1,234,567, or about 1.2e+40 when the digits would not help."""
    return f"{n:,}" if n < 10**15 else f"about {float(n):.1e}"


def duration(seconds: float) -> str:
    for unit, length in (("years", 3.15e7), ("days", 86400), ("hours", 3600), ("minutes", 60)):
        if seconds >= 2 * length:
            return f"{seconds / length:,.0f} {unit}" if seconds < 1e6 * length else f"{seconds / length:.1e} {unit}"
    return f"{seconds:.1f} s"


def amount(size: float) -> str:
    for unit, scale in (("TB", 1e12), ("GB", 1e9)):
        if size >= 10 * scale:
            return f"{size / scale:,.0f} {unit}" if size < 1e6 * scale else f"{size / scale:.1e} {unit}"
    return f"{size / 1e6:,.0f} MB"


@dataclass(frozen=True)
class Size:
    """Counts of what a derivation holds, and what building it costs; all from the shapes, in closed form."""

    products: int  # two-factor terms over Y, dL/dK and dL/dX together (conv and dense)
    entries: int  # of every tensor, leaves included
    jacobian_entries: int = 0  # entries of d vec(Y) / d vec(K), / d vec(X) and / d b, zeros included
    terms: int = 0  # every term of every derived entry, products included
    seconds: float = 0.0
    bytes: float = 0.0

    @classmethod
    def of(cls, spec: ConvSpec | NetworkSpec) -> Size:
        """Each layer's work (its kind's estimate: terms, time and memory), and the entries of every
        tensor, forward and backward; for a single layer, the entries of its Jacobians too."""
        net = as_network(spec)
        shapes = net.shapes
        examples = net.batch or 1  # each example is derived as one, through the same layers
        products = entries = terms = 0
        seconds = memory = 0.0
        for l, layer in enumerate(net.layers, start=1):
            work: Work = layer.work(net.shape_in(l))
            terms, seconds = terms + examples * work.terms, seconds + examples * work.seconds
            memory, products = memory + examples * work.bytes, products + examples * work.products
            # A parameter and its gradient (a loss's target takes the place of dL/dA[n], counted below), and
            # a value computed on the way (a batch mean) and its gradient, one per example if it has rows.
            entries += sum(2 * prod(p.shape) * (examples if p.per_example else 1)
                           for p in layer.params(net.shape_in(l)) if p.trained)
        entries += 2 * examples * sum(prod(shape) for shape in shapes)  # every activation and its gradient
        # Where several layers read a value, each one's part of its gradient.
        entries += examples * sum(prod(shapes[j]) * len(net.readers(j)) for j in range(len(net.layers))
                                  if len(net.readers(j)) > 1)
        reads = examples * prod(shapes[0]) + sum(prod(p.shape) for p in net.layers[0].params(shapes[0]) if p.trained
                                                 and not p.stage)
        jacobian_entries = examples * prod(shapes[1]) * reads if len(net.layers) == 1 else 0
        return cls(products=products, entries=entries, jacobian_entries=jacobian_entries, terms=terms,
                   seconds=seconds + entries * SECONDS_PER_ENTRY, bytes=memory + entries * BYTES_PER_ENTRY)

    @property
    def pages(self) -> float:
        return self.terms / TERMS_PER_PAGE + self.entries / ENTRIES_PER_PAGE

    def describe(self) -> str:
        return f"{count(self.terms)} terms in {count(self.entries)} entries, about {duration(self.seconds)} and {amount(self.bytes)}"


def memory_available() -> float:
    """Bytes this process could ever hold: the machine's memory, or less under a limit (ulimit -v)."""
    try:
        physical = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        physical = 2**40
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    return float(min(physical, soft) if soft != resource.RLIM_INFINITY else physical)


def check_size(spec: ConvSpec | NetworkSpec, formats: frozenset[str] | set[str], force: bool = False,
               jacobians: bool = False) -> Size:
    """Refuse a derivation too large for what it is asked for, unless forced; refuse one that cannot
    fit in memory even when forced. Nothing is built: the sizes come from the shapes.

    Raises:
        SpecError: naming the size, the cost and the option that forces it.
    """
    size = Size.of(spec)
    what = "layer" if len(as_network(spec).layers) == 1 else "network"
    available = memory_available()
    # Jacobian entries are mostly the one shared zero: a pointer and a label each.
    jacobian_bytes = 200 * size.jacobian_entries if jacobians else 0
    if size.bytes + jacobian_bytes > available:
        extra = f", with Jacobians of {count(size.jacobian_entries)} entries ({amount(jacobian_bytes)})" if jacobian_bytes else ""
        raise SpecError(
            f"this {what} has {size.describe()}{extra}, more than the {amount(available)} of memory this machine "
            "has: --force cannot help; choose a smaller size"
        )
    if force:
        return size
    if formats & DOCUMENT_FORMATS and size.pages > PAGE_LIMIT:
        raise SpecError(
            f"this {what} has {size.describe()}: its document would be about {count(round(size.pages))} pages, too "
            f"long to read (more than {PAGE_LIMIT}): choose a smaller size, --format json, or --force to write it anyway"
        )
    if size.seconds > SECONDS_LIMIT or size.bytes > BYTES_LIMIT:
        raise SpecError(
            f"this {what} has {size.describe()}, more than symconv derives unasked ({duration(SECONDS_LIMIT)} or "
            f"{amount(BYTES_LIMIT)}): choose a smaller size, or --force to derive it anyway"
        )
    if jacobians and size.jacobian_entries > JACOBIAN_LIMIT:
        raise SpecError(
            f"the Jacobians of this layer have {count(size.jacobian_entries)} entries (zeros included), more than the "
            f"{JACOBIAN_LIMIT:,} symconv writes unasked: choose a smaller size, leave out --jacobians, or --force"
        )
    return size
