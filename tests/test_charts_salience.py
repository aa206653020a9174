"""The Explanations page's charts: Vega-Lite specs, drawn without altair."""

from __future__ import annotations

import json
from pathlib import Path

import altair as alt
import numpy as np
import pytest
from python_child import last_line

from litcore.salience.faithfulness import CURVE_FRACTIONS, Faithfulness
from litcore.ui import charts_salience

APP = Path(__file__).resolve().parents[1] / "app.py"


def valid(chart: dict) -> dict:
    """The chart, after checking it against the Vega-Lite schema."""
    rows = chart["data"]["values"].to_dict("records")
    alt.Chart.from_dict({**chart, "data": {"values": rows}})  # raises if invalid
    return chart


@pytest.mark.parametrize(
    ("label", "gold", "kind"),
    [
        ("pos", "pos", "gold and predicted"),
        ("neg", "neg", "gold"),
        ("mid", None, "other"),
    ],
)
def test_class_kind_names_gold_and_predicted(label, gold, kind):
    assert charts_salience.class_kind(label, gold, "pos") == kind


def test_probability_bars_keep_the_label_order_and_colour_by_kind():
    labels = ["neg", "pos", "mid"]
    chart = valid(
        charts_salience.probability_chart(labels, [0.2, 0.7, 0.1], "neg", "pos")
    )
    bars = chart["data"]["values"]
    assert bars["kind"].tolist() == ["gold", "predicted", "other"]
    assert bars["probability"].tolist() == [0.2, 0.7, 0.1]
    encoding = chart["encoding"]
    assert encoding["y"]["sort"] == labels
    assert encoding["x"]["scale"] == {"domain": [0, 1]}
    assert encoding["color"]["scale"] == {
        "domain": charts_salience.CLASS_KINDS,
        "range": charts_salience.CLASS_KIND_COLOURS,
    }
    assert chart["height"] == 120 and chart["mark"] == {"type": "bar"}


def test_attention_grid_has_one_cell_per_layer_and_head():
    attention = np.arange(2 * 3 * 4, dtype=np.float32).reshape(2, 3, 4)
    chart = valid(charts_salience.attention_grid_chart(attention, 1, "film"))
    cells = chart["data"]["values"]
    assert cells["layer"].tolist() == [1, 1, 1, 2, 2, 2]
    assert cells["head"].tolist() == [1, 2, 3, 1, 2, 3]
    assert cells["attention"].tolist() == attention[:, :, 1].ravel().tolist()
    assert chart["title"] == "Attention from [CLS] to “film”"
    assert chart["encoding"]["color"]["scale"] == {"scheme": "blues"}


def test_deletion_chart_draws_a_curve_per_method():
    curve = np.linspace(0.9, 0.1, len(CURVE_FRACTIONS))
    rows = [Faithfulness(name, 0.5, 0.1, curve, 0.4) for name in ("a", "b")]
    chart = valid(charts_salience.deletion_chart(rows, "pos"))
    curves = chart["data"]["values"]
    assert curves["method"].tolist() == ["a"] * len(curve) + ["b"] * len(curve)
    assert curves.index.is_unique
    assert chart["encoding"]["y"]["title"] == "p(pos)"
    assert chart["encoding"]["x"]["axis"] == {"format": "%"}
    assert chart["mark"] == {"type": "line", "point": True}


# A new interpreter (a new server) shows the Explanations page of the demo with
# an example picked and the head × layer grid on, then the task pages (no task
# model loaded): the Explanations page's charts, any exception, and whether it
# had imported altair.
EXPLAIN_PAGE = """
import json, sys
from streamlit.testing.v1 import AppTest
from litcore.ui import state
from litcore.view.selection import Selection
at = AppTest.from_file(sys.argv[1], default_timeout=600).run()
first = at.session_state[state.WORKSPACE].frame["id"].iloc[0]
at.session_state[state.SELECTION] = Selection(ids=(first,), primary=first)
at.session_state[state.EXPLAIN_METHODS] = ["Gradient × input", "Attention ([CLS])"]
at.switch_page("pages/explain.py").run()
at.toggle(key="explain_grid").set_value(True).run()
charts = [json.loads(c.proto.spec)["title"] for c in at.get("vega_lite_chart")]
exceptions = [str(e.value) for e in at.exception]
for page in ("pages/generation.py", "pages/masked_lm.py"):
    exceptions += [str(e.value) for e in at.switch_page(page).run().exception]
print(json.dumps({
    "exception": exceptions,
    "charts": charts,
    "altair": "altair" in sys.modules,
}))
"""


def test_the_explanations_and_task_pages_draw_without_altair(demo_prepared):
    page = json.loads(last_line(EXPLAIN_PAGE, str(APP)))
    assert page["exception"] == []
    assert page["altair"] is False
    titles = " | ".join(page["charts"])
    for title in ("Class probabilities", "Attention from [CLS]", "Deletion curve"):
        assert title in titles
