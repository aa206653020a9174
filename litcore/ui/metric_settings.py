"""The metrics a page shows, built with the settings the user picks, and their
reports on groups of rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import streamlit as st

from litcore.metrics import registry as metrics
from litcore.metrics.base import Metric, MetricReport
from litcore.session import predictions
from litcore.ui import state
from litcore.ui.params import settings_columns


def settings_key(key_prefix: str, name: str) -> str:
    """The widget key prefix of metric ``name``'s settings on one page."""
    return f"{key_prefix}_{name.lower().replace(' ', '_')}"


def configured_metrics(names: Sequence[str], key_prefix: str) -> dict[str, Metric]:
    """The metrics ``names``, each built with the settings its widgets show.

    The settings of those that have any are drawn side by side in a collapsed
    "Metric settings" expander (``params.settings_columns``); metrics without
    settings are built at their defaults.

    Args:
        names: registered metric names (``registry.compatible``/``for_model``).
        key_prefix: the page's widget key prefix.
    """
    chosen = {name: metrics.METRICS[name] for name in names}
    configs = {}
    if any(metric.config_spec() for metric in chosen.values()):
        with st.expander("Metric settings"):
            configs = settings_columns(
                chosen, lambda name: settings_key(key_prefix, name), ""
            )
    return {name: metrics.build(name, configs.get(name)) for name in names}


def settings_text(metric: Metric) -> str:
    """A metric's settings for a caption: "Decision threshold 0.50"."""
    spec = metric.config_spec()
    return ", ".join(
        f"{spec[name].label} {value:.2f}"
        if isinstance(value, float)
        else f"{spec[name].label} {value}"
        for name, value in metric.config()
    )


def group_reports(
    groups: Mapping[str, pd.DataFrame], labels: tuple[str, ...], metric: Metric
) -> dict[str, MetricReport | None]:
    """``metric``'s report (``frame_report``) on each group of analysis-frame rows
    (filtered, selection, slices), kept across reruns while a group's rows and
    the metric's settings stay the same (``state.kept_result``)."""
    return {
        group: state.kept_result(
            f"metrics report {metric.name} {group}",
            predictions.frame_report,
            rows,
            labels,
            metric,
        )
        for group, rows in groups.items()
    }
