"""The Data table's server side: which rows, in which order, one page at a time.

Plain data, no Streamlit: the browser receives one page of rows, and a click
on a page's row is mapped back to its example id here.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.session.columns import ID
from litcore.view.selection import member_mask

PAGE_SIZES = (100, 200, 500, 1000)
# How rows are listed: all of them, only the selected ones, or the selected first.
ALL, ONLY_SELECTED, SELECTED_FIRST = "All", "Only selected", "Selected first"
SHOW_MODES = (ALL, ONLY_SELECTED, SELECTED_FIRST)


def table_order(
    frame: pd.DataFrame,
    mode: str,
    selected: Collection[str],
    sort_column: str | None = None,
    descending: bool = False,
) -> np.ndarray:
    """The positions of ``frame``'s rows that the table lists, in order.

    Only the sort column is read and reordered: a page then takes its own rows
    (``page_rows``), never the whole frame (at a million rows, taking every
    row's text for a sort cost 0.3-2.7 s).

    Args:
        frame: the filtered rows (with an ``id`` column).
        mode: one of ``SHOW_MODES``.
        selected: the selected example ids.
        sort_column: a column to sort by (stable, missing values last), or None
            for the frame's order.
        descending: sort from the largest value.

    Raises:
        LumenError: an unknown mode or column.
    """
    if mode not in SHOW_MODES:
        raise LumenError(
            f"Unknown table mode '{mode}'. Choose: {', '.join(SHOW_MODES)}."
        )
    if sort_column is not None and sort_column not in frame.columns:
        raise LumenError(
            f"Cannot sort by '{sort_column}': the table has no such column."
        )
    order = np.arange(len(frame))
    if mode == ONLY_SELECTED:
        order = np.flatnonzero(member_mask(frame[ID], selected))
    if sort_column is not None:
        keys = frame[sort_column].reset_index(drop=True)  # labelled by position
        if mode == ONLY_SELECTED:
            keys = keys.iloc[order]
        ranked = keys.sort_values(
            ascending=not descending, kind="stable", na_position="last"
        )
        order = ranked.index.to_numpy()
    if mode == SELECTED_FIRST and len(selected):
        chosen = member_mask(frame[ID], selected)[order]
        order = np.concatenate([order[chosen], order[~chosen]])
    return order


def page_count(total: int, size: int) -> int:
    """How many pages of ``size`` rows hold ``total`` rows (at least one)."""
    if size < 1:
        raise LumenError(f"A page holds at least one row, got {size}.")
    return max(1, -(-total // size))


def page_rows(
    frame: pd.DataFrame, order: np.ndarray, page: int, size: int
) -> pd.DataFrame:
    """Page ``page`` (from 1; clamped to the pages there are) of ``size`` rows of
    ``frame`` listed in ``order`` (``table_order``)."""
    page = min(max(page, 1), page_count(len(order), size))
    return frame.iloc[order[(page - 1) * size : page * size]]


def clicked_ids(page: pd.DataFrame, positions: Sequence[int]) -> list[str]:
    """The ids of the rows at ``positions`` of the page the browser was sent.

    Positions outside the page (a stale click after the rows changed) are
    dropped.
    """
    ids = page[ID].to_numpy()
    return [str(ids[p]) for p in positions if 0 <= p < len(ids)]


def with_page_clicks(
    selected: Sequence[str], page_ids: Collection[str], clicked: Sequence[str]
) -> list[str]:
    """The selection after clicks on one page: its rows on that page are
    replaced by ``clicked``; rows selected on other pages (or elsewhere) stay."""
    on_page = set(page_ids)
    return [i for i in selected if i not in on_page] + list(clicked)
