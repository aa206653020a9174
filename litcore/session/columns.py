"""The analysis frame's column names: one home for every page, filter, link and test.

A workspace's frame (``litcore.session.workspace.Workspace.frame``) holds the
dataset's columns (id, text [, text_b], label, metadata), the classifier's
outputs, model B's when comparing, the regression head's when there is one,
and, in a session frame, where each row came from (the overlay's columns).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

# The dataset's fixed columns (``litcore.data.dataset``); all others are metadata.
ID, TEXT, TEXT_B, LABEL = "id", "text", "text_b", "label"

# The classifier's outputs (``litcore.session.predictions.analysis_frame``).
PRED, CONFIDENCE, CORRECT = "pred", "confidence", "correct"
PROBA_PREFIX = "p_"
# Per text: its length in words and whether the model saw all of it.
LENGTH, TRUNCATED = "length", "truncated"

# Model B's outputs beside model A's (``litcore.metrics.agreement.with_model_b``).
PRED_B, CONFIDENCE_B, CORRECT_B = "pred_b", "confidence_b", "correct_b"
PROBA_B_PREFIX = "p_b_"
AGREE = "agree"

# The regression head's outputs (``litcore.session.heads.with_regression_head``).
PRED_SCORE, RESIDUAL, ABS_ERROR = "pred_score", "residual", "abs_error"

# Edited and generated rows of a session (``litcore.session.overlay``).
ORIGIN, PARENT_ID = "origin", "parent_id"

_OUTPUT_COLUMNS = frozenset(
    {PRED, CONFIDENCE, CORRECT, PRED_B, CONFIDENCE_B, CORRECT_B, AGREE}
    | {PRED_SCORE, RESIDUAL, ABS_ERROR}
)


def proba_column(label: str) -> str:
    """The classifier's probability of class ``label``."""
    return f"{PROBA_PREFIX}{label}"


def proba_b_column(label: str) -> str:
    """Model B's probability of class ``label``."""
    return f"{PROBA_B_PREFIX}{label}"


def classifier_columns(labels: Iterable[str]) -> tuple[str, ...]:
    """The classifier's output columns: prediction, confidence, correct, probas."""
    return (PRED, CONFIDENCE, CORRECT, *map(proba_column, labels))


def model_b_columns(labels: Iterable[str]) -> tuple[str, ...]:
    """Model B's output columns and ``agree``."""
    return (PRED_B, CONFIDENCE_B, CORRECT_B, AGREE, *map(proba_b_column, labels))


# The regression head's output columns.
HEAD_COLUMNS = (PRED_SCORE, RESIDUAL, ABS_ERROR)
# Where a session frame's rows came from.
OVERLAY_COLUMNS = (ORIGIN, PARENT_ID)


def is_model_output(column: str) -> bool:
    """Whether a model made ``column`` (a prediction, probability, error or
    agreement), so it is no metadata to filter on."""
    return column in _OUTPUT_COLUMNS or column.startswith(PROBA_PREFIX)


def display_order(
    frame_columns: Iterable[str],
    labels: Sequence[str],
    metadata: Sequence[str],
    regression_gold: str | None = None,
    regression_first: bool = False,
) -> list[str]:
    """The columns of a frame as a table shows them, left to right.

    Texts, then the heads' columns (gold and outputs; the classifier's first
    unless ``regression_first``), model B's beside the classifier's, then
    metadata, length, truncation and the overlay's columns. Columns the frame
    lacks are left out.

    Args:
        frame_columns: the frame's columns.
        labels: the classifier's classes.
        metadata: the data's metadata columns.
        regression_gold: the regression head's gold column, if there is a head.
        regression_first: put the regression head's columns before the
            classifier's (when it is the head shown).
    """
    classifier = [LABEL, *classifier_columns(labels), *model_b_columns(labels)]
    regression = [regression_gold, *HEAD_COLUMNS] if regression_gold else []
    heads = [regression, classifier] if regression_first else [classifier, regression]
    ordered = [ID, TEXT, TEXT_B, *heads[0], *heads[1], *metadata, LENGTH, TRUNCATED]
    present = set(frame_columns)
    return [c for c in dict.fromkeys([*ordered, *OVERLAY_COLUMNS]) if c in present]
