"""The command line: a thin click wrapper over symconv.api, with one-line errors and exit status 2."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import sys
from importlib import import_module
from pathlib import Path

import click
from click.core import ParameterSource

from .rendering.files import parse_formats
from .rendering.options import DocumentOptions
from .rendering.pdf import INSTALL_HINT, LatexFailed, latex_available
from .spec import CONVENTIONS, LARGEST, PADDING_MODES, ConvSpec, Names, SpecError, parse_int, parse_pair, shown, whole
from .termination import Terminated, sigterm_raises

DEFAULT_FORMATS = "tex,pdf,md,html,json"
TEXT_FORMATS = ("tex", "md", "html", "json")

TARGETS_HELP = ("With --loss cross-entropy: what nn.CrossEntropyLoss is given, class indices (one-hot targets, "
                "dL/df = p - t; the default) or class probabilities (dL/df = p sum(t) - t).")


def _api():
    # Imported on use: SymPy's 0.3 s import would otherwise slow down `symconv --help`.
    return import_module("symconv.api")


def _stdout_failed(error: OSError) -> SpecError:
    _stdout_gone()
    return SpecError(f"cannot write to standard output: {error.strerror or error} (it is closed or full)")


def _echo(line: str) -> None:
    """click.echo to standard output; a closed or full one is one line on stderr and exit status 2."""
    try:
        click.echo(line)
        sys.stdout.flush()
    except OSError as error:
        raise _stdout_failed(error) from None


def spec_options(command=None, *, bias: bool | None = False):
    """The options that describe one convolution layer, shared by every command; `bias` is the default of
    --bias/--no-bias (render's default layer has one, so that its document shows all three results; check's is
    None: as the notes write)."""
    if command is None:
        return lambda command: spec_options(command, bias=bias)
    options = [
        click.option("--input", "input_", default="3x3", show_default=True, metavar="HxW", help="Input height x width (5 means 5x5)."),
        click.option("--in-channels", default="1", show_default=True, metavar="N", help="Input channels."),
        click.option("--kernel", default="2x2", show_default=True, metavar="KHxKW", help="Kernel height x width."),
        click.option("--out-channels", default="1", show_default=True, metavar="N", help="Output channels (kernels)."),
        click.option("--stride", default="1", show_default=True, metavar="SHxSW", help="Stride, one value or rows x columns."),
        click.option("--padding", default="0", show_default=True, metavar="PHxPW|same|valid",
                     help="Zero padding added on each side; same keeps the size at stride 1 (PyTorch's split: an "
                          "odd total puts the extra row and column at the bottom and right), valid is none."),
        click.option("--padding-mode", default="zeros", show_default=True, metavar="|".join(PADDING_MODES),
                     help="What the padding holds (PyTorch's padding_mode): zeros, or copies of the input entries "
                          "(reflected, the border repeated, or wrapped around)."),
        click.option("--dilation", default="1", show_default=True, metavar="DHxDW", help="Kernel dilation."),
        click.option("--groups", default="1", show_default=True, metavar="G",
                     help="Channel groups (dividing both channel counts); G = in-channels is depthwise."),
        click.option("--batch", default=None, metavar="N",
                     help="A batch of N examples: every tensor but the kernel and bias gets a leading axis of N."),
        click.option("--bias/--no-bias", default=bias, show_default=bias is not None,
                     help="Add a bias per output channel." + (" Default: when the notes write one (b)." if bias is None
                                                              else "")),
        click.option("--convention", default="correlation", show_default=True, metavar="|".join(CONVENTIONS),
                     help="correlation (what frameworks compute) or convolution (flipped kernel)."),
        click.option("--names", default="x,k,y", show_default=True, metavar="IN,KERNEL,OUT",
                     help="Names of the input, kernel and output, e.g. X,F,O."),
        click.option("--network", default=None, metavar="FILE.toml",
                     help="A whole network from a TOML file, instead of the single-layer options."),
        click.option("--force", is_flag=True, help="Derive even a size refused as too large to read or hold."),
    ]
    return functools.reduce(lambda cmd, option: option(cmd), reversed(options), command)


jacobians_option = click.option(
    "--jacobians", is_flag=True,
    help="Add the Jacobians of vec(Y) (numerator layout) and the closed forms; single layers only. "
         "They grow quadratically with the size.")


def _count(text: str, what: str) -> int:
    return parse_int(text, what)


LAYER_OPTIONS = ("input_", "in_channels", "kernel", "out_channels", "stride", "padding", "padding_mode", "dilation", "groups",
                 "batch", "bias", "convention", "names")


def spec_from(ctx: click.Context, network: str | None, **layer):
    """The network file's spec when --network is given (with no single-layer option), else the layer's."""
    if network is None:
        return build_spec(**layer)
    given = [name for name in LAYER_OPTIONS if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given:
        option = "--" + given[0].rstrip("_").replace("_", "-")
        raise SpecError(f"{option} describes a single layer: with --network the file says everything; drop one of them")
    return _api().load_network(network)


def build_spec(input_, in_channels, kernel, out_channels, stride, padding, padding_mode, dilation, groups, batch, bias,
               convention, names) -> ConvSpec:
    """A ConvSpec from the command line's text values."""
    return ConvSpec(
        input=parse_pair(input_, "input"),
        kernel=parse_pair(kernel, "kernel"),
        in_channels=_count(in_channels, "in-channels"),
        out_channels=_count(out_channels, "out-channels"),
        stride=parse_pair(stride, "stride"),
        padding=padding,  # N, NxM, same or valid: ConvSpec reads it, as PyTorch's Conv2d does
        padding_mode=padding_mode,
        dilation=parse_pair(dilation, "dilation"),
        groups=_count(groups, "groups"),
        batch=None if batch is None else _count(batch, "batch"),
        bias=bias,
        convention=convention,
        names=Names.parse(names),
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="symconv")
def cli() -> None:
    """symconv: derive, verify and render back-propagation through convolution layers and networks."""


@cli.command()
@click.argument("files", nargs=-1, metavar="[NETWORK.toml]...")
@spec_options(bias=True)
@click.option("--format", "formats", default=DEFAULT_FORMATS, show_default=True, metavar="LIST",
              help="Comma list of tex, pdf, md, html, json.")
@click.option("--out", default=None, metavar="DIR|-",
              help="Output folder (default output/<slug>), or - for standard output with one text format. "
                   "With several files, the folder the <slug> folders go in (default output).")
@click.option("--jobs", default=None, metavar="N",
              help="With several files: how many to render at once (default: one per core).")
@click.option("--handout", is_flag=True,
              help="Write an exercise sheet (entries left blank) and its answer sheet instead of one document.")
@click.option("--all-entries", is_flag=True,
              help="A network's document lists every entry of every tensor, not the first, middle and last of each.")
@click.option("--input-gradient", is_flag=True,
              help="A network's document includes the gradient with respect to the network's input.")
@click.option("--example", default="0", show_default=True, metavar="SEED",
              help="The seed of the worked example's small integers (shown for small layers).")
@click.option("--no-example", is_flag=True, help="Leave the worked example out (and the exercises on its numbers).")
@click.option("--no-exercises", is_flag=True,
              help="Leave out a single layer's exercises on its worked example's numbers, and their answers.")
@click.option("--upstream-symbol", "upstream", default=None, metavar="NAME",
              help="How the upstream gradient is written: a letter (g, a single layer's default), a Greek letter "
                   "(delta, a network's default), or frac for the full fraction dL/dy.")
@click.option("--variants", default=None, metavar="N",
              help="With --handout: N different sheets and keys, one folder each, with manifest.json.")
@click.option("--roster", default=None, metavar="FILE.csv",
              help="With --handout: one variant per student id (one a line), each folder named by its id.")
@click.option("--vary", default=None, metavar="RANGES",
              help="The variants' limits, e.g. input=3..5,kernel=2..3,stride=1..2,padding=0..1,bias (the default).")
@click.option("--seed", default="0", show_default=True, metavar="S", help="The variants' master seed.")
@jacobians_option
@click.option("--torch", "torch_model", default=None, metavar="FILE.py:NAME",
              help="A PyTorch model instead of a network file: NAME a module class (constructed without arguments) "
                   "or a function returning a module. FILE runs as Python, as `python FILE` would.")
@click.option("--input-shape", default=None, metavar="CxHxW", help="With --torch: the shape of one input, e.g. 1x28x28.")
@click.option("--loss", default=None, metavar="cross-entropy|mse", help="With --torch: the loss after the model.")
@click.option("--targets", default=None, metavar="indices|probabilities", help=TARGETS_HELP)
@click.option("--model-values", is_flag=True,
              help="With --torch: the worked example uses the module's own parameters (checked against PyTorch "
                   "running the module).")
@click.pass_context
def render(ctx: click.Context, files: tuple[str, ...], formats: str, out: str | None, jobs: str | None, force: bool,
           handout: bool, all_entries: bool, input_gradient: bool, example: str, no_example: bool, no_exercises: bool,
           upstream: str | None, jacobians: bool, variants: str | None, roster: str | None, vary: str | None, seed: str,
           torch_model: str | None, input_shape: str | None, loss: str | None, targets: str | None,
           model_values: bool, **spec_args) -> None:
    """Derive a layer (or a network) and write its teaching document and JSON.

    Given network files (e.g. symconv render examples/*.toml), renders each into its own folder, in
    parallel, rewriting only files that change, and exits 1 if any failed. With --torch, a PyTorch
    model (its file runs as Python).
    """
    if variants is not None or roster is not None or vary is not None:
        render_variants(ctx, files, formats, out, jobs, handout, variants, roster, vary, seed)
        return
    chosen = parse_formats(formats)
    jobs = None if jobs is None else whole(parse_int(jobs, "--jobs"), "--jobs")
    # The default list takes the PDF when LaTeX is there; asked for by name, it must be made.
    asked = None if ctx.get_parameter_source("formats") is ParameterSource.DEFAULT else chosen
    if asked and "pdf" in asked and not latex_available():
        raise SpecError(f"--format pdf: {INSTALL_HINT}; or leave pdf out of --format")
    seed = None if no_example else parse_int(example, "--example")
    if seed is not None and not 0 <= seed <= LARGEST:
        raise SpecError(f"--example {example} is not valid: give a seed from 0 to {LARGEST:,}")
    options = DocumentOptions(handout, all_entries, input_gradient, seed, upstream, not no_exercises)
    if model_values and torch_model is None:
        raise SpecError("--model-values goes with --torch FILE.py:NAME: the values are a PyTorch module's")
    if files and torch_model is None:
        render_many(ctx, files, asked, out, jobs, force, jacobians, options)
        return
    if torch_model is not None:
        if files:
            raise SpecError(f"{files[0]}: --torch names the model; give network files or --torch, not both")
        imported = torch_spec(ctx, torch_model, input_shape, loss, targets=targets, **spec_args)
        spec = imported[1]
        model_values = model_values_of(model_values, imported, "--torch")
    elif input_shape is not None or loss is not None or targets is not None:
        raise SpecError(f"{_torch_only(input_shape, loss)} goes with --torch FILE.py:NAME")
    else:
        spec = spec_from(ctx, **spec_args)
    model_values = model_values or None
    if out == "-" and (len(chosen) != 1 or chosen[0] not in TEXT_FORMATS):
        raise SpecError(f"--out - writes one text format to standard output: use --format tex, md, html or json, not {formats}")
    api = _api()
    if handout and out == "-":
        raise SpecError("--handout writes two documents: give an output folder, not --out -")
    rendered = api.render(spec, asked, force=force, jacobians=jacobians, handout=handout, all_entries=all_entries,
                          input_gradient=input_gradient, example=seed, upstream_symbol=upstream,
                          model_values=model_values, exercises=not no_exercises)
    for note in rendered.notes:
        click.echo(f"symconv: {note}", err=True)
    if out == "-":
        name = f"derivation.{chosen[0]}"
        data = rendered.files[name]
        if chosen[0] == "md":  # no files beside standard output: the figures go inside
            data = api.embed_figures(data.decode(), rendered.files).encode()
        try:
            view = memoryview(data)
            while view:  # a write cut short by a closed pipe returns a count, not an error: go on to get it
                view = view[sys.stdout.buffer.write(view):]
            sys.stdout.flush()
        except OSError as error:
            raise _stdout_failed(error) from None
        return
    suffix = ("_jacobians" if jacobians else "") + options.suffix()
    folder = Path(out) if out else Path("output") / (spec.slug() + suffix)
    for path in api.write(rendered, folder):
        _echo(f"wrote {path}")
    for error in rendered.errors:  # LaTeX failed: the other files are written, the run is not a success
        click.echo(f"symconv: error: {error}", err=True)
    if rendered.errors:
        ctx.exit(1)


VARIANT_FORMATS = ("tex", "pdf", "md", "html", "moodle")


def render_variants(ctx: click.Context, files: tuple[str, ...], formats: str, out: str | None, jobs: str | None,
                    handout: bool, variants: str | None, roster: str | None, vary: str | None, seed: str) -> None:
    """render --handout --variants N / --roster FILE: a sheet and key per student, a manifest, a question bank."""
    given = [name for name in (*LAYER_OPTIONS, "network", "jacobians", "all_entries", "input_gradient", "example",
                               "no_example", "no_exercises", "upstream", "torch_model", "input_shape", "loss")
             if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if not handout:
        raise SpecError("--variants, --roster and --vary make exercise sheets: add --handout")
    if files or given:
        option = "network files" if files else "--" + given[0].rstrip("_").replace("_", "-")
        raise SpecError(f"{option} does not go with --variants: --vary sets the variants' layers")
    sets = import_module("symconv.variants")
    ids = None
    if roster is not None:
        try:
            data = Path(roster).read_bytes()
        except OSError as error:
            raise SpecError(f"roster {roster}: cannot read it ({error.strerror}); give a CSV file with one student id "
                            "a line") from None
        ids = sets.parse_roster(data, roster)
    if variants is not None:
        count = parse_int(variants, "--variants")
        if not 1 <= count <= sets.MAX_VARIANTS:
            raise SpecError(f"--variants {variants} is not valid: give a number from 1 to {sets.MAX_VARIANTS}")
        if ids is not None and count != len(ids):
            raise SpecError(f"--variants {count} but the roster {roster} lists {len(ids)} students: give one of the two")
    elif ids is None:
        raise SpecError("give --variants N or --roster FILE.csv: how many sheets to write")
    else:
        count = len(ids)
    master = parse_int(seed, "--seed")
    if not 0 <= master <= LARGEST:
        raise SpecError(f"--seed {seed} is not valid: give a whole number from 0 to {LARGEST:,}")
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    default = ctx.get_parameter_source("formats") is ParameterSource.DEFAULT
    if not default and (not chosen or any(f not in VARIANT_FORMATS for f in chosen)):
        raise SpecError(f"--format {formats!r} is not valid with --variants: give a comma list of "
                        f"{', '.join(VARIANT_FORMATS)}")
    if default:
        chosen = ["tex", "md", "html"] + (["pdf"] if latex_available() else [])
    elif "pdf" in chosen and not latex_available():
        raise SpecError(f"--format pdf: {INSTALL_HINT}; or leave pdf out of --format")
    workers = (os.cpu_count() or 1) if jobs is None else whole(parse_int(jobs, "--jobs"), "--jobs")
    if out == "-":
        raise SpecError("--variants writes a folder of sheets: give an output folder, not --out -")
    ranges = sets.parse_vary(vary if vary is not None else sets.DEFAULT_VARY)
    exercise_set = import_module("symconv.exercise_set")
    built, notes = exercise_set.build(ranges, count, master, ids, tuple(chosen), workers)
    for note in notes:
        click.echo(f"symconv: {note}", err=True)
    folder = Path(out) if out else Path("output") / f"exercises_seed{master}"
    exercise_set.write_tree(folder, built)
    _echo(f"wrote {count} variants ({len(built)} files) to {folder}")
    if any("not written" in note for note in notes):
        ctx.exit(1)


def _torch_only(input_shape: str | None, loss: str | None) -> str:
    """The option named in the refusal of --input-shape, --loss or --targets without a model."""
    return "--input-shape" if input_shape is not None else "--loss" if loss is not None else "--targets"


def _targets(targets: str | None, loss: str | None) -> str:
    """--targets checked before the model's file runs: indices (the default) or probabilities, with
    --loss cross-entropy only."""
    if targets is None:
        return "indices"
    kinds = tuple(import_module("symconv.torch_import").TARGETS)
    if targets not in kinds:
        raise SpecError(f"--targets {shown(targets)} is not valid: give {' or '.join(kinds)}")
    if loss != "cross-entropy":
        raise SpecError(f"--targets {targets} goes with --loss cross-entropy: it says what nn.CrossEntropyLoss is given")
    return targets


def torch_spec(ctx: click.Context, model: str, input_shape: str | None, loss: str | None, network: str | None,
               targets: str | None = None, **layer):
    """(the network file's tables, the spec) of a PyTorch model FILE.py:NAME at --input-shape, with
    --batch, --loss and --targets; no single-layer option and no --network go with it."""
    given = [name for name in LAYER_OPTIONS if name != "batch" and ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if network is not None or given:
        option = "--network" if network is not None else "--" + given[0].rstrip("_").replace("_", "-")
        raise SpecError(f"{option} does not go with --torch: the model says everything but the input's shape")
    if input_shape is None:
        raise SpecError("--torch needs --input-shape CxHxW (the shape of one input, e.g. 1x28x28)")
    targets = _targets(targets, loss)
    user = import_module("symconv.user_model")
    shape = user.parse_shape(input_shape)
    batch = None if layer["batch"] is None else _count(layer["batch"], "batch")
    # What the model's file prints (while it runs, is built or traced) goes to standard error: standard
    # output is the network file's or the document's.
    with contextlib.redirect_stdout(sys.stderr):
        module = user.load_module(model)
        loss_module = user.loss_module(loss)
        data, spec = import_module("symconv.torch_import").imported(module, shape, batch=batch, loss=loss_module,
                                                                    name=model.rpartition(":")[2], targets=targets)
        return data, spec, module, loss_module


def model_values_of(model_values: bool, torch: tuple | None, option: str):
    """--model-values: the module's own numbers (symconv.torch_import.ModuleValues), or None; it needs --torch."""
    if not model_values:
        return None
    if torch is None:
        raise SpecError(f"--model-values goes with {option} FILE.py:NAME: the values are a PyTorch module's")
    _, spec, module, loss = torch
    with contextlib.redirect_stdout(sys.stderr):
        return import_module("symconv.torch_import").module_values(module, spec, loss)


def render_many(ctx: click.Context, files: tuple[str, ...], formats: tuple[str, ...] | None, out: str | None,
                jobs: int | None, force: bool, jacobians: bool, options: DocumentOptions) -> None:
    """The batch form of render: a progress bar on a terminal, a line per file, then a summary."""
    given = [name for name in (*LAYER_OPTIONS, "network") if ctx.get_parameter_source(name) is ParameterSource.COMMANDLINE]
    if given or jacobians or out == "-":
        option = "--out -" if out == "-" else "--jacobians" if jacobians else "--" + given[0].rstrip("_").replace("_", "-")
        raise SpecError(f"{option} does not go with network files: each file says everything about its network")
    batch = import_module("symconv.batch")
    outcomes = []
    if sys.stderr.isatty():
        with click.progressbar(length=len(files), label="rendering", file=sys.stderr) as bar:
            for outcome in batch.render_files(list(files), formats, out or "output", force, jobs, options):
                outcomes.append(outcome)
                bar.update(1)
    else:
        outcomes = list(batch.render_files(list(files), formats, out or "output", force, jobs, options))
    order = {name: n for n, name in enumerate(files)}
    for o in sorted(outcomes, key=lambda o: order[o.source]):
        where = f" -> {o.folder}" if o.folder else ""
        _echo(f"{o.status:<9} {o.source}{where}" + (f": {o.detail}" if o.detail else ""))
    _echo(batch.summary(outcomes))
    if any(o.status == "failed" for o in outcomes):
        ctx.exit(1)


@cli.command()
@spec_options
@click.option("--seed", default="0", show_default=True, metavar="N", help="Seed of the random values (0 or more).")
@click.option("--torch/--no-torch", "use_torch", default=None,
              help="Also compare with PyTorch (default: when it is installed). Its import alone takes about 1.5 s.")
@jacobians_option
@click.option("--model", "torch_model", default=None, metavar="FILE.py:NAME",
              help="A PyTorch model instead of the layer options (as render --torch; FILE runs as Python).")
@click.option("--input-shape", default=None, metavar="CxHxW", help="With --model: the shape of one input, e.g. 1x28x28.")
@click.option("--loss", default=None, metavar="cross-entropy|mse", help="With --model: the loss after the model.")
@click.option("--targets", default=None, metavar="indices|probabilities", help=TARGETS_HELP)
@click.option("--model-values", is_flag=True,
              help="With --model: the module's own parameters instead of random ones, and PyTorch running the "
                   "module itself as a reference.")
@click.pass_context
def verify(ctx: click.Context, seed: int, use_torch: bool | None, force: bool, jacobians: bool,
           torch_model: str | None, input_shape: str | None, loss: str | None, targets: str | None,
           model_values: bool, **spec_args) -> None:
    """Check every derived entry numerically against NumPy (and PyTorch when installed)."""
    if torch_model is not None:
        imported = torch_spec(ctx, torch_model, input_shape, loss, targets=targets, **spec_args)
        spec = imported[1]
    elif input_shape is not None or loss is not None or targets is not None:
        raise SpecError(f"{_torch_only(input_shape, loss)} goes with --model FILE.py:NAME")
    else:
        imported, spec = None, spec_from(ctx, **spec_args)
    model_values = model_values_of(model_values, imported, "--model")
    api = _api()
    if use_torch and not api.torch_available():
        raise SpecError("--torch: PyTorch is not installed (pip install 'symconv[torch]')")
    seed = parse_int(seed, "--seed")
    derivation = api.derive(spec, force=force, jacobians=jacobians)
    wide = max([8, *(len(t.name) for t in derivation.tensors if t.entries is not None)])
    _echo(f"{'tensor':<{wide}} {'reference':<10} {'max abs error':>14}")

    def show(checked) -> None:
        """One reference's lines as soon as it is done (NumPy's before PyTorch is even imported); how
        long it took on stderr, so that standard output is the same on every run."""
        for c in checked.comparisons:
            _echo(f"{c.tensor:<{wide}} {c.reference:<10} {c.max_abs_error:>14.3e}  {'ok' if c.ok else 'FAILED'}")
        name = {"numpy": "NumPy's", "torch": "PyTorch's (its import included)",
                "module": "the module's (PyTorch running it)"}[checked.reference]
        click.echo(f"symconv: {name} reference took {checked.seconds:.3f} s", err=True)

    report = api.verify(derivation, seed=seed, use_torch=use_torch, progress=show, model_values=model_values)
    for name in report.unchecked:
        _echo(f"{name:<{wide}} no reference computes it  FAILED")
    if report.untestable:
        _echo(f"untested: {report.untestable}")
    source = "the SymPy expressions" if report.from_sympy else "the term tables the SymPy expressions are built from"
    _echo(f"evaluated {source} at random values (seed {seed})" if model_values is None else
          f"evaluated {source} at the module's own parameters and random values for the rest (seed {seed})")
    if not report.torch_used and use_torch is None:
        _echo("PyTorch is not installed: compared with NumPy only (pip install 'symconv[torch]' adds it)")
    if report.ok:
        _echo(f"all entries agree within {report.tolerance:g}")
    else:
        click.echo(f"some entries differ by more than {report.tolerance:g}", err=True)
        ctx.exit(1)


@cli.command("import")
@click.argument("model", metavar="FILE.py:NAME")
@click.option("--input-shape", required=True, metavar="CxHxW", help="The shape of one input, e.g. 1x28x28 (N: a vector).")
@click.option("--batch", default=None, metavar="N", help="A batch of N examples (batch normalization in training mode needs one).")
@click.option("--loss", default=None, metavar="cross-entropy|mse", help="The loss after the model.")
@click.option("--targets", default=None, metavar="indices|probabilities", help=TARGETS_HELP)
@click.pass_context
def import_(ctx: click.Context, model: str, input_shape: str, batch: str | None, loss: str | None,
            targets: str | None) -> None:
    """Write the network file (TOML) of a PyTorch model: FILE.py:NAME, NAME a module class constructed
    without arguments or a function returning a module. FILE runs as Python, as `python FILE` would
    (but not its `if __name__ == "__main__":` block)."""
    data = torch_spec(ctx, model, input_shape, loss, None, targets=targets, batch=batch)[0]
    command = " ".join(["symconv import", model, "--input-shape", input_shape, *(["--batch", batch] if batch else []),
                        *(["--loss", loss] if loss else []), *(["--targets", targets] if targets else [])])
    _echo(import_module("symconv.network_toml").dumps(data, f"{command}\nEach layer's module is the PyTorch module it "
                                                            "comes from.").rstrip("\n"))


NOTES_LIMIT = 2_000_000  # bytes: notes are text people wrote, not data


def read_notes(path: str) -> str:
    """The notes' text from a file or standard input ("-").

    Raises:
        SpecError: when the file cannot be read, is binary, or is too large to be notes.
    """
    try:
        if path == "-":
            data = sys.stdin.buffer.read(NOTES_LIMIT + 1)
        else:
            with Path(path).open("rb") as handle:
                data = handle.read(NOTES_LIMIT + 1)
    except OSError as error:
        raise SpecError(f"notes {path}: cannot read it ({error.strerror})") from None
    if len(data) > NOTES_LIMIT:
        raise SpecError(f"notes {path} are larger than {NOTES_LIMIT // 1_000_000} MB: symconv check reads notes, "
                        "not data; split the file")
    if b"\0" in data:
        raise SpecError(f"notes {path} are not a text file (they hold NUL bytes): give Markdown or LaTeX")
    return data.decode("utf-8", errors="replace")


@cli.command()
@click.argument("notes", required=False, metavar="[NOTES]")
@spec_options(bias=None)
@click.option("--claim", "claims", multiple=True, metavar="TEXT",
              help='One claim to check, e.g. "y_{1,1} = x_{1,1} k_{1,1}" (repeatable), instead of NOTES.')
@click.option("--upstream-symbol", metavar="NAME", default=None,
              help="The name the notes use for the upstream gradient without defining it, e.g. '\\delta' or G: "
                   "G_{i,j} is dL/dy_{i,j} (notes may also define it: \\delta_{ij} := \\frac{\\partial L}{\\partial y_{ij}}).")
@click.option("--index-base", default=None, metavar="0|1",
              help="Where the notes' indices start (default: what the notes say, e.g. '0-based', or write, "
                   "e.g. x_{0,0}; else 1).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="A report for people, or JSON for graders.")
@click.pass_context
def check(ctx: click.Context, notes: str | None, claims: tuple[str, ...], upstream_symbol: str | None,
          index_base: str | None, fmt: str, force: bool, **spec_args) -> None:
    """Check a hand-written derivation (NOTES: Markdown or LaTeX, - for standard input) claim by claim.

    Claims are read from $$...$$, \\[...\\] and equation/align environments; a range may follow a
    claim ("\\text{for } i = 2, 3", "\\forall r,s"). Exit status 0 when every understood claim is
    right, 1 when any is wrong.
    """
    if (notes is None) == (not claims):
        raise SpecError("give NOTES (a file, or - for standard input) or --claim TEXT, one of the two")
    if index_base is not None and index_base.strip() not in ("0", "1"):
        raise SpecError(f"--index-base {index_base!r} is not valid: give 0 or 1")
    bias = spec_args["bias"]
    spec = spec_from(ctx, **{**spec_args, "bias": True if bias is None else bias})
    api = _api()
    latex = {".tex": True, ".md": False, ".markdown": False}.get(Path(notes).suffix.lower()) if notes not in (None, "-") else None
    text = read_notes(notes) if notes is not None else None
    what, said = spec, None
    if bias is None and isinstance(spec, ConvSpec):  # the layer has a bias when the notes write one
        biased, unbiased = (api.derive(dataclasses.replace(spec, bias=b), force=force) for b in (True, False))
        written = import_module("symconv.grading").bias_line(text, list(claims), biased, unbiased, latex)
        what = biased if written else unbiased
        said = (f"a bias per output channel (the notes write one, line {written})" if written
                else "no bias (the notes write none)")
    verdicts = api.check(text, what, claims=claims, force=force, upstream_symbol=upstream_symbol, latex=latex,
                         index_base=None if index_base is None else int(index_base))
    conventions = verdicts.conventions
    if fmt == "json":
        given = {"index_base": conventions.index_base, "why": conventions.why}
        if said is not None:
            given.update(bias=bool(written), bias_why=said)
        _echo(json.dumps({"conventions": given, "verdicts": [v.as_dict() for v in verdicts]}, indent=1))
    else:
        described = conventions.describe() + (f"; {said}" if said else "")
        for line in [f"conventions: {described}"] + import_module(
                "symconv.grading.report").text_report(verdicts):
            _echo(line)
    if not verdicts:
        click.echo("symconv: no claims found: write them in $...$, $$...$$, \\[...\\] or an equation/align environment",
                   err=True)
    if any(v.status == "wrong" for v in verdicts):
        ctx.exit(1)


@cli.command()
@click.argument("submissions", metavar="SUBMISSIONS/")
@click.option("--manifest", "manifest_path", required=True, metavar="manifest.json",
              help="The manifest render --handout --variants wrote beside the sheets.")
@click.option("--csv", "csv_path", default=None, metavar="FILE",
              help="Write the gradebook: id, variant, points, max_points, one column per task, flagged tasks.")
@click.option("--feedback", "feedback_dir", default=None, metavar="DIR", help="Write one feedback file per student.")
def grade(submissions: str, manifest_path: str, csv_path: str | None, feedback_dir: str | None) -> None:
    """Grade each student's notes (SUBMISSIONS/<id>.md or <id>.tex) task by task against their variant.

    A task check cannot read is "not understood": 0 points and flagged for the lecturer.
    """
    sets = import_module("symconv.variants")
    try:
        data = Path(manifest_path).read_bytes()
    except OSError as error:
        raise SpecError(f"manifest {manifest_path}: cannot read it ({error.strerror}); give the manifest.json "
                        "render --handout --variants wrote") from None
    variants, _ = sets.read_manifest(data, manifest_path)
    book = import_module("symconv.gradebook")
    grades, strays = book.grade_folder(Path(submissions), variants)
    if csv_path is not None:
        _write_file(Path(csv_path), book.gradebook_csv(grades).encode())
    if feedback_dir is not None:
        from .rendering.writing import write_set
        write_set(Path(feedback_dir), {f"{g.id}.md": book.feedback_text(g).encode() for g in grades})
    for g in grades:
        verdicts = " ".join(f"{t.number}:{t.verdict.replace(' ', '-')}({t.points})" for t in g.tasks)
        _echo(f"{g.id:<12} {g.points:>3}/{g.max_points}  {verdicts}")
    flagged = [(g.id, t.number) for g in grades for t in g.tasks if t.flagged]
    for ident, number in flagged:
        _echo(f"flagged: {ident} task {number}: not understood, read it by hand")
    for path in strays:
        click.echo(f"symconv: {path} names no student of the manifest: not graded", err=True)
    for g in grades:
        said = next((t.feedback[0] for t in g.tasks if t.feedback and t.feedback[0].startswith("submission ")), None)
        if said and "read as Windows-1252" in said:
            click.echo(f"symconv: {said}", err=True)
        elif said and all(t.points == 0 for t in g.tasks):
            click.echo(f"symconv: {said}; graded 0 and flagged", err=True)
    _echo(f"graded {sum(1 for g in grades if g.source)} submissions of {len(grades)} students; "
          f"{len(flagged)} tasks flagged")


def _write_file(path: Path, data: bytes) -> None:
    """A file written whole or not at all: a temporary file beside it, then one rename."""
    import tempfile
    try:
        handle, name = tempfile.mkstemp(prefix=".symconv-", suffix=".tmp", dir=path.parent if str(path.parent) else ".")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
            os.replace(name, path)
        except BaseException:
            os.unlink(name)
            raise
    except OSError as error:
        raise SpecError(f"cannot write {path}: {error.strerror or error}; give a file in a folder you can write to") \
            from None


def _stdout_gone() -> None:
    # Standard output is closed or full: point it at /dev/null so that Python's last flush at exit
    # does not fail a second time with a traceback.
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI; user errors become one line on stderr and exit status 2.

    SIGTERM unwinds like Ctrl-C (LaTeX and worker processes stopped, temporary files removed) and
    exits with 143.
    """
    closed = _reserve_closed_streams()
    if "stdout" in closed:
        click.echo("symconv: error: cannot write to standard output: it is closed; give the command an open "
                   "standard output (e.g. > FILE or > /dev/null)", err=True)
        sys.exit(2)
    with sigterm_raises():
        status = _run(argv)
    if status == 143:
        # Terminated: everything was unwound above (workers stopped, temporary files removed). Exit without the
        # interpreter's exit hooks: a process pool stopped in mid-flight has closed the pipe its hook writes to,
        # and that hook would print a traceback (CPython's concurrent.futures, at shutdown).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError, AttributeError):
                pass
        os._exit(143)
    sys.exit(status)


def _reserve_closed_streams() -> list[str]:
    """Open /dev/null on each standard stream the process was started without (`>&-`), and say which.

    Python leaves sys.stdout None then, and the next file opened would take descriptor 1: a line meant
    for standard output would land in it.
    """
    closed = []
    for number, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        if getattr(sys, name) is not None:
            continue
        closed.append(name)
        try:
            fd = os.open(os.devnull, os.O_RDWR)
            if fd != number:
                os.dup2(fd, number)
                os.close(fd)
        except OSError:
            continue
        setattr(sys, name, open(number, "r" if number == 0 else "w", encoding="utf-8", closefd=False))
    return closed


def _run(argv: list[str] | None) -> int:
    try:
        status = cli.main(args=argv, prog_name="symconv", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("symconv: aborted", err=True)
        return 1
    except Terminated:
        click.echo("symconv: terminated", err=True)
        return 143
    except MemoryError:  # only when forced past an estimate that was too low
        click.echo("symconv: error: out of memory: choose a smaller size (without --force, sizes that would not "
                   "fit are refused before anything is built)", err=True)
        return 2
    except OSError as error:  # standard output closed or full where click wrote to it
        if error.filename is None:
            _stdout_gone()
        where = error.filename if error.filename is not None else "to standard output"
        click.echo(f"symconv: error: cannot write {where}: {error.strerror or error}", err=True)
        return 2
    except click.ClickException as error:
        hint = f" (see 'symconv {error.ctx.info_name} --help')" if getattr(error, "ctx", None) and error.ctx.parent else ""
        click.echo(f"symconv: error: {error.format_message()}{hint}", err=True)
        return error.exit_code
    except SpecError as error:
        click.echo(f"symconv: error: {error}", err=True)
        return 2
    except LatexFailed as error:
        click.echo(f"symconv: {error}", err=True)
        return 1
    return status if isinstance(status, int) else 0
