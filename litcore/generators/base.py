"""What every counterfactual generator shares: the example, candidates, the base class.

A generator proposes perturbed texts (``_perturb``); ``generate`` validates the
example, runs the model once on the original and every proposal, and marks the
candidates whose predicted label differs from the original's ("flipped").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from litcore.api.components import Component, param
from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier

MAX_CANDIDATES = 50


@dataclass(frozen=True)
class Example:
    """The input fields a generator perturbs."""

    text: str
    text_b: str | None = None
    label: str | None = None


@dataclass(frozen=True)
class Perturbation:
    """A proposed counterfactual before the model has seen it.

    Attributes:
        text: the perturbed first segment.
        text_b: the (possibly perturbed) second segment.
        description: what was changed, e.g. ``great -> awful``.
    """

    text: str
    text_b: str | None
    description: str


@dataclass(frozen=True)
class Candidate:
    """A counterfactual with the model's verdict on it.

    Attributes:
        probas: ``<float32>[num_labels]``.
        pred: the predicted label.
        flipped: whether ``pred`` differs from the original example's prediction.
    """

    text: str
    text_b: str | None
    description: str
    probas: np.ndarray
    pred: str
    flipped: bool


@dataclass
class GeneratorResult:
    """Candidates for one example, the original's prediction and a note.

    ``message`` says why nothing was produced (or what limited the search).
    """

    original_probas: np.ndarray
    original_pred: str
    candidates: list[Candidate] = field(default_factory=list)
    message: str = ""


def candidates_param(help: str = "Candidates to make") -> Any:
    """The ``n_candidates`` field: how many counterfactuals to return at most."""
    return param("Candidates", 3, help, low=1, high=MAX_CANDIDATES)


@dataclass(frozen=True)
class Generator(Component):
    """Base class: subclasses are frozen dataclasses that set ``name``, declare
    their settings with ``param`` and implement ``_perturb``.

    Class attributes:
        description: one line for the picker's help.
        label_preserving: True for perturbations that should not change the
            label (CheckList INV).
    """

    description: ClassVar[str] = ""
    label_preserving: ClassVar[bool] = False

    def generate(self, example: Example, model: SequenceClassifier) -> GeneratorResult:
        """Counterfactuals of ``example`` with their predictions.

        Raises:
            LumenError: an empty text or a bad setting.
        """
        perturbations, message = self.perturb(example, model)
        texts_b = None if example.text_b is None else [example.text_b]
        original_probas = model.predict([example.text], texts_b).probas[0]
        original_pred = model.labels[int(original_probas.argmax())]
        result = GeneratorResult(original_probas, original_pred, message=message)
        if not perturbations:
            result.message = message or f"{self.name} produced no counterfactual."
            return result
        result.candidates = score(perturbations, original_pred, model)
        return result

    def perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        """Proposed counterfactuals (not yet scored) and a note.

        Raises:
            LumenError: an empty text or a bad setting.
        """
        self.validate()
        check_example(example)
        return self._perturb(example, model)

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        """Proposed counterfactuals and a note (why none, or what capped the search)."""
        raise NotImplementedError


def check_example(example: Example) -> None:
    if not example.text or not example.text.strip():
        raise LumenError("The text is empty: type a text to generate from.")


def score(
    perturbations: list[Perturbation], original_pred: str, model: SequenceClassifier
) -> list[Candidate]:
    """Runs the model once over every perturbation and marks flipped predictions."""
    texts_b = (
        None if perturbations[0].text_b is None else [p.text_b for p in perturbations]
    )
    predictions = model.predict([p.text for p in perturbations], texts_b)
    candidates = []
    for perturbation, probas in zip(perturbations, predictions.probas):
        pred = model.labels[int(probas.argmax())]
        candidates.append(
            Candidate(
                perturbation.text,
                perturbation.text_b,
                perturbation.description,
                probas,
                pred,
                pred != original_pred,
            )
        )
    return candidates
