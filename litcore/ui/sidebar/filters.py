"""The sidebar's filters: the widgets, their keys, seeding them from a link, and
the rows they let through.

What the widgets offer (labels, ranges, values) is computed once per workspace
and overlay, and the rows once per filter state, so a rerun that changes
nothing costs nothing in proportion to the data.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.dataset import is_continuous
from litcore.metrics.agreement import has_model_b
from litcore.session.columns import (
    ABS_ERROR,
    CORRECT,
    LABEL,
    LENGTH,
    ORIGIN,
    is_model_output,
)
from litcore.session.heads import LABEL_HEAD
from litcore.session.workspace import Workspace
from litcore.ui import state
from litcore.ui.escape import plain
from litcore.ui.workspace import session_frame
from litcore.view.filters import Filters, filter_mask, search_problem

# What a filter widget filters on; ``num`` and ``cat`` also name a column.
FilterKind = Literal[
    "mis",  # only misclassified
    "disagree",  # only where the models disagree
    "abs",  # absolute error of the regression head above t
    "gold",  # gold labels
    "pred",  # predicted labels
    "conf",  # confidence range
    "search",  # text search
    "regex",  # text search is a regular expression
    "origin",  # original, edited or generated rows
    "num",  # a continuous metadata column's range
    "cat",  # a categorical metadata column's values
]


def filter_key(kind: FilterKind, fingerprint: str, column: str | None = None) -> str:
    """The session-state key of a filter widget (the only place it is spelled).

    Keys carry the dataset's fingerprint, so each dataset keeps its own filters.

    Args:
        kind: what the widget filters on.
        fingerprint: the dataset's fingerprint.
        column: the metadata column, for ``num`` and ``cat``.
    """
    named = f"{kind}_{column}" if column is not None else kind
    return f"f_{named}_{fingerprint[:8]}"


def filter_widgets(workspace: Workspace) -> Filters:
    """Filter widgets over the workspace's frame; returns the Filters they describe."""
    frame = workspace.frame
    fingerprint = workspace.data.fingerprint
    labels = list(workspace.labels)
    options = filter_options(workspace)
    with st.expander("Filters", expanded=True):
        regression = next((h for h in workspace.heads if h.is_regression), None)
        misclassified = st.toggle(
            f"Only misclassified ({LABEL_HEAD} head)"
            if regression
            else "Only misclassified",
            key=filter_key("mis", fingerprint),
            disabled=CORRECT not in frame.columns,
        )
        disagree = has_model_b(frame) and st.toggle(
            "Only where the models disagree", key=filter_key("disagree", fingerprint)
        )
        abs_error_above = 0.0
        if regression is not None:
            abs_error_above = st.slider(
                f"Absolute error of the {plain(regression.name)} head > t",
                0.0,
                options.largest_error,
                0.0,
                step=0.1,
                key=filter_key("abs", fingerprint),
                help="0 keeps every example. Rows without a gold value never pass.",
            )
        gold = ()
        if options.gold is not None:
            gold = tuple(
                st.multiselect(
                    "Gold label", options.gold, key=filter_key("gold", fingerprint)
                )
            )
        pred = tuple(
            st.multiselect(
                "Predicted label", labels, key=filter_key("pred", fingerprint)
            )
        )
        confidence = st.slider(
            "Confidence",
            0.0,
            1.0,
            (0.0, 1.0),
            step=0.01,
            key=filter_key("conf", fingerprint),
        )
        search = st.text_input(
            "Text search",
            key=filter_key("search", fingerprint),
            placeholder="word or /regex/",
        )
        regex = st.checkbox("Regular expression", key=filter_key("regex", fingerprint))
        problem = search_problem(search, regex)
        if problem:
            st.error(plain(problem))
            search = ""
        categorical, numeric = _metadata_filters(options, fingerprint)
        picked_origins = st.multiselect(
            "Origin",
            options.origins,
            key=filter_key("origin", fingerprint),
            help="Edited or generated rows",
        )
        if picked_origins:
            categorical[ORIGIN] = tuple(picked_origins)
    return Filters(
        misclassified,
        gold,
        pred,
        tuple(confidence),
        search,
        regex,
        categorical,
        numeric,
        disagree_only=disagree,
        abs_error_above=abs_error_above,
    )


@dataclass(frozen=True)
class FilterOptions:
    """What the filter widgets offer for one workspace and overlay.

    Attributes:
        gold: the gold labels (None: the data has none).
        origins: the row origins (original, edited, generated:<name>).
        largest_error: the absolute-error slider's top.
        columns: the metadata columns (and the length) filtered, in order.
        ranges: continuous column -> (low, high).
        values: other column -> its values as text (the first 200).
    """

    gold: list[str] | None
    origins: list[str]
    largest_error: float
    columns: list[str]
    ranges: dict[str, tuple[float, float]]
    values: dict[str, list[str]]


def filter_options(workspace: Workspace) -> FilterOptions:
    """The widgets' options, computed once per workspace and overlay."""
    return state.kept_while_same(
        "filter_options",
        (workspace, st.session_state.get(state.OVERLAY)),
        (),
        lambda: _options(workspace),
    )


def _options(workspace: Workspace) -> FilterOptions:
    frame = workspace.frame
    ranges: dict[str, tuple[float, float]] = {}
    values: dict[str, list[str]] = {}
    columns = [
        c for c in [*workspace.data.metadata_columns, LENGTH] if not is_model_output(c)
    ]
    for column in columns:
        if is_continuous(frame[column]):
            ranges[column] = (float(frame[column].min()), float(frame[column].max()))
        else:
            values[column] = sorted(frame[column].astype(str).unique())[:200]
    return FilterOptions(
        gold=sorted(frame[LABEL].unique()) if LABEL in frame.columns else None,
        origins=sorted(session_frame(workspace)[ORIGIN].unique()),
        largest_error=_largest_error(frame),
        columns=columns,
        ranges=ranges,
        values=values,
    )


def _largest_error(frame: pd.DataFrame) -> float:
    """The absolute-error slider's top: the largest error, rounded up a little."""
    if ABS_ERROR not in frame.columns:
        return 0.1
    return max(round(float(frame[ABS_ERROR].fillna(0).max()) + 0.05, 1), 0.1)


def _metadata_filters(
    options: FilterOptions, fingerprint: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[float, float]]]:
    """A slider per continuous metadata column (and the length), a multiselect per
    other one; returns (categorical, numeric) filters of the ones in use."""
    categorical: dict[str, tuple[str, ...]] = {}
    numeric: dict[str, tuple[float, float]] = {}
    for column in options.columns:
        if column in options.ranges:
            low, high = options.ranges[column]
            if low < high:
                picked = st.slider(
                    plain(column),
                    low,
                    high,
                    (low, high),
                    key=filter_key("num", fingerprint, column),
                )
                if picked != (low, high):
                    numeric[column] = picked
        else:
            picked = st.multiselect(
                plain(column),
                options.values[column],
                key=filter_key("cat", fingerprint, column),
            )
            if picked:
                categorical[column] = tuple(picked)
    return categorical, numeric


def seed_filter_widgets(workspace: Workspace, filters: Filters) -> list[str]:
    """Sets the filter widgets' state to ``filters`` before they are drawn (links).

    Values this data lacks are dropped; returns a message naming what was dropped.
    """
    frame = workspace.frame
    fingerprint = workspace.data.fingerprint
    dropped: list[str] = []

    def seed(kind: FilterKind, value, column: str | None = None) -> None:
        st.session_state[filter_key(kind, fingerprint, column)] = value

    def keep(
        kind: FilterKind,
        wanted: tuple[str, ...],
        options: set[str],
        what: str,
        column: str | None = None,
    ) -> None:
        kept = [value for value in wanted if value in options]
        if len(kept) < len(wanted):
            dropped.append(what)
        if kept:
            seed(kind, kept, column)

    seed("mis", filters.misclassified_only)
    if has_model_b(frame):
        seed("disagree", filters.disagree_only)
    elif filters.disagree_only:
        dropped.append("models disagree (no second model)")
    if ABS_ERROR in frame.columns:
        seed(
            "abs", min(filters.abs_error_above, filter_options(workspace).largest_error)
        )
    elif filters.abs_error_above:
        dropped.append("absolute error (no regression head)")
    if LABEL in frame.columns:
        keep("gold", filters.gold, set(frame[LABEL]), "gold label")
    keep("pred", filters.pred, set(workspace.labels), "predicted label")
    seed("conf", filters.confidence)
    seed("search", filters.search)
    seed("regex", filters.regex)
    for column, values in filters.categorical.items():
        source = session_frame(workspace) if column == ORIGIN else frame
        if column not in source.columns:
            dropped.append(column)
        elif column == ORIGIN:
            keep("origin", values, set(source[column].astype(str)), column)
        else:
            keep("cat", values, set(source[column].astype(str)), column, column)
    for column, (low, high) in filters.numeric.items():
        if column not in frame.columns or not is_continuous(frame[column]):
            dropped.append(column)
            continue
        least, most = float(frame[column].min()), float(frame[column].max())
        seed("num", (min(max(least, low), most), max(min(most, high), least)), column)
    if not dropped:
        return []
    return [f"Filters this data cannot apply were dropped: {', '.join(dropped)}."]


def filtered_frame(workspace: Workspace) -> pd.DataFrame:
    """The session's rows (overlay included) that pass the filters.

    Computed once per filter state: every later caller, in this run or a later
    one, gets the same frame while the workspace and the overlay stay the same
    objects and the filters equal; with no filter active, the session frame
    itself. Callers must not change it in place.
    """
    return state.kept_while_same(
        "filtered_frame",
        (workspace, st.session_state.get(state.OVERLAY)),
        (state.filters(),),
        lambda: _rows_passing_filters(workspace, state.filters()),
    )


def _rows_passing_filters(workspace: Workspace, filters: Filters) -> pd.DataFrame:
    frame = session_frame(workspace)
    if not filters.is_active():
        return frame
    try:
        return frame[filter_mask(frame, filters)]
    except LumenError:  # a bad regular expression: filter_widgets says so
        return frame[filter_mask(frame, replace(filters, search=""))]
