"""Every counterfactual generator by display name: adding one is one line here."""

from __future__ import annotations

from litcore.api import components
from litcore.generators.ablation_flip import AblationFlip
from litcore.generators.base import Generator
from litcore.generators.gender_swap import GenderSwap
from litcore.generators.hotflip import HotFlip
from litcore.generators.name_swap import NameSwap
from litcore.generators.negation import Negation
from litcore.generators.number_change import NumberChange
from litcore.generators.scrambler import Scrambler
from litcore.generators.typos import Typos
from litcore.generators.word_replacer import WordReplacer

GENERATORS: components.Registry[Generator] = components.Registry(
    "generator",
    (
        WordReplacer,
        AblationFlip,
        HotFlip,
        Scrambler,
        Negation,
        Typos,
        NameSwap,
        GenderSwap,
        NumberChange,
    ),
)


def names() -> list[str]:
    return list(GENERATORS)


# The generator registered as a name, configured with a settings mapping.
build = GENERATORS.build
