"""The Embeddings page's map: its points, the drawn sample, the figure and the
nearest neighbours of the primary example.

Each is kept (``state.kept_while_same``) while what it is made from stays the
same, so a rerun that changes nothing does nothing in proportion to the rows.
At 50,000 rows the page spent 0.25-0.4 s of every rerun copying the frame,
matching ids and ranking neighbours again.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from litcore import projection
from litcore.session.columns import CONFIDENCE, CORRECT, LABEL, ORIGIN, PRED, TEXT
from litcore.session.overlay import ORIGINAL
from litcore.ui import point_charts, state
from litcore.ui.point_charts import ADDED_MARKER
from litcore.view.selection import Selection, member_mask

CORRECTNESS_COLOURS = {"correct": "#4a9c5d", "wrong": "#c44e52", "no gold": "#9aa3ad"}


def added_rows(session: pd.DataFrame) -> pd.DataFrame:
    """The session's edited and generated rows (kept per session frame)."""
    return state.kept_while_same(
        "projection_added",
        (session,),
        (),
        lambda: session[session[ORIGIN] != ORIGINAL],
    )


def map_points(
    frame: pd.DataFrame,
    coords: np.ndarray,
    added: pd.DataFrame,
    added_coords: np.ndarray | None,
    shown: pd.DataFrame | None,
    projection_config: tuple,
) -> pd.DataFrame:
    """Every point of the map: ``frame``'s rows at ``coords`` then ``added`` at
    ``added_coords``, only those in ``shown`` when given.

    Kept while ``frame``, ``added`` and ``shown`` stay the same objects and
    ``projection_config`` (field, method, parameters: what ``coords`` are) equal.
    """

    def compute() -> pd.DataFrame:
        points = frame.assign(x=coords[:, 0], y=coords[:, 1])
        if added_coords is not None and len(added):
            placed = added.assign(x=added_coords[:, 0], y=added_coords[:, 1])
            points = pd.concat([points, placed], ignore_index=True)
        if shown is not None:
            points = points[member_mask(points["id"], shown["id"])]
        return points

    return state.kept_while_same(
        "projection_map", (frame, added, shown), projection_config, compute
    )


def hover_columns(rows: pd.DataFrame) -> pd.DataFrame:
    """Hover columns (``point_charts.hover_columns``): snippet, gold, prediction
    and its confidence."""
    gold = rows[LABEL] if LABEL in rows else pd.Series("—", index=rows.index)
    predicted = [f"{p} ({c:.2f})" for p, c in zip(rows[PRED], rows[CONFIDENCE])]
    return point_charts.hover_columns(
        rows[TEXT], {"gold": gold, "predicted": predicted}
    )


def drawn_points(points: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """The points sent to the browser (``within_budget``) with their hover
    columns, kept while ``points`` stays the same object and the selection equal."""
    return state.kept_while_same(
        "projection_points",
        (points,),
        (selection,),
        lambda: pd.concat(
            [
                drawn := point_charts.within_budget(points, selection),
                hover_columns(drawn),
            ],
            axis=1,
        ),
    )


def colour_traces(points: pd.DataFrame, column: str, title: str) -> list:
    """The points coloured by ``column`` (correctness in green / red / grey)."""
    values = points[column]
    if column == CORRECT:
        values = values.map({True: "correct", False: "wrong"}).fillna("no gold")
    return point_charts.colour_traces(points, values, title, CORRECTNESS_COLOURS)


def map_figure(
    points: pd.DataFrame,
    selection: Selection,
    colour: tuple[str, str],
    with_added: bool,
    layout: dict,
) -> go.Figure:
    """The map of the drawn ``points``, kept while they stay the same object and
    the other inputs equal.

    Args:
        colour: (display name, column) the points are coloured by.
        with_added: whether to mark the edited and generated points.
        layout: the figure's layout (title, axis titles...).
    """

    def compute() -> go.Figure:
        name, column = colour
        traces = colour_traces(points, column, name)
        if with_added:  # only the session frame has an origin column
            new = points[points[ORIGIN].fillna(ORIGINAL) != ORIGINAL]
            label = f"Edited / generated ({len(new)})"
            traces.append(point_charts.point_trace(new, label, ADDED_MARKER))
        traces += point_charts.selection_traces(points, selection, with_pinned=True)
        return point_charts.point_figure(
            traces, {"legend_title_text": name, "dragmode": "select", **layout}
        )

    return state.kept_while_same(
        "projection_figure",
        (points,),
        (selection, colour, with_added, layout),
        compute,
    )


def row_of(frame: pd.DataFrame, example_id: str | None) -> int | None:
    """The position of ``example_id`` in ``frame`` (None: not there); the id
    index is kept per frame."""
    positions = state.kept_while_same(
        "projection_row_of",
        (frame,),
        (),
        lambda: {i: row for row, i in enumerate(frame["id"].tolist())},
    )
    return positions.get(example_id)


def neighbours(
    vectors: np.ndarray, frame: pd.DataFrame, row: int, k: int
) -> pd.DataFrame:
    """The ``k`` rows of ``frame`` nearest to row ``row`` by cosine similarity of
    ``vectors`` (id, text, gold, prediction, confidence, cosine), kept while
    ``vectors`` and ``frame`` stay the same objects and ``row`` and ``k`` equal.
    """

    def compute() -> pd.DataFrame:
        order, similarity = projection.nearest_neighbors(vectors, row, k)
        table = frame.iloc[order][["id", TEXT, PRED, CONFIDENCE]]
        table = table.assign(cosine=similarity)
        if LABEL in frame:
            table.insert(2, LABEL, frame.iloc[order][LABEL].to_numpy())
        return table.reset_index(drop=True)

    return state.kept_while_same(
        "projection_neighbours", (vectors, frame), (row, k), compute
    )
