"""Named slices: saved per dataset as JSON, atomic, shared between stores."""

from __future__ import annotations

import json
import threading

import pytest

from litcore.api.errors import LumenError
from litcore.view.slices import SliceStore


def test_save_list_get_and_delete_round_trip_through_the_file(tmp_path):
    store = SliceStore("abc123", folder=tmp_path)
    store.save("culture as science", ["b", "a", "b"], description="cell")
    store.save("  two   words ", ["c"], source="filter")
    reopened = SliceStore("abc123", folder=tmp_path)
    names = [s.name for s in reopened.list()]
    assert names == ["culture as science", "two words"]
    first = reopened.get("culture as science")
    assert first.ids == ("b", "a") and first.source == "selection"
    assert first.description == "cell" and first.created.endswith("+00:00")
    assert reopened.delete("two words") is True
    assert reopened.delete("two words") is False
    assert [s.name for s in SliceStore("abc123", folder=tmp_path).list()] == [
        "culture as science"
    ]
    on_disk = json.loads((tmp_path / "abc123.json").read_text())
    assert on_disk[0]["ids"] == ["b", "a"]
    assert not list(tmp_path.glob("*.tmp"))


def test_saving_an_existing_name_replaces_it_and_moves_it_last(tmp_path):
    store = SliceStore("d1", folder=tmp_path)
    store.save("x", ["1"])
    store.save("y", ["2"])
    store.save("x", ["3", "4"])
    assert [(s.name, s.ids) for s in store.list()] == [("y", ("2",)), ("x", ("3", "4"))]


def test_slices_are_per_dataset(tmp_path):
    SliceStore("one", folder=tmp_path).save("s", ["1"])
    assert SliceStore("two", folder=tmp_path).list() == []


def test_default_folder_is_under_the_cache_root(cache_root):
    store = SliceStore("f00d")
    assert store.path.parent == cache_root / "slices"


@pytest.mark.parametrize("name", ["", "   ", "x" * 61])
def test_bad_names_raise(tmp_path, name):
    with pytest.raises(LumenError):
        SliceStore("d", folder=tmp_path).save(name, ["1"])


def test_empty_slices_and_bad_fingerprints_raise(tmp_path):
    with pytest.raises(LumenError, match="at least one"):
        SliceStore("d", folder=tmp_path).save("s", [])
    with pytest.raises(LumenError):
        SliceStore("../etc", folder=tmp_path)


def test_a_damaged_file_gives_an_actionable_error(tmp_path):
    (tmp_path / "d.json").write_text("{not json")
    with pytest.raises(LumenError, match="Delete it"):
        SliceStore("d", folder=tmp_path).list()


def test_concurrent_saves_from_many_threads_lose_nothing(tmp_path):
    def save(index: int) -> None:
        SliceStore("d", folder=tmp_path).save(f"s{index}", [str(index)])

    threads = [threading.Thread(target=save, args=(i,)) for i in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    names = {s.name for s in SliceStore("d", folder=tmp_path).list()}
    assert names == {f"s{i}" for i in range(12)}
