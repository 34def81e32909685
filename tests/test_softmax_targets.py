"""Softmax with cross-entropy against targets that need not sum to 1 (issue 25).

L = -sum_k t_k log p_k has dL/df_k = p_k sum_j t_j - t_k; PyTorch's cross_entropy with probability
targets does not require sum_j t_j = 1. With target = "any" symconv derives that general form; with the
default target = "one-hot" (class indices) it derives p - t, which the spec states needs the sum to be 1.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy import diff, expand, symbols

from symconv import derive
from symconv.layers import SoftmaxCrossEntropy
from symconv.network import NetworkSpec
from symconv.numeric.verify import random_leaves
from symconv.rendering.json_format import to_json
from symconv.spec import SpecError

from .conftest import need_torch
from .test_network import rules


@pytest.mark.parametrize("n", [1, 2, 3, 4])
def test_the_general_target_gives_sympys_derivative_of_the_definition_for_any_t(n):
    f, p, t = symbols(f"f1:{n + 1}"), symbols(f"p1:{n + 1}"), symbols(f"t1:{n + 1}")
    forward, backward = rules(SoftmaxCrossEntropy(target="any"), f, p, params={"t": t})
    probs, (loss,) = forward["out"], forward["L"]
    loss_of_f = loss.subs(dict(zip(p, probs)))
    for k in range(n):
        claimed = backward[k].subs(dict(zip(p, probs)))
        # exactly, with no premise on t: the difference is zero as a rational function of exp(f)
        assert expand((diff(loss_of_f, f[k]) - claimed).rewrite("exp").together().as_numer_denom()[0]) == 0
    # ... while the one-hot form is not that derivative (the test above could fail):
    _, one_hot = rules(SoftmaxCrossEntropy(), f, p, params={"t": t})
    if n > 1:
        assert expand(backward[0] - one_hot[0]) != 0


def test_a_bad_target_kind_is_one_line():
    with pytest.raises(SpecError, match=r"^target 'soft' is not valid: use one of one-hot, any$"):
        SoftmaxCrossEntropy(target="soft")


def _network(n_in, n_out, batch, reduction, target="any"):
    return NetworkSpec.from_dict({"input": [n_in], **({"batch": batch} if batch else {}), "layer": [
        {"type": "dense", "out_features": n_out, "bias": True},
        {"type": "softmax_cross_entropy", "reduction": reduction, "target": target}]})


def test_random_test_targets_of_the_general_kind_do_not_sum_to_one():
    leaves = random_leaves(derive(_network(3, 4, 2, "mean")), seed=1)
    t = next(v for k, v in leaves.items() if k.startswith("t"))
    assert np.all(t > 0) and not np.allclose(t.sum(axis=-1), 1)


@settings(max_examples=12, deadline=None)
@given(n_in=st.integers(1, 3), n_out=st.integers(2, 4), batch=st.sampled_from([None, 2, 3]),
       reduction=st.sampled_from(["mean", "sum"]), seed=st.integers(0, 10**6), scale=st.floats(0.05, 5.0))
def test_targets_not_summing_to_one_match_pytorch_autograd_from_the_plain_sympy_json(
        plain_sympy, n_in, n_out, batch, reduction, seed, scale):
    need_torch()
    import torch

    spec = _network(n_in, n_out, batch, reduction)
    d = derive(spec)
    rng = np.random.default_rng(seed)
    leaves = {t.name: rng.standard_normal(t.shape) for t in d.tensors if t.entries is None}
    target_name = next(name for name in leaves if name.startswith("t"))
    leaves[target_name] = rng.uniform(0, 1, leaves[target_name].shape) * scale  # sums anywhere in (0, 5n)
    got = plain_sympy(to_json(d), leaves)
    rows = (lambda a: a) if batch else (lambda a: a[None])
    x = torch.tensor(rows(leaves["X"]), dtype=torch.float64, requires_grad=True)
    w_name, b_name = next(k for k in leaves if k.startswith("W")), next(k for k in leaves if k.startswith("b"))
    w = torch.tensor(leaves[w_name], requires_grad=True)
    b = torch.tensor(leaves[b_name], requires_grad=True)
    loss = torch.nn.functional.cross_entropy(x @ w.T + b, torch.tensor(rows(leaves[target_name])),
                                             reduction=reduction)
    loss.backward()
    for name, theirs in (("L", loss.detach().numpy()), ("dL/dX", x.grad), (f"dL/d{w_name}", w.grad),
                         (f"dL/d{b_name}", b.grad)):
        theirs = np.asarray(theirs, dtype=float).ravel()
        assert np.allclose(got[name], theirs, rtol=1e-9, atol=1e-9), name
    # the one-hot form at the same numbers is not PyTorch's gradient (the comparison above could fail)
    wrong = plain_sympy(to_json(derive(_network(n_in, n_out, batch, reduction, "one-hot"))), leaves)
    if batch is None and abs(leaves[target_name].sum() - 1) > 1e-3:  # then dL/db = p (sum(t) - 1) off
        assert not np.allclose(wrong[f"dL/d{b_name}"], np.asarray(b.grad).ravel(), rtol=1e-9, atol=1e-9)


def test_the_numpy_reference_and_pytorch_check_the_general_form():
    need_torch()
    from symconv import verify

    for batch in (None, 2):
        report = verify(derive(_network(2, 3, batch, "sum")), seed=3, use_torch=True)
        assert report.ok, report


def test_class_indices_stay_one_hot_and_probabilities_become_the_general_form():
    need_torch()
    import torch

    from symconv import from_torch

    module = torch.nn.Sequential(torch.nn.Linear(3, 4))
    indices = from_torch(module, (3,), loss=torch.nn.CrossEntropyLoss())
    soft = from_torch(module, (3,), loss=torch.nn.CrossEntropyLoss(reduction="sum"), targets="probabilities")
    assert indices.layers[-1].target == "one-hot" and soft.layers[-1].target == "any"
    with pytest.raises(SpecError, match=r"^targets 'soft' is not valid: use one of indices, probabilities$"):
        from_torch(module, (3,), loss=torch.nn.CrossEntropyLoss(), targets="soft")
