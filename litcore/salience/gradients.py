"""Gradient salience: the L2 norm of the gradient, and gradient × input.

Both take the gradient of the target class probability (or of a target
function, such as a regression score) with respect to each token's input
(word) embedding, from one batched forward and backward pass
(Simonyan et al. 2014, "Deep Inside Convolutional Networks"; Shrikumar et al.
2017, "Learning Important Features Through Propagating Activation Differences").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from litcore.models.classifier import SequenceClassifier
from litcore.salience.base import SalienceMethod, precision_param
from litcore.salience.inputs import (
    EncodedText,
    batch_of,
    check_targets,
    outputs_from_embeddings,
    resolve_targets,
    word_embeddings,
)
from litcore.salience.targets import TargetFunction


def embedding_gradients(
    model: SequenceClassifier,
    encoded: list[EncodedText],
    wanted: list[int | None],
    bf16: bool = False,
    function: TargetFunction | None = None,
) -> tuple[torch.Tensor, torch.Tensor, list[int], list[float]]:
    """Gradients of each text's explained output w.r.t. its word embeddings.

    The output is the target class's probability, or ``function``'s value
    (then ``wanted`` is all 0). One forward pass (on the bf16 weight copy if
    ``bf16``) both resolves the targets (None: the predicted class) and is
    differentiated.

    Returns:
        (gradients, embeddings, classes, outputs): the tensors are
        ``<float32>[batch, tokens, hidden]``, right-padded.

    Raises:
        LumenError: a target index the model does not have.
    """
    check_targets(model, wanted)
    batch = batch_of(model, [(item.token_ids, item.type_ids) for item in encoded])
    embeddings = word_embeddings(model, batch["input_ids"]).requires_grad_(True)
    with torch.enable_grad():
        columns = outputs_from_embeddings(
            model,
            embeddings,
            batch["attention_mask"],
            batch["token_type_ids"],
            bf16,
            function,
        )
        classes, explained = resolve_targets(columns.detach().numpy(), wanted)
        picked = columns.gather(1, torch.as_tensor(classes)[:, None]).sum()
        (gradients,) = torch.autograd.grad(picked, embeddings)
    return gradients, embeddings.detach(), classes, explained


def _unpad(values: torch.Tensor, encoded: list[EncodedText]) -> list[np.ndarray]:
    """Per text, the first ``num_tokens`` entries of ``<float32>[batch, tokens]``."""
    return [
        values[row, : len(item.token_ids)].numpy() for row, item in enumerate(encoded)
    ]


@dataclass(frozen=True)
class _GradientMethod(SalienceMethod):
    """A method read off one forward and backward pass (no separate target pass).

    In bf16 the explained output is the bf16 copy's, as in batch predictions.
    """

    explains_functions: ClassVar[bool] = True
    fixed_cost: ClassVar[float] = 50.0  # one pass: set-up weighs as ~50 tokens
    precision: str = precision_param("bf16")

    def _explain(self, model, encoded, wanted, function):
        gradients, embeddings, classes, explained = embedding_gradients(
            model, encoded, wanted, self.precision == "bf16", function
        )
        scores = _unpad(self._reduce(gradients, embeddings), encoded)
        return classes, explained, scores, [{} for _ in encoded]

    def _reduce(self, gradients: torch.Tensor, embeddings: torch.Tensor):
        """``<float32>[batch, tokens]`` from ``<float32>[batch, tokens, hidden]``."""
        raise NotImplementedError


@dataclass(frozen=True)
class GradientNorm(_GradientMethod):
    """L2 norm of the gradient at each token's embedding (unsigned)."""

    name: ClassVar[str] = "Gradient L2 norm"
    signed: ClassVar[bool] = False
    seconds_per_example: ClassVar[float] = 0.025

    def _reduce(self, gradients, embeddings):
        return gradients.norm(dim=-1)


@dataclass(frozen=True)
class GradientTimesInput(_GradientMethod):
    """Dot product of the gradient and the embedding at each token (signed)."""

    name: ClassVar[str] = "Gradient × input"
    signed: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.025

    def _reduce(self, gradients, embeddings):
        return (gradients * embeddings).sum(dim=-1)
