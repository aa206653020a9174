"""Overview: a card for the dataset and the model, with headline metrics."""

import streamlit as st

from litcore.metrics import registry as metrics
from litcore.session.columns import LABEL, TRUNCATED
from litcore.session.predictions import frame_report
from litcore.ui import charts, state
from litcore.ui import regression as regression_ui
from litcore.ui import workspace as ws
from litcore.ui.escape import code, plain, plain_list
from litcore.ui.formatting import headline_table, model_name

workspace = ws.require()
data, model = workspace.data, workspace.model
st.title("Lumen")
st.caption("Where does the model fail, and why? Pick a page on the left.")

left, right = st.columns(2)
with left:
    st.subheader("Dataset")
    st.markdown(f"**{plain(data.name)}**")
    st.metric("Examples shown", f"{len(data):,}")
    if workspace.all_rows:
        st.info(
            f"**Shown now: the first {len(data):,} of {workspace.all_rows:,} "
            "examples.** The model predicts the others in the background "
            "(progress in the sidebar); then every page shows them all, keeping "
            "your selection, filters, slices and edits.",
            icon=":material/hourglass_top:",
        )
    if workspace.train_size:
        st.caption(
            f"Trained on {workspace.train_size:,} other examples of the same data."
        )
    if data.report.messages:
        st.info(plain(" ".join(data.report.messages)))
    fields = ", ".join(
        f"{code(name)} ({type(spec).__name__})" for name, spec in data.spec().items()
    )
    st.markdown(f"Fields: {fields}")
    if data.has_labels:
        spec = state.kept_result(
            "overview balance", charts.label_balance, data.frame, LABEL, "Label balance"
        )
        st.vega_lite_chart(spec, width="stretch")
with right:
    st.subheader("Model")
    st.markdown(code(model_name(model.source)))
    st.markdown(
        f"Classes: {plain_list(model.labels)} · max length {model.max_length} tokens · "
        f"fingerprint `{model.fingerprint}`"
    )
    info = workspace.training_info
    # The model's first metric in the registry (Classification), at its defaults.
    metric = metrics.build(metrics.for_model(model)[0])
    report = state.kept_result(
        "overview report", frame_report, workspace.frame, model.labels, metric
    )
    shown_with = f", accuracy {report.headline['accuracy']:.1%} here" if report else ""
    if ws.shows_probe(workspace):
        layers = info.get("layers")  # probes before the cut to fewer layers: all
        features = (
            f"[CLS] after the first {layers} layers of the frozen MiniLM encoder"
            if layers
            else "the frozen MiniLM encoder's pooled output"
        )
        st.info(
            f"**Shown now: a quick model**{shown_with}: a logistic regression on "
            f"{features}, fitted on {info['n_train']:,} training examples in "
            f"{info['train_seconds']:.0f} s. Improving: fine-tuning in the "
            "background (progress in the sidebar); the fine-tuned model replaces "
            "it on its own, keeping your selection, filters and slices.",
            icon=":material/bolt:",
        )
    elif info:
        config = info["config"]
        st.success(f"**Shown: the fine-tuned model**{shown_with}.")
        st.markdown(
            f"Fine-tuned by Lumen from `{info['base_model']}` on {info['n_train']:,} "
            f"examples in {info['train_seconds']:.0f} s: {config['epochs']} epoch(s), "
            f"lr {config['learning_rate']}, batch {config['batch_size']}, "
            f"max length {config['max_length']}, dropout {config.get('dropout')}, "
            f"bf16 {'on' if info['bf16'] else 'off'}."
        )
        if "truncated_share" in info:
            st.caption(
                f"{info['truncated_share']:.0%} of the training texts were longer "
                f"than {config['max_length']} tokens."
            )
        validation = info.get("validation")
        if validation:
            st.caption(
                f"Best checkpoint (step {validation['best_step']}) on "
                f"{validation['n']} {validation['on']} examples: accuracy "
                f"{validation['accuracy']:.1%}; always predicting "
                f"'{plain(validation['majority_class'])}' would score "
                f"{validation['majority_accuracy']:.1%}."
            )
        for message in info.get("warnings", []):
            st.warning(plain(message))
    n_truncated = int(workspace.frame[TRUNCATED].sum())
    if n_truncated:
        st.info(f"{n_truncated:,} texts were cut to {model.max_length} tokens.")
    if report is None:
        st.info("No gold labels the model knows: predictions only, no metrics.")
    else:
        st.dataframe(headline_table({"all": report}, metric.titles), width="stretch")
    if workspace.regressor is not None:
        gold = workspace.regression_gold
        st.markdown(
            f"Regression head: {code(model_name(workspace.regressor.source))}, "
            f"predicting {code(gold)}."
        )
        st.dataframe(
            regression_ui.metrics_table({"all": workspace.frame}, gold),
            width="stretch",
        )
