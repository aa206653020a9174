"""Predictions for a dataset, through the store, and the frame every view reads."""

from __future__ import annotations

import numpy as np
import pandas as pd

from litcore.data.dataset import ID, LABEL, TEXT, TEXT_B, Dataset, text_length_words
from litcore.metrics.classification import ClassificationReport, classification_report
from litcore.models.classifier import Predictions, ProgressFn, SequenceClassifier
from litcore.models.regressor import Regressor
from litcore.store.predictions import PredictionStore

PRED, CONFIDENCE, CORRECT = "pred", "confidence", "correct"
LENGTH, TRUNCATED = "length", "truncated"
PROBA_PREFIX = "p_"


def predict_dataset(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> Predictions:
    """Predictions for the rows of ``frame`` (by id); computes only what is missing."""
    fill_store(model, frame, store, progress)
    cached, _ = store.get(model.fingerprint, frame[ID].tolist())
    return cached


def fill_store(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> None:
    """Predicts the rows of ``frame`` that the store lacks, and stores them."""
    missing = store.missing(model.fingerprint, frame[ID].tolist())
    if not missing:
        return
    todo = frame.set_index(ID).loc[missing]
    texts_b = todo[TEXT_B].tolist() if TEXT_B in todo.columns else None
    fresh = model.predict(todo[TEXT].tolist(), texts_b, progress=progress)
    store.put(model.fingerprint, missing, fresh)


def proba_column(label: str) -> str:
    return f"{PROBA_PREFIX}{label}"


def analysis_frame(
    data: Dataset, predictions: Predictions, model_labels: tuple[str, ...]
) -> pd.DataFrame:
    """The dataset joined with predictions: what tables, filters and charts read.

    Columns: id, text [, text_b], label, metadata, pred, confidence, correct,
    one ``p_<class>`` per class, length (words) and truncated. ``correct`` is NA
    where the gold label is missing or unknown to the model.
    """
    frame = data.frame.copy()
    probas = predictions.probas
    frame[PRED] = np.asarray(model_labels)[probas.argmax(axis=1)]
    frame[CONFIDENCE] = probas.max(axis=1).astype(float)
    if LABEL in frame.columns:
        known = frame[LABEL].isin(model_labels)
        frame[CORRECT] = pd.array(frame[PRED] == frame[LABEL], dtype="boolean")
        frame.loc[~known, CORRECT] = pd.NA
    for column, label in enumerate(model_labels):
        frame[proba_column(label)] = probas[:, column].astype(float)
    frame[LENGTH] = text_length_words(frame)
    frame[TRUNCATED] = predictions.truncated
    return frame


def frame_report(
    frame: pd.DataFrame, labels: tuple[str, ...]
) -> ClassificationReport | None:
    """Classification metrics of the rows of an analysis frame (None: no known gold)."""
    if LABEL not in frame.columns or frame.empty:
        return None
    probas = frame[[proba_column(label) for label in labels]].to_numpy()
    return classification_report(frame[LABEL], probas, labels)


# --- regression scores, stored like class probabilities -----------------------


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
