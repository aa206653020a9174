"""Kernel SHAP with token masking.

Lundberg and Lee 2017, "A Unified Approach to Interpreting Model Predictions".
Coalitions of tokens are kept and the rest replaced by [MASK]: the full text
and the empty one, then coalitions drawn as captum's ``KernelShap`` draws them
(a size from the Shapley kernel's distribution, then a uniform subset of that
size), every copy scored in large batches (``perturbation``); a linear
regression (the two ends weighted ``END_WEIGHT``, the rest 1) estimates each
token's Shapley value for the target class probability.
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

MIN_SAMPLES, MAX_SAMPLES = 16, 4096
# Stands for the infinite weight of the full and the empty coalition (captum's).
END_WEIGHT = 1e6


def shapley_coalitions(seed: int, samples: int, num_features: int) -> torch.Tensor:
    """``<bool>[samples, num_features]``: the full coalition, the empty one, then
    coalitions whose size ``k`` (1 to ``num_features - 1``) is drawn with
    probability proportional to ``1 / (k (num_features - k))``, its members
    uniformly (the ``k`` largest of Gaussian draws). Needs ``num_features >= 2``.
    """
    generator = torch.Generator().manual_seed(seed)
    sizes = torch.arange(1, num_features, dtype=torch.float64)
    drawn = samples - 2
    size = 1 + torch.multinomial(
        1.0 / (sizes * (num_features - sizes)),
        drawn,
        replacement=True,
        generator=generator,
    )
    noise = torch.randn(drawn, num_features, generator=generator)
    threshold = noise.sort(dim=1).values[torch.arange(drawn), num_features - size]
    random = noise >= threshold[:, None]
    ends = torch.tensor([[True] * num_features, [False] * num_features])
    return torch.cat([ends, random])


@dataclass(frozen=True)
class KernelShap(SalienceMethod):
    """Shapley values estimated from sampled coalitions (signed, seeded).

    With a single token the Shapley value is exact: the change in probability
    when that token is masked.
    """

    name: ClassVar[str] = "Kernel SHAP"
    signed: ClassVar[bool] = True
    expensive: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.85

    samples: int = param(
        "Samples", 256, "Coalitions scored.", low=MIN_SAMPLES, high=MAX_SAMPLES
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
            num_features = len(item.content_positions)
            if num_features == 1:
                kept = torch.tensor([[True], [False]])
                full, masked = masked_probabilities(
                    model, item, kept, mask_id, target, bf16
                )
                scores.append(token_scores(item, np.array([full - masked])))
                continue
            kept = shapley_coalitions(self.seed, self.samples, num_features)
            probabilities = masked_probabilities(
                model, item, kept, mask_id, target, bf16
            )
            weights = np.ones(len(kept))
            weights[:2] = END_WEIGHT
            values = weighted_linear_fit(kept.numpy(), probabilities, weights)
            scores.append(token_scores(item, values))
        return scores, [{} for _ in encoded]
