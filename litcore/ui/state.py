"""Session-state keys (the only place they are spelled) and their initialiser."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from litcore.session.overlay import Overlay
from litcore.view.filters import Filters
from litcore.view.selection import Selection

T = TypeVar("T")

# What the user chose as data and model: a ``SourceChoice``.
SOURCE = "lumen_source"
# The loaded dataset, model and analysis frame for ``SOURCE``: a ``Workspace``.
WORKSPACE = "lumen_workspace"
SELECTION = "lumen_selection"
FILTERS = "lumen_filters"
# User label name -> model label name, for data whose labels the model lacks.
LABEL_MAP = "lumen_label_map"
# The last error from loading data or a model, shown until the next success.
LOAD_ERROR = "lumen_load_error"
# This session's edited and generated datapoints: an ``Overlay`` (never shared).
OVERLAY = "lumen_overlay"
# The last batch-mode run of the counterfactuals page: a ``BatchResult``.
COUNTERFACTUAL_BATCH = "lumen_counterfactual_batch"
# Whether this session has applied the view in its URL (done on the first run only).
LINK_APPLIED = "lumen_link_applied"
# Messages about a shared link that could not be fully restored: a list of str.
LINK_MESSAGES = "lumen_link_messages"
# The last slice action's outcome for the sidebar: (ok, message) or None.
SLICE_MESSAGE = "lumen_slice_message"
# Explanation page: (example id, class label) explained; None = the prediction.
EXPLAIN_TARGET = "lumen_explain_target"
# Explanation page: the salience methods chosen (display names), kept across pages.
EXPLAIN_METHODS = "lumen_explain_methods"
# Explanation page: expensive runs the user asked for, as (method, config, id, class).
EXPLAIN_RUNS = "lumen_explain_runs"
# Explanation page: the last faithfulness run on the selection: (key, scores frame).
EXPLAIN_SELECTION_SCORES = "lumen_explain_selection_scores"
# Masked LM page: token positions the user clicked to mask, as (text, positions).
MLM_MASKED = "lumen_mlm_masked"
# Generation page: output token ids to force, as (prompt, ids); () = greedy.
GENERATION_PREFIX = "lumen_generation_prefix"
# Multi-label page: label name -> threshold, kept across pages.
MULTILABEL_THRESHOLDS = "lumen_multilabel_thresholds"
# Multi-label page: the confusion cell clicked, as (label, "TP"|"FP"|"FN"|"TN").
MULTILABEL_CELL = "lumen_multilabel_cell"
# The head every page shows (a ``Head.name``); the classifier's when unset.
HEAD = "lumen_head"
# What this session keeps across runs while its inputs stay the same
# (``kept_while_same``): a dict name -> (objects, values, value).
SESSION_MEMO = "lumen_session_memo"

_DEFAULTS = {
    SELECTION: Selection,
    FILTERS: Filters,
    LABEL_MAP: dict,
    LOAD_ERROR: lambda: None,
    LINK_MESSAGES: list,
    SLICE_MESSAGE: lambda: None,
    EXPLAIN_RUNS: set,
}


def init_state() -> None:
    """Fills in any missing key with its default; app.py calls it at the top of
    every run."""
    for key, make_default in _DEFAULTS.items():
        if key not in st.session_state:
            st.session_state[key] = make_default()


def kept_while_same(
    name: str,
    objects: tuple[object, ...],
    values: tuple[object, ...],
    compute: Callable[[], T],
) -> T:
    """What ``compute()`` gave in an earlier run of this session for the same
    inputs, else its value now, kept (one per name) until they change.

    A rerun that changes nothing then costs nothing in proportion to the data.

    Args:
        name: what is computed (one memo slot per name and session).
        objects: inputs compared by identity (session-state values are
            replaced, never changed in place).
        values: small inputs compared by equality (filters, a sort order).
        compute: makes the value.
    """
    memo = st.session_state.setdefault(SESSION_MEMO, {})
    kept = memo.get(name)
    if kept is not None and _same_objects(kept[0], objects) and kept[1] == values:
        return kept[2]
    value = compute()
    memo[name] = (objects, values, value)
    return value


def kept_result(name: str, function: Callable[..., T], rows: object, *args) -> T:
    """``function(rows, *args)``, kept (``kept_while_same``) while ``rows`` stays
    the same object (a frame of the session's rows) and ``args`` stay equal.

    Args:
        name: the memo slot (one per name and session).
        function: a pure function of its arguments, e.g. ``frame_report``
            (compared by module and name).
        rows: the rows it reads, compared by identity.
        args: its other arguments, compared by equality (labels, a metric's
            settings, a field name).
    """
    # By name: a function defined in a page is a new object on every run.
    called = (function.__module__, function.__qualname__)
    return kept_while_same(name, (rows,), (called, args), lambda: function(rows, *args))


def _same_objects(first: tuple[object, ...], second: tuple[object, ...]) -> bool:
    return len(first) == len(second) and all(a is b for a, b in zip(first, second))


def selection() -> Selection:
    return st.session_state[SELECTION]


def set_selection(value: Selection) -> None:
    st.session_state[SELECTION] = value


def filters() -> Filters:
    return st.session_state[FILTERS]


def set_filters(value: Filters) -> None:
    st.session_state[FILTERS] = value


def overlay(dataset_fingerprint: str) -> Overlay:
    """This session's overlay for the dataset (empty after a dataset change)."""
    current = st.session_state.get(OVERLAY)
    if current is None or current.dataset_fingerprint != dataset_fingerprint:
        return Overlay(dataset_fingerprint)
    return current


def set_overlay(value: Overlay) -> None:
    st.session_state[OVERLAY] = value


def select_chart_points(chart_key: str) -> None:
    """``on_select`` callback: a Plotly chart's chosen points become the selection.

    The chart must carry each point's example id as ``customdata``.
    """
    chosen = st.session_state[chart_key]["selection"]["points"]
    ids = [point["customdata"] for point in chosen if point.get("customdata")]
    if ids:
        set_selection(selection().select(ids))
