"""Weight-sharing twins and the bf16 copy's attention, on a tiny random BERT."""

import pytest
import torch
from transformers import BertConfig, BertModel

from litcore.models.precision import bf16_attention
from litcore.models.twins import ClsOnlyLayer, cls_only_twin, shared_copy

TEXTS = ["good film", "a very very bad boring film and plot"]  # padded batch


def logits_and_input_gradient(network, batch):
    """Target-class logits and their gradient with respect to the word embeddings."""
    embeddings = network.get_input_embeddings()(batch["input_ids"]).detach()
    embeddings = embeddings.float().requires_grad_(True)
    inputs = {k: v for k, v in batch.items() if k != "input_ids"}
    logits = network(**inputs, inputs_embeds=embeddings.to(network.dtype)).logits
    (gradient,) = torch.autograd.grad(logits[:, 1].float().sum(), embeddings)
    return logits.float().detach(), gradient


@pytest.mark.usefixtures("bf16_anywhere")
@pytest.mark.parametrize("bf16", [False, True])
def test_cls_only_twin_keeps_logits_and_gradients(tiny_model, bf16):
    network = tiny_model.inference_model(bf16)
    twin = cls_only_twin(network)
    assert isinstance(twin.bert.encoder.layer[-1], ClsOnlyLayer)
    batch = tiny_model.pad(*tiny_model.tokenize(TEXTS)[:2])
    full_logits, full_gradient = logits_and_input_gradient(network, batch)
    twin_logits, twin_gradient = logits_and_input_gradient(twin, batch)
    tolerance = 2e-2 if bf16 else 1e-6
    assert torch.allclose(twin_logits, full_logits, atol=tolerance)
    scale = full_gradient.abs().max()
    assert torch.allclose(twin_gradient, full_gradient, atol=tolerance * scale)


def test_twins_share_the_weights_and_leave_the_model_alone(tiny_model):
    twin = cls_only_twin(tiny_model.model)
    pairs = zip(tiny_model.model.parameters(), twin.parameters(), strict=True)
    assert all(a is b for a, b in pairs)
    assert not isinstance(tiny_model.model.bert.encoder.layer[-1], ClsOnlyLayer)


def test_other_architectures_keep_the_full_model():
    encoder = BertModel(
        BertConfig(
            hidden_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=64,
        )
    )
    assert cls_only_twin(encoder) is encoder


@pytest.mark.usefixtures("bf16_anywhere")
def test_fp32_softmax_attention_is_eager_attention(tiny_model):
    """In fp32 the bf16 copy's attention computes exactly what eager does."""
    twin = shared_copy(tiny_model.model)
    twin.set_attn_implementation(bf16_attention())
    batch = tiny_model.pad(*tiny_model.tokenize(TEXTS)[:2])
    with torch.no_grad():
        expected = tiny_model.model(**batch).logits
        got = twin(**batch).logits
    assert torch.allclose(got, expected, atol=1e-6)
    copy = tiny_model.inference_model(True)
    assert copy.config._attn_implementation == bf16_attention()
