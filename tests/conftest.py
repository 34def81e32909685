"""Shared test settings: strict mode for CI (LaTeX and PyTorch must be there) and golden files."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

# CI sets these so that a missing LaTeX or PyTorch fails the run instead of skipping tests.
REQUIRE_LATEX = os.environ.get("SYMCONV_REQUIRE_LATEX") == "1"
REQUIRE_TORCH = os.environ.get("SYMCONV_REQUIRE_TORCH") == "1"
REQUIRE_CHROMIUM = os.environ.get("SYMCONV_REQUIRE_CHROMIUM") == "1"
# Screenshots and other files a person may want to look at after a run (ignored by git, as all of
# output/ but its README).
ARTIFACTS = Path(__file__).parents[1] / "output" / "test-artifacts"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def need_latex():
    from symconv.rendering.pdf import latex_available

    if not latex_available():
        if REQUIRE_LATEX:
            pytest.fail("LaTeX is required (SYMCONV_REQUIRE_LATEX=1) but pdflatex is not installed")
        pytest.skip("LaTeX is not installed")


def need_chromium() -> str:
    """The path of a Chromium (or Chrome) to run headless, or a skip (a failure when CI requires it)."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    if REQUIRE_CHROMIUM:
        pytest.fail("Chromium is required (SYMCONV_REQUIRE_CHROMIUM=1) but is not installed")
    pytest.skip("Chromium is not installed")


def need_poppler(*tools: str) -> None:
    """poppler-utils' tools (pdfinfo, pdftotext, pdffonts: apt-get install poppler-utils), or a skip (a
    failure where CI requires LaTeX: it installs them with it)."""
    missing = [tool for tool in tools if shutil.which(tool) is None]
    if missing:
        if REQUIRE_LATEX:
            pytest.fail(f"poppler-utils ({', '.join(missing)}) are required with SYMCONV_REQUIRE_LATEX=1")
        pytest.skip(f"poppler-utils are not installed (no {', '.join(missing)}): apt-get install poppler-utils")


def need_torch():
    from symconv.numeric.torch_reference import available

    if not available():
        if REQUIRE_TORCH:
            pytest.fail("PyTorch is required (SYMCONV_REQUIRE_TORCH=1) but is not installed")
        pytest.skip("PyTorch is not installed")


@pytest.fixture(scope="module")
def plain_sympy():
    """Evaluate a JSON text at leaf values in one long-lived `python -I` process that never imports symconv
    (tests/plain_sympy_json.py): the JSON must evaluate with plain SymPy alone."""
    import json
    import subprocess
    import sys
    from pathlib import Path

    worker = Path(__file__).with_name("plain_sympy_json.py")
    proc = subprocess.Popen([sys.executable, "-I", str(worker)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            text=True)

    def evaluate(text: str, leaves) -> dict[str, list[float]]:
        proc.stdin.write(json.dumps({"json": text, "leaves": {k: v.tolist() for k, v in leaves.items()}}) + "\n")
        proc.stdin.flush()
        answer = json.loads(proc.stdout.readline())
        assert "error" not in answer, answer["error"]
        return answer

    yield evaluate
    proc.stdin.close()
    assert proc.wait(timeout=30) == 0
