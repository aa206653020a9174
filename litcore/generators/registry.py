"""Every counterfactual generator by display name: adding one is one line here."""

from __future__ import annotations

from litcore.errors import LumenError
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


def build(name: str, **config) -> Generator:
    """An instance of the generator called ``name`` with ``config``.

    Raises:
        LumenError: an unknown name or parameter.
    """
    if name not in GENERATORS:
        raise LumenError(
            f"Unknown generator '{name}'. Choose one of: {', '.join(GENERATORS)}."
        )
    try:
        return GENERATORS[name](**config)
    except TypeError as error:
        raise LumenError(f"Bad settings for {name}: {error}.") from error
