"""Every counterfactual generator by display name: adding one is one line here."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

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

GENERATORS: dict[str, type[Generator]] = {
    cls.name: cls
    for cls in (
        WordReplacer,
        AblationFlip,
        HotFlip,
        Scrambler,
        Negation,
        Typos,
        NameSwap,
        GenderSwap,
        NumberChange,
    )
}


def names() -> list[str]:
    return list(GENERATORS)


def build(name: str, config: Mapping[str, Any] | None = None) -> Generator:
    """The generator registered as ``name``, configured with ``config``.

    Raises:
        LumenError: an unknown name or a bad setting (``components.check_config``).
    """
    return components.build(GENERATORS, "generator", name, config)
