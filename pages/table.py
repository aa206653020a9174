"""Data table: every example with its prediction; row clicks set the selection."""

import streamlit as st

from litcore.data.dataset import LABEL, TEXT, TEXT_B
from litcore.metrics.agreement import (
    AGREE,
    CONFIDENCE_B,
    CORRECT_B,
    PRED_B,
    proba_b_column,
)
from litcore.session.heads import ABS_ERROR, PRED_SCORE, RESIDUAL
from litcore.session.overlay import ORIGIN, PARENT_ID
from litcore.session.predictions import (
    CONFIDENCE,
    CORRECT,
    LENGTH,
    PRED,
    TRUNCATED,
    proba_column,
)
from litcore.ui import state
from litcore.ui import workspace as ws
from litcore.ui.sidebar import filtered_frame

TABLE_KEY = "table_rows"
SHOW_MODES = ["All", "Only selected", "Selected first"]

workspace = ws.require()
st.title("Data table")
shown = filtered_frame(workspace)
selection = state.selection()

mode = (
    st.segmented_control(
        "Show",
        SHOW_MODES,
        default="All",
        key="table_mode",
        help="'Only selected' lists the current selection (from any page).",
    )
    or "All"
)
is_selected = shown["id"].isin(selection.ids)
if mode == "Only selected":
    shown = shown[is_selected]
elif mode == "Selected first":
    shown = shown.assign(_first=~is_selected).sort_values("_first", kind="stable")
    shown = shown.drop(columns="_first")

classifier = [c for c in (LABEL, PRED, CONFIDENCE, CORRECT) if c in shown]
classifier += [proba_column(label) for label in workspace.labels]
if workspace.model_b is not None:  # the second model's columns, beside A's
    classifier += [c for c in (PRED_B, CONFIDENCE_B, CORRECT_B, AGREE) if c in shown]
    classifier += [proba_b_column(label) for label in workspace.labels]
regression = []
if workspace.regressor is not None:
    regression = [workspace.regression_gold, PRED_SCORE, RESIDUAL, ABS_ERROR]
heads = [classifier, regression]
if ws.chosen_head(workspace).is_regression:  # the picked head's columns first
    heads.reverse()
columns = [c for c in ("id", TEXT, TEXT_B) if c in shown] + heads[0] + heads[1]
columns += [*workspace.data.metadata_columns, LENGTH, TRUNCATED]
columns += [ORIGIN, PARENT_ID]  # edited/generated rows of this session (issue 5)
view = shown[list(dict.fromkeys(columns))].reset_index(drop=True)
st.caption(
    f"{len(view):,} rows. Click rows to select them (the last clicked becomes the "
    "primary example); sort by clicking a header."
)


def _select_rows() -> None:
    """The last clicked row becomes the primary; the clicked rows become the
    selection, except in "Only selected", which keeps the listed selection."""
    rows = st.session_state[TABLE_KEY]["selection"]["rows"]
    ids = view.loc[rows, "id"].tolist()
    if not ids:
        return
    current = state.selection()
    if mode != "Only selected":
        current = current.select(ids)
    state.set_selection(current.with_primary(ids[-1]))


config = {
    TEXT: st.column_config.TextColumn("Text", width="large"),
    CONFIDENCE: st.column_config.ProgressColumn(
        "Confidence", min_value=0.0, max_value=1.0, format="%.3f"
    ),
    CORRECT: st.column_config.CheckboxColumn("Correct"),
    CONFIDENCE_B: st.column_config.ProgressColumn(
        "Confidence (B)", min_value=0.0, max_value=1.0, format="%.3f"
    ),
    CORRECT_B: st.column_config.CheckboxColumn("Correct (B)"),
    AGREE: st.column_config.CheckboxColumn("Models agree"),
    PRED_SCORE: st.column_config.NumberColumn("Predicted score", format="%.3f"),
    RESIDUAL: st.column_config.NumberColumn("Residual", format="%+.3f"),
    ABS_ERROR: st.column_config.NumberColumn("Absolute error", format="%.3f"),
    "id": st.column_config.TextColumn("id", width="small"),
}
st.dataframe(
    view,
    key=TABLE_KEY,
    on_select=_select_rows,
    selection_mode="multi-row",
    column_config=config,
    hide_index=True,
    width="stretch",
    height=560,
)
st.download_button(
    "Download these rows as CSV",
    view.to_csv(index=False).encode("utf-8"),
    file_name="lumen_rows.csv",
    mime="text/csv",
    key="table_download",
)
