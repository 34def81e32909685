"""latex2mathml's conversions kept between runs: the same page from kept conversions as from fresh ones,
entries read only by the same latex2mathml, and a cache that cannot be read or written never an error."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import latex2mathml.converter
import pytest

from symconv import ConvSpec, render
from symconv.rendering import mathml


@pytest.fixture
def fresh(monkeypatch, tmp_path):
    """A cache folder of its own, and the process's conversions forgotten (as in a new run)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def new_run() -> None:
        mathml._kept_now = None
        mathml._inner.cache_clear()

    new_run()
    yield new_run
    new_run()


def _no_conversion(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("latex2mathml was called: the conversion was not kept")

    monkeypatch.setattr(latex2mathml.converter, "convert", refuse)


def test_a_page_from_kept_conversions_is_the_same(fresh, monkeypatch):
    spec = ConvSpec(input=3, kernel=2, bias=True)
    first = render(spec, "html").files["derivation.html"]
    fresh()
    _no_conversion(monkeypatch)
    assert render(spec, "html").files["derivation.html"] == first


def test_the_file_is_named_by_the_installed_latex2mathml(fresh):
    path = mathml._kept_path()
    assert path.parent.name == "mathml" and path.parent.parent.name == "symconv"
    assert path == mathml._kept_path()  # the same installation, the same file


def test_a_damaged_file_is_converted_again(fresh, monkeypatch):
    expected = mathml.convert("x_{1,1}")
    mathml.save_conversions()
    path = mathml._kept_path()
    for damaged in (b"not marshal", b"", __import__("marshal").dumps({"inline\0x_{1,1}": 3})):
        path.write_bytes(damaged)
        fresh()
        assert mathml.convert("x_{1,1}") == expected


def test_a_folder_that_cannot_be_written_is_no_error(fresh, monkeypatch, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))
    expected = mathml.convert("k_{2,2}")
    mathml.save_conversions()
    fresh()
    assert mathml.convert("k_{2,2}") == expected


def test_at_most_the_bound_is_kept_this_runs_first(fresh, monkeypatch):
    monkeypatch.setattr(mathml, "KEPT_ENTRIES", 3)
    for n in range(5):
        mathml.convert(f"x_{{{n}}}")
    mathml.save_conversions()
    fresh()
    mathml.convert("y")  # a new run: one conversion of its own, then two of the last run's
    mathml.save_conversions()
    fresh()
    kept = mathml._kept().entries
    assert len(kept) == 3 and "inline\0y" in kept


def test_a_page_rendered_before_does_not_import_latex2mathml(tmp_path):
    # Structure, not timing: latex2mathml's import was a third of the default HTML page's time.
    code = ("import sys; from symconv.cli import main\ntry: main(['render', '--format', 'html', '--out', 'o'])\n"
            "except SystemExit: pass\nprint('latex2mathml' in sys.modules)")
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1]), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, env=env)
            for _ in range(2)]
    assert [r.stdout.strip().splitlines()[-1] for r in runs] == ["True", "False"], [r.stderr for r in runs]
