"""Chart builders shared by pages, as plain Vega-Lite specs for
``st.vega_lite_chart``: titled, labelled, with legends. Drawing them imports no
altair (about 0.15 s on 2 cores) and validates nothing on a page's run; the
tests validate the specs against the Vega-Lite schema. Each spec carries its
rows as ``data.values`` (a frame: Streamlit sends it as Arrow)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

CELL_SELECTION = "cell"
# Heights below are the plot area's: Streamlit's default autosize ("fit") squeezes
# the plot into the height along with the title, axes and legend.
FIT_WIDTH = {"type": "fit-x", "contains": "padding"}
# The layer of a count heat map that a click on a cell selects in.
_CELLS_VIEW = "cells"


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


def field(name: str, kind: str, title: str | None = None, **more) -> dict:
    """A Vega-Lite field definition (``kind``: nominal, quantitative...)."""
    definition = {"field": name, "type": kind, **more}
    if title is not None:
        definition["title"] = title
    return definition


def titled(title: str, data: pd.DataFrame, height: int, **view: object) -> dict:
    """A titled spec over ``data``, ``height`` pixels of plot, as wide as its
    container; ``view`` is the rest (``mark`` and ``encoding``, or ``layer``)."""
    return {
        "title": title,
        "data": {"values": data},
        **view,
        "height": height,
        "autosize": FIT_WIDTH,
    }


def layered(title: str, data: pd.DataFrame, layers: list[dict], height: int) -> dict:
    """A titled spec of ``layers`` over ``data`` (see ``titled``)."""
    return titled(title, data, height, layer=layers)


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
    details: Sequence[dict] = (),
    selection: str | None = CELL_SELECTION,
    cell_height: int = 70,
    min_height: int = 240,
    columns_on_top: bool = False,
) -> dict:
    """A heat map of counts, each cell labelled with its count (a spec).

    Args:
        counts: long form, one row per cell: the two axes' fields, ``count``,
            and optionally ``kind`` ("total" rows, e.g. from
            ``metrics.confusion_with_totals``, are drawn in grey).
        rows, columns: the fields on each axis, with their names.
        row_order, column_order: the axis values in order.
        shade: what colours the cells (the count by default).
        unit: what is counted, in the tooltip ("Examples", "Spans").
        details: more tooltip fields (``field(...)``), after the count.
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
    scale = {"scheme": "blues"}
    if shade.domain is not None:
        scale["domain"] = list(shade.domain)
    colour = field(shade.field, "quantitative", shade.title, scale=scale)
    if shade.legend_format:
        colour["legend"] = {"format": shade.legend_format, "orient": "bottom"}
    side = "top" if columns_on_top else "bottom"
    axes = {
        "x": field(
            columns.field,
            "nominal",
            columns.title,
            sort=list(column_order),
            axis={"labelAngle": 0, "orient": side},
        ),
        "y": field(rows.field, "nominal", rows.title, sort=list(row_order)),
    }
    heat = {
        "mark": {"type": "rect", "stroke": "white", "strokeWidth": 2},
        "encoding": {
            **axes,
            # row / column totals, when given, in grey
            "color": {
                "condition": {"test": "datum.kind == 'total'", "value": TOTAL_COLOUR},
                **colour,
            },
            "tooltip": [
                field(rows.field, "nominal", rows.short),
                field(columns.field, "nominal", columns.short),
                field("count", "quantitative", unit),
                *details,
            ],
        },
    }
    dark = f"datum.kind != 'total' && datum['{shade.field}'] > {0.5 * max(top, 1e-9)}"
    text = {
        "mark": {"type": "text", "fontSize": 14},
        "encoding": {
            **axes,
            "text": field("count", "quantitative"),
            "color": {
                "condition": {"test": dark, "value": "white"},
                "value": "#1f2733",
            },
        },
    }
    spec = layered(
        title, counts, [heat, text], max(min_height, cell_height * len(row_order))
    )
    if selection is not None:
        heat["name"] = _CELLS_VIEW
        heat["encoding"]["opacity"] = {
            "condition": {"param": selection, "value": 1.0},
            "value": 0.45,
        }
        spec["params"] = [
            {
                "name": selection,
                "select": {"type": "point", "fields": [rows.field, columns.field]},
                "views": [_CELLS_VIEW],
            }
        ]
    return spec


def confusion_heatmap(
    counts: pd.DataFrame,
    labels: list[str],
    title: str,
    rows: MatrixAxis = GOLD_AXIS,
    columns: MatrixAxis = PRED_AXIS,
) -> dict:
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


def entity_type_heatmap(confusion: pd.DataFrame) -> dict:
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


def reliability_diagram(calibration: pd.DataFrame, title: str) -> dict:
    """Accuracy vs mean confidence per bin, with the diagonal of perfect calibration."""
    confidence = field(
        "confidence", "quantitative", "Mean confidence", scale={"domain": [0, 1]}
    )
    accuracy = field("accuracy", "quantitative", "Accuracy", scale={"domain": [0, 1]})
    diagonal = {
        "data": {
            "values": [
                {"confidence": 0.0, "accuracy": 0.0},
                {"confidence": 1.0, "accuracy": 1.0},
            ]
        },
        "mark": {"type": "line", "strokeDash": [4, 4], "color": "#888"},
        "encoding": {"x": confidence, "y": accuracy},
    }
    bins = {
        "mark": {"type": "circle", "size": 90},
        "encoding": {
            "x": confidence,
            "y": accuracy,
            "size": field("count", "quantitative", "Examples"),
            "color": {"value": "#3b6ea8"},
            "tooltip": [
                field(name, "quantitative")
                for name in ("bin_start", "bin_end", "confidence", "accuracy", "count")
            ],
        },
    }
    return layered(title, calibration, [diagonal, bins], 280)


def facet_bars(facets: pd.DataFrame, field_name: str, title: str) -> dict:
    """Accuracy per bucket of ``field_name`` (``facets.facet_table``) with counts."""
    axes = {
        "x": field(
            "bucket",
            "nominal",
            field_name,
            sort=facets["bucket"].tolist(),
            axis={"labelAngle": 0},
        ),
        "y": field("accuracy", "quantitative", "Accuracy", scale={"domain": [0, 1]}),
    }
    bars = {
        "mark": {"type": "bar", "color": "#3b6ea8"},
        "encoding": {
            **axes,
            "tooltip": [
                field("bucket", "nominal", field_name),
                field("examples", "quantitative", "Examples"),
                field("accuracy", "quantitative", "Accuracy", format=".3f"),
                field("macro_f1", "quantitative", "Macro F1", format=".3f"),
            ],
        },
    }
    counts = {
        "mark": {"type": "text", "dy": -8, "color": "#1f2733"},
        "encoding": {**axes, "text": field("examples", "quantitative", format=",")},
    }
    return layered(title, facets, [bars, counts], 260)


def label_balance(frame: pd.DataFrame, column: str, title: str) -> dict:
    """Counts per value of ``column`` as horizontal bars."""
    counts = frame[column].value_counts().rename_axis(column).reset_index(name="count")
    name = column.capitalize()
    return {
        "title": title,
        "data": {"values": counts},
        "mark": {"type": "bar"},
        "encoding": {
            "x": field("count", "quantitative", "Examples"),
            "y": field(column, "nominal", name, sort="-x"),
            "color": field(column, "nominal", legend={"title": name}),
            "tooltip": [field(column, "nominal"), field("count", "quantitative")],
        },
        "height": max(120, 28 * len(counts)),
        "autosize": FIT_WIDTH,
    }
