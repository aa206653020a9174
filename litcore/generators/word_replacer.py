"""Word replacer: user rules such as ``great -> terrible|awful``, whole words only."""

from __future__ import annotations

from dataclasses import dataclass

from litcore.api.components import param
from litcore.api.errors import LumenError
from litcore.generators.base import Example, Generator, Perturbation
from litcore.generators.words import keep_case, whole_word_pattern
from litcore.models.classifier import SequenceClassifier

Rule = tuple[str, tuple[str, ...]]


def parse_rules(rules: str) -> list[Rule]:
    """``source -> target|target`` per line into (source, targets); blank lines skipped.

    Raises:
        LumenError: a line without ``->``, or with an empty side.
    """
    parsed = []
    for number, line in enumerate(rules.splitlines(), start=1):
        if not line.strip():
            continue
        source, arrow, targets = line.partition("->")
        replacements = tuple(t.strip() for t in targets.split("|") if t.strip())
        if not arrow or not source.strip() or not replacements:
            raise LumenError(
                f"Rule on line {number} ('{line.strip()}') is not of the form "
                "'word -> replacement|other replacement'."
            )
        parsed.append((source.strip(), replacements))
    return parsed


@dataclass(frozen=True)
class WordReplacer(Generator):
    """Replaces whole words (or phrases) by the user's alternatives, keeping case.

    One candidate per (rule, replacement); every occurrence in the text (and the
    second text) is replaced.
    """

    name = "Word replacer"
    description = "Replace words or phrases by your alternatives (whole words only)."
    rules: str = param(
        "Rules",
        "great -> terrible|awful",
        "One rule per line: great -> terrible|awful",
    )

    def _perturb(
        self, example: Example, model: SequenceClassifier
    ) -> tuple[list[Perturbation], str]:
        rules = parse_rules(self.rules)
        if not rules:
            raise LumenError("No replacement rules: write one per line, a -> b|c.")
        perturbations = []
        for source, targets in rules:
            pattern = whole_word_pattern(source)
            for target in targets:
                count = 0

                def swap(match, target=target) -> str:
                    return keep_case(match.group(0), target)

                text, n_text = pattern.subn(swap, example.text)
                count += n_text
                text_b = example.text_b
                if text_b is not None:
                    text_b, n_b = pattern.subn(swap, text_b)
                    count += n_b
                if count:
                    perturbations.append(
                        Perturbation(text, text_b, f"{source} -> {target} ({count}×)")
                    )
        sources = ", ".join(f"'{source}'" for source, _ in rules)
        return perturbations, "" if perturbations else f"No match for {sources}."
