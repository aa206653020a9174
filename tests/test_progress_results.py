"""The per-process result cache of computations that draw a progress bar."""

from __future__ import annotations

import threading
import time

from litcore.session.memo import ProgressResults


def test_computes_once_per_key_and_hands_out_copies():
    results = ProgressResults(max_entries=4)
    calls = []

    def compute():
        calls.append(1)
        return {"rows": [1, 2]}

    first = results.get_or_compute("a", compute)
    first["rows"].append(3)
    assert results.get_or_compute("a", compute) == {"rows": [1, 2]}
    assert len(calls) == 1


def test_drops_the_oldest_beyond_max_entries():
    results = ProgressResults(max_entries=2)
    calls = []
    for key in ("a", "b", "a", "c", "a", "b"):
        results.get_or_compute(key, lambda k=key: calls.append(k) or k)
    # "a" stays (used last before "c" came), "b" was dropped and is recomputed.
    assert calls == ["a", "b", "c", "b"]


def test_a_second_caller_waits_for_the_first_computation():
    results = ProgressResults(max_entries=2)
    calls = []

    def slow():
        calls.append(1)
        time.sleep(0.2)
        return 42

    got = []
    threads = [
        threading.Thread(target=lambda: got.append(results.get_or_compute("k", slow)))
        for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert got == [42, 42, 42]
    assert calls == [1]
