"""Cached accessors: models per process, data and predictions per fingerprint."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.dataset import ColumnMapping, Dataset
from litcore.data.demo import load_demo
from litcore.projection import (
    ProgressFn,
    Projector,
    StoredProjection,
    fitted_here,
    make_projector,
    projection_key,
    stored_projection,
)
from litcore.projection_child import fit_in_child, fitted_in_child
from litcore.session import background, policy
from litcore.session.heap import release_freed_memory
from litcore.session.loaders import load_classifier, read_dataset
from litcore.session.memo import ProgressResults
from litcore.session.predictions import predicted_fields
from litcore.store.disk_rows import DiskRows
from litcore.store.predictions import PredictionStore

if TYPE_CHECKING:  # torch loads with the pages that run a model, not here
    from litcore.generators.batch import BatchResult
    from litcore.models.classifier import SequenceClassifier
    from litcore.salience.base import TokenSalience
    from litcore.salience.faithfulness import Faithfulness


@st.cache_resource(show_spinner=False)
def prediction_store() -> PredictionStore:
    """One store per process; SQLite connections are opened per call."""
    return PredictionStore()


@st.cache_resource(
    show_spinner="Loading the model…", max_entries=policy.classifiers_kept()
)
def load_model(
    source: str, trust_remote_code: bool = False, revision: str | None = None
) -> SequenceClassifier:
    """A classifier shared by every session; never mutated after loading."""
    return load_classifier(source, trust_remote_code, revision)


@st.cache_data(show_spinner=False, max_entries=8)
def demo_datasets(key: str) -> tuple[Dataset, Dataset]:
    """(train, held-out) of a built-in dataset."""
    return load_demo(key)


@st.cache_data(show_spinner="Reading the file…", max_entries=8)
def dataset_from_bytes(
    content: bytes,
    fmt: str,
    mapping: ColumnMapping,
    name: str,
    delimiter: str | None,
    encoding: str,
) -> Dataset:
    """A user file parsed and mapped; keyed by its content, so re-uploads are free."""
    return read_dataset(content, fmt, mapping, name, delimiter, encoding)


_BATCHES = ProgressResults(max_entries=8)
_SELECTION_SCORES = ProgressResults(max_entries=16)


# --- counterfactuals (issue 5) --------------------------------------------------


def counterfactual_batch(
    model_fingerprint: str,
    generators: tuple[tuple[str, tuple[tuple[str, object], ...]], ...],
    example_ids: tuple[str, ...],
    examples: pd.DataFrame,
    model: SequenceClassifier,
    progress=None,
) -> BatchResult:
    """Batch mode over ``examples`` (whose ids are ``example_ids``)."""

    from litcore.generators import registry as generator_registry
    from litcore.generators.batch import run_batch

    def compute() -> BatchResult:
        built = [generator_registry.build(name, dict(c)) for name, c in generators]
        return run_batch(built, examples, model, progress)

    return _BATCHES.get_or_compute(
        (model_fingerprint, generators, example_ids), compute
    )


# --- projections (issue 3) ------------------------------------------------------


@st.cache_resource(show_spinner=False, max_entries=8)
def embeddings(
    model_fingerprint: str,
    frame_fingerprint: str,
    field: str,
    _model: SequenceClassifier,
    _frame: pd.DataFrame,
) -> np.ndarray | DiskRows:
    """``<float>[n, dim]`` pooled embeddings (``field``) of ``_frame``'s rows.

    One read-only array per process (not a copy per call: 77 MB at 50k rows);
    only ``field`` is read (float16 and memory-mapped from a run or snapshot;
    a run of several shards gives ``DiskRows``, read when indexed).
    """
    store = prediction_store()
    vectors = predicted_fields(_model, _frame, store, [field])[field]
    if isinstance(vectors, np.ndarray):
        vectors.setflags(write=False)
    return vectors


# Seconds after a page's run before background work starts (let the browser draw).
WARM_UP_DELAY_S = 3.0


@st.cache_resource(show_spinner=False, max_entries=8)
def start_weights_load(
    model_fingerprint: str, _model: SequenceClassifier
) -> background.BackgroundJob:
    """Loads a model's weights in the background, once per process, then sets up
    salience (``registry.warm_up``).

    A warm launch draws its first page from stored predictions, without the
    weights; they load while the user reads it, not when a page needs them. A
    load that fails here fails again, with its message, on that page.
    """

    def load(report: background.JobProgressFn) -> None:
        report(0.0, "loading the weights")
        from litcore.salience import registry as salience_registry  # torch

        try:
            _model.model  # noqa: B018 (the property loads the weights)
            report(0.5, "setting up salience")
            salience_registry.warm_up(_model)
        except LumenError:
            pass
        release_freed_memory()  # the load's and the warm-up's buffers

    name = f"lumen-weights-load-{model_fingerprint}"
    return background.start_once(name, load, delay_s=WARM_UP_DELAY_S)


@st.cache_data(show_spinner=False, max_entries=16)
def projection(
    model_fingerprint: str,
    data_fingerprint: str,
    field: str,
    method: str,
    params: tuple[tuple[str, object], ...],
    _embeddings: np.ndarray,
    _progress: ProgressFn | None = None,
) -> StoredProjection:
    """The dataset's 2-D projection, computed once and kept in the prediction store
    (``_progress``: see ``stored_projection``); UMAP is fitted in a child process,
    so the server never imports it."""
    projector = make_projector(method, dict(params))
    key = projection_key(model_fingerprint, data_fingerprint, field, projector)
    fit = fitted_in_child if projector.fits_in_child else fitted_here
    store = prediction_store()
    return stored_projection(store, key, _embeddings, projector, _progress, fit)


@st.cache_resource(show_spinner=False, max_entries=4)
def fitted_projector(
    model_fingerprint: str,
    data_fingerprint: str,
    field: str,
    method: str,
    params: tuple[tuple[str, object], ...],
    _embeddings: np.ndarray,
) -> Projector:
    """A fitted projector shared by sessions, to ``transform`` points added later
    (one that ``fits_in_child`` is never fitted here: see ``placed_in_child``).

    Only ``transform`` is called on it, which leaves it unchanged.
    """
    return make_projector(method, dict(params)).fit(_embeddings)


@st.cache_data(show_spinner=False, max_entries=16)
def placed_in_child(
    model_fingerprint: str,
    data_fingerprint: str,
    field: str,
    method: str,
    params: tuple[tuple[str, object], ...],
    new_embeddings: np.ndarray,
    _embeddings: np.ndarray,
) -> np.ndarray:
    """``<float32>[m, 2]``: points added later, placed by a projector fitted in a
    child process (the same seeded fit as the stored projection's)."""
    projector = make_projector(method, dict(params))
    return fit_in_child(projector, _embeddings, added=new_embeddings).placed


def placed_points(
    model_fingerprint: str,
    data_fingerprint: str,
    field: str,
    method: str,
    params: tuple[tuple[str, object], ...],
    embeddings: np.ndarray,
    new_embeddings: np.ndarray,
) -> np.ndarray:
    """``<float32>[m, 2]``: points added later, placed by the fitted projector."""
    if make_projector(method, dict(params)).fits_in_child:
        return placed_in_child(
            model_fingerprint,
            data_fingerprint,
            field,
            method,
            params,
            new_embeddings,
            embeddings,
        )
    projector = fitted_projector(
        model_fingerprint, data_fingerprint, field, method, params, embeddings
    )
    return projector.transform(new_embeddings)


# --- explanations (issue 4) -----------------------------------------------------


@st.cache_data(show_spinner=False, max_entries=512)
def explanation(
    model_fingerprint: str,
    method_name: str,
    config: tuple[tuple[str, object], ...],
    text: str,
    text_b: str | None,
    target: int,
    _model: SequenceClassifier,
) -> TokenSalience:
    """Token salience per (model, method, config, example text, class)."""
    from litcore.salience import registry as salience_registry

    method = salience_registry.build(method_name, dict(config))
    return method.explain(_model, text, text_b, target)


@st.cache_data(show_spinner=False, max_entries=512)
def explanation_faithfulness(
    model_fingerprint: str,
    method_name: str,
    config: tuple[tuple[str, object], ...],
    text: str,
    text_b: str | None,
    target: int,
    removal: str,
    _model: SequenceClassifier,
) -> Faithfulness:
    """Comprehensiveness, sufficiency and deletion curve of one explanation."""
    from litcore.salience.faithfulness import faithfulness

    salience = explanation(
        model_fingerprint, method_name, config, text, text_b, target, _model
    )
    return faithfulness(_model, salience, removal)


def selection_faithfulness(
    model_fingerprint: str,
    example_ids: tuple[str, ...],
    methods: tuple[tuple[str, tuple[tuple[str, object], ...]], ...],
    removal: str,
    texts: list[str],
    texts_b: list[str] | None,
    model: SequenceClassifier,
    progress=None,
) -> pd.DataFrame:
    """Faithfulness per (example, method) of the examples ``example_ids``."""
    from litcore.salience import registry as salience_registry
    from litcore.salience.faithfulness import score_selection

    def compute() -> pd.DataFrame:
        built = [salience_registry.build(name, dict(c)) for name, c in methods]
        return score_selection(model, texts, texts_b, built, removal, progress=progress)

    return _SELECTION_SCORES.get_or_compute(
        (model_fingerprint, example_ids, methods, removal), compute
    )
