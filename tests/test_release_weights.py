"""A classifier's weights can be released (freed, not kept by a copy or a twin)
and come back on the next use."""

from __future__ import annotations

import gc
import weakref

import numpy as np


def test_released_weights_are_freed_and_load_again_alike(tiny_model_dir):
    from litcore.models.classifier import SequenceClassifier

    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    texts = ["a good film", "a bad one, really"]
    before = model.predict(texts)  # makes the SDPA twin
    model.salience_model(bf16=False)  # and the [CLS]-only twin
    weights = weakref.ref(model.model.base_model.embeddings.word_embeddings.weight)
    model.release_weights()
    gc.collect()
    assert weights() is None
    after = model.predict(texts)
    assert np.allclose(after.probas, before.probas, atol=1e-6)
    assert np.allclose(after.mean_embedding, before.mean_embedding, atol=1e-5)
