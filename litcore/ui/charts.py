"""Altair chart builders shared by pages: titled, labelled, with legends."""

from __future__ import annotations

from dataclasses import dataclass

import altair as alt
import pandas as pd

CELL_SELECTION = "cell"
# Heights below are the plot area's: Streamlit's default autosize ("fit") squeezes
# the plot into the height along with the title, axes and legend.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


@dataclass(frozen=True)
class MatrixAxis:
    """One side of a count matrix: the field in the counts, axis and tooltip names."""

    field: str
    title: str
    short: str


GOLD_AXIS = MatrixAxis("gold", "Gold label", "Gold")
PRED_AXIS = MatrixAxis("pred", "Predicted label", "Predicted")


def confusion_heatmap(
    counts: pd.DataFrame,
    labels: list[str],
    title: str,
    rows: MatrixAxis = GOLD_AXIS,
    columns: MatrixAxis = PRED_AXIS,
) -> alt.Chart:
    """A gold × predicted heat map with counts; clicking a cell selects it.

    Args:
        counts: long form with columns gold, pred, count (``metrics.confusion_frame``).
        labels: the axis values in order (with ``(all)`` when totals are given).
        rows, columns: the fields on each axis (other count matrices, e.g. one
            model's predictions against another's, name theirs).
    """
    cell = alt.selection_point(name=CELL_SELECTION, fields=[rows.field, columns.field])
    cells = counts[counts["kind"] != "total"] if "kind" in counts else counts
    cell_max = int(cells["count"].max()) if len(cells) else 1
    base = alt.Chart(counts, title=title).encode(
        x=alt.X(
            f"{columns.field}:N",
            sort=labels,
            title=columns.title,
            axis=alt.Axis(labelAngle=0),
        ),
        y=alt.Y(f"{rows.field}:N", sort=labels, title=rows.title),
    )
    heat = (
        base.mark_rect(stroke="white", strokeWidth=2)
        .encode(
            color=alt.condition(  # row / column totals, when given, in grey
                "datum.kind == 'total'",
                alt.value("#e4e8ef"),
                alt.Color("count:Q", scale=alt.Scale(scheme="blues"), title="Examples"),
            ),
            opacity=alt.condition(cell, alt.value(1.0), alt.value(0.45)),
            tooltip=[
                alt.Tooltip(f"{rows.field}:N", title=rows.short),
                alt.Tooltip(f"{columns.field}:N", title=columns.short),
                alt.Tooltip("count:Q", title="Examples"),
            ],
        )
        .add_params(cell)
    )
    text = base.mark_text(fontSize=14).encode(
        text="count:Q",
        color=alt.condition(
            f"datum.kind != 'total' && datum.count > {0.5 * max(1, cell_max)}",
            alt.value("white"),
            alt.value("#1f2733"),
        ),
    )
    return (heat + text).properties(
        height=max(240, 70 * len(labels)), autosize=FIT_WIDTH
    )


def reliability_diagram(calibration: pd.DataFrame, title: str) -> alt.Chart:
    """Accuracy vs mean confidence per bin, with the diagonal of perfect calibration."""
    diagonal = (
        alt.Chart(pd.DataFrame({"x": [0.0, 1.0], "y": [0.0, 1.0]}))
        .mark_line(strokeDash=[4, 4], color="#888")
        .encode(x="x:Q", y="y:Q")
    )
    bars = (
        alt.Chart(calibration, title=title)
        .mark_circle(size=90)
        .encode(
            x=alt.X(
                "confidence:Q", title="Mean confidence", scale=alt.Scale(domain=[0, 1])
            ),
            y=alt.Y("accuracy:Q", title="Accuracy", scale=alt.Scale(domain=[0, 1])),
            size=alt.Size("count:Q", title="Examples"),
            color=alt.value("#3b6ea8"),
            tooltip=[
                "bin_start:Q",
                "bin_end:Q",
                "confidence:Q",
                "accuracy:Q",
                "count:Q",
            ],
        )
    )
    return (diagonal + bars).properties(height=280, autosize=FIT_WIDTH)


def label_balance(frame: pd.DataFrame, column: str, title: str) -> alt.Chart:
    """Counts per value of ``column`` as horizontal bars."""
    counts = frame[column].value_counts().rename_axis(column).reset_index(name="count")
    return (
        alt.Chart(counts, title=title)
        .mark_bar()
        .encode(
            x=alt.X("count:Q", title="Examples"),
            y=alt.Y(f"{column}:N", sort="-x", title=column.capitalize()),
            color=alt.Color(
                f"{column}:N", legend=alt.Legend(title=column.capitalize())
            ),
            tooltip=[f"{column}:N", "count:Q"],
        )
        .properties(height=max(120, 28 * len(counts)), autosize=FIT_WIDTH)
    )


def facet_bars(facets: pd.DataFrame, field: str, title: str) -> alt.Chart:
    """Accuracy per bucket of ``field`` (``facets.facet_table``) with counts."""
    order = facets["bucket"].tolist()
    base = alt.Chart(facets, title=title).encode(
        x=alt.X("bucket:N", sort=order, title=field, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("accuracy:Q", title="Accuracy", scale=alt.Scale(domain=[0, 1])),
    )
    bars = base.mark_bar(color="#3b6ea8").encode(
        tooltip=[
            alt.Tooltip("bucket:N", title=field),
            alt.Tooltip("examples:Q", title="Examples"),
            alt.Tooltip("accuracy:Q", title="Accuracy", format=".3f"),
            alt.Tooltip("macro_f1:Q", title="Macro F1", format=".3f"),
        ]
    )
    counts = base.mark_text(dy=-8, color="#1f2733").encode(
        text=alt.Text("examples:Q", format=",")
    )
    return (bars + counts).properties(height=260, autosize=FIT_WIDTH)
