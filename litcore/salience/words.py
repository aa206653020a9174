"""Merging sub-word pieces into words for display.

WordPiece marks continuations with a leading ``##``; SentencePiece (``▁``) and
byte-level BPE (``Ġ``) mark the start of a word instead, so in those a piece
without the marker continues the previous word. Special tokens never merge.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

CONTINUATION = "##"
WORD_STARTS = ("▁", "Ġ")


def word_groups(tokens: Sequence[str], special: Sequence[bool]) -> list[list[int]]:
    """Token positions grouped by word, in order."""
    marks_starts = any(
        token.startswith(WORD_STARTS)
        for token, is_special in zip(tokens, special)
        if not is_special
    )
    groups: list[list[int]] = []
    for position, (token, is_special) in enumerate(zip(tokens, special)):
        if marks_starts:
            continues = not token.startswith(WORD_STARTS)
        else:
            continues = token.startswith(CONTINUATION)
        previous_is_word = bool(groups) and not special[groups[-1][-1]]
        if continues and not is_special and previous_is_word:
            groups[-1].append(position)
        else:
            groups.append([position])
    return groups


def _strip(token: str) -> str:
    if token.startswith(CONTINUATION):
        return token[len(CONTINUATION) :]
    return token.lstrip("".join(WORD_STARTS))


def aggregate(
    tokens: Sequence[str],
    scores: np.ndarray,
    special: np.ndarray,
    signed: bool,
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Word strings, scores and special flags from token-level ones.

    Args:
        scores: ``<float32>[num_tokens]``.
        signed: sum the pieces' scores when True, else take their L2 norm.

    Returns:
        (words, ``<float32>[num_words]`` scores, ``<bool>[num_words]`` special).
    """
    groups = word_groups(tokens, special)
    words = [
        "".join(_strip(tokens[i]) for i in group) or tokens[group[0]]
        for group in groups
    ]
    pieces = [np.asarray(scores, dtype=np.float64)[group] for group in groups]
    if signed:
        merged = [piece.sum() for piece in pieces]
    else:
        merged = [np.sqrt((piece**2).sum()) for piece in pieces]
    word_special = np.array([bool(special[group[0]]) for group in groups], dtype=bool)
    return words, np.asarray(merged, dtype=np.float32), word_special


def segment_ids(special: Sequence[bool]) -> np.ndarray:
    """``<int64>[num_tokens]``: which segment of a pair each token belongs to.

    A special token after content closes its segment, so ``[CLS] a [SEP] b
    [SEP]`` and RoBERTa's ``<s> a </s></s> b </s>`` both give segment 1 to
    ``b``; a single text is segment 0 throughout.
    """
    ids = np.zeros(len(special), dtype=np.int64)
    segment, after_content = 0, False
    for position, is_special in enumerate(special):
        ids[position] = segment
        if is_special and after_content:
            segment += 1
        after_content = not is_special
    return ids
