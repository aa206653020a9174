"""The Tasks pages' part of a link: encoded and decoded exactly, never trusted."""

from __future__ import annotations

import pytest

from litcore.api.errors import LumenError
from litcore.view.task_links import (
    MAX_TEXT_CHARS,
    TaskView,
    decode_task_view,
    encode_task_view,
)

SPEC = "upload:" + "a" * 64 + ".conll"


def test_a_view_round_trips_and_an_empty_one_adds_nothing():
    view = TaskView("org/ner-model", SPEC, "gold.txt", "john loves mary\nand paris")
    params = encode_task_view(view)
    assert params == {
        "tmodel": "org/ner-model",
        "tfile": SPEC,
        "tname": "gold.txt",
        "ttext": "john loves mary\nand paris",
    }
    assert decode_task_view(params) == view
    assert encode_task_view(TaskView()) == {}
    assert decode_task_view({"data": "movies"}) == TaskView()


def test_a_file_without_its_name_is_called_upload_and_a_name_alone_is_dropped():
    assert decode_task_view({"tfile": SPEC}).upload_name == "upload"
    assert decode_task_view({"tname": "gold.txt"}) == TaskView()
    assert encode_task_view(TaskView(upload_name="gold.txt")) == {}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"tfile": "/etc/passwd"}, "not a stored upload"),
        ({"tfile": "file:/etc/passwd"}, "not a stored upload"),
        ({"tfile": "upload:../../etc.csv"}, "damaged upload reference"),
        ({"tfile": SPEC, "tname": "../x/gold.txt"}, "file name for this page"),
        ({"tfile": SPEC, "tname": "a\\b"}, "file name for this page"),
        ({"tmodel": "org/model\x00"}, "control characters"),
        ({"tmodel": "x" * 301}, "over 300 characters"),
        ({"ttext": "x" * (MAX_TEXT_CHARS + 1)}, "over 2,000 characters"),
        ({"ttext": "bell\x07"}, "control characters"),
    ],
)
def test_malformed_parts_are_refused_with_a_message(params, message):
    with pytest.raises(LumenError, match=message):
        decode_task_view(params)
