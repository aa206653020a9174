"""A given model on many rows it never predicted: the first page from the first
rows, the rest predicted in a background job.

Opening a fine-tuned MiniLM on 2,000 new examples spent 7.8 of its 13.7 s
before the first page in forward passes (``benchmarks/open_model.py``). When
``EARLY_FROM`` rows or more have no stored prediction, the workspace opens on
the data's first ``FIRST_ROWS`` rows (the data table's first pages) and a
background job predicts every row into the store; once it is done the UI
rebuilds the workspace on all the rows, read from the store.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from litcore.data.dataset import Dataset
from litcore.session import background
from litcore.session.columns import ID
from litcore.session.predictions import FRAME_FIELDS, predicted_fields
from litcore.store.predictions import PredictionStore

if TYPE_CHECKING:
    from litcore.models.classifier import SequenceClassifier

# Rows shown first: about a second of forward passes for MiniLM on 2 cores.
FIRST_ROWS = 256
# Rows without a stored prediction from which the first page comes early.
EARLY_FROM = 1_024


def unpredicted(
    model: SequenceClassifier, data: Dataset, store: PredictionStore
) -> int:
    """How many of ``data``'s rows have no prediction by ``model`` in ``store``
    (none when the store's snapshot of exactly these rows exists)."""
    ids = data.frame[ID].tolist()
    if store.snapshots.read(model.fingerprint, ids, ("truncated",)) is not None:
        return 0
    return len(store.missing(model.fingerprint, ids))


def first_rows(data: Dataset) -> Dataset:
    """``data``'s first ``FIRST_ROWS`` rows, as a dataset of their own."""
    frame = data.frame.iloc[:FIRST_ROWS].reset_index(drop=True)
    return Dataset(data.name, frame, data.labels, data.report)


def rest_job_name(
    model: SequenceClassifier, data: Dataset, store: PredictionStore
) -> str:
    return f"predict {model.fingerprint} on {data.fingerprint} into {store.path}"


def predict_in_background(
    model: SequenceClassifier, data: Dataset, store: PredictionStore
) -> background.BackgroundJob:
    """Starts predicting ``data``'s rows into ``store`` (once per process and
    model and data) on every core, at the lower priority of background jobs
    (the pages come first); returns the job. Its result is the number of rows."""

    def work(report: background.JobProgressFn) -> int:
        def predicted(done: int, total: int) -> None:
            report(done / max(total, 1), f"{done:,} of {total:,} predicted")

        predicted_fields(model, data.frame, store, FRAME_FIELDS, predicted)
        return len(data)

    name = rest_job_name(model, data, store)
    return background.start_once(name, work, threads=os.cpu_count())
