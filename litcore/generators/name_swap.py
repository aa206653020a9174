"""Name swap (CheckList style): first names replaced by others of the same list."""

from __future__ import annotations

import random
from dataclasses import dataclass

from litcore.api.components import seed_param
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.generators.words import WORD, load_lexicon
from litcore.models.classifier import SequenceClassifier


def name_lists() -> dict[str, list[str]]:
    """Gender -> first names, from ``lexicons/first_names.json``."""
    lexicon = load_lexicon("first_names")
    return {key: value for key, value in lexicon.items() if not key.startswith("_")}


def swap_names(text: str, mapping: dict[str, str]) -> str:
    """Replaces each capitalised whole-word name in ``mapping`` by its image."""
    return WORD.sub(lambda m: mapping.get(m.group(0), m.group(0)), text)


@dataclass(frozen=True)
class NameSwap(Generator):
    """Replaces every first name by another one from the same list.

    Each candidate maps distinct names to distinct new names, so the swap can be
    undone; the label should not change.
    """

    name = "Name swap"
    description = "Swap first names for others (label-preserving)."
    label_preserving = True
    n_candidates: int = candidates_param()
    seed: int = seed_param()

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        lists = name_lists()
        list_of = {name: key for key, names in lists.items() for name in names}
        segments = [example.text, example.text_b or ""]
        found = list(
            dict.fromkeys(
                m.group(0)
                for segment in segments
                for m in WORD.finditer(segment)
                if m.group(0) in list_of
            )
        )
        if not found:
            return [], "No first name from the name list found."
        rng = random.Random(self.seed)
        perturbations = []
        for _ in range(self.n_candidates):
            taken = set(found)
            mapping = {}
            for name in found:
                choices = [n for n in lists[list_of[name]] if n not in taken]
                mapping[name] = rng.choice(choices)
                taken.add(mapping[name])
            text_b = (
                None if example.text_b is None else swap_names(example.text_b, mapping)
            )
            description = ", ".join(f"{a} -> {b}" for a, b in mapping.items())
            perturbations.append(
                Perturbation(swap_names(example.text, mapping), text_b, description)
            )
        return perturbations, ""
