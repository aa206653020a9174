"""The selection shared by every view: selected ids, the primary and the pinned id.

Plain data, no Streamlit: ``litcore/ui/state.py`` keeps one of these per session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


@dataclass(frozen=True)
class Selection:
    """Selected example ids (in order), the primary example and the pinned one."""

    ids: tuple[str, ...] = ()
    primary: str | None = None
    pinned: str | None = None

    def select(self, ids: Iterable[str]) -> Selection:
        """Selects ``ids`` (deduplicated); the primary becomes the first unless kept."""
        unique = tuple(dict.fromkeys(ids))
        primary = (
            self.primary if self.primary in unique else (unique[0] if unique else None)
        )
        return replace(self, ids=unique, primary=primary)

    def with_primary(self, example_id: str | None) -> Selection:
        return replace(self, primary=example_id)

    def with_pinned(self, example_id: str | None) -> Selection:
        return replace(self, pinned=example_id)

    def clear(self) -> Selection:
        return Selection(pinned=self.pinned)

    def step_primary(self, offset: int) -> Selection:
        """Moves the primary ``offset`` places through the selection, wrapping round."""
        if not self.ids:
            return self
        current = self.ids.index(self.primary) if self.primary in self.ids else -offset
        return replace(self, primary=self.ids[(current + offset) % len(self.ids)])

    def restrict(self, known_ids: set[str]) -> Selection:
        """Drops ids not in ``known_ids`` (after a dataset change or a stale link)."""
        return Selection(
            ids=tuple(i for i in self.ids if i in known_ids),
            primary=self.primary if self.primary in known_ids else None,
            pinned=self.pinned if self.pinned in known_ids else None,
        )


def member_mask(
    ids: pd.Series | Iterable[str], wanted: pd.Series | Iterable[str]
) -> np.ndarray:
    """``<bool>[len(ids)]``: which of ``ids`` are among ``wanted``.

    ``ids`` in one of pandas' Arrow-backed string columns are matched by Arrow's
    ``is_in`` on the column itself (60 ms for a million ids, where converting
    them to Python strings and hashing those took 290 ms; ``Series.isin`` 580
    ms); other ids are hashed as Python strings. A wanted value that is not a
    string (a forged chart event, say) matches nothing.
    """
    wanted = _objects(wanted)
    if isinstance(ids, pd.Series) and _arrow_strings(ids):
        column = pa.array(ids.array)  # no copy for a column of one chunk
        strings = [value for value in wanted if isinstance(value, str)]
        found = pc.is_in(column, value_set=pa.array(strings, type=column.type))
        return pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    values = pd.Series(_objects(ids), dtype=object, copy=False)
    return values.isin(wanted).to_numpy()


def _arrow_strings(values: pd.Series) -> bool:
    dtype = values.dtype
    return isinstance(dtype, pd.StringDtype) and dtype.storage == "pyarrow"


def rows_with_ids(frame: pd.DataFrame, ids: Iterable[str]) -> pd.DataFrame:
    """The rows of ``frame`` (with an ``id`` column) whose id is among ``ids``."""
    return frame[member_mask(frame["id"], ids)]


def _objects(values: pd.Series | Iterable[str]) -> np.ndarray:
    if isinstance(values, pd.Series):
        return values.to_numpy(dtype=object)
    return np.fromiter(values, dtype=object)
