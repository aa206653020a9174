"""The ids' sampling order: FNV-1a hashes of their UTF-8 bytes, exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from litcore.view.id_hashes import id_hashes


def fnv1a(text: str) -> int:
    """64-bit FNV-1a of ``text``'s UTF-8 bytes, one byte at a time."""
    value = 0xCBF29CE484222325
    for byte in text.encode("utf-8"):
        value = ((value ^ byte) * 0x100000001B3) % 2**64
    return value


def test_known_values():
    # The published FNV-1a 64 test vectors: "" and "a".
    hashes = id_hashes(pd.Series(["", "a", "foobar"]))
    assert hashes.tolist() == [
        0xCBF29CE484222325,
        0xAF63DC4C8601EC8C,
        0x85944171F73967E8,
    ]


@pytest.mark.parametrize("dtype", [object, "string[pyarrow]"])
def test_ids_of_one_width_then_others_hash_as_one_at_a_time(dtype):
    ids = [
        "0a1b2c3d4e5f",
        "ffffffffffff",
        "000000000000",
        "edit-1",
        "é€ü",
        "",
        "x" * 40,
    ]
    hashes = id_hashes(pd.Series(ids, dtype=dtype))
    assert hashes.dtype == np.uint64
    assert hashes.tolist() == [fnv1a(i) for i in ids]


def test_a_slice_of_rows_hashes_as_the_whole_did():
    ids = pd.Series([f"{i:012x}" for i in range(100)], dtype="string[pyarrow]")
    assert (id_hashes(ids.iloc[40:60]) == id_hashes(ids)[40:60]).all()
    assert id_hashes(ids.iloc[:0]).tolist() == []


def test_a_missing_id_is_refused():
    with pytest.raises(ValueError, match="id"):
        id_hashes(pd.Series(["a", None], dtype="string[pyarrow]"))
