"""How much of a visitor's file Lumen reads: size, rows, text length, columns.

A public server caps uploads as its policy says (``litcore.session.policy``:
``LUMEN_MAX_UPLOAD_MB``, default 20; ``LUMEN_MAX_ROWS``, default 10,000) and
keeps them ``LUMEN_SHARE_TTL_DAYS`` (default 7) for shared links; a private one
reads files up to ``MAX_FILE_MB`` with no row cap. The server's own startup
data is read with ``SERVER_LIMITS``.
"""

from __future__ import annotations

from dataclasses import dataclass

from litcore.api.errors import DataError
from litcore.session import policy as server_policy
from litcore.session.policy import Policy

# The largest file Lumen reads, uploaded or from a path (also .streamlit/config.toml).
MAX_FILE_MB = 200
MAX_COLUMNS = 1_000
# Longer texts than any model reads; a public server refuses cells over this.
PUBLIC_MAX_CELL_CHARS = 100_000
# A Parquet file may decompress to at most this many times the upload limit.
PARQUET_EXPANSION = 20


@dataclass(frozen=True)
class UploadLimits:
    """The caps a file is read under.

    Attributes:
        max_mb: the largest file, in MB.
        max_rows: the most rows, or None for no cap.
        max_cell_chars: the longest text in a cell, or None for no cap.
        ttl_days: how long a stored upload is kept for shared links.
    """

    max_mb: float = MAX_FILE_MB
    max_rows: int | None = None
    max_cell_chars: int | None = None
    ttl_days: float = Policy.share_ttl_days

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * 2**20)

    @property
    def max_decoded_bytes(self) -> int:
        """The most a Parquet file may decompress to."""
        return self.max_bytes * PARQUET_EXPANSION

    def check_size(self, size_bytes: int) -> None:
        """Refuses a file of ``size_bytes`` that is empty or over ``max_mb``: the
        one size check of an upload, a stored upload and a file read for a page.

        Raises:
            DataError: the file is empty, or too large (the message gives both
                sizes).
        """
        if size_bytes <= 0:
            raise DataError("The file is empty.")
        if size_bytes > self.max_bytes:
            raise DataError(
                f"The file is {size_bytes / 2**20:.1f} MB; the limit is "
                f"{self.max_mb:g} MB. Sample it down (or save it as Parquet, which "
                "is smaller) and try again."
            )


SERVER_LIMITS = UploadLimits()


def upload_limits(policy: Policy | None = None) -> UploadLimits:
    """The caps on a visitor's file under ``policy`` (default: this server's).

    Raises:
        PolicyError: a bad ``LUMEN_*`` value.
    """
    policy = policy or server_policy.active()
    if not policy.public:
        return UploadLimits(ttl_days=policy.share_ttl_days)
    return UploadLimits(
        max_mb=policy.max_upload_mb,
        max_rows=policy.max_rows,
        max_cell_chars=PUBLIC_MAX_CELL_CHARS,
        ttl_days=policy.share_ttl_days,
    )
