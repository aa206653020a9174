"""Reading CSV, TSV, JSONL and Parquet files (and Hugging Face datasets) into
frames, with clear errors."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from litcore.api.errors import DataError
from litcore.data.hf import (
    check_saved,
    is_hf_spec,
    parse_hf_spec,
    read_hf,
    read_saved,
)
from litcore.data.limits import (
    MAX_COLUMNS,
    SERVER_LIMITS,
    UploadLimits,
    upload_limits,
)
from litcore.data.limits import MAX_FILE_MB as MAX_FILE_MB  # for the sidebar
from litcore.store.uploads import (
    UploadStore,
    is_upload_spec,
    parse_upload_spec,
)

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
    options.setdefault("limits", SERVER_LIMITS)
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
    if is_upload_spec(source):
        parse_upload_spec(source)
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
    """A table from a file, a ``save_to_disk`` folder, ``hf:NAME[:SPLIT][@REV]``,
    or a stored upload (``upload:<sha256>.<format>``, read under ``upload_limits``).

    Args:
        source: a path, a Hugging Face dataset spec (``litcore.data.hf``) or an
            upload spec (``litcore.store.uploads``).
        delimiter: for csv/tsv files.
        encoding: for csv/tsv/jsonl files.

    Raises:
        DataError: as ``check_source``, or the data cannot be read.
    """
    check_source(source)
    if is_hf_spec(source):
        return read_hf(parse_hf_spec(source))
    if is_upload_spec(source):
        return read_upload(source, delimiter, encoding)
    if Path(source).expanduser().is_dir():
        return read_saved(source)
    return read_path(source, delimiter=delimiter, encoding=encoding)


def store_upload(content: bytes, filename: str, fmt: str | None = None) -> str:
    """Stores a visitor's file by content hash; returns its upload spec.

    Args:
        content: the file.
        filename: its name; its suffix gives the format unless ``fmt`` does.
        fmt: one of ``litcore.store.uploads.UPLOAD_FORMATS``.

    Raises:
        DataError: an unknown file type, an empty file or one over the limit.
    """
    fmt = fmt or format_for(filename)
    return str(UploadStore(upload_limits()).put(content, fmt))


def source_bytes(source: str) -> bytes:
    """The raw file a picked source names, for readers of other formats than
    tables (CoNLL): a stored upload, read under ``upload_limits`` with its hash
    checked, or a file on the server, read under ``SERVER_LIMITS``.

    Raises:
        DataError: a malformed or expired upload spec; no such file; a file
            that is empty or over its limit.
    """
    if is_upload_spec(source):
        return UploadStore(upload_limits()).get(parse_upload_spec(source))
    path = Path(source).expanduser()
    if not path.is_file():
        raise DataError(f"File not found: {path}. Check the path.")
    SERVER_LIMITS.check_size(path.stat().st_size)
    return path.read_bytes()


def read_upload(
    source: str, delimiter: str | None = None, encoding: str = "utf-8"
) -> pd.DataFrame:
    """The table of a stored upload, read under ``upload_limits``.

    Raises:
        DataError: a malformed spec; an expired upload; unreadable content.
    """
    spec = parse_upload_spec(source)
    limits = upload_limits()
    content = UploadStore(limits).get(spec)
    return read_bytes(content, spec.fmt, delimiter, encoding, limits)


def source_name(source: str) -> str:
    """How a data source is named in titles and links: a file's name, or the spec."""
    return source if is_hf_spec(source) else Path(source).name or source


def read_bytes(
    content: bytes,
    fmt: str,
    delimiter: str | None = None,
    encoding: str = "utf-8",
    limits: UploadLimits | None = None,
) -> pd.DataFrame:
    """Parses a table, in memory bounded by ``limits``.

    Args:
        content: the raw file.
        fmt: one of ``FORMATS``.
        delimiter: for csv/tsv; default ``,`` or a tab.
        encoding: text encoding for csv/tsv/jsonl.
        limits: the caps; default ``upload_limits()`` (a visitor's file).

    Raises:
        DataError: empty, too large (bytes, rows, columns, a cell's text, a
            Parquet file's decompressed size), binary, not decodable or not
            parseable.
    """
    limits = limits or upload_limits()
    if fmt not in FORMATS:
        raise DataError(f"Unknown format '{fmt}'. Use one of: {', '.join(FORMATS)}.")
    limits.check_size(len(content))
    if fmt == "parquet":
        frame = _read_parquet(content, limits)
    else:
        text = _decode(content, encoding)
        if "\x00" in text:
            raise DataError(
                f"The file looks binary, not {fmt.upper()} text (it holds NUL "
                "characters). Check the file, or its encoding."
            )
        if fmt == "jsonl":
            frame = _read_jsonl(text, limits.max_rows)
        else:
            frame = _read_delimited(text, fmt, delimiter, limits.max_rows)
    _check_shape(frame, limits)
    return frame


def _read_delimited(
    text: str, fmt: str, delimiter: str | None, max_rows: int | None
) -> pd.DataFrame:
    sep = delimiter or ("\t" if fmt == "tsv" else ",")
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=sep,
            dtype_backend="numpy_nullable",
            nrows=None if max_rows is None else max_rows + 1,
        )
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


def _read_parquet(content: bytes, limits: UploadLimits) -> pd.DataFrame:
    """A Parquet file, read only after its metadata shows it fits ``limits``.

    Text columns are read as dictionaries first, so a value repeated on every
    row (which compresses to nothing) is measured before it is copied per row.
    """
    try:
        probe = pq.ParquetFile(io.BytesIO(content))
        metadata, schema = probe.metadata, probe.schema_arrow
        encoded = sum(
            metadata.row_group(group).total_byte_size
            for group in range(metadata.num_row_groups)
        )
    except Exception as error:  # pyarrow raises several unrelated types
        raise DataError(f"Not a readable Parquet file: {error}") from error
    _check_rows(metadata.num_rows, limits.max_rows)
    _check_columns(metadata.num_columns)
    _check_decoded(encoded, limits)
    texts = [f.name for f in schema if pa.types.is_string(f.type)]
    try:
        table = pq.ParquetFile(io.BytesIO(content), read_dictionary=texts).read()
        _check_decoded(encoded + _repeated_text_bytes(table), limits)
        plain = pa.schema(
            [
                f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type) else f
                for f in table.schema
            ],
            metadata=table.schema.metadata,  # pandas' dtypes
        )
        return table.cast(plain).to_pandas()
    except DataError:
        raise
    except Exception as error:  # pyarrow raises several unrelated types
        raise DataError(f"Not a readable Parquet file: {error}") from error


def _repeated_text_bytes(table: pa.Table) -> int:
    """How many bytes the dictionary-encoded text columns take once decoded."""
    total = 0
    for column in table.columns:
        if not pa.types.is_dictionary(column.type):
            continue
        for chunk in column.chunks:
            lengths = pc.binary_length(chunk.dictionary)
            total += pc.sum(pc.take(lengths, chunk.indices)).as_py() or 0
    return total


def _check_decoded(size: int, limits: UploadLimits) -> None:
    if size > limits.max_decoded_bytes:
        raise DataError(
            f"The Parquet file decompresses to {size / 2**20:,.0f} MB; the limit "
            f"is {limits.max_decoded_bytes / 2**20:,.0f} MB. Sample it down."
        )


def _check_rows(rows: int, max_rows: int | None) -> None:
    if max_rows is not None and rows > max_rows:
        raise DataError(
            f"The file has more than {max_rows:,} rows, the limit on this server. "
            "Sample it down and upload it again."
        )


def _check_columns(columns: int) -> None:
    if columns > MAX_COLUMNS:
        raise DataError(
            f"The file has {columns:,} columns; Lumen reads at most {MAX_COLUMNS:,}."
        )


def _check_shape(frame: pd.DataFrame, limits: UploadLimits) -> None:
    """Rows, columns and (where capped) the longest text in any cell."""
    _check_rows(len(frame), limits.max_rows)
    _check_columns(frame.shape[1])
    if limits.max_cell_chars is None:
        return
    for column in frame.columns:
        values = frame[column]
        if values.dtype.kind not in "OSU" and not pd.api.types.is_string_dtype(values):
            continue
        longest = values.map(lambda v: len(v) if isinstance(v, str) else 0).max()
        if longest > limits.max_cell_chars:
            raise DataError(
                f"Column '{column}' holds a text of {longest:,} characters; the "
                f"limit on this server is {limits.max_cell_chars:,}. Shorten it."
            )


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding).lstrip("\ufeff")
    except (UnicodeDecodeError, LookupError) as error:
        where = getattr(error, "start", "?")
        raise DataError(
            f"The file is not valid {encoding} (at byte {where}). Re-save it as "
            "UTF-8, or give its encoding (for example latin-1)."
        ) from error


def _read_jsonl(text: str, max_rows: int | None) -> pd.DataFrame:
    stripped = text.strip()
    if stripped.startswith("["):
        try:
            records = json.loads(stripped)
        except RecursionError as error:
            raise DataError("The JSON is nested too deeply to read.") from error
        except ValueError as error:
            raise DataError(f"Not a valid JSON array of records: {error}") from error
        if not isinstance(records, list):
            raise DataError("Not a valid JSON array of records.")
        _check_rows(len(records), max_rows)
        try:
            return pd.DataFrame(records)
        except (ValueError, TypeError) as error:
            raise DataError(f"Not a valid JSON array of records: {error}") from error
    lines = stripped.splitlines()
    _check_rows(sum(1 for line in lines if line.strip()), max_rows)
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except RecursionError as error:
            raise DataError(f"Line {number} is nested too deeply to read.") from error
        except json.JSONDecodeError as error:
            raise DataError(f"Line {number} is not valid JSON: {error.msg}.") from error
        if not isinstance(record, dict):
            raise DataError(f"Line {number} is not a JSON object.")
        records.append(record)
    return pd.DataFrame(records)
