"""Every metric by display name. Adding a metric: one class, one line here."""

from __future__ import annotations

from typing import Any

from litcore.api import components
from litcore.api.types import FieldSpec
from litcore.metrics.base import Metric
from litcore.metrics.classification import MulticlassMetrics
from litcore.metrics.multilabel import MultilabelMetrics
from litcore.metrics.regression import RegressionMetrics
from litcore.metrics.scalars import ThresholdMetrics
from litcore.metrics.tasks import EntityMetrics, GenerationMetrics

METRICS: components.Registry[Metric] = components.Registry(
    "metric",
    (
        MulticlassMetrics,
        ThresholdMetrics,
        RegressionMetrics,
        MultilabelMetrics,
        EntityMetrics,
        GenerationMetrics,
    ),
)


# The metric registered as a name, configured with a settings mapping.
build = METRICS.build


def compatible(gold: FieldSpec | None, pred: FieldSpec) -> list[str]:
    """Names of the metrics that score ``pred`` against ``gold``, in registry
    order."""
    return [
        name for name, metric in METRICS.items() if metric.is_compatible(gold, pred)
    ]


def for_model(model: Any) -> list[str]:
    """Names of the metrics that score one of ``model``'s outputs against the
    gold input field it names as ``parent`` (LIT's way), in registry order.

    Args:
        model: anything with ``input_spec()`` and ``output_spec()``.
    """
    inputs = model.input_spec()
    pairs = [
        (inputs[pred.parent], pred)
        for pred in model.output_spec().values()
        if getattr(pred, "parent", None) in inputs
    ]
    return [
        name
        for name, metric in METRICS.items()
        if any(metric.is_compatible(gold, pred) for gold, pred in pairs)
    ]
