"""The repository keeps its output/ folder: a README tracked, everything rendered into it ignored."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def test_output_folder_has_a_readme_and_the_rest_is_ignored():
    assert "symconv render" in (ROOT / "output" / "README.md").read_text(encoding="utf-8")
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    ignored = lambda path: subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
    assert not ignored("output/README.md")
    assert ignored("output/test-artifacts/html-layer.png")
    assert ignored("output/conv_in1x3x3_k1x2x2_s1x1_p0x0_d1x1/derivation.pdf")


def test_every_package_is_installed():
    """A subpackage missing from pyproject's list works in the editable install and not once installed."""
    import tomllib

    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "symconv").rglob("__init__.py")}
    assert found <= listed, found - listed
