"""The layer spec: parsing, validation and the output size."""

from __future__ import annotations

import pytest

from symconv.spec import ConvSpec, Names, SpecError, parse_pair


@pytest.mark.parametrize(
    "text, expected",
    [("3", (3, 3)), ("2x1", (2, 1)), (" 5 x 7 ", (5, 7)), ("10X12", (10, 12)), ("0", (0, 0))],
)
def test_parse_pair(text, expected):
    assert parse_pair(text, "input") == expected


@pytest.mark.parametrize("text", ["3xa", "3x", "x3", "3x3x3", "", "a", "3.5", "3,3"])
def test_parse_pair_rejects(text):
    with pytest.raises(SpecError, match="is not a size"):
        parse_pair(text, "input")


@pytest.mark.parametrize(
    "kwargs, output",
    [
        ({}, (2, 2)),  # 3x3 input, 2x2 kernel
        ({"input": 5, "kernel": 3, "stride": 2}, (2, 2)),
        ({"input": 5, "kernel": 3, "padding": 1}, (5, 5)),
        ({"input": 7, "kernel": 3, "dilation": 2}, (3, 3)),  # span 5
        ({"input": (5, 7), "kernel": (3, 2), "stride": (2, 1), "padding": (1, 0), "dilation": (1, 2)}, (3, 5)),
        ({"input": 28, "kernel": 5}, (24, 24)),
        ({"input": 6, "kernel": 1, "stride": 4}, (2, 2)),  # floor((6 - 1) / 4) + 1
    ],
)
def test_output_size(kwargs, output):
    assert ConvSpec(**kwargs).output == output


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"kernel": 4}, "kernel 4x4 spans 4x4, larger than the padded input 3x3"),
        ({"input": 5, "kernel": 3, "dilation": 3}, "with dilation 3x3 spans 7x7"),
        ({"stride": 0}, "stride 0x0 is not valid"),
        ({"stride": (1, -2)}, "stride 1x-2 is not valid"),
        ({"dilation": 0}, "dilation 0x0 is not valid"),
        ({"input": 0}, "input 0x0 is not valid"),
        ({"padding": -1}, "padding -1x-1 is not valid: each value must be 0 or more"),
        ({"in_channels": 0}, "in-channels 0 is not valid"),
        ({"out_channels": 2.5}, "out-channels 2.5 is not valid"),
        ({"convention": "conv"}, "convention 'conv' is not valid: use one of correlation, convolution"),
        ({"names": "x,k"}, "must be three comma-separated names"),
        ({"names": "beta,k,y"}, "Greek letter"),
        ({"names": "x,k,Omega"}, "Greek letter"),
        ({"names": "x_1,k,y"}, "'x_1' is not valid"),
        ({"names": "x,\\input{a},y"}, "is not valid"),
        ({"names": "x,k,x"}, "repeat a name"),
        ({"names": "L,k,y"}, "reserved"),
        ({"bias": "yes"}, "bias 'yes' is not valid"),
        ({"bias": 1}, "bias 1 is not valid: give true or false"),  # 1 is not True
        ({"in_channels": True}, "in-channels True is not valid"),
        ({"input": 2**63}, "input 9223372036854775808 is too large"),
        ({"padding": "1x" + "9" * 5000}, "is too large"),
        ({"input": (3, 3, 3)}, "is not a size"),
        ({"input": True}, "is not a size"),
    ],
)
def test_invalid_specs_name_the_value(kwargs, message):
    with pytest.raises(SpecError, match=message.replace("(", r"\(").replace("\\i", "\\\\i")):
        ConvSpec(**kwargs)


def test_spec_is_frozen_and_hashable():
    spec = ConvSpec(input="5x7", kernel="3")
    assert spec == ConvSpec(input=(5, 7), kernel=(3, 3))
    assert hash(spec) == hash(ConvSpec(input=(5, 7), kernel=(3, 3)))
    with pytest.raises(AttributeError):
        spec.stride = (2, 2)


def test_slug_tells_every_field_apart():
    variants = [
        ConvSpec(),
        ConvSpec(bias=True),
        ConvSpec(convention="convolution"),
        ConvSpec(names=Names("X", "F", "O")),
        ConvSpec(stride=2),
        ConvSpec(padding=1),
        ConvSpec(dilation=(1, 2), input=4),
        ConvSpec(in_channels=2),
        ConvSpec(out_channels=2),
        ConvSpec(input=(3, 4)),
        ConvSpec(kernel=(2, 1)),
    ]
    assert len({v.slug() for v in variants}) == len(variants)


def test_as_dict_matches_the_json_spec():
    spec = ConvSpec(input=(5, 7), in_channels=2, kernel=(3, 2), out_channels=3, stride=(2, 1), bias=True)
    assert spec.as_dict() == {
        "input": [2, 5, 7],
        "kernel": [3, 2, 3, 2],
        "stride": [2, 1],
        "padding": [0, 0],
        "dilation": [1, 1],
        "bias": True,
        "convention": "correlation",
        "names": {"input": "x", "kernel": "k", "output": "y"},
    }
