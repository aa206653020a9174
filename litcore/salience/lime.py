"""LIME with token masking.

Ribeiro et al. 2016, '"Why Should I Trust You?": Explaining the Predictions of
Any Classifier'. Random subsets of the tokens are replaced by [MASK], every
masked copy is scored in large batches (``perturbation``), and a ridge
regression on the kept/masked indicators, weighted by closeness to the
original text, gives each token a signed weight: what captum's ``Lime`` with
``SkLearnRidge(alpha=1)`` computes from the same draws.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from litcore.api.components import param, seed_param
from litcore.salience.base import SalienceMethod, precision_param
from litcore.salience.inputs import replacement_id
from litcore.salience.perturbation import (
    masked_probabilities,
    token_scores,
    weighted_linear_fit,
)

# LIME's text default: exponential kernel of width 25 on 100 × cosine distance.
KERNEL_WIDTH = 0.25
RIDGE = 1.0
MIN_SAMPLES, MAX_SAMPLES = 16, 4096


def cosine_kernel(kept: torch.Tensor) -> np.ndarray:
    """``<float64>[samples]``: the weight of each row of kept (1) / masked (0) flags.

    The cosine distance between the all-ones vector and a row is
    ``1 - sqrt(num_kept / num_tokens)``; the weight is ``exp(-d² / 2w²)``.
    """
    fraction_kept = kept.double().mean(dim=1).numpy()
    distance = 1.0 - np.sqrt(fraction_kept)
    return np.exp(-(distance**2) / (2 * KERNEL_WIDTH**2))


def coin_flips(seed: int, samples: int, num_features: int) -> torch.Tensor:
    """``<bool>[samples, num_features]``: fair kept/masked draws from the seed."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randint(0, 2, (samples, num_features), generator=generator).bool()


@dataclass(frozen=True)
class Lime(SalienceMethod):
    """Local linear surrogate over masked copies of the text (signed, seeded)."""

    name: ClassVar[str] = "LIME"
    signed: ClassVar[bool] = True
    expensive: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.8

    samples: int = param(
        "Samples", 256, "Masked copies scored.", low=MIN_SAMPLES, high=MAX_SAMPLES
    )
    seed: int = seed_param()
    # bf16 rounding is far below the sampling noise of the fit.
    precision: str = precision_param("bf16")

    def _work(self) -> float:
        return self.samples / 256

    def _scores(self, model, encoded, targets):
        mask_id = replacement_id(model)
        bf16 = self.precision == "bf16"
        scores = []
        for item, target in zip(encoded, targets):
            kept = coin_flips(self.seed, self.samples, len(item.content_positions))
            probabilities = masked_probabilities(
                model, item, kept, mask_id, target, bf16
            )
            weights = weighted_linear_fit(
                kept.numpy(), probabilities, cosine_kernel(kept), RIDGE
            )
            scores.append(token_scores(item, weights))
        return scores, [{} for _ in encoded]
