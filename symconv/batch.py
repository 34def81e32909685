"""Render many network files at once, in parallel processes, writing only what changed."""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Iterator

from .api import render, write
from .network import load_network
from .rendering.formats import Rendered
from .rendering.latex_folders import reap
from .rendering.options import DocumentOptions
from .rendering.pdf import stop_all_now
from .spec import SpecError
from .termination import Terminated

STOP_SECONDS = 5  # how long stopped workers get to clean up (kill LaTeX, remove its folder) before SIGKILL
UNWIND_SECONDS = 3  # how long a worker told to stop unwinds before it stops its LaTeX and exits at once


@dataclass(frozen=True)
class Outcome:
    """What became of one file: "written", "unchanged" (its files already held these bytes) or "failed"."""

    source: str
    status: str
    folder: str = ""
    detail: str = ""


def _one_line(error: BaseException) -> str:
    text = str(error).strip()
    line = text.splitlines()[0] if text else ""
    return line if isinstance(error, SpecError) else f"{type(error).__name__}: {line}".rstrip(": ")


def render_file(source: str, formats: tuple[str, ...] | None, out_root: str, force: bool = False,
                options: DocumentOptions = DocumentOptions()) -> Outcome:
    """Render one network file into out_root/<slug>/, leaving files that would not change untouched.

    Never raises for anything about this one file (a bad file, a LaTeX failure, a folder that
    cannot be written): those are the Outcome's detail, and the other files go on.
    """
    try:
        spec = load_network(source)
        rendered = render(spec, formats, force=force, handout=options.handout, all_entries=options.all_entries,
                          input_gradient=options.input_gradient, example=options.example,
                          upstream_symbol=options.upstream, exercises=options.exercises)
        folder = Path(out_root) / (spec.slug() + options.suffix())
        changed = {name: data for name, data in rendered.files.items()
                   if not (folder / name).is_file() or (folder / name).read_bytes() != data}
        if changed:
            write(Rendered(changed), folder)
    except Exception as error:  # noqa: BLE001 (one file's failure is its outcome, whatever it is)
        # The line shows the file once: a message that starts with its name does not repeat it.
        return Outcome(source, "failed", detail=_one_line(error).removeprefix(f"{source}: "))
    if rendered.errors:
        return Outcome(source, "failed", str(folder), "; ".join(rendered.errors))
    return Outcome(source, "written" if changed else "unchanged", str(folder), "; ".join(rendered.notes))


_busy = False


def _worker_started() -> None:
    """In each worker: die with the parent, leave Ctrl-C to the parent, and on SIGTERM clean up and exit."""
    try:  # Linux: SIGTERM when the parent dies, even by SIGKILL, so no worker outlives it
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(143)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _worker_sigterm)
    sys.unraisablehook = partial(_unraisable, sys.unraisablehook)


def _unraisable(previous_hook, unraisable) -> None:
    """Terminated raised where Python can only print it (a finalizer, an import lock's callback) cannot
    unwind render_file: stop LaTeX and exit now, without the traceback Python would print."""
    if isinstance(unraisable.exc_value, Terminated):
        stop_all_now()
        os._exit(143)
    previous_hook(unraisable)


def _worker_sigterm(signum, frame) -> None:
    if _busy:  # unwind through render_file's cleanups (LaTeX's processes and folder), then exit
        threading.Thread(target=_exit_after, args=(UNWIND_SECONDS,), daemon=True).start()
        raise Terminated()
    stop_all_now()  # a worker that is not render_file's (an exercise set's) exits at once, LaTeX too
    os._exit(143)


def _exit_after(seconds: float) -> None:
    """The worker's deadline once told to stop: an unwinding that has not ended by then (the exception
    raised where Python can only print it, in a finalizer, or a step that will not return) is cut
    short, its LaTeX killed and folder removed first."""
    time.sleep(seconds)
    stop_all_now()
    os._exit(143)


def _render_in_worker(*args) -> Outcome:
    global _busy
    _busy = True
    try:
        return render_file(*args)
    except Terminated:
        os._exit(143)
    finally:
        _busy = False


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop every worker now: SIGTERM (they clean up), then SIGKILL for any still running."""
    workers = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for worker in workers:
        if worker.is_alive():
            worker.terminate()
    for worker in workers:
        worker.join(STOP_SECONDS)
        if worker.is_alive():
            worker.kill()
            worker.join()
    reap({worker.pid for worker in workers})  # a killed worker's LaTeX folder, and its LaTeX


def _pids(pool: ProcessPoolExecutor) -> set[int]:
    return {process.pid for process in (getattr(pool, "_processes", None) or {}).values()}


def render_files(sources: list[str], formats: tuple[str, ...] | None, out_root: str, force: bool = False,
                 jobs: int | None = None, options: DocumentOptions = DocumentOptions()) -> Iterator[Outcome]:
    """render_file for each source, in up to `jobs` processes (one per core by default), as each finishes.

    If the caller is interrupted (Ctrl-C, SIGTERM as Terminated) the workers are stopped before it
    goes on. A worker that dies (the out-of-memory killer) breaks the whole pool: the files it left
    unfinished are rendered again, each in a process of its own, so only the culprit fails.
    """
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    if jobs == 1:
        for source in sources:
            yield render_file(source, formats, out_root, force, options)
        return
    unfinished = yield from _in_pool(sources, jobs, (formats, out_root, force, options))
    for source in unfinished:
        left = yield from _in_pool([source], 1, (formats, out_root, force, options))
        for lost in left:
            yield Outcome(lost, "failed", detail="its worker process died (out of memory, or killed)")


def _in_pool(sources: list[str], jobs: int, args: tuple) -> Iterator[Outcome]:
    """Render in one pool; returns the sources left unfinished when a worker died."""
    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_worker_started)
    unfinished, workers = [], set()
    try:
        futures = {pool.submit(_render_in_worker, source, *args): source for source in sources}
        workers = _pids(pool)
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                unfinished.append(futures[future])
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    if unfinished:  # a worker was killed: its LaTeX folder, and any LaTeX still running in it, go too
        reap(workers | _pids(pool))
    return sorted(unfinished, key=sources.index)


def summary(outcomes: list[Outcome]) -> str:
    counts = {status: sum(o.status == status for o in outcomes) for status in ("written", "unchanged", "failed")}
    return f"{len(outcomes)} file(s): {counts['written']} written, {counts['unchanged']} unchanged, {counts['failed']} failed"
