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

from litcore.models.regressor import Regressor
from litcore.regression import regression_metrics
from litcore.selection import Selection
from litcore.ui import state

APP = str(Path(__file__).resolve().parents[1] / "app.py")
PAGE = "pages/regression.py"
OWN_MODEL = "Your model (folder or hub id)"


@pytest.fixture(scope="module")
def folders(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("regression_page")
    return {
        "regressor": build_tiny_regressor(root / "regressor"),
        "classifier": build_tiny_classifier(root / "classifier"),
    }


def open_page(model_dir: Path) -> AppTest:
    """The page with the user's model chosen (restored from the page's saved state)."""
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.session_state[state.REGRESSION_CHOICES] = {
        "regression_source": OWN_MODEL,
        "regression_model": str(model_dir),
    }
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def scatter_spec(at: AppTest) -> dict:
    return json.loads(at.get("plotly_chart")[0].proto.spec)


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

    # The "absolute error > t" filter restricts the metrics and the scatter.
    at.slider(key="regression_error_above").set_value(3.0).run()
    errors = np.abs(scores.scores - frame["rating"].to_numpy())
    kept = int((errors > 3.0).sum())
    assert 0 < kept < 2000
    assert {m.label: m.value for m in at.metric}["Examples"] == f"{kept:,}"
    assert len(values(scatter_spec(at)["data"][0]["y"])) == kept

    # A selection is highlighted, and its primary example is explained.
    at.slider(key="regression_error_above").set_value(0.0).run()
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
    at = open_page(folders["classifier"])
    assert "exactly one" in at.error[0].value


def test_the_demo_head_trains_only_when_asked(demo_prepared, monkeypatch):
    """Without a trained rating head on disk the page offers a button, no training."""
    monkeypatch.setattr("litcore.regression.demo_rating_ready", lambda: False)
    at = AppTest.from_file(APP, default_timeout=300)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    assert at.button(key="regression_train").label == "Train the rating head"
    assert "90 s" in at.info[0].value and not at.get("plotly_chart")
