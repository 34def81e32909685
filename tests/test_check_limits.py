"""symconv check on notes made to exhaust it: each case ends in seconds, under a memory cap, with a
verdict or one line and exit status 2, and prints nothing a terminal would obey."""

from __future__ import annotations

import json
import resource
import subprocess
import sys

import pytest

MEMORY = 600 * 2**20  # bytes of address space the checking process may take
# A bound that catches a scan gone quadratic or a search that never ends (each such fault below took
# 40 s to minutes), not a measure of speed: `python -m benchmarks --check` times check.
SECONDS = 30
Y11 = r"x_{11}k_{11} + x_{12}k_{12} + x_{21}k_{21} + x_{22}k_{22}"


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY + 1200 * 2**20, MEMORY + 1200 * 2**20))  # plus the interpreter's own mappings


def _children_seconds() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def check(notes: str, *options: str) -> tuple[int, str, str, float]:
    """Run `symconv check -` on the notes in a capped process; (exit status, stdout, stderr, seconds of processor
    time it took: the work done, which other jobs on the machine do not stretch as they stretch the clock's)."""
    start = _children_seconds()
    done = subprocess.run([sys.executable, "-m", "symconv", "check", "-", "--format", "json", *options],
                          input=notes.encode(), capture_output=True, timeout=4 * SECONDS, preexec_fn=_cap)
    return done.returncode, done.stdout.decode(), done.stderr.decode(), _children_seconds() - start


def statuses(out: str) -> list[tuple[str, str]]:
    return [(v["status"], v.get("reason", "")) for v in json.loads(out)["verdicts"]]


def peak_of(notes: str) -> int:
    """Peak resident memory (kB) of checking the notes, measured in a child process."""
    code = ("import resource, sys; from symconv import ConvSpec, check; check(sys.stdin.read(), ConvSpec()); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", code], input=notes.encode(), capture_output=True, timeout=SECONDS + 20,
                          preexec_fn=_cap)
    assert done.returncode == 0, done.stderr.decode()[-500:]
    return int(done.stdout.split()[-1])


CASES = [
    (r"y_{i1} = x_{i1} \quad \text{for } i = 1, \ldots, 1000000000", "more than the 10,000"),
    (r"y_{i1} = x_{i1} \quad 1 \le i \le 1000000000", "more than the 10,000"),
    (r"y_{i1} = x_{i1} \quad i = 1, \ldots, " + "9" * 5000, "characters long"),
    (r"y_{i1} = x_{i1} \quad i = 1, \ldots, " + "9" * 30, "cannot read"),
    (r"y_{11} = \sum_{i=1}^{999}\sum_{j=1}^{999}\sum_{l=1}^{999} x_{11}", "more than the 60,000"),
    (r"y_{11} = ((x_{1,1}+x_{1,2}+x_{1,3}+x_{2,1}+x_{2,2}+x_{2,3}+x_{3,1}+x_{3,2}+x_{3,3})^{9})^{9}", "more than the 60,000"),
    (r"y_{11} = " + r"(x_{11}+x_{12})" * 80, "more than the 60,000"),
    (r"y_{1,1} = (x_{1,1}+x_{1,2}+x_{2,1}+x_{2,2}+k_{1,1}+k_{1,2}+k_{2,1}+k_{2,2})^{9}", "more than the 60,000"),  # 18 s before
    (r"y_{i1} = x_{i1} \quad i = " + "1, " * 3000 + "2", "characters long"),
    (r"y_{1,1} = x_{1,1}^{²}", "superscript"),
    (r"y_{1,1} = x_{1,1} k_{1,1} \cdot " + "1" * 5000, "digits"),
    (r"y_{1,1} = " + "x_{1,1} + " * 12000 + "1", "too long to be one claim"),
    (r"y_{1,1} = x_{1,1} k_{1,1} \cdot " + "1" * 3000, "digits"),
    (r"y_{" + "1" * 3000 + "} = x_{11}", "too large"),
]
def test_claims_that_would_exhaust_memory_or_time_are_refused_in_one_line():
    notes = "\n".join(f"$$ {claim} $$" for claim, _ in CASES)
    code, out, err, seconds = check(notes)  # all in one capped process: together under the limits
    assert code == 0 and seconds < SECONDS, (code, err[-300:], seconds)
    for (claim, reason), (status, why) in zip(CASES, statuses(out), strict=True):
        assert status == "not understood" and reason in why, (claim[:60], why)


def test_claims_that_together_would_take_minutes_stop_at_the_notes_budget():
    claim = r"\frac{\partial L}{\partial x_{i,j}} = \sum_{r,s} \frac{\partial L}{\partial y_{r,s}} k_{i-r+1,j-s+1}"
    notes = "\n\n".join(f"$${claim} + {n}$$" for n in range(50))  # 50 claims at 20x20 took 132 s before
    code, out, err, seconds = check(notes, "--input", "16", "--kernel", "5")
    assert seconds < SECONDS and code == 1, (seconds, err[-300:])
    reasons = [why for status, why in statuses(out) if status == "not understood"]
    assert len(reasons) > 40 and all("per set of notes" in why for why in reasons)


def test_a_power_after_the_indices_is_a_power():
    code, out, err, _ = check(r"$$ y_{1,1} = x_{1,1}^{2} $$")
    ((status, why),) = statuses(out)
    assert code == 1 and status == "wrong", why  # not a message about layers


# Sizes at which the quadratic scanning before this test took 41 s (commas), 434 s (unclosed \[) and
# 10 s (the align block) on the 2-core machine; each now takes under 5 s there.
@pytest.mark.parametrize("notes", [
    "\\[ y_{11} = x_{11} \n" * 50_000,                       # unclosed \[ by the thousand
    "\\begin{equation} y_{11} = 1\n" * 20_000,               # unclosed environments
    "$$ " + ", ".join(f"y_{{11}} = x_{{{i % 3 + 1}{i % 2 + 1}}}" for i in range(100_000)) + " $$",  # 100,000 claims
    "$$ " + ", ".join(f"y_{{11}} = x_{{11}} + {i}" for i in range(100_000)) + " $$",  # all different: refused
    "\\begin{align}\n" + f"y_{{11}} &= {Y11} \\\\\n" * 20_000 + "&+ 0 \\\\\n" * 20_000 + "\\end{align}",  # a huge align
    "\\begin{align}\ny_{11} &= x_{11}k_{11} \\\\\n" + "&+ 0 \\\\\n" * 100_000 + "\\end{align}",  # one long claim
    "$$ y_{i1} = x_{i1} \\quad \\text{for } i = " + "1, " * 200_000 + "2 $$",  # a long range
    "$$ y_{11} = " + " + ".join("x_{11}" for _ in range(600)) + " $$\n" * 1_000,
    # Openers never closed, each of which once sent a search to the end of the notes (88 s for the
    # fences alone), and a long run of spaces at the end of a claim (10 s for 20,000 before).
    "<!-- x\n" * 40_000 + "$$ y_{11} = x_{11}" + " " * 300_000 + "$$\n" + "```a\n" * 40_000,
    "\\section{A}\n" + "\\iffalse x\n" * 20_000 + "\\begin{verbatim} x\n" * 20_000
    + "\\begin{align} a &= b \\\\ " + "\\intertext{a " * 20_000 + "\\end{align}\n"
    + "\\[ " + "\\left[ \\begin{array}{c} x " * 20_000 + " \\]",
])
def test_huge_notes_end_in_seconds_with_a_report_or_one_line(notes):
    code, out, err, seconds = check(notes)
    assert seconds < SECONDS, seconds
    assert code in (0, 1) or (code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err), err[-500:]


def test_memory_stays_bounded_on_a_range_of_a_billion():
    assert peak_of(r"$$ y_{i1} = x_{i1} \quad 1 \le i \le 1000000000 $$") < MEMORY // 1024


def test_terminal_escape_sequences_in_notes_are_shown_not_sent():
    done = subprocess.run([sys.executable, "-m", "symconv", "check", "-"], capture_output=True, timeout=60,
                          input="$$ y_{11} = \x1b[2J\x1b]0;pwned\x07 x_{11} $$".encode())
    assert b"\x1b" not in done.stdout and b"\x07" not in done.stdout and b"\\x1b" in done.stdout


def test_a_name_that_is_a_range_word_is_refused():
    done = subprocess.run([sys.executable, "-m", "symconv", "check", "--names", "x,k,for", "--claim", "for_{11} = 0"],
                          capture_output=True, timeout=60)
    assert done.returncode == 2 and b"ranges" in done.stderr and len(done.stderr.splitlines()) == 1
