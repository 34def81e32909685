"""One kind, one module: the core never asks which kind a layer is, and a single layer and a network
share one derivation and one document."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from symconv import ConvSpec, derive, render
from symconv.layers import LAYER_TYPES, layer_from_fields
from symconv.derivation import contribution
from symconv.network import load_network
from symconv.rendering.document import context

ROOT = Path(__file__).parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
KIND_NAMES = {cls.__name__ for cls, _ in LAYER_TYPES.values()}


def _core_modules():
    return [p for p in (ROOT / "symconv").rglob("*.py") if "layers" not in p.relative_to(ROOT / "symconv").parts]


@pytest.mark.parametrize("path", _core_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_core_module_dispatches_on_a_layer_kind(path):
    """No isinstance with a kind's class, and no comparison with a TOML type name, outside symconv/layers."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance" and len(node.args) == 2:
            named = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            assert not named & KIND_NAMES, f"{path.name}:{node.lineno} isinstance on {named & KIND_NAMES}"
        if isinstance(node, ast.Compare):
            constants = {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
            # The word identity also names a Jacobian; add and loss name nodes of the grader's parse tree.
            kinds = constants & set(LAYER_TYPES) - {"identity", "add", "loss"}
            assert not kinds, f"{path.name}:{node.lineno} compares with the kind name {kinds}"
            attributes = {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}
            assert not attributes & {"type", "kind"}, f"{path.name}:{node.lineno} compares a layer's type or kind"


def _outline(ctx: dict) -> list:
    """The document's structure: each section's title, whether it has steps, words and entries, and the
    kinds of figure it draws (the name without its layer number)."""
    return [(s.title, s.steps_title, bool(s.intro), bool(s.blocks), [f.svg_file.split("-layer")[0].removesuffix(".svg")
                                                                    for f in s.figures]) for s in ctx["sections"]]


def test_a_single_layer_and_the_one_layer_network_file_give_the_same_document():
    single = context(derive(ConvSpec(input=4, kernel=2, bias=True)))
    network = context(derive(load_network(ROOT / "examples" / "single_conv.toml")))
    assert _outline(single) == _outline(network)
    assert [f[-1] for f in _outline(single)] == [["figure-window"], ["figure-slide"], [], ["figure-full"]]
    # The same settings table; only the output's letter differs (y for a single layer, a^{[1]} in a network).
    assert [row for row in single["settings"] if row[0] != "names"] == [row for row in network["settings"] if row[0] != "names"]
    assert dict(single["settings"])["names"] == "input $x$, kernel $k$, output $y$"


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_conv_and_pooling_layer_has_its_figures(path):
    d = derive(load_network(path))
    files = render(d, ("md",)).files
    # A layer of the same kind, settings and size as an earlier one is said in a sentence in the forward pass
    # (its figures are the earlier one's), and as a later one in the backward pass (resnet_basic_block).
    same = lambda r, e: (type(e.layer), e.layer.describe(), e.shape_in, e.shape_out) == \
        (type(r.layer), r.layer.describe(), r.shape_in, r.shape_out)
    for record in d.records:
        kind = record.layer.type
        earlier = any(same(record, e) for e in d.records[:record.number - 1])
        later = any(same(record, e) for e in d.records[record.number:])
        if kind == "conv":
            assert (f"figure-window-layer-{record.number}.svg" in files) == (not earlier)
            # Where an input entry goes is drawn with the gradient of the layer's input: not for the
            # network's input, whose gradient the document leaves out unless the file asks for it, nor for a
            # 1 x 1 kernel at stride 1 (it pads and turns nothing).
            assert (f"figure-slide-layer-{record.number}.svg" in files) == (not later)
            shown = record.input != "X" or len(d.records) == 1 or d.spec.input_gradient
            plain = record.layer.kernel == (1, 1) and record.layer.stride == (1, 1)
            assert (f"figure-full-layer-{record.number}.svg" in files) == (shown and not later and not plain)
        elif kind == "conv_transpose":  # the zero-inserted input with the rotated kernel's window
            assert f"figure-zero-inserted-layer-{record.number}.svg" in files
        elif kind.endswith("pool") and kind != "global_avgpool":  # a whole channel's mean: no windows to draw
            assert any(name.endswith(f"-layer-{record.number}.svg") for name in files), (path.stem, record.number)


def test_every_registered_type_builds_from_its_table_and_writes_it_back():
    defaults = {"conv": {"out_channels": 2, "kernel": [2, 2]}, "conv_transpose": {"out_channels": 2, "kernel": [2, 2]},
                "activation": {"formula": "z"}, "loss": {"formula": "(a - t)**2"},
                "dense": {"out_features": 3}, "groupnorm": {"groups": 1}, "adaptive_avgpool": {"output_size": [2, 2]},
                "adaptive_maxpool": {"output_size": [2, 2]}}
    for kind in LAYER_TYPES:
        pool = {"window": [2, 2]} if kind.endswith("pool") and kind not in ("global_avgpool", *defaults) else {}
        layer = layer_from_fields({"type": kind, **defaults.get(kind, {}), **pool})
        assert layer.type == kind and layer_from_fields(layer.as_fields()) == layer
        assert layer.describe()


# One sample per registered type, as PyTorch's OpInfo entries hold an operator's samples: every kind is
# checked the same way below, and a type without a sample fails the first test.
SAMPLES = {
    "conv": ({"out_channels": 2, "kernel": [2, 3], "stride": [2, 1], "padding": [1, 0], "dilation": [1, 2], "bias": True},
             (2, 4, 5)),
    "conv_transpose": ({"out_channels": 4, "kernel": [2, 3], "stride": [2, 1], "padding": [1, 0],
                        "output_padding": [1, 0], "dilation": [1, 2], "groups": 2, "bias": True}, (2, 3, 2)),
    "maxpool": ({"window": [2, 2], "stride": [1, 2]}, (1, 3, 4)),
    "avgpool": ({"window": [2, 3], "padding": [1, 1]}, (1, 3, 4)),
    "l2pool": ({"window": [2, 2]}, (1, 4, 4)),
    "relu": ({}, (2, 2, 3)),
    "sigmoid": ({}, (1, 2, 2)),
    "tanh": ({}, (1, 2, 2)),
    "identity": ({}, (1, 2, 2)),
    "flatten": ({"order": "row"}, (2, 2, 3)),
    "global_avgpool": ({}, (3, 2, 3)),
    "adaptive_avgpool": ({"output_size": [2, 3]}, (2, 5, 4)),
    "adaptive_maxpool": ({"output_size": [3, 2]}, (1, 4, 5)),
    "dropout": ({"p": 0.25}, (2, 2, 3)),
    "upsample": ({"scale": [2, 3]}, (2, 2, 2)),
    "dense": ({"out_features": 3, "bias": True}, (4,)),
    "add": ({}, (2, 2, 3)),
    "activation": ({"formula": "z / (1 + exp(-z))"}, (1, 2, 2)),
    "loss": ({"formula": "Piecewise((0.5*(a - t)**2, Abs(a - t) < 1), (Abs(a - t) - 0.5, True))", "reduction": "sum"},
             (3,)),
    "batchnorm": ({"eps": 1e-3}, (2, 2, 3)),
    "layernorm": ({"normalized_shape": [2, 3]}, (2, 2, 3)),
    "groupnorm": ({"groups": 2, "eps": 1e-3}, (4, 1, 3)),
    "concat": ({}, (2, 2, 3)),
    "softmax_cross_entropy": ({}, (3,)),
    "mse": ({"reduction": "half_sum"}, (3,)),
}


def test_every_registered_type_has_a_sample():
    assert set(SAMPLES) == set(LAYER_TYPES)


def _sample(kind: str):
    from symconv.layers import Activation, Flatten
    from symconv.network import NetworkSpec

    fields, shape = SAMPLES[kind]
    layer = layer_from_fields({"type": kind, **fields})
    if layer.whole_batch:  # it normalizes over a batch
        return NetworkSpec(shape, (layer,), batch=2), layer
    if not layer.arity:  # a join: of the input and a sigmoid of it
        return NetworkSpec(shape, (Activation("sigmoid"), layer), inputs=((0,), (1, 0))), layer
    if len(shape) == 1:  # a kind that reads a vector: an image of one row, flattened
        return NetworkSpec((1, 1, shape[0]), (Flatten(), layer)), layer
    return NetworkSpec(shape, (layer,)), layer


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_every_kind_matches_numpy_and_pytorch(kind):
    from .conftest import need_torch

    need_torch()
    from symconv.numeric.verify import verify

    net, _ = _sample(kind)
    report = verify(derive(net), seed=5, use_torch=True)
    assert report.ok and {c.reference for c in report.comparisons} == {"numpy", "torch"}, report


# Where relu and max have no derivative (0, ties), sympy.diff and frameworks pick different values:
# these are compared at random points, the others exactly.
NONSMOOTH = {"relu", "maxpool", "adaptive_maxpool"}


def _same(kind: str, a, b) -> bool:
    from random import Random

    from sympy import Float, simplify

    if kind not in NONSMOOTH:
        return simplify(a - b) == 0
    rng = Random(7)
    for _ in range(3):
        at = {s: Float(rng.uniform(-2, 2)) for s in (a - b).free_symbols}
        if abs(float((a - b).subs(at))) > 1e-12:
            return False
    return True


def _in_steps(kind: str) -> bool:
    """Whether the kind's backward goes through steps of its own (a normalization's mean and variance)."""
    net, layer = _sample(kind)
    return any(p.stage for p in layer.params(net.shape_in(len(net.layers))))


# A loss has no upstream gradient; a normalization's backward goes through its steps, whose symbols
# stand between its output and its input (tests/test_batchnorm.py and tests/test_layernorm_groupnorm.py
# prove them against the definition), and batch normalization has no Jacobian of its own.
@pytest.mark.parametrize("kind", sorted(k for k in SAMPLES if not LAYER_TYPES[k][0].is_loss and not _in_steps(k)))
def test_every_kind_backward_and_jacobian_are_sympy_diff_of_its_forward(kind):
    """dL/d(input) = diff(sum_o g_o out_o, input) and the Jacobian = diff(out_o, input_i), with every
    output symbol a rule writes (sigmoid's a) replaced by its forward entry."""
    from sympy import Add, Matrix, diff

    from symconv.vec import vec_order

    net, _ = _sample(kind)
    d = derive(net)
    record = d.records[-1]
    out, inp = d[record.output], d[record.input]
    forward = dict(zip(out.symbols, out.entries))
    inputs = inp.symbols
    loss = Add(*(g * y for g, y in zip(d[f"dL/d{record.output}"].symbols, out.entries)))
    # A join's first input (the network's) is read by the sigmoid too: this layer's part of its gradient.
    forked = len(net.readers(0)) > 1 and record.input == "X"
    gradient = d[contribution(record.input, record.number) if forked else f"dL/d{record.input}"].entries
    for n, x in enumerate(inputs):
        assert _same(kind, gradient[n].subs(forward), diff(loss, x)), (kind, n)
    j = d.jacobian(record.input, record.output)
    rows, cols = vec_order(out.shape), vec_order(inp.shape)
    for a, b in ((a, b) for a in range(len(rows)) for b in range(len(cols))):
        assert _same(kind, j.matrix[a, b].subs(forward), diff(out.entries[rows[a]], inputs[cols[b]])), (kind, a, b)


def test_a_kind_that_leaves_out_part_of_the_interface_cannot_be_built():
    from dataclasses import dataclass

    from symconv.layers import Layer

    @dataclass(frozen=True)
    class Halved(Layer):
        type = "halved"

        def output_shape(self, shape):
            return shape

    with pytest.raises(TypeError, match="abstract methods backward, describe, forward"):
        Halved()


def test_a_layer_says_whether_it_pads_its_input():
    # the handout's "terms in the zero padding" is said only for layers that pad (review24b defect 10)
    from symconv.layers.conv import Conv
    from symconv.layers.pool import Pool
    from symconv.layers.activation import Activation
    assert Conv(1, (2, 2), padding=(1, 0)).pads_input((1, 4, 4)) and not Conv(1, (2, 2)).pads_input((1, 4, 4))
    assert Pool("max", (2, 2), padding=(1, 1)).pads_input((1, 4, 4)) and not Pool("max", (2, 2)).pads_input((1, 4, 4))
    assert not Activation("relu").pads_input((1, 4, 4))
