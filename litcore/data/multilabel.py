"""Multi-label data: a text column and a column of label lists.

The labels column holds, per row, either a list (a JSON array in JSONL, a list
in Parquet, or a JSON array written into a CSV cell) or a string of labels
joined by a delimiter such as ``|`` or ``,``. An empty cell means "no label",
which is a valid answer in multi-label data.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from litcore.api.errors import DataError
from litcore.data.dataset import example_ids
from litcore.session.columns import ID, LABEL, TEXT

LABELS = "labels"
# Delimiters offered in the UI, in the order they are guessed.
DELIMITERS = ("|", ";", ",", " ")


@dataclass(frozen=True)
class MultiLabelMapping:
    """Which columns hold the text and the labels, and how labels are joined.

    Attributes:
        text: the text column.
        labels: the labels column.
        delimiter: the string between labels in a cell; None when the cells are
            lists (or JSON arrays).
    """

    text: str
    labels: str
    delimiter: str | None = None


def _cell_labels(value, row: int, mapping: MultiLabelMapping) -> tuple[str, ...]:
    """The labels of one cell, stripped, without empty names."""
    if isinstance(value, np.ndarray):  # Parquet list columns
        value = value.tolist()
    if value is None or (not isinstance(value, list | tuple) and pd.isna(value)):
        return ()
    if isinstance(value, str):
        stripped = value.strip()
        if stripped.startswith("["):
            try:
                value = json.loads(stripped)
            except json.JSONDecodeError as error:
                raise DataError(
                    f"Row {row + 1} of '{mapping.labels}' starts like a JSON list "
                    f"but is not one ({error.msg}): {stripped[:60]!r}."
                ) from error
        elif mapping.delimiter is not None:
            value = stripped.split(mapping.delimiter)
        else:
            raise DataError(
                f"Row {row + 1} of '{mapping.labels}' is the text {stripped[:60]!r}, "
                "not a list of labels. Pick the delimiter that separates its labels "
                "(for example '|' or ',')."
            )
    if not isinstance(value, list | tuple):
        raise DataError(
            f"Row {row + 1} of '{mapping.labels}' is {value!r} (a "
            f"{type(value).__name__}), not a list of labels or a delimited string. "
            "Is this the labels column?"
        )
    labels = []
    for item in value:
        if isinstance(item, list | tuple | dict):
            raise DataError(
                f"Row {row + 1} of '{mapping.labels}' holds a nested value "
                f"{item!r}; each label must be a plain string."
            )
        name = str(item).strip()
        if name and name not in labels:
            labels.append(name)
    return tuple(labels)


def parse_label_lists(
    values: Sequence, mapping: MultiLabelMapping
) -> list[tuple[str, ...]]:
    """The labels of every row of the labels column.

    Raises:
        DataError: a cell that is neither a list nor a delimited string, or a
            column with no label in any row.
    """
    label_lists = [_cell_labels(v, row, mapping) for row, v in enumerate(values)]
    if not any(label_lists):
        raise DataError(
            f"Column '{mapping.labels}' has no label in any row. Pick the column "
            "that lists each example's labels."
        )
    return label_lists


def guess_delimiter(values: Sequence) -> str | None:
    """None when the cells are lists or JSON arrays; else the first of
    ``DELIMITERS`` found in the cells (``|`` when none is, one label per cell)."""
    present = [v for v in values[:200] if isinstance(v, str) and v.strip()]
    if not present or all(v.strip().startswith("[") for v in present):
        return None
    return next((d for d in DELIMITERS if any(d in v for v in present)), "|")


def label_vocabulary(label_lists: Sequence[Sequence[str]]) -> tuple[str, ...]:
    """Every label that occurs, sorted."""
    return tuple(sorted({label for labels in label_lists for label in labels}))


def multilabel_frame(raw: pd.DataFrame, mapping: MultiLabelMapping) -> pd.DataFrame:
    """The examples of a raw table: ``id``, ``text`` and ``labels`` (tuples).

    Rows with an empty text are dropped.

    Raises:
        DataError: a missing column, no text, or a labels column that is not one.
    """
    missing = [c for c in (mapping.text, mapping.labels) if c not in raw.columns]
    if missing:
        raise DataError(
            f"The file has no column {', '.join(repr(c) for c in missing)}; its "
            f"columns are {', '.join(map(str, raw.columns))}."
        )
    if mapping.text == mapping.labels:
        raise DataError("The text and labels columns must be two different columns.")
    texts = raw[mapping.text].map(lambda v: "" if pd.isna(v) else str(v).strip())
    kept = raw[texts != ""]
    if kept.empty:
        raise DataError(f"Column '{mapping.text}' has no text in any row.")
    frame = pd.DataFrame(
        {
            TEXT: texts[texts != ""].tolist(),
            LABELS: parse_label_lists(list(kept[mapping.labels]), mapping),
        }
    )
    joined = frame.assign(**{LABEL: frame[LABELS].map("|".join)})
    frame.insert(0, ID, example_ids(joined[[TEXT, LABEL]]))
    return frame


def indicator_matrix(
    label_lists: Sequence[Sequence[str]], vocabulary: Sequence[str]
) -> tuple[np.ndarray, tuple[str, ...]]:
    """Gold labels as ``<bool>[num_examples, num_labels]`` over ``vocabulary``.

    Returns:
        (the matrix, the data's labels that are not in ``vocabulary``, sorted).

    Raises:
        DataError: none of the data's labels is in ``vocabulary``.
    """
    position = {label: i for i, label in enumerate(vocabulary)}
    gold = np.zeros((len(label_lists), len(vocabulary)), dtype=bool)
    unknown: set[str] = set()
    for row, labels in enumerate(label_lists):
        for label in labels:
            if label in position:
                gold[row, position[label]] = True
            else:
                unknown.add(label)
    if not gold.any():
        raise DataError(
            f"None of the data's labels ({', '.join(sorted(unknown)[:8])}) is a "
            f"label of the model ({', '.join(vocabulary[:8])}). Check the labels "
            "column and its delimiter."
        )
    return gold, tuple(sorted(unknown))
