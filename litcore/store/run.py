"""A run: a model's predictions on a dataset, as a folder the app opens directly.

::

    RUN_DIR/
      manifest.json            format version, model, data fingerprint, config,
                               label names, embedding width, shards (written last)
      rows-00000.parquet       id, text [, text_b, label], metadata, truncated,
                               one p_<class> column per class, tokens, words
      embeddings-00000.arrow   cls_embedding, mean_embedding:
                               fixed_size_list<float16>[hidden] (Arrow IPC file)
      rows-00001.parquet ...   further shards, in id order of the input

Embeddings are float16 (``benchmarks/inference.py`` measures what that loses)
and are memory-mapped when a run is opened, not read into memory. Opening
validates strictly (``RunError``): the manifest's schema and version, every
shard's columns and row count, the embeddings' width, ids unique.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from litcore.api.errors import LumenError
from litcore.data.dataset import ID, LABEL, TEXT, TEXT_B, Dataset, text_length_words
from litcore.store.disk_rows import DiskRows, FilePiece
from litcore.store.fields import PREDICTION_FIELDS, checked_fields

if TYPE_CHECKING:
    from litcore.models.outputs import Predictions

FORMAT = "lumen-run"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
TRUNCATED = "truncated"
WORDS = "words"  # words per text (what the analysis frame's length column shows)
TOKENS = "tokens"
EMBEDDINGS = ("cls_embedding", "mean_embedding")
PROBA_PREFIX = "p_"
_SHARD_NAME = re.compile(r"(rows|embeddings)-\d{5}\.(parquet|arrow)")


class RunError(LumenError):
    """A run folder that is missing, unfinished or inconsistent."""


@dataclass(frozen=True)
class RunManifest:
    """What ``manifest.json`` holds.

    Attributes:
        model: the classifier's folder or hub id, as given to ``predict``.
        revision: its hub revision (None: the default).
        model_fingerprint: ``SequenceClassifier.fingerprint`` when predicted.
        labels: the model's class names, in its output order.
        data_name: the data's display name.
        data_fingerprint: ``Dataset.fingerprint`` (ids and gold labels).
        rows: examples in the run.
        hidden: the embeddings' width.
        metadata: the data's metadata columns.
        has_text_b: whether examples are text pairs.
        has_labels: whether there is a gold label column.
        config: how it was predicted (engine, precision, batch size...).
        shards: (rows file, embeddings file, number of rows) per shard, in order.
    """

    model: str
    revision: str | None
    model_fingerprint: str
    labels: tuple[str, ...]
    data_name: str
    data_fingerprint: str
    rows: int
    hidden: int
    metadata: tuple[str, ...]
    has_text_b: bool
    has_labels: bool
    config: dict
    shards: tuple[tuple[str, str, int], ...]

    def to_json(self) -> str:
        fields = asdict(self)
        fields["shards"] = [list(shard) for shard in self.shards]
        return json.dumps(
            {"format": FORMAT, "format_version": FORMAT_VERSION} | fields, indent=1
        )

    @classmethod
    def from_json(cls, text: str, where: str) -> RunManifest:
        """Parses and checks a manifest (``where`` names it in errors).

        Raises:
            RunError: not JSON, another format or version, a missing or
                mistyped field, or shards that do not add up to ``rows``.
        """
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as error:
            raise RunError(f"{where} is not JSON ({error}).") from error
        if not isinstance(raw, dict) or raw.get("format") != FORMAT:
            raise RunError(f"{where} is not a Lumen run manifest.")
        if raw.get("format_version") != FORMAT_VERSION:
            raise RunError(
                f"{where} has format version {raw.get('format_version')!r}; this "
                f"Lumen reads version {FORMAT_VERSION}: predict the run again."
            )
        kinds = {
            "model": str,
            "revision": (str, type(None)),
            "model_fingerprint": str,
            "labels": list,
            "data_name": str,
            "data_fingerprint": str,
            "rows": int,
            "hidden": int,
            "metadata": list,
            "has_text_b": bool,
            "has_labels": bool,
            "config": dict,
            "shards": list,
        }
        for name, kind in kinds.items():
            if not isinstance(raw.get(name), kind) or (
                kind is int and isinstance(raw[name], bool)
            ):
                raise RunError(f"{where}: field '{name}' is missing or mistyped.")
        shards = tuple(_shard_entry(entry, where) for entry in raw["shards"])
        if sum(n for _, _, n in shards) != raw["rows"] or raw["rows"] < 1:
            raise RunError(f"{where}: its shards do not hold its {raw['rows']} rows.")
        if len(raw["labels"]) < 2 or not all(isinstance(x, str) for x in raw["labels"]):
            raise RunError(f"{where}: 'labels' must name two classes or more.")
        fields = {name: raw[name] for name in kinds}
        fields |= {
            "labels": tuple(raw["labels"]),
            "metadata": tuple(map(str, raw["metadata"])),
            "shards": shards,
        }
        return cls(**fields)


def _shard_entry(entry, where: str) -> tuple[str, str, int]:
    """A manifest's shard entry: two file names of this folder and a row count."""
    if (
        isinstance(entry, list)
        and len(entry) == 3
        and all(
            isinstance(name, str) and _SHARD_NAME.fullmatch(name) for name in entry[:2]
        )
        and isinstance(entry[2], int)
        and entry[2] >= 1
    ):
        return entry[0], entry[1], entry[2]
    raise RunError(f"{where}: a shard entry is malformed: {entry!r}.")


def proba_column(label: str) -> str:
    return f"{PROBA_PREFIX}{label}"


def shard_names(index: int) -> tuple[str, str]:
    """The rows and embeddings file names of shard ``index``."""
    return f"rows-{index:05d}.parquet", f"embeddings-{index:05d}.arrow"


def write_shard(
    folder: Path,
    index: int,
    examples: pd.DataFrame,
    probas: np.ndarray,
    embeddings: dict[str, np.ndarray],
    tokens: Sequence[Sequence[str]],
    truncated: np.ndarray,
    labels: Sequence[str],
) -> tuple[str, str, int]:
    """Writes one shard; returns its manifest entry.

    Args:
        examples: the shard's rows of a ``Dataset`` frame (``id``, ``text``...).
        probas: ``<float32>[rows, num_labels]``.
        embeddings: ``EMBEDDINGS`` name -> ``<float>[rows, hidden]`` (stored
            as float16).
        tokens: the model's tokens per row.
        truncated: ``<bool>[rows]``.
        labels: the class names, in ``probas``' column order.
    """
    rows_name, embeddings_name = shard_names(index)
    table = pa.Table.from_pandas(examples.reset_index(drop=True), preserve_index=False)
    for column, label in enumerate(labels):
        values = pa.array(probas[:, column].astype(np.float32))
        table = table.append_column(proba_column(label), values)
    table = table.append_column(TRUNCATED, pa.array(np.asarray(truncated, bool)))
    table = table.append_column(WORDS, pa.array(text_length_words(examples)))
    table = table.append_column(TOKENS, pa.array(list(map(list, tokens))))
    pq.write_table(table, folder / rows_name)
    columns = {}
    for name in EMBEDDINGS:
        values = np.ascontiguousarray(embeddings[name], dtype=np.float16)
        flat = pa.array(values.reshape(-1), type=pa.float16())
        columns[name] = pa.FixedSizeListArray.from_arrays(flat, values.shape[1])
    with pa.ipc.new_file(folder / embeddings_name, pa.table(columns).schema) as out:
        out.write_table(pa.table(columns))
    return rows_name, embeddings_name, len(examples)


def prepare_folder(folder: str | Path) -> Path:
    """``folder`` made, or checked empty: a run is never written over another.

    Raises:
        RunError: it exists and is not empty.
    """
    path = Path(folder)
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise RunError(f"{path} exists and is not empty; choose a new run folder.")
    path.mkdir(parents=True, exist_ok=True)
    return path


class RunWriter:
    """Writes a run shard by shard, then its manifest.

    ``add`` each part of the data with its predictions (anything with
    ``probas``, ``cls_embedding``, ``mean_embedding``, ``tokens`` and
    ``truncated``, as ``SequenceClassifier.predict`` returns), then ``finish``.
    """

    def __init__(self, folder: str | Path, labels: Sequence[str]) -> None:
        """Raises: RunError: ``folder`` exists and is not empty."""
        self.folder = prepare_folder(folder)
        self.labels = tuple(labels)
        self.shards: list[tuple[str, str, int]] = []
        self.hidden = 0

    def add(self, examples: pd.DataFrame, predictions) -> None:
        """Writes ``examples`` (rows of a ``Dataset`` frame) and their predictions
        as the next shard."""
        embeddings = {name: getattr(predictions, name) for name in EMBEDDINGS}
        self.hidden = embeddings[EMBEDDINGS[0]].shape[1]
        entry = write_shard(
            self.folder,
            len(self.shards),
            examples,
            predictions.probas,
            embeddings,
            predictions.tokens,
            predictions.truncated,
            self.labels,
        )
        self.shards.append(entry)

    def finish(self, **fields) -> RunManifest:
        """Writes the manifest: ``fields`` are ``RunManifest``'s, less those
        the writer knows (labels, rows, hidden, shards)."""
        manifest = RunManifest(
            labels=self.labels,
            rows=sum(n for _, _, n in self.shards),
            hidden=self.hidden,
            shards=tuple(self.shards),
            **fields,
        )
        write_manifest(self.folder, manifest)
        return manifest


def run_fields(model, data: Dataset, config: dict) -> dict:
    """The manifest fields that describe ``model`` (a ``SequenceClassifier``),
    ``data`` and ``config`` (how it was predicted)."""
    folder = Path(model.source).expanduser()
    return {
        "model": str(folder.resolve()) if folder.is_dir() else model.source,
        "revision": model.revision,
        "model_fingerprint": model.fingerprint,
        "data_name": data.name,
        "data_fingerprint": data.fingerprint,
        "metadata": tuple(data.metadata_columns),
        "has_text_b": data.has_text_b,
        "has_labels": data.has_labels,
        "config": config,
    }


def write_manifest(folder: Path, manifest: RunManifest) -> None:
    """Writes the manifest last, atomically: a run without one is unfinished."""
    partial = folder / (MANIFEST + ".partial")
    partial.write_text(manifest.to_json(), encoding="utf-8")
    partial.rename(folder / MANIFEST)


def read_manifest(folder: str | Path) -> RunManifest:
    """The manifest of the run in ``folder``.

    Raises:
        RunError: no such folder, no manifest (an unfinished run), or a bad one.
    """
    path = Path(folder).expanduser()
    if not path.is_dir():
        raise RunError(f"Run folder not found: {path}.")
    manifest = path / MANIFEST
    if not manifest.is_file():
        raise RunError(
            f"{path} has no {MANIFEST}: not a run, or one whose prediction did "
            "not finish. Write one with `lumen-nlp predict ... --out RUN_DIR`."
        )
    return RunManifest.from_json(manifest.read_text(encoding="utf-8"), str(manifest))


@dataclass(frozen=True)
class Run:
    """An opened run: its manifest, its rows and its memory-mapped embeddings.

    Attributes:
        folder: where it is.
        manifest: what it holds.
        rows: every shard's rows in order, tokens left out (``pyarrow.Table``).
        embedding_parts: per shard, ``EMBEDDINGS`` name -> ``<float16>[rows,
            hidden]``, views of the memory-mapped files.
        embedding_rows: ``EMBEDDINGS`` name -> every shard's rows, read from the
            files when indexed (``DiskRows``).
    """

    folder: Path
    manifest: RunManifest
    rows: pa.Table
    embedding_parts: tuple[dict[str, np.ndarray], ...]
    embedding_rows: dict[str, DiskRows]

    def embedding(self, name: str) -> np.ndarray | DiskRows:
        """``<float16>[rows, hidden]``: one of ``EMBEDDINGS``, the memory-mapped
        file itself for a run of one shard; for more, the shards' rows read
        from their files when indexed (``DiskRows``): a million rows were 0.75
        GB in memory when joined, and their pages stay resident when mapped."""
        if len(self.embedding_parts) == 1:
            return self.embedding_parts[0][name]
        return self.embedding_rows[name]

    @property
    def labels(self) -> tuple[str, ...]:
        return self.manifest.labels

    def dataset(self) -> Dataset:
        """The examples as a ``Dataset`` (no predictions, no tokens)."""
        keep = [ID, TEXT]
        keep += [TEXT_B] if self.manifest.has_text_b else []
        keep += [LABEL] if self.manifest.has_labels else []
        frame = _one_chunk(self.rows.select([*keep, *self.manifest.metadata]))
        frame = frame.to_pandas()
        labels = tuple(sorted(frame[LABEL].unique())) if LABEL in frame else ()
        return Dataset(name=self.manifest.data_name, frame=frame, labels=labels)

    @functools.cached_property
    def id_index(self) -> pd.Index:
        """The example ids in row order (hashed once, for lookups)."""
        return pd.Index(self.rows.column(ID).to_pandas())

    def ids(self) -> pd.Index:
        return self.id_index

    @functools.cached_property
    def token_column(self) -> pa.ChunkedArray:
        """The model's tokens per row, read from the shards on first use."""
        chunks = [
            pq.read_table(self.folder / name, columns=[TOKENS]).column(TOKENS)
            for name, _, _ in self.manifest.shards
        ]
        return pa.chunked_array([c for chunk in chunks for c in chunk.chunks])

    def positions(self, ids: Sequence[str]) -> np.ndarray:
        """``<int>[len(ids)]``: each id's row, -1 where the run lacks it."""
        if self._is_own_id_column(ids):
            return np.arange(self.rows.num_rows)
        return self.id_index.get_indexer(pd.Index(ids))

    def _is_own_id_column(self, ids: Sequence[str]) -> bool:
        """Whether ``ids`` is an Arrow-backed column of the run's own ids in row
        order (the analysis frame's): compared in Arrow, 5 ms for a million rows
        where hashing them took 0.5 s."""
        if not isinstance(ids, pd.Series) or len(ids) != self.rows.num_rows:
            return False
        arrow_backed = isinstance(ids.dtype, pd.ArrowDtype)
        if not arrow_backed and getattr(ids.dtype, "storage", None) != "pyarrow":
            return False
        own = self.rows.column(ID)
        try:
            given = pa.chunked_array([pa.array(ids)]).cast(own.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return False
        return given.equals(own)

    def probas(self) -> np.ndarray:
        """``<float32>[rows, num_labels]``."""
        columns = [self.rows.column(proba_column(label)) for label in self.labels]
        return np.column_stack([column.to_numpy() for column in columns])

    def truncated(self) -> np.ndarray:
        return self.rows.column(TRUNCATED).to_numpy()

    def words(self) -> np.ndarray | None:
        """``<int>[rows]`` words per text, counted when the run was written."""
        if WORDS not in self.rows.column_names:
            return None
        return self.rows.column(WORDS).to_numpy()

    def predictions(self, ids: Sequence[str]) -> Predictions | None:
        """The stored predictions of ``ids``, in that order (None: some are not
        in the run). Tokens are read per example when asked (``TokenColumn``)."""
        from litcore.models.outputs import Predictions

        values = self.field_values(ids, PREDICTION_FIELDS)
        return None if values is None else Predictions(**values)

    def field_values(
        self, ids: Sequence[str], names: Sequence[str]
    ) -> dict[str, object] | None:
        """The fields ``names`` (of ``PREDICTION_FIELDS``) of ``ids``' predictions,
        in ``ids``' order; None when some ids are not in the run.

        Only the fields asked for are read: the embeddings stay unread pages of
        their memory-mapped files, and tokens are not read at all unless asked.
        """
        position = self.positions(ids)
        if (position < 0).any():
            return None
        everything = (
            len(position) == self.rows.num_rows
            and (position == np.arange(len(position))).all()
        )
        take = slice(None) if everything else position

        def read(name: str):
            if name == "probas":
                return self.probas()[take]
            if name == TRUNCATED:
                return self.truncated()[take]
            if name == TOKENS:
                tokens = self.token_column
                return TokenColumn(tokens if everything else tokens.take(position))
            matrix = self.embedding(name)
            return matrix if everything else matrix[position]

        return {name: read(name) for name in checked_fields(names)}


def _one_chunk(table: pa.Table) -> pa.Table:
    """``table`` with each column in one chunk, where its offsets allow.

    pandas takes rows of a string column of one chunk a hundred times faster
    than of the run's one chunk per shard (15 ms against 1.5 s for 140,000 of
    1,000,000 rows), and every filter, selection and sort takes rows.
    """
    try:
        return table.combine_chunks()
    except pa.ArrowInvalid:  # over 2 GB of text in a column: left as it is
        return table


class TokenColumn(Sequence):
    """Tokens per example, read from an Arrow list column one row at a time:
    a million rows' worth of Python strings never sits in memory at once."""

    def __init__(self, column: pa.ChunkedArray) -> None:
        self.column = column

    def __len__(self) -> int:
        return len(self.column)

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        return self.column[row].as_py()


_OPENED: dict[str, Run] = {}  # model fingerprint -> the run opened with it
_OPENED_LOCK = threading.Lock()


def register(run: Run, model_fingerprint: str) -> None:
    """Makes ``run``'s predictions what ``stored_predictions`` finds for the model
    with ``model_fingerprint`` in this process (the run opened last wins)."""
    with _OPENED_LOCK:
        _OPENED[model_fingerprint] = run


def stored_predictions(
    model_fingerprint: str,
    ids: Sequence[str],
    names: Sequence[str] = PREDICTION_FIELDS,
) -> tuple[Sequence[str], dict[str, object]] | None:
    """(the ids the run opened with this model holds, in ``ids``' order, and
    the fields ``names`` of their predictions), or None when it holds none of
    them (or there is none): the caller predicts, or reads the store, for the
    rest."""
    run = _OPENED.get(model_fingerprint)
    if run is None:
        return None
    position = run.positions(ids)
    if (position >= 0).all():
        found = ids  # the frame's own column stays one: found again in 5 ms
    else:
        found = [i for i, row in zip(ids, position) if row >= 0]
    return (found, run.field_values(found, names)) if len(found) else None


def _shard_embeddings(
    path: Path, rows: int, hidden: int
) -> tuple[dict[str, np.ndarray], dict[str, list[FilePiece]]]:
    """A shard's embeddings as float16 views of the memory-mapped file, and
    where each one's rows lie in the file (for ``DiskRows``).

    Raises:
        RunError: not an Arrow file, columns of another type or shape, or
            compressed ones (not where their rows can be read in place).
    """
    try:
        whole = pa.memory_map(str(path)).read_buffer()
        table = pa.ipc.open_file(whole).read_all()
    except (OSError, pa.ArrowInvalid) as error:
        raise RunError(
            f"{path.name} is not a readable Arrow file ({error})."
        ) from error
    expected = pa.list_(pa.float16(), hidden)
    arrays, pieces = {}, {}
    for name in EMBEDDINGS:
        if name not in table.column_names or table.schema.field(name).type != expected:
            raise RunError(
                f"{path.name}: '{name}' must be fixed_size_list<float16>[{hidden}]."
            )
        column = table.column(name)
        if len(column) != rows or column.null_count:
            raise RunError(f"{path.name}: '{name}' does not hold {rows} rows.")
        chunks = [c.values.to_numpy(zero_copy_only=False) for c in column.chunks]
        flat = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        arrays[name] = flat.reshape(rows, hidden)
        pieces[name] = [_file_piece(path, whole, chunk) for chunk in column.chunks]
    return arrays, pieces


def _file_piece(
    path: Path, whole: pa.Buffer, chunk: pa.FixedSizeListArray
) -> FilePiece:
    """Where ``chunk``'s rows lie in the file mapped as ``whole``.

    Raises:
        RunError: they are not in it as they are (a compressed file).
    """
    values = chunk.values  # all of them, the chunk's offset not applied
    first = values.offset + chunk.offset * chunk.type.list_size
    offset = values.buffers()[1].address - whole.address + 2 * first
    size = 2 * len(chunk) * chunk.type.list_size
    if not 0 <= offset <= whole.size - size:
        raise RunError(
            f"{path.name} is compressed; Lumen reads uncompressed Arrow files "
            "(write the run again with `lumen-nlp predict`)."
        )
    return FilePiece(path, offset, len(chunk))


def _shard_rows(path: Path, manifest: RunManifest, rows: int) -> pa.Table:
    """A shard's rows, checked against the manifest.

    Raises:
        RunError: not Parquet, a missing column or a wrong row count.
    """
    try:
        names = pq.read_schema(path).names
        # Tokens are read when asked (``Run.token_column``): most of a big run.
        table = pq.read_table(path, columns=[n for n in names if n != TOKENS])
    except (OSError, pa.ArrowInvalid) as error:
        raise RunError(
            f"{path.name} is not a readable Parquet file ({error})."
        ) from error
    needed = [ID, TEXT, TRUNCATED, *manifest.metadata]
    needed += [TEXT_B] if manifest.has_text_b else []
    needed += [LABEL] if manifest.has_labels else []
    needed += [proba_column(label) for label in manifest.labels]
    missing = [name for name in [*needed, TOKENS] if name not in names]
    if missing:
        raise RunError(f"{path.name} lacks the column(s) {', '.join(missing)}.")
    if table.num_rows != rows:
        raise RunError(
            f"{path.name} has {table.num_rows} rows; the manifest says {rows}."
        )
    return table


def open_run(folder: str | Path) -> Run:
    """Opens and validates the run in ``folder`` (no model is loaded).

    Raises:
        RunError: anything missing or inconsistent; the message names the file.
    """
    path = Path(folder).expanduser()
    manifest = read_manifest(path)
    tables, parts, pieces = [], [], {name: [] for name in EMBEDDINGS}
    for rows_name, embeddings_name, rows in manifest.shards:
        for name in (rows_name, embeddings_name):
            if not (path / name).is_file():
                raise RunError(f"{path}: the shard file {name} is missing.")
        tables.append(_shard_rows(path / rows_name, manifest, rows))
        arrays, where = _shard_embeddings(path / embeddings_name, rows, manifest.hidden)
        parts.append(arrays)
        for name in EMBEDDINGS:
            pieces[name] += where[name]
    table = pa.concat_tables(tables, promote_options="permissive")
    ids = table.column(ID)
    if pc.count_distinct(ids).as_py() != table.num_rows or ids.null_count:
        raise RunError(f"{path}: example ids are not unique.")
    on_disk = {
        name: DiskRows(pieces[name], manifest.hidden, np.float16) for name in EMBEDDINGS
    }
    return Run(path, manifest, table, tuple(parts), on_disk)
