"""The one cache root for everything Lumen derives (data, models, predictions)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

CACHE_ENV_VAR = "LUMEN_CACHE_DIR"
DEFAULT_CACHE_DIR = Path.home() / ".cache" / "lumen"


def cache_root() -> Path:
    """The cache root, ``$LUMEN_CACHE_DIR`` or ``~/.cache/lumen``; made if missing."""
    root = Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    return root


def cache_dir(*parts: str) -> Path:
    """A sub-folder of the cache root, created if missing."""
    path = cache_root().joinpath(*parts)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_atomically(path: Path, content: bytes) -> None:
    """Writes ``content`` to ``path`` so that a reader in any process sees the
    old file or the new one whole, never a part (a sibling, synced, renamed)."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(content)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
