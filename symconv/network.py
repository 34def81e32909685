"""A network: an input shape and a list of layers, from a TOML file or built in Python."""

from __future__ import annotations

import hashlib
import json
import os
import stat
import unicodedata
from dataclasses import dataclass
from functools import cached_property
from math import prod
from pathlib import Path

from .layers import KINDS, Conv, Layer, Shape, is_layer, layer_from_fields
from .spec import ConvSpec, Names, SpecError, shown, whole

# A file system takes names of 255 bytes: a longer network name is cut in the folder name (the
# digest then covers the whole name, so different names still get different folders).
SLUG_NAME_BYTES = 120
TITLE_CHARS = 200
# A network file describes its layers in a few kB: more than this is not one (/dev/zero, a data file).
NETWORK_FILE_BYTES = 2_000_000


@dataclass(frozen=True)
class NetworkSpec:
    """input = (channels, height, width); layers in order. Shapes must chain; a loss only comes last.

    `names` (a single layer's: what `symconv render --input` builds) writes the tensors as one layer
    is written, X, K, b, Y with the teacher's letters; without it they are X, K[l], A[l] with a^{[l]}.

    Raises:
        SpecError: naming the layer (1-based) and what does not fit.
    """

    input: tuple[int, ...]  # (channels, height, width) for an image, (n,) for a vector
    layers: tuple[Layer, ...]
    name: str = "network"
    names: Names | None = None
    title: str = ""  # the document's title; by default one made from `name`
    batch: int | None = None  # a leading axis of this many examples on every activation; None: no such axis
    # The document shows the gradient of the network's input (as --input-gradient): where it teaches, as the
    # full convolution behind a first convolution layer.
    input_gradient: bool = False
    # What each layer reads: 0 is the network's input, k layer k's output. Empty: a chain, each layer
    # reading the one before it. `labels` are the layers' names in the file, for messages.
    inputs: tuple[tuple[int, ...], ...] = ()
    labels: tuple[str | None, ...] = ()
    # The qualified name of the PyTorch module each layer was imported from (None: not imported).
    modules: tuple[str | None, ...] = ()

    def __post_init__(self) -> None:
        shape = self.input
        if not isinstance(shape, (tuple, list)) or len(shape) not in (1, 3):
            raise SpecError(f"input {shown(list(shape) if isinstance(shape, tuple) else shape)} is not valid: "
                            "give [channels, height, width] for an image or [n] for a vector, each 1 or more")
        for what, n in zip(("channels", "height", "width") if len(shape) == 3 else ("size",), shape):
            whole(n, f"input {what}")
        if not isinstance(self.name, str):
            raise SpecError(f"name {shown(self.name)} is not valid: give the network's name as text")
        if not isinstance(self.title, str) or len(self.title) > TITLE_CHARS or not _printable(self.title):
            raise SpecError(f"title {shown(self.title)} is not valid: give one line of text of at most "
                            f"{TITLE_CHARS} characters, without control characters")
        object.__setattr__(self, "input", tuple(shape))
        if self.batch is not None:
            whole(self.batch, "batch")
        if not isinstance(self.input_gradient, bool):
            raise SpecError(f"input_gradient {shown(self.input_gradient)} is not valid: give true or false")
        if not isinstance(self.layers, (tuple, list)):
            raise SpecError(f"layers {shown(self.layers)} is not valid: give a list of layers, e.g. (Conv(2, 3), Flatten())")
        object.__setattr__(self, "layers", tuple(self.layers))
        if not self.layers:
            raise SpecError("the network has no layers: add at least one [[layer]]")
        for n, layer in enumerate(self.layers, start=1):
            if not is_layer(layer):
                kinds = ", ".join(KINDS)
                raise SpecError(f"layer {n} {shown(layer)} is not a layer: give one of {kinds}")
            if layer.is_loss and n != len(self.layers):
                raise SpecError(f"layer {n} ({layer.type}): the loss must be the last layer")
        if self.names is not None and (len(self.layers) != 1 or self.layers[0].is_loss):
            raise SpecError("names are for a single layer (X, K, Y): a network's tensors are named by layer")
        self._check_wiring()
        modules = tuple(self.modules) + (None,) * (len(self.layers) - len(self.modules))
        if len(modules) != len(self.layers) or not all(m is None or isinstance(m, str) for m in modules):
            raise SpecError(f"modules {shown(self.modules)} is not valid: give one module name (text) or None per layer")
        object.__setattr__(self, "modules", modules)
        for n, layer in enumerate(self.layers, start=1):
            if layer.whole_batch and self.batch is None:
                raise SpecError(f"{self._where(n)}: it normalizes over a batch, and the network has none: give it "
                                "batch = N (2 or more) at the top of the file")
            if layer.whole_batch and self.batch * prod(self.shape_in(n)[1:]) < 2:
                raise SpecError(f"{self._where(n)}: it would normalize a single value per channel (a batch of "
                                f"{self.batch}), whose variance is 0: give batch = 2 or more")

    def _where(self, n: int) -> str:
        """Layer n as a message names it: layer 3 (add, 'out')."""
        label = self.labels[n - 1] if n <= len(self.labels) else None
        return f"layer {n} ({self.layers[n - 1].type}" + (f", {label!r})" if label else ")")

    def _check_wiring(self) -> None:
        """Normalise `inputs` (a chain by default) and refuse what cannot be derived: a layer reading a
        later one (a cycle), a wrong number of inputs, a value read twice by one layer, an output no one reads."""
        count = len(self.layers)
        wiring = self.inputs or tuple((n - 1,) for n in range(1, count + 1))
        if len(wiring) != count:
            raise SpecError(f"inputs {shown(self.inputs)} is not valid: give one tuple of sources per layer ({count})")
        object.__setattr__(self, "inputs", tuple(tuple(sources) for sources in wiring))
        for n, (layer, sources) in enumerate(zip(self.layers, self.inputs), start=1):
            for source in sources:
                if isinstance(source, bool) or not isinstance(source, int) or not 0 <= source < n:
                    raise SpecError(f"{self._where(n)}: it reads {shown(source)}, which is not an earlier layer: a layer "
                                    "reads the network's input (0) or the output of a layer before it, never a later one")
            if len(set(sources)) != len(sources):
                raise SpecError(f"{self._where(n)}: it reads the same value twice: list each input once")
            if layer.arity and len(sources) != layer.arity:
                raise SpecError(f"{self._where(n)}: it reads {len(sources)} inputs, but a {layer.type} layer reads "
                                f"{layer.arity}")
            if not layer.arity and len(sources) < 2:
                raise SpecError(f"{self._where(n)}: it joins several values, but reads {len(sources)}: give it two or "
                                "more inputs")
        read = {source for sources in self.inputs for source in sources}
        for n in range(0, count):
            if n not in read:
                raise SpecError("the network's input is never read: some layer must read input" if n == 0 else
                                f"{self._where(n)}: its output is never read: feed it to a later layer or remove it")

    @property
    def chain(self) -> bool:
        """Whether each layer reads the one before it alone (no branches)."""
        return all(sources == (n,) for n, sources in enumerate(self.inputs))

    def shape_in(self, n: int) -> Shape:
        """The shape of what layer n reads (its first input's, for a join)."""
        return self.shapes[self.inputs[n - 1][0]]

    def readers(self, source: int) -> list[int]:
        """The layers (1-based) that read `source` (0: the network's input), in order."""
        return self._readers[source]

    @cached_property
    def _readers(self) -> list[list[int]]:
        """Per value (0: the input, k: layer k's output), the layers that read it: worked out once."""
        out: list[list[int]] = [[] for _ in range(len(self.layers) + 1)]
        for n, sources in enumerate(self.inputs, start=1):
            for source in sources:
                out[source].append(n)
        return out

    @cached_property
    def shapes(self) -> list[Shape]:
        """The input's shape, then each layer's output shape (worked out once: every stage reads them)."""
        shapes = [self.input]
        for n, (layer, sources) in enumerate(zip(self.layers, self.inputs), start=1):
            try:
                shapes.append(layer.output_shape_of(tuple(shapes[s] for s in sources)))
            except SpecError as error:
                raise SpecError(f"{self._where(n)}: {error}") from None
        return shapes

    @property
    def has_loss(self) -> bool:
        return self.layers[-1].is_loss

    def as_dict(self) -> dict[str, object]:
        """The network as the JSON format echoes it, as a file writes it with every default filled in:
        input, title, batch (None for none), input_gradient and the layers, each with its name (`layer<n>` for one
        the file left unnamed), the names of its inputs and, for an imported layer, the PyTorch module
        it came from, then its fields. from_dict reads it back."""
        names = self.layer_names()
        layers = [{"name": names[n], "inputs": [names[s] for s in sources],
                   **({"module": module} if module is not None else {}), **layer.as_fields()}
                  for n, (layer, sources, module) in enumerate(zip(self.layers, self.inputs, self.modules), start=1)]
        return {"input": list(self.input), "title": self.title, "batch": self.batch,
                "input_gradient": self.input_gradient, "layers": layers}

    def layer_names(self) -> list[str]:
        """"input", then each layer's name: the file's, or `layer<n>` (primed until no other layer has it)."""
        names = ["input"]
        taken = {label for label in self.labels if label} | {"input"}
        for n in range(1, len(self.layers) + 1):
            label = self.labels[n - 1] if n <= len(self.labels) else None
            if not label:
                label = f"layer{n}"
                while label in taken:
                    label += "'"
                taken.add(label)
            names.append(label)
        return names

    def _identity(self) -> dict[str, object]:
        """What the folder's digest covers: the layers' fields and the wiring (not names nor the title),
        in the form it always had, so that a network keeps its folder."""
        out = {"input": list(self.input), "layers": [layer.identity_fields() for layer in self.layers]}
        if self.batch is not None:
            out = {"batch": self.batch, **out}
        if not self.chain:
            out["inputs"] = [list(sources) for sources in self.inputs]
        return out

    def batched(self, shape: Shape) -> Shape:
        """The shape of an activation, its gradient or a target in the derivation: the batch axis first."""
        return shape if self.batch is None else (self.batch, *shape)

    def slug(self) -> str:
        """A folder name: the network's name and a short digest of its layers."""
        layers = json.dumps(self._identity(), sort_keys=True)
        name = self.name.encode()[:SLUG_NAME_BYTES].decode(errors="ignore")
        if name != self.name:
            layers += self.name
        digest = hashlib.sha256(layers.encode()).hexdigest()[:8]
        return f"net_{name}_{digest}"

    @classmethod
    def from_dict(cls, data: dict, name: str = "network") -> NetworkSpec:
        """Read {"input": [C, H, W], "layer": [{"type": ...}, ...]} (the TOML file's structure).

        Raises:
            SpecError: naming the layer number and the field.
        """
        if not isinstance(data, dict):
            raise SpecError(f"{shown(data)} is not a network: give a table with input and [[layer]] tables")
        unknown = set(data) - {"input", "layer", "title", "batch", "input_gradient"}
        if unknown:
            raise SpecError(f"key {sorted(unknown)[0]!r} is not known: a network file has input, an optional title, "
                            "an optional batch, an optional input_gradient and [[layer]] tables")
        if "input" not in data:
            raise SpecError("input is missing: give input = [channels, height, width]")
        tables = data.get("layer", [])
        if not isinstance(tables, list):
            raise SpecError("layer must be a list of tables: write each as [[layer]]")
        layers, labels, wiring, modules, known = [], [], [], [], {"input": 0}
        for n, table in enumerate(tables, start=1):
            if not isinstance(table, dict):
                raise SpecError(f"layer {n} {shown(table)} is not a table: write each layer as [[layer]] "
                                'followed by type = "..." and its fields')
            table = dict(table)
            label, sources, module = table.pop("name", None), table.pop("inputs", None), table.pop("module", None)
            if module is not None and (not isinstance(module, str) or not _printable(module)):
                raise SpecError(f"layer {n}: module {shown(module)} is not valid: give the qualified name of the "
                                'PyTorch module it comes from, e.g. "features.0"')
            modules.append(module)
            wiring.append(_sources(n, sources, known))
            if label is not None:
                if not isinstance(label, str) or not label or label in known:
                    raise SpecError(f"layer {n}: name {shown(label)} is not valid: give each layer its own name "
                                    "(text, not input or another layer's name)")
                known[label] = n
            labels.append(label)
            try:
                layers.append(layer_from_fields(table))
            except SpecError as error:
                raise SpecError(f"layer {n}: {error}") from None
            except TypeError as error:  # a value of the wrong kind reaching a dataclass
                raise SpecError(f"layer {n}: {error}") from None
        spec = cls(tuple(data["input"]) if isinstance(data["input"], list) else data["input"], tuple(layers), name,
                   title=data.get("title", ""), batch=data.get("batch"), inputs=tuple(wiring), labels=tuple(labels),
                   input_gradient=data.get("input_gradient", False), modules=tuple(modules))
        spec.shapes  # noqa: B018  (validates that the shapes chain, naming the layer)
        return spec


def _printable(text: str) -> bool:
    """Whether text is one line with no control character (an escape sequence, a bell, a bidi override)."""
    return not any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def _sources(n: int, sources: object, known: dict[str, int]) -> tuple[int, ...]:
    """What layer n reads, from its `inputs` list of names ("input" or an earlier layer's name); by
    default the layer before it."""
    if sources is None:
        return (n - 1,)
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        raise SpecError(f"layer {n}: inputs {shown(sources)} is not valid: give a list of names, e.g. "
                        '["input"] or ["conv1", "skip"]')
    for source in sources:
        if source not in known:
            names = ", ".join(known)
            raise SpecError(f"layer {n}: input {source!r} is not known: a layer reads input or the name of a layer "
                            f"before it ({names})")
    return tuple(known[source] for source in sources)


def as_network(spec: ConvSpec | NetworkSpec) -> NetworkSpec:
    """The network to derive: a NetworkSpec as it is; a single layer (ConvSpec) as the one-layer
    network it is, named as a single layer (X, K, b, Y; the teacher's letters)."""
    if isinstance(spec, NetworkSpec):
        return spec
    return NetworkSpec((spec.in_channels, *spec.input), (Conv.of_spec(spec),), "layer", spec.names, batch=spec.batch)


def read_network_file(path: Path) -> bytes:
    """The bytes of a network file: a regular file of at most NETWORK_FILE_BYTES.

    It is opened without waiting (a FIFO with no writer would block forever) and checked before a
    byte is read, so that /dev/zero, /dev/urandom, a FIFO or a folder is refused at once.

    Raises:
        SpecError: when it cannot be opened, is not a regular file or is too large to be a network.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    except OSError as error:
        raise SpecError(f"{path}: cannot read it ({error.strerror})") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = "a folder" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a regular file"
        raise SpecError(f"{path}: it is {kind}, not a file: give a network's TOML file")
    with os.fdopen(fd, "rb") as handle:
        try:
            data = handle.read(NETWORK_FILE_BYTES + 1)
        except OSError as error:
            raise SpecError(f"{path}: cannot read it ({error.strerror})") from None
    if len(data) > NETWORK_FILE_BYTES:
        raise SpecError(f"{path}: larger than {NETWORK_FILE_BYTES // 1_000_000} MB, too large for a network file "
                        "(one describes its layers in a few kB): give a network's TOML file")
    return data


def load_network(path: str | Path) -> NetworkSpec:
    """Read a network from a TOML file.

    Raises:
        SpecError: with the file's name, the layer number and the field at fault.
    """
    path = Path(path)
    try:
        text = read_network_file(path).decode("utf-8-sig")  # a byte-order mark, as some editors write, is skipped
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a text file (UTF-8 TOML expected)") from None
    import tomllib  # here: a layer given by its options never reads a file, nor pays this import

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise SpecError(f"{path}: TOML syntax error: {error}") from None
    except RecursionError:
        raise SpecError(f"{path}: arrays or tables nested too deeply to read (a network file nests two levels)") from None
    except ValueError as error:  # an integer of more than 4,300 digits
        raise SpecError(f"{path}: a value cannot be read ({str(error).split(';')[0]}): sizes are at most 19 digits") from None
    try:
        return NetworkSpec.from_dict(data, name=path.stem)
    except SpecError as error:
        raise SpecError(f"{path}: {error}") from None
