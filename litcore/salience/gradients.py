"""Gradient salience: the L2 norm of the gradient, and gradient × input.

Both take the gradient of the target class probability with respect to each
token's input (word) embedding, from one batched forward and backward pass
(Simonyan et al. 2014, "Deep Inside Convolutional Networks"; Shrikumar et al.
2017, "Learning Important Features Through Propagating Activation Differences").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np
import torch

from litcore.models.classifier import SequenceClassifier
from litcore.salience.base import SalienceMethod
from litcore.salience.inputs import (
    EncodedText,
    batch_of,
    probabilities_from_embeddings,
    word_embeddings,
)


def embedding_gradients(
    model: SequenceClassifier, encoded: list[EncodedText], targets: list[int]
) -> tuple[torch.Tensor, torch.Tensor]:
    """Gradients of each text's target probability w.r.t. its word embeddings.

    Returns:
        (gradients, embeddings), both ``<float32>[batch, tokens, hidden]``,
        right-padded.
    """
    batch = batch_of(model, [(item.token_ids, item.type_ids) for item in encoded])
    embeddings = word_embeddings(model, batch["input_ids"]).requires_grad_(True)
    with torch.enable_grad():
        probas = probabilities_from_embeddings(
            model, embeddings, batch["attention_mask"], batch["token_type_ids"]
        )
        picked = probas.gather(1, torch.as_tensor(targets)[:, None]).sum()
        (gradients,) = torch.autograd.grad(picked, embeddings)
    return gradients, embeddings.detach()


def _unpad(
    values: torch.Tensor, encoded: list[EncodedText]
) -> tuple[list[np.ndarray], list[dict[str, Any]]]:
    """Per text, the first ``num_tokens`` entries of ``<float32>[batch, tokens]``."""
    rows = [
        values[row, : len(item.token_ids)].numpy() for row, item in enumerate(encoded)
    ]
    return rows, [{} for _ in encoded]


@dataclass(frozen=True)
class GradientNorm(SalienceMethod):
    """L2 norm of the gradient at each token's embedding (unsigned)."""

    name: ClassVar[str] = "Gradient L2 norm"
    signed: ClassVar[bool] = False
    seconds_per_example: ClassVar[float] = 0.03

    def _scores(self, model, encoded, targets):
        gradients, _ = embedding_gradients(model, encoded, targets)
        return _unpad(gradients.norm(dim=-1), encoded)


@dataclass(frozen=True)
class GradientTimesInput(SalienceMethod):
    """Dot product of the gradient and the embedding at each token (signed)."""

    name: ClassVar[str] = "Gradient × input"
    signed: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.03

    def _scores(self, model, encoded, targets):
        gradients, embeddings = embedding_gradients(model, encoded, targets)
        return _unpad((gradients * embeddings).sum(dim=-1), encoded)
