"""Giving freed heap memory back to the operating system after big steps.

glibc's allocator keeps what Python, NumPy and PyTorch free in its arenas (one
per thread that allocated, and Streamlit runs each script run in a thread), so
a server's resident memory stays at the high-water mark of every page it
drew: tens of MB after an occlusion batch or a weights load. ``malloc_trim``
hands the free pages back. It costs milliseconds on a large heap, so
``release_freed_memory`` calls it only when the anonymous memory grew since the
last call. ``map_large_blocks`` keeps big temporary buffers out of the heap in
the first place. Elsewhere than glibc (macOS, musl) both do nothing.
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
# glibc's ``mallopt`` option for the mmap threshold (``M_MMAP_THRESHOLD``).
_M_MMAP_THRESHOLD = -3
# Blocks of this many bytes or more get their own mapping (glibc's default
# starts at 128 KB and climbs to 32 MB).
MMAP_THRESHOLD_BYTES = 1 << 20
_lock = threading.Lock()
_last_mb = [0.0]  # anonymous MB right after the last trim


@cache
def _libc_function(name: str):
    """glibc's function ``name``, or None where the C library has none."""
    library = ctypes.util.find_library("c")
    try:
        return getattr(ctypes.CDLL(library), name) if library else None
    except (OSError, AttributeError):
        return None


def _malloc_trim():
    return _libc_function("malloc_trim")


def map_large_blocks(threshold_bytes: int = MMAP_THRESHOLD_BYTES) -> bool:
    """Serves every allocation of ``threshold_bytes`` or more from a mapping of
    its own, unmapped when it is freed; returns whether the C library agreed.

    glibc raises its threshold each time such a block is freed, up to 32 MB,
    so the large temporary tensors of a batched forward pass soon come from
    the heap, where freed space stays resident and the next page's buffers
    land beside it. Setting the threshold turns that raising off. The demo with
    every page visited peaked at 707 MB instead of 775 MB (``benchmarks/memory``).
    """
    mallopt = _libc_function("mallopt")
    return bool(mallopt and mallopt(_M_MMAP_THRESHOLD, threshold_bytes))


def threshold_for_rows(rows: int) -> int:
    """The mapping threshold for pages over ``rows`` examples: twice an array of
    one float64 per row (the metrics' temporaries), at least
    ``MMAP_THRESHOLD_BYTES`` and at most glibc's own ceiling of 32 MB.

    At a million rows each 8 MB temporary then comes from the heap, where its
    pages are reused, instead of fresh pages: the Metrics page's first visit on
    a 1,000,000-row run took 411 ms instead of 788-818 ms
    (``benchmarks/scale.py --runs``). Small data keeps the 1 MB threshold that
    the demo's memory peak relies on.
    """
    return min(max(MMAP_THRESHOLD_BYTES, 16 * rows), 32 << 20)


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
