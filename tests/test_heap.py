"""Freed heap memory goes back to the OS after big steps, and only then."""

from __future__ import annotations

import ctypes
import ctypes.util

from python_child import last_line

from litcore.session import heap

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
BLOCK = 1000  # bytes: below the size glibc maps (and unmaps) on its own


def grow_and_free() -> tuple[float, int]:
    """Anonymous MB before, and the one block kept, after 80 MB were allocated and
    all but one block freed (freed, yet still resident)."""
    heap.release_freed_memory(min_growth_mb=0)  # start from a trimmed heap
    before = heap.anonymous_mb()
    blocks = [libc.malloc(BLOCK) for _ in range(80_000)]  # about 80 MB
    for block in blocks:
        ctypes.memset(block, 1, BLOCK)
    for block in blocks[:-1]:  # the last keeps the heap's top in place
        libc.free(block)
    assert heap.anonymous_mb() - before > 60
    return before, blocks[-1]


def test_freed_blocks_are_given_back_once_the_heap_grew():
    # In a full run another thread (a background weights load) may trim between
    # the growth and our call: then the grown heap is tried again.
    for _ in range(3):
        before, kept = grow_and_free()
        trimmed = heap.release_freed_memory()
        if trimmed:
            break
        libc.free(kept)
    assert trimmed
    assert heap.anonymous_mb() - before < 20
    assert not heap.release_freed_memory()  # nothing grew since
    libc.free(kept)


def test_anonymous_memory_is_read_from_proc():
    assert 5 < heap.anonymous_mb() < 100_000


# In a new interpreter: anonymous MB still resident after a 16 MB block was
# allocated and freed twice (a small block allocated after it pins the heap's
# top), with or without ``map_large_blocks`` first.
FREED_TWICE = """
import ctypes, ctypes.util, sys
from litcore.session import heap
libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.malloc.restype = ctypes.c_void_p
libc.free.argtypes = [ctypes.c_void_p]
if sys.argv[1] == "mapped":
    assert heap.map_large_blocks()
size, pins = 16 << 20, []
for _ in range(2):
    block = libc.malloc(size)
    ctypes.memset(block, 1, size)
    before_free = heap.anonymous_mb()
    pins.append(libc.malloc(1000))
    libc.free(block)
print(before_free - heap.anonymous_mb())
"""


def freed_mb(mode: str) -> float:
    return float(last_line(FREED_TWICE, mode))


def test_large_blocks_go_back_when_freed_once_mapped():
    assert freed_mb("default") < 2  # glibc's raised threshold kept it in the heap
    assert freed_mb("mapped") > 14


def test_the_threshold_keeps_per_row_arrays_of_big_data_on_the_heap():
    assert heap.threshold_for_rows(0) == heap.MMAP_THRESHOLD_BYTES
    assert heap.threshold_for_rows(50_000) == heap.MMAP_THRESHOLD_BYTES  # 0.8 MB
    assert heap.threshold_for_rows(1_000_000) == 16_000_000  # > 8 MB of float64
    assert heap.threshold_for_rows(10_000_000) == 32 << 20  # glibc's ceiling
