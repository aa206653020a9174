"""The written-out BERT backward against autograd, and which models it covers."""

import copy

import pytest
import torch
from transformers import BertConfig, BertForSequenceClassification, BertModel

from litcore.models import bert_tape
from litcore.salience import build
from litcore.salience.targets import output_columns

# A padded batch of pairs: type ids 0 and 1, and padding in the first row.
PAIRS = (["good film", "a very very bad boring film"], ["i love it", "the plot"])


def pair_batch(model):
    ids, types, _ = model.tokenize(*PAIRS)
    batch = model.pad(ids, types)
    embeddings = model.model.get_input_embeddings()(batch["input_ids"]).detach()
    return batch, embeddings


@pytest.mark.parametrize("target", [0, 1])
def test_tape_equals_autograd_on_padded_pairs(tiny_model, target):
    batch, embeddings = pair_batch(tiny_model)
    assert batch["attention_mask"].min() == 0 and batch["token_type_ids"].max() == 1
    network = tiny_model.model
    leaf = embeddings.clone().requires_grad_(True)
    expected_logits = network(
        inputs_embeds=leaf,
        attention_mask=batch["attention_mask"],
        token_type_ids=batch["token_type_ids"],
    ).logits
    probability = torch.softmax(expected_logits, -1)[:, target].sum()
    (expected,) = torch.autograd.grad(probability, leaf)

    tape = bert_tape.BertTape(
        network, embeddings, batch["attention_mask"], batch["token_type_ids"]
    )
    with torch.enable_grad():
        columns = output_columns(tape.logits, None)
        gradient = tape.gradient(columns[:, target].sum())
    torch.testing.assert_close(tape.logits, expected_logits, atol=1e-6, rtol=0)
    scale = expected.abs().max().item()
    assert scale > 1e-3  # a real gradient to compare
    torch.testing.assert_close(gradient, expected, atol=1e-6 * scale, rtol=0)


def test_gradient_methods_run_the_tape_on_fp32_bert(tiny_model, monkeypatch):
    passes = []

    class Counted(bert_tape.BertTape):
        def __init__(self, *args):
            passes.append(args[1].shape)
            super().__init__(*args)

    monkeypatch.setattr(bert_tape, "BertTape", Counted)
    exact = {"precision": "fp32"}
    build("Gradient L2 norm", exact).explain(tiny_model, "good film")
    build("Gradient × input", exact).explain_batch(tiny_model, ["good", "bad film"])
    assert [shape[:2] for shape in passes] == [(1, 4), (2, 4)]


def test_tape_covers_fp32_bert_classifiers_only(tiny_model):
    network = tiny_model.model
    assert bert_tape.supports(network)
    assert not bert_tape.supports(copy.deepcopy(network).to(torch.bfloat16))
    assert not bert_tape.supports(copy.deepcopy(network).train())
    config = BertConfig(
        hidden_size=32, num_hidden_layers=1, num_attention_heads=2, intermediate_size=64
    )
    assert not bert_tape.supports(BertModel(config))
    approximate = BertConfig(**{**config.to_dict(), "hidden_act": "gelu_new"})
    assert not bert_tape.supports(BertForSequenceClassification(approximate))
