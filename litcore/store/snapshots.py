"""Compact snapshots of a model's predictions on a whole dataset, read in one go.

Once every row of a dataset has a stored prediction of a model, those rows are
also kept as a run (``litcore.store.run``: Parquet rows, float16 embeddings
memory-mapped on open) in ``<root>/<model fingerprint>-<hash of the ordered
ids>/``. A later read of the same ids takes the snapshot whole instead of one
SQLite row per example. The SQLite store stays the record of predictions (within
its own budget: what it drops is predicted again); a snapshot is only a read
path:

- it is found by the model's fingerprint and the ids in order, and its values
  are matched to the ids asked by id, so other ids never read it;
- it is written to a temporary sibling and renamed, so a reader sees a whole
  snapshot or none, and of racing writers one wins and the others drop theirs;
- a damaged one is moved aside and deleted (the next full read writes it
  again), and the read falls back to SQLite;
- they fit a disk budget (``LUMEN_SNAPSHOT_MB``, default 2,048): after each
  write the least recently read go (a read marks its snapshot's folder), and so
  do the temporary folders of writers that died.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
import time
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
# A hidden folder (a write in progress, a discard) untouched this long is left
# over from a process that died, even if its pid now names another process.
STALE_AFTER_S = 3_600


def ids_digest(ids: Sequence[str]) -> str:
    """A hash of the ids in order (JSON, so no two lists share an encoding)."""
    return hashlib.sha256(json.dumps(list(ids)).encode("utf-8")).hexdigest()[:24]


@functools.lru_cache(maxsize=8)
def _opened(folder: str) -> Run:
    """A snapshot opened once per process (a snapshot folder never changes)."""
    return open_run(folder)


class SnapshotStore:
    """Snapshots under ``root``, for datasets of ``min_rows`` rows or more, in at
    most ``max_mb`` MB (None: the server's ``Policy.snapshot_mb``)."""

    def __init__(
        self,
        root: str | Path,
        min_rows: int = SNAPSHOT_MIN_ROWS,
        max_mb: float | None = None,
    ) -> None:
        self.root = Path(root)
        self.min_rows = min_rows
        self.max_mb = max_mb

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
            os.utime(folder)  # read now: evicted last
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
        self.evict(keep=folder)
        return folder.is_dir()

    def evict(self, keep: Path | None = None) -> list[Path]:
        """Deletes the least recently read snapshots (never ``keep``) until the
        rest fit in the budget, and dead writers' temporary folders; returns
        the snapshots deleted."""
        max_mb = self.max_mb if self.max_mb is not None else _policy_snapshot_mb()
        kept, hidden = [], []
        for entry in _folders(self.root):
            (hidden if entry.name.startswith(".") else kept).append(entry)
        for entry in hidden:
            if _abandoned(entry):
                shutil.rmtree(entry, ignore_errors=True)
        sizes = {entry.path: _bytes_in(entry.path) for entry in kept}
        total, evicted = sum(sizes.values()), []
        for entry in sorted(kept, key=lambda entry: entry.stat().st_mtime):
            if total <= max_mb * 2**20:
                break
            if Path(entry.path) != keep:
                _discard(Path(entry.path))
                total -= sizes[entry.path]
                evicted.append(Path(entry.path))
        if evicted:
            _opened.cache_clear()
        return evicted


def _policy_snapshot_mb() -> int:
    from litcore.session import policy  # the store sits below the session

    return policy.active().snapshot_mb


def _folders(root: Path) -> list[os.DirEntry]:
    try:
        return [entry for entry in os.scandir(root) if entry.is_dir()]
    except FileNotFoundError:
        return []


def _bytes_in(folder: str) -> int:
    return sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())


def _abandoned(entry: os.DirEntry) -> bool:
    """Whether a hidden folder (``.<name>.<pid>.<hex>`` being written, or
    ``.<name>.damaged.<hex>`` being deleted) was left by a process that died."""
    try:
        if time.time() - entry.stat().st_mtime > STALE_AFTER_S:
            return True
    except FileNotFoundError:
        return False  # its owner finished meanwhile
    pid = entry.name.rsplit(".", 2)[-2]
    if not pid.isdigit():
        return False  # a discard in progress: its owner deletes it
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False  # alive, another user's
    return False


def _discard(folder: Path) -> None:
    """Moves a damaged snapshot aside (atomically), then deletes it."""
    aside = folder.with_name(f".{folder.name}.damaged.{uuid.uuid4().hex}")
    try:
        folder.rename(aside)
    except OSError:
        return  # another process discarded it first
    shutil.rmtree(aside, ignore_errors=True)
