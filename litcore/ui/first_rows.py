"""The sidebar's "predicting the other rows" line, and the swap to all the rows.

A given model opened on many rows it never predicted shows their first rows
while a background job predicts the rest (``litcore.session.first_rows``).
When the job is done the workspace is rebuilt on all the rows (read from the
store), and the session's filters, slices and edits made on the first rows
carry over; the selection's ids stay valid as they are.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from litcore.session import background
from litcore.session.background import DONE, BackgroundJob
from litcore.ui import state
from litcore.ui import workspace as ws
from litcore.ui.progress import JOB_REFRESH_S, job_line
from litcore.ui.sidebar import seed_filter_widgets
from litcore.ui.slices import session_slices


def rest_job() -> BackgroundJob | None:
    """The job predicting the rows the current workspace does not show yet."""
    workspace = ws.current()
    if workspace is None or workspace.rest_job is None:
        return None
    return background.find(workspace.rest_job)


def swap_in_all_rows(progress_area) -> None:
    """Once every row is predicted, shows them all instead of the first ones:
    rebuilds the workspace, carries the session over and reruns.

    Called after the sidebar, so that the filters it just read carry over.
    """
    job = rest_job()
    if job is None or job.status.state != DONE:
        return
    first = ws.current()
    filters = state.filters()
    workspace = ws.build_workspace(first.choice, progress_area, early=False)
    st.session_state[state.WORKSPACE] = workspace
    _carry_over(first.data.fingerprint, workspace)
    seed_filter_widgets(workspace, filters)
    st.toast(
        f"All {len(workspace.data):,} examples are predicted: every page shows "
        "them now.",
        icon=":material/done_all:",
    )
    st.rerun()


def _carry_over(first_fingerprint: str, workspace) -> None:
    """Moves the session's edits and slices of the first rows to all the rows."""
    fingerprint = workspace.data.fingerprint
    overlay = st.session_state.get(state.OVERLAY)
    if overlay is not None and overlay.dataset_fingerprint == first_fingerprint:
        state.set_overlay(dataclasses.replace(overlay, dataset_fingerprint=fingerprint))
    session_slices(fingerprint).adopt(session_slices(first_fingerprint))


def rest_status() -> None:
    """The sidebar's progress line while the other rows are predicted
    (refreshed every ``JOB_REFRESH_S``; the app reruns, and so swaps, when done).

    Nothing once the job is done: ``swap_in_all_rows`` swaps later in this run.
    """
    job = rest_job()
    if job is not None and job.status.state != DONE:
        with st.sidebar:
            _rest_progress()


@st.fragment(run_every=JOB_REFRESH_S)
def _rest_progress() -> None:
    job, workspace = rest_job(), ws.current()
    if job is None:
        return
    status = job.status
    job_line(
        status,
        f"Predicting all {workspace.all_rows:,} examples in the background: "
        f"{status.percent}%",
        f"The pages show the first {len(workspace.data):,} examples: predicting "
        "the others failed",
    )
