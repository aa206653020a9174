"""Multi-label metrics at per-label thresholds: exact match, micro and macro F1,
and a per-label confusion (TP, FP, FN, TN).

Computed from the per-label counts; a ratio with a zero denominator is 0, as
scikit-learn's ``zero_division=0``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import ClassVar

import numpy as np
import pandas as pd

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.api.types import MultiLabel, MultiLabelPreds
from litcore.metrics.base import Metric

# The cells of a label's confusion, in display order.
CELLS = ("TP", "FP", "FN", "TN")
CELL_NAMES = {
    "TP": "gold and predicted",
    "FP": "predicted, not gold",
    "FN": "gold, not predicted",
    "TN": "neither",
}


@dataclass(frozen=True)
class MultiLabelReport:
    """Metrics of one set of predictions.

    Attributes:
        headline: exact_match, micro_precision, micro_recall, micro_f1,
            macro_precision, macro_recall, macro_f1, hamming_loss.
        per_label: one row per label (index: label) with threshold, precision,
            recall, f1, support and the counts TP, FP, FN, TN.
        n: the number of examples.
    """

    headline: dict[str, float]
    per_label: pd.DataFrame
    n: int


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    return np.divide(
        numerator,
        denominator,
        out=np.zeros_like(numerator),
        where=denominator > 0,
    )


def predicted_labels(probas: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """``<bool>[num_examples, num_labels]``: probability at or above its threshold.

    Raises:
        LumenError: one threshold per label is needed, each in [0, 1].
    """
    thresholds = np.asarray(thresholds, dtype=float)
    if probas.ndim != 2 or thresholds.shape != (probas.shape[1],):
        raise LumenError(
            f"Give one threshold per label: {probas.shape[-1]} labels, "
            f"{thresholds.size} thresholds."
        )
    if ((thresholds < 0) | (thresholds > 1)).any():
        raise LumenError("Thresholds must lie between 0 and 1.")
    # At the probabilities' precision: a float32 0.45 is "at" a threshold of 0.45.
    return probas >= thresholds.astype(probas.dtype)


def _check_shapes(gold: np.ndarray, predictions: np.ndarray) -> None:
    if gold.shape != predictions.shape:
        raise LumenError(
            f"Gold labels {gold.shape} and predictions {predictions.shape} differ in "
            "shape."
        )


def _cell_masks(gold: np.ndarray, predicted: np.ndarray) -> dict[str, np.ndarray]:
    """Each cell's boolean mask, the shape of ``gold``."""
    _check_shapes(gold, predicted)
    gold, predicted = gold.astype(bool), predicted.astype(bool)
    return {
        "TP": gold & predicted,
        "FP": ~gold & predicted,
        "FN": gold & ~predicted,
        "TN": ~gold & ~predicted,
    }


def confusion_counts(gold: np.ndarray, predicted: np.ndarray) -> pd.DataFrame:
    """TP, FP, FN and TN per label (one row per label position)."""
    masks = _cell_masks(gold, predicted)
    return pd.DataFrame({cell: masks[cell].sum(axis=0) for cell in CELLS})


def multilabel_report(
    gold: np.ndarray,
    probas: np.ndarray,
    thresholds: Sequence[float],
    labels: Sequence[str],
) -> MultiLabelReport:
    """Metrics of ``probas`` cut at ``thresholds`` against ``gold``.

    Args:
        gold: ``<bool>[num_examples, num_labels]``.
        probas: ``<float32>[num_examples, num_labels]``.
        thresholds: one per label, in [0, 1].
        labels: the label names, in column order.
    """
    if len(labels) != probas.shape[-1]:
        raise LumenError(f"{len(labels)} label names for {probas.shape[-1]} columns.")
    if len(gold) == 0:
        raise LumenError("No examples to score.")
    predicted = predicted_labels(probas, thresholds)
    counts = confusion_counts(gold, predicted)
    tp, fp, fn = counts["TP"], counts["FP"], counts["FN"]
    precision = _ratio(tp, tp + fp)
    recall = _ratio(tp, tp + fn)
    f1 = _ratio(2 * tp, 2 * tp + fp + fn)
    per_label = pd.DataFrame(
        {
            "threshold": np.asarray(thresholds, dtype=float),
            "precision": precision,
            "recall": recall,
            "f1": f1,
            "support": tp + fn,
            **counts,
        },
    ).set_axis(pd.Index(list(labels), name="label"))
    total_tp, total_fp, total_fn = tp.sum(), fp.sum(), fn.sum()
    headline = {
        "exact_match": float((gold.astype(bool) == predicted).all(axis=1).mean()),
        "micro_precision": float(_ratio(total_tp, total_tp + total_fp)),
        "micro_recall": float(_ratio(total_tp, total_tp + total_fn)),
        "micro_f1": float(_ratio(2 * total_tp, 2 * total_tp + total_fp + total_fn)),
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "hamming_loss": float((gold.astype(bool) != predicted).mean()),
    }
    return MultiLabelReport(headline, per_label, len(gold))


@dataclass(frozen=True)
class MultilabelMetrics(Metric):
    """Exact match, micro and macro precision/recall/F1 and the Hamming loss of
    per-label probabilities cut at thresholds (LIT's MultilabelMetrics).

    ``threshold`` applies to every label unless ``at`` gives one per label (the
    Multi-label page's sliders: data of the session, not a setting).
    """

    name: ClassVar[str] = "Multi-label"
    gold_type = MultiLabel
    pred_type = MultiLabelPreds
    titles: ClassVar[dict[str, str]] = {
        "exact_match": "Exact match",
        "micro_f1": "Micro F1",
        "macro_f1": "Macro F1",
        "micro_precision": "Micro precision",
        "micro_recall": "Micro recall",
        "hamming_loss": "Hamming loss",
    }
    threshold: float = param(
        "Threshold",
        0.5,
        "A label is predicted when its probability is at least this.",
        low=0.0,
        high=1.0,
        step=0.01,
    )
    thresholds: tuple[float, ...] = ()

    def at(self, thresholds: Sequence[float]) -> MultilabelMetrics:
        """This metric with one threshold per label, in label order."""
        return replace(self, thresholds=tuple(float(t) for t in thresholds))

    def _compute(
        self, gold: np.ndarray, predicted: np.ndarray, labels: tuple[str, ...]
    ) -> MultiLabelReport:
        probas = np.asarray(predicted)
        per_label = self.thresholds or (self.threshold,) * probas.shape[-1]
        return multilabel_report(np.asarray(gold), probas, per_label, labels)


def confusion_long(per_label: pd.DataFrame) -> pd.DataFrame:
    """The per-label counts in long form (label, cell, count, share of examples),
    for a heat map with labels as rows and the four cells as columns."""
    long = (
        per_label[list(CELLS)]
        .rename_axis("label")
        .reset_index()
        .melt(id_vars="label", var_name="cell", value_name="count")
    )
    totals = per_label[list(CELLS)].sum(axis=1)
    long["share"] = long["count"] / long["label"].map(totals)
    long["meaning"] = long["cell"].map(CELL_NAMES)
    return long


def cell_rows(
    gold: np.ndarray, predicted: np.ndarray, label_index: int, cell: str
) -> np.ndarray:
    """``<bool>[num_examples]``: the examples in one cell of one label's confusion."""
    if cell not in CELLS:
        raise LumenError(f"Unknown cell '{cell}'; use one of {', '.join(CELLS)}.")
    column = slice(label_index, label_index + 1)
    return _cell_masks(gold[:, column], predicted[:, column])[cell][:, 0]


def best_f1_thresholds(
    gold: np.ndarray, probas: np.ndarray, grid: Sequence[float] | None = None
) -> np.ndarray:
    """``<float64>[num_labels]``: per label, the threshold on ``grid`` with the best
    F1 on these examples (ties: the one nearest 0.5; a label never gold gets 0.5).

    Tuned on the data it is scored on, so the F1 it reaches is optimistic.

    Args:
        gold: ``<bool>[num_examples, num_labels]``.
        probas: ``<float32>[num_examples, num_labels]``.
        grid: candidate thresholds; default 0, 0.01, ..., 1 (the sliders' steps).
    """
    grid = np.round(np.linspace(0, 1, 101), 2) if grid is None else np.asarray(grid)
    _check_shapes(gold, probas)
    cut = grid.astype(probas.dtype)
    best = np.empty(probas.shape[1])
    for label in range(probas.shape[1]):
        predicted = probas[:, label, None] >= cut  # <bool>[num_examples, grid]
        is_gold = gold[:, label, None].astype(bool)
        tp = (predicted & is_gold).sum(0)
        errors = (predicted != is_gold).sum(0)  # FP + FN
        f1 = _ratio(2 * tp, 2 * tp + errors)
        nearest_half = np.where(f1 == f1.max(), np.abs(grid - 0.5), np.inf)
        best[label] = grid[nearest_half.argmin()]
    return best
