"""The token heat map: escaped HTML, palettes, legend and hover scores."""

from __future__ import annotations

from html.parser import HTMLParser

import pandas as pd
import pytest

from litcore.salience import build
from litcore.ui.heatmap import (
    AWAY,
    TOWARD,
    UNSIGNED,
    heatmap_scale,
    token_color,
    token_heatmap_html,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '" onmouseover="x',
]


class _Collector(HTMLParser):
    """Tags, token titles and the text of each token span."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.titles: list[str] = []
        self.token_texts: list[str] = []
        self._in_token = False

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        attributes = dict(attrs)
        self._in_token = attributes.get("class") == "lumen-token"
        if self._in_token:
            self.titles.append(attributes["title"])
            assert set(attributes) == {"class", "title", "style"}

    def handle_endtag(self, tag):
        self._in_token = False

    def handle_data(self, data):
        if self._in_token:
            self.token_texts.append(data)


def parse(html: str) -> _Collector:
    collector = _Collector()
    collector.feed(html)
    return collector


def test_hostile_tokens_and_labels_show_as_text():
    table = pd.DataFrame({"token": HOSTILE, "score": [0.5, -0.25, 0.125]})
    html = token_heatmap_html(table, True, "<b>pos</b>", title="<i>Grad</i>")
    assert "<script" not in html and "<img" not in html and "<i>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    parsed = parse(html)
    assert parsed.tags <= {"div", "span", "b"}
    assert parsed.token_texts == HOSTILE
    assert parsed.titles == [
        "<script>alert(1)</script>: +0.5",
        "<img src=x onerror=alert(1)>: -0.25",
        '" onmouseover="x: +0.125',
    ]


def test_hostile_text_through_a_real_tokenizer(demo_prepared):
    from litcore.models.classifier import SequenceClassifier

    model = SequenceClassifier.from_pretrained(demo_prepared["model_dir"])
    text = f"great film {HOSTILE[0]} and {HOSTILE[1]}"
    salience = build("Gradient × input").explain(model, text)
    table = salience.table()
    html = token_heatmap_html(table, True, salience.target_label)
    parsed = parse(html)
    assert parsed.tags <= {"div", "span", "b"}
    assert "".join(parsed.token_texts) == "".join(table["token"])
    assert "<" in parsed.token_texts and "script" in parsed.token_texts


def test_palettes_and_scale():
    assert token_color(0.5, 1.0, True) == f"rgba({','.join(map(str, TOWARD))},0.500)"
    assert token_color(-1.0, 0.5, True) == f"rgba({','.join(map(str, AWAY))},1.000)"
    assert (
        token_color(-0.5, 1.0, False) == f"rgba({','.join(map(str, UNSIGNED))},0.500)"
    )


@pytest.mark.parametrize("signed", [True, False])
def test_legend_shows_the_scale(signed):
    table = pd.DataFrame({"token": ["a", "b"], "score": [0.2, -0.4 if signed else 0.4]})
    html = token_heatmap_html(table, signed, "positive")
    assert "lumen-legend" in html
    assert ("−0.4" in html) == signed
    assert "0.4" in html and "positive" in html


def test_all_zero_scores_render():
    table = pd.DataFrame({"token": ["a"], "score": [0.0]})
    assert "rgba(33,102,172,0.000)" in token_heatmap_html(table, False, "x")


def test_maps_compared_side_by_side_share_one_scale():
    before = pd.DataFrame({"token": ["a", "b"], "score": [0.5, -0.25]})
    after = pd.DataFrame({"token": ["a", "c"], "score": [1.0, 0.0]})
    assert heatmap_scale(before, after) == 1.0
    assert heatmap_scale(pd.DataFrame({"token": [], "score": []})) == 1.0
    html = token_heatmap_html(before, True, "pos", scale=heatmap_scale(before, after))
    assert f"background-color:rgba({','.join(map(str, TOWARD))},0.500)" in html
    assert f"background-color:rgba({','.join(map(str, AWAY))},0.250)" in html
    assert "+1" in html  # the legend shows the shared scale, not this map's 0.5
    alone = token_heatmap_html(before, True, "pos")
    assert f"background-color:rgba({','.join(map(str, TOWARD))},1.000)" in alone


def test_hostile_text_stays_text_on_a_shared_scale():
    """The editor's before/after maps: hostile tokens and label, one shared scale."""
    before = pd.DataFrame({"token": HOSTILE, "score": [0.5, -0.25, 0.125]})
    after = pd.DataFrame({"token": ["<script>x</script>"], "score": [1.0]})
    scale = heatmap_scale(before, after)
    for table in (before, after):
        html = token_heatmap_html(table, True, "<script>pos</script>", scale=scale)
        assert "<script" not in html and "<img" not in html
        assert "&lt;script&gt;" in html
