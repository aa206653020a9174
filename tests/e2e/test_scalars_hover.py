"""Browser: a point's hover on the Scalars chart shows its text, gold label,
prediction and score, though each trace sends only what differs between its
points (the rest is written once in its hover template)."""

from __future__ import annotations

import html
import re

import pytest
from e2e_support import PLOT, open_page, screenshot

pytestmark = pytest.mark.browser

# The page position of a point of the first colour trace that has no other
# point within 8 px, with its example id, trace name and score (y).
LONE_POINT_JS = """(plotSelector) => {
  const plot = document.querySelector(plotSelector);
  const area = plot.querySelector(".nsewdrag").getBoundingClientRect();
  const xa = plot._fullLayout.xaxis, ya = plot._fullLayout.yaxis;
  const at = (t, i) => [area.left + xa.l2p(t.x[i]), area.top + ya.l2p(t.y[i])];
  const all = plot._fullData.flatMap(t => Array.from(t.x, (_, i) => at(t, i)));
  const trace = plot._fullData[0];
  for (let i = 0; i < trace.x.length; i++) {
    const [x, y] = at(trace, i);
    const near = all.filter(([u, v]) => Math.hypot(u - x, v - y) < 8).length;
    if (near === 1 && x > area.left + 20 && x < area.right - 20) {
      return {x, y, id: trace.customdata[i], name: trace.name, score: trace.y[i],
              text: trace.text[i]};
    }
  }
  return null;
}"""
LABEL_JS = """() => {
  const label = document.querySelector(".hoverlayer .hovertext");
  return label ? label.textContent : null;
}"""


def test_a_hovered_point_shows_its_text_gold_prediction_and_score(page, app_server):
    open_page(page, app_server, "Scalars")
    page.locator(f"{PLOT} .nsewdrag").first.wait_for()
    page.locator(PLOT).first.scroll_into_view_if_needed()
    page.wait_for_timeout(300)
    point = page.evaluate(LONE_POINT_JS, PLOT)
    assert point, "no point of the first trace stands apart from the others"
    page.mouse.move(point["x"], point["y"])
    page.wait_for_function(LABEL_JS)
    label = page.evaluate(LABEL_JS)
    screenshot(page, "scalars_hover")
    gold = point["name"].rsplit(" (", 1)[0]  # "negative (1,234)"
    assert label.startswith(html.unescape(point["text"]))  # sent escaped
    assert f"gold {gold}" in label
    assert re.search(r"predicted (negative|positive)", label)
    assert f"score {point['score']:.3f}" in label
    assert "%{" not in label and "&#37;" not in label
