"""Found by trying to break it: every case ends within 10 s and under 600 MB with a result or one
line and exit status 2, and leaves no process or file behind."""

from __future__ import annotations

import contextlib
import errno
import os
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from symconv import Activation, Conv, ConvSpec, Dense, Flatten, NetworkSpec, Pool, SoftmaxCrossEntropy
from symconv.cli import main
from symconv.indexmap import axis_taps, tap_count
from symconv.network import load_network
from symconv.size import Size, check_size
from symconv.spec import SpecError

from .conftest import need_latex

ROOT = Path(__file__).parents[1]
EXAMPLES = ROOT / "examples"
CAP_BYTES = 600 * 1024 * 1024
CAP_SECONDS = 10
HUGE = "9" * 5000  # more digits than Python turns into an int


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def capped(args: list[str], cwd: Path, **popen) -> subprocess.CompletedProcess:
    """symconv in its own process, under 600 MB of address space and a 10 s timeout."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(_tmpdir(cwd))}
    return subprocess.run([sys.executable, "-m", "symconv", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=CAP_SECONDS, preexec_fn=_cap, **popen)


def _tmpdir(cwd: Path) -> Path:
    folder = cwd / "tmp"
    folder.mkdir(exist_ok=True)
    return folder


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err


def one_line_exit_2(code: int, err: str, *named: str) -> None:
    assert code == 2, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("symconv: error: "), err
    assert "Traceback" not in err
    for word in named:
        assert word in err, err


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def network(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# --- Sizes: refused from the shapes, before anything is built -------------------------------------

def test_tap_count_is_the_number_of_taps_listed():
    for n_in in range(1, 9):
        for k in range(1, 5):
            for stride in range(1, 4):
                for pad in range(0, 5):
                    for dil in range(1, 4):
                        span = dil * (k - 1) + 1
                        if span > n_in + 2 * pad:
                            continue
                        n_out = (n_in + 2 * pad - span) // stride + 1
                        assert tap_count(n_in, n_out, k, stride, pad, dil) == len(axis_taps(n_in, n_out, k, stride, pad, dil))


def test_tap_count_of_a_billion_is_immediate():
    start = time.perf_counter()
    assert tap_count(10**9, 10**9 - 1, 2, 1, 0, 1) == 2 * (10**9 - 1)
    assert tap_count(3, 2 * 10**9 + 2, 2, 1, 10**9, 1) == 6  # only the taps in the input count
    assert time.perf_counter() - start < 1  # a loop over the billion would take minutes: a bound, not a benchmark


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.stem)
def test_size_estimate_counts_every_entry_of_a_network(path):
    from symconv import derive

    net = load_network(path)
    d = derive(net)
    assert Size.of(net).entries == sum(len(t.symbols or t.entries) for t in d.tensors if t.name != "L")


@pytest.mark.parametrize("spec", [ConvSpec(), ConvSpec(input=(5, 7), kernel=(3, 2), stride=(2, 1), padding=(1, 3),
                                                       dilation=(1, 2), in_channels=2, out_channels=3, bias=True)])
def test_size_estimate_counts_every_entry_of_a_layer(spec):
    from symconv import derive

    d = derive(spec)
    assert Size.of(spec).entries == sum(len(t.symbols or t.entries) for t in d.tensors)


BIG = (1, 3000, 3000)
# Each layer kind on its own, large enough to be refused: its terms are counted, not only conv and dense.
EVERY_KIND = [
    ("relu", (Activation("relu"),)), ("sigmoid", (Activation("sigmoid"),)), ("tanh", (Activation("tanh"),)),
    ("identity", (Activation("identity"),)), ("maxpool", (Pool("max", 2),)), ("avgpool", (Pool("avg", 2),)),
    ("l2pool", (Pool("l2", 2),)), ("flatten", (Flatten(),)), ("conv", (Conv(1, 2),)),
    ("dense", (Flatten(), Dense(3000))), ("softmax", (Flatten(), SoftmaxCrossEntropy())),
]


@pytest.mark.parametrize("layers", [layers for _, layers in EVERY_KIND], ids=[name for name, _ in EVERY_KIND])
def test_every_layer_kind_is_refused_from_its_shapes_alone(layers):
    start = time.perf_counter()
    with pytest.raises(SpecError, match=r"--force"):
        check_size(NetworkSpec(BIG, layers), {"json"})
    assert time.perf_counter() - start < 5  # building the terms would take minutes: a bound, not a benchmark


@pytest.mark.parametrize("shape, layers", [
    ((1, 100, 100), (Activation("relu"),)),  # measured: about 17 s
    ((1, 60, 60), (Pool("max", 2, stride=1),)),  # about 55 s
    ((1, 20, 20), (Flatten(), SoftmaxCrossEntropy())),  # 400 features: 160,000 exp terms
], ids=["relu", "maxpool", "softmax"])
def test_non_convolution_terms_count_towards_the_time_limit(shape, layers):
    # A few thousand terms, but each a SymPy expression built one by one (Max, a switch, exp over all
    # features) costs hundreds of times a convolution product: refused as conv layers of that cost are.
    with pytest.raises(SpecError, match="more than symconv derives unasked"):
        check_size(NetworkSpec(shape, layers), {"json"})
    check_size(NetworkSpec(shape, layers), {"json"}, force=True)


REFUSED = [
    (["render", "--network", "relu.toml", "--format", "json"], "--force cannot help"),
    (["render", "--network", "relu.toml", "--format", "json", "--force"], "--force cannot help"),
    (["render", "--input", "1000000000"], "--force cannot help"),
    (["render", "--padding", "1000000000", "--format", "json"], "--force cannot help"),
    (["verify", "--input", "1000000000", "--force"], "--force cannot help"),
    (["render", "--padding", "3000x0", "--no-bias"], "301 pages"),  # entries that are exactly 0 are lines too
    (["render", "--input", "200", "--kernel", "9", "--out-channels", "8", "--format", "json"], "memory"),
    (["verify", "--input", "200", "--jacobians", "--force"], "--force cannot help"),  # 1.6e9 Jacobian entries
    (["render", "--input", "9" * 25], "too large"),  # beyond 2^63 - 1
]


@pytest.mark.parametrize("args, named", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_huge_sizes_are_refused_at_once_under_a_memory_cap(args, named, in_tmp):
    network(in_tmp / "relu.toml", 'input = [1, 1000000000, 1000000000]\n[[layer]]\ntype = "relu"\n')
    result = capped(args, in_tmp)
    one_line_exit_2(result.returncode, result.stderr, named)
    assert not (in_tmp / "output").exists() and not any((in_tmp / "tmp").iterdir())


def test_a_padding_of_zeros_is_refused_for_its_pages_but_forced_through(capsys, in_tmp):
    # Without a bias (render's default has one), the output entries in the padding are exactly 0.
    code, _, err = run(["render", "--padding", "3000x0", "--no-bias", "--format", "md"], capsys)
    one_line_exit_2(code, err, "301 pages", "--force", "24,034 entries")
    code, _, err = run(["render", "--padding", "3000x0", "--no-bias", "--format", "md", "--force"], capsys)
    assert code == 0, err


# --- Fields are validated by type ------------------------------------------------------------------

BAD_FIELDS = [
    ('type = "dense"\nout_features = 2\nbias = "false"', "bias 'false' is not valid"),
    ('type = "dense"\nout_features = 2\nbias = 1', "bias 1 is not valid"),
    ('type = "dense"\nout_features = 2\nbias = [1]', "bias [1] is not valid"),
    ('type = "dense"\nout_features = 2.0', "out_features 2.0 is not valid"),
    ('type = "dense"\nout_features = true', "out_features True is not valid"),
    ('type = "dense"\nout_features = "2"', "out_features '2' is not valid"),
    ('type = "conv"\nout_channels = 1\nkernel = 2\nbias = "true"', "bias 'true' is not valid"),
    ('type = "conv"\nout_channels = 1\nkernel = [2.0, 2]', "kernel [2.0, 2] is not a size"),
    ('type = "conv"\nout_channels = 1\nkernel = 2\nconvention = 1', "convention 1 is not valid"),
    ('type = "maxpool"\nwindow = true', "window True is not a size"),
    ('type = "flatten"\norder = 1', "order 1 is not valid"),
    ('type = 3', "type 3 is not known"),
    ('type = ["relu"]', "type ['relu'] is not known"),
]


@pytest.mark.parametrize("table, named", BAD_FIELDS, ids=[t for t, _ in BAD_FIELDS])
def test_fields_of_the_wrong_type_are_refused(table, named, capsys, in_tmp):
    before = "" if "dense" not in table else '[[layer]]\ntype = "flatten"\n'
    path = network(in_tmp / "bad.toml", f"input = [1, 4, 4]\n{before}[[layer]]\n{table}\n")
    code, _, err = run(["render", "--network", path, "--format", "json"], capsys)
    one_line_exit_2(code, err, named)
    assert not (in_tmp / "output").exists()


@pytest.mark.parametrize("text, named", [
    ('input = [1, "4", 4]\n[[layer]]\ntype = "relu"\n', "input height '4' is not valid"),
    ('input = [1, 4.0, 4]\n[[layer]]\ntype = "relu"\n', "input height 4.0 is not valid"),
    ('input = [true, 4, 4]\n[[layer]]\ntype = "relu"\n', "input channels True is not valid"),
    (f'input = [1, 4, 4]\n[[layer]]\ntype = "maxpool"\nwindow = {"9" * 30}\n', "is too large"),
    (f'input = [1, {HUGE}, 4]\n[[layer]]\ntype = "relu"\n', "digits"),
    ('layer = ["relu"]\ninput = [1, 4, 4]\n', "layer 1 'relu' is not a table"),
    ('input = [1, 4, 4]\nlayer = [["type", "relu"]]\n', "layer 1 ['type', 'relu'] is not a table"),
    ("input = " + "[" * 5000 + "]" * 5000 + "\n", "nested too deeply"),
])
def test_malformed_network_files_are_one_line(text, named, capsys, in_tmp):
    path = network(in_tmp / "bad.toml", text)
    code, _, err = run(["render", "--network", path, "--format", "json"], capsys)
    one_line_exit_2(code, err, named)


def test_python_api_checks_types_too():
    for make, named in [(lambda: Dense(3, bias="false"), "bias 'false'"), (lambda: Conv(2, 3, bias=1), "bias 1"),
                        (lambda: Conv(2.0, 3), "out_channels 2.0"), (lambda: Pool("max", 2, stride=True), "stride True"),
                        (lambda: ConvSpec(in_channels=10**5000), "digits"),
                        (lambda: NetworkSpec((1, 3, 3), ("relu",)), "layer 1 'relu' is not a layer"),
                        (lambda: NetworkSpec((1, 3, 3), (Activation("relu"),), name=None), "name None")]:
        with pytest.raises(SpecError, match=named.replace("(", r"\(")):
            make()


def test_a_byte_order_mark_is_accepted(in_tmp):
    path = in_tmp / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbf" + (EXAMPLES / "single_conv.toml").read_bytes())
    assert load_network(path).layers == load_network(EXAMPLES / "single_conv.toml").layers


# --- Options and arguments that used to end in a traceback ---------------------------------------

@pytest.mark.parametrize("args, named", [
    (["render", "--input", HUGE], "too large"),
    (["render", "--in-channels", HUGE], "too large"),
    (["render", "--stride", f"1x{HUGE}"], "too large"),
    (["render", "--jobs", HUGE, str(EXAMPLES / "single_conv.toml")], "--jobs"),
    (["render", "--jobs", "0", str(EXAMPLES / "single_conv.toml")], "--jobs 0 is not valid"),
    (["verify", "--seed", HUGE], "--seed"),
    (["verify", "--seed", "-1"], "seed -1 is not valid"),
    (["verify", "--seed", "x"], "'x' is not a whole number"),
])
def test_bad_numbers_are_one_line(args, named, capsys, in_tmp):
    code, out, err = run(args, capsys)
    one_line_exit_2(code, err, named)
    assert len(err) < 300  # the value is named, not repeated in full


def test_out_that_is_not_a_folder_is_one_line(capsys, in_tmp):
    (in_tmp / "file").write_text("mine")
    (in_tmp / "dangling").symlink_to(in_tmp / "nowhere")
    for out, named in [("file", "it is a file"), ("dangling", "broken symbolic link"), ("/dev/null", "not a folder"),
                       ("x" * 300, "File name too long"), ("file/sub", "file/sub")]:
        code, _, err = run(["render", "--format", "json", "--out", out], capsys)
        one_line_exit_2(code, err, named)
    assert (in_tmp / "file").read_text() == "mine" and not (in_tmp / "nowhere").exists()


@pytest.mark.parametrize("error", [errno.EACCES, errno.EROFS, errno.ENOSPC])
def test_a_folder_that_cannot_be_written_keeps_its_old_files(error, capsys, in_tmp, monkeypatch):
    """A full disk part-way through (the third file fails), or no permission: nothing new, nothing left."""
    folder = in_tmp / "out"
    folder.mkdir()
    old = {"derivation.md": "old md", "derivation.html": "old html", "derivation.json": "old json"}
    for name, text in old.items():
        (folder / name).write_text(text)
    real = os.fdopen
    opened = []

    def failing_fdopen(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 3:
            os.close(fd)
            raise OSError(error, os.strerror(error))
        return real(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    code, _, err = run(["render", "--format", "tex,md,html,json", "--out", "out"], capsys)
    one_line_exit_2(code, err, os.strerror(error), "nothing was written")
    assert {p.name: p.read_text() for p in folder.iterdir()} == old


def test_a_folder_in_place_of_a_file_leaves_the_others_untouched(capsys, in_tmp):
    (in_tmp / "out" / "derivation.md").mkdir(parents=True)
    (in_tmp / "out" / "derivation.json").write_text("old json")
    code, _, err = run(["render", "--format", "md,json", "--out", "out"], capsys)
    one_line_exit_2(code, err, "out/derivation.md: a folder has this file's name")
    assert sorted(p.name for p in (in_tmp / "out").iterdir()) == ["derivation.json", "derivation.md"]
    assert (in_tmp / "out" / "derivation.json").read_text() == "old json"


def test_a_really_full_disk(capsys, in_tmp):
    """On a 64 kB tmpfs (root only) the render fails cleanly and the folder keeps its old files."""
    mount = in_tmp / "small"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a small tmpfs needs root")
    try:
        (mount / "derivation.json").write_text("old json")
        code, _, err = run(["render", "--input", "12", "--format", "tex,md,html,json", "--out", str(mount)], capsys)
        one_line_exit_2(code, err, "No space left on device")
        assert [p.name for p in mount.iterdir()] == ["derivation.json"]
        assert (mount / "derivation.json").read_text() == "old json"
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_a_network_name_too_long_for_a_folder_name(capsys, in_tmp):
    path = in_tmp / ("n" * 250 + ".toml")
    path.write_text((EXAMPLES / "single_conv.toml").read_text())
    code, out, err = run(["render", "--network", str(path), "--format", "json"], capsys)
    assert code == 0, err
    folder = next((in_tmp / "output").iterdir())
    assert len(folder.name) < 255 and (folder / "derivation.json").exists()


@pytest.mark.parametrize("command", [["render", "--input", "40", "--format", "json", "--out", "-"],
                                     ["check", "many-claims.md"]])
@pytest.mark.parametrize("target", ["/dev/full", "closed pipe"])
def test_standard_output_closed_or_full_is_one_line(target, command, in_tmp):
    # Both print far more than a pipe holds (64 kB), so the write meets the closed pipe for sure.
    (in_tmp / "many-claims.md").write_text("".join(f"$$ y_{{11}} = {n} $$\n" for n in range(1500)))
    args = [sys.executable, "-m", "symconv", *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    if target == "/dev/full":
        with open("/dev/full", "wb") as full:
            result = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, text=True, env=env,
                                    timeout=CAP_SECONDS, preexec_fn=_cap)
        code, err = result.returncode, result.stderr
    else:  # as `| head -c1`
        process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, preexec_fn=_cap)
        process.stdout.read(1)
        process.stdout.close()
        err = process.stderr.read().decode()
        code = process.wait(CAP_SECONDS)
    one_line_exit_2(code, err, "standard output")


def test_api_refuses_what_is_not_a_spec_and_reads_formats_as_the_cli_does(monkeypatch):
    from symconv import api

    with pytest.raises(TypeError, match="render takes a ConvSpec, a NetworkSpec or a Derivation, not NoneType"):
        api.render(None)
    with pytest.raises(TypeError, match="verify takes"):
        api.verify("3x3")
    with pytest.raises(TypeError, match="decode them first"):
        api.check(b"$$y_{1,1} = x_{1,1} k_{1,1}$$", ConvSpec())
    assert api.check(None, ConvSpec(), claims="y_{1,1} = x_{1,1} k_{1,1}")[0].status == "wrong"
    assert sorted(api.render(ConvSpec(), "md,json").files) == ["derivation.json", "derivation.md",
                                                               "figure-full.svg", "figure-slide.svg", "figure-window.svg"]
    assert list(api.render(ConvSpec(), ("json",)).files) == ["derivation.json"]
    with pytest.raises(SpecError, match="format 'docx' is not known"):
        api.render(ConvSpec(), ("docx",))
    with pytest.raises(SpecError, match="no format given"):
        api.render(ConvSpec(), ())
    monkeypatch.setattr(api, "latex_available", lambda: False)
    with pytest.raises(SpecError, match="format pdf: no LaTeX found"):
        api.render(ConvSpec(), "pdf")
    with pytest.raises(TypeError, match="write takes what render returns"):
        api.write({"a": b""}, "out")


def test_api_render_pdf_as_a_bare_string():
    need_latex()
    from symconv import api

    assert list(api.render(ConvSpec(), "pdf").files) == ["derivation.pdf"]


def test_one_bad_file_does_not_stop_a_batch(capsys, in_tmp):
    bad = [network(in_tmp / "deep.toml", "input = " + "[" * 5000 + "]" * 5000 + "\n"),
           network(in_tmp / "list.toml", 'input = [1, 4, 4]\nlayer = ["relu"]\n'),
           network(in_tmp / "big.toml", 'input = [1, 1000000000, 1000000000]\n[[layer]]\ntype = "relu"\n')]
    good = str(EXAMPLES / "single_conv.toml")
    (in_tmp / "blocked").write_text("a file where the output folder goes")
    for jobs in ("1", "2"):
        code, out, err = run(["render", *bad, good, "--format", "json", "--jobs", jobs], capsys)
        assert code == 1, err
        lines = out.splitlines()
        assert [line.split()[0] for line in lines[:-1]] == ["failed"] * 3 + ["written" if jobs == "1" else "unchanged"]
        assert "nested too deeply" in lines[0] and "is not a table" in lines[1] and "--force cannot help" in lines[2]
        assert lines[-1].startswith("4 file(s):")
    code, out, err = run(["render", good, str(EXAMPLES / "three_layer_cnn.toml"), "--format", "json",
                          "--out", "blocked"], capsys)
    assert code == 1 and out.count("cannot write into blocked") == 2, out


def test_a_worker_that_dies_fails_only_its_own_file(in_tmp, monkeypatch):
    from symconv import batch

    real = batch.render_file

    def dies_on_crash(source, *args):
        if Path(source).name == "crash.toml":
            os._exit(9)  # as the out-of-memory killer would
        return real(source, *args)

    monkeypatch.setattr(batch, "render_file", dies_on_crash)  # the forked workers inherit it
    crash = network(in_tmp / "crash.toml", (EXAMPLES / "single_conv.toml").read_text())
    sources = [str(p) for p in sorted(EXAMPLES.glob("*.toml"))]
    outcomes = {o.source: o for o in batch.render_files([crash, *sources], ("json",), "out", jobs=2)}
    assert outcomes[crash].status == "failed" and "worker process died" in outcomes[crash].detail
    assert all(outcomes[s].status == "written" for s in sources), outcomes


# --- LaTeX: missing, failing, file names it cannot typeset ---------------------------------------

def test_an_explicit_pdf_without_latex_is_refused(capsys, in_tmp, monkeypatch):
    from symconv.rendering import pdf

    monkeypatch.setattr(pdf, "latex_available", lambda: False)
    monkeypatch.setattr("symconv.cli.latex_available", lambda: False)
    for formats in ("pdf", "pdf,json"):
        code, out, err = run(["render", "--format", formats], capsys)
        one_line_exit_2(code, err, "--format pdf: no LaTeX found", "apt-get install")
        assert not (in_tmp / "output").exists()
    code, out, err = run(["render", str(EXAMPLES / "single_conv.toml"), "--format", "pdf"], capsys)
    one_line_exit_2(code, err, "--format pdf")


def test_a_latex_failure_is_one_line_and_the_other_formats_are_written(capsys, in_tmp, monkeypatch):
    from symconv.rendering import formats, pdf

    @contextlib.contextmanager
    def failing(tex, timeout=0):
        def finish():
            raise pdf.LatexFailed("LaTeX failed: Undefined control sequence (derivation.tex line 3)")

        yield finish

    monkeypatch.setattr(formats, "pdf_compiling", failing)
    monkeypatch.setattr("symconv.cli.latex_available", lambda: True)
    monkeypatch.setattr("symconv.api.latex_available", lambda: True)
    code, out, err = run(["render", "--format", "pdf,md,json", "--out", "out"], capsys)
    assert code == 1
    assert err == "symconv: error: derivation.pdf not written: LaTeX failed: Undefined control sequence (derivation.tex line 3)\n"
    assert sorted(p.name for p in (in_tmp / "out").iterdir()) == ["derivation.json", "derivation.md",
                                                                  "figure-full.svg", "figure-slide.svg", "figure-window.svg"]


def test_latex_errors_are_one_line_with_where():
    need_latex()
    from symconv.rendering.pdf import LatexFailed, compile_pdf

    with pytest.raises(LatexFailed) as failed:
        compile_pdf("\\documentclass{article}\n\\begin{document}\n\\undefinedcommand\n\\end{document}\n")
    assert "\n" not in str(failed.value)
    assert "Undefined control sequence" in str(failed.value) and "line 3" in str(failed.value)


def test_a_network_file_name_latex_cannot_typeset(capsys, in_tmp):
    need_latex()
    path = in_tmp / "网络.toml"
    untitled = [line for line in (EXAMPLES / "single_conv.toml").read_text().splitlines() if not line.startswith("title")]
    path.write_text("\n".join(untitled), encoding="utf-8")
    code, out, err = run(["render", "--network", str(path), "--format", "tex,pdf,md,json", "--out", "out"], capsys)
    assert code == 0, err
    assert (in_tmp / "out" / "derivation.pdf").read_bytes().startswith(b"%PDF")
    assert "网络" in (in_tmp / "out" / "derivation.md").read_text()


# --- Signals: nothing keeps running, nothing is left behind --------------------------------------

def _descendants(pid: int) -> set[int]:
    found, todo = set(), [pid]
    while todo:
        parent = todo.pop()
        for task in Path(f"/proc/{parent}/task").glob("*"):
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in map(int, children):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return found


def _alive(pids: set[int]) -> set[int]:
    alive = set()
    for pid in pids:
        try:
            if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z":
                alive.add(pid)
        except OSError:
            pass
    return alive


def _described(pid: int) -> str:
    """A process's command line, state and where it waits, for a failure's message."""
    parts = []
    for name in ("cmdline", "stat", "wchan"):
        with contextlib.suppress(OSError):
            parts.append(Path(f"/proc/{pid}/{name}").read_text().replace("\0", " ").strip()[:200])
    return " | ".join(parts)


def _wait_for(condition, seconds: float = 8.0) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.02)
    return False


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc to find the processes")
def test_sigterm_during_latex_kills_it_and_removes_its_folder(in_tmp):
    need_latex()
    tmp = _tmpdir(in_tmp)
    # pdflatex typesets this document in about a quarter of a second, about as long as the wait below: a
    # pdflatex that waits a while before it starts (the real one, in the same process) is still at work
    # whenever the signal comes.
    slow = in_tmp / "bin"
    slow.mkdir()
    (slow / "pdflatex").write_text(f'#!/bin/sh\nsleep 5\nexec "{shutil.which("pdflatex")}" "$@"\n')
    (slow / "pdflatex").chmod(0o755)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp), "PATH": f"{slow}{os.pathsep}{os.environ['PATH']}"}
    process = subprocess.Popen([sys.executable, "-m", "symconv", "render", "--input", "6", "--format", "pdf"],
                               cwd=in_tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_cap)
    seen: set[int] = set()

    def latex_running() -> bool:
        seen.update(_descendants(process.pid))
        return any(tmp.glob("symconv-latex-*")) and len(seen) >= 1

    assert _wait_for(latex_running), "LaTeX never started"
    time.sleep(0.2)
    seen.update(_descendants(process.pid))
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=CAP_SECONDS)
    assert process.returncode == 143 and err.strip().splitlines()[-1] == "symconv: terminated", err
    assert _wait_for(lambda: not _alive(seen), 2), "pdflatex still running"
    assert list(tmp.iterdir()) == [] and not (in_tmp / "output").exists()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc to find the processes")
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_a_batch_stopped_by_a_signal_stops_its_workers(signum, in_tmp):
    """SIGTERM: the caller stops its workers and exits; SIGKILL: the workers notice and stop themselves."""
    need_latex()
    tmp = _tmpdir(in_tmp)
    sources = []
    for n in range(6):
        for example in sorted(EXAMPLES.glob("*.toml")):
            sources.append(network(in_tmp / f"{example.stem}_{n}.toml", example.read_text()))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp)}
    process = subprocess.Popen([sys.executable, "-m", "symconv", "render", *sources, "--jobs", "4"],
                               cwd=in_tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=_cap)
    seen: set[int] = set()

    def workers_busy() -> bool:
        seen.update(_descendants(process.pid))
        return len(seen) >= 4 and any(tmp.glob("symconv-latex-*"))

    assert _wait_for(workers_busy), "the workers never started LaTeX"
    time.sleep(0.3)
    seen.update(_descendants(process.pid))
    process.send_signal(signum)
    # The workers hold the caller's pipes: this only returns once every one of them is gone.
    try:
        out, err = process.communicate(timeout=CAP_SECONDS)
    except subprocess.TimeoutExpired:
        seen.update(_descendants(process.pid))
        left = {pid: _described(pid) for pid in _alive(seen)}
        for pid in left:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
        pytest.fail(f"still running {CAP_SECONDS} s after {signum.name}: {left}")
    if signum == signal.SIGTERM:
        assert process.returncode == 143 and "symconv: terminated" in err, err
    assert "Traceback" not in err
    assert _wait_for(lambda: not _alive(seen), 5), "a worker, latexmk or pdflatex is still running"
    assert _wait_for(lambda: not any(tmp.iterdir()), 5), list(tmp.iterdir())


WORKER_THAT_SWALLOWS = """
import os, subprocess, sys, tempfile, time
from symconv import batch
from symconv.rendering import pdf
batch._worker_started = None
import signal
signal.signal(signal.SIGTERM, batch._worker_sigterm)
batch._busy = True
folder = tempfile.mkdtemp()
group = subprocess.Popen(["sleep", "60"], start_new_session=True)
pdf._running[folder] = group.pid
told = False
while True:  # Terminated raised where something catches everything: the worker would go on
    try:
        if not told:
            print(folder, group.pid, flush=True)
            told = True
        time.sleep(0.05)
    except BaseException:
        pass
"""


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc to find the processes")
def test_a_worker_that_cannot_unwind_stops_its_latex_and_exits_by_its_deadline(in_tmp):
    from symconv.batch import UNWIND_SECONDS

    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(_tmpdir(in_tmp))}
    process = subprocess.Popen([sys.executable, "-c", WORKER_THAT_SWALLOWS], env=env, stdout=subprocess.PIPE, text=True)
    folder, group = process.stdout.readline().split()
    process.send_signal(signal.SIGTERM)
    try:
        assert process.wait(UNWIND_SECONDS + 5) == 143
    finally:
        process.kill()
    assert _wait_for(lambda: not _alive({int(group)}), 2), "its LaTeX (here sleep) still runs"
    assert not Path(folder).exists()
