"""The shared sidebar, drawn by app.py before every page.

One module per job: ``sources`` (data and model pickers, a second model, heads,
label mapping), ``filters`` (the filter widgets, their keys, seeding them from a
link, the filtered rows) and ``selection`` (the selection panel and slices).
"""

from __future__ import annotations

import streamlit as st

from litcore.session.workspace import Workspace
from litcore.ui import state
from litcore.ui.sidebar.filters import (
    filter_key,
    filter_widgets,
    filtered_frame,
    seed_filter_widgets,
)
from litcore.ui.sidebar.selection import selection_panel, slice_panel
from litcore.ui.sidebar.sources import data_and_model_picker

__all__ = [
    "data_and_model_picker",
    "filter_key",
    "filter_widgets",
    "filtered_frame",
    "render_sidebar",
    "seed_filter_widgets",
    "selection_panel",
    "slice_panel",
]


def render_sidebar(progress_area) -> None:
    """Draws the whole sidebar and updates the session's workspace and filters."""
    with st.sidebar:
        data_and_model_picker(progress_area)
        workspace: Workspace | None = st.session_state.get(state.WORKSPACE)
        if workspace is None:
            return
        state.set_filters(filter_widgets(workspace))
        selection_panel(workspace, filtered_frame(workspace))
