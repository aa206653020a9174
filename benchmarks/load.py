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

``--sessions`` visitors arrive at once: ``--browsers`` of them (default 2) are
Chromium visits as above, the others speak Streamlit's websocket protocol with
no rendering (``benchmarks/load_protocol.py``: the same visit but the upload
and the link's popover, each step timed from its ``BackMsg`` to its run's
``script_finished``). With 20 Chromium processes on 2 cores the benchmark
measured the browsers, not the server; protocol visitors cost this machine
almost nothing, so their figures are the server's. Before the wave: one browser
visit alone on the fresh server (cold), then one of each kind alone on the warm
server (the baselines of the ratios).

Usage: ``python -m benchmarks.load [--sessions 20] [--browsers 2]
[--step-timeout 60] [--url URL | --start-script]`` (browsers need Debian
chromium and playwright). Without ``--url`` it starts ``python -m litcore serve
--public`` (or, with ``--start-script``, ``deploy/start.sh`` for the Python in
``$PYTHON``) on a free port over ``$LUMEN_CACHE_DIR`` (prepare it first:
``deploy/prepare.sh`` or ``lumen-nlp prepare-demo``), in this process's
autogroup priority; with ``--url`` it visits that server (e.g. the container).
It prints p50/p95 per step and kind, failures and isolation findings; the last
line gives the p95s against the targets and the ratios to the lone visits.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks import load_protocol
from benchmarks.load_server import e2e, session_usage, start_server
from benchmarks.load_visits import (
    StepFailed,
    Visit,
    findings,
    machine_line,
    step_table,
    target_line,
)

STEPS = ("open", "metrics", "cell", "table", "only selected", "example", "salience",
         "explanations", "upload", "slice", "link", "open link")  # fmt: skip


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
    gold, pred = visit.cell
    chart = f'document.querySelector("{CELL}")'
    try:
        visit.step("open", lambda: open_app(tab, url))
        visit.step("metrics", lambda: open_nav(tab, "Metrics", chart))
        count = visit.step("cell", lambda: select_cell(tab, gold, pred))
        rows = f"{MAIN_JS}.includes('rows; showing')"
        visit.step("table", lambda: open_nav(tab, "Data table", rows))
        visit.step("only selected", lambda: only_selected(tab, count))
        visit.step("example", lambda: pick_row(tab, visit.row))
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

    ``barriers``: (all visitors ready, all visits done), shared by the wave.
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


def protocol_visitors(url, visits, everyone, timeout_s, barriers) -> None:
    """A thread: all the protocol ``visits`` in one asyncio loop, started with
    the browsers; their isolation checks wait for the browsers' visits too."""
    start, done = barriers

    async def browsers_done() -> None:
        try:
            await asyncio.to_thread(done.wait)
        except threading.BrokenBarrierError:
            for visit in visits:
                visit.isolation.append("checked before a browser visit finished")

    try:
        start.wait()
    except threading.BrokenBarrierError:
        return
    wave = load_protocol.protocol_wave(url, visits, everyone, timeout_s, browsers_done)
    asyncio.run(wave)
    for visit in visits:
        steps = " ".join(f"{k}={v:.1f}" for k, v in visit.seconds.items())
        print(f"visit {visit.number} (protocol): {steps}; failed: "
              f"{visit.failed or 'none'}", flush=True)  # fmt: skip


def run_wave(
    url: str,
    browsers: list[Visit],
    protocol: list[Visit],
    everyone: list[Visit],
    timeout_ms: int,
    folder: Path,
) -> None:
    """All ``browsers`` visits (each in its own thread and Chromium) and all
    ``protocol`` visits (one thread) at once; each checks that it sees nothing
    of ``everyone`` else."""
    parties = len(browsers) + bool(protocol)
    wave_s = timeout_ms / 1000 * (len(STEPS) + 2)
    barriers = (
        threading.Barrier(parties, timeout=300),
        threading.Barrier(parties, timeout=wave_s),
    )
    threads = []
    for visit in browsers:
        others = [other for other in everyone if other is not visit]
        arguments = (url, visit, others, folder, barriers)
        threads.append(threading.Thread(target=visitor, args=arguments))
    if protocol:
        arguments = (url, protocol, everyone, timeout_ms / 1000, barriers)
        threads.append(threading.Thread(target=protocol_visitors, args=arguments))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def report(
    cold: Visit,
    alone: dict[str, Visit],
    waves: dict[str, list[Visit]],
) -> None:
    """Per kind of visit (browser, protocol): the lone warm visit, p50 and p95
    at N, their ratio to the lone visit, failures; then every finding, and the
    p95s against the targets on the last line."""
    steps = {"browser": STEPS, "protocol": load_protocol.STEPS}
    kind = "browser" if "browser" in alone else "protocol"
    first_page = cold.seconds.get("open", float("nan"))
    print(f"cold server, one {kind} visit alone: first page {first_page:.2f} s")
    for kind, visits in waves.items():
        if visits:
            step_table(kind, steps[kind], alone[kind], visits)
    everyone = [cold, *alone.values()]
    everyone += [visit for visits in waves.values() for visit in visits]
    failures, leaks = findings(everyone)
    n = sum(len(visits) for visits in waves.values())
    kinds = ", ".join(f"{len(v)} {k}" for k, v in waves.items())
    parts = [
        f"{kind}: {target_line(steps[kind], alone[kind], visits)}"
        for kind, visits in waves.items()
        if visits
    ]
    print(
        f"{n} visitors at once ({kinds}); p95 vs target (x the lone visit): "
        + " | ".join(parts)
        + f" | failed steps {failures}; isolation findings {leaks}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20, help="visitors at once")
    parser.add_argument(
        "--browsers",
        type=int,
        default=2,
        help="of those, real Chromium visits (default 2); the rest speak the "
        "websocket protocol",
    )
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
    if not 0 <= args.browsers <= args.sessions:
        parser.error("--browsers must be between 0 and --sessions")
    timeout_ms = int(args.step_timeout * 1000)
    nan = float("nan")
    e2e.RUN_TIMEOUT_MS = timeout_ms  # every wait of a step
    print(machine_line(), flush=True)
    server = None
    folder = Path(tempfile.mkdtemp(prefix="lumen-load-"))
    # Lone visits first: a browser on the cold server, then one of each kind
    # on the warm server (the baselines of the ratios); then the wave.
    cold = Visit(0)
    alone = {"protocol": Visit(2)} | ({"browser": Visit(1)} if args.browsers else {})
    numbers = iter(range(3, args.sessions + 3))
    waves = {
        "browser": [Visit(next(numbers)) for _ in range(args.browsers)],
        "protocol": [
            Visit(next(numbers)) for _ in range(args.sessions - args.browsers)
        ],
    }
    everyone = [cold, *alone.values(), *waves["browser"], *waves["protocol"]]
    try:
        if args.url:
            url = args.url.rstrip("/")
        else:
            port = e2e.free_port()
            server = start_server(port, args.start_script, folder / "server.log")
            url = f"http://127.0.0.1:{port}"
        print(f"server: {url} (public mode); visitors on this machine", flush=True)
        lone = [([cold], []), ([alone["browser"]], [])] if args.browsers else [
            ([], [cold])]  # fmt: skip
        lone.append(([], [alone["protocol"]]))
        for browsers, protocol in lone:
            run_wave(url, browsers, protocol, everyone, timeout_ms, folder)
        print(machine_line().replace("machine:", "before the wave:"), flush=True)
        usage = session_usage(server.pid) if server else (nan, nan)
        cpu, started = os.times(), time.perf_counter()
        run_wave(url, *waves.values(), everyone, timeout_ms, folder)
        wave_s = time.perf_counter() - started
        client_s = sum(os.times()[:2]) - sum(cpu[:2])
        after = session_usage(server.pid) if server else (nan, nan)
        server_s = after[0] - usage[0]
        print(f"the wave: {wave_s:.1f} s; the server used {server_s:.1f} s of CPU "
              f"({server_s / wave_s:.2f} cores; resident {usage[1]:.0f} MB before, "
              f"{after[1]:.0f} MB after), this process (the visitors' Python "
              f"side) {client_s:.1f} s")  # fmt: skip
    finally:
        if server is not None:
            e2e.stop_server(server)
        shutil.rmtree(folder, ignore_errors=True)
    print(machine_line().replace("machine:", "after:"))
    report(cold, alone, waves)
    return 0


if __name__ == "__main__":
    sys.exit(main())
