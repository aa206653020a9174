"""What a classifier takes and returns (its specs, its batched pass's outputs),
without torch: stored predictions are read (``litcore.store``) and shown
before any model code loads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from litcore.api import types

ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass
class Predictions:
    """Model outputs for a list of examples, in input order.

    Attributes:
        probas: ``<float32>[num_examples, num_labels]``.
        cls_embedding: ``<float32>[num_examples, hidden]``, last layer at [CLS].
        mean_embedding: ``<float32>[num_examples, hidden]``, masked mean of the
            last layer.
        tokens: the model's tokens per example, special tokens included.
        truncated: ``<bool>[num_examples]``, whether the input was cut to fit.
    """

    probas: np.ndarray
    cls_embedding: np.ndarray
    mean_embedding: np.ndarray
    tokens: list[list[str]]
    truncated: np.ndarray


def classifier_input_spec(labels: tuple[str, ...]) -> types.Spec:
    """A sequence classifier's inputs: text [, text_b], label (of ``labels``)."""
    return {
        "text": types.TextSegment(),
        "text_b": types.TextSegment(required=False),
        "label": types.CategoryLabel(vocab=labels, required=False),
    }


def classifier_output_spec(labels: tuple[str, ...]) -> types.Spec:
    """A sequence classifier's outputs: ``Predictions``' fields, by type."""
    return {
        "probas": types.MulticlassPreds(vocab=labels, parent="label"),
        "cls_embedding": types.Embeddings(pooling="cls"),
        "mean_embedding": types.Embeddings(pooling="mean"),
        "tokens": types.Tokens(parent="text"),
    }
