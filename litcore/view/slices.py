"""Named slices (sets of example ids) saved per dataset as JSON under the cache root.

One file per dataset fingerprint in ``<cache root>/slices/``, beside the
prediction store; with a scope (a public server gives each visitor a random
one), one file per dataset and scope, so visitors never see each other's
slices unless one shares a link that carries the scope. Every change is a
read-modify-write under an exclusive file lock, written to a temporary file and
renamed over the old one, so concurrent sessions never see a half-written file
and never lose each other's slices.
"""

from __future__ import annotations

import fcntl
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from litcore.api.errors import LumenError
from litcore.store.paths import cache_dir, write_atomically
from litcore.view.links import is_slice_scope

MAX_NAME_CHARS = 60
SLICES_FOLDER = "slices"


@dataclass(frozen=True)
class Slice:
    """A named set of example ids and how it was made.

    Attributes:
        name: unique within a dataset.
        ids: example ids, in order.
        source: ``selection`` or ``filter``.
        description: what made it (the filters, for a filter slice).
        created: ISO 8601 time of saving (UTC).
    """

    name: str
    ids: tuple[str, ...]
    source: str = "selection"
    description: str = ""
    created: str = ""


def clean_name(name: str) -> str:
    """The name stripped; raises ``LumenError`` when empty or too long."""
    name = " ".join(name.split())
    if not name:
        raise LumenError("Give the slice a name.")
    if len(name) > MAX_NAME_CHARS:
        raise LumenError(f"Slice names are at most {MAX_NAME_CHARS} characters.")
    return name


class SliceStore:
    """The slices of one dataset (by fingerprint), persisted as one JSON file.

    Args:
        data_fingerprint: the dataset's fingerprint.
        folder: where; default ``<cache root>/slices``.
        scope: whose slices (``is_slice_scope``), or None for the server's.
    """

    def __init__(
        self,
        data_fingerprint: str,
        folder: Path | None = None,
        scope: str | None = None,
    ) -> None:
        if not data_fingerprint.isalnum():
            raise LumenError(f"Bad dataset fingerprint '{data_fingerprint}'.")
        if scope is not None and not is_slice_scope(scope):
            raise LumenError("Bad slice scope.")
        self.folder = folder or cache_dir(SLICES_FOLDER)
        suffix = "" if scope is None else f".{scope}"
        self.path = self.folder / f"{data_fingerprint}{suffix}.json"

    def list(self) -> list[Slice]:
        """Every slice, oldest first."""
        return list(self._read().values())

    def get(self, name: str) -> Slice | None:
        return self._read().get(name)

    def save(
        self,
        name: str,
        ids: Sequence[str],
        source: str = "selection",
        description: str = "",
    ) -> Slice:
        """Saves (or replaces) the slice ``name`` with ``ids``.

        Raises:
            LumenError: an empty name or no ids.
        """
        name = clean_name(name)
        if not ids:
            raise LumenError("A slice needs at least one example.")
        saved = Slice(
            name=name,
            ids=tuple(dict.fromkeys(ids)),
            source=source,
            description=description,
            created=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        with self._locked():
            slices = self._read()
            slices.pop(name, None)
            slices[name] = saved
            self._write(slices)
        return saved

    def adopt(self, shared: SliceStore) -> int:
        """Copies ``shared``'s slices that this store lacks (by name); how many."""
        with self._locked():
            slices = self._read()
            new = [s for s in shared.list() if s.name not in slices]
            if new:
                self._write({**slices, **{s.name: s for s in new}})
        return len(new)

    def delete(self, name: str) -> bool:
        """Deletes the slice ``name``; returns whether it existed."""
        with self._locked():
            slices = self._read()
            existed = slices.pop(name, None) is not None
            if existed:
                self._write(slices)
        return existed

    @contextmanager
    def _locked(self) -> Iterator[None]:
        with open(self.path.with_suffix(".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self) -> dict[str, Slice]:
        if not self.path.is_file():
            return {}
        try:
            records = json.loads(self.path.read_text(encoding="utf-8"))
            slices = [Slice(**{**r, "ids": tuple(r["ids"])}) for r in records]
        except (ValueError, TypeError, KeyError) as error:
            raise LumenError(
                f"The slice file {self.path} is damaged ({error}). Delete it to start "
                "again."
            ) from error
        return {s.name: s for s in slices}

    def _write(self, slices: dict[str, Slice]) -> None:
        records = [{**asdict(s), "ids": list(s.ids)} for s in slices.values()]
        write_atomically(self.path, json.dumps(records, indent=1).encode("utf-8"))
