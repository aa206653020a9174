"""The interface every metric shares, after LIT's metrics components.

A metric is a ``litcore.api.components.Component`` (its settings are its
``config_spec``) that scores one kind of prediction against one kind of gold
field: ``is_compatible`` reads the two field specs (``litcore.api.types``), so a
page offers the metrics that fit its model head. ``compute`` validates and
``_compute`` scores; every result has ``n`` and a ``headline`` of named numbers,
titled for display by the metric's ``titles``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar, Protocol

import numpy as np

from litcore.api.components import Component
from litcore.api.errors import LumenError
from litcore.api.types import FieldSpec


class MetricReport(Protocol):
    """What every metric returns: the examples scored and the headline numbers."""

    n: int
    headline: dict[str, float]


@dataclass(frozen=True)
class Metric(Component):
    """Base of registered metrics; subclasses are frozen dataclasses.

    Class attributes:
        name: display name (the registry key).
        gold_type: the gold field's spec type it reads.
        pred_type: the prediction field's spec type it scores.
        titles: the headline numbers a page shows -> their titles, in order.
    """

    gold_type: ClassVar[type[FieldSpec]]
    pred_type: ClassVar[type[FieldSpec]]
    titles: ClassVar[dict[str, str]]

    @classmethod
    def is_compatible(cls, gold: FieldSpec | None, pred: FieldSpec) -> bool:
        """Whether this metric scores ``pred`` against ``gold`` (None: no gold)."""
        return isinstance(gold, cls.gold_type) and isinstance(pred, cls.pred_type)

    def compute(
        self,
        gold: Sequence[Any] | np.ndarray,
        predicted: Sequence[Any] | np.ndarray,
        labels: Sequence[str] = (),
    ) -> MetricReport | None:
        """Scores ``predicted`` against ``gold``, one entry per example each.

        Args:
            gold: the gold values (labels, numbers, label sets, tags, texts).
            predicted: the model's outputs for the same examples, in order.
            labels: the model's classes, where its outputs are per class.

        Returns:
            The report; None when no example can be scored (classification: no
            gold label is one of ``labels``).

        Raises:
            LumenError: a bad setting, ``gold`` and ``predicted`` of different
                lengths, or inputs the metric cannot score (its docstring says
                which: probabilities of the wrong shape, fewer than two gold
                values for regression, no examples).
        """
        self.validate()
        if len(gold) != len(predicted):
            raise LumenError(
                f"{self.name}: {len(gold)} gold values but {len(predicted)} "
                "predictions; give one of each per example."
            )
        return self._compute(gold, predicted, tuple(labels))

    def _compute(
        self,
        gold: Sequence[Any] | np.ndarray,
        predicted: Sequence[Any] | np.ndarray,
        labels: tuple[str, ...],
    ) -> MetricReport | None:
        raise NotImplementedError


@dataclass(frozen=True)
class Headline:
    """A report with nothing but its headline numbers."""

    n: int
    headline: dict[str, float]
