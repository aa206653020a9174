"""Batch mode: generators over many examples, flip rates and invariance failures."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.data.dataset import Dataset
from litcore.generators.base import Example, Generator, Perturbation, score
from litcore.models.classifier import SequenceClassifier
from litcore.models.outputs import ProgressFn
from litcore.models.regressor import Regressor
from litcore.session.columns import ID, LABEL, PRED, TEXT, TEXT_B
from litcore.session.overlay import NewExample, generated_origin
from litcore.view.textdiff import diff_markup

# Batches above this many examples need an explicit confirmation in the UI.
CONFIRM_ABOVE = 2000
RESULT_COLUMNS = [
    "generator",
    "parent_id",
    "gold",
    "original",
    "counterfactual",
    "counterfactual_b",
    "diff",
    "description",
    "old_pred",
    "new_pred",
    "new_confidence",
    "flipped",
    "label_preserving",
]


@dataclass
class BatchResult:
    """Every candidate of every generator, and per generator what it covered.

    Attributes:
        candidates: one row per counterfactual, columns ``RESULT_COLUMNS``.
        coverage: one row per (generator, example): ``generator``, ``parent_id``,
            ``gold``, ``n_candidates``, ``message``, ``label_preserving``.
    """

    candidates: pd.DataFrame
    coverage: pd.DataFrame


def run_batch(
    generators: list[Generator],
    examples: pd.DataFrame,
    model: SequenceClassifier,
    progress: ProgressFn | None = None,
) -> BatchResult:
    """Runs each generator on each row of ``examples`` (an analysis frame).

    The originals' predictions are read from the frame's ``pred`` column; each
    generator's candidates are scored with one batched model call.

    Raises:
        LumenError: no examples or no generator.
    """
    if examples.empty or not generators:
        raise LumenError("Pick at least one generator and one example.")
    has_b = TEXT_B in examples.columns
    records = examples.to_dict("records")
    total, done = len(records) * len(generators), 0
    candidate_rows, coverage_rows = [], []
    for generator in generators:
        proposals: list[tuple[dict, Perturbation]] = []
        for record in records:
            example = Example(record[TEXT], record[TEXT_B] if has_b else None)
            found, message = generator.perturb(example, model)
            proposals += [(record, p) for p in found]
            coverage_rows.append(
                {
                    "generator": generator.name,
                    "parent_id": record[ID],
                    "gold": record.get(LABEL),
                    "n_candidates": len(found),
                    "message": message,
                    "label_preserving": generator.label_preserving,
                }
            )
            done += 1
            if progress:
                progress(done, total)
        candidate_rows += _scored_rows(generator, proposals, model)
    return BatchResult(
        pd.DataFrame(candidate_rows, columns=RESULT_COLUMNS),
        pd.DataFrame(coverage_rows),
    )


def _scored_rows(
    generator: Generator,
    proposals: list[tuple[dict, Perturbation]],
    model: SequenceClassifier,
) -> list[dict]:
    rows = []
    by_pred: dict[str, list[tuple[dict, Perturbation]]] = {}
    for record, perturbation in proposals:
        by_pred.setdefault(record[PRED], []).append((record, perturbation))
    for old_pred, group in by_pred.items():
        candidates = score([p for _, p in group], old_pred, model)
        for (record, _), candidate in zip(group, candidates):
            rows.append(
                {
                    "generator": generator.name,
                    "parent_id": record[ID],
                    "gold": record.get(LABEL),
                    "original": record[TEXT],
                    "counterfactual": candidate.text,
                    "counterfactual_b": candidate.text_b,
                    "diff": diff_markup(record[TEXT], candidate.text),
                    "description": candidate.description,
                    "old_pred": old_pred,
                    "new_pred": candidate.pred,
                    "new_confidence": float(candidate.probas.max()),
                    "flipped": candidate.flipped,
                    "label_preserving": generator.label_preserving,
                }
            )
    return rows


def flip_rates(result: BatchResult, by: str = "generator") -> pd.DataFrame:
    """Per ``by`` (``generator`` or ``gold``): examples tried, examples with a
    candidate, examples with at least one flip, and the flip rate among those
    with a candidate.
    """
    keys = ["generator", "gold"] if by == "gold" else ["generator"]
    flipped = (
        result.candidates.groupby(["generator", "parent_id"])["flipped"].any()
        if not result.candidates.empty
        else pd.Series(dtype=bool)
    )
    coverage = result.coverage.copy()
    index = pd.MultiIndex.from_frame(coverage[["generator", "parent_id"]])
    coverage["any_flip"] = flipped.reindex(index, fill_value=False).to_numpy()
    coverage["has_candidate"] = coverage["n_candidates"] > 0
    table = coverage.groupby(keys, dropna=False).agg(
        examples=("parent_id", "size"),
        with_candidates=("has_candidate", "sum"),
        flipped=("any_flip", "sum"),
    )
    table["flip_rate"] = table["flipped"] / table["with_candidates"].where(
        table["with_candidates"] > 0
    )
    return table.reset_index()


def invariance_failures(result: BatchResult) -> tuple[pd.DataFrame, pd.DataFrame]:
    """CheckList INV tests: for label-preserving generators, the share of examples
    whose prediction any candidate changed; and the failing candidates.
    """
    preserving = result.candidates[result.candidates["label_preserving"]]
    rates = flip_rates(
        BatchResult(
            preserving,
            result.coverage[result.coverage["label_preserving"]],
        )
    ).rename(columns={"flipped": "failures", "flip_rate": "failure_rate"})
    return rates, preserving[preserving["flipped"]].reset_index(drop=True)


def with_score_changes(
    candidates: pd.DataFrame, parent_scores: pd.Series, new_scores: np.ndarray
) -> pd.DataFrame:
    """``candidates`` plus a regression head's ``old_score``, ``new_score`` and
    ``score_change`` (new minus old).

    Args:
        parent_scores: the head's score per example id (the originals').
        new_scores: ``<float>[len(candidates)]``, the head's score per candidate.
    """
    old = parent_scores.reindex(candidates["parent_id"]).to_numpy(dtype=float)
    new = np.asarray(new_scores, dtype=float)
    return candidates.assign(old_score=old, new_score=new, score_change=new - old)


def candidate_score_changes(
    candidates: pd.DataFrame, parent_scores: pd.Series, model: Regressor
) -> pd.DataFrame:
    """``with_score_changes`` with ``model`` scoring every candidate (one batched
    pass; pairs keep their second text)."""
    texts_b = candidates["counterfactual_b"]
    scored = model.predict(
        candidates["counterfactual"].tolist(),
        texts_b.tolist() if texts_b.notna().all() else None,
    )
    return with_score_changes(candidates, parent_scores, scored.scores)


def score_change_summary(candidates: pd.DataFrame) -> pd.DataFrame:
    """Per generator: candidates, mean and largest absolute score change, and the
    mean signed change (``with_score_changes`` output)."""
    size = candidates["score_change"].abs()
    table = (
        candidates.assign(size=size)
        .groupby("generator")
        .agg(
            candidates=("size", "size"),
            mean_abs_change=("size", "mean"),
            max_abs_change=("size", "max"),
            mean_change=("score_change", "mean"),
        )
    )
    return table.reset_index()


def counterfactual_examples(
    candidates: pd.DataFrame, parents: pd.DataFrame, data: Dataset
) -> list[NewExample]:
    """New datapoints for chosen candidates (rows of ``BatchResult.candidates``).

    Each copies its parent's gold label (when ``data`` has labels) and metadata,
    records the parent, and is marked as made by its generator.

    Args:
        parents: the analysis frame indexed by example id.
    """
    return [
        NewExample(
            text=item.counterfactual,
            text_b=item.counterfactual_b,
            label=parents.at[item.parent_id, LABEL] if data.has_labels else None,
            metadata={c: parents.at[item.parent_id, c] for c in data.metadata_columns},
            parent_id=item.parent_id,
            origin=generated_origin(item.generator),
        )
        for item in candidates.itertuples()
    ]
