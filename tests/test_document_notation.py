"""One symbol, one meaning, in each document (issue 24): a lecturer read k_h as an entry of the kernel k, and X^{(n)}
(an example of a batch) beside X^{(c)} (a channel)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from symconv import derive, load_network
from symconv.rendering.formats import render
from symconv.spec import ConvSpec

EXAMPLES = Path(__file__).parents[1] / "examples"


@pytest.mark.parametrize("subject", [ConvSpec(bias=True), ConvSpec(in_channels=2, out_channels=2, bias=True),
                                     "conv_relu_maxpool_dense", "conv_transpose_decoder"], ids=str)
def test_the_kernels_size_is_k_h_by_k_w_capital_never_the_letter_of_its_entries(subject):
    """The kernel K's entries are k_{p,q}: its height and width are K_h and K_w, in every format."""
    subject = load_network(EXAMPLES / f"{subject}.toml") if isinstance(subject, str) else subject
    files = render(derive(subject), ("tex", "md", "html")).files
    tex, md, page = (files[f"derivation.{ext}"].decode() for ext in ("tex", "md", "html"))
    for text in (tex, md):
        assert not re.search(r"(?<![A-Za-z\\])k_[hw](?![A-Za-z])", text)
        assert "K_h" in text
    assert not re.search(r"<mi>k</mi>\s*<mi>[hw]</mi>", page) and re.search(r"<mi>K</mi>\s*<mi>h</mi>", page)


def test_a_superscript_in_parentheses_is_a_channel_and_a_batch_puts_its_example_first():
    md = render(derive(ConvSpec(bias=True)), ("md",)).files["derivation.md"].decode()
    assert "a superscript in parentheses is a channel: $X^{(c)}$ is the input's channel $c$" in md
    assert "X^{(n)}" not in md  # an example of a batch is X^{(n,c)}, the example first
    assert "$X^{(n,c)}$ is channel $c$ of example $n$" in md
    # a batched document states its own rule (the example first, then the channel) and writes no channel-only rule
    batched = render(derive(ConvSpec(bias=True, batch=2)), ("md",)).files["derivation.md"].decode()
    assert "first its example $n$, then its channel $c$" in batched
    assert "a superscript in parentheses is a channel" not in batched


@pytest.mark.parametrize("subject", [ConvSpec(bias=True), "conv_relu_maxpool_dense"], ids=str)
def test_the_correlation_is_defined_with_the_forward_rules_output_index(subject):
    """The forward rule writes y_{r,s} = sum_{p,q} x_{r+p-1, s+q-1} k_{p,q}: the correlation it is, A star B, is
    defined with the same (r, s), not an (i, j) the document keeps for the input's entries."""
    subject = load_network(EXAMPLES / f"{subject}.toml") if isinstance(subject, str) else subject
    md = render(derive(subject), ("md",)).files["derivation.md"].decode()
    assert r"(U \star V)_{r,s} = \sum_{p,q} u_{r+p-1,\,s+q-1}\, v_{p,q}" in md
    assert r"(U \star V)_{i,j}" not in md
    assert re.search(r"[ay](?:\^\{[^$]*?\})?_\{r,s\} &= b", md)  # the forward rule's (r, s)
