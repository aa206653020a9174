"""The shared sidebar: data and model pickers, filters, the selection."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pandas as pd
import streamlit as st

from litcore.data.dataset import ColumnMapping, is_continuous
from litcore.data.demo import DEMOS
from litcore.data.loading import MAX_FILE_MB, format_for, read_bytes
from litcore.errors import LumenError
from litcore.metrics.agreement import has_model_b
from litcore.metrics.regression import DEMO_TARGET
from litcore.session.choice import (
    DEMO_MODEL,
    DEMO_OTHER_SEED,
    TRAINED_HEAD,
    SourceChoice,
    model_title,
)
from litcore.session.columns import (
    ABS_ERROR,
    CORRECT,
    LABEL,
    LENGTH,
    ORIGIN,
    is_model_output,
)
from litcore.session.heads import LABEL_HEAD
from litcore.session.workspace import Workspace
from litcore.ui import state
from litcore.ui.formatting import count
from litcore.ui.workspace import build_workspace, session_frame
from litcore.view.filters import Filters, filter_mask
from litcore.view.links import filters_to_json
from litcore.view.selection import Selection
from litcore.view.slices import SliceStore

_NONE = "(none)"
_DELIMITERS = {"auto": None, "comma": ",", "tab": "\t", "semicolon": ";", "pipe": "|"}
# The second-model and regression-head radios: none, built-in choices, your own.
_NO_SOURCE, _OWN = "none", "own"
_HEAD_OPTIONS = {
    _NO_SOURCE: "None",
    TRAINED_HEAD: "MiniLM fine-tuned on the gold column (once; 90 s on the movies)",
    _OWN: "My regression model (folder or hub id)",
}
_MODEL_B_OPTIONS = {
    _NO_SOURCE: "None",
    DEMO_OTHER_SEED: "MiniLM fine-tuned with another seed",
    _OWN: "My model (folder or hub id)",
}


def _apply_choice(choice: SourceChoice, progress_area) -> None:
    """Builds the workspace for ``choice``; on error keeps the previous one."""
    try:
        workspace = build_workspace(choice, progress_area)
    except LumenError as error:
        st.session_state[state.LOAD_ERROR] = str(error)
        return
    st.session_state[state.SOURCE] = choice
    st.session_state[state.WORKSPACE] = workspace
    st.session_state[state.LOAD_ERROR] = None
    state.set_selection(state.selection().restrict(set(workspace.frame["id"])))


def _demo_picker(current: SourceChoice) -> SourceChoice | None:
    keys = list(DEMOS)
    key = st.selectbox(
        "Built-in dataset",
        keys,
        index=keys.index(current.demo_key) if current.demo_key in keys else 0,
        format_func=lambda k: DEMOS[k].title,
        key="pick_demo",
    )
    model_source = _model_picker(current, "demo")
    if model_source is None:
        return None
    return SourceChoice(
        demo_key=key, model_source=model_source[0], trust_remote_code=model_source[1]
    )


def _model_picker(current: SourceChoice, suffix: str) -> tuple[str, bool] | None:
    options = ["MiniLM fine-tuned on this data", "My model (folder or hub id)"]
    mode = st.radio(
        "Model",
        options,
        key=f"pick_model_mode_{suffix}",
        index=0 if current.model_source == DEMO_MODEL else 1,
    )
    if mode == options[0]:
        return DEMO_MODEL, False
    source = st.text_input(
        "Model folder or hub id",
        value="" if current.model_source == DEMO_MODEL else current.model_source,
        key=f"pick_model_path_{suffix}",
        placeholder="/path/to/model or org/name",
    ).strip()
    trust = st.checkbox(
        "Trust remote code",
        value=False,
        key=f"pick_trust_{suffix}",
        help="Runs the model repository's own Python code. Off by default.",
    )
    return (source, trust) if source else None


def _file_picker(current: SourceChoice) -> SourceChoice | None:
    st.caption(f"CSV, TSV, JSONL or Parquet, up to {MAX_FILE_MB} MB.")
    upload = st.file_uploader(
        "Upload a file",
        type=["csv", "tsv", "txt", "jsonl", "json", "parquet"],
        key="pick_upload",
    )
    path = st.text_input("…or a path on the server", key="pick_path").strip()
    delimiter = _DELIMITERS[
        st.selectbox("Delimiter", list(_DELIMITERS), key="pick_delim")
    ]
    encoding = st.selectbox(
        "Encoding", ["utf-8", "latin-1", "cp1252", "utf-16"], key="pick_encoding"
    )
    if upload is None and not path:
        return None
    try:
        if upload is not None:
            name, content = upload.name, upload.getvalue()
        else:
            name, content = path, None
        fmt = format_for(name)
        content = content if content is not None else _read_server_file(path)
        preview = read_bytes(content, fmt, delimiter=delimiter, encoding=encoding)
    except LumenError as error:
        st.error(str(error))
        return None
    mapping = _mapping_form(preview)
    if mapping is None:
        return None
    model = _model_picker(current, "file")
    if model is None:
        return None
    return SourceChoice(
        demo_key=None,
        file_name=name,
        file_bytes=content,
        file_format=fmt,
        delimiter=delimiter,
        encoding=encoding,
        mapping=mapping,
        model_source=model[0],
        trust_remote_code=model[1],
    )


def _read_server_file(path: str) -> bytes:
    file = Path(path).expanduser()
    if not file.is_file():
        raise LumenError(f"File not found on the server: {path}.")
    if file.stat().st_size > MAX_FILE_MB * 2**20:
        raise LumenError(f"{path} is over the {MAX_FILE_MB} MB limit.")
    return file.read_bytes()


def _guess(columns: list[str], names: tuple[str, ...]) -> int:
    lowered = [c.lower() for c in columns]
    return next((lowered.index(n) for n in names if n in lowered), 0)


def _mapping_form(preview: pd.DataFrame) -> ColumnMapping | None:
    columns = [str(c) for c in preview.columns]
    st.caption(f"{len(preview):,} rows · {len(columns)} columns")
    text = st.selectbox(
        "Text column",
        columns,
        key="map_text",
        index=_guess(columns, ("text", "sentence", "review", "question")),
    )
    optional = [_NONE, *columns]
    text_b = st.selectbox("Second text (pairs)", optional, key="map_text_b")
    label_index = _guess(optional, ("label", "labels", "class", "target", "gold"))
    label = st.selectbox("Label column", optional, key="map_label", index=label_index)
    used = {text, text_b, label}
    metadata = st.multiselect(
        "Metadata columns", [c for c in columns if c not in used], key="map_meta"
    )
    return ColumnMapping(
        text=text,
        text_b=None if text_b == _NONE else text_b,
        label=None if label == _NONE else label,
        metadata=tuple(metadata),
    )


def data_and_model_picker(progress_area) -> None:
    """The "Data & model" section; loads on 'Load' and on the first run."""
    current: SourceChoice = st.session_state.get(state.SOURCE) or SourceChoice()
    if state.WORKSPACE not in st.session_state and state.SOURCE not in st.session_state:
        _apply_choice(current, progress_area)
    workspace: Workspace | None = st.session_state.get(state.WORKSPACE)
    with st.expander("Data & model", expanded=workspace is None):
        kind = st.radio(
            "Data",
            ["Built-in demo", "My file"],
            horizontal=True,
            key="pick_kind",
            index=0 if current.is_demo else 1,
        )
        choice = (
            _demo_picker(current) if kind == "Built-in demo" else _file_picker(current)
        )
        if st.button(
            "Load",
            key="pick_load",
            type="primary",
            disabled=choice is None,
            width="stretch",
        ):
            _apply_choice(choice, progress_area)
    workspace = st.session_state.get(state.WORKSPACE)
    if workspace is not None:
        _compare_picker(workspace, progress_area)
        _heads_picker(st.session_state[state.WORKSPACE], progress_area)
    if st.session_state.get(state.LOAD_ERROR):
        st.error(st.session_state[state.LOAD_ERROR])
    workspace = st.session_state.get(state.WORKSPACE)
    if workspace is not None:
        _label_mapping(workspace, progress_area)


def _source_radio(
    label: str,
    titles: dict[str, str],
    loaded: tuple[str | None, bool],
    key: str,
    what: str,
    help: str | None = None,
) -> tuple[str, str | None, bool]:
    """A radio over ``titles`` (``_NO_SOURCE``, built-in sources, ``_OWN``); for
    ``_OWN``, a folder-or-hub-id box and a trust-remote-code checkbox.

    Args:
        loaded: the source loaded now (or None) and whether its code is trusted.
        key: the widgets' key prefix (``<key>_mode``, ``_path``, ``_trust``).
        what: what the model is, for the labels ("model B", "regression model").

    Returns:
        (the option picked, the source or None, trust remote code).
    """
    options = list(titles)
    source, trusted = loaded
    loaded_option = source if source in options else _OWN
    mode = st.radio(
        label,
        options,
        index=options.index(loaded_option) if source else 0,
        format_func=titles.get,
        key=f"{key}_mode",
        help=help,
    )
    if mode != _OWN:
        return mode, None if mode == _NO_SOURCE else mode, False
    typed = st.text_input(
        f"{what[0].upper()}{what[1:]} folder or hub id",
        value=source if loaded_option == _OWN and source else "",
        key=f"{key}_path",
        placeholder="/path/to/model or org/name",
    ).strip()
    trust = st.checkbox(
        f"Trust remote code ({what})",
        value=trusted,
        key=f"{key}_trust",
        help="Run Python code shipped with this model. Only for models you trust.",
    )
    return mode, typed or None, trust


def _offered(options, trainable: str, choice: SourceChoice) -> dict[str, str]:
    """A picker's options (value -> title), without the ``trainable`` one where
    the data has no training split to fine-tune it on."""
    titles = dict(options)
    if not choice.can_train_second_model:
        titles.pop(trainable)
    return titles


def _compare_picker(workspace: Workspace, progress_area) -> None:
    """The "Compare with a second model" section: pick, load or drop model B."""
    choice = workspace.choice
    loaded = choice.compare_source
    titles = _offered(_MODEL_B_OPTIONS, DEMO_OTHER_SEED, choice)
    with st.expander("Compare with a second model", expanded=loaded is not None):
        mode, source, trust = _source_radio(
            "Model B",
            titles,
            (loaded, choice.compare_trust_remote_code),
            "pick_compare",
            "model B",
            help="Model B predicts on the same data; it needs model A's classes.",
        )
        unchanged = (source, trust) == (loaded, choice.compare_trust_remote_code)
        if st.button(
            "Stop comparing" if source is None else "Load model B",
            key="pick_compare_load",
            disabled=unchanged or (mode == _OWN and source is None),
            width="stretch",
        ):
            _apply_choice(
                dataclasses.replace(
                    choice, compare_source=source, compare_trust_remote_code=trust
                ),
                progress_area,
            )
        current = st.session_state[state.WORKSPACE].choice.compare_source
        st.caption(
            f"Model B: {model_title(current)}" if current else "No second model."
        )


def _heads_picker(workspace: Workspace, progress_area) -> None:
    """The "Heads" section: add or drop a regression head; pick the head shown."""
    choice = workspace.choice
    loaded = choice.regression_source
    titles = _offered(_HEAD_OPTIONS, TRAINED_HEAD, choice)
    numeric = [
        column
        for column in workspace.data.metadata_columns
        if pd.api.types.is_numeric_dtype(workspace.data.frame[column])
    ]
    with st.expander("Heads", expanded=loaded is not None):
        st.caption(
            "A regression head predicts a number for each example (a one-output "
            "model); it sits beside the classifier, and every page shows the head "
            "picked below."
        )
        mode, source, trust = _source_radio(
            "Regression head",
            titles,
            (loaded, choice.regression_trust_remote_code),
            "pick_head",
            "regression model",
        )
        gold = None
        if mode != _NO_SOURCE and not numeric:
            st.info(
                "This data has no numeric column to compare a regression head with."
            )
        elif mode != _NO_SOURCE:
            preferred = choice.regression_gold or DEMO_TARGET
            gold = st.selectbox(
                "Gold value (a numeric column)",
                numeric,
                index=numeric.index(preferred) if preferred in numeric else 0,
                key="pick_head_gold",
            )
        wanted = (source, gold if source else None, trust)
        unchanged = wanted == (
            loaded,
            choice.regression_gold,
            choice.regression_trust_remote_code,
        )
        if st.button(
            "Remove the head" if source is None else "Add the head",
            key="pick_head_load",
            disabled=unchanged or (source is not None and gold is None),
            width="stretch",
        ):
            _apply_choice(
                dataclasses.replace(
                    choice,
                    regression_source=source,
                    regression_gold=wanted[1],
                    regression_trust_remote_code=trust,
                ),
                progress_area,
            )
        heads = st.session_state[state.WORKSPACE].heads
        if len(heads) > 1:
            titles = {head.name: head.title for head in heads}
            st.radio(
                "Head shown on every page",
                list(titles),
                format_func=titles.get,
                key=state.HEAD,
                help="Metrics, table order, colours, scalars and salience follow it.",
            )


def _label_mapping(workspace: Workspace, progress_area) -> None:
    unknown = workspace.unknown_labels
    if not unknown:
        return
    st.warning(
        f"The model does not know the label(s) {', '.join(unknown)} (its classes: "
        f"{', '.join(workspace.labels)}). Those rows have no metrics until you "
        "map them."
    )
    with st.expander("Map data labels to model classes"):
        choices = [_NONE, *workspace.labels]
        mapping = {}
        for label in unknown:
            target = st.selectbox(label, choices, key=f"label_map_{label}")
            if target != _NONE:
                mapping[label] = target
        if st.button("Apply mapping", key="label_map_apply", disabled=not mapping):
            previous = dict(workspace.choice.label_map)
            label_map = tuple({**previous, **mapping}.items())
            choice = dataclasses.replace(workspace.choice, label_map=label_map)
            _apply_choice(choice, progress_area)
            st.rerun()


def filter_widgets(workspace: Workspace) -> Filters:
    """Filter widgets over the workspace's frame; returns the Filters they describe."""
    frame = workspace.frame
    suffix = workspace.data.fingerprint[:8]
    labels = list(workspace.labels)
    with st.expander("Filters", expanded=True):
        regression = next((h for h in workspace.heads if h.is_regression), None)
        misclassified = st.toggle(
            f"Only misclassified ({LABEL_HEAD} head)"
            if regression
            else "Only misclassified",
            key=f"f_mis_{suffix}",
            disabled=CORRECT not in frame.columns,
        )
        disagree = has_model_b(frame) and st.toggle(
            "Only where the models disagree", key=f"f_disagree_{suffix}"
        )
        abs_error_above = 0.0
        if regression is not None:
            abs_error_above = st.slider(
                f"Absolute error of the {regression.name} head > t",
                0.0,
                _largest_error(frame),
                0.0,
                step=0.1,
                key=f"f_abs_{suffix}",
                help="0 keeps every example. Rows without a gold value never pass.",
            )
        gold = ()
        if LABEL in frame.columns:
            gold_values = sorted(frame[LABEL].unique())
            gold = tuple(
                st.multiselect("Gold label", gold_values, key=f"f_gold_{suffix}")
            )
        pred = tuple(st.multiselect("Predicted label", labels, key=f"f_pred_{suffix}"))
        confidence = st.slider(
            "Confidence", 0.0, 1.0, (0.0, 1.0), step=0.01, key=f"f_conf_{suffix}"
        )
        search = st.text_input(
            "Text search", key=f"f_search_{suffix}", placeholder="word or /regex/"
        )
        regex = st.checkbox("Regular expression", key=f"f_regex_{suffix}")
        categorical, numeric = _metadata_filters(frame, workspace, suffix)
        origins = sorted(session_frame(workspace)[ORIGIN].unique())
        picked_origins = st.multiselect(
            "Origin", origins, key=f"f_origin_{suffix}", help="Edited or generated rows"
        )
        if picked_origins:
            categorical[ORIGIN] = tuple(picked_origins)
    return Filters(
        misclassified,
        gold,
        pred,
        tuple(confidence),
        search,
        regex,
        categorical,
        numeric,
        disagree_only=disagree,
        abs_error_above=abs_error_above,
    )


def _largest_error(frame: pd.DataFrame) -> float:
    """The absolute-error slider's top: the largest error, rounded up a little."""
    return max(round(float(frame[ABS_ERROR].fillna(0).max()) + 0.05, 1), 0.1)


def _metadata_filters(frame, workspace: Workspace, suffix: str):
    categorical: dict[str, tuple[str, ...]] = {}
    numeric: dict[str, tuple[float, float]] = {}
    named = [*workspace.data.metadata_columns, LENGTH]
    columns = [c for c in named if not is_model_output(c)]
    for column in columns:
        values = frame[column]
        if is_continuous(values):
            low, high = float(values.min()), float(values.max())
            if low < high:
                picked = st.slider(
                    column, low, high, (low, high), key=f"f_num_{column}_{suffix}"
                )
                if picked != (low, high):
                    numeric[column] = picked
        else:
            options = sorted(values.astype(str).unique())[:200]
            picked = st.multiselect(column, options, key=f"f_cat_{column}_{suffix}")
            if picked:
                categorical[column] = tuple(picked)
    return categorical, numeric


def seed_filter_widgets(workspace: Workspace, filters: Filters) -> list[str]:
    """Sets the filter widgets' state to ``filters`` before they are drawn (links).

    Values this data lacks are dropped; returns a message naming what was dropped.
    """
    frame = workspace.frame
    suffix = workspace.data.fingerprint[:8]
    dropped: list[str] = []

    def keep(key: str, wanted: tuple[str, ...], options: set[str], what: str):
        kept = [value for value in wanted if value in options]
        if len(kept) < len(wanted):
            dropped.append(what)
        if kept:
            st.session_state[key] = kept

    st.session_state[f"f_mis_{suffix}"] = filters.misclassified_only
    if has_model_b(frame):
        st.session_state[f"f_disagree_{suffix}"] = filters.disagree_only
    elif filters.disagree_only:
        dropped.append("models disagree (no second model)")
    if ABS_ERROR in frame.columns:
        largest = _largest_error(frame)
        st.session_state[f"f_abs_{suffix}"] = min(filters.abs_error_above, largest)
    elif filters.abs_error_above:
        dropped.append("absolute error (no regression head)")
    if LABEL in frame.columns:
        keep(f"f_gold_{suffix}", filters.gold, set(frame[LABEL]), "gold label")
    keep(f"f_pred_{suffix}", filters.pred, set(workspace.labels), "predicted label")
    st.session_state[f"f_conf_{suffix}"] = filters.confidence
    st.session_state[f"f_search_{suffix}"] = filters.search
    st.session_state[f"f_regex_{suffix}"] = filters.regex
    for column, values in filters.categorical.items():
        source = session_frame(workspace) if column == ORIGIN else frame
        key = f"f_origin_{suffix}" if column == ORIGIN else f"f_cat_{column}_{suffix}"
        if column not in source.columns:
            dropped.append(column)
            continue
        keep(key, values, set(source[column].astype(str)), column)
    for column, (low, high) in filters.numeric.items():
        if column not in frame.columns or not is_continuous(frame[column]):
            dropped.append(column)
            continue
        least, most = float(frame[column].min()), float(frame[column].max())
        st.session_state[f"f_num_{column}_{suffix}"] = (
            min(max(least, low), most),
            max(min(most, high), least),
        )
    if not dropped:
        return []
    return [f"Filters this data cannot apply were dropped: {', '.join(dropped)}."]


def filtered_frame(workspace: Workspace) -> pd.DataFrame:
    """The session's rows (overlay included) that pass the filters (bad regex: all)."""
    frame = session_frame(workspace)
    try:
        mask = filter_mask(frame, state.filters())
    except LumenError as error:
        st.sidebar.error(str(error))
        return frame
    return frame[mask]


def selection_panel(workspace: Workspace, shown: pd.DataFrame) -> None:
    """Selection count (and how many filters hide), clear, previous / next, slices."""
    selection = state.selection()
    st.markdown(f"**{len(shown):,} of {len(workspace.frame):,} examples** shown")
    if not selection.ids:
        st.caption("No selection. Click a confusion-matrix cell or table rows.")
    else:
        hidden = len(set(selection.ids) - set(shown["id"]))
        note = f" ({hidden:,} hidden by filters)" if hidden else ""
        st.markdown(f"**{len(selection.ids):,} selected**{note}")
        left, middle, right = st.columns(3)
        left.button(
            "◀",
            key="sel_prev",
            help="Previous selected example",
            on_click=lambda: state.set_selection(state.selection().step_primary(-1)),
        )
        middle.button(
            "▶",
            key="sel_next",
            help="Next selected example",
            on_click=lambda: state.set_selection(state.selection().step_primary(1)),
        )
        right.button(
            "Clear",
            key="sel_clear",
            on_click=lambda: state.set_selection(state.selection().clear()),
        )
    if selection.primary:
        st.caption(f"Primary: `{selection.primary}`")
    if selection.pinned:
        st.caption(f"Pinned: `{selection.pinned}`")
    _pin_buttons(selection)
    slice_panel(workspace)


def _pin_buttons(selection: Selection) -> None:
    """Pin the primary example (to compare others with it), or unpin."""
    pin, unpin = st.columns(2)
    pin.button(
        "Pin primary",
        key="sel_pin",
        help="Keep this example marked on every page (◆ on the embeddings map) "
        "while you look at others.",
        disabled=selection.primary is None or selection.primary == selection.pinned,
        on_click=lambda: state.set_selection(
            state.selection().with_pinned(state.selection().primary)
        ),
    )
    unpin.button(
        "Unpin",
        key="sel_unpin",
        disabled=selection.pinned is None,
        on_click=lambda: state.set_selection(state.selection().with_pinned(None)),
    )


def _select_slice(workspace: Workspace, ids: tuple[str, ...]) -> None:
    known = set(session_frame(workspace)["id"])
    state.set_selection(state.selection().select(i for i in ids if i in known))


def _delete_slice(store: SliceStore, name: str) -> None:
    store.delete(name)
    st.session_state[state.SLICE_MESSAGE] = (True, f"Deleted slice '{name}'.")


def _save_slice(workspace: Workspace, source: str) -> None:
    """Saves the selection or the filtered rows under the typed name (a callback)."""
    store = SliceStore(workspace.data.fingerprint)
    name = st.session_state.get("slice_name", "")
    if source == "selection":
        ids, description = state.selection().ids, "Saved selection"
    else:
        ids = tuple(filtered_frame(workspace)["id"])
        description = f"Filter {filters_to_json(state.filters())}"
    try:
        saved = store.save(name, ids, source=source, description=description)
    except LumenError as error:
        st.session_state[state.SLICE_MESSAGE] = (False, str(error))
        return
    st.session_state["slice_name"] = ""
    st.session_state[state.SLICE_MESSAGE] = (
        True,
        f"Saved slice '{saved.name}' ({count(len(saved.ids), 'example')}).",
    )


def slice_panel(workspace: Workspace) -> None:
    """Saved slices of this dataset: click to select, delete, save new ones."""
    store = SliceStore(workspace.data.fingerprint)
    try:
        slices = store.list()
    except LumenError as error:
        st.error(str(error))
        return
    with st.expander(f"Slices ({len(slices)})", expanded=True):
        if not slices:
            st.caption("No slices yet. Name the selection or the filter to save one.")
        for index, saved in enumerate(slices):
            pick, delete = st.columns([5, 1], vertical_alignment="center")
            pick.button(
                f"{saved.name} ({len(saved.ids):,})",
                key=f"slice_pick_{index}",
                help=f"Select these examples. {saved.description}",
                on_click=_select_slice,
                args=(workspace, saved.ids),
                width="stretch",
            )
            delete.button(
                "✕",
                key=f"slice_delete_{index}",
                help=f"Delete slice '{saved.name}'",
                on_click=_delete_slice,
                args=(store, saved.name),
            )
        st.text_input(
            "New slice name", key="slice_name", placeholder="e.g. sarcasm misses"
        )
        st.button(  # one per row: side by side, the sidebar cuts the labels
            "Save selection",
            key="slice_save_selection",
            disabled=not state.selection().ids,
            on_click=_save_slice,
            args=(workspace, "selection"),
            width="stretch",
        )
        st.button(
            "Save filter",
            key="slice_save_filter",
            disabled=not state.filters().is_active(),
            help="Saves the examples the current filters show",
            on_click=_save_slice,
            args=(workspace, "filter"),
            width="stretch",
        )
        outcome = st.session_state.get(state.SLICE_MESSAGE)
        if outcome:
            (st.success if outcome[0] else st.error)(outcome[1])
            st.session_state[state.SLICE_MESSAGE] = None


def render_sidebar(progress_area) -> None:
    """Draws the whole sidebar and updates the session's workspace and filters."""
    with st.sidebar:
        data_and_model_picker(progress_area)
        workspace: Workspace | None = st.session_state.get(state.WORKSPACE)
        if workspace is None:
            return
        state.set_filters(filter_widgets(workspace))
        selection_panel(workspace, filtered_frame(workspace))
