"""Altair charts kept as Vega-Lite specs (``litcore.ui.kept_charts``)."""

from __future__ import annotations

import pandas as pd
from streamlit.testing.v1 import AppTest

from litcore.ui import charts
from litcore.ui.kept_charts import vega_lite_spec

FACETS = pd.DataFrame(
    {"bucket": ["a", "b"], "accuracy": [0.5, 0.7], "examples": [4, 6]}
)


def test_the_spec_is_altairs_without_the_default_themes_view_size():
    chart = charts.facet_bars(FACETS, "rating", "Accuracy by rating")
    spec = vega_lite_spec(chart)
    assert "continuousWidth" not in str(spec)
    altairs = chart.to_dict()
    del altairs["config"]  # {"view": {"continuousWidth": 300, ...}} only
    assert spec == altairs


def _page() -> None:
    import pandas as pd
    import streamlit as st

    from litcore.ui import charts, kept_charts

    built = st.session_state.setdefault("built", [])
    rows = {"bucket": ["a", "b"], "accuracy": [0.5, 0.7], "examples": [4, 8]}
    facets = st.session_state.setdefault("facets", pd.DataFrame(rows))

    def facet_bars(*args):
        built.append(args[1])
        return charts.facet_bars(*args)

    spec = kept_charts.kept_spec("bars", facet_bars, facets, "rating", "By rating")
    st.vega_lite_chart(spec, width="stretch")


def test_a_kept_spec_is_built_once_and_drawn_whole_on_every_run():
    at = AppTest.from_function(_page).run()
    for _ in range(2):
        at.run()
        (chart,) = at.get("vega_lite_chart")
        assert len(chart.proto.datasets) == 1  # drawing left the kept spec whole
    assert at.session_state["built"] == ["rating"]
    at.session_state["facets"] = FACETS  # other rows: built again
    at.run()
    assert at.session_state["built"] == ["rating", "rating"]
