"""Widgets that pick a model or a file, shared by the sidebar and the task pages."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

from litcore.data.loading import format_for, store_upload
from litcore.session import policy

# A source radio's options for "no model" and "the user's own model" (typed in).
NO_SOURCE, OWN = "none", "own"
_TRUST_HELP = "Runs Python code shipped with this model. Only for models you trust."


def model_source_box(
    label: str,
    key: str,
    *,
    value: str = "",
    placeholder: str = "/path/to/model or org/name",
    trust_key: str | None = None,
    trust_label: str = "Trust remote code",
    trusted: bool = False,
) -> tuple[str | None, bool]:
    """A box for a model folder or hub id, with a trust-remote-code checkbox.

    In public mode, a pick among the server's listed models instead (none
    while the list is empty), and never the checkbox.

    Args:
        label: the box's label.
        key: the box's widget key.
        value: the box's first value.
        placeholder: the box's hint while empty.
        trust_key: the checkbox's widget key; None draws no checkbox.
        trust_label: the checkbox's label.
        trusted: the checkbox's first value.

    Returns:
        (the folder or hub id typed, stripped, or None while empty; whether to
        trust the model's remote code).
    """
    rules = policy.active()
    if rules.public:
        return _listed_model_box(label, key, value, rules.offered_models), False
    source = st.text_input(label, value=value, key=key, placeholder=placeholder).strip()
    trust = trust_key is not None and st.checkbox(
        trust_label, value=trusted, key=trust_key, help=_TRUST_HELP
    )
    return source or None, trust


def _listed_model_box(
    label: str, key: str, value: str, offered: tuple[str, ...]
) -> str | None:
    """A pick among ``offered`` (public mode's models); None when there are none."""
    if not offered:
        st.caption("This public server offers no models to open here.")
        return None
    label = label.replace("folder or hub id", "from this server's list")
    index = offered.index(value) if value in offered else None
    return st.selectbox(
        label,
        offered,
        index=index,
        format_func=policy.active().shown_name,  # never the server's paths
        key=key,
        placeholder="Pick a model",
    )


def _public_titles(titles: dict[str, str]) -> dict[str, str]:
    """``titles`` in public mode: ``OWN`` is a pick from the server's list, and is
    left out when the list is empty."""
    if OWN not in titles:
        return titles
    public = {option: title for option, title in titles.items() if option != OWN}
    if policy.active().offered_models:
        public[OWN] = "A model from this server's list"
    return public


def source_radio(
    label: str,
    titles: dict[str, str],
    loaded: tuple[str | None, bool],
    key: str,
    what: str,
    help: str | None = None,
) -> tuple[str, str | None, bool]:
    """A radio over ``titles``; for ``OWN``, a ``model_source_box`` below it.

    Args:
        label: the radio's label.
        titles: option -> title: ``NO_SOURCE``, built-in model sources, ``OWN``
            (each optional).
        loaded: the source loaded now (or None) and whether its code is trusted.
        key: the widgets' key prefix (``<key>_mode``, ``_path``, ``_trust``).
        what: what the model is, for the labels ("model B", "regression model").
        help: the radio's help.

    Returns:
        (the option picked, the source or None, trust remote code); the source
        is the option itself for a built-in one, what was typed for ``OWN``, and
        None for ``NO_SOURCE``.
    """
    titles = _public_titles(titles) if policy.active().public else titles
    options = list(titles)
    source, trusted = loaded
    loaded_option = source if source in options else OWN
    shown = source and loaded_option in options
    mode = st.radio(
        label,
        options,
        index=options.index(loaded_option) if shown else 0,
        format_func=titles.get,
        key=f"{key}_mode",
        help=help,
    )
    if mode != OWN:
        return mode, None if mode == NO_SOURCE else mode, False
    typed, trust = model_source_box(
        f"{what[0].upper()}{what[1:]} folder or hub id",
        f"{key}_path",
        value=source if loaded_option == OWN and source else "",
        trust_key=f"{key}_trust",
        trust_label=f"Trust remote code ({what})",
        trusted=trusted,
    )
    return mode, typed, trust


def data_file_picker(
    label: str,
    types: Sequence[str],
    upload_key: str,
    path_key: str,
    path_label: str = "…or its path on the server",
    fmt_for: Callable[[str], str] = format_for,
) -> tuple[str, str] | None:
    """An uploader and a server-path box; the data source given in either, or None.

    An upload is stored on the server by content hash, once, and named by its
    ``upload:`` spec, which links can carry. The session keeps the spec and the
    file's name, never the bytes: the uploader is replaced by the stored file's
    name (and a button to upload another), so its file leaves session state.

    Args:
        label: the uploader's label.
        types: the file name suffixes the uploader takes.
        upload_key: the uploader's key prefix (``<upload_key>_stored`` holds the
            stored file's (name, spec)).
        path_key: the path box's key (outside public mode).
        path_label: the path box's label.
        fmt_for: an uploaded file's name -> the format it is stored as (one of
            ``litcore.store.uploads.UPLOAD_FORMATS``; default: a table's).

    Returns:
        (source, file name): the upload's spec, else the path typed; or None.

    Raises:
        DataError: an upload of an unknown type, empty or over the limit.
    """
    stored_key, round_key = f"{upload_key}_stored", f"{upload_key}_round"
    if stored_key in st.session_state:
        name, spec = st.session_state[stored_key]
        st.text(f"{label}: {name} (stored on this server)")
        st.button(
            "Upload another file",
            key=f"{upload_key}_another",
            on_click=st.session_state.pop,
            args=(stored_key,),
        )
        return spec, name
    uploader_key = f"{upload_key}_{st.session_state.get(round_key, 0)}"
    picked = _upload_or_path(label, types, uploader_key, path_key, path_label)
    if picked is None:
        return None
    upload, path = picked
    if upload is None:
        return path, path
    spec = store_upload(upload.getvalue(), upload.name, fmt_for(upload.name))
    st.session_state[stored_key] = (upload.name, spec)
    # The next run draws a new, empty uploader (this one's file is dropped), and
    # the link, written before a page runs, names the stored file.
    st.session_state[round_key] = st.session_state.get(round_key, 0) + 1
    st.rerun()


def _upload_or_path(
    label: str, types: Sequence[str], upload_key: str, path_key: str, path_label: str
) -> tuple[UploadedFile | None, str] | None:
    """The uploader and (outside public mode) the path box: (the upload or None,
    the path typed), or None while both are empty."""
    upload = st.file_uploader(label, type=list(types), key=upload_key)
    public = policy.active().public  # no server paths for a public server's visitors
    path = "" if public else st.text_input(path_label, key=path_key).strip()
    if upload is None and not path:
        return None
    return upload, path
