"""The pages' CSV downloads: neutralised for spreadsheets, no rerun on a click."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from litcore.view.csv_safe import safe_csv


def csv_download(
    label: str,
    rows: pd.DataFrame | Callable[[], pd.DataFrame],
    file_name: str,
    key: str,
    help: str | None = None,
) -> None:
    """A button that downloads ``rows`` as CSV (``safe_csv``); given a callable,
    the rows are made when the button is clicked.

    A click reruns nothing: a download changes no state, and a rerun racing the
    browser's fetch of a file made on click could leave it with nothing.
    """
    data = (lambda: safe_csv(rows())) if callable(rows) else safe_csv(rows)
    st.download_button(
        label,
        data,
        file_name=file_name,
        mime="text/csv",
        key=key,
        help=help,
        on_click="ignore",
    )
