"""Browser flow: load a second model, click an agreement-matrix cell, see the selection.

Model B is the tiny random classifier (same classes as the demo), loaded through
the sidebar's "Compare with a second model" like a user's own folder.
"""

from __future__ import annotations

import re

import pytest
from e2e_support import (
    load_own_model,
    open_page,
    rerun_after,
    screenshot,
    settled_box,
    sidebar,
    table_rows,
)

pytestmark = pytest.mark.browser

# Vega's ARIA label of a cell: axis values, count, then the tooltip's fields.
CELLS = "[data-testid='stVegaLiteChart'] .mark-rect path[aria-label*='; Model A: ']"
CELL_LABEL = re.compile(r"Examples: ([\d,]+); Model A: (\w+); Model B: (\w+)$")


def load_model_b(tab, folder: str) -> None:
    """Opens "Compare with a second model", types the folder, presses Load."""
    load_own_model(
        tab,
        "Compare with a second model",
        "My model (folder or hub id)",
        "Model B folder or hub id",
        folder,
        "Load model B",
    )


def agreement_cells(tab) -> dict[tuple[str, str], int]:
    """(A's prediction, B's prediction) -> count, from the cells' ARIA labels."""
    cells = {}
    labels = tab.locator(CELLS).evaluate_all(
        "paths => paths.map(p => p.getAttribute('aria-label'))"
    )
    for label in labels:  # totals, "(all)", do not match
        found = CELL_LABEL.search(label or "")
        if found:
            cells[found[2], found[3]] = int(found[1].replace(",", ""))
    return cells


def click_cell(tab, pred_a: str, pred_b: str) -> None:
    cell = tab.locator(
        f"{CELLS}[aria-label$='; Model A: {pred_a}; Model B: {pred_b}']"
    ).first
    box = settled_box(cell)
    # Left of the centre: the count's text mark sits in the middle of the cell;
    # the cell's own click scrolls it into the window.
    at = {"x": box["width"] * 0.2, "y": box["height"] * 0.5}
    rerun_after(tab, lambda: cell.click(position=at))


def test_agreement_cell_selects_those_examples(page, app_server, tiny_model_dir):
    open_page(page, app_server, "Metrics")
    load_model_b(page, str(tiny_model_dir))
    assert "Model B: " + str(tiny_model_dir) in sidebar(page)
    page.get_by_text("Agreement matrix (filtered examples)").first.wait_for()
    cells = agreement_cells(page)
    assert len(cells) == 4 and sum(cells.values()) == 2000
    # The biggest cell where the models disagree (or, failing that, any).
    (pred_a, pred_b), count = max(
        cells.items(), key=lambda item: (item[0][0] != item[0][1], item[1])
    )
    assert count > 0
    click_cell(page, pred_a, pred_b)
    found = re.search(r"([\d,]+) selected", sidebar(page))
    assert found and int(found.group(1).replace(",", "")) == count
    screenshot(page, "metrics_agreement_cell_selected")
    open_page(page, app_server, "Data table")
    only_selected = page.locator(
        "[data-testid='stMain'] button", has_text="Only selected"
    )
    rerun_after(page, only_selected.click)
    rows = table_rows(page)
    assert len(rows) == count and rows["id"].is_unique
    assert set(rows["pred"]) == {pred_a} and set(rows["pred_b"]) == {pred_b}
