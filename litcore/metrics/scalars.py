"""Numbers for the Scalars view: strip-plot jitter, binary metrics at a threshold."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from litcore.api.errors import LumenError


def jitter(n: int, amount: float, seed: int = 0) -> np.ndarray:
    """``<float>[n]`` offsets uniform in [-amount, amount], the same for a seed."""
    return np.random.default_rng(seed).uniform(-amount, amount, size=n)


def threshold_metrics(
    gold: Sequence[str],
    positive_score: np.ndarray,
    labels: Sequence[str],
    threshold: float,
) -> dict[str, float]:
    """Binary metrics when ``labels[1]`` is predicted for scores ≥ ``threshold``.

    Args:
        gold: gold label per example; ones not in ``labels`` are left out.
        positive_score: ``<float>[n]`` probability of ``labels[1]``.
        labels: the two classes (negative, positive).
        threshold: the decision threshold in [0, 1].

    Returns:
        ``n``, ``accuracy``, ``precision``, ``recall``, ``f1`` (of ``labels[1]``)
        and the counts ``tp``, ``fp``, ``fn``, ``tn``.

    Raises:
        LumenError: not two labels, a threshold outside [0, 1], or no scored rows.
    """
    if len(labels) != 2:
        raise LumenError("A decision threshold needs a model with exactly two classes.")
    if not 0.0 <= threshold <= 1.0:
        raise LumenError(f"The threshold must be in [0, 1], got {threshold}.")
    gold = np.asarray(gold, dtype=object)
    known = np.isin(gold, list(labels))
    if not known.any():
        raise LumenError("No examples with a gold label the model knows.")
    actual = gold[known] == labels[1]
    predicted = np.asarray(positive_score, dtype=float)[known] >= threshold
    tp = int((actual & predicted).sum())
    fp = int((~actual & predicted).sum())
    fn = int((actual & ~predicted).sum())
    tn = int((~actual & ~predicted).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "n": int(known.sum()),
        "accuracy": (tp + tn) / int(known.sum()),
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
    }
