"""Integrated gradients on the input-embedding layer.

Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks". Computed
by captum's ``IntegratedGradients`` on the word embeddings, which is what
``LayerIntegratedGradients`` on the embedding layer computes, without putting a
hook on the shared model (a hook would be seen by other sessions' forward
passes running at the same time).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch

from litcore.salience.base import SalienceMethod, param, precision_param
from litcore.salience.inputs import (
    BASELINES,
    baseline_id,
    batch_of,
    probabilities_from_embeddings,
    word_embeddings,
)

MIN_STEPS, MAX_STEPS = 8, 256
# Upper bound on (rows × tokens) per forward pass, to bound memory.
TOKENS_PER_PASS = 8192


@dataclass(frozen=True)
class IntegratedGradients(SalienceMethod):
    """Path integral of gradients from a baseline text to the input (signed).

    The baseline keeps the special tokens and replaces every other token by
    [PAD], by [MASK], or by a zero embedding. ``details`` holds captum's
    convergence delta (sum of attributions minus the change in probability)
    and the same relative to that change.
    """

    name: ClassVar[str] = "Integrated gradients"
    signed: ClassVar[bool] = True
    expensive: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.45

    steps: int = param(
        "Steps", 32, "Points on the path; more is exacter.", low=8, high=256
    )
    baseline: str = param(
        "Baseline", "pad", "What the path starts from.", options=BASELINES
    )
    precision: str = precision_param()

    def _work(self) -> float:
        return self.steps / 32

    def _scores(self, model, encoded, targets):
        from captum.attr import IntegratedGradients as CaptumIntegratedGradients

        replacement = baseline_id(model, self.baseline)
        bf16 = self.precision == "bf16"
        batch = batch_of(model, [(item.token_ids, item.type_ids) for item in encoded])
        inputs = word_embeddings(model, batch["input_ids"])
        baseline_ids = batch["input_ids"].clone()
        content = torch.zeros_like(baseline_ids, dtype=torch.bool)
        for row, item in enumerate(encoded):
            content[row, torch.as_tensor(item.content_positions)] = True
        if replacement is None:
            baselines = inputs.masked_fill(content[..., None], 0.0)
        else:
            baseline_ids[content] = replacement
            baselines = word_embeddings(model, baseline_ids)

        def forward(embeddings, attention_mask, token_type_ids):
            return probabilities_from_embeddings(
                model, embeddings, attention_mask, token_type_ids, bf16
            )

        rows_per_pass = max(1, TOKENS_PER_PASS // inputs.shape[1])
        with torch.enable_grad():
            attributions, deltas = CaptumIntegratedGradients(forward).attribute(
                inputs,
                baselines=baselines,
                target=targets,
                additional_forward_args=(
                    batch["attention_mask"],
                    batch["token_type_ids"],
                ),
                n_steps=self.steps,
                internal_batch_size=rows_per_pass,
                return_convergence_delta=True,
            )
        token_scores = attributions.detach().sum(dim=-1)  # <float32>[batch, tokens]
        scores, details = [], []
        for row, item in enumerate(encoded):
            row_scores = token_scores[row, : len(item.token_ids)].numpy()
            delta = float(deltas[row])
            change = float(row_scores.sum()) - delta
            scores.append(row_scores)
            details.append(
                {
                    "convergence_delta": delta,
                    "relative_delta": abs(delta) / max(abs(change), 1e-12),
                    "probability_change": change,
                }
            )
        return scores, details
