"""Cached accessors, threshold state and display tables for the multi-label page.

The model is ``st.cache_resource`` (one per process, never mutated); the file,
its examples and the probabilities are ``st.cache_data``, and the
probabilities are also kept on disk in the prediction store.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from litcore.data.multilabel import MultiLabelMapping, multilabel_frame
from litcore.metrics.multilabel import CELLS, best_f1_thresholds
from litcore.models.multilabel import (
    MultiLabelClassifier,
    probabilities_key,
    stored_probabilities,
)
from litcore.ui import charts, state
from litcore.ui.cached import prediction_store
from litcore.ui.task_models import picked_table

DEFAULT_THRESHOLD = 0.5


@st.cache_resource(show_spinner="Loading the multi-label classifier…", max_entries=2)
def multilabel_classifier(source: str) -> MultiLabelClassifier:
    return MultiLabelClassifier.from_pretrained(source.strip())


@st.cache_data(show_spinner=False, max_entries=8)
def examples(source: str, mapping: MultiLabelMapping) -> pd.DataFrame:
    """The file's ``id``, ``text`` and ``labels`` under ``mapping``."""
    return multilabel_frame(picked_table(source), mapping)


@st.cache_data(show_spinner="Running the model on every example…", max_entries=8)
def probabilities(
    key: str, _texts: Sequence[str], _model: MultiLabelClassifier
) -> np.ndarray:
    """``<float32>[num_examples, num_labels]``; ``key`` is ``probabilities_key``."""
    return stored_probabilities(_model, list(_texts), prediction_store())


def probabilities_for(model: MultiLabelClassifier, texts: Sequence[str]) -> np.ndarray:
    """The model's probabilities on ``texts``, from the caches when there."""
    return probabilities(probabilities_key(model, texts), tuple(texts), model)


# --- thresholds -------------------------------------------------------------------


def threshold_key(label: str) -> str:
    """The slider key of one label's threshold."""
    return f"multilabel_threshold::{label}"


def thresholds(labels: Sequence[str]) -> list[float]:
    """The session's threshold per label (``DEFAULT_THRESHOLD`` until moved)."""
    stored = st.session_state.get(state.MULTILABEL_THRESHOLDS, {})
    return [float(stored.get(label, DEFAULT_THRESHOLD)) for label in labels]


def prepare_threshold_sliders(labels: Sequence[str]) -> None:
    """Gives each label's slider its stored value before it is drawn (a page's
    widget state is dropped when the user leaves it; the stored value is not)."""
    for label, value in zip(labels, thresholds(labels)):
        st.session_state.setdefault(threshold_key(label), value)


def remember_threshold(label: str) -> None:
    """``on_change`` of a label's slider: keep its value across pages."""
    stored = dict(st.session_state.get(state.MULTILABEL_THRESHOLDS, {}))
    stored[label] = float(st.session_state[threshold_key(label)])
    st.session_state[state.MULTILABEL_THRESHOLDS] = stored


def set_thresholds(labels: Sequence[str], values: Sequence[float]) -> None:
    """``on_click`` callback: these labels' thresholds (and sliders) to ``values``."""
    stored = dict(st.session_state.get(state.MULTILABEL_THRESHOLDS, {}))
    for label, value in zip(labels, values, strict=True):
        st.session_state[threshold_key(label)] = float(value)
        stored[label] = float(value)
    st.session_state[state.MULTILABEL_THRESHOLDS] = stored


def set_best_f1_thresholds(
    labels: Sequence[str], gold: np.ndarray, probas: np.ndarray
) -> None:
    """``on_click`` callback: each label's threshold to its best F1 on this data."""
    set_thresholds(labels, best_f1_thresholds(gold, probas))


# --- the confusion cell -----------------------------------------------------------


def chosen_cell(labels: Sequence[str]) -> tuple[str, str] | None:
    """The clicked (label, cell), if its label is one of ``labels``."""
    cell = st.session_state.get(state.MULTILABEL_CELL)
    return cell if cell and cell[0] in labels else None


def select_cell(chart_key: str) -> None:
    """``on_select`` of the confusion heat map: the clicked cell filters the table."""
    points = st.session_state[chart_key]["selection"].get(charts.CELL_SELECTION) or []
    st.session_state[state.MULTILABEL_CELL] = (
        (points[0]["label"], points[0]["cell"]) if points else None
    )


def clear_cell() -> None:
    st.session_state[state.MULTILABEL_CELL] = None


LABEL_AXIS = charts.MatrixAxis("label", "Label", "Label")
CELL_AXIS = charts.MatrixAxis(
    "cell", "Cell (T/F = right/wrong, P/N = predicted or not)", "Cell"
)
BY_SHARE = charts.CellShade("share", "Share of examples", (0.0, 1.0), ".0%")


def confusion_chart(long: pd.DataFrame, labels: Sequence[str]) -> dict:
    """Labels as rows, TP/FP/FN/TN as columns, coloured by share; cells clickable.

    Args:
        long: ``multilabel_metrics.confusion_long`` output.
        labels: the row order.
    """
    return charts.count_heatmap(
        long,
        "Per-label confusion (click a cell)",
        LABEL_AXIS,
        CELL_AXIS,
        row_order=labels,
        column_order=CELLS,
        shade=BY_SHARE,
        details=[
            charts.field("meaning", "nominal", "Meaning"),
            charts.field("share", "quantitative", "Share", format=".1%"),
        ],
        cell_height=36,
        min_height=160,
        columns_on_top=True,
    )


# --- the examples table -----------------------------------------------------------


def example_table(
    frame: pd.DataFrame,
    gold: np.ndarray,
    predicted: np.ndarray,
    probas: np.ndarray,
    labels: Sequence[str],
) -> pd.DataFrame:
    """One row per example: text, gold and predicted labels, the labels missed
    and the extra ones, whether all are right, and ``p_<label>`` per label."""
    names = np.asarray(labels, dtype=object)

    def named(rows: np.ndarray) -> list[str]:
        return [", ".join(names[row]) for row in rows]

    table = pd.DataFrame(
        {
            "id": frame["id"].to_numpy(),
            "text": frame["text"].to_numpy(),
            "gold": named(gold),
            "predicted": named(predicted),
            "missed": named(gold & ~predicted),
            "extra": named(~gold & predicted),
            "exact": (gold == predicted).all(axis=1),
        }
    )
    for column, label in enumerate(labels):
        table[f"p_{label}"] = probas[:, column]
    return table
