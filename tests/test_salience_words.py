"""Sub-word pieces merged into words, special tokens hidden: exact values."""

from __future__ import annotations

import numpy as np

from litcore.salience import build
from litcore.salience.attention import rollout
from litcore.salience.words import aggregate, segment_ids, word_groups
from litcore.ui.heatmap import token_heatmap_html

SPECIAL = np.array([True, False, False, False, False, True])


def test_wordpiece_pieces_are_summed_when_signed():
    tokens = ["[CLS]", "act", "##ing", "was", "great", "[SEP]"]
    scores = np.array([0.5, 0.25, -1.0, 2.0, 0.125, 0.5], dtype=np.float32)
    words, merged, special = aggregate(tokens, scores, SPECIAL, signed=True)
    assert words == ["[CLS]", "acting", "was", "great", "[SEP]"]
    np.testing.assert_allclose(merged, [0.5, -0.75, 2.0, 0.125, 0.5])
    assert special.tolist() == [True, False, False, False, True]


def test_pieces_are_l2_merged_when_unsigned():
    tokens = ["[CLS]", "act", "##ing", "was", "great", "[SEP]"]
    scores = np.array([0.0, 3.0, 4.0, 1.0, 2.0, 0.0], dtype=np.float32)
    _, merged, _ = aggregate(tokens, scores, SPECIAL, signed=False)
    np.testing.assert_allclose(merged, [0.0, 5.0, 1.0, 2.0, 0.0])


def test_sentencepiece_marks_word_starts():
    tokens = ["<s>", "▁act", "ing", "▁was", "▁great", "</s>"]
    assert word_groups(tokens, SPECIAL) == [[0], [1, 2], [3], [4], [5]]
    words, _, _ = aggregate(tokens, np.ones(6, dtype=np.float32), SPECIAL, True)
    assert words == ["<s>", "acting", "was", "great", "</s>"]


def test_a_continuation_after_a_special_token_starts_a_word():
    tokens = ["[CLS]", "##s", "[SEP]", "##ing", "[SEP]"]
    special = np.array([True, False, True, False, True])
    assert word_groups(tokens, special) == [[0], [1], [2], [3], [4]]


def test_table_hides_special_tokens_and_merges_by_default(tiny_model):
    salience = build("Gradient × input").explain(tiny_model, "the films was boring")
    assert salience.tokens == ["[CLS]", "the", "film", "##s", "was", "boring", "[SEP]"]
    table = salience.table()
    assert table["token"].tolist() == ["the", "films", "was", "boring"]
    np.testing.assert_allclose(
        table["score"].iloc[1], salience.scores[2] + salience.scores[3], rtol=1e-6
    )
    assert len(salience.table(subwords=True)) == 5
    assert len(salience.table(subwords=True, show_special=True)) == 7


def test_rollout_of_known_maps():
    # One layer, one head, two tokens: 0.5 * A + 0.5 * I, rows normalised.
    maps = np.array([[[[0.2, 0.8], [0.6, 0.4]]]], dtype=np.float32)
    np.testing.assert_allclose(rollout(maps), [[0.6, 0.4], [0.3, 0.7]], atol=1e-6)
    # Two identical layers: the product of the two mixed matrices.
    twice = np.concatenate([maps, maps])
    mixed = np.array([[0.6, 0.4], [0.3, 0.7]])
    np.testing.assert_allclose(rollout(twice), mixed @ mixed, atol=1e-6)


def test_segments_of_bert_and_roberta_pairs():
    bert = [True, False, False, True, False, True]  # [CLS] a b [SEP] c [SEP]
    assert segment_ids(bert).tolist() == [0, 0, 0, 0, 1, 1]
    roberta = [True, False, True, True, False, True]  # <s> a </s></s> c </s>
    assert segment_ids(roberta).tolist() == [0, 0, 0, 1, 1, 1]
    assert segment_ids([True, False, False, True]).tolist() == [0, 0, 0, 0]


def test_a_pair_table_names_segments_and_the_heat_map_marks_the_boundary(
    tiny_model,
):
    salience = build("Gradient × input").explain(tiny_model, "good acting", "bad plot")
    table = salience.table()
    assert table["token"].tolist() == ["good", "acting", "bad", "plot"]
    assert table["segment"].tolist() == [0, 0, 1, 1]
    html = token_heatmap_html(table, True, "pos")
    assert html.count("lumen-segment-boundary") == 1
    assert (
        html.index("acting") < html.index("lumen-segment-boundary") < html.index("bad")
    )
    single = build("Gradient × input").explain(tiny_model, "good acting").table()
    assert "segment" not in single
