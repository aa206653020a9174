"""Plotly point charts whose box, lasso and clicked points set the shared selection.

The Embeddings, Scalars and Regression pages draw their points with these: one
trace per category (or one with a colour bar), the selection, the primary and
the pinned example drawn over the rest, and escaped hover text; the traces
skip Plotly's checks of each value (``point_trace``), the layout does not. A
chart sends the browser at most ``POINT_BUDGET`` points (``within_budget``):
the primary, the pinned and the selected examples first, then a sample that
stays the same from run to run, and says so (``budget_caption``).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from functools import partial
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from litcore.data.dataset import is_continuous
from litcore.ui import state
from litcore.ui.charts import category_colours
from litcore.ui.sent_figure import SentFigure
from litcore.view.id_hashes import id_hashes
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


# Viridis spelt out as Plotly's checks spell it, which the traces here skip.
VIRIDIS = go.scattergl.Marker(colorscale="Viridis").to_plotly_json()["colorscale"]
PRIMARY_MARKER = _filled_marker("star", "#f2b701", 18)
PINNED_MARKER = _filled_marker("diamond", "#d6336c", 18)
ADDED_MARKER = _filled_marker("x", "#222", 9)


def sample_order(ids: pd.Series) -> np.ndarray:
    """``<int64>[n]``: row positions ordered by the hash of their id
    (``litcore.view.id_hashes``), the order in which ``within_budget`` samples;
    compute it once per set of rows.

    The 64-bit hashes need no stable sort (NumPy's default sort: 30 ms against
    120 ms for a million).
    """
    return np.argsort(id_hashes(ids))


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


# The prefix of a points column that holds one hover detail per point.
DETAIL = "hover: "


def hover_columns(
    texts: pd.Series, details: Mapping[str, Sequence[object]]
) -> pd.DataFrame:
    """The hover of each point as columns for ``point_trace``: ``hover``, the
    start of its text, and ``hover: <name>`` per detail, every value escaped.

    A trace sends each point's text, and only the details that differ between
    its points: the others, and ``point_trace``'s ``coordinates``, are written
    once in its hover template.

    Args:
        texts: one text per point; the columns keep its index.
        details: detail name -> one value per point (already formatted when a
            number needs a format), e.g. ``{"gold": ..., "predicted": ...}``.
    """
    snippets = pc.utf8_slice_codeunits(_strings(texts), 0, SNIPPET_CHARS)
    columns = {"hover": _escaped(snippets)}
    for name, values in details.items():
        if len(values) != len(texts):
            raise ValueError(
                f"The hover detail {name!r} has {len(values)} values for "
                f"{len(texts)} texts: give one value per point."
            )
        columns[DETAIL + name] = _escaped(_strings(values))
    return pd.DataFrame(
        {name: pd.arrays.ArrowExtensionArray(array) for name, array in columns.items()},
        index=texts.index,
    )


def hover_text(texts: pd.Series, details: Mapping[str, Sequence[object]]) -> list[str]:
    """Hover labels in one piece: the text's start, then each detail as
    ``name <b>value</b>``, escaped (``hover_columns`` joined).

    Built a column at a time with Arrow (``html.escape`` in a Python loop took
    30-50 ms for 5,000 points); the same labels as that loop gave.
    """
    columns = hover_columns(texts, details)
    below = [_details_html(_details(columns))] if details else []
    snippets = pa.array(columns["hover"])
    return pc.binary_join_element_wise(snippets, "<br>", *below, "").to_pylist()


def _details(points: pd.DataFrame) -> dict[str, pa.Array]:
    """Detail name -> its escaped values, from ``points``' ``hover: `` columns."""
    return {
        column.removeprefix(DETAIL): pa.array(points[column])
        for column in points.columns
        if column.startswith(DETAIL)
    }


def _details_html(details: Mapping[str, pa.Array]) -> pa.Array:
    """``name <b>value</b>`` per detail, joined by " · ", for each point."""
    pieces: list[object] = []
    for position, (name, values) in enumerate(details.items()):
        separator = " · " if position else ""
        pieces += [f"{separator}{escape(name)} <b>", values, "</b>"]
    return pc.binary_join_element_wise(*pieces, "")


# What html.escape replaces, in its order ("&" first).
_HTML_ESCAPES = (
    ("&", "&amp;"),
    ("<", "&lt;"),
    (">", "&gt;"),
    ('"', "&quot;"),
    ("'", "&#x27;"),
)


def _strings(values: Sequence[object]) -> pa.Array:
    """``str`` of each value (not escaped: ``None`` is "None"), as Arrow strings."""
    objects = np.asarray(values, dtype=object)  # not item by item from Arrow
    return pa.array([str(value) for value in objects], type=pa.string())


def _escaped(strings: pa.Array) -> pa.Array:
    """``html.escape`` of each string, over the whole array at once."""
    for character, entity in _HTML_ESCAPES:
        strings = pc.replace_substring(strings, character, entity)
    return strings


def _hover(
    points: pd.DataFrame, coordinates: Mapping[str, str]
) -> tuple[str, list[str] | None]:
    """A trace's hover template, and its points' ``hovertext`` (None: not needed).

    The template shows the text, then each detail: written in it when all the
    trace's points share the value, else read from ``hovertext`` (the value,
    or, when several details differ, all of them as HTML); then each
    coordinate detail.
    """
    details = _details(points)
    varying = [name for name, values in details.items() if not _shared(values)]
    if len(varying) > 1:
        parts = ["%{hovertext}"]
        hovertext = _details_html(details).to_pylist()
    else:
        parts = [
            f"{escape(name)} <b>%{{hovertext}}</b>"
            if name in varying
            else f"{escape(name)} <b>{_literal(values[0].as_py())}</b>"
            for name, values in details.items()
        ]
        hovertext = details[varying[0]].to_pylist() if varying else None
    parts += [
        f"{escape(name)} <b>%{{{reference}}}</b>"
        for name, reference in coordinates.items()
    ]
    below = "<br>" + " · ".join(parts) if parts else ""
    return f"%{{text}}{below}<extra></extra>", hovertext


def _shared(values: pa.Array) -> bool:
    """Whether there are values and all are the first."""
    return len(values) > 0 and pc.all(pc.equal(values, values[0])).as_py()


def _literal(escaped: str) -> str:
    """An escaped value written into a hover template, which would read a
    ``%{...}`` in it as a field: its "%" as an HTML entity."""
    return escaped.replace("%", "&#37;")


def point_trace(
    points: pd.DataFrame,
    name: str,
    marker: dict,
    coordinates: Mapping[str, str] | None = None,
    **options,
) -> go.Scattergl:
    """A marker trace of ``points`` (columns ``x``, ``y``, ``id``, ``hover`` and
    ``hover: `` details, see ``hover_columns``).

    Each point carries its example id as ``customdata``, which a selection on
    the chart hands back; ``hover`` is the (escaped) start of the hover text.
    The trace is built from plain arrays without Plotly's checks of each
    property (they cost about 30 ms for 5,000 points); ``point_figure`` draws
    such traces, and ``tests/test_point_charts.py`` checks that they serialise
    to what the checked traces do.

    Args:
        coordinates: hover details read from a coordinate, name -> Plotly
            field and format, e.g. ``{"score": "y:.3f"}``.
    """
    template, hovertext = _hover(points, coordinates or {})
    if hovertext is not None:
        options["hovertext"] = hovertext
    return go.Scattergl(
        x=typed_array(points["x"]),
        y=typed_array(points["y"]),
        customdata=points["id"].tolist(),
        text=pa.array(points["hover"]).to_pylist(),
        mode="markers",
        name=name,
        hovertemplate=template,
        marker=marker,
        _validate=False,
        **options,
    )


def typed_array(values: Sequence[float]) -> dict[str, str]:
    """``values`` as float64 in Plotly's typed-array form (base64), which Plotly
    itself would write them as. Written here, Plotly does not look for a
    dataframe library in them (which took 13 ms on a process's first chart)."""
    data = np.ascontiguousarray(values, dtype="<f8")
    return {"dtype": "f8", "bdata": base64.b64encode(data).decode("ascii")}


def point_figure(traces: Sequence[go.BaseTraceType], layout: dict) -> go.Figure:
    """A figure of ``traces`` (from ``point_trace``) and ``layout``.

    The layout is checked, and Plotly's shorthand in it (``xaxis_title``...)
    expanded; the traces are taken as they are (a figure built with checks
    would check them all again).
    """
    checked = go.Layout(layout).to_plotly_json()
    return SentFigure(list(traces), checked, _validate=False)


def colour_traces(
    points: pd.DataFrame,
    values: pd.Series,
    title: str,
    fixed_colours: Mapping[str, str] | None = None,
    coordinates: Mapping[str, str] | None = None,
) -> list[go.Scattergl]:
    """The points coloured by ``values``: a trace per category (a legend entry
    each, ``PALETTE`` colours unless ``fixed_colours`` names one), or one trace
    with a colour bar titled ``title`` when the values are continuous.
    ``coordinates``: see ``point_trace``."""
    trace = partial(point_trace, coordinates=coordinates)
    if is_continuous(values):
        colour_bar = {
            "color": typed_array(values),
            "colorscale": VIRIDIS,
            "colorbar": {"title": {"text": title}},
        }
        return [trace(points, title, POINT_MARKER | colour_bar, showlegend=False)]
    categories = values.astype(str)
    colours = category_colours(categories.unique()) | dict(fixed_colours or {})
    traces = []
    for category, colour in sorted(colours.items()):
        members = points[(categories == category).to_numpy()]
        if len(members):
            name = f"{category} ({len(members):,})"
            traces.append(trace(members, name, POINT_MARKER | {"color": colour}))
    return traces


def selection_traces(
    points: pd.DataFrame,
    selection: Selection,
    with_pinned: bool = False,
    coordinates: Mapping[str, str] | None = None,
) -> list[go.Scattergl]:
    """The selected points, the primary example and (``with_pinned``) the
    pinned one, to draw over the others; only those among ``points``.
    ``coordinates``: see ``point_trace``."""
    trace = partial(point_trace, coordinates=coordinates)
    traces = []
    chosen = points[member_mask(points["id"], selection.ids)]
    if len(chosen):
        name = f"Selected ({len(chosen):,})"
        traces.append(trace(chosen, name, SELECTED_MARKER))
    roles = [("Primary", selection.primary, PRIMARY_MARKER)]
    if with_pinned:
        roles.append(("Pinned", selection.pinned, PINNED_MARKER))
    for role, example_id, marker in roles:
        row = points[points["id"] == example_id]
        if len(row):
            traces.append(trace(row, role, marker))
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
