"""Token-level diff of two texts: which words were kept, removed, added or replaced."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from difflib import SequenceMatcher

# Words (with inner apostrophes and hyphens) and single other characters (emoji,
# punctuation); whitespace separates tokens and is kept from the texts.
TOKEN = re.compile(r"\w+(?:['’-]\w+)*|[^\w\s]")


@dataclass(frozen=True)
class DiffSpan:
    """One run of the diff.

    Attributes:
        tag: ``equal``, ``replace``, ``delete`` or ``insert``.
        before: the run in the first text ("" for an insert).
        after: the run in the second text ("" for a delete).
        gap: the whitespace before the run (from the second text when it has the run).
    """

    tag: str
    before: str
    after: str
    gap: str = ""


def _spans(text: str) -> list[tuple[int, int]]:
    return [match.span() for match in TOKEN.finditer(text)]


def token_diff(before: str, after: str) -> list[DiffSpan]:
    """The runs of equal and changed tokens that turn ``before`` into ``after``."""
    old, new = _spans(before), _spans(after)
    matcher = SequenceMatcher(
        a=[before[s:e] for s, e in old], b=[after[s:e] for s, e in new], autojunk=False
    )
    runs = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        old_text = before[old[i1][0] : old[i2 - 1][1]] if i2 > i1 else ""
        new_text = after[new[j1][0] : new[j2 - 1][1]] if j2 > j1 else ""
        if j2 > j1:
            gap = after[new[j1 - 1][1] if j1 else 0 : new[j1][0]]
        else:
            gap = before[old[i1 - 1][1] if i1 else 0 : old[i1][0]]
        runs.append(DiffSpan(tag, old_text, new_text, gap))
    return runs


def changed_tokens(runs: list[DiffSpan]) -> int:
    """How many tokens of either text are not in an equal run."""
    return sum(
        len(TOKEN.findall(run.before)) + len(TOKEN.findall(run.after))
        for run in runs
        if run.tag != "equal"
    )


def diff_markup(before: str, after: str) -> str:
    """Plain-text diff for tables: ``[-removed-]{+added+}``, equal runs as they are."""
    parts = []
    for run in token_diff(before, after):
        marks = "" if run.tag in ("equal", "insert") else f"[-{run.before}-]"
        marks += run.after if run.tag == "equal" else ""
        marks += f"{{+{run.after}+}}" if run.tag in ("insert", "replace") else ""
        parts.append(run.gap + marks)
    return "".join(parts).strip()


def diff_html(before: str, after: str) -> str:
    """HTML diff (escaped): removed runs struck through in red, added ones in green."""
    parts = []
    for run in token_diff(before, after):
        piece = html.escape(run.after if run.tag == "equal" else "")
        if run.tag in ("delete", "replace"):
            piece += (
                '<del style="background:#fdd;color:#900">'
                f"{html.escape(run.before)}</del>"
            )
        if run.tag in ("insert", "replace"):
            piece += (
                '<ins style="background:#dfd;color:#060;text-decoration:none">'
                f"{html.escape(run.after)}</ins>"
            )
        parts.append(html.escape(run.gap) + piece)
    return "".join(parts).strip()
