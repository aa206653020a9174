"""Integrated gradients on the input-embedding layer.

Sundararajan et al. 2017, "Axiomatic Attribution for Deep Networks". The path
integral is taken on the word embeddings, which is what captum's
``LayerIntegratedGradients`` on the embedding layer computes (the same numbers),
without putting a hook on the shared model (a hook would be seen by other
sessions' forward passes running at the same time). Every point of every
text's path goes through one batched forward and backward pass (split only to
bound memory), and the quadrature weights are folded into the differentiated
sum, so the weighted gradients come out of autograd already summed per path.
Gauss–Legendre points (``quadrature``) reach completeness with few of them.

Completeness (the attributions sum to f(x) - f(baseline)) is checked on every
text against both ends computed in fp32. That makes bf16 safe as the default
("auto"): the path runs on the bf16 copy of the weights, about twice as fast,
and any text whose bf16 attributions miss the change by more than
``AUTO_TOLERANCE`` is done again in fp32.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from litcore.api.components import param
from litcore.models import precision as hardware
from litcore.salience import quadrature
from litcore.salience.base import SalienceMethod, precision_param
from litcore.salience.inputs import (
    BASELINES,
    PRECISIONS,
    baseline_embeddings,
    batch_of,
    check_targets,
    outputs,
    outputs_from_embeddings,
    resolve_targets,
    word_embeddings,
)

MIN_STEPS, MAX_STEPS = 8, 256
# Upper bound on (rows × tokens) per forward and backward pass, to bound memory:
# about 190 KB a token for MiniLM with the activations kept for backward (8,192
# let a 64-token demo text reach 1 GB of RSS; 1,024: 0.8 GB, for 5% more time).
TOKENS_PER_PASS = 1024
AUTO = "auto"
# "auto" redoes in fp32 a text whose bf16 attributions miss f(x) - f(baseline)
# by more than this share of it.
AUTO_TOLERANCE = 0.05


@dataclass(frozen=True)
class IntegratedGradients(SalienceMethod):
    """Path integral of gradients from a baseline text to the input (signed).

    The baseline keeps the special tokens and replaces every other token by
    [PAD], by [MASK], or by a zero embedding. It explains the target class's
    probability or a target function (a regression score). ``details`` holds
    the change in that output from the baseline to the input (``output_change``,
    both ends in fp32), the convergence delta (sum of attributions minus that
    change), the same relative to the change, and the precision the path ran in.
    """

    name: ClassVar[str] = "Integrated gradients"
    signed: ClassVar[bool] = True
    expensive: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.25
    explains_functions: ClassVar[bool] = True

    steps: int = param(
        "Steps",
        32,
        "Points on the path; more is exacter.",
        low=MIN_STEPS,
        high=MAX_STEPS,
    )
    baseline: str = param(
        "Baseline", "pad", "What the path starts from.", options=BASELINES
    )
    quadrature: str = param(
        "Quadrature",
        "Gauss-Legendre",
        "How the path's points are placed and weighted: Gauss-Legendre reaches "
        "completeness with the fewest.",
        options=tuple(quadrature.RULES),
    )
    precision: str = precision_param(
        AUTO,
        "auto: bf16, about twice as fast, done again in fp32 for a text whose "
        f"attributions miss the change in probability by over {AUTO_TOLERANCE:.0%}; "
        "bf16: to about 3 significant digits; fp32: exact.",
        options=(AUTO, *PRECISIONS),
    )

    def _work(self) -> float:
        return self.steps / 32

    def _explain(self, model, encoded, wanted, function):
        check_targets(model, wanted)
        batch = batch_of(model, [(item.token_ids, item.type_ids) for item in encoded])
        inputs = word_embeddings(model, batch["input_ids"])
        baselines = baseline_embeddings(
            model, batch["input_ids"], encoded, inputs, self.baseline
        )
        stacked = _stacked(batch, inputs, baselines)
        ends = outputs(model, stacked, function=function).numpy()
        classes, explained = resolve_targets(ends[: len(encoded)], wanted)
        rows = np.arange(len(encoded))
        changes = ends[rows, classes] - ends[len(encoded) + rows, classes]
        bf16 = self.precision != "fp32" and hardware.bf16_supported()
        token_scores = self._attribute(
            model, inputs, baselines, batch, classes, function, bf16
        )
        precisions = np.array(["bf16" if bf16 else "fp32"] * len(encoded))
        if self.precision == AUTO and bf16:
            redo = np.flatnonzero(
                _relative_misses(token_scores.sum(axis=1), changes) > AUTO_TOLERANCE
            )
            if redo.size:
                token_scores[redo] = self._attribute(
                    model,
                    inputs[redo],
                    baselines[redo],
                    {key: value[redo] for key, value in batch.items()},
                    [classes[row] for row in redo],
                    function,
                    bf16=False,
                )
                precisions[redo] = "fp32"
        misses = _relative_misses(token_scores.sum(axis=1), changes)
        scores, details = [], []
        for row, item in enumerate(encoded):
            scores.append(token_scores[row, : len(item.token_ids)])
            details.append(
                {
                    "convergence_delta": float(token_scores[row].sum() - changes[row]),
                    "relative_delta": float(misses[row]),
                    "output_change": float(changes[row]),
                    "precision": str(precisions[row]),
                }
            )
        return classes, explained, scores, details

    def _attribute(self, model, inputs, baselines, batch, targets, function, bf16):
        """``<float32>[batch, tokens]``: attributions summed per token.

        Rows of the batched passes are (text, path point) pairs, text-major;
        each pass holds at most ``TOKENS_PER_PASS`` tokens.
        """
        alphas, weights = quadrature.rule(self.quadrature, self.steps)
        differences = inputs - baselines  # <float32>[batch, tokens, hidden]
        texts = torch.arange(len(inputs)).repeat_interleave(self.steps)
        points = torch.arange(self.steps).repeat(len(inputs))
        alphas = torch.as_tensor(alphas, dtype=torch.float32)[points]
        weights = torch.as_tensor(weights, dtype=torch.float32)[points]
        picked_class = torch.as_tensor(list(targets))[texts]
        summed = torch.zeros_like(inputs)  # sum of weighted gradients per text
        rows_per_pass = max(1, TOKENS_PER_PASS // inputs.shape[1])
        for start in range(0, len(texts), rows_per_pass):
            rows = slice(start, start + rows_per_pass)
            text = texts[rows]
            path = torch.addcmul(
                baselines[text], alphas[rows, None, None], differences[text]
            ).requires_grad_(True)
            with torch.enable_grad():
                columns = outputs_from_embeddings(
                    model,
                    path,
                    batch["attention_mask"][text],
                    batch["token_type_ids"][text],
                    bf16,
                    function,
                )
                picked = columns.gather(1, picked_class[rows, None])[:, 0]
                (gradients,) = torch.autograd.grad(picked @ weights[rows], path)
            summed.index_add_(0, text, gradients)
        return (summed * differences).sum(dim=-1).numpy()


def _stacked(batch: dict, inputs: torch.Tensor, baselines: torch.Tensor) -> dict:
    """One batch of the texts' rows (as embeddings) followed by their baselines'."""
    return {
        "inputs_embeds": torch.cat([inputs, baselines]),
        "attention_mask": batch["attention_mask"].repeat(2, 1),
        "token_type_ids": batch["token_type_ids"].repeat(2, 1),
    }


def _relative_misses(sums: np.ndarray, changes: np.ndarray) -> np.ndarray:
    """``|sum of attributions - change| / |change|`` per text."""
    return np.abs(sums - changes) / np.maximum(np.abs(changes), 1e-12)
