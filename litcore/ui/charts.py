"""Altair chart builders shared by pages: titled, labelled, with legends."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import altair as alt
import pandas as pd

CELL_SELECTION = "cell"
# Heights below are the plot area's: Streamlit's default autosize ("fit") squeezes
# the plot into the height along with the title, axes and legend.
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")


# One categorical palette for every chart (a colour per class, entity type...).
PALETTE = ("#3b6ea8", "#e07b39", "#4a9c5d", "#c44e52", "#8172b2", "#937860")


def category_colours(categories: Iterable[str]) -> dict[str, str]:
    """One ``PALETTE`` colour per category, in sorted order (stable for a set)."""
    return {
        category: PALETTE[index % len(PALETTE)]
        for index, category in enumerate(sorted(set(categories)))
    }


@dataclass(frozen=True)
class MatrixAxis:
    """One side of a count matrix: the field in the counts, axis and tooltip names."""

    field: str
    title: str
    short: str


@dataclass(frozen=True)
class CellShade:
    """What shades a heat map's cells.

    Attributes:
        field: a numeric field of the counts.
        title: its legend title.
        domain: the colour scale's ends; None: zero to the largest cell.
        legend_format: the legend's number format (d3), e.g. ".0%".
    """

    field: str = "count"
    title: str = "Examples"
    domain: tuple[float, float] | None = None
    legend_format: str | None = None


GOLD_AXIS = MatrixAxis("gold", "Gold label", "Gold")
PRED_AXIS = MatrixAxis("pred", "Predicted label", "Predicted")
BY_COUNT = CellShade()
TOTAL_COLOUR = "#e4e8ef"


def count_heatmap(
    counts: pd.DataFrame,
    title: str,
    rows: MatrixAxis,
    columns: MatrixAxis,
    *,
    row_order: Sequence[str],
    column_order: Sequence[str],
    shade: CellShade = BY_COUNT,
    unit: str = "Examples",
    details: Sequence[alt.Tooltip] = (),
    selection: str | None = CELL_SELECTION,
    cell_height: int = 70,
    min_height: int = 240,
    columns_on_top: bool = False,
) -> alt.LayerChart:
    """A heat map of counts, each cell labelled with its count.

    Args:
        counts: long form, one row per cell: the two axes' fields, ``count``,
            and optionally ``kind`` ("total" rows, e.g. from
            ``metrics.confusion_with_totals``, are drawn in grey).
        rows, columns: the fields on each axis, with their names.
        row_order, column_order: the axis values in order.
        shade: what colours the cells (the count by default).
        unit: what is counted, in the tooltip ("Examples", "Spans").
        details: more tooltip fields, after the count.
        selection: the name of the point selection a click on a cell makes
            (``on_select`` reads it); None for a chart that selects nothing.
        cell_height, min_height: pixels per row, and in all at the least.
        columns_on_top: the column axis above the matrix.
    """
    cells = counts[counts["kind"] != "total"] if "kind" in counts else counts
    if shade.domain is not None:
        top = shade.domain[1]
    else:
        top = float(cells[shade.field].max()) if len(cells) else 1.0
    domain = alt.Undefined if shade.domain is None else list(shade.domain)
    scale = alt.Scale(scheme="blues", domain=domain)
    legend = (
        alt.Legend(format=shade.legend_format, orient="bottom")
        if shade.legend_format
        else alt.Undefined
    )
    base = alt.Chart(counts, title=title).encode(
        x=alt.X(
            f"{columns.field}:N",
            sort=list(column_order),
            title=columns.title,
            axis=alt.Axis(labelAngle=0, orient="top" if columns_on_top else "bottom"),
        ),
        y=alt.Y(f"{rows.field}:N", sort=list(row_order), title=rows.title),
    )
    colour = alt.Color(
        f"{shade.field}:Q",
        scale=scale,
        title=shade.title,
        legend=legend,
    )
    heat = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.condition(  # row / column totals, when given, in grey
            "datum.kind == 'total'", alt.value(TOTAL_COLOUR), colour
        ),
        tooltip=[
            alt.Tooltip(f"{rows.field}:N", title=rows.short),
            alt.Tooltip(f"{columns.field}:N", title=columns.short),
            alt.Tooltip("count:Q", title=unit),
            *details,
        ],
    )
    if selection is not None:
        cell = alt.selection_point(name=selection, fields=[rows.field, columns.field])
        heat = heat.encode(
            opacity=alt.condition(cell, alt.value(1.0), alt.value(0.45))
        ).add_params(cell)
    dark = f"datum.kind != 'total' && datum['{shade.field}'] > {0.5 * max(top, 1e-9)}"
    text = base.mark_text(fontSize=14).encode(
        text="count:Q",
        color=alt.condition(dark, alt.value("white"), alt.value("#1f2733")),
    )
    return (heat + text).properties(
        height=max(min_height, cell_height * len(row_order)), autosize=FIT_WIDTH
    )


def confusion_heatmap(
    counts: pd.DataFrame,
    labels: list[str],
    title: str,
    rows: MatrixAxis = GOLD_AXIS,
    columns: MatrixAxis = PRED_AXIS,
) -> alt.LayerChart:
    """A gold × predicted ``count_heatmap``; clicking a cell selects it.

    Args:
        counts: long form with columns gold, pred, count (``metrics.confusion_frame``).
        labels: the axis values in order (with ``(all)`` when totals are given).
        rows, columns: the fields on each axis (other count matrices, e.g. one
            model's predictions against another's, name theirs).
    """
    return count_heatmap(
        counts, title, rows, columns, row_order=labels, column_order=labels
    )


def entity_type_heatmap(confusion: pd.DataFrame) -> alt.LayerChart:
    """Gold against predicted entity types of spans with the same boundaries
    (``tasks.entity_type_confusion``: columns gold, pred, count)."""
    types = sorted(set(confusion["gold"]) | set(confusion["pred"]))
    return count_heatmap(
        confusion,
        "Entity types: gold vs predicted (same boundaries)",
        MatrixAxis("gold", "Gold type", "Gold"),
        MatrixAxis("pred", "Predicted type", "Predicted"),
        row_order=types,
        column_order=types,
        shade=CellShade(title="Spans"),
        unit="Spans",
        selection=None,
        cell_height=40,
        min_height=160,
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
