"""check reads notes on one feature at a time, as the batch-normalization paper writes them (grading/features.py).

The network: a batch of m = 3 vectors of 2 features, batch normalization (training mode, eps 1e-5),
the mean squared error. The expected verdicts are Ioffe and Szegedy's (2015) Algorithm 1 and their
back-propagation equations, worked by hand: the variance is the biased one (1/m), and
dL/dsigma^2 = sum_i dL/dxhat_i (x_i - mu) (-1/2) (sigma^2 + eps)^{-3/2}.
"""

from __future__ import annotations

import pytest

from symconv import derive
from symconv.grading import check_notes
from symconv.network import NetworkSpec

NET = derive(NetworkSpec.from_dict({"batch": 3, "input": [2], "layer": [{"type": "batchnorm"}, {"type": "mse"}]}))

SAID = "As in the paper, we look at one feature and drop its index $k$.\n\n$$ y_i = \\gamma \\hat x_i + \\beta $$\n\n"


@pytest.mark.parametrize("claim, status", [
    (r"\mu_\mathcal{B} = \frac{1}{m}\sum_{i=1}^{m} x_i", "right"),
    (r"\mu_\mathcal{B} = \frac{1}{m-1}\sum_{i=1}^{m} x_i", "wrong"),
    (r"\sigma_\mathcal{B}^2 = \frac{1}{m}\sum_{i=1}^{m} (x_i - \mu_\mathcal{B})^2", "right"),
    (r"\sigma_\mathcal{B}^2 = \frac{1}{m-1}\sum_{i=1}^{m} (x_i - \mu_\mathcal{B})^2", "wrong"),  # the unbiased one
    (r"\hat x_i = \frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma_\mathcal{B}^2 + \epsilon}}", "right"),
    (r"\frac{\partial L}{\partial \sigma_\mathcal{B}^2} = \sum_{i=1}^{m} \frac{\partial L}{\partial \hat x_i}"
     r"(x_i - \mu_\mathcal{B}) \cdot \left(-\frac{1}{2}\right)(\sigma_\mathcal{B}^2 + \epsilon)^{-3/2}", "right"),
    (r"\frac{\partial L}{\partial \sigma_\mathcal{B}^2} = \sum_{i=1}^{m} \frac{\partial L}{\partial \hat x_i}"
     r"(x_i - \mu_\mathcal{B}) \cdot \left(-\frac{1}{2}\right)(\sigma_\mathcal{B}^2 + \epsilon)^{-1/2}", "wrong"),
    (r"\frac{\partial L}{\partial \hat x_i} = \frac{\partial L}{\partial y_i} \gamma", "right"),
    (r"\frac{\partial L}{\partial \beta} = \sum_{i=1}^{m} \frac{\partial L}{\partial y_i}", "right"),
    (r"\frac{\partial L}{\partial \gamma} = \sum_{i=1}^{m} \frac{\partial L}{\partial y_i}", "wrong"),  # \hat x_i left out
    # an identity: the left side is an expression, judged by its value
    (r"\sum_{i=1}^{m} \hat x_i = 0", "right"),
    (r"\sum_{i=1}^{m} (x_i - \mu_\mathcal{B})^2 = m \sigma_\mathcal{B}^2", "right"),
    (r"\sum_{i=1}^{m} \hat x_i = \mu_\mathcal{B}", "wrong"),
])
def test_each_claim_on_one_feature_is_judged_for_every_feature(claim, status):
    verdicts = check_notes(SAID + f"$$ {claim} $$", NET)
    assert [v.status for v in verdicts] == ["right", status], verdicts[1]
    assert "one feature of 2 at a time" in verdicts.conventions.describe()


def test_the_paper_s_subscript_b_says_so_too():
    verdicts = check_notes(r"$$ \mu_B = \frac{1}{m}\sum_{i=1}^{m} x_i $$", NET)
    assert verdicts[0].status == "right" and verdicts.conventions.features == 2


def test_notes_that_do_not_say_so_must_write_the_feature():
    (verdict,) = check_notes(r"$$ \frac{\partial L}{\partial \hat x_i} = 0 $$", NET)
    assert verdict.status == "not understood" and "several channels" in verdict.reason
    assert check_notes(r"$$ \frac{\partial L}{\partial \hat x_i} = 0 $$", NET).conventions.features == 0
