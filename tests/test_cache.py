"""The prediction store: round trips, restarts, concurrent writers, crashes."""

import io
import os
import sqlite3

import numpy as np

from litcore.models.outputs import Predictions
from litcore.store.predictions import PredictionStore, from_bytes, to_bytes


def make_predictions(n: int, offset: float = 0.0) -> Predictions:
    return Predictions(
        probas=np.full((n, 2), 0.5, dtype=np.float32) + offset,
        cls_embedding=np.arange(n * 3, dtype=np.float32).reshape(n, 3),
        mean_embedding=np.ones((n, 3), dtype=np.float32),
        tokens=[["[CLS]", f"w{i}", "[SEP]"] for i in range(n)],
        truncated=np.array([i % 2 == 0 for i in range(n)]),
    )


def test_round_trip_in_the_order_asked(tmp_path):
    store = PredictionStore(tmp_path / "p.sqlite")
    store.put("m", ["a", "b", "c"], make_predictions(3))
    got, missing = store.get("m", ["c", "a"])
    assert missing == []
    assert got.tokens == [["[CLS]", "w2", "[SEP]"], ["[CLS]", "w0", "[SEP]"]]
    assert got.cls_embedding[0].tolist() == [6.0, 7.0, 8.0]
    assert got.truncated.tolist() == [True, True]


def test_missing_ids_and_other_models(tmp_path):
    store = PredictionStore(tmp_path / "p.sqlite")
    store.put("m", ["a"], make_predictions(1))
    assert store.get("m", ["a", "z"]) == (None, ["z"])
    assert store.get("other", ["a"]) == (None, ["a"])
    assert store.missing("m", ["z", "a", "y"]) == ["z", "y"]


def test_arrays_decode_exactly_as_numpy_loads_them():
    arrays = [
        np.arange(6, dtype=np.float32),
        np.arange(12, dtype=np.float64).reshape(3, 4),
        np.asfortranarray(np.arange(12, dtype=np.int64).reshape(3, 4)),
        np.array([True, False]),
        np.zeros((0, 3), dtype=np.float32),
        np.array(2.5),
    ]
    for array in arrays:
        payload = to_bytes(array)
        decoded = from_bytes(payload)
        expected = np.load(io.BytesIO(payload), allow_pickle=False)
        assert decoded.dtype == expected.dtype and decoded.shape == expected.shape
        assert np.array_equal(decoded, expected)
        decoded[...] = 0  # a writable copy, not a view of the stored bytes


def test_survives_a_restart_and_uses_wal(tmp_path):
    path = tmp_path / "p.sqlite"
    PredictionStore(path).put("m", ["a"], make_predictions(1))
    got, _ = PredictionStore(path).get("m", ["a"])
    assert got.probas.tolist() == [[0.5, 0.5]]
    mode = sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"


def test_arrays_round_trip(tmp_path):
    store = PredictionStore(tmp_path / "p.sqlite")
    assert store.get_arrays("proj") is None
    store.put_arrays("proj", {"xy": np.eye(2), "ids": np.array(["a", "b"])})
    got = store.get_arrays("proj")
    assert got["xy"].tolist() == [[1.0, 0.0], [0.0, 1.0]]
    assert got["ids"].tolist() == ["a", "b"]


def _writer(path: str, model: str, count: int) -> None:
    store = PredictionStore(path)
    for i in range(count):
        store.put(model, [f"{model}-{i}"], make_predictions(1))


def test_two_processes_write_at_once(tmp_path, spawn_context):
    path = str(tmp_path / "p.sqlite")
    PredictionStore(path)
    context = spawn_context
    workers = [
        context.Process(target=_writer, args=(path, m, 40)) for m in ("m1", "m2")
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    store = PredictionStore(path)
    for model in ("m1", "m2"):
        got, missing = store.get(model, [f"{model}-{i}" for i in range(40)])
        assert missing == [] and len(got.tokens) == 40


def _crash_mid_write(path: str) -> None:
    store = PredictionStore(path)
    connection = store._connect()
    connection.execute("BEGIN")
    connection.execute(
        "INSERT INTO predictions VALUES ('m', 'half', x'00', x'00', x'00', '[]', 0)"
    )
    os._exit(1)  # dies inside the transaction, without commit or close


def test_a_crash_mid_write_leaves_the_store_intact(tmp_path, spawn_context):
    path = str(tmp_path / "p.sqlite")
    PredictionStore(path).put("m", ["a"], make_predictions(1))
    worker = spawn_context.Process(target=_crash_mid_write, args=(path,))
    worker.start()
    worker.join(60)
    store = PredictionStore(path)
    assert store.get("m", ["half"]) == (None, ["half"])
    got, _ = store.get("m", ["a"])
    assert got.probas.shape == (1, 2)
    check = sqlite3.connect(path).execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"
