"""The built-in masked LM: an MLM head trained over the packaged MiniLM, and the
Fill in the blank page that offers it (a tiny recipe keeps the tests short)."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from streamlit.testing.v1 import AppTest
from transformers import AutoModel

from litcore.models import mlm_head
from litcore.models.masked_lm import MaskedLM
from litcore.models.mlm_head import MlmHeadConfig, mlm_head_model, read_mlm_info
from litcore.models.training import base_model_dir

APP = str(Path(__file__).resolve().parents[1] / "app.py")
TINY = MlmHeadConfig(max_texts=48, held_out_texts=24, passes=1, steps=4, batch_size=32)
TEXTS = [f"the movie number {i} was a good and funny film ." for i in range(60)]


@pytest.fixture(scope="module")
def trained() -> Path:
    return mlm_head_model(base_model_dir(), TEXTS[:40], TEXTS[40:], TINY)


def test_only_the_new_head_is_trained_and_the_decoder_stays_tied(trained):
    base = AutoModel.from_pretrained(base_model_dir())  # the bare encoder
    model = MaskedLM.from_pretrained(trained).model
    encoder, fresh = model.bert.state_dict(), base.state_dict()
    assert all(torch.equal(encoder[name], fresh[name]) for name in encoder)
    decoder = model.cls.predictions.decoder.weight
    assert torch.equal(decoder, model.bert.embeddings.word_embeddings.weight)


def test_the_quality_is_measured_against_the_unigram_baseline(trained):
    info = read_mlm_info(trained)
    for name in ("top1_accuracy", "top5_accuracy", "unigram_top5_accuracy"):
        assert 0.0 <= info[name] <= 1.0
    assert info["top1_accuracy"] <= info["top5_accuracy"]
    assert info["n_train_texts"] == 40 and info["n_held_out_texts"] == 20
    assert info["n_held_out_tokens"] > 0


def test_a_second_call_loads_the_cached_head(trained, monkeypatch):
    def no_training(*args, **kwargs):
        raise AssertionError("trained again")

    monkeypatch.setattr(mlm_head, "_train_head", no_training)
    assert mlm_head_model(base_model_dir(), TEXTS[:40], TEXTS[40:], TINY) == trained


def test_the_page_prepares_the_built_in_model_and_fills_a_mask(monkeypatch):
    monkeypatch.setattr(mlm_head, "DEMO_MLM_CONFIG", TINY)
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("pages/masked_lm.py").run()
    assert not at.exception, at.exception
    if mlm_head.demo_mlm_head_ready() is None:
        assert "trains a masked-LM head" in at.info[0].value
        at.button(key="mlm_prepare").click().run()
        assert not at.exception, at.exception
    assert mlm_head.demo_mlm_head_ready() is not None
    assert "top-5 accuracy" in " ".join(c.value for c in at.caption)
    text = at.text_input(key="mlm_text").value
    expected = MaskedLM.from_pretrained(mlm_head.demo_mlm_head()).fill(text)
    table = at.dataframe[0].value
    assert list(table["prediction"]) == [token for token, _ in expected.predictions[0]]


def test_an_example_sentence_replaces_the_text(monkeypatch):
    monkeypatch.setattr(mlm_head, "DEMO_MLM_CONFIG", TINY)
    mlm_head.demo_mlm_head()
    at = AppTest.from_file(APP, default_timeout=240)
    at.run()
    at.switch_page("pages/masked_lm.py").run()
    example = at.selectbox(key="mlm_example").options[2]
    at.selectbox(key="mlm_example").set_value(example).run()
    assert not at.exception, at.exception
    assert at.text_input(key="mlm_text").value == example
