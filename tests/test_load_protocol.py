"""The load test's protocol visitors (benchmarks/load_protocol.py) against a real
public-mode server over the demo: each step's post-condition and the isolation
check, which must also catch a marker it is shown."""

from __future__ import annotations

import asyncio
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from benchmarks.load_protocol import (
    STEPS,
    ProtocolError,
    ProtocolSession,
    markers_watch,
    protocol_wave,
)
from benchmarks.load_server import e2e, start_server
from benchmarks.load_visits import Visit

REPO = Path(__file__).resolve().parents[1]


def run_alone(coroutine):
    """``asyncio.run`` in a thread of its own: in the full suite this process may
    hold the browser tests' Playwright, whose event loop counts as running."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture(scope="module")
def public_server(demo_prepared, tmp_path_factory):
    """``python -m litcore serve --public`` over the run's prepared demo."""
    port = e2e.free_port()
    log = tmp_path_factory.mktemp("load-protocol") / "server.log"
    server = start_server(port, start_script=False, log=log)
    yield f"http://127.0.0.1:{port}"
    e2e.stop_server(server)


def test_two_protocol_visits_see_their_own_steps_and_nothing_else(public_server):
    first, second = Visit(0), Visit(1)
    # Not a visitor: a stand-in that carries the first visit's marker, so the
    # first visit's own slice name, shown to it, must count as a leak of it.
    twin = Visit(99, marker=first.marker)
    wave = protocol_wave(public_server, [first, second], [first, second, twin], 60)
    run_alone(wave)

    for visit in (first, second):
        assert visit.failed == {}
        assert set(visit.seconds) == set(STEPS)
        assert parse_qs(urlsplit(visit.link).query)["primary"] == [visit.primary]
    assert first.primary != second.primary  # different cells, different rows
    assert second.isolation == []
    assert first.isolation == ["marker of visit 99 in a frame"]


def test_a_widget_that_is_not_on_the_page_is_a_protocol_error(public_server):
    async def open_overview():
        async with ProtocolSession(public_server) as session:
            run = await session.rerun(page="", timeout_s=60)
        return run

    run = run_alone(open_overview())
    assert run.widget("slice_name").endswith("-slice_name")
    with pytest.raises(ProtocolError, match="no widget keyed 'metrics_confusion"):
        run.widget("metrics_confusion")


def test_the_marker_watch_reports_each_other_visit_once():
    me, other, third = Visit(0), Visit(1), Visit(2)
    watch = markers_watch(me, [other, third])
    watch(b"nothing here")
    assert me.isolation == []
    watch(f"slice-{other.marker}".encode())
    watch(f"again {other.marker}")
    assert me.isolation == ["marker of visit 1 in a frame"]


def test_the_app_skips_streamlits_full_collection_after_every_run():
    # 0.2-0.4 s with the GIL held per run: the load test's main queue.
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["runner"]["postScriptGC"] is False
