"""Shareable links in the UI: restore the URL's view once, rewrite the URL each run.

``restore_from_url`` runs before the sidebar on a session's first run (so the
filter widgets start from the link); ``write_url`` runs after it on every run,
because Streamlit clears the query string when the user changes pages.
"""

from __future__ import annotations

import dataclasses
from urllib.parse import urlencode, urlsplit

import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.demo import DEMOS
from litcore.data.loading import source_name
from litcore.metrics.agreement import ComparisonError
from litcore.session import policy
from litcore.session.choice import SourceChoice
from litcore.session.policy import BUILT_IN_MODELS
from litcore.session.workspace import HeadError, Workspace
from litcore.store.uploads import is_upload_spec
from litcore.ui import state
from litcore.ui.escape import plain
from litcore.ui.sidebar import seed_filter_widgets
from litcore.ui.slices import adopt_shared_slices, session_slices, slice_scope
from litcore.ui.startup_link import STARTUP_DATA, is_startup_data, startup_data_choice
from litcore.ui.task_links import current_task_params, restore_task_view
from litcore.ui.workspace import build_workspace
from litcore.view.filters import Filters
from litcore.view.links import (
    FILE_PREFIX,
    UploadView,
    ViewLink,
    decode_link,
    encode_link,
)
from litcore.view.links import resolve_selection as resolve_link_selection

# How a link names a public server's own (startup) model, whose path it never shows.
SERVER_MODEL = "server"


def _link_model(source: str | None) -> str | None:
    """How a link names a model: a public server's own model by ``SERVER_MODEL``,
    never by its path."""
    rules = policy.active()
    if source is None or not rules.public or source in BUILT_IN_MODELS:
        return source
    return SERVER_MODEL if source in rules.startup_models else source


def _model_from_link(name: str | None) -> str | None:
    """The model a link's name stands for (``SERVER_MODEL``: the server's own)."""
    if name != SERVER_MODEL:
        return name
    own = sorted(policy.active().startup_models - BUILT_IN_MODELS)
    if not own:
        raise LumenError("The link names the server's own model, but it has none.")
    return own[0]


def _choice_for(link: ViewLink) -> SourceChoice:
    head, gold = link.regression_head or (None, None)
    models = {
        "model_source": _model_from_link(link.model),
        "compare_source": _model_from_link(link.compare_model),
        "regression_source": _model_from_link(head),
        "regression_gold": gold,
    }
    if link.upload is not None:  # the upload's store reports an expired one
        return SourceChoice(
            demo_key=None,
            file_name=link.upload.name,
            data_source=link.dataset,
            delimiter=link.upload.delimiter,
            encoding=link.upload.encoding,
            mapping=link.upload.mapping,
            **models,
        )
    if link.dataset == STARTUP_DATA:
        return startup_data_choice(**models)
    if link.dataset.startswith(FILE_PREFIX):
        name = link.dataset[len(FILE_PREFIX) :]
        raise LumenError(
            f"This link was made on an uploaded file ('{name}'). Upload it again in "
            "'Data & model'; the demo is shown meanwhile."
        )
    if link.dataset not in DEMOS:
        raise LumenError(
            f"The link names an unknown dataset '{link.dataset}'; the demo is shown."
        )
    return SourceChoice(demo_key=link.dataset, **models)


def _build_leaving_out_what_fails(
    choice: SourceChoice, progress_area, notes: list[str]
) -> tuple[SourceChoice, Workspace]:
    """Builds ``choice``'s workspace, dropping model B or the regression head
    (with a note each) when that part alone fails."""
    while True:
        try:
            return choice, build_workspace(choice, progress_area)
        except ComparisonError as error:
            notes.append(f"{error} The link is shown without model B.")
            choice = dataclasses.replace(choice, compare_source=None)
        except HeadError as error:
            notes.append(f"{error} The link is shown without the regression head.")
            choice = dataclasses.replace(
                choice, regression_source=None, regression_gold=None
            )


def _apply(link: ViewLink, progress_area) -> list[str]:
    """Loads the link's data and model(s), seeds filters and selection; returns notes.

    A second model or a regression head that cannot be loaded is left out,
    with a note.
    """
    notes: list[str] = []
    choice, workspace = _build_leaving_out_what_fails(
        _choice_for(link), progress_area, notes
    )
    if link.shown_head in {head.name for head in workspace.heads}:
        st.session_state[state.HEAD] = link.shown_head
    st.session_state[state.SOURCE] = choice
    st.session_state[state.WORKSPACE] = workspace
    ids = workspace.frame["id"].tolist()
    selection, messages = resolve_link_selection(link, workspace.data.fingerprint, ids)
    state.set_selection(selection)
    if link.slice_scope is not None:
        adopt_shared_slices(workspace.data.fingerprint, link.slice_scope)
    return notes + messages + seed_filter_widgets(workspace, link.filters)


def restore_from_url(navigation, progress_area) -> None:
    """Applies the view a shared link describes, once per session; notes problems.

    Args:
        navigation: the current page (what ``st.navigation`` returned).
        progress_area: where loading shows its progress.
    """
    if st.session_state.get(state.LINK_APPLIED):
        return
    st.session_state[state.LINK_APPLIED] = True
    messages: list[str] = []
    link = None
    try:
        params = st.query_params.to_dict()
        link = decode_link(params)
        if link is not None:
            messages = _apply(link, progress_area)
            messages += restore_task_view(link.page, params)
    except LumenError as error:
        messages = [str(error)]
    st.session_state[state.LINK_MESSAGES] = messages
    if link is not None and link.page and link.page != navigation.url_path:
        try:
            st.switch_page(f"pages/{link.page}.py")
        except st.errors.StreamlitAPIException:
            messages.append(f"The link's page '{link.page}' does not exist.")


def show_link_messages() -> None:
    """What could not be restored from a link, until the user dismisses it."""
    messages = st.session_state.get(state.LINK_MESSAGES) or []
    if not messages:
        return
    box = st.warning("Shared link: " + plain(" ".join(messages)), icon="🔗")
    if st.button("Dismiss", key="link_dismiss"):
        st.session_state[state.LINK_MESSAGES] = []
        box.empty()
        st.rerun()


def current_params(workspace: Workspace, page: str) -> dict[str, str]:
    """The query parameters describing this session's view on ``page``."""
    choice = workspace.choice
    upload = None
    if choice.data_source is not None and is_upload_spec(choice.data_source):
        dataset = choice.data_source
        upload = UploadView(
            source_name(choice.file_name or "upload"),
            choice.mapping,
            choice.delimiter,
            choice.encoding,
        )
    elif is_startup_data(choice):
        dataset = STARTUP_DATA
    else:
        dataset = choice.demo_key or f"{FILE_PREFIX}{_file_title(choice)}"
    scope = slice_scope()
    has_slices = scope is not None and session_slices(workspace.data.fingerprint).list()
    filters: Filters = state.filters()
    view = (
        dataset,
        _link_model(choice.model_source),
        page,
        workspace.data.fingerprint,
        filters,
        state.selection(),
    )
    rest = (
        _link_model(choice.compare_source),
        (_link_model(choice.regression_source), choice.regression_gold)
        if workspace.regressor is not None
        else None,
        st.session_state.get(state.HEAD),
        upload,
        scope if has_slices else None,
    )
    # Packing the selection reads every id: once per view, not on every run.
    return state.kept_while_same(
        "link_params",
        (workspace,),
        (view, rest),
        lambda: encode_link(*view, workspace.frame["id"], *rest),
    )


def _file_title(choice: SourceChoice) -> str:
    """A file's name for a link that cannot reopen it: never its server path."""
    return source_name(choice.file_name or "data")


def write_url(navigation) -> None:
    """Rewrites the query string with the current view (page switches clear it).

    Also draws the sidebar's copy-link box and any message about the link the
    session was opened with.
    """
    show_link_messages()
    workspace: Workspace | None = st.session_state.get(state.WORKSPACE)
    if workspace is None:
        return
    params = link_params(workspace, navigation.url_path)
    if st.query_params.to_dict() != params:
        st.query_params.from_dict(params)
    with st.sidebar.popover("🔗 Copy link", width="stretch"):
        st.caption("A link to this page, its filters and selection:")
        st.code(
            share_url(workspace, navigation.url_path), language=None, wrap_lines=True
        )


def share_url(workspace: Workspace, page: str) -> str:
    """The full link to ``page`` with this session's view."""
    parts = urlsplit(st.context.url or "")
    base = f"{parts.scheme}://{parts.netloc}" if parts.netloc else ""
    return f"{base}/{page}?{urlencode(link_params(workspace, page))}"


def link_params(workspace: Workspace, page: str) -> dict[str, str]:
    """``current_params`` and, on a Tasks page, its model, upload and text."""
    return {**current_params(workspace, page), **current_task_params(page)}
