"""Prediction heads: what a workspace's model(s) predict for each example.

Every workspace has a classification head (the classifier's label). A
regression head (a one-output model scored against a numeric column) can sit
beside it: its columns in the analysis frame are ``pred_score``, ``residual``
(score minus gold) and ``abs_error``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.session.columns import ABS_ERROR, PRED_SCORE, RESIDUAL

CLASSIFICATION, REGRESSION = "classification", "regression"
# The classification head's name: the label it predicts.
LABEL_HEAD = "label"


@dataclass(frozen=True)
class Head:
    """One prediction field: ``name`` is the label or gold column it predicts."""

    name: str
    kind: str

    @property
    def title(self) -> str:
        """How pickers and captions name it, e.g. "rating (regression)"."""
        return f"{self.name} ({self.kind})"

    @property
    def is_regression(self) -> bool:
        return self.kind == REGRESSION


def with_regression_head(
    frame: pd.DataFrame, scores: np.ndarray, gold_column: str
) -> pd.DataFrame:
    """``frame`` plus ``pred_score``, ``residual`` and ``abs_error`` columns.

    The errors are NaN where the gold value is missing.

    Raises:
        LumenError: the gold column is missing or not numeric, or the number
            of scores is not the number of rows.
    """
    if gold_column not in frame.columns or not pd.api.types.is_numeric_dtype(
        frame[gold_column]
    ):
        raise LumenError(
            f"'{gold_column}' is not a numeric column of the data: map a numeric "
            "column as metadata and make it the regression head's gold column."
        )
    if len(scores) != len(frame):
        raise LumenError(f"{len(scores)} scores for {len(frame)} rows.")
    score = np.asarray(scores, dtype=float)
    residual = score - frame[gold_column].astype(float).to_numpy()
    return frame.assign(
        **{PRED_SCORE: score, RESIDUAL: residual, ABS_ERROR: np.abs(residual)}
    )


def error_above(frame: pd.DataFrame, threshold: float) -> pd.Series:
    """The filter "absolute error > ``threshold``": a boolean mask over the rows.

    Rows without a gold value never pass.

    Raises:
        LumenError: a negative threshold.
    """
    if threshold < 0:
        raise LumenError(f"The error threshold must be 0 or more, not {threshold}.")
    return frame[ABS_ERROR].gt(threshold).fillna(False).astype(bool)
