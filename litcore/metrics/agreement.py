"""Two models on one dataset: model B's columns beside model A's, and agreement.

The analysis frame of model A (``predictions.analysis_frame``) gains model B's
prediction, confidence, correctness and per-class probabilities, and ``agree``
(both models predict the same class). Metrics of either model come from
``frame_report`` on ``as_model_b(frame)`` or the frame itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from math import comb

import pandas as pd

from litcore.api.errors import LumenError
from litcore.metrics.base import Metric
from litcore.metrics.classification import ClassificationReport, confusion_with_totals
from litcore.session.columns import (
    AGREE,
    CONFIDENCE,
    CONFIDENCE_B,
    CORRECT,
    CORRECT_B,
    ID,
    PRED,
    PRED_B,
    PROBA_B_PREFIX,
    proba_b_column,
    proba_column,
)
from litcore.session.predictions import frame_report


class ComparisonError(LumenError):
    """Model B cannot be compared with model A (other classes, other rows)."""


def _b_columns(labels: Sequence[str]) -> dict[str, str]:
    """Model A's column name -> the name of model B's column in a merged frame."""
    renames = {PRED: PRED_B, CONFIDENCE: CONFIDENCE_B, CORRECT: CORRECT_B}
    return renames | {proba_column(label): proba_b_column(label) for label in labels}


def check_same_labels(labels_a: Sequence[str], labels_b: Sequence[str]) -> None:
    """Raises ComparisonError unless both models have the same classes (any order)."""
    if set(labels_a) != set(labels_b):
        raise ComparisonError(
            f"Model B's classes ({', '.join(labels_b)}) differ from model A's "
            f"({', '.join(labels_a)}). Pick a second model with the same classes."
        )


def with_model_b(
    frame_a: pd.DataFrame, frame_b: pd.DataFrame, labels: Sequence[str]
) -> pd.DataFrame:
    """Model A's analysis frame plus model B's columns and ``agree``.

    Args:
        frame_a: model A's analysis frame.
        frame_b: model B's analysis frame over the same ids (any order).
        labels: the classes both models share.

    Returns:
        ``frame_a``'s rows in its order, with ``pred_b``, ``confidence_b``,
        ``correct_b`` (when A has it), ``p_b_<class>`` and ``agree``.

    Raises:
        ComparisonError: B lacks some of A's rows, or a column name is taken.
    """
    renames = {a: b for a, b in _b_columns(labels).items() if a in frame_b.columns}
    taken = sorted(set(renames.values()) & set(frame_a.columns))
    if taken:
        raise ComparisonError(
            f"The data already has column(s) {', '.join(taken)}, which model B's "
            "predictions need; rename them to compare two models."
        )
    missing = set(frame_a[ID]) - set(frame_b[ID])
    if missing:
        raise ComparisonError(
            f"Model B has no predictions for {len(missing):,} of the examples."
        )
    b_part = (
        frame_b.drop_duplicates(ID).set_index(ID)[list(renames)].rename(columns=renames)
    )
    merged = frame_a.join(b_part, on=ID)
    return merged.assign(**{AGREE: merged[PRED] == merged[PRED_B]})


def has_model_b(frame: pd.DataFrame) -> bool:
    return AGREE in frame.columns


def as_model_b(frame: pd.DataFrame) -> pd.DataFrame:
    """The merged frame with model B's columns in model A's place (for metrics)."""
    labels = [c[len(PROBA_B_PREFIX) :] for c in frame if c.startswith(PROBA_B_PREFIX)]
    to_a = {b: a for a, b in _b_columns(labels).items() if b in frame.columns}
    a_columns = [a for a in to_a.values() if a in frame.columns]
    return frame.drop(columns=a_columns).rename(columns=to_a)


def reports(
    frame: pd.DataFrame, labels: tuple[str, ...], metric: Metric | None = None
) -> tuple[ClassificationReport | None, ClassificationReport | None]:
    """(model A's, model B's) classification reports on the rows of ``frame``
    (``frame_report``'s ``metric``)."""
    return (
        frame_report(frame, labels, metric),
        frame_report(as_model_b(frame), labels, metric),
    )


def agreement_matrix(frame: pd.DataFrame, labels: Sequence[str]) -> pd.DataFrame:
    """Counts of (A's prediction, B's prediction), zeros and totals included.

    Long form with columns ``pred`` (model A), ``pred_b`` (model B), ``count``
    and ``kind`` ("cell" or "total"; a total has ``metrics.ALL_CLASSES`` on
    one side, as in ``metrics.confusion_with_totals``).
    """
    counts = confusion_with_totals(frame[PRED], frame[PRED_B], labels)
    return counts.rename(columns={"gold": PRED, "pred": PRED_B})


@dataclass(frozen=True)
class Agreement:
    """How often two models agree, and who is right where they differ.

    Attributes:
        n: examples compared.
        agree: examples where both predict the same class.
        both_correct, only_a_correct, only_b_correct, both_wrong: counts over
            the ``scored`` examples (a gold label both models know).
        mcnemar_p: exact two-sided McNemar p-value of only-A vs only-B correct
            (None without scored examples).
    """

    n: int
    agree: int
    scored: int
    both_correct: int
    only_a_correct: int
    only_b_correct: int
    both_wrong: int
    mcnemar_p: float | None

    @property
    def agreement_rate(self) -> float:
        return self.agree / self.n if self.n else float("nan")


def mcnemar_exact(only_a: int, only_b: int) -> float:
    """Two-sided exact McNemar test: P(a split this uneven | Binomial(n, 1/2)).

    Args:
        only_a: examples only model A gets right.
        only_b: examples only model B gets right.
    """
    discordant = only_a + only_b
    if discordant == 0:
        return 1.0
    tail = sum(comb(discordant, k) for k in range(min(only_a, only_b) + 1))
    return min(1.0, 2 * tail / 2**discordant)


def agreement(frame: pd.DataFrame) -> Agreement:
    """Agreement counts of a merged frame (``with_model_b``)."""
    agree = int(frame[AGREE].sum())
    if CORRECT not in frame.columns:
        return Agreement(len(frame), agree, 0, 0, 0, 0, 0, None)
    scored = frame[CORRECT].notna() & frame[CORRECT_B].notna()
    a_right = frame.loc[scored, CORRECT].astype(bool)
    b_right = frame.loc[scored, CORRECT_B].astype(bool)
    only_a, only_b = int((a_right & ~b_right).sum()), int((~a_right & b_right).sum())
    return Agreement(
        n=len(frame),
        agree=agree,
        scored=int(scored.sum()),
        both_correct=int((a_right & b_right).sum()),
        only_a_correct=only_a,
        only_b_correct=only_b,
        both_wrong=int((~a_right & ~b_right).sum()),
        mcnemar_p=mcnemar_exact(only_a, only_b) if scored.any() else None,
    )
