"""The Python API: derive a layer, render it, write the files, verify it numerically."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from .grading import Verdict, check_claims, check_notes
from .derivation import Derivation
from .chain import derive_network
from .conv import derive_conv
from .rendering.files import FORMATS, write_all
from .rendering.formats import Rendered, embed_figures
from .rendering.formats import render as _render
from .rendering.notebook import register as register_notebook_displays
from .size import check_size
from .network import NetworkSpec, load_network
from .spec import ConvSpec, SpecError

if TYPE_CHECKING:
    from .numeric.verify import Report


def _numeric(module: str):
    # NumPy (and the numeric package) load on first use: rendering does not need them, and the
    # command line should not pay their import time to write a document.
    return import_module(f"symconv.numeric.{module}")


def torch_available() -> bool:
    """Whether PyTorch is installed (verify then compares with it too)."""
    return _numeric("torch_reference").available()

# In Jupyter, derivations show as their document and tensors as LaTeX.
register_notebook_displays()

__all__ = ["check", "derive", "embed_figures", "load_network", "render", "torch_available", "verify", "write"]


def derive(spec: ConvSpec | NetworkSpec, force: bool = False, jacobians: bool = False) -> Derivation:
    """Derive a layer (conv.derive_conv) or a whole network (chain.derive_network) entry by entry.

    With `jacobians` (a single layer only), the derivation also holds d vec(Y) / d vec(K),
    d vec(Y) / d vec(X) and d vec(Y) / d b as tensors; `derivation.jacobian(...)` gives any of them,
    for a network too, whether or not they were asked for here.

    Raises:
        SpecError: when the derivation is too large to hold, unless forced, or `jacobians` is asked
            of a network.
    """
    if isinstance(spec, NetworkSpec):
        if jacobians:
            raise SpecError("--jacobians is for a single convolution layer: for a network's layers, call "
                            "derivation.jacobian(...) from Python")
        check_size(spec, frozenset(), force=force)
        return derive_network(spec)
    if not isinstance(spec, ConvSpec):
        raise TypeError(f"derive takes a ConvSpec or a NetworkSpec, not {type(spec).__name__}")
    return derive_conv(spec, force=force, jacobians=jacobians)


def _derivation(what: ConvSpec | NetworkSpec | Derivation, formats: tuple[str, ...], force: bool,
                jacobians: bool) -> Derivation:
    if isinstance(what, Derivation):
        return what
    check_size(what, frozenset(formats), force=force, jacobians=jacobians)
    return derive(what, force=force, jacobians=jacobians)


def render(what: ConvSpec | NetworkSpec | Derivation, formats: tuple[str, ...] = FORMATS, force: bool = False,
           jacobians: bool = False, handout: bool = False) -> Rendered:
    """Render a layer (or a finished derivation) to the given formats, in memory.

    With `jacobians`, the documents add the matrix view (vec, the Jacobians, the convolution as a
    matrix, the closed forms with their intermediate matrices) and the JSON the Jacobian tensors.
    With `handout`, the documents are an exercise sheet and its answer sheet (exercise.*, answers.*).

    Raises:
        SpecError: when a document of this size would be unreadable, unless forced.
        LatexFailed: when LaTeX is installed but fails.
    """
    return _render(_derivation(what, formats, force, jacobians), formats, handout)


def write(rendered: Rendered, folder: str | Path) -> list[Path]:
    """Write a render's files into `folder`, each atomically."""
    return write_all(Path(folder), rendered.files)


def verify(what: ConvSpec | NetworkSpec | Derivation, seed: int = 0, use_torch: bool | None = None, force: bool = False,
           jacobians: bool = False) -> Report:
    """Evaluate every derived entry (and, with `jacobians`, every Jacobian entry) at random values and
    compare with NumPy (and PyTorch when installed)."""
    return _numeric("verify").verify(_derivation(what, (), force, jacobians), seed=seed, use_torch=use_torch)


def check(notes: str | None, what: ConvSpec | NetworkSpec | Derivation, claims: tuple[str, ...] = (),
          force: bool = False, upstream_symbol: str | None = None) -> list[Verdict]:
    """Judge the claims of hand-written notes (Markdown or LaTeX text) and/or single claims, in order.

    `upstream_symbol` names the upstream gradient as the notes do without defining it: with "G",
    G_{i,j} is dL/dy_{i,j} (in a network, G^{[l]} is dL/da^{[l]}).

    Raises:
        SpecError: for a size refused as too large, notes with too many claims, or an upstream
            symbol that is not a name.
    """
    derivation = _derivation(what, (), force, False)
    try:
        verdicts = check_notes(notes, derivation, upstream_symbol) if notes is not None else []
        return verdicts + check_claims(list(claims), derivation, upstream_symbol)
    except ValueError as error:
        raise SpecError(str(error)) from None
