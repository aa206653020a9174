"""Exact outputs of the text generators on small inputs, and registry-wide checks."""

from __future__ import annotations

import random

import numpy as np
import pytest

from litcore.api.errors import LumenError
from litcore.generators import registry
from litcore.generators.base import Example
from litcore.generators.gender_swap import swap_gender
from litcore.generators.name_swap import swap_names
from litcore.generators.negation import remove_negation
from litcore.generators.typos import swap_typo
from litcore.generators.word_replacer import parse_rules


def texts(name: str, text: str, text_b: str | None = None, **config) -> list[str]:
    found, _ = registry.build(name, config).perturb(Example(text, text_b), None)
    return [p.text for p in found]


def test_word_replacer_keeps_case_and_whole_words():
    rules = "great -> awful|dull\nfun -> boring"
    text = "Great fun, GREAT plot; greatest fun-fair, great!"
    assert texts("Word replacer", text, rules=rules) == [
        "Awful fun, AWFUL plot; greatest fun-fair, awful!",
        "Dull fun, DULL plot; greatest fun-fair, dull!",
        "Great boring, GREAT plot; greatest fun-fair, great!",
    ]


def test_word_replacer_replaces_phrases_and_second_text():
    found, _ = registry.build(
        "Word replacer", {"rules": "artistic-scientific -> artistic"}
    ).perturb(Example("An artistic-scientific group", "artistic-scientific art"), None)
    assert [(p.text, p.text_b, p.description) for p in found] == [
        ("An artistic group", "artistic art", "artistic-scientific -> artistic (2×)")
    ]


def test_word_replacer_reports_no_match():
    found, message = registry.build(
        "Word replacer", {"rules": "great -> awful"}
    ).perturb(Example("The greatest show"), None)
    assert found == [] and message == "No match for 'great'."


@pytest.mark.parametrize("rules", ["great awful", "-> awful", "great ->", "a -> |"])
def test_word_replacer_refuses_malformed_rules(rules):
    with pytest.raises(LumenError, match="line 1"):
        parse_rules(rules)


def test_scrambler_same_seed_same_output():
    text = "the plot was thin but the acting was fun"
    first = texts("Scrambler", text, seed=3)
    assert first == texts("Scrambler", text, seed=3)
    assert first != texts("Scrambler", text, seed=4)
    assert len(first) == 3 and len(set(first)) == 3
    assert all(sorted(t.split()) == sorted(text.split()) for t in first)
    assert texts("Scrambler", "fun fun fun") == []


def test_negation_removes_and_inserts():
    assert remove_negation("It isn't good and I did not laugh.") == (
        "It is good and I did laugh."
    )
    assert remove_negation("Don’t go. NOT bad") == "Do go. bad"
    assert texts("Negation", "The plot is thin but it was fun", n_candidates=3) == [
        "The plot is not thin but it was fun",
        "The plot is thin but it was not fun",
    ]
    assert texts("Negation", "Loved it") == []


def test_typos_swap_adjacent_letters_seeded():
    assert swap_typo("ab cat", random.Random(0)) in {"ab act", "ab cta"}
    assert swap_typo("a aa 12", random.Random(0)) is None
    first = texts("Typos", "wonderful acting", seed=1)
    assert first == texts("Typos", "wonderful acting", seed=1)
    for typo in first:
        assert len(typo) == len("wonderful acting") and sorted(typo) == sorted(
            "wonderful acting"
        )
        assert sum(a != b for a, b in zip(typo, "wonderful acting")) == 2


def test_gender_swap_is_consistent_both_ways():
    text = "He told his wife that he loved her. Her brother, Mr Smith, agreed."
    swapped, changes = swap_gender(text)
    assert swapped == (
        "She told her husband that she loved him. His sister, Mrs Smith, agreed."
    )
    assert changes == 8
    assert swap_gender(swapped) == (text, 8)
    assert swap_gender("HE and the woman")[0] == "SHE and the man"
    assert texts("Gender swap", "A dog barked") == []


def test_name_swap_is_consistent_both_ways():
    text = "John met Mary. John left, and Mary stayed with Johnny."
    found, _ = registry.build("Name swap", {"seed": 0}).perturb(Example(text), None)
    assert len(found) == 3
    for perturbation in found:
        pairs = [pair.split(" -> ") for pair in perturbation.description.split(", ")]
        forward = dict(pairs)
        assert list(forward) == ["John", "Mary"]
        assert forward["John"] not in {"John", "Mary"}
        assert forward["Mary"] not in {"John", "Mary"}
        assert perturbation.text == text.replace("John ", "X ").replace(
            "Mary", forward["Mary"]
        ).replace("X ", forward["John"] + " ")
        backward = {new: old for old, new in forward.items()}
        assert swap_names(perturbation.text, backward) == text
    assert texts("Name swap", "the movie") == []


def test_number_change_keeps_format():
    changed = texts("Number change", "Rated 8 of 10, 2.5 hours", seed=0)
    assert changed == texts("Number change", "Rated 8 of 10, 2.5 hours", seed=0)
    assert len(changed) == 3
    for text in changed:
        words = text.replace(",", "").split()
        assert words[0] == "Rated" and words[2] == "of" and words[5] == "hours"
        assert words[1].isdigit() and words[3].isdigit()
        assert len(words[4].split(".")[1]) == 1
        assert (words[1], words[3], words[4]) != ("8", "10", "2.5")
    assert texts("Number change", "no digits here") == []


@pytest.mark.parametrize("name", registry.names())
def test_every_generator_scores_candidates(name, tiny_model):
    generator = registry.build(name)
    example = Example(
        "He said the great movie was not boring , john loved his 2 hours", None
    )
    result = generator.generate(example, tiny_model)
    assert result.original_pred in tiny_model.labels
    assert result.candidates or result.message
    original = tiny_model.predict([example.text]).probas[0]
    np.testing.assert_allclose(result.original_probas, original, atol=1e-6)
    if not result.candidates:
        return
    fresh = tiny_model.predict([c.text for c in result.candidates]).probas
    for candidate, probas in zip(result.candidates, fresh):
        assert candidate.text != example.text
        np.testing.assert_allclose(candidate.probas, probas, atol=1e-6)
        assert candidate.pred == tiny_model.labels[int(probas.argmax())]
        assert candidate.flipped == (candidate.pred != result.original_pred)


@pytest.mark.parametrize("name", registry.names())
def test_every_generator_refuses_empty_text(name, tiny_model):
    with pytest.raises(LumenError, match="empty"):
        registry.build(name).generate(Example("   "), tiny_model)


@pytest.mark.parametrize("name", registry.names())
def test_every_generator_says_when_it_made_nothing(name, tiny_model):
    result = registry.build(name).generate(Example("ok"), tiny_model)
    if not result.candidates:
        assert result.message


def test_registry_refuses_unknown_names_and_settings():
    with pytest.raises(LumenError, match="Unknown generator"):
        registry.build("Paraphraser")
    with pytest.raises(LumenError, match="Bad settings"):
        registry.build("Scrambler", {"colour": "red"})
    with pytest.raises(LumenError, match="Typos per candidate must be between 1"):
        registry.build("Typos", {"n_typos": 0})
    with pytest.raises(LumenError, match="Rules must be text"):
        registry.build("Word replacer", {"rules": 3})
    assert list(registry.GENERATORS["Typos"].config_spec()) == [
        "n_candidates",
        "n_typos",
        "seed",
    ]
