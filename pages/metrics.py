"""Metrics: headline numbers, per class, calibration, confusion matrix, facets."""

import pandas as pd
import streamlit as st

from litcore.data.dataset import LABEL
from litcore.facets import facet_table
from litcore.metrics import ALL_CLASSES, confusion_with_totals
from litcore.overlay import ORIGIN, ORIGINAL
from litcore.predictions import CONFIDENCE, LENGTH, PRED, frame_report
from litcore.slices import SliceStore
from litcore.ui import charts, state
from litcore.ui import workspace as ws
from litcore.ui.formatting import headline_table
from litcore.ui.sidebar import filtered_frame

CHART_KEY = "metrics_confusion"

workspace = ws.require()
labels = list(workspace.labels)
shown = filtered_frame(workspace)
selection = state.selection()
selected = workspace.frame[workspace.frame["id"].isin(selection.ids)]

st.title("Metrics")
st.caption(
    "On the examples the sidebar filters show, and on the current selection. "
    "Click a confusion-matrix cell, or a row / column total, to select those "
    "examples on every page; saved slices get a column each."
)
# This session's edited and generated datapoints count only on request.
if not st.toggle("Include edited/generated examples", key="metrics_with_overlay"):
    shown = shown[shown[ORIGIN] == ORIGINAL]
reports = {
    "filtered": frame_report(shown, workspace.labels),
    "selection": frame_report(selected, workspace.labels),
}
for saved in SliceStore(workspace.data.fingerprint).list():
    members = workspace.frame[workspace.frame["id"].isin(saved.ids)]
    reports[f"slice: {saved.name}"] = frame_report(members, workspace.labels)
if reports["filtered"] is None:
    st.info("No gold labels the model knows among these examples: nothing to score.")
    st.stop()

st.subheader("Headline")
st.dataframe(headline_table(reports), width="stretch")


def _select_cell() -> None:
    """Copies the clicked cell into the shared selection (runs before the sidebar)."""
    points = st.session_state[CHART_KEY]["selection"].get(charts.CELL_SELECTION, [])
    frame = filtered_frame(workspace)
    if not st.session_state.get("metrics_with_overlay"):
        frame = frame[frame[ORIGIN] == ORIGINAL]
    if not points:
        return
    mask = pd.Series(False, index=frame.index)
    for point in points:  # a total's "(all)" matches the whole row or column
        in_row = (frame[LABEL] == point["gold"]) | (point["gold"] == ALL_CLASSES)
        in_column = (frame[PRED] == point["pred"]) | (point["pred"] == ALL_CLASSES)
        mask |= in_row & in_column
    state.set_selection(state.selection().select(frame.loc[mask, "id"]))


left, right = st.columns([3, 2])
with left:
    counts = confusion_with_totals(shown[LABEL], shown[PRED], labels)
    st.altair_chart(
        charts.confusion_heatmap(
            counts, [*labels, ALL_CLASSES], "Confusion matrix (filtered examples)"
        ),
        key=CHART_KEY,
        on_select=_select_cell,
        selection_mode=[charts.CELL_SELECTION],
        width="stretch",
    )
    if selection.ids:
        st.caption(
            f"Selected: {len(selection.ids):,}; see them on the Data table page."
        )
with right:
    report = reports["filtered"]
    st.altair_chart(
        charts.reliability_diagram(
            report.calibration, f"Reliability (ECE {report.headline['ece']:.3f})"
        ),
        width="stretch",
    )

st.subheader("Per class")
per_class = {name: r.per_class for name, r in reports.items() if r is not None}
tabs = st.tabs([f"{name} ({reports[name].n:,})" for name in per_class])
for tab, table in zip(tabs, per_class.values()):
    tab.dataframe(table.round(4), width="stretch")

st.subheader("Facets")
facet_fields = [*workspace.data.metadata_columns, LENGTH, CONFIDENCE]
facet_fields = [f for f in dict.fromkeys(facet_fields) if f in shown.columns]
left, right = st.columns([2, 1])
facet_field = left.selectbox(
    "Break the metrics down by", facet_fields, key="metrics_facet_field"
)
n_bins = right.slider("Bins (numeric fields)", 2, 10, 4, key="metrics_facet_bins")
facets = facet_table(shown, facet_field, workspace.labels, n_bins)
if "accuracy" in facets:
    st.altair_chart(
        charts.facet_bars(facets, facet_field, f"Accuracy by {facet_field}"),
        width="stretch",
    )
st.dataframe(facets.round(4), hide_index=True, width="stretch")
