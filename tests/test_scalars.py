"""Threshold metrics and jitter, on tiny exact inputs."""

import numpy as np
import pytest

from litcore.api.errors import LumenError
from litcore.metrics.scalars import jitter, threshold_metrics

LABELS = ("neg", "pos")


def test_threshold_metrics_count_exactly():
    gold = ["pos", "pos", "neg", "neg", "pos", "other"]
    score = np.array([0.9, 0.4, 0.6, 0.1, 0.7, 0.99])
    at_half = threshold_metrics(gold, score, LABELS, 0.5)
    assert (at_half["tp"], at_half["fp"], at_half["fn"], at_half["tn"]) == (2, 1, 1, 1)
    assert at_half["n"] == 5 and at_half["accuracy"] == pytest.approx(0.6)
    assert at_half["precision"] == pytest.approx(2 / 3)
    assert at_half["recall"] == pytest.approx(2 / 3)
    strict = threshold_metrics(gold, score, LABELS, 0.95)
    assert strict["tp"] == 0 and strict["precision"] == 0.0 and strict["f1"] == 0.0
    assert threshold_metrics(gold, score, LABELS, 0.0)["recall"] == 1.0


@pytest.mark.parametrize(
    "labels, threshold", [(("a", "b", "c"), 0.5), (LABELS, 1.5), (LABELS, -0.1)]
)
def test_bad_thresholds_and_label_sets_raise(labels, threshold):
    with pytest.raises(LumenError):
        threshold_metrics(["a"], np.array([0.5]), labels, threshold)


def test_no_scored_rows_raise():
    with pytest.raises(LumenError, match="No examples"):
        threshold_metrics(["x"], np.array([0.5]), LABELS, 0.5)


def test_jitter_is_bounded_and_reproducible():
    offsets = jitter(1000, 0.2, seed=3)
    assert np.abs(offsets).max() <= 0.2 and offsets.std() > 0.05
    assert np.array_equal(offsets, jitter(1000, 0.2, seed=3))
