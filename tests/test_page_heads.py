"""AppTest: a regression head beside the classifier, picked in the sidebar, on
every page (the movie demo with a tiny random one-output model on its rating)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_app import load_file
from test_comparison import open_link
from test_page_regression import add_head
from test_regression import build_tiny_regressor
from tiny_models import build_tiny_classifier

from litcore.metrics.regression import regression_metrics
from litcore.models.regressor import Regressor
from litcore.models.training import read_training_info
from litcore.ui import state
from litcore.view.links import decode_link
from litcore.view.selection import Selection


@pytest.fixture(scope="module")
def regressor_dir(tmp_path_factory) -> Path:
    """A tiny random regressor, one folder for the module: its scores of the
    demo's rows are stored once and read by every later test."""
    return build_tiny_regressor(tmp_path_factory.mktemp("heads") / "regressor")


@pytest.fixture
def two_heads(app, regressor_dir):
    """The demo app with a regression head on ``rating``, the head picked."""
    add_head(app, regressor_dir)
    assert app.radio(key=state.HEAD).options == [
        "label (classification)",
        "rating (regression)",
    ]
    app.radio(key=state.HEAD).set_value("rating").run()
    return app


def test_the_sidebar_names_each_heads_filter(two_heads):
    toggles = [t.label for t in two_heads.toggle]
    assert "Only misclassified (label head)" in toggles
    sliders = [s.label for s in two_heads.slider]
    assert "Absolute error of the rating head > t" in sliders


def test_every_page_follows_the_picked_head(two_heads):
    at = two_heads
    workspace = at.session_state[state.WORKSPACE]
    frame = workspace.frame
    scores = Regressor.from_pretrained(workspace.regressor.source).predict(
        frame["text"].tolist()
    )
    expected = regression_metrics(frame["rating"], scores.scores)

    at.switch_page("pages/metrics.py").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Head: rating (regression)"
    assert {m.label: m.value for m in at.metric}["MSE"] == f"{expected['mse']:.3f}"
    assert at.dataframe[0].value.loc["filtered", "MSE"] == pytest.approx(
        expected["mse"], abs=1e-4
    )

    at.switch_page("pages/table.py").run()
    columns = list(at.dataframe[0].value.columns)
    assert columns.pop(0) == "selected"  # the table's selection marks come first
    assert columns[:6] == [
        "id",
        "text",
        "rating",
        "pred_score",
        "residual",
        "abs_error",
    ]
    assert columns[6] == "label"  # the classifier's columns follow

    at.switch_page("pages/scalars.py").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert (
        spec["layout"]["yaxis"]["title"]["text"] == "Predicted rating (regression head)"
    )

    at.session_state["proj_method"] = "PCA"
    at.switch_page("pages/projection.py").run()
    assert not at.exception, at.exception
    assert at.selectbox(key="proj_colour").value == "Absolute error"

    at.session_state[state.SELECTION] = Selection().with_primary(frame["id"].iloc[0])
    at.switch_page("pages/explain.py").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == "Which tokens drive the rating head's score"
    assert "Integrated gradients of the score" in at.get("html")[0].proto.body

    # Back to the classifier's head: the Metrics page is the classifier's again.
    at.radio(key=state.HEAD).set_value("label").run()
    at.switch_page("pages/metrics.py").run()
    assert at.subheader[0].value == "Headline"


def test_the_editor_shows_the_heads_score_before_and_after(two_heads):
    at = two_heads
    primary = at.session_state[state.WORKSPACE].frame["id"].iloc[0]
    at.session_state[state.SELECTION] = Selection().with_primary(primary)
    at.switch_page("pages/editor.py").run()
    at.text_area(key=f"edit_text_{primary}").input("A dull, lifeless film.")
    at.button(key="editor_analyze").click().run()
    assert not at.exception, at.exception
    labels = [m.label for m in at.metric]
    assert labels.count("Predicted rating (regression head)") == 2


def test_minilm_is_fine_tuned_on_a_column_of_my_file(app, tmp_path, monkeypatch):
    """Own data, MiniLM trained on it, then a MiniLM regression head on a column.

    The classifier trains with a cheap recipe (3 optimiser steps, not the 100 small
    data gets): this tests the flow.
    """
    monkeypatch.setattr("litcore.models.training.MIN_STEPS", 3)
    path = tmp_path / "mine.csv"
    rows = [
        {"sentence": f"film number {i} was {w}", "y": w, "stars": s + i / 10}
        for i in range(10)
        for w, s in (("good", 4.0), ("bad", 1.0))
    ]
    pd.DataFrame(rows).to_csv(path, index=False)
    load_file(app, str(path), text="sentence", label="y")  # loads without metadata
    app.multiselect(key="map_meta").set_value(["stars"]).run()
    app.button(key="pick_load").click().run()
    app.radio(key="pick_head_mode").set_value("minilm-regression-head").run()
    app.selectbox(key="pick_head_gold").set_value("stars").run()
    app.button(key="pick_head_load").click().run()
    assert not app.exception, app.exception  # metadata added by a remap: its frame
    workspace = app.session_state[state.WORKSPACE]
    assert workspace.regression_gold == "stars" and len(workspace.frame) == 4
    info = read_training_info(workspace.regressor.source)
    assert info["regression_target"] == "stars" and info["n_train"] == 16
    assert workspace.frame["pred_score"].notna().all()


def test_a_link_restores_the_head_and_the_head_shown(demo_prepared, regressor_dir):
    folder = str(regressor_dir)
    params = {"data": "movies", "head": folder, "head_gold": "rating"}
    at = open_link(params | {"shown_head": "rating", "f": '{"abs_error_above":1.5}'})
    workspace = at.session_state[state.WORKSPACE]
    assert (
        workspace.regressor.source == folder and workspace.regression_gold == "rating"
    )
    assert at.radio(key=state.HEAD).value == "rating"
    assert at.session_state[state.FILTERS].abs_error_above == 1.5
    rewritten = decode_link(dict(at.query_params))
    assert rewritten.regression_head == (folder, "rating")
    assert rewritten.shown_head == "rating"


def test_a_link_whose_head_fails_opens_without_it(demo_prepared, tmp_path):
    folder = str(build_tiny_classifier(tmp_path / "classifier"))
    at = open_link({"data": "movies", "head": folder, "head_gold": "rating"})
    assert at.session_state[state.WORKSPACE].regressor is None
    assert "shown without the regression head" in at.warning[0].value


def test_counterfactuals_report_the_heads_score_changes(two_heads):
    at = two_heads
    workspace = at.session_state[state.WORKSPACE]
    primary = workspace.frame["id"].iloc[0]
    at.session_state[state.SELECTION] = Selection().with_primary(primary)
    at.switch_page("pages/counterfactuals.py").run()
    at.multiselect(key="cf_generators").set_value(["Typos"]).run()
    at.button(key="cf_run").click().run()
    assert not at.exception, at.exception
    summary = next(d.value for d in at.dataframe if "mean_abs_change" in d.value)
    assert summary["generator"].tolist() == ["Typos"]
    candidates = at.session_state[state.COUNTERFACTUAL_BATCH][1].candidates
    expected = Regressor.from_pretrained(workspace.regressor.source).predict(
        candidates["counterfactual"].tolist()
    )
    old = workspace.frame.set_index("id").at[primary, "pred_score"]
    changes = np.abs(expected.scores - old)
    assert summary["mean_abs_change"].iloc[0] == pytest.approx(changes.mean(), abs=1e-3)
