"""A per-session overlay of edited and generated datapoints on top of a dataset.

Plain data (no Streamlit): ``litcore/ui/state.py`` keeps one per session, so a
session never sees another's edits. Every row has a content-hash id (as
``litcore.data.dataset.example_ids`` gives the dataset's rows), its parent's id
and an origin: ``edited`` or ``generated:<generator name>``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any

import pandas as pd

from litcore.api.errors import LumenError
from litcore.data.dataset import MAX_TEXT_CHARS, Dataset, example_ids
from litcore.session.columns import ID, LABEL, ORIGIN, PARENT_ID, TEXT, TEXT_B

ORIGINAL, EDITED = "original", "edited"
GENERATED_PREFIX = "generated:"


def generated_origin(generator_name: str) -> str:
    return f"{GENERATED_PREFIX}{generator_name}"


@dataclass(frozen=True)
class OverlayRow:
    """One new datapoint: its fields, where it came from and its parent."""

    id: str
    text: str
    text_b: str | None
    label: str | None
    metadata: tuple[tuple[str, Any], ...]
    parent_id: str | None
    origin: str

    def record(self) -> dict[str, Any]:
        return {
            ID: self.id,
            TEXT: self.text,
            TEXT_B: self.text_b,
            LABEL: self.label,
            **dict(self.metadata),
            PARENT_ID: self.parent_id,
            ORIGIN: self.origin,
        }


@dataclass(frozen=True)
class NewExample:
    """What a user typed (or a generator made) before it gets an id."""

    text: str
    text_b: str | None = None
    label: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    parent_id: str | None = None
    origin: str = EDITED


@dataclass(frozen=True)
class Added:
    """The outcome of adding one example.

    Attributes:
        id: the new row's id, or the id of the identical row already there.
        is_new: False when an identical row (dataset or overlay) already existed.
        notes: what was done to the input (for example, a cut text).
    """

    id: str
    is_new: bool
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Overlay:
    """New datapoints, in the order added, for the dataset with this fingerprint."""

    dataset_fingerprint: str
    rows: tuple[OverlayRow, ...] = ()

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def ids(self) -> list[str]:
        return [row.id for row in self.rows]

    @property
    def fingerprint(self) -> str:
        """A hash of every row's fields: equal overlays, equal fingerprint."""
        content = "\n".join(repr(row) for row in self.rows)
        return hashlib.sha1(content.encode("utf-8")).hexdigest()[:16]

    def add(
        self, data: Dataset, examples: list[NewExample]
    ) -> tuple[Overlay, list[Added]]:
        """Adds examples (validated); identical ones are not added twice.

        Raises:
            LumenError: an empty text, a missing or unknown gold label.
        """
        overlay, outcomes = self, []
        for example in examples:
            overlay, outcome = overlay._add_one(data, example)
            outcomes.append(outcome)
        return overlay, outcomes

    def remove(self, ids: set[str]) -> Overlay:
        return replace(self, rows=tuple(r for r in self.rows if r.id not in ids))

    def frame(self, data: Dataset) -> pd.DataFrame:
        """The rows with ``data``'s columns plus ``parent_id`` and ``origin``."""
        columns = [*data.frame.columns, PARENT_ID, ORIGIN]
        frame = pd.DataFrame([row.record() for row in self.rows], columns=columns)
        for column in data.metadata_columns:
            if pd.api.types.is_numeric_dtype(data.frame[column]):
                frame[column] = pd.to_numeric(frame[column], errors="coerce")
        return frame[columns]

    def dataset(self, data: Dataset) -> Dataset:
        """The overlay as a Dataset with ``data``'s labels (for predictions)."""
        return Dataset(f"{data.name} (overlay)", self.frame(data), data.labels)

    def _add_one(self, data: Dataset, example: NewExample) -> tuple[Overlay, Added]:
        row, notes = _validated_row(data, example)
        existing = {r.id: r for r in self.rows}
        known_ids = set(data.frame[ID]) | set(existing)
        base_id, suffix = row.id, 1
        while row.id in known_ids:
            if _same_fields(row, existing.get(row.id), data):
                return self, Added(row.id, False, notes)
            suffix += 1
            row = replace(row, id=f"{base_id}-e{suffix}")
        return replace(self, rows=(*self.rows, row)), Added(row.id, True, notes)


def _validated_row(data: Dataset, example: NewExample) -> tuple[OverlayRow, tuple]:
    text = (example.text or "").strip()
    if not text:
        raise LumenError("The text is empty: type something to analyse.")
    notes = []
    if len(text) > MAX_TEXT_CHARS:
        text = text[:MAX_TEXT_CHARS]
        notes.append(f"Text cut to {MAX_TEXT_CHARS:,} characters.")
    text_b = None
    if data.has_text_b:
        text_b = (example.text_b or "").strip()
        if not text_b:
            raise LumenError("The second text is empty: this dataset has text pairs.")
        text_b = text_b[:MAX_TEXT_CHARS]
    label = None
    if data.has_labels:
        label = example.label
        if label not in data.labels:
            raise LumenError(
                f"Gold label '{label}' is not one of {', '.join(data.labels)}."
            )
    fields = {TEXT: [text]}
    if text_b is not None:
        fields[TEXT_B] = [text_b]
    if label is not None:
        fields[LABEL] = [label]
    row_id = example_ids(pd.DataFrame(fields))[0]
    metadata = tuple((c, example.metadata.get(c)) for c in data.metadata_columns)
    row = OverlayRow(
        row_id, text, text_b, label, metadata, example.parent_id, example.origin
    )
    return row, tuple(notes)


def _same_fields(row: OverlayRow, existing: OverlayRow | None, data: Dataset) -> bool:
    """Whether ``row`` repeats an overlay row, or a dataset row (same metadata)."""
    if existing is not None:
        return (row.text, row.text_b, row.label, row.metadata) == (
            existing.text,
            existing.text_b,
            existing.label,
            existing.metadata,
        )
    original = data.frame.loc[data.frame[ID] == row.id].iloc[0]
    return all(_equal(original[c], v) for c, v in row.metadata)


def _equal(left: Any, right: Any) -> bool:
    if pd.isna(left) and pd.isna(right):
        return True
    return str(left) == str(right)
