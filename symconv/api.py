"""The Python API: derive a layer, render it, write the files, verify it numerically."""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING

from .derivation import Derivation
from .chain import derive as _derive
from .rendering.files import FORMATS, parse_formats
from .rendering.formats import Rendered, embed_figures
from .rendering.formats import render as _render
from .rendering.notebook import register as register_notebook_displays
from .rendering.options import DocumentOptions
from .rendering.writing import write_set
from .rendering.pdf import INSTALL_HINT, latex_available
from .example import worked_example
from .size import DOCUMENT_FORMATS, check_size
from .network import NetworkSpec, load_network
from .spec import LARGEST, ConvSpec, SpecError, shown

if TYPE_CHECKING:
    from collections.abc import Callable

    from .grading import Verdicts
    from .numeric.verify import Checked, Report


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
    """Derive a layer or a whole network entry by entry (a layer is derived as a one-layer network).

    With `jacobians` (a single layer only), the derivation also holds d vec(Y) / d vec(K),
    d vec(Y) / d vec(X) and d vec(Y) / d b as tensors; `derivation.jacobian(...)` gives any of them,
    for a network too, whether or not they were asked for here.

    Raises:
        SpecError: when the derivation is too large to hold, unless forced, or `jacobians` is asked
            of a network.
    """
    _expect(spec, (ConvSpec, NetworkSpec), "derive", "a ConvSpec or a NetworkSpec")
    _flags(force=force, jacobians=jacobians)
    if jacobians and isinstance(spec, NetworkSpec):  # the matrix view reads the layer's ConvSpec
        raise SpecError("--jacobians is for a single convolution layer: for a network's layers, call "
                        "derivation.jacobian(...) from Python")
    check_size(spec, frozenset(), force=force, jacobians=jacobians)
    return _derive(spec, jacobians=jacobians)


def _flags(**flags: object) -> None:
    """Refuse a switch that is not True or False: force="yes" (or "no") must not mean True."""
    for name, value in flags.items():
        if not isinstance(value, bool):
            raise SpecError(f"{name} {shown(value)} is not valid: give True or False")


def _expect(value: object, kinds: tuple[type, ...], function: str, valid: str) -> None:
    if not isinstance(value, kinds):
        raise TypeError(f"{function} takes {valid}, not {type(value).__name__} {shown(value)}")


def _formats(formats: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """Formats as render takes them: a tuple, or text as the command line's --format ("pdf", "md,json")."""
    if isinstance(formats, str):
        return parse_formats(formats)
    if not isinstance(formats, (tuple, list, set, frozenset)) or not all(isinstance(f, str) for f in formats):
        raise TypeError(f"formats must be text such as 'md,json' or a tuple of format names, not {shown(formats)}")
    return parse_formats(",".join(formats))


def _derivation(what: ConvSpec | NetworkSpec | Derivation, formats: tuple[str, ...], force: bool,
                jacobians: bool, function: str = "render") -> Derivation:
    _expect(what, (ConvSpec, NetworkSpec, Derivation), function, "a ConvSpec, a NetworkSpec or a Derivation")
    _flags(force=force, jacobians=jacobians)
    if isinstance(what, Derivation):
        return what
    check_size(what, frozenset(formats), force=force, jacobians=jacobians)
    return derive(what, force=force, jacobians=jacobians)


def render(what: ConvSpec | NetworkSpec | Derivation, formats: str | tuple[str, ...] | None = None,
           force: bool = False, jacobians: bool = False, handout: bool = False, all_entries: bool = False,
           input_gradient: bool = False, example: int | None = 0, upstream_symbol: str | None = None,
           model_values=None, exercises: bool = True) -> Rendered:
    """Render a layer (or a finished derivation) to the given formats, in memory.

    `formats` is a tuple of names or text as --format takes it ("pdf", "md,json"); None means all
    of them, the PDF only when LaTeX is installed (otherwise `notes` says how to install it).
    With `jacobians`, the documents add the matrix view (vec, the Jacobians, the convolution as a
    matrix, the closed forms with their intermediate matrices) and the JSON the Jacobian tensors.
    With `handout`, the documents are an exercise sheet and its answer sheet (exercise.*, answers.*).
    A network's document shows representative entries of each tensor (every entry with
    `all_entries`) and leaves out the gradient of the network's input (put in by `input_gradient`).
    A worked example with small integers drawn from the seed `example` follows the results where the
    derivation is small and its values rational (a single layer of a few dozen entries: after its backward pass,
    with exercises on its numbers, unless not `exercises`); None leaves it out, and the exercises with it. Its numbers are checked
    against each kind's NumPy code before anything is written.
    `upstream_symbol` writes the upstream gradient short: one letter ("g", the default for a single
    layer), a Greek letter ("delta", a network's default), or "frac" for the full fraction dL/dy.
    `model_values` (symconv.torch_import.module_values(module, spec)) makes the worked example use a PyTorch
    module's own parameters, and checks its numbers against PyTorch running the module itself too.
    When LaTeX fails, the other files are still rendered and `errors` says why.

    Raises:
        SpecError: on an unknown format, a PDF asked for without LaTeX installed, or a document of
            this size that would be unreadable, unless forced.
    """
    chosen = FORMATS if formats is None else _formats(formats)
    if formats is not None and "pdf" in chosen and not latex_available():
        raise SpecError(f"format pdf: {INSTALL_HINT}; or leave pdf out of the formats")
    _flags(force=force, jacobians=jacobians, handout=handout, all_entries=all_entries, input_gradient=input_gradient,
           exercises=exercises)
    if example is not None and (isinstance(example, bool) or not isinstance(example, int) or not 0 <= example <= LARGEST):
        raise SpecError(f"example {shown(example)} is not valid: give a seed, a whole number from 0 to {LARGEST:,}, "
                        "or None for no example")
    if upstream_symbol is not None and not isinstance(upstream_symbol, str):
        raise SpecError(f"upstream_symbol {shown(upstream_symbol)} is not valid: give a letter such as g, delta, or frac")
    options = DocumentOptions(handout, all_entries, input_gradient, example, upstream_symbol, exercises)
    derivation = _derivation(what, chosen, force, jacobians)
    worked = None
    # A network's exercise sheet sets a task on the worked example's numbers (given in the question): it needs them too.
    if example is not None and (not handout or len(derivation.network.layers) > 1) and DOCUMENT_FORMATS & set(chosen):
        worked = worked_example(derivation, example, input_gradient or derivation.network.input_gradient,
                                fixed=None if model_values is None else model_values.given)
        if worked is not None:
            _numeric("example").check(derivation, worked, None if model_values is None else model_values.run)
    rendered = _render(derivation, chosen, options, worked)
    if model_values is not None and worked is None and example is not None and not handout:
        rendered.notes.append("the model's values are not shown: the network is too large for a worked example "
                              "(verify --model FILE.py:NAME --model-values checks every entry at them)")
    return rendered


def write(rendered: Rendered, folder: str | Path) -> list[Path]:
    """Write a render's files into `folder`: all of them, or (on an error or an interrupt) none.

    Another write into the same folder, from another thread or process, waits for this one: the
    folder never holds the files of two renders mixed.

    Raises:
        SpecError: when the folder cannot be written (a file in its place, no permission, a full
            disk, a name too long), naming it; files already there are then left as they were.
    """
    _expect(rendered, (Rendered,), "write", "what render returns")
    _expect(folder, (str, Path), "write", "a folder (a str or a Path)")
    return write_set(Path(folder), rendered.files)


def verify(what: ConvSpec | NetworkSpec | Derivation, seed: int = 0, use_torch: bool | None = None, force: bool = False,
           jacobians: bool = False, progress: Callable[[Checked], None] | None = None, model_values=None) -> Report:
    """Evaluate every derived entry (and, with `jacobians`, every Jacobian entry) at random values and
    compare with NumPy (and PyTorch when installed). `seed` is a whole number, 0 or more.

    `progress`, if given, is called with each reference's comparisons and seconds as soon as they are
    made, NumPy's first; the report's `seconds` gives each reference's time too. `model_values`
    (symconv.torch_import.module_values) puts a PyTorch module's own parameters in place of random ones and
    adds a last reference, "module": PyTorch running the module itself (its output or loss, and the
    gradients of its input and of every parameter)."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= LARGEST:
        raise SpecError(f"seed {shown(seed)} is not valid: give a whole number from 0 to {LARGEST:,}")
    derivation = _derivation(what, (), force, jacobians, "verify")
    return _numeric("verify").verify(derivation, seed=seed, use_torch=use_torch, progress=progress,
                                     fixed=None if model_values is None else model_values.given,
                                     on_module=None if model_values is None else model_values.run)


def check(notes: str | None, what: ConvSpec | NetworkSpec | Derivation, claims: tuple[str, ...] = (),
          force: bool = False, upstream_symbol: str | None = None, index_base: int | None = None,
          latex: bool | None = None) -> Verdicts:
    """Judge the claims of hand-written notes (Markdown or LaTeX text) and/or single claims, in order.

    `upstream_symbol` names the upstream gradient as the notes do without defining it: with "G",
    G_{i,j} is dL/dy_{i,j} (in a network, G^{[l]} is dL/da^{[l]}).

    `claims` is a list of claims, or one claim as text.

    `index_base` (0 or 1) is where the notes' indices start; by default what the notes say ("0-based")
    or write (an index 0), else 1; the report's `conventions` says which was used and why.
    `latex` says whether the notes are LaTeX (True) or Markdown (False); by default as they look.

    Raises:
        SpecError: for a size refused as too large, notes with too many claims, or an upstream
            symbol that is not a name.
        TypeError: for notes that are not text (bytes must be decoded first) or claims that are not.
    """
    if notes is not None and not isinstance(notes, str):
        hint = ": decode them first, e.g. data.decode('utf-8')" if isinstance(notes, (bytes, bytearray)) else ""
        raise TypeError(f"check takes notes as text (a str) or None, not {type(notes).__name__}{hint}")
    claims = (claims,) if isinstance(claims, str) else claims
    if not isinstance(claims, (tuple, list)) or not all(isinstance(c, str) for c in claims):
        raise TypeError(f"check takes claims as text or a list of texts, not {shown(claims)}")
    if index_base is not None and (isinstance(index_base, bool) or index_base not in (0, 1)):
        raise SpecError(f"index base {shown(index_base)} is not valid: give 0 or 1")
    derivation = _derivation(what, (), force, False, "check")
    grading = import_module("symconv.grading")  # on use: rendering and verifying do not need it
    try:
        report = (grading.check_notes(notes, derivation, upstream_symbol, index_base, latex) if notes is not None
                  else grading.Verdicts(conventions=grading.Conventions(1 if index_base is None else index_base,
                                                                        "as given")))
        report += grading.check_claims(list(claims), derivation, upstream_symbol, report.conventions.index_base)
        return report
    except ValueError as error:
        raise SpecError(str(error)) from None
