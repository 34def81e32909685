"""The cost of check's verdicts, claim by claim, on the sets of notes in tests/notes (each with its key)."""

from __future__ import annotations

import shlex
import statistics
import time
import tomllib
from pathlib import Path

from symconv import derive, load_network
from symconv.cli import build_spec
from symconv.grading import extract
from symconv.grading.conventions import infer
from symconv.grading.grade import Grader
from symconv.grading.macros import expand, macros

NOTES = Path(__file__).parents[1] / "tests" / "notes"
LAYER = dict(input_="3x3", in_channels="1", kernel="2x2", out_channels="1", stride="1", padding="0", dilation="1",
             groups="1", batch=None, bias=False, convention="correlation", names="x,k,y")


def derivation_for(folder: Path, cli: str):
    """The derivation a key's command line names: a network file, or the single-layer options."""
    args = shlex.split(cli)
    if args[0] == "--network":
        return derive(load_network(folder / args[1]))
    fields, given = dict(LAYER), iter(args)
    for option in given:
        name = option[2:].replace("-", "_")
        if name == "bias":
            fields["bias"] = True
        else:
            fields["input_" if name == "input" else name] = next(given)
    return derive(build_spec(**fields))


def claim_seconds(folder: Path) -> list[float]:
    """Each claim's verdict time, the notes graded in order by one grader as check_notes does."""
    out = []
    for entry in tomllib.loads((folder / "key.toml").read_text())["file"]:
        d = derivation_for(folder, entry["cli"])
        notes = (folder / entry["name"]).read_text()
        defined = macros(notes)
        claims = [c.__class__(c.line, expand(c.text, defined), c.range, c.problem, c.matrix)
                  for c in extract(notes, entry["name"].endswith(".tex"))]
        grader = Grader(d)
        conventions = infer(notes, claims, grader.tensors, grader.shapes)
        grader.base = conventions.index_base
        if conventions.numbering:
            grader.number_by_weighted_layers(conventions.parenthesized)
        for claim in claims:
            start = time.perf_counter()
            grader.grade(claim)
            out.append(time.perf_counter() - start)
    return out


def print_check() -> None:
    print(f"{'notes':<12} {'claims':>7} {'median ms':>10} {'90th ms':>8} {'max ms':>8} {'> 0.2 s':>8} {'total s':>8}")
    for folder in sorted(p.parent for p in NOTES.glob("*/key.toml")):
        seconds = sorted(claim_seconds(folder))
        print(f"{folder.name:<12} {len(seconds):>7} {statistics.median(seconds) * 1000:>10.1f} "
              f"{seconds[int(0.9 * len(seconds))] * 1000:>8.0f} {seconds[-1] * 1000:>8.0f} "
              f"{sum(s > 0.2 for s in seconds):>8} {sum(seconds):>8.2f}")
