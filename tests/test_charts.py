"""The shared chart builders: one count heat map, one palette, point charts."""

from __future__ import annotations

import json

import altair as alt
import numpy as np
import pandas as pd
from streamlit.testing.v1 import AppTest

from litcore.metrics.classification import ALL_CLASSES, confusion_with_totals
from litcore.metrics.multilabel import CELLS
from litcore.models.generation import Generation
from litcore.models.masked_lm import MaskFill
from litcore.ui import charts, charts_tasks, point_charts
from litcore.ui.multilabel import confusion_chart
from litcore.view.selection import Selection


def spec(chart: dict) -> dict:
    """The chart's spec, after checking it against the Vega-Lite schema."""
    records = {
        **chart,
        "data": {"values": chart["data"]["values"].to_dict("records")},
    }
    alt.LayerChart.from_dict(records)  # raises SchemaValidationError
    return chart


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
    assert spec(chart)["title"].startswith("Entity types")
    json.dumps(chart["layer"])  # the layers hold no data, only the spec's top


CALIBRATION = pd.DataFrame(
    {
        "bin_start": [0.5, 0.75],
        "bin_end": [0.75, 1.0],
        "confidence": [0.6, 0.9],
        "accuracy": [0.55, 0.92],
        "count": [10, 30],
    }
)
FACETS = pd.DataFrame(
    {
        "bucket": ["a", "b"],
        "accuracy": [0.5, 0.7],
        "examples": [4, 6],
        "macro_f1": [0.4, 0.6],
    }
)


def test_reliability_diagram_draws_bins_over_the_diagonal_on_one_pair_of_axes():
    chart = spec(charts.reliability_diagram(CALIBRATION, "Reliability"))
    diagonal, bins = chart["layer"]
    assert diagonal["data"]["values"][-1] == {"confidence": 1.0, "accuracy": 1.0}
    assert diagonal["encoding"]["x"] == bins["encoding"]["x"]  # one axis title
    assert bins["encoding"]["size"]["field"] == "count"
    assert chart["data"]["values"] is CALIBRATION


def test_facet_bars_keep_the_buckets_order_and_label_each_bar():
    chart = spec(charts.facet_bars(FACETS.iloc[::-1], "rating", "By rating"))
    bars, counts = chart["layer"]
    assert bars["encoding"]["x"]["sort"] == ["b", "a"]
    assert bars["encoding"]["x"]["title"] == "rating"
    assert counts["encoding"]["text"] == {
        "field": "examples",
        "type": "quantitative",
        "format": ",",
    }


def _kept_chart_page() -> None:
    import pandas as pd
    import streamlit as st

    from litcore.ui import charts, state

    built = st.session_state.setdefault("built", [])
    rows = {"bucket": ["a", "b"], "accuracy": [0.5, 0.7], "examples": [4, 8]}
    facets = st.session_state.setdefault("facets", pd.DataFrame(rows))

    def facet_bars(*args):
        built.append(args[1])
        return charts.facet_bars(*args)

    spec = state.kept_result("bars", facet_bars, facets, "rating", "By rating")
    st.vega_lite_chart(spec, width="stretch")


def test_a_kept_spec_is_built_once_and_drawn_whole_on_every_run():
    at = AppTest.from_function(_kept_chart_page).run()
    for _ in range(2):
        at.run()
        (chart,) = at.get("vega_lite_chart")
        assert chart.proto.data.data  # drawing left the kept spec's data in it
    assert at.session_state["built"] == ["rating"]
    at.session_state["facets"] = FACETS  # other rows: built again
    at.run()
    assert at.session_state["built"] == ["rating", "rating"]


def test_category_colours_are_one_palette_in_sorted_order():
    colours = charts.category_colours(["b", "a", "b", "c"])
    assert colours == {
        "a": charts.PALETTE[0],
        "b": charts.PALETTE[1],
        "c": charts.PALETTE[2],
    }
    many = charts.category_colours(
        [f"t{i:02d}" for i in range(len(charts.PALETTE) + 1)]
    )
    assert list(many.values())[-1] == charts.PALETTE[0]  # the palette wraps round


def test_hover_text_escapes_texts_and_values():
    texts = pd.Series(["<script>x</script> " + "long " * 60, "fine"])
    hover = point_charts.hover_text(
        texts, {"gold": ["<b>pos</b>", "neg"], "score": ["0.5", "1"]}
    )
    assert hover[0].startswith("&lt;script&gt;x&lt;/script&gt;")
    assert (
        "<script" not in hover[0] and "gold <b>&lt;b&gt;pos&lt;/b&gt;</b>" in hover[0]
    )
    assert hover[1] == "fine<br>gold <b>neg</b> · score <b>1</b>"
    assert len(hover[0].split("<br>")[0]) <= point_charts.SNIPPET_CHARS + 40  # escapes


def points_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": ["a", "b", "c", "d"],
            "x": [0.0, 1.0, 2.0, 3.0],
            "y": [1.0, 0.0, 1.0, 0.0],
            "hover": ["ha", "hb", "hc", "hd"],
            "label": ["pos", "neg", "pos", "wrong"],
        }
    )


def test_colour_traces_one_per_category_with_fixed_colours():
    points = points_frame()
    traces = point_charts.colour_traces(
        points, points["label"], "Gold", {"wrong": "#c44e52"}
    )
    assert [t.name for t in traces] == ["neg (1)", "pos (2)", "wrong (1)"]
    assert list(traces[1].customdata) == ["a", "c"]
    assert traces[2].marker.color == "#c44e52"
    assert traces[0].marker.color == charts.PALETTE[0]


def test_colour_traces_of_a_continuous_field_have_a_colour_bar():
    points = pd.concat([points_frame()] * 2, ignore_index=True)
    values = pd.Series(range(len(points)), dtype=float)
    (trace,) = point_charts.colour_traces(points, values, "rating")
    assert trace.marker.colorbar.title.text == "rating"
    assert len(trace.customdata) == len(points)


def test_selection_traces_draw_the_selection_primary_and_pinned():
    points = points_frame()
    selection = Selection().select(["b", "c", "zz"]).with_pinned("d")
    traces = point_charts.selection_traces(points, selection)
    assert [t.name for t in traces] == ["Selected (2)", "Primary"]
    assert list(traces[1].customdata) == ["b"]
    with_pinned = point_charts.selection_traces(points, selection, with_pinned=True)
    assert [t.name for t in with_pinned][-1] == "Pinned"
    assert point_charts.selection_traces(points, Selection()) == []


def test_task_tables():
    fill = MaskFill(["a", "[MASK]"], [1], ["[MASK]"], [[("good", 0.75), ("bad", 0.25)]])
    table = charts_tasks.mask_predictions(fill)
    assert table["rank"].tolist() == [1, 2]
    assert table["position"].tolist() == ["1: [MASK]"] * 2
    assert table["prediction"].tolist() == ["good", "bad"]
    generation = Generation(
        ["the"],
        [5, 6],
        ["movie", "was"],
        np.array([0.5, 0.25]),
        [[("movie", 5, 0.5)], [("was", 6, 0.25), ("is", 7, 0.2)]],
        1,
        "movie was",
    )
    steps = charts_tasks.generation_steps(generation)
    assert steps["chosen by"].tolist() == ["you", "greedy"]
    assert steps["alternatives"].tolist() == [
        "movie (0.500)",
        "was (0.250), is (0.200)",
    ]
    for chart in (
        charts_tasks.step_probability_bars(steps),
        charts_tasks.mask_prediction_bars(table),
    ):
        assert chart.to_dict()["mark"]["type"] == "bar"
