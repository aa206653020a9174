"""Scrambler: the same words in a random (seeded) order."""

from __future__ import annotations

import random

from litcore.generators.base import Example, Generator, Perturbation
from litcore.models.classifier import SequenceClassifier

MAX_TRIES = 20


class Scrambler(Generator):
    """Shuffles the words of the first text; the same seed gives the same orders."""

    name = "Scrambler"
    description = "Shuffle the word order (seeded)."
    param_help = {"n_candidates": "Orders to try", "seed": "Random seed"}

    def __init__(self, n_candidates: int = 3, seed: int = 0) -> None:
        self.n_candidates = n_candidates
        self.seed = seed

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
