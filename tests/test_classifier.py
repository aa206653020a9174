"""The classifier wrapper on tiny random BERTs loaded through from_pretrained."""

import os

import numpy as np
import pandas as pd
import pytest
import torch
from tiny_models import build_tiny_classifier

from litcore.api.errors import ModelError
from litcore.models.classifier import SequenceClassifier, token_budget_batches
from litcore.session.columns import ID, TEXT
from litcore.session.predictions import predict_dataset
from litcore.store.predictions import PredictionStore

TEXTS = ["good film", "a very very bad boring film and plot", "great", "i love it"]


def test_labels_come_from_the_config(tiny_model):
    assert tiny_model.labels == ("negative", "positive")
    assert tiny_model.max_length == 64  # the tiny model's position limit


def test_predict_shapes_and_tokens(tiny_model):
    predictions = tiny_model.predict(TEXTS, bf16=False)
    assert predictions.probas.shape == (4, 2)
    assert np.allclose(predictions.probas.sum(axis=1), 1.0, atol=1e-6)
    assert predictions.cls_embedding.shape == (4, 32)
    assert predictions.mean_embedding.shape == (4, 32)
    assert predictions.tokens[0] == ["[CLS]", "good", "film", "[SEP]"]
    assert not predictions.truncated.any()


def test_sorted_batches_restore_the_order(tiny_model):
    batched = tiny_model.predict(TEXTS, batch_tokens=12, bf16=False)
    for i, text in enumerate(TEXTS):
        single = tiny_model.predict([text], bf16=False)
        assert np.allclose(batched.probas[i], single.probas[0], atol=1e-5)
        assert np.allclose(
            batched.mean_embedding[i], single.mean_embedding[0], atol=1e-5
        )


def test_outputs_match_a_plain_forward_pass(tiny_model):
    encoded = tiny_model.tokenizer(["good film"], return_tensors="pt")
    with torch.no_grad():
        output = tiny_model.model(**encoded, output_hidden_states=True)
    expected = torch.softmax(output.logits, -1)[0].numpy()
    got = tiny_model.predict(["good film"], bf16=False)
    assert np.allclose(got.probas[0], expected, atol=1e-6)
    assert np.allclose(
        got.cls_embedding[0], output.hidden_states[-1][0, 0].numpy(), atol=1e-6
    )


def test_sentence_pairs(tiny_model):
    predictions = tiny_model.predict(["good film"], ["bad plot"], bf16=False)
    assert predictions.tokens[0] == [
        "[CLS]",
        "good",
        "film",
        "[SEP]",
        "bad",
        "plot",
        "[SEP]",
    ]


def test_long_inputs_are_truncated_and_flagged(tiny_model):
    predictions = tiny_model.predict(["good " * 200, "bad"], bf16=False)
    assert predictions.truncated.tolist() == [True, False]
    assert len(predictions.tokens[0]) == 64


def test_empty_list_is_refused(tiny_model):
    with pytest.raises(ModelError, match="empty"):
        tiny_model.predict([])


def test_fingerprint_is_stable_and_differs_between_models(tiny_model_dir, tmp_path):
    again = SequenceClassifier.from_pretrained(tiny_model_dir)
    other = SequenceClassifier.from_pretrained(
        build_tiny_classifier(tmp_path / "o", seed=1)
    )
    assert (
        again.fingerprint
        == SequenceClassifier.from_pretrained(tiny_model_dir).fingerprint
    )
    assert other.fingerprint != again.fingerprint


@pytest.mark.parametrize("architecture", ["base", "masked"])
def test_wrong_model_types_are_refused(tmp_path, architecture):
    folder = build_tiny_classifier(tmp_path / architecture, architecture=architecture)
    with pytest.raises(ModelError, match="not a sequence classifier"):
        SequenceClassifier.from_pretrained(folder)


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(ModelError, match="Could not load a model"):
        SequenceClassifier.from_pretrained(tmp_path / "nothing-here")


def test_token_budget_batches():
    lengths = [5, 3, 9, 3, 20]
    order = np.argsort(lengths, kind="stable")
    batches = token_budget_batches(lengths, order, batch_tokens=10)
    assert [b.tolist() for b in batches] == [[1, 3], [0], [2], [4]]


def test_stored_predictions_need_no_weights(tmp_path):
    """A warm launch reads the store; the weights load only when a page needs them."""
    folder = build_tiny_classifier(tmp_path / "model")
    frame = pd.DataFrame({ID: ["a", "b"], TEXT: ["good film", "bad plot"]})
    store = PredictionStore(tmp_path / "store.sqlite")
    first = predict_dataset(SequenceClassifier.from_pretrained(folder), frame, store)
    weights = folder / "model.safetensors"
    stat = weights.stat()
    weights.write_bytes(b"\0" * stat.st_size)  # unreadable, same size and time:
    os.utime(weights, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same fingerprint
    lazy = SequenceClassifier.from_pretrained(folder)
    again = predict_dataset(lazy, frame, store)
    assert np.array_equal(again.probas, first.probas)
    assert lazy.labels == ("negative", "positive")
    with pytest.raises(ModelError, match="Could not load"):
        lazy.model  # noqa: B018 (the property loads the weights)


def test_weights_loaded_by_predict_can_be_differentiated(tiny_model_dir):
    """``predict`` runs in inference mode; the weights it loads must not be
    inference tensors, or salience fails on them later."""
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    model.predict(["good film"], bf16=False)
    tensors = [*model.model.parameters(), *model.model.buffers()]
    assert not any(tensor.is_inference() for tensor in tensors)
