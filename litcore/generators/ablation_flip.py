"""Ablation flip: the smallest set of words whose removal flips the prediction."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

import numpy as np

from litcore.api.components import param
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.generators.words import WORD
from litcore.models.classifier import SequenceClassifier


def remove_words(text: str, spans: list[re.Match], drop: tuple[int, ...]) -> str:
    """``text`` without the words at indices ``drop``, spaces tidied."""
    pieces, last = [], 0
    for index in sorted(drop):
        pieces.append(text[last : spans[index].start()])
        last = spans[index].end()
    pieces.append(text[last:])
    return re.sub(r"\s{2,}", " ", "".join(pieces)).strip()


@dataclass(frozen=True)
class AblationFlip(Generator):
    """Removes words, fewest first, until the predicted label changes.

    Words are ranked by leave-one-out occlusion (how much removing each one
    lowers the predicted class's probability); sets of two or more are drawn
    from the ``top_words`` best-ranked words, at most ``max_evaluations`` sets.
    Follows LIT's "Ablation Flip" (Tenney et al., EMNLP 2020 demos).
    """

    name = "Ablation flip"
    description = "Fewest words whose removal flips the prediction (occlusion-guided)."
    max_ablations: int = param(
        "Most words removed", 3, "Largest set of words to remove", low=1, high=10
    )
    top_words: int = param(
        "Words to combine",
        8,
        "Best-ranked words that sets of 2+ are drawn from",
        low=2,
        high=50,
    )
    max_evaluations: int = param(
        "Sets to try", 200, "Most sets to try (model calls)", low=1, high=10_000
    )
    n_candidates: int = candidates_param("Flipping sets to return")

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        spans = list(WORD.finditer(example.text))
        if len(spans) < 2:
            return [], "Fewer than two words: nothing to remove."
        texts_b = None if example.text_b is None else [example.text_b]
        original = model.predict([example.text], texts_b).probas[0]
        target = int(original.argmax())
        singles = [(i,) for i in range(len(spans))]
        drops, found = self._try(example, model, spans, singles, target)
        if found:
            return found, ""
        ranked = np.argsort(-(original[target] - drops), kind="stable")
        top = sorted(int(i) for i in ranked[: self.top_words])
        budget = self.max_evaluations - len(singles)
        for size in range(2, min(self.max_ablations, len(spans) - 1) + 1):
            sets = list(itertools.islice(itertools.combinations(top, size), budget))
            if not sets:
                break
            budget -= len(sets)
            _, found = self._try(example, model, spans, sets, target)
            if found:
                return found, ""
        return [], (
            f"No set of up to {self.max_ablations} of the {len(top)} most salient "
            "words flips the prediction."
        )

    def _try(
        self,
        example: Example,
        model: SequenceClassifier,
        spans: list[re.Match],
        sets: list[tuple[int, ...]],
        target: int,
    ) -> tuple[np.ndarray, list[Perturbation]]:
        """The target-class probability after each removal, and the flipping sets."""
        texts = [remove_words(example.text, spans, drop) for drop in sets]
        texts_b = None if example.text_b is None else [example.text_b] * len(texts)
        probas = model.predict(texts, texts_b).probas  # <float32>[num_sets, labels]
        flips = np.flatnonzero(probas.argmax(axis=1) != target)
        flips = flips[np.argsort(probas[flips, target], kind="stable")]
        found = [
            Perturbation(
                texts[i],
                example.text_b,
                "removed: " + ", ".join(spans[w].group(0) for w in sets[i]),
            )
            for i in flips[: self.n_candidates]
        ]
        return probas[:, target], found
