"""The Plotly point charts' fast paths: hover text built a column at a time, and
figures whose traces skip Plotly's per-value checks, against the slow originals."""

from __future__ import annotations

import base64
import json
from html import escape

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import plotly.io as pio
import pytest

from litcore.ui import point_charts
from litcore.ui.sent_figure import SentFigure
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
    drawn = pd.DataFrame(
        {
            "id": pd.Series([f"ex{i}" for i in range(rows)], dtype="string[pyarrow]"),
            "x": rng.random(rows),
            "y": rng.integers(0, 5, rows),  # integers: sent as floats
        }
    )
    hover = point_charts.hover_columns(hover_texts(rows), hover_details(rows))
    return pd.concat([drawn, hover], axis=1)


def hover_texts(rows: int) -> pd.Series:
    return pd.Series([f"text {i} & more" for i in range(rows)])


def hover_details(rows: int) -> dict[str, list[str]]:
    return {
        "gold": ["pos", "neg"] * (rows // 2),  # one value per colour trace
        "predicted": [["pos", "<neg>", "50% & more"][i % 3] for i in range(rows)],
        "source": ["the same 100%"] * rows,
    }


def shown_hover(trace: dict, point: int) -> str:
    """The hover label Plotly shows for a point of a sent ``trace``: its template
    with the point's fields filled in, and the ``&#37;`` entity read as "%"."""
    label = trace["hovertemplate"].removesuffix("<extra></extra>")
    label = label.replace("%{text}", trace["text"][point])
    if "hovertext" in trace:
        label = label.replace("%{hovertext}", trace["hovertext"][point])
    y = np.frombuffer(base64.b64decode(trace["y"]["bdata"]), trace["y"]["dtype"])
    return label.replace("%{y:.3f}", f"{y[point]:.3f}").replace("&#37;", "%")


def test_each_point_shows_what_its_hover_text_was():
    """Details shared by a trace's points are written once in its template and
    the score read from y, yet every point shows the label ``hover_text`` gives."""
    drawn = points()
    details = hover_details(len(drawn))
    score = drawn["y"].map("{:.3f}".format)
    labels = point_charts.hover_text(
        hover_texts(len(drawn)), details | {"score": score}
    )
    expected = dict(zip(drawn["id"], labels))
    selection = Selection().select(drawn["id"].iloc[:5])
    score = {"score": "y:.3f"}
    traces = point_charts.colour_traces(
        drawn, pd.Series(details["gold"]), "Gold", coordinates=score
    )
    traces += point_charts.selection_traces(drawn, selection, coordinates=score)
    sent = json.loads(pio.to_json(point_charts.point_figure(traces, {})))["data"]
    for trace in sent:
        for point, example_id in enumerate(trace["customdata"]):
            assert shown_hover(trace, point) == expected[example_id]
    # The colour traces send only the prediction; the selection, all three.
    assert sent[0]["hovertext"][:3] == ["&lt;neg&gt;", "pos", "50% &amp; more"]
    assert "gold <b>neg</b>" in sent[0]["hovertemplate"]
    assert "the same 100&#37;" in sent[0]["hovertemplate"]
    chosen, primary = sent[-2:]  # Selected (5), Primary: ex0
    assert chosen["hovertext"][0].startswith("gold <b>pos</b> · predicted <b>")
    assert chosen["hovertemplate"] == (
        "%{text}<br>%{hovertext} · score <b>%{y:.3f}</b><extra></extra>"
    )
    assert "hovertext" not in primary  # one point: every detail in its template


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
    at = drawn.set_index("id")
    for trace in sent["data"]:  # the coordinates, exactly
        for axis in ("x", "y"):
            values = np.frombuffer(base64.b64decode(trace[axis]["bdata"]), "<f8")
            assert values.tolist() == at.loc[trace["customdata"], axis].tolist()


def test_a_sent_figure_gives_plotly_s_dictionary_and_keeps_its_own_values():
    colours = np.linspace(0, 1, 6)
    trace = {
        "type": "scattergl",
        "x": np.arange(6.0),
        "y": [1, 2, 3, 4, 5, 6],
        "text": ["a", "b", "c", "d", "e", "f"],
        "marker": {"color": colours, "colorscale": [[0, "#000"], [1, "#fff"]]},
    }
    layout = {
        "shapes": [{"type": "line", "x0": np.float64(0.5), "y0": 0, "y1": 1}],
        "xaxis": {"range": np.array([0.0, 6.0])},  # a key Plotly leaves as it is
    }
    sent = SentFigure([trace], layout)
    assert pio.to_json(sent) == pio.to_json(go.Figure([trace], layout))
    assert "bdata" in pio.to_json(sent)  # the arrays went as base64
    first, again = sent.to_dict()["data"][0], sent.to_dict()["data"][0]
    assert again["text"] is first["text"]  # the figure's own list, not a copy
    assert again["marker"] is not first["marker"]  # dicts are copied
    assert isinstance(sent.data[0].marker.color, np.ndarray)  # its own: unchanged
