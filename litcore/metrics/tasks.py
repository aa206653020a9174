"""Metrics for NER (seqeval, entity level) and generation (sacrebleu, rouge-score).

The three libraries are imported when a metric is computed: rouge-score pulls in
nltk and scipy (seconds), which the pages that never score a task need not pay.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import pandas as pd

from litcore.api.errors import LumenError
from litcore.api.types import GeneratedText, SequenceTagPreds, SequenceTags, TargetText
from litcore.data.ner import Span
from litcore.metrics.base import Metric

MISSED = "(missed)"
SPURIOUS = "(none)"


def entity_metrics(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> pd.DataFrame:
    """Entity-level precision, recall, F1 and support per type (IOB2 input).

    An entity counts as found only with the exact boundaries and type
    (seqeval's default, the conlleval rule).

    Returns:
        One row per entity type, then ``micro avg`` and ``macro avg``; columns
        ``precision``, ``recall``, ``f1``, ``support``.
    """
    from seqeval.metrics import classification_report

    if len(gold_tags) != len(pred_tags) or any(
        len(g) != len(p) for g, p in zip(gold_tags, pred_tags)
    ):
        raise LumenError("Gold and predicted tags must have the same lengths.")
    report = classification_report(
        [list(t) for t in gold_tags],
        [list(t) for t in pred_tags],
        output_dict=True,
        zero_division=0,
    )
    frame = pd.DataFrame(report).T.rename(columns={"f1-score": "f1"})
    frame = frame.drop(index=["weighted avg"], errors="ignore")
    frame["support"] = frame["support"].astype(int)
    return frame[["precision", "recall", "f1", "support"]]


def entity_type_confusion(
    gold_spans: Sequence[Sequence[Span]], pred_spans: Sequence[Sequence[Span]]
) -> pd.DataFrame:
    """Counts of (gold type, predicted type) over spans matched by boundaries.

    A gold span with no predicted span of the same boundaries is ``(missed)``;
    a predicted span with no gold span of the same boundaries has gold
    ``(none)``.

    Returns:
        Columns ``gold``, ``pred``, ``count``, sorted by gold then predicted type.
    """
    counts: Counter[tuple[str, str]] = Counter()
    for gold, pred in zip(gold_spans, pred_spans):
        predicted = {(s.start, s.end): s.label for s in pred}
        gold_bounds = {(s.start, s.end) for s in gold}
        for span in gold:
            counts[(span.label, predicted.get((span.start, span.end), MISSED))] += 1
        for span in pred:
            if (span.start, span.end) not in gold_bounds:
                counts[(SPURIOUS, span.label)] += 1
    rows = [{"gold": g, "pred": p, "count": n} for (g, p), n in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["gold", "pred", "count"])


def has_span_error(gold: Sequence[Span], pred: Sequence[Span]) -> bool:
    """Whether the predicted spans differ from the gold ones in any way."""
    return set(gold) != set(pred)


def corpus_bleu(hypotheses: Sequence[str], references: Sequence[str]) -> float:
    """Corpus BLEU (sacrebleu defaults: 13a tokenisation, 0-100)."""
    import sacrebleu

    _check_pairs(hypotheses, references)
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def rouge_l(hypotheses: Sequence[str], references: Sequence[str]) -> list[float]:
    """ROUGE-L F-measure (0-1) of each hypothesis against its reference."""
    from rouge_score import rouge_scorer

    _check_pairs(hypotheses, references)
    scorer = rouge_scorer.RougeScorer(["rougeL"])
    return [
        scorer.score(reference, hypothesis)["rougeL"].fmeasure
        for hypothesis, reference in zip(hypotheses, references)
    ]


def _check_pairs(hypotheses: Sequence[str], references: Sequence[str]) -> None:
    if len(hypotheses) != len(references) or not hypotheses:
        raise LumenError(
            f"Need one reference per output: {len(hypotheses)} outputs, "
            f"{len(references)} references."
        )


@dataclass(frozen=True)
class EntityReport:
    """Entity-level scores of one set of tagged sentences.

    Attributes:
        n: sentences scored.
        headline: micro precision, recall and F1, macro F1.
        per_type: ``entity_metrics``' table (per type, micro and macro averages).
    """

    n: int
    headline: dict[str, float]
    per_type: pd.DataFrame


@dataclass(frozen=True)
class EntityMetrics(Metric):
    """Entity-level precision, recall and F1 of IOB2 tags: an entity counts only
    with its exact boundaries and type (seqeval, the CoNLL-2003 conlleval rule;
    Tjong Kim Sang and De Meulder, 2003)."""

    name: ClassVar[str] = "Entity spans"
    gold_type = SequenceTags
    pred_type = SequenceTagPreds
    titles: ClassVar[dict[str, str]] = {
        "micro_precision": "Micro precision",
        "micro_recall": "Micro recall",
        "micro_f1": "Micro F1",
        "macro_f1": "Macro F1",
    }

    def _compute(
        self,
        gold: Sequence[Sequence[str]],
        predicted: Sequence[Sequence[str]],
        labels: tuple[str, ...],
    ) -> EntityReport:
        table = entity_metrics(gold, predicted)
        micro, macro = table.loc["micro avg"], table.loc["macro avg"]
        headline = {
            "micro_precision": float(micro["precision"]),
            "micro_recall": float(micro["recall"]),
            "micro_f1": float(micro["f1"]),
            "macro_f1": float(macro["f1"]),
        }
        return EntityReport(len(gold), headline, table)


@dataclass(frozen=True)
class GenerationReport:
    """Scores of generated texts against their references.

    Attributes:
        n: texts scored.
        headline: ``bleu`` (corpus BLEU, 0-100), ``rouge_l`` (mean ROUGE-L F1).
        rouge_l: each text's ROUGE-L F1, in order.
    """

    n: int
    headline: dict[str, float]
    rouge_l: list[float]


@dataclass(frozen=True)
class GenerationMetrics(Metric):
    """Corpus BLEU (Papineni et al., 2002, by sacrebleu: Post, 2018) and ROUGE-L
    (Lin, 2004, by rouge-score) of generated texts against references."""

    name: ClassVar[str] = "Generation"
    gold_type = TargetText
    pred_type = GeneratedText
    titles: ClassVar[dict[str, str]] = {
        "bleu": "Corpus BLEU",
        "rouge_l": "Mean ROUGE-L F1",
    }

    def _compute(
        self,
        gold: Sequence[str],
        predicted: Sequence[str],
        labels: tuple[str, ...],
    ) -> GenerationReport:
        per_text = rouge_l(predicted, gold)
        headline = {
            "bleu": corpus_bleu(predicted, gold),
            "rouge_l": sum(per_text) / len(per_text),
        }
        return GenerationReport(len(gold), headline, per_text)
