"""Plotly point charts whose box, lasso and clicked points set the shared selection."""

from __future__ import annotations

from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from litcore.ui import state

# How the selected points and the primary example are drawn over the others.
SELECTED_MARKER = {
    "size": 11,
    "color": "rgba(0,0,0,0)",
    "line": {"width": 2, "color": "#111"},
}
PRIMARY_MARKER = {"size": 18, "symbol": "star", "color": "#f2b701"}


def point_trace(
    points: pd.DataFrame,
    name: str,
    marker: dict,
    **options,
) -> go.Scattergl:
    """A marker trace of ``points`` (columns ``x``, ``y``, ``id``, ``hover``).

    Each point carries its example id as ``customdata``, which a selection on
    the chart hands back; ``hover`` is the (escaped) hover text.
    """
    return go.Scattergl(
        x=points["x"],
        y=points["y"],
        customdata=points["id"],
        text=points["hover"],
        mode="markers",
        name=name,
        hovertemplate="%{text}<extra></extra>",
        marker=marker,
        **options,
    )


def selectable_point_chart(figure: go.Figure, key: str) -> None:
    """Draws ``figure`` full width; a selection on it becomes the shared one.

    Points carry example ids in ``customdata`` (see
    ``state.select_chart_points``), which copies them in an ``on_select``
    callback, so the sidebar shows the new selection in the same run.
    """
    st.plotly_chart(
        figure,
        key=key,
        on_select=partial(state.select_chart_points, key),
        selection_mode=("points", "box", "lasso"),
        width="stretch",
    )
