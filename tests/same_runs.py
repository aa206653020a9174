"""The check that a Ray run holds the default engine's predictions (a helper
module shared by the local-instance and the cluster tests)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from litcore.store.run import EMBEDDINGS

BF16_TOLERANCE = 2e-2  # what bf16 weights move a probability by, at most


def assert_same_predictions(ray_run, local, ids: Sequence[str]) -> None:
    """``ray_run``'s probabilities and embeddings equal ``local``'s within
    ``BF16_TOLERANCE``, and its tokens exactly, for ``ids``."""
    np.testing.assert_allclose(ray_run.probas(), local.probas(), atol=BF16_TOLERANCE)
    for name in EMBEDDINGS:
        np.testing.assert_allclose(
            np.asarray(ray_run.embedding(name), np.float32),
            np.asarray(local.embedding(name), np.float32),
            atol=BF16_TOLERANCE,
        )
    assert ray_run.predictions(ids).tokens[:] == local.predictions(ids).tokens[:]
