"""Time estimates that learn this machine's speed from the explanations it ran.

Each method's ``seconds_per_example`` was measured on one machine (2 cores with
native bf16 matmuls); another can be several times slower (on 2 AVX2 cores
without bf16, integrated gradients took 4x its figure). Every explanation
records its wall time against that figure, and later estimates are scaled by
the ratio: the method's own once it has one, else the other methods' (the
machine's speed), else 1. A method's ratio is the smallest of its recent runs:
a run slowed by other work (a background warm-up, another session) does not
raise it.
"""

from __future__ import annotations

import statistics
import threading
from collections import deque

# Recent ratios kept per method (the smallest scales the estimate).
KEEP = 5


class SpeedRecord:
    """Observed / nominal time per method, shared by a process's sessions."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._ratios: dict[str, deque[float]] = {}
        self._seen: set[str] = set()

    def record(self, method: str, observed: float, nominal: float) -> None:
        """Notes one run; a method's first run in the process is skipped (it pays
        one-off set-up: imports, weight copies, kernels)."""
        with self._lock:
            if method not in self._seen:
                self._seen.add(method)
                return
            ratios = self._ratios.setdefault(method, deque(maxlen=KEEP))
            ratios.append(observed / max(nominal, 1e-9))

    def factor(self, method: str) -> float:
        """What to multiply ``method``'s nominal time by on this machine."""
        with self._lock:
            if method in self._ratios:
                return min(self._ratios[method])
            others = [min(ratios) for ratios in self._ratios.values()]
        return statistics.median(others) if others else 1.0


SPEED = SpeedRecord()
