"""Importing a PyTorch module: its network spec, derived by symconv, against PyTorch running the module itself.

Each model's output (or loss), every parameter's gradient and the input's gradient, evaluated from
symconv's SymPy entries (and, for the residual block, from the plain-SymPy JSON in a process without
symconv), equal PyTorch's float64 autograd on the module to 1e-9. The models are written as their
authors wrote them (sources beside each).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from .conftest import need_torch



@pytest.fixture(scope="module")
def nn():
    need_torch()
    import torch

    torch.set_num_threads(1)
    return torch.nn


def lenet5(nn, flat: int):
    """LeNet-5 as d2l.ai writes it in PyTorch (https://d2l.ai/chapter_convolutional-neural-networks/lenet.html,
    sigmoid activations and average pooling, as LeCun et al. 1998), its first Linear sized for the input."""
    return nn.Sequential(
        nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(), nn.AvgPool2d(kernel_size=2, stride=2),
        nn.Flatten(), nn.Linear(flat, 120), nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))


def tiny_vgg(nn, channels: int, hidden: int, flat: int, classes: int):
    """The Tiny VGG of CNN Explainer (Wang et al. 2020) as the PyTorch course "Learn PyTorch for Deep
    Learning" writes it (https://www.learnpytorch.io/03_pytorch_computer_vision/, TinyVGG / FashionMNISTModelV2):
    two blocks of conv-relu-conv-relu-maxpool, then flatten and a linear classifier."""

    class TinyVGG(nn.Module):
        def __init__(self):
            super().__init__()
            self.block_1 = nn.Sequential(
                nn.Conv2d(channels, hidden, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                nn.Conv2d(hidden, hidden, kernel_size=3, stride=1, padding=1), nn.ReLU(),
                nn.MaxPool2d(kernel_size=2, stride=2))
            self.block_2 = nn.Sequential(
                nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(),
                nn.Conv2d(hidden, hidden, 3, padding=1), nn.ReLU(),
                nn.MaxPool2d(2))
            self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(in_features=hidden * flat, out_features=classes))

        def forward(self, x):
            return self.classifier(self.block_2(self.block_1(x)))

    return TinyVGG()


def basic_block(nn, planes: int):
    """torchvision's ResNet BasicBlock (torchvision/models/resnet.py), without downsampling: conv3x3, bn,
    relu, conv3x3, bn, `out += identity`, relu; the same ReLU module called twice."""

    def conv3x3(in_planes, out_planes):
        return nn.Conv2d(in_planes, out_planes, kernel_size=3, stride=1, padding=1, groups=1, bias=False, dilation=1)

    class BasicBlock(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = conv3x3(planes, planes)
            self.bn1 = nn.BatchNorm2d(planes)
            self.relu = nn.ReLU(inplace=True)
            self.conv2 = conv3x3(planes, planes)
            self.bn2 = nn.BatchNorm2d(planes)

        def forward(self, x):
            identity = x
            out = self.conv1(x)
            out = self.bn1(out)
            out = self.relu(out)
            out = self.conv2(out)
            out = self.bn2(out)
            out += identity
            out = self.relu(out)
            return out

    return BasicBlock()


def randomized(module, seed: int):
    """The module in float64 with random parameters (BatchNorm's gamma and beta too, not 1 and 0)."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    module.double()
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) * 0.5)
    return module


def torch_run(module, x: np.ndarray, batched: bool, upstream=None, loss=None, target=None) -> dict[str, np.ndarray]:
    """PyTorch on the module itself: its output (or loss), the input's and every parameter's gradient."""
    import torch

    xt = torch.tensor(x if batched else x[None], dtype=torch.float64, requires_grad=True)
    for p in module.parameters():
        p.grad = None
    out = module(xt)
    if loss is None:
        value = (out * torch.tensor(upstream if batched else upstream[None])).sum()
    else:
        value = loss(out, torch.tensor(target if batched else target[None]))
    value.backward()
    got = {"out": out.detach().numpy() if batched else out.detach().numpy()[0], "L": np.array([value.item()]),
           "dL/dX": xt.grad.numpy() if batched else xt.grad.numpy()[0]}
    got.update({name: p.grad.numpy() for name, p in module.named_parameters()})
    return got


def leaf_values(d, spec, module, seed: int) -> dict[str, np.ndarray]:
    """The derivation's leaves: the input, upstream gradient or target at random, the parameters the module's."""
    from symconv.torch_import import parameter_names

    rng = np.random.default_rng(seed)
    params = dict(module.named_parameters())
    taken = {tensor: params[name].detach().numpy() for tensor, name in parameter_names(spec).items()}
    leaves = {}
    for t in d.tensors:
        if t.entries is not None:
            continue
        if t.name in taken:
            leaves[t.name] = taken[t.name]
        elif t.name == "t":  # a target: probabilities for cross-entropy, any numbers for squared error
            raw = rng.random(t.shape)
            leaves[t.name] = raw / raw.sum(axis=-1, keepdims=True)
        else:
            assert t.name == "X" or t.name.startswith("dL/dA["), t.name  # no leaf left unaccounted for
            leaves[t.name] = rng.standard_normal(t.shape)
    assert set(taken) <= set(leaves)
    return leaves


def compare(module, input_shape, *, batch=None, loss=None, seed=0, evaluate=None) -> dict[str, float]:
    """Import, derive, evaluate, run PyTorch on the module, and compare everything; the largest errors."""
    from symconv import derive
    from symconv.numeric.evaluate import evaluate as evaluate_numeric
    from symconv.torch_import import from_torch, parameter_names

    spec = from_torch(module, input_shape, batch=batch, loss=loss)
    d = derive(spec)
    leaves = leaf_values(d, spec, module, seed)
    if evaluate is None:
        got = {k: np.ravel(v) for k, v in evaluate_numeric(d, leaves, from_sympy=True).items()}
    else:
        got = {k: np.asarray(v) for k, v in evaluate(d, leaves).items()}
    last = len(spec.layers) - (loss is not None)
    upstream = None if loss is not None else leaves[f"dL/dA[{last}]"]
    ref = torch_run(module, leaves["X"], batch is not None, upstream, loss, leaves.get("t"))
    pairs = {f"A[{last}]": "out", "dL/dX": "dL/dX", **({"L": "L"} if loss is not None else {}),
             **{f"dL/d{tensor}": name for tensor, name in parameter_names(spec).items()}}
    # every parameter of the module has its gradient compared
    assert set(parameter_names(spec).values()) == {name for name, _ in module.named_parameters()}
    errors = {}
    for ours, theirs in pairs.items():
        np.testing.assert_allclose(got[ours], np.ravel(ref[theirs]), rtol=1e-9, atol=1e-9, err_msg=ours)
        errors[ours] = float(np.max(np.abs(got[ours] - np.ravel(ref[theirs]))))
    return errors


def test_same_padding_reflect_adaptive_pooling_and_dropout_match_pytorch_on_the_module(nn):
    # the kinds of issue 25's first part, imported: padding "same" with a reflected border, ceil-mode
    # average pooling that leaves the padding out, adaptive max pooling with uneven bins, dropout (eval)
    module = nn.Sequential(nn.Conv2d(1, 2, 2, padding="same", padding_mode="reflect"), nn.Tanh(),
                           nn.AvgPool2d(2, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
                           nn.AdaptiveMaxPool2d((2, 3)), nn.Dropout(0.3), nn.Flatten(), nn.Linear(12, 3)).eval()
    compare(randomized(module, seed=4), (1, 5, 5), seed=4)


def test_lenet5_matches_pytorch_on_the_module(nn):
    # 1x12x12: conv1 keeps 12x12, pool 6x6, conv2 2x2, pool 1x1: 16 features into Linear(16, 120).
    module = randomized(lenet5(nn, 16), seed=1)
    compare(module, (1, 12, 12), seed=1)


def test_tiny_vgg_with_cross_entropy_matches_pytorch_on_the_module(nn):
    # 3x8x8 -> block 1 -> 4x4x4 -> block 2 -> 4x2x2 -> 16 features -> 3 classes; the loss is PyTorch's.
    module = randomized(tiny_vgg(nn, channels=3, hidden=4, flat=4, classes=3), seed=2)
    compare(module, (3, 8, 8), loss=nn.CrossEntropyLoss(), seed=2)


@pytest.fixture(scope="module")
def plain_sympy_of(plain_sympy):
    """A derivation's JSON evaluated by plain SymPy alone (the shared fixture, given a derivation)."""
    from symconv.rendering.json_format import to_json

    return lambda d, leaves: plain_sympy(to_json(d), leaves)


def test_resnet_basic_block_in_training_mode_matches_pytorch_from_the_plain_sympy_json(nn, plain_sympy_of):
    # Batch statistics need a batch: 2 examples of 2x3x3.
    module = randomized(basic_block(nn, planes=2), seed=3).train()
    compare(module, (2, 3, 3), batch=2, seed=3, evaluate=plain_sympy_of)


def test_resnet_basic_block_in_eval_mode_matches_pytorch_from_the_plain_sympy_json(nn, plain_sympy_of):
    import torch

    module = randomized(basic_block(nn, planes=2), seed=5)
    with torch.no_grad():  # running statistics as training leaves them, not PyTorch's initial 0 and 1
        for bn in (module.bn1, module.bn2):
            bn.running_mean.copy_(torch.randn(2, dtype=torch.float64))
            bn.running_var.copy_(torch.rand(2, dtype=torch.float64) + 0.5)
    compare(module.eval(), (2, 3, 3), seed=5, evaluate=plain_sympy_of)


def test_activation_modules_and_mse_match_pytorch(nn):
    module = randomized(nn.Sequential(
        nn.Conv2d(1, 2, 2), nn.LeakyReLU(0.2), nn.Conv2d(2, 2, 2, padding=1), nn.ELU(alpha=0.7),
        nn.Conv2d(2, 2, 2), nn.GELU(), nn.Conv2d(2, 2, 1), nn.GELU(approximate="tanh"), nn.Conv2d(2, 2, 1), nn.SiLU(),
        nn.Conv2d(2, 2, 1), nn.Softplus(beta=2.0, threshold=1.0), nn.Tanh(), nn.Flatten(), nn.Linear(18, 3)), seed=4)
    compare(module, (1, 4, 4), loss=nn.MSELoss(reduction="sum"), seed=4)


# -- the spec, the network file and the refusals --

MODEL_FILE = '''
from torch import nn


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(1, 2, 3, padding=1)
        self.branch = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.ReLU())
        self.other = nn.Conv2d(2, 1, 1)
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(3 * 3 * 3, 2))

    def forward(self, x):
        x = self.stem(x)
        y = self.branch(x) + x
        return self.head(torch.cat([y, self.other(x)], dim=1))


import torch


def chain():
    return nn.Sequential(nn.Conv2d(1, 1, 2), nn.Sigmoid())


def dropout_model():
    return nn.Sequential(nn.Conv2d(1, 1, 2), nn.Dropout()).eval()


def unsupported():
    return nn.Sequential(nn.Conv2d(1, 1, 2), nn.PReLU())


def broken():
    return nn.Sequential(nn.Linear(3, 2))


NOT_A_MODULE = 3

if __name__ == "__main__":
    raise SystemExit("the main block must not run")
'''


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.py"
    path.write_text(MODEL_FILE)
    return path


def run(argv: list[str], capsys) -> tuple[int, str, str]:
    from symconv.cli import main

    with pytest.raises(SystemExit) as stop:
        main(argv)
    out, err = capsys.readouterr()
    return stop.value.code, out, err


def test_residual_adds_and_cat_become_named_inputs_and_the_json_records_each_module(nn, model_file, capsys):
    code, out, err = run(["render", "--torch", f"{model_file}:Residual", "--input-shape", "1x3x3", "--format", "json",
                          "--out", "-"], capsys)
    assert code == 0, err
    layers = json.loads(out)["spec"]["layers"]
    assert [(layer["type"], layer.get("module")) for layer in layers] == [
        ("conv", "stem"), ("conv", "branch.0"), ("relu", "branch.1"), ("add", None), ("conv", "other"),
        ("concat", None), ("flatten", "head.0"), ("dense", "head.1")]
    names = [layer["name"] for layer in layers]
    assert layers[3]["inputs"] == [names[2], names[0]]  # the branch's output and the stem's
    assert layers[4]["inputs"] == [names[0]] and layers[5]["inputs"] == [names[3], names[4]]


def test_the_residual_model_matches_pytorch(nn, model_file):
    import runpy

    module = randomized(runpy.run_path(str(model_file), run_name="not_main")["Residual"](), seed=6)
    compare(module, (1, 3, 3), seed=6)


def test_import_writes_a_network_file_that_reads_back_as_the_same_network(nn, model_file, capsys, tmp_path):
    import tomllib

    from symconv.network import load_network
    from symconv.torch_import import from_torch

    argv = ["import", f"{model_file}:Residual", "--input-shape", "1x3x3", "--loss", "cross-entropy"]
    code, out, err = run(argv, capsys)
    assert code == 0 and not err, err
    assert run(argv, capsys)[1] == out  # deterministic
    (tmp_path / "net.toml").write_text(out)
    tomllib.loads(out)
    import runpy

    module = runpy.run_path(str(model_file), run_name="not_main")["Residual"]()
    direct = from_torch(module, (1, 3, 3), loss=nn.CrossEntropyLoss())
    assert load_network(tmp_path / "net.toml").as_dict() == direct.as_dict()
    assert direct.layers[-1].type == "softmax_cross_entropy"


def test_probability_targets_from_the_command_line_match_pytorch_on_the_module(nn, model_file, capsys):
    """--targets probabilities: the network file says so (target = "any"), and verify --model-values
    compares symconv's general form dL/df = p sum(t) - t with PyTorch running the module on targets that
    need not sum to 1."""
    import tomllib

    argv = ["import", f"{model_file}:Residual", "--input-shape", "1x3x3", "--loss", "cross-entropy"]
    code, out, err = run([*argv, "--targets", "probabilities"], capsys)
    assert code == 0 and not err, err
    assert tomllib.loads(out)["layer"][-1]["target"] == "any" and "--targets probabilities" in out
    assert "target" not in tomllib.loads(run(argv, capsys)[1])["layer"][-1]
    code, out, err = run(["verify", "--model", f"{model_file}:Residual", "--input-shape", "1x3x3", "--loss",
                          "cross-entropy", "--targets", "probabilities", "--model-values", "--no-torch"], capsys)
    assert code == 0 and "module" in out and "FAILED" not in out, out + err


@pytest.mark.parametrize("reference, shape, message", [
    ("{file}:unsupported", "1x3x3", "module '1' (PReLU) is not supported: symconv imports Conv2d"),
    ("{file}:broken", "1x3x3", "module '0' (Linear), layer 1 (dense): dense needs a vector"),
    ("{file}:chain", "1x3", "--input-shape '1x3' is not valid: give CxHxW"),
    ("{file}:missing", "1x3x3", "missing is not defined in it: it defines Residual, broken, chain, dropout_model, unsupported"),
    ("{file}:NOT_A_MODULE", "1x3x3", "NOT_A_MODULE is not a module class or a function (it is 3)"),
    ("{file}", "1x3x3", "is not valid: give FILE.py:NAME"),
    ("{dir}/absent.py:chain", "1x3x3", "not a Python file (.py) that exists"),
])
def test_what_cannot_be_imported_is_one_line_and_exit_2(nn, model_file, capsys, reference, shape, message):
    code, out, err = run(["import", reference.format(file=model_file, dir=model_file.parent), "--input-shape", shape],
                         capsys)
    assert code == 2 and not out
    assert err.count("\n") == 1 and message in err, err


def test_a_file_that_raises_is_one_line_with_its_line_number(nn, tmp_path, capsys):
    path = tmp_path / "bad.py"
    path.write_text("x = 1\nraise ValueError('no model here')\n")
    code, out, err = run(["render", "--torch", f"{path}:Net", "--input-shape", "1x3x3"], capsys)
    assert (code, out) == (2, "")
    assert err == f"symconv: error: {path}: running it raised ValueError: no model here (line 2)\n"


def test_the_main_block_does_not_run_and_the_file_can_import_its_neighbours(nn, tmp_path, capsys):
    (tmp_path / "parts.py").write_text("from torch import nn\n\ndef make():\n    return nn.Sequential(nn.Conv2d(1, 1, 2))\n")
    (tmp_path / "net.py").write_text("from parts import make\nif __name__ == '__main__':\n    raise SystemExit(5)\n")
    code, out, err = run(["import", f"{tmp_path / 'net.py'}:make", "--input-shape", "1x3x3"], capsys)
    assert code == 0 and 'type = "conv"' in out, err


def test_unsupported_operations_and_modules_name_what_is_supported(nn):
    import torch

    from symconv.spec import SpecError
    from symconv.torch_import import from_torch

    class Viewing(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 2)

        def forward(self, x):
            return self.conv(x).view(x.size(0), -1)

    class Branchy(nn.Module):
        def forward(self, x):
            return x if x.sum() > 0 else -x

    with pytest.raises(SpecError, match=r"^operation 'size' \(node 'size'\) is not supported: symconv imports Conv2d"):
        from_torch(Viewing(), (1, 3, 3))
    with pytest.raises(SpecError, match="cannot be traced by torch.fx"):
        from_torch(Branchy(), (1, 3, 3))
    with pytest.raises(SpecError, match="is not a PyTorch module"):
        from_torch(torch.zeros(3), (1, 3, 3))
    with pytest.raises(SpecError, match=r"'0' \(Dropout\): training mode with p=0.5"):
        from_torch(nn.Sequential(nn.Dropout()), (1, 3, 3))
    with pytest.raises(SpecError, match="loss NLLLoss is not supported"):
        from_torch(nn.Sequential(nn.Flatten()), (1, 3, 3), loss=nn.NLLLoss())


def test_the_other_kinds_are_mapped_to_the_issues_names(nn):
    """Kinds being built elsewhere: the importer writes the issue's TOML names (refused, naming the
    module, until symconv knows the kind), as the tables show."""
    import torch

    from symconv.torch_import import _module_table

    table = lambda m: _module_table(torch, "m", m)
    assert table(nn.Conv2d(1, 2, 2, padding="same", padding_mode="reflect"))["padding"] == "same"
    assert table(nn.Conv2d(1, 2, 3, padding=1, padding_mode="circular"))["padding_mode"] == "circular"
    assert table(nn.AvgPool2d(3, 2, 1, ceil_mode=True, count_include_pad=False, divisor_override=4)) == {
        "type": "avgpool", "window": [3, 3], "stride": [2, 2], "padding": [1, 1], "count_include_pad": False,
        "divisor_override": 4, "ceil_mode": True}
    assert table(nn.MaxPool2d(3, 1, 1, dilation=(2, 1))) == {"type": "maxpool", "window": [3, 3], "stride": [1, 1],
                                                               "padding": [1, 1], "dilation": [2, 1]}
    assert table(nn.AdaptiveAvgPool2d((7, 7))) == {"type": "adaptive_avgpool", "output_size": [7, 7]}
    assert table(nn.AdaptiveMaxPool2d(1)) == {"type": "adaptive_maxpool", "output_size": [1, 1]}
    assert table(nn.Dropout(0.3).eval()) == {"type": "dropout", "p": 0.3}
    assert table(nn.GroupNorm(2, 4)) == {"type": "groupnorm", "groups": 2, "eps": 1e-5, "affine": True}


def test_pytorch_missing_is_one_line_saying_how_to_install_it(monkeypatch, capsys, tmp_path):
    monkeypatch.setitem(sys.modules, "torch", None)  # import torch raises ImportError
    (tmp_path / "m.py").write_text("")
    code, out, err = run(["import", f"{tmp_path / 'm.py'}:Net", "--input-shape", "1x3x3"], capsys)
    assert (code, out) == (2, "")
    assert err == "symconv: error: PyTorch is not installed: pip install 'symconv[torch]' (or pip install torch)\n"


def test_a_network_file_keeps_each_layers_module_and_refuses_a_bad_one():
    from symconv.network import NetworkSpec
    from symconv.spec import SpecError

    data = {"input": [1, 3, 3], "layer": [{"type": "conv", "module": "features.0", "out_channels": 1, "kernel": [2, 2]},
                                          {"type": "relu"}]}
    spec = NetworkSpec.from_dict(data)
    assert [layer.get("module") for layer in spec.as_dict()["layers"]] == ["features.0", None]
    assert spec.modules == ("features.0", None)
    with pytest.raises(SpecError, match=r"^layer 2: module 3 is not valid: give the qualified name"):
        NetworkSpec.from_dict({**data, "layer": [data["layer"][0], {"type": "relu", "module": 3}]})


@pytest.mark.parametrize("argv, message", [
    (["render", "--torch", "{file}:chain"], "--torch needs --input-shape CxHxW"),
    (["render", "--input-shape", "1x3x3"], "--input-shape goes with --torch FILE.py:NAME"),
    (["render", "--torch", "{file}:chain", "--input-shape", "1x3x3", "--kernel", "3"], "--kernel does not go with --torch"),
    (["render", "--torch", "{file}:chain", "--input-shape", "1x3x3", "--loss", "nll"], "--loss 'nll' is not valid"),
    (["render", "--torch", "{file}:chain", "--input-shape", "1x3x3", "--loss", "cross-entropy", "--targets", "soft"],
     "--targets 'soft' is not valid: give indices or probabilities"),
    (["render", "--torch", "{file}:chain", "--input-shape", "1x3x3", "--loss", "mse", "--targets", "probabilities"],
     "--targets probabilities goes with --loss cross-entropy"),
    (["render", "--targets", "probabilities"], "--targets goes with --torch FILE.py:NAME"),
    (["verify", "--targets", "indices"], "--targets goes with --model FILE.py:NAME"),
])
def test_render_torch_options_that_do_not_fit_are_one_line(nn, model_file, capsys, argv, message):
    code, out, err = run([a.format(file=model_file) for a in argv], capsys)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1 and message in err, err


def test_render_torch_with_a_batch_takes_batch_normalization_in_training_mode(nn, tmp_path, capsys):
    path = tmp_path / "bn.py"
    path.write_text("from torch import nn\n\ndef net():\n    return nn.Sequential(nn.Conv2d(1, 2, 2), nn.BatchNorm2d(2))\n")
    code, out, err = run(["render", "--torch", f"{path}:net", "--input-shape", "1x2x2", "--format", "json", "--out", "-"],
                         capsys)
    assert code == 2 and "module '1' (BatchNorm2d), layer 2 (batchnorm): it normalizes over a batch" in err, err
    code, out, err = run(["render", "--torch", f"{path}:net", "--input-shape", "1x2x2", "--batch", "2", "--format",
                          "json", "--out", "-"], capsys)
    assert code == 0 and json.loads(out)["spec"]["batch"] == 2, err


def test_the_network_file_writer_reads_back_every_kind_of_value(nn):
    """Floats (running statistics, eps, a formula's params), strings with quotes, backslashes and non-ASCII
    names, inline tables: tomllib reads the text back to the same tables."""
    import tomllib

    import torch

    from symconv.network_toml import dumps
    from symconv.torch_import import imported

    bn = nn.BatchNorm2d(2, eps=1e-3)
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([0.1, -2.5e-7]))
        bn.running_var.copy_(torch.tensor([3.0, 1e20]))
    module = nn.Sequential(nn.Conv2d(1, 2, 2), bn, nn.Softplus(beta=2.0), nn.LeakyReLU(), nn.GELU()).eval()
    data, spec = imported(module, (1, 3, 3))
    text = dumps(data, "a comment")
    assert tomllib.loads(text) == json.loads(json.dumps(data))
    odd = {"input": [1], "layer": [{"type": "activation", "module": 'blocks."é\\\\n', "formula": "z", "params": {}},
                                   {"type": "activation", "formula": "a*z", "params": {"a b": 0.5, "c": 1e-300}}]}
    assert tomllib.loads(dumps(odd)) == odd


def test_what_the_model_file_prints_goes_to_standard_error(nn, tmp_path, capsys):
    import tomllib

    path = tmp_path / "loud.py"
    path.write_text("from torch import nn\nprint('loading the model')\n\n"
                    "class Net(nn.Module):\n    def __init__(self):\n        super().__init__()\n        print('built')\n"
                    "        self.conv = nn.Conv2d(1, 1, 2)\n\n    def forward(self, x):\n        print('traced')\n"
                    "        return self.conv(x)\n")
    code, out, err = run(["import", f"{path}:Net", "--input-shape", "1x3x3"], capsys)
    assert code == 0 and tomllib.loads(out)["layer"][0]["type"] == "conv"
    assert err.splitlines() == ["loading the model", "built", "traced"]


def tutorial_net(nn, c1: int, c2: int, k: int, flat: int):
    """The Net of PyTorch's tutorial "Neural Networks"
    (https://pytorch.org/tutorials/beginner/blitz/neural_networks_tutorial.html), its forward as written
    there (F.relu, F.max_pool2d, torch.flatten), at smaller channel counts and kernels."""
    import torch
    import torch.nn.functional as F

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, c1, k)
            self.conv2 = nn.Conv2d(c1, c2, k)
            self.fc1 = nn.Linear(c2 * flat, 5)
            self.fc2 = nn.Linear(5, 4)
            self.fc3 = nn.Linear(4, 3)

        def forward(self, input):
            c1 = F.relu(self.conv1(input))
            s2 = F.max_pool2d(c1, (2, 2))
            c3 = F.relu(self.conv2(s2))
            s4 = F.max_pool2d(c3, 2)
            s4 = torch.flatten(s4, 1)
            f5 = F.relu(self.fc1(s4))
            f6 = F.relu(self.fc2(f5))
            output = self.fc3(f6)
            return output

    return Net()


def test_the_pytorch_tutorials_net_with_functional_calls_matches_pytorch(nn):
    # 1x12x12 -> conv 3x3: 2x10x10 -> pool 5x5 -> conv 3x3: 3x3x3 -> pool 1x1 -> 3 features.
    module = randomized(tutorial_net(nn, 2, 3, 3, 1), seed=8)
    compare(module, (1, 12, 12), seed=8)


def test_a_pooling_function_with_a_bad_setting_is_one_line(nn):
    import torch.nn.functional as F

    from symconv.spec import SpecError
    from symconv.torch_import import from_torch

    class Traced(nn.Module):
        def forward(self, x):
            return F.max_pool2d(x, 2, dilation=0)

    with pytest.raises(SpecError, match=r"^operation 'max_pool2d' \(node 'max_pool2d'\): dilation 0x0 is not valid: each "
                                        "value must be 1 or more$"):
        from_torch(Traced(), (1, 5, 5))


def test_max_pooling_with_dilation_imports_and_matches_pytorch(nn):
    """MaxPool2d's dilation, as a module and as F.max_pool2d, becomes the maxpool's dilation."""
    import torch.nn.functional as F

    from symconv.torch_import import from_torch

    class Dilated(nn.Module):
        def forward(self, x):
            return F.max_pool2d(x, 2, stride=1, padding=1, dilation=(2, 3), ceil_mode=True)

    assert from_torch(Dilated(), (1, 5, 6)).as_dict()["layers"][0]["dilation"] == [2, 3]
    compare(nn.Sequential(nn.MaxPool2d(3, stride=2, padding=1, dilation=2), Dilated()), (2, 7, 8), seed=3)


def tiny_unet(nn, interpolate: bool, channels: int = 2, norm: bool = True):
    """A small U-Net after milesial/Pytorch-UNet (unet/unet_parts.py: DoubleConv, Down, Up with bilinear=True,
    OutConv), each double convolution cut to one conv (with BatchNorm in the decoder) and the F.pad of `Up`
    left out (the sizes are even): encoder conv, max pooling and conv; bilinear upsampling by 2 (nn.Upsample with
    align_corners=True as `Up` writes it, or F.interpolate with align_corners=False); torch.cat([skip, up],
    dim=1); conv, BatchNorm (eval), ReLU; a 1x1 conv. With one channel and neither BatchNorm nor the 1x1 conv,
    it is examples/unet_decoder.toml."""
    import torch
    import torch.nn.functional as F

    class TinyUNet(nn.Module):
        def __init__(self):
            super().__init__()
            c = channels
            self.inc = nn.Sequential(nn.Conv2d(1, c, kernel_size=3, padding=1), nn.ReLU(inplace=True))
            self.down = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(c, c, kernel_size=3, padding=1), nn.ReLU(inplace=True))
            self.up = nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)
            self.conv = nn.Sequential(nn.Conv2d(2 * c, c, kernel_size=3, padding=1),
                                      *((nn.BatchNorm2d(c),) if norm else ()), nn.ReLU(inplace=True))
            self.outc = nn.Conv2d(c, 1, kernel_size=1) if norm else None

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down(x1)
            up = F.interpolate(x2, scale_factor=2, mode="bilinear", align_corners=False) if interpolate else self.up(x2)
            x = torch.cat([x1, up], dim=1)
            return self.conv(x) if self.outc is None else self.outc(self.conv(x))

    return TinyUNet()


@pytest.mark.parametrize("interpolate", [False, True])
def test_a_small_unet_decoder_matches_pytorch_on_the_module(nn, interpolate):
    import torch

    module = randomized(tiny_unet(nn, interpolate), seed=5).eval()
    with torch.no_grad():  # running statistics that are not 0 and 1
        module.conv[1].running_mean.copy_(torch.tensor([0.3, -0.2]))
        module.conv[1].running_var.copy_(torch.tensor([1.5, 0.7]))
    spec = __import__("symconv").from_torch(module, (1, 4, 4))
    ups = [layer for layer in spec.as_dict()["layers"] if layer["type"] == "upsample"]
    assert [(u["mode"], u["align_corners"]) for u in ups] == [("bilinear", not interpolate)]
    assert [layer["type"] for layer in spec.as_dict()["layers"]].count("concat") == 1
    errors = compare(module, (1, 4, 4), seed=5)
    assert set(errors) >= {"A[11]", "dL/dX", "dL/dK[1]", "dL/dK[8]", "dL/dgamma[9]", "dL/db[11]"} and max(errors.values()) < 1e-9


def test_upsample_modules_and_interpolate_map_to_upsample(nn):
    import torch
    import torch.nn.functional as F

    from symconv.spec import SpecError
    from symconv.torch_import import _module_table, from_torch

    table = lambda m: _module_table(torch, "m", m)
    assert table(nn.Upsample(scale_factor=1.5)) == {"type": "upsample", "scale": [1.5, 1.5], "mode": "nearest"}
    assert table(nn.Upsample(size=(5, 3), mode="bilinear")) == {"type": "upsample", "size": [5, 3], "mode": "bilinear",
                                                                "align_corners": False}
    assert table(nn.UpsamplingBilinear2d(scale_factor=2)) == {"type": "upsample", "scale": [2, 2], "mode": "bilinear",
                                                               "align_corners": True}
    assert table(nn.UpsamplingNearest2d(size=4)) == {"type": "upsample", "size": [4, 4], "mode": "nearest"}
    with pytest.raises(SpecError, match=r"^module 'm' \(Upsample\): mode 'bicubic' \(symconv upsamples by nearest or "
                                        r"bilinear\) is not supported$"):
        table(nn.Upsample(scale_factor=2, mode="bicubic"))

    class Interpolating(nn.Module):
        def __init__(self, **kwargs):
            super().__init__()
            self.kwargs = kwargs

        def forward(self, x):
            return F.interpolate(x, **self.kwargs)

    spec = from_torch(Interpolating(size=(5, 3), mode="nearest"), (1, 3, 2))
    assert spec.as_dict()["layers"][0]["size"] == [5, 3] and spec.shapes[-1] == (1, 5, 3)
    with pytest.raises(SpecError, match=r"operation 'interpolate' \(node 'interpolate'\): antialias=True is not supported"):
        from_torch(Interpolating(scale_factor=0.5, mode="bilinear", antialias=True), (1, 4, 4))
    with pytest.raises(SpecError, match="recompute_scale_factor=True is not supported"):
        from_torch(Interpolating(scale_factor=1.5, recompute_scale_factor=True), (1, 4, 4))


def test_the_unet_example_is_the_import_of_its_module_and_matches_pytorch(nn):
    """examples/unet_decoder.toml is what `symconv import` writes for the one-channel U-Net (its layers, their
    fields and modules), and that module matches PyTorch."""
    from symconv import load_network
    from symconv.torch_import import from_torch

    module = randomized(tiny_unet(nn, interpolate=False, channels=1, norm=False), seed=6).eval()
    imported = from_torch(module, (1, 4, 4)).as_dict()
    example = load_network(Path(__file__).parents[1] / "examples" / "unet_decoder.toml").as_dict()
    assert example["layers"] == imported["layers"] and example["input"] == imported["input"]
    compare(module, (1, 4, 4), seed=6)
