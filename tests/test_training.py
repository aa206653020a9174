"""Fine-tuning: bucketed batches, cached results, saved through save_pretrained;
the adaptive defaults (steps, max length, validation) and the one-class warning."""

import json
import re
import warnings
from dataclasses import asdict, replace

import numpy as np
import pandas as pd
import pytest
import torch
from transformers import AutoModelForSequenceClassification

from litcore.api.errors import ModelError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.models.classifier import SequenceClassifier
from litcore.models.training import (
    MIN_STEPS,
    TRAINING_INFO,
    TrainConfig,
    TrainingWarning,
    adapted_config,
    bucketed_batches,
    fine_tune,
    fitted_max_length,
    freeze_bottom_layers,
    model_key,
    read_training_info,
    validation_rows,
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


def test_frozen_layers_enter_the_cache_key_only_when_set():
    data = tiny_data()
    # The key before the field existed: models trained without it keep theirs.
    assert model_key("base", data, TINY_CONFIG) == "fddb7a3c42c7f250"
    frozen = replace(TINY_CONFIG, frozen_layers=1)
    assert model_key("base", data, frozen) != model_key("base", data, TINY_CONFIG)


FROZEN_BOTTOM = ("bert.embeddings.", "bert.encoder.layer.0.")  # of the tiny 2 layers


def test_frozen_layers_get_no_gradient_and_no_backward_pass(tiny_model_dir):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    freeze_bottom_layers(model, 1)
    outputs = []
    model.bert.encoder.layer[0].register_forward_hook(
        lambda module, inputs, output: outputs.append(output)
    )
    ids = torch.tensor([[2, 5, 6, 9, 3]])
    model(input_ids=ids, labels=torch.tensor([1])).loss.backward()
    layer_output = outputs[0][0] if isinstance(outputs[0], tuple) else outputs[0]
    assert not layer_output.requires_grad  # autograd stops above the frozen bottom
    for name, parameter in model.named_parameters():
        assert (parameter.grad is None) == name.startswith(FROZEN_BOTTOM), name
    with pytest.raises(ModelError, match="bottom 3 encoder layers: the model has 2"):
        freeze_bottom_layers(model, 3)


def test_fine_tune_keeps_the_frozen_layers_weights(tiny_model_dir):
    config = replace(TINY_CONFIG, frozen_layers=1)
    folder = fine_tune(tiny_model_dir, tiny_data(), config)
    assert read_training_info(folder)["config"]["frozen_layers"] == 1
    base = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    trained = AutoModelForSequenceClassification.from_pretrained(folder)
    before, after = base.state_dict(), trained.state_dict()
    frozen = [name for name in before if name.startswith(FROZEN_BOTTOM)]
    assert frozen and all(torch.equal(before[name], after[name]) for name in frozen)
    top = "bert.encoder.layer.1.attention.self.query.weight"
    assert not torch.equal(before[top], after[top])


def test_single_class_data_is_refused(tiny_model_dir):
    data = from_frame(
        pd.DataFrame({"t": ["a", "b"], "l": ["x", "x"]}), ColumnMapping("t", "l")
    )
    with pytest.raises(ModelError, match="at least two classes"):
        fine_tune(tiny_model_dir, data, TINY_CONFIG)


def test_max_length_is_the_90th_percentile_rounded_up_to_8_and_capped():
    lengths = [10] * 9 + [300]  # the 90th percentile is 10 + 0.1 * 290 = 39
    assert fitted_max_length(lengths, model_limit=512) == 40
    assert fitted_max_length([5] * 10, model_limit=512) == 32  # at least 32
    assert fitted_max_length([1000] * 10, model_limit=512) == 256  # at most 256
    assert fitted_max_length([1000] * 10, model_limit=64) == 64  # what the model takes


def test_tiny_data_trains_for_the_minimum_steps_at_its_own_length(tiny_model_dir):
    # 9 texts of 3 words and 1 of 60: 5 and 62 tokens with [CLS] and [SEP].
    texts = ["the good film"] * 9 + [" ".join(["film"] * 60)]
    frame = pd.DataFrame({"text": texts * 2, "label": ["good", "bad"] * 10})
    data = from_frame(frame, ColumnMapping(text="text", label="label"))
    config = adapted_config(data, tiny_model_dir)
    # 90th percentile: 5 + 0.1 * 57 = 10.7 -> 16 -> at least 32.
    assert config.max_length == 32 and config.validation_share == 0.1
    assert config.epochs == MIN_STEPS  # 20 examples: one batch an epoch
    assert validation_rows(data.frame["label"], 0.1, seed=0) is None  # too small
    reports = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TrainingWarning)  # may not learn: no signal
        folder = fine_tune(tiny_model_dir, data, progress=reports.append)
    assert len(reports) == reports[-1].total_steps == MIN_STEPS
    info = read_training_info(folder)
    assert info["config"] == asdict(config)  # fine_tune's default is adapted_config
    assert info["truncated_share"] == 0.1  # the 62-token texts
    assert info["n_train"] == 20 and info["validation"]["on"] == "training"


def test_validation_split_is_stratified_and_seeded():
    labels = pd.Series(["a"] * 60 + ["b"] * 30)
    train_rows, validation = validation_rows(labels, 0.1, seed=0)
    assert sorted([*train_rows, *validation]) == list(range(90))
    assert labels[validation].value_counts().to_dict() == {"a": 6, "b": 3}
    again = validation_rows(labels, 0.1, seed=0)[1]
    assert np.array_equal(validation, again)


def test_a_model_that_predicts_one_class_is_flagged(tiny_model_dir):
    """Identical texts with two labels: the trained model can only answer one."""
    frame = pd.DataFrame({"text": ["the film"] * 60, "label": ["good", "bad"] * 30})
    data = from_frame(frame, ColumnMapping(text="text", label="label"))
    config = replace(adapted_config(data, tiny_model_dir), epochs=1)  # 2 steps
    with pytest.warns(TrainingWarning) as caught:
        folder = fine_tune(tiny_model_dir, data, config)
    info = read_training_info(folder)
    assert [str(warning.message) for warning in caught] == info["warnings"]
    one_class, no_better = info["warnings"]
    assert re.search("predicts '(good|bad)' for 100% of the 6 validation", one_class)
    assert "no better than always predicting the most common class" in no_better
    assert info["validation"]["on"] == "validation" and info["validation"]["n"] == 6
    assert info["n_train"] == 54 and info["validation"]["top_predicted_share"] == 1.0
    model = SequenceClassifier.from_pretrained(folder)
    predicted = model.predict(["the film"] * 2 + ["great"], bf16=False).probas
    assert len(set(predicted.argmax(1))) == 1


def test_a_model_that_learns_is_not_flagged(tiny_model_dir):
    data = from_frame(
        pd.concat([tiny_data().frame] * 4), ColumnMapping(text="text", label="label")
    )  # 80 examples, 40 a class: 4 of each held out
    config = replace(adapted_config(data, tiny_model_dir), learning_rate=3e-3)
    with warnings.catch_warnings():
        warnings.simplefilter("error", TrainingWarning)
        folder = fine_tune(tiny_model_dir, data, config)
    validation = read_training_info(folder)["validation"]
    assert validation["n"] == 8 and validation["accuracy"] == 1.0
    assert validation["majority_accuracy"] == 0.5
    assert read_training_info(folder)["warnings"] == []
