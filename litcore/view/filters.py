"""Sidebar filters as plain data, applied to the analysis frame after caching."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pandas as pd

from litcore.api.errors import LumenError
from litcore.session.columns import (
    ABS_ERROR,
    AGREE,
    CONFIDENCE,
    CORRECT,
    LABEL,
    ORIGIN,
    PRED,
    TEXT,
    TEXT_B,
)
from litcore.session.heads import error_above
from litcore.session.overlay import ORIGINAL


@dataclass(frozen=True)
class Filters:
    """What to show. Empty tuples and None mean "no restriction".

    Attributes:
        misclassified_only: keep rows whose prediction differs from the gold label.
        gold: keep these gold labels.
        pred: keep these predicted labels.
        confidence: keep confidence within [low, high].
        search: text to find in the text (and second text).
        regex: treat ``search`` as a regular expression.
        categorical: metadata column -> values to keep.
        numeric: metadata column -> [low, high] to keep.
        disagree_only: keep rows where two compared models predict differently.
        abs_error_above: keep rows whose regression head's absolute error is
            above this (0: no restriction).
    """

    misclassified_only: bool = False
    gold: tuple[str, ...] = ()
    pred: tuple[str, ...] = ()
    confidence: tuple[float, float] = (0.0, 1.0)
    search: str = ""
    regex: bool = False
    categorical: dict[str, tuple[str, ...]] = field(default_factory=dict)
    numeric: dict[str, tuple[float, float]] = field(default_factory=dict)
    disagree_only: bool = False
    abs_error_above: float = 0.0

    def is_active(self) -> bool:
        return self != Filters()


def original_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``frame`` that are not the session's edited or generated ones:
    ``frame`` itself when it has none (so that it stays the same object)."""
    original = (frame[ORIGIN] == ORIGINAL).to_numpy()
    return frame if original.all() else frame[original]


def filter_mask(frame: pd.DataFrame, filters: Filters) -> pd.Series:
    """A boolean mask over ``frame``'s rows that pass every filter.

    Raises:
        LumenError: an invalid regular expression.
    """
    mask = pd.Series(True, index=frame.index)
    if filters.misclassified_only and CORRECT in frame.columns:
        mask &= frame[CORRECT].eq(False).fillna(False).astype(bool)
    if filters.disagree_only and AGREE in frame.columns:
        mask &= ~frame[AGREE].astype(bool)
    if filters.abs_error_above and ABS_ERROR in frame.columns:
        mask &= error_above(frame, filters.abs_error_above)
    if filters.gold and LABEL in frame.columns:
        mask &= frame[LABEL].isin(filters.gold)
    if filters.pred:
        mask &= frame[PRED].isin(filters.pred)
    low, high = filters.confidence
    if (low, high) != (0.0, 1.0):
        mask &= frame[CONFIDENCE].between(low, high)
    if filters.search:
        mask &= _text_matches(frame, filters.search, filters.regex)
    for column, values in filters.categorical.items():
        if column in frame.columns and values:
            mask &= frame[column].astype(str).isin(values)
    for column, (low, high) in filters.numeric.items():
        if column in frame.columns:
            mask &= frame[column].between(low, high).fillna(False).astype(bool)
    return mask


def search_problem(search: str, regex: bool) -> str | None:
    """Why ``search`` cannot be used (an invalid regular expression), or None."""
    if not regex:
        return None
    try:
        re.compile(search)
    except re.error as error:
        return f"Invalid regular expression '{search}': {error}."
    return None


def _text_matches(frame: pd.DataFrame, search: str, regex: bool) -> pd.Series:
    problem = search_problem(search, regex)
    if problem:
        raise LumenError(problem)
    columns = [c for c in (TEXT, TEXT_B) if c in frame.columns]
    found = pd.Series(False, index=frame.index)
    for column in columns:
        found |= frame[column].str.contains(search, case=False, regex=regex, na=False)
    return found
