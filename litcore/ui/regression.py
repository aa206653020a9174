"""The regression head's cached accessors (model, scores, salience) and views.

The views (metrics, predicted-vs-gold scatter, residuals, score salience) are
shared by the Regression page and, when the regression head is picked, the
Metrics and Explanations pages.

Models are ``st.cache_resource`` (one per process, never mutated); the
session's scores are built by ``litcore.session.workspace`` through the
prediction store.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pandas as pd
import streamlit as st

from litcore.api.errors import LumenError
from litcore.metrics import registry as metrics
from litcore.metrics.regression import RegressionMetrics
from litcore.session import loaders as session_loaders
from litcore.session import policy
from litcore.session.columns import ABS_ERROR, PRED_SCORE, RESIDUAL, TEXT, TEXT_B
from litcore.ui.escape import plain
from litcore.ui.formatting import count
from litcore.ui.heatmap import token_heatmap_html
from litcore.view.selection import Selection

if TYPE_CHECKING:  # the Overview's metrics table needs no torch
    from litcore.models.regressor import Regressor
    from litcore.salience import TokenSalience

# The score method offered first: its token scores add up to the score's change.
DEFAULT_SCORE_METHOD = "Integrated gradients"
METRIC = metrics.build(RegressionMetrics.name)


@st.cache_resource(
    show_spinner="Loading the regression model…",
    max_entries=policy.models_kept(private=2),
)
def load_regressor(source: str, trust_remote_code: bool = False) -> Regressor:
    """A regressor shared by every session; never mutated after loading."""
    return session_loaders.load_regressor(source, trust_remote_code)


@st.cache_data(show_spinner="Explaining the score…", max_entries=256)
def score_explanation(
    model_fingerprint: str,
    method_name: str,
    config: tuple[tuple[str, object], ...],
    text: str,
    text_b: str | None,
    _model: Regressor,
) -> TokenSalience:
    """Token salience of the score per (model, method, config, example text)."""
    from litcore import salience  # torch: with the explaining pages

    method = salience.build(method_name, dict(config))
    return method.explain(_model, text, text_b, salience.regression_score(_model))


# --- views ----------------------------------------------------------------------


def metrics_table(groups: dict[str, pd.DataFrame], gold: str) -> pd.DataFrame:
    """One row per group of rows (filtered, selection, slices...) with its metrics.

    A group with fewer than two gold values is left out; a correlation over
    constant values shows "n/a".
    """
    rows = {}
    for name, members in groups.items():
        if members[gold].notna().sum() >= 2:
            report = METRIC.compute(members[gold], members[PRED_SCORE])
            rows[name] = {"n": report.n, **report.headline}
    table = pd.DataFrame(rows).T.rename(columns={"n": "examples", **METRIC.titles})
    if table.empty:
        return table
    shown = table.round(4).astype(object).where(table.notna(), "n/a")
    shown["examples"] = table["examples"].astype(int)
    return shown


def headline_metrics(shown: pd.DataFrame, gold: str) -> None:
    """The metrics of ``shown`` as five metric cells."""
    report = METRIC.compute(shown[gold], shown[PRED_SCORE])
    cells = st.columns(1 + len(METRIC.titles))
    cells[0].metric("Examples", f"{report.n:,}")
    for cell, (name, title) in zip(cells[1:], METRIC.titles.items(), strict=True):
        cell.metric(title, f"{report.headline[name]:.3f}")


def score_scatter(
    shown: pd.DataFrame, gold: str, selection: Selection, chart_key: str
) -> None:
    """Predicted score against gold, coloured by |error|; box or lasso selects.

    At most ``point_charts.POINT_BUDGET`` points are drawn, and the caption says so.
    """
    import plotly.graph_objects as go  # the charts' libraries: not on the Overview

    from litcore.ui import point_charts

    low = float(min(shown[gold].min(), shown[PRED_SCORE].min()))
    high = float(max(shown[gold].max(), shown[PRED_SCORE].max()))
    drawn = point_charts.within_budget(shown, selection)
    details = {
        "gold": drawn[gold].map("{:.3f}".format),
        "score": drawn[PRED_SCORE].map("{:.3f}".format),
        "error": drawn[RESIDUAL].map("{:+.3f}".format),
    }
    hover = point_charts.hover_text(drawn[TEXT], details)
    points = drawn.assign(hover=hover, x=drawn[gold], y=drawn[PRED_SCORE])
    colour_bar = {"title": {"text": "|error|"}, "x": 1.02}
    marker = {"size": 6, "opacity": 0.75, "colorscale": "Viridis"}
    figure = go.Figure()
    figure.add_trace(
        point_charts.point_trace(
            points,
            f"Examples ({len(points):,})",
            marker | {"color": points[ABS_ERROR], "colorbar": colour_bar},
        )
    )
    figure.add_trace(
        go.Scatter(
            x=[low, high],
            y=[low, high],
            mode="lines",
            name="score = gold",
            line={"dash": "dash", "color": "#c44e52"},
            hoverinfo="skip",
        )
    )
    figure.add_traces(point_charts.selection_traces(points, selection))
    figure.update_layout(
        title=f"Predicted score against gold '{gold}' ({count(len(shown), 'example')})",
        xaxis_title=f"Gold {gold}",
        yaxis_title="Predicted score",
        legend={"orientation": "h", "y": -0.15},
        legend_title_text="",
        dragmode="select",
        height=540,
    )
    point_charts.selectable_point_chart(figure, chart_key)
    if sampled := point_charts.budget_caption(len(points), len(shown)):
        st.caption(sampled)


def residual_histogram(shown: pd.DataFrame, gold: str, key: str) -> None:
    """Residuals (score minus gold), with 0 marked."""
    import plotly.graph_objects as go

    figure = go.Figure(
        go.Histogram(
            x=shown[RESIDUAL],
            nbinsx=40,
            name="Examples per residual bin",
            marker={"color": "#3b6ea8"},
            showlegend=True,
        )
    )
    figure.add_vline(x=0, line_dash="dash", line_color="#c44e52")
    figure.update_layout(
        title="Residuals (score − gold; right of 0: too high)",
        xaxis_title=f"Residual (score − gold {gold})",
        yaxis_title="Examples",
        legend={"orientation": "h", "y": -0.25},
        bargap=0.05,
        height=360,
    )
    st.plotly_chart(figure, key=key, width="stretch")


def head_section(
    title: str,
    gold: str,
    shown: pd.DataFrame,
    groups: dict[str, pd.DataFrame],
    selection: Selection,
) -> None:
    """The Metrics page for a regression head: its metrics on ``shown`` and on
    each group (filtered rows, selection, saved slices), its predicted-vs-gold
    scatter and residuals.

    Args:
        title: the head's title ("rating (regression)").
        gold: the gold column it predicts.
    """
    st.subheader(f"Head: {plain(title)}")
    headline_metrics(shown, gold)
    st.dataframe(metrics_table(groups, gold), width="stretch")
    st.caption(
        "Groups with fewer than two gold values are left out; n/a: a correlation "
        "needs values that vary. Pick the label head in the sidebar for accuracy "
        "and the confusion matrix."
    )
    left, right = st.columns([3, 2])
    with left:
        score_scatter(shown, gold, selection, "metrics_score_scatter")
    with right:
        residual_histogram(shown, gold, "metrics_residuals")


def score_salience(
    model: Regressor, row: pd.Series, gold: str, method_key: str, caption: str
) -> None:
    """Token salience of ``row``'s score by a method the user picks (a heat map).

    The methods are the salience registry's that explain a target function,
    in fp32 (exact).

    Args:
        row: an analysis-frame row (text [, text_b], the gold column).
        method_key: the method picker's widget key.
        caption: what ``row`` is, e.g. "Primary example e12".
    """
    from litcore import salience  # torch: with the explaining pages

    names = salience.compatible(model, salience.regression_score(model))
    method_name = st.selectbox(
        "Salience method",
        names,
        index=names.index(DEFAULT_SCORE_METHOD),
        key=method_key,
    )
    exact = {"precision": "fp32"}
    config = salience.build(method_name, exact).config()
    text_b = row.get(TEXT_B)
    text_b = str(text_b) if text_b is not None and pd.notna(text_b) else None
    try:
        explained = score_explanation(
            model.fingerprint, method_name, config, str(row[TEXT]), text_b, model
        )
    except LumenError as error:
        st.error(plain(error))
        return
    value = row.get(gold)
    gold_text = "no gold value" if pd.isna(value) else f"gold {value:.3f}"
    direction = (
        "Green tokens raise the score, red ones lower it."
        if explained.signed
        else "Unsigned: how much each token moves the score, not which way."
    )
    st.caption(
        f"{caption} · score {explained.target_output:.3f} · {gold_text}. {direction}"
    )
    st.html(
        token_heatmap_html(
            explained.table(),
            explained.signed,
            "a higher score",
            f"{method_name} of the score",
        )
    )
    if "output_change" in explained.details:
        baseline = explained.target_output - explained.details["output_change"]
        st.caption(
            f"The token scores sum to {explained.scores.sum():+.3f}: the score minus "
            f"the baseline text's score ({baseline:.3f}), up to "
            f"{abs(explained.details['convergence_delta']):.2g}."
        )


@st.cache_data(show_spinner="Scoring the counterfactuals…", max_entries=8)
def candidate_score_changes(
    model_fingerprint: str,
    candidates: pd.DataFrame,
    parent_scores: pd.Series,
    _model: Regressor,
) -> pd.DataFrame:
    """``batch.candidate_score_changes``, once per (model, candidates, parents)."""
    from litcore.generators import batch  # torch: with the counterfactuals

    return batch.candidate_score_changes(candidates, parent_scores, _model)
