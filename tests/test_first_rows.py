"""A given model on many new rows: the first page from the first rows while a
background job predicts them all, then every row, with the session kept."""

from __future__ import annotations

import numpy as np
import pytest
from startup_app import reviews_tsv, started_app

from litcore.data.dataset import ColumnMapping
from litcore.session import background, first_rows
from litcore.session.choice import SourceChoice
from litcore.session.columns import ID, proba_column
from litcore.session.loaders import plain_loaders
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore
from litcore.ui import state
from litcore.ui.sidebar import filter_key
from litcore.view.selection import Selection
from litcore.view.slices import SliceStore

WORDS = ["great", "awful", "tender", "dull", "bright", "grim", "warm", "flat"]
ROWS = [(f"a {w} film, take {i}", "positive" if i % 2 else "negative")
        for i, w in enumerate(WORDS * 5)]  # fmt: skip


@pytest.fixture
def reviews(tmp_path):
    return reviews_tsv(tmp_path / "reviews.tsv", ROWS)


@pytest.fixture
def early(monkeypatch):
    """The first page from 8 rows once 16 or more are new (not 256 of 1,024)."""
    monkeypatch.setattr(first_rows, "FIRST_ROWS", 8)
    monkeypatch.setattr(first_rows, "EARLY_FROM", 16)


def _choice(reviews, model_dir, **more) -> SourceChoice:
    mapping = ColumnMapping(text="sentence", label="gold")
    return SourceChoice(
        demo_key=None,
        file_name=reviews.name,
        data_source=str(reviews),
        mapping=mapping,
        model_source=str(model_dir),
        **more,
    )


def test_the_first_rows_open_first_and_the_job_predicts_every_row(
    early, reviews, tiny_model_dir, tmp_path
):
    loaders = plain_loaders(PredictionStore(tmp_path / "store.sqlite"))
    choice = _choice(reviews, tiny_model_dir)
    first = build_workspace(choice, loaders, early_first_page=True)
    assert (len(first.data), len(first.frame), first.all_rows) == (8, 8, len(ROWS))
    assert first.frame["text"].tolist() == [text for text, _ in ROWS[:8]]
    assert background.find(first.rest_job).wait(120).state == background.DONE
    whole = build_workspace(choice, loaders, early_first_page=True)
    assert (len(whole.frame), whole.all_rows, whole.rest_job) == (len(ROWS), None, None)
    # The job's stored predictions are the model's own, in the data's order.
    expected = first.model.predict([text for text, _ in ROWS]).probas
    shown = whole.frame[[proba_column(c) for c in whole.labels]].to_numpy()
    np.testing.assert_allclose(shown, expected, rtol=1e-5, atol=1e-6)
    assert whole.frame[ID].tolist()[:8] == first.frame[ID].tolist()


def test_few_new_rows_a_second_model_or_no_flag_open_every_row_at_once(
    early, reviews, tiny_model_dir, tmp_path
):
    loaders = plain_loaders(PredictionStore(tmp_path / "store.sqlite"))
    choice = _choice(reviews, tiny_model_dir)
    assert build_workspace(choice, loaders).all_rows is None  # the flag's default
    monkey_rows = first_rows.EARLY_FROM
    first_rows.EARLY_FROM = len(ROWS) + 1
    try:
        assert build_workspace(choice, loaders, early_first_page=True).all_rows is None
    finally:
        first_rows.EARLY_FROM = monkey_rows
    store = PredictionStore(tmp_path / "other.sqlite")
    both = _choice(reviews, tiny_model_dir, compare_source=str(tiny_model_dir))
    workspace = build_workspace(both, plain_loaders(store), early_first_page=True)
    assert (len(workspace.frame), workspace.all_rows) == (len(ROWS), None)


def test_the_app_swaps_in_every_row_keeping_filters_slices_and_selection(
    early, reviews, tiny_model_dir, monkeypatch
):
    variables = {"LUMEN_DATA": str(reviews), "LUMEN_TEXT": "sentence"}
    variables |= {"LUMEN_LABEL": "gold", "LUMEN_MODEL": str(tiny_model_dir)}
    at = started_app(monkeypatch, variables)
    first = at.session_state[state.WORKSPACE]
    assert len(first.frame) == 8 and first.all_rows == len(ROWS)
    shown = {metric.label: metric.value for metric in at.metric}
    assert shown["Examples shown"] == "8"
    assert "first 8 of 40 examples" in " ".join(i.value for i in at.info)
    at.toggle(key=filter_key("mis", first.data.fingerprint)).set_value(True)
    at.run()
    picked = first.frame[ID].tolist()[:2]
    at.session_state[state.SELECTION] = Selection().select(picked)
    SliceStore(first.data.fingerprint).save("kept", picked[:1])
    assert background.find(first.rest_job).wait(120).state == background.DONE
    at.run()
    assert not at.exception, at.exception
    whole = at.session_state[state.WORKSPACE]
    assert (len(whole.frame), whole.all_rows) == (len(ROWS), None)
    assert at.toggle(key=filter_key("mis", whole.data.fingerprint)).value is True
    assert tuple(at.session_state[state.SELECTION].ids) == tuple(picked)
    names = [s.name for s in SliceStore(whole.data.fingerprint).list()]
    assert "kept" in names
    assert "first 8" not in " ".join(i.value for i in at.info)
