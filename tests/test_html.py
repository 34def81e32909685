"""The HTML page: self-contained, every formula as MathML, and it renders in headless Chromium."""

from __future__ import annotations

import re
import subprocess
import tempfile
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, load_network
from symconv.rendering.formats import render

from .conftest import ARTIFACTS, need_chromium

EXAMPLES = Path(__file__).parents[1] / "examples"
PAGES = {
    "layer-jacobians": lambda: derive(ConvSpec(input=4, kernel=2, stride=2, padding=1, bias=True), jacobians=True),
    "three-layer-cnn": lambda: derive(load_network(EXAMPLES / "three_layer_cnn.toml")),
}


def page(name: str) -> str:
    return render(PAGES[name](), ("html",)).files["derivation.html"].decode()


@pytest.mark.parametrize("name", PAGES)
def test_the_page_is_self_contained_and_has_no_raw_latex(name):
    html = page(name)
    assert html.startswith("<!DOCTYPE html>") and html.count("<math") > 10
    assert "\\" not in html and "$$" not in html  # every formula became MathML
    assert not re.search(r"<(script|link|img)\b", html)  # nothing loaded from elsewhere
    assert re.search(r"src=|href=", html) is None


def test_the_layer_page_draws_its_figures_inline():
    html = page("layer-jacobians")
    assert html.count("<svg") == 2 and "the window of y(1,1)" in html


def test_rows_keep_every_term():
    html = page("layer-jacobians")
    # y_{2,2} = b + four products: four <mo>+</mo> in its row.
    row = re.search(r"<mtr><mtd><mrow><msub><mi>y</mi><mrow><mn>2</mn><mo>&#x0002C;</mo><mn>2</mn></mrow></msub>"
                    r"</mrow></mtd>(.*?)</mtr>", html)
    assert row and row.group(1).count("<mo>+</mo>") == 4 and row.group(1).count("<mi>x</mi>") == 4


@pytest.mark.parametrize("name", PAGES)
def test_the_page_renders_in_headless_chromium(name):
    chromium = need_chromium()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        source = Path(work, "derivation.html")
        source.write_text(page(name), encoding="utf-8")
        flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={work}/profile", "--enable-logging=stderr", "--v=0"]
        shot = ARTIFACTS / f"html-{name}.png"
        run = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1100,2400", source.as_uri()],
                             capture_output=True, text=True, timeout=120)
        assert shot.exists() and shot.stat().st_size > 20_000, run.stderr[-2000:]
        dom = subprocess.run([*flags, "--dump-dom", source.as_uri()], capture_output=True, text=True, timeout=120)
    assert dom.stdout.count("<math") > 10 and "$$" not in dom.stdout
    console = [line for line in run.stderr.splitlines() + dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == []
