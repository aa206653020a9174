"""Metrics: exact values on tiny hand-checked inputs."""

import math

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from litcore.metrics.classification import (
    classification_report,
    confusion_frame,
    expected_calibration_error,
    log_loss,
    precision_recall_f1_support,
    roc_auc,
)

LABELS = ("neg", "pos")
GOLD = ["neg", "neg", "pos", "pos"]
PROBAS = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])


def test_headline_and_per_class():
    report = classification_report(GOLD, PROBAS, LABELS)
    assert report.n == 4
    assert report.headline["accuracy"] == 0.75
    # neg: precision 1/1, recall 1/2; pos: precision 2/3, recall 2/2
    assert report.per_class.loc["neg", "precision"] == 1.0
    assert report.per_class.loc["neg", "recall"] == 0.5
    assert report.per_class.loc["pos", "precision"] == pytest.approx(2 / 3)
    assert report.per_class["support"].tolist() == [2, 2]
    f1_neg, f1_pos = 2 / 3, 0.8
    assert report.headline["macro_f1"] == pytest.approx((f1_neg + f1_pos) / 2)
    expected_loss = -np.mean(np.log([0.9, 0.4, 0.7, 0.8]))
    assert report.headline["log_loss"] == pytest.approx(expected_loss)
    # positives score 0.7 and 0.8, negatives 0.1 and 0.6: every pair ordered right
    assert report.headline["roc_auc"] == 1.0


def test_ece_by_hand():
    confidence = np.array([0.95, 0.95, 0.55, 0.55])
    correct = np.array([True, False, True, True])
    ece, bins = expected_calibration_error(confidence, correct, n_bins=10)
    # bin (0.9, 1]: conf 0.95, acc 0.5; bin (0.5, 0.6]: conf 0.55, acc 1.0
    assert ece == pytest.approx(0.5 * 0.45 + 0.5 * 0.45)
    assert bins["count"].tolist() == [2, 2]


def test_unknown_gold_labels_are_left_out():
    report = classification_report(["neg", "other"], PROBAS[:2], LABELS)
    assert report.n == 1
    assert classification_report(["other"], PROBAS[:1], LABELS) is None


def test_single_class_subset_has_nan_auc():
    report = classification_report(["pos", "pos"], PROBAS[2:], LABELS)
    assert report.headline["accuracy"] == 1.0
    assert math.isnan(report.headline["roc_auc"])


def test_multiclass_has_no_auc():
    probas = np.eye(3)
    report = classification_report(["a", "b", "c"], probas, ("a", "b", "c"))
    assert report.headline["accuracy"] == 1.0 and "roc_auc" not in report.headline


def test_confusion_frame_has_every_cell():
    cells = confusion_frame(["neg", "neg", "pos"], ["neg", "pos", "pos"], list(LABELS))
    assert cells.to_dict("records") == [
        {"gold": "neg", "pred": "neg", "count": 1},
        {"gold": "neg", "pred": "pos", "count": 1},
        {"gold": "pos", "pred": "neg", "count": 0},
        {"gold": "pos", "pred": "pos", "count": 1},
    ]


@pytest.mark.parametrize("seed", range(5))
def test_numpy_metrics_equal_scikit_learn(seed):
    rng = np.random.default_rng(seed)
    num_labels = 2 + seed % 3
    gold = rng.integers(0, num_labels, 60)
    pred = rng.integers(0, num_labels - 1, 60)  # the last class is never predicted
    ours = precision_recall_f1_support(gold, pred, num_labels)
    theirs = skm.precision_recall_fscore_support(
        gold, pred, labels=range(num_labels), zero_division=0
    )
    for mine, reference in zip(ours, theirs):
        np.testing.assert_allclose(mine, reference, rtol=0, atol=1e-12)
    probas = rng.dirichlet(np.ones(num_labels), 60).astype(np.float32)
    probas[0, gold[0]] = 0.0  # clipped, not -inf
    probas /= probas.sum(axis=1, keepdims=True)
    assert log_loss(gold, probas) == pytest.approx(
        skm.log_loss(gold, probas, labels=range(num_labels)), rel=1e-6
    )
    binary = gold % 2
    scores = np.round(rng.random(60), 1)  # many ties
    assert roc_auc(binary, scores) == pytest.approx(
        skm.roc_auc_score(binary, scores), abs=1e-12
    )


@pytest.mark.parametrize("seed", range(4))
def test_confusion_frame_counts_as_a_crosstab_does(seed):
    rng = np.random.default_rng(seed)
    labels = ["a", "b", "c"][: 2 + seed % 2]
    values = [*labels, "unknown", None]  # outside the labels: not counted
    gold = list(rng.choice(np.array(values, dtype=object), 500))
    pred = pd.Series(rng.choice(np.array(values, dtype=object), 500))
    expected = pd.crosstab(pd.Series(gold), pred).reindex(
        index=labels, columns=labels, fill_value=0
    )
    cells = confusion_frame(gold, pred, labels)
    assert cells[["gold", "pred"]].values.tolist() == [
        [g, p] for g in labels for p in labels
    ]
    assert cells["count"].tolist() == expected.to_numpy().ravel().tolist()


def _report_with_masks(gold, probas, labels, n_bins):
    """The report as it was computed before its sort-and-search rewrite: a mask
    per calibration bin, a normalised copy for the log loss, pandas' average
    ranks for the ROC-AUC."""
    codes = pd.Index(labels).get_indexer(np.asarray(gold, dtype=object))
    known = codes >= 0
    gold_index, probas = codes[known], probas[known]
    confidence, correct = probas.max(axis=1), gold_index == probas.argmax(axis=1)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    bins, ece = [], 0.0
    for b in range(n_bins):
        in_bin = which == b
        if in_bin.any():
            mean_conf = float(confidence[in_bin].mean())
            accuracy = float(correct[in_bin].mean())
            ece += in_bin.sum() / len(confidence) * abs(mean_conf - accuracy)
            bins.append((mean_conf, accuracy, int(in_bin.sum())))
    normalised = probas / probas.sum(axis=1, keepdims=True)
    eps = np.finfo(normalised.dtype).eps
    picked = np.clip(normalised[np.arange(len(gold_index)), gold_index], eps, 1 - eps)
    headline = {"ece": float(ece), "log_loss": float(-np.log(picked).mean())}
    if len(labels) == 2:
        positive = gold_index == 1
        ranks = pd.Series(probas[:, 1]).rank(method="average").to_numpy()
        n_pos, n_neg = int(positive.sum()), int((~positive).sum())
        u_statistic = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
        two = len(set(gold_index)) == 2
        headline["roc_auc"] = float(u_statistic / (n_pos * n_neg)) if two else math.nan
    return headline, bins


@pytest.mark.parametrize("seed", range(8))
def test_report_equals_the_masked_computation_exactly(seed):
    rng = np.random.default_rng(seed)
    labels = ("neg", "pos", "mid")[: 2 + seed % 2]
    outside = ["unknown", None] if seed != 1 else []  # seed 1: every label known
    values = np.array([*labels, *outside], dtype=object)
    gold = pd.Series(rng.choice(values, 3000), dtype="string[pyarrow]")
    if seed == 0:  # one class only among the known gold labels: no AUC
        gold[gold == "neg"] = "unknown"
    dtype = np.float32 if seed % 2 else np.float64
    probas = rng.dirichlet(np.ones(len(labels)), 3000).astype(dtype)
    probas = np.round(probas, 2 if seed < 4 else 6)  # many ties, then few
    n_bins = 5 + seed
    # A frame's probability columns come column-major (to_numpy of two columns).
    given = np.asfortranarray(probas) if seed % 3 == 0 else probas
    report = classification_report(gold, given, labels, n_bins)
    headline, bins = _report_with_masks(gold, probas, labels, n_bins)
    for name, expected in headline.items():
        assert report.headline[name] == expected or (
            math.isnan(expected) and math.isnan(report.headline[name])
        ), name
    calibration = report.calibration[["confidence", "accuracy", "count"]]
    assert list(calibration.itertuples(index=False, name=None)) == bins


def test_roc_auc_of_a_missing_score_is_nan():
    assert math.isnan(roc_auc(np.array([0, 1, 1]), np.array([0.2, np.nan, 0.9])))
