"""Shared test settings: strict mode for CI (LaTeX and PyTorch must be there) and golden files."""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("default", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("default")

# CI sets these so that a missing LaTeX or PyTorch fails the run instead of skipping tests.
REQUIRE_LATEX = os.environ.get("SYMCONV_REQUIRE_LATEX") == "1"
REQUIRE_TORCH = os.environ.get("SYMCONV_REQUIRE_TORCH") == "1"


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", help="rewrite tests/golden/ from the current output")


@pytest.fixture
def update_golden(request) -> bool:
    return request.config.getoption("--update-golden")


def need_latex():
    from symconv.rendering.pdf import latex_available

    if not latex_available():
        if REQUIRE_LATEX:
            pytest.fail("LaTeX is required (SYMCONV_REQUIRE_LATEX=1) but latexmk/pdflatex are not installed")
        pytest.skip("LaTeX is not installed")


def need_torch():
    from symconv.numeric.torch_reference import available

    if not available():
        if REQUIRE_TORCH:
            pytest.fail("PyTorch is required (SYMCONV_REQUIRE_TORCH=1) but is not installed")
        pytest.skip("PyTorch is not installed")
