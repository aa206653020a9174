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

from litcore.ui import state
from litcore.ui.point_charts import POINT_BUDGET
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
    for chart in at.get("arrow_vega_lite_chart"):
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
