"""Every registered salience method, through one parametrised set of checks."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from litcore.api.errors import LumenError
from litcore.models.classifier import SequenceClassifier
from litcore.salience import METHODS, build, compatible, integrated_gradients
from tests.tiny_models import build_tiny_classifier

NAMES = list(METHODS)
TEXTS = [
    "the movie was good",
    "i love this film but the plot was boring and the acting was bad",
    "awful",
]
SEEDED = [name for name in NAMES if "seed" in METHODS[name].config_spec()]
SIGNED = [name for name in NAMES if METHODS[name].signed]
BF16 = [name for name in NAMES if "precision" in METHODS[name].config_spec()]
# Methods that explain a class (attention does not depend on the target).
TARGETED = [name for name in NAMES if not name.startswith("Attention")]


def test_registry_names_are_display_names_and_all_compatible(tiny_model):
    assert len(NAMES) == 8
    for name, method in METHODS.items():
        assert method.name == name
    assert compatible(tiny_model) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_one_score_per_token(tiny_model, name):
    salience = build(name).explain(tiny_model, TEXTS[1])
    ids, _, _ = tiny_model.tokenize([TEXTS[1]])
    assert salience.tokens == tiny_model.tokenizer.convert_ids_to_tokens(ids[0])
    assert salience.scores.shape == (len(ids[0]),)
    assert salience.scores.dtype == np.float32
    assert np.isfinite(salience.scores).all()
    assert salience.special.tolist() == [True] + [False] * (len(ids[0]) - 2) + [True]
    assert not salience.truncated
    assert salience.method == name


@pytest.mark.parametrize("name", NAMES)
def test_single_token_input(tiny_model, name):
    salience = build(name).explain(tiny_model, "good")
    assert salience.tokens == ["[CLS]", "good", "[SEP]"]
    assert np.isfinite(salience.scores).all()
    assert list(salience.table()["token"]) == ["good"]


@pytest.mark.parametrize("name", NAMES)
def test_long_input_is_truncated_and_flagged(tiny_model, name):
    text = " ".join(["the movie was good but"] * 120)  # 600 words
    salience = build(name).explain(tiny_model, text)
    assert salience.truncated
    assert len(salience.tokens) == tiny_model.max_length == 64
    assert salience.scores.shape == (64,)
    assert np.isfinite(salience.scores).all()


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("text", ["", "   "])
def test_empty_input_is_a_clear_error(tiny_model, name, text):
    with pytest.raises(LumenError, match="empty"):
        build(name).explain(tiny_model, text)


@pytest.mark.parametrize("name", NAMES)
def test_batch_equals_one_at_a_time(tiny_model, name):
    method = build(name)
    batch = method.explain_batch(tiny_model, TEXTS, targets=[None, 0, 1])
    for text, target, batched in zip(TEXTS, [None, 0, 1], batch):
        alone = method.explain(tiny_model, text, target=target)
        assert batched.tokens == alone.tokens
        assert batched.target == alone.target
        np.testing.assert_allclose(batched.scores, alone.scores, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize("name", SEEDED)
def test_seeded_methods_are_deterministic(tiny_model, name):
    first = build(name, {"seed": 3}).explain(tiny_model, TEXTS[1])
    again = build(name, {"seed": 3}).explain(tiny_model, TEXTS[1])
    other = build(name, {"seed": 4}).explain(tiny_model, TEXTS[1])
    np.testing.assert_array_equal(first.scores, again.scores)
    assert not np.array_equal(first.scores, other.scores)


@pytest.mark.parametrize("name", TARGETED)
def test_target_defaults_to_prediction_and_is_selectable(tiny_model, name):
    method = build(name)
    predicted = method.explain(tiny_model, TEXTS[0])
    probas = tiny_model.predict([TEXTS[0]], bf16=False).probas[0]
    assert predicted.target == int(probas.argmax())
    assert predicted.target_label == tiny_model.labels[predicted.target]
    # A method run in bf16 may report its bf16 pass's probability (3 digits).
    close = 1e-2 if getattr(method, "precision", "fp32") == "bf16" else 1e-5
    assert predicted.target_output == pytest.approx(probas.max(), abs=close)
    other = method.explain(tiny_model, TEXTS[0], target=1 - predicted.target)
    assert other.target == 1 - predicted.target
    if method.signed:
        # Binary: p(other) = 1 - p(predicted), so signed scores flip sign exactly.
        np.testing.assert_allclose(other.scores, -predicted.scores, atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_unknown_target_is_a_clear_error(tiny_model, name):
    with pytest.raises(LumenError, match="does not exist"):
        build(name).explain(tiny_model, TEXTS[0], target=5)


def test_text_pairs_are_explained(tiny_model):
    salience = build("Gradient × input").explain(tiny_model, "the film", "was good")
    assert salience.tokens == ["[CLS]", "the", "film", "[SEP]", "was", "good", "[SEP]"]
    assert salience.type_ids == [0, 0, 0, 0, 1, 1, 1]


def test_bad_settings_are_clear_errors(tiny_model):
    with pytest.raises(LumenError, match="Unknown salience method"):
        build("Magic")
    with pytest.raises(LumenError, match="Bad settings"):
        build("LIME", {"temperature": 2})
    with pytest.raises(LumenError, match="Samples must be a whole number"):
        build("LIME", {"samples": "many"})
    with pytest.raises(LumenError, match="Steps must be between 8 and 256"):
        build("Integrated gradients", {"steps": 4}).explain(tiny_model, TEXTS[0])
    with pytest.raises(LumenError, match="Baseline must be one of"):
        build("Integrated gradients", {"baseline": "noise"}).explain(
            tiny_model, TEXTS[0]
        )
    with pytest.raises(LumenError, match="layers 1 to 2"):
        build("Attention ([CLS])", {"layer": 3}).explain(tiny_model, TEXTS[0])


def test_configs_are_hashable_and_carry_widget_specs():
    for name, method_class in METHODS.items():
        method = method_class()
        assert hash(method.config()) == hash(
            build(name, dict(method.config())).config()
        )
        for field_name, spec in method_class.config_spec().items():
            assert spec.label
            assert getattr(method, field_name) == spec.default
            if spec.options:
                assert spec.default in spec.options
            else:
                assert spec.low <= spec.default <= spec.high


@pytest.mark.parametrize(
    "name", ["Gradient L2 norm", "Gradient × input", "Integrated gradients"]
)
@pytest.mark.usefixtures("bf16_anywhere")
def test_bf16_gradients_work_after_batch_predictions(tiny_model_dir, name):
    """The bf16 copy made inside ``predict``'s inference mode still differentiates."""
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    model.predict(TEXTS, bf16=True)
    salience = build(name, {"precision": "bf16"}).explain(model, TEXTS[1])
    assert np.isfinite(salience.scores).all()


def test_methods_leave_the_shared_model_untouched(tiny_model_dir):
    model = SequenceClassifier.from_pretrained(tiny_model_dir)
    before = {k: v.clone() for k, v in model.model.state_dict().items()}
    attention = model.model.config._attn_implementation
    for name in NAMES:
        build(name).explain(model, TEXTS[1])
    assert not model.model.training
    assert model.model.config._attn_implementation == attention == "eager"
    for module in model.model.modules():
        assert not module._forward_hooks and not module._forward_pre_hooks
        assert not module._backward_hooks
    for key, value in model.model.state_dict().items():
        assert torch.equal(value, before[key]), key
    assert all(p.grad is None for p in model.model.parameters())


# --- a model with a known answer ------------------------------------------------


def one_word_detector(folder, word: str = "good") -> SequenceClassifier:
    """A 1-layer BERT whose output depends on whether ``word`` is present, only.

    Every embedding is zero except ``word``'s; [CLS] attends (almost) only to
    ``word`` (score 25 against 0), whose value is passed on to the pooler, and
    the classifier reads it: p(positive) is about 0.94 with ``word``, 0.08
    without, whatever the other tokens are.
    """
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    build_tiny_classifier(folder)
    word_id = AutoTokenizer.from_pretrained(folder).convert_tokens_to_ids(word)
    config = BertConfig.from_pretrained(folder)
    config = BertConfig(
        **{
            **config.to_dict(),
            "hidden_size": 8,
            "num_hidden_layers": 1,
            "num_attention_heads": 1,
            "intermediate_size": 8,
            "layer_norm_eps": 1.0,
        }
    )
    model = BertForSequenceClassification(config)
    weights = {k: torch.zeros_like(v) for k, v in model.state_dict().items()}
    for key in weights:
        if "LayerNorm.weight" in key:
            weights[key].fill_(1.0)
    layer = "bert.encoder.layer.0."
    weights["bert.embeddings.word_embeddings.weight"][word_id] = torch.tensor(
        [1.0, -1.0, 0, 0, 0, 0, 0, 0]
    )
    weights[layer + "attention.self.query.bias"][0] = 80.0
    weights[layer + "attention.self.key.weight"][0, 0] = 1.0
    weights[layer + "attention.self.value.weight"][0, 0] = 1.0
    weights[layer + "attention.output.dense.weight"][0, 0] = 5.0
    weights[layer + "attention.output.dense.weight"][1, 0] = -5.0
    weights["bert.pooler.dense.weight"][0, 0] = 1.0
    weights["classifier.weight"][1, 0] = 6.0
    weights["classifier.bias"][1] = -2.5
    model.load_state_dict(weights)
    model.save_pretrained(folder)
    return SequenceClassifier.from_pretrained(folder)


@pytest.fixture(scope="module")
def detector(tmp_path_factory) -> SequenceClassifier:
    return one_word_detector(tmp_path_factory.mktemp("detector") / "model")


def test_detector_depends_on_its_word_only(detector):
    probas = detector.predict(
        ["the movie was good", "good", "bad plot and awful acting but good", "bad"],
        bf16=False,
    ).probas[:, 1]
    np.testing.assert_allclose(probas[:3], probas[0], atol=1e-6)
    assert probas[0] > 0.9 and probas[3] < 0.1


@pytest.mark.parametrize("name", NAMES)
def test_each_method_ranks_the_decisive_token_first(detector, name):
    salience = build(name).explain(
        detector, "the plot was boring but the acting was good and fun", target=1
    )
    assert salience.top_tokens(1)["token"].tolist() == ["good"]


@pytest.mark.parametrize("name", BF16)
@pytest.mark.usefixtures("bf16_anywhere")
def test_bf16_precision_keeps_the_answer(detector, name):
    text = "the plot was boring but the acting was good and fun"
    fast = build(name, {"precision": "bf16"}).explain(detector, text, target=1)
    exact = build(name, {"precision": "fp32"}).explain(detector, text, target=1)
    assert fast.top_tokens(1)["token"].tolist() == ["good"]
    np.testing.assert_allclose(fast.scores, exact.scores, atol=0.02)


@pytest.mark.parametrize("tolerance, kept", [(0.0, "fp32"), (float("inf"), "bf16")])
@pytest.mark.usefixtures("bf16_anywhere")
def test_auto_ig_redoes_in_fp32_what_bf16_misses(
    tiny_model, monkeypatch, tolerance, kept
):
    monkeypatch.setattr(integrated_gradients, "AUTO_TOLERANCE", tolerance)
    auto = build("Integrated gradients").explain_batch(tiny_model, TEXTS)
    alone = build("Integrated gradients", {"precision": kept}).explain_batch(
        tiny_model, TEXTS
    )
    for fast, reference in zip(auto, alone):
        assert fast.details["precision"] == kept
        np.testing.assert_allclose(fast.scores, reference.scores, atol=1e-6)
        assert fast.details["relative_delta"] == pytest.approx(
            reference.details["relative_delta"], abs=1e-6
        )


def test_unknown_precision_is_a_clear_error(tiny_model):
    with pytest.raises(LumenError, match="Precision must be one of"):
        build("LIME", {"precision": "fp8"}).explain(tiny_model, TEXTS[0])


def test_dataclass_fields_are_the_whole_config():
    for method_class in METHODS.values():
        names = {f.name for f in dataclasses.fields(method_class)}
        assert names == set(method_class.config_spec())
