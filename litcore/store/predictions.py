"""The persistent prediction store: SQLite in WAL mode under the cache root.

Rows are keyed by (model fingerprint, example id) and survive restarts. WAL
lets many sessions read while one writes, and each write is one transaction,
so a crash mid-write leaves the previous state. Arrays are stored with
``numpy.save(allow_pickle=False)``: nothing is ever unpickled.
"""

from __future__ import annotations

import functools
import io
import json
import sqlite3
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
    PRIMARY KEY (model, example)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS artifacts (
    key TEXT PRIMARY KEY,
    payload BLOB NOT NULL
);
"""


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
        self, path: str | Path | None = None, snapshots: SnapshotStore | None = None
    ) -> None:
        """Args: snapshots: by default ``snapshots/`` beside the SQLite file."""
        self.path = Path(path) if path else cache_root() / "predictions.sqlite"
        self.snapshots = snapshots or SnapshotStore(self.path.parent / "snapshots")
        with closing(self._connect()) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

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
        found = dict(self._rows(model, ids, ", ".join(names)))
        missing = [i for i in ids if i not in found]
        if missing:
            return None, missing
        rows = [found[i] for i in ids]
        return {
            name: _decoded(name, [row[k] for row in rows])
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
            for start in range(0, len(ids), 500):
                chunk = list(ids[start : start + 500])
                marks = ",".join("?" * len(chunk))
                for row in connection.execute(query.format(marks), [model, *chunk]):
                    yield row[0], row[1:]

    def put(self, model: str, ids: Sequence[str], predictions: Predictions) -> None:
        """Stores predictions for ``ids`` (in the same order) in one transaction."""
        rows = [
            (
                model,
                example,
                to_bytes(predictions.probas[i]),
                to_bytes(predictions.cls_embedding[i]),
                to_bytes(predictions.mean_embedding[i]),
                json.dumps(predictions.tokens[i]),
                int(predictions.truncated[i]),
            )
            for i, example in enumerate(ids)
        ]
        with closing(self._connect()) as connection, connection:
            connection.executemany(
                "INSERT OR REPLACE INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?)", rows
            )

    def get_arrays(self, key: str) -> dict[str, np.ndarray] | None:
        """A named group of arrays (for example a projection), or None."""
        with closing(self._connect()) as connection:
            row = connection.execute(
                "SELECT payload FROM artifacts WHERE key = ?", (key,)
            ).fetchone()
        if row is None:
            return None
        with np.load(io.BytesIO(row[0]), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files}

    def put_arrays(self, key: str, arrays: dict[str, np.ndarray]) -> None:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        with closing(self._connect()) as connection, connection:
            connection.execute(
                "INSERT OR REPLACE INTO artifacts VALUES (?, ?)",
                (key, buffer.getvalue()),
            )
