"""Faults found by trying to break symconv (issue 23): interrupts, concurrent writers, full disks,
closed standard streams, hostile network files, killed LaTeX runs and names LaTeX cannot set."""

from __future__ import annotations

import errno
import os
import resource
import signal
import subprocess
import sys
import threading
import time
from functools import lru_cache
from pathlib import Path

import pytest

from symconv import ConvSpec
from symconv.api import render, write
from symconv.spec import SpecError
from symconv.termination import Terminated, sigterm_raises

FORMATS = "tex,md,html,json"


@lru_cache(maxsize=None)
def rendered_layer(size: int, bias: bool = False):
    """A layer's files, rendered once for every test that writes them."""
    return render(ConvSpec(input=size, bias=bias), FORMATS)


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _leftovers(root: Path) -> list[str]:
    """Staging folders and temporary files anywhere below root."""
    return [str(p) for p in root.rglob("*") if p.name.startswith(".") or p.name.endswith(".tmp")]


# --- Writing: all or none, whatever happens --------------------------------------------------------

CALLS = ("open", "mkdir", "rename", "replace")  # every step of a write that the file system sees


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "folder with old files"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize("at", range(1, 26))
def test_an_interrupt_at_any_step_of_a_write_leaves_all_or_none(at, signum, existing, in_tmp):
    """The signal arrives just after the at-th call of the file system: the folder then holds the old
    files or the new ones, every one of them, and no temporary file or folder is left anywhere."""
    folder = in_tmp / "out"
    old = rendered_layer(4).files
    if existing:
        write(rendered_layer(4), folder)
    rendered = rendered_layer(3)
    count = [0]

    def interrupting(real):
        def call(*args, **kwargs):
            result = real(*args, **kwargs)
            count[0] += 1
            if count[0] == at:
                os.kill(os.getpid(), signum)
            return result
        return call

    with pytest.MonkeyPatch.context() as patch, sigterm_raises():
        for name in CALLS:
            patch.setattr(os, name, interrupting(getattr(os, name)))
        try:
            write(rendered, folder)
        except (KeyboardInterrupt, Terminated):
            pass
    state = {p.name: p.read_bytes() for p in folder.iterdir()} if folder.exists() else {}
    assert state in ([rendered.files, old] if existing else [rendered.files, {}]), sorted(state)
    assert _leftovers(in_tmp) == []


def test_a_failed_write_leaves_no_new_folder(in_tmp, monkeypatch, capsys):
    """A full disk at the second file: the folders the write would have made are not there."""
    from symconv.cli import main

    real, opened = os.fdopen, []

    def failing_fdopen(fd, *args, **kwargs):
        opened.append(fd)
        if len(opened) == 2:
            os.close(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fd, *args, **kwargs)

    monkeypatch.setattr(os, "fdopen", failing_fdopen)
    with pytest.raises(SystemExit) as stop:
        main(["render", "--format", FORMATS, "--out", "new/deeper/out"])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and len(err.strip().splitlines()) == 1 and "No space left" in err, err
    assert list(in_tmp.iterdir()) == []


@pytest.mark.parametrize("existing", [False, True], ids=["new folder", "folder with old files"])
def test_two_threads_writing_into_one_folder_never_mix_their_files(existing, in_tmp, monkeypatch):
    """Thread B writes its whole set just after thread A's first rename: the folder ends with one
    render's files, all of them, not some of each."""
    folder = in_tmp / "shared"
    if existing:
        write(rendered_layer(5), folder)
    first, second = rendered_layer(3), rendered_layer(4, True)
    a_renamed, b_done = threading.Event(), threading.Event()

    def pausing(real):
        def move(*args, **kwargs):
            real(*args, **kwargs)
            if threading.current_thread().name == "A":
                a_renamed.set()
                b_done.wait(1)  # B goes now, unless it waits for A (then A goes on after a second)
        return move

    monkeypatch.setattr(os, "rename", pausing(os.rename))
    monkeypatch.setattr(os, "replace", pausing(os.replace))
    errors = []

    def writer(rendered, wait):
        try:
            if wait:
                a_renamed.wait(10)
            write(rendered, folder)
        except Exception as error:  # noqa: BLE001 (reported by the assert below)
            errors.append(error)
        finally:
            if wait:
                b_done.set()

    threads = [threading.Thread(target=writer, args=(first, False), name="A"),
               threading.Thread(target=writer, args=(second, True), name="B")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    state = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert state in (first.files, second.files), sorted(n for n in state if state[n] == first.files.get(n))
    assert _leftovers(in_tmp) == []


def test_a_file_below_a_file_is_one_line_naming_both(in_tmp):
    (in_tmp / "file").write_text("mine")
    with pytest.raises(SpecError, match=r"cannot write into file/sub: file is a file"):
        write(render(ConvSpec(), "json"), "file/sub")
    assert (in_tmp / "file").read_text() == "mine" and _leftovers(in_tmp) == []


# --- Standard streams ----------------------------------------------------------------------------

ROOT = Path(__file__).parents[1]


def _without_stdout() -> None:
    os.close(1)


@pytest.mark.parametrize("command", [
    ["render", "--format", "md", "--out", "-"], ["render", "--format", "md", "--out", "out"], ["verify", "--no-torch"],
    ["check", "--claim", "y_{1,1} = x_{1,1} k_{1,1}"], ["render", "net.toml"], ["--help"]])
def test_a_closed_standard_output_is_one_line_and_nothing_written(command, in_tmp):
    """As `symconv ... >&-`: one line, exit status 2, no traceback, no folder."""
    (in_tmp / "net.toml").write_text((ROOT / "examples" / "single_conv.toml").read_text())
    result = subprocess.run([sys.executable, "-m", "symconv", *command], cwd=in_tmp, capture_output=False,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                            preexec_fn=_without_stdout, timeout=60)
    assert result.returncode == 2, result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and "standard output" in result.stderr
    assert sorted(p.name for p in in_tmp.iterdir()) == ["net.toml"]


# --- Network files that are no files --------------------------------------------------------------

def _cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (600 * 1024 * 1024,) * 2)


@pytest.mark.parametrize(("command", "source"), [
    *(("render", source) for source in ("/dev/zero", "/dev/urandom", "fifo", "folder", "big.toml")),
    ("verify", "fifo"), ("check", "/dev/zero")])
def test_a_network_file_that_is_no_file_is_refused_in_one_line(command, source, in_tmp):
    """Refused before it is read: a FIFO with no writer would block, /dev/zero would fill the memory.
    The timeout only keeps a blocked run from hanging the tests."""
    os.mkfifo(in_tmp / "fifo")
    (in_tmp / "folder").mkdir()
    (in_tmp / "big.toml").write_text("# " + "x" * 3_000_000 + "\n" + (ROOT / "examples" / "single_conv.toml").read_text())
    args = [sys.executable, "-m", "symconv", command, "--network", source]
    args += ["--claim", "y_{1,1} = 0"] if command == "check" else ["--format", "json", "--out", "-"] if command == "render" else []
    try:
        result = subprocess.run(args, cwd=in_tmp, capture_output=True, text=True, timeout=60, preexec_fn=_cap_memory,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
    except subprocess.TimeoutExpired:
        pytest.fail(f"symconv {command} --network {source} did not return")
    assert result.returncode == 2 and result.stdout == "", result.stderr
    assert result.stderr.splitlines() == [result.stderr.strip()] and source in result.stderr, result.stderr
    named = {"fifo": "FIFO", "folder": "folder", "big.toml": "MB"}.get(source, "device")
    assert named in result.stderr, result.stderr


# --- LaTeX that hangs, workers that are killed ------------------------------------------------------

HUNG_LATEX = """#!/bin/sh
# A pdflatex that hangs, deaf to SIGTERM and SIGINT, noting its pid.
trap '' TERM INT
echo $$ > "{pids}/$$"
exec sleep 1000
"""


def _parent(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


def _until(condition, seconds: float = 60) -> bool:
    """Poll for a condition (a bound only so that a broken run cannot hang the tests)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and not condition():
        time.sleep(0.05)
    return condition()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc to find the processes")
def test_a_killed_batch_worker_leaves_no_latex_folder_and_no_latex_running(in_tmp):
    """A worker SIGKILLed while its pdflatex hangs: the parent kills that pdflatex and removes its folder;
    SIGTERM to the parent then stops the rest (a pdflatex deaf to SIGTERM included)."""
    fake, pids, tmp = in_tmp / "bin", in_tmp / "pids", in_tmp / "tmp"
    for folder in (fake, pids, tmp):
        folder.mkdir()
    for name in ("pdflatex",):
        (fake / name).write_text(HUNG_LATEX.format(pids=pids))
        (fake / name).chmod(0o755)
    sources = []
    for name in ("a", "b"):
        (in_tmp / f"{name}.toml").write_text((ROOT / "examples" / "single_conv.toml").read_text())
        sources.append(f"{name}.toml")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TMPDIR": str(tmp), "PATH": f"{fake}:{os.environ['PATH']}"}
    process = subprocess.Popen([sys.executable, "-m", "symconv", "render", *sources, "--jobs", "2", "--format", "pdf"],
                               cwd=in_tmp, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert _until(lambda: len(list(pids.iterdir())) == 2), "LaTeX never started in both workers"
        pdflatex = int(next(pids.iterdir()).name)
        worker = _parent(pdflatex)
        folder = Path(os.readlink(f"/proc/{pdflatex}/cwd"))
        os.kill(worker, signal.SIGKILL)
        _until(lambda: not folder.exists() and not _running(pdflatex))
        assert not _running(pdflatex), "the killed worker's pdflatex is still running"
        assert not folder.exists(), "the killed worker's LaTeX folder is still there"
    finally:
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=60)
        stopped = _until(lambda: not any(_running(int(p.name)) for p in pids.iterdir()), 10)
        for pid in (int(p.name) for p in pids.iterdir() if _running(int(p.name))):
            os.kill(pid, signal.SIGKILL)  # not to leave them running when the test fails
    assert process.returncode == 143 and "Traceback" not in err, err
    assert stopped, "a latexmk is still running"
    assert list(tmp.iterdir()) == []


class _RaisesWhenCollected:
    """An object whose finalizer raises Terminated, as SIGTERM does when it arrives inside one."""

    def __del__(self):
        raise Terminated()


def test_sigterm_inside_a_finalizer_still_stops_the_command(capsys):
    """Python cannot raise from a finalizer (an import lock's callback, as in CI): it would print the
    exception and go on. Within sigterm_raises it is raised again at the next step instead."""
    with pytest.raises(Terminated), sigterm_raises():
        _RaisesWhenCollected()
        for _ in range(10_000):
            time.sleep(0.001)
    assert "Traceback" not in capsys.readouterr().err


def test_sigterm_inside_a_finalizer_stops_a_batch_worker_without_a_traceback(in_tmp):
    """The same in a batch worker: it exits with 143 at once, printing nothing."""
    code = ("import time; from symconv import batch; from symconv.termination import Terminated\n"
            "class F:\n    def __del__(self): raise Terminated()\n"
            "batch._worker_started(); F(); time.sleep(30); print('went on')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "")


# --- Valid input that must render ------------------------------------------------------------------

def test_a_parameter_named_with_a_greek_letter_is_typeset_as_that_letter(in_tmp):
    """params = { "α" = 0.25 }: the LaTeX writes \\alpha (pdfLaTeX has no glyph for α in math)."""
    from .conftest import need_latex

    path = in_tmp / "greek.toml"
    path.write_text('input = [4]\n\n[[layer]]\ntype = "activation"\nformula = "α * z"\nparams = { "α" = 0.25 }\n',
                    encoding="utf-8")
    from symconv.network import load_network

    rendered = render(load_network(path), "tex")
    tex = rendered.files["derivation.tex"].decode()
    assert r"{\alpha} = 0.25" in tex and "α" not in tex
    need_latex()
    assert render(load_network(path), "pdf").files["derivation.pdf"].startswith(b"%PDF")


def test_a_parameter_named_with_underscores_is_typeset_as_its_name(in_tmp):
    """params = { __class__ = 0.5 }: its underscores are not subscripts (SymPy printed __class^{})."""
    from .conftest import need_latex
    from symconv.network import load_network

    path = in_tmp / "dunder.toml"
    path.write_text('input = [2]\n\n[[layer]]\ntype = "activation"\nformula = "__class__ * z"\n'
                    'params = { __class__ = 0.5 }\n', encoding="utf-8")
    tex = render(load_network(path), "tex").files["derivation.tex"].decode()
    assert r"$\mathit{\_\_class\_\_} = 0.5$" in tex and "__class" not in tex
    need_latex()
    assert render(load_network(path), "pdf").files["derivation.pdf"].startswith(b"%PDF")


def test_control_characters_never_reach_markdown_or_html(in_tmp):
    from symconv.network import NetworkSpec, load_network

    with pytest.raises(SpecError, match="without control characters"):
        NetworkSpec((4,), (), title="Bad \x1b[31m title\x07")
    with pytest.raises(SpecError, match="without control characters"):
        NetworkSpec((4,), (), title="right\u202eleft")
    path = in_tmp / "bad\x1b[2Jname.toml"  # the default title is made from the file's name
    path.write_text('input = [4]\n\n[[layer]]\ntype = "relu"\n')
    files = render(load_network(path), "md,html").files
    for name in ("derivation.md", "derivation.html"):
        text = files[name].decode()
        assert "\x1b" not in text and "U+001B" in text, name


@pytest.mark.parametrize("flag", ["force", "jacobians"])
def test_switches_of_the_api_take_only_true_or_false(flag):
    from symconv.api import derive, verify

    for call in (derive, render, verify):
        for value in ("yes", "no", 1, None):
            with pytest.raises(SpecError, match=rf"{flag} .* is not valid: give True or False"):
                call(ConvSpec(), **{flag: value})


# --- Tests that need poppler-utils ----------------------------------------------------------------

def test_without_poppler_the_tests_that_need_it_are_skipped_with_the_reason(monkeypatch):
    from . import conftest

    monkeypatch.setattr(conftest.shutil, "which", lambda tool: None if tool == "pdfinfo" else "/usr/bin/" + tool)
    monkeypatch.setattr(conftest, "REQUIRE_LATEX", False)
    with pytest.raises(pytest.skip.Exception, match="poppler-utils .*pdfinfo"):
        conftest.need_poppler("pdfinfo")
    conftest.need_poppler("pdftotext")  # there: no skip
