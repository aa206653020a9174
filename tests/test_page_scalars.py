"""AppTest: the Scalars page (score vs field, threshold metrics, selection)."""

from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from streamlit.testing.v1 import AppTest
from test_page_projection import values

from litcore.metrics.scalars import threshold_metrics
from litcore.ui import state
from litcore.view.selection import Selection

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def scalars_page(demo_prepared) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("pages/scalars.py").run()
    assert not at.exception, at.exception
    return at


def test_score_against_rating_with_threshold_metrics(scalars_page):
    at = scalars_page
    assert at.title[0].value == "Scalars"
    at.selectbox(key="scalars_x").set_value("rating").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["yaxis"]["title"]["text"] == "Model probability of 'positive'"
    assert sum(len(values(t["y"])) for t in spec["data"]) == 2000
    at.slider(key="scalars_threshold").set_value(0.9).run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    (line,), (note,) = spec["layout"]["shapes"], spec["layout"]["annotations"]
    assert line["y0"] == line["y1"] == 0.9 and note["text"] == "threshold 0.90"
    # Built without Plotly's checks, it is what Plotly's checks make of it.
    assert json.loads(pio.to_json(go.Figure(spec))) == spec
    table = at.dataframe[0].value
    frame = at.session_state[state.WORKSPACE].frame
    expected = threshold_metrics(
        frame["label"], frame["p_positive"].to_numpy(), ("negative", "positive"), 0.9
    )
    assert table.loc["recall", "at 0.90"] == pytest.approx(expected["recall"], abs=1e-4)
    assert table.loc["examples scored", "at 0.90"] == 2000


def test_selection_is_highlighted(scalars_page):
    at = scalars_page
    frame = at.session_state[state.WORKSPACE].frame
    at.session_state[state.SELECTION] = Selection().select(frame["id"].iloc[:5])
    at.run()
    names = [
        t["name"] for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    ]
    assert "Selected (5)" in names and "Primary" in names
