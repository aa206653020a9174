"""Predictions for a dataset, through the store, and the frame every view reads."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from litcore.data.dataset import Dataset, text_length_words
from litcore.metrics.base import Metric, MetricReport
from litcore.metrics.classification import (
    ClassificationReport,
    MulticlassMetrics,
    category_codes,
)
from litcore.models.outputs import Predictions, ProgressFn
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
from litcore.store.fields import PREDICTION_FIELDS, checked_fields
from litcore.store.predictions import PredictionStore
from litcore.store.run import stored_predictions

if TYPE_CHECKING:  # stored predictions are read without torch
    from litcore.models.classifier import SequenceClassifier
    from litcore.models.regressor import Regressor

# What the analysis frame reads of the predictions: never the embeddings.
FRAME_FIELDS = ("probas", "truncated")


def predict_dataset(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> Predictions:
    """Every field of the predictions for the rows of ``frame`` (by id), in its
    order: ``predicted_fields`` with all of ``PREDICTION_FIELDS``."""
    return Predictions(
        **predicted_fields(model, frame, store, PREDICTION_FIELDS, progress)
    )


def predicted_fields(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    names: Sequence[str],
    progress: ProgressFn | None = None,
) -> dict[str, object]:
    """The fields ``names`` of the predictions for the rows of ``frame`` (by id),
    in its order, predicting (and storing) those nowhere stored.

    Read from, in turn: the run opened with ``model`` (its rows), the store's
    snapshot of exactly these ids, or the store's rows. A dataset big enough
    for a snapshot (``store.snapshots.wanted``) that has none is read whole
    once, and its snapshot written, so later reads take it in one go; the
    values returned are then the snapshot's (float16 embeddings, memory-mapped).

    Args:
        names: of ``PREDICTION_FIELDS``; only those are read (the analysis
            frame never reads embeddings; the Embeddings page one field).

    Returns:
        field -> ``<float32>[n, ...]`` array (float16 for embeddings read from
        a run or snapshot), a sequence of token lists for ``tokens``.

    Raises:
        ValueError: a name that is not a prediction field.
    """
    names = checked_fields(names)
    in_run = stored_predictions(model.fingerprint, frame[ID], names)
    if in_run is not None and len(in_run[0]) == len(frame):
        return in_run[1]
    ids = frame[ID].tolist()
    if in_run is not None:
        found, from_run = in_run
        rest = frame[~frame[ID].isin(set(found))]  # edited and generated rows
        others = predicted_fields(model, rest, store, names, progress)
        return _in_order(ids, [(found, from_run), (rest[ID].tolist(), others)])
    snapshots = store.snapshots
    snapshot = snapshots.read(model.fingerprint, ids, names)
    if snapshot is not None:
        return snapshot
    if not snapshots.wanted(len(ids), len(model.labels)):
        return _stored_or_predicted(model, frame, store, names, progress)
    every = _stored_or_predicted(model, frame, store, PREDICTION_FIELDS, progress)
    if snapshots.write(model.fingerprint, frame, every):
        snapshot = snapshots.read(model.fingerprint, ids, names)
    return snapshot or {name: every[name] for name in names}


def _stored_or_predicted(
    model: SequenceClassifier,
    frame: pd.DataFrame,
    store: PredictionStore,
    names: tuple[str, ...],
    progress: ProgressFn | None,
) -> dict[str, object]:
    """The fields ``names`` of ``frame``'s rows from the store's rows.

    The store is read once; the rows it lacks are predicted and stored, and
    their fields taken from those arrays, not read back. Only when some rows
    were stored and others not are the stored ones read a second time.
    """
    ids = frame[ID].tolist()
    stored, missing = store.read(model.fingerprint, ids, names)
    if stored is not None:
        return stored
    todo = frame.set_index(ID).loc[missing]
    texts_b = todo[TEXT_B].tolist() if TEXT_B in todo.columns else None
    fresh = model.predict(todo[TEXT].tolist(), texts_b, progress=progress)
    store.put(model.fingerprint, missing, fresh)
    new = {name: getattr(fresh, name) for name in names}
    if len(missing) == len(ids):
        return new
    unseen = set(missing)
    present = [i for i in ids if i not in unseen]
    earlier, _ = store.read(model.fingerprint, present, names)
    return _in_order(ids, [(present, earlier), (missing, new)])


def _in_order(
    ids: Sequence[str], parts: Sequence[tuple[Sequence[str], dict[str, object]]]
) -> dict[str, object]:
    """The fields of ``parts`` (each: ids and their fields) in ``ids``' order."""
    position = {
        example: row
        for row, example in enumerate(i for part_ids, _ in parts for i in part_ids)
    }
    take = [position[i] for i in ids]

    def column(name: str):
        values = [part[name] for _, part in parts]
        if isinstance(values[0], np.ndarray):
            return np.concatenate(values)[take]
        joined = [item for value in values for item in value]
        return [joined[row] for row in take]

    return {name: column(name) for name in parts[0][1]}


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
    fields = predicted_fields(model, data.frame, store, FRAME_FIELDS, progress)
    return outputs_frame(data, fields["probas"], fields["truncated"], model.labels)


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
    probas = _class_probabilities(frame, labels)
    return (metric or MulticlassMetrics()).compute(frame[LABEL], probas, labels)


def rows_report(
    frame: pd.DataFrame, labels: tuple[str, ...], metric: Metric | None = None
) -> Callable[[np.ndarray], ClassificationReport | MetricReport | None]:
    """``frame_report`` of the rows of ``frame`` at the positions it is given,
    for many sets of positions (the facet buckets): the gold labels are coded
    and the probabilities read once, and no rows are copied into a frame."""
    if LABEL not in frame.columns:
        return lambda positions: None
    codes = category_codes(frame[LABEL], labels)
    gold = pd.Categorical.from_codes(codes, categories=list(labels))
    probas = _class_probabilities(frame, labels)
    scorer = metric or MulticlassMetrics()
    return lambda positions: scorer.compute(gold[positions], probas[positions], labels)


def _class_probabilities(frame: pd.DataFrame, labels: tuple[str, ...]) -> np.ndarray:
    """``<float>[rows, len(labels)]``: the frame's ``p_<class>`` columns."""
    return frame[[proba_column(label) for label in labels]].to_numpy()


# --- regression scores, stored like class probabilities -----------------------


class _StoredScores:
    """A regressor as ``predict_dataset`` sees it: scores as a one-column array."""

    def __init__(self, model: Regressor) -> None:
        self.model = model
        self.fingerprint = model.fingerprint
        self.labels = ()  # scores, not classes: no snapshot, SQLite rows alone

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
    scored = predicted_fields(_StoredScores(model), frame, store, ["probas"], progress)
    return scored["probas"][:, 0]
