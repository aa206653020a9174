"""Browser flows over linked views: one selection across pages, slices, links."""

from __future__ import annotations

import io
import re
import time

import pandas as pd
import pytest
from conftest import open_page, screenshot, wait_idle

pytestmark = pytest.mark.browser

SELECTED_TRACE_JS = """() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const trace = plot.data.find(t => String(t.name).startsWith("Selected"));
  return trace ? Array.from(trace.customdata) : [];
}"""
PRIMARY_TRACE_JS = """() => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const trace = plot.data.find(t => t.name === "Primary");
  return trace ? Array.from(trace.customdata) : [];
}"""
POINTS_IN_BOX_JS = """([x0, y0, x1, y1]) => {
  const plot = document.querySelector("[data-testid='stPlotlyChart'] .js-plotly-plot");
  const box = plot.querySelector(".nsewdrag").getBoundingClientRect();
  const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
  const inside = new Set();
  for (const trace of plot.data) {
    for (let i = 0; i < trace.x.length; i++) {
      const px = box.left + xa.l2p(trace.x[i]), py = box.top + ya.l2p(trace.y[i]);
      if (px >= x0 && px <= x1 && py >= y0 && py <= y1) inside.add(trace.customdata[i]);
    }
  }
  return inside.size;
}"""


def sidebar(tab) -> str:
    return tab.locator("[data-testid='stSidebar']").inner_text()


def selected_count(tab) -> int:
    found = re.search(r"([\d,]+) selected", sidebar(tab))
    return int(found.group(1).replace(",", "")) if found else 0


def primary_id(tab) -> str | None:
    found = re.search(r"Primary: (\S+)", sidebar(tab))
    return found.group(1) if found else None


def table_ids(tab) -> list[str]:
    """The ids the Data table lists, from its CSV download."""
    with tab.expect_download() as download:
        tab.get_by_text("Download these rows as CSV").click()
    content = open(download.value.path(), encoding="utf-8").read()
    return pd.read_csv(io.StringIO(content))["id"].tolist()


def only_selected(tab) -> None:
    tab.locator("[data-testid='stMain'] button", has_text="Only selected").click()
    wait_idle(tab)


def click_confusion_cell(tab, row: int, column: int) -> None:
    """Clicks cell (row, column) of the 3 × 3 matrix (with totals) on Metrics."""
    chart = tab.locator("[data-testid='stVegaLiteChart']").first
    box = chart.bounding_box()
    # Calibrated on the rendered chart: the grid spans these fractions of the box.
    left, right, top, bottom = 0.154, 0.843, 0.235, 0.565
    x = box["x"] + box["width"] * (left + (right - left) * (column + 0.5) / 3)
    y = box["y"] + box["height"] * (top + (bottom - top) * (row + 0.5) / 3)
    tab.mouse.click(x, y)
    wait_idle(tab, 1000)


def test_confusion_cell_selects_table_rows_and_projection_points(page, app_server):
    open_page(page, app_server, "Metrics")
    click_confusion_cell(page, row=0, column=1)  # gold negative, predicted positive
    count = selected_count(page)
    assert count > 0
    screenshot(page, "metrics_cell_selected")
    open_page(page, app_server, "Data table")
    only_selected(page)
    ids = table_ids(page)
    assert f"{count:,} rows" in page.locator("[data-testid='stMain']").inner_text()
    assert len(ids) == count
    screenshot(page, "table_only_selected")
    open_page(page, app_server, "Embeddings")
    highlighted = page.evaluate(SELECTED_TRACE_JS)
    assert sorted(highlighted) == sorted(ids)
    screenshot(page, "projection_selected")


def test_box_in_projection_sets_the_selection(page, app_server):
    open_page(page, app_server, "Embeddings")
    drag = page.locator("[data-testid='stPlotlyChart'] .nsewdrag").first.bounding_box()
    x0, y0 = drag["x"] + drag["width"] * 0.3, drag["y"] + drag["height"] * 0.3
    x1, y1 = drag["x"] + drag["width"] * 0.5, drag["y"] + drag["height"] * 0.6
    expected = page.evaluate(POINTS_IN_BOX_JS, [x0, y0, x1, y1])
    assert expected > 0
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move((x0 + x1) / 2, (y0 + y1) / 2, steps=5)
    page.mouse.move(x1, y1, steps=5)
    page.mouse.up()
    wait_idle(page, 1500)
    assert selected_count(page) == expected
    screenshot(page, "projection_box")
    open_page(page, app_server, "Data table")
    only_selected(page)
    assert len(table_ids(page)) == expected


def test_table_row_sets_the_primary_on_every_page(page, app_server):
    open_page(page, app_server, "Data table")
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)  # first row's checkbox
    wait_idle(page, 1000)
    primary = primary_id(page)
    assert primary
    for title in ("Metrics", "Scalars", "Overview", "Embeddings"):
        open_page(page, app_server, title)
        assert primary_id(page) == primary, title
    assert page.evaluate(PRIMARY_TRACE_JS) == [primary.strip("`")]
    screenshot(page, "projection_primary")


def test_a_saved_slice_survives_a_restart(page, app_server):
    name = f"misses {int(time.time())}"
    open_page(page, app_server, "Metrics")
    page.get_by_text("Only misclassified").click()
    wait_idle(page)
    page.get_by_label("New slice name").fill(name)
    page.get_by_label("New slice name").press("Enter")
    wait_idle(page)
    page.locator("[data-testid='stSidebar'] button", has_text="Save filter").click()
    wait_idle(page)
    label = re.search(re.escape(name) + r" \(([\d,]+)\)", sidebar(page))
    assert label and int(label.group(1).replace(",", "")) > 0
    screenshot(page, "metrics_with_slice")
    app_server.restart()
    page.goto(app_server.url)
    wait_idle(page, 1500)
    assert label.group(0) in sidebar(page)
    row = page.locator("[data-testid='stSidebar'] [data-testid='stHorizontalBlock']")
    row.filter(has_text=name).locator("button", has_text="✕").click()
    wait_idle(page)
    assert name not in sidebar(page)


def test_a_shared_link_opens_the_same_view(page, app_server, browser):
    open_page(page, app_server, "Data table")
    page.get_by_text("Only misclassified").click()
    wait_idle(page)
    grid = page.locator("[data-testid='stDataFrame']").first.bounding_box()
    page.mouse.click(grid["x"] + 18, grid["y"] + 35 + 17)
    wait_idle(page, 1000)
    primary, shown = primary_id(page), re.search(r"[\d,]+ of [\d,]+", sidebar(page))
    page.get_by_text("Copy link").click()
    link = page.locator("[data-testid='stPopoverBody'] code").inner_text().strip()
    assert "/table?" in link
    fresh = browser.new_context(viewport={"width": 1440, "height": 1000})
    other = fresh.new_page()
    other.set_default_timeout(60_000)
    other.goto(link)
    wait_idle(other, 1500)
    assert other.locator("h1").first.inner_text() == "Data table"
    assert primary_id(other) == primary
    assert shown.group(0) in sidebar(other)
    toggle = other.get_by_role("checkbox", name="Only misclassified")
    assert toggle.is_checked()
    screenshot(other, "table_from_link")
    other.goto(f"{app_server.url}/?data=nope&f=%7Bbad")
    wait_idle(other, 1500)
    assert "Shared link" in other.locator("[data-testid='stMain']").inner_text()
    assert other.locator("[data-testid='stException']").count() == 0
    screenshot(other, "bad_link")
    fresh.close()


def test_screenshots_of_every_page(page, app_server):
    page.goto(app_server.url)
    wait_idle(page)
    titles = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    for title in titles:
        open_page(page, app_server, title.strip())
        assert page.locator("[data-testid='stException']").count() == 0, title
        screenshot(page, "page_" + re.sub(r"\W+", "_", title.strip()).strip("_"))
