"""The load test's server: ``python -m litcore serve --public`` (or the
container's ``deploy/start.sh``) on a loopback port, as a visitor meets it.

Shared by ``benchmarks/load.py`` and ``tests/test_load_protocol.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "e2e"))
import e2e_support as e2e  # noqa: E402


def share_autogroup(pid: int) -> None:
    """Gives process ``pid`` (the server, in a session of its own, so in an
    autogroup of its own) this process's autogroup nice value: run with ``echo
    -10 > /proc/self/autogroup``, the browsers must not outrank the server."""
    try:
        nice = Path("/proc/self/autogroup").read_text().split("nice")[1].strip()
        Path(f"/proc/{pid}/autogroup").write_text(nice)
    except (OSError, IndexError):
        print("server: its autogroup keeps its own priority", flush=True)


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
    share_autogroup(server.pid)
    print(f"server healthy {time.perf_counter() - started:.1f} s after its start")
    return server


def session_usage(session_id: int) -> tuple[float, float]:
    """(CPU seconds, user + system, used so far; resident MB now) of the
    processes of session ``session_id``: the server and its children (a finished
    child's CPU counts once its parent has waited for it)."""
    ticks, page_mb = os.sysconf("SC_CLK_TCK"), os.sysconf("SC_PAGE_SIZE") / 2**20
    cpu_ticks, rss_pages = 0, 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        # fields[0] is stat's 3rd field (state): session 6th, utime..cstime
        # 14th-17th, rss 24th.
        if int(fields[3]) == session_id:
            cpu_ticks += sum(int(value) for value in fields[11:15])
            rss_pages += int(fields[21])
    return cpu_ticks / ticks, rss_pages * page_mb
