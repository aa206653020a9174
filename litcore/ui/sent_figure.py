"""A Plotly figure that Streamlit turns into JSON without copying each point.

``st.plotly_chart`` serialises ``figure.to_dict()``, and ``Figure.to_dict``
deep-copies every value of every trace, then walks every list looking for
arrays to write as base64. For a chart of 5,000 points with ids, texts and
hover values that is 15,000 Python calls each, repeated on every rerun, though
nothing changes the lists. ``SentFigure.to_dict`` gives the same dictionary
(``tests/test_point_charts.py`` compares the JSON with Plotly's own) but shares
the lists of plain values with the figure.
"""

from __future__ import annotations

import copy
from typing import Any

import plotly.graph_objects as go
from _plotly_utils.utils import (
    is_homogeneous_array,
    is_skipped_key,
    to_typed_array_spec,
)

# What a list holds when it needs neither a copy nor a search for arrays.
_PLAIN = (str, int, float, bool, type(None))


class SentFigure(go.Figure):
    """A ``go.Figure`` whose ``to_dict`` copies its dicts and the lists that hold
    more than plain values, writes arrays as Plotly does (``convert_to_base64``),
    and shares lists of plain values (which only JSON encoding reads)."""

    def to_dict(self) -> dict[str, Any]:
        if self._frame_objs:  # frames: Plotly's own copy
            return super().to_dict()
        return _sendable({"data": self._data, "layout": self._layout})


def _sendable(value: Any) -> Any:
    """``value`` as ``copy.deepcopy`` then ``convert_to_base64`` leave it, except
    that a list of plain values is the same list."""
    if isinstance(value, dict):
        return {key: _sendable_item(key, item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        if all(isinstance(item, _PLAIN) for item in value):
            return value
        return type(value)(_sendable(item) for item in value)
    return value


def _sendable_item(key: str, value: Any) -> Any:
    """A dict's entry: an array written as Plotly's typed array; under a key
    Plotly leaves as it is, a copy."""
    if is_skipped_key(key):
        return copy.deepcopy(value)
    if is_homogeneous_array(value):
        return to_typed_array_spec(value)
    return _sendable(value)
