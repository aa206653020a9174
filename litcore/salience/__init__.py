"""Token salience: one method per module, a registry by display name.

Every method runs on PyTorch alone: integrated gradients, LIME and Kernel SHAP
compute what captum's classes of the same names compute (the tests compare
them), with batched passes and without captum's per-sample Python loop.
"""

from litcore.salience.base import SalienceMethod, TokenSalience
from litcore.salience.registry import METHODS, build, compatible
from litcore.salience.targets import TargetFunction, regression_score

__all__ = [
    "METHODS",
    "SalienceMethod",
    "TargetFunction",
    "TokenSalience",
    "build",
    "compatible",
    "regression_score",
]
