"""Regression: a one-output model's score against a numeric gold column.

Plotly, as on the Scalars page, for box and lasso selection on the scatter.
"""

import html
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from litcore.data.dataset import ID, TEXT, TEXT_B
from litcore.errors import LumenError
from litcore.regression import (
    ABS_ERROR,
    DEMO_TARGET,
    GOLD,
    RESIDUAL,
    SCORE,
    demo_rating_dir,
    demo_rating_ready,
    error_above,
    regression_frame,
    regression_metrics,
)
from litcore.score_salience import SCORE_METHODS
from litcore.ui import regression as regression_ui
from litcore.ui import state
from litcore.ui import workspace as ws
from litcore.ui.heatmap import token_heatmap_html
from litcore.ui.point_charts import (
    PRIMARY_MARKER,
    SELECTED_MARKER,
    point_trace,
    selectable_point_chart,
)
from litcore.ui.sidebar import filtered_frame

SOURCE_KEY, FOLDER_KEY, GOLD_KEY = (
    "regression_source",
    "regression_model",
    "regression_gold",
)
THRESHOLD_KEY, METHOD_KEY = "regression_error_above", "regression_method"
CHART_KEY, WORST_KEY = "regression_scatter", "regression_worst"
DEMO_HEAD = "Demo rating head (MiniLM fine-tuned on the movie ratings)"
OWN_MODEL = "Your model (folder or hub id)"
WORST_ROWS = 25


def _keep(key: str) -> None:
    """Stores a widget's value, so it survives a visit to another page."""
    st.session_state[state.REGRESSION_CHOICES][key] = st.session_state[key]


def _make_primary() -> None:
    rows = st.session_state[WORST_KEY]["selection"]["rows"]
    if rows:
        state.set_selection(state.selection().with_primary(worst.iloc[rows[0]][ID]))


workspace = ws.require()
for key, value in st.session_state[state.REGRESSION_CHOICES].items():
    st.session_state.setdefault(key, value)

st.title("Regression")
st.caption(
    "A model with one output predicts a number; here it is compared with a numeric "
    "column of the data. Drag a box or lasso on the scatter to select examples: the "
    "selection is shared with every other page."
)

# --- the model ------------------------------------------------------------------

source = st.radio(
    "Regression model",
    [DEMO_HEAD, OWN_MODEL],
    key=SOURCE_KEY,
    horizontal=True,
    on_change=partial(_keep, SOURCE_KEY),
)
try:
    if source == OWN_MODEL:
        model_source = st.text_input(
            "Folder or hub id of a model with one output "
            "(AutoModelForSequenceClassification, num_labels=1)",
            key=FOLDER_KEY,
            on_change=partial(_keep, FOLDER_KEY),
        )
        if not model_source.strip():
            st.info("Give the folder (or hub id) of a regression model.")
            st.stop()
    elif demo_rating_ready():
        model_source = str(demo_rating_dir())
    else:
        st.info(
            "The rating head is the demo's MiniLM encoder with a one-output head, "
            "fine-tuned on the movie demo's training snippets to predict their −4…+4 "
            "rating: about 90 s on two CPU cores, once; it is then cached on disk."
        )
        if not st.button("Train the rating head", key="regression_train"):
            st.stop()
        model_source = regression_ui.demo_rating_head(st.container())
    model = regression_ui.load_regressor(
        model_source, workspace.choice.trust_remote_code
    )
except LumenError as error:
    st.error(str(error))
    st.stop()

# --- the gold column and the scores ---------------------------------------------

data = workspace.data
numeric = [
    column
    for column in data.metadata_columns
    if pd.api.types.is_numeric_dtype(data.frame[column])
]
if not numeric:
    st.info(
        f"'{data.name}' has no numeric column to compare the score with. Map a "
        "numeric column (a score or rating) as metadata in the sidebar, or open the "
        "movie demo, whose rating the demo head predicts."
    )
    st.stop()
if st.session_state.get(GOLD_KEY) not in numeric:
    preferred = [c for c in (model.target, DEMO_TARGET) if c in numeric]
    st.session_state[GOLD_KEY] = (preferred or numeric)[0]
gold_column = st.selectbox(
    "Gold value (a numeric column of the data)",
    numeric,
    key=GOLD_KEY,
    on_change=partial(_keep, GOLD_KEY),
)
try:
    scores = regression_ui.scores(model.fingerprint, data.fingerprint, model, data)
    every_row = regression_frame(data.frame, scores, gold_column)
except LumenError as error:
    st.error(str(error))
    st.stop()
by_id = every_row.set_index(ID)
in_sidebar = every_row[every_row[ID].isin(filtered_frame(workspace)[ID])]
if in_sidebar.empty:
    st.info("The sidebar filters leave no examples.")
    st.stop()
largest_error = max(round(float(in_sidebar[ABS_ERROR].fillna(0).max()), 1), 0.1)
st.session_state[THRESHOLD_KEY] = min(
    st.session_state.get(THRESHOLD_KEY, 0.0), largest_error
)
threshold = st.slider(
    "Filter: absolute error > t (0 shows every example)",
    0.0,
    largest_error,
    step=0.1,
    key=THRESHOLD_KEY,
    on_change=partial(_keep, THRESHOLD_KEY),
)
shown = in_sidebar[error_above(in_sidebar, threshold)] if threshold else in_sidebar
shown = shown.reset_index(drop=True)
st.caption(
    f"{len(shown):,} of {len(every_row):,} examples shown (sidebar filters"
    f"{f' and absolute error > {threshold:.1f}' if threshold else ''})."
)
if shown[GOLD].notna().sum() < 2:
    st.info("Fewer than two shown examples have a gold value: widen the filters.")
    st.stop()

# --- metrics --------------------------------------------------------------------

selection = state.selection()
headline = regression_metrics(shown[GOLD], shown[SCORE])
cells = st.columns(5)
cells[0].metric("Examples", f"{headline['n']:,}")
cells[1].metric("MSE", f"{headline['mse']:.3f}")
cells[2].metric("MAE", f"{headline['mae']:.3f}")
cells[3].metric("Pearson r", f"{headline['pearson']:.3f}")
cells[4].metric("Spearman ρ", f"{headline['spearman']:.3f}")
chosen = shown[shown[ID].isin(selection.ids)]
if chosen[GOLD].notna().sum() >= 2:
    of_selection = regression_metrics(chosen[GOLD], chosen[SCORE])
    table = pd.DataFrame(
        {"Shown examples": headline, "Selection": of_selection}
    ).T.rename(
        columns={
            "n": "examples",
            "mse": "MSE",
            "mae": "MAE",
            "pearson": "Pearson r",
            "spearman": "Spearman ρ",
        }
    )
    shown_table = table.round(4).astype(object).where(table.notna(), "n/a")
    shown_table["examples"] = table["examples"].astype(int)
    st.dataframe(shown_table, width="stretch", key="regression_metrics")
    st.caption("n/a: a correlation needs scores and gold values that vary.")

# --- predicted vs gold ----------------------------------------------------------

hover = [
    f"{html.escape(str(t)[:140])}<br>gold <b>{g:.3f}</b> · score <b>{s:.3f}</b> · "
    f"error {r:+.3f}"
    for t, g, s, r in zip(shown[TEXT], shown[GOLD], shown[SCORE], shown[RESIDUAL])
]
points = shown.assign(hover=hover, x=shown[GOLD], y=shown[SCORE])
low = float(min(points[GOLD].min(), points[SCORE].min()))
high = float(max(points[GOLD].max(), points[SCORE].max()))


figure = go.Figure()
figure.add_trace(
    point_trace(
        points,
        f"Examples ({len(points):,})",
        {
            "size": 6,
            "opacity": 0.75,
            "color": points[ABS_ERROR],
            "colorscale": "Viridis",
            "colorbar": {"title": {"text": "|error|"}, "x": 1.02},
        },
    )
)
figure.add_trace(
    go.Scatter(
        x=[low, high],
        y=[low, high],
        mode="lines",
        name="score = gold",
        line={"dash": "dash", "color": "#c44e52"},
        hoverinfo="skip",
    )
)
chosen_points = points[points[ID].isin(selection.ids)]
if len(chosen_points):
    figure.add_trace(
        point_trace(
            chosen_points, f"Selected ({len(chosen_points):,})", SELECTED_MARKER
        )
    )
primary_point = points[points[ID] == selection.primary]
if len(primary_point):
    figure.add_trace(point_trace(primary_point, "Primary", PRIMARY_MARKER))
figure.update_layout(
    title=f"Predicted score against gold '{gold_column}' ({len(points):,} examples)",
    xaxis_title=f"Gold {gold_column}",
    yaxis_title="Predicted score",
    legend={"orientation": "h", "y": -0.15},
    legend_title_text="",
    dragmode="select",
    height=540,
)
selectable_point_chart(figure, CHART_KEY)

# --- residuals ------------------------------------------------------------------

residuals = go.Figure(
    go.Histogram(
        x=shown[RESIDUAL],
        nbinsx=40,
        name="Examples per residual bin",
        marker={"color": "#3b6ea8"},
        showlegend=True,
    )
)
residuals.add_vline(x=0, line_dash="dash", line_color="#c44e52")
residuals.update_layout(
    title="Residuals (predicted score − gold): right of 0 the model says too much",
    xaxis_title=f"Residual (score − gold {gold_column})",
    yaxis_title="Examples",
    legend={"orientation": "h", "y": -0.25},
    bargap=0.05,
    height=360,
)
st.plotly_chart(residuals, key="regression_residuals", width="stretch")

# --- the worst errors -----------------------------------------------------------

st.subheader(f"The {WORST_ROWS} largest errors")
st.caption("Click a row to make it the primary example (explained below).")
worst = (
    shown.dropna(subset=[ABS_ERROR])
    .sort_values(ABS_ERROR, ascending=False, kind="stable")
    .head(WORST_ROWS)
    .reset_index(drop=True)
)
columns = [c for c in (ID, TEXT, TEXT_B, GOLD, SCORE, RESIDUAL) if c in worst]
st.dataframe(
    worst[columns].round(3),
    key=WORST_KEY,
    on_select=_make_primary,
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config={TEXT: st.column_config.TextColumn("Text", width="large")},
)

# --- salience of the score ------------------------------------------------------

st.subheader("Which tokens drive the score")
primary = selection.primary if selection.primary in by_id.index else None
example_id = primary or (worst[ID].iloc[0] if len(worst) else None)
if example_id is None:
    st.stop()
row = by_id.loc[example_id]
method_name = st.selectbox(
    "Salience method",
    list(SCORE_METHODS),
    key=METHOD_KEY,
    on_change=partial(_keep, METHOD_KEY),
)
text_b = str(row[TEXT_B]) if TEXT_B in by_id.columns and pd.notna(row[TEXT_B]) else None
try:
    salience = regression_ui.score_explanation(
        model.fingerprint,
        method_name,
        SCORE_METHODS[method_name]().config(),
        str(row[TEXT]),
        text_b,
        model,
    )
except LumenError as error:
    st.error(str(error))
    st.stop()
gold_text = "no gold value" if pd.isna(row[GOLD]) else f"gold {row[GOLD]:.3f}"
st.caption(
    f"{'Primary example' if primary else 'No primary example: the largest error'} "
    f"{example_id} · score {salience.score:.3f} · {gold_text}. Green tokens raise the "
    "score, red ones lower it."
)
st.html(
    token_heatmap_html(
        salience.table(), True, "a higher score", f"{method_name} of the score"
    )
)
if "baseline_score" in salience.details:
    st.caption(
        f"The token scores sum to {salience.scores.sum():+.3f}: the score minus the "
        f"baseline text's score ({salience.details['baseline_score']:.3f}), up to "
        f"{abs(salience.details['convergence_delta']):.2g}."
    )
