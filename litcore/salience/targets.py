"""What a salience method explains: a class's probability, or a target function.

A class target is an index (None: the predicted class), and the explained
output is that class's softmax probability. A ``TargetFunction`` is any other
number read off the logits, the way captum explains regression: the method
differentiates (or integrates) that number instead, e.g. a regression head's
score (``regression_score``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from litcore.models.regressor import Regressor


@dataclass(frozen=True)
class TargetFunction:
    """A number per text computed from the model's logits.

    Attributes:
        label: what the number is, e.g. ``rating score``.
        of_logits: ``<float32>[batch, num_labels]`` logits to ``<float32>[batch]``;
            differentiable.
    """

    label: str
    of_logits: Callable[[torch.Tensor], torch.Tensor]


def _first_output(logits: torch.Tensor) -> torch.Tensor:
    return logits[:, 0]


def regression_score(model: Regressor) -> TargetFunction:
    """The regression head's raw score (its only output, no softmax)."""
    return TargetFunction(f"{model.target} score", _first_output)


def output_columns(
    logits: torch.Tensor, function: TargetFunction | None
) -> torch.Tensor:
    """``<float32>[batch, columns]``: what can be explained, from the logits.

    The class probabilities (a column per class), or with a target function its
    value as the one column (index 0).
    """
    logits = logits.float()
    if function is None:
        return torch.softmax(logits, dim=-1)
    return function.of_logits(logits)[:, None]
