"""Numbers for the Scalars view: strip-plot jitter, binary metrics at a threshold."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.api.types import CategoryLabel, FieldSpec, MulticlassPreds
from litcore.metrics.base import Metric
from litcore.metrics.classification import category_codes, check_probabilities

NOTHING_TO_SCORE = "No examples with a gold label the model knows."


def jitter(n: int, amount: float, seed: int = 0) -> np.ndarray:
    """``<float>[n]`` offsets uniform in [-amount, amount], the same for a seed."""
    return np.random.default_rng(seed).uniform(-amount, amount, size=n)


def threshold_metrics(
    gold: Sequence[str],
    positive_score: np.ndarray,
    labels: Sequence[str],
    threshold: float,
) -> dict[str, float]:
    """Binary metrics when ``labels[1]`` is predicted for scores ≥ ``threshold``.

    Args:
        gold: gold label per example; ones not in ``labels`` are left out.
        positive_score: ``<float>[n]`` probability of ``labels[1]``.
        labels: the two classes (negative, positive).
        threshold: the decision threshold in [0, 1].

    Returns:
        ``n``, ``accuracy``, ``precision``, ``recall``, ``f1`` (of ``labels[1]``)
        and the counts ``tp``, ``fp``, ``fn``, ``tn``.

    Raises:
        LumenError: not two labels, a threshold outside [0, 1], or no scored rows.
    """
    report = _threshold_report(gold, positive_score, labels, threshold)
    if report is None:
        raise LumenError(NOTHING_TO_SCORE)
    return report.table()


def _threshold_report(
    gold: Sequence[str],
    positive_score: np.ndarray,
    labels: Sequence[str],
    threshold: float,
) -> ThresholdReport | None:
    """``threshold_metrics`` as a report; None without a gold label in ``labels``."""
    if len(labels) != 2:
        raise LumenError("A decision threshold needs a model with exactly two classes.")
    if not 0.0 <= threshold <= 1.0:
        raise LumenError(f"The threshold must be in [0, 1], got {threshold}.")
    codes = category_codes(gold, labels)  # -1: not one of the labels
    known = codes >= 0
    n = int(known.sum())
    if n == 0:
        return None
    actual = codes[known] == 1
    predicted = np.asarray(positive_score, dtype=float)[known] >= threshold
    tp = int((actual & predicted).sum())
    fp = int((~actual & predicted).sum())
    fn = int((actual & ~predicted).sum())
    tn = n - tp - fp - fn
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    headline = {
        "accuracy": (tp + tn) / n,
        "precision": precision,
        "recall": recall,
        "f1": f1,
    }
    return ThresholdReport(n, headline, {"tp": tp, "fp": fp, "fn": fn, "tn": tn})


@dataclass(frozen=True)
class ThresholdReport:
    """Binary metrics at one threshold.

    Attributes:
        n: examples with a gold label the model knows.
        headline: accuracy, and precision, recall and F1 of the second class.
        counts: ``tp``, ``fp``, ``fn``, ``tn`` (positive: the second class).
    """

    n: int
    headline: dict[str, float]
    counts: dict[str, int]

    def table(self) -> dict[str, float]:
        """Every number, as ``threshold_metrics`` returns them."""
        return {"n": self.n, **self.headline, **self.counts}


@dataclass(frozen=True)
class ThresholdMetrics(Metric):
    """A two-class model's accuracy, precision, recall and F1 when its second
    class is predicted at a probability of ``threshold`` or more (rather than
    the larger probability, which is 0.5). ``compute`` returns None when no
    gold label is one of the two classes."""

    name: ClassVar[str] = "At a decision threshold"
    gold_type = CategoryLabel
    pred_type = MulticlassPreds
    titles: ClassVar[dict[str, str]] = {
        "accuracy": "Accuracy",
        "precision": "Precision",
        "recall": "Recall",
        "f1": "F1",
    }
    threshold: float = param(
        "Decision threshold",
        0.5,
        "Predict the second class when its probability is at least this.",
        low=0.0,
        high=1.0,
        step=0.01,
    )

    @classmethod
    def is_compatible(cls, gold: FieldSpec | None, pred: FieldSpec) -> bool:
        """A two-class prediction against a gold label."""
        two_classes = len(getattr(pred, "vocab", ())) == 2
        return super().is_compatible(gold, pred) and two_classes

    def _compute(
        self, gold: Sequence[str], predicted: np.ndarray, labels: tuple[str, ...]
    ) -> ThresholdReport | None:
        check_probabilities(predicted, labels)
        positive = np.asarray(predicted)[:, -1]
        return _threshold_report(gold, positive, labels, self.threshold)
