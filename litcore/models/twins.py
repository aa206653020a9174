"""Twins of a model: copies of its modules that share its weight tensors.

``cls_only_twin`` is a BERT classifier whose last layer computes the [CLS] row
only. ``BertForSequenceClassification`` reads the last layer at [CLS] alone (its
pooler takes row 0), so that layer's query, attention output and feed-forward
for every other token are wasted work: 5/6 of the last layer, about 14% of a
6-layer forward pass and of its backward. Salience differentiates the twin:
the same weights and the same logits, for less work.
"""

from __future__ import annotations

import copy

import torch

# Architectures whose head reads the last layer at [CLS] only, with BERT's layers.
SUPPORTED = ("BertForSequenceClassification",)


class ClsOnlyLayer(torch.nn.Module):
    """A ``BertLayer`` that returns its output at the first position only.

    Keys and values still come from every token; the output is
    ``<dtype>[batch, 1, hidden]``, which the pooler reads as row 0.
    """

    def __init__(self, layer: torch.nn.Module) -> None:
        from transformers.modeling_utils import ALL_ATTENTION_FUNCTIONS
        from transformers.models.bert.modeling_bert import eager_attention_forward

        super().__init__()
        self.layer = layer
        self.attend = ALL_ATTENTION_FUNCTIONS.get_interface(
            layer.attention.self.config._attn_implementation, eager_attention_forward
        )

    def forward(self, hidden_states, attention_mask=None, *args, **kwargs):
        attention = self.layer.attention.self
        batch = hidden_states.shape[0]
        first = hidden_states[:, :1].contiguous()  # else linear broadcasts its weight

        def heads(states: torch.Tensor) -> torch.Tensor:
            shape = (batch, states.shape[1], -1, attention.attention_head_size)
            return states.view(shape).transpose(1, 2)

        if attention_mask is not None:
            attention_mask = attention_mask[..., :1, :]
        context, _ = self.attend(
            attention,
            heads(attention.query(first)),
            heads(attention.key(hidden_states)),
            heads(attention.value(hidden_states)),
            attention_mask,
            dropout=0.0,
            scaling=attention.scaling,
        )
        attended = self.layer.attention.output(context.reshape(batch, 1, -1), first)
        return self.layer.feed_forward_chunk(attended)


def shared_copy(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model``'s modules that shares its parameter and buffer tensors."""
    shared = {id(t): t for t in [*model.parameters(), *model.buffers()]}
    return copy.deepcopy(model, shared)


def cls_only_twin(model: torch.nn.Module) -> torch.nn.Module:
    """``model`` with a [CLS]-only last layer (weights shared), or ``model`` itself
    where its architecture is not in ``SUPPORTED``."""
    if type(model).__name__ not in SUPPORTED:
        return model
    twin = shared_copy(model)
    layers = twin.bert.encoder.layer
    layers[-1] = ClsOnlyLayer(layers[-1])
    return twin
