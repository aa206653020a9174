"""Logistic regression by L-BFGS in torch: scikit-learn's fit, without its import."""

import numpy as np
import pytest
import torch
from sklearn.linear_model import LogisticRegression

from litcore.models.logistic import fit_logistic_regression


def separable_ish(classes, n=240, features=12, seed=0):
    rng = np.random.default_rng(seed)
    gold = rng.choice(classes, size=n)
    centres = rng.normal(size=(max(classes) + 1, features))
    return centres[gold] + rng.normal(scale=2.0, size=(n, features)), gold


@pytest.mark.parametrize("classes", [(0, 1), (3, 7), (0, 2, 4)])
@pytest.mark.parametrize("regularisation", [0.03, 1.0])
def test_the_fit_is_scikit_learns(classes, regularisation):
    features, gold = separable_ish(classes)
    fitted = fit_logistic_regression(features, gold, regularisation)
    expected = LogisticRegression(C=regularisation, tol=1e-10, max_iter=10_000)
    expected.fit(features, gold)
    assert fitted.classes == list(expected.classes_)
    np.testing.assert_allclose(fitted.coef, expected.coef_, atol=1e-4)
    np.testing.assert_allclose(fitted.intercept, expected.intercept_, atol=1e-4)
    np.testing.assert_array_equal(fitted.predict(features), expected.predict(features))


def test_it_fits_inside_inference_mode_and_restores_the_thread_count():
    features, gold = separable_ish((0, 1))
    threads = torch.get_num_threads()
    with torch.inference_mode():
        fitted = fit_logistic_regression(features, gold)
    assert torch.get_num_threads() == threads
    assert np.mean(fitted.predict(features) == gold) > 0.7


@pytest.mark.parametrize(
    ("gold", "regularisation", "message"),
    [
        (np.zeros(4, dtype=int), 1.0, "two classes"),
        (np.array([0, 1, 0]), 1.0, "3 labels"),
        (np.array([0, 1, 0, 1]), 0.0, "must be > 0"),
    ],
)
def test_bad_input_is_refused(gold, regularisation, message):
    with pytest.raises(ValueError, match=message):
        fit_logistic_regression(np.ones((4, 2)), gold, regularisation)
