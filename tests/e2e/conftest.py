"""Browser fixtures: a Streamlit server on a free loopback port and headless Chromium.

Tests here carry ``@pytest.mark.browser``. The server uses the run's cache root
(the demo is prepared before it starts, so the first page is quick).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest
from e2e_support import CHROMIUM_ARGS, AppServer, free_port, new_tab


@pytest.fixture(scope="session")
def app_server(demo_prepared) -> Iterator[AppServer]:
    server = AppServer(free_port())
    server.start()
    yield server
    server.stop()


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
