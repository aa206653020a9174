"""Quadrature rules on [0, 1] for integrated gradients' path integral.

Integrated gradients integrates the gradient along the straight path from the
baseline (alpha = 0) to the input (alpha = 1). A rule gives the points
(alphas) where the gradient is taken and the weights that sum them.
Gauss–Legendre is exact for polynomials of degree ``2n - 1`` with ``n`` points,
so it reaches completeness with far fewer points than a Riemann sum, whose
error only falls as ``1 / n`` (left, right) or ``1 / n²`` (midpoint, trapezoid).
Gauss–Legendre and the midpoint rule are captum's (``approximation_methods``);
the trapezoid is the textbook one (captum's weights sum to ``1 - 1/n``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from litcore.api.errors import LumenError

Rule = Callable[[int], tuple[np.ndarray, np.ndarray]]


def gauss_legendre(points: int) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, weights)``, both ``<float64>[points]``: Gauss–Legendre on [0, 1]."""
    nodes, weights = np.polynomial.legendre.leggauss(points)
    return (nodes + 1.0) / 2.0, weights / 2.0


def riemann_trapezoid(points: int) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, weights)``: the trapezoid rule on ``points`` equally spaced alphas,
    both ends included (needs ``points >= 2``)."""
    alphas = np.linspace(0.0, 1.0, points)
    weights = np.full(points, 1.0 / (points - 1))
    weights[[0, -1]] /= 2.0
    return alphas, weights


def riemann_middle(points: int) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, weights)``: the midpoint rule, ``points`` equal slices."""
    return (np.arange(points) + 0.5) / points, np.full(points, 1.0 / points)


RULES: dict[str, Rule] = {
    "Gauss-Legendre": gauss_legendre,
    "Riemann trapezoid": riemann_trapezoid,
    "Riemann midpoint": riemann_middle,
}


def rule(name: str, points: int) -> tuple[np.ndarray, np.ndarray]:
    """``(alphas, weights)`` of the rule called ``name`` with ``points`` points.

    Raises:
        LumenError: an unknown rule, or fewer than 2 points.
    """
    if name not in RULES:
        raise LumenError(f"Unknown quadrature '{name}': use one of {tuple(RULES)}.")
    if points < 2:
        raise LumenError(f"A quadrature needs at least 2 points, not {points}.")
    return RULES[name](points)
