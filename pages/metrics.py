"""Metrics: headline numbers, per-class table, calibration, a clickable confusion matrix."""

import streamlit as st

from litcore.data.dataset import LABEL
from litcore.metrics import confusion_frame
from litcore.overlay import ORIGIN, ORIGINAL
from litcore.predictions import PRED, frame_report
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
    "Click a confusion-matrix cell to select those examples on every page."
)
# --- edited/generated datapoints of this session (issue 5): counted on request.
if not st.toggle("Include edited/generated examples", key="metrics_with_overlay"):
    shown = shown[shown[ORIGIN] == ORIGINAL]
# ---
reports = {
    "filtered": frame_report(shown, workspace.labels),
    "selection": frame_report(selected, workspace.labels),
}
if reports["filtered"] is None:
    st.info("No gold labels the model knows among these examples: nothing to score.")
    st.stop()

st.subheader("Headline")
st.dataframe(headline_table(reports), use_container_width=True)


def _select_cell() -> None:
    """Copies the clicked cell into the shared selection (runs before the sidebar)."""
    points = st.session_state[CHART_KEY]["selection"].get(charts.CELL_SELECTION, [])
    frame = filtered_frame(workspace)
    if not points:
        return
    mask = False
    for point in points:
        mask = mask | ((frame[LABEL] == point["gold"]) & (frame[PRED] == point["pred"]))
    state.set_selection(state.selection().select(frame.loc[mask, "id"]))


left, right = st.columns([3, 2])
with left:
    counts = confusion_frame(shown[LABEL], shown[PRED], labels)
    st.altair_chart(
        charts.confusion_heatmap(
            counts, labels, "Confusion matrix (filtered examples)"
        ),
        key=CHART_KEY,
        on_select=_select_cell,
        selection_mode=[charts.CELL_SELECTION],
        use_container_width=True,
    )
    if selection.ids:
        st.caption(
            f"{len(selection.ids):,} examples selected; see the Data table page."
        )
with right:
    report = reports["filtered"]
    st.altair_chart(
        charts.reliability_diagram(
            report.calibration, f"Reliability (ECE {report.headline['ece']:.3f})"
        ),
        use_container_width=True,
    )

st.subheader("Per class")
per_class = {name: r.per_class for name, r in reports.items() if r is not None}
tabs = st.tabs([f"{name} ({reports[name].n:,})" for name in per_class])
for tab, (name, table) in zip(tabs, per_class.items()):
    tab.dataframe(table.round(4), use_container_width=True)
