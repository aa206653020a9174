"""``top_rows``, the nearest neighbours' partial sort: the same rows in the same
order as a stable sort of every score, ties, NaN and -inf included."""

from __future__ import annotations

import numpy as np
import pytest

from litcore.projection import top_rows


@pytest.mark.parametrize("seed", range(6))
def test_top_rows_equal_a_stable_sort_of_every_score(seed):
    rng = np.random.default_rng(seed)
    scores = rng.integers(-5, 6, 300).astype(np.float32) / 4  # many ties
    scores[rng.integers(0, 300, 3)] = -np.inf
    if seed % 2:
        scores[rng.integers(0, 300, 4)] = np.nan
    for k in (0, 1, 2, 7, 50, 299, 300, 301):
        expected = np.argsort(-scores, kind="stable")[:k]
        np.testing.assert_array_equal(top_rows(scores, k), expected)


def test_top_rows_of_one_score_and_of_none():
    assert top_rows(np.array([0.5], np.float32), 1).tolist() == [0]
    assert top_rows(np.array([0.5], np.float32), 0).tolist() == []
    assert top_rows(np.array([], np.float32), 3).tolist() == []
