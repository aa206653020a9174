"""Hugging Face ``datasets`` as tables: ``hf:NAME[:SPLIT][@REVISION]`` and
``save_to_disk`` folders, read into frames with class ids as their names.

``datasets`` is optional (``pip install 'lumen-nlp[hf]'``) and imported on
first use, so Lumen starts and reads plain files without it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from litcore.api.errors import DataError

HF_PREFIX = "hf:"
# The split a spec without one reads: the first of these the dataset has.
DEFAULT_SPLITS = ("train", "validation", "test")
# The files ``Dataset.save_to_disk`` and ``DatasetDict.save_to_disk`` write.
_SAVED_MARKERS = ("state.json", "dataset_dict.json")
_INSTALL_HINT = (
    "Reading Hugging Face datasets needs the 'datasets' package: "
    "pip install 'lumen-nlp[hf]' (or pip install datasets)."
)


@dataclass(frozen=True)
class HfSpec:
    """A dataset on the hub (or a local folder ``load_dataset`` reads).

    Attributes:
        name: hub id (``rotten_tomatoes``, ``org/name``) or a local folder.
        split: the split to read; None reads the first of ``DEFAULT_SPLITS``.
        revision: a branch, tag or commit of the dataset's repository.
    """

    name: str
    split: str | None = None
    revision: str | None = None


def is_hf_spec(source: str) -> bool:
    return source.startswith(HF_PREFIX)


def parse_hf_spec(source: str) -> HfSpec:
    """``hf:NAME[:SPLIT][@REVISION]`` as an ``HfSpec``.

    Raises:
        DataError: not an ``hf:`` spec, or an empty name, split or revision.
    """
    if not is_hf_spec(source):
        raise DataError(f"'{source}' is not a Hugging Face dataset (hf:NAME:SPLIT).")
    rest, at, revision = source[len(HF_PREFIX) :].partition("@")
    name, colon, split = rest.rpartition(":") if ":" in rest else (rest, "", "")
    if not name.strip() or (colon and not split.strip()) or (at and not revision):
        raise DataError(
            f"'{source}' is not a Hugging Face dataset spec: write "
            "hf:NAME, hf:NAME:SPLIT or hf:NAME:SPLIT@REVISION."
        )
    return HfSpec(name.strip(), split.strip() or None, revision.strip() or None)


def check_saved(folder: Path) -> None:
    """Checks that ``folder`` holds a ``save_to_disk`` dataset (or dataset dict).

    Raises:
        DataError: it does not.
    """
    if not any((folder / marker).is_file() for marker in _SAVED_MARKERS):
        raise DataError(
            f"{folder} is a folder, not a file or a dataset saved with "
            "save_to_disk. Give a CSV, TSV, JSONL or Parquet file."
        )


def _datasets():
    try:
        import datasets
    except ImportError as error:
        raise DataError(_INSTALL_HINT) from error
    return datasets


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


def _default_split(splits) -> str:
    return next((s for s in DEFAULT_SPLITS if s in splits), next(iter(splits)))


def read_hf(spec: HfSpec) -> pd.DataFrame:
    """``datasets.load_dataset(name, split=, revision=)`` as a frame.

    Raises:
        DataError: ``datasets`` is missing, or the dataset or split is not found.
    """
    datasets = _datasets()
    try:
        split = spec.split or _default_split(
            datasets.get_dataset_split_names(spec.name, revision=spec.revision)
        )
        dataset = datasets.load_dataset(spec.name, split=split, revision=spec.revision)
    except (OSError, ValueError) as error:  # not found, offline, unknown split
        raise DataError(
            f"Could not load the Hugging Face dataset '{spec.name}': "
            f"{_first_line(error)}"
        ) from error
    return as_frame(dataset)


def read_saved(folder: str | Path) -> pd.DataFrame:
    """A ``save_to_disk`` folder as a frame (a dataset dict: its first of
    ``DEFAULT_SPLITS``).

    Raises:
        DataError: ``datasets`` is missing, or the folder is not a saved dataset.
    """
    folder = Path(folder).expanduser()
    check_saved(folder)
    datasets = _datasets()
    try:
        loaded = datasets.load_from_disk(str(folder))
    except (OSError, ValueError) as error:
        raise DataError(f"Could not read {folder}: {_first_line(error)}") from error
    if isinstance(loaded, datasets.DatasetDict):
        loaded = loaded[_default_split(loaded)]
    return as_frame(loaded)


def as_frame(dataset) -> pd.DataFrame:
    """A ``datasets.Dataset`` as a frame; class-label ids become their names
    (-1, "no label", becomes missing)."""
    class_label = _datasets().ClassLabel
    frame = dataset.to_pandas()
    for column, feature in dataset.features.items():
        if isinstance(feature, class_label):
            names = feature.names
            frame[column] = frame[column].map(
                lambda i, names=names: names[i] if 0 <= i < len(names) else None
            )
    return frame
