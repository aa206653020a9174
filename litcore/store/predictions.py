"""The persistent prediction store: SQLite in WAL mode under the cache root.

Rows are keyed by (model fingerprint, example id) and survive restarts. WAL
lets many sessions read while one writes, and each write is one transaction,
so a crash mid-write leaves the previous state. Arrays are stored with
``numpy.save(allow_pickle=False)``: nothing is ever unpickled.

The store fits a disk budget (``LUMEN_STORE_MB``, default 4,096): every row and
array carries the time it was last used (written, or read: a read marks at
most every ``MARK_EVERY_S``), and after each write the least recently used go
until the rest fit. Rows used in the last ``KEEP_RECENT_S`` are never deleted,
so a session between reading its rows and reading them again keeps them; a row
deleted is predicted again when next asked for.
"""

from __future__ import annotations

import functools
import io
import json
import sqlite3
import time
from collections.abc import Iterable, Sequence
from contextlib import closing
from pathlib import Path

import numpy as np

from litcore.models.outputs import Predictions
from litcore.store.fields import PREDICTION_FIELDS, checked_fields
from litcore.store.paths import cache_root
from litcore.store.snapshots import SnapshotStore

_SCHEMA = """
CREATE TABLE IF NOT EXISTS predictions (
    model TEXT NOT NULL,
    example TEXT NOT NULL,
    probas BLOB NOT NULL,
    cls_embedding BLOB NOT NULL,
    mean_embedding BLOB NOT NULL,
    tokens TEXT NOT NULL,
    truncated INTEGER NOT NULL,
    used REAL NOT NULL DEFAULT 0,
    PRIMARY KEY (model, example)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifacts (
    key TEXT PRIMARY KEY,
    payload BLOB NOT NULL,
    used REAL NOT NULL DEFAULT 0
);
"""
# Each table's key columns (a store written before the budget lacks ``used``).
_KEYS = {"predictions": "model, example", "artifacts": "key"}
_INDEXES = """
CREATE INDEX IF NOT EXISTS predictions_by_use ON predictions (used);
CREATE INDEX IF NOT EXISTS artifacts_by_use ON artifacts (used);
"""
# A read marks its rows as used when their mark is older than this (a mark is a
# write); rows used more recently than KEEP_RECENT_S are never evicted.
MARK_EVERY_S = 300.0
KEEP_RECENT_S = 2 * MARK_EVERY_S
# Rows are read and marked in chunks of this many ids (SQLite's bound variables).
_CHUNK = 500


def to_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()


def from_bytes(payload: bytes) -> np.ndarray:
    """The array ``to_bytes`` stored (a writable copy).

    Parses each distinct .npy header once: ``np.load`` parses it with
    ``ast.literal_eval`` every time, which was most of reading 2,000 stored
    predictions. Headers of a format other than 1.0 go through ``np.load``.
    """
    if payload[6] != 1:
        return np.load(io.BytesIO(payload), allow_pickle=False)
    offset = 10 + int.from_bytes(payload[8:10], "little")
    dtype, shape, fortran = _npy_header(payload[:offset])
    array = np.frombuffer(payload, dtype, offset=offset)
    return array.reshape(shape, order="F" if fortran else "C").copy()


@functools.lru_cache(maxsize=256)
def _npy_header(header: bytes) -> tuple[np.dtype, tuple[int, ...], bool]:
    """(dtype, shape, Fortran order) from a format-1.0 .npy header.

    Raises:
        ValueError: an object array (never stored: nothing is unpickled).
    """
    buffer = io.BytesIO(header)
    np.lib.format.read_magic(buffer)
    shape, fortran, dtype = np.lib.format.read_array_header_1_0(buffer)
    if dtype.hasobject:
        raise ValueError("Object arrays are never stored.")
    return dtype, shape, fortran


def _decoded(name: str, cells: list) -> object:
    """One field of stored rows, from its SQLite cells."""
    if name == "tokens":
        return [json.loads(cell) for cell in cells]
    if name == "truncated":
        return np.array([bool(cell) for cell in cells])
    return np.stack([from_bytes(cell) for cell in cells])


class PredictionStore:
    """Predictions and derived arrays (projections) on disk, shared by all sessions.

    Attributes:
        path: the SQLite file: one row per (model, example), for any rows.
        snapshots: whole datasets' predictions kept compact beside it
            (``litcore.store.snapshots``), read in one go.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        snapshots: SnapshotStore | None = None,
        max_mb: float | None = None,
    ) -> None:
        """Args:
        snapshots: by default ``snapshots/`` beside the SQLite file.
        max_mb: the disk budget; None: the server's ``Policy.store_mb``.
        """
        self.path = Path(path) if path else cache_root() / "predictions.sqlite"
        self.snapshots = snapshots or SnapshotStore(self.path.parent / "snapshots")
        self.max_mb = max_mb
        with closing(self._connect()) as connection:
            # Only a new file takes it: freed pages can then go back to the disk.
            connection.execute("PRAGMA auto_vacuum=INCREMENTAL")
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)
            _add_use_columns(connection)
            connection.executescript(_INDEXES)

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=60)
        connection.execute("PRAGMA synchronous=NORMAL")
        return connection

    def get(
        self, model: str, ids: Sequence[str]
    ) -> tuple[Predictions | None, list[str]]:
        """Cached predictions for ``ids`` and the ids that are not cached.

        Returns ``(None, missing)`` unless every id is cached, so callers
        compute the missing ones and ask again (or merge themselves).
        """
        values, missing = self.read(model, ids)
        return (None if values is None else Predictions(**values)), missing

    def read(
        self,
        model: str,
        ids: Sequence[str],
        names: Sequence[str] = PREDICTION_FIELDS,
    ) -> tuple[dict[str, object] | None, list[str]]:
        """The fields ``names`` of ``ids``' stored predictions, in ``ids``' order
        (field -> array, or a list of token lists), and the ids not stored.

        Only those columns are read: the analysis frame never reads the
        embeddings. Returns ``(None, missing)`` unless every id is stored.

        Raises:
            ValueError: a name that is not a field of a prediction.
        """
        names = checked_fields(names)
        found = dict(self._rows(model, ids, "used, " + ", ".join(names)))
        missing = [i for i in ids if i not in found]
        if missing:
            return None, missing
        stale = time.time() - MARK_EVERY_S
        marked = [i for i in dict.fromkeys(ids) if found[i][0] < stale]
        self._mark("predictions", "model = ? AND example", [model], marked)
        rows = [found[i] for i in ids]
        return {
            name: _decoded(name, [row[k + 1] for row in rows])
            for k, name in enumerate(names)
        }, []

    def missing(self, model: str, ids: Sequence[str]) -> list[str]:
        """The ids with no stored prediction (reads keys only, no arrays)."""
        found = {row[0] for row in self._rows(model, ids, "example")}
        return [i for i in ids if i not in found]

    def _rows(
        self, model: str, ids: Sequence[str], columns: str
    ) -> Iterable[tuple[str, tuple]]:
        query = (
            f"SELECT example, {columns} FROM predictions "
            "WHERE model = ? AND example IN ({})"
        )
        with closing(self._connect()) as connection:
            for start in range(0, len(ids), _CHUNK):
                chunk = list(ids[start : start + _CHUNK])
                marks = ",".join("?" * len(chunk))
                for row in connection.execute(query.format(marks), [model, *chunk]):
                    yield row[0], row[1:]

    def put(self, model: str, ids: Sequence[str], predictions: Predictions) -> None:
        """Stores predictions for ``ids`` (in the same order) in one transaction,
        then keeps the store within its budget (``evict``)."""
        now = time.time()
        rows = [
            (
                model,
                example,
                to_bytes(predictions.probas[i]),
                to_bytes(predictions.cls_embedding[i]),
                to_bytes(predictions.mean_embedding[i]),
                json.dumps(predictions.tokens[i]),
                int(predictions.truncated[i]),
                now,
            )
            for i, example in enumerate(ids)
        ]
        with closing(self._connect()) as connection, connection:
            connection.executemany(
                "INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.evict()

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """A named group of arrays (for example a projection), or None."""
        with closing(self._connect()) as connection:
            row = connection.execute(
                "SELECT payload, used FROM artifacts WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        if row[1] < time.time() - MARK_EVERY_S:
            self._mark("artifacts", "key", [], [key])
        with np.load(io.BytesIO(row[0]), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}

    def put_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR REPLACE INTO artifacts VALUES (?, ?, ?)",
                (key, buffer.getvalue(), time.time()),
            )
        self.evict()

    def _mark(
        self, table: str, where: str, fixed: list[str], keys: Sequence[str]
    ) -> None:
        """Marks the rows of ``table`` matching ``where IN keys`` (after the
        ``fixed`` values) as used now; no keys, no write."""
        if not keys:
            return
        query = f"UPDATE {table} SET used = ? WHERE {where} IN ({{}})"
        with closing(self._connect()) as connection, connection:
            for start in range(0, len(keys), _CHUNK):
                chunk = list(keys[start : start + _CHUNK])
                connection.execute(
                    query.format(",".join("?" * len(chunk))),
                    [time.time(), *fixed, *chunk],
                )

    def evict(self) -> int:
        """Deletes the least recently used rows and arrays (never those used in
        the last KEEP_RECENT_S) until the store fits its budget; returns how many.
        """
        max_mb = self.max_mb if self.max_mb is not None else _policy_store_mb()
        deleted = 0
        with closing(self._connect()) as connection:
            while (excess := _bytes_used(connection) - max_mb * 2**20) > 0:
                count = _evict_oldest(connection, excess, time.time() - KEEP_RECENT_S)
                if not count:
                    break
                deleted += count
            if deleted:
                connection.execute("PRAGMA incremental_vacuum")
        return deleted


def _add_use_columns(connection: sqlite3.Connection) -> None:
    for table in _KEYS:
        columns = {row[1] for row in connection.execute(f"PRAGMA table_info({table})")}
        if "used" not in columns:
            connection.execute(
                f"ALTER TABLE {table} ADD COLUMN used REAL NOT NULL DEFAULT 0"
            )


def _bytes_used(connection: sqlite3.Connection) -> int:
    """The bytes of the database's pages that hold data (free pages excluded)."""
    pages, free, size = (
        connection.execute(f"PRAGMA {name}").fetchone()[0]
        for name in ("page_count", "freelist_count", "page_size")
    )
    return (pages - free) * size


def _evict_oldest(connection: sqlite3.Connection, excess: float, before: float) -> int:
    """Deletes, in one transaction, the least recently used rows (used before
    ``before``) of the table whose oldest row is older: at most about ``excess``
    bytes of prediction rows (fewer where arrays share the pages), or one array."""
    oldest = {
        table: connection.execute(
            f"SELECT MIN(used) FROM {table} WHERE used < ?", (before,)
        ).fetchone()[0]
        for table in _KEYS
    }
    candidates = [table for table in _KEYS if oldest[table] is not None]
    if not candidates:
        return 0
    table = min(candidates, key=oldest.__getitem__)
    if table == "predictions":  # rows of about equal size: as many as exceed
        rows = connection.execute("SELECT COUNT(*) FROM predictions").fetchone()[0]
        count = int(excess * rows / _bytes_used(connection)) + 1
    else:  # arrays of any size: one at a time
        count = 1
    key = _KEYS[table]
    with connection:
        cursor = connection.execute(
            f"DELETE FROM {table} WHERE ({key}) IN (SELECT {key} "
            f"FROM {table} WHERE used < ? ORDER BY used LIMIT ?)",
            (before, count),
        )
    return cursor.rowcount


def _policy_store_mb() -> int:
    from litcore.session import policy  # the store sits below the session

    return policy.active().store_mb
