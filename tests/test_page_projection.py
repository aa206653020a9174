"""AppTest: the Embeddings page on the real demo (PCA, UMAP, selection, neighbours)."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from litcore.session.overlay import NewExample, Overlay
from litcore.ui import state
from litcore.view.selection import Selection

APP = str(Path(__file__).resolve().parents[1] / "app.py")


@pytest.fixture
def projection_page(demo_prepared) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page("pages/projection.py").run()
    assert not at.exception, at.exception
    return at


def figure(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def values(array) -> list:
    """A trace's array: plain JSON, or Plotly's base64 typed array."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), array["dtype"]).tolist()
    return list(array)


def captions(at: AppTest) -> str:
    return " ".join(c.value for c in at.caption)


def test_pca_map_of_every_example_with_a_legend(projection_page):
    at = projection_page
    assert at.title[0].value == "Embeddings"
    spec = figure(at)
    traces = spec["data"]
    assert sum(len(values(t["x"])) for t in traces) == 2000
    assert {t["name"].split(" (")[0] for t in traces} == {"negative", "positive"}
    assert spec["layout"]["xaxis"]["title"]["text"] == "PC1"
    ids = [i for t in traces for i in t["customdata"]]
    assert len(set(ids)) == 2000
    assert "0 selected points highlighted" in captions(at)


def test_the_shared_selection_is_highlighted_and_neighbours_listed(projection_page):
    at = projection_page
    frame = at.session_state[state.WORKSPACE].frame
    chosen = tuple(frame["id"].iloc[[3, 10, 400]])
    at.session_state[state.SELECTION] = Selection().select(chosen)
    at.run()
    names = {t["name"]: t for t in figure(at)["data"]}
    assert sorted(names["Selected (3)"]["customdata"]) == sorted(chosen)
    assert names["Primary"]["customdata"] == [chosen[0]]
    assert "3 selected points highlighted" in captions(at)
    neighbours = at.dataframe[0].value
    assert len(neighbours) == 10 and chosen[0] not in set(neighbours["id"])
    assert np.all(np.diff(neighbours["cosine"].to_numpy()) <= 1e-6)
    at.button(key="proj_select_neighbours").click().run()
    selection = at.session_state[state.SELECTION]
    assert len(selection.ids) == 11 and selection.primary == chosen[0]


def test_colour_by_a_numeric_field_uses_a_colour_bar(projection_page):
    at = projection_page
    at.selectbox(key="proj_colour").set_value("rating").run()
    trace = figure(at)["data"][0]
    assert trace["marker"]["colorbar"]["title"]["text"] == "rating"


def test_umap_projection_is_computed_and_stored(projection_page):
    at = projection_page
    at.radio(key="proj_method").set_value("UMAP").run()
    assert not at.exception, at.exception
    spec = figure(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "UMAP 1"
    assert sum(len(values(t["x"])) for t in spec["data"]) == 2000


def test_an_edited_example_is_placed_on_the_umap_map_by_a_child_fit(projection_page):
    at = projection_page
    workspace = at.session_state[state.WORKSPACE]
    edit = NewExample("a very good film", label="positive", metadata={"rating": 3.0})
    at.session_state[state.OVERLAY], _ = Overlay(workspace.data.fingerprint).add(
        workspace.data, [edit]
    )
    at.radio(key="proj_method").set_value("UMAP").run()
    assert not at.exception, at.exception
    added = next(
        t for t in figure(at)["data"] if t["name"].startswith("Edited / generated")
    )
    assert count_in_name(added) == 1
    assert np.isfinite(values(added["x"]) + values(added["y"])).all()


def count_in_name(trace: dict) -> int:
    """The count in a trace's name: 'Edited / generated (1)' -> 1."""
    return int(trace["name"].rsplit("(", 1)[1].rstrip(")"))
