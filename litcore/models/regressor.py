"""A wrapper for a Hugging Face sequence model with one output: a regression head.

It is a ``SequenceClassifier`` whose head output is kept as it is instead of
going through a softmax: the same tokenizer, padding, length-sorted batches,
bf16 inference copy and fingerprint. ``predict`` returns one score per example
and the pooled embeddings; the gradient salience methods explain the score
(``litcore.salience.regression_score``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from litcore.api import types
from litcore.api.errors import WrongTaskError
from litcore.models.classifier import (
    DEFAULT_MAX_LENGTH,
    ProgressFn,
    SequenceClassifier,
)
from litcore.models.hf_loading import SEQUENCE_ARCHITECTURES, load_task_model

TASK_NAME = "sequence regression model"


@dataclass
class ScorePredictions:
    """Regression outputs for a list of examples, in input order.

    ``scores`` is ``<float32>[num_examples]``, the head's output; the other
    fields are the classifier's ``Predictions`` fields.
    """

    scores: np.ndarray
    cls_embedding: np.ndarray
    mean_embedding: np.ndarray
    tokens: list[list[str]]
    truncated: np.ndarray


class Regressor(SequenceClassifier):
    """A text (or text-pair) regressor with its tokenizer; read-only once built.

    ``target`` is the name of the predicted number (the head's only label, e.g.
    ``rating`` for the demo's rating head).
    """

    @property
    def target(self) -> str:
        return self.labels[0]

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int = DEFAULT_MAX_LENGTH,
        trust_remote_code: bool = False,
    ) -> Regressor:
        """Loads a ``...ForSequenceClassification`` model with exactly one output.

        Raises:
            ModelError: not found, not a sequence model, or more than one output.
        """
        model, tokenizer, _ = load_task_model(
            name_or_path, SEQUENCE_ARCHITECTURES, TASK_NAME, trust_remote_code
        )
        outputs = model.config.num_labels
        if outputs != 1:
            raise WrongTaskError(
                f"'{name_or_path}' has {outputs} outputs, a classifier: a regression "
                "model has exactly one. Open it as a classifier instead, or use a "
                "model with a one-output head.",
                task="classification",
            )
        return cls.wrap(model, tokenizer, str(name_or_path), max_length)

    # --- specs ---------------------------------------------------------------

    def input_spec(self) -> types.Spec:
        return {
            "text": types.TextSegment(),
            "text_b": types.TextSegment(required=False),
            self.target: types.Scalar(required=False),
        }

    def output_spec(self) -> types.Spec:
        return {
            "score": types.RegressionScore(parent=self.target),
            "cls_embedding": types.Embeddings(pooling="cls"),
            "mean_embedding": types.Embeddings(pooling="mean"),
            "tokens": types.Tokens(parent="text"),
        }

    # --- inference -----------------------------------------------------------

    def _head_outputs(self, logits: torch.Tensor) -> np.ndarray:
        """``<float32>[batch, 1]``: the raw head output (no softmax)."""
        return logits.float().numpy()

    def predict(
        self,
        texts: Sequence[str],
        texts_b: Sequence[str] | None = None,
        batch_tokens: int = 2048,
        progress: ProgressFn | None = None,
        bf16: bool = True,
    ) -> ScorePredictions:
        """Scores every example in length-sorted batches (see the classifier's)."""
        outputs = super().predict(texts, texts_b, batch_tokens, progress, bf16)
        return ScorePredictions(
            scores=outputs.probas[:, 0],
            cls_embedding=outputs.cls_embedding,
            mean_embedding=outputs.mean_embedding,
            tokens=outputs.tokens,
            truncated=outputs.truncated,
        )
