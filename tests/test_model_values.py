"""--model-values (issue 25): the worked example and verify at a PyTorch module's own parameters, checked against
PyTorch running the module itself (its output or loss, the input's and every parameter's gradient)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from .conftest import need_torch

MODEL = '''
import torch
import torch.nn as nn
import torch.nn.functional as F


class Small(nn.Module):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = nn.Conv2d(1, 2, 2)
        self.fc = nn.Linear(8, 3)

    def forward(self, x):
        x = F.interpolate(torch.relu(self.conv(x)), scale_factor=2, mode="bilinear")
        return self.fc(torch.flatten(F.max_pool2d(x, 2), 1))
'''


@pytest.fixture
def small():
    need_torch()
    namespace: dict = {}
    exec(compile(MODEL, "model.py", "exec"), namespace)
    return namespace["Small"]()


def _imported(module, loss=None):
    from symconv import derive
    from symconv.torch_import import from_torch, module_values

    spec = from_torch(module, (1, 3, 3), loss=loss)
    return derive(spec), module_values(module, spec, loss)


def test_the_worked_example_holds_the_modules_parameters_and_matches_it(small):
    import torch

    from symconv.example import worked_example
    from symconv.numeric.example import check

    d, values = _imported(small, torch.nn.CrossEntropyLoss())
    example = worked_example(d, 0, fixed=values.given)
    given = {v.name: np.array([float(x) for x in v.values]) for v in example.given}
    assert set(example.fixed) == {"K[1]", "b[1]", "W[6]", "b[6]"}
    assert np.array_equal(given["K[1]"], small.conv.weight.detach().numpy().ravel())  # exactly the module's
    assert np.array_equal(given["W[6]"], small.fc.weight.detach().numpy().ravel())
    assert given["X"].tolist() == [float(n) for n in given["X"]] and all(n == int(n) for n in given["X"])
    check(d, example, values.run)  # NumPy and PyTorch on the module agree with every derived number
    ran = values.run({v.name: np.array([float(x) for x in v.values]).reshape(v.shape) for v in example.given})
    derived = {v.name: np.array([float(x) for x in v.values]) for v in example.derived}
    assert {"L", "dL/dK[1]", "dL/dW[6]", "dL/db[6]"} <= set(derived) & set(ran)
    np.testing.assert_allclose(derived["dL/dK[1]"], ran["dL/dK[1]"].ravel(), atol=1e-12)


def test_a_worked_example_that_differs_from_the_module_is_caught(small):
    from symconv.example import worked_example
    from symconv.numeric.example import check

    d, values = _imported(small)
    example = worked_example(d, 0, fixed=values.given)
    wrong = lambda leaves: {**values.run(leaves), "dL/dK[1]": values.run(leaves)["dL/dK[1]"] + 1e-6}
    with pytest.raises(AssertionError, match=r"dL/dK\[1\] differs from PyTorch on the module"):
        check(d, example, wrong)


def test_verify_at_the_modules_parameters_compares_with_the_module_itself(small):
    from symconv import verify

    d, values = _imported(small)
    report = verify(d, seed=3, model_values=values)
    on_module = {c.tensor for c in report.comparisons if c.reference == "module"}
    assert report.ok and on_module == {"A[6]", "dL/dX", "dL/dK[1]", "dL/db[1]", "dL/dW[6]", "dL/db[6]"}, report
    # random parameters in place of the module's: the module disagrees
    from symconv.numeric.verify import verify as verify_numeric

    report = verify_numeric(d, seed=3, on_module=values.run)
    assert not report.ok and not all(c.ok for c in report.comparisons if c.reference == "module")


def test_the_command_line(tmp_path, capsys):
    need_torch()
    from symconv.cli import main

    (tmp_path / "model.py").write_text(MODEL)
    model = f"{tmp_path / 'model.py'}:Small"

    def run(*argv):
        with pytest.raises(SystemExit) as exit_:
            main(list(argv))
        out, err = capsys.readouterr()
        return exit_.value.code, out, err

    code, out, err = run("render", "--torch", model, "--input-shape", "1x3x3", "--model-values", "--format", "md",
                         "--out", str(tmp_path / "out"))
    assert code == 0, err
    text = (tmp_path / "out" / "derivation.md").read_text()
    assert "the model's own parameters, as PyTorch holds them" in text and "agrees with PyTorch running the module itself" in text
    code, out, err = run("verify", "--model", model, "--input-shape", "1x3x3", "--model-values")
    assert code == 0 and re.search(r"^dL/dK\[1\] +module +\S+  ok$", out, re.M) and "at the module's own parameters" in out, out + err
    code, out, err = run("render", "--model-values", "--format", "md", "--out", str(tmp_path / "x"))
    assert code == 2 and err.strip().splitlines() == [
        "symconv: error: --model-values goes with --torch FILE.py:NAME: the values are a PyTorch module's"]
    assert not (tmp_path / "x").exists()


def test_a_model_too_large_for_a_worked_example_says_so():
    need_torch()
    import torch

    from symconv import derive, render
    from symconv.torch_import import from_torch, module_values

    from .test_torch_import import tiny_unet

    module = tiny_unet(torch.nn, interpolate=False).eval()
    spec = from_torch(module, (1, 4, 4))
    rendered = render(derive(spec), ("md",), model_values=module_values(module, spec))
    assert "## A worked example" not in rendered.files["derivation.md"].decode()
    assert rendered.notes == ["the model's values are not shown: the network is too large for a worked example "
                              "(verify --model FILE.py:NAME --model-values checks every entry at them)"]
