"""How a session loads and keeps what it builds: data, models, predictions.

``build_workspace`` takes a ``Loaders``. ``plain_loaders`` calls the core
directly and keeps results in an in-process memo (the CLI, a notebook, a
test); ``litcore.ui.workspace`` wraps the same calls in Streamlit's caches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from litcore.data.dataset import ColumnMapping, Dataset, from_frame
from litcore.data.demo import load_demo
from litcore.data.loading import read_bytes, read_source, source_name
from litcore.models.deferred import open_classifier
from litcore.models.outputs import ProgressFn
from litcore.models.training_config import ProgressFn as TrainProgressFn
from litcore.models.training_config import TrainConfig, trained_model_dir
from litcore.session.memo import ProgressResults
from litcore.session.predictions import analysis, data_key, predict_scores
from litcore.store.predictions import PredictionStore

if TYPE_CHECKING:  # torch and transformers load with a model, not with this module
    from litcore.models.classifier import SequenceClassifier
    from litcore.models.regressor import Regressor

# (source, trust_remote_code, revision) -> a model shared by every user, never
# mutated.
ModelLoader = Callable[[str, bool, str | None], "SequenceClassifier"]
RegressorLoader = Callable[[str, bool], "Regressor"]
# (content, format, mapping, name, delimiter, encoding) -> the mapped data.
BytesLoader = Callable[[bytes, str, ColumnMapping, str, str | None, str], Dataset]
# (path or hf: spec, mapping, delimiter, encoding) -> the mapped data.
SourceLoader = Callable[[str, ColumnMapping, str | None, str], Dataset]
# (base, train data, config, progress, regression target) -> the model's folder.
Trainer = Callable[[str, Dataset, TrainConfig, TrainProgressFn | None, str | None], str]


@dataclass(frozen=True)
class Loaders:
    """The loading and caching calls a session is built with.

    Attributes:
        prediction_store: the store predictions go through.
        load_model: a classifier from a folder or hub id.
        load_regressor: a regression model from a folder or hub id.
        demo_datasets: (train, held-out) of a built-in dataset.
        dataset_from_bytes: a file's bytes read and mapped.
        dataset_from_source: a path or ``hf:`` spec read and mapped.
        trained_model: the folder of a model fine-tuned on some data.
        analysis: (model, data, progress) -> the analysis frame, predicting
            what the store lacks.
        scores: (regressor, data, progress) -> ``<float32>[n]`` scores.
    """

    prediction_store: Callable[[], PredictionStore]
    load_model: ModelLoader
    load_regressor: RegressorLoader
    demo_datasets: Callable[[str], tuple[Dataset, Dataset]]
    dataset_from_bytes: BytesLoader
    dataset_from_source: SourceLoader
    trained_model: Trainer
    analysis: Callable[[SequenceClassifier, Dataset, ProgressFn | None], pd.DataFrame]
    scores: Callable[[Regressor, Dataset, ProgressFn | None], np.ndarray]


def read_dataset(
    content: bytes,
    fmt: str,
    mapping: ColumnMapping,
    name: str,
    delimiter: str | None,
    encoding: str,
) -> Dataset:
    """A file's bytes parsed and mapped."""
    raw = read_bytes(content, fmt, delimiter=delimiter, encoding=encoding)
    return from_frame(raw, mapping, name=name)


def read_source_dataset(
    source: str,
    mapping: ColumnMapping,
    delimiter: str | None,
    encoding: str,
    read: Callable[[str, str | None, str], pd.DataFrame] = read_source,
) -> Dataset:
    """A file, ``save_to_disk`` folder or ``hf:`` dataset read (by ``read``, by
    default ``litcore.data.loading.read_source``) and mapped."""
    return from_frame(read(source, delimiter, encoding), mapping, source_name(source))


def load_classifier(
    source: str, trust_remote_code: bool = False, revision: str | None = None
) -> SequenceClassifier:
    """A classifier; a local folder opened before is a ``DeferredClassifier``
    (``litcore.models.deferred``): its code and weights load on first use."""
    return open_classifier(source, trust_remote_code, revision)


def load_regressor(source: str, trust_remote_code: bool = False) -> Regressor:
    from litcore.models.regressor import Regressor  # torch: with the model

    return Regressor.from_pretrained(
        source.strip(), trust_remote_code=trust_remote_code
    )


_TRAINED = ProgressResults(max_entries=8)


def trained_model(
    base: str,
    data: Dataset,
    config: TrainConfig,
    progress: TrainProgressFn | None = None,
    target: str | None = None,
) -> str:
    """Fine-tunes ``base`` on ``data`` (``target``: a regression head on that
    column) once per process, and once on disk."""
    from litcore.models.training import fine_tune  # torch: only to train

    return _TRAINED.get_or_compute(
        trained_model_dir(base, data, config, target),
        lambda: str(fine_tune(base, data, config, progress, target)),
    )


def _memoised(compute: Callable, store: Callable[[], PredictionStore], max_entries):
    """``compute(model, data, store, progress)`` kept per (model, data content)."""
    memo = ProgressResults(max_entries)

    def memoised(model, data: Dataset, progress: ProgressFn | None = None):
        return memo.get_or_compute(
            (model.fingerprint, data_key(data)),
            lambda: compute(model, data, store(), progress),
        )

    return memoised


def memoised_analysis(
    store: Callable[[], PredictionStore], max_entries: int = 16
) -> Callable[[SequenceClassifier, Dataset, ProgressFn | None], pd.DataFrame]:
    """``predictions.analysis`` kept per (model, data content), ``max_entries``."""
    return _memoised(analysis, store, max_entries)


def _scores(model: Regressor, data: Dataset, store, progress) -> np.ndarray:
    return predict_scores(model, data.frame, store, progress)


def memoised_scores(
    store: Callable[[], PredictionStore], max_entries: int = 16
) -> Callable[[Regressor, Dataset, ProgressFn | None], np.ndarray]:
    """``predictions.predict_scores`` kept per (model, data content)."""
    return _memoised(_scores, store, max_entries)


def plain_loaders(store: PredictionStore | None = None) -> Loaders:
    """Direct calls, each result kept in this object's own memo.

    Args:
        store: the prediction store; by default the one in the cache folder,
            opened on first use.
    """
    prediction_store = (lambda: store) if store is not None else cache(PredictionStore)
    return Loaders(
        prediction_store=prediction_store,
        load_model=lru_cache(maxsize=4)(load_classifier),
        load_regressor=lru_cache(maxsize=2)(load_regressor),
        demo_datasets=lru_cache(maxsize=8)(load_demo),
        dataset_from_bytes=lru_cache(maxsize=8)(read_dataset),
        dataset_from_source=lru_cache(maxsize=8)(read_source_dataset),
        trained_model=trained_model,
        analysis=memoised_analysis(prediction_store),
        scores=memoised_scores(prediction_store),
    )
