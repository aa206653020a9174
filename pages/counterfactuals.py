"""Counterfactuals: generators on the primary example or, in batch, the selection."""

import hashlib

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.generators import registry
from litcore.generators.batch import (
    CONFIRM_ABOVE,
    counterfactual_examples,
    flip_rates,
    invariance_failures,
    score_change_summary,
)
from litcore.session.columns import LABEL, PRED_SCORE
from litcore.ui import cached, state
from litcore.ui import regression as regression_ui
from litcore.ui import workspace as ws
from litcore.ui.escape import plain
from litcore.ui.formatting import count
from litcore.ui.params import param_widgets
from litcore.ui.sidebar import filtered_frame

SCOPES = ["Primary example", "Selection (batch)"]
DEFAULT_CAP = 200

workspace = ws.require()
data = workspace.data
frame = ws.session_frame(workspace)
selection = state.selection()
st.title("Counterfactuals")
st.caption(
    "Perturb examples and watch the prediction: a candidate is *flipped* when its "
    "predicted label differs from the original's."
)

names = st.multiselect(
    "Generators",
    registry.names(),
    default=["Word replacer"],
    key="cf_generators",
    help="; ".join(f"{n}: {c.description}" for n, c in registry.GENERATORS.items()),
)


configs = []
for name in names:
    with st.expander(f"{name} settings", expanded=name == "Word replacer"):
        spec = registry.GENERATORS[name].config_spec()
        configs.append((name, tuple(param_widgets(spec, f"cf_param_{name}").items())))
configs = tuple(configs)

scope = st.segmented_control("Run on", SCOPES, default=SCOPES[0], key="cf_scope")
if scope == SCOPES[0]:
    ids = [selection.primary] if selection.primary in set(frame["id"]) else []
    if not ids:
        st.info("No primary example: click a row in the Data table first.")
else:
    ids = list(selection.ids) or filtered_frame(workspace)["id"].tolist()
    source = "selected" if selection.ids else "shown by the sidebar filters"
    st.caption(f"{count(len(ids), 'example')} {source}.")
    if ids:
        cap = st.number_input(
            "Examples at most",
            1,
            len(ids),
            min(len(ids), DEFAULT_CAP),
            key="cf_cap",
            help="The first examples of the selection, in order.",
        )
        ids = ids[: int(cap)]
confirmed = len(ids) <= CONFIRM_ABOVE or st.checkbox(
    f"Run on {len(ids):,} examples (over {CONFIRM_ABOVE:,}; this can take minutes)",
    key="cf_confirm",
)
run = st.button(
    "Generate",
    type="primary",
    key="cf_run",
    disabled=not (ids and names and confirmed),
)

if run:
    examples = frame.set_index("id", drop=False).loc[ids].reset_index(drop=True)
    bar = st.progress(0.0, text="Generating…")

    def _report(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Generating: {done:,} of {total:,}")

    try:
        result = cached.counterfactual_batch(
            workspace.model.fingerprint,
            configs,
            tuple(ids),
            examples,
            workspace.model,
            progress=_report,
        )
    except LumenError as error:
        st.error(plain(error))
    else:
        st.session_state[state.COUNTERFACTUAL_BATCH] = (data.fingerprint, result)
    bar.empty()

stored = st.session_state.get(state.COUNTERFACTUAL_BATCH)
if stored is None or stored[0] != data.fingerprint:
    st.stop()
result = stored[1]
candidates = result.candidates
empty = result.coverage[result.coverage["n_candidates"] == 0]
for (generator, message), group in empty.groupby(["generator", "message"]):
    st.info(
        plain(f"{generator} produced nothing for {len(group):,} example(s): {message}")
    )
if candidates.empty:
    st.stop()

st.subheader("Summary")
left, right = st.columns(2)
left.markdown("**Flip rate per generator** (examples with at least one flip)")
left.dataframe(flip_rates(result), hide_index=True, key="cf_rates")
if LABEL in frame.columns:
    right.markdown("**Flip rate per gold class**")
    right.dataframe(flip_rates(result, by="gold"), hide_index=True, key="cf_by_gold")
rates, failing = invariance_failures(result)
if not rates.empty:
    st.markdown(
        "**Invariance failures** (label-preserving perturbations that changed the "
        "prediction, CheckList INV)"
    )
    st.dataframe(rates, hide_index=True, key="cf_invariance")
    if not failing.empty:
        st.dataframe(
            failing[["generator", "parent_id", "diff", "old_pred", "new_pred"]],
            hide_index=True,
            key="cf_failing",
        )

columns = ["generator", "parent_id", "original", "diff", "old_pred", "new_pred"]
columns += ["flipped"]
head = ws.chosen_head(workspace)
if head.is_regression:  # the regression head picked: how far each edit moves it
    candidates = regression_ui.candidate_score_changes(
        workspace.regressor.fingerprint,
        candidates,
        frame.set_index("id")[PRED_SCORE],
        workspace.regressor,
    )
    st.markdown(f"**Change of the {head.name} head's score per generator**")
    st.dataframe(
        score_change_summary(candidates).round(4), hide_index=True, key="cf_scores"
    )
    columns += ["old_score", "new_score", "score_change"]

st.subheader(f"Candidates ({len(candidates):,})")
view = candidates[columns].assign(add=candidates["flipped"])
result_key = hashlib.sha1(pd.util.hash_pandas_object(candidates).values).hexdigest()
edited = st.data_editor(
    view,
    key=f"cf_pick_{result_key[:12]}",
    disabled=[c for c in view.columns if c != "add"],
    hide_index=True,
    column_config={
        "add": st.column_config.CheckboxColumn("Add", help="Add to the dataset"),
        "diff": st.column_config.TextColumn("Counterfactual (diff)", width="large"),
        "original": st.column_config.TextColumn("Original", width="medium"),
    },
)
chosen = candidates[edited["add"].to_numpy()]
if st.button(
    f"Add {len(chosen):,} checked counterfactual(s) to the dataset",
    key="cf_add",
    disabled=chosen.empty,
):
    examples = counterfactual_examples(chosen, frame.set_index("id"), data)
    try:
        overlay, added = state.overlay(data.fingerprint).add(data, examples)
    except LumenError as error:
        st.error(plain(error))
    else:
        state.set_overlay(overlay)
        fresh = sum(a.is_new for a in added)
        st.toast(
            f"Added {fresh:,} new datapoint(s) (gold label copied from the parent); "
            "they are in the Data table, marked by origin."
        )
        st.rerun()
