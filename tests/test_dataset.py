"""Building datasets: mapping, validation counts, stable ids, specs."""

import numpy as np
import pandas as pd
import pytest

from litcore.api import types
from litcore.api.errors import DataError
from litcore.data.dataset import (
    MAX_TEXT_CHARS,
    ColumnMapping,
    example_ids,
    from_frame,
    held_out_split,
    relabel,
)

RAW = pd.DataFrame(
    {
        "review": ["Great film", None, "  ", "Awful plot", "Great film", "x" * 20_000],
        "gold": ["pos", "neg", "pos", "neg", "pos", "neg"],
        "year": [2001, 2002, 2003, 2004, 2005, 2006],
        "genre": ["drama", "comedy", "drama", "comedy", "drama", "drama"],
    }
)
MAPPING = ColumnMapping(text="review", label="gold", metadata=("year", "genre"))


def test_mapping_renames_and_keeps_metadata():
    data = from_frame(RAW, MAPPING, name="reviews")
    assert data.frame.columns.tolist() == ["id", "text", "label", "year", "genre"]
    assert data.labels == ("neg", "pos")
    assert data.metadata_columns == ["year", "genre"]


def test_empty_texts_are_skipped_and_long_ones_cut():
    data = from_frame(RAW, MAPPING)
    assert data.report.n_rows == 6
    assert data.report.n_empty_skipped == 2
    assert data.report.n_truncated == 1
    assert data.report.n_kept == 4
    assert data.frame["text"].str.len().max() == MAX_TEXT_CHARS
    assert any("2 empty rows skipped" in m for m in data.report.messages)


def test_ids_are_content_hashes_and_unique():
    data = from_frame(RAW, MAPPING)
    ids = data.frame["id"].tolist()
    assert len(set(ids)) == len(ids)
    assert ids[2] == ids[0] + "-2"  # the repeated "Great film"/pos row
    again = from_frame(RAW.iloc[::-1].reset_index(drop=True), MAPPING)
    assert set(again.frame["id"].str.slice(0, 12)) == {i[:12] for i in ids}
    assert example_ids(pd.DataFrame({"text": ["a"]})) == example_ids(
        pd.DataFrame({"text": ["a"]})
    )


def test_missing_column_lists_the_available_ones():
    with pytest.raises(DataError, match="sentence.*Available columns: review, gold"):
        from_frame(RAW, ColumnMapping(text="sentence"))


def test_all_empty_is_an_error():
    with pytest.raises(DataError, match="No usable rows"):
        from_frame(pd.DataFrame({"text": [None, ""]}), ColumnMapping(text="text"))


def test_spec_types_follow_the_columns():
    spec = from_frame(RAW, MAPPING).spec()
    assert isinstance(spec["text"], types.TextSegment)
    assert spec["label"] == types.CategoryLabel(vocab=("neg", "pos"))
    assert isinstance(spec["year"], types.Scalar)
    assert isinstance(spec["genre"], types.CategoryLabel)


def test_sentence_pairs_keep_both_texts():
    raw = pd.DataFrame({"a": ["x y", "z"], "b": ["y", "w"], "l": ["e", "n"]})
    data = from_frame(raw, ColumnMapping(text="a", text_b="b", label="l"))
    assert data.has_text_b and data.texts_b() == ["y", "w"]


def test_fingerprint_changes_with_labels_and_relabel_keeps_the_original():
    data = from_frame(RAW, MAPPING)
    mapped = relabel(data, {"pos": "positive"})
    assert mapped.fingerprint != data.fingerprint
    assert mapped.labels == ("neg", "positive")
    assert (mapped.frame["original_label"] == data.frame["label"]).all()
    assert np.array_equal(mapped.frame["id"], data.frame["id"])


def test_held_out_split_is_disjoint_stable_and_never_empty():
    data = from_frame(RAW, MAPPING)
    held, train = held_out_split(data, eval_fraction=0.25)
    assert len(held) == 1 and len(train) == 3
    assert not set(held.frame["id"]) & set(train.frame["id"])
    assert held_out_split(data, 0.25)[0].frame.equals(held.frame)
    tiny = from_frame(RAW.iloc[:1], MAPPING)
    with pytest.raises(DataError, match="at least two"):
        held_out_split(tiny)
