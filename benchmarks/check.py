"""The cost of check's verdicts, claim by claim, on the sets of notes in tests/notes (each with its key)."""

from __future__ import annotations

import shlex
import statistics
import time
import tomllib
from pathlib import Path

from symconv import derive, load_network
from symconv.cli import build_spec
from symconv.grading import check_notes
from symconv.grading.grade import Grader

NOTES = Path(__file__).parents[1] / "tests" / "notes"
LAYER = dict(input_="3x3", in_channels="1", kernel="2x2", out_channels="1", stride="1", padding="0",
             padding_mode="zeros", dilation="1", groups="1", batch=None, bias=False, convention="correlation",
             names="x,k,y")


def derivation_for(folder: Path, cli: str):
    """The derivation a key's command line names (a network file, or the single-layer options), the
    upstream symbol and the index base it gives."""
    args = shlex.split(cli)
    fields, given, upstream, base = dict(LAYER), iter(args), None, None
    for option in given:
        name = option[2:].replace("-", "_")
        if name == "network":
            fields = {"network": next(given)}
        elif name == "upstream_symbol":
            upstream = next(given)
        elif name == "index_base":
            base = int(next(given))
        elif name in ("bias", "no_bias"):
            fields["bias"] = name == "bias"
        else:
            fields["input_" if name == "input" else name] = next(given)
    if "network" in fields:
        return derive(load_network(folder / fields["network"])), upstream, base
    return derive(build_spec(**fields)), upstream, base


def claim_seconds(folder: Path) -> list[float]:
    """Each claim's verdict time, timed inside check_notes itself (its outermost Grader.grade calls)."""
    out, depth = [], [0]
    original = Grader.grade

    def timed(grader, claim):
        depth[0] += 1
        start = time.perf_counter()
        try:
            return original(grader, claim)
        finally:
            depth[0] -= 1
            if depth[0] == 0:
                out.append(time.perf_counter() - start)

    Grader.grade = timed
    try:
        for entry in tomllib.loads((folder / "key.toml").read_text())["file"]:
            d, upstream, base = derivation_for(folder, entry["cli"])
            check_notes((folder / entry["name"]).read_text(), d, upstream, base, latex=entry["name"].endswith(".tex"))
    finally:
        Grader.grade = original
    return out


def print_check() -> None:
    print(f"{'notes':<12} {'claims':>7} {'median ms':>10} {'90th ms':>8} {'max ms':>8} {'> 0.2 s':>8} {'total s':>8}")
    for folder in sorted(p.parent for p in NOTES.glob("*/key.toml")):
        seconds = sorted(claim_seconds(folder))
        print(f"{folder.name:<12} {len(seconds):>7} {statistics.median(seconds) * 1000:>10.1f} "
              f"{seconds[int(0.9 * len(seconds))] * 1000:>8.0f} {seconds[-1] * 1000:>8.0f} "
              f"{sum(s > 0.2 for s in seconds):>8} {sum(seconds):>8.2f}")
