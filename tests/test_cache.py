"""The prediction store: round trips, restarts, concurrent writers, crashes."""

import io
import os
import sqlite3

import numpy as np
import pytest

from litcore.models.outputs import Predictions
from litcore.store import predictions as store_module
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


class Clock:
    """The store's clock, moved by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(store_module, "time", clock)
    return clock


def wide_predictions(n: int) -> Predictions:
    """Rows of about 8 KB, so a few dozen fill pages the budget can count."""
    rng = np.random.default_rng(n)
    return Predictions(
        probas=np.full((n, 2), 0.5, dtype=np.float32),
        cls_embedding=rng.normal(size=(n, 1000)).astype(np.float32),
        mean_embedding=rng.normal(size=(n, 1000)).astype(np.float32),
        tokens=[["[CLS]", "[SEP]"]] * n,
        truncated=np.zeros(n, dtype=bool),
    )


def ids(prefix: str, n: int = 40) -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


def one_set_mb(tmp_path) -> float:
    """What 40 wide rows take in a store, in MB."""
    store = PredictionStore(tmp_path / "measure.sqlite", max_mb=10_000)
    before = store_module._bytes_used(sqlite3.connect(store.path))
    store.put("m", ids("x"), wide_predictions(40))
    return (store_module._bytes_used(sqlite3.connect(store.path)) - before) / 2**20


def test_over_its_budget_the_store_drops_the_least_recently_used(tmp_path, clock):
    set_mb = one_set_mb(tmp_path)
    store = PredictionStore(tmp_path / "p.sqlite", max_mb=10_000)
    store.put("m", ids("first"), wide_predictions(40))
    clock.now += 1_000
    store.put("m", ids("second"), wide_predictions(40))
    clock.now += 1_000
    assert store.read("m", ids("first"), ["probas"])[1] == []  # marks them used
    clock.now += 1_000
    store.max_mb = 2.5 * set_mb
    store.put("m", ids("third"), wide_predictions(40))
    assert 10 <= len(store.missing("m", ids("second"))) < 40
    assert store.missing("m", ids("first")) == []
    assert store.missing("m", ids("third")) == []
    used = store_module._bytes_used(sqlite3.connect(store.path))
    assert used <= store.max_mb * 2**20


def test_a_read_within_the_marking_interval_writes_nothing(tmp_path, clock):
    store = PredictionStore(tmp_path / "p.sqlite", max_mb=10_000)
    store.put("m", ["a"], make_predictions(1))
    written = clock.now
    clock.now += store_module.MARK_EVERY_S / 2
    store.get("m", ["a"])
    used = sqlite3.connect(store.path).execute("SELECT used FROM predictions")
    assert used.fetchall() == [(written,)]
    clock.now += store_module.MARK_EVERY_S
    store.get("m", ["a"])
    used = sqlite3.connect(store.path).execute("SELECT used FROM predictions")
    assert used.fetchall() == [(clock.now,)]


def test_rows_used_recently_stay_even_over_the_budget(tmp_path, clock):
    store = PredictionStore(tmp_path / "p.sqlite", max_mb=0.01)
    store.put("m", ids("first"), wide_predictions(40))
    clock.now += store_module.KEEP_RECENT_S / 2
    store.put("m", ids("second"), wide_predictions(40))
    assert store.missing("m", ids("first") + ids("second")) == []
    clock.now += store_module.KEEP_RECENT_S
    store.put("m", ids("third"), wide_predictions(40))
    assert store.missing("m", ids("first")) == ids("first")
    assert store.missing("m", ids("second") + ids("third")) == []


def test_arrays_are_in_the_budget_and_go_by_use_too(tmp_path, clock):
    set_mb = one_set_mb(tmp_path)
    store = PredictionStore(tmp_path / "p.sqlite", max_mb=10_000)
    store.put_arrays("old", {"points": np.ones((40, 2000), dtype=np.float32)})
    clock.now += 1_000
    store.put("m", ids("first"), wide_predictions(40))
    clock.now += 1_000
    store.max_mb = 2.5 * set_mb
    store.put("m", ids("second"), wide_predictions(40))
    assert store.get_arrays("old") is None
    assert store.missing("m", ids("first") + ids("second")) == []


def test_a_store_from_before_the_budget_opens_and_keeps_its_rows(tmp_path):
    path = tmp_path / "p.sqlite"
    old = sqlite3.connect(path)
    old.executescript(
        "CREATE TABLE predictions (model TEXT NOT NULL, example TEXT NOT NULL,"
        " probas BLOB NOT NULL, cls_embedding BLOB NOT NULL,"
        " mean_embedding BLOB NOT NULL, tokens TEXT NOT NULL,"
        " truncated INTEGER NOT NULL, PRIMARY KEY (model, example)) WITHOUT ROWID;"
        "CREATE TABLE artifacts (key TEXT PRIMARY KEY, payload BLOB NOT NULL);"
    )
    row = make_predictions(1)
    old.execute(
        "INSERT INTO predictions VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            "m",
            "a",
            to_bytes(row.probas[0]),
            to_bytes(row.cls_embedding[0]),
            to_bytes(row.mean_embedding[0]),
            '["[CLS]", "w0", "[SEP]"]',
            1,
        ),
    )
    old.commit()
    old.close()
    store = PredictionStore(path, max_mb=10_000)
    got, missing = store.get("m", ["a"])
    assert missing == [] and got.tokens == [["[CLS]", "w0", "[SEP]"]]
    store.put("m", ["b"], make_predictions(1))
    assert store.missing("m", ["a", "b"]) == []
