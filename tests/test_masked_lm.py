"""MaskedLM on a tiny random BERT, loaded through from_pretrained."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from tiny_models import build_tiny_classifier

from litcore.api.errors import LumenError, ModelError
from litcore.models.masked_lm import MaskedLM


@pytest.fixture(scope="module")
def masked_lm(tmp_path_factory) -> MaskedLM:
    folder = build_tiny_classifier(
        tmp_path_factory.mktemp("mlm"), architecture="masked"
    )
    return MaskedLM.from_pretrained(folder)


def test_typed_and_clicked_masks_are_predicted(masked_lm):
    fill = masked_lm.fill("the [MASK] was good", top_k=5, extra_masked=[4])
    assert fill.tokens == ["[CLS]", "the", "[MASK]", "was", "[MASK]", "[SEP]"]
    assert fill.masked_positions == [2, 4]
    assert fill.original == ["[MASK]", "good"]
    for predictions in fill.predictions:
        probabilities = [p for _, p in predictions]
        assert len(predictions) == 5
        assert sum(probabilities) <= 1 + 1e-6
        assert probabilities == sorted(probabilities, reverse=True)


def test_probabilities_match_a_manual_forward_pass(masked_lm):
    fill = masked_lm.fill("the movie [MASK] good", top_k=3)
    ids = masked_lm.encode("the movie [MASK] good")
    with torch.inference_mode():
        logits = masked_lm.model(input_ids=torch.tensor([ids])).logits[0, 3]
    probabilities = torch.softmax(logits, -1)
    token, probability = fill.predictions[0][0]
    best = int(probabilities.argmax())
    assert token == masked_lm.tokenizer.convert_ids_to_tokens([best])[0]
    assert probability == pytest.approx(float(probabilities[best]), abs=1e-6)


def test_nothing_masked_or_special_position_is_an_error(masked_lm):
    with pytest.raises(LumenError, match="Nothing to predict"):
        masked_lm.fill("the movie was good")
    with pytest.raises(LumenError, match="cannot be masked"):
        masked_lm.fill("the movie", extra_masked=[0])


def test_surprisal_is_minus_log2_of_the_masked_probability(masked_lm):
    table = masked_lm.surprisal(["the movie was good", "bad"], batch_size=2)
    assert table["example"].tolist() == [0, 0, 0, 0, 1]
    assert table["token"].tolist() == ["the", "movie", "was", "good", "bad"]
    row = table.iloc[1]
    fill = masked_lm.fill(
        "the movie was good", top_k=len(masked_lm.tokenizer), extra_masked=[2]
    )
    probability = dict(fill.predictions[0])["movie"]
    assert row["surprisal"] == pytest.approx(-np.log2(probability), abs=1e-4)
    assert (table["top_probability"] <= 1).all()


def test_a_classifier_is_not_a_masked_lm(tmp_path):
    with pytest.raises(ModelError, match="not a masked language model"):
        MaskedLM.from_pretrained(build_tiny_classifier(tmp_path / "classifier"))
