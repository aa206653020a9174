"""Progress shown while the workspace loads: fine-tuning and predicting."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import streamlit as st

from litcore.data.dataset import Dataset
from litcore.models.classifier import ProgressFn
from litcore.models.training import TrainConfig, read_training_info, trained_model_dir
from litcore.ui import cached


@contextmanager
def counting_bar(area, what: str) -> Iterator[ProgressFn]:
    """A bar "<what>: done of total examples" in ``area`` while the block runs.

    Yields:
        The ``(done, total)`` callback that moves it.
    """
    bar = area.empty()

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=f"{what}: {done:,} of {total:,} examples")

    try:
        yield report
    finally:
        bar.empty()


def fine_tuned(
    area,
    base: str,
    train: Dataset,
    config: TrainConfig,
    status: str,
    target: str | None = None,
) -> str:
    """The folder of ``base`` fine-tuned on ``train`` (``target``: a regression
    head on that column).

    A model trained before is found on disk at once; otherwise it trains in a
    status box labelled ``status`` in ``area``, with step, loss and time left.
    """
    trained = trained_model_dir(base, train, config, target)
    if read_training_info(trained) is not None:
        return str(trained)
    with area.status(status, expanded=True) as box:
        bar = st.progress(0.0, text="Preparing…")

        def report(progress) -> None:
            bar.progress(progress.step / progress.total_steps, text=progress.describe())

        folder = cached.trained_model(base, train, config, report, target)
        box.update(label="Model ready", state="complete", expanded=False)
    return folder
