"""Snapshots of whole datasets' predictions and reads of some fields only."""

import os
import subprocess
import sys
import time
import zlib
from dataclasses import fields

import numpy as np
import pandas as pd
import pytest

from litcore.models.outputs import Predictions
from litcore.session.predictions import (
    FRAME_FIELDS,
    analysis,
    predict_dataset,
    predicted_fields,
)
from litcore.store import run as run_format
from litcore.store import snapshots as snapshot_module
from litcore.store.fields import PREDICTION_FIELDS
from litcore.store.predictions import PredictionStore
from litcore.store.snapshots import STALE_AFTER_S, SnapshotStore, ids_digest

TEXTS = [f"review {i} " + "good " * (i % 5) + "bad " * (i % 3) for i in range(12)]
FLOAT16_TOLERANCE = 2e-3  # relative: float16 has an 11-bit significand


class FakeClassifier:
    """Deterministic per text, like a model: the same text, the same outputs."""

    labels = ("negative", "positive")

    def __init__(self, fingerprint: str = "model-a") -> None:
        self.fingerprint = fingerprint
        self.predicted: list[str] = []

    def predict(self, texts, texts_b=None, progress=None) -> Predictions:
        self.predicted += list(texts)
        return Predictions(**outputs(texts))


def outputs(texts) -> dict:
    rngs = [np.random.default_rng(zlib.crc32(t.encode())) for t in texts]
    logits = np.array([rng.normal(size=2) for rng in rngs], dtype=np.float32)
    probas = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    return {
        "probas": probas.astype(np.float32),
        "cls_embedding": np.array([r.normal(size=8) for r in rngs], np.float32),
        "mean_embedding": np.array([r.normal(size=8) for r in rngs], np.float32),
        "tokens": [["[CLS]", *t.split(), "[SEP]"] for t in texts],
        "truncated": np.array([len(t) > 30 for t in texts]),
    }


def examples(texts=TEXTS) -> pd.DataFrame:
    return pd.DataFrame(
        {"id": [f"id{zlib.crc32(t.encode())}" for t in texts], "text": texts}
    )


@pytest.fixture
def store(tmp_path) -> PredictionStore:
    return PredictionStore(
        tmp_path / "p.sqlite", SnapshotStore(tmp_path / "snapshots", min_rows=1)
    )


def snapshot_folders(store: PredictionStore) -> list[str]:
    return sorted(p.name for p in store.snapshots.root.iterdir())


def assert_same_predictions(snapshot: dict, stored: Predictions) -> None:
    assert np.array_equal(snapshot["probas"], stored.probas)
    assert snapshot["probas"].dtype == np.float32
    for name in ("cls_embedding", "mean_embedding"):
        assert snapshot[name].dtype == np.float16
        assert np.allclose(
            snapshot[name], getattr(stored, name), rtol=FLOAT16_TOLERANCE, atol=1e-4
        )
    assert list(snapshot["tokens"]) == stored.tokens
    assert np.array_equal(snapshot["truncated"], stored.truncated)


def test_the_fields_are_those_of_a_prediction():
    assert PREDICTION_FIELDS == tuple(f.name for f in fields(Predictions))


def test_a_whole_dataset_is_snapshotted_and_read_back_exactly(store):
    model, frame = FakeClassifier(), examples()
    first = predicted_fields(model, frame, store, PREDICTION_FIELDS)
    assert model.predicted == TEXTS
    assert snapshot_folders(store) == [f"model-a-{ids_digest(frame['id'])}"]
    stored, missing = store.get(model.fingerprint, frame["id"].tolist())
    assert missing == []
    assert_same_predictions(first, stored)  # what the first read returned
    again = predicted_fields(model, frame, store, PREDICTION_FIELDS)
    assert_same_predictions(again, stored)
    assert model.predicted == TEXTS  # nothing predicted twice


def test_a_dataset_already_in_the_store_gets_its_snapshot_on_the_first_read(
    store, tmp_path
):
    model, frame = FakeClassifier(), examples()
    plain = PredictionStore(store.path, SnapshotStore(tmp_path / "none", min_rows=99))
    predict_dataset(model, frame, plain)  # too few rows there: no snapshot
    assert not (tmp_path / "none").exists()
    read = predicted_fields(model, frame, store, ["probas", "cls_embedding"])
    assert set(read) == {"probas", "cls_embedding"}
    assert read["cls_embedding"].dtype == np.float16  # from the snapshot
    assert len(snapshot_folders(store)) == 1 and model.predicted == TEXTS


def test_other_ids_an_other_order_or_model_never_read_a_snapshot(store):
    model, frame = FakeClassifier(), examples()
    predicted_fields(model, frame, store, ["probas"])
    reordered = frame.iloc[::-1]
    got = predicted_fields(model, reordered, store, ["probas", "tokens"])
    expected = outputs(reordered["text"].tolist())
    assert np.array_equal(got["probas"], expected["probas"])
    assert list(got["tokens"]) == expected["tokens"]
    fewer = frame.iloc[:5]
    assert np.array_equal(
        predicted_fields(model, fewer, store, ["probas"])["probas"],
        outputs(TEXTS[:5])["probas"],
    )
    assert len(snapshot_folders(store)) == 3  # one per ordered list of ids
    other = FakeClassifier("model-b")
    predicted_fields(other, frame, store, ["probas"])
    assert other.predicted == TEXTS  # model A's snapshot was not used


def test_a_snapshot_under_the_wrong_name_is_refused_and_discarded(store):
    model, frame = FakeClassifier(), examples()
    predicted_fields(model, frame, store, ["probas"])
    fewer = frame.iloc[:6]
    digest = ids_digest(fewer["id"])
    (store.snapshots.root / f"model-a-{ids_digest(frame['id'])}").rename(
        store.snapshots.root / f"model-a-{digest}"
    )
    assert store.snapshots.read("model-a", fewer["id"].tolist(), ["probas"]) is None
    assert snapshot_folders(store) == []
    got = predicted_fields(model, fewer, store, ["probas"])
    assert np.array_equal(got["probas"], outputs(TEXTS[:6])["probas"])


def _replaced(path, content: bytes) -> None:
    """``path`` replaced by a new file (a mapping of the old one stays valid)."""
    path.unlink()
    path.write_bytes(content)


def _truncate_embeddings(folder):
    path = folder / "embeddings-00000.arrow"
    _replaced(path, path.read_bytes()[:100])


def _drop_manifest(folder):
    (folder / "manifest.json").unlink()


def _garble_rows(folder):
    _replaced(folder / "rows-00000.parquet", b"not parquet")


def _drop_a_probability(folder):
    manifest = folder / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"1"', '"7"'))


@pytest.mark.parametrize(
    "damage",
    [_truncate_embeddings, _drop_manifest, _garble_rows, _drop_a_probability],
)
def test_a_damaged_snapshot_falls_back_to_the_store_and_is_written_again(store, damage):
    model, frame = FakeClassifier(), examples()
    predicted_fields(model, frame, store, ["probas"])
    (folder,) = store.snapshots.root.iterdir()
    damage(folder)
    snapshot_module._opened.cache_clear()  # read as a later process would
    got = predicted_fields(model, frame, store, PREDICTION_FIELDS)
    stored, _ = store.get(model.fingerprint, frame["id"].tolist())
    assert_same_predictions(got, stored)
    assert model.predicted == TEXTS  # read from the store, not predicted again
    assert snapshot_folders(store) == [folder.name]  # a whole one again
    assert store.snapshots.read("model-a", frame["id"].tolist(), ["probas"])


def _race(root: str, barrier, rounds: int) -> None:
    snapshots = SnapshotStore(root, min_rows=1)
    frame = examples()
    values = outputs(TEXTS)
    barrier.wait()
    for model in range(rounds):
        assert snapshots.write(f"model-{model}", frame, values)


def test_racing_writers_leave_one_whole_snapshot_each(tmp_path, spawn_context):
    context = spawn_context
    barrier = context.Barrier(3)
    root = str(tmp_path / "snapshots")
    writers = [context.Process(target=_race, args=(root, barrier, 8)) for _ in range(3)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(120)
        assert writer.exitcode == 0
    snapshots = SnapshotStore(root, min_rows=1)
    folders = sorted(p.name for p in snapshots.root.iterdir())
    digest = ids_digest(examples()["id"])
    assert folders == sorted(f"model-{m}-{digest}" for m in range(8))  # no partials
    ids = examples()["id"].tolist()
    for model in range(8):
        read = snapshots.read(f"model-{model}", ids, ["probas", "tokens"])
        assert np.array_equal(read["probas"], outputs(TEXTS)["probas"])
        assert list(read["tokens"]) == outputs(TEXTS)["tokens"]


class SpyStore(PredictionStore):
    """Records the fields asked of the SQLite rows."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.asked: list[tuple[str, ...]] = []

    def read(self, model, ids, names=PREDICTION_FIELDS):
        self.asked.append(tuple(names))
        return super().read(model, ids, names)


def test_the_analysis_frame_never_reads_embeddings(tmp_path, monkeypatch):
    small = SpyStore(tmp_path / "p.sqlite", SnapshotStore(tmp_path / "s", 99))
    model, frame = FakeClassifier(), examples()
    data = type("Data", (), {"frame": frame})()  # what analysis reads of a Dataset
    monkeypatch.setattr(
        "litcore.session.predictions.outputs_frame",
        lambda data, probas, truncated, labels: (probas, truncated),
    )
    analysis(model, data, small)  # predicted: nothing read
    probas, truncated = analysis(model, data, small)
    assert small.asked == [FRAME_FIELDS, FRAME_FIELDS]
    assert np.array_equal(probas, outputs(TEXTS)["probas"])
    # With a snapshot: its embeddings are never touched.
    snapshotted = SpyStore(small.path, SnapshotStore(tmp_path / "s", 1))
    predicted_fields(model, frame, snapshotted, ["probas"])  # writes it
    snapshotted.asked.clear()
    monkeypatch.setattr(run_format.Run, "embedding", _no_embeddings)
    probas, truncated = analysis(model, data, snapshotted)
    assert snapshotted.asked == []  # not even the SQLite rows
    assert np.array_equal(probas, outputs(TEXTS)["probas"])
    assert np.array_equal(truncated, outputs(TEXTS)["truncated"])


def _no_embeddings(self, name):
    raise AssertionError(f"the analysis frame read {name}")


def test_the_embeddings_read_only_their_field(tmp_path):
    store = SpyStore(tmp_path / "p.sqlite", SnapshotStore(tmp_path / "s", 99))
    model, frame = FakeClassifier(), examples()
    predicted_fields(model, frame, store, ["probas"])
    got = predicted_fields(model, frame, store, ["mean_embedding"])
    assert store.asked[-1] == ("mean_embedding",) and list(got) == ["mean_embedding"]
    assert np.array_equal(got["mean_embedding"], outputs(TEXTS)["mean_embedding"])


def test_unknown_or_repeated_fields_are_refused(store):
    with pytest.raises(ValueError, match="prediction fields"):
        store.read("m", ["a"], ["logits"])
    with pytest.raises(ValueError, match="prediction fields"):
        predicted_fields(FakeClassifier(), examples(), store, ["probas", "probas"])
    with pytest.raises(ValueError, match="prediction fields"):
        predicted_fields(FakeClassifier(), examples(), store, [])


def test_scores_and_small_sets_of_rows_get_no_snapshot(tmp_path):
    snapshots = SnapshotStore(tmp_path / "s", min_rows=5)
    assert not snapshots.wanted(4, 2) and snapshots.wanted(5, 2)
    assert not snapshots.wanted(5, 1)  # a regressor's score per row
    scores = outputs(TEXTS[:6]) | {"probas": np.ones((6, 1), np.float32)}
    assert not snapshots.write("regressor", examples(TEXTS[:6]), scores)
    assert not (tmp_path / "s").exists()


def _bytes_in(folder) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file())


def _age(folder, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(folder, (then, then))


def test_over_the_budget_the_least_recently_read_snapshot_goes(store):
    frame, digest = examples(), ids_digest(examples()["id"])
    root = store.snapshots.root
    predicted_fields(FakeClassifier("model-a"), frame, store, ["probas"])
    one = _bytes_in(root / f"model-a-{digest}")
    store.snapshots.max_mb = 2.5 * one / 2**20  # room for two
    predicted_fields(FakeClassifier("model-b"), frame, store, ["probas"])
    _age(root / f"model-a-{digest}", 200)  # written first...
    _age(root / f"model-b-{digest}", 100)
    model_a = FakeClassifier("model-a")
    predicted_fields(model_a, frame, store, ["probas"])  # ...but read last
    assert model_a.predicted == []
    predicted_fields(FakeClassifier("model-c"), frame, store, ["probas"])
    assert snapshot_folders(store) == [f"model-{m}-{digest}" for m in "ac"]
    model_b = FakeClassifier("model-b")  # its rows are still in SQLite
    got = predicted_fields(model_b, frame, store, ["probas", "tokens"])
    assert np.array_equal(got["probas"], outputs(TEXTS)["probas"])
    assert list(got["tokens"]) == outputs(TEXTS)["tokens"]
    assert model_b.predicted == []
    assert len(snapshot_folders(store)) == 2  # B's again, in the budget
    assert sum(_bytes_in(root / name) for name in snapshot_folders(store)) <= (
        store.snapshots.max_mb * 2**20
    )


def test_dead_writers_temporary_folders_go_at_the_next_write(tmp_path):
    root, digest = tmp_path / "snapshots", ids_digest(examples()["id"])
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()  # its pid names no process now
    hidden = {
        "dead": f".model-x-{digest}.{finished.pid}.0a1b",
        "writing": f".model-y-{digest}.{os.getpid()}.2c3d",
        "stale": f".model-z-{digest}.{os.getpid()}.4e5f",
        "discarding": f".model-w-{digest}.damaged.6a7b",
        "stale discard": f".model-v-{digest}.damaged.8c9d",
    }
    for name in hidden.values():
        (root / name).mkdir(parents=True)
        (root / name / "rows.parquet").write_bytes(b"partial")
    _age(root / hidden["stale"], STALE_AFTER_S + 60)
    _age(root / hidden["stale discard"], STALE_AFTER_S + 60)
    assert SnapshotStore(root, min_rows=1).write("model-a", examples(), outputs(TEXTS))
    assert sorted(p.name for p in root.iterdir()) == sorted(
        [hidden["writing"], hidden["discarding"], f"model-a-{digest}"]
    )
