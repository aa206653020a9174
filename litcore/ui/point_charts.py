"""Plotly point charts whose box, lasso and clicked points set the shared selection.

The Embeddings, Scalars and Regression pages draw their points with these: one
trace per category (or one with a colour bar), the selection, the primary and
the pinned example drawn over the rest, and escaped hover text. A chart sends
the browser at most ``POINT_BUDGET`` points (``within_budget``): the primary,
the pinned and the selected examples first, then a sample that stays the same
from run to run, and says so (``budget_caption``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import partial
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from litcore.data.dataset import is_continuous
from litcore.ui import state
from litcore.ui.charts import category_colours
from litcore.view.selection import Selection, member_mask

SNIPPET_CHARS = 140
# The most points a chart sends to the browser.
POINT_BUDGET = 5_000
POINT_MARKER = {"size": 6, "opacity": 0.75}
# How the selected points, the primary and the pinned example are drawn over
# the others, and the session's edited / generated examples.
SELECTED_MARKER = {
    "size": 11,
    "color": "rgba(0,0,0,0)",
    "line": {"width": 2, "color": "#111"},
}


def _filled_marker(symbol: str, colour: str, size: int) -> dict:
    return {
        "size": size,
        "symbol": symbol,
        "color": colour,
        "line": {"width": 2, "color": colour},
    }


PRIMARY_MARKER = _filled_marker("star", "#f2b701", 18)
PINNED_MARKER = _filled_marker("diamond", "#d6336c", 18)
ADDED_MARKER = _filled_marker("x", "#222", 9)


def sample_order(ids: pd.Series) -> np.ndarray:
    """``<int64>[n]``: row positions ordered by the hash of their id, the order in
    which ``within_budget`` samples; compute it once per set of rows.

    Ids are unique, so hashing them as they are gives the same hashes as
    pandas' default (which first looks for repeated values) five times faster.
    """
    hashes = pd.util.hash_array(ids.to_numpy(dtype=object), categorize=False)
    return np.argsort(hashes, kind="stable")


def within_budget(
    points: pd.DataFrame,
    selection: Selection,
    budget: int = POINT_BUDGET,
    order: np.ndarray | None = None,
) -> pd.DataFrame:
    """At most ``budget`` of ``points`` (rows with an ``id``), in their order.

    The primary and pinned examples are always kept, then the selected ones (up
    to the budget), then the rows whose id hashes lowest: a sample that does
    not move when the selection or the filters change. Under the budget,
    ``points`` itself.

    Args:
        order: ``sample_order(points["id"])``, when the caller keeps it.
    """
    if len(points) <= budget:
        return points
    ids = points["id"]
    order = sample_order(ids) if order is None else order
    marked = member_mask(ids, [i for i in (selection.primary, selection.pinned) if i])
    tier = np.where(marked, 0, np.where(member_mask(ids, selection.ids), 1, 2))
    ranked = order[np.argsort(tier[order], kind="stable")]
    return points.iloc[np.sort(ranked[:budget])]


def budget_caption(shown: int, total: int) -> str:
    """ "Showing N of M points" when a chart was sampled, else ""."""
    if shown >= total:
        return ""
    return (
        f"Showing {shown:,} of {total:,} points (the selection and a fixed sample; "
        "filter to see the others)."
    )


def hover_text(texts: pd.Series, details: Mapping[str, Sequence[object]]) -> list[str]:
    """Hover labels: the text's start, then each detail as ``name <b>value</b>``.

    Args:
        texts: one text per point.
        details: detail name -> one value per point (already formatted when a
            number needs a format), e.g. ``{"gold": ..., "predicted": ...}``.

    Returns:
        HTML per point in which every text and value is escaped.
    """
    snippets = texts.astype(str).str.slice(0, SNIPPET_CHARS)
    columns = [
        [f"{escape(name)} <b>{escape(str(value))}</b>" for value in values]
        for name, values in details.items()
    ]
    return [
        f"{escape(snippet)}<br>{' · '.join(parts)}"
        for snippet, *parts in zip(snippets, *columns, strict=True)
    ]


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


def colour_traces(
    points: pd.DataFrame,
    values: pd.Series,
    title: str,
    fixed_colours: Mapping[str, str] | None = None,
) -> list[go.Scattergl]:
    """The points coloured by ``values``: a trace per category (a legend entry
    each, ``PALETTE`` colours unless ``fixed_colours`` names one), or one trace
    with a colour bar titled ``title`` when the values are continuous."""
    if is_continuous(values):
        colour_bar = {
            "color": values,
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": title}},
        }
        return [point_trace(points, title, POINT_MARKER | colour_bar, showlegend=False)]
    categories = values.astype(str)
    colours = category_colours(categories) | dict(fixed_colours or {})
    traces = []
    for category, colour in sorted(colours.items()):
        members = points[(categories == category).to_numpy()]
        if len(members):
            name = f"{category} ({len(members):,})"
            traces.append(point_trace(members, name, POINT_MARKER | {"color": colour}))
    return traces


def selection_traces(
    points: pd.DataFrame, selection: Selection, with_pinned: bool = False
) -> list[go.Scattergl]:
    """The selected points, the primary example and (``with_pinned``) the
    pinned one, to draw over the others; only those among ``points``."""
    traces = []
    chosen = points[member_mask(points["id"], selection.ids)]
    if len(chosen):
        name = f"Selected ({len(chosen):,})"
        traces.append(point_trace(chosen, name, SELECTED_MARKER))
    roles = [("Primary", selection.primary, PRIMARY_MARKER)]
    if with_pinned:
        roles.append(("Pinned", selection.pinned, PINNED_MARKER))
    for role, example_id, marker in roles:
        row = points[points["id"] == example_id]
        if len(row):
            traces.append(point_trace(row, role, marker))
    return traces


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
