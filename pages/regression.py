"""Regression: the regression head's score against its numeric gold column.

The head is added in the sidebar ("Heads"): the movie demo's rating head or the
user's own one-output model. Plotly, as on the Scalars page, for box and lasso
selection on the scatter.
"""

import streamlit as st

from litcore.session.columns import ABS_ERROR, ID, PRED_SCORE, RESIDUAL, TEXT, TEXT_B
from litcore.ui import regression as regression_ui
from litcore.ui import state
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import count, model_name
from litcore.ui.sidebar import filtered_frame

CHART_KEY, WORST_KEY = "regression_scatter", "regression_worst"
WORST_ROWS = 25


def _make_primary() -> None:
    rows = st.session_state[WORST_KEY]["selection"]["rows"]
    if rows:
        state.set_selection(state.selection().with_primary(worst.iloc[rows[0]][ID]))


workspace = ws.require()
st.title("Regression")
st.caption(
    "A regression head predicts a number for each example; here it is compared "
    "with a numeric column of the data. Drag a box or lasso on the scatter to "
    "select examples: the selection is shared with every other page."
)
model, gold = workspace.regressor, workspace.regression_gold
if model is None:
    st.info(
        "Add a regression head in the sidebar, under **Heads**: MiniLM fine-tuned "
        "to predict a numeric column of the data (on the movie demo, its −4…+4 "
        "rating: about 90 s once, then cached), or your own one-output model "
        "(AutoModelForSequenceClassification, num_labels=1) with the column it "
        "predicts."
    )
    st.stop()

shown = filtered_frame(workspace).reset_index(drop=True)
threshold = state.filters().abs_error_above
st.caption(
    f"Head: {plain(gold)} (regression), {plain(model_name(model.source))}. "
    f"{len(shown):,} of "
    f"{count(len(workspace.frame), 'example')} shown (sidebar filters"
    f"{f', absolute error > {threshold:.1f}' if threshold else ''})."
)
if shown[gold].notna().sum() < 2:
    st.info("Fewer than two shown examples have a gold value: widen the filters.")
    st.stop()

selection = state.selection()
regression_ui.headline_metrics(shown, gold)
chosen = shown[shown[ID].isin(selection.ids)]
if chosen[gold].notna().sum() >= 2:
    table = regression_ui.metrics_table(
        {"Shown examples": shown, "Selection": chosen}, gold
    )
    st.dataframe(table, width="stretch", key="regression_metrics")
    st.caption("n/a: a correlation needs scores and gold values that vary.")
regression_ui.score_scatter(shown, gold, selection, CHART_KEY)
regression_ui.residual_histogram(shown, gold, "regression_residuals")

st.subheader(f"The {WORST_ROWS} largest errors")
st.caption("Click a row to make it the primary example (explained below).")
worst = (
    shown.dropna(subset=[ABS_ERROR])
    .sort_values(ABS_ERROR, ascending=False, kind="stable")
    .head(WORST_ROWS)
    .reset_index(drop=True)
)
columns = [c for c in (ID, TEXT, TEXT_B, gold, PRED_SCORE, RESIDUAL) if c in worst]
st.dataframe(
    worst[columns].round(3),
    key=WORST_KEY,
    on_select=_make_primary,
    selection_mode="single-row",
    hide_index=True,
    width="stretch",
    column_config={TEXT: st.column_config.TextColumn("Text", width="large")},
)

st.subheader("Which tokens drive the score")
by_id = shown.set_index(ID)
primary = selection.primary if selection.primary in by_id.index else None
example_id = primary or (worst[ID].iloc[0] if len(worst) else None)
if example_id is None:
    st.stop()
what = "Primary example" if primary else "No primary example: the largest error"
regression_ui.score_salience(
    model,
    by_id.loc[example_id],
    gold,
    "regression_method",
    f"{what} {example_id}",
)
