"""Negation (CheckList style): remove a negation, or insert "not" after a verb."""

from __future__ import annotations

import re
from dataclasses import dataclass

from litcore.generators.base import Example, Generator, Perturbation, candidates_param
from litcore.generators.words import WORD, keep_case, load_lexicon
from litcore.models.classifier import SequenceClassifier


def _negators() -> re.Pattern:
    words = load_lexicon("negation")["negators"]
    return re.compile(rf"(?<!\w)(?:{'|'.join(words)})(?!\w)\s?", re.IGNORECASE)


@dataclass(frozen=True)
class Negation(Generator):
    """Toggles negation: drops every "not"/"n't" if any, else adds "not" after one
    auxiliary verb (one candidate per auxiliary, up to ``n_candidates``).

    Ribeiro et al., "Beyond Accuracy: Behavioral Testing of NLP Models with
    CheckList", ACL 2020.
    """

    name = "Negation"
    description = 'Remove "not"/"n\'t", or insert "not" after an auxiliary verb.'
    n_candidates: int = candidates_param("Most insertions to propose")

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        removed = remove_negation(example.text)
        if removed != example.text:
            return [Perturbation(removed, example.text_b, "negation removed")], ""
        auxiliaries = set(load_lexicon("negation")["auxiliaries"])
        perturbations = []
        for match in WORD.finditer(example.text):
            if match.group(0).lower() not in auxiliaries:
                continue
            end = match.end()
            text = f"{example.text[:end]} not{example.text[end:]}"
            perturbations.append(
                Perturbation(text, example.text_b, f"not after '{match.group(0)}'")
            )
            if len(perturbations) == self.n_candidates:
                break
        message = "" if perturbations else "No negation and no auxiliary verb found."
        return perturbations, message


def remove_negation(text: str) -> str:
    """``text`` with negated contractions made positive and "not"/"never" dropped."""
    contractions = load_lexicon("negation")["contractions"]

    def positive(match: re.Match) -> str | None:
        word = match.group(0)
        plain = contractions.get(word.lower().replace("’", "'"))
        return None if plain is None else keep_case(word, plain)

    text = WORD.sub(lambda m: positive(m) or m.group(0), text)
    return _negators().sub("", text)
