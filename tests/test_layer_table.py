"""The table of the layers that opens every network document (issue 25): name, kind, output shape, trained
parameters with their shapes and counts, in every format; the counts and shapes against PyTorch's own."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symconv import derive, load_network, render
from symconv.rendering.layer_table import summary

from .conftest import need_torch

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.fixture(scope="module")
def files():
    return render(derive(load_network(EXAMPLES / "pytorch_semantics.toml")), ("tex", "md", "html", "json")).files


def test_hand_counted_rows_in_markdown(files):
    """conv 3x3 with a bias: 9 + 1; conv 2x2 without: 4; dense 4 -> 2 with a bias: 8 + 2; 24 in all."""
    text = files["derivation.md"].decode()
    assert "The input is $1 \\times 5 \\times 5$; the layers" in text
    assert ("| 1 | convolution | $1 \\times 5 \\times 5$ | $K^{[1]}$: $1 \\times 1 \\times 3 \\times 3$, $b^{[1]}$: $1$ "
            "| 10 |") in text
    assert "| 3 | convolution | $1 \\times 5 \\times 5$ | $K^{[3]}$: $1 \\times 1 \\times 2 \\times 2$ | 4 |" in text
    assert "| 8 | dense | $2$ | $W^{[8]}$: $2 \\times 4$, $b^{[8]}$: $2$ | 10 |" in text
    assert "| | total | | | 24 |" in text
    assert text.index("| layer | kind | output | parameters | count |") < text.index("![figure](figure-network.svg)")


def test_every_format_has_it(files):
    tex, html = files["derivation.tex"].decode(), files["derivation.html"].decode()
    assert "\\begin{tabular}{@{}llllr@{}}" in tex and " & total & & & 24 \\\\" in tex
    assert "$W^{[8]}$: $2 \\times 4$" in tex
    assert '<table class="layers">' in html and "<td>total</td><td></td><td></td><td>24</td>" in html
    rows = json.loads(files["derivation.json"])["summary"]
    assert [(r["type"], r["output_shape"], r["count"]) for r in rows] == [
        ("conv", [1, 5, 5], 10), ("relu", [1, 5, 5], 0), ("conv", [1, 5, 5], 4), ("avgpool", [1, 3, 3], 0),
        ("adaptive_maxpool", [1, 2, 2], 0), ("flatten", [4], 0), ("dropout", [4], 0), ("dense", [2], 10),
        ("softmax_cross_entropy", [2], 0)]
    assert rows[7]["parameters"] == {"W[8]": [2, 4], "b[8]": [2]}


def test_a_single_layer_has_its_settings_instead():
    from symconv import ConvSpec

    text = render(derive(ConvSpec()), ("md",)).files["derivation.md"].decode()
    assert "| layer | kind |" not in text and "| setting | value |" in text


def test_counts_and_shapes_are_pytorchs_for_an_imported_module():
    """The imported U-Net's rows: each module's parameter count (numel) and output shape (a forward hook) as
    PyTorch reports them, and the total of model.parameters()."""
    need_torch()
    import torch

    from symconv.torch_import import from_torch

    from .test_torch_import import tiny_unet

    module = tiny_unet(torch.nn, interpolate=False).eval()
    spec = from_torch(module, (1, 4, 4))
    shapes = {}
    for name, sub in module.named_modules():  # after the import: fx does not trace through hooks
        sub.register_forward_hook(lambda m, i, o, name=name: shapes.update({name: list(o.shape[1:])}))
    module(torch.zeros(1, 1, 4, 4))
    rows = summary(spec)
    for row in rows:
        if row["module"] is not None:
            sub = module.get_submodule(row["module"])
            assert row["count"] == sum(p.numel() for p in sub.parameters(recurse=False)), row
            assert row["output_shape"] == shapes[row["module"]], row
    assert sum(r["count"] for r in rows) == sum(p.numel() for p in module.parameters())
    text = render(derive(spec), ("md",)).files["derivation.md"].decode()
    assert "| 6 (up) | bilinear upsampling | $2 \\times 4 \\times 4$ | none | 0 |" in text


def test_the_loss_layer_outputs_the_scalar_loss(files):
    """Review 24, defect 12: the loss layer's output is the loss L, not the length of the vector it reads,
    in the table and beside its box in the network figure (every format)."""
    text = files["derivation.md"].decode()
    assert "| 9 | softmax with cross-entropy | $L$ (a scalar) | none | 0 |" in text
    tex = files["derivation.tex"].decode()
    figure = tex[tex.index("layer 9: softmax"):]
    assert "$L$ (a scalar)" in figure[:figure.index("\\end{")]
    svg = files["figure-network.svg"].decode()
    assert '<tspan font-style="italic">L</tspan> (a scalar)</text>' in svg.split("<rect")[-1]
    assert "from the input down to the loss $L$" in tex
