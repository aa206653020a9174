"""Glue for perturbation methods: one feature per non-special token.

Captum perturbs a ``<int64>[1, num_content]`` tensor of the content token ids;
the forward function puts each perturbed row back between the special tokens
and scores all rows of a call in one batched forward pass.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

import numpy as np
import torch

from litcore.models.classifier import SequenceClassifier
from litcore.salience.inputs import EncodedText, probabilities_of_rows

# Seeded methods that draw from torch's global generator hold this lock, so two
# sessions explaining at once do not interleave their draws.
_GLOBAL_RNG_LOCK = threading.Lock()


def content_ids(item: EncodedText) -> torch.Tensor:
    """``<int64>[1, num_content]``: the ids of the non-special tokens."""
    ids = np.asarray(item.token_ids)[item.content_positions]
    return torch.as_tensor(ids, dtype=torch.long)[None]


def feature_mask(item: EncodedText) -> torch.Tensor:
    """``<int64>[1, num_content]``: one interpretable feature per content token."""
    return torch.arange(len(item.content_positions))[None]


def content_forward(
    model: SequenceClassifier, item: EncodedText, target: int, bf16: bool = False
) -> Callable[[torch.Tensor], torch.Tensor]:
    """A captum forward function: ``<int64>[rows, num_content]`` -> target probability.

    Returns ``<float32>[rows]``.
    """
    positions = item.content_positions

    def forward(perturbed: torch.Tensor) -> torch.Tensor:
        rows = []
        for row in perturbed.long().tolist():
            ids = list(item.token_ids)
            for position, token_id in zip(positions, row):
                ids[position] = token_id
            rows.append((ids, item.type_ids))
        return torch.from_numpy(
            probabilities_of_rows(model, rows, [target] * len(rows), bf16)
        )

    return forward


def token_scores(item: EncodedText, content_scores: torch.Tensor) -> np.ndarray:
    """``<float32>[num_tokens]`` from ``[1, num_content]`` scores, 0 at special ones."""
    scores = np.zeros(len(item.token_ids), dtype=np.float32)
    scores[item.content_positions] = content_scores.detach().reshape(-1).numpy()
    return scores


@contextlib.contextmanager
def seeded_global_rng(seed: int) -> Iterator[None]:
    """Seeds torch's global generator for the block and restores it afterwards."""
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
