"""CSV downloads that a spreadsheet cannot run as formulas.

A spreadsheet reads a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a
tab or carriage return, which some strip before looking) as a formula, so a
text from a dataset can run one on the machine of whoever opens the download
("CSV injection", OWASP). Every download goes through ``safe_csv``, which
prefixes such text cells with ``'``. Only text is touched: numbers stay
numbers, negative ones included.
"""

from __future__ import annotations

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value: object) -> object:
    """``value`` prefixed with ``'`` when it is text a spreadsheet would run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells and column names cannot run as
    formulas; numeric, boolean and date columns are left as they are."""
    safe = frame.rename(columns=neutralise_cell)
    for position in range(safe.shape[1]):
        column = safe.iloc[:, position]
        if not _is_plain_data(column):
            safe.isetitem(position, column.map(neutralise_cell))
    return safe


def safe_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV bytes (no index), neutralised for spreadsheets."""
    return neutralised(frame).to_csv(index=False).encode("utf-8")


def _is_plain_data(column: pd.Series) -> bool:
    """Whether a column holds no text at all (numbers, booleans, dates)."""
    return (
        pd.api.types.is_numeric_dtype(column)
        or pd.api.types.is_bool_dtype(column)
        or pd.api.types.is_datetime64_any_dtype(column)
    )
