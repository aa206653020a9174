"""Charts written as plain Vega-Lite specs for ``st.vega_lite_chart``: the
first page's, so that drawing it imports no altair (0.15-0.5 s on 2 cores)."""

from __future__ import annotations

import pandas as pd

# The width of the container, padding included (altair's FIT_WIDTH in charts).
FIT_WIDTH = {"type": "fit-x", "contains": "padding"}


def label_balance(frame: pd.DataFrame, column: str, title: str) -> tuple:
    """Counts per value of ``column`` as horizontal bars: (data, spec)."""
    counts = frame[column].value_counts().rename_axis(column).reset_index(name="count")
    name = column.capitalize()
    spec = {
        "title": title,
        "mark": {"type": "bar"},
        "encoding": {
            "x": {"field": "count", "type": "quantitative", "title": "Examples"},
            "y": {"field": column, "type": "nominal", "sort": "-x", "title": name},
            "color": {"field": column, "type": "nominal", "legend": {"title": name}},
            "tooltip": [
                {"field": column, "type": "nominal"},
                {"field": "count", "type": "quantitative"},
            ],
        },
        "height": max(120, 28 * len(counts)),
        "autosize": FIT_WIDTH,
    }
    return counts, spec
