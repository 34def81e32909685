"""symconv's own documents, read back whole by `check` (worked numbers, matrices, the rules printed in
matrix form): no claim of them is ever judged wrong. (Claims check cannot read yet, such as the
operator rules diag(p) - p p^T, are "not understood"; issue 22 counts them.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from symconv import ConvSpec, api
from symconv.network import load_network

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.toml"))


# Single layers beside the default: their closing sections (the layer in a network, the exercises' answers, with
# their losses and a layer at another stride) write claims check must never misjudge.
LAYERS = {"5x5-3x3-stride2-pad1": ConvSpec(input=5, kernel=3, stride=2, padding=1, bias=True),
          "2to2-channels": ConvSpec(in_channels=2, out_channels=2, bias=True),
          "4x4-3x3-same": ConvSpec(input=4, kernel=3, padding="same", bias=True),
          "1x1-kernel": ConvSpec(input=3, kernel=1, bias=True)}


@pytest.mark.parametrize("spec", [ConvSpec(bias=True), *LAYERS.values(), *map(load_network, EXAMPLES)],
                         ids=["default", *LAYERS, *(p.stem for p in EXAMPLES)])
def test_no_claim_of_a_document_symconv_writes_is_judged_wrong(spec):
    d = api.derive(spec)
    text = api.render(d, formats=("md",)).files["derivation.md"].decode()
    verdicts = api.check(text, d)
    wrong = [(v.line, v.claim[:80], v.reason[:120]) for v in verdicts if v.status == "wrong"]
    assert not wrong, wrong[:3]
    assert sum(v.status == "right" for v in verdicts) > 40


def test_the_latex_document_reads_as_its_markdown_twin():
    # the .tex's preamble redefines \mathbb with \ifx ... \fi (a double-struck 1 without a font): TeX's machinery,
    # never expanded into the claims, so an indicator 1[i = j] reads in LaTeX as in Markdown
    d = api.derive(load_network(EXAMPLES[[p.stem for p in EXAMPLES].index("conv_relu_maxpool_dense")]))
    statuses = {fmt: [v.status for v in api.check(api.render(d, formats=(fmt,)).files[f"derivation.{fmt}"].decode(), d,
                                                   latex=fmt == "tex")] for fmt in ("md", "tex")}
    assert statuses["tex"].count("right") == statuses["md"].count("right"), {k: v.count("right") for k, v in statuses.items()}
