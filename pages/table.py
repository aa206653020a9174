"""Data table: every example with its prediction; row clicks set the selection."""

import streamlit as st

from litcore.session.columns import (
    ABS_ERROR,
    AGREE,
    CONFIDENCE,
    CONFIDENCE_B,
    CORRECT,
    CORRECT_B,
    ID,
    PRED_SCORE,
    RESIDUAL,
    TEXT,
    display_order,
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
is_selected = shown[ID].isin(selection.ids)
if mode == "Only selected":
    shown = shown[is_selected]
elif mode == "Selected first":
    shown = shown.assign(_first=~is_selected).sort_values("_first", kind="stable")
    shown = shown.drop(columns="_first")

columns = display_order(
    shown.columns,
    workspace.labels,
    workspace.data.metadata_columns,
    workspace.regression_gold,
    regression_first=ws.chosen_head(workspace).is_regression,
)
view = shown[columns].reset_index(drop=True)
st.caption(
    f"{len(view):,} rows. Click rows to select them (the last clicked becomes the "
    "primary example); sort by clicking a header."
)


def _select_rows() -> None:
    """The last clicked row becomes the primary; the clicked rows become the
    selection, except in "Only selected", which keeps the listed selection."""
    rows = st.session_state[TABLE_KEY]["selection"]["rows"]
    ids = view.loc[rows, ID].tolist()
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
    ID: st.column_config.TextColumn("id", width="small"),
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
