"""How a session reports progress while it trains and predicts.

The core calls a ``SessionProgress``; the UI draws bars from it, the CLI
prints, a test or a notebook passes ``SILENT``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Protocol

from litcore.models.outputs import ProgressFn
from litcore.models.training_config import ProgressFn as TrainProgressFn


class SessionProgress(Protocol):
    """A factory of progress callbacks, one per long step."""

    def counting(self, what: str) -> AbstractContextManager[ProgressFn]:
        """While predicting: yields a ``(done, total)`` callback; ``what`` is
        the step, e.g. "Predicting"."""

    def training(self, status: str) -> AbstractContextManager[TrainProgressFn]:
        """While fine-tuning: yields a callback that takes the training
        progress; ``status`` says what trains."""

    def queued(self) -> AbstractContextManager[Callable[[int], None]]:
        """While waiting for the server's training queue: yields a callback that
        takes the number of jobs ahead (0: the job starts)."""


class Silent:
    """Progress that reports nothing."""

    @contextmanager
    def counting(self, what: str) -> Iterator[ProgressFn]:
        yield lambda done, total: None

    @contextmanager
    def training(self, status: str) -> Iterator[TrainProgressFn]:
        yield lambda progress: None

    @contextmanager
    def queued(self) -> Iterator[Callable[[int], None]]:
        yield lambda ahead: None


SILENT = Silent()
