"""The "My file" column mapping: which column is the text, the second text, the
label and the metadata."""

from __future__ import annotations

import streamlit as st

from litcore.data.dataset import ColumnMapping
from litcore.ui.workspace import source_table

NONE = "(none)"  # the choice of no column


def _guess(columns: list[str], names: tuple[str, ...]) -> int:
    lowered = [c.lower() for c in columns]
    return next((lowered.index(n) for n in names if n in lowered), 0)


@st.cache_data(show_spinner=False, max_entries=8)
def source_shape(
    source: str, delimiter: str | None, encoding: str
) -> tuple[list[str], int]:
    """The column names and row count of ``source_table``: what the mapping form
    needs, without a copy of the whole table on every run (``st.cache_data``
    gives each caller its own)."""
    table = source_table(source, delimiter, encoding)
    return [str(c) for c in table.columns], len(table)


def mapping_form(columns: list[str], n_rows: int) -> ColumnMapping | None:
    """Select boxes that map a file's columns to text, second text, label and
    metadata, with guesses from common column names."""
    st.caption(f"{n_rows:,} rows · {len(columns)} columns")
    text = st.selectbox(
        "Text column",
        columns,
        key="map_text",
        index=_guess(columns, ("text", "sentence", "review", "question")),
    )
    optional = [NONE, *columns]
    text_b = st.selectbox("Second text (pairs)", optional, key="map_text_b")
    label_index = _guess(optional, ("label", "labels", "class", "target", "gold"))
    label = st.selectbox("Label column", optional, key="map_label", index=label_index)
    used = {text, text_b, label}
    metadata = st.multiselect(
        "Metadata columns", [c for c in columns if c not in used], key="map_meta"
    )
    return ColumnMapping(
        text=text,
        text_b=None if text_b == NONE else text_b,
        label=None if label == NONE else label,
        metadata=tuple(metadata),
    )
