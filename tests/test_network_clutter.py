"""Issue 24's network documents: what a degenerate figure would not show."""

from __future__ import annotations

from pathlib import Path

from symconv import ConvSpec, derive, load_network
from symconv.rendering.document import context

EXAMPLES = Path(__file__).parents[1] / "examples"


def _net(name: str):
    return derive(load_network(EXAMPLES / f"{name}.toml"))


def test_a_one_by_one_kernel_draws_no_full_convolution():
    """With a 1 x 1 kernel at stride 1 the full convolution pads nothing and turns nothing: no figure of it (it
    would show a 1-cell window on the upstream gradient as it is), and the words say why nothing turns."""
    d = _net("depthwise_separable")
    (pointwise,) = [r for r in d.records if r.layer.type == "conv" and r.layer.kernel == (1, 1)]
    section = next(s for s in context(d)["sections"] if s.name == f"dL/d{pointwise.input}")
    assert not section.figures and "nothing to turn" in section.intro and "rotated by 180 degrees sliding" not in section.intro
    # At a stride, the zeros it spreads between the gradient's entries are worth a figure.
    strided = derive(ConvSpec(input=5, kernel=1, stride=2))
    assert any(f.svg_file == "figure-full.svg" for s in context(strided)["sections"] for f in s.figures)
