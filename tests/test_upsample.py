"""Nearest-neighbour upsampling (issue 14): hand-written values, its errors, its example file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from symconv import derive, load_network
from symconv.layers import Upsample
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

EXAMPLES = Path(__file__).parents[1] / "examples"


def test_hand_written_values():
    """A 1 x 2 input upsampled by 2 x 1: each entry copied down a column; the gradient of an entry is
    the sum of the upstream gradient over its two copies."""
    d = derive(NetworkSpec((1, 1, 2), (Upsample((2, 1)),)))
    values = evaluate(d, {"X": np.array([[[3.0, -1.0]]]), "dL/dA[1]": np.array([[[1.0, 2.0], [10.0, 20.0]]])})
    assert values["A[1]"].tolist() == [[[3.0, -1.0], [3.0, -1.0]]]
    assert values["dL/dX"].tolist() == [[[11.0, 22.0]]]


@pytest.mark.parametrize("scale, message", [(0, "scale 0 is not valid"), ([2, 0], r"scale \[2, 0\] is not valid"),
                                            (True, "scale True is not a size")])
def test_bad_scales_are_one_line(scale, message):
    with pytest.raises(SpecError, match=message):
        Upsample(scale)


def test_upsample_needs_an_image():
    with pytest.raises(SpecError, match="upsample needs an image"):
        NetworkSpec((4,), (Upsample(),)).shapes


def test_the_example_matches_numpy_and_pytorch():
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(load_network(EXAMPLES / "conv_upsample_conv.toml")), seed=2, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report
