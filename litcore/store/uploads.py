"""Uploaded files kept on the server by content hash, for a limited time.

An upload is stored once as ``<cache root>/uploads/<sha256>`` and named by an
upload spec, ``upload:<sha256>.<format>``. The hash is the capability: whoever
holds the spec (a shared link carries it) can read the file, and nothing else
names it; a spec never carries a path. A file expires ``ttl_days`` after it was
last stored; every write goes to a temporary file renamed into place, and every
read checks the size and the hash, so a damaged or swapped file is refused.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from litcore.api.errors import DataError
from litcore.store.paths import cache_dir, write_atomically

if TYPE_CHECKING:  # limits reads the policy, which reads upload specs from here
    from litcore.data.limits import UploadLimits

UPLOADS_FOLDER = "uploads"
UPLOAD_PREFIX = "upload:"
# Tables, and CoNLL token-per-line text (the NER page's gold tags).
UPLOAD_FORMATS = ("csv", "tsv", "jsonl", "parquet", "conll")
_SPEC = re.compile(rf"upload:([0-9a-f]{{64}})\.({'|'.join(UPLOAD_FORMATS)})")
_DAY_S = 86_400


class UploadExpiredError(DataError):
    """The upload a spec names is no longer stored (expired or never stored here)."""


@dataclass(frozen=True)
class UploadSpec:
    """An upload's name: its content hash and the format to read it as.

    Attributes:
        sha256: 64 lower-case hex digits.
        fmt: one of ``UPLOAD_FORMATS``.
    """

    sha256: str
    fmt: str

    def __str__(self) -> str:
        return f"{UPLOAD_PREFIX}{self.sha256}.{self.fmt}"


def is_upload_spec(source: str) -> bool:
    """Whether ``source`` is meant as an upload spec (well-formed or not)."""
    return source.startswith(UPLOAD_PREFIX)


def parse_upload_spec(source: str) -> UploadSpec:
    """The upload a spec names.

    Raises:
        DataError: not exactly ``upload:<64 hex digits>.<format>``.
    """
    match = _SPEC.fullmatch(source)
    if match is None:
        raise DataError(
            "A damaged upload reference: it must be 'upload:' then a 64-digit "
            f"content hash and the format (.{', .'.join(UPLOAD_FORMATS)})."
        )
    return UploadSpec(sha256=match.group(1), fmt=match.group(2))


class UploadStore:
    """Uploads by content hash under one folder, each kept ``limits.ttl_days``.

    Args:
        limits: the caps: ``limits.check_size`` refuses an upload stored or read
            back, and an upload stays ``limits.ttl_days`` after it was last stored.
        folder: where; default ``<cache root>/uploads``.
        clock: seconds since the epoch (injectable for tests).
    """

    def __init__(
        self,
        limits: UploadLimits,
        folder: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limits.max_bytes <= 0 or limits.ttl_days <= 0:
            raise ValueError("The size limit and ttl_days must be positive.")
        self.limits = limits
        self.ttl_s = limits.ttl_days * _DAY_S
        self.folder = folder or cache_dir(UPLOADS_FOLDER)
        self.clock = clock

    def put(self, content: bytes, fmt: str) -> UploadSpec:
        """Stores ``content`` (once per content) and returns its spec.

        Storing content that is already there renews its time to live.

        Raises:
            DataError: empty, over the size limit, or an unknown format.
        """
        if fmt not in UPLOAD_FORMATS:
            raise DataError(
                f"Unknown format '{fmt}'. Use one of: {', '.join(UPLOAD_FORMATS)}."
            )
        self.limits.check_size(len(content))
        spec = UploadSpec(sha256=hashlib.sha256(content).hexdigest(), fmt=fmt)
        path = self._path(spec)
        now = self.clock()
        if not path.is_file():
            write_atomically(path, content)
        os.utime(path, (now, now))
        self.purge_expired()
        return spec

    def get(self, spec: UploadSpec) -> bytes:
        """The content stored for ``spec``.

        Raises:
            UploadExpiredError: not stored, or expired (then it is deleted).
            DataError: the stored file is too large or does not match its hash.
        """
        path = self._path(spec)
        try:
            stored = path.stat()
        except FileNotFoundError:
            stored = None
        if stored is None or self._expired(stored.st_mtime):
            path.unlink(missing_ok=True)
            raise UploadExpiredError(
                "This upload is no longer on the server: shared uploads are kept "
                f"{self.ttl_s / _DAY_S:g} days. Ask for the file and upload it again."
            )
        self.limits.check_size(stored.st_size)
        content = path.read_bytes()
        if hashlib.sha256(content).hexdigest() != spec.sha256:
            raise DataError("The stored upload is damaged; upload the file again.")
        return content

    def purge_expired(self) -> int:
        """Deletes every expired upload; returns how many."""
        purged = 0
        for path in self.folder.iterdir():
            if len(path.name) != 64:  # temporary files and anything else
                continue
            try:
                expired = self._expired(path.stat().st_mtime)
            except FileNotFoundError:
                continue
            if expired:
                path.unlink(missing_ok=True)
                purged += 1
        return purged

    def _path(self, spec: UploadSpec) -> Path:
        return self.folder / parse_upload_spec(str(spec)).sha256

    def _expired(self, stored_at: float) -> bool:
        return self.clock() - stored_at > self.ttl_s
