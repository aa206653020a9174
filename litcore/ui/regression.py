"""Cached accessors for the Regression page: the regressor, its scores, salience.

Models are ``st.cache_resource`` (one per process, never mutated); scores go
through the prediction store (per model fingerprint and example id) and are
wrapped in ``st.cache_data`` keyed by the model's and the data's fingerprints.
The demo rating head trains outside Streamlit's caches (``ProgressResults``),
since its progress bar is drawn into the page's block.
"""

from __future__ import annotations

import numpy as np
import streamlit as st

from litcore.data.dataset import Dataset
from litcore.models.regressor import Regressor
from litcore.regression import predict_scores, train_demo_rating_head
from litcore.score_salience import ScoreSalience, build_score_method
from litcore.ui import cached


@st.cache_resource(show_spinner="Loading the regression model…", max_entries=2)
def load_regressor(source: str, trust_remote_code: bool = False) -> Regressor:
    """A regressor shared by every session; never mutated after loading."""
    return Regressor.from_pretrained(
        source.strip(), trust_remote_code=trust_remote_code
    )


# One training of the demo rating head per process at a time (and once on disk).
_RATING_HEAD = cached.ProgressResults(max_entries=1)


def demo_rating_head(progress_area) -> str:
    """Trains the demo rating head (or finds it on disk) with a progress bar.

    Returns:
        The model's folder.
    """
    with progress_area.status(
        "Fine-tuning MiniLM to predict the rating…", expanded=True
    ) as box:
        bar = st.progress(0.0, text="Preparing…")

        def report(progress) -> None:
            bar.progress(progress.step / progress.total_steps, text=progress.describe())

        folder = _RATING_HEAD.get_or_compute(
            "rating head", lambda: str(train_demo_rating_head(report))
        )
        box.update(label="Rating head ready", state="complete", expanded=False)
    return folder


@st.cache_data(show_spinner=False, max_entries=16)
def scores(
    model_fingerprint: str, data_fingerprint: str, _model: Regressor, _data: Dataset
) -> np.ndarray:
    """``<float32>[n]``: the model's score for each row, with a progress bar.

    The bar is made here, not passed in: Streamlit replays a cached function's
    elements on a cache hit, which works only for elements it created itself.
    """
    bar = st.empty()

    def report(done: int, total: int) -> None:
        bar.progress(done / total, text=f"Scoring: {done:,} of {total:,} examples")

    result = predict_scores(_model, _data.frame, cached.prediction_store(), report)
    bar.empty()
    return result


@st.cache_data(show_spinner="Explaining the score…", max_entries=256)
def score_explanation(
    model_fingerprint: str,
    method_name: str,
    config: tuple[tuple[str, object], ...],
    text: str,
    text_b: str | None,
    _model: Regressor,
) -> ScoreSalience:
    """Token salience of the score per (model, method, config, example text)."""
    return build_score_method(method_name, dict(config)).explain(_model, text, text_b)
