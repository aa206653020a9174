"""Multi-label: per-label thresholds, exact match and micro/macro F1, a per-label
confusion whose cells pick examples, and the examples with their probabilities."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.multilabel import (
    DELIMITERS,
    MultiLabelMapping,
    guess_delimiter,
    indicator_matrix,
)
from litcore.metrics import registry as metrics
from litcore.metrics.multilabel import (
    CELL_NAMES,
    MultilabelMetrics,
    cell_rows,
    confusion_long,
    predicted_labels,
)
from litcore.ui import charts, multilabel, task_models
from litcore.ui.escape import plain, plain_list
from litcore.ui.formatting import count
from litcore.ui.pickers import data_file_picker
from litcore.ui.task_links import TASK_PAGES
from litcore.ui.workspace import ensure_app_ran

ensure_app_ran()

MODEL_KEY = TASK_PAGES["multilabel"].model
FILE_KEY = TASK_PAGES["multilabel"].upload
PATH_KEY = "multilabel_path"
TEXT_COLUMN_KEY = "multilabel_text_column"
LABELS_COLUMN_KEY = "multilabel_labels_column"
GLOBAL_THRESHOLD_KEY = "multilabel_global_threshold"
ERRORS_KEY = "multilabel_errors_only"
CHART_KEY = "multilabel_confusion"
SLIDER_COLUMNS = 4
LIST_CELLS = "(lists: JSON arrays)"
DELIMITER_NAMES = {
    LIST_CELLS: LIST_CELLS,
    "|": "| (pipe)",
    ";": "; (semicolon)",
    ",": ", (comma)",
    " ": "a space",
}
st.title("Multi-label")
st.caption(
    "A classifier with one sigmoid per label (problem_type "
    "'multi_label_classification'): each label is predicted when its probability "
    "reaches that label's threshold."
)

# --- the model ---------------------------------------------------------------------
model = task_models.model_box(
    "Model folder or hub id (multi-label classifier)",
    MODEL_KEY,
    "/path/to/multilabel-model",
    "Enter the folder of a multi-label classifier (hub ids work online).",
    multilabel.multilabel_classifier,
)
st.caption(f"{len(model.labels)} labels: {plain_list(model.labels)}")

# --- the data and its columns ------------------------------------------------------
try:
    file = data_file_picker(
        "A CSV, TSV, JSONL or Parquet file with a text and a labels column",
        ["csv", "tsv", "txt", "jsonl", "json", "ndjson", "parquet"],
        FILE_KEY,
        PATH_KEY,
    )
    if file is None:
        st.info(
            "Give a file: one row per example, its labels as a list (JSONL) or "
            "joined by a delimiter such as '|' (CSV/TSV)."
        )
        st.stop()
    source, _ = file
    raw = task_models.picked_table(source)
except LumenError as error:
    st.error(plain(error))
    st.stop()
columns = [str(c) for c in raw.columns]

text_column, labels_column, delimiter_column = st.columns(3)
text_name = text_column.selectbox(
    "Text column",
    columns,
    index=columns.index("text") if "text" in columns else 0,
    key=TEXT_COLUMN_KEY,
)
labels_default = next(
    (c for c in ("labels", "label", "tags", "categories") if c in columns),
    columns[min(1, len(columns) - 1)],
)
labels_name = labels_column.selectbox(
    "Labels column", columns, index=columns.index(labels_default), key=LABELS_COLUMN_KEY
)
guess = guess_delimiter(list(raw[labels_name]))
delimiters = [LIST_CELLS, *DELIMITERS]
delimiter = delimiter_column.selectbox(
    "Labels are joined by",
    delimiters,
    index=delimiters.index(LIST_CELLS if guess is None else guess),
    format_func=DELIMITER_NAMES.get,
    key=f"multilabel_delimiter::{labels_name}",  # a fresh guess per column
)
mapping = MultiLabelMapping(
    text_name, labels_name, None if delimiter == LIST_CELLS else delimiter
)
try:
    frame = multilabel.examples(source, mapping)
    gold, unknown = indicator_matrix(list(frame["labels"]), model.labels)
    probas = multilabel.probabilities_for(model, list(frame["text"]))
except LumenError as error:
    st.error(plain(error))
    st.stop()
if unknown:
    st.warning(
        f"{len(unknown)} labels of the data are not labels of the model and are "
        f"left out of every metric: {plain_list(unknown[:20])}."
    )

# --- thresholds --------------------------------------------------------------------
labels = list(model.labels)
st.subheader("Thresholds")
global_column, all_column, best_column = st.columns(
    [3, 1, 1], vertical_alignment="bottom"
)
global_value = global_column.slider(
    "One threshold for every label",
    0.0,
    1.0,
    multilabel.DEFAULT_THRESHOLD,
    step=0.01,
    key=GLOBAL_THRESHOLD_KEY,
)
all_column.button(
    "Set all",
    key="multilabel_set_all",
    on_click=multilabel.set_thresholds,
    args=(labels, [global_value] * len(labels)),
)
best_column.button(
    "Best F1 per label",
    key="multilabel_best_f1",
    help="Each label's threshold with the highest F1 on this file. Tuned on the "
    "data it is scored on, so the metrics it shows are optimistic.",
    on_click=multilabel.set_best_f1_thresholds,
    args=(labels, gold, probas),
)
multilabel.prepare_threshold_sliders(labels)
slider_columns = st.columns(SLIDER_COLUMNS)
for position, label in enumerate(labels):
    slider_columns[position % SLIDER_COLUMNS].slider(
        label,
        0.0,
        1.0,
        step=0.01,
        key=multilabel.threshold_key(label),
        on_change=multilabel.remember_threshold,
        args=(label,),
    )
thresholds = multilabel.thresholds(labels)

# --- metrics -----------------------------------------------------------------------
metric = metrics.build(MultilabelMetrics.name).at(thresholds)
report = metric.compute(gold, probas, labels)
predicted = predicted_labels(probas, thresholds)
st.subheader("Metrics")
st.caption(
    f"{count(report.n, 'example')}; exact match counts an example right only when its "
    "predicted label set equals the gold set."
)
for column, (name, title) in zip(st.columns(len(metric.titles)), metric.titles.items()):
    column.metric(title, f"{report.headline[name]:.3f}")

table_column, confusion_column = st.columns([3, 2])
table_column.markdown("**Per label**")
table_column.dataframe(
    report.per_label.style.format(
        {
            "threshold": "{:.2f}",
            "precision": "{:.3f}",
            "recall": "{:.3f}",
            "f1": "{:.3f}",
        }
    ),
    key="multilabel_per_label",
)
confusion_column.vega_lite_chart(
    multilabel.confusion_chart(confusion_long(report.per_label), labels),
    width="stretch",
    key=CHART_KEY,
    on_select=lambda: multilabel.select_cell(CHART_KEY),
    selection_mode=charts.CELL_SELECTION,
)

# --- examples ----------------------------------------------------------------------
st.subheader("Examples")
table = multilabel.example_table(frame, gold, predicted, probas, labels)
errors = ~table["exact"]
only_errors = st.checkbox(
    f"Errors only ({int(errors.sum())} of {len(table)} not an exact match)",
    key=ERRORS_KEY,
)
shown = errors if only_errors else pd.Series(True, index=table.index)
cell = multilabel.chosen_cell(labels)
if cell is not None:
    label, cell_name = cell
    in_cell = cell_rows(gold, predicted, labels.index(label), cell_name)
    shown = shown & in_cell
    note_column, clear_column = st.columns([4, 1], vertical_alignment="center")
    note_column.markdown(
        f"Showing **{label} · {cell_name}** ({CELL_NAMES[cell_name]}): "
        f"{count(int(in_cell.sum()), 'example')}."
    )
    clear_column.button(
        "Show all cells", key="multilabel_clear_cell", on_click=multilabel.clear_cell
    )
st.dataframe(
    table[shown.to_numpy()].drop(columns="id"),
    hide_index=True,
    column_config={
        f"p_{label}": st.column_config.ProgressColumn(
            f"p({label})", min_value=0.0, max_value=1.0, format="%.2f"
        )
        for label in labels
    },
    key="multilabel_examples",
)
