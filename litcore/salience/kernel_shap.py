"""Kernel SHAP with token masking.

Lundberg and Lee 2017, "A Unified Approach to Interpreting Model Predictions".
Computed by captum's ``KernelShap``: coalitions of tokens are kept and the
rest replaced by [MASK]; a regression weighted by the Shapley kernel estimates
each token's Shapley value for the target class probability.
"""

from __future__ import annotations

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
    seeded_global_rng,
    token_scores,
)

MIN_SAMPLES, MAX_SAMPLES = 16, 4096


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
        from captum.attr import KernelShap as CaptumKernelShap

        mask_id = replacement_id(model)
        scores = []
        for item, target in zip(encoded, targets):
            forward = content_forward(model, item, target, self.precision == "bf16")
            inputs = content_ids(item)
            if inputs.shape[1] == 1:
                change = forward(inputs) - forward(torch.full_like(inputs, mask_id))
                scores.append(token_scores(item, change))
                continue
            with seeded_global_rng(self.seed):
                values = CaptumKernelShap(forward).attribute(
                    inputs,
                    baselines=mask_id,
                    feature_mask=feature_mask(item),
                    n_samples=self.samples,
                    perturbations_per_eval=min(self.samples, FORWARD_BATCH),
                )
            scores.append(token_scores(item, values))
        return scores, [{} for _ in encoded]
