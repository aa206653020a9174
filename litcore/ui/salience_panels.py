"""The Explanations page's panels: a heat map's notes, the attention head × layer
grid, and faithfulness on the example and on the selection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.salience import SalienceMethod, TokenSalience
from litcore.salience.faithfulness import beating_random, rank_methods
from litcore.salience.summary import faithfulness_frame
from litcore.session.columns import TEXT, TEXT_B
from litcore.ui import cached, state
from litcore.ui.charts_salience import (
    attention_grid_chart,
    deletion_chart,
    probability_chart,
)
from litcore.ui.escape import plain
from litcore.ui.formatting import about, count

GRID_KEY = "explain_grid"
GRID_TOKEN_KEY = "explain_grid_token"
REMOVAL_KEY = "explain_removal"
CAP_KEY = "explain_cap"
SCORE_METHODS_KEY = "explain_score_methods"
DEFAULT_CAP = 20
REMOVAL_NAMES = {"delete": "Delete tokens", "mask": "Replace by [MASK]"}
FAITHFULNESS_TITLES = {
    "comprehensiveness": "comprehensiveness ↑",
    "sufficiency": "sufficiency ↓",
    "deletion_area": "deletion area ↓",
    "net": "comprehensiveness − sufficiency ↑",
}


@dataclass(frozen=True)
class ExplainedExample:
    """The example being explained and the class explained.

    Attributes:
        num_tokens: its rough token count, for time estimates.
    """

    text: str
    text_b: str | None
    target: int
    target_label: str
    num_tokens: int


def primary_picker(frame: pd.DataFrame, choices: list[str], key: str) -> str | None:
    """A picker of the example to explain, synced with the selection's primary.

    Args:
        frame: the analysis frame indexed by id.
        choices: the ids offered (the primary is added when missing).

    Returns:
        The primary example's id, or None when there is none yet.
    """

    def pick() -> None:
        if st.session_state[key]:
            state.set_selection(state.selection().with_primary(st.session_state[key]))

    primary = state.selection().primary
    primary = primary if primary in frame.index else None
    if primary is not None and primary not in choices:
        choices = [primary, *choices]
    st.session_state[key] = primary
    # One slice of the column, not a lookup per option on every run (20 ms of
    # the GIL for 500 options: a queue when many visitors explain at once).
    texts = frame.loc[choices, TEXT]
    shown = dict(zip(texts.index, texts.str.slice(0, 100), strict=True))
    st.selectbox(
        "Example to explain (the primary example of the selection)",
        choices,
        key=key,
        placeholder="Pick an example, or click one in the Data table",
        format_func=lambda i: f"{i} · {shown[i]}",
        on_change=pick,
    )
    return primary


def example_summary(
    text: str,
    text_b: str | None,
    labels: Sequence[str],
    probabilities: Sequence[float],
    gold: str | None,
    predicted: str,
) -> None:
    """The text beside its class probabilities (gold and predicted marked)."""
    left, right = st.columns([3, 2])
    with left:
        st.markdown("**Text**")
        st.text(text if text_b is None else f"{text}\n— second segment —\n{text_b}")
        gold_note = f"gold **{plain(gold)}**" if gold is not None else "no gold label"
        probability = float(probabilities[list(labels).index(predicted)])
        st.markdown(
            f"Predicted **{plain(predicted)}** ({probability:.1%}), {gold_note}."
        )
    chart = probability_chart(labels, probabilities, gold, predicted)
    right.vega_lite_chart(chart, width="stretch")


def salience_notes(salience: TokenSalience) -> str:
    """A heat map's caption: time, IG's convergence, precision, signedness."""
    notes = [f"{salience.seconds:.2f} s"]
    details = salience.details
    if "relative_delta" in details:
        notes.append(
            f"convergence delta {details['convergence_delta']:+.2e} "
            f"({details['relative_delta']:.1%} of the change in probability)"
        )
    if "precision" in details:
        notes.append(f"computed in {details['precision']}")
    if not salience.signed:
        notes.append("unsigned: shows how much, not which way")
    return " · ".join(notes)


@st.fragment
def attention_grid(saliences: Mapping[str, TokenSalience]) -> None:
    """Attention from [CLS] to one token, for every head of every layer."""
    with_maps = [s for s in saliences.values() if "cls_attention" in s.details]
    if not with_maps or not st.toggle("Show the head × layer grid", key=GRID_KEY):
        return
    salience = with_maps[0]
    content = [i for i, special in enumerate(salience.special) if not special]
    position = st.selectbox(
        "Attention from [CLS] to token",
        content,
        format_func=lambda i: f"{salience.tokens[i]} (position {i})",
        key=GRID_TOKEN_KEY,
    )
    chart = attention_grid_chart(
        salience.details["cls_attention"], position, salience.tokens[position]
    )
    st.vega_lite_chart(chart, width="stretch")


@st.fragment
def faithfulness_panel(
    model: SequenceClassifier,
    example: ExplainedExample,
    methods: Mapping[str, SalienceMethod],
    frame: pd.DataFrame,
    ids: Sequence[str],
    source: str,
) -> None:
    """Faithfulness of ``methods`` on the example, and on ``ids`` on request.

    Args:
        frame: the analysis frame indexed by id.
        ids: the examples the selection scoring draws from, in order.
        source: how they were chosen ("selected", "shown by the filters").
    """
    st.subheader("Faithfulness")
    st.caption(
        "ERASER (DeYoung et al. 2020). Comprehensiveness: the drop in probability "
        "when the top 1, 5, 10, 20 and 50% of tokens are removed (averaged; higher "
        "is better). Sufficiency: the drop when only they are kept (lower is "
        "better). A random token order is the reference to beat."
    )
    removal = st.radio(
        "Removal",
        list(REMOVAL_NAMES),
        format_func=REMOVAL_NAMES.get,
        horizontal=True,
        key=REMOVAL_KEY,
    )
    if not methods:
        st.info("Run at least one method above to score its faithfulness.")
        return
    rows = [
        cached.explanation_faithfulness(
            model.fingerprint,
            name,
            method.config(),
            example.text,
            example.text_b,
            example.target,
            removal,
            model,
        )
        for name, method in methods.items()
    ]
    table_column, chart_column = st.columns(2)
    table_column.markdown("**This example**")
    table_column.dataframe(
        faithfulness_frame(rows).round(4).rename(columns=FAITHFULNESS_TITLES),
        hide_index=True,
        width="stretch",
    )
    chart_column.vega_lite_chart(
        deletion_chart(rows, example.target_label), width="stretch"
    )
    _selection_faithfulness(model, example, methods, frame, ids, source, removal)


def _selection_faithfulness(
    model: SequenceClassifier,
    example: ExplainedExample,
    methods: Mapping[str, SalienceMethod],
    frame: pd.DataFrame,
    ids: Sequence[str],
    source: str,
    removal: str,
) -> None:
    """The methods ranked by faithfulness over the first examples of ``ids``."""
    st.markdown("**On the selection** (explaining each example's predicted class)")
    names = list(methods)
    picked = st.multiselect(
        "Methods to score",
        names,
        default=names,
        key="|".join([SCORE_METHODS_KEY, *names]),  # fresh when methods change
    )
    cap = int(
        st.number_input(
            f"Examples to score (of {len(ids):,} {source})",
            1,
            max(1, len(ids)),
            min(DEFAULT_CAP, len(ids)),
            key=CAP_KEY,
            help="Raise the cap to score more; each example runs every method.",
        )
    )
    seconds = sum(methods[n].expected_seconds(example.num_tokens) for n in picked)
    run_key = (
        tuple(ids[:cap]),
        tuple((n, methods[n].config()) for n in picked),
        removal,
    )
    if st.button(
        f"Score {count(cap, 'example')} ({about(cap * seconds)})",
        key="explain_score_selection",
        disabled=not picked,
    ):
        examples = frame.loc[list(run_key[0])]
        bar = st.progress(0.0, text="Scoring…")

        def report(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Scored {done:,} of {total:,} examples")

        try:
            scores = cached.selection_faithfulness(
                model.fingerprint,
                run_key[0],
                run_key[1],
                removal,
                examples[TEXT].tolist(),
                examples[TEXT_B].tolist() if TEXT_B in examples.columns else None,
                model,
                progress=report,
            )
        except LumenError as error:
            st.error(plain(error))
            return
        finally:
            bar.empty()
        st.session_state[state.EXPLAIN_SELECTION_SCORES] = (run_key, scores)
    last = st.session_state.get(state.EXPLAIN_SELECTION_SCORES)
    if last is None:
        return
    if last[0] != run_key:
        st.caption("Below: the last run, with other examples or settings.")
    ranking = rank_methods(last[1]).round(4)
    st.dataframe(
        ranking.rename(columns=FAITHFULNESS_TITLES), hide_index=True, width="stretch"
    )
    beaten = beating_random(ranking)
    if beaten is not None:
        st.caption(f"Beat the random order: {', '.join(beaten) or 'none'}.")
