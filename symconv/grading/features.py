"""Notes on one feature at a time, as the batch-normalization paper writes them.

Ioffe and Szegedy (2015) derive batch normalization for one activation and drop its index k:
x_i is example i's value of that feature, \\mu_\\mathcal{B} and \\sigma_\\mathcal{B}^2 the mini-batch's
mean and variance, m the mini-batch's size, \\gamma and \\beta the feature's parameters, \\epsilon the
layer's constant. Notes that say they drop the feature's index, or that write the paper's
\\mathcal{B}, are read so: each claim is checked for every feature.
"""

from __future__ import annotations

import re
from fractions import Fraction

from ..derivation import Derivation

_SAID = re.compile(
    r"\b(?:drop|drops|dropping|dropped|omit|omits|omitting|omitted|suppress\w*|leave out|leaving out|left out)\b"
    r"[^.]{0,40}?\b(?:feature|its index|the index \$?k|index \$?k\$?)\b"
    r"|\b(?:one|a single)\s+(?:feature|activation)\b", re.IGNORECASE)
_PAPER = re.compile(r"\\mathcal\s*\{?\s*B\b|\\(?:mu|sigma)\s*_\s*\{?\s*B\b")
_MINIBATCH = r"\s*_\s*(?:\{\s*\\mathcal\s*(?:\{\s*B\s*\}|B)\s*\}|\\mathcal\s*\{\s*B\s*\}|\\mathcal\s*B|\{\s*B\s*\}|B(?![A-Za-z]))"


def one_feature(notes: str, derivation: Derivation) -> int:
    """The number of features when the notes write one feature of a batch normalization on vectors at a
    time; 0 when they do not."""
    if _normalization(derivation) is None or not (_SAID.search(notes) or _PAPER.search(notes)):
        return 0
    return derivation[derivation.records[0].input].shape[-1]


def _normalization(derivation: Derivation):
    """The batch normalization of a network on vectors (a batch of them), when it has one."""
    first = derivation[derivation.records[0].input]
    if derivation.network.batch is None or len(first.shape) != 2:
        return None
    return next((r.layer for r in derivation.records if r.layer.whole_batch and r.layer.epsilon() is not None), None)


def batch_statistics(text: str, derivation: Derivation) -> str:
    """The paper's names as the derivation's: \\mu_\\mathcal{B} is \\mu and \\sigma_\\mathcal{B}^2 the variance
    (parse.py reads \\sigma^2 as {\\sigma^2}), \\epsilon the layers' number (when they share one) and, on
    vectors, m the mini-batch's size."""
    text = re.sub(r"(\\mu|\\sigma)(\s*\^\s*(?:\{[^{}]*\}|\w))?" + _MINIBATCH, r"\1\2", text)  # \sigma^2_{\mathcal B} too
    constants = {r.layer.epsilon() for r in derivation.records} - {None}
    if len(constants) == 1:  # one \\epsilon in the network: the layers' number
        eps = Fraction(repr(float(constants.pop())))
        text = re.sub(r"\\(?:epsilon|varepsilon)(?![A-Za-z])", rf"\\frac{{{eps.numerator}}}{{{eps.denominator}}}", text)
    if _normalization(derivation) is not None:
        text = re.sub(r"(?<![A-Za-z\\_,'])m(?![A-Za-z'_=])", str(derivation.network.batch), text)
    return text
