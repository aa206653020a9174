"""Metrics for NER (seqeval, entity level) and generation (sacrebleu, rouge-score)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import pandas as pd
import sacrebleu
from rouge_score import rouge_scorer
from seqeval.metrics import classification_report

from litcore.api.errors import LumenError
from litcore.data.ner import Span

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
    _check_pairs(hypotheses, references)
    return float(sacrebleu.corpus_bleu(list(hypotheses), [list(references)]).score)


def rouge_l(hypotheses: Sequence[str], references: Sequence[str]) -> list[float]:
    """ROUGE-L F-measure (0-1) of each hypothesis against its reference."""
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
