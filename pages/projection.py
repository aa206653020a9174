"""Embeddings: a 2-D map of the model's pooled embeddings, linked to the selection.

Plotly (WebGL scatter) rather than Altair: it has lasso as well as box
selection, and stays smooth with thousands of points.
"""

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from litcore.api.errors import LumenError
from litcore.projection import (
    EMBEDDING_FIELDS,
    PROJECTORS,
    UMAP_METRICS,
    UMAPProjection,
    nearest_neighbors,
)
from litcore.session.columns import (
    ABS_ERROR,
    AGREE,
    CONFIDENCE,
    CORRECT,
    LABEL,
    ORIGIN,
    PRED,
    PRED_SCORE,
    TEXT,
)
from litcore.session.overlay import ORIGINAL
from litcore.ui import cached, point_charts, state
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import count
from litcore.ui.point_charts import ADDED_MARKER, selectable_point_chart
from litcore.ui.progress import counting_bar
from litcore.ui.sidebar import filtered_frame

CHART_KEY = "projection_chart"
NEIGHBOURS_KEY = "projection_neighbours"
CORRECTNESS_COLOURS = {"correct": "#4a9c5d", "wrong": "#c44e52", "no gold": "#9aa3ad"}


def colour_fields(frame: pd.DataFrame, metadata: list[str]) -> dict[str, str]:
    """Display name -> column for the colour picker (only what the data has)."""
    fields = {"Gold label": LABEL, "Prediction": PRED, "Correct / wrong": CORRECT}
    fields |= {"Confidence": CONFIDENCE, "Models agree": AGREE}
    fields |= {"Predicted score": PRED_SCORE, "Absolute error": ABS_ERROR}
    fields |= {column: column for column in [*metadata, "length"]}
    return {name: column for name, column in fields.items() if column in frame}


def hover_text(rows: pd.DataFrame) -> list[str]:
    """Hover labels: snippet, gold, prediction and its confidence."""
    gold = rows[LABEL] if LABEL in rows else pd.Series("—", index=rows.index)
    predicted = [f"{p} ({c:.2f})" for p, c in zip(rows[PRED], rows[CONFIDENCE])]
    return point_charts.hover_text(rows[TEXT], {"gold": gold, "predicted": predicted})


def colour_traces(points: pd.DataFrame, column: str, title: str) -> list:
    """The points coloured by ``column`` (correctness in green / red / grey)."""
    values = points[column]
    if column == CORRECT:
        values = values.map({True: "correct", False: "wrong"}).fillna("no gold")
    return point_charts.colour_traces(points, values, title, CORRECTNESS_COLOURS)


workspace = ws.require()
st.title("Embeddings")
st.caption(
    "Each point is an example, placed by the model's pooled embedding. Drag a box or "
    "a lasso (toolbar, top right) to select points on every page."
)

frame = workspace.frame
controls = st.columns([1, 1, 1, 1])
field = controls[0].selectbox(
    "Embedding",
    list(EMBEDDING_FIELDS),
    format_func=EMBEDDING_FIELDS.get,
    index=1,
    key="proj_field",
)
method = controls[1].radio(
    "Projection", list(PROJECTORS), horizontal=True, key="proj_method"
)
colours = colour_fields(frame, workspace.data.metadata_columns)
# The regression head picked: colour by its error unless the user chose a colour.
by_head = "Absolute error" if ws.chosen_head(workspace).is_regression else None
colour_name = controls[2].selectbox(
    "Colour by",
    list(colours),
    index=list(colours).index(by_head) if by_head in colours else 0,
    key="proj_colour",
)
only_shown = controls[3].toggle(
    "Only filtered examples",
    value=False,
    key="proj_only_shown",
    help="Hide the points the sidebar filters leave out (the map stays the same).",
)
params: dict[str, object] = {}
if method == "UMAP":
    with st.expander("UMAP parameters"):
        left, middle, right = st.columns(3)
        params = {
            "n_neighbors": left.slider("n_neighbors", 2, 100, 15, key="umap_nn"),
            "min_dist": middle.slider(
                "min_dist", 0.0, 0.99, 0.1, step=0.01, key="umap_min_dist"
            ),
            "metric": right.selectbox("metric", UMAP_METRICS, key="umap_metric"),
        }

model, data = workspace.model, workspace.data
vectors = cached.embeddings(model.fingerprint, data.fingerprint, field, model, frame)
config = tuple(sorted(params.items()))
try:
    with (
        st.spinner(f"Computing the {method} projection (once, then cached)…"),
        counting_bar(st.empty(), f"{method}: placed") as report,
    ):
        projected = cached.projection(
            model.fingerprint, data.fingerprint, field, method, config, vectors, report
        )
except LumenError as error:
    st.error(plain(error))
    st.stop()
if projected.note:
    st.info(projected.note)
elif method == "UMAP" and len(vectors) > UMAPProjection().fit_sample:
    st.caption(
        f"UMAP was fitted on a seeded sample of {UMAPProjection().fit_sample:,} of "
        f"the {len(vectors):,} examples; the others were placed on that map."
    )

points = frame.assign(x=projected.coords[:, 0], y=projected.coords[:, 1])
session = ws.session_frame(workspace)
added = session[session[ORIGIN] != ORIGINAL]
if len(added):
    added_vectors = cached.embeddings(
        model.fingerprint, "added:" + ",".join(added["id"]), field, model, added
    )
    placed = cached.placed_points(
        model.fingerprint,
        data.fingerprint,
        field,
        method,
        config,
        vectors,
        added_vectors,
    )
    added = added.assign(x=placed[:, 0], y=placed[:, 1])
    points = pd.concat([points, added], ignore_index=True)
shown = filtered_frame(workspace) if only_shown else None
if shown is not None:
    points = points[points["id"].isin(shown["id"])]
selection = state.selection()
placed = len(points)
# The drawn points and their hover text, kept while nothing they show changes.
points = state.kept_while_same(
    "projection_points",
    (workspace.frame, session, shown),
    (field, method, config, selection),
    lambda: (drawn := point_charts.within_budget(points, selection)).assign(
        hover=hover_text(drawn)
    ),
)
selected = points[points["id"].isin(selection.ids)]
figure = go.Figure(colour_traces(points, colours[colour_name], colour_name))
if len(added):  # only the session frame has an origin column
    new_points = points[points[ORIGIN].fillna(ORIGINAL) != ORIGINAL]
    name = f"Edited / generated ({len(new_points)})"
    figure.add_trace(point_charts.point_trace(new_points, name, ADDED_MARKER))
figure.add_traces(point_charts.selection_traces(points, selection, with_pinned=True))
axis = "PC" if projected.note or method == "PCA" else "UMAP "
figure.update_layout(
    title=f"{method} of the {EMBEDDING_FIELDS[field].lower()} embedding "
    f"({count(placed, 'example')})",
    xaxis_title=f"{axis}1",
    yaxis_title=f"{axis}2",
    legend_title_text=colour_name,
    dragmode="select",
    height=620,
    margin={"l": 40, "r": 20, "t": 60, "b": 40},
)
selectable_point_chart(figure, CHART_KEY)
hidden = len(set(selection.ids) - set(points["id"]))
st.caption(
    f"{len(selected):,} selected points highlighted"
    + (f"; {hidden:,} selected examples are not plotted" if hidden else "")
    + ". ★ primary, ◆ pinned. "
    + point_charts.budget_caption(len(points), placed)
)

st.subheader("Nearest neighbours of the primary example")
if selection.primary not in set(frame["id"]):
    st.caption("Pick a primary example (click a point, or a table row) to see these.")
    st.stop()
k = st.slider("Neighbours (k)", 1, 50, 10, key="proj_k")
primary_row = int(np.flatnonzero(frame["id"].to_numpy() == selection.primary)[0])
order, similarity = nearest_neighbors(vectors, primary_row, k)
neighbours = frame.iloc[order][["id", TEXT, PRED, CONFIDENCE]].assign(cosine=similarity)
if LABEL in frame:
    neighbours.insert(2, LABEL, frame.iloc[order][LABEL].to_numpy())
neighbours = neighbours.reset_index(drop=True)
st.markdown(f"Primary: {plain(frame.iloc[primary_row][TEXT][:300])}")


def _select_neighbours() -> None:
    primary = state.selection().primary
    state.set_selection(
        state.selection().select([primary, *neighbours["id"]]).with_primary(primary)
    )


def _neighbour_primary() -> None:
    rows = st.session_state[NEIGHBOURS_KEY]["selection"]["rows"]
    if rows:
        state.set_selection(
            state.selection().with_primary(neighbours.loc[rows[0], "id"])
        )


st.button(
    f"Select the primary and these {len(neighbours)} neighbours",
    key="proj_select_neighbours",
    on_click=_select_neighbours,
)
st.dataframe(
    neighbours,
    key=NEIGHBOURS_KEY,
    on_select=_neighbour_primary,
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config={
        TEXT: st.column_config.TextColumn("Text", width="large"),
        "cosine": st.column_config.NumberColumn("Cosine", format="%.3f"),
        CONFIDENCE: st.column_config.NumberColumn("Confidence", format="%.3f"),
    },
)
st.caption("Click a neighbour's row to make it the primary example.")
