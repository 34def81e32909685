"""Run LaTeX safely: a temporary folder, no shell escape, file access restricted, a timeout."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

INSTALL_HINT = (
    "no LaTeX found (latexmk and pdflatex): install it with "
    "'sudo apt-get install --no-install-recommends texlive-latex-base texlive-latex-recommended "
    "latexmk' to get PDFs"
)
TIMEOUT_SECONDS = 300


class LatexMissing(RuntimeError):
    """latexmk or pdflatex is not installed."""


class LatexFailed(RuntimeError):
    """LaTeX stopped with an error; the message holds the relevant part of its log."""


def latex_available() -> bool:
    return shutil.which("latexmk") is not None and shutil.which("pdflatex") is not None


def _log_excerpt(log: str) -> str:
    # The first error line ("! ...") and the few lines after it say what went wrong and where.
    lines = log.splitlines()
    for n, line in enumerate(lines):
        if line.startswith("!"):
            return "\n".join(lines[n : n + 8])
    return "\n".join(lines[-15:])


def overfull_boxes(log: str) -> list[str]:
    """The Overfull \\hbox / \\vbox warnings of a LaTeX log."""
    return re.findall(r"^Overfull \\[hv]box.*$", log, flags=re.MULTILINE)


def compile_pdf(tex: str, timeout: float = TIMEOUT_SECONDS) -> tuple[bytes, str]:
    """Compile LaTeX source to PDF; returns the PDF's bytes and the log.

    Raises:
        LatexMissing: when latexmk or pdflatex is not installed.
        LatexFailed: when LaTeX reports an error or runs past the timeout.
    """
    if not latex_available():
        raise LatexMissing(INSTALL_HINT)
    env = dict(os.environ)
    # Reading and writing only below the working folder, never shell commands; fixed dates so that
    # the same source gives the same bytes.
    env.update(openin_any="p", openout_any="p", shell_escape="f", SOURCE_DATE_EPOCH="0", FORCE_SOURCE_DATE="1")
    with tempfile.TemporaryDirectory(prefix="symconv-latex-") as work:
        Path(work, "derivation.tex").write_text(tex, encoding="utf-8")
        cmd = [
            "latexmk", "-pdf", "-norc", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error",
            "-file-line-error", "-quiet", "derivation.tex",
        ]
        try:
            run = subprocess.run(cmd, cwd=work, env=env, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LatexFailed(f"LaTeX did not finish within {timeout:.0f} s") from None
        log_path = Path(work, "derivation.log")
        log = log_path.read_text(encoding="utf-8", errors="replace") if log_path.exists() else run.stdout
        pdf = Path(work, "derivation.pdf")
        if run.returncode != 0 or not pdf.exists():
            raise LatexFailed("LaTeX failed:\n" + _log_excerpt(log))
        return pdf.read_bytes(), log
