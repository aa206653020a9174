"""Datapoint editor: edit the primary example, analyse it as a new one, compare."""

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.salience import registry as salience_registry
from litcore.session.columns import (
    LABEL,
    ORIGIN,
    PARENT_ID,
    PRED,
    PRED_SCORE,
    TEXT,
    TEXT_B,
    TRUNCATED,
    proba_column,
)
from litcore.session.overlay import EDITED, ORIGINAL, NewExample
from litcore.ui import cached, state
from litcore.ui import workspace as ws
from litcore.ui.downloads import csv_download
from litcore.ui.escape import code, plain
from litcore.ui.formatting import count
from litcore.ui.heatmap import heatmap_scale, token_heatmap_html
from litcore.ui.sidebar import filtered_frame
from litcore.ui.slices import session_slices
from litcore.view.textdiff import diff_html

PICK_KEY = "editor_pick"
SALIENCE_KEY = "editor_salience_method"
DEFAULT_SALIENCE = "Gradient × input"

workspace = ws.require()
data = workspace.data
frame = ws.session_frame(workspace).set_index("id", drop=False)
selection = state.selection()
st.title("Datapoint editor")
st.caption(
    "Edit the primary example and press Analyze: the edit becomes a new datapoint "
    "of this session (the original stays as it is), the primary example, and is "
    "compared with the original, which is pinned."
)


def _pick_primary() -> None:
    picked = st.session_state[PICK_KEY]
    if picked:
        state.set_selection(state.selection().with_primary(picked))


primary = selection.primary if selection.primary in frame.index else None
if primary is None:
    choices = filtered_frame(workspace)["id"].head(500).tolist()
    st.info("No primary example yet: pick one here, or click a row in the Data table.")
    st.selectbox(
        "Example to edit",
        choices,
        index=None,
        key=PICK_KEY,
        format_func=lambda i: f"{i} · {frame.at[i, TEXT][:90]}",
        on_change=_pick_primary,
    )
    st.stop()

row = frame.loc[primary]
labels = list(data.labels)


def _metadata_input(column: str, value):
    key = f"edit_meta_{column}_{primary}"
    if pd.api.types.is_numeric_dtype(data.frame[column]):
        number = None if pd.isna(value) else float(value)
        return st.number_input(plain(column), value=number, key=key)
    return st.text_input(
        plain(column), value="" if pd.isna(value) else str(value), key=key
    )


with st.form(f"editor_form_{primary}"):
    st.markdown(f"Editing {code(primary)} ({plain(row[ORIGIN])})")
    text = st.text_area("Text", value=row[TEXT], key=f"edit_text_{primary}")
    text_b = None
    if data.has_text_b:
        text_b = st.text_area(
            "Second text", value=row[TEXT_B], key=f"edit_text_b_{primary}"
        )
    label = None
    if data.has_labels:
        label = st.selectbox(
            "Gold label",
            labels,
            index=labels.index(row[LABEL]) if row[LABEL] in labels else 0,
            key=f"edit_label_{primary}",
        )
    metadata = {c: _metadata_input(c, row[c]) for c in data.metadata_columns}
    analyze = st.form_submit_button(
        "Analyze new datapoint", type="primary", key="editor_analyze"
    )

if analyze:
    example = NewExample(text, text_b, label, metadata, primary, EDITED)
    try:
        overlay, (added,) = state.overlay(data.fingerprint).add(data, [example])
    except LumenError as error:
        st.error(plain(error))
    else:
        if added.is_new:
            state.set_overlay(overlay)
            for note in added.notes:
                st.toast(note)
            state.set_selection(selection.with_primary(added.id).with_pinned(primary))
            st.rerun()
        st.info(f"Nothing new: this datapoint already exists as {code(added.id)}.")

pinned = selection.pinned if selection.pinned in frame.index else None
if pinned is None or pinned == primary:
    st.caption("Edit the text and press Analyze to compare before and after.")
    st.stop()

before, after = frame.loc[pinned], frame.loc[primary]
flipped = before[PRED] != after[PRED]
st.subheader("Before and after")
columns = st.columns(2)
for column, title, item in zip(columns, ("Before", "After"), (before, after)):
    with column:
        st.markdown(f"**{title}** · {code(item['id'])} · {plain(item[ORIGIN])}")
        st.text(item[TEXT] if TEXT_B not in item else f"{item[TEXT]}\n{item[TEXT_B]}")
        st.metric(
            "Predicted label",
            item[PRED],
            f"{item['confidence']:.1%} confidence",
            delta_color="off",
        )
        if title == "After" and flipped:
            st.badge("flipped", color="red", icon=":material/swap_horiz:")
        if workspace.regressor is not None:  # the regression head's score too
            change = after[PRED_SCORE] - before[PRED_SCORE]
            st.metric(
                f"Predicted {plain(workspace.regression_gold)} (regression head)",
                f"{item[PRED_SCORE]:.3f}",
                f"{change:+.3f}" if title == "After" else None,
                delta_color="off",
            )
        if item[TRUNCATED]:
            st.warning(
                f"Longer than the model's {workspace.model.max_length} tokens: it "
                "saw only the start (salience shows what it saw)."
            )

probabilities = pd.DataFrame(
    {
        "class": list(workspace.labels),
        "before": [before[proba_column(c)] for c in workspace.labels],
        "after": [after[proba_column(c)] for c in workspace.labels],
    }
)
probabilities["change"] = probabilities["after"] - probabilities["before"]
st.dataframe(
    probabilities,
    hide_index=True,
    key="editor_probabilities",
    column_config={
        name: st.column_config.NumberColumn(name.capitalize(), format="%.4f")
        for name in ("before", "after", "change")
    },
)
st.markdown("**Token diff**")
st.markdown(diff_html(before[TEXT], after[TEXT]), unsafe_allow_html=True)


methods = salience_registry.compatible(workspace.model)
if methods:
    method = st.selectbox(
        "Salience method",
        methods,
        index=methods.index(DEFAULT_SALIENCE) if DEFAULT_SALIENCE in methods else 0,
        key=SALIENCE_KEY,
    )
    target = list(workspace.labels).index(before[PRED])
    st.caption(
        f"Both explain the class the original was predicted as "
        f"({plain(before[PRED])}), "
        "on one colour scale: green pushes toward it, red away."
    )
    with st.spinner(f"{method}…"):
        tables = [
            cached.explanation(
                workspace.model.fingerprint,
                method,
                (),  # the method's default settings
                item[TEXT],
                item[TEXT_B] if TEXT_B in item else None,
                target,
                workspace.model,
            ).table()
            for item in (before, after)
        ]
    scale = heatmap_scale(*tables)
    for column, table in zip(st.columns(2), tables):
        column.markdown(
            token_heatmap_html(table, True, before[PRED], scale=scale),
            unsafe_allow_html=True,
        )

st.subheader("This session's new datapoints")
added_rows = frame[frame[ORIGIN] != ORIGINAL].reset_index(drop=True)
shown_columns = ["id", PARENT_ID, ORIGIN, TEXT, LABEL, PRED, "confidence", PRED_SCORE]
st.dataframe(
    added_rows[[c for c in shown_columns if c in added_rows]],
    hide_index=True,
    key="editor_overlay_table",
)
csv_download(
    "Export them as CSV", added_rows, "lumen_new_datapoints.csv", "editor_export"
)
slice_name = st.text_input(
    "Save them as a slice",
    key="editor_slice_name",
    placeholder="slice name",
    help="Their ids resolve in this session only: the rows live in its overlay.",
)
if st.button("Save slice", key="editor_slice_save", disabled=added_rows.empty):
    try:
        saved = session_slices(data.fingerprint).save(
            slice_name,
            added_rows["id"].tolist(),
            source="overlay",
            description="Edited/generated datapoints of one session",
        )
    except LumenError as error:
        st.error(plain(error))
    else:
        st.success(
            f"Saved the slice '{plain(saved.name)}' "
            f"({count(len(saved.ids), 'example')})."
        )
