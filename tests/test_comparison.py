"""Comparing two models: merged columns, agreement matrix, reports, McNemar, links,
and the app with a second model loaded (metrics, table, the disagree filter)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from tiny_models import build_tiny_classifier

from litcore.api.errors import LumenError
from litcore.data.dataset import Dataset
from litcore.metrics.agreement import (
    ComparisonError,
    agreement,
    agreement_matrix,
    as_model_b,
    check_same_labels,
    mcnemar_exact,
    reports,
    with_model_b,
)
from litcore.metrics.classification import ALL_CLASSES
from litcore.models.outputs import Predictions
from litcore.session.columns import AGREE, CORRECT_B, PRED_B
from litcore.session.overlay import NewExample, Overlay
from litcore.session.predictions import analysis_frame
from litcore.ui import state
from litcore.ui.pickers import OWN
from litcore.ui.sidebar.filters import filter_key
from litcore.view.filters import Filters, filter_mask
from litcore.view.links import MODEL_B, decode_link, encode_link
from litcore.view.selection import Selection

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TIMEOUT = 240

LABELS = ("neg", "pos")
GOLD = ["neg", "neg", "pos", "pos", "pos", "other"]
# Model A predicts neg, neg, pos, neg, pos, pos; model B neg, pos, pos, pos, neg, pos.
PROBAS_A = [[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.7, 0.3], [0.4, 0.6], [0.1, 0.9]]
PROBAS_B = [[0.8, 0.2], [0.3, 0.7], [0.1, 0.9], [0.45, 0.55], [0.9, 0.1], [0.2, 0.8]]


def frame_for(probas: list[list[float]], labels=LABELS, rows=None) -> pd.DataFrame:
    """The analysis frame of a model with these probabilities on the six rows."""
    data = pd.DataFrame(
        {"id": [f"e{i}" for i in range(6)], "text": list("abcdef"), "label": GOLD}
    )
    rows = list(range(6)) if rows is None else rows
    probas = np.asarray(probas, dtype=np.float32)[rows]
    predictions = Predictions(
        probas=probas,
        cls_embedding=np.zeros((len(rows), 2), np.float32),
        mean_embedding=np.zeros((len(rows), 2), np.float32),
        tokens=[[] for _ in rows],
        truncated=np.zeros(len(rows), bool),
    )
    dataset = Dataset("tiny", data.iloc[rows].reset_index(drop=True), LABELS)
    return analysis_frame(dataset, predictions, labels)


@pytest.fixture
def merged() -> pd.DataFrame:
    return with_model_b(frame_for(PROBAS_A), frame_for(PROBAS_B), LABELS)


def test_model_b_columns_sit_beside_model_a(merged):
    assert merged["pred"].tolist() == ["neg", "neg", "pos", "neg", "pos", "pos"]
    assert merged[PRED_B].tolist() == ["neg", "pos", "pos", "pos", "neg", "pos"]
    assert merged["confidence_b"].round(2).tolist() == [0.8, 0.7, 0.9, 0.55, 0.9, 0.8]
    assert merged["p_b_pos"].round(2).tolist() == [0.2, 0.7, 0.9, 0.55, 0.1, 0.8]
    assert merged["p_pos"].round(2).tolist() == [0.1, 0.4, 0.8, 0.3, 0.6, 0.9]
    assert merged[AGREE].tolist() == [True, False, True, False, False, True]
    # "other" is a gold label neither model has: no correctness for it.
    assert merged[CORRECT_B].tolist()[:5] == [True, False, True, True, False]
    assert pd.isna(merged[CORRECT_B].iloc[5])


def test_model_b_rows_are_matched_by_id_not_position():
    shuffled = frame_for(PROBAS_B, rows=[5, 3, 1, 0, 2, 4])
    merged = with_model_b(frame_for(PROBAS_A), shuffled, LABELS)
    assert merged[PRED_B].tolist() == ["neg", "pos", "pos", "pos", "neg", "pos"]


def test_model_b_missing_rows_or_a_taken_column_raise():
    with pytest.raises(ComparisonError, match="no predictions for 2 of the"):
        with_model_b(
            frame_for(PROBAS_A), frame_for(PROBAS_B, rows=[0, 1, 2, 3]), LABELS
        )
    taken = frame_for(PROBAS_A).assign(pred_b="x")
    with pytest.raises(ComparisonError, match="already has column"):
        with_model_b(taken, frame_for(PROBAS_B), LABELS)


def test_same_labels_in_any_order_pass_other_labels_raise():
    check_same_labels(("neg", "pos"), ("pos", "neg"))
    with pytest.raises(ComparisonError, match=r"classes \(a, b, c\) differ"):
        check_same_labels(("neg", "pos"), ("a", "b", "c"))


def test_a_model_b_with_its_labels_in_another_order(merged):
    reordered = frame_for([row[::-1] for row in PROBAS_B], labels=("pos", "neg"))
    merged_reordered = with_model_b(frame_for(PROBAS_A), reordered, LABELS)
    columns = [PRED_B, "confidence_b", "p_b_neg", "p_b_pos", AGREE]
    pd.testing.assert_frame_equal(merged_reordered[columns], merged[columns])


def test_agreement_matrix_counts_with_totals(merged):
    counts = agreement_matrix(merged, LABELS)
    cells = counts[counts["kind"] == "cell"].set_index(["pred", PRED_B])["count"]
    assert cells.to_dict() == {
        ("neg", "neg"): 1,
        ("neg", "pos"): 2,
        ("pos", "neg"): 1,
        ("pos", "pos"): 2,
    }
    totals = counts[counts["kind"] == "total"].set_index(["pred", PRED_B])["count"]
    assert totals[("neg", ALL_CLASSES)] == 3 and totals[(ALL_CLASSES, "pos")] == 4
    assert totals[(ALL_CLASSES, ALL_CLASSES)] == 6


def test_reports_side_by_side_score_each_model_on_the_same_rows(merged):
    report_a, report_b = reports(merged, LABELS)
    assert report_a.n == report_b.n == 5  # "other" is not scored
    assert report_a.headline["accuracy"] == pytest.approx(4 / 5)
    assert report_b.headline["accuracy"] == pytest.approx(3 / 5)
    # B: neg precision 1/2, recall 1/2; pos precision 2/3, recall 2/3.
    assert report_b.headline["macro_f1"] == pytest.approx((1 / 2 + 2 / 3) / 2)
    swapped = as_model_b(merged)
    assert swapped["pred"].tolist() == merged[PRED_B].tolist()
    assert swapped["p_neg"].tolist() == merged["p_b_neg"].tolist()
    assert PRED_B not in swapped and "p_b_neg" not in swapped


def test_agreement_counts_who_is_right(merged):
    summary = agreement(merged)
    assert (summary.n, summary.agree, summary.scored) == (6, 3, 5)
    assert summary.agreement_rate == pytest.approx(0.5)
    # Scored rows e0..e4: A right on e0 e1 e2 e4, B right on e0 e2 e3.
    assert (summary.both_correct, summary.only_a_correct) == (2, 2)
    assert (summary.only_b_correct, summary.both_wrong) == (1, 0)
    assert summary.mcnemar_p == pytest.approx(1.0)


def test_mcnemar_exact_is_the_two_sided_binomial_tail():
    assert mcnemar_exact(0, 0) == 1.0
    assert mcnemar_exact(10, 0) == pytest.approx(2 / 2**10)
    # 2 * (C(10,0) + C(10,1) + C(10,2)) / 2^10 = 2 * 56 / 1024
    assert mcnemar_exact(2, 8) == pytest.approx(0.109375)
    assert mcnemar_exact(8, 2) == mcnemar_exact(2, 8)


def test_disagree_filter_keeps_the_rows_where_the_models_differ(merged):
    kept = merged[filter_mask(merged, Filters(disagree_only=True))]
    assert kept["id"].tolist() == ["e1", "e3", "e4"]
    single = frame_for(PROBAS_A)  # one model: the filter has nothing to act on
    assert filter_mask(single, Filters(disagree_only=True)).all()


def test_a_link_carries_the_second_model_and_the_disagree_filter():
    filters = Filters(disagree_only=True)
    ids = ["e0", "e1"]
    params = encode_link("movies", "demo", "metrics", "fp", filters, Selection(), ids)
    assert MODEL_B not in params
    params = encode_link(
        "movies", "demo", "metrics", "fp", filters, Selection(), ids, "demo-seed-1"
    )
    assert params[MODEL_B] == "demo-seed-1"
    link = decode_link(params)
    assert link.compare_model == "demo-seed-1" and link.filters == filters
    with pytest.raises(LumenError, match="disagree_only filter must be true"):
        decode_link({"data": "movies", "f": '{"disagree_only": "yes"}'})


# --- the app: a second model on the movie demo --------------------------------


def load_model_b(at: AppTest, folder: Path) -> AppTest:
    at.radio(key="pick_compare_mode").set_value("own").run()
    at.text_input(key="pick_compare_path").input(str(folder)).run()
    at.button(key="pick_compare_load").click().run()
    assert not at.exception, at.exception
    return at


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def test_second_model_metrics_matrix_table_and_disagree_filter(app, tmp_path):
    assert app.radio(key="pick_compare_mode").options == [
        "None",
        "MiniLM fine-tuned with another seed",
        "My model (folder or hub id)",
    ]
    load_model_b(app, build_tiny_classifier(tmp_path / "b", seed=3))
    workspace = app.session_state[state.WORKSPACE]
    frame = workspace.frame
    assert workspace.model_b is not None and AGREE in frame
    disagree = int((~frame[AGREE]).sum())
    assert 0 < disagree < len(frame)  # a random model disagrees with MiniLM

    app.switch_page("pages/metrics.py").run()
    assert not app.exception, app.exception
    tables = [d.value for d in app.dataframe]
    side_by_side = next(t for t in tables if "model B" in t.columns)
    expected_b = frame["correct_b"].mean()
    assert side_by_side.loc["Accuracy", "model B"] == pytest.approx(expected_b, 1e-4)
    assert side_by_side.loc["Accuracy", "model A"] == pytest.approx(
        frame["correct"].mean(), abs=1e-4
    )
    assert side_by_side.loc["Accuracy", "B − A"] == pytest.approx(
        expected_b - frame["correct"].mean(), abs=2e-4
    )
    charts = {chart.key: chart for chart in app.get("vega_lite_chart")}
    spec = charts["metrics_agreement"].proto.spec
    assert "Model A's prediction" in spec and "Model B's prediction" in spec
    assert "metrics_confusion" in charts
    assert "model B, filtered (2,000)" in [tab.label for tab in app.tabs]
    titles = " ".join(c.proto.spec for c in app.get("vega_lite_chart"))
    assert "Reliability of model B (ECE" in titles
    agree = int(frame[AGREE].sum())
    assert f"agree on **{agree:,} of 2,000**" in " ".join(m.value for m in app.markdown)

    disagree_key = filter_key("disagree", workspace.data.fingerprint)
    app.sidebar.toggle(key=disagree_key).set_value(True).run()
    assert app.session_state[state.FILTERS].disagree_only
    assert f"{disagree:,} of 2,000 examples" in sidebar_text(app)
    app.switch_page("pages/table.py").run()
    table = app.dataframe[0].value  # the first page of them
    assert any(c.value.startswith(f"{disagree:,} rows;") for c in app.caption)
    assert len(table) == min(disagree, 200) and not table[AGREE].any()
    assert {"pred_b", "confidence_b", "p_b_negative", "p_b_positive"} <= set(table)
    assert (table["pred"] != table["pred_b"]).all()


def test_model_b_can_trust_remote_code_and_ticking_it_reloads(app, tmp_path):
    folder = build_tiny_classifier(tmp_path / "b", seed=3)
    load_model_b(app, folder)
    assert not app.session_state[state.WORKSPACE].choice.compare_trust_remote_code
    app.run()
    assert app.button(key="pick_compare_load").disabled  # nothing changed
    app.checkbox(key="pick_compare_trust").check().run()
    app.button(key="pick_compare_load").click().run()
    assert not app.exception, app.exception
    choice = app.session_state[state.WORKSPACE].choice
    assert choice.compare_trust_remote_code and choice.compare_source == str(folder)


def test_the_projection_colours_by_agreement(app, tmp_path):
    app.switch_page("pages/projection.py").run()
    assert "Models agree" not in app.selectbox(key="proj_colour").options
    load_model_b(app, build_tiny_classifier(tmp_path / "b", seed=3))
    app.selectbox(key="proj_colour").set_value("Models agree").run()
    assert not app.exception, app.exception
    traces = json.loads(app.get("plotly_chart")[0].proto.spec)["data"]
    frame = app.session_state[state.WORKSPACE].frame
    agree = int(frame[AGREE].sum())
    names = {trace["name"] for trace in traces}
    assert {f"True ({agree:,})", f"False ({2000 - agree:,})"} <= names


def test_edited_rows_get_model_b_predictions_too(app, tmp_path):
    load_model_b(app, build_tiny_classifier(tmp_path / "b", seed=3))
    workspace = app.session_state[state.WORKSPACE]
    edit = NewExample("a very good film", label="positive", metadata={"rating": 3.0})
    overlay, (added,) = Overlay(workspace.data.fingerprint).add(workspace.data, [edit])
    app.session_state[state.OVERLAY] = overlay
    app.switch_page("pages/table.py").run()
    app.selectbox(key="table_sort").select("origin").run()  # "edited" sorts first
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    row = table[table["id"] == added.id].iloc[0]
    assert row["pred_b"] in ("negative", "positive")
    assert row["p_b_negative"] + row["p_b_positive"] == pytest.approx(1.0, abs=1e-3)
    assert row[AGREE] == (row["pred"] == row["pred_b"])


def test_a_second_model_with_other_classes_is_refused_and_nothing_is_lost(
    app, tmp_path
):
    frame = app.session_state[state.WORKSPACE].frame
    app.session_state[state.SELECTION] = Selection().select(frame["id"].iloc[:3])
    fingerprint = app.session_state[state.WORKSPACE].data.fingerprint
    app.sidebar.toggle(key=filter_key("mis", fingerprint)).set_value(True).run()
    before = app.session_state[state.WORKSPACE]
    other = build_tiny_classifier(tmp_path / "abc", labels=("a", "b", "c"))
    load_model_b(app, other)
    errors = " ".join(e.value for e in app.error)
    assert "Model B's classes (a, b, c) differ from model A's" in errors
    assert app.session_state[state.WORKSPACE] is before
    assert len(app.session_state[state.SELECTION].ids) == 3
    assert app.session_state[state.FILTERS].misclassified_only
    missing = tmp_path / "nothing here"
    load_model_b(app, missing)
    assert "Model B:" in " ".join(e.value for e in app.error)
    assert app.session_state[state.WORKSPACE] is before


def open_link(params: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, at.exception
    return at


def test_a_link_restores_model_b_and_the_disagree_filter(demo_prepared, tmp_path):
    folder = str(build_tiny_classifier(tmp_path / "b"))
    at = open_link({"data": "movies", "model_b": folder, "f": '{"disagree_only":true}'})
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.choice.compare_source == folder
    assert at.session_state[state.FILTERS].disagree_only
    disagree = int((~workspace.frame[AGREE]).sum())
    assert f"{disagree:,} of 2,000 examples" in sidebar_text(at)
    mis_key = filter_key("mis", workspace.data.fingerprint)
    at.sidebar.toggle(key=mis_key).set_value(True).run()
    rewritten = decode_link(dict(at.query_params))
    assert rewritten.compare_model == folder
    assert rewritten.filters == Filters(misclassified_only=True, disagree_only=True)


def test_a_link_whose_model_b_fails_opens_without_it(demo_prepared, tmp_path):
    other = str(build_tiny_classifier(tmp_path / "abc", labels=("a", "b", "c")))
    at = open_link({"data": "movies", "model_b": other})
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.model_b is None and AGREE not in workspace.frame
    warning = " ".join(w.value for w in at.warning)
    assert "differ from model A's" in warning and "without model B" in warning


def test_unlabelled_data_still_gets_the_agreement_matrix(app, tmp_path):
    path = tmp_path / "unlabelled.csv"
    texts = ["good film", "bad plot", "the acting was awful", "i love it"] * 3
    pd.DataFrame({"text": texts}).to_csv(path, index=False)
    app.radio(key="pick_kind").set_value("My file").run()
    app.text_input(key="pick_path").input(str(path)).run()
    app.selectbox(key="map_label").set_value("(none)").run()
    app.radio(key="pick_model_file_mode").set_value(OWN).run()
    model_a = build_tiny_classifier(tmp_path / "a")
    app.text_input(key="pick_model_file_path").input(str(model_a)).run()
    app.button(key="pick_load").click().run()
    # No training split here: only "None" and the user's own model are offered.
    assert app.radio(key="pick_compare_mode").options == [
        "None",
        "My model (folder or hub id)",
    ]
    load_model_b(app, build_tiny_classifier(tmp_path / "b", seed=3))
    app.switch_page("pages/metrics.py").run()
    assert not app.exception, app.exception
    frame = app.session_state[state.WORKSPACE].frame
    body = " ".join(m.value for m in app.markdown)
    assert f"agree on **{int(frame[AGREE].sum()):,} of 12**" in body
    assert "with a gold label" not in body
    charts = [chart.key for chart in app.get("vega_lite_chart")]
    assert charts == ["metrics_agreement"]
