"""Altair charts turned into Vega-Lite specs once, for ``st.vega_lite_chart``.

``st.altair_chart`` converts its chart with ``to_dict()`` on every run, and
altair validates the whole spec against the Vega-Lite schema each time: 25-40
ms per chart on 2 cores whatever the data's size, 80-110 ms of every rerun of
the Metrics page's three charts. A spec kept here is validated once, when its
data changes.
"""

from __future__ import annotations

from collections.abc import Callable

import altair as alt

from litcore.ui import state

# What altair's default theme adds to every spec; Streamlit draws altair charts
# with its "none" theme, which adds nothing.
_DEFAULT_VIEW_SIZE = {"continuousWidth": 300, "continuousHeight": 300}


def vega_lite_spec(chart: alt.TopLevelMixin) -> dict:
    """The chart's Vega-Lite spec (validated; its data inline), as
    ``st.altair_chart`` would draw it."""
    spec = chart.to_dict()
    config = spec.get("config", {})
    view = config.get("view", {})
    for key, size in _DEFAULT_VIEW_SIZE.items():
        if view.get(key) == size:
            del view[key]
    if "view" in config and not view:
        del config["view"]
    if "config" in spec and not config:
        del spec["config"]
    return spec


def kept_spec(
    name: str, build: Callable[..., alt.TopLevelMixin], rows: object, *args
) -> dict:
    """``vega_lite_spec(build(rows, *args))``, kept while ``rows`` stays the same
    object and ``args`` equal (``state.kept_result``'s rules).

    Never change the spec in place: later runs draw the same dict.
    """
    called = (build.__module__, build.__qualname__)
    return state.kept_while_same(
        name, (rows,), (called, args), lambda: vega_lite_spec(build(rows, *args))
    )
