"""Classification metrics on any subset of examples.

Precision, recall, F1, log loss and ROC-AUC are a few lines of numpy each,
checked against scikit-learn in the tests: importing scikit-learn costs about
a second of every app start, and the first page shows these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.api.types import CategoryLabel, MulticlassPreds
from litcore.metrics.base import Metric

# The bins of the expected calibration error and the reliability diagram.
CALIBRATION_BINS = 10


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
    confidence: np.ndarray, correct: np.ndarray, n_bins: int = CALIBRATION_BINS
) -> tuple[float, pd.DataFrame]:
    """ECE over equal-width confidence bins, and the bins (for a reliability diagram).

    Args:
        confidence: ``<float>[n]`` top-class probability.
        correct: ``<bool>[n]`` whether the top class is the gold one.
    """
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    # One stable sort groups the examples by bin, each bin's in their order: its
    # mean is then that of a mask per bin (ten masks took 0.1 s at a million).
    order = np.argsort(which.astype(np.int16), kind="stable")
    confidence, correct = np.asarray(confidence)[order], np.asarray(correct)[order]
    ends = np.cumsum(np.bincount(which, minlength=n_bins))
    rows = []
    ece = 0.0
    for b in range(n_bins):
        start, end = ends[b - 1] if b else 0, ends[b]
        count = int(end - start)
        if count == 0:
            continue
        mean_conf = float(confidence[start:end].mean())
        accuracy = float(correct[start:end].mean())
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
    gold: Sequence[str],
    probas: np.ndarray,
    labels: Sequence[str],
    n_bins: int = CALIBRATION_BINS,
) -> ClassificationReport | None:
    """Metrics for examples whose gold label is one of ``labels``; None if none are.

    Args:
        gold: gold label per example.
        probas: ``<float>[n, num_labels]`` in the order of ``labels``.
        labels: the model's classes.
        n_bins: equal-width confidence bins of the ECE.
    """
    labels = list(labels)
    codes = category_codes(gold, labels)
    known = codes >= 0
    if not known.any():
        return None
    # Rows contiguous: a frame's columns come column-major, where argmax and
    # sum over a row took five times as long.
    probas = np.ascontiguousarray(probas)
    if not known.all():
        codes, probas = codes[known], probas[known]
    gold_index = codes
    pred_index = probas.argmax(axis=1)
    rows = np.arange(len(gold_index))
    correct = gold_index == pred_index
    precision, recall, f1, support = precision_recall_f1_support(
        gold_index, pred_index, len(labels)
    )
    per_class = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(labels, name="class"),
    )
    # The top probability picked at its index: max(axis=1) over a few columns
    # took three times as long.
    confidence = probas[rows, pred_index]
    ece, calibration = expected_calibration_error(confidence, correct, n_bins)
    weights = support / support.sum()
    headline = {
        "accuracy": float(correct.mean()),
        "macro_precision": float(precision.mean()),
        "macro_recall": float(recall.mean()),
        "macro_f1": float(f1.mean()),
        "weighted_f1": float((f1 * weights).sum()),
        # The gold class's probability over the row's sum: no normalised copy.
        "log_loss": _mean_negative_log(probas[rows, gold_index] / probas.sum(axis=1)),
        "ece": ece,
    }
    if len(labels) == 2:
        headline["roc_auc"] = (
            roc_auc(gold_index, probas[:, 1])
            if (support > 0).all()  # both classes among the gold labels
            else float("nan")
        )
    return ClassificationReport(int(known.sum()), headline, per_class, calibration)


@dataclass(frozen=True)
class MulticlassMetrics(Metric):
    """Accuracy, macro precision/recall/F1, weighted F1, log loss, the expected
    calibration error and, for two classes, ROC-AUC (LIT's MulticlassMetrics).

    The ECE is that of Guo et al., 2017, "On Calibration of Modern Neural
    Networks": the count-weighted gap between confidence and accuracy over
    equal-width confidence bins. Examples whose gold label is not one of the
    model's classes are left out; with none left, ``compute`` returns None.
    """

    name: ClassVar[str] = "Classification"
    gold_type = CategoryLabel
    pred_type = MulticlassPreds
    titles: ClassVar[dict[str, str]] = {
        "accuracy": "Accuracy",
        "macro_precision": "Macro precision",
        "macro_recall": "Macro recall",
        "macro_f1": "Macro F1",
        "weighted_f1": "Weighted F1",
        "roc_auc": "ROC-AUC",
        "log_loss": "Log loss",
        "ece": "ECE",
    }
    calibration_bins: int = param(
        "Calibration bins",
        CALIBRATION_BINS,
        "Equal-width confidence bins of the ECE and the reliability diagram.",
        low=2,
        high=50,
    )

    def _compute(
        self, gold: Sequence[str], predicted: np.ndarray, labels: tuple[str, ...]
    ) -> ClassificationReport | None:
        check_probabilities(predicted, labels)
        return classification_report(gold, predicted, labels, self.calibration_bins)


def category_codes(values: Sequence, labels: Sequence[str]) -> np.ndarray:
    """``<int64>[n]``: each value's position in ``labels``, -1 for a value outside
    them or a missing one.

    Arrow's ``index_in`` on pandas' Arrow-backed strings (a million labels in
    20 ms, against 120 ms for ``pd.Categorical``, which also warns about values
    outside its categories); a categorical coded by ``labels`` gives its codes;
    anything else is looked up in an index of ``labels``.
    """
    labels = list(labels)
    dtype = getattr(values, "dtype", None)
    if isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow":
        column = pa.array(values.array)
        found = pc.index_in(column, value_set=pa.array(labels, type=column.type))
        return pc.fill_null(found, -1).to_numpy().astype(np.int64)
    if isinstance(dtype, pd.CategoricalDtype) and list(dtype.categories) == labels:
        return pd.Categorical(values).codes.astype(np.int64)
    return pd.Index(labels).get_indexer(np.asarray(values, dtype=object))


def check_probabilities(probas: np.ndarray, labels: Sequence[str]) -> None:
    """Raises LumenError unless ``probas`` is ``[n, len(labels)]``."""
    shape = np.shape(probas)
    if len(shape) != 2 or shape[1] != len(labels) or not labels:
        raise LumenError(
            f"Expected one probability per class ({len(labels)} classes) for each "
            f"example, got an array of shape {shape}."
        )


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
    return _mean_negative_log(probas[np.arange(len(gold)), gold])


def _mean_negative_log(picked: np.ndarray) -> float:
    eps = np.finfo(picked.dtype).eps
    return float(-np.log(np.clip(picked, eps, 1 - eps)).mean())


def average_ranks(values: np.ndarray) -> np.ndarray:
    """``<float>[n]`` ranks from 1, ties sharing their mean rank."""
    return pd.Series(values).rank(method="average").to_numpy()


def roc_auc(gold: np.ndarray, scores: np.ndarray) -> float:
    """Binary ROC-AUC: the Mann-Whitney U statistic (a tied pair counts half).

    Each positive's negatives below it and tied with it, by binary search in the
    sorted negative scores (ranking every score took 0.3 s at a million). U is a
    sum of halves, so it equals the rank-sum form's numerator exactly.
    """
    positive = np.asarray(gold) == 1
    scores = np.asarray(scores, dtype=float)
    if np.isnan(scores).any():  # as a rank sum would: no order, no AUC
        return float("nan")
    negatives = np.sort(scores[~positive])
    # Each distinct positive score once, with its count (ties are common).
    positives = np.sort(scores[positive])
    starts = np.flatnonzero(np.diff(positives, prepend=-np.inf))
    counts = np.diff(starts, append=len(positives))
    distinct = positives[starts]
    below = np.searchsorted(negatives, distinct, side="left")
    tied = np.searchsorted(negatives, distinct, side="right") - below
    u_statistic = (counts * below).sum() + (counts * tied).sum() / 2
    return float(u_statistic / (len(positives) * len(negatives)))


def confusion_frame(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> pd.DataFrame:
    """Every (gold, pred) pair of ``labels`` with its count, zeros too (long form,
    gold-major in ``labels``' order). Pairs with a value outside ``labels`` (or
    missing) are not counted.

    Counted with category codes and one ``bincount``: ``pd.crosstab`` took 70 ms
    for 50,000 rows.
    """
    labels = list(labels)
    size = len(labels)
    gold_codes = category_codes(gold, labels)
    pred_codes = category_codes(pred, labels)
    known = (gold_codes >= 0) & (pred_codes >= 0)
    pairs = gold_codes[known] * size + pred_codes[known]
    return pd.DataFrame(
        {
            "gold": np.repeat(np.array(labels, dtype=object), size),
            "pred": np.tile(np.array(labels, dtype=object), size),
            "count": np.bincount(pairs, minlength=size * size).astype(int),
        }
    )


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
