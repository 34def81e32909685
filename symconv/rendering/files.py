"""Output file names and formats, and writing a render's files all or none: temporary files in the same folder, then renames."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from ..spec import SpecError

FORMATS = ("tex", "pdf", "md", "html", "json")
FILENAMES = {fmt: f"derivation.{fmt}" for fmt in FORMATS}


def parse_formats(text: str) -> tuple[str, ...]:
    """Read "pdf,json" into formats, in the order FORMATS lists them.

    Raises:
        SpecError: on an unknown or empty format, naming the valid ones.
    """
    asked = [part.strip().lower() for part in text.split(",") if part.strip()]
    for fmt in asked:
        if fmt not in FORMATS:
            raise SpecError(f"format {fmt!r} is not known: use a comma list of {', '.join(FORMATS)}")
    if not asked:
        raise SpecError(f"no format given: use a comma list of {', '.join(FORMATS)}")
    return tuple(f for f in FORMATS if f in asked)


_HINTS = {
    errno.ENOSPC: "the disk is full: free some space",
    errno.EDQUOT: "the disk quota is exceeded: free some space",
    errno.EACCES: "give a folder you can write to",
    errno.EPERM: "give a folder you can write to",
    errno.EROFS: "the file system is read-only: give a folder you can write to",
    errno.ENAMETOOLONG: "give a shorter folder name",
}


def _not_a_folder(folder: Path) -> str:
    if folder.is_symlink() and not folder.exists():
        return "it is a broken symbolic link"
    return "it is a file" if folder.is_file() else "it is not a folder"


def _failure(where: Path, error: OSError) -> SpecError:
    hint = _HINTS.get(error.errno, "give a folder you can write to")
    return SpecError(f"cannot write {where}: {error.strerror or error}; {hint} (nothing was written, files "
                     "already there are unchanged)")


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file of a finished render: all of them or none.

    Each file goes to a temporary file beside it first; only when every one is complete are they
    renamed into place, so a full disk or a missing permission leaves the folder as it was.

    Raises:
        SpecError: naming the folder or file that cannot be written and why.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise SpecError(f"cannot write into {folder}: {_not_a_folder(folder)}; give a folder (it is created "
                        "if missing)") from None
    except OSError as error:
        raise _failure(folder, error) from None
    if not folder.is_dir():
        raise SpecError(f"cannot write into {folder}: {_not_a_folder(folder)}; give a folder (it is created if missing)")
    pending: list[tuple[str, Path]] = []
    path = folder
    try:
        for name, data in files.items():
            path = folder / name
            fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
            pending.append((tmp, path))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.chmod(tmp, 0o644)
        for _, target in pending:  # the one rename that can fail in a folder we could write to
            if target.is_dir() and not target.is_symlink():
                raise IsADirectoryError(errno.EISDIR, "a folder has this file's name", str(target))
        written = []
        while pending:
            tmp, path = pending[0]
            os.replace(tmp, path)
            pending.pop(0)
            written.append(path)
        return written
    except OSError as error:
        raise _failure(Path(error.filename) if isinstance(error, IsADirectoryError) else path, error) from None
    finally:
        for tmp, _ in pending:
            Path(tmp).unlink(missing_ok=True)
