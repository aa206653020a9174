"""Small helpers that turn core results into display tables and labels."""

from __future__ import annotations

import pandas as pd

from litcore.metrics.classification import ClassificationReport
from litcore.session import policy
from litcore.session.choice import model_title

HEADLINE_NAMES = {
    "accuracy": "Accuracy",
    "macro_precision": "Macro precision",
    "macro_recall": "Macro recall",
    "macro_f1": "Macro F1",
    "weighted_f1": "Weighted F1",
    "roc_auc": "ROC-AUC",
    "log_loss": "Log loss",
    "ece": "ECE",
}


def headline_table(reports: dict[str, ClassificationReport | None]) -> pd.DataFrame:
    """One column per subset (all, selection...), one row per headline metric."""
    columns = {}
    for name, report in reports.items():
        values = report.headline if report else {}
        column = {
            HEADLINE_NAMES[k]: values.get(k) for k in HEADLINE_NAMES if k in values
        }
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
