"""Explanations: token salience of the primary example by several methods, and
how faithful each method is, on this example and on the selection."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.salience import METHODS, TokenSalience, build, compatible
from litcore.salience.gradients import GradientNorm, GradientTimesInput
from litcore.salience.summary import all_scores, estimated_tokens, top_tokens_table
from litcore.session.columns import LABEL, LENGTH, PRED, TEXT, TEXT_B, proba_column
from litcore.ui import cached, state
from litcore.ui import regression as regression_ui
from litcore.ui import workspace as ws
from litcore.ui.downloads import csv_download
from litcore.ui.escape import plain
from litcore.ui.formatting import about
from litcore.ui.heatmap import token_heatmap_html
from litcore.ui.params import settings_columns
from litcore.ui.salience_panels import (
    ExplainedExample,
    attention_grid,
    example_summary,
    faithfulness_panel,
    primary_picker,
    salience_notes,
)
from litcore.ui.sidebar import filtered_frame

PICK_KEY = "explain_pick"
TARGET_KEY = "explain_target"
METHODS_KEY = "explain_methods"
SUBWORDS_KEY = "explain_subwords"
SPECIAL_KEY = "explain_special"
TOP_K_KEY = "explain_top_k"
PICK_LIMIT = 500
# Drawn at once (one backward pass gives both), the other cheap ones on request.
FIRST_METHODS = (GradientNorm.name, GradientTimesInput.name)

workspace = ws.require()
model = workspace.model
labels = list(workspace.labels)
frame = ws.session_frame(workspace).set_index("id", drop=False)
shown = filtered_frame(workspace)
selection = state.selection()

st.title("Explanations")
st.caption(
    "Which tokens push the prediction toward the explained class (green) and which "
    "push it away (red), by several methods side by side, and how faithful each "
    "method is to the model: removing the tokens it ranks first should change the "
    "prediction the most."
)


# --- the primary example -------------------------------------------------------


primary = primary_picker(frame, shown["id"].head(PICK_LIMIT).tolist(), PICK_KEY)
if primary is None:
    st.info("No primary example yet: pick one above.")
    st.stop()

row = frame.loc[primary]
text = str(row[TEXT])
text_b = str(row[TEXT_B]) if TEXT_B in frame.columns and pd.notna(row[TEXT_B]) else None
gold = row[LABEL] if LABEL in frame.columns and row[LABEL] in labels else None
predicted = str(row[PRED])


probabilities = [row[proba_column(label)] for label in labels]
example_summary(text, text_b, labels, probabilities, gold, predicted)

head = ws.chosen_head(workspace)
if head.is_regression:  # the picked head is the regression head: explain its score
    st.subheader(f"Which tokens drive the {plain(head.name)} head's score")
    regression_ui.score_salience(
        workspace.regressor,
        row,
        head.name,
        "explain_score_method",
        f"Primary example {primary}",
    )
    st.caption("Pick the label head in the sidebar to explain the class instead.")
    st.stop()


# --- what to explain, and how ---------------------------------------------------


def _store_target() -> None:
    st.session_state[state.EXPLAIN_TARGET] = (primary, st.session_state[TARGET_KEY])


def _use_gold() -> None:
    st.session_state[state.EXPLAIN_TARGET] = (primary, gold)


stored_target = st.session_state.get(state.EXPLAIN_TARGET)
target_label = (
    stored_target[1]
    if stored_target and stored_target[0] == primary and stored_target[1] in labels
    else predicted
)
st.session_state[TARGET_KEY] = target_label
target = labels.index(target_label)

available = compatible(model)
first = [name for name in available if name in FIRST_METHODS]
cheap = [name for name in available if not METHODS[name].expensive]
remembered = st.session_state.get(state.EXPLAIN_METHODS)
st.session_state.setdefault(
    METHODS_KEY, [m for m in (remembered or first or cheap) if m in available]
)


def _store_methods() -> None:
    st.session_state[state.EXPLAIN_METHODS] = list(st.session_state[METHODS_KEY])


controls = st.columns([2, 1, 3])
controls[0].selectbox(
    "Explain class",
    labels,
    key=TARGET_KEY,
    on_change=_store_target,
    help="Default: the predicted class.",
)
controls[1].button(
    f"Gold class ({plain(gold)})" if gold is not None else "Gold class",
    key="explain_use_gold",
    on_click=_use_gold,
    disabled=gold is None or gold == target_label,
    help="Explain the gold class.",
)
chosen = controls[2].multiselect(
    "Methods",
    available,
    key=METHODS_KEY,
    on_change=_store_methods,
    help="The gradient maps are drawn at once; add the other cheap methods "
    "(occlusion, attention) here; the expensive ones (IG, LIME, Kernel SHAP) run "
    "when you press their Run button.",
)
options = st.columns(3)
subwords = options[0].toggle("Show sub-word tokens", key=SUBWORDS_KEY)
show_special = options[1].toggle("Show [CLS], [SEP]", key=SPECIAL_KEY)
top_k = int(options[2].number_input("Top k tokens", 1, 50, 5, key=TOP_K_KEY))


with st.expander("Method settings"):
    configs = settings_columns(
        {name: METHODS[name] for name in chosen},
        lambda name: f"explain_param_{METHODS[name].__name__}",
        "The chosen methods have no settings.",
    )
methods = {name: build(name, configs.get(name)) for name in available}


def _run_key(name: str) -> tuple:
    return (name, methods[name].config(), primary, target)


def _request(name: str, run_key: tuple) -> None:
    """Adds an expensive method to the chosen ones and asks for its run."""
    chosen_now = list(st.session_state[METHODS_KEY])
    if name not in chosen_now:
        chosen_now.append(name)
    st.session_state[METHODS_KEY] = chosen_now
    st.session_state[state.EXPLAIN_METHODS] = chosen_now
    st.session_state[state.EXPLAIN_RUNS].add(run_key)


def _ready(name: str) -> bool:
    """Cheap methods always; expensive ones once the user asked for this run."""
    return not METHODS[name].expensive or _run_key(name) in st.session_state.get(
        state.EXPLAIN_RUNS, set()
    )


# --- heat maps ------------------------------------------------------------------

st.subheader(f"Salience for class “{plain(target_label)}”")
num_tokens = estimated_tokens(row[LENGTH])
pending = [
    name
    for name in available
    if METHODS[name].expensive and not (name in chosen and _ready(name))
]
for column, name in zip(st.columns(max(1, len(pending))), pending):
    expected = methods[name].expected_seconds(num_tokens)
    column.button(
        f"Run {name} ({about(expected)})",
        key=f"explain_run_{METHODS[name].__name__}",
        on_click=_request,
        args=(name, _run_key(name)),
        width="stretch",
    )
results: dict[str, TokenSalience] = {}
for name in [n for n in chosen if _ready(n)]:
    expected = methods[name].expected_seconds(num_tokens)
    try:
        with st.spinner(f"{name}: {about(expected)}…"):
            results[name] = cached.explanation(
                model.fingerprint,
                name,
                methods[name].config(),
                text,
                text_b,
                target,
                model,
            )
    except LumenError as error:
        st.error(plain(f"{name}: {error}"))
        continue
    salience = results[name]
    table = salience.table(subwords=subwords, show_special=show_special)
    st.html(token_heatmap_html(table, salience.signed, salience.target_label, name))
    st.caption(salience_notes(salience))

if any(s.truncated for s in results.values()):
    st.warning(
        f"The text is longer than the model's {model.max_length} tokens: the model "
        "saw only the start, and the explanations cover only what it saw."
    )

if results:
    st.subheader(f"Top {top_k} tokens per method")
    st.dataframe(top_tokens_table(results, top_k, subwords), width="stretch")
    csv_download(
        "Download all scores (CSV)",
        all_scores(results, primary),
        f"salience-{primary}.csv",
        "explain_download",
    )

attention_grid(results)

selected = [i for i in selection.ids if i in frame.index]
faithfulness_panel(
    model,
    ExplainedExample(text, text_b, target, target_label, num_tokens),
    {name: methods[name] for name in results},
    frame,
    selected or shown["id"].tolist(),
    "selected" if selection.ids else "shown by the filters",
)
