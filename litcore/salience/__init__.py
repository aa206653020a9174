"""Token salience: one method per module, a registry by display name.

The methods built on captum import it when they first run (it takes about
0.8-1.8 s), so the app's start does not pay for it; the app's background
``registry.warm_up`` does, once the weights are in.
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
