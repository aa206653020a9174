"""Regression metrics, computed with numpy (the tests check them against
scikit-learn and scipy)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from litcore.api.errors import LumenError
from litcore.api.types import RegressionScore, Scalar
from litcore.metrics.base import Headline, Metric
from litcore.metrics.classification import average_ranks

METRIC_NAMES = ("mse", "mae", "pearson", "spearman")
# The movie demo's rating column (VADER's mean human rating, -4..+4).
DEMO_TARGET = "rating"


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


@dataclass(frozen=True)
class RegressionMetrics(Metric):
    """MSE, MAE, Pearson's r and Spearman's rho (LIT's RegressionMetrics).

    Examples without a gold value (NaN) are left out; the correlations are NaN
    when either side is constant.
    """

    name: ClassVar[str] = "Regression"
    gold_type = Scalar
    pred_type = RegressionScore
    titles: ClassVar[dict[str, str]] = dict(
        zip(METRIC_NAMES, ("MSE", "MAE", "Pearson r", "Spearman ρ"), strict=True)
    )

    def _compute(
        self,
        gold: Sequence[float],
        predicted: Sequence[float],
        labels: tuple[str, ...],
    ) -> Headline:
        numbers = regression_metrics(gold, predicted)
        return Headline(numbers.pop("n"), numbers)
