"""Metrics: headline numbers, per class, calibration, confusion matrix, facets.

With a second model loaded: both models' metrics side by side and their
agreement matrix, whose cells select examples like the confusion matrix's.
"""

from functools import partial

import pandas as pd
import streamlit as st

from litcore.metrics import agreement
from litcore.metrics import registry as metrics
from litcore.metrics.classification import (
    ALL_CLASSES,
    MulticlassMetrics,
    confusion_with_totals,
)
from litcore.metrics.facets import facet_table
from litcore.session.columns import CONFIDENCE, LABEL, LENGTH, PRED, PRED_B
from litcore.ui import charts, state
from litcore.ui import regression as regression_ui
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import agreement_text, headline_table, model_name
from litcore.ui.metric_settings import (
    configured_metrics,
    group_reports,
    settings_text,
)
from litcore.ui.sidebar import filtered_frame
from litcore.ui.slices import session_slices
from litcore.view.cells import cell_ids
from litcore.view.filters import original_rows
from litcore.view.selection import rows_with_ids

CHART_KEY = "metrics_confusion"
AGREEMENT_KEY = "metrics_agreement"
MODEL_B_TAB = "model B, filtered"
# Count-matrix field -> analysis-frame column, per clickable matrix.
CONFUSION_FIELDS = {"gold": LABEL, "pred": PRED}
AGREEMENT_FIELDS = {PRED: PRED, PRED_B: PRED_B}
MODEL_A_AXIS = charts.MatrixAxis(PRED, "Model A's prediction", "Model A")
MODEL_B_AXIS = charts.MatrixAxis(PRED_B, "Model B's prediction", "Model B")


def _select_cells(chart_key: str, fields: dict[str, str]) -> None:
    """Copies the clicked matrix cells into the shared selection (an on_select
    callback: runs before the sidebar).

    Args:
        chart_key: the matrix chart's key.
        fields: the matrix's two fields -> the analysis-frame columns they count.
    """
    cells = st.session_state[chart_key]["selection"].get(charts.CELL_SELECTION, [])
    if not cells:
        return
    frame = filtered_frame(workspace)
    if not st.session_state.get("metrics_with_overlay"):
        frame = original_rows(frame)
    state.set_selection(state.selection().select(cell_ids(frame, cells, fields)))


def _comparison_section(rows: pd.DataFrame) -> None:
    """Model A vs model B on ``rows`` (the filtered ones), and their agreement
    matrix."""
    st.subheader("Model A vs model B")
    st.caption(
        f"A: {plain(model_name(workspace.choice.model_source))} · "
        f"B: {plain(model_name(workspace.choice.compare_source))}. On the "
        "examples the sidebar filters show. Click a cell of the agreement matrix, or a "
        "total, to select those examples."
    )
    labels = list(workspace.labels)
    report_a, report_b = agreement.reports(rows, workspace.labels, classification)
    side_by_side = headline_table({"model A": report_a, "model B": report_b})
    side_by_side["B − A"] = side_by_side["model B"] - side_by_side["model A"]
    summary = agreement.agreement(rows)
    left, right = st.columns([2, 3])
    with left:
        if report_a is not None:
            st.dataframe(side_by_side, width="stretch")
        st.markdown(agreement_text(summary))
    with right:
        counts = agreement.agreement_matrix(rows, labels)
        st.vega_lite_chart(
            charts.confusion_heatmap(
                counts,
                [*labels, ALL_CLASSES],
                "Agreement matrix (filtered examples)",
                rows=MODEL_A_AXIS,
                columns=MODEL_B_AXIS,
            ),
            key=AGREEMENT_KEY,
            on_select=partial(_select_cells, AGREEMENT_KEY, AGREEMENT_FIELDS),
            selection_mode=[charts.CELL_SELECTION],
            width="stretch",
        )


workspace = ws.require()
head = ws.chosen_head(workspace)
labels = list(workspace.labels)
shown = filtered_frame(workspace)
selection = state.selection()

st.title("Metrics")
st.caption(
    "On the examples the sidebar filters show, and on the current selection. "
    + (
        "Drag a box or lasso on the scatter to select examples on every page; "
        "saved slices get a row each."
        if head.is_regression
        else "Click a confusion-matrix cell, or a row / column total, to select "
        "those examples on every page; saved slices get a column each."
    )
)
# This session's edited and generated datapoints count only on request.
if not st.toggle("Include edited/generated examples", key="metrics_with_overlay"):
    shown = state.kept_result("metrics original", original_rows, shown)
# Rows and reports are kept across reruns while their inputs stay the same.
groups = {
    "filtered": shown,
    "selection": state.kept_result(
        "metrics selection rows", rows_with_ids, workspace.frame, selection.ids
    ),
}
for saved in session_slices(workspace.data.fingerprint).list():
    groups[f"slice: {saved.name}"] = state.kept_result(
        f"metrics rows {saved.name}", rows_with_ids, workspace.frame, saved.ids
    )
# The registry's metrics for the picked head's model, with the user's settings.
scored_model = workspace.regressor if head.is_regression else workspace.model
chosen = configured_metrics(metrics.for_model(scored_model), "metrics")
if head.is_regression:
    if shown[head.name].notna().sum() < 2:
        st.info("Fewer than two shown examples have a gold value: widen the filters.")
    else:
        regression_ui.head_section(head.title, head.name, shown, groups, selection)
    st.stop()
classification = chosen.pop(MulticlassMetrics.name)
reports = group_reports(groups, workspace.labels, classification)
if reports["filtered"] is None:
    st.info("No gold labels the model knows among these examples: nothing to score.")
    if workspace.model_b is not None:  # the models can still agree or not
        _comparison_section(shown)
    st.stop()

st.subheader("Headline (model A)" if workspace.model_b else "Headline")
st.dataframe(headline_table(reports), width="stretch")
if workspace.model_b is not None:
    _comparison_section(shown)


left, right = st.columns([3, 2])
with left:
    counts = state.kept_while_same(
        "metrics confusion",
        (shown,),
        (labels,),
        lambda: confusion_with_totals(shown[LABEL], shown[PRED], labels),
    )
    whose = " of model A" if workspace.model_b else ""
    st.vega_lite_chart(
        state.kept_result(
            "metrics confusion chart",
            charts.confusion_heatmap,
            counts,
            [*labels, ALL_CLASSES],
            f"Confusion matrix{whose} (filtered examples)",
        ),
        key=CHART_KEY,
        on_select=partial(_select_cells, CHART_KEY, CONFUSION_FIELDS),
        selection_mode=[charts.CELL_SELECTION],
        width="stretch",
    )
    if selection.ids:
        st.caption(
            f"Selected: {len(selection.ids):,}; see them on the Data table page."
        )
per_class = {name: r for name, r in reports.items() if r is not None}
if workspace.model_b is not None:
    per_class[MODEL_B_TAB] = agreement.reports(shown, workspace.labels, classification)[
        1
    ]
with right:
    diagrams = {"": reports["filtered"], " of model B": per_class.get(MODEL_B_TAB)}
    for whose, report in diagrams.items():
        if report is not None:
            ece = report.headline["ece"]
            st.vega_lite_chart(
                state.kept_result(
                    f"metrics reliability{whose}",
                    charts.reliability_diagram,
                    report.calibration,
                    f"Reliability{whose} (ECE {ece:.3f})",
                ),
                width="stretch",
            )

# Further metrics (e.g. at a threshold) come after the matrix, which stays in view.
for name, metric in chosen.items():
    st.markdown(f"**{name}** ({settings_text(metric)})")
    extra = group_reports(groups, workspace.labels, metric)
    st.dataframe(headline_table(extra, metric.titles), width="stretch")

st.subheader("Per class")
tabs = st.tabs([f"{plain(name)} ({report.n:,})" for name, report in per_class.items()])
for tab, report in zip(tabs, per_class.values()):
    tab.dataframe(report.per_class.round(4), width="stretch")

st.subheader("Facets")
facet_fields = [*workspace.data.metadata_columns, LENGTH, CONFIDENCE]
facet_fields = [f for f in dict.fromkeys(facet_fields) if f in shown.columns]
left, right = st.columns([2, 1])
facet_field = left.selectbox(
    "Break the metrics down by", facet_fields, key="metrics_facet_field"
)
n_bins = right.slider("Bins (numeric fields)", 2, 10, 4, key="metrics_facet_bins")
facets = state.kept_result(
    "metrics facets",
    facet_table,
    shown,
    facet_field,
    workspace.labels,
    n_bins,
    classification,
)
if "accuracy" in facets:
    st.vega_lite_chart(
        state.kept_result(
            "metrics facet chart",
            charts.facet_bars,
            facets,
            facet_field,
            f"Accuracy by {facet_field}",
        ),
        width="stretch",
    )
st.dataframe(facets.round(4), hide_index=True, width="stretch")
