"""Exact distances to UMAP's fitted sample, against SciPy's in float64."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist

from litcore.projection_distances import exact_distances

SCIPY_NAMES = {
    "cosine": "cosine",
    "correlation": "correlation",
    "euclidean": "euclidean",
    "manhattan": "cityblock",
}


@pytest.mark.parametrize("metric", list(SCIPY_NAMES))
def test_each_metric_matches_scipy_in_float64(metric):
    rng = np.random.default_rng(0)
    # A large common offset, as pooled embeddings have, and row counts that are
    # not multiples of the four rows the manhattan loop takes at a time.
    points = (5.0 + rng.normal(size=(7, 24))).astype(np.float16)
    fitted = (5.0 + rng.normal(size=(11, 24))).astype(np.float32)
    expected = cdist(points.astype(np.float64), fitted, SCIPY_NAMES[metric])
    distances = exact_distances(points, fitted, metric)
    assert distances.shape == (7, 11) and distances.dtype == np.float32
    assert distances == pytest.approx(expected, rel=1e-4, abs=1e-5)
    itself = exact_distances(fitted, fitted, metric)
    assert (itself >= 0).all()
    assert np.diag(itself) == pytest.approx(0.0, abs=1e-3)


def test_a_zero_row_is_at_cosine_distance_one_from_every_point():
    points = np.array([[0.0, 0.0], [1.0, 0.0]], dtype=np.float32)
    fitted = np.array([[2.0, 0.0], [0.0, 3.0], [-1.0, 0.0]], dtype=np.float32)
    assert exact_distances(points, fitted, "cosine").tolist() == [
        [1.0, 1.0, 1.0],
        [0.0, 1.0, 2.0],
    ]


def test_an_unknown_metric_raises_a_value_error():
    with pytest.raises(ValueError, match="Unknown metric 'hamming'"):
        exact_distances(np.ones((1, 2)), np.ones((1, 2)), "hamming")
