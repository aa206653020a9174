"""Plotly point charts whose box, lasso and clicked points set the shared selection."""

from __future__ import annotations

from functools import partial

import plotly.graph_objects as go
import streamlit as st

from litcore.ui import state


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
