"""A read-only matrix kept in files, read a few rows at a time.

A million-row run's embedding is 0.75 GB of float16 spread over one Arrow file
per shard. Joined in memory it was the largest thing the server held (peak
2.3 GB); its pages memory-mapped stay resident once touched. ``DiskRows``
reads only the rows asked for, with ``os.preadv`` into a fresh array: a block
read costs its own size, and nothing of the file stays in the process.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

# Two wanted rows at most this many rows apart are read in one span (the rows
# between are read and dropped) rather than by two reads.
SPAN_GAP = 64
# ``np.asarray(rows, dtype)`` reads and converts this many rows at a time.
CONVERT_BLOCK = 8_192


@dataclass(frozen=True)
class FilePiece:
    """Consecutive rows stored row-major (C order) in one file.

    Attributes:
        path: the file.
        offset: where the first row starts, in bytes.
        rows: how many rows.
    """

    path: Path
    offset: int
    rows: int


class DiskRows:
    """``<dtype>[rows, width]``: the rows of ``pieces`` one after the other.

    Indexing reads from the files: a row (``m[i]``), a slice of rows
    (``m[a:b]``) or rows by position (``m[[5, 2]]``, any order, repeats
    allowed), each a new array. ``np.asarray(m)`` reads every row.
    """

    ndim = 2

    def __init__(self, pieces: Sequence[FilePiece], width: int, dtype) -> None:
        self.pieces = tuple(pieces)
        self.dtype = np.dtype(dtype)
        self.shape = (sum(piece.rows for piece in self.pieces), width)
        self._starts = np.cumsum([0, *(piece.rows for piece in self.pieces)])
        self._row_bytes = width * self.dtype.itemsize

    def __len__(self) -> int:
        return self.shape[0]

    def __repr__(self) -> str:
        return f"DiskRows({self.shape}, {self.dtype}, {len(self.pieces)} files)"

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        """Every row, as ``dtype``: converted a block at a time, so a float32
        copy of a million float16 rows (1.5 GB) needs no float16 one beside it."""
        dtype = self.dtype if dtype is None else np.dtype(dtype)
        if dtype == self.dtype:
            return self._span(0, len(self))
        out = np.empty(self.shape, dtype)
        for start in range(0, len(self), CONVERT_BLOCK):
            stop = min(start + CONVERT_BLOCK, len(self))
            out[start:stop] = self._span(start, stop)
        return out

    def __getitem__(self, key) -> np.ndarray:
        if isinstance(key, (int, np.integer)):
            row = int(key) + len(self) if key < 0 else int(key)
            if not 0 <= row < len(self):
                raise IndexError(f"row {key} out of range for {len(self)} rows")
            return self._span(row, row + 1)[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(len(self))
            if step == 1:
                return self._span(start, max(start, stop))
            key = np.arange(start, stop, step)
        positions = np.asarray(key)
        if positions.ndim != 1 or not (
            np.issubdtype(positions.dtype, np.integer) or positions.size == 0
        ):
            raise TypeError(
                "DiskRows takes a row, a slice or a 1-D list of row positions."
            )
        return self._taken(positions.astype(np.int64))

    def _taken(self, positions: np.ndarray) -> np.ndarray:
        """The rows at ``positions`` (in that order), read in spans of nearby rows."""
        positions = np.where(positions < 0, positions + len(self), positions)
        if len(positions) and (positions.min() < 0 or positions.max() >= len(self)):
            raise IndexError(f"row positions out of range for {len(self)} rows")
        wanted = np.unique(positions)
        out = np.empty((len(wanted), self.shape[1]), self.dtype)
        for first, last in _spans(wanted):
            span = self._span(int(wanted[first]), int(wanted[last - 1]) + 1)
            out[first:last] = span[wanted[first:last] - wanted[first]]
        return out[np.searchsorted(wanted, positions)]

    def _span(self, start: int, stop: int) -> np.ndarray:
        """Rows ``start`` to ``stop`` (exclusive) read from their files."""
        out = np.empty((stop - start, self.shape[1]), self.dtype)
        for path, offset, first, rows in self._pieces_within(start, stop):
            target = memoryview(out[first - start : first - start + rows]).cast("B")
            _read_exactly(path, offset, target)
        return out

    def _pieces_within(
        self, start: int, stop: int
    ) -> Iterator[tuple[Path, int, int, int]]:
        """(file, byte offset, first row, rows) of each piece's share of the rows."""
        index = int(np.searchsorted(self._starts, start, side="right")) - 1
        while start < stop:
            piece, piece_start = self.pieces[index], int(self._starts[index])
            rows = min(stop, piece_start + piece.rows) - start
            offset = piece.offset + (start - piece_start) * self._row_bytes
            yield piece.path, offset, start, rows
            start += rows
            index += 1


def _spans(sorted_rows: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index ranges of ``sorted_rows`` whose neighbours lie at
    most ``SPAN_GAP`` rows apart."""
    breaks = np.flatnonzero(np.diff(sorted_rows) > SPAN_GAP) + 1
    bounds = [0, *breaks.tolist(), len(sorted_rows)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _read_exactly(path: Path, offset: int, target: memoryview) -> None:
    """Fills ``target`` with the bytes of ``path`` from ``offset``.

    Raises:
        OSError: the file ends first (it changed after the run was opened).
    """
    descriptor = os.open(path, os.O_RDONLY)
    try:
        done = 0
        while done < len(target):
            read = os.preadv(descriptor, [target[done:]], offset + done)
            if read == 0:
                raise OSError(f"{path} ended {len(target) - done} bytes early.")
            done += read
    finally:
        os.close(descriptor)
