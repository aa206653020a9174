"""A BERT classifier's forward pass with its input-gradient backward written out.

Gradient maps need the gradient of one output with respect to the word
embeddings of one short text. There the matmuls are small (a few dozen rows),
and autograd's graph and transformers' module calls cost half as much again.
``BertTape`` runs the encoder in plain tensor ops without a graph, keeps what
the backward needs, and ``gradient`` computes the gradient with respect to the
input embeddings only, with the kernels autograd would call (no parameter
gradients). As in ``twins.ClsOnlyLayer``, the last layer computes the [CLS] row
only. The pooler and classifier run under autograd (any target function of the
logits); ``supports`` says which models the tape covers (fp32
``BertForSequenceClassification`` with absolute positions and exact GELU).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


def supports(network: torch.nn.Module) -> bool:
    """Whether ``network`` computes exactly what the tape does."""
    config = network.config
    return (
        type(network).__name__ == "BertForSequenceClassification"
        and not network.training
        and network.dtype == torch.float32
        and config.hidden_act == "gelu"
        and getattr(config, "position_embedding_type", "absolute") == "absolute"
        and not config.is_decoder
        and config.type_vocab_size >= 2
    )


def _heads(states: torch.Tensor, head_size: int) -> torch.Tensor:
    """``[batch, tokens, hidden]`` -> ``[batch, heads, tokens, head_size]``."""
    return states.view(states.shape[0], states.shape[1], -1, head_size).transpose(1, 2)


def _merged(states: torch.Tensor) -> torch.Tensor:
    """``[batch, heads, tokens, head_size]`` -> ``[batch, tokens, hidden]``."""
    return states.transpose(1, 2).reshape(states.shape[0], states.shape[2], -1)


def _layer_norm(values: torch.Tensor, norm: torch.nn.LayerNorm):
    """(output, mean, rstd): ``norm`` of ``values`` and what its backward reads."""
    return torch.native_layer_norm(
        values, norm.normalized_shape, norm.weight, norm.bias, norm.eps
    )


def _layer_norm_backward(
    gradient: torch.Tensor,
    values: torch.Tensor,
    mean: torch.Tensor,
    rstd: torch.Tensor,
    norm: torch.nn.LayerNorm,
) -> torch.Tensor:
    """The gradient at ``values`` (the norm's input) from the one at its output."""
    return torch.ops.aten.native_layer_norm_backward(
        gradient,
        values,
        norm.normalized_shape,
        mean,
        rstd,
        norm.weight,
        norm.bias,
        [True, False, False],
    )[0]


@dataclass
class _Saved:
    """What one layer's backward reads (``rows``: all tokens, or [CLS] only)."""

    layer: torch.nn.Module
    queries: torch.Tensor  # <float32>[batch, heads, rows, head_size]
    keys: torch.Tensor  # <float32>[batch, heads, tokens, head_size]
    values: torch.Tensor  # <float32>[batch, heads, tokens, head_size]
    weights: torch.Tensor  # <float32>[batch, heads, rows, tokens], after softmax
    attended: tuple  # (input, mean, rstd) of the attention's layer norm
    intermediate: torch.Tensor  # <float32>[batch, rows, intermediate], before GELU
    output: tuple  # (input, mean, rstd) of the output's layer norm


class BertTape:
    """One forward pass of a supported BERT classifier, kept for its backward.

    Attributes:
        logits: ``<float32>[batch, num_labels]``, differentiable (inside
            ``torch.enable_grad``) with respect to the last layer's [CLS] row.
    """

    def __init__(
        self,
        network: torch.nn.Module,
        embeddings: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> None:
        """Runs ``network`` on word ``embeddings`` (``<float32>[batch, tokens,
        hidden]``); the same logits as ``network(inputs_embeds=...)``."""
        bert = network.bert
        self._embeddings = bert.embeddings
        self._layers: list[_Saved] = []
        with torch.no_grad():
            states = self._embed(embeddings, token_type_ids)
            # <float32>[batch, 1, 1, tokens]: 0 at tokens, the lowest float at padding
            additive = torch.zeros(attention_mask.shape, dtype=states.dtype)
            additive = additive.masked_fill(
                attention_mask == 0, torch.finfo(states.dtype).min
            )[:, None, None, :]
            layers = bert.encoder.layer
            for index, layer in enumerate(layers):
                states = self._layer(layer, states, additive, index == len(layers) - 1)
        self._cls = states[:, 0].requires_grad_(True)  # <float32>[batch, hidden]
        with torch.enable_grad():
            pooled = bert.pooler(self._cls[:, None])
            self.logits = network.classifier(network.dropout(pooled))

    def _embed(self, embeddings: torch.Tensor, token_type_ids: torch.Tensor):
        """The embedding layer's output (word + type + position, normalised)."""
        layer = self._embeddings
        positions = layer.position_embeddings.weight[: embeddings.shape[1]]
        summed = embeddings + layer.token_type_embeddings(token_type_ids) + positions
        normed, mean, rstd = _layer_norm(summed, layer.LayerNorm)
        self._embedded = (summed, mean, rstd)
        return normed

    def _layer(self, layer, states, additive, cls_only: bool) -> torch.Tensor:
        """One BERT layer (eager attention); only the [CLS] row if ``cls_only``."""
        attention = layer.attention.self
        size = attention.attention_head_size
        rows = states[:, :1].contiguous() if cls_only else states
        queries = _heads(attention.query(rows), size)
        keys = _heads(attention.key(states), size)
        values = _heads(attention.value(states), size)
        scores = torch.matmul(queries, keys.transpose(2, 3)) * attention.scaling
        weights = torch.softmax(scores + additive, dim=-1)
        context = _merged(torch.matmul(weights, values))
        output = layer.attention.output
        attended_in = output.dense(context) + rows
        attended, *attended_stats = _layer_norm(attended_in, output.LayerNorm)
        intermediate = layer.intermediate.dense(attended)
        output = layer.output
        output_in = output.dense(F.gelu(intermediate)) + attended
        result, *output_stats = _layer_norm(output_in, output.LayerNorm)
        self._layers.append(
            _Saved(
                layer,
                queries,
                keys,
                values,
                weights,
                (attended_in, *attended_stats),
                intermediate,
                (output_in, *output_stats),
            )
        )
        return result

    def gradient(self, scalar: torch.Tensor) -> torch.Tensor:
        """``<float32>[batch, tokens, hidden]``: the gradient of ``scalar`` (computed
        from ``logits``) with respect to the word embeddings."""
        (cls_gradient,) = torch.autograd.grad(scalar, self._cls)
        with torch.no_grad():
            gradient = cls_gradient[:, None]  # the last layer's output: [CLS] only
            for saved in reversed(self._layers):
                gradient = self._layer_backward(saved, gradient)
            summed, mean, rstd = self._embedded
            return _layer_norm_backward(
                gradient, summed, mean, rstd, self._embeddings.LayerNorm
            )

    @staticmethod
    def _layer_backward(saved: _Saved, gradient: torch.Tensor) -> torch.Tensor:
        """The gradient at a layer's input from the one at its output."""
        layer = saved.layer
        attention = layer.attention.self
        output_gradient = _layer_norm_backward(
            gradient, *saved.output, layer.output.LayerNorm
        )
        hidden = torch.matmul(output_gradient, layer.output.dense.weight)
        hidden = torch.ops.aten.gelu_backward(hidden, saved.intermediate)
        attended = output_gradient + torch.matmul(
            hidden, layer.intermediate.dense.weight
        )
        attended = _layer_norm_backward(
            attended, *saved.attended, layer.attention.output.LayerNorm
        )
        context = _heads(
            torch.matmul(attended, layer.attention.output.dense.weight),
            attention.attention_head_size,
        )
        weights = saved.weights
        scores = torch._softmax_backward_data(
            torch.matmul(context, saved.values.transpose(2, 3)),
            weights,
            -1,
            weights.dtype,
        )
        scores = scores * attention.scaling
        queries = torch.matmul(scores, saved.keys)
        keys = torch.matmul(scores.transpose(2, 3), saved.queries)
        values = torch.matmul(weights.transpose(2, 3), context)
        states = torch.matmul(_merged(keys), attention.key.weight) + torch.matmul(
            _merged(values), attention.value.weight
        )
        rows = attended + torch.matmul(_merged(queries), attention.query.weight)
        states[:, : rows.shape[1]] += rows
        return states
