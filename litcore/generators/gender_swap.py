"""Gender swap (CheckList style): he <-> she, his <-> her, man <-> woman..."""

from __future__ import annotations

import re
from dataclasses import dataclass

from litcore.generators.base import Example, Generator, Perturbation
from litcore.generators.words import WORD, keep_case, load_lexicon
from litcore.models.classifier import SequenceClassifier


def _swap_table() -> dict[str, str]:
    """Every gendered word to its counterpart (``her`` is resolved in context)."""
    lexicon = load_lexicon("gender_pairs")
    table = dict(lexicon["feminine_only"])
    for masculine, feminine in lexicon["pairs"]:
        table[masculine] = feminine
        table.setdefault(feminine, masculine)
    return table


def swap_gender(text: str) -> tuple[str, int]:
    """``text`` with gendered words swapped, keeping case; and how many changed.

    "her" becomes "his" before a word that is not in ``object_followers``
    (possessive: "her book") and "him" otherwise ("to her.", "her and").
    """
    table = _swap_table()
    object_followers = set(load_lexicon("gender_pairs")["object_followers"])
    changes = 0

    def swap(match: re.Match) -> str:
        nonlocal changes
        word = match.group(0)
        lower = word.lower()
        if lower not in table:
            return word
        target = table[lower]
        if lower == "her":
            following = WORD.match(text, _skip_spaces(text, match.end()))
            possessive = (
                following and following.group(0).lower() not in object_followers
            )
            target = "his" if possessive else "him"
        changes += 1
        return keep_case(word, target)

    return WORD.sub(swap, text), changes


def _skip_spaces(text: str, start: int) -> int:
    while start < len(text) and text[start] == " ":
        start += 1
    return start


@dataclass(frozen=True)
class GenderSwap(Generator):
    """Swaps gendered words in both texts; the label should not change."""

    name = "Gender swap"
    description = "he <-> she, his <-> her, man <-> woman... (label-preserving)."
    label_preserving = True

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        text, changes = swap_gender(example.text)
        text_b = example.text_b
        if text_b is not None:
            text_b, changes_b = swap_gender(text_b)
            changes += changes_b
        if not changes:
            return [], "No gendered word found."
        plural = "s" if changes > 1 else ""
        return [
            Perturbation(text, text_b, f"{changes} gendered word{plural} swapped")
        ], ""
