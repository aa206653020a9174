"""AppTest: the Regression page on the movie demo's rating, with a tiny regressor."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_page_projection import values
from test_regression import build_tiny_regressor
from tiny_models import build_tiny_classifier

from litcore.metrics.regression import regression_metrics
from litcore.models.regressor import Regressor
from litcore.ui import state
from litcore.ui.sidebar.filters import filter_key
from litcore.view.selection import Selection

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/regression.py"


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("regression_page")
    return {
        "regressor": build_tiny_regressor(root / "regressor"),
        "classifier": build_tiny_classifier(root / "classifier"),
    }


def add_head(at: AppTest, model_dir: Path, gold: str = "rating") -> AppTest:
    """Adds ``model_dir`` as the regression head in the sidebar's "Heads"."""
    at.radio(key="pick_head_mode").set_value("own").run()
    at.text_input(key="pick_head_path").input(str(model_dir)).run()
    at.selectbox(key="pick_head_gold").set_value(gold).run()
    at.button(key="pick_head_load").click().run()
    assert not at.exception, at.exception
    return at


def open_page(model_dir: Path) -> AppTest:
    """The Regression page with ``model_dir`` added as the regression head."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    add_head(at, model_dir)
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def scatter_spec(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


def error_slider_key(at: AppTest) -> str:
    return filter_key("abs", at.session_state[state.WORKSPACE].data.fingerprint)


def test_metrics_scatter_filter_and_salience(demo_prepared, folders):
    at = open_page(folders["regressor"])
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Regression"
    frame = at.session_state[state.WORKSPACE].data.frame
    scores = Regressor.from_pretrained(folders["regressor"]).predict(
        frame["text"].tolist()
    )
    expected = regression_metrics(frame["rating"], scores.scores)
    shown = {m.label: m.value for m in at.metric}
    assert shown["Examples"] == "2,000"
    assert shown["MSE"] == f"{expected['mse']:.3f}"
    assert shown["Spearman ρ"] == f"{expected['spearman']:.3f}"
    spec = scatter_spec(at)
    assert spec["layout"]["xaxis"]["title"]["text"] == "Gold rating"
    assert len(values(spec["data"][0]["y"])) == 2000

    # The sidebar's "absolute error > t" filter restricts the metrics and scatter.
    at.slider(key=error_slider_key(at)).set_value(3.0).run()
    errors = np.abs(scores.scores - frame["rating"].to_numpy())
    kept = int((errors > 3.0).sum())
    assert 0 < kept < 2000
    assert {m.label: m.value for m in at.metric}["Examples"] == f"{kept:,}"
    assert len(values(scatter_spec(at)["data"][0]["y"])) == kept
    assert at.session_state[state.FILTERS].abs_error_above == 3.0

    # A selection is highlighted, and its primary example is explained.
    at.slider(key=error_slider_key(at)).set_value(0.0).run()
    at.session_state[state.SELECTION] = Selection().select(frame["id"].iloc[:5])
    at.run()
    names = [trace["name"] for trace in scatter_spec(at)["data"]]
    assert "Selected (5)" in names and "Primary" in names
    assert len(at.dataframe[0].value) == 2  # shown examples and the selection
    assert "Integrated gradients of the score" in at.get("html")[0].proto.body
    assert any(frame["id"].iloc[0] in c.value for c in at.caption)
    assert any("baseline text's score" in c.value for c in at.caption)
    at.selectbox(key="regression_method").set_value("Gradient × input").run()
    assert not at.exception, at.exception
    assert "Gradient × input of the score" in at.get("html")[0].proto.body


def test_a_classifier_is_refused_with_a_message(demo_prepared, folders):
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    add_head(at, folders["classifier"])
    assert any("exactly one" in e.value for e in at.error)
    assert at.session_state[state.WORKSPACE].regressor is None  # the rest is kept
    at.switch_page(PAGE).run()
    assert "Heads" in at.info[0].value


def test_the_minilm_head_trains_only_when_asked(demo_prepared, monkeypatch):
    """Picking "MiniLM fine-tuned on the gold column" trains nothing until 'Add'."""
    monkeypatch.setattr(
        "litcore.session.workspace.read_training_info", lambda folder: None
    )
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.radio(key="pick_head_mode").set_value("minilm-regression-head").run()
    assert not at.exception, at.exception
    assert at.button(key="pick_head_load").label == "Add the head"
    assert "90 s" in at.radio(key="pick_head_mode").options[1]
    assert at.session_state[state.WORKSPACE].regressor is None
    at.switch_page(PAGE).run()
    assert "90 s" in at.info[0].value and not at.get("plotly_chart")
