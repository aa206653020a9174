"""Giving freed heap memory back to the operating system after big steps.

glibc's allocator keeps what Python, NumPy and PyTorch free in its arenas (one
per thread that allocated, and Streamlit runs each script run in a thread), so
a server's resident memory stays at the high-water mark of every page it
drew: tens of MB after an occlusion batch or a weights load. ``malloc_trim``
hands the free pages back. It costs milliseconds on a large heap, so
``release_freed_memory`` calls it only when the anonymous memory grew since the
last call. Elsewhere than glibc (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import threading
from functools import cache
from pathlib import Path

# Growth of anonymous resident memory (MB) since the last trim that makes the
# next call trim.
DEFAULT_GROWTH_MB = 16.0
_PAGE_MB = 4096 / (1024 * 1024)
_lock = threading.Lock()
_last_mb = [0.0]  # anonymous MB right after the last trim


@cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None where the C library has none."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


def anonymous_mb() -> float:
    """This process's resident anonymous-plus-shared-private memory, from
    ``/proc/self/statm`` (resident minus file-backed pages), in MB; 0 where
    there is no ``/proc``."""
    try:
        fields = Path("/proc/self/statm").read_text().split()
    except OSError:
        return 0.0
    return (int(fields[1]) - int(fields[2])) * _PAGE_MB


def release_freed_memory(min_growth_mb: float = DEFAULT_GROWTH_MB) -> bool:
    """Trims the heap if anonymous memory grew by ``min_growth_mb`` since the last
    trim; returns whether it trimmed."""
    trim = _malloc_trim()
    if trim is None:
        return False
    with _lock:
        if anonymous_mb() - _last_mb[0] < min_growth_mb:
            return False
        trim(0)
        _last_mb[0] = anonymous_mb()
    return True
