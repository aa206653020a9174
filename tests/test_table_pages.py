"""The Data table's server side: modes, server sort, pages, clicks back to ids."""

from __future__ import annotations

import pandas as pd
import pytest

from litcore.api.errors import LumenError
from litcore.view.table_pages import (
    ALL,
    ONLY_SELECTED,
    SELECTED_FIRST,
    clicked_ids,
    page_count,
    page_rows,
    table_order,
    with_page_clicks,
)


@pytest.fixture
def rows() -> pd.DataFrame:
    return pd.DataFrame(
        {"id": list("abcdefg"), "confidence": [0.5, 0.9, None, 0.1, 0.9, 0.7, 0.3]}
    )


def listed(rows, *args, **kwargs) -> list[str]:
    """The ids the table lists, in order."""
    return rows["id"].iloc[table_order(rows, *args, **kwargs)].tolist()


def test_all_rows_unsorted_are_the_frame_in_its_order(rows):
    assert table_order(rows, ALL, ["b"]).tolist() == list(range(len(rows)))


def test_sort_is_stable_with_missing_values_last(rows):
    assert listed(rows, ALL, [], "confidence") == list("dgafbec")
    assert listed(rows, ALL, [], "confidence", descending=True) == list("befagdc")


def test_modes_list_only_or_first_the_selected_rows(rows):
    assert listed(rows, ONLY_SELECTED, ["f", "b"]) == ["b", "f"]
    assert listed(rows, ONLY_SELECTED, ["f", "b", "d"], "confidence") == list("dfb")
    first = listed(rows, SELECTED_FIRST, ["f", "b"], "confidence")
    assert first == ["f", "b", "d", "g", "a", "e", "c"]


def test_bad_mode_or_column_is_a_lumen_error(rows):
    with pytest.raises(LumenError, match="Unknown table mode"):
        table_order(rows, "Some", [])
    with pytest.raises(LumenError, match="no such column"):
        table_order(rows, ALL, [], "nope")
    with pytest.raises(LumenError, match="at least one row"):
        page_count(10, 0)


def test_pages_cover_every_row_once_and_clamp(rows):
    assert page_count(7, 3) == 3 and page_count(0, 3) == 1
    order = table_order(rows, ALL, [])
    pages = [page_rows(rows, order, n, 3)["id"].tolist() for n in (1, 2, 3)]
    assert pages == [list("abc"), list("def"), ["g"]]
    assert page_rows(rows, order, 99, 3)["id"].tolist() == ["g"]
    assert page_rows(rows, order, 0, 3)["id"].tolist() == list("abc")
    down = table_order(rows, ALL, [], "confidence", descending=True)
    assert page_rows(rows, down, 2, 3)["id"].tolist() == list("agd")


def test_clicks_on_a_page_map_back_to_its_ids(rows):
    second = page_rows(rows, table_order(rows, ALL, []), 2, 3).reset_index(drop=True)
    assert clicked_ids(second, [2, 0]) == ["f", "d"]
    assert clicked_ids(second, [5, -1]) == []  # stale positions are dropped


def test_a_pages_clicks_replace_only_that_pages_part_of_the_selection():
    selected = ["a", "e", "x"]  # a on page 1, e on page 2, x elsewhere
    assert with_page_clicks(selected, ["d", "e", "f"], ["f"]) == ["a", "x", "f"]
    assert with_page_clicks(selected, ["a", "b", "c"], []) == ["e", "x"]
