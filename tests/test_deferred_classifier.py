"""A classifier opened again from its stored identity: the same name, classes,
fingerprint and specs as a full load, its code loaded only on first use."""

import json
import os

import pytest

from litcore.api.errors import ModelError
from litcore.models import deferred
from litcore.models.classifier import SequenceClassifier
from litcore.models.deferred import (
    ClassifierIdentity,
    DeferredClassifier,
    folder_key,
    identity_of,
    open_classifier,
    read_identity,
    write_identity,
)
from litcore.store.paths import CACHE_ENV_VAR


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    """Identities go to a cache of this test's own."""
    monkeypatch.setenv(CACHE_ENV_VAR, str(tmp_path / "cache"))


@pytest.fixture
def model_dir(tiny_model_dir, tmp_path):
    """A copy of the tiny classifier that a test may change."""
    copy = tmp_path / "model"
    copy.mkdir()
    for path in tiny_model_dir.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    return copy


@pytest.fixture
def loads(monkeypatch):
    """Counts full loads (``SequenceClassifier.from_pretrained`` calls)."""
    calls = []
    real = SequenceClassifier.from_pretrained.__func__

    def counted(cls, *args, **kwargs):
        calls.append(args[0])
        return real(cls, *args, **kwargs)

    monkeypatch.setattr(SequenceClassifier, "from_pretrained", classmethod(counted))
    return calls


def test_a_folder_opened_again_is_deferred_with_the_full_loads_identity(
    model_dir, loads
):
    first = open_classifier(str(model_dir))
    again = open_classifier(str(model_dir))
    assert isinstance(first, SequenceClassifier)
    assert isinstance(again, DeferredClassifier)
    assert len(loads) == 1  # the second open read the identity only
    assert identity_of(again) == identity_of(first)
    assert again.input_spec() == first.input_spec()
    assert again.output_spec() == first.output_spec()
    assert len(loads) == 1


def test_a_deferred_classifier_loads_once_on_first_use(model_dir, loads):
    open_classifier(str(model_dir))
    again = open_classifier(str(model_dir))
    texts = ["a fine film", "dull"]
    probas = again.predict(texts).probas
    assert again.tokenizer is again.classifier().tokenizer
    assert len(loads) == 2  # one full load for the deferred one, however used
    expected = SequenceClassifier.from_pretrained(model_dir).predict(texts).probas
    assert probas == pytest.approx(expected)
    again.release_weights()
    assert again.classifier()._model is None


def test_a_changed_folder_or_a_revision_is_loaded_in_full(model_dir, loads):
    open_classifier(str(model_dir))
    key = folder_key(str(model_dir))
    config = model_dir / "config.json"
    os.utime(config, ns=(config.stat().st_atime_ns, config.stat().st_mtime_ns + 1))
    assert folder_key(str(model_dir)) != key
    assert isinstance(open_classifier(str(model_dir)), SequenceClassifier)
    assert isinstance(open_classifier(str(model_dir)), DeferredClassifier)
    with_revision = open_classifier(str(model_dir), revision="v1")
    assert isinstance(with_revision, SequenceClassifier)
    assert isinstance(
        open_classifier(str(model_dir), trust_remote_code=True), SequenceClassifier
    )
    assert folder_key("org/hub-model") is None  # not a folder: never deferred


@pytest.mark.parametrize(
    "stored",
    [
        "not json",
        "[]",
        '{"source": "m", "labels": ["a", "b"], "fingerprint": "f"}',
        '{"source": "m", "labels": ["a"], "fingerprint": "f", "max_length": 8}',
        '{"source": "m", "labels": ["a", 2], "fingerprint": "f", "max_length": 8}',
        '{"source": "m", "labels": ["a", "b"], "fingerprint": "", "max_length": 8}',
        '{"source": "m", "labels": ["a", "b"], "fingerprint": "f", "max_length": 0}',
        '{"source": "m", "labels": ["a", "b"], "fingerprint": "f", "max_length": true}',
        '{"source": "m", "labels": ["a", "b"], "fingerprint": "f", '
        '"max_length": 8, "more": 1}',
    ],
)
def test_a_damaged_identity_is_ignored(stored):
    (deferred.cache_dir(deferred.IDENTITIES) / "damaged.json").write_text(stored)
    assert read_identity("damaged") is None


def test_an_identity_round_trips():
    identity = ClassifierIdentity("/m", ("neg", "pos"), "abc123", 64)
    write_identity("round-trip", identity)
    assert read_identity("round-trip") == identity
    stored = deferred.cache_dir(deferred.IDENTITIES) / "round-trip.json"
    assert json.loads(stored.read_text())["labels"] == ["neg", "pos"]


def test_a_model_that_changed_under_its_identity_is_refused(tiny_model):
    stale = ClassifierIdentity(tiny_model.source, tiny_model.labels, "stale", 64)
    model = DeferredClassifier(stale, lambda: tiny_model)
    with pytest.raises(ModelError, match="changed since its predictions"):
        model.predict(["text"])
