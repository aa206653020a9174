"""Concurrent visitors: headless Chromium sessions through one scripted visit
each, against one server in public mode.

A visit: open the app, go to Metrics, click a confusion-matrix cell, open the
Data table, show only the selection, pick an example, open Explanations (timed
to its first heat map, the gradient's: "salience", then to the whole page, the
other cheap methods and their faithfulness: "explanations"), upload a small
file (up to its parsed preview: Load would fine-tune MiniLM on it), save the
selection as a slice, copy the share link and open it in a fresh context. Each
step waits on what it makes visible (the sidebar's "N selected", the table's
"N rows;", a changed primary, the stored file's preview, "Saved slice"), with
no script run in progress, never on a count of reruns. Every visit carries a
unique marker (in its file's name, its slice's name) and picks its own example
(rows 1-10 of its cell: row 0 is already the primary); at the end each checks
that its page shows its own selection and no other visit's marker (selection,
upload, slice). A step that fails or outlasts ``--step-timeout``
is reported as failed and ends that visit; the others go on.

First one visit alone on the fresh server (cold), then one more alone (warm:
the baseline of the ratios), then ``--sessions`` visits arriving at once, each
in its own Chromium on the same machine.

Usage: ``python -m benchmarks.load [--sessions 20] [--step-timeout 60]
[--url URL | --start-script]`` (needs Debian chromium and playwright).
Without ``--url`` it starts ``python -m litcore serve --public`` (or, with
``--start-script``, ``deploy/start.sh`` for the Python in ``$PYTHON``) on a
free port over ``$LUMEN_CACHE_DIR`` (prepare it first: ``deploy/prepare.sh``
or ``lumen-nlp prepare-demo``); with ``--url`` it visits that server (e.g. the
container). The last line gives the p95s against the targets and the ratios
to the lone visit.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import e2e_support as e2e  # noqa: E402

STEPS = ("open", "metrics", "cell", "table", "only selected", "example", "salience",
         "explanations", "upload", "slice", "link", "open link")  # fmt: skip
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
    tab: object = None  # its Playwright page, kept for the isolation check

    @property
    def upload_name(self) -> str:
        return f"visit-{self.marker}.csv"

    @property
    def slice_name(self) -> str:
        return f"slice-{self.marker}"

    def step(self, name: str, action):
        """Times ``action()`` and returns what it returns; a failure is recorded
        and ends the visit."""
        started = time.perf_counter()
        try:
            result = action()
        except Exception as error:  # any failure of a step is a finding
            first_line = (str(error).strip().splitlines() or [""])[0][:160]
            self.failed[name] = f"{type(error).__name__}: {first_line}"
            raise StepFailed(name) from error
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


# JS expressions over what a tab shows.
SIDEBAR_JS = "(document.querySelector(\"[data-testid='stSidebar']\")?.innerText ?? '')"
MAIN_JS = "(document.querySelector(\"[data-testid='stMain']\")?.innerText ?? '')"
TITLE_JS = "document.querySelector(\"[data-testid='stMain'] h1\")?.innerText"
CELL = "[data-testid='stVegaLiteChart'] .mark-rect path[aria-label*='Gold: ']"


def shown(tab, until: str, arg: object = None, idle: bool = True) -> None:
    """Waits until the JS expression ``until`` (over ``arg``) holds, while no
    script run is in progress (``idle``) or as soon as it shows.

    Each step waits on what it makes visible, never only on a count of reruns:
    an upload's own reruns (and any run still in flight) finished in between
    and looked like the step's.
    """
    idle_app = f'document.querySelector("{e2e.IDLE_APP}")' if idle else "true"
    tab.wait_for_function(
        f"arg => ({until}) && {idle_app}", arg=arg, timeout=e2e.RUN_TIMEOUT_MS
    )


def until_shown(tab, action, until: str, arg: object = None, idle: bool = True) -> None:
    """Does ``action()``, then waits until ``until`` shows (``shown``)."""
    action()
    shown(tab, until, arg, idle)


def open_app(tab, url: str) -> None:
    """Loads ``url`` until the sidebar and the page's title are drawn."""
    until_shown(
        tab,
        lambda: tab.goto(url),
        f'document.querySelector("{e2e.SIDEBAR_DRAWN}") && {TITLE_JS}',
    )


def open_nav(
    tab, link: str, until: str = "true", title: str | None = None, idle: bool = True
) -> None:
    """Clicks the navigation link ``link`` until the page's title (default: the
    link's text) and ``until`` show (with no run in progress: ``idle``)."""
    named = tab.get_by_text(link, exact=True)
    anchor = tab.locator("[data-testid='stSidebarNav'] a").filter(has=named).first
    heading = f"({TITLE_JS} ?? '').startsWith(arg) && ({until})"
    until_shown(tab, anchor.click, heading, title or link, idle)


def select_cell(tab, gold: str, pred: str) -> int:
    """Clicks the Metrics page's (gold, pred) cell until the sidebar counts its
    examples as selected; returns that count."""
    cell, at, count = e2e.confusion_cell(tab, gold, pred)
    selected = f"{SIDEBAR_JS}.includes(arg)"
    until_shown(tab, lambda: cell.click(position=at), selected, f"{count:,} selected")
    return count


def only_selected(tab, count: int) -> None:
    """Shows only the selection in the Data table, until it lists ``count`` rows."""
    button = tab.locator("[data-testid='stMain'] button", has_text="Only selected")
    until_shown(tab, button.click, f"{MAIN_JS}.includes(arg)", f"{count:,} rows;")


def pick_row(tab, row: int) -> None:
    """Ticks visible row ``row`` of the Data table (a canvas grid: header and rows
    35 px) until the sidebar changes (the selection becomes that row, its
    primary) and names a primary example."""
    grid = e2e.settled_box(tab.locator("[data-testid='stDataFrame']").first)
    y = grid["y"] + 35 * (row + 1) + 17
    before = tab.evaluate(f"() => {SIDEBAR_JS}")
    changed = f"{SIDEBAR_JS} !== arg && {SIDEBAR_JS}.includes('Primary:')"
    until_shown(tab, lambda: tab.mouse.click(grid["x"] + 18, y), changed, before)


def upload_file(folder: Path, visit: Visit) -> Path:
    """A small labelled CSV whose name and texts carry the visit's marker."""
    path = folder / visit.upload_name
    rows = [f"{visit.marker} a fine film number {i},positive" for i in range(10)]
    rows += [f"{visit.marker} a dull film number {i},negative" for i in range(10)]
    path.write_text("text,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def upload(tab, path: Path) -> None:
    """Picks "My file" in "Data & model" and uploads ``path``, until the sidebar
    previews it ("N rows · M columns", after the file is stored)."""
    section = tab.locator("[data-testid='stSidebar'] [data-testid='stExpander']")
    section = section.filter(has_text="Data & model").first
    if section.locator("details").get_attribute("open") is None:
        section.locator("summary").click()
    my_file = section.get_by_text("My file", exact=True)
    chooser = "[data-testid='stSidebar'] input[type='file']"
    until_shown(tab, my_file.click, f'document.querySelector("{chooser}")')
    until_shown(
        tab,
        lambda: section.locator("input[type='file']").set_input_files(str(path)),
        f"{SIDEBAR_JS}.includes(' rows · ')",
    )


def save_slice(tab, name: str) -> None:
    """Saves the selection as slice ``name`` from the sidebar's Slices panel,
    until the sidebar says it is saved (the click sends the typed name too)."""
    tab.get_by_label("New slice name").fill(name)
    save = tab.get_by_role("button", name="Save selection", exact=True)
    until_shown(tab, save.click, f"{SIDEBAR_JS}.includes(arg)", f"Saved slice '{name}'")


def copy_link(tab) -> str:
    """The sidebar's share link (its "Copy link" popover)."""
    tab.locator("[data-testid='stSidebar']").get_by_text("Copy link").click()
    code = tab.locator("[data-testid='stPopoverBody'] code").first
    link = code.inner_text().strip()
    tab.keyboard.press("Escape")
    if not link.startswith("http"):
        raise ValueError(f"not a link: {link[:80]}")
    return link


def open_link(browser, visit: Visit) -> None:
    """Opens the visit's link in a fresh context, until it names a primary
    example: the visit's own."""
    context, tab = e2e.new_tab(browser)
    tab.set_default_timeout(e2e.RUN_TIMEOUT_MS)  # page loads as well as waits
    try:
        until_shown(
            tab, lambda: tab.goto(visit.link), f"{SIDEBAR_JS}.includes('Primary:')"
        )
        shown = e2e.primary_id(tab)
        if shown != visit.primary:
            raise ValueError(f"the link shows {shown}, not {visit.primary}")
    finally:
        context.close()


def run_visit(browser, url: str, visit: Visit, folder: Path) -> None:
    """The scripted visit; stops at the first failed step."""
    context, tab = e2e.new_tab(browser)
    tab.set_default_timeout(e2e.RUN_TIMEOUT_MS)  # page loads as well as waits
    gold, pred = CELLS[visit.number % len(CELLS)]
    # From row 1: a cell's click already makes its first example the primary.
    row = 1 + visit.number // len(CELLS) % ROWS_PER_CELL
    chart = f'document.querySelector("{CELL}")'
    try:
        visit.step("open", lambda: open_app(tab, url))
        visit.step("metrics", lambda: open_nav(tab, "Metrics", chart))
        count = visit.step("cell", lambda: select_cell(tab, gold, pred))
        rows = f"{MAIN_JS}.includes('rows; showing')"
        visit.step("table", lambda: open_nav(tab, "Data table", rows))
        visit.step("only selected", lambda: only_selected(tab, count))
        visit.step("example", lambda: pick_row(tab, row))
        visit.primary = e2e.primary_id(tab)
        # The first heat map (gradient L2, the first method) as soon as it is
        # drawn, then the whole page: the other methods and their faithfulness.
        first_map = "document.querySelector(\"[data-testid='stMain'] .lumen-token\")"
        visit.step(
            "salience",
            lambda: open_nav(tab, "Explanations", first_map, idle=False),
        )
        page_done = f"{MAIN_JS}.includes('tokens per method')"
        visit.step("explanations", lambda: shown(tab, page_done))
        visit.step("upload", lambda: upload(tab, upload_file(folder, visit)))
        visit.step("slice", lambda: save_slice(tab, visit.slice_name))
        visit.step("link", lambda: setattr(visit, "link", copy_link(tab)))
        visit.step("open link", lambda: open_link(browser, visit))
    except StepFailed:
        pass
    except Exception as error:  # a check between steps
        visit.failed["check"] = f"{type(error).__name__}: {error}"
    visit.tab = tab


def check_isolation(url: str, visit: Visit, others: list[Visit]) -> None:
    """After every visit is done: this one's page shows its own selection and
    none of the others' markers (upload names, slice names)."""
    tab = visit.tab
    if "open" not in visit.seconds:
        visit.isolation.append("not checked: the visit never opened the app")
        return
    try:
        open_nav(tab, "Overview", title="Lumen")
        shown = e2e.primary_id(tab)
        text = tab.locator("[data-testid='stApp']").text_content()
    except Exception as error:
        visit.isolation.append(f"could not check: {type(error).__name__}")
        return
    if visit.primary and shown != visit.primary:
        visit.isolation.append(f"selection: shows {shown}, picked {visit.primary}")
    for other in others:
        if other.marker in text:
            leaked = "slice" if other.slice_name in text else "upload/other"
            visit.isolation.append(f"{leaked} of visit {other.number} visible")


def visitor(url, visit, others, folder, barriers) -> None:
    """A thread: its own Playwright and Chromium, one visit, then the checks.

    ``barriers``: (all browsers up, all visits done), shared by the wave.
    """
    start, done = barriers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium"), args=e2e.CHROMIUM_ARGS
        )
        try:
            start.wait()
            run_visit(browser, url, visit, folder)
            steps = " ".join(f"{k}={v:.1f}" for k, v in visit.seconds.items())
            failed = visit.failed or "none"
            print(f"visit {visit.number}: {steps}; failed: {failed}", flush=True)
            done.wait()
            check_isolation(url, visit, others)
        except threading.BrokenBarrierError:
            visit.isolation.append("not checked: another visit did not finish")
        finally:
            browser.close()


def run_wave(url: str, visits: list[Visit], everyone: list[Visit], timeout_ms: int,
             folder: Path) -> None:  # fmt: skip
    """All ``visits`` at once, each in its own thread and browser; each checks
    that it sees nothing of ``everyone`` else."""
    wave_s = timeout_ms / 1000 * (len(STEPS) + 2)
    barriers = (
        threading.Barrier(len(visits), timeout=300),
        threading.Barrier(len(visits), timeout=wave_s),
    )
    threads = []
    for visit in visits:
        others = [other for other in everyone if other is not visit]
        arguments = (url, visit, others, folder, barriers)
        threads.append(threading.Thread(target=visitor, args=arguments))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def start_server(port: int, start_script: bool, log: Path) -> subprocess.Popen:
    """A server in public mode on ``port``: ``deploy/start.sh`` (the container's
    command, for the Python in ``$PYTHON``) or ``python -m litcore serve
    --public`` from the checkout; its output goes to ``log``."""
    env = os.environ | {
        "STREAMLIT_SERVER_HEADLESS": "true",
        "STREAMLIT_SERVER_ADDRESS": "127.0.0.1",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
        "PORT": str(port),
        "LUMEN_ADDRESS": "127.0.0.1",
    }
    if start_script:
        command = [str(REPO / "deploy" / "start.sh")]
    else:
        command = [sys.executable, "-m", "litcore", "serve", "--public"]
        command += ["--port", str(port)]
    started = time.perf_counter()
    server = e2e.start_logged_server(command, env, port, log)
    print(f"server healthy {time.perf_counter() - started:.1f} s after its start")
    return server


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def report(cold: Visit, alone: Visit, visits: list[Visit]) -> None:
    """Per step: the lone visit on a cold server and on a warm one, p50 and p95
    at N, their ratio to the warm lone visit, failures."""
    n = len(visits)
    print(f"{'step':<14}{'cold s':>8}{'alone s':>9}{f'p50 @{n}':>10}"
          f"{f'p95 @{n}':>10}{'p95/alone':>11}{'failed':>8}")  # fmt: skip
    worst_later = ("", 0.0)
    for name in STEPS:
        times = [v.seconds[name] for v in visits if name in v.seconds]
        failed = sum(name in v.failed for v in visits)
        solo = alone.seconds.get(name, float("nan"))
        p50, p95 = percentile(times, 50), percentile(times, 95)
        first = cold.seconds.get(name, float("nan"))
        print(f"{name:<14}{first:>8.2f}{solo:>9.2f}{p50:>10.2f}{p95:>10.2f}"
              f"{p95 / solo:>11.1f}{failed:>8}")  # fmt: skip
        if name not in TARGET_S and p95 > worst_later[1]:
            worst_later = (name, p95)
    for visit in [cold, alone, *visits]:
        for step, reason in visit.failed.items():
            print(f"visit {visit.number}: {step} failed: {reason}")
        for finding in visit.isolation:
            print(f"visit {visit.number}: isolation: {finding}")
    leaks = sum(len(v.isolation) for v in [cold, alone, *visits])
    failures = sum(len(v.failed) for v in visits)
    first = percentile([v.seconds["open"] for v in visits if "open" in v.seconds], 95)
    salience = [v.seconds["salience"] for v in visits if "salience" in v.seconds]
    print(
        f"first page: {cold.seconds.get('open', float('nan')):.1f} s on a cold "
        f"server, {alone.seconds.get('open', float('nan')):.1f} s warm; "
        f"{n} sessions: p95 first page {first:.1f} s (target 8 s, "
        f"{first / alone.seconds.get('open', float('nan')):.1f}x alone); "
        f"worst later step {worst_later[0]} p95 {worst_later[1]:.1f} s (target 2 s); "
        f"gradient salience p95 {percentile(salience, 95):.1f} s (target 3 s); "
        f"failed steps {failures}; isolation findings {leaks}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--step-timeout", type=float, default=60.0, help="seconds")
    parser.add_argument("--url", help="visit this server instead of starting one")
    parser.add_argument(
        "--start-script",
        action="store_true",
        help="start the server with deploy/start.sh ($PYTHON, $LUMEN_CACHE_DIR)",
    )
    args = parser.parse_args(argv)
    if args.sessions < 1:
        parser.error("--sessions must be at least 1")
    timeout_ms = int(args.step_timeout * 1000)
    e2e.RUN_TIMEOUT_MS = timeout_ms  # every wait of a step
    print(machine_line(), flush=True)
    server = None
    folder = Path(tempfile.mkdtemp(prefix="lumen-load-"))
    try:
        if args.url:
            url = args.url.rstrip("/")
        else:
            port = e2e.free_port()
            server = start_server(port, args.start_script, folder / "server.log")
            url = f"http://127.0.0.1:{port}"
        print(f"server: {url} (public mode), chromium on this machine", flush=True)
        cold, alone = Visit(0), Visit(1)
        visits = [Visit(number) for number in range(2, args.sessions + 2)]
        everyone = [cold, alone, *visits]
        for wave in ([cold], [alone], visits):
            run_wave(url, wave, everyone, timeout_ms, folder)
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        shutil.rmtree(folder, ignore_errors=True)
    print(machine_line().replace("machine:", "after:"))
    report(cold, alone, visits)
    return 0


if __name__ == "__main__":
    sys.exit(main())
