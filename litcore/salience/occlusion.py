"""Occlusion by leave-one-out: remove one token at a time.

Li et al. 2016, "Understanding Neural Networks through Representation
Erasure". A token's score is the drop in the target class probability when
that token alone is deleted (or, as an option, replaced by [MASK]). Captum's
``Occlusion`` only replaces, so deletion is done here: every copy of the text
is scored in one batched forward pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from litcore.api.components import param
from litcore.salience.base import SalienceMethod, precision_param
from litcore.salience.inputs import (
    REMOVALS,
    probabilities_of_rows,
    remove,
    replacement_id,
)


@dataclass(frozen=True)
class LeaveOneOut(SalienceMethod):
    """Probability drop when each token is removed (signed)."""

    name: ClassVar[str] = "Occlusion (leave one out)"
    signed: ClassVar[bool] = True
    seconds_per_example: ClassVar[float] = 0.25
    # n texts of about n tokens each, plus set-up.
    fixed_cost: ClassVar[float] = 200.0
    length_power: ClassVar[int] = 2

    removal: str = param(
        "Removal",
        "delete",
        "Delete the token, or replace it by [MASK].",
        options=REMOVALS,
    )
    precision: str = precision_param()

    def _scores(self, model, encoded, targets):
        mask_id = replacement_id(model)
        rows, row_targets = [], []
        for item, target in zip(encoded, targets):
            for position in item.content_positions:
                rows.append(remove(item, [position], self.removal, mask_id))
                row_targets.append(target)
        bf16 = self.precision == "bf16"
        removed = probabilities_of_rows(model, rows, row_targets, bf16)
        full = probabilities_of_rows(
            model, [(item.token_ids, item.type_ids) for item in encoded], targets, bf16
        )
        scores, start = [], 0
        for row, item in enumerate(encoded):
            count = len(item.content_positions)
            item_scores = np.zeros(len(item.token_ids), dtype=np.float32)
            item_scores[item.content_positions] = (
                full[row] - removed[start : start + count]
            )
            scores.append(item_scores)
            start += count
        return scores, [{} for _ in encoded]
