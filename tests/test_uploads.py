"""Uploads stored by content hash, read under caps; CSV neutralising; slice scopes."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from streamlit.runtime.uploaded_file_manager import UploadedFile
from streamlit.testing.v1 import AppTest

from litcore.api.errors import DataError, LumenError
from litcore.data import loading
from litcore.data.limits import UploadLimits, upload_limits
from litcore.data.loading import read_bytes, read_source, source_bytes, store_upload
from litcore.session import policy
from litcore.session.policy import Policy
from litcore.store.uploads import (
    UploadExpiredError,
    UploadSpec,
    UploadStore,
    parse_upload_spec,
)
from litcore.view.csv_safe import neutralised, safe_csv
from litcore.view.slices import SliceStore

ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
DAY = 86_400
PUBLIC = UploadLimits(max_mb=20, max_rows=10_000, max_cell_chars=100_000)


class Clock:
    """A clock a test moves by hand."""

    def __init__(self) -> None:
        self.now = 1_000_000_000.0

    def __call__(self) -> float:
        return self.now


def capped(max_bytes: int, ttl_days: int) -> UploadLimits:
    """Limits of ``max_bytes`` per upload, kept ``ttl_days``."""
    return UploadLimits(max_mb=max_bytes / 2**20, ttl_days=ttl_days)


def test_an_upload_is_named_by_its_exact_sha256(tmp_path):
    store = UploadStore(capped(1024, 7), tmp_path)
    spec = store.put(b"abc", "csv")
    assert str(spec) == f"upload:{ABC_SHA256}.csv"
    assert parse_upload_spec(str(spec)) == spec
    assert store.get(spec) == b"abc"
    assert store.put(b"abc", "tsv").sha256 == ABC_SHA256  # same content, one file
    assert [p.name for p in tmp_path.iterdir()] == [ABC_SHA256]


def test_uploads_expire_after_the_ttl_and_storing_again_renews_them(tmp_path):
    clock = Clock()
    store = UploadStore(capped(1024, 7), tmp_path, clock=clock)
    spec = store.put(b"abc", "csv")
    clock.now += 6 * DAY
    store.put(b"abc", "csv")  # renewed: 7 more days from now
    clock.now += 6 * DAY
    assert store.get(spec) == b"abc"
    clock.now += 2 * DAY
    with pytest.raises(UploadExpiredError, match="kept 7 days"):
        store.get(spec)
    assert not (tmp_path / ABC_SHA256).exists()


def test_storing_purges_expired_uploads(tmp_path):
    clock = Clock()
    store = UploadStore(capped(1024, 1), tmp_path, clock=clock)
    old = store.put(b"old", "csv")
    clock.now += 2 * DAY
    store.put(b"new", "csv")
    assert not (tmp_path / old.sha256).exists()


def test_the_store_refuses_empty_oversized_and_unknown_uploads(tmp_path):
    store = UploadStore(capped(10, 7), tmp_path)
    with pytest.raises(DataError, match="empty"):
        store.put(b"", "csv")
    with pytest.raises(DataError, match="limit is"):
        store.put(b"x" * 11, "csv")
    with pytest.raises(DataError, match="Unknown format"):
        store.put(b"abc", "exe")
    assert list(tmp_path.iterdir()) == []


def test_a_tampered_or_grown_file_is_refused(tmp_path):
    store = UploadStore(capped(10, 7), tmp_path)
    spec = store.put(b"abc", "csv")
    (tmp_path / spec.sha256).write_bytes(b"abd")
    with pytest.raises(DataError, match="damaged"):
        store.get(spec)
    (tmp_path / spec.sha256).write_bytes(b"x" * 11)
    with pytest.raises(DataError, match="limit is"):
        store.get(spec)


@pytest.mark.parametrize(
    "spec",
    [
        "upload:../../etc/passwd",
        f"upload:{ABC_SHA256.upper()}.csv",
        f"upload:{ABC_SHA256[:-1]}.csv",
        f"upload:{ABC_SHA256}.exe",
        f"upload:{ABC_SHA256}.csv/../x",
        f"upload:{ABC_SHA256}",
        f"upload: {ABC_SHA256}.csv",
        f"upload:{ABC_SHA256}.csv\n",
    ],
)
def test_malformed_specs_are_refused(spec):
    with pytest.raises(DataError, match="damaged upload reference"):
        parse_upload_spec(spec)
    with pytest.raises(DataError, match="damaged upload reference"):
        read_source(spec)


@pytest.fixture
def public_policy():
    """Public mode, installed for one test."""
    rules = Policy(public=True, max_upload_mb=1, max_rows=5, share_ttl_days=2)
    policy.install(rules)
    yield rules
    policy.install(None)


def test_store_upload_and_read_source_round_trip_under_the_cache_root(
    cache_root, public_policy
):
    spec = store_upload(b"text,label\ngood,pos\nbad,neg\n", "my reviews.csv")
    assert spec.startswith("upload:") and spec.endswith(".csv")
    assert (cache_root / "uploads" / parse_upload_spec(spec).sha256).is_file()
    assert read_source(spec)["text"].tolist() == ["good", "bad"]
    unknown = UploadSpec("0" * 64, "csv")
    with pytest.raises(UploadExpiredError, match="kept 2 days"):
        read_source(str(unknown))
    with pytest.raises(DataError, match="more than 5 rows"):
        read_source(store_upload(b"text\n" + b"x\n" * 6, "rows.csv"))
    with pytest.raises(DataError, match="the limit is 1 MB"):
        store_upload(b"x" * (2**20 + 1), "big.csv")


def test_every_way_in_refuses_a_file_with_the_same_message(tmp_path):
    limits = UploadLimits(max_mb=1)
    too_big, message = b"x" * (2**20 + 1), "The file is 1.0 MB; the limit is 1 MB."
    limits.check_size(2**20)
    refusals = [
        lambda: limits.check_size(len(too_big)),
        lambda: UploadStore(limits, tmp_path).put(too_big, "csv"),
        lambda: read_bytes(too_big, "csv", limits=limits),
    ]
    for refuse in refusals:
        with pytest.raises(DataError) as refused:
            refuse()
        assert str(refused.value).startswith(message)
    for refuse in (lambda: limits.check_size(0), lambda: read_bytes(b"", "csv")):
        with pytest.raises(DataError, match="The file is empty"):
            refuse()
    assert list(tmp_path.iterdir()) == []


def test_a_conll_upload_is_stored_as_conll_and_read_back_as_bytes(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path))
    content = b"john B-PER\nloves O\n"
    spec = store_upload(content, "gold.txt", "conll")
    assert spec.endswith(".conll") and parse_upload_spec(spec).fmt == "conll"
    assert source_bytes(spec) == content
    with pytest.raises(DataError, match="Unknown format 'conll'"):
        read_source(spec)  # not a table
    with pytest.raises(UploadExpiredError):
        source_bytes(str(UploadSpec("0" * 64, "conll")))


def test_source_bytes_reads_a_server_file_under_the_server_limit(tmp_path, monkeypatch):
    path = tmp_path / "gold.conll"
    path.write_bytes(b"john B-PER\n")
    assert source_bytes(str(path)) == b"john B-PER\n"
    with pytest.raises(DataError, match="File not found"):
        source_bytes(str(tmp_path / "none.conll"))
    monkeypatch.setattr(loading, "SERVER_LIMITS", UploadLimits(max_mb=4 / 2**20))
    with pytest.raises(DataError, match="The file is 0.0 MB; the limit is"):
        source_bytes(str(path))


def _picker_script():
    import streamlit as st

    from litcore.data.ner import ner_format
    from litcore.ui.pickers import data_file_picker

    picked = data_file_picker(
        "Gold tags", ["conll", "txt"], "up", "path", fmt_for=ner_format
    )
    st.session_state["picked"] = picked


def test_the_picker_stores_an_upload_and_keeps_only_its_spec(tmp_path, monkeypatch):
    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path))
    content = b"john B-PER\nloves O\nmary B-PER\n"
    at = AppTest.from_function(_picker_script).run()
    assert at.session_state["picked"] is None
    at.get("file_uploader")[0].set_value(("gold.txt", content, "text/plain")).run()
    spec, name = at.session_state["picked"]
    assert name == "gold.txt" and spec.endswith(".conll")
    assert source_bytes(spec) == content
    at.run()  # the uploader is gone; the session holds the name and spec only
    assert at.session_state["picked"] == (spec, name)
    assert at.session_state["up_stored"] == (name, spec)
    assert not at.get("file_uploader")
    held = at.session_state.to_dict()
    assert "up_0" not in held  # the first uploader's file left session state
    assert not any(isinstance(value, (bytes, UploadedFile)) for value in held.values())
    at.button(key="up_another").click().run()
    assert at.session_state["picked"] is None and at.get("file_uploader")
    path = tmp_path / "gold.conll"
    path.write_bytes(content)
    at.text_input(key="path").input(str(path)).run()
    assert at.session_state["picked"] == (str(path), str(path))


def test_upload_limits_follow_the_policy():
    assert upload_limits(Policy()) == UploadLimits(max_mb=200, max_rows=None)
    public = upload_limits(Policy(public=True))
    assert (public.max_mb, public.max_rows, public.ttl_days) == (20, 10_000, 7)
    assert public.max_cell_chars == 100_000
    tuned = upload_limits(
        Policy.from_environ(
            {
                "LUMEN_PUBLIC": "1",
                "LUMEN_MAX_UPLOAD_MB": "5",
                "LUMEN_MAX_ROWS": "50",
                "LUMEN_SHARE_TTL_DAYS": "1",
            }
        )
    )
    assert (tuned.max_mb, tuned.max_rows, tuned.ttl_days) == (5, 50, 1)


# --- pathological content: a message, no crash, bounded memory ----------------


def _parquet(table: pa.Table, **options) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, **options)
    return buffer.getvalue()


def _pathological() -> dict[str, tuple[bytes, str, str]]:
    """name -> (content, format, what the message says)."""
    one_text = b"text\n" + b"a" * (10 * 2**20) + b"\n"
    tiny_rows = b"text\n" + b"x\n" * 100_000
    nested_line = (b'{"a":' * 100_000) + b"1" + b"}" * 100_000
    nested_array = b"[" * 200_000 + b"]" * 200_000
    one_mb_per_row = pa.DictionaryArray.from_arrays(
        pa.array(np.zeros(1_000, dtype=np.int32)), pa.array(["a" * 2**20])
    )
    repeated = _parquet(pa.table({"text": one_mb_per_row}), compression="zstd")
    many_rows = _parquet(pa.table({"n": np.zeros(10_001, dtype=np.int64)}))
    garbage = bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8))
    return {
        "one 10 MB text": (one_text, "csv", "characters; the limit"),
        "100k tiny rows": (tiny_rows, "csv", "more than 10,000 rows"),
        "100k tiny JSON lines": (b'{"t":1}\n' * 100_000, "jsonl", "10,000 rows"),
        "deeply nested JSON line": (nested_line, "jsonl", "nested too deeply"),
        "deeply nested JSON array": (nested_array, "jsonl", "nested too deeply"),
        "Parquet repeating 1 MB per row": (repeated, "parquet", "decompresses to"),
        "Parquet with too many rows": (many_rows, "parquet", "more than 10,000"),
        "binary garbage as CSV": (garbage, "csv", "not valid utf-8"),
        "binary garbage as Parquet": (garbage, "parquet", "Not a readable Parquet"),
        "NUL bytes in latin-1": (b"text\n\x00\x01\x02\n", "csv", "looks binary"),
        "non-UTF-8 text": ("text\ncafé\n".encode("latin-1"), "csv", "not valid utf"),
        "2,000 columns": (",".join(map(str, range(2000))).encode(), "csv", "columns"),
    }


@pytest.mark.parametrize("name", list(_pathological()))
def test_pathological_uploads_give_a_message(name):
    content, fmt, message = _pathological()[name]
    with pytest.raises(DataError, match=message):
        read_bytes(content, fmt, limits=PUBLIC)


def test_a_parquet_bomb_is_refused_from_its_metadata_before_reading(monkeypatch):
    bomb = _parquet(
        pa.table({"n": np.zeros(2_000_000, dtype=np.int64)}),
        compression="zstd",
        use_dictionary=False,
    )
    assert len(bomb) < 64 * 1024  # 16 MB of zeros in a few KB
    monkeypatch.setattr(
        pq.ParquetFile, "read", lambda *a, **k: pytest.fail("read the data")
    )
    with pytest.raises(DataError, match="decompresses to 15 MB; the limit is 2 MB"):
        read_bytes(bomb, "parquet", limits=UploadLimits(max_mb=0.1))


def test_caps_leave_fitting_files_and_parquet_dtypes_as_they_were():
    frame = pd.DataFrame(
        {"text": ["a", "b"], "n": pd.array([1, None], dtype="Int64"), "x": [0.5, 1]}
    )
    read = read_bytes(_parquet(pa.Table.from_pandas(frame)), "parquet", limits=PUBLIC)
    pd.testing.assert_frame_equal(read, frame)
    rows = b"text\n" + b"x\n" * 10_000
    assert len(read_bytes(rows, "csv", limits=PUBLIC)) == 10_000
    assert len(read_bytes(b"text\n" + b"x\n" * 20_000, "csv")) == 20_000  # private
    jsonl = "\n".join(json.dumps({"text": t}) for t in ["a", "", "b"]).encode()
    assert read_bytes(jsonl, "jsonl", limits=PUBLIC)["text"].tolist() == ["a", "", "b"]


# --- CSV downloads ---------------------------------------------------------------


def test_formula_cells_are_neutralised_and_numbers_stay_numbers():
    frame = pd.DataFrame(
        {
            "text": ["=1+1", "+A1", "-cmd", "@SUM(A1)", "\tx", "\rx", "fine", None],
            "score": [-1.5, 2, -3, 0, 1, 2, 3, 4],
            "label": pd.array(["-neg", "pos", None, "=x", "a", "b", "c", "d"]),
        }
    )
    safe = neutralised(frame)
    assert safe["text"].tolist()[:7] == [
        "'=1+1",
        "'+A1",
        "'-cmd",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "fine",
    ]
    assert safe["label"].tolist()[:4] == ["'-neg", "pos", pd.NA, "'=x"]
    pd.testing.assert_series_equal(safe["score"], frame["score"])
    assert frame["text"].iloc[0] == "=1+1"  # the frame itself is untouched
    lines = safe_csv(frame).decode("utf-8").splitlines()
    assert lines[0] == "text,score,label"
    assert lines[1] == "'=1+1,-1.5,'-neg"


def test_column_names_are_neutralised_too():
    assert list(neutralised(pd.DataFrame({"=HYPERLINK()": [1]})).columns) == [
        "'=HYPERLINK()"
    ]


# --- slices per visitor -------------------------------------------------------


def test_scoped_slices_are_invisible_to_other_scopes_and_the_server(tmp_path):
    alice, bob = "a" * 24, "b" * 24
    SliceStore("fp1", tmp_path, scope=alice).save("mine", ["1", "2"])
    assert SliceStore("fp1", tmp_path, scope=bob).list() == []
    assert SliceStore("fp1", tmp_path).list() == []
    assert (
        SliceStore("fp1", tmp_path, scope=bob).adopt(
            SliceStore("fp1", tmp_path, scope=alice)
        )
        == 1
    )
    SliceStore("fp1", tmp_path, scope=bob).delete("mine")
    assert [s.name for s in SliceStore("fp1", tmp_path, scope=alice).list()] == ["mine"]


@pytest.mark.parametrize("scope", ["short", "../" * 8, "a" * 65, "a" * 20 + "/x"])
def test_malformed_scopes_are_refused(tmp_path, scope):
    with pytest.raises(LumenError, match="scope"):
        SliceStore("fp1", tmp_path, scope=scope)
