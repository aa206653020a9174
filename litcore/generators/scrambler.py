"""Scrambler: the same words in a random (seeded) order."""

from __future__ import annotations

import random
from dataclasses import dataclass

from litcore.api.components import seed_param
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.models.classifier import SequenceClassifier

MAX_TRIES = 20


@dataclass(frozen=True)
class Scrambler(Generator):
    """Shuffles the words of the first text; the same seed gives the same orders."""

    name = "Scrambler"
    description = "Shuffle the word order (seeded)."
    n_candidates: int = candidates_param("Orders to try")
    seed: int = seed_param()

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        words = example.text.split()
        if len(set(words)) < 2:
            return [], "Fewer than two different words: nothing to scramble."
        rng = random.Random(self.seed)
        seen = {" ".join(words)}
        perturbations = []
        for _ in range(self.n_candidates * MAX_TRIES):
            if len(perturbations) == self.n_candidates:
                break
            order = words[:]
            rng.shuffle(order)
            text = " ".join(order)
            if text not in seen:
                seen.add(text)
                perturbations.append(
                    Perturbation(text, example.text_b, "words shuffled")
                )
        return perturbations, ""
