"""Render many network files at once, in parallel processes, writing only what changed."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from .api import render, write
from .network import load_network
from .rendering.formats import Rendered
from .rendering.pdf import LatexFailed
from .spec import SpecError


@dataclass(frozen=True)
class Outcome:
    """What became of one file: "written", "unchanged" (its files already held these bytes) or "failed"."""

    source: str
    status: str
    folder: str = ""
    detail: str = ""


def render_file(source: str, formats: tuple[str, ...], out_root: str, force: bool = False,
                handout: bool = False) -> Outcome:
    """Render one network file into out_root/<slug>/, leaving files that would not change untouched.

    Never raises for a bad file or a LaTeX failure: those are the Outcome's detail.
    """
    try:
        spec = load_network(source)
        rendered = render(spec, formats, force=force, handout=handout)
    except (SpecError, LatexFailed) as error:
        return Outcome(source, "failed", detail=str(error).splitlines()[0])
    folder = Path(out_root) / (spec.slug() + ("_handout" if handout else ""))
    changed = {name: data for name, data in rendered.files.items()
               if not (folder / name).is_file() or (folder / name).read_bytes() != data}
    note = "; ".join(rendered.notes)
    if not changed:
        return Outcome(source, "unchanged", str(folder), note)
    write(Rendered(changed), folder)
    return Outcome(source, "written", str(folder), note)


def render_files(sources: list[str], formats: tuple[str, ...], out_root: str, force: bool = False,
                 jobs: int | None = None, handout: bool = False) -> Iterator[Outcome]:
    """render_file for each source, in up to `jobs` processes (one per core by default), as each finishes."""
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(sources)))
    if jobs == 1:
        for source in sources:
            yield render_file(source, formats, out_root, force, handout)
        return
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(render_file, source, formats, out_root, force, handout) for source in sources]
        for future in as_completed(futures):
            yield future.result()


def summary(outcomes: list[Outcome]) -> str:
    counts = {status: sum(o.status == status for o in outcomes) for status in ("written", "unchanged", "failed")}
    return f"{len(outcomes)} file(s): {counts['written']} written, {counts['unchanged']} unchanged, {counts['failed']} failed"

