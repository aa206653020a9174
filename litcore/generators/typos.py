"""Typos (CheckList style): swap two neighbouring letters, seeded."""

from __future__ import annotations

import random
from dataclasses import dataclass

from litcore.api.components import param, seed_param
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.generators.words import WORD
from litcore.models.classifier import SequenceClassifier

MIN_WORD_CHARS = 3


def swap_typo(text: str, rng: random.Random) -> str | None:
    """``text`` with two different adjacent letters of one word swapped (or None)."""
    spots = [
        match.start() + i
        for match in WORD.finditer(text)
        if len(match.group(0)) >= MIN_WORD_CHARS
        for i in range(len(match.group(0)) - 1)
        if match.group(0)[i].isalpha()
        and match.group(0)[i + 1].isalpha()
        and match.group(0)[i] != match.group(0)[i + 1]
    ]
    if not spots:
        return None
    at = rng.choice(spots)
    return text[:at] + text[at + 1] + text[at] + text[at + 2 :]


@dataclass(frozen=True)
class Typos(Generator):
    """Adds ``n_typos`` letter swaps per candidate; the label should not change."""

    name = "Typos"
    description = "Swap two neighbouring letters (label-preserving)."
    label_preserving = True
    n_candidates: int = candidates_param()
    n_typos: int = param(
        "Typos per candidate", 1, "Letter swaps per candidate", low=1, high=20
    )
    seed: int = seed_param()

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        rng = random.Random(self.seed)
        found: dict[str, None] = {}
        for _ in range(self.n_candidates * 4):
            if len(found) == self.n_candidates:
                break
            text: str | None = example.text
            for _ in range(self.n_typos):
                text = swap_typo(text, rng)
                if text is None:
                    return [], f"No word of {MIN_WORD_CHARS}+ letters to misspell."
            if text != example.text:
                found[text] = None
        plural = "s" if self.n_typos > 1 else ""
        return [
            Perturbation(text, example.text_b, f"{self.n_typos} typo{plural}")
            for text in found
        ], ""
