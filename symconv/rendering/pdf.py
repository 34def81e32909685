"""Run LaTeX safely: a temporary folder, no shell escape, file access restricted, a timeout; LaTeX
killed and its folder removed however the run ends (latex_folders.py when its process was killed)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from ..termination import signals_held
from .latex_folders import make_folder, reap

INSTALL_HINT = (
    "no LaTeX found (pdflatex): install it with "
    "'sudo apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended' to get PDFs"
)
TIMEOUT_SECONDS = 300

# pdflatex runs again only while a file it writes for the next run to read back (the .aux, a .toc, an
# .out) changes, as latexmk would run it, at most MAX_RUNS times. pdflatex is run directly: latexmk's own
# start (a Perl program and its bookkeeping) took a tenth of a second of every PDF. The documents refer
# to nothing (no \label, \ref, contents or citations), so their .aux holds only \relax and LaTeX's page
# count (\gdef \@abspage@last{6}), which nothing reads: those lines are left out of the comparison, and
# a second run (as long as the first, and giving the same bytes) is made only for an .aux that holds
# anything else.
AUX_UNREFERENCED = re.compile(r"^\\(?:relax|gdef\s*\\@abspage@last\{).*\n?", flags=re.MULTILINE)
MAX_RUNS = 5  # latexmk's limit
# What pdflatex writes that is not read back by a next run.
_NOT_READ_BACK = {"derivation.tex", "derivation.pdf", "derivation.log"}

# The LaTeX runs of this process now: each folder, and the process group working in it once started.
_running: dict[str, int | None] = {}


class LatexMissing(RuntimeError):
    """pdflatex is not installed."""


class LatexFailed(RuntimeError):
    """LaTeX stopped with an error; the message is one line: the log's first error and where."""


def latex_available() -> bool:
    return shutil.which("pdflatex") is not None


def _log_excerpt(log: str) -> str:
    """The first error of a LaTeX log as one line: its message and the source line it stopped at."""
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("!") or re.match(r"^\S+\.tex:\d+: ", line):
            message = re.sub(r"^(\S+\.tex):(\d+): ", r"\1 line \2: ", line.lstrip("! ")).strip()
            where = next((re.match(r"l\.(\d+)", l) for l in lines[n + 1 : n + 12] if re.match(r"l\.\d+", l)), None)
            return message + (f" (derivation.tex line {where.group(1)})" if where and " line " not in message else "")
    tail = [line.strip() for line in lines if line.strip()]
    return tail[-1] if tail else "no log"


def overfull_boxes(log: str) -> list[str]:
    """The Overfull \\hbox / \\vbox warnings of a LaTeX log."""
    return re.findall(r"^Overfull \\[hv]box.*$", log, flags=re.MULTILINE)


def compile_pdf(tex: str, timeout: float = TIMEOUT_SECONDS) -> tuple[bytes, str]:
    """Compile LaTeX source to PDF; returns the PDF's bytes and the log.

    Raises:
        LatexMissing: when pdflatex is not installed.
        LatexFailed: when LaTeX reports an error or runs past the timeout.
    """
    with pdf_compiling(tex, timeout) as finish:
        return finish()


@contextmanager
def pdf_compiling(tex: str, timeout: float = TIMEOUT_SECONDS) -> Iterator[Callable[[], tuple[bytes, str]]]:
    """LaTeX started on `tex` in the background: the block runs beside it (the other formats are
    rendered while LaTeX typesets) and calls the function it is given for what compile_pdf returns,
    which waits for LaTeX and raises as compile_pdf does. The timeout counts from the start. However
    the block ends, LaTeX is stopped if still running and its folder removed.

    Raises:
        LatexMissing: on entering, when pdflatex is not installed.
    """
    if not latex_available():
        raise LatexMissing(INSTALL_HINT)
    env = dict(os.environ)
    # Reading and writing only below the working folder, never shell commands; fixed dates so that
    # the same source gives the same bytes.
    env.update(openin_any="p", openout_any="p", shell_escape="f", SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    cmd = ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "-file-line-error",
           "derivation.tex"]
    reap()  # the folders (and hung LaTeX) of earlier runs that were killed before they could clean up
    work = run = None

    def start() -> subprocess.Popen:
        # Its own process group, so that anything it starts goes with it when the run is cut short (a
        # timeout, Ctrl-C, SIGTERM): nothing keeps running or writing in the folder being removed.
        with signals_held():
            started = subprocess.Popen(cmd, cwd=work, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT, text=True, errors="replace", start_new_session=True)
            _running[work] = started.pid
        return started

    try:
        # Signals are held while the folder and the process are made (and the folder removed): an
        # interruption in between would leave either with no one to clean it up.
        with signals_held():
            work = make_folder()
            _running[work] = None
        Path(work, "derivation.tex").write_text(tex, encoding="utf-8")
        run = start()
        deadline = time.monotonic() + timeout

        def finish() -> tuple[bytes, str]:
            nonlocal run
            read_back: dict[str, bytes] = {}  # before the first run, nothing
            runs = 1
            while True:
                try:
                    stdout, _ = run.communicate(timeout=max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    raise LatexFailed(f"LaTeX did not finish within {timeout:.0f} s") from None
                log_path = Path(work, "derivation.log")
                log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else stdout
                pdf = Path(work, "derivation.pdf")
                if run.returncode != 0 or not pdf.exists():
                    raise LatexFailed("LaTeX failed: " + _log_excerpt(log))
                written = _read_back(work)
                if written == read_back or runs == MAX_RUNS:
                    return pdf.read_bytes(), log
                read_back, runs = written, runs + 1
                run = start()

        yield finish
    finally:
        with signals_held():
            if run is not None and run.returncode is None:  # cut short: once reaped, its pid may be reused
                _stop(run)
            if work is not None:
                shutil.rmtree(work, ignore_errors=True)
                _running.pop(work, None)


def _read_back(work: str) -> dict[str, bytes]:
    """The files of the folder a next pdflatex run reads back, by name, each as it would matter to it: the
    .aux without the lines that nothing reads (AUX_UNREFERENCED); a file with nothing else is as none."""
    found = {}
    for path in Path(work).iterdir():
        if path.name in _NOT_READ_BACK or not path.is_file():
            continue
        data = path.read_bytes()
        if path.suffix == ".aux":
            data = AUX_UNREFERENCED.sub("", data.decode("latin-1")).encode("latin-1")
        if data.strip():
            found[path.name] = data
    return found


def stop_all_now() -> None:
    """Kill every LaTeX run of this process and remove its folder, without waiting for anything: for a
    process about to exit that cannot unwind (see batch.py)."""
    for work, group in list(_running.items()):
        if group is not None:
            try:
                os.killpg(group, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        shutil.rmtree(work, ignore_errors=True)


def _stop(run: subprocess.Popen) -> None:
    """Kill pdflatex and anything it left running (its process group), and wait for it."""
    try:
        os.killpg(run.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    run.wait()
