"""The sidebar's "Run folder" source: a run written by ``lumen-nlp predict --out``,
opened with its stored predictions (``litcore.store.run``). Not offered in public
mode, where only the deployer's startup run (``--run``, ``$LUMEN_RUN``) opens."""

from __future__ import annotations

import streamlit as st

from litcore.api.errors import LumenError
from litcore.session.choice import SourceChoice
from litcore.session.startup import run_choice
from litcore.store.run import read_manifest

RUN_KIND = "Run folder"
RUN_BOX = "pick_run"  # the folder's text box


def run_picker() -> SourceChoice | None:
    """A folder box; the run's size and model under it, or why it is not a run."""
    folder = st.text_input(
        "Run folder",
        key=RUN_BOX,
        placeholder="/path/to/run (lumen-nlp predict ... --out RUN_DIR)",
    ).strip()
    if not folder:
        return None
    try:
        choice = run_choice(folder)
    except LumenError as error:
        st.error(str(error))
        return None
    manifest = read_manifest(folder)
    st.caption(
        f"{manifest.rows:,} examples predicted by {manifest.model} "
        f"({len(manifest.shards)} shard(s)); the model loads when a page needs it."
    )
    return choice
