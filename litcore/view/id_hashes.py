"""A fixed pseudo-random order of example ids: 64-bit FNV-1a hashes of their
UTF-8 bytes, computed a byte position at a time over all the ids at once.

The charts sample their points in this order, so a point stays drawn while
the filters or the selection change. Hashing a million ids through pandas took
about 160 ms (each Arrow string made a Python object first); ids of one width
(Lumen's own are 12 hex digits) are hashed here from a view of the Arrow bytes
in tens of ms, and the ids after them of other widths (a session's edited rows)
get the same function's hashes a byte position at a time.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

FNV_OFFSET = np.uint64(0xCBF29CE484222325)
FNV_PRIME = np.uint64(0x100000001B3)


def id_hashes(ids: pd.Series) -> np.ndarray:
    """``<uint64>[n]``: the FNV-1a hash of each id's UTF-8 bytes.

    Raises:
        ValueError: an id is missing.
    """
    strings = pc.cast(_arrow(ids), pa.large_string())
    if strings.null_count:
        raise ValueError("Every example needs an id to be hashed.")
    offsets = np.frombuffer(strings.buffers()[1], np.int64)
    offsets = offsets[strings.offset : strings.offset + len(strings) + 1]
    data = np.frombuffer(strings.buffers()[2] or b"", np.uint8)
    widths = np.diff(offsets)
    hashes = np.full(len(widths), FNV_OFFSET, np.uint64)
    # The longest first run of ids of one width (a dataset's own, before a
    # session's edited rows) is one strided view of the bytes: a column a byte.
    uneven = np.flatnonzero(widths != widths[0]) if len(widths) else []
    even = int(uneven[0]) if len(uneven) else len(widths)
    if even:
        width, start = int(widths[0]), offsets[0]
        block = data[start : start + width * even].reshape(even, width)
        for byte in np.ascontiguousarray(block.T):
            hashes[:even] ^= byte
            hashes[:even] *= FNV_PRIME
    for position in range(int(widths[even:].max(initial=0))):
        rows = even + np.flatnonzero(widths[even:] > position)
        hashes[rows] = (hashes[rows] ^ data[offsets[rows] + position]) * FNV_PRIME
    return hashes


def _arrow(ids: pd.Series) -> pa.Array:
    """``ids`` as one Arrow array (Arrow-backed columns are not copied)."""
    array = pa.array(ids, from_pandas=True)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array
