"""Scalars: a class score against any numeric field, with a decision threshold.

Plotly, like the projection, for box and lasso selection on a dense strip plot.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from litcore.metrics import registry as metrics
from litcore.metrics.scalars import NOTHING_TO_SCORE, ThresholdMetrics, jitter
from litcore.session.columns import (
    ABS_ERROR,
    CONFIDENCE,
    LABEL,
    LENGTH,
    PRED,
    PRED_SCORE,
    TEXT,
    proba_column,
)
from litcore.session.predictions import frame_report
from litcore.ui import point_charts, state
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import count
from litcore.ui.params import param_widgets
from litcore.ui.sidebar import filtered_frame
from litcore.view.selection import member_mask

CHART_KEY = "scalars_chart"
INDEX = "(example index)"


workspace = ws.require()
labels = list(workspace.labels)
st.title("Scalars")
head = ws.chosen_head(workspace)
y_axis = (
    f"the {head.name} head's predicted score"
    if head.is_regression
    else "the model's probability for the class you pick"
)
st.caption(
    f"The y-axis is {y_axis}; the x-axis is a numeric field of the data (or the "
    "row number). Drag a box or lasso to select."
)
rows = filtered_frame(workspace)  # the same object until the filters change
# Kept, like what is derived from it, while the filters stay the same.
shown = state.kept_while_same(
    "scalars_rows", (rows,), (), lambda: rows.reset_index(drop=True)
)
if shown.empty:
    st.info("The sidebar filters leave no examples.")
    st.stop()
numeric = [
    column
    for column in [*workspace.data.metadata_columns, LENGTH, CONFIDENCE, ABS_ERROR]
    if column in shown and pd.api.types.is_numeric_dtype(shown[column])
]
left, middle, right = st.columns(3)
if head.is_regression:  # the regression head picked in the sidebar: its score
    score_label = None
    left.markdown(f"Score: the **{head.name}** head's prediction")
else:
    score_label = left.selectbox(
        "Score of class", labels, index=len(labels) - 1, key="scalars_class"
    )
x_field = middle.selectbox("Against", [INDEX, *numeric], key="scalars_x")
spread = right.slider(
    "Jitter",
    0.0,
    0.5,
    0.15,
    step=0.05,
    key="scalars_jitter",
    help="Random horizontal spread (as a fraction of the field's step) so stacked "
    "points show.",
)
score_column = PRED_SCORE if head.is_regression else proba_column(score_label)
score_name = f"Predicted {head.name}" if head.is_regression else f"P({score_label})"
selection = state.selection()
# The browser gets at most a budget of points; the index is the row number.
order = state.kept_while_same(
    "scalars_order", (shown,), (), lambda: point_charts.sample_order(shown["id"])
)
drawn = state.kept_while_same(
    "scalars_drawn",
    (shown,),
    (selection,),
    lambda: point_charts.within_budget(shown, selection, order=order),
)
score = drawn[score_column]


def _x_values_and_step(rows: pd.DataFrame, x_field: str) -> tuple[pd.Series, float]:
    """The x-axis values of ``rows``, and the smallest gap between two."""
    if x_field == INDEX:  # the row numbers 0, 1, 2...: no need to sort them
        return pd.Series(rows.index, dtype=float), 1.0
    x_values = rows[x_field].astype(float)
    unique = np.unique(x_values.dropna().to_numpy())
    return x_values, float(np.diff(unique).min()) if len(unique) > 1 else 1.0


x_values, step = state.kept_result("scalars_x", _x_values_and_step, shown, x_field)

threshold = None
if not head.is_regression and ThresholdMetrics.name in metrics.for_model(
    workspace.model
):  # a two-class model: its threshold setting, keyed scalars_threshold
    asked = f"Decision threshold: predict '{plain(labels[1])}' when its score ≥"
    settings = param_widgets(
        ThresholdMetrics.config_spec(), "scalars", {"threshold": asked}
    )
    threshold = settings["threshold"]


gold = shown[LABEL] if LABEL in shown else pd.Series("(no gold)", index=shown.index)
hover = state.kept_while_same(
    "scalars_hover",
    (drawn,),
    (),
    lambda: point_charts.hover_columns(
        drawn[TEXT], {"gold": gold[drawn.index], "predicted": drawn[PRED]}
    ),
)
# The score is the y-axis: the hover template reads it from there.
SCORE_HOVER = {"score": "y:.3f"}


def _figure(points: pd.DataFrame, threshold: float | None) -> go.Figure:
    """The strip plot of ``points`` (``x``, ``y``, ``id``, ``hover``) coloured by
    gold label, the selection drawn over it, and the threshold line."""
    traces = point_charts.colour_traces(
        points, gold[points.index].astype(str), "Gold label", coordinates=SCORE_HOVER
    )
    traces += point_charts.selection_traces(points, selection, coordinates=SCORE_HOVER)
    layout = {
        "title": f"{score_name} by {x_field.strip('()')} "
        f"({count(len(shown), 'example')})",
        "xaxis_title": x_field.strip("()").capitalize(),
        "yaxis_title": (
            f"Predicted {head.name} (regression head)"
            if head.is_regression
            else f"Model probability of '{score_label}'"
        ),
        "yaxis_range": None if head.is_regression else [-0.03, 1.03],
        "legend_title_text": "Gold label",
        "dragmode": "select",
        "height": 520,
    }
    if threshold is not None and score_label == labels[1]:
        layout |= _threshold_line(threshold)
    return point_charts.point_figure(traces, layout)


def _threshold_line(threshold: float) -> dict:
    """A dashed line across the plot at ``threshold``, labelled at its right end
    (what Plotly's ``add_hline`` draws)."""
    across = {"xref": "x domain", "yref": "y"}
    return {
        "shapes": [
            {"type": "line", "x0": 0, "x1": 1, "y0": threshold, "y1": threshold}
            | across
            | {"line": {"color": "#c44e52", "dash": "dash"}}
        ],
        "annotations": [
            {"x": 1, "y": threshold, "xanchor": "right", "yanchor": "bottom"}
            | across
            | {"text": f"threshold {threshold:.2f}", "showarrow": False}
        ],
    }


# Building 5,000 Plotly points costs more than sending them: kept while the same.
points = state.kept_while_same(
    "scalars_points",
    (drawn, hover, x_values),
    (spread, score_column),
    lambda: pd.concat(  # only what the traces read: no copy of texts
        [
            drawn[["id"]].assign(
                x=x_values[drawn.index] + jitter(len(drawn), spread * step), y=score
            ),
            hover,
        ],
        axis=1,
    ),
)
figure = state.kept_while_same(
    "scalars_figure",
    (points,),
    (selection, threshold, score_label, x_field, head.name, len(shown)),
    lambda: _figure(points, threshold),
)
point_charts.selectable_point_chart(figure, CHART_KEY)
chosen = member_mask(points["id"], selection.ids).sum()
sampled = point_charts.budget_caption(len(points), len(shown))
st.caption(f"{chosen:,} selected points highlighted; ★ primary. {sampled}")

if threshold is not None:
    st.subheader(f"Metrics at threshold {threshold:.2f} (filtered examples)")
    picked, default = (
        metrics.build(ThresholdMetrics.name, config) for config in (settings, {})
    )
    at_default = state.kept_result(
        "scalars_threshold_default", frame_report, shown, workspace.labels, default
    )
    at_threshold = (
        at_default
        if picked == default  # the same metric: one pass over the rows
        else state.kept_result(
            "scalars_threshold_picked", frame_report, shown, workspace.labels, picked
        )
    )
    if at_threshold is None:
        st.info(NOTHING_TO_SCORE)
        st.stop()
    table = pd.DataFrame(
        {f"at {threshold:.2f}": at_threshold.table(), "at 0.50": at_default.table()}
    ).rename(
        index={
            "tp": f"true {labels[1]}",
            "fp": f"false {labels[1]}",
            "fn": f"false {labels[0]}",
            "tn": f"true {labels[0]}",
            "n": "examples scored",
        }
    )
    st.dataframe(table.round(4), width="stretch")
    st.caption(f"Precision, recall and F1 are for '{plain(labels[1])}'.")
