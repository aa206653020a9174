"""Small helpers that turn core results into display tables and labels."""

from __future__ import annotations

import pandas as pd

from litcore.metrics.agreement import Agreement
from litcore.metrics.base import MetricReport
from litcore.metrics.classification import MulticlassMetrics
from litcore.session import policy
from litcore.session.choice import model_title


def headline_table(
    reports: dict[str, MetricReport | None],
    titles: dict[str, str] = MulticlassMetrics.titles,
) -> pd.DataFrame:
    """One column per subset (all, selection...), one row per headline metric.

    Args:
        reports: a metric's report per subset (None: nothing scored).
        titles: the metric's headline names and their titles (``Metric.titles``).
    """
    columns = {}
    for name, report in reports.items():
        values = report.headline if report else {}
        column = {titles[k]: values.get(k) for k in titles if k in values}
        column["Examples"] = report.n if report else 0
        columns[name] = column
    return pd.DataFrame(columns).round(4)


def about(seconds: float) -> str:
    """A time estimate for a label: "under 0.1 s", "about 0.4 s", "about 12 s",
    "about 3 min"."""
    if seconds < 0.05:
        return "under 0.1 s"
    if seconds < 10:
        return f"about {seconds:.1f} s"
    if seconds < 90:
        return f"about {seconds:.0f} s"
    return f"about {seconds / 60:.0f} min"


def count(number: int, noun: str) -> str:
    """``number`` and ``noun``, singular or plural: "1 example", "2,000 examples"."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def model_name(source: str) -> str:
    """How a page names a model source: a built-in recipe by its title, the
    server's own model folder by its display name in public mode (never its
    path, ``Policy.shown_name``), anything else as given."""
    return policy.active().shown_name(model_title(source))


def agreement_text(summary: Agreement) -> str:
    """The agreement rate and, on scored rows, who is right where they differ."""
    text = (
        f"The models agree on **{summary.agree:,} of {summary.n:,}** examples "
        f"({summary.agreement_rate:.1%})."
    )
    if summary.mcnemar_p is None:
        return text
    return (
        f"{text} Of {summary.scored:,} with a gold label: both right "
        f"{summary.both_correct:,}, only A right **{summary.only_a_correct:,}**, "
        f"only B right **{summary.only_b_correct:,}**, both wrong "
        f"{summary.both_wrong:,}. Exact McNemar test of that split: "
        f"p = {summary.mcnemar_p:.3g} (under 0.05: one model is right more often "
        "than chance explains)."
    )
