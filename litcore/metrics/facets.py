"""Metrics broken down by a metadata field: one row per value or quantile bin."""

from __future__ import annotations

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.data.dataset import is_continuous
from litcore.metrics.base import Metric
from litcore.session.predictions import rows_report

# Categorical fields keep their most frequent values; the rest become "other".
MAX_CATEGORIES = 20
OTHER = "(other)"
MISSING = "(missing)"


def facet_buckets(values: pd.Series, n_bins: int = 4) -> pd.Series:
    """The bucket of each value: itself for categories, a quantile bin for numbers.

    Continuous numeric fields (``is_continuous``) get up to ``n_bins`` quantile
    bins labelled ``[low, high)`` (fewer when quantiles coincide); missing values
    get ``(missing)``.

    Returns:
        An ordered categorical Series aligned with ``values``.
    """
    if n_bins < 2:
        raise LumenError(f"Use at least 2 bins, got {n_bins}.")
    if is_continuous(values):
        return _quantile_bins(values.astype(float), n_bins)
    as_text = values.astype("string").fillna(MISSING)
    counts = as_text.value_counts()
    keep = counts.index[:MAX_CATEGORIES]
    as_text = as_text.where(as_text.isin(keep), OTHER)
    order = sorted(keep, key=_natural_key)
    if (as_text == OTHER).any():
        order.append(OTHER)
    return pd.Series(
        pd.Categorical(as_text, categories=order, ordered=True), index=values.index
    )


def _natural_key(value: str) -> tuple[int, float, str]:
    try:
        return (0, float(value), value)
    except ValueError:
        return (1, 0.0, value)


def _quantile_bins(values: pd.Series, n_bins: int) -> pd.Series:
    edges = np.unique(np.nanquantile(values, np.linspace(0, 1, n_bins + 1)))
    labels = [f"[{low:g}, {high:g})" for low, high in zip(edges[:-1], edges[1:])]
    labels[-1] = labels[-1][:-1] + "]"
    which = np.clip(
        np.searchsorted(edges, values, side="right") - 1, 0, len(labels) - 1
    )
    missing = values.isna().to_numpy()
    which[missing] = len(labels)  # the code of MISSING, after the bins
    categories = labels + ([MISSING] if missing.any() else [])
    # From codes: no label string per row (a million rows: 1 M Python strings).
    return pd.Series(
        pd.Categorical.from_codes(which, categories=categories, ordered=True),
        index=values.index,
    )


def facet_table(
    frame: pd.DataFrame,
    field: str,
    labels: tuple[str, ...],
    n_bins: int = 4,
    metric: Metric | None = None,
) -> pd.DataFrame:
    """Headline metrics per bucket of ``field`` over an analysis frame.

    Args:
        frame: an analysis frame (``predictions.analysis_frame``).
        field: the column to break down by (metadata, ``length``, ``confidence``).
        labels: the model's classes.
        n_bins: quantile bins for numeric fields.
        metric: the classification metric (``frame_report``'s default when None).

    Returns:
        One row per bucket in order: ``bucket``, ``examples`` (rows in the
        bucket), ``scored`` (rows with a known gold label) and one column per
        headline metric (NaN where nothing is scored).

    Raises:
        LumenError: ``field`` is not a column of ``frame``.
    """
    if field not in frame.columns:
        raise LumenError(f"No field '{field}' to break down by.")
    buckets = facet_buckets(frame[field], n_bins)
    codes = buckets.cat.codes.to_numpy()
    # One stable sort groups the row positions by bucket, in frame order within
    # each: no frame copy per bucket (0.2 s of the 0.4 s at a million rows).
    order = np.argsort(codes, kind="stable")
    sizes = np.bincount(codes + 1, minlength=len(buckets.cat.categories) + 1)[1:]
    ends = np.cumsum(sizes) + (len(codes) - sizes.sum())  # after any code -1
    score = rows_report(frame, labels, metric)
    rows = []
    for bucket, size, end in zip(buckets.cat.categories, sizes, ends):
        if size == 0:
            continue
        report = score(order[end - size : end])
        rows.append(
            {
                "bucket": str(bucket),
                "examples": int(size),
                "scored": report.n if report else 0,
                **(report.headline if report else {}),
            }
        )
    return pd.DataFrame(rows)
