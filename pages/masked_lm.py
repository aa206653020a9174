"""Fill in the blank: a masked LM's top-k predictions at each masked token, and
per-token surprisal over a file of texts."""

from __future__ import annotations

import streamlit as st

from litcore.api.errors import LumenError
from litcore.ui import charts_tasks, mlm_example, state, task_models
from litcore.ui.escape import plain
from litcore.ui.pickers import data_file_picker
from litcore.ui.task_links import TASK_PAGES
from litcore.ui.workspace import ensure_app_ran

ensure_app_ran()

MODEL_KEY = TASK_PAGES["masked_lm"].model
SOURCE_KEY, OWN_MODEL = TASK_PAGES["masked_lm"].own_model
PREPARE_KEY = "mlm_prepare"
EXAMPLE_KEY = "mlm_example"
TEXT_KEY = TASK_PAGES["masked_lm"].text
TOP_K_KEY = "mlm_top_k"
FILE_KEY = TASK_PAGES["masked_lm"].upload
PATH_KEY = "mlm_path"
ROWS_KEY = "mlm_rows"
TOKENS_PER_ROW = 10

st.title("Fill in the blank")
st.caption(
    "Type [MASK] in the text or click a token to mask it: the model's top "
    "predictions, with probabilities, for every masked position."
)
choices = [mlm_example.BUILT_IN] if mlm_example.offered() else []
source = st.radio("Model", [*choices, OWN_MODEL], key=SOURCE_KEY, horizontal=True)
if source == mlm_example.BUILT_IN:
    model, info = mlm_example.built_in_masked_lm(PREPARE_KEY)
    st.caption(mlm_example.quality_line(info))
else:
    model = task_models.model_box(
        "Model folder or hub id (masked LM)",
        MODEL_KEY,
        "/path/to/bert",
        "Enter the folder of a masked language model (hub ids work when online).",
        task_models.masked_lm,
    )


def _use_example() -> None:
    st.session_state[TEXT_KEY] = st.session_state[EXAMPLE_KEY]


st.selectbox(
    "Example sentences", mlm_example.EXAMPLES, key=EXAMPLE_KEY, on_change=_use_example
)
st.session_state.setdefault(TEXT_KEY, mlm_example.EXAMPLES[0])
text = st.text_input("Text", key=TEXT_KEY)
top_k = st.slider("Predictions per position", 1, 20, 5, key=TOP_K_KEY)
masked_for, clicked = st.session_state.get(state.MLM_MASKED, ("", frozenset()))
if masked_for != text:
    clicked = frozenset()


def _toggle(position: int) -> None:
    current = clicked ^ {position}
    st.session_state[state.MLM_MASKED] = (text, frozenset(current))


tokens, special = task_models.tokens_of(model.fingerprint, text, model)
st.markdown("**Click a token to mask or unmask it**")
for start in range(0, len(tokens), TOKENS_PER_ROW):
    columns = st.columns(TOKENS_PER_ROW)
    for column, position in zip(columns, range(start, start + TOKENS_PER_ROW)):
        if position >= len(tokens):
            break
        label = f"{'🟨 ' if position in clicked else ''}{tokens[position]}"
        column.button(
            label,
            key=f"mlm_token_{position}",
            on_click=_toggle,
            args=(position,),
            disabled=position in special,
        )

try:
    fill = task_models.mask_fill(
        model.fingerprint, text, top_k, tuple(sorted(clicked)), model
    )
except LumenError as error:
    st.info(plain(error))
else:
    table = charts_tasks.mask_predictions(fill)
    chart = charts_tasks.mask_prediction_bars(table)
    st.altair_chart(chart, key="mlm_chart")
    st.dataframe(table, hide_index=True, key="mlm_predictions")


# --- surprisal over a dataset ----------------------------------------------------

st.subheader("Surprisal over a file")
st.caption(
    "Each token is masked in turn; surprisal is −log₂ p(token | the rest), in bits."
)
try:
    file = data_file_picker(
        "A file with a 'text' column",
        ["csv", "tsv", "jsonl", "parquet"],
        FILE_KEY,
        PATH_KEY,
        "…or its path",
    )
    if file is not None:
        texts = task_models.table_file(*file, columns=("text",))["text"]
        limit = st.number_input(
            "Rows to score", 1, len(texts), min(50, len(texts)), key=ROWS_KEY
        )
        texts = tuple(texts.head(int(limit)))
        scores = task_models.surprisal(model.fingerprint, texts, model)
        scores.insert(1, "text", [texts[i] for i in scores["example"]])
        st.metric(
            "Mean surprisal (bits per token)", f"{scores['surprisal'].mean():.2f}"
        )
        histogram = charts_tasks.surprisal_histogram(scores)
        st.altair_chart(histogram, width="stretch", key="mlm_histogram")
        st.markdown("**Most surprising tokens**")
        st.dataframe(
            scores.nlargest(20, "surprisal"), hide_index=True, key="mlm_surprising"
        )
except LumenError as error:
    st.error(plain(error))
