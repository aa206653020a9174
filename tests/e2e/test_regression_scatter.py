"""Browser: a box dragged on the Regression scatter becomes the shared selection."""

from __future__ import annotations

import pytest
from e2e_support import (
    PLOT,
    PLOT_POINTS_JS,
    drag_box,
    load_own_model,
    open_page,
    screenshot,
    selected_count,
)
from test_regression import build_tiny_regressor

pytestmark = pytest.mark.browser

# A box (page pixels) from the plot's left edge to the middle of the first gap of
# 6+ px between points, over every point's height (so no point is near an edge),
# with the number of distinct examples inside; traces without ids are skipped.
LEFT_BOX_JS = (
    """(plotSelector) => {
"""
    + PLOT_POINTS_JS
    + """  points.sort((a, b) => a[0] - b[0]);
  const ys = points.map(p => p[1]);
  const top = Math.min(...ys) - 8, bottom = Math.max(...ys) + 8;
  if (top < area.top || bottom > area.bottom) return null;
  for (let i = 1; i < points.length; i++) {
    if (points[i][0] - points[i - 1][0] >= 6) {
      const x1 = Math.round((points[i][0] + points[i - 1][0]) / 2);
      const inside = new Set(points.slice(0, i).map(p => p[2])).size;
      return {box: [Math.round(area.left + 2), top, x1, bottom], count: inside};
    }
  }
  return null;
}"""
)


def test_box_on_the_scatter_sets_the_selection(page, app_server, tmp_path):
    model_dir = build_tiny_regressor(tmp_path / "regressor")
    open_page(page, app_server, "Regression")
    load_own_model(
        page,
        "Heads",
        "My regression model (folder or hub id)",
        "Regression model folder or hub id",
        str(model_dir),
        "Add the head",
    )
    page.locator(f"{PLOT} .nsewdrag").first.wait_for()
    page.locator(PLOT).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    found = page.evaluate(LEFT_BOX_JS, PLOT)
    assert found, "no gap of 6 px between the points to end a box in"
    expected = found["count"]
    drag_box(page, found["box"])
    assert selected_count(page) == expected
    page.locator(f"{PLOT} .nsewdrag").first.wait_for()
    names = page.evaluate(
        "(sel) => document.querySelector(sel).data.map(t => t.name)", PLOT
    )
    assert f"Selected ({expected:,})" in names and "Primary" in names
    screenshot(page, "regression_box")
