"""Shareable links: encode / decode round trips, compact selections, bad links."""

from __future__ import annotations

import pandas as pd
import pytest

from litcore.api.errors import LumenError
from litcore.view.filters import Filters
from litcore.view.links import (
    decode_link,
    encode_link,
    pack_ids,
    resolve_selection,
    unpack_ids,
)
from litcore.view.selection import Selection

IDS = [f"{i:012x}" for i in range(2000)]


def test_pack_ids_is_compact_and_round_trips_in_dataset_order():
    chosen = [IDS[1999], IDS[7], IDS[0], IDS[1000]]
    token = pack_ids(chosen, IDS)
    assert unpack_ids(token, IDS) == (IDS[0], IDS[7], IDS[1000], IDS[1999])
    assert len(pack_ids(IDS[::3], IDS)) < 400  # 667 ids in a few hundred characters
    assert unpack_ids(pack_ids([], IDS), IDS) == ()


def test_pack_ids_reads_an_id_column_as_it_reads_a_list():
    column = pd.Series(IDS, dtype="str")  # pandas' Arrow-backed strings
    chosen = [IDS[5], "not-an-id", IDS[1234]]
    assert pack_ids(chosen, column) == pack_ids(chosen, IDS)
    assert unpack_ids(pack_ids(chosen, column), IDS) == (IDS[5], IDS[1234])


@pytest.mark.parametrize("token", ["!!!", "abc", pack_ids(["a"], ["a", "b"])])
def test_damaged_or_foreign_selections_raise(token):
    with pytest.raises(LumenError):
        unpack_ids(token, IDS)


def test_a_full_view_round_trips():
    filters = Filters(
        misclassified_only=True,
        gold=("positive",),
        confidence=(0.2, 0.9),
        search="plot",
        categorical={"genre": ("a", "b")},
        numeric={"rating": (-1.5, 2.0)},
    )
    selection = Selection(ids=(IDS[3], IDS[5]), primary=IDS[5], pinned=IDS[9])
    params = encode_link("movies", "demo", "table", "fp1", filters, selection, IDS)
    assert all(isinstance(v, str) for v in params.values())
    link = decode_link(params)
    assert (link.dataset, link.model, link.page) == ("movies", "demo", "table")
    assert link.filters == filters
    restored, messages = resolve_selection(link, "fp1", IDS)
    assert restored == selection and messages == []


def test_defaults_stay_out_of_the_link():
    params = encode_link("movies", "demo", "", "fp", Filters(), Selection(), IDS)
    assert params == {"data": "movies", "model": "demo"}
    assert decode_link(params).filters == Filters()


def test_a_plain_url_carries_no_view():
    assert decode_link({}) is None
    assert decode_link({"utm": "x"}) is None


@pytest.mark.parametrize(
    "filters",
    [
        "{not json",
        "[1]",
        '{"colour":["red"]}',
        '{"gold":"positive"}',
        '{"confidence":[0.9,0.1]}',
        '{"confidence":[0,2]}',
        '{"misclassified_only":"yes"}',
        '{"numeric":{"rating":[1]}}',
        '{"categorical":{"genre":[1]}}',
        '{"search":3}',
    ],
)
def test_malformed_filters_raise_a_message(filters):
    with pytest.raises(LumenError, match="link"):
        decode_link({"data": "movies", "f": filters})


def test_other_malformed_links_raise_a_message():
    with pytest.raises(LumenError, match="no dataset"):
        decode_link({"data": " "})
    with pytest.raises(LumenError, match="fingerprint"):
        decode_link({"data": "movies", "fp": "../x"})
    with pytest.raises(LumenError, match="too long"):
        decode_link({"data": "movies", "sel": "a" * 20_001})


def test_stale_links_keep_nothing_and_say_why():
    selection = Selection(ids=(IDS[1],), primary=IDS[1])
    params = encode_link("movies", "demo", "", "old", Filters(), selection, IDS)
    restored, messages = resolve_selection(decode_link(params), "new", IDS)
    assert restored == Selection()
    assert "different version" in messages[0]


def test_unknown_primary_and_pinned_ids_are_reported_and_dropped():
    params = {
        "data": "movies",
        "fp": "fp",
        "sel": pack_ids(IDS[:2], IDS),
        "primary": "feedfacecafe",
        "pinned": "deadbeef0000",
    }
    restored, messages = resolve_selection(decode_link(params), "fp", IDS)
    assert restored == Selection(ids=(IDS[0], IDS[1]), primary=IDS[0])
    assert len(messages) == 2 and "feedfacecafe" in messages[0]


def test_a_damaged_selection_is_reported_but_the_primary_kept():
    params = {"data": "movies", "fp": "fp", "sel": "%%%", "primary": IDS[4]}
    restored, messages = resolve_selection(decode_link(params), "fp", IDS)
    assert restored == Selection(primary=IDS[4])
    assert "damaged" in messages[0]


def test_a_link_carries_the_regression_head_and_the_head_shown():
    params = encode_link(
        "movies",
        "demo",
        "",
        "fp",
        Filters(),
        Selection(),
        ["a"],
        regression_head=("/models/rating", "rating"),
        shown_head="rating",
    )
    link = decode_link(params)
    assert link.regression_head == ("/models/rating", "rating")
    assert link.shown_head == "rating"
    without = decode_link({"data": "movies"})
    assert without.regression_head is None and without.shown_head is None
    with pytest.raises(LumenError, match="both a model and a column"):
        decode_link({"data": "movies", "head": "/models/rating"})
