"""Writing a render's files into a folder all or none, whatever happens meanwhile.

The whole set is written into a staging folder first (`.symconv-*.tmp`): beside the target when the
target does not exist yet, which then appears with one rename, complete; inside it when it does, and
then each file is renamed into place while the folder is locked (two writers of one folder take
turns, so its files never mix two renders) and SIGINT and SIGTERM are held (an interrupt acts after
the last rename, never between two). A failure at any point (a full disk, no permission) removes the
staging folder and any folder made on the way, and puts back files already replaced: the folder is
left as it was. Files of the folder that the set does not name are left alone.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import shutil
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..spec import SpecError
from ..termination import signals_held

STAGING_PREFIX = ".symconv-"
STAGING_SUFFIX = ".tmp"

_HINTS = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is exceeded: free some space",
    errno.EACCES: "give a folder you can write to",
    errno.EPERM: "give a folder you can write to",
    errno.EROFS: "the file system is read-only: give a folder you can write to",
    errno.ENAMETOOLONG: "give a shorter folder name",
}


def _not_a_folder(folder: Path, culprit: Path) -> SpecError:
    """The error for a target that is no folder, or lies below something that is none (`culprit`)."""
    if culprit.is_symlink() and not culprit.exists():
        why = "a broken symbolic link"
    else:
        why = "a file" if culprit.is_file() else "not a folder"
    it = "it is" if culprit == folder else f"{culprit} is"
    return SpecError(f"cannot write into {folder}: {it} {why}; give a folder (it is created if missing)")


def _blocking(folder: Path) -> Path | None:
    """The target or the first of its ancestors that exists and is not a folder, if any."""
    for path in [*reversed(folder.parents), folder]:
        if path.is_symlink() and not path.exists() or path.exists() and not path.is_dir():
            return path
    return None


def _failure(where: Path, error: OSError) -> SpecError:
    hint = _HINTS.get(error.errno, "give a folder you can write to")
    return SpecError(f"cannot write {where}: {error.strerror or error}; {hint} (nothing was written, files "
                     "already there are unchanged)")


def write_set(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file of a finished render into `folder` (made if missing): all of them or none.

    Returns the paths written, in the order given.

    Raises:
        SpecError: naming the folder or file that cannot be written and why; nothing was written then.
    """
    for name in files:
        if not name or "/" in name or name in (".", "..") or name.startswith(STAGING_PREFIX):
            raise ValueError(f"{name!r} is not a file name a render writes")
    made: list[Path] = []  # folders made on the way to the target's parent: removed again on failure
    staging: Path | None = None
    where = folder
    try:
        try:
            culprit = _blocking(folder)
            if culprit is not None:
                raise _not_a_folder(folder, culprit)
            _make_parents(folder.parent, made)
            new = not folder.exists()
            with signals_held():  # a staging folder made is one the `finally` below removes
                staging = _staging(folder.parent if new else folder)
            for name, data in files.items():
                where = folder / name
                _write_file(staging / name, data)
            where = folder
        except OSError as error:
            culprit = _blocking(folder) if isinstance(error, (FileExistsError, NotADirectoryError)) else None
            raise (_failure(where, error) if culprit is None else _not_a_folder(folder, culprit)) from None
        if new and _rename_folder(staging, folder):
            staging = None
        else:
            _replace_files(staging, folder, list(files))
        made = []
        return [folder / name for name in files]
    finally:
        with signals_held():
            if staging is not None:
                shutil.rmtree(staging, ignore_errors=True)
            for path in reversed(made):
                try:
                    path.rmdir()
                except OSError:
                    pass


def _make_parents(parent: Path, made: list[Path]) -> None:
    """Make `parent` and any missing folder above it, adding each one made to `made`, outermost first."""
    missing = []
    path = parent
    while not path.exists() and not path.is_symlink() and path != path.parent:
        missing.append(path)
        path = path.parent
    with signals_held():  # a folder made must be on the list that removes it
        for path in reversed(missing):
            try:
                path.mkdir()
            except FileExistsError:  # another writer made it meanwhile: theirs, not ours to remove
                if not path.is_dir():
                    raise
                continue
            made.append(path)


def _staging(where: Path) -> Path:
    """A new, empty staging folder in `where` (mode as mkdir makes it, the umask applied)."""
    while True:
        path = where / f"{STAGING_PREFIX}{secrets.token_hex(6)}{STAGING_SUFFIX}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


def _write_file(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _rename_folder(staging: Path, folder: Path) -> bool:
    """Rename the complete staging folder to the target; False when the target appeared meanwhile (a
    writer in another thread or process made it), so that the files go in one by one instead."""
    with signals_held():
        if folder.exists() or folder.is_symlink():
            return False
        try:
            os.rename(staging, folder)
        except OSError as error:
            if error.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
                return False
            raise _failure(folder, error) from None
        return True


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on the folder (flock of the folder itself: no lock file is left behind)."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as error:
        raise _failure(folder, error) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock


def _replace_files(staging: Path, folder: Path, names: list[str]) -> None:
    """Rename each staged file into the folder, the folder locked and signals held; on a failure, put
    back what was there (the old files wait in the staging folder until the last rename)."""
    for name in names:  # the one rename that can fail in a folder we could write to
        target = folder / name
        if target.is_dir() and not target.is_symlink():
            raise SpecError(f"cannot write {target}: a folder has this file's name; give a folder you can write to "
                            "(nothing was written, files already there are unchanged)")
    with _locked(folder), signals_held():
        done: list[tuple[str, bool]] = []  # (name, whether an old file was put aside), in order
        name = names[0] if names else ""
        try:
            for name in names:
                target, aside = folder / name, staging / f"{STAGING_PREFIX}old-{name}"
                kept = target.exists() or target.is_symlink()
                if kept:
                    os.rename(target, aside)
                done.append((name, kept))
                os.rename(staging / name, target)
        except OSError as error:
            for undo, kept in reversed(done):
                target, aside = folder / undo, staging / f"{STAGING_PREFIX}old-{undo}"
                try:
                    if not (staging / undo).exists():  # the new file went in: take it out again
                        os.rename(target, staging / undo)
                    if kept:
                        os.rename(aside, target)
                except OSError:
                    pass
            raise _failure(folder / name, error) from None
