"""Every registered metric: exact values on tiny inputs (scikit-learn, scipy or a
hand count as the reference), and the properties the registry promises."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from scipy import stats
from sklearn import metrics as skm

from litcore.api import types
from litcore.api.errors import LumenError
from litcore.metrics.registry import METRICS, build, compatible, for_model

LABELS = ("neg", "pos")
GOLD = ["neg", "neg", "pos", "pos"]
PROBAS = np.array([[0.9, 0.1], [0.4, 0.6], [0.3, 0.7], [0.2, 0.8]])
GOLD_INDEX = [0, 0, 1, 1]
PRED_INDEX = PROBAS.argmax(axis=1)

ML_GOLD = np.array([[1, 0], [1, 1], [0, 0]], dtype=bool)
ML_PROBAS = np.array([[0.9, 0.2], [0.6, 0.4], [0.1, 0.7]], dtype=np.float32)
ML_PRED = ML_PROBAS >= 0.5

REG_GOLD = [1.0, 2.0, 3.0, 4.0]
REG_PRED = [1.5, 2.0, 2.5, 5.0]

TAGS_GOLD = [["B-PER", "I-PER", "O", "B-LOC"], ["O", "B-PER"]]
TAGS_PRED = [["B-PER", "I-PER", "O", "B-ORG"], ["O", "B-PER"]]

REFERENCES = ["the cat sat on the mat", "a dog ran"]
OUTPUTS = ["the cat sat on the", "a dog ran"]


@dataclass
class Case:
    """Inputs of one metric and the headline numbers they must give."""

    gold: Any
    predicted: Any
    expected: dict[str, float]
    n: int
    labels: tuple[str, ...] = ()
    config: dict[str, Any] = field(default_factory=dict)


CASES = {
    "Classification": Case(
        GOLD,
        PROBAS,
        {
            "accuracy": skm.accuracy_score(GOLD_INDEX, PRED_INDEX),
            "macro_precision": skm.precision_score(
                GOLD_INDEX, PRED_INDEX, average="macro"
            ),
            "macro_recall": skm.recall_score(GOLD_INDEX, PRED_INDEX, average="macro"),
            "macro_f1": skm.f1_score(GOLD_INDEX, PRED_INDEX, average="macro"),
            "weighted_f1": skm.f1_score(GOLD_INDEX, PRED_INDEX, average="weighted"),
            "log_loss": skm.log_loss(GOLD_INDEX, PROBAS),
            "roc_auc": skm.roc_auc_score(GOLD_INDEX, PROBAS[:, 1]),
            # Confidences .9 .6 .7 .8, one per bin; right, wrong, right, right.
            "ece": (0.1 + 0.6 + 0.3 + 0.2) / 4,
        },
        4,
        LABELS,
    ),
    "At a decision threshold": Case(
        GOLD,
        PROBAS,
        {
            "accuracy": skm.accuracy_score(GOLD_INDEX, PROBAS[:, 1] >= 0.65),
            "precision": skm.precision_score(GOLD_INDEX, PROBAS[:, 1] >= 0.65),
            "recall": skm.recall_score(GOLD_INDEX, PROBAS[:, 1] >= 0.65),
            "f1": skm.f1_score(GOLD_INDEX, PROBAS[:, 1] >= 0.65),
        },
        4,
        LABELS,
        {"threshold": 0.65},
    ),
    "Regression": Case(
        REG_GOLD,
        REG_PRED,
        {
            "mse": skm.mean_squared_error(REG_GOLD, REG_PRED),
            "mae": skm.mean_absolute_error(REG_GOLD, REG_PRED),
            "pearson": stats.pearsonr(REG_GOLD, REG_PRED).statistic,
            "spearman": stats.spearmanr(REG_GOLD, REG_PRED).statistic,
        },
        4,
    ),
    "Multi-label": Case(
        ML_GOLD,
        ML_PROBAS,
        {
            "exact_match": skm.accuracy_score(ML_GOLD, ML_PRED),
            "micro_f1": skm.f1_score(ML_GOLD, ML_PRED, average="micro"),
            "macro_f1": skm.f1_score(
                ML_GOLD, ML_PRED, average="macro", zero_division=0
            ),
            "micro_precision": skm.precision_score(ML_GOLD, ML_PRED, average="micro"),
            "micro_recall": skm.recall_score(ML_GOLD, ML_PRED, average="micro"),
            "macro_precision": skm.precision_score(
                ML_GOLD, ML_PRED, average="macro", zero_division=0
            ),
            "macro_recall": skm.recall_score(
                ML_GOLD, ML_PRED, average="macro", zero_division=0
            ),
            "hamming_loss": skm.hamming_loss(ML_GOLD, ML_PRED),
        },
        3,
        ("a", "b"),
    ),
    # PER twice found; LOC missed; ORG spurious (seqeval, by hand).
    "Entity spans": Case(
        TAGS_GOLD,
        TAGS_PRED,
        {
            "micro_precision": 2 / 3,
            "micro_recall": 2 / 3,
            "micro_f1": 2 / 3,
            "macro_f1": (0 + 0 + 1) / 3,
        },
        2,
    ),
    # All n-grams of the outputs match; one output is 5 words for 6:
    # brevity penalty exp(1 - 9/8). ROUGE-L: LCS 5 of 5 and 6 words, then 1.
    "Generation": Case(
        REFERENCES,
        OUTPUTS,
        {"bleu": 100 * math.exp(1 - 9 / 8), "rouge_l": (10 / 11 + 1) / 2},
        2,
    ),
}


def compute(name: str, case: Case, order: slice = slice(None)):
    gold, predicted = case.gold[order], case.predicted[order]
    return build(name, case.config).compute(gold, predicted, case.labels)


def test_every_registered_metric_has_a_case():
    assert list(CASES) == list(METRICS)


@pytest.mark.parametrize("name", METRICS)
def test_exact_values_on_a_tiny_input(name):
    case = CASES[name]
    report = compute(name, case)
    assert report.n == case.n
    assert report.headline == pytest.approx(case.expected, abs=1e-9)


@pytest.mark.parametrize("name", METRICS)
def test_every_title_names_a_headline_number(name):
    report = compute(name, CASES[name])
    assert set(METRICS[name].titles) <= set(report.headline)
    assert all(
        isinstance(title, str) and title for title in METRICS[name].titles.values()
    )


@pytest.mark.parametrize("name", METRICS)
def test_the_order_of_the_examples_does_not_matter(name):
    case = CASES[name]
    forward = compute(name, case).headline
    backward = compute(name, case, slice(None, None, -1)).headline
    assert backward == pytest.approx(forward, abs=1e-9)


@pytest.mark.parametrize("name", METRICS)
def test_gold_and_predictions_of_different_lengths_are_refused(name):
    case = CASES[name]
    with pytest.raises(LumenError, match="gold values but"):
        build(name).compute(case.gold, case.predicted[:-1], case.labels)


@pytest.mark.parametrize("name", METRICS)
def test_build_takes_the_defaults_and_refuses_unknown_settings(name):
    assert build(name) == METRICS[name]()
    with pytest.raises(LumenError, match="no setting 'nonsense'"):
        build(name, {"nonsense": 1})


@pytest.mark.parametrize(
    "name, setting",
    [
        (name, setting)
        for name, metric in METRICS.items()
        for setting, spec in metric.config_spec().items()
        if spec.high is not None
    ],
)
def test_numeric_settings_out_of_bounds_are_refused(name, setting):
    spec = METRICS[name].config_spec()[setting]
    with pytest.raises(LumenError, match="must be between"):
        build(name, {setting: spec.high + 1})
    with pytest.raises(LumenError, match="must be"):
        build(name, {setting: "high"})


@pytest.mark.parametrize("name", METRICS)
def test_each_metric_fits_its_own_field_types(name):
    metric = METRICS[name]
    gold, pred = metric.gold_type(), metric.pred_type()
    if hasattr(pred, "vocab"):
        pred = metric.pred_type(vocab=LABELS)
    assert name in compatible(gold, pred)
    assert name not in compatible(None, pred)
    assert name not in compatible(types.TextSegment(), pred)


def test_a_settings_change_changes_the_numbers():
    case = CASES["Classification"]
    # Two bins: every confidence in (0.5, 1], mean 0.75 against accuracy 0.75.
    two_bins = build("Classification", {"calibration_bins": 2})
    assert two_bins.compute(case.gold, case.predicted, LABELS).headline[
        "ece"
    ] == pytest.approx(0.0)
    at_half = build("At a decision threshold").compute(GOLD, PROBAS, LABELS)
    assert at_half.headline["precision"] == pytest.approx(
        skm.precision_score(GOLD_INDEX, PROBAS[:, 1] >= 0.5)
    )
    assert at_half.counts == {"tp": 2, "fp": 1, "fn": 0, "tn": 1}
    assert at_half.table()["n"] == 4


def test_per_label_thresholds_of_the_multilabel_metric():
    metric = build("Multi-label").at([0.5, 0.3])
    predicted = ML_PROBAS >= np.array([0.5, 0.3], dtype=np.float32)
    report = metric.compute(ML_GOLD, ML_PROBAS, ("a", "b"))
    assert report.headline["micro_f1"] == pytest.approx(
        skm.f1_score(ML_GOLD, predicted, average="micro")
    )
    assert list(report.per_label["threshold"]) == [0.5, 0.3]


@pytest.mark.parametrize("name", ["Classification", "At a decision threshold"])
def test_nothing_to_score_is_none(name):
    assert build(name).compute(["other", "unknown"], PROBAS[:2], LABELS) is None


def test_probabilities_of_the_wrong_shape_are_refused():
    with pytest.raises(LumenError, match="one probability per class"):
        build("Classification").compute(GOLD, PROBAS[:, 0], LABELS)


def test_a_bad_setting_on_a_metric_built_directly_is_refused():
    metric = METRICS["Classification"](calibration_bins=1)
    with pytest.raises(LumenError, match="between 2 and 50"):
        metric.compute(GOLD, PROBAS, LABELS)


@dataclass
class Specs:
    """A model as the registry sees it: its input and output specs only."""

    inputs: types.Spec
    outputs: types.Spec

    def input_spec(self) -> types.Spec:
        return self.inputs

    def output_spec(self) -> types.Spec:
        return self.outputs


def test_a_model_gets_the_metrics_of_its_outputs_and_their_gold_fields():
    binary = Specs(
        {"text": types.TextSegment(), "label": types.CategoryLabel(vocab=LABELS)},
        {
            "probas": types.MulticlassPreds(vocab=LABELS, parent="label"),
            "tokens": types.Tokens(parent="text"),
        },
    )
    assert for_model(binary) == ["Classification", "At a decision threshold"]
    three = ("a", "b", "c")
    multiclass = Specs(
        {"label": types.CategoryLabel(vocab=three)},
        {"probas": types.MulticlassPreds(vocab=three, parent="label")},
    )
    assert for_model(multiclass) == ["Classification"]
    regressor = Specs(
        {"rating": types.Scalar()},
        {"score": types.RegressionScore(parent="rating")},
    )
    assert for_model(regressor) == ["Regression"]
    no_gold = Specs({}, {"probas": types.MulticlassPreds(vocab=LABELS)})
    assert for_model(no_gold) == []
