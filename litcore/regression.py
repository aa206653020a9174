"""Regression: metrics, and scores through the prediction store.

The metrics are computed with numpy here (the tests check them against
scikit-learn and scipy). Scores are stored like class probabilities, as a
one-column array under the regressor's fingerprint, so a model's scores are
computed once per example and shared by every session.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from litcore.cache import PredictionStore
from litcore.errors import LumenError
from litcore.metrics import average_ranks
from litcore.models.classifier import Predictions, ProgressFn
from litcore.models.regressor import Regressor
from litcore.predictions import predict_dataset

METRIC_NAMES = ("mse", "mae", "pearson", "spearman")
# The movie demo's rating column (VADER's mean human rating, -4..+4).
DEMO_TARGET = "rating"


# --- metrics --------------------------------------------------------------------


def regression_metrics(gold: Sequence[float], predicted: Sequence[float]) -> dict:
    """MSE, MAE, Pearson's r and Spearman's rho over the examples with a gold value.

    Args:
        gold: ``<float>[n]`` gold values; NaN marks a missing one (left out).
        predicted: ``<float>[n]`` predicted scores.

    Returns:
        ``n``, ``mse``, ``mae``, ``pearson``, ``spearman``. The correlations are
        NaN when either side is constant.

    Raises:
        LumenError: lengths differ, or fewer than two examples have a gold value.
    """
    gold, predicted = np.asarray(gold, float), np.asarray(predicted, float)
    if gold.shape != predicted.shape:
        raise LumenError(
            f"{len(gold)} gold values but {len(predicted)} predictions: give one each."
        )
    known = ~np.isnan(gold)
    if known.sum() < 2:
        raise LumenError(
            "Regression metrics need at least two examples with a gold value."
        )
    gold, predicted = gold[known], predicted[known]
    error = predicted - gold
    return {
        "n": int(known.sum()),
        "mse": float(np.mean(error**2)),
        "mae": float(np.mean(np.abs(error))),
        "pearson": pearson(gold, predicted),
        "spearman": pearson(average_ranks(gold), average_ranks(predicted)),
    }


def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation of two ``<float>[n]`` arrays; NaN if one is constant."""
    x_centred, y_centred = x - x.mean(), y - y.mean()
    scale = np.sqrt((x_centred**2).sum() * (y_centred**2).sum())
    if scale == 0:
        return float("nan")
    return float(np.clip((x_centred * y_centred).sum() / scale, -1.0, 1.0))


# --- scores through the prediction store ----------------------------------------


class _StoredScores:
    """A regressor as ``predict_dataset`` sees it: scores as a one-column array."""

    def __init__(self, model: Regressor) -> None:
        self.model = model
        self.fingerprint = model.fingerprint

    def predict(self, texts, texts_b=None, progress=None) -> Predictions:
        scored = self.model.predict(texts, texts_b, progress=progress)
        return Predictions(
            scored.scores[:, None],
            scored.cls_embedding,
            scored.mean_embedding,
            scored.tokens,
            scored.truncated,
        )


def predict_scores(
    model: Regressor,
    frame: pd.DataFrame,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """``<float32>[n]``: the model's score for each row of ``frame`` (by id, cached)."""
    return predict_dataset(_StoredScores(model), frame, store, progress).probas[:, 0]
