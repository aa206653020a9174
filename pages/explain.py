"""Explanations: token salience of the primary example by several methods, and
how faithful each method is, on this example and on the selection."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from litcore.data.dataset import LABEL, TEXT, TEXT_B
from litcore.errors import LumenError
from litcore.salience import METHODS, TokenSalience, build, compatible, params_of
from litcore.salience.faithfulness import RANDOM_REFERENCE, Faithfulness, rank_methods
from litcore.session.predictions import LENGTH, PRED, proba_column
from litcore.ui import cached, state
from litcore.ui import regression as regression_ui
from litcore.ui import workspace as ws
from litcore.ui.charts import FIT_WIDTH
from litcore.ui.formatting import about, count
from litcore.ui.heatmap import token_heatmap_html
from litcore.ui.sidebar import filtered_frame

PICK_KEY = "explain_pick"
TARGET_KEY = "explain_target"
METHODS_KEY = "explain_methods"
SUBWORDS_KEY = "explain_subwords"
SPECIAL_KEY = "explain_special"
TOP_K_KEY = "explain_top_k"
GRID_KEY = "explain_grid"
GRID_TOKEN_KEY = "explain_grid_token"
REMOVAL_KEY = "explain_removal"
CAP_KEY = "explain_cap"
SCORE_METHODS_KEY = "explain_score_methods"
PICK_LIMIT = 500
DEFAULT_CAP = 20
REMOVAL_NAMES = {"delete": "Delete tokens", "mask": "Replace by [MASK]"}

workspace = ws.require()
model = workspace.model
labels = list(workspace.labels)
frame = ws.session_frame(workspace).set_index("id", drop=False)
shown = filtered_frame(workspace)
selection = state.selection()

st.title("Explanations")
st.caption(
    "Which tokens push the prediction toward the explained class (green) and which "
    "push it away (red), by several methods side by side, and how faithful each "
    "method is to the model: removing the tokens it ranks first should change the "
    "prediction the most."
)


# --- the primary example -------------------------------------------------------


def _pick_primary() -> None:
    picked = st.session_state[PICK_KEY]
    if picked:
        state.set_selection(state.selection().with_primary(picked))


primary = selection.primary if selection.primary in frame.index else None
choices = shown["id"].head(PICK_LIMIT).tolist()
if primary is not None and primary not in choices:
    choices = [primary, *choices]
st.session_state[PICK_KEY] = primary
st.selectbox(
    "Example to explain (the primary example of the selection)",
    choices,
    key=PICK_KEY,
    placeholder="Pick an example, or click one in the Data table",
    format_func=lambda i: f"{i} · {frame.at[i, TEXT][:100]}",
    on_change=_pick_primary,
)
if primary is None:
    st.info("No primary example yet: pick one above.")
    st.stop()

row = frame.loc[primary]
text = str(row[TEXT])
text_b = str(row[TEXT_B]) if TEXT_B in frame.columns and pd.notna(row[TEXT_B]) else None
gold = row[LABEL] if LABEL in frame.columns and row[LABEL] in labels else None
predicted = str(row[PRED])


def _probability_chart() -> alt.Chart:
    """Class probabilities as bars, coloured by gold / predicted / other."""

    def kind(label: str) -> str:
        kinds = [
            name
            for name, hit in (("gold", gold), ("predicted", predicted))
            if label == hit
        ]
        return " and ".join(kinds) or "other"

    bars = pd.DataFrame(
        {
            "class_name": labels,
            "probability": [float(row[proba_column(label)]) for label in labels],
            "kind": [kind(label) for label in labels],
        }
    )
    return (
        alt.Chart(bars, title="Class probabilities (gold class marked)")
        .mark_bar()
        .encode(
            y=alt.Y("class_name:N", sort=labels, title="Class"),
            x=alt.X(
                "probability:Q", title="Probability", scale=alt.Scale(domain=[0, 1])
            ),
            color=alt.Color(
                "kind:N",
                title="Class is",
                legend=alt.Legend(orient="bottom"),
                scale=alt.Scale(
                    domain=["gold and predicted", "gold", "predicted", "other"],
                    range=["#1a9641", "#a6d96a", "#3b6ea8", "#b0b7c3"],
                ),
            ),
            tooltip=[
                alt.Tooltip("class_name:N", title="Class"),
                alt.Tooltip("probability:Q", format=".4f", title="Probability"),
                alt.Tooltip("kind:N", title="Class is"),
            ],
        )
        .properties(height=max(90, 40 * len(labels)), autosize=FIT_WIDTH)
    )


left, right = st.columns([3, 2])
with left:
    st.markdown("**Text**")
    st.text(text if text_b is None else f"{text}\n— second segment —\n{text_b}")
    gold_note = f"gold **{gold}**" if gold is not None else "no gold label"
    st.markdown(
        f"Predicted **{predicted}** ({float(row[proba_column(predicted)]):.1%}), "
        f"{gold_note}."
    )
with right:
    st.altair_chart(_probability_chart(), width="stretch")

head = ws.chosen_head(workspace)
if head.is_regression:  # the picked head is the regression head: explain its score
    st.subheader(f"Which tokens drive the {head.name} head's score")
    regression_ui.score_salience(
        workspace.regressor,
        row,
        head.name,
        "explain_score_method",
        f"Primary example {primary}",
    )
    st.caption("Pick the label head in the sidebar to explain the class instead.")
    st.stop()


# --- what to explain, and how ---------------------------------------------------


def _store_target() -> None:
    st.session_state[state.EXPLAIN_TARGET] = (primary, st.session_state[TARGET_KEY])


def _use_gold() -> None:
    st.session_state[state.EXPLAIN_TARGET] = (primary, gold)


stored_target = st.session_state.get(state.EXPLAIN_TARGET)
target_label = (
    stored_target[1]
    if stored_target and stored_target[0] == primary and stored_target[1] in labels
    else predicted
)
st.session_state[TARGET_KEY] = target_label
target = labels.index(target_label)

available = compatible(model)
cheap = [name for name in available if not METHODS[name].expensive]
remembered = st.session_state.get(state.EXPLAIN_METHODS)
st.session_state.setdefault(
    METHODS_KEY, [m for m in (remembered or cheap) if m in available]
)


def _store_methods() -> None:
    st.session_state[state.EXPLAIN_METHODS] = list(st.session_state[METHODS_KEY])


controls = st.columns([2, 1, 3])
controls[0].selectbox(
    "Explain class",
    labels,
    key=TARGET_KEY,
    on_change=_store_target,
    help="Default: the predicted class.",
)
controls[1].button(
    f"Gold class ({gold})" if gold is not None else "Gold class",
    key="explain_use_gold",
    on_click=_use_gold,
    disabled=gold is None or gold == target_label,
    help="Explain the gold class.",
)
chosen = controls[2].multiselect(
    "Methods",
    available,
    key=METHODS_KEY,
    on_change=_store_methods,
    help="Cheap methods run at once; the expensive ones (IG, LIME, Kernel SHAP) "
    "when you press their Run button.",
)
options = st.columns(3)
subwords = options[0].toggle("Show sub-word tokens", key=SUBWORDS_KEY)
show_special = options[1].toggle("Show [CLS], [SEP]", key=SPECIAL_KEY)
top_k = int(options[2].number_input("Top k tokens", 1, 50, 5, key=TOP_K_KEY))


def _method_settings(name: str) -> dict:
    """Widgets for a method's configuration; returns its values."""
    values = {}
    for field, (spec, default) in params_of(METHODS[name]).items():
        key = f"explain_param_{METHODS[name].__name__}_{field}"
        if spec.options:
            values[field] = st.selectbox(
                spec.label,
                spec.options,
                index=spec.options.index(default),
                key=key,
                help=spec.help,
            )
        else:
            values[field] = int(
                st.number_input(
                    spec.label, spec.low, spec.high, default, key=key, help=spec.help
                )
            )
    return values


configs: dict[str, dict] = {}
with st.expander("Method settings"):
    with_params = [name for name in chosen if params_of(METHODS[name])]
    if not with_params:
        st.caption("The chosen methods have no settings.")
    for column, name in zip(st.columns(max(1, len(with_params))), with_params):
        with column:
            st.markdown(f"**{name}**")
            configs[name] = _method_settings(name)


def _config(name: str) -> tuple:
    return build(name, configs.get(name, {})).config()


def _run_key(name: str) -> tuple:
    return (name, _config(name), primary, target)


def _request(name: str, run_key: tuple) -> None:
    """Adds an expensive method to the chosen ones and asks for its run."""
    methods = list(st.session_state[METHODS_KEY])
    if name not in methods:
        methods.append(name)
    st.session_state[METHODS_KEY] = methods
    st.session_state[state.EXPLAIN_METHODS] = methods
    st.session_state[state.EXPLAIN_RUNS].add(run_key)


def _explain(name: str) -> TokenSalience:
    return cached.explanation(
        model.fingerprint, name, _config(name), text, text_b, target, model
    )


def _ready(name: str) -> bool:
    """Cheap methods always; expensive ones once the user asked for this run."""
    return not METHODS[name].expensive or _run_key(name) in st.session_state.get(
        state.EXPLAIN_RUNS, set()
    )


# --- heat maps ------------------------------------------------------------------

st.subheader(f"Salience for class “{target_label}”")
num_tokens = int(1.3 * row[LENGTH]) + 2  # rough, for time estimates only
pending = [
    name
    for name in available
    if METHODS[name].expensive and not (name in chosen and _ready(name))
]
for column, name in zip(st.columns(max(1, len(pending))), pending):
    expected = build(name, configs.get(name, {})).expected_seconds(num_tokens)
    column.button(
        f"Run {name} ({about(expected)})",
        key=f"explain_run_{METHODS[name].__name__}",
        on_click=_request,
        args=(name, _run_key(name)),
        width="stretch",
    )
results: dict[str, TokenSalience] = {}
for name in [n for n in chosen if _ready(n)]:
    expected = build(name, configs.get(name, {})).expected_seconds(num_tokens)
    try:
        with st.spinner(f"{name}: {about(expected)}…"):
            results[name] = _explain(name)
    except LumenError as error:
        st.error(f"{name}: {error}")
        continue
    salience = results[name]
    table = salience.table(subwords=subwords, show_special=show_special)
    st.html(token_heatmap_html(table, salience.signed, salience.target_label, name))
    notes = [f"{salience.seconds:.2f} s"]
    if "relative_delta" in salience.details:
        notes.append(
            f"convergence delta {salience.details['convergence_delta']:+.2e} "
            f"({salience.details['relative_delta']:.1%} of the change in probability)"
        )
    if "precision" in salience.details:
        notes.append(f"computed in {salience.details['precision']}")
    if not salience.signed:
        notes.append("unsigned: shows how much, not which way")
    st.caption(" · ".join(notes))

if any(s.truncated for s in results.values()):
    st.warning(
        f"The text is longer than the model's {model.max_length} tokens: the model "
        "saw only the start, and the explanations cover only what it saw."
    )

if results:
    st.subheader(f"Top {top_k} tokens per method")
    top = {
        name: [
            f"{t.token} ({t.score:+.3g})"
            for t in s.top_tokens(top_k, subwords=subwords).itertuples()
        ]
        for name, s in results.items()
    }
    width = max(len(v) for v in top.values())
    top_table = pd.DataFrame({n: v + [""] * (width - len(v)) for n, v in top.items()})
    top_table.index = range(1, width + 1)
    st.dataframe(top_table, width="stretch")
    all_scores = pd.concat(
        [
            s.table(subwords=True, show_special=True).assign(
                method=name, signed=s.signed, target=s.target_label, example_id=primary
            )
            for name, s in results.items()
        ]
    )
    st.download_button(
        "Download all scores (CSV)",
        all_scores.to_csv(index=False).encode("utf-8"),
        file_name=f"salience-{primary}.csv",
        mime="text/csv",
        key="explain_download",
    )


# --- attention grid -------------------------------------------------------------


@st.fragment
def attention_grid(saliences: dict[str, TokenSalience]) -> None:
    """Attention from [CLS] to one token, for every head of every layer."""
    with_maps = [s for s in saliences.values() if "cls_attention" in s.details]
    if not with_maps or not st.toggle("Show the head × layer grid", key=GRID_KEY):
        return
    salience = with_maps[0]
    content = [i for i, special in enumerate(salience.special) if not special]
    position = st.selectbox(
        "Attention from [CLS] to token",
        content,
        format_func=lambda i: f"{salience.tokens[i]} (position {i})",
        key=GRID_TOKEN_KEY,
    )
    maps = salience.details["cls_attention"]  # <float32>[layers, heads, tokens]
    cells = pd.DataFrame(
        [
            {
                "layer": layer + 1,
                "head": head + 1,
                "attention": float(maps[layer, head, position]),
            }
            for layer in range(maps.shape[0])
            for head in range(maps.shape[1])
        ]
    )
    chart = (
        alt.Chart(
            cells,
            title=f"Attention from [CLS] to “{salience.tokens[position]}”",
        )
        .mark_rect()
        .encode(
            x=alt.X("head:O", title="Head"),
            y=alt.Y("layer:O", title="Layer"),
            color=alt.Color(
                "attention:Q", title="Attention", scale=alt.Scale(scheme="blues")
            ),
            tooltip=["layer:O", "head:O", alt.Tooltip("attention:Q", format=".4f")],
        )
        .properties(height=max(160, 28 * maps.shape[0]), autosize=FIT_WIDTH)
    )
    st.altair_chart(chart, width="stretch")


attention_grid(results)


# --- faithfulness ---------------------------------------------------------------


def _faithfulness_table(rows: list[Faithfulness]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "method": [r.method for r in rows],
            "comprehensiveness ↑": [r.comprehensiveness for r in rows],
            "sufficiency ↓": [r.sufficiency for r in rows],
            "deletion area ↓": [r.deletion_area for r in rows],
        }
    ).round(4)


def _deletion_chart(rows: list[Faithfulness]) -> alt.Chart:
    curves = pd.concat([r.curve_frame() for r in rows])
    return (
        alt.Chart(curves, title=f"Deletion curve: p({target_label}) as top tokens go")
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "fraction:Q",
                title="Fraction of top tokens removed",
                axis=alt.Axis(format="%"),
            ),
            y=alt.Y(
                "probability:Q",
                title=f"p({target_label})",
                scale=alt.Scale(domain=[0, 1]),
            ),
            color=alt.Color("method:N", title="Method"),
            tooltip=[
                "method:N",
                "fraction:Q",
                alt.Tooltip("probability:Q", format=".4f"),
            ],
        )
        .properties(height=260, autosize=FIT_WIDTH)
    )


@st.fragment
def faithfulness_panel(names: list[str]) -> None:
    """Faithfulness on the primary example, and on the selection on request."""
    st.subheader("Faithfulness")
    st.caption(
        "ERASER (DeYoung et al. 2020). Comprehensiveness: the drop in probability "
        "when the top 1, 5, 10, 20 and 50% of tokens are removed (averaged; higher "
        "is better). Sufficiency: the drop when only they are kept (lower is "
        "better). A random token order is the reference to beat."
    )
    removal = st.radio(
        "Removal",
        list(REMOVAL_NAMES),
        format_func=REMOVAL_NAMES.get,
        horizontal=True,
        key=REMOVAL_KEY,
    )
    if not names:
        st.info("Run at least one method above to score its faithfulness.")
        return
    rows = [
        cached.explanation_faithfulness(
            model.fingerprint, name, _config(name), text, text_b, target, removal, model
        )
        for name in names
    ]
    table_column, chart_column = st.columns(2)
    table_column.markdown("**This example**")
    table_column.dataframe(_faithfulness_table(rows), hide_index=True, width="stretch")
    chart_column.altair_chart(_deletion_chart(rows), width="stretch")

    st.markdown("**On the selection** (explaining each example's predicted class)")
    ids = [i for i in selection.ids if i in frame.index] or shown["id"].tolist()
    source = "selected" if selection.ids else "shown by the filters"
    picked = st.multiselect(
        "Methods to score",
        names,
        default=names,
        key="|".join([SCORE_METHODS_KEY, *names]),  # fresh when methods change
    )
    cap = int(
        st.number_input(
            f"Examples to score (of {len(ids):,} {source})",
            1,
            max(1, len(ids)),
            min(DEFAULT_CAP, len(ids)),
            key=CAP_KEY,
            help="Raise the cap to score more; each example runs every method.",
        )
    )
    seconds = sum(
        build(n, configs.get(n, {})).expected_seconds(num_tokens) for n in picked
    )
    run_key = (tuple(ids[:cap]), tuple((n, _config(n)) for n in picked), removal)
    if st.button(
        f"Score {count(cap, 'example')} ({about(cap * seconds)})",
        key="explain_score_selection",
        disabled=not picked,
    ):
        examples = frame.loc[list(run_key[0])]
        bar = st.progress(0.0, text="Scoring…")

        def report(done: int, total: int) -> None:
            bar.progress(done / total, text=f"Scored {done:,} of {total:,} examples")

        try:
            scores = cached.selection_faithfulness(
                model.fingerprint,
                run_key[0],
                run_key[1],
                removal,
                examples[TEXT].tolist(),
                examples[TEXT_B].tolist() if TEXT_B in examples.columns else None,
                model,
                progress=report,
            )
        except LumenError as error:
            st.error(str(error))
            return
        finally:
            bar.empty()
        st.session_state[state.EXPLAIN_SELECTION_SCORES] = (run_key, scores)
    last = st.session_state.get(state.EXPLAIN_SELECTION_SCORES)
    if last is None:
        return
    if last[0] != run_key:
        st.caption("Below: the last run, with other examples or settings.")
    ranking = rank_methods(last[1]).round(4)
    st.dataframe(
        ranking.rename(
            columns={
                "comprehensiveness": "comprehensiveness ↑",
                "sufficiency": "sufficiency ↓",
                "deletion_area": "deletion area ↓",
                "net": "comprehensiveness − sufficiency ↑",
            }
        ),
        hide_index=True,
        width="stretch",
    )
    reference = ranking.loc[ranking["method"] == RANDOM_REFERENCE, "net"]
    if len(reference):
        beaten = ranking.loc[ranking["net"] > reference.iloc[0], "method"].tolist()
        st.caption(f"Beat the random order: {', '.join(beaten) if beaten else 'none'}.")


faithfulness_panel(list(results))
