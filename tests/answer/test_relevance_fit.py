"""The relevance model's fit: a logistic regression whose rule-bearing columns may only lower relevance."""

from __future__ import annotations

import numpy as np

from curbside.answer.relevance import fit_logistic


def _data(seed: int = 0):
    rng = np.random.default_rng(seed)
    n = 2000
    good = rng.random(n) < 0.5            # a useful feature
    noisy = rng.random(n) < 0.3           # a column the labels happen to favour (label noise)
    p = 1 / (1 + np.exp(-(-1.0 + 2.0 * good + 0.8 * noisy)))
    y = (rng.random(n) < p).astype(float)
    X = np.column_stack([np.ones(n), good, noisy]).astype(float)
    return X, y


def test_unconstrained_fit_recovers_the_signs():
    w = fit_logistic(*_data(), l2=0.1)
    assert w[1] > 1.5 and w[2] > 0.5


def test_a_nonpositive_column_is_held_at_zero_when_the_data_push_it_up_and_the_rest_still_fit():
    X, y = _data()
    w = fit_logistic(X, y, l2=0.1, nonpositive=(2,))
    assert w[2] == 0.0 and w[1] > 1.5
    # a column that really lowers relevance keeps its negative weight
    w = fit_logistic(np.column_stack([X[:, :2], 1 - X[:, 2]]), y, l2=0.1, nonpositive=(2,))
    assert w[2] < -0.5
