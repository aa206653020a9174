"""Classification metrics on any subset of examples.

Precision, recall, F1, log loss and ROC-AUC are a few lines of numpy each,
checked against scikit-learn in the tests: importing scikit-learn costs about
a second of every app start, and the first page shows these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class ClassificationReport:
    """Headline numbers, the per-class table and calibration bins for one subset.

    Attributes:
        headline: accuracy, macro/weighted F1, log loss, ECE, ROC-AUC (binary).
        per_class: one row per class: precision, recall, f1, support.
        calibration: one row per confidence bin: mean confidence, accuracy, count.
    """

    n: int
    headline: dict[str, float]
    per_class: pd.DataFrame
    calibration: pd.DataFrame


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = 10
) -> tuple[float, pd.DataFrame]:
    """ECE over equal-width confidence bins, and the bins (for a reliability diagram).

    Args:
        confidence: ``<float>[n]`` top-class probability.
        correct: ``<bool>[n]`` whether the top class is the gold one.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    rows = []
    ece = 0.0
    for b in range(n_bins):
        in_bin = which == b
        count = int(in_bin.sum())
        if count == 0:
            continue
        mean_conf = float(confidence[in_bin].mean())
        accuracy = float(correct[in_bin].mean())
        ece += count / len(confidence) * abs(mean_conf - accuracy)
        rows.append(
            {
                "bin_start": edges[b],
                "bin_end": edges[b + 1],
                "confidence": mean_conf,
                "accuracy": accuracy,
                "count": count,
            }
        )
    return float(ece), pd.DataFrame(rows)


def classification_report(
    gold: Sequence[str], probas: np.ndarray, labels: Sequence[str]
) -> ClassificationReport | None:
    """Metrics for examples whose gold label is one of ``labels``; None if none are.

    Args:
        gold: gold label per example.
        probas: ``<float>[n, num_labels]`` in the order of ``labels``.
        labels: the model's classes.
    """
    gold = np.asarray(gold, dtype=object)
    labels = list(labels)
    known = np.isin(gold, labels)
    if not known.any():
        return None
    gold, probas = gold[known], np.asarray(probas)[known]
    gold_index = np.array([labels.index(g) for g in gold])
    pred_index = probas.argmax(axis=1)
    correct = gold_index == pred_index
    precision, recall, f1, support = precision_recall_f1_support(
        gold_index, pred_index, len(labels)
    )
    per_class = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(labels, name="class"),
    )
    ece, calibration = expected_calibration_error(probas.max(axis=1), correct)
    weights = support / support.sum()
    headline = {
        "accuracy": float(correct.mean()),
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "weighted_f1": float((f1 * weights).sum()),
        "log_loss": log_loss(gold_index, probas / probas.sum(axis=1, keepdims=True)),
        "ece": ece,
    }
    if len(labels) == 2:
        headline["roc_auc"] = (
            roc_auc(gold_index, probas[:, 1])
            if len(set(gold_index)) == 2
            else float("nan")
        )
    return ClassificationReport(int(known.sum()), headline, per_class, calibration)


def precision_recall_f1_support(
    gold: np.ndarray, pred: np.ndarray, num_labels: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per class ``<float>[num_labels]`` precision, recall, F1 and ``<int>`` support.

    Class indices ``0..num_labels-1``; an undefined ratio (no predictions, no
    gold examples) is 0, as scikit-learn's ``zero_division=0``.
    """
    counts = np.bincount(gold * num_labels + pred, minlength=num_labels**2)
    confusion = counts.reshape(num_labels, num_labels)  # rows gold, columns pred
    hits = np.diag(confusion).astype(float)
    support, predicted = confusion.sum(axis=1), confusion.sum(axis=0)

    def ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
        return np.divide(top, bottom, out=np.zeros_like(top), where=bottom > 0)

    f1 = ratio(2 * hits, (support + predicted).astype(float))
    return ratio(hits, predicted.astype(float)), ratio(hits, support), f1, support


def log_loss(gold: np.ndarray, probas: np.ndarray) -> float:
    """Mean negative log probability of the gold class (clipped at machine eps)."""
    eps = np.finfo(probas.dtype).eps
    picked = np.clip(probas[np.arange(len(gold)), gold], eps, 1 - eps)
    return float(-np.log(picked).mean())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """``<float>[n]`` ranks from 1, ties sharing their mean rank."""
    return pd.Series(values).rank(method="average").to_numpy()


def roc_auc(gold: np.ndarray, scores: np.ndarray) -> float:
    """Binary ROC-AUC: the Mann-Whitney U statistic (tied scores share ranks)."""
    positive = np.asarray(gold) == 1
    ranks = average_ranks(scores)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def confusion_frame(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> pd.DataFrame:
    """Every (gold, pred) pair of ``labels`` with its count, zeros too (long form)."""
    counts = pd.crosstab(pd.Series(gold, name="gold"), pd.Series(pred, name="pred"))
    counts = counts.reindex(index=labels, columns=labels, fill_value=0)
    long = counts.stack().rename("count").reset_index()
    long["count"] = long["count"].astype(int)
    return long


ALL_CLASSES = "(all)"


def confusion_with_totals(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> pd.DataFrame:
    """``confusion_frame`` plus row and column totals, marked ``kind="total"``.

    A gold row's total has ``pred == ALL_CLASSES``, a predicted column's total
    has ``gold == ALL_CLASSES``; the corner counts every example.
    """
    cells = confusion_frame(gold, pred, labels).assign(kind="cell")
    rows = cells.groupby("gold", sort=False)["count"].sum().reset_index()
    columns = cells.groupby("pred", sort=False)["count"].sum().reset_index()
    totals = pd.concat(
        [
            rows.assign(pred=ALL_CLASSES),
            columns.assign(gold=ALL_CLASSES),
            pd.DataFrame(
                {"gold": [ALL_CLASSES], "pred": [ALL_CLASSES], "count": [len(gold)]}
            ),
        ],
        ignore_index=True,
    ).assign(kind="total")
    return pd.concat([cells, totals[cells.columns]], ignore_index=True)
