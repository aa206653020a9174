"""Tables and Altair charts of the task pages: generation and fill in the blank.

Altair is imported by the chart builders, when a task model's output is drawn:
visiting a task page without one imports none of it (about 23 MB of RSS).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd

from litcore.models.generation import Generation
from litcore.models.masked_lm import MaskFill
from litcore.ui.charts import PALETTE

if TYPE_CHECKING:
    import altair as alt


def generation_steps(result: Generation) -> pd.DataFrame:
    """One row per output token: its position, probability, who chose it (the
    user forced it, or greedy decoding) and its top alternatives."""
    return pd.DataFrame(
        {
            "step": range(len(result.output_tokens)),
            "token": result.output_tokens,
            "probability": result.probabilities,
            "chosen by": [
                "you" if step < result.forced else "greedy"
                for step in range(len(result.top_k))
            ],
            "alternatives": [
                ", ".join(f"{token} ({p:.3f})" for token, _, p in alternatives)
                for alternatives in result.top_k
            ],
        }
    )


def step_probability_bars(steps: pd.DataFrame) -> alt.Chart:
    """The probability of each output token (``generation_steps``), coloured by
    who chose it."""
    import altair as alt

    return (
        alt.Chart(steps, title="Probability of each output token")
        .mark_bar()
        .encode(
            x=alt.X("step:O", title="Output position"),
            y=alt.Y(
                "probability:Q",
                title="Model probability",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("chosen by:N", title="Chosen by"),
            tooltip=["step", "token", alt.Tooltip("probability:Q", format=".4f")],
        )
    )


def mask_predictions(fill: MaskFill) -> pd.DataFrame:
    """One row per (masked position, rank): the predicted token and its probability."""
    return pd.DataFrame(
        [
            {
                "position": f"{position}: {original}",
                "rank": rank + 1,
                "prediction": token,
                "probability": probability,
            }
            for position, original, predictions in zip(
                fill.masked_positions, fill.original, fill.predictions
            )
            for rank, (token, probability) in enumerate(predictions)
        ]
    )


def mask_prediction_bars(table: pd.DataFrame) -> alt.Chart:
    """The top predictions (``mask_predictions``), a row of bars per masked position."""
    import altair as alt

    return (
        alt.Chart(table, title="Top predictions per masked position")
        .mark_bar()
        .encode(
            x=alt.X("probability:Q", title="Model probability"),
            y=alt.Y("prediction:N", title="Predicted token", sort="-x"),
            color=alt.Color("position:N", title="Masked position (original)"),
            row=alt.Row("position:N", title="Masked position"),
            tooltip=[
                "position",
                "prediction",
                alt.Tooltip("probability:Q", format=".4f"),
            ],
        )
        .resolve_scale(y="independent")
    )


def surprisal_histogram(scores: pd.DataFrame) -> alt.Chart:
    """Tokens per surprisal bin (``MaskedLM.surprisal`` rows)."""
    import altair as alt

    return (
        alt.Chart(scores, title="Surprisal of every token")
        .mark_bar()
        .encode(
            x=alt.X("surprisal:Q", bin=alt.Bin(maxbins=40), title="Surprisal (bits)"),
            y=alt.Y("count():Q", title="Tokens"),
            color=alt.value(PALETTE[0]),
        )
    )
