"""render --handout --variants: every student's sheet and key, the manifest and the Moodle question bank,
built in memory (every number checked against NumPy first) and written all or none.

The folder gets one folder per variant (the student's id, or v01, v02, ...) with exercise.* and
answers.*, beside manifest.json (and moodle.xml with --format moodle). It is staged in a temporary
folder beside the target (`.symconv-*.tmp`), then appears with one rename; an existing folder that holds a
manifest (an earlier set) has its entries replaced one by one, with Ctrl-C and SIGTERM held until the last.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from .rendering.formats import Rendered, render_documents
from .rendering.variant_sheet import KINDS, POINTS, worksheet
from .spec import SpecError
from .termination import signals_held
from .variants import ID_PATTERN, Vary, Variant, draw, manifest

SHEET_FORMATS = ("tex", "pdf", "md", "html")


def _key(spec, seed: int):
    """What two variants must not share: the layer and its given numbers."""
    sheet = worksheet(spec, seed)
    return (spec, tuple((v.name, v.values) for v in sheet.example.given))


def _files(variant: Variant, formats: tuple[str, ...]) -> tuple[str, dict[str, bytes], list[str]]:
    sheet = worksheet(variant.spec, variant.seed, variant.id)
    out = Rendered()
    render_documents(out, {"exercise": sheet.sheet, "answers": sheet.key}, formats)
    return variant.id, out.files, out.notes + out.errors


def build(vary: Vary, count: int, seed: int, ids: list[str] | None, formats: tuple[str, ...],
          jobs: int = 1) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the set (relative path -> bytes) and the notes and errors of its PDFs."""
    variants = draw(vary, count, seed, ids, _key)
    sheets = [(v.id, worksheet(v.spec, v.seed)) for v in variants]
    tasks = [{"number": t.number, "points": t.points, "asks": kind} for t, kind in zip(sheets[0][1].tasks, KINDS)]
    assert all([t.points for t in s.tasks] == list(POINTS) for _, s in sheets), "every variant has the same tasks"
    files: dict[str, bytes] = {"manifest.json": manifest(variants, vary, seed, tasks).encode()}
    sheet_formats = tuple(f for f in formats if f in SHEET_FORMATS)
    notes: list[str] = []
    if sheet_formats:
        if jobs > 1 and "pdf" in sheet_formats:  # LaTeX dominates: one variant a process
            made = _in_pool(variants, sheet_formats, jobs)
        else:
            made = [_files(v, sheet_formats) for v in variants]
        for ident, rendered, said in made:
            files.update({f"{ident}/{name}": data for name, data in rendered.items()})
            notes += [note for note in said if note not in notes]
    if "moodle" in formats:
        files["moodle.xml"] = import_moodle().question_bank(sheets)
    return files, notes


def _in_pool(variants: list[Variant], formats: tuple[str, ...], jobs: int) -> list:
    """_files for each variant in `jobs` processes, started and stopped as render's batch does: a worker dies
    with its parent, leaves Ctrl-C to it, and an interrupt stops every worker and its LaTeX before going on."""
    from .batch import _stop, _worker_started
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(variants)), initializer=_worker_started)
    try:
        made = list(pool.map(_files, variants, [formats] * len(variants)))
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    return made


def import_moodle():
    from .rendering import moodle
    return moodle


def write_tree(folder: Path, files: dict[str, bytes]) -> list[Path]:
    """Write the set into `folder`, all or none (see the module's words).

    Raises:
        SpecError: for a target that is a file, a folder of other files, or that cannot be written.
    """
    if folder.exists() and not folder.is_dir():
        raise SpecError(f"cannot write into {folder}: it is a file; give a folder (it is created if missing)")
    if folder.is_dir() and any(folder.iterdir()) and not (folder / "manifest.json").is_file():
        raise SpecError(f"cannot write into {folder}: it holds files and no manifest.json (it is not an exercise "
                        "set); give a new or empty folder")
    staging = None
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".symconv-", suffix=".tmp", dir=folder.parent))
        for name, data in sorted(files.items()):
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        with signals_held():
            if not folder.exists():
                os.rename(staging, folder)
                staging = None
            else:
                trash = Path(tempfile.mkdtemp(prefix=".symconv-", suffix=".tmp", dir=folder.parent))
                for entry in _earlier(folder):  # what the earlier set wrote and this one does not: gone too
                    if not (staging / entry).exists() and (folder / entry).exists():
                        os.rename(folder / entry, trash / entry)
                for entry in sorted(os.listdir(staging)):
                    if (folder / entry).exists():
                        os.rename(folder / entry, trash / entry)
                    os.rename(staging / entry, folder / entry)
                shutil.rmtree(trash, ignore_errors=True)
    except OSError as error:
        raise SpecError(f"cannot write {folder}: {error.strerror or error}; give a folder you can write to "
                        "(nothing was written)") from None
    finally:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
    return [folder / name for name in sorted(files)]


def _earlier(folder: Path) -> list[str]:
    """The entries an earlier set wrote into `folder`: its variants' folders and its question bank."""
    try:
        variants = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))["variants"]
        ids = [str(v["id"]) for v in variants if ID_PATTERN.fullmatch(str(v["id"]))]
    except (OSError, ValueError, KeyError, TypeError):
        ids = []
    return ids + ["moodle.xml"]

