"""The Explanations page's charts: class probabilities, the attention head × layer
grid and the faithfulness deletion curves."""

from __future__ import annotations

from collections.abc import Sequence

import altair as alt
import numpy as np
import pandas as pd

from litcore.salience.faithfulness import Faithfulness
from litcore.ui.charts import FIT_WIDTH

CLASS_KINDS = ["gold and predicted", "gold", "predicted", "other"]
CLASS_KIND_COLOURS = ["#1a9641", "#a6d96a", "#3b6ea8", "#b0b7c3"]


def class_kind(label: str, gold: str | None, predicted: str) -> str:
    """One of ``CLASS_KINDS``: whether ``label`` is the gold and/or predicted class."""
    kinds = [
        name for name, hit in (("gold", gold), ("predicted", predicted)) if label == hit
    ]
    return " and ".join(kinds) or "other"


def probability_chart(
    labels: Sequence[str],
    probabilities: Sequence[float],
    gold: str | None,
    predicted: str,
) -> alt.Chart:
    """Class probabilities as bars, coloured by gold / predicted / other."""
    bars = pd.DataFrame(
        {
            "class_name": list(labels),
            "probability": [float(p) for p in probabilities],
            "kind": [class_kind(label, gold, predicted) for label in labels],
        }
    )
    return (
        alt.Chart(bars, title="Class probabilities (gold class marked)")
        .mark_bar()
        .encode(
            y=alt.Y("class_name:N", sort=list(labels), title="Class"),
            x=alt.X(
                "probability:Q", title="Probability", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "kind:N",
                title="Class is",
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(domain=CLASS_KINDS, range=CLASS_KIND_COLOURS),
            ),
            tooltip=[
                alt.Tooltip("class_name:N", title="Class"),
                alt.Tooltip("probability:Q", format=".4f", title="Probability"),
                alt.Tooltip("kind:N", title="Class is"),
            ],
        )
        .properties(height=max(90, 40 * len(labels)), autosize=FIT_WIDTH)
    )


def attention_grid_chart(
    cls_attention: np.ndarray, position: int, token: str
) -> alt.Chart:
    """Attention from [CLS] to the token at ``position``, per head and layer.

    Args:
        cls_attention: ``<float32>[layers, heads, num_tokens]``, the [CLS] rows.
    """
    layers, heads = cls_attention.shape[:2]
    cells = pd.DataFrame(
        [
            {
                "layer": layer + 1,
                "head": head + 1,
                "attention": float(cls_attention[layer, head, position]),
            }
            for layer in range(layers)
            for head in range(heads)
        ]
    )
    return (
        alt.Chart(cells, title=f"Attention from [CLS] to “{token}”")
        .mark_rect()
        .encode(
            x=alt.X("head:O", title="Head"),
            y=alt.Y("layer:O", title="Layer"),
            color=alt.Color(
                "attention:Q", title="Attention", scale=alt.Scale(scheme="blues")
            ),
            tooltip=["layer:O", "head:O", alt.Tooltip("attention:Q", format=".4f")],
        )
        .properties(height=max(160, 28 * layers), autosize=FIT_WIDTH)
    )


def deletion_chart(rows: Sequence[Faithfulness], target_label: str) -> alt.Chart:
    """Each method's deletion curve: p(target) as its top tokens are removed."""
    curves = pd.concat([row.curve_frame() for row in rows])
    return (
        alt.Chart(curves, title=f"Deletion curve: p({target_label}) as top tokens go")
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "fraction:Q",
                title="Fraction of top tokens removed",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "probability:Q",
                title=f"p({target_label})",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("method:N", title="Method"),
            tooltip=[
                "method:N",
                "fraction:Q",
                alt.Tooltip("probability:Q", format=".4f"),
            ],
        )
        .properties(height=260, autosize=FIT_WIDTH)
    )
