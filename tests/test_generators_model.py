"""HotFlip, ablation flip and batch mode on a tiny model where one word decides."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from litcore.data.dataset import Dataset, example_ids
from litcore.generators import registry
from litcore.generators.base import Example
from litcore.generators.batch import (
    counterfactual_examples,
    flip_rates,
    invariance_failures,
    run_batch,
    score_change_summary,
    with_score_changes,
)
from litcore.models.classifier import SequenceClassifier
from litcore.session.overlay import generated_origin
from litcore.session.predictions import analysis_frame
from tests.conftest import build_tiny_classifier

DECIDING_WORD = "awful"


@pytest.fixture(scope="module")
def one_word_model(tmp_path_factory) -> SequenceClassifier:
    """A tiny BERT whose label is "negative" exactly when "awful" is in a short text.

    Hand-set weights: every word embedding is 1 on dimension 1, "awful" also has
    10 on dimension 0; attention is uniform (zero queries and keys) with identity
    values and outputs, the feed-forward blocks output zero, the pooler reads
    dimension 0 and the classifier turns it into a negative-vs-positive logit.
    """
    from transformers import AutoTokenizer, BertForSequenceClassification

    folder = build_tiny_classifier(tmp_path_factory.mktemp("one_word") / "model")
    model = BertForSequenceClassification.from_pretrained(folder)
    word_id = AutoTokenizer.from_pretrained(folder).convert_tokens_to_ids(DECIDING_WORD)
    hidden = model.config.hidden_size
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.zero_()
        embeddings = model.bert.embeddings
        embeddings.word_embeddings.weight[:, 1] = 1.0
        embeddings.word_embeddings.weight[word_id, 0] = 10.0
        embeddings.LayerNorm.weight.fill_(1.0)
        for layer in model.bert.encoder.layer:
            layer.attention.self.value.weight.copy_(torch.eye(hidden))
            layer.attention.output.dense.weight.copy_(torch.eye(hidden))
            layer.attention.output.LayerNorm.weight.fill_(1.0)
            layer.output.LayerNorm.weight.fill_(1.0)
        model.bert.pooler.dense.weight[0, 0] = 1.0
        model.classifier.weight[:, 0] = torch.tensor([4.0, -4.0])
        model.classifier.bias.copy_(torch.tensor([-1.0, 1.0]))
    model.save_pretrained(folder)
    return SequenceClassifier.from_pretrained(folder)


def test_the_model_is_decided_by_one_word(one_word_model):
    texts = ["this movie is awful", "the awful plot", "this movie is great", "fun"]
    probas = one_word_model.predict(texts).probas
    assert probas.argmax(axis=1).tolist() == [0, 0, 1, 1]


@pytest.mark.parametrize(
    "text, removed",
    [
        ("this movie is awful", "awful"),
        ("the awful plot was fun", "awful"),
        ("awful awful movie", "awful, awful"),
    ],
)
def test_ablation_flip_finds_the_deciding_words(one_word_model, text, removed):
    result = registry.build("Ablation flip").generate(Example(text), one_word_model)
    assert result.original_pred == "negative"
    assert [(c.description, c.pred, c.flipped) for c in result.candidates] == [
        (f"removed: {removed}", "positive", True)
    ]
    assert DECIDING_WORD not in result.candidates[0].text


def test_ablation_flip_says_when_nothing_flips(one_word_model):
    result = registry.build("Ablation flip").generate(
        Example("this movie is great"), one_word_model
    )
    assert result.candidates == []
    assert result.message == (
        "No set of up to 3 of the 4 most salient words flips the prediction."
    )


@pytest.mark.parametrize("text", ["this movie is awful", "the awful plot"])
def test_hotflip_replaces_the_deciding_word(one_word_model, text):
    result = registry.build("HotFlip").generate(Example(text), one_word_model)
    assert result.original_pred == "negative" and result.candidates
    for candidate in result.candidates:
        assert candidate.flipped and candidate.pred == "positive"
        assert candidate.description.startswith(f"{DECIDING_WORD} -> ")
        assert DECIDING_WORD not in candidate.text
        assert "##" not in candidate.text


def test_hotflip_inserts_the_deciding_word(one_word_model):
    result = registry.build("HotFlip", {"max_flips": 1}).generate(
        Example("This movie is great"), one_word_model
    )
    assert result.original_pred == "positive" and result.candidates
    # Attention is uniform, so every word is an equally good place for "awful":
    # which one wins the tie is up to rounding (it differs between CPUs).
    original = "This movie is great".split()
    for candidate in result.candidates:
        words = candidate.text.split()
        swapped = [i for i, (a, b) in enumerate(zip(original, words)) if a != b]
        assert len(words) == len(original) and len(swapped) == 1
        assert words[swapped[0]].lower() == DECIDING_WORD and candidate.flipped


def test_hotflip_leaves_the_model_untouched(one_word_model):
    before = {k: v.clone() for k, v in one_word_model.model.state_dict().items()}
    registry.build("HotFlip").generate(Example("the awful plot"), one_word_model)
    assert all(p.grad is None for p in one_word_model.model.parameters())
    after = one_word_model.model.state_dict()
    assert all(torch.equal(before[k], after[k]) for k in before)
    assert not one_word_model.model.training


def _analysis(model: SequenceClassifier, texts: list[str], labels: list[str]):
    frame = pd.DataFrame({"text": texts, "label": labels})
    frame.insert(0, "id", example_ids(frame))
    data = Dataset("tiny", frame, ("negative", "positive"))
    return analysis_frame(data, model.predict(texts), model.labels)


def test_batch_flip_and_invariance_rates(one_word_model):
    frame = _analysis(
        one_word_model,
        ["he said it was awful", "she liked the plot", "the awful acting"],
        ["negative", "positive", "negative"],
    )
    generators = [
        registry.build("Word replacer", {"rules": "awful -> fun"}),
        registry.build("Gender swap"),
    ]
    progress = []
    result = run_batch(
        generators, frame, one_word_model, lambda d, t: progress.append(d)
    )
    assert progress == [1, 2, 3, 4, 5, 6]
    table = result.candidates
    assert table[
        ["generator", "counterfactual", "old_pred", "new_pred"]
    ].values.tolist() == [
        ["Word replacer", "he said it was fun", "negative", "positive"],
        ["Word replacer", "the fun acting", "negative", "positive"],
        ["Gender swap", "she said it was awful", "negative", "negative"],
        ["Gender swap", "he liked the plot", "positive", "positive"],
    ]
    assert table["diff"].tolist()[0] == "he said it was [-awful-]{+fun+}"
    rates = flip_rates(result).set_index("generator")
    assert rates.loc["Word replacer"].tolist() == [3, 2, 2, 1.0]
    assert rates.loc["Gender swap"].tolist() == [3, 2, 0, 0.0]
    by_gold = flip_rates(result, by="gold").set_index(["generator", "gold"])
    assert by_gold.loc[("Word replacer", "negative"), "flip_rate"] == 1.0
    assert pd.isna(by_gold.loc[("Word replacer", "positive"), "flip_rate"])
    rates, failing = invariance_failures(result)
    assert rates[
        ["generator", "examples", "failures", "failure_rate"]
    ].values.tolist() == [["Gender swap", 3, 0, 0.0]]
    assert failing.empty


def test_invariance_failures_list_the_failing_examples(one_word_model):
    frame = _analysis(one_word_model, ["awful", "so fun"], ["negative", "positive"])
    result = run_batch([registry.build("Typos", {"seed": 0})], frame, one_word_model)
    rates, failing = invariance_failures(result)
    assert rates[
        ["generator", "examples", "failures", "failure_rate"]
    ].values.tolist() == [["Typos", 2, 1, 0.5]]
    assert set(failing["original"]) == {"awful"}
    assert failing["flipped"].all() and (failing["new_pred"] == "positive").all()


def test_score_changes_and_their_summary_per_generator():
    candidates = pd.DataFrame(
        {
            "generator": ["Typos", "Typos", "Negation"],
            "parent_id": ["a", "b", "a"],
        }
    )
    parents = pd.Series({"a": 1.0, "b": -2.0})
    changed = with_score_changes(candidates, parents, np.array([1.5, -3.0, -1.0]))
    assert changed["old_score"].tolist() == [1.0, -2.0, 1.0]
    assert changed["score_change"].tolist() == [0.5, -1.0, -2.0]
    summary = score_change_summary(changed).set_index("generator")
    assert summary.loc["Typos"].tolist() == [2, 0.75, 1.0, -0.25]
    assert summary.loc["Negation"].tolist() == [1, 2.0, 2.0, -2.0]


def test_counterfactual_examples_copy_their_parents_label_and_metadata():
    frame = pd.DataFrame(
        {"text": ["awful", "so fun"], "label": ["negative", "positive"]}
    )
    frame.insert(0, "id", example_ids(frame))
    frame["genre"] = ["drama", "comedy"]
    data = Dataset("tiny", frame, ("negative", "positive"))
    first, second = frame["id"]
    chosen = pd.DataFrame(
        {
            "generator": ["Typos", "Negation"],
            "parent_id": [second, first],
            "counterfactual": ["so fnu", "not awful"],
            "counterfactual_b": [None, None],
        }
    )
    made = counterfactual_examples(chosen, frame.set_index("id"), data)
    assert [(m.text, m.label, m.metadata, m.parent_id) for m in made] == [
        ("so fnu", "positive", {"genre": "comedy"}, second),
        ("not awful", "negative", {"genre": "drama"}, first),
    ]
    assert [m.origin for m in made] == [
        generated_origin("Typos"),
        generated_origin("Negation"),
    ]
    unlabelled = Dataset("tiny", frame.drop(columns="label"))
    made = counterfactual_examples(chosen, frame.set_index("id"), unlabelled)
    assert all(m.label is None for m in made)
