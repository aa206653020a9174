"""The demo on an empty cache: a quick probe at once, the fine-tune in the
background, then the swap to the fine-tuned model, keeping the user's view.

The recipes are shrunk (a probe on 64 snippets, a fine-tune of a few steps,
200 held-out snippets) so that the whole flow runs in a test; the models and
their predictions are real.
"""

import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from litcore.data import demo as demo_data
from litcore.models.probe import PROBE_KIND
from litcore.models.training import TrainConfig
from litcore.session import background, demo
from litcore.session.background import DONE
from litcore.session.choice import SourceChoice
from litcore.session.progress import SILENT
from litcore.session.workspace import build_workspace
from litcore.store.predictions import PredictionStore
from litcore.ui import state
from litcore.ui.sidebar.filters import filter_key
from litcore.view.selection import Selection

APP = Path(__file__).resolve().parent.parent / "app.py"
CHEAP_FINE_TUNE = TrainConfig(epochs=0.02, learning_rate=1e-4, max_length=64)


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    """A cache with the demo's wheel only (no split, no model), cheap recipes,
    no background job yet, and Streamlit's data caches emptied around the test."""
    from litcore.ui import cached

    (tmp_path / "downloads").mkdir()
    shutil.copy(demo_data.wheel_path(), tmp_path / "downloads")
    monkeypatch.setenv("LUMEN_CACHE_DIR", str(tmp_path))
    small = replace(demo_data.DEMOS["movies"], n_eval=200)
    monkeypatch.setitem(demo_data.DEMOS, "movies", small)
    quick = replace(demo.PROBE_CONFIG, max_texts=64, min_texts=64)
    monkeypatch.setattr(demo, "PROBE_CONFIG", quick)
    monkeypatch.setattr(demo, "DEMO_CONFIG", CHEAP_FINE_TUNE)
    monkeypatch.setattr(background, "_JOBS", {})
    cached.demo_datasets.clear()
    yield tmp_path
    for job in background._JOBS.values():
        job.wait(600)  # nothing keeps writing into the folder pytest removes
    cached.demo_datasets.clear()


def test_the_core_opens_the_probe_then_the_fine_tuned_model(empty_cache):
    quick = build_workspace(SourceChoice(), progress=SILENT, quick_demo=True)
    assert quick.training_info["kind"] == PROBE_KIND
    assert quick.training_info["n_train"] == 64 and len(quick.frame) == 200
    layers = demo.PROBE_CONFIG.layers
    assert quick.training_info["layers"] == layers
    assert quick.model.config.num_hidden_layers == layers
    store = PredictionStore()
    job = demo.improve_in_background("movies", store)
    assert demo.improve_in_background("movies", store) is job  # one per process
    status = job.wait(600)
    assert status.state == DONE, status.message
    assert status.result["n_eval"] == 200
    full = build_workspace(SourceChoice(), progress=SILENT, quick_demo=True)
    assert full.training_info["config"]["epochs"] == CHEAP_FINE_TUNE.epochs
    assert "kind" not in full.training_info
    assert list(full.frame["id"]) == list(quick.frame["id"])


def test_the_app_swaps_models_and_keeps_selection_and_filters(empty_cache):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=600)
    at.run()
    assert not at.exception, at.exception
    workspace = at.session_state[state.WORKSPACE]
    assert workspace.training_info["kind"] == PROBE_KIND
    layers = f"first {demo.PROBE_CONFIG.layers} layers of the frozen MiniLM"
    assert any(
        "Shown now: a quick model" in box.value and layers in box.value
        for box in at.info
    )
    job = background.find(demo.improvement_job_name("movies"))
    assert job is not None  # started by the first run
    with_film = workspace.frame["text"].str.contains("film", case=False)
    ids = list(workspace.frame["id"][with_film][:3])
    at.session_state[state.SELECTION] = Selection().select(ids).with_pinned(ids[2])
    search = filter_key("search", workspace.data.fingerprint)
    at.text_input(key=search).input("film").run()
    kept_filters = at.session_state[state.FILTERS]
    assert kept_filters.search == "film"
    assert job.wait(600).state == DONE
    at.run()
    assert not at.exception, at.exception
    swapped = at.session_state[state.WORKSPACE]
    assert swapped is not workspace and "kind" not in swapped.training_info
    assert swapped.model.source != workspace.model.source
    assert at.session_state[state.SELECTION] == Selection(tuple(ids), ids[0], ids[2])
    assert at.session_state[state.FILTERS] == kept_filters
    assert at.text_input(key=search).value == "film"
    assert any("Shown: the fine-tuned model" in box.value for box in at.success)


def test_prepare_demo_also_fits_the_quick_model(demo_prepared):
    from litcore.data.demo import load_demo
    from litcore.models.probe import probe_dir
    from litcore.models.training import base_model_dir, read_training_info

    train, _ = load_demo("movies")
    folder = probe_dir(str(base_model_dir()), train, demo.PROBE_CONFIG)
    info = read_training_info(folder)
    assert info["kind"] == PROBE_KIND
    assert demo.PROBE_CONFIG.min_texts <= info["n_train"] <= len(train)
    assert info["layers"] == demo.PROBE_CONFIG.layers
