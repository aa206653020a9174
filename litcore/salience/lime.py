"""LIME with token masking.

Ribeiro et al. 2016, '"Why Should I Trust You?": Explaining the Predictions of
Any Classifier'. Computed by captum's ``Lime``: random subsets of the tokens
are replaced by [MASK], and a ridge regression on the kept/masked indicators,
weighted by closeness to the original text, gives each token a signed weight.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import torch

from litcore.api.components import param, seed_param
from litcore.salience.base import SalienceMethod, precision_param
from litcore.salience.inputs import FORWARD_BATCH, replacement_id
from litcore.salience.perturbation import (
    content_forward,
    content_ids,
    feature_mask,
    token_scores,
)

# LIME's text default: exponential kernel of width 25 on 100 × cosine distance.
KERNEL_WIDTH = 0.25
MIN_SAMPLES, MAX_SAMPLES = 16, 4096


def cosine_kernel(_original, _perturbed, kept: torch.Tensor, **_kwargs) -> float:
    """Weight of a sample that keeps the tokens where ``kept`` is 1.

    The cosine distance between the all-ones vector and ``kept`` is
    ``1 - sqrt(num_kept / num_tokens)``; the weight is ``exp(-d² / 2w²)``.
    """
    fraction_kept = float(kept.float().mean())
    distance = 1.0 - fraction_kept**0.5
    return float(torch.exp(torch.tensor(-(distance**2) / (2 * KERNEL_WIDTH**2))))


def coin_flips(seed: int) -> Callable[..., torch.Tensor]:
    """A captum perturbation function: fair kept/masked draws from its own generator."""
    generator = torch.Generator().manual_seed(seed)

    def sample(_original, num_interp_features: int, **_kwargs) -> torch.Tensor:
        return torch.randint(0, 2, (1, num_interp_features), generator=generator)

    return sample


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
        from captum._utils.models.linear_model import SkLearnRidge
        from captum.attr import Lime as CaptumLime

        mask_id = replacement_id(model)
        scores = []
        for item, target in zip(encoded, targets):
            lime = CaptumLime(
                content_forward(model, item, target, self.precision == "bf16"),
                interpretable_model=SkLearnRidge(alpha=1.0),
                similarity_func=cosine_kernel,
                perturb_func=coin_flips(self.seed),
            )
            weights = lime.attribute(
                content_ids(item),
                baselines=mask_id,
                feature_mask=feature_mask(item),
                n_samples=self.samples,
                perturbations_per_eval=min(self.samples, FORWARD_BATCH),
            )
            scores.append(token_scores(item, weights))
        return scores, [{} for _ in encoded]
