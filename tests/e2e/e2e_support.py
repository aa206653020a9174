"""Browser-test helpers: a Streamlit server on a loopback port, tabs, waits.

Shared by the fixtures in conftest.py, the browser tests and benchmarks/launch.py.
"""

from __future__ import annotations

import io
import os
import re
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
from playwright.sync_api import expect

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "tests" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class AppServer:
    """A running ``streamlit run app.py``; ``restart()`` keeps the port and cache."""

    port: int
    process: subprocess.Popen | None = None
    log: Path | None = None  # where the server's output goes (else discarded)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [
            sys.executable,
            str(REPO / "tests" / "e2e" / "serve_with_stacks.py"),
            "run",
            "app.py",
            "--server.headless",
            "true",
            "--server.port",
            str(self.port),
            "--server.address",
            "127.0.0.1",
            "--browser.gatherUsageStats",
            "false",
            # No source watching: nothing a test writes may rerun the app.
            "--server.fileWatcherType",
            "none",
        ]
        output = self.log.open("ab") if self.log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                command,
                cwd=REPO,
                env=os.environ.copy(),
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        finally:
            if self.log:
                output.close()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("The Streamlit server did not start within 60 s.")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def report(self, chars: int = 30_000) -> str:
        """Whether the server still runs, and the end of its output; a running
        server first prints every thread's stack there (``serve_with_stacks``)."""
        code = None if self.process is None else self.process.poll()
        status = "running" if code is None else f"exited with code {code}"
        if code is None and self.process is not None:
            self.process.send_signal(signal.SIGUSR1)
            time.sleep(1.0)
        tail = ""
        if self.log is not None and self.log.exists():
            tail = self.log.read_text(errors="replace")[-chars:]
        return f"server {status}\n{tail}"

    def ensure_running(self) -> None:
        """Starts the server again if it has exited (a crash fails one test, not
        every later test on the same server)."""
        if self.process is None or self.process.poll() is not None:
            self.start()


# Counts finished script runs from the server's messages, not from the DOM: the
# app root's data-test-script-state attribute can stay "notRunning" through a
# short run (React renders "running" and "notRunning" in one batch when both
# messages arrive together, as on a loaded machine), and a count of its changes
# then misses the run. Each websocket message is one ForwardMsg; a run that
# ended (successfully or with a compile error, not cut short by a rerun) is one
# whose top-level field 6 (script_finished) is 0 or 1. The count goes up 50 ms
# after the message, once the app has handled it and drawn what it changed.
COUNT_RUNS_JS = """
window.__lumenRuns = 0;
const finishedRun = (bytes) => {
  let at = 0;
  const varint = () => {
    let value = 0, scale = 1, byte;
    do { byte = bytes[at++]; value += (byte & 0x7f) * scale; scale *= 128; }
    while (byte >= 0x80 && at < bytes.length);
    return value;
  };
  while (at < bytes.length) {
    const tag = varint(), field = Math.floor(tag / 8), wire = tag % 8;
    if (wire === 0) {
      const value = varint();
      if (field === 6) return value === 0 || value === 1;
    } else if (wire === 2) {
      const length = varint();  // read first: "at += varint()" adds to the old at
      at += length;
    }
    else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else return false;
  }
  return false;
};
const NativeWebSocket = window.WebSocket;
window.WebSocket = class extends NativeWebSocket {
  constructor(...args) {
    super(...args);
    this.addEventListener("message", (event) => {
      if (event.data instanceof ArrayBuffer
          && finishedRun(new Uint8Array(event.data))) {
        setTimeout(() => { window.__lumenRuns += 1; }, 50);
      }
    });
  }
};
"""
IDLE_APP = (
    "[data-testid='stApp'][data-test-connection-state='CONNECTED']"
    "[data-test-script-state='notRunning']"
)
RUN_TIMEOUT_MS = 120_000
# The "Data & model" expander: app.py has drawn the shared sidebar.
SIDEBAR_DRAWN = "[data-testid='stSidebarUserContent'] [data-testid='stExpander']"


# Keeps the page's last errors (uncaught, console.error) for a failed test's report.
KEEP_ERRORS_JS = """
window.__lumenErrors = [];
const keep = (text) => {
  window.__lumenErrors.push(text);
  if (window.__lumenErrors.length > 10) window.__lumenErrors.shift();
};
window.addEventListener("error", (event) => keep(String(event.message)));
const consoleError = console.error;
console.error = (...parts) => {
  keep(parts.map(String).join(" "));
  consoleError(...parts);
};
"""


def new_tab(browser):
    """A fresh browser context (own cookies, own Streamlit session) and its tab."""
    context = browser.new_context(viewport={"width": 1440, "height": 1000})
    context.add_init_script(COUNT_RUNS_JS)
    context.add_init_script(KEEP_ERRORS_JS)
    tab = context.new_page()
    tab.set_default_timeout(60_000)
    return context, tab


def wait_idle(tab, settle_ms: int = 400) -> None:
    """Waits until the app is connected and no script run is in progress.

    After an action that triggers a rerun, prefer ``rerun_after``: a run that has
    not started yet looks idle here once ``settle_ms`` has passed.
    """
    tab.wait_for_timeout(settle_ms)
    tab.wait_for_selector(IDLE_APP, timeout=RUN_TIMEOUT_MS)


def runs(tab) -> int:
    """How many script runs this tab has seen finish (since its last load)."""
    return tab.evaluate("() => window.__lumenRuns")


def wait_runs(tab, more_than: int, until: str = "true", arg: object = None) -> None:
    """Waits until over ``more_than`` runs have finished, the app is idle and the
    JS expression ``until`` (over ``arg``) holds."""
    tab.wait_for_function(
        f"""([n, arg]) => window.__lumenRuns > n
              && document.querySelector("{IDLE_APP}") && ({until})""",
        arg=[more_than, arg],
        timeout=RUN_TIMEOUT_MS,
        # Polled on a timer: requestAnimationFrame (the default) stops when the
        # renderer skips frames, and a condition met then is never seen.
        polling=100,
    )


def pick_option(
    tab, scope, option: str, until: str = "true", arg: object = None, tries: int = 3
) -> None:
    """Picks the radio button ``option`` in ``scope`` and waits for its rerun (and
    ``until``, as ``rerun_after``).

    Under load a click on the option was once followed by no rerun at all, the
    option unpicked (CI, two test workers beside the browsers). Picking is
    idempotent, so the click is made again while the option shows unpicked.
    """
    radio = scope.get_by_role("radio", name=option, exact=True)
    for _ in range(tries):
        before = runs(tab)
        scope.get_by_text(option, exact=True).click()
        try:
            expect(radio).to_be_checked(timeout=20_000)
        except AssertionError:
            continue
        wait_runs(tab, before, until, arg)
        return
    raise AssertionError(f"'{option}' stayed unpicked after {tries} clicks")


def rerun_after(tab, action, until: str = "true", arg: object = None) -> None:
    """Does ``action()`` (a click, a key press), then waits for the rerun it causes.

    A run still in flight from an earlier action can finish after ``action()``
    and look like its rerun: where the effect is visible, pass it as ``until``
    (a JS expression over ``arg``) so the wait lasts until it shows.
    """
    before = runs(tab)
    action()
    wait_runs(tab, before, until, arg)


def goto(tab, url: str) -> None:
    """Loads ``url`` and waits until app.py's sidebar is drawn and the app is idle.

    A deep link as a fresh server's first request runs the page alone once,
    then reruns with app.py (see ``workspace.require``): one finished run is
    not enough.
    """
    tab.goto(url)
    wait_runs(tab, 0)
    tab.wait_for_selector(SIDEBAR_DRAWN, timeout=RUN_TIMEOUT_MS)
    wait_idle(tab)


def open_page(tab, server: AppServer, title: str) -> None:
    """Loads the app and clicks the sidebar navigation link called ``title``."""
    if not tab.url.startswith(server.url):
        goto(tab, server.url)
    # Exact: a substring match would take "Generation" for "NER".
    named = tab.get_by_text(title, exact=True)
    link = tab.locator("[data-testid='stSidebarNav'] a").filter(has=named).first
    target = urlsplit(link.get_attribute("href")).path
    if urlsplit(tab.url).path == target:
        rerun_after(tab, link.click)
        return
    # Until the new page's own run has drawn its title in place of the old one.
    new_title = f"![null, arg].includes({MAIN_TITLE_JS})"
    rerun_after(tab, link.click, new_title, main_title(tab))


MAIN_TITLE_JS = (
    "document.querySelector(\"[data-testid='stMain'] h1\")?.innerText ?? null"
)


def main_title(tab) -> str | None:
    """The main area's first heading, or None."""
    return tab.evaluate(f"() => {MAIN_TITLE_JS}")


TAB_STATE_JS = """() => {
  const app = document.querySelector("[data-testid='stApp']");
  return {
    connection: app?.getAttribute("data-test-connection-state"),
    script: app?.getAttribute("data-test-script-state"),
    runs: window.__lumenRuns,
    seconds_since_the_document_loaded: Math.round(performance.now() / 1000),
    errors: JSON.stringify(window.__lumenErrors),
    url: location.href,
    main: document.querySelector("[data-testid='stMain']")?.innerText.slice(0, 1500),
    sidebar: document.querySelector("[data-testid='stSidebar']")?.innerText
      .slice(0, 800),
  };
}"""


def tab_state(tab) -> str:
    """What a tab shows, for a failed test's report: the app's connection and
    run state, the runs counted, the URL and the start of the main area."""
    try:  # bounded: a hung renderer must not hang the report (evaluate would)
        state = tab.wait_for_function(TAB_STATE_JS, timeout=10_000).json_value()
    except Exception as error:  # the tab may be gone; the report must still print
        return f"(could not read the tab: {error})"
    return "\n".join(f"{key}: {value}" for key, value in state.items())


def screenshot(tab, name: str) -> Path:
    """Saves the whole page: the main area scrolls inside the window, so the window
    is made as tall as the page's content for the shot, then put back."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    window = tab.viewport_size
    content = tab.evaluate(
        "() => Math.max(...['stMain', 'stSidebarContent'].map(id => "
        "document.querySelector(`[data-testid='${id}']`)?.scrollHeight || 0))"
    )
    tab.set_viewport_size({"width": window["width"], "height": min(content, 6000)})
    try:
        tab.wait_for_timeout(300)  # charts re-lay out to the new size
        tab.screenshot(path=str(path), full_page=True)
    finally:
        tab.set_viewport_size(window)
    return path


# --- reading what the app shows --------------------------------------------------

PLOT = "[data-testid='stPlotlyChart'] .js-plotly-plot"
# The body of a JS function whose argument names ``plotSelector``: it sets
# ``area`` (the plot's drag area) and ``points`` ([page x, page y, example id]
# for every point of a trace carrying ids), for the box-finding functions.
PLOT_POINTS_JS = """
  const plot = document.querySelector(plotSelector);
  const area = plot.querySelector(".nsewdrag").getBoundingClientRect();
  const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
  const points = [];
  for (const trace of plot._fullData) {  // decoded (data holds base64 arrays)
    if (!trace.customdata) continue;
    for (let i = 0; i < trace.x.length; i++) {
      points.push([area.left + xa.l2p(trace.x[i]), area.top + ya.l2p(trace.y[i]),
                   trace.customdata[i]]);
    }
  }
"""


def sidebar(tab) -> str:
    return tab.locator("[data-testid='stSidebar']").inner_text()


def load_own_model(
    tab, section: str, option: str, path_label: str, folder: str, button: str
) -> None:
    """In the sidebar section ``section``: picks ``option``, types ``folder`` into
    the box labelled ``path_label`` and presses ``button``."""
    expander = tab.locator("[data-testid='stExpander']").filter(has_text=section)
    expander.locator("summary").click()
    pick_option(tab, expander, option)
    path_box = expander.get_by_label(path_label)
    path_box.fill(folder)
    rerun_after(tab, lambda: path_box.press("Enter"))
    rerun_after(tab, expander.get_by_role("button", name=button).click)


def selected_count(tab) -> int:
    """The sidebar's "N selected" (0 without a selection)."""
    found = re.search(r"([\d,]+) selected", sidebar(tab))
    return int(found.group(1).replace(",", "")) if found else 0


def table_rows(tab) -> pd.DataFrame:
    """The rows the Data table lists, from its CSV download."""
    with tab.expect_download() as download:
        tab.get_by_role("button", name="Download these rows as CSV").click()
    with open(download.value.path(), encoding="utf-8") as file:
        return pd.read_csv(io.StringIO(file.read()))


def drag_box(tab, box: list[float]) -> None:
    """Drags a selection box (page pixels x0, y0, x1, y1) and waits for the rerun."""
    x0, y0, x1, y1 = box

    def drag() -> None:
        tab.mouse.move(x0, y0)
        tab.mouse.down()
        tab.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
        tab.mouse.move(x1, y1, steps=5)
        tab.mouse.up()

    rerun_after(tab, drag)


def primary_id(tab) -> str | None:
    found = re.search(r"Primary: (\S+)", sidebar(tab))
    return found.group(1).strip("`") if found else None


SIDEBAR_TEXT_JS = "document.querySelector(\"[data-testid='stSidebar']\").innerText"


def settled_box(locator, settle_ms: int = 250) -> dict:
    """``locator``'s bounding box, scrolled into the window (a click outside it
    does nothing), once two readings ``settle_ms`` apart agree (a click computed
    from a box that is still moving lands on the wrong row)."""
    locator.scroll_into_view_if_needed()
    box = locator.bounding_box()
    for _ in range(40):
        locator.page.wait_for_timeout(settle_ms)
        again = locator.bounding_box()
        if again == box:
            return box
        box = again
    raise AssertionError(f"{locator} kept moving")


def click_table_row(tab, row: int = 0) -> None:
    """Ticks the checkbox of visible row ``row`` (from 0) of the first table (a
    canvas grid: header and rows 35 px) and waits until the sidebar's selection
    or primary shows the click."""
    grid = settled_box(tab.locator("[data-testid='stDataFrame']").first)
    y = grid["y"] + 35 * (row + 1) + 17

    def click() -> None:
        tab.mouse.click(grid["x"] + 18, y)

    rerun_after(tab, click, f"{SIDEBAR_TEXT_JS} !== arg", sidebar(tab))


def confusion_cell(tab, gold: str, pred: str) -> tuple[object, dict, int]:
    """The Metrics page's (gold, pred) cell: its locator, where to click it (in
    the cell) and its count of examples.

    The cell is found by the ARIA label Vega gives each mark, so the click
    follows the rendered layout, whatever the chart's size; the cell's own click
    scrolls it into view and waits until it stands still (the tables above it
    lay out after the chart is drawn).
    """
    cell = tab.locator(
        "[data-testid='stVegaLiteChart'] .mark-rect path"
        f"[aria-label*='Gold: {gold}; Predicted: {pred}']"
    ).first
    label = cell.get_attribute("aria-label")
    box = cell.bounding_box()  # its size: the click finds where it is
    # Left of the centre: the count's text mark sits in the middle of the cell.
    at = {"x": box["width"] * 0.2, "y": box["height"] * 0.5}
    count = int(re.search(r"Examples: ([\d,]+)", label).group(1).replace(",", ""))
    return cell, at, count


def click_confusion_cell(tab, gold: str, pred: str) -> int:
    """Clicks the matrix cell (gold, pred) on Metrics; returns its count."""
    cell, at, count = confusion_cell(tab, gold, pred)
    rerun_after(tab, lambda: cell.click(position=at))
    return count


def only_selected(tab) -> None:
    button = tab.locator("[data-testid='stMain'] button", has_text="Only selected")
    rerun_after(tab, button.click)


# --- a server started by a command (the deploy scripts' test, benchmarks/load) ---

HEALTHCHECK = REPO / "deploy" / "healthcheck.py"


def start_logged_server(
    command: list, env: dict[str, str], port: int, log: Path, wait_s: int = 120
) -> subprocess.Popen:
    """Starts ``command`` (a server on ``port``) in its own session, its output
    in ``log``, and waits until ``deploy/healthcheck.py`` sees it up.

    Raises:
        RuntimeError: no answer within ``wait_s``; the message ends with the log.
    """
    with log.open("wb") as output:
        server = subprocess.Popen(
            command,
            cwd=REPO,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    health = [sys.executable, HEALTHCHECK, "--port", str(port), "--wait", str(wait_s)]
    if subprocess.run(health, timeout=wait_s + 30).returncode != 0:
        stop_server(server)
        tail = log.read_text(errors="replace")[-4000:]
        raise RuntimeError(f"no answer on /_stcore/health in {wait_s} s:\n{tail}")
    return server


def stop_server(server: subprocess.Popen) -> None:
    """Ends a server ``start_logged_server`` started (killed after 15 s)."""
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
