"""The sidebar's selection panel: counts, stepping, pinning, and saved slices."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.session.workspace import Workspace
from litcore.ui import state
from litcore.ui.escape import code, plain
from litcore.ui.formatting import count
from litcore.ui.sidebar.filters import filtered_frame
from litcore.ui.slices import session_slices
from litcore.ui.workspace import session_frame
from litcore.view.links import filters_to_json
from litcore.view.selection import Selection, member_mask
from litcore.view.slices import SliceStore


def selection_panel(workspace: Workspace, shown: pd.DataFrame) -> None:
    """Selection count (and how many filters hide), clear, previous / next, slices."""
    selection = state.selection()
    st.markdown(f"**{len(shown):,} of {len(workspace.frame):,} examples** shown")
    if not selection.ids:
        st.caption("No selection. Click a confusion-matrix cell or table rows.")
    else:
        hidden = state.kept_while_same(
            "hidden_selected",
            (shown,),
            (selection.ids,),
            lambda: (
                len(selection.ids) - int(member_mask(shown["id"], selection.ids).sum())
            ),
        )
        note = f" ({hidden:,} hidden by filters)" if hidden else ""
        st.markdown(f"**{len(selection.ids):,} selected**{note}")
        left, middle, right = st.columns(3)
        left.button(
            "◀",
            key="sel_prev",
            help="Previous selected example",
            on_click=lambda: state.set_selection(state.selection().step_primary(-1)),
        )
        middle.button(
            "▶",
            key="sel_next",
            help="Next selected example",
            on_click=lambda: state.set_selection(state.selection().step_primary(1)),
        )
        right.button(
            "Clear",
            key="sel_clear",
            on_click=lambda: state.set_selection(state.selection().clear()),
        )
    if selection.primary:
        st.caption(f"Primary: {code(selection.primary)}")
    if selection.pinned:
        st.caption(f"Pinned: {code(selection.pinned)}")
    _pin_buttons(selection)
    slice_panel(workspace)


def _pin_buttons(selection: Selection) -> None:
    """Pin the primary example (to compare others with it), or unpin."""
    pin, unpin = st.columns(2)
    pin.button(
        "Pin primary",
        key="sel_pin",
        help="Keep this example marked on every page (◆ on the embeddings map) "
        "while you look at others.",
        disabled=selection.primary is None or selection.primary == selection.pinned,
        on_click=lambda: state.set_selection(
            state.selection().with_pinned(state.selection().primary)
        ),
    )
    unpin.button(
        "Unpin",
        key="sel_unpin",
        disabled=selection.pinned is None,
        on_click=lambda: state.set_selection(state.selection().with_pinned(None)),
    )


def _select_slice(workspace: Workspace, ids: tuple[str, ...]) -> None:
    known = member_mask(ids, session_frame(workspace)["id"])
    state.set_selection(state.selection().select(i for i, k in zip(ids, known) if k))


def _delete_slice(store: SliceStore, name: str) -> None:
    store.delete(name)
    st.session_state[state.SLICE_MESSAGE] = (True, f"Deleted slice '{name}'.")


def _save_slice(workspace: Workspace, source: str) -> None:
    """Saves the selection or the filtered rows under the typed name (a callback)."""
    store = session_slices(workspace.data.fingerprint)
    name = st.session_state.get("slice_name", "")
    if source == "selection":
        ids, description = state.selection().ids, "Saved selection"
    else:
        ids = tuple(filtered_frame(workspace)["id"])
        description = f"Filter {filters_to_json(state.filters())}"
    try:
        saved = store.save(name, ids, source=source, description=description)
    except LumenError as error:
        st.session_state[state.SLICE_MESSAGE] = (False, str(error))
        return
    st.session_state["slice_name"] = ""
    st.session_state[state.SLICE_MESSAGE] = (
        True,
        f"Saved slice '{saved.name}' ({count(len(saved.ids), 'example')}).",
    )


def slice_panel(workspace: Workspace) -> None:
    """Saved slices of this dataset: click to select, delete, save new ones."""
    store = session_slices(workspace.data.fingerprint)
    try:
        slices = store.list()
    except LumenError as error:
        st.error(plain(error))
        return
    with st.expander(f"Slices ({len(slices)})", expanded=True):
        if not slices:
            st.caption("No slices yet. Name the selection or the filter to save one.")
        for index, saved in enumerate(slices):
            pick, delete = st.columns([5, 1], vertical_alignment="center")
            pick.button(
                f"{plain(saved.name)} ({len(saved.ids):,})",
                key=f"slice_pick_{index}",
                help=f"Select these examples. {plain(saved.description)}",
                on_click=_select_slice,
                args=(workspace, saved.ids),
                width="stretch",
            )
            delete.button(
                "✕",
                key=f"slice_delete_{index}",
                help=f"Delete slice '{plain(saved.name)}'",
                on_click=_delete_slice,
                args=(store, saved.name),
            )
        st.text_input(
            "New slice name", key="slice_name", placeholder="e.g. sarcasm misses"
        )
        st.button(  # one per row: side by side, the sidebar cuts the labels
            "Save selection",
            key="slice_save_selection",
            disabled=not state.selection().ids,
            on_click=_save_slice,
            args=(workspace, "selection"),
            width="stretch",
        )
        st.button(
            "Save filter",
            key="slice_save_filter",
            disabled=not state.filters().is_active(),
            help="Saves the examples the current filters show",
            on_click=_save_slice,
            args=(workspace, "filter"),
            width="stretch",
        )
        outcome = st.session_state.get(state.SLICE_MESSAGE)
        if outcome:
            (st.success if outcome[0] else st.error)(plain(outcome[1]))
            st.session_state[state.SLICE_MESSAGE] = None
