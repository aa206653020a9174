"""The session's workspace in Streamlit: built with cached loaders and progress
bars, kept in session state, required by every page.

What a workspace is and how it is built lives in ``litcore.session``; this
module supplies Streamlit's caches (``LOADERS``) and bars, and reads the
session state.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from litcore.api.errors import LumenError, WrongTaskError
from litcore.data.dataset import ColumnMapping, Dataset
from litcore.data.loading import read_source
from litcore.models.probe_config import PROBE_KIND
from litcore.session import demo
from litcore.session import workspace as session
from litcore.session.background import DONE, BackgroundJob
from litcore.session.choice import SourceChoice
from litcore.session.heads import Head
from litcore.session.loaders import (
    Loaders,
    memoised_analysis,
    memoised_scores,
    read_source_dataset,
    trained_model,
)
from litcore.session.predictions import frame_report
from litcore.session.workspace import Workspace
from litcore.ui import cached, state
from litcore.ui.progress import JOB_REFRESH_S, Bars, job_line


@st.cache_data(show_spinner="Reading the data…", max_entries=8)
def source_table(source: str, delimiter: str | None, encoding: str) -> pd.DataFrame:
    """A file, ``save_to_disk`` folder or ``hf:`` dataset, read once per process
    (the sidebar's preview and ``dataset_from_source`` share it)."""
    return read_source(source, delimiter, encoding)


@st.cache_data(show_spinner=False, max_entries=8)
def dataset_from_source(
    source: str, mapping: ColumnMapping, delimiter: str | None, encoding: str
) -> Dataset:
    """``source_table`` mapped by ``mapping``."""
    return read_source_dataset(source, mapping, delimiter, encoding, source_table)


def load_regressor(source: str, trust_remote_code: bool = False):
    """``litcore.ui.regression.load_regressor``, imported when a head is opened
    (it brings torch and the salience methods)."""
    from litcore.ui import regression as regression_ui

    return regression_ui.load_regressor(source, trust_remote_code)


# The session's loaders: models per process (st.cache_resource), data per
# content (st.cache_data); frames and scores, which draw progress bars, in the
# core's per-process memo.
LOADERS = Loaders(
    prediction_store=cached.prediction_store,
    load_model=cached.load_model,
    load_regressor=load_regressor,
    demo_datasets=cached.demo_datasets,
    dataset_from_bytes=cached.dataset_from_bytes,
    dataset_from_source=dataset_from_source,
    trained_model=trained_model,
    analysis=memoised_analysis(cached.prediction_store),
    scores=memoised_scores(cached.prediction_store),
)


def build_workspace(
    choice: SourceChoice, progress_area, early: bool = True
) -> Workspace:
    """``litcore.session.workspace.build_workspace`` with Streamlit's caches.

    Args:
        choice: what to open.
        progress_area: the block that shows training and prediction progress.
        early: open on the first rows while the others are predicted in the
            background (``litcore.ui.first_rows`` swaps them in), where the
            core would.

    Raises:
        ComparisonError, HeadError, LumenError: as the core's; a model opened
            for the wrong task says where in the app to open it.
    """
    try:
        return session.build_workspace(
            choice,
            LOADERS,
            Bars(progress_area),
            quick_demo=True,
            early_first_page=early,
        )
    except LumenError as error:
        raise _with_where_to_open(error) from error


# Where the app opens a model of each task (``WrongTaskError.task``).
_WHERE_TO_OPEN = {
    "regression": "In the sidebar: Heads → 'My regression model', or the Regression "
    "page (Tasks → Regression).",
    "classification": "In the sidebar: 'Data & model' → Model → 'My model'.",
}


def _with_where_to_open(error: LumenError) -> LumenError:
    """``error`` (or the wrong-task error it wraps) plus where to open the model."""
    cause = error if isinstance(error, WrongTaskError) else error.__cause__
    if not isinstance(cause, WrongTaskError):
        return error
    message = f"{error} {_WHERE_TO_OPEN[cause.task]}"
    if error is cause:
        return WrongTaskError(message, cause.task)
    return type(error)(message)


def session_frame(workspace: Workspace) -> pd.DataFrame:
    """``workspace.frame`` plus this session's edited and generated rows.

    Computed once while the workspace and the overlay stay the same objects
    (not once per run) and shared by the sidebar and the pages: never change it
    in place.
    """
    return state.kept_while_same(
        "session_frame",
        (workspace, st.session_state.get(state.OVERLAY)),
        (),
        lambda: session.session_frame(
            workspace, state.overlay(workspace.data.fingerprint), LOADERS, Bars(st)
        ),
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


def shows_probe(workspace: Workspace) -> bool:
    """Whether ``workspace`` shows the demo's quick probe (not the fine-tune)."""
    info = workspace.training_info or {}
    return workspace.choice.is_demo and info.get("kind") == PROBE_KIND


def improvement_job() -> BackgroundJob | None:
    """The process's background fine-tune of the demo this session shows with
    its probe (started here if it was not), or None: nothing to improve."""
    workspace = current()
    if workspace is None or not shows_probe(workspace):
        return None
    store = cached.prediction_store()
    return demo.improve_in_background(workspace.choice.demo_key, store)


def swap_in_fine_tuned(progress_area) -> None:
    """Once the background fine-tune is done, shows its model instead of the probe.

    The workspace is rebuilt for the same choice (the fine-tuned model and its
    held-out predictions are on disk by then); the selection, filters and
    slices stay, since example ids do not change. The probe's weights are
    released (another session still showing it loads them again if it must).
    """
    job = improvement_job()
    if job is None or job.status.state != DONE:
        return
    probe = current().model
    workspace = build_workspace(current().choice, progress_area)
    st.session_state[state.WORKSPACE] = workspace
    if workspace.model is not probe:  # one model's weights resident, not two
        probe.release_weights()
    report = frame_report(workspace.frame, workspace.labels)
    accuracy = f": accuracy {report.headline['accuracy']:.1%}" if report else ""
    st.toast(f"Now showing the fine-tuned model{accuracy}.", icon=":material/bolt:")


def improvement_status() -> None:
    """The sidebar's "improving: fine-tuning in the background, n%" line while
    the session shows the probe (refreshed every ``JOB_REFRESH_S``; the app
    reruns, and so swaps models, when the job is done)."""
    if improvement_job() is not None:
        with st.sidebar:
            _improvement_progress()


@st.fragment(run_every=JOB_REFRESH_S)
def _improvement_progress() -> None:
    job = improvement_job()
    if job is None:
        return
    status = job.status
    job_line(
        status,
        f"Improving: fine-tuning in the background, {status.percent}%",
        "The quick model stays: the background fine-tune failed. Run "
        "`python -m litcore prepare-demo` to see why",
    )


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


def chosen_head(workspace: Workspace) -> Head:
    """The head the user picked in the sidebar (the classifier's by default)."""
    wanted = st.session_state.get(state.HEAD)
    return next((h for h in workspace.heads if h.name == wanted), workspace.heads[0])
