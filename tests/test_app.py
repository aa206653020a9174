"""AppTest: the shell and foundation pages on the real demo, and bad input in the UI.

Each bad input shows ``st.error`` with what to do, and the app keeps running with
the selection and the filters it had.
"""

from __future__ import annotations

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from tiny_models import build_tiny_classifier

from litcore.ui import state
from litcore.ui.pickers import OWN
from litcore.ui.sidebar.filters import FilterKind, filter_key
from litcore.view.filters import Filters
from litcore.view.selection import Selection


def sidebar_text(at: AppTest) -> str:
    return " ".join(m.value for m in at.sidebar.markdown)


def test_overview_shows_the_demo_card(app_as_opened, demo_prepared):
    app = app_as_opened
    assert app.title[0].value == "Lumen"
    body = " ".join(m.value for m in app.markdown)
    assert "Movie review snippets" in body and "negative, positive" in body
    assert "2,000 of 2,000 examples" in sidebar_text(app)
    headline = app.dataframe[0].value
    assert headline.loc["Accuracy", "all"] == pytest.approx(
        demo_prepared["accuracy"], abs=1e-4
    )


def test_metrics_page(app):
    app.switch_page("pages/metrics.py").run()
    assert not app.exception
    assert app.title[0].value == "Metrics"
    headline = app.dataframe[0].value
    assert {"filtered", "selection"} <= set(headline.columns)
    assert len(app.get("vega_lite_chart")) >= 2  # confusion matrix + reliability


def test_table_page_lists_and_filters(app):
    app.switch_page("pages/table.py").run()
    table = app.dataframe[0].value
    assert len(table) == 200  # a page of the 2,000 rows
    assert "2,000 rows" in app.caption[0].value
    assert {"text", "label", "pred", "confidence", "correct", "rating"} <= set(
        table.columns
    )
    app.sidebar.toggle(key=widget_key(app, "mis")).set_value(True).run()
    table = app.dataframe[0].value
    assert 0 < len(table) < 2000 and not table["correct"].any()


def test_sidebar_filter_widgets_set_the_filters(app):
    app.sidebar.toggle(key=widget_key(app, "mis")).set_value(True).run()
    assert app.session_state[state.FILTERS].misclassified_only
    shown = app.session_state[state.WORKSPACE].frame["correct"].eq(False).sum()
    assert f"{shown:,} of 2,000 examples" in sidebar_text(app)


def widget_key(app: AppTest, kind: FilterKind) -> str:
    """The session key of a sidebar filter widget for the loaded dataset."""
    return filter_key(kind, app.session_state[state.WORKSPACE].data.fingerprint)


def test_selection_shows_only_selected_and_counts_hidden(app):
    frame = app.session_state[state.WORKSPACE].frame
    chosen = frame["id"].iloc[:3].tolist()
    app.session_state[state.SELECTION] = Selection().select(chosen)
    app.run()
    assert "3 selected" in sidebar_text(app)
    wrong_label = "negative" if frame["label"].iloc[0] == "positive" else "positive"
    app.sidebar.multiselect(key=widget_key(app, "gold")).set_value([wrong_label]).run()
    assert "hidden by filters" in sidebar_text(app)
    app.sidebar.multiselect(key=widget_key(app, "gold")).set_value([]).run()
    app.switch_page("pages/table.py").run()
    app.segmented_control(key="table_mode").set_value("Only selected").run()
    assert app.dataframe[0].value["id"].tolist() == chosen


def test_pin_the_primary_then_unpin(app):
    chosen = app.session_state[state.WORKSPACE].frame["id"].iloc[:2].tolist()
    app.session_state[state.SELECTION] = Selection().select(chosen)
    app.run()
    assert app.sidebar.button(key="sel_unpin").disabled
    app.sidebar.button(key="sel_pin").click().run()
    selection = app.session_state[state.SELECTION]
    assert selection.pinned == selection.primary == chosen[0]
    assert f"Pinned: `{chosen[0]}`" in [c.value for c in app.sidebar.caption]
    assert app.sidebar.button(key="sel_pin").disabled
    app.sidebar.button(key="sel_next").click().run()  # the pin stays put
    selection = app.session_state[state.SELECTION]
    assert (selection.primary, selection.pinned) == (chosen[1], chosen[0])
    app.sidebar.button(key="sel_unpin").click().run()
    assert app.session_state[state.SELECTION].pinned is None


def test_filters_and_selection_survive_page_switches(app):
    frame = app.session_state[state.WORKSPACE].frame
    app.session_state[state.SELECTION] = Selection().select(frame["id"].iloc[:5])
    app.sidebar.text_input(key=widget_key(app, "search")).input("film").run()
    app.switch_page("pages/metrics.py").run()
    app.switch_page("pages/table.py").run()
    assert len(app.session_state[state.SELECTION].ids) == 5
    assert app.session_state[state.FILTERS].search == "film"
    assert app.dataframe[0].value["text"].str.contains("film", case=False).all()


# --- bad input --------------------------------------------------------------


def load_file(at: AppTest, path: str, **mapping) -> AppTest:
    """Picks "My file", types a server path, maps columns, and presses Load."""
    at.radio(key="pick_kind").set_value("My file").run()
    at.text_input(key="pick_path").input(path).run()
    for key, value in mapping.items():
        at.selectbox(key=f"map_{key}").set_value(value).run()
    if at.button(key="pick_load").disabled:
        return at
    at.button(key="pick_load").click().run()
    return at


def with_state(app: AppTest) -> tuple[Selection, Filters]:
    frame = app.session_state[state.WORKSPACE].frame
    selection = Selection().select(frame["id"].iloc[:4])
    app.session_state[state.SELECTION] = selection
    app.sidebar.text_input(key=widget_key(app, "search")).input("good").run()
    return selection, app.session_state[state.FILTERS]


def assert_kept(app: AppTest, selection: Selection, filters: Filters) -> None:
    assert not app.exception, app.exception
    assert app.session_state[state.SELECTION] == selection
    assert app.session_state[state.FILTERS] == filters
    assert "Movie review snippets" in app.session_state[state.WORKSPACE].data.name


def errors(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"text;label\ngood;pos\n", "delimiter looks like ';'"),
        ("text,label\ncaf\xe9,pos\n".encode("latin-1"), "not valid utf-8"),
    ],
    ids=["empty", "wrong-delimiter", "not-utf8"],
)
def test_unreadable_files(app, tmp_path, content, message):
    selection, filters = with_state(app)
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    load_file(app, str(path))
    assert message in errors(app)
    assert_kept(app, selection, filters)


def test_missing_file(app):
    selection, filters = with_state(app)
    load_file(app, "/no/such/file.csv")
    assert "File not found" in errors(app)
    assert_kept(app, selection, filters)


def test_all_texts_empty(app, tmp_path):
    selection, filters = with_state(app)
    path = tmp_path / "empty_texts.csv"
    pd.DataFrame({"text": ["", None], "label": ["a", "b"]}).to_csv(path, index=False)
    load_file(app, str(path))
    assert "No usable rows" in errors(app)
    assert_kept(app, selection, filters)


def test_model_folder_that_is_not_a_classifier(app, tmp_path):
    selection, filters = with_state(app)
    bare = build_tiny_classifier(tmp_path / "bare", architecture="masked")
    app.radio(key="pick_model_demo_mode").set_value(OWN).run()
    app.text_input(key="pick_model_demo_path").input(str(bare)).run()
    app.button(key="pick_load").click().run()
    assert "not a sequence classifier" in errors(app)
    assert_kept(app, selection, filters)


def test_own_file_and_model_with_unknown_labels_and_mapping(app, tmp_path):
    """A 3-class file on a 2-class model: a warning, metrics only after mapping."""
    model_dir = build_tiny_classifier(tmp_path / "tiny")
    path = tmp_path / "reviews.csv"
    rows = [("good film", "pos"), ("bad film", "neg"), ("a film", "neutral")] * 4
    pd.DataFrame(rows, columns=["review", "gold"]).to_csv(path, index=False)
    app.radio(key="pick_kind").set_value("My file").run()
    app.text_input(key="pick_path").input(str(path)).run()
    app.selectbox(key="map_text").set_value("review").run()
    app.selectbox(key="map_label").set_value("gold").run()
    app.radio(key="pick_model_file_mode").set_value(OWN).run()
    app.text_input(key="pick_model_file_path").input(str(model_dir)).run()
    app.button(key="pick_load").click().run()
    assert not app.exception, app.exception
    workspace = app.session_state[state.WORKSPACE]
    assert workspace.data.name == path.name and len(workspace.frame) == 12
    warning = " ".join(w.value for w in app.sidebar.warning)
    assert "neg, neutral, pos" in warning and "negative, positive" in warning
    assert workspace.frame["correct"].isna().all()  # no known gold: no metrics
    app.selectbox(key="label_map_neg").set_value("negative").run()
    app.selectbox(key="label_map_pos").set_value("positive").run()
    app.button(key="label_map_apply").click().run()
    workspace = app.session_state[state.WORKSPACE]
    assert workspace.frame["correct"].notna().sum() == 8  # neutral stays unscored
    assert workspace.unknown_labels == ["neutral"]


def test_train_a_model_on_my_file(app, tmp_path, monkeypatch):
    """A labelled file and no model: MiniLM is fine-tuned on 80%, shown on 20%.

    A cheap recipe (3 optimiser steps, not the 100 small data gets): this tests
    the flow; tests/test_training.py tests the minimum.
    """
    monkeypatch.setattr("litcore.models.training.MIN_STEPS", 3)
    path = tmp_path / "mine.jsonl"
    rows = [
        {"sentence": f"film number {i} was {w}", "y": w}
        for i in range(10)
        for w in ("good", "bad")
    ]
    pd.DataFrame(rows).to_json(path, orient="records", lines=True)
    load_file(app, str(path), text="sentence", label="y")
    assert not app.exception, app.exception
    workspace = app.session_state[state.WORKSPACE]
    assert len(workspace.frame) == 4 and workspace.train_size == 16
    assert workspace.model.labels == ("bad", "good")
    assert workspace.training_info["n_train"] == 16


def test_empty_and_overlong_texts_are_counted_on_the_overview(app, tmp_path):
    model_dir = build_tiny_classifier(tmp_path / "tiny")
    path = tmp_path / "messy.csv"
    texts = ["good film", None, "", "bad " * 5000, "great plot"]
    pd.DataFrame({"text": texts, "label": ["positive"] * 5}).to_csv(path, index=False)
    app.radio(key="pick_kind").set_value("My file").run()
    app.text_input(key="pick_path").input(str(path)).run()
    app.radio(key="pick_model_file_mode").set_value(OWN).run()
    app.text_input(key="pick_model_file_path").input(str(model_dir)).run()
    app.button(key="pick_load").click().run()
    assert not app.exception, app.exception
    notes = " ".join(i.value for i in app.info)
    assert "2 empty rows skipped" in notes
    assert "1 texts over 10,000 characters cut" in notes
    assert "1 texts were cut to 64 tokens" in notes
