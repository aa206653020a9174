"""Reading files: formats, and a clear DataError for each kind of bad input."""

import pandas as pd
import pytest

from litcore.api.errors import DataError
from litcore.data.loading import MAX_FILE_MB, format_for, read_bytes, read_path


def test_reads_csv_tsv_jsonl_and_parquet(tmp_path):
    frame = pd.DataFrame({"text": ["good film", "bad film"], "label": ["pos", "neg"]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    frame.to_csv(tmp_path / "d.tsv", sep="\t", index=False)
    frame.to_json(tmp_path / "d.jsonl", orient="records", lines=True)
    frame.to_parquet(tmp_path / "d.parquet")
    for name in ("d.csv", "d.tsv", "d.jsonl", "d.parquet"):
        read = read_path(tmp_path / name)
        assert read["text"].tolist() == ["good film", "bad film"], name
        assert read["label"].tolist() == ["pos", "neg"], name


def test_json_array_is_accepted():
    read = read_bytes(b'[{"text": "a"}, {"text": "b"}]', "jsonl")
    assert read["text"].tolist() == ["a", "b"]


def test_unknown_suffix_is_refused():
    with pytest.raises(DataError, match="Unknown file type"):
        format_for("data.xlsx")


def test_missing_and_empty_files(tmp_path):
    with pytest.raises(DataError, match="File not found"):
        read_path(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(DataError, match="empty"):
        read_path(tmp_path / "empty.csv")


def test_wrong_delimiter_is_named():
    content = b"text;label\ngood;pos\nbad;neg\n"
    with pytest.raises(DataError, match="delimiter looks like ';'"):
        read_bytes(content, "csv")
    assert read_bytes(content, "csv", delimiter=";").columns.tolist() == [
        "text",
        "label",
    ]


def test_non_utf8_file_says_what_to_do():
    content = "text,label\ncaf\xe9,pos\n".encode("latin-1")
    with pytest.raises(DataError, match="not valid utf-8.*latin-1"):
        read_bytes(content, "csv")
    assert read_bytes(content, "csv", encoding="latin-1")["text"][0] == "café"


def test_bad_json_line_is_located():
    with pytest.raises(DataError, match="Line 2 is not valid JSON"):
        read_bytes(b'{"text": "a"}\n{"text": \n', "jsonl")


def test_file_over_the_limit_is_refused():
    too_big = b"x" * (MAX_FILE_MB * 1024 * 1024 + 1)
    with pytest.raises(DataError, match=f"limit is {MAX_FILE_MB} MB"):
        read_bytes(too_big, "csv")


def test_unparseable_parquet():
    with pytest.raises(DataError, match="Parquet"):
        read_bytes(b"not parquet at all", "parquet")
