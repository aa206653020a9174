"""Predictions for a dataset, through the store, and the frame every view reads."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import fields

import numpy as np
import pandas as pd

from litcore.data.dataset import Dataset, text_length_words
from litcore.metrics.base import Metric, MetricReport
from litcore.metrics.classification import ClassificationReport, MulticlassMetrics
from litcore.models.classifier import Predictions, ProgressFn, SequenceClassifier
from litcore.models.regressor import Regressor
from litcore.session.columns import (
    CONFIDENCE,
    CORRECT,
    ID,
    LABEL,
    LENGTH,
    PRED,
    TEXT,
    TEXT_B,
    TRUNCATED,
    proba_column,
)
from litcore.store.predictions import PredictionStore
from litcore.store.run import stored_predictions


def predict_dataset(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> Predictions:
    """Predictions for the rows of ``frame`` (by id), in its order: those the run
    opened with ``model`` holds from the run, the others through ``store``.

    The store is read once; the rows it lacks are predicted and stored, and
    the result is built from those arrays, not read back. Only when some rows
    were stored and others not are the stored ones read a second time.
    """
    ids = frame[ID].tolist()
    in_run = stored_predictions(model.fingerprint, ids)
    if in_run is not None:
        found, from_run = in_run
        if len(found) == len(ids):
            return from_run
        rest = frame[~frame[ID].isin(set(found))]  # edited and generated rows
        others = predict_dataset(model, rest, store, progress)
        return _in_order(ids, [(found, from_run), (rest[ID].tolist(), others)])
    stored, missing = store.get(model.fingerprint, ids)
    if stored is not None:
        return stored
    todo = frame.set_index(ID).loc[missing]
    texts_b = todo[TEXT_B].tolist() if TEXT_B in todo.columns else None
    fresh = model.predict(todo[TEXT].tolist(), texts_b, progress=progress)
    store.put(model.fingerprint, missing, fresh)
    if len(missing) == len(ids):
        return fresh
    unseen = set(missing)
    present = [i for i in ids if i not in unseen]
    earlier, _ = store.get(model.fingerprint, present)
    return _in_order(ids, [(present, earlier), (missing, fresh)])


def _in_order(
    ids: Sequence[str], parts: Sequence[tuple[Sequence[str], Predictions]]
) -> Predictions:
    """The rows of ``parts`` (each: ids and their predictions) in ``ids``' order."""
    position = {
        example: row
        for row, example in enumerate(i for part_ids, _ in parts for i in part_ids)
    }
    take = [position[i] for i in ids]

    def column(name: str):
        values = [getattr(predictions, name) for _, predictions in parts]
        if isinstance(values[0], np.ndarray):
            return np.concatenate(values)[take]
        joined = [item for value in values for item in value]
        return [joined[row] for row in take]

    return Predictions(**{f.name: column(f.name) for f in fields(Predictions)})


def data_key(data: Dataset) -> str:
    """A cache key for everything in ``data``'s frame (metadata columns included).

    ``Dataset.fingerprint`` covers ids and labels only, so the same file mapped
    with other metadata columns needs this to get its own analysis frame.
    """
    content = pd.util.hash_pandas_object(data.frame, index=False).to_numpy()
    columns = "\x1f".join(map(str, data.frame.columns))
    digest = hashlib.sha1(content.tobytes() + columns.encode("utf-8"))
    return f"{data.fingerprint}:{digest.hexdigest()[:16]}"


def analysis(
    model: SequenceClassifier,
    data: Dataset,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """``analysis_frame`` of ``model`` on ``data``, predicting what the store lacks."""
    predictions = predict_dataset(model, data.frame, store, progress)
    return analysis_frame(data, predictions, model.labels)


def analysis_frame(
    data: Dataset, predictions: Predictions, model_labels: tuple[str, ...]
) -> pd.DataFrame:
    """The dataset joined with predictions: what tables, filters and charts read.

    Columns: id, text [, text_b], label, metadata, pred, confidence, correct,
    one ``p_<class>`` per class, length (words) and truncated. ``correct`` is NA
    where the gold label is missing or unknown to the model.
    """
    return outputs_frame(data, predictions.probas, predictions.truncated, model_labels)


def outputs_frame(
    data: Dataset,
    probas: np.ndarray,
    truncated: np.ndarray,
    model_labels: tuple[str, ...],
    lengths: np.ndarray | None = None,
) -> pd.DataFrame:
    """``analysis_frame`` from the arrays it reads (a run has them without the
    embeddings ``Predictions`` would bring along).

    Args:
        probas: ``<float32>[n, num_labels]``.
        truncated: ``<bool>[n]``.
        lengths: ``<int>[n]`` words per text, if known (a run stores them);
            else counted here.
    """
    frame = data.frame.copy()
    frame[PRED] = np.asarray(model_labels)[probas.argmax(axis=1)]
    frame[CONFIDENCE] = probas.max(axis=1).astype(float)
    if LABEL in frame.columns:
        known = frame[LABEL].isin(model_labels)
        frame[CORRECT] = pd.array(frame[PRED] == frame[LABEL], dtype="boolean")
        frame.loc[~known, CORRECT] = pd.NA
    for column, label in enumerate(model_labels):
        frame[proba_column(label)] = probas[:, column].astype(float)
    frame[LENGTH] = text_length_words(frame) if lengths is None else lengths
    frame[TRUNCATED] = truncated
    return frame


def frame_report(
    frame: pd.DataFrame, labels: tuple[str, ...], metric: Metric | None = None
) -> ClassificationReport | MetricReport | None:
    """Classification metrics of the rows of an analysis frame (None: no known gold).

    Args:
        metric: a registered metric of the class probabilities against the gold
            label (``MulticlassMetrics`` at its defaults when None); the report
            is that metric's.
    """
    if LABEL not in frame.columns or frame.empty:
        return None
    probas = frame[[proba_column(label) for label in labels]].to_numpy()
    return (metric or MulticlassMetrics()).compute(frame[LABEL], probas, labels)


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
