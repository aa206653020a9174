"""Clicked cells of a count matrix (a confusion or agreement matrix) -> example ids.

Plain data, no Streamlit: the Metrics page's ``on_select`` callback hands the
clicked cells here and stores the ids as the shared selection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from litcore.metrics.classification import ALL_CLASSES


def cell_mask(
    frame: pd.DataFrame,
    cells: Sequence[Mapping[str, str]],
    fields: Mapping[str, str],
) -> pd.Series:
    """Which rows of ``frame`` fall in any of ``cells``.

    Args:
        frame: the analysis frame (or the filtered part of it).
        cells: the clicked cells, each the matrix's field -> value; a total's
            ``ALL_CLASSES`` on one field matches the whole row or column.
        fields: the matrix's fields -> the frame's columns they count.

    Returns:
        A boolean series on ``frame``'s index (all False for no cells).
    """
    mask = pd.Series(False, index=frame.index)
    for cell in cells:
        in_cell = pd.Series(True, index=frame.index)
        for field, column in fields.items():
            if cell[field] != ALL_CLASSES:
                in_cell &= frame[column] == cell[field]
        mask |= in_cell
    return mask


def cell_ids(
    frame: pd.DataFrame,
    cells: Sequence[Mapping[str, str]],
    fields: Mapping[str, str],
) -> list[str]:
    """The ``id``s of the rows of ``frame`` in any of ``cells``, in frame order
    (see ``cell_mask``)."""
    return frame.loc[cell_mask(frame, cells, fields), "id"].tolist()
