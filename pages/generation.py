"""Generation: the output beside the reference, each token's probability and
its alternatives (click one to continue from it), sequence salience, and
corpus BLEU / ROUGE-L over a file with a ``target`` column."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.ui import charts_tasks, state, task_examples, task_models
from litcore.ui.escape import plain
from litcore.ui.heatmap import token_heatmap_html
from litcore.ui.pickers import data_file_picker
from litcore.ui.task_links import TASK_PAGES
from litcore.ui.workspace import ensure_app_ran

ensure_app_ran()

MODEL_KEY = TASK_PAGES["generation"].model
PROMPT_KEY = TASK_PAGES["generation"].text
REFERENCE_KEY = "generation_reference"
MAX_TOKENS_KEY = "generation_max_tokens"
TOP_K_KEY = "generation_top_k"
STEP_KEY = "generation_step"
RESET_KEY = "generation_reset"
SALIENCE_KEY = "generation_salience"
SALIENCE_TOKEN_KEY = "generation_salience_token"
FILE_KEY = TASK_PAGES["generation"].upload
PATH_KEY = "generation_path"
ROWS_KEY = "generation_rows"

st.title("Generation")
st.caption(
    "Greedy output of a causal LM (GPT-2…) or a seq2seq model (T5, BART…), with the "
    "model's probability of every output token and its top alternatives."
)
model = task_models.model_box(
    "Model folder or hub id (causal or seq2seq LM)",
    MODEL_KEY,
    "/path/to/t5-small",
    "Enter the folder of a generation model (hub ids work when online).",
    task_models.generator,
    task_examples.generation_empty_state,
)

st.session_state.setdefault(PROMPT_KEY, "the movie was")  # a link may set it
prompt = st.text_area("Input", key=PROMPT_KEY)
reference = st.text_input("Reference output (optional)", key=REFERENCE_KEY)
left, right = st.columns(2)
max_new_tokens = left.slider("Output tokens at most", 1, 64, 20, key=MAX_TOKENS_KEY)
top_k = right.slider("Alternatives per token", 2, 10, 5, key=TOP_K_KEY)

forced_for, forced_prefix = st.session_state.get(state.GENERATION_PREFIX, ("", ()))
if forced_for != prompt:
    forced_prefix = ()
try:
    result = task_models.generation(
        model.fingerprint, prompt, max_new_tokens, top_k, tuple(forced_prefix), model
    )
except LumenError as error:
    st.error(plain(error))
    st.stop()

generated_column, reference_column = st.columns(2)
generated_column.markdown("**Generated**")
generated_column.code(result.text or "(only special tokens)", language=None)
reference_column.markdown("**Reference**")
reference_column.code(reference or "(none given)", language=None)
if result.forced:
    st.caption(f"The first {result.forced} output tokens were forced (your choices).")

steps = charts_tasks.generation_steps(result)
chart = charts_tasks.step_probability_bars(steps)
st.altair_chart(chart, width="stretch", key="generation_chart")
st.dataframe(steps, hide_index=True, key="generation_steps")


# --- continue from an alternative ----------------------------------------------


def _continue_with(step: int, token_id: int) -> None:
    prefix = (*result.output_ids[:step], token_id)
    st.session_state[state.GENERATION_PREFIX] = (prompt, prefix)


def _back_to_greedy() -> None:
    st.session_state[state.GENERATION_PREFIX] = (prompt, ())


def _output_position(label: str, key: str) -> int:
    """A picker of one output token, shown as "position: token"."""
    return st.selectbox(
        label,
        options=list(range(len(result.output_tokens))),
        format_func=lambda i: f"{i}: {result.output_tokens[i]}",
        key=key,
    )


st.subheader("Continue from an alternative")
step = _output_position("Output position", STEP_KEY)
columns = st.columns(len(result.top_k[step]))
for rank, (column, (token, token_id, probability)) in enumerate(
    zip(columns, result.top_k[step])
):
    column.button(
        f"{token} · {probability:.3f}",
        key=f"generation_alternative_{rank}",
        on_click=_continue_with,
        args=(step, token_id),
        help="Force this token here and let the model continue greedily.",
    )
st.button("Back to greedy", key=RESET_KEY, on_click=_back_to_greedy)


# --- sequence salience ---------------------------------------------------------

st.subheader("Sequence salience")
position = _output_position("Explain output token", SALIENCE_TOKEN_KEY)
if st.toggle("Show which inputs drove it (gradient × input)", key=SALIENCE_KEY):
    salience = task_models.generation_salience(
        model.fingerprint, prompt, tuple(result.output_ids), position, model
    )
    table = pd.DataFrame({"token": salience.tokens, "score": salience.scores})
    st.html(
        token_heatmap_html(
            table,
            signed=True,
            target_label=salience.target_token,
            title=f"Salience for output token {position} ('{salience.target_token}')",
        )
    )


# --- corpus metrics ------------------------------------------------------------

st.subheader("Corpus BLEU and ROUGE-L")
try:
    file = data_file_picker(
        "A file with 'text' and 'target' columns",
        ["csv", "tsv", "jsonl", "parquet"],
        FILE_KEY,
        PATH_KEY,
        "…or its path",
    )
    if file is not None:
        rows = task_models.table_file(*file, columns=("text", "target"))
        limit = st.number_input(
            "Rows to generate for", 1, len(rows), min(50, len(rows)), key=ROWS_KEY
        )
        rows = rows.head(int(limit))
        scored, bleu = task_models.corpus_scores(
            model.fingerprint,
            tuple(rows["text"]),
            tuple(rows["target"]),
            max_new_tokens,
            model,
        )
        bleu_column, rouge_column = st.columns(2)
        bleu_column.metric("Corpus BLEU", f"{bleu:.2f}")
        rouge_column.metric("Mean ROUGE-L F1", f"{scored['rouge_l'].mean():.3f}")
        st.dataframe(scored, hide_index=True, key="generation_corpus")
except LumenError as error:
    st.error(plain(error))
