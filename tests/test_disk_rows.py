"""``DiskRows``: a matrix read from files a few rows at a time, equal to the
matrix it stores whatever is asked of it; a run of several shards hands its
embeddings over as one, and PCA and nearest neighbours read it in blocks."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from startup_app import started_app

from litcore import projection
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.models.classifier import SequenceClassifier
from litcore.session.runs import predict_run
from litcore.store import disk_rows
from litcore.store.disk_rows import DiskRows, FilePiece
from litcore.store.run import EMBEDDINGS, RunError, open_run
from litcore.ui import state
from litcore.view.selection import Selection

WIDTH = 6


def _stored(tmp_path: Path, sizes: list[int], seed: int = 0):
    """(``DiskRows`` over files of ``sizes`` rows after headers of varied
    length, the same rows in memory)."""
    rng = np.random.default_rng(seed)
    pieces, parts = [], []
    for number, rows in enumerate(sizes):
        values = rng.normal(size=(rows, WIDTH)).astype(np.float16)
        header = rng.bytes(int(rng.integers(0, 50)))
        path = tmp_path / f"piece-{number}.bin"
        path.write_bytes(header + values.tobytes() + b"tail")
        pieces.append(FilePiece(path, len(header), rows))
        parts.append(values)
    return DiskRows(pieces, WIDTH, np.float16), np.concatenate(parts)


def test_every_kind_of_index_reads_what_the_matrix_holds(tmp_path, monkeypatch):
    monkeypatch.setattr(disk_rows, "SPAN_GAP", 3)  # both spans and separate reads
    monkeypatch.setattr(disk_rows, "CONVERT_BLOCK", 4)  # converted in 14 blocks
    rows, matrix = _stored(tmp_path, [5, 1, 40, 7])
    assert rows.shape == matrix.shape == (53, WIDTH) and len(rows) == 53
    assert rows.dtype == np.float16 and rows.ndim == 2
    for row in (0, 4, 5, 6, 52, -1, -53, np.int64(17)):
        np.testing.assert_array_equal(rows[row], matrix[row])
    for key in (
        slice(None),
        slice(3, 9),
        slice(5, 6),
        slice(44, 200),
        slice(9, 3),
        slice(-8, None),
        slice(2, 50, 7),
        slice(None, None, -5),
    ):
        np.testing.assert_array_equal(rows[key], matrix[key])
    rng = np.random.default_rng(1)
    for positions in (
        [5, 2, 5, 52, 0],
        [-1, 10, 11, 12, 30],
        rng.integers(0, 53, 100),
        np.array([], dtype=np.int64),
        [],
    ):
        np.testing.assert_array_equal(rows[positions], matrix[positions])
    np.testing.assert_array_equal(np.asarray(rows), matrix)
    np.testing.assert_array_equal(np.asarray(rows, np.float32), matrix)
    assert np.asarray(rows, np.float32).dtype == np.float32


def test_bad_indexes_raise_and_a_shortened_file_is_an_error(tmp_path):
    rows, _ = _stored(tmp_path, [4, 4])
    for key in (4.0, [True, False], [[1, 2]], (slice(None), 0)):
        with pytest.raises(TypeError, match="a row, a slice"):
            rows[key]
    for key in (8, -9):
        with pytest.raises(IndexError):
            rows[key]
    with pytest.raises(IndexError):
        rows[[0, 8]]
    rows.pieces[1].path.write_bytes(b"short")
    with pytest.raises(OSError, match="ended"):
        rows[5]


@pytest.fixture(scope="module")
def run_dir(tiny_model_dir, tmp_path_factory) -> Path:
    frame = pd.DataFrame(
        {
            "sentence": [
                f"review {i} was {'good' if i % 3 else 'bad'}" for i in range(11)
            ],
            "gold": ["positive" if i % 3 else "negative" for i in range(11)],
        }
    )
    data = from_frame(frame, ColumnMapping("sentence", "gold"), name="reviews")
    folder = tmp_path_factory.mktemp("disk-rows") / "run"
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    predict_run(model, data, folder, shard_rows=4)
    return folder


def test_a_run_of_several_shards_reads_its_embeddings_from_the_files(run_dir):
    run = open_run(run_dir)
    assert len(run.embedding_parts) == 3
    ids = run.ids().tolist()
    for name in EMBEDDINGS:
        joined = np.concatenate([part[name] for part in run.embedding_parts])
        on_disk = run.embedding(name)
        assert isinstance(on_disk, DiskRows)
        np.testing.assert_array_equal(np.asarray(on_disk), joined)
        values = run.field_values(ids, [name])[name]
        assert values is on_disk  # all of them, in order: nothing read yet
        picked = run.field_values([ids[9], ids[2]], [name])[name]
        np.testing.assert_array_equal(picked, joined[[9, 2]])


def test_a_shard_of_several_record_batches_and_a_compressed_one(run_dir, tmp_path):
    run = open_run(run_dir)
    copied = tmp_path / "run"
    copied.mkdir()
    for file in run_dir.iterdir():
        (copied / file.name).write_bytes(file.read_bytes())
    shard = copied / run.manifest.shards[0][1]
    table = pa.ipc.open_file(pa.py_buffer(shard.read_bytes())).read_all()
    with pa.ipc.new_file(shard, table.schema) as out:
        for batch in table.to_batches(max_chunksize=3):  # 3 rows, then 1
            out.write_batch(batch)
    rebatched = open_run(copied)
    assert len(rebatched.embedding_rows["cls_embedding"].pieces) == 4
    for name in EMBEDDINGS:
        np.testing.assert_array_equal(
            np.asarray(rebatched.embedding(name)), np.asarray(run.embedding(name))
        )
    options = pa.ipc.IpcWriteOptions(compression="zstd")
    with pa.ipc.new_file(shard, table.schema, options=options) as out:
        out.write_table(table)
    with pytest.raises(RunError, match="compressed"):
        open_run(copied)


def test_pca_and_neighbours_read_disk_rows_in_blocks_as_they_read_an_array(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(projection, "ROW_BLOCK", 16)
    rows, matrix = _stored(tmp_path, [30, 1, 70], seed=3)

    def whole_read(*args, **kwargs):
        raise AssertionError("read every row at once")

    monkeypatch.setattr(DiskRows, "__array__", whole_read)
    from_disk = projection.PCAProjection().fit(rows)
    in_memory = projection.PCAProjection().fit(matrix)
    np.testing.assert_array_equal(from_disk.components_, in_memory.components_)
    np.testing.assert_array_equal(from_disk.embedding_, in_memory.embedding_)
    np.testing.assert_array_equal(
        from_disk.transform(rows[[4, 80]]), in_memory.embedding_[[4, 80]]
    )
    for got, expected in zip(
        projection.nearest_neighbors(rows, 40, 5),
        projection.nearest_neighbors(matrix, 40, 5),
    ):
        np.testing.assert_array_equal(got, expected)


def test_the_embeddings_page_maps_and_finds_neighbours_on_a_run_of_shards(
    run_dir, monkeypatch
):
    at = started_app(monkeypatch, {"LUMEN_RUN": str(run_dir)})
    at.switch_page("pages/projection.py").run()
    frame = at.session_state[state.WORKSPACE].frame
    at.session_state[state.SELECTION] = Selection().select([frame["id"].iloc[2]])
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    traces = json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    assert {i for t in traces for i in t["customdata"]} == set(frame["id"])
    run = open_run(run_dir)
    joined = np.asarray(run.embedding("mean_embedding"))
    order, _ = projection.nearest_neighbors(joined, 2, 10)
    neighbours = at.dataframe[0].value
    assert neighbours["id"].tolist() == frame["id"].iloc[order].tolist()


def test_a_run_finds_its_own_id_column_in_order_without_hashing_ids(run_dir):
    run = open_run(run_dir)
    own = run.dataset().frame["id"]
    assert getattr(own.dtype, "storage", None) == "pyarrow"
    np.testing.assert_array_equal(run.positions(own), np.arange(11))
    assert "id_index" not in run.__dict__  # no hash table built
    reordered = own.iloc[::-1].reset_index(drop=True)
    for ids in (reordered, own.astype(object), [*own.iloc[:3], "not-in-the-run"]):
        expected = [own.tolist().index(i) if i in set(own) else -1 for i in ids]
        np.testing.assert_array_equal(run.positions(ids), expected)
