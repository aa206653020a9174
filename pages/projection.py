"""Embeddings: a 2-D map of the model's pooled embeddings, linked to the selection.

Plotly (WebGL scatter) rather than Altair: it has lasso as well as box
selection, and stays smooth with thousands of points.
"""

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.projection import (
    EMBEDDING_FIELDS,
    PROJECTORS,
    UMAP_METRICS,
    UMAPProjection,
)
from litcore.session.columns import (
    ABS_ERROR,
    AGREE,
    CONFIDENCE,
    CORRECT,
    LABEL,
    PRED,
    PRED_SCORE,
    TEXT,
)
from litcore.ui import cached, embedding_map, point_charts, state
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import count
from litcore.ui.point_charts import selectable_point_chart
from litcore.ui.progress import counting_bar
from litcore.ui.sidebar import filtered_frame
from litcore.view.selection import member_mask

CHART_KEY = "projection_chart"
NEIGHBOURS_KEY = "projection_neighbours"


def colour_fields(frame: pd.DataFrame, metadata: list[str]) -> dict[str, str]:
    """Display name -> column for the colour picker (only what the data has)."""
    fields = {"Gold label": LABEL, "Prediction": PRED, "Correct / wrong": CORRECT}
    fields |= {"Confidence": CONFIDENCE, "Models agree": AGREE}
    fields |= {"Predicted score": PRED_SCORE, "Absolute error": ABS_ERROR}
    fields |= {column: column for column in [*metadata, "length"]}
    return {name: column for name, column in fields.items() if column in frame}


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

session = ws.session_frame(workspace)
added = embedding_map.added_rows(session)
added_coords = None
if len(added):
    added_vectors = cached.embeddings(
        model.fingerprint, "added:" + ",".join(added["id"]), field, model, added
    )
    added_coords = cached.placed_points(
        model.fingerprint,
        data.fingerprint,
        field,
        method,
        config,
        vectors,
        added_vectors,
    )
shown = filtered_frame(workspace) if only_shown else None
# Each step is kept while its inputs stay the same: a rerun redoes none of it.
every_point = embedding_map.map_points(
    frame, projected.coords, added, added_coords, shown, (field, method, config)
)
selection = state.selection()
points = embedding_map.drawn_points(every_point, selection)
axis = "PC" if projected.note or method == "PCA" else "UMAP "
layout = {
    "title": f"{method} of the {EMBEDDING_FIELDS[field].lower()} embedding "
    f"({count(len(every_point), 'example')})",
    "xaxis_title": f"{axis}1",
    "yaxis_title": f"{axis}2",
    "height": 620,
    "margin": {"l": 40, "r": 20, "t": 60, "b": 40},
}
figure = embedding_map.map_figure(
    points, selection, (colour_name, colours[colour_name]), bool(len(added)), layout
)
selectable_point_chart(figure, CHART_KEY)
selected = int(member_mask(points["id"], selection.ids).sum())
hidden = len(selection.ids) - selected
st.caption(
    f"{selected:,} selected points highlighted"
    + (f"; {hidden:,} selected examples are not plotted" if hidden else "")
    + ". ★ primary, ◆ pinned. "
    + point_charts.budget_caption(len(points), len(every_point))
)

st.subheader("Nearest neighbours of the primary example")
primary_row = embedding_map.row_of(frame, selection.primary)
if primary_row is None:
    st.caption("Pick a primary example (click a point, or a table row) to see these.")
    st.stop()
k = st.slider("Neighbours (k)", 1, 50, 10, key="proj_k")
neighbours = embedding_map.neighbours(vectors, frame, primary_row, k)
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
