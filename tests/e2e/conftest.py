"""Browser fixtures: a Streamlit server on a free loopback port and headless Chromium.

Tests here carry ``@pytest.mark.browser``. The server uses the run's cache root
(the demo is prepared before it starts, so the first page is quick).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from e2e_support import CHROMIUM_ARGS, AppServer, free_port, new_tab, tab_state


@pytest.fixture(scope="session")
def shared_server(demo_prepared, tmp_path_factory) -> Iterator[AppServer]:
    log = tmp_path_factory.mktemp("app_server") / "server.log"
    server = AppServer(free_port(), log=log)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def app_server(shared_server) -> AppServer:
    """The run's server, started again first if it has exited."""
    shared_server.ensure_running()
    return shared_server


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Debian chromium is not installed: apt-get install chromium")
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=executable, args=CHROMIUM_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser):
    context, tab = new_tab(browser)
    yield tab
    context.close()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed browser test's report also shows what its tab showed and the end
    of the app server's log: a timeout alone does not say why."""
    outcome = yield
    report = outcome.get_result()
    if report.when != "call" or not report.failed:
        return
    tab = item.funcargs.get("page")
    if tab is not None:
        report.sections.append(("the tab at the failure", tab_state(tab)))
    server = item.funcargs.get("app_server")
    if server is not None:
        report.sections.append(("the app server", server.report()))
