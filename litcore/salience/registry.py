"""Salience methods by display name. Adding a method: one module, one line here."""

from __future__ import annotations

from litcore.api import components
from litcore.models.classifier import SequenceClassifier
from litcore.salience.attention import Attention, AttentionRollout
from litcore.salience.base import SalienceMethod
from litcore.salience.gradients import GradientNorm, GradientTimesInput
from litcore.salience.integrated_gradients import MIN_STEPS, IntegratedGradients
from litcore.salience.kernel_shap import KernelShap
from litcore.salience.lime import Lime
from litcore.salience.occlusion import LeaveOneOut
from litcore.salience.targets import TargetFunction

METHODS: components.Registry[SalienceMethod] = components.Registry(
    "salience method",
    (
        GradientNorm,
        GradientTimesInput,
        IntegratedGradients,
        Lime,
        KernelShap,
        LeaveOneOut,
        Attention,
        AttentionRollout,
    ),
)


# The salience method registered as a name, configured with a settings mapping.
build = METHODS.build


def compatible(
    model: SequenceClassifier, target: TargetFunction | None = None
) -> list[str]:
    """Names of the methods that can explain ``model`` (for ``target``, when a
    target function is to be explained), in registry order."""
    return [
        name
        for name, method in METHODS.items()
        if method().is_compatible(model)
        and (target is None or method.explains_functions)
    ]


def warm_up(model: SequenceClassifier) -> None:
    """Pays the expensive methods' one-off set-up on a two-word text: the
    [CLS]-only twin (and bf16 copy), the first backward pass.

    Seconds on 2 AVX2 cores (2-4 s when it also imported captum) that a user's
    first integrated gradients or LIME would otherwise pay; it also takes IG's
    set-up run out of ``timing``.
    """
    method = IntegratedGradients(steps=MIN_STEPS)
    if method.is_compatible(model):
        method.explain(model, "a b")
