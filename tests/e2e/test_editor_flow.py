"""Browser test: edit an example, analyse it, see both predictions and the new row."""

from __future__ import annotations

import re

import pytest
from e2e_support import open_page, screenshot, wait_idle

EDITED_TEXT = "A dull, lifeless and awful film 🎬"


@pytest.mark.browser
def test_edit_analyze_compare_and_table(app_server, page):
    open_page(page, app_server, "Datapoint editor")
    page.get_by_text("Example to edit").wait_for()
    page.locator("[data-testid='stSelectbox']").last.click()
    page.locator("[role='option']").first.click()
    wait_idle(page)

    text = page.get_by_label("Text", exact=True)
    original = text.input_value()
    text.fill(EDITED_TEXT)
    page.get_by_role("button", name="Analyze new datapoint").click()
    wait_idle(page)

    page.get_by_role("heading", name="Before and after").wait_for()
    metrics = page.locator("[data-testid='stMetric']")
    metrics.nth(1).wait_for()
    wait_idle(page, settle_ms=2000)
    assert metrics.count() == 2
    predicted = metrics.locator("[data-testid='stMetricValue']").all_inner_texts()
    assert all(label in {"negative", "positive"} for label in predicted)
    assert page.get_by_text(original[:40]).count() >= 1
    assert page.get_by_text(EDITED_TEXT).count() >= 1
    screenshot(page, "editor_before_after")

    open_page(page, app_server, "Data table")
    assert page.get_by_text(re.compile(r"^2,001 rows;")).count() == 1
    origin = page.locator("[class*='st-key-f_origin_']")
    box = origin.get_by_role("combobox")
    box.click()
    box.press_sequentially("edited")
    page.get_by_role("option", name="edited").wait_for()
    box.press("Enter")
    wait_idle(page)
    assert page.get_by_text(re.compile(r"^1 rows;")).count() == 1
    screenshot(page, "table_edited_row")
