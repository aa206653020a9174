"""A labelled text dataset: a frame with stable ids, a spec and a fingerprint."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from litcore.api import types
from litcore.api.errors import DataError
from litcore.session.columns import ID, LABEL, TEXT, TEXT_B

# Fixed column names inside a Dataset frame; every other column is metadata.
CORE_COLUMNS = (ID, TEXT, TEXT_B, LABEL)
# Texts longer than this many characters are cut (a model sees far less anyway).
MAX_TEXT_CHARS = 10_000
# A numeric column with more distinct values than this is continuous: it gets a
# range slider, a colour bar and quantile bins rather than categories.
MAX_NUMERIC_VALUES_AS_CATEGORIES = 6


@dataclass(frozen=True)
class ColumnMapping:
    """Which source columns are the text, the second text, the label and metadata."""

    text: str
    label: str | None = None
    text_b: str | None = None
    metadata: tuple[str, ...] = ()

    def used_columns(self) -> list[str]:
        """Every source column this mapping reads, in order."""
        named = [self.text, self.text_b, self.label, *self.metadata]
        return [column for column in named if column]


@dataclass
class Dataset:
    """Examples as a frame: ``id``, ``text`` [, ``text_b``, ``label``, metadata].

    Attributes:
        name: display name.
        frame: one row per example, ``id`` unique.
        labels: the label vocabulary in a fixed order (empty when unlabelled).
        report: what validation found while building it.
    """

    name: str
    frame: pd.DataFrame
    labels: tuple[str, ...] = ()
    report: types.LoadReport = field(default_factory=types.LoadReport)

    def __len__(self) -> int:
        return len(self.frame)

    @property
    def has_text_b(self) -> bool:
        return TEXT_B in self.frame.columns

    @property
    def has_labels(self) -> bool:
        return LABEL in self.frame.columns

    @property
    def metadata_columns(self) -> list[str]:
        return [c for c in self.frame.columns if c not in CORE_COLUMNS]

    def spec(self) -> types.Spec:
        """The field types of this dataset's columns."""
        spec: types.Spec = {TEXT: types.TextSegment()}
        if self.has_text_b:
            spec[TEXT_B] = types.TextSegment()
        if self.has_labels:
            spec[LABEL] = types.CategoryLabel(vocab=self.labels)
        for column in self.metadata_columns:
            if pd.api.types.is_numeric_dtype(self.frame[column]):
                spec[column] = types.Scalar(required=False)
            else:
                spec[column] = types.CategoryLabel(required=False)
        return spec

    @functools.cached_property
    def fingerprint(self) -> str:
        """A hash of the ids and gold labels in order: equal data, equal hash.

        Computed once per dataset (the sidebar, links and pages ask on every
        run): a dataset's ids and labels never change after it is built.
        """
        # tolist, not list: 0.1 s against 0.7 s for a million Arrow strings.
        labels = self.frame[LABEL].tolist() if LABEL in self.frame else []
        parts = self.frame[ID].tolist() + labels
        digest = hashlib.sha1("\n".join(parts).encode("utf-8"))
        return digest.hexdigest()[:16]

    def texts(self) -> list[str]:
        return self.frame[TEXT].tolist()

    def texts_b(self) -> list[str] | None:
        return self.frame[TEXT_B].tolist() if self.has_text_b else None

    def subset(self, ids: list[str]) -> pd.DataFrame:
        """The rows with these ids, in the order given (unknown ids dropped)."""
        indexed = self.frame.set_index(ID, drop=False)
        return indexed.loc[[i for i in ids if i in indexed.index]].reset_index(
            drop=True
        )


def is_continuous(values: pd.Series) -> bool:
    """Whether a column is numeric (not boolean) with many distinct values."""
    numeric = pd.api.types.is_numeric_dtype(values)
    if not numeric or pd.api.types.is_bool_dtype(values):
        return False
    return values.nunique() > MAX_NUMERIC_VALUES_AS_CATEGORIES


def example_ids(frame: pd.DataFrame) -> list[str]:
    """Content hashes of (text, text_b, label); repeats get ``-2``, ``-3``..."""
    columns = [c for c in (TEXT, TEXT_B, LABEL) if c in frame.columns]
    joined = frame[columns].astype(str).agg("\x1f".join, axis=1)
    seen: dict[str, int] = {}
    ids = []
    for content in joined:
        base = hashlib.sha1(content.encode("utf-8")).hexdigest()[:12]
        seen[base] = seen.get(base, 0) + 1
        ids.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return ids


def _clean_text(series: pd.Series) -> pd.Series:
    return series.map(lambda v: "" if pd.isna(v) else str(v).strip())


def from_frame(
    raw: pd.DataFrame,
    mapping: ColumnMapping,
    name: str = "data",
    labels: tuple[str, ...] | None = None,
) -> Dataset:
    """Builds a Dataset from any frame, validating as it goes.

    Empty or NaN texts are skipped and counted, over-long texts are cut at
    ``MAX_TEXT_CHARS`` and counted. Missing columns raise ``DataError``.

    Args:
        raw: the source table.
        mapping: which columns to use.
        name: display name.
        labels: the label vocabulary; inferred (sorted) from the data if None.
    """
    missing = [c for c in mapping.used_columns() if c not in raw.columns]
    if missing:
        available = ", ".join(map(str, raw.columns[:20]))
        raise DataError(
            f"Column(s) {', '.join(missing)} not found. Available columns: {available}."
            " Check the column mapping (or the file's delimiter)."
        )
    report = types.LoadReport(n_rows=len(raw))
    frame = pd.DataFrame({TEXT: _clean_text(raw[mapping.text])})
    if mapping.text_b:
        frame[TEXT_B] = _clean_text(raw[mapping.text_b])
    if mapping.label:
        frame[LABEL] = raw[mapping.label].map(lambda v: "" if pd.isna(v) else str(v))
    for column in mapping.metadata:
        if column not in frame.columns:
            frame[column] = raw[column].values
    keep = frame[TEXT] != ""
    if mapping.label:
        keep &= frame[LABEL] != ""
    report.n_empty_skipped = int((~keep).sum())
    frame = frame[keep].reset_index(drop=True)
    too_long = frame[TEXT].str.len() > MAX_TEXT_CHARS
    report.n_truncated = int(too_long.sum())
    frame.loc[too_long, TEXT] = frame.loc[too_long, TEXT].str.slice(0, MAX_TEXT_CHARS)
    if frame.empty:
        raise DataError(
            "No usable rows: every text (or label) is empty. Check the column mapping."
        )
    frame.insert(0, ID, example_ids(frame))
    report.n_duplicates = int(frame[ID].str.contains("-").sum())
    report.n_kept = len(frame)
    if report.n_empty_skipped:
        report.messages.append(f"{report.n_empty_skipped} empty rows skipped.")
    if report.n_truncated:
        report.messages.append(
            f"{report.n_truncated} texts over {MAX_TEXT_CHARS:,} characters cut."
        )
    if mapping.label and labels is None:
        labels = tuple(sorted(frame[LABEL].unique()))
    return Dataset(name=name, frame=frame, labels=tuple(labels or ()), report=report)


def text_length_words(frame: pd.DataFrame) -> np.ndarray:
    """Words per text: the derived ``length`` field every dataset gets for facets."""
    return frame[TEXT].str.split().str.len().to_numpy()


def relabel(data: Dataset, label_map: dict[str, str]) -> Dataset:
    """Renames gold labels (data -> model label); the old one stays as metadata."""
    if not label_map or not data.has_labels:
        return data
    frame = data.frame.copy()
    frame["original_label"] = frame[LABEL]
    frame[LABEL] = frame[LABEL].map(lambda v: label_map.get(v, v))
    labels = tuple(sorted(set(frame[LABEL])))
    return Dataset(data.name, frame, labels, data.report)


def held_out_split(
    data: Dataset, eval_fraction: float = 0.2, seed: int = 13
) -> tuple[Dataset, Dataset]:
    """(held-out, train) parts of labelled data, for a model trained on the rest.

    At least one example goes to each part; the split is seeded and stable.

    Raises:
        DataError: fewer than two examples.
    """
    if len(data) < 2:
        raise DataError("Training needs at least two labelled examples.")
    order = np.random.default_rng(seed).permutation(len(data))
    n_eval = min(max(1, round(eval_fraction * len(data))), len(data) - 1)
    held, rest = np.sort(order[:n_eval]), np.sort(order[n_eval:])

    def part(rows: np.ndarray, suffix: str) -> Dataset:
        frame = data.frame.iloc[rows].reset_index(drop=True)
        return Dataset(f"{data.name}{suffix}", frame, data.labels, data.report)

    return part(held, ""), part(rest, " (train)")
