"""AppTest at 12,000 rows: no page sends the browser more rows or points than its
budget (a page of the table, ``POINT_BUDGET`` points per chart), and the table's
pages, sort and row clicks still reach every row."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest
from tiny_models import TINY_WORDS

from litcore.session import background
from litcore.ui import state
from litcore.ui.point_charts import POINT_BUDGET, sample_order, within_budget
from litcore.view.id_hashes import id_hashes
from litcore.view.selection import Selection
from litcore.view.table_pages import PAGE_SIZES

APP = str(Path(__file__).resolve().parents[1] / "app.py")
ROWS = 12_000
PAGES = sorted(p.name for p in (Path(APP).parent / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    """12,000 distinct sentences of the tiny model's words, labelled, with a score."""
    rng = np.random.default_rng(0)
    words = np.array(TINY_WORDS)
    texts = [
        " ".join(words[rng.integers(0, len(words), rng.integers(3, 12))]) + f" {number}"
        for number in range(ROWS)
    ]
    frame = pd.DataFrame(
        {
            "text": texts,
            "label": rng.choice(["negative", "positive"], ROWS),
            "score": rng.normal(size=ROWS).round(3),
        }
    )
    path = tmp_path_factory.mktemp("big") / "big.parquet"
    frame.to_parquet(path, index=False)
    return path


@pytest.fixture(scope="module")
def big_app(big_file, tiny_model_dir) -> AppTest:
    """The app on the 12,000 rows with the tiny classifier, after its first run."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "LUMEN_DATA": str(big_file),
            "LUMEN_TEXT": "text",
            "LUMEN_LABEL": "label",
            "LUMEN_METADATA": "score",
            "LUMEN_MODEL": str(tiny_model_dir),
        }.items():
            patch.setenv(name, value)
        at = AppTest.from_file(APP, default_timeout=600).run()
        first = at.session_state[state.WORKSPACE]
        if first.rest_job is not None:  # the first rows first, then every row
            assert background.find(first.rest_job).wait(600).state == background.DONE
            at.run()
    assert not at.exception, at.exception
    assert len(at.session_state[state.WORKSPACE].frame) == ROWS
    return at


def plotly_points(at: AppTest) -> list[int]:
    """Per Plotly chart on the page: the points of its traces but the overlays
    (the selection, the primary and the pinned example drawn over the rest)."""
    overlays = ("Selected", "Primary", "Pinned")
    counts = []
    for chart in at.get("plotly_chart"):
        traces = json.loads(chart.proto.spec)["data"]
        counts.append(
            sum(
                len(_values(t.get("x", [])))
                for t in traces
                if t.get("mode") == "markers" and not t["name"].startswith(overlays)
            )
        )
    return counts


def _values(array) -> list:
    if isinstance(array, dict):  # Plotly's base64 typed array
        return np.frombuffer(base64.b64decode(array["bdata"]), array["dtype"])
    return list(array)


def vega_rows(at: AppTest) -> list[int]:
    """Per Vega-Lite chart on the page: the rows of its largest dataset."""
    counts = []
    for chart in at.get("vega_lite_chart"):
        sizes = [
            pa.ipc.open_stream(io.BytesIO(d.data.data)).read_all().num_rows
            for d in chart.proto.datasets
        ]
        if chart.proto.data.data:
            sizes.append(pa.ipc.open_stream(chart.proto.data.data).read_all().num_rows)
        counts.append(max(sizes, default=0))
    return counts


@pytest.mark.parametrize("page", PAGES)
def test_no_page_sends_more_than_its_budget(big_app, page):
    at = big_app
    frame = at.session_state[state.WORKSPACE].frame
    chosen = frame["id"].iloc[::1000].tolist()
    at.session_state[state.SELECTION] = Selection().select(chosen)
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    for table in at.dataframe:
        assert len(table.value) <= max(PAGE_SIZES), page
    assert all(n <= POINT_BUDGET for n in plotly_points(at)), page
    assert all(n <= POINT_BUDGET for n in vega_rows(at)), page
    if page in ("metrics.py", "overview.py"):  # the count sees their charts
        assert vega_rows(at), page


def test_charts_sample_to_the_budget_keep_the_selection_and_say_so(big_app):
    at = big_app
    frame = at.session_state[state.WORKSPACE].frame
    chosen = frame["id"].iloc[7::997].tolist()
    at.session_state[state.SELECTION] = Selection().select(chosen)
    for page in ("scalars.py", "projection.py"):
        at.switch_page(f"pages/{page}").run()
        assert not at.exception, at.exception
        assert plotly_points(at)[0] == POINT_BUDGET, page
        spec = json.loads(at.get("plotly_chart")[0].proto.spec)
        drawn = {i for t in spec["data"] for i in t["customdata"]}
        assert set(chosen) <= drawn, page
        captions = " ".join(c.value for c in at.caption)
        assert f"Showing {POINT_BUDGET:,} of {ROWS:,} points" in captions, page


def test_table_pages_sort_on_the_server_and_reach_every_row(big_app):
    at = big_app
    at.session_state[state.SELECTION] = Selection()
    at.switch_page("pages/table.py").run()
    assert f"{ROWS:,} rows" in at.caption[0].value
    first = at.dataframe[0].value
    assert len(first) == 200
    at.number_input(key="table_page").set_value(ROWS // 200).run()
    last = at.dataframe[0].value
    frame = at.session_state[state.WORKSPACE].frame
    assert last["id"].tolist() == frame["id"].iloc[-200:].tolist()
    at.selectbox(key="table_sort").set_value("confidence").run()
    at.toggle(key="table_descending").set_value(True).run()
    at.number_input(key="table_page").set_value(1).run()
    top = at.dataframe[0].value["confidence"].to_numpy()
    assert top[0] == pytest.approx(frame["confidence"].max())
    assert (np.diff(top) <= 0).all()


# What a page computes from the rows (module, function), by page.
PER_ROW_WORK = {
    "overview.py": [("litcore.session.predictions", "frame_report")],
    "metrics.py": [
        ("litcore.session.predictions", "frame_report"),
        ("litcore.metrics.facets", "facet_table"),
        ("litcore.metrics.classification", "confusion_with_totals"),
        ("litcore.ui.charts", "confusion_heatmap"),
        ("litcore.ui.charts", "reliability_diagram"),
        ("litcore.ui.charts", "facet_bars"),
    ],
    "projection.py": [
        ("litcore.ui.point_charts", "sample_order"),
        ("litcore.ui.point_charts", "within_budget"),
        ("litcore.ui.point_charts", "hover_columns"),
        ("litcore.ui.point_charts", "colour_traces"),
        ("litcore.projection", "nearest_neighbors"),
    ],
    "scalars.py": [
        ("litcore.ui.point_charts", "sample_order"),
        ("litcore.ui.point_charts", "within_budget"),
        ("litcore.ui.point_charts", "hover_columns"),
        ("litcore.ui.point_charts", "colour_traces"),
        ("litcore.session.predictions", "frame_report"),
    ],
}
# What the sidebar and the link compute from the rows once per selection.
PER_SELECTION_WORK = [
    ("litcore.view.links", "pack_ids"),
    ("litcore.ui.sidebar.selection", "member_mask"),
]


@pytest.mark.parametrize("page", sorted(PER_ROW_WORK))
def test_a_rerun_that_changes_nothing_recomputes_nothing_from_the_rows(
    big_app, page, monkeypatch
):
    at = big_app
    frame = at.session_state[state.WORKSPACE].frame
    start = sorted(PER_ROW_WORK).index(page)  # a new selection for each page
    at.session_state[state.SELECTION] = Selection().select(frame["id"].iloc[start::101])
    at.session_state[state.SESSION_MEMO] = {}  # as after a change of the filters
    calls: list[str] = []
    for module_name, name in PER_ROW_WORK[page] + PER_SELECTION_WORK:
        module = __import__(module_name, fromlist=[name])
        original = getattr(module, name)

        def counted(*args, _original=original, _name=name, **kwargs):
            calls.append(_name)
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    at.switch_page(f"pages/{page}").run()
    assert not at.exception, at.exception
    wanted = {name for _, name in PER_ROW_WORK[page] + PER_SELECTION_WORK}
    assert set(calls) == wanted, page  # the first run after a change computes
    calls.clear()
    at.run()
    assert not at.exception, at.exception
    assert calls == [], page


def test_within_budget_keeps_marked_then_selected_then_lowest_hashes():
    ids = pd.Series([f"row{i}" for i in range(50)], dtype="str")
    points = pd.DataFrame({"id": ids, "x": np.arange(50.0)})
    selection = Selection(ids=("row40", "row41", "row3"), primary="row49")
    selection = selection.with_pinned("row0")
    order = sample_order(ids)
    drawn = within_budget(points, selection, budget=10, order=order)
    assert drawn.equals(within_budget(points, selection, budget=10))
    assert drawn.index.is_monotonic_increasing  # in the rows' order
    kept = set(drawn["id"])
    assert {"row49", "row0", "row40", "row41", "row3"} <= kept
    hashes = id_hashes(ids)
    marked = {*selection.ids, "row49", "row0"}
    others = [i for i in ids[np.argsort(hashes)] if i not in marked][:5]
    assert kept - marked == set(others)
    assert len(drawn) == 10
    crowded = Selection().select(ids[::2])  # 25 selected for a budget of 10
    assert set(within_budget(points, crowded, budget=10)["id"]) <= set(ids[::2])
    small = points.iloc[:10]
    assert within_budget(small, crowded, budget=10) is small  # under the budget
