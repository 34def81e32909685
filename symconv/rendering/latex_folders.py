"""LaTeX's temporary folders, named after the process that runs LaTeX in them, and their clean-up
when that process was killed before it could clean up itself (SIGKILL, the out-of-memory killer).

A run's folder is `symconv-latex-<pid>-<random>` in the temporary folder. Whoever finds a folder whose
process is gone (the batch's parent when a worker dies, any later run) kills the LaTeX processes still
working in it (a hung pdflatex: the processes whose working folder it is) and removes it.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import tempfile
from pathlib import Path

from ..termination import signals_held

PREFIX = "symconv-latex-"
_OWNED = re.compile(rf"{PREFIX}(\d+)-")


def make_folder() -> str:
    """A new LaTeX folder owned by this process (call it with signals held, so that it is never made
    and then lost to an interrupt before its owner knows its name)."""
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


def _gone(pid: int) -> bool:
    """Whether process `pid` has ended (a zombie has: it runs nothing and cleans up nothing)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0]
        return state in ("Z", "X")
    except FileNotFoundError:
        return True
    except (OSError, IndexError):
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _working_in(folder: Path) -> list[int]:
    """The processes whose working folder is `folder` (LaTeX runs there); none where /proc is missing."""
    found = []
    target = str(folder.resolve())
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if os.readlink(entry / "cwd") == target:
                found.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return found


def reap(owners: set[int] | None = None) -> list[Path]:
    """Remove the LaTeX folders of processes that have ended (only those of `owners` when given), after
    killing the LaTeX processes still working in them. Returns the folders removed.

    A folder whose process is alive is left alone, even one of `owners`: it cleans up after itself.
    """
    removed = []
    for folder in Path(tempfile.gettempdir()).glob(f"{PREFIX}*"):
        match = _OWNED.match(folder.name)
        if match is None or not folder.is_dir() or folder.is_symlink():
            continue
        owner = int(match.group(1))
        if owners is not None and owner not in owners or owner == os.getpid() or not _gone(owner):
            continue
        with signals_held():
            for pid in _working_in(folder):
                try:
                    os.kill(pid, signal.SIGKILL)
                except (ProcessLookupError, PermissionError):
                    pass
            shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
