"""The active data and model of a session, built from the user's choice."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from litcore.data.dataset import ColumnMapping, Dataset, held_out_split, relabel
from litcore.data.demo import DEMOS
from litcore.demo_model import DEMO_CONFIG
from litcore.errors import LumenError, ModelError
from litcore.models.classifier import SequenceClassifier
from litcore.models.training import base_model_dir, read_training_info
from litcore.overlay import ORIGIN, ORIGINAL, PARENT_ID
from litcore.ui import cached, state

DEMO_MODEL = "demo"  # model_source meaning "MiniLM fine-tuned on this data"


@dataclass(frozen=True)
class SourceChoice:
    """What the user picked in the sidebar: data, column mapping and model.

    ``model_source`` is ``DEMO_MODEL`` (MiniLM fine-tuned on the training part
    of the data), a folder, or a hub id.
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

    @property
    def is_demo(self) -> bool:
        return self.demo_key is not None


@dataclass
class Workspace:
    """Everything a page needs: the data, the model and the analysis frame."""

    choice: SourceChoice
    data: Dataset
    model: SequenceClassifier
    frame: pd.DataFrame
    train_size: int | None = None
    training_info: dict | None = None

    @property
    def labels(self) -> tuple[str, ...]:
        return self.model.labels

    @property
    def unknown_labels(self) -> list[str]:
        """Gold labels in the data that the model does not have."""
        if not self.data.has_labels:
            return []
        return sorted(set(self.data.frame["label"]) - set(self.model.labels))


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


def _model_dir(choice: SourceChoice, train: Dataset | None, progress_area) -> str:
    if choice.model_source != DEMO_MODEL:
        return choice.model_source
    if train is None or not train.has_labels:
        raise ModelError("Training a model needs labelled data: map a label column.")
    with progress_area.status("Fine-tuning MiniLM on this data…", expanded=True) as box:
        bar = st.progress(0.0, text="Preparing…")

        def report(progress) -> None:
            bar.progress(progress.step / progress.total_steps, text=progress.describe())

        model_dir = cached.trained_model(
            str(base_model_dir()),
            train,
            train.fingerprint,
            DEMO_CONFIG,
            _progress=report,
        )
        box.update(label="Model ready", state="complete", expanded=False)
    return model_dir


def build_workspace(choice: SourceChoice, progress_area) -> Workspace:
    """Loads data and model, trains and predicts as needed (all cached).

    Args:
        choice: what to load.
        progress_area: a container for progress bars (training, predictions).

    Raises:
        LumenError: anything the user can fix; the message says what.
    """
    data, train = _data_for(choice)
    data = relabel(data, dict(choice.label_map))
    model_dir = _model_dir(choice, train, progress_area)
    model = cached.load_model(model_dir, choice.trust_remote_code)
    bar = progress_area.empty()

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Predicting: {done:,} of {total:,} examples")

    frame = cached.analysis(
        model.fingerprint, data.fingerprint, model, data, _progress=report
    )
    bar.empty()
    return Workspace(
        choice=choice,
        data=data,
        model=model,
        frame=frame,
        train_size=len(train)
        if train is not None and choice.model_source == DEMO_MODEL
        else None,
        training_info=read_training_info(model_dir),
    )


def current() -> Workspace | None:
    return st.session_state.get(state.WORKSPACE)


def require() -> Workspace:
    """The active workspace; stops the page with a hint when there is none."""
    if PagesManager.uses_pages_directory:
        # A deep link was a fresh server's first request: Streamlit's pages/-folder
        # mode ran this page without app.py. Switch that mode off, run app.py.
        PagesManager.uses_pages_directory = False
        st.rerun()
    workspace = current()
    if workspace is None:
        st.info("Choose a dataset and a model in the sidebar to begin.")
        st.stop()
    return workspace


def session_frame(workspace: Workspace) -> pd.DataFrame:
    """``workspace.frame`` plus this session's edited and generated rows.

    Adds ``origin`` ("original", "edited", "generated:<name>") and ``parent_id``
    columns; the overlay's predictions go through the cached prediction store.
    """
    frame = workspace.frame.assign(**{ORIGIN: ORIGINAL, PARENT_ID: None})
    overlay = state.overlay(workspace.data.fingerprint)
    if not len(overlay):
        return frame
    extra = cached.analysis(
        workspace.model.fingerprint,
        overlay.fingerprint,
        workspace.model,
        overlay.dataset(workspace.data),
    )
    return pd.concat([frame, extra], ignore_index=True)


def demo_title(key: str) -> str:
    return DEMOS[key].title
