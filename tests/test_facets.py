"""Metric breakdown by a field: categorical values and numeric quantile bins."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from litcore.api.errors import LumenError
from litcore.metrics.facets import OTHER, facet_buckets, facet_table
from litcore.session.predictions import frame_report

LABELS = ("negative", "positive")


def analysis_rows() -> pd.DataFrame:
    """Eight scored rows: the model is right on the short ones, wrong on long ones."""
    p_positive = np.array([0.9, 0.1, 0.8, 0.2, 0.1, 0.9, 0.3, 0.7])
    gold = ["positive", "negative"] * 4
    return pd.DataFrame(
        {
            "id": [f"e{i}" for i in range(8)],
            "label": gold,
            "p_negative": 1 - p_positive,
            "p_positive": p_positive,
            "length": [1, 2, 3, 4, 5, 6, 7, 8],
            "genre": ["a", "a", "b", "b", "a", "a", "b", "b"],
        }
    )


def test_numeric_fields_get_quantile_bins_with_readable_edges():
    buckets = facet_buckets(pd.Series([1, 2, 3, 4, 5, 6, 7, 8, 9, 10.0]), n_bins=2)
    assert list(buckets.cat.categories) == ["[1, 5.5)", "[5.5, 10]"]
    assert buckets.value_counts().tolist() == [5, 5]


def test_numeric_bins_merge_when_quantiles_coincide_and_keep_missing():
    values = pd.Series([0.0] * 8 + [1, 2, 3, 4, 5, 6, 7, 8, 9] + [np.nan])
    buckets = facet_buckets(values, n_bins=4)
    assert buckets.cat.categories[-1] == "(missing)"
    assert len(buckets.cat.categories) == 4  # two quantiles are 0: 3 bins + missing
    assert buckets.iloc[-1] == "(missing)"


def test_few_distinct_numbers_are_categories_in_numeric_order():
    buckets = facet_buckets(pd.Series([10, 2, 2, 1]))
    assert list(buckets.cat.categories) == ["1", "2", "10"]


def test_rare_categories_are_grouped_as_other():
    values = pd.Series([f"v{i}" for i in range(25)] + ["v0"] * 5)
    buckets = facet_buckets(values)
    assert len(buckets.cat.categories) == 21 and buckets.cat.categories[-1] == OTHER
    assert (buckets == OTHER).sum() == 5


def test_facet_table_scores_each_bucket_exactly():
    table = facet_table(analysis_rows(), "length", LABELS, n_bins=2)
    assert table["bucket"].tolist() == ["[1, 4.5)", "[4.5, 8]"]
    assert table["examples"].tolist() == [4, 4]
    assert table["accuracy"].tolist() == [1.0, 0.0]
    by_genre = facet_table(analysis_rows(), "genre", LABELS)
    assert by_genre.set_index("bucket")["accuracy"].to_dict() == {"a": 0.5, "b": 0.5}


def test_unlabelled_buckets_are_counted_but_not_scored():
    frame = analysis_rows().assign(label=["zzz"] * 4 + ["positive", "negative"] * 2)
    table = facet_table(frame, "genre", LABELS).set_index("bucket")
    assert table.loc["a", "examples"] == 4 and table.loc["a", "scored"] == 2
    assert table["accuracy"].notna().all()
    unscored = facet_table(frame.iloc[:4], "genre", LABELS)
    assert unscored["scored"].tolist() == [0, 0]


def test_bad_fields_and_bins_raise():
    with pytest.raises(LumenError, match="No field"):
        facet_table(analysis_rows(), "nope", LABELS)
    with pytest.raises(LumenError):
        facet_buckets(pd.Series([1.0, 2.0]), n_bins=1)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("field", ["length", "genre"])
def test_facet_table_equals_a_report_per_bucket(seed, field):
    """Each bucket's row is ``frame_report`` on that bucket's rows, exactly, with
    gold labels outside the model's classes and missing values in both columns."""
    rng = np.random.default_rng(seed)
    n = 400
    p_positive = np.round(rng.random(n), 2)
    gold = rng.choice(np.array([*LABELS, "zzz", None], dtype=object), n)
    length = rng.integers(1, 60, n).astype(float)
    length[rng.random(n) < 0.05] = np.nan
    genre = rng.choice(np.array([f"g{i}" for i in range(25)] + [None], dtype=object), n)
    frame = pd.DataFrame(
        {
            "label": pd.Series(gold, dtype="string[pyarrow]"),
            "p_negative": 1 - p_positive,
            "p_positive": p_positive,
            "length": length,
            "genre": genre,
        }
    )
    table = facet_table(frame, field, LABELS, n_bins=2 + seed)
    buckets = facet_buckets(frame[field], 2 + seed)
    expected = []
    for bucket in buckets.cat.categories:
        members = frame[(buckets == bucket).to_numpy()]
        if len(members):
            report = frame_report(members, LABELS)
            row = {"bucket": str(bucket), "examples": len(members), "scored": report.n}
            expected.append(row | report.headline)
    pd.testing.assert_frame_equal(table, pd.DataFrame(expected), check_exact=True)
