"""AppTest: the Metrics page's metric settings (the registry's config_spec drawn
by the shared widget renderer) change the numbers it shows."""

from __future__ import annotations

import numpy as np
import pytest

from litcore.metrics.classification import classification_report
from litcore.ui import state

BINS_KEY = "metrics_classification_calibration_bins"
THRESHOLD_KEY = "metrics_at_a_decision_threshold_threshold"
LABELS = ("negative", "positive")


def tables(app) -> list:
    return [element.value for element in app.dataframe]


def threshold_table(app):
    return next(t for t in tables(app) if "Precision" in t.index)


def accuracy_at(frame, threshold: float) -> float:
    predicted = np.where(frame["p_positive"] >= threshold, "positive", "negative")
    return float((predicted == frame["label"]).mean())


def test_the_threshold_setting_changes_the_threshold_table(app):
    app.switch_page("pages/metrics.py").run()
    assert not app.exception, app.exception
    frame = app.session_state[state.WORKSPACE].frame
    assert app.slider(key=THRESHOLD_KEY).value == 0.5
    at_half = threshold_table(app)
    assert at_half.loc["Accuracy", "filtered"] == pytest.approx(
        accuracy_at(frame, 0.5), abs=1e-4
    )
    assert at_half.loc["Examples", "filtered"] == len(frame)

    app.slider(key=THRESHOLD_KEY).set_value(0.9).run()
    assert not app.exception, app.exception
    assert threshold_table(app).loc["Accuracy", "filtered"] == pytest.approx(
        accuracy_at(frame, 0.9), abs=1e-4
    )
    shown = " ".join(m.value for m in app.markdown)
    assert "**At a decision threshold** (Decision threshold 0.90)" in shown


def test_the_calibration_bins_setting_changes_the_ece(app):
    app.switch_page("pages/metrics.py").run()
    frame = app.session_state[state.WORKSPACE].frame
    probas = frame[["p_negative", "p_positive"]].to_numpy()

    def ece(n_bins: int) -> float:
        return classification_report(frame["label"], probas, LABELS, n_bins).headline[
            "ece"
        ]

    assert tables(app)[0].loc["ECE", "filtered"] == pytest.approx(ece(10), abs=1e-4)
    app.number_input(key=BINS_KEY).set_value(3).run()
    assert not app.exception, app.exception
    assert tables(app)[0].loc["ECE", "filtered"] == pytest.approx(ece(3), abs=1e-4)
    assert ece(3) != pytest.approx(ece(10), abs=1e-4)
