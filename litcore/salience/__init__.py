"""Token salience: one method per module, a registry by display name."""

from litcore.salience.base import Param, SalienceMethod, TokenSalience, params_of
from litcore.salience.registry import METHODS, build, compatible

__all__ = [
    "METHODS",
    "Param",
    "SalienceMethod",
    "TokenSalience",
    "build",
    "compatible",
    "params_of",
]
