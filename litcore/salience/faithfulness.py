"""How faithful a salience map is to the model: ERASER's comprehensiveness and
sufficiency, and a deletion curve.

DeYoung et al. 2020, "ERASER: A Benchmark to Evaluate Rationalized NLP
Models" (ACL). For k in 1, 5, 10, 20 and 50% of the tokens, ranked by score:

- comprehensiveness: p(target | text) - p(target | text without the top k);
  high means the top tokens were needed;
- sufficiency: p(target | text) - p(target | only the top k); low means they
  were enough.

Each is averaged over the k values (AOPC). Removal deletes tokens, or replaces
them by [MASK]. Special tokens are never removed. All perturbed copies of a
batch of texts are scored in length-sorted batched forward passes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.salience.base import SalienceMethod, TokenSalience
from litcore.salience.inputs import (
    EncodedText,
    check_removal,
    probabilities_of_rows,
    remove,
    replacement_id,
)

K_FRACTIONS = (0.01, 0.05, 0.10, 0.20, 0.50)
CURVE_FRACTIONS = tuple(step / 10 for step in range(11))
RANDOM_REFERENCE = "Random order (reference)"
ProgressFn = Callable[[int, int], None]  # (done, total)


@dataclass
class Faithfulness:
    """Faithfulness of one salience map.

    Attributes:
        method: the salience method's display name.
        comprehensiveness: AOPC over ``K_FRACTIONS`` (higher is better).
        sufficiency: AOPC over ``K_FRACTIONS`` (lower is better).
        deletion_curve: ``<float32>[len(CURVE_FRACTIONS)]``, target probability
            after removing that fraction of the top tokens.
        deletion_area: mean of the deletion curve (lower is better).
    """

    method: str
    comprehensiveness: float
    sufficiency: float
    deletion_curve: np.ndarray
    deletion_area: float

    def curve_frame(self) -> pd.DataFrame:
        """Long form for a chart: method, fraction removed, probability."""
        return pd.DataFrame(
            {
                "method": self.method,
                "fraction": CURVE_FRACTIONS,
                "probability": self.deletion_curve.astype(float),
            }
        )


def ranked_positions(salience: TokenSalience) -> np.ndarray:
    """Content token positions, highest score first (ties: earlier first)."""
    content = np.flatnonzero(~salience.special)
    order = np.argsort(-salience.scores[content], kind="stable")
    return content[order]


def _count(fraction: float, num_tokens: int, at_least_one: bool) -> int:
    wanted = math.ceil(fraction * num_tokens - 1e-9)
    return min(num_tokens, max(1 if at_least_one else 0, wanted))


def faithfulness_batch(
    model: SequenceClassifier,
    saliences: Sequence[TokenSalience],
    removal: str = "delete",
) -> list[Faithfulness]:
    """Faithfulness of several salience maps, all removals in batched passes.

    Raises:
        LumenError: an unknown removal mode, or a map of a target function (the
            removals are scored by the target class's probability).
    """
    mask_id = replacement_id(model)
    rows, targets, spans = [], [], []
    for salience in saliences:
        if salience.target is None:
            raise LumenError(
                f"Faithfulness scores a class's probability; this map explains "
                f"the {salience.target_label}: explain a class instead."
            )
        item = EncodedText(
            salience.token_ids,
            salience.type_ids,
            salience.tokens,
            salience.special,
            salience.truncated,
        )
        ranked = ranked_positions(salience)
        content = set(ranked.tolist())
        start = len(rows)
        for fraction in K_FRACTIONS:
            top = ranked[: _count(fraction, len(ranked), at_least_one=True)]
            rows.append(remove(item, top, removal, mask_id))
            rows.append(
                remove(item, sorted(content - set(top.tolist())), removal, mask_id)
            )
        for fraction in CURVE_FRACTIONS:
            top = ranked[: _count(fraction, len(ranked), at_least_one=False)]
            rows.append(remove(item, top, removal, mask_id))
        targets.extend([salience.target] * (len(rows) - start))
        spans.append(start)
    if not rows:
        return []
    probabilities = probabilities_of_rows(model, rows, targets)
    results = []
    bins = len(K_FRACTIONS)
    for salience, start in zip(saliences, spans):
        pairs = probabilities[start : start + 2 * bins].reshape(bins, 2)
        curve = probabilities[
            start + 2 * bins : start + 2 * bins + len(CURVE_FRACTIONS)
        ]
        # The curve starts at 0% removed: the text itself, scored like the rest
        # (a bf16 method's own probability would differ in the 3rd digit).
        full = curve[0]
        results.append(
            Faithfulness(
                method=salience.method,
                comprehensiveness=float(np.mean(full - pairs[:, 0])),
                sufficiency=float(np.mean(full - pairs[:, 1])),
                deletion_curve=curve.astype(np.float32),
                deletion_area=float(curve.mean()),
            )
        )
    return results


def faithfulness(
    model: SequenceClassifier, salience: TokenSalience, removal: str = "delete"
) -> Faithfulness:
    """Faithfulness of one salience map (see ``faithfulness_batch``)."""
    return faithfulness_batch(model, [salience], removal)[0]


def random_reference(salience: TokenSalience, seed: int = 0) -> TokenSalience:
    """The same example with a random token order: what any method should beat."""
    generator = np.random.default_rng(seed)
    scores = generator.permutation(len(salience.scores)).astype(np.float32)
    return dataclasses.replace(
        salience, method=RANDOM_REFERENCE, scores=scores, signed=False, details={}
    )


def score_selection(
    model: SequenceClassifier,
    texts: Sequence[str],
    texts_b: Sequence[str] | None,
    methods: Sequence[SalienceMethod],
    removal: str = "delete",
    batch_size: int = 8,
    progress: ProgressFn | None = None,
) -> pd.DataFrame:
    """Faithfulness of each method on each text (predicted class), plus the
    random-order reference.

    Returns:
        One row per (example, method): ``example`` (index into ``texts``),
        ``method``, ``comprehensiveness``, ``sufficiency``, ``deletion_area``.

    Raises:
        LumenError: an empty text, or an unknown removal mode.
    """
    check_removal(removal)
    records = []
    for start in range(0, len(texts), batch_size):
        chunk = list(texts[start : start + batch_size])
        chunk_b = None if texts_b is None else list(texts_b[start : start + batch_size])
        saliences: list[TokenSalience] = []
        for method in methods:
            saliences.extend(method.explain_batch(model, chunk, chunk_b))
        references = [random_reference(s) for s in saliences[: len(chunk)]]
        scored = faithfulness_batch(model, saliences + references, removal)
        for index, result in enumerate(scored):
            records.append(
                {
                    "example": start + index % len(chunk),
                    "method": result.method,
                    "comprehensiveness": result.comprehensiveness,
                    "sufficiency": result.sufficiency,
                    "deletion_area": result.deletion_area,
                }
            )
        if progress:
            progress(min(start + batch_size, len(texts)), len(texts))
    return pd.DataFrame.from_records(records)


def rank_methods(scores: pd.DataFrame) -> pd.DataFrame:
    """Methods ranked by mean comprehensiveness minus mean sufficiency.

    Args:
        scores: rows as returned by ``score_selection``.

    Returns:
        One row per method: rank, method, examples, the three means, net.
    """
    table = (
        scores.groupby("method", sort=False)
        .agg(
            examples=("example", "nunique"),
            comprehensiveness=("comprehensiveness", "mean"),
            sufficiency=("sufficiency", "mean"),
            deletion_area=("deletion_area", "mean"),
        )
        .reset_index()
    )
    table["net"] = table["comprehensiveness"] - table["sufficiency"]
    table = table.sort_values("net", ascending=False, kind="stable")
    table.insert(0, "rank", np.arange(1, len(table) + 1))
    return table.reset_index(drop=True)


def beating_random(ranking: pd.DataFrame) -> list[str] | None:
    """Methods whose net score beats the random order's, best first; None when
    ``ranking`` (``rank_methods`` output) has no random reference."""
    reference = ranking.loc[ranking["method"] == RANDOM_REFERENCE, "net"]
    if reference.empty:
        return None
    return ranking.loc[ranking["net"] > reference.iloc[0], "method"].tolist()
