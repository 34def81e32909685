"""The worked example (issue 13, item 3): small integers, every number checked against NumPy."""

from __future__ import annotations

from itertools import product
from pathlib import Path

import numpy as np
import pytest

from symconv import ConvSpec, derive, load_network, render
from symconv.example import EXAMPLE_ENTRIES, RANGES, worked_example
from symconv.numeric.example import check
from symconv.rendering.document import context

EXAMPLES = Path(__file__).parents[1] / "examples"

CASES = [
    ConvSpec(),
    ConvSpec(bias=True),
    ConvSpec(input=(3, 4), kernel=2, padding=1, stride=(1, 2)),
    ConvSpec(input=5, kernel=3, stride=2, padding=1, in_channels=2, out_channels=2, bias=True),
    ConvSpec(input=(4, 5), kernel=(2, 2), dilation=(1, 2), out_channels=2, convention="convolution"),
]


def conv_by_definition(spec: ConvSpec, x, k, b, g):
    """Y, dL/dX, dL/dK, dL/db of a convolution layer by the sums of its definition, written here
    independently of symconv: y[m,r,s] = b[m] + sum x_pad[c, s_h r + d_h p, s_w s + d_w q] k[m,c,p,q]."""
    (sh, sw), (ph, pw), (dh, dw) = spec.stride, spec.padding, spec.dilation
    kk = k[:, :, ::-1, ::-1] if spec.convention == "convolution" else k
    xp = np.pad(x, ((0, 0), (ph, ph), (pw, pw)))
    m_n, c_n, kh, kw = k.shape
    ho, wo = g.shape[1:]
    y, gxp, gk = np.zeros(g.shape), np.zeros(xp.shape), np.zeros(k.shape)
    for m, r, s in product(range(m_n), range(ho), range(wo)):
        y[m, r, s] = b[m] if b is not None else 0.0
        for c, p, q in product(range(c_n), range(kh), range(kw)):
            i, j = sh * r + dh * p, sw * s + dw * q
            y[m, r, s] += xp[c, i, j] * kk[m, c, p, q]
            gxp[c, i, j] += g[m, r, s] * kk[m, c, p, q]
            gk[m, c, p, q] += g[m, r, s] * xp[c, i, j]
    if spec.convention == "convolution":
        gk = gk[:, :, ::-1, ::-1]
    gx = gxp[:, ph:ph + x.shape[1], pw:pw + x.shape[2]]
    return {"Y": y, "dL/dX": gx, "dL/dK": gk, "dL/db": g.sum(axis=(1, 2))}


@pytest.mark.parametrize("spec", CASES, ids=str)
def test_every_number_of_the_worked_example_is_the_definition_computed_by_numpy(spec):
    d = derive(spec)
    example = worked_example(d, seed=3)
    assert example is not None
    given = {v.name: np.array([int(n) for n in v.values], dtype=float).reshape(v.shape) for v in example.given}
    expected = conv_by_definition(spec, given["X"], given["K"], given.get("b"), given["dL/dY"])
    assert {v.name for v in example.derived} == set(expected) - ({"dL/db"} if not spec.bias else set())
    for v in example.derived:
        assert all(n.is_Integer for n in v.values)
        assert np.array_equal(np.array([int(n) for n in v.values]).reshape(v.shape), expected[v.name]), v.name
    check(d, example)  # and the kinds' own NumPy code agrees, as render checks before writing


def test_the_given_numbers_are_small_whole_numbers_from_the_seed():
    d = derive(ConvSpec(input=5, kernel=3, in_channels=2, out_channels=2, bias=True))
    first, again, other = worked_example(d, 0), worked_example(d, 0), worked_example(d, 1)
    assert first == again and first != other
    ranges = {"X": RANGES["input"], "K": RANGES["kernel"], "b": RANGES["bias"], "dL/dY": RANGES["upstream"]}
    for v in first.given:
        low, high = ranges[v.name]
        assert all(low <= n <= high for n in v.values), v.name


def test_the_worked_entry_is_the_sum_of_its_terms_and_has_the_most_terms():
    d = derive(ConvSpec(input=4, kernel=3, padding=1))
    example = worked_example(d, 0)
    for v in example.derived:
        if v.terms:
            total = sum(a * (1 if b is None else b) for a, b in v.terms)
            assert total == v.values[v.worked]
            table = d[v.name].terms
            counts = [table.start[n + 1] - table.start[n] for n in range(len(v.values))]
            assert len(v.terms) == max(counts) and counts.index(max(counts)) == v.worked


def test_no_example_for_a_loss_or_a_large_layer():
    assert worked_example(derive(load_network(EXAMPLES / "three_layer_cnn.toml")), 0) is None
    big = derive(ConvSpec(input=10, kernel=3))
    assert sum(len(t.values) for t in big.tensors) > EXAMPLE_ENTRIES and worked_example(big, 0) is None
    assert worked_example(derive(load_network(EXAMPLES / "single_conv.toml")), 0) is not None


def test_pooling_gives_fractions(tmp_path):
    path = tmp_path / "avg.toml"
    path.write_text('input = [1, 4, 4]\n[[layer]]\ntype = "avgpool"\nwindow = [2, 2]\n')
    d = derive(load_network(path))
    example = worked_example(d, 0)
    assert example is not None and any(not n.is_Integer for v in example.derived for n in v.values)
    check(d, example)


def test_the_document_shows_the_example_by_default_and_not_when_asked_or_in_a_handout():
    spec = ConvSpec(bias=True)
    md = render(spec, "md").files["derivation.md"].decode()
    assert "## A worked example" in md and r"\begin{bmatrix}" in md
    assert "A worked example" not in render(spec, "md", example=None).files["derivation.md"].decode()
    handout = render(spec, "md", handout=True).files
    assert all("A worked example" not in data.decode() for name, data in handout.items() if name.endswith(".md"))
    d = derive(spec)
    titles = [s.title for s in context(d, example=worked_example(d, 0))["summary"]]
    assert titles[:2] == ["The results", "A worked example"]


def test_the_example_seed_is_validated():
    from symconv.spec import SpecError

    for bad in (-1, True, 1.5, "3"):
        with pytest.raises(SpecError, match="example"):
            render(ConvSpec(), "md", example=bad)
