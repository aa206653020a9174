"""Glue for perturbation methods: one feature per non-special token.

A method draws ``<bool>[samples, num_content]`` kept/masked indicators; each
row becomes a copy of the text with the masked content tokens replaced by
[MASK] (the special tokens stay). All copies have the text's length, so they
are scored in batches of ``FORWARD_TOKENS`` tokens without padding, and each
distinct copy only once.
"""

from __future__ import annotations

import numpy as np
import torch

from litcore.models.classifier import SequenceClassifier
from litcore.salience.inputs import FORWARD_TOKENS, EncodedText, outputs


def masked_copies(item: EncodedText, kept: torch.Tensor, mask_id: int) -> torch.Tensor:
    """``<int64>[samples, num_tokens]``: the text with the content tokens where
    ``kept`` (``<bool>[samples, num_content]``) is False replaced by ``mask_id``."""
    ids = torch.as_tensor(item.token_ids).repeat(len(kept), 1)
    positions = torch.as_tensor(item.content_positions)
    ids[:, positions] = ids[:, positions].masked_fill(~kept, mask_id)
    return ids


def masked_probabilities(
    model: SequenceClassifier,
    item: EncodedText,
    kept: torch.Tensor,
    mask_id: int,
    target: int,
    bf16: bool = False,
) -> np.ndarray:
    """``<float64>[samples]``: the target class probability of each masked copy
    (``masked_copies``); a copy drawn several times is scored once."""
    distinct, inverse = torch.unique(kept, dim=0, return_inverse=True)
    copies = masked_copies(item, distinct, mask_id)
    type_ids = torch.as_tensor(item.type_ids)
    probabilities = torch.empty(len(copies))
    rows_per_pass = max(1, FORWARD_TOKENS // copies.shape[1])
    for start in range(0, len(copies), rows_per_pass):
        ids = copies[start : start + rows_per_pass]
        batch = {
            "input_ids": ids,
            "token_type_ids": type_ids.expand_as(ids),
            "attention_mask": torch.ones_like(ids),
        }
        probabilities[start : start + len(ids)] = outputs(model, batch, bf16)[:, target]
    return probabilities[inverse].double().numpy()


def token_scores(item: EncodedText, content_scores: np.ndarray) -> np.ndarray:
    """``<float32>[num_tokens]`` from ``[num_content]`` scores, 0 at special ones."""
    scores = np.zeros(len(item.token_ids), dtype=np.float32)
    scores[item.content_positions] = np.asarray(content_scores).reshape(-1)
    return scores


def weighted_linear_fit(
    features: np.ndarray,
    targets: np.ndarray,
    weights: np.ndarray,
    ridge: float = 0.0,
) -> np.ndarray:
    """Coefficients of weighted least squares with an unpenalised intercept.

    Minimises ``sum_i w_i (y_i - b - x_i . c)^2 + ridge * |c|^2`` over ``c``
    and ``b`` (what scikit-learn's ``Ridge`` and, with ``ridge`` 0,
    ``LinearRegression`` fit with ``sample_weight``; the minimum-norm ``c``
    where it is not unique).

    Args:
        features: ``[samples, num_features]``.
        targets: ``[samples]``.
        weights: ``[samples]``, non-negative.

    Returns:
        ``<float64>[num_features]``: ``c``.
    """
    features = np.asarray(features, dtype=np.float64)
    weights = np.asarray(weights, dtype=np.float64)
    total = weights.sum()
    feature_mean = weights @ features / total
    target_mean = weights @ targets / total
    root = np.sqrt(weights)[:, None]
    centred = (features - feature_mean) * root
    centred_targets = (np.asarray(targets, dtype=np.float64) - target_mean) * root[:, 0]
    if ridge > 0:
        gram = centred.T @ centred + ridge * np.eye(features.shape[1])
        return np.linalg.solve(gram, centred.T @ centred_targets)
    return np.linalg.lstsq(centred, centred_targets, rcond=None)[0]
