"""Browser flows over linked views: one selection across pages, slices, links.

One server serves every test (the slice test restarts it); each test has its own
browser context, so its own Streamlit session and selection.
"""

from __future__ import annotations

import re
import time

import pytest
from e2e_support import (
    PLOT,
    PLOT_POINTS_JS,
    click_confusion_cell,
    click_table_row,
    drag_box,
    goto,
    new_tab,
    only_selected,
    open_page,
    primary_id,
    rerun_after,
    screenshot,
    selected_count,
    sidebar,
    table_rows,
)

pytestmark = pytest.mark.browser

TRACE_IDS_JS = """([plotSelector, prefix]) => {
  const plot = document.querySelector(plotSelector);
  const trace = plot.data.find(t => String(t.name).startsWith(prefix));
  return trace ? Array.from(trace.customdata) : [];
}"""
UNAMBIGUOUS_BOX_JS = (
    """([plotSelector, margin]) => {
  // A box (page pixels) over some points, none of them within `margin` px of
  // its edges, with the number of distinct examples inside.
"""
    + PLOT_POINTS_JS
    + """  const count = (x0, y0, x1, y1, m) => new Set(points.filter(([x, y]) =>
    x >= x0 - m && x <= x1 + m && y >= y0 - m && y <= y1 + m).map(p => p[2])).size;
  for (let fy = 0.2; fy < 0.7; fy += 0.05) {
    for (let fx = 0.2; fx < 0.7; fx += 0.025) {
      const x0 = Math.round(area.left + area.width * fx);
      const y0 = Math.round(area.top + area.height * fy);
      const x1 = Math.round(x0 + area.width * 0.15);
      const y1 = Math.round(y0 + area.height * 0.2);
      const inner = count(x0, y0, x1, y1, -margin);
      if (inner > 0 && inner === count(x0, y0, x1, y1, margin)) {
        return {box: [x0, y0, x1, y1], count: inner};
      }
    }
  }
  return null;
}"""
)


def main_text(tab) -> str:
    return tab.locator("[data-testid='stMain']").inner_text()


def shown_count(tab) -> str:
    """The sidebar's "N of M examples" line."""
    return re.search(r"[\d,]+ of [\d,]+ examples", sidebar(tab)).group(0)


def projection(tab):
    """The Embeddings page's Plotly chart, once drawn."""
    tab.locator(f"{PLOT} .nsewdrag").first.wait_for()
    return tab.locator(PLOT).first


def test_confusion_cell_selects_table_rows_and_projection_points(page, app_server):
    open_page(page, app_server, "Metrics")
    count = click_confusion_cell(page, gold="negative", pred="positive")
    assert count > 0
    assert selected_count(page) == count
    screenshot(page, "metrics_cell_selected")
    open_page(page, app_server, "Data table")
    only_selected(page)
    rows = table_rows(page)
    assert f"{count:,} rows" in main_text(page)
    assert len(rows) == count and rows["id"].is_unique
    assert set(rows["label"]) == {"negative"} and set(rows["pred"]) == {"positive"}
    screenshot(page, "table_only_selected")
    open_page(page, app_server, "Embeddings")
    projection(page)
    highlighted = page.evaluate(TRACE_IDS_JS, [PLOT, "Selected"])
    assert sorted(highlighted) == sorted(rows["id"])
    assert f"{count:,} selected points highlighted" in main_text(page)
    screenshot(page, "projection_selected")


def test_box_in_projection_sets_the_selection(page, app_server):
    open_page(page, app_server, "Embeddings")
    projection(page)
    found = page.evaluate(UNAMBIGUOUS_BOX_JS, [PLOT, 2])
    assert found, "no box over the points without points on its edges"
    expected = found["count"]
    drag_box(page, found["box"])
    assert selected_count(page) == expected
    projection(page)
    assert len(page.evaluate(TRACE_IDS_JS, [PLOT, "Selected"])) == expected
    screenshot(page, "projection_box")
    open_page(page, app_server, "Data table")
    only_selected(page)
    assert f"{expected:,} rows" in main_text(page)
    assert len(table_rows(page)) == expected


def test_table_row_sets_the_primary_on_every_page(page, app_server):
    """Also screenshots every page (with a primary, so each has content)."""
    open_page(page, app_server, "Data table")
    click_table_row(page)
    primary = primary_id(page)
    assert primary
    links = page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()
    titles = [text.split("\n")[-1].strip() for text in links]  # after the icon
    assert {"Overview", "Metrics", "Embeddings", "Explanations"} <= set(titles)
    for title in titles:
        open_page(page, app_server, title)
        assert primary_id(page) == primary, title
        assert page.locator("[data-testid='stException']").count() == 0, title
        if title == "Embeddings":
            projection(page)
            assert page.evaluate(TRACE_IDS_JS, [PLOT, "Primary"]) == [primary]
        screenshot(page, "page_" + re.sub(r"\W+", "_", title).strip("_"))


def test_a_saved_slice_survives_a_restart(page, app_server):
    name = f"misses {int(time.time())}"
    open_page(page, app_server, "Metrics")
    rerun_after(page, page.get_by_text("Only misclassified").click)
    misclassified = int(shown_count(page).split()[0].replace(",", ""))
    name_box = page.get_by_label("New slice name")
    name_box.fill(name)
    rerun_after(page, lambda: name_box.press("Enter"))
    save = page.get_by_role("button", name="Save filter", exact=True)
    rerun_after(page, save.click)
    label = f"{name} ({misclassified:,})"
    assert label in sidebar(page)
    assert f"slice: {name} ({misclassified:,})" in main_text(page)  # its tab
    screenshot(page, "metrics_with_slice")
    app_server.restart()
    # A deep link as the restarted server's first request.
    goto(page, f"{app_server.url}/metrics")
    assert page.locator("h1").first.inner_text() == "Metrics"
    assert label in sidebar(page)
    assert f"slice: {name} ({misclassified:,})" in main_text(page)
    slice_row = page.locator(
        "[data-testid='stSidebar'] [data-testid='stHorizontalBlock']"
    ).filter(has_text=name)
    rerun_after(page, slice_row.get_by_role("button", name="✕").click)
    assert f"Deleted slice '{name}'" in sidebar(page)
    assert label not in sidebar(page)


def test_a_shared_link_opens_the_same_view(page, app_server, browser):
    open_page(page, app_server, "Data table")
    rerun_after(page, page.get_by_text("Only misclassified").click)
    click_table_row(page)
    primary, shown = primary_id(page), shown_count(page)
    assert primary and not shown.startswith("2,000 ")
    page.get_by_text("Copy link").click()
    link = page.locator("[data-testid='stPopoverBody'] code").inner_text().strip()
    assert "/table?" in link
    context, other = new_tab(browser)
    try:
        goto(other, link)
        assert other.locator("h1").first.inner_text() == "Data table"
        assert primary_id(other) == primary
        assert shown in sidebar(other)
        toggle = other.get_by_role("switch", name="Only misclassified")
        assert toggle.is_checked()
        screenshot(other, "table_from_link")
        goto(other, f"{app_server.url}/?data=nope&f=%7Bbad")
        assert "Shared link" in main_text(other)
        assert other.locator("[data-testid='stException']").count() == 0
        screenshot(other, "bad_link")
    finally:
        context.close()
