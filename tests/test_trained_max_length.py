"""A Lumen-trained classifier opens at the max length it was fine-tuned with."""

import json
import shutil
from dataclasses import asdict

import pytest

from litcore.api.errors import ModelError
from litcore.models.classifier import SequenceClassifier
from litcore.models.hf_loading import TRAINING_INFO
from litcore.models.training import TrainConfig

LONG_TEXT = " ".join(["the good movie was not very boring"] * 6)  # over 16 tokens


@pytest.fixture
def model_folder(tiny_model_dir, tmp_path):
    """A copy of the tiny classifier (position limit 64) to add a summary to."""
    return shutil.copytree(tiny_model_dir, tmp_path / "model")


def write_summary(folder, summary) -> None:
    (folder / TRAINING_INFO).write_text(json.dumps(summary))


def test_the_trained_max_length_is_read_from_the_training_summary(model_folder):
    config = asdict(TrainConfig(max_length=16))
    write_summary(model_folder, {"labels": ["negative", "positive"], "config": config})
    model = SequenceClassifier.from_pretrained(model_folder)
    assert model.max_length == 16
    input_ids, _, truncated = model.tokenize([LONG_TEXT, "good"])
    assert [len(ids) for ids in input_ids] == [16, 3]
    assert truncated.tolist() == [True, False]


def test_it_enters_the_fingerprint(model_folder):
    plain = SequenceClassifier.from_pretrained(model_folder)
    write_summary(model_folder, {"config": {"max_length": 16}})
    trained = SequenceClassifier.from_pretrained(model_folder)
    assert (plain.max_length, trained.max_length) == (64, 16)
    assert plain.fingerprint != trained.fingerprint


def test_a_max_length_given_wins_over_the_summary(model_folder):
    write_summary(model_folder, {"config": {"max_length": 16}})
    assert SequenceClassifier.from_pretrained(model_folder, 24).max_length == 24


def test_the_model_limit_still_caps_it(model_folder):
    write_summary(model_folder, {"config": {"max_length": 256}})
    assert SequenceClassifier.from_pretrained(model_folder).max_length == 64


@pytest.mark.parametrize(
    "content, reason",
    [
        ("{not json", "not a Lumen training summary"),
        ('{"config": {}}', "not a Lumen training summary"),
        ('["config"]', "not a Lumen training summary"),
        ('{"config": {"max_length": "64"}}', "must be a whole number"),
        ('{"config": {"max_length": true}}', "must be a whole number"),
        ('{"config": {"max_length": 0}}', "must be 1 or more"),
    ],
)
def test_a_damaged_summary_is_a_model_error(model_folder, content, reason):
    (model_folder / TRAINING_INFO).write_text(content)
    with pytest.raises(ModelError, match=reason):
        SequenceClassifier.from_pretrained(model_folder)
