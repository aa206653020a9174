"""A multi-label text classifier: one independent sigmoid probability per label.

Wraps an ``AutoModelForSequenceClassification`` whose config says
``problem_type="multi_label_classification"`` (trained with a binary
cross-entropy per label). Tokenizing, padding and length-sorted batching are
the single-label ``SequenceClassifier``'s.
"""

from __future__ import annotations

import hashlib
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
from litcore.store.predictions import PredictionStore

MULTI_LABEL = "multi_label_classification"


@dataclass
class MultiLabelPredictions:
    """Per-label probabilities of a list of texts, in input order.

    Attributes:
        probas: ``<float32>[num_examples, num_labels]``, each in [0, 1]; rows do
            not sum to 1.
        truncated: ``<bool>[num_examples]``, whether the input was cut to fit.
    """

    probas: np.ndarray
    truncated: np.ndarray


class MultiLabelClassifier(SequenceClassifier):
    """A multi-label classifier with its tokenizer; read-only once built.

    The classifier's tokenizing, batching and fingerprint, with one sigmoid per
    label instead of a softmax (``_head_outputs``).

    Attributes:
        model: the Hugging Face model in eval mode (shared: never mutate it).
        tokenizer: its tokenizer.
        labels: label names from ``id2label``, in output order.
        fingerprint: identifies the weights and the length limit.
    """

    @classmethod
    def from_pretrained(
        cls,
        name_or_path: str | Path,
        max_length: int = DEFAULT_MAX_LENGTH,
        trust_remote_code: bool = False,
    ) -> MultiLabelClassifier:
        """Loads a multi-label classifier (local folder or hub id).

        Raises:
            ModelError: not found, not a sequence classifier, or a single-label
                or regression head.
        """
        model, tokenizer, _ = load_task_model(
            name_or_path,
            SEQUENCE_ARCHITECTURES,
            "multi-label classifier",
            trust_remote_code,
        )
        problem_type = model.config.problem_type
        if problem_type != MULTI_LABEL:
            kind = f"problem_type '{problem_type}'" if problem_type else "none set"
            raise WrongTaskError(
                f"'{name_or_path}' is not a multi-label classifier ({kind} in its "
                f"config.json; a multi-label model has problem_type '{MULTI_LABEL}' "
                "and one sigmoid per label). Open a single-label classifier as a "
                "classifier instead, or set problem_type in config.json if the model "
                "was trained with one binary loss per label.",
                task="classification",
            )
        return cls.wrap(model, tokenizer, str(name_or_path), max_length)

    def input_spec(self) -> types.Spec:
        return {
            "text": types.TextSegment(),
            "labels": types.MultiLabel(vocab=self.labels, required=False),
        }

    def output_spec(self) -> types.Spec:
        return {"probas": types.MultiLabelPreds(vocab=self.labels, parent="labels")}

    def _head_outputs(self, logits: torch.Tensor) -> np.ndarray:
        """``<float32>[batch, num_labels]``: one sigmoid probability per label."""
        return torch.sigmoid(logits.float()).numpy()

    def predict(
        self,
        texts: Sequence[str],
        batch_tokens: int = 2048,
        progress: ProgressFn | None = None,
    ) -> MultiLabelPredictions:
        """Sigmoid probabilities per label, in length-sorted batches of fp32.

        fp32 (not bf16) because thresholds cut these probabilities: a bf16
        rounding error near a threshold would flip a predicted label.

        Args:
            texts: one text per example.
            batch_tokens: padded tokens per forward pass.
            progress: called with (done, total) after each batch.
        """
        outputs = super().predict(texts, None, batch_tokens, progress, bf16=False)
        return MultiLabelPredictions(outputs.probas, outputs.truncated)


def probabilities_key(model: MultiLabelClassifier, texts: Sequence[str]) -> str:
    """The prediction store's key for ``model``'s probabilities on ``texts``."""
    digest = hashlib.sha1(
        f"{len(texts)}\x1e".encode() + "\x1f".join(texts).encode("utf-8")
    ).hexdigest()[:16]
    return f"multilabel:{model.fingerprint}:{digest}"


def stored_probabilities(
    model: MultiLabelClassifier,
    texts: Sequence[str],
    store: PredictionStore,
    progress: ProgressFn | None = None,
) -> np.ndarray:
    """``<float32>[num_examples, num_labels]`` probabilities, kept in ``store``.

    Keyed by the model's fingerprint and the texts, so a second session or a
    restart reads them back instead of running the model.
    """
    key = probabilities_key(model, texts)
    stored = store.get_arrays(key)
    if stored is not None:
        return stored["probas"]
    probas = model.predict(texts, progress=progress).probas
    store.put_arrays(key, {"probas": probas})
    return probas
