"""Plain text prints as itself: user text escaped in every format, symbols the PDF's fonts lack avoided."""

from __future__ import annotations

import html
import json
import re
import subprocess
import unicodedata
from pathlib import Path

import pytest

from symconv import derive
from symconv.network import load_network
from symconv.rendering.formats import render
from symconv.rendering.templating import escape_latex, escape_markdown

from .conftest import need_latex, need_poppler

EXAMPLES = Path(__file__).parents[1] / "examples"
# A file name with every character Markdown, HTML or LaTeX would read as markup, and some outside ASCII.
NAME = r"my *net*_[x](y)<b>&amp;|$~#%^{}\ réseau网络"


def pdf_text_and_fonts(pdf: bytes, tmp_path: Path) -> tuple[str, str]:
    """What pdftotext reads from the PDF, and pdffonts' list of its fonts (poppler; CI installs it)."""
    need_poppler("pdftotext", "pdffonts")
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True)
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True)
    return text.stdout, fonts.stdout


@pytest.mark.parametrize("text, expected", [
    ("z > 0 and a < b | c", r"z \textgreater{} 0 and a \textless{} b \textbar{} c"),
    ("50% of $x_1 & {y} #2 ~ ^ \\",
     r"50\% of \$x\_1 \& \{y\} \#2 \textasciitilde{} \textasciicircum{} \textbackslash{}"),
    ("réseau Ärger naïve straße Øre Łódź",
     r"r\'{e}seau \"{A}rger na\"{\i}ve stra\ss{}e \O{}re \L{}\'{o}d\'{z}"),
    ("网", r"\texttt{U+7F51}"),
])
def test_escape_latex(text, expected):
    assert escape_latex(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("conv relu maxpool dense", "conv relu maxpool dense"),
    ("my *net*_[x](y)", r"my \*net\*\_\[x\](y)"),
    ("<b>&amp;|$x$ ~~no~~ #1 `c` \\", r"\<b\>\&amp;\|\$x\$ \~\~no\~\~ \#1 \`c\` \\"),
    ("two\nlines", "two lines"),
])
def test_escape_markdown(text, expected):
    assert escape_markdown(text) == expected


@pytest.fixture
def odd_network(tmp_path):
    path = tmp_path / f"{NAME}.toml"
    untitled = [line for line in (EXAMPLES / "single_conv.toml").read_text().splitlines() if not line.startswith("title")]
    path.write_text("\n".join(untitled), encoding="utf-8")
    return derive(load_network(path))


def test_a_title_field_is_the_title_escaped_in_every_format(tmp_path):
    path = tmp_path / "net.toml"
    text = (EXAMPLES / "single_conv.toml").read_text()
    title = NAME.replace("\\", "/")  # one line, any characters TOML allows in a basic string
    path.write_text("\n".join(f"title = {json.dumps(title)}" if line.startswith("title") else line
                              for line in text.splitlines()), encoding="utf-8")
    files = render(derive(load_network(path)), ("md", "html", "tex")).files
    assert files["derivation.md"].decode().splitlines()[0] == "# " + escape_markdown(title)
    assert f"<h1>{html.escape(title, quote=False)}</h1>" in files["derivation.html"].decode()
    assert r"\bfseries " + escape_latex(title) + r"\par}" in files["derivation.tex"].decode()


def test_the_network_name_is_escaped_in_every_title(odd_network):
    files = render(odd_network, ("md", "html", "tex")).files
    md = files["derivation.md"].decode()
    assert md.splitlines()[0] == ("# Back-propagation through the network "
                                  r"my \*net\* \[x\](y)\<b\>\&amp;\|\$\~\#%^{}\\ réseau网络")  # _ reads as a space
    html = files["derivation.html"].decode()
    escaped = "my *net* [x](y)&lt;b&gt;&amp;amp;|$~#%^{}\\ réseau网络"
    assert f"<h1>Back-propagation through the network {escaped}</h1>" in html
    assert f"<title>Back-propagation through the network {escaped}</title>" in html
    tex = files["derivation.tex"].decode()
    assert r"\bfseries Back-propagation through the network " + escape_latex(NAME.replace("_", " ")) + r"\par}" in tex


def test_the_network_name_prints_in_the_pdf(odd_network, tmp_path):
    need_latex()
    text, _ = pdf_text_and_fonts(render(odd_network, ("pdf",)).files["derivation.pdf"], tmp_path)
    title = unicodedata.normalize("NFC", " ".join(text.split("\n")[:2]))  # é may come out as e and an accent
    assert "<b>&amp;|$" in title and "réseau" in title and "U+7F51" in title


def test_network_pdf_prints_inequalities_and_the_indicator(tmp_path):
    """OT1 text fonts print > as ¿; amssymb's blackboard bold has no 1 (it printed a stray glyph)."""
    need_latex()
    d = derive(load_network(EXAMPLES / "conv_relu_maxpool_dense.toml"))
    text, fonts = pdf_text_and_fonts(render(d, ("pdf",)).files["derivation.pdf"], tmp_path)
    assert "[a[1] > 0]" in text  # the relu's gate on its input a^{[1]}, the inequality typeset
    assert not re.search("[¿¡]", text)
    assert "MSBM" not in fonts  # \mathbb{1} no longer reaches the blackboard-bold font
