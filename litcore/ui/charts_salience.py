"""The Explanations page's charts, as plain Vega-Lite specs like those of
``litcore.ui.charts``: class probabilities, the attention head × layer grid and
the faithfulness deletion curves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from litcore.salience.faithfulness import Faithfulness
from litcore.ui.charts import field, titled

CLASS_KINDS = ["gold and predicted", "gold", "predicted", "other"]
CLASS_KIND_COLOURS = ["#1a9641", "#a6d96a", "#3b6ea8", "#b0b7c3"]
UNIT_DOMAIN = {"domain": [0, 1]}


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
) -> dict:
    """Class probabilities as bars, coloured by gold / predicted / other."""
    bars = pd.DataFrame(
        {
            "class_name": list(labels),
            "probability": [float(p) for p in probabilities],
            "kind": [class_kind(label, gold, predicted) for label in labels],
        }
    )
    encoding = {
        "y": field("class_name", "nominal", "Class", sort=list(labels)),
        "x": field("probability", "quantitative", "Probability", scale=UNIT_DOMAIN),
        "color": field(
            "kind",
            "nominal",
            "Class is",
            legend={"orient": "bottom"},
            scale={"domain": CLASS_KINDS, "range": CLASS_KIND_COLOURS},
        ),
        "tooltip": [
            field("class_name", "nominal", "Class"),
            field("probability", "quantitative", "Probability", format=".4f"),
            field("kind", "nominal", "Class is"),
        ],
    }
    return titled(
        "Class probabilities (gold class marked)",
        bars,
        max(90, 40 * len(labels)),
        mark={"type": "bar"},
        encoding=encoding,
    )


def attention_grid_chart(cls_attention: np.ndarray, position: int, token: str) -> dict:
    """Attention from [CLS] to the token at ``position``, per head and layer.

    Args:
        cls_attention: ``<float32>[layers, heads, num_tokens]``, the [CLS] rows.
    """
    layers, heads = cls_attention.shape[:2]
    layer, head = np.meshgrid(np.arange(layers), np.arange(heads), indexing="ij")
    cells = pd.DataFrame(
        {
            "layer": layer.ravel() + 1,
            "head": head.ravel() + 1,
            "attention": cls_attention[:, :, position].ravel().astype(float),
        }
    )
    encoding = {
        "x": field("head", "ordinal", "Head"),
        "y": field("layer", "ordinal", "Layer"),
        "color": field(
            "attention", "quantitative", "Attention", scale={"scheme": "blues"}
        ),
        "tooltip": [
            field("layer", "ordinal"),
            field("head", "ordinal"),
            field("attention", "quantitative", format=".4f"),
        ],
    }
    return titled(
        f"Attention from [CLS] to “{token}”",
        cells,
        max(160, 28 * layers),
        mark={"type": "rect"},
        encoding=encoding,
    )


def deletion_chart(rows: Sequence[Faithfulness], target_label: str) -> dict:
    """Each method's deletion curve: p(target) as its top tokens are removed."""
    curves = pd.concat([row.curve_frame() for row in rows], ignore_index=True)
    encoding = {
        "x": field(
            "fraction",
            "quantitative",
            "Fraction of top tokens removed",
            axis={"format": "%"},
        ),
        "y": field(
            "probability", "quantitative", f"p({target_label})", scale=UNIT_DOMAIN
        ),
        "color": field("method", "nominal", "Method"),
        "tooltip": [
            field("method", "nominal"),
            field("fraction", "quantitative"),
            field("probability", "quantitative", format=".4f"),
        ],
    }
    return titled(
        f"Deletion curve: p({target_label}) as top tokens go",
        curves,
        260,
        mark={"type": "line", "point": True},
        encoding=encoding,
    )
