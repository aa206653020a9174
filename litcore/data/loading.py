"""Reading CSV, TSV, JSONL and Parquet files (and Hugging Face datasets) into
frames, with clear errors."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd

from litcore.api.errors import DataError
from litcore.data.hf import (
    check_saved,
    is_hf_spec,
    parse_hf_spec,
    read_hf,
    read_saved,
)

# The largest file Lumen reads, uploaded or from a path (also .streamlit/config.toml).
MAX_FILE_MB = 200
FORMATS = ("csv", "tsv", "jsonl", "parquet")
_SUFFIX_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".txt": "tsv",
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".ndjson": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def format_for(filename: str) -> str:
    """The format implied by a file name's suffix."""
    suffix = Path(filename).suffix.lower()
    if suffix not in _SUFFIX_FORMATS:
        raise DataError(
            f"Unknown file type '{suffix or filename}'. Use one of: "
            ".csv, .tsv, .jsonl, .parquet."
        )
    return _SUFFIX_FORMATS[suffix]


def read_path(path: str | Path, fmt: str | None = None, **options) -> pd.DataFrame:
    """Reads a table from a file on disk; see ``read_bytes`` for the options."""
    path = Path(path).expanduser()
    if not path.is_file():
        raise DataError(f"File not found: {path}. Check the path.")
    return read_bytes(path.read_bytes(), fmt or format_for(path.name), **options)


def check_source(source: str) -> None:
    """Checks that ``source`` names data ``read_source`` can try, without reading it.

    Raises:
        DataError: a malformed ``hf:`` spec; no such file or folder; an
            unreadable file; a file type Lumen does not read; a folder that is
            not a ``save_to_disk`` dataset.
    """
    if is_hf_spec(source):
        parse_hf_spec(source)
        return
    path = Path(source).expanduser()
    if not path.exists():
        raise DataError(f"File not found: {path}. Check the path.")
    if not os.access(path, os.R_OK):
        raise DataError(f"{path} is not readable: check its permissions.")
    if path.is_dir():
        check_saved(path)
    else:
        format_for(path.name)


def read_source(
    source: str, delimiter: str | None = None, encoding: str = "utf-8"
) -> pd.DataFrame:
    """A table from a file, a ``save_to_disk`` folder, or ``hf:NAME[:SPLIT][@REV]``.

    Args:
        source: a path, or a Hugging Face dataset spec (``litcore.data.hf``).
        delimiter: for csv/tsv files.
        encoding: for csv/tsv/jsonl files.

    Raises:
        DataError: as ``check_source``, or the data cannot be read.
    """
    check_source(source)
    if is_hf_spec(source):
        return read_hf(parse_hf_spec(source))
    if Path(source).expanduser().is_dir():
        return read_saved(source)
    return read_path(source, delimiter=delimiter, encoding=encoding)


def source_name(source: str) -> str:
    """How a data source is named in titles and links: a file's name, or the spec."""
    return source if is_hf_spec(source) else Path(source).name or source


def read_bytes(
    content: bytes,
    fmt: str,
    delimiter: str | None = None,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Parses a table.

    Args:
        content: the raw file.
        fmt: one of ``FORMATS``.
        delimiter: for csv/tsv; default ``,`` or a tab.
        encoding: text encoding for csv/tsv/jsonl.

    Raises:
        DataError: empty, too large, not decodable or not parseable.
    """
    if fmt not in FORMATS:
        raise DataError(f"Unknown format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    if not content:
        raise DataError("The file is empty.")
    if len(content) > MAX_FILE_MB * 1024 * 1024:
        raise DataError(
            f"The file is {len(content) / 2**20:.0f} MB; the limit is {MAX_FILE_MB} MB."
            " Sample it down, or pass a Parquet file."
        )
    if fmt == "parquet":
        try:
            return pd.read_parquet(io.BytesIO(content))
        except Exception as error:  # pyarrow raises several unrelated types
            raise DataError(f"Not a readable Parquet file: {error}") from error
    text = _decode(content, encoding)
    if fmt == "jsonl":
        return _read_jsonl(text)
    sep = delimiter or ("\t" if fmt == "tsv" else ",")
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, dtype_backend="numpy_nullable")
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as error:
        raise DataError(
            f"Could not parse the file as {fmt.upper()} with delimiter {sep!r}: "
            f"{error}. Check the delimiter."
        ) from error
    if frame.shape[1] == 1:
        header = str(frame.columns[0])
        hint = next(
            (d for d in ("\t", ";", ",", "|") if d in header and d != sep), None
        )
        if hint:
            raise DataError(
                f"The file has one column, and its header contains {hint!r}: "
                f"the delimiter looks like {hint!r}, not {sep!r}."
            )
    return frame


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError) as error:
        where = getattr(error, "start", "?")
        raise DataError(
            f"The file is not valid {encoding} (at byte {where}). Re-save it as "
            "UTF-8, or give its encoding (for example latin-1)."
        ) from error


def _read_jsonl(text: str) -> pd.DataFrame:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            return pd.DataFrame(json.loads(stripped))
        except (json.JSONDecodeError, ValueError) as error:
            raise DataError(f"Not a valid JSON array of records: {error}") from error
    records = []
    for number, line in enumerate(stripped.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise DataError(f"Line {number} is not valid JSON: {error.msg}.") from error
        if not isinstance(record, dict):
            raise DataError(f"Line {number} is not a JSON object.")
        records.append(record)
    return pd.DataFrame(records)
