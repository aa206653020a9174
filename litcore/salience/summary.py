"""Tables that sum up explanations of one example, for display and download."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from litcore.salience.base import TokenSalience
from litcore.salience.faithfulness import Faithfulness

# Model tokens per word, roughly (WordPiece on English), for time estimates.
TOKENS_PER_WORD = 1.3


def estimated_tokens(num_words: int) -> int:
    """Rough model token count of a text of ``num_words`` words, [CLS] and [SEP]
    included (for time estimates only)."""
    return int(TOKENS_PER_WORD * num_words) + 2


def top_tokens_table(
    saliences: Mapping[str, TokenSalience], k: int, subwords: bool = False
) -> pd.DataFrame:
    """A column per method: its ``k`` top tokens as ``token (+score)``, rank 1 first.

    Methods with fewer tokens are padded with empty strings.
    """
    top = {
        name: [
            f"{row.token} ({row.score:+.3g})"
            for row in salience.top_tokens(k, subwords=subwords).itertuples()
        ]
        for name, salience in saliences.items()
    }
    width = max((len(tokens) for tokens in top.values()), default=0)
    table = pd.DataFrame({n: t + [""] * (width - len(t)) for n, t in top.items()})
    table.index = range(1, width + 1)
    return table


def all_scores(saliences: Mapping[str, TokenSalience], example_id: str) -> pd.DataFrame:
    """Every method's score per sub-word token (special tokens included), long
    form: the token table plus ``method``, ``signed``, ``target``, ``example_id``."""
    return pd.concat(
        [
            salience.table(subwords=True, show_special=True).assign(
                method=name,
                signed=salience.signed,
                target=salience.target_label,
                example_id=example_id,
            )
            for name, salience in saliences.items()
        ]
    )


def faithfulness_frame(rows: Sequence[Faithfulness]) -> pd.DataFrame:
    """One row per method: ``method``, ``comprehensiveness``, ``sufficiency``,
    ``deletion_area``."""
    return pd.DataFrame(
        {
            "method": [row.method for row in rows],
            "comprehensiveness": [row.comprehensiveness for row in rows],
            "sufficiency": [row.sufficiency for row in rows],
            "deletion_area": [row.deletion_area for row in rows],
        }
    )
