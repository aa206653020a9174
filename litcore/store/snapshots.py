"""Compact snapshots of a model's predictions on a whole dataset, read in one go.

Once every row of a dataset has a stored prediction of a model, those rows are
also kept as a run (``litcore.store.run``: Parquet rows, float16 embeddings
memory-mapped on open) in ``<root>/<model fingerprint>-<hash of the ordered
ids>/``. A later read of the same ids takes the snapshot whole instead of one
SQLite row per example. The SQLite store stays the record of every prediction;
a snapshot is only a read path:

- it is found by the model's fingerprint and the ids in order, and its values
  are matched to the ids asked by id, so other ids never read it;
- it is written to a temporary sibling and renamed, so a reader sees a whole
  snapshot or none, and of racing writers one wins and the others drop theirs;
- a damaged one is moved aside and deleted (the next full read writes it
  again), and the read falls back to SQLite.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pyarrow as pa

from litcore.data.dataset import ID, TEXT, TEXT_B
from litcore.store.fields import PREDICTION_FIELDS
from litcore.store.run import Run, RunError, RunWriter, open_run

# Fewer rows are read from SQLite in milliseconds; edited and generated rows are
# few and change with every edit, so they get no snapshot.
SNAPSHOT_MIN_ROWS = 1_000
_DAMAGE = (RunError, OSError, ValueError, KeyError, pa.ArrowException)


def ids_digest(ids: Sequence[str]) -> str:
    """A hash of the ids in order (JSON, so no two lists share an encoding)."""
    return hashlib.sha256(json.dumps(list(ids)).encode("utf-8")).hexdigest()[:24]


@functools.lru_cache(maxsize=8)
def _opened(folder: str) -> Run:
    """A snapshot opened once per process (a snapshot folder never changes)."""
    return open_run(folder)


class SnapshotStore:
    """Snapshots under ``root``, for datasets of ``min_rows`` rows or more."""

    def __init__(self, root: str | Path, min_rows: int = SNAPSHOT_MIN_ROWS) -> None:
        self.root = Path(root)
        self.min_rows = min_rows

    def folder(self, model_fingerprint: str, digest: str) -> Path:
        """Where the snapshot of ``model_fingerprint`` on the ids whose
        ``ids_digest`` is ``digest`` is."""
        return self.root / f"{model_fingerprint}-{digest}"

    def wanted(self, rows: int, classes: int) -> bool:
        """Whether predictions of ``classes`` classes on ``rows`` rows get a
        snapshot (a regressor's one score per row has no classes: none)."""
        return rows >= self.min_rows and classes >= 2

    def read(
        self, model_fingerprint: str, ids: Sequence[str], names: Sequence[str]
    ) -> dict[str, object] | None:
        """The fields ``names`` of ``ids``' predictions from their snapshot, in
        ``ids``' order, or None: no snapshot, or a damaged one (then discarded).

        Embeddings are float16 views of the memory-mapped file.
        """
        digest = ids_digest(ids)
        folder = self.folder(model_fingerprint, digest)
        if not folder.is_dir():
            return None
        try:
            run = _opened(str(folder))
            manifest = run.manifest
            if (
                manifest.model_fingerprint != model_fingerprint
                or manifest.data_fingerprint != digest
                or manifest.rows != len(ids)
            ):
                raise RunError(f"{folder} holds another model's or data's rows.")
            values = run.field_values(ids, names)
            if values is None:
                raise RunError(f"{folder} lacks some of the ids it is named for.")
            return values
        except _DAMAGE:
            _opened.cache_clear()
            _discard(folder)
            return None

    def write(
        self,
        model_fingerprint: str,
        examples: pd.DataFrame,
        values: Mapping[str, object],
    ) -> bool:
        """Keeps the snapshot of ``examples``' predictions; whether one is there.

        Args:
            examples: the rows (``id``, ``text`` [, ``text_b``], other columns
                ignored), all of the dataset, in its order.
            values: every field of ``PREDICTION_FIELDS`` for those rows, in the
                same order (none is kept unless ``wanted``).
        """
        digest = ids_digest(examples[ID].tolist())
        folder = self.folder(model_fingerprint, digest)
        if folder.is_dir():
            return True
        classes = values["probas"].shape[1]
        if not self.wanted(len(examples), classes):
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / f".{folder.name}.{os.getpid()}.{uuid.uuid4().hex}"
        texts = [c for c in (ID, TEXT, TEXT_B) if c in examples.columns]
        try:
            writer = RunWriter(partial, [str(k) for k in range(classes)])
            writer.add(examples[texts], SimpleNamespace(**values))
            writer.finish(
                model=model_fingerprint,
                revision=None,
                model_fingerprint=model_fingerprint,
                data_name="snapshot",
                data_fingerprint=digest,
                metadata=(),
                has_text_b=TEXT_B in texts,
                has_labels=False,
                config={"snapshot_of": list(PREDICTION_FIELDS)},
            )
            partial.rename(folder)  # fails if another writer's is there
        except (OSError, ValueError, pa.ArrowException):  # a full disk, a lost race
            shutil.rmtree(partial, ignore_errors=True)
        return folder.is_dir()


def _discard(folder: Path) -> None:
    """Moves a damaged snapshot aside (atomically), then deletes it."""
    aside = folder.with_name(f".{folder.name}.damaged.{uuid.uuid4().hex}")
    try:
        folder.rename(aside)
    except OSError:
        return  # another process discarded it first
    shutil.rmtree(aside, ignore_errors=True)
