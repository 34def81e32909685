"""Review 24, defect 13: a single convolution's settings table writes its stride, padding and dilation as
settings, not as sizes ("stride 1 x 1", "padding 0 x 0" read like the size of something), in every format."""

from __future__ import annotations

import re

from symconv import ConvSpec, derive, render


def _rows(spec: ConvSpec) -> dict[str, str]:
    text = render(derive(spec), ("md",)).files["derivation.md"].decode()
    return dict(re.findall(r"^\| (stride|padding|dilation) \| (.*?) \|$", text, re.M))


def test_equal_axes_say_one_number():
    rows = _rows(ConvSpec())
    assert rows == {"stride": "$1$ (rows and columns)", "padding": "$0$", "dilation": "$1$ (rows and columns)"}


def test_different_axes_name_them():
    rows = _rows(ConvSpec(input=(6, 7), stride=(1, 2), padding=(1, 2), dilation=(2, 1)))
    assert rows == {"stride": "rows $1$, columns $2$", "padding": "$1$ top and bottom, $2$ left and right",
                    "dilation": "rows $2$, columns $1$"}
    assert _rows(ConvSpec(padding=(1, 1)))["padding"] == "$1$ on every side"


def test_latex_and_html_say_the_same():
    files = render(derive(ConvSpec(stride=(1, 2))), ("tex", "html")).files
    tex, html = files["derivation.tex"].decode(), files["derivation.html"].decode()
    assert "stride & rows $1$, columns $2$" in tex and "padding & $0$" in tex
    assert "dilation & $1$ (rows and columns)" in tex
    table = re.search(r'<table class="settings">.*?</table>', html, re.S).group(0)
    stride = re.search(r"<tr><td>stride</td><td>(.*?)</td></tr>", table).group(1)
    assert stride.startswith("rows <math") and ", columns <math" in stride and "&#x000D7;" not in stride
