"""python -m benchmarks: time symconv stage by stage against the straightforward pipeline and the floor.

Each pipeline runs in a fresh process (its peak memory is its own); the straightforward one under a
timeout. Numbers are medians of --runs runs. Nothing here asserts a time: it measures and prints.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from symconv import ConvSpec
from symconv.size import Size

from .check import print_check

SIZES = {
    "3x3 k2 1->1": dict(input=3, kernel=2),
    "8x8 k3 1->1": dict(input=8, kernel=3),
    "16x16 k3 1->4": dict(input=16, kernel=3, out_channels=4),
    "28x28 k5 1->6": dict(input=28, kernel=5, out_channels=6),
    "32x32x3 k3 3->16": dict(input=32, kernel=3, in_channels=3, out_channels=16),
}


def run_case(pipeline: str, spec: dict, runs: int, timeout: float) -> dict | None:
    cmd = [sys.executable, "-m", "benchmarks.case", pipeline, json.dumps(spec), str(runs)]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return None
    return json.loads(done.stdout)


def symconv_command() -> list[str]:
    """The installed console script of this interpreter's environment (which need not be on PATH)."""
    script = Path(sys.executable).with_name("symconv")
    return [str(script)] if script.exists() else [sys.executable, "-m", "symconv"]


def shell_times(runs: int) -> list[tuple[str, float]]:
    """Wall-clock medians of whole commands, as a user runs them."""
    symconv = symconv_command()
    commands = {
        "symconv --help": [*symconv, "--help"],
        "symconv render (default, no PDF)": [*symconv, "render", "--format", "tex,md,json", "--out", "output/bench"],
        "symconv render (default, with PDF)": [*symconv, "render", "--out", "output/bench"],
    }
    mnist = ["--input", "28", "--kernel", "5", "--out-channels", "6"]
    pairs = {label: [cmd] for label, cmd in commands.items()}
    # The two commands one runs on a layer the size of LeNet's first: its JSON (the document would be
    # refused as too long to read) and the numeric check, PyTorch included when installed.
    pairs["symconv render + verify (28x28 k5 1->6)"] = [[*symconv, "render", *mnist, "--format", "json",
                                                         "--out", "output/bench-mnist"],
                                                        [*symconv, "verify", *mnist]]
    out = []
    for label, cmds in pairs.items():
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            for cmd in cmds:
                subprocess.run(cmd, check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        out.append((label, statistics.median(times)))
    return out


BATCH_LAYER = dict(input=16, kernel=3, out_channels=4)
BATCHES = (1, 4, 16)


def print_batches(runs: int) -> None:
    """symconv's stages for one layer at growing batches: each example is derived as one, so the cost
    should grow linearly in N (the per-example column stays flat)."""
    print()
    header = (f"{'16x16 k3 1->4':<18} {'terms':>9} {'derive':>7} {'latex':>7} {'json':>7} {'verify':>7} {'total':>7} "
              f"{'peak MB':>8} {'per example':>11}")
    print(header)
    print("-" * len(header))
    for n in BATCHES:
        fields = {**BATCH_LAYER, "batch": n}
        terms = Size.of(ConvSpec(**fields)).products
        s = run_case("symconv", fields, runs, timeout=600)
        t = s["seconds"]
        print(f"{'batch ' + str(n):<18} {terms:>9,} {t['derive']:>7.3f} {t['latex']:>7.3f} {t['json']:>7.3f} "
              f"{t['verify']:>7.3f} {t['total']:>7.3f} {s['peak_mb']:>8.0f} {t['total'] / n:>11.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="runs per case (median reported)")
    parser.add_argument("--baseline-timeout", type=float, default=120.0, help="seconds before the straightforward pipeline is given up")
    parser.add_argument("--smoke", action="store_true", help="smallest size only, one run (what CI runs)")
    parser.add_argument("--check", action="store_true", help="only check's verdicts on the notes in tests/notes")
    args = parser.parse_args()
    if args.check:
        print_check()
        return
    sizes = dict(list(SIZES.items())[:1]) if args.smoke else SIZES
    runs = 1 if args.smoke else args.runs
    os.environ.setdefault("PYTHONHASHSEED", "0")

    header = (f"{'layer':<18} {'terms':>9} {'derive':>7} {'latex':>7} {'json':>7} {'verify':>7} {'total':>7} {'peak MB':>8} "
              f"{'terms/s':>10} {'sympy':>8} {'x faster':>8} {'text':>7} {'objects':>8}")
    print(header)
    print("-" * len(header))
    for label, fields in sizes.items():
        terms = Size.of(ConvSpec(**fields)).products
        ours = run_case("symconv", fields, runs, timeout=600)
        base = run_case("sympy", fields, 1, timeout=args.baseline_timeout)
        floor = run_case("text", fields, runs, timeout=600)
        s = ours["seconds"]
        base_total = f"{base['seconds']['total']:.2f}" if base else f">{args.baseline_timeout:.0f}"
        ratio = f"{base['seconds']['total'] / s['total']:.0f}" if base else f">{args.baseline_timeout / s['total']:.0f}"
        print(f"{label:<18} {terms:>9,} {s['derive']:>7.3f} {s['latex']:>7.3f} {s['json']:>7.3f} {s['verify']:>7.3f} "
              f"{s['total']:>7.3f} {ours['peak_mb']:>8.0f} {terms / s['total']:>10,.0f} {base_total:>8} {ratio:>8} "
              f"{floor['seconds']['total']:>7.3f} {s['objects']:>8.3f}")
    if not args.smoke:
        print_batches(runs)
    print()
    print("seconds; 'sympy' is the straightforward pipeline (one run), 'x faster' its time over symconv's total,")
    print("'text' the plain-text floor; 'objects' the time to build every SymPy entry, which the pipeline does not")
    print("need (its stages read the term tables) and a user pays on first use. Shell commands, wall clock:")
    for label, seconds in shell_times(1 if args.smoke else 5):
        print(f"  {label:<40} {seconds:6.3f} s")


if __name__ == "__main__":
    main()
