"""The Tasks pages in shared links: each page's model box, stored upload and text
go into the link (``litcore.view.task_links``) and come back from it.

Each page takes its widget keys from ``TASK_PAGES``, so the keys a link seeds
are the keys the page draws. In public mode a link carries a model only by hub
id (never a server path) and a recipient's page opens it only if this server
offers it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import streamlit as st

from litcore.api.errors import LumenError
from litcore.session import policy
from litcore.view.task_links import TaskView, decode_task_view, encode_task_view


@dataclass(frozen=True)
class TaskKeys:
    """A Tasks page's widget keys.

    Attributes:
        model: the model box's key.
        upload: ``data_file_picker``'s upload key (``<upload>_stored`` holds the
            stored file's (name, spec)).
        text: the page's text box, or None.
        own_model: (radio key, option) that makes the page show its model box,
            where a radio chooses between a built-in model and one's own.
    """

    model: str
    upload: str
    text: str | None = None
    own_model: tuple[str, str] | None = None


OWN_MASKED_LM = "My model folder"
TASK_PAGES = {
    "ner": TaskKeys("ner_model", "ner_file", "ner_text"),
    "generation": TaskKeys("generation_model", "generation_file", "generation_prompt"),
    "masked_lm": TaskKeys(
        "mlm_model", "mlm_file", "mlm_text", own_model=("mlm_source", OWN_MASKED_LM)
    ),
    "multilabel": TaskKeys("multilabel_model", "multilabel_file"),
}


def current_task_params(page: str) -> dict[str, str]:
    """The query parameters of ``page``'s model, stored upload and text (none for
    a page outside the Tasks)."""
    keys = TASK_PAGES.get(page)
    if keys is None:
        return {}
    state = st.session_state
    model = state.get(keys.model) or None
    if keys.own_model and state.get(keys.own_model[0]) != keys.own_model[1]:
        model = None  # the built-in model is shown
    if model is not None and policy.active().public and not policy.is_hub_id(model):
        model = None  # a server's folder: never in a link
    name, spec = state.get(f"{keys.upload}_stored") or (None, None)
    text = state.get(keys.text) if keys.text else None
    return encode_task_view(TaskView(model, spec, name, text))


def restore_task_view(page: str, params: Mapping[str, str]) -> list[str]:
    """Seeds ``page``'s widgets with the link's model, upload and text; returns
    notes on what was left out."""
    keys = TASK_PAGES.get(page)
    if keys is None:
        return []
    try:
        view = decode_task_view(params)
    except LumenError as error:
        return [str(error)]
    notes = []
    model = view.model
    rules = policy.active()
    if model is not None and rules.public and model not in rules.offered_models:
        notes.append(f"The link's model '{model}' is not offered on this server.")
        model = None
    state = st.session_state
    if model is not None:
        state[keys.model] = model
        if keys.own_model:
            state[keys.own_model[0]] = keys.own_model[1]
    if view.upload is not None:
        state[f"{keys.upload}_stored"] = (view.upload_name, view.upload)
    if view.text is not None and keys.text:
        state[keys.text] = view.text
    return notes
