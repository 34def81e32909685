"""The transposed convolution (issue 14): a published worked example, hand-written gradients, random
layers against PyTorch, its errors and its example file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings

from symconv import derive, load_network
from symconv.cli import main
from symconv.layers import ConvTranspose
from symconv.network import NetworkSpec
from symconv.numeric.evaluate import evaluate
from symconv.spec import SpecError

from .strategies import conv_transpose_networks

EXAMPLES = Path(__file__).parents[1] / "examples"

# Dive into Deep Learning (Zhang, Lipton, Li, Smola; d2l.ai, v1.0.3, PyTorch edition), section 14.10
# "Transposed Convolution": X = [[0, 1], [2, 3]] and K = [[0, 1], [2, 3]], one channel, no bias, printed by
# nn.ConvTranspose2d(1, 1, kernel_size=2, ...) with the weight set to K
# (https://d2l.ai/chapter_computer-vision/transposed-conv.html).
D2L_X = [[0.0, 1.0], [2.0, 3.0]]
D2L_K = [[0.0, 1.0], [2.0, 3.0]]
D2L = [
    ({}, [[0, 0, 1], [0, 4, 6], [4, 12, 9]]),  # stride 1: the book's trans_conv(X, K)
    ({"padding": 1}, [[4]]),  # padding 1 removes the first and last rows and columns
    ({"stride": 2}, [[0, 0, 0, 1], [0, 0, 2, 3], [0, 2, 0, 3], [4, 6, 6, 9]]),
]


@pytest.mark.parametrize("settings_, published", D2L, ids=["stride-1", "padding-1", "stride-2"])
def test_d2l_worked_example(settings_, published):
    d = derive(NetworkSpec((1, 2, 2), (ConvTranspose(1, 2, **settings_),)))
    shape = d["A[1]"].shape
    values = evaluate(d, {"X": np.array([D2L_X]), "K[1]": np.array([[D2L_K]]), "dL/dA[1]": np.zeros(shape)})
    np.testing.assert_allclose(values["A[1]"][0], published, rtol=0, atol=1e-8)


def test_hand_written_gradients():
    """d2l's stride-1 case with an upstream gradient of ones: every input entry meets each kernel entry
    once, so dL/dx = 0 + 1 + 2 + 3 = 6; every kernel entry meets each input entry once, dL/dk = 6 too.
    With the upstream gradient 1 at output (1, 1) alone, only x_{1,1} k_{1,1} lands there: dL/dx_{1,1} =
    k_{1,1} = 0 and dL/dk_{1,1} = x_{1,1} = 0, the rest 0."""
    d = derive(NetworkSpec((1, 2, 2), (ConvTranspose(1, 2),)))
    leaves = {"X": np.array([D2L_X]), "K[1]": np.array([[D2L_K]])}
    values = evaluate(d, {**leaves, "dL/dA[1]": np.ones((1, 3, 3))})
    assert values["dL/dX"].tolist() == [[[6.0, 6.0], [6.0, 6.0]]]
    assert values["dL/dK[1]"].tolist() == [[[[6.0, 6.0], [6.0, 6.0]]]]
    corner = np.zeros((1, 3, 3))
    corner[0, 2, 2] = 1.0  # output (3, 3) is x_{2,2} k_{2,2} alone
    values = evaluate(d, {**leaves, "dL/dA[1]": corner})
    assert values["dL/dX"].tolist() == [[[0.0, 0.0], [0.0, 3.0]]]
    assert values["dL/dK[1]"].tolist() == [[[[0.0, 0.0], [0.0, 3.0]]]]


def test_its_input_gradient_is_the_convolutions_forward_pass():
    """dL/dX of a transposed convolution is the convolution (same kernel, stride, padding) of the
    upstream gradient: here that convolution is written out in the test, as its definition, a sum over
    the kernel's taps of the padded gradient's strided windows."""
    layer = ConvTranspose(1, 3, stride=2, padding=1)
    d = derive(NetworkSpec((1, 3, 3), (layer,)))
    g = np.arange(25.0).reshape(1, 5, 5) - 12
    k = np.arange(9.0).reshape(1, 1, 3, 3) - 4
    got = evaluate(d, {"X": np.zeros((1, 3, 3)), "K[1]": k, "dL/dA[1]": g})["dL/dX"]
    padded = np.pad(g[0], 1)
    want = [[sum(padded[2 * i + p, 2 * j + q] * k[0, 0, p, q] for p in range(3) for q in range(3)) for j in range(3)]
            for i in range(3)]
    np.testing.assert_array_equal(got[0], want)


@settings(max_examples=25, deadline=None)
@given(conv_transpose_networks())
def test_random_layers_match_numpy_and_pytorch(net):
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(net), seed=3, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


@pytest.mark.parametrize("fields, message", [
    ({"output_padding": 2, "stride": 2}, r"output_padding 2x2 is not valid: each value must be smaller than the stride"),
    ({"output_padding": [0, 1]}, r"output_padding 0x1 is not valid"),
    ({"groups": 2, "out_channels": 3}, r"groups 2 does not divide out_channels 3"),
    ({"padding": 2}, r"the output would be -1x-1"),
    ({"kernel": 0}, r"kernel 0x0 is not valid"),
])
def test_bad_fields_are_one_line_naming_the_layer(fields, message, tmp_path, capsys):
    table = {"out_channels": 1, "kernel": 2, **fields}
    body = "\n".join(f"{k} = {v if not isinstance(v, list) else str(v)}" for k, v in table.items())
    path = tmp_path / "net.toml"
    path.write_text(f'input = [1, 2, 2]\n[[layer]]\ntype = "conv_transpose"\n{body}\n')
    with pytest.raises(SystemExit) as exit_:
        main(["render", "--network", str(path), "--format", "md", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert exit_.value.code == 2 and len(err.strip().splitlines()) == 1, err
    assert "layer 1" in err and __import__("re").search(message, err), err
    assert not (tmp_path / "out").exists()


def test_groups_must_divide_the_input_channels():
    with pytest.raises(SpecError, match="groups 2 does not divide in_channels 3"):
        NetworkSpec((3, 2, 2), (ConvTranspose(2, 2, groups=2),)).shapes


def test_the_example_matches_numpy_and_pytorch():
    from symconv.numeric.verify import verify

    from .conftest import need_torch

    need_torch()
    report = verify(derive(load_network(EXAMPLES / "conv_transpose_decoder.toml")), seed=4, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report
