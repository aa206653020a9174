"""Attention as salience: one head (or the heads' mean) of one layer, and rollout.

Scores are the attention weights from the first token ([CLS]) to every token,
so they do not depend on the target class (unsigned). Rollout (Abnar and
Zuidema 2020, "Quantifying Attention Flow in Transformers") multiplies the
layers' head-averaged attention, with the residual connection added as an
identity, to follow attention from the input to the last layer.

The weights come from the classifier's fp32 model, which runs plain (eager)
attention (fast kernels such as SDPA return none), through a twin that shares
its parameters: transformers hooks the modules whose outputs it returns, and
the hooks go on the twin, leaving the shared model untouched.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.models.twins import shared_copy
from litcore.salience.base import SalienceMethod
from litcore.salience.inputs import (
    EncodedText,
    batch_of,
    check_targets,
    resolve_targets,
)
from litcore.salience.targets import output_columns


@functools.lru_cache(maxsize=4)
def hooked_twin(model: SequenceClassifier) -> torch.nn.Module:
    """The HF model's modules, sharing its parameter tensors, for transformers'
    output hooks (the fp32 model already runs eager attention)."""
    return shared_copy(model.model).eval()


def attention_maps(
    model: SequenceClassifier, encoded: list[EncodedText]
) -> tuple[list[np.ndarray], np.ndarray]:
    """Per text, ``<float32>[layers, heads, num_tokens, num_tokens]`` weights; and
    the same pass's class probabilities, ``<float32>[batch, num_labels]``."""
    batch = batch_of(model, [(item.token_ids, item.type_ids) for item in encoded])
    if getattr(model.model.config, "type_vocab_size", 2) < 2:
        batch.pop("token_type_ids")
    with torch.inference_mode():
        output = hooked_twin(model)(**batch, output_attentions=True)
    if not output.attentions:
        raise LumenError("This model does not return attention weights.")
    stacked = torch.stack([layer.float() for layer in output.attentions], dim=1)
    maps = [
        stacked[row, :, :, : len(item.token_ids), : len(item.token_ids)].numpy()
        for row, item in enumerate(encoded)
    ]
    return maps, output_columns(output.logits, None).numpy()


def rollout(maps: np.ndarray) -> np.ndarray:
    """``<float32>[n, n]``: the rollout of ``<float32>[layers, heads, n, n]`` maps."""
    size = maps.shape[-1]
    flow = np.eye(size, dtype=np.float64)
    for layer in maps.astype(np.float64):
        mixed = 0.5 * layer.mean(axis=0) + 0.5 * np.eye(size)
        mixed /= mixed.sum(axis=-1, keepdims=True)
        flow = mixed @ flow
    return flow.astype(np.float32)


class _AttentionBase(SalienceMethod):
    """Shared checks and the head × layer details of both attention methods."""

    signed: ClassVar[bool] = False
    seconds_per_example: ClassVar[float] = 0.03
    fixed_cost: ClassVar[float] = 40.0  # one pass: set-up weighs as ~40 tokens

    def is_compatible(self, model: SequenceClassifier) -> bool:
        return getattr(model.model.config, "num_attention_heads", None) is not None

    def _explain(self, model, encoded, wanted, function):
        """The targets come from the pass that gives the maps (no pass of its own)."""
        check_targets(model, wanted)
        all_maps, probabilities = attention_maps(model, encoded)
        classes, explained = resolve_targets(probabilities, wanted)
        scores, details = [], []
        for maps in all_maps:
            scores.append(self._from_maps(maps))
            details.append({"cls_attention": maps[:, :, 0, :]})
        return classes, explained, scores, details

    def _from_maps(self, maps: np.ndarray) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class Attention(_AttentionBase):
    """Attention from [CLS] in one layer, one head or the mean of the heads.

    ``details["cls_attention"]`` is ``<float32>[layers, heads, num_tokens]``:
    the [CLS] row of every head of every layer (the head × layer grid).
    """

    name: ClassVar[str] = "Attention ([CLS])"

    layer: int = param("Layer", 0, "0 = the last layer; 1 = the first.", low=0, high=96)
    head: int = param(
        "Head", 0, "0 = the mean of all heads; 1 = the first.", low=0, high=128
    )

    def _from_maps(self, maps: np.ndarray) -> np.ndarray:
        layers, heads = maps.shape[:2]
        if not 0 <= self.layer <= layers or not 0 <= self.head <= heads:
            raise LumenError(
                f"This model has layers 1 to {layers} and heads 1 to {heads} "
                f"(0 = last layer / mean of heads); got layer {self.layer}, "
                f"head {self.head}."
            )
        layer_maps = maps[self.layer - 1]  # layer 0 -> index -1, the last
        weights = (
            layer_maps.mean(axis=0) if self.head == 0 else layer_maps[self.head - 1]
        )
        return weights[0]


@dataclass(frozen=True)
class AttentionRollout(_AttentionBase):
    """Rolled-out attention from [CLS] through all layers (Abnar and Zuidema 2020)."""

    name: ClassVar[str] = "Attention rollout"

    def _from_maps(self, maps: np.ndarray) -> np.ndarray:
        return rollout(maps)[0]
