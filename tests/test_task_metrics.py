"""seqeval, BLEU and ROUGE-L on hand-made examples with known answers."""

from __future__ import annotations

import pytest

from litcore.api.errors import LumenError
from litcore.data.ner import Span
from litcore.metrics.tasks import (
    corpus_bleu,
    entity_metrics,
    entity_type_confusion,
    has_span_error,
    rouge_l,
)

# Gold: PER(0-2), LOC(3), LOC(5), ORG(7). Predicted: PER(0-2) right, LOC(3)
# right, LOC(5) predicted as ORG, ORG(7) missed, spurious PER(8).
GOLD = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-LOC", "O", "B-ORG", "O"]]
PRED = [["B-PER", "I-PER", "O", "B-LOC", "O", "B-ORG", "O", "O", "B-PER"]]


def test_entity_metrics_per_type():
    table = entity_metrics(GOLD, PRED)
    # PER: 1 right of 2 predicted, 1 gold. LOC: 1 of 1 predicted, 2 gold.
    # ORG: 0 of 1 predicted, 1 gold. Micro: 2 right, 4 predicted, 4 gold.
    assert table.loc["PER"].tolist() == pytest.approx([0.5, 1.0, 2 / 3, 1])
    assert table.loc["LOC"].tolist() == pytest.approx([1.0, 0.5, 2 / 3, 2])
    assert table.loc["ORG"].tolist() == pytest.approx([0.0, 0.0, 0.0, 1])
    assert table.loc["micro avg"].tolist() == pytest.approx([0.5, 0.5, 0.5, 4])
    assert table.loc["macro avg", "f1"] == pytest.approx(4 / 9)


def test_lengths_must_match():
    with pytest.raises(LumenError, match="same lengths"):
        entity_metrics(GOLD, [PRED[0][:-1]])


def test_entity_type_confusion_and_span_errors():
    gold = [
        [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 6, "LOC"), Span(7, 8, "ORG")]
    ]
    pred = [
        [Span(0, 2, "PER"), Span(3, 4, "LOC"), Span(5, 6, "ORG"), Span(8, 9, "PER")]
    ]
    table = entity_type_confusion(gold, pred)
    assert list(table.itertuples(index=False, name=None)) == [
        ("(none)", "PER", 1),
        ("LOC", "LOC", 1),
        ("LOC", "ORG", 1),
        ("ORG", "(missed)", 1),
        ("PER", "PER", 1),
    ]
    assert has_span_error(gold[0], pred[0])
    assert not has_span_error(gold[0], list(reversed(gold[0])))


def test_bleu_and_rouge_l():
    assert corpus_bleu(["the cat sat on the mat"], ["the cat sat on the mat"]) == (
        pytest.approx(100.0)
    )
    assert corpus_bleu(["a b c d"], ["w x y z"]) == pytest.approx(0.0)
    # LCS("the cat", "the cat sat") = 2: P = 1, R = 2/3, F = 0.8.
    assert rouge_l(["the cat", "dog"], ["the cat sat", "cat"]) == pytest.approx(
        [0.8, 0.0]
    )
    with pytest.raises(LumenError, match="one reference per output"):
        rouge_l(["a"], [])
