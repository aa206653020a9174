"""A link made over an uploaded file opens the same view in a fresh browser.

The server runs in public mode, started with the tiny classifier (the
deployer's model, so no training). Visitor A uploads a CSV, loads it, selects
two rows on the Data table and copies the link; visitor B, in a fresh browser
context with no upload of their own, opens it and sees the same data and
selection. The link names the upload by content hash and the model as the
server's, never by a path, and the CSV download neutralises a formula cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from e2e_support import (
    RUN_TIMEOUT_MS,
    SIDEBAR_TEXT_JS,
    AppServer,
    click_table_row,
    free_port,
    goto,
    new_tab,
    open_page,
    pick_option,
    primary_id,
    rerun_after,
    selected_count,
    sidebar,
    table_rows,
    wait_idle,
)

from litcore.ui.links import SERVER_MODEL

STORED = "Upload a file: reviews.csv (stored on this server)"
TEXTS = ["=1+2 was good"] + [f"review {i} was {w}" for i in range(5) for w in "ab"]


@pytest.fixture(scope="module")
def public_server(tiny_model_dir, demo_prepared) -> Iterator[AppServer]:
    """A public server whose deployer chose the tiny classifier."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LUMEN_PUBLIC", "1")
        patch.setenv("LUMEN_MODEL", str(tiny_model_dir))
        server = AppServer(free_port())
        server.start()
    yield server
    server.stop()


def upload_and_load(tab, path) -> None:
    """In 'Data & model': My file, the upload, its guessed columns, Load."""
    expander = tab.locator("[data-testid='stExpander']").filter(has_text="Data & model")
    if not expander.get_by_text("My file", exact=True).is_visible():
        expander.locator("summary").click()
    uploader = expander.locator("[data-testid='stFileUploader'] input[type='file']")
    pick_option(
        tab,
        expander,
        "My file",
        "document.querySelector(\"[data-testid='stFileUploader']\") !== null",
    )
    uploader.set_input_files(str(path))
    tab.wait_for_selector("text=11 rows · 2 columns", timeout=RUN_TIMEOUT_MS)
    wait_idle(tab)
    load = expander.get_by_role("button", name="Load", exact=True)
    rerun_after(tab, load.click, f"{SIDEBAR_TEXT_JS}.includes(arg)", STORED)


def copied_link(tab) -> str:
    """The link in the sidebar's "Copy link" popover."""
    tab.get_by_role("button", name="Copy link").click()
    code = tab.locator("[data-testid='stPopoverBody'] code").first
    code.wait_for()
    return code.inner_text().strip()


@pytest.mark.browser
def test_a_link_over_an_upload_opens_the_same_view_in_a_fresh_context(
    public_server, browser, tiny_model_dir, tmp_path
):
    path = tmp_path / "reviews.csv"
    rows = [
        f'"{t}",{"pos" if "good" in t or t.endswith("a") else "neg"}' for t in TEXTS
    ]
    path.write_text("text,label\n" + "\n".join(rows) + "\n")
    first_context, first = new_tab(browser)
    second_context, second = new_tab(browser)
    try:
        goto(first, public_server.url)
        upload_and_load(first, path)
        # the uploader gave its file up: the session keeps the stored file's name
        assert STORED in sidebar(first)
        open_page(first, public_server, "Data table")
        click_table_row(first, 0)
        assert selected_count(first) == 1
        click_table_row(first, 2)
        assert selected_count(first) == 2
        link = copied_link(first)
        params = parse_qs(urlsplit(link).query)
        assert params["data"][0].startswith("upload:")
        assert params["model"] == [SERVER_MODEL]
        assert str(tiny_model_dir) not in link and str(tmp_path) not in link

        goto(second, link)
        assert selected_count(second) == 2
        assert "11 of 11 examples" in sidebar(second)
        shown = table_rows(second)
        assert sorted(shown["text"]) == sorted(["'" + TEXTS[0], *TEXTS[1:]])
        assert (
            "Shared link" not in second.locator("[data-testid='stMain']").inner_text()
        )
        assert primary_id(second) == primary_id(first) is not None
    finally:
        first_context.close()
        second_context.close()
