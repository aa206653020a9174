"""Seconds to a settled page in Chromium at 2k and 50k rows, on a real server.

For each size a new server (``streamlit run app.py``, as the browser tests start
it) opens ``benchmarks.scale``'s dataset through the ``LUMEN_*`` variables that
benchmark uses, with its cache (``--cache``, default ``/tmp/lumen-scale``: run
``python -m benchmarks.scale`` for the sizes first, whose first run predicts).
A new tab then times, each until the page's run has finished and its content
is drawn:

- the first page (the Overview, with its headline table): the server opens
  the data (the first session of a server reads the file and the snapshot);
- the Data table, clicked in the sidebar, until its grid shows;
- the Embeddings page (PCA, read from the store), clicked in the sidebar,
  until its Plotly map shows.

Usage: ``python -m benchmarks.browser_scale [--sizes 2000,50000] [--repeat N]``
(needs Debian chromium and playwright). The last line holds each page's time
at the largest size and its ratio to the smallest.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from e2e_support import (  # noqa: E402
    CHROMIUM_ARGS,
    PLOT,
    SIDEBAR_DRAWN,
    AppServer,
    free_port,
    new_tab,
    open_page,
    wait_runs,
)

from benchmarks.scale import (  # noqa: E402
    DEFAULT_CACHE,
    app_settings,
    dataset_path,
    machine_line,
    prepare,
)

TABLE = "[data-testid='stDataFrame']"
TIMEOUT_MS = 600_000
PAGES = ("first page", "Data table", "Embeddings")


def shown(selector: str) -> str:
    """A JS condition: an element matching ``selector`` is drawn."""
    return f'!!document.querySelector("{selector}")'


@contextmanager
def server_on(size: int, cache: Path, model_dir: str) -> Iterator[AppServer]:
    """A new server opening the dataset of ``size`` rows with the demo's model."""
    settings = app_settings(cache, dataset_path(cache, size), model_dir)
    previous = {name: os.environ.get(name) for name in settings}
    os.environ.update(settings)
    server = AppServer(free_port())
    try:
        server.start()
        yield server
    finally:
        server.stop()
        for name, value in previous.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def visit(browser, server: AppServer) -> dict[str, float]:
    """Seconds to each settled page in a new tab (a new session)."""
    context, tab = new_tab(browser)
    tab.set_default_timeout(TIMEOUT_MS)
    seconds = {}
    try:
        started = time.perf_counter()
        tab.goto(server.url)
        wait_runs(tab, 0, f"{shown(TABLE)} && {shown(SIDEBAR_DRAWN)}")
        seconds["first page"] = time.perf_counter() - started
        for title, drawn in (("Data table", TABLE), ("Embeddings", PLOT)):
            started = time.perf_counter()
            open_page(tab, server, title)
            tab.wait_for_selector(drawn, timeout=TIMEOUT_MS)
            seconds[title] = time.perf_counter() - started
    finally:
        context.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,50000")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE)
    parser.add_argument("--repeat", type=int, default=1, help="servers per size")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    print(machine_line(), flush=True)
    model_dir = prepare(sizes, args.cache)["model_dir"]
    results: dict[int, dict[str, list[float]]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
        )
        for size in sizes:
            results[size] = {page: [] for page in PAGES}
            for _ in range(args.repeat):
                with server_on(size, args.cache, model_dir) as server:
                    seconds = visit(browser, server)
                for page, value in seconds.items():
                    results[size][page].append(value)
                line = ", ".join(f"{p} {v:.2f} s" for p, v in seconds.items())
                print(f"{size:,} rows: {line}; {machine_line()}", flush=True)
        browser.close()
    smallest, largest = sizes[0], sizes[-1]
    median = {
        size: {page: statistics.median(v) for page, v in results[size].items()}
        for size in sizes
    }
    print(
        f"medians at {largest:,} rows (ratio to {smallest:,}): "
        + "; ".join(
            f"{page} {median[largest][page]:.2f} s "
            f"({median[largest][page] / median[smallest][page]:.2f}x)"
            for page in PAGES
        )
    )


if __name__ == "__main__":
    main()
