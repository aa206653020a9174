"""Comprehensiveness, sufficiency and the deletion curve: exact values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from litcore.api.errors import LumenError
from litcore.salience import build
from litcore.salience.faithfulness import (
    CURVE_FRACTIONS,
    RANDOM_REFERENCE,
    faithfulness,
    faithfulness_batch,
    random_reference,
    rank_methods,
    score_selection,
)
from tests.test_salience import one_word_detector

TEXT = "the movie was good"  # [CLS] the movie was good [SEP]


def probability(model, ids: list[int], target: int) -> float:
    with torch.no_grad():
        logits = model.model(input_ids=torch.tensor([ids])).logits
    return torch.softmax(logits, -1)[0, target].item()


@pytest.fixture(scope="module")
def hand_salience(tiny_model):
    """Gradient × input with scores replaced by hand: order movie, good, the, was."""
    salience = build("Gradient × input").explain(tiny_model, TEXT, target=1)
    salience.scores = np.array([9, 1, 4, 0, 3, 9], dtype=np.float32)
    return salience


def test_deletion_values_by_hand(tiny_model, hand_salience):
    ids = hand_salience.token_ids
    cls, the, movie, was, good, sep = ids
    full = probability(tiny_model, ids, 1)  # fp32, whatever the method's precision
    # k = 1, 5, 10, 20% of 4 tokens -> 1 token (movie); 50% -> 2 (movie, good).
    without = [[cls, the, was, good, sep]] * 4 + [[cls, the, was, sep]]
    only = [[cls, movie, sep]] * 4 + [[cls, movie, good, sep]]
    comprehensiveness = np.mean([full - probability(tiny_model, r, 1) for r in without])
    sufficiency = np.mean([full - probability(tiny_model, r, 1) for r in only])
    curve_rows = [  # 0%, 10%..100% of 4 tokens, rounded up
        ids,
        *[[cls, the, was, good, sep]] * 2,
        *[[cls, the, was, sep]] * 3,
        *[[cls, was, sep]] * 2,
        *[[cls, sep]] * 3,
    ]
    curve = [probability(tiny_model, r, 1) for r in curve_rows]
    result = faithfulness(tiny_model, hand_salience)
    assert result.comprehensiveness == pytest.approx(comprehensiveness, abs=1e-5)
    assert result.sufficiency == pytest.approx(sufficiency, abs=1e-5)
    np.testing.assert_allclose(result.deletion_curve, curve, atol=1e-5)
    assert result.deletion_area == pytest.approx(np.mean(curve), abs=1e-5)
    assert len(result.curve_frame()) == len(CURVE_FRACTIONS)


def test_mask_replacement_values_by_hand(tiny_model, hand_salience):
    cls, the, movie, was, good, sep = hand_salience.token_ids
    mask = tiny_model.tokenizer.mask_token_id
    full = probability(tiny_model, hand_salience.token_ids, 1)
    without = [[cls, the, mask, was, good, sep]] * 4 + [
        [cls, the, mask, was, mask, sep]
    ]
    only = [[cls, mask, movie, mask, mask, sep]] * 4 + [
        [cls, mask, movie, mask, good, sep]
    ]
    result = faithfulness(tiny_model, hand_salience, removal="mask")
    expected_comp = np.mean([full - probability(tiny_model, r, 1) for r in without])
    expected_suff = np.mean([full - probability(tiny_model, r, 1) for r in only])
    assert result.comprehensiveness == pytest.approx(expected_comp, abs=1e-5)
    assert result.sufficiency == pytest.approx(expected_suff, abs=1e-5)


def test_batch_equals_one_at_a_time(tiny_model):
    texts = ["the movie was good", "i hate this boring film", "awful"]
    saliences = build("Gradient × input").explain_batch(tiny_model, texts)
    batched = faithfulness_batch(tiny_model, saliences)
    for salience, result in zip(saliences, batched):
        alone = faithfulness(tiny_model, salience)
        assert result.comprehensiveness == pytest.approx(
            alone.comprehensiveness, abs=1e-6
        )
        assert result.sufficiency == pytest.approx(alone.sufficiency, abs=1e-6)


def test_unknown_removal_is_a_clear_error(tiny_model, hand_salience):
    with pytest.raises(LumenError, match="Unknown removal"):
        faithfulness(tiny_model, hand_salience, removal="blur")


@pytest.fixture(scope="module")
def detector(tmp_path_factory):
    return one_word_detector(tmp_path_factory.mktemp("detector-f") / "model")


def test_the_decisive_token_is_comprehensive_and_sufficient(detector):
    text = "the plot was boring but the acting was good and fun"
    salience = build("Occlusion (leave one out)").explain(detector, text, target=1)
    with_word = salience.target_output
    without_word = detector.predict(["the plot was boring"], bf16=False).probas[0, 1]
    result = faithfulness(detector, salience)
    # "good" is first at every k: removing it always drops p to the no-word value.
    assert result.comprehensiveness == pytest.approx(with_word - without_word, abs=1e-5)
    assert result.sufficiency == pytest.approx(0.0, abs=1e-5)
    assert result.deletion_curve[0] == pytest.approx(with_word, abs=1e-5)
    np.testing.assert_allclose(result.deletion_curve[1:], without_word, atol=1e-5)
    reference = faithfulness(detector, random_reference(salience, seed=1))
    assert reference.comprehensiveness < result.comprehensiveness


def test_score_selection_and_ranking(detector):
    texts = ["the movie was good", "good fun", "bad plot but good acting", "boring"]
    methods = [build("Occlusion (leave one out)"), build("Attention rollout")]
    calls = []
    scores = score_selection(
        detector,
        texts,
        None,
        methods,
        batch_size=3,
        progress=lambda *a: calls.append(a),
    )
    assert calls == [(3, 4), (4, 4)]
    assert len(scores) == len(texts) * 3
    assert set(scores["method"]) == {m.name for m in methods} | {RANDOM_REFERENCE}
    assert sorted(scores["example"].unique()) == [0, 1, 2, 3]
    ranking = rank_methods(scores)
    assert ranking["rank"].tolist() == [1, 2, 3]
    assert ranking["examples"].tolist() == [4, 4, 4]
    assert ranking["net"].is_monotonic_decreasing
    assert ranking["method"].iloc[-1] == RANDOM_REFERENCE


def test_rank_methods_by_hand():
    scores = pd.DataFrame(
        {
            "example": [0, 1, 0, 1],
            "method": ["a", "a", "b", "b"],
            "comprehensiveness": [0.1, 0.3, 0.5, 0.5],
            "sufficiency": [0.0, 0.2, 0.1, 0.3],
            "deletion_area": [0.5, 0.5, 0.2, 0.4],
        }
    )
    ranking = rank_methods(scores)
    assert ranking["method"].tolist() == ["b", "a"]
    np.testing.assert_allclose(ranking["net"], [0.3, 0.1])
    np.testing.assert_allclose(ranking["deletion_area"], [0.3, 0.5])
