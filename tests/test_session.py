"""A whole session opened in plain Python: data, models, heads, the analysis
frame and the session's overlay rows, with no Streamlit."""

from __future__ import annotations

from pathlib import Path

import pytest
import streamlit as st
from test_regression import build_tiny_regressor
from tiny_models import build_tiny_classifier

from litcore.api.errors import LumenError, WrongTaskError
from litcore.data.dataset import ColumnMapping
from litcore.session.choice import SourceChoice
from litcore.session.columns import (
    AGREE,
    HEAD_COLUMNS,
    ID,
    LABEL,
    LENGTH,
    ORIGIN,
    PARENT_ID,
    PRED_SCORE,
    RESIDUAL,
    TEXT,
    TRUNCATED,
    classifier_columns,
    display_order,
    model_b_columns,
)
from litcore.session.loaders import plain_loaders
from litcore.session.overlay import EDITED, NewExample, Overlay
from litcore.session.workspace import HeadError, build_workspace, session_frame
from litcore.store.fields import PREDICTION_FIELDS
from litcore.store.predictions import PredictionStore
from litcore.ui import workspace as ui_workspace

CSV = (
    "review,sentiment,rating\n"
    "the movie was great,positive,4.5\n"
    "an awful boring plot,negative,1.0\n"
    "not very good,negative,2.0\n"
    "fun and wonderful,positive,5.0\n"
    "the worst acting,negative,1.5\n"
)
MAPPING = ColumnMapping(text="review", label="sentiment", metadata=("rating",))


class CountingStore(PredictionStore):
    """A prediction store that counts its reads."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.reads = 0

    def read(self, model, ids, names=PREDICTION_FIELDS):
        self.reads += 1
        return super().read(model, ids, names)


@pytest.fixture
def store(tmp_path) -> CountingStore:
    return CountingStore(tmp_path / "predictions.sqlite")


def file_choice(model_dir: Path, **sources) -> SourceChoice:
    return SourceChoice(
        demo_key=None,
        file_name="reviews.csv",
        file_bytes=CSV.encode("utf-8"),
        mapping=MAPPING,
        model_source=str(model_dir),
        **sources,
    )


def test_a_file_and_a_folder_model_open_as_a_workspace(tiny_model_dir, store):
    workspace = build_workspace(file_choice(tiny_model_dir), plain_loaders(store))
    frame = workspace.frame
    assert len(frame) == 5 and workspace.train_size is None
    labels = ("negative", "positive")
    assert workspace.labels == labels
    expected = [ID, TEXT, LABEL, "rating", *classifier_columns(labels)]
    assert list(frame.columns) == [*expected, LENGTH, TRUNCATED]
    assert set(frame[LABEL]) == set(labels) and frame["rating"].iloc[0] == 4.5
    # Predicted once into the store; the frame is built from what was predicted.
    assert store.reads == 1
    again = build_workspace(file_choice(tiny_model_dir), plain_loaders(store))
    assert store.reads == 2  # a new session reads the stored predictions once
    assert again.frame.equals(frame)


def test_a_second_model_and_a_regression_head_add_their_columns(
    tiny_model_dir, store, tmp_path
):
    model_b = build_tiny_classifier(tmp_path / "model_b", seed=1)
    head = build_tiny_regressor(tmp_path / "regressor")
    choice = file_choice(
        tiny_model_dir,
        compare_source=str(model_b),
        regression_source=str(head),
        regression_gold="rating",
    )
    workspace = build_workspace(choice, plain_loaders(store))
    labels = workspace.labels
    frame = workspace.frame
    assert set(model_b_columns(labels)) | set(HEAD_COLUMNS) <= set(frame.columns)
    assert frame[AGREE].dtype == bool and len(frame) == 5
    assert [h.title for h in workspace.heads] == [
        "label (classification)",
        "rating (regression)",
    ]
    assert store.reads == 3  # one read per model
    shown = display_order(frame.columns, labels, ["rating"], "rating", True)
    assert shown[:6] == [ID, TEXT, "rating", *HEAD_COLUMNS, LABEL][:6]
    assert set(shown) == set(frame.columns)


def test_the_session_frame_adds_the_overlay_rows_with_every_model(
    tiny_model_dir, store, tmp_path
):
    head = build_tiny_regressor(tmp_path / "regressor")
    choice = file_choice(
        tiny_model_dir, regression_source=str(head), regression_gold="rating"
    )
    loaders = plain_loaders(store)
    workspace = build_workspace(choice, loaders)
    overlay = Overlay(workspace.data.fingerprint)
    assert session_frame(workspace, overlay, loaders)[ORIGIN].eq("original").all()
    parent = workspace.frame[ID].iloc[0]
    edit = NewExample(
        "a great film", label="positive", metadata={"rating": 4.0}, parent_id=parent
    )
    overlay, _ = overlay.add(workspace.data, [edit])
    frame = session_frame(workspace, overlay, loaders)
    assert len(frame) == 6
    added = frame.iloc[-1]
    assert (added[ORIGIN], added[PARENT_ID], added[TEXT]) == (
        EDITED,
        parent,
        "a great film",
    )
    assert added[[*classifier_columns(workspace.labels), *HEAD_COLUMNS]].notna().all()
    assert added[RESIDUAL] == pytest.approx(added[PRED_SCORE] - 4.0)


def test_what_cannot_be_opened_says_what_to_do(tiny_model_dir, store, tmp_path):
    loaders = plain_loaders(store)
    no_file = SourceChoice(demo_key=None, model_source=str(tiny_model_dir))
    with pytest.raises(LumenError, match="No data to analyse: choose"):
        build_workspace(no_file, loaders)
    wrong_gold = file_choice(
        tiny_model_dir,
        regression_source=str(tmp_path / "nowhere"),
        regression_gold="review",
    )
    with pytest.raises(HeadError, match="Regression head: .*numeric gold column"):
        build_workspace(wrong_gold, loaders)


def test_the_demo_opens_in_plain_python(demo_prepared):
    workspace = build_workspace(SourceChoice(demo_key="movies"))
    assert len(workspace.frame) == demo_prepared["n_eval"]
    assert workspace.train_size == demo_prepared["n_train"]
    assert workspace.training_info is not None


def test_a_model_for_another_task_says_where_to_open_it(store, tmp_path):
    head = build_tiny_regressor(tmp_path / "regressor")
    choice = file_choice(head)
    with pytest.raises(WrongTaskError, match="Open it as a regression head") as core:
        build_workspace(choice, plain_loaders(store))
    assert core.value.task == "regression"
    assert "sidebar" not in str(core.value)  # the core names no widget
    with pytest.raises(WrongTaskError, match="regression head instead. In the side"):
        ui_workspace.build_workspace(choice, st.container())
