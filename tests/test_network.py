"""Networks: files, local rules against sympy.diff, the chain against the composed loss, numeric references."""

from __future__ import annotations

import json
from dataclasses import replace
import tomllib
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from sympy import (Add, And, Heaviside, Max, Piecewise, Rational, Symbol, diff, exp, log, simplify, sqrt, srepr,
                   symbols, sympify, tanh)

from symconv import derive
from symconv.layers import Activation, Conv, Dense, Flatten, Pool, SoftmaxCrossEntropy
from symconv.network import NetworkSpec, load_network
from symconv.numeric.evaluate import evaluate
from symconv.numeric.verify import random_leaves, verify
from symconv.rendering.document import context
from symconv.rendering.json_format import to_json
from symconv.rendering.latex import SymconvLatexPrinter
from symconv.layers.flatten import flatten_order
from symconv.layers.pool import switch
from symconv.spec import SpecError

from .conftest import need_torch
from .layer_steps import rules
from .strategies import networks

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.toml"))


def test_examples_load_with_their_shapes():
    shapes = {p.stem: load_network(p).shapes for p in EXAMPLES}
    assert shapes["conv_relu_maxpool_dense"] == [(1, 6, 6), (2, 4, 4), (2, 4, 4), (2, 2, 2), (8,), (3,), (3,)]
    assert shapes["three_layer_cnn"][-4:] == [(2, 1, 1), (2,), (3,), (3,)]
    assert len(EXAMPLES) >= 3


def test_as_dict_fills_every_default():
    net = load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml")
    layers = net.as_dict()["layers"]
    assert layers[0] == {"name": "layer1", "inputs": ["input"], "type": "conv", "out_channels": 2, "kernel": [3, 3],
                         "stride": [1, 1], "padding": [0, 0], "dilation": [1, 1], "bias": True,
                         "convention": "correlation", "groups": 1, "padding_mode": "zeros"}
    assert layers[2] == {"name": "layer3", "inputs": ["layer2"], "type": "maxpool", "window": [2, 2], "stride": [2, 2],
                         "padding": [0, 0], "ceil_mode": False, "dilation": [1, 1]}
    assert layers[3] == {"name": "layer4", "inputs": ["layer3"], "type": "flatten", "order": "row"}
    assert layers[5] == {"name": "layer6", "inputs": ["layer5"], "type": "softmax_cross_entropy", "reduction": "mean",
                         "target": "one-hot"}  # the premise of its p - t, stated in the JSON


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "examples").glob("*.toml")), ids=lambda p: p.stem)
def test_the_json_spec_echoes_the_network_as_written_and_reads_back(path):
    """Names and inputs as the file gives them (a default name for a layer it leaves unnamed), every
    default filled in; read back as a file, it is the same network in the same folder."""
    net = load_network(path)
    echo = json.loads(to_json(derive(net)))["spec"]
    assert set(echo) == {"input", "title", "batch", "input_gradient", "layers"} and echo["title"] == net.title
    assert echo["input_gradient"] == written_input_gradient(path)
    written = tomllib.loads(path.read_text())
    for n, (table, layer) in enumerate(zip(written["layer"], echo["layers"]), start=1):
        assert layer["name"] == table.get("name", f"layer{n}")
        assert {k: v for k, v in table.items() if k not in ("name", "inputs")}.items() <= layer.items()
        if "inputs" in table:
            assert layer["inputs"] == table["inputs"]
    back = NetworkSpec.from_dict({"input": echo["input"], "title": echo["title"], "batch": echo["batch"],
                                  "input_gradient": echo["input_gradient"], "layer": echo["layers"]}, name=net.name)
    assert (back.layers, back.inputs, back.slug(), back.input_gradient) == (net.layers, net.inputs, net.slug(),
                                                                            net.input_gradient)


def written_input_gradient(path: Path) -> bool:
    return tomllib.loads(path.read_text()).get("input_gradient", False)


def test_a_network_file_may_ask_for_the_input_gradient(tmp_path):
    path = tmp_path / "net.toml"
    path.write_text('input = [1, 3, 3]\ninput_gradient = "yes"\n[[layer]]\ntype = "relu"\n')
    with pytest.raises(SpecError, match="input_gradient"):
        load_network(path)
    path.write_text('input = [1, 3, 3]\ninput_gradient = true\n[[layer]]\ntype = "conv"\nout_channels = 1\nkernel = [2, 2]\n'
                    '[[layer]]\ntype = "relu"\n')
    net = load_network(path)
    assert net.input_gradient and net.slug() == NetworkSpec(net.input, net.layers, net.name).slug()
    names = [s.name for s in context(derive(net))["sections"]]
    assert "dL/dX" in names and "dL/dX" not in [s.name for s in context(derive(replace(net, input_gradient=False)))["sections"]]


def test_a_default_layer_name_never_takes_a_name_the_file_gave():
    net = NetworkSpec.from_dict({"input": [4], "layer": [{"type": "relu", "name": "layer2"}, {"type": "relu"}]})
    assert [layer["name"] for layer in net.as_dict()["layers"]] == ["layer2", "layer2'"]
    assert net.as_dict()["layers"][1]["inputs"] == ["layer2"]


BAD_FILES = [
    ('input = [1, 6, 6]\n[[layer]]\ntype = "convolution"\n', "layer 1: type 'convolution' is not known"),
    ('input = [1, 6, 6]\n[[layer]]\ntype = "conv"\nkernel = [3, 3]\n', "layer 1: field 'out_channels' is missing"),
    ('input = [1, 6, 6]\n[[layer]]\ntype = "maxpool"\nwindw = [2, 2]\n', "layer 1: field 'windw' is not known for maxpool"),
    ('input = [1, 6, 6]\n[[layer]]\ntype = "relu"\n[[layer]]\ntype = "dense"\nout_features = 2\n',
     "layer 2 (dense): dense needs a vector"),
    ('input = [1, 3, 3]\n[[layer]]\ntype = "conv"\nout_channels = 1\nkernel = [4, 4]\n', "layer 1 (conv): kernel 4x4"),
    ('input = [1, 2, 2]\n[[layer]]\ntype = "flatten"\n[[layer]]\ntype = "softmax_cross_entropy"\n'
     '[[layer]]\ntype = "dense"\nout_features = 2\n', "layer 2 (softmax_cross_entropy): the loss must be the last layer"),
    ('input = [1, 6, 6\n', "TOML syntax error"),
    ('input = [1, 6]\n[[layer]]\ntype = "relu"\n', "input [1, 6] is not valid"),
    ('[[layer]]\ntype = "relu"\n', "input is missing"),
    ('input = [1, 4, 4]\n', "no layers"),
    ('input = [1, 4, 4]\n[[layer]]\ntype = "conv"\nout_channels = "two"\nkernel = 2\n', "layer 1: out_channels 'two'"),
]


@pytest.mark.parametrize("text, message", BAD_FILES, ids=[m for _, m in BAD_FILES])
def test_bad_network_files_name_file_layer_and_field(text, message, tmp_path):
    path = tmp_path / "net.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as error:
        load_network(path)
    assert str(error.value).startswith(f"{path}: ")
    assert message in str(error.value)


# --- local rules against sympy.diff --------------------------------------------------------------

z, g = Symbol("z"), Symbol("g")


@pytest.mark.parametrize("kind", ["sigmoid", "tanh", "identity"])
def test_activation_rule_is_the_derivative(kind):
    (a_expr,) = rules(Activation(kind), [z])[0]["out"]
    a = Symbol("a")
    _, (backward,) = rules(Activation(kind), [z], [a], [g])
    assert simplify(backward.subs(a, a_expr) - g * diff(a_expr, z)) == 0


def test_relu_rule_is_the_derivative_away_from_zero_and_zero_at_zero():
    forward, (backward,) = rules(Activation("relu"), [z], [Symbol("a")], [g])
    (a_expr,) = forward["out"]
    assert a_expr == Max(0, z) and backward == g * Heaviside(z, 0)
    for value in (-2, -0.5, 0.5, 3):
        assert backward.subs(z, value) == g * diff(a_expr, z).subs(z, value)
    assert backward.subs(z, 0) == 0  # frameworks take relu'(0) = 0


def test_l2_pool_rule_is_the_derivative():
    pool = Pool("l2", 2)
    inp = symbols("i1:5")
    out = (Symbol("A"),)
    computed, backward = rules(pool, inp, out, (g,), (1, 2, 2), (1, 1, 1))
    (forward,) = computed["out"]
    assert forward == sqrt(Add(*(i**2 for i in inp)))
    for i, rule in zip(inp, backward):
        assert simplify(rule.subs(out[0], forward) - g * diff(forward, i)) == 0


def test_avg_pool_rule_is_the_derivative():
    inp = symbols("i1:10")
    computed, backward = rules(Pool("avg", 3), inp, (Symbol("A"),), (g,), (1, 3, 3), (1, 1, 1))
    (forward,) = computed["out"]
    assert forward == Add(*inp) / 9
    assert all(rule == g * diff(forward, i) == g / 9 for i, rule in zip(inp, backward))


def test_max_pool_switch_goes_to_the_first_maximum():
    inp = symbols("i1:5")
    _, backward = rules(Pool("max", 2), inp, (Symbol("A"),), (g,), (1, 2, 2), (1, 1, 1))
    tie = {inp[0]: 1, inp[1]: 3, inp[2]: 3, inp[3]: 2}
    assert [rule.subs(tie) for rule in backward] == [0, g, 0, 0]
    assert backward[2] == g * Piecewise((1, And(inp[2] > inp[0], inp[2] > inp[1], inp[2] >= inp[3])), (0, True))


@pytest.mark.parametrize("names", ["w1:10", "a_1_1:10", "a_1_1_8:17"])  # 9 before 10, and 10 before 9 as text
def test_the_switch_is_sympys_own_evaluated_piecewise(names):
    window = symbols(names)
    for n in range(1, 10):
        for k in range(1, n + 1):
            w = window[:n]
            first_max = And(*(w[k - 1] > wj for wj in w[: k - 1]), *(w[k - 1] >= wj for wj in w[k:]))
            evaluated = Piecewise((1, first_max), (0, True))
            built = switch(k, w)
            assert built == evaluated and srepr(built) == srepr(evaluated) and sympify(srepr(built)) == built


def test_the_switch_prints_as_an_indicator_of_the_windows_first_maximum():
    d = derive(load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml"))
    printer = SymconvLatexPrinter(d.latex_names, d.order)
    a = "a^{[2](1)}"
    # Not [a_{1,2} = max(...)], which every tied maximum meets: the gradient goes to the first (issue 24).
    assert printer.doprint(d["dL/dA[2]"].entries[1]) == (
        rf"\frac{{\partial L}}{{\partial a^{{[3](1)}}_{{1,1}}}} \mathbb{{1}}\left[{a}_{{1,2}} \text{{ is the first maximum of }} "
        rf"({a}_{{1,1}}, {a}_{{1,2}}, {a}_{{2,1}}, {a}_{{2,2}})\right]")
    other = Piecewise((1, Symbol("z") > 0), (0, True))  # not a switch: a formula's pieces, on one line
    assert printer.doprint(other) == r"\left\{\, 1 \text{ if } z > 0;\ 0 \text{ otherwise} \,\right\}"


def test_softmax_cross_entropy_step_needs_the_sum_of_t():
    f, p, t = symbols("f1:4"), symbols("p1:4"), symbols("t1:4")
    forward, backward = rules(SoftmaxCrossEntropy(), f, p, params={"t": t})
    probs, (loss,) = forward["out"], forward["L"]
    loss_of_f = loss.subs(dict(zip(p, probs)))
    for k in range(3):
        derivative = diff(loss_of_f, f[k])
        claimed = backward[k].subs(dict(zip(p, probs)))
        assert simplify(derivative - claimed) != 0  # not without sum(t) = 1 ...
        one_hot = {t[2]: 1 - t[0] - t[1]}
        assert simplify((derivative - claimed).subs(one_hot)) == 0  # ... and exactly with it


def test_flatten_column_major_per_channel():
    # 2 channels of 2x3: vec stacks the columns of each channel, then the channels.
    assert flatten_order("column", (2, 2, 3)) == [0, 3, 1, 4, 2, 5, 6, 9, 7, 10, 8, 11]
    assert flatten_order("row", (2, 2, 3)) == list(range(12))


# --- the chain, exactly, against differentiating the composed loss (tests only: tiny sizes) -----


def test_chain_equals_diff_of_the_composed_loss():
    net = NetworkSpec((1, 3, 3), (Conv(2, 2, bias=True), Activation("identity"), Pool("avg", 2, 1), Flatten(), Dense(2, bias=True)))
    d = derive(net)
    definitions = {}
    for t in d.tensors:
        if t.entries is not None and t.symbols is not None and t.name.startswith("A["):
            definitions.update({s: e.subs(definitions) for s, e in zip(t.symbols, t.entries)})
    out = d["A[5]"]
    loss = Add(*(gs * definitions[s] for gs, s in zip(d["dL/dA[5]"].symbols, out.symbols)))
    upstream = {}
    for t in d.tensors:
        if t.name.startswith("dL/dA[") and t.entries is not None:
            upstream.update({s: e.subs(upstream).subs(definitions) for s, e in zip(t.symbols, t.entries)})
    for grad, leaf in (("dL/dX", "X"), ("dL/dK[1]", "K[1]"), ("dL/db[1]", "b[1]"), ("dL/dW[5]", "W[5]")):
        for entry, symbol in zip(d[grad].entries, d[leaf].symbols):
            assert (entry.subs(upstream).subs(definitions) - diff(loss, symbol)).expand() == 0, (grad, symbol)


# --- numbers ------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_verify(path):
    report = verify(derive(load_network(path)), use_torch=False)
    assert report.ok and not report.unchecked, report.comparisons


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_examples_verify_against_pytorch(path):
    need_torch()
    report = verify(derive(load_network(path)), use_torch=True)
    assert report.torch_used and report.ok and not report.unchecked, report.comparisons
    assert {c.tensor for c in report.comparisons if c.reference == "torch"} >= {"dL/dX", "A[1]"}


@settings(max_examples=40)
@given(networks())
def test_random_networks_verify_against_numpy(net):
    report = verify(derive(net), seed=2, use_torch=False)
    assert report.ok, [c for c in report.comparisons if not c.ok] or report.unchecked


@settings(max_examples=20)
@given(networks())
def test_random_networks_verify_against_pytorch(net):
    need_torch()
    report = verify(derive(net), seed=4, use_torch=True)
    assert report.ok and any(c.reference == "torch" for c in report.comparisons)


def test_max_pool_ties_match_pytorch():
    need_torch()
    from symconv.numeric.torch_reference import network_with_grads

    net = NetworkSpec((1, 2, 4), (Pool("max", 2), Flatten("row"), Dense(1)))
    d = derive(net)
    values = random_leaves(d, seed=0)
    values["X"] = np.array([[[1.0, 3.0, 2.0, 2.0], [3.0, 0.0, 2.0, 1.0]]])  # ties in both windows
    ours, theirs = evaluate(d, values), network_with_grads(d.records, values)
    np.testing.assert_array_equal(ours["dL/dX"], theirs["dL/dX"])


def test_network_json_lists_forward_then_backward_using_only_earlier_symbols():
    net = load_network(Path(__file__).parents[1] / "examples" / "conv_relu_maxpool_dense.toml")
    doc = json.loads(to_json(derive(net)))
    names = [t["name"] for t in doc["tensors"]]
    assert names[:4] == ["X", "K[1]", "b[1]", "A[1]"] and names[-1] == "dL/dX"
    assert names.index("L") < names.index("dL/dA[5]") < names.index("dL/dW[5]") < names.index("dL/dK[1]")
    assert doc["spec"] == net.as_dict()
    from sympy import sympify

    seen: set[str] = set()
    for t in doc["tensors"]:
        flat = np.array(t["entries"], dtype=object).ravel() if t["entries"] is not None else []
        for text in flat:
            assert {s.name for s in sympify(text).free_symbols} <= seen, (t["name"], text)
        if t["symbols"] is not None:
            seen |= set(np.array(t["symbols"], dtype=object).ravel())
