"""Exactness: gradients against plain autograd, IG against captum and completeness."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from litcore.models.classifier import SequenceClassifier
from litcore.salience import build

TEXT = "i love this film but the plot was boring and the acting was bad"


def autograd_reference(model: SequenceClassifier, text: str, target: int):
    """Gradient of p(target) w.r.t. the word embeddings, written out by hand."""
    encoded = model.tokenizer([text], return_tensors="pt")
    bert = model.model
    embeddings = bert.bert.embeddings.word_embeddings.weight[encoded["input_ids"]]
    embeddings = embeddings.detach().clone().requires_grad_(True)
    logits = bert(
        inputs_embeds=embeddings,
        attention_mask=encoded["attention_mask"],
        token_type_ids=encoded["token_type_ids"],
    ).logits
    probability = torch.softmax(logits, dim=-1)[0, target]
    (gradient,) = torch.autograd.grad(probability, embeddings)
    return gradient[0], embeddings[0].detach()


@pytest.mark.parametrize("target", [0, 1])
def test_gradient_methods_equal_autograd(tiny_model, target):
    gradient, embeddings = autograd_reference(tiny_model, TEXT, target)
    exact = {"precision": "fp32"}
    norm = build("Gradient L2 norm", exact).explain(tiny_model, TEXT, target=target)
    dot = build("Gradient × input", exact).explain(tiny_model, TEXT, target=target)
    np.testing.assert_allclose(norm.scores, gradient.norm(dim=-1).numpy(), atol=1e-5)
    np.testing.assert_allclose(
        dot.scores, (gradient * embeddings).sum(-1).numpy(), atol=1e-5
    )
    assert np.abs(dot.scores).max() > 1e-4  # not trivially zero


def test_integrated_gradients_equals_captum_layer_integrated_gradients(
    tiny_model_dir,
):
    """Same numbers as LayerIntegratedGradients on the word-embedding layer."""
    from captum.attr import LayerIntegratedGradients

    own = SequenceClassifier.from_pretrained(tiny_model_dir)  # captum hooks this one
    encoded = own.tokenizer([TEXT], return_tensors="pt")
    baseline = encoded["input_ids"].clone()
    baseline[0, 1:-1] = own.tokenizer.pad_token_id

    def forward(input_ids):
        logits = own.model(
            input_ids=input_ids,
            attention_mask=encoded["attention_mask"].expand(len(input_ids), -1),
            token_type_ids=encoded["token_type_ids"].expand(len(input_ids), -1),
        ).logits
        return torch.softmax(logits, dim=-1)

    layer = LayerIntegratedGradients(forward, own.model.bert.embeddings.word_embeddings)
    reference = layer.attribute(
        encoded["input_ids"], baselines=baseline, target=1, n_steps=32
    ).sum(-1)[0]
    salience = build(
        "Integrated gradients", {"steps": 32, "precision": "fp32"}
    ).explain(own, TEXT, target=1)
    np.testing.assert_allclose(salience.scores, reference.numpy(), atol=1e-5)


@pytest.fixture(scope="module")
def demo_model(demo_prepared) -> SequenceClassifier:
    return SequenceClassifier.from_pretrained(demo_prepared["model_dir"])


@pytest.mark.parametrize("baseline", ["pad", "mask", "zeros"])
def test_integrated_gradients_completeness_on_the_demo(demo_model, baseline):
    """Sum of attributions = f(x) - f(baseline) within 5% at 64 steps."""
    text = "a gripping, beautifully acted story that never lets go of you"
    salience = build(
        "Integrated gradients", {"steps": 64, "baseline": baseline}
    ).explain(demo_model, text)
    ids = torch.tensor([salience.token_ids])
    embeddings = demo_model.model.get_input_embeddings()(ids)
    content = torch.from_numpy(~salience.special)
    if baseline == "zeros":
        embeddings[0, content] = 0.0
    else:
        replacement = getattr(demo_model.tokenizer, f"{baseline}_token_id")
        embeddings = demo_model.model.get_input_embeddings()(
            ids.masked_fill(content[None], replacement)
        )
    with torch.no_grad():
        logits = demo_model.model(
            inputs_embeds=embeddings, token_type_ids=torch.tensor([salience.type_ids])
        ).logits
    baseline_probability = torch.softmax(logits, -1)[0, salience.target].item()
    change = salience.target_output - baseline_probability
    assert abs(change) > 0.05  # a real change to explain
    relative_error = abs(salience.scores.sum() - change) / abs(change)
    assert relative_error <= 0.05
    assert salience.details["relative_delta"] == pytest.approx(relative_error, abs=1e-3)
    assert salience.details["output_change"] == pytest.approx(change, abs=1e-4)


@pytest.mark.usefixtures("bf16_anywhere")
def test_auto_precision_keeps_bf16_only_where_complete(demo_model):
    """Default IG: bf16 where the sum is within 5% of the fp32 change, else fp32."""
    texts = [
        "a gripping, beautifully acted story that never lets go of you",
        "not bad at all",
        "dull, flat and far too pleased with itself",
    ]
    auto = build("Integrated gradients").explain_batch(demo_model, texts)
    exact = build("Integrated gradients", {"precision": "fp32"}).explain_batch(
        demo_model, texts
    )
    for fast, fp32 in zip(auto, exact):
        assert fast.target == fp32.target
        change = fast.details["output_change"]
        assert change == pytest.approx(fp32.details["output_change"], abs=1e-6)
        if fast.details["precision"] == "bf16":
            assert abs(fast.scores.sum() - change) <= 0.05 * abs(change)
        np.testing.assert_allclose(fast.scores, fp32.scores, atol=0.02)
    # On these texts the fast path is enough (the fallback: test_salience.py).
    assert {s.details["precision"] for s in auto} == {"bf16"}
