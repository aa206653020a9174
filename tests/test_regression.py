"""Regression: metrics against scipy and scikit-learn, wrapper, training, salience."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch
from scipy import stats
from sklearn import metrics as skm
from tiny_models import build_tiny_classifier
from transformers import BertForSequenceClassification

from litcore.api.errors import LumenError, ModelError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.metrics.regression import regression_metrics
from litcore.models.classifier import SequenceClassifier
from litcore.models.regressor import Regressor
from litcore.models.training import TRAINING_INFO, TrainConfig, fine_tune, model_key
from litcore.salience import build, compatible, regression_score
from litcore.session.columns import ABS_ERROR, PRED_SCORE, RESIDUAL
from litcore.session.heads import error_above, with_regression_head
from litcore.session.predictions import predict_scores
from litcore.store.predictions import PredictionStore

TEXTS = ["the movie was great", "an awful boring plot", "not very good", "fun"]


def build_tiny_regressor(folder: Path, target: str = "rating", seed: int = 0) -> Path:
    """A tiny random BERT with a one-output regression head, saved to ``folder``.

    The head's weights have standard deviation 1 (not BERT's 0.02), so that
    scores differ between texts by more than rounding.
    """
    build_tiny_classifier(folder, labels=(target,), seed=seed)
    model = BertForSequenceClassification.from_pretrained(folder)
    model.config.problem_type = "regression"
    torch.manual_seed(seed)
    torch.nn.init.normal_(model.classifier.weight, std=1.0)
    model.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def regressor_dir(tmp_path_factory) -> Path:
    return build_tiny_regressor(tmp_path_factory.mktemp("regressor") / "model")


@pytest.fixture(scope="module")
def regressor(regressor_dir) -> Regressor:
    return Regressor.from_pretrained(regressor_dir)


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory) -> Path:
    """A bare tiny encoder (no head), as MiniLM is for the demo."""
    folder = tmp_path_factory.mktemp("encoder") / "model"
    return build_tiny_classifier(folder, architecture="base")


# --- metrics --------------------------------------------------------------------


def test_metrics_equal_scikit_learn_and_scipy():
    rng = np.random.default_rng(3)
    gold = rng.integers(-4, 5, size=300).astype(float)  # many ties
    predicted = gold + rng.normal(0, 1.5, size=300)
    predicted[:20] = 0.0  # ties among the predictions too
    got = regression_metrics(gold, predicted)
    assert got["n"] == 300
    assert got["mse"] == pytest.approx(
        skm.mean_squared_error(gold, predicted), abs=1e-9
    )
    assert got["mae"] == pytest.approx(
        skm.mean_absolute_error(gold, predicted), abs=1e-9
    )
    assert got["pearson"] == pytest.approx(
        stats.pearsonr(gold, predicted).statistic, abs=1e-9
    )
    assert got["spearman"] == pytest.approx(
        stats.spearmanr(gold, predicted).statistic, abs=1e-9
    )


def test_metrics_leave_out_missing_gold_values():
    gold = np.array([1.0, np.nan, 3.0, 4.0, np.nan])
    predicted = np.array([2.0, 100.0, 3.0, 2.0, -100.0])
    got = regression_metrics(gold, predicted)
    assert got["n"] == 3
    assert got["mse"] == pytest.approx((1 + 0 + 4) / 3, abs=1e-12)
    assert got["mae"] == pytest.approx((1 + 0 + 2) / 3, abs=1e-12)
    assert got["spearman"] == pytest.approx(
        stats.spearmanr([1, 3, 4], [2, 3, 2]).statistic, abs=1e-9
    )


def test_metrics_on_constant_predictions_and_bad_input():
    got = regression_metrics([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])
    assert np.isnan(got["pearson"]) and np.isnan(got["spearman"])
    assert got["mae"] == pytest.approx(3.0)
    with pytest.raises(LumenError, match="at least two"):
        regression_metrics([1.0, np.nan], [1.0, 2.0])
    with pytest.raises(LumenError, match="one each"):
        regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0])


def test_regression_head_columns_and_absolute_error_filter():
    frame = pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "text": ["w", "x", "y", "z"],
            "rating": [1.0, -2.0, np.nan, 0.5],
        }
    )
    result = with_regression_head(frame, np.array([1.5, 1.0, 0.0, 0.5]), "rating")
    assert result[PRED_SCORE].tolist() == [1.5, 1.0, 0.0, 0.5]
    assert result[RESIDUAL].tolist()[:2] == [0.5, 3.0]
    assert np.isnan(result[ABS_ERROR].iloc[2]) and result[ABS_ERROR].iloc[3] == 0.0
    assert result.loc[error_above(result, 0.4), "id"].tolist() == ["a", "b"]
    assert result.loc[error_above(result, 0.0), "id"].tolist() == ["a", "b"]
    with pytest.raises(LumenError, match="0 or more"):
        error_above(result, -1.0)
    with pytest.raises(LumenError, match="not a numeric column"):
        with_regression_head(frame, np.zeros(4), "text")
    with pytest.raises(LumenError, match="3 scores for 4 rows"):
        with_regression_head(frame, np.zeros(3), "rating")


# --- the wrapper ----------------------------------------------------------------


def test_predict_matches_a_manual_forward_pass(regressor):
    predicted = regressor.predict(TEXTS, bf16=False)
    assert predicted.scores.shape == (4,) and predicted.scores.dtype == np.float32
    assert predicted.cls_embedding.shape == (4, 32)
    assert predicted.mean_embedding.shape == (4, 32)
    assert predicted.tokens[0][0] == "[CLS]" and not predicted.truncated.any()
    encoded = regressor.tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        logits = regressor.model(**encoded).logits  # <float32>[4, 1]
    np.testing.assert_allclose(predicted.scores, logits[:, 0].numpy(), atol=1e-5)
    # Batches of one row give the same scores as one batch of four.
    one_by_one = regressor.predict(TEXTS, batch_tokens=1, bf16=False)
    np.testing.assert_allclose(one_by_one.scores, predicted.scores, atol=1e-5)


def test_specs_name_the_target(regressor):
    assert regressor.target == "rating"
    assert regressor.output_spec()["score"].parent == "rating"
    assert "rating" in regressor.input_spec()


def test_classifier_and_regressor_refuse_each_other(regressor_dir, tiny_model_dir):
    with pytest.raises(ModelError, match="exactly one"):
        Regressor.from_pretrained(tiny_model_dir)
    with pytest.raises(ModelError, match="Open it as a regression head"):
        SequenceClassifier.from_pretrained(regressor_dir)
    with pytest.raises(ModelError, match="Could not load"):
        Regressor.from_pretrained(regressor_dir / "missing")


def test_scores_go_through_the_prediction_store(regressor, tmp_path):
    frame = pd.DataFrame({"id": ["a", "b", "c", "d"], "text": TEXTS})
    store = PredictionStore(tmp_path / "store.sqlite")
    scores = predict_scores(regressor, frame, store)
    stored, missing = store.get(regressor.fingerprint, ["c", "a"])
    assert missing == [] and stored.probas.shape == (2, 1)
    np.testing.assert_array_equal(stored.probas[:, 0], scores[[2, 0]])
    np.testing.assert_allclose(scores, regressor.predict(TEXTS).scores, atol=1e-6)


# --- training -------------------------------------------------------------------

TINY_CONFIG = TrainConfig(epochs=20, learning_rate=3e-3, batch_size=4, max_length=16)


def rated_data():
    rows = [
        {"text": f"the {word} film", "label": label, "rating": rating}
        for words, label, rating in (
            ("great wonderful fun best love", "good", 3.0),
            ("awful terrible boring worst hate", "bad", -3.0),
        )
        for word in words.split()
    ]
    return from_frame(
        pd.DataFrame(rows * 2),
        ColumnMapping(text="text", label="label", metadata=("rating",)),
    )


def test_training_a_regression_head_lowers_the_loss(encoder_dir):
    data = rated_data()
    losses: list[float] = []
    folder = fine_tune(
        encoder_dir,
        data,
        TINY_CONFIG,
        lambda progress: losses.append(progress.loss),
        target="rating",
    )
    assert len(losses) == 100
    assert np.mean(losses[-5:]) < 0.25 * np.mean(losses[:5])
    info = json.loads((folder / TRAINING_INFO).read_text())
    assert info["regression_target"] == "rating"
    model = Regressor.from_pretrained(folder)
    assert model.target == "rating" and model.model.config.problem_type == "regression"
    # Trained on the standardised rating, saved on the rating's own scale (±3).
    scores = model.predict(data.texts(), bf16=False).scores
    fit = regression_metrics(data.frame["rating"], scores)
    assert fit["pearson"] > 0.9 and fit["mae"] < 0.5


def test_target_enters_the_cache_key_only_when_set(tiny_model_dir):
    data = rated_data()
    plain = model_key(str(tiny_model_dir), data, TINY_CONFIG)
    assert model_key(str(tiny_model_dir), data, TINY_CONFIG, None) == plain
    rating_key = model_key(str(tiny_model_dir), data, TINY_CONFIG, "rating")
    assert rating_key != plain
    data.frame["rating"] = -data.frame["rating"]  # same ids and labels, new values
    assert model_key(str(tiny_model_dir), data, TINY_CONFIG, "rating") != rating_key


def test_training_refuses_a_missing_or_text_target(tiny_model_dir):
    with pytest.raises(ModelError, match="numeric column 'stars'"):
        fine_tune(tiny_model_dir, rated_data(), TINY_CONFIG, target="stars")
    with pytest.raises(ModelError, match="numeric column 'label'"):
        fine_tune(tiny_model_dir, rated_data(), TINY_CONFIG, target="label")


# --- salience of the score ------------------------------------------------------


SCORE_METHODS = ["Gradient L2 norm", "Gradient × input", "Integrated gradients"]


def test_score_methods_are_the_registrys_target_function_methods(regressor):
    assert compatible(regressor, regression_score(regressor)) == SCORE_METHODS


@pytest.mark.parametrize("name", SCORE_METHODS)
def test_salience_explains_the_score(regressor, name):
    salience = build(name, {"precision": "fp32"}).explain(
        regressor, TEXTS[0], target=regression_score(regressor)
    )
    assert len(salience.scores) == len(salience.tokens) == len(salience.special)
    assert np.isfinite(salience.scores).all() and np.abs(salience.scores).sum() > 0
    expected = regressor.predict([TEXTS[0]], bf16=False).scores[0]
    assert salience.target_output == pytest.approx(float(expected), abs=1e-5)
    assert salience.target is None and salience.target_label == "rating score"
    table = salience.table()
    assert table["token"].tolist() == ["the", "movie", "was", "great"]


def test_integrated_gradients_sum_to_the_score_change(regressor):
    method = build("Integrated gradients", {"steps": 128, "precision": "fp32"})
    salience = method.explain(regressor, TEXTS[1], target=regression_score(regressor))
    change = salience.details["output_change"]
    assert abs(change) > 1e-4  # the property below is not trivially true
    assert salience.scores.sum() == pytest.approx(change, abs=0.02 * abs(change))


def test_salience_settings_are_checked(regressor):
    score = regression_score(regressor)
    with pytest.raises(LumenError, match="Steps must be between"):
        build("Integrated gradients", {"steps": 2}).explain(
            regressor, TEXTS[0], target=score
        )
    with pytest.raises(LumenError, match="LIME explains a class, not the rating score"):
        build("LIME").explain(regressor, TEXTS[0], target=score)
    with pytest.raises(LumenError, match="empty"):
        build("Gradient × input").explain(regressor, "", target=score)
