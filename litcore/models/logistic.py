"""L2-regularised logistic regression, fitted by L-BFGS in torch.

The same objective as scikit-learn's ``LogisticRegression(C=C)`` (lbfgs): the
summed log loss plus ``||coef||^2 / (2 C)``, the intercept unpenalised; one row
of coefficients for two classes (class 1 against class 0), one per class for
more (softmax). The demo's probe fits with this rather than scikit-learn,
whose import alone costs about 3 s of a cold launch (``benchmarks/cold_phases``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

MAX_ITERATIONS = 1000


@dataclass(frozen=True)
class LogisticFit:
    """A fitted logistic regression, in scikit-learn's layout.

    Attributes:
        coef: ``<float64>[1, features]`` for two classes, else
            ``<float64>[classes, features]``.
        intercept: ``<float64>[1]`` or ``<float64>[classes]``.
        classes: the sorted class indices the rows stand for.
    """

    coef: np.ndarray
    intercept: np.ndarray
    classes: list[int]

    def logits(self, features: np.ndarray) -> np.ndarray:
        """``<float64>[n, rows]``: ``features @ coef.T + intercept``."""
        return features @ self.coef.T + self.intercept

    def predict(self, features: np.ndarray) -> np.ndarray:
        """``<int64>[n]``: the most probable class of each row of ``features``."""
        logits = self.logits(features)
        if len(self.classes) == 2:
            return np.where(logits[:, 0] > 0, self.classes[1], self.classes[0])
        return np.asarray(self.classes)[logits.argmax(axis=1)]


def fit_logistic_regression(
    features: np.ndarray, gold: np.ndarray, regularisation: float = 1.0
) -> LogisticFit:
    """Fits ``gold`` (``<int>[n]``, at least two distinct values) on ``features``
    (``<float>[n, d]``) with inverse L2 strength ``regularisation`` (``C``).

    Raises:
        ValueError: fewer than two classes, mismatched lengths, or ``C <= 0``.
    """
    classes = sorted({int(value) for value in gold})
    if len(classes) < 2:
        raise ValueError("Logistic regression needs at least two classes.")
    if len(features) != len(gold):
        raise ValueError(f"{len(features)} feature rows for {len(gold)} labels.")
    if regularisation <= 0:
        raise ValueError(f"The regularisation C must be > 0, not {regularisation}.")
    threads = torch.get_num_threads()
    # One thread: the operations are small, and on a busy CPU a second
    # thread's synchronisation made the fit 40x slower (9.3 s against 0.23 s).
    torch.set_num_threads(1)
    try:
        with torch.inference_mode(False), torch.enable_grad():
            return _fitted(features, gold, classes, regularisation)
    finally:
        torch.set_num_threads(threads)


def _fitted(
    features: np.ndarray, gold: np.ndarray, classes: list[int], regularisation: float
) -> LogisticFit:
    inputs = torch.from_numpy(np.asarray(features, dtype=np.float64))
    target = torch.from_numpy(np.searchsorted(classes, gold).astype(np.int64))
    rows = 1 if len(classes) == 2 else len(classes)
    coef = torch.zeros(rows, inputs.shape[1], dtype=torch.float64, requires_grad=True)
    intercept = torch.zeros(rows, dtype=torch.float64, requires_grad=True)
    optimiser = torch.optim.LBFGS(
        [coef, intercept],
        max_iter=MAX_ITERATIONS,
        tolerance_grad=1e-6,
        tolerance_change=1e-12,
        history_size=20,
        line_search_fn="strong_wolfe",
    )

    def objective() -> torch.Tensor:
        optimiser.zero_grad()
        logits = inputs @ coef.T + intercept
        if rows == 1:
            loss = torch.nn.functional.binary_cross_entropy_with_logits(
                logits[:, 0], target.double(), reduction="sum"
            )
        else:
            loss = torch.nn.functional.cross_entropy(logits, target, reduction="sum")
        loss = loss + coef.square().sum() / (2 * regularisation)
        loss.backward()
        return loss

    optimiser.step(objective)
    return LogisticFit(
        coef.detach().numpy().copy(), intercept.detach().numpy().copy(), classes
    )
