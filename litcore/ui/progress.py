"""Progress shown while a session loads (fine-tuning and predicting) and while
a background job runs."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import streamlit as st

from litcore.models.outputs import ProgressFn
from litcore.models.training_config import ProgressFn as TrainProgressFn
from litcore.session.background import DONE, FAILED, JobStatus


@contextmanager
def counting_bar(area, what: str) -> Iterator[ProgressFn]:
    """A bar "<what>: done of total examples" in ``area`` while the block runs.

    The bar appears on the first report, so a block that predicts nothing
    draws nothing.

    Yields:
        The ``(done, total)`` callback that moves it.
    """
    bar = None

    def report(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or area.empty()
        bar.progress(done / total, text=f"{what}: {done:,} of {total:,} examples")

    try:
        yield report
    finally:
        if bar is not None:
            bar.empty()


class Bars:
    """A ``litcore.session.progress.SessionProgress`` drawn in a Streamlit block."""

    def __init__(self, area) -> None:
        self.area = area

    def counting(self, what: str):
        return counting_bar(self.area, what)

    @contextmanager
    def training(self, status: str) -> Iterator[TrainProgressFn]:
        """A status box labelled ``status`` with step, loss and time left."""
        with self.area.status(status, expanded=True) as box:
            bar = st.progress(0.0, text="Preparing…")

            def report(progress) -> None:
                fraction = progress.step / progress.total_steps
                bar.progress(fraction, text=progress.describe())

            yield report
            box.update(label="Model ready", state="complete", expanded=False)

    @contextmanager
    def queued(self) -> Iterator[Callable[[int], None]]:
        """A line saying how many training jobs run or wait before this one,
        gone when its turn comes."""
        line = self.area.empty()

        def report(ahead: int) -> None:
            if ahead == 0:
                line.empty()
                return
            line.info(
                f"Waiting for the server's training queue: {ahead} job(s) ahead of "
                "yours. Training starts on its own; keep this page open."
            )

        try:
            yield report
        finally:
            line.empty()


# Seconds between refreshes of a background job's sidebar line.
JOB_REFRESH_S = 2.0


def job_line(status: JobStatus, text: str, failure: str) -> None:
    """A background job's sidebar line: its bar with ``text`` and what it is
    doing; ``failure`` and the job's message once it failed; a rerun of the app
    once it is done (which swaps in its result)."""
    if status.state == DONE:
        st.rerun()
    if status.state == FAILED:
        st.warning(f"{failure} ({status.message})")
        return
    st.progress(status.fraction, text=text)
    st.caption(status.message)
