"""The active data and model of a session, built from the user's choice."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from litcore.data.dataset import ColumnMapping, Dataset, held_out_split, relabel
from litcore.data.demo import DEMOS
from litcore.errors import LumenError, ModelError
from litcore.metrics.agreement import ComparisonError, check_same_labels, with_model_b
from litcore.models.classifier import SequenceClassifier
from litcore.models.regressor import Regressor
from litcore.models.training import (
    base_model_dir,
    read_training_info,
)
from litcore.session.demo import DEMO_CONFIG
from litcore.session.heads import CLASSIFICATION, REGRESSION, Head, with_regression_head
from litcore.session.overlay import ORIGIN, ORIGINAL, PARENT_ID
from litcore.session.predictions import fill_store, predict_scores
from litcore.ui import cached, progress, state
from litcore.ui import regression as regression_ui

DEMO_MODEL = "demo"  # model_source meaning "MiniLM fine-tuned on this data"
# compare_source meaning "the same fine-tune with another seed" (a second model).
DEMO_OTHER_SEED = "demo-seed-1"
TRAIN_CONFIGS = {DEMO_MODEL: DEMO_CONFIG, DEMO_OTHER_SEED: replace(DEMO_CONFIG, seed=1)}
# regression_source meaning "MiniLM fine-tuned to regress the gold column".
TRAINED_HEAD = "minilm-regression-head"


class HeadError(LumenError):
    """The regression head cannot be loaded, trained or scored."""


@dataclass(frozen=True)
class SourceChoice:
    """What the user picked in the sidebar: data, column mapping and model.

    ``model_source`` is ``DEMO_MODEL`` (MiniLM fine-tuned on the training part
    of the data), a folder, or a hub id. ``compare_source``, a second model to
    compare with it, is None, ``DEMO_OTHER_SEED``, a folder or a hub id.
    ``regression_source``, a regression head scored against the numeric column
    ``regression_gold``, is None, ``TRAINED_HEAD``, a folder or a hub id.
    """

    demo_key: str | None = "movies"
    file_name: str | None = None
    file_bytes: bytes | None = field(default=None, repr=False)
    file_format: str = "csv"
    delimiter: str | None = None
    encoding: str = "utf-8"
    mapping: ColumnMapping | None = None
    model_source: str = DEMO_MODEL
    trust_remote_code: bool = False
    label_map: tuple[tuple[str, str], ...] = ()
    compare_source: str | None = None
    compare_trust_remote_code: bool = False
    regression_source: str | None = None
    regression_gold: str | None = None
    regression_trust_remote_code: bool = False

    @property
    def is_demo(self) -> bool:
        return self.demo_key is not None

    @property
    def can_train_second_model(self) -> bool:
        """Whether there is a training split to fine-tune ``DEMO_OTHER_SEED`` (or
        ``TRAINED_HEAD``) on."""
        return self.is_demo or self.model_source == DEMO_MODEL


@dataclass
class Workspace:
    """Everything a page needs: the data, the model(s) and the analysis frame.

    With a second model (``model_b``), ``frame`` also has its columns and
    ``agree`` (``litcore.metrics.agreement.with_model_b``). With a regression head
    (``regressor``, against the numeric column ``regression_gold``), it has the
    head's columns (``litcore.session.heads.with_regression_head``).
    """

    choice: SourceChoice
    data: Dataset
    model: SequenceClassifier
    frame: pd.DataFrame
    train_size: int | None = None
    training_info: dict | None = None
    model_b: SequenceClassifier | None = None
    regressor: Regressor | None = None
    regression_gold: str | None = None

    @property
    def heads(self) -> tuple[Head, ...]:
        """The classifier's head, then the regression head if there is one."""
        heads = (Head(LABEL_HEAD, CLASSIFICATION),)
        if self.regressor is not None and self.regression_gold:
            heads += (Head(self.regression_gold, REGRESSION),)
        return heads

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    @property
    def unknown_labels(self) -> list[str]:
        """Gold labels in the data that the model does not have."""
        if not self.data.has_labels:
            return []
        return sorted(set(self.data.frame["label"]) - set(self.model.labels))


# The classification head's name: the label it predicts.
LABEL_HEAD = "label"


def _data_for(choice: SourceChoice) -> tuple[Dataset, Dataset | None]:
    """(data to analyse, data to train on or None)."""
    if choice.is_demo:
        train, held_out = cached.demo_datasets(choice.demo_key)
        return held_out, train
    if choice.file_bytes is None or choice.mapping is None:
        raise LumenError("Choose a file and map its columns, then press 'Load data'.")
    data = cached.dataset_from_bytes(
        choice.file_bytes,
        choice.file_format,
        choice.mapping,
        choice.file_name or "data",
        choice.delimiter,
        choice.encoding,
    )
    if choice.model_source == DEMO_MODEL and data.has_labels:
        return held_out_split(data)
    return data, None


def model_title(source: str) -> str:
    """How the sidebar and pages name a model source."""
    titles = {
        DEMO_MODEL: "MiniLM fine-tuned on this data",
        DEMO_OTHER_SEED: "MiniLM fine-tuned with seed 1",
    }
    return titles.get(source, source)


def _model_dir(source: str, train: Dataset | None, area) -> str:
    """The folder of ``source``; fine-tunes MiniLM first for the built-in sources."""
    if source not in TRAIN_CONFIGS:
        return source
    if train is None or not train.has_labels:
        raise ModelError("Training a model needs labelled data: map a label column.")
    config = TRAIN_CONFIGS[source]
    status = f"Fine-tuning MiniLM on this data (seed {config.seed})…"
    return progress.fine_tuned(area, str(base_model_dir()), train, config, status)


def _analysis(
    model: SequenceClassifier, data: Dataset, progress_area, what: str
) -> pd.DataFrame:
    """``cached.analysis`` of (model, data), predicting first with a progress bar.

    The predictions are made (into the prediction store) outside the cached
    call: Streamlit replays what a cached function drew on each later hit, and
    a progress bar drawn into a block of an earlier run fails that replay.
    """
    with progress.counting_bar(progress_area, what) as report:
        fill_store(model, data.frame, cached.prediction_store(), report)
    return cached.analysis(model.fingerprint, cached.data_key(data), model, data)


def _model_b(
    choice: SourceChoice, model: SequenceClassifier, train: Dataset | None, area
) -> SequenceClassifier:
    """The second model, checked against the first.

    Raises:
        ComparisonError: it cannot be loaded, trained, or has other classes.
    """
    try:
        model_b_dir = _model_dir(choice.compare_source, train, area)
        model_b = cached.load_model(model_b_dir, choice.compare_trust_remote_code)
    except LumenError as error:
        raise ComparisonError(f"Model B: {error}") from error
    check_same_labels(model.labels, model_b.labels)
    return model_b


def _regression_head(
    choice: SourceChoice, data: Dataset, train: Dataset | None, progress_area
) -> tuple[Regressor, np.ndarray]:
    """The regression head and its scores on ``data`` (``TRAINED_HEAD`` trains
    on ``train`` first).

    Raises:
        LumenError: it cannot be loaded or trained, or its gold column is wrong.
    """
    gold = choice.regression_gold
    if gold not in data.metadata_columns:
        raise LumenError(
            f"The regression head needs a numeric gold column; '{gold}' is not one "
            f"of the data's metadata columns ({', '.join(data.metadata_columns)})."
        )
    source = choice.regression_source
    if source == TRAINED_HEAD:
        if train is None:
            raise ModelError(
                "Training a regression head needs a training split: pick 'MiniLM "
                "fine-tuned on this data' as the model."
            )
        status = f"Fine-tuning MiniLM to predict '{gold}'…"
        base = str(base_model_dir())
        source = progress.fine_tuned(
            progress_area, base, train, DEMO_CONFIG, status, target=gold
        )
    regressor = regression_ui.load_regressor(
        source, choice.regression_trust_remote_code
    )
    with progress.counting_bar(progress_area, "Scoring") as report:
        store = cached.prediction_store()
        return regressor, predict_scores(regressor, data.frame, store, report)


def build_workspace(choice: SourceChoice, progress_area) -> Workspace:
    """Loads data and model(s), trains and predicts as needed (all cached).

    Args:
        choice: what to load.
        progress_area: a container for progress bars (training, predictions).

    Raises:
        ComparisonError: only the second model is wrong; the rest would load.
        HeadError: only the regression head is wrong; the rest would load.
        LumenError: anything the user can fix; the message says what.
    """
    data, train = _data_for(choice)
    data = relabel(data, dict(choice.label_map))
    model_dir = _model_dir(choice.model_source, train, progress_area)
    model = cached.load_model(model_dir, choice.trust_remote_code)
    frame = _analysis(model, data, progress_area, "Predicting")
    model_b = None
    if choice.compare_source:
        model_b = _model_b(choice, model, train, progress_area)
        frame_b = _analysis(model_b, data, progress_area, "Predicting with model B")
        frame = with_model_b(frame, frame_b, model.labels)
    regressor = None
    if choice.regression_source:
        try:
            regressor, scores = _regression_head(choice, data, train, progress_area)
            frame = with_regression_head(frame, scores, choice.regression_gold)
        except LumenError as error:
            raise HeadError(f"Regression head: {error}") from error
    return Workspace(
        choice=choice,
        data=data,
        model=model,
        frame=frame,
        train_size=len(train)
        if train is not None and choice.model_source == DEMO_MODEL
        else None,
        training_info=read_training_info(model_dir),
        model_b=model_b,
        regressor=regressor,
        regression_gold=choice.regression_gold if regressor else None,
    )


def current() -> Workspace | None:
    return st.session_state.get(state.WORKSPACE)


def load_weights_in_background() -> None:
    """Starts loading the active models' weights (``cached.start_weights_load``)."""
    workspace = current()
    if workspace is None:
        return
    for model in (workspace.model, workspace.model_b):
        if model is not None:
            cached.start_weights_load(model.fingerprint, model)


def ensure_app_ran() -> None:
    """Reruns through app.py when Streamlit ran this page without it.

    A deep link as a fresh server's first request puts Streamlit in its
    pages/-folder mode, which runs the page alone (no sidebar, no menu). Every
    page calls this first, directly or through ``require``.
    """
    if PagesManager.uses_pages_directory:
        PagesManager.uses_pages_directory = False
        st.rerun()


def require() -> Workspace:
    """The active workspace; stops the page with a hint when there is none."""
    ensure_app_ran()
    workspace = current()
    if workspace is None:
        st.info("Choose a dataset and a model in the sidebar to begin.")
        st.stop()
    return workspace


def session_frame(workspace: Workspace) -> pd.DataFrame:
    """``workspace.frame`` plus this session's edited and generated rows.

    Adds ``origin`` ("original", "edited", "generated:<name>") and ``parent_id``
    columns; the overlay's predictions (both models' when comparing) go through
    the cached prediction store.
    """
    frame = workspace.frame.assign(**{ORIGIN: ORIGINAL, PARENT_ID: None})
    overlay = state.overlay(workspace.data.fingerprint)
    if not len(overlay):
        return frame
    added = overlay.dataset(workspace.data)
    model = workspace.model
    extra = cached.analysis(model.fingerprint, cached.data_key(added), model, added)
    if workspace.model_b is not None:
        model_b = workspace.model_b
        extra_b = cached.analysis(
            model_b.fingerprint, cached.data_key(added), model_b, added
        )
        extra = with_model_b(extra, extra_b, model.labels)
    if workspace.regressor is not None:
        regressor = workspace.regressor
        scores = regression_ui.scores(
            regressor.fingerprint, overlay.fingerprint, regressor, added
        )
        extra = with_regression_head(extra, scores, workspace.regression_gold)
    return pd.concat([frame, extra], ignore_index=True)


def chosen_head(workspace: Workspace) -> Head:
    """The head the user picked in the sidebar (the classifier's by default)."""
    wanted = st.session_state.get(state.HEAD)
    return next((h for h in workspace.heads if h.name == wanted), workspace.heads[0])


def demo_title(key: str) -> str:
    return DEMOS[key].title
