"""The linear probe: a logistic regression on a frozen encoder's pooled output,
written into an ordinary sequence classifier."""

import json

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.linear_model import LogisticRegression
from transformers import AutoModelForSequenceClassification

from litcore.api.errors import ModelError
from litcore.data.dataset import ColumnMapping, from_frame
from litcore.models.classifier import SequenceClassifier
from litcore.models.hf_loading import TRAINING_INFO
from litcore.models.probe import (
    PROBE_KIND,
    ProbeConfig,
    fit_probe,
    pooled_features,
    standardisation,
    write_head,
)

WORDS = {
    "good": "great wonderful fun best love",
    "bad": "awful terrible boring worst hate",
    "meh": "not very plot acting it",
}


def labelled(labels=("bad", "good"), copies=2):
    rows = [
        {"text": f"the {word} film", "label": label}
        for label in labels
        for word in WORDS[label].split()
    ]
    frame = pd.DataFrame(rows * copies)
    return from_frame(frame, ColumnMapping(text="text", label="label"), name="tiny")


def test_the_probe_is_scikit_learns_logistic_regression_on_the_pooled_output(
    tiny_model_dir,
):
    data = labelled()
    config = ProbeConfig(max_texts=1000, regularisation=0.5, max_length=16)
    folder = fit_probe(tiny_model_dir, data, config)
    probe = SequenceClassifier.from_pretrained(folder)
    predicted = probe.predict(data.texts(), bf16=False)
    # The same fit by hand: tanh of the [CLS] state of the base model, standardised.
    base = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    features = np.tanh(predicted.cls_embedding)
    np.testing.assert_allclose(
        pooled_features(probe.model, predicted.cls_embedding), features, atol=1e-6
    )
    mean, scale = standardisation(features)
    standardised = (features - mean) / scale
    gold = (data.frame["label"] == "good").to_numpy().astype(int)
    expected = LogisticRegression(C=0.5, tol=1e-10, max_iter=10_000)
    expected.fit(standardised, gold)
    np.testing.assert_allclose(
        predicted.probas, expected.predict_proba(standardised), atol=1e-4
    )
    # The encoder is frozen: the same weights as the base model.
    probed = probe.model.state_dict()
    for name, weight in base.state_dict().items():
        if not name.startswith(("classifier", "bert.pooler")):
            assert torch.equal(probed[name], weight), name
    assert torch.equal(probed["bert.pooler.dense.weight"], torch.eye(32))
    info = json.loads((folder / TRAINING_INFO).read_text())
    assert info["kind"] == PROBE_KIND and info["n_train"] == len(data)
    assert info["config"]["max_length"] == 16 and probe.max_length == 16


def test_two_class_head_gives_the_logistic_probabilities_exactly(tiny_model_dir):
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    coef, intercept = np.array([[0.05] * 32]), np.array([-1.0])
    write_head(model, coef, intercept, [0, 1])
    features = torch.ones(1, 32)
    probabilities = torch.softmax(model.classifier(features), -1)
    expected = 1 / (1 + np.exp(-(32 * 0.05 - 1.0)))  # sigmoid(w . x + b)
    assert probabilities[0, 1].item() == pytest.approx(expected, abs=1e-6)


def test_three_classes_and_a_class_missing_from_the_sample(tmp_path):
    from tiny_models import build_tiny_classifier

    folder = build_tiny_classifier(tmp_path / "m", labels=("bad", "good", "meh"))
    model = AutoModelForSequenceClassification.from_pretrained(folder)
    coef = np.arange(96, dtype=float).reshape(3, 32)
    write_head(model, coef, np.array([1.0, 2.0, 3.0]), [0, 1, 2])
    assert torch.equal(model.classifier.weight, torch.from_numpy(coef).float())
    write_head(model, coef[:1], np.array([1.0]), [0, 2])  # "good" not sampled
    assert torch.equal(model.classifier.weight[1], torch.zeros(32))
    assert model.classifier.bias.tolist() == [-0.5, -30.0, 0.5]
    data = labelled(("bad", "good", "meh"))
    probe = fit_probe(folder, data, ProbeConfig(max_length=16))
    predicted = SequenceClassifier.from_pretrained(probe).predict(data.texts())
    assert predicted.probas.shape == (len(data), 3)


def test_the_sample_is_capped_seeded_and_cached(tiny_model_dir):
    data = labelled(copies=6)
    config = ProbeConfig(max_texts=7, max_length=16, seed=4)
    calls = []
    folder = fit_probe(tiny_model_dir, data, config, lambda d, t: calls.append(t))
    assert calls and set(calls) == {7}
    info = json.loads((folder / TRAINING_INFO).read_text())
    assert info["n_train"] == 7
    calls.clear()
    assert fit_probe(tiny_model_dir, data, config, lambda d, t: calls.append(t)) == (
        folder
    )
    assert calls == []  # cached: nothing embedded
    other = fit_probe(tiny_model_dir, data, ProbeConfig(max_texts=8, max_length=16))
    assert other != folder


def test_a_probe_on_the_first_layers_is_a_shorter_model_with_the_same_weights(
    tiny_model_dir,
):
    data = labelled()
    folder = fit_probe(tiny_model_dir, data, ProbeConfig(max_length=16, layers=1))
    probe = SequenceClassifier.from_pretrained(folder)
    assert probe.config.num_hidden_layers == 1
    assert len(probe.model.bert.encoder.layer) == 1
    assert json.loads((folder / TRAINING_INFO).read_text())["layers"] == 1
    base = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    probed = probe.model.state_dict()
    for name, weight in base.state_dict().items():
        if name.startswith("bert.encoder.layer.1."):
            assert name not in probed
        elif not name.startswith(("classifier", "bert.pooler")):
            assert torch.equal(probed[name], weight), name
    # The probe reads [CLS] after the first layer of the base model.
    batch = probe.pad(*probe.tokenize(data.texts()[:3])[:2])
    with torch.inference_mode():
        states = base(**batch, output_hidden_states=True).hidden_states
    predicted = probe.predict(data.texts()[:3], bf16=False)
    np.testing.assert_allclose(
        predicted.cls_embedding, states[1][:, 0].numpy(), atol=1e-5
    )


def test_a_probe_keeps_at_least_one_layer(tiny_model_dir):
    with pytest.raises(ValueError, match="at least 1 layer"):
        fit_probe(tiny_model_dir, labelled(), ProbeConfig(max_length=16, layers=0))


def test_data_with_one_class_is_refused(tiny_model_dir):
    with pytest.raises(ModelError, match="two classes"):
        fit_probe(tiny_model_dir, labelled(("good",)))


def test_a_base_without_pooler_is_refused(tmp_path, tiny_model_dir):
    from transformers import AutoTokenizer, DistilBertConfig
    from transformers import DistilBertForSequenceClassification as DistilBert

    folder = tmp_path / "distilbert"
    config = DistilBertConfig(
        vocab_size=64, dim=32, n_layers=1, n_heads=2, hidden_dim=64
    )
    DistilBert(config).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_model_dir).save_pretrained(folder)
    with pytest.raises(ModelError, match="BERT-style"):
        fit_probe(folder, labelled(), ProbeConfig(max_length=16))


def test_a_time_budget_stops_embedding_after_the_minimum(tiny_model_dir, monkeypatch):
    from litcore.models import probe

    monkeypatch.setattr(probe, "CHUNK", 4)
    data = labelled(copies=6)  # 60 texts
    quick = ProbeConfig(max_texts=40, min_texts=10, budget_s=0.0, max_length=16)
    folder = fit_probe(tiny_model_dir, data, quick)
    assert json.loads((folder / TRAINING_INFO).read_text())["n_train"] == 12
    unlimited = ProbeConfig(max_texts=40, min_texts=10, max_length=16)
    folder = fit_probe(tiny_model_dir, data, unlimited)
    assert json.loads((folder / TRAINING_INFO).read_text())["n_train"] == 40
