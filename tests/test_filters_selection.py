"""Filters and the selection: plain data, exact behaviour."""

import pandas as pd
import pytest

from litcore.api.errors import LumenError
from litcore.view.filters import Filters, filter_mask, original_rows
from litcore.view.selection import Selection, member_mask, rows_with_ids

FRAME = pd.DataFrame(
    {
        "id": ["a", "b", "c", "d"],
        "text": ["Great film", "awful plot", "great acting (really)", "fine"],
        "label": ["pos", "neg", "pos", "neg"],
        "pred": ["pos", "pos", "neg", "neg"],
        "confidence": [0.9, 0.6, 0.55, 0.99],
        "correct": pd.array([True, False, False, True], dtype="boolean"),
        "genre": ["drama", "comedy", "drama", "comedy"],
        "year": [2000, 2001, 2002, 2003],
    }
)


def ids(filters: Filters) -> list[str]:
    return FRAME.loc[filter_mask(FRAME, filters), "id"].tolist()


def test_each_filter():
    assert ids(Filters()) == ["a", "b", "c", "d"]
    assert ids(Filters(misclassified_only=True)) == ["b", "c"]
    assert ids(Filters(gold=("pos",))) == ["a", "c"]
    assert ids(Filters(pred=("neg",))) == ["c", "d"]
    assert ids(Filters(confidence=(0.5, 0.7))) == ["b", "c"]
    assert ids(Filters(search="great")) == ["a", "c"]
    assert ids(Filters(search=r"\(really\)", regex=True)) == ["c"]
    assert ids(Filters(search="(really)")) == ["c"]  # plain search is literal
    assert ids(Filters(categorical={"genre": ("comedy",)})) == ["b", "d"]
    assert ids(Filters(numeric={"year": (2001, 2002)})) == ["b", "c"]


def test_filters_combine():
    assert ids(Filters(misclassified_only=True, gold=("pos",))) == ["c"]


def test_bad_regex_is_a_user_error():
    with pytest.raises(LumenError, match="Invalid regular expression"):
        ids(Filters(search="(", regex=True))


def test_unknown_gold_is_never_misclassified():
    frame = FRAME.assign(correct=pd.array([True, pd.NA, False, True], dtype="boolean"))
    assert frame.loc[
        filter_mask(frame, Filters(misclassified_only=True)), "id"
    ].tolist() == ["c"]


def test_selection_keeps_primary_and_steps_round():
    selection = Selection().select(["x", "y", "x", "z"])
    assert selection.ids == ("x", "y", "z") and selection.primary == "x"
    assert selection.select(["z", "y"]).primary == "z"
    kept = selection.with_primary("y").select(["z", "y"])
    assert kept.primary == "y"
    assert selection.step_primary(1).primary == "y"
    assert selection.step_primary(-1).primary == "z"
    assert selection.with_pinned("p").clear() == Selection(pinned="p")


def test_restrict_drops_unknown_ids():
    selection = Selection(ids=("a", "gone"), primary="gone", pinned="a")
    assert selection.restrict({"a"}) == Selection(ids=("a",), primary=None, pinned="a")


def test_absolute_error_filter_acts_only_with_a_regression_head():
    with_head = FRAME.assign(abs_error=[0.2, 1.5, float("nan"), 3.0])
    kept = filter_mask(with_head, Filters(abs_error_above=1.0))
    assert with_head.loc[kept, "id"].tolist() == ["b", "d"]  # NaN: no gold, never
    assert ids(Filters(abs_error_above=1.0)) == ["a", "b", "c", "d"]  # no head


def test_a_link_carries_the_absolute_error_filter():
    from litcore.view.links import decode_link, encode_link

    filters = Filters(misclassified_only=True, abs_error_above=1.5)
    params = encode_link("movies", "demo", "", "fp", filters, Selection(), ["a"])
    assert decode_link(params).filters == filters
    with pytest.raises(LumenError, match="absolute-error filter must be 0 or more"):
        decode_link({"data": "movies", "f": '{"abs_error_above": -1}'})


@pytest.mark.parametrize("dtype", ["str", object])
def test_member_mask_is_isin_in_the_rows_order(dtype):
    ids = FRAME["id"].astype(dtype)
    assert member_mask(ids, ("c", "zz", "a")).tolist() == [True, False, True, False]
    assert member_mask(["b", "q"], ids).tolist() == [True, False]
    assert member_mask(ids, ()).tolist() == [False] * 4
    forged = ["a", 1, None, 2.5]  # not strings: they match nothing
    assert member_mask(ids, forged).tolist() == [True, False, False, False]
    with_missing = pd.Series(["a", None, "c"], dtype=dtype)
    assert member_mask(with_missing, ["c", "a"]).tolist() == [True, False, True]
    assert rows_with_ids(FRAME, ["d", "b", "b"])["id"].tolist() == ["b", "d"]


def test_original_rows_leave_out_edits_and_keep_an_unedited_frame_as_is():
    unedited = FRAME.assign(origin="original")
    assert original_rows(unedited) is unedited
    edited = FRAME.assign(origin=["original", "edited", "original", "generated:x"])
    assert original_rows(edited)["id"].tolist() == ["a", "c"]
