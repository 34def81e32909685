"""A loss that is a sum over its input's entries names each entry's term (Layer.loss_terms): the terms
worked examples call E_{o1}, E_{o2}. Each term is checked against its definition in NumPy, and L against
their sum, at random values."""

from __future__ import annotations

import numpy as np
import pytest

from symconv import derive
from symconv.layers import Dense, MeanSquaredError, SoftmaxCrossEntropy
from symconv.network import NetworkSpec


def _terms(loss, n: int):
    d = derive(NetworkSpec((n,), (Dense(n), loss)))
    record = d.records[-1]
    params = {key: d[name].symbols for key, name in record.params.items()}
    return d, record, record.layer.loss_terms(record.shape_in, d[record.output].symbols, params)


@pytest.mark.parametrize("reduction, scale", [("mean", None), ("sum", 1.0), ("half_sum", 0.5)])
@pytest.mark.parametrize("n", [1, 2, 3])
def test_squared_error_terms_are_each_output_s_scaled_square(reduction, scale, n):
    d, record, terms = _terms(MeanSquaredError(reduction), n)
    rng = np.random.default_rng(n)
    a, t = rng.normal(size=n), rng.normal(size=n)
    point = {**dict(zip(d[record.input].symbols, a)), **dict(zip(d[record.params["t"]].symbols, t))}
    point |= {s: e.xreplace(point) for s, e in zip(d[record.output].symbols, d[record.output].entries)}
    c = 1 / n if scale is None else scale
    got = np.array([float(term.xreplace(point)) for term in terms])
    np.testing.assert_allclose(got, c * (a - t) ** 2, rtol=1e-12)
    np.testing.assert_allclose(got.sum(), float(d[record.params["L"]].entries[0].xreplace(point)), rtol=1e-12)


@pytest.mark.parametrize("n", [2, 3, 4])
def test_cross_entropy_terms_are_each_class_s_minus_t_log_p(n):
    d, record, terms = _terms(SoftmaxCrossEntropy(), n)
    rng = np.random.default_rng(n)
    f, t = rng.normal(size=n), rng.dirichlet(np.ones(n))
    point = {**dict(zip(d[record.input].symbols, f)), **dict(zip(d[record.params["t"]].symbols, t))}
    point |= {s: e.xreplace(point) for s, e in zip(d[record.output].symbols, d[record.output].entries)}
    p = np.exp(f - f.max()) / np.exp(f - f.max()).sum()
    got = np.array([float(term.xreplace(point)) for term in terms])
    np.testing.assert_allclose(got, -t * np.log(p), rtol=1e-12)
    np.testing.assert_allclose(got.sum(), float(d[record.params["L"]].entries[0].xreplace(point)), rtol=1e-12)


def test_a_layer_that_is_no_sum_over_entries_has_no_terms():
    d = derive(NetworkSpec((2,), (Dense(2),)))
    record = d.records[-1]
    assert record.layer.loss_terms(record.shape_in, d[record.output].symbols, {}) is None
