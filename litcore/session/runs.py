"""Runs in a session: a dataset predicted into a run folder, and a run opened as
a workspace without predicting (``litcore.store.run`` holds the format).

The workspace of a run has the model's config and tokenizer; its weights load
when a page first needs them (salience, the editor), from the source the
manifest names.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

from litcore.api.errors import LumenError
from litcore.data.dataset import TEXT, TEXT_B, Dataset
from litcore.models.outputs import ProgressFn
from litcore.models.training_config import read_training_info
from litcore.session.predictions import outputs_frame
from litcore.store.run import (
    MANIFEST,
    Run,
    RunError,
    RunManifest,
    RunWriter,
    open_run,
    register,
    run_fields,
)

if TYPE_CHECKING:  # a run opens without torch
    from litcore.models.classifier import SequenceClassifier

SHARD_ROWS = 50_000  # examples per shard written by the local engine


def predict_run(
    model: SequenceClassifier,
    data: Dataset,
    folder: str | Path,
    progress: ProgressFn | None = None,
    shard_rows: int = SHARD_ROWS,
) -> RunManifest:
    """Predicts ``data`` with ``model`` into a new run in ``folder``, a shard of
    ``shard_rows`` examples at a time (memory stays flat).

    Raises:
        RunError: ``folder`` exists and is not empty.
    """
    writer = RunWriter(folder, model.labels)
    total = len(data)
    for start in range(0, total, shard_rows):
        part = data.frame.iloc[start : start + shard_rows]
        texts_b = part[TEXT_B].tolist() if data.has_text_b else None

        def report(done: int, _: int, start: int = start) -> None:
            if progress:
                progress(start + done, total)

        writer.add(part, model.predict(part[TEXT].tolist(), texts_b, progress=report))
    config = {"engine": "local", "shard_rows": shard_rows}
    return writer.finish(**run_fields(model, data, config))


@functools.lru_cache(maxsize=4)
def _opened(folder: str, manifest_mtime_ns: int) -> Run:
    return open_run(folder)


def cached_run(folder: str | Path) -> Run:
    """``open_run(folder)``, once per process while its manifest is unchanged."""
    path = Path(folder).expanduser().resolve()
    manifest = path / MANIFEST
    mtime = manifest.stat().st_mtime_ns if manifest.is_file() else 0
    return _opened(str(path), mtime)


def run_model(run: Run, load_model) -> SequenceClassifier:
    """The run's classifier from its manifest (config and tokenizer now, weights
    on first use), checked against the run.

    Args:
        load_model: (source, trust_remote_code, revision) -> a classifier.

    Raises:
        RunError: the model cannot be loaded, or has other classes.
    """
    manifest = run.manifest
    try:
        model = load_model(manifest.model, False, manifest.revision)
    except LumenError as error:
        raise RunError(
            f"The run's model '{manifest.model}' cannot be opened ({error}); "
            "a run needs its model's folder or hub id for its config, tokenizer "
            "and, on the pages that explain or edit, its weights."
        ) from error
    if model.labels != manifest.labels:
        raise RunError(
            f"The run's model '{manifest.model}' now has the classes "
            f"{', '.join(model.labels)}; the run has {', '.join(manifest.labels)}."
        )
    return model


def run_frame(run: Run, model: SequenceClassifier):
    """(data, analysis frame) of ``run``, its predictions registered for
    ``model`` (the embeddings pages read them, nothing is predicted again)."""
    register(run, model.fingerprint)
    data = run.dataset()
    probas, truncated = run.probas(), run.truncated()
    return data, outputs_frame(data, probas, truncated, model.labels, run.words())


def run_training_info(model: SequenceClassifier) -> dict | None:
    """The model's training summary, if it is a local Lumen-trained folder."""
    return read_training_info(model.source) if Path(model.source).is_dir() else None
