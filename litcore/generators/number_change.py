"""Number change (CheckList style): every number moved by 10-50 %, seeded."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

from litcore.api.components import seed_param
from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.models.classifier import SequenceClassifier

NUMBER = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?![\w.]\d)")


def change_number(number: str, rng: random.Random) -> str:
    """Another non-negative number of the same format, 10-50 % (at least 1) away."""
    decimals = len(number.partition(".")[2])
    value = float(number)
    step = max(10.0**-decimals, abs(value) * rng.uniform(0.1, 0.5))
    sign = rng.choice((-1, 1)) if value - step >= 0 else 1
    return f"{value + sign * step:.{decimals}f}"


@dataclass(frozen=True)
class NumberChange(Generator):
    """Changes every number in the first text (a rating can change the label)."""

    name = "Number change"
    description = "Change the numbers in the text by 10-50 %."
    n_candidates: int = candidates_param()
    seed: int = seed_param()

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        if not NUMBER.search(example.text):
            return [], "No number in the text."
        rng = random.Random(self.seed)
        found: dict[str, None] = {}
        for _ in range(self.n_candidates * 4):
            if len(found) == self.n_candidates:
                break
            text = NUMBER.sub(lambda m: change_number(m.group(0), rng), example.text)
            if text != example.text:
                found[text] = None
        return [
            Perturbation(text, example.text_b, "numbers changed") for text in found
        ], ""
