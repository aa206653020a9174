"""Long work run once per process in a background thread, with its progress.

The demo's full fine-tune runs here while the first page shows a quick probe
(``litcore.session.demo``): every session of the server sees the same job, a
rerun finds it again by name, and the thread that runs it never blocks the UI.
"""

from __future__ import annotations

import atexit
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from litcore.api.errors import LumenError

RUNNING, DONE, FAILED = "running", "done", "failed"
# How much nicer than the server a job's thread runs (Linux): while a page
# predicts, explains or draws, the job waits for the cores instead of sharing
# them; when the pages are idle it has them all the same.
JOB_NICENESS = 10

# (share done in [0, 1], what is being done) -> None
JobProgressFn = Callable[[float, str], None]
JobWork = Callable[[JobProgressFn], Any]
# Set when the process exits: every job stops at its next progress report.
_STOPPING = threading.Event()
STOP_WAIT_S = 60.0
STOPPED = "stopped: the server exits"


class JobStopped(Exception):
    """Raised in a job's thread by its progress report once the process exits."""


def lower_thread_priority(increment: int = JOB_NICENESS) -> bool:
    """Makes the calling thread ``increment`` nicer than it is (Linux schedules
    threads one by one; the threads it starts, such as torch's, inherit it).

    Returns whether it could (not where threads have no niceness of their own).
    """
    try:
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(current + increment, 19))
    except (AttributeError, OSError):
        return False
    return True


def background_threads() -> int:
    """How many threads a background job's torch operations use: all cores but
    one (at least one), so that the pages keep a core for themselves."""
    return max(1, (os.cpu_count() or 1) - 1)


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of a job.

    Attributes:
        state: ``RUNNING``, ``DONE`` or ``FAILED``.
        fraction: the share done, in [0, 1].
        message: what the job is doing (or, when it failed, why).
        result: what the work returned, once ``DONE``.
    """

    state: str
    fraction: float
    message: str
    result: Any = None

    @property
    def percent(self) -> int:
        return int(100 * self.fraction)


class BackgroundJob:
    """``work(progress)`` run in a daemon thread with ``threads`` torch threads,
    ``JOB_NICENESS`` nicer than the server's own.

    ``work`` reports with ``progress(fraction, message)``; a ``LumenError`` it
    raises becomes a ``FAILED`` status with its message (anything else also
    fails the job, with the exception's type in the message).
    """

    def __init__(
        self, name: str, work: JobWork, threads: int, delay_s: float = 0.0
    ) -> None:
        """``delay_s``: seconds the thread waits before it imports torch and
        begins (a page being drawn keeps the interpreter to itself meanwhile)."""
        self.name = name
        self._work = work
        self._threads = threads
        self._delay_s = delay_s
        self._lock = threading.Lock()
        self._status = JobStatus(RUNNING, 0.0, "starting")
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> BackgroundJob:
        self._thread.start()
        return self

    @property
    def status(self) -> JobStatus:
        with self._lock:
            return self._status

    def wait(self, timeout: float | None = None) -> JobStatus:
        """Waits for the job to end (or ``timeout`` seconds); returns its status."""
        self._thread.join(timeout)
        return self.status

    def _report(self, fraction: float, message: str) -> None:
        if _STOPPING.is_set():
            raise JobStopped(self.name)
        with self._lock:
            self._status = JobStatus(RUNNING, min(max(fraction, 0.0), 1.0), message)

    def _run(self) -> None:
        if _STOPPING.wait(self._delay_s):
            final = JobStatus(FAILED, 0.0, STOPPED)
            with self._lock:
                self._status = final
            return
        import torch  # here: a server that starts no job never needs it for one

        lower_thread_priority()
        torch.set_num_threads(self._threads)  # this thread's own setting
        try:
            result = self._work(self._report)
        except JobStopped:
            final = JobStatus(FAILED, self.status.fraction, STOPPED)
        except LumenError as error:
            final = JobStatus(FAILED, self.status.fraction, str(error))
        except Exception as error:  # noqa: BLE001 (reported to the user, not lost)
            message = f"{type(error).__name__}: {error}"
            final = JobStatus(FAILED, self.status.fraction, message)
        else:
            final = JobStatus(DONE, 1.0, "done", result)
        with self._lock:
            self._status = final


_JOBS: dict[str, BackgroundJob] = {}
_JOBS_LOCK = threading.Lock()


def start_once(
    name: str, work: JobWork, threads: int | None = None, delay_s: float = 0.0
) -> BackgroundJob:
    """The process's job called ``name``, started with ``work`` if there is none.

    A job that ended (done or failed) is returned as it is, not restarted:
    the same work failing again would only cost time.

    Args:
        threads: torch threads for the job; None: ``background_threads()``.
        delay_s: seconds before the job imports torch and begins.
    """
    with _JOBS_LOCK:
        job = _JOBS.get(name)
        if job is None:
            threads = threads or background_threads()
            job = BackgroundJob(name, work, threads, delay_s)
            _JOBS[name] = job.start()
        return job


def find(name: str) -> BackgroundJob | None:
    """The process's job called ``name``, if one was started."""
    with _JOBS_LOCK:
        return _JOBS.get(name)


@atexit.register
def stop_all(wait_s: float = STOP_WAIT_S) -> None:
    """Asks every job to stop at its next progress report and waits for it.

    Runs at interpreter exit: a job's daemon thread still inside torch while
    Python finalises aborts the process ("terminate called without an active
    exception", exit status 134), which would turn a server's clean stop or a
    test run's success into a crash.
    """
    _STOPPING.set()
    with _JOBS_LOCK:
        jobs = list(_JOBS.values())
    for job in jobs:
        job.wait(wait_s)
