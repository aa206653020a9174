"""Word-level helpers shared by the text generators: lexicons, case, whole words."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
# A word: letters, digits, apostrophes inside (don't), hyphens inside (well-made).
WORD = re.compile(r"\w+(?:['’-]\w+)*")


@cache
def load_lexicon(name: str) -> dict:
    """A JSON lexicon from ``lexicons/`` (read once per process, never mutated)."""
    return json.loads((LEXICON_DIR / f"{name}.json").read_text(encoding="utf-8"))


def keep_case(source: str, replacement: str) -> str:
    """``replacement`` in the case pattern of ``source`` (UPPER, Title or as given)."""
    if len(source) > 1 and source.isupper():
        return replacement.upper()
    if source[:1].isupper():
        return replacement[:1].upper() + replacement[1:]
    return replacement


def whole_word_pattern(phrase: str) -> re.Pattern:
    """Matches ``phrase`` case-insensitively, not inside a longer or hyphenated word."""
    return re.compile(rf"(?<![\w-]){re.escape(phrase)}(?![\w-])", re.IGNORECASE)
