"""How large a derivation is, and the refusal of sizes too large to read or to hold in memory."""

from __future__ import annotations

from dataclasses import dataclass

from .indexmap import IndexMap
from .layers import Conv, Dense
from .network import NetworkSpec
from .spec import ConvSpec, SpecError

# Measured on the project's 2-core machine (benchmarks/bench.py, SymPy 1.14): the in-process
# pipeline (derive, LaTeX, JSON, verify) costs about this much per product, and this much memory.
SECONDS_PER_PRODUCT = 4e-6
BYTES_PER_PRODUCT = 600
# A document stops being readable long before memory runs out: 25,000 terms are about 150 pages.
DOCUMENT_LIMIT = 25_000
DATA_LIMIT = 3_000_000
# Jacobians are dense in the JSON (zeros included) and grow as len vec(Y) x len vec(X): a million
# entries is about 15 MB of JSON.
JACOBIAN_LIMIT = 1_000_000
DOCUMENT_FORMATS = frozenset({"tex", "pdf", "md", "html"})


@dataclass(frozen=True)
class Size:
    """Counts of what a derivation holds."""

    products: int  # two-factor terms over Y, dL/dK and dL/dX together
    entries: int
    jacobian_entries: int = 0  # entries of d vec(Y) / d vec(K), / d vec(X) and / d b, zeros included

    @classmethod
    def of(cls, spec: ConvSpec) -> Size:
        index = IndexMap(spec)
        c_in, c_out = spec.in_channels, spec.out_channels
        outputs = c_out * spec.output[0] * spec.output[1]
        entries = 2 * outputs + c_in * spec.input[0] * spec.input[1] + c_out * c_in * spec.kernel[0] * spec.kernel[1]
        rows = outputs
        columns = c_out * c_in * spec.kernel[0] * spec.kernel[1] + c_in * spec.input[0] * spec.input[1]
        columns += c_out if spec.bias else 0
        return cls(products=3 * index.products, entries=entries + (c_out if spec.bias else 0),
                   jacobian_entries=rows * columns)

    @classmethod
    def of_network(cls, net: NetworkSpec) -> Size:
        """Terms of the convolution and dense layers, which hold nearly all of a network's terms;
        entries of every tensor, forward and backward."""
        shapes = net.shapes
        products = entries = 0
        for l, layer in enumerate(net.layers, start=1):
            if isinstance(layer, Conv):
                size = cls.of(layer.conv_spec(shapes[l - 1]))
                products, entries = products + size.products, entries + size.entries
            elif isinstance(layer, Dense):
                products += 3 * layer.out_features * shapes[l - 1][0]
            count = 1
            for n in shapes[l]:
                count *= n
            entries += 2 * count
        return cls(products=products, entries=entries)

    def describe(self) -> str:
        seconds = self.products * SECONDS_PER_PRODUCT
        megabytes = self.products * BYTES_PER_PRODUCT / 1e6
        return f"{self.products:,} terms, about {seconds:.1f} s and {megabytes:,.0f} MB"


def check_size(spec: ConvSpec | NetworkSpec, formats: frozenset[str] | set[str], force: bool = False,
               jacobians: bool = False) -> Size:
    """Refuse a derivation too large for what it is asked for, unless forced.

    Raises:
        SpecError: naming the size, the cost and the option that forces it.
    """
    size = Size.of_network(spec) if isinstance(spec, NetworkSpec) else Size.of(spec)
    if force:
        return size
    if formats & DOCUMENT_FORMATS and size.products > DOCUMENT_LIMIT:
        raise SpecError(
            f"this {'network' if isinstance(spec, NetworkSpec) else 'layer'} has {size.describe()}; a document with more than {DOCUMENT_LIMIT:,} terms is too long "
            "to read: choose a smaller size, --format json, or --force to write it anyway"
        )
    if size.products > DATA_LIMIT:
        raise SpecError(
            f"this {'network' if isinstance(spec, NetworkSpec) else 'layer'} has {size.describe()}, more than the {DATA_LIMIT:,} terms symconv derives unasked: "
            "choose a smaller size, or --force to derive it anyway"
        )
    if jacobians and size.jacobian_entries > JACOBIAN_LIMIT:
        raise SpecError(
            f"the Jacobians of this layer have {size.jacobian_entries:,} entries (zeros included), more than the "
            f"{JACOBIAN_LIMIT:,} symconv writes unasked: choose a smaller size, leave out --jacobians, or --force"
        )
    return size
