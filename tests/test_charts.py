"""The shared chart builders: one count heat map for every matrix."""

from __future__ import annotations

import json

import pandas as pd

from litcore.metrics.classification import ALL_CLASSES, confusion_with_totals
from litcore.metrics.multilabel import CELLS
from litcore.ui import charts
from litcore.ui.multilabel import confusion_chart


def spec(chart) -> dict:
    return chart.to_dict()


def layers(chart) -> tuple[dict, dict]:
    heat, text = spec(chart)["layer"]
    return heat, text


def test_confusion_heatmap_selects_cells_and_greys_totals():
    labels = ["neg", "pos"]
    counts = confusion_with_totals(["neg", "pos", "pos"], ["neg", "neg", "pos"], labels)
    chart = charts.confusion_heatmap(counts, [*labels, ALL_CLASSES], "Confusion")
    heat, text = layers(chart)
    (param,) = spec(chart)["params"]
    assert param["name"] == charts.CELL_SELECTION
    assert param["select"]["fields"] == ["gold", "pred"]
    colour = heat["encoding"]["color"]
    assert colour["condition"]["value"] == charts.TOTAL_COLOUR
    assert colour["field"] == "count" and colour["title"] == "Examples"
    assert heat["encoding"]["x"]["sort"] == [*labels, ALL_CLASSES]
    assert text["encoding"]["text"]["field"] == "count"
    assert "datum['count'] > 0.5" in text["encoding"]["color"]["condition"]["test"]
    assert spec(chart)["height"] == 240


def test_multilabel_confusion_is_shaded_by_share_with_the_columns_on_top():
    long = pd.DataFrame(
        {
            "label": ["a"] * 4,
            "cell": list(CELLS),
            "count": [3, 1, 0, 6],
            "share": [0.3, 0.1, 0.0, 0.6],
            "meaning": ["m"] * 4,
        }
    )
    chart = confusion_chart(long, ["a"])
    heat, text = layers(chart)
    assert spec(chart)["params"][0]["select"]["fields"] == ["label", "cell"]
    colour = heat["encoding"]["color"]
    assert colour["field"] == "share" and colour["scale"]["domain"] == [0.0, 1.0]
    assert colour["legend"]["format"] == ".0%"
    assert heat["encoding"]["x"]["axis"]["orient"] == "top"
    assert heat["encoding"]["x"]["sort"] == list(CELLS)
    tooltips = [t["title"] for t in heat["encoding"]["tooltip"]]
    assert tooltips == ["Label", "Cell", "Examples", "Meaning", "Share"]
    assert "datum['share'] > 0.5" in text["encoding"]["color"]["condition"]["test"]


def test_entity_type_heatmap_counts_spans_and_selects_nothing():
    confusion = pd.DataFrame(
        {
            "gold": ["PER", "LOC", "(none)"],
            "pred": ["PER", "PER", "LOC"],
            "count": [4, 1, 2],
        }
    )
    chart = charts.entity_type_heatmap(confusion)
    heat, _ = layers(chart)
    assert "params" not in spec(chart) and "opacity" not in heat["encoding"]
    assert heat["encoding"]["y"]["sort"] == ["(none)", "LOC", "PER"]
    assert [t["title"] for t in heat["encoding"]["tooltip"]] == [
        "Gold",
        "Predicted",
        "Spans",
    ]
    assert "Entity types" in json.dumps(spec(chart)["layer"])
