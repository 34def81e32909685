"""PyTorch's one-element size lists (issue 25): padding=[1] is (1, 1), as are kernel_size, stride and
dilation [n] where PyTorch accepts them (pooling; a convolution's stride, padding, dilation and
output_padding), and a pooling's stride [] is the window. The network file and the importer read them so;
a convolution's kernel [n] (PyTorch's 1-d convolution) and an adaptive output size [n] stay refused."""

from __future__ import annotations

import pytest

from symconv.network import NetworkSpec
from symconv.spec import SpecError

from .conftest import need_torch
from .test_torch_import import compare


def _layer(table, shape=(1, 6, 6)):
    return NetworkSpec.from_dict({"input": list(shape), "layer": [table]}).layers[0]


@pytest.mark.parametrize("table, field, pair", [
    ({"type": "avgpool", "window": [3], "stride": [1], "padding": [1]}, "padding", (1, 1)),
    ({"type": "avgpool", "window": [3], "stride": [1], "padding": [1]}, "window", (3, 3)),
    ({"type": "maxpool", "window": [3], "stride": [2], "padding": [1], "dilation": [2]}, "dilation", (2, 2)),
    ({"type": "maxpool", "window": [2], "stride": []}, "stride", (2, 2)),
    ({"type": "conv", "out_channels": 1, "kernel": 3, "stride": [2], "padding": [1], "dilation": [2]}, "stride", (2, 2)),
    ({"type": "conv", "out_channels": 1, "kernel": 3, "padding": [1]}, "padding", (1, 1)),
    ({"type": "conv_transpose", "out_channels": 1, "kernel": 3, "stride": [2], "padding": [1],
      "output_padding": [1]}, "output_padding", (1, 1)),
])
def test_the_network_file_reads_a_one_element_list_as_pytorch_does(table, field, pair):
    assert getattr(_layer(table), field) == pair


@pytest.mark.parametrize("table, message", [
    ({"type": "conv", "out_channels": 1, "kernel": [3]}, r"^layer 1: kernel \[3\] is not a size: give an int or a pair of ints$"),
    ({"type": "adaptive_avgpool", "output_size": [3]}, r"output_size \[3\] is not a size: give an int or a pair of ints$"),
    ({"type": "avgpool", "window": 3, "padding": [1, 1, 1]}, r"padding \[1, 1, 1\] is not a size: give an int, \[n\] or a pair"),
    ({"type": "maxpool", "window": [True]}, r"window \[True\] is not a size"),
])
def test_where_pytorch_refuses_a_one_element_list_so_does_symconv_in_one_line(table, message):
    with pytest.raises(SpecError, match=message):
        _layer(table)


@pytest.fixture(scope="module")
def nn():
    need_torch()
    import torch

    torch.set_num_threads(1)
    return torch.nn


def test_pooling_and_convolutions_given_one_element_lists_import_and_match_pytorch(nn):
    import torch.nn.functional as F

    class Functional(nn.Module):
        def forward(self, x):
            return F.avg_pool2d(F.max_pool2d(x, [3], [1], [1], [1]), [2], [], [1], count_include_pad=False)

    module = nn.Sequential(nn.Conv2d(1, 2, 3, stride=[2], padding=[1], dilation=[2]), nn.Tanh(),
                           nn.AvgPool2d([3], stride=[1], padding=[1]), nn.MaxPool2d([2], [1], [1], [2]),
                           nn.ConvTranspose2d(2, 2, 3, stride=[2], padding=[1], output_padding=[1], dilation=[1]),
                           Functional()).double()
    errors = compare(module, (1, 7, 7), seed=4)
    assert set(errors) >= {"dL/dX", "dL/dK[1]", "dL/dK[5]"}
