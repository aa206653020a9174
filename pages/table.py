"""Data table: the filtered examples a page at a time, sorted on the server; row
clicks set the selection."""

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
from litcore.ui.downloads import csv_download
from litcore.ui.sidebar import filtered_frame
from litcore.view.table_pages import (
    ALL,
    ONLY_SELECTED,
    PAGE_SIZES,
    SHOW_MODES,
    clicked_ids,
    page_count,
    page_rows,
    table_order,
    with_page_clicks,
)

TABLE_KEY = "table_rows"
PAGE_KEY = "table_page"
SELECTED = "selected"
ROW_ORDER = "(row order)"

workspace = ws.require()
st.title("Data table")
shown = filtered_frame(workspace)
selection = state.selection()

mode = (
    st.segmented_control(
        "Show",
        SHOW_MODES,
        default=ALL,
        key="table_mode",
        help="'Only selected' lists the current selection (from any page).",
    )
    or ALL
)
columns = display_order(
    shown.columns,
    workspace.labels,
    workspace.data.metadata_columns,
    workspace.regression_gold,
    regression_first=ws.chosen_head(workspace).is_regression,
)
sort_by, direction, page_size = st.columns([2, 1, 1])
sort_column = sort_by.selectbox(
    "Sort by", [ROW_ORDER, *columns], key="table_sort", help="Sorts every row."
)
descending = direction.toggle("Descending", key="table_descending")
size = page_size.selectbox("Rows per page", PAGE_SIZES, index=1, key="table_size")
order = state.kept_while_same(
    "table_order",
    (shown,),
    (mode, selection.ids, sort_column, descending),
    lambda: table_order(
        shown,
        mode,
        selection.ids,
        None if sort_column == ROW_ORDER else sort_column,
        descending,
    ),
)
pages = page_count(len(order), size)
if st.session_state.get(PAGE_KEY, 1) > pages:  # fewer rows than before
    st.session_state[PAGE_KEY] = pages
page = st.number_input("Page", 1, pages, 1, key=PAGE_KEY, help=f"{pages:,} pages")
rows = page_rows(shown, order, page, size)
view = rows[columns].reset_index(drop=True)
view.insert(0, SELECTED, view[ID].isin(selection.ids))
first = (page - 1) * size
st.caption(
    f"{len(order):,} rows; showing {first + 1 if len(view) else 0:,}–"
    f"{first + len(view):,}. Click rows to select them (the last clicked becomes the "
    "primary example); a page's clicks replace the selection's rows on that page, "
    "rows selected elsewhere stay. Sort with 'Sort by' (a header click sorts this "
    "page only); search with the sidebar's text search."
)


def _select_rows() -> None:
    """The last clicked row becomes the primary; in "All" and "Selected first"
    the page's clicked rows replace the selection's rows on this page; "Only
    selected" keeps the listed selection."""
    clicked = st.session_state[_table_key]["selection"]["rows"]
    ids = clicked_ids(view, clicked)
    if not ids:
        return
    current = state.selection()
    if mode != ONLY_SELECTED:
        current = current.select(with_page_clicks(current.ids, view[ID], ids))
    state.set_selection(current.with_primary(ids[-1]))


config = {
    SELECTED: st.column_config.CheckboxColumn("✓", help="In the selection"),
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
# A widget per page and order, so a page's ticks never land on another's rows.
_table_key = f"{TABLE_KEY}_{mode}_{sort_column}_{descending}_{size}_{page}"
st.dataframe(
    view,
    key=_table_key,
    on_select=_select_rows,
    selection_mode="multi-row",
    column_config=config,
    hide_index=True,
    width="stretch",
    height=560,
)
csv_download(
    "Download these rows as CSV",
    lambda: shown.iloc[order][columns],
    "lumen_rows.csv",
    "table_download",
    help=f"All {len(order):,} rows in this order, not only this page.",
)
