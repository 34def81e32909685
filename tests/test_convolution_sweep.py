"""benchmarks/test_convolution.py, the sweep of PyTorch's test_convolution.py configurations: its data
reads, and a few of its configurations (a plain convolution, a transposed one that gives back the input's
size, one PyTorch refuses) run through it as the full sweep runs them."""

from __future__ import annotations

import pytest

from .conftest import need_torch


def test_the_configurations_expand_as_the_tests_loops_do():
    from benchmarks.test_convolution import configurations, expand

    configs = configurations()
    assert len(configs) > 400
    assert all("test" in c and "input" in c for c in configs)
    # run_grad_conv_test: 3 (kernel, size) x batch 2 x stride 2 x padding 3 x bias 2
    assert sum(c["test"].startswith("run_grad_conv_test") for c in configs) == 72
    assert expand({"test": "t", "input": [0, 2, 5, 5], "vary": {"batch": [1, 3]}})[1]["input"] == [3, 2, 5, 5]


@pytest.mark.parametrize("config, outcome", [
    ({"test": "t", "input": [2, 2, 5, 6], "out_channels": 3, "kernel": 3, "stride": 2, "padding": 1, "groups": 1}, "matched"),
    ({"test": "t", "input": [1, 1, 7, 8], "out_channels": 1, "kernel": 3, "stride": 2, "dilation": 2, "padding": 1,
      "then": [{"op": "conv_transpose2d", "out_channels": 1, "output_padding": "to input"}]}, "matched"),
    ({"test": "t", "input": [1, 3, 4, 4], "out_channels": 2, "kernel": 5}, "refused"),
])
def test_a_few_configurations_run_through_the_sweep(config, outcome):
    need_torch()
    import torch

    from benchmarks.opinfo import PlainSympy
    from benchmarks.test_convolution import run

    torch.set_default_dtype(torch.float64)
    plain = PlainSympy()
    try:
        got, why, err = run(config, plain, 30.0, 0, torch)
    finally:
        plain.close()
        torch.set_default_dtype(torch.float32)
    assert got == outcome, why
    if outcome == "refused":
        assert why.startswith("as PyTorch: ")
    else:
        assert err < 1e-9
