"""The memo of long computations: results kept per process, by key."""

from __future__ import annotations

import copy
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

T = TypeVar("T")


class ProgressResults:
    """Per-process results of long computations that report progress.

    Streamlit's caches replay what a cached function drew on every later hit,
    and replaying a bar drawn into a block made outside the function fails
    (``CacheReplayClosureError``). These computations therefore run outside
    Streamlit's caches and keep their results here: one computation per key at
    a time (a second caller waits for the first), the oldest dropped beyond
    ``max_entries``, copies handed out.
    """

    def __init__(self, max_entries: int) -> None:
        self._max_entries = max_entries
        self._results: OrderedDict[Hashable, object] = OrderedDict()
        self._key_locks: dict[Hashable, threading.Lock] = {}
        self._lock = threading.Lock()

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._results:
                    self._results.move_to_end(key)
                    return copy.deepcopy(self._results[key])
            value = compute()
            with self._lock:
                self._results[key] = value
                while len(self._results) > self._max_entries:
                    self._key_locks.pop(self._results.popitem(last=False)[0], None)
        return copy.deepcopy(value)
