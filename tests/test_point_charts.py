"""The Plotly point charts' fast paths: hover text built a column at a time, and
figures whose traces skip Plotly's per-value checks, against the slow originals."""

from __future__ import annotations

import json
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from litcore.ui import point_charts
from litcore.view.selection import Selection

TEXTS = [
    "<script>alert('x')</script> & \"quoted\" " + "long " * 40,
    "ünïcödé — 日本語のテキスト " * 10,
    "plain",
    "",
]


def slow_hover_text(texts, details) -> list[str]:
    """What ``hover_text`` gave when it looped in Python over ``html.escape``."""
    snippets = pd.Series(texts).astype(str).str.slice(0, point_charts.SNIPPET_CHARS)
    columns = [
        [f"{escape(name)} <b>{escape(str(value))}</b>" for value in values]
        for name, values in details.items()
    ]
    return [
        f"{escape(snippet)}<br>{' · '.join(parts)}"
        for snippet, *parts in zip(snippets, *columns, strict=True)
    ]


def test_hover_text_is_the_escaped_html_of_each_value():
    details = {
        "gold": pd.Categorical(["<b>pos</b>", "neg", "it's", "neg"]),
        "score": [0.5, 1, float("nan"), None],
        "a&b": pd.Series(["x", "y", "z", "w"], index=[7, 3, 9, 1]),
    }
    texts = pd.Series(TEXTS, dtype="string[pyarrow]")
    assert point_charts.hover_text(texts, details) == slow_hover_text(TEXTS, details)
    assert point_charts.hover_text(pd.Series(TEXTS), {}) == slow_hover_text(TEXTS, {})


def test_hover_text_needs_one_value_per_point():
    with pytest.raises(ValueError, match="one value per point"):
        point_charts.hover_text(pd.Series(TEXTS), {"gold": ["a"]})


def points(rows: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "id": pd.Series([f"ex{i}" for i in range(rows)], dtype="string[pyarrow]"),
            "x": rng.random(rows),
            "y": rng.integers(0, 5, rows),  # integers: sent as floats
            "hover": [f"text {i} &amp; more" for i in range(rows)],
        }
    )


def checked(figure: go.Figure) -> go.Figure:
    """The same figure rebuilt with every Plotly check."""
    return go.Figure([type(t)(t.to_plotly_json()) for t in figure.data], figure.layout)


@pytest.mark.parametrize("continuous", [False, True])
def test_a_point_figure_sends_what_a_checked_figure_sends(continuous):
    drawn = points()
    values = (
        pd.Series(np.linspace(0, 1, len(drawn)))
        if continuous
        else pd.Series(["pos", "neg"] * (len(drawn) // 2))
    )
    selection = Selection().select(drawn["id"].iloc[:5]).with_pinned("ex9")
    traces = point_charts.colour_traces(drawn, values, "Gold")
    traces += point_charts.selection_traces(drawn, selection, with_pinned=True)
    layout = {
        "title": "A map",
        "xaxis_title": "x",
        "legend_title_text": "Gold",
        "dragmode": "select",
        "height": 520,
    }
    figure = point_charts.point_figure(traces, layout)
    sent = json.loads(pio.to_json(figure, validate=False))
    assert sent == json.loads(pio.to_json(checked(figure)))
    assert sent["layout"]["xaxis"]["title"]["text"] == "x"  # shorthand expanded
    overlays = [t["name"] for t in sent["data"]][-3:]
    assert overlays == ["Selected (5)", "Primary", "Pinned"]
    assert sum(len(t["customdata"]) for t in sent["data"][:-3]) == len(drawn)
