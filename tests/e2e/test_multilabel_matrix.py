"""Browser: a cell clicked in the Multi-label page's per-label confusion shows
that cell's examples, and "Show all cells" shows them all again.

The model is the tiny random multi-label BERT of ``tests/test_multilabel.py``,
typed into the page's model box; the data a JSONL file typed into its path box.
The counts the chart must show, and the examples a click must keep, come from
the model's own predictions at the default threshold.
"""

from __future__ import annotations

import json
import re

import pytest
from e2e_support import open_page, rerun_after, screenshot, settled_box
from test_multilabel import build_tiny_multilabel

from litcore.data.multilabel import indicator_matrix
from litcore.metrics.multilabel import CELLS, cell_rows, predicted_labels
from litcore.models.multilabel import MultiLabelClassifier
from litcore.ui.multilabel import DEFAULT_THRESHOLD

pytestmark = pytest.mark.browser

EXAMPLES = [
    ("the movie was good", ["comedy", "drama"]),
    ("a very bad plot", ["action"]),
    ("great acting and fun", ["comedy"]),
    ("boring film", []),
    ("i love this film", ["drama", "action", "comedy"]),
    ("explosions and car chases", ["action"]),
    ("a sad story of two brothers", ["drama"]),
    ("laughed the whole time", ["comedy"]),
    ("tense, loud and long", ["action", "drama"]),
    ("nothing happens at all", []),
]
# Vega's ARIA label of a heat-map cell: the axes and the colour, then the
# tooltip's other fields ("...; Label: comedy; Share of examples: 40%; Cell: TP;
# Examples: 4; ...").
CELL_MARKS = "[data-testid='stVegaLiteChart'] .mark-rect path[aria-label*='; Cell: ']"
CELL_LABEL = re.compile(r"Label: (\w+); .*; Cell: (\w+); Examples: (\d+)")
EXAMPLES_GRID = "[data-testid='stDataFrame'] [aria-rowcount]"


def expected_cells(model_dir) -> dict[tuple[str, str], list[str]]:
    """(label, cell) -> the texts in it, from the model's predictions."""
    model = MultiLabelClassifier.from_pretrained(model_dir)
    texts = [text for text, _ in EXAMPLES]
    gold, _ = indicator_matrix([labels for _, labels in EXAMPLES], model.labels)
    probas = model.predict(texts).probas
    predicted = predicted_labels(probas, [DEFAULT_THRESHOLD] * len(model.labels))
    return {
        (label, cell): [
            text
            for text, inside in zip(texts, cell_rows(gold, predicted, index, cell))
            if inside
        ]
        for index, label in enumerate(model.labels)
        for cell in CELLS
    }


def shown_cells(tab) -> dict[tuple[str, str], int]:
    """(label, cell) -> count, from the cells' ARIA labels."""
    labels = tab.locator(CELL_MARKS).evaluate_all(
        "paths => paths.map(p => p.getAttribute('aria-label'))"
    )
    found = (CELL_LABEL.search(label or "") for label in labels)
    return {(f[1], f[2]): int(f[3]) for f in found if f}


def example_texts(tab) -> list[str]:
    """The texts the examples table (the page's second table) lists, in order,
    from the grid's accessible rows (its first column is the text)."""
    grid = tab.locator(EXAMPLES_GRID).nth(1)
    return grid.evaluate(
        """grid => Array.from(grid.querySelectorAll("[role='row']"))
          .map(row => row.querySelector("[role='gridcell'], td"))
          .filter(cell => cell)
          .map(cell => cell.innerText)"""
    )


def type_into(tab, label: str, value: str) -> None:
    box = tab.locator("[data-testid='stMain']").get_by_label(label)
    box.fill(value)
    rerun_after(tab, lambda: box.press("Enter"))


def test_a_clicked_cell_shows_its_examples(page, app_server, tmp_path):
    model_dir = build_tiny_multilabel(tmp_path / "model")
    data = tmp_path / "genres.jsonl"
    data.write_text(
        "".join(
            json.dumps({"text": text, "labels": labels}) + "\n"
            for text, labels in EXAMPLES
        ),
        encoding="utf-8",
    )
    expected = expected_cells(model_dir)
    open_page(page, app_server, "Multi-label")
    type_into(page, "Model folder or hub id (multi-label classifier)", str(model_dir))
    type_into(page, "…or its path on the server", str(data))
    page.locator(CELL_MARKS).first.wait_for()
    cells = shown_cells(page)
    assert cells == {cell: len(texts) for cell, texts in expected.items()}
    assert example_texts(page) == [text for text, _ in EXAMPLES]
    # A cell with some of the examples but not all, the most even split first.
    (label, cell), texts = min(
        ((c, t) for c, t in expected.items() if 0 < len(t) < len(EXAMPLES)),
        key=lambda item: abs(len(item[1]) - len(EXAMPLES) / 2),
    )
    mark = page.locator(
        f"{CELL_MARKS}[aria-label*='Label: {label};'][aria-label*='; Cell: {cell};']"
    )
    box = settled_box(mark.first)
    # Left of the centre: the count's text mark sits in the middle of the cell.
    at = {"x": box["width"] * 0.2, "y": box["height"] * 0.5}
    rerun_after(page, lambda: mark.first.click(position=at))
    main = page.locator("[data-testid='stMain']")
    note = main.get_by_text(f"Showing {label} · {cell}")
    note.wait_for()
    assert re.search(rf"{len(texts)} examples?\.", note.inner_text())
    assert example_texts(page) == texts
    screenshot(page, "multilabel_cell_clicked")
    rerun_after(page, main.get_by_role("button", name="Show all cells").click)
    assert example_texts(page) == [text for text, _ in EXAMPLES]
