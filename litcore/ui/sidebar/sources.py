"""The sidebar's sources: data and model pickers, a second model, heads, and
the mapping of data labels to model classes."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.data.demo import DEMOS
from litcore.data.loading import MAX_FILE_MB, source_name
from litcore.metrics.regression import DEMO_TARGET
from litcore.session import policy
from litcore.session.choice import (
    DEMO_MODEL,
    DEMO_OTHER_SEED,
    TRAINED_HEAD,
    SourceChoice,
)
from litcore.session.workspace import Workspace
from litcore.ui import state
from litcore.ui.escape import plain, plain_list
from litcore.ui.formatting import model_name
from litcore.ui.pickers import NO_SOURCE, OWN, data_file_picker, source_radio
from litcore.ui.sidebar.column_mapping import NONE, mapping_form, source_shape
from litcore.ui.sidebar.run_source import RUN_BOX, RUN_KIND, run_picker
from litcore.ui.startup_link import server_startup_choice
from litcore.ui.workspace import build_workspace

_DATASET_BOX = "pick_hf"  # the "My file" box for a dataset read by litcore.data
_DELIMITERS = {"auto": None, "comma": ",", "tab": "\t", "semicolon": ";", "pipe": "|"}
# The model radios' options: none, built-in choices, your own.
_MODEL_OPTIONS = {
    DEMO_MODEL: "MiniLM fine-tuned on this data",
    OWN: "My model (folder or hub id)",
}
_HEAD_OPTIONS = {
    NO_SOURCE: "None",
    TRAINED_HEAD: "MiniLM fine-tuned on the gold column (once; 90 s on the movies)",
    OWN: "My regression model (folder or hub id)",
}
_MODEL_B_OPTIONS = {
    NO_SOURCE: "None",
    DEMO_OTHER_SEED: "MiniLM fine-tuned with another seed",
    OWN: "My model (folder or hub id)",
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


def open_first_choice(progress_area) -> None:
    """Opens the server's startup choice, else the built-in demo, on a session's
    first run (unless a shared link opened one), as the Load button does.

    A startup choice that fails leaves the session empty with the error shown
    (the sidebar still offers every source); the demo is not trained instead.
    """
    if state.WORKSPACE in st.session_state or state.SOURCE in st.session_state:
        return
    try:
        startup = server_startup_choice()
    except LumenError as error:
        startup = SourceChoice(demo_key=None)
        st.session_state[state.LOAD_ERROR] = str(error)
    else:
        _apply_choice(startup or SourceChoice(), progress_area)
    if startup is not None:
        st.session_state.setdefault(state.SOURCE, startup)
        _seed_source_widgets(startup)


def _seed_source_widgets(choice: SourceChoice) -> None:
    """Shows a startup source (a path or an ``hf:`` spec) in the dataset box."""
    if choice.data_source is not None:
        st.session_state[_DATASET_BOX] = choice.data_source
    if choice.run_source is not None:
        st.session_state[RUN_BOX] = choice.run_source


def _revision_for(current: SourceChoice, model_source: str) -> str | None:
    """The revision to keep: the current one while the model stays the same."""
    return current.revision if model_source == current.model_source else None


def _demo_picker(current: SourceChoice) -> SourceChoice | None:
    keys = list(DEMOS)
    key = st.selectbox(
        "Built-in dataset",
        keys,
        index=keys.index(current.demo_key) if current.demo_key in keys else 0,
        format_func=lambda k: DEMOS[k].title,
        key="pick_demo",
    )
    model_source, trust = _model_picker(current, "demo")
    if model_source is None:
        return None
    return SourceChoice(
        demo_key=key,
        model_source=model_source,
        revision=_revision_for(current, model_source),
        trust_remote_code=trust,
    )


def _model_picker(current: SourceChoice, suffix: str) -> tuple[str | None, bool]:
    """Model A: the demo recipe or the user's own; (source or None, trust code)."""
    _, source, trust = source_radio(
        "Model",
        _MODEL_OPTIONS,
        (current.model_source, current.trust_remote_code),
        f"pick_model_{suffix}",
        "model",
    )
    return source, trust


def _file_picker(current: SourceChoice) -> SourceChoice | None:
    rules = policy.active()
    limit_mb = rules.max_upload_mb if rules.public else MAX_FILE_MB
    st.caption(f"CSV, TSV, JSONL or Parquet, up to {limit_mb} MB.")
    file_area = st.container()  # above the format options, drawn after them
    delimiter = _DELIMITERS[
        st.selectbox("Delimiter", list(_DELIMITERS), key="pick_delim")
    ]
    encoding = st.selectbox(
        "Encoding", ["utf-8", "latin-1", "cp1252", "utf-16"], key="pick_encoding"
    )
    try:
        with file_area:
            file = data_file_picker(
                "Upload a file",
                ["csv", "tsv", "txt", "jsonl", "json", "parquet"],
                "pick_upload",
                "pick_path",
                "…or a path on the server",
            )
            dataset = "" if rules.public else _dataset_box()
        if file is not None:
            source, name = file
        elif dataset:
            source, name = dataset, source_name(dataset)
        else:
            return None
        columns, n_rows = source_shape(source, delimiter, encoding)
        data = {"file_name": name, "data_source": source}
    except LumenError as error:
        st.error(plain(error))
        return None
    mapping = mapping_form(columns, n_rows)
    if mapping is None:
        return None
    model_source, trust = _model_picker(current, "file")
    if model_source is None:
        return None
    return SourceChoice(
        demo_key=None,
        **data,
        delimiter=delimiter,
        encoding=encoding,
        mapping=mapping,
        model_source=model_source,
        revision=_revision_for(current, model_source),
        trust_remote_code=trust,
    )


def _dataset_box() -> str:
    """A box for a Hugging Face dataset, ``hf:NAME[:SPLIT][@REVISION]`` or a
    ``save_to_disk`` folder (or a file) on the server; "" while empty."""
    return st.text_input(
        "…or a Hugging Face dataset",
        key=_DATASET_BOX,
        placeholder="hf:rotten_tomatoes:validation, or a save_to_disk folder",
        help="Read once per server with the 'datasets' package (pip install "
        "'lumen-nlp[hf]'); without a split, the first of train, validation and "
        "test.",
    ).strip()


def data_and_model_picker(progress_area) -> None:
    """The "Data & model" section; loads on 'Load' (``open_first_choice`` opens
    the first choice)."""
    current: SourceChoice = st.session_state.get(state.SOURCE) or SourceChoice()
    workspace: Workspace | None = st.session_state.get(state.WORKSPACE)
    with st.expander("Data & model", expanded=workspace is None):
        _public_note(policy.active())
        kinds = ["Built-in demo", "My file"]
        kinds += [] if policy.active().public else [RUN_KIND]  # no server paths
        kind = st.radio(
            "Data",
            kinds,
            horizontal=True,
            key="pick_kind",
            index=2
            if current.run_source and len(kinds) > 2
            else int(not current.is_demo),
        )
        pickers = {kinds[0]: _demo_picker, kinds[1]: _file_picker}
        choice = run_picker() if kind == RUN_KIND else pickers[kind](current)
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
        st.error(plain(policy.active().redact(st.session_state[state.LOAD_ERROR])))
    workspace = st.session_state.get(state.WORKSPACE)
    if workspace is not None:
        _label_mapping(workspace, progress_area)


def _public_note(rules: policy.Policy) -> None:
    """What a visitor of a public server can open (nothing in private mode)."""
    if not rules.public:
        return
    models = plain_list(rules.offered_names)
    listed = f"; or one of this server's models: {models}" if models else ""
    st.caption(
        ":material/public: Public server. Open the built-in demo or upload a file "
        f"(up to {rules.max_upload_mb} MB, {rules.max_rows:,} rows); analyse it "
        f"with MiniLM fine-tuned on it (up to {rules.train_budget_s} s of CPU, "
        f"one training at a time){listed}. Server files, local folders and remote "
        "code are off."
    )


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
        mode, source, trust = source_radio(
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
            disabled=unchanged or (mode == OWN and source is None),
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
            f"Model B: {plain(model_name(current))}" if current else "No second model."
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
        mode, source, trust = source_radio(
            "Regression head",
            titles,
            (loaded, choice.regression_trust_remote_code),
            "pick_head",
            "regression model",
        )
        gold = None
        if mode != NO_SOURCE and not numeric:
            st.info(
                "This data has no numeric column to compare a regression head with."
            )
        elif mode != NO_SOURCE:
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
                format_func=lambda name: plain(titles[name]),
                key=state.HEAD,
                help="Metrics, table order, colours, scalars and salience follow it.",
            )


def _label_mapping(workspace: Workspace, progress_area) -> None:
    unknown = workspace.unknown_labels
    if not unknown:
        return
    st.warning(
        f"The model does not know the label(s) {plain_list(unknown)} (its classes: "
        f"{plain_list(workspace.labels)}). Those rows have no metrics until you "
        "map them."
    )
    with st.expander("Map data labels to model classes"):
        choices = [NONE, *workspace.labels]
        mapping = {}
        for label in unknown:
            target = st.selectbox(plain(label), choices, key=f"label_map_{label}")
            if target != NONE:
                mapping[label] = target
        if st.button("Apply mapping", key="label_map_apply", disabled=not mapping):
            previous = dict(workspace.choice.label_map)
            label_map = tuple({**previous, **mapping}.items())
            choice = dataclasses.replace(workspace.choice, label_map=label_map)
            _apply_choice(choice, progress_area)
            st.rerun()
