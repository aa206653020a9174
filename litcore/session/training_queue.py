"""One training job at a time per server, and a CPU-time budget for each.

In public mode every fine-tuning waits its turn in ``TRAINING_QUEUE`` (first
come, first served; a waiting visitor is told how many jobs are ahead), and
one on a visitor's data stops after ``Policy.train_budget_s`` CPU seconds.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from litcore.api.errors import LumenError
from litcore.models.training_config import ProgressFn, TrainProgress
from litcore.session.policy import Policy


class TrainingBudgetError(LumenError):
    """A training job used up its CPU-time budget and was stopped."""


class TrainingQueue:
    """A first-come, first-served turn for one job at a time.

    A job that leaves early (an error, or the visitor's page stopped while it
    waited) gives up its place, so the queue never stalls on it.
    """

    def __init__(self, poll_s: float = 0.5) -> None:
        self._poll_s = poll_s
        self._tickets = itertools.count()
        self._waiting: list[int] = []  # tickets in arrival order; [0] runs
        self._changed = threading.Condition()

    def jobs_ahead(self, ticket: int) -> int:
        with self._changed:
            return self._waiting.index(ticket)

    @contextmanager
    def turn(self, on_wait: Callable[[int], None]) -> Iterator[None]:
        """Waits until every job that came first is done, then runs the block.

        Args:
            on_wait: called with the number of jobs ahead while waiting (about
                every ``poll_s`` seconds), and with 0 when the turn comes.
        """
        with self._changed:
            ticket = next(self._tickets)
            self._waiting.append(ticket)
        try:
            while (ahead := self.jobs_ahead(ticket)) > 0:
                on_wait(ahead)
                with self._changed:
                    self._changed.wait(self._poll_s)
            on_wait(0)
            yield
        finally:
            with self._changed:
                self._waiting.remove(ticket)
                self._changed.notify_all()


# The server's one queue: every session of this process shares it.
TRAINING_QUEUE = TrainingQueue()


def budgeted(
    report: ProgressFn,
    budget_s: float,
    cpu_clock: Callable[[], float] = time.process_time,
) -> ProgressFn:
    """``report``, stopping the training once it has used ``budget_s`` CPU seconds.

    The clock is the process's CPU time (every thread, torch's included), read
    from the call that makes the callback; the training checks it after each
    optimiser step.

    Raises (from the callback):
        TrainingBudgetError: the budget is spent; the message says what to do.
    """
    started = cpu_clock()

    def report_within_budget(progress: TrainProgress) -> None:
        report(progress)
        if cpu_clock() - started > budget_s:
            raise TrainingBudgetError(
                f"Training stopped at step {progress.step} of "
                f"{progress.total_steps}: this server gives a training job "
                f"{budget_s:g} s of CPU time. Upload fewer rows (or shorter "
                "texts) and try again."
            )

    return report_within_budget


@dataclass(frozen=True)
class TrainingLimits:
    """How a session's training jobs run.

    Attributes:
        queued: wait for ``TRAINING_QUEUE`` (public mode).
        budget_s: CPU seconds a job may use, or None for no limit.
    """

    queued: bool = False
    budget_s: float | None = None

    @classmethod
    def of(cls, policy: Policy, visitor_data: bool) -> TrainingLimits:
        """Public mode queues every job and budgets those on a visitor's data."""
        budget = policy.train_budget_s if policy.public and visitor_data else None
        return cls(queued=policy.public, budget_s=budget)


NO_LIMITS = TrainingLimits()
