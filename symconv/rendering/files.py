"""Output file names and formats, and writing files atomically: a temporary file in the same folder, then a rename."""

from __future__ import annotations

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


def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that readers see either the old file or the whole new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_all(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write every file of a finished render; nothing is written before all of them exist in memory."""
    written = []
    for name, data in files.items():
        write_atomic(folder / name, data)
        written.append(folder / name)
    return written
