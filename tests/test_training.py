"""Fine-tuning: bucketed batches, cached results, saved through save_pretrained."""

import json

import numpy as np
import pandas as pd
import pytest

from litcore.api.errors import ModelError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.models.classifier import SequenceClassifier
from litcore.models.training import (
    TRAINING_INFO,
    TrainConfig,
    bucketed_batches,
    fine_tune,
    model_key,
)

TINY_CONFIG = TrainConfig(epochs=10, learning_rate=3e-3, batch_size=4, max_length=16)


def tiny_data(labels=("bad", "good")):
    words = {
        "good": "great wonderful fun best love",
        "bad": "awful terrible boring worst hate",
    }
    rows = [
        {"text": f"the {word} film", "label": label}
        for label in labels
        for word in words[label].split()
    ]
    return from_frame(pd.DataFrame(rows * 2), ColumnMapping(text="text", label="label"))


def test_bucketed_batches_cover_every_example_once_per_epoch():
    lengths = list(np.random.default_rng(0).integers(1, 60, size=1000))
    batches = bucketed_batches(lengths, batch_size=32, epochs=1, seed=0)
    seen = np.concatenate(batches)
    assert sorted(seen.tolist()) == list(range(1000))
    assert len(batches) == 32  # 31 full batches and one of 8
    spreads = [np.ptp(np.asarray(lengths)[b]) for b in batches]
    assert np.median(spreads) <= 3  # similar lengths share a batch


def test_bucketed_batches_are_seeded():
    lengths = [3, 1, 4, 1, 5, 9, 2, 6]
    first = bucketed_batches(lengths, 2, 2, seed=7)
    again = bucketed_batches(lengths, 2, 2, seed=7)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert len(first) == 8


def test_fine_tune_learns_saves_and_caches(tiny_model_dir):
    data = tiny_data()
    folder = fine_tune(tiny_model_dir, data, TINY_CONFIG)
    info = json.loads((folder / TRAINING_INFO).read_text())
    assert info["labels"] == ["bad", "good"] and info["n_train"] == len(data)
    model = SequenceClassifier.from_pretrained(folder)
    assert model.labels == ("bad", "good")
    predictions = model.predict(data.texts(), bf16=False)
    accuracy = (
        np.array(model.labels)[predictions.probas.argmax(1)] == data.frame["label"]
    ).mean()
    assert accuracy == 1.0
    reports = []
    assert fine_tune(tiny_model_dir, data, TINY_CONFIG, reports.append) == folder
    assert reports == []  # cached: no training step ran


def test_progress_reports_every_step(tiny_model_dir):
    reports = []
    config = TrainConfig(epochs=1, batch_size=4, max_length=16, seed=3)
    fine_tune(tiny_model_dir, tiny_data(), config, reports.append)
    assert [r.step for r in reports] == list(range(1, len(reports) + 1))
    assert reports[-1].seconds_left == 0
    assert "loss" in reports[0].describe()


def test_cache_key_depends_on_everything(tiny_model_dir):
    data = tiny_data()
    key = model_key(str(tiny_model_dir), data, TINY_CONFIG)
    assert key != model_key("other", data, TINY_CONFIG)
    assert key != model_key(str(tiny_model_dir), data, TrainConfig())
    fewer = from_frame(data.frame.iloc[1:], ColumnMapping(text="text", label="label"))
    assert key != model_key(str(tiny_model_dir), fewer, TINY_CONFIG)


def test_single_class_data_is_refused(tiny_model_dir):
    data = from_frame(
        pd.DataFrame({"t": ["a", "b"], "l": ["x", "x"]}), ColumnMapping("t", "l")
    )
    with pytest.raises(ModelError, match="at least two classes"):
        fine_tune(tiny_model_dir, data, TINY_CONFIG)
