"""What the load test's visits share, whatever drives them (a browser or the
websocket protocol): a visit's record, the targets, the machine line, the report.

Used by ``benchmarks/load.py`` (Chromium visits, the CLI) and
``benchmarks/load_protocol.py`` (protocol visits, no rendering).
"""

from __future__ import annotations

import os
import platform
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit

# p95 targets (issue 19): a first page (the app, a shared link), gradient
# salience, every other step.
TARGET_S = {"open": 8.0, "open link": 8.0, "salience": 3.0}
LATER_TARGET_S = 2.0
# The movie demo's matrix cells, and rows of the "only selected" table: a visit
# picks (cell, row) by its number, so up to 40 visits pick 40 examples.
CELLS = [("negative", "positive"), ("positive", "negative"),
         ("negative", "negative"), ("positive", "positive")]  # fmt: skip
ROWS_PER_CELL = 10


class StepFailed(Exception):
    """A step of a visit failed; the visit ends there."""


@dataclass
class Visit:
    """One visitor: what it did, how long each step took, what it saw."""

    number: int
    marker: str = field(default_factory=lambda: "m" + uuid.uuid4().hex[:10])
    seconds: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    primary: str | None = None
    link: str | None = None
    isolation: list[str] = field(default_factory=list)
    tab: object = None  # a browser visit's Playwright page, for the isolation check

    @property
    def cell(self) -> tuple[str, str]:
        """The (gold, predicted) confusion-matrix cell this visit clicks."""
        return CELLS[self.number % len(CELLS)]

    @property
    def row(self) -> int:
        """The row of the "only selected" table this visit picks; from row 1: a
        cell's click already makes its first example the primary."""
        return 1 + self.number // len(CELLS) % ROWS_PER_CELL

    @property
    def upload_name(self) -> str:
        return f"visit-{self.marker}.csv"

    @property
    def slice_name(self) -> str:
        return f"slice-{self.marker}"

    def fail(self, name: str, error: BaseException) -> StepFailed:
        """Records step ``name`` as failed with ``error``; returns the exception
        that ends the visit."""
        first_line = (str(error).strip().splitlines() or [""])[0][:160]
        self.failed[name] = f"{type(error).__name__}: {first_line}"
        return StepFailed(name)

    def step(self, name: str, action):
        """Times ``action()`` and returns what it returns; a failure is recorded
        and ends the visit."""
        started = time.perf_counter()
        try:
            result = action()
        except Exception as error:  # any failure of a step is a finding
            raise self.fail(name, error) from error
        self.seconds[name] = time.perf_counter() - started
        return result


def machine_line() -> str:
    """CPU model, cores, vector extensions, load, versions."""
    flags = ""
    model = platform.processor() or "unknown CPU"
    try:
        cpuinfo = Path("/proc/cpuinfo").read_text()
        model = next(
            line.split(":", 1)[1].strip()
            for line in cpuinfo.splitlines()
            if line.startswith("model name")
        )
        flags = next(line for line in cpuinfo.splitlines() if line.startswith("flags"))
    except (OSError, StopIteration):
        pass
    extensions = ("avx512_vnni", "avx512_bf16", "amx_tile")
    has = ", ".join(f if f in flags.split() else f"no {f}" for f in extensions)
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"machine: {model}, {os.cpu_count()} cores ({has}); load {load}; "
        f"Python {platform.python_version()}, Streamlit {streamlit.__version__}"
    )


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def step_table(
    kind: str, steps: tuple[str, ...], alone: Visit, visits: list[Visit]
) -> None:
    """Per step of ``visits`` (all of one ``kind``): p50, p95, their ratio to the
    lone warm visit ``alone``, failures."""
    n = len(visits)
    print(f"{kind}: {n} visits")
    print(f"{'step':<14}{'alone s':>9}{'p50 s':>8}{'p95 s':>8}{'p95/alone':>11}"
          f"{'done':>6}{'failed':>8}")  # fmt: skip
    for name in steps:
        times = [v.seconds[name] for v in visits if name in v.seconds]
        failed = sum(name in v.failed for v in visits)
        solo = alone.seconds.get(name, float("nan"))
        p50, p95 = percentile(times, 50), percentile(times, 95)
        print(f"{name:<14}{solo:>9.2f}{p50:>8.2f}{p95:>8.2f}{p95 / solo:>11.1f}"
              f"{len(times):>6}{failed:>8}")  # fmt: skip


def findings(visits: list[Visit]) -> tuple[int, int]:
    """Prints every failed step and isolation finding; returns their counts."""
    for visit in visits:
        for step, reason in visit.failed.items():
            print(f"visit {visit.number}: {step} failed: {reason}")
        for finding in visit.isolation:
            print(f"visit {visit.number}: isolation: {finding}")
    failures = sum(len(v.failed) for v in visits)
    return failures, sum(len(v.isolation) for v in visits)


def target_line(steps: tuple[str, ...], alone: Visit, visits: list[Visit]) -> str:
    """The p95s of ``visits`` against the targets, each with its ratio to
    ``alone``: the first pages and gradient salience one by one, then the worst
    of the later steps and how many of them miss 2 s."""
    nan = float("nan")

    def p95_of(name: str) -> tuple[float, str]:
        p95 = percentile([v.seconds[name] for v in visits if name in v.seconds], 95)
        ratio = p95 / alone.seconds.get(name, nan)
        return p95, f"{p95:.1f} s ({ratio:.1f}x alone)"

    parts = []
    for name in (step for step in steps if step in TARGET_S):
        p95, shown = p95_of(name)
        mark = "ok" if p95 <= TARGET_S[name] else "MISSED"
        parts.append(f"{name} {shown} {mark} (<= {TARGET_S[name]:.0f} s)")
    later = [step for step in steps if step not in TARGET_S]
    p95s = {name: p95_of(name) for name in later}
    worst = max(later, key=lambda name: np.nan_to_num(p95s[name][0], nan=np.inf))
    missed = sum(not p95 <= LATER_TARGET_S for p95, _ in p95s.values())
    parts.append(
        f"worst later step {worst} {p95s[worst][1]}, {missed} of {len(later)} "
        f"later steps over {LATER_TARGET_S:.0f} s"
    )
    return "; ".join(parts)
