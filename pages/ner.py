"""NER: gold and predicted entity spans inline, entity-level metrics per type
(seqeval), a confusion of entity types and a filter for span errors."""

from __future__ import annotations

import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.ner import ner_format
from litcore.metrics import registry as metrics
from litcore.metrics.tasks import EntityMetrics, entity_type_confusion, has_span_error
from litcore.ui import charts, task_examples, task_models
from litcore.ui.escape import plain
from litcore.ui.pickers import data_file_picker
from litcore.ui.task_links import TASK_PAGES
from litcore.ui.workspace import ensure_app_ran

ensure_app_ran()

MODEL_KEY = TASK_PAGES["ner"].model
FILE_KEY = TASK_PAGES["ner"].upload
PATH_KEY = "ner_path"
ERRORS_KEY = "ner_errors_only"
PICK_KEY = "ner_pick"
TEXT_KEY = TASK_PAGES["ner"].text
PICK_LIMIT = 500

st.title("NER")
st.caption(
    "Entity spans of a token classifier against the gold ones: CoNLL token-per-line "
    "files or JSONL with 'tokens' and 'tags' (IOB1, IOB2 or BIOES)."
)
model = task_models.model_box(
    "Model folder or hub id (token classifier)",
    MODEL_KEY,
    "/path/to/ner",
    "Enter the folder of a token classification model (hub ids work online).",
    task_models.token_classifier,
    task_examples.ner_empty_state,
)

typed = st.text_input("Tag a sentence (words split on spaces)", key=TEXT_KEY)
if typed.strip():
    words = typed.split()
    predicted = task_models.ner_typed(model.fingerprint, tuple(words), model)
    colours = charts.category_colours({s.label for s in predicted})
    st.html(task_models.spans_html(words, predicted, colours, "Predicted"))

try:
    file = data_file_picker(
        "A CoNLL or JSONL file with gold tags",
        ["conll", "txt", "tsv", "iob", "bio", "jsonl", "json"],
        FILE_KEY,
        PATH_KEY,
        "…or its path",
        fmt_for=ner_format,
    )
    if file is None:
        st.stop()
    data = task_models.ner_file(*file)
    frame = task_models.ner_analysis(
        model.fingerprint, "|".join(data["id"]), data, model
    )
except LumenError as error:
    st.error(plain(error))
    st.stop()

st.caption(
    f"{len(frame)} sentences, gold scheme {plain(frame['scheme'].iloc[0])}; "
    f"{int(frame['truncated'].sum())} cut to the model's length (the rest tagged O)."
)
metrics_column, confusion_column = st.columns(2)
scores = metrics.build(EntityMetrics.name).compute(
    list(frame["gold_tags"]), list(frame["pred_tags"])
)
metrics_column.markdown("**Entity-level metrics (exact span and type)**")
metrics_column.dataframe(scores.per_type.style.format(precision=3), key="ner_metrics")

confusion = entity_type_confusion(list(frame["gold_spans"]), list(frame["pred_spans"]))
confusion_column.vega_lite_chart(
    charts.entity_type_heatmap(confusion), width="stretch", key="ner_cm"
)

errors = [
    has_span_error(g, p) for g, p in zip(frame["gold_spans"], frame["pred_spans"])
]
frame = frame.assign(span_error=errors)
only_errors = st.checkbox(
    f"Only examples with span errors ({sum(errors)} of {len(frame)})", key=ERRORS_KEY
)
shown = frame[frame["span_error"]] if only_errors else frame
if shown.empty:
    st.info("No example matches the filter.")
    st.stop()
pick_ids = list(shown["id"].head(PICK_LIMIT))
texts = dict(zip(shown["id"], shown["text"]))
picked = st.selectbox(
    "Example",
    options=pick_ids,
    format_func=lambda i: texts[i][:100],
    key=PICK_KEY,
)
row = shown.set_index("id").loc[picked]
types_ = {s.label for s in row["gold_spans"]} | {s.label for s in row["pred_spans"]}
colours = charts.category_colours(types_)
st.html(task_models.spans_html(row["tokens"], row["gold_spans"], colours, "Gold"))
st.html(task_models.spans_html(row["tokens"], row["pred_spans"], colours, "Predicted"))
st.dataframe(
    shown[["text", "span_error", "truncated"]],
    hide_index=True,
    key="ner_examples",
)
